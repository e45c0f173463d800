/*
 * apphost-worker: serves the sites of a configuration (docs/server.md,
 * docs/worker.md).
 *
 *   apphost-worker --listen ADDR:PORT [--config-dir DIR] [--threads N]
 *                  [--shutdown-timeout SECONDS] [--verbose]
 *
 * accepts connections itself and serves every site of DIR's
 * applicationHost.config bound to that port (development and tests). Under
 * apphostd the worker is started as
 *
 *   apphost-worker -ap POOL -h CONFIG [-v VERSION]
 *
 * with the pool's configuration file CONFIG, the worker channel in
 * APPHOST_WORKER_FD and the router's connection handoff channel in
 * APPHOST_CONN_FD (handoff.c).
 *
 * The main thread opens the listening socket (or takes the channels), starts
 * one event loop per core (loop.c) and waits for SIGTERM, SIGINT or, from
 * apphostd, SHUTDOWN or RECYCLE; then it asks every loop to stop gracefully
 * and waits for them.
 */
#include "worker/worker.h"

#include "util/str.h"

#include <errno.h>
#include <netinet/in.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/signalfd.h>
#include <sys/socket.h>
#include <unistd.h>

static void usage(FILE *f)
{
	fputs("usage: apphost-worker --listen ADDR:PORT [--config-dir DIR] [--threads N]\n"
	      "                      [--shutdown-timeout SECONDS] [--verbose]\n"
	      "       apphost-worker -ap POOL -h CONFIG [-v VERSION]   (started by apphostd)\n",
	      f);
}

typedef struct options {
	const char *listen;
	const char *config_dir;
	const char *pool;
	const char *apphost_file;
	unsigned threads;
	uint64_t shutdown_s;
	bool verbose;
} options;

static int parse_args(options *o, int argc, char **argv)
{
	memset(o, 0, sizeof(*o));
	o->shutdown_s = 30;
	for (int i = 1; i < argc; i++) {
		const char *a = argv[i];
		const char *v = i + 1 < argc ? argv[i + 1] : NULL;
		uint64_t n;
		if (strcmp(a, "--verbose") == 0) {
			o->verbose = true;
			continue;
		}
		if (strcmp(a, "--help") == 0) {
			usage(stdout);
			exit(0);
		}
		if (!v) {
			fprintf(stderr, "apphost-worker: %s needs a value\n", a);
			return -1;
		}
		i++;
		if (strcmp(a, "--listen") == 0) {
			o->listen = v;
		} else if (strcmp(a, "--config-dir") == 0) {
			o->config_dir = v;
		} else if (strcmp(a, "-ap") == 0) {
			o->pool = v;
		} else if (strcmp(a, "-h") == 0) {
			o->apphost_file = v;
		} else if (strcmp(a, "-v") == 0) {
			/* IIS's runtime version: no runtime is loaded */
		} else if (strcmp(a, "--threads") == 0 && ah_parse_u64(v, &n) && n >= 1 &&
		           n <= 256) {
			o->threads = (unsigned)n;
		} else if (strcmp(a, "--shutdown-timeout") == 0 && ah_parse_u64(v, &n) &&
		           n <= 86400) {
			o->shutdown_s = n;
		} else {
			fprintf(stderr, "apphost-worker: bad option %s %s\n", a, v);
			return -1;
		}
	}
	return 0;
}

static int open_listener(const char *text, wk_addr *addr)
{
	char buf[128];
	if (strncmp(text, "*:", 2) == 0) {
		snprintf(buf, sizeof(buf), "0.0.0.0%s", text + 1);
		text = buf;
	}
	if (wk_addr_parse(addr, text) < 0) {
		fprintf(stderr, "apphost-worker: --listen %s is not ADDR:PORT\n", text);
		return -1;
	}
	struct sockaddr_storage ss;
	memset(&ss, 0, sizeof(ss));
	socklen_t len;
	if (addr->family == AF_INET) {
		struct sockaddr_in *in = (struct sockaddr_in *)&ss;
		in->sin_family = AF_INET;
		in->sin_port = htons(addr->port);
		memcpy(&in->sin_addr, addr->ip, 4);
		len = sizeof(*in);
	} else {
		struct sockaddr_in6 *in6 = (struct sockaddr_in6 *)&ss;
		in6->sin6_family = AF_INET6;
		in6->sin6_port = htons(addr->port);
		memcpy(&in6->sin6_addr, addr->ip, 16);
		len = sizeof(*in6);
	}
	int fd = socket(addr->family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	int one = 1, zero = 0;
	if (fd < 0 || setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one)) < 0 ||
	    (addr->family == AF_INET6 &&
	     setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &zero, sizeof(zero)) < 0) ||
	    bind(fd, (struct sockaddr *)&ss, len) < 0 || listen(fd, 4096) < 0) {
		fprintf(stderr, "apphost-worker: cannot listen on %s: %s\n", text, strerror(errno));
		if (fd >= 0)
			close(fd);
		return -1;
	}
	return fd;
}

static void report_sites(wk_loop *l, const wk_addr *addr)
{
	wk_sites *s = wk_loop_sites(l);
	if (!s)
		return;
	if (s->err.code) {
		wk_log("the sites cannot be read: %s (%s:%u)", s->err.message,
		       s->err.file ? s->err.file : "", s->err.line);
		return;
	}
	if (!wk_sites_has_port(s, addr->port))
		wk_log("no site has a binding on port %u", addr->port);
}

static int env_fd(const char *name)
{
	const char *v = getenv(name);
	uint64_t n;
	if (!v || !ah_parse_u64(v, &n) || n > 1000000)
		return -1;
	return (int)n;
}

/* Wait for a reason to stop: a signal, or apphostd's SHUTDOWN or RECYCLE. */
static void wait_for_stop(const sigset_t *stop, int chan, bool verbose)
{
	int sfd = signalfd(-1, stop, SFD_CLOEXEC);
	for (;;) {
		struct pollfd p[2] = {{.fd = sfd, .events = POLLIN},
		                      {.fd = chan, .events = POLLIN}};
		int n = poll(p, chan >= 0 ? 2 : 1, -1);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0 || sfd < 0)
			break;
		if (p[0].revents) {
			struct signalfd_siginfo si;
			if (read(sfd, &si, sizeof(si)) == (ssize_t)sizeof(si) && verbose)
				wk_log("signal %u: finishing the requests in progress",
				       si.ssi_signo);
			break;
		}
		if (chan >= 0 && p[1].revents) {
			int t = wk_chan_read(chan);
			if (t == 0 || t == WK_CHAN_CONFIG_CHANGED)
				continue;
			if (t == WK_CHAN_PING) {
				wk_chan_pong(chan);
				continue;
			}
			if (verbose || t < 0)
				wk_log(t < 0 ? "apphostd closed the worker channel: stopping"
				             : "apphostd asks to stop: finishing the requests in "
				               "progress");
			break;
		}
	}
	if (sfd >= 0)
		close(sfd);
}

int main(int argc, char **argv)
{
	options o;
	if (parse_args(&o, argc, argv) < 0) {
		usage(stderr);
		return 2;
	}
	int chan = -1;
	wk_server srv;
	memset(&srv, 0, sizeof(srv));
	srv.listen_fd = srv.handoff_fd = -1;
	wk_stats_start();
	if (!o.listen) {
		srv.handoff_fd = env_fd("APPHOST_CONN_FD");
		chan = env_fd("APPHOST_WORKER_FD");
		srv.apphost_file = o.apphost_file ? o.apphost_file : getenv("APP_POOL_CONFIG");
		if (!o.pool || srv.handoff_fd < 0 || chan < 0 || !srv.apphost_file) {
			fprintf(stderr, "apphost-worker: without --listen, the worker runs under "
			                "apphostd (-ap, -h, APPHOST_CONN_FD, APPHOST_WORKER_FD)\n");
			usage(stderr);
			return 2;
		}
	}
	signal(SIGPIPE, SIG_IGN);
	sigset_t stop;
	sigemptyset(&stop);
	sigaddset(&stop, SIGTERM);
	sigaddset(&stop, SIGINT);
	pthread_sigmask(SIG_BLOCK, &stop, NULL);

	srv.config_dir = o.config_dir;
	srv.verbose = o.verbose;
	srv.shutdown_ms = o.shutdown_s * 1000;
	long cores = sysconf(_SC_NPROCESSORS_ONLN);
	srv.nthreads = o.threads ? o.threads : cores > 0 ? (unsigned)cores : 1;
	if (o.listen && (srv.listen_fd = open_listener(o.listen, &srv.listen_addr)) < 0)
		return 1;

	wk_loop *loops = ah_calloc(srv.nthreads, sizeof(*loops));
	pthread_t *threads = ah_calloc(srv.nthreads, sizeof(*threads));
	if (!loops || !threads)
		return 1;
	for (unsigned i = 0; i < srv.nthreads; i++) {
		if (wk_loop_init(&loops[i], &srv, i) < 0) {
			wk_log("cannot start thread %u", i);
			return 1;
		}
	}
	if (o.listen)
		report_sites(&loops[0], &srv.listen_addr);
	unsigned started = 0;
	for (; started < srv.nthreads; started++)
		if (pthread_create(&threads[started], NULL, wk_loop_main, &loops[started]) != 0)
			break;
	if (o.listen) {
		char where[64];
		wk_addr_format(where, sizeof(where), &srv.listen_addr);
		wk_log("listening on %s (%u threads)", where, started);
	} else {
		wk_log("application pool '%s': serving (%u threads)", o.pool, started);
		if (started == srv.nthreads && wk_chan_send(chan, WK_CHAN_READY) < 0)
			wk_log("cannot tell apphostd that the worker is ready");
	}

	if (started == srv.nthreads)
		wait_for_stop(&stop, chan, srv.verbose);
	/* new connections are refused from now on; the loops finish the others */
	if (srv.listen_fd >= 0)
		shutdown(srv.listen_fd, SHUT_RDWR);
	for (unsigned i = 0; i < started; i++)
		wk_loop_stop(&loops[i]);
	int code = started == srv.nthreads ? 0 : 1;
	for (unsigned i = 0; i < started; i++) {
		pthread_join(threads[i], NULL);
		if (loops[i].exit_code)
			code = loops[i].exit_code;
	}
	for (unsigned i = 0; i < srv.nthreads; i++)
		wk_loop_free(&loops[i]);
	wk_w3c_shutdown(); /* the log lines still buffered */
	if (srv.listen_fd >= 0)
		close(srv.listen_fd);
	ah_free(loops);
	ah_free(threads);
	return code;
}
