/*
 * The allocation wrapper and arenas (see alloc.h).
 *
 * Arena layout: a singly linked list of blocks; small requests are carved from
 * the current block, large ones (over a quarter of the block size) get a block
 * of their own so that little space is wasted.
 */
#include "alloc.h"

#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static long fail_countdown = -1;

static int should_fail(void)
{
	if (fail_countdown < 0)
		return 0;
	if (fail_countdown == 0)
		return 1;
	fail_countdown--;
	return 0;
}

void ah_alloc_fail_after(long n)
{
	fail_countdown = n;
}

void *ah_malloc(size_t n)
{
	if (should_fail())
		return NULL;
	return malloc(n ? n : 1);
}

void *ah_calloc(size_t count, size_t n)
{
	if (should_fail())
		return NULL;
	return calloc(count ? count : 1, n ? n : 1);
}

void *ah_realloc(void *p, size_t n)
{
	if (should_fail())
		return NULL;
	return realloc(p, n ? n : 1);
}

void ah_free(void *p)
{
	free(p);
}

char *ah_strndup(const char *s, size_t n)
{
	char *d = ah_malloc(n + 1);
	if (!d)
		return NULL;
	memcpy(d, s, n);
	d[n] = '\0';
	return d;
}

char *ah_strdup(const char *s)
{
	return s ? ah_strndup(s, strlen(s)) : NULL;
}

#define BLOCK_SIZE (16384 - 64)
#define ALIGN 16

struct block {
	struct block *next;
	size_t size, used;
	_Alignas(ALIGN) unsigned char data[];
};

struct ah_arena {
	struct block *head;
	size_t total;
};

ah_arena *ah_arena_new(void)
{
	return ah_calloc(1, sizeof(ah_arena));
}

void ah_arena_free(ah_arena *a)
{
	if (!a)
		return;
	struct block *b = a->head;
	while (b) {
		struct block *n = b->next;
		ah_free(b);
		b = n;
	}
	ah_free(a);
}

void *ah_arena_alloc(ah_arena *a, size_t n)
{
	n = (n + ALIGN - 1) & ~(size_t)(ALIGN - 1);
	if (n == 0)
		n = ALIGN;
	struct block *b = a->head;
	if (n > BLOCK_SIZE / 4) {
		struct block *big = ah_malloc(sizeof(*big) + n);
		if (!big)
			return NULL;
		big->size = big->used = n;
		memset(big->data, 0, n);
		/* keep the current block in front so its free space is still used */
		if (b) {
			big->next = b->next;
			b->next = big;
		} else {
			big->next = NULL;
			a->head = big;
		}
		a->total += n;
		return big->data;
	}
	if (!b || b->size - b->used < n) {
		b = ah_malloc(sizeof(*b) + BLOCK_SIZE);
		if (!b)
			return NULL;
		b->size = BLOCK_SIZE;
		b->used = 0;
		b->next = a->head;
		a->head = b;
	}
	void *p = b->data + b->used;
	b->used += n;
	a->total += n;
	memset(p, 0, n);
	return p;
}

char *ah_arena_strndup(ah_arena *a, const char *s, size_t n)
{
	char *d = ah_arena_alloc(a, n + 1);
	if (!d)
		return NULL;
	memcpy(d, s, n);
	d[n] = '\0';
	return d;
}

char *ah_arena_strdup(ah_arena *a, const char *s)
{
	return s ? ah_arena_strndup(a, s, strlen(s)) : NULL;
}

char *ah_arena_printf(ah_arena *a, const char *fmt, ...)
{
	va_list ap, ap2;
	va_start(ap, fmt);
	va_copy(ap2, ap);
	int n = vsnprintf(NULL, 0, fmt, ap);
	va_end(ap);
	if (n < 0) {
		va_end(ap2);
		return NULL;
	}
	char *d = ah_arena_alloc(a, (size_t)n + 1);
	if (d)
		vsnprintf(d, (size_t)n + 1, fmt, ap2);
	va_end(ap2);
	return d;
}

size_t ah_arena_used(const ah_arena *a)
{
	return a->total;
}
