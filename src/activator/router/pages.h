/*
 * The answers the router gives itself, as HTTP.sys gives them: its short
 * HTML error pages, "Connection: close", and the server name of HTTP.sys.
 */
#ifndef RT_PAGES_H
#define RT_PAGES_H

#include <stdbool.h>
#include <stddef.h>

typedef enum rt_page {
	RT_PAGE_BAD_REQUEST,  /* 400 The request is badly formed. */
	RT_PAGE_BAD_VERB,     /* 400 The request verb is invalid. */
	RT_PAGE_BAD_URL,      /* 400 The request URL is invalid. */
	RT_PAGE_BAD_HEADER,   /* 400 The request has an invalid header name. */
	RT_PAGE_BAD_HOSTNAME, /* 400 The request hostname is invalid. */
	RT_PAGE_TOO_LONG,     /* 400 The size of the request headers is too long. */
	RT_PAGE_NOT_FOUND,    /* 404 The requested resource is not found. */
	RT_PAGE_UNAVAILABLE,  /* 503 The service is unavailable. */
	RT_PAGE_VERSION,      /* 505 The HTTP version is not supported. */
} rt_page;

/* The whole response in a heap string (ah_free); the body is left out for
 * HEAD requests (Content-Length stays). NULL on out-of-memory. */
char *rt_page_build(rt_page page, bool head_only, size_t *len);
/* The status code of a page (for logs). */
int rt_page_status(rt_page page);

#endif
