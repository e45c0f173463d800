/*
 * Encrypted attribute values (include/apphost/crypt.h): the providers of
 * <configProtectedData>, their key files, and the AES-256-GCM payload that
 * apphost writes between "[enc:<provider>:" and ":enc]".
 *
 * Format (version 1)
 * ------------------
 *
 *   value    = "[enc:" provider ":" payload ":enc]"
 *   payload  = "" | base64(blob)         RFC 4648, standard alphabet, padded,
 *                                         no white space
 *   blob     = magic version nonce ciphertext tag
 *     magic      4 bytes  "AHEN"
 *     version    1 byte   0x01
 *     nonce     12 bytes  random (RAND_bytes), the GCM IV
 *     ciphertext n bytes  AES-256-GCM of the UTF-8 plaintext (no NUL), n >= 0
 *     tag       16 bytes  the GCM tag
 *   AAD      = magic version lower(provider)
 *
 * lower() folds ASCII letters only. Binding the provider name means that a
 * value cannot be moved to another provider sharing the same key (for example
 * IISWASOnlyRsaProvider and IISWASOnlyAesProvider, both on iisWasKey); folding
 * it matches the case-insensitive lookup of providers. The header is bound so
 * that a future version cannot be confused with this one.
 *
 * An empty payload is the empty string, whatever the provider (IIS's schema
 * defaults are "[enc:AesProvider::enc]"); encrypting "" writes it.
 *
 * A payload that decodes but does not start with the magic was written by
 * someone else: in practice Windows IIS, whose keys are RSA key containers of
 * the machine that wrote the file. Such values are reported, never decrypted.
 *
 * Providers and keys
 * ------------------
 *
 * The provider of a value is looked up (case-insensitively) in the effective
 * <configProtectedData><providers> of MACHINE/WEBROOT/APPHOST. Every provider
 * is implemented by the format above, whatever its type; its keyContainerName
 * names the key. When the store declares no provider (the section is not
 * registered, its schema is not loaded, or its list is empty), the standard
 * pair is used: AesProvider -> iisConfigurationKey, IISWASOnlyAesProvider ->
 * iisWasKey. The section is read through the store's cache
 * (ah_config_lookup), like every other reader of the configuration.
 *
 * A key is the file <config_dir>/keys/<keyContainerName>.key holding exactly
 * 32 random bytes. Encryption creates a missing key: RAND_bytes into a temp
 * file created with O_CREAT|O_EXCL (mkostemp) and mode 0600, or 0640 with
 * group iis_iusrs for iisConfigurationKey when that group exists; fsync; then
 * link(2) to the final name, which fails rather than replace a key that
 * another process created meanwhile (that key is then used); then the folder
 * is fsynced. The keys folder is created 0711: a key is opened by its name,
 * the folder cannot be listed. Keys are never overwritten. Decryption never
 * creates a key.
 * Symbolic links are not followed. Key bytes and plaintexts are wiped with
 * OPENSSL_cleanse as soon as they are no longer needed and never logged.
 */
#include "crypt.h"

#include "apphost/crypt.h"
#include "apphost/entry.h"
#include "util/alloc.h"
#include "util/buf.h"
#include "util/str.h"

#include <openssl/crypto.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/rand.h>

#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <unistd.h>

#define ENC_PREFIX "[enc:"
#define ENC_SUFFIX ":enc]"
#define ENC_AFFIX_LEN 5
#define KEY_NAME_MAX 200
#define APPHOST_PATH "MACHINE/WEBROOT/APPHOST"
#define IIS_CONFIG_KEY "iisConfigurationKey"

/* ---- base64 ------------------------------------------------------------- */

static const char b64_alphabet[] =
    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

int ah__b64_encode(char **out, const unsigned char *p, size_t n)
{
	*out = NULL;
	if (n > (SIZE_MAX - 1) / 4 * 3 - 3)
		return AH_ENOMEM;
	char *s = ah_malloc((n + 2) / 3 * 4 + 1);
	if (!s)
		return AH_ENOMEM;
	size_t o = 0;
	for (size_t i = 0; i < n; i += 3) {
		uint32_t v = (uint32_t)p[i] << 16;
		if (i + 1 < n)
			v |= (uint32_t)p[i + 1] << 8;
		if (i + 2 < n)
			v |= p[i + 2];
		s[o++] = b64_alphabet[(v >> 18) & 63];
		s[o++] = b64_alphabet[(v >> 12) & 63];
		s[o++] = i + 1 < n ? b64_alphabet[(v >> 6) & 63] : '=';
		s[o++] = i + 2 < n ? b64_alphabet[v & 63] : '=';
	}
	s[o] = '\0';
	*out = s;
	return 0;
}

int ah__b64_decode(unsigned char **out, size_t *n, const char *s, size_t len)
{
	*out = NULL;
	*n = 0;
	if (len % 4 != 0)
		return AH_EINVALID;
	size_t pad = 0;
	if (len > 0 && s[len - 1] == '=')
		pad = len > 1 && s[len - 2] == '=' ? 2 : 1;
	unsigned char *p = ah_malloc(len / 4 * 3 + 1);
	if (!p)
		return AH_ENOMEM;
	size_t o = 0;
	for (size_t i = 0; i < len; i += 4) {
		bool last = i + 4 == len;
		size_t ndig = last ? 4 - pad : 4;
		uint32_t v = 0;
		for (size_t k = 0; k < 4; k++) {
			int d = k < ndig ? ah_b64val(s[i + k]) : 0;
			if (d < 0) {
				ah_free(p);
				return AH_EINVALID;
			}
			v = v << 6 | (uint32_t)d;
		}
		/* the bits a padded group does not use must be zero */
		if ((pad == 1 && last && (v & 0xff)) || (pad == 2 && last && (v & 0xffff))) {
			ah_free(p);
			return AH_EINVALID;
		}
		p[o++] = (unsigned char)(v >> 16);
		if (ndig > 2)
			p[o++] = (unsigned char)(v >> 8);
		if (ndig > 3)
			p[o++] = (unsigned char)v;
	}
	*out = p;
	*n = o;
	return 0;
}

/* ---- the value form ------------------------------------------------------ */

typedef struct enc_parts {
	const char *provider;
	size_t provider_len;
	const char *payload;
	size_t payload_len;
} enc_parts;

static bool parse_value(const char *v, enc_parts *p)
{
	if (!v)
		return false;
	size_t len = strlen(v);
	if (len < 2 * ENC_AFFIX_LEN || memcmp(v, ENC_PREFIX, ENC_AFFIX_LEN) != 0 ||
	    memcmp(v + len - ENC_AFFIX_LEN, ENC_SUFFIX, ENC_AFFIX_LEN) != 0)
		return false;
	const char *mid = v + ENC_AFFIX_LEN;
	size_t mlen = len - 2 * ENC_AFFIX_LEN;
	const char *colon = memchr(mid, ':', mlen);
	if (!colon || colon == mid)
		return false;
	p->provider = mid;
	p->provider_len = (size_t)(colon - mid);
	p->payload = colon + 1;
	p->payload_len = mlen - p->provider_len - 1;
	return true;
}

bool ah_crypt_is_encrypted(const char *value)
{
	enc_parts p;
	return parse_value(value, &p);
}

int ah_crypt_provider(char **out, const char *value)
{
	if (!out)
		return ah_error_set(AH_EINVALID, AH_HR_INVALID_ARG, NULL, 0,
		                    "ah_crypt_provider: no output given");
	*out = NULL;
	enc_parts p;
	if (!parse_value(value, &p))
		return ah_error_set(AH_EINVALID, AH_HR_INVALID_ARG, NULL, 0,
		                    "The value is not an encrypted value ([enc:provider:...:enc])");
	*out = ah_strndup(p.provider, p.provider_len);
	return *out ? 0 : AH_ENOMEM;
}

void ah_crypt_free(char *plaintext)
{
	if (!plaintext)
		return;
	OPENSSL_cleanse(plaintext, strlen(plaintext));
	ah_free(plaintext);
}

/* ---- providers ----------------------------------------------------------- */

typedef struct provider {
	char *name;      /* the declared spelling */
	char *container; /* keyContainerName */
} provider;

static const struct {
	const char *name;
	const char *container;
} std_providers[] = {
    {"AesProvider", IIS_CONFIG_KEY},
    {"IISWASOnlyAesProvider", "iisWasKey"},
};

static void provider_free(provider *p)
{
	ah_free(p->name);
	ah_free(p->container);
	p->name = p->container = NULL;
}

static int provider_not_found(const char *name)
{
	return ah_error_set(AH_ENOTFOUND, AH_HR_NOT_FOUND, NULL, 0,
	                    "The protection provider '%s' was not found.", name);
}

static int provider_set(provider *p, const char *name, const char *container)
{
	p->name = ah_strdup(name);
	p->container = ah_strdup(container);
	if (!p->name || !p->container) {
		provider_free(p);
		return AH_ENOMEM;
	}
	return 0;
}

static int std_provider(provider *p, const char *name)
{
	for (size_t i = 0; i < sizeof(std_providers) / sizeof(std_providers[0]); i++)
		if (ah_strcaseeq(name, std_providers[i].name))
			return provider_set(p, std_providers[i].name, std_providers[i].container);
	return provider_not_found(name);
}

static bool key_name_ok(const char *name)
{
	size_t n = strlen(name);
	if (n == 0 || n > KEY_NAME_MAX || name[0] == '.')
		return false;
	for (const unsigned char *c = (const unsigned char *)name; *c; c++)
		if (*c < 0x20 || *c == 0x7f || *c == '/' || *c == '\\')
			return false;
	return true;
}

/* Look provider `name` up in the store; the standard pair when none is declared. */
static int find_provider(provider *p, ah_config *cfg, const char *name)
{
	p->name = p->container = NULL;
	bool had_error = ah_error_last() != NULL;
	const ah_section *s = NULL;
	if (!ah_config_has_schema(cfg, "configProtectedData"))
		return std_provider(p, name);
	int rc = ah_config_lookup(&s, cfg, "configProtectedData", APPHOST_PATH);
	if (rc == AH_ENOTFOUND) {
		if (!had_error)
			ah_error_clear();
		return std_provider(p, name);
	}
	if (rc < 0)
		return rc;
	const ah_elem *list = ah_elem_child(ah_section_root(s), "providers");
	if (!list || ah_elem_item_count(list) == 0)
		return std_provider(p, name);
	const ah_elem *item = ah_elem_find_item(list, "name", name);
	if (!item)
		return provider_not_found(name);
	const char *decl = ah_elem_get(item, "name");
	const char *container = ah_elem_get(item, "keyContainerName");
	if (strchr(decl, ':') || !*decl) {
		rc = ah_error_set(AH_ECONFIG, AH_HR_INVALID_DATA, NULL, 0,
		                  "The protection provider name '%s' cannot be used in an "
		                  "encrypted value",
		                  decl);
	} else if (!*container) {
		rc = ah_error_set(AH_ECONFIG, AH_HR_INVALID_DATA, NULL, 0,
		                  "The protection provider '%s' has no keyContainerName", decl);
	} else if (!key_name_ok(container)) {
		rc = ah_error_set(AH_ECONFIG, AH_HR_INVALID_DATA, NULL, 0,
		                  "The keyContainerName '%s' of the protection provider '%s' is "
		                  "not a valid key name",
		                  container, decl);
	} else {
		rc = provider_set(p, decl, container);
	}
	return rc;
}

int ah_crypt_key_container(char **out, ah_config *cfg, const char *provider_name)
{
	if (!out || !cfg || !provider_name)
		return ah_error_set(AH_EINVALID, AH_HR_INVALID_ARG, NULL, 0,
		                    "ah_crypt_key_container: missing argument");
	*out = NULL;
	provider p;
	int rc = find_provider(&p, cfg, provider_name);
	if (rc < 0)
		return rc;
	*out = p.container;
	p.container = NULL;
	provider_free(&p);
	return 0;
}

int ah_crypt_key_path(char **out, ah_config *cfg, const char *key_container)
{
	if (!out || !cfg || !key_container)
		return ah_error_set(AH_EINVALID, AH_HR_INVALID_ARG, NULL, 0,
		                    "ah_crypt_key_path: missing argument");
	*out = NULL;
	if (!key_name_ok(key_container))
		return ah_error_set(AH_EINVALID, AH_HR_INVALID_ARG, NULL, 0,
		                    "'%s' is not a valid key name", key_container);
	ah_buf b = AH_BUF_INIT;
	ah_buf_printf(&b, "%s/keys/%s.key", ah_config_dir(cfg), key_container);
	if (ah_buf_oom(&b)) {
		ah_buf_free(&b);
		return AH_ENOMEM;
	}
	*out = ah_buf_detach(&b);
	return 0;
}

/* ---- key files ----------------------------------------------------------- */

static const char *errtext(int e, char *buf, size_t n)
{
	/* the GNU strerror_r (_GNU_SOURCE) */
	return strerror_r(e, buf, n);
}

/* Read exactly n bytes; 0, or -1 with errno (0 at end of file). */
static int read_all(int fd, unsigned char *p, size_t n)
{
	while (n > 0) {
		ssize_t r = read(fd, p, n);
		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0) {
			if (r == 0)
				errno = 0;
			return -1;
		}
		p += r;
		n -= (size_t)r;
	}
	return 0;
}

static int write_all(int fd, const unsigned char *p, size_t n)
{
	while (n > 0) {
		ssize_t r = write(fd, p, n);
		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0)
			return -1;
		p += r;
		n -= (size_t)r;
	}
	return 0;
}

/* Read key `name` from path. Returns 0, 1 when the file does not exist and
 * missing_ok (no error set), or a negative code. */
static int key_read(unsigned char key[AH__CRYPT_KEY_LEN], const char *name, const char *path,
                    bool missing_ok)
{
	char eb[128];
	int fd = open(path, O_RDONLY | O_NOFOLLOW | O_NOCTTY | O_CLOEXEC);
	if (fd < 0) {
		int e = errno;
		if (e == ENOENT && missing_ok)
			return 1;
		if (e == ENOENT)
			return ah_error_set(AH_ENOTFOUND, AH_HR_FILE_NOT_FOUND, NULL, 0,
			                    "The key '%s' does not exist (%s)", name, path);
		if (e == EACCES || e == EPERM)
			return ah_error_set(AH_EIO, AH_HR_ACCESS_DENIED, NULL, 0,
			                    "Cannot read the key '%s': permission denied (%s)",
			                    name, path);
		if (e == ELOOP)
			return ah_error_set(AH_EIO, AH_HR_ACCESS_DENIED, NULL, 0,
			                    "Cannot read the key '%s': %s is a symbolic link", name,
			                    path);
		return ah_error_set(AH_EIO, 0, NULL, 0, "Cannot read the key '%s' (%s): %s", name,
		                    path, errtext(e, eb, sizeof(eb)));
	}
	struct stat st;
	int rc = 0;
	if (fstat(fd, &st) < 0) {
		rc = ah_error_set(AH_EIO, 0, NULL, 0, "Cannot read the key '%s' (%s): %s", name,
		                  path, errtext(errno, eb, sizeof(eb)));
	} else if (!S_ISREG(st.st_mode)) {
		rc = ah_error_set(AH_ECONFIG, AH_HR_INVALID_DATA, NULL, 0,
		                  "The key '%s' is damaged: %s is not a regular file", name, path);
	} else if (st.st_size != AH__CRYPT_KEY_LEN) {
		rc = ah_error_set(AH_ECONFIG, AH_HR_INVALID_DATA, NULL, 0,
		                  "The key '%s' is damaged: %s holds %lld bytes instead of %d",
		                  name, path, (long long)st.st_size, AH__CRYPT_KEY_LEN);
	} else if (read_all(fd, key, AH__CRYPT_KEY_LEN) < 0) {
		int e = errno;
		rc = e ? ah_error_set(AH_EIO, 0, NULL, 0, "Cannot read the key '%s' (%s): %s", name,
		                      path, errtext(e, eb, sizeof(eb)))
		       : ah_error_set(AH_ECONFIG, AH_HR_INVALID_DATA, NULL, 0,
		                      "The key '%s' is damaged: %s is too short", name, path);
	}
	close(fd);
	if (rc < 0)
		OPENSSL_cleanse(key, AH__CRYPT_KEY_LEN);
	return rc;
}

static void fsync_dir(const char *dir)
{
	int fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd < 0)
		return;
	(void)fsync(fd);
	close(fd);
}

/* The gid of group name; false when there is no such group. */
static bool group_gid(const char *name, gid_t *gid)
{
	size_t n = 4096;
	for (;;) {
		char *buf = ah_malloc(n);
		if (!buf)
			return false;
		struct group gr, *res = NULL;
		int e = getgrnam_r(name, &gr, buf, n, &res);
		if (e == 0 && res)
			*gid = gr.gr_gid;
		ah_free(buf);
		if (e == ERANGE && n < (1u << 20)) {
			n *= 2;
			continue;
		}
		return e == 0 && res;
	}
}

/* Mode 0600, or 0640 with group iis_iusrs for iisConfigurationKey when that
 * group exists and the file can be given to it. */
static int key_set_mode(int fd, const char *name)
{
	gid_t gid = 0;
	if (ah_strcaseeq(name, IIS_CONFIG_KEY) && group_gid(AH__CRYPT_IUSRS_GROUP, &gid) &&
	    fchown(fd, (uid_t)-1, gid) == 0)
		return fchmod(fd, 0640);
	return fchmod(fd, 0600);
}

typedef struct key_files {
	char *dir; /* <config_dir>/keys */
	char *tmp; /* the temp file, while it exists */
} key_files;

static int key_write_tmp(key_files *kf, unsigned char key[AH__CRYPT_KEY_LEN], const char *name)
{
	char eb[128];
	int fd = mkostemp(kf->tmp, O_CLOEXEC);
	if (fd < 0) {
		int e = errno;
		ah_free(kf->tmp);
		kf->tmp = NULL;
		return ah_error_set(AH_EIO, e == EACCES ? AH_HR_ACCESS_DENIED : 0, NULL, 0,
		                    "Cannot create the key '%s' in %s: %s", name, kf->dir,
		                    errtext(e, eb, sizeof(eb)));
	}
	int rc = 0;
	if (RAND_bytes(key, AH__CRYPT_KEY_LEN) != 1) {
		ERR_clear_error();
		rc = ah_error_set(AH_ERROR, 0, NULL, 0,
		                  "Cannot create the key '%s': the random generator failed", name);
	} else if (key_set_mode(fd, name) < 0 || write_all(fd, key, AH__CRYPT_KEY_LEN) < 0 ||
	           fsync(fd) < 0) {
		rc = ah_error_set(AH_EIO, 0, NULL, 0, "Cannot write the key '%s' in %s: %s", name,
		                  kf->dir, errtext(errno, eb, sizeof(eb)));
	}
	if (close(fd) < 0 && rc == 0)
		rc = ah_error_set(AH_EIO, 0, NULL, 0, "Cannot write the key '%s' in %s: %s", name,
		                  kf->dir, errtext(errno, eb, sizeof(eb)));
	return rc;
}

/* Create key `name` at path, or read the one another process created first. */
static int key_create(unsigned char key[AH__CRYPT_KEY_LEN], ah_config *cfg, const char *name,
                      const char *path)
{
	char eb[128];
	key_files kf = {NULL, NULL};
	ah_buf b = AH_BUF_INIT;
	ah_buf_printf(&b, "%s/keys", ah_config_dir(cfg));
	kf.dir = ah_buf_detach(&b);
	ah_buf_printf(&b, "%s/.%s.key.XXXXXX", kf.dir ? kf.dir : "", name);
	kf.tmp = ah_buf_detach(&b);
	int rc = 0;
	if (!kf.dir || !kf.tmp) {
		rc = AH_ENOMEM;
		goto out;
	}
	/* 0711: a worker opens the key its sections need (by name, through
	 * iis_iusrs) but cannot list the folder */
	if (mkdir(kf.dir, 0711) == 0) {
		(void)chmod(kf.dir, 0711); /* whatever the umask */
		fsync_dir(ah_config_dir(cfg));
	} else if (errno != EEXIST) {
		int e = errno;
		rc = ah_error_set(AH_EIO, e == EACCES ? AH_HR_ACCESS_DENIED : 0, NULL, 0,
		                  "Cannot create the key folder %s: %s", kf.dir,
		                  errtext(e, eb, sizeof(eb)));
		goto out;
	}
	if ((rc = key_write_tmp(&kf, key, name)) < 0)
		goto out;
	if (link(kf.tmp, path) == 0) {
		fsync_dir(kf.dir);
	} else if (errno == EEXIST) {
		/* another process created the key first: use it */
		OPENSSL_cleanse(key, AH__CRYPT_KEY_LEN);
		rc = key_read(key, name, path, false);
	} else {
		int e = errno;
		rc = ah_error_set(AH_EIO, e == EACCES ? AH_HR_ACCESS_DENIED : 0, NULL, 0,
		                  "Cannot create the key '%s' (%s): %s", name, path,
		                  errtext(e, eb, sizeof(eb)));
	}
out:
	if (kf.tmp) {
		(void)unlink(kf.tmp);
		ah_free(kf.tmp);
	}
	ah_free(kf.dir);
	if (rc < 0)
		OPENSSL_cleanse(key, AH__CRYPT_KEY_LEN);
	return rc;
}

/* The key of container `name`, created when missing and create is true. */
static int key_get(unsigned char key[AH__CRYPT_KEY_LEN], ah_config *cfg, const char *name,
                   bool create)
{
	char *path = NULL;
	int rc = ah_crypt_key_path(&path, cfg, name);
	if (rc < 0)
		return rc;
	rc = key_read(key, name, path, create);
	if (rc == 1)
		rc = key_create(key, cfg, name, path);
	ah_free(path);
	return rc;
}

/* ---- AES-256-GCM --------------------------------------------------------- */

static const unsigned char blob_header[AH__CRYPT_HDR_LEN] = {'A', 'H', 'E', 'N', AH__CRYPT_VERSION};

/* The AAD after the header: the provider name folded to lower case. */
static char *aad_name(const char *provider_name)
{
	char *s = ah_strdup(provider_name);
	if (s)
		for (char *c = s; *c; c++)
			if (*c >= 'A' && *c <= 'Z')
				*c = (char)(*c - 'A' + 'a');
	return s;
}

static int crypto_failed(const char *what)
{
	ERR_clear_error();
	return ah_error_set(AH_ERROR, 0, NULL, 0, "libcrypto: AES-256-GCM %s failed", what);
}

/* Encrypt n bytes of pt into a new blob. */
static int seal(unsigned char **blob, size_t *blen, const unsigned char *key,
                const char *provider_name, const char *pt, size_t n)
{
	*blob = NULL;
	*blen = 0;
	size_t total = AH__CRYPT_MIN_BLOB + n;
	unsigned char *b = ah_malloc(total);
	char *aad = aad_name(provider_name);
	EVP_CIPHER_CTX *ctx = EVP_CIPHER_CTX_new();
	int rc = 0, len = 0;
	if (!b || !aad || !ctx) {
		rc = ctx ? AH_ENOMEM : crypto_failed("setup");
		goto out;
	}
	memcpy(b, blob_header, AH__CRYPT_HDR_LEN);
	unsigned char *nonce = b + AH__CRYPT_HDR_LEN;
	unsigned char *ct = nonce + AH__CRYPT_NONCE_LEN;
	if (RAND_bytes(nonce, AH__CRYPT_NONCE_LEN) != 1) {
		rc = crypto_failed("nonce generation");
		goto out;
	}
	if (EVP_EncryptInit_ex(ctx, EVP_aes_256_gcm(), NULL, NULL, NULL) != 1 ||
	    EVP_CIPHER_CTX_ctrl(ctx, EVP_CTRL_GCM_SET_IVLEN, AH__CRYPT_NONCE_LEN, NULL) != 1 ||
	    EVP_EncryptInit_ex(ctx, NULL, NULL, key, nonce) != 1 ||
	    EVP_EncryptUpdate(ctx, NULL, &len, b, AH__CRYPT_HDR_LEN) != 1 ||
	    EVP_EncryptUpdate(ctx, NULL, &len, (const unsigned char *)aad, (int)strlen(aad)) != 1 ||
	    EVP_EncryptUpdate(ctx, ct, &len, (const unsigned char *)pt, (int)n) != 1 ||
	    (size_t)len != n || EVP_EncryptFinal_ex(ctx, ct + n, &len) != 1 || len != 0 ||
	    EVP_CIPHER_CTX_ctrl(ctx, EVP_CTRL_GCM_GET_TAG, AH__CRYPT_TAG_LEN, ct + n) != 1) {
		rc = crypto_failed("encryption");
		goto out;
	}
	*blob = b;
	*blen = total;
	b = NULL;
out:
	EVP_CIPHER_CTX_free(ctx);
	ah_free(aad);
	ah_free(b);
	return rc;
}

/* Decrypt a blob whose header was checked. *out is a NUL-terminated heap
 * string. Returns 0, 1 when the tag does not match (no error set), or a
 * negative code. */
static int open_blob(char **out, const unsigned char *key, const char *provider_name,
                     const unsigned char *b, size_t blen)
{
	*out = NULL;
	const unsigned char *nonce = b + AH__CRYPT_HDR_LEN;
	const unsigned char *ct = nonce + AH__CRYPT_NONCE_LEN;
	size_t n = blen - AH__CRYPT_MIN_BLOB;
	unsigned char tag[AH__CRYPT_TAG_LEN];
	memcpy(tag, ct + n, AH__CRYPT_TAG_LEN);
	char *pt = ah_malloc(n + 1);
	char *aad = aad_name(provider_name);
	EVP_CIPHER_CTX *ctx = EVP_CIPHER_CTX_new();
	int rc = 0, len = 0, fin = 0;
	if (!pt || !aad || !ctx) {
		rc = ctx ? AH_ENOMEM : crypto_failed("setup");
		goto out;
	}
	if (EVP_DecryptInit_ex(ctx, EVP_aes_256_gcm(), NULL, NULL, NULL) != 1 ||
	    EVP_CIPHER_CTX_ctrl(ctx, EVP_CTRL_GCM_SET_IVLEN, AH__CRYPT_NONCE_LEN, NULL) != 1 ||
	    EVP_DecryptInit_ex(ctx, NULL, NULL, key, nonce) != 1 ||
	    EVP_DecryptUpdate(ctx, NULL, &len, b, AH__CRYPT_HDR_LEN) != 1 ||
	    EVP_DecryptUpdate(ctx, NULL, &len, (const unsigned char *)aad, (int)strlen(aad)) != 1 ||
	    EVP_DecryptUpdate(ctx, (unsigned char *)pt, &len, ct, (int)n) != 1 ||
	    (size_t)len != n ||
	    EVP_CIPHER_CTX_ctrl(ctx, EVP_CTRL_GCM_SET_TAG, AH__CRYPT_TAG_LEN, tag) != 1) {
		rc = crypto_failed("decryption");
		goto out;
	}
	if (EVP_DecryptFinal_ex(ctx, (unsigned char *)pt + n, &fin) != 1 || fin != 0 ||
	    memchr(pt, '\0', n)) {
		/* wrong key or modified value: nothing of pt may leave */
		ERR_clear_error();
		rc = 1;
		goto out;
	}
	pt[n] = '\0';
	*out = pt;
	pt = NULL;
out:
	EVP_CIPHER_CTX_free(ctx);
	ah_free(aad);
	if (pt) {
		OPENSSL_cleanse(pt, n + 1);
		ah_free(pt);
	}
	return rc;
}

/* ---- the public operations ----------------------------------------------- */

int ah_crypt_encrypt(char **out, ah_config *cfg, const char *provider_name, const char *plaintext)
{
	if (!out || !cfg || !provider_name || !plaintext)
		return ah_error_set(AH_EINVALID, AH_HR_INVALID_ARG, NULL, 0,
		                    "ah_crypt_encrypt: missing argument");
	*out = NULL;
	size_t n = strlen(plaintext);
	if (n > AH__CRYPT_MAX_TEXT)
		return ah_error_set(AH_EINVALID, AH_HR_INVALID_ARG, NULL, 0,
		                    "The value is too long to be encrypted (%zu bytes, at most %u)",
		                    n, AH__CRYPT_MAX_TEXT);
	provider p;
	int rc = find_provider(&p, cfg, provider_name);
	if (rc < 0)
		return rc;
	ah_buf b = AH_BUF_INIT;
	char *payload = NULL;
	if (n > 0) {
		unsigned char key[AH__CRYPT_KEY_LEN];
		unsigned char *blob = NULL;
		size_t blen = 0;
		rc = key_get(key, cfg, p.container, true);
		if (rc == 0)
			rc = seal(&blob, &blen, key, p.name, plaintext, n);
		OPENSSL_cleanse(key, sizeof(key));
		if (rc == 0)
			rc = ah__b64_encode(&payload, blob, blen);
		ah_free(blob);
	}
	if (rc == 0) {
		ah_buf_printf(&b, ENC_PREFIX "%s:%s" ENC_SUFFIX, p.name, payload ? payload : "");
		*out = ah_buf_detach(&b);
		if (!*out)
			rc = AH_ENOMEM;
	}
	ah_free(payload);
	provider_free(&p);
	return rc;
}

static int foreign_value(const char *provider_name)
{
	return ah_error_set(AH_EINVALID, AH_HR_INVALID_DATA, NULL, 0,
	                    "The value was encrypted by another machine's key (provider '%s') and "
	                    "cannot be decrypted here; set it again to encrypt it with this "
	                    "machine's key",
	                    provider_name);
}

/* Decrypt the payload of an encrypted value whose provider is p. */
static int decrypt_payload(char **out, ah_config *cfg, const provider *p, const enc_parts *parts)
{
	unsigned char *blob = NULL;
	size_t blen = 0;
	int rc = ah__b64_decode(&blob, &blen, parts->payload, parts->payload_len);
	if (rc == AH_EINVALID)
		return ah_error_set(AH_EINVALID, AH_HR_INVALID_DATA, NULL, 0,
		                    "The encrypted value of provider '%s' is damaged: its payload "
		                    "is not base64",
		                    p->name);
	if (rc < 0)
		return rc;
	if (blen < AH__CRYPT_MIN_BLOB || memcmp(blob, blob_header, AH__CRYPT_MAGIC_LEN) != 0) {
		rc = foreign_value(p->name);
	} else if (blob[AH__CRYPT_MAGIC_LEN] != AH__CRYPT_VERSION) {
		rc = ah_error_set(AH_EINVALID, AH_HR_NOT_SUPPORTED, NULL, 0,
		                  "The encrypted value of provider '%s' has format version %u, "
		                  "which this version of apphost cannot read",
		                  p->name, (unsigned)blob[AH__CRYPT_MAGIC_LEN]);
	} else if (blen - AH__CRYPT_MIN_BLOB > AH__CRYPT_MAX_TEXT) {
		rc = ah_error_set(AH_EINVALID, AH_HR_INVALID_DATA, NULL, 0,
		                  "The encrypted value of provider '%s' is too long", p->name);
	} else {
		unsigned char key[AH__CRYPT_KEY_LEN];
		rc = key_get(key, cfg, p->container, false);
		if (rc == 0)
			rc = open_blob(out, key, p->name, blob, blen);
		OPENSSL_cleanse(key, sizeof(key));
		if (rc == 1)
			rc = ah_error_set(AH_EINVALID, AH_HR_INVALID_DATA, NULL, 0,
			                  "Cannot decrypt the value of provider '%s': the key "
			                  "'%s' does not match it, or the value was modified",
			                  p->name, p->container);
	}
	ah_free(blob);
	return rc;
}

int ah_crypt_decrypt(char **out, ah_config *cfg, const char *value)
{
	if (!out || !cfg || !value)
		return ah_error_set(AH_EINVALID, AH_HR_INVALID_ARG, NULL, 0,
		                    "ah_crypt_decrypt: missing argument");
	*out = NULL;
	enc_parts parts;
	if (!parse_value(value, &parts)) {
		/* a plain value */
		*out = ah_strdup(value);
		return *out ? 0 : AH_ENOMEM;
	}
	if (parts.payload_len == 0) {
		*out = ah_strdup("");
		return *out ? 0 : AH_ENOMEM;
	}
	char *name = ah_strndup(parts.provider, parts.provider_len);
	if (!name)
		return AH_ENOMEM;
	provider p;
	int rc = find_provider(&p, cfg, name);
	ah_free(name);
	if (rc < 0)
		return rc;
	rc = decrypt_payload(out, cfg, &p, &parts);
	provider_free(&p);
	return rc;
}
