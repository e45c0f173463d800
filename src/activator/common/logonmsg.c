/*
 * Encoding and decoding of the logon broker's messages (see logonmsg.h).
 * The decoder is the only code of the broker (which runs as root) that
 * reads what a worker wrote: fixed-size fields, bounded strings, nothing
 * left over.
 */
#include "logonmsg.h"

#include <errno.h>
#include <string.h>

bool ad_logon_encode_check(ad_msg *m, uint32_t id, const char *user, const char *password,
			   const char *rhost)
{
	size_t ul = strlen(user), pl = strlen(password), rl = strlen(rhost);
	if (ul == 0 || ul > AD_LOGON_USER_MAX || pl > AD_LOGON_PASSWORD_MAX ||
	    rl > AD_LOGON_RHOST_MAX)
		return false;
	ad_msg_begin(m, AD_L_CHECK);
	ad_msg_u32(m, id);
	ad_msg_str(m, user);
	ad_msg_str(m, password);
	ad_msg_str(m, rhost);
	return !m->bad;
}

int ad_logon_decode_check(ad_logon_req *req, const void *buf, size_t len)
{
	const uint8_t *b = buf;
	if (len < 2 || len > AD_LOGON_MSG_MAX || b[0] != AD_PROTO_VERSION || b[1] != AD_L_CHECK)
		goto bad;
	ad_rd r;
	ad_rd_init(&r, b + 2, len - 2);
	req->id = ad_rd_u32(&r);
	ad_rd_str(&r, req->user, sizeof(req->user));
	ad_rd_str(&r, req->password, sizeof(req->password));
	ad_rd_str(&r, req->rhost, sizeof(req->rhost));
	if (ad_rd_done(&r) && req->user[0])
		return 0;
bad:
	explicit_bzero(req, sizeof(*req));
	return -EBADMSG;
}

void ad_logon_encode_result(ad_msg *m, uint32_t id, uint8_t verdict)
{
	ad_msg_begin(m, AD_L_RESULT);
	ad_msg_u32(m, id);
	ad_msg_u8(m, verdict);
}

int ad_logon_decode_result(const void *buf, size_t len, uint32_t *id, uint8_t *verdict)
{
	const uint8_t *b = buf;
	if (len != 7 || b[0] != AD_PROTO_VERSION || b[1] != AD_L_RESULT)
		return -EBADMSG;
	ad_rd r;
	ad_rd_init(&r, b + 2, len - 2);
	*id = ad_rd_u32(&r);
	*verdict = ad_rd_u8(&r);
	return ad_rd_done(&r) && *verdict <= AD_LOGON_ERROR ? 0 : -EBADMSG;
}
