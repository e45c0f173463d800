/*
 * Unit tests of the router's routing table (src/activator/router/table.c):
 * HTTP.sys's precedence between exact, wildcard-address, IP-bound and
 * catch-all bindings; stopped sites; the longest application path by
 * segments, case-insensitive.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include "apphost/errors.h"
#include "router/table.h"

static rt_table *t;

static int setup(void **state)
{
	(void)state;
	t = rt_table_new(1, 1000);
	assert_non_null(t);
	assert_int_equal(rt_table_add_pool(t, "P1", 1000, true), 0);
	assert_int_equal(rt_table_add_pool(t, "p1", 10, true), AH_EEXISTS);
	assert_int_equal(rt_table_add_site(t, 1, "exact", true), 0);
	assert_int_equal(rt_table_add_site(t, 2, "wild-host", true), 0);
	assert_int_equal(rt_table_add_site(t, 3, "ip-bound", true), 0);
	assert_int_equal(rt_table_add_site(t, 4, "catch-all", true), 0);
	assert_int_equal(rt_table_add_site(t, 1, "dup", true), AH_EEXISTS);
	assert_int_equal(rt_table_add_binding(t, 1, "127.0.0.1", 80, "a.test"), 0);
	assert_int_equal(rt_table_add_binding(t, 2, "*", 80, "a.test"), 0);
	assert_int_equal(rt_table_add_binding(t, 2, "*", 80, "b.test"), 0);
	assert_int_equal(rt_table_add_binding(t, 3, "127.0.0.1", 80, ""), 0);
	assert_int_equal(rt_table_add_binding(t, 4, "*", 80, ""), 0);
	assert_int_equal(rt_table_add_binding(t, 3, "*", 80, ""), AH_EEXISTS);
	assert_int_equal(rt_table_add_binding(t, 9, "*", 81, ""), AH_ENOTFOUND);
	for (uint32_t id = 1; id <= 4; id++)
		assert_int_equal(rt_table_add_app(t, id, "/", "P1"), 0);
	assert_int_equal(rt_table_add_app(t, 4, "/Shop", "Shop"), 0);
	assert_int_equal(rt_table_add_app(t, 4, "/shop/admin/", "Admin"), 0);
	assert_int_equal(rt_table_add_app(t, 4, "/sh", "Sh"), 0);
	rt_table_finish(t);
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	rt_table_free(t);
	return 0;
}

static uint32_t site_of(const char *ip, unsigned port, const char *host)
{
	const rt_site *s;
	const rt_app *a;
	rt_route_status st = rt_route(t, ip, port, host, "/", &s, &a);
	if (st == RT_ROUTE_OK)
		return s->id;
	return st == RT_ROUTE_NO_SITE ? 0 : 1000 + st;
}

static void test_precedence(void **state)
{
	(void)state;
	assert_int_equal(site_of("127.0.0.1", 80, "a.test"), 1); /* A:P:H */
	assert_int_equal(site_of("10.0.0.1", 80, "a.test"), 2);  /* *:P:H */
	assert_int_equal(site_of("127.0.0.1", 80, "b.test"), 2); /* *:P:H before A:P: */
	assert_int_equal(site_of("127.0.0.1", 80, "c.test"), 3); /* A:P: */
	assert_int_equal(site_of("::1", 80, "c.test"), 4);       /* *:P: */
	assert_int_equal(site_of("127.0.0.1", 80, ""), 3);
	assert_int_equal(site_of("127.0.0.1", 81, "a.test"), 0); /* no binding on the port */
}

static void test_stopped(void **state)
{
	(void)state;
	rt_table_site(t, 1)->started = false;
	assert_int_equal(site_of("127.0.0.1", 80, "a.test"), 2);
	rt_table_site(t, 2)->started = false;
	assert_int_equal(site_of("127.0.0.1", 80, "a.test"), 3);
	rt_table_site(t, 3)->started = false;
	rt_table_site(t, 4)->started = false;
	assert_int_equal(site_of("127.0.0.1", 80, "a.test"), 1000 + RT_ROUTE_SITE_STOPPED);
	for (uint32_t id = 1; id <= 4; id++)
		rt_table_site(t, id)->started = true;
}

static const char *pool_of(const char *path)
{
	const rt_site *s;
	const rt_app *a;
	assert_int_equal(rt_route(t, "::1", 80, "x", path, &s, &a), RT_ROUTE_OK);
	return a->pool;
}

static void test_applications(void **state)
{
	(void)state;
	assert_string_equal(pool_of("/"), "P1");
	assert_string_equal(pool_of("/shop"), "Shop");
	assert_string_equal(pool_of("/SHOP/"), "Shop");
	assert_string_equal(pool_of("/shop/x"), "Shop");
	assert_string_equal(pool_of("/shopping"), "P1");
	assert_string_equal(pool_of("/sh"), "Sh");
	assert_string_equal(pool_of("/shop/admin"), "Admin");
	assert_string_equal(pool_of("/shop/Admin/users"), "Admin");
	assert_string_equal(pool_of("/shop/administrator"), "Shop");
}

static void test_no_root(void **state)
{
	(void)state;
	rt_table *u = rt_table_new(2, 1000);
	assert_int_equal(rt_table_add_site(u, 5, "no root", true), 0);
	assert_int_equal(rt_table_add_binding(u, 5, "*", 80, ""), 0);
	assert_int_equal(rt_table_add_app(u, 5, "/app", "P"), 0);
	rt_table_finish(u);
	const rt_site *s;
	const rt_app *a;
	assert_int_equal(rt_route(u, "::1", 80, "", "/other", &s, &a), RT_ROUTE_NO_APP);
	assert_int_equal(rt_route(u, "::1", 80, "", "/app/x", &s, &a), RT_ROUTE_OK);
	assert_non_null(rt_table_pool(t, "p1"));
	assert_null(rt_table_pool(u, "P"));
	rt_table_free(u);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_precedence),
		cmocka_unit_test(test_stopped),
		cmocka_unit_test(test_applications),
		cmocka_unit_test(test_no_root),
	};
	return cmocka_run_group_tests(tests, setup, teardown);
}
