/* Pool and router identities (see ident.h). */
#include "ident.h"

#include "common/log.h"
#include "util/alloc.h"
#include "util/buf.h"
#include "util/fs.h"
#include "util/map.h"
#include "util/str.h"

#include <errno.h>
#include <grp.h>
#include <pwd.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define ROUTER_USER "apphost-router"

uid_t ad_apppool_uid_hash(const char *pool)
{
	uint32_t h = ah_strhash(pool, true);
	return (uid_t)(AD_DYNAMIC_UID_MIN + h % (AD_DYNAMIC_UID_MAX - AD_DYNAMIC_UID_MIN + 1));
}

static int by_name(const void *a, const void *b)
{
	const ad_pool_def *x = *(const ad_pool_def *const *)a, *y = *(const ad_pool_def *const *)b;
	return strcasecmp(x->name, y->name);
}

static char *registry_path;

void ad_ident_registry(const char *path)
{
	ah_free(registry_path);
	registry_path = path ? ah_strdup(path) : NULL;
}

/*
 * The registry of the numbers given: "<u|g> <number> <pool name>" lines.
 * names maps a pool name (case-insensitively) to its number + 1 for kind;
 * owner maps a number, as text, to the name that holds it. Both borrow
 * their keys from text, which the caller frees.
 */
typedef struct registry {
	char *text;
	ah_map names, owners;
	char (*numbers)[12];
	size_t n;
	bool unreadable; /* it exists but cannot be read: never rewritten */
} registry;

static void registry_load(registry *r, char kind)
{
	memset(r, 0, sizeof(*r));
	ah_map_init(&r->names, true);
	ah_map_init(&r->owners, false);
	size_t len;
	if (!registry_path)
		return;
	int rc = ah_fs_read(&r->text, &len, NULL, registry_path);
	if (rc == AH_ENOTFOUND)
		return; /* no number given yet */
	if (rc < 0) {
		/* rewriting it with only the new numbers would lose every other */
		r->unreadable = true;
		ad_log(AD_LOG_ERR, "cannot read the pool number registry %s: %s; it is left "
				   "as it is, and new numbers are not recorded",
		       registry_path, rc == AH_ENOMEM ? strerror(ENOMEM) : strerror(errno));
		return;
	}
	size_t lines = 1;
	for (size_t i = 0; i < len; i++)
		lines += r->text[i] == '\n';
	r->numbers = ah_calloc(lines, sizeof(*r->numbers));
	for (char *line = r->text, *next; r->numbers && line && *line; line = next) {
		next = strchr(line, '\n');
		if (next)
			*next++ = '\0';
		unsigned long id;
		int used = 0;
		if (line[0] != kind || sscanf(line + 1, " %lu %n", &id, &used) != 1 || !used ||
		    id < AD_DYNAMIC_UID_MIN || id > AD_DYNAMIC_UID_MAX || !line[1 + used])
			continue;
		const char *name = line + 1 + used;
		snprintf(r->numbers[r->n], sizeof(r->numbers[r->n]), "%lu", id);
		if (ah_map_get(&r->owners, r->numbers[r->n]) || ah_map_get(&r->names, name))
			continue; /* the first line of a number or a name counts */
		ah_map_put(&r->owners, r->numbers[r->n], (void *)name);
		ah_map_put(&r->names, name, (void *)(uintptr_t)(id + 1));
		r->n++;
	}
}

static void registry_free(registry *r)
{
	ah_map_free(&r->names);
	ah_map_free(&r->owners);
	ah_free(r->numbers);
	ah_free(r->text);
}

/* A number is taken when an earlier pool has it, the registry gives it to
 * another pool (it may own files still), or an account (group) has it. */
static bool taken(unsigned id, const unsigned *given, size_t n, const registry *r,
		  const char *pool, bool group)
{
	for (size_t i = 0; i < n; i++)
		if (given[i] == id)
			return true;
	char num[12];
	snprintf(num, sizeof(num), "%u", id);
	const char *owner = ah_map_get(&r->owners, num);
	if (owner && !ah_strcaseeq(owner, pool))
		return true;
	return group ? getgrgid((gid_t)id) != NULL : getpwuid((uid_t)id) != NULL;
}

/*
 * Number the pools that all_pools or their identity selects, in name order:
 * each keeps the number the registry gives it, else gets its hash, or the
 * next number no earlier pool, no other registered pool and no account
 * (group when group) holds; new numbers are added to the registry, so that a
 * pool keeps its number (and the files it owns) whatever pools come later.
 * ids[i] for m->pools[i]; 0 when not numbered.
 */
static void number_pools(const ad_model *m, unsigned *ids, bool group)
{
	const ad_pool_def **order = ah_calloc(m->npools ? m->npools : 1, sizeof(*order));
	unsigned *given = ah_calloc(m->npools ? m->npools : 1, sizeof(*given));
	memset(ids, 0, m->npools * sizeof(*ids));
	registry r;
	registry_load(&r, group ? 'g' : 'u');
	ah_buf added = AH_BUF_INIT;
	if (!order || !given) {
		for (size_t i = 0; i < m->npools; i++)
			ids[i] = ad_apppool_uid_hash(m->pools[i].name);
		goto out;
	}
	size_t n = 0;
	for (size_t i = 0; i < m->npools; i++)
		if (group || m->pools[i].identity == AD_ID_APPPOOL)
			order[n++] = &m->pools[i];
	qsort(order, n, sizeof(*order), by_name);
	const unsigned span = AD_DYNAMIC_UID_MAX - AD_DYNAMIC_UID_MIN + 1;
	for (size_t k = 0; k < n; k++) {
		const char *name = order[k]->name;
		uintptr_t reg = (uintptr_t)ah_map_get(&r.names, name);
		unsigned first = ad_apppool_uid_hash(name), u = first;
		bool known = false;
		if (reg) {
			u = (unsigned)(reg - 1);
			known = true;
			for (size_t i = 0; i < k && known; i++)
				known = given[i] != u;
		}
		if (!known) {
			u = first;
			unsigned tries = 0;
			for (; tries < span && taken(u, given, k, &r, name, group); tries++)
				u = u == AD_DYNAMIC_UID_MAX ? AD_DYNAMIC_UID_MIN : u + 1;
			if (tries == span) {
				/* every number is taken: 0, which ad_pool_creds refuses */
				ad_log(AD_LOG_ERR, "application pool '%s': every %s from %u to %u "
						   "is taken; the pool cannot start",
				       name, group ? "group id" : "uid", AD_DYNAMIC_UID_MIN,
				       AD_DYNAMIC_UID_MAX);
				ids[order[k] - m->pools] = 0;
				continue;
			}
			if (u != first)
				ad_log(AD_LOG_NOTICE, "application pool '%s': %s %u is taken; it gets %u",
				       name, group ? "the pool group's gid" : "uid", first, u);
			if (!strchr(name, '\n'))
				ah_buf_printf(&added, "%c %u %s\n", group ? 'g' : 'u', u, name);
		}
		given[k] = u;
		ids[order[k] - m->pools] = u;
	}
	if (registry_path && added.len && !ah_buf_oom(&added) && !r.unreadable) {
		ah_buf all = AH_BUF_INIT;
		char *old = NULL;
		size_t oldlen = 0;
		int rc = ah_fs_read(&old, &oldlen, NULL, registry_path);
		if (rc == 0)
			ah_buf_put(&all, old, oldlen);
		if (all.len && all.ptr[all.len - 1] != '\n')
			ah_buf_puts(&all, "\n");
		ah_buf_put(&all, added.ptr, added.len);
		if (rc < 0 && rc != AH_ENOTFOUND)
			ad_log(AD_LOG_ERR, "cannot read the pool number registry %s again: it is "
					   "left as it is, and new numbers are not recorded",
			       registry_path);
		else if (ah_buf_oom(&all) ||
			 ah_fs_write_atomic(registry_path, all.ptr, all.len, 0644) < 0)
			ad_log(AD_LOG_WARN, "cannot write the pool number registry %s: %s",
			       registry_path, strerror(errno));
		ah_free(old);
		ah_buf_free(&all);
	}
out:
	ah_buf_free(&added);
	registry_free(&r);
	ah_free(order);
	ah_free(given);
}

void ad_apppool_uids(const ad_model *m, uid_t *uids)
{
	unsigned *ids = ah_calloc(m->npools ? m->npools : 1, sizeof(*ids));
	if (!ids) {
		for (size_t i = 0; i < m->npools; i++)
			uids[i] = m->pools[i].identity == AD_ID_APPPOOL
					  ? ad_apppool_uid_hash(m->pools[i].name)
					  : 0;
		return;
	}
	number_pools(m, ids, false);
	for (size_t i = 0; i < m->npools; i++)
		uids[i] = (uid_t)ids[i];
	ah_free(ids);
}

void ad_pool_gids(const ad_model *m, gid_t *gids)
{
	unsigned *ids = ah_calloc(m->npools ? m->npools : 1, sizeof(*ids));
	if (!ids) {
		for (size_t i = 0; i < m->npools; i++)
			gids[i] = ad_apppool_uid_hash(m->pools[i].name);
		return;
	}
	number_pools(m, ids, true);
	for (size_t i = 0; i < m->npools; i++)
		gids[i] = (gid_t)ids[i];
	ah_free(ids);
}

const char *ad_user_part(const char *name)
{
	const char *bs = strrchr(name, '\\');
	return bs ? bs + 1 : name;
}

/*
 * useradd or groupadd --system, for an account apphostd needs. Another
 * apphostd (or an administrator) may create the same account at the same
 * moment: the tool then fails or waits for the account files' lock, and the
 * caller looks the account up again rather than trusting the exit status.
 */
static bool run_tool(const char *tool, char *const *args, size_t nargs)
{
	char path[64];
	const char *dirs[] = {"/usr/sbin/", "/sbin/", NULL};
	const char *found = NULL;
	for (int i = 0; dirs[i] && !found; i++) {
		snprintf(path, sizeof(path), "%s%s", dirs[i], tool);
		if (access(path, X_OK) == 0)
			found = path;
	}
	if (!found)
		return false;
	char *argv[16] = {(char *)found};
	if (nargs > 14)
		return false;
	for (size_t i = 0; i < nargs; i++)
		argv[i + 1] = args[i];
	pid_t pid = fork();
	if (pid < 0)
		return false;
	if (pid == 0) {
		char *envp[] = {"PATH=/usr/sbin:/usr/bin:/sbin:/bin", NULL};
		execve(found, argv, envp);
		_exit(127);
	}
	int status;
	while (waitpid(pid, &status, 0) < 0)
		if (errno != EINTR)
			return false;
	return WIFEXITED(status) && WEXITSTATUS(status) == 0;
}

static void pause_ms(long ms)
{
	struct timespec ts = {0, ms * 1000000L};
	while (nanosleep(&ts, &ts) < 0 && errno == EINTR)
		;
}

/* An account's ids, when it exists: a user's uid and primary gid, or a
 * group's gid (when uid is NULL). */
static bool lookup(const char *name, uid_t *uid, gid_t *gid)
{
	if (!uid) {
		struct group *gr = getgrnam(name);
		if (gr)
			*gid = gr->gr_gid;
		return gr != NULL;
	}
	struct passwd *pw = getpwnam(name);
	if (pw) {
		*uid = pw->pw_uid;
		*gid = pw->pw_gid;
	}
	return pw != NULL;
}

/*
 * A system account apphostd needs, created when missing: a user (with a
 * group of its own, no home, no shell) when uid is given, else a group.
 * Looked up again after each attempt. False when it does not exist and
 * cannot be made.
 */
static bool system_account(const char *name, const char *comment, uid_t *uid, gid_t *gid)
{
	char *user_args[] = {"--system", "--user-group", "--no-create-home", "--home-dir",
			     "/nonexistent", "--shell", "/usr/sbin/nologin", "--comment",
			     (char *)comment, (char *)name, NULL};
	char *group_args[] = {"--system", (char *)name, NULL};
	for (int attempt = 0;; attempt++) {
		if (lookup(name, uid, gid))
			return true;
		if (attempt == 3)
			return false;
		if (attempt)
			pause_ms(100);
		if (uid ? run_tool("useradd", user_args, sizeof(user_args) / sizeof(*user_args) - 1)
			: run_tool("groupadd", group_args, sizeof(group_args) / sizeof(*group_args) - 1))
			ad_log(AD_LOG_NOTICE, "created the system %s %s", uid ? "user" : "group",
			       name);
	}
}

static bool system_user(const char *name, const char *comment, uid_t *uid, gid_t *gid)
{
	return system_account(name, comment, uid, gid);
}

static bool system_group(const char *name, gid_t *gid)
{
	return system_account(name, NULL, NULL, gid);
}

void ad_system_accounts(bool is_root)
{
	if (!is_root)
		return;
	uid_t u;
	gid_t g;
	if (!system_user(AD_USER_LOCALSERVICE, "apphost LocalService", &u, &g))
		ad_log(AD_LOG_WARN, "cannot create the system user %s", AD_USER_LOCALSERVICE);
	if (!system_user(AD_USER_NETWORKSERVICE, "apphost NetworkService", &u, &g))
		ad_log(AD_LOG_WARN, "cannot create the system user %s", AD_USER_NETWORKSERVICE);
	if (!system_user(AD_USER_IUSR, "apphost anonymous user (IUSR)", &u, &g))
		ad_log(AD_LOG_WARN, "cannot create the system user %s", AD_USER_IUSR);
	if (!system_group(AD_GROUP_IUSRS, &g))
		ad_log(AD_LOG_WARN, "cannot create the system group %s", AD_GROUP_IUSRS);
}

static void nobody(ad_creds *c)
{
	struct passwd *pw = getpwnam("nobody");
	c->uid = pw ? pw->pw_uid : 65534;
	c->gid = pw ? pw->pw_gid : 65534;
}

static void add_group(ad_creds *c, gid_t g)
{
	for (size_t i = 0; i < c->ngroups; i++)
		if (c->groups[i] == g)
			return;
	if (c->ngroups < AD_CREDS_MAX_GROUPS)
		c->groups[c->ngroups++] = g;
}

/* A SpecificUser's account: its uid, primary group and its groups (as a
 * logon gets them), the last two slots kept for the pool's groups. */
static bool specific_user(ad_creds *c, const ad_pool_def *d)
{
	const char *name = ad_user_part(d->user_name);
	struct passwd *pw = *name ? getpwnam(name) : NULL;
	if (!pw)
		return false;
	c->uid = pw->pw_uid;
	c->gid = pw->pw_gid;
	gid_t groups[AD_CREDS_MAX_GROUPS];
	int n = AD_CREDS_MAX_GROUPS - 2;
	if (getgrouplist(name, c->gid, groups, &n) < 0) {
		ad_log(AD_LOG_WARN, "application pool '%s': user %s is in more than %d groups; "
				    "its worker gets the first ones",
		       d->name, name, AD_CREDS_MAX_GROUPS - 2);
		n = AD_CREDS_MAX_GROUPS - 2;
	}
	add_group(c, c->gid);
	for (int i = 0; i < n; i++)
		add_group(c, groups[i]);
	return true;
}

/* Credentials that refuse to apply: root owns the pool's files, and no
 * worker starts (ad_creds_apply fails). */
static void refuse(ad_creds *c)
{
	c->refuse = true;
	c->uid = 0;
	c->gid = 0;
	c->ngroups = 0;
}

void ad_pool_creds(ad_creds *c, const ad_pool_def *d, uid_t uid, gid_t gid, bool is_root)
{
	memset(c, 0, sizeof(*c));
	if (!is_root)
		return;
	c->change = true;
	c->pool_gid = gid;
	switch (d->identity) {
	case AD_ID_APPPOOL:
		c->uid = uid;
		c->gid = gid;
		break;
	case AD_ID_LOCALSYSTEM:
		c->uid = 0;
		c->gid = 0;
		break;
	case AD_ID_LOCALSERVICE:
	case AD_ID_NETWORKSERVICE: {
		const char *name = d->identity == AD_ID_LOCALSERVICE ? AD_USER_LOCALSERVICE
								     : AD_USER_NETWORKSERVICE;
		if (!system_user(name, "apphost service account", &c->uid, &c->gid)) {
			ad_log(AD_LOG_WARN, "application pool '%s': no user %s: its worker runs "
					    "as nobody",
			       d->name, name);
			nobody(c);
		}
		c->no_network = d->identity == AD_ID_LOCALSERVICE;
		if (c->uid == 0 || c->gid == 0) {
			/* a service account that is root in disguise */
			ad_log(AD_LOG_ERR, "application pool '%s': the system user %s has uid %u "
					   "and gid %u; a service account must not be root: the "
					   "pool cannot start",
			       d->name, name, (unsigned)c->uid, (unsigned)c->gid);
			refuse(c);
		}
		break;
	}
	case AD_ID_SPECIFICUSER:
		if (!specific_user(c, d))
			refuse(c); /* the logon refuses the worker */
		break;
	}
	/* no number was left for the pool's uid or group (number_pools) */
	if (gid == 0 || (d->identity == AD_ID_APPPOOL && uid == 0))
		refuse(c);
	if (c->refuse)
		return;
	add_group(c, c->gid);
	add_group(c, gid);
	gid_t iusrs;
	if (!d->manual_groups) {
		if (system_group(AD_GROUP_IUSRS, &iusrs))
			add_group(c, iusrs);
		else
			ad_log(AD_LOG_WARN, "application pool '%s': no group %s: its worker runs "
					    "without it",
			       d->name, AD_GROUP_IUSRS);
	}
}

void ad_router_creds(ad_creds *c, bool is_root)
{
	memset(c, 0, sizeof(*c));
	if (!is_root)
		return;
	c->change = true;
	if (!system_user(ROUTER_USER, "apphost request router", &c->uid, &c->gid) ||
	    c->uid == 0) {
		ad_log(AD_LOG_WARN, "no user %s: the router runs as nobody", ROUTER_USER);
		nobody(c);
	}
	c->groups[0] = c->gid;
	c->ngroups = 1;
}
