/*
 * Configuration backups and configuration history (include/apphost/history.h).
 *
 * On disk:
 *
 *   <config_dir>/backup/            backups (appcmd add backup NAME)
 *       .lock                       held while a backup is added or deleted
 *       NAME/applicationHost.config
 *       NAME/administration.config  when the live one exists
 *       NAME/redirection.config     when the live one exists
 *   <configHistory path>/           history (configHistory section)
 *       .lock                       held while a snapshot is taken or pruned
 *       CFGHISTORY_0000000001/...   the same three files, oldest first
 *
 * A snapshot folder is written under a hidden temporary name, every file
 * fsync'd, then renamed into place (fsdir.h): a crash leaves either no
 * snapshot or a complete one, plus a hidden temporary folder that the next
 * operation under the same folder lock removes (the lock proves its owner is
 * gone). The live files are read and replaced while holding their
 * `<file>.lock`, taken in path order as write transactions take them.
 *
 * Lock order, so that no two operations wait on each other: a folder lock
 * (backup or history) first, then the live files' locks. A transaction
 * releases its file locks before it asks for a history snapshot.
 *
 * When a snapshot is due: the configHistory section is read through the
 * engine at MACHINE/WEBROOT/APPHOST (its values and defaults come from the
 * schema; a store whose schema lacks the section keeps no history). With
 * enabled="true", a snapshot is taken when the files in use differ from the
 * newest snapshot (or there is none) and the newest is at least `period` old
 * (its folder's modification time; a clock that went back counts as due).
 * IIS's helper service checks every `period`; here every write asks, so a
 * burst of writes yields one snapshot per period, and the next write after
 * the period saves the state the burst left.
 */
#include "engine.h"
#include "apphost/history.h"

#include "util/fsdir.h"
#include "util/str.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#define LOCK_TIMEOUT_MS 10000L
#define HISTORY_PREFIX "CFGHISTORY_"
#define HISTORY_DIGITS 10
#define HISTORY_SECTION "system.applicationHost/configHistory"

enum { F_APPHOST, F_ADMIN, F_REDIRECT, NFILES };

static const char *const file_names[NFILES] = {
	"applicationHost.config",
	"administration.config",
	"redirection.config",
};

/* The contents of the files of one snapshot (live or saved). */
typedef struct fileset {
	char *data[NFILES]; /* NULL: absent */
	size_t len[NFILES];
} fileset;

static void fileset_free(fileset *s)
{
	for (int i = 0; i < NFILES; i++) {
		ah_free(s->data[i]);
		s->data[i] = NULL;
		s->len[i] = 0;
	}
}

static bool fileset_equal(const fileset *a, const fileset *b)
{
	for (int i = 0; i < NFILES; i++) {
		if (!a->data[i] != !b->data[i])
			return false;
		if (a->data[i] && (a->len[i] != b->len[i] || memcmp(a->data[i], b->data[i], a->len[i])))
			return false;
	}
	return true;
}

void ah_names_free(ah_names *names)
{
	if (!names)
		return;
	ah_fs_names_free(names->v, names->n);
	names->v = NULL;
	names->n = 0;
}

static char *join(const char *dir, const char *name)
{
	ah_buf b = AH_BUF_INIT;
	ah_buf_printf(&b, "%s/%s", dir, name);
	if (ah_buf_oom(&b)) {
		ah_buf_free(&b);
		return NULL;
	}
	return ah_buf_detach(&b);
}

/* ---- live files ------------------------------------------------------------------- */

/* The live paths: the configuration folder's files, or (in_use) with the
 * applicationHost.config the store actually reads (redirection applied). */
static int live_paths(char *paths[NFILES], ah_config *cfg, bool in_use)
{
	int rc = 0;
	for (int i = 0; i < NFILES; i++) {
		if (i == F_APPHOST && in_use)
			paths[i] = ah_strdup(cfg->apphost_path);
		else
			paths[i] = join(cfg->dir, file_names[i]);
		if (!paths[i])
			rc = AH_ENOMEM;
	}
	return rc;
}

static void paths_free(char *paths[NFILES])
{
	for (int i = 0; i < NFILES; i++) {
		ah_free(paths[i]);
		paths[i] = NULL;
	}
}

/* The locks of the live files, taken in path order (as ah_tx_commit does). */
typedef struct live_locks {
	ah_fs_lock lock[NFILES];
} live_locks;

static void unlock_live(live_locks *l)
{
	for (int i = 0; i < NFILES; i++)
		ah_fs_lock_release(&l->lock[i]);
}

static int lock_live(live_locks *l, char *const paths[NFILES])
{
	int order[NFILES];
	for (int i = 0; i < NFILES; i++) {
		l->lock[i].lock_path = NULL;
		l->lock[i].fd = -1;
		order[i] = i;
	}
	for (int i = 1; i < NFILES; i++)
		for (int j = i; j > 0 && strcmp(paths[order[j - 1]], paths[order[j]]) > 0; j--) {
			int t = order[j];
			order[j] = order[j - 1];
			order[j - 1] = t;
		}
	for (int k = 0; k < NFILES; k++) {
		int i = order[k];
		bool dup = false;
		for (int m = 0; m < k; m++)
			dup |= strcmp(paths[order[m]], paths[i]) == 0;
		if (dup)
			continue;
		int rc = ah_fs_lock_acquire(&l->lock[i], paths[i], LOCK_TIMEOUT_MS);
		if (rc < 0) {
			unlock_live(l);
			return rc;
		}
	}
	return 0;
}

static int read_error(const char *path)
{
	int e = errno;
	return ah_error_set(AH_EIO, e == EACCES ? AH_HR_ACCESS_DENIED : AH_HR_INVALID_DATA, path, 0,
			    e == EACCES ? "Cannot read configuration file due to insufficient "
					  "permissions"
					: "Cannot read configuration file");
}

/* Read the files of paths into s (absent files stay NULL). */
static int read_set(fileset *s, char *const paths[NFILES])
{
	for (int i = 0; i < NFILES; i++) {
		int rc = ah_fs_read(&s->data[i], &s->len[i], NULL, paths[i]);
		if (rc == AH_ENOTFOUND)
			continue;
		if (rc == AH_ENOMEM)
			return rc;
		if (rc < 0)
			return read_error(paths[i]);
	}
	return 0;
}

/* Read the files of snapshot folder dir into s. */
static int read_snapshot(fileset *s, const char *dir)
{
	char *paths[NFILES] = {0};
	int rc = 0;
	for (int i = 0; i < NFILES && rc == 0; i++)
		if (!(paths[i] = join(dir, file_names[i])))
			rc = AH_ENOMEM;
	if (rc == 0)
		rc = read_set(s, paths);
	paths_free(paths);
	return rc;
}

/* Write s as a new snapshot folder parent/name (built hidden, renamed last). */
static int write_snapshot(const fileset *s, const char *parent, const char *name)
{
	char *tmp = NULL;
	int rc = ah_fs_make_temp_dir(&tmp, parent, name);
	for (int i = 0; i < NFILES && rc == 0; i++) {
		if (!s->data[i])
			continue;
		char *p = join(tmp, file_names[i]);
		rc = p ? ah_fs_create_durable(p, s->data[i], s->len[i], 0600) : AH_ENOMEM;
		ah_free(p);
	}
	if (rc == 0)
		rc = ah_fs_sync_dir(tmp);
	char *final = NULL;
	if (rc == 0 && !(final = join(parent, name)))
		rc = AH_ENOMEM;
	if (rc == 0) {
		rc = ah_fs_rename_noreplace(tmp, final);
		if (rc == AH_EEXISTS)
			ah_error_set(AH_EEXISTS, AH_HR_ALREADY_EXISTS, final, 0,
				     "Cannot create a file when that file already exists.");
	}
	if (rc < 0 && tmp)
		ah_fs_remove_tree(tmp);
	ah_free(final);
	ah_free(tmp);
	return rc;
}

/* Under a folder's lock: remove the hidden folders interrupted operations
 * left behind (the lock shows that their owners are gone). */
static void sweep_hidden(const char *dir)
{
	char **names;
	size_t n;
	if (ah_fs_list(&names, &n, dir) < 0)
		return;
	for (size_t i = 0; i < n; i++) {
		if (names[i][0] != '.' || !strstr(names[i], ".tmp."))
			continue;
		char *p = join(dir, names[i]);
		if (p && ah_fs_is_dir(p))
			ah_fs_remove_tree(p);
		ah_free(p);
	}
	ah_fs_names_free(names, n);
}

/* Lock folder dir itself: its lock file is dir/.lock. */
static int lock_folder(ah_fs_lock *l, const char *dir)
{
	l->lock_path = NULL;
	l->fd = -1;
	char *p = join(dir, "");
	if (!p)
		return AH_ENOMEM;
	int rc = ah_fs_lock_acquire(l, p, LOCK_TIMEOUT_MS);
	ah_free(p);
	return rc;
}

static int names_sort_ci(const void *a, const void *b)
{
	const char *x = *(char *const *)a, *y = *(char *const *)b;
	for (; *x && *y; x++, y++) {
		int cx = *x >= 'A' && *x <= 'Z' ? *x + 32 : *x;
		int cy = *y >= 'A' && *y <= 'Z' ? *y + 32 : *y;
		if (cx != cy)
			return cx - cy;
	}
	if (*x || *y)
		return *x ? 1 : -1;
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* The visible sub-folders of dir for which keep() is true, sorted by cmp. */
static int list_folders(ah_names *out, const char *dir, bool (*keep)(const char *),
			int (*cmp)(const void *, const void *))
{
	out->v = NULL;
	out->n = 0;
	char **names;
	size_t n;
	int rc = ah_fs_list(&names, &n, dir);
	if (rc == AH_ENOTFOUND)
		return 0;
	if (rc < 0)
		return rc;
	size_t k = 0;
	for (size_t i = 0; i < n; i++) {
		char *p = names[i][0] != '.' && keep(names[i]) ? join(dir, names[i]) : NULL;
		if (p && ah_fs_is_dir(p))
			names[k++] = names[i];
		else
			ah_free(names[i]);
		ah_free(p);
	}
	if (k > 1)
		qsort(names, k, sizeof(*names), cmp);
	out->v = names;
	out->n = k;
	return 0;
}

/* ---- backups ------------------------------------------------------------------------ */

static char *backup_root(ah_config *cfg)
{
	return join(cfg->dir, "backup");
}

static bool valid_name(const char *name)
{
	if (!name || !*name || name[0] == '.')
		return false;
	for (const unsigned char *p = (const unsigned char *)name; *p; p++)
		if (*p < 0x20 || *p == 0x7f || *p == '/' || *p == '\\')
			return false;
	return strlen(name) <= 255;
}

static int bad_name(const char *name)
{
	return ah_error_set(AH_EINVALID, AH_HR_INVALID_ARG, NULL, 0,
			    "Invalid backup name \"%s\": a backup name is one folder name, not "
			    "starting with '.'",
			    name ? name : "");
}

static bool any_name(const char *name)
{
	(void)name;
	return true;
}

int ah_backup_list(ah_names *out, ah_config *cfg)
{
	char *root = backup_root(cfg);
	int rc = root ? list_folders(out, root, any_name, names_sort_ci) : AH_ENOMEM;
	ah_free(root);
	return rc;
}

bool ah_backup_exists(ah_config *cfg, const char *name)
{
	if (!valid_name(name))
		return false;
	char *root = backup_root(cfg);
	char *p = root ? join(root, name) : NULL;
	bool r = p && ah_fs_is_dir(p);
	ah_free(p);
	ah_free(root);
	return r;
}

static int auto_name(char *buf, size_t n)
{
	time_t now = time(NULL);
	struct tm tm;
	if (!localtime_r(&now, &tm) || strftime(buf, n, "%Y%m%dT%H%M%S", &tm) == 0)
		return ah_error_set(AH_EIO, AH_HR_INVALID_DATA, NULL, 0,
				    "Cannot read the local time");
	return 0;
}

int ah_backup_add(char **out, ah_config *cfg, const char *name)
{
	if (out)
		*out = NULL;
	char stamp[32];
	if (!name) {
		int rc = auto_name(stamp, sizeof(stamp));
		if (rc < 0)
			return rc;
		name = stamp;
	}
	if (!valid_name(name))
		return bad_name(name);
	char *root = backup_root(cfg);
	char *paths[NFILES] = {0};
	fileset s = {{0}, {0}};
	ah_fs_lock folder = {NULL, -1};
	live_locks ll;
	bool locked = false;
	int rc = root ? live_paths(paths, cfg, false) : AH_ENOMEM;
	if (rc == 0 && ah_fs_mkdirs(root) < 0)
		rc = ah_error_set(AH_EIO, AH_HR_ACCESS_DENIED, root, 0,
				  "Cannot create the backup folder: %s", strerror(errno));
	if (rc == 0)
		rc = lock_folder(&folder, root);
	if (rc == 0) {
		sweep_hidden(root);
		if (ah_backup_exists(cfg, name))
			rc = ah_error_set(AH_EEXISTS, AH_HR_ALREADY_EXISTS, NULL, 0,
					  "Cannot create a file when that file already exists.");
	}
	if (rc == 0 && (rc = lock_live(&ll, paths)) == 0)
		locked = true;
	if (rc == 0)
		rc = read_set(&s, paths);
	if (locked)
		unlock_live(&ll);
	if (rc == 0 && !s.data[F_APPHOST])
		rc = ah_error_set(AH_ENOTFOUND, AH_HR_FILE_NOT_FOUND, paths[F_APPHOST], 0,
				  "Cannot read configuration file");
	if (rc == 0)
		rc = write_snapshot(&s, root, name);
	ah_fs_lock_release(&folder);
	if (rc == 0 && out && !(*out = ah_strdup(name)))
		rc = AH_ENOMEM;
	fileset_free(&s);
	paths_free(paths);
	ah_free(root);
	return rc;
}

/* ---- history: settings and folder --------------------------------------------------- */

typedef struct history_cfg {
	bool enabled;
	bool path_set; /* configHistory/@path written in a file */
	char *dir;     /* Linux path */
	uint64_t max;
	int64_t period_s;
} history_cfg;

/* Read configHistory. *kept false: the store keeps no history. */
static int history_settings(history_cfg *h, bool *kept, ah_config *cfg)
{
	memset(h, 0, sizeof(*h));
	*kept = false;
	if (!ah_config_has_schema(cfg, HISTORY_SECTION))
		return 0;
	const ah_section *s;
	int rc = ah_config_lookup(&s, cfg, HISTORY_SECTION, AH_APPHOST_PATH);
	if (rc < 0)
		return rc;
	const ah_elem *e = ah_section_root(s);
	h->enabled = ah_strcaseeq(ah_elem_get(e, "enabled"), "true");
	ah_attr_info path;
	if (!ah_elem_attr(e, "path", &path) || !*path.text)
		return 0;
	h->path_set = path.source == AH_VALUE_SET;
	if (!ah_parse_u64(ah_elem_get(e, "maxHistories"), &h->max) || h->max == 0)
		h->max = 10;
	int64_t ticks = 0;
	if (ah__timespan_parse(ah_elem_get(e, "period"), &ticks) && ticks > 0)
		h->period_s = ticks / 10000000;
	if (!(h->dir = ah_physical_path(path.text)))
		return AH_ENOMEM;
	*kept = true;
	return 0;
}

int ah_history_dir(char **out, ah_config *cfg)
{
	*out = NULL;
	history_cfg h;
	bool kept;
	int rc = history_settings(&h, &kept, cfg);
	if (rc == 0 && !kept)
		rc = ah_error_set(AH_ENOTFOUND, AH_HR_NOT_SUPPORTED, NULL, 0,
				  "The configuration history is not configured");
	if (rc == 0)
		*out = h.dir;
	else
		ah_free(h.dir);
	return rc;
}

/* The counter of a snapshot name, or 0 when name is not one. */
static uint64_t history_number(const char *name)
{
	size_t pl = strlen(HISTORY_PREFIX);
	if (strncmp(name, HISTORY_PREFIX, pl) != 0 || strlen(name) != pl + HISTORY_DIGITS)
		return 0;
	uint64_t v = 0;
	for (const char *p = name + pl; *p; p++) {
		if (*p < '0' || *p > '9')
			return 0;
		v = v * 10 + (uint64_t)(*p - '0');
	}
	return v;
}

static bool is_history_name(const char *name)
{
	return history_number(name) != 0;
}

static int names_sort_plain(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

static int list_history_in(ah_names *out, const char *dir)
{
	return list_folders(out, dir, is_history_name, names_sort_plain);
}

int ah_history_list(ah_names *out, ah_config *cfg)
{
	out->v = NULL;
	out->n = 0;
	history_cfg h;
	bool kept;
	int rc = history_settings(&h, &kept, cfg);
	if (rc == 0 && kept)
		rc = list_history_in(out, h.dir);
	ah_free(h.dir);
	return rc;
}

/* Remove the oldest snapshots beyond max. */
static int prune(const char *dir, uint64_t max)
{
	ah_names l;
	int rc = list_history_in(&l, dir);
	for (size_t i = 0; rc == 0 && l.n - i > max; i++) {
		char *p = join(dir, l.v[i]);
		rc = p ? ah_fs_remove_tree(p) : AH_ENOMEM;
		ah_free(p);
	}
	ah_names_free(&l);
	return rc;
}

/* Whether the newest snapshot is younger than period_s. */
static bool too_recent(const char *dir, const char *newest, int64_t period_s)
{
	char *p = join(dir, newest);
	struct stat st;
	bool r = false;
	if (p && stat(p, &st) == 0) {
		time_t now = time(NULL);
		r = now >= st.st_mtime && (int64_t)(now - st.st_mtime) < period_s;
	}
	ah_free(p);
	return r;
}

/* A copy that is not well-formed XML is never saved nor restored. */
static int check_xml(const char *data, size_t len, const char *path)
{
	ah_arena *a = ah_arena_new();
	if (!a)
		return AH_ENOMEM;
	ah_xdoc doc;
	unsigned line = 0;
	int rc = ah__xml_parse(&doc, a, data, len, &line);
	ah_arena_free(a);
	if (rc == AH_ECONFIG)
		return ah_error_set(AH_ECONFIG, AH_HR_INVALID_DATA, path, line,
				    "Configuration file is not well-formed XML");
	return rc;
}

static int check_set(const fileset *s, char *const paths[NFILES])
{
	for (int i = 0; i < NFILES; i++) {
		if (!s->data[i])
			continue;
		int rc = check_xml(s->data[i], s->len[i], paths[i]);
		if (rc < 0)
			return rc;
	}
	return 0;
}

/* Under the history lock: save the live files as the next snapshot if due. */
static int save_locked(bool *taken, ah_config *cfg, const history_cfg *h, unsigned flags)
{
	ah_names l;
	int rc = list_history_in(&l, h->dir);
	if (rc < 0)
		return rc;
	size_t count = l.n;
	uint64_t last = count ? history_number(l.v[count - 1]) : 0;
	char *newest = count ? join(h->dir, l.v[count - 1]) : NULL;
	bool recent = count && !(flags & AH_HISTORY_FORCE) &&
		      too_recent(h->dir, l.v[count - 1], h->period_s);
	ah_names_free(&l);
	if (count && !newest)
		return AH_ENOMEM;
	char *paths[NFILES] = {0};
	fileset live = {{0}, {0}}, prev = {{0}, {0}};
	live_locks ll;
	if (recent)
		goto out;
	rc = live_paths(paths, cfg, true);
	if (rc == 0 && (rc = lock_live(&ll, paths)) == 0) {
		rc = read_set(&live, paths);
		unlock_live(&ll);
	}
	if (rc < 0 || !live.data[F_APPHOST])
		goto out;
	if (newest) {
		rc = read_snapshot(&prev, newest);
		if (rc < 0 || fileset_equal(&live, &prev))
			goto out;
	}
	rc = check_set(&live, paths);
	if (rc == 0 && last >= 9999999999ULL)
		rc = ah_error_set(AH_EIO, AH_HR_INVALID_DATA, h->dir, 0,
				  "The configuration history counter is exhausted");
	if (rc == 0) {
		char name[32];
		snprintf(name, sizeof(name), HISTORY_PREFIX "%010llu", (unsigned long long)(last + 1));
		rc = write_snapshot(&live, h->dir, name);
	}
	if (rc == 0) {
		*taken = true;
		rc = prune(h->dir, h->max);
	}
out:
	fileset_free(&live);
	fileset_free(&prev);
	paths_free(paths);
	ah_free(newest);
	return rc;
}

int ah_history_save(bool *taken, ah_config *cfg, unsigned flags)
{
	bool dummy;
	if (!taken)
		taken = &dummy;
	*taken = false;
	history_cfg h;
	bool kept;
	int rc = history_settings(&h, &kept, cfg);
	if (rc < 0 || !kept || !h.enabled)
		goto out;
	if (!ah_fs_is_dir(h.dir)) {
		if (!h.path_set)
			goto out; /* the default folder is the installation's to create */
		if (ah_fs_mkdirs(h.dir) < 0) {
			rc = ah_error_set(AH_EIO, AH_HR_ACCESS_DENIED, h.dir, 0,
					  "Cannot create the configuration history folder: %s",
					  strerror(errno));
			goto out;
		}
	}
	ah_fs_lock folder;
	rc = lock_folder(&folder, h.dir);
	if (rc < 0)
		goto out;
	sweep_hidden(h.dir);
	rc = save_locked(taken, cfg, &h, flags);
	ah_fs_lock_release(&folder);
out:
	ah_free(h.dir);
	return rc;
}

void ah_history_after_write(ah_config *cfg)
{
	bool had_error = ah_error_last() != NULL;
	(void)ah_history_save(NULL, cfg, 0);
	if (!had_error)
		ah_error_clear();
}

/* ---- delete and restore ------------------------------------------------------------- */

/* Where the backup or snapshot `name` is: *dir (heap) and whether it is a
 * history snapshot. AH_ENOTFOUND (error set) when neither exists. */
static int find_saved(char **dir, bool *history, char **parent, ah_config *cfg, const char *name)
{
	*dir = NULL;
	*parent = NULL;
	*history = false;
	if (valid_name(name)) {
		char *root = backup_root(cfg);
		char *p = root ? join(root, name) : NULL;
		if (!p) {
			ah_free(root);
			return AH_ENOMEM;
		}
		if (ah_fs_is_dir(p)) {
			*dir = p;
			*parent = root;
			return 0;
		}
		ah_free(p);
		ah_free(root);
	}
	if (name && is_history_name(name)) {
		history_cfg h;
		bool kept;
		int rc = history_settings(&h, &kept, cfg);
		if (rc < 0)
			return rc;
		char *p = kept ? join(h.dir, name) : NULL;
		if (p && ah_fs_is_dir(p)) {
			*dir = p;
			*parent = h.dir;
			*history = true;
			return 0;
		}
		ah_free(p);
		ah_free(h.dir);
	}
	return ah_error_set(AH_ENOTFOUND, AH_HR_NOT_FOUND, NULL, 0,
			    "Cannot find BACKUP object with identifier \"%s\".", name ? name : "");
}

int ah_backup_delete(ah_config *cfg, const char *name)
{
	char *dir, *parent;
	bool history;
	int rc = find_saved(&dir, &history, &parent, cfg, name);
	if (rc < 0)
		return rc;
	ah_fs_lock folder;
	rc = lock_folder(&folder, parent);
	if (rc == 0) {
		rc = ah_fs_is_dir(dir) ? ah_fs_remove_tree(dir)
				       : ah_error_set(AH_ENOTFOUND, AH_HR_NOT_FOUND, NULL, 0,
						      "Cannot find BACKUP object with identifier "
						      "\"%s\".",
						      name);
		ah_fs_lock_release(&folder);
	}
	ah_free(dir);
	ah_free(parent);
	return rc;
}

/* Replace the live files by s (a file s lacks is removed), under their locks. */
static int replace_live(const fileset *s, char *const paths[NFILES])
{
	live_locks ll;
	int rc = lock_live(&ll, paths);
	if (rc < 0)
		return rc;
	for (int i = 0; i < NFILES && rc == 0; i++) {
		if (!s->data[i]) {
			rc = ah_fs_unlink_durable(paths[i]);
			continue;
		}
		char *cur = NULL;
		size_t len = 0;
		int r = ah_fs_read(&cur, &len, NULL, paths[i]);
		bool same = r == 0 && len == s->len[i] && memcmp(cur, s->data[i], len) == 0;
		ah_free(cur);
		if (r == AH_ENOMEM)
			rc = r;
		else if (!same)
			rc = ah_fs_write_atomic(paths[i], s->data[i], s->len[i], 0644);
	}
	unlock_live(&ll);
	return rc;
}

int ah_backup_restore(ah_config *cfg, const char *name)
{
	char *dir, *parent;
	bool history;
	int rc = find_saved(&dir, &history, &parent, cfg, name);
	if (rc < 0)
		return rc;
	fileset s = {{0}, {0}};
	char *copies[NFILES] = {0}, *paths[NFILES] = {0};
	for (int i = 0; i < NFILES && rc == 0; i++)
		if (!(copies[i] = join(dir, file_names[i])))
			rc = AH_ENOMEM;
	if (rc == 0)
		rc = read_set(&s, copies);
	if (rc == 0 && !s.data[F_APPHOST])
		rc = ah_error_set(AH_ECONFIG, AH_HR_FILE_NOT_FOUND, copies[F_APPHOST], 0,
				  "Cannot read configuration file");
	if (rc == 0)
		rc = check_set(&s, copies);
	if (rc == 0) {
		/* keep the configuration being replaced, so the restore can be undone */
		bool had_error = ah_error_last() != NULL;
		(void)ah_history_save(NULL, cfg, AH_HISTORY_FORCE);
		if (!had_error)
			ah_error_clear();
		rc = live_paths(paths, cfg, history);
	}
	if (rc == 0)
		rc = replace_live(&s, paths);
	ah_config_invalidate(cfg);
	fileset_free(&s);
	paths_free(copies);
	paths_free(paths);
	ah_free(dir);
	ah_free(parent);
	return rc;
}
