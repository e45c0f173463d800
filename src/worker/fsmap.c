/*
 * From a URL's physical path to an open file or folder.
 *
 * IIS runs on a case-insensitive file system; Linux names are not. As the
 * configuration engine does for web.config folders (docs/engine.md), a
 * segment that does not exist as written matches a name in the same folder
 * that differs only in case. The path as written is tried first, so a site
 * whose names match its links costs one open() per request.
 *
 * Files are opened O_NONBLOCK so that a FIFO in the content cannot stall
 * the loop; anything that is neither a regular file nor a folder is
 * reported as WK_OTHER and never read.
 */
#include "worker/worker.h"

#include "util/str.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <unistd.h>

#define OPEN_FLAGS (O_RDONLY | O_CLOEXEC | O_NONBLOCK | O_NOCTTY)

static void classify(wk_target *t, int fd)
{
	if (fstat(fd, &t->st) < 0) {
		close(fd);
		t->kind = WK_MISSING;
		return;
	}
	if (S_ISREG(t->st.st_mode)) {
		t->kind = WK_FILE;
	} else if (S_ISDIR(t->st.st_mode)) {
		t->kind = WK_DIR;
	} else {
		close(fd);
		t->kind = WK_OTHER;
		return;
	}
	t->fd = fd;
}

/* The entry of folder dfd whose name equals name but for case, or NULL. */
static const char *find_ci(ah_arena *a, int dfd, const char *name)
{
	int d2 = dup(dfd);
	if (d2 < 0)
		return NULL;
	DIR *dir = fdopendir(d2);
	if (!dir) {
		close(d2);
		return NULL;
	}
	rewinddir(dir);
	const char *found = NULL;
	struct dirent *de;
	while ((de = readdir(dir)) != NULL) {
		if (ah_strcaseeq(de->d_name, name)) {
			found = ah_arena_strdup(a, de->d_name);
			break;
		}
	}
	closedir(dir);
	return found;
}

/* openat with the case rule; *actual gets the name found. */
static int open_ci(ah_arena *a, int dfd, const char *name, const char **actual, int *err)
{
	*actual = name;
	int fd = openat(dfd, name, OPEN_FLAGS);
	if (fd >= 0 || errno != ENOENT) {
		*err = fd < 0 ? errno : 0;
		return fd;
	}
	const char *other = find_ci(a, dfd, name);
	if (!other) {
		*err = ENOENT;
		return -1;
	}
	*actual = other;
	fd = openat(dfd, other, OPEN_FLAGS);
	*err = fd < 0 ? errno : 0;
	return fd;
}

static int fail(wk_target *t, int err)
{
	t->kind = err == EACCES ? WK_DENIED : WK_MISSING;
	return 0;
}

static int walk(wk_target *t, ah_arena *a, const char *root, const char *rest)
{
	int dfd = open(root, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (dfd < 0)
		return fail(t, errno);
	ah_buf path = AH_BUF_INIT;
	ah_buf_puts(&path, root);
	const char *p = rest;
	bool trailing = false;
	while (*p) {
		while (*p == '/')
			p++;
		if (!*p) {
			trailing = true;
			break;
		}
		const char *end = strchr(p, '/');
		size_t n = end ? (size_t)(end - p) : strlen(p);
		char *seg = ah_arena_strndup(a, p, n);
		const char *actual;
		int err = ENOMEM;
		int fd = seg ? open_ci(a, dfd, seg, &actual, &err) : -1;
		close(dfd);
		if (fd < 0) {
			ah_buf_free(&path);
			return err == ENOMEM ? AH_ENOMEM : fail(t, err);
		}
		ah_buf_putc(&path, '/');
		ah_buf_puts(&path, actual);
		dfd = fd;
		p += n;
		struct stat st;
		if (*p && (fstat(dfd, &st) < 0 || !S_ISDIR(st.st_mode))) {
			close(dfd);
			ah_buf_free(&path);
			return fail(t, ENOENT);
		}
	}
	classify(t, dfd);
	if (trailing && t->kind == WK_FILE) {
		wk_target_close(t);
		t->kind = WK_MISSING;
	}
	t->path = ah_buf_oom(&path) ? NULL : ah_arena_strdup(a, ah_buf_cstr(&path));
	ah_buf_free(&path);
	if (!t->path) {
		wk_target_close(t);
		return AH_ENOMEM;
	}
	return 0;
}

int wk_fs_open(wk_target *t, ah_arena *a, const char *root, const char *rest)
{
	memset(t, 0, sizeof(*t));
	t->fd = -1;
	char *path = ah_arena_printf(a, "%s%s", root, rest);
	if (!path)
		return AH_ENOMEM;
	int fd = open(path, OPEN_FLAGS);
	if (fd >= 0) {
		t->path = path;
		classify(t, fd);
		return 0;
	}
	if (errno != ENOENT)
		return fail(t, errno);
	return walk(t, a, root, rest);
}

int wk_fs_open_at(wk_target *t, ah_arena *a, int dirfd, const char *dirpath, const char *name)
{
	memset(t, 0, sizeof(*t));
	t->fd = -1;
	const char *actual;
	int err;
	int fd = open_ci(a, dirfd, name, &actual, &err);
	if (fd < 0)
		return fail(t, err);
	t->path = ah_arena_printf(a, "%s/%s", dirpath, actual);
	if (!t->path) {
		close(fd);
		return AH_ENOMEM;
	}
	classify(t, fd);
	return 0;
}

void wk_target_close(wk_target *t)
{
	if (t->fd >= 0)
		close(t->fd);
	t->fd = -1;
}
