/*
 * The logon broker (see broker.h): apphostd's side (starting and restarting
 * the broker, a logon pair per worker) and the broker process's loop.
 *
 * The broker serves every worker's channel from one epoll set, one request
 * per ready channel per round so that a busy worker cannot starve the
 * others, and runs PAM serially (ad_logon_check_from, without PAM's
 * failure delay). Whatever a worker sends is decoded by
 * ad_logon_decode_check alone; a malformed packet, a descriptor sent along
 * or an answer that cannot be sent at once closes that worker's channel
 * for good (its Basic requests get 500 until it is recycled; a restarted
 * broker does not get it back), and the broker goes on serving the others. The password is wiped from
 * every buffer after use.
 */
#include "broker.h"

#include "common/log.h"
#include "common/logonmsg.h"
#include "daemon.h"
#include "logon.h"
#include "spawn.h"
#include "util/alloc.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define RESTART_DELAY_MS 1000
#define RETRY_DELAY_MS 5000

/* apphostd's copy of the broker's end of one worker's logon pair */
typedef struct ad_logon_end {
	int kind; /* AD_K_LOGON */
	int fd;
	bool sent;   /* the current broker has it */
	bool warned; /* a failed send was logged */
	struct ad_logon_end *next;
} ad_logon_end;

/* ---- apphostd's side ---- */

/* Give the broker a worker's end. A send that fails (the broker's channel
 * is full) is tried again at each turn of the timers (ad_broker_timers). */
static void send_end(ad_daemon *d, ad_logon_end *e)
{
	ad_msg m;
	ad_msg_begin(&m, AD_L_CHANNEL);
	int rc = ad_send(d->broker.fd, m.b, m.len, e->fd, MSG_DONTWAIT);
	e->sent = rc == 0;
	if (rc < 0 && !e->warned)
		ad_log(AD_LOG_WARN, "cannot give a worker's logon channel to the logon broker: %s "
				    "(tried again)",
		       strerror(-rc));
	e->warned = rc < 0;
}

int ad_broker_start(ad_daemon *d)
{
	if (!d->is_root)
		return 0;
	if (!d->broker.on) {
		d->broker.on = true;
		d->broker.pid = -1;
		d->broker.fd = -1;
	}
	int sp[2];
	if (socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sp) < 0) {
		int rc = -errno;
		ad_log(AD_LOG_ERR, "cannot start the logon broker: %s", strerror(errno));
		d->broker.restart_at_ms = d->now_ms + RETRY_DELAY_MS;
		return rc;
	}
	const char *set[] = {"APPHOST_BROKER_FD=3"};
	char **env = ad_env_build(set, 1, true);
	/* a fresh exec of apphostd itself, even if its file was replaced */
	char *argv[] = {"apphostd", "--logon-broker", d->foreground ? "-f" : NULL, NULL};
	static const ad_creds stay = {.change = false}; /* root: it reads /etc/shadow */
	ad_spawn s = {.path = "/proc/self/exe", .argv = argv, .envp = env, .fds = &sp[1],
		      .nfds = 1, .creds = &stay};
	pid_t pid = -1;
	int rc = env ? ad_spawn_run(&s, &pid) : -ENOMEM;
	ad_env_free(env);
	close(sp[1]);
	if (rc < 0) {
		ad_log(AD_LOG_ERR, "cannot start the logon broker: %s", strerror(-rc));
		close(sp[0]);
		d->broker.restart_at_ms = d->now_ms + RETRY_DELAY_MS;
		return rc;
	}
	d->broker.pid = pid;
	d->broker.fd = sp[0];
	ad_log(AD_LOG_INFO, "logon broker started (pid %ld)", (long)pid);
	for (ad_logon_end *e = d->broker.ends; e; e = e->next)
		send_end(d, e);
	return 0;
}

void ad_broker_exited(ad_daemon *d)
{
	if (d->broker.fd >= 0)
		close(d->broker.fd);
	d->broker.fd = -1;
	d->broker.pid = -1;
	if (!d->stopping) {
		ad_log(AD_LOG_ERR, "the logon broker exited; it is started again");
		d->broker.restart_at_ms = d->now_ms + RESTART_DELAY_MS;
	}
}

void ad_broker_timers(ad_daemon *d)
{
	if (d->broker.on && d->broker.fd >= 0 && !d->stopping) {
		for (ad_logon_end *e = d->broker.ends; e; e = e->next) {
			if (e->sent)
				continue;
			send_end(d, e);
			if (!e->sent)
				break; /* still full: next time */
		}
	}
	if (!d->broker.on || d->broker.pid > 0 || !d->broker.restart_at_ms || d->stopping ||
	    d->now_ms < d->broker.restart_at_ms)
		return;
	d->broker.restart_at_ms = 0;
	ad_broker_start(d); /* again later when it fails */
}

static void end_free(ad_daemon *d, ad_logon_end *e)
{
	for (ad_logon_end **pe = &d->broker.ends; *pe; pe = &(*pe)->next) {
		if (*pe == e) {
			*pe = e->next;
			break;
		}
	}
	epoll_ctl(d->ep, EPOLL_CTL_DEL, e->fd, NULL);
	close(e->fd);
	ah_free(e);
}

void ad_broker_stop(ad_daemon *d)
{
	if (!d->broker.on)
		return;
	while (d->broker.ends)
		end_free(d, d->broker.ends);
	if (d->broker.fd >= 0)
		close(d->broker.fd); /* the broker exits at end of stream */
	d->broker.fd = -1;
	if (d->broker.pid > 0)
		ad_child_stop(d->broker.pid, "logon broker");
	d->broker.pid = -1;
}

int ad_broker_worker_end(ad_daemon *d)
{
	if (!d->broker.on)
		return -1;
	int sp[2];
	if (socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sp) < 0) {
		ad_log(AD_LOG_ERR, "logon channel: socketpair: %s", strerror(errno));
		return -1;
	}
	ad_logon_end *e = ah_calloc(1, sizeof(*e));
	/* no events asked: EPOLLHUP alone, when the worker's end is closed */
	if (!e || ad_epoll(d, EPOLL_CTL_ADD, sp[0], 0, e) < 0) {
		ah_free(e);
		close(sp[0]);
		close(sp[1]);
		return -1;
	}
	e->kind = AD_K_LOGON;
	e->fd = sp[0];
	e->next = d->broker.ends;
	d->broker.ends = e;
	if (d->broker.fd >= 0)
		send_end(d, e);
	return sp[1];
}

void ad_broker_event(ad_daemon *d, void *obj)
{
	end_free(d, obj);
}

/* ---- the broker process ---- */

/*
 * After a refused password a worker's channel is not read for FAIL_DELAY_MS
 * (its answer goes at once): what pam_unix's failure delay does for a
 * process of its own, without holding up the other workers' checks, so that
 * a pool's code or its clients cannot guess passwords at full speed.
 */
#define FAIL_DELAY_MS 2000
#define MAX_PAUSED 4096

static struct paused {
	int fd;
	uint64_t until_ms;
} paused[MAX_PAUSED];
static size_t npaused;

static uint64_t mono_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

static void unpause(size_t i)
{
	paused[i] = paused[--npaused];
}

static void pause_channel(int ep, int fd)
{
	struct epoll_event ev = {.events = 0, .data.fd = fd}; /* hang-ups only */
	if (npaused == MAX_PAUSED || epoll_ctl(ep, EPOLL_CTL_MOD, fd, &ev) < 0)
		return;
	paused[npaused].fd = fd;
	paused[npaused].until_ms = mono_ms() + FAIL_DELAY_MS;
	npaused++;
}

/* Read again the channels whose delay is over; the wait until the next. */
static int resume_channels(int ep)
{
	uint64_t now = mono_ms();
	long wait = -1;
	for (size_t i = 0; i < npaused;) {
		if (paused[i].until_ms <= now) {
			struct epoll_event ev = {.events = EPOLLIN, .data.fd = paused[i].fd};
			epoll_ctl(ep, EPOLL_CTL_MOD, paused[i].fd, &ev);
			unpause(i);
			continue;
		}
		long left = (long)(paused[i].until_ms - now);
		if (wait < 0 || left < wait)
			wait = left;
		i++;
	}
	return (int)wait;
}

/* Close a worker's channel for good: shut down first, since apphostd keeps a
 * copy of this end (the worker sees end of stream, apphostd a hang-up). */
static void drop(int ep, int fd)
{
	for (size_t i = 0; i < npaused; i++)
		if (paused[i].fd == fd) {
			unpause(i);
			break;
		}
	shutdown(fd, SHUT_RDWR);
	epoll_ctl(ep, EPOLL_CTL_DEL, fd, NULL);
	close(fd);
}

/* apphostd's channel: workers' ends arrive. -1 when apphostd is gone. */
static int channel_event(int ep, int chan)
{
	for (int i = 0; i < 64; i++) {
		uint8_t buf[16];
		int fd;
		ssize_t n = ad_recv(chan, buf, sizeof(buf), &fd, MSG_DONTWAIT);
		if (n == -EAGAIN)
			return 0;
		if (n == 0 || (n < 0 && n != -EBADMSG))
			return -1;
		struct epoll_event ev = {.events = EPOLLIN, .data.fd = fd};
		if (n == 2 && buf[0] == AD_PROTO_VERSION && buf[1] == AD_L_CHANNEL && fd >= 0 &&
		    epoll_ctl(ep, EPOLL_CTL_ADD, fd, &ev) == 0)
			continue;
		if (n == 2 && buf[0] == AD_PROTO_VERSION && buf[1] == AD_L_CHANNEL && fd >= 0) {
			/* a channel it cannot serve (no descriptor left): the worker
			 * sees end of stream at once rather than waiting 10 s */
			ad_log(AD_LOG_ERR, "logon broker: cannot serve a worker's channel: %s",
			       strerror(errno));
			shutdown(fd, SHUT_RDWR);
		} else {
			ad_log(AD_LOG_ERR, "logon broker: an unexpected message from apphostd");
		}
		if (fd >= 0)
			close(fd);
	}
	return 0;
}

static uint8_t verdict_of(int rc)
{
	return rc == 0 ? AD_LOGON_ACCEPTED : rc == AH_EINVALID ? AD_LOGON_REFUSED : AD_LOGON_ERROR;
}

/* One request of a worker's channel, answered. */
static void serve(int ep, int fd)
{
	uint8_t buf[AD_LOGON_MSG_MAX + 1]; /* one more: a longer packet is truncated */
	ad_logon_req req;
	int extra;
	ssize_t n = ad_recv(fd, buf, sizeof(buf), &extra, MSG_DONTWAIT);
	if (n == -EAGAIN)
		return;
	if (extra >= 0)
		ad_fd_discard(extra);
	int rc = n > 0 && extra < 0 ? ad_logon_decode_check(&req, buf, (size_t)n) : -EBADMSG;
	explicit_bzero(buf, sizeof(buf));
	if (rc < 0) {
		if (n != 0) /* end of stream: the worker is gone */
			ad_log(AD_LOG_WARN, "logon broker: a malformed request; that worker's "
					    "logon channel is closed");
		drop(ep, fd);
		return;
	}
	rc = ad_logon_check_from(req.user, req.password, req.rhost[0] ? req.rhost : NULL);
	uint32_t id = req.id;
	explicit_bzero(&req, sizeof(req));
	ad_msg m;
	ad_logon_encode_result(&m, id, verdict_of(rc));
	if (ad_send(fd, m.b, m.len, -1, MSG_DONTWAIT) < 0)
		drop(ep, fd); /* it does not read its answers: it is not served */
	else if (rc == AH_EINVALID)
		pause_channel(ep, fd);
}

int ad_broker_main(int argc, char **argv)
{
	bool fg = argc > 2 && strcmp(argv[2], "-f") == 0;
	ad_log_init("apphostd", !fg);
	const char *v = getenv("APPHOST_BROKER_FD");
	char *end = NULL;
	long chan = v ? strtol(v, &end, 10) : -1;
	if (!v || *end || chan < 3 || chan > 1 << 20 || fcntl((int)chan, F_SETFD, FD_CLOEXEC) < 0) {
		ad_log(AD_LOG_ERR, "logon broker: no channel (APPHOST_BROKER_FD); apphostd starts "
				   "it");
		return 2;
	}
	signal(SIGPIPE, SIG_IGN);
	/* one descriptor per worker: as many as the hard limit allows */
	struct rlimit rl;
	if (getrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_cur < rl.rlim_max) {
		rl.rlim_cur = rl.rlim_max;
		setrlimit(RLIMIT_NOFILE, &rl);
	}
	int ep = epoll_create1(EPOLL_CLOEXEC);
	struct epoll_event ev = {.events = EPOLLIN, .data.fd = (int)chan};
	if (ep < 0 || epoll_ctl(ep, EPOLL_CTL_ADD, (int)chan, &ev) < 0)
		return 1;
	for (;;) {
		struct epoll_event evs[64];
		int n = epoll_wait(ep, evs, 64, resume_channels(ep));
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return 1;
		for (int i = 0; i < n; i++) {
			if (evs[i].data.fd != (int)chan)
				serve(ep, evs[i].data.fd);
			else if (channel_event(ep, (int)chan) < 0)
				return 0; /* apphostd is gone */
		}
	}
}
