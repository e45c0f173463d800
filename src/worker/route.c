/*
 * Router mode: which requests of a kept-alive connection belong to another
 * application pool or to a stopped site (docs/server.md, "Connection
 * handoff message").
 *
 * The pool's isolated configuration holds only its own sites and
 * applications, so apphostd writes beside it (<pool>.routes, same folder,
 * same owner) what the router routes by, for every site:
 *
 *   s <site id> <1 when the site is started, 0 when stopped>
 *   b <site id> <bindingInformation>
 *   a <site id> <1 when the application runs in this pool, else 0> <path>
 *
 * A request on a connection the router handed over, after its first one,
 * is routed as the router does (binding precedence, then the longest
 * application path); when it lands on another pool's application, or on a
 * stopped site (appcmd stop site: apphostd rewrites the file), the
 * connection goes back to the router, which routes it on or answers it.
 * A site without an "s" line is started. The file is read again when it
 * changes (checked at most once a second, so a stop reaches kept-alive
 * connections within a second). Without it nothing goes back. The
 * worker's own site lookup leaves the stopped sites out too (request.c).
 */
#include "worker/worker.h"

#include "util/fs.h"
#include "util/str.h"

#include <stdio.h>
#include <string.h>
#include <sys/stat.h>

static char *routes_path(const char *config)
{
	const char *dot = strrchr(config, '.');
	const char *slash = strrchr(config, '/');
	size_t n = dot && (!slash || dot > slash) ? (size_t)(dot - config) : strlen(config);
	char *p = ah_malloc(n + sizeof(".routes"));
	if (!p)
		return NULL;
	memcpy(p, config, n);
	memcpy(p + n, ".routes", sizeof(".routes"));
	return p;
}

static wk_site *site_of(wk_sites *s, unsigned id)
{
	for (size_t i = 0; i < s->nsites; i++)
		if (s->sites[i].id == id)
			return &s->sites[i];
	return NULL;
}

/* Parse the routes text into a site table (sites with their application
 * paths only). NULL on out-of-memory. */
static wk_sites *parse_routes(char *text, size_t len)
{
	wk_sites *s = ah_calloc(1, sizeof(*s));
	if (!s || !(s->arena = ah_arena_new())) {
		ah_free(s);
		return NULL;
	}
	size_t lines = 1;
	for (size_t i = 0; i < len; i++)
		lines += text[i] == '\n';
	s->sites = ah_arena_alloc(s->arena, lines * sizeof(*s->sites));
	s->bindings = ah_arena_alloc(s->arena, lines * sizeof(*s->bindings));
	/* each site's applications, at most one per line */
	wk_app *apps = ah_arena_alloc(s->arena, lines * sizeof(*apps));
	if (!s->sites || !s->bindings || !apps)
		goto oom;
	memset(s->sites, 0, lines * sizeof(*s->sites));
	size_t napps = 0;
	/* first pass: the sites and their application counts */
	for (int pass = 0; pass < 2; pass++) {
		char *p = text, *end = text + len;
		while (p < end) {
			char *nl = memchr(p, '\n', (size_t)(end - p));
			char *line = p;
			size_t n = nl ? (size_t)(nl - p) : (size_t)(end - p);
			p = nl ? nl + 1 : end;
			if (n < 4 || !strchr("abs", line[0]) || line[1] != ' ')
				continue;
			char buf[8192];
			if (n >= sizeof(buf))
				continue;
			memcpy(buf, line, n);
			buf[n] = '\0';
			char *sp = strchr(buf + 2, ' ');
			if (!sp)
				continue;
			*sp = '\0';
			uint64_t id;
			if (!ah_parse_u64(buf + 2, &id) || id > UINT32_MAX)
				continue;
			const char *rest = sp + 1;
			wk_site *site = site_of(s, (unsigned)id);
			if (pass == 0) {
				if (!site) {
					site = &s->sites[s->nsites++];
					site->id = (unsigned)id;
				}
				if (buf[0] == 'a')
					site->napps++;
				continue;
			}
			if (buf[0] == 'b') {
				wk_binding *b = &s->bindings[s->nbindings];
				int rc = wk_binding_parse(b, s->arena, rest);
				if (rc == AH_ENOMEM)
					goto oom;
				if (rc == 0) {
					b->site = site;
					s->nbindings++;
				}
				continue;
			}
			if (buf[0] == 's') {
				if ((rest[0] == '0' || rest[0] == '1') && !rest[1])
					site->stopped = rest[0] == '0';
				continue;
			}
			if ((rest[0] != '0' && rest[0] != '1') || rest[1] != ' ' || rest[2] != '/')
				continue;
			wk_app *a = &site->apps[site->napps++];
			memset(a, 0, sizeof(*a));
			size_t pl = strlen(rest + 2);
			while (pl > 1 && rest[2 + pl - 1] == '/')
				pl--;
			a->path = ah_arena_strndup(s->arena, rest + 2, pl);
			a->len = pl;
			a->other_pool = rest[0] == '0';
			if (!a->path)
				goto oom;
		}
		if (pass == 0) {
			for (size_t i = 0; i < s->nsites; i++) {
				s->sites[i].apps = apps + napps;
				napps += s->sites[i].napps;
				s->sites[i].napps = 0;
			}
		}
	}
	return s;
oom:
	wk_sites_free(s);
	return NULL;
}

static void refresh(wk_loop *l)
{
	if (l->routes_checked && l->now_ms < l->routes_checked + 1000)
		return;
	l->routes_checked = l->now_ms;
	if (!l->routes_path && !(l->routes_path = routes_path(l->srv->apphost_file)))
		return;
	struct stat st;
	if (stat(l->routes_path, &st) < 0) {
		wk_sites_free(l->routes);
		l->routes = NULL;
		l->routes_mtime = 0;
		return;
	}
	int64_t mt = (int64_t)st.st_mtim.tv_sec * 1000000000 + st.st_mtim.tv_nsec;
	if (l->routes && mt == l->routes_mtime && (uint64_t)st.st_ino == l->routes_ino)
		return;
	char *text = NULL;
	size_t len = 0;
	if (ah_fs_read(&text, &len, NULL, l->routes_path) < 0)
		return;
	wk_sites *s = parse_routes(text, len);
	ah_free(text);
	if (!s)
		return;
	wk_sites_free(l->routes);
	l->routes = s;
	l->routes_mtime = mt;
	l->routes_ino = (uint64_t)st.st_ino;
}

const wk_sites *wk_route_states(wk_loop *l)
{
	if (l->srv->handoff_fd < 0 || !l->srv->apphost_file)
		return NULL;
	refresh(l);
	return l->routes;
}

enum wk_give wk_route_elsewhere(wk_loop *l, const wk_addr *local, const char *host,
				const char *path)
{
	if (!wk_route_states(l))
		return WK_GIVE_NONE;
	const wk_site *site = wk_sites_find(l->routes, local, host);
	if (!site)
		return WK_GIVE_NONE; /* no site: the worker answers as the router would */
	/* the router routes it as HTTP.sys does without the stopped site's
	 * bindings (404 when no other matches), to this pool again too: the
	 * site may have been started since the file was read */
	if (site->stopped)
		return WK_GIVE_ANEW;
	wk_mapping m;
	wk_site_map(&m, site, path);
	return m.app && m.app->other_pool ? WK_GIVE_POOL : WK_GIVE_NONE;
}

void wk_route_free(wk_loop *l)
{
	wk_sites_free(l->routes);
	l->routes = NULL;
	ah_free(l->routes_path);
	l->routes_path = NULL;
}
