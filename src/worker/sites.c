/*
 * The site table of a loop: sites, their bindings, applications and virtual
 * directories, read from system.applicationHost/sites, and webLimits.
 *
 * Site selection follows HTTP.sys (docs/server.md, Routing): for a request on
 * local address A:P with Host H, a binding A:P:H wins over *:P:H, which wins
 * over A:P: (any host), which wins over *:P:. Within a site, the application
 * is the one with the longest path that is a segment-wise, case-insensitive
 * prefix of the URL, and the virtual directory is chosen the same way among
 * the application's, relative to the application's path.
 *
 * Only "http" bindings are served. The table is rebuilt when a file of the
 * configuration folder changes.
 *
 * Each site also carries its W3C log settings: the site's logFile element,
 * whose unset attributes the engine fills from siteDefaults/logFile. Only
 * the W3C format written to a file is produced (logFormat IIS, NCSA and
 * Custom, and an ETW-only logTargetW3C, turn the site's log off). The folder
 * is <directory>/W3SVC<id>, the directory expanded and mapped to Linux
 * (ah_physical_path).
 */
#include "worker/worker.h"

#include "util/str.h"

#include <ctype.h>
#include <string.h>

/* ---- parsing -------------------------------------------------------------------- */

static uint64_t timespan_attr(const ah_elem *e, const char *name, uint64_t def)
{
	uint64_t ms;
	if (!e || !wk_timespan_ms(ah_elem_get(e, name), &ms))
		return def;
	return ms;
}

static char *arena_lower(ah_arena *a, const char *s, size_t n)
{
	char *d = ah_arena_strndup(a, s, n);
	if (d)
		for (char *p = d; *p; p++)
			*p = (char)tolower((unsigned char)*p);
	return d;
}

/* "ip:port:host": ip "*" or "" means any; IPv6 in brackets. */
int wk_binding_parse(wk_binding *b, ah_arena *a, const char *info)
{
	const char *last = strrchr(info, ':');
	if (!last || last == info)
		return AH_EINVALID;
	const char *mid = last - 1;
	while (mid > info && *mid != ':')
		mid--;
	if (*mid != ':')
		return AH_EINVALID;
	uint64_t port;
	char pbuf[8];
	size_t plen = (size_t)(last - mid - 1);
	if (plen == 0 || plen >= sizeof(pbuf))
		return AH_EINVALID;
	memcpy(pbuf, mid + 1, plen);
	pbuf[plen] = '\0';
	if (!ah_parse_u64(pbuf, &port) || port == 0 || port > 65535)
		return AH_EINVALID;
	size_t iplen = (size_t)(mid - info);
	if (iplen == 0 || (iplen == 1 && info[0] == '*')) {
		b->any_ip = true;
		memset(&b->addr, 0, sizeof(b->addr));
	} else if (wk_addr_parse_ip(&b->addr, info, iplen) < 0) {
		return AH_EINVALID;
	}
	b->addr.port = (uint16_t)port;
	b->host = arena_lower(a, last + 1, strlen(last + 1));
	return b->host ? 0 : AH_ENOMEM;
}

static const char *trim_slash(ah_arena *a, const char *path, size_t *len)
{
	size_t n = strlen(path);
	while (n > 1 && path[n - 1] == '/')
		n--;
	*len = n;
	return ah_arena_strndup(a, path, n);
}

static int load_app(wk_app *app, ah_arena *a, const ah_elem *e)
{
	app->path = trim_slash(a, ah_elem_get(e, "path"), &app->len);
	size_t n = ah_elem_item_count(e);
	app->vdirs = ah_arena_alloc(a, (n ? n : 1) * sizeof(*app->vdirs));
	if (!app->path || !app->vdirs)
		return AH_ENOMEM;
	for (size_t i = 0; i < n; i++) {
		const ah_elem *v = ah_elem_item_at(e, i);
		wk_vdir *vd = &app->vdirs[app->nvdirs];
		vd->path = trim_slash(a, ah_elem_get(v, "path"), &vd->len);
		char *phys = ah_physical_path(ah_elem_get(v, "physicalPath"));
		if (!vd->path || !phys) {
			ah_free(phys);
			return AH_ENOMEM;
		}
		size_t pl = strlen(phys);
		while (pl > 1 && phys[pl - 1] == '/')
			pl--;
		vd->phys = ah_arena_strndup(a, phys, pl);
		ah_free(phys);
		if (!vd->phys)
			return AH_ENOMEM;
		app->nvdirs++;
	}
	return 0;
}

/* logExtFileFlags: a comma list of the schema's flag names. */
static uint32_t log_fields(const char *text)
{
	static const char *const names[] = {
	    "Date",         "Time",         "ClientIP",  "UserName",  "SiteName",
	    "ComputerName", "ServerIP",     "Method",    "UriStem",   "UriQuery",
	    "HttpStatus",   "Win32Status",  "BytesSent", "BytesRecv", "TimeTaken",
	    "ServerPort",   "UserAgent",    "Cookie",    "Referer",   "ProtocolVersion",
	    "Host",         "HttpSubStatus"};
	uint32_t bits = 0;
	for (const char *p = text; *p;) {
		while (*p == ' ' || *p == ',')
			p++;
		size_t n = strcspn(p, ", ");
		for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++)
			if (n && n == strlen(names[i]) && ah_strncaseeq(p, names[i], n))
				bits |= 1u << i;
		p += n;
	}
	return bits;
}

static bool has_word(const char *list, const char *word)
{
	size_t n = strlen(word);
	for (const char *p = list; *p;) {
		while (*p == ' ' || *p == ',')
			p++;
		size_t len = strcspn(p, ", ");
		if (len == n && ah_strncaseeq(p, word, n))
			return true;
		p += len;
	}
	return false;
}

static int load_log(wk_logcfg *lc, ah_arena *a, const wk_site *site, const ah_elem *lf)
{
	memset(lc, 0, sizeof(*lc));
	if (!lf || !ah_strcaseeq(ah_elem_get(lf, "enabled"), "true") ||
	    !ah_strcaseeq(ah_elem_get(lf, "logFormat"), "W3C") ||
	    !has_word(ah_elem_get(lf, "logTargetW3C"), "File"))
		return 0;
	char *dir = ah_physical_path(ah_elem_get(lf, "directory"));
	if (!dir)
		return AH_ENOMEM;
	size_t n = strlen(dir);
	while (n > 1 && dir[n - 1] == '/')
		n--;
	lc->dir = ah_arena_printf(a, "%.*s/W3SVC%u", (int)n, dir, site->id);
	ah_free(dir);
	if (!lc->dir)
		return AH_ENOMEM;
	lc->enabled = n > 0;
	lc->fields = log_fields(ah_elem_get(lf, "logExtFileFlags"));
	const char *period = ah_elem_get(lf, "period");
	lc->period = ah_strcaseeq(period, "MaxSize")   ? WK_PERIOD_MAXSIZE
	             : ah_strcaseeq(period, "Weekly")  ? WK_PERIOD_WEEKLY
	             : ah_strcaseeq(period, "Monthly") ? WK_PERIOD_MONTHLY
	             : ah_strcaseeq(period, "Hourly")  ? WK_PERIOD_HOURLY
	                                               : WK_PERIOD_DAILY;
	if (!ah_parse_u64(ah_elem_get(lf, "truncateSize"), &lc->truncate_size))
		lc->truncate_size = 20971520;
	lc->local_time = ah_strcaseeq(ah_elem_get(lf, "localTimeRollover"), "true");
	if (!ah_parse_u64(ah_elem_get(lf, "flushByEntryCountW3CLog"), &lc->flush_entries))
		lc->flush_entries = 0;
	return 0;
}

static int load_site(wk_sites *s, wk_site *site, const ah_elem *e, size_t *nb)
{
	ah_arena *a = s->arena;
	uint64_t id = 0;
	site->name = ah_arena_strdup(a, ah_elem_get(e, "name"));
	ah_parse_u64(ah_elem_get(e, "id"), &id);
	site->id = (unsigned)id;
	site->conn_timeout_ms =
	    timespan_attr(ah_elem_child(e, "limits"), "connectionTimeout", 120000);
	int lrc = load_log(&site->log, a, site, ah_elem_child(e, "logFile"));
	if (lrc < 0)
		return lrc;
	size_t n = ah_elem_item_count(e);
	site->apps = ah_arena_alloc(a, (n ? n : 1) * sizeof(*site->apps));
	if (!site->name || !site->apps)
		return AH_ENOMEM;
	for (size_t i = 0; i < n; i++) {
		int rc = load_app(&site->apps[site->napps], a, ah_elem_item_at(e, i));
		if (rc < 0)
			return rc;
		site->napps++;
	}
	const ah_elem *bindings = ah_elem_child(e, "bindings");
	size_t nbind = bindings ? ah_elem_item_count(bindings) : 0;
	for (size_t i = 0; i < nbind; i++) {
		const ah_elem *b = ah_elem_item_at(bindings, i);
		if (!ah_strcaseeq(ah_elem_get(b, "protocol"), "http"))
			continue;
		wk_binding *wb = &s->bindings[*nb];
		int rc = wk_binding_parse(wb, a, ah_elem_get(b, "bindingInformation"));
		if (rc == AH_ENOMEM)
			return rc;
		if (rc < 0) {
			wk_log("site '%s': binding '%s' is not ip:port:host, ignored", site->name,
			       ah_elem_get(b, "bindingInformation"));
			continue;
		}
		wb->site = site;
		(*nb)++;
	}
	return 0;
}

static size_t count_bindings(const ah_elem *root)
{
	size_t n = 0;
	for (size_t i = 0; i < ah_elem_item_count(root); i++) {
		const ah_elem *b = ah_elem_child(ah_elem_item_at(root, i), "bindings");
		n += b ? ah_elem_item_count(b) : 0;
	}
	return n;
}

int wk_sites_load(wk_sites **out, ah_config *cfg)
{
	*out = NULL;
	wk_sites *s = ah_calloc(1, sizeof(*s));
	if (!s || !(s->arena = ah_arena_new())) {
		ah_free(s);
		return AH_ENOMEM;
	}
	s->conn_timeout_ms = 120000;
	const ah_section *limits = NULL;
	ah_error_clear();
	int rc = ah_config_lookup(&limits, cfg, "system.applicationHost/webLimits", NULL);
	if (rc == 0) {
		const ah_elem *root = ah_section_root(limits);
		s->conn_timeout_ms = timespan_attr(root, "connectionTimeout", 120000);
		s->header_wait_ms = timespan_attr(root, "headerWaitTimeout", 0);
	}
	const ah_section *sec = NULL;
	ah_error_clear();
	rc = ah_config_lookup(&sec, cfg, "system.applicationHost/sites", NULL);
	if (rc == AH_ENOMEM)
		goto oom;
	if (rc < 0) {
		wk_cfgerr_capture(&s->err, rc);
		*out = s;
		return 0;
	}
	const ah_elem *root = ah_section_root(sec);
	size_t n = ah_elem_item_count(root);
	size_t nb = count_bindings(root);
	s->sites = ah_arena_alloc(s->arena, (n ? n : 1) * sizeof(*s->sites));
	s->bindings = ah_arena_alloc(s->arena, (nb ? nb : 1) * sizeof(*s->bindings));
	if (!s->sites || !s->bindings)
		goto oom;
	for (size_t i = 0; i < n; i++) {
		if (load_site(s, &s->sites[i], ah_elem_item_at(root, i), &s->nbindings) < 0)
			goto oom;
		s->nsites++;
	}
	*out = s;
	return 0;
oom:
	wk_sites_free(s);
	return AH_ENOMEM;
}

void wk_sites_free(wk_sites *s)
{
	if (!s)
		return;
	wk_cfgerr_free(&s->err);
	ah_arena_free(s->arena);
	ah_free(s);
}

/* ---- selection ------------------------------------------------------------------- */

static bool stopped_in(const wk_sites *states, unsigned id)
{
	for (size_t i = 0; states && i < states->nsites; i++)
		if (states->sites[i].id == id)
			return states->sites[i].stopped;
	return false;
}

const wk_site *wk_sites_find(const wk_sites *s, const wk_addr *local, const char *host)
{
	return wk_sites_find_started(s, local, host, NULL);
}

const wk_site *wk_sites_find_started(const wk_sites *s, const wk_addr *local, const char *host,
				     const wk_sites *states)
{
	const wk_site *best = NULL;
	int best_rank = 0;
	for (size_t i = 0; i < s->nbindings; i++) {
		const wk_binding *b = &s->bindings[i];
		if (b->addr.port != local->port)
			continue;
		if (!b->any_ip && !wk_addr_ip_equal(&b->addr, local))
			continue;
		int rank;
		if (b->host[0]) {
			if (strcmp(b->host, host) != 0)
				continue;
			rank = b->any_ip ? 3 : 4;
		} else {
			rank = b->any_ip ? 1 : 2;
		}
		if (rank > best_rank && !stopped_in(states, b->site->id)) {
			best_rank = rank;
			best = b->site;
		}
	}
	return best;
}

bool wk_sites_has_port(const wk_sites *s, uint16_t port)
{
	for (size_t i = 0; i < s->nbindings; i++)
		if (s->bindings[i].addr.port == port)
			return true;
	return false;
}

/* Length of prefix `p` (len n, no trailing '/', "/" for the root) matched
 * segment-wise by path, or -1. */
static long seg_prefix(const char *path, const char *p, size_t n)
{
	if (n == 1 && p[0] == '/')
		return 0;
	if (!ah_strncaseeq(path, p, n))
		return -1;
	if (path[n] != '\0' && path[n] != '/')
		return -1;
	return (long)n;
}

void wk_site_map(wk_mapping *out, const wk_site *site, const char *path)
{
	memset(out, 0, sizeof(*out));
	long best = -1;
	for (size_t i = 0; i < site->napps; i++) {
		long m = seg_prefix(path, site->apps[i].path, site->apps[i].len);
		if (m > best) {
			best = m;
			out->app = &site->apps[i];
		}
	}
	if (!out->app) {
		out->rest = path;
		return;
	}
	const char *in_app = path + best;
	best = -1;
	for (size_t i = 0; i < out->app->nvdirs; i++) {
		const wk_vdir *v = &out->app->vdirs[i];
		long m = seg_prefix(in_app[0] ? in_app : "/", v->path, v->len);
		if (m > best) {
			best = m;
			out->vdir = v;
		}
	}
	out->rest = best < 0 ? in_app : in_app + best;
}
