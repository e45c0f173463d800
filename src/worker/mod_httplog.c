/*
 * HttpLoggingModule (the site's logFile, system.webServer/httpLogging), at
 * LOG_REQUEST.
 *
 * A request of a site whose W3C log is on (sites.c: the site's logFile over
 * siteDefaults/logFile) is logged unless the URL's httpLogging says
 * dontLog="true", or its selectiveLogging leaves it out (LogSuccessful:
 * status below 400 only; LogError: 400 and above only). The line's text
 * fields are captured now, while the request's configuration is valid; the
 * connection completes the line (bytes, time taken) once the last byte is
 * sent, or when the client goes away first (sc-win32-status 64), and the
 * writer (w3clog.c) appends it to the site's file.
 *
 * sc-win32-status is the Windows error of the failure: the low word of the
 * error's HRESULT when it is a Win32 one (2 for a file that does not
 * exist, 5 for access denied, 13 for invalid configuration data, 33 for a
 * lock violation, 1326 for a failed logon), 0 otherwise, as IIS logs them.
 * Requests refused before a site is known (HTTP.sys's 400s) are not in a
 * site's log.
 */
#include "worker/worker.h"

static int log_request(wk_req *r)
{
	if (!r->site || !r->site->log.enabled)
		return WK_CONTINUE;
	const wk_urlcfg *cfg = r->cfg;
	if (cfg) {
		if (cfg->dont_log)
			return WK_CONTINUE;
		if (cfg->selective_logging == WK_LOG_SUCCESSFUL && r->status >= 400)
			return WK_CONTINUE;
		if (cfg->selective_logging == WK_LOG_ERROR && r->status < 400)
			return WK_CONTINUE;
	}
	wk_logfile *f = wk_w3c_file(r->site);
	if (!f)
		return WK_CONTINUE;
	wk_w3c_drop(r->logrec);
	r->logrec = NULL;
	return wk_w3c_capture(&r->logrec, r, f) < 0 ? AH_ENOMEM : WK_CONTINUE;
}

const wk_module wk_mod_http_logging = {
    .name = "HttpLoggingModule",
    .hooks = {[WK_STAGE_LOG] = log_request},
};
