/*
 * apphostd: the activation service (IIS's WAS + W3SVC, and the owner of
 * HTTP.sys's sockets). docs/apphostd.md says how to run it; docs/server.md
 * fixes its interfaces.
 *
 *   apphostd [-f] [--config-dir DIR] [--run-dir DIR] [--worker PATH]
 *            [--router PATH] [-v]
 *
 * Start-up: read the configuration (the engine), bind every binding's
 * socket, start the unprivileged router with them, write each pool's
 * isolated configuration, start the AlwaysRunning pools, open the control
 * socket, watch the configuration; then say ready (systemd, or the parent
 * of the daemon mode). SIGTERM or SIGINT: the listening sockets close, workers
 * are asked to shut down (killed after their shutdownTimeLimit), then the
 * router stops. SIGHUP:
 * reload the configuration now.
 */
#include "daemon.h"

#include "broker.h"
#include "common/log.h"
#include "ident.h"
#include "util/alloc.h"
#include "util/buf.h"
#include "util/fs.h"
#include "util/str.h"

#include <errno.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/signalfd.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#ifndef AH_INSTALL_PREFIX
#define AH_INSTALL_PREFIX "/usr/local"
#endif

uint64_t ad_now_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000u + (uint64_t)ts.tv_nsec / 1000000u;
}

int ad_epoll(ad_daemon *d, int op, int fd, uint32_t events, void *obj)
{
	struct epoll_event ev = {.events = events, .data.ptr = obj};
	return epoll_ctl(d->ep, op, fd, &ev);
}

char *ad_run_path(const ad_daemon *d, const char *rel)
{
	ah_buf b = AH_BUF_INIT;
	ah_buf_printf(&b, "%s/%s", d->run_dir, rel);
	return ah_buf_oom(&b) ? NULL : ah_buf_detach(&b);
}

static void usage(FILE *f)
{
	fprintf(f, "usage: apphostd [-f] [--config-dir DIR] [--run-dir DIR] [--worker PATH]\n"
		   "                [--router PATH] [-v]\n"
		   "  -f              stay in the foreground and log to stderr\n"
		   "  --config-dir    the configuration folder ($APPHOST_CONFIG_DIR, "
		   "/etc/apphost)\n"
		   "  --run-dir       the runtime folder ($APPHOST_RUN_DIR, /run/apphost)\n"
		   "  --worker        the worker program ($APPHOST_WORKER, apphost-worker)\n"
		   "  --router        the router program ($APPHOST_ROUTER, apphost-router)\n"
		   "  -v              log debug messages too\n");
}

/* A helper program: given, else from the environment, else beside apphostd,
 * else installed. NULL when none is executable. */
static const char *find_program(const char *given, const char *env, const char *name)
{
	if (given)
		return given;
	const char *e = getenv(env);
	if (e && *e)
		return e;
	static char buf[2][PATH_MAX];
	static int slot;
	char *out = buf[slot++ % 2];
	char self[PATH_MAX];
	ssize_t n = readlink("/proc/self/exe", self, sizeof(self) - 1);
	if (n > 0) {
		self[n] = '\0';
		char *slash = strrchr(self, '/');
		if (slash) {
			*slash = '\0';
			int w = snprintf(out, PATH_MAX, "%s/%s", self, name);
			if (w > 0 && w < PATH_MAX && access(out, X_OK) == 0)
				return out;
		}
	}
	static const char *dirs[] = {"sbin", "bin", "libexec/apphost"};
	for (int i = 0; i < 3; i++) {
		int w = snprintf(out, PATH_MAX, "%s/%s/%s", AH_INSTALL_PREFIX, dirs[i], name);
		if (w > 0 && w < PATH_MAX && access(out, X_OK) == 0)
			return out;
	}
	return NULL;
}

static int parse_args(ad_daemon *d, int argc, char **argv)
{
	const char *config_dir = NULL;
	for (int i = 1; i < argc; i++) {
		const char *a = argv[i];
		const char **slot = NULL;
		if (strcmp(a, "-f") == 0) {
			d->foreground = true;
		} else if (strcmp(a, "-v") == 0) {
			ad_log_set_level(AD_LOG_DEBUG);
		} else if (strcmp(a, "-h") == 0 || strcmp(a, "--help") == 0) {
			usage(stdout);
			exit(0);
		} else if (strcmp(a, "--config-dir") == 0) {
			slot = &config_dir;
		} else if (strcmp(a, "--run-dir") == 0) {
			slot = &d->run_dir;
		} else if (strcmp(a, "--worker") == 0) {
			slot = &d->worker_path;
		} else if (strcmp(a, "--router") == 0) {
			slot = &d->router_path;
		} else {
			usage(stderr);
			return -1;
		}
		if (slot) {
			if (i + 1 >= argc) {
				usage(stderr);
				return -1;
			}
			*slot = argv[++i];
		}
	}
	const char *env = getenv("APPHOST_CONFIG_DIR");
	d->cfg_opts.config_dir = config_dir ? config_dir : env && *env ? env : "/etc/apphost";
	env = getenv("APPHOST_RUN_DIR");
	if (!d->run_dir)
		d->run_dir = env && *env ? env : "/run/apphost";
	d->router_path = find_program(d->router_path, "APPHOST_ROUTER", "apphost-router");
	d->worker_path = find_program(d->worker_path, "APPHOST_WORKER", "apphost-worker");
	/* tests: idleTimeout and periodicRestart/@time count in minutes (their
	 * schema's granularity); this makes their minute shorter
	 * (docs/apphostd.md, "Lifecycle") */
	uint64_t minute;
	env = getenv("APPHOSTD_MINUTE_MS");
	d->minute_ms = env && ah_parse_u64(env, &minute) && minute >= 100 && minute <= 60000
			       ? (uint32_t)minute
			       : 60000;
	if (!d->router_path) {
		fprintf(stderr, "apphostd: apphost-router not found (--router PATH)\n");
		return -1;
	}
	return 0;
}

static int signals_open(ad_daemon *d)
{
	sigset_t set;
	sigemptyset(&set);
	sigaddset(&set, SIGCHLD);
	sigaddset(&set, SIGTERM);
	sigaddset(&set, SIGINT);
	sigaddset(&set, SIGHUP);
	signal(SIGPIPE, SIG_IGN);
	if (sigprocmask(SIG_BLOCK, &set, NULL) < 0)
		return -errno;
	d->sig.fd = signalfd(-1, &set, SFD_NONBLOCK | SFD_CLOEXEC);
	if (d->sig.fd < 0 || ad_epoll(d, EPOLL_CTL_ADD, d->sig.fd, EPOLLIN, &d->sig) < 0)
		return -errno;
	return 0;
}

static void reap(ad_daemon *d)
{
	for (;;) {
		/* seen first, reaped after: an exited worker's pid (its process
		 * group's id) stays its own while what is left of its group is
		 * killed */
		siginfo_t si;
		memset(&si, 0, sizeof(si));
		if (waitid(P_ALL, 0, &si, WEXITED | WNOHANG | WNOWAIT) < 0 || si.si_pid <= 0)
			return;
		ad_worker *w = ad_worker_by_pid(d, si.si_pid);
		if (w)
			ad_worker_kill(w);
		int status;
		pid_t pid = waitpid(si.si_pid, &status, WNOHANG);
		if (pid <= 0)
			return;
		if (pid == d->router_pid) {
			ad_router_exited(d);
			continue;
		}
		if (d->broker.on && pid == d->broker.pid) {
			ad_broker_exited(d);
			continue;
		}
		if (w)
			ad_worker_exited(d, w, status);
	}
}

static void signal_event(ad_daemon *d)
{
	struct signalfd_siginfo si;
	while (read(d->sig.fd, &si, sizeof(si)) == (ssize_t)sizeof(si)) {
		switch (si.ssi_signo) {
		case SIGCHLD:
			reap(d);
			break;
		case SIGHUP:
			ad_log(AD_LOG_INFO, "SIGHUP: reloading the configuration");
			d->reload_at_ms = d->now_ms;
			break;
		default:
			if (!d->stopping)
				ad_log(AD_LOG_INFO, "stopping");
			d->stopping = true;
			break;
		}
	}
}

static void dispatch(ad_daemon *d, struct epoll_event *ev)
{
	switch (*(int *)ev->data.ptr) {
	case AD_K_SIGNAL:
		signal_event(d);
		break;
	case AD_K_WATCH:
		ad_watch_event(d);
		break;
	case AD_K_CONTROL:
		ad_control_accept(d);
		break;
	case AD_K_CLIENT:
		ad_client_event(d, ev->data.ptr);
		break;
	case AD_K_ROUTER:
		ad_router_event(d);
		break;
	case AD_K_WORKER:
		ad_worker_event(d, ev->data.ptr, ev->events);
		break;
	case AD_K_LOGON:
		ad_broker_event(d, ev->data.ptr);
		break;
	}
}

static void timers(ad_daemon *d)
{
	if (d->reload_at_ms && d->now_ms >= d->reload_at_ms && !d->stopping)
		ad_reload(d);
	if (d->router_pid <= 0 && d->router_restart_at_ms && d->now_ms >= d->router_restart_at_ms &&
	    !d->stopping) {
		d->router_restart_at_ms = 0;
		if (ad_router_start(d) < 0)
			d->router_restart_at_ms = d->now_ms + 5000;
	}
	ad_workers_timers(d);
	ad_control_timers(d);
	ad_broker_timers(d);
}

/* One round of events; the worker objects freed meanwhile are never touched
 * after (they are freed only on SIGCHLD, handled first in its own round). */
static void run_once(ad_daemon *d, int timeout_ms)
{
	struct epoll_event evs[64];
	int n = epoll_wait(d->ep, evs, 64, timeout_ms);
	d->now_ms = ad_now_ms();
	bool sig = false;
	for (int i = 0; i < n; i++)
		if (*(int *)evs[i].data.ptr == AD_K_SIGNAL)
			sig = true;
	for (int i = 0; i < n && !sig; i++)
		dispatch(d, &evs[i]);
	if (sig)
		signal_event(d);
	timers(d);
}

static void shut_down(ad_daemon *d)
{
	ad_service_notify("STOPPING=1");
	ad_control_stop(d);
	ad_listeners_close_all(d);
	ad_workers_stop_all(d);
	uint64_t limit = 0;
	for (ad_worker *w = d->workers; w; w = w->next)
		if (w->deadline_ms > limit)
			limit = w->deadline_ms;
	while (d->workers && ad_now_ms() < limit + 1000)
		run_once(d, 100);
	for (ad_worker *w = d->workers; w; w = w->next)
		ad_worker_kill(w);
	while (d->workers)
		run_once(d, 100);
	if (d->router.fd >= 0)
		close(d->router.fd); /* the router exits at end of stream */
	d->router.fd = -1;
	if (d->router_pid > 0)
		ad_child_stop(d->router_pid, "router");
	d->router_pid = -1;
	ad_broker_stop(d);
	ad_log(AD_LOG_INFO, "stopped");
}

static int prepare_run_dir(ad_daemon *d)
{
	if (ah_fs_mkdirs(d->run_dir) < 0 || chmod(d->run_dir, 0755) < 0) {
		ad_log(AD_LOG_ERR, "cannot create the run folder %s: %s", d->run_dir, strerror(errno));
		return -1;
	}
	return 0;
}

int main(int argc, char **argv)
{
	if (argc > 1 && strcmp(argv[1], "--logon-broker") == 0)
		return ad_broker_main(argc, argv); /* broker.h: started by apphostd */
	static ad_daemon daemon_state;
	ad_daemon *d = &daemon_state;
	d->ep = d->sig.fd = d->watch.fd = d->control.fd = d->router.fd = -1;
	d->sig.kind = AD_K_SIGNAL;
	d->watch.kind = AD_K_WATCH;
	d->control.kind = AD_K_CONTROL;
	d->router.kind = AD_K_ROUTER;
	d->router_pid = -1;
	if (parse_args(d, argc, argv) < 0)
		return 2;
	int ready_fd = -1;
	ad_log_init("apphostd", !d->foreground);
	if (!d->foreground && ad_service_daemonize(&ready_fd) < 0)
		return 1;
	d->is_root = geteuid() == 0;
	if (!d->is_root)
		ad_log(AD_LOG_WARN, "apphostd is not running as root: the router and every "
				    "worker run as uid %u, without isolation between pools, "
				    "and LocalService pools keep their network access (their "
				    "own network namespace needs root)",
		       (unsigned)geteuid());
	if (!d->worker_path)
		ad_log(AD_LOG_WARN, "apphost-worker not found: application pools cannot start "
				    "(--worker PATH)");
	d->now_ms = ad_now_ms();
	d->ep = epoll_create1(EPOLL_CLOEXEC);
	if (d->ep < 0 || prepare_run_dir(d) < 0 || ad_service_lock(d) < 0 || signals_open(d) < 0)
		return 1;
	if (ad_load(d, &d->model) < 0)
		return 1;
	ad_router_creds(&d->router_creds, d->is_root);
	ad_broker_start(d);
	ad_apply_model(d, true);
	if (d->router_pid <= 0 || ad_control_start(d) < 0)
		return 1;
	ad_watch_start(d);
	ad_log(AD_LOG_INFO, "ready: %zu sites, %zu application pools, configuration %s",
	       d->model->nsites, d->model->npools, d->apphost_path);
	ad_service_ready(ready_fd);
	while (!d->stopping)
		run_once(d, d->reload_at_ms ? 20 : 500);
	shut_down(d);
	ad_model_free(d->model);
	ah_free(d->apphost_path);
	return 0;
}
