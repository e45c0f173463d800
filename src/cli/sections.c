/*
 * appcmd: the section a /section: value names.
 *
 * A value is compared, without regard to case, with the full names of the
 * sections the schema declares and with the last part of each full name:
 *
 * 1. a value containing "/" that equals a full name names that section
 *    (system.webServer/defaultDocument);
 * 2. otherwise, a value that matches one section names it (defaultDocument,
 *    anonymousAuthentication, sites; or a group-less section such as
 *    configProtectedData by its full name);
 * 3. when several sections match (modules is both the group-less IIS
 *    Manager section and system.webServer/modules; authentication is in
 *    system.web and system.webServer/management), the web server's section
 *    wins: system.webServer/..., then system.applicationHost/..., then a
 *    group-less section whose name is the value. Otherwise the first
 *    declared match is taken.
 *
 * The name is returned in the schema's own case.
 */
#include "cli.h"

#include "util/str.h"

#include <string.h>

static const char *last_part(const char *name)
{
	const char *s = strrchr(name, '/');
	return s ? s + 1 : name;
}

static int rank(const char *full)
{
	if (ah_startswith_ci(full, "system.webServer/"))
		return 3;
	if (ah_startswith_ci(full, "system.applicationHost/"))
		return 2;
	if (!strchr(full, '/'))
		return 1;
	return 0;
}

int cli_section_resolve(char **full, ah_config *cfg, const char *name)
{
	*full = NULL;
	const char *const *names;
	size_t n;
	int rc = ah_config_section_names(&names, &n, cfg, NULL);
	if (rc < 0)
		return rc;
	const char *best = NULL;
	for (size_t i = 0; i < n; i++) {
		if (strchr(name, '/') && ah_strcaseeq(names[i], name)) {
			best = names[i];
			break;
		}
		if (!ah_strcaseeq(last_part(names[i]), name))
			continue;
		if (!best || rank(names[i]) > rank(best))
			best = names[i];
	}
	if (!best)
		return AH_ENOTFOUND;
	*full = ah_strdup(best);
	return *full ? 0 : AH_ENOMEM;
}
