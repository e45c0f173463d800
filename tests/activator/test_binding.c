/*
 * Unit tests of site bindings (src/activator/binding.c): parsing
 * bindingInformation, the listening socket each needs, the wildcard rule,
 * and opening a socket on loopback.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include "binding.h"
#include "common/netaddr.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

static ah_arena *a;

static void parsed(const char *info, const char *ip, unsigned port, const char *host,
		   const char *key)
{
	ad_binding b;
	const char *why = NULL;
	assert_int_equal(ad_binding_parse(&b, a, info, &why), 0);
	assert_string_equal(b.ip, ip);
	assert_int_equal(b.port, port);
	assert_string_equal(b.host, host);
	assert_string_equal(b.text, info);
	char k[64];
	ad_binding_key(&b, k, sizeof(k));
	assert_string_equal(k, key);
}

static void refused(const char *info)
{
	ad_binding b;
	const char *why = NULL;
	assert_int_equal(ad_binding_parse(&b, a, info, &why), -1);
	assert_non_null(why);
}

static void test_parse(void **state)
{
	(void)state;
	a = ah_arena_new();
	parsed("*:80:", "*", 80, "", "*:80");
	parsed(":8080:Www.Example.COM", "*", 8080, "www.example.com", "*:8080");
	parsed("127.0.0.1:8080:a.test", "127.0.0.1", 8080, "a.test", "127.0.0.1:8080");
	parsed("0.0.0.0:81:", "*", 81, "", "*:81");
	parsed("[::1]:8080:", "::1", 8080, "", "[::1]:8080");
	parsed("[0:0::1]:8080:h", "::1", 8080, "h", "[::1]:8080");
	parsed("[::]:82:", "*", 82, "", "*:82");
	parsed("[2001:DB8::1]:443:", "2001:db8::1", 443, "", "[2001:db8::1]:443");
	refused("*:80");
	refused("*:0:");
	refused("*:65536:");
	refused("*:x:");
	refused("300.1.1.1:80:");
	refused("[::1:80:");
	refused("[zz]:80:");
	refused("*:80:*.example.com");
	refused("*:80:a b");
	refused("localhost:80:");
	ah_arena_free(a);
}

static void test_wanted(void **state)
{
	(void)state;
	const char *keys[] = {"127.0.0.1:80", "*:80", "127.0.0.1:81", "[::1]:81"};
	assert_false(ad_listen_key_wanted("127.0.0.1:80", keys, 4));
	assert_true(ad_listen_key_wanted("*:80", keys, 4));
	assert_true(ad_listen_key_wanted("127.0.0.1:81", keys, 4));
	assert_true(ad_listen_key_wanted("[::1]:81", keys, 4));
	assert_false(ad_listen_key_wanted("*:81", keys, 4));
	assert_false(ad_listen_key_wanted("127.0.0.1:8", keys, 4));
}

static void test_open(void **state)
{
	(void)state;
	int fd = ad_listen_open("127.0.0.1:0");
	assert_int_equal(fd, -EINVAL); /* port 0 is not a binding's port */
	/* find a free port, then open it as IPv4, IPv6 and wildcard keys */
	for (unsigned port = 41234; port < 41334; port++) {
		char k[64], got[64];
		snprintf(k, sizeof(k), "127.0.0.1:%u", port);
		fd = ad_listen_open(k);
		if (fd < 0)
			continue;
		assert_int_equal(ad_listen_key(got, sizeof(got), fd), 0);
		assert_string_equal(got, k);
		close(fd);
		snprintf(k, sizeof(k), "*:%u", port);
		fd = ad_listen_open(k);
		assert_true(fd >= 0);
		assert_int_equal(ad_listen_key(got, sizeof(got), fd), 0);
		assert_string_equal(got, k);
		close(fd);
		snprintf(k, sizeof(k), "[::1]:%u", port);
		fd = ad_listen_open(k);
		if (fd >= 0) { /* hosts without IPv6 skip this */
			assert_int_equal(ad_listen_key(got, sizeof(got), fd), 0);
			assert_string_equal(got, k);
			close(fd);
		}
		return;
	}
	fail_msg("no free port");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_parse),
		cmocka_unit_test(test_wanted),
		cmocka_unit_test(test_open),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
