/*
 * The strict scan of a request's head (see head.h for what is accepted).
 * Everything is checked in one pass over bytes that stay in the caller's
 * buffer; only the routing path is written out (decoded) and the host name
 * (lower-cased).
 */
#include "head.h"
#include "util/str.h"

#include <string.h>

#define METHOD_MAX 32
#define LEADING_CRLF_MAX 4

static bool is_tchar(unsigned char c)
{
	if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9'))
		return true;
	return c && strchr("!#$%&'*+-.^_`|~", c) != NULL;
}

/* A byte allowed in a request target: visible ASCII or any byte >= 0x80. */
static bool is_target_char(unsigned char c)
{
	return (c > 0x20 && c < 0x7f) || c >= 0x80;
}

static bool is_value_char(unsigned char c)
{
	return c == '\t' || (c >= 0x20 && c != 0x7f);
}

static const char *find_crlf(const char *p, size_t n)
{
	for (size_t i = 0; i + 1 < n; i++)
		if (p[i] == '\r' && p[i + 1] == '\n')
			return p + i;
	return NULL;
}

/* Percent-decode p[0..n) into out ('\' read as '/'). */
static bool decode(char *out, size_t *outlen, const char *p, size_t n)
{
	size_t o = 0;
	for (size_t i = 0; i < n; i++) {
		unsigned char c = (unsigned char)p[i];
		if (c == '%') {
			if (i + 2 >= n)
				return false;
			int hi = ah_hexval(p[i + 1]), lo = ah_hexval(p[i + 2]);
			if (hi < 0 || lo < 0 || (hi == 0 && lo == 0))
				return false;
			c = (unsigned char)(hi << 4 | lo);
			i += 2;
		}
		out[o++] = c == '\\' ? '/' : (char)c;
	}
	out[o] = '\0';
	*outlen = o;
	return true;
}

/* Remove "." and ".." segments of an absolute path, in place. */
static bool remove_dots(char *path, size_t len)
{
	size_t o = 0, i = 0;
	/* path[0] is '/'; o indexes the output, which never outruns i */
	while (i < len) {
		size_t s = i + 1, e = s;
		while (e < len && path[e] != '/')
			e++;
		size_t n = e - s;
		bool last = e >= len;
		if (n == 1 && path[s] == '.') {
			if (last)
				path[o++] = '/';
		} else if (n == 2 && path[s] == '.' && path[s + 1] == '.') {
			if (o == 0)
				return false;
			while (o > 0 && path[o - 1] != '/')
				o--;
			if (o > 0)
				o--;
			if (last)
				path[o++] = '/';
		} else {
			memmove(path + o, path + i, e - i);
			o += e - i;
		}
		i = e;
	}
	if (o == 0)
		path[o++] = '/';
	path[o] = '\0';
	return true;
}

static rt_head_status set_path(rt_head *h, const char *p, size_t n)
{
	const char *q = memchr(p, '?', n);
	if (q)
		n = (size_t)(q - p);
	if (n == 0) {
		h->path[0] = '/';
		h->path[1] = '\0';
		return RT_HEAD_OK;
	}
	if (p[0] != '/')
		return RT_HEAD_BAD_URL;
	size_t len;
	if (!decode(h->path, &len, p, n) || !remove_dots(h->path, len))
		return RT_HEAD_BAD_URL;
	return RT_HEAD_OK;
}

/*
 * A Host value (or the authority of an absolute target): the host name
 * lower-cased into h->host, the port checked and dropped.
 */
static bool set_host(rt_head *h, const char *v, size_t n)
{
	size_t i = 0, o = 0;
	if (n == 0) {
		h->host[0] = '\0';
		return true;
	}
	if (v[0] == '[') {
		const char *close = memchr(v, ']', n);
		if (!close || close - v < 3)
			return false;
		for (const char *p = v + 1; p < close; p++)
			if (ah_hexval(*p) < 0 && *p != ':' && *p != '.')
				return false;
		i = (size_t)(close - v) + 1;
	} else {
		while (i < n && v[i] != ':') {
			unsigned char c = (unsigned char)v[i];
			bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
				  (c >= '0' && c <= '9') || c == '-' || c == '.' || c == '_' ||
				  c == '~';
			if (!ok)
				return false;
			i++;
		}
		if (i == 0)
			return false;
	}
	if (i >= sizeof(h->host))
		return false;
	for (o = 0; o < i; o++) {
		char c = v[o];
		h->host[o] = (c >= 'A' && c <= 'Z') ? (char)(c - 'A' + 'a') : c;
	}
	h->host[o] = '\0';
	if (i == n)
		return true;
	if (v[i] != ':')
		return false;
	size_t digits = n - i - 1;
	if (digits == 0 || digits > 5)
		return false;
	unsigned port = 0;
	for (size_t k = i + 1; k < n; k++) {
		if (v[k] < '0' || v[k] > '9')
			return false;
		port = port * 10 + (unsigned)(v[k] - '0');
	}
	return port <= 65535;
}

typedef struct req_line {
	const char *target;
	size_t target_len;
	int minor;
	bool absolute;
} req_line;

static rt_head_status request_line(rt_head *h, req_line *rl, const char *p, size_t n)
{
	size_t i = 0;
	while (i < n && p[i] != ' ') {
		if (!is_tchar((unsigned char)p[i]))
			return i > 0 && memchr(p, ' ', n) ? RT_HEAD_BAD_VERB : RT_HEAD_BAD;
		i++;
	}
	if (i == n)
		return RT_HEAD_BAD;
	if (i == 0 || i > METHOD_MAX)
		return RT_HEAD_BAD_VERB;
	h->head_method = i == 4 && memcmp(p, "HEAD", 4) == 0;
	bool options = i == 7 && memcmp(p, "OPTIONS", 7) == 0;
	size_t t = ++i;
	while (i < n && p[i] != ' ') {
		if (!is_target_char((unsigned char)p[i]))
			return RT_HEAD_BAD_URL;
		i++;
	}
	if (i == t)
		return RT_HEAD_BAD_URL;
	if (i == n)
		return RT_HEAD_BAD; /* no version: HTTP/0.9 is not served */
	rl->target = p + t;
	rl->target_len = i - t;
	const char *v = p + i + 1;
	size_t vn = n - i - 1;
	if (vn != 8 || memcmp(v, "HTTP/", 5) != 0 || v[6] != '.' || v[5] < '0' || v[5] > '9' ||
	    v[7] < '0' || v[7] > '9')
		return RT_HEAD_BAD;
	if (v[5] != '1')
		return RT_HEAD_BAD_VERSION;
	rl->minor = v[7] - '0';
	if (rl->target_len == 1 && rl->target[0] == '*')
		return options ? RT_HEAD_OK : RT_HEAD_BAD_URL;
	return RT_HEAD_OK;
}

/* The path of the target; the authority of an absolute target as the host. */
static rt_head_status target_parts(rt_head *h, req_line *rl)
{
	const char *p = rl->target;
	size_t n = rl->target_len;
	if (n == 1 && p[0] == '*')
		return set_path(h, "/", 1);
	if (p[0] == '/')
		return set_path(h, p, n);
	size_t skip = 0;
	if (n > 7 && strncasecmp(p, "http://", 7) == 0)
		skip = 7;
	else if (n > 8 && strncasecmp(p, "https://", 8) == 0)
		skip = 8;
	else
		return RT_HEAD_BAD_URL;
	const char *a = p + skip, *end = p + n, *e = a;
	while (e < end && *e != '/' && *e != '?')
		e++;
	if (memchr(a, '@', (size_t)(e - a)) || !set_host(h, a, (size_t)(e - a)) || !h->host[0])
		return RT_HEAD_BAD_URL;
	rl->absolute = true;
	return set_path(h, e, (size_t)(end - e));
}

static void trim(const char **v, size_t *n)
{
	while (*n && (**v == ' ' || **v == '\t')) {
		(*v)++;
		(*n)--;
	}
	while (*n && ((*v)[*n - 1] == ' ' || (*v)[*n - 1] == '\t'))
		(*n)--;
}

/* The header lines in [p, end); the Host value is returned. */
static rt_head_status header_lines(const char *p, const char *end, const char **host,
				   size_t *host_len, int *nhost)
{
	while (p < end) {
		const char *eol = find_crlf(p, (size_t)(end - p));
		if (!eol)
			return RT_HEAD_BAD;
		if (p[0] == ' ' || p[0] == '\t')
			return RT_HEAD_BAD; /* folded line */
		const char *c = p;
		while (c < eol && is_tchar((unsigned char)*c))
			c++;
		if (c == p || c == eol || *c != ':')
			return RT_HEAD_BAD_HEADER;
		const char *v = c + 1;
		size_t vn = (size_t)(eol - v);
		for (size_t k = 0; k < vn; k++)
			if (!is_value_char((unsigned char)v[k]))
				return RT_HEAD_BAD_HEADER;
		if (c - p == 4 && strncasecmp(p, "host", 4) == 0) {
			trim(&v, &vn);
			*host = v;
			*host_len = vn;
			++*nhost;
		}
		p = eol + 2;
	}
	return RT_HEAD_OK;
}

rt_head_status rt_head_scan(rt_head *h, const char *buf, size_t len)
{
	size_t off = 0;
	for (int k = 0; k < LEADING_CRLF_MAX && off + 1 < len && buf[off] == '\r' &&
			buf[off + 1] == '\n';
	     k++)
		off += 2;
	const char *line = buf + off;
	const char *crlf = find_crlf(line, len - off);
	if (!crlf) {
		/* the request line so far must already look like one */
		for (size_t i = off; i < len; i++) {
			unsigned char c = (unsigned char)buf[i];
			if (c < 0x20 && !(c == '\r' && i + 1 == len))
				return RT_HEAD_BAD;
		}
		return len >= RT_HEAD_MAX ? RT_HEAD_TOO_LONG : RT_HEAD_INCOMPLETE;
	}
	req_line rl = {0};
	rt_head_status st = request_line(h, &rl, line, (size_t)(crlf - line));
	if (st != RT_HEAD_OK)
		return st;
	const char *end = memmem(crlf, len - (size_t)(crlf - buf), "\r\n\r\n", 4);
	if (!end)
		return len >= RT_HEAD_MAX ? RT_HEAD_TOO_LONG : RT_HEAD_INCOMPLETE;
	h->head_len = (size_t)(end - buf) + 4;
	if (h->head_len > RT_HEAD_MAX)
		return RT_HEAD_TOO_LONG;
	const char *host = NULL;
	size_t host_len = 0;
	int nhost = 0;
	st = header_lines(crlf + 2, end + 2, &host, &host_len, &nhost);
	if (st != RT_HEAD_OK)
		return st;
	h->host[0] = '\0';
	st = target_parts(h, &rl);
	if (st != RT_HEAD_OK)
		return st;
	if (nhost > 1 || (nhost == 0 && rl.minor >= 1 && !rl.absolute))
		return RT_HEAD_BAD_HOST;
	if (!rl.absolute && nhost == 1 && !set_host(h, host, host_len))
		return RT_HEAD_BAD_HOST;
	return RT_HEAD_OK;
}
