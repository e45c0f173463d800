/* Pool and router identities (see ident.h). */
#include "ident.h"

#include "common/log.h"
#include "util/alloc.h"
#include "util/str.h"

#include <errno.h>
#include <grp.h>
#include <pwd.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
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

static bool taken(uid_t u, const uid_t *given, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (given[i] == u)
			return true;
	return getpwuid(u) != NULL;
}

void ad_apppool_uids(const ad_model *m, uid_t *uids)
{
	const ad_pool_def **order = ah_calloc(m->npools ? m->npools : 1, sizeof(*order));
	uid_t *given = ah_calloc(m->npools ? m->npools : 1, sizeof(*given));
	memset(uids, 0, m->npools * sizeof(*uids));
	if (!order || !given) {
		for (size_t i = 0; i < m->npools; i++)
			uids[i] = ad_apppool_uid_hash(m->pools[i].name);
		goto out;
	}
	size_t n = 0;
	for (size_t i = 0; i < m->npools; i++)
		if (m->pools[i].identity == AD_ID_APPPOOL)
			order[n++] = &m->pools[i];
	qsort(order, n, sizeof(*order), by_name);
	const uid_t span = AD_DYNAMIC_UID_MAX - AD_DYNAMIC_UID_MIN + 1;
	for (size_t k = 0; k < n; k++) {
		uid_t u = ad_apppool_uid_hash(order[k]->name);
		for (uid_t tries = 0; tries < span && taken(u, given, k); tries++)
			u = u == AD_DYNAMIC_UID_MAX ? AD_DYNAMIC_UID_MIN : u + 1;
		if (u != ad_apppool_uid_hash(order[k]->name))
			ad_log(AD_LOG_NOTICE, "application pool '%s': uid %u is taken; it runs as uid %u",
			       order[k]->name, (unsigned)ad_apppool_uid_hash(order[k]->name),
			       (unsigned)u);
		given[k] = u;
		uids[order[k] - m->pools] = u;
	}
out:
	ah_free(order);
	ah_free(given);
}

static void nobody(ad_creds *c)
{
	struct passwd *pw = getpwnam("nobody");
	c->uid = pw ? pw->pw_uid : 65534;
	c->gid = pw ? pw->pw_gid : 65534;
}

void ad_pool_creds(ad_creds *c, const ad_pool_def *d, uid_t uid, bool is_root)
{
	memset(c, 0, sizeof(*c));
	if (!is_root) {
		c->change = false;
		return;
	}
	c->change = true;
	switch (d->identity) {
	case AD_ID_APPPOOL:
		c->uid = uid;
		c->gid = (gid_t)uid;
		break;
	case AD_ID_LOCALSYSTEM:
		ad_log(AD_LOG_WARN, "application pool '%s' runs as LocalSystem: its worker runs as "
				    "root. No application pool should run as LocalSystem.",
		       d->name);
		c->uid = 0;
		c->gid = 0;
		break;
	default:
		nobody(c);
		break;
	}
	c->groups[0] = c->gid;
	c->ngroups = 1;
}

/* useradd --system apphost-router; false when it could not be created. */
static bool create_router_user(void)
{
	static const char *paths[] = {"/usr/sbin/useradd", "/sbin/useradd", NULL};
	const char *useradd = NULL;
	for (int i = 0; paths[i]; i++)
		if (access(paths[i], X_OK) == 0)
			useradd = paths[i];
	if (!useradd)
		return false;
	pid_t pid = fork();
	if (pid < 0)
		return false;
	if (pid == 0) {
		char *argv[] = {(char *)useradd, "--system", "--user-group", "--no-create-home",
				"--home-dir", "/nonexistent", "--shell", "/usr/sbin/nologin",
				"--comment", "apphost request router", ROUTER_USER, NULL};
		char *envp[] = {"PATH=/usr/sbin:/usr/bin:/sbin:/bin", NULL};
		execve(useradd, argv, envp);
		_exit(127);
	}
	int status;
	while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
		;
	return WIFEXITED(status) && WEXITSTATUS(status) == 0;
}

void ad_router_creds(ad_creds *c, bool is_root)
{
	memset(c, 0, sizeof(*c));
	if (!is_root)
		return;
	c->change = true;
	struct passwd *pw = getpwnam(ROUTER_USER);
	if (!pw) {
		/* another apphostd may be creating it at the same moment: look again */
		if (create_router_user())
			ad_log(AD_LOG_NOTICE, "created the system user %s for the router",
			       ROUTER_USER);
		pw = getpwnam(ROUTER_USER);
	}
	if (pw && pw->pw_uid != 0) {
		c->uid = pw->pw_uid;
		c->gid = pw->pw_gid;
	} else {
		ad_log(AD_LOG_WARN, "no user %s: the router runs as nobody", ROUTER_USER);
		nobody(c);
	}
	c->groups[0] = c->gid;
	c->ngroups = 1;
}
