/*
 * Unit tests of src/lib/value.c: parsing every attribute type, every
 * validator with its exact message, boundary values, the canonical text
 * written back, and (when ../shared is present) the defaults of the real IIS
 * schema files, which must all parse and pass their own validators.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <cmocka.h>

#include "apphost/errors.h"
#include "lib/value.h"
#include "util/alloc.h"
#include "util/fs.h"
#include "util/str.h"

#include <dirent.h>
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#define TPS AH_TICKS_PER_SECOND
#define TPM (60 * TPS)
#define TPH (60 * TPM)
#define TPD (24 * TPH)

/* ---- schemas built by hand ---- */

static ah_enumval pipeline_vals[] = {{"Integrated", 0}, {"Classic", 1}};
static ah_enumval ssl_vals[] = {{"None", 0}, {"Allow", 1}, {"Require", 2}};
static ah_enumval ep_vals[] = {{"None", 0},
                               {"Proxy", 1},
                               {"NoServiceNameCheck", 2},
                               {"AllowDotlessSpn", 4},
                               {"ProxyCohosting", 32}};
static ah_enumval log_vals[] = {{"Date", 1}, {"Time", 2}, {"ClientIP", 4}, {"UserName", 8}};
static ah_enumval soap_vals[] = {
    {"Unknown", 0}, {"HttpSoap", 1}, {"HttpGet", 2}, {"HttpSoap12", 32}, {"AnyHttpSoap", 33}};

static ah_attr_schema attr(const char *name, ah_type t)
{
	return (ah_attr_schema){.name = name, .type = t};
}

static ah_attr_schema with_values(const char *name, ah_type t, ah_enumval *v, size_t n)
{
	ah_attr_schema a = attr(name, t);
	a.values = v;
	a.nvalues = n;
	return a;
}

static ah_attr_schema int_range(const char *name, ah_type t, int64_t lo, int64_t hi, bool ex)
{
	ah_attr_schema a = attr(name, t);
	a.validator = AH_V_INTEGER_RANGE;
	a.v_min = lo;
	a.v_max = hi;
	a.v_exclude = ex;
	return a;
}

static ah_attr_schema ts_range(const char *name, int64_t lo, int64_t hi, int64_t gran, bool ex)
{
	ah_attr_schema a = attr(name, AH_T_TIMESPAN);
	a.validator = AH_V_TIMESPAN_RANGE;
	a.v_min = lo;
	a.v_max = hi;
	a.v_granularity = gran;
	a.v_exclude = ex;
	return a;
}

static ah_attr_schema str_validator(ah_validator v)
{
	ah_attr_schema a = attr("name", AH_T_STRING);
	a.validator = v;
	return a;
}

/* ---- helpers ---- */

/* Parse text, which must succeed without a message. */
static ah_value ok(const ah_attr_schema *a, const char *text)
{
	ah_value v;
	ah_buf msg = AH_BUF_INIT;
	int rc = ah__value_parse(&v, a, text, &msg);
	if (rc)
		print_error("parsing '%s' failed: %s\n", text, ah_buf_cstr(&msg));
	assert_int_equal(rc, 0);
	assert_int_equal(msg.len, 0);
	assert_int_equal(v.type, a->type);
	ah_buf_free(&msg);
	return v;
}

/* Parse text, which must fail with the bare message want. */
static void bad(const ah_attr_schema *a, const char *text, const char *want)
{
	ah_value v;
	ah_buf msg = AH_BUF_INIT;
	int rc = ah__value_parse(&v, a, text, &msg);
	if (rc == 0)
		print_error("parsing '%s' succeeded\n", text);
	assert_int_equal(rc, AH_EINVALID);
	assert_string_equal(ah_buf_cstr(&msg), want);
	ah_buf_free(&msg);
}

/* Parse and validate text, which must pass. */
static void valid(const ah_attr_schema *a, const char *text)
{
	ah_value v;
	ah_buf msg = AH_BUF_INIT;
	int rc = ah__value_check(&v, a, text, &msg);
	if (rc)
		print_error("checking '%s' failed: %s\n", text, ah_buf_cstr(&msg));
	assert_int_equal(rc, 0);
	assert_int_equal(msg.len, 0);
	ah_buf_free(&msg);
}

/* Parse and validate text: the validator must fail with message want, both
 * bare (ah__value_validate) and in IIS's parse-time form (ah__value_check). */
static void invalid(const ah_attr_schema *a, const char *text, const char *want)
{
	ah_value v;
	ah_buf msg = AH_BUF_INIT;
	assert_int_equal(ah__value_parse(&v, a, text, &msg), 0);
	assert_int_equal(ah__value_validate(a, &v, &msg), AH_EINVALID);
	assert_string_equal(ah_buf_cstr(&msg), want);
	ah_buf_truncate(&msg, 0);
	assert_int_equal(ah__value_check(&v, a, text, &msg), AH_EINVALID);
	char full[512];
	snprintf(full, sizeof(full), "The '%s' attribute is invalid.  %s", a->name, want);
	assert_string_equal(ah_buf_cstr(&msg), full);
	ah_buf_free(&msg);
}

/* The canonical text of v. */
static void fmt_value(const ah_attr_schema *a, const ah_value *v, const char *want)
{
	ah_buf out = AH_BUF_INIT;
	ah__value_format(&out, a, v);
	assert_string_equal(ah_buf_cstr(&out), want);
	ah_buf_free(&out);
}

/* Parse text, format it (must give want), and parse want back to the same value. */
static void canon(const ah_attr_schema *a, const char *text, const char *want)
{
	ah_value v = ok(a, text);
	fmt_value(a, &v, want);
	ah_value back = ok(a, want);
	assert_memory_equal(&back.i64, &v.i64, sizeof(v.i64));
}

static int64_t ticks_of(const char *text)
{
	int64_t t = 0;
	if (!ah__timespan_parse(text, &t))
		print_error("timespan '%s' refused\n", text);
	assert_true(ah__timespan_parse(text, &t));
	return t;
}

static void ts_fmt(int64_t ticks, const char *want)
{
	ah_buf out = AH_BUF_INIT;
	ah__timespan_format(&out, ticks);
	assert_string_equal(ah_buf_cstr(&out), want);
	ah_buf_free(&out);
}

/* ---- bool ---- */

static void test_bool(void **state)
{
	ah_attr_schema a = attr("enabled", AH_T_BOOL);
	assert_true(ok(&a, "true").b);
	assert_false(ok(&a, "false").b);
	assert_true(ok(&a, "True").b);
	assert_false(ok(&a, "FALSE").b);
	const char *refused[] = {"", "yes", "no", "1", "0", " true", "true ", "tru", "truee"};
	for (size_t i = 0; i < sizeof(refused) / sizeof(*refused); i++)
		bad(&a, refused[i], "Not a valid boolean");
	canon(&a, "True", "true");
	canon(&a, "fALSE", "false");
}

/* ---- enum ---- */

static void test_enum(void **state)
{
	ah_attr_schema a = with_values("managedPipelineMode", AH_T_ENUM, pipeline_vals, 2);
	assert_int_equal(ok(&a, "Integrated").u, 0);
	assert_int_equal(ok(&a, "classic").u, 1);
	assert_int_equal(ok(&a, "CLASSIC").u, 1);
	assert_int_equal(ok(&a, "1").u, 1);
	assert_int_equal(ok(&a, "0").u, 0);
	const char *msg = "Enum must be one of Integrated, Classic";
	bad(&a, "2", msg);
	bad(&a, "Bogus", msg);
	bad(&a, "", msg);
	bad(&a, " Classic", msg);
	bad(&a, "-1", msg);
	canon(&a, "classic", "Classic");
	canon(&a, "0", "Integrated");
	ah_value v = {.type = AH_T_ENUM, .u = 7};
	fmt_value(&a, &v, "7");

	ah_attr_schema s = with_values("sslFlags", AH_T_ENUM, ssl_vals, 3);
	bad(&s, "Optional", "Enum must be one of None, Allow, Require");
	assert_int_equal(ok(&s, "require").u, 2);
}

/* ---- flags ---- */

static void test_flags_parse(void **state)
{
	ah_attr_schema a = with_values("flags", AH_T_FLAGS, ep_vals, 5);
	assert_int_equal(ok(&a, "Proxy,AllowDotlessSpn").u, 5);
	assert_int_equal(ok(&a, "proxy , allowdotlessspn").u, 5);
	assert_int_equal(ok(&a, " Proxy,\tProxyCohosting ").u, 33);
	assert_int_equal(ok(&a, "None").u, 0);
	assert_int_equal(ok(&a, "").u, 0);
	assert_int_equal(ok(&a, "  ").u, 0);
	assert_int_equal(ok(&a, "None, Proxy").u, 1);
	assert_int_equal(ok(&a, "Proxy, Proxy").u, 1);
	assert_int_equal(ok(&a, "5").u, 5);
	assert_int_equal(ok(&a, "39").u, 39);
	assert_int_equal(ok(&a, "Proxy, 4").u, 5);
	const char *msg = "Flags must be some combination of None, Proxy, NoServiceNameCheck, "
	                  "AllowDotlessSpn, ProxyCohosting";
	const char *refused[] = {"Bogus",
	                         "Proxy,,AllowDotlessSpn",
	                         "Proxy,",
	                         ",Proxy",
	                         "Proxy;AllowDotlessSpn",
	                         "8",
	                         "64",
	                         "4294967296",
	                         "-1",
	                         "Proxy AllowDotlessSpn"};
	for (size_t i = 0; i < sizeof(refused) / sizeof(*refused); i++)
		bad(&a, refused[i], msg);
}

static void test_flags_format(void **state)
{
	ah_attr_schema a = with_values("flags", AH_T_FLAGS, ep_vals, 5);
	canon(&a, "allowdotlessspn,proxy", "Proxy, AllowDotlessSpn");
	canon(&a, "", "None");
	canon(&a, "None", "None");
	canon(&a, "ProxyCohosting , Proxy", "Proxy, ProxyCohosting");
	canon(&a, "7", "Proxy, NoServiceNameCheck, AllowDotlessSpn");

	ah_attr_schema l = with_values("logExtFileFlags", AH_T_FLAGS, log_vals, 4);
	canon(&l, "Date, Time, ClientIP, UserName", "Date, Time, ClientIP, UserName");
	canon(&l, "Date,Time,ClientIP", "Date, Time, ClientIP");
	/* no 0-valued flag: 0 is written as "" */
	canon(&l, "", "");
	/* bits no flag names (only from values built by hand) come last, in decimal */
	ah_value v = {.type = AH_T_FLAGS, .u = 3 | 64};
	fmt_value(&l, &v, "Date, Time, 64");

	/* a combined flag: written as its parts, and its name still parses */
	ah_attr_schema s = with_values("name", AH_T_FLAGS, soap_vals, 5);
	assert_int_equal(ok(&s, "AnyHttpSoap").u, 33);
	canon(&s, "AnyHttpSoap", "HttpSoap, HttpSoap12");
	canon(&s, "HttpGet, AnyHttpSoap", "HttpSoap, HttpGet, HttpSoap12");
	canon(&s, "", "Unknown");
}

/* ---- uint, int, int64 ---- */

static void test_uint(void **state)
{
	ah_attr_schema a = attr("sslFlags", AH_T_UINT);
	assert_int_equal(ok(&a, "0").u, 0);
	assert_int_equal(ok(&a, "1000").u, 1000);
	assert_int_equal(ok(&a, "4294967295").u, UINT32_MAX);
	assert_int_equal(ok(&a, "0x10").u, 16);
	assert_int_equal(ok(&a, "0XfF").u, 255);
	assert_int_equal(ok(&a, "0xFFFFFFFF").u, UINT32_MAX);
	assert_int_equal(ok(&a, "0x00000001").u, 1);
	const char *refused[] = {
	    "4294967296", "18446744073709551616", "-1",  "",    "abc",     " 1", "1 ", "1.5", "+1",
	    "0x",         "0x100000000",          "0xg", "1e3", "Infinite"};
	for (size_t i = 0; i < sizeof(refused) / sizeof(*refused); i++)
		bad(&a, refused[i], "Not a valid unsigned integer");

	/* IIS's own example of a parse-time message */
	ah_value v;
	ah_buf msg = AH_BUF_INIT;
	assert_int_equal(ah__value_check(&v, &a, "abc", &msg), AH_EINVALID);
	assert_string_equal(ah_buf_cstr(&msg),
	                    "The 'sslFlags' attribute is invalid.  Not a valid unsigned integer");
	ah_buf_free(&msg);

	canon(&a, "0x10", "16");
	canon(&a, "4294967295", "4294967295");

	ah_attr_schema h = attr("mask", AH_T_UINT);
	h.display_hex = true;
	canon(&h, "255", "0x000000ff");
	canon(&h, "4294967295", "0xffffffff");
	canon(&h, "0", "0x00000000");

	ah_attr_schema inf = attr("limit", AH_T_UINT);
	inf.allow_infinite = true;
	assert_int_equal(ok(&inf, "Infinite").u, UINT32_MAX);
	assert_int_equal(ok(&inf, "INFINITE").u, UINT32_MAX);
	canon(&inf, "infinite", "Infinite");
	canon(&inf, "4294967295", "Infinite");
	canon(&inf, "5", "5");
}

static void test_int(void **state)
{
	ah_attr_schema a = attr("maxBufferSize", AH_T_INT);
	assert_int_equal(ok(&a, "-1").i, -1);
	assert_int_equal(ok(&a, "0").i, 0);
	assert_int_equal(ok(&a, "+7").i, 7);
	assert_int_equal(ok(&a, "2147483647").i, INT32_MAX);
	assert_int_equal(ok(&a, "-2147483648").i, INT32_MIN);
	const char *refused[] = {
	    "2147483648", "-2147483649", "99999999999999999999", "", "-", "abc", "1.0", " 5",
	    "0x10",       "Infinite"};
	for (size_t i = 0; i < sizeof(refused) / sizeof(*refused); i++)
		bad(&a, refused[i], "Not a valid integer");
	canon(&a, "-1", "-1");
	canon(&a, "+7", "7");
	canon(&a, "2147483647", "2147483647");

	ah_attr_schema inf = attr("maxBufferSize", AH_T_INT);
	inf.allow_infinite = true;
	assert_int_equal(ok(&inf, "Infinite").i, INT32_MAX);
	assert_int_equal(ok(&inf, "infinite").i, INT32_MAX);
	canon(&inf, "Infinite", "Infinite");
	canon(&inf, "2147483647", "Infinite");
	canon(&inf, "-2147483648", "-2147483648");
}

static void test_int64(void **state)
{
	ah_attr_schema a = attr("maxAllowedContentLength", AH_T_INT64);
	assert_true(ok(&a, "9223372036854775807").i64 == INT64_MAX);
	assert_true(ok(&a, "-9223372036854775808").i64 == INT64_MIN);
	assert_true(ok(&a, "20971520").i64 == 20971520);
	assert_true(ok(&a, "4294967296").i64 == INT64_C(4294967296));
	const char *refused[] = {
	    "9223372036854775808", "-9223372036854775809", "", "x", "1.5", "Infinite"};
	for (size_t i = 0; i < sizeof(refused) / sizeof(*refused); i++)
		bad(&a, refused[i], "Not a valid 64-bit integer");
	canon(&a, "-9223372036854775808", "-9223372036854775808");
	canon(&a, "20971520", "20971520");

	ah_attr_schema inf = attr("n", AH_T_INT64);
	inf.allow_infinite = true;
	assert_true(ok(&inf, "Infinite").i64 == INT64_MAX);
	canon(&inf, "9223372036854775807", "Infinite");
}

/* ---- string ---- */

static void test_string(void **state)
{
	ah_attr_schema a = attr("physicalPath", AH_T_STRING);
	const char *text = " %SystemDrive%\\inetpub\\wwwroot ";
	ah_value v = ok(&a, text);
	assert_ptr_equal(v.s, text);
	canon(&a, text, text);
	assert_string_equal(ok(&a, "").s, "");
}

/* ---- timeSpan text ---- */

static void test_timespan_parse(void **state)
{
	assert_true(ticks_of("00:20:00") == 20 * TPM);
	assert_true(ticks_of("00:01:30") == 90 * TPS);
	assert_true(ticks_of("1.05:00:00") == 29 * TPH);
	assert_true(ticks_of("29:00:00") == 29 * TPH);
	assert_true(ticks_of("1.00:00:00") == TPD);
	assert_true(ticks_of("30.00:00:00") == 30 * TPD);
	assert_true(ticks_of("-00:00:01") == -TPS);
	assert_true(ticks_of("-1.02:03:04") == -(TPD + 2 * TPH + 3 * TPM + 4 * TPS));
	assert_true(ticks_of("00:00:00.5") == TPS / 2);
	assert_true(ticks_of("00:00:00.1") == TPS / 10);
	assert_true(ticks_of("00:00:00.0000001") == 1);
	assert_true(ticks_of("00:00:01.1234567") == TPS + 1234567);
	assert_true(ticks_of("00:00:00") == 0);
	assert_true(ticks_of("-00:00:00") == 0);
	assert_true(ticks_of("1") == TPD);
	assert_true(ticks_of("-3") == -3 * TPD);
	assert_true(ticks_of("0") == 0);
	assert_true(ticks_of("00:05") == 5 * TPM);
	assert_true(ticks_of("1.02:03") == TPD + 2 * TPH + 3 * TPM);
	assert_true(ticks_of("1:2:3") == TPH + 2 * TPM + 3 * TPS);
	assert_true(ticks_of("23:59:59") == TPD - TPS);
	assert_true(ticks_of("1.23:59:59.9999999") == 2 * TPD - 1);
	/* TimeSpan.MaxValue and TimeSpan.MinValue, as written in the ASP.NET schema */
	assert_true(ticks_of("10675199.02:48:05.4775807") == INT64_MAX);
	assert_true(ticks_of("-10675199.02:48:05.4775808") == INT64_MIN);
	assert_true(ticks_of("10675199") == 10675199 * TPD);
}

static void test_timespan_refused(void **state)
{
	const char *refused[] = {"",
	                         "-",
	                         "--1",
	                         "abc",
	                         "1.24:00:00",
	                         "00:60:00",
	                         "00:00:60",
	                         "00:00:00.12345678",
	                         "00:00:00.",
	                         "00:00:",
	                         ":00:00",
	                         "00:",
	                         "1.5",
	                         "1.",
	                         ".05:00:00",
	                         "00:00.5",
	                         "1.02",
	                         " 00:20:00",
	                         "00:20:00 ",
	                         "+00:20:00",
	                         "00:20:00:00",
	                         "1.00:00:00:00",
	                         "10675199.02:48:05.4775808",
	                         "-10675199.02:48:05.4775809",
	                         "10675200",
	                         "999999999999999999999",
	                         "Infinite",
	                         "1d"};
	int64_t t;
	for (size_t i = 0; i < sizeof(refused) / sizeof(*refused); i++) {
		if (ah__timespan_parse(refused[i], &t))
			print_error("timespan '%s' accepted\n", refused[i]);
		assert_false(ah__timespan_parse(refused[i], &t));
	}
	assert_false(ah__timespan_parse(NULL, &t));
}

static void test_timespan_format(void **state)
{
	ts_fmt(0, "00:00:00");
	ts_fmt(20 * TPM, "00:20:00");
	ts_fmt(29 * TPH, "1.05:00:00");
	ts_fmt(30 * TPD, "30.00:00:00");
	ts_fmt(-TPS, "-00:00:01");
	ts_fmt(TPS / 2, "00:00:00.5000000");
	ts_fmt(1, "00:00:00.0000001");
	ts_fmt(-(TPD + TPS / 10), "-1.00:00:00.1000000");
	ts_fmt(INT64_MAX, "10675199.02:48:05.4775807");
	ts_fmt(INT64_MIN, "-10675199.02:48:05.4775808");
}

static void test_timespan_value(void **state)
{
	ah_attr_schema a = attr("idleTimeout", AH_T_TIMESPAN);
	assert_true(ok(&a, "00:20:00").ticks == 20 * TPM);
	bad(&a, "Infinite", "Not a valid timespan value");
	bad(&a, "20 minutes", "Not a valid timespan value");
	assert_true(ok(&a, "20").ticks == 20 * TPD);
	bad(&a, "1.24:00:00", "Not a valid timespan value");
	canon(&a, "29:00:00", "1.05:00:00");
	canon(&a, "00:00:00.5", "00:00:00.5000000");
	canon(&a, "1", "1.00:00:00");
	canon(&a, "-00:00:01", "-00:00:01");
	canon(&a, "10675199.02:48:05.4775807", "10675199.02:48:05.4775807");

	ah_attr_schema inf = a;
	inf.allow_infinite = true;
	assert_true(ok(&inf, "Infinite").ticks == INT64_MAX);
	assert_true(ok(&inf, "infinite").ticks == INT64_MAX);
	canon(&inf, "INFINITE", "Infinite");
	canon(&inf, "10675199.02:48:05.4775807", "Infinite");
	canon(&inf, "00:03:00", "00:03:00");
}

static void test_timespan_counts(void **state)
{
	ah_attr_schema s = attr("batchTimeout", AH_T_TIMESPAN);
	s.ts_format = AH_TS_SECONDS;
	assert_true(ok(&s, "900").ticks == 900 * TPS);
	assert_true(ok(&s, "0").ticks == 0);
	assert_true(ok(&s, "-5").ticks == -5 * TPS);
	const char *refused[] = {"", "00:15:00", "1.5", "abc", " 9", "Infinite", "922337203686"};
	for (size_t i = 0; i < sizeof(refused) / sizeof(*refused); i++)
		bad(&s, refused[i], "Not a valid timespan value");
	assert_true(ok(&s, "922337203685").ticks == INT64_C(922337203685) * TPS);
	canon(&s, "900", "900");
	canon(&s, "+30", "30");
	canon(&s, "-5", "-5");
	/* a sub-second part is not written in the seconds form */
	ah_value v = {.type = AH_T_TIMESPAN, .ticks = 90 * TPS + 1};
	fmt_value(&s, &v, "90");

	ah_attr_schema m = attr("cookieTimeout", AH_T_TIMESPAN);
	m.ts_format = AH_TS_MINUTES;
	assert_true(ok(&m, "100000").ticks == 100000 * TPM);
	assert_true(ok(&m, "30").ticks == 30 * TPM);
	bad(&m, "00:30:00", "Not a valid timespan value");
	bad(&m, "15372286729", "Not a valid timespan value");
	canon(&m, "100000", "100000");
	v.ticks = 90 * TPS;
	fmt_value(&m, &v, "1");

	m.allow_infinite = true;
	assert_true(ok(&m, "Infinite").ticks == INT64_MAX);
	canon(&m, "Infinite", "Infinite");
	canon(&m, "20", "20");
}

/* ---- validators ---- */

static void test_integer_range(void **state)
{
	ah_attr_schema a = int_range("queueLength", AH_T_UINT, 10, 65535, false);
	const char *msg = "Integer value must be between 10 and 65535 inclusive";
	valid(&a, "10");
	valid(&a, "1000");
	valid(&a, "65535");
	invalid(&a, "9", msg);
	invalid(&a, "65536", msg);
	invalid(&a, "0", msg);
	invalid(&a, "4294967295", msg);

	ah_attr_schema e = int_range("maxBandwidth", AH_T_UINT, 0, 1023, true);
	msg = "Integer value must not be between 0 and 1023 inclusive";
	valid(&e, "1024");
	valid(&e, "4294967295");
	invalid(&e, "0", msg);
	invalid(&e, "1023", msg);
	invalid(&e, "500", msg);

	ah_attr_schema big = int_range("maxBandwidth", AH_T_UINT, 0, 4294967294, true);
	valid(&big, "4294967295");
	invalid(&big, "4294967294", "Integer value must not be between 0 and 4294967294 inclusive");

	ah_attr_schema s = int_range("priority", AH_T_INT, -5, 5, false);
	valid(&s, "-5");
	valid(&s, "5");
	invalid(&s, "-6", "Integer value must be between -5 and 5 inclusive");
	invalid(&s, "6", "Integer value must be between -5 and 5 inclusive");

	ah_attr_schema i = int_range("maxBufferSize", AH_T_INT, 1, 2147483647, false);
	i.allow_infinite = true;
	valid(&i, "Infinite");
	valid(&i, "1");
	invalid(&i, "0", "Integer value must be between 1 and 2147483647 inclusive");

	ah_attr_schema l = int_range("truncateSize", AH_T_INT64, 1048576, 4294967295, false);
	valid(&l, "20971520");
	valid(&l, "4294967295");
	valid(&l, "1048576");
	invalid(&l, "4294967296", "Integer value must be between 1048576 and 4294967295 inclusive");
	invalid(&l, "1048575", "Integer value must be between 1048576 and 4294967295 inclusive");

	/* integerRange on a type it does not apply to passes */
	ah_attr_schema t = int_range("x", AH_T_TIMESPAN, 0, 1, false);
	valid(&t, "10.00:00:00");
	ah_attr_schema str = int_range("x", AH_T_STRING, 0, 1, false);
	valid(&str, "12345");
}

static void test_timespan_range(void **state)
{
	ah_attr_schema a = ts_range("idleTimeout", 0, 2592000, 60, false);
	const char *msg = "Timespan value must be between 00:00:00 and 30.00:00:00 seconds "
	                  "inclusive, with a granularity of 60 seconds";
	valid(&a, "00:20:00");
	valid(&a, "00:00:00");
	valid(&a, "30.00:00:00");
	valid(&a, "29.23:59:00");
	invalid(&a, "30.00:01:00", msg);
	invalid(&a, "30.00:00:01", msg);
	invalid(&a, "-00:01:00", msg);
	invalid(&a, "00:00:30", msg);
	invalid(&a, "00:01:00.5", msg);
	invalid(&a, "00:00:00.0000001", msg);

	ah_attr_schema t = ts_range("time", 0, 25920000, 60, false);
	valid(&t, "29:00:00");
	valid(&t, "1.05:00:00");
	valid(&t, "300.00:00:00");
	invalid(&t, "300.00:01:00",
	        "Timespan value must be between 00:00:00 and 300.00:00:00 "
	        "seconds inclusive, with a granularity of 60 seconds");

	ah_attr_schema r = ts_range("rapidFailProtectionInterval", 60, 8640000, 60, false);
	msg = "Timespan value must be between 00:01:00 and 100.00:00:00 seconds inclusive, "
	      "with a granularity of 60 seconds";
	valid(&r, "00:01:00");
	valid(&r, "00:05:00");
	valid(&r, "100.00:00:00");
	invalid(&r, "00:00:00", msg);
	invalid(&r, "00:00:59", msg);

	/* the granularity counts from 0, not from the minimum */
	ah_attr_schema g = ts_range("x", 30, 3600, 60, false);
	msg = "Timespan value must be between 00:00:30 and 01:00:00 seconds inclusive, "
	      "with a granularity of 60 seconds";
	valid(&g, "00:01:00");
	valid(&g, "01:00:00");
	invalid(&g, "00:00:30", msg);
	invalid(&g, "00:01:30", msg);

	ah_attr_schema one = ts_range("shutdownTimeLimit", 1, 4294967, 1, false);
	valid(&one, "00:00:01");
	valid(&one, "49.17:02:47");
	invalid(&one, "00:00:00",
	        "Timespan value must be between 00:00:01 and 49.17:02:47 "
	        "seconds inclusive, with a granularity of 1 seconds");
	invalid(&one, "00:00:01.5",
	        "Timespan value must be between 00:00:01 and 49.17:02:47 "
	        "seconds inclusive, with a granularity of 1 seconds");

	ah_attr_schema ex = ts_range("x", 0, 59, 1, true);
	msg = "Timespan value must not be between 00:00:00 and 00:00:59 seconds inclusive, "
	      "with a granularity of 1 seconds";
	valid(&ex, "00:01:00");
	valid(&ex, "-00:00:01");
	invalid(&ex, "00:00:00", msg);
	invalid(&ex, "00:00:59", msg);

	/* a granularity of 0 checks the range only */
	ah_attr_schema z = ts_range("x", 0, 10, 0, false);
	valid(&z, "00:00:09.5");

	/* timeSpanRange on another type passes */
	ah_attr_schema u = ts_range("x", 0, 1, 60, false);
	u.type = AH_T_UINT;
	valid(&u, "12345");
}

static void test_timespan_range_counts(void **state)
{
	/* ASP.NET's idleTimeout: minutes, default "Infinite", range in seconds */
	ah_attr_schema a = ts_range("idleTimeout", 0, 2147483640, 60, false);
	a.ts_format = AH_TS_MINUTES;
	a.allow_infinite = true;
	valid(&a, "Infinite");
	valid(&a, "0");
	valid(&a, "100000");
	valid(&a, "35791394");
	const char *msg = "Timespan value must be between 00:00:00 and 24855.03:14:00 seconds "
	                  "inclusive, with a granularity of 60 seconds";
	invalid(&a, "35791395", msg);
	invalid(&a, "-1", msg);

	/* ASP.NET's session timeout: its default of 20 minutes is valid, so the
	 * granularity of 60 s does not count from the minimum of 1 s */
	ah_attr_schema t = ts_range("timeout", 1, 2147483640, 60, false);
	t.ts_format = AH_TS_MINUTES;
	valid(&t, "20");
	valid(&t, "1");
	invalid(&t, "0",
	        "Timespan value must be between 00:00:01 and 24855.03:14:00 seconds "
	        "inclusive, with a granularity of 60 seconds");

	ah_attr_schema s = ts_range("batchTimeout", 0, 2147483647, 1, false);
	s.ts_format = AH_TS_SECONDS;
	valid(&s, "900");
	valid(&s, "2147483647");
	invalid(&s, "2147483648",
	        "Timespan value must be between 00:00:00 and 24855.03:14:07 "
	        "seconds inclusive, with a granularity of 1 seconds");
}

static void test_string_validators(void **state)
{
	ah_attr_schema ne = str_validator(AH_V_NON_EMPTY_STRING);
	valid(&ne, "a");
	valid(&ne, " ");
	invalid(&ne, "", "String must not be empty");

	ah_attr_schema tr = str_validator(AH_V_REQUIRE_TRIMMED_STRING);
	const char *tmsg = "String must not have leading or trailing white space";
	valid(&tr, "a b");
	valid(&tr, "");
	valid(&tr, "a");
	invalid(&tr, " a", tmsg);
	invalid(&tr, "a ", tmsg);
	invalid(&tr, "a\t", tmsg);
	invalid(&tr, "\na", tmsg);
	invalid(&tr, " ", tmsg);

	/* string validators pass values of other types */
	ah_attr_schema u = str_validator(AH_V_NON_EMPTY_STRING);
	u.type = AH_T_UINT;
	valid(&u, "0");
}

static void test_app_pool_name(void **state)
{
	ah_attr_schema a = str_validator(AH_V_APP_POOL_NAME);
	valid(&a, "DefaultAppPool");
	valid(&a, "Classic .NET AppPool");
	valid(&a, ".NET v4.5 Classic");
	valid(&a, "pool-1_(x)!#$%'~");
	valid(&a, "");
	const char *badc = "|<>&\\\"/[]+=;:,?*@";
	for (const char *p = badc; *p; p++) {
		char name[8] = {'a', *p, 'b', '\0'};
		invalid(&a, name, "Invalid application pool name");
		char lead[2] = {*p, '\0'};
		invalid(&a, lead, "Invalid application pool name");
	}
}

static void test_site_name(void **state)
{
	ah_attr_schema a = str_validator(AH_V_SITE_NAME);
	valid(&a, "Default Web Site");
	valid(&a, "www.example.com");
	valid(&a, "a:b&c");
	valid(&a, "a\\b");
	invalid(&a, "a/b", "Invalid site name");
	invalid(&a, "a?b", "Invalid site name");
	invalid(&a, "/", "Invalid site name");
}

static void path_rules(ah_validator which, const char *msg)
{
	ah_attr_schema a = str_validator(which);
	a.name = "path";
	const char *good[] = {"/",    "/app", "/app/sub",     "/a.b",
	                      "/..a", "/a..", "/.well-known", "/a b/c"};
	for (size_t i = 0; i < sizeof(good) / sizeof(*good); i++)
		valid(&a, good[i]);
	const char *refused[] = {"",    "app",  "app/",  "/app/",  "/app/sub/", "//",  "/.",
	                         "/..", "/a/.", "/a/..", "/a/./b", "/a/../b",   "./a", "\\app"};
	for (size_t i = 0; i < sizeof(refused) / sizeof(*refused); i++)
		invalid(&a, refused[i], msg);
}

static void test_path_validators(void **state)
{
	path_rules(AH_V_APPLICATION_PATH, "Invalid application path");
	path_rules(AH_V_VDIR_PATH, "Invalid virtual directory path");
}

static void test_no_validator(void **state)
{
	ah_attr_schema a = attr("x", AH_T_STRING);
	valid(&a, "");
	valid(&a, " anything /?| ");
	a.validator = AH_V_UNKNOWN;
	a.validation_type = "somethingNew";
	valid(&a, "");
	ah_attr_schema u = attr("x", AH_T_UINT);
	u.validator = AH_V_UNKNOWN;
	valid(&u, "4294967295");
}

/* ---- ah__value_check and argument checks ---- */

static void test_check_message(void **state)
{
	ah_attr_schema a = str_validator(AH_V_APP_POOL_NAME);
	ah_value v;
	ah_buf msg = AH_BUF_INIT;

	/* IIS's example: the message goes after what msg already holds */
	ah_buf_puts(&msg, "Error: ");
	assert_int_equal(ah__value_check(&v, &a, "bad/pool", &msg), AH_EINVALID);
	assert_string_equal(
	    ah_buf_cstr(&msg),
	    "Error: The 'name' attribute is invalid.  Invalid application pool name");

	/* success leaves msg as it was */
	ah_buf_truncate(&msg, 0);
	ah_buf_puts(&msg, "kept");
	assert_int_equal(ah__value_check(&v, &a, "DefaultAppPool", &msg), 0);
	assert_string_equal(ah_buf_cstr(&msg), "kept");
	assert_string_equal(v.s, "DefaultAppPool");

	/* a parse failure is wrapped the same way */
	ah_attr_schema e = with_values("managedPipelineMode", AH_T_ENUM, pipeline_vals, 2);
	ah_buf_truncate(&msg, 0);
	assert_int_equal(ah__value_check(&v, &e, "Bogus", &msg), AH_EINVALID);
	assert_string_equal(ah_buf_cstr(&msg), "The 'managedPipelineMode' attribute is invalid.  "
	                                       "Enum must be one of Integrated, Classic");

	/* msg may be NULL */
	assert_int_equal(ah__value_check(&v, &e, "Bogus", NULL), AH_EINVALID);
	assert_int_equal(ah__value_check(&v, &e, "classic", NULL), 0);
	assert_int_equal(v.u, 1);
	assert_int_equal(ah__value_parse(&v, &e, "Bogus", NULL), AH_EINVALID);
	ah_buf_free(&msg);
}

static void test_arguments(void **state)
{
	ah_attr_schema a = attr("x", AH_T_UINT);
	ah_value v;
	assert_int_equal(ah__value_parse(NULL, &a, "1", NULL), AH_EINVALID);
	assert_int_equal(ah__value_parse(&v, NULL, "1", NULL), AH_EINVALID);
	assert_int_equal(ah__value_parse(&v, &a, NULL, NULL), AH_EINVALID);
	assert_int_equal(ah__value_check(&v, &a, NULL, NULL), AH_EINVALID);
	assert_int_equal(ah__value_validate(NULL, &v, NULL), AH_EINVALID);
	assert_int_equal(ah__value_validate(&a, NULL, NULL), AH_EINVALID);
}

/* ---- the defaults of the real IIS schema files ---- */

/* The value of attribute key="..." inside the tag [tag, end), copied to buf. */
static bool tag_attr(const char *tag, const char *end, const char *key, char *buf, size_t n)
{
	char pat[64];
	snprintf(pat, sizeof(pat), " %s=\"", key);
	const char *p = strstr(tag, pat);
	if (!p || p > end)
		return false;
	p += strlen(pat);
	const char *q = strchr(p, '"');
	if (!q || q > end || (size_t)(q - p) >= n)
		return false;
	memcpy(buf, p, (size_t)(q - p));
	buf[q - p] = '\0';
	return true;
}

static bool type_of(const char *name, ah_type *t)
{
	static const struct {
		const char *name;
		ah_type t;
	} types[] = {{"bool", AH_T_BOOL},        {"uint", AH_T_UINT}, {"int", AH_T_INT},
	             {"int64", AH_T_INT64},      {"enum", AH_T_ENUM}, {"flags", AH_T_FLAGS},
	             {"timeSpan", AH_T_TIMESPAN}};
	for (size_t i = 0; i < sizeof(types) / sizeof(*types); i++) {
		if (ah_streq(types[i].name, name)) {
			*t = types[i].t;
			return true;
		}
	}
	return false;
}

/* Fill v_min, v_max, v_granularity, v_exclude from "min,max[,gran][,exclude]". */
static void range_param(ah_attr_schema *a, char *param)
{
	int64_t nums[3] = {0, 0, 0};
	int n = 0;
	for (char *p = param; p && *p;) {
		char *comma = strchr(p, ',');
		if (comma)
			*comma = '\0';
		if (ah_streq(p, "exclude"))
			a->v_exclude = true;
		else if (n < 3)
			assert_true(ah_parse_i64(p, &nums[n++]));
		p = comma ? comma + 1 : NULL;
	}
	a->v_min = nums[0];
	a->v_max = nums[1];
	a->v_granularity = nums[2];
}

/* The <enum>/<flag> children of the attribute whose start tag ends at end. */
static void read_values(ah_attr_schema *a, const char *end)
{
	static ah_enumval vals[64];
	static char names[64][64];
	char num[32];
	const char *stop = strstr(end, "</attribute>");
	assert_non_null(stop);
	a->values = vals;
	a->nvalues = 0;
	for (const char *p = strchr(end, '<'); p && p < stop; p = strchr(p + 1, '<')) {
		const char *tend = strchr(p, '>');
		size_t i = a->nvalues;
		int64_t v;
		if (strncmp(p, "<enum ", 6) && strncmp(p, "<flag ", 6))
			continue;
		assert_true(i < 64);
		assert_true(tag_attr(p, tend, "name", names[i], sizeof(names[i])));
		assert_true(tag_attr(p, tend, "value", num, sizeof(num)));
		/* one real value is "-1": it is stored as a uint32 */
		assert_true(ah_parse_i64(num, &v));
		vals[i] = (ah_enumval){names[i], (uint32_t)v};
		a->nvalues++;
	}
}

/* Build the schema of one <attribute ...> tag; false when it has no typed default. */
static bool schema_of(const char *tag, const char *end, ah_attr_schema *a, char *name, char *def,
                      char *param)
{
	char type[32], vt[64], flag[32];
	*a = (ah_attr_schema){0};
	if (!tag_attr(tag, end, "type", type, sizeof(type)) || !type_of(type, &a->type) ||
	    !tag_attr(tag, end, "defaultValue", def, 128) || !tag_attr(tag, end, "name", name, 128))
		return false;
	a->name = name;
	if (a->type == AH_T_ENUM || a->type == AH_T_FLAGS)
		read_values(a, end);
	a->allow_infinite =
	    tag_attr(tag, end, "allowInfinite", flag, sizeof(flag)) && ah_strcaseeq(flag, "true");
	if (tag_attr(tag, end, "timeSpanFormat", flag, sizeof(flag)))
		a->ts_format = ah_streq(flag, "seconds")   ? AH_TS_SECONDS
		               : ah_streq(flag, "minutes") ? AH_TS_MINUTES
		                                           : AH_TS_STRING;
	if (tag_attr(tag, end, "validationType", vt, sizeof(vt)) &&
	    tag_attr(tag, end, "validationParameter", param, 128)) {
		if (ah_streq(vt, "integerRange"))
			a->validator = AH_V_INTEGER_RANGE;
		else if (ah_streq(vt, "timeSpanRange"))
			a->validator = AH_V_TIMESPAN_RANGE;
		range_param(a, param);
	}
	return true;
}

static int check_file_defaults(const char *path)
{
	char *text;
	size_t len;
	int checked = 0;
	assert_int_equal(ah_fs_read(&text, &len, NULL, path), 0);
	for (const char *p = strstr(text, "<attribute "); p; p = strstr(p + 1, "<attribute ")) {
		const char *end = strchr(p, '>');
		char name[128], def[128], param[128];
		ah_attr_schema a;
		assert_non_null(end);
		if (!schema_of(p, end, &a, name, def, param))
			continue;
		ah_value v;
		ah_buf msg = AH_BUF_INIT;
		int rc = ah__value_check(&v, &a, def, &msg);
		if (rc)
			print_error("%s: default '%s': %s\n", path, def, ah_buf_cstr(&msg));
		assert_int_equal(rc, 0);
		ah_buf_free(&msg);
		checked++;
	}
	ah_free(text);
	return checked;
}

static int check_dir_defaults(const char *sub)
{
	char dir[1024];
	int checked = 0;
	snprintf(dir, sizeof(dir), "%s/reference/schema/%s", AH_TEST_SHARED, sub);
	DIR *d = opendir(dir);
	assert_non_null(d);
	for (struct dirent *e; (e = readdir(d));) {
		size_t n = strlen(e->d_name);
		if (n < 4 || !ah_streq(e->d_name + n - 4, ".xml"))
			continue;
		char path[2048];
		snprintf(path, sizeof(path), "%s/%s", dir, e->d_name);
		checked += check_file_defaults(path);
	}
	closedir(d);
	return checked;
}

static void test_reference_defaults(void **state)
{
	char dir[1024];
	snprintf(dir, sizeof(dir), "%s/reference/schema", AH_TEST_SHARED);
	if (!ah_fs_is_dir(dir)) {
		skip();
		return;
	}
	/* hundreds of typed defaults, among them "29:00:00", "Infinite",
	 * "10675199.02:48:05.4775807" and "Date, Time, ClientIP, ..." */
	assert_true(check_dir_defaults("iis10") > 400);
	assert_true(check_dir_defaults("iisexpress") > 300);
	assert_true(check_dir_defaults("extra") > 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_bool),
	    cmocka_unit_test(test_enum),
	    cmocka_unit_test(test_flags_parse),
	    cmocka_unit_test(test_flags_format),
	    cmocka_unit_test(test_uint),
	    cmocka_unit_test(test_int),
	    cmocka_unit_test(test_int64),
	    cmocka_unit_test(test_string),
	    cmocka_unit_test(test_timespan_parse),
	    cmocka_unit_test(test_timespan_refused),
	    cmocka_unit_test(test_timespan_format),
	    cmocka_unit_test(test_timespan_value),
	    cmocka_unit_test(test_timespan_counts),
	    cmocka_unit_test(test_integer_range),
	    cmocka_unit_test(test_timespan_range),
	    cmocka_unit_test(test_timespan_range_counts),
	    cmocka_unit_test(test_string_validators),
	    cmocka_unit_test(test_app_pool_name),
	    cmocka_unit_test(test_site_name),
	    cmocka_unit_test(test_path_validators),
	    cmocka_unit_test(test_no_validator),
	    cmocka_unit_test(test_check_message),
	    cmocka_unit_test(test_arguments),
	    cmocka_unit_test(test_reference_defaults),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
