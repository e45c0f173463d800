/*
 * The llhttp glue: one parser per connection, in llhttp's strict mode, the
 * request head captured as spans of the connection's read buffer and copied
 * into the request when the head is complete.
 *
 * Spans are offsets from the start of the message in the read buffer, so the
 * buffer may move (grow, compact) between two reads while a head is still
 * arriving. The head (request line and headers) is limited to WK_MAX_HEAD
 * bytes and WK_MAX_HEADERS headers, as HTTP.sys limits MaxRequestBytes.
 *
 * The parser stops (HPE_PAUSED) at the end of each message, so that
 * pipelined requests are answered one at a time, in order; the body of a
 * request is counted and dropped (the static handlers never read one).
 */
#include "worker/worker.h"

#include "util/str.h"

#include <ctype.h>
#include <pthread.h>
#include <string.h>

static int span_add(wk_http *h, wk_span *s, const char *at, size_t len)
{
	size_t off = (size_t)(at - h->base);
	if (off + len > WK_MAX_HEAD) {
		h->error = WK_HTTP_TOO_LONG;
		return -1;
	}
	if (s->len == 0)
		s->off = (uint32_t)off;
	s->len = (uint32_t)(off + len - s->off);
	return 0;
}

static int on_message_begin(llhttp_t *p)
{
	wk_http *h = p->data;
	memset(&h->url, 0, sizeof(h->url));
	h->nhdrs = 0;
	h->in_value = false;
	h->in_message = true;
	h->head_done = false;
	h->done = false;
	h->error = WK_HTTP_OK;
	h->body_bytes = 0;
	h->body_limit = 0;
	return 0;
}

static int on_url(llhttp_t *p, const char *at, size_t len)
{
	wk_http *h = p->data;
	return span_add(h, &h->url, at, len);
}

static int on_header_field(llhttp_t *p, const char *at, size_t len)
{
	wk_http *h = p->data;
	if (h->nhdrs == 0 || h->in_value) {
		if (h->nhdrs == WK_MAX_HEADERS) {
			h->error = WK_HTTP_TOO_LONG;
			return -1;
		}
		memset(&h->names[h->nhdrs], 0, sizeof(h->names[0]));
		memset(&h->values[h->nhdrs], 0, sizeof(h->values[0]));
		h->nhdrs++;
		h->in_value = false;
	}
	return span_add(h, &h->names[h->nhdrs - 1], at, len);
}

static int on_header_value(llhttp_t *p, const char *at, size_t len)
{
	wk_http *h = p->data;
	return span_add(h, &h->values[h->nhdrs - 1], at, len);
}

static int on_header_value_complete(llhttp_t *p)
{
	wk_http *h = p->data;
	h->in_value = true;
	return 0;
}

static int on_headers_complete(llhttp_t *p)
{
	wk_http *h = p->data;
	h->head_done = true;
	int stop = h->on_head ? h->on_head(h) : wk_conn_on_head(h->conn);
	return stop ? HPE_PAUSED : 0;
}

static int on_body(llhttp_t *p, const char *at, size_t len)
{
	(void)at;
	wk_http *h = p->data;
	h->body_bytes += len;
	if (h->body_limit && h->body_bytes > h->body_limit) {
		h->error = WK_HTTP_BODY_TOO_LONG;
		return -1;
	}
	return 0;
}

static int on_message_complete(llhttp_t *p)
{
	wk_http *h = p->data;
	h->in_message = false;
	h->done = true;
	return HPE_PAUSED;
}

static llhttp_settings_t settings;
static pthread_once_t settings_once = PTHREAD_ONCE_INIT;

static void settings_init(void)
{
	llhttp_settings_init(&settings);
	settings.on_message_begin = on_message_begin;
	settings.on_url = on_url;
	settings.on_header_field = on_header_field;
	settings.on_header_value = on_header_value;
	settings.on_header_value_complete = on_header_value_complete;
	settings.on_headers_complete = on_headers_complete;
	settings.on_body = on_body;
	settings.on_message_complete = on_message_complete;
}

void wk_http_init(wk_http *h, wk_conn *c)
{
	pthread_once(&settings_once, settings_init);
	memset(h, 0, sizeof(*h));
	llhttp_init(&h->parser, HTTP_REQUEST, &settings);
	h->parser.data = h;
	h->conn = c;
}

uint64_t wk_http_head_len(const wk_http *h)
{
	uint64_t end = (uint64_t)h->url.off + h->url.len + 11; /* " HTTP/1.1\r\n" */
	for (unsigned i = 0; i < h->nhdrs; i++) {
		uint64_t e = (uint64_t)h->values[i].off + h->values[i].len + 2;
		uint64_t n = (uint64_t)h->names[i].off + h->names[i].len + 3;
		if (e > end)
			end = e;
		if (n > end)
			end = n;
	}
	return end + 2; /* the empty line */
}

static char *copy_span(ah_arena *a, const wk_http *h, wk_span s, size_t *len)
{
	const char *p = h->base + s.off;
	size_t n = s.len;
	while (n && (*p == ' ' || *p == '\t')) {
		p++;
		n--;
	}
	while (n && (p[n - 1] == ' ' || p[n - 1] == '\t'))
		n--;
	if (len)
		*len = n;
	return ah_arena_strndup(a, p, n);
}

/* Host without port, lower case: "a.test:80" -> "a.test", "[::1]:80" -> "[::1]". */
static char *host_of(ah_arena *a, const char *v, size_t n)
{
	size_t end = n;
	if (n && v[0] == '[') {
		const char *close = memchr(v, ']', n);
		end = close ? (size_t)(close - v + 1) : n;
	} else {
		const char *colon = memchr(v, ':', n);
		if (colon)
			end = (size_t)(colon - v);
	}
	char *h = ah_arena_strndup(a, v, end);
	if (h)
		for (char *p = h; *p; p++)
			*p = (char)tolower((unsigned char)*p);
	return h;
}

int wk_http_build_req(wk_http *h, wk_req *r)
{
	ah_arena *a = r->arena;
	r->method = llhttp_get_method(&h->parser);
	r->method_name = llhttp_method_name((llhttp_method_t)r->method);
	r->http_major = llhttp_get_http_major(&h->parser);
	r->http_minor = llhttp_get_http_minor(&h->parser);
	r->keep_alive = llhttp_should_keep_alive(&h->parser) != 0;
	r->is_head = r->method == HTTP_HEAD;
	r->raw_url = copy_span(a, h, h->url, NULL);
	r->hdrs = ah_arena_alloc(a, (h->nhdrs ? h->nhdrs : 1) * sizeof(*r->hdrs));
	if (!r->raw_url || !r->hdrs)
		return AH_ENOMEM;
	r->content_length = -1;
	r->host = "";
	for (unsigned i = 0; i < h->nhdrs; i++) {
		wk_hdr *d = &r->hdrs[i];
		d->name = copy_span(a, h, h->names[i], &d->name_len);
		d->value = copy_span(a, h, h->values[i], &d->value_len);
		if (!d->name || !d->value)
			return AH_ENOMEM;
		r->nhdrs++;
		if (d->name_len == 14 && ah_strcaseeq(d->name, "Content-Length")) {
			uint64_t v;
			if (ah_parse_u64(d->value, &v) && v <= INT64_MAX)
				r->content_length = (int64_t)v;
		} else if (d->name_len == 17 && ah_strcaseeq(d->name, "Transfer-Encoding")) {
			r->chunked = true;
		} else if (d->name_len == 6 && ah_strcaseeq(d->name, "Expect")) {
			r->expect_continue = ah_strcaseeq(d->value, "100-continue");
		} else if (d->name_len == 4 && ah_strcaseeq(d->name, "Host")) {
			if (!(r->host = host_of(a, d->value, d->value_len)))
				return AH_ENOMEM;
		}
	}
	return 0;
}
