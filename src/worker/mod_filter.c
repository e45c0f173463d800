/*
 * RequestFilteringModule (system.webServer/security/requestFiltering), at
 * BEGIN_REQUEST. What it checks and the status it answers with, as IIS
 * documents them (the status is 404 so that a probe learns nothing; the
 * sub-status tells the administrator why):
 *
 *   content length above requestLimits/@maxAllowedContentLength   404.13
 *   URL longer than requestLimits/@maxUrl                         404.14
 *   query string longer than requestLimits/@maxQueryString        404.15
 *   a URL segment listed in hiddenSegments                        404.8
 *   an extension denied (or unlisted with allowUnlisted=false)    404.7
 *   a verb denied (or unlisted with allowUnlisted=false)          404.6
 *   a header longer than its headerLimits/@sizeLimit              404.10
 *
 * The lengths are those of the URL path and query string as received. A
 * request refused for its content length is answered without reading the
 * body, and the connection is closed. The verdicts that depend only on the
 * URL (hidden segments, extension) are computed once per URL and kept in its
 * wk_urlcfg. Double escaping, high-bit characters, denied sequences and
 * filtering rules come with the full module.
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

static int check_extension(const wk_urlcfg *cfg, const char *path)
{
	const ah_elem *fe = cfg->file_extensions;
	if (!fe)
		return 0;
	const char *last = strrchr(path, '/');
	const char *dot = strrchr(last ? last : path, '.');
	const char *ext = dot ? dot : "";
	const ah_elem *item = *ext ? ah_elem_find_item(fe, "fileExtension", ext) : NULL;
	if (item)
		return ah_strcaseeq(ah_elem_get(item, "allowed"), "true") ? 0 : 7;
	return ah_strcaseeq(ah_elem_get(fe, "allowUnlisted"), "false") ? 7 : 0;
}

static int url_verdict(wk_urlcfg *cfg, const char *path)
{
	if (cfg->url_checked)
		return cfg->url_substatus;
	int sub = 0;
	const ah_elem *hs = cfg->hidden_segments;
	for (size_t i = 0; hs && !sub && i < ah_elem_item_count(hs); i++)
		if (has_segment(path, ah_elem_get(ah_elem_item_at(hs, i), "segment")))
			sub = 8;
	if (!sub)
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

static int begin_request(wk_req *r)
{
	wk_urlcfg *cfg = r->cfg;
	int sub = 0;
	if (r->content_length >= 0 && (uint64_t)r->content_length > cfg->max_content) {
		sub = 13;
		r->close = true;
	} else if (r->raw_path_len > cfg->max_url) {
		sub = 14;
	} else if (r->query && strlen(r->query) > cfg->max_query) {
		sub = 15;
	} else if ((sub = url_verdict(cfg, r->path)) != 0) {
		/* 404.8 or 404.7 */
	} else if (verb_denied(cfg, r->method_name)) {
		sub = 6;
	} else if (header_too_long(r, cfg)) {
		sub = 10;
	}
	if (!sub)
		return WK_CONTINUE;
	wk_resp_error(r, 404, sub);
	return WK_FINISHED;
}

const wk_module wk_mod_request_filtering = {
    .name = "RequestFilteringModule",
    .hooks = {[WK_STAGE_BEGIN] = begin_request},
};
