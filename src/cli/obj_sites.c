/*
 * appcmd: SITE, APP and VDIR objects, read from system.applicationHost/sites
 * at MACHINE/WEBROOT/APPHOST.
 *
 * Identifiers:
 *   SITE  the site name                       "Default Web Site"
 *   APP   site name + application path        "Site/" (path "/"), "Site/app"
 *   VDIR  APP identifier without its trailing "/" for the root application,
 *         followed by the virtual directory path:
 *         "Site/" (vdir "/" of app "/"), "Site/v" (vdir "/v" of app "/"),
 *         "Site/app/" (vdir "/" of app "/app"), "Site/app/v"
 *
 * Synthetic properties, in the order /xml and /text:* show them:
 *   SITE  SITE.NAME, SITE.ID, bindings (protocol/bindingInformation joined
 *         with ","), state
 *   APP   path, APP.NAME, APPPOOL.NAME (the effective applicationPool,
 *         applicationDefaults included), SITE.NAME
 *   VDIR  physicalPath (as written, unexpanded), path, APP.NAME, VDIR.NAME;
 *         SITE.NAME is a hidden property, usable as a filter
 */
#include "cli.h"

#include "util/buf.h"

#include <string.h>

typedef struct walk {
	cli_objlist *l;
	const cli_kind *kind;
} walk;

static int add_site(walk *w, const ah_elem *site)
{
	cli_object *o = cli_objlist_add(w->l, w->kind);
	if (!o)
		return AH_ENOMEM;
	const char *name = ah_elem_get(site, "name");
	ah_buf b = AH_BUF_INIT;
	const ah_elem *bindings = ah_elem_child(site, "bindings");
	size_t n = bindings ? ah_elem_item_count(bindings) : 0;
	for (size_t i = 0; i < n; i++) {
		const ah_elem *bd = ah_elem_item_at(bindings, i);
		ah_buf_printf(&b, "%s%s/%s", i ? "," : "", ah_elem_get(bd, "protocol"),
			      ah_elem_get(bd, "bindingInformation"));
	}
	int rc = ah_buf_oom(&b) ? AH_ENOMEM : 0;
	o->elem = site;
	o->elem_tag = ah_elem_tag(site);
	if (!rc)
		rc = cli_object_prop(w->l, o, "SITE.NAME", name, false);
	if (!rc)
		rc = cli_object_prop(w->l, o, "SITE.ID", ah_elem_get(site, "id"), false);
	if (!rc)
		rc = cli_object_prop(w->l, o, "bindings", ah_buf_cstr(&b), false);
	if (!rc)
		rc = cli_object_prop(w->l, o, "state", cli_state_site(site), false);
	ah_buf_free(&b);
	o->id = cli_object_get(o, "SITE.NAME");
	return rc;
}

/* "Site" + application path, without the trailing "/" of the root app when
 * a virtual directory path follows. */
static const char *app_name(cli_objlist *l, const char *site, const char *path, bool for_vdir)
{
	if (for_vdir && strcmp(path, "/") == 0)
		path = "";
	return ah_arena_printf(l->arena, "%s%s", site, path);
}

static int add_app(walk *w, const char *site, const ah_elem *app)
{
	cli_object *o = cli_objlist_add(w->l, w->kind);
	if (!o)
		return AH_ENOMEM;
	const char *path = ah_elem_get(app, "path");
	const char *name = app_name(w->l, site, path, false);
	if (!name)
		return AH_ENOMEM;
	o->elem = app;
	o->elem_tag = ah_elem_tag(app);
	o->id = name;
	int rc = cli_object_prop(w->l, o, "path", path, false);
	if (!rc)
		rc = cli_object_prop(w->l, o, "APP.NAME", name, false);
	if (!rc)
		rc = cli_object_prop(w->l, o, "APPPOOL.NAME", ah_elem_get(app, "applicationPool"),
				     false);
	if (!rc)
		rc = cli_object_prop(w->l, o, "SITE.NAME", site, false);
	return rc;
}

static int add_vdir(walk *w, const char *site, const ah_elem *app, const ah_elem *vdir)
{
	cli_object *o = cli_objlist_add(w->l, w->kind);
	if (!o)
		return AH_ENOMEM;
	const char *app_path = ah_elem_get(app, "path");
	const char *path = ah_elem_get(vdir, "path");
	const char *base = app_name(w->l, site, app_path, true);
	const char *appid = app_name(w->l, site, app_path, false);
	const char *name = base ? ah_arena_printf(w->l->arena, "%s%s", base, path) : NULL;
	if (!appid || !name)
		return AH_ENOMEM;
	o->elem = vdir;
	o->elem_tag = ah_elem_tag(vdir);
	o->id = name;
	int rc = cli_object_prop(w->l, o, "physicalPath", ah_elem_get(vdir, "physicalPath"),
				 false);
	if (!rc)
		rc = cli_object_prop(w->l, o, "path", path, false);
	if (!rc)
		rc = cli_object_prop(w->l, o, "APP.NAME", appid, false);
	if (!rc)
		rc = cli_object_prop(w->l, o, "VDIR.NAME", name, false);
	if (!rc)
		rc = cli_object_prop(w->l, o, "SITE.NAME", site, true);
	return rc;
}

static int walk_site(walk *w, const ah_elem *site)
{
	if (w->kind->id == CLI_SITE)
		return add_site(w, site);
	const char *name = ah_elem_get(site, "name");
	for (size_t i = 0; i < ah_elem_item_count(site); i++) {
		const ah_elem *app = ah_elem_item_at(site, i);
		int rc = 0;
		if (w->kind->id == CLI_APP) {
			rc = add_app(w, name, app);
		} else {
			for (size_t k = 0; k < ah_elem_item_count(app) && !rc; k++)
				rc = add_vdir(w, name, app, ah_elem_item_at(app, k));
		}
		if (rc < 0)
			return rc;
	}
	return 0;
}

int cli_collect_sites(cli_objlist *l, ah_config *cfg, const cli_kind *kind)
{
	ah_section *sec;
	int rc = ah_config_section(&sec, cfg, "system.applicationHost/sites",
				   "MACHINE/WEBROOT/APPHOST");
	if (rc < 0)
		return rc;
	if ((rc = cli_objlist_keep(l, sec)) < 0)
		return rc;
	walk w = {.l = l, .kind = kind};
	const ah_elem *root = ah_section_root(sec);
	for (size_t i = 0; i < ah_elem_item_count(root); i++)
		if ((rc = walk_site(&w, ah_elem_item_at(root, i))) < 0)
			return rc;
	return 0;
}
