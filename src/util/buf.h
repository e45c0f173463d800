/*
 * A growable byte buffer, always NUL-terminated, for building text.
 * An allocation failure sets `oom` and makes later appends no-ops, so a
 * caller checks once at the end (ah_buf_oom) instead of after every append.
 */
#ifndef AH_UTIL_BUF_H
#define AH_UTIL_BUF_H

#include <stdbool.h>
#include <stddef.h>

typedef struct ah_buf {
	char *ptr;
	size_t len, cap;
	bool oom;
} ah_buf;

#define AH_BUF_INIT {NULL, 0, 0, false}

void ah_buf_put(ah_buf *b, const char *s, size_t n);
void ah_buf_puts(ah_buf *b, const char *s);
void ah_buf_putc(ah_buf *b, char c);
void ah_buf_printf(ah_buf *b, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
void ah_buf_truncate(ah_buf *b, size_t len);
/* The text so far ("" for an empty buffer, never NULL). */
const char *ah_buf_cstr(const ah_buf *b);
static inline bool ah_buf_oom(const ah_buf *b) { return b->oom; }
/* Hand the heap string to the caller (free with ah_free); the buffer is reset. */
char *ah_buf_detach(ah_buf *b);
void ah_buf_free(ah_buf *b);

#endif
