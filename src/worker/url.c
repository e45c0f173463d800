/*
 * URL paths: percent-decoding and normalization, and the escaping used when
 * a path is written back into a header or a page.
 *
 * The rules are HTTP.sys's canonicalization as far as the worker needs it:
 *   - %XX is decoded once (a '%' not followed by two hex digits is an
 *     error: 400); a decoded NUL is an error;
 *   - '\' is a '/' (as on Windows), and runs of '/' are one;
 *   - "." segments are dropped and ".." removes the segment before it; a
 *     ".." at the root is an error (400), never a way out of the site.
 * What the decoded path may contain beyond that (double escaping, high-bit
 * characters) is for request filtering to judge.
 */
#include "worker/worker.h"
#include "util/str.h"

#include <string.h>

/* Close the segment that ends at d[*n]: drop "." and resolve "..". */
static int close_segment(char *d, size_t *n)
{
	size_t start = *n;
	while (start > 0 && d[start - 1] != '/')
		start--;
	size_t len = *n - start;
	if (len == 1 && d[start] == '.') {
		*n = start;
		return 0;
	}
	if (len == 2 && d[start] == '.' && d[start + 1] == '.') {
		if (start <= 1)
			return AH_EINVALID;
		size_t prev = start - 1; /* the '/' before ".." */
		while (prev > 0 && d[prev - 1] != '/')
			prev--;
		*n = prev;
	}
	return 0;
}

/* The byte of the escape "%XX" at raw[*i] into *c, *i moved to its last digit. */
static int pct_byte(const char *raw, size_t len, size_t *i, char *c)
{
	int hi = *i + 1 < len ? ah_hexval(raw[*i + 1]) : -1;
	int lo = *i + 2 < len ? ah_hexval(raw[*i + 2]) : -1;
	if (hi < 0 || lo < 0)
		return AH_EINVALID;
	*c = (char)(hi * 16 + lo);
	*i += 2;
	return 0;
}

int wk_url_normalize(char **out, ah_arena *a, const char *raw, size_t len)
{
	*out = NULL;
	if (len == 0 || (raw[0] != '/' && raw[0] != '\\'))
		return AH_EINVALID;
	char *d = ah_arena_alloc(a, len + 2);
	if (!d)
		return AH_ENOMEM;
	size_t n = 0;
	for (size_t i = 0; i < len; i++) {
		char c = raw[i];
		if (c == '%' && (pct_byte(raw, len, &i, &c) < 0 || c == '\0'))
			return AH_EINVALID;
		if (c == '\\')
			c = '/';
		if (c == '/') {
			if (close_segment(d, &n) < 0)
				return AH_EINVALID;
			if (n > 0 && d[n - 1] == '/')
				continue;
		}
		d[n++] = c;
	}
	if (close_segment(d, &n) < 0)
		return AH_EINVALID;
	if (n == 0)
		d[n++] = '/';
	d[n] = '\0';
	*out = d;
	return 0;
}

int wk_url_decode(char **out, ah_arena *a, const char *raw, size_t len)
{
	*out = NULL;
	char *d = ah_arena_alloc(a, len + 1);
	if (!d)
		return AH_ENOMEM;
	size_t n = 0;
	for (size_t i = 0; i < len; i++) {
		char c = raw[i];
		if (c == '%' && pct_byte(raw, len, &i, &c) < 0)
			return AH_EINVALID;
		d[n++] = c;
	}
	d[n] = '\0';
	*out = d;
	return 0;
}

void wk_url_encode_path(ah_buf *b, const char *s)
{
	static const char hex[] = "0123456789ABCDEF";
	for (; *s; s++) {
		unsigned char c = (unsigned char)*s;
		if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
		    strchr("/-._~!$&'()*+,;=:@", c)) {
			ah_buf_putc(b, (char)c);
		} else {
			ah_buf_putc(b, '%');
			ah_buf_putc(b, hex[c >> 4]);
			ah_buf_putc(b, hex[c & 15]);
		}
	}
}

void wk_html_escape(ah_buf *b, const char *s)
{
	for (; *s; s++) {
		switch (*s) {
		case '<':
			ah_buf_puts(b, "&lt;");
			break;
		case '>':
			ah_buf_puts(b, "&gt;");
			break;
		case '&':
			ah_buf_puts(b, "&amp;");
			break;
		case '"':
			ah_buf_puts(b, "&quot;");
			break;
		case '\'':
			ah_buf_puts(b, "&#39;");
			break;
		default:
			ah_buf_putc(b, *s);
		}
	}
}
