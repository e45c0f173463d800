/* Passwords checked with PAM (see pamcheck.h). */
#include "pamcheck.h"

#include "apphost/errors.h"

#include <security/pam_appl.h>
#include <stdlib.h>
#include <string.h>

/* Every prompt answered with the password. The replies are allocated with
 * calloc/strdup, not the project's allocator: PAM frees them with free(). */
static int answer_password(int n, const struct pam_message **msg, struct pam_response **resp,
			   void *data)
{
	if (n <= 0 || n > PAM_MAX_NUM_MSG)
		return PAM_CONV_ERR;
	struct pam_response *r = calloc((size_t)n, sizeof(*r));
	if (!r)
		return PAM_BUF_ERR;
	int rc = PAM_SUCCESS;
	for (int i = 0; i < n && rc == PAM_SUCCESS; i++) {
		switch (msg[i]->msg_style) {
		case PAM_PROMPT_ECHO_OFF:
		case PAM_PROMPT_ECHO_ON:
			if (!(r[i].resp = strdup(data)))
				rc = PAM_BUF_ERR;
			break;
		case PAM_ERROR_MSG:
		case PAM_TEXT_INFO:
			break;
		default:
			rc = PAM_CONV_ERR;
		}
	}
	if (rc == PAM_SUCCESS) {
		*resp = r;
		return rc;
	}
	for (int i = 0; i < n; i++) {
		if (r[i].resp)
			explicit_bzero(r[i].resp, strlen(r[i].resp));
		free(r[i].resp);
	}
	free(r);
	return rc;
}

/* PAM sleeps a few seconds after a failure unless the application takes
 * the delay over: this one does, and does not wait. */
static void no_delay(int status, unsigned delay, void *data)
{
	(void)status;
	(void)delay;
	(void)data;
}

int ad_pam_check(const char *user, const char *password, const char *rhost, bool take_delay)
{
	const char *service = getenv("APPHOST_PAM_SERVICE");
	if (!service || !*service)
		service = "apphost";
	struct pam_conv conv = {.conv = answer_password, .appdata_ptr = (void *)password};
	pam_handle_t *h = NULL;
	int rc = pam_start(service, user, &conv, &h);
	if (rc == PAM_SUCCESS && rhost)
		rc = pam_set_item(h, PAM_RHOST, rhost);
	if (rc == PAM_SUCCESS && take_delay) {
		union {
			void (*fn)(int, unsigned, void *);
			const void *item;
		} delay = {.fn = no_delay};
		pam_set_item(h, PAM_FAIL_DELAY, delay.item);
	}
	if (rc == PAM_SUCCESS)
		rc = pam_authenticate(h, PAM_SILENT | PAM_DISALLOW_NULL_AUTHTOK);
	if (rc == PAM_SUCCESS)
		rc = pam_acct_mgmt(h, PAM_SILENT | PAM_DISALLOW_NULL_AUTHTOK);
	if (h)
		pam_end(h, rc);
	switch (rc) {
	case PAM_SUCCESS:
		return 0;
	case PAM_AUTH_ERR: /* what the user or the password makes PAM say */
	case PAM_USER_UNKNOWN:
	case PAM_ACCT_EXPIRED:
	case PAM_NEW_AUTHTOK_REQD:
	case PAM_PERM_DENIED:
	case PAM_MAXTRIES:
	case PAM_CRED_INSUFFICIENT:
		return AH_EINVALID;
	case PAM_BUF_ERR:
		return AH_ENOMEM;
	default: /* the service's own failure (a missing module, no memory) */
		return AH_EIO;
	}
}
