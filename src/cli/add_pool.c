/*
 * appcmd: `add apppool /name:NAME [/property:value ...]`.
 *
 *   appcmd add apppool /name:MyAppPool
 *   appcmd add apppool /name:Svc /managedPipelineMode:Classic /processModel.identityType:SpecificUser
 *       /processModel.userName:svc /processModel.password:secret
 *
 * Adds <add name="NAME"> to system.applicationHost/applicationPools in
 * applicationHost.config; every other parameter is a property of the new
 * pool, as for set apppool (passwords are stored encrypted). The name may
 * also be given as the identifier (add apppool NAME). Output:
 *
 *   APPPOOL object "MyAppPool" added
 *
 * A pool of that name (in any case) exists already:
 *   ERROR ( message:Failed to add duplicate collection element "MyAppPool". )   exit 183
 * No name: the engine's "Missing required attribute 'name'" after IIS's
 * "New add object missing required attributes." (write.c).
 */
#include "write.h"

int cli_error_duplicate(ah_buf *out, const char *id)
{
	return cli_error(out, CLI_EXIT_ALREADY_EXISTS,
			 "Failed to add duplicate collection element \"%s\".", id);
}

const char *cli_object_key(const cli_kind *kind)
{
	return kind->id == CLI_APPPOOL || kind->id == CLI_SITE ? "name" : "path";
}

const char *cli_object_tag(const cli_kind *kind)
{
	switch (kind->id) {
	case CLI_APPPOOL:
		return "add";
	case CLI_SITE:
		return "site";
	case CLI_APP:
		return "application";
	default:
		return "virtualDirectory";
	}
}

int cli_add_apppool(ah_buf *out, cli_args *a)
{
	const char *name = cli_args_take(a, "name");
	if (!name)
		name = a->ident;
	cli_write w;
	int status = cli_write_begin(&w, out, a);
	if (!status)
		status = cli_write_target(&w, CLI_APPHOST, CLI_APPHOST,
					  "system.applicationHost/applicationPools");
	const ah_elem *root = status ? NULL : ah_section_root(w.eff);
	if (!status && name && ah_elem_find_item(root, "name", name))
		status = cli_error_duplicate(out, name);
	const char *names[1] = {"name"}, *values[1] = {name};
	if (!status)
		status = cli_write_add(&w, NULL, 0, root, "add", names, values, name ? 1 : 0,
				       AH_POS_END, "name");
	if (!status && name && cli_write_base(&w, NULL, "name", name) < 0)
		status = cli_error_engine(out, AH_ENOMEM);
	w.tag = "add";
	if (!status && name)
		status = cli_write_params(&w, a);
	if (!status)
		status = cli_write_commit(&w);
	if (!status)
		ah_buf_printf(out, "APPPOOL object \"%s\" added\n", name ? name : "");
	cli_write_end(&w);
	return status;
}
