/* HTTP.sys's error responses (see pages.h). */
#include "pages.h"

#include "util/buf.h"

#include <time.h>

static const struct {
	int status;
	const char *reason;  /* status line and <TITLE> */
	const char *heading; /* <h2> */
	const char *text;
} pages[] = {
	[RT_PAGE_BAD_REQUEST] = {400, "Bad Request", "Bad Request", "The request is badly formed."},
	[RT_PAGE_BAD_VERB] = {400, "Bad Request", "Bad Request - Invalid Verb",
			      "The request verb is invalid."},
	[RT_PAGE_BAD_URL] = {400, "Bad Request", "Bad Request - Invalid URL",
			     "The request URL is invalid."},
	[RT_PAGE_BAD_HEADER] = {400, "Bad Request", "Bad Request - Invalid Header",
				"The request has an invalid header name."},
	[RT_PAGE_BAD_HOSTNAME] = {400, "Bad Request", "Bad Request - Invalid Hostname",
				  "The request hostname is invalid."},
	[RT_PAGE_TOO_LONG] = {400, "Bad Request", "Bad Request - Request Too Long",
			      "The size of the request headers is too long."},
	[RT_PAGE_NOT_FOUND] = {404, "Not Found", "Not Found",
			       "The requested resource is not found."},
	[RT_PAGE_UNAVAILABLE] = {503, "Service Unavailable", "Service Unavailable",
				 "The service is unavailable."},
	[RT_PAGE_VERSION] = {505, "HTTP Version Not Supported", "HTTP Version Not Supported",
			     "The HTTP version is not supported."},
};

int rt_page_status(rt_page page)
{
	return pages[page].status;
}

char *rt_page_build(rt_page page, bool head_only, size_t *len)
{
	ah_buf body = AH_BUF_INIT, out = AH_BUF_INIT;
	ah_buf_printf(&body,
		      "<!DOCTYPE HTML PUBLIC \"-//W3C//DTD HTML 4.01//EN\""
		      "\"http://www.w3.org/TR/html4/strict.dtd\">\r\n"
		      "<HTML><HEAD><TITLE>%s</TITLE>\r\n"
		      "<META HTTP-EQUIV=\"Content-Type\" Content=\"text/html; "
		      "charset=us-ascii\"></HEAD>\r\n"
		      "<BODY><h2>%s</h2>\r\n"
		      "<hr><p>HTTP Error %d. %s</p>\r\n"
		      "</BODY></HTML>\r\n",
		      pages[page].reason, pages[page].heading, pages[page].status,
		      pages[page].text);
	char date[64];
	time_t now = time(NULL);
	struct tm tm;
	gmtime_r(&now, &tm);
	strftime(date, sizeof(date), "%a, %d %b %Y %H:%M:%S GMT", &tm);
	ah_buf_printf(&out,
		      "HTTP/1.1 %d %s\r\n"
		      "Content-Type: text/html; charset=us-ascii\r\n"
		      "Server: Microsoft-HTTPAPI/2.0\r\n"
		      "Date: %s\r\n"
		      "Connection: close\r\n"
		      "Content-Length: %zu\r\n\r\n",
		      pages[page].status, pages[page].reason, date, body.len);
	if (!head_only)
		ah_buf_put(&out, ah_buf_cstr(&body), body.len);
	bool oom = ah_buf_oom(&body) || ah_buf_oom(&out);
	ah_buf_free(&body);
	if (oom) {
		ah_buf_free(&out);
		return NULL;
	}
	*len = out.len;
	return ah_buf_detach(&out);
}
