/*
 * appcmd: reading the XML documents of /in into a tree (input.h), with
 * expat, the project's XML parser.
 *
 * Only elements and attributes are kept; entity and character references
 * are decoded by expat. The depth is limited (64 levels), so that hostile
 * input can't exhaust the stack of the code that walks the tree.
 */
#include "input.h"

#include "apphost/errors.h"

#include <expat.h>
#include <string.h>

#define MAX_DEPTH 64

typedef struct reader {
	XML_Parser parser;
	ah_arena *arena;
	cli_xnode *root, *cur;
	int depth;
	int rc;
} reader;

static void fail(reader *r, int rc)
{
	if (!r->rc)
		r->rc = rc;
	XML_StopParser(r->parser, XML_FALSE);
}

/* A new element with its attributes; 0 or an AH_E* code. */
static int new_node(reader *r, cli_xnode **out, const XML_Char *name, const XML_Char **attrs)
{
	cli_xnode *n = ah_arena_alloc(r->arena, sizeof(*n));
	size_t count = 0;
	while (attrs[2 * count])
		count++;
	if (!n || !(n->tag = ah_arena_strdup(r->arena, name)))
		return AH_ENOMEM;
	n->names = ah_arena_alloc(r->arena, (count + 1) * sizeof(*n->names));
	n->values = ah_arena_alloc(r->arena, (count + 1) * sizeof(*n->values));
	if (!n->names || !n->values)
		return AH_ENOMEM;
	for (size_t i = 0; i < count; i++) {
		n->names[i] = ah_arena_strdup(r->arena, attrs[2 * i]);
		n->values[i] = ah_arena_strdup(r->arena, attrs[2 * i + 1]);
		if (!n->names[i] || !n->values[i])
			return AH_ENOMEM;
	}
	n->nattrs = count;
	*out = n;
	return 0;
}

static void XMLCALL on_start(void *ud, const XML_Char *name, const XML_Char **attrs)
{
	reader *r = ud;
	cli_xnode *n = NULL;
	int rc = ++r->depth > MAX_DEPTH ? AH_ECONFIG : new_node(r, &n, name, attrs);
	if (rc) {
		fail(r, rc);
		return;
	}
	n->parent = r->cur;
	if (r->cur) {
		if (r->cur->last)
			r->cur->last->next = n;
		else
			r->cur->first = n;
		r->cur->last = n;
	} else {
		r->root = n;
	}
	r->cur = n;
}

static void XMLCALL on_end(void *ud, const XML_Char *name)
{
	reader *r = ud;
	(void)name;
	r->depth--;
	if (r->cur)
		r->cur = r->cur->parent;
}

int cli_xml_read(cli_xnode **root, ah_arena *arena, const char *data, size_t len,
		 unsigned *line)
{
	*root = NULL;
	*line = 0;
	reader r = {.arena = arena};
	r.parser = XML_ParserCreate(NULL);
	if (!r.parser)
		return AH_ENOMEM;
	XML_SetUserData(r.parser, &r);
	XML_SetElementHandler(r.parser, on_start, on_end);
	/* the length is passed in pieces that fit an int */
	const size_t chunk = 1u << 30;
	enum XML_Status st = XML_STATUS_OK;
	size_t off = 0;
	do {
		size_t n = len - off < chunk ? len - off : chunk;
		st = XML_Parse(r.parser, data + off, (int)n, off + n == len);
		off += n;
	} while (st == XML_STATUS_OK && off < len);
	if (st != XML_STATUS_OK && !r.rc)
		r.rc = AH_ECONFIG;
	if (r.rc == AH_ECONFIG)
		*line = (unsigned)XML_GetCurrentLineNumber(r.parser);
	if (!r.rc && !r.root)
		r.rc = AH_ECONFIG;
	XML_ParserFree(r.parser);
	if (r.rc)
		return r.rc;
	*root = r.root;
	return 0;
}

const char *cli_xnode_get(const cli_xnode *n, const char *name)
{
	for (size_t i = 0; i < n->nattrs; i++)
		if (strcmp(n->names[i], name) == 0)
			return n->values[i];
	return NULL;
}
