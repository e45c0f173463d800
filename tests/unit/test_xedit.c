/*
 * The XML editor keeps every byte no edit touched: comments, attribute order
 * and quotes, blank lines, CRLF line ends; new markup follows IIS's style.
 * Expected texts are written by hand from those rules.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include "lib/xedit.h"

#include <string.h>

static ah_edoc *open_doc(const char *text)
{
	ah_edoc *d = NULL;
	unsigned line = 0;
	assert_int_equal(ah__edoc_open(&d, text, strlen(text), &line), 0);
	return d;
}

static void expect(ah_edoc *d, const char *want)
{
	ah_buf b = AH_BUF_INIT;
	assert_int_equal(ah__edoc_serialize(d, &b), 0);
	assert_string_equal(ah_buf_cstr(&b), want);
	ah_buf_free(&b);
}

static ah_enode *path(ah_edoc *d, const char *a, const char *b)
{
	ah_enode *n = ah__enode_find(ah__edoc_root(d), a);
	assert_non_null(n);
	if (b) {
		n = ah__enode_find(n, b);
		assert_non_null(n);
	}
	return n;
}

static const char DOC[] =
	"<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
	"<!-- header comment -->\n"
	"<configuration>\n"
	"    <system.webServer>\n"
	"        <!-- keep me -->\n"
	"        <defaultDocument enabled='true'   >\n"
	"            <files>\n"
	"                <add value=\"a.htm\" />\n"
	"\n"
	"                <add value=\"b.htm\"/>\n"
	"            </files>\n"
	"        </defaultDocument>\n"
	"        <directoryBrowse showFlags=\"Date\" enabled=\"false\" />\n"
	"    </system.webServer>\n"
	"</configuration>\n";

static void t_untouched(void **state)
{
	(void)state;
	ah_edoc *d = open_doc(DOC);
	assert_false(ah__edoc_modified(d));
	expect(d, DOC);
	/* setting a value to what it is changes nothing */
	assert_int_equal(ah__enode_set_attr(path(d, "system.webServer", "directoryBrowse"), "enabled", "false"), 0);
	assert_false(ah__edoc_modified(d));
	expect(d, DOC);
	ah__edoc_free(d);
}

static void t_change_attributes(void **state)
{
	(void)state;
	ah_edoc *d = open_doc(DOC);
	ah_enode *db = path(d, "system.webServer", "directoryBrowse");
	assert_int_equal(ah__enode_set_attr(db, "enabled", "true"), 0);
	assert_int_equal(ah__enode_set_attr(db, "note", "a<b & \"c\""), 0);
	ah_enode *dd = path(d, "system.webServer", "defaultDocument");
	assert_int_equal(ah__enode_set_attr(dd, "enabled", "it's"), 0);
	expect(d,
	       "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
	       "<!-- header comment -->\n"
	       "<configuration>\n"
	       "    <system.webServer>\n"
	       "        <!-- keep me -->\n"
	       "        <defaultDocument enabled='it&apos;s'   >\n"
	       "            <files>\n"
	       "                <add value=\"a.htm\" />\n"
	       "\n"
	       "                <add value=\"b.htm\"/>\n"
	       "            </files>\n"
	       "        </defaultDocument>\n"
	       "        <directoryBrowse showFlags=\"Date\" enabled=\"true\" note=\"a&lt;b &amp; &quot;c&quot;\" />\n"
	       "    </system.webServer>\n"
	       "</configuration>\n");
	assert_int_equal(ah__enode_del_attr(db, "showFlags"), 0);
	expect(d,
	       "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
	       "<!-- header comment -->\n"
	       "<configuration>\n"
	       "    <system.webServer>\n"
	       "        <!-- keep me -->\n"
	       "        <defaultDocument enabled='it&apos;s'   >\n"
	       "            <files>\n"
	       "                <add value=\"a.htm\" />\n"
	       "\n"
	       "                <add value=\"b.htm\"/>\n"
	       "            </files>\n"
	       "        </defaultDocument>\n"
	       "        <directoryBrowse enabled=\"true\" note=\"a&lt;b &amp; &quot;c&quot;\" />\n"
	       "    </system.webServer>\n"
	       "</configuration>\n");
	ah__edoc_free(d);
}

static void t_add_and_delete(void **state)
{
	(void)state;
	ah_edoc *d = open_doc(DOC);
	ah_enode *files = path(d, "system.webServer", "defaultDocument");
	files = ah__enode_find(files, "files");
	ah_enode *n = ah__enode_add(files, "add", false);
	assert_non_null(n);
	assert_int_equal(ah__enode_set_attr(n, "value", "c.htm"), 0);
	ah_enode *cl = ah__enode_add(files, "clear", true);
	assert_non_null(cl);
	ah__enode_delete(ah__enode_next(ah__enode_first(files))); /* a.htm */
	expect(d,
	       "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
	       "<!-- header comment -->\n"
	       "<configuration>\n"
	       "    <system.webServer>\n"
	       "        <!-- keep me -->\n"
	       "        <defaultDocument enabled='true'   >\n"
	       "            <files>\n"
	       "                <clear />\n"
	       "\n"
	       "                <add value=\"b.htm\"/>\n"
	       "                <add value=\"c.htm\" />\n"
	       "            </files>\n"
	       "        </defaultDocument>\n"
	       "        <directoryBrowse showFlags=\"Date\" enabled=\"false\" />\n"
	       "    </system.webServer>\n"
	       "</configuration>\n");
	ah__edoc_free(d);
}

static void t_empty_tag_gains_children_and_new_nesting(void **state)
{
	(void)state;
	ah_edoc *d = open_doc(DOC);
	ah_enode *db = path(d, "system.webServer", "directoryBrowse");
	ah_enode *x = ah__enode_add(db, "inner", false);
	ah_enode *y = ah__enode_add(x, "leaf", false);
	assert_int_equal(ah__enode_set_attr(y, "k", "v"), 0);
	ah_enode *sw = ah__enode_add(ah__edoc_root(d), "system.applicationHost", false);
	ah_enode *pools = ah__enode_add(sw, "applicationPools", false);
	ah_enode *p = ah__enode_add(pools, "add", false);
	assert_int_equal(ah__enode_set_attr(p, "name", "P"), 0);
	expect(d,
	       "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
	       "<!-- header comment -->\n"
	       "<configuration>\n"
	       "    <system.webServer>\n"
	       "        <!-- keep me -->\n"
	       "        <defaultDocument enabled='true'   >\n"
	       "            <files>\n"
	       "                <add value=\"a.htm\" />\n"
	       "\n"
	       "                <add value=\"b.htm\"/>\n"
	       "            </files>\n"
	       "        </defaultDocument>\n"
	       "        <directoryBrowse showFlags=\"Date\" enabled=\"false\">\n"
	       "            <inner>\n"
	       "                <leaf k=\"v\" />\n"
	       "            </inner>\n"
	       "        </directoryBrowse>\n"
	       "    </system.webServer>\n"
	       "    <system.applicationHost>\n"
	       "        <applicationPools>\n"
	       "            <add name=\"P\" />\n"
	       "        </applicationPools>\n"
	       "    </system.applicationHost>\n"
	       "</configuration>\n");
	ah__edoc_free(d);
}

static void t_crlf_and_delete_last(void **state)
{
	(void)state;
	const char *src = "<configuration>\r\n  <a x=\"1\" />\r\n  <b />\r\n</configuration>";
	ah_edoc *d = open_doc(src);
	ah__enode_delete(ah__enode_find(ah__edoc_root(d), "b"));
	ah_enode *c = ah__enode_add(ah__edoc_root(d), "c", false);
	assert_int_equal(ah__enode_set_attr(c, "y", "2"), 0);
	expect(d, "<configuration>\r\n  <a x=\"1\" />\r\n  <c y=\"2\" />\r\n</configuration>");
	ah__edoc_free(d);
}

static void t_new_document(void **state)
{
	(void)state;
	ah_edoc *d = NULL;
	assert_int_equal(ah__edoc_new(&d, "configuration"), 0);
	ah_enode *sw = ah__enode_add(ah__edoc_root(d), "system.webServer", false);
	ah_enode *db = ah__enode_add(sw, "directoryBrowse", false);
	assert_int_equal(ah__enode_set_attr(db, "enabled", "true"), 0);
	expect(d, "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
		  "<configuration>\n"
		  "    <system.webServer>\n"
		  "        <directoryBrowse enabled=\"true\" />\n"
		  "    </system.webServer>\n"
		  "</configuration>\n");
	ah__edoc_free(d);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(t_untouched),
		cmocka_unit_test(t_change_attributes),
		cmocka_unit_test(t_add_and_delete),
		cmocka_unit_test(t_empty_tag_gains_children_and_new_nesting),
		cmocka_unit_test(t_crlf_and_delete_last),
		cmocka_unit_test(t_new_document),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
