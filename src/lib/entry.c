/*
 * Queries on effective elements (the public API of include/apphost/entry.h).
 *
 * Effective attribute value: the element's own value, else the value of the
 * collection-defaults element that supplies it (siteDefaults,
 * applicationPoolDefaults... and, for their children, the matching child),
 * else the schema's default. An attribute with no default has its type's zero
 * value (false, 0, the enum value 0, 00:00:00, "").
 */
#include "engine.h"

#include "util/str.h"

#include <string.h>

const char *ah_section_name(const ah_section *s)
{
	return s->name;
}

const char *ah_section_path(const ah_section *s)
{
	return s->path;
}

const ah_elem *ah_section_root(const ah_section *s)
{
	return s->root;
}

static const char *mode_name(int m)
{
	return m == AH_OM_ALLOW ? "Allow" : m == AH_OM_DENY ? "Deny" : "Inherit";
}

const char *ah_section_override_mode(const ah_section *s)
{
	return mode_name(s->location_mode);
}

const char *ah_section_override_mode_effective(const ah_section *s)
{
	return mode_name(s->effective_mode == AH_OM_DENY ? AH_OM_DENY : AH_OM_ALLOW);
}

bool ah_section_is_locked(const ah_section *s)
{
	return s->effective_mode == AH_OM_DENY;
}

bool ah_elem_is_runtime(const ah_elem *e)
{
	return e->schema->extension;
}

const char *ah_elem_tag(const ah_elem *e)
{
	return e->tag;
}

bool ah_elem_is_set(const ah_elem *e)
{
	return e->is_set;
}

ah_origin ah_elem_origin(const ah_elem *e)
{
	return e->origin;
}

static int prepare_elem(ah_arena *arena, ah_elem_schema *e, int depth);

static int prepare_attr(ah_arena *arena, ah_attr_schema *a)
{
	if (a->default_text)
		return 0;
	const char *text = a->default_value ? a->default_value : "";
	if (a->type == AH_T_STRING) {
		a->default_text = text;
		return 0;
	}
	ah_value v;
	ah_buf out = AH_BUF_INIT;
	if (ah__value_parse(&v, a, text, &out) < 0) {
		/* no default (or one this type can't read): the zero value */
		memset(&v, 0, sizeof(v));
		v.type = a->type;
	}
	ah_buf_truncate(&out, 0);
	ah__value_format(&out, a, &v);
	a->default_text = ah_arena_strdup(arena, ah_buf_cstr(&out));
	bool oom = ah_buf_oom(&out);
	ah_buf_free(&out);
	return !a->default_text || oom ? AH_ENOMEM : 0;
}

static int prepare_elem(ah_arena *arena, ah_elem_schema *e, int depth)
{
	if (depth > 64)
		return 0;
	for (size_t i = 0; i < e->nattrs; i++)
		if (prepare_attr(arena, e->attrs[i]) < 0)
			return AH_ENOMEM;
	for (size_t i = 0; i < e->nelems; i++)
		if (prepare_elem(arena, e->elems[i], depth + 1) < 0)
			return AH_ENOMEM;
	if (e->coll && prepare_elem(arena, &e->coll->item, depth + 1) < 0)
		return AH_ENOMEM;
	return 0;
}

int ah__schema_prepare_defaults(ah_schema *s)
{
	for (size_t i = 0; i < s->nlist; i++)
		if (prepare_elem(s->arena, &s->list[i]->root, 0) < 0)
			return AH_ENOMEM;
	return 0;
}

bool ah__elem_effective(const ah_elem *e, const ah_attr_schema *a, ah_attr_info *out)
{
	memset(out, 0, sizeof(*out));
	out->name = a->name;
	out->encrypted = a->encrypted;
	out->expanded = a->expanded;
	out->runtime = a->extension;
	for (const ah_elem *x = e; x; x = x->defaults) {
		const ah_attrval *v = ah__elem_own_attr(x, a->name);
		if (v) {
			out->text = v->text;
			out->raw = v->raw;
			out->source = x == e ? AH_VALUE_SET : AH_VALUE_DEFAULTS;
			out->origin = v->origin;
			return true;
		}
	}
	out->source = a->default_value ? AH_VALUE_SCHEMA : AH_VALUE_NONE;
	out->text = a->default_text ? a->default_text : "";
	return true;
}

size_t ah_elem_attr_count(const ah_elem *e)
{
	size_t n = e->schema->nattrs;
	for (size_t i = 0; i < e->nattrs; i++)
		if (!e->attrs[i].schema)
			n++;
	return n;
}

bool ah_elem_attr_at(const ah_elem *e, size_t i, ah_attr_info *out)
{
	if (i < e->schema->nattrs)
		return ah__elem_effective(e, e->schema->attrs[i], out);
	i -= e->schema->nattrs;
	for (size_t k = 0; k < e->nattrs; k++) {
		if (e->attrs[k].schema)
			continue;
		if (i-- == 0) {
			memset(out, 0, sizeof(*out));
			out->name = e->attrs[k].name;
			out->text = e->attrs[k].text;
			out->raw = e->attrs[k].raw;
			out->source = AH_VALUE_SET;
			out->origin = e->attrs[k].origin;
			out->unrecognized = true;
			return true;
		}
	}
	return false;
}

bool ah_elem_attr(const ah_elem *e, const char *name, ah_attr_info *out)
{
	const ah_attr_schema *a = ah__schema_attr(e->schema, name);
	if (a && !a->extension)
		return ah__elem_effective(e, a, out);
	const ah_attrval *v = ah__elem_own_attr(e, name);
	if (!v)
		return false;
	memset(out, 0, sizeof(*out));
	out->name = v->name;
	out->text = v->text;
	out->raw = v->raw;
	out->source = AH_VALUE_SET;
	out->origin = v->origin;
	out->unrecognized = true;
	return true;
}

const char *ah_elem_get(const ah_elem *e, const char *name)
{
	ah_attr_info info;
	if (!ah_elem_attr(e, name, &info))
		return "";
	return info.text ? info.text : "";
}

size_t ah_elem_child_count(const ah_elem *e)
{
	return e->schema->nelems;
}

const ah_elem *ah_elem_child_at(const ah_elem *e, size_t i)
{
	/* children are created on first use: the tree is logically complete */
	return ah__elem_child((ah_elem *)e, i);
}

const ah_elem *ah_elem_child(const ah_elem *e, const char *name)
{
	return ah__elem_child_named((ah_elem *)e, name);
}

bool ah_elem_has_collection(const ah_elem *e)
{
	return e->schema->coll != NULL;
}

size_t ah_elem_item_count(const ah_elem *e)
{
	return e->nitems;
}

const ah_elem *ah_elem_item_at(const ah_elem *e, size_t i)
{
	return i < e->nitems ? e->items[i] : NULL;
}

const ah_elem *ah_elem_find_item(const ah_elem *e, const char *key, const char *value)
{
	if (!e->schema->coll)
		return NULL;
	const ah_attr_schema *a = ah__schema_attr(&e->schema->coll->item, key);
	for (size_t i = 0; i < e->nitems; i++) {
		const char *v = ah_elem_get(e->items[i], key);
		if (a && a->case_sensitive ? strcmp(v, value) == 0 : ah_strcaseeq(v, value))
			return e->items[i];
	}
	return NULL;
}
