/*
 * appcmd: APPPOOL objects, read from system.applicationHost/applicationPools
 * at MACHINE/WEBROOT/APPHOST.
 *
 * The identifier is the pool name. Synthetic properties, in the order /xml
 * and /text:* show them: APPPOOL.NAME, PipelineMode (managedPipelineMode),
 * RuntimeVersion (managedRuntimeVersion; "" is "No Managed Code"), state.
 * Both come from the effective values, so applicationPoolDefaults apply.
 */
#include "cli.h"

int cli_collect_apppools(cli_objlist *l, ah_config *cfg, const cli_kind *kind)
{
	ah_section *sec;
	int rc = ah_config_section(&sec, cfg, "system.applicationHost/applicationPools",
				   "MACHINE/WEBROOT/APPHOST");
	if (rc < 0)
		return rc;
	if ((rc = cli_objlist_keep(l, sec)) < 0)
		return rc;
	const ah_elem *root = ah_section_root(sec);
	for (size_t i = 0; i < ah_elem_item_count(root) && !rc; i++) {
		const ah_elem *pool = ah_elem_item_at(root, i);
		cli_object *o = cli_objlist_add(l, kind);
		if (!o)
			return AH_ENOMEM;
		o->elem = pool;
		o->elem_tag = ah_elem_tag(pool);
		rc = cli_object_prop(l, o, "APPPOOL.NAME", ah_elem_get(pool, "name"), false);
		if (!rc)
			rc = cli_object_prop(l, o, "PipelineMode",
					     ah_elem_get(pool, "managedPipelineMode"), false);
		if (!rc)
			rc = cli_object_prop(l, o, "RuntimeVersion",
					     ah_elem_get(pool, "managedRuntimeVersion"), false);
		if (!rc)
			rc = cli_object_prop(l, o, "state", cli_state_apppool(pool), false);
		o->id = cli_object_get(o, "APPPOOL.NAME");
	}
	return rc;
}
