/*
 * Application pools at run time (WAS): their state (Started or Stopped, as
 * appcmd sees it), their workers and their isolated configuration files.
 *
 * A worker starts when the router has requests for a pool without one
 * (OnDemand), or at once for startMode="AlwaysRunning". It gets its worker
 * channel and its end of the connection handoff pair; apphostd keeps the
 * router's end, and gives it to the router when the worker says READY.
 *
 *   stop      the router is told the pool is stopped (its requests get 503)
 *             and the worker is asked to shut down: it finishes what it was
 *             given, then exits; after shutdownTimeLimit it is killed
 *   recycle   a new worker starts beside the old one (overlapped); when it
 *             is ready the router switches to it and the old one shuts down.
 *             With disallowOverlappingRotation, the old one stops first
 *   crash     logged (IIS event 5009); connections waiting for a worker that
 *             never became ready get 503; an AlwaysRunning pool gets a new
 *             worker a second later
 */
#include "daemon.h"

#include "broker.h"
#include "common/log.h"
#include "isolate.h"
#include "logon.h"
#include "spawn.h"
#include "util/alloc.h"
#include "util/buf.h"
#include "util/fs.h"
#include "util/str.h"

#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#define RESTART_DELAY_MS 1000
#define HANDOFF_BUF (1 << 20) /* connections in flight to a worker, before queueing */

ad_pool *ad_pool_find(ad_daemon *d, const char *name)
{
	for (ad_pool *p = d->pools; p; p = p->next)
		if (ah_strcaseeq(p->name, name))
			return p;
	return NULL;
}

ad_worker *ad_worker_by_pid(ad_daemon *d, pid_t pid)
{
	for (ad_worker *w = d->workers; w; w = w->next)
		if (w->pid == pid)
			return w;
	return NULL;
}

static void send_worker(ad_worker *w, int type)
{
	uint8_t m[2] = {AD_PROTO_VERSION, (uint8_t)type};
	if (w->chan >= 0)
		ad_send(w->chan, m, sizeof(m), -1, MSG_DONTWAIT);
}

static int mkdir_private(const char *dir)
{
	if (ah_fs_mkdirs(dir) < 0 || chmod(dir, 0711) < 0)
		return AH_EIO;
	return 0;
}

/*
 * The pool's own folder: its worker may read it (and so watch it with
 * inotify) but not write it; nobody else may enter it. As root: owned by
 * the worker's user, mode 0500 (root writes regardless). Otherwise 0700.
 */
static int pool_dir(const char *dir, const ad_creds *c)
{
	if (ah_fs_mkdirs(dir) < 0)
		return AH_EIO;
	if (c->change && chown(dir, c->uid, c->gid) < 0)
		return AH_EIO;
	return chmod(dir, c->change ? 0500 : 0700) < 0 ? AH_EIO : 0;
}

/*
 * The W3C log folders of the sites the pool serves (<directory>/W3SVC<id>),
 * made with its configuration file (before its worker starts, and at each
 * configuration change) so that the worker can write its logs as its own
 * user: the folders above as root makes them (0755), the site's own owned
 * by the worker's user, mode 0750. A site whose applications run in several
 * pools gets the user of its root application's pool; a pool of its other
 * applications only creates the folder when it is missing.
 */
static void make_log_dirs(ad_daemon *d, ad_pool *p)
{
	for (size_t i = 0; d->model && i < d->model->nsites; i++) {
		const ad_site *s = &d->model->sites[i];
		if (!s->log_dir || !ad_model_site_uses_pool(s, p->name))
			continue;
		const ad_app *root = ad_model_app(s, "/");
		bool owner = !root || ah_strcaseeq(root->pool, p->name);
		struct stat st;
		if (!owner && stat(s->log_dir, &st) == 0)
			continue;
		if (ah_fs_mkdirs(s->log_dir) < 0 ||
		    (p->creds.change && chown(s->log_dir, p->creds.uid, p->creds.gid) < 0) ||
		    chmod(s->log_dir, 0750) < 0)
			ad_log(AD_LOG_WARN, "application pool '%s': cannot prepare the log folder "
					    "'%s' of site '%s': %s",
			       p->name, s->log_dir, s->name, strerror(errno));
	}
}

/*
 * <pool>.routes beside the isolated file: what the router routes by, for
 * every site, so that the worker knows a kept-alive request for another
 * pool and gives its connection back (src/worker/route.c):
 *   b <site id> <bindingInformation>
 *   a <site id> <1: the pool's application, 0: another's> <path>
 */
static void routes_path(ah_buf *path, const ad_pool *p)
{
	const char *dot = strrchr(p->config_path, '.');
	int n = dot ? (int)(dot - p->config_path) : (int)strlen(p->config_path);
	ah_buf_printf(path, "%.*s.routes", n, p->config_path);
}

static int write_routes(ad_daemon *d, ad_pool *p)
{
	ah_buf b = AH_BUF_INIT;
	for (size_t i = 0; d->model && i < d->model->nsites; i++) {
		const ad_site *s = &d->model->sites[i];
		for (size_t k = 0; k < s->nbindings; k++)
			ah_buf_printf(&b, "b %u %s\n", (unsigned)s->id, s->bindings[k].text);
		for (size_t k = 0; k < s->napps; k++)
			ah_buf_printf(&b, "a %u %d %s\n", (unsigned)s->id,
				      ah_strcaseeq(s->apps[k].pool, p->name) ? 1 : 0,
				      s->apps[k].path);
	}
	ah_buf path = AH_BUF_INIT;
	routes_path(&path, p);
	bool changed = false;
	int rc = ah_buf_oom(&b) || ah_buf_oom(&path) ? AH_ENOMEM
		 : ad_isolate_write(ah_buf_cstr(&path), b.len ? ah_buf_cstr(&b) : "", b.len,
				    p->creds.change, p->creds.uid, p->creds.gid, &changed);
	ah_buf_free(&b);
	ah_buf_free(&path);
	return rc;
}

int ad_pool_write_config(ad_daemon *d, ad_pool *p)
{
	char *src = d->src, *out = NULL;
	size_t len = d->src_len, outlen;
	int rc = src ? 0 : ah_fs_read(&src, &len, NULL, d->apphost_path);
	if (rc == 0)
		rc = ad_isolate_render(&out, &outlen, src, len, d->model, p->name);
	if (src != d->src)
		ah_free(src);
	char *dir = NULL, *top = ad_run_path(d, "apppools");
	if (rc == 0) {
		dir = ah_strdup(p->config_path);
		char *slash = dir ? strrchr(dir, '/') : NULL;
		if (!top || !slash)
			rc = AH_ENOMEM;
		else
			*slash = '\0';
	}
	if (rc == 0)
		rc = mkdir_private(top);
	if (rc == 0)
		rc = pool_dir(dir, &p->creds);
	bool changed = false;
	if (rc == 0)
		rc = ad_isolate_write(p->config_path, out, outlen, p->creds.change, p->creds.uid,
				      p->creds.gid, &changed);
	ah_free(out);
	ah_free(dir);
	ah_free(top);
	if (rc < 0) {
		ad_log(AD_LOG_ERR, "failed to generate the application pool config file for "
				   "application pool '%s' (%s)",
		       p->name, p->config_path);
		return rc;
	}
	make_log_dirs(d, p);
	if (write_routes(d, p) < 0)
		ad_log(AD_LOG_WARN, "application pool '%s': cannot write its routes file",
		       p->name);
	if (changed && p->worker && p->worker->ready)
		send_worker(p->worker, AD_W_CONFIG_CHANGED);
	return 0;
}

static void worker_free(ad_daemon *d, ad_worker *w)
{
	for (ad_worker **pw = &d->workers; *pw; pw = &(*pw)->next) {
		if (*pw == w) {
			*pw = w->next;
			break;
		}
	}
	if (w->chan >= 0) {
		epoll_ctl(d->ep, EPOLL_CTL_DEL, w->chan, NULL);
		close(w->chan);
	}
	if (w->router_end >= 0)
		close(w->router_end);
	ah_free(w->pool_name);
	ah_free(w);
}

static ad_worker *spawn_worker(ad_daemon *d, ad_pool *p)
{
	if (p->def && ad_pool_logon(p->def, &p->creds, &d->cfg_opts) < 0) {
		ad_pool_stop(d, p); /* IIS event 5057: the identity is invalid */
		return NULL;
	}
	if (!d->worker_path) {
		ad_log(AD_LOG_ERR, "application pool '%s': no worker program (apphost-worker)",
		       p->name);
		return NULL;
	}
	if (ad_pool_write_config(d, p) < 0)
		return NULL;
	int wc[2] = {-1, -1}, hc[2] = {-1, -1};
	if (socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, wc) < 0 ||
	    socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, hc) < 0) {
		ad_log(AD_LOG_ERR, "application pool '%s': socketpair: %s", p->name, strerror(errno));
		goto fail;
	}
	int big = HANDOFF_BUF;
	if (setsockopt(hc[0], SOL_SOCKET, SO_SNDBUFFORCE, &big, sizeof(big)) < 0)
		setsockopt(hc[0], SOL_SOCKET, SO_SNDBUF, &big, sizeof(big));
	int lf = ad_broker_worker_end(d); /* the logon broker's channel, as root (broker.h) */
	ah_buf id = AH_BUF_INIT, cfg = AH_BUF_INIT, dir = AH_BUF_INIT;
	ah_buf_printf(&id, "APP_POOL_ID=%s", p->name);
	ah_buf_printf(&cfg, "APP_POOL_CONFIG=%s", p->config_path);
	ah_buf_printf(&dir, "APPHOST_CONFIG_DIR=%s", d->cfg_opts.config_dir);
	const char *set[] = {ah_buf_cstr(&id), ah_buf_cstr(&cfg), ah_buf_cstr(&dir),
			     "APPHOST_WORKER_FD=3", "APPHOST_CONN_FD=4", "APPHOST_LOGON_FD=5"};
	bool oom = ah_buf_oom(&id) || ah_buf_oom(&cfg) || ah_buf_oom(&dir);
	char **env = oom ? NULL : ad_env_build(set, lf >= 0 ? 6 : 5);
	const char *ver = p->def && *p->def->runtime_version ? p->def->runtime_version : NULL;
	char *argv[] = {(char *)d->worker_path, "-ap", p->name, "-h", p->config_path,
			ver ? "-v" : NULL, (char *)ver, NULL};
	int fds[3] = {wc[1], hc[1], lf};
	ad_spawn s = {.path = d->worker_path, .argv = argv, .envp = env, .fds = fds,
		      .nfds = lf >= 0 ? 3 : 2, .creds = &p->creds};
	pid_t pid = -1;
	int rc = env ? ad_spawn_run(&s, &pid) : -ENOMEM;
	ad_env_free(env);
	ah_buf_free(&id);
	ah_buf_free(&cfg);
	ah_buf_free(&dir);
	close(wc[1]);
	close(hc[1]);
	if (lf >= 0)
		close(lf);
	wc[1] = hc[1] = -1;
	if (rc < 0) {
		ad_log(AD_LOG_ERR, "application pool '%s': cannot start %s: %s", p->name,
		       d->worker_path, strerror(-rc));
		goto fail;
	}
	ad_worker *w = ah_calloc(1, sizeof(*w));
	if (!w) {
		kill(pid, SIGKILL);
		goto fail;
	}
	w->kind = AD_K_WORKER;
	w->pid = pid;
	w->pool = p;
	w->pool_name = ah_strdup(p->name);
	w->chan = wc[0];
	w->router_end = hc[0];
	w->deadline_ms = d->now_ms + (p->def ? p->def->startup_ms : 90000);
	w->next = d->workers;
	d->workers = w;
	if (ad_epoll(d, EPOLL_CTL_ADD, w->chan, EPOLLIN, w) < 0) {
		kill(pid, SIGKILL);
		w->chan = -1;
		close(wc[0]);
	}
	ad_log(AD_LOG_INFO, "application pool '%s': worker process %ld started (uid %u)", p->name,
	       (long)pid, (unsigned)(p->creds.change ? p->creds.uid : geteuid()));
	return w;
fail:
	for (int i = 0; i < 2; i++) {
		if (wc[i] >= 0)
			close(wc[i]);
		if (hc[i] >= 0)
			close(hc[i]);
	}
	return NULL;
}

/* Ask w to finish and exit; the router stops using it if it still does. */
static void worker_stop(ad_daemon *d, ad_worker *w, int type)
{
	if (w->stopping)
		return;
	w->stopping = true;
	ad_pool *p = w->pool;
	if (p && p->worker == w) {
		p->worker = NULL;
		if (w->ready)
			ad_router_pool_msg(d, AD_R_WORKER_GONE, p);
	}
	send_worker(w, type);
	if (w->router_end >= 0) {
		close(w->router_end);
		w->router_end = -1;
	}
	w->deadline_ms = d->now_ms + (p && p->def ? p->def->shutdown_ms : 90000);
}

void ad_pool_demand(ad_daemon *d, ad_pool *p)
{
	if (p->state != AD_STARTED) {
		ad_router_pool_msg(d, AD_R_START_FAILED, p);
		return;
	}
	if (p->worker) {
		if (p->worker->ready) /* the router lost it: it learns why soon */
			ad_router_pool_msg(d, AD_R_WORKER, p);
		return;
	}
	p->worker = spawn_worker(d, p);
	if (!p->worker)
		ad_router_pool_msg(d, AD_R_START_FAILED, p);
}

int ad_pool_start(ad_daemon *d, ad_pool *p)
{
	if (p->state == AD_STARTED)
		return AH_EEXISTS;
	p->state = AD_STARTED;
	ad_router_pool_msg(d, AD_R_POOL_STATE, p);
	if (p->def && p->def->always_running && !p->worker)
		p->worker = spawn_worker(d, p);
	ad_log(AD_LOG_INFO, "application pool '%s' started", p->name);
	return 0;
}

int ad_pool_stop(ad_daemon *d, ad_pool *p)
{
	if (p->state == AD_STOPPED)
		return AH_ENOTFOUND;
	p->state = AD_STOPPED;
	ad_router_pool_msg(d, AD_R_POOL_STATE, p);
	for (ad_worker *w = d->workers; w; w = w->next)
		if (w->pool == p)
			worker_stop(d, w, AD_W_SHUTDOWN);
	ad_log(AD_LOG_INFO, "application pool '%s' stopped", p->name);
	return 0;
}

int ad_pool_recycle(ad_daemon *d, ad_pool *p)
{
	if (p->state == AD_STOPPED)
		return AH_ENOTFOUND;
	ad_worker *old = p->worker;
	if (!old)
		return 0;
	ad_log(AD_LOG_INFO, "application pool '%s': worker process %ld is recycled", p->name,
	       (long)old->pid);
	if ((p->def && p->def->no_overlap) || !old->ready) {
		worker_stop(d, old, AD_W_RECYCLE);
		if (p->def && p->def->always_running)
			p->worker = spawn_worker(d, p);
		return 0;
	}
	/* overlapped: the old worker keeps serving until the new one is ready */
	ad_worker *w = spawn_worker(d, p);
	if (!w) {
		ad_log(AD_LOG_ERR, "application pool '%s': the new worker could not start; the old "
				   "one goes on serving",
		       p->name);
		return 0;
	}
	p->worker = w;
	return 0;
}

void ad_pool_retire(ad_daemon *d, ad_pool *p)
{
	for (ad_worker *w = d->workers; w; w = w->next) {
		if (w->pool != p)
			continue;
		worker_stop(d, w, AD_W_SHUTDOWN);
		w->pool = NULL;
	}
	unlink(p->config_path);
	ah_buf routes = AH_BUF_INIT;
	routes_path(&routes, p);
	if (!ah_buf_oom(&routes))
		unlink(ah_buf_cstr(&routes));
	ah_buf_free(&routes);
	char *dir = ah_strdup(p->config_path);
	char *slash = dir ? strrchr(dir, '/') : NULL;
	if (slash) {
		*slash = '\0';
		rmdir(dir);
	}
	ah_free(dir);
	ad_log(AD_LOG_INFO, "application pool '%s' was removed from the configuration", p->name);
	ah_free(p->name);
	ah_free(p->config_path);
	ah_free(p);
}

/* READY: the router gets the worker, and the worker it replaces stops. */
static void worker_ready(ad_daemon *d, ad_worker *w)
{
	if (w->ready || w->stopping)
		return;
	w->ready = true;
	w->deadline_ms = 0;
	ad_pool *p = w->pool;
	if (!p || p->worker != w)
		return;
	ad_router_pool_msg(d, AD_R_WORKER, p);
	for (ad_worker *o = d->workers; o; o = o->next)
		if (o != w && o->pool == p && !o->stopping)
			worker_stop(d, o, AD_W_RECYCLE);
}

static void untrusted(ad_daemon *d, ad_worker *w)
{
	ad_log(AD_LOG_ERR, "A worker process '%ld' serving application pool '%s' is no longer "
			   "trusted by apphostd, based on ill-formed data the worker process sent.",
	       (long)w->pid, w->pool_name ? w->pool_name : "?");
	kill(w->pid, SIGKILL);
}

void ad_worker_event(ad_daemon *d, ad_worker *w, uint32_t events)
{
	for (int i = 0; i < 16 && w->chan >= 0; i++) {
		uint8_t m[16];
		int fd;
		ssize_t n = ad_recv(w->chan, m, sizeof(m), &fd, MSG_DONTWAIT);
		if (n == -EAGAIN)
			return;
		if (fd >= 0)
			close(fd);
		if (n <= 0) { /* the worker closed its channel: it is exiting */
			epoll_ctl(d->ep, EPOLL_CTL_DEL, w->chan, NULL);
			close(w->chan);
			w->chan = -1;
			return;
		}
		if (fd >= 0 || n != 2 || m[0] != AD_PROTO_VERSION ||
		    (m[1] != AD_W_READY && m[1] != AD_W_PONG)) {
			untrusted(d, w);
			return;
		}
		if (m[1] == AD_W_READY)
			worker_ready(d, w);
	}
}

void ad_worker_exited(ad_daemon *d, ad_worker *w, int status)
{
	ad_pool *p = w->pool;
	bool current = p && p->worker == w;
	if (!w->stopping) {
		unsigned code = WIFEXITED(status) ? (unsigned)WEXITSTATUS(status)
						  : 0x80000000u | (unsigned)WTERMSIG(status);
		ad_log(AD_LOG_WARN, "A process serving application pool '%s' terminated "
				    "unexpectedly. The process id was '%ld'. The process exit code "
				    "was '0x%x'.",
		       w->pool_name ? w->pool_name : "?", (long)w->pid, code);
	} else {
		ad_log(AD_LOG_INFO, "application pool '%s': worker process %ld exited",
		       w->pool_name ? w->pool_name : "?", (long)w->pid);
	}
	if (current) {
		p->worker = NULL;
		/* an old worker still serving (overlapped recycle) takes over again */
		for (ad_worker *o = d->workers; o; o = o->next)
			if (o != w && o->pool == p && o->ready && !o->stopping)
				p->worker = o;
		if (w->ready)
			ad_router_pool_msg(d, AD_R_WORKER_GONE, p);
		else if (!p->worker)
			ad_router_pool_msg(d, AD_R_START_FAILED, p);
		if (p->worker)
			ad_router_pool_msg(d, AD_R_WORKER, p);
		if (p->state == AD_STARTED && p->def && p->def->always_running && !d->stopping)
			p->restart_at_ms = d->now_ms + RESTART_DELAY_MS;
	}
	worker_free(d, w);
}

void ad_workers_timers(ad_daemon *d)
{
	for (ad_worker *w = d->workers; w; w = w->next) {
		if (!w->deadline_ms || d->now_ms < w->deadline_ms)
			continue;
		const char *name = w->pool_name ? w->pool_name : "?";
		if (w->stopping)
			ad_log(AD_LOG_WARN, "application pool '%s': worker process %ld did not shut "
					    "down within the shutdown time limit; it was terminated",
			       name, (long)w->pid);
		else
			ad_log(AD_LOG_WARN, "A process serving application pool '%s' exceeded time "
					    "limits during start up. The process id was '%ld'.",
			       name, (long)w->pid);
		kill(w->pid, SIGKILL);
		w->deadline_ms = 0;
	}
	for (ad_pool *p = d->pools; p; p = p->next) {
		if (!p->restart_at_ms || d->now_ms < p->restart_at_ms)
			continue;
		p->restart_at_ms = 0;
		if (p->state == AD_STARTED && !p->worker && !d->stopping)
			p->worker = spawn_worker(d, p);
	}
}

void ad_workers_stop_all(ad_daemon *d)
{
	for (ad_worker *w = d->workers; w; w = w->next)
		worker_stop(d, w, AD_W_SHUTDOWN);
}

void ad_workers_resend(ad_daemon *d)
{
	for (ad_pool *p = d->pools; p; p = p->next)
		if (p->worker && p->worker->ready)
			ad_router_pool_msg(d, AD_R_WORKER, p);
}
