/*
 * The logon of a pool's identity, before each of its workers starts (as
 * WAS's LogonUser):
 *
 *   SpecificUser   the user must exist and its password (the stored value,
 *                  decrypted with the configuration's key, wiped after use)
 *                  is checked with PAM: pam_authenticate and pam_acct_mgmt
 *                  of the service "apphost" ($APPHOST_PAM_SERVICE), without
 *                  PAM's failure delay. A failure logs IIS's events 5021
 *                  and 5057; the caller stops the pool
 *   LocalSystem    allowed, with a warning
 *   others         nothing to check
 *
 * Not as root: nothing is checked (the worker runs as apphostd's user).
 */
#ifndef AD_LOGON_H
#define AD_LOGON_H

#include "apphost/config.h"
#include "common/creds.h"
#include "model.h"

/* Check d's identity; c (its credentials) is refreshed for a SpecificUser,
 * whose account may have changed since the configuration was read.
 * Returns 0, or AH_EINVALID when the identity is invalid (logged). */
int ad_pool_logon(const ad_pool_def *d, ad_creds *c, const ah_config_opts *opts);

/* PAM's verdict on user and password: 0, AH_EINVALID (the user or the
 * password refused), AH_EIO (PAM itself failed: a missing module, no
 * memory) or AH_ERROR (apphostd built without PAM). */
int ad_logon_check(const char *user, const char *password);
/* The same for a client at rhost (PAM_RHOST; NULL: none), for the logon
 * broker (broker.c). */
int ad_logon_check_from(const char *user, const char *password, const char *rhost);

#endif
