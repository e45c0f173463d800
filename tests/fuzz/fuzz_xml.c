/*
 * Fuzz target: the XML tree builder (src/lib/xml.h) on its own.
 *
 * The input is one document. When it parses, the tree must keep the promises
 * of xml.h, checked with abort() so that libFuzzer and the replay test report
 * any break as a crash:
 *
 *   - the document points at the input bytes, and the root has no parent;
 *   - every element lies inside the input: start < start_end <= end <= len,
 *     and one marked empty_tag ends where its start tag ends;
 *   - the parent/first/last/next/nchildren links agree, and children end
 *     within the parent;
 *   - lines are 1-based, names and attribute values are strings, and
 *     ah__xml_attr finds each attribute by name;
 *   - without a DTD (see mode_of): children start after the parent's start
 *     tag and end before its end tag, and siblings follow each other without
 *     overlapping (an element with children therefore has an end tag);
 *   - without a DTD and in a single-byte encoding, also: a start tag's
 *     bytes are "<...>", an element ends on '>', and it ends at its own start
 *     tag, and is marked empty_tag, exactly when that is written "<x/>".
 *
 * On a syntax error the error line must be set (at least 1).
 */
#include "lib/xml.h"

#include "apphost/errors.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#define CHECK(cond)                                                                                \
	do {                                                                                       \
		if (!(cond))                                                                       \
			abort();                                                                   \
	} while (0)

/* The order checks hold for every document: a DTD, whose internal entities
 * could expand into elements without bytes of their own, is refused. */
#define STRICT 1

/* Which checks apply to a document. */
typedef struct mode {
	/* elements are laid out in document order: not true of elements
	 * expanded from a DTD's internal entity, which all get the offsets of
	 * the entity reference */
	bool ordered;
	/* a tag's '<', '>' and '/' are single bytes at the offsets: not in
	 * UTF-16 (two bytes a character), nor for entity-expanded elements */
	bool bytes;
} mode;

static mode mode_of(const uint8_t *data, size_t len)
{
	bool dtd = memmem(data, len, "<!DOCTYPE", 9) != NULL;
	bool wide = (len >= 2 && ((data[0] == 0xFE && data[1] == 0xFF) ||
	                          (data[0] == 0xFF && data[1] == 0xFE))) ||
	            memchr(data, 0, len) != NULL;
	for (size_t i = 0; !wide && i + 6 <= len; i++)
		wide = strncasecmp((const char *)data + i, "utf-16", 6) == 0;
	return (mode){.ordered = !dtd || STRICT, .bytes = !dtd && !wide};
}

static void check_node(const ah_xnode *n, const ah_xdoc *doc, mode m)
{
	CHECK(n->name);
	CHECK(n->line >= 1);
	CHECK(n->start < n->start_end);
	CHECK(n->start_end <= n->end);
	CHECK(n->end <= doc->len);
	if (n->empty_tag)
		CHECK(n->end == n->start_end);
	if (m.bytes) {
		const char *d = doc->data;
		bool written_empty = d[n->start_end - 2] == '/';
		CHECK(d[n->start] == '<');
		CHECK(d[n->start_end - 1] == '>');
		CHECK(d[n->end - 1] == '>');
		CHECK(written_empty == (n->end == n->start_end));
		CHECK(n->empty_tag == written_empty);
	}
	CHECK(n->nattrs == 0 || n->attrs);
	for (size_t i = 0; i < n->nattrs; i++) {
		CHECK(n->attrs[i].name && n->attrs[i].value);
		CHECK(ah__xml_attr(n, n->attrs[i].name) == n->attrs[i].value);
		(void)strlen(n->attrs[i].value);
	}
	size_t count = 0;
	const ah_xnode *prev = NULL;
	for (const ah_xnode *c = n->first; c; c = c->next) {
		CHECK(c->parent == n);
		CHECK(c->end <= n->end);
		if (m.ordered) {
			CHECK(c->start >= n->start_end);
			CHECK(!prev || c->start >= prev->end);
			CHECK(c->end < n->end);
		}
		prev = c;
		count++;
	}
	CHECK(count == n->nchildren);
	CHECK(n->last == prev);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	ah_arena *arena = ah_arena_new();
	if (!arena)
		return 0;
	ah_xdoc doc;
	unsigned line = 12345;
	int rc = ah__xml_parse(&doc, arena, (const char *)data, size, &line);
	if (rc == AH_ECONFIG) {
		CHECK(line >= 1);
	} else {
		CHECK(rc == 0);
		CHECK(line == 0);
		CHECK(doc.root && !doc.root->parent && !doc.root->next);
		CHECK(doc.data == (const char *)data && doc.len == size);
		mode m = mode_of(data, size);
		/* depth-first, without recursion: nesting is unbounded */
		const ah_xnode *n = doc.root;
		while (n) {
			check_node(n, &doc, m);
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
	ah_arena_free(arena);
	return 0;
}
