/*
 * CustomErrorModule (system.webServer/httpErrors), at SEND_RESPONSE, after
 * every other module has set the status: it writes the body of every
 * response with a status of 400 or more.
 *
 * existingResponse:
 *   Auto         a response that already has a body (a module wrote its own
 *                page) is left as it is; an empty one gets the error page;
 *   Replace      the error page replaces any body;
 *   PassThrough  the response is left as it is, even empty.
 *
 * errorMode:
 *   DetailedLocalOnly (default)  the detailed page for local clients
 *                (loopback, or the server's own address), the custom page
 *                for the others;
 *   Detailed     the detailed page for everyone (errpage.c);
 *   Custom       the custom page for everyone.
 *
 * The custom page: the error entry whose statusCode and subStatusCode match,
 * else the entry for the status with subStatusCode -1, else defaultPath
 * (with defaultResponseMode) when set, else IIS's simple page for the
 * status. An entry's responseMode:
 *   File        the file at path is the body (text/html), the status kept.
 *               With prefixLanguageFilePath, the file is
 *               <prefix>/<language>/<path> for the first language of the
 *               client's Accept-Language whose file exists, else en-US. A
 *               relative path is relative to the folder of the level that
 *               set the entry; an absolute one set in a web.config is used
 *               only with allowAbsolutePathsWhenDelegated="true";
 *   ExecuteURL  the URL path (of the same site) is served as the body: its
 *               file, with its MIME type, the status kept;
 *   Redirect    302 to path.
 * A page that cannot be read falls back to the simple page (logged).
 *
 * When httpErrors cannot be read (the request is a 500.19 of a broken
 * chain), its defaults apply: DetailedLocalOnly, Auto, no entries.
 */
#include "worker/worker.h"

#include "util/str.h"

#include <ctype.h>
#include <fcntl.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define APPHOST_PREFIX "MACHINE/WEBROOT/APPHOST/"
#define PAGE_MAX (1u << 20)

/* Read a regular file of at most PAGE_MAX bytes into b. */
static bool read_page(ah_buf *b, const char *path)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY);
	if (fd < 0)
		return false;
	struct stat st;
	bool ok = fstat(fd, &st) == 0 && S_ISREG(st.st_mode) && st.st_size <= PAGE_MAX;
	char chunk[8192];
	ssize_t n;
	while (ok && (n = read(fd, chunk, sizeof(chunk))) != 0) {
		if (n < 0 || b->len + (size_t)n > PAGE_MAX)
			ok = false;
		else
			ah_buf_put(b, chunk, (size_t)n);
	}
	close(fd);
	return ok && !ah_buf_oom(b);
}

static bool has_dotdot(const char *p)
{
	for (const char *s = p; *s;) {
		while (*s == '/')
			s++;
		size_t n = strcspn(s, "/");
		if (n == 2 && s[0] == '.' && s[1] == '.')
			return true;
		s += n;
	}
	return false;
}

static bool is_absolute(const char *p)
{
	return p[0] == '/' || p[0] == '\\' || p[0] == '%' ||
	       (isalpha((unsigned char)p[0]) && p[1] == ':');
}

/* The Linux folder of the level an element was set at: the folder its URL
 * maps to in the site, or the site's root folder. */
static char *level_folder(wk_req *r, ah_origin o)
{
	const char *cp = o.config_path, *url = "/";
	size_t pl = strlen(APPHOST_PREFIX), sl = strlen(r->site->name);
	if (cp && ah_strncaseeq(cp, APPHOST_PREFIX, pl) &&
	    ah_strncaseeq(cp + pl, r->site->name, sl) && cp[pl + sl] == '/')
		url = cp + pl + sl;
	wk_mapping m;
	wk_site_map(&m, r->site, url);
	if (!m.vdir)
		return NULL;
	return ah_arena_printf(r->arena, "%s%s", m.vdir->phys, m.rest);
}

/* A client language usable as a folder name ("en-US"). */
static bool clean_lang(const char *s, size_t n)
{
	if (n == 0 || n > 16)
		return false;
	for (size_t i = 0; i < n; i++)
		if (!isalnum((unsigned char)s[i]) && s[i] != '-')
			return false;
	return true;
}

static bool read_localized(wk_req *r, ah_buf *b, const char *prefix, const char *path)
{
	char *dir = ah_physical_path(prefix);
	if (!dir)
		return false;
	size_t n;
	const char *al = wk_req_header(r, "Accept-Language", &n);
	bool ok = false;
	for (size_t i = 0; al && i < n && !ok;) {
		while (i < n && (al[i] == ' ' || al[i] == ','))
			i++;
		size_t len = 0;
		while (i + len < n && al[i + len] != ',' && al[i + len] != ';' &&
		       al[i + len] != ' ')
			len++;
		if (clean_lang(al + i, len)) {
			char *f =
			    ah_arena_printf(r->arena, "%s/%.*s/%s", dir, (int)len, al + i, path);
			ok = f && read_page(b, f);
		}
		i += len;
		while (i < n && al[i] != ',')
			i++;
	}
	if (!ok) {
		char *f = ah_arena_printf(r->arena, "%s/en-US/%s", dir, path);
		ok = f && read_page(b, f);
	}
	ah_free(dir);
	return ok;
}

/* Was the attribute written in a web.config (delegated), rather than in
 * applicationHost.config? */
static bool set_in_web_config(const ah_elem *e, const char *attr)
{
	ah_attr_info info;
	if (!ah_elem_attr(e, attr, &info) || !info.origin.file)
		return false;
	const char *base = strrchr(info.origin.file, '/');
	return ah_strcaseeq(base ? base + 1 : info.origin.file, "web.config");
}

/* The body of a File entry into b. */
static bool file_page(wk_req *r, ah_buf *b, const ah_elem *entry, const char *path,
                      const char *prefix, bool allow_abs)
{
	if (!r->site)
		return false;
	char *p = ah_physical_path(path);
	if (!p)
		return false;
	bool ok = false;
	if (has_dotdot(p)) {
		ok = false;
	} else if (prefix && prefix[0]) {
		ok = read_localized(r, b, prefix, p);
	} else if (is_absolute(path)) {
		ok = (allow_abs || !set_in_web_config(entry, "path")) && read_page(b, p);
	} else {
		char *dir = level_folder(r, ah_elem_origin(entry));
		char *f = dir ? ah_arena_printf(r->arena, "%s/%s", dir, p) : NULL;
		ok = f && read_page(b, f);
	}
	ah_free(p);
	return ok;
}

/* ExecuteURL: the file of a URL path of the site. */
static bool url_page(wk_req *r, ah_buf *b, const char *url, const char **ctype)
{
	char *path = NULL;
	size_t n = strcspn(url, "?");
	if (!r->site || url[0] != '/' || wk_url_normalize(&path, r->arena, url, n) < 0)
		return false;
	wk_mapping m;
	wk_site_map(&m, r->site, path);
	if (!m.vdir)
		return false;
	wk_target t;
	if (wk_fs_open(&t, r->arena, m.vdir->phys, m.rest) < 0)
		return false;
	bool ok = t.kind == WK_FILE && read_page(b, t.path);
	wk_target_close(&t);
	const char *mime = ok ? wk_mime_lookup(r->cfg, path) : NULL;
	*ctype = mime ? ah_arena_strdup(r->arena, mime) : "text/html";
	return ok;
}

static const ah_elem *find_entry(const ah_elem *he, int status, int sub)
{
	const ah_elem *any = NULL;
	for (size_t i = 0; i < ah_elem_item_count(he); i++) {
		const ah_elem *e = ah_elem_item_at(he, i);
		uint64_t code;
		int64_t s;
		if (!ah_parse_u64(ah_elem_get(e, "statusCode"), &code) || code != (uint64_t)status)
			continue;
		if (!ah_parse_i64(ah_elem_get(e, "subStatusCode"), &s))
			s = -1;
		if (s == sub)
			return e;
		if (s == -1 && !any)
			any = e;
	}
	return any;
}

static void simple_page(wk_req *r)
{
	ah_buf page = AH_BUF_INIT;
	wk_errpage_build(&page, r->status, r->substatus);
	wk_resp_body(r, "text/html", ah_buf_cstr(&page), page.len);
	ah_buf_free(&page);
}

static void redirect_to(wk_req *r, const char *loc)
{
	ah_buf body = AH_BUF_INIT;
	wk_redirect_body(&body, loc);
	wk_resp_error(r, 302, 0);
	wk_resp_header(r, "Location", loc);
	wk_resp_body(r, "text/html; charset=UTF-8", ah_buf_cstr(&body), body.len);
	ah_buf_free(&body);
}

static void custom_page(wk_req *r, const ah_elem *he)
{
	const ah_elem *entry = he ? find_entry(he, r->status, r->substatus) : NULL;
	const char *path, *mode, *prefix = NULL;
	if (entry) {
		path = ah_elem_get(entry, "path");
		mode = ah_elem_get(entry, "responseMode");
		prefix = ah_elem_get(entry, "prefixLanguageFilePath");
	} else if (he && *ah_elem_get(he, "defaultPath")) {
		entry = he;
		path = ah_elem_get(he, "defaultPath");
		mode = ah_elem_get(he, "defaultResponseMode");
	} else {
		simple_page(r);
		return;
	}
	if (ah_strcaseeq(mode, "Redirect")) {
		redirect_to(r, path);
		return;
	}
	ah_buf b = AH_BUF_INIT;
	const char *ctype = "text/html";
	bool abs_ok = ah_strcaseeq(ah_elem_get(he, "allowAbsolutePathsWhenDelegated"), "true");
	bool ok = ah_strcaseeq(mode, "ExecuteURL") ? url_page(r, &b, path, &ctype)
	          : entry == he                    ? file_page(r, &b, he, path, NULL, true)
	                                           : file_page(r, &b, entry, path, prefix, abs_ok);
	if (ok) {
		wk_resp_body(r, ctype, ah_buf_cstr(&b), b.len);
	} else {
		wk_log("custom error page '%s' for %d.%d cannot be read: the default page is sent",
		       path, r->status, r->substatus);
		simple_page(r);
	}
	ah_buf_free(&b);
}

static int send_response(wk_req *r)
{
	if (r->status < 400)
		return WK_CONTINUE;
	const ah_elem *he = r->cfg ? r->cfg->http_errors : NULL;
	const char *existing = he ? ah_elem_get(he, "existingResponse") : "Auto";
	if (ah_strcaseeq(existing, "PassThrough")) {
		if (!r->has_body)
			wk_resp_body(r, NULL, "", 0);
		return WK_CONTINUE;
	}
	if (r->has_body && !ah_strcaseeq(existing, "Replace"))
		return WK_CONTINUE;
	const char *mode = he ? ah_elem_get(he, "errorMode") : "DetailedLocalOnly";
	bool detailed =
	    ah_strcaseeq(mode, "Detailed") || (!ah_strcaseeq(mode, "Custom") && wk_req_is_local(r));
	if (detailed) {
		ah_buf page = AH_BUF_INIT;
		wk_errpage_detailed(&page, r);
		wk_resp_body(r, "text/html", ah_buf_cstr(&page), page.len);
		ah_buf_free(&page);
	} else {
		custom_page(r, he);
	}
	return WK_CONTINUE;
}

const wk_module wk_mod_custom_error = {
    .name = "CustomErrorModule",
    .hooks = {[WK_STAGE_SEND_RESPONSE] = send_response},
};
