/*
 * The effective configuration of one URL, as the modules use it.
 *
 * For each configuration path ("MACHINE/WEBROOT/APPHOST/<site><url>") the
 * sections the modules read are looked up once through the engine's cache
 * (ah_config_lookup) and the values the modules need are taken out of them
 * into a wk_urlcfg, kept in the loop's cache: a request costs one hash
 * lookup. A configuration error on any of these sections is kept in the
 * entry (the request gets 500.19) and raised again for every request of that
 * path until a file changes; other paths are not affected.
 *
 * A section that no configuration file declares has its schema defaults:
 * the feature is treated as installed with its default settings, except
 * URL authorization, whose empty rule list would deny everyone: without a
 * declaration it is not installed (IIS setup declares a module's section
 * when it installs the module). httpErrors is read first, so that the error
 * page of a 500.19 caused by another section still follows it; when it is
 * itself unreadable, its defaults apply to the page.
 *
 * The cache is dropped with the engine's whenever a watched file changes
 * (watch.c), and when it holds WK_URLCACHE_MAX paths, so that a client
 * asking for ever new URLs cannot grow it without bound.
 */
#include "worker/worker.h"

#include "util/str.h"

#include <string.h>

#define SEC_FILTER "system.webServer/security/requestFiltering"
#define SEC_DEFDOC "system.webServer/defaultDocument"
#define SEC_BROWSE "system.webServer/directoryBrowse"
#define SEC_STATIC "system.webServer/staticContent"
#define SEC_ERRORS "system.webServer/httpErrors"
#define SEC_PROTOCOL "system.webServer/httpProtocol"
#define SEC_REDIRECT "system.webServer/httpRedirect"
#define SEC_ANON "system.webServer/security/authentication/anonymousAuthentication"
#define SEC_BASIC "system.webServer/security/authentication/basicAuthentication"
#define SEC_AUTHZ "system.webServer/security/authorization"
#define SEC_LOGGING "system.webServer/httpLogging"

void wk_cfgerr_capture(wk_cfgerr *e, int code)
{
	const ah_error *err = ah_error_last();
	e->code = code;
	e->hresult = err ? err->hresult : 0;
	e->message = ah_strdup(err && err->message ? err->message : "Configuration error");
	e->file = err && err->file ? ah_strdup(err->file) : NULL;
	e->line = err ? err->line : 0;
}

void wk_cfgerr_free(wk_cfgerr *e)
{
	ah_free(e->message);
	ah_free(e->file);
	memset(e, 0, sizeof(*e));
}

static bool digits(const char *b, const char *e, uint64_t *v)
{
	if (b >= e || e - b > 12)
		return false;
	*v = 0;
	for (; b < e; b++) {
		if (*b < '0' || *b > '9')
			return false;
		*v = *v * 10 + (uint64_t)(*b - '0');
	}
	return true;
}

bool wk_timespan_ms(const char *text, uint64_t *ms)
{
	/* [d.]hh:mm:ss[.fffffff]; negative spans are not timeouts */
	const char *c1 = strchr(text, ':');
	const char *c2 = c1 ? strchr(c1 + 1, ':') : NULL;
	if (!c2 || strchr(c2 + 1, ':'))
		return false;
	uint64_t days = 0, h, m, s, frac = 0;
	const char *dot = memchr(text, '.', (size_t)(c1 - text));
	if (dot) {
		if (!digits(text, dot, &days))
			return false;
		text = dot + 1;
	}
	const char *end = c2 + 1 + strlen(c2 + 1);
	const char *sdot = strchr(c2 + 1, '.');
	if (!digits(text, c1, &h) || !digits(c1 + 1, c2, &m) ||
	    !digits(c2 + 1, sdot ? sdot : end, &s))
		return false;
	if (sdot) {
		uint64_t f;
		if (end - sdot - 1 > 7 || !digits(sdot + 1, end, &f))
			return false;
		for (long i = end - sdot - 1; i < 7; i++)
			f *= 10;
		frac = f / 10000;
	}
	*ms = (((days * 24 + h) * 60 + m) * 60 + s) * 1000 + frac;
	return true;
}

static uint64_t uint_attr(const ah_elem *e, const char *name, uint64_t def)
{
	uint64_t v;
	return e && ah_parse_u64(ah_elem_get(e, name), &v) ? v : def;
}

static bool bool_attr(const ah_elem *e, const char *name)
{
	return e && ah_strcaseeq(ah_elem_get(e, name), "true");
}

/* A boolean with def when the section is absent. */
static bool bool_def(const ah_elem *e, const char *name, bool def)
{
	if (!e)
		return def;
	const char *v = ah_elem_get(e, name);
	return def ? !ah_strcaseeq(v, "false") : ah_strcaseeq(v, "true");
}

static const ah_elem *child(const ah_elem *e, const char *name)
{
	return e ? ah_elem_child(e, name) : NULL;
}

static unsigned show_flags(const char *text)
{
	static const struct {
		const char *name;
		unsigned bit;
	} flags[] = {{"Date", 2}, {"Time", 4}, {"Size", 8}, {"Extension", 16}, {"LongDate", 32}};
	unsigned bits = 0;
	const char *p = text;
	while (*p) {
		while (*p == ' ' || *p == ',')
			p++;
		size_t n = strcspn(p, ", ");
		for (size_t i = 0; i < sizeof(flags) / sizeof(flags[0]); i++)
			if (n == strlen(flags[i].name) && ah_strncaseeq(p, flags[i].name, n))
				bits |= flags[i].bit;
		p += n;
	}
	return bits;
}

/* The section's root; NULL (and 0) when no file declares the section. */
static int lookup(const ah_elem **out, wk_loop *l, wk_urlcfg *e, const char *name)
{
	*out = NULL;
	ah_error_clear();
	const ah_section *s = NULL;
	int rc = ah_config_lookup(&s, l->cfg, name, e->key);
	if (rc == AH_ENOMEM)
		return rc;
	if (rc == AH_ENOTFOUND) {
		const ah_error *err = ah_error_last();
		if (err && err->hresult == AH_HR_NOT_SUPPORTED) {
			ah_error_clear();
			return 0;
		}
	}
	if (rc == 0)
		*out = ah_section_root(s);
	if (rc < 0) {
		wk_cfgerr_capture(&e->err, rc);
		wk_log("configuration error at %s: %s (%s:%u)", e->key, e->err.message,
		       e->err.file ? e->err.file : "", e->err.line);
		ah_error_clear();
		return rc;
	}
	return 0;
}

static void take_filter(wk_urlcfg *e, const ah_elem *root)
{
	const ah_elem *limits = child(root, "requestLimits");
	e->max_url = uint_attr(limits, "maxUrl", 4096);
	e->max_query = uint_attr(limits, "maxQueryString", 2048);
	e->max_content = uint_attr(limits, "maxAllowedContentLength", 30000000);
	e->header_limits = child(limits, "headerLimits");
	e->hidden_segments = child(root, "hiddenSegments");
	e->file_extensions = child(root, "fileExtensions");
	e->verbs = child(root, "verbs");
	e->always_urls = child(root, "alwaysAllowedUrls");
	e->always_queries = child(root, "alwaysAllowedQueryStrings");
	e->deny_url_seqs = child(root, "denyUrlSequences");
	e->deny_query_seqs = child(root, "denyQueryStringSequences");
	e->filtering_rules = child(root, "filteringRules");
	e->allow_double_escaping = bool_def(root, "allowDoubleEscaping", false);
	e->allow_high_bit = bool_def(root, "allowHighBitCharacters", true);
	e->unescape_query = bool_def(root, "unescapeQueryString", true);
	e->remove_server_header = bool_def(root, "removeServerHeader", false);
}

static void take_static(wk_urlcfg *e, const ah_elem *root)
{
	e->mime_map = root;
	const ah_elem *cc = child(root, "clientCache");
	const char *mode = cc ? ah_elem_get(cc, "cacheControlMode") : "";
	if (ah_strcaseeq(mode, "DisableCache"))
		e->cc_mode = WK_CC_DISABLE;
	else if (ah_strcaseeq(mode, "UseMaxAge"))
		e->cc_mode = WK_CC_MAXAGE;
	else if (ah_strcaseeq(mode, "UseExpires"))
		e->cc_mode = WK_CC_EXPIRES;
	uint64_t ms = 86400000;
	if (cc)
		wk_timespan_ms(ah_elem_get(cc, "cacheControlMaxAge"), &ms);
	e->cc_max_age = ms / 1000;
	e->cc_custom = cc ? ah_elem_get(cc, "cacheControlCustom") : "";
	e->http_expires = cc ? ah_elem_get(cc, "httpExpires") : "";
	e->set_etag = !cc || !ah_strcaseeq(ah_elem_get(cc, "setEtag"), "false");
}

static void take_auth(wk_urlcfg *e, const ah_elem *anon, const ah_elem *basic)
{
	e->anon_enabled = bool_def(anon, "enabled", true);
	e->anon_user = anon ? ah_elem_get(anon, "userName") : "IUSR";
	e->basic_enabled = bool_def(basic, "enabled", false);
	e->basic_realm = basic ? ah_elem_get(basic, "realm") : "";
	e->basic_domain = basic ? ah_elem_get(basic, "defaultLogonDomain") : "";
}

static void take_logging(wk_urlcfg *e, const ah_elem *root)
{
	e->dont_log = bool_def(root, "dontLog", false);
	const char *sel = root ? ah_elem_get(root, "selectiveLogging") : "";
	e->selective_logging = ah_strcaseeq(sel, "LogSuccessful") ? WK_LOG_SUCCESSFUL
	                       : ah_strcaseeq(sel, "LogError")    ? WK_LOG_ERROR
	                                                          : WK_LOG_ALL;
}

/* The sections in the order the pipeline reads them; the first error wins. */
static int load(wk_loop *l, wk_urlcfg *e)
{
	const ah_elem *root, *anon, *basic;
	int rc;
	take_filter(e, NULL);
	take_static(e, NULL);
	take_auth(e, NULL, NULL);
	take_logging(e, NULL);
	e->allow_keepalive = true;
	if ((rc = lookup(&e->http_errors, l, e, SEC_ERRORS)) < 0)
		return rc;
	if ((rc = lookup(&root, l, e, SEC_FILTER)) < 0)
		return rc;
	take_filter(e, root);
	if ((rc = lookup(&anon, l, e, SEC_ANON)) < 0 || (rc = lookup(&basic, l, e, SEC_BASIC)) < 0)
		return rc;
	take_auth(e, anon, basic);
	if ((rc = lookup(&e->authz, l, e, SEC_AUTHZ)) < 0)
		return rc;
	if ((rc = lookup(&root, l, e, SEC_REDIRECT)) < 0)
		return rc;
	e->redirect = bool_attr(root, "enabled") ? root : NULL;
	if ((rc = lookup(&root, l, e, SEC_DEFDOC)) < 0)
		return rc;
	e->defdoc_enabled = bool_def(root, "enabled", true);
	e->defdoc_files = child(root, "files");
	if ((rc = lookup(&root, l, e, SEC_BROWSE)) < 0)
		return rc;
	e->browse_enabled = bool_attr(root, "enabled");
	e->browse_flags = root ? show_flags(ah_elem_get(root, "showFlags")) : 0;
	if ((rc = lookup(&root, l, e, SEC_STATIC)) < 0)
		return rc;
	take_static(e, root);
	if ((rc = lookup(&root, l, e, SEC_PROTOCOL)) < 0)
		return rc;
	e->allow_keepalive = bool_def(root, "allowKeepAlive", true);
	e->custom_headers = child(root, "customHeaders");
	e->redirect_headers = child(root, "redirectHeaders");
	if ((rc = lookup(&root, l, e, SEC_LOGGING)) < 0)
		return rc;
	take_logging(e, root);
	return 0;
}

static void entry_free(wk_urlcfg *e)
{
	wk_cfgerr_free(&e->err);
	ah_free(e->key);
	ah_free(e);
}

void wk_urlcache_flush(wk_urlcache *c)
{
	for (size_t i = 0; i < c->map.cap; i++)
		if (ah_map_key_at(&c->map, i))
			entry_free(ah_map_value_at(&c->map, i));
	ah_map_free(&c->map);
	ah_map_init(&c->map, true);
	c->count = 0;
}

int wk_urlcfg_get(wk_urlcfg **out, wk_loop *l, const char *path)
{
	wk_urlcfg *e = ah_map_get(&l->cache.map, path);
	if (e) {
		*out = e;
		return 0;
	}
	if (l->cache.count >= WK_URLCACHE_MAX) {
		wk_urlcache_flush(&l->cache);
		ah_config_invalidate(l->cfg);
	}
	e = ah_calloc(1, sizeof(*e));
	if (!e || !(e->key = ah_strdup(path))) {
		ah_free(e);
		return AH_ENOMEM;
	}
	int rc = load(l, e);
	if (rc == AH_ENOMEM || (e->err.code && !e->err.message) ||
	    ah_map_put(&l->cache.map, e->key, e) < 0) {
		entry_free(e);
		return AH_ENOMEM;
	}
	l->cache.count++;
	*out = e;
	return 0;
}
