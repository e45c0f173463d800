/*
 * Linux accounts' passwords checked with PAM, for basic authentication.
 *
 * Under apphostd as root the worker runs as its pool's identity, and
 * pam_unix lets a process check only its own password: apphostd then gives
 * the worker a channel to its logon broker, a root process that runs PAM
 * for it (docs/apphostd.md, "Logon broker"), in APPHOST_LOGON_FD. A check
 * sends CHECK (user, password, client address) and waits for the RESULT of
 * the same id, at most 10 s; an answer of an earlier check that timed out
 * is skipped. No answer, a broken channel or the broker's "error" is an
 * error (500), not a refusal. The password is wiped from the message after
 * it is sent.
 *
 * Without that channel (the worker alone, or apphostd not root) PAM runs
 * here, as the broker runs it (src/activator/common/pamcheck.c: the service
 * "apphost" or $APPHOST_PAM_SERVICE). A service without its own file gets
 * PAM's "other" service, which denies on Debian.
 *
 * Checks are serialized by a mutex: PAM modules are not all reentrant, the
 * broker's channel carries one check at a time, and a check blocks its
 * thread anyway (mod_basicauth.c caches the accepted credentials so that a
 * client's next requests need none).
 */
#include "worker/worker.h"

#include "common/logonmsg.h"
#include "common/pamcheck.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#define BROKER_TIMEOUT_MS 10000

static pthread_mutex_t pam_lock = PTHREAD_MUTEX_INITIALIZER;
static int broker_fd = -2; /* -2: not read yet; -1: none */
static uint32_t broker_id;

/* The broker's channel from APPHOST_LOGON_FD, read once (under pam_lock). */
static int broker_channel(void)
{
	if (broker_fd != -2)
		return broker_fd;
	broker_fd = -1;
	const char *v = getenv("APPHOST_LOGON_FD");
	char *end = NULL;
	long fd = v && *v ? strtol(v, &end, 10) : -1;
	if (fd < 3 || fd > 1 << 20 || *end || fcntl((int)fd, F_SETFD, FD_CLOEXEC) < 0) {
		if (v && *v)
			wk_log("APPHOST_LOGON_FD=%s is not an open descriptor: passwords are "
			       "checked in the worker", v);
		return -1;
	}
	return broker_fd = (int)fd;
}

/* The broker's answer to the CHECK of id, within the time limit. */
static int broker_answer(int fd, uint32_t id)
{
	uint64_t deadline = wk_now_us() / 1000 + BROKER_TIMEOUT_MS;
	for (;;) {
		uint64_t now = wk_now_us() / 1000;
		if (now >= deadline)
			break;
		struct pollfd p = {.fd = fd, .events = POLLIN};
		int n = poll(&p, 1, (int)(deadline - now));
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			break;
		uint8_t buf[16];
		int extra;
		ssize_t len = ad_recv(fd, buf, sizeof(buf), &extra, MSG_DONTWAIT);
		if (len == -EAGAIN)
			continue;
		if (extra >= 0)
			close(extra);
		uint32_t rid;
		uint8_t verdict;
		if (len <= 0 || extra >= 0 ||
		    ad_logon_decode_result(buf, (size_t)len, &rid, &verdict) < 0) {
			wk_log("the logon broker's channel is closed or broken: Basic credentials "
			       "cannot be checked");
			return AH_ERROR;
		}
		if (rid != id)
			continue; /* the late answer of a check that timed out */
		if (verdict == AD_LOGON_ACCEPTED)
			return 0;
		return verdict == AD_LOGON_REFUSED ? AH_EINVALID : AH_ERROR;
	}
	wk_log("the logon broker did not answer within %d s", BROKER_TIMEOUT_MS / 1000);
	return AH_ERROR;
}

static int broker_check(int fd, const char *user, const char *password, const char *rhost)
{
	ad_msg m;
	uint32_t id = ++broker_id;
	if (!rhost || strlen(rhost) > AD_LOGON_RHOST_MAX)
		rhost = "";
	/* out of the protocol's bounds: no account has such a name or password */
	if (!ad_logon_encode_check(&m, id, user, password, rhost)) {
		explicit_bzero(&m, sizeof(m));
		return AH_EINVALID;
	}
	int rc = ad_send(fd, m.b, m.len, -1, MSG_DONTWAIT);
	explicit_bzero(&m, sizeof(m));
	if (rc < 0) {
		wk_log("cannot reach the logon broker: %s", strerror(-rc));
		return AH_ERROR;
	}
	return broker_answer(fd, id);
}

/* PAM in this process (called with pam_lock held), with its own failure
 * delay: this thread waits, as it waits for the broker. */
static int local_check(const char *user, const char *password, const char *rhost)
{
	return ad_pam_check(user, password, rhost, false);
}

int wk_pam_check(const char *user, const char *password, const char *rhost)
{
	pthread_mutex_lock(&pam_lock);
	int fd = broker_channel();
	int rc = fd >= 0 ? broker_check(fd, user, password, rhost)
			 : local_check(user, password, rhost);
	pthread_mutex_unlock(&pam_lock);
	return rc;
}
