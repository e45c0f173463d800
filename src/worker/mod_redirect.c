/*
 * HttpRedirectionModule (system.webServer/httpRedirect), at
 * MAP_REQUEST_HANDLER (after authentication and authorization, as IIS's
 * module registers).
 *
 * Where the section is enabled, a request is answered with a redirect:
 *
 *   - the status is httpResponseStatus: Permanent 301, Found 302 (default),
 *     Temporary 307, PermRedirect 308;
 *   - the "level" is the configuration path where destination (else
 *     enabled) was set, as a URL path of the site; the request's suffix is
 *     the part of its path below that level ("/old" redirected, "/old/a.htm"
 *     asked: "/a.htm");
 *   - destination set, exactDestination="false" and no variable in it: the
 *     destination followed by the suffix ("relative to destination");
 *     exactDestination="true", or variables in it: the destination with its
 *     variables replaced, nothing appended;
 *   - childOnly="true": only requests for content directly in the level's
 *     folder are redirected ("not subdirectories"), not the folder itself;
 *   - destination empty: the wildcard rules (the collection; IIS's
 *     documentation: the wildcard rules work only without a destination),
 *     in order; a rule's wildcard ('*' for any characters, case ignored) is
 *     matched against the suffix below the rule's own level (with its
 *     leading '/', then without it), and its destination, variables
 *     replaced, is the location as written;
 *   - variables, as IIS documents them: $S the suffix, $P the query string,
 *     $Q '?' and the query string (nothing without one), $V the URL path
 *     without the host, $0 to $9 what the first to tenth '*' of the wildcard
 *     matched. Paths are written percent-encoded, query strings as received.
 *
 * The query string is kept only through $Q or $P, as in IIS. The body is
 * IIS's "Object Moved" page; redirectHeaders are added by the
 * ProtocolSupportModule.
 */
#include "worker/worker.h"

#include "util/str.h"

#include <ctype.h>
#include <string.h>

#define APPHOST_PREFIX "MACHINE/WEBROOT/APPHOST/"
#define MAX_CAPS 10

bool wk_wildcard_match(const char *pat, const char *s, const char **caps, size_t *caplens,
                       size_t maxcaps)
{
	size_t pi = 0, si = 0, star = SIZE_MAX, mark = 0;
	size_t start[MAX_CAPS], end[MAX_CAPS];
	long k = -1, nstars = 0;
	while (s[si]) {
		if (pat[pi] == '*') {
			if (k >= 0 && k < MAX_CAPS)
				end[k] = mark;
			k = nstars++;
			if (k < MAX_CAPS)
				start[k] = si;
			star = pi++;
			mark = si;
		} else if (pat[pi] &&
		           tolower((unsigned char)pat[pi]) == tolower((unsigned char)s[si])) {
			pi++;
			si++;
		} else if (star != SIZE_MAX) {
			pi = star + 1;
			si = ++mark;
		} else {
			return false;
		}
	}
	while (pat[pi] == '*') {
		if (k >= 0 && k < MAX_CAPS)
			end[k] = mark;
		k = nstars++;
		if (k < MAX_CAPS)
			start[k] = si;
		mark = si;
		pi++;
	}
	if (pat[pi])
		return false;
	if (k >= 0 && k < MAX_CAPS)
		end[k] = mark;
	for (long i = 0; caps && i < nstars && i < MAX_CAPS && (size_t)i < maxcaps; i++) {
		caps[i] = s + start[i];
		caplens[i] = end[i] > start[i] ? end[i] - start[i] : 0;
	}
	return true;
}

void wk_redirect_body(ah_buf *out, const char *loc)
{
	ah_buf_puts(out, "<head><title>Document Moved</title></head>\n<body><h1>Object Moved"
	                 "</h1>This document may be found <a HREF=\"");
	wk_html_escape(out, loc);
	ah_buf_puts(out, "\">here</a></body>");
}

typedef struct vars {
	const char *suffix;
	const char *caps[MAX_CAPS];
	size_t caplens[MAX_CAPS];
	size_t ncaps;
} vars;

/* The URL path (in the site) of the level where an element was set. */
static const char *level_of(const wk_req *r, ah_origin o)
{
	const char *cp = o.config_path;
	size_t pl = strlen(APPHOST_PREFIX), sl = strlen(r->site->name);
	if (!cp || !ah_strncaseeq(cp, APPHOST_PREFIX, pl) ||
	    !ah_strncaseeq(cp + pl, r->site->name, sl) || (cp[pl + sl] && cp[pl + sl] != '/'))
		return "/";
	return cp[pl + sl] ? cp + pl + sl : "/";
}

/* The part of path below level ("" for the level itself); NULL when the
 * path is not under it. */
static const char *suffix_of(const char *path, const char *level)
{
	size_t n = strlen(level);
	while (n && level[n - 1] == '/')
		n--;
	if (n == 0)
		return path;
	if (!ah_strncaseeq(path, level, n) || (path[n] && path[n] != '/'))
		return NULL;
	return path + n;
}

static bool has_vars(const char *s)
{
	for (; *s; s++)
		if (s[0] == '$' && s[1] && strchr("SQPVsqpv0123456789", s[1]))
			return true;
	return false;
}

static void expand(ah_buf *b, const char *dest, const wk_req *r, const vars *v)
{
	for (const char *p = dest; *p; p++) {
		char c = p[0] == '$' ? p[1] : 0;
		if (c == 'S' || c == 's') {
			wk_url_encode_path(b, v->suffix);
		} else if (c == 'Q' || c == 'q') {
			if (r->query) {
				ah_buf_putc(b, '?');
				ah_buf_puts(b, r->query);
			}
		} else if (c == 'P' || c == 'p') {
			if (r->query)
				ah_buf_puts(b, r->query);
		} else if (c == 'V' || c == 'v') {
			wk_url_encode_path(b, r->path);
		} else if (c >= '0' && c <= '9') {
			size_t i = (size_t)(c - '0');
			if (i < v->ncaps) {
				char *cap = ah_strndup(v->caps[i], v->caplens[i]);
				if (cap)
					wk_url_encode_path(b, cap);
				ah_free(cap);
			}
		} else {
			ah_buf_putc(b, *p);
			continue;
		}
		p++;
	}
}

static int status_of(const char *name)
{
	if (ah_strcaseeq(name, "Permanent"))
		return 301;
	if (ah_strcaseeq(name, "Temporary"))
		return 307;
	if (ah_strcaseeq(name, "PermRedirect") || ah_strcaseeq(name, "PermanentRedirect"))
		return 308;
	return 302;
}

static ah_origin origin_of(const ah_elem *sec)
{
	ah_attr_info info;
	if (ah_elem_attr(sec, "destination", &info) && info.source == AH_VALUE_SET)
		return info.origin;
	if (ah_elem_attr(sec, "enabled", &info) && info.source == AH_VALUE_SET)
		return info.origin;
	return ah_elem_origin(sec);
}

static char *finish(ah_buf *b, wk_req *r)
{
	char *s = ah_buf_oom(b) ? NULL : ah_arena_strdup(r->arena, ah_buf_cstr(b));
	ah_buf_free(b);
	return s;
}

static char *by_wildcard(wk_req *r, const ah_elem *sec, vars *v)
{
	for (size_t i = 0; i < ah_elem_item_count(sec); i++) {
		const ah_elem *item = ah_elem_item_at(sec, i);
		const char *suffix = suffix_of(r->path, level_of(r, ah_elem_origin(item)));
		if (!suffix)
			continue;
		const char *pat = ah_elem_get(item, "wildcard");
		v->suffix = suffix;
		v->ncaps = MAX_CAPS;
		memset(v->caps, 0, sizeof(v->caps));
		memset(v->caplens, 0, sizeof(v->caplens));
		if (!wk_wildcard_match(pat, suffix, v->caps, v->caplens, MAX_CAPS) &&
		    !(suffix[0] == '/' &&
		      wk_wildcard_match(pat, suffix + 1, v->caps, v->caplens, MAX_CAPS)))
			continue;
		for (size_t k = 0; k < MAX_CAPS; k++)
			if (!v->caps[k])
				v->caps[k] = "";
		ah_buf b = AH_BUF_INIT;
		expand(&b, ah_elem_get(item, "destination"), r, v);
		return finish(&b, r);
	}
	return NULL;
}

char *wk_redirect_target(wk_req *r, const ah_elem *sec, int *status)
{
	*status = status_of(ah_elem_get(sec, "httpResponseStatus"));
	vars v;
	memset(&v, 0, sizeof(v));
	const char *dest = ah_elem_get(sec, "destination");
	if (!*dest)
		return by_wildcard(r, sec, &v);
	const char *suffix = suffix_of(r->path, level_of(r, origin_of(sec)));
	if (!suffix)
		return NULL;
	if (ah_strcaseeq(ah_elem_get(sec, "childOnly"), "true") &&
	    (!suffix[0] || !suffix[1] || strchr(suffix + 1, '/')))
		return NULL;
	v.suffix = suffix;
	ah_buf b = AH_BUF_INIT;
	if (ah_strcaseeq(ah_elem_get(sec, "exactDestination"), "true") || has_vars(dest)) {
		expand(&b, dest, r, &v);
	} else {
		size_t n = strlen(dest);
		if (n && dest[n - 1] == '/' && suffix[0] == '/')
			n--;
		ah_buf_put(&b, dest, n);
		wk_url_encode_path(&b, suffix);
	}
	return finish(&b, r);
}

static int map_handler(wk_req *r)
{
	if (!r->cfg->redirect)
		return WK_CONTINUE;
	int status;
	char *loc = wk_redirect_target(r, r->cfg->redirect, &status);
	if (!loc || !*loc)
		return WK_CONTINUE;
	ah_buf body = AH_BUF_INIT;
	wk_redirect_body(&body, loc);
	wk_resp_error(r, status, 0);
	wk_resp_header(r, "Location", loc);
	wk_resp_body(r, "text/html; charset=UTF-8", ah_buf_cstr(&body), body.len);
	bool oom = ah_buf_oom(&body);
	ah_buf_free(&body);
	return oom ? AH_ENOMEM : WK_FINISHED;
}

const wk_module wk_mod_http_redirection = {
    .name = "HttpRedirectionModule",
    .hooks = {[WK_STAGE_RESOLVE_HANDLER] = map_handler},
};
