/*
 * appcmd: `add site|app|vdir|apppool /in` — recreating the objects of an
 * /xml document (input.c reads it; the format is in input.h).
 *
 * The configuration element of each object is copied whole, in one
 * transaction for the whole input: its attributes, its child elements and
 * its collection items, recursively. Whether an element of the input is a
 * child element or a collection item is asked of the schema, through a
 * second transaction that is never committed (an add of that tag either is
 * valid there or not); the same probe tells an attribute the schema lacks,
 * which is skipped with a warning (a file from a newer IIS). An item's own
 * content is addressed through the item just added, by every attribute it
 * was given.
 *
 * Placement:
 *   APPPOOL  an <add> of applicationPools           key name
 *   SITE     a <site> of sites; without an id, the lowest free one
 *   APP      an <application> of the site that /site.name:, the element's
 *            SITE.NAME or the first part of its APP.NAME names
 *   VDIR     a <virtualDirectory> of the application that /app.name: or
 *            the element's APP.NAME names
 * An object whose key exists already is IIS's duplicate error (exit 183)
 * and nothing is written.
 */
#include "input.h"
#include "write.h"

#include "util/str.h"

#include <stdio.h>
#include <string.h>

typedef struct imp {
	cli_write *w;
	ah_tx *probe; /* never committed: asks the schema whether a change is valid */
	unsigned long long *ids; /* site ids given in this import */
	size_t nids;
} imp;

static ah_step *push(cli_write *w, const ah_step *steps, size_t n, ah_step s)
{
	ah_step *v = ah_arena_alloc(w->arena, (n + 1) * sizeof(*v));
	if (v) {
		if (n)
			memcpy(v, steps, n * sizeof(*v));
		v[n] = s;
	}
	return v;
}

static ah_where where_of(cli_write *w, const ah_step *steps, size_t n)
{
	return (ah_where){.path = w->path, .commit = w->commit, .section = w->section,
			  .steps = steps, .nsteps = n};
}

/* True when the collection at steps takes items tagged tag (and, with
 * name, the attribute name). */
static bool probe_add(imp *m, const ah_step *steps, size_t n, const char *tag, const char *name,
		      const char *value)
{
	ah_where wh = where_of(m->w, steps, n);
	int rc = ah_tx_add(m->probe, &wh, tag, name ? &name : NULL, name ? &value : NULL,
			   name ? 1 : 0, AH_POS_END);
	ah_error_clear();
	return rc == 0;
}

/* True when the element at steps exists in the schema. */
static bool probe_elem(imp *m, const ah_step *steps, size_t n)
{
	ah_where wh = where_of(m->w, steps, n);
	int rc = ah_tx_set(m->probe, &wh, " ", "");
	const ah_error *e = ah_error_last();
	bool unknown = rc < 0 && e && ah_startswith_ci(e->message, "Unrecognized element");
	ah_error_clear();
	return !unknown;
}

static const char *dotted(cli_write *w, const char *where, const char *name)
{
	return *where ? ah_arena_printf(w->arena, "%s.%s", where, name) : name;
}

static int import_node(imp *m, const ah_step *steps, size_t n, const cli_xnode *x,
		       const char *where);

/* A child element x whose steps are given. */
static int import_elem(imp *m, const ah_step *steps, size_t n, const cli_xnode *x,
		       const char *where)
{
	for (size_t i = 0; i < x->nattrs; i++) {
		const char *shown = dotted(m->w, where, x->names[i]);
		int status = cli_write_set(m->w, steps, n, NULL, x->tag, x->names[i], x->values[i],
					   shown ? shown : x->names[i]);
		if (status)
			return status;
	}
	for (const cli_xnode *k = x->first; k; k = k->next) {
		int status = import_node(m, steps, n, k, where);
		if (status)
			return status;
	}
	return 0;
}

/* Item x of the collection at steps (coll: its effective element or NULL). */
static int import_item(imp *m, const ah_step *steps, size_t n, const ah_elem *coll,
		       const cli_xnode *x, const char *where)
{
	cli_write *w = m->w;
	const char **names = ah_arena_alloc(w->arena, (x->nattrs + 1) * sizeof(*names));
	const char **values = ah_arena_alloc(w->arena, (x->nattrs + 1) * sizeof(*values));
	if (!names || !values)
		return cli_error_engine(w->out, AH_ENOMEM);
	size_t k = 0;
	for (size_t i = 0; i < x->nattrs; i++) {
		if (!probe_add(m, steps, n, x->tag, x->names[i], x->values[i])) {
			cli_warn("ignored attribute \"%s\": not in this server's configuration "
				 "schema",
				 dotted(w, where, x->names[i]));
			continue;
		}
		names[k] = x->names[i];
		values[k++] = x->values[i];
	}
	int status = cli_write_add(w, steps, n, coll, x->tag, names, values, k, AH_POS_END,
				   x->tag);
	if (status || !x->first)
		return status;
	if (k == 0) {
		cli_warn("ignored the content of \"%s\": it has no attribute to find it by",
			 dotted(w, where, x->tag));
		return 0;
	}
	/* the new item, found by every attribute it was given */
	ah_step *more = push(w, steps, n,
			     (ah_step){.keys = names, .values = values, .nkeys = k,
				       .index = AH_POS_NONE});
	if (!more)
		return cli_error_engine(w->out, AH_ENOMEM);
	for (const cli_xnode *c = x->first; c; c = c->next) {
		status = import_node(m, more, n + 1, c, where);
		if (status)
			return status;
	}
	return 0;
}

static int import_node(imp *m, const ah_step *steps, size_t n, const cli_xnode *x,
		       const char *where)
{
	if (!x->nattrs && !x->first)
		return 0; /* an empty element: nothing to write */
	if (probe_add(m, steps, n, x->tag, NULL, NULL))
		return import_item(m, steps, n, NULL, x, where);
	ah_step *child = push(m->w, steps, n, (ah_step){.name = x->tag, .index = AH_POS_NONE});
	if (!child)
		return cli_error_engine(m->w->out, AH_ENOMEM);
	const char *inner = dotted(m->w, where, x->tag);
	if (!probe_elem(m, child, n + 1)) {
		cli_warn("ignored element \"%s\": not in this server's configuration schema", inner);
		return 0;
	}
	return import_elem(m, child, n + 1, x, inner);
}

/* A configuration element made of an object's properties. */
static cli_xnode *synth(cli_write *w, const char *tag, const char *const *pairs, size_t n)
{
	cli_xnode *x = ah_arena_alloc(w->arena, sizeof(*x));
	const char **names = ah_arena_alloc(w->arena, (n + 1) * sizeof(*names));
	const char **values = ah_arena_alloc(w->arena, (n + 1) * sizeof(*values));
	if (!x || !names || !values)
		return NULL;
	x->tag = tag;
	for (size_t i = 0; i < n; i++) {
		if (!pairs[2 * i + 1])
			continue;
		names[x->nattrs] = pairs[2 * i];
		values[x->nattrs++] = pairs[2 * i + 1];
	}
	x->names = names;
	x->values = values;
	return x;
}

/* Bindings "p/info,..." of a SITE element as a <bindings> child of x. */
static int synth_bindings(cli_write *w, cli_xnode *x, const char *bindings)
{
	cli_xnode *b = synth(w, "bindings", NULL, 0);
	if (!b)
		return AH_ENOMEM;
	for (const char *p = bindings; *p;) {
		size_t len = strcspn(p, ",");
		const char *slash = memchr(p, '/', len);
		if (slash) {
			const char *pairs[4] = {
				"protocol", ah_arena_strndup(w->arena, p, (size_t)(slash - p)),
				"bindingInformation",
				ah_arena_strndup(w->arena, slash + 1, len - (size_t)(slash - p) - 1)};
			cli_xnode *item = synth(w, "binding", pairs, 2);
			if (!item || !pairs[1] || !pairs[3])
				return AH_ENOMEM;
			item->parent = b;
			if (b->last)
				b->last->next = item;
			else
				b->first = item;
			b->last = item;
		}
		p += len;
		if (*p == ',')
			p++;
	}
	b->parent = x;
	if (x->last)
		x->last->next = b;
	else
		x->first = b;
	x->last = b;
	return 0;
}

/* The configuration element of an object element, or one made of its
 * properties. */
static cli_xnode *config_of(cli_write *w, const cli_kind *kind, const cli_xnode *obj)
{
	const char *tag = cli_object_tag(kind);
	if (obj->first && ah_strcaseeq(obj->first->tag, tag))
		return obj->first;
	const char *g[8] = {0};
	switch (kind->id) {
	case CLI_APPPOOL:
		g[0] = "name", g[1] = cli_xnode_get(obj, "APPPOOL.NAME");
		g[2] = "managedPipelineMode", g[3] = cli_xnode_get(obj, "PipelineMode");
		g[4] = "managedRuntimeVersion", g[5] = cli_xnode_get(obj, "RuntimeVersion");
		return synth(w, tag, g, 3);
	case CLI_SITE: {
		g[0] = "name", g[1] = cli_xnode_get(obj, "SITE.NAME");
		g[2] = "id", g[3] = cli_xnode_get(obj, "SITE.ID");
		cli_xnode *x = synth(w, tag, g, 2);
		const char *b = cli_xnode_get(obj, "bindings");
		if (x && b && *b && synth_bindings(w, x, b) < 0)
			return NULL;
		return x;
	}
	case CLI_APP:
		g[0] = "path", g[1] = cli_xnode_get(obj, "path");
		g[2] = "applicationPool", g[3] = cli_xnode_get(obj, "APPPOOL.NAME");
		return synth(w, tag, g, 2);
	default:
		g[0] = "path", g[1] = cli_xnode_get(obj, "path");
		g[2] = "physicalPath", g[3] = cli_xnode_get(obj, "physicalPath");
		return synth(w, tag, g, 2);
	}
}

/* ---- objects ------------------------------------------------------------------ */

static bool id_taken(const imp *m, const ah_elem *root, unsigned long long id)
{
	for (size_t i = 0; i < m->nids; i++)
		if (m->ids[i] == id)
			return true;
	for (size_t i = 0; i < ah_elem_item_count(root); i++) {
		uint64_t v;
		if (ah_parse_u64(ah_elem_get(ah_elem_item_at(root, i), "id"), &v) && v == id)
			return true;
	}
	return false;
}

static int take_id(imp *m, unsigned long long id)
{
	unsigned long long *v = ah_arena_alloc(m->w->arena, (m->nids + 1) * sizeof(*v));
	if (!v)
		return AH_ENOMEM;
	if (m->nids)
		memcpy(v, m->ids, m->nids * sizeof(*v));
	v[m->nids++] = id;
	m->ids = v;
	return 0;
}

/* The site element x with an id: its own, or the lowest free one. */
static const cli_xnode *with_id(imp *m, const ah_elem *root, const cli_xnode *x)
{
	const char *id = cli_xnode_get(x, "id");
	uint64_t v;
	if (id && ah_parse_u64(id, &v))
		return take_id(m, v) < 0 ? NULL : x;
	if (id)
		return x; /* the engine refuses it */
	unsigned long long n = 1;
	while (id_taken(m, root, n))
		n++;
	cli_xnode *copy = ah_arena_alloc(m->w->arena, sizeof(*copy));
	const char **names = ah_arena_alloc(m->w->arena, (x->nattrs + 1) * sizeof(*names));
	const char **values = ah_arena_alloc(m->w->arena, (x->nattrs + 1) * sizeof(*values));
	char buf[24];
	snprintf(buf, sizeof(buf), "%llu", n);
	if (!copy || !names || !values || take_id(m, n) < 0)
		return NULL;
	*copy = *x;
	size_t k = 0;
	for (size_t i = 0; i < x->nattrs; i++) {
		names[k] = x->names[i];
		values[k++] = x->values[i];
		if (strcmp(x->names[i], "name") == 0) {
			names[k] = "id";
			values[k++] = ah_arena_strdup(m->w->arena, buf);
		}
	}
	if (k == x->nattrs) {
		names[k] = "id";
		values[k++] = ah_arena_strdup(m->w->arena, buf);
	}
	copy->names = names;
	copy->values = values;
	copy->nattrs = k;
	return values[k - 1] ? copy : NULL;
}

/* Point w's base at the parent of an APP or VDIR; status or 0. */
static int parent_of(imp *m, const cli_kind *kind, const cli_xnode *obj, const char *param,
		     cli_objlist *apps)
{
	cli_write *w = m->w;
	if (kind->id == CLI_APP) {
		const char *site = param ? param : cli_xnode_get(obj, "SITE.NAME");
		const char *app = cli_xnode_get(obj, "APP.NAME");
		if (!site && app) {
			const char *slash = strchr(app, '/');
			site = slash ? ah_arena_strndup(w->arena, app, (size_t)(slash - app)) : app;
		}
		if (!site)
			return cli_error_missing(w->out, "site.name");
		const ah_elem *s = ah_elem_find_item(ah_section_root(w->eff), "name", site);
		if (!s)
			return cli_error_not_found(w->out, cli_kind_by_id(CLI_SITE), site);
		return cli_write_base(w, NULL, "name", ah_elem_get(s, "name")) < 0
			       ? cli_error_engine(w->out, AH_ENOMEM)
			       : 0;
	}
	const char *app = param ? param : cli_xnode_get(obj, "APP.NAME");
	if (!app)
		return cli_error_missing(w->out, "app.name");
	const cli_object *o = cli_objlist_find(apps, app);
	if (!o)
		return cli_error_not_found(w->out, cli_kind_by_id(CLI_APP), app);
	return cli_object_base(w, o) < 0 ? cli_error_engine(w->out, AH_ENOMEM) : 0;
}

/* The identifier of the new object, for its line and errors. */
static const char *ident(cli_write *w, const cli_kind *kind, const cli_xnode *x)
{
	const char *key = cli_xnode_get(x, cli_object_key(kind));
	if (!key)
		return "";
	if (kind->id == CLI_APPPOOL || kind->id == CLI_SITE)
		return key;
	const char *site = ah_elem_get(w->elem ? w->elem : ah_section_root(w->eff), "name");
	if (kind->id == CLI_APP)
		return ah_arena_printf(w->arena, "%s%s", site, key);
	const char *app = w->base[1].values[0];
	return ah_arena_printf(w->arena, "%s%s%s", w->base[0].values[0],
			       strcmp(app, "/") ? app : "", key);
}

static int import_object(imp *m, const char *param, const cli_kind *kind, const cli_xnode *obj,
			 cli_objlist *apps, ah_buf *lines)
{
	cli_write *w = m->w;
	w->nbase = 0;
	w->elem = NULL;
	const cli_xnode *x = config_of(w, kind, obj);
	if (!x)
		return cli_error_engine(w->out, AH_ENOMEM);
	int status = 0;
	if (kind->id == CLI_APP || kind->id == CLI_VDIR)
		status = parent_of(m, kind, obj, param, apps);
	if (status)
		return status;
	const ah_elem *coll = w->nbase ? w->elem : ah_section_root(w->eff);
	if (kind->id == CLI_SITE && !(x = with_id(m, coll, x)))
		return cli_error_engine(w->out, AH_ENOMEM);
	const char *id = ident(w, kind, x);
	const char *key = cli_xnode_get(x, cli_object_key(kind));
	bool dup = false;
	if (key && (kind->id == CLI_APP || kind->id == CLI_VDIR))
		dup = cli_find_path(coll, key) != NULL;
	else if (key)
		dup = ah_elem_find_item(coll, "name", key) != NULL;
	if (dup)
		return cli_error_duplicate(w->out, id);
	status = import_item(m, w->base, w->nbase, coll, x, "");
	if (!status)
		ah_buf_printf(lines, "%s object \"%s\" added\n", kind->name, id);
	return status;
}

int cli_import(ah_buf *out, cli_args *a, const cli_kind *kind)
{
	/* the parent of an application or a virtual directory, overriding the input's */
	const char *param = kind->id == CLI_APP	   ? cli_args_take(a, "site.name")
			    : kind->id == CLI_VDIR ? cli_args_take(a, "app.name")
						   : NULL;
	for (size_t i = 0; i < a->nparams; i++)
		if (!a->params[i].used)
			return cli_error_unknown_attr(out, a->params[i].name);
	cli_write w;
	imp m = {.w = &w};
	cli_objlist apps;
	ah_buf lines = AH_BUF_INIT;
	int status = cli_write_begin(&w, out, a);
	int rc = cli_objlist_init(&apps);
	w.lenient = true;
	cli_xnode *root = NULL;
	if (!status && rc < 0)
		status = cli_error_engine(out, rc);
	if (!status)
		status = cli_input_load(&root, w.arena, out);
	if (!status && ah_tx_begin(&m.probe, w.cfg) < 0)
		status = cli_error_engine(out, AH_ENOMEM);
	if (!status && kind->id == CLI_VDIR &&
	    (rc = cli_collect(&apps, w.cfg, cli_kind_by_id(CLI_APP))) < 0)
		status = cli_error_engine(out, rc);
	if (!status)
		status = cli_write_target(&w, CLI_APPHOST, CLI_APPHOST, cli_object_section(kind));
	for (const cli_xnode *obj = root ? root->first : NULL; obj && !status; obj = obj->next) {
		if (!ah_strcaseeq(obj->tag, kind->name)) {
			cli_warn("ignored a %s object: the command adds %s objects", obj->tag,
				 kind->name);
			continue;
		}
		status = import_object(&m, param, kind, obj, &apps, &lines);
	}
	if (!status)
		status = cli_write_commit(&w);
	if (!status)
		ah_buf_puts(out, ah_buf_cstr(&lines));
	ah_buf_free(&lines);
	ah_tx_free(m.probe);
	cli_objlist_free(&apps);
	cli_write_end(&w);
	return status;
}
