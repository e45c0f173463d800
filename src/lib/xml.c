/*
 * The XML tree builder (see xml.h): the scanner of xmlscan.c first, expat
 * when the scanner does not build a tree.
 *
 * The scanner accepts the documents configuration files are made of (UTF-8,
 * no DTD, ASCII names) in one pass, several times faster than expat. Any
 * document it calls not well-formed, and any it is unsure of (a DTD, another
 * encoding...), is parsed again here by expat: errors, and their lines, are
 * therefore always expat's, and expat remains the reference that the
 * scanner's trees are tested against (tests/fuzz/fuzz_xml_diff.c,
 * docs/xml.md).
 *
 * The expat builder. Offsets: expat reports the byte index of the current
 * event (XML_GetCurrentByteIndex) and its length (XML_GetCurrentByteCount).
 * A start tag's event covers the whole tag; an empty-element tag "<a/>"
 * produces an end event of zero bytes just past the start tag, which is how
 * empty_tag is detected.
 */
#include "xml.h"
#include "xmlscan.h"

#include "apphost/errors.h"

#include "util/map.h"

#include <expat.h>
#include <string.h>

/* expat takes an int length; configuration files are far below 1 GiB, and
 * the scanner is not asked about more than expat would take */
#define MAX_LEN ((size_t)1 << 30)

typedef struct builder {
	ah_arena *arena;
	XML_Parser parser;
	ah_xnode *cur;
	ah_xnode *root;
	bool oom;
	ah_map names; /* element and attribute names, stored once */
} builder;

/* Names repeat thousands of times in a large file: keep one copy of each. */
static const char *intern(builder *b, const char *name)
{
	const char *known = ah_map_get(&b->names, name);
	if (known)
		return known;
	char *copy = ah_arena_strdup(b->arena, name);
	if (!copy || ah_map_put(&b->names, copy, copy) < 0)
		return NULL;
	return copy;
}

static void on_start(void *ud, const XML_Char *name, const XML_Char **atts)
{
	builder *b = ud;
	if (b->oom)
		return;
	ah_xnode *n = ah_arena_alloc(b->arena, sizeof(*n));
	if (!n)
		goto oom;
	n->name = intern(b, name);
	n->start = (size_t)XML_GetCurrentByteIndex(b->parser);
	n->start_end = n->start + (size_t)XML_GetCurrentByteCount(b->parser);
	size_t na = 0;
	while (atts[na * 2])
		na++;
	if (na) {
		n->attrs = ah_arena_alloc(b->arena, na * sizeof(ah_xattr));
		if (!n->attrs)
			goto oom;
		for (size_t i = 0; i < na; i++) {
			n->attrs[i].name = intern(b, atts[2 * i]);
			n->attrs[i].value = ah_arena_strdup(b->arena, atts[2 * i + 1]);
			if (!n->attrs[i].name || !n->attrs[i].value)
				goto oom;
		}
	}
	n->nattrs = na;
	if (!n->name)
		goto oom;
	n->parent = b->cur;
	if (b->cur) {
		if (b->cur->last)
			b->cur->last->next = n;
		else
			b->cur->first = n;
		b->cur->last = n;
		b->cur->nchildren++;
	} else {
		b->root = n;
	}
	b->cur = n;
	return;
oom:
	b->oom = true;
	XML_StopParser(b->parser, XML_FALSE);
}

static void on_end(void *ud, const XML_Char *name)
{
	(void)name;
	builder *b = ud;
	if (b->oom || !b->cur)
		return;
	size_t idx = (size_t)XML_GetCurrentByteIndex(b->parser);
	size_t cnt = (size_t)XML_GetCurrentByteCount(b->parser);
	ah_xnode *n = b->cur;
	if (cnt == 0) {
		/* the end event of "<a/>" covers no bytes: it is reported just past
		 * the start tag */
		n->empty_tag = true;
		n->end = n->start_end;
	} else {
		n->end = idx + cnt;
	}
	b->cur = n->parent;
}

static void on_text(void *ud, const XML_Char *s, int len)
{
	builder *b = ud;
	if (!b->cur)
		return;
	for (int i = 0; i < len; i++) {
		char c = s[i];
		if (c != ' ' && c != '\t' && c != '\r' && c != '\n') {
			b->cur->has_text = true;
			return;
		}
	}
}

/*
 * Lines and columns, computed once after the parse: nodes come in document
 * order, so one pass over the bytes (memchr for the newlines) serves them all.
 * Asking expat at every element costs more than the rest of the tree building.
 */
typedef struct linepos {
	const char *data;
	size_t pos;      /* bytes counted up to here */
	unsigned line;   /* line at pos (1-based) */
	size_t line_start;
} linepos;

static void advance(linepos *lp, size_t to)
{
	const char *p = lp->data + lp->pos, *end = lp->data + to;
	while (p < end) {
		const char *nl = memchr(p, '\n', (size_t)(end - p));
		if (!nl)
			break;
		lp->line++;
		lp->line_start = (size_t)(nl - lp->data) + 1;
		p = nl + 1;
	}
	lp->pos = to;
}

static void number_lines(ah_xnode *root, const char *data)
{
	linepos lp = {.data = data, .line = 1};
	ah_xnode *n = root;
	while (n) {
		advance(&lp, n->start);
		n->line = lp.line;
		n->column = (unsigned)(n->start - lp.line_start);
		if (n->first) {
			n = n->first;
			continue;
		}
		while (n && !n->next)
			n = n->parent;
		if (n)
			n = n->next;
	}
}

/* A document type declaration ends the parse as an error: IIS's parser
 * prohibits DTDs, and their entities could expand into elements that have no
 * bytes of their own in the file (and into very large text). */
static void on_doctype(void *ud, const XML_Char *name, const XML_Char *sysid,
		       const XML_Char *pubid, int has_internal_subset)
{
	(void)name;
	(void)sysid;
	(void)pubid;
	(void)has_internal_subset;
	builder *b = ud;
	XML_StopParser(b->parser, XML_FALSE);
}

int ah__xml_parse_expat(ah_xdoc *out, ah_arena *arena, const char *data, size_t len,
			unsigned *err_line)
{
	memset(out, 0, sizeof(*out));
	if (err_line)
		*err_line = 0;
	builder b = {.arena = arena};
	ah_map_init(&b.names, false);
	b.parser = XML_ParserCreate(NULL);
	if (!b.parser)
		return AH_ENOMEM;
	XML_SetUserData(b.parser, &b);
	XML_SetElementHandler(b.parser, on_start, on_end);
	XML_SetCharacterDataHandler(b.parser, on_text);
	XML_SetStartDoctypeDeclHandler(b.parser, on_doctype);
	int rc = 0;
	if (len > MAX_LEN ||
	    XML_Parse(b.parser, data, (int)len, XML_TRUE) != XML_STATUS_OK || !b.root) {
		if (b.oom) {
			rc = AH_ENOMEM;
		} else {
			rc = AH_ECONFIG;
			unsigned line = (unsigned)XML_GetCurrentLineNumber(b.parser);
			if (err_line)
				*err_line = line ? line : 1;
		}
	}
	XML_ParserFree(b.parser);
	ah_map_free(&b.names);
	if (rc == 0) {
		number_lines(b.root, data);
		out->root = b.root;
		out->data = data;
		out->len = len;
	}
	return rc;
}

int ah__xml_parse(ah_xdoc *out, ah_arena *arena, const char *data, size_t len,
		  unsigned *err_line)
{
	if (err_line)
		*err_line = 0;
	if (len <= MAX_LEN) {
		int rc = ah__xml_scan(out, arena, data, len);
		if (rc == 0 || rc == AH_ENOMEM)
			return rc;
	}
	/* not well-formed, or not the scanner's to decide: expat says which
	 * error, at which line (or builds the tree) */
	return ah__xml_parse_expat(out, arena, data, len, err_line);
}

const char *ah__xml_attr(const ah_xnode *n, const char *name)
{
	for (size_t i = 0; i < n->nattrs; i++)
		if (strcmp(n->attrs[i].name, name) == 0)
			return n->attrs[i].value;
	return NULL;
}
