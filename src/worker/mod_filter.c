/*
 * RequestFilteringModule (system.webServer/security/requestFiltering), at
 * BEGIN_REQUEST. What it checks and the status it answers with, as IIS
 * documents them (the status is 404 so that a probe learns nothing; the
 * sub-status, in the log and on the detailed error page, tells the
 * administrator why), in the order they are checked:
 *
 *   Content-Length above requestLimits/@maxAllowedContentLength     404.13
 *   URL path (as received) longer than requestLimits/@maxUrl        404.14
 *   query string longer than requestLimits/@maxQueryString          404.15
 *   a URL segment listed in hiddenSegments, or web.config or bin
 *     (never served, whatever the configuration says)               404.8
 *   allowDoubleEscaping="false" and the URL decoded once still
 *     holds an escape (%XX) or a '+'                                 404.11
 *   allowHighBitCharacters="false" and a byte >= 0x80 in the URL    404.12
 *   the URL (as received, or decoded once) contains one of
 *     denyUrlSequences (case ignored)                               404.5
 *   the query string (as received, and unescaped when
 *     unescapeQueryString) contains one of denyQueryStringSequences 404.18
 *   the extension denied (or unlisted, allowUnlisted="false")       404.7
 *   the verb denied (or unlisted, allowUnlisted="false")            404.6
 *   a header longer than its headerLimits/@sizeLimit                404.10
 *   a filteringRule that applies to the extension (appliesTo; empty:
 *     every request) finds one of its denyStrings in what it scans:
 *     scanUrl the URL, scanQueryString the query string (raw, and
 *     unescaped when unescapeQueryString), scanHeaders the listed
 *     headers, scanAllRaw every header line; denyUnescapedPercent
 *     refuses a '%' that starts no escape in the URL or query scanned 404.19
 *
 * A URL path listed in alwaysAllowedUrls (whole path, case ignored) skips
 * the checks of the URL (double escaping, high-bit characters, URL
 * sequences, extension, configured hidden segments, the rules' URL scans);
 * a query string listed in alwaysAllowedQueryStrings skips the query-string
 * sequences and the rules' query scans. Lengths, verbs, headers and the
 * built-in hidden segments are always checked.
 *
 * A request refused for its content length is answered without reading the
 * body, and the connection is closed. The verdicts that depend only on the
 * URL path (hidden segments, extension, always allowed) are computed once
 * per URL and kept in its wk_urlcfg.
 */
#include "worker/worker.h"

#include "util/str.h"

#include <string.h>

/* True when some '/'-separated segment of path equals seg (ASCII case). */
static bool has_segment(const char *path, const char *seg)
{
	size_t n = strlen(seg);
	if (n == 0)
		return false;
	for (const char *p = path; *p;) {
		while (*p == '/')
			p++;
		size_t len = strcspn(p, "/");
		if (len == n && ah_strncaseeq(p, seg, n))
			return true;
		p += len;
	}
	return false;
}

/* Case-insensitive substring. */
static bool ci_contains(const char *hay, size_t hlen, const char *needle)
{
	size_t n = strlen(needle);
	if (n == 0 || n > hlen)
		return false;
	for (size_t i = 0; i + n <= hlen; i++)
		if (ah_strncaseeq(hay + i, needle, n))
			return true;
	return false;
}

static bool is_hex(char c)
{
	return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F');
}

/* A '%' that starts no %XX escape. */
static bool bare_percent(const char *s, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (s[i] == '%' && (i + 2 >= n || !is_hex(s[i + 1]) || !is_hex(s[i + 2])))
			return true;
	return false;
}

static bool has_escape(const char *s)
{
	for (; *s; s++)
		if (s[0] == '%' && is_hex(s[1]) && is_hex(s[2]))
			return true;
	return false;
}

/* The extension of the URL's last segment (with its dot), "" when none. */
static const char *extension(const char *path)
{
	const char *last = strrchr(path, '/');
	const char *dot = strrchr(last ? last : path, '.');
	return dot ? dot : "";
}

static int check_extension(const wk_urlcfg *cfg, const char *path)
{
	const ah_elem *fe = cfg->file_extensions;
	if (!fe)
		return 0;
	const char *ext = extension(path);
	const ah_elem *item = *ext ? ah_elem_find_item(fe, "fileExtension", ext) : NULL;
	if (item)
		return ah_strcaseeq(ah_elem_get(item, "allowed"), "true") ? 0 : 7;
	return ah_strcaseeq(ah_elem_get(fe, "allowUnlisted"), "false") ? 7 : 0;
}

static bool listed(const ah_elem *coll, const char *key, const char *value)
{
	for (size_t i = 0; coll && i < ah_elem_item_count(coll); i++)
		if (ah_strcaseeq(ah_elem_get(ah_elem_item_at(coll, i), key), value))
			return true;
	return false;
}

/* The cached verdict on the URL path: 0, 8 or 7; sets cfg->url_always. */
static int url_verdict(wk_urlcfg *cfg, const char *path)
{
	if (cfg->url_checked)
		return cfg->url_substatus;
	int sub = 0;
	if (has_segment(path, "web.config") || has_segment(path, "bin"))
		sub = 8;
	cfg->url_always = listed(cfg->always_urls, "url", path);
	const ah_elem *hs = cfg->hidden_segments;
	for (size_t i = 0; hs && !sub && !cfg->url_always && i < ah_elem_item_count(hs); i++)
		if (has_segment(path, ah_elem_get(ah_elem_item_at(hs, i), "segment")))
			sub = 8;
	if (!sub && !cfg->url_always)
		sub = check_extension(cfg, path);
	cfg->url_substatus = sub;
	cfg->url_checked = true;
	return sub;
}

static bool verb_denied(const wk_urlcfg *cfg, const char *verb)
{
	const ah_elem *v = cfg->verbs;
	if (!v)
		return false;
	for (size_t i = 0; i < ah_elem_item_count(v); i++) {
		const ah_elem *item = ah_elem_item_at(v, i);
		if (strcmp(ah_elem_get(item, "verb"), verb) == 0)
			return !ah_strcaseeq(ah_elem_get(item, "allowed"), "true");
	}
	return ah_strcaseeq(ah_elem_get(v, "allowUnlisted"), "false");
}

static bool header_too_long(const wk_req *r, const wk_urlcfg *cfg)
{
	const ah_elem *hl = cfg->header_limits;
	for (size_t i = 0; hl && i < ah_elem_item_count(hl); i++) {
		const ah_elem *item = ah_elem_item_at(hl, i);
		const char *name = ah_elem_get(item, "header");
		uint64_t limit;
		if (!ah_parse_u64(ah_elem_get(item, "sizeLimit"), &limit))
			continue;
		size_t n = strlen(name);
		if (n && name[n - 1] == ':')
			n--;
		for (size_t k = 0; k < r->nhdrs; k++)
			if (r->hdrs[k].name_len == n && ah_strncaseeq(r->hdrs[k].name, name, n) &&
			    r->hdrs[k].value_len > limit)
				return true;
	}
	return false;
}

/* What one request offers to the checks: the URL path as received and
 * decoded once, the query string as received and unescaped. */
typedef struct scan {
	const char *raw_path;
	size_t raw_len;
	const char *once; /* decoded once (NULL when malformed) */
	const char *query;
	const char *query_once; /* unescaped (NULL when not asked or malformed) */
	bool skip_url, skip_query;
} scan;

static bool any_listed_in(const ah_elem *coll, const char *key, const char *s, size_t n)
{
	for (size_t i = 0; coll && s && i < ah_elem_item_count(coll); i++)
		if (ci_contains(s, n, ah_elem_get(ah_elem_item_at(coll, i), key)))
			return true;
	return false;
}

static bool high_bit(const char *s, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if ((unsigned char)s[i] >= 0x80)
			return true;
	return false;
}

static bool rule_applies(const ah_elem *rule, const char *path)
{
	const ah_elem *to = ah_elem_child(rule, "appliesTo");
	size_t n = to ? ah_elem_item_count(to) : 0;
	if (n == 0)
		return true;
	const char *ext = extension(path);
	return *ext && listed(to, "fileExtension", ext);
}

static bool rule_denies(const wk_req *r, const ah_elem *rule, const scan *sc)
{
	const ah_elem *deny = ah_elem_child(rule, "denyStrings");
	bool percent = ah_strcaseeq(ah_elem_get(rule, "denyUnescapedPercent"), "true");
	if (!sc->skip_url && ah_strcaseeq(ah_elem_get(rule, "scanUrl"), "true")) {
		if (sc->once && any_listed_in(deny, "string", sc->once, strlen(sc->once)))
			return true;
		if (percent && bare_percent(sc->raw_path, sc->raw_len))
			return true;
	}
	if (!sc->skip_query && sc->query &&
	    ah_strcaseeq(ah_elem_get(rule, "scanQueryString"), "true")) {
		if (any_listed_in(deny, "string", sc->query, strlen(sc->query)))
			return true;
		if (sc->query_once &&
		    any_listed_in(deny, "string", sc->query_once, strlen(sc->query_once)))
			return true;
		if (percent && bare_percent(sc->query, strlen(sc->query)))
			return true;
	}
	const ah_elem *hdrs = ah_elem_child(rule, "scanHeaders");
	for (size_t i = 0; hdrs && i < ah_elem_item_count(hdrs); i++) {
		const char *name = ah_elem_get(ah_elem_item_at(hdrs, i), "requestHeader");
		size_t n;
		const char *v = wk_req_header(r, name, &n);
		if (v && any_listed_in(deny, "string", v, n))
			return true;
	}
	if (ah_strcaseeq(ah_elem_get(rule, "scanAllRaw"), "true")) {
		for (size_t k = 0; k < r->nhdrs; k++)
			if (any_listed_in(deny, "string", r->hdrs[k].name, r->hdrs[k].name_len) ||
			    any_listed_in(deny, "string", r->hdrs[k].value, r->hdrs[k].value_len))
				return true;
	}
	return false;
}

static bool rules_deny(const wk_req *r, const wk_urlcfg *cfg, const scan *sc)
{
	const ah_elem *rules = cfg->filtering_rules;
	for (size_t i = 0; rules && i < ah_elem_item_count(rules); i++) {
		const ah_elem *rule = ah_elem_item_at(rules, i);
		if (rule_applies(rule, r->path) && rule_denies(r, rule, sc))
			return true;
	}
	return false;
}

static int url_checks(const wk_urlcfg *cfg, const scan *sc)
{
	if (sc->skip_url)
		return 0;
	if (!cfg->allow_double_escaping && sc->once &&
	    (strchr(sc->once, '+') || has_escape(sc->once)))
		return 11;
	if (!cfg->allow_high_bit && (high_bit(sc->raw_path, sc->raw_len) ||
	                             (sc->once && high_bit(sc->once, strlen(sc->once)))))
		return 12;
	if (any_listed_in(cfg->deny_url_seqs, "sequence", sc->raw_path, sc->raw_len) ||
	    (sc->once && any_listed_in(cfg->deny_url_seqs, "sequence", sc->once, strlen(sc->once))))
		return 5;
	return 0;
}

int wk_filter_check(wk_req *r)
{
	wk_urlcfg *cfg = r->cfg;
	if (r->content_length >= 0 && (uint64_t)r->content_length > cfg->max_content)
		return 13;
	if (r->raw_path_len > cfg->max_url)
		return 14;
	if (r->query && strlen(r->query) > cfg->max_query)
		return 15;
	int sub = url_verdict(cfg, r->path);
	if (sub == 8)
		return sub;
	scan sc = {.raw_path = r->raw_path ? r->raw_path : "",
	           .raw_len = r->raw_path ? r->raw_path_len : 0,
	           .query = r->query,
	           .skip_url = cfg->url_always};
	char *once = NULL;
	if (wk_url_decode(&once, r->arena, sc.raw_path, sc.raw_len) == AH_ENOMEM)
		return AH_ENOMEM;
	sc.once = once;
	if (r->query) {
		sc.skip_query = listed(cfg->always_queries, "queryString", r->query);
		char *q = NULL;
		if (cfg->unescape_query &&
		    wk_url_decode(&q, r->arena, r->query, strlen(r->query)) == AH_ENOMEM)
			return AH_ENOMEM;
		sc.query_once = q;
	}
	int u = url_checks(cfg, &sc);
	if (u)
		return u;
	if (r->query && !sc.skip_query &&
	    (any_listed_in(cfg->deny_query_seqs, "sequence", r->query, strlen(r->query)) ||
	     (sc.query_once && any_listed_in(cfg->deny_query_seqs, "sequence", sc.query_once,
	                                     strlen(sc.query_once)))))
		return 18;
	if (sub)
		return sub; /* 404.7 */
	if (verb_denied(cfg, r->method_name))
		return 6;
	if (header_too_long(r, cfg))
		return 10;
	if (rules_deny(r, cfg, &sc))
		return 19;
	return 0;
}

static int begin_request(wk_req *r)
{
	if (r->cfg->remove_server_header)
		r->no_server_header = true;
	int sub = wk_filter_check(r);
	if (sub < 0)
		return sub;
	if (!sub)
		return WK_CONTINUE;
	wk_resp_error(r, 404, sub);
	if (sub == 13)
		r->close = true;
	return WK_FINISHED;
}

const wk_module wk_mod_request_filtering = {
    .name = "RequestFilteringModule",
    .hooks = {[WK_STAGE_BEGIN] = begin_request},
};
