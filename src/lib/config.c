/*
 * The configuration store (include/apphost/config.h): options, the schema, the
 * cache of parsed files, and the index of sites that maps configuration paths
 * to folders.
 *
 * Files are cached by (configuration path, file path): the same web.config
 * reached at two levels (two virtual directories over one folder) is two
 * files to the engine, as it is to IIS. A cached file is parsed again when its
 * identity on disk (inode, size, mtime, ctime) changes; the old parse is kept
 * until the store is freed, because sections already returned point into it.
 */
#include "engine.h"

#include "util/str.h"

#include <ctype.h>
#include <stdio.h>
#include <unistd.h>
#include <stdlib.h>
#include <string.h>

static char *dup_or_default(const char *v, const char *env, const char *def)
{
	if (v && *v)
		return ah_strdup(v);
	const char *e = env ? getenv(env) : NULL;
	return ah_strdup(e && *e ? e : def);
}

static const char *pick_schema_dir(const ah_config_opts *o, const char *dir, char *buf,
				   size_t n)
{
	if (o && o->schema_dir)
		return o->schema_dir;
	const char *env = getenv("APPHOST_SCHEMA_DIR");
	if (env && *env)
		return env;
	snprintf(buf, n, "%s/schema", dir);
	if (ah_fs_is_dir(buf))
		return buf;
	if (ah_fs_is_dir(AH_DEFAULT_SCHEMA_DIR))
		return AH_DEFAULT_SCHEMA_DIR;
	return AH_SOURCE_SCHEMA_DIR;
}

/*
 * redirection.config (spec §3.2): when its configurationRedirection section is
 * enabled, applicationHost.config is read from the folder its `path` names
 * (IIS uses a UNC share; here any folder, Windows paths mapped as usual).
 * The file is read directly: it holds that one section.
 */
static int apply_redirection(ah_config *cfg)
{
	ah_buf p = AH_BUF_INIT;
	ah_buf_printf(&p, "%s/redirection.config", cfg->dir);
	if (ah_buf_oom(&p))
		return AH_ENOMEM;
	ah_arena *a = ah_arena_new();
	char *data = NULL;
	size_t len;
	int rc = a ? ah_fs_read(&data, &len, NULL, ah_buf_cstr(&p)) : AH_ENOMEM;
	if (rc == AH_ENOTFOUND) {
		rc = 0;
		goto out;
	}
	if (rc < 0) {
		if (rc != AH_ENOMEM)
			rc = ah_error_set(AH_ECONFIG, AH_HR_ACCESS_DENIED, ah_buf_cstr(&p), 0,
					  "Cannot read configuration file due to insufficient "
					  "permissions");
		goto out;
	}
	ah_xdoc doc;
	unsigned line;
	rc = ah__xml_parse(&doc, a, data, len, &line);
	if (rc < 0) {
		if (rc != AH_ENOMEM)
			rc = ah_error_set(AH_ECONFIG, AH_HR_INVALID_DATA, ah_buf_cstr(&p), line,
					  "Configuration file is not well-formed XML");
		goto out;
	}
	for (const ah_xnode *n = doc.root->first; n; n = n->next) {
		if (strcmp(n->name, "configurationRedirection") != 0)
			continue;
		const char *en = ah__xml_attr(n, "enabled");
		const char *path = ah__xml_attr(n, "path");
		if (!en || !ah_strcaseeq(en, "true") || !path || !*path)
			break;
		char *dir = ah__physical_path(path);
		if (!dir) {
			rc = AH_ENOMEM;
			goto out;
		}
		ah_buf f = AH_BUF_INIT;
		ah_buf_printf(&f, "%s/applicationHost.config", dir);
		ah_free(dir);
		if (ah_buf_oom(&f)) {
			rc = AH_ENOMEM;
			goto out;
		}
		ah_free(cfg->apphost_path);
		cfg->apphost_path = ah_buf_detach(&f);
		break;
	}
out:
	ah_free(data);
	ah_arena_free(a);
	ah_buf_free(&p);
	return rc;
}

int ah_config_open(ah_config **out, const ah_config_opts *opts)
{
	*out = NULL;
	ah_config *cfg = ah_calloc(1, sizeof(*cfg));
	if (!cfg)
		return AH_ENOMEM;
	ah_map_init(&cfg->files, false);
	ah_map_init(&cfg->cache, true);
	ah_map_init(&cfg->site_index, true);
	ah_map_init(&cfg->overlay, false);
	cfg->dir = dup_or_default(opts ? opts->config_dir : NULL, "APPHOST_CONFIG_DIR",
				  "/etc/apphost");
	if (!cfg->dir)
		goto oom;
	if (opts && opts->apphost_file)
		cfg->apphost_path = ah_strdup(opts->apphost_file);
	else {
		ah_buf b = AH_BUF_INIT;
		ah_buf_printf(&b, "%s/applicationHost.config", cfg->dir);
		cfg->apphost_path = ah_buf_detach(&b);
	}
	if (!(opts && opts->apphost_file)) {
		int rrc = apply_redirection(cfg);
		if (rrc < 0) {
			ah_config_free(cfg);
			return rrc;
		}
	}
	ah_buf b = AH_BUF_INIT;
	ah_buf_printf(&b, "%s/framework/machine.config", cfg->dir);
	cfg->machine_path = ah_buf_detach(&b);
	ah_buf_printf(&b, "%s/framework/web.config", cfg->dir);
	cfg->rootweb_path = ah_buf_detach(&b);
	if (!cfg->apphost_path || !cfg->machine_path || !cfg->rootweb_path)
		goto oom;
	char sbuf[4096];
	const char *sdir = pick_schema_dir(opts, cfg->dir, sbuf, sizeof(sbuf));
	int rc = ah__schema_load_dir(&cfg->schema, sdir);
	if (rc == 0)
		rc = ah__schema_prepare_defaults(cfg->schema);
	if (rc < 0) {
		if (rc == AH_ENOTFOUND)
			ah_error_set(rc, AH_HR_PATH_NOT_FOUND, sdir, 0,
				     "Cannot read the schema folder");
		ah_config_free(cfg);
		return rc;
	}
	*out = cfg;
	return 0;
oom:
	ah_config_free(cfg);
	return AH_ENOMEM;
}

static void drop_sites(ah_config *cfg)
{
	ah_section_free(cfg->sites);
	cfg->sites = NULL;
	ah_map_free(&cfg->site_index);
	ah_map_init(&cfg->site_index, true);
	cfg->sites_loaded = false;
	cfg->sites_err = 0;
	ah_free(cfg->sites_err_msg);
	ah_free(cfg->sites_err_file);
	cfg->sites_err_msg = cfg->sites_err_file = NULL;
}

void ah_config_free(ah_config *cfg)
{
	if (!cfg)
		return;
	ah_config_invalidate(cfg);
	ah_map_free(&cfg->cache);
	drop_sites(cfg);
	ah_map_free(&cfg->site_index);
	for (size_t i = 0; i < cfg->nfiles; i++)
		ah__cfile_free(cfg->filelist[i]);
	ah_free(cfg->filelist);
	ah_map_free(&cfg->files);
	if (!cfg->borrowed_schema)
		ah__schema_free(cfg->schema);
	ah_map_free(&cfg->overlay);
	ah_free(cfg->names);
	ah_free(cfg->dir);
	ah_free(cfg->apphost_path);
	ah_free(cfg->machine_path);
	ah_free(cfg->rootweb_path);
	ah_free(cfg);
}

const char *ah_config_apphost_path(const ah_config *cfg)
{
	return cfg->apphost_path;
}

const char *ah_config_dir(const ah_config *cfg)
{
	return cfg->dir;
}

static int remember(ah_config *cfg, ah_cfile *f)
{
	if (cfg->nfiles == cfg->capfiles) {
		size_t cap = cfg->capfiles ? cfg->capfiles * 2 : 16;
		ah_cfile **nl = ah_realloc(cfg->filelist, cap * sizeof(*nl));
		if (!nl)
			return AH_ENOMEM;
		cfg->filelist = nl;
		cfg->capfiles = cap;
	}
	cfg->filelist[cfg->nfiles++] = f;
	return 0;
}

int ah__config_file(ah_cfile **out, ah_config *cfg, const char *path, const char *config_path,
		    bool is_apphost)
{
	ah_buf key = AH_BUF_INIT;
	ah_buf_printf(&key, "%s\n%s", config_path ? config_path : "", path);
	if (ah_buf_oom(&key))
		return AH_ENOMEM;
	ah_cfile *f = ah_map_get(&cfg->files, ah_buf_cstr(&key));
	bool reload = f != NULL;
	if (f && ah_map_get(&cfg->overlay, path)) {
		ah_buf_free(&key);
		*out = f; /* an overlay does not change */
		return 0;
	}
	if (f) {
		ah_file_id id;
		bool now = ah_fs_stat(&id, path) == 0;
		bool same = f->builtin ? !now
				       : now == f->exists && (!now || ah_fs_id_equal(&id, &f->id));
		if (same) {
			ah_buf_free(&key);
			*out = f;
			return 0;
		}
	}
	int rc = ah__cfile_load(&f, cfg, path, config_path, is_apphost);
	if (rc < 0) {
		ah_buf_free(&key);
		return rc;
	}
	/* the key string must live as long as the map: keep it in the file's arena */
	const char *k = ah_arena_strdup(f->arena, ah_buf_cstr(&key));
	ah_buf_free(&key);
	if (!k || remember(cfg, f) < 0) {
		ah__cfile_free(f);
		return AH_ENOMEM;
	}
	if (ah_map_put(&cfg->files, k, f) < 0)
		return AH_ENOMEM; /* f is on the file list: freed with the store */
	if (reload && is_apphost)
		drop_sites(cfg); /* the sites index depends on applicationHost.config */
	*out = f;
	return 0;
}

void ah_config_refresh(ah_config *cfg)
{
	/* a file read before that changed or vanished makes every cached section
	 * suspect; the files themselves are re-read lazily by ah__config_file */
	ah_file_id id;
	for (size_t i = 0; i < cfg->nfiles; i++) {
		ah_cfile *f = cfg->filelist[i];
		if (f->builtin)
			continue;
		bool now = ah_fs_stat(&id, f->path) == 0;
		if (now != f->exists || (now && !ah_fs_id_equal(&id, &f->id))) {
			ah_config_invalidate(cfg);
			return;
		}
	}
}

int ah__config_sites(ah_config *cfg, const ah_section **out)
{
	*out = NULL;
	if (!cfg->sites_loaded) {
		ah_section *s = NULL;
		/* the merge may reload applicationHost.config, which drops the
		 * index: build the new one only once the merge is done */
		int rc = ah__merge_section(&s, cfg, "system.applicationHost/sites", AH_APPHOST_PATH);
		drop_sites(cfg);
		cfg->sites_loaded = true;
		if (rc < 0) {
			cfg->sites_err = rc;
			const ah_error *e = ah_error_last();
			if (e) {
				cfg->sites_err_hr = e->hresult;
				cfg->sites_err_line = e->line;
				cfg->sites_err_msg = ah_strdup(e->message);
				cfg->sites_err_file = e->file ? ah_strdup(e->file) : NULL;
			}
			return rc;
		}
		cfg->sites = s;
		const ah_elem *root = ah_section_root(s);
		for (size_t i = 0; i < ah_elem_item_count(root); i++) {
			const ah_elem *site = ah_elem_item_at(root, i);
			const char *name = ah_elem_get(site, "name");
			if (!ah_map_get(&cfg->site_index, name) &&
			    ah_map_put(&cfg->site_index, name, (void *)site) < 0)
				return AH_ENOMEM;
		}
	}
	if (cfg->sites_err)
		return ah_error_set(cfg->sites_err, cfg->sites_err_hr, cfg->sites_err_file,
				    cfg->sites_err_line, "%s",
				    cfg->sites_err_msg ? cfg->sites_err_msg
						       : "Cannot read the sites section");
	*out = cfg->sites;
	return 0;
}

const ah_elem *ah__config_site(ah_config *cfg, const char *name)
{
	const ah_section *s;
	if (ah__config_sites(cfg, &s) < 0) {
		if (!ah_error_last())
			ah_error_set(cfg->sites_err, 0, NULL, 0, "Cannot read the sites section");
		return NULL;
	}
	return ah_map_get(&cfg->site_index, name);
}

/* ---- paths ------------------------------------------------------------------ */

char *ah__expand_env(const char *raw)
{
	ah_buf b = AH_BUF_INIT;
	const char *p = raw;
	while (*p) {
		const char *end = *p == '%' ? strchr(p + 1, '%') : NULL;
		if (!end || end == p + 1) {
			ah_buf_putc(&b, *p++);
			continue;
		}
		char name[256];
		size_t n = (size_t)(end - p - 1);
		if (n >= sizeof(name)) {
			ah_buf_putc(&b, *p++);
			continue;
		}
		memcpy(name, p + 1, n);
		name[n] = '\0';
		const char *val = NULL;
		if (ah_strcaseeq(name, "SystemDrive")) {
			val = getenv("APPHOST_SYSTEM_DRIVE");
			if (!val || !*val)
				val = "/srv/apphost";
		} else {
			val = getenv(name);
			for (char **e = environ; !val && *e; e++)
				if (ah_strncaseeq(*e, name, n) && (*e)[n] == '=')
					val = *e + n + 1;
		}
		if (!val) {
			ah_buf_put(&b, p, n + 2);
		} else {
			ah_buf_puts(&b, val);
		}
		p = end + 1;
	}
	if (ah_buf_oom(&b)) {
		ah_buf_free(&b);
		return NULL;
	}
	return ah_buf_detach(&b);
}

char *ah__physical_path(const char *raw)
{
	char *x = ah__expand_env(raw);
	if (!x)
		return NULL;
	for (char *p = x; *p; p++)
		if (*p == '\\')
			*p = '/';
	if (isalpha((unsigned char)x[0]) && x[1] == ':') {
		const char *drive = getenv("APPHOST_SYSTEM_DRIVE");
		if (!drive || !*drive)
			drive = "/srv/apphost";
		ah_buf b = AH_BUF_INIT;
		ah_buf_puts(&b, drive);
		ah_buf_puts(&b, x + 2);
		ah_free(x);
		if (ah_buf_oom(&b)) {
			ah_buf_free(&b);
			return NULL;
		}
		return ah_buf_detach(&b);
	}
	return x;
}

char *ah_expand(const char *value)
{
	return value ? ah__expand_env(value) : NULL;
}

char *ah_physical_path(const char *value)
{
	return value ? ah__physical_path(value) : NULL;
}

int ah_config_path_normalize(char **out, ah_config *cfg, const char *path)
{
	*out = NULL;
	ah_buf b = AH_BUF_INIT;
	const char *p = path ? path : "";
	while (*p == '/')
		p++;
	static const char *const tops[] = {AH_APPHOST_PATH, "MACHINE/WEBROOT", "MACHINE"};
	const char *rest = NULL;
	for (int i = 0; i < 3; i++) {
		size_t n = strlen(tops[i]);
		if (ah_strncaseeq(p, tops[i], n) && (p[n] == '\0' || p[n] == '/')) {
			ah_buf_puts(&b, tops[i]);
			rest = p + n;
			if (i != 0) {
				if (*rest && strcmp(rest, "/") != 0) {
					ah_buf_free(&b);
					return ah_error_set(AH_ENOTFOUND, AH_HR_INVALID_ARG, NULL, 0,
							    "Unrecognized configuration path '%s'",
							    path);
				}
				rest = "";
			}
			break;
		}
	}
	if (!rest) {
		ah_buf_puts(&b, AH_APPHOST_PATH);
		rest = p;
	}
	while (*rest == '/')
		rest++;
	if (*rest) {
		/* site name: take the case of its definition */
		const char *slash = strchr(rest, '/');
		size_t n = slash ? (size_t)(slash - rest) : strlen(rest);
		char *site = ah_strndup(rest, n);
		if (!site) {
			ah_buf_free(&b);
			return AH_ENOMEM;
		}
		const ah_elem *s = ah__config_site(cfg, site);
		ah_error_clear();
		ah_buf_putc(&b, '/');
		ah_buf_puts(&b, s ? ah_elem_get(s, "name") : site);
		ah_free(site);
		rest += n;
		/* the URL part: collapse repeated slashes, drop a trailing one */
		for (const char *q = rest; *q; q++) {
			if (*q == '/' && (q[1] == '/' || q[1] == '\0'))
				continue;
			ah_buf_putc(&b, *q == '\\' ? '/' : *q);
		}
	}
	if (ah_buf_oom(&b)) {
		ah_buf_free(&b);
		return AH_ENOMEM;
	}
	*out = ah_buf_detach(&b);
	return 0;
}

int ah_config_section(ah_section **out, ah_config *cfg, const char *name, const char *path)
{
	*out = NULL;
	if (!cfg || !name)
		return ah_error_set(AH_EINVALID, AH_HR_INVALID_ARG, NULL, 0, "Invalid argument");
	char *norm;
	int rc = ah_config_path_normalize(&norm, cfg, path);
	if (rc < 0)
		return rc;
	rc = ah__merge_section(out, cfg, name, norm);
	ah_free(norm);
	return rc;
}

bool ah_config_has_schema(const ah_config *cfg, const char *name)
{
	return cfg && name && ah__schema_section(cfg->schema, name) != NULL;
}

int ah_config_section_names(const char *const **names, size_t *n, ah_config *cfg,
			    const char *path)
{
	(void)path;
	ah_free(cfg->names);
	cfg->names = ah_calloc(cfg->schema->nlist + 1, sizeof(char *));
	if (!cfg->names)
		return AH_ENOMEM;
	size_t k = 0;
	for (size_t i = 0; i < cfg->schema->nlist; i++)
		cfg->names[k++] = cfg->schema->list[i]->name;
	cfg->nnames = k;
	*names = cfg->names;
	*n = k;
	return 0;
}

/* ---- the section cache ---------------------------------------------------------- */

struct cache_entry {
	struct cache_entry *next;
	ah_section *section; /* NULL when the lookup failed */
	int code;
	uint32_t hr;
	char *message, *file;
	unsigned line;
	char key[];
};

void ah_config_invalidate(ah_config *cfg)
{
	struct cache_entry *e = cfg->cache_list;
	while (e) {
		struct cache_entry *n = e->next;
		ah_section_free(e->section);
		ah_free(e->message);
		ah_free(e->file);
		ah_free(e);
		e = n;
	}
	cfg->cache_list = NULL;
	ah_map_free(&cfg->cache);
	ah_map_init(&cfg->cache, true);
	drop_sites(cfg);
}

static int raise_cached(const struct cache_entry *e)
{
	return ah_error_set(e->code, e->hr, e->file, e->line, "%s", e->message);
}

int ah_config_lookup(const ah_section **out, ah_config *cfg, const char *name, const char *path)
{
	*out = NULL;
	if (!cfg || !name)
		return ah_error_set(AH_EINVALID, AH_HR_INVALID_ARG, NULL, 0, "Invalid argument");
	if (!path)
		path = AH_APPHOST_PATH;
	char stack[512];
	size_t nl = strlen(name), pl = strlen(path);
	char *key = nl + pl + 2 <= sizeof(stack) ? stack : ah_malloc(nl + pl + 2);
	if (!key)
		return AH_ENOMEM;
	memcpy(key, name, nl);
	key[nl] = '\n';
	memcpy(key + nl + 1, path, pl + 1);
	struct cache_entry *e = ah_map_get(&cfg->cache, key);
	if (e) {
		if (key != stack)
			ah_free(key);
		if (!e->section)
			return raise_cached(e);
		*out = e->section;
		return 0;
	}
	e = ah_calloc(1, sizeof(*e) + nl + pl + 2);
	if (!e) {
		if (key != stack)
			ah_free(key);
		return AH_ENOMEM;
	}
	memcpy(e->key, key, nl + pl + 2);
	if (key != stack)
		ah_free(key);
	int rc = ah_config_section(&e->section, cfg, name, path);
	if (rc == AH_ENOMEM) {
		ah_free(e);
		return rc;
	}
	if (rc < 0) {
		const ah_error *err = ah_error_last();
		e->code = rc;
		e->hr = err ? err->hresult : 0;
		e->line = err ? err->line : 0;
		e->message = ah_strdup(err ? err->message : "");
		e->file = err && err->file ? ah_strdup(err->file) : NULL;
	}
	if (ah_map_put(&cfg->cache, e->key, e) < 0) {
		ah_section_free(e->section);
		ah_free(e->message);
		ah_free(e->file);
		ah_free(e);
		return AH_ENOMEM;
	}
	e->next = cfg->cache_list;
	cfg->cache_list = e;
	*out = e->section;
	return rc;
}

/* ---- validation views ---------------------------------------------------------- */

int ah__config_read(ah_config *cfg, char **data, size_t *len, ah_file_id *id, const char *path)
{
	const ah_overlay *o = ah_map_get(&cfg->overlay, path);
	if (!o)
		return ah_fs_read(data, len, id, path);
	*data = ah_strndup(o->data, o->len);
	*len = o->len;
	if (id)
		memset(id, 0, sizeof(*id));
	return *data ? 0 : AH_ENOMEM;
}

bool ah__config_exists(ah_config *cfg, const char *path)
{
	return ah_map_get(&cfg->overlay, path) != NULL || ah_fs_exists(path);
}

int ah__config_view(ah_config **out, const ah_config *cfg, const ah_map *overlay)
{
	*out = NULL;
	ah_config *v = ah_calloc(1, sizeof(*v));
	if (!v)
		return AH_ENOMEM;
	ah_map_init(&v->files, false);
	ah_map_init(&v->cache, true);
	ah_map_init(&v->site_index, true);
	ah_map_init(&v->overlay, false);
	v->schema = cfg->schema;
	v->borrowed_schema = true;
	v->dir = ah_strdup(cfg->dir);
	v->apphost_path = ah_strdup(cfg->apphost_path);
	v->machine_path = ah_strdup(cfg->machine_path);
	v->rootweb_path = ah_strdup(cfg->rootweb_path);
	if (!v->dir || !v->apphost_path || !v->machine_path || !v->rootweb_path) {
		ah_config_free(v);
		return AH_ENOMEM;
	}
	for (size_t i = 0; i < overlay->cap; i++) {
		const char *k = ah_map_key_at(overlay, i);
		if (k && ah_map_put(&v->overlay, k, ah_map_value_at(overlay, i)) < 0) {
			ah_config_free(v);
			return AH_ENOMEM;
		}
	}
	*out = v;
	return 0;
}
