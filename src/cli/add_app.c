/*
 * appcmd: `add app` and `add vdir`.
 *
 *   appcmd add app /site.name:MySite /path:/app1 /physicalPath:C:\inetpub\mysite\app1
 *   APP object "MySite/app1" added
 *   VDIR object "MySite/app1/" added
 *
 *   appcmd add vdir /app.name:"MySite/app1" /path:/vdir1 /physicalPath:C:\inetpub\vdir1
 *   VDIR object "MySite/app1/vdir1" added
 *
 * add app needs /site.name (or an identifier "Site/path", which gives both
 * the site and the path); /physicalPath also creates the application's root
 * virtual directory; every other parameter is a property of the new
 * <application> (/applicationPool:X). add vdir needs /app.name, the
 * identifier of an existing application; every other parameter is a
 * property of the new <virtualDirectory>. Missing /site.name or /app.name:
 * Missing required parameter "site.name". (exit 87, apphost's text); an
 * unknown site or application: Cannot find SITE object with identifier
 * "X". (exit 144, as IIS); an application or directory with that path
 * already: Failed to add duplicate collection element "MySite/app1".
 * (exit 183). A missing /path is the engine's missing required attribute.
 */
#include "write.h"

#include "util/str.h"

#include <string.h>

const ah_elem *cli_find_path(const ah_elem *e, const char *value)
{
	size_t vn = strlen(value);
	while (vn > 1 && value[vn - 1] == '/')
		vn--;
	for (size_t i = 0; e && i < ah_elem_item_count(e); i++) {
		const char *p = ah_elem_get(ah_elem_item_at(e, i), "path");
		size_t pn = strlen(p);
		while (pn > 1 && p[pn - 1] == '/')
			pn--;
		if (pn == vn && ah_strncaseeq(p, value, vn))
			return ah_elem_item_at(e, i);
	}
	return NULL;
}

/* The new item's path attribute and the parameters; status or 0. */
static int add_item(cli_write *w, cli_args *a, const char *tag, const char *path,
		    const char *phys, const char *shown)
{
	const char *names[2] = {"path", "physicalPath"}, *values[2] = {path, phys};
	size_t n = path ? (phys && !strcmp(tag, "virtualDirectory") ? 2 : 1) : 0;
	int status = cli_write_add(w, w->base, w->nbase, w->elem, tag, n ? names : names + 1,
				   n ? values : values + 1, n, AH_POS_END, shown);
	if (status || !path)
		return status;
	if (cli_write_base(w, NULL, "path", path) < 0)
		return cli_error_engine(w->out, AH_ENOMEM);
	w->tag = tag;
	if (phys && strcmp(tag, "application") == 0) {
		const char *vn[2] = {"path", "physicalPath"}, *vv[2] = {"/", phys};
		status = cli_write_add(w, w->base, w->nbase, NULL, "virtualDirectory", vn, vv, 2,
				       AH_POS_END, "physicalPath");
	}
	return status ? status : cli_write_params(w, a);
}

/* The site named `site`, as the base; status or 0. */
static int site_base(cli_write *w, const char *site)
{
	const ah_elem *s = ah_elem_find_item(ah_section_root(w->eff), "name", site);
	if (!s)
		return cli_error_not_found(w->out, cli_kind_by_id(CLI_SITE), site);
	return cli_write_base(w, NULL, "name", ah_elem_get(s, "name")) < 0
		       ? cli_error_engine(w->out, AH_ENOMEM)
		       : 0;
}

int cli_add_app(ah_buf *out, cli_args *a)
{
	const char *site = cli_args_take(a, "site.name");
	const char *path = cli_args_take(a, "path");
	const char *phys = cli_args_take(a, "physicalPath");
	cli_write w;
	int status = cli_write_begin(&w, out, a);
	if (!status && !site && a->ident) {
		/* "Site/path": both at once */
		const char *slash = strchr(a->ident, '/');
		site = slash ? ah_arena_strndup(w.arena, a->ident, (size_t)(slash - a->ident))
			     : a->ident;
		if (!path && slash)
			path = slash;
	}
	if (!status && !site)
		status = cli_error_missing(out, "site.name");
	if (!status)
		status = cli_write_target(&w, CLI_APPHOST, CLI_APPHOST,
					  "system.applicationHost/sites");
	if (!status)
		status = site_base(&w, site);
	const char *sname = status ? NULL : ah_elem_get(w.elem, "name");
	const char *id = path && sname ? ah_arena_printf(w.arena, "%s%s", sname, path) : NULL;
	if (!status && path && cli_find_path(w.elem, path))
		status = cli_error_duplicate(out, id);
	if (!status)
		status = add_item(&w, a, "application", path, phys, "path");
	if (!status)
		status = cli_write_commit(&w);
	if (!status) {
		ah_buf_printf(out, "APP object \"%s\" added\n", id ? id : "");
		if (phys)
			ah_buf_printf(out, "VDIR object \"%s%s\" added\n", id ? id : "",
				      path && strcmp(path, "/") ? "/" : "");
	}
	cli_write_end(&w);
	return status;
}

int cli_add_vdir(ah_buf *out, cli_args *a)
{
	const char *app = cli_args_take(a, "app.name");
	const char *path = cli_args_take(a, "path");
	const char *phys = cli_args_take(a, "physicalPath");
	cli_write w;
	cli_objlist l;
	int status = cli_write_begin(&w, out, a);
	int rc = cli_objlist_init(&l);
	if (!status && rc < 0)
		status = cli_error_engine(out, rc);
	if (!status && !app)
		status = cli_error_missing(out, "app.name");
	if (!status && (rc = cli_collect(&l, w.cfg, cli_kind_by_id(CLI_APP))) < 0)
		status = cli_error_engine(out, rc);
	const cli_object *o = status ? NULL : cli_objlist_find(&l, app);
	if (!status && !o)
		status = cli_error_not_found(out, cli_kind_by_id(CLI_APP), app);
	if (!status)
		status = cli_write_target(&w, CLI_APPHOST, CLI_APPHOST,
					  "system.applicationHost/sites");
	if (!status && cli_object_base(&w, o) < 0)
		status = cli_error_engine(out, AH_ENOMEM);
	const char *id = NULL;
	if (!status && path) {
		/* the APP identifier without the "/" of a root application */
		const char *apppath = cli_object_get(o, "path");
		const char *site = cli_object_get(o, "SITE.NAME");
		id = ah_arena_printf(w.arena, "%s%s%s", site, strcmp(apppath, "/") ? apppath : "",
				     path);
		if (cli_find_path(w.elem, path))
			status = cli_error_duplicate(out, id);
	}
	if (!status)
		status = add_item(&w, a, "virtualDirectory", path, phys, "path");
	if (!status)
		status = cli_write_commit(&w);
	if (!status)
		ah_buf_printf(out, "VDIR object \"%s\" added\n", id ? id : "");
	cli_objlist_free(&l);
	cli_write_end(&w);
	return status;
}
