/*
 * AnonymousAuthenticationModule
 * (system.webServer/security/authentication/anonymousAuthentication), at
 * AUTHENTICATE_REQUEST.
 *
 * A request that no other authentication module accepted (basic
 * authentication runs first: credentials a client sends are checked even
 * where anonymous access is allowed) becomes an anonymous request when the
 * section is enabled: its logon method is "Anonymous", its logon user empty
 * (written "-" in the W3C log, "Anonymous" on the detailed error page), and
 * it runs as userName: "IUSR" (the iis-iusr account) or, when empty, the
 * application pool's identity. The files it is given must be readable by
 * that account (auth_acct.c; 401.3 otherwise). When the section is disabled
 * the request stays unauthenticated, and the core answers 401.2 after this
 * stage (pipeline.c).
 */
#include "worker/worker.h"

static int authenticate(wk_req *r)
{
	if (r->logon_method || !r->cfg->anon_enabled)
		return WK_CONTINUE;
	r->logon_method = "Anonymous";
	r->user = "";
	r->anon_identity = r->cfg->anon_user;
	return WK_CONTINUE;
}

const wk_module wk_mod_anonymous_authentication = {
    .name = "AnonymousAuthenticationModule",
    .hooks = {[WK_STAGE_AUTHENTICATE] = authenticate},
};
