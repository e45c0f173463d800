/*
 * The XML tree builder (src/lib/xml.h): the scanner of xmlscan.c and the
 * expat builder behind it. Every document is parsed three ways, by the
 * scanner alone, by expat alone and by ah__xml_parse, and the trees compared
 * with each other and with values written by hand (offsets counted byte by
 * byte in the documents below). Errors must come back with expat's line,
 * whichever parser saw them first.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include "lib/xml.h"
#include "lib/xmlscan.h"

#include "apphost/errors.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ---- helpers ---------------------------------------------------------------- */

static void same_node(const ah_xnode *a, const ah_xnode *b)
{
	assert_string_equal(a->name, b->name);
	assert_int_equal(a->line, b->line);
	assert_int_equal(a->column, b->column);
	assert_int_equal(a->start, b->start);
	assert_int_equal(a->start_end, b->start_end);
	assert_int_equal(a->end, b->end);
	assert_int_equal(a->empty_tag, b->empty_tag);
	assert_int_equal(a->has_text, b->has_text);
	assert_int_equal(a->nattrs, b->nattrs);
	for (size_t i = 0; i < a->nattrs; i++) {
		assert_string_equal(a->attrs[i].name, b->attrs[i].name);
		assert_string_equal(a->attrs[i].value, b->attrs[i].value);
	}
	assert_int_equal(a->nchildren, b->nchildren);
}

/* The two trees have the same nodes in the same places. */
static void same_tree(const ah_xdoc *x, const ah_xdoc *y)
{
	const ah_xnode *a = x->root, *b = y->root;
	assert_non_null(a);
	assert_non_null(b);
	while (a) {
		assert_non_null(b);
		same_node(a, b);
		if (a->first) {
			assert_non_null(b->first);
			a = a->first;
			b = b->first;
			continue;
		}
		assert_null(b->first);
		while (a && !a->next) {
			assert_null(b->next);
			a = a->parent;
			b = b->parent;
		}
		if (a) {
			assert_non_null(b->next);
			a = a->next;
			b = b->next;
		}
	}
	assert_null(b);
}

typedef struct parsed {
	ah_arena *arena[3];
	ah_xdoc scanned, expat, doc; /* doc: what ah__xml_parse built */
	int scan_rc;
} parsed;

/* Parse len bytes three ways; ah__xml_parse must succeed, the scanner must
 * answer scan_rc, and every tree built must be the same. */
static parsed *parse_n(const char *text, size_t len, int scan_rc)
{
	parsed *p = calloc(1, sizeof(*p));
	assert_non_null(p);
	for (int i = 0; i < 3; i++) {
		p->arena[i] = ah_arena_new();
		assert_non_null(p->arena[i]);
	}
	unsigned line = 99;
	p->scan_rc = ah__xml_scan(&p->scanned, p->arena[0], text, len);
	assert_int_equal(p->scan_rc, scan_rc);
	assert_int_equal(ah__xml_parse_expat(&p->expat, p->arena[1], text, len, &line), 0);
	assert_int_equal(line, 0);
	line = 99;
	assert_int_equal(ah__xml_parse(&p->doc, p->arena[2], text, len, &line), 0);
	assert_int_equal(line, 0);
	assert_ptr_equal(p->doc.data, text);
	assert_int_equal(p->doc.len, len);
	if (scan_rc == 0)
		same_tree(&p->scanned, &p->expat);
	else
		assert_null(p->scanned.root);
	same_tree(&p->doc, &p->expat);
	return p;
}

static parsed *parse(const char *text)
{
	return parse_n(text, strlen(text), 0);
}

static void done(parsed *p)
{
	for (int i = 0; i < 3; i++)
		ah_arena_free(p->arena[i]);
	free(p);
}

static void expect_node(const ah_xnode *n, const char *name, unsigned line, unsigned column,
			size_t start, size_t start_end, size_t end, bool empty_tag, bool has_text,
			size_t nchildren)
{
	assert_non_null(n);
	assert_string_equal(n->name, name);
	assert_int_equal(n->line, line);
	assert_int_equal(n->column, column);
	assert_int_equal(n->start, start);
	assert_int_equal(n->start_end, start_end);
	assert_int_equal(n->end, end);
	assert_int_equal(n->empty_tag, empty_tag);
	assert_int_equal(n->has_text, has_text);
	assert_int_equal(n->nchildren, nchildren);
}

/* A document that is not well-formed: the scanner says scan_rc, and both
 * ah__xml_parse and expat fail at the given line. */
static void expect_error_n(const char *text, size_t len, int scan_rc, unsigned line)
{
	ah_arena *a = ah_arena_new();
	assert_non_null(a);
	ah_xdoc doc;
	unsigned got = 0, ref = 0;
	assert_int_equal(ah__xml_scan(&doc, a, text, len), scan_rc);
	assert_null(doc.root);
	assert_int_equal(ah__xml_parse_expat(&doc, a, text, len, &ref), AH_ECONFIG);
	assert_int_equal(ah__xml_parse(&doc, a, text, len, &got), AH_ECONFIG);
	assert_null(doc.root);
	assert_int_equal(ref, line);
	assert_int_equal(got, line);
	ah_arena_free(a);
}

static void expect_error(const char *text, unsigned line)
{
	expect_error_n(text, strlen(text), AH_ECONFIG, line);
}

/* ---- trees -------------------------------------------------------------------- */

static void t_offsets_lf(void **state)
{
	(void)state;
	/* 0         1          2         3
	 * 0123456789 0123456 789012345678901234 5678 */
	static const char text[] = "<a x=\"1\">\n"
				   "  <b/>\n"
				   "  <c y='2' >t</c>\n"
				   "</a>";
	parsed *p = parse(text);
	const ah_xnode *a = p->doc.root, *b = a->first, *c = b->next;
	expect_node(a, "a", 1, 0, 0, 9, 39, false, false, 2);
	assert_int_equal(a->nattrs, 1);
	assert_string_equal(a->attrs[0].name, "x");
	assert_string_equal(a->attrs[0].value, "1");
	assert_null(a->parent);
	assert_ptr_equal(a->last, c);
	expect_node(b, "b", 2, 2, 12, 16, 16, true, false, 0);
	assert_int_equal(b->nattrs, 0);
	assert_ptr_equal(b->parent, a);
	expect_node(c, "c", 3, 2, 19, 29, 34, false, true, 0);
	assert_string_equal(ah__xml_attr(c, "y"), "2");
	assert_null(ah__xml_attr(c, "x"));
	assert_null(c->next);
	done(p);
}

static void t_offsets_bom_crlf(void **state)
{
	(void)state;
	/* BOM 0-2; the declaration 3-40; CRLF 41-42; the comment 43-52 (line
	 * 2); CRLF 53-54; <r> 55-57 (line 3); CRLF; a tab at 60, <s .../> 61-73
	 * (line 4) with a CRLF inside its value at 68-69; CRLF 74-75; </r>
	 * 76-79 (line 5); CRLF 80-81. */
	static const char text[] = "\xEF\xBB\xBF<?xml version=\"1.0\" encoding=\"utf-8\"?>\r\n"
				   "<!-- c -->\r\n"
				   "<r>\r\n"
				   "\t<s a=\"x\r\ny\"/>\r\n"
				   "</r>\r\n";
	assert_int_equal(sizeof(text) - 1, 82);
	parsed *p = parse(text);
	const ah_xnode *r = p->doc.root, *s = r->first;
	expect_node(r, "r", 3, 0, 55, 58, 80, false, false, 1);
	expect_node(s, "s", 4, 1, 61, 74, 74, true, false, 0);
	assert_string_equal(ah__xml_attr(s, "a"), "x y"); /* CRLF: one space */
	done(p);
}

static void t_tag_spacing_and_names(void **state)
{
	(void)state;
	static const char text[] = "<ns:root\txmlns:ns=\"u\"\n  a.b-c_d = 'say \"hi\"' >"
				   "<_x\r\n/><:y></:y\n\t></ns:root >";
	parsed *p = parse(text);
	const ah_xnode *r = p->doc.root;
	assert_string_equal(r->name, "ns:root");
	assert_int_equal(r->nattrs, 2);
	assert_string_equal(r->attrs[0].name, "xmlns:ns");
	assert_string_equal(r->attrs[1].name, "a.b-c_d");
	assert_string_equal(r->attrs[1].value, "say \"hi\"");
	assert_int_equal(r->start_end, 46);
	/* line 2 starts at 22, line 3 at 51 (after "\r\n"), line 4 at 62 */
	expect_node(r->first, "_x", 2, 24, 46, 53, 53, true, false, 0);
	expect_node(r->last, ":y", 3, 2, 53, 57, 64, false, false, 0);
	assert_int_equal(r->end, sizeof(text) - 1);
	done(p);
}

static void t_references_and_normalization(void **state)
{
	(void)state;
	static const char text[] =
		"<a v=\"&lt;&gt;&amp;&quot;&apos;&#65;&#x42;&#xe9;&#x1F600;&#0000067;\""
		" w='a&#9;b&#10;c&#13;d&#x20;e' t=\"x\ty\nz\r\n\rq\" e=\"\">"
		"<b>&#32;&#x9;&#xD;&#10;<![CDATA[ \n\t ]]>\r\n</b>"
		"<c><![CDATA[<x>&amp;]]]></c><d>&#160;</d><e>&amp;</e><f>]</f><g>></g></a>";
	parsed *p = parse(text);
	const ah_xnode *a = p->doc.root;
	assert_string_equal(ah__xml_attr(a, "v"), "<>&\"'AB\xC3\xA9\xF0\x9F\x98\x80"
						  "C");
	assert_string_equal(ah__xml_attr(a, "w"), "a\tb\nc\rd e");
	assert_string_equal(ah__xml_attr(a, "t"), "x y z  q");
	assert_string_equal(ah__xml_attr(a, "e"), "");
	assert_false(a->has_text);
	const ah_xnode *n = a->first;
	const char *names = "bcdefg";
	for (int i = 0; i < 6; i++, n = n->next) {
		char name[2] = {names[i], 0};
		assert_string_equal(n->name, name);
		/* only <b> holds nothing but white space */
		assert_int_equal(n->has_text, i != 0);
	}
	done(p);
}

static void t_text_belongs_to_the_innermost_element(void **state)
{
	(void)state;
	parsed *p = parse("<a> <b> </b> x <c/></a>");
	assert_true(p->doc.root->has_text);
	assert_false(p->doc.root->first->has_text);
	done(p);
	p = parse("<a><b>y</b>\n</a>");
	assert_false(p->doc.root->has_text);
	assert_true(p->doc.root->first->has_text);
	done(p);
}

static void t_prolog_and_epilog(void **state)
{
	(void)state;
	static const char *const docs[] = {
		"<?xml version='1.0' encoding='UTF-8' standalone='no' ?><a/>",
		"<?xml version=\"1.0\" standalone=\"yes\"?><a/>",
		"<?xml version = \"1.0\"?>\n<!---->\n<?pi?>\n<?pi:x data ?>\n<a/>\n",
		"<?xml-stylesheet href='x'?><a/>",
		"\n\t <a/>\r\n<!-- after - -->\n<?after it?>\n \n",
		"<a/><!-- x -->",
		"\xEF\xBB\xBF<a/>",
	};
	for (size_t i = 0; i < sizeof(docs) / sizeof(docs[0]); i++)
		done(parse(docs[i]));
}

static void t_non_ascii_text_and_values(void **state)
{
	(void)state;
	/* U+0080, U+009F, U+FEFF, U+1F600 and U+10FFFF are characters */
	parsed *p = parse("<a v=\"\xC2\x80\xC2\x9F\xEF\xBB\xBF\">\xF0\x9F\x98\x80\xF4\x8F\xBF\xBF"
			  "<!-- \xC3\xA9 --><?pi \xC3\xA9?><![CDATA[\xC3\xA9]]></a>");
	assert_string_equal(ah__xml_attr(p->doc.root, "v"), "\xC2\x80\xC2\x9F\xEF\xBB\xBF");
	assert_true(p->doc.root->has_text);
	done(p);
}

static void t_grows(void **state)
{
	(void)state;
	/* more attributes than the first scratch array, more distinct names
	 * than the first name table, deeper than the first element stack */
	size_t cap = 200000, n = 0;
	char *t = malloc(cap);
	assert_non_null(t);
	n += (size_t)snprintf(t + n, cap - n, "<root");
	for (int i = 0; i < 300; i++)
		n += (size_t)snprintf(t + n, cap - n, " a%d=\"%d\"", i, i);
	n += (size_t)snprintf(t + n, cap - n, ">");
	for (int i = 0; i < 500; i++)
		n += (size_t)snprintf(t + n, cap - n, "<e%d>", i);
	for (int i = 499; i >= 0; i--)
		n += (size_t)snprintf(t + n, cap - n, "</e%d>", i);
	n += (size_t)snprintf(t + n, cap - n, "</root>");
	parsed *p = parse(t);
	assert_int_equal(p->doc.root->nattrs, 300);
	assert_string_equal(p->doc.root->attrs[299].name, "a299");
	assert_string_equal(p->doc.root->attrs[299].value, "299");
	const ah_xnode *e = p->doc.root;
	int depth = 0;
	while (e->first) {
		e = e->first;
		depth++;
	}
	assert_int_equal(depth, 500);
	assert_string_equal(e->name, "e499");
	done(p);
	/* a duplicate far from its twin */
	n = (size_t)snprintf(t, cap, "<root");
	for (int i = 0; i < 300; i++)
		n += (size_t)snprintf(t + n, cap - n, " a%d=\"\"", i);
	snprintf(t + n, cap - n, " a7='x'/>");
	expect_error(t, 1);
	/* the same attribute names on the next tag are no duplicates */
	done(parse("<a x='1' y='2'><a x='1' y='2'/><b y='' x=''/></a>"));
	free(t);
}

/* Attribute names are tried against those of the last tag of the same
 * element name first: any order, length or count still reads right. */
static void t_attribute_names_of_like_tags(void **state)
{
	(void)state;
	parsed *p = parse("<r><a x='1' y='2'/><a y='3' x='4'/><a x='5' yy='6' y='7'/><a/>"
			  "<a x='8'/><b x='9' y='10'/><a y='11' yz='12' x='13'/></r>");
	static const char *const want[] = {"x=1 y=2", "y=3 x=4", "x=5 yy=6 y=7", "",
					   "x=8",     "x=9 y=10", "y=11 yz=12 x=13"};
	const ah_xnode *n = p->doc.root->first;
	for (size_t i = 0; i < sizeof(want) / sizeof(want[0]); i++, n = n->next) {
		char got[64] = "";
		size_t len = 0;
		for (size_t k = 0; k < n->nattrs; k++)
			len += (size_t)snprintf(got + len, sizeof(got) - len, "%s%s=%s",
						k ? " " : "", n->attrs[k].name, n->attrs[k].value);
		assert_string_equal(got, want[i]);
	}
	assert_null(n);
	done(p);
	expect_error("<r><a x='1' y='2'/>\n<a x='1' x='2'/></r>", 2);
	expect_error("<r><a x='1' y='2'/>\n<a y='1' y='2'/></r>", 2);
}

/* What the scanner leaves to expat still parses, as expat parses it. */
static void t_unsure_goes_to_expat(void **state)
{
	(void)state;
	static const char *const docs[] = {
		"<?xml version=\"1.1\"?><a/>",
		"<?xml version=\"1.0\" encoding=\"ISO-8859-1\"?><a v=\"\xE9\"/>",
		"<\xC3\xA9/>",
		"<a \xC3\xA9='1'/>",
		"<a\xC3\xA9/>",
		"<a><\xC3\xA9/></a>",
		"<?\xC3\xA9?><a/>",
	};
	for (size_t i = 0; i < sizeof(docs) / sizeof(docs[0]); i++)
		done(parse_n(docs[i], strlen(docs[i]), AH__XML_UNSURE));
	/* UTF-16 LE and BE, with and without a byte order mark */
	static const char le[] = "\xFF\xFE<\0a\0/\0>\0", be[] = "\0<\0a\0/\0>";
	done(parse_n(le, sizeof(le) - 1, AH__XML_UNSURE));
	done(parse_n(be, sizeof(be) - 1, AH__XML_UNSURE));
	done(parse_n(le + 2, sizeof(le) - 3, AH__XML_UNSURE));
}

/* A document type declaration is refused, as IIS's parser refuses DTDs: its
 * entities could expand into elements with no bytes of their own in the file. */
static void t_doctype_refused(void **state)
{
	(void)state;
	static const char *const docs[] = {
		"<!DOCTYPE a><a/>",
		"<!DOCTYPE a [<!ENTITY e 'x'>]><a v='&e;'>&e;</a>",
		"<!DOCTYPE a [<!ENTITY e \"<b/><c/>\">]><a>&e;</a>",
		"<?xml version=\"1.0\"?>\n<!-- x -->\n<!DOCTYPE a>\n<a/>",
	};
	static const unsigned lines[] = {1, 1, 1, 3};
	for (size_t i = 0; i < sizeof(docs) / sizeof(docs[0]); i++)
		expect_error_n(docs[i], strlen(docs[i]), AH__XML_UNSURE, lines[i]);
}

/* ---- errors: expat's line ----------------------------------------------------- */

static void t_errors(void **state)
{
	(void)state;
	expect_error("", 1);
	expect_error(" \n ", 2);
	expect_error("<a>", 1);
	expect_error("<a>\n</b>", 2);
	expect_error("<a/>\n<b/>", 2);
	expect_error("<a/>\ntext", 2);
	expect_error("<a/>&#32;", 1);
	expect_error("text<a/>", 1);
	expect_error("<a x=\"1\"\n x=\"2\"/>", 2);
	expect_error("<a>\n&foo;</a>", 2);
	expect_error("<a>&amp</a>", 1);
	expect_error("<a>&#0;</a>", 1);
	expect_error("<a>&#xD800;</a>", 1);
	expect_error("<a>&#xFFFE;</a>", 1);
	expect_error("<a>&#x110000;</a>", 1);
	expect_error("<a>&#99999999999999999999;</a>", 1);
	expect_error("<a>&#x;</a>", 1);
	expect_error("<a>&#X41;</a>", 1);
	expect_error("<a v='&#1;'/>", 1);
	expect_error("<a>\n]]></a>", 2);
	expect_error("<a>\n<!-- x -- y --></a>", 2);
	expect_error("<a><!-- x ---></a>", 1);
	expect_error("<a><!-- x </a>", 1);
	expect_error("<a\nb=\"<\"/>", 2);
	expect_error("<a b=\"&\"/>", 1);
	expect_error("<a b=1/>", 1);
	expect_error("<a b='1\"/>", 1);
	expect_error("<a b/>", 1);
	expect_error("<a b='1'c='2'/>", 1);
	expect_error("<1a/>", 1);
	expect_error("< a/>", 1);
	expect_error("<a/ >", 1);
	expect_error("<a></ a>", 1);
	expect_error("<a></a b>", 1);
	expect_error("<a></ab>", 1);
	expect_error("</a>", 1);
	expect_error("<a>\n\n<![CDATA[x</a>", 3);
	/* '<!' in the prolog may start a DOCTYPE: the scanner leaves it */
	expect_error_n("<![CDATA[x]]><a/>", 17, AH__XML_UNSURE, 1);
	expect_error("<a>\n<?xml x?></a>", 2);
	expect_error("<a><?XmL x?></a>", 1);
	expect_error("<a><?pi? ></a>", 1);
	expect_error(" <?xml version=\"1.0\"?><a/>", 1);
	expect_error("<a>\n<!DOCTYPE a></a>", 2);
	expect_error("<a/><!DOCTYPE a>", 1);
	expect_error("<a><!x></a>", 1);
	/* characters: control bytes and bad UTF-8, in every place */
	expect_error("<a>\n\x01</a>", 2);
	expect_error("<a>\n\n\xC3</a>", 3);
	expect_error("<a>\xC0\x80</a>", 1);
	expect_error("<a>\xED\xA0\x80</a>", 1);
	expect_error("<a>\xEF\xBF\xBE</a>", 1);
	expect_error("<a>\xF4\x90\x80\x80</a>", 1);
	expect_error("<a>\xF5\x80\x80\x80</a>", 1);
	expect_error("<a v='\x0B'/>", 1);
	expect_error("<a v='\x80'/>", 1);
	expect_error("<a><!-- \x1F --></a>", 1);
	expect_error("<a><?pi \xFF?></a>", 1);
	expect_error("<a><![CDATA[\x02]]></a>", 1);
	expect_error_n("<a>\0</a>", 8, AH_ECONFIG, 1);
	/* CR alone ends a line for expat's count as well */
	expect_error("<a>\r\r<b/>\n\n</c>", 5);
	/* an XML declaration the scanner does not take is expat's to refuse */
	static const char *const decls[] = {
		"<?xml version=\"1.0\"encoding=\"UTF-8\"?><a/>",
		"<?xml version=\"1.0\" encoding=\"latin1\"?><a/>",
		"<?xml version=\"1.0\" encoding=\"UTF-16\"?><a/>",
		"<?xml?><a/>",
	};
	for (size_t i = 0; i < sizeof(decls) / sizeof(decls[0]); i++)
		expect_error_n(decls[i], strlen(decls[i]), AH__XML_UNSURE, 1);
}

/* Every allocation failure of the scanner is reported as such. */
static void t_out_of_memory(void **state)
{
	(void)state;
	static const char text[] = "<a x='1' y='&amp;'><b z='2'/><c><d/></c></a>";
	for (long n = 0;; n++) {
		ah_arena *a = ah_arena_new();
		assert_non_null(a);
		ah_xdoc doc;
		unsigned line = 0;
		ah_alloc_fail_after(n);
		int rc = ah__xml_parse(&doc, a, text, sizeof(text) - 1, &line);
		ah_alloc_fail_after(-1);
		ah_arena_free(a);
		if (rc == 0) {
			assert_true(n > 0);
			break;
		}
		assert_int_equal(rc, AH_ENOMEM);
	}
}

/* The project's own configuration and schema files: the scanner builds
 * them, identical to expat's trees. */
static void t_project_files(void **state)
{
	(void)state;
	static const char *const files[] = {
		"etc/applicationHost.config", "schema/applicationHost.xml", "schema/webServer.xml",
		"schema/security.xml",        "schema/administration.xml",
	};
	for (size_t i = 0; i < sizeof(files) / sizeof(files[0]); i++) {
		char path[1024];
		snprintf(path, sizeof(path), "%s/%s", AH_TEST_SRCDIR, files[i]);
		FILE *f = fopen(path, "rb");
		assert_non_null(f);
		static char buf[1 << 20];
		size_t n = fread(buf, 1, sizeof(buf), f);
		fclose(f);
		assert_true(n > 0 && n < sizeof(buf));
		char *copy = malloc(n);
		assert_non_null(copy);
		memcpy(copy, buf, n);
		done(parse_n(copy, n, 0));
		free(copy);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(t_offsets_lf),
		cmocka_unit_test(t_offsets_bom_crlf),
		cmocka_unit_test(t_tag_spacing_and_names),
		cmocka_unit_test(t_references_and_normalization),
		cmocka_unit_test(t_text_belongs_to_the_innermost_element),
		cmocka_unit_test(t_prolog_and_epilog),
		cmocka_unit_test(t_non_ascii_text_and_values),
		cmocka_unit_test(t_grows),
		cmocka_unit_test(t_attribute_names_of_like_tags),
		cmocka_unit_test(t_unsure_goes_to_expat),
		cmocka_unit_test(t_doctype_refused),
		cmocka_unit_test(t_errors),
		cmocka_unit_test(t_out_of_memory),
		cmocka_unit_test(t_project_files),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
