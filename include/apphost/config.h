/*
 * apphost — the configuration engine's public API.
 *
 * An ah_config is one view of a configuration store: the schema, the MACHINE
 * and MACHINE/WEBROOT files, applicationHost.config, and every web.config
 * reached from it. ah_config_section() returns the effective (merged) value of
 * one section at one configuration path, as IIS computes it: every level from
 * MACHINE down contributes, `<location>` tags apply where their path says,
 * delegation (overrideMode) and locks are enforced, and every value knows where
 * it came from.
 *
 * Configuration paths are IIS's: "MACHINE", "MACHINE/WEBROOT",
 * "MACHINE/WEBROOT/APPHOST", "MACHINE/WEBROOT/APPHOST/<site>/<url path>".
 * Comparison is case-insensitive.
 *
 * Files are parsed once and cached; a file that changed on disk is parsed
 * again on the next call (see ah_config_refresh).
 */
#ifndef APPHOST_CONFIG_H
#define APPHOST_CONFIG_H

#include "apphost/entry.h"
#include "apphost/errors.h"

#include <stdbool.h>
#include <stddef.h>

typedef struct ah_config ah_config;

typedef struct ah_config_opts {
	/* Folder of applicationHost.config, administration.config,
	 * redirection.config, framework/ and keys/. NULL: $APPHOST_CONFIG_DIR,
	 * else /etc/apphost. */
	const char *config_dir;
	/* Another applicationHost.config to use (appcmd /apphostconfig:). */
	const char *apphost_file;
	/* Schema folder. NULL: <config_dir>/schema when it exists, else the
	 * project's installed schema. */
	const char *schema_dir;
} ah_config_opts;

/* Open a configuration store. The schema is loaded now; configuration files
 * are read when first needed. opts may be NULL. Caller frees with
 * ah_config_free. */
int ah_config_open(ah_config **out, const ah_config_opts *opts);
void ah_config_free(ah_config *cfg);

/* Paths of the store's files. */
const char *ah_config_apphost_path(const ah_config *cfg);
const char *ah_config_dir(const ah_config *cfg);

/* Forget cached files that changed on disk since they were read. */
void ah_config_refresh(ah_config *cfg);

/* Normalize a configuration path written in any accepted form ("MACHINE/...",
 * "Site/app", "/" for APPHOST...) into IIS's canonical case-preserved form,
 * e.g. "MACHINE/WEBROOT/APPHOST/Default Web Site/app". The site name takes the
 * case of its definition when the site exists. Caller frees with ah_free. */
int ah_config_path_normalize(char **out, ah_config *cfg, const char *path);

/* The effective value of section `name` (e.g. "system.webServer/defaultDocument")
 * at configuration path `path`. *out is owned by the caller (ah_section_free).
 * Errors: AH_ENOTFOUND (unknown path or section), AH_ECONFIG / AH_ELOCKED
 * (a configuration error: the thread error has IIS's message, file, line and
 * HRESULT). */
int ah_config_section(ah_section **out, ah_config *cfg, const char *name, const char *path);

/* The effective section, from the store's cache: computed on first use, then
 * returned as is until ah_config_invalidate() (or ah_config_free()). The
 * section belongs to the store: do not free it. A configuration error is
 * cached too and raised again (same code, message, file and line).
 * This is the lookup for hot paths (one hash lookup once cached). */
int ah_config_lookup(const ah_section **out, ah_config *cfg, const char *name, const char *path);

/* Drop every cached section and the sites index: the next lookups see the
 * files as they are on disk now. Call it when a configuration file changed
 * (the server watches them). */
void ah_config_invalidate(ah_config *cfg);

/* %VAR% expansion of a value whose attribute is expanded="true" (names
 * case-insensitive as on Windows; %SystemDrive% is $APPHOST_SYSTEM_DRIVE;
 * unknown variables stay as written). Heap string: free with ah_free. */
char *ah_expand(const char *value);

/* A Windows-style physical path as a Linux path: %VAR% expansion, '\' to '/',
 * and a drive letter ("C:") mapped to $APPHOST_SYSTEM_DRIVE (default
 * /srv/apphost). Heap string: free with ah_free. */
char *ah_physical_path(const char *value);

/* True when the store's schema defines section `name`. */
bool ah_config_has_schema(const ah_config *cfg, const char *name);

/* Names of the sections declared for path (schema-defined and registered),
 * in declaration order; the array and strings belong to cfg until the next call. */
int ah_config_section_names(const char *const **names, size_t *n, ah_config *cfg,
			    const char *path);

#endif
