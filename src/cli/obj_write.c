/*
 * appcmd: `set` and `delete` of SITE, APP, VDIR and APPPOOL objects, and the
 * dispatch of `add` (add_site.c, add_app.c, add_pool.c, input.c).
 *
 *   appcmd set apppool "Fabrikam Stock" /processModel.identityType:LocalService
 *   appcmd set apppool /apppool.name:X /managedRuntimeVersion:v4.0
 *   appcmd set site "Default Web Site" /+bindings.[protocol='https',bindingInformation='*:443:']
 *   appcmd set app "MySite/" /applicationPool:MyAppPool
 *   appcmd set vdir "MySite/app1/vdir1" /physicalPath:D:\content
 *   appcmd delete apppool X
 *
 * The object is named by its exact identifier (positional, or /site.name:,
 * /app.name:, /vdir.name:, /apppool.name:), compared without regard to case.
 * Without one: "Must use exact identifer for VDIR object with verb SET."
 * (exit 50, IIS's text and spelling); an identifier that names nothing:
 * "Cannot find SITE object with identifier "X"." (exit 1168, status 144).
 *
 * Every other parameter of set is a property expression applied to the
 * object's configuration element (<add name="X"> of applicationPools,
 * <site>, <application>, <virtualDirectory>): dotted child elements,
 * indexers, /+ and /- (write_ops.c). An attribute the element does not have
 * is IIS's "Unknown attribute" error: `set apppool X /environmentVariables:..`
 * fails as on IIS. SITE also takes /bindings:protocol/info[,...], which
 * replaces the site's bindings.
 *
 * Objects are always written to applicationHost.config. Output:
 *   APPPOOL object "X" changed
 *   SITE object "X" deleted
 */
#include "write.h"

#include "util/str.h"

#include <string.h>

const char *cli_object_section(const cli_kind *kind)
{
	return kind->id == CLI_APPPOOL ? "system.applicationHost/applicationPools"
				       : "system.applicationHost/sites";
}

int cli_object_base(cli_write *w, const cli_object *o)
{
	const char *site = cli_object_get(o, "SITE.NAME");
	int rc = 0;
	switch (o->kind->id) {
	case CLI_APPPOOL:
		return cli_write_base(w, NULL, "name", cli_object_get(o, "APPPOOL.NAME"));
	case CLI_SITE:
		return cli_write_base(w, NULL, "name", site);
	case CLI_APP:
		rc = cli_write_base(w, NULL, "name", site);
		return rc ? rc : cli_write_base(w, NULL, "path", cli_object_get(o, "path"));
	case CLI_VDIR: {
		const char *appid = cli_object_get(o, "APP.NAME");
		const char *apppath = appid + strlen(site);
		rc = cli_write_base(w, NULL, "name", site);
		if (!rc)
			rc = cli_write_base(w, NULL, "path", *apppath ? apppath : "/");
		return rc ? rc : cli_write_base(w, NULL, "path", cli_object_get(o, "path"));
	}
	default:
		return AH_EINVALID;
	}
}

/* The identifier of set/delete: positional or /<type>.name:. */
static const char *ident_of(cli_args *a, const cli_kind *kind)
{
	return a->ident ? a->ident : cli_args_take(a, kind->ident_param);
}

typedef int (*change_fn)(cli_write *w, cli_args *a, const cli_object *o);

/* Find the object, target its element, run fn, commit, print the message. */
static int change(ah_buf *out, cli_args *a, const cli_kind *kind, const char *verb,
		  const char *done, change_fn fn)
{
	const char *id = ident_of(a, kind);
	if (!id)
		return cli_error_need_ident(out, kind, verb);
	cli_write w;
	cli_objlist l;
	int status = cli_write_begin(&w, out, a);
	int rc = cli_objlist_init(&l);
	if (!status && rc == 0)
		rc = cli_collect(&l, w.cfg, kind);
	if (!status && rc < 0)
		status = cli_error_engine(out, rc);
	const cli_object *o = status ? NULL : cli_objlist_find(&l, id);
	if (!status && !o)
		status = cli_error_not_found(out, kind, id);
	if (!status)
		status = cli_write_target(&w, CLI_APPHOST, CLI_APPHOST, cli_object_section(kind));
	if (!status && cli_object_base(&w, o) < 0)
		status = cli_error_engine(out, AH_ENOMEM);
	if (!status)
		status = fn(&w, a, o);
	if (!status)
		status = cli_write_commit(&w);
	if (!status)
		ah_buf_printf(out, "%s object \"%s\" %s\n", kind->name, o->id, done);
	cli_objlist_free(&l);
	cli_write_end(&w);
	return status;
}

static int set_fn(cli_write *w, cli_args *a, const cli_object *o)
{
	if (o->kind->id == CLI_SITE) {
		const char *bindings = cli_args_take(a, "bindings");
		if (bindings) {
			int status = cli_site_replace_bindings(w, bindings);
			if (status)
				return status;
		}
	}
	return cli_write_params(w, a);
}

static int delete_fn(cli_write *w, cli_args *a, const cli_object *o)
{
	(void)o;
	for (size_t i = 0; i < a->nparams; i++)
		if (!a->params[i].used)
			return cli_error_unknown_attr(w->out, a->params[i].name);
	ah_where wh = {.path = w->path, .commit = w->commit, .section = w->section,
		       .steps = w->base, .nsteps = w->nbase - 1};
	int rc = ah_tx_remove(w->tx, &wh, &w->base[w->nbase - 1]);
	return rc < 0 ? cli_error_engine(w->out, rc) : 0;
}

int cli_set_object(ah_buf *out, cli_args *a, const cli_kind *kind)
{
	if (a->in)
		return cli_run_each_input(out, a, kind, cli_set_object);
	return change(out, a, kind, "set", "changed", set_fn);
}

int cli_delete_object(ah_buf *out, cli_args *a, const cli_kind *kind)
{
	if (a->in)
		return cli_run_each_input(out, a, kind, cli_delete_object);
	return change(out, a, kind, "delete", "deleted", delete_fn);
}

int cli_add_object(ah_buf *out, cli_args *a, const cli_kind *kind)
{
	if (a->in)
		return cli_import(out, a, kind);
	switch (kind->id) {
	case CLI_APPPOOL:
		return cli_add_apppool(out, a);
	case CLI_SITE:
		return cli_add_site(out, a);
	case CLI_APP:
		return cli_add_app(out, a);
	default:
		return cli_add_vdir(out, a);
	}
}
