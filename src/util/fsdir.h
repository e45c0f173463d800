/*
 * Folders of whole files, for snapshots of the configuration (backups and
 * configuration history): listing a folder, creating a file durably inside a
 * folder being built, renaming a folder into place, and removing one.
 *
 * A snapshot folder is built under a hidden temporary name (".NAME.tmp.XXXXXX")
 * and renamed to its real name only once every file in it is written and
 * fsync'd, so a crash never leaves a half-written snapshot under a real name.
 * Removal works the other way round: the folder is first renamed to a hidden
 * name, then emptied. Hidden names (a leading '.') are never snapshots.
 *
 * Part of the file system layer with fswrite.c: the only other place that
 * renames.
 */
#ifndef AH_UTIL_FSDIR_H
#define AH_UTIL_FSDIR_H

#include <stdbool.h>
#include <stddef.h>

/* The names in folder dir (without "." and ".."), in no particular order.
 * *names is a heap array of heap strings: free with ah_fs_names_free.
 * AH_ENOTFOUND when dir does not exist. */
int ah_fs_list(char ***names, size_t *n, const char *dir);
void ah_fs_names_free(char **names, size_t n);

/* Create path (which must not exist) with data, written and fsync'd. */
int ah_fs_create_durable(const char *path, const char *data, size_t len, unsigned mode);

/* A fresh hidden folder in parent, named ".<stem>.tmp.XXXXXX" (heap string). */
int ah_fs_make_temp_dir(char **out, const char *parent, const char *stem);

/* Rename from to `to` in the same folder and fsync the folder. AH_EEXISTS
 * when `to` exists (never replaced). */
int ah_fs_rename_noreplace(const char *from, const char *to);

/* Remove folder dir and everything in it: renamed first to a hidden name in
 * its parent (so it disappears at once), then emptied. */
int ah_fs_remove_tree(const char *dir);

/* fsync a folder (after creating, renaming or removing entries in it). */
int ah_fs_sync_dir(const char *dir);

/* Remove a file and fsync its folder; a missing file is not an error. */
int ah_fs_unlink_durable(const char *path);

#endif
