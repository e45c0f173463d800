/*
 * The event loop of one worker thread.
 *
 * Each thread has an epoll instance with: the shared listening socket
 * (EPOLLEXCLUSIVE: one thread wakes per new connection), an eventfd through
 * which the main thread asks it to stop, its inotify descriptor, and its
 * connections (edge-triggered). It also has its own configuration store,
 * site table and URL cache, so threads share nothing on the request path.
 *
 * Order within one wake-up: configuration changes first (so a request that
 * arrives after a web.config was written sees the change), then the
 * listener, the connections, and, once a second, the timeouts.
 *
 * Stopping (SIGTERM): the listener leaves the loop, idle connections are
 * closed, requests in progress finish with "Connection: close"; the loop ends
 * when no connection is left or when the shutdown time is up.
 */
#include "worker/worker.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#define TAG_LISTEN 1
#define TAG_STOP 2
#define TAG_WATCH 3
#define TAG_HANDOFF 4
#define MAX_EVENTS 256
#define ACCEPT_BATCH 64

void wk_log(const char *fmt, ...)
{
	char buf[1024];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	fprintf(stderr, "apphost-worker: %s\n", buf);
}

void wk_loop_update_now(wk_loop *l)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC_COARSE, &ts);
	l->now_ms = (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
	time_t now = time(NULL);
	if (now != l->date_sec) {
		l->date_sec = now;
		wk_http_date(l->date, sizeof(l->date), now);
	}
}

static int add_fd(wk_loop *l, int fd, uint32_t events, uint64_t tag)
{
	struct epoll_event ev = {.events = events, .data.u64 = tag};
	return epoll_ctl(l->epfd, EPOLL_CTL_ADD, fd, &ev) < 0 ? AH_EIO : 0;
}

int wk_loop_init(wk_loop *l, const wk_server *srv, unsigned index)
{
	memset(l, 0, sizeof(*l));
	l->srv = srv;
	l->index = index;
	l->epfd = l->evfd = -1;
	l->watch.fd = -1;
	ah_map_init(&l->cache.map, true);
	ah_config_opts opts = {.config_dir = srv->config_dir, .apphost_file = srv->apphost_file};
	ah_error_clear();
	int rc = ah_config_open(&l->cfg, &opts);
	if (rc < 0) {
		const ah_error *e = ah_error_last();
		wk_log("cannot open the configuration: %s", e ? e->message : "error");
		return rc;
	}
	l->epfd = epoll_create1(EPOLL_CLOEXEC);
	l->evfd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
	if (l->epfd < 0 || l->evfd < 0)
		return AH_EIO;
	if ((rc = wk_watch_init(&l->watch, l->cfg)) < 0)
		return rc;
	wk_loop_update_now(l);
	if (srv->handoff_fd >= 0 && !(l->handoff_buf = ah_malloc(wk_handoff_max())))
		return AH_ENOMEM;
	if ((srv->listen_fd >= 0 &&
	     add_fd(l, srv->listen_fd, EPOLLIN | EPOLLEXCLUSIVE, TAG_LISTEN) < 0) ||
	    (srv->handoff_fd >= 0 &&
	     add_fd(l, srv->handoff_fd, EPOLLIN | EPOLLEXCLUSIVE, TAG_HANDOFF) < 0) ||
	    add_fd(l, l->evfd, EPOLLIN, TAG_STOP) < 0 ||
	    add_fd(l, l->watch.fd, EPOLLIN, TAG_WATCH) < 0)
		return AH_EIO;
	return 0;
}

void wk_loop_free(wk_loop *l)
{
	while (l->conns)
		wk_conn_close(l->conns);
	wk_urlcache_flush(&l->cache);
	ah_map_free(&l->cache.map);
	wk_sites_free(l->sites);
	l->sites = NULL;
	wk_watch_free(&l->watch);
	ah_config_free(l->cfg);
	l->cfg = NULL;
	if (l->epfd >= 0)
		close(l->epfd);
	if (l->evfd >= 0)
		close(l->evfd);
	l->epfd = l->evfd = -1;
	ah_free(l->handoff_buf);
	l->handoff_buf = NULL;
	wk_route_free(l);
}

wk_sites *wk_loop_sites(wk_loop *l)
{
	if (!l->sites && wk_sites_load(&l->sites, l->cfg) < 0)
		return NULL;
	return l->sites;
}

void wk_loop_stop(wk_loop *l)
{
	uint64_t one = 1;
	if (write(l->evfd, &one, sizeof(one)) < 0)
		wk_log("cannot wake thread %u: %s", l->index, strerror(errno));
}

static void check_config(wk_loop *l)
{
	bool content = false, server = false;
	wk_watch_read(&l->watch, &content, &server);
	if (!content && !server)
		return;
	if (l->srv->verbose)
		wk_log("thread %u: configuration changed%s", l->index,
		       server ? " (server level)" : "");
	wk_urlcache_flush(&l->cache);
	ah_config_invalidate(l->cfg);
	if (server) {
		wk_sites_free(l->sites);
		l->sites = NULL;
	}
}

static void accept_some(wk_loop *l)
{
	for (int i = 0; i < ACCEPT_BATCH && !l->stopping; i++) {
		int fd = accept4(l->srv->listen_fd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC);
		if (fd < 0) {
			if (errno == EINTR || errno == ECONNABORTED)
				continue;
			if (errno != EAGAIN && errno != EINVAL) /* EINVAL: stopping */
				wk_log("accept: %s", strerror(errno));
			return;
		}
		wk_conn_adopt(l, fd, NULL, 0);
	}
}

static void begin_stop(wk_loop *l)
{
	uint64_t v;
	if (read(l->evfd, &v, sizeof(v)) < 0 && errno != EAGAIN)
		return;
	if (l->stopping)
		return;
	l->stopping = true;
	l->stop_deadline = l->now_ms + l->srv->shutdown_ms;
	if (l->srv->listen_fd >= 0)
		epoll_ctl(l->epfd, EPOLL_CTL_DEL, l->srv->listen_fd, NULL);
	/* the handoff channel stays: what the router queued before it closed its
	 * end is served too (wk_handoff_read, until the end of the channel) */
	for (wk_conn *c = l->conns, *next; c; c = next) {
		next = c->next;
		wk_conn_shutdown(c);
	}
}

void wk_loop_forget_handoff(wk_loop *l)
{
	if (l->srv->handoff_fd >= 0)
		epoll_ctl(l->epfd, EPOLL_CTL_DEL, l->srv->handoff_fd, NULL);
}

static void check_timeouts(wk_loop *l)
{
	for (wk_conn *c = l->conns, *next; c; c = next) {
		next = c->next;
		wk_conn_timeout_check(c);
	}
}

void *wk_loop_main(void *arg)
{
	wk_loop *l = arg;
	struct epoll_event evs[MAX_EVENTS];
	uint64_t next_tick = l->now_ms + 1000;
	for (;;) {
		int n = epoll_wait(l->epfd, evs, MAX_EVENTS, l->stopping ? 100 : 1000);
		if (n < 0 && errno != EINTR) {
			wk_log("epoll_wait: %s", strerror(errno));
			l->exit_code = 1;
			break;
		}
		wk_loop_update_now(l);
		bool watch = n == MAX_EVENTS;
		for (int i = 0; i < n && !watch; i++)
			watch = evs[i].data.u64 == TAG_WATCH;
		if (watch)
			check_config(l);
		bool stop = false;
		for (int i = 0; i < n; i++) {
			uint64_t tag = evs[i].data.u64;
			if (tag == TAG_LISTEN)
				accept_some(l);
			else if (tag == TAG_HANDOFF)
				wk_handoff_read(l);
			else if (tag == TAG_STOP)
				stop = true; /* after the batch: it closes connections */
			else if (tag != TAG_WATCH)
				wk_conn_event(evs[i].data.ptr, evs[i].events);
		}
		if (stop)
			begin_stop(l);
		if (l->now_ms >= next_tick) {
			check_timeouts(l);
			if (l->index == 0)
				wk_w3c_flush(); /* the W3C logs, once a second */
			next_tick = l->now_ms + 1000;
		}
		if (l->stopping &&
		    ((l->nconns == 0 && (l->srv->handoff_fd < 0 || wk_handoff_done())) ||
		     l->now_ms >= l->stop_deadline))
			break;
	}
	while (l->conns)
		wk_conn_close(l->conns);
	ah_error_clear(); /* the thread's error object goes with the thread */
	return NULL;
}
