/*
 * Watching the configuration files with inotify, so that a change is seen by
 * the next request without a restart (DESIGN.md §5).
 *
 * A loop watches its configuration folder (applicationHost.config,
 * administration.config, redirection.config), framework/ (machine.config,
 * the root web.config) and the folder applicationHost.config is actually read
 * from, and every content folder of the URLs it has served: the folder
 * each prefix of a URL maps to. A folder watch sees a web.config being
 * written, created, deleted or renamed, and a sub folder appearing or
 * disappearing (which changes the chain of folders of the URLs below it).
 *
 * Events are only collected here; loop.c drops the caches. The event queue is
 * read before the requests of each loop iteration, and inotify queues an
 * event when the write completes, so a change made before a request is sent
 * is seen by that request.
 */
#include "worker/worker.h"

#include "util/str.h"

#include <errno.h>
#include <stdint.h>
#include <string.h>
#include <sys/inotify.h>
#include <unistd.h>

#define DIR_MASK                                                                                   \
	(IN_CLOSE_WRITE | IN_MOVED_TO | IN_MOVED_FROM | IN_CREATE | IN_DELETE | IN_DELETE_SELF |   \
	 IN_MOVE_SELF | IN_ATTRIB | IN_ONLYDIR)

static int add(wk_watch *w, const char *dir)
{
	int wd = inotify_add_watch(w->fd, dir, DIR_MASK);
	if (wd < 0) {
		if (errno == ENOSPC)
			wk_log("inotify: no watch left for %s: raise fs.inotify.max_user_watches",
			       dir);
		return -1;
	}
	if ((size_t)wd >= w->npaths) {
		size_t n = (size_t)wd + 64;
		char **p = ah_realloc(w->paths, n * sizeof(*p));
		if (!p)
			return -1;
		memset(p + w->npaths, 0, (n - w->npaths) * sizeof(*p));
		w->paths = p;
		w->npaths = n;
	}
	if (!w->paths[wd] && !(w->paths[wd] = ah_strdup(dir)))
		return -1;
	ah_map_put(&w->dirs, w->paths[wd], (void *)(intptr_t)(wd + 1));
	return wd;
}

int wk_watch_init(wk_watch *w, ah_config *cfg)
{
	memset(w, 0, sizeof(*w));
	ah_map_init(&w->dirs, false);
	w->fd = inotify_init1(IN_NONBLOCK | IN_CLOEXEC);
	if (w->fd < 0)
		return AH_EIO;
	const char *dir = ah_config_dir(cfg);
	char *fw = ah_malloc(strlen(dir) + 16);
	char *ah = ah_strdup(ah_config_apphost_path(cfg));
	if (!fw || !ah) {
		ah_free(fw);
		ah_free(ah);
		return AH_ENOMEM;
	}
	memcpy(fw, dir, strlen(dir));
	memcpy(fw + strlen(dir), "/framework", sizeof("/framework"));
	char *slash = strrchr(ah, '/');
	if (slash)
		*slash = '\0';
	const char *dirs[] = {dir, fw, slash ? ah : "."};
	for (size_t i = 0; i < 3; i++) {
		int wd = add(w, dirs[i]);
		if (wd >= 0 && w->ncfg < 4)
			w->cfg_wds[w->ncfg++] = wd;
	}
	ah_free(fw);
	ah_free(ah);
	return 0;
}

void wk_watch_free(wk_watch *w)
{
	if (w->fd >= 0)
		close(w->fd);
	w->fd = -1;
	ah_map_free(&w->dirs);
	for (size_t i = 0; i < w->npaths; i++)
		ah_free(w->paths[i]);
	ah_free(w->paths);
	w->paths = NULL;
	w->npaths = 0;
}

void wk_watch_dir(wk_watch *w, const char *dir)
{
	if (w->fd < 0 || ah_map_get(&w->dirs, dir))
		return;
	add(w, dir);
}

static bool is_cfg_wd(const wk_watch *w, int wd)
{
	for (size_t i = 0; i < w->ncfg; i++)
		if (w->cfg_wds[i] == wd)
			return true;
	return false;
}

static bool ends_with_ci(const char *s, const char *suffix)
{
	size_t n = strlen(s), m = strlen(suffix);
	return n >= m && ah_strcaseeq(s + n - m, suffix);
}

static void one_event(wk_watch *w, const struct inotify_event *ev, bool *content, bool *server)
{
	const char *name = ev->len ? ev->name : "";
	if (ev->mask & IN_Q_OVERFLOW) {
		*content = *server = true;
		return;
	}
	if (is_cfg_wd(w, ev->wd)) {
		if (ends_with_ci(name, ".config") || (ev->mask & (IN_DELETE_SELF | IN_MOVE_SELF)))
			*server = true;
		return;
	}
	if (ev->mask & IN_IGNORED) {
		/* the folder is gone: watch it again when a request reaches it */
		if (ev->wd >= 0 && (size_t)ev->wd < w->npaths && w->paths[ev->wd])
			ah_map_put(&w->dirs, w->paths[ev->wd], NULL);
		*content = true;
		return;
	}
	if ((ev->mask & (IN_DELETE_SELF | IN_MOVE_SELF)) || (ev->mask & IN_ISDIR) ||
	    ah_strcaseeq(name, "web.config"))
		*content = true;
}

void wk_watch_read(wk_watch *w, bool *content, bool *server)
{
	char buf[8192] __attribute__((aligned(__alignof__(struct inotify_event))));
	for (;;) {
		ssize_t n = read(w->fd, buf, sizeof(buf));
		if (n <= 0)
			return;
		for (char *p = buf; p < buf + n;) {
			const struct inotify_event *ev = (const struct inotify_event *)p;
			one_event(w, ev, content, server);
			p += sizeof(*ev) + ev->len;
		}
	}
}
