/*
 * The connections the router handed to workers, by SO_COOKIE (a number the
 * kernel gives each socket, never reused while the system runs): a worker
 * may give back only a connection it was given, so that it cannot fill the
 * router with sockets of its own (a socketpair, a connection it accepted in
 * a network namespace of its own). A cookie is forgotten when the
 * connection comes back, or when AD_COOKIES_MAX newer ones were handed out
 * (the oldest go first: a keep-alive connection idle in a worker for that
 * long is closed rather than taken back).
 *
 * An open-addressing set (linear probing, deletion by backward shift) at
 * most half full, and a ring of the cookies in the order they came. A
 * connection handed out again (kept alive, given back, handed out) is in
 * the ring twice: each slot remembers the ring index of its latest handing
 * out, and only that one forgets it.
 */
#include "router.h"

#include "util/alloc.h"

#include <errno.h>
#include <sys/socket.h>

#define NSLOTS (2 * AD_COOKIES_MAX)
#define MASK (NSLOTS - 1)

_Static_assert((AD_COOKIES_MAX & (AD_COOKIES_MAX - 1)) == 0, "a power of two");

static size_t home(uint64_t c)
{
	return (size_t)((c * 0x9E3779B97F4A7C15ull) >> 40) & MASK;
}

static size_t find(const rt_cookies *s, uint64_t c)
{
	size_t i = home(c);
	while (s->slots[i] && s->slots[i] != c)
		i = (i + 1) & MASK;
	return i;
}

static bool remove_one(rt_cookies *s, uint64_t c)
{
	size_t i = find(s, c);
	if (!s->slots[i])
		return false;
	s->slots[i] = 0;
	/* move back the entries of the run after i that may not stay after a
	 * hole: those whose home is not cyclically within (i, j] */
	for (size_t j = (i + 1) & MASK; s->slots[j]; j = (j + 1) & MASK) {
		size_t k = home(s->slots[j]);
		bool stays = i <= j ? (i < k && k <= j) : (i < k || k <= j);
		if (stays)
			continue;
		s->slots[i] = s->slots[j];
		s->pos[i] = s->pos[j];
		s->slots[j] = 0;
		i = j;
	}
	return true;
}

int rt_cookie_add(rt_cookies *s, uint64_t c)
{
	if (!c)
		return 0;
	if (!s->slots) {
		s->slots = ah_calloc(NSLOTS, sizeof(*s->slots));
		s->pos = ah_calloc(NSLOTS, sizeof(*s->pos));
		s->ring = ah_calloc(AD_COOKIES_MAX, sizeof(*s->ring));
		if (!s->slots || !s->pos || !s->ring) {
			rt_cookies_free(s);
			return -ENOMEM;
		}
	}
	uint64_t old = s->ring[s->head];
	if (old) { /* the oldest: forgotten, unless handed out again since */
		size_t k = find(s, old);
		if (s->slots[k] && s->pos[k] == (uint32_t)s->head)
			remove_one(s, old);
	}
	size_t i = find(s, c);
	s->slots[i] = c;
	s->pos[i] = (uint32_t)s->head;
	s->ring[s->head] = c;
	s->head = (s->head + 1) % AD_COOKIES_MAX;
	return 0;
}

bool rt_cookie_take(rt_cookies *s, uint64_t c)
{
	return c && s->slots && remove_one(s, c);
}

void rt_cookies_free(rt_cookies *s)
{
	ah_free(s->slots);
	ah_free(s->pos);
	ah_free(s->ring);
	s->slots = s->ring = NULL;
	s->pos = NULL;
	s->head = 0;
}

uint64_t rt_sock_cookie(int fd)
{
	uint64_t c = 0;
	socklen_t len = sizeof(c);
	if (getsockopt(fd, SOL_SOCKET, SO_COOKIE, &c, &len) < 0 || len != sizeof(c))
		return 0;
	return c;
}
