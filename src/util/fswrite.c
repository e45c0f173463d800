/*
 * Safe writes of configuration files: lock files and atomic, durable
 * replacement (see fs.h). This is the only place that renames files.
 *
 * The sequence for a replacement is the one that survives a crash at any step:
 *   1. write the new bytes to a temporary file in the same folder;
 *   2. fsync it, give it the replaced file's mode and owner;
 *   3. rename it over the file (atomic on POSIX file systems);
 *   4. fsync the folder, so that the rename itself is durable.
 * A crash before 3 leaves the old file (and a stray temporary file, named
 * ".<name>.tmp.<random>"); after 3, the new one.
 */
#include "fs.h"

#include "alloc.h"
#include "apphost/errors.h"
#include "buf.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
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

/* True when the lock file names a process that is gone. */
static bool lock_is_stale(const char *lock_path)
{
	char buf[32] = {0};
	int fd = open(lock_path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return false;
	ssize_t n = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	if (n <= 0) {
		/* an empty lock: its owner died between create and write, or is
		 * writing now; stale only when old */
		struct stat st;
		return stat(lock_path, &st) == 0 && time(NULL) - st.st_mtime > 5;
	}
	long pid = strtol(buf, NULL, 10);
	if (pid <= 0)
		return true;
	return kill((pid_t)pid, 0) < 0 && errno == ESRCH;
}

int ah_fs_lock_acquire(ah_fs_lock *l, const char *path, long timeout_ms)
{
	l->fd = -1;
	ah_buf b = AH_BUF_INIT;
	ah_buf_printf(&b, "%s.lock", path);
	if (ah_buf_oom(&b))
		return AH_ENOMEM;
	l->lock_path = ah_buf_detach(&b);
	long waited = 0, step = 2;
	for (;;) {
		int fd = open(l->lock_path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
		if (fd >= 0) {
			char pid[32];
			int n = snprintf(pid, sizeof(pid), "%ld\n", (long)getpid());
			if (write(fd, pid, (size_t)n) != n) {
				close(fd);
				unlink(l->lock_path);
				ah_free(l->lock_path);
				l->lock_path = NULL;
				return ah_error_set(AH_EIO, AH_HR_ACCESS_DENIED, path, 0,
						    "Cannot write the lock file: %s", strerror(errno));
			}
			l->fd = fd;
			return 0;
		}
		if (errno != EEXIST) {
			int e = errno;
			ah_free(l->lock_path);
			l->lock_path = NULL;
			return ah_error_set(AH_EIO,
					    e == EACCES ? AH_HR_ACCESS_DENIED : AH_HR_PATH_NOT_FOUND,
					    path, 0, "Cannot create the lock file: %s", strerror(e));
		}
		if (lock_is_stale(l->lock_path)) {
			unlink(l->lock_path);
			continue;
		}
		if (waited >= timeout_ms) {
			ah_free(l->lock_path);
			l->lock_path = NULL;
			return ah_error_set(AH_ELOCKED, AH_HR_LOCK_VIOLATION, path, 0,
					    "The configuration file is locked by another writer");
		}
		sleep_ms(step);
		waited += step;
		if (step < 50)
			step *= 2;
	}
}

void ah_fs_lock_release(ah_fs_lock *l)
{
	if (!l->lock_path)
		return;
	if (l->fd >= 0)
		close(l->fd);
	unlink(l->lock_path);
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

int ah_fs_write_atomic(const char *path, const char *data, size_t len, unsigned mode_if_new)
{
	ah_buf tmp = AH_BUF_INIT;
	const char *slash = strrchr(path, '/');
	if (slash)
		ah_buf_printf(&tmp, "%.*s/.%s.tmp.XXXXXX", (int)(slash - path), path, slash + 1);
	else
		ah_buf_printf(&tmp, ".%s.tmp.XXXXXX", path);
	if (ah_buf_oom(&tmp))
		return AH_ENOMEM;
	char *t = ah_buf_detach(&tmp);
	int fd = mkostemp(t, O_CLOEXEC);
	if (fd < 0) {
		int e = errno;
		ah_free(t);
		return ah_error_set(AH_EIO, e == EACCES ? AH_HR_ACCESS_DENIED : AH_HR_PATH_NOT_FOUND,
				    path, 0, "Cannot write configuration file: %s", strerror(e));
	}
	struct stat st;
	bool existed = stat(path, &st) == 0;
	int rc = 0;
	if (write_all(fd, data, len) < 0 || fsync(fd) < 0)
		rc = AH_EIO;
	if (rc == 0 && fchmod(fd, existed ? (st.st_mode & 07777) : mode_if_new) < 0)
		rc = AH_EIO;
	if (rc == 0 && existed && geteuid() == 0 && fchown(fd, st.st_uid, st.st_gid) < 0)
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
	return fsync_dir(path);
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
