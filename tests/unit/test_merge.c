/*
 * The merge rules of the configuration engine, on small configuration trees
 * written by each test: contribution order of <location> tags and web.config
 * files, collections (prepend/append, clear, remove, duplicates), delegation
 * (overrideModeDefault, overrideMode, allowOverride), locks (lockAttributes,
 * lockElements, lockItem) and the rule that a lock binds only lower files,
 * inheritInChildApplications, allowSubDirConfig, allowDefinition, configSource,
 * and IIS's error texts with their file, line and HRESULT.
 *
 * Expected values are those of the specification (spec/config-engine.md), which
 * records the behaviour of real IIS.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include "apphost/config.h"
#include "testutil.h"

#include "testschema.h"

static ah_config *cfg;

static void setup_tree(const char *extra)
{
	tu_write("config/schema/test_schema.xml", SCHEMA);
	char buf[16384];
	snprintf(buf, sizeof(buf), "%s%s</configuration>\n", APPHOST_HEAD, extra);
	tu_write("config/applicationHost.config", buf);
}

static void open_cfg(void)
{
	ah_config_opts o = {.config_dir = tu_path("config")};
	ah_error_clear();
	int rc = ah_config_open(&cfg, &o);
	if (rc < 0)
		fail_msg("open: %s", ah_error_last() ? ah_error_last()->message : "?");
}

static int setup(void **state)
{
	(void)state;
	tu_begin();
	cfg = NULL;
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

static ah_section *read_ok(const char *name, const char *path)
{
	if (!cfg)
		open_cfg();
	ah_section *s = NULL;
	ah_error_clear();
	int rc = ah_config_section(&s, cfg, name, path);
	if (rc < 0) {
		const ah_error *e = ah_error_last();
		fail_msg("read %s at %s: %d %s (%s:%u)", name, path, rc, e ? e->message : "?",
			 e && e->file ? e->file : "", e ? e->line : 0);
	}
	return s;
}

/* Read expecting an error; check message, file suffix, line and HRESULT. */
static void read_err(const char *name, const char *path, const char *msg, const char *file_rel,
		     unsigned line, uint32_t hr)
{
	if (!cfg)
		open_cfg();
	ah_section *s = NULL;
	ah_error_clear();
	int rc = ah_config_section(&s, cfg, name, path);
	assert_true(rc < 0);
	assert_null(s);
	const ah_error *e = ah_error_last();
	assert_non_null(e);
	assert_string_equal(e->message, msg);
	if (file_rel) {
		assert_non_null(e->file);
		assert_string_equal(e->file, tu_path(file_rel));
	}
	assert_int_equal(e->line, line);
	assert_int_equal(e->hresult, hr);
}

/* The collection values of `key` joined with ",". */
static const char *items(const ah_elem *coll, const char *key)
{
	static char buf[1024];
	buf[0] = '\0';
	for (size_t i = 0; i < ah_elem_item_count(coll); i++) {
		if (i)
			strcat(buf, ",");
		strcat(buf, ah_elem_get(ah_elem_item_at(coll, i), key));
	}
	return buf;
}

static const char *files_of(const char *path)
{
	ah_section *s = read_ok("system.webServer/defaultDocument", path);
	static char buf[1024];
	snprintf(buf, sizeof(buf), "%s", items(ah_elem_child(ah_section_root(s), "files"), "value"));
	ah_section_free(s);
	return buf;
}

static const char DD_GLOBAL[] =
	"  <system.webServer><defaultDocument><files><add value=\"a.htm\" /><add value=\"b.htm\" /></files></defaultDocument></system.webServer>\n";

/* spec §4.4 [T]: appHost location for the site merges before the site's web.config;
 * defaultDocument files prepend. */
static void t_location_then_webconfig_prepend(void **state)
{
	(void)state;
	char extra[2048];
	snprintf(extra, sizeof(extra),
		 "%s  <location path=\"WebSite1\"><system.webServer><defaultDocument><files>"
		 "<add value=\"home1.html\" /></files></defaultDocument></system.webServer></location>\n",
		 DD_GLOBAL);
	setup_tree(extra);
	tu_write("site1/web.config",
		 "<configuration><system.webServer><defaultDocument><files><add value=\"home2.html\" />"
		 "</files></defaultDocument></system.webServer></configuration>\n");
	tu_write("site1/test/web.config",
		 "<configuration><system.webServer><defaultDocument><files><add value=\"home3.html\" />"
		 "</files></defaultDocument></system.webServer></configuration>\n");
	assert_string_equal(files_of("MACHINE/WEBROOT/APPHOST"), "a.htm,b.htm");
	assert_string_equal(files_of("WebSite1"), "home2.html,home1.html,a.htm,b.htm");
	assert_string_equal(files_of("MACHINE/WEBROOT/APPHOST/WebSite1/test"),
			    "home3.html,home2.html,home1.html,a.htm,b.htm");
	/* paths compare case-insensitively */
	assert_string_equal(files_of("website1/TEST"),
			    "home3.html,home2.html,home1.html,a.htm,b.htm");
}

/* spec §5.3: append collections list the child's items after the parent's. */
static void t_append_and_origin(void **state)
{
	(void)state;
	setup_tree("  <system.webServer><modules><add name=\"A\" /><add name=\"B\" /></modules></system.webServer>\n");
	tu_write("site1/web.config",
		 "<configuration>\n  <system.webServer>\n    <modules>\n      <add name=\"C\" type=\"T\" />\n"
		 "    </modules>\n  </system.webServer>\n</configuration>\n");
	/* modules is Deny by default: unlock it for the site first */
	ah_config_free(cfg);
	cfg = NULL;
	char extra[1024];
	snprintf(extra, sizeof(extra), "%s%s",
		 "  <system.webServer><modules><add name=\"A\" /><add name=\"B\" /></modules></system.webServer>\n",
		 "  <location path=\"WebSite1\" overrideMode=\"Allow\"><system.webServer><modules /></system.webServer></location>\n");
	setup_tree(extra);
	ah_section *s = read_ok("system.webServer/modules", "WebSite1");
	const ah_elem *root = ah_section_root(s);
	assert_string_equal(items(root, "name"), "A,B,C");
	const ah_elem *c = ah_elem_item_at(root, 2);
	ah_attr_info ai;
	assert_true(ah_elem_attr(c, "type", &ai));
	assert_int_equal(ai.source, AH_VALUE_SET);
	assert_string_equal(ai.origin.file, tu_path("site1/web.config"));
	assert_int_equal(ai.origin.line, 4);
	assert_string_equal(ai.origin.config_path, "MACHINE/WEBROOT/APPHOST/WebSite1");
	ah_section_free(s);
}

/* spec §5.1: attributes merge one by one; defaults come from the schema. */
static void t_attributes_merge(void **state)
{
	(void)state;
	setup_tree("  <system.webServer><directoryBrowse enabled=\"true\" /></system.webServer>\n");
	tu_write("site1/web.config",
		 "<configuration><system.webServer><directoryBrowse showFlags=\"Date,LongDate\" />"
		 "</system.webServer></configuration>\n");
	ah_section *s = read_ok("system.webServer/directoryBrowse", "WebSite1");
	const ah_elem *r = ah_section_root(s);
	assert_string_equal(ah_elem_get(r, "enabled"), "true");
	assert_string_equal(ah_elem_get(r, "showFlags"), "Date, LongDate");
	ah_section_free(s);
	s = read_ok("system.webServer/directoryBrowse", "MACHINE/WEBROOT/APPHOST");
	ah_attr_info ai;
	assert_true(ah_elem_attr(ah_section_root(s), "showFlags", &ai));
	assert_int_equal(ai.source, AH_VALUE_SCHEMA);
	assert_string_equal(ai.text, "Date, Time, Size, Extension");
	ah_section_free(s);
}

static const char LOCKED_MSG[] =
	"This configuration section cannot be used at this path. This happens when the section is "
	"locked at a parent level. Locking is either by default (overrideModeDefault=\"Deny\"), or "
	"set explicitly by a location tag with overrideMode=\"Deny\" or the legacy "
	"allowOverride=\"false\".";

/* spec §6.1: a section whose overrideModeDefault is Deny can't be used in a web.config. */
static void t_override_mode_default_deny(void **state)
{
	(void)state;
	setup_tree("");
	tu_write("site1/web.config",
		 "<configuration>\n  <system.webServer>\n    <asp bufferingOn=\"false\" />\n"
		 "  </system.webServer>\n</configuration>\n");
	read_err("system.webServer/asp", "WebSite1", LOCKED_MSG, "site1/web.config", 3, 0x80070021);
	/* other sections of the same file still read */
	ah_section_free(read_ok("system.webServer/defaultDocument", "WebSite1"));
	/* in applicationHost.config itself the section is fine */
	ah_section *s = read_ok("system.webServer/asp", "MACHINE/WEBROOT/APPHOST");
	assert_string_equal(ah_elem_get(ah_section_root(s), "bufferingOn"), "true");
	ah_section_free(s);
}

/* spec §4.2: overrideMode="Allow" in a location unlocks; Deny (and allowOverride="false") locks. */
static void t_override_mode_location(void **state)
{
	(void)state;
	setup_tree("  <location path=\"WebSite1\" overrideMode=\"Allow\"><system.webServer><asp /></system.webServer></location>\n"
		   "  <location path=\"WebSite1/app\" allowOverride=\"false\"><system.webServer><defaultDocument enabled=\"false\" /></system.webServer></location>\n");
	tu_write("site1/web.config",
		 "<configuration><system.webServer><asp bufferingOn=\"false\" /></system.webServer></configuration>\n");
	ah_section *s = read_ok("system.webServer/asp", "WebSite1");
	assert_string_equal(ah_elem_get(ah_section_root(s), "bufferingOn"), "false");
	ah_section_free(s);
	/* the app is locked for defaultDocument: the locking location's own value applies */
	s = read_ok("system.webServer/defaultDocument", "WebSite1/app");
	assert_string_equal(ah_elem_get(ah_section_root(s), "enabled"), "false");
	ah_section_free(s);
	tu_write("app/web.config",
		 "<configuration>\n<system.webServer>\n<defaultDocument enabled=\"true\" />\n</system.webServer>\n</configuration>\n");
	read_err("system.webServer/defaultDocument", "WebSite1/app", LOCKED_MSG, "app/web.config", 3,
		 0x80070021);
}

/* spec §6.2 [T]: lockAttributes in applicationHost.config; setting the attribute below
 * fails with "Lock violation" at the element's line, even with lockAttributes="*". */
static void t_lock_attributes(void **state)
{
	(void)state;
	setup_tree("  <system.webServer><httpErrors lockAttributes=\"allowAbsolutePathsWhenDelegated,defaultPath\" /></system.webServer>\n");
	tu_write("site1/web.config",
		 "<configuration>\n  <location path=\".\">\n    <system.webServer>\n"
		 "      <httpErrors defaultPath=\"unknown\" />\n    </system.webServer>\n  </location>\n</configuration>\n");
	read_err("system.webServer/httpErrors", "WebSite1", "Lock violation", "site1/web.config", 4,
		 0x80070021);
	/* an attribute that is not locked can be set */
	tu_write("site1/web.config",
		 "<configuration><system.webServer><httpErrors errorMode=\"Custom\" /></system.webServer></configuration>\n");
	ah_section *s = read_ok("system.webServer/httpErrors", "WebSite1");
	assert_string_equal(ah_elem_get(ah_section_root(s), "errorMode"), "Custom");
	ah_section_free(s);
}

static void t_lock_attributes_star_and_unknown(void **state)
{
	(void)state;
	setup_tree("  <system.webServer><httpErrors lockAttributes=\"*\" /></system.webServer>\n");
	tu_write("site1/web.config",
		 "<configuration>\n<system.webServer>\n<httpErrors errorMode=\"Custom\" />\n</system.webServer>\n</configuration>\n");
	read_err("system.webServer/httpErrors", "WebSite1", "Lock violation", "site1/web.config", 3,
		 0x80070021);
	ah_config_free(cfg);
	cfg = NULL;
	setup_tree("  <system.webServer>\n    <httpErrors lockAttributes=\"notExisted\" />\n  </system.webServer>\n");
	read_err("system.webServer/httpErrors", "MACHINE/WEBROOT/APPHOST",
		 "lockAttributes contains unknown attribute 'notExisted'",
		 "config/applicationHost.config", 25, 0x8007000D);
}

/* spec §4.2 (andrewbi): a lock binds lower files only, not other location tags of the same file. */
static void t_lock_binds_lower_files_only(void **state)
{
	(void)state;
	setup_tree("  <location path=\"\"><system.webServer><directoryBrowse lockAttributes=\"enabled\" /></system.webServer></location>\n"
		   "  <location path=\"WebSite1\"><system.webServer><directoryBrowse enabled=\"true\" /></system.webServer></location>\n");
	ah_section *s = read_ok("system.webServer/directoryBrowse", "WebSite1");
	assert_string_equal(ah_elem_get(ah_section_root(s), "enabled"), "true");
	ah_section_free(s);
	tu_write("site1/web.config",
		 "<configuration>\n<system.webServer>\n<directoryBrowse enabled=\"true\" />\n</system.webServer>\n</configuration>\n");
	read_err("system.webServer/directoryBrowse", "WebSite1", "Lock violation", "site1/web.config",
		 3, 0x80070021);
}

static const char MODULES_LOCKED_ITEM[] =
	"  <location path=\"\" overrideMode=\"Allow\"><system.webServer><modules>"
	"<add name=\"DynamicCompressionModule\" lockItem=\"true\" /><add name=\"ScriptModule-4.0\" />"
	"<add name=\"Other\" /></modules></system.webServer></location>\n";

/* spec §6.2 [T]: removing a lockItem entry in a web.config is a lock violation at the
 * line of <modules>; the same remove in applicationHost.config is allowed; removing an
 * unlocked item works. */
static void t_lock_item(void **state)
{
	(void)state;
	setup_tree(MODULES_LOCKED_ITEM);
	tu_write("site1/web.config",
		 "<configuration>\n <system.webServer>\n  <modules>\n   <remove name=\"DynamicCompressionModule\" />\n"
		 "  </modules>\n </system.webServer>\n</configuration>\n");
	read_err("system.webServer/modules", "WebSite1", "Lock violation", "site1/web.config", 3,
		 0x80070021);
	tu_write("site1/web.config",
		 "<configuration><system.webServer><modules><remove name=\"ScriptModule-4.0\" /></modules>"
		 "</system.webServer></configuration>\n");
	ah_section *s = read_ok("system.webServer/modules", "WebSite1");
	assert_string_equal(items(ah_section_root(s), "name"), "DynamicCompressionModule,Other");
	ah_section_free(s);
	/* clearing would remove the locked item */
	tu_write("site1/web.config",
		 "<configuration>\n<system.webServer>\n<modules>\n<clear />\n</modules>\n</system.webServer>\n</configuration>\n");
	read_err("system.webServer/modules", "WebSite1", "Lock violation", "site1/web.config", 3,
		 0x80070021);
	/* the same remove inside applicationHost.config is allowed */
	ah_config_free(cfg);
	cfg = NULL;
	tu_write("site1/web.config", "<configuration />\n");
	char extra[2048];
	snprintf(extra, sizeof(extra), "%s%s", MODULES_LOCKED_ITEM,
		 "  <location path=\"WebSite1\"><system.webServer><modules><remove name=\"DynamicCompressionModule\" />"
		 "</modules></system.webServer></location>\n");
	setup_tree(extra);
	s = read_ok("system.webServer/modules", "WebSite1");
	assert_string_equal(items(ah_section_root(s), "name"), "ScriptModule-4.0,Other");
	ah_section_free(s);
}

/* spec §6.2: lockElements="remove,clear" on a collection lets lower levels add only. */
static void t_lock_elements_directives(void **state)
{
	(void)state;
	setup_tree("  <system.webServer><defaultDocument><files lockElements=\"remove,clear\"><add value=\"a.htm\" /></files></defaultDocument></system.webServer>\n");
	tu_write("site1/web.config",
		 "<configuration><system.webServer><defaultDocument><files><add value=\"x.htm\" /></files>"
		 "</defaultDocument></system.webServer></configuration>\n");
	assert_string_equal(files_of("WebSite1"), "x.htm,a.htm");
	tu_write("site1/web.config",
		 "<configuration>\n<system.webServer>\n<defaultDocument>\n<files>\n<remove value=\"a.htm\" />\n"
		 "</files>\n</defaultDocument>\n</system.webServer>\n</configuration>\n");
	read_err("system.webServer/defaultDocument", "WebSite1", "Lock violation", "site1/web.config",
		 4, 0x80070021);
	/* lockElements on an element locks that child element; the violation is
	 * reported at the line of the element holding it, as for directives */
	ah_config_free(cfg);
	cfg = NULL;
	setup_tree("  <system.webServer><defaultDocument lockElements=\"files\" /></system.webServer>\n");
	tu_write("site1/web.config",
		 "<configuration>\n<system.webServer>\n<defaultDocument enabled=\"false\">\n<files />\n"
		 "</defaultDocument>\n</system.webServer>\n</configuration>\n");
	read_err("system.webServer/defaultDocument", "WebSite1", "Lock violation", "site1/web.config",
		 3, 0x80070021);
}

/* spec §1.6 [T]: duplicate keys, within a file and across levels; remove then add is fine;
 * removing what does not exist is ignored. */
static void t_duplicates(void **state)
{
	(void)state;
	setup_tree("  <system.webServer><modules><add name=\"Clr4IntegratedAppPool\" /></modules>\n"
		   "  <httpErrors><error statusCode=\"404\" path=\"a\" /></httpErrors></system.webServer>\n"
		   "  <location path=\"WebSite1\" overrideMode=\"Allow\"><system.webServer><modules /></system.webServer></location>\n");
	tu_write("site1/web.config",
		 "<configuration>\n<system.webServer>\n<modules>\n<add name=\"clr4integratedapppool\" />\n"
		 "</modules>\n</system.webServer>\n</configuration>\n");
	read_err("system.webServer/modules", "WebSite1",
		 "Cannot add duplicate collection entry of type 'add' with unique key attribute 'name' "
		 "set to 'clr4integratedapppool'",
		 "site1/web.config", 4, 0x800700B7);
	tu_write("site1/web.config",
		 "<configuration><system.webServer><modules><remove name=\"Clr4IntegratedAppPool\" />"
		 "<remove name=\"NotThere\" /><add name=\"Clr4IntegratedAppPool\" type=\"new\" /></modules>"
		 "</system.webServer></configuration>\n");
	ah_section *s = read_ok("system.webServer/modules", "WebSite1");
	assert_int_equal(ah_elem_item_count(ah_section_root(s)), 1);
	assert_string_equal(ah_elem_get(ah_elem_item_at(ah_section_root(s), 0), "type"), "new");
	ah_section_free(s);
	tu_write("site1/web.config",
		 "<configuration>\n<system.webServer>\n<httpErrors>\n<error statusCode=\"404\" subStatusCode=\"-1\" path=\"b\" />\n"
		 "</httpErrors>\n</system.webServer>\n</configuration>\n");
	read_err("system.webServer/httpErrors", "WebSite1",
		 "Cannot add duplicate collection entry of type 'error' with combined key attributes "
		 "'statusCode, subStatusCode' respectively set to '404, -1'",
		 "site1/web.config", 4, 0x800700B7);
	tu_write("site1/web.config",
		 "<configuration><system.webServer><httpErrors><error statusCode=\"404\" subStatusCode=\"2\" path=\"b\" />"
		 "</httpErrors></system.webServer></configuration>\n");
	s = read_ok("system.webServer/httpErrors", "WebSite1");
	assert_int_equal(ah_elem_item_count(ah_section_root(s)), 2);
	ah_section_free(s);
}

/* Large collections use an index for duplicates: same rules, same message. */
static void t_duplicates_large(void **state)
{
	(void)state;
	char extra[8192] = "  <system.webServer><httpErrors>";
	for (int i = 0; i < 40; i++) {
		char one[96];
		snprintf(one, sizeof(one), "<error statusCode=\"%d\" path=\"p%d\" />", 400 + i, i);
		strcat(extra, one);
	}
	strcat(extra, "</httpErrors></system.webServer>\n");
	setup_tree(extra);
	tu_write("site1/web.config",
		 "<configuration>\n<system.webServer>\n<httpErrors>\n<remove statusCode=\"410\" />\n"
		 "<error statusCode=\"410\" path=\"new\" />\n<error statusCode=\"405\" subStatusCode=\"7\" path=\"x\" />\n"
		 "<error statusCode=\"439\" path=\"dup\" />\n</httpErrors>\n</system.webServer>\n</configuration>\n");
	read_err("system.webServer/httpErrors", "WebSite1",
		 "Cannot add duplicate collection entry of type 'error' with combined key attributes "
		 "'statusCode, subStatusCode' respectively set to '439, -1'",
		 "site1/web.config", 7, 0x800700B7);
}

/* spec §4.3: inheritInChildApplications="false" applies to the path and its folders,
 * not to child applications. */
static void t_inherit_in_child_applications(void **state)
{
	(void)state;
	setup_tree("  <location path=\"WebSite1\" overrideMode=\"Allow\"><system.webServer><handlers /></system.webServer></location>\n");
	tu_write("site1/web.config",
		 "<configuration><location path=\".\" inheritInChildApplications=\"false\"><system.webServer>"
		 "<handlers><add name=\"aspNetCore\" path=\"*\" /></handlers></system.webServer></location>"
		 "</configuration>\n");
	ah_section *s = read_ok("system.webServer/handlers", "WebSite1/folder");
	assert_string_equal(items(ah_section_root(s), "name"), "aspNetCore");
	ah_section_free(s);
	s = read_ok("system.webServer/handlers", "WebSite1/app/x");
	assert_int_equal(ah_elem_item_count(ah_section_root(s)), 0);
	ah_section_free(s);
}

/* allowSubDirConfig="false" on a virtual directory: web.config files below its root are not read. */
static void t_allow_subdir_config(void **state)
{
	(void)state;
	setup_tree(DD_GLOBAL);
	tu_write("novd/web.config",
		 "<configuration><system.webServer><defaultDocument><files><add value=\"root.htm\" /></files>"
		 "</defaultDocument></system.webServer></configuration>\n");
	tu_write("novd/sub/web.config",
		 "<configuration><system.webServer><defaultDocument><files><add value=\"sub.htm\" /></files>"
		 "</defaultDocument></system.webServer></configuration>\n");
	assert_string_equal(files_of("WebSite1/novd/sub"), "root.htm,a.htm,b.htm");
}

/* allowDefinition: MachineToApplication is refused below an application root; AppHostOnly
 * is refused in any web.config. */
static void t_allow_definition(void **state)
{
	(void)state;
	setup_tree("  <location path=\"WebSite1\" overrideMode=\"Allow\"><system.webServer><modules /></system.webServer></location>\n");
	tu_write("site1/web.config",
		 "<configuration><system.webServer><modules><add name=\"M1\" /></modules></system.webServer></configuration>\n");
	tu_write("site1/sub/web.config",
		 "<configuration>\n<system.webServer>\n<modules>\n<add name=\"M2\" />\n</modules>\n</system.webServer>\n</configuration>\n");
	ah_section *s = read_ok("system.webServer/modules", "WebSite1");
	assert_string_equal(items(ah_section_root(s), "name"), "M1");
	ah_section_free(s);
	ah_section *bad = NULL;
	ah_error_clear();
	assert_true(ah_config_section(&bad, cfg, "system.webServer/modules", "WebSite1/sub") < 0);
	assert_string_equal(ah_error_last()->file, tu_path("site1/sub/web.config"));
	assert_int_equal(ah_error_last()->line, 3);
	tu_write("site1/web.config",
		 "<configuration>\n<system.applicationHost>\n<sites />\n</system.applicationHost>\n</configuration>\n");
	ah_error_clear();
	assert_true(ah_config_section(&bad, cfg, "system.applicationHost/sites", "WebSite1") < 0);
	assert_int_equal(ah_error_last()->line, 3);
}

/* spec §7.1: configSource in a web.config reads the section from another file; a bad
 * external file is reported against the referencing file and line; in a location tag of
 * applicationHost.config the attribute is unrecognized. */
static void t_config_source(void **state)
{
	(void)state;
	setup_tree("");
	tu_write("site1/web.config",
		 "<configuration>\n<system.webServer>\n<directoryBrowse configSource=\"db.config\" />\n"
		 "</system.webServer>\n</configuration>\n");
	tu_write("site1/db.config", "<directoryBrowse enabled=\"true\" />\n");
	ah_section *s = read_ok("system.webServer/directoryBrowse", "WebSite1");
	assert_string_equal(ah_elem_get(ah_section_root(s), "enabled"), "true");
	ah_attr_info ai;
	ah_elem_attr(ah_section_root(s), "enabled", &ai);
	assert_string_equal(ai.origin.file, tu_path("site1/db.config"));
	ah_section_free(s);
	tu_write("site1/db.config", "<directoryBrowse enabled=\"true\">\n");
	ah_config_free(cfg);
	cfg = NULL;
	read_err("system.webServer/directoryBrowse", "WebSite1",
		 "Specified configSource cannot be parsed", "site1/web.config", 3, 0x8007000D);
	ah_config_free(cfg);
	cfg = NULL;
	setup_tree("  <location path=\"WebSite1\">\n    <system.webServer>\n      <directoryBrowse configSource=\"x.config\" />\n"
		   "    </system.webServer>\n  </location>\n");
	tu_write("site1/web.config", "<configuration />\n");
	read_err("system.webServer/directoryBrowse", "WebSite1",
		 "Unrecognized attribute 'configSource'", "config/applicationHost.config", 26,
		 0x8007000D);
}

/* spec §8: file-level errors. */
static void t_file_errors(void **state)
{
	(void)state;
	setup_tree("");
	tu_write("site1/web.config", "<configuration>\n<system.webServer>\n</configuration>\n");
	read_err("system.webServer/defaultDocument", "WebSite1",
		 "Configuration file is not well-formed XML", "site1/web.config", 3, 0x8007000D);
	tu_write("site1/web.config", "");
	read_err("system.webServer/defaultDocument", "WebSite1",
		 "Configuration file is not well-formed XML", "site1/web.config", 1, 0x8007000D);
	tu_write("site1/web.config",
		 "<configuration>\n<system.webServer />\n<configSections />\n</configuration>\n");
	read_err("system.webServer/defaultDocument", "WebSite1",
		 "Only one <configSections> element allowed.  It must be the first child element of "
		 "the root <configuration> element   ",
		 "site1/web.config", 3, 0x8007000D);
}

/* A broken applicationHost.config is reported with its file and line at site paths too. */
static void t_broken_apphost_at_site_path(void **state)
{
	(void)state;
	setup_tree("  <system.webServer>\n");
	read_err("system.webServer/defaultDocument", "WebSite1/sub",
		 "Configuration file is not well-formed XML", "config/applicationHost.config", 25,
		 0x8007000D);
	read_err("system.webServer/defaultDocument", "WebSite1",
		 "Configuration file is not well-formed XML", "config/applicationHost.config", 25,
		 0x8007000D);
}

static void t_section_errors(void **state)
{
	(void)state;
	setup_tree("");
	tu_write("site1/web.config",
		 "<configuration>\n<system.webServer>\n<directoryBrowse enabled=\"true\" bogus=\"1\" />\n"
		 "</system.webServer>\n</configuration>\n");
	read_err("system.webServer/directoryBrowse", "WebSite1", "Unrecognized attribute 'bogus'",
		 "site1/web.config", 3, 0x8007000D);
	tu_write("site1/web.config",
		 "<configuration>\n<system.webServer>\n<directoryBrowse>\n<test />\n</directoryBrowse>\n"
		 "</system.webServer>\n</configuration>\n");
	read_err("system.webServer/directoryBrowse", "WebSite1", "Unrecognized element 'test'",
		 "site1/web.config", 4, 0x8007000D);
	tu_write("site1/web.config",
		 "<configuration>\n<system.webServer>\n<modules>\n<add type=\"x\" />\n</modules>\n"
		 "</system.webServer>\n</configuration>\n");
	/* delegation is checked before the content */
	read_err("system.webServer/modules", "WebSite1", LOCKED_MSG, "site1/web.config", 3,
		 0x80070021);
	tu_write("site1/web.config",
		 "<configuration>\n<system.webServer>\n<directoryBrowse enabled=\"yes\" />\n"
		 "</system.webServer>\n</configuration>\n");
	ah_section *s = NULL;
	ah_error_clear();
	assert_true(ah_config_section(&s, cfg, "system.webServer/directoryBrowse", "WebSite1") < 0);
	assert_true(strncmp(ah_error_last()->message, "The 'enabled' attribute is invalid.  ", 37) == 0);
	/* the same section twice in one file */
	tu_write("site1/web.config",
		 "<configuration>\n<system.webServer>\n<directoryBrowse />\n</system.webServer>\n"
		 "<location path=\".\">\n<system.webServer>\n<directoryBrowse />\n</system.webServer>\n</location>\n</configuration>\n");
	read_err("system.webServer/directoryBrowse", "WebSite1",
		 "Config section 'system.webServer/directoryBrowse' already defined. Sections must only "
		 "appear once per config file. See the help topic <location> for exceptions",
		 "site1/web.config", 7, 0x800700B7);
	/* a section nobody registered */
	tu_write("site1/web.config",
		 "<configuration>\n<system.webServer>\n<directoryBrowse />\n</system.webServer>\n"
		 "<my.section>\n<thing />\n</my.section>\n</configuration>\n");
	ah_section_free(read_ok("system.webServer/directoryBrowse", "WebSite1"));
}

static void t_validation_and_required(void **state)
{
	(void)state;
	setup_tree("  <system.applicationHost>\n    <applicationPools>\n      <add name=\"P\" queueLength=\"5\" />\n"
		   "    </applicationPools>\n  </system.applicationHost>\n");
	read_err("system.applicationHost/applicationPools", "MACHINE/WEBROOT/APPHOST",
		 "The 'queueLength' attribute is invalid.  Integer value must be between 10 and 65535 inclusive",
		 "config/applicationHost.config", 26, 0x8007000D);
	ah_config_free(cfg);
	cfg = NULL;
	setup_tree("  <system.applicationHost>\n    <applicationPools>\n      <add queueLength=\"50\" />\n"
		   "    </applicationPools>\n  </system.applicationHost>\n");
	read_err("system.applicationHost/applicationPools", "MACHINE/WEBROOT/APPHOST",
		 "Missing required attribute 'name'", "config/applicationHost.config", 26, 0x8007000D);
}

/* spec §5.4: applicationPoolDefaults and siteDefaults supply item values. */
static void t_collection_defaults(void **state)
{
	(void)state;
	setup_tree("  <system.applicationHost>\n    <applicationPools>\n      <add name=\"A\" />\n"
		   "      <add name=\"B\" managedRuntimeVersion=\"v2.0\"><processModel identityType=\"LocalService\" /></add>\n"
		   "      <applicationPoolDefaults managedRuntimeVersion=\"v4.0\"><processModel identityType=\"NetworkService\" /></applicationPoolDefaults>\n"
		   "    </applicationPools>\n  </system.applicationHost>\n");
	ah_section *s = read_ok("system.applicationHost/applicationPools", "MACHINE/WEBROOT/APPHOST");
	const ah_elem *r = ah_section_root(s);
	const ah_elem *a = ah_elem_find_item(r, "name", "a");
	const ah_elem *b = ah_elem_find_item(r, "name", "B");
	assert_non_null(a);
	assert_non_null(b);
	ah_attr_info ai;
	ah_elem_attr(a, "managedRuntimeVersion", &ai);
	assert_string_equal(ai.text, "v4.0");
	assert_int_equal(ai.source, AH_VALUE_DEFAULTS);
	assert_string_equal(ah_elem_get(b, "managedRuntimeVersion"), "v2.0");
	assert_string_equal(ah_elem_get(ah_elem_child(a, "processModel"), "identityType"),
			    "NetworkService");
	assert_string_equal(ah_elem_get(ah_elem_child(b, "processModel"), "identityType"),
			    "LocalService");
	assert_string_equal(ah_elem_get(ah_elem_child(a, "processModel"), "idleTimeout"), "00:20:00");
	assert_string_equal(ah_elem_get(a, "queueLength"), "1000");
	ah_section_free(s);
	s = read_ok("system.applicationHost/sites", "MACHINE/WEBROOT/APPHOST");
	const ah_elem *site = ah_elem_find_item(ah_section_root(s), "name", "WebSite1");
	assert_string_equal(ah_elem_get(ah_elem_child(site, "logFile"), "directory"), "D:\\logs");
	assert_string_equal(ah_elem_get(ah_elem_child(site, "logFile"), "enabled"), "true");
	ah_section_free(s);
}

static void t_paths(void **state)
{
	(void)state;
	setup_tree("");
	read_err("system.webServer/defaultDocument", "MACHINE/WEBROOT/APPHOST/NotExist",
		 "Unrecognized configuration path 'MACHINE/WEBROOT/APPHOST/NotExist'", NULL, 0,
		 0x80070057);
	read_err("system.webServer/nothing", "MACHINE/WEBROOT/APPHOST",
		 "The configuration section 'system.webServer/nothing' cannot be read because it is "
		 "missing a section declaration",
		 NULL, 0, 0x80070032);
	char *norm = NULL;
	assert_int_equal(ah_config_path_normalize(&norm, cfg, "website1/App/"), 0);
	assert_string_equal(norm, "MACHINE/WEBROOT/APPHOST/WebSite1/App");
	free(norm);
	/* a web.config location path is relative to its own level */
	tu_write("site1/web.config",
		 "<configuration><location path=\"docs\"><system.webServer><directoryBrowse enabled=\"true\" />"
		 "</system.webServer></location></configuration>\n");
	ah_section *s = read_ok("system.webServer/directoryBrowse", "WebSite1/docs/x");
	assert_string_equal(ah_elem_get(ah_section_root(s), "enabled"), "true");
	ah_section_free(s);
	s = read_ok("system.webServer/directoryBrowse", "WebSite1/other");
	assert_string_equal(ah_elem_get(ah_section_root(s), "enabled"), "false");
	ah_section_free(s);
}

/* A changed file is read again. */
static void t_reload(void **state)
{
	(void)state;
	setup_tree("");
	tu_write("site1/web.config",
		 "<configuration><system.webServer><directoryBrowse enabled=\"true\" /></system.webServer></configuration>\n");
	ah_section *s = read_ok("system.webServer/directoryBrowse", "WebSite1");
	assert_string_equal(ah_elem_get(ah_section_root(s), "enabled"), "true");
	ah_section_free(s);
	tu_write("site1/web.config",
		 "<configuration><system.webServer><directoryBrowse enabled=\"false\" showFlags=\"None\" /></system.webServer></configuration>\n");
	s = read_ok("system.webServer/directoryBrowse", "WebSite1");
	assert_string_equal(ah_elem_get(ah_section_root(s), "enabled"), "false");
	ah_section_free(s);
}

/* The cache returns the same section until invalidated; errors are cached too. */
static void t_lookup_cache(void **state)
{
	(void)state;
	setup_tree("");
	tu_write("site1/web.config",
		 "<configuration><system.webServer><directoryBrowse enabled=\"true\" /></system.webServer></configuration>\n");
	open_cfg();
	const ah_section *a = NULL, *b = NULL;
	assert_int_equal(ah_config_lookup(&a, cfg, "system.webServer/directoryBrowse", "WebSite1"), 0);
	assert_int_equal(ah_config_lookup(&b, cfg, "system.webServer/directoryBrowse", "WebSite1"), 0);
	assert_ptr_equal(a, b);
	assert_string_equal(ah_elem_get(ah_section_root(a), "enabled"), "true");
	tu_write("site1/web.config",
		 "<configuration>\n<system.webServer>\n<directoryBrowse enabled=\"maybe\" />\n</system.webServer>\n</configuration>\n");
	ah_config_refresh(cfg);
	ah_error_clear();
	assert_true(ah_config_lookup(&a, cfg, "system.webServer/directoryBrowse", "WebSite1") < 0);
	assert_int_equal(ah_error_last()->line, 3);
	ah_error_clear();
	assert_true(ah_config_lookup(&a, cfg, "system.webServer/directoryBrowse", "WebSite1") < 0);
	assert_int_equal(ah_error_last()->line, 3);
	assert_string_equal(ah_error_last()->file, tu_path("site1/web.config"));
	tu_write("site1/web.config",
		 "<configuration><system.webServer><directoryBrowse enabled=\"false\" /></system.webServer></configuration>\n");
	ah_config_invalidate(cfg);
	assert_int_equal(ah_config_lookup(&a, cfg, "system.webServer/directoryBrowse", "WebSite1"), 0);
	assert_string_equal(ah_elem_get(ah_section_root(a), "enabled"), "false");
}

/* redirection.config moves applicationHost.config to another folder (spec §3.2). */
static void t_redirection(void **state)
{
	(void)state;
	setup_tree("");
	char buf[16384];
	snprintf(buf, sizeof(buf), "%s%s</configuration>\n", APPHOST_HEAD,
		 "  <system.webServer><directoryBrowse enabled=\"true\" /></system.webServer>\n");
	tu_write("share/applicationHost.config", buf);
	tu_write("config/redirection.config",
		 "<configuration>\n  <configSections><section name=\"configurationRedirection\" /></configSections>\n"
		 "  <configurationRedirection enabled=\"true\" path=\"%ROOT%\\share\" />\n</configuration>\n");
	ah_section *s = read_ok("system.webServer/directoryBrowse", "MACHINE/WEBROOT/APPHOST");
	assert_string_equal(ah_elem_get(ah_section_root(s), "enabled"), "true");
	ah_section_free(s);
	assert_string_equal(ah_config_apphost_path(cfg), tu_path("share/applicationHost.config"));
	ah_config_free(cfg);
	cfg = NULL;
	tu_write("config/redirection.config",
		 "<configuration>\n  <configurationRedirection enabled=\"false\" path=\"%ROOT%\\share\" />\n</configuration>\n");
	s = read_ok("system.webServer/directoryBrowse", "MACHINE/WEBROOT/APPHOST");
	assert_string_equal(ah_elem_get(ah_section_root(s), "enabled"), "false");
	ah_section_free(s);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(t_location_then_webconfig_prepend, setup, teardown),
		cmocka_unit_test_setup_teardown(t_append_and_origin, setup, teardown),
		cmocka_unit_test_setup_teardown(t_attributes_merge, setup, teardown),
		cmocka_unit_test_setup_teardown(t_override_mode_default_deny, setup, teardown),
		cmocka_unit_test_setup_teardown(t_override_mode_location, setup, teardown),
		cmocka_unit_test_setup_teardown(t_lock_attributes, setup, teardown),
		cmocka_unit_test_setup_teardown(t_lock_attributes_star_and_unknown, setup, teardown),
		cmocka_unit_test_setup_teardown(t_lock_binds_lower_files_only, setup, teardown),
		cmocka_unit_test_setup_teardown(t_lock_item, setup, teardown),
		cmocka_unit_test_setup_teardown(t_lock_elements_directives, setup, teardown),
		cmocka_unit_test_setup_teardown(t_duplicates, setup, teardown),
		cmocka_unit_test_setup_teardown(t_duplicates_large, setup, teardown),
		cmocka_unit_test_setup_teardown(t_inherit_in_child_applications, setup, teardown),
		cmocka_unit_test_setup_teardown(t_allow_subdir_config, setup, teardown),
		cmocka_unit_test_setup_teardown(t_allow_definition, setup, teardown),
		cmocka_unit_test_setup_teardown(t_config_source, setup, teardown),
		cmocka_unit_test_setup_teardown(t_file_errors, setup, teardown),
		cmocka_unit_test_setup_teardown(t_section_errors, setup, teardown),
		cmocka_unit_test_setup_teardown(t_broken_apphost_at_site_path, setup, teardown),
		cmocka_unit_test_setup_teardown(t_validation_and_required, setup, teardown),
		cmocka_unit_test_setup_teardown(t_collection_defaults, setup, teardown),
		cmocka_unit_test_setup_teardown(t_paths, setup, teardown),
		cmocka_unit_test_setup_teardown(t_reload, setup, teardown),
		cmocka_unit_test_setup_teardown(t_lookup_cache, setup, teardown),
		cmocka_unit_test_setup_teardown(t_redirection, setup, teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
