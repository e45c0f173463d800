/*
 * Fuzz target for the logon broker's request decoding
 * (src/activator/common/logonmsg.c), the only code of a root process that
 * reads what a worker wrote. Each input is decoded as a CHECK, whole and at
 * every prefix; what is accepted is checked: strings within their bounds
 * and NUL-free, re-encoding gives the input back byte for byte; what is
 * refused leaves the request wiped.
 *
 * Replayed as a plain test over tests/activator/corpus_logonmsg/; with
 * clang: clang -g -fsanitize=fuzzer,address,undefined -D_GNU_SOURCE
 *   -Isrc -Isrc/activator -Iinclude tests/activator/fuzz_logonmsg.c
 *   src/activator/common/logonmsg.c src/activator/common/proto.c -o fuzz_logonmsg
 */
#include "common/logonmsg.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

static void check(const uint8_t *data, size_t size)
{
	static const ad_logon_req zero;
	ad_logon_req r;
	memset(&r, 0xa5, sizeof(r));
	if (ad_logon_decode_check(&r, data, size) < 0) {
		if (memcmp(&r, &zero, sizeof(r)) != 0)
			abort();
		return;
	}
	if (!r.user[0] || strlen(r.user) > AD_LOGON_USER_MAX ||
	    strlen(r.password) > AD_LOGON_PASSWORD_MAX || strlen(r.rhost) > AD_LOGON_RHOST_MAX)
		abort();
	ad_msg m;
	if (!ad_logon_encode_check(&m, r.id, r.user, r.password, r.rhost) || m.len != size ||
	    memcmp(m.b, data, size) != 0)
		abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size > 2 * AD_LOGON_MSG_MAX)
		return 0;
	for (size_t n = 0; n <= size; n++)
		check(data, n);
	return 0;
}
