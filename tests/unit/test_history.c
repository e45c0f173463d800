/*
 * Backups and configuration history (include/apphost/history.h): what a
 * backup folder holds, names, duplicates, delete, restore (byte for byte, the
 * live file's mode kept, a file the backup lacks removed, a damaged backup
 * refused without touching anything), and configHistory: folders
 * CFGHISTORY_nnnnnnnnnn, one snapshot per change and period, pruning to
 * maxHistories, enabled="false", the default folder used only when it
 * exists, interrupted snapshots swept, and a snapshot after a write
 * transaction. Expected values come from history.h and IIS's documentation
 * of configHistory (defaults: enabled, %SystemDrive%\inetpub\history, 10
 * histories, 00:02:00).
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include "apphost/config.h"
#include "apphost/edit.h"
#include "apphost/history.h"
#include "testutil.h"
#include "util/alloc.h"

#include <sys/time.h>
#include <time.h>

static ah_config *cfg;

static const char HEAD[] =
	"<?xml version=\"1.0\" encoding=\"UTF-8\"?>\r\n"
	"<configuration>\r\n"
	"    <configSections>\r\n"
	"        <sectionGroup name=\"system.applicationHost\">\r\n"
	"            <section name=\"applicationPools\" allowDefinition=\"AppHostOnly\" "
	"overrideModeDefault=\"Deny\" />\r\n"
	"            <section name=\"configHistory\" allowDefinition=\"AppHostOnly\" "
	"overrideModeDefault=\"Deny\" />\r\n"
	"        </sectionGroup>\r\n"
	"    </configSections>\r\n"
	"    <system.applicationHost>\r\n";

static const char TAIL[] =
	"        <applicationPools>\r\n"
	"            <add name=\"DefaultAppPool\" />\r\n"
	"        </applicationPools>\r\n"
	"    </system.applicationHost>\r\n"
	"</configuration>\r\n";

static char *slurp(const char *rel, size_t *len)
{
	FILE *f = fopen(tu_path(rel), "rb");
	if (!f)
		return NULL;
	static char buf[65536];
	size_t n = fread(buf, 1, sizeof(buf) - 1, f);
	fclose(f);
	buf[n] = '\0';
	if (len)
		*len = n;
	return buf;
}

/* applicationHost.config with `history` (a configHistory element or "")
 * and a marker comment that tests change to make a new version. */
static void write_apphost(const char *history, const char *marker)
{
	char buf[8192];
	snprintf(buf, sizeof(buf), "%s%s        <!-- %s -->\r\n%s", HEAD, history, marker, TAIL);
	tu_write("config/applicationHost.config", buf);
}

static void open_store(void)
{
	ah_config_free(cfg);
	ah_config_opts o = {.config_dir = tu_path("config"), .schema_dir = AH_TEST_SRCDIR "/schema"};
	assert_int_equal(ah_config_open(&cfg, &o), 0);
}

static int setup(void **state)
{
	(void)state;
	tu_begin();
	setenv("APPHOST_SYSTEM_DRIVE", tu_root, 1);
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

static bool same_file(const char *a, const char *b)
{
	size_t la, lb;
	char *x = slurp(a, &la);
	if (!x)
		return false;
	char *copy = malloc(la + 1);
	memcpy(copy, x, la + 1);
	char *y = slurp(b, &lb);
	bool r = y && la == lb && memcmp(copy, y, la) == 0;
	free(copy);
	return r;
}

static bool exists(const char *rel)
{
	struct stat st;
	return stat(tu_path(rel), &st) == 0;
}

/* ---- backups ----------------------------------------------------------------------------- */

/* A backup holds applicationHost.config and administration.config byte for
 * byte, no redirection.config when there is none, and lists by name. */
static void t_backup_add_list(void **state)
{
	(void)state;
	write_apphost("", "v1");
	tu_write("config/administration.config", "<configuration>\n</configuration>\n");
	open_store();
	char *name = NULL;
	assert_int_equal(ah_backup_add(&name, cfg, "MyBackup"), 0);
	assert_string_equal(name, "MyBackup");
	ah_free(name);
	assert_true(same_file("config/backup/MyBackup/applicationHost.config",
			      "config/applicationHost.config"));
	assert_true(same_file("config/backup/MyBackup/administration.config",
			      "config/administration.config"));
	assert_false(exists("config/backup/MyBackup/redirection.config"));
	assert_int_equal(ah_backup_add(NULL, cfg, "another"), 0);
	ah_names l;
	assert_int_equal(ah_backup_list(&l, cfg), 0);
	assert_int_equal(l.n, 2);
	assert_string_equal(l.v[0], "another"); /* name order, case-insensitive */
	assert_string_equal(l.v[1], "MyBackup");
	ah_names_free(&l);
	assert_true(ah_backup_exists(cfg, "MyBackup"));
	assert_false(ah_backup_exists(cfg, "Nope"));
}

/* Without a name, the local time as yyyyMMddTHHmmss. */
static void t_backup_auto_name(void **state)
{
	(void)state;
	write_apphost("", "v1");
	open_store();
	time_t before = time(NULL);
	char *name = NULL;
	assert_int_equal(ah_backup_add(&name, cfg, NULL), 0);
	time_t after = time(NULL);
	assert_int_equal(strlen(name), 15);
	assert_int_equal(name[8], 'T');
	bool match = false;
	for (time_t t = before; t <= after && !match; t++) {
		char want[32];
		struct tm tm;
		localtime_r(&t, &tm);
		strftime(want, sizeof(want), "%Y%m%dT%H%M%S", &tm);
		match = strcmp(want, name) == 0;
	}
	assert_true(match);
	assert_true(ah_backup_exists(cfg, name));
	ah_free(name);
}

static void t_backup_duplicate_and_bad_names(void **state)
{
	(void)state;
	write_apphost("", "v1");
	open_store();
	assert_int_equal(ah_backup_add(NULL, cfg, "b1"), 0);
	ah_error_clear();
	assert_int_equal(ah_backup_add(NULL, cfg, "b1"), AH_EEXISTS);
	const char *bad[] = {"", ".hidden", "a/b", "..", "a\\b", "tab\there"};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		ah_error_clear();
		assert_int_equal(ah_backup_add(NULL, cfg, bad[i]), AH_EINVALID);
	}
	ah_names l;
	assert_int_equal(ah_backup_list(&l, cfg), 0);
	assert_int_equal(l.n, 1);
	ah_names_free(&l);
}

/* Nothing to back up without applicationHost.config. */
static void t_backup_needs_apphost(void **state)
{
	(void)state;
	tu_mkdirs(tu_path("config"));
	open_store();
	assert_int_equal(ah_backup_add(NULL, cfg, "x"), AH_ENOTFOUND);
	assert_false(exists("config/backup/x"));
}

static void t_backup_delete(void **state)
{
	(void)state;
	write_apphost("", "v1");
	open_store();
	assert_int_equal(ah_backup_add(NULL, cfg, "gone"), 0);
	assert_int_equal(ah_backup_delete(cfg, "gone"), 0);
	assert_false(exists("config/backup/gone"));
	ah_error_clear();
	assert_int_equal(ah_backup_delete(cfg, "gone"), AH_ENOTFOUND);
	assert_string_equal(ah_error_last()->message,
			    "Cannot find BACKUP object with identifier \"gone\".");
	ah_names l;
	assert_int_equal(ah_backup_list(&l, cfg), 0);
	assert_int_equal(l.n, 0);
	ah_names_free(&l);
}

/* Restore puts the backup's bytes back, keeps the live file's mode, and
 * removes a redirection.config the backup does not hold. */
static void t_backup_restore(void **state)
{
	(void)state;
	write_apphost("", "v1");
	chmod(tu_path("config/applicationHost.config"), 0640);
	open_store();
	assert_int_equal(ah_backup_add(NULL, cfg, "good"), 0);
	write_apphost("", "v2 changed after the backup");
	tu_write("config/redirection.config", "<configuration>\n</configuration>\n");
	open_store();
	assert_int_equal(ah_backup_restore(cfg, "good"), 0);
	assert_true(same_file("config/applicationHost.config",
			      "config/backup/good/applicationHost.config"));
	assert_non_null(strstr(slurp("config/applicationHost.config", NULL), "<!-- v1 -->"));
	assert_false(exists("config/redirection.config"));
	struct stat st;
	assert_int_equal(stat(tu_path("config/applicationHost.config"), &st), 0);
	assert_int_equal(st.st_mode & 0777, 0640);
	/* no lock or temporary file is left in the configuration folder */
	assert_false(exists("config/applicationHost.config.lock"));
	ah_error_clear();
	assert_int_equal(ah_backup_restore(cfg, "missing"), AH_ENOTFOUND);
}

/* A damaged backup is refused and the live files stay as they are. */
static void t_backup_restore_damaged(void **state)
{
	(void)state;
	write_apphost("", "v1");
	open_store();
	assert_int_equal(ah_backup_add(NULL, cfg, "bad"), 0);
	tu_write("config/backup/bad/applicationHost.config", "<configuration>\n  <oops>\n");
	write_apphost("", "live");
	struct stat before, after;
	assert_int_equal(stat(tu_path("config/applicationHost.config"), &before), 0);
	assert_int_equal(ah_backup_restore(cfg, "bad"), AH_ECONFIG);
	assert_string_equal(ah_error_last()->message, "Configuration file is not well-formed XML");
	assert_int_equal(stat(tu_path("config/applicationHost.config"), &after), 0);
	assert_int_equal(before.st_ino, after.st_ino);
	assert_non_null(strstr(slurp("config/applicationHost.config", NULL), "<!-- live -->"));
}

/* ---- configuration history ------------------------------------------------------------ */

#define HIST_EXPLICIT(extra)                                                                  \
	"        <configHistory path=\"%SystemDrive%\\hist\"" extra " />\r\n"

static ah_names history(void)
{
	ah_names l;
	assert_int_equal(ah_history_list(&l, cfg), 0);
	return l;
}

static bool save(unsigned flags)
{
	bool taken = false;
	assert_int_equal(ah_history_save(&taken, cfg, flags), 0);
	return taken;
}

/* Make the newest snapshot look `age` seconds old. */
static void age_snapshot(const char *name, long age)
{
	char rel[256];
	snprintf(rel, sizeof(rel), "hist/%s", name);
	struct timeval tv[2];
	gettimeofday(&tv[0], NULL);
	tv[0].tv_sec -= age;
	tv[1] = tv[0];
	assert_int_equal(utimes(tu_path(rel), tv), 0);
}

/* An explicit path is created; a snapshot per change, once per period. */
static void t_history_snapshots(void **state)
{
	(void)state;
	write_apphost(HIST_EXPLICIT(""), "v1");
	open_store();
	char *dir;
	assert_int_equal(ah_history_dir(&dir, cfg), 0);
	char want[512];
	snprintf(want, sizeof(want), "%s/hist", tu_root);
	assert_string_equal(dir, want);
	ah_free(dir);
	assert_true(save(0));
	assert_true(same_file("hist/CFGHISTORY_0000000001/applicationHost.config",
			      "config/applicationHost.config"));
	/* unchanged: nothing new, even when forced */
	assert_false(save(0));
	assert_false(save(AH_HISTORY_FORCE));
	/* changed, but within the period (default 2 minutes) */
	write_apphost(HIST_EXPLICIT(""), "v2");
	open_store();
	assert_false(save(0));
	/* forced: the period is ignored */
	assert_true(save(AH_HISTORY_FORCE));
	write_apphost(HIST_EXPLICIT(""), "v3");
	open_store();
	assert_false(save(0));
	/* once the newest is older than the period */
	age_snapshot("CFGHISTORY_0000000002", 121);
	assert_true(save(0));
	ah_names l = history();
	assert_int_equal(l.n, 3);
	assert_string_equal(l.v[0], "CFGHISTORY_0000000001");
	assert_string_equal(l.v[1], "CFGHISTORY_0000000002");
	assert_string_equal(l.v[2], "CFGHISTORY_0000000003");
	ah_names_free(&l);
	assert_non_null(strstr(slurp("hist/CFGHISTORY_0000000003/applicationHost.config", NULL),
			       "<!-- v3 -->"));
}

/* period is read from the section: 10 seconds. */
static void t_history_period(void **state)
{
	(void)state;
	write_apphost(HIST_EXPLICIT(" period=\"00:00:10\""), "v1");
	open_store();
	assert_true(save(0));
	write_apphost(HIST_EXPLICIT(" period=\"00:00:10\""), "v2");
	open_store();
	age_snapshot("CFGHISTORY_0000000001", 5);
	assert_false(save(0));
	age_snapshot("CFGHISTORY_0000000001", 11);
	assert_true(save(0));
}

/* maxHistories: the lowest numbers go first. */
static void t_history_prune(void **state)
{
	(void)state;
	char marker[16];
	for (int i = 1; i <= 5; i++) {
		snprintf(marker, sizeof(marker), "v%d", i);
		write_apphost(HIST_EXPLICIT(" maxHistories=\"3\""), marker);
		open_store();
		assert_true(save(AH_HISTORY_FORCE));
	}
	ah_names l = history();
	assert_int_equal(l.n, 3);
	assert_string_equal(l.v[0], "CFGHISTORY_0000000003");
	assert_string_equal(l.v[2], "CFGHISTORY_0000000005");
	ah_names_free(&l);
	assert_false(exists("hist/CFGHISTORY_0000000001"));
}

static void t_history_disabled(void **state)
{
	(void)state;
	write_apphost(HIST_EXPLICIT(" enabled=\"false\""), "v1");
	open_store();
	assert_false(save(AH_HISTORY_FORCE));
	assert_false(exists("hist"));
}

/* The default folder (%SystemDrive%\inetpub\history) is used only when it exists. */
static void t_history_default_folder(void **state)
{
	(void)state;
	write_apphost("", "v1");
	open_store();
	assert_false(save(AH_HISTORY_FORCE));
	assert_false(exists("inetpub/history"));
	tu_mkdirs(tu_path("inetpub/history"));
	assert_true(save(0));
	assert_true(exists("inetpub/history/CFGHISTORY_0000000001/applicationHost.config"));
}

/* A snapshot folder left half-written (a hidden temporary folder) is removed
 * by the next snapshot and never listed; the counter continues. */
static void t_history_sweeps_leftovers(void **state)
{
	(void)state;
	write_apphost(HIST_EXPLICIT(""), "v1");
	open_store();
	assert_true(save(0));
	tu_write("hist/.CFGHISTORY_0000000002.tmp.abcdef/applicationHost.config", "<conf");
	write_apphost(HIST_EXPLICIT(""), "v2");
	open_store();
	assert_true(save(AH_HISTORY_FORCE));
	assert_false(exists("hist/.CFGHISTORY_0000000002.tmp.abcdef"));
	ah_names l = history();
	assert_int_equal(l.n, 2);
	assert_string_equal(l.v[1], "CFGHISTORY_0000000002");
	ah_names_free(&l);
}

/* A configuration that is not well-formed is never saved. */
static void t_history_skips_broken(void **state)
{
	(void)state;
	write_apphost(HIST_EXPLICIT(""), "v1");
	open_store();
	assert_true(save(0));
	tu_write("config/applicationHost.config", "<configuration>\n  <oops>\n");
	open_store();
	bool taken = true;
	ah_error_clear();
	assert_int_equal(ah_history_save(&taken, cfg, AH_HISTORY_FORCE), AH_ECONFIG);
	assert_false(taken);
	assert_true(exists("hist/CFGHISTORY_0000000001"));
	assert_false(exists("hist/CFGHISTORY_0000000002"));
}

/* A write transaction leaves a snapshot of what it wrote; a restore saves
 * the configuration it replaces first; a snapshot restores by name. */
static void t_history_after_commit_and_restore(void **state)
{
	(void)state;
	write_apphost(HIST_EXPLICIT(""), "v1");
	open_store();
	ah_tx *tx;
	assert_int_equal(ah_tx_begin(&tx, cfg), 0);
	ah_step item = {.keys = (const char *[]){"name"},
			.values = (const char *[]){"DefaultAppPool"},
			.nkeys = 1,
			.index = AH_POS_NONE};
	ah_where w = {.path = "MACHINE/WEBROOT/APPHOST",
		      .section = "system.applicationHost/applicationPools",
		      .steps = &item,
		      .nsteps = 1};
	assert_int_equal(ah_tx_set(tx, &w, "queueLength", "2000"), 0);
	assert_int_equal(ah_tx_commit(tx), 0);
	ah_tx_free(tx);
	assert_null(ah_error_last());
	assert_true(same_file("hist/CFGHISTORY_0000000001/applicationHost.config",
			      "config/applicationHost.config"));
	assert_non_null(strstr(slurp("config/applicationHost.config", NULL), "queueLength=\"2000\""));

	assert_int_equal(ah_backup_add(NULL, cfg, "before"), 0);
	write_apphost(HIST_EXPLICIT(""), "edited by hand");
	open_store();
	assert_int_equal(ah_backup_restore(cfg, "before"), 0);
	/* the hand-edited file went to the history before being replaced */
	assert_non_null(strstr(slurp("hist/CFGHISTORY_0000000002/applicationHost.config", NULL),
			       "<!-- edited by hand -->"));
	/* and a snapshot restores like a backup */
	assert_int_equal(ah_backup_restore(cfg, "CFGHISTORY_0000000002"), 0);
	assert_non_null(strstr(slurp("config/applicationHost.config", NULL),
			       "<!-- edited by hand -->"));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(t_backup_add_list, setup, teardown),
		cmocka_unit_test_setup_teardown(t_backup_auto_name, setup, teardown),
		cmocka_unit_test_setup_teardown(t_backup_duplicate_and_bad_names, setup, teardown),
		cmocka_unit_test_setup_teardown(t_backup_needs_apphost, setup, teardown),
		cmocka_unit_test_setup_teardown(t_backup_delete, setup, teardown),
		cmocka_unit_test_setup_teardown(t_backup_restore, setup, teardown),
		cmocka_unit_test_setup_teardown(t_backup_restore_damaged, setup, teardown),
		cmocka_unit_test_setup_teardown(t_history_snapshots, setup, teardown),
		cmocka_unit_test_setup_teardown(t_history_period, setup, teardown),
		cmocka_unit_test_setup_teardown(t_history_prune, setup, teardown),
		cmocka_unit_test_setup_teardown(t_history_disabled, setup, teardown),
		cmocka_unit_test_setup_teardown(t_history_default_folder, setup, teardown),
		cmocka_unit_test_setup_teardown(t_history_sweeps_leftovers, setup, teardown),
		cmocka_unit_test_setup_teardown(t_history_skips_broken, setup, teardown),
		cmocka_unit_test_setup_teardown(t_history_after_commit_and_restore, setup, teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
