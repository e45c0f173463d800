/*
 * Fuzz target: the XML scanner (src/lib/xmlscan.c) against the expat builder
 * (src/lib/xml.c), the reference it must agree with (docs/xml.md).
 *
 * The input is one document, parsed three times: by the scanner alone
 * (ah__xml_scan), by the expat builder alone (ah__xml_parse_expat) and by the
 * tree builder that the engine calls (ah__xml_parse). abort() unless:
 *
 *   - the scanner builds a tree and expat builds an identical one: the same
 *     elements in the same places, with the same names, attributes (names,
 *     decoded values, order), start, start_end, end, line, column,
 *     empty_tag, has_text, child counts and links;
 *   - or the scanner finds the document not well-formed and so does expat;
 *   - or the scanner is unsure (a DTD, another encoding, a non-ASCII name):
 *     then only expat's answer counts;
 *   - and in every case ah__xml_parse answers exactly as expat does: the
 *     same result code, the same error line, the same tree.
 *
 * With AH_FUZZ_VERBOSE=1 in the environment, each input's three answers are
 * printed (useful on a corpus: how much of it the scanner decides itself).
 */
#include "lib/xml.h"
#include "lib/xmlscan.h"

#include "apphost/errors.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define CHECK(cond)                                                                                \
	do {                                                                                       \
		if (!(cond)) {                                                                     \
			fprintf(stderr, "fuzz_xml_diff: check failed at line %d: %s\n", __LINE__,  \
				#cond);                                                            \
			abort();                                                                   \
		}                                                                                  \
	} while (0)

static void same_node(const ah_xnode *a, const ah_xnode *b)
{
	CHECK(strcmp(a->name, b->name) == 0);
	CHECK(a->line == b->line);
	CHECK(a->column == b->column);
	CHECK(a->start == b->start);
	CHECK(a->start_end == b->start_end);
	CHECK(a->end == b->end);
	CHECK(a->empty_tag == b->empty_tag);
	CHECK(a->has_text == b->has_text);
	CHECK(a->nattrs == b->nattrs);
	for (size_t i = 0; i < a->nattrs; i++) {
		CHECK(strcmp(a->attrs[i].name, b->attrs[i].name) == 0);
		CHECK(strcmp(a->attrs[i].value, b->attrs[i].value) == 0);
	}
	CHECK(a->nchildren == b->nchildren);
	CHECK(!a->first == !b->first);
	CHECK(!a->last == !b->last);
	if (a->last)
		CHECK(a->last->start == b->last->start);
	CHECK(!a->parent == !b->parent);
	if (a->parent)
		CHECK(a->parent->start == b->parent->start);
}

/* Walks both trees in step, without recursion (nesting is unbounded). */
static void same_tree(const ah_xdoc *x, const ah_xdoc *y)
{
	CHECK(x->data == y->data && x->len == y->len);
	const ah_xnode *a = x->root, *b = y->root;
	CHECK(a && b);
	while (a) {
		CHECK(b);
		same_node(a, b);
		if (a->first) {
			a = a->first;
			b = b->first;
			continue;
		}
		while (a && !a->next) {
			CHECK(!b->next);
			a = a->parent;
			b = b->parent;
			CHECK(!a == !b);
		}
		if (a) {
			CHECK(b->next);
			a = a->next;
			b = b->next;
		}
	}
	CHECK(!b);
}

static const char *rc_name(int rc)
{
	switch (rc) {
	case 0:
		return "tree";
	case AH_ECONFIG:
		return "not well-formed";
	case AH__XML_UNSURE:
		return "unsure";
	case AH_ENOMEM:
		return "out of memory";
	default:
		return "?";
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char *text = (const char *)data;
	ah_arena *as = ah_arena_new(), *ae = ah_arena_new(), *ap = ah_arena_new();
	if (!as || !ae || !ap)
		abort();
	ah_xdoc scanned, ref, parsed;
	int rs = ah__xml_scan(&scanned, as, text, size);
	unsigned line = 12345, pline = 54321;
	int re = ah__xml_parse_expat(&ref, ae, text, size, &line);
	int rp = ah__xml_parse(&parsed, ap, text, size, &pline);
	if (getenv("AH_FUZZ_VERBOSE"))
		fprintf(stderr, "scanner: %s; expat: %s (line %u); ah__xml_parse: %s\n",
			rc_name(rs), rc_name(re), line, rc_name(rp));

	CHECK(rs == 0 || rs == AH_ECONFIG || rs == AH__XML_UNSURE);
	CHECK(re == 0 || re == AH_ECONFIG);
	if (rs == 0) {
		/* the scanner accepted: expat must accept, with the same tree */
		CHECK(re == 0);
		same_tree(&scanned, &ref);
	} else {
		CHECK(scanned.root == NULL);
	}
	if (rs == AH_ECONFIG)
		CHECK(re == AH_ECONFIG); /* else expat accepts what the scanner refused */
	if (re == 0)
		CHECK(line == 0);
	else
		CHECK(line >= 1);

	/* what the engine sees is expat's answer, whoever gave it */
	CHECK(rp == re);
	CHECK(pline == line);
	if (rp == 0)
		same_tree(&parsed, &ref);

	ah_arena_free(as);
	ah_arena_free(ae);
	ah_arena_free(ap);
	return 0;
}
