/*
 * The activator tests' client: HTTP requests on loopback, raw bytes, and
 * the control socket.
 *
 *   actool get ADDR PORT HOST PATH        one request (Connection: close);
 *                                         prints the whole response
 *   actool raw ADDR PORT [SECONDS]        sends stdin as is, prints what comes
 *                                         back until the server closes; then
 *                                         "closed after N s" on stderr
 *   actool keepalive ADDR PORT HOST1 HOST2 PATH [FILE]
 *                                         two requests on one connection; with
 *                                         FILE, the second once FILE exists
 *                                         (the first response is printed
 *                                         before: the caller acts in between)
 *   actool ctl SOCKET LINE                one control request; prints the answer
 *   actool freeport                       a free TCP port (see cmd_freeport)
 *   actool wait ADDR PORT SECONDS         waits until the port accepts
 *   actool peer PID FD HEX SECONDS        sends the bytes HEX as one packet on
 *                                         a copy of process PID's socket FD
 *                                         (pidfd_getfd), then prints the
 *                                         answer ("reply HEX"), "closed" or
 *                                         "timeout"
 */
#include <arpa/inet.h>
#include <errno.h>
#include <netdb.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

static int dial(const char *addr, const char *port)
{
	struct addrinfo hints = {.ai_socktype = SOCK_STREAM, .ai_flags = AI_NUMERICHOST};
	struct addrinfo *ai;
	if (getaddrinfo(addr, port, &hints, &ai) != 0)
		return -1;
	int fd = socket(ai->ai_family, SOCK_STREAM, 0);
	if (fd >= 0 && connect(fd, ai->ai_addr, ai->ai_addrlen) < 0) {
		close(fd);
		fd = -1;
	}
	freeaddrinfo(ai);
	return fd;
}

static double now(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* Print what the server sends until it closes (or timeout seconds). */
static int drain(int fd, double timeout)
{
	char buf[8192];
	double start = now();
	for (;;) {
		double left = timeout - (now() - start);
		if (left <= 0)
			return 1;
		struct pollfd p = {fd, POLLIN, 0};
		if (poll(&p, 1, (int)(left * 1000) + 1) <= 0)
			continue;
		ssize_t n = recv(fd, buf, sizeof(buf), 0);
		if (n <= 0)
			return 0;
		fwrite(buf, 1, (size_t)n, stdout);
	}
}

static int send_all(int fd, const char *p, size_t n)
{
	while (n) {
		ssize_t w = send(fd, p, n, MSG_NOSIGNAL);
		if (w <= 0)
			return -1;
		p += w;
		n -= (size_t)w;
	}
	return 0;
}

static int cmd_get(char **a)
{
	int fd = dial(a[0], a[1]);
	if (fd < 0) {
		perror("connect");
		return 1;
	}
	char req[4096];
	int n = snprintf(req, sizeof(req), "GET %s HTTP/1.1\r\nHost: %s\r\nConnection: close\r\n\r\n",
			 a[3], a[2]);
	if (send_all(fd, req, (size_t)n) < 0)
		return 1;
	int rc = drain(fd, 10);
	close(fd);
	return rc;
}

static int cmd_raw(char **a, int n)
{
	int fd = dial(a[0], a[1]);
	if (fd < 0) {
		perror("connect");
		return 1;
	}
	double timeout = n > 2 ? strtod(a[2], NULL) : 10;
	char buf[65536];
	size_t len = fread(buf, 1, sizeof(buf), stdin);
	double start = now();
	if (len && send_all(fd, buf, len) < 0)
		return 1;
	int rc = drain(fd, timeout);
	fprintf(stderr, rc ? "still open after %.1f s\n" : "closed after %.1f s\n", now() - start);
	close(fd);
	return rc;
}

/* Read one response whose body has a Content-Length. */
static int one_response(int fd)
{
	char buf[65536];
	size_t len = 0;
	for (;;) {
		ssize_t n = recv(fd, buf + len, sizeof(buf) - 1 - len, 0);
		if (n <= 0)
			return -1;
		len += (size_t)n;
		buf[len] = '\0';
		char *e = strstr(buf, "\r\n\r\n");
		char *cl = strstr(buf, "Content-Length: ");
		if (e && cl && len >= (size_t)(e - buf) + 4 + strtoul(cl + 16, NULL, 10))
			break;
	}
	fwrite(buf, 1, len, stdout);
	return 0;
}

static int cmd_keepalive(char **a, int argc)
{
	int fd = dial(a[0], a[1]);
	if (fd < 0)
		return 1;
	char req[4096];
	int n = snprintf(req, sizeof(req), "GET %s HTTP/1.1\r\nHost: %s\r\n\r\n", a[4], a[2]);
	if (send_all(fd, req, (size_t)n) < 0 || one_response(fd) < 0)
		return 1;
	if (argc > 5) {
		fflush(stdout);
		double start = now();
		while (access(a[5], F_OK) < 0) {
			if (now() - start > 30) {
				fprintf(stderr, "%s did not appear\n", a[5]);
				return 1;
			}
			usleep(20000);
		}
	}
	n = snprintf(req, sizeof(req), "GET %s HTTP/1.1\r\nHost: %s\r\nConnection: close\r\n\r\n",
		     a[4], a[3]);
	if (send_all(fd, req, (size_t)n) < 0)
		return 1;
	printf("\n----\n");
	return drain(fd, 10);
}

static int cmd_ctl(char **a)
{
	struct sockaddr_un sa = {.sun_family = AF_UNIX};
	snprintf(sa.sun_path, sizeof(sa.sun_path), "%s", a[0]);
	int fd = socket(AF_UNIX, SOCK_STREAM, 0);
	if (fd < 0 || connect(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0) {
		perror("connect");
		return 1;
	}
	char line[4096];
	int n = snprintf(line, sizeof(line), "%s\n", a[1]);
	if (send_all(fd, line, (size_t)n) < 0)
		return 1;
	shutdown(fd, SHUT_WR); /* as appcmd does */
	return drain(fd, 10);
}

/* Whether port can be bound on addr now (no SO_REUSEADDR: any user conflicts). */
static int bindable(int family, const void *addr, unsigned port)
{
	int fd = socket(family, SOCK_STREAM, 0);
	if (fd < 0)
		return family == AF_INET6; /* no IPv6 here: nothing to conflict with */
	int ok;
	if (family == AF_INET) {
		struct sockaddr_in a4 = {.sin_family = AF_INET, .sin_port = htons((uint16_t)port)};
		memcpy(&a4.sin_addr, addr, 4);
		ok = bind(fd, (struct sockaddr *)&a4, sizeof(a4)) == 0;
	} else {
		int off = 0;
		setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &off, sizeof(off));
		struct sockaddr_in6 a6 = {.sin6_family = AF_INET6, .sin6_port = htons((uint16_t)port)};
		memcpy(&a6.sin6_addr, addr, 16);
		ok = bind(fd, (struct sockaddr *)&a6, sizeof(a6)) == 0;
	}
	close(fd);
	return ok;
}

/*
 * A port for a test's bindings: random in 20000-32767, below the kernel's
 * ephemeral range (so no client connection holds it), and free on
 * 127.0.0.1, ::1 and every address. Tests running at once rarely draw the
 * same one.
 */
static int cmd_freeport(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_REALTIME, &ts);
	srandom((unsigned)ts.tv_nsec ^ (unsigned)getpid() << 16);
	const unsigned char lo4[4] = {127, 0, 0, 1}, any4[4] = {0};
	struct in6_addr lo6 = IN6ADDR_LOOPBACK_INIT, any6 = IN6ADDR_ANY_INIT;
	for (int tries = 0; tries < 200; tries++) {
		unsigned port = 20000 + (unsigned)(random() % 12768);
		if (bindable(AF_INET, lo4, port) && bindable(AF_INET, any4, port) &&
		    bindable(AF_INET6, &lo6, port) && bindable(AF_INET6, &any6, port)) {
			printf("%u\n", port);
			return 0;
		}
	}
	return 1;
}

static int cmd_wait(char **a)
{
	double end = now() + strtod(a[2], NULL);
	while (now() < end) {
		int fd = dial(a[0], a[1]);
		if (fd >= 0) {
			close(fd);
			return 0;
		}
		usleep(20000);
	}
	return 1;
}

static int cmd_peer(char **a)
{
	pid_t pid = (pid_t)strtol(a[0], NULL, 10);
	int target = (int)strtol(a[1], NULL, 10);
	int pidfd = (int)syscall(SYS_pidfd_open, pid, 0);
	int fd = pidfd < 0 ? -1 : (int)syscall(SYS_pidfd_getfd, pidfd, target, 0);
	if (fd < 0) {
		perror("pidfd_getfd");
		return 1;
	}
	unsigned char buf[4096];
	size_t n = 0;
	for (const char *h = a[2]; h[0] && h[1] && n < sizeof(buf); h += 2) {
		unsigned v;
		if (sscanf(h, "%2x", &v) != 1)
			return 2;
		buf[n++] = (unsigned char)v;
	}
	if (send(fd, buf, n, MSG_NOSIGNAL) < 0) {
		printf("closed\n");
		return 0;
	}
	struct pollfd p = {.fd = fd, .events = POLLIN};
	if (poll(&p, 1, (int)(strtod(a[3], NULL) * 1000)) <= 0) {
		printf("timeout\n");
		return 0;
	}
	ssize_t r = recv(fd, buf, sizeof(buf), MSG_DONTWAIT);
	if (r <= 0) {
		printf("closed\n");
		return 0;
	}
	printf("reply ");
	for (ssize_t i = 0; i < r; i++)
		printf("%02x", buf[i]);
	printf("\n");
	return 0;
}

int main(int argc, char **argv)
{
	if (argc >= 6 && strcmp(argv[1], "get") == 0)
		return cmd_get(argv + 2);
	if (argc >= 4 && strcmp(argv[1], "raw") == 0)
		return cmd_raw(argv + 2, argc - 2);
	if (argc >= 7 && strcmp(argv[1], "keepalive") == 0)
		return cmd_keepalive(argv + 2, argc - 2);
	if (argc >= 4 && strcmp(argv[1], "ctl") == 0)
		return cmd_ctl(argv + 2);
	if (argc >= 2 && strcmp(argv[1], "freeport") == 0)
		return cmd_freeport();
	if (argc >= 5 && strcmp(argv[1], "wait") == 0)
		return cmd_wait(argv + 2);
	if (argc >= 6 && strcmp(argv[1], "peer") == 0)
		return cmd_peer(argv + 2);
	fprintf(stderr, "usage: see the top of tests/activator/actool.c\n");
	return 2;
}
