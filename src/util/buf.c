/* Growable text buffer (see buf.h). */
#include "buf.h"

#include "alloc.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

static bool grow(ah_buf *b, size_t extra)
{
	if (b->oom)
		return false;
	if (b->len + extra + 1 <= b->cap)
		return true;
	size_t cap = b->cap ? b->cap : 64;
	while (cap < b->len + extra + 1)
		cap *= 2;
	char *p = ah_realloc(b->ptr, cap);
	if (!p) {
		b->oom = true;
		return false;
	}
	b->ptr = p;
	b->cap = cap;
	return true;
}

void ah_buf_put(ah_buf *b, const char *s, size_t n)
{
	if (!grow(b, n))
		return;
	memcpy(b->ptr + b->len, s, n);
	b->len += n;
	b->ptr[b->len] = '\0';
}

void ah_buf_puts(ah_buf *b, const char *s)
{
	ah_buf_put(b, s, strlen(s));
}

void ah_buf_putc(ah_buf *b, char c)
{
	ah_buf_put(b, &c, 1);
}

void ah_buf_printf(ah_buf *b, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	char small[256];
	int n = vsnprintf(small, sizeof(small), fmt, ap);
	va_end(ap);
	if (n < 0)
		return;
	if ((size_t)n < sizeof(small)) {
		ah_buf_put(b, small, (size_t)n);
		return;
	}
	if (!grow(b, (size_t)n))
		return;
	va_start(ap, fmt);
	vsnprintf(b->ptr + b->len, (size_t)n + 1, fmt, ap);
	va_end(ap);
	b->len += (size_t)n;
}

void ah_buf_truncate(ah_buf *b, size_t len)
{
	if (len < b->len) {
		b->len = len;
		b->ptr[len] = '\0';
	}
}

const char *ah_buf_cstr(const ah_buf *b)
{
	return b->ptr ? b->ptr : "";
}

char *ah_buf_detach(ah_buf *b)
{
	char *p = b->ptr;
	if (!p)
		p = ah_strdup("");
	b->ptr = NULL;
	b->len = b->cap = 0;
	return p;
}

void ah_buf_free(ah_buf *b)
{
	ah_free(b->ptr);
	b->ptr = NULL;
	b->len = b->cap = 0;
	b->oom = false;
}
