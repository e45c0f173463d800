/*
 * appcmd: the runtime state of sites and application pools.
 *
 * On IIS the state comes from the activation service (WAS), not from the
 * configuration: these functions ask the running apphostd over its control
 * socket (STATE SITE|APPPOOL, src/cli/control.c). With no service running,
 * the state shown is the one the configuration implies: a site whose
 * serverAutoStart is true, or a pool whose autoStart is true, would be
 * started by the service, and shows as Started; otherwise as Stopped.
 */
#include "cli.h"

#include "util/str.h"

static const char *from_config(const ah_elem *e, const char *attr)
{
	return ah_strcaseeq(ah_elem_get(e, attr), "false") ? "Stopped" : "Started";
}

const char *cli_state_site(const ah_elem *site)
{
	const char *s = cli_control_state("SITE", ah_elem_get(site, "name"));
	return s ? s : from_config(site, "serverAutoStart");
}

const char *cli_state_apppool(const ah_elem *pool)
{
	const char *s = cli_control_state("APPPOOL", ah_elem_get(pool, "name"));
	return s ? s : from_config(pool, "autoStart");
}
