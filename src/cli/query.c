/*
 * appcmd: property look-up by name, for /text:ATTR and for list filters.
 *
 * A name is looked up, without regard to case, in this order:
 *   1. the object's synthetic properties (SITE.NAME, state, bindings...,
 *      hidden ones included);
 *   2. an attribute of its configuration element, by a dotted path whose
 *      leading parts name child elements: "processModel.identityType",
 *      "limits.maxConnections", "serverAutoStart";
 *   3. "name" alone: the object's identifier (APP and VDIR have no name
 *      attribute of their own).
 * Filters (/attr:value) must all match; values compare without regard to
 * case.
 */
#include "cli.h"

#include "util/str.h"

#include <string.h>

static bool attr_by_path(const ah_elem *e, const char *path, const char **value)
{
	const char *dot;
	while (e && (dot = strchr(path, '.')) != NULL) {
		char part[256];
		size_t n = (size_t)(dot - path);
		if (n >= sizeof(part))
			return false;
		memcpy(part, path, n);
		part[n] = '\0';
		e = cli_elem_child_ci(e, part);
		path = dot + 1;
	}
	if (!e)
		return false;
	ah_attr_info info;
	for (size_t i = 0; ah_elem_attr_at(e, i, &info); i++) {
		if (ah_strcaseeq(info.name, path) && !cli_attr_is_runtime(e, &info)) {
			*value = cli_attr_text(&info);
			return true;
		}
	}
	return false;
}

bool cli_query(const cli_object *o, const char *name, const char **value)
{
	const char *v = cli_object_get(o, name);
	if (v) {
		*value = v;
		return true;
	}
	if (o->elem && attr_by_path(o->elem, name, value))
		return true;
	if (ah_strcaseeq(name, "name")) {
		*value = o->id;
		return true;
	}
	return false;
}

bool cli_query_match(const cli_object *o, const cli_args *a, const char **unknown)
{
	bool match = true;
	for (size_t i = 0; i < a->nparams; i++) {
		const cli_param *p = &a->params[i];
		const char *v;
		if (p->used)
			continue;
		if (!cli_query(o, p->name, &v)) {
			*unknown = p->name;
			return false;
		}
		if (!ah_strcaseeq(v, p->value ? p->value : ""))
			match = false;
	}
	return match;
}
