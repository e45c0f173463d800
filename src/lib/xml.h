/*
 * The XML tree builder: a parse into an arena-held element tree that keeps,
 * for every element, its line and the byte offsets of its start tag and of its
 * end, so that edits can splice only the tags they change and copy every other
 * byte of the file. A one-pass scanner builds the tree of ordinary
 * configuration files; expat parses every other document and reports every
 * error (xmlscan.h, docs/xml.md).
 *
 * Only elements and their attributes are kept; text, comments and processing
 * instructions are skipped (their bytes stay in the source buffer). Namespaced
 * names are kept as written (no namespace processing), as IIS does.
 */
#ifndef AH_LIB_XML_H
#define AH_LIB_XML_H

#include "util/alloc.h"

#include <stdbool.h>
#include <stddef.h>

typedef struct ah_xattr {
	const char *name;
	const char *value; /* entity-decoded */
} ah_xattr;

typedef struct ah_xnode {
	const char *name;
	unsigned line;     /* line of the '<' of the start tag (1-based) */
	unsigned column;   /* column of the '<' (0-based) */
	size_t start;      /* byte offset of '<' of the start tag */
	size_t start_end;  /* byte offset just past the start tag's '>' */
	size_t end;        /* byte offset just past the element (end tag or "/>") */
	bool empty_tag;    /* written as <x ... /> */
	bool has_text;     /* non-whitespace text directly inside */
	ah_xattr *attrs;
	size_t nattrs;
	struct ah_xnode *parent, *first, *last, *next;
	size_t nchildren;
} ah_xnode;

typedef struct ah_xdoc {
	ah_xnode *root;
	const char *data; /* the parsed bytes (not owned) */
	size_t len;
} ah_xdoc;

/* Parse len bytes of data into *out, allocating from arena. On a syntax error
 * returns AH_ECONFIG and sets *err_line to the line of the error (1 for an
 * empty document); the thread error is not touched, so that the caller can
 * report IIS's message with its own file name. */
int ah__xml_parse(ah_xdoc *out, ah_arena *arena, const char *data, size_t len,
		  unsigned *err_line);

/* The value of attribute name (exact match), or NULL. */
const char *ah__xml_attr(const ah_xnode *n, const char *name);

#endif
