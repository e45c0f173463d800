/*
 * Unit tests of the worker's parsers: URL normalization (url.c), IIS
 * timeSpans (urlcfg.c), HTTP dates (httpdate.c), addresses (addr.c), site
 * selection by binding with HTTP.sys's precedence (sites.c), httpRedirect's
 * wildcards (mod_redirect.c), Basic credentials (mod_basicauth.c) and W3C
 * log fields (w3clog.c).
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <cmocka.h>

#include "worker/worker.h"

#include <arpa/inet.h>
#include <stdio.h>
#include <string.h>

static const char *norm(ah_arena *a, const char *in)
{
	char *out = NULL;
	int rc = wk_url_normalize(&out, a, in, strlen(in));
	return rc == 0 ? out : rc == AH_EINVALID ? "<invalid>" : "<error>";
}

static void test_url_normalize(void **state)
{
	(void)state;
	ah_arena *a = ah_arena_new();
	assert_string_equal(norm(a, "/"), "/");
	assert_string_equal(norm(a, "/a/b.htm"), "/a/b.htm");
	assert_string_equal(norm(a, "/a/"), "/a/");
	assert_string_equal(norm(a, "/%41%62c"), "/Abc");
	assert_string_equal(norm(a, "/a%20b"), "/a b");
	assert_string_equal(norm(a, "/a%2fb"), "/a/b");
	assert_string_equal(norm(a, "/a\\b"), "/a/b");
	assert_string_equal(norm(a, "//a///b"), "/a/b");
	assert_string_equal(norm(a, "/a/./b"), "/a/b");
	assert_string_equal(norm(a, "/a/."), "/a/");
	assert_string_equal(norm(a, "/a/b/../c"), "/a/c");
	assert_string_equal(norm(a, "/a/b/.."), "/a/");
	assert_string_equal(norm(a, "/a/%2e%2e/c"), "/c");
	assert_string_equal(norm(a, "/a/.../c"), "/a/.../c");
	assert_string_equal(norm(a, "/a/..b/c"), "/a/..b/c");
	/* never above the root */
	assert_string_equal(norm(a, "/.."), "<invalid>");
	assert_string_equal(norm(a, "/../a"), "<invalid>");
	assert_string_equal(norm(a, "/a/../../b"), "<invalid>");
	assert_string_equal(norm(a, "/%2e%2e/etc/passwd"), "<invalid>");
	assert_string_equal(norm(a, "/a/..%5c..%5cb"), "<invalid>");
	/* malformed escapes and NUL */
	assert_string_equal(norm(a, "/a%"), "<invalid>");
	assert_string_equal(norm(a, "/a%4"), "<invalid>");
	assert_string_equal(norm(a, "/a%zz"), "<invalid>");
	assert_string_equal(norm(a, "/a%00b"), "<invalid>");
	assert_string_equal(norm(a, "a/b"), "<invalid>");
	/* decoded once: %25 is a literal '%' */
	assert_string_equal(norm(a, "/a%252e%252e"), "/a%2e%2e");
	ah_arena_free(a);
}

static void test_url_encode(void **state)
{
	(void)state;
	ah_buf b = AH_BUF_INIT;
	wk_url_encode_path(&b, "/a b/ü<x>.txt");
	assert_string_equal(ah_buf_cstr(&b), "/a%20b/%C3%BC%3Cx%3E.txt");
	ah_buf_truncate(&b, 0);
	wk_html_escape(&b, "<a href=\"x\">&'");
	assert_string_equal(ah_buf_cstr(&b), "&lt;a href=&quot;x&quot;&gt;&amp;&#39;");
	ah_buf_free(&b);
}

static void test_timespan(void **state)
{
	(void)state;
	uint64_t ms;
	assert_true(wk_timespan_ms("00:02:00", &ms));
	assert_int_equal(ms, 120000);
	assert_true(wk_timespan_ms("1.00:00:00", &ms));
	assert_int_equal(ms, 86400000);
	assert_true(wk_timespan_ms("00:00:01.5", &ms));
	assert_int_equal(ms, 1500);
	assert_true(wk_timespan_ms("10675199.02:48:05.4775807", &ms));
	assert_true(wk_timespan_ms("00:00:00", &ms));
	assert_int_equal(ms, 0);
	assert_false(wk_timespan_ms("", &ms));
	assert_false(wk_timespan_ms("120", &ms));
	assert_false(wk_timespan_ms("-00:00:01", &ms));
	assert_false(wk_timespan_ms("00:00", &ms));
	assert_false(wk_timespan_ms("00:00:00:00", &ms));
	assert_false(wk_timespan_ms("00:x0:00", &ms));
}

static void test_http_date(void **state)
{
	(void)state;
	char buf[40];
	wk_http_date(buf, sizeof(buf), 784111777);
	assert_string_equal(buf, "Sun, 06 Nov 1994 08:49:37 GMT");
	time_t t;
	/* the three forms of RFC 9110 §5.6.7 */
	const char *imf = "Sun, 06 Nov 1994 08:49:37 GMT";
	assert_true(wk_http_date_parse(imf, strlen(imf), &t));
	assert_int_equal(t, 784111777);
	const char *rfc850 = "Sunday, 06-Nov-94 08:49:37 GMT";
	assert_true(wk_http_date_parse(rfc850, strlen(rfc850), &t));
	assert_int_equal(t, 784111777);
	const char *asc = "Sun Nov  6 08:49:37 1994";
	assert_true(wk_http_date_parse(asc, strlen(asc), &t));
	assert_int_equal(t, 784111777);
	const char *bad[] = {"",
	                     "Sun, 06 Nov 1994 08:49:37",
	                     "Sun, 06 Foo 1994 08:49:37 GMT",
	                     "Sun, 6 Nov 1994 08:49:37 GMT",
	                     "yesterday",
	                     "Sun, 06 Nov 1994 25:49:37 GMT"};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		assert_false(wk_http_date_parse(bad[i], strlen(bad[i]), &t));
}

static void test_addr(void **state)
{
	(void)state;
	wk_addr a, b;
	assert_int_equal(wk_addr_parse(&a, "127.0.0.1:8080"), 0);
	assert_int_equal(a.port, 8080);
	assert_true(wk_addr_is_loopback(&a));
	assert_int_equal(wk_addr_parse(&b, "[::ffff:127.0.0.1]:80"), 0);
	assert_true(wk_addr_ip_equal(&a, &b));
	assert_int_equal(wk_addr_parse(&b, "[::1]:80"), 0);
	assert_int_equal(b.family, AF_INET6);
	char buf[64];
	wk_addr_format(buf, sizeof(buf), &b);
	assert_string_equal(buf, "[::1]:80");
	assert_int_not_equal(wk_addr_parse(&a, "127.0.0.1"), 0);
	assert_int_not_equal(wk_addr_parse(&a, "127.0.0.1:70000"), 0);
	assert_int_not_equal(wk_addr_parse(&a, "host:80"), 0);
}

/* HTTP.sys precedence: exact A:P:H > *:P:H > A:P: > *:P: */
static void test_binding_precedence(void **state)
{
	(void)state;
	wk_site sites[4] = {{.name = "wild", .id = 1},
			    {.name = "ipbound", .id = 2},
			    {.name = "anyhost", .id = 3},
			    {.name = "exact", .id = 4}};
	wk_binding bind[5];
	memset(bind, 0, sizeof(bind));
	bind[0] = (wk_binding){.site = &sites[0], .any_ip = true, .host = ""};
	bind[1] = (wk_binding){.site = &sites[1], .host = ""};
	bind[2] = (wk_binding){.site = &sites[2], .any_ip = true, .host = "h.test"};
	bind[3] = (wk_binding){.site = &sites[3], .host = "h.test"};
	bind[4] = (wk_binding){.site = &sites[0], .any_ip = true, .host = "other.test"};
	wk_addr_parse_ip(&bind[1].addr, "10.0.0.1", 8);
	wk_addr_parse_ip(&bind[3].addr, "10.0.0.1", 8);
	for (int i = 0; i < 5; i++)
		bind[i].addr.port = 80;
	wk_sites s = {.sites = sites, .nsites = 4, .bindings = bind, .nbindings = 5};
	wk_addr local, other;
	wk_addr_parse(&local, "10.0.0.1:80");
	wk_addr_parse(&other, "10.0.0.2:80");
	assert_string_equal(wk_sites_find(&s, &local, "h.test")->name, "exact");
	assert_string_equal(wk_sites_find(&s, &other, "h.test")->name, "anyhost");
	assert_string_equal(wk_sites_find(&s, &local, "x.test")->name, "ipbound");
	assert_string_equal(wk_sites_find(&s, &other, "x.test")->name, "wild");
	assert_string_equal(wk_sites_find(&s, &other, "other.test")->name, "wild");
	/* router mode: a stopped site's bindings take no part (the routes
	 * file's states, by site id); the next binding in precedence wins */
	wk_site st[3] = {{.id = 4, .stopped = true}, {.id = 3, .stopped = true}, {.id = 2}};
	wk_sites states = {.sites = st, .nsites = 3};
	assert_string_equal(wk_sites_find_started(&s, &local, "h.test", &states)->name, "ipbound");
	assert_string_equal(wk_sites_find_started(&s, &other, "h.test", &states)->name, "wild");
	st[2].stopped = true;
	assert_string_equal(wk_sites_find_started(&s, &local, "h.test", &states)->name, "wild");
	st[0].stopped = false;
	assert_string_equal(wk_sites_find_started(&s, &local, "h.test", &states)->name, "exact");
	assert_string_equal(wk_sites_find_started(&s, &local, "h.test", NULL)->name, "exact");
	other.port = 81;
	assert_null(wk_sites_find(&s, &other, "h.test"));
}

/* Longest application, then longest virtual directory, segment-aware and
 * case-insensitive. */
static void test_site_map(void **state)
{
	(void)state;
	wk_vdir root_v[2] = {{"/", 1, "/srv/root"}, {"/img", 4, "/srv/img"}};
	wk_vdir app_v[1] = {{"/", 1, "/srv/app"}};
	wk_app apps[2] = {{"/", 1, root_v, 2, false}, {"/app", 4, app_v, 1, false}};
	wk_site site = {.name = "S", .apps = apps, .napps = 2};
	wk_mapping m;
	wk_site_map(&m, &site, "/a/b.htm");
	assert_string_equal(m.vdir->phys, "/srv/root");
	assert_string_equal(m.rest, "/a/b.htm");
	wk_site_map(&m, &site, "/APP/x.htm");
	assert_string_equal(m.app->path, "/app");
	assert_string_equal(m.rest, "/x.htm");
	wk_site_map(&m, &site, "/app");
	assert_string_equal(m.vdir->phys, "/srv/app");
	assert_string_equal(m.rest, "");
	wk_site_map(&m, &site, "/apple.htm");
	assert_string_equal(m.app->path, "/");
	wk_site_map(&m, &site, "/img/a.png");
	assert_string_equal(m.vdir->phys, "/srv/img");
	assert_string_equal(m.rest, "/a.png");
	wk_site_map(&m, &site, "/images/a.png");
	assert_string_equal(m.vdir->phys, "/srv/root");
}

static const char *cap(const char *pat, const char *s, size_t i)
{
	static char buf[128];
	const char *caps[10] = {0};
	size_t lens[10] = {0};
	if (!wk_wildcard_match(pat, s, caps, lens, 10))
		return "<no match>";
	snprintf(buf, sizeof(buf), "%.*s", (int)lens[i], caps[i] ? caps[i] : "");
	return buf;
}

static void test_wildcard(void **state)
{
	(void)state;
	assert_string_equal(cap("*.php", "/a/b.php", 0), "/a/b");
	assert_string_equal(cap("*.PHP", "x.php", 0), "x");
	assert_string_equal(cap("*.php", "x.php5", 0), "<no match>");
	assert_string_equal(cap("/docs/*", "/docs/a/b.txt", 0), "a/b.txt");
	assert_string_equal(cap("/docs/*", "/doc/a", 0), "<no match>");
	assert_string_equal(cap("a*b*c", "axxbyyc", 0), "xx");
	assert_string_equal(cap("a*b*c", "axxbyyc", 1), "yy");
	assert_string_equal(cap("a*b*c", "abbc", 0), "");
	assert_string_equal(cap("a*b*c", "abbc", 1), "b");
	assert_string_equal(cap("*", "", 0), "");
	assert_string_equal(cap("x*", "x", 0), "");
	assert_string_equal(cap("exact", "EXACT", 0), "");
	assert_string_equal(cap("exact", "exactly", 0), "<no match>");
}

static void test_basic_credentials(void **state)
{
	(void)state;
	ah_arena *a = ah_arena_new();
	char *u, *p;
	const char *v = "Basic dXNlcjpwYXNz"; /* user:pass */
	assert_true(wk_basic_credentials(v, strlen(v), a, &u, &p));
	assert_string_equal(u, "user");
	assert_string_equal(p, "pass");
	v = "basic  RE9NXGJvYjpwOmFzcw=="; /* DOM\bob:p:ass */
	assert_true(wk_basic_credentials(v, strlen(v), a, &u, &p));
	assert_string_equal(u, "DOM\\bob");
	assert_string_equal(p, "p:ass");
	v = "Basic dXNlcjo="; /* user: (empty password) */
	assert_true(wk_basic_credentials(v, strlen(v), a, &u, &p));
	assert_string_equal(p, "");
	v = "Basic OnBhc3M="; /* :pass (no user) */
	assert_false(wk_basic_credentials(v, strlen(v), a, &u, &p));
	v = "Basic dXNlcnBhc3M="; /* no colon */
	assert_false(wk_basic_credentials(v, strlen(v), a, &u, &p));
	v = "Basic !!!!";
	assert_false(wk_basic_credentials(v, strlen(v), a, &u, &p));
	v = "Basic dX=Nl";
	assert_false(wk_basic_credentials(v, strlen(v), a, &u, &p));
	v = "Bearer dXNlcjpwYXNz";
	assert_false(wk_basic_credentials(v, strlen(v), a, &u, &p));
	v = "Basic dQB4OnA="; /* "u\0x:p": a NUL byte */
	assert_false(wk_basic_credentials(v, strlen(v), a, &u, &p));
	ah_arena_free(a);
}

static void test_w3c_escape(void **state)
{
	(void)state;
	ah_buf b = AH_BUF_INIT;
	wk_w3c_escape(&b, "Mozilla/5.0 (X11; Linux)", 24);
	assert_string_equal(ah_buf_cstr(&b), "Mozilla/5.0+(X11;+Linux)");
	ah_buf_truncate(&b, 0);
	wk_w3c_escape(&b, "", 0);
	assert_string_equal(ah_buf_cstr(&b), "-");
	ah_buf_truncate(&b, 0);
	wk_w3c_escape(&b, "a\r\nb\tc\x7f", 7);
	assert_string_equal(ah_buf_cstr(&b), "a%0D%0Ab%09c%7F");
	ah_buf_free(&b);
}

static void test_url_decode(void **state)
{
	(void)state;
	ah_arena *a = ah_arena_new();
	char *out;
	assert_int_equal(wk_url_decode(&out, a, "/a%252Fb+c", 10), 0);
	assert_string_equal(out, "/a%2Fb+c");
	assert_int_equal(wk_url_decode(&out, a, "%zz", 3), AH_EINVALID);
	assert_int_equal(wk_url_decode(&out, a, "a%4", 3), AH_EINVALID);
	ah_arena_free(a);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_url_normalize),
	    cmocka_unit_test(test_url_encode),
	    cmocka_unit_test(test_timespan),
	    cmocka_unit_test(test_http_date),
	    cmocka_unit_test(test_addr),
	    cmocka_unit_test(test_binding_precedence),
	    cmocka_unit_test(test_site_map),
	    cmocka_unit_test(test_wildcard),
	    cmocka_unit_test(test_basic_credentials),
	    cmocka_unit_test(test_w3c_escape),
	    cmocka_unit_test(test_url_decode),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
