/* Pool identity logon (see logon.h); the PAM check is common/pamcheck.c. */
#include "logon.h"

#include "apphost/crypt.h"
#include "common/log.h"
#include "ident.h"
#include "util/alloc.h"

#include <stdlib.h>
#include <string.h>
#ifdef AD_HAVE_PAM
#include "common/pamcheck.h"
#endif

#ifdef AD_HAVE_PAM
int ad_logon_check_from(const char *user, const char *password, const char *rhost)
{
	/* apphostd's event loop and the broker must not sleep: PAM's failure
	 * delay is taken over (the broker throttles per worker instead) */
	int rc = ad_pam_check(user, password, rhost, true);
	return rc == AH_ENOMEM ? AH_EIO : rc;
}
#else
int ad_logon_check_from(const char *user, const char *password, const char *rhost)
{
	(void)user;
	(void)password;
	(void)rhost;
	return AH_ERROR;
}
#endif

int ad_logon_check(const char *user, const char *password)
{
	return ad_logon_check_from(user, password, NULL);
}

static int invalid(const ad_pool_def *d, const char *why)
{
	ad_log(AD_LOG_ERR, "The identity of application pool '%s' is invalid. The user name or "
			   "password that is specified for the identity may be incorrect, or the "
			   "user may not have batch logon rights. If the identity is not corrected, "
			   "the application pool will be disabled when the application pool "
			   "receives its first request. (event 5021: %s)",
	       d->name, why);
	ad_log(AD_LOG_ERR, "Application pool '%s' has been disabled. apphostd did not create a "
			   "worker process to serve the application pool because the application "
			   "pool identity is invalid. (event 5057)",
	       d->name);
	return AH_EINVALID;
}

/* The stored password in clear, or NULL (logged why). */
static char *password_of(const ad_pool_def *d, const ah_config_opts *opts)
{
	if (!ah_crypt_is_encrypted(d->password)) {
		char *p = ah_strdup(d->password ? d->password : "");
		if (!p)
			ad_log(AD_LOG_ERR, "application pool '%s': out of memory", d->name);
		return p;
	}
	ah_config *cfg = NULL;
	char *plain = NULL;
	int rc = ah_config_open(&cfg, opts);
	if (rc == 0)
		rc = ah_crypt_decrypt(&plain, cfg, d->password);
	if (cfg)
		ah_config_free(cfg);
	if (rc < 0) {
		const ah_error *e = ah_error_last();
		ad_log(AD_LOG_ERR, "application pool '%s': cannot decrypt the password of its "
				   "identity: %s",
		       d->name, e && e->message ? e->message : "error");
		return NULL;
	}
	return plain;
}

int ad_pool_logon(const ad_pool_def *d, ad_creds *c, const ah_config_opts *opts)
{
	if (!c->change)
		return 0;
	if (d->identity == AD_ID_LOCALSYSTEM) {
		ad_log(AD_LOG_WARN, "application pool '%s' runs as LocalSystem: its worker runs as "
				    "root. No application pool should run as LocalSystem.",
		       d->name);
		return 0;
	}
	if (d->identity != AD_ID_SPECIFICUSER)
		return 0;
	ad_creds fresh;
	ad_pool_creds(&fresh, d, 0, c->pool_gid, true);
	*c = fresh;
	const char *user = ad_user_part(d->user_name);
	if (!*user)
		return invalid(d, "no user name");
	if (c->refuse)
		return invalid(d, "no such user");
	char *password = password_of(d, opts);
	if (!password)
		return invalid(d, "the password cannot be decrypted");
	int rc = ad_logon_check(user, password);
	ah_crypt_free(password);
	if (rc == AH_ERROR)
		return invalid(d, "apphostd was built without PAM");
	if (rc == AH_EIO)
		return invalid(d, "PAM could not check the password (see the system log)");
	if (rc < 0)
		return invalid(d, "PAM refused the user name or the password");
	if (c->uid == 0)
		ad_log(AD_LOG_WARN, "application pool '%s' runs as the user %s: its worker runs as "
				    "root",
		       d->name, user);
	return 0;
}
