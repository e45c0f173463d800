/*
 * Unit tests of src/lib/sid.c, the SID of an application pool's virtual
 * account (IIS APPPOOL\<name>).
 *
 * The first two vectors are SIDs seen on Windows (spec/appcmd-and-app-pools.md
 * §4.6: whoami /all and mimikatz output). The others follow the definition
 * (SHA-1 of the lower-cased name in UTF-16LE, five little-endian uint32) and
 * were computed apart from this code, with Python's hashlib and str.lower():
 *
 *   d = hashlib.sha1(name.lower().encode('utf-16-le')).digest()
 *   'S-1-5-82-' + '-'.join(map(str, struct.unpack('<5I', d)))
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include "apphost/sid.h"

#include <string.h>

#define DEFAULTAPPPOOL "S-1-5-82-3006700770-424185619-1745488364-794895919-4004696415"
#define WEB "S-1-5-82-2971860261-2701350812-2118117159-340795515-2183480550"

static void expect_sid(const char *name, const char *sid)
{
	char out[AH_SID_MAX];
	assert_int_equal(ah_apppool_sid(out, name), 0);
	assert_string_equal(out, sid);
}

static void test_windows_vectors(void **state)
{
	(void)state;
	expect_sid("defaultapppool", DEFAULTAPPPOOL);
	expect_sid("web", WEB);
}

static void test_case_insensitive(void **state)
{
	(void)state;
	expect_sid("DefaultAppPool", DEFAULTAPPPOOL);
	expect_sid("DEFAULTAPPPOOL", DEFAULTAPPPOOL);
	expect_sid("Web", WEB);
	expect_sid("WEB", WEB);
	/* the names of the test configurations */
	expect_sid("Legacy", "S-1-5-82-2821412221-2244870075-1845944047-328549954-1770787721");
	expect_sid("Classic .NET AppPool",
	           "S-1-5-82-1036420768-1044797643-1061213386-2937092688-4282445334");
}

static void test_utf8_names(void **state)
{
	(void)state;
	/* Latin-1: "CAFÉ Ünïcode" is "café ünïcode" */
	expect_sid("CAF\xC3\x89 \xC3\x9Cn\xC3\xAF"
	           "code",
	           "S-1-5-82-4068834378-3810947251-2256701054-86470553-3934663005");
	expect_sid("caf\xC3\xA9 \xC3\xBCn\xC3\xAF"
	           "code",
	           "S-1-5-82-4068834378-3810947251-2256701054-86470553-3934663005");
	/* Cyrillic "Пул ЁЖ" */
	expect_sid("\xD0\x9F\xD1\x83\xD0\xBB \xD0\x81\xD0\x96",
	           "S-1-5-82-734608804-3188247354-1412742091-3367542373-3085594035");
	/* Greek "ΆΘΗΝΑ" (an accented capital) */
	expect_sid("\xCE\x86\xCE\x98\xCE\x97\xCE\x9D\xCE\x91",
	           "S-1-5-82-968032208-1772513564-388724156-818694967-3771588626");
	/* Latin Extended-A "ŁÓDŹ Ÿ" (Ÿ lower-cases into Latin-1: ÿ) */
	expect_sid("\xC5\x81\xC3\x93"
	           "D\xC5\xB9 \xC5\xB8",
	           "S-1-5-82-2839978342-3508645701-3181197150-3694571663-2893716724");
	/* fullwidth "ＡＢＣ" */
	expect_sid("\xEF\xBC\xA1\xEF\xBC\xA2\xEF\xBC\xA3",
	           "S-1-5-82-2694314119-2647685691-1559579840-2122075365-2556112292");
	/* above the BMP: a surrogate pair, kept as it is ("Pool" + U+1F680) */
	expect_sid("Pool\xF0\x9F\x9A\x80",
	           "S-1-5-82-899811335-4184097651-1583491553-1163860610-1188287139");
	/* U+0130 (İ) maps to 'i', one unit for one, as Windows' tables do */
	char a[AH_SID_MAX], b[AH_SID_MAX];
	assert_int_equal(ah_apppool_sid(a, "\xC4\xB0"), 0);
	assert_int_equal(ah_apppool_sid(b, "i"), 0);
	assert_string_equal(a, b);
}

static void test_bad_names(void **state)
{
	(void)state;
	char out[AH_SID_MAX];
	static const char *const bad[] = {
	    "",
	    "caf\xC3",          /* cut short */
	    "a\xC0\xAF",        /* overlong '/' */
	    "\xED\xA0\x80",     /* a surrogate */
	    "\xF4\x90\x80\x80", /* above U+10FFFF */
	    "\xFF",
	    "x\x80y", /* a lone continuation byte */
	};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		memset(out, 'x', sizeof(out));
		assert_int_equal(ah_apppool_sid(out, bad[i]), AH_EINVALID);
		assert_string_equal(out, "");
	}
	assert_int_equal(ah_apppool_sid(out, NULL), AH_EINVALID);
	ah_error_clear();
}

static void test_longest(void **state)
{
	(void)state;
	/* every SID fits: the buffer holds five 10-digit numbers; long names work */
	assert_true(strlen("S-1-5-82-4294967295-4294967295-4294967295-4294967295-4294967295") <
	            AH_SID_MAX);
	char out[AH_SID_MAX];
	char name[600];
	memset(name, 'A', sizeof(name) - 1);
	name[sizeof(name) - 1] = '\0';
	assert_int_equal(ah_apppool_sid(out, name), 0);
	assert_string_equal(out, "S-1-5-82-2281841990-386513443-4134290682-3351107339-862590194");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_windows_vectors), cmocka_unit_test(test_case_insensitive),
	    cmocka_unit_test(test_utf8_names),      cmocka_unit_test(test_bad_names),
	    cmocka_unit_test(test_longest),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
