/*
 * Building the model (see model.h) from the effective sections
 * system.applicationHost/sites, applicationPools and webLimits at
 * MACHINE/WEBROOT/APPHOST. Bindings that apphostd cannot serve (another
 * protocol, a malformed bindingInformation) are logged and left out; the
 * rest of the configuration still serves.
 */
#include "model.h"

#include "common/log.h"
#include "util/str.h"

#include <stdio.h>
#include <string.h>

#define APPHOST_PATH "MACHINE/WEBROOT/APPHOST"
#define HTTPSYS_HEADER_WAIT_MS 120000u

bool ad_timespan_ms(const char *text, uint64_t *ms)
{
	uint64_t days = 0, h = 0, m = 0, s = 0, frac_ms = 0;
	const char *p = text;
	uint64_t v = 0;
	int n = 0;
	while (*p >= '0' && *p <= '9' && n < 12)
		v = v * 10 + (uint64_t)(*p++ - '0'), n++;
	if (!n)
		return false;
	if (*p == '.') {
		days = v;
		p++;
		v = 0;
		n = 0;
		while (*p >= '0' && *p <= '9' && n < 12)
			v = v * 10 + (uint64_t)(*p++ - '0'), n++;
		if (!n)
			return false;
	}
	h = v;
	uint64_t *parts[2] = {&m, &s};
	for (int i = 0; i < 2; i++) {
		if (*p++ != ':')
			return false;
		v = 0;
		n = 0;
		while (*p >= '0' && *p <= '9' && n < 3)
			v = v * 10 + (uint64_t)(*p++ - '0'), n++;
		if (!n)
			return false;
		*parts[i] = v;
	}
	if (*p == '.') {
		p++;
		uint64_t scale = 100;
		for (n = 0; *p >= '0' && *p <= '9' && n < 7; n++, p++) {
			frac_ms += (uint64_t)(*p - '0') * scale;
			scale /= 10;
		}
	}
	if (*p)
		return false;
	*ms = (((days * 24 + h) * 60 + m) * 60 + s) * 1000 + frac_ms;
	return true;
}

static uint32_t ms_attr(const ah_elem *e, const char *name, uint32_t def)
{
	uint64_t ms;
	if (!ad_timespan_ms(ah_elem_get(e, name), &ms))
		return def;
	return ms > UINT32_MAX ? UINT32_MAX : (uint32_t)ms;
}

static uint32_t u32_attr(const ah_elem *e, const char *name, uint32_t def)
{
	uint64_t v;
	if (!ah_parse_u64(ah_elem_get(e, name), &v) || v > UINT32_MAX)
		return def;
	return (uint32_t)v;
}

static bool bool_attr(const ah_elem *e, const char *name)
{
	return ah_strcaseeq(ah_elem_get(e, name), "true");
}

/* FNV-1a over every effective value under e. */
static void fingerprint(const ah_elem *e, uint64_t *h)
{
	const char *parts[3];
	ah_attr_info a;
	for (size_t i = 0; ah_elem_attr_at(e, i, &a); i++) {
		parts[0] = a.name;
		parts[1] = "=";
		parts[2] = a.text;
		for (int k = 0; k < 3; k++)
			for (const unsigned char *p = (const unsigned char *)parts[k]; *p; p++)
				*h = (*h ^ *p) * 1099511628211ull;
		*h = (*h ^ 0xff) * 1099511628211ull;
	}
	for (size_t i = 0; i < ah_elem_child_count(e); i++)
		fingerprint(ah_elem_child_at(e, i), h);
	for (size_t i = 0; i < ah_elem_item_count(e); i++)
		fingerprint(ah_elem_item_at(e, i), h);
}

static int identity_of(const char *t)
{
	static const char *names[] = {"LocalSystem", "LocalService", "NetworkService",
				      "SpecificUser", "ApplicationPoolIdentity"};
	for (int i = 0; i < 5; i++)
		if (ah_strcaseeq(t, names[i]))
			return i;
	return AD_ID_APPPOOL;
}

static uint64_t u64_attr(const ah_elem *e, const char *name, uint64_t def)
{
	uint64_t v;
	return e && ah_parse_u64(ah_elem_get(e, name), &v) ? v : def;
}

static uint32_t flags_attr(const ah_elem *e, const char *name, const char *const *names,
			   uint32_t def)
{
	if (!e)
		return def;
	const char *t = ah_elem_get(e, name);
	uint32_t v = 0;
	while (*t) {
		while (*t == ' ' || *t == ',')
			t++;
		size_t n = strcspn(t, " ,");
		for (int i = 0; names[i] && n; i++)
			if (strlen(names[i]) == n && ah_strncaseeq(t, names[i], n))
				v |= 1u << i;
		t += n;
	}
	return v;
}

/* processModel, failure, recycling and environmentVariables of one pool */
static int load_pool_runtime(ad_model *m, ad_pool_def *d, const ah_elem *e)
{
	static const char *const recycle_flags[] = {
		"Time", "Requests", "Schedule", "Memory", "IsapiUnhealthy",
		"OnDemand", "ConfigChange", "PrivateMemory", NULL};
	static const char *const pm_flags[] = {"IdleTimeout", NULL};
	const ah_elem *pm = ah_elem_child(e, "processModel");
	const ah_elem *fail = ah_elem_child(e, "failure");
	const ah_elem *rec = ah_elem_child(e, "recycling");
	const ah_elem *pr = rec ? ah_elem_child(rec, "periodicRestart") : NULL;
	const ah_elem *env = ah_elem_child(e, "environmentVariables");

	d->password = ah_arena_strdup(m->arena, pm ? ah_elem_get(pm, "password") : "");
	d->manual_groups = pm && bool_attr(pm, "manualGroupMembership");
	d->load_user_profile = pm && bool_attr(pm, "loadUserProfile");
	d->idle_ms = pm ? ms_attr(pm, "idleTimeout", 1200000) : 1200000;
	d->idle_suspend = pm && ah_strcaseeq(ah_elem_get(pm, "idleTimeoutAction"), "Suspend");
	d->log_idle = flags_attr(pm, "logEventOnProcessModel", pm_flags, 1) & 1;
	d->max_processes = pm ? u32_attr(pm, "maxProcesses", 1) : 1;
	if (d->max_processes == 0)
		d->max_processes = 1;
	d->ping = !pm || !ah_strcaseeq(ah_elem_get(pm, "pingingEnabled"), "false");
	d->ping_interval_ms = pm ? ms_attr(pm, "pingInterval", 30000) : 30000;
	d->ping_response_ms = pm ? ms_attr(pm, "pingResponseTime", 90000) : 90000;

	d->rapid_fail = !fail || !ah_strcaseeq(ah_elem_get(fail, "rapidFailProtection"), "false");
	d->rapid_fail_ms = fail ? ms_attr(fail, "rapidFailProtectionInterval", 300000) : 300000;
	d->rapid_fail_max = fail ? u32_attr(fail, "rapidFailProtectionMaxCrashes", 5) : 5;

	d->log_recycle = rec ? flags_attr(rec, "logEventOnRecycle", recycle_flags, 0xef) : 0xef;
	uint64_t ms = 104400000; /* 29:00:00 */
	if (pr && !ad_timespan_ms(ah_elem_get(pr, "time"), &ms))
		ms = 104400000;
	d->restart_time_ms = ms;
	d->restart_requests = pr ? u32_attr(pr, "requests", 0) : 0;
	d->restart_memory_kb = u64_attr(pr, "memory", 0);
	d->restart_private_kb = u64_attr(pr, "privateMemory", 0);
	const ah_elem *sch = pr ? ah_elem_child(pr, "schedule") : NULL;
	size_t n = sch ? ah_elem_item_count(sch) : 0;
	d->schedule = ah_arena_alloc(m->arena, (n ? n : 1) * sizeof(*d->schedule));
	if (!d->schedule || !d->password)
		return AH_ENOMEM;
	for (size_t i = 0; i < n; i++) {
		uint64_t at;
		if (ad_timespan_ms(ah_elem_get(ah_elem_item_at(sch, i), "value"), &at))
			d->schedule[d->nschedule++] = (uint32_t)((at / 1000) % 86400);
	}

	n = env ? ah_elem_item_count(env) : 0;
	d->env = ah_arena_alloc(m->arena, (n ? n : 1) * sizeof(*d->env));
	if (!d->env)
		return AH_ENOMEM;
	for (size_t i = 0; i < n; i++) {
		const ah_elem *it = ah_elem_item_at(env, i);
		const char *name = ah_elem_get(it, "name");
		if (!*name || strchr(name, '=')) {
			ad_log(AD_LOG_WARN, "application pool '%s': environment variable '%s' is "
					    "ignored: its name is not valid", d->name, name);
			continue;
		}
		const char *kv = ah_arena_printf(m->arena, "%s=%s", name, ah_elem_get(it, "value"));
		if (!kv)
			return AH_ENOMEM;
		d->env[d->nenv++] = kv;
	}
	return 0;
}

static int load_pools(ad_model *m, ah_config *cfg)
{
	ah_section *s;
	int rc = ah_config_section(&s, cfg, "system.applicationHost/applicationPools", APPHOST_PATH);
	if (rc < 0)
		return rc;
	const ah_elem *root = ah_section_root(s);
	size_t n = ah_elem_item_count(root);
	m->pools = ah_arena_alloc(m->arena, (n ? n : 1) * sizeof(*m->pools));
	if (!m->pools) {
		ah_section_free(s);
		return AH_ENOMEM;
	}
	for (size_t i = 0; i < n; i++) {
		const ah_elem *e = ah_elem_item_at(root, i);
		const ah_elem *pm = ah_elem_child(e, "processModel");
		const ah_elem *rec = ah_elem_child(e, "recycling");
		const char *name = ah_elem_get(e, "name");
		if (!*name || strcmp(name, ".") == 0 || strcmp(name, "..") == 0) {
			ad_log(AD_LOG_WARN, "application pool '%s' is ignored: its name is not valid",
			       name);
			continue;
		}
		ad_pool_def *d = &m->pools[m->npools++];
		d->name = ah_arena_strdup(m->arena, name);
		d->queue_len = u32_attr(e, "queueLength", 1000);
		d->auto_start = bool_attr(e, "autoStart");
		d->always_running = ah_strcaseeq(ah_elem_get(e, "startMode"), "AlwaysRunning");
		d->runtime_version = ah_arena_strdup(m->arena, ah_elem_get(e, "managedRuntimeVersion"));
		d->identity = pm ? identity_of(ah_elem_get(pm, "identityType")) : AD_ID_APPPOOL;
		d->user_name = ah_arena_strdup(m->arena, pm ? ah_elem_get(pm, "userName") : "");
		d->startup_ms = pm ? ms_attr(pm, "startupTimeLimit", 90000) : 90000;
		d->shutdown_ms = pm ? ms_attr(pm, "shutdownTimeLimit", 90000) : 90000;
		d->no_rotation_on_change = rec && bool_attr(rec, "disallowRotationOnConfigChange");
		d->no_overlap = rec && bool_attr(rec, "disallowOverlappingRotation");
		d->fingerprint = 14695981039346656037ull;
		fingerprint(e, &d->fingerprint);
		if (!d->name || !d->runtime_version || !d->user_name ||
		    load_pool_runtime(m, d, e) < 0) {
			ah_section_free(s);
			return AH_ENOMEM;
		}
	}
	ah_section_free(s);
	return 0;
}

static int load_bindings(ad_model *m, ad_site *site, const ah_elem *e)
{
	const ah_elem *b = ah_elem_child(e, "bindings");
	size_t n = b ? ah_elem_item_count(b) : 0;
	site->bindings = ah_arena_alloc(m->arena, (n ? n : 1) * sizeof(*site->bindings));
	if (!site->bindings)
		return AH_ENOMEM;
	for (size_t i = 0; i < n; i++) {
		const ah_elem *it = ah_elem_item_at(b, i);
		const char *proto = ah_elem_get(it, "protocol");
		const char *info = ah_elem_get(it, "bindingInformation");
		if (!ah_strcaseeq(proto, "http")) {
			ad_log(AD_LOG_NOTICE, "site '%s': binding %s/%s is not served (only http "
					      "bindings are served for now)", site->name, proto, info);
			continue;
		}
		const char *why;
		ad_binding *bd = &site->bindings[site->nbindings];
		if (ad_binding_parse(bd, m->arena, info, &why) < 0) {
			ad_log(AD_LOG_WARN, "site '%s': binding 'http/%s' is not served: %s",
			       site->name, info, why);
			continue;
		}
		site->nbindings++;
	}
	return 0;
}

/* As the worker decides where it writes (src/worker/sites.c). */
static int load_log_dir(ad_model *m, ad_site *site, const ah_elem *lf)
{
	site->log_dir = NULL;
	if (!lf || !ah_strcaseeq(ah_elem_get(lf, "enabled"), "true") ||
	    !ah_strcaseeq(ah_elem_get(lf, "logFormat"), "W3C"))
		return 0;
	const char *targets = ah_elem_get(lf, "logTargetW3C");
	bool file = false;
	for (const char *t = targets; t && *t;) {
		while (*t == ' ' || *t == ',')
			t++;
		size_t n = strcspn(t, " ,");
		if (n == 4 && ah_strncaseeq(t, "File", 4))
			file = true;
		t += n;
	}
	if (!file)
		return 0;
	char *dir = ah_physical_path(ah_elem_get(lf, "directory"));
	if (!dir)
		return AH_ENOMEM;
	size_t n = strlen(dir);
	while (n > 1 && dir[n - 1] == '/')
		n--;
	if (n > 0)
		site->log_dir = ah_arena_printf(m->arena, "%.*s/W3SVC%u", (int)n, dir,
						(unsigned)site->id);
	ah_free(dir);
	return n > 0 && !site->log_dir ? AH_ENOMEM : 0;
}

static int load_site(ad_model *m, ad_site *site, const ah_elem *e)
{
	uint64_t id;
	site->name = ah_arena_strdup(m->arena, ah_elem_get(e, "name"));
	if (!site->name)
		return AH_ENOMEM;
	if (!ah_parse_u64(ah_elem_get(e, "id"), &id) || id > UINT32_MAX)
		id = 0;
	site->id = (uint32_t)id;
	site->auto_start = bool_attr(e, "serverAutoStart");
	int rc = load_log_dir(m, site, ah_elem_child(e, "logFile"));
	if (rc < 0)
		return rc;
	rc = load_bindings(m, site, e);
	if (rc < 0)
		return rc;
	size_t n = ah_elem_item_count(e);
	site->apps = ah_arena_alloc(m->arena, (n ? n : 1) * sizeof(*site->apps));
	if (!site->apps)
		return AH_ENOMEM;
	for (size_t i = 0; i < n; i++) {
		const ah_elem *a = ah_elem_item_at(e, i);
		ad_app *app = &site->apps[site->napps++];
		app->path = ah_arena_strdup(m->arena, ah_elem_get(a, "path"));
		app->pool = ah_arena_strdup(m->arena, ah_elem_get(a, "applicationPool"));
		if (!app->path || !app->pool)
			return AH_ENOMEM;
		if (!*app->pool)
			ad_log(AD_LOG_WARN, "site '%s': application '%s' has no application pool; "
					    "its requests get 503", site->name, app->path);
		else if (!ad_model_pool(m, app->pool))
			ad_log(AD_LOG_WARN, "site '%s': application '%s' uses application pool '%s', "
					    "which does not exist; its requests get 503",
			       site->name, app->path, app->pool);
	}
	return 0;
}

static int load_sites(ad_model *m, ah_config *cfg)
{
	ah_section *s;
	int rc = ah_config_section(&s, cfg, "system.applicationHost/sites", APPHOST_PATH);
	if (rc < 0)
		return rc;
	const ah_elem *root = ah_section_root(s);
	size_t n = ah_elem_item_count(root);
	m->sites = ah_arena_alloc(m->arena, (n ? n : 1) * sizeof(*m->sites));
	rc = m->sites ? 0 : AH_ENOMEM;
	for (size_t i = 0; i < n && rc == 0; i++) {
		ad_site *site = &m->sites[m->nsites];
		rc = load_site(m, site, ah_elem_item_at(root, i));
		if (rc == 0 && site->id == 0)
			ad_log(AD_LOG_WARN, "site '%s' has no valid id; it is not served", site->name);
		else if (rc == 0)
			m->nsites++;
	}
	ah_section_free(s);
	return rc;
}

static int load_limits(ad_model *m, ah_config *cfg)
{
	ah_section *s;
	m->header_wait_ms = HTTPSYS_HEADER_WAIT_MS;
	int rc = ah_config_section(&s, cfg, "system.applicationHost/webLimits", APPHOST_PATH);
	if (rc < 0) { /* webLimits not declared: HTTP.sys's default */
		ah_error_clear();
		return 0;
	}
	uint32_t ms = ms_attr(ah_section_root(s), "headerWaitTimeout", 0);
	if (ms)
		m->header_wait_ms = ms;
	ah_section_free(s);
	return 0;
}

int ad_model_load(ad_model **out, ah_config *cfg)
{
	*out = NULL;
	ad_model *m = ah_calloc(1, sizeof(*m));
	if (!m)
		return AH_ENOMEM;
	m->arena = ah_arena_new();
	int rc = m->arena ? 0 : AH_ENOMEM;
	if (rc == 0)
		rc = load_pools(m, cfg);
	if (rc == 0)
		rc = load_sites(m, cfg);
	if (rc == 0)
		rc = load_limits(m, cfg);
	if (rc < 0) {
		ad_model_free(m);
		return rc;
	}
	*out = m;
	return 0;
}

void ad_model_free(ad_model *m)
{
	if (!m)
		return;
	ah_arena_free(m->arena);
	ah_free(m);
}

const ad_pool_def *ad_model_pool(const ad_model *m, const char *name)
{
	for (size_t i = 0; i < m->npools; i++)
		if (ah_strcaseeq(m->pools[i].name, name))
			return &m->pools[i];
	return NULL;
}

const ad_site *ad_model_site(const ad_model *m, const char *name)
{
	for (size_t i = 0; i < m->nsites; i++)
		if (ah_strcaseeq(m->sites[i].name, name))
			return &m->sites[i];
	return NULL;
}

const ad_site *ad_model_site_by_id(const ad_model *m, uint32_t id)
{
	for (size_t i = 0; i < m->nsites; i++)
		if (m->sites[i].id == id)
			return &m->sites[i];
	return NULL;
}

static size_t app_len(const char *p)
{
	size_t n = strlen(p);
	while (n > 1 && p[n - 1] == '/')
		n--;
	return n;
}

const ad_app *ad_model_app_for(const ad_site *s, const char *path)
{
	const ad_app *best = NULL;
	size_t best_len = 0;
	for (size_t i = 0; i < s->napps; i++) {
		const ad_app *a = &s->apps[i];
		size_t n = app_len(a->path);
		bool match = (n == 1 && a->path[0] == '/') ||
			     (ah_strncaseeq(path, a->path, n) && (path[n] == '\0' || path[n] == '/'));
		if (match && (!best || n > best_len)) {
			best = a;
			best_len = n;
		}
	}
	return best;
}

const ad_app *ad_model_app(const ad_site *s, const char *path)
{
	size_t n = app_len(path);
	for (size_t i = 0; i < s->napps; i++)
		if (app_len(s->apps[i].path) == n && ah_strncaseeq(s->apps[i].path, path, n))
			return &s->apps[i];
	return NULL;
}

bool ad_model_site_uses_pool(const ad_site *s, const char *pool)
{
	for (size_t i = 0; i < s->napps; i++)
		if (ah_strcaseeq(s->apps[i].pool, pool))
			return true;
	return false;
}
