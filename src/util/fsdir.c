/*
 * Folders of whole files (see fsdir.h): the building blocks of backups and
 * configuration history snapshots. Every change to a folder's entries is
 * followed by an fsync of that folder, so that what a caller was told is done
 * survives a crash.
 */
#include "fsdir.h"

#include "alloc.h"
#include "apphost/errors.h"
#include "buf.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static int io_error(const char *path, const char *what, int e)
{
	return ah_error_set(e == ENOMEM ? AH_ENOMEM : AH_EIO,
			    e == EACCES || e == EPERM ? AH_HR_ACCESS_DENIED : AH_HR_PATH_NOT_FOUND,
			    path, 0, "%s: %s", what, strerror(e));
}

void ah_fs_names_free(char **names, size_t n)
{
	if (!names)
		return;
	for (size_t i = 0; i < n; i++)
		ah_free(names[i]);
	ah_free(names);
}

int ah_fs_list(char ***names, size_t *n, const char *dir)
{
	*names = NULL;
	*n = 0;
	DIR *d = opendir(dir);
	if (!d) {
		if (errno == ENOENT || errno == ENOTDIR)
			return AH_ENOTFOUND;
		return io_error(dir, "Cannot read the folder", errno);
	}
	char **v = NULL;
	size_t len = 0, cap = 0;
	int rc = 0;
	struct dirent *de;
	errno = 0;
	while (rc == 0 && (de = readdir(d)) != NULL) {
		if (strcmp(de->d_name, ".") == 0 || strcmp(de->d_name, "..") == 0)
			continue;
		if (len == cap) {
			size_t nc = cap ? cap * 2 : 16;
			char **nv = ah_realloc(v, nc * sizeof(*nv));
			if (!nv) {
				rc = AH_ENOMEM;
				break;
			}
			v = nv;
			cap = nc;
		}
		if (!(v[len] = ah_strdup(de->d_name)))
			rc = AH_ENOMEM;
		else
			len++;
	}
	closedir(d);
	if (rc < 0) {
		ah_fs_names_free(v, len);
		return rc;
	}
	*names = v;
	*n = len;
	return 0;
}

static int write_all(int fd, const char *data, size_t len)
{
	while (len) {
		ssize_t w = write(fd, data, len);
		if (w < 0) {
			if (errno == EINTR)
				continue;
			return -1;
		}
		data += w;
		len -= (size_t)w;
	}
	return 0;
}

int ah_fs_create_durable(const char *path, const char *data, size_t len, unsigned mode)
{
	int fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, mode);
	if (fd < 0)
		return io_error(path, "Cannot create the file", errno);
	int e = 0;
	if (write_all(fd, data, len) < 0 || fsync(fd) < 0)
		e = errno;
	if (close(fd) < 0 && !e)
		e = errno;
	if (e) {
		unlink(path);
		return io_error(path, "Cannot write the file", e);
	}
	return 0;
}

int ah_fs_make_temp_dir(char **out, const char *parent, const char *stem)
{
	*out = NULL;
	ah_buf b = AH_BUF_INIT;
	ah_buf_printf(&b, "%s/.%s.tmp.XXXXXX", parent, stem);
	if (ah_buf_oom(&b))
		return AH_ENOMEM;
	char *t = ah_buf_detach(&b);
	if (!mkdtemp(t)) {
		int e = errno;
		ah_free(t);
		return io_error(parent, "Cannot create a folder", e);
	}
	*out = t;
	return 0;
}

/* The folder part of path (heap string). */
static char *parent_of(const char *path)
{
	const char *slash = strrchr(path, '/');
	if (!slash)
		return ah_strdup(".");
	if (slash == path)
		return ah_strdup("/");
	return ah_strndup(path, (size_t)(slash - path));
}

int ah_fs_sync_dir(const char *dir)
{
	int fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd < 0)
		return io_error(dir, "Cannot open the folder", errno);
	int rc = 0;
	if (fsync(fd) < 0 && errno != EINVAL)
		rc = io_error(dir, "Cannot flush the folder", errno);
	close(fd);
	return rc;
}

static int sync_parent(const char *path)
{
	char *dir = parent_of(path);
	if (!dir)
		return AH_ENOMEM;
	int rc = ah_fs_sync_dir(dir);
	ah_free(dir);
	return rc;
}

int ah_fs_rename_noreplace(const char *from, const char *to)
{
	if (renameat2(AT_FDCWD, from, AT_FDCWD, to, RENAME_NOREPLACE) < 0) {
		int e = errno;
		if (e == EEXIST)
			return AH_EEXISTS;
		if (e != EINVAL && e != ENOSYS)
			return io_error(to, "Cannot rename", e);
		/* a file system without RENAME_NOREPLACE: callers hold a lock
		 * that keeps other writers of these names out */
		struct stat st;
		if (lstat(to, &st) == 0)
			return AH_EEXISTS;
		if (rename(from, to) < 0)
			return io_error(to, "Cannot rename", errno);
	}
	return sync_parent(to);
}

/* Remove everything inside dir, then dir itself. */
static int remove_contents(const char *dir)
{
	char **names;
	size_t n;
	int rc = ah_fs_list(&names, &n, dir);
	if (rc == AH_ENOTFOUND)
		return 0;
	if (rc < 0)
		return rc;
	for (size_t i = 0; i < n && rc == 0; i++) {
		ah_buf p = AH_BUF_INIT;
		ah_buf_printf(&p, "%s/%s", dir, names[i]);
		if (ah_buf_oom(&p)) {
			rc = AH_ENOMEM;
			break;
		}
		struct stat st;
		if (lstat(ah_buf_cstr(&p), &st) == 0 && S_ISDIR(st.st_mode))
			rc = remove_contents(ah_buf_cstr(&p));
		else if (unlink(ah_buf_cstr(&p)) < 0 && errno != ENOENT)
			rc = io_error(ah_buf_cstr(&p), "Cannot remove the file", errno);
		ah_buf_free(&p);
	}
	ah_fs_names_free(names, n);
	if (rc == 0 && rmdir(dir) < 0 && errno != ENOENT)
		rc = io_error(dir, "Cannot remove the folder", errno);
	return rc;
}

int ah_fs_remove_tree(const char *dir)
{
	char *parent = parent_of(dir);
	if (!parent)
		return AH_ENOMEM;
	const char *base = strrchr(dir, '/');
	base = base ? base + 1 : dir;
	char *hidden = NULL;
	int rc = 0;
	if (base[0] == '.') {
		/* already hidden (a leftover of an interrupted operation) */
		hidden = ah_strdup(dir);
		if (!hidden)
			rc = AH_ENOMEM;
	} else {
		rc = ah_fs_make_temp_dir(&hidden, parent, base);
		/* rename over the fresh empty folder: atomic, and the name is ours */
		if (rc == 0 && rename(dir, hidden) < 0) {
			int e = errno;
			rmdir(hidden);
			rc = e == ENOENT ? AH_ENOTFOUND : io_error(dir, "Cannot remove the folder", e);
		}
		if (rc == 0)
			rc = ah_fs_sync_dir(parent);
	}
	if (rc == 0)
		rc = remove_contents(hidden);
	if (rc == 0)
		rc = ah_fs_sync_dir(parent);
	ah_free(hidden);
	ah_free(parent);
	return rc;
}

int ah_fs_unlink_durable(const char *path)
{
	if (unlink(path) < 0) {
		if (errno == ENOENT)
			return 0;
		return io_error(path, "Cannot remove the file", errno);
	}
	return sync_parent(path);
}
