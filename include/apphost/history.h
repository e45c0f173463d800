/*
 * apphost — configuration backups and configuration history.
 *
 * Both keep copies of the server-level configuration files, as IIS does:
 * applicationHost.config, and administration.config and redirection.config
 * when they exist, each copy a folder holding the files under those names.
 *
 * Backups are named by the administrator (`appcmd add backup NAME`) and live
 * in <config_dir>/backup/NAME/ (IIS: %windir%\system32\inetsrv\backup\NAME).
 * They copy the files of the configuration folder itself: with
 * redirection.config pointing elsewhere, redirection.config is what is saved
 * and restored, never the redirected applicationHost.config (as IIS does).
 *
 * Configuration history is kept as section system.applicationHost/configHistory
 * says (enabled, path, maxHistories, period; values and defaults from the
 * schema): folders CFGHISTORY_nnnnnnnnnn (a 10-digit counter) under `path`,
 * each a copy of the files in use — the applicationHost.config the store
 * reads, wherever redirection puts it. A snapshot is taken when the files
 * differ from the newest snapshot and at least `period` has passed since it;
 * the oldest are removed beyond maxHistories. Every successful write
 * transaction asks for one (ah_tx_commit). History is kept only in a folder
 * that exists, unless `path` is set explicitly in a configuration file: the
 * default folder (%SystemDrive%\inetpub\history) is created by the
 * installation, as IIS's setup creates it.
 *
 * Backup names are single folder names: not empty, no '/', '\' or control
 * characters, not starting with '.' (reserved for temporary folders).
 *
 * Every function here works under locks: the backup folder's and the
 * history folder's own lock files, and, while reading or replacing the live
 * files, the same `<file>.lock` files the write transactions take (in path
 * order), so a copy never sees half of a concurrent change and a restore
 * never interleaves with a write.
 */
#ifndef APPHOST_HISTORY_H
#define APPHOST_HISTORY_H

#include "apphost/config.h"

#include <stdbool.h>
#include <stddef.h>

/* A list of names: heap array of heap strings (free with ah_names_free). */
typedef struct ah_names {
	char **v;
	size_t n;
} ah_names;

void ah_names_free(ah_names *names);

/* ---- backups ---------------------------------------------------------------- */

/* Save the configuration folder's files as backup `name` (NULL: the local time
 * as yyyyMMddTHHmmss). *out (optional) receives the name used, heap string.
 * Errors: AH_EEXISTS (a backup of that name exists), AH_EINVALID (a bad name),
 * AH_ENOTFOUND (no applicationHost.config to save), AH_EIO. */
int ah_backup_add(char **out, ah_config *cfg, const char *name);

/* Names of the backups, in name order (case-insensitive). */
int ah_backup_list(ah_names *out, ah_config *cfg);

/* True when a backup named `name` exists. */
bool ah_backup_exists(ah_config *cfg, const char *name);

/* Remove backup `name`. AH_ENOTFOUND when there is none. */
int ah_backup_delete(ah_config *cfg, const char *name);

/* Replace the live files with the copies held by backup `name`, or by
 * history snapshot `name` (CFGHISTORY_nnnnnnnnnn) when no backup has that
 * name. Each file is replaced atomically under its lock; a file the backup
 * does not hold (redirection.config created later) is removed. Before, the
 * current files are saved to the history (ignoring the period) when history
 * is kept, so a restore can be undone. Every copy is checked to be
 * well-formed XML first: a damaged backup changes nothing. Errors:
 * AH_ENOTFOUND, AH_ECONFIG (a damaged copy), AH_ELOCKED, AH_EIO. */
int ah_backup_restore(ah_config *cfg, const char *name);

/* ---- configuration history ---------------------------------------------------- */

#define AH_HISTORY_FORCE 0x1u /* ignore `period` (a change is still required) */

/* Take a history snapshot if configHistory says one is due (see above).
 * *taken (optional) tells whether one was. A configuration that cannot be
 * read is never saved: the engine's error is returned. */
int ah_history_save(bool *taken, ah_config *cfg, unsigned flags);

/* The history folder as a Linux path (configHistory/@path mapped with
 * ah_physical_path). Heap string. */
int ah_history_dir(char **out, ah_config *cfg);

/* Names of the snapshots (CFGHISTORY_nnnnnnnnnn), oldest first. */
int ah_history_list(ah_names *out, ah_config *cfg);

/* Called by ah_tx_commit after files were written: a history snapshot when
 * one is due. Never fails and leaves the thread's error as it was. */
void ah_history_after_write(ah_config *cfg);

#endif
