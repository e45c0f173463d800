/*
 * BasicAuthenticationModule
 * (system.webServer/security/authentication/basicAuthentication), at
 * AUTHENTICATE_REQUEST and SEND_RESPONSE.
 *
 * When the section is enabled and the request carries
 * "Authorization: Basic <base64 of user:password>" (RFC 7617), the user and
 * password are checked against the machine's Linux accounts with PAM
 * (auth_pam.c): accepted, the request's logon method is "Basic" and its
 * user the name as sent ("DOMAIN\user" stays as written; a name without a
 * domain gets defaultLogonDomain's, as IIS logs it); refused (or malformed
 * credentials), the answer is 401.1. Other schemes are left to the other
 * modules (anonymous access).
 *
 * Every 401 response of a URL where the section is enabled carries the
 * challenge `WWW-Authenticate: Basic realm="<realm>"`; an empty realm is the
 * host name the client asked for, as IIS does.
 *
 * Accepted credentials are remembered per thread for 15 minutes (IIS's
 * token cache lifetime, UserTokenTTL's default), as a SHA-256 of user and
 * password: a client sends its credentials with every request, and a PAM
 * check costs a process-wide lock and possibly a helper process. A changed
 * password is therefore honoured within 15 minutes, as in IIS. Refusals
 * are not remembered.
 */
#include "worker/worker.h"

#include "util/str.h"

#include <openssl/evp.h>
#include <string.h>

#define CACHE_SIZE 32
#define CACHE_TTL_US (15ull * 60 * 1000000)

typedef struct cached {
	unsigned char digest[32];
	uint64_t until_us;
} cached;

static _Thread_local cached cache[CACHE_SIZE];
static _Thread_local unsigned cache_next;

bool wk_basic_credentials(const char *value, size_t len, ah_arena *a, char **user, char **password)
{
	*user = *password = NULL;
	if (len < 6 || !ah_strncaseeq(value, "Basic", 5) || (value[5] != ' ' && value[5] != '\t'))
		return false;
	size_t i = 6;
	while (i < len && (value[i] == ' ' || value[i] == '\t'))
		i++;
	char *out = ah_arena_alloc(a, len + 1);
	if (!out)
		return false;
	size_t n = 0;
	unsigned acc = 0;
	int bits = 0, pad = 0;
	for (; i < len; i++) {
		unsigned char c = (unsigned char)value[i];
		if (c == '=') {
			pad++;
			continue;
		}
		int v = ah_b64val(c);
		if (v < 0 || pad)
			return false;
		acc = (acc << 6) | (unsigned)v;
		bits += 6;
		if (bits >= 8) {
			bits -= 8;
			out[n++] = (char)((acc >> bits) & 0xff);
		}
	}
	if (pad > 2 || n == 0 || memchr(out, '\0', n))
		return false;
	out[n] = '\0';
	char *colon = strchr(out, ':');
	if (!colon || colon == out)
		return false;
	*colon = '\0';
	*user = out;
	*password = colon + 1;
	return true;
}

static void digest_of(unsigned char d[32], const char *user, const char *password)
{
	EVP_MD_CTX *ctx = EVP_MD_CTX_new();
	unsigned len = 0;
	memset(d, 0, 32);
	if (ctx && EVP_DigestInit_ex(ctx, EVP_sha256(), NULL) &&
	    EVP_DigestUpdate(ctx, user, strlen(user) + 1) &&
	    EVP_DigestUpdate(ctx, password, strlen(password)))
		EVP_DigestFinal_ex(ctx, d, &len);
	EVP_MD_CTX_free(ctx);
}

static bool cached_ok(const unsigned char d[32])
{
	uint64_t now = wk_now_us();
	for (unsigned i = 0; i < CACHE_SIZE; i++)
		if (cache[i].until_us > now && memcmp(cache[i].digest, d, 32) == 0)
			return true;
	return false;
}

static void remember(const unsigned char d[32])
{
	cached *c = &cache[cache_next++ % CACHE_SIZE];
	memcpy(c->digest, d, 32);
	c->until_us = wk_now_us() + CACHE_TTL_US;
}

static int refuse(wk_req *r)
{
	wk_resp_error(r, 401, 1);
	r->err_hresult = 0x8007052eu; /* ERROR_LOGON_FAILURE */
	return WK_FINISHED;
}

static int authenticate(wk_req *r)
{
	const wk_urlcfg *cfg = r->cfg;
	size_t n;
	const char *v = cfg->basic_enabled ? wk_req_header(r, "Authorization", &n) : NULL;
	if (!v || n < 5 || !ah_strncaseeq(v, "Basic", 5))
		return WK_CONTINUE;
	char *user, *password;
	if (!wk_basic_credentials(v, n, r->arena, &user, &password))
		return refuse(r);
	const char *bs = strrchr(user, '\\');
	const char *account = bs ? bs + 1 : user;
	if (!*account)
		return refuse(r);
	unsigned char d[32];
	digest_of(d, account, password);
	if (!cached_ok(d)) {
		char rhost[64];
		wk_addr_format(rhost, sizeof(rhost), &r->peer);
		char *colon = strrchr(rhost, ':');
		if (colon)
			*colon = '\0';
		int rc = wk_pam_check(account, password, rhost);
		if (rc < 0 && rc != AH_EINVALID)
			return rc; /* not checked (no memory, no logon broker): 500 */
		if (rc < 0)
			return refuse(r);
		remember(d);
	}
	r->logon_method = "Basic";
	r->user = user;
	if (!bs && cfg->basic_domain[0])
		r->user = ah_arena_printf(r->arena, "%s\\%s", cfg->basic_domain, user);
	return r->user ? WK_CONTINUE : AH_ENOMEM;
}

/* The challenge on every 401 of a URL where basic authentication is on. */
static int send_response(wk_req *r)
{
	if (r->status != 401 || !r->cfg || !r->cfg->basic_enabled)
		return WK_CONTINUE;
	const char *realm = r->cfg->basic_realm;
	if (!realm[0])
		realm = r->host && r->host[0] ? r->host : "localhost";
	ah_buf v = AH_BUF_INIT;
	ah_buf_puts(&v, "Basic realm=\"");
	for (const char *p = realm; *p; p++)
		if (*p != '"' && *p != '\\')
			ah_buf_putc(&v, *p);
	ah_buf_putc(&v, '"');
	wk_resp_header(r, "WWW-Authenticate", ah_buf_cstr(&v));
	ah_buf_free(&v);
	return WK_CONTINUE;
}

const wk_module wk_mod_basic_authentication = {
    .name = "BasicAuthenticationModule",
    .hooks = {[WK_STAGE_AUTHENTICATE] = authenticate, [WK_STAGE_SEND_RESPONSE] = send_response},
};
