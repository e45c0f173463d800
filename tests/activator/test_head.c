/*
 * Unit tests of the router's request-head scan (src/activator/router/head.c):
 * what it accepts, the host and path it finds (lower-cased host without the
 * port, path decoded once with dot segments removed), and the answer for
 * each way a head can be wrong, as HTTP.sys gives it.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include "router/head.h"

#include <string.h>

static char path[RT_HEAD_MAX + 1];

static rt_head_status scan(const char *text, rt_head *h)
{
	memset(h, 0, sizeof(*h));
	h->path = path;
	return rt_head_scan(h, text, strlen(text));
}

static void ok(const char *text, const char *host, const char *p)
{
	rt_head h;
	assert_int_equal(scan(text, &h), RT_HEAD_OK);
	assert_string_equal(h.host, host);
	assert_string_equal(h.path, p);
	assert_int_equal(h.head_len, strstr(text, "\r\n\r\n") - text + 4);
}

static void bad(const char *text, rt_head_status want)
{
	rt_head h;
	assert_int_equal(scan(text, &h), want);
}

static void test_accepted(void **state)
{
	(void)state;
	ok("GET / HTTP/1.1\r\nHost: Example.COM\r\n\r\n", "example.com", "/");
	ok("GET /a/b?x=/../y HTTP/1.1\r\nHost: a.test:8080\r\n\r\n", "a.test", "/a/b");
	ok("POST /x HTTP/1.1\r\nContent-Length: 3\r\nHost:  h.test \t\r\n\r\nabc", "h.test", "/x");
	ok("GET / HTTP/1.0\r\n\r\n", "", "/");
	ok("GET / HTTP/1.1\r\nHost: [::1]:80\r\n\r\n", "[::1]", "/");
	ok("GET / HTTP/1.1\r\nHost:\r\n\r\n", "", "/");
	ok("\r\nGET / HTTP/1.1\r\nHost: a\r\n\r\n", "a", "/");
	ok("OPTIONS * HTTP/1.1\r\nHost: a\r\n\r\n", "a", "/");
	ok("GET http://Abs.Test:81/p/q?z HTTP/1.1\r\nHost: other\r\n\r\n", "abs.test", "/p/q");
	ok("GET https://abs.test HTTP/1.1\r\n\r\n", "abs.test", "/");
	ok("GET /x HTTP/1.9\r\nHost: a\r\n\r\n", "a", "/x");
	ok("GET / HTTP/1.1\r\nX-Obs: caf\xc3\xa9\r\nHost: a\r\n\r\n", "a", "/");
}

static void test_paths(void **state)
{
	(void)state;
	ok("GET /%61pp/%2F HTTP/1.1\r\nHost: a\r\n\r\n", "a", "/app//");
	ok("GET /a/./b/../c HTTP/1.1\r\nHost: a\r\n\r\n", "a", "/a/c");
	ok("GET /a/b/.. HTTP/1.1\r\nHost: a\r\n\r\n", "a", "/a/");
	ok("GET /a/%2e%2E/b HTTP/1.1\r\nHost: a\r\n\r\n", "a", "/b");
	ok("GET /a\\b HTTP/1.1\r\nHost: a\r\n\r\n", "a", "/a/b");
	ok("GET /%252e HTTP/1.1\r\nHost: a\r\n\r\n", "a", "/%2e");
	ok("GET /. HTTP/1.1\r\nHost: a\r\n\r\n", "a", "/");
	bad("GET /.. HTTP/1.1\r\nHost: a\r\n\r\n", RT_HEAD_BAD_URL);
	bad("GET /a/../../b HTTP/1.1\r\nHost: a\r\n\r\n", RT_HEAD_BAD_URL);
	bad("GET /%00 HTTP/1.1\r\nHost: a\r\n\r\n", RT_HEAD_BAD_URL);
	bad("GET /%4 HTTP/1.1\r\nHost: a\r\n\r\n", RT_HEAD_BAD_URL);
	bad("GET /%zz HTTP/1.1\r\nHost: a\r\n\r\n", RT_HEAD_BAD_URL);
	bad("GET x HTTP/1.1\r\nHost: a\r\n\r\n", RT_HEAD_BAD_URL);
	bad("GET * HTTP/1.1\r\nHost: a\r\n\r\n", RT_HEAD_BAD_URL);
	bad("GET http://u@h/ HTTP/1.1\r\n\r\n", RT_HEAD_BAD_URL);
	bad("GET /a\x7f HTTP/1.1\r\nHost: a\r\n\r\n", RT_HEAD_BAD_URL);
}

static void test_incomplete(void **state)
{
	(void)state;
	rt_head h;
	assert_int_equal(scan("", &h), RT_HEAD_INCOMPLETE);
	assert_int_equal(scan("GE", &h), RT_HEAD_INCOMPLETE);
	assert_int_equal(scan("GET / HTTP/1.1\r", &h), RT_HEAD_INCOMPLETE);
	assert_int_equal(scan("GET / HTTP/1.1\r\nHost: a\r\n", &h), RT_HEAD_INCOMPLETE);
	/* a bad request line is refused before the head is complete */
	assert_int_equal(scan("garbage\r\n", &h), RT_HEAD_BAD);
	assert_int_equal(scan("\x16\x03\x01", &h), RT_HEAD_BAD);
	assert_int_equal(scan("GET / HTTP/1.1\n", &h), RT_HEAD_BAD);
}

static void test_request_line(void **state)
{
	(void)state;
	bad("garbage\r\n\r\n", RT_HEAD_BAD);
	bad("GET /\r\n\r\n", RT_HEAD_BAD);
	bad("GET  / HTTP/1.1\r\nHost: a\r\n\r\n", RT_HEAD_BAD_URL);
	bad("GET / HTTP/1.1 \r\nHost: a\r\n\r\n", RT_HEAD_BAD);
	bad("GET / http/1.1\r\nHost: a\r\n\r\n", RT_HEAD_BAD);
	bad("GET / HTTP/2.0\r\nHost: a\r\n\r\n", RT_HEAD_BAD_VERSION);
	bad("GET / HTTP/0.9\r\nHost: a\r\n\r\n", RT_HEAD_BAD_VERSION);
	bad("G(T / HTTP/1.1\r\nHost: a\r\n\r\n", RT_HEAD_BAD_VERB);
	bad(" GET / HTTP/1.1\r\nHost: a\r\n\r\n", RT_HEAD_BAD_VERB);
	bad("ABCDEFGHIJKLMNOPQRSTUVWXYZABCDEFG / HTTP/1.1\r\nHost: a\r\n\r\n", RT_HEAD_BAD_VERB);
}

static void test_headers(void **state)
{
	(void)state;
	bad("GET / HTTP/1.1\r\n\r\n", RT_HEAD_BAD_HOST);
	bad("GET / HTTP/1.1\r\nHost: a\r\nhost: b\r\n\r\n", RT_HEAD_BAD_HOST);
	bad("GET / HTTP/1.1\r\nHost: a/b\r\n\r\n", RT_HEAD_BAD_HOST);
	bad("GET / HTTP/1.1\r\nHost: a:99999\r\n\r\n", RT_HEAD_BAD_HOST);
	bad("GET / HTTP/1.1\r\nHost: a:\r\n\r\n", RT_HEAD_BAD_HOST);
	bad("GET / HTTP/1.1\r\nHost: [zz]\r\n\r\n", RT_HEAD_BAD_HOST);
	bad("GET / HTTP/1.1\r\nHost: a b\r\n\r\n", RT_HEAD_BAD_HOST);
	bad("GET / HTTP/1.1\r\nHost : a\r\n\r\n", RT_HEAD_BAD_HEADER);
	bad("GET / HTTP/1.1\r\nNo colon\r\nHost: a\r\n\r\n", RT_HEAD_BAD_HEADER);
	bad("GET / HTTP/1.1\r\n: v\r\nHost: a\r\n\r\n", RT_HEAD_BAD_HEADER);
	bad("GET / HTTP/1.1\r\nX: a\rb\r\nHost: a\r\n\r\n", RT_HEAD_BAD_HEADER);
	bad("GET / HTTP/1.1\r\nX: a\nb: c\r\nHost: a\r\n\r\n", RT_HEAD_BAD_HEADER);
	bad("GET / HTTP/1.1\r\nX: a\x01\r\nHost: a\r\n\r\n", RT_HEAD_BAD_HEADER);
	bad("GET / HTTP/1.1\r\nHost: a\r\n continued\r\n\r\n", RT_HEAD_BAD);
}

static void test_too_long(void **state)
{
	(void)state;
	static char big[RT_HEAD_MAX + 64];
	rt_head h;
	memset(big, 'a', sizeof(big));
	memcpy(big, "GET / HTTP/1.1\r\nX: ", 19);
	h.path = path;
	assert_int_equal(rt_head_scan(&h, big, RT_HEAD_MAX - 1), RT_HEAD_INCOMPLETE);
	assert_int_equal(rt_head_scan(&h, big, RT_HEAD_MAX), RT_HEAD_TOO_LONG);
	memset(big, 'a', sizeof(big));
	memcpy(big, "GET /", 5);
	assert_int_equal(rt_head_scan(&h, big, RT_HEAD_MAX), RT_HEAD_TOO_LONG);
	/* exactly at the limit is fine */
	memset(big, 'a', sizeof(big));
	memcpy(big, "GET / HTTP/1.1\r\nHost: a\r\nX: ", 28);
	memcpy(big + RT_HEAD_MAX - 4, "\r\n\r\n", 4);
	assert_int_equal(rt_head_scan(&h, big, RT_HEAD_MAX), RT_HEAD_OK);
}

static void test_head_method(void **state)
{
	(void)state;
	rt_head h;
	scan("HEAD / HTTP/1.1\r\n\r\n", &h);
	assert_true(h.head_method);
	scan("HEADER / HTTP/1.1\r\nHost: a\r\n\r\n", &h);
	assert_false(h.head_method);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_accepted),   cmocka_unit_test(test_paths),
		cmocka_unit_test(test_incomplete), cmocka_unit_test(test_request_line),
		cmocka_unit_test(test_headers),    cmocka_unit_test(test_too_long),
		cmocka_unit_test(test_head_method),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
