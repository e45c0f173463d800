/*
 * Application pools in the router: HTTP.sys's request queues. A pool with a
 * worker attached gets each routed connection at once, through a worker's
 * handoff socket (round-robin across its workers: a web garden has
 * several); otherwise (no worker yet, or every worker's socket is full) the
 * connection waits in the pool's queue, at most queueLength of them, and
 * apphostd is asked once to start the worker. A stopped pool and a full
 * queue answer 503.
 *
 * The handoff socket is also read: a worker gives back a keep-alive
 * connection whose next request belongs to another pool, or, when it is
 * stopping, any keep-alive connection between requests (flag AGAIN): that
 * one may route to the same pool, whose next worker gets it. When the pool
 * stops using a worker, its end is drained (rt_drain) rather than closed.
 * Only connections the router handed out are taken back (cookies.c); a
 * packet that does not decode drops the worker's end at once and apphostd
 * is told (WORKER_BAD), which kills the worker.
 *
 * A queued connection waits at most rt_queue_wait: should apphostd never
 * answer (a worker neither ready nor failed), it gets 503.
 */
#include "router.h"

#include "common/log.h"
#include "util/alloc.h"
#include "util/str.h"

#include <errno.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <unistd.h>

rt_pool *rt_pool_find(rt_router *r, const char *name)
{
	return ah_map_get(&r->pool_map, name);
}

static void arm(rt_router *r, rt_wend *e, bool out)
{
	if (e->fd < 0 || e->want_out == out)
		return;
	uint32_t ev = EPOLLIN | EPOLLRDHUP | (out ? EPOLLOUT : 0);
	if (rt_epoll(r, EPOLL_CTL_MOD, e->fd, ev, e) == 0)
		e->want_out = out;
}

static void arm_all(rt_router *r, rt_pool *p, bool out)
{
	for (size_t i = 0; i < p->nends; i++)
		arm(r, p->ends[i], out);
}

/* Hand c to the worker of e: 0 (c is gone), -EAGAIN (the worker's socket
 * is full) or -EPIPE (the worker is gone). */
static int handoff_to(rt_router *r, rt_wend *e, rt_conn *c)
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
	uint64_t cookie = rt_sock_cookie(c->fd);
	int rc = ad_send(e->fd, r->msg, n, c->fd, MSG_DONTWAIT);
	if (rc == 0) {
		rt_cookie_add(&r->cookies, cookie); /* out of memory: not taken back */
		rt_conn_close(r, c); /* closes the router's copy; the worker has its own */
		return 0;
	}
	if (rc == -EAGAIN || rc == -ENOBUFS || rc == -ETOOMANYREFS)
		return -EAGAIN;
	return -EPIPE;
}

static void end_gone(rt_router *r, rt_pool *p, rt_wend *e, bool drain);

/* Hand c to one of p's workers, round-robin: 0, -EAGAIN (every worker's
 * socket is full) or -EPIPE (no worker left). */
static int handoff(rt_router *r, rt_pool *p, rt_conn *c)
{
	size_t tried = 0;
	while (p->nends && tried < p->nends) {
		size_t i = p->rr % p->nends;
		rt_wend *e = p->ends[i];
		int rc = handoff_to(r, e, c);
		if (rc == 0) {
			p->rr = i + 1;
			return 0;
		}
		if (rc == -EPIPE) {
			end_gone(r, p, e, true); /* the array shrank: the same index again */
			continue;
		}
		p->rr = i + 1;
		tried++;
	}
	return p->nends ? -EAGAIN : -EPIPE;
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
	arm_all(r, p, false);
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

enum { TB_MORE, TB_ENDED, TB_BAD };

/* The connections given back on sock, by the worker of e (still used) or
 * of a drained end (e NULL). *refused: a socket it was never given was
 * refused already (logged once). TB_MORE, TB_ENDED (closed, or broke), or
 * TB_BAD (a malformed packet). */
static int take_back(rt_router *r, int sock, rt_wend *e, const char *name, bool *refused)
{
	bool link_read = false;
	for (int i = 0; i < 64; i++) {
		int fd;
		ssize_t n = ad_recv(sock, r->msg, sizeof(r->msg), &fd, MSG_DONTWAIT);
		if (n == -EAGAIN || n == -EINTR)
			return TB_MORE;
		ad_handoff h;
		if (n <= 0 || fd < 0 || ad_handoff_decode(&h, r->msg, (size_t)n) < 0) {
			if (fd >= 0)
				ad_fd_discard(fd);
			if (n == 0 || (n < 0 && n != -EBADMSG))
				return TB_ENDED;
			ad_log(AD_LOG_ERR, "malformed connection handoff from a worker of pool '%s' "
					   "(apphostd kills it)", name);
			return TB_BAD;
		}
		if (!rt_cookie_take(&r->cookies, rt_sock_cookie(fd))) {
			if (!*refused)
				ad_log(AD_LOG_WARN, "a worker of pool '%s' gave back a connection it "
						    "was not given; closed (logged once a worker)",
				       name);
			*refused = true;
			ad_fd_discard(fd);
			continue;
		}
		if (r->nconns >= r->max_conns) {
			ad_fd_discard(fd);
			continue;
		}
		const rt_pool *from = NULL;
		uint8_t *copy = NULL;
		const uint8_t *head = h.head;
		if (e && (h.flags & AD_HANDOFF_AGAIN) && !link_read) {
			/* a stopping worker's: apphostd sent WORKER_GONE before it
			 * told the worker to stop; read it first (the packet's
			 * bytes in r->msg are overwritten meanwhile) */
			copy = h.head_len ? ah_malloc(h.head_len) : NULL;
			if (h.head_len && !copy) {
				ad_fd_discard(fd);
				continue;
			}
			if (copy)
				memcpy(copy, h.head, h.head_len);
			head = copy;
			link_read = true;
			rt_link_event(r);
		}
		if (e && e->fd >= 0)
			from = e->pool; /* still used: AGAIN is not honoured */
		rt_conn_returned(r, from, fd, head, h.head_len);
		ah_free(copy);
	}
	return TB_MORE;
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
	int tb = events & EPOLLIN ? take_back(r, dr->fd, NULL, "(stopping)", &dr->refused)
				  : TB_MORE;
	if (tb != TB_MORE) {
		if (tb == TB_BAD)
			rt_link_worker_bad(r, dr->id);
		drain_end(r, dr);
		return;
	}
	if ((events & (EPOLLHUP | EPOLLERR | EPOLLRDHUP)) && !(events & EPOLLIN))
		drain_end(r, dr);
}

static rt_drain *drain_of(rt_router *r, int fd)
{
	for (rt_drain *dr = r->drains; dr; dr = dr->next)
		if (dr->fd == fd)
			return dr;
	return NULL;
}

/* Stop handing connections to the worker of fd; read what it gives back.
 * The router's end is its own (never a copy that another end shares). */
static void drain_start(rt_router *r, int fd, uint32_t id, bool refused)
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
	dr->id = id;
	dr->refused = refused;
	dr->next = r->drains;
	r->drains = dr;
}

/* The worker of e takes no more connections: its end is drained, or
 * closed at once (drain false: it sent garbage). */
static void end_gone(rt_router *r, rt_pool *p, rt_wend *e, bool drain)
{
	if (e->fd < 0)
		return; /* gone already */
	for (size_t i = 0; i < p->nends; i++) {
		if (p->ends[i] == e) {
			memmove(&p->ends[i], &p->ends[i + 1], (p->nends - i - 1) * sizeof(e));
			p->nends--;
			break;
		}
	}
	if (drain) {
		drain_start(r, e->fd, e->id, e->refused);
	} else {
		epoll_ctl(r->ep, EPOLL_CTL_DEL, e->fd, NULL);
		close(e->fd);
	}
	e->fd = -1;
	e->next = r->dead_ends;
	r->dead_ends = e;
	if (!p->nends) {
		p->demanded = false;
		if (p->qlen)
			demand(r, p);
	}
}

void rt_pool_worker_gone(rt_router *r, rt_pool *p, uint32_t id)
{
	for (size_t i = 0; i < p->nends; i++) {
		if (p->ends[i]->id == id) {
			end_gone(r, p, p->ends[i], true);
			return;
		}
	}
	/* an end the router dropped already (the worker closed it, or sent
	 * garbage): a DEMAND sent then found the worker still counted; now
	 * apphostd has let it go, ask again for the connections waiting */
	if (!p->nends && p->qlen && p->demanded)
		p->demand_unsent = rt_link_demand(r, p) < 0;
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
	while (p->qhead && p->nends) {
		rt_conn *c = dequeue(p);
		int rc = handoff(r, p, c);
		if (rc == 0)
			continue;
		requeue_front(p, c);
		if (rc == -EAGAIN)
			arm_all(r, p, true);
		return;
	}
	arm_all(r, p, false);
}

void rt_pool_set_worker(rt_router *r, rt_pool *p, uint32_t id, int fd)
{
	for (size_t i = 0; i < p->nends; i++) {
		if (p->ends[i]->id == id) {
			/* the same worker again: its end works; the new fd shares
			 * its socket, so it is closed, never shut down */
			close(fd);
			return;
		}
	}
	size_t cap = sizeof(p->ends) / sizeof(p->ends[0]);
	rt_wend *e = p->nends < cap ? ah_calloc(1, sizeof(*e)) : NULL;
	if (!e) {
		ad_log(AD_LOG_ERR, "pool '%s': cannot take another worker", p->name);
		close(fd);
		return;
	}
	e->kind = RT_K_WEND;
	e->fd = fd;
	e->id = id;
	e->pool = p;
	if (rt_epoll(r, EPOLL_CTL_ADD, fd, EPOLLIN | EPOLLRDHUP, e) < 0) {
		close(fd);
		ah_free(e);
		return;
	}
	p->ends[p->nends++] = e;
	p->demanded = false;
	p->demand_unsent = false;
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
	c->deadline_ms = r->now_ms + rt_queue_wait(r);
	rt_list_push(&r->queued, c); /* until it is handed over or answered */
	c->qpool = p;
	c->qnext = NULL;
	if (p->qtail)
		p->qtail->qnext = c;
	else
		p->qhead = c;
	p->qtail = c;
	p->qlen++;
	if (!p->nends)
		demand(r, p);
	else
		arm_all(r, p, true);
}

void rt_dispatch(rt_router *r, rt_conn *c, const char *pool)
{
	rt_pool *p = rt_pool_find(r, pool);
	if (!p || !p->started) {
		rt_conn_respond(r, c, RT_PAGE_UNAVAILABLE);
		return;
	}
	if (c->returned_by && ah_strcaseeq(c->returned_by, p->name)) {
		ad_log(AD_LOG_WARN, "a connection given back by the worker of pool '%s' routes "
				    "to that pool again; answered 503", p->name);
		rt_conn_respond(r, c, RT_PAGE_UNAVAILABLE);
		return;
	}
	ah_free(c->returned_by);
	c->returned_by = NULL;
	if (p->nends && !p->qhead && handoff(r, p, c) == 0)
		return;
	enqueue(r, p, c);
}

void rt_wend_event(rt_router *r, rt_wend *e, uint32_t events)
{
	rt_pool *p = e->pool;
	if (e->fd < 0)
		return;
	int fd = e->fd;
	int tb = events & EPOLLIN ? take_back(r, fd, e, p->name, &e->refused) : TB_MORE;
	if (tb == TB_BAD)
		rt_link_worker_bad(r, e->id);
	if (e->fd < 0) {
		/* apphostd's WORKER_GONE, read meanwhile: the end is drained */
		rt_drain *dr = tb != TB_MORE ? drain_of(r, fd) : NULL;
		if (dr)
			drain_end(r, dr);
		return;
	}
	if (tb != TB_MORE) {
		end_gone(r, p, e, tb == TB_ENDED);
		return;
	}
	if (events & EPOLLOUT)
		drain(r, p);
	if (e->fd >= 0 && (events & (EPOLLHUP | EPOLLERR | EPOLLRDHUP)) && !(events & EPOLLIN))
		end_gone(r, p, e, true);
}

void rt_pool_queue_expired(rt_router *r, rt_conn *c)
{
	rt_pool *p = c->qpool;
	for (rt_conn **pc = p ? &p->qhead : NULL; pc && *pc; pc = &(*pc)->qnext) {
		if (*pc != c)
			continue;
		*pc = c->qnext;
		if (p->qtail == c) {
			p->qtail = NULL;
			for (rt_conn *q = p->qhead; q; q = q->qnext)
				p->qtail = q;
		}
		p->qlen--;
		break;
	}
	c->qnext = NULL;
	c->qpool = NULL;
	ad_log(AD_LOG_WARN, "a connection waited for pool '%s' longer than %u s; answered 503",
	       p ? p->name : "?", (unsigned)(rt_queue_wait(r) / 1000));
	rt_conn_respond(r, c, RT_PAGE_UNAVAILABLE);
}

static void pool_retire(rt_router *r, rt_pool *p)
{
	rt_pool_fail_queue(r, p);
	while (p->nends)
		end_gone(r, p, p->ends[0], true);
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
