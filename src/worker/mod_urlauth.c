/*
 * UrlAuthorizationModule (system.webServer/security/authorization), at
 * AUTHORIZE_REQUEST.
 *
 * The section's collection is the merged list of rules of every level, the
 * parent's first. IIS documents how its URL authorization evaluates them
 * ("Understanding IIS URL Authorization", differences table): deny rules
 * first, starting at the parent, then allow rules, starting at the parent,
 * each group in the order of appearance. The first rule that fits decides;
 * when none fits, access is denied. So a user denied at a higher level
 * cannot be allowed at a lower one.
 *
 * A rule fits a request when its verbs (comma list; empty: every verb;
 * compared with case) list the method, and its users or its roles name the
 * request's user: in users, "*" is everyone, "?" the anonymous user, other
 * names are compared without case and without a "DOMAIN\" prefix with the
 * logon user; roles are Linux groups the authenticated user belongs to (the
 * anonymous user is in none).
 *
 * A denied request is 401.2 (IIS 7 and later answer URL authorization
 * denials with 401.2; IIS 6's 401.7 no longer exists), with the challenges
 * of the enabled authentication schemes, so that a browser asks for
 * credentials. Without a declaration of the section, URL authorization is
 * not installed and everything is allowed (urlcfg.c).
 */
#include "worker/worker.h"

#include "util/str.h"

#include <string.h>

/* Call fn on each trimmed, non-empty item of a comma list; true when it
 * returns true for one. */
static bool any_item(const char *list, bool (*fn)(const char *item, size_t n, const wk_req *r),
                     const wk_req *r)
{
	for (const char *p = list; *p;) {
		while (*p == ',' || *p == ' ' || *p == '\t')
			p++;
		size_t n = strcspn(p, ",");
		size_t len = n;
		while (len && (p[len - 1] == ' ' || p[len - 1] == '\t'))
			len--;
		if (len && fn(p, len, r))
			return true;
		p += n;
	}
	return false;
}

static bool verb_is(const char *item, size_t n, const wk_req *r)
{
	return strlen(r->method_name) == n && strncmp(item, r->method_name, n) == 0;
}

static bool user_is(const char *item, size_t n, const wk_req *r)
{
	if (n == 1 && item[0] == '*')
		return true;
	bool anonymous = !r->user || !r->user[0];
	if (n == 1 && item[0] == '?')
		return anonymous;
	if (anonymous)
		return false;
	const char *bs = memchr(item, '\\', n);
	if (bs) {
		n -= (size_t)(bs + 1 - item);
		item = bs + 1;
	}
	const char *u = strrchr(r->user, '\\');
	u = u ? u + 1 : r->user;
	return strlen(u) == n && ah_strncaseeq(u, item, n);
}

static bool role_is(const char *item, size_t n, const wk_req *r)
{
	if (!r->user || !r->user[0])
		return false;
	char group[256];
	if (n >= sizeof(group))
		return false;
	memcpy(group, item, n);
	group[n] = '\0';
	return wk_user_in_group(r->user, group);
}

static bool fits(const ah_elem *rule, const wk_req *r)
{
	const char *verbs = ah_elem_get(rule, "verbs");
	if (*verbs && !any_item(verbs, verb_is, r))
		return false;
	return any_item(ah_elem_get(rule, "users"), user_is, r) ||
	       any_item(ah_elem_get(rule, "roles"), role_is, r);
}

/* 1 allowed, 0 denied. */
static int decide(const ah_elem *rules, const wk_req *r)
{
	size_t n = ah_elem_item_count(rules);
	for (int pass = 0; pass < 2; pass++) {
		const char *type = pass == 0 ? "Deny" : "Allow";
		for (size_t i = 0; i < n; i++) {
			const ah_elem *rule = ah_elem_item_at(rules, i);
			if (ah_strcaseeq(ah_elem_get(rule, "accessType"), type) && fits(rule, r))
				return pass;
		}
	}
	return 0;
}

static int authorize(wk_req *r)
{
	const ah_elem *rules = r->cfg->authz;
	if (!rules || decide(rules, r))
		return WK_CONTINUE;
	wk_resp_error(r, 401, 2);
	r->err_hresult = 0x80070005u; /* E_ACCESSDENIED */
	return WK_FINISHED;
}

const wk_module wk_mod_url_authorization = {
    .name = "UrlAuthorizationModule",
    .hooks = {[WK_STAGE_AUTHORIZE] = authorize},
};
