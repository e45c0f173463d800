/*
 * Status lines and error bodies: every page the worker generates itself is
 * built here.
 *
 * Three kinds of pages:
 *   - IIS's simple error page: a short HTML page titled and headed
 *     "HTTP Error 404.3 - Not Found" with IIS's one-line description of the
 *     status and sub-status. It is what a remote client gets when no custom
 *     error page is configured for the status (the httpErrors module,
 *     mod_customerror.c, decides);
 *   - IIS's detailed error page, for local requests: the same heading and
 *     description, then "Detailed Error Information": the module and the
 *     notification that set the status, the handler, the error code
 *     (HRESULT), the requested URL, the physical path, the logon method and
 *     user. For a 500.19 it adds the configuration error's text, the file,
 *     and "Config Source:", the lines around the error line with their
 *     numbers ("%5u: line"), as IIS shows them;
 *   - HTTP.sys's pages, for what is refused before any site is chosen (a
 *     malformed request, an unknown host name), in HTTP.sys's layout.
 */
#include "worker/worker.h"

#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

static const struct {
	int status;
	const char *reason;
} reasons[] = {
    {100, "Continue"},
    {200, "OK"},
    {206, "Partial Content"},
    {301, "Moved Permanently"},
    {302, "Found"},
    {303, "See Other"},
    {304, "Not Modified"},
    {307, "Temporary Redirect"},
    {308, "Permanent Redirect"},
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
    {401, 0, "You do not have permission to view this directory or page."},
    {401, 1,
     "You do not have permission to view this directory or page using the "
     "credentials that you supplied."},
    {401, 2,
     "You are not authorized to view this page due to invalid authentication "
     "headers."},
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
    {404, 4, "The resource you are looking for does not have a handler associated with it."},
    {404, 5, "The request filtering module is configured to deny the URL sequence."},
    {404, 6, "The request filtering module is configured to deny the HTTP verb."},
    {404, 7, "The request filtering module is configured to deny the file extension."},
    {404, 8,
     "The request filtering module is configured to deny a path in the URL that "
     "contains a hiddenSegment section."},
    {404, 10,
     "The request filtering module is configured to deny a request header that is "
     "too long."},
    {404, 11,
     "The request filtering module is configured to deny a request that contains "
     "a double escape sequence."},
    {404, 12,
     "The request filtering module is configured to deny a request that contains "
     "high bit characters."},
    {404, 13,
     "The request filtering module is configured to deny a request that exceeds "
     "the request content length."},
    {404, 14,
     "The request filtering module is configured to deny a request where the URL "
     "is too long."},
    {404, 15,
     "The request filtering module is configured to deny a request where the query "
     "string is too long."},
    {404, 18,
     "The request filtering module is configured to deny the query string "
     "sequence."},
    {404, 19,
     "The request filtering module is configured to deny the request because of a "
     "filtering rule."},
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

const char *wk_status_text(int status, int substatus)
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
	              title, title, wk_status_text(status, substatus));
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

/* ---- the detailed page -------------------------------------------------------- */

#define SOURCE_MAX (4u << 20) /* configuration files larger than this show no source */

static const char *more_info(int status, int substatus)
{
	if (status == 500 && substatus == 19)
		return "This error occurs when there is a problem reading the configuration file "
		       "for the Web server or Web application. In some cases, the event logs may "
		       "contain more information about what caused this error.";
	if (status == 404 && substatus == 0)
		return "This error means that the file or directory does not exist on the "
		       "server. Create the file or directory and try the request again.";
	if (status == 404 && substatus >= 5 && substatus <= 19)
		return "This is a security feature. Do not change this feature unless the scope "
		       "of the change is fully understood. The request filtering module's "
		       "configuration (system.webServer/security/requestFiltering) decides.";
	if (status == 401)
		return "This error occurs when the credentials sent by the client do not give "
		       "access to the resource, or when no authentication method the client "
		       "uses is enabled.";
	return NULL;
}

static void row(ah_buf *out, const char *name, const char *value)
{
	ah_buf_printf(out, "<tr><th>%s</th><td>", name);
	wk_html_escape(out, value);
	ah_buf_puts(out, "</td></tr>\r\n");
}

/* Lines line-1 .. line+1 of file, numbered, HTML-escaped. */
static void config_source(ah_buf *out, const char *file, unsigned line)
{
	if (!file || !line)
		return;
	int fd = open(file, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return;
	ah_buf text = AH_BUF_INIT;
	char chunk[8192];
	ssize_t n;
	while (text.len < SOURCE_MAX && (n = read(fd, chunk, sizeof(chunk))) > 0)
		ah_buf_put(&text, chunk, (size_t)n);
	close(fd);
	const char *p = ah_buf_cstr(&text);
	unsigned first = line > 1 ? line - 1 : 1, last = line + 1;
	bool any = false;
	for (unsigned no = 1; *p && no <= last; no++) {
		size_t len = strcspn(p, "\n");
		if (no >= first) {
			size_t l = len;
			if (l && p[l - 1] == '\r')
				l--;
			char *copy = ah_strndup(p, l);
			if (!any)
				ah_buf_puts(out, "<h3>Config Source:</h3>\r\n<pre>");
			any = true;
			ah_buf_printf(out, "%5u: ", no);
			wk_html_escape(out, copy ? copy : "");
			ah_buf_puts(out, "\r\n");
			ah_free(copy);
		}
		p += len;
		if (*p == '\n')
			p++;
	}
	if (any)
		ah_buf_puts(out, "</pre>\r\n");
	ah_buf_free(&text);
}

static void physical_path(ah_buf *out, const wk_req *r)
{
	if (r->target.path) {
		ah_buf_puts(out, r->target.path);
	} else if (r->map.vdir) {
		ah_buf_puts(out, r->map.vdir->phys);
		ah_buf_puts(out, r->map.rest ? r->map.rest : "");
	}
}

void wk_errpage_detailed(ah_buf *out, const wk_req *r)
{
	int status = r->status, sub = r->substatus;
	const char *reason = wk_status_reason(status);
	ah_buf_printf(out,
	              "<!DOCTYPE html>\r\n"
	              "<html>\r\n"
	              "<head>\r\n"
	              "<meta http-equiv=\"Content-Type\" content=\"text/html; charset=utf-8\"/>\r\n"
	              "<title>Detailed Error - %d.%d - %s</title>\r\n"
	              "<style type=\"text/css\">\r\n"
	              "body{margin:0;font-size:.8em;font-family:\"Segoe UI\",Verdana,sans-serif;"
	              "background:#fff}\r\n"
	              "#content{margin:0 0 0 2%%}\r\n"
	              "h1{font-size:2.4em;margin:0;color:#fff;background:#5f90d0;"
	              "padding:11px 0 12px 2%%}\r\n"
	              "h2{font-size:1.7em;margin:10px 0 0;color:#c00}\r\n"
	              "h3{font-size:1.2em;margin:14px 0 4px;color:#000}\r\n"
	              "th{text-align:left;padding:2px 2em 2px 0;vertical-align:top}\r\n"
	              "td{padding:2px 0;word-break:break-all}\r\n"
	              "pre{margin:4px 0 0;font-size:1.1em}\r\n"
	              "</style>\r\n"
	              "</head>\r\n"
	              "<body>\r\n"
	              "<h1>HTTP Error %d.%d - %s</h1>\r\n"
	              "<div id=\"content\">\r\n<h2>",
	              status, sub, reason, status, sub, reason);
	wk_html_escape(out, wk_status_text(status, sub));
	ah_buf_puts(out, "</h2>\r\n<h3>Detailed Error Information:</h3>\r\n<table>\r\n");

	char code[16];
	snprintf(code, sizeof(code), "0x%08x", r->err_hresult);
	bool handled = r->handler && r->err_stage >= WK_STAGE_RESOLVE_HANDLER;
	row(out, "Module", r->err_module ? r->err_module : "IIS Web Core");
	row(out, "Notification", wk_stage_name(r->err_stage));
	row(out, "Handler", handled ? r->handler->name : "Not yet determined");
	row(out, "Error Code", code);
	const wk_cfgerr *ce = status == 500 && sub == 19 ? r->cfgerr : NULL;
	if (ce) {
		row(out, "Config Error", ce->message ? ce->message : "");
		row(out, "Config File", ce->file ? ce->file : "");
	}
	ah_buf url = AH_BUF_INIT;
	ah_buf_puts(&url, "http://");
	if (r->host && r->host[0]) {
		ah_buf_puts(&url, r->host);
		ah_buf_printf(&url, ":%u", (unsigned)r->local.port);
	} else {
		char addr[64];
		wk_addr_format(addr, sizeof(addr), &r->local);
		ah_buf_puts(&url, addr);
	}
	if (r->raw_path)
		ah_buf_put(&url, r->raw_path, r->raw_path_len);
	row(out, "Requested URL", ah_buf_cstr(&url));
	ah_buf_free(&url);
	ah_buf phys = AH_BUF_INIT;
	physical_path(&phys, r);
	row(out, "Physical Path", ah_buf_cstr(&phys));
	ah_buf_free(&phys);
	const char *method = r->logon_method ? r->logon_method : "Not yet determined";
	const char *user = !r->logon_method        ? "Not yet determined"
	                   : r->user && r->user[0] ? r->user
	                                           : "Anonymous";
	row(out, "Logon Method", method);
	row(out, "Logon User", user);
	ah_buf_puts(out, "</table>\r\n");
	if (ce)
		config_source(out, ce->file, ce->line);
	const char *more = more_info(status, sub);
	if (more)
		ah_buf_printf(out, "<h3>More Information:</h3>\r\n<p>%s</p>\r\n", more);
	ah_buf_puts(out, "</div>\r\n</body>\r\n</html>\r\n");
}
