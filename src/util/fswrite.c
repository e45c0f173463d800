/*
 * Safe writes of configuration files: lock files and atomic, durable
 * replacement (see fs.h). This is the only place that renames files.
 *
 * The sequence for a replacement is the one that survives a crash at any step:
 *   1. write the new bytes to a temporary file in the same folder;
 *   2. fsync it, give it its owner and mode (the replaced file's, or the
 *      ones asked for) through its descriptor;
 *   3. rename it over the file (atomic on POSIX file systems);
 *   4. fsync the folder, so that the rename itself is durable.
 * A crash before 3 leaves the old file (and a stray temporary file, named
 * ".<name>.tmp.<random>", which the next writer to take the lock removes);
 * after 3, the new one.
 */
#include "fs.h"

#include "alloc.h"
#include "apphost/errors.h"
#include "buf.h"

#include <errno.h>
#include <dirent.h>
#include <fcntl.h>
#include <sys/file.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

static void sleep_ms(long ms)
{
	struct timespec ts = {ms / 1000, (ms % 1000) * 1000000L};
	while (nanosleep(&ts, &ts) < 0 && errno == EINTR)
		;
}

/*
 * The lock protocol. The owner holds an flock on the lock file for as long as
 * it owns it, so the kernel releases it when the owner dies, whatever happens
 * to its pid:
 *   - acquire: create a private file "<path>.lock.<pid>.<n>", flock it, then
 *     link() it to "<path>.lock" — the lock appears already held, never
 *     unlocked — and unlink the private name;
 *   - a lock file that can be flocked has no live owner (its owner died): it
 *     is broken while holding its flock and only if "<path>.lock" still names
 *     that very file (another writer may have broken and replaced it already);
 *   - release: unlink "<path>.lock" while holding the flock, then close.
 * The pid written in the file is for people reading it.
 */
static int open_locked_private(const char *lock_path, char **priv)
{
	static unsigned counter;
	ah_buf b = AH_BUF_INIT;
	ah_buf_printf(&b, "%s.%ld.%u", lock_path, (long)getpid(), counter++);
	if (ah_buf_oom(&b))
		return AH_ENOMEM;
	*priv = ah_buf_detach(&b);
	int fd = open(*priv, O_RDWR | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
	if (fd < 0)
		return -errno;
	char pid[32];
	int n = snprintf(pid, sizeof(pid), "%ld\n", (long)getpid());
	if (flock(fd, LOCK_EX) < 0 || write(fd, pid, (size_t)n) != n) {
		int e = errno;
		close(fd);
		unlink(*priv);
		return -e;
	}
	return fd;
}

/* Break the lock at lock_path when its owner is gone. True when it was broken
 * (or vanished): the caller retries at once. */
static bool break_if_stale(const char *lock_path)
{
	int fd = open(lock_path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return errno == ENOENT;
	bool broken = false;
	if (flock(fd, LOCK_EX | LOCK_NB) == 0) {
		struct stat held, now;
		if (fstat(fd, &held) == 0 && stat(lock_path, &now) == 0 &&
		    held.st_dev == now.st_dev && held.st_ino == now.st_ino) {
			unlink(lock_path);
			broken = true;
		} else {
			broken = true; /* replaced meanwhile: look again */
		}
	}
	close(fd);
	return broken;
}

/* Remove what writers killed while holding this lock left behind: temporary
 * files of the replacement (".<name>.tmp.*") and private lock files that no
 * live process holds. Only the lock holder calls this. */
static void clean_leftovers(const char *path)
{
	const char *slash = strrchr(path, '/');
	const char *base = slash ? slash + 1 : path;
	char *dir = slash ? ah_strndup(path, (size_t)(slash - path)) : ah_strdup(".");
	if (!dir)
		return;
	ah_buf tmp = AH_BUF_INIT, priv = AH_BUF_INIT;
	ah_buf_printf(&tmp, ".%s.tmp.", base);
	ah_buf_printf(&priv, "%s.lock.", base);
	DIR *d = opendir(*dir ? dir : "/");
	struct dirent *de;
	while (d && !ah_buf_oom(&tmp) && !ah_buf_oom(&priv) && (de = readdir(d))) {
		bool is_tmp = strncmp(de->d_name, tmp.ptr, tmp.len) == 0;
		bool is_priv = strncmp(de->d_name, priv.ptr, priv.len) == 0;
		if (!is_tmp && !is_priv)
			continue;
		ah_buf f = AH_BUF_INIT;
		ah_buf_printf(&f, "%s/%s", dir, de->d_name);
		if (ah_buf_oom(&f)) {
			ah_buf_free(&f);
			break;
		}
		if (is_tmp) {
			unlink(f.ptr);
		} else {
			int fd = open(f.ptr, O_RDONLY | O_CLOEXEC);
			if (fd >= 0 && flock(fd, LOCK_EX | LOCK_NB) == 0)
				unlink(f.ptr);
			if (fd >= 0)
				close(fd);
		}
		ah_buf_free(&f);
	}
	if (d)
		closedir(d);
	ah_buf_free(&tmp);
	ah_buf_free(&priv);
	ah_free(dir);
}

int ah_fs_lock_acquire(ah_fs_lock *l, const char *path, long timeout_ms)
{
	l->fd = -1;
	ah_buf b = AH_BUF_INIT;
	ah_buf_printf(&b, "%s.lock", path);
	if (ah_buf_oom(&b))
		return AH_ENOMEM;
	l->lock_path = ah_buf_detach(&b);
	long waited = 0, step = 1;
	for (;;) {
		char *priv = NULL;
		int fd = open_locked_private(l->lock_path, &priv);
		if (fd < 0) {
			int e = fd == AH_ENOMEM ? ENOMEM : -fd;
			ah_free(priv);
			ah_free(l->lock_path);
			l->lock_path = NULL;
			if (e == ENOMEM)
				return AH_ENOMEM;
			return ah_error_set(AH_EIO,
					    e == EACCES ? AH_HR_ACCESS_DENIED : AH_HR_PATH_NOT_FOUND,
					    path, 0, "Cannot create the lock file: %s", strerror(e));
		}
		int rc = link(priv, l->lock_path);
		int e = errno;
		unlink(priv);
		ah_free(priv);
		if (rc == 0) {
			l->fd = fd;
			clean_leftovers(path);
			return 0;
		}
		close(fd);
		if (e != EEXIST) {
			ah_free(l->lock_path);
			l->lock_path = NULL;
			return ah_error_set(AH_EIO, AH_HR_ACCESS_DENIED, path, 0,
					    "Cannot create the lock file: %s", strerror(e));
		}
		if (break_if_stale(l->lock_path))
			continue;
		if (waited >= timeout_ms) {
			ah_free(l->lock_path);
			l->lock_path = NULL;
			return ah_error_set(AH_ELOCKED, AH_HR_LOCK_VIOLATION, path, 0,
					    "The configuration file is locked by another writer");
		}
		sleep_ms(step);
		waited += step;
		if (step < 32)
			step *= 2;
	}
}

void ah_fs_lock_release(ah_fs_lock *l)
{
	if (!l->lock_path)
		return;
	if (l->fd >= 0) {
		unlink(l->lock_path); /* while still holding the flock */
		close(l->fd);
	}
	ah_free(l->lock_path);
	l->lock_path = NULL;
	l->fd = -1;
}

static int fsync_dir(const char *path)
{
	char *dir = ah_strdup(path);
	if (!dir)
		return AH_ENOMEM;
	char *slash = strrchr(dir, '/');
	if (slash == dir)
		slash[1] = '\0';
	else if (slash)
		*slash = '\0';
	else {
		ah_free(dir);
		dir = ah_strdup(".");
		if (!dir)
			return AH_ENOMEM;
	}
	int fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	ah_free(dir);
	if (fd < 0)
		return AH_EIO;
	int rc = fsync(fd) < 0 && errno != EINVAL ? AH_EIO : 0;
	close(fd);
	return rc;
}

static int write_all(int fd, const char *data, size_t len)
{
	while (len) {
		ssize_t n = write(fd, data, len);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			return -1;
		}
		data += n;
		len -= (size_t)n;
	}
	return 0;
}

/* The temporary file for path: ".<name>.tmp.XXXXXX" in the same folder. */
static int make_temp(char **t, const char *path)
{
	ah_buf tmp = AH_BUF_INIT;
	const char *slash = strrchr(path, '/');
	if (slash)
		ah_buf_printf(&tmp, "%.*s/.%s.tmp.XXXXXX", (int)(slash - path), path, slash + 1);
	else
		ah_buf_printf(&tmp, ".%s.tmp.XXXXXX", path);
	if (ah_buf_oom(&tmp))
		return AH_ENOMEM;
	*t = ah_buf_detach(&tmp);
	int fd = mkostemp(*t, O_CLOEXEC);
	if (fd < 0) {
		int e = errno;
		ah_free(*t);
		*t = NULL;
		return ah_error_set(AH_EIO, e == EACCES ? AH_HR_ACCESS_DENIED : AH_HR_PATH_NOT_FOUND,
				    path, 0, "Cannot write configuration file: %s", strerror(e));
	}
	return fd;
}

int ah_fs_write_atomic_perm(const char *path, const char *data, size_t len, const ah_fs_perm *perm)
{
	char *t = NULL;
	int fd = make_temp(&t, path);
	if (fd < 0)
		return fd;
	/* owner first: fchown may clear set-id bits that fchmod then sets */
	int rc = 0;
	if (write_all(fd, data, len) < 0 || fsync(fd) < 0)
		rc = AH_EIO;
	if (rc == 0 && perm->set_owner && fchown(fd, perm->uid, perm->gid) < 0)
		rc = AH_EIO;
	if (rc == 0 && fchmod(fd, perm->mode & 07777) < 0)
		rc = AH_EIO;
	int e = errno;
	if (close(fd) < 0 && rc == 0)
		rc = AH_EIO, e = errno;
	if (rc == 0 && rename(t, path) < 0)
		rc = AH_EIO, e = errno;
	if (rc < 0) {
		unlink(t);
		ah_free(t);
		return ah_error_set(rc, e == EACCES ? AH_HR_ACCESS_DENIED : AH_HR_INVALID_DATA, path,
				    0, "Cannot write configuration file: %s", strerror(e));
	}
	ah_free(t);
	rc = fsync_dir(path);
	if (rc == AH_EIO)
		return ah_error_set(rc, AH_HR_INVALID_DATA, path, 0,
				    "The configuration file was replaced, but its folder could not be "
				    "synchronized to disk: %s",
				    strerror(errno));
	return rc;
}

int ah_fs_write_atomic(const char *path, const char *data, size_t len, unsigned mode_if_new)
{
	struct stat st;
	ah_fs_perm perm = {.mode = mode_if_new};
	if (stat(path, &st) == 0) {
		perm.mode = st.st_mode & 07777;
		perm.set_owner = geteuid() == 0;
		perm.uid = st.st_uid;
		perm.gid = st.st_gid;
	}
	return ah_fs_write_atomic_perm(path, data, len, &perm);
}

int ah_fs_mkdirs(const char *dir)
{
	char *d = ah_strdup(dir);
	if (!d)
		return AH_ENOMEM;
	for (char *p = d + 1; *p; p++) {
		if (*p != '/')
			continue;
		*p = '\0';
		if (mkdir(d, 0755) < 0 && errno != EEXIST) {
			ah_free(d);
			return AH_EIO;
		}
		*p = '/';
	}
	int rc = mkdir(d, 0755) < 0 && errno != EEXIST ? AH_EIO : 0;
	ah_free(d);
	return rc;
}
