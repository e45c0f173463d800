/*
 * ProtocolSupportModule (system.webServer/httpProtocol), at SEND_RESPONSE:
 *
 *   - customHeaders: every header of the merged collection (add, remove and
 *     clear resolved by the engine, level by level) is added to every
 *     response of the URL, errors and 304 included, in collection order;
 *   - redirectHeaders: added as well to redirect responses (301, 302, 303,
 *     307, 308: the httpRedirect module's, the default document's courtesy
 *     redirect, a custom error's redirect);
 *   - allowKeepAlive="false": the response says "Connection: close" and the
 *     connection ends after it.
 *
 * Header names and values are written as configured; CR and LF never reach
 * the response (response.c replaces them).
 */
#include "worker/worker.h"

static void add_all(wk_req *r, const ah_elem *coll)
{
	for (size_t i = 0; coll && i < ah_elem_item_count(coll); i++) {
		const ah_elem *h = ah_elem_item_at(coll, i);
		const char *name = ah_elem_get(h, "name");
		if (*name)
			wk_resp_header(r, name, ah_elem_get(h, "value"));
	}
}

static bool is_redirect(int status)
{
	return status == 301 || status == 302 || status == 303 || status == 307 || status == 308;
}

static int send_response(wk_req *r)
{
	const wk_urlcfg *cfg = r->cfg;
	if (!cfg)
		return WK_CONTINUE;
	add_all(r, cfg->custom_headers);
	if (is_redirect(r->status))
		add_all(r, cfg->redirect_headers);
	if (!cfg->allow_keepalive)
		r->close = true;
	return WK_CONTINUE;
}

const wk_module wk_mod_protocol_support = {
    .name = "ProtocolSupportModule",
    .hooks = {[WK_STAGE_SEND_RESPONSE] = send_response},
};
