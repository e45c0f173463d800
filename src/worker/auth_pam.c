/*
 * Linux accounts' passwords checked with PAM, for basic authentication.
 *
 * One check is pam_start(service, user) with a conversation function that
 * answers every prompt with the password, then pam_authenticate and
 * pam_acct_mgmt (an expired or locked account is refused like a wrong
 * password), then pam_end. The service is "apphost" (the file
 * /etc/pam.d/apphost, installed from etc/pam.d/apphost), or the value of
 * $APPHOST_PAM_SERVICE. A service without its own file gets PAM's "other"
 * service, which denies on Debian.
 *
 * Checks are serialized by a mutex: PAM modules are not all reentrant, and
 * a check blocks its thread anyway (mod_basicauth.c caches the accepted
 * credentials so that a client's next requests need none). The replies of
 * the conversation are allocated with calloc/strdup, not the project's
 * allocator: PAM frees them with free().
 */
#include "worker/worker.h"

#include <pthread.h>
#include <security/pam_appl.h>
#include <stdlib.h>
#include <string.h>

static pthread_mutex_t pam_lock = PTHREAD_MUTEX_INITIALIZER;

static int conversation(int n, const struct pam_message **msg, struct pam_response **resp,
                        void *data)
{
	const char *password = data;
	if (n <= 0 || n > PAM_MAX_NUM_MSG)
		return PAM_CONV_ERR;
	struct pam_response *r = calloc((size_t)n, sizeof(*r));
	if (!r)
		return PAM_BUF_ERR;
	for (int i = 0; i < n; i++) {
		int style = msg[i]->msg_style;
		if (style == PAM_PROMPT_ECHO_OFF || style == PAM_PROMPT_ECHO_ON) {
			r[i].resp = strdup(password);
			if (!r[i].resp)
				goto fail;
		} else if (style != PAM_ERROR_MSG && style != PAM_TEXT_INFO) {
			goto fail;
		}
	}
	*resp = r;
	return PAM_SUCCESS;
fail:
	for (int i = 0; i < n; i++) {
		if (r[i].resp) {
			memset(r[i].resp, 0, strlen(r[i].resp));
			free(r[i].resp);
		}
	}
	free(r);
	return PAM_CONV_ERR;
}

int wk_pam_check(const char *user, const char *password, const char *rhost)
{
	const char *service = getenv("APPHOST_PAM_SERVICE");
	if (!service || !*service)
		service = "apphost";
	struct pam_conv conv = {.conv = conversation, .appdata_ptr = (void *)password};
	pthread_mutex_lock(&pam_lock);
	pam_handle_t *h = NULL;
	int rc = pam_start(service, user, &conv, &h);
	if (rc == PAM_SUCCESS && rhost)
		pam_set_item(h, PAM_RHOST, rhost);
	if (rc == PAM_SUCCESS)
		rc = pam_authenticate(h, PAM_SILENT | PAM_DISALLOW_NULL_AUTHTOK);
	if (rc == PAM_SUCCESS)
		rc = pam_acct_mgmt(h, PAM_SILENT | PAM_DISALLOW_NULL_AUTHTOK);
	int result = rc == PAM_SUCCESS ? 0 : rc == PAM_BUF_ERR ? AH_ENOMEM : AH_EINVALID;
	if (h)
		pam_end(h, rc);
	pthread_mutex_unlock(&pam_lock);
	return result;
}
