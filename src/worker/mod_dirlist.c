/*
 * DirectoryListingModule (system.webServer/directoryBrowse), a module of
 * the StaticFile handler: a folder that reached it (no default document)
 * is listed when the section is enabled, else refused with 403.14.
 *
 * The listing is IIS's page: "host - /path/" as title and heading, a link to
 * the parent folder except at the site's root, then one line per entry in
 * name order with the columns showFlags asks for (Date, Time, Size,
 * Extension, LongDate), folders marked <dir>. Server local time, as IIS.
 * Entries that request filtering hides (web.config, bin and the configured
 * hidden segments) are not listed.
 */
#include "worker/worker.h"

#include "util/str.h"

#include <dirent.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

enum { F_DATE = 2, F_TIME = 4, F_SIZE = 8, F_EXT = 16, F_LONGDATE = 32 };

typedef struct entry {
	char *name;
	bool dir;
	long long size;
	time_t mtime;
} entry;

static int by_name(const void *a, const void *b)
{
	const entry *x = a, *y = b;
	return strcasecmp(x->name, y->name);
}

static bool hidden(const wk_req *r, const char *name)
{
	if (ah_strcaseeq(name, "web.config") || ah_strcaseeq(name, "bin"))
		return true;
	const ah_elem *hs = r->cfg->hidden_segments;
	for (size_t i = 0; hs && i < ah_elem_item_count(hs); i++)
		if (ah_strcaseeq(ah_elem_get(ah_elem_item_at(hs, i), "segment"), name))
			return true;
	return false;
}

static size_t read_entries(entry **out, wk_req *r)
{
	*out = NULL;
	int fd = dup(r->target.fd);
	DIR *d = fd >= 0 ? fdopendir(fd) : NULL;
	if (!d) {
		if (fd >= 0)
			close(fd);
		return 0;
	}
	rewinddir(d);
	size_t n = 0, cap = 0;
	entry *v = NULL;
	struct dirent *de;
	while ((de = readdir(d)) != NULL) {
		if (de->d_name[0] == '.' || hidden(r, de->d_name))
			continue;
		struct stat st;
		if (fstatat(dirfd(d), de->d_name, &st, 0) < 0)
			continue;
		if (n == cap) {
			cap = cap ? cap * 2 : 32;
			entry *nv = ah_arena_alloc(r->arena, cap * sizeof(*nv));
			if (!nv)
				break;
			if (n)
				memcpy(nv, v, n * sizeof(*nv));
			v = nv;
		}
		v[n].name = ah_arena_strdup(r->arena, de->d_name);
		v[n].dir = S_ISDIR(st.st_mode);
		v[n].size = (long long)st.st_size;
		v[n].mtime = st.st_mtime;
		if (v[n].name)
			n++;
	}
	closedir(d);
	if (n)
		qsort(v, n, sizeof(*v), by_name);
	*out = v;
	return n;
}

static void put_line(ah_buf *b, const entry *e, const char *path, unsigned flags)
{
	static const char *days[] = {"Sunday",   "Monday", "Tuesday", "Wednesday",
	                             "Thursday", "Friday", "Saturday"};
	static const char *months[] = {"January",   "February", "March",    "April",
	                               "May",       "June",     "July",     "August",
	                               "September", "October",  "November", "December"};
	struct tm tm;
	localtime_r(&e->mtime, &tm);
	char col[64];
	if (flags & F_LONGDATE) {
		snprintf(col, sizeof(col), "%s, %s %d, %d", days[tm.tm_wday], months[tm.tm_mon],
		         tm.tm_mday, tm.tm_year + 1900);
		ah_buf_printf(b, "%28s ", col);
	} else if (flags & F_DATE) {
		snprintf(col, sizeof(col), "%d/%d/%d", tm.tm_mon + 1, tm.tm_mday,
		         tm.tm_year + 1900);
		ah_buf_printf(b, "%10s ", col);
	}
	if (flags & F_TIME) {
		int h = tm.tm_hour % 12 ? tm.tm_hour % 12 : 12;
		snprintf(col, sizeof(col), "%d:%02d %s", h, tm.tm_min,
		         tm.tm_hour < 12 ? "AM" : "PM");
		ah_buf_printf(b, "%8s ", col);
	}
	if (e->dir)
		ah_buf_puts(b, "       &lt;dir&gt; ");
	else if (flags & F_SIZE)
		ah_buf_printf(b, "%12lld ", e->size);
	ah_buf_puts(b, "<A HREF=\"");
	ah_buf href = AH_BUF_INIT;
	wk_url_encode_path(&href, path);
	wk_url_encode_path(&href, e->name);
	if (e->dir)
		ah_buf_putc(&href, '/');
	wk_html_escape(b, ah_buf_cstr(&href));
	ah_buf_free(&href);
	ah_buf_puts(b, "\">");
	char *shown = ah_strdup(e->name);
	if (shown && !(flags & F_EXT) && !e->dir) {
		char *dot = strrchr(shown, '.');
		if (dot && dot != shown)
			*dot = '\0';
	}
	wk_html_escape(b, shown ? shown : e->name);
	ah_free(shown);
	ah_buf_puts(b, "</A><br>");
}

void wk_dirlist_build(ah_buf *out, wk_req *r)
{
	const char *host = r->host[0] ? r->host : "localhost";
	ah_buf_puts(out, "<html><head><title>");
	wk_html_escape(out, host);
	ah_buf_puts(out, " - ");
	wk_html_escape(out, r->path);
	ah_buf_puts(out, "</title></head><body><H1>");
	wk_html_escape(out, host);
	ah_buf_puts(out, " - ");
	wk_html_escape(out, r->path);
	ah_buf_puts(out, "</H1><hr>\r\n\r\n<pre>");
	if (strcmp(r->path, "/") != 0) {
		char *parent = ah_arena_strdup(r->arena, r->path);
		if (parent) {
			size_t n = strlen(parent);
			parent[n - 1] = '\0';
			char *slash = strrchr(parent, '/');
			if (slash)
				slash[1] = '\0';
			ah_buf_puts(out, "<A HREF=\"");
			ah_buf href = AH_BUF_INIT;
			wk_url_encode_path(&href, parent);
			wk_html_escape(out, ah_buf_cstr(&href));
			ah_buf_free(&href);
			ah_buf_puts(out, "\">[To Parent Directory]</A><br><br>");
		}
	}
	entry *v;
	size_t n = read_entries(&v, r);
	for (size_t i = 0; i < n; i++)
		put_line(out, &v[i], r->path, r->cfg->browse_flags);
	ah_buf_puts(out, "</pre><hr></body></html>\r\n");
}

static int execute(wk_req *r)
{
	if (r->target.kind != WK_DIR)
		return WK_CONTINUE;
	if (!r->cfg->browse_enabled) {
		wk_resp_error(r, 403, 14);
		return WK_FINISHED;
	}
	ah_buf page = AH_BUF_INIT;
	wk_dirlist_build(&page, r);
	if (ah_buf_oom(&page)) {
		ah_buf_free(&page);
		return AH_ENOMEM;
	}
	r->status = 200;
	wk_resp_body(r, "text/html; charset=utf-8", ah_buf_cstr(&page), page.len);
	ah_buf_free(&page);
	return WK_FINISHED;
}

const wk_module wk_mod_directory_listing = {
    .name = "DirectoryListingModule",
    .hooks = {[WK_STAGE_EXECUTE] = execute},
};
