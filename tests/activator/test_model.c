/*
 * Unit tests of apphostd's model of the configuration (src/activator/
 * model.c) and of pool identities (ident.c): timeSpan values, effective
 * application pools through applicationDefaults, the bindings served,
 * webLimits' header wait, and the dynamic uids of ApplicationPoolIdentity
 * pools (the hash, and collisions moved to the next free number), a range
 * with no free number (the pool refuses to start) and a registry that
 * cannot be read (left as it is).
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include "ident.h"
#include "model.h"
#include "util/alloc.h"
#include "util/buf.h"
#include "util/fs.h"
#include "util/str.h"

#include <errno.h>
#include <grp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>

static void test_timespan(void **state)
{
	(void)state;
	uint64_t ms;
	assert_true(ad_timespan_ms("00:01:30", &ms));
	assert_int_equal(ms, 90000);
	assert_true(ad_timespan_ms("29:00:00", &ms));
	assert_int_equal(ms, 29ull * 3600 * 1000);
	assert_true(ad_timespan_ms("1.05:00:00", &ms));
	assert_int_equal(ms, 29ull * 3600 * 1000);
	assert_true(ad_timespan_ms("00:00:00.2500000", &ms));
	assert_int_equal(ms, 250);
	assert_false(ad_timespan_ms("", &ms));
	assert_false(ad_timespan_ms("00:01", &ms));
	assert_false(ad_timespan_ms("00:01:30x", &ms));
	assert_false(ad_timespan_ms("a:b:c", &ms));
}

static ad_model *load(const char *body)
{
	char dir[] = "/tmp/ah-model.XXXXXX";
	assert_non_null(mkdtemp(dir));
	char *tmpl;
	size_t n;
	assert_int_equal(ah_fs_read(&tmpl, &n, NULL, AH_TEST_SRCDIR "/etc/applicationHost.config"), 0);
	char *end = strchr(strstr(tmpl, "</configProtectedData>"), '\n') + 1;
	ah_buf b = AH_BUF_INIT;
	ah_buf_put(&b, tmpl, (size_t)(end - tmpl));
	ah_buf_printf(&b, "%s</configuration>\n", body);
	char path[256];
	snprintf(path, sizeof(path), "%s/applicationHost.config", dir);
	FILE *f = fopen(path, "w");
	assert_non_null(f);
	fwrite(b.ptr, 1, b.len, f);
	fclose(f);
	ah_buf_free(&b);
	ah_free(tmpl);
	ah_config_opts o = {.config_dir = dir, .schema_dir = AH_TEST_SRCDIR "/schema"};
	ah_config *cfg;
	ad_model *m;
	assert_int_equal(ah_config_open(&cfg, &o), 0);
	assert_int_equal(ad_model_load(&m, cfg), 0);
	ah_config_free(cfg);
	unlink(path);
	rmdir(dir);
	return m;
}

static void test_model(void **state)
{
	(void)state;
	ad_model *m = load(
		"<system.applicationHost>\n"
		" <applicationPools>\n"
		"  <add name=\"P1\" queueLength=\"20\" startMode=\"AlwaysRunning\" autoStart=\"false\">\n"
		"   <processModel identityType=\"NetworkService\" startupTimeLimit=\"00:00:05\" />\n"
		"   <recycling disallowOverlappingRotation=\"true\" />\n"
		"  </add>\n"
		"  <add name=\"P2\" />\n"
		" </applicationPools>\n"
		" <sites>\n"
		"  <site name=\"S\" id=\"3\" serverAutoStart=\"false\">\n"
		"   <applicationDefaults applicationPool=\"P2\" />\n"
		"   <application path=\"/\" />\n"
		"   <application path=\"/one\" applicationPool=\"P1\" />\n"
		"   <bindings>\n"
		"    <binding protocol=\"http\" bindingInformation=\"*:8080:A.test\" />\n"
		"    <binding protocol=\"https\" bindingInformation=\"*:8443:\" />\n"
		"    <binding protocol=\"http\" bindingInformation=\"nonsense\" />\n"
		"   </bindings>\n"
		"  </site>\n"
		"  <applicationDefaults applicationPool=\"P1\" />\n"
		" </sites>\n"
		" <webLimits headerWaitTimeout=\"00:00:07\" />\n"
		"</system.applicationHost>\n");
	assert_int_equal(m->npools, 2);
	const ad_pool_def *p1 = ad_model_pool(m, "p1");
	assert_non_null(p1);
	assert_int_equal(p1->queue_len, 20);
	assert_true(p1->always_running);
	assert_false(p1->auto_start);
	assert_int_equal(p1->identity, AD_ID_NETWORKSERVICE);
	assert_int_equal(p1->startup_ms, 5000);
	assert_int_equal(p1->shutdown_ms, 90000);
	assert_true(p1->no_overlap);
	const ad_pool_def *p2 = ad_model_pool(m, "P2");
	assert_int_equal(p2->identity, AD_ID_APPPOOL);
	assert_int_equal(p2->queue_len, 1000);
	assert_true(p2->auto_start);
	assert_int_not_equal(p1->fingerprint, p2->fingerprint);
	assert_int_equal(m->nsites, 1);
	const ad_site *s = ad_model_site(m, "s");
	assert_int_equal(s->id, 3);
	assert_false(s->auto_start);
	assert_int_equal(s->nbindings, 1);
	assert_string_equal(s->bindings[0].host, "a.test");
	assert_string_equal(ad_model_app(s, "/")->pool, "P2");
	assert_string_equal(ad_model_app_for(s, "/one/x")->pool, "P1");
	assert_string_equal(ad_model_app_for(s, "/onex")->pool, "P2");
	assert_true(ad_model_site_uses_pool(s, "p1"));
	assert_int_equal(m->header_wait_ms, 7000);
	ad_model_free(m);

	m = load("<system.applicationHost><sites /></system.applicationHost>\n");
	assert_int_equal(m->header_wait_ms, 120000); /* HTTP.sys's default */
	ad_model_free(m);
}

static void test_uids(void **state)
{
	(void)state;
	uid_t u = ad_apppool_uid_hash("DefaultAppPool");
	assert_int_equal(u, ad_apppool_uid_hash("defaultapppool"));
	assert_int_equal(u, AD_DYNAMIC_UID_MIN + ah_strhash("defaultapppool", true) % 4336);
	/* two names with the same first choice */
	char a[16] = "", b[16] = "";
	static uid_t seen[65536];
	static char names[65536][16];
	for (int i = 0; i < 100000 && !b[0]; i++) {
		char n[16];
		snprintf(n, sizeof(n), "pool%d", i);
		uid_t h = ad_apppool_uid_hash(n);
		if (seen[h]) {
			snprintf(a, sizeof(a), "%s", names[h]);
			snprintf(b, sizeof(b), "%s", n);
		}
		seen[h] = 1;
		snprintf(names[h], sizeof(names[h]), "%s", n);
	}
	assert_true(b[0]);
	ah_arena *ar = ah_arena_new();
	ad_pool_def defs[3] = {
		{.name = b, .identity = AD_ID_APPPOOL},
		{.name = "Other", .identity = AD_ID_NETWORKSERVICE},
		{.name = a, .identity = AD_ID_APPPOOL},
	};
	ad_model m = {.arena = ar, .pools = defs, .npools = 3};
	uid_t uids[3];
	ad_apppool_uids(&m, uids);
	assert_int_equal(uids[1], 0);
	assert_int_not_equal(uids[0], uids[2]);
	/* the first by name keeps its number; the other moves on */
	const char *first = strcasecmp(a, b) < 0 ? a : b;
	int fi = first == a ? 2 : 0;
	assert_int_equal(uids[fi], ad_apppool_uid_hash(first));
	assert_true(uids[2 - fi] >= AD_DYNAMIC_UID_MIN && uids[2 - fi] <= AD_DYNAMIC_UID_MAX);
	/* every pool has its own group, numbered the same way, whatever its identity */
	gid_t gids[3];
	ad_pool_gids(&m, gids);
	assert_int_not_equal(gids[0], gids[2]);
	assert_true(gids[1] >= AD_DYNAMIC_UID_MIN && gids[1] <= AD_DYNAMIC_UID_MAX);
	assert_int_not_equal(gids[1], gids[0]);
	assert_int_not_equal(gids[1], gids[2]);
	if (!getgrgid(ad_apppool_uid_hash("Other")))
		assert_int_equal(gids[1], ad_apppool_uid_hash("Other"));
	ah_arena_free(ar);
	assert_string_equal(ad_user_part("CONTOSO\\alice"), "alice");
	assert_string_equal(ad_user_part(".\\bob"), "bob");
	assert_string_equal(ad_user_part("carol"), "carol");

	ad_creds c;
	defs[0].manual_groups = true;
	ad_pool_creds(&c, &defs[0], 61500, 61600, true);
	assert_true(c.change);
	assert_int_equal(c.uid, 61500);
	assert_int_equal(c.gid, 61600);
	assert_int_equal(c.ngroups, 1);
	assert_int_equal(c.groups[0], 61600);
	ad_pool_creds(&c, &defs[0], 61500, 61600, false);
	assert_false(c.change);
}

/* The registry keeps a pool's number when a pool that sorts before it, with
 * the same first choice, comes later (DESIGN.md §3): its files stay its. */
static void test_registry(void **state)
{
	(void)state;
	char a[16] = "", b[16] = "";
	static char names[65536][16];
	for (int i = 0; i < 100000 && !a[0]; i++) {
		char n[16];
		snprintf(n, sizeof(n), "pool%d", i);
		uid_t h = ad_apppool_uid_hash(n);
		if (names[h][0] && strcasecmp(n, names[h]) < 0) {
			snprintf(a, sizeof(a), "%s", n); /* a sorts first */
			snprintf(b, sizeof(b), "%s", names[h]);
		}
		if (!names[h][0])
			snprintf(names[h], sizeof(names[h]), "%s", n);
	}
	assert_true(a[0]);
	char dir[] = "/tmp/ah-registry.XXXXXX", path[64];
	assert_non_null(mkdtemp(dir));
	snprintf(path, sizeof(path), "%s/apppool-ids", dir);
	ad_ident_registry(path);
	ad_pool_def first[1] = {{.name = b, .identity = AD_ID_APPPOOL}};
	ad_model m1 = {.pools = first, .npools = 1};
	uid_t u1[1];
	ad_apppool_uids(&m1, u1);
	assert_int_equal(u1[0], ad_apppool_uid_hash(b));
	ad_pool_def both[2] = {{.name = a, .identity = AD_ID_APPPOOL},
			       {.name = b, .identity = AD_ID_APPPOOL}};
	ad_model m2 = {.pools = both, .npools = 2};
	uid_t u2[2];
	ad_apppool_uids(&m2, u2);
	assert_int_equal(u2[1], u1[0]); /* b keeps its number */
	assert_int_not_equal(u2[0], u2[1]);
	/* the registry says so, and a removed pool's number is not given away */
	char *text;
	size_t len;
	assert_int_equal(ah_fs_read(&text, &len, NULL, path), 0);
	char line[64];
	snprintf(line, sizeof(line), "u %u %s\n", (unsigned)u1[0], b);
	assert_non_null(strstr(text, line));
	snprintf(line, sizeof(line), "u %u %s\n", (unsigned)u2[0], a);
	assert_non_null(strstr(text, line));
	ah_free(text);
	ad_model m3 = {.pools = both, .npools = 1}; /* b removed */
	uid_t u3[1];
	ad_apppool_uids(&m3, u3);
	assert_int_equal(u3[0], u2[0]);
	ad_ident_registry(NULL);
	unlink(path);
	rmdir(dir);
	/* without a registry: name order decides, as before */
	ad_apppool_uids(&m2, u2);
	assert_int_equal(u2[0], ad_apppool_uid_hash(a));
}

/* Every number of the range taken (by the registry, for other pools): the
 * pool gets none, and credentials that refuse to apply; nothing is added to
 * the registry for it. */
static void test_range_exhausted(void **state)
{
	(void)state;
	char dir[] = "/tmp/ah-registry.XXXXXX", path[64];
	assert_non_null(mkdtemp(dir));
	snprintf(path, sizeof(path), "%s/apppool-ids", dir);
	ah_buf b = AH_BUF_INIT;
	for (unsigned id = AD_DYNAMIC_UID_MIN; id <= AD_DYNAMIC_UID_MAX; id++)
		ah_buf_printf(&b, "u %u other%u\ng %u other%u\n", id, id, id, id);
	assert_false(ah_buf_oom(&b));
	assert_int_equal(ah_fs_write_atomic(path, b.ptr, b.len, 0644), 0);
	ad_ident_registry(path);
	ad_pool_def defs[2] = {{.name = "Late", .identity = AD_ID_APPPOOL, .manual_groups = true},
			       {.name = "other61184", .identity = AD_ID_APPPOOL,
				.manual_groups = true}};
	ad_model m = {.pools = defs, .npools = 2};
	uid_t uids[2];
	gid_t gids[2];
	ad_apppool_uids(&m, uids);
	ad_pool_gids(&m, gids);
	assert_int_equal(uids[0], 0);
	assert_int_equal(gids[0], 0);
	/* a registered pool keeps its number */
	assert_int_equal(uids[1], AD_DYNAMIC_UID_MIN);
	assert_int_equal(gids[1], AD_DYNAMIC_UID_MIN);
	ad_creds c;
	ad_pool_creds(&c, &defs[0], uids[0], gids[0], true);
	assert_true(c.refuse);
	assert_int_equal(ad_creds_apply(&c), -EPERM);
	ad_pool_creds(&c, &defs[1], uids[1], gids[1], true);
	assert_false(c.refuse);
	assert_int_equal(c.uid, AD_DYNAMIC_UID_MIN);
	/* a pool of another identity without a group of its own refuses too */
	ad_pool_def sys = {.name = "Late", .identity = AD_ID_LOCALSYSTEM, .manual_groups = true};
	ad_pool_creds(&c, &sys, 0, 0, true);
	assert_true(c.refuse);
	char *text;
	size_t len;
	assert_int_equal(ah_fs_read(&text, &len, NULL, path), 0);
	assert_int_equal(len, b.len); /* nothing added for Late */
	ah_free(text);
	ah_buf_free(&b);
	ad_ident_registry(NULL);
	unlink(path);
	rmdir(dir);
}

/* A registry that exists but cannot be read (here a symbolic link to itself)
 * is never replaced by one with only the new numbers. */
static void test_registry_unreadable(void **state)
{
	(void)state;
	char dir[] = "/tmp/ah-registry.XXXXXX", path[64];
	assert_non_null(mkdtemp(dir));
	snprintf(path, sizeof(path), "%s/apppool-ids", dir);
	assert_int_equal(symlink("apppool-ids", path), 0);
	ad_ident_registry(path);
	ad_pool_def defs[1] = {{.name = "Fresh", .identity = AD_ID_APPPOOL}};
	ad_model m = {.pools = defs, .npools = 1};
	uid_t uids[1];
	ad_apppool_uids(&m, uids);
	/* the pool still gets its number for now */
	assert_true(uids[0] >= AD_DYNAMIC_UID_MIN && uids[0] <= AD_DYNAMIC_UID_MAX);
	struct stat st;
	assert_int_equal(lstat(path, &st), 0);
	assert_true(S_ISLNK(st.st_mode));
	ad_ident_registry(NULL);
	unlink(path);
	rmdir(dir);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_timespan),
		cmocka_unit_test(test_model),
		cmocka_unit_test(test_uids),
		cmocka_unit_test(test_registry),
		cmocka_unit_test(test_range_exhausted),
		cmocka_unit_test(test_registry_unreadable),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
