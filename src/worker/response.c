/*
 * The response of a request: status, headers and body as the modules set
 * them, and the composition of the status line and header block.
 *
 * Every response carries Content-Length (the body is always known in
 * advance: a page built in memory or a file), except those that have no
 * body by definition (1xx, 204, 304). A HEAD response carries the headers
 * the GET would have, without the body. The connection header follows the
 * client: "Connection: close" when the connection ends after this response,
 * "Connection: keep-alive" for an HTTP/1.0 client that asked to keep it.
 * The Server header goes unless requestFiltering/@removeServerHeader says
 * otherwise.
 */
#include "worker/worker.h"

#include "util/str.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

const char *wk_req_header(const wk_req *r, const char *name, size_t *len)
{
	size_t n = strlen(name);
	for (size_t i = 0; i < r->nhdrs; i++) {
		const wk_hdr *h = &r->hdrs[i];
		if (h->name_len == n && ah_strncaseeq(h->name, name, n)) {
			if (len)
				*len = h->value_len;
			return h->value;
		}
	}
	return NULL;
}

static void drop_file(wk_req *r)
{
	if (r->file.fd >= 0 && r->file.fd != r->target.fd)
		close(r->file.fd);
	r->file.fd = -1;
	r->file.len = 0;
}

void wk_resp_error(wk_req *r, int status, int substatus)
{
	r->status = status;
	r->substatus = substatus;
	r->err_module = r->cur_module;
	r->err_stage = r->cur_stage;
	r->err_hresult = 0;
	r->has_body = false;
	r->content_type = NULL;
	ah_buf_truncate(&r->body, 0);
	drop_file(r);
}

/* Header values never carry CR or LF (no response splitting). */
static void put_clean(ah_buf *b, const char *s, size_t n)
{
	/* runs without CR or LF are copied whole */
	size_t i = 0;
	while (i < n) {
		size_t j = i;
		while (j < n && s[j] != '\r' && s[j] != '\n')
			j++;
		ah_buf_put(b, s + i, j - i);
		if (j < n)
			ah_buf_put(b, " ", 1);
		i = j + 1;
	}
}

void wk_resp_header(wk_req *r, const char *name, const char *value)
{
	ah_buf_puts(&r->headers, name);
	ah_buf_put(&r->headers, ": ", 2);
	put_clean(&r->headers, value, strlen(value));
	ah_buf_put(&r->headers, "\r\n", 2);
}

void wk_resp_headerf(wk_req *r, const char *name, const char *fmt, ...)
{
	char buf[512];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	wk_resp_header(r, name, buf);
}

void wk_resp_body(wk_req *r, const char *content_type, const char *data, size_t len)
{
	drop_file(r);
	ah_buf_truncate(&r->body, 0);
	ah_buf_put(&r->body, data, len);
	r->content_type = content_type;
	r->has_body = true;
}

/* The decimal digits of v into out (at least 20 bytes); returns their count. */
static size_t put_decimal(char *out, unsigned long long v)
{
	char tmp[20];
	size_t n = 0;
	do {
		tmp[n++] = (char)('0' + v % 10);
		v /= 10;
	} while (v);
	for (size_t i = 0; i < n; i++)
		out[i] = tmp[n - 1 - i];
	return n;
}

/* Every response goes through here: no printf on this path. */
void wk_resp_compose(ah_buf *out, wk_req *r, const char *date)
{
	char num[24];
	int status = r->status >= 100 && r->status <= 999 ? r->status : 500;
	ah_buf_put(out, "HTTP/1.1 ", 9);
	ah_buf_put(out, num, put_decimal(num, (unsigned)status));
	ah_buf_put(out, " ", 1);
	ah_buf_puts(out, wk_status_reason(r->status));
	ah_buf_put(out, "\r\n", 2);
	if (r->content_type && !r->no_body) {
		ah_buf_put(out, "Content-Type: ", 14);
		ah_buf_puts(out, r->content_type);
		ah_buf_put(out, "\r\n", 2);
	}
	ah_buf_put(out, ah_buf_cstr(&r->headers), r->headers.len);
	if (!r->no_server_header)
		ah_buf_puts(out, "Server: " WK_SERVER_HEADER "\r\n");
	ah_buf_put(out, "Date: ", 6);
	ah_buf_puts(out, date);
	ah_buf_put(out, "\r\n", 2);
	if (r->close || !r->keep_alive)
		ah_buf_puts(out, "Connection: close\r\n");
	else if (r->http_major == 1 && r->http_minor == 0)
		ah_buf_puts(out, "Connection: keep-alive\r\n");
	if (!r->no_body) {
		long long len = r->file.fd >= 0 ? (long long)r->file.len : (long long)r->body.len;
		if (r->is_head && r->content_length_out >= 0)
			len = (long long)r->content_length_out;
		ah_buf_put(out, "Content-Length: ", 16);
		ah_buf_put(out, num, put_decimal(num, len > 0 ? (unsigned long long)len : 0));
		ah_buf_put(out, "\r\n", 2);
	}
	ah_buf_put(out, "\r\n", 2);
	if (!r->is_head && !r->no_body && r->file.fd < 0)
		ah_buf_put(out, ah_buf_cstr(&r->body), r->body.len);
}
