/*
 * From a parsed request head to a composed response: the worker's core.
 *
 *   1. the head itself: HTTP/1.x only (505), Host required for HTTP/1.1 and
 *      never twice (400, HTTP.sys's "Invalid Hostname" page), the target in
 *      origin form or absolute form (whose authority then is the host);
 *   2. the URL: split from its query, percent-decoded and normalized
 *      (url.c); a malformed or escaping path is HTTP.sys's 400 "Invalid URL";
 *   3. the site by binding (sites.c; none: 400 "Invalid Hostname"), the
 *      application and virtual directory, the physical path;
 *   4. the effective configuration of "MACHINE/WEBROOT/APPHOST/<site><url>"
 *      (urlcfg.c): a configuration error is 500.19 for this URL only; the
 *      content folders of a URL seen for the first time are watched;
 *   5. the file or folder is opened (fsmap.c) and the pipeline runs (request
 *      filtering, which never lets `web.config` and `bin` through, is its
 *      first module).
 *
 * Refusals made here before a site is known (400, 505) close the connection,
 * as HTTP.sys does.
 */
#include "worker/worker.h"

#include "util/str.h"

#include <string.h>
#include <unistd.h>

#define APPHOST_PREFIX "MACHINE/WEBROOT/APPHOST/"

static void httpsys_error(wk_req *r, int status, const char *title, const char *text)
{
	ah_buf page = AH_BUF_INIT;
	wk_errpage_httpsys(&page, status, title, text);
	wk_resp_error(r, status, 0);
	wk_resp_body(r, "text/html; charset=us-ascii", ah_buf_cstr(&page), page.len);
	ah_buf_free(&page);
	r->close = true;
}

static void config_error(wk_req *r, const wk_cfgerr *e)
{
	wk_resp_error(r, 500, 19);
	r->cfgerr = e;
	r->err_hresult = e->hresult;
}

bool wk_req_is_local(const wk_req *r)
{
	return wk_addr_is_loopback(&r->peer) || wk_addr_ip_equal(&r->peer, &r->local);
}

/* Watch the folder of every prefix of the URL: where its web.config files are. */
static void watch_chain(wk_req *r)
{
	size_t n = strlen(r->path);
	char *p = ah_arena_strdup(r->arena, r->path);
	for (size_t i = 0; p && i <= n; i++) {
		if (i < n && p[i] != '/')
			continue;
		char save = p[i];
		p[i] = '\0';
		wk_mapping m;
		wk_site_map(&m, r->site, i == 0 ? "/" : p);
		wk_target t;
		int rc = m.vdir ? wk_fs_open(&t, r->arena, m.vdir->phys, m.rest) : AH_ENOTFOUND;
		p[i] = save;
		if (rc < 0)
			break;
		bool dir = t.kind == WK_DIR;
		if (dir)
			wk_watch_dir(&r->loop->watch, t.path);
		wk_target_close(&t);
		if (!dir)
			break;
	}
}

/* The configuration of r->path; 0, or AH_ENOMEM. */
static int find_config(wk_req *r)
{
	size_t n = strlen(r->path);
	while (n > 1 && r->path[n - 1] == '/')
		n--;
	r->config_path = ah_arena_printf(r->arena, APPHOST_PREFIX "%s%.*s", r->site->name,
	                                 n == 1 ? 0 : (int)n, r->path);
	if (!r->config_path)
		return AH_ENOMEM;
	size_t before = r->loop->cache.count;
	int rc = wk_urlcfg_get(&r->cfg, r->loop, r->config_path);
	if (rc < 0)
		return rc;
	if (r->loop->cache.count != before)
		watch_chain(r);
	return 0;
}

/* Split the target into path and query; absolute form gives the host. */
static int parse_target(wk_req *r)
{
	const char *u = r->raw_url;
	if (ah_startswith_ci(u, "http://")) {
		const char *auth = u + 7;
		size_t alen = strcspn(auth, "/?#");
		char *host = ah_arena_strndup(r->arena, auth, alen);
		if (!host)
			return AH_ENOMEM;
		char *colon = host[0] == '[' ? strchr(host, ']') : strchr(host, ':');
		if (colon && host[0] == '[')
			colon[1] = '\0';
		else if (colon)
			*colon = '\0';
		for (char *p = host; *p; p++)
			if (*p >= 'A' && *p <= 'Z')
				*p = (char)(*p - 'A' + 'a');
		r->host = host;
		u = auth + alen;
		if (!*u || *u == '?')
			u = "/";
	}
	if (u[0] != '/')
		return AH_EINVALID;
	size_t plen = strcspn(u, "?#");
	r->raw_path = u;
	r->raw_path_len = plen;
	if (u[plen] == '?') {
		size_t qlen = strcspn(u + plen + 1, "#");
		r->query = ah_arena_strndup(r->arena, u + plen + 1, qlen);
		if (!r->query)
			return AH_ENOMEM;
	}
	return 0;
}

static int host_count(const wk_req *r)
{
	int n = 0;
	for (size_t i = 0; i < r->nhdrs; i++)
		if (r->hdrs[i].name_len == 4 && ah_strcaseeq(r->hdrs[i].name, "Host"))
			n++;
	return n;
}

int wk_request_check_head(wk_req *r)
{
	if (r->http_major != 1) {
		httpsys_error(r, 505, "HTTP Version Not Supported",
		              "The HTTP version is not supported.");
		return WK_FINISHED;
	}
	int hosts = host_count(r);
	if (hosts > 1 || (hosts == 0 && r->http_minor >= 1)) {
		httpsys_error(r, 400, "Bad Request - Invalid Hostname",
		              "The request hostname is invalid.");
		return WK_FINISHED;
	}
	int rc = parse_target(r);
	if (rc == AH_ENOMEM)
		return rc;
	if (rc == 0)
		rc = wk_url_normalize(&r->path, r->arena, r->raw_path, r->raw_path_len);
	if (rc == AH_ENOMEM)
		return rc;
	if (rc < 0) {
		httpsys_error(r, 400, "Bad Request - Invalid URL", "The request URL is invalid.");
		return WK_FINISHED;
	}
	r->orig_path = r->path;
	return WK_CONTINUE;
}

static int map_request(wk_req *r)
{
	wk_sites *sites = wk_loop_sites(r->loop);
	if (!sites)
		return AH_ENOMEM;
	if (sites->err.code) {
		config_error(r, &sites->err);
		return WK_FINISHED;
	}
	/* as the router routes: a stopped site's bindings take no part (a
	 * request it gave to a lower-ranked binding's site of this pool); when
	 * only stopped sites match, the router has just handed it over before
	 * the stop reached the routes file: served */
	r->site = wk_sites_find_started(sites, &r->local, r->host, wk_route_states(r->loop));
	if (!r->site)
		r->site = wk_sites_find(sites, &r->local, r->host);
	if (!r->site) {
		httpsys_error(r, 400, "Bad Request - Invalid Hostname",
		              "The request hostname is invalid.");
		return WK_FINISHED;
	}
	r->keepalive_ms = r->site->conn_timeout_ms;
	wk_site_map(&r->map, r->site, r->path);
	int rc = find_config(r);
	if (rc < 0)
		return rc;
	r->body_limit = r->cfg->max_content;
	if (r->cfg->err.code) {
		config_error(r, &r->cfg->err);
		return WK_FINISHED;
	}
	if (!r->map.vdir)
		return 0; /* nothing to open: the handler answers 404.0 */
	return wk_fs_open(&r->target, r->arena, r->map.vdir->phys, r->map.rest);
}

int wk_request_rewrite(wk_req *r, const char *name)
{
	char *np = ah_arena_printf(r->arena, "%s%s", r->path, name);
	if (!np)
		return AH_ENOMEM;
	r->path = np;
	wk_site_map(&r->map, r->site, np);
	int rc = find_config(r);
	if (rc < 0)
		return rc;
	if (r->cfg->err.code) {
		config_error(r, &r->cfg->err);
		return WK_FINISHED;
	}
	/* the child request goes through request filtering again */
	wk_hook begin = wk_mod_request_filtering.hooks[WK_STAGE_BEGIN];
	if (!begin)
		return WK_CONTINUE;
	const char *mod = r->cur_module;
	int stage = r->cur_stage;
	r->cur_module = wk_mod_request_filtering.name;
	r->cur_stage = WK_STAGE_BEGIN;
	rc = begin(r);
	r->cur_module = mod;
	r->cur_stage = stage;
	return rc;
}

int wk_request_head(wk_req *r)
{
	r->status = 0;
	r->file.fd = -1;
	r->target.fd = -1;
	r->content_length_out = -1;
	int rc = wk_request_check_head(r);
	wk_conn *c = r->conn;
	if (rc == WK_CONTINUE && c && c->handed && c->nreq > 0 &&
	    (r->give_back = wk_route_elsewhere(r->loop, &r->local, r->host, r->path)))
		return 0; /* another pool's or a stopped site's: back to the router */
	if (rc == WK_CONTINUE)
		rc = map_request(r);
	if (rc < 0) {
		wk_resp_error(r, 500, 0);
		r->close = rc == AH_ENOMEM;
	}
	wk_pipeline_run(r);
	r->cfg = NULL;
	r->cfgerr = NULL;
	r->site = NULL;
	memset(&r->map, 0, sizeof(r->map));
	return 0;
}

void wk_request_free(wk_req *r)
{
	if (!r)
		return;
	if (r->file.fd >= 0 && r->file.fd != r->target.fd)
		close(r->file.fd);
	wk_target_close(&r->target);
	wk_w3c_drop(r->logrec);
	ah_buf_free(&r->headers);
	ah_buf_free(&r->body);
	ah_arena_free(r->arena);
	ah_free(r);
}
