/*
 * File system helpers: whole-file reads with the identity needed to notice a
 * change on disk, and path joining.
 */
#ifndef AH_UTIL_FS_H
#define AH_UTIL_FS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

/* What identifies one version of a file on disk. */
typedef struct ah_file_id {
	dev_t dev;
	ino_t ino;
	off_t size;
	int64_t mtime_ns;
	int64_t ctime_ns;
} ah_file_id;

/* Read a whole file into a heap buffer (NUL-terminated; free with ah_free).
 * Returns 0, AH_ENOTFOUND (missing), AH_EIO (other errors; errno kept) or
 * AH_ENOMEM. id may be NULL. */
int ah_fs_read(char **out, size_t *len, ah_file_id *id, const char *path);
/* Identity of a file now; AH_ENOTFOUND when missing. */
int ah_fs_stat(ah_file_id *id, const char *path);
bool ah_fs_id_equal(const ah_file_id *a, const ah_file_id *b);
bool ah_fs_is_dir(const char *path);
bool ah_fs_exists(const char *path);

#endif
