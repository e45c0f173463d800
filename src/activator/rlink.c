/*
 * The router from apphostd's side: starting it (with the listening sockets
 * and the router channel, credentials dropped before its exec), restarting
 * it when it dies, and the router channel (common/proto.h): the routing
 * table and the pools' workers go out, start requests come in.
 *
 * Sends block, with a time limit: a router that does not read its channel
 * for that long is stuck, and is replaced.
 */
#include "daemon.h"

#include "common/log.h"
#include "spawn.h"
#include "util/alloc.h"
#include "util/map.h"

#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define SEND_TIMEOUT_S 5
#define STOP_WAIT_MS 5000
#define CHANNEL_BUF (4 << 20)

int ad_router_send(ad_daemon *d, const ad_msg *m, int fd)
{
	if (d->router.fd < 0)
		return -ENOTCONN;
	if (m->bad) {
		ad_log(AD_LOG_ERR, "a router message is too long; not sent");
		return -EMSGSIZE;
	}
	int rc = ad_send(d->router.fd, m->b, m->len, fd, 0);
	if (rc < 0 && d->router_pid > 0) {
		ad_log(AD_LOG_ERR, "cannot write to the router (%s); it is restarted", strerror(-rc));
		kill(d->router_pid, SIGKILL);
		epoll_ctl(d->ep, EPOLL_CTL_DEL, d->router.fd, NULL);
		close(d->router.fd);
		d->router.fd = -1;
	}
	return rc;
}

int ad_router_start(ad_daemon *d)
{
	int sp[2];
	if (socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sp) < 0)
		return -errno;
	int big = CHANNEL_BUF;
	struct timeval tv = {SEND_TIMEOUT_S, 0};
	if (setsockopt(sp[0], SOL_SOCKET, SO_SNDBUFFORCE, &big, sizeof(big)) < 0)
		setsockopt(sp[0], SOL_SOCKET, SO_SNDBUF, &big, sizeof(big));
	setsockopt(sp[0], SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv));
	/* the first sockets are inherited, the others follow in LISTEN messages */
	size_t n = 0;
	for (ad_listen *l = d->listens; l && n < AD_SPAWN_MAX_FDS - 1; l = l->next)
		n++;
	int *fds = ah_calloc(n + 1, sizeof(int));
	char list[4096] = "", rfd[48], lfds[4200];
	if (!fds) {
		close(sp[0]);
		close(sp[1]);
		return -ENOMEM;
	}
	size_t i = 0, off = 0;
	ad_listen *l = d->listens;
	for (; l && i < n; l = l->next, i++) {
		fds[i] = l->fd;
		int w = snprintf(list + off, sizeof(list) - off, "%s%zu", i ? "," : "", 3 + i);
		if (w > 0 && (size_t)w < sizeof(list) - off)
			off += (size_t)w;
	}
	fds[n] = sp[1];
	snprintf(rfd, sizeof(rfd), "APPHOST_ROUTER_FD=%zu", 3 + n);
	snprintf(lfds, sizeof(lfds), "APPHOST_LISTEN_FDS=%s", list);
	const char *set[] = {rfd, lfds};
	char **env = ad_env_build(set, 2, true);
	char *argv[] = {(char *)d->router_path, NULL};
	ad_spawn s = {.path = d->router_path, .argv = argv, .envp = env, .fds = fds,
		      .nfds = n + 1, .creds = &d->router_creds};
	pid_t pid = -1;
	int rc = env ? ad_spawn_run(&s, &pid) : -ENOMEM;
	ad_env_free(env);
	ah_free(fds);
	close(sp[1]);
	if (rc < 0) {
		ad_log(AD_LOG_ERR, "cannot start the router %s: %s", d->router_path, strerror(-rc));
		close(sp[0]);
		return rc;
	}
	d->router_pid = pid;
	d->router.fd = sp[0];
	if (ad_epoll(d, EPOLL_CTL_ADD, sp[0], EPOLLIN, &d->router) < 0) {
		close(sp[0]);
		d->router.fd = -1;
		kill(pid, SIGKILL);
		return -errno;
	}
	ad_log(AD_LOG_INFO, "router started (pid %ld, uid %u)", (long)pid,
	       (unsigned)(d->router_creds.change ? d->router_creds.uid : geteuid()));
	for (; l; l = l->next) {
		ad_msg m;
		ad_msg_begin(&m, AD_R_LISTEN);
		ad_msg_str(&m, l->key);
		ad_router_send(d, &m, l->fd);
	}
	ad_router_send_table(d);
	ad_workers_resend(d);
	return 0;
}

void ad_child_stop(pid_t pid, const char *what)
{
	kill(pid, SIGTERM);
	for (int waited = 0; waited < STOP_WAIT_MS; waited += 10) {
		pid_t r = waitpid(pid, NULL, WNOHANG);
		if (r == pid || (r < 0 && errno != EINTR))
			return;
		struct timespec ts = {0, 10 * 1000000};
		nanosleep(&ts, NULL);
	}
	ad_log(AD_LOG_WARN, "the %s (pid %ld) did not stop within %d s; it was killed", what,
	       (long)pid, STOP_WAIT_MS / 1000);
	kill(pid, SIGKILL);
	while (waitpid(pid, NULL, 0) < 0 && errno == EINTR)
		;
}

void ad_router_exited(ad_daemon *d)
{
	if (d->router.fd >= 0) {
		epoll_ctl(d->ep, EPOLL_CTL_DEL, d->router.fd, NULL);
		close(d->router.fd);
		d->router.fd = -1;
	}
	d->router_pid = -1;
	if (!d->stopping) {
		ad_log(AD_LOG_ERR, "the router exited; it is started again");
		d->router_restart_at_ms = d->now_ms + 1000;
	}
}

void ad_router_pool_msg(ad_daemon *d, int type, const ad_pool *p)
{
	ad_msg m;
	ad_msg_begin(&m, (uint8_t)type);
	ad_msg_str(&m, p->name);
	if (type == AD_R_POOL_STATE)
		ad_msg_u8(&m, p->state == AD_STARTED);
	ad_router_send(d, &m, -1);
}

void ad_router_worker_msg(ad_daemon *d, int type, const ad_worker *w)
{
	if (!w->pool || (type == AD_R_WORKER && w->router_end < 0))
		return;
	ad_msg m;
	ad_msg_begin(&m, (uint8_t)type);
	ad_msg_str(&m, w->pool->name);
	ad_msg_u32(&m, w->id);
	ad_router_send(d, &m, type == AD_R_WORKER ? w->router_end : -1);
}

void ad_router_site_state(ad_daemon *d, const ad_site_state *s)
{
	ad_msg m;
	ad_msg_begin(&m, AD_R_SITE_STATE);
	ad_msg_u32(&m, s->id);
	ad_msg_u8(&m, s->state == AD_STARTED);
	ad_router_send(d, &m, -1);
}

static void send_site(ad_daemon *d, const ad_site *s, ah_map *seen, ah_arena *a)
{
	ad_msg m;
	const ad_site_state *st = ad_site_find(d, s->id);
	ad_msg_begin(&m, AD_R_SITE);
	ad_msg_u32(&m, s->id);
	ad_msg_str(&m, s->name);
	ad_msg_u8(&m, st && st->state == AD_STARTED);
	ad_router_send(d, &m, -1);
	for (size_t j = 0; j < s->nbindings; j++) {
		const ad_binding *b = &s->bindings[j];
		char *k = ah_arena_printf(a, "%u|%s|%s", b->port, b->ip, b->host);
		const ad_site *other = k ? ah_map_get(seen, k) : NULL;
		if (other) {
			ad_log(AD_LOG_WARN, "site '%s' cannot use binding 'http/%s': site '%s' "
					    "already uses it", s->name, b->text, other->name);
			continue;
		}
		if (k)
			ah_map_put(seen, k, (void *)s);
		ad_msg_begin(&m, AD_R_BINDING);
		ad_msg_u32(&m, s->id);
		ad_msg_str(&m, b->ip);
		ad_msg_u16(&m, (uint16_t)b->port);
		ad_msg_str(&m, b->host);
		ad_router_send(d, &m, -1);
	}
	for (size_t j = 0; j < s->napps; j++) {
		ad_msg_begin(&m, AD_R_APP);
		ad_msg_u32(&m, s->id);
		ad_msg_str(&m, s->apps[j].path);
		ad_msg_str(&m, s->apps[j].pool);
		ad_router_send(d, &m, -1);
	}
}

void ad_router_send_table(ad_daemon *d)
{
	if (d->router.fd < 0 || !d->model)
		return;
	ad_msg m;
	ad_msg_begin(&m, AD_R_TABLE_BEGIN);
	ad_msg_u32(&m, ++d->generation);
	ad_msg_u32(&m, d->model->header_wait_ms);
	ad_router_send(d, &m, -1);
	for (ad_pool *p = d->pools; p; p = p->next) {
		ad_msg_begin(&m, AD_R_POOL);
		ad_msg_str(&m, p->name);
		ad_msg_u32(&m, p->def ? p->def->queue_len : 1000);
		ad_msg_u8(&m, p->state == AD_STARTED);
		ad_router_send(d, &m, -1);
	}
	ah_map seen;
	ah_map_init(&seen, true);
	ah_arena *a = ah_arena_new();
	for (size_t i = 0; i < d->model->nsites && a; i++)
		send_site(d, &d->model->sites[i], &seen, a);
	ah_map_free(&seen);
	ah_arena_free(a);
	ad_msg_begin(&m, AD_R_TABLE_END);
	ad_router_send(d, &m, -1);
}

static void handle(ad_daemon *d, const uint8_t *buf, size_t len)
{
	char name[4096];
	ad_rd rd;
	if (len < 2 || buf[0] != AD_PROTO_VERSION)
		goto bad;
	ad_rd_init(&rd, buf + 2, len - 2);
	if (buf[1] == AD_R_WORKER_BAD) {
		uint32_t id = ad_rd_u32(&rd);
		if (!ad_rd_done(&rd))
			goto bad;
		ad_worker_bad(d, id);
		return;
	}
	ad_rd_str(&rd, name, sizeof(name));
	if (!ad_rd_done(&rd))
		goto bad;
	if (buf[1] == AD_R_DEMAND) {
		ad_pool *p = ad_pool_find(d, name);
		if (p && d->stopping) /* no new worker once stopping: 503 */
			ad_router_pool_msg(d, AD_R_START_FAILED, p);
		else if (p)
			ad_pool_demand(d, p);
		return;
	}
	if (buf[1] == AD_R_UNLISTENED) {
		ad_listeners_unlistened(d, name);
		return;
	}
bad:
	ad_log(AD_LOG_ERR, "malformed message from the router; it is restarted");
	if (d->router_pid > 0)
		kill(d->router_pid, SIGKILL);
}

void ad_router_event(ad_daemon *d)
{
	uint8_t buf[AD_MSG_MAX];
	for (int i = 0; i < 64 && d->router.fd >= 0; i++) {
		int fd;
		ssize_t n = ad_recv(d->router.fd, buf, sizeof(buf), &fd, MSG_DONTWAIT);
		if (n == -EAGAIN)
			return;
		if (fd >= 0)
			close(fd);
		if (n <= 0 || fd >= 0) {
			/* closed, or an fd where none belongs: the router is replaced */
			epoll_ctl(d->ep, EPOLL_CTL_DEL, d->router.fd, NULL);
			close(d->router.fd);
			d->router.fd = -1;
			if (d->router_pid > 0)
				kill(d->router_pid, SIGKILL);
			return;
		}
		handle(d, buf, (size_t)n);
	}
}
