/*
 * apphost — writing configuration.
 *
 * Changes are staged in a transaction and applied by ah_tx_commit, all or
 * nothing: every file the changes touch is locked, read as it is on disk now,
 * edited (only the tags that change; every other byte is kept), and the result
 * is checked by reading the changed sections back through the engine with the
 * new contents — so schema types, validators, duplicates, delegation and locks
 * are enforced exactly as on reads, with IIS's messages. Only then is each file
 * replaced atomically and durably. An edit that changes nothing writes nothing.
 *
 * Where a change goes: `path` is the configuration path being configured and
 * `commit` the level whose file receives it (NULL: the same as path). When
 * commit is above path, the change goes in a <location path="..."> of the
 * commit level's file: for instance path "MACHINE/WEBROOT/APPHOST/Site/app"
 * with commit "MACHINE/WEBROOT/APPHOST" writes <location path="Site/app"> in
 * applicationHost.config; with commit equal to path it writes the web.config
 * of the application's folder (created when missing). Paths take the forms
 * ah_config_path_normalize accepts.
 *
 * Elements inside a section are addressed by steps from the section element:
 * a child element by name, or an item of the current element's collection by
 * key values (case-insensitive unless the schema says otherwise) or position.
 */
#ifndef APPHOST_EDIT_H
#define APPHOST_EDIT_H

#include "apphost/config.h"

#include <stddef.h>

typedef struct ah_tx ah_tx;

#define AH_POS_NONE (-1L)  /* step: select by keys */
#define AH_POS_END (-1L)   /* add: after the other items (the default) */
#define AH_POS_START (-2L) /* add: before the other items */

typedef struct ah_step {
	const char *name; /* a child element; NULL: an item of the collection */
	const char *const *keys;   /* item: attribute names to match */
	const char *const *values; /* item: their values */
	size_t nkeys;
	long index; /* item: 0-based position among the items, or AH_POS_NONE */
} ah_step;

typedef struct ah_where {
	const char *path;    /* configuration path configured */
	const char *commit;  /* level whose file is written; NULL: path */
	const char *section; /* e.g. "system.webServer/defaultDocument" */
	const ah_step *steps;
	size_t nsteps;
} ah_where;

int ah_tx_begin(ah_tx **out, ah_config *cfg);
/* Discard a transaction (its changes are not written unless committed). */
void ah_tx_free(ah_tx *tx);

/* Set attribute `attr` of the addressed element (created when missing). */
int ah_tx_set(ah_tx *tx, const ah_where *w, const char *attr, const char *value);
/* Remove attribute `attr` from the file, so the inherited value applies again. */
int ah_tx_unset(ah_tx *tx, const ah_where *w, const char *attr);
/* Add an item to the addressed element's collection with the given attributes.
 * tag NULL: the collection's (first) add directive. position: AH_POS_END,
 * AH_POS_START or an index among this file's items. */
int ah_tx_add(ah_tx *tx, const ah_where *w, const char *tag, const char *const *names,
	      const char *const *values, size_t n, long position);
/* Remove an item of the addressed element's collection: deleted from the file
 * that holds it at this level, or a <remove> directive when it is inherited. */
int ah_tx_remove(ah_tx *tx, const ah_where *w, const ah_step *item);
/* Clear the addressed element's collection (<clear />; this file's items go). */
int ah_tx_clear_collection(ah_tx *tx, const ah_where *w);
/* Remove the addressed element (a whole section when there are no steps) from
 * the file, so everything in it is inherited again. */
int ah_tx_clear(ah_tx *tx, const ah_where *w);
/* Lock ("Deny"), unlock ("Allow") or reset (NULL) the section for `path` with
 * a <location path="..." overrideMode="..."> in the file of `commit` (NULL:
 * applicationHost.config). */
int ah_tx_override_mode(ah_tx *tx, const char *path, const char *commit, const char *section,
			const char *mode);

/* Apply everything. Errors leave every file as it was: AH_ECONFIG/AH_ELOCKED/
 * AH_EEXISTS with IIS's message (the thread error names the file and line of
 * the configuration that would have been written), AH_ENOTFOUND for an item or
 * path that does not exist, AH_EIO for file system failures. */
int ah_tx_commit(ah_tx *tx);

/* After a commit: how many files were written (0 when nothing changed), and
 * their paths. */
size_t ah_tx_written(const ah_tx *tx);
const char *ah_tx_written_path(const ah_tx *tx, size_t i);

#endif
