/*
 * Reading the configuration and applying it, at start and whenever
 * applicationHost.config (or redirection.config) changes. The folders of
 * those files are watched with inotify; a burst of events (an editor's or
 * the engine's atomic replace) becomes one reload, a moment later.
 *
 * A configuration that does not load (malformed, invalid) is logged with
 * the engine's message, file and line, and the running configuration stays
 * in effect. Otherwise the new model replaces the old one and:
 *   sites      new sites start as serverAutoStart says; the others keep
 *              their state (start/stop by appcmd)
 *   pools      new pools start as autoStart says; a pool whose own settings
 *              changed is recycled (IIS event 5080) unless
 *              disallowRotationOnConfigChange; a pool whose identity changed
 *              (uid, gid, groups, network) is recycled in any case: no worker
 *              goes on under credentials the configuration no longer gives;
 *              removed pools stop
 *   files      as root, applicationHost.config, redirection.config and
 *              administration.config lose their "other" permission bits and
 *              the keys folder becomes 0711 (a worker reads none of them)
 *   bindings   new ports are bound, unused ones closed (listeners.c)
 *   router     gets the new routing table
 *   isolation  every pool's file is rewritten when its content changes
 *              (its worker is told: CONFIG_CHANGED)
 */
#include "daemon.h"

#include "common/log.h"
#include "ident.h"
#include "util/alloc.h"
#include "util/buf.h"
#include "util/fs.h"
#include "util/str.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/inotify.h>
#include <sys/stat.h>
#include <unistd.h>

#define DEBOUNCE_MS 50

int ad_load(ad_daemon *d, ad_model **out)
{
	ah_config *cfg;
	ah_error_clear();
	int rc = ah_config_open(&cfg, &d->cfg_opts);
	if (rc == 0) {
		rc = ad_model_load(out, cfg);
		if (rc == 0) {
			char *p = ah_strdup(ah_config_apphost_path(cfg));
			if (p) {
				ah_free(d->apphost_path);
				d->apphost_path = p;
			} else {
				ad_model_free(*out);
				*out = NULL;
				rc = AH_ENOMEM;
			}
		}
		ah_config_free(cfg);
	}
	if (rc < 0) {
		const ah_error *e = ah_error_last();
		if (e && e->file)
			ad_log(AD_LOG_ERR, "configuration error: %s (%s, line %u, HRESULT 0x%08x)",
			       e->message, e->file, e->line, e->hresult);
		else
			ad_log(AD_LOG_ERR, "configuration error: %s",
			       e ? e->message : "cannot read the configuration");
	}
	return rc;
}

ad_site_state *ad_site_find(ad_daemon *d, uint32_t id)
{
	for (ad_site_state *s = d->sites; s; s = s->next)
		if (s->id == id)
			return s;
	return NULL;
}

static void sync_sites(ad_daemon *d)
{
	for (ad_site_state *s = d->sites; s; s = s->next)
		s->seen = false;
	for (size_t i = 0; i < d->model->nsites; i++) {
		const ad_site *ms = &d->model->sites[i];
		ad_site_state *s = ad_site_find(d, ms->id);
		if (!s) {
			s = ah_calloc(1, sizeof(*s));
			if (!s)
				continue;
			s->id = ms->id;
			s->state = ms->auto_start ? AD_STARTED : AD_STOPPED;
			s->next = d->sites;
			d->sites = s;
		}
		s->seen = true;
	}
	for (ad_site_state **ps = &d->sites; *ps;) {
		ad_site_state *s = *ps;
		if (s->seen) {
			ps = &s->next;
			continue;
		}
		*ps = s->next;
		ah_free(s);
	}
}

static ad_pool *pool_new(ad_daemon *d, const ad_pool_def *def)
{
	ad_pool *p = ah_calloc(1, sizeof(*p));
	ah_buf b = AH_BUF_INIT;
	ah_buf_printf(&b, "%s/apppools/%s/%s.config", d->run_dir, def->name, def->name);
	if (!p || ah_buf_oom(&b) || !(p->name = ah_strdup(def->name))) {
		ah_buf_free(&b);
		ah_free(p);
		return NULL;
	}
	p->config_path = ah_buf_detach(&b);
	p->state = def->auto_start ? AD_STARTED : AD_STOPPED;
	p->fingerprint = def->fingerprint;
	p->next = d->pools;
	d->pools = p;
	return p;
}

static bool has_group(const ad_creds *c, gid_t g)
{
	for (size_t i = 0; i < c->ngroups; i++)
		if (c->groups[i] == g)
			return true;
	return false;
}

/* The same Linux identity: user, group, supplementary groups (as a set),
 * network and whether it may be used at all. */
static bool same_identity(const ad_creds *a, const ad_creds *b)
{
	if (a->change != b->change || a->refuse != b->refuse || a->uid != b->uid ||
	    a->gid != b->gid || a->no_network != b->no_network || a->ngroups != b->ngroups)
		return false;
	for (size_t i = 0; i < a->ngroups; i++)
		if (!has_group(b, a->groups[i]))
			return false;
	return true;
}

static void sync_pools(ad_daemon *d)
{
	const ad_model *m = d->model;
	uid_t *uids = ah_calloc(m->npools ? m->npools : 1, sizeof(*uids));
	gid_t *gids = ah_calloc(m->npools ? m->npools : 1, sizeof(*gids));
	if (!uids || !gids) {
		ah_free(uids);
		ah_free(gids);
		return;
	}
	ad_system_accounts(d->is_root);
	if (d->is_root) {
		ah_buf reg = AH_BUF_INIT;
		ah_buf_printf(&reg, "%s/apppool-ids", d->cfg_opts.config_dir);
		ad_ident_registry(ah_buf_oom(&reg) ? NULL : ah_buf_cstr(&reg));
		ah_buf_free(&reg);
	}
	ad_apppool_uids(m, uids);
	ad_pool_gids(m, gids);
	for (ad_pool *p = d->pools; p; p = p->next)
		p->seen = false;
	for (size_t i = 0; i < m->npools; i++) {
		const ad_pool_def *def = &m->pools[i];
		ad_pool *p = ad_pool_find(d, def->name);
		if (!p && !(p = pool_new(d, def)))
			continue;
		p->seen = true;
		p->def = def;
		/* a new identity reaches the pool's files and its next worker, and
		 * recycles a running one whatever disallowRotationOnConfigChange
		 * says: its old credentials are no longer the pool's */
		ad_creds old = p->creds;
		ad_pool_creds(&p->creds, def, uids[i], gids[i], d->is_root);
		bool identity = !same_identity(&old, &p->creds);
		if (p->fingerprint != def->fingerprint || identity) {
			p->fingerprint = def->fingerprint;
			bool running = ad_pool_has_worker(d, p);
			if (running && identity && def->no_rotation_on_change)
				ad_log(AD_LOG_NOTICE, "application pool '%s': its identity changed "
						      "(uid %u, gid %u before; uid %u, gid %u now): "
						      "its workers are recycled although "
						      "disallowRotationOnConfigChange is true",
				       p->name, (unsigned)old.uid, (unsigned)old.gid,
				       (unsigned)p->creds.uid, (unsigned)p->creds.gid);
			if (running && (identity || !def->no_rotation_on_change))
				ad_pool_recycle_why(d, p, AD_RECYCLE_CONFIG); /* event 5080 */
		}
	}
	ah_free(uids);
	ah_free(gids);
	for (ad_pool **pp = &d->pools; *pp;) {
		ad_pool *p = *pp;
		if (p->seen) {
			pp = &p->next;
			continue;
		}
		*pp = p->next;
		ad_pool_retire(d, p);
	}
}

/*
 * A file no worker may read (applicationHost.config, the one the engine
 * reads after redirection, and redirection.config, administration.config):
 * its "other" bits go, with a notice naming the old and new mode. Done on
 * the open file, so that what is checked is what is changed.
 */
static void strip_other(const char *path)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK);
	if (fd < 0) {
		if (errno != ENOENT)
			ad_log(AD_LOG_WARN, "cannot check the permissions of %s: %s", path,
			       strerror(errno));
		return;
	}
	struct stat st;
	if (fstat(fd, &st) == 0 && S_ISREG(st.st_mode) && (st.st_mode & S_IRWXO)) {
		mode_t mode = st.st_mode & 07777, now = mode & ~(mode_t)S_IRWXO;
		if (fchmod(fd, now) == 0)
			ad_log(AD_LOG_NOTICE, "%s was readable by every user (mode %04o); its "
					      "mode is now %04o: no worker reads it",
			       path, (unsigned)mode, (unsigned)now);
		else
			ad_log(AD_LOG_WARN, "cannot change the mode of %s (%04o): %s", path,
			       (unsigned)mode, strerror(errno));
	}
	close(fd);
}

/* The keys folder: 0711, so that a worker opens the one key its sections
 * need (iisConfigurationKey, through iis_iusrs) but lists nothing. */
static void keys_dir(const char *path)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC | O_DIRECTORY);
	if (fd < 0)
		return; /* none yet: the engine makes it 0711 */
	struct stat st;
	if (fstat(fd, &st) == 0 && (st.st_mode & 07777) != 0711) {
		if (fchmod(fd, 0711) == 0)
			ad_log(AD_LOG_NOTICE, "the key folder %s had mode %04o; it is now 0711",
			       path, (unsigned)(st.st_mode & 07777));
		else
			ad_log(AD_LOG_WARN, "cannot change the mode of %s: %s", path,
			       strerror(errno));
	}
	close(fd);
}

static void protect_files(ad_daemon *d)
{
	if (!d->is_root)
		return;
	strip_other(d->apphost_path);
	static const char *const names[] = {"redirection.config", "administration.config",
					    "keys"};
	for (int i = 0; i < 3; i++) {
		ah_buf b = AH_BUF_INIT;
		ah_buf_printf(&b, "%s/%s", d->cfg_opts.config_dir, names[i]);
		if (!ah_buf_oom(&b))
			(i < 2 ? strip_other : keys_dir)(ah_buf_cstr(&b));
		ah_buf_free(&b);
	}
}

void ad_apply_model(ad_daemon *d, bool first)
{
	protect_files(d);
	/* every pool's isolated file comes from this one reading of the source */
	if (ah_fs_read(&d->src, &d->src_len, NULL, d->apphost_path) < 0)
		d->src = NULL;
	sync_sites(d);
	sync_pools(d);
	ad_listeners_sync(d);
	if (first)
		ad_router_start(d);
	else
		ad_router_send_table(d);
	for (ad_pool *p = d->pools; p; p = p->next) {
		ad_pool_write_config(d, p);
		if (p->state == AD_STARTED && p->def->always_running && !ad_pool_has_worker(d, p))
			ad_pool_demand(d, p);
	}
	ah_free(d->src);
	d->src = NULL;
}

void ad_reload(ad_daemon *d)
{
	ad_model *m;
	d->reload_at_ms = 0;
	if (ad_load(d, &m) < 0) {
		ad_log(AD_LOG_ERR, "the configuration was not applied; the running configuration "
				   "stays in effect");
		return;
	}
	ad_model *old = d->model;
	d->model = m;
	ad_apply_model(d, false);
	ad_model_free(old);
	ad_watch_start(d); /* redirection may have moved applicationHost.config */
	ad_log(AD_LOG_INFO, "configuration applied (%zu sites, %zu application pools)",
	       m->nsites, m->npools);
}

static int watch_dir(ad_daemon *d, const char *file)
{
	char dir[PATH_MAX];
	const char *slash = strrchr(file, '/');
	size_t n = slash ? (size_t)(slash - file) : 0;
	if (n == 0 || n >= sizeof(dir)) {
		memcpy(dir, slash ? "/" : ".", 2);
	} else {
		memcpy(dir, file, n);
		dir[n] = '\0';
	}
	uint32_t mask = IN_CLOSE_WRITE | IN_MOVED_TO | IN_MOVED_FROM | IN_CREATE | IN_DELETE;
	if (inotify_add_watch(d->watch.fd, dir, mask) < 0) {
		ad_log(AD_LOG_ERR, "cannot watch %s: %s; configuration changes need a restart "
				   "(or SIGHUP)",
		       dir, strerror(errno));
		return -errno;
	}
	return 0;
}

int ad_watch_start(ad_daemon *d)
{
	if (d->watch.fd < 0) {
		d->watch.fd = inotify_init1(IN_NONBLOCK | IN_CLOEXEC);
		if (d->watch.fd < 0 || ad_epoll(d, EPOLL_CTL_ADD, d->watch.fd, EPOLLIN, &d->watch) < 0) {
			ad_log(AD_LOG_ERR, "inotify: %s", strerror(errno));
			return -errno;
		}
	}
	/* adding a watch again for the same folder is harmless */
	watch_dir(d, d->apphost_path);
	const char *dir = d->cfg_opts.config_dir;
	ah_buf b = AH_BUF_INIT;
	ah_buf_printf(&b, "%s/redirection.config", dir);
	int rc = ah_buf_oom(&b) ? -ENOMEM : watch_dir(d, ah_buf_cstr(&b));
	ah_buf_free(&b);
	return rc;
}

void ad_watch_event(ad_daemon *d)
{
	char buf[8192] __attribute__((aligned(__alignof__(struct inotify_event))));
	const char *base = strrchr(d->apphost_path, '/');
	base = base ? base + 1 : d->apphost_path;
	for (;;) {
		ssize_t n = read(d->watch.fd, buf, sizeof(buf));
		if (n <= 0)
			return;
		for (char *p = buf; p < buf + n;) {
			struct inotify_event *ev = (struct inotify_event *)p;
			if (ev->len && (strcmp(ev->name, base) == 0 ||
					strcmp(ev->name, "redirection.config") == 0) &&
			    !d->reload_at_ms)
				d->reload_at_ms = d->now_ms + DEBOUNCE_MS;
			if (ev->mask & IN_Q_OVERFLOW)
				d->reload_at_ms = d->now_ms + DEBOUNCE_MS;
			p += sizeof(*ev) + ev->len;
		}
	}
}
