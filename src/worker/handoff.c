/*
 * Router mode: the connections the router hands over, and the worker
 * channel with apphostd (docs/server.md, "Processes and their channels").
 *
 * Connection handoff (APPHOST_CONN_FD, SOCK_SEQPACKET): one packet per
 * connection, the connection's socket in SCM_RIGHTS, and
 *
 *   0  u8  version = 1
 *   1  u8  flags: bit0 TLS (later), bit1 the client is local (loopback)
 *   2  u16 app path length
 *   4  u32 site id
 *   8  u16 peer address length      ("127.0.0.1:51234", "[::1]:51234")
 *   10 u16 local address length
 *   12 u32 head length              (at most 65536)
 *   16 app path, peer address, local address, then the head bytes
 *
 * little-endian. Every loop waits on the channel (EPOLLEXCLUSIVE); a packet
 * is read whole by one of them, which adopts the connection with the bytes
 * the router already read. A malformed packet or the end of the channel
 * stops the worker (SIGTERM to itself: the graceful stop). A stopping worker
 * keeps reading the channel until its end (the router closes it once it
 * hands nothing more over): the connections already queued in the socket
 * buffer are served too.
 *
 * A stopping worker gives its keep-alive connections back to the router
 * between requests (with the bytes of a next request already read), so
 * that a recycle or an idle shutdown never closes a connection under a
 * client that may be sending its next request: the router routes that
 * request to the pool's next worker. Giving back works while the router
 * reads its end, also after it shut its sending side (the channel's end).
 *
 * Worker channel (APPHOST_WORKER_FD): packets of a version and a type: the
 * worker sends READY (1) once its loops run, and PONG (2) for PING (16)
 * with its statistics: u32 requests begun since it started, u32 requests in
 * progress, u32 milliseconds since the last request began or ended (little-
 * endian); SHUTDOWN (17) and RECYCLE (18) stop it gracefully;
 * CONFIG_CHANGED (19) needs nothing (the loops watch the pool's
 * configuration file). The main thread serves the channel, so a PING is
 * answered however busy the loops are.
 */
#include "worker/worker.h"

#include <errno.h>
#include <signal.h>
#include <stdatomic.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#define HDR 16
#define STR_MAX 4096
#define HEAD_MAX 65536

/* The channel ended (or broke): seen by one loop, for all of them. */
static atomic_bool channel_done;
/* Giving back failed: the router no longer reads the channel. */
static atomic_bool back_broken;

/* The statistics of PONG. */
static atomic_uint stat_requests, stat_active;
static atomic_uint_least64_t stat_last_ms, started_ms;

static uint64_t mono_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

void wk_stats_start(void)
{
	atomic_store(&started_ms, mono_ms());
}

void wk_stats_begin(void)
{
	atomic_fetch_add(&stat_requests, 1);
	atomic_fetch_add(&stat_active, 1);
	atomic_store(&stat_last_ms, mono_ms());
}

void wk_stats_end(void)
{
	atomic_fetch_sub(&stat_active, 1);
	atomic_store(&stat_last_ms, mono_ms());
}

static uint16_t get16(const uint8_t *p)
{
	return (uint16_t)(p[0] | p[1] << 8);
}

static uint32_t get32(const uint8_t *p)
{
	return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

size_t wk_handoff_max(void)
{
	return HDR + 3 * STR_MAX + HEAD_MAX;
}

static int parse_addr(wk_addr *out, const uint8_t *s, size_t n)
{
	char buf[80];
	if (n == 0 || n >= sizeof(buf))
		return AH_EINVALID;
	memcpy(buf, s, n);
	buf[n] = '\0';
	return wk_addr_parse(out, buf);
}

/* One packet: 1 adopted, 0 nothing waiting, AH_EIO the channel is unusable. */
static int read_one(wk_loop *l)
{
	uint8_t *buf = l->handoff_buf;
	struct iovec iov = {.iov_base = buf, .iov_len = wk_handoff_max()};
	union {
		struct cmsghdr h;
		char b[CMSG_SPACE(sizeof(int) * 4)];
	} ctl;
	struct msghdr msg = {.msg_iov = &iov,
	                     .msg_iovlen = 1,
	                     .msg_control = ctl.b,
	                     .msg_controllen = sizeof(ctl.b)};
	ssize_t n = recvmsg(l->srv->handoff_fd, &msg, MSG_DONTWAIT | MSG_CMSG_CLOEXEC);
	if (n < 0)
		return errno == EAGAIN || errno == EINTR ? 0 : AH_EIO;
	int fds[4], nfds = 0;
	for (struct cmsghdr *c = CMSG_FIRSTHDR(&msg); c; c = CMSG_NXTHDR(&msg, c)) {
		if (c->cmsg_level != SOL_SOCKET || c->cmsg_type != SCM_RIGHTS)
			continue;
		size_t k = (c->cmsg_len - CMSG_LEN(0)) / sizeof(int);
		for (size_t i = 0; i < k && nfds < 4; i++)
			memcpy(&fds[nfds++], CMSG_DATA(c) + i * sizeof(int), sizeof(int));
	}
	if (n == 0 && nfds == 0)
		return AH_EIO; /* the router closed the channel */
	bool bad =
	    nfds != 1 || (msg.msg_flags & (MSG_TRUNC | MSG_CTRUNC)) || n < HDR || buf[0] != 1;
	size_t app = 0, peer = 0, local = 0, head = 0;
	if (!bad) {
		app = get16(buf + 2);
		peer = get16(buf + 8);
		local = get16(buf + 10);
		head = get32(buf + 12);
		bad = app > STR_MAX || peer > STR_MAX || local > STR_MAX || head > HEAD_MAX ||
		      HDR + app + peer + local + head != (size_t)n;
	}
	wk_addr la, pa;
	const uint8_t *p = buf + HDR + app;
	if (!bad)
		bad = parse_addr(&pa, p, peer) < 0 || parse_addr(&la, p + peer, local) < 0;
	if (bad) {
		for (int i = 0; i < nfds; i++)
			close(fds[i]);
		wk_log("malformed connection handoff from the router");
		return AH_EIO;
	}
	(void)get32(buf + 4); /* site id: the worker maps the request itself */
	wk_conn_adopt_from(l, fds[0], (const char *)p + peer + local, head, &la, &pa);
	return 1;
}

static void put16(uint8_t *p, size_t v)
{
	p[0] = (uint8_t)v;
	p[1] = (uint8_t)(v >> 8);
}

static void put32(uint8_t *p, size_t v)
{
	for (int i = 0; i < 4; i++)
		p[i] = (uint8_t)(v >> (8 * i));
}

int wk_handoff_give_back(wk_loop *l, int fd, const wk_addr *local, const wk_addr *peer,
                         const char *bytes, size_t len, bool again)
{
	char pa[80], la[80];
	wk_addr_format(pa, sizeof(pa), peer);
	wk_addr_format(la, sizeof(la), local);
	size_t pl = strlen(pa), ll = strlen(la);
	if (len > HEAD_MAX || atomic_load(&back_broken))
		return AH_EINVALID;
	uint8_t *buf = l->handoff_buf;
	buf[0] = 1;
	buf[1] = l->stopping || again ? 4 : 0; /* AGAIN: the pool's (next) worker may take it */
	put16(buf + 2, 1);            /* app path "/": the router routes again */
	put32(buf + 4, 0);
	put16(buf + 8, pl);
	put16(buf + 10, ll);
	put32(buf + 12, len);
	uint8_t *p = buf + HDR;
	p[0] = '/';
	memcpy(p + 1, pa, pl);
	memcpy(p + 1 + pl, la, ll);
	memcpy(p + 1 + pl + ll, bytes, len);
	struct iovec iov = {.iov_base = buf, .iov_len = HDR + 1 + pl + ll + len};
	union {
		struct cmsghdr h;
		char b[CMSG_SPACE(sizeof(int))];
	} ctl;
	memset(&ctl, 0, sizeof(ctl));
	struct msghdr msg = {.msg_iov = &iov,
	                     .msg_iovlen = 1,
	                     .msg_control = ctl.b,
	                     .msg_controllen = sizeof(ctl.b)};
	struct cmsghdr *c = CMSG_FIRSTHDR(&msg);
	c->cmsg_level = SOL_SOCKET;
	c->cmsg_type = SCM_RIGHTS;
	c->cmsg_len = CMSG_LEN(sizeof(int));
	memcpy(CMSG_DATA(c), &fd, sizeof(int));
	ssize_t n;
	do
		n = sendmsg(l->srv->handoff_fd, &msg, MSG_NOSIGNAL | MSG_DONTWAIT);
	while (n < 0 && errno == EINTR);
	if (n < 0 && errno != EAGAIN && errno != ENOBUFS)
		atomic_store(&back_broken, true);
	return n < 0 ? AH_EIO : 0;
}

bool wk_handoff_done(void)
{
	return atomic_load(&channel_done);
}

void wk_handoff_read(wk_loop *l)
{
	for (int i = 0; i < 64; i++) {
		int rc = atomic_load(&channel_done) ? AH_EIO : read_one(l);
		if (rc == 0)
			return;
		if (rc < 0) {
			/* the worker cannot get connections any more: stop it */
			atomic_store(&channel_done, true);
			wk_loop_forget_handoff(l);
			if (!l->stopping)
				kill(getpid(), SIGTERM);
			return;
		}
	}
}

int wk_chan_send(int fd, uint8_t type)
{
	uint8_t m[2] = {1, type};
	ssize_t n;
	do
		n = send(fd, m, sizeof(m), MSG_NOSIGNAL);
	while (n < 0 && errno == EINTR);
	return n == (ssize_t)sizeof(m) ? 0 : AH_EIO;
}

static void put32_at(uint8_t *p, uint32_t v)
{
	for (int i = 0; i < 4; i++)
		p[i] = (uint8_t)(v >> (8 * i));
}

int wk_chan_pong(int fd)
{
	uint8_t m[14] = {1, WK_CHAN_PONG};
	uint64_t last = atomic_load(&stat_last_ms), now = mono_ms();
	uint64_t idle = last && now > last ? now - last : 0;
	if (!last) /* no request yet: idle since the worker started */
		idle = now - atomic_load(&started_ms);
	put32_at(m + 2, atomic_load(&stat_requests));
	put32_at(m + 6, atomic_load(&stat_active));
	put32_at(m + 10, idle > UINT32_MAX ? UINT32_MAX : (uint32_t)idle);
	ssize_t n;
	do
		n = send(fd, m, sizeof(m), MSG_NOSIGNAL);
	while (n < 0 && errno == EINTR);
	return n == (ssize_t)sizeof(m) ? 0 : AH_EIO;
}

int wk_chan_read(int fd)
{
	uint8_t m[16];
	ssize_t n;
	do
		n = recv(fd, m, sizeof(m), MSG_DONTWAIT);
	while (n < 0 && errno == EINTR);
	if (n < 0 && errno == EAGAIN)
		return 0;
	if (n != 2 || m[0] != 1)
		return -1; /* apphostd is gone, or garbage: stop */
	return m[1];
}
