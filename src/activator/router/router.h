/*
 * apphost-router: the unprivileged process that plays HTTP.sys. It accepts
 * connections on the listening sockets apphostd bound, reads each request's
 * head (head.c), routes it (table.c) to an application pool, and hands the
 * connection with the bytes read to that pool's worker (docs/server.md).
 * While a pool's worker is starting, or busy, its connections wait in the
 * pool's queue (at most queueLength); a stopped pool, or a full queue, gets
 * 503.
 *
 * Everything runs in one thread around one epoll set. Each object in the
 * set starts with its kind, so that an event's pointer says what it is.
 */
#ifndef RT_ROUTER_H
#define RT_ROUTER_H

#include "common/netaddr.h"
#include "common/proto.h"
#include "head.h"
#include "pages.h"
#include "table.h"

#include <stdint.h>

enum rt_kind { RT_K_LISTEN = 1, RT_K_CONN, RT_K_WEND, RT_K_LINK, RT_K_DRAIN };

typedef struct rt_listener {
	int kind;
	int fd;
	char key[AD_ADDR_TEXT_MAX];
	struct rt_listener *next;
} rt_listener;

enum rt_cstate { RT_C_HEAD, RT_C_QUEUED, RT_C_WRITE, RT_C_LINGER };

typedef struct rt_conn {
	int kind;
	int fd;
	enum rt_cstate state;
	bool in_epoll, dead, head_method, loopback;
	char *buf;
	size_t len, cap;
	uint64_t deadline_ms;
	struct rt_conn *prev, *next; /* in a timed list (reading, closing) */
	struct rt_list *list;
	struct rt_conn *qnext;       /* in a pool's queue */
	struct rt_pool *qpool;       /* the pool whose queue holds it */
	char *returned_by;           /* the pool whose worker gave it back (its name:
				      * the pool may be gone meanwhile) */
	uint32_t site_id;
	char *app_path;
	char local_ip[AD_ADDR_TEXT_MAX];
	unsigned local_port;
	char local[AD_ADDR_TEXT_MAX], peer[AD_ADDR_TEXT_MAX];
	char *resp;
	size_t resp_len, resp_off, discarded;
} rt_conn;

typedef struct rt_list {
	rt_conn *head, *tail;
} rt_list;

/* The router's end of one worker's handoff pair (a web garden has several
 * per pool; connections go round-robin). */
typedef struct rt_wend {
	int kind;
	int fd;        /* -1 once gone */
	uint32_t id;   /* apphostd's worker id */
	bool want_out; /* EPOLLOUT armed to drain the queue */
	bool refused;  /* a socket it gave back was refused (logged once) */
	struct rt_pool *pool;
	struct rt_wend *next; /* in the list of ends to free */
} rt_wend;

typedef struct rt_pool {
	char *name;
	uint32_t queue_len;
	bool started, seen;
	/* its ready workers: maxProcesses, and as many successors while a
	 * recycle replaces them (WORKER comes before the old one's WORKER_GONE) */
	rt_wend *ends[2 * AD_GARDEN_MAX];
	size_t nends, rr;             /* rr: the next end to try */
	bool demanded, demand_unsent;
	rt_conn *qhead, *qtail;
	size_t qlen;
	struct rt_pool *next;
} rt_pool;

/*
 * The handoff end of a worker the router no longer hands connections to
 * (recycled, stopped, gone): its sending side is shut, so that the worker
 * sees the end of its channel once it has taken what was sent, and it is
 * read until the worker closes it, for the connections a stopping worker
 * gives back between requests.
 */
typedef struct rt_drain {
	int kind;
	int fd;
	uint32_t id; /* the worker's (WORKER_BAD) */
	bool refused;
	struct rt_drain *next;
} rt_drain;

/* The SO_COOKIE of the last AD_COOKIES_MAX connections handed to workers
 * and not given back yet: a worker may give back those alone (cookies.c). */
typedef struct rt_cookies {
	uint64_t *slots; /* open addressing, 2 * AD_COOKIES_MAX; 0: empty */
	uint32_t *pos;   /* per slot: the ring index of its latest handing out */
	uint64_t *ring;  /* the order they came in, to forget the oldest */
	size_t head;
} rt_cookies;

typedef struct rt_router {
	int ep;
	struct {
		int kind;
		int fd;
	} link;
	rt_listener *listeners;
	rt_table *table, *staging;
	rt_pool *pools;
	ah_map pool_map; /* name (case-insensitive) -> rt_pool */
	rt_list reading, closing;
	rt_list queued; /* waiting in a pool's queue, by deadline */
	rt_cookies cookies;
	rt_conn *graveyard;      /* closed during this round of events */
	rt_pool *dead_pools;     /* removed during this round of events */
	rt_drain *drains;        /* worker ends being drained */
	rt_drain *dead_drains;   /* ended during this round of events */
	rt_wend *dead_ends;
	rt_listener *dead_listeners;
	size_t nconns, max_conns;
	uint64_t now_ms;
	char path[RT_HEAD_MAX + 1];
	uint8_t msg[AD_HANDOFF_MAX];
} rt_router;

uint64_t rt_now_ms(void);
int rt_epoll(rt_router *r, int op, int fd, uint32_t events, void *obj);

/* conn.c */
void rt_accept(rt_router *r, rt_listener *l);
void rt_conn_event(rt_router *r, rt_conn *c, uint32_t events);
/* A connection a worker gave back, with the bytes it had read. */
void rt_conn_returned(rt_router *r, const rt_pool *from, int fd, const uint8_t *head,
		      size_t len);
/* How long a connection may wait in a pool's queue. */
uint32_t rt_queue_wait(const rt_router *r);
void rt_list_push(rt_list *l, rt_conn *c);
void rt_conn_respond(rt_router *r, rt_conn *c, rt_page page);
void rt_conn_close(rt_router *r, rt_conn *c);
/* Free what was closed or removed while handling a round of events (the
 * round may still hold events that point to it). */
void rt_reap(rt_router *r);
void rt_timers(rt_router *r);
void rt_list_remove(rt_conn *c);

/* pool.c */
void rt_dispatch(rt_router *r, rt_conn *c, const char *pool);
void rt_wend_event(rt_router *r, rt_wend *e, uint32_t events);
void rt_pool_set_worker(rt_router *r, rt_pool *p, uint32_t id, int fd);
void rt_pool_worker_gone(rt_router *r, rt_pool *p, uint32_t id);
void rt_pool_fail_queue(rt_router *r, rt_pool *p);
/* Make the runtime pools match the table just installed. */
int rt_pools_sync(rt_router *r);
rt_pool *rt_pool_find(rt_router *r, const char *name);
void rt_pools_retry_demands(rt_router *r);
void rt_drain_event(rt_router *r, rt_drain *dr, uint32_t events);
/* A queued connection waited too long: out of its pool's queue, 503. */
void rt_pool_queue_expired(rt_router *r, rt_conn *c);

/* cookies.c */
/* Remember a connection handed out; 0 or -ENOMEM. */
int rt_cookie_add(rt_cookies *s, uint64_t cookie);
/* Forget it; false when it was not remembered. */
bool rt_cookie_take(rt_cookies *s, uint64_t cookie);
void rt_cookies_free(rt_cookies *s);
/* The SO_COOKIE of a socket, 0 when unknown. */
uint64_t rt_sock_cookie(int fd);

/* link.c */
void rt_link_event(rt_router *r);
/* Ask apphostd to start a pool's worker. Returns 0 or -errno. */
int rt_link_demand(rt_router *r, rt_pool *p);
/* Tell apphostd a worker sent garbage on its handoff end. */
void rt_link_worker_bad(rt_router *r, uint32_t id);
int rt_listener_add(rt_router *r, int fd);

#endif
