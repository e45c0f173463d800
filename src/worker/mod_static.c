/*
 * StaticFileModule (system.webServer/staticContent): serves a file as it is
 * on disk, with sendfile.
 *
 *   - GET and HEAD only (405.0 otherwise, with Allow);
 *   - a file the request's account may not read (the worker itself, or the
 *     anonymous or Basic user: auth_acct.c) is 401.3;
 *   - the type from the mimeMap (mime.c); none: 404.3;
 *   - validators: Last-Modified, and IIS's strong ETag "<FILETIME hex>:0" (the
 *     modification time in Windows FILETIME units) unless clientCache/@setEtag
 *     is false;
 *   - conditional requests (RFC 9110 §13): If-Match / If-Unmodified-Since
 *     (412), then If-None-Match (weak comparison) or, without it,
 *     If-Modified-Since: 304 with the validators and no body;
 *   - one byte range (RFC 9110 §14): 206 with Content-Range; a range that
 *     starts past the end: 416 with "Content-Range: bytes * /size" (no
 *     space); If-Range that does not match, several ranges or a malformed
 *     header: the whole file (200), which RFC 9110 allows;
 *   - clientCache: DisableCache "Cache-Control: no-cache", UseMaxAge
 *     "Cache-Control: max-age=N", UseExpires "Expires: <httpExpires>";
 *     cacheControlCustom's directives (one per line in the configuration)
 *     go first in Cache-Control, joined by ','.
 */
#include "worker/worker.h"

#include "util/str.h"

#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#define FILETIME_UNIX_EPOCH 116444736000000000ull

static int resolve_handler(wk_req *r)
{
	if (!r->handler)
		r->handler = &wk_handler_static;
	return WK_CONTINUE;
}

static void make_etag(char *buf, size_t n, const struct stat *st)
{
	uint64_t ft = (uint64_t)st->st_mtim.tv_sec * 10000000ull +
	              (uint64_t)st->st_mtim.tv_nsec / 100 + FILETIME_UNIX_EPOCH;
	/* "\"<hex>:0\"" by hand: it is made for every static response */
	char tmp[40], *p = tmp + sizeof(tmp);
	static const char hex[] = "0123456789abcdef";
	*--p = '\0';
	*--p = '"';
	*--p = '0';
	*--p = ':';
	do {
		*--p = hex[ft & 15];
		ft >>= 4;
	} while (ft);
	*--p = '"';
	size_t len = strlen(p);
	if (n == 0)
		return;
	if (len >= n)
		len = n - 1;
	memcpy(buf, p, len);
	buf[len] = '\0';
}

/* Does the If-Match / If-None-Match list (s, n) match etag (NULL: none)? */
static bool etag_match(const char *s, size_t n, const char *etag, bool weak)
{
	const char *p = s, *end = s + n;
	size_t elen = etag ? strlen(etag) : 0;
	while (p < end) {
		while (p < end && (*p == ' ' || *p == '\t' || *p == ','))
			p++;
		if (p == end)
			break;
		if (*p == '*')
			return true;
		bool is_weak = false;
		if (end - p >= 2 && p[0] == 'W' && p[1] == '/') {
			is_weak = true;
			p += 2;
		}
		if (p == end || *p != '"')
			return false;
		const char *q = memchr(p + 1, '"', (size_t)(end - p - 1));
		if (!q)
			return false;
		size_t len = (size_t)(q - p + 1);
		if (etag && (weak || !is_weak) && len == elen && memcmp(p, etag, len) == 0)
			return true;
		p = q + 1;
	}
	return false;
}

static bool header_date(const wk_req *r, const char *name, time_t *t)
{
	size_t n;
	const char *v = wk_req_header(r, name, &n);
	return v && wk_http_date_parse(v, n, t);
}

/* 0: go on; else the status decided by the preconditions. */
static int preconditions(const wk_req *r, const char *etag, time_t mtime)
{
	size_t n;
	time_t t;
	const char *v = wk_req_header(r, "If-Match", &n);
	if (v) {
		if (!etag_match(v, n, etag, false))
			return 412;
	} else if (header_date(r, "If-Unmodified-Since", &t) && mtime > t) {
		return 412;
	}
	v = wk_req_header(r, "If-None-Match", &n);
	if (v) {
		if (etag_match(v, n, etag, true))
			return 304;
	} else if (header_date(r, "If-Modified-Since", &t) && mtime <= t) {
		return 304;
	}
	return 0;
}

/* Parse "bytes=a-b" | "bytes=a-" | "bytes=-n" against size. Returns 1 with
 * [*first, *last] for a satisfiable range, 0 to ignore the header, -1 for an
 * unsatisfiable range. */
static int parse_range(const char *s, size_t n, off_t size, off_t *first, off_t *last)
{
	char buf[128];
	if (n < 6 || n >= sizeof(buf) || !ah_strncaseeq(s, "bytes=", 6))
		return 0;
	memcpy(buf, s + 6, n - 6);
	buf[n - 6] = '\0';
	if (strchr(buf, ','))
		return 0;
	char *dash = strchr(buf, '-');
	if (!dash)
		return 0;
	*dash = '\0';
	uint64_t a = 0, b = 0;
	bool has_a = buf[0] != '\0', has_b = dash[1] != '\0';
	if ((has_a && !ah_parse_u64(buf, &a)) || (has_b && !ah_parse_u64(dash + 1, &b)))
		return 0;
	if (!has_a && !has_b)
		return 0;
	if (!has_a) {
		if (b == 0 || size == 0)
			return -1;
		*first = b >= (uint64_t)size ? 0 : size - (off_t)b;
		*last = size - 1;
		return 1;
	}
	if (has_b && b < a)
		return 0;
	if (a >= (uint64_t)size)
		return -1;
	*first = (off_t)a;
	*last = !has_b || b >= (uint64_t)size ? size - 1 : (off_t)b;
	return 1;
}

static bool if_range_ok(const wk_req *r, const char *etag, time_t mtime)
{
	size_t n;
	const char *v = wk_req_header(r, "If-Range", &n);
	if (!v)
		return true;
	if (n && (v[0] == '"' || v[0] == 'W'))
		return n >= 2 && v[0] == '"' && etag_match(v, n, etag, false);
	time_t t;
	return wk_http_date_parse(v, n, &t) && t == mtime;
}

static void cache_headers(wk_req *r)
{
	const wk_urlcfg *cfg = r->cfg;
	ah_buf cc = AH_BUF_INIT;
	for (const char *p = cfg->cc_custom; *p;) {
		size_t len = strcspn(p, "\r\n");
		if (len) {
			if (cc.len)
				ah_buf_putc(&cc, ',');
			ah_buf_put(&cc, p, len);
		}
		p += len;
		while (*p == '\r' || *p == '\n')
			p++;
	}
	if (cfg->cc_mode == WK_CC_DISABLE) {
		ah_buf_puts(&cc, cc.len ? ",no-cache" : "no-cache");
	} else if (cfg->cc_mode == WK_CC_MAXAGE) {
		ah_buf_printf(&cc, "%smax-age=%" PRIu64, cc.len ? "," : "", cfg->cc_max_age);
	} else if (cfg->cc_mode == WK_CC_EXPIRES && cfg->http_expires[0]) {
		wk_resp_header(r, "Expires", cfg->http_expires);
	}
	if (cc.len)
		wk_resp_header(r, "Cache-Control", ah_buf_cstr(&cc));
	ah_buf_free(&cc);
}

static void serve(wk_req *r, off_t off, off_t len)
{
	r->has_body = true;
	r->content_length_out = len;
	if (r->is_head || len == 0) {
		r->file.fd = -1;
		return;
	}
	r->file.fd = r->target.fd;
	r->file.off = off;
	r->file.len = len;
}

static int execute(wk_req *r)
{
	if (r->target.kind == WK_DIR)
		return WK_CONTINUE;
	if (r->method != HTTP_GET && r->method != HTTP_HEAD) {
		wk_resp_error(r, 405, 0);
		wk_resp_header(r, "Allow", "GET, HEAD");
		return WK_FINISHED;
	}
	if (r->target.kind == WK_DENIED ||
	    (r->target.kind == WK_FILE && !wk_account_can_read(r, &r->target.st))) {
		wk_resp_error(r, 401, 3);
		r->err_hresult = 0x80070005u; /* E_ACCESSDENIED */
		return WK_FINISHED;
	}
	if (r->target.kind != WK_FILE) {
		wk_resp_error(r, 404, 0);
		/* IIS reports a missing file from its core, at MapRequestHandler */
		r->err_module = NULL;
		r->err_stage = WK_STAGE_RESOLVE_HANDLER;
		r->err_hresult = 0x80070002u; /* ERROR_FILE_NOT_FOUND */
		return WK_FINISHED;
	}
	const char *mime = wk_mime_lookup(r->cfg, r->path);
	if (!mime) {
		wk_resp_error(r, 404, 3);
		return WK_FINISHED;
	}
	const struct stat *st = &r->target.st;
	char etag[48], lastmod[40];
	make_etag(etag, sizeof(etag), st);
	wk_http_date(lastmod, sizeof(lastmod), st->st_mtime);
	r->content_type = ah_arena_strdup(r->arena, mime);
	if (!r->content_type)
		return AH_ENOMEM;
	wk_resp_header(r, "Last-Modified", lastmod);
	wk_resp_header(r, "Accept-Ranges", "bytes");
	if (r->cfg->set_etag)
		wk_resp_header(r, "ETag", etag);
	cache_headers(r);
	/* without an ETag (setEtag="false") only "*" matches */
	const char *validator = r->cfg->set_etag ? etag : NULL;
	int pre = preconditions(r, validator, st->st_mtime);
	if (pre == 304) {
		r->status = 304;
		r->no_body = true;
		r->has_body = true;
		return WK_FINISHED;
	}
	if (pre == 412) {
		wk_resp_error(r, 412, 0);
		return WK_FINISHED;
	}
	size_t n;
	const char *range = r->method == HTTP_GET ? wk_req_header(r, "Range", &n) : NULL;
	off_t first = 0, last = 0;
	int rr = range && if_range_ok(r, validator, st->st_mtime)
	             ? parse_range(range, n, st->st_size, &first, &last)
	             : 0;
	if (rr < 0) {
		wk_resp_error(r, 416, 0);
		wk_resp_headerf(r, "Content-Range", "bytes */%lld", (long long)st->st_size);
		return WK_FINISHED;
	}
	if (rr > 0) {
		r->status = 206;
		wk_resp_headerf(r, "Content-Range", "bytes %lld-%lld/%lld", (long long)first,
		                (long long)last, (long long)st->st_size);
		serve(r, first, last - first + 1);
		return WK_FINISHED;
	}
	r->status = 200;
	serve(r, 0, st->st_size);
	return WK_FINISHED;
}

const wk_module wk_mod_static_file = {
    .name = "StaticFileModule",
    .hooks =
        {
            [WK_STAGE_RESOLVE_HANDLER] = resolve_handler,
            [WK_STAGE_EXECUTE] = execute,
        },
};
