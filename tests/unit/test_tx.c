/*
 * Write transactions: where changes go (top level, <location>, a web.config
 * created when missing), byte-for-byte preservation of everything else,
 * inherited items removed with <remove>, clear, unset, overrideMode, and that a
 * change the engine would refuse (type, validator, lock, delegation,
 * duplicate) writes nothing. Expected file contents are written by hand.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include "apphost/config.h"
#include "apphost/edit.h"
#include "testutil.h"
#include "testschema.h"

static ah_config *cfg;

static char *slurp(const char *rel)
{
	static char buf[32768];
	FILE *f = fopen(tu_path(rel), "r");
	if (!f)
		return NULL;
	size_t n = fread(buf, 1, sizeof(buf) - 1, f);
	fclose(f);
	buf[n] = '\0';
	return buf;
}

static void setup_tree(const char *extra)
{
	tu_write("config/schema/test_schema.xml", SCHEMA);
	char buf[16384];
	snprintf(buf, sizeof(buf), "%s%s</configuration>\n", APPHOST_HEAD, extra);
	tu_write("config/applicationHost.config", buf);
	tu_mkdirs(tu_path("site1"));
	tu_mkdirs(tu_path("app"));
	ah_config_opts o = {.config_dir = tu_path("config")};
	assert_int_equal(ah_config_open(&cfg, &o), 0);
}

static int setup(void **state)
{
	(void)state;
	tu_begin();
	cfg = NULL;
	ah_error_clear();
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	ah_config_free(cfg);
	cfg = NULL;
	ah_error_clear();
	tu_end();
	return 0;
}

static int commit_one(int (*stage)(ah_tx *, void *), void *arg)
{
	ah_tx *tx;
	assert_int_equal(ah_tx_begin(&tx, cfg), 0);
	int rc = stage(tx, arg);
	if (rc == 0)
		rc = ah_tx_commit(tx);
	ah_tx_free(tx);
	return rc;
}

static int set_db_enabled(ah_tx *tx, void *arg)
{
	ah_where w = {.path = arg, .section = "system.webServer/directoryBrowse"};
	return ah_tx_set(tx, &w, "enabled", "true");
}

static const char *apphost_tail(void)
{
	const char *all = slurp("config/applicationHost.config");
	return all + strlen(APPHOST_HEAD);
}

/* A value at APPHOST goes in the file's top level, new section groups before
 * the location tags (and before the comment that introduces them: a comment
 * stays with the element that follows it); the bytes before are untouched. */
static void t_set_apphost(void **state)
{
	(void)state;
	setup_tree("  <!-- a comment -->\n  <location path=\"WebSite1\">\n    <system.webServer>\n"
		   "      <defaultDocument enabled=\"false\" />\n    </system.webServer>\n  </location>\n");
	assert_int_equal(commit_one(set_db_enabled, "MACHINE/WEBROOT/APPHOST"), 0);
	assert_string_equal(apphost_tail(),
			    "  <system.webServer>\n"
			    "    <directoryBrowse enabled=\"true\" />\n"
			    "  </system.webServer>\n"
			    "  <!-- a comment -->\n"
			    "  <location path=\"WebSite1\">\n    <system.webServer>\n"
			    "      <defaultDocument enabled=\"false\" />\n    </system.webServer>\n  </location>\n"
			    "</configuration>\n");
	ah_section *s;
	assert_int_equal(ah_config_section(&s, cfg, "system.webServer/directoryBrowse", "WebSite1"), 0);
	assert_string_equal(ah_elem_get(ah_section_root(s), "enabled"), "true");
	ah_section_free(s);
}

/* A site path with the default commit writes the site's web.config (created). */
static void t_set_site_webconfig(void **state)
{
	(void)state;
	setup_tree("");
	assert_int_equal(commit_one(set_db_enabled, "WebSite1"), 0);
	assert_string_equal(slurp("site1/web.config"),
			    "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
			    "<configuration>\n"
			    "    <system.webServer>\n"
			    "        <directoryBrowse enabled=\"true\" />\n"
			    "    </system.webServer>\n"
			    "</configuration>\n");
	/* the same change again writes nothing */
	ah_tx *tx;
	assert_int_equal(ah_tx_begin(&tx, cfg), 0);
	assert_int_equal(set_db_enabled(tx, "WebSite1"), 0);
	assert_int_equal(ah_tx_commit(tx), 0);
	assert_int_equal(ah_tx_written(tx), 0);
	ah_tx_free(tx);
}

static unsigned mode_of(const char *rel)
{
	struct stat st;
	assert_int_equal(stat(tu_path(rel), &st), 0);
	return st.st_mode & 07777;
}

/* A new web.config is 0644 (the workers read it); a new applicationHost.config
 * is 0600 (no worker may read it); an existing file keeps its mode. */
static void t_new_file_modes(void **state)
{
	(void)state;
	setup_tree("");
	assert_int_equal(commit_one(set_db_enabled, "WebSite1"), 0);
	assert_int_equal(mode_of("site1/web.config"), 0644);
	/* the sections declared at the MACHINE level, applicationHost.config
	 * missing: the commit creates it */
	char machine[8192];
	snprintf(machine, sizeof(machine), "%s</configuration>\n", APPHOST_HEAD);
	tu_write("config/framework/machine.config", machine);
	assert_int_equal(unlink(tu_path("config/applicationHost.config")), 0);
	ah_config_free(cfg);
	ah_config_opts o = {.config_dir = tu_path("config")};
	assert_int_equal(ah_config_open(&cfg, &o), 0);
	assert_int_equal(commit_one(set_db_enabled, "MACHINE/WEBROOT/APPHOST"), 0);
	assert_int_equal(mode_of("config/applicationHost.config"), 0600);
	assert_int_equal(chmod(tu_path("config/applicationHost.config"), 0640), 0);
	ah_where w = {.path = "MACHINE/WEBROOT/APPHOST", .section = "system.webServer/directoryBrowse"};
	ah_tx *tx;
	assert_int_equal(ah_tx_begin(&tx, cfg), 0);
	assert_int_equal(ah_tx_set(tx, &w, "enabled", "false"), 0);
	int rc = ah_tx_commit(tx);
	size_t written = ah_tx_written(tx);
	ah_tx_free(tx);
	assert_int_equal(rc, 0);
	assert_int_equal(written, 1);
	assert_int_equal(mode_of("config/applicationHost.config"), 0640);
}

static int set_db_commit_apphost(ah_tx *tx, void *arg)
{
	(void)arg;
	ah_where w = {.path = "WebSite1/app", .commit = "MACHINE/WEBROOT/APPHOST", .section = "system.webServer/directoryBrowse"};
	return ah_tx_set(tx, &w, "enabled", "true");
}

/* commit at APPHOST for a site path: a <location> in applicationHost.config. */
static void t_set_location(void **state)
{
	(void)state;
	setup_tree("");
	assert_int_equal(commit_one(set_db_commit_apphost, NULL), 0);
	assert_string_equal(apphost_tail(),
			    "  <location path=\"WebSite1/app\">\n"
			    "    <system.webServer>\n"
			    "      <directoryBrowse enabled=\"true\" />\n"
			    "    </system.webServer>\n"
			    "  </location>\n"
			    "</configuration>\n");
}

static int bad_value(ah_tx *tx, void *arg)
{
	(void)arg;
	ah_where w = {.path = "MACHINE/WEBROOT/APPHOST", .section = "system.applicationHost/applicationPools"};
	const char *k[] = {"name"}, *v[] = {"P"};
	const char *k2[] = {"name", "queueLength"}, *v2[] = {"Q", "5"};
	int rc = ah_tx_add(tx, &w, NULL, k, v, 1, AH_POS_END);
	return rc ? rc : ah_tx_add(tx, &w, NULL, k2, v2, 2, AH_POS_END);
}

/* A value the schema refuses: IIS's message, and no byte written. */
static void t_refused_writes_nothing(void **state)
{
	(void)state;
	setup_tree("");
	char before[32768];
	snprintf(before, sizeof(before), "%s", slurp("config/applicationHost.config"));
	assert_int_equal(commit_one(bad_value, NULL), AH_ECONFIG);
	assert_string_equal(ah_error_last()->message,
			    "The 'queueLength' attribute is invalid.  Integer value must be between 10 and 65535 inclusive");
	assert_string_equal(ah_error_last()->file, tu_path("config/applicationHost.config"));
	assert_string_equal(slurp("config/applicationHost.config"), before);
	assert_null(slurp("config/applicationHost.config.lock"));
}

static int set_asp_site(ah_tx *tx, void *arg)
{
	(void)arg;
	ah_where w = {.path = "WebSite1", .section = "system.webServer/asp"};
	return ah_tx_set(tx, &w, "bufferingOn", "false");
}

static int unlock_asp(ah_tx *tx, void *arg)
{
	(void)arg;
	return ah_tx_override_mode(tx, "WebSite1", NULL, "system.webServer/asp", "Allow");
}

/* Delegation is enforced on writes; unlocking with overrideMode lets it through. */
static void t_delegation(void **state)
{
	(void)state;
	setup_tree("");
	assert_int_equal(commit_one(set_asp_site, NULL), AH_ELOCKED);
	assert_int_equal(ah_error_last()->hresult, 0x80070021);
	assert_null(slurp("site1/web.config"));
	ah_error_clear();
	assert_int_equal(commit_one(unlock_asp, NULL), 0);
	assert_string_equal(apphost_tail(),
			    "  <location path=\"WebSite1\" overrideMode=\"Allow\">\n"
			    "    <system.webServer>\n"
			    "      <asp />\n"
			    "    </system.webServer>\n"
			    "  </location>\n"
			    "</configuration>\n");
	assert_int_equal(commit_one(set_asp_site, NULL), 0);
	ah_section *s;
	assert_int_equal(ah_config_section(&s, cfg, "system.webServer/asp", "WebSite1"), 0);
	assert_string_equal(ah_elem_get(ah_section_root(s), "bufferingOn"), "false");
	ah_section_free(s);
}

static int remove_inherited(ah_tx *tx, void *arg)
{
	(void)arg;
	ah_step files = {.name = "files", .index = AH_POS_NONE};
	ah_where w = {.path = "WebSite1", .section = "system.webServer/defaultDocument",
		      .steps = &files, .nsteps = 1};
	const char *k[] = {"value"}, *v[] = {"A.HTM"};
	ah_step item = {.keys = k, .values = v, .nkeys = 1, .index = AH_POS_NONE};
	int rc = ah_tx_remove(tx, &w, &item);
	const char *k2[] = {"value"}, *v2[] = {"c.htm"};
	return rc ? rc : ah_tx_add(tx, &w, NULL, k2, v2, 1, AH_POS_END);
}

static int remove_own(ah_tx *tx, void *arg)
{
	(void)arg;
	ah_step files = {.name = "files", .index = AH_POS_NONE};
	ah_where w = {.path = "WebSite1", .section = "system.webServer/defaultDocument",
		      .steps = &files, .nsteps = 1};
	const char *k[] = {"value"}, *v[] = {"c.htm"};
	ah_step item = {.keys = k, .values = v, .nkeys = 1, .index = AH_POS_NONE};
	return ah_tx_remove(tx, &w, &item);
}

static int remove_missing(ah_tx *tx, void *arg)
{
	(void)arg;
	ah_step files = {.name = "files", .index = AH_POS_NONE};
	ah_where w = {.path = "WebSite1", .section = "system.webServer/defaultDocument",
		      .steps = &files, .nsteps = 1};
	const char *k[] = {"value"}, *v[] = {"nope.htm"};
	ah_step item = {.keys = k, .values = v, .nkeys = 1, .index = AH_POS_NONE};
	return ah_tx_remove(tx, &w, &item);
}

/* Removing an inherited item writes <remove>; removing this file's own item deletes it. */
static void t_collections(void **state)
{
	(void)state;
	setup_tree("  <system.webServer><defaultDocument><files><add value=\"a.htm\" /><add value=\"b.htm\" /></files></defaultDocument></system.webServer>\n");
	tu_write("site1/web.config", "<configuration>\r\n  <system.webServer>\r\n    <defaultDocument>\r\n"
				     "      <files>\r\n        <add value=\"x.htm\" />\r\n      </files>\r\n"
				     "    </defaultDocument>\r\n  </system.webServer>\r\n</configuration>\r\n");
	assert_int_equal(commit_one(remove_inherited, NULL), 0);
	assert_string_equal(slurp("site1/web.config"),
			    "<configuration>\r\n  <system.webServer>\r\n    <defaultDocument>\r\n"
			    "      <files>\r\n        <add value=\"x.htm\" />\r\n"
			    "        <remove value=\"a.htm\" />\r\n        <add value=\"c.htm\" />\r\n"
			    "      </files>\r\n    </defaultDocument>\r\n  </system.webServer>\r\n</configuration>\r\n");
	ah_section *s;
	assert_int_equal(ah_config_section(&s, cfg, "system.webServer/defaultDocument", "WebSite1"), 0);
	const ah_elem *files = ah_elem_child(ah_section_root(s), "files");
	assert_int_equal(ah_elem_item_count(files), 3); /* x.htm, c.htm (prepended), b.htm */
	assert_string_equal(ah_elem_get(ah_elem_item_at(files, 1), "value"), "c.htm");
	ah_section_free(s);
	assert_int_equal(commit_one(remove_own, NULL), 0);
	assert_string_equal(slurp("site1/web.config"),
			    "<configuration>\r\n  <system.webServer>\r\n    <defaultDocument>\r\n"
			    "      <files>\r\n        <add value=\"x.htm\" />\r\n"
			    "        <remove value=\"a.htm\" />\r\n"
			    "      </files>\r\n    </defaultDocument>\r\n  </system.webServer>\r\n</configuration>\r\n");
	assert_int_equal(commit_one(remove_missing, NULL), AH_ENOTFOUND);
	assert_string_equal(ah_error_last()->message, "Cannot find requested collection element.");
}

static int add_dup(ah_tx *tx, void *arg)
{
	(void)arg;
	ah_where w = {.path = "WebSite1", .section = "system.webServer/modules"};
	const char *k[] = {"name"}, *v[] = {"m1"};
	return ah_tx_add(tx, &w, NULL, k, v, 1, AH_POS_END);
}

/* A duplicate across levels and a locked item are refused with IIS's texts. */
static void t_duplicate_and_lock(void **state)
{
	(void)state;
	setup_tree("  <location path=\"\" overrideMode=\"Allow\"><system.webServer><modules><add name=\"M1\" lockItem=\"true\" /></modules></system.webServer></location>\n");
	assert_int_equal(commit_one(add_dup, NULL), AH_EEXISTS);
	assert_string_equal(ah_error_last()->message,
			    "Cannot add duplicate collection entry of type 'add' with unique key attribute 'name' set to 'm1'");
	assert_null(slurp("site1/web.config"));
}

static int unset_and_clear(ah_tx *tx, void *arg)
{
	(void)arg;
	ah_where w = {.path = "WebSite1", .section = "system.webServer/directoryBrowse"};
	int rc = ah_tx_unset(tx, &w, "enabled");
	ah_where w2 = {.path = "WebSite1", .section = "system.webServer/defaultDocument"};
	return rc ? rc : ah_tx_clear(tx, &w2);
}

/* Unset and clear remove markup, and the elements they leave empty. */
static void t_unset_and_clear(void **state)
{
	(void)state;
	setup_tree("");
	tu_write("site1/web.config", "<configuration>\n  <system.webServer>\n"
				     "    <directoryBrowse enabled=\"true\" />\n"
				     "    <defaultDocument enabled=\"false\" />\n"
				     "  </system.webServer>\n  <appSettings />\n</configuration>\n");
	assert_int_equal(commit_one(unset_and_clear, NULL), 0);
	assert_string_equal(slurp("site1/web.config"),
			    "<configuration>\n  <appSettings />\n</configuration>\n");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(t_set_apphost, setup, teardown),
		cmocka_unit_test_setup_teardown(t_set_site_webconfig, setup, teardown),
		cmocka_unit_test_setup_teardown(t_new_file_modes, setup, teardown),
		cmocka_unit_test_setup_teardown(t_set_location, setup, teardown),
		cmocka_unit_test_setup_teardown(t_refused_writes_nothing, setup, teardown),
		cmocka_unit_test_setup_teardown(t_delegation, setup, teardown),
		cmocka_unit_test_setup_teardown(t_collections, setup, teardown),
		cmocka_unit_test_setup_teardown(t_duplicate_and_lock, setup, teardown),
		cmocka_unit_test_setup_teardown(t_unset_and_clear, setup, teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
