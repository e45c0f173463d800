/*
 * What apphostd serves, read from the configuration with the engine: the
 * sites with their http bindings and applications (each with its effective
 * application pool), the application pools with what the daemon needs of
 * them, and the header wait timeout of webLimits. A model is immutable; a
 * configuration change builds a new one.
 */
#ifndef AD_MODEL_H
#define AD_MODEL_H

#include "apphost/config.h"
#include "binding.h"

#include <stdbool.h>
#include <stdint.h>

typedef struct ad_app {
	const char *path; /* "/" or "/app" */
	const char *pool; /* effective applicationPool; "" when none */
} ad_app;

typedef struct ad_site {
	uint32_t id;
	const char *name;
	bool auto_start; /* serverAutoStart */
	/* the W3C log folder: logFile/@directory (the site's, else siteDefaults'),
	 * mapped to a Linux path, + "/W3SVC<id>"; NULL when the site does not log
	 * W3C to files */
	const char *log_dir;
	ad_binding *bindings;
	size_t nbindings;
	ad_app *apps;
	size_t napps;
} ad_site;

enum ad_identity {
	AD_ID_LOCALSYSTEM,
	AD_ID_LOCALSERVICE,
	AD_ID_NETWORKSERVICE,
	AD_ID_SPECIFICUSER,
	AD_ID_APPPOOL,
};

typedef struct ad_pool_def {
	const char *name;
	uint32_t queue_len;
	bool auto_start;
	bool always_running; /* startMode="AlwaysRunning" */
	int identity;        /* enum ad_identity */
	const char *user_name;
	const char *runtime_version;
	uint32_t startup_ms, shutdown_ms;
	bool no_rotation_on_change; /* recycling/@disallowRotationOnConfigChange */
	bool no_overlap;            /* recycling/@disallowOverlappingRotation */
	uint64_t fingerprint;       /* of every effective value of the pool */

	/* processModel */
	const char *password;       /* as stored: "[enc:…:enc]" or plain text */
	bool manual_groups;         /* manualGroupMembership */
	bool load_user_profile;     /* loadUserProfile */
	uint32_t idle_ms;           /* idleTimeout; 0 = never */
	bool idle_suspend;          /* idleTimeoutAction="Suspend" */
	bool log_idle;              /* logEventOnProcessModel has IdleTimeout */
	uint32_t max_processes;     /* maxProcesses (0 = one per NUMA node: 1 here) */
	bool ping;                  /* pingingEnabled */
	uint32_t ping_interval_ms, ping_response_ms;

	/* failure */
	bool rapid_fail;            /* rapidFailProtection */
	uint32_t rapid_fail_ms;     /* rapidFailProtectionInterval */
	uint32_t rapid_fail_max;    /* rapidFailProtectionMaxCrashes */

	/* recycling */
	uint32_t log_recycle;       /* logEventOnRecycle flags (AD_RECYCLE_*) */
	uint64_t restart_time_ms;   /* periodicRestart/@time; 0 = off */
	uint32_t restart_requests;  /* periodicRestart/@requests; 0 = off */
	uint64_t restart_memory_kb; /* periodicRestart/@memory (virtual); 0 = off */
	uint64_t restart_private_kb; /* periodicRestart/@privateMemory; 0 = off */
	uint32_t *schedule;         /* periodicRestart/schedule: seconds after midnight */
	size_t nschedule;

	/* environmentVariables, as "name=value" */
	const char **env;
	size_t nenv;
} ad_pool_def;

/* recycling/@logEventOnRecycle flags, as the schema numbers them */
enum {
	AD_RECYCLE_TIME = 1,
	AD_RECYCLE_REQUESTS = 2,
	AD_RECYCLE_SCHEDULE = 4,
	AD_RECYCLE_MEMORY = 8,
	AD_RECYCLE_ISAPI = 16,
	AD_RECYCLE_ONDEMAND = 32,
	AD_RECYCLE_CONFIG = 64,
	AD_RECYCLE_PRIVATE = 128,
};

typedef struct ad_model {
	ah_arena *arena;
	ad_site *sites;
	size_t nsites;
	ad_pool_def *pools;
	size_t npools;
	uint32_t header_wait_ms;
} ad_model;

/* Build the model of cfg. Configuration errors are returned as the engine
 * reports them (the thread error has IIS's message, file and line). */
int ad_model_load(ad_model **out, ah_config *cfg);
void ad_model_free(ad_model *m);

const ad_pool_def *ad_model_pool(const ad_model *m, const char *name);
const ad_site *ad_model_site(const ad_model *m, const char *name);
const ad_site *ad_model_site_by_id(const ad_model *m, uint32_t id);
/* The application of s holding url path (the longest segment prefix). */
const ad_app *ad_model_app_for(const ad_site *s, const char *path);
/* An application of s by its exact path (case-insensitive). */
const ad_app *ad_model_app(const ad_site *s, const char *path);
bool ad_model_site_uses_pool(const ad_site *s, const char *pool);

/* "[d.]hh:mm:ss[.fffffff]" in milliseconds; false when malformed. */
bool ad_timespan_ms(const char *text, uint64_t *ms);

#endif
