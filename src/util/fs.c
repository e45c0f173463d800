/* File system helpers (see fs.h). */
#include "fs.h"

#include "alloc.h"
#include "apphost/errors.h"

#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static void fill_id(ah_file_id *id, const struct stat *st)
{
	id->dev = st->st_dev;
	id->ino = st->st_ino;
	id->size = st->st_size;
	id->mtime_ns = (int64_t)st->st_mtim.tv_sec * 1000000000 + st->st_mtim.tv_nsec;
	id->ctime_ns = (int64_t)st->st_ctim.tv_sec * 1000000000 + st->st_ctim.tv_nsec;
}

int ah_fs_read(char **out, size_t *len, ah_file_id *id, const char *path)
{
	*out = NULL;
	*len = 0;
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return errno == ENOENT || errno == ENOTDIR ? AH_ENOTFOUND : AH_EIO;
	struct stat st;
	if (fstat(fd, &st) < 0 || !S_ISREG(st.st_mode)) {
		int e = S_ISDIR(st.st_mode) ? EISDIR : errno;
		close(fd);
		errno = e;
		return AH_EIO;
	}
	size_t cap = (size_t)st.st_size + 1, n = 0;
	char *buf = ah_malloc(cap);
	if (!buf) {
		close(fd);
		return AH_ENOMEM;
	}
	for (;;) {
		if (n + 1 >= cap) {
			char *nb = ah_realloc(buf, cap * 2);
			if (!nb) {
				ah_free(buf);
				close(fd);
				return AH_ENOMEM;
			}
			buf = nb;
			cap *= 2;
		}
		ssize_t r = read(fd, buf + n, cap - n - 1);
		if (r < 0) {
			if (errno == EINTR)
				continue;
			int e = errno;
			ah_free(buf);
			close(fd);
			errno = e;
			return AH_EIO;
		}
		if (r == 0)
			break;
		n += (size_t)r;
	}
	buf[n] = '\0';
	if (id)
		fill_id(id, &st);
	close(fd);
	*out = buf;
	*len = n;
	return 0;
}

int ah_fs_stat(ah_file_id *id, const char *path)
{
	struct stat st;
	if (stat(path, &st) < 0)
		return errno == ENOENT || errno == ENOTDIR ? AH_ENOTFOUND : AH_EIO;
	fill_id(id, &st);
	return 0;
}

bool ah_fs_id_equal(const ah_file_id *a, const ah_file_id *b)
{
	return a->dev == b->dev && a->ino == b->ino && a->size == b->size &&
	       a->mtime_ns == b->mtime_ns && a->ctime_ns == b->ctime_ns;
}

bool ah_fs_is_dir(const char *path)
{
	struct stat st;
	return stat(path, &st) == 0 && S_ISDIR(st.st_mode);
}

bool ah_fs_exists(const char *path)
{
	struct stat st;
	return stat(path, &st) == 0;
}
