/*
 * Unit tests of the isolated configuration (src/activator/isolate.c) read
 * back through the engine: a pool's file has only its applications, sites
 * and pool, no password, only the locations that apply to it, and the same
 * effective configuration as applicationHost.config at its own URLs.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include "apphost/config.h"
#include "apphost/errors.h"
#include "isolate.h"
#include "logacl.h"
#include "util/alloc.h"
#include "util/buf.h"
#include "util/fs.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/xattr.h>
#include <unistd.h>

static char dir[] = "/tmp/ah-isolate.XXXXXX";
static ah_buf src = AH_BUF_INIT;
static ad_model *model;

static const char *body =
	"    <system.applicationHost>\n"
	"        <applicationPools>\n"
	"            <add name=\"A\" />\n"
	"            <add name=\"B\">\n"
	"                <processModel identityType=\"SpecificUser\" userName=\"u\" password=\"pw-b\" />\n"
	"            </add>\n"
	"            <add name=\"C\" />\n"
	"        </applicationPools>\n"
	"        <sites>\n"
	"            <site name=\"S1\" id=\"1\">\n"
	"                <application path=\"/\" applicationPool=\"A\">\n"
	"                    <virtualDirectory path=\"/\" physicalPath=\"/tmp\" />\n"
	"                    <virtualDirectory path=\"/share\" physicalPath=\"/srv\" userName=\"y\" password=\"share-pw\" />\n"
	"                </application>\n"
	"                <application path=\"/c\" applicationPool=\"C\">\n"
	"                    <virtualDirectory path=\"/\" physicalPath=\"/tmp\" />\n"
	"                </application>\n"
	"                <application path=\"/b\" applicationPool=\"B\">\n"
	"                    <virtualDirectory path=\"/\" physicalPath=\"/tmp\" userName=\"x\" password=\"vdir-pw\" />\n"
	"                </application>\n"
	"                <bindings><binding protocol=\"http\" bindingInformation=\"*:80:\" /></bindings>\n"
	"            </site>\n"
	"            <site name=\"S2\" id=\"2\"><application path=\"/\" applicationPool=\"C\"><virtualDirectory path=\"/\" physicalPath=\"/tmp\" /></application></site>\n"
	"        </sites>\n"
	"    </system.applicationHost>\n"
	"    <system.webServer><defaultDocument enabled=\"false\" /></system.webServer>\n"
	"    <location path=\"S1\"><system.webServer><directoryBrowse enabled=\"true\" /></system.webServer></location>\n"
	"    <location path=\"S1/b\"><system.webServer><httpRedirect enabled=\"true\" /></system.webServer></location>\n"
	"    <location path=\"S2\"><system.webServer><directoryBrowse enabled=\"false\" /></system.webServer></location>\n";

static void write_file(const char *path, const char *data, size_t len)
{
	FILE *f = fopen(path, "w");
	assert_non_null(f);
	assert_int_equal(fwrite(data, 1, len, f), len);
	fclose(f);
}

static int setup(void **state)
{
	(void)state;
	assert_non_null(mkdtemp(dir));
	char *tmpl;
	size_t n;
	assert_int_equal(ah_fs_read(&tmpl, &n, NULL, AH_TEST_SRCDIR "/etc/applicationHost.config"), 0);
	char *end = strstr(tmpl, "</configProtectedData>");
	assert_non_null(end);
	end = strchr(end, '\n') + 1;
	ah_buf_put(&src, tmpl, (size_t)(end - tmpl));
	ah_buf_puts(&src, body);
	ah_buf_puts(&src, "</configuration>\n");
	ah_free(tmpl);
	char path[512];
	snprintf(path, sizeof(path), "%s/applicationHost.config", dir);
	write_file(path, src.ptr, src.len);
	ah_config_opts o = {.config_dir = dir, .schema_dir = AH_TEST_SRCDIR "/schema"};
	ah_config *cfg;
	assert_int_equal(ah_config_open(&cfg, &o), 0);
	assert_int_equal(ad_model_load(&model, cfg), 0);
	ah_config_free(cfg);
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	ad_model_free(model);
	ah_buf_free(&src);
	char cmd[600];
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
	return system(cmd) == 0 ? 0 : -1;
}

/* Render pool's file and open it with the engine, as its worker would. */
static ah_config *isolated(const char *pool, char **text)
{
	size_t len;
	assert_int_equal(ad_isolate_render(text, &len, src.ptr, src.len, model, pool), 0);
	char path[512];
	snprintf(path, sizeof(path), "%s/%s.config", dir, pool);
	write_file(path, *text, len);
	ah_config_opts o = {.config_dir = dir, .apphost_file = path,
			    .schema_dir = AH_TEST_SRCDIR "/schema"};
	ah_config *cfg;
	assert_int_equal(ah_config_open(&cfg, &o), 0);
	return cfg;
}

static const char *eff(ah_config *cfg, const char *section, const char *path, const char *attr)
{
	static char out[256];
	ah_section *s;
	int rc = ah_config_section(&s, cfg, section, path);
	if (rc < 0)
		return "(error)";
	snprintf(out, sizeof(out), "%s", ah_elem_get(ah_section_root(s), attr));
	ah_section_free(s);
	return out;
}

static void test_pool_b(void **state)
{
	(void)state;
	char *text;
	ah_config *cfg = isolated("B", &text);
	ah_section *s;
	assert_int_equal(ah_config_section(&s, cfg, "system.applicationHost/sites",
					   "MACHINE/WEBROOT/APPHOST"), 0);
	const ah_elem *root = ah_section_root(s);
	assert_int_equal(ah_elem_item_count(root), 1);
	const ah_elem *site = ah_elem_item_at(root, 0);
	assert_string_equal(ah_elem_get(site, "name"), "S1");
	/* its application, and the site's root application above it (pool A's):
	 * the root folder's web.config is the parent of /b's; /c (pool C) goes */
	assert_int_equal(ah_elem_item_count(site), 2);
	assert_string_equal(ah_elem_get(ah_elem_item_at(site, 0), "path"), "/");
	assert_string_equal(ah_elem_get(ah_elem_item_at(site, 0), "applicationPool"), "A");
	assert_string_equal(ah_elem_get(ah_elem_item_at(site, 1), "path"), "/b");
	ah_section_free(s);
	assert_null(strstr(text, "share-pw"));     /* another pool's secret */
	assert_non_null(strstr(text, "/share\" physicalPath=\"/srv\" userName=\"y\" />"));
	assert_null(strstr(text, "path=\"/c\""));
	assert_int_equal(ah_config_section(&s, cfg, "system.applicationHost/applicationPools",
					   "MACHINE/WEBROOT/APPHOST"), 0);
	root = ah_section_root(s);
	assert_int_equal(ah_elem_item_count(root), 1);
	const ah_elem *pool = ah_elem_item_at(root, 0);
	assert_string_equal(ah_elem_get(pool, "name"), "B");
	ah_attr_info pw;
	assert_true(ah_elem_attr(ah_elem_child(pool, "processModel"), "password", &pw));
	assert_int_not_equal(pw.source, AH_VALUE_SET);
	assert_string_equal(ah_elem_get(ah_elem_child(pool, "processModel"), "userName"), "u");
	ah_section_free(s);
	assert_null(strstr(text, "pw-b"));
	assert_non_null(strstr(text, "vdir-pw")); /* its own application's */
	/* the effective configuration at its URLs is the server's */
	assert_string_equal(eff(cfg, "system.webServer/directoryBrowse", "MACHINE/WEBROOT/APPHOST/S1/b",
				"enabled"), "true");
	assert_string_equal(eff(cfg, "system.webServer/httpRedirect", "MACHINE/WEBROOT/APPHOST/S1/b",
				"enabled"), "true");
	assert_string_equal(eff(cfg, "system.webServer/defaultDocument",
				"MACHINE/WEBROOT/APPHOST/S1/b", "enabled"), "false");
	assert_null(strstr(text, "<location path=\"S2\">"));
	ah_config_free(cfg);
	ah_free(text);
}

static void test_pool_a(void **state)
{
	(void)state;
	char *text;
	ah_config *cfg = isolated("A", &text);
	assert_null(strstr(text, "pw-b"));
	assert_null(strstr(text, "vdir-pw"));
	assert_non_null(strstr(text, "share-pw")); /* its own application's */
	assert_null(strstr(text, "name=\"B\""));
	assert_null(strstr(text, "S2"));
	assert_null(strstr(text, "<location path=\"S1/b\">"));
	assert_non_null(strstr(text, "<location path=\"S1\">"));
	assert_string_equal(eff(cfg, "system.webServer/directoryBrowse", "MACHINE/WEBROOT/APPHOST/S1",
				"enabled"), "true");
	/* whole lines go: no blank line where the other pool's <add> was */
	assert_non_null(strstr(text, "<add name=\"A\" />\n        </applicationPools>"));
	ah_config_free(cfg);
	ah_free(text);
}

static void test_unchanged_elsewhere(void **state)
{
	(void)state;
	char *text;
	ah_config *cfg = isolated("C", &text);
	/* the part before <system.applicationHost> is byte for byte the same */
	const char *cut = strstr(src.ptr, "    <system.applicationHost>");
	assert_memory_equal(text, src.ptr, (size_t)(cut - src.ptr));
	assert_non_null(strstr(text, "<system.webServer><defaultDocument enabled=\"false\" /></system.webServer>"));
	ah_config_free(cfg);
	ah_free(text);
	/* not well-formed: an error, no output */
	char *out = NULL;
	size_t len;
	assert_int_equal(ad_isolate_render(&out, &len, "<configuration><a>", 18, model, "A"),
			 AH_ECONFIG);
	assert_null(out);
}

static void test_write(void **state)
{
	(void)state;
	char path[512];
	bool changed;
	ah_fs_perm perm = {.mode = 0400};
	snprintf(path, sizeof(path), "%s/w.config", dir);
	assert_int_equal(ad_isolate_write(path, "x", 1, &perm, &changed), 0);
	assert_true(changed);
	struct stat st;
	assert_int_equal(stat(path, &st), 0);
	assert_int_equal(st.st_mode & 07777, 0400);
	ino_t ino = st.st_ino;
	assert_int_equal(ad_isolate_write(path, "x", 1, &perm, &changed), 0);
	assert_false(changed);
	assert_int_equal(stat(path, &st), 0);
	assert_int_equal(st.st_ino, ino);
	assert_int_equal(ad_isolate_write(path, "yz", 2, &perm, &changed), 0);
	assert_true(changed);
	/* same bytes, another mode (an older layout): replaced, content unchanged */
	assert_int_equal(chmod(path, 0644), 0);
	assert_int_equal(stat(path, &st), 0);
	ino = st.st_ino;
	assert_int_equal(ad_isolate_write(path, "yz", 2, &perm, &changed), 0);
	assert_false(changed);
	assert_int_equal(stat(path, &st), 0);
	assert_int_equal(st.st_mode & 07777, 0400);
	assert_int_not_equal(st.st_ino, ino);
}

/* As root: root:<pool group> 0440 from the start, set before the rename. */
static void test_write_owner(void **state)
{
	(void)state;
	if (geteuid() != 0)
		skip();
	char path[512];
	bool changed;
	ah_fs_perm perm = {.mode = 0440, .set_owner = true, .uid = 0, .gid = 64999};
	snprintf(path, sizeof(path), "%s/o.config", dir);
	write_file(path, "x", 1);
	assert_int_equal(chown(path, 64998, 64998), 0);
	assert_int_equal(ad_isolate_write(path, "x", 1, &perm, &changed), 0);
	assert_false(changed);
	struct stat st;
	assert_int_equal(stat(path, &st), 0);
	assert_int_equal(st.st_uid, 0);
	assert_int_equal(st.st_gid, 64999);
	assert_int_equal(st.st_mode & 07777, 0440);
}

/* What a worker could once leave at its file's name: a FIFO is not opened
 * for long (apphostd would block), a link is replaced, not followed. */
static void test_write_planted(void **state)
{
	(void)state;
	char path[512], target[512];
	bool changed;
	ah_fs_perm perm = {.mode = 0400};
	snprintf(path, sizeof(path), "%s/fifo.config", dir);
	assert_int_equal(mkfifo(path, 0600), 0);
	assert_int_equal(ad_isolate_write(path, "", 0, &perm, &changed), 0);
	assert_true(changed);
	struct stat st;
	assert_int_equal(lstat(path, &st), 0);
	assert_true(S_ISREG(st.st_mode));

	snprintf(path, sizeof(path), "%s/link.config", dir);
	snprintf(target, sizeof(target), "%s/precious", dir);
	write_file(target, "x", 1);
	assert_int_equal(chmod(target, 0600), 0);
	assert_int_equal(symlink(target, path), 0);
	assert_int_equal(ad_isolate_write(path, "x", 1, &perm, &changed), 0);
	assert_true(changed);
	assert_int_equal(lstat(path, &st), 0);
	assert_true(S_ISREG(st.st_mode));
	assert_int_equal(stat(target, &st), 0);
	assert_int_equal(st.st_mode & 07777, 0600);
}

static void test_dir(void **state)
{
	(void)state;
	char d[512], link[512];
	ah_fs_perm perm = {.mode = 0700};
	snprintf(d, sizeof(d), "%s/pools/P", dir);
	assert_int_equal(ad_isolate_dir(d, &perm), 0);
	struct stat st;
	assert_int_equal(stat(d, &st), 0);
	assert_int_equal(st.st_mode & 07777, 0700);
	/* a link in its place is not followed */
	snprintf(link, sizeof(link), "%s/pools/L", dir);
	assert_int_equal(symlink(d, link), 0);
	perm.mode = 0755;
	assert_int_equal(ad_isolate_dir(link, &perm), AH_EIO);
	assert_int_equal(stat(d, &st), 0);
	assert_int_equal(st.st_mode & 07777, 0700);
}

static void test_log_dir(void **state)
{
	(void)state;
	char d[512], target[512];
	const char *why;
	bool root = geteuid() == 0;
	ah_fs_perm perm = {.mode = 0770, .set_owner = root, .gid = 64999};
	snprintf(d, sizeof(d), "%s/logs/W3SVC1", dir);
	assert_int_equal(ad_isolate_log_dir(&why, d, &perm, false, NULL, 0), 0);
	struct stat st;
	assert_int_equal(stat(d, &st), 0);
	assert_true(S_ISDIR(st.st_mode));
	assert_int_equal(st.st_mode & 07777, 0770);
	if (root)
		assert_int_equal(st.st_gid, 64999);
	/* another pool of the site: an existing folder is left as it is */
	perm.mode = 0700;
	assert_int_equal(ad_isolate_log_dir(&why, d, &perm, true, NULL, 0), 1);
	assert_int_equal(stat(d, &st), 0);
	assert_int_equal(st.st_mode & 07777, 0770);

	/* a link planted in its place: refused, its target untouched */
	snprintf(target, sizeof(target), "%s/elsewhere", dir);
	assert_int_equal(mkdir(target, 0700), 0);
	snprintf(d, sizeof(d), "%s/logs/W3SVC2", dir);
	assert_int_equal(symlink(target, d), 0);
	assert_int_equal(ad_isolate_log_dir(&why, d, &perm, false, NULL, 0), AH_EINVALID);
	assert_string_equal(why, "it is a symbolic link");
	assert_int_equal(stat(target, &st), 0);
	assert_int_equal(st.st_mode & 07777, 0700);
	assert_int_equal(st.st_gid, getegid());
	if (!root)
		return;
	/* as root: a parent another user could write is refused */
	snprintf(d, sizeof(d), "%s/open/W3SVC3", dir);
	assert_int_equal(ah_fs_mkdirs(d), 0);
	snprintf(target, sizeof(target), "%s/open", dir);
	assert_int_equal(chmod(target, 0777), 0);
	assert_int_equal(ad_isolate_log_dir(&why, d, &perm, false, NULL, 0), AH_EINVALID);
	assert_string_equal(why, "its parent folder is writable by other users");
	assert_int_equal(chmod(target, 0755), 0);
	assert_int_equal(chown(target, 64998, 0), 0);
	assert_int_equal(ad_isolate_log_dir(&why, d, &perm, false, NULL, 0), AH_EINVALID);
	assert_string_equal(why, "its parent folder is not owned by root");
	assert_int_equal(stat(d, &st), 0);
	assert_int_equal(st.st_mode & 07777, 0755);

	/* a folder of another layout (an earlier version's: the pool user's,
	 * 0750) with that user's log file (0640): the folder and its files get
	 * the pool group, the files group read-write, so the pool's workers go
	 * on appending; a link among them is not followed */
	snprintf(d, sizeof(d), "%s/logs/W3SVC4", dir);
	assert_int_equal(ah_fs_mkdirs(d), 0);
	assert_int_equal(chown(d, 64997, 64997), 0);
	assert_int_equal(chmod(d, 0750), 0);
	char f[600], outside[600], link[600];
	snprintf(f, sizeof(f), "%s/u_ex261207.log", d);
	write_file(f, "#Fields: date\n", 14);
	assert_int_equal(chown(f, 64997, 64997), 0);
	assert_int_equal(chmod(f, 0640), 0);
	snprintf(outside, sizeof(outside), "%s/outside.txt", dir);
	write_file(outside, "x", 1);
	assert_int_equal(chmod(outside, 0600), 0);
	snprintf(link, sizeof(link), "%s/u_ex261208.log", d);
	assert_int_equal(symlink(outside, link), 0);
	perm.mode = 0770;
	assert_int_equal(ad_isolate_log_dir(&why, d, &perm, false, NULL, 0), 0);
	assert_int_equal(stat(f, &st), 0);
	assert_int_equal(st.st_gid, 64999);
	assert_int_equal(st.st_uid, 64997); /* its maker stays its owner */
	assert_int_equal(st.st_mode & 07777, 0660);
	assert_int_equal(stat(outside, &st), 0);
	assert_int_equal(st.st_gid, getegid());
	assert_int_equal(st.st_mode & 07777, 0600);
}

/* The kernel's posix_acl_xattr format (linux/posix_acl_xattr.h): le32 version
 * 2, then {le16 tag, le16 perm, le32 id} sorted by tag and id; -1 is the id
 * of the entries without one. */
static const unsigned char want_access[] = {
	2, 0, 0, 0,
	0x01, 0, 7, 0, 0xff, 0xff, 0xff, 0xff, /* user::rwx */
	0x04, 0, 7, 0, 0xff, 0xff, 0xff, 0xff, /* group::rwx */
	0x08, 0, 7, 0, 0x10, 0xfd, 0, 0,       /* group:64784:rwx */
	0x08, 0, 7, 0, 0x11, 0xfd, 0, 0,       /* group:64785:rwx */
	0x10, 0, 7, 0, 0xff, 0xff, 0xff, 0xff, /* mask::rwx */
	0x20, 0, 0, 0, 0xff, 0xff, 0xff, 0xff, /* other::--- */
};
static const unsigned char want_default[] = {
	2, 0, 0, 0,
	0x01, 0, 6, 0, 0xff, 0xff, 0xff, 0xff, /* user::rw- */
	0x04, 0, 6, 0, 0xff, 0xff, 0xff, 0xff, /* group::rw- */
	0x08, 0, 6, 0, 0x10, 0xfd, 0, 0,       /* group:64784:rw- */
	0x08, 0, 6, 0, 0x11, 0xfd, 0, 0,       /* group:64785:rw- */
	0x08, 0, 6, 0, 0x12, 0xfd, 0, 0,       /* group:64786:rw- (the owning one) */
	0x10, 0, 6, 0, 0xff, 0xff, 0xff, 0xff, /* mask::rw- */
	0x20, 0, 0, 0, 0xff, 0xff, 0xff, 0xff, /* other::--- */
};

static void test_log_dir_acl(void **state)
{
	(void)state;
	unsigned char got[256];
	const gid_t named[] = {64784, 64785};
	assert_int_equal(ad_logacl_encode(got, named, 2, 7, 0), sizeof(want_access));
	assert_memory_equal(got, want_access, sizeof(want_access));
	if (geteuid() != 0)
		skip();
	char d[512];
	const char *why;
	/* three pools serve the site, one of them twice; 64786 owns the folder */
	const gid_t gids[] = {64786, 64785, 64784, 64785};
	ah_fs_perm perm = {.mode = 0770, .set_owner = true, .gid = 64786};
	snprintf(d, sizeof(d), "%s/logs/W3SVC7", dir);
	int rc = ad_isolate_log_dir(&why, d, &perm, false, gids, 4);
	if (rc == 2)
		skip(); /* no ACLs on this file system */
	assert_int_equal(rc, 0);
	ssize_t n = getxattr(d, "system.posix_acl_access", got, sizeof(got));
	assert_int_equal(n, sizeof(want_access));
	assert_memory_equal(got, want_access, sizeof(want_access));
	n = getxattr(d, "system.posix_acl_default", got, sizeof(got));
	assert_int_equal(n, sizeof(want_default));
	assert_memory_equal(got, want_default, sizeof(want_default));
	struct stat st;
	assert_int_equal(stat(d, &st), 0);
	assert_int_equal(st.st_mode & 07777, 0770);
	assert_int_equal(st.st_gid, 64786);
	/* the other pools leave the site: the mode alone again */
	assert_int_equal(ad_isolate_log_dir(&why, d, &perm, false, gids, 1), 0);
	assert_true(getxattr(d, "system.posix_acl_access", got, sizeof(got)) < 0);
	assert_true(getxattr(d, "system.posix_acl_default", got, sizeof(got)) < 0);
	assert_int_equal(stat(d, &st), 0);
	assert_int_equal(st.st_mode & 07777, 0770);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_pool_b),
		cmocka_unit_test(test_pool_a),
		cmocka_unit_test(test_unchanged_elsewhere),
		cmocka_unit_test(test_write),
		cmocka_unit_test(test_write_owner),
		cmocka_unit_test(test_write_planted),
		cmocka_unit_test(test_dir),
		cmocka_unit_test(test_log_dir),
		cmocka_unit_test(test_log_dir_acl),
	};
	return cmocka_run_group_tests(tests, setup, teardown);
}
