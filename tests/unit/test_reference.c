/*
 * Real IIS files (../shared/reference, skipped when absent): every
 * applicationHost.config loads with each real schema set, the sites and pools
 * have the values the files say, every section reads at every site without an
 * error (except the ones the files really contain), and real web.config files
 * merge under a site as IIS merges them.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include "apphost/config.h"
#include "testutil.h"

#define REF AH_TEST_SHARED "/reference"

static ah_config *open_ref(const char *file, const char *schema_set)
{
	char apphost[512], schema[512];
	snprintf(apphost, sizeof(apphost), "%s/apphost/%s", REF, file);
	snprintf(schema, sizeof(schema), "%s/schema/%s", REF, schema_set);
	ah_config_opts o = {.config_dir = tu_path("config"), .apphost_file = apphost,
			    .schema_dir = schema};
	ah_config *cfg = NULL;
	ah_error_clear();
	if (ah_config_open(&cfg, &o) < 0)
		fail_msg("open %s with %s: %s", file, schema_set, ah_error_last()->message);
	return cfg;
}

static ah_section *section(ah_config *cfg, const char *name, const char *path)
{
	ah_section *s = NULL;
	ah_error_clear();
	if (ah_config_section(&s, cfg, name, path) < 0)
		fail_msg("%s at %s: %s (line %u)", name, path, ah_error_last()->message,
			 ah_error_last()->line);
	return s;
}

static int setup(void **state)
{
	(void)state;
	tu_begin();
	setenv("APPHOST_SYSTEM_DRIVE", tu_root, 1);
	setenv("JEXUS_TEST_HOME", tu_path("jexus"), 1);
	tu_mkdirs(tu_path("config"));
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	tu_end();
	return 0;
}

/* Every section of the schema, at APPHOST and at `site`: the only errors are `allowed`. */
static void read_everything(ah_config *cfg, const char *site, const char *const *allowed)
{
	const char *const *names;
	size_t n;
	assert_int_equal(ah_config_section_names(&names, &n, cfg, NULL), 0);
	assert_true(n > 20);
	const char *paths[] = {"MACHINE/WEBROOT/APPHOST", site};
	for (int p = 0; p < 2; p++) {
		for (size_t i = 0; i < n; i++) {
			ah_section *s = NULL;
			ah_error_clear();
			if (ah_config_section(&s, cfg, names[i], paths[p]) == 0) {
				ah_section_free(s);
				continue;
			}
			const char *msg = ah_error_last()->message;
			if (strstr(msg, "missing a section declaration"))
				continue; /* a schema section the file does not register */
			bool ok = false;
			for (const char *const *a = allowed; *a && !ok; a++)
				ok = strcmp(*a, names[i]) == 0;
			if (!ok)
				fail_msg("%s at %s: %s (line %u)", names[i], paths[p], msg,
					 ah_error_last()->line);
		}
	}
}

static void t_iisexpress_sample(void **state)
{
	(void)state;
	ah_config *cfg = open_ref("iisexpress-sample.applicationHost.config", "iis10");
	ah_section *s = section(cfg, "system.applicationHost/sites", "MACHINE/WEBROOT/APPHOST");
	const ah_elem *r = ah_section_root(s);
	assert_int_equal(ah_elem_item_count(r), 12);
	const ah_elem *guess = ah_elem_find_item(r, "name", "GuessMeWeb");
	assert_non_null(guess);
	assert_string_equal(ah_elem_get(guess, "id"), "2");
	const ah_elem *b = ah_elem_child(guess, "bindings");
	assert_int_equal(ah_elem_item_count(b), 2);
	assert_string_equal(ah_elem_get(ah_elem_item_at(b, 1), "bindingInformation"),
			    "*:44300:localhost");
	assert_string_equal(ah_elem_get(ah_elem_item_at(b, 1), "sslFlags"), "1");
	const ah_elem *ws1 = ah_elem_find_item(r, "name", "WebSite1");
	assert_int_equal(ah_elem_item_count(ah_elem_child(ws1, "bindings")), 14);
	/* applicationDefaults of the file supply the pool of WebSite1's root application */
	const ah_elem *app = ah_elem_item_at(ws1, 0);
	assert_string_equal(ah_elem_get(app, "applicationPool"), "Clr4IntegratedAppPool");
	assert_string_equal(ah_elem_get(ah_elem_item_at(app, 0), "physicalPath"),
			    "%JEXUS_TEST_HOME%\\WebSite1");
	/* siteDefaults supply the log folder */
	assert_string_equal(ah_elem_get(ah_elem_child(ws1, "logFile"), "directory"),
			    "%IIS_USER_HOME%\\Logs");
	ah_section_free(s);

	s = section(cfg, "system.applicationHost/applicationPools", "MACHINE/WEBROOT/APPHOST");
	r = ah_section_root(s);
	assert_int_equal(ah_elem_item_count(r), 5);
	const ah_elem *p = ah_elem_find_item(r, "name", "Clr2ClassicAppPool");
	assert_string_equal(ah_elem_get(p, "managedRuntimeVersion"), "v2.0");
	assert_string_equal(ah_elem_get(p, "managedPipelineMode"), "Classic");
	assert_string_equal(ah_elem_get(p, "managedRuntimeLoader"), "v4.0"); /* applicationPoolDefaults */
	p = ah_elem_find_item(r, "name", "Clr4IntegratedAppPool");
	assert_string_equal(ah_elem_get(ah_elem_child(p, "processModel"), "loadUserProfile"), "true");
	assert_string_equal(ah_elem_get(ah_elem_child(p, "processModel"), "identityType"),
			    "ApplicationPoolIdentity");
	ah_section_free(s);

	/* the file's caching profile has duration 00:00:00, outside IIS's range 1 s..49.17:02:47 */
	static const char *const allowed[] = {"system.webServer/caching", NULL};
	read_everything(cfg, "WebSite1", allowed);

	/* the file locks httpErrors' defaultPath: a site web.config setting it is a lock violation */
	tu_write("jexus/WebSite1/web.config",
		 "<configuration>\n  <system.webServer>\n    <httpErrors defaultPath=\"x.htm\" />\n"
		 "  </system.webServer>\n</configuration>\n");
	ah_config_refresh(cfg);
	ah_error_clear();
	assert_true(ah_config_section(&s, cfg, "system.webServer/httpErrors", "WebSite1") < 0);
	assert_string_equal(ah_error_last()->message, "Lock violation");
	assert_int_equal(ah_error_last()->line, 3);
	ah_config_free(cfg);
}

static void t_real_webconfigs(void **state)
{
	(void)state;
	ah_config *cfg = open_ref("iisexpress-sample.applicationHost.config", "iis10");
	char buf[8192];
	FILE *f = fopen(REF "/webconfig/site-defaultdocument.web.config", "r");
	assert_non_null(f);
	size_t n = fread(buf, 1, sizeof(buf) - 1, f);
	fclose(f);
	buf[n] = '\0';
	tu_write("jexus/WebSite1/web.config", buf);
	ah_section *s = section(cfg, "system.webServer/defaultDocument", "WebSite1");
	const ah_elem *files = ah_elem_child(ah_section_root(s), "files");
	/* defaultDocument prepends: the site's home1.html comes before the global list */
	assert_string_equal(ah_elem_get(ah_elem_item_at(files, 0), "value"), "home1.html");
	assert_string_equal(ah_elem_get(ah_elem_item_at(files, 1), "value"), "Default.htm");
	ah_section_free(s);
	ah_config_free(cfg);

	cfg = open_ref("iis-full.applicationHost.config", "iis10");
	f = fopen(REF "/webconfig/ancm-inprocess.web.config", "r");
	assert_non_null(f);
	n = fread(buf, 1, sizeof(buf) - 1, f);
	fclose(f);
	buf[n] = '\0';
	tu_write("inetpub/wwwroot/web.config", buf);
	s = section(cfg, "system.webServer/handlers", "Default Web Site");
	assert_string_equal(ah_elem_get(ah_elem_item_at(ah_section_root(s), 0), "name"), "aspNetCore");
	assert_string_equal(ah_elem_get(ah_elem_item_at(ah_section_root(s), 0), "modules"),
			    "AspNetCoreModuleV2");
	ah_section_free(s);
	s = section(cfg, "system.webServer/aspNetCore", "Default Web Site/sub");
	assert_string_equal(ah_elem_get(ah_section_root(s), "processPath"), "%LAUNCHER_PATH%");
	assert_string_equal(ah_elem_get(ah_section_root(s), "hostingModel"), "inprocess");
	ah_section_free(s);
	ah_config_free(cfg);
}

static void t_iis_full(void **state)
{
	(void)state;
	ah_config *cfg = open_ref("iis-full.applicationHost.config", "iis10");
	ah_section *s = section(cfg, "system.applicationHost/applicationPools", "MACHINE/WEBROOT/APPHOST");
	const ah_elem *p = ah_elem_item_at(ah_section_root(s), 0);
	assert_string_equal(ah_elem_get(p, "name"), "DefaultAppPool");
	assert_string_equal(ah_elem_get(p, "startMode"), "AlwaysRunning");
	assert_string_equal(ah_elem_get(p, "managedRuntimeVersion"), "v4.0");
	assert_string_equal(ah_elem_get(ah_elem_child(p, "processModel"), "identityType"), "LocalSystem");
	assert_string_equal(ah_elem_get(ah_elem_child(p, "processModel"), "setProfileEnvironment"),
			    "false");
	ah_section_free(s);
	s = section(cfg, "system.applicationHost/sites", "MACHINE/WEBROOT/APPHOST");
	const ah_elem *site = ah_elem_item_at(ah_section_root(s), 0);
	assert_string_equal(ah_elem_get(site, "name"), "Default Web Site");
	assert_string_equal(ah_elem_get(ah_elem_child(site, "logFile"), "logFormat"), "W3C");
	ah_section_free(s);
	static const char *const none[] = {NULL};
	read_everything(cfg, "Default Web Site", none);
	ah_config_free(cfg);
}

static void t_other_files_and_sets(void **state)
{
	(void)state;
	static const char *const none[] = {NULL};
	ah_config *cfg = open_ref("hostablewebcore.applicationHost.config", "iis10");
	read_everything(cfg, "Default Web Site", none);
	ah_config_free(cfg);
	cfg = open_ref("iisexpress.applicationHost.config", "iisexpress");
	ah_section *s = section(cfg, "system.applicationHost/applicationPools", "MACHINE/WEBROOT/APPHOST");
	assert_int_equal(ah_elem_item_count(ah_section_root(s)), 6);
	ah_section_free(s);
	read_everything(cfg, "HttpTestSite", none);
	ah_config_free(cfg);
	/* the IIS 7.0 schema: pools default to NetworkService */
	cfg = open_ref("iis-full.applicationHost.config", "iis70");
	ah_config_free(cfg);
	cfg = open_ref("hostablewebcore.applicationHost.config", "iis70");
	s = section(cfg, "system.applicationHost/applicationPools", "MACHINE/WEBROOT/APPHOST");
	assert_string_equal(ah_elem_get(ah_elem_child(ah_elem_item_at(ah_section_root(s), 0),
						      "processModel"),
					"identityType"),
			    "ApplicationPoolIdentity"); /* set in applicationPoolDefaults */
	ah_section_free(s);
	ah_config_free(cfg);
}

int main(void)
{
	if (access(REF "/apphost", R_OK) != 0) {
		printf("skipped: %s is absent\n", REF);
		return 77;
	}
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(t_iisexpress_sample, setup, teardown),
		cmocka_unit_test_setup_teardown(t_real_webconfigs, setup, teardown),
		cmocka_unit_test_setup_teardown(t_iis_full, setup, teardown),
		cmocka_unit_test_setup_teardown(t_other_files_and_sets, setup, teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
