/*
 * The router's routing table: sites, their bindings and applications, and
 * the application pools, as apphostd sent them (one generation at a time;
 * a new table replaces the old one whole).
 *
 * Routing follows HTTP.sys (docs/server.md, "Routing"): for a connection on
 * local address A and port P with host name H, the site of the first binding
 * among A:P:H, *:P:H, A:P:, *:P: whose site is started; then the application
 * of that site with the longest path that is a segment prefix of the request
 * path (case-insensitive); then that application's pool.
 */
#ifndef RT_TABLE_H
#define RT_TABLE_H

#include "util/alloc.h"
#include "util/map.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

typedef struct rt_app {
	const char *path;
	size_t len;
	const char *pool;
} rt_app;

typedef struct rt_site {
	uint32_t id;
	const char *name;
	bool started;
	rt_app *apps;
	size_t napps, capps;
} rt_site;

typedef struct rt_pool_def {
	const char *name;
	uint32_t queue_len;
	bool started;
} rt_pool_def;

typedef struct rt_table {
	ah_arena *arena;
	uint32_t generation;
	uint32_t header_wait_ms;
	ah_map sites_by_id; /* decimal id -> rt_site */
	ah_map bindings;    /* "port|ip|host" -> rt_site */
	rt_pool_def *pools;
	size_t npools, cpools;
} rt_table;

typedef enum rt_route_status {
	RT_ROUTE_OK,
	RT_ROUTE_NO_SITE,      /* 400 Invalid Hostname */
	RT_ROUTE_SITE_STOPPED, /* only stopped sites match: 404 */
	RT_ROUTE_NO_APP,       /* the site has no application for the path: 404 */
} rt_route_status;

rt_table *rt_table_new(uint32_t generation, uint32_t header_wait_ms);
void rt_table_free(rt_table *t);
/* Each returns 0, AH_ENOMEM, AH_EEXISTS (a duplicate, ignored) or
 * AH_ENOTFOUND (an unknown site id). */
int rt_table_add_pool(rt_table *t, const char *name, uint32_t queue_len, bool started);
int rt_table_add_site(rt_table *t, uint32_t id, const char *name, bool started);
int rt_table_add_binding(rt_table *t, uint32_t site_id, const char *ip, unsigned port,
			 const char *host);
int rt_table_add_app(rt_table *t, uint32_t site_id, const char *path, const char *pool);
/* Order each site's applications for routing; call once, after the adds. */
void rt_table_finish(rt_table *t);

rt_site *rt_table_site(const rt_table *t, uint32_t id);
rt_pool_def *rt_table_pool(const rt_table *t, const char *name);

/* Route a request. local_ip: the connection's local address as text
 * (netaddr.h); host: lower case, "" when none; path: decoded. */
rt_route_status rt_route(const rt_table *t, const char *local_ip, unsigned port,
			 const char *host, const char *path, const rt_site **site,
			 const rt_app **app);

#endif
