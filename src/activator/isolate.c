/*
 * Rendering a pool's isolated configuration (see isolate.h). expat reads
 * applicationHost.config once and reports where each element starts and
 * ends in the text; the elements that must go, and the start tags that
 * must lose an attribute, become edits, and the output is the source with
 * the edits applied. An element that goes takes its whole lines with it
 * when it is alone on them, so the file keeps its layout.
 */
#include "isolate.h"

#include "logacl.h"
#include "util/alloc.h"
#include "util/buf.h"
#include "util/fs.h"
#include "util/str.h"

#include <dirent.h>
#include <errno.h>
#include <expat.h>
#include <fcntl.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define MAX_DEPTH 256

enum role {
	R_OTHER,
	R_ROOT,        /* <configuration> */
	R_GLOBAL_LOC,  /* <location path=""> or "." directly in <configuration> */
	R_APPHOST,     /* <system.applicationHost> */
	R_SITES,
	R_SITE,        /* a kept <site> */
	R_POOLS,       /* <applicationPools> */
	R_POOL_INNER,  /* inside <applicationPools>: passwords are removed */
	R_ANCESTOR,    /* another pool's application above one of the pool's:
			  kept for its folders, without passwords */
};

typedef struct edit {
	size_t start, end;
	char *repl; /* NULL: delete */
} edit;

typedef struct frame {
	enum role role;
	size_t start, tag_end;
	bool drop;
} frame;

typedef struct iso {
	XML_Parser parser;
	const char *src;
	size_t len;
	const ad_model *m;
	const char *pool;
	frame stack[MAX_DEPTH];
	int depth;
	int drop_depth; /* > 0: inside an element that goes */
	const ad_site *site;
	edit *edits;
	size_t nedits, cedits;
	bool oom, too_deep;
} iso;

static const char *attr(const char **atts, const char *name)
{
	for (int i = 0; atts[i]; i += 2)
		if (strcmp(atts[i], name) == 0)
			return atts[i + 1];
	return NULL;
}

static void add_edit(iso *st, size_t start, size_t end, char *repl)
{
	if (st->nedits == st->cedits) {
		size_t c = st->cedits ? st->cedits * 2 : 32;
		edit *e = ah_realloc(st->edits, c * sizeof(*e));
		if (!e) {
			st->oom = true;
			ah_free(repl);
			return;
		}
		st->edits = e;
		st->cedits = c;
	}
	st->edits[st->nedits++] = (edit){start, end, repl};
}

/* Segment prefix: "/a" of "/a" and "/a/b"; "/" of everything. */
static bool under(const char *path, const char *prefix)
{
	size_t n = strlen(prefix);
	while (n > 1 && prefix[n - 1] == '/')
		n--;
	if (n == 1 && prefix[0] == '/')
		return true;
	return ah_strncaseeq(path, prefix, n) && (path[n] == '\0' || path[n] == '/');
}

/* a is another pool's application of the site that holds one of the pool's:
 * its folders, and the web.config files in them, are the parents of the
 * pool's application, so the worker needs its virtual directories. */
static bool ancestor_app(const iso *st, const ad_app *a)
{
	for (size_t i = 0; i < st->site->napps; i++) {
		const ad_app *o = &st->site->apps[i];
		if (o != a && ah_strcaseeq(o->pool, st->pool) && under(o->path, a->path))
			return true;
	}
	return false;
}

static bool location_applies(const iso *st, const char *path)
{
	char name[1024];
	const char *slash = strchr(path, '/');
	size_t n = slash ? (size_t)(slash - path) : strlen(path);
	if (n == 0 || n >= sizeof(name))
		return false;
	memcpy(name, path, n);
	name[n] = '\0';
	const ad_site *s = ad_model_site(st->m, name);
	if (!s)
		return false;
	const char *url = slash && slash[1] ? slash : "/";
	const ad_app *a = ad_model_app_for(s, url);
	if (a && ah_strcaseeq(a->pool, st->pool))
		return true;
	for (size_t i = 0; i < s->napps; i++)
		if (ah_strcaseeq(s->apps[i].pool, st->pool) && under(s->apps[i].path, url))
			return true;
	return false;
}

/* The start tag at src[start, end) without its password attribute. */
static char *without_password(const char *tag, size_t len)
{
	size_t i = 1;
	while (i < len && !strchr(" \t\r\n/>", tag[i]))
		i++;
	for (;;) {
		size_t ws = i;
		while (i < len && strchr(" \t\r\n", tag[i]))
			i++;
		if (i >= len || tag[i] == '/' || tag[i] == '>')
			return NULL;
		size_t name = i;
		while (i < len && !strchr(" \t\r\n=", tag[i]))
			i++;
		size_t name_len = i - name;
		while (i < len && tag[i] != '"' && tag[i] != '\'')
			i++;
		if (i >= len)
			return NULL;
		char q = tag[i++];
		while (i < len && tag[i] != q)
			i++;
		if (i >= len)
			return NULL;
		i++;
		if (name_len == 8 && memcmp(tag + name, "password", 8) == 0) {
			ah_buf b = AH_BUF_INIT;
			ah_buf_put(&b, tag, ws);
			ah_buf_put(&b, tag + i, len - i);
			return ah_buf_oom(&b) ? NULL : ah_buf_detach(&b);
		}
	}
}

static enum role classify(iso *st, enum role parent, const char *name, const char **atts,
			  bool *drop)
{
	const char *v;
	switch (parent) {
	case R_OTHER:
		return R_OTHER;
	case R_ROOT:
		if (strcmp(name, "location") == 0) {
			v = attr(atts, "path");
			if (!v || !*v || strcmp(v, ".") == 0)
				return R_GLOBAL_LOC;
			*drop = !location_applies(st, v);
			return R_OTHER;
		}
		/* fall through */
	case R_GLOBAL_LOC:
		return strcmp(name, "system.applicationHost") == 0 ? R_APPHOST : R_OTHER;
	case R_APPHOST:
		if (strcmp(name, "sites") == 0)
			return R_SITES;
		return strcmp(name, "applicationPools") == 0 ? R_POOLS : R_OTHER;
	case R_SITES:
		if (strcmp(name, "site") != 0)
			return R_OTHER;
		v = attr(atts, "name");
		st->site = v ? ad_model_site(st->m, v) : NULL;
		*drop = !st->site || !ad_model_site_uses_pool(st->site, st->pool);
		return R_SITE;
	case R_SITE:
		if (strcmp(name, "application") == 0) {
			v = attr(atts, "path");
			const ad_app *a = v ? ad_model_app(st->site, v) : NULL;
			if (a && !ah_strcaseeq(a->pool, st->pool) && ancestor_app(st, a))
				return R_ANCESTOR;
			*drop = !a || !ah_strcaseeq(a->pool, st->pool);
		}
		return R_OTHER;
	case R_ANCESTOR:
		return R_ANCESTOR;
	case R_POOLS:
		if (strcmp(name, "add") == 0 || strcmp(name, "remove") == 0) {
			v = attr(atts, "name");
			*drop = !v || !ah_strcaseeq(v, st->pool);
		}
		return R_POOL_INNER;
	case R_POOL_INNER:
		return R_POOL_INNER;
	}
	return R_OTHER;
}

static void XMLCALL on_start(void *ud, const XML_Char *name, const XML_Char **atts)
{
	iso *st = ud;
	if (st->depth >= MAX_DEPTH) {
		st->too_deep = true;
		XML_StopParser(st->parser, XML_FALSE);
		return;
	}
	frame *f = &st->stack[st->depth];
	f->start = (size_t)XML_GetCurrentByteIndex(st->parser);
	f->tag_end = f->start + (size_t)XML_GetCurrentByteCount(st->parser);
	f->drop = false;
	f->role = R_OTHER;
	st->depth++;
	if (st->drop_depth)
		return;
	enum role parent = st->depth == 1 ? R_OTHER : st->stack[st->depth - 2].role;
	if (st->depth == 1) {
		f->role = R_ROOT;
		return;
	}
	f->role = classify(st, parent, name, atts, &f->drop);
	if (f->drop) {
		st->drop_depth = st->depth;
		return;
	}
	if ((f->role == R_POOL_INNER || f->role == R_ANCESTOR) && attr(atts, "password")) {
		char *t = without_password(st->src + f->start, f->tag_end - f->start);
		if (t)
			add_edit(st, f->start, f->tag_end, t);
		else
			st->oom = true;
	}
}

/* Widen a deletion to whole lines when the element is alone on them. */
static void whole_lines(const iso *st, size_t floor, size_t *start, size_t *end)
{
	size_t s = *start, e = *end;
	while (s > floor && (st->src[s - 1] == ' ' || st->src[s - 1] == '\t'))
		s--;
	if (s != 0 && st->src[s - 1] != '\n')
		return;
	while (e < st->len && (st->src[e] == ' ' || st->src[e] == '\t'))
		e++;
	if (e + 1 < st->len && st->src[e] == '\r' && st->src[e + 1] == '\n')
		e += 2;
	else if (e < st->len && st->src[e] == '\n')
		e++;
	else
		return;
	*start = s;
	*end = e;
}

static void XMLCALL on_end(void *ud, const XML_Char *name)
{
	iso *st = ud;
	(void)name;
	frame *f = &st->stack[--st->depth];
	if (!f->drop)
		return;
	size_t count = (size_t)XML_GetCurrentByteCount(st->parser);
	size_t end = count ? (size_t)XML_GetCurrentByteIndex(st->parser) + count : f->tag_end;
	size_t start = f->start;
	size_t floor = st->nedits ? st->edits[st->nedits - 1].end : 0;
	whole_lines(st, floor, &start, &end);
	add_edit(st, start, end, NULL);
	st->drop_depth = 0;
}

int ad_isolate_render(char **out, size_t *outlen, const char *src, size_t len,
		      const ad_model *m, const char *pool)
{
	*out = NULL;
	iso st = {.src = src, .len = len, .m = m, .pool = pool};
	st.parser = XML_ParserCreate(NULL);
	if (!st.parser)
		return AH_ENOMEM;
	XML_SetUserData(st.parser, &st);
	XML_SetElementHandler(st.parser, on_start, on_end);
	int rc = 0;
	if (len > INT32_MAX ||
	    XML_Parse(st.parser, src, (int)len, XML_TRUE) != XML_STATUS_OK || st.too_deep)
		rc = AH_ECONFIG;
	else if (st.oom)
		rc = AH_ENOMEM;
	XML_ParserFree(st.parser);
	ah_buf b = AH_BUF_INIT;
	size_t pos = 0;
	for (size_t i = 0; i < st.nedits; i++) {
		edit *e = &st.edits[i];
		if (rc == 0) {
			ah_buf_put(&b, src + pos, e->start - pos);
			if (e->repl)
				ah_buf_puts(&b, e->repl);
			pos = e->end;
		}
		ah_free(e->repl);
	}
	ah_free(st.edits);
	if (rc < 0) {
		ah_buf_free(&b);
		return rc;
	}
	ah_buf_put(&b, src + pos, len - pos);
	if (ah_buf_oom(&b)) {
		ah_buf_free(&b);
		return AH_ENOMEM;
	}
	*outlen = b.len;
	*out = ah_buf_detach(&b);
	return 0;
}

/*
 * What the file at path holds against what is to be written, without ever
 * blocking or following a link: the worker could once write its folder and
 * may have left a FIFO or a symbolic link there. Anything but a regular file
 * of len bytes is different without being read. The file's own owner and
 * mode are compared too (a file of an older layout is written again).
 */
enum { SAME, OTHER_PERM, OTHER_CONTENT };

static int compare(const char *path, const char *data, size_t len, const ah_fs_perm *perm)
{
	int fd = open(path, O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC);
	if (fd < 0)
		return OTHER_CONTENT;
	struct stat st;
	int res = SAME;
	if (fstat(fd, &st) < 0 || !S_ISREG(st.st_mode) || (uintmax_t)st.st_size != len)
		res = OTHER_CONTENT;
	char chunk[4096];
	for (size_t off = 0; res == SAME && off < len;) {
		ssize_t n = read(fd, chunk, len - off < sizeof(chunk) ? len - off : sizeof(chunk));
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0 || memcmp(chunk, data + off, (size_t)n) != 0)
			res = OTHER_CONTENT;
		else
			off += (size_t)n;
	}
	if (res == SAME && ((st.st_mode & 07777) != (perm->mode & 07777) ||
			    (perm->set_owner && (st.st_uid != perm->uid || st.st_gid != perm->gid))))
		res = OTHER_PERM;
	close(fd);
	return res;
}

int ad_isolate_write(const char *path, const char *data, size_t len, const ah_fs_perm *perm,
		     bool *changed)
{
	int cmp = compare(path, data, len, perm);
	*changed = cmp == OTHER_CONTENT;
	if (cmp == SAME)
		return 0;
	return ah_fs_write_atomic_perm(path, data, len, perm) < 0 ? AH_EIO : 0;
}

void ad_isolate_perms(ah_fs_perm *file, ah_fs_perm *dir, const ad_creds *c)
{
	*file = (ah_fs_perm){.mode = c->change ? 0440 : 0400, .set_owner = c->change,
			     .uid = 0, .gid = c->pool_gid};
	*dir = *file;
	dir->mode = c->change ? 0750 : 0700;
}

/* Open dir (made when missing), a folder and not a link. */
static int open_dir_at(int at, const char *name, unsigned make_mode)
{
	if (mkdirat(at, name, make_mode) < 0 && errno != EEXIST)
		return -1;
	return openat(at, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
}

static int set_dir_perm(int fd, const ah_fs_perm *perm)
{
	if (perm->set_owner && fchown(fd, perm->uid, perm->gid) < 0)
		return AH_EIO;
	return fchmod(fd, perm->mode & 07777) < 0 ? AH_EIO : 0;
}

int ad_isolate_dir(const char *dir, const ah_fs_perm *perm)
{
	if (ah_fs_mkdirs(dir) < 0)
		return AH_EIO;
	int fd = open_dir_at(AT_FDCWD, dir, 0700);
	if (fd < 0)
		return AH_EIO;
	int rc = set_dir_perm(fd, perm);
	close(fd);
	return rc;
}

/*
 * The log files already in a log folder whose owning group or layout was
 * not this one (an earlier version, or the site's root application now in
 * another pool): each regular file gets the folder's group and group
 * read-write, so the pool's workers append to the current file. Through
 * descriptors (openat O_NOFOLLOW), never through a path; links and other
 * kinds of files are left alone.
 */
static void adopt_files(int dfd, gid_t gid)
{
	int dup_fd = fcntl(dfd, F_DUPFD_CLOEXEC, 0);
	DIR *d = dup_fd >= 0 ? fdopendir(dup_fd) : NULL;
	if (!d) {
		if (dup_fd >= 0)
			close(dup_fd);
		return;
	}
	struct dirent *e;
	while ((e = readdir(d))) {
		if (e->d_type != DT_REG && e->d_type != DT_UNKNOWN)
			continue;
		int f = openat(dfd, e->d_name, O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC |
						     O_NOCTTY);
		if (f < 0)
			continue;
		struct stat st;
		if (fstat(f, &st) == 0 && S_ISREG(st.st_mode)) {
			mode_t want = ((st.st_mode & 07777) | 0060) & ~(mode_t)07007;
			if (st.st_gid != gid)
				(void)!fchown(f, (uid_t)-1, gid);
			if ((st.st_mode & 07777) != want)
				(void)!fchmod(f, want);
		}
		close(f);
	}
	closedir(d);
}

/* The parent folder of a log folder, as root: a user who may write it could
 * put a link of its own in place of the log folder. */
static const char *unsafe_parent(int fd)
{
	struct stat st;
	if (fstat(fd, &st) < 0)
		return strerror(errno);
	if (st.st_uid != 0)
		return "its parent folder is not owned by root";
	if ((st.st_mode & S_IWOTH) || ((st.st_mode & S_IWGRP) && st.st_gid != 0))
		return "its parent folder is writable by other users";
	return NULL;
}

int ad_isolate_log_dir(const char **why, const char *dir, const ah_fs_perm *perm, bool if_missing,
		       const gid_t *gids, size_t ngids)
{
	*why = NULL;
	char *copy = ah_strdup(dir);
	if (!copy)
		return AH_ENOMEM;
	size_t n = strlen(copy);
	while (n > 1 && copy[n - 1] == '/')
		copy[--n] = '\0';
	char *slash = strrchr(copy, '/');
	const char *parent = slash == copy ? "/" : slash ? copy : ".";
	const char *name = slash ? slash + 1 : copy;
	if (slash && slash != copy)
		*slash = '\0';
	int rc = AH_EINVALID, pfd = -1, fd = -1;
	struct stat st;
	if (!*name || !strcmp(name, ".") || !strcmp(name, "..")) {
		*why = "it is not a folder name";
		goto out;
	}
	rc = AH_EIO;
	if (ah_fs_mkdirs(parent) < 0 ||
	    (pfd = open(parent, O_RDONLY | O_DIRECTORY | O_CLOEXEC)) < 0) {
		*why = strerror(errno);
		goto out;
	}
	rc = AH_EINVALID;
	if (perm->set_owner && (*why = unsafe_parent(pfd)))
		goto out;
	bool exists = fstatat(pfd, name, &st, AT_SYMLINK_NOFOLLOW) == 0;
	if (exists && if_missing) {
		rc = 1;
		goto out;
	}
	if (exists && S_ISLNK(st.st_mode)) {
		*why = "it is a symbolic link";
		goto out;
	}
	rc = AH_EIO;
	fd = open_dir_at(pfd, name, 0700);
	struct stat before;
	bool relayout = fd >= 0 && perm->set_owner && fstat(fd, &before) == 0 &&
			(before.st_uid != perm->uid || before.st_gid != perm->gid ||
			 (before.st_mode & 07777) != (perm->mode & 07777));
	if (fd < 0)
		*why = errno == ELOOP || errno == ENOTDIR ? "it is not a folder" : strerror(errno);
	else if ((rc = set_dir_perm(fd, perm)) < 0)
		*why = strerror(errno);
	else if (perm->set_owner && ad_logacl_set(fd, perm->gid, gids, ngids) < 0) {
		rc = errno == EOPNOTSUPP ? 2 : errno == ENOMEM ? AH_ENOMEM : AH_EIO;
		*why = strerror(errno);
	}
	if (fd >= 0 && rc >= 0 && relayout && exists)
		adopt_files(fd, perm->gid);
out:
	if (fd >= 0)
		close(fd);
	if (pfd >= 0)
		close(pfd);
	ah_free(copy);
	return rc;
}
