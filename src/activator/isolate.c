/*
 * Rendering a pool's isolated configuration (see isolate.h). expat reads
 * applicationHost.config once and reports where each element starts and
 * ends in the text; the elements that must go, and the start tags that
 * must lose an attribute, become edits, and the output is the source with
 * the edits applied. An element that goes takes its whole lines with it
 * when it is alone on them, so the file keeps its layout.
 */
#include "isolate.h"

#include "util/alloc.h"
#include "util/buf.h"
#include "util/fs.h"
#include "util/str.h"

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

static bool same_content(const char *path, const char *data, size_t len)
{
	char *old = NULL;
	size_t n;
	if (ah_fs_read(&old, &n, NULL, path) < 0)
		return false;
	bool same = n == len && memcmp(old, data, len) == 0;
	ah_free(old);
	return same;
}

int ad_isolate_write(const char *path, const char *data, size_t len, bool set_owner, uid_t uid,
		     gid_t gid, bool *changed)
{
	*changed = false;
	if (!same_content(path, data, len)) {
		int rc = ah_fs_write_atomic(path, data, len, 0400);
		if (rc < 0)
			return rc;
		*changed = true;
	}
	if (set_owner && chown(path, uid, gid) < 0)
		return AH_EIO;
	if (chmod(path, 0400) < 0)
		return AH_EIO;
	return 0;
}
