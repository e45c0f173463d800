/*
 * apphostd's state, shared by its files:
 *
 *   main.c      options, start-up (bind, router, pools), the event loop,
 *               signals, shutdown
 *   service.c   the daemon mode, the pid file, systemd's readiness notice
 *   reload.c    watching applicationHost.config and applying a change
 *   listeners.c the listening sockets of the bindings
 *   rlink.c     the router: starting it and the router channel
 *   pools.c     application pools: their workers, states and isolated files
 *   control.c   the control socket (appcmd start/stop/recycle, list wp)
 *   wpident.c   what a pool's worker runs as (the control socket's IDENTITY)
 *   broker.c    the logon broker: Basic credentials checked as root (broker.h)
 *
 * Everything runs in one thread around one epoll set; each object in the set
 * starts with its kind.
 */
#ifndef AD_DAEMON_H
#define AD_DAEMON_H

#include "apphost/config.h"
#include "common/creds.h"
#include "common/proto.h"
#include "model.h"

#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

enum ad_kind { AD_K_SIGNAL = 1, AD_K_WATCH, AD_K_CONTROL, AD_K_CLIENT, AD_K_ROUTER, AD_K_WORKER,
	      AD_K_LOGON /* broker.c */ };

enum ad_state { AD_STOPPED, AD_STARTED };

typedef struct ad_worker {
	int kind;
	pid_t pid;
	uint32_t id;          /* for the router (WORKER, WORKER_GONE) */
	struct ad_pool *pool; /* NULL once its pool is gone */
	char *pool_name;      /* for the log, after that */
	int chan;             /* apphostd's end of the worker channel */
	int router_end;       /* a copy of the router's end of the handoff pair */
	bool ready;           /* READY received and the router told */
	bool stopping;        /* SHUTDOWN or RECYCLE sent */
	uint64_t deadline_ms; /* startup or shutdown time limit */
	uint64_t started_ms;
	uint64_t ping_at_ms;  /* when to send the next PING */
	uint64_t pong_due_ms; /* a PING is unanswered: its pingResponseTime */
	uint32_t requests;    /* the worker's statistics, from its last PONG */
	uint32_t active;
	uint32_t idle_ms;
	bool recycling;       /* being replaced: serves until its successor is ready */
	bool killed;          /* killed by apphostd for a failure (ping, garbage) */
	uint32_t pings_out;   /* PINGs sent and not answered yet */
	uid_t uid;            /* the user it runs as */
	bool own_uid;         /* an ApplicationPoolIdentity uid: its pool's alone */
	struct ad_worker *next;
} ad_worker;

typedef struct ad_pool {
	char *name;
	const ad_pool_def *def; /* in the current model */
	enum ad_state state;
	ad_creds creds;
	char *config_path;
	uint64_t fingerprint;
	uint64_t restart_at_ms; /* AlwaysRunning: when to start again */
	uint64_t fail_since_ms; /* rapid-fail protection: the window's start */
	uint32_t fail_count;    /* crashes in that window */
	int64_t sched_checked;  /* periodicRestart/schedule: checked up to (epoch s) */
	uint64_t fill_retry_ms; /* a recycle's successor failed to start: not before */
	uint32_t fill_backoff_ms; /* the wait after the next such failure */
	bool refill;            /* a starting worker was recycled: start its successor */
	bool seen;
	struct ad_pool *next;
} ad_pool;

typedef struct ad_site_state {
	uint32_t id;
	enum ad_state state;
	bool seen;
	struct ad_site_state *next;
} ad_site_state;

typedef struct ad_listen {
	char key[64];
	int fd;
	bool seen;
	struct ad_listen *next;
} ad_listen;

typedef struct ad_client {
	int kind;
	int fd;
	char buf[4096];
	size_t len;
	uint64_t deadline_ms;
	struct ad_client *next;
} ad_client;

typedef struct ad_daemon {
	/* options */
	bool foreground;
	const char *run_dir;
	const char *worker_path;
	const char *router_path;
	ah_config_opts cfg_opts;
	bool is_root;

	ad_model *model;
	char *apphost_path; /* the applicationHost.config the engine reads */
	int ep;
	struct {
		int kind;
		int fd;
	} sig, watch, control, router;
	pid_t router_pid;
	ad_creds router_creds;
	uint64_t router_restart_at_ms;
	uint32_t generation;
	uint32_t worker_ids; /* the last worker id given */
	ad_pool *pools;
	ad_site_state *sites;
	ad_listen *listens;
	ad_worker *workers;
	ad_client *clients;
	uint64_t reload_at_ms; /* a change was seen: reload then (0: none) */
	char *src;             /* applicationHost.config's text while a change is applied */
	size_t src_len;
	uint64_t now_ms;
	uint32_t minute_ms; /* 60000; APPHOSTD_MINUTE_MS for tests (pools.c) */
	bool stopping;
	struct { /* the logon broker (broker.c), as root only */
		bool on;
		pid_t pid;
		int fd; /* apphostd's end of the broker channel */
		uint64_t restart_at_ms;
		struct ad_logon_end *ends; /* the broker's ends of the workers' logon pairs */
	} broker;
} ad_daemon;

uint64_t ad_now_ms(void);
int ad_epoll(ad_daemon *d, int op, int fd, uint32_t events, void *obj);
/* The runtime file of a name: <run dir>/<rel>. Heap string. */
char *ad_run_path(const ad_daemon *d, const char *rel);

/* service.c */
int ad_service_daemonize(int *ready_fd);
void ad_service_ready(int ready_fd);
int ad_service_lock(const ad_daemon *d);
void ad_service_notify(const char *state);

/* reload.c */
/* Open the configuration and build a model. Logs the error. */
int ad_load(ad_daemon *d, ad_model **out);
int ad_watch_start(ad_daemon *d);
void ad_watch_event(ad_daemon *d);
/* Apply the configuration as it is now (sites, pools, bindings). */
void ad_reload(ad_daemon *d);
/* Bring runtime sites and pools in line with d->model. */
void ad_apply_model(ad_daemon *d, bool first);

/* listeners.c */
/* Bind what the model needs, close what it no longer needs. */
void ad_listeners_sync(ad_daemon *d);
void ad_listeners_unlistened(ad_daemon *d, const char *key);
/* Stopping: close every listening socket, here and in the router. */
void ad_listeners_close_all(ad_daemon *d);

/* rlink.c */
int ad_router_start(ad_daemon *d);
void ad_router_event(ad_daemon *d);
void ad_router_exited(ad_daemon *d);
/* At shutdown: SIGTERM a child (the router, the logon broker), reap it
 * within 5 s, else SIGKILL it (one that ignores SIGTERM, or is stopped). */
void ad_child_stop(pid_t pid, const char *what);
int ad_router_send(ad_daemon *d, const ad_msg *m, int fd);
void ad_router_send_table(ad_daemon *d);
void ad_router_pool_msg(ad_daemon *d, int type, const ad_pool *p);
/* WORKER (with the router's end of its handoff pair) or WORKER_GONE. */
void ad_router_worker_msg(ad_daemon *d, int type, const ad_worker *w);
void ad_router_site_state(ad_daemon *d, const ad_site_state *s);

/* pools.c */
ad_pool *ad_pool_find(ad_daemon *d, const char *name);
/* The pool has a worker serving it or starting for it. */
bool ad_pool_has_worker(const ad_daemon *d, const ad_pool *p);
int ad_pool_start(ad_daemon *d, ad_pool *p);        /* appcmd start apppool */
int ad_pool_stop(ad_daemon *d, ad_pool *p);         /* appcmd stop apppool */
int ad_pool_recycle(ad_daemon *d, ad_pool *p);      /* appcmd recycle apppool */
/* Recycle for a reason (an AD_RECYCLE_* flag): its event is logged when
 * recycling/@logEventOnRecycle has the flag. */
int ad_pool_recycle_why(ad_daemon *d, ad_pool *p, int why);
void ad_pool_demand(ad_daemon *d, ad_pool *p);      /* the router has requests */
int ad_pool_write_config(ad_daemon *d, ad_pool *p); /* the isolated file */
int ad_pool_write_routes(ad_daemon *d, ad_pool *p); /* <pool>.routes */
void ad_pool_retire(ad_daemon *d, ad_pool *p);      /* removed from the config */
void ad_worker_event(ad_daemon *d, ad_worker *w, uint32_t events);
/* The router's WORKER_BAD: that worker sent garbage on its handoff end. */
void ad_worker_bad(ad_daemon *d, uint32_t id);
void ad_worker_exited(ad_daemon *d, ad_worker *w, int status);
ad_worker *ad_worker_by_pid(ad_daemon *d, pid_t pid);
void ad_workers_timers(ad_daemon *d);
void ad_workers_stop_all(ad_daemon *d);
/* After the router restarted: hand it every ready worker again. */
void ad_workers_resend(ad_daemon *d);
/* SIGKILL w and its process group (it leads its own: spawn.h). Also once
 * it has exited, before it is reaped: its children in the group go too. */
void ad_worker_kill(ad_worker *w);

/* control.c */
int ad_control_start(ad_daemon *d);
void ad_control_accept(ad_daemon *d);
void ad_client_event(ad_daemon *d, ad_client *c);
void ad_control_timers(ad_daemon *d);
void ad_control_stop(ad_daemon *d);

/* sites (reload.c) */
ad_site_state *ad_site_find(ad_daemon *d, uint32_t id);

#endif
