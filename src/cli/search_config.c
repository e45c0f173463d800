/*
 * appcmd: `search config [PATH] [/section:NAME] [/property[:value] ...]`.
 *
 * Lists the configuration paths at or below PATH (default
 * MACHINE/WEBROOT/APPHOST) where configuration is defined: a location tag
 * of applicationHost.config or a web.config file that sets something. One
 * line per path, in hierarchical order (a path before the paths below it,
 * siblings by name without regard to case), in the form IIS prints:
 *
 *   CONFIGSEARCH "MACHINE/WEBROOT/APPHOST"
 *   CONFIGSEARCH "MACHINE/WEBROOT/APPHOST/Default Web Site/shop"
 *
 * /section:NAME keeps the paths that set that section. A property filter
 * keeps the paths that set that attribute (to that value, compared without
 * regard to case, when a value is given); several filters must all be set
 * at the same path. Filters are property expressions, so an item can be
 * named: /[name='MyFarm'].name finds where the item MyFarm is defined.
 *
 *   appcmd search config "Default Web Site/" /section:directoryBrowse /enabled:true
 *
 * How the paths are found: the effective section is read at every
 * candidate path — PATH, every site, application and virtual directory
 * below it, every location path of applicationHost.config below it, and
 * every folder below a virtual directory's physical folder that holds a
 * web.config (16 levels at most) — and the origin (configuration path) of
 * every value and element some file sets is collected.
 *
 * /text:* and /xml show the results as CONFIGSEARCH objects with one
 * property, path. Nothing found: no output, exit status 1.
 */
#include "input.h"
#include "write.h"

#include "util/fs.h"
#include "util/str.h"

#include <ctype.h>
#include <dirent.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

typedef struct search {
	ah_buf *out;
	cli_args *a;
	ah_config *cfg;
	ah_arena *arena;
	const char *root;
	const char **cand; /* candidate paths, in order */
	size_t ncand, capcand;
	const char **found; /* results, in order */
	size_t nfound, capfound;
} search;

static bool below(const char *path, const char *root)
{
	size_t n = strlen(root);
	return ah_strncaseeq(path, root, n) && (path[n] == '\0' || path[n] == '/');
}

/* Append s to a list unless it is there already (any case). */
static int add_unique(search *s, const char ***v, size_t *n, size_t *cap, const char *path)
{
	for (size_t i = 0; i < *n; i++)
		if (ah_strcaseeq((*v)[i], path))
			return 0;
	if (*n == *cap) {
		size_t nc = *cap ? *cap * 2 : 32;
		const char **nv = ah_arena_alloc(s->arena, nc * sizeof(*nv));
		if (!nv)
			return AH_ENOMEM;
		if (*n)
			memcpy(nv, *v, *n * sizeof(*nv));
		*v = nv;
		*cap = nc;
	}
	const char *copy = ah_arena_strdup(s->arena, path);
	if (!copy)
		return AH_ENOMEM;
	(*v)[(*n)++] = copy;
	return 0;
}

static int candidate(search *s, const char *path)
{
	if (!below(path, s->root))
		return 0;
	return add_unique(s, &s->cand, &s->ncand, &s->capcand, path);
}

/* Folders holding a web.config under dir (config path cp). */
static int walk_folders(search *s, const char *dir, const char *cp, int depth)
{
	if (depth > 16)
		return 0;
	DIR *d = opendir(dir);
	if (!d)
		return 0;
	struct dirent *de;
	int rc = 0;
	while (rc == 0 && (de = readdir(d)) != NULL) {
		if (de->d_name[0] == '.')
			continue;
		const char *sub = ah_arena_printf(s->arena, "%s/%s", dir, de->d_name);
		const char *scp = ah_arena_printf(s->arena, "%s/%s", cp, de->d_name);
		struct stat st;
		if (!sub || !scp) {
			rc = AH_ENOMEM;
			break;
		}
		if (lstat(sub, &st) < 0 || !S_ISDIR(st.st_mode))
			continue;
		const char *wc = ah_arena_printf(s->arena, "%s/web.config", sub);
		if (wc && ah_fs_exists(wc))
			rc = candidate(s, scp);
		if (rc == 0)
			rc = walk_folders(s, sub, scp, depth + 1);
	}
	closedir(d);
	return rc;
}

/* Sites, applications, virtual directories and their folders. */
static int site_candidates(search *s)
{
	cli_objlist l;
	int rc = cli_objlist_init(&l);
	if (rc == 0)
		rc = cli_collect(&l, s->cfg, cli_kind_by_id(CLI_VDIR));
	for (size_t i = 0; rc == 0 && i < l.n; i++) {
		const cli_object *o = &l.v[i];
		const char *app = cli_object_get(o, "APP.NAME");
		const char *vpath = cli_object_get(o, "path");
		size_t an = strlen(app);
		while (an && app[an - 1] == '/')
			an--;
		const char *cp = ah_arena_printf(s->arena, CLI_APPHOST "/%.*s%s", (int)an, app,
						 strcmp(vpath, "/") ? vpath : "");
		if (!cp) {
			rc = AH_ENOMEM;
			break;
		}
		rc = candidate(s, cp);
		char *phys = ah_physical_path(cli_object_get(o, "physicalPath"));
		if (rc == 0 && phys && (below(cp, s->root) || below(s->root, cp)))
			rc = walk_folders(s, phys, cp, 0);
		ah_free(phys);
	}
	cli_objlist_free(&l);
	return rc;
}

/* The location paths of applicationHost.config. */
static int location_candidates(search *s)
{
	char *data = NULL;
	size_t len = 0;
	if (ah_fs_read(&data, &len, NULL, ah_config_apphost_path(s->cfg)) < 0) {
		ah_error_clear();
		return 0;
	}
	cli_xnode *root = NULL;
	unsigned line;
	int rc = cli_xml_read(&root, s->arena, data, len, &line);
	ah_free(data);
	if (rc == AH_ENOMEM)
		return rc;
	for (const cli_xnode *n = rc == 0 ? root->first : NULL; n && rc == 0; n = n->next) {
		const char *p = strcmp(n->tag, "location") == 0 ? cli_xnode_get(n, "path") : NULL;
		char *norm = NULL;
		if (!p || ah_config_path_normalize(&norm, s->cfg, p) < 0) {
			ah_error_clear();
			continue;
		}
		rc = candidate(s, norm);
		ah_free(norm);
	}
	return rc == AH_ENOMEM ? rc : 0;
}

/* ---- origins ------------------------------------------------------------------- */

static int found(search *s, const char *origin)
{
	if (!origin || !below(origin, s->root))
		return 0;
	return add_unique(s, &s->found, &s->nfound, &s->capfound, origin);
}

/* Every origin of what files set in e and below. */
static int origins(search *s, const ah_elem *e, int depth)
{
	if (!e || depth > 64)
		return 0;
	int rc = 0;
	if (ah_elem_is_set(e))
		rc = found(s, ah_elem_origin(e).config_path);
	ah_attr_info info;
	for (size_t i = 0; rc == 0 && ah_elem_attr_at(e, i, &info); i++)
		if (info.source == AH_VALUE_SET)
			rc = found(s, info.origin.config_path);
	for (size_t i = 0; rc == 0 && i < ah_elem_child_count(e); i++)
		rc = origins(s, ah_elem_child_at(e, i), depth + 1);
	for (size_t i = 0; rc == 0 && i < ah_elem_item_count(e); i++)
		rc = origins(s, ah_elem_item_at(e, i), depth + 1);
	return rc;
}

/* The element a filter's segments address in section root (NULL: none). */
static const ah_elem *walk(const ah_elem *e, const cli_pseg *segs, size_t n)
{
	for (size_t i = 0; e && i < n; i++) {
		const cli_pseg *sg = &segs[i];
		if (sg->name) {
			e = cli_elem_child_ci(e, sg->name);
			continue;
		}
		const ah_elem *hit = NULL;
		for (size_t k = 0; k < ah_elem_item_count(e) && !hit; k++) {
			const ah_elem *it = ah_elem_item_at(e, k);
			bool ok = sg->pos == CLI_PPOS_INDEX ? (long)k == sg->index : true;
			for (size_t j = 0; ok && sg->pos != CLI_PPOS_INDEX && j < sg->nkeys; j++) {
				ah_attr_info info;
				ok = cli_elem_attr_ci(it, sg->keys[j], &info) &&
				     ah_strcaseeq(cli_attr_text(&info), sg->values[j]);
			}
			if (ok)
				hit = it;
		}
		e = hit;
	}
	return e;
}

/* The origin of the attribute a filter names, when it is set (and has the
 * filter's value); NULL otherwise. *bad is set for a malformed filter. */
static const char *filter_origin(search *s, const ah_elem *root, const cli_param *p, int *bad)
{
	cli_pexpr e;
	int rc = cli_pexpr_parse(&e, s->arena, p->name);
	if (rc || e.op != CLI_POP_SET) {
		*bad = rc == CLI_PX_MALFORMED ? CLI_PX_MALFORMED : CLI_PX_BADNAME;
		return NULL;
	}
	const ah_elem *el = walk(root, e.segs, e.nsegs - 1);
	ah_attr_info info;
	if (!el || !cli_elem_attr_ci(el, e.segs[e.nsegs - 1].name, &info) ||
	    info.source != AH_VALUE_SET)
		return NULL;
	if (p->value && !ah_strcaseeq(cli_attr_text(&info), p->value))
		return NULL;
	return info.origin.config_path;
}

/* One section at one candidate path. Returns 0 or an exit status. */
static int one(search *s, const char *path, const char *section)
{
	ah_section *sec;
	int rc = ah_config_section(&sec, s->cfg, section, path);
	if (rc < 0) {
		const ah_error *e = ah_error_last();
		if (rc == AH_ENOTFOUND && e && e->hresult == AH_HR_NOT_SUPPORTED) {
			ah_error_clear(); /* declared in no file: nothing set */
			return 0;
		}
		return cli_error_engine(s->out, rc);
	}
	const ah_elem *root = ah_section_root(sec);
	const char *origin = NULL;
	bool filtered = false, all = true;
	for (size_t i = 0; i < s->a->nparams && all; i++) {
		const cli_param *p = &s->a->params[i];
		if (p->used)
			continue;
		int bad = 0;
		const char *o = filter_origin(s, root, p, &bad);
		if (bad) {
			ah_section_free(sec);
			return bad == CLI_PX_MALFORMED
				       ? cli_error(s->out, CLI_EXIT_INVALID_DATA, CLI_MALFORMED_INDEXER)
				       : cli_error_unknown_attr(s->out, p->name);
		}
		filtered = true;
		all = o && (!origin || ah_strcaseeq(o, origin));
		origin = o;
	}
	rc = filtered ? (all ? found(s, origin) : 0) : origins(s, root, 0);
	ah_section_free(sec);
	return rc < 0 ? cli_error_engine(s->out, rc) : 0;
}

static int at_path(search *s, const char *path, const char *section)
{
	if (section)
		return one(s, path, section);
	const char *const *names;
	size_t n;
	int rc = ah_config_section_names(&names, &n, s->cfg, path);
	if (rc < 0)
		return cli_error_engine(s->out, rc);
	/* the names belong to the store until the next call: copy them */
	const char **copy = ah_arena_alloc(s->arena, (n + 1) * sizeof(*copy));
	for (size_t i = 0; copy && i < n; i++)
		if (!(copy[i] = ah_arena_strdup(s->arena, names[i])))
			copy = NULL;
	if (!copy)
		return cli_error_engine(s->out, AH_ENOMEM);
	int status = 0;
	for (size_t i = 0; i < n && !status; i++)
		status = one(s, path, copy[i]);
	return status;
}

/* Hierarchical order: a path before the paths below it, siblings by name
 * without regard to case ("/" sorts before every other character). */
static int path_cmp(const void *pa, const void *pb)
{
	const unsigned char *a = *(const unsigned char *const *)pa;
	const unsigned char *b = *(const unsigned char *const *)pb;
	for (;; a++, b++) {
		int ca = *a == '/' ? 1 : *a ? tolower(*a) + 1 : 0;
		int cb = *b == '/' ? 1 : *b ? tolower(*b) + 1 : 0;
		if (ca != cb || !ca)
			return ca - cb;
	}
}

static int print(search *s)
{
	if (s->nfound)
		qsort(s->found, s->nfound, sizeof(*s->found), path_cmp);
	const cli_kind *kind = cli_kind_by_id(CLI_CONFIGSEARCH);
	cli_objlist l;
	if (cli_objlist_init(&l) < 0)
		return cli_error_engine(s->out, AH_ENOMEM);
	if (s->a->mode == CLI_OUT_XML)
		cli_xml_begin(s->out);
	int status = 0;
	for (size_t i = 0; i < s->nfound && !status; i++) {
		cli_object *o = cli_objlist_add(&l, kind);
		if (!o || cli_object_prop(&l, o, "path", s->found[i], false) < 0) {
			status = cli_error_engine(s->out, AH_ENOMEM);
			break;
		}
		o->id = cli_object_get(o, "path");
		const char *v;
		if (s->a->mode == CLI_OUT_XML)
			cli_xml_object(s->out, o, 0);
		else if (s->a->mode == CLI_OUT_DETAIL)
			cli_text_detail(s->out, o, NULL);
		else if (s->a->mode == CLI_OUT_ATTR && cli_query(o, s->a->text_attr, &v))
			ah_buf_printf(s->out, "%s\n", v);
		else if (s->a->mode == CLI_OUT_ATTR)
			status = cli_error_unknown_attr(s->out, s->a->text_attr);
		else
			cli_text_line(s->out, o);
	}
	if (!status && s->a->mode == CLI_OUT_XML)
		cli_xml_end(s->out);
	cli_objlist_free(&l);
	return status ? status : s->nfound ? 0 : 1;
}

int cli_search_config(ah_buf *out, cli_args *a, const cli_kind *kind)
{
	if (a->section && strcmp(a->section, "?") == 0)
		return cli_list_config(out, a, kind); /* the section names */
	(void)kind;
	search s = {.out = out, .a = a};
	int status;
	if (cli_open(&s.cfg, a, out, &status) < 0)
		return status;
	s.arena = ah_arena_new();
	char *root = NULL, *section = NULL;
	int rc = s.arena ? cli_config_path(&root, s.cfg, a->ident) : AH_ENOMEM;
	if (rc == AH_ENOTFOUND && !ah_error_last())
		status = cli_error_not_found(out, cli_kind_by_id(CLI_SITE), a->ident);
	else if (rc < 0)
		status = cli_error_engine(out, rc);
	if (!status && a->section && *a->section) {
		rc = cli_section_resolve(&section, s.cfg, a->section);
		if (rc == AH_ENOTFOUND)
			rc = (section = ah_strdup(a->section)) ? 0 : AH_ENOMEM;
		if (rc < 0)
			status = cli_error_engine(out, rc);
	}
	s.root = root;
	if (!status) {
		rc = candidate(&s, root);
		if (rc == 0)
			rc = location_candidates(&s);
		if (rc == 0)
			rc = site_candidates(&s);
		if (rc < 0)
			status = cli_error_engine(out, rc);
	}
	for (size_t i = 0; i < s.ncand && !status; i++)
		status = at_path(&s, s.cand[i], section);
	if (!status)
		status = print(&s);
	ah_free(root);
	ah_free(section);
	ah_arena_free(s.arena);
	ah_config_free(s.cfg);
	return status;
}
