/*
 * The router's look at a request: the request line and the Host header, and
 * nothing else. It is not an HTTP parser (the worker parses the request in
 * full); it is a strict scan that finds what routing needs — the host name
 * and the path — and rejects, as HTTP.sys does, what is not a request.
 *
 * Accepted:
 *   request line   METHOD SP target SP "HTTP/1." DIGIT CRLF
 *                  METHOD a token of at most 32 characters; target in
 *                  origin form ("/path?query"), absolute form
 *                  ("http://host[:port]/path") or "*" (OPTIONS only);
 *                  no control characters, spaces or DEL in the target
 *   header lines   token ":" value CRLF, the value without control
 *                  characters other than HT; no folded lines
 *   end            an empty line (CRLF); at most AD_HEAD_MAX bytes in all,
 *                  after at most a few leading empty lines
 *   Host           exactly one, or none for HTTP/1.0: a host name of
 *                  letters, digits, '-', '.', '_' and '~', or an IPv6
 *                  literal in brackets, then an optional ":port"; the
 *                  host of an absolute-form target takes precedence
 * The path used for routing is percent-decoded once, '\' read as '/', and
 * its "." and ".." segments removed (".." above the root is refused).
 */
#ifndef RT_HEAD_H
#define RT_HEAD_H

#include <stdbool.h>
#include <stddef.h>

/* HTTP.sys's MaxRequestBytes default: request line and headers together. */
#define RT_HEAD_MAX 16384

typedef enum rt_head_status {
	RT_HEAD_INCOMPLETE = 0, /* read more */
	RT_HEAD_OK,
	RT_HEAD_BAD,         /* 400 The request is badly formed. */
	RT_HEAD_BAD_VERB,    /* 400 Invalid Verb */
	RT_HEAD_BAD_URL,     /* 400 Invalid URL */
	RT_HEAD_BAD_HEADER,  /* 400 Invalid Header */
	RT_HEAD_BAD_HOST,    /* 400 Invalid Hostname */
	RT_HEAD_TOO_LONG,    /* 400 Request Too Long */
	RT_HEAD_BAD_VERSION, /* 505 */
} rt_head_status;

typedef struct rt_head {
	size_t head_len;  /* bytes up to and including the empty line */
	bool head_method; /* HEAD: answers carry no body */
	char host[256];   /* lower case, without the port; "" when none */
	char *path;       /* the caller's buffer of at least RT_HEAD_MAX + 1 bytes */
} rt_head;

/* Scan the bytes read so far from a connection. h->path must be set. */
rt_head_status rt_head_scan(rt_head *h, const char *buf, size_t len);

#endif
