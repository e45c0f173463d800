/*
 * A stand-in for apphost-worker in the activator tests: it speaks the
 * worker side of docs/server.md (the worker channel and the connection
 * handoff) and answers every request with a plain-text description of what
 * it was given, so that the tests can see which pool, site and application
 * a request reached, under which uid, and with which isolated config file.
 *
 *   fake_worker -ap POOL -h CONFIG [-v VERSION]
 *
 * FAKE_WORKER_READY_DELAY_MS (one of the pool's environmentVariables) delays
 * READY, to test the queue of a pool whose worker is starting.
 *
 * FAKE_WORKER_MISBEHAVE makes it break the protocol once it said READY, to
 * test that apphostd and the router hold out (tests/activator/robust.sh):
 *   garbage    3 bytes of garbage on its handoff end (fd 4)
 *   oversized  a 64-byte packet on its worker channel (fd 3)
 *   pongflood  PONGs no PING asked for, as fast as they go
 *   again      every connection given back at once, flag AGAIN set
 *   ownsocket  200 sockets of its own given back as connections
 *   leftover   in a session of its own, a chain of 12 processes that exec
 *              apphostd (FAKE_WORKER_APPHOSTD), each the parent of the
 *              next, the last the parent of sleep 1000: all left behind
 *              when the worker exits
 * With FAKE_WORKER_ONCE=PATH only the worker that creates PATH misbehaves
 * (the pool's next worker behaves).
 *
 * Each connection is served by a child process. Keep-alive is honoured; a
 * next request on the connection whose Host differs from the first is
 * given back to the router with the bytes read, as the real worker does
 * for a request that belongs to another pool.
 */
#include "common/proto.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>

static const char *pool = "?", *config = "?";
static int conn_chan = -1;

static int env_fd(const char *name)
{
	const char *v = getenv(name);
	return v ? (int)strtol(v, NULL, 10) : -1;
}

/* The value of header `name` in head (case-insensitive), copied to out. */
static void header(const char *head, const char *name, char *out, size_t cap)
{
	out[0] = '\0';
	size_t n = strlen(name);
	for (const char *p = strstr(head, "\r\n"); p; p = strstr(p + 2, "\r\n")) {
		const char *l = p + 2;
		if (strncasecmp(l, name, n) == 0 && l[n] == ':') {
			l += n + 1;
			while (*l == ' ')
				l++;
			size_t k = strcspn(l, "\r");
			if (k >= cap)
				k = cap - 1;
			memcpy(out, l, k);
			out[k] = '\0';
			return;
		}
	}
}

/* Read until the head is complete; returns its length or -1. */
static ssize_t read_head(int fd, char *buf, size_t cap, size_t *len)
{
	for (;;) {
		buf[*len] = '\0';
		char *e = strstr(buf, "\r\n\r\n");
		if (e)
			return e - buf + 4;
		if (*len + 1 >= cap)
			return -1;
		ssize_t n = recv(fd, buf + *len, cap - 1 - *len, 0);
		if (n <= 0)
			return -1;
		*len += (size_t)n;
	}
}

static const char *misbehave = "";

static void give_back_flags(int fd, const char *bytes, size_t len, uint8_t flags)
{
	static uint8_t msg[AD_HANDOFF_MAX];
	ad_handoff h = {.flags = flags, .app_path = "/", .app_len = 1, .peer = "", .local = "",
			.head = (const uint8_t *)bytes, .head_len = len};
	size_t n = ad_handoff_encode(msg, sizeof(msg), &h);
	if (n)
		ad_send(conn_chan, msg, n, fd, 0);
}

static void give_back(int fd, const char *bytes, size_t len)
{
	give_back_flags(fd, bytes, len, 0);
}

/* FAKE_WORKER_MISBEHAVE, right after READY. */
static void misbehave_now(int wfd)
{
	if (strcmp(misbehave, "garbage") == 0) {
		if (write(conn_chan, "bad", 3) != 3)
			exit(1);
	} else if (strcmp(misbehave, "oversized") == 0) {
		uint8_t big[64] = {AD_PROTO_VERSION, AD_W_PONG};
		ad_send(wfd, big, sizeof(big), -1, 0);
	} else if (strcmp(misbehave, "pongflood") == 0) {
		uint8_t pong[14] = {AD_PROTO_VERSION, AD_W_PONG};
		while (ad_send(wfd, pong, sizeof(pong), -1, 0) == 0)
			;
		exit(0);
	} else if (strcmp(misbehave, "ownsocket") == 0) {
		static const char req[] = "GET / HTTP/1.1\r\nHost: own.test\r\n\r\n";
		for (int i = 0; i < 200; i++) {
			int sp[2];
			if (socketpair(AF_UNIX, SOCK_STREAM, 0, sp) < 0)
				break;
			give_back(sp[0], req, sizeof(req) - 1);
			close(sp[0]);
			close(sp[1]);
		}
	} else if (strcmp(misbehave, "leftover") == 0 && fork() == 0) {
		setsid();
		for (int level = 0; level < 12; level++) {
			if (fork() == 0)
				continue; /* the child: the next level */
			/* a pipe that never ends: the broker's loop waits on it */
			int p[2];
			if (pipe(p) < 0 || dup2(p[0], 3) < 0)
				_exit(127);
			setenv("APPHOST_BROKER_FD", "3", 1);
			const char *prog = getenv("FAKE_WORKER_APPHOSTD");
			execl(prog ? prog : "/nonexistent", "apphostd", "--logon-broker",
			      (char *)NULL);
			_exit(127);
		}
		execlp("sleep", "sleep", "1000", (char *)NULL);
		_exit(127);
	}
}

static void serve(int fd, const ad_handoff *h)
{
	static char buf[65536];
	size_t len = h->head_len < sizeof(buf) - 1 ? h->head_len : sizeof(buf) - 1;
	memcpy(buf, h->head, len);
	struct timeval tv = {3, 0};
	setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
	int fl = fcntl(fd, F_GETFL); /* connections arrive non-blocking */
	fcntl(fd, F_SETFL, fl & ~O_NONBLOCK);
	char first_host[256] = "";
	for (int nreq = 0;; nreq++) {
		ssize_t hl = read_head(fd, buf, sizeof(buf), &len);
		if (hl < 0)
			return;
		char host[256], conn[64], path[1024] = "";
		header(buf, "Host", host, sizeof(host));
		header(buf, "Connection", conn, sizeof(conn));
		char *colon = strchr(host, ':');
		if (colon)
			*colon = '\0';
		if (nreq == 0) {
			snprintf(first_host, sizeof(first_host), "%s", host);
		} else if (strcasecmp(host, first_host) != 0) {
			give_back(fd, buf, len);
			return;
		}
		sscanf(buf, "%*s %1023s", path);
		int readable = access(config, R_OK) == 0;
		char body[4096];
		int bn = snprintf(body, sizeof(body),
				  "pool=%s\nsite=%u\napp=%.*s\nhost=%s\npath=%s\nuid=%u\ngid=%u\n"
				  "peer=%.*s\nlocal=%.*s\nflags=%u\nconfig=%s\nreadable=%s\n",
				  pool, h->site_id, (int)h->app_len, h->app_path, host, path,
				  (unsigned)getuid(), (unsigned)getgid(), (int)h->peer_len, h->peer,
				  (int)h->local_len, h->local, h->flags, config,
				  readable ? "yes" : "no");
		bool close_after = strcasecmp(conn, "close") == 0;
		char resp[8192];
		int rn = snprintf(resp, sizeof(resp),
				  "HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\n"
				  "Content-Length: %d\r\nConnection: %s\r\n\r\n%s",
				  bn, close_after ? "close" : "keep-alive", body);
		if (send(fd, resp, (size_t)rn, MSG_NOSIGNAL) != rn || close_after)
			return;
		/* keep what follows the head (a pipelined request) */
		memmove(buf, buf + hl, len - (size_t)hl);
		len -= (size_t)hl;
	}
}

static void take_connection(void)
{
	static uint8_t msg[AD_HANDOFF_MAX];
	int fd;
	ssize_t n = ad_recv(conn_chan, msg, sizeof(msg), &fd, 0);
	if (n <= 0)
		exit(0); /* the router closed our channel: nothing more will come */
	ad_handoff h;
	if (fd < 0 || ad_handoff_decode(&h, msg, (size_t)n) < 0) {
		fprintf(stderr, "fake_worker: malformed handoff\n");
		exit(1);
	}
	if (strcmp(misbehave, "again") == 0) {
		give_back_flags(fd, (const char *)h.head, h.head_len, AD_HANDOFF_AGAIN);
		close(fd);
		return;
	}
	pid_t pid = fork();
	if (pid == 0) {
		serve(fd, &h);
		_exit(0);
	}
	close(fd);
}

int main(int argc, char **argv)
{
	for (int i = 1; i + 1 < argc; i += 2) {
		if (strcmp(argv[i], "-ap") == 0)
			pool = argv[i + 1];
		else if (strcmp(argv[i], "-h") == 0)
			config = argv[i + 1];
	}
	int wfd = env_fd("APPHOST_WORKER_FD");
	conn_chan = env_fd("APPHOST_CONN_FD");
	if (wfd < 0 || conn_chan < 0 || !getenv("APP_POOL_ID") ||
	    strcmp(getenv("APP_POOL_ID"), pool) != 0) {
		fprintf(stderr, "fake_worker: not started by apphostd\n");
		return 2;
	}
	struct sigaction sa = {.sa_handler = SIG_IGN, .sa_flags = SA_NOCLDWAIT};
	sigaction(SIGCHLD, &sa, NULL);
	const char *delay = getenv("FAKE_WORKER_READY_DELAY_MS");
	if (delay)
		usleep((useconds_t)strtoul(delay, NULL, 10) * 1000);
	uint8_t ready[2] = {AD_PROTO_VERSION, AD_W_READY};
	if (ad_send(wfd, ready, 2, -1, 0) < 0)
		return 1;
	const char *mis = getenv("FAKE_WORKER_MISBEHAVE"), *once = getenv("FAKE_WORKER_ONCE");
	if (mis && (!once || open(once, O_CREAT | O_EXCL | O_WRONLY | O_CLOEXEC, 0666) >= 0)) {
		misbehave = mis;
		misbehave_now(wfd);
	}
	bool draining = false;
	for (;;) {
		if (draining) {
			take_connection(); /* until the router closes the channel */
			continue;
		}
		struct pollfd p[2] = {{wfd, POLLIN, 0}, {conn_chan, POLLIN, 0}};
		if (poll(p, 2, -1) < 0) {
			if (errno == EINTR)
				continue;
			return 1;
		}
		if (p[1].revents)
			take_connection();
		if (p[0].revents) {
			uint8_t m[16];
			int fd;
			ssize_t n = ad_recv(wfd, m, sizeof(m), &fd, 0);
			if (n <= 0)
				return 0;
			if (n == 2 && m[1] == AD_W_PING) {
				/* statistics: nothing served, never idle */
				uint8_t pong[14] = {AD_PROTO_VERSION, AD_W_PONG};
				ad_send(wfd, pong, sizeof(pong), -1, 0);
			} else if (n == 2 && (m[1] == AD_W_SHUTDOWN || m[1] == AD_W_RECYCLE)) {
				draining = true;
			}
		}
	}
}
