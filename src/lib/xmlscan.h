/*
 * The two parsers behind the XML tree builder of xml.h, for xml.c and for the
 * tests that hold them to each other (tests/unit/test_xml.c,
 * tests/fuzz/fuzz_xml_diff.c):
 *
 *   - the scanner (xmlscan.c): one pass over a UTF-8 document, for the
 *     grammar that configuration files are written in;
 *   - the expat builder (xml.c): every other document, and every error.
 *
 * ah__xml_parse runs the scanner first and hands the document to expat
 * whenever the scanner did not build a tree, so that errors and their lines
 * are always expat's. Both build the same tree for every document the scanner
 * accepts. docs/xml.md describes the grammar, the hand-over and the tests.
 */
#ifndef AH_LIB_XMLSCAN_H
#define AH_LIB_XMLSCAN_H

#include "xml.h"

/* ah__xml_scan's answer for a document outside its grammar (a DTD, another
 * encoding, a non-ASCII name...): only expat can tell. Not an error code. */
#define AH__XML_UNSURE 1

/* Scan len bytes of data into *out (lines and columns included), allocating
 * from arena. Returns 0, AH_ENOMEM, AH_ECONFIG when the document is not
 * well-formed XML (expat must find the same), or AH__XML_UNSURE. On anything
 * but 0, *out is zeroed and the arena may hold unreachable allocations. */
int ah__xml_scan(ah_xdoc *out, ah_arena *arena, const char *data, size_t len);

/* The expat builder alone: the same contract as ah__xml_parse. */
int ah__xml_parse_expat(ah_xdoc *out, ah_arena *arena, const char *data, size_t len,
			unsigned *err_line);

#endif
