/*
 * Unit tests of the router's pools (src/activator/router/pool.c) and the
 * cookies of the connections it hands out (cookies.c), on real socket
 * pairs: a WORKER for an id the pool already has leaves that worker's end
 * working; garbage on an end drops it and tells apphostd (WORKER_BAD); a
 * socket a worker made is not taken back; a pool takes its maxProcesses
 * workers and as many successors; the cookie set forgets the oldest.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include "router/router.h"
#include "util/alloc.h"

#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <unistd.h>

/* router/main.c's, which the library leaves out */
int rt_epoll(rt_router *rr, int op, int fd, uint32_t events, void *obj)
{
	struct epoll_event ev = {.events = events, .data.ptr = obj};
	return epoll_ctl(rr->ep, op, fd, &ev);
}

static rt_router *r;
static int link_peer = -1; /* apphostd's end of the router channel */
static rt_pool *pool;

static int setup(void **state)
{
	(void)state;
	r = ah_calloc(1, sizeof(*r));
	assert_non_null(r);
	int lk[2];
	assert_int_equal(socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, lk), 0);
	r->link.kind = RT_K_LINK;
	r->link.fd = lk[0];
	link_peer = lk[1];
	r->ep = epoll_create1(EPOLL_CLOEXEC);
	assert_true(r->ep >= 0);
	r->max_conns = 100;
	ah_map_init(&r->pool_map, true);
	r->table = rt_table_new(1, 1000);
	assert_int_equal(rt_table_add_pool(r->table, "P", 10, true), 0);
	rt_table_finish(r->table);
	assert_int_equal(rt_pools_sync(r), 0);
	pool = rt_pool_find(r, "p");
	assert_non_null(pool);
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	while (pool->nends)
		rt_pool_worker_gone(r, pool, pool->ends[0]->id);
	while (r->drains) {
		rt_drain *dr = r->drains;
		r->drains = dr->next;
		close(dr->fd);
		ah_free(dr);
	}
	rt_reap(r);
	rt_table_free(r->table);
	r->table = rt_table_new(2, 1000);
	rt_pools_sync(r); /* retires the pool */
	rt_reap(r);
	rt_table_free(r->table);
	ah_map_free(&r->pool_map);
	rt_cookies_free(&r->cookies);
	close(r->ep);
	close(r->link.fd);
	close(link_peer);
	ah_free(r);
	return 0;
}

/* A worker's handoff pair: [0] the router's end, [1] the worker's. */
static void pair(int sp[2])
{
	assert_int_equal(socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sp), 0);
}

static bool fd_open(int fd)
{
	return fcntl(fd, F_GETFD) >= 0;
}

static void test_duplicate_worker(void **state)
{
	(void)state;
	int sp[2];
	pair(sp);
	int first = dup(sp[0]), again = dup(sp[0]);
	close(sp[0]);
	rt_pool_set_worker(r, pool, 7, first);
	assert_int_equal(pool->nends, 1);
	/* apphostd sends the same worker again (a copy of the same socket) */
	rt_pool_set_worker(r, pool, 7, again);
	assert_int_equal(pool->nends, 1);
	assert_int_equal(pool->ends[0]->fd, first);
	assert_false(fd_open(again));
	/* the worker's channel is not shut down: it reads no end of stream */
	char b[16];
	assert_int_equal(recv(sp[1], b, sizeof(b), MSG_DONTWAIT), -1);
	assert_int_equal(errno, EAGAIN);
	/* its WORKER_GONE: now it is (drained) */
	rt_pool_worker_gone(r, pool, 7);
	assert_int_equal(pool->nends, 0);
	assert_int_equal(recv(sp[1], b, sizeof(b), MSG_DONTWAIT), 0);
	close(sp[1]);
	rt_reap(r);
}

static void test_garbage(void **state)
{
	(void)state;
	int sp[2];
	pair(sp);
	rt_pool_set_worker(r, pool, 8, sp[0]);
	assert_int_equal(send(sp[1], "bad", 3, 0), 3);
	rt_wend_event(r, pool->ends[0], EPOLLIN);
	assert_int_equal(pool->nends, 0);
	assert_null(r->drains); /* closed, not drained */
	assert_false(fd_open(sp[0]));
	uint8_t m[16];
	ssize_t n = recv(link_peer, m, sizeof(m), MSG_DONTWAIT);
	assert_int_equal(n, 6);
	const uint8_t want[6] = {AD_PROTO_VERSION, AD_R_WORKER_BAD, 8, 0, 0, 0};
	assert_memory_equal(m, want, 6);
	close(sp[1]);
	rt_reap(r);
}

static void test_own_socket_refused(void **state)
{
	(void)state;
	int sp[2], own[2];
	pair(sp);
	rt_pool_set_worker(r, pool, 9, sp[0]);
	assert_int_equal(socketpair(AF_UNIX, SOCK_STREAM, 0, own), 0);
	static const char head[] = "GET / HTTP/1.1\r\nHost: a\r\n\r\n";
	ad_handoff h = {.app_path = "/", .app_len = 1, .peer = "", .local = "",
			.head = (const uint8_t *)head, .head_len = sizeof(head) - 1};
	uint8_t msg[512];
	size_t len = ad_handoff_encode(msg, sizeof(msg), &h);
	assert_true(len > 0);
	assert_int_equal(ad_send(sp[1], msg, len, own[0], 0), 0);
	close(own[0]);
	rt_wend_event(r, pool->ends[0], EPOLLIN);
	assert_int_equal(r->nconns, 0); /* not taken */
	assert_int_equal(pool->nends, 1); /* the worker goes on serving */
	assert_true(pool->ends[0]->refused);
	/* the router closed it: its peer reads the end */
	char b[4];
	assert_int_equal(recv(own[1], b, sizeof(b), MSG_DONTWAIT), 0);
	close(own[1]);
	rt_pool_worker_gone(r, pool, 9);
	close(sp[1]);
	rt_reap(r);
}

static void test_garden_room(void **state)
{
	(void)state;
	int worker[2 * AD_GARDEN_MAX + 1];
	for (uint32_t id = 1; id <= 2 * AD_GARDEN_MAX + 1; id++) {
		int sp[2];
		pair(sp);
		worker[id - 1] = sp[1];
		rt_pool_set_worker(r, pool, 100 + id, sp[0]);
	}
	/* maxProcesses (64) and their successors during a recycle: no more */
	assert_int_equal(pool->nends, 2 * AD_GARDEN_MAX);
	while (pool->nends)
		rt_pool_worker_gone(r, pool, pool->ends[0]->id);
	for (size_t i = 0; i < 2 * AD_GARDEN_MAX + 1; i++)
		close(worker[i]);
	while (r->drains)
		rt_drain_event(r, r->drains, EPOLLIN | EPOLLHUP);
	rt_reap(r);
}

static void test_cookies(void **state)
{
	(void)state;
	rt_cookies s = {0};
	assert_false(rt_cookie_take(&s, 5));
	for (uint64_t c = 1; c <= AD_COOKIES_MAX + 10; c++)
		assert_int_equal(rt_cookie_add(&s, c * 7919), 0);
	/* the ten oldest are forgotten, the others are there, once */
	for (uint64_t c = 1; c <= 10; c++)
		assert_false(rt_cookie_take(&s, c * 7919));
	for (uint64_t c = 11; c <= AD_COOKIES_MAX + 10; c++)
		assert_true(rt_cookie_take(&s, c * 7919));
	for (uint64_t c = 11; c <= AD_COOKIES_MAX + 10; c += 997)
		assert_false(rt_cookie_take(&s, c * 7919));
	/* a connection handed out, given back and handed out again is in the
	 * ring twice: passing its first place does not forget it */
	assert_int_equal(rt_cookie_add(&s, 424242), 0);
	assert_true(rt_cookie_take(&s, 424242));
	assert_int_equal(rt_cookie_add(&s, 424242), 0);
	/* AD_COOKIES_MAX - 1 more: the last one takes its first place */
	for (uint64_t c = 1; c < AD_COOKIES_MAX; c++)
		assert_int_equal(rt_cookie_add(&s, 1000000 + c), 0);
	assert_true(rt_cookie_take(&s, 424242));
	/* a real socket's cookie */
	int sp[2];
	assert_int_equal(socketpair(AF_UNIX, SOCK_STREAM, 0, sp), 0);
	uint64_t a = rt_sock_cookie(sp[0]), b = rt_sock_cookie(sp[1]);
	assert_true(a != 0 && b != 0 && a != b);
	assert_int_equal(rt_cookie_add(&s, a), 0);
	assert_false(rt_cookie_take(&s, b));
	assert_true(rt_cookie_take(&s, a));
	close(sp[0]);
	close(sp[1]);
	rt_cookies_free(&s);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_duplicate_worker, setup, teardown),
		cmocka_unit_test_setup_teardown(test_garbage, setup, teardown),
		cmocka_unit_test_setup_teardown(test_own_socket_refused, setup, teardown),
		cmocka_unit_test_setup_teardown(test_garden_room, setup, teardown),
		cmocka_unit_test(test_cookies),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
