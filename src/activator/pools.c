/*
 * Application pools at run time (WAS): their state (Started or Stopped, as
 * appcmd sees it), their workers and their isolated configuration files.
 *
 * A worker starts when the router has requests for a pool without one
 * (OnDemand), or at once for startMode="AlwaysRunning". It gets its worker
 * channel and its end of the connection handoff pair; apphostd keeps the
 * router's end, and gives it to the router when the worker says READY.
 * With maxProcesses > 1 (a web garden) the pool gets that many workers at
 * once, each with its own handoff pair; the router spreads connections
 * round-robin across the ready ones.
 *
 *   stop      the router is told the pool is stopped (its requests get 503)
 *             and the worker is asked to shut down: it finishes what it was
 *             given, then exits; after shutdownTimeLimit it is killed
 *   recycle   a new worker starts beside the old one (overlapped); when it
 *             is ready the router switches to it and the old one shuts down.
 *             With disallowOverlappingRotation, the old one stops first
 *   crash     logged (IIS event 5009); connections waiting for a worker that
 *             never became ready get 503; an AlwaysRunning pool gets a new
 *             worker a second later. A crash (or a kill for the startup time
 *             limit or an unanswered ping) counts for rapid-fail protection:
 *             rapidFailProtectionMaxCrashes of them within
 *             rapidFailProtectionInterval stop the pool (event 5002)
 *
 * Health and recycling (the timers, each tick): a ready worker gets PING
 * every pingInterval (every second when idleTimeout or a request limit
 * needs its statistics); its PONG carries the requests it served, those in
 * progress and the time since the last one. No PONG within
 * pingResponseTime: event 5010, the worker is killed. No request for
 * idleTimeout: event 5186, the worker shuts down (Suspend is treated as
 * Terminate). periodicRestart's time, requests, schedule, memory (VmSize)
 * and privateMemory (VmRSS) recycle it, as appcmd recycle and a change of
 * the pool's configuration do; each logs its event (5074, 5075, 5076, 5077,
 * 5117, 5079, 5080) when logEventOnRecycle has its flag.
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
#include "util/fsdir.h"
#include "util/str.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define RESTART_DELAY_MS 1000
#define HANDOFF_BUF (1 << 20) /* connections in flight to a worker, before queueing */
#define STATS_EVERY_MS 1000   /* PING for statistics (idle time, requests) */
#define PONG_LEN 14
#define FILL_BACKOFF_MS 5000      /* a recycle's successor failed: first retry */
#define FILL_BACKOFF_MAX_MS 60000 /* doubling up to this */

/* One of IIS's WAS events: its id, then its text. */
static void __attribute__((format(printf, 3, 4))) event(int level, int id, const char *fmt, ...)
{
	char text[1024];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(text, sizeof(text), fmt, ap);
	va_end(ap);
	ad_log(level, "event %d: %s", id, text);
}

ad_pool *ad_pool_find(ad_daemon *d, const char *name)
{
	for (ad_pool *p = d->pools; p; p = p->next)
		if (ah_strcaseeq(p->name, name))
			return p;
	return NULL;
}

/* A worker serving p or starting for it: not stopping. "Live" ones are
 * not being replaced either. */
static bool serving(const ad_worker *w, const ad_pool *p)
{
	return w->pool == p && !w->stopping;
}

static unsigned count_live(const ad_daemon *d, const ad_pool *p, bool ready)
{
	unsigned n = 0;
	for (const ad_worker *w = d->workers; w; w = w->next)
		if (serving(w, p) && !w->recycling && (!ready || w->ready))
			n++;
	return n;
}

bool ad_pool_has_worker(const ad_daemon *d, const ad_pool *p)
{
	for (const ad_worker *w = d->workers; w; w = w->next)
		if (serving(w, p))
			return true;
	return false;
}

/* maxProcesses: 0 (one per NUMA node) is one here; at most AD_GARDEN_MAX. */
static unsigned garden_size(const ad_pool *p)
{
	uint32_t n = p->def ? p->def->max_processes : 1;
	return n < 1 ? 1 : n > AD_GARDEN_MAX ? AD_GARDEN_MAX : n;
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

/* apppools/: root's, 0711: it can be crossed, not listed. */
static int apppools_dir(const char *dir)
{
	ah_fs_perm perm = {.mode = 0711};
	return ad_isolate_dir(dir, &perm);
}

/* The pool whose workers write the site's log: its root application's, else
 * the first pool of one of its applications (the one asking, p). */
static const ad_pool *log_owner(ad_daemon *d, const ad_site *s, ad_pool *p)
{
	const ad_app *root = ad_model_app(s, "/");
	const ad_pool *o = root ? ad_pool_find(d, root->pool) : NULL;
	return o ? o : p;
}

/*
 * The W3C log folders of the sites the pool serves (<directory>/W3SVC<id>),
 * made with its configuration file (before its worker starts, and at each
 * configuration change) so that the worker can write its logs as its own
 * user: the folders above as root makes them (0755), the site's own, as
 * root, root:<pool group> 0770 (the worker makes its files in it), the group
 * of the site's root application's pool; otherwise apphostd's user's, 0750.
 * Every pool serving one of the site's applications writes the same files,
 * as in IIS: the folder's ACLs name their groups too (logacl.h), and are set
 * again at each change, so that a pool leaving the site loses the folder. A
 * pool of the site's other applications only makes the folder when it is
 * missing. See ad_isolate_log_dir for the folders refused.
 */
static void make_log_dirs(ad_daemon *d, ad_pool *p)
{
	static bool acl_warned;
	for (size_t i = 0; d->model && i < d->model->nsites; i++) {
		const ad_site *s = &d->model->sites[i];
		if (!s->log_dir || !ad_model_site_uses_pool(s, p->name))
			continue;
		const ad_pool *o = log_owner(d, s, p);
		ah_fs_perm perm = {.mode = p->creds.change ? 0770 : 0750,
				   .set_owner = p->creds.change,
				   .gid = o->creds.pool_gid};
		gid_t *gids = ah_calloc(s->napps ? s->napps : 1, sizeof(*gids));
		size_t n = 0;
		for (size_t k = 0; gids && k < s->napps; k++) {
			const ad_pool *q = ad_pool_find(d, s->apps[k].pool);
			if (q)
				gids[n++] = q->creds.pool_gid;
		}
		const char *why = NULL;
		int rc = gids ? ad_isolate_log_dir(&why, s->log_dir, &perm, o != p, gids, n)
			      : AH_ENOMEM;
		ah_free(gids);
		if (rc == 2 && !acl_warned) {
			acl_warned = true;
			ad_log(AD_LOG_WARN, "the log folder '%s' of site '%s' cannot have ACLs (%s): "
					    "only the workers of application pool '%s' can write "
					    "the site's log",
			       s->log_dir, s->name, why, o->name);
		} else if (rc < 0) {
			ad_log(AD_LOG_WARN, "application pool '%s': cannot prepare the log folder "
					    "'%s' of site '%s': %s",
			       p->name, s->log_dir, s->name, why ? why : strerror(ENOMEM));
		}
	}
}

/*
 * <pool>.routes beside the isolated file: what the router routes by, for
 * every site, so that the worker knows a kept-alive request for another
 * pool and gives its connection back (src/worker/route.c):
 *   s <site id> <1: started, 0: stopped (appcmd stop site)>
 *   b <site id> <bindingInformation>
 *   a <site id> <1: the pool's application, 0: another's> <path>
 * It is rewritten when a site is started or stopped (control.c): a
 * kept-alive request for a stopped site goes back too, and the router
 * answers it as any request for a stopped site.
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
		const ad_site_state *st = ad_site_find(d, s->id);
		ah_buf_printf(&b, "s %u %d\n", (unsigned)s->id, st && st->state == AD_STARTED);
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
	ah_fs_perm file, dir;
	ad_isolate_perms(&file, &dir, &p->creds);
	int rc = ah_buf_oom(&b) || ah_buf_oom(&path) ? AH_ENOMEM
		 : ad_isolate_write(ah_buf_cstr(&path), b.len ? ah_buf_cstr(&b) : "", b.len,
				    &file, &changed);
	ah_buf_free(&b);
	ah_buf_free(&path);
	return rc;
}

int ad_pool_write_routes(ad_daemon *d, ad_pool *p)
{
	return write_routes(d, p);
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
	ah_fs_perm file_perm, dir_perm;
	ad_isolate_perms(&file_perm, &dir_perm, &p->creds);
	if (rc == 0)
		rc = apppools_dir(top);
	if (rc == 0)
		rc = ad_isolate_dir(dir, &dir_perm);
	bool changed = false;
	if (rc == 0)
		rc = ad_isolate_write(p->config_path, out, outlen, &file_perm, &changed);
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
	for (ad_worker *w = d->workers; changed && w; w = w->next)
		if (serving(w, p) && w->ready)
			send_worker(w, AD_W_CONFIG_CHANGED);
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

/* environmentVariables may not replace what apphostd itself passes */
static bool reserved_env(const char *entry)
{
	static const char *const names[] = {"APP_POOL_ID=", "APP_POOL_CONFIG=", NULL};
	for (int i = 0; names[i]; i++)
		if (ah_strncaseeq(entry, names[i], strlen(names[i])))
			return true;
	return ah_strncaseeq(entry, "APPHOST_", 8);
}

/* apphostd's own variables, then the pool's environmentVariables. */
static char **worker_env(const ad_pool *p, const char *const *own, size_t nown)
{
	size_t extra = p->def ? p->def->nenv : 0;
	const char **set = ah_calloc(nown + extra + 1, sizeof(*set));
	if (!set)
		return NULL;
	size_t n = 0;
	for (size_t i = 0; i < nown; i++)
		set[n++] = own[i];
	for (size_t i = 0; i < extra; i++) {
		const char *e = p->def->env[i];
		if (!strchr(e, '=') || reserved_env(e))
			ad_log(AD_LOG_WARN, "application pool '%s': environment variable '%s' is "
					    "ignored: apphostd sets it",
			       p->name, e);
		else
			set[n++] = e;
	}
	char **env = ad_env_build(set, n, false);
	ah_free(set);
	return env;
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
	char **env = oom ? NULL : worker_env(p, set, lf >= 0 ? 6 : 5);
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
	w->id = ++d->worker_ids ? d->worker_ids : ++d->worker_ids;
	w->pool = p;
	w->pool_name = ah_strdup(p->name);
	w->chan = wc[0];
	w->router_end = hc[0];
	w->deadline_ms = d->now_ms + (p->def ? p->def->startup_ms : 90000);
	w->started_ms = d->now_ms;
	w->uid = p->creds.change ? p->creds.uid : geteuid();
	w->own_uid = p->creds.change && !p->creds.refuse && p->def &&
		     p->def->identity == AD_ID_APPPOOL;
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

/* w is no longer its pool's worker: the router stops using it. */
static void worker_detach(ad_daemon *d, ad_worker *w)
{
	if (w->pool && !w->stopping && w->ready)
		ad_router_worker_msg(d, AD_R_WORKER_GONE, w);
	w->stopping = true;
	if (w->router_end >= 0) {
		close(w->router_end);
		w->router_end = -1;
	}
}

/* Ask w to finish and exit; the router stops using it if it still does. */
static void worker_stop(ad_daemon *d, ad_worker *w, int type)
{
	if (w->stopping)
		return;
	worker_detach(d, w);
	send_worker(w, type);
	ad_pool *p = w->pool;
	w->deadline_ms = d->now_ms + (p && p->def ? p->def->shutdown_ms : 90000);
}

/* A failure that counts for rapid-fail protection (a crash, a kill for a
 * time limit or a ping). The window starts at the first failure; the
 * maximum within it stops the pool, as IIS does. */
static void pool_failed(ad_daemon *d, ad_pool *p)
{
	if (!p || !p->def || !p->def->rapid_fail || p->state != AD_STARTED || d->stopping)
		return;
	if (!p->fail_count || d->now_ms - p->fail_since_ms > p->def->rapid_fail_ms) {
		p->fail_since_ms = d->now_ms;
		p->fail_count = 0;
	}
	if (++p->fail_count < p->def->rapid_fail_max)
		return;
	event(AD_LOG_ERR, 5002, "Application pool '%s' is being automatically disabled due to a "
				"series of failures in the process(es) serving that application "
				"pool.",
	      p->name);
	ad_pool_stop(d, p);
}

/* Start workers until the pool has maxProcesses live ones. */
static void pool_fill(ad_daemon *d, ad_pool *p)
{
	for (unsigned n = count_live(d, p, false); n < garden_size(p); n++)
		if (!spawn_worker(d, p))
			break;
}

void ad_pool_demand(ad_daemon *d, ad_pool *p)
{
	if (p->state != AD_STARTED) {
		ad_router_pool_msg(d, AD_R_START_FAILED, p);
		return;
	}
	/* A ready worker is never sent again here: the router has it (a DEMAND
	 * that crossed its WORKER), or dropped it (it closed its end, or sent
	 * garbage: WORKER_BAD came first), and asks again on its WORKER_GONE.
	 * Only a new router gets the ready workers again (ad_workers_resend). */
	pool_fill(d, p);
	if (!ad_pool_has_worker(d, p))
		ad_router_pool_msg(d, AD_R_START_FAILED, p);
}

int ad_pool_start(ad_daemon *d, ad_pool *p)
{
	if (p->state == AD_STARTED)
		return AH_EEXISTS;
	p->state = AD_STARTED;
	p->fail_count = 0;
	ad_router_pool_msg(d, AD_R_POOL_STATE, p);
	ad_log(AD_LOG_INFO, "application pool '%s' started", p->name);
	if (p->def && p->def->always_running) /* a failed logon stops it again (5057) */
		pool_fill(d, p);
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

/* The event of a recycle, when logEventOnRecycle has its flag. */
static void recycle_event(const ad_pool *p, const ad_worker *w, int why)
{
	if (!p->def || !(p->def->log_recycle & (uint32_t)why))
		return;
	static const struct {
		int why, id;
		const char *because;
	} events[] = {
	    {AD_RECYCLE_TIME, 5074, "the worker process reached its allowed processing time limit"},
	    {AD_RECYCLE_REQUESTS, 5075, "it reached its allowed request limit"},
	    {AD_RECYCLE_SCHEDULE, 5076, "it reached its scheduled recycle time"},
	    {AD_RECYCLE_MEMORY, 5077, "it reached its virtual memory limit"},
	    {AD_RECYCLE_PRIVATE, 5117, "it reached its private bytes memory limit"},
	    {AD_RECYCLE_ONDEMAND, 5079, "of an administrator's on-demand request"},
	};
	if (why == AD_RECYCLE_CONFIG) {
		event(AD_LOG_NOTICE, 5080,
		      "The worker processes serving application pool '%s' are being recycled due "
		      "to 1 or more configuration changes in the application pool properties "
		      "which necessitate a restart of the processes.",
		      p->name);
		return;
	}
	for (size_t i = 0; i < sizeof(events) / sizeof(events[0]); i++)
		if (events[i].why == why)
			event(AD_LOG_NOTICE, events[i].id,
			      "A worker process with process id of '%ld' serving application pool "
			      "'%s' has requested a recycle because %s.",
			      (long)w->pid, p->name, events[i].because);
}

int ad_pool_recycle(ad_daemon *d, ad_pool *p)
{
	return ad_pool_recycle_why(d, p, AD_RECYCLE_ONDEMAND);
}

/* w is to be replaced: it serves until a successor is ready (overlapped),
 * or stops now. */
static void recycle_one(ad_daemon *d, ad_pool *p, ad_worker *w, int why)
{
	if (why != AD_RECYCLE_CONFIG)
		recycle_event(p, w, why);
	w->recycling = true;
	ad_log(AD_LOG_INFO, "application pool '%s': worker process %ld is recycled", p->name,
	       (long)w->pid);
	if (!w->ready)
		p->refill = true; /* it was starting for connections: its successor starts now */
	if ((p->def && p->def->no_overlap) || !w->ready)
		worker_stop(d, w, AD_W_RECYCLE);
}

/* The successors of the workers being recycled. */
static void recycle_fill(ad_daemon *d, ad_pool *p)
{
	bool overlap = !(p->def && p->def->no_overlap);
	if (overlap && d->now_ms < p->fill_retry_ms)
		return; /* the last successor failed to start: not again yet */
	if (overlap || (p->def && p->def->always_running) || p->refill)
		pool_fill(d, p);
	p->refill = false;
	if (!overlap || count_live(d, p, false) || p->state != AD_STARTED)
		return; /* a failed logon stopped the pool (5057): its workers stop */
	p->fill_backoff_ms = !p->fill_backoff_ms ? FILL_BACKOFF_MS
			     : p->fill_backoff_ms >= FILL_BACKOFF_MAX_MS / 2 ? FILL_BACKOFF_MAX_MS
									: p->fill_backoff_ms * 2;
	p->fill_retry_ms = d->now_ms + p->fill_backoff_ms;
	ad_log(AD_LOG_ERR, "application pool '%s': the new worker could not start; the old one "
			   "goes on serving (the recycle is tried again in %u s)",
	       p->name, (unsigned)(p->fill_backoff_ms / 1000));
	for (ad_worker *w = d->workers; w; w = w->next)
		if (serving(w, p))
			w->recycling = false;
}

int ad_pool_recycle_why(ad_daemon *d, ad_pool *p, int why)
{
	if (p->state == AD_STOPPED)
		return AH_ENOTFOUND;
	if (!count_live(d, p, false))
		return 0;
	if (why == AD_RECYCLE_CONFIG)
		recycle_event(p, NULL, why);
	for (ad_worker *w = d->workers; w; w = w->next)
		if (serving(w, p) && !w->recycling)
			recycle_one(d, p, w, why);
	recycle_fill(d, p);
	return 0;
}

/* The pool's folder and every file in it (its two files, and the temporary
 * files of a write a crash interrupted), through a descriptor of the folder
 * opened without following a link: unlinkat follows nothing either. */
static void remove_pool_dir(const ad_pool *p)
{
	char *dir = ah_strdup(p->config_path);
	char *slash = dir ? strrchr(dir, '/') : NULL;
	if (!slash) {
		ah_free(dir);
		return;
	}
	*slash = '\0';
	int fd = open(dir, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	DIR *dd = fd >= 0 ? fdopendir(fd) : NULL;
	if (fd >= 0 && !dd)
		close(fd);
	struct dirent *de;
	while (dd && (de = readdir(dd)))
		if (strcmp(de->d_name, ".") && strcmp(de->d_name, ".."))
			unlinkat(dirfd(dd), de->d_name, 0);
	if (dd)
		closedir(dd);
	rmdir(dir);
	ah_free(dir);
}

void ad_pool_retire(ad_daemon *d, ad_pool *p)
{
	for (ad_worker *w = d->workers; w; w = w->next) {
		if (w->pool != p)
			continue;
		worker_stop(d, w, AD_W_SHUTDOWN);
		w->pool = NULL;
	}
	remove_pool_dir(p);
	ad_log(AD_LOG_INFO, "application pool '%s' was removed from the configuration", p->name);
	ah_free(p->name);
	ah_free(p->config_path);
	ah_free(p);
}

/* READY: the router gets the worker, and a worker it replaces stops; once
 * no successor is still starting, every one left. */
static void worker_ready(ad_daemon *d, ad_worker *w)
{
	if (w->ready || w->stopping)
		return;
	w->ready = true;
	w->deadline_ms = 0;
	ad_pool *p = w->pool;
	if (!p)
		return;
	p->fill_backoff_ms = 0;
	p->fill_retry_ms = 0;
	ad_router_worker_msg(d, AD_R_WORKER, w);
	bool all = count_live(d, p, false) == count_live(d, p, true);
	for (ad_worker *o = d->workers; o; o = o->next) {
		if (o != w && serving(o, p) && o->recycling) {
			worker_stop(d, o, AD_W_RECYCLE);
			if (!all)
				break;
		}
	}
}

/* w failed (no PONG, ill-formed data): the router stops using it, its
 * channel is closed, it is killed (a failure for rapid-fail protection),
 * and an AlwaysRunning pool gets a new worker a second later. */
static void worker_killed(ad_daemon *d, ad_worker *w)
{
	ad_pool *p = w->pool;
	worker_detach(d, w);
	w->killed = true;
	w->deadline_ms = 0;
	if (w->chan >= 0) {
		epoll_ctl(d->ep, EPOLL_CTL_DEL, w->chan, NULL);
		close(w->chan);
		w->chan = -1;
	}
	ad_worker_kill(w);
	if (p && p->state == AD_STARTED && p->def && p->def->always_running && !d->stopping)
		p->restart_at_ms = d->now_ms + RESTART_DELAY_MS;
}

static void untrusted(ad_daemon *d, ad_worker *w)
{
	if (w->killed)
		return;
	event(AD_LOG_ERR, 5127, "A worker process '%ld' serving application pool '%s' is no "
				"longer trusted by apphostd, based on ill-formed data the worker "
				"process sent.",
	      (long)w->pid, w->pool_name ? w->pool_name : "?");
	worker_killed(d, w);
}

void ad_worker_bad(ad_daemon *d, uint32_t id)
{
	for (ad_worker *w = d->workers; w; w = w->next) {
		if (w->id == id) {
			untrusted(d, w);
			return;
		}
	}
}

/* idleTimeout in ms; its minutes may be shorter for tests. */
static uint64_t idle_limit(const ad_daemon *d, const ad_pool_def *def)
{
	return (uint64_t)def->idle_ms * d->minute_ms / 60000;
}

/* periodicRestart/@time in ms (at most 300 days: the schema); its minutes
 * too. */
static uint64_t restart_time(const ad_daemon *d, const ad_pool_def *def)
{
	return def->restart_time_ms * d->minute_ms / 60000;
}

/* The idle time in IIS's unit (minutes), as the event prints it. */
static void idle_event(const ad_pool *p, const ad_worker *w)
{
	uint32_t ms = p->def->idle_ms;
	char minutes[32];
	if (ms % 60000 == 0)
		snprintf(minutes, sizeof(minutes), "%u", (unsigned)(ms / 60000));
	else
		snprintf(minutes, sizeof(minutes), "%.2f", ms / 60000.0);
	event(AD_LOG_NOTICE, 5186, "A worker process with process id of '%ld' serving application "
				   "pool '%s' was shutdown due to inactivity. Application Pool "
				   "timeout configuration was set to %s minutes. A new worker "
				   "process will be started when needed.",
	      (long)w->pid, p->name, minutes);
}

static uint32_t get32(const uint8_t *b)
{
	return (uint32_t)b[0] | (uint32_t)b[1] << 8 | (uint32_t)b[2] << 16 | (uint32_t)b[3] << 24;
}

/* PONG: the worker answers, with its statistics; idleTimeout and the
 * request limit are checked against them. */
static void worker_pong(ad_daemon *d, ad_worker *w, const uint8_t *m)
{
	w->pings_out--;
	w->pong_due_ms = 0;
	w->requests = get32(m + 2);
	w->active = get32(m + 6);
	w->idle_ms = get32(m + 10);
	ad_pool *p = w->pool;
	if (!p || !p->def || w->stopping || w->recycling || !w->ready)
		return;
	const ad_pool_def *def = p->def;
	if (def->restart_requests && w->requests >= def->restart_requests) {
		recycle_one(d, p, w, AD_RECYCLE_REQUESTS);
		recycle_fill(d, p);
		return;
	}
	if (def->idle_ms && !w->active && w->idle_ms >= idle_limit(d, def)) {
		if (def->log_idle)
			idle_event(p, w);
		worker_stop(d, w, AD_W_SHUTDOWN);
		if (def->always_running && p->state == AD_STARTED)
			p->restart_at_ms = d->now_ms + RESTART_DELAY_MS;
	}
}

void ad_worker_event(ad_daemon *d, ad_worker *w, uint32_t events)
{
	for (int i = 0; i < 16 && w->chan >= 0; i++) {
		uint8_t m[32];
		int fd;
		ssize_t n = ad_recv(w->chan, m, sizeof(m), &fd, MSG_DONTWAIT);
		if (n == -EAGAIN || n == -EINTR)
			return;
		if (fd >= 0)
			ad_fd_discard(fd);
		if (n == 0) { /* the worker closed its channel: it is exiting */
			epoll_ctl(d->ep, EPOLL_CTL_DEL, w->chan, NULL);
			close(w->chan);
			w->chan = -1;
			return;
		}
		/* n < 0: an oversized packet, more than one fd (-EBADMSG), or a
		 * broken channel; and a PONG no PING asked for (a flood) */
		if (n < 2 || fd >= 0 || m[0] != AD_PROTO_VERSION ||
		    !((m[1] == AD_W_READY && n == 2) || (m[1] == AD_W_PONG && n == PONG_LEN)) ||
		    (m[1] == AD_W_PONG && !w->pings_out)) {
			untrusted(d, w);
			return;
		}
		if (m[1] == AD_W_READY)
			worker_ready(d, w);
		else
			worker_pong(d, w, m);
	}
}

/* ---- a worker's leftovers ------------------------------------------------
 * A worker leads its own session and process group: when apphostd kills it,
 * and when it has exited (before it is reaped, so that its pid, the group's
 * id, cannot be another's yet), the group is killed. A child that left the
 * group (setsid) escapes that; when the last worker of an
 * ApplicationPoolIdentity pool has exited, every process left with that
 * pool's uid (a uid no other pool has) is killed as well. Pools that share
 * a uid (NetworkService, LocalService, one SpecificUser) keep such children
 * (docs/apphostd.md, "Security"). */

void ad_worker_kill(ad_worker *w)
{
	if (kill(-w->pid, SIGKILL) < 0)
		kill(w->pid, SIGKILL);
}

/* pid's program is apphostd's own (another instance of it). */
static bool apphostd_process(unsigned long pid)
{
	char path[64];
	struct stat self, other;
	snprintf(path, sizeof(path), "/proc/%lu/exe", pid);
	return stat("/proc/self/exe", &self) == 0 && stat(path, &other) == 0 &&
	       self.st_dev == other.st_dev && self.st_ino == other.st_ino;
}

/* From /proc/<pid>/status: the parent, and whether one of the process's
 * uids (real, effective, saved, file-system) is uid. False for a zombie,
 * or a process gone. */
static bool proc_of_user(unsigned long pid, uid_t uid, unsigned long *ppid, bool *match)
{
	char path[64], line[256];
	snprintf(path, sizeof(path), "/proc/%lu/status", pid);
	FILE *f = fopen(path, "re");
	if (!f)
		return false;
	bool alive = true;
	*match = false;
	*ppid = 0;
	while (fgets(line, sizeof(line), f)) {
		unsigned long id[4];
		char state;
		if (sscanf(line, "State: %c", &state) == 1 && (state == 'Z' || state == 'X')) {
			alive = false;
			break;
		}
		if (sscanf(line, "PPid: %lu", ppid) == 1)
			continue;
		if (sscanf(line, "Uid: %lu %lu %lu %lu", &id[0], &id[1], &id[2], &id[3]) == 4) {
			for (int i = 0; i < 4; i++)
				*match = *match || id[i] == (unsigned long)uid;
			break;
		}
	}
	fclose(f);
	return alive;
}

/* A process of the user, not a zombie already, and not the worker of
 * another apphostd on this machine (that one numbers its pools alike): a
 * process left by a worker can choose neither its parent nor its parent's
 * user, so a process is spared only when its parent runs apphostd's
 * program under another uid (a leftover may exec apphostd itself). */
static bool left_by(unsigned long pid, uid_t uid)
{
	unsigned long ppid, pp;
	bool match, parent_match;
	if (!proc_of_user(pid, uid, &ppid, &match) || !match)
		return false;
	if (ppid <= 1 || !apphostd_process(ppid))
		return true;
	return !proc_of_user(ppid, uid, &pp, &parent_match) || parent_match;
}

/* SIGKILL pid through a pidfd, opened before pid is checked, so that a pid
 * reused meanwhile is not signalled: true when it was. */
static bool kill_checked(unsigned long pid, uid_t uid)
{
#if defined(SYS_pidfd_open) && defined(SYS_pidfd_send_signal)
	int pfd = (int)syscall(SYS_pidfd_open, (pid_t)pid, 0);
	if (pfd >= 0) {
		bool ok = left_by(pid, uid) &&
			  syscall(SYS_pidfd_send_signal, pfd, SIGKILL, NULL, 0) == 0;
		close(pfd);
		return ok;
	}
	if (errno != ENOSYS)
		return false; /* gone */
#endif
	return left_by(pid, uid) && kill((pid_t)pid, SIGKILL) == 0;
}

/* SIGKILL every process of uid, pass after pass while some are found (a
 * process may fork meanwhile, or still be dying); the number killed. */
static unsigned kill_user(uid_t uid)
{
	unsigned total = 0;
	for (int pass = 0; pass < 32; pass++) {
		char **names;
		size_t n;
		if (ah_fs_list(&names, &n, "/proc") < 0)
			break;
		unsigned killed = 0;
		for (size_t i = 0; i < n; i++) {
			uint64_t pid;
			if (ah_parse_u64(names[i], &pid) && pid > 1 &&
			    kill_checked((unsigned long)pid, uid))
				killed++;
		}
		ah_fs_names_free(names, n);
		if (!pass)
			total = killed; /* later passes find the same ones, dying */
		if (!killed)
			break;
		struct timespec ts = {0, 5 * 1000000};
		nanosleep(&ts, NULL);
	}
	return total;
}

/* An ApplicationPoolIdentity worker has exited: when no worker of that uid
 * is left, neither is any other process of it. */
static void uid_leftovers(ad_daemon *d, uid_t uid)
{
	if (uid == 0)
		return;
	for (const ad_worker *w = d->workers; w; w = w->next)
		if (w->uid == uid)
			return;
	unsigned n = kill_user(uid);
	if (n)
		ad_log(AD_LOG_NOTICE, "%u process%s left by the workers of uid %u %s killed", n,
		       n == 1 ? "" : "es", (unsigned)uid, n == 1 ? "was" : "were");
}

void ad_worker_exited(ad_daemon *d, ad_worker *w, int status)
{
	ad_pool *p = w->pool;
	bool current = p && !w->stopping;
	bool crashed = !w->stopping || w->killed;
	if (!w->stopping) {
		unsigned code = WIFEXITED(status) ? (unsigned)WEXITSTATUS(status)
						  : 0x80000000u | (unsigned)WTERMSIG(status);
		event(AD_LOG_WARN, 5009, "A process serving application pool '%s' terminated "
					 "unexpectedly. The process id was '%ld'. The process exit "
					 "code was '0x%x'.",
		      w->pool_name ? w->pool_name : "?", (long)w->pid, code);
	} else {
		ad_log(AD_LOG_INFO, "application pool '%s': worker process %ld exited",
		       w->pool_name ? w->pool_name : "?", (long)w->pid);
	}
	if (current) {
		w->stopping = true; /* no longer counted */
		if (w->ready) {
			ad_router_worker_msg(d, AD_R_WORKER_GONE, w);
		} else {
			/* a successor that died: a worker it replaces goes on serving */
			for (ad_worker *o = d->workers; o; o = o->next) {
				if (serving(o, p) && o->recycling) {
					o->recycling = false;
					break;
				}
			}
			bool ready = false;
			for (ad_worker *o = d->workers; o; o = o->next)
				ready = ready || (serving(o, p) && o->ready);
			if (!ready)
				ad_router_pool_msg(d, AD_R_START_FAILED, p);
		}
		if (p->state == AD_STARTED && p->def && p->def->always_running && !d->stopping)
			p->restart_at_ms = d->now_ms + RESTART_DELAY_MS;
	} else if (p && !w->ready) {
		/* a starting worker stopped (a recycle, a stop): the connections
		 * waiting for it get 503 unless another worker is coming */
		if (!ad_pool_has_worker(d, p))
			ad_router_pool_msg(d, AD_R_START_FAILED, p);
	}
	uid_t uid = w->uid;
	bool own_uid = w->own_uid;
	worker_free(d, w);
	if (own_uid)
		uid_leftovers(d, uid);
	if (crashed && !d->stopping)
		pool_failed(d, p);
}

/* VmSize and VmRSS of a process, in KB (0 when unknown). */
static void memory_kb(pid_t pid, uint64_t *vm, uint64_t *rss)
{
	char path[64], line[256];
	*vm = *rss = 0;
	snprintf(path, sizeof(path), "/proc/%ld/status", (long)pid);
	FILE *f = fopen(path, "re");
	if (!f)
		return;
	while (fgets(line, sizeof(line), f)) {
		unsigned long long v;
		if (sscanf(line, "VmSize: %llu", &v) == 1)
			*vm = v;
		else if (sscanf(line, "VmRSS: %llu", &v) == 1)
			*rss = v;
	}
	fclose(f);
}

/* A periodicRestart/schedule time passed since the last check (local time). */
static bool schedule_due(ad_pool *p, time_t now)
{
	int64_t from = p->sched_checked;
	p->sched_checked = now;
	if (!from || !p->def->nschedule || now <= from)
		return false;
	struct tm tm;
	for (int day = -1; day <= 0; day++) { /* yesterday's too: around midnight */
		time_t t = now + (time_t)day * 86400;
		if (!localtime_r(&t, &tm))
			return false;
		tm.tm_hour = tm.tm_min = tm.tm_sec = 0;
		tm.tm_isdst = -1;
		time_t midnight = mktime(&tm);
		for (size_t i = 0; i < p->def->nschedule; i++) {
			time_t at = midnight + (time_t)p->def->schedule[i];
			if (at > from && at <= now)
				return true;
		}
	}
	return false;
}

/* Pings, memory limits and the periodic recycles of a pool's current worker. */
static void worker_tick(ad_daemon *d, ad_worker *w)
{
	ad_pool *p = w->pool;
	if (!w->ready || w->stopping || !p || !p->def || d->stopping)
		return;
	const ad_pool_def *def = p->def;
	if (def->ping && w->pong_due_ms && d->now_ms >= w->pong_due_ms) {
		event(AD_LOG_WARN, 5010,
		      "A process serving application pool '%s' failed to respond to a ping. The "
		      "process id was '%ld'.",
		      p->name, (long)w->pid);
		worker_killed(d, w);
		return;
	}
	if (d->now_ms >= w->ping_at_ms) {
		uint32_t every = def->ping ? def->ping_interval_ms : 0;
		if ((def->idle_ms || def->restart_requests) && (!every || every > STATS_EVERY_MS))
			every = STATS_EVERY_MS;
		if (every) {
			if (!w->pong_due_ms || !def->ping) {
				send_worker(w, AD_W_PING);
				w->pings_out++;
				w->pong_due_ms = d->now_ms + def->ping_response_ms;
			}
			w->ping_at_ms = d->now_ms + every;
		} else {
			w->ping_at_ms = d->now_ms + STATS_EVERY_MS;
		}
		if ((def->restart_memory_kb || def->restart_private_kb) && !w->recycling) {
			uint64_t vm, rss;
			memory_kb(w->pid, &vm, &rss);
			if (def->restart_memory_kb && vm > def->restart_memory_kb)
				recycle_one(d, p, w, AD_RECYCLE_MEMORY);
			else if (def->restart_private_kb && rss > def->restart_private_kb)
				recycle_one(d, p, w, AD_RECYCLE_PRIVATE);
		}
	}
	if (!w->recycling && def->restart_time_ms &&
	    d->now_ms - w->started_ms >= restart_time(d, def))
		recycle_one(d, p, w, AD_RECYCLE_TIME);
	if (w->recycling)
		recycle_fill(d, p);
}

void ad_workers_timers(ad_daemon *d)
{
	for (ad_worker *w = d->workers; w; w = w->next) {
		worker_tick(d, w);
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
		ad_worker_kill(w);
		w->deadline_ms = 0;
	}
	time_t now = time(NULL);
	for (ad_pool *p = d->pools; p; p = p->next) {
		if (p->def && schedule_due(p, now) && count_live(d, p, true) && !d->stopping)
			ad_pool_recycle_why(d, p, AD_RECYCLE_SCHEDULE);
		if (!p->restart_at_ms || d->now_ms < p->restart_at_ms)
			continue;
		p->restart_at_ms = 0;
		if (p->state == AD_STARTED && !d->stopping)
			pool_fill(d, p);
	}
}

void ad_workers_stop_all(ad_daemon *d)
{
	for (ad_worker *w = d->workers; w; w = w->next)
		worker_stop(d, w, AD_W_SHUTDOWN);
}

void ad_workers_resend(ad_daemon *d)
{
	for (ad_worker *w = d->workers; w; w = w->next)
		if (w->pool && serving(w, w->pool) && w->ready)
			ad_router_worker_msg(d, AD_R_WORKER, w);
}
