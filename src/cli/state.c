/*
 * appcmd: the runtime state of sites and application pools.
 *
 * On IIS the state comes from the activation service (WAS), not from the
 * configuration. apphost has no running service to ask yet, so the state
 * shown is the one the configuration implies: a site whose serverAutoStart
 * is true, or a pool whose autoStart is true, would be started by the
 * service, and shows as Started; otherwise it shows as Stopped. This is the
 * only place that decides it: when the service exists, these functions ask
 * it over its control socket and fall back to the configuration (or to
 * "Unknown") when it does not answer.
 */
#include "cli.h"

#include "util/str.h"

static const char *from_config(const ah_elem *e, const char *attr)
{
	return ah_strcaseeq(ah_elem_get(e, attr), "false") ? "Stopped" : "Started";
}

const char *cli_state_site(const ah_elem *site)
{
	return from_config(site, "serverAutoStart");
}

const char *cli_state_apppool(const ah_elem *pool)
{
	return from_config(pool, "autoStart");
}
