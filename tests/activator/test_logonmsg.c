/*
 * Unit tests of the logon broker's messages (src/activator/common/logonmsg.c),
 * the only code of the root broker that reads what a worker wrote: a CHECK
 * laid out as docs/server.md gives it is decoded; each way a packet can be
 * wrong (truncated, trailing bytes, another version or type, a string over
 * its bound, a NUL inside, an empty user, too long) is refused with the
 * request wiped; RESULT's layout and its decoding.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include "common/logonmsg.h"

#include <errno.h>
#include <string.h>

/* A CHECK built by hand, byte by byte, as the protocol describes it. */
typedef struct pkt {
	uint8_t b[4096];
	size_t n;
} pkt;

static void put(pkt *p, const void *s, size_t n)
{
	memcpy(p->b + p->n, s, n);
	p->n += n;
}

static void put_str(pkt *p, const char *s, size_t n)
{
	uint8_t len[2] = {(uint8_t)n, (uint8_t)(n >> 8)};
	put(p, len, 2);
	put(p, s, n);
}

static void check_pkt(pkt *p, uint32_t id, const char *user, size_t ul, const char *pw,
		      size_t pl, const char *rhost, size_t rl)
{
	p->n = 0;
	uint8_t head[6] = {1, 1, (uint8_t)id, (uint8_t)(id >> 8), (uint8_t)(id >> 16),
			   (uint8_t)(id >> 24)};
	put(p, head, 6);
	put_str(p, user, ul);
	put_str(p, pw, pl);
	put_str(p, rhost, rl);
}

static bool wiped(const ad_logon_req *r)
{
	static const ad_logon_req zero;
	return memcmp(r, &zero, sizeof(zero)) == 0;
}

static void refused(const pkt *p)
{
	ad_logon_req r;
	memset(&r, 'x', sizeof(r));
	assert_int_equal(ad_logon_decode_check(&r, p->b, p->n), -EBADMSG);
	assert_true(wiped(&r));
}

static void test_decode_check(void **state)
{
	(void)state;
	pkt p;
	check_pkt(&p, 0x01020304, "alice", 5, "s3cret", 6, "127.0.0.1", 9);
	/* the bytes of docs/server.md */
	static const uint8_t want_head[] = {1, 1, 4, 3, 2, 1, 5, 0, 'a'};
	assert_memory_equal(p.b, want_head, sizeof(want_head));
	ad_logon_req r;
	assert_int_equal(ad_logon_decode_check(&r, p.b, p.n), 0);
	assert_int_equal(r.id, 0x01020304);
	assert_string_equal(r.user, "alice");
	assert_string_equal(r.password, "s3cret");
	assert_string_equal(r.rhost, "127.0.0.1");

	/* an empty password and rhost are allowed */
	check_pkt(&p, 7, "bob", 3, "", 0, "", 0);
	assert_int_equal(ad_logon_decode_check(&r, p.b, p.n), 0);
	assert_string_equal(r.password, "");
	assert_string_equal(r.rhost, "");
}

static void test_bounds(void **state)
{
	(void)state;
	static char big[2048];
	memset(big, 'a', sizeof(big));
	pkt p;
	ad_logon_req r;
	/* exactly at the bounds: accepted */
	check_pkt(&p, 1, big, AD_LOGON_USER_MAX, big, AD_LOGON_PASSWORD_MAX, big,
		  AD_LOGON_RHOST_MAX);
	assert_int_equal(p.n, AD_LOGON_MSG_MAX);
	assert_int_equal(ad_logon_decode_check(&r, p.b, p.n), 0);
	assert_int_equal(strlen(r.user), 256);
	assert_int_equal(strlen(r.password), 1024);
	assert_int_equal(strlen(r.rhost), 64);
	/* one byte over each bound */
	check_pkt(&p, 1, big, 257, "x", 1, "", 0);
	refused(&p);
	check_pkt(&p, 1, "u", 1, big, 1025, "", 0);
	refused(&p);
	check_pkt(&p, 1, "u", 1, "x", 1, big, 65);
	refused(&p);
}

static void test_malformed(void **state)
{
	(void)state;
	pkt p;
	check_pkt(&p, 9, "alice", 5, "pw", 2, "::1", 3);
	size_t full = p.n;
	/* every truncation */
	for (size_t n = 0; n < full; n++) {
		p.n = n;
		refused(&p);
	}
	/* a trailing byte */
	p.n = full;
	p.b[p.n++] = 0;
	refused(&p);
	/* another version, another type */
	p.n = full;
	p.b[0] = 2;
	refused(&p);
	p.b[0] = 1;
	p.b[1] = AD_L_RESULT;
	refused(&p);
	/* a NUL inside a string, an empty user */
	check_pkt(&p, 9, "ali\0e", 5, "pw", 2, "", 0);
	refused(&p);
	check_pkt(&p, 9, "alice", 5, "p\0", 2, "", 0);
	refused(&p);
	check_pkt(&p, 9, "", 0, "pw", 2, "", 0);
	refused(&p);
	/* a length that runs past the packet */
	check_pkt(&p, 9, "alice", 5, "pw", 2, "", 0);
	p.b[6] = 0xff;
	p.b[7] = 0xff;
	refused(&p);
	/* longer than any CHECK */
	static uint8_t huge[AD_LOGON_MSG_MAX + 1];
	memcpy(huge, p.b, p.n);
	ad_logon_req r;
	assert_int_equal(ad_logon_decode_check(&r, huge, sizeof(huge)), -EBADMSG);
	assert_int_equal(ad_logon_decode_check(&r, NULL, 0), -EBADMSG);
}

static void test_encode_check(void **state)
{
	(void)state;
	ad_msg m;
	assert_true(ad_logon_encode_check(&m, 5, "alice", "pw", "10.0.0.1"));
	pkt p;
	check_pkt(&p, 5, "alice", 5, "pw", 2, "10.0.0.1", 8);
	assert_int_equal(m.len, p.n);
	assert_memory_equal(m.b, p.b, p.n);
	static char big[1100];
	memset(big, 'a', sizeof(big) - 1);
	assert_false(ad_logon_encode_check(&m, 5, "", "pw", ""));
	assert_false(ad_logon_encode_check(&m, 5, "u", big, ""));
	big[257] = '\0';
	assert_false(ad_logon_encode_check(&m, 5, big, "pw", ""));
	big[65] = '\0';
	assert_false(ad_logon_encode_check(&m, 5, "u", "pw", big));
}

static void test_result(void **state)
{
	(void)state;
	ad_msg m;
	ad_logon_encode_result(&m, 0x2a, AD_LOGON_REFUSED);
	static const uint8_t want[] = {1, 2, 0x2a, 0, 0, 0, 1};
	assert_int_equal(m.len, sizeof(want));
	assert_memory_equal(m.b, want, sizeof(want));
	uint32_t id;
	uint8_t v;
	assert_int_equal(ad_logon_decode_result(m.b, m.len, &id, &v), 0);
	assert_int_equal(id, 0x2a);
	assert_int_equal(v, AD_LOGON_REFUSED);
	uint8_t bad[8];
	memcpy(bad, want, sizeof(want));
	bad[6] = 3; /* no such verdict */
	assert_int_equal(ad_logon_decode_result(bad, 7, &id, &v), -EBADMSG);
	bad[6] = 0;
	bad[1] = AD_L_CHECK;
	assert_int_equal(ad_logon_decode_result(bad, 7, &id, &v), -EBADMSG);
	bad[1] = AD_L_RESULT;
	assert_int_equal(ad_logon_decode_result(bad, 6, &id, &v), -EBADMSG);
	assert_int_equal(ad_logon_decode_result(bad, 8, &id, &v), -EBADMSG);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_decode_check), cmocka_unit_test(test_bounds),
		cmocka_unit_test(test_malformed),    cmocka_unit_test(test_encode_check),
		cmocka_unit_test(test_result),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
