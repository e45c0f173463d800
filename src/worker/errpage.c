/*
 * Status lines and error bodies: every page the worker generates itself is
 * built here.
 *
 * Two kinds of pages:
 *   - the worker's own (IIS's "simple" error page): a short HTML page titled
 *     "HTTP Error 404.3 - Not Found" with IIS's one-line description of the
 *     status and sub-status. The httpErrors module (custom pages, detailed
 *     pages for local requests, the detailed 500.19 page) will replace these
 *     bodies at the SEND_RESPONSE stage;
 *   - HTTP.sys's pages, for what is refused before any site is chosen (a
 *     malformed request, an unknown host name), in HTTP.sys's layout.
 */
#include "worker/worker.h"

#include <stdio.h>

static const struct {
	int status;
	const char *reason;
} reasons[] = {
    {100, "Continue"},
    {200, "OK"},
    {206, "Partial Content"},
    {301, "Moved Permanently"},
    {302, "Found"},
    {304, "Not Modified"},
    {307, "Temporary Redirect"},
    {400, "Bad Request"},
    {401, "Unauthorized"},
    {403, "Forbidden"},
    {404, "Not Found"},
    {405, "Method Not Allowed"},
    {408, "Request Timeout"},
    {411, "Length Required"},
    {412, "Precondition Failed"},
    {413, "Request Entity Too Large"},
    {416, "Requested Range Not Satisfiable"},
    {417, "Expectation Failed"},
    {431, "Request Header Fields Too Large"},
    {500, "Internal Server Error"},
    {501, "Not Implemented"},
    {503, "Service Unavailable"},
    {505, "HTTP Version Not Supported"},
};

const char *wk_status_reason(int status)
{
	for (size_t i = 0; i < sizeof(reasons) / sizeof(reasons[0]); i++)
		if (reasons[i].status == status)
			return reasons[i].reason;
	return status < 400 ? "OK" : status < 500 ? "Bad Request" : "Internal Server Error";
}

/* IIS's descriptions of its status and sub-status codes. */
static const struct {
	int status, substatus;
	const char *text;
} texts[] = {
    {401, 3,
     "You do not have permission to view this directory or page because of the "
     "access control list (ACL) configuration or encryption settings for this "
     "resource on the Web server."},
    {403, 14, "The Web server is configured to not list the contents of this directory."},
    {404, 0,
     "The resource you are looking for has been removed, had its name changed, or "
     "is temporarily unavailable."},
    {404, 3,
     "The page you are requesting cannot be served because of the extension "
     "configuration. If the page is a script, add a handler. If the file should be "
     "downloaded, add a MIME map."},
    {404, 6, "The request filtering module is configured to deny the HTTP verb."},
    {404, 7, "The request filtering module is configured to deny the file extension."},
    {404, 8,
     "The request filtering module is configured to deny a path in the URL that "
     "contains a hiddenSegment section."},
    {404, 10,
     "The request filtering module is configured to deny a request header that is "
     "too long."},
    {404, 13,
     "The request filtering module is configured to deny a request that exceeds "
     "the request content length."},
    {404, 14,
     "The request filtering module is configured to deny a request where the URL "
     "is too long."},
    {404, 15,
     "The request filtering module is configured to deny a request where the query "
     "string is too long."},
    {405, 0,
     "The page you are looking for cannot be displayed because an invalid method "
     "(HTTP verb) is being used."},
    {412, 0, "The request did not satisfy a precondition of the requested resource."},
    {416, 0, "The requested range of the resource cannot be served."},
    {417, 0, "The server cannot meet the requirements of the Expect request header."},
    {500, 0,
     "There is a problem with the resource you are looking for, and it cannot be "
     "displayed."},
    {500, 19,
     "The requested page cannot be accessed because the related configuration "
     "data for the page is invalid."},
    {503, 0, "The service is unavailable."},
};

static const char *text_of(int status, int substatus)
{
	const char *fallback = NULL;
	for (size_t i = 0; i < sizeof(texts) / sizeof(texts[0]); i++) {
		if (texts[i].status != status)
			continue;
		if (texts[i].substatus == substatus)
			return texts[i].text;
		if (texts[i].substatus == 0)
			fallback = texts[i].text;
	}
	return fallback ? fallback : "The request could not be completed.";
}

void wk_errpage_build(ah_buf *out, int status, int substatus)
{
	const char *reason = wk_status_reason(status);
	char title[128];
	snprintf(title, sizeof(title), "HTTP Error %d.%d - %s", status, substatus, reason);
	ah_buf_printf(out,
	              "<!DOCTYPE html>\r\n"
	              "<html>\r\n"
	              "<head>\r\n"
	              "<meta http-equiv=\"Content-Type\" content=\"text/html; charset=utf-8\"/>\r\n"
	              "<title>%s</title>\r\n"
	              "</head>\r\n"
	              "<body>\r\n"
	              "<h1>%s</h1>\r\n"
	              "<p>%s</p>\r\n"
	              "</body>\r\n"
	              "</html>\r\n",
	              title, title, text_of(status, substatus));
}

void wk_errpage_httpsys(ah_buf *out, int status, const char *title, const char *text)
{
	ah_buf_printf(out,
	              "<!DOCTYPE HTML PUBLIC \"-//W3C//DTD HTML 4.01//EN\""
	              "\"http://www.w3.org/TR/html4/strict.dtd\">\r\n"
	              "<HTML><HEAD><TITLE>%s</TITLE>\r\n"
	              "<META HTTP-EQUIV=\"Content-Type\" Content=\"text/html; "
	              "charset=us-ascii\"></HEAD>\r\n"
	              "<BODY><h2>%s</h2>\r\n"
	              "<hr><p>HTTP Error %d. %s</p>\r\n"
	              "</BODY></HTML>\r\n",
	              wk_status_reason(status), title, status, text);
}
