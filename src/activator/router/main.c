/*
 * apphost-router: started by apphostd, never by hand (docs/apphostd.md).
 *
 *   apphost-router [--user UID:GID]
 *
 * Environment (set by apphostd): APPHOST_LISTEN_FDS, the inherited listening
 * sockets ("3,4,5"); APPHOST_ROUTER_FD, the router channel. apphostd starts
 * it with its privileges already dropped; should it be started as root, it
 * drops them itself to --user before anything else, and refuses to run as
 * root without it. No request is ever read with privileges.
 */
#include "router.h"

#include "common/creds.h"
#include "common/log.h"
#include "util/alloc.h"
#include "util/str.h"

#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/resource.h>
#include <time.h>
#include <unistd.h>

uint64_t rt_now_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000u + (uint64_t)ts.tv_nsec / 1000000u;
}

int rt_epoll(rt_router *r, int op, int fd, uint32_t events, void *obj)
{
	struct epoll_event ev = {.events = events, .data.ptr = obj};
	return epoll_ctl(r->ep, op, fd, &ev);
}

static int env_fd(const char *name)
{
	const char *v = getenv(name);
	uint64_t n;
	if (!v || !ah_parse_u64(v, &n) || n < 3 || n > 1000000)
		return -1;
	return (int)n;
}

static int drop_if_root(const char *user)
{
	if (getuid() != 0 && geteuid() != 0)
		return 0;
	ad_creds c = {.change = true};
	unsigned long u, g;
	char end;
	if (!user || sscanf(user, "%lu:%lu%c", &u, &g, &end) != 2 || u == 0) {
		ad_log(AD_LOG_ERR, "the router does not run as root: give --user UID:GID");
		return -1;
	}
	c.uid = (uid_t)u;
	c.gid = (gid_t)g;
	c.groups[0] = c.gid;
	c.ngroups = 1;
	int rc = ad_creds_apply(&c);
	if (rc < 0)
		ad_log(AD_LOG_ERR, "cannot drop privileges: %s", strerror(-rc));
	return rc;
}

/* APPHOST_LISTEN_FDS: fd numbers separated by commas. */
static int inherit_listeners(rt_router *r)
{
	const char *v = getenv("APPHOST_LISTEN_FDS");
	while (v && *v) {
		const char *e = strchr(v, ',');
		size_t n = e ? (size_t)(e - v) : strlen(v);
		char num[16];
		uint64_t fd;
		if (n == 0 || n >= sizeof(num)) {
			ad_log(AD_LOG_ERR, "bad APPHOST_LISTEN_FDS");
			return -1;
		}
		memcpy(num, v, n);
		num[n] = '\0';
		if (!ah_parse_u64(num, &fd) || fd < 3 || fd > 1000000 ||
		    rt_listener_add(r, (int)fd) < 0) {
			ad_log(AD_LOG_ERR, "bad inherited listening socket '%s'", num);
			return -1;
		}
		v = e ? e + 1 : NULL;
	}
	return 0;
}

static void raise_fd_limit(rt_router *r)
{
	struct rlimit rl;
	if (getrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_cur < rl.rlim_max) {
		rl.rlim_cur = rl.rlim_max;
		setrlimit(RLIMIT_NOFILE, &rl);
	}
	r->max_conns = 10000;
	if (getrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_cur != RLIM_INFINITY &&
	    rl.rlim_cur < r->max_conns + 256)
		r->max_conns = rl.rlim_cur > 512 ? rl.rlim_cur - 256 : rl.rlim_cur / 2;
}

static void dispatch(rt_router *r, struct epoll_event *ev)
{
	int kind = *(int *)ev->data.ptr;
	switch (kind) {
	case RT_K_LISTEN:
		rt_accept(r, ev->data.ptr);
		break;
	case RT_K_CONN:
		rt_conn_event(r, ev->data.ptr, ev->events);
		break;
	case RT_K_WEND:
		rt_wend_event(r, ev->data.ptr, ev->events);
		break;
	case RT_K_LINK:
		rt_link_event(r);
		break;
	case RT_K_DRAIN:
		rt_drain_event(r, ev->data.ptr, ev->events);
		break;
	}
}

int main(int argc, char **argv)
{
	ad_log_init("apphost-router", 0);
	const char *user = NULL;
	for (int i = 1; i < argc; i++) {
		if (strcmp(argv[i], "--user") == 0 && i + 1 < argc) {
			user = argv[++i];
		} else {
			fprintf(stderr, "usage: apphost-router [--user UID:GID] (started by apphostd)\n");
			return 2;
		}
	}
	if (drop_if_root(user) < 0)
		return 1;
	signal(SIGPIPE, SIG_IGN);
	static rt_router router;
	rt_router *r = &router;
	r->link.kind = RT_K_LINK;
	r->link.fd = env_fd("APPHOST_ROUTER_FD");
	ah_map_init(&r->pool_map, true);
	r->ep = epoll_create1(EPOLL_CLOEXEC);
	if (r->link.fd < 0 || r->ep < 0) {
		ad_log(AD_LOG_ERR, "no router channel (APPHOST_ROUTER_FD): started by apphostd only");
		return 1;
	}
	raise_fd_limit(r);
	r->now_ms = rt_now_ms();
	if (inherit_listeners(r) < 0 || rt_epoll(r, EPOLL_CTL_ADD, r->link.fd, EPOLLIN, &r->link) < 0)
		return 1;
	struct epoll_event evs[128];
	for (;;) {
		int n = epoll_wait(r->ep, evs, 128, 500);
		if (n < 0 && errno != EINTR) {
			ad_log(AD_LOG_ERR, "epoll_wait: %s", strerror(errno));
			return 1;
		}
		r->now_ms = rt_now_ms();
		for (int i = 0; i < n; i++)
			dispatch(r, &evs[i]);
		rt_timers(r);
		rt_reap(r);
	}
}
