/*
 * appcmd: APPPOOL objects, read from system.applicationHost/applicationPools
 * at MACHINE/WEBROOT/APPHOST.
 *
 * The identifier is the pool name. Synthetic properties, in the order /xml
 * and /text:* show them: APPPOOL.NAME, PipelineMode (managedPipelineMode),
 * RuntimeVersion (managedRuntimeVersion; "" is "No Managed Code"), state.
 * Both come from the effective values, so applicationPoolDefaults apply.
 *
 * Then two that IIS's appcmd does not show, in /text:* only (not in /xml,
 * which stays as IIS writes it; docs/appcmd/list.md):
 *   applicationPoolSid  the SID of IIS APPPOOL\<name> (IIS's runtime
 *                       property of that name; apphost/sid.h)
 *   workerIdentity      what the pool's worker runs as, from the running
 *                       apphostd (IDENTITY APPPOOL, docs/server.md): the
 *                       current worker, else what the next one would run
 *                       as; empty and not shown without a service; asked
 *                       only when the output or a filter needs it
 */
#include "cli.h"

#include "apphost/sid.h"

static int identity_props(cli_objlist *l, cli_object *o, const char *name)
{
	char sid[AH_SID_MAX];
	int rc = ah_apppool_sid(sid, name);
	if (rc == AH_ENOMEM)
		return rc;
	if (rc < 0) /* a name that is not UTF-8 has no SID: no line */
		ah_error_clear();
	else if ((rc = cli_object_prop_text(l, o, "applicationPoolSid", sid)) < 0)
		return rc;
	if (!l->worker_identity)
		return 0;
	/* without a service the value is empty and not shown, so that
	 * /text:workerIdentity prints an empty line rather than an error */
	char *who = cli_control_identity(name);
	rc = who ? cli_object_prop_text(l, o, "workerIdentity", who)
		 : cli_object_prop(l, o, "workerIdentity", "", true);
	ah_free(who);
	return rc;
}

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
		if (!rc)
			rc = identity_props(l, o, ah_elem_get(pool, "name"));
		o->id = cli_object_get(o, "APPPOOL.NAME");
	}
	return rc;
}
