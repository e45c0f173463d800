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



/*
 * Writing a configuration file safely.
 *
 * ah_fs_lock takes `<path>.lock` (created with O_EXCL, holding the pid of its
 * owner); a lock left by a process that no longer exists is broken. It waits
 * up to timeout_ms for a live owner, then returns AH_ELOCKED.
 *
 * ah_fs_write_atomic replaces path with data: a temporary file in the same
 * folder, written and fsync'd, given the mode (and, as root, the owner) of the
 * file it replaces, renamed over it, then the folder fsync'd. Readers see the
 * old or the new file, never a mix; a crash leaves one of the two.
 */
typedef struct ah_fs_lock {
	char *lock_path;
	int fd;
} ah_fs_lock;

int ah_fs_lock_acquire(ah_fs_lock *l, const char *path, long timeout_ms);
void ah_fs_lock_release(ah_fs_lock *l);
/* mode_if_new is used when path does not exist yet. */
int ah_fs_write_atomic(const char *path, const char *data, size_t len, unsigned mode_if_new);

/* The owner and mode a file gets as it is made. */
typedef struct ah_fs_perm {
	unsigned mode;
	bool set_owner; /* also uid:gid (root only); else the writer's */
	uid_t uid;
	gid_t gid;
} ah_fs_perm;

/* As ah_fs_write_atomic, but the new file gets exactly perm, set through the
 * temporary file's descriptor before the rename: path never names a file
 * with another owner or mode, and nothing is changed through a path (which
 * someone could have replaced with a symbolic link meanwhile). */
int ah_fs_write_atomic_perm(const char *path, const char *data, size_t len, const ah_fs_perm *perm);
/* Create the folders of path (mkdir -p), mode 0755. */
int ah_fs_mkdirs(const char *dir);
#endif
