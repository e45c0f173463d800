/* The routing table and HTTP.sys's precedence (see table.h). */
#include "table.h"

#include "apphost/errors.h"
#include "util/str.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

rt_table *rt_table_new(uint32_t generation, uint32_t header_wait_ms)
{
	rt_table *t = ah_calloc(1, sizeof(*t));
	if (!t)
		return NULL;
	t->arena = ah_arena_new();
	if (!t->arena) {
		ah_free(t);
		return NULL;
	}
	t->generation = generation;
	t->header_wait_ms = header_wait_ms;
	ah_map_init(&t->sites_by_id, false);
	ah_map_init(&t->bindings, true);
	return t;
}

void rt_table_free(rt_table *t)
{
	if (!t)
		return;
	for (size_t i = 0; i < t->sites_by_id.cap; i++) {
		rt_site *s = ah_map_value_at(&t->sites_by_id, i);
		if (ah_map_key_at(&t->sites_by_id, i) && s)
			ah_free(s->apps);
	}
	ah_map_free(&t->sites_by_id);
	ah_map_free(&t->bindings);
	ah_free(t->pools);
	ah_arena_free(t->arena);
	ah_free(t);
}

int rt_table_add_pool(rt_table *t, const char *name, uint32_t queue_len, bool started)
{
	if (rt_table_pool(t, name))
		return AH_EEXISTS;
	if (t->npools == t->cpools) {
		size_t c = t->cpools ? t->cpools * 2 : 8;
		rt_pool_def *p = ah_realloc(t->pools, c * sizeof(*p));
		if (!p)
			return AH_ENOMEM;
		t->pools = p;
		t->cpools = c;
	}
	const char *n = ah_arena_strdup(t->arena, name);
	if (!n)
		return AH_ENOMEM;
	t->pools[t->npools++] = (rt_pool_def){n, queue_len, started};
	return 0;
}

rt_pool_def *rt_table_pool(const rt_table *t, const char *name)
{
	for (size_t i = 0; i < t->npools; i++)
		if (ah_strcaseeq(t->pools[i].name, name))
			return &t->pools[i];
	return NULL;
}

static const char *id_key(rt_table *t, uint32_t id)
{
	return ah_arena_printf(t->arena, "%u", id);
}

rt_site *rt_table_site(const rt_table *t, uint32_t id)
{
	char k[16];
	snprintf(k, sizeof(k), "%u", id);
	return ah_map_get(&t->sites_by_id, k);
}

int rt_table_add_site(rt_table *t, uint32_t id, const char *name, bool started)
{
	if (rt_table_site(t, id))
		return AH_EEXISTS;
	rt_site *s = ah_arena_alloc(t->arena, sizeof(*s));
	const char *k = id_key(t, id);
	if (!s || !k || !(s->name = ah_arena_strdup(t->arena, name)))
		return AH_ENOMEM;
	s->id = id;
	s->started = started;
	return ah_map_put(&t->sites_by_id, k, s);
}

int rt_table_add_binding(rt_table *t, uint32_t site_id, const char *ip, unsigned port,
			 const char *host)
{
	rt_site *s = rt_table_site(t, site_id);
	if (!s)
		return AH_ENOTFOUND;
	const char *k = ah_arena_printf(t->arena, "%u|%s|%s", port, ip, host);
	if (!k)
		return AH_ENOMEM;
	if (ah_map_get(&t->bindings, k))
		return AH_EEXISTS;
	return ah_map_put(&t->bindings, k, s);
}

int rt_table_add_app(rt_table *t, uint32_t site_id, const char *path, const char *pool)
{
	rt_site *s = rt_table_site(t, site_id);
	if (!s)
		return AH_ENOTFOUND;
	if (s->napps == s->capps) {
		size_t c = s->capps ? s->capps * 2 : 4;
		rt_app *a = ah_realloc(s->apps, c * sizeof(*a));
		if (!a)
			return AH_ENOMEM;
		s->apps = a;
		s->capps = c;
	}
	rt_app *a = &s->apps[s->napps];
	a->path = ah_arena_strdup(t->arena, path);
	a->pool = ah_arena_strdup(t->arena, pool);
	if (!a->path || !a->pool)
		return AH_ENOMEM;
	a->len = strlen(path);
	/* "/app/" and "/app" are the same application path */
	while (a->len > 1 && a->path[a->len - 1] == '/')
		a->len--;
	s->napps++;
	return 0;
}

static int longer_first(const void *x, const void *y)
{
	const rt_app *a = x, *b = y;
	return a->len < b->len ? 1 : a->len > b->len ? -1 : 0;
}

void rt_table_finish(rt_table *t)
{
	for (size_t i = 0; i < t->sites_by_id.cap; i++) {
		rt_site *s = ah_map_value_at(&t->sites_by_id, i);
		if (ah_map_key_at(&t->sites_by_id, i) && s && s->napps > 1)
			qsort(s->apps, s->napps, sizeof(*s->apps), longer_first);
	}
}

/* The application path is a segment prefix of path ("/a" of "/a", "/a/x"). */
static bool app_matches(const rt_app *a, const char *path)
{
	if (a->len == 1 && a->path[0] == '/')
		return true;
	if (!ah_strncaseeq(path, a->path, a->len))
		return false;
	return path[a->len] == '\0' || path[a->len] == '/';
}

rt_route_status rt_route(const rt_table *t, const char *local_ip, unsigned port,
			 const char *host, const char *path, const rt_site **site,
			 const rt_app **app)
{
	const char *ips[4] = {local_ip, "*", local_ip, "*"};
	const char *hosts[4] = {host, host, "", ""};
	bool stopped = false;
	*site = NULL;
	*app = NULL;
	for (int i = 0; i < 4; i++) {
		if (i < 2 && !host[0])
			continue;
		char k[512];
		int n = snprintf(k, sizeof(k), "%u|%s|%s", port, ips[i], hosts[i]);
		if (n < 0 || (size_t)n >= sizeof(k))
			continue;
		const rt_site *s = ah_map_get(&t->bindings, k);
		if (!s)
			continue;
		if (!s->started) {
			stopped = true;
			continue;
		}
		*site = s;
		for (size_t j = 0; j < s->napps; j++) {
			if (app_matches(&s->apps[j], path)) {
				*app = &s->apps[j];
				return RT_ROUTE_OK;
			}
		}
		return RT_ROUTE_NO_APP;
	}
	return stopped ? RT_ROUTE_SITE_STOPPED : RT_ROUTE_NO_SITE;
}
