/*
 * One client connection: non-blocking reads into a buffer, llhttp over it,
 * one request at a time, the response written with send and sendfile.
 *
 * Phases:
 *   IDLE   between requests (keep-alive): the site's connectionTimeout;
 *   HEAD   a request head is arriving: webLimits/@headerWaitTimeout, or
 *          connectionTimeout when it is 0, for the whole head;
 *   BODY   the head is done and its response decided; the body (if any) is
 *          read and dropped; connectionTimeout between reads;
 *   WRITE  the response is being sent: connectionTimeout between writes;
 *   LINGER the response was the last one: the write side is shut and the
 *          input drained for a moment, so that unread input does not make
 *          the kernel reset the connection before the client has read the
 *          response.
 *
 * Pipelining: the parser pauses at the end of each message, so the requests
 * buffered behind it wait until the response is sent, then are parsed in
 * turn. Nothing is read while a response is being written: with edge-
 * triggered epoll, `can_read` remembers that input may be waiting.
 *
 * A request with a body is answered after its body has been read (a client
 * sending a large body while the server writes a large response would
 * otherwise deadlock), except when the response refuses it (content too
 * long, errors that close): then the response goes at once and the
 * connection closes. `Expect: 100-continue` gets its interim response once
 * the head is accepted.
 *
 * A stopping worker (recycle, idle shutdown, pool stopped) gives a
 * connection the router handed over back to it between requests, instead of
 * closing it: the client's next request goes to the pool's next worker
 * (handoff.c). Only when that fails is the connection closed.
 *
 * The W3C log line of a response (prepared by the logging module) is
 * completed here: when its last byte is sent, with the bytes sent and the
 * time taken, or when the connection ends first (sc-win32-status 64, the
 * network name is no longer available).
 */
#include "worker/worker.h"

#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/sendfile.h>
#include <sys/socket.h>
#include <unistd.h>

#define RBUF_INIT 4096
#define RBUF_MAX (WK_MAX_HEAD + 4096)
#define LINGER_MS 2000
#define SMALL_FILE 16384
#define CONTINUE_LINE "HTTP/1.1 100 Continue\r\n\r\n"
#define WIN32_NETNAME_DELETED 64

static uint64_t conn_timeout(const wk_loop *l)
{
	return l->sites ? l->sites->conn_timeout_ms : 120000;
}

static uint64_t head_timeout(const wk_loop *l)
{
	if (l->sites && l->sites->header_wait_ms)
		return l->sites->header_wait_ms;
	return conn_timeout(l);
}

void wk_conn_close(wk_conn *c)
{
	wk_loop *l = c->loop;
	if (c->prev)
		c->prev->next = c->next;
	else
		l->conns = c->next;
	if (c->next)
		c->next->prev = c->prev;
	l->nconns--;
	if (c->in_request)
		wk_stats_end();
	if (c->logrec)
		wk_w3c_finish(c->logrec, c->sent, c->http.body_bytes, WIN32_NETNAME_DELETED);
	/* another process (the router) may still hold the socket: close alone
	 * would leave it registered, and its next event would name freed c */
	epoll_ctl(l->epfd, EPOLL_CTL_DEL, c->fd, NULL);
	close(c->fd);
	wk_request_free(c->req);
	ah_buf_free(&c->out);
	ah_free(c->rbuf);
	ah_free(c);
}

/* Send what may be sent: 1 all of it, 0 the socket is full, -1 an error. */
static int flush(wk_conn *c)
{
	while (c->out_pos < c->out_ready) {
		int flags = MSG_NOSIGNAL;
		if (c->phase == WK_WRITE && c->file.len > 0)
			flags |= MSG_MORE;
		ssize_t n = send(c->fd, c->out.ptr + c->out_pos, c->out_ready - c->out_pos, flags);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			return errno == EAGAIN ? 0 : -1;
		}
		c->out_pos += (size_t)n;
		c->sent += (uint64_t)n;
		c->deadline = c->loop->now_ms + conn_timeout(c->loop);
	}
	if (c->phase != WK_WRITE)
		return 1;
	while (c->file.len > 0) {
		off_t off = c->file.off;
		size_t chunk = c->file.len > (1 << 30) ? (1 << 30) : (size_t)c->file.len;
		ssize_t n = sendfile(c->fd, c->file.fd, &off, chunk);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			return errno == EAGAIN ? 0 : -1;
		}
		if (n == 0)
			return -1; /* the file shrank under us */
		c->file.off = off;
		c->file.len -= n;
		c->sent += (uint64_t)n;
		c->deadline = c->loop->now_ms + conn_timeout(c->loop);
	}
	return 1;
}

/* After the last response: shut the write side, drain the input. */
static void linger(wk_conn *c)
{
	shutdown(c->fd, SHUT_WR);
	c->phase = WK_LINGER;
	c->deadline = c->loop->now_ms + LINGER_MS;
	c->rpos = c->rlen = 0;
	c->can_read = true;
}

static void give_back(wk_conn *c);

/* Between requests in a stopping worker: the connection goes back to the
 * router with what was read of the next request. False when it did. */
static bool hand_back(wk_conn *c)
{
	if (!c->handed || !c->loop->stopping)
		return false;
	c->head_start = c->rpos;
	give_back(c);
	return true;
}

/* The response is sent: next request, or close. False when the connection
 * is gone (given back). */
static bool finish_response(wk_conn *c)
{
	wk_req *r = c->req;
	bool alive = r && r->keep_alive && !r->close && !c->early && !c->close_after;
	bool keep = alive && !c->loop->stopping;
	if (c->in_request) {
		c->in_request = false;
		wk_stats_end();
	}
	if (r && r->keepalive_ms)
		c->idle_ms = r->keepalive_ms;
	if (c->logrec)
		wk_w3c_finish(c->logrec, c->sent, c->http.body_bytes, 0);
	c->logrec = NULL;
	c->sent = 0;
	wk_request_free(r);
	c->req = NULL;
	c->file.fd = -1;
	c->file.len = 0;
	ah_buf_truncate(&c->out, 0);
	c->out_pos = c->out_ready = 0;
	if (alive && !keep && hand_back(c))
		return false;
	if (!keep) {
		linger(c);
		return true;
	}
	c->phase = WK_IDLE;
	c->deadline = c->loop->now_ms + (c->idle_ms ? c->idle_ms : conn_timeout(c->loop));
	if (c->rpos == c->rlen)
		c->rpos = c->rlen = 0;
	return true;
}

/* A small file goes out with the head in one send: one system call fewer
 * than send + sendfile, and one TCP segment. */
static int inline_file(wk_conn *c)
{
	size_t n = (size_t)c->file.len;
	size_t at = c->out.len;
	ah_buf_put(&c->out, "", 0);
	if (c->out.cap - c->out.len < n + 1) {
		char *p = ah_realloc(c->out.ptr, c->out.len + n + 1);
		if (!p)
			return AH_ENOMEM;
		c->out.ptr = p;
		c->out.cap = c->out.len + n + 1;
	}
	ssize_t got = pread(c->file.fd, c->out.ptr + at, n, c->file.off);
	if (got != (ssize_t)n)
		return AH_EIO;
	c->out.len += n;
	c->out.ptr[c->out.len] = '\0';
	c->out_ready = c->out.len;
	c->file.len = 0;
	return 0;
}

/* Write the response now. False when the connection was closed. */
static bool start_response(wk_conn *c)
{
	c->phase = WK_WRITE;
	c->out_ready = c->out.len;
	c->deadline = c->loop->now_ms + conn_timeout(c->loop);
	if (c->req && c->req->file.fd >= 0) {
		c->file = c->req->file;
		if (c->file.len <= SMALL_FILE && inline_file(c) < 0) {
			wk_conn_close(c);
			return false;
		}
	}
	int rc = flush(c);
	if (rc < 0) {
		wk_conn_close(c);
		return false;
	}
	if (rc == 1)
		return finish_response(c);
	return true;
}

/* A response of the connection itself (the request could not be parsed):
 * it replaces anything pending and ends the connection. */
static bool reply(wk_conn *c, int status, const char *ctype, const ah_buf *page)
{
	if (c->logrec) {
		/* the request's own response is replaced: log this one */
		c->logrec->status = status;
		c->logrec->substatus = status == 404 ? 13 : 0;
		c->logrec->win32 = 0;
	}
	wk_request_free(c->req);
	c->req = NULL;
	c->close_after = true;
	ah_buf_truncate(&c->out, 0);
	c->out_pos = 0;
	c->file.len = 0;
	ah_buf_printf(&c->out,
	              "HTTP/1.1 %d %s\r\nContent-Type: %s\r\nServer: " WK_SERVER_HEADER
	              "\r\nDate: %s\r\nConnection: close\r\nContent-Length: %zu\r\n\r\n",
	              status, wk_status_reason(status), ctype, c->loop->date, page->len);
	ah_buf_put(&c->out, page->ptr ? page->ptr : "", page->len);
	if (ah_buf_oom(&c->out)) {
		wk_conn_close(c);
		return false;
	}
	return start_response(c);
}

static bool reply_httpsys(wk_conn *c, int status, const char *title, const char *text)
{
	ah_buf page = AH_BUF_INIT;
	wk_errpage_httpsys(&page, status, title, text);
	bool ok = reply(c, status, "text/html; charset=us-ascii", &page);
	ah_buf_free(&page);
	return ok;
}

static bool parse_error(wk_conn *c, llhttp_errno_t e)
{
	if (c->http.error == WK_HTTP_BODY_TOO_LONG) {
		ah_buf page = AH_BUF_INIT;
		wk_errpage_build(&page, 404, 13);
		bool ok = reply(c, 404, "text/html", &page);
		ah_buf_free(&page);
		return ok;
	}
	if (c->http.error == WK_HTTP_TOO_LONG)
		return reply_httpsys(c, 400, "Bad Request - Request Too Long",
		                     "The size of the request headers is too long.");
	switch (e) {
	case HPE_INVALID_URL:
		return reply_httpsys(c, 400, "Bad Request - Invalid URL",
		                     "The request URL is invalid.");
	case HPE_INVALID_METHOD:
		return reply_httpsys(c, 400, "Bad Request - Invalid Verb",
		                     "The request verb is invalid.");
	case HPE_INVALID_VERSION:
		return reply_httpsys(c, 505, "HTTP Version Not Supported",
		                     "The HTTP version is not supported.");
	default:
		return reply_httpsys(c, 400, "Bad Request", "The request is badly formed.");
	}
}

int wk_conn_on_head(wk_conn *c)
{
	wk_loop *l = c->loop;
	wk_req *r = ah_calloc(1, sizeof(*r));
	if (!r || !(r->arena = ah_arena_new())) {
		ah_free(r);
		c->http.error = WK_HTTP_TOO_LONG;
		return 1;
	}
	r->conn = c;
	r->loop = l;
	r->local = c->local;
	r->peer = c->peer;
	r->file.fd = -1;
	r->target.fd = -1;
	r->start_us = wk_now_us();
	r->head_bytes = wk_http_head_len(&c->http);
	c->req = r;
	c->phase = WK_BODY;
	c->deadline = l->now_ms + conn_timeout(l);
	if (wk_http_build_req(&c->http, r) < 0) {
		wk_resp_error(r, 500, 0);
		r->close = true;
	} else {
		wk_request_head(r);
		if (r->give_back) {
			c->give_back = r->give_back;
			return 1;
		}
	}
	c->nreq++;
	c->in_request = true;
	wk_stats_begin();
	if (c->logrec)
		wk_w3c_finish(c->logrec, c->sent, 0, 0);
	c->logrec = r->logrec;
	r->logrec = NULL;
	c->sent = 0;
	bool body = r->chunked || r->content_length > 0;
	if (body && r->expect_continue && r->status >= 400)
		r->close = true;
	if (c->close_after || (l->stopping && !c->handed))
		r->keep_alive = false;
	if (body && !r->close && r->expect_continue) {
		ah_buf_puts(&c->out, CONTINUE_LINE);
		c->out_ready = c->out.len;
	}
	c->http.body_limit = r->body_limit;
	wk_resp_compose(&c->out, r, l->date);
	if (ah_buf_oom(&c->out)) {
		c->http.error = WK_HTTP_TOO_LONG;
		return 1;
	}
	if (r->close && body) {
		c->early = true;
		return 1;
	}
	return 0;
}

/*
 * The request whose head was just parsed belongs to another pool or to a
 * stopped site: the connection goes back to the router with the bytes of
 * that request and whatever followed it, and the worker forgets it.
 */
static void give_back(wk_conn *c)
{
	wk_loop *l = c->loop;
	if (c->logrec) {
		wk_w3c_finish(c->logrec, c->sent, 0, 0);
		c->logrec = NULL;
	}
	if (wk_handoff_give_back(l, c->fd, &c->local, &c->peer, c->rbuf + c->head_start,
	                         c->rlen - c->head_start, c->give_back == WK_GIVE_ANEW) < 0 &&
	    l->srv->verbose)
		wk_log("cannot give a connection back to the router");
	wk_conn_close(c);
}

/* Parse what is buffered. False when the connection was closed. */
static bool process(wk_conn *c)
{
	wk_loop *l = c->loop;
	while ((c->phase == WK_IDLE || c->phase == WK_HEAD || c->phase == WK_BODY) &&
	       c->rpos < c->rlen) {
		if (!c->http.in_message) {
			c->head_start = c->rpos;
			if (c->phase == WK_IDLE) {
				c->phase = WK_HEAD;
				c->deadline = l->now_ms + head_timeout(l);
			}
		}
		c->http.base = c->rbuf + c->head_start;
		const char *start = c->rbuf + c->rpos;
		size_t avail = c->rlen - c->rpos;
		llhttp_errno_t e = llhttp_execute(&c->http.parser, start, avail);
		size_t used = avail;
		if (e != HPE_OK)
			used = (size_t)(llhttp_get_error_pos(&c->http.parser) - start);
		c->rpos += used;
		if (e == HPE_PAUSED && c->give_back) {
			give_back(c);
			return false;
		}
		if (e == HPE_PAUSED) {
			llhttp_resume(&c->http.parser);
			if (c->http.error != WK_HTTP_OK)
				return parse_error(c, e);
			if (!c->early && !c->http.done)
				continue;
			c->http.done = false;
			if (!start_response(c))
				return false;
			continue;
		}
		if (e != HPE_OK)
			return parse_error(c, e);
	}
	if (c->phase == WK_HEAD && c->rlen - c->head_start > WK_MAX_HEAD) {
		c->http.error = WK_HTTP_TOO_LONG;
		return parse_error(c, HPE_USER);
	}
	if (c->phase == WK_BODY) {
		/* the head is copied: drop what was parsed */
		if (c->rpos == c->rlen)
			c->rpos = c->rlen = 0;
		if (c->out_pos < c->out_ready && flush(c) < 0) {
			wk_conn_close(c);
			return false;
		}
	}
	return true;
}

/* Room to read into. False when a head is too long for the buffer. */
static bool make_room(wk_conn *c)
{
	if (c->rlen < c->rcap)
		return true;
	size_t from = c->http.in_message && !c->http.head_done ? c->head_start : c->rpos;
	if (from > 0) {
		memmove(c->rbuf, c->rbuf + from, c->rlen - from);
		c->rlen -= from;
		c->rpos -= from;
		c->head_start = c->head_start >= from ? c->head_start - from : 0;
	}
	if (c->rlen < c->rcap)
		return true;
	if (c->rcap >= RBUF_MAX)
		return false;
	size_t cap = c->rcap * 2 > RBUF_MAX ? RBUF_MAX : c->rcap * 2;
	char *p = ah_realloc(c->rbuf, cap);
	if (!p)
		return false;
	c->rbuf = p;
	c->rcap = cap;
	return true;
}

static void drain(wk_conn *c)
{
	char junk[4096];
	for (;;) {
		ssize_t n = read(c->fd, junk, sizeof(junk));
		if (n > 0)
			continue;
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0 && errno == EAGAIN) {
			c->can_read = false;
			return;
		}
		wk_conn_close(c);
		return;
	}
}

static void do_read(wk_conn *c)
{
	while (c->can_read) {
		if (c->phase == WK_WRITE)
			return;
		if (c->phase == WK_LINGER) {
			drain(c);
			return;
		}
		if (!make_room(c)) {
			c->http.error = WK_HTTP_TOO_LONG;
			parse_error(c, HPE_USER);
			return;
		}
		size_t room = c->rcap - c->rlen;
		ssize_t n = read(c->fd, c->rbuf + c->rlen, room);
		if (n > 0) {
			c->rlen += (size_t)n;
			if (c->phase == WK_BODY)
				c->deadline = c->loop->now_ms + conn_timeout(c->loop);
			if ((size_t)n < room)
				c->can_read = false;
			if (!process(c))
				return;
			continue;
		}
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0 && errno == EAGAIN) {
			c->can_read = false;
			return;
		}
		wk_conn_close(c); /* end of input or error */
		return;
	}
}

void wk_conn_event(wk_conn *c, uint32_t events)
{
	if (events & EPOLLERR) {
		wk_conn_close(c);
		return;
	}
	if ((events & EPOLLOUT) && (c->phase == WK_WRITE || c->out_pos < c->out_ready)) {
		int rc = flush(c);
		if (rc < 0) {
			wk_conn_close(c);
			return;
		}
		if (rc == 1 && c->phase == WK_WRITE) {
			if (!finish_response(c) || !process(c))
				return;
		}
	}
	if (events & (EPOLLIN | EPOLLRDHUP | EPOLLHUP))
		c->can_read = true;
	do_read(c);
}

void wk_conn_timeout_check(wk_conn *c)
{
	if (c->loop->now_ms >= c->deadline)
		wk_conn_close(c);
}

void wk_conn_shutdown(wk_conn *c)
{
	if (c->handed) { /* given back between requests (hand_back) */
		if (c->phase == WK_IDLE && c->rpos == c->rlen && !hand_back(c))
			wk_conn_close(c);
		return;
	}
	if (c->phase == WK_IDLE && c->rpos == c->rlen)
		wk_conn_close(c);
	else
		c->close_after = true;
}

int wk_conn_adopt(wk_loop *l, int fd, const char *bytes, size_t len)
{
	return wk_conn_adopt_from(l, fd, bytes, len, NULL, NULL);
}

int wk_conn_adopt_from(wk_loop *l, int fd, const char *bytes, size_t len, const wk_addr *local,
                       const wk_addr *peer)
{
	wk_conn *c = ah_calloc(1, sizeof(*c));
	size_t cap = len > RBUF_INIT ? len : RBUF_INIT;
	if (!c || !(c->rbuf = ah_malloc(cap))) {
		ah_free(c);
		close(fd);
		return AH_ENOMEM;
	}
	c->rcap = cap;
	c->fd = fd;
	c->loop = l;
	c->file.fd = -1;
	struct sockaddr_storage ss;
	socklen_t sl = sizeof(ss);
	c->handed = local != NULL;
	if (local)
		c->local = *local;
	else if (getsockname(fd, (struct sockaddr *)&ss, &sl) == 0)
		wk_addr_from_sa(&c->local, &ss);
	sl = sizeof(ss);
	if (peer)
		c->peer = *peer;
	else if (getpeername(fd, (struct sockaddr *)&ss, &sl) == 0)
		wk_addr_from_sa(&c->peer, &ss);
	int flags = fcntl(fd, F_GETFL);
	if (flags >= 0 && !(flags & O_NONBLOCK))
		fcntl(fd, F_SETFL, flags | O_NONBLOCK);
	int one = 1;
	setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
	wk_http_init(&c->http, c);
	c->next = l->conns;
	if (l->conns)
		l->conns->prev = c;
	l->conns = c;
	l->nconns++;
	c->phase = WK_IDLE;
	c->deadline = l->now_ms + head_timeout(l);
	struct epoll_event ev = {.events = EPOLLIN | EPOLLOUT | EPOLLRDHUP | EPOLLET,
	                         .data.ptr = c};
	if (epoll_ctl(l->epfd, EPOLL_CTL_ADD, fd, &ev) < 0) {
		wk_conn_close(c);
		return AH_EIO;
	}
	if (len) {
		memcpy(c->rbuf, bytes, len);
		c->rlen = len;
		process(c);
	}
	return 0;
}
