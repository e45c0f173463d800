/*
 * Configuration paths and the chain of levels of a path.
 *
 *   MACHINE                          <config_dir>/framework/machine.config
 *   MACHINE/WEBROOT                  <config_dir>/framework/web.config
 *   MACHINE/WEBROOT/APPHOST          applicationHost.config
 *   MACHINE/WEBROOT/APPHOST/site     web.config of the site's root folder
 *   .../site/p1/p2                   web.config of the folder each URL segment maps to
 *
 * A URL maps to a folder through the longest matching application path of the
 * site, then the longest matching virtual directory path of that application:
 * folder = virtualDirectory/@physicalPath + the rest of the URL. Below a virtual
 * directory whose allowSubDirConfig is false no web.config is read (its own
 * root folder's is). Path comparison is case-insensitive and segment-aware.
 */
#include "engine.h"

#include "util/str.h"

#include <dirent.h>
#include <string.h>

bool ah__path_is_ancestor_or_self(const char *anc, const char *path)
{
	size_t n = strlen(anc);
	if (!ah_strncaseeq(anc, path, n))
		return false;
	return path[n] == '\0' || path[n] == '/' || n == 0;
}

int ah__path_depth(const char *path)
{
	int d = 0;
	if (!*path)
		return -1;
	for (const char *p = path; *p; p++)
		if (*p == '/')
			d++;
	return d;
}

/* Does url start with prefix at a segment boundary ("/" matches everything)? */
static bool url_prefix(const char *prefix, const char *url)
{
	if (strcmp(prefix, "/") == 0)
		return true;
	size_t n = strlen(prefix);
	if (!ah_strncaseeq(prefix, url, n))
		return false;
	return url[n] == '\0' || url[n] == '/';
}

static const ah_elem *longest_item(const ah_elem *coll, const char *url, size_t *match_len)
{
	const ah_elem *best = NULL;
	size_t best_len = 0;
	size_t n = ah_elem_item_count(coll);
	for (size_t i = 0; i < n; i++) {
		const ah_elem *it = ah_elem_item_at(coll, i);
		const char *p = ah_elem_get(it, "path");
		if (!*p || !url_prefix(p, url))
			continue;
		size_t len = strcmp(p, "/") == 0 ? 0 : strlen(p);
		if (!best || len > best_len) {
			best = it;
			best_len = len;
		}
	}
	*match_len = best_len;
	return best;
}

/* base + tail, where tail's segments take the case they have on disk when the
 * exact spelling does not exist (URLs are case-insensitive, as on IIS). */
static const char *phys_join(ah_arena *arena, const char *base, const char *tail)
{
	const char *exact = ah_arena_printf(arena, "%s%s", base, tail);
	if (!exact || !*tail || ah_fs_exists(exact))
		return exact;
	ah_buf b = AH_BUF_INIT;
	ah_buf_puts(&b, base);
	const char *p = tail;
	while (*p == '/') {
		const char *seg = p + 1, *end = strchr(seg, '/');
		size_t n = end ? (size_t)(end - seg) : strlen(seg);
		const char *found = NULL;
		DIR *d = opendir(*ah_buf_cstr(&b) ? ah_buf_cstr(&b) : "/");
		struct dirent *de;
		while (d && (de = readdir(d)))
			if (strlen(de->d_name) == n && ah_strncaseeq(de->d_name, seg, n)) {
				found = ah_arena_strdup(arena, de->d_name);
				break;
			}
		if (d)
			closedir(d);
		ah_buf_putc(&b, '/');
		if (found)
			ah_buf_puts(&b, found);
		else
			ah_buf_put(&b, seg, n);
		p = seg + n;
	}
	const char *r = ah_buf_oom(&b) ? NULL : ah_arena_strdup(arena, ah_buf_cstr(&b));
	ah_buf_free(&b);
	return r;
}

static ah_cfile *find_webconfig(ah_config *cfg, ah_arena *arena, const char *dir,
				const char *config_path, int *rc)
{
	static const char *const names[] = {"web.config", "Web.config", "Web.Config"};
	*rc = 0;
	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
		const char *p = ah_arena_printf(arena, "%s/%s", dir, names[i]);
		if (!p) {
			*rc = AH_ENOMEM;
			return NULL;
		}
		if (!ah__config_exists(cfg, p))
			continue;
		ah_cfile *f;
		*rc = ah__config_file(&f, cfg, p, config_path, false);
		return *rc < 0 ? NULL : f;
	}
	return NULL;
}

static int add_level(ah_chain *c, size_t cap, const ah_level *l)
{
	if (c->n >= cap)
		return AH_EINVALID;
	c->levels[c->n++] = *l;
	return 0;
}

/* Levels below the site: one per URL segment. */
static int site_levels(ah_chain *c, size_t cap, ah_config *cfg, ah_arena *arena,
		       const ah_elem *site, const char *path, const char *site_path)
{
	const char *rest = path + strlen(site_path); /* "" or "/a/b" */
	char *url = ah_arena_strdup(arena, *rest ? rest : "/");
	if (!url)
		return AH_ENOMEM;
	size_t urllen = strlen(url);
	/* walk: "/" then "/a", "/a/b" ... */
	size_t pos = 0;
	for (;;) {
		char *u = pos == 0 ? ah_arena_strdup(arena, "/") : ah_arena_strndup(arena, url, pos);
		if (!u)
			return AH_ENOMEM;
		ah_level l = {0};
		l.depth = 3 + (pos == 0 ? 0 : ah__path_depth(u));
		l.config_path = pos == 0 ? site_path
					 : ah_arena_printf(arena, "%s%s", site_path, u);
		if (!l.config_path)
			return AH_ENOMEM;
		const ah_elem *apps = site;
		size_t alen, vlen;
		const ah_elem *app = longest_item(apps, u, &alen);
		if (app) {
			const char *ap = ah_elem_get(app, "path");
			l.app_root = ah_strcaseeq(ap, u) || (strcmp(ap, "/") == 0 && pos == 0);
			const char *rel = strcmp(ap, "/") == 0 ? u : u + alen;
			if (!*rel)
				rel = "/";
			const ah_elem *vd = longest_item(app, rel, &vlen);
			if (vd) {
				const char *vp = ah_elem_get(vd, "path");
				l.vdir_root = ah_strcaseeq(vp, rel) || strcmp(rel, "/") == 0;
				const char *tail = strcmp(vp, "/") == 0 ? rel : rel + vlen;
				if (strcmp(tail, "/") == 0)
					tail = "";
				char *base = ah__physical_path(ah_elem_get(vd, "physicalPath"));
				if (!base)
					return AH_ENOMEM;
				size_t bl = strlen(base);
				while (bl > 1 && base[bl - 1] == '/')
					base[--bl] = '\0';
				l.phys = phys_join(arena, base, tail);
				ah_free(base);
				if (!l.phys)
					return AH_ENOMEM;
				bool subdir_ok = ah_strcaseeq(ah_elem_get(vd, "allowSubDirConfig"),
							      "true");
				if (l.vdir_root || subdir_ok) {
					int rc;
					l.file = find_webconfig(cfg, arena, l.phys, l.config_path,
								&rc);
					if (rc < 0)
						return rc;
				}
			}
		}
		int rc = add_level(c, cap, &l);
		if (rc < 0)
			return rc;
		/* next segment */
		if (pos >= urllen || urllen == 1)
			break;
		size_t next = pos + 1;
		while (next < urllen && url[next] != '/')
			next++;
		pos = next;
	}
	return 0;
}

int ah__chain_build(ah_chain *out, ah_config *cfg, ah_arena *arena, const char *path)
{
	memset(out, 0, sizeof(*out));
	size_t cap = 8;
	for (const char *p = path; *p; p++)
		if (*p == '/')
			cap++;
	out->levels = ah_arena_alloc(arena, cap * sizeof(ah_level));
	if (!out->levels)
		return AH_ENOMEM;
	static const char *const top[] = {"MACHINE", "MACHINE/WEBROOT", AH_APPHOST_PATH};
	const char *files[] = {cfg->machine_path, cfg->rootweb_path, cfg->apphost_path};
	for (int i = 0; i < 3; i++) {
		if (!ah__path_is_ancestor_or_self(top[i], path))
			break;
		ah_level l = {.config_path = top[i], .depth = i};
		int rc = ah__config_file(&l.file, cfg, files[i], top[i], i == 2);
		if (rc < 0)
			return rc;
		if (!l.file->exists && !l.file->err_code)
			l.file = NULL;
		l.app_root = i == 2;
		add_level(out, cap, &l);
	}
	size_t toplen = strlen(AH_APPHOST_PATH);
	if (!ah_strncaseeq(path, AH_APPHOST_PATH, toplen) || path[toplen] != '/')
		return 0;
	/* the site */
	const char *sname = path + toplen + 1;
	const char *slash = strchr(sname, '/');
	char *site_name = ah_arena_strndup(arena, sname, slash ? (size_t)(slash - sname)
							 : strlen(sname));
	if (!site_name)
		return AH_ENOMEM;
	const ah_elem *site = ah__config_site(cfg, site_name);
	if (!site) {
		if (ah_error_last())
			return ah_error_last()->code;
		return ah_error_set(AH_ENOTFOUND, AH_HR_INVALID_ARG, NULL, 0,
				    "Unrecognized configuration path '%s'", path);
	}
	char *site_path = ah_arena_strndup(arena, path, (size_t)(sname - path) + strlen(site_name));
	if (!site_path)
		return AH_ENOMEM;
	return site_levels(out, cap, cfg, arena, site, path, site_path);
}
