/*
 * Linux accounts as the authentication and authorization modules see them:
 * the account a request runs as, its groups (URL authorization's roles) and
 * whether it may read a file (IIS checks a file's ACL with the request's
 * token and answers 401.3 when it may not).
 *
 *   - a Basic-authenticated request runs as its user (the part after a
 *     "DOMAIN\" prefix);
 *   - an anonymous request runs as anonymousAuthentication/@userName:
 *     "IUSR" is the system account iis-iusr (DESIGN.md §3), another name is
 *     that account, and an empty name is the application pool's identity,
 *     which is the worker itself: the worker's own open() already decided.
 *
 * The read check uses the permission bits (owner, group, other) against the
 * account's uid and groups, the way the kernel checks them without ACLs and
 * capabilities. An account that does not exist on this machine is not
 * checked (logged once per thread). Accounts are looked up at most once a
 * minute per thread (a small cache), not per request.
 */
#include "worker/worker.h"

#include "util/str.h"

#include <grp.h>
#include <pwd.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#define ACCT_CACHE 16
#define ACCT_TTL_MS 60000
#define MAX_GROUPS 256

typedef struct acct_info {
	char name[64];
	bool exists;
	uid_t uid;
	gid_t groups[MAX_GROUPS];
	int ngroups;
	uint64_t until_ms;
} acct_info;

static _Thread_local acct_info cache[ACCT_CACHE];
static _Thread_local unsigned cache_next;

static uint64_t now_ms(void)
{
	return wk_now_us() / 1000;
}

static void load(acct_info *a, const char *name)
{
	memset(a, 0, sizeof(*a));
	snprintf(a->name, sizeof(a->name), "%s", name);
	a->until_ms = now_ms() + ACCT_TTL_MS;
	struct passwd pw, *res = NULL;
	char buf[4096];
	if (getpwnam_r(name, &pw, buf, sizeof(buf), &res) != 0 || !res)
		return;
	a->exists = true;
	a->uid = pw.pw_uid;
	int n = MAX_GROUPS;
	if (getgrouplist(name, pw.pw_gid, a->groups, &n) < 0)
		n = MAX_GROUPS;
	a->ngroups = n;
}

static const acct_info *lookup(const char *name)
{
	if (strlen(name) >= sizeof(cache[0].name))
		return NULL;
	uint64_t now = now_ms();
	for (unsigned i = 0; i < ACCT_CACHE; i++)
		if (cache[i].name[0] && strcmp(cache[i].name, name) == 0 && cache[i].until_ms > now)
			return &cache[i];
	acct_info *a = &cache[cache_next++ % ACCT_CACHE];
	load(a, name);
	return a;
}

/* "DOMAIN\user" -> "user". */
static const char *local_part(const char *name)
{
	const char *bs = strrchr(name, '\\');
	return bs ? bs + 1 : name;
}

bool wk_user_in_group(const char *user, const char *group)
{
	const acct_info *a = lookup(local_part(user));
	if (!a || !a->exists)
		return false;
	struct group gr, *res = NULL;
	char buf[8192];
	if (getgrnam_r(local_part(group), &gr, buf, sizeof(buf), &res) != 0 || !res)
		return false;
	for (int i = 0; i < a->ngroups; i++)
		if (a->groups[i] == gr.gr_gid)
			return true;
	return false;
}

/* The Linux account r runs as; NULL for the pool identity (the worker). */
static const char *account_of(const wk_req *r)
{
	if (!r->logon_method)
		return NULL;
	if (r->user && r->user[0])
		return local_part(r->user);
	const char *anon = r->anon_identity;
	if (!anon || !anon[0])
		return NULL;
	return ah_strcaseeq(anon, "IUSR") ? "iis-iusr" : local_part(anon);
}

bool wk_account_can_read(const wk_req *r, const struct stat *st)
{
	const char *name = account_of(r);
	if (!name)
		return true;
	const acct_info *a = lookup(name);
	if (!a)
		return false;
	if (!a->exists) {
		static _Thread_local char warned[64];
		if (strcmp(warned, name) != 0) {
			wk_log("account '%s' does not exist: files are not checked for it", name);
			snprintf(warned, sizeof(warned), "%s", name);
		}
		return true;
	}
	if (a->uid == 0)
		return true;
	if (st->st_uid == a->uid)
		return (st->st_mode & S_IRUSR) != 0;
	for (int i = 0; i < a->ngroups; i++)
		if (a->groups[i] == st->st_gid)
			return (st->st_mode & S_IRGRP) != 0;
	return (st->st_mode & S_IROTH) != 0;
}
