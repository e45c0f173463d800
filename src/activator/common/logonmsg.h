/*
 * The logon broker's messages (proto.h's header comment, docs/server.md,
 * "Logon channel"): a worker asks apphostd's logon broker to check a
 * Linux account's password, since a worker running as its pool's identity
 * cannot (pam_unix checks only the caller's own password). One request or
 * answer per SOCK_SEQPACKET packet, in proto.h's encoding.
 *
 *   worker -> broker   u8 version, u8 type 1 CHECK, u32 id, str user,
 *                      str password, str rhost
 *   broker -> worker   u8 version, u8 type 2 RESULT, u32 id, u8 verdict
 *                      (0 accepted, 1 refused, 2 error)
 *   apphostd -> broker u8 version, u8 type 16 CHANNEL + SCM_RIGHTS: the
 *                      broker's end of a worker's logon pair
 *
 * Strings are bounded (user 1..256 bytes, password up to 1024, rhost up to
 * 64); anything else, trailing bytes or a descriptor with a CHECK is
 * malformed.
 */
#ifndef AD_LOGONMSG_H
#define AD_LOGONMSG_H

#include "common/proto.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define AD_LOGON_USER_MAX 256
#define AD_LOGON_PASSWORD_MAX 1024
#define AD_LOGON_RHOST_MAX 64
/* The longest CHECK: header, id, three lengths and the strings */
#define AD_LOGON_MSG_MAX                                                                   \
	(2 + 4 + 3 * 2 + AD_LOGON_USER_MAX + AD_LOGON_PASSWORD_MAX + AD_LOGON_RHOST_MAX)

enum ad_lmsg { AD_L_CHECK = 1, AD_L_RESULT = 2, AD_L_CHANNEL = 16 };

enum ad_verdict { AD_LOGON_ACCEPTED = 0, AD_LOGON_REFUSED = 1, AD_LOGON_ERROR = 2 };

typedef struct ad_logon_req {
	uint32_t id;
	char user[AD_LOGON_USER_MAX + 1];
	char password[AD_LOGON_PASSWORD_MAX + 1];
	char rhost[AD_LOGON_RHOST_MAX + 1];
} ad_logon_req;

/* Build a CHECK in m (which then holds the password: wipe it after use).
 * False when a field is out of bounds (an empty or too long user, a too
 * long password or rhost). */
bool ad_logon_encode_check(ad_msg *m, uint32_t id, const char *user, const char *password,
			   const char *rhost);
/* Decode a CHECK packet into req. Returns 0, or -EBADMSG with req wiped. */
int ad_logon_decode_check(ad_logon_req *req, const void *buf, size_t len);

void ad_logon_encode_result(ad_msg *m, uint32_t id, uint8_t verdict);
/* Decode a RESULT packet. Returns 0 or -EBADMSG. */
int ad_logon_decode_result(const void *buf, size_t len, uint32_t *id, uint8_t *verdict);

#endif
