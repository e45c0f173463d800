/*
 * A client connection in the router, from accept until it is handed to a
 * worker or answered and closed:
 *
 *   reading  the head is read (at most RT_HEAD_MAX bytes, within the header
 *            wait timeout), scanned, and routed; then handed over, queued
 *            in its pool, or answered
 *   queued   waiting in a pool's queue (not watched meanwhile), at most
 *            rt_queue_wait: then 503
 *   writing  an error page being written
 *   closing  the page is written and our side shut down; what the client
 *            still sends is read and dropped for a moment, so that closing
 *            does not reset the connection before the client read the page
 *
 * A connection that times out while reading is closed without an answer,
 * as HTTP.sys does (Timer_HeaderWait).
 */
#include "router.h"

#include "util/alloc.h"

#include <errno.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <unistd.h>

#define FIRST_BUF 2048
#define CLOSING_MS 2000
#define WRITING_MS 10000
#define DISCARD_MAX (256 * 1024)

void rt_list_push(rt_list *l, rt_conn *c)
{
	c->list = l;
	c->next = NULL;
	c->prev = l->tail;
	if (l->tail)
		l->tail->next = c;
	else
		l->head = c;
	l->tail = c;
}

void rt_list_remove(rt_conn *c)
{
	rt_list *l = c->list;
	if (!l)
		return;
	if (c->prev)
		c->prev->next = c->next;
	else
		l->head = c->next;
	if (c->next)
		c->next->prev = c->prev;
	else
		l->tail = c->prev;
	c->prev = c->next = NULL;
	c->list = NULL;
}

void rt_conn_close(rt_router *r, rt_conn *c)
{
	if (c->dead)
		return;
	rt_list_remove(c);
	if (c->fd >= 0) {
		if (c->in_epoll)
			epoll_ctl(r->ep, EPOLL_CTL_DEL, c->fd, NULL);
		close(c->fd);
		c->fd = -1;
	}
	c->dead = true;
	c->qnext = r->graveyard;
	r->graveyard = c;
}

void rt_reap(rt_router *r)
{
	while (r->dead_pools) {
		rt_pool *p = r->dead_pools;
		r->dead_pools = p->next;
		ah_free(p->name);
		ah_free(p);
	}
	while (r->dead_ends) {
		rt_wend *e = r->dead_ends;
		r->dead_ends = e->next;
		ah_free(e);
	}
	while (r->dead_drains) {
		rt_drain *dr = r->dead_drains;
		r->dead_drains = dr->next;
		ah_free(dr);
	}
	while (r->dead_listeners) {
		rt_listener *l = r->dead_listeners;
		r->dead_listeners = l->next;
		ah_free(l);
	}
	while (r->graveyard) {
		rt_conn *c = r->graveyard;
		r->graveyard = c->qnext;
		ah_free(c->buf);
		ah_free(c->resp);
		ah_free(c->app_path);
		ah_free(c->returned_by);
		ah_free(c);
		r->nconns--;
	}
}

static uint32_t header_wait(const rt_router *r)
{
	uint32_t ms = r->table ? r->table->header_wait_ms : 120000;
	return ms < 1000 ? 1000 : ms;
}

/* A safety net: apphostd answers a start with WORKER or START_FAILED, and
 * a worker starts within its startupTimeLimit (90 s by default), but
 * should that never come, the connections do not wait for ever. */
uint32_t rt_queue_wait(const rt_router *r)
{
	return header_wait(r) + 120000;
}

/* A new connection in the reading state. Takes fd. */
static rt_conn *conn_new(rt_router *r, int fd)
{
	rt_conn *c = ah_calloc(1, sizeof(*c));
	if (!c) {
		close(fd);
		return NULL;
	}
	r->nconns++;
	c->kind = RT_K_CONN;
	c->fd = fd;
	c->state = RT_C_HEAD;
	struct sockaddr_storage ss;
	socklen_t sl = sizeof(ss);
	if (getsockname(fd, (struct sockaddr *)&ss, &sl) < 0 ||
	    ad_addr_text(c->local_ip, sizeof(c->local_ip), &ss, false) < 0 ||
	    ad_addr_text(c->local, sizeof(c->local), &ss, true) < 0)
		goto fail;
	c->local_port = ad_addr_port(&ss);
	sl = sizeof(ss);
	if (getpeername(fd, (struct sockaddr *)&ss, &sl) < 0 ||
	    ad_addr_text(c->peer, sizeof(c->peer), &ss, true) < 0)
		goto fail;
	c->loopback = ad_addr_is_loopback(&ss);
	if (rt_epoll(r, EPOLL_CTL_ADD, fd, EPOLLIN | EPOLLRDHUP, c) < 0)
		goto fail;
	c->in_epoll = true;
	c->deadline_ms = r->now_ms + header_wait(r);
	rt_list_push(&r->reading, c);
	return c;
fail:
	rt_conn_close(r, c);
	return NULL;
}

static rt_head_status scan(rt_router *r, rt_conn *c);

void rt_accept(rt_router *r, rt_listener *l)
{
	for (int i = 0; i < 64 && l->fd >= 0; i++) {
		int fd = accept4(l->fd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC);
		if (fd < 0) {
			if (errno == EINTR || errno == ECONNABORTED)
				continue;
			return;
		}
		if (r->nconns >= r->max_conns) {
			close(fd);
			continue;
		}
		conn_new(r, fd);
	}
}

void rt_conn_returned(rt_router *r, const rt_pool *from, int fd, const uint8_t *head,
		      size_t len)
{
	rt_conn *c = conn_new(r, fd);
	if (!c)
		return;
	if (from && !(c->returned_by = ah_strdup(from->name))) {
		rt_conn_close(r, c);
		return;
	}
	if (len) {
		c->buf = ah_malloc(len < FIRST_BUF ? FIRST_BUF : len);
		if (!c->buf) {
			rt_conn_close(r, c);
			return;
		}
		c->cap = len < FIRST_BUF ? FIRST_BUF : len;
		memcpy(c->buf, head, len);
		c->len = len;
		scan(r, c);
	}
}

static void closing(rt_router *r, rt_conn *c)
{
	shutdown(c->fd, SHUT_WR);
	c->state = RT_C_LINGER;
	rt_list_remove(c);
	c->deadline_ms = r->now_ms + CLOSING_MS;
	rt_list_push(&r->closing, c);
	if (rt_epoll(r, c->in_epoll ? EPOLL_CTL_MOD : EPOLL_CTL_ADD, c->fd, EPOLLIN | EPOLLRDHUP,
		     c) < 0) {
		rt_conn_close(r, c);
		return;
	}
	c->in_epoll = true;
}

static void write_some(rt_router *r, rt_conn *c)
{
	while (c->resp_off < c->resp_len) {
		ssize_t n = send(c->fd, c->resp + c->resp_off, c->resp_len - c->resp_off,
				 MSG_NOSIGNAL | MSG_DONTWAIT);
		if (n > 0) {
			c->resp_off += (size_t)n;
			continue;
		}
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0 && errno == EAGAIN)
			return;
		rt_conn_close(r, c);
		return;
	}
	closing(r, c);
}

void rt_conn_respond(rt_router *r, rt_conn *c, rt_page page)
{
	c->resp = rt_page_build(page, c->head_method, &c->resp_len);
	if (!c->resp) {
		rt_conn_close(r, c);
		return;
	}
	c->state = RT_C_WRITE;
	rt_list_remove(c);
	c->deadline_ms = r->now_ms + WRITING_MS;
	rt_list_push(&r->closing, c);
	if (rt_epoll(r, c->in_epoll ? EPOLL_CTL_MOD : EPOLL_CTL_ADD, c->fd, EPOLLOUT, c) < 0) {
		rt_conn_close(r, c);
		return;
	}
	c->in_epoll = true;
	write_some(r, c);
}

static const rt_page head_pages[] = {
	[RT_HEAD_BAD] = RT_PAGE_BAD_REQUEST,     [RT_HEAD_BAD_VERB] = RT_PAGE_BAD_VERB,
	[RT_HEAD_BAD_URL] = RT_PAGE_BAD_URL,     [RT_HEAD_BAD_HEADER] = RT_PAGE_BAD_HEADER,
	[RT_HEAD_BAD_HOST] = RT_PAGE_BAD_HOSTNAME, [RT_HEAD_TOO_LONG] = RT_PAGE_TOO_LONG,
	[RT_HEAD_BAD_VERSION] = RT_PAGE_VERSION,
};

static void route(rt_router *r, rt_conn *c, const rt_head *h)
{
	if (!r->table) {
		rt_conn_respond(r, c, RT_PAGE_UNAVAILABLE);
		return;
	}
	const rt_site *s;
	const rt_app *a;
	switch (rt_route(r->table, c->local_ip, c->local_port, h->host, h->path, &s, &a)) {
	case RT_ROUTE_NO_SITE:
		rt_conn_respond(r, c, RT_PAGE_BAD_HOSTNAME);
		return;
	case RT_ROUTE_SITE_STOPPED:
	case RT_ROUTE_NO_APP:
		rt_conn_respond(r, c, RT_PAGE_NOT_FOUND);
		return;
	case RT_ROUTE_OK:
		break;
	}
	c->site_id = s->id;
	ah_free(c->app_path);
	c->app_path = ah_strdup(a->path);
	if (!c->app_path) {
		rt_conn_close(r, c);
		return;
	}
	rt_dispatch(r, c, a->pool);
}

/* Scan what was read; a whole head is answered or routed. */
static rt_head_status scan(rt_router *r, rt_conn *c)
{
	rt_head h = {.path = r->path};
	rt_head_status st = rt_head_scan(&h, c->buf, c->len);
	if (st == RT_HEAD_INCOMPLETE)
		return st;
	c->head_method = h.head_method;
	if (st != RT_HEAD_OK)
		rt_conn_respond(r, c, head_pages[st]);
	else
		route(r, c, &h);
	return st;
}

static void read_head(rt_router *r, rt_conn *c)
{
	bool eof = false;
	for (;;) {
		if (c->len == c->cap) {
			if (c->cap >= RT_HEAD_MAX)
				break;
			size_t cap = c->cap ? c->cap * 2 : FIRST_BUF;
			if (cap > RT_HEAD_MAX)
				cap = RT_HEAD_MAX;
			char *b = ah_realloc(c->buf, cap);
			if (!b) {
				rt_conn_close(r, c);
				return;
			}
			c->buf = b;
			c->cap = cap;
		}
		ssize_t n = recv(c->fd, c->buf + c->len, c->cap - c->len, MSG_DONTWAIT);
		if (n > 0) {
			c->len += (size_t)n;
			continue;
		}
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0 && errno == EAGAIN)
			break;
		if (n < 0) {
			rt_conn_close(r, c);
			return;
		}
		eof = true; /* the client may shut down its side after a request */
		break;
	}
	if (scan(r, c) == RT_HEAD_INCOMPLETE && eof)
		rt_conn_close(r, c);
}

static void discard(rt_router *r, rt_conn *c)
{
	char sink[4096];
	for (;;) {
		ssize_t n = recv(c->fd, sink, sizeof(sink), MSG_DONTWAIT);
		if (n > 0) {
			c->discarded += (size_t)n;
			if (c->discarded > DISCARD_MAX)
				break;
			continue;
		}
		if (n < 0 && (errno == EINTR))
			continue;
		if (n < 0 && errno == EAGAIN)
			return;
		break;
	}
	rt_conn_close(r, c);
}

void rt_conn_event(rt_router *r, rt_conn *c, uint32_t events)
{
	if (c->dead)
		return;
	switch (c->state) {
	case RT_C_HEAD:
		read_head(r, c);
		break;
	case RT_C_WRITE:
		if (events & (EPOLLERR | EPOLLHUP))
			rt_conn_close(r, c);
		else
			write_some(r, c);
		break;
	case RT_C_LINGER:
		discard(r, c);
		break;
	case RT_C_QUEUED:
		break;
	}
}

void rt_timers(rt_router *r)
{
	while (r->reading.head && r->reading.head->deadline_ms <= r->now_ms)
		rt_conn_close(r, r->reading.head);
	while (r->closing.head && r->closing.head->deadline_ms <= r->now_ms)
		rt_conn_close(r, r->closing.head);
	while (r->queued.head && r->queued.head->deadline_ms <= r->now_ms)
		rt_pool_queue_expired(r, r->queued.head);
	rt_pools_retry_demands(r);
}
