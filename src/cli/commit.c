/*
 * appcmd: where /commit: sends a change.
 *
 * A change is made for a configuration path (the PATH of set config,
 * MACHINE/WEBROOT/APPHOST for sites and pools) and saved in the file of a
 * level at or above it, its commit path. When the commit path is above the
 * path, the change goes in a <location path="..."> of that level's file.
 *
 *   (none), url   the path itself: the web.config of its folder, or
 *                 applicationHost.config for MACHINE/WEBROOT/APPHOST
 *   site          the site of the path          MACHINE/WEBROOT/APPHOST/Site
 *   app           the application of the path   MACHINE/WEBROOT/APPHOST/Site/app
 *                 (the longest application path that is a prefix of the
 *                 path, segment by segment, without regard to case)
 *   parent        the level above the path (MACHINE stays MACHINE)
 *   apphost       MACHINE/WEBROOT/APPHOST       applicationHost.config
 *   webroot       MACHINE/WEBROOT               framework/web.config
 *   machine       MACHINE                       framework/machine.config
 *   anything else a path in a form list config accepts ("Site/app",
 *                 MACHINE/WEBROOT/APPHOST/..., http://host/app)
 *
 * "site" and "app" for a path above the sites are the path itself.
 */
#include "write.h"

#include "util/str.h"

#include <string.h>

#define APPHOST "MACHINE/WEBROOT/APPHOST"

/* The part of a normalized path after "MACHINE/WEBROOT/APPHOST/", or NULL. */
static const char *below_apphost(const char *path)
{
	size_t n = strlen(APPHOST);
	return ah_strncaseeq(path, APPHOST "/", n + 1) ? path + n + 1 : NULL;
}

/* MACHINE/WEBROOT/APPHOST/<site><longest application path prefix>. */
static int app_of(char **out, ah_config *cfg, const char *path, const char *rest)
{
	const char *slash = strchr(rest, '/');
	size_t sl = slash ? (size_t)(slash - rest) : strlen(rest);
	const char *url = rest + sl; /* "" or "/a/b" */
	ah_section *sec;
	int rc = ah_config_section(&sec, cfg, "system.applicationHost/sites", APPHOST);
	if (rc < 0)
		return rc;
	const ah_elem *root = ah_section_root(sec), *site = NULL;
	for (size_t i = 0; i < ah_elem_item_count(root) && !site; i++) {
		const char *name = ah_elem_get(ah_elem_item_at(root, i), "name");
		if (strlen(name) == sl && ah_strncaseeq(name, rest, sl))
			site = ah_elem_item_at(root, i);
	}
	size_t best = 0; /* length of the url part kept */
	for (size_t i = 0; site && i < ah_elem_item_count(site); i++) {
		const char *ap = ah_elem_get(ah_elem_item_at(site, i), "path");
		size_t n = strlen(ap);
		while (n && ap[n - 1] == '/')
			n--;
		if (n > best && ah_strncaseeq(url, ap, n) && (url[n] == '\0' || url[n] == '/'))
			best = n;
	}
	*out = ah_strndup(path, (size_t)(url - path) + best);
	ah_section_free(sec);
	return *out ? 0 : AH_ENOMEM;
}

static int parent_of(char **out, const char *path)
{
	const char *slash = strrchr(path, '/');
	*out = slash ? ah_strndup(path, (size_t)(slash - path)) : ah_strdup(path);
	return *out ? 0 : AH_ENOMEM;
}

int cli_commit_path(char **out, ah_buf *o, ah_config *cfg, const char *path, const char *commit)
{
	*out = NULL;
	const char *rest = below_apphost(path);
	int rc;
	if (!commit || ah_strcaseeq(commit, "url")) {
		rc = (*out = ah_strdup(path)) ? 0 : AH_ENOMEM;
	} else if (ah_strcaseeq(commit, "apphost")) {
		rc = (*out = ah_strdup(APPHOST)) ? 0 : AH_ENOMEM;
	} else if (ah_strcaseeq(commit, "webroot")) {
		rc = (*out = ah_strdup("MACHINE/WEBROOT")) ? 0 : AH_ENOMEM;
	} else if (ah_strcaseeq(commit, "machine")) {
		rc = (*out = ah_strdup("MACHINE")) ? 0 : AH_ENOMEM;
	} else if (ah_strcaseeq(commit, "parent")) {
		rc = parent_of(out, path);
	} else if (ah_strcaseeq(commit, "site")) {
		const char *slash = rest ? strchr(rest, '/') : NULL;
		rc = (*out = slash ? ah_strndup(path, (size_t)(slash - path)) : ah_strdup(path))
			     ? 0
			     : AH_ENOMEM;
	} else if (ah_strcaseeq(commit, "app")) {
		rc = rest ? app_of(out, cfg, path, rest) : ((*out = ah_strdup(path)) ? 0 : AH_ENOMEM);
	} else {
		rc = cli_config_path(out, cfg, commit);
		if (rc == AH_ENOTFOUND && !ah_error_last())
			return cli_error_not_found(o, cli_kind_by_id(CLI_SITE), commit);
	}
	return rc < 0 ? cli_error_engine(o, rc) : 0;
}
