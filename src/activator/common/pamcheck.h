/*
 * A Linux account's password checked with PAM, for apphostd (SpecificUser
 * identities, the logon broker) and the worker (Basic authentication when
 * it runs PAM itself): pam_start of the service "apphost" (the file
 * /etc/pam.d/apphost, installed from etc/pam.d/apphost) or
 * $APPHOST_PAM_SERVICE, a conversation that answers every prompt with the
 * password, pam_authenticate and pam_acct_mgmt (an expired or locked
 * account is refused like a wrong password), pam_end.
 *
 * Built only where PAM is (the ahpam library, CMakeLists.txt).
 */
#ifndef AD_PAMCHECK_H
#define AD_PAMCHECK_H

#include <stdbool.h>

/*
 * rhost: the client's address (PAM_RHOST), or NULL. take_delay: the caller
 * takes PAM's failure delay over and does not sleep (an event loop that
 * must not stall throttles on its own); else PAM sleeps after a failure.
 * Returns 0; AH_EINVALID when the user or the password is refused
 * (PAM_AUTH_ERR, PAM_USER_UNKNOWN, an expired or locked account...); AH_EIO
 * when PAM itself fails (a missing module, a service error); AH_ENOMEM.
 * Not reentrant (nor are all PAM modules): callers serialize.
 */
int ad_pam_check(const char *user, const char *password, const char *rhost, bool take_delay);

#endif
