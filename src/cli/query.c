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
 * case. Filters compare stored values; /text:ATTR shows encrypted values
 * decrypted (cli_query_plain).
 */
#include "cli.h"

#include "util/str.h"

#include <string.h>

static bool attr_by_path(const ah_elem *e, const char *path, ah_attr_info *info)
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
	return e && cli_elem_attr_ci(e, path, info);
}

bool cli_query_plain(const cli_object *o, ah_config *cfg, const char *name, const char **value,
		     char **heap)
{
	*heap = NULL;
	const char *v = cli_object_get(o, name);
	if (v) {
		*value = v;
		return true;
	}
	ah_attr_info info;
	if (o->elem && attr_by_path(o->elem, name, &info)) {
		*value = cfg ? cli_attr_plain(cfg, &info, heap) : cli_attr_text(&info);
		return true;
	}
	if (ah_strcaseeq(name, "name")) {
		*value = o->id;
		return true;
	}
	return false;
}

bool cli_query(const cli_object *o, const char *name, const char **value)
{
	char *heap;
	return cli_query_plain(o, NULL, name, value, &heap);
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
