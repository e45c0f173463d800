/*
 * The effective value of a section at a configuration path.
 *
 * Contributions (spec §4.4), top-down over the levels L0..Ln of the path: at
 * each level, first the <location> tags of the files above whose path is that
 * level (outer file first, document order), then the file of the level itself
 * (its top level and <location path=".">).
 *
 * Each contribution is checked, in order:
 *   1. errors kept on the use or its location tag (configSource, attributes);
 *   2. the section's registration: visible from the file, allowLocation,
 *      allowDefinition for the level it configures;
 *   3. delegation: the override mode in force for the contribution is the last
 *      overrideMode/allowOverride set on a location tag of a file above it for
 *      a path at or above the level, else the registration's
 *      overrideModeDefault when the registration is in a file above it; Deny
 *      fails with IIS's "cannot be used at this path" error;
 *   4. the merge itself, where locks set by other files (lockAttributes,
 *      lockAllAttributesExcept, lockElements, lockAllElementsExcept, lockItem)
 *      are enforced: a lock binds only files other than the one that set it.
 *
 * Attributes: the closest level wins, attribute by attribute. Elements merge
 * recursively. Collections: per contribution, directives apply in document
 * order (clear, remove, add); the contribution's adds go after the inherited
 * items (mergeAppend) or before them (prepend). An add whose key is already in
 * the merged collection is a duplicate unless allowDuplicates.
 */
#include "engine.h"

#include "util/str.h"

#include <ctype.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

static const char MSG_LOCKED_SECTION[] =
	"This configuration section cannot be used at this path. This happens when the section is "
	"locked at a parent level. Locking is either by default (overrideModeDefault=\"Deny\"), "
	"or set explicitly by a location tag with overrideMode=\"Deny\" or the legacy "
	"allowOverride=\"false\".";

typedef struct mctx {
	ah_config *cfg;
	ah_section *sec;
	const ah_secuse *use;
	const ah_cfile *owner; /* the file the contribution belongs to (locks) */
	const char *file;      /* the file holding the bytes (errors, origins) */
	const char *level;     /* the configuration path the contribution configures */
} mctx;

static int fail(const mctx *m, int code, uint32_t hr, unsigned line, const char *fmt, ...)
	__attribute__((format(printf, 5, 6)));

static int fail(const mctx *m, int code, uint32_t hr, unsigned line, const char *fmt, ...)
{
	char msg[1024];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	return ah_error_set(code, hr, m->file, line, "%s", msg);
}

static int lock_violation(const mctx *m, unsigned line)
{
	return fail(m, AH_ELOCKED, AH_HR_LOCK_VIOLATION, line, "Lock violation");
}

/* ---- elements -------------------------------------------------------------- */

ah_elem *ah__elem_new(ah_section *s, const ah_elem_schema *schema, const char *tag,
		      ah_elem *parent)
{
	ah_elem *e = ah_arena_alloc(s->arena, sizeof(*e));
	if (!e)
		return NULL;
	e->schema = schema;
	e->tag = tag;
	e->parent = parent;
	e->section = s;
	if (schema->nelems) {
		e->children = ah_arena_alloc(s->arena, schema->nelems * sizeof(ah_elem *));
		if (!e->children)
			return NULL;
	}
	return e;
}

/* The collection-defaults element `name` of the nearest ancestor of e that has
 * one: site/applicationDefaults takes its own defaults from
 * sites/applicationDefaults. */
static ah_elem *upper_defaults(ah_elem *e, const char *name)
{
	for (ah_elem *p = e->parent; p; p = p->parent)
		if (ah__schema_elem(p->schema, name))
			return ah__elem_child_named(p, name);
	return NULL;
}

ah_elem *ah__elem_child(ah_elem *e, size_t i)
{
	if (i >= e->schema->nelems)
		return NULL;
	if (!e->children[i]) {
		const ah_elem_schema *cs = e->schema->elems[i];
		ah_elem *c = ah__elem_new(e->section, cs, cs->name, e);
		if (!c)
			return NULL;
		e->children[i] = c;
		if (cs->is_collection_default ||
		    (e->schema->coll && e->schema->coll->default_element &&
		     strcmp(e->schema->coll->default_element, cs->name) == 0))
			c->defaults = upper_defaults(e, cs->name);
		else if (e->defaults)
			c->defaults = ah__elem_child_named(e->defaults, cs->name);
	}
	return e->children[i];
}

ah_elem *ah__elem_child_named(ah_elem *e, const char *name)
{
	for (size_t i = 0; i < e->schema->nelems; i++)
		if (strcmp(e->schema->elems[i]->name, name) == 0)
			return ah__elem_child(e, i);
	return NULL;
}

const ah_attrval *ah__elem_own_attr(const ah_elem *e, const char *name)
{
	for (size_t i = 0; i < e->nattrs; i++)
		if (strcmp(e->attrs[i].name, name) == 0)
			return &e->attrs[i];
	return NULL;
}

static int set_attr(ah_section *s, ah_elem *e, const ah_attrval *v)
{
	for (size_t i = 0; i < e->nattrs; i++) {
		if (strcmp(e->attrs[i].name, v->name) == 0) {
			e->attrs[i] = *v;
			return 0;
		}
	}
	if (e->nattrs == e->capattrs) {
		size_t cap = e->capattrs ? e->capattrs * 2 : 4;
		ah_attrval *na = ah_arena_alloc(s->arena, cap * sizeof(*na));
		if (!na)
			return AH_ENOMEM;
		if (e->nattrs)
			memcpy(na, e->attrs, e->nattrs * sizeof(*na));
		e->attrs = na;
		e->capattrs = cap;
	}
	e->attrs[e->nattrs++] = *v;
	return 0;
}

/* ---- locks ----------------------------------------------------------------- */

static bool in_list(const char *const *list, size_t n, const char *name)
{
	for (size_t i = 0; i < n; i++)
		if (strcmp(list[i], name) == 0)
			return true;
	return false;
}

static bool attr_locked(const ah_elem *e, const char *name, const ah_cfile *f)
{
	for (const ah_lockrec *r = e->locks; r; r = r->next) {
		if (r->file == f)
			continue;
		if (r->attrs_all || in_list(r->attrs, r->nattrs, name))
			return true;
		if (r->has_attrs_except && !in_list(r->attrs_except, r->nattrs_except, name))
			return true;
	}
	return false;
}

static bool elem_locked(const ah_elem *e, const char *name, const ah_cfile *f)
{
	for (const ah_lockrec *r = e->locks; r; r = r->next) {
		if (r->file == f)
			continue;
		if (in_list(r->elems, r->nelems, name))
			return true;
		if (r->has_elems_except && !in_list(r->elems_except, r->nelems_except, name))
			return true;
	}
	return false;
}

static bool is_lock_attr(const char *n)
{
	if (n[0] != 'l' || n[1] != 'o')
		return false;
	return strcmp(n, "lockAttributes") == 0 || strcmp(n, "lockAllAttributesExcept") == 0 ||
	       strcmp(n, "lockElements") == 0 || strcmp(n, "lockAllElementsExcept") == 0 ||
	       strcmp(n, "lockItem") == 0;
}

/* Split "a, b,c" into an arena array of trimmed names. */
static int split_names(ah_arena *a, const char *v, const char ***out, size_t *n)
{
	size_t cap = 1;
	for (const char *p = v; *p; p++)
		if (*p == ',')
			cap++;
	const char **list = ah_arena_alloc(a, cap * sizeof(*list));
	if (!list)
		return AH_ENOMEM;
	size_t k = 0;
	const char *p = v;
	while (*p) {
		while (*p == ' ' || *p == '\t')
			p++;
		const char *s = p;
		while (*p && *p != ',')
			p++;
		const char *e = p;
		while (e > s && (e[-1] == ' ' || e[-1] == '\t'))
			e--;
		if (e > s) {
			list[k] = ah_arena_strndup(a, s, (size_t)(e - s));
			if (!list[k])
				return AH_ENOMEM;
			k++;
		}
		if (*p == ',')
			p++;
	}
	*out = list;
	*n = k;
	return 0;
}

static bool schema_has_child(const ah_elem_schema *s, const char *name)
{
	if (ah__schema_elem(s, name))
		return true;
	if (s->coll) {
		if (ah__schema_is_add(s->coll, name))
			return true;
		if ((s->coll->remove_name && strcmp(s->coll->remove_name, name) == 0) ||
		    (s->coll->clear_name && strcmp(s->coll->clear_name, name) == 0))
			return true;
	}
	return false;
}

static int parse_locks(const mctx *m, ah_elem *e, const ah_xnode *n, bool is_item)
{
	ah_arena *a = m->sec->arena;
	ah_lockrec *r = NULL;
	for (size_t i = 0; i < n->nattrs; i++) {
		const char *an = n->attrs[i].name, *av = n->attrs[i].value;
		if (!is_lock_attr(an))
			continue;
		if (strcmp(an, "lockItem") == 0) {
			if (ah_strcaseeq(av, "true"))
				e->lock_item = m->owner;
			else if (!ah_strcaseeq(av, "false"))
				return fail(m, AH_ECONFIG, AH_HR_INVALID_DATA, n->line,
					    "The 'lockItem' attribute is invalid.  Not a valid "
					    "boolean value");
			continue;
		}
		if (!r) {
			r = ah_arena_alloc(a, sizeof(*r));
			if (!r)
				return AH_ENOMEM;
			r->file = m->owner;
		}
		const char **list;
		size_t cnt;
		if (split_names(a, av, &list, &cnt) < 0)
			return AH_ENOMEM;
		bool attrs = strstr(an, "Attributes") != NULL;
		for (size_t k = 0; k < cnt; k++) {
			if (strcmp(list[k], "*") == 0 && attrs)
				continue;
			bool known = attrs ? (ah__schema_attr(e->schema, list[k]) != NULL)
					   : schema_has_child(e->schema, list[k]);
			if (!known)
				return fail(m, AH_ECONFIG, AH_HR_INVALID_DATA, n->line,
					    "%s contains unknown %s '%s'", an,
					    attrs ? "attribute" : "element", list[k]);
		}
		if (strcmp(an, "lockAttributes") == 0) {
			r->attrs = list;
			r->nattrs = cnt;
			r->attrs_all = in_list(list, cnt, "*");
		} else if (strcmp(an, "lockAllAttributesExcept") == 0) {
			r->attrs_except = list;
			r->nattrs_except = cnt;
			r->has_attrs_except = true;
		} else if (strcmp(an, "lockElements") == 0) {
			r->elems = list;
			r->nelems = cnt;
		} else {
			r->elems_except = list;
			r->nelems_except = cnt;
			r->has_elems_except = true;
		}
	}
	if (r && !is_item) {
		r->next = e->locks;
		e->locks = r;
	}
	return 0;
}

/* ---- values ---------------------------------------------------------------- */

static int set_value(const mctx *m, ah_elem *e, const ah_attr_schema *as, const char *name,
		     const char *raw, unsigned line)
{
	ah_attrval v = {.schema = as, .name = name, .raw = raw};
	v.origin.file = m->file;
	v.origin.line = line;
	v.origin.config_path = m->level;
	if (as && as->type == AH_T_STRING && as->validator == AH_V_NONE) {
		v.text = raw;
		v.val.type = AH_T_STRING;
		v.val.s = raw;
	} else if (as) {
		ah_buf msg = AH_BUF_INIT;
		int rc = ah__value_check(&v.val, as, raw, &msg);
		if (rc < 0) {
			rc = fail(m, AH_ECONFIG, AH_HR_INVALID_DATA, line, "%s",
				  ah_buf_cstr(&msg));
			ah_buf_free(&msg);
			return rc;
		}
		ah__value_format(&msg, as, &v.val);
		if (ah_buf_oom(&msg)) {
			ah_buf_free(&msg);
			return AH_ENOMEM;
		}
		v.text = ah_arena_strdup(m->sec->arena, ah_buf_cstr(&msg));
		ah_buf_free(&msg);
		if (as->type == AH_T_STRING)
			v.val.s = raw;
	} else {
		v.text = raw;
	}
	return set_attr(m->sec, e, &v);
}

/* ---- merge ----------------------------------------------------------------- */

static int merge_elem(const mctx *m, ah_elem *e, const ah_xnode *n, bool is_item,
		      bool allow_unrec);

static bool skip_attr(const char *name, bool is_root)
{
	if (strncmp(name, "xmlns", 5) == 0 && (name[5] == '\0' || name[5] == ':'))
		return true;
	return is_root && strcmp(name, "configSource") == 0;
}

static int merge_attrs(const mctx *m, ah_elem *e, const ah_xnode *n, bool allow_unrec)
{
	ah_arena *a = m->sec->arena;
	bool is_root = e == m->sec->root;
	for (size_t i = 0; i < n->nattrs; i++) {
		const char *an = n->attrs[i].name;
		if (is_lock_attr(an) || skip_attr(an, is_root))
			continue;
		const ah_attr_schema *as = ah__schema_attr(e->schema, an);
		if (as && as->extension)
			as = NULL;
		if (!as && !allow_unrec)
			return fail(m, AH_ECONFIG, AH_HR_INVALID_DATA, n->line,
				    "Unrecognized attribute '%s'", an);
		if (attr_locked(e, an, m->owner))
			return lock_violation(m, n->line);
		const char *name = as ? as->name : ah_arena_strdup(a, an);
		const char *raw = ah_arena_strdup(a, n->attrs[i].value);
		if (!name || !raw)
			return AH_ENOMEM;
		int rc = set_value(m, e, as, name, raw, n->line);
		if (rc < 0)
			return rc;
	}
	return 0;
}

/* Effective text of key attribute a of item it. */
static const char *key_text(const ah_elem *it, const ah_attr_schema *a)
{
	ah_attr_info info;
	ah__elem_effective(it, a, &info);
	return info.text;
}

static bool key_equal(const ah_attr_schema *a, const char *x, const char *y)
{
	return a->case_sensitive ? strcmp(x, y) == 0 : ah_strcaseeq(x, y);
}

/* Does `it` match the key attributes written on node n (remove directive)? */
static bool item_matches_node(const ah_elem *it, const ah_xnode *n)
{
	const ah_elem_schema *s = it->schema;
	size_t compared = 0;
	for (size_t i = 0; i < s->nattrs; i++) {
		const ah_attr_schema *a = s->attrs[i];
		const char *v = ah__xml_attr(n, a->name);
		if (!v)
			continue;
		bool is_key = a->unique_key || a->combined_key;
		bool any_keys = false;
		for (size_t k = 0; k < s->nattrs; k++)
			any_keys |= s->attrs[k]->unique_key || s->attrs[k]->combined_key;
		if (any_keys && !is_key)
			continue;
		compared++;
		if (!key_equal(a, key_text(it, a), v))
			return false;
	}
	return compared > 0;
}

/* The duplicate error for item `it` against `other`, or 0. */
static int check_duplicate(const mctx *m, const ah_elem *it, const ah_elem *other, unsigned line)
{
	const ah_elem_schema *s = it->schema;
	bool any_unique = false, any_combined = false;
	for (size_t i = 0; i < s->nattrs; i++) {
		const ah_attr_schema *a = s->attrs[i];
		if (a->unique_key) {
			any_unique = true;
			if (key_equal(a, key_text(it, a), key_text(other, a)))
				return fail(m, AH_EEXISTS, AH_HR_ALREADY_EXISTS, line,
					    "Cannot add duplicate collection entry of type '%s' "
					    "with unique key attribute '%s' set to '%s'",
					    it->tag, a->name, key_text(it, a));
		}
		any_combined |= a->combined_key;
	}
	if (any_unique && !any_combined)
		return 0;
	ah_buf names = AH_BUF_INIT, vals = AH_BUF_INIT;
	bool equal = true;
	for (size_t i = 0; i < s->nattrs && equal; i++) {
		const ah_attr_schema *a = s->attrs[i];
		if (any_combined ? !a->combined_key : a->unique_key)
			continue;
		if (!any_combined && !ah__elem_own_attr(it, a->name) &&
		    !ah__elem_own_attr(other, a->name))
			continue;
		if (!key_equal(a, key_text(it, a), key_text(other, a)))
			equal = false;
		if (names.len) {
			ah_buf_puts(&names, ", ");
			ah_buf_puts(&vals, ", ");
		}
		ah_buf_puts(&names, a->name);
		ah_buf_puts(&vals, key_text(it, a));
	}
	int rc = 0;
	if (equal && any_combined)
		rc = fail(m, AH_EEXISTS, AH_HR_ALREADY_EXISTS, line,
			  "Cannot add duplicate collection entry of type '%s' with combined key "
			  "attributes '%s' respectively set to '%s'",
			  it->tag, ah_buf_cstr(&names), ah_buf_cstr(&vals));
	else if (equal)
		rc = fail(m, AH_EEXISTS, AH_HR_ALREADY_EXISTS, line,
			  "Cannot add duplicate collection entry of type '%s'", it->tag);
	ah_buf_free(&names);
	ah_buf_free(&vals);
	return rc;
}

/*
 * Duplicate detection index, built per contribution for collections without
 * allowDuplicates: one map per isUniqueKey attribute, and one for the combined
 * key (isCombinedKey attributes, or every attribute when the item has no key).
 * Keys are the effective texts, lower-cased unless caseSensitive.
 */
typedef struct dupidx {
	ah_arena *arena;
	const ah_elem_schema *s;
	size_t nunique;
	ah_map unique[4];
	const ah_attr_schema *unique_attr[4];
	ah_map combined;
	bool use_combined;
	bool any_combined; /* combined keys: only isCombinedKey attributes count */
} dupidx;

static const char *idx_key(dupidx *x, const ah_elem *it, const ah_attr_schema *only)
{
	ah_buf b = AH_BUF_INIT;
	for (size_t i = 0; i < x->s->nattrs; i++) {
		const ah_attr_schema *a = x->s->attrs[i];
		if (only ? a != only : (x->any_combined && !a->combined_key))
			continue;
		if (!only && a->extension)
			continue;
		size_t at = b.len;
		ah_buf_puts(&b, key_text(it, a));
		if (!a->case_sensitive && !b.oom)
			for (char *p = b.ptr + at; *p; p++)
				*p = (char)tolower((unsigned char)*p);
		ah_buf_putc(&b, '\x1f');
	}
	const char *k = ah_buf_oom(&b) ? NULL : ah_arena_strdup(x->arena, ah_buf_cstr(&b));
	ah_buf_free(&b);
	return k;
}

static void idx_free(dupidx *x)
{
	for (size_t i = 0; i < x->nunique; i++)
		ah_map_free(&x->unique[i]);
	ah_map_free(&x->combined);
	ah_arena_free(x->arena);
}

static int idx_init(dupidx *x, const ah_elem_schema *s)
{
	memset(x, 0, sizeof(*x));
	x->s = s;
	x->arena = ah_arena_new();
	if (!x->arena)
		return AH_ENOMEM;
	bool any_combined = false;
	for (size_t i = 0; i < s->nattrs; i++) {
		if (s->attrs[i]->unique_key && x->nunique < 4) {
			x->unique_attr[x->nunique] = s->attrs[i];
			ah_map_init(&x->unique[x->nunique++], false);
		}
		any_combined |= s->attrs[i]->combined_key;
	}
	x->use_combined = any_combined || x->nunique == 0;
	x->any_combined = any_combined;
	if (any_combined)
		x->nunique = 0, memset(x->unique_attr, 0, sizeof(x->unique_attr));
	ah_map_init(&x->combined, false);
	return 0;
}

/* The live item already indexed under it's key, or NULL; then index it. */
static int idx_check_add(dupidx *x, ah_elem *it, ah_elem **dup)
{
	*dup = NULL;
	for (size_t i = 0; i < x->nunique; i++) {
		const char *k = idx_key(x, it, x->unique_attr[i]);
		if (!k)
			return AH_ENOMEM;
		ah_elem *o = ah_map_get(&x->unique[i], k);
		if (o && !o->removed && !*dup)
			*dup = o;
		if (ah_map_put(&x->unique[i], k, it) < 0)
			return AH_ENOMEM;
	}
	if (x->use_combined) {
		const char *k = idx_key(x, it, NULL);
		if (!k)
			return AH_ENOMEM;
		ah_elem *o = ah_map_get(&x->combined, k);
		if (o && !o->removed && !*dup)
			*dup = o;
		if (ah_map_put(&x->combined, k, it) < 0)
			return AH_ENOMEM;
	}
	return 0;
}

typedef struct itemlist {
	ah_elem **v;
	size_t n, cap;
} itemlist;

static int list_push(ah_arena *a, itemlist *l, ah_elem *it)
{
	if (l->n == l->cap) {
		size_t cap = l->cap ? l->cap * 2 : 8;
		ah_elem **nv = ah_arena_alloc(a, cap * sizeof(*nv));
		if (!nv)
			return AH_ENOMEM;
		if (l->n)
			memcpy(nv, l->v, l->n * sizeof(*nv));
		l->v = nv;
		l->cap = cap;
	}
	l->v[l->n++] = it;
	return 0;
}

static void list_remove(itemlist *l, size_t i)
{
	memmove(&l->v[i], &l->v[i + 1], (l->n - i - 1) * sizeof(*l->v));
	l->n--;
}

/* The element holding the defaults for items of e's collection. */
static ah_elem *defaults_for(ah_elem *e)
{
	const char *dn = e->schema->coll->default_element;
	return dn ? ah__elem_child_named(e, dn) : NULL;
}

static int do_add(const mctx *m, ah_elem *e, const ah_xnode *c, dupidx *idx, itemlist *inh,
		  itemlist *loc)
{
	const ah_coll_schema *cs = e->schema->coll;
	ah_elem *it = ah__elem_new(m->sec, &cs->item, ah_arena_strdup(m->sec->arena, c->name), e);
	if (!it || !it->tag)
		return AH_ENOMEM;
	it->defaults = defaults_for(e);
	it->is_set = true;
	it->added_by = m->owner;
	it->origin.file = m->file;
	it->origin.line = c->line;
	it->origin.config_path = m->level;
	int rc = merge_elem(m, it, c, true, cs->allow_unrecognized || cs->item.allow_unrecognized);
	if (rc < 0)
		return rc;
	for (size_t i = 0; i < cs->item.nattrs; i++) {
		const ah_attr_schema *a = cs->item.attrs[i];
		if (a->required && !ah__elem_own_attr(it, a->name))
			return fail(m, AH_ECONFIG, AH_HR_INVALID_DATA, c->line,
				    "Missing required attribute '%s'", a->name);
	}
	if (idx) {
		ah_elem *dup;
		if ((rc = idx_check_add(idx, it, &dup)) < 0)
			return rc;
		if (dup && (rc = check_duplicate(m, it, dup, c->line)) < 0)
			return rc;
	} else if (!cs->allow_duplicates) {
		/* a small collection: comparing with each item is cheaper than indexing */
		itemlist *lists[2] = {inh, loc};
		for (int l = 0; l < 2; l++)
			for (size_t i = 0; i < lists[l]->n; i++)
				if ((rc = check_duplicate(m, it, lists[l]->v[i], c->line)) < 0)
					return rc;
	}
	return list_push(m->sec->arena, loc, it);
}

static int do_remove(const mctx *m, const ah_xnode *n, const ah_xnode *c, itemlist *inh,
		     itemlist *loc)
{
	itemlist *lists[2] = {inh, loc};
	for (int l = 0; l < 2; l++) {
		for (size_t i = 0; i < lists[l]->n; i++) {
			ah_elem *it = lists[l]->v[i];
			if (!item_matches_node(it, c))
				continue;
			if (it->lock_item && it->lock_item != m->owner)
				return lock_violation(m, n->line);
			it->removed = true;
			list_remove(lists[l], i);
			return 0;
		}
	}
	return 0; /* removing what is not there is not an error */
}

static int do_clear(const mctx *m, const ah_xnode *n, itemlist *inh, itemlist *loc)
{
	for (size_t i = 0; i < inh->n; i++)
		if (inh->v[i]->lock_item && inh->v[i]->lock_item != m->owner)
			return lock_violation(m, n->line);
	for (size_t i = 0; i < inh->n; i++)
		inh->v[i]->removed = true;
	for (size_t i = 0; i < loc->n; i++)
		loc->v[i]->removed = true;
	inh->n = 0;
	loc->n = 0;
	return 0;
}

static bool is_directive(const ah_coll_schema *cs, const char *name)
{
	return ah__schema_is_add(cs, name) || (cs->remove_name && !strcmp(cs->remove_name, name)) ||
	       (cs->clear_name && !strcmp(cs->clear_name, name));
}

static int apply_directives(const mctx *m, ah_elem *e, const ah_xnode *n, dupidx *idx,
			    itemlist *inh, itemlist *loc, bool *touched)
{
	const ah_coll_schema *cs = e->schema->coll;
	for (const ah_xnode *c = n->first; c; c = c->next) {
		if (!is_directive(cs, c->name))
			continue;
		*touched = true;
		if (elem_locked(e, c->name, m->owner))
			return lock_violation(m, n->line);
		int rc;
		if (ah__schema_is_add(cs, c->name))
			rc = do_add(m, e, c, idx, inh, loc);
		else if (cs->remove_name && strcmp(c->name, cs->remove_name) == 0)
			rc = do_remove(m, n, c, inh, loc);
		else
			rc = do_clear(m, n, inh, loc);
		if (rc < 0)
			return rc;
	}
	return 0;
}

static bool has_directive(const ah_coll_schema *cs, const ah_xnode *n)
{
	for (const ah_xnode *c = n->first; c; c = c->next)
		if (is_directive(cs, c->name))
			return true;
	return false;
}

static int merge_collection(const mctx *m, ah_elem *e, const ah_xnode *n)
{
	const ah_coll_schema *cs = e->schema->coll;
	ah_arena *a = m->sec->arena;
	if (!has_directive(cs, n))
		return 0;
	itemlist inh = {0}, loc = {0};
	for (size_t i = 0; i < e->nitems; i++)
		if (list_push(a, &inh, e->items[i]) < 0)
			return AH_ENOMEM;
	size_t adds = 0;
	for (const ah_xnode *c = n->first; c; c = c->next)
		adds += ah__schema_is_add(cs, c->name);
	dupidx idx, *ip = NULL;
	if (!cs->allow_duplicates && inh.n + adds > 16) {
		if (idx_init(&idx, &cs->item) < 0)
			return AH_ENOMEM;
		ip = &idx;
		for (size_t i = 0; i < inh.n; i++) {
			ah_elem *dup;
			if (idx_check_add(ip, inh.v[i], &dup) < 0) {
				idx_free(ip);
				return AH_ENOMEM;
			}
		}
	}
	bool touched = false;
	int rc = apply_directives(m, e, n, ip, &inh, &loc, &touched);
	if (ip)
		idx_free(ip);
	if (rc < 0 || !touched)
		return rc;
	itemlist *first = cs->merge_append ? &inh : &loc, *second = cs->merge_append ? &loc : &inh;
	size_t total = inh.n + loc.n;
	ah_elem **v = ah_arena_alloc(a, (total ? total : 1) * sizeof(*v));
	if (!v)
		return AH_ENOMEM;
	if (first->n)
		memcpy(v, first->v, first->n * sizeof(*v));
	if (second->n)
		memcpy(v + first->n, second->v, second->n * sizeof(*v));
	e->items = v;
	e->nitems = e->capitems = total;
	return 0;
}

static int merge_children(const mctx *m, ah_elem *e, const ah_xnode *n)
{
	for (const ah_xnode *c = n->first; c; c = c->next) {
		if (e->schema->coll && is_directive(e->schema->coll, c->name))
			continue;
		size_t idx;
		for (idx = 0; idx < e->schema->nelems; idx++)
			if (strcmp(e->schema->elems[idx]->name, c->name) == 0)
				break;
		if (idx == e->schema->nelems)
			return fail(m, AH_ECONFIG, AH_HR_INVALID_DATA, c->line,
				    "Unrecognized element '%s'", c->name);
		if (elem_locked(e, c->name, m->owner))
			return lock_violation(m, n->line); /* the holder's line, as for directives */
		ah_elem *child = ah__elem_child(e, idx);
		if (!child)
			return AH_ENOMEM;
		int rc = merge_elem(m, child, c, false, child->schema->allow_unrecognized);
		if (rc < 0)
			return rc;
	}
	return 0;
}

static int merge_elem(const mctx *m, ah_elem *e, const ah_xnode *n, bool is_item,
		      bool allow_unrec)
{
	if (e->lock_item && e->lock_item != m->owner && !is_item)
		return lock_violation(m, n->line);
	int rc = parse_locks(m, e, n, is_item);
	if (rc == 0)
		rc = merge_attrs(m, e, n, allow_unrec);
	if (rc == 0 && e->schema->coll)
		rc = merge_collection(m, e, n);
	if (rc == 0)
		rc = merge_children(m, e, n);
	if (rc == 0 && !e->is_set) {
		e->is_set = true;
		e->origin.file = m->file;
		e->origin.line = n->line;
		e->origin.config_path = m->level;
	}
	return rc;
}

/* ---- contributions --------------------------------------------------------- */

typedef struct contrib {
	const ah_secuse *use;
	size_t level;      /* index of the level it configures */
	size_t file_level; /* index of the level of the file it belongs to */
} contrib;

static size_t level_of_file(const ah_chain *ch, const ah_cfile *f)
{
	for (size_t i = 0; i < ch->n; i++)
		if (ch->levels[i].file == f)
			return i;
	return (size_t)-1;
}

static bool child_app_between(const ah_chain *ch, size_t from, size_t to)
{
	for (size_t k = from + 1; k <= to && k < ch->n; k++)
		if (ch->levels[k].app_root)
			return true;
	return false;
}

static int collect(contrib **out, size_t *nout, const ah_chain *ch, const char *name,
		   ah_arena *a)
{
	size_t cap = 8, n = 0;
	contrib *v = ah_arena_alloc(a, cap * sizeof(*v));
	if (!v)
		return AH_ENOMEM;
	size_t target = ch->n - 1;
	for (size_t i = 0; i < ch->n; i++) {
		const ah_level *L = &ch->levels[i];
		for (size_t j = 0; j <= i; j++) {
			const ah_cfile *f = ch->levels[j].file;
			if (!f)
				continue;
			const ah_uselist *ul = ah_map_get(&f->use_index, name);
			for (size_t q = 0; ul && q < ul->n; q++) {
				const ah_secuse *use = &f->uses[ul->idx[q]];
				if (!use->loc->full)
					continue;
				if (!ah_strcaseeq(use->loc->full, L->config_path))
					continue;
				if (j == i && use->loc->is_location && *use->loc->path)
					continue;
				if (j < i && !use->loc->is_location)
					continue;
				if (!use->loc->inherit_child && child_app_between(ch, i, target))
					continue;
				for (size_t k = 0; k < n; k++) {
					if (v[k].use->owner == use->owner && v[k].level == i)
						return ah_error_set(
							AH_EEXISTS, AH_HR_ALREADY_EXISTS,
							use->owner->path, use->line,
							"Config section '%s' already defined. Sections "
							"must only appear once per config file. See the "
							"help topic <location> for exceptions",
							name);
				}
				if (n == cap) {
					contrib *nv = ah_arena_alloc(a, cap * 2 * sizeof(*nv));
					if (!nv)
						return AH_ENOMEM;
					memcpy(nv, v, n * sizeof(*nv));
					v = nv;
					cap *= 2;
				}
				v[n].use = use;
				v[n].level = i;
				v[n].file_level = j;
				n++;
			}
		}
	}
	*out = v;
	*nout = n;
	return 0;
}

static bool definition_allows(const ah_secdecl *d, const ah_level *L)
{
	switch (d->allow_definition) {
	case AH_DEF_MACHINE_ONLY:
		return L->depth == 0 || L->depth == 2;
	case AH_DEF_MACHINE_TO_ROOT_WEB:
		return L->depth <= 2;
	case AH_DEF_APPHOST_ONLY:
		return L->depth == 2;
	case AH_DEF_MACHINE_TO_APPLICATION:
		return L->depth <= 2 || L->app_root;
	default:
		return true;
	}
}

/* The override mode in force for contribution k. */
static ah_omode mode_for(const contrib *v, size_t k, const ah_secdecl *d, const ah_chain *ch)
{
	size_t decl_level = level_of_file(ch, d->file);
	ah_omode mode = decl_level < v[k].file_level ? d->override_default : AH_OM_ALLOW;
	for (size_t i = 0; i < k; i++) {
		if (v[i].file_level >= v[k].file_level)
			continue;
		if (v[i].use->loc->mode != AH_OM_INHERIT)
			mode = v[i].use->loc->mode;
	}
	return mode;
}

static const ah_secdecl *find_decl(const ah_chain *ch, const char *name, int *rc)
{
	const ah_secdecl *found = NULL;
	*rc = 0;
	for (size_t i = 0; i < ch->n; i++) {
		const ah_cfile *f = ch->levels[i].file;
		if (!f)
			continue;
		const ah_secdecl *d = ah_map_get(&f->decl_map, name);
		if (!d || d->is_group)
			continue;
		if (found) {
			*rc = ah_error_set(AH_ECONFIG, AH_HR_INVALID_DATA, f->path, d->line,
					   "There is a duplicate '%s' section defined", name);
			return NULL;
		}
		found = d;
	}
	return found;
}

static int check_contrib(const mctx *m, const contrib *v, size_t k, const ah_secdecl *d,
			 const ah_chain *ch)
{
	const ah_secuse *u = v[k].use;
	if (u->loc->error)
		return fail(m, AH_ECONFIG, AH_HR_INVALID_DATA, u->loc->line, "%s", u->loc->error);
	if (u->error)
		return ah_error_set(AH_ECONFIG, u->error_hr, u->owner->path, u->line, "%s",
				    u->error);
	if (!d || level_of_file(ch, d->file) > v[k].file_level)
		return ah_error_set(AH_ECONFIG, AH_HR_INVALID_DATA, u->owner->path, u->line,
				    "The configuration section '%s' cannot be read because it is "
				    "missing section definition",
				    u->name);
	if (u->loc->is_location && *u->loc->path && !d->allow_location)
		return ah_error_set(AH_ECONFIG, AH_HR_INVALID_DATA, u->owner->path, u->line,
				    "This configuration section cannot be used inside a "
				    "<location> tag (allowLocation=\"false\")");
	if (!definition_allows(d, &ch->levels[v[k].level]))
		return ah_error_set(AH_ECONFIG, AH_HR_LOCK_VIOLATION, u->owner->path, u->line,
				    "This configuration section cannot be used at this path. The "
				    "section is registered with allowDefinition=\"%s\".",
				    d->allow_definition == AH_DEF_APPHOST_ONLY ? "AppHostOnly"
				    : d->allow_definition == AH_DEF_MACHINE_ONLY
					    ? "MachineOnly"
				    : d->allow_definition == AH_DEF_MACHINE_TO_ROOT_WEB
					    ? "MachineToRootWeb"
					    : "MachineToApplication");
	if (mode_for(v, k, d, ch) == AH_OM_DENY)
		return ah_error_set(AH_ELOCKED, AH_HR_LOCK_VIOLATION, u->owner->path, u->line,
				    "%s", MSG_LOCKED_SECTION);
	return 0;
}

/* The section's delegation state at the target path: the mode a configuration
 * file at the target's level would be under (locations of files above it, then
 * the registration's default), and the overrideMode of a location tag naming
 * exactly the target path. */
static void delegation_state(ah_section *sec, const contrib *v, size_t n, const ah_secdecl *d,
			     const ah_chain *ch)
{
	size_t here = ch->n - 1;
	ah_omode mode = AH_OM_ALLOW;
	if (d && level_of_file(ch, d->file) < here)
		mode = d->override_default;
	sec->location_mode = AH_OM_INHERIT;
	for (size_t i = 0; i < n; i++) {
		const ah_loc *loc = v[i].use->loc;
		if (v[i].file_level < here && loc->mode != AH_OM_INHERIT)
			mode = loc->mode;
		if (v[i].level == here && loc->is_location && loc->mode != AH_OM_INHERIT)
			sec->location_mode = loc->mode;
	}
	sec->effective_mode = mode;
}

static int merge_all(ah_section *sec, ah_config *cfg, const ah_chain *ch)
{
	for (size_t i = 0; i < ch->n; i++) {
		const ah_cfile *f = ch->levels[i].file;
		if (f && f->err_code)
			return ah__cfile_raise(f);
	}
	int rc;
	const ah_secdecl *d = find_decl(ch, sec->name, &rc);
	if (rc < 0)
		return rc;
	contrib *v = NULL;
	size_t n = 0;
	if ((rc = collect(&v, &n, ch, sec->name, sec->arena)) < 0)
		return rc;
	if (!d && n == 0)
		return ah_error_set(AH_ENOTFOUND, AH_HR_NOT_SUPPORTED, NULL, 0,
				    "The configuration section '%s' cannot be read because it is "
				    "missing a section declaration",
				    sec->name);
	delegation_state(sec, v, n, d, ch);
	for (size_t k = 0; k < n; k++) {
		const ah_secuse *u = v[k].use;
		mctx m = {.cfg = cfg, .sec = sec, .use = u, .owner = u->owner,
			  .file = u->file->path, .level = ch->levels[v[k].level].config_path};
		if ((rc = check_contrib(&m, v, k, d, ch)) < 0)
			return rc;
		if ((rc = merge_elem(&m, sec->root, u->node, false,
				     sec->schema->root.allow_unrecognized)) < 0)
			return rc;
	}
	return 0;
}

int ah__merge_section(ah_section **out, ah_config *cfg, const char *name, const char *path)
{
	*out = NULL;
	const ah_section_schema *ss = ah__schema_section(cfg->schema, name);
	ah_section *sec = ah_calloc(1, sizeof(*sec));
	if (!sec)
		return AH_ENOMEM;
	sec->arena = ah_arena_new();
	if (!sec->arena) {
		ah_free(sec);
		return AH_ENOMEM;
	}
	sec->cfg = cfg;
	sec->schema = ss;
	sec->name = ah_arena_strdup(sec->arena, name);
	sec->path = ah_arena_strdup(sec->arena, path);
	int rc = 0;
	ah_chain ch;
	if (!sec->name || !sec->path)
		rc = AH_ENOMEM;
	if (rc == 0)
		rc = ah__chain_build(&ch, cfg, sec->arena, sec->path);
	if (rc == 0 && !ss) {
		int drc;
		const ah_secdecl *d = find_decl(&ch, name, &drc);
		rc = drc < 0 ? drc
		     : d    ? ah_error_set(AH_ECONFIG, AH_HR_INVALID_DATA, NULL, 0,
					   "The configuration section '%s' cannot be read because "
					   "it is missing schema",
					   name)
			    : ah_error_set(AH_ENOTFOUND, AH_HR_NOT_SUPPORTED, NULL, 0,
					   "The configuration section '%s' cannot be read because "
					   "it is missing a section declaration",
					   name);
	}
	if (rc == 0) {
		const char *slash = strrchr(sec->name, '/');
		sec->root = ah__elem_new(sec, &ss->root, slash ? slash + 1 : sec->name, NULL);
		rc = sec->root ? merge_all(sec, cfg, &ch) : AH_ENOMEM;
	}
	if (rc < 0) {
		ah_section_free(sec);
		return rc;
	}
	*out = sec;
	return 0;
}

void ah_section_free(ah_section *s)
{
	if (!s)
		return;
	ah_arena_free(s->arena);
	ah_free(s);
}
