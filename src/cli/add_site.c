/*
 * appcmd: `add site /name:NAME [/id:N] [/bindings:...] [/physicalPath:PATH]
 * [/property:value ...]`, and the bindings parameter of add and set site.
 *
 *   appcmd add site /name:MySite /id:2 /bindings:http/:81:,https/:443: /physicalPath:C:\inetpub\mysite
 *
 * writes, in applicationHost.config:
 *
 *   <site name="MySite" id="2">
 *       <application path="/">
 *           <virtualDirectory path="/" physicalPath="C:\inetpub\mysite" />
 *       </application>
 *       <bindings>
 *           <binding protocol="http" bindingInformation=":81:" />
 *           <binding protocol="https" bindingInformation=":443:" />
 *       </bindings>
 *   </site>
 *
 * and prints
 *
 *   SITE object "MySite" added
 *   APP object "MySite/" added
 *   VDIR object "MySite/" added
 *
 * * /physicalPath is a shortcut: it creates the root application and its
 *   root virtual directory. Without it the site has no application and only
 *   the SITE line is printed.
 * * Without /id the site gets the lowest id that no site has (1, 2, 3...),
 *   as IIS's incremental allocation does.
 * * /bindings is "protocol/bindingInformation" items joined with ",";
 *   bindingInformation is "IP:PORT:HOST" for http and https. An item
 *   without "/" is refused: Invalid binding "X": the format is
 *   protocol/bindingInformation. (exit 87; apphost's text).
 * * Every other parameter is a property of the new site (/serverAutoStart:
 *   false, /limits.maxConnections:100...).
 * * A site of that name exists: Failed to add duplicate collection element
 *   "MySite". (exit 183). A duplicate id is the engine's duplicate entry
 *   error after "New site object missing required attributes." (write.c).
 *
 * set site X /bindings:... replaces every binding of the site.
 */
#include "write.h"

#include "util/str.h"

#include <stdio.h>
#include <string.h>

/* The steps of the base site's <bindings>. */
static ah_step *bindings_steps(cli_write *w, size_t *n)
{
	ah_step *v = ah_arena_alloc(w->arena, (w->nbase + 1) * sizeof(*v));
	if (!v)
		return NULL;
	memcpy(v, w->base, w->nbase * sizeof(*v));
	v[w->nbase] = (ah_step){.name = "bindings", .index = AH_POS_NONE};
	*n = w->nbase + 1;
	return v;
}

int cli_site_bindings(cli_write *w, const char *bindings)
{
	size_t n;
	ah_step *steps = bindings_steps(w, &n);
	if (!steps)
		return cli_error_engine(w->out, AH_ENOMEM);
	const ah_elem *coll = w->elem ? ah_elem_child(w->elem, "bindings") : NULL;
	const char *p = bindings;
	while (*p) {
		size_t len = strcspn(p, ",");
		const char *slash = memchr(p, '/', len);
		if (!slash || slash == p)
			return cli_error(w->out, CLI_EXIT_INVALID_ARG,
					 "Invalid binding \"%.*s\": the format is "
					 "protocol/bindingInformation.",
					 (int)len, p);
		const char **names = ah_arena_alloc(w->arena, 2 * sizeof(*names));
		const char **values = ah_arena_alloc(w->arena, 2 * sizeof(*values));
		if (!names || !values)
			return cli_error_engine(w->out, AH_ENOMEM);
		names[0] = "protocol";
		names[1] = "bindingInformation";
		values[0] = ah_arena_strndup(w->arena, p, (size_t)(slash - p));
		values[1] = ah_arena_strndup(w->arena, slash + 1, len - (size_t)(slash - p) - 1);
		if (!values[0] || !values[1])
			return cli_error_engine(w->out, AH_ENOMEM);
		int status = cli_write_add(w, steps, n, coll, "binding", names, values, 2,
					   AH_POS_END, "bindings");
		if (status)
			return status;
		p += len;
		if (*p == ',')
			p++;
	}
	return 0;
}

int cli_site_replace_bindings(cli_write *w, const char *bindings)
{
	size_t n;
	ah_step *steps = bindings_steps(w, &n);
	if (!steps)
		return cli_error_engine(w->out, AH_ENOMEM);
	const ah_elem *coll = w->elem ? ah_elem_child(w->elem, "bindings") : NULL;
	ah_where wh = {.path = w->path, .commit = w->commit, .section = w->section,
		       .steps = steps, .nsteps = n};
	for (size_t i = 0; coll && i < ah_elem_item_count(coll); i++) {
		const ah_elem *b = ah_elem_item_at(coll, i);
		const char *keys[2] = {"protocol", "bindingInformation"};
		const char *values[2] = {ah_elem_get(b, "protocol"),
					 ah_elem_get(b, "bindingInformation")};
		ah_step item = {.keys = keys, .values = values, .nkeys = 2, .index = AH_POS_NONE};
		int rc = ah_tx_remove(w->tx, &wh, &item);
		if (rc < 0)
			return cli_error_engine(w->out, rc);
	}
	return cli_site_bindings(w, bindings);
}

/* The lowest id no site has. */
static unsigned long long free_id(const ah_elem *root)
{
	for (unsigned long long id = 1;; id++) {
		bool used = false;
		for (size_t i = 0; i < ah_elem_item_count(root) && !used; i++) {
			uint64_t v;
			used = ah_parse_u64(ah_elem_get(ah_elem_item_at(root, i), "id"), &v) &&
			       v == id;
		}
		if (!used)
			return id;
	}
}

/* The root application and its root virtual directory. */
static int root_app(cli_write *w, const char *phys)
{
	const char *an[1] = {"path"}, *av[1] = {"/"};
	int status = cli_write_add(w, w->base, w->nbase, NULL, "application", an, av, 1,
				   AH_POS_END, "physicalPath");
	size_t n;
	ah_step *steps = status ? NULL : cli_write_steps_plus(w, "path", "/", &n);
	if (!status && !steps)
		status = cli_error_engine(w->out, AH_ENOMEM);
	const char *vn[2] = {"path", "physicalPath"}, *vv[2] = {"/", phys};
	if (!status)
		status = cli_write_add(w, steps, n, NULL, "virtualDirectory", vn, vv, 2,
				       AH_POS_END, "physicalPath");
	return status;
}

int cli_add_site(ah_buf *out, cli_args *a)
{
	const char *name = cli_args_take(a, "name");
	const char *id = cli_args_take(a, "id");
	const char *bindings = cli_args_take(a, "bindings");
	const char *phys = cli_args_take(a, "physicalPath");
	if (!name)
		name = a->ident;
	cli_write w;
	int status = cli_write_begin(&w, out, a);
	if (!status)
		status = cli_write_target(&w, CLI_APPHOST, CLI_APPHOST,
					  "system.applicationHost/sites");
	const ah_elem *root = status ? NULL : ah_section_root(w.eff);
	if (!status && name && ah_elem_find_item(root, "name", name))
		status = cli_error_duplicate(out, name);
	char idbuf[24];
	if (!status && !id) {
		snprintf(idbuf, sizeof(idbuf), "%llu", free_id(root));
		id = idbuf;
	}
	const char *names[2] = {"name", "id"}, *values[2] = {name, id};
	if (!status)
		status = cli_write_add(&w, NULL, 0, root, "site", name ? names : names + 1,
				       name ? values : values + 1, name ? 2 : 1, AH_POS_END, "name");
	if (!status && name && cli_write_base(&w, NULL, "name", name) < 0)
		status = cli_error_engine(out, AH_ENOMEM);
	w.tag = "site";
	if (!status && name && phys)
		status = root_app(&w, phys);
	if (!status && name && bindings)
		status = cli_site_bindings(&w, bindings);
	if (!status && name)
		status = cli_write_params(&w, a);
	if (!status)
		status = cli_write_commit(&w);
	if (!status) {
		ah_buf_printf(out, "SITE object \"%s\" added\n", name ? name : "");
		if (phys)
			ah_buf_printf(out, "APP object \"%s/\" added\nVDIR object \"%s/\" added\n",
				      name, name);
	}
	cli_write_end(&w);
	return status;
}
