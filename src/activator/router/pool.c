/*
 * Application pools in the router: HTTP.sys's request queues. A pool whose
 * worker is attached gets each routed connection at once, through the
 * worker's handoff socket; otherwise (no worker yet, or the worker's socket
 * is full) the connection waits in the pool's queue, at most queueLength of
 * them, and apphostd is asked once to start the worker. A stopped pool and a
 * full queue answer 503.
 *
 * The handoff socket is also read: a worker gives back a keep-alive
 * connection whose next request belongs to another pool, or, when it is
 * stopping, any keep-alive connection between requests (flag AGAIN): that
 * one may route to the same pool, whose next worker gets it. When the pool
 * stops using a worker, its end is drained (rt_drain) rather than closed.
 */
#include "router.h"

#include "common/log.h"
#include "util/alloc.h"

#include <errno.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <unistd.h>

rt_pool *rt_pool_find(rt_router *r, const char *name)
{
	return ah_map_get(&r->pool_map, name);
}

static void arm(rt_router *r, rt_pool *p, bool out)
{
	if (p->fd < 0 || p->want_out == out)
		return;
	uint32_t ev = EPOLLIN | EPOLLRDHUP | (out ? EPOLLOUT : 0);
	if (rt_epoll(r, EPOLL_CTL_MOD, p->fd, ev, p) == 0)
		p->want_out = out;
}

/* Hand c to p's worker: 0 (c is gone), -EAGAIN (the worker's socket is
 * full) or -EPIPE (the worker is gone). */
static int handoff(rt_router *r, rt_pool *p, rt_conn *c)
{
	ad_handoff h = {
		.flags = c->loopback ? AD_HANDOFF_LOCAL : 0,
		.site_id = c->site_id,
		.app_path = c->app_path,
		.app_len = strlen(c->app_path),
		.peer = c->peer,
		.peer_len = strlen(c->peer),
		.local = c->local,
		.local_len = strlen(c->local),
		.head = (const uint8_t *)c->buf,
		.head_len = c->len,
	};
	size_t n = ad_handoff_encode(r->msg, sizeof(r->msg), &h);
	if (!n) {
		rt_conn_respond(r, c, RT_PAGE_TOO_LONG);
		return 0;
	}
	int rc = ad_send(p->fd, r->msg, n, c->fd, MSG_DONTWAIT);
	if (rc == 0) {
		rt_conn_close(r, c); /* closes the router's copy; the worker has its own */
		return 0;
	}
	if (rc == -EAGAIN || rc == -ENOBUFS || rc == -ETOOMANYREFS)
		return -EAGAIN;
	return -EPIPE;
}

static rt_conn *dequeue(rt_pool *p)
{
	rt_conn *c = p->qhead;
	if (c) {
		p->qhead = c->qnext;
		if (!p->qhead)
			p->qtail = NULL;
		c->qnext = NULL;
		p->qlen--;
	}
	return c;
}

void rt_pool_fail_queue(rt_router *r, rt_pool *p)
{
	rt_conn *c;
	while ((c = dequeue(p)))
		rt_conn_respond(r, c, RT_PAGE_UNAVAILABLE);
	arm(r, p, false);
}

static void demand(rt_router *r, rt_pool *p)
{
	if (p->demanded)
		return;
	p->demanded = true;
	p->demand_unsent = rt_link_demand(r, p) < 0;
}

void rt_pools_retry_demands(rt_router *r)
{
	for (rt_pool *p = r->pools; p; p = p->next)
		if (p->demand_unsent)
			p->demand_unsent = rt_link_demand(r, p) < 0;
}

/* The connections given back on fd; from: the pool they must not route
 * to again (NULL: any). False when fd ended or broke. */
static bool take_back_from(rt_router *r, int sock, rt_pool *from, const char *name)
{
	for (int i = 0; i < 64; i++) {
		int fd;
		ssize_t n = ad_recv(sock, r->msg, sizeof(r->msg), &fd, MSG_DONTWAIT);
		if (n == -EAGAIN)
			return true;
		ad_handoff h;
		if (n <= 0 || fd < 0 || ad_handoff_decode(&h, r->msg, (size_t)n) < 0) {
			if (n != 0)
				ad_log(AD_LOG_ERR, "malformed connection handoff from the worker "
						   "of pool '%s'; no longer used", name);
			if (fd >= 0)
				close(fd);
			return false;
		}
		rt_conn_returned(r, h.flags & AD_HANDOFF_AGAIN ? NULL : from, fd, h.head,
				 h.head_len);
	}
	return true;
}

static void drain_end(rt_router *r, rt_drain *dr)
{
	epoll_ctl(r->ep, EPOLL_CTL_DEL, dr->fd, NULL);
	close(dr->fd);
	dr->fd = -1;
	for (rt_drain **pd = &r->drains; *pd; pd = &(*pd)->next) {
		if (*pd == dr) {
			*pd = dr->next;
			break;
		}
	}
	dr->next = r->dead_drains;
	r->dead_drains = dr;
}

void rt_drain_event(rt_router *r, rt_drain *dr, uint32_t events)
{
	if (dr->fd < 0)
		return;
	if ((events & EPOLLIN) && !take_back_from(r, dr->fd, NULL, "(stopping)")) {
		drain_end(r, dr);
		return;
	}
	if ((events & (EPOLLHUP | EPOLLERR | EPOLLRDHUP)) && !(events & EPOLLIN))
		drain_end(r, dr);
}

/* Stop handing connections to the worker of fd; read what it gives back. */
static void drain_start(rt_router *r, int fd)
{
	rt_drain *dr = ah_calloc(1, sizeof(*dr));
	shutdown(fd, SHUT_WR);
	if (!dr || rt_epoll(r, EPOLL_CTL_MOD, fd, EPOLLIN | EPOLLRDHUP, dr) < 0) {
		epoll_ctl(r->ep, EPOLL_CTL_DEL, fd, NULL);
		close(fd);
		ah_free(dr);
		return;
	}
	dr->kind = RT_K_DRAIN;
	dr->fd = fd;
	dr->next = r->drains;
	r->drains = dr;
}

void rt_pool_worker_gone(rt_router *r, rt_pool *p)
{
	if (p->fd >= 0) {
		drain_start(r, p->fd);
		p->fd = -1;
	}
	p->want_out = false;
	p->demanded = false;
	if (p->qlen)
		demand(r, p);
}

static void requeue_front(rt_pool *p, rt_conn *c)
{
	c->qnext = p->qhead;
	p->qhead = c;
	if (!p->qtail)
		p->qtail = c;
	p->qlen++;
}

static void drain(rt_router *r, rt_pool *p)
{
	while (p->qhead && p->fd >= 0) {
		rt_conn *c = dequeue(p);
		int rc = handoff(r, p, c);
		if (rc == 0)
			continue;
		requeue_front(p, c);
		if (rc == -EAGAIN)
			arm(r, p, true);
		else
			rt_pool_worker_gone(r, p);
		return;
	}
	arm(r, p, false);
}

void rt_pool_set_worker(rt_router *r, rt_pool *p, int fd)
{
	if (p->fd >= 0)
		rt_pool_worker_gone(r, p);
	if (rt_epoll(r, EPOLL_CTL_ADD, fd, EPOLLIN | EPOLLRDHUP, p) < 0) {
		close(fd);
		return;
	}
	p->fd = fd;
	p->want_out = false;
	p->demanded = false;
	drain(r, p);
}

static void enqueue(rt_router *r, rt_pool *p, rt_conn *c)
{
	if (p->qlen >= p->queue_len) {
		rt_conn_respond(r, c, RT_PAGE_UNAVAILABLE);
		return;
	}
	rt_list_remove(c);
	if (c->in_epoll) {
		epoll_ctl(r->ep, EPOLL_CTL_DEL, c->fd, NULL);
		c->in_epoll = false;
	}
	c->state = RT_C_QUEUED;
	c->qnext = NULL;
	if (p->qtail)
		p->qtail->qnext = c;
	else
		p->qhead = c;
	p->qtail = c;
	p->qlen++;
	if (p->fd < 0)
		demand(r, p);
	else
		arm(r, p, true);
}

void rt_dispatch(rt_router *r, rt_conn *c, const char *pool)
{
	rt_pool *p = rt_pool_find(r, pool);
	if (!p || !p->started) {
		rt_conn_respond(r, c, RT_PAGE_UNAVAILABLE);
		return;
	}
	if (c->returned_by == p) {
		ad_log(AD_LOG_WARN, "a connection given back by the worker of pool '%s' routes "
				    "to that pool again; answered 503", p->name);
		rt_conn_respond(r, c, RT_PAGE_UNAVAILABLE);
		return;
	}
	c->returned_by = NULL;
	if (p->fd >= 0 && !p->qhead) {
		int rc = handoff(r, p, c);
		if (rc == 0)
			return;
		if (rc == -EPIPE)
			rt_pool_worker_gone(r, p);
	}
	enqueue(r, p, c);
}

/* Connections given back by the worker. */
static void take_back(rt_router *r, rt_pool *p)
{
	if (!take_back_from(r, p->fd, p, p->name))
		rt_pool_worker_gone(r, p);
}

void rt_pool_event(rt_router *r, rt_pool *p, uint32_t events)
{
	if (p->fd < 0)
		return;
	if (events & EPOLLIN)
		take_back(r, p);
	if (p->fd >= 0 && (events & EPOLLOUT))
		drain(r, p);
	if (p->fd >= 0 && (events & (EPOLLHUP | EPOLLERR | EPOLLRDHUP)) && !(events & EPOLLIN))
		rt_pool_worker_gone(r, p);
}

static void pool_retire(rt_router *r, rt_pool *p)
{
	rt_pool_fail_queue(r, p);
	if (p->fd >= 0) {
		drain_start(r, p->fd);
		p->fd = -1;
	}
	p->demand_unsent = false;
	p->next = r->dead_pools;
	r->dead_pools = p;
}

int rt_pools_sync(rt_router *r)
{
	for (rt_pool *p = r->pools; p; p = p->next)
		p->seen = false;
	for (size_t i = 0; i < r->table->npools; i++) {
		const rt_pool_def *d = &r->table->pools[i];
		rt_pool *p = rt_pool_find(r, d->name);
		if (!p) {
			p = ah_calloc(1, sizeof(*p));
			if (!p || !(p->name = ah_strdup(d->name))) {
				ah_free(p);
				return -ENOMEM;
			}
			p->kind = RT_K_POOL;
			p->fd = -1;
			p->next = r->pools;
			r->pools = p;
		}
		p->seen = true;
		p->queue_len = d->queue_len;
		p->started = d->started;
		if (!p->started)
			rt_pool_fail_queue(r, p);
	}
	rt_pool **pp = &r->pools;
	while (*pp) {
		rt_pool *p = *pp;
		if (p->seen) {
			pp = &p->next;
			continue;
		}
		*pp = p->next;
		pool_retire(r, p);
	}
	ah_map_free(&r->pool_map);
	ah_map_init(&r->pool_map, true);
	for (rt_pool *p = r->pools; p; p = p->next)
		if (ah_map_put(&r->pool_map, p->name, p) < 0)
			return -ENOMEM;
	return 0;
}
