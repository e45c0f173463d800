/*
 * The XML editor behind every write: a document is opened over its original
 * bytes, edited as a tree (set or remove attributes, add or delete elements),
 * and serialized by copying every byte that no edit touched.
 *
 *   - an untouched element is copied verbatim, comments and layout included;
 *   - an element whose attributes changed keeps its start tag's text except for
 *     the changed attributes (values replaced in place with the original quote
 *     character; new attributes appended after the last one; removed ones cut
 *     with the white space before them);
 *   - new elements follow IIS's style: the indentation of their siblings (or
 *     the parent's plus four spaces), `<tag a="v" />`, the file's line ends
 *     (CRLF when the file uses them);
 *   - a deleted element takes its line with it when it stood alone on it;
 *   - an empty-element tag that gains children becomes a start and end tag.
 *
 * A document with no edits serializes to its exact original bytes.
 */
#ifndef AH_LIB_XEDIT_H
#define AH_LIB_XEDIT_H

#include "util/alloc.h"
#include "util/buf.h"
#include "xml.h"

#include <stdbool.h>
#include <stddef.h>

typedef struct ah_enode ah_enode;
typedef struct ah_edoc ah_edoc;

/* Open data (not copied: it must outlive the document). A new document with
 * just a root element is made by ah__edoc_new. Returns AH_ECONFIG with
 * *err_line set when data is not well-formed. */
int ah__edoc_open(ah_edoc **out, const char *data, size_t len, unsigned *err_line);
/* A new document: `<?xml version="1.0" encoding="UTF-8"?>` and <root>. */
int ah__edoc_new(ah_edoc **out, const char *root);
void ah__edoc_free(ah_edoc *d);
ah_enode *ah__edoc_root(ah_edoc *d);
bool ah__edoc_modified(const ah_edoc *d);
/* The document's bytes with the edits applied. */
int ah__edoc_serialize(ah_edoc *d, ah_buf *out);

/* Navigation (deleted nodes are skipped). */
const char *ah__enode_name(const ah_enode *n);
ah_enode *ah__enode_first(ah_enode *n);
ah_enode *ah__enode_next(ah_enode *n);
ah_enode *ah__enode_parent(ah_enode *n);
/* The first child named `name` (exact), or NULL. */
ah_enode *ah__enode_find(ah_enode *n, const char *name);
const char *ah__enode_attr(const ah_enode *n, const char *name);
size_t ah__enode_attr_count(const ah_enode *n);
const char *ah__enode_attr_name(const ah_enode *n, size_t i);
const char *ah__enode_attr_value(const ah_enode *n, size_t i);
/* The source line of the element (0 for a new one). */
unsigned ah__enode_line(const ah_enode *n);

/* Edits. Strings are copied. */
int ah__enode_set_attr(ah_enode *n, const char *name, const char *value);
int ah__enode_del_attr(ah_enode *n, const char *name);
/* Append a new child element at the end of n's children (or first, when
 * `first` is true: used for <clear /> and <location> placement). */
ah_enode *ah__enode_add(ah_enode *n, const char *name, bool first);
/* Insert a new element before `before` (a child of n). */
ah_enode *ah__enode_insert_before(ah_enode *n, ah_enode *before, const char *name);
void ah__enode_delete(ah_enode *n);
/* Append to n a new copy of src (its attributes in order and, recursively,
 * its element children; comments inside src are not copied). */
ah_enode *ah__enode_copy_into(ah_enode *n, ah_enode *src);
/* True when n has no children left (attributes aside). */
bool ah__enode_is_empty(ah_enode *n);

#endif
