/*
 * appcmd: what the commands that change configuration share.
 *
 * A command that writes opens a cli_write: the store, one transaction
 * (include/apphost/edit.h), an arena, and the target: the configuration path
 * being configured, the commit path whose file receives the change, the
 * section, and the object's element inside it (the steps from the section
 * element to, say, the pool's <add name="X">; none for set config, which
 * addresses the section itself). Every change of the command is staged in
 * the one transaction and committed at the end: all or nothing, and nothing
 * written when the configuration that would result is not valid.
 *
 * Names written on the command line are matched without regard to case:
 * they are resolved against the effective section (its child elements,
 * items and attributes) and written with the schema's spelling. Names that
 * don't resolve (an element being created) are passed as written, and the
 * transaction checks them against the schema.
 *
 * Attributes the schema declares encrypted are stored encrypted
 * (include/apphost/crypt.h), with the provider of the schema default
 * ("[enc:IISWASOnlyAesProvider::enc]" gives IISWASOnlyAesProvider), never in
 * clear. A value already in the encrypted form is stored as given.
 */
#ifndef AH_CLI_WRITE_H
#define AH_CLI_WRITE_H

#include "cli.h"
#include "propexpr.h"

#include "apphost/edit.h"

typedef struct cli_write {
	ah_buf *out;
	ah_config *cfg;
	ah_tx *tx;
	ah_arena *arena;
	const char *path;    /* the configuration path configured (normalized) */
	const char *commit;  /* the level whose file receives the change */
	const char *section; /* the section's full name */
	ah_section *eff;     /* the effective section at path */
	/* the object's element: steps from the section element, its effective
	 * element (NULL while it is being created) and its tag */
	ah_step *base;
	size_t nbase;
	const ah_elem *elem;
	const char *tag;
	/* set when the command adds a collection item: its tag, for errors */
	const char *added;
	/* importing (/in): a name the schema lacks is skipped with a warning
	 * instead of failing the command */
	bool lenient;
} cli_write;

#define CLI_APPHOST "MACHINE/WEBROOT/APPHOST"

/* The text of IIS's error for an indexer it can't read. */
#define CLI_MALFORMED_INDEXER                                                              \
	"Malformed collection indexer; format is [@position,name='value',name2='value2',...]." \
	"  The @position specifier is optional, and be '@start', '@end', or '@N' where N is a " \
	"numeric index into the collection."

/* Open the store the arguments name and begin a transaction. Returns 0, or
 * an exit status with the error in out (then call cli_write_end anyway). */
int cli_write_begin(cli_write *w, ah_buf *out, const cli_args *a);
void cli_write_end(cli_write *w);

/* Set the target: path and commit are configuration paths (commit NULL:
 * path), section a full section name. Reads the effective section at path.
 * Returns 0 or an exit status. */
int cli_write_target(cli_write *w, const char *path, const char *commit, const char *section);

/* The target of the CONFIG verbs: PATH (a->ident), /section and /commit
 * (set_config.c). Returns 0 or an exit status. */
int cli_config_target(cli_write *w, const cli_args *a);

/* Append a step to the object's base: an item of the current element's
 * collection selected by key (name NULL), or a child element. Returns 0 or
 * AH_ENOMEM. The effective element follows (w->elem; NULL once not found). */
int cli_write_base(cli_write *w, const char *child, const char *key, const char *value);
/* The base followed by one more item step selected by key, in the arena
 * (*n is set); NULL on out-of-memory. */
ah_step *cli_write_steps_plus(cli_write *w, const char *key, const char *value, size_t *n);

/* Apply one parameter "name:value" (a property expression, propexpr.h)
 * relative to the object's element. value is NULL when the parameter had no
 * ':'. Returns 0 or an exit status with the error in out. */
int cli_write_param(cli_write *w, const char *name, const char *value);
/* Apply every parameter of a that is not used yet, in order. */
int cli_write_params(cli_write *w, cli_args *a);

/* Resolve the segments segs[0..n-1] below the object's element into
 * transaction steps (base included): *steps in the arena, *nsteps, and the
 * effective element they address (NULL when it does not exist). Returns 0
 * or AH_ENOMEM. */
int cli_write_resolve(cli_write *w, const cli_pseg *segs, size_t n, ah_step **steps,
		      size_t *nsteps, const ah_elem **elem);

/* Stage: set attribute attr of the element at steps (elem: its effective
 * element or NULL; tag: its tag), encrypting when the schema says so.
 * shown is the parameter's name for errors. Returns 0 or an exit status. */
int cli_write_set(cli_write *w, const ah_step *steps, size_t n, const ah_elem *elem,
		  const char *tag, const char *attr, const char *value, const char *shown);
/* Stage: add an item with attributes to the collection of the element at
 * steps (coll: its effective element or NULL). tag NULL: the collection's
 * add directive. Returns 0 or an exit status. */
int cli_write_add(cli_write *w, const ah_step *steps, size_t n, const ah_elem *coll,
		  const char *tag, const char **names, const char **values, size_t count,
		  long position, const char *shown);

/* Commit. Returns 0 or an exit status with IIS's error in out. */
int cli_write_commit(cli_write *w);
/* The error for a failed staging call rc of parameter `shown`. */
int cli_write_stage_error(cli_write *w, int rc, const char *shown);

/* "Applied configuration changes to section ..." for the target. */
void cli_write_applied(cli_write *w);

/* The configuration path a /commit: value names for a change at `path`
 * (commit.c): NULL or "url" the path itself, "site", "app", "parent",
 * "apphost", "webroot", "machine", or a path in any form list config
 * accepts. *out is heap memory. Returns 0, or an exit status with the
 * error in out. */
int cli_commit_path(char **out, ah_buf *o, ah_config *cfg, const char *path, const char *commit);

/* ---- objects (obj_write.c, add_*.c, input.c) ------------------------------ */

/* The section that holds objects of a kind: applicationPools or sites. */
const char *cli_object_section(const cli_kind *kind);
/* Point the write's base at an existing object's element. 0 or AH_ENOMEM. */
int cli_object_base(cli_write *w, const cli_object *o);
/* The key attribute of a kind's element and the tag of its element. */
const char *cli_object_key(const cli_kind *kind);
const char *cli_object_tag(const cli_kind *kind);

/* add apppool|site|app|vdir from the command line. */
int cli_add_apppool(ah_buf *out, cli_args *a);
int cli_add_site(ah_buf *out, cli_args *a);
int cli_add_app(ah_buf *out, cli_args *a);
int cli_add_vdir(ah_buf *out, cli_args *a);
/* add OBJECT /in: recreate the objects of the /xml output on standard input. */
int cli_import(ah_buf *out, cli_args *a, const cli_kind *kind);

/* Stage the bindings "protocol/info[,protocol/info...]" as new items of the
 * base site's bindings (add_site.c); replace: remove the site's bindings
 * first. Returns 0 or an exit status. */
int cli_site_bindings(cli_write *w, const char *bindings);
int cli_site_replace_bindings(cli_write *w, const char *bindings);
/* The item of collection e whose path equals `path`, without regard to
 * case and to a trailing "/" (add_app.c); NULL when none. */
const ah_elem *cli_find_path(const ah_elem *e, const char *path);
/* ERROR ( message:Failed to add duplicate collection element "X". ) */
int cli_error_duplicate(ah_buf *out, const char *id);

#endif
