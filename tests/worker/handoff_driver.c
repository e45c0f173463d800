/*
 * Plays apphostd and the router for one apphost-worker in router mode
 * (docs/server.md, "Processes and their channels"): starts it with the worker
 * channel (fd 3) and the connection handoff channel (fd 4), waits for READY,
 * answers PING with PONG, hands it a real loopback TCP connection together
 * with the request head "already read", checks the responses the client
 * gets (the handed-over request, then a keep-alive request read by the
 * worker itself), then a connection from a remote client (an address of
 * TEST-NET-1 as the router reports it): its errors get the simple pages,
 * not the detailed ones of local clients (httpErrors' DetailedLocalOnly).
 * Then it sends SHUTDOWN, queues several connections on the handoff channel
 * and shuts its sending side, as the router does, and checks that every
 * queued connection is answered and then given back (flag AGAIN: the
 * worker is stopping) and that the worker exits 0.
 *
 * Usage: handoff_driver WORKER CONFIG PORT
 *   CONFIG: the pool's configuration file (-h); PORT: the port of the
 *   bindings (the local address the router reports).
 * Prints "ok"/"FAIL" lines and "N passed, N failed"; exit 0 when all pass.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static int passed, failed;

static void check(const char *what, int cond)
{
	printf("%s %s\n", cond ? "ok  " : "FAIL", what);
	if (cond)
		passed++;
	else
		failed++;
}

static int wait_readable(int fd, int ms)
{
	struct pollfd p = {.fd = fd, .events = POLLIN};
	return poll(&p, 1, ms) == 1;
}

static int chan_msg(int fd, int ms)
{
	uint8_t m[32];
	if (!wait_readable(fd, ms))
		return -1;
	ssize_t n = recv(fd, m, sizeof(m), 0);
	if (n == 14 && m[0] == 1 && m[1] == 2) /* PONG carries the statistics */
		return 2;
	return n == 2 && m[0] == 1 ? m[1] : -1;
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

/* One handoff packet with fd in SCM_RIGHTS. */
static int hand_over(int chan, int fd, const char *local, const char *peer, const char *head,
                     size_t head_len, int is_local)
{
	static uint8_t buf[16 + 3 * 256 + 8192];
	const char *app = "/";
	size_t al = strlen(app), pl = strlen(peer), ll = strlen(local);
	buf[0] = 1;
	buf[1] = is_local ? 2 : 0; /* bit 1: the client is local */
	put16(buf + 2, al);
	put32(buf + 4, 2);
	put16(buf + 8, pl);
	put16(buf + 10, ll);
	put32(buf + 12, head_len);
	uint8_t *p = buf + 16;
	memcpy(p, app, al);
	memcpy(p + al, peer, pl);
	memcpy(p + al + pl, local, ll);
	memcpy(p + al + pl + ll, head, head_len);
	struct iovec iov = {.iov_base = buf, .iov_len = 16 + al + pl + ll + head_len};
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
	return sendmsg(chan, &msg, 0) < 0 ? -1 : 0;
}

/* Read one response (head and Content-Length body) from fd into buf. */
static size_t read_response(int fd, char *buf, size_t cap)
{
	size_t n = 0;
	while (n + 1 < cap && wait_readable(fd, 3000)) {
		ssize_t r = read(fd, buf + n, cap - n - 1);
		if (r <= 0)
			break;
		n += (size_t)r;
		buf[n] = '\0';
		char *end = strstr(buf, "\r\n\r\n");
		char *cl = strstr(buf, "Content-Length: ");
		if (end && cl && n >= (size_t)(end + 4 - buf) + strtoul(cl + 16, NULL, 10))
			break;
	}
	buf[n] = '\0';
	return n;
}

int main(int argc, char **argv)
{
	if (argc != 4) {
		fprintf(stderr, "usage: handoff_driver WORKER CONFIG PORT\n");
		return 2;
	}
	signal(SIGPIPE, SIG_IGN);
	int wc[2], hc[2];
	if (socketpair(AF_UNIX, SOCK_SEQPACKET, 0, wc) < 0 ||
	    socketpair(AF_UNIX, SOCK_SEQPACKET, 0, hc) < 0)
		return 1;
	pid_t pid = fork();
	if (pid == 0) {
		dup2(wc[1], 3);
		dup2(hc[1], 4);
		for (int fd = 5; fd < 64; fd++)
			close(fd);
		setenv("APPHOST_WORKER_FD", "3", 1);
		setenv("APPHOST_CONN_FD", "4", 1);
		execl(argv[1], argv[1], "-ap", "TestPool", "-h", argv[2], "-v", "v4.0", "--threads",
		      "2", (char *)NULL);
		_exit(127);
	}
	close(wc[1]);
	close(hc[1]);
	check("the worker says READY", chan_msg(wc[0], 5000) == 1);
	uint8_t ping[2] = {1, 16};
	send(wc[0], ping, 2, 0);
	check("PING gets PONG", chan_msg(wc[0], 2000) == 2);

	/* a real TCP connection, its head read "by the router" */
	int ls = socket(AF_INET, SOCK_STREAM, 0);
	struct sockaddr_in sa = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
	socklen_t sl = sizeof(sa);
	bind(ls, (struct sockaddr *)&sa, sizeof(sa));
	listen(ls, 4);
	getsockname(ls, (struct sockaddr *)&sa, &sl);
	int client = socket(AF_INET, SOCK_STREAM, 0);
	connect(client, (struct sockaddr *)&sa, sizeof(sa));
	int server = accept(ls, NULL, NULL);
	const char *req = "GET /hello.txt HTTP/1.1\r\nHost: b.test\r\n\r\n";
	if (write(client, req, strlen(req)) < 0)
		return 1;
	char head[512];
	ssize_t hn = 0;
	if (wait_readable(server, 2000))
		hn = read(server, head, sizeof(head));
	char local[64];
	snprintf(local, sizeof(local), "127.0.0.1:%s", argv[3]);
	check("the connection is handed over",
	      hn > 0 &&
	          hand_over(hc[0], server, local, "127.0.0.1:40000", head, (size_t)hn, 1) == 0);
	close(server);
	static char resp[65536];
	read_response(client, resp, sizeof(resp));
	check("the handed-over request is answered", strncmp(resp, "HTTP/1.1 200 OK", 15) == 0);
	check("by the site of its host", strstr(resp, "site B hello") != NULL);
	req = "GET /missing HTTP/1.1\r\nHost: b.test\r\n\r\n";
	if (write(client, req, strlen(req)) < 0)
		return 1;
	read_response(client, resp, sizeof(resp));
	check("the next request on the connection is read by the worker",
	      strstr(resp, "HTTP Error 404.0") != NULL);
	close(client);

	/* a remote client: the simple error pages */
	client = socket(AF_INET, SOCK_STREAM, 0);
	connect(client, (struct sockaddr *)&sa, sizeof(sa));
	server = accept(ls, NULL, NULL);
	req = "GET /missing.txt HTTP/1.1\r\nHost: a.test\r\n\r\n";
	if (write(client, req, strlen(req)) < 0)
		return 1;
	hn = wait_readable(server, 2000) ? read(server, head, sizeof(head)) : 0;
	check("a remote client's connection is handed over",
	      hn > 0 &&
	          hand_over(hc[0], server, local, "192.0.2.10:40000", head, (size_t)hn, 0) == 0);
	close(server);
	read_response(client, resp, sizeof(resp));
	check("remote: 404.0 gets the simple page",
	      strstr(resp, "HTTP Error 404.0 - Not Found") != NULL);
	check("remote: without the detailed information",
	      strstr(resp, "Detailed Error Information") == NULL);
	req = "GET /broken/f.txt HTTP/1.1\r\nHost: a.test\r\n\r\n";
	if (write(client, req, strlen(req)) < 0)
		return 1;
	read_response(client, resp, sizeof(resp));
	check("remote: a configuration error is a plain 500.19",
	      strstr(resp, "HTTP Error 500.19 - Internal Server Error") != NULL);
	check("remote: without the configuration file and source",
	      strstr(resp, "Config Source") == NULL && strstr(resp, "web.config") == NULL);
	req = "GET /detailed/missing.txt HTTP/1.1\r\nHost: a.test\r\n\r\n";
	if (write(client, req, strlen(req)) < 0)
		return 1;
	read_response(client, resp, sizeof(resp));
	check("remote: errorMode=\"Detailed\" shows the detailed page to everyone",
	      strstr(resp, "Detailed Error Information") != NULL);
	close(client);

	/* connections still in the handoff channel when the worker stops: it
	 * reads the channel until the router closes it, and serves them (they
	 * are handed over once the worker has begun to stop, so none is read
	 * before) */
	enum { NQ = 6 };
	int qc[NQ];
	int handed = 0;
	uint8_t shut[2] = {1, 17};
	send(wc[0], shut, 2, 0);
	struct timespec pause = {0, 300 * 1000 * 1000};
	nanosleep(&pause, NULL);
	for (int i = 0; i < NQ; i++) {
		qc[i] = socket(AF_INET, SOCK_STREAM, 0);
		connect(qc[i], (struct sockaddr *)&sa, sizeof(sa));
		server = accept(ls, NULL, NULL);
		req = "GET /hello.txt HTTP/1.1\r\nHost: b.test\r\n\r\n";
		if (write(qc[i], req, strlen(req)) < 0)
			return 1;
		hn = wait_readable(server, 2000) ? read(server, head, sizeof(head)) : 0;
		if (hn > 0 &&
		    hand_over(hc[0], server, local, "127.0.0.1:40001", head, (size_t)hn, 1) == 0)
			handed++;
		close(server);
	}
	check("several connections are queued for the stopping worker", handed == NQ);
	/* the router shuts its sending side once it hands nothing more over,
	 * and reads what the worker gives back */
	shutdown(hc[0], SHUT_WR);
	int answered = 0, back = 0;
	for (int i = 0; i < NQ; i++) {
		read_response(qc[i], resp, sizeof(resp));
		if (strncmp(resp, "HTTP/1.1 200 OK", 15) == 0 && strstr(resp, "site B hello") &&
		    !strstr(resp, "Connection: close"))
			answered++;
	}
	for (int i = 0; i < NQ && wait_readable(hc[0], 3000); i++) {
		uint8_t pkt[512];
		struct iovec iov = {pkt, sizeof(pkt)};
		union {
			struct cmsghdr h;
			char b[CMSG_SPACE(sizeof(int))];
		} ctl;
		struct msghdr mh = {.msg_iov = &iov, .msg_iovlen = 1, .msg_control = ctl.b,
				    .msg_controllen = sizeof(ctl.b)};
		ssize_t n = recvmsg(hc[0], &mh, 0);
		struct cmsghdr *c = CMSG_FIRSTHDR(&mh);
		if (n >= 16 && pkt[0] == 1 && (pkt[1] & 4) && c && c->cmsg_type == SCM_RIGHTS) {
			int fd;
			memcpy(&fd, CMSG_DATA(c), sizeof(fd));
			close(fd);
			back++;
		}
	}
	for (int i = 0; i < NQ; i++)
		close(qc[i]);
	close(hc[0]);
	check("SHUTDOWN: every queued connection is answered, kept alive", answered == NQ);
	check("SHUTDOWN: and given back to the router after its response (AGAIN)", back == NQ);
	close(ls);

	int status = -1;
	for (int i = 0; i < 100; i++) {
		if (waitpid(pid, &status, WNOHANG) == pid)
			break;
		struct timespec ts = {0, 50 * 1000 * 1000};
		nanosleep(&ts, NULL);
	}
	check("SHUTDOWN: the worker exits 0", WIFEXITED(status) && WEXITSTATUS(status) == 0);
	if (!(WIFEXITED(status)))
		kill(pid, SIGKILL);
	printf("%d passed, %d failed\n", passed, failed);
	return failed ? 1 : 0;
}
