/*
 * Unit tests of src/lib/crypt.c, the encrypted attribute values
 * ([enc:Provider:payload:enc]): the value form, the strict base64 codec, round
 * trips through the providers of <configProtectedData> and through the
 * standard providers when none is declared, empty payloads, plain values, key
 * files (created on first use with their modes, reused, never overwritten,
 * never created by decryption, damaged, unreadable, symbolic links), the
 * binding of a value to its provider, tampering with every part of a payload,
 * IIS's message for an unknown provider, and the values encrypted by Windows
 * IIS in the reference files (when ../shared is present), which must be
 * reported and never decrypted.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include "apphost/config.h"
#include "apphost/crypt.h"
#include "lib/crypt.h"
#include "util/alloc.h"
#include "util/fs.h"
#include "testutil.h"

#include <dirent.h>
#include <fcntl.h>
#include <grp.h>
#include <sys/types.h>
#include <sys/wait.h>

/* configProtectedData as .NET declares it, and one encrypted attribute. */
static const char SCHEMA[] =
	"<configSchema>\n"
	"  <sectionSchema name=\"configProtectedData\">\n"
	"    <attribute name=\"defaultProvider\" type=\"string\" defaultValue=\"RsaProtectedConfigurationProvider\" />\n"
	"    <element name=\"providers\">\n"
	"      <collection addElement=\"add\" removeElement=\"remove\" clearElement=\"clear\" allowUnrecognizedAttributes=\"true\">\n"
	"        <attribute name=\"name\" type=\"string\" required=\"true\" isUniqueKey=\"true\" />\n"
	"        <attribute name=\"type\" type=\"string\" />\n"
	"        <attribute name=\"description\" type=\"string\" />\n"
	"        <attribute name=\"keyContainerName\" type=\"string\" />\n"
	"        <attribute name=\"cspProviderName\" type=\"string\" />\n"
	"        <attribute name=\"useMachineContainer\" type=\"bool\" defaultValue=\"true\" />\n"
	"        <attribute name=\"useOAEP\" type=\"bool\" defaultValue=\"false\" />\n"
	"        <attribute name=\"sessionKey\" type=\"string\" />\n"
	"      </collection>\n"
	"    </element>\n"
	"  </sectionSchema>\n"
	"  <sectionSchema name=\"system.webServer/security/authentication/anonymousAuthentication\">\n"
	"    <attribute name=\"enabled\" type=\"bool\" defaultValue=\"false\" />\n"
	"    <attribute name=\"userName\" type=\"string\" defaultValue=\"IUSR\" />\n"
	"    <attribute name=\"password\" type=\"string\" caseSensitive=\"true\" encrypted=\"true\" defaultValue=\"[enc:AesProvider::enc]\" />\n"
	"  </sectionSchema>\n"
	"</configSchema>\n";

static const char DECLS[] =
	"<configuration>\n"
	"  <configSections>\n"
	"    <sectionGroup name=\"system.webServer\"><sectionGroup name=\"security\"><sectionGroup name=\"authentication\">\n"
	"      <section name=\"anonymousAuthentication\" overrideModeDefault=\"Deny\" />\n"
	"    </sectionGroup></sectionGroup></sectionGroup>\n"
	"  </configSections>\n";

/* The providers of a Windows applicationHost.config, plus two broken ones. */
static const char PROVIDERS[] =
	"  <configProtectedData>\n"
	"    <providers>\n"
	"      <add name=\"IISWASOnlyRsaProvider\" type=\"\" description=\"Uses RsaCryptoServiceProvider to encrypt and decrypt\" keyContainerName=\"iisWasKey\" cspProviderName=\"\" useMachineContainer=\"true\" useOAEP=\"false\" />\n"
	"      <add name=\"AesProvider\" type=\"Microsoft.ApplicationHost.AesProtectedConfigurationProvider\" description=\"Uses an AES session key to encrypt and decrypt\" keyContainerName=\"iisConfigurationKey\" cspProviderName=\"\" useOAEP=\"false\" useMachineContainer=\"true\" sessionKey=\"AQIAAA5mAAAApAAAKmFQvWHDEETRz8l2bjZlRxIkwcqTFaCUnCLljn3Q1Ok=\" />\n"
	"      <add name=\"IISWASOnlyAesProvider\" type=\"Microsoft.ApplicationHost.AesProtectedConfigurationProvider\" keyContainerName=\"iisWasKey\" useMachineContainer=\"true\" />\n"
	"      <add name=\"CustomProvider\" type=\"x\" keyContainerName=\"siteKey\" />\n"
	"      <add name=\"NoKeyProvider\" type=\"x\" />\n"
	"      <add name=\"EscapingProvider\" type=\"x\" keyContainerName=\"../escape\" />\n"
	"    </providers>\n"
	"  </configProtectedData>\n";

static ah_config *cfg;

static void write_store(const char *body)
{
	char buf[16384];
	tu_write("config/schema/crypt.xml", SCHEMA);
	snprintf(buf, sizeof(buf), "%s%s</configuration>\n", DECLS, body);
	tu_write("config/applicationHost.config", buf);
}

static void open_store(void)
{
	ah_config_opts o = {.config_dir = tu_path("config")};
	ah_config_free(cfg);
	cfg = NULL;
	ah_error_clear();
	if (ah_config_open(&cfg, &o) < 0)
		fail_msg("open: %s", ah_error_last() ? ah_error_last()->message : "?");
}

static int setup(void **state)
{
	(void)state;
	tu_begin();
	cfg = NULL;
	write_store(PROVIDERS);
	open_store();
	return 0;
}

static int setup_fallback(void **state)
{
	(void)state;
	tu_begin();
	cfg = NULL;
	write_store("");
	open_store();
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

static const char *errmsg(void)
{
	return ah_error_last() ? ah_error_last()->message : "(no error)";
}

#define assert_contains(hay, needle)                                                     \
	do {                                                                             \
		if (!strstr((hay), (needle)))                                            \
			fail_msg("'%s' does not contain '%s'", (hay), (needle));          \
	} while (0)

static char *enc(const char *provider, const char *text)
{
	char *out = NULL;
	ah_error_clear();
	int rc = ah_crypt_encrypt(&out, cfg, provider, text);
	if (rc < 0)
		fail_msg("encrypt(%s): %d %s", provider, rc, errmsg());
	return out;
}

/* Decrypt, expecting code rc (and then no output); returns the plaintext on 0. */
static char *dec_rc(const char *value, int rc)
{
	char *out = (char *)"sentinel";
	ah_error_clear();
	int got = ah_crypt_decrypt(&out, cfg, value);
	if (got != rc)
		fail_msg("decrypt(%s): %d, expected %d (%s)", value, got, rc, errmsg());
	if (rc < 0)
		assert_null(out);
	return out;
}

static void key_file(char *path, size_t n, const char *name)
{
	snprintf(path, n, "%s/config/keys/%s.key", tu_root, name);
}

static void read_key(unsigned char k[32], const char *name)
{
	char path[1024];
	key_file(path, sizeof(path), name);
	FILE *f = fopen(path, "rb");
	assert_non_null(f);
	assert_int_equal(fread(k, 1, 32, f), 32);
	assert_int_equal(fgetc(f), EOF);
	fclose(f);
}

static void write_key(const char *name, const void *bytes, size_t n)
{
	char rel[256];
	snprintf(rel, sizeof(rel), "config/keys/%s.key", name);
	tu_write(rel, "");
	FILE *f = fopen(tu_path(rel), "wb");
	assert_non_null(f);
	assert_int_equal(fwrite(bytes, 1, n, f), n);
	fclose(f);
	chmod(tu_path(rel), 0600);
}

/* The key files of the store; fails on any other file (a temp file left behind). */
static int count_keys(void)
{
	DIR *d = opendir(tu_path("config/keys"));
	assert_non_null(d);
	int n = 0;
	for (struct dirent *e; (e = readdir(d));) {
		if (!strcmp(e->d_name, ".") || !strcmp(e->d_name, ".."))
			continue;
		const char *dot = strrchr(e->d_name, '.');
		if (!dot || strcmp(dot, ".key") != 0 || e->d_name[0] == '.')
			fail_msg("stray file %s", e->d_name);
		n++;
	}
	closedir(d);
	return n;
}

/* ---- the value form and base64 -------------------------------------------- */

static void test_value_form(void **state)
{
	(void)state;
	assert_true(ah_crypt_is_encrypted("[enc:AesProvider::enc]"));
	assert_true(ah_crypt_is_encrypted("[enc:AesProvider:QUJD:enc]"));
	assert_true(ah_crypt_is_encrypted("[enc:P:x:y:enc]"));
	assert_false(ah_crypt_is_encrypted(NULL));
	assert_false(ah_crypt_is_encrypted(""));
	assert_false(ah_crypt_is_encrypted("secret"));
	assert_false(ah_crypt_is_encrypted("[enc::enc]"));
	assert_false(ah_crypt_is_encrypted("[enc:::enc]"));
	assert_false(ah_crypt_is_encrypted("[enc:AesProvider:enc]"));
	assert_false(ah_crypt_is_encrypted("[enc:AesProvider::enc] "));
	assert_false(ah_crypt_is_encrypted("[ENC:AesProvider::ENC]"));

	char *p = NULL;
	assert_int_equal(ah_crypt_provider(&p, "[enc:IISWASOnlyAesProvider::enc]"), 0);
	assert_string_equal(p, "IISWASOnlyAesProvider");
	ah_free(p);
	ah_error_clear();
	assert_int_equal(ah_crypt_provider(&p, "plain"), AH_EINVALID);
	assert_null(p);
	ah_error_clear();
}

static void b64_ok(const char *text, const char *expect)
{
	char *s = NULL;
	assert_int_equal(ah__b64_encode(&s, (const unsigned char *)text, strlen(text)), 0);
	assert_string_equal(s, expect);
	unsigned char *d = NULL;
	size_t n = 99;
	assert_int_equal(ah__b64_decode(&d, &n, s, strlen(s)), 0);
	assert_int_equal(n, strlen(text));
	assert_memory_equal(d, text, n);
	ah_free(d);
	ah_free(s);
}

static void b64_bad(const char *s)
{
	unsigned char *d = (unsigned char *)"x";
	size_t n = 99;
	if (ah__b64_decode(&d, &n, s, strlen(s)) != AH_EINVALID)
		fail_msg("'%s' decoded", s);
	assert_null(d);
	assert_int_equal(n, 0);
}

static void test_base64(void **state)
{
	(void)state;
	/* RFC 4648 §10 */
	b64_ok("", "");
	b64_ok("f", "Zg==");
	b64_ok("fo", "Zm8=");
	b64_ok("foo", "Zm9v");
	b64_ok("foob", "Zm9vYg==");
	b64_ok("fooba", "Zm9vYmE=");
	b64_ok("foobar", "Zm9vYmFy");
	b64_bad("Zg=");
	b64_bad("Zg");
	b64_bad("Zg=a");
	b64_bad("Z===");
	b64_bad("====");
	b64_bad("Zh==");     /* unused bits set */
	b64_bad("Zm9=");     /* unused bits set */
	b64_bad("Zm9v\n");
	b64_bad("Zm 9v");
	b64_bad("Zm9-");     /* base64url is not accepted */
	b64_bad("Zg==Zg==");
}

/* ---- round trips ------------------------------------------------------------ */

static void roundtrip(const char *provider, const char *text)
{
	char *v = enc(provider, text);
	char prefix[128];
	snprintf(prefix, sizeof(prefix), "[enc:%s:", provider);
	assert_true(strncmp(v, prefix, strlen(prefix)) == 0);
	assert_true(ah_crypt_is_encrypted(v));
	if (strlen(text) >= 8) /* a short text may occur in base64 by chance */
		assert_null(strstr(v, text));
	char *p = dec_rc(v, 0);
	assert_string_equal(p, text);
	ah_crypt_free(p);
	ah_free(v);
}

static void test_roundtrip(void **state)
{
	(void)state;
	roundtrip("AesProvider", "P@ssw0rd");
	roundtrip("IISWASOnlyAesProvider", "pool password with spaces, \"quotes\" & <xml>");
	roundtrip("IISWASOnlyRsaProvider", "x");
	roundtrip("CustomProvider", "caf\xc3\xa9 \xe2\x82\xac");
	char longtext[5000];
	memset(longtext, 'k', sizeof(longtext) - 1);
	longtext[sizeof(longtext) - 1] = '\0';
	roundtrip("AesProvider", longtext);

	/* a fresh nonce every time */
	char *a = enc("AesProvider", "same"), *b = enc("AesProvider", "same");
	assert_string_not_equal(a, b);
	ah_free(a);
	ah_free(b);

	/* the provider is found whatever its case and written as declared */
	char *v = enc("aesPROVIDER", "secret");
	assert_true(strncmp(v, "[enc:AesProvider:", 17) == 0);
	char *lower = ah_strdup(v);
	memcpy(lower + 5, "aesprovider", 11);
	char *p = dec_rc(lower, 0);
	assert_string_equal(p, "secret");
	ah_crypt_free(p);
	ah_free(lower);
	ah_free(v);

	/* a new store on the same folder reads what the first wrote */
	v = enc("IISWASOnlyAesProvider", "persisted");
	open_store();
	p = dec_rc(v, 0);
	assert_string_equal(p, "persisted");
	ah_crypt_free(p);
	ah_free(v);
}

static void test_empty_and_plain(void **state)
{
	(void)state;
	char *p = dec_rc("[enc:AesProvider::enc]", 0);
	assert_string_equal(p, "");
	ah_crypt_free(p);
	p = dec_rc("[enc:IISWASOnlyAesProvider::enc]", 0);
	assert_string_equal(p, "");
	ah_crypt_free(p);
	/* the schema default of a provider declared elsewhere (redirection.config) */
	p = dec_rc("[enc:IISRsaProvider::enc]", 0);
	assert_string_equal(p, "");
	ah_crypt_free(p);

	char *v = enc("IISWASOnlyAesProvider", "");
	assert_string_equal(v, "[enc:IISWASOnlyAesProvider::enc]");
	ah_free(v);
	char path[1024];
	key_file(path, sizeof(path), "iisWasKey");
	assert_false(ah_fs_exists(path)); /* no key is needed for "" */

	/* plain values come back as they are */
	p = dec_rc("plain text", 0);
	assert_string_equal(p, "plain text");
	ah_crypt_free(p);
	p = dec_rc("", 0);
	assert_string_equal(p, "");
	ah_crypt_free(p);
	p = dec_rc("[enc:AesProvider:enc]", 0);
	assert_string_equal(p, "[enc:AesProvider:enc]");
	ah_crypt_free(p);
}

/* ---- key files ------------------------------------------------------------- */

static void test_key_files(void **state)
{
	(void)state;
	char path[1024];
	key_file(path, sizeof(path), "iisConfigurationKey");
	assert_false(ah_fs_exists(path));

	char *v = enc("AesProvider", "one");
	struct stat st1;
	assert_int_equal(lstat(path, &st1), 0);
	assert_true(S_ISREG(st1.st_mode));
	assert_int_equal(st1.st_size, 32);
	struct group *g = getgrnam(AH__CRYPT_IUSRS_GROUP);
	if (g && st1.st_gid == g->gr_gid)
		assert_int_equal(st1.st_mode & 07777, 0640);
	else
		assert_int_equal(st1.st_mode & 07777, 0600);
	unsigned char k1[32], k2[32];
	read_key(k1, "iisConfigurationKey");
	/* the folder: keys are opened by name, never listed */
	struct stat dst;
	char dir[1024];
	snprintf(dir, sizeof(dir), "%s", path);
	*strrchr(dir, '/') = '\0';
	assert_int_equal(lstat(dir, &dst), 0);
	assert_int_equal(dst.st_mode & 07777, 0711);

	/* the WAS key is root's alone */
	char *w = enc("IISWASOnlyAesProvider", "two");
	char wpath[1024];
	key_file(wpath, sizeof(wpath), "iisWasKey");
	struct stat wst;
	assert_int_equal(lstat(wpath, &wst), 0);
	assert_int_equal(wst.st_mode & 07777, 0600);
	assert_int_equal(wst.st_size, 32);
	ah_free(w);

	/* reused, not recreated */
	char *v2 = enc("AesProvider", "three");
	struct stat st2;
	assert_int_equal(lstat(path, &st2), 0);
	assert_int_equal(st1.st_ino, st2.st_ino);
	read_key(k2, "iisConfigurationKey");
	assert_memory_equal(k1, k2, 32);
	char *p = dec_rc(v, 0);
	assert_string_equal(p, "one");
	ah_crypt_free(p);
	ah_free(v2);

	/* the two containers hold different keys */
	read_key(k2, "iisWasKey");
	assert_memory_not_equal(k1, k2, 32);

	assert_int_equal(count_keys(), 2);

	char *kp = NULL;
	assert_int_equal(ah_crypt_key_path(&kp, cfg, "iisWasKey"), 0);
	assert_string_equal(kp, wpath);
	ah_free(kp);
	ah_free(v);
}

static void test_key_never_overwritten(void **state)
{
	(void)state;
	unsigned char mine[32], got[32];
	for (int i = 0; i < 32; i++)
		mine[i] = (unsigned char)(i * 7 + 1);
	write_key("siteKey", mine, sizeof(mine));
	char *v = enc("CustomProvider", "uses my key");
	read_key(got, "siteKey");
	assert_memory_equal(mine, got, 32);
	char *p = dec_rc(v, 0);
	assert_string_equal(p, "uses my key");
	ah_crypt_free(p);

	/* another key: the value no longer decrypts, and nothing is returned */
	mine[0] ^= 1;
	write_key("siteKey", mine, sizeof(mine));
	dec_rc(v, AH_EINVALID);
	assert_contains(errmsg(), "Cannot decrypt the value of provider 'CustomProvider'");
	assert_contains(errmsg(), "'siteKey' does not match");
	ah_free(v);
}

static void test_key_missing_on_decrypt(void **state)
{
	(void)state;
	char *v = enc("AesProvider", "gone");
	char path[1024];
	key_file(path, sizeof(path), "iisConfigurationKey");
	assert_int_equal(unlink(path), 0);
	dec_rc(v, AH_ENOTFOUND);
	assert_contains(errmsg(), "The key 'iisConfigurationKey' does not exist");
	assert_false(ah_fs_exists(path)); /* decryption never creates a key */
	ah_free(v);
}

static void test_key_damaged(void **state)
{
	(void)state;
	char *v = enc("AesProvider", "x");
	write_key("iisConfigurationKey", "short", 5);
	dec_rc(v, AH_ECONFIG);
	assert_contains(errmsg(), "The key 'iisConfigurationKey' is damaged");
	assert_contains(errmsg(), "5 bytes instead of 32");
	/* encryption does not replace a damaged key either */
	char *out = NULL;
	ah_error_clear();
	assert_int_equal(ah_crypt_encrypt(&out, cfg, "AesProvider", "y"), AH_ECONFIG);
	assert_null(out);
	struct stat st;
	char path[1024];
	key_file(path, sizeof(path), "iisConfigurationKey");
	assert_int_equal(stat(path, &st), 0);
	assert_int_equal(st.st_size, 5);

	/* a symbolic link is not followed */
	unsigned char k[32] = {1};
	write_key("elsewhere", k, sizeof(k));
	unlink(path);
	char target[1024];
	key_file(target, sizeof(target), "elsewhere");
	assert_int_equal(symlink(target, path), 0);
	dec_rc(v, AH_EIO);
	assert_contains(errmsg(), "is a symbolic link");
	ah_free(v);
}

/* Decrypt in a child running as nobody; its exit code tells the outcome. */
static int decrypt_as_nobody(const char *value)
{
	pid_t pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		if (setgroups(0, NULL) < 0 || setgid(65534) < 0 || setuid(65534) < 0)
			_exit(77);
		char *out = (char *)"sentinel";
		ah_error_clear();
		int rc = ah_crypt_decrypt(&out, cfg, value);
		if (rc != AH_EIO)
			_exit(1);
		if (out)
			_exit(2);
		if (!strstr(errmsg(), "Cannot read the key 'iisWasKey': permission denied"))
			_exit(3);
		_exit(0);
	}
	int status = 0;
	assert_int_equal(waitpid(pid, &status, 0), pid);
	assert_true(WIFEXITED(status));
	return WEXITSTATUS(status);
}

static void test_key_unreadable(void **state)
{
	(void)state;
	char *v = enc("IISWASOnlyAesProvider", "pool secret");
	char path[1024];
	key_file(path, sizeof(path), "iisWasKey");
	if (geteuid() == 0) {
		/* root reads anything: try as an unprivileged user instead */
		chmod(tu_root, 0755);
		int code = decrypt_as_nobody(v);
		ah_free(v);
		if (code == 77)
			skip();
		if (code != 0)
			fail_msg("the child as nobody failed with %d", code);
		return;
	}
	assert_int_equal(chmod(path, 0), 0);
	dec_rc(v, AH_EIO);
	assert_contains(errmsg(), "Cannot read the key 'iisWasKey': permission denied");
	chmod(path, 0600);
	ah_free(v);
}

/* ---- binding, tampering ------------------------------------------------------ */

/* The value of v with "[enc:<from>:" replaced by "[enc:<to>:". */
static char *move_value(const char *v, const char *from, const char *to)
{
	size_t skip_len = 5 + strlen(from);
	char buf[8192];
	snprintf(buf, sizeof(buf), "[enc:%s%s", to, v + skip_len);
	return ah_strdup(buf);
}

static void test_provider_binding(void **state)
{
	(void)state;
	/* same key (iisWasKey), other provider: refused */
	char *v = enc("IISWASOnlyAesProvider", "was only");
	char *moved = move_value(v, "IISWASOnlyAesProvider", "IISWASOnlyRsaProvider");
	dec_rc(moved, AH_EINVALID);
	assert_contains(errmsg(), "provider 'IISWASOnlyRsaProvider'");
	ah_free(moved);
	ah_free(v);

	/* AesProvider's value claimed by IISWASOnlyAesProvider */
	v = enc("AesProvider", "config key");
	moved = move_value(v, "AesProvider", "IISWASOnlyAesProvider");
	dec_rc(moved, AH_EINVALID);
	ah_free(moved);
	ah_free(v);
}

static char *reencode(const char *v, const char *provider, void (*edit)(unsigned char *, size_t *, size_t),
		      size_t at)
{
	const char *payload = v + 5 + strlen(provider) + 1;
	size_t plen = strlen(payload) - 5;
	unsigned char *blob = NULL;
	size_t n = 0;
	assert_int_equal(ah__b64_decode(&blob, &n, payload, plen), 0);
	edit(blob, &n, at);
	char *b64 = NULL;
	assert_int_equal(ah__b64_encode(&b64, blob, n), 0);
	char buf[8192];
	snprintf(buf, sizeof(buf), "[enc:%s:%s:enc]", provider, b64);
	ah_free(b64);
	ah_free(blob);
	return ah_strdup(buf);
}

static void flip(unsigned char *b, size_t *n, size_t at)
{
	(void)n;
	b[at] ^= 0x01;
}

static void cut(unsigned char *b, size_t *n, size_t at)
{
	(void)b;
	*n = at;
}

static void test_tampering(void **state)
{
	(void)state;
	char *v = enc("AesProvider", "tamper me");
	unsigned char *blob = NULL;
	size_t n = 0;
	const char *payload = v + strlen("[enc:AesProvider:");
	assert_int_equal(ah__b64_decode(&blob, &n, payload, strlen(payload) - 5), 0);
	assert_int_equal(n, AH__CRYPT_MIN_BLOB + strlen("tamper me"));
	assert_memory_equal(blob, AH__CRYPT_MAGIC, 4);
	assert_int_equal(blob[4], AH__CRYPT_VERSION);
	ah_free(blob);

	for (size_t at = 0; at < n; at++) {
		char *t = reencode(v, "AesProvider", flip, at);
		dec_rc(t, AH_EINVALID);
		if (at < AH__CRYPT_MAGIC_LEN)
			assert_contains(errmsg(), "another machine's key");
		else if (at == AH__CRYPT_MAGIC_LEN)
			assert_contains(errmsg(), "has format version 0");
		else
			assert_contains(errmsg(), "does not match it, or the value was modified");
		ah_free(t);
	}
	/* truncated payloads */
	for (size_t at = 0; at < n; at++) {
		char *t = reencode(v, "AesProvider", cut, at);
		ah_crypt_free(dec_rc(t, at == 0 ? 0 : AH_EINVALID));
		ah_free(t);
	}
	/* payload text that is not base64 */
	char *bad = ah_strdup(v);
	bad[strlen(bad) - 6] = '!';
	dec_rc(bad, AH_EINVALID);
	assert_contains(errmsg(), "is damaged: its payload is not base64");
	ah_free(bad);
	ah_free(v);
}

/* ---- providers ---------------------------------------------------------------- */

static void test_unknown_provider(void **state)
{
	(void)state;
	char *out = NULL;
	ah_error_clear();
	assert_int_equal(ah_crypt_encrypt(&out, cfg, "NoSuchProvider", "x"), AH_ENOTFOUND);
	assert_null(out);
	assert_string_equal(errmsg(), "The protection provider 'NoSuchProvider' was not found.");
	dec_rc("[enc:NoSuchProvider:QUJDRA==:enc]", AH_ENOTFOUND);
	assert_string_equal(errmsg(), "The protection provider 'NoSuchProvider' was not found.");

	ah_error_clear();
	assert_int_equal(ah_crypt_encrypt(&out, cfg, "NoKeyProvider", "x"), AH_ECONFIG);
	assert_string_equal(errmsg(), "The protection provider 'NoKeyProvider' has no keyContainerName");
	ah_error_clear();
	assert_int_equal(ah_crypt_encrypt(&out, cfg, "EscapingProvider", "x"), AH_ECONFIG);
	assert_contains(errmsg(), "'../escape'");
	assert_false(ah_fs_exists(tu_path("config/escape.key")));
	assert_null(out);

	char *k = NULL;
	ah_error_clear();
	assert_int_equal(ah_crypt_key_container(&k, cfg, "IISWASOnlyRsaProvider"), 0);
	assert_string_equal(k, "iisWasKey");
	ah_free(k);
	ah_error_clear();
	assert_int_equal(ah_crypt_key_path(&k, cfg, ".."), AH_EINVALID);
	assert_int_equal(ah_crypt_key_path(&k, cfg, "a/b"), AH_EINVALID);
	assert_int_equal(ah_crypt_key_path(&k, cfg, "a\\b"), AH_EINVALID);
	assert_int_equal(ah_crypt_key_path(&k, cfg, ""), AH_EINVALID);
	assert_null(k);
	ah_error_clear();

	/* bad arguments are errors, not crashes */
	assert_int_equal(ah_crypt_encrypt(&out, cfg, NULL, "x"), AH_EINVALID);
	assert_int_equal(ah_crypt_encrypt(&out, NULL, "AesProvider", "x"), AH_EINVALID);
	assert_int_equal(ah_crypt_decrypt(&out, cfg, NULL), AH_EINVALID);
	ah_crypt_free(NULL);
	ah_error_clear();
}

static void test_fallback_providers(void **state)
{
	(void)state;
	char *k = NULL;
	assert_int_equal(ah_crypt_key_container(&k, cfg, "AesProvider"), 0);
	assert_string_equal(k, "iisConfigurationKey");
	ah_free(k);
	assert_int_equal(ah_crypt_key_container(&k, cfg, "iiswasonlyaesprovider"), 0);
	assert_string_equal(k, "iisWasKey");
	ah_free(k);
	assert_null(ah_error_last());

	roundtrip("AesProvider", "fallback");
	roundtrip("IISWASOnlyAesProvider", "fallback too");
	char path[1024];
	key_file(path, sizeof(path), "iisWasKey");
	assert_true(ah_fs_exists(path));

	char *out = NULL;
	ah_error_clear();
	assert_int_equal(ah_crypt_encrypt(&out, cfg, "IISWASOnlyRsaProvider", "x"), AH_ENOTFOUND);
	assert_string_equal(errmsg(), "The protection provider 'IISWASOnlyRsaProvider' was not found.");
	ah_error_clear();
}

/* A schema set without configProtectedData: the standard pair. */
static void test_fallback_without_section(void **state)
{
	(void)state;
	tu_write("config/schema/crypt.xml",
		 "<configSchema><sectionSchema name=\"x\"><attribute name=\"a\" type=\"string\" /></sectionSchema></configSchema>\n");
	tu_write("config/applicationHost.config", "<configuration>\n</configuration>\n");
	open_store();
	roundtrip("AesProvider", "no section");
	assert_null(ah_error_last());
}

/* The value as the engine reads it from a file decrypts. */
static void test_through_engine(void **state)
{
	(void)state;
	char *v = enc("AesProvider", "anonymous");
	char body[8192];
	snprintf(body, sizeof(body),
		 "%s  <system.webServer><security><authentication>\n"
		 "    <anonymousAuthentication enabled=\"true\" userName=\"anon\" password=\"%s\" />\n"
		 "  </authentication></security></system.webServer>\n",
		 PROVIDERS, v);
	write_store(body);
	open_store();
	ah_section *s = NULL;
	assert_int_equal(ah_config_section(&s, cfg,
					   "system.webServer/security/authentication/anonymousAuthentication",
					   "MACHINE/WEBROOT/APPHOST"),
			 0);
	ah_attr_info a;
	assert_true(ah_elem_attr(ah_section_root(s), "password", &a));
	assert_true(a.encrypted);
	assert_string_equal(a.text, v);
	char *p = dec_rc(a.text, 0);
	assert_string_equal(p, "anonymous");
	ah_crypt_free(p);
	ah_section_free(s);
	ah_free(v);
}

/* The bundled configuration (etc/) with the project's schema. */
static void test_project_defaults(void **state)
{
	(void)state;
	char *text = NULL;
	size_t n = 0;
	assert_int_equal(ah_fs_read(&text, &n, NULL, AH_TEST_SRCDIR "/etc/applicationHost.config"), 0);
	tu_write("proj/applicationHost.config", text);
	ah_free(text);
	assert_int_equal(ah_fs_read(&text, &n, NULL, AH_TEST_SRCDIR "/etc/framework/machine.config"), 0);
	tu_write("proj/framework/machine.config", text);
	ah_free(text);
	ah_config_opts o = {.config_dir = tu_path("proj"), .schema_dir = AH_TEST_SRCDIR "/schema"};
	ah_config_free(cfg);
	ah_error_clear();
	if (ah_config_open(&cfg, &o) < 0)
		fail_msg("open: %s", errmsg());
	char *k = NULL;
	if (ah_crypt_key_container(&k, cfg, "AesProvider") < 0)
		fail_msg("%s", errmsg());
	assert_string_equal(k, "iisConfigurationKey");
	ah_free(k);
	assert_int_equal(ah_crypt_key_container(&k, cfg, "IISWASOnlyAesProvider"), 0);
	assert_string_equal(k, "iisWasKey");
	ah_free(k);
	char *v = enc("IISWASOnlyAesProvider", "bundled");
	char *p = dec_rc(v, 0);
	assert_string_equal(p, "bundled");
	ah_crypt_free(p);
	ah_free(v);
	assert_true(ah_fs_exists(tu_path("proj/keys/iisWasKey.key")));
}

/* ---- out of memory ------------------------------------------------------------ */

/* Fail each allocation of encryption (key creation included) and decryption
 * in turn: every outcome is 0 or an error with no output, and nothing leaks. */
static void test_out_of_memory(void **state)
{
	(void)state;
	char *keep = enc("IISWASOnlyAesProvider", "kept");
	bool done = false;
	for (long n = 0; !done && n < 5000; n++) {
		open_store();
		/* warm the store's section cache: the failures are crypt.c's */
		char *k = NULL;
		assert_int_equal(ah_crypt_key_container(&k, cfg, "AesProvider"), 0);
		ah_free(k);
		char path[1024];
		key_file(path, sizeof(path), "iisConfigurationKey");
		unlink(path);
		char *v = NULL, *p = NULL, *q = NULL;
		ah_alloc_fail_after(n);
		int rc = ah_crypt_encrypt(&v, cfg, "AesProvider", "out of memory");
		int rc2 = rc == 0 ? ah_crypt_decrypt(&p, cfg, v) : -1;
		int rc3 = ah_crypt_decrypt(&q, cfg, keep);
		ah_alloc_fail_after(-1);
		assert_true(rc <= 0 && rc2 <= 0 && rc3 <= 0);
		if (rc < 0)
			assert_null(v);
		if (rc2 < 0)
			assert_null(p);
		if (rc3 < 0)
			assert_null(q);
		else
			assert_string_equal(q, "kept");
		if (rc2 == 0)
			assert_string_equal(p, "out of memory");
		done = rc == 0 && rc2 == 0 && rc3 == 0;
		ah_free(v);
		ah_crypt_free(p);
		ah_crypt_free(q);
		ah_error_clear();
	}
	assert_true(done);
	assert_int_equal(count_keys(), 2);
	ah_free(keep);
}

/* ---- values encrypted by Windows IIS ------------------------------------------- */

#define REF_APPHOST AH_TEST_SHARED "/reference/apphost"

/* Every [enc:...:enc] of file, decrypted with the current store. Returns how
 * many non-empty ones were met. */
static int check_windows_values(const char *file, bool own_store)
{
	char *text = NULL;
	size_t len = 0;
	assert_int_equal(ah_fs_read(&text, &len, NULL, file), 0);
	int found = 0;
	for (char *s = text; (s = strstr(s, "[enc:"));) {
		char *end = strstr(s, ":enc]");
		char *quote = strchr(s, '"');
		if (!end || (quote && quote < end)) {
			s += 5;
			continue;
		}
		char *value = ah_strndup(s, (size_t)(end + 5 - s));
		s = end + 5;
		assert_true(ah_crypt_is_encrypted(value));
		char *out = (char *)"sentinel";
		ah_error_clear();
		int rc = ah_crypt_decrypt(&out, cfg, value);
		if (strstr(value, "::enc]")) {
			assert_int_equal(rc, 0);
			assert_string_equal(out, "");
			ah_crypt_free(out);
		} else {
			found++;
			assert_null(out);
			if (own_store || rc == AH_EINVALID) {
				assert_int_equal(rc, AH_EINVALID);
				assert_contains(errmsg(), "was encrypted by another machine's key");
				assert_contains(errmsg(), "cannot be decrypted here");
			} else {
				assert_true(rc < 0);
			}
		}
		ah_free(value);
	}
	ah_free(text);
	return found;
}

static void test_windows_values(void **state)
{
	(void)state;
	DIR *d = opendir(REF_APPHOST);
	if (!d)
		skip();
	int found = 0;
	for (struct dirent *e; (e = readdir(d));) {
		if (!strstr(e->d_name, ".config"))
			continue;
		char file[1024];
		snprintf(file, sizeof(file), "%s/%s", REF_APPHOST, e->d_name);
		/* with this store's providers, and keys of its own present */
		char *mine = enc("AesProvider", "k");
		ah_free(mine);
		found += check_windows_values(file, true);

		/* with the Windows file itself as applicationHost.config */
		ah_config *own = cfg;
		ah_config_opts o = {.config_dir = tu_path("config"), .apphost_file = file};
		ah_error_clear();
		if (ah_config_open(&cfg, &o) == 0) {
			check_windows_values(file, false);
			ah_config_free(cfg);
		}
		cfg = own;
	}
	closedir(d);
	assert_true(found > 0);
	/* the schema defaults of the real IIS schema are empty payloads */
	char *p = dec_rc("[enc:IISWASOnlyAesProvider::enc]", 0);
	assert_string_equal(p, "");
	ah_crypt_free(p);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_value_form),
		cmocka_unit_test(test_base64),
		cmocka_unit_test_setup_teardown(test_roundtrip, setup, teardown),
		cmocka_unit_test_setup_teardown(test_empty_and_plain, setup, teardown),
		cmocka_unit_test_setup_teardown(test_key_files, setup, teardown),
		cmocka_unit_test_setup_teardown(test_key_never_overwritten, setup, teardown),
		cmocka_unit_test_setup_teardown(test_key_missing_on_decrypt, setup, teardown),
		cmocka_unit_test_setup_teardown(test_key_damaged, setup, teardown),
		cmocka_unit_test_setup_teardown(test_key_unreadable, setup, teardown),
		cmocka_unit_test_setup_teardown(test_provider_binding, setup, teardown),
		cmocka_unit_test_setup_teardown(test_tampering, setup, teardown),
		cmocka_unit_test_setup_teardown(test_unknown_provider, setup, teardown),
		cmocka_unit_test_setup_teardown(test_fallback_providers, setup_fallback, teardown),
		cmocka_unit_test_setup_teardown(test_fallback_without_section, setup_fallback, teardown),
		cmocka_unit_test_setup_teardown(test_through_engine, setup, teardown),
		cmocka_unit_test_setup_teardown(test_project_defaults, setup, teardown),
		cmocka_unit_test_setup_teardown(test_out_of_memory, setup, teardown),
		cmocka_unit_test_setup_teardown(test_windows_values, setup, teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
