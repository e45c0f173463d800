/*
 * Internals of encrypted attribute values (crypt.c): the constants of the
 * payload format and the strict base64 codec it is written with. The format
 * itself is specified at the top of crypt.c; the public API is
 * include/apphost/crypt.h.
 */
#ifndef AH_LIB_CRYPT_H
#define AH_LIB_CRYPT_H

#include <stddef.h>

#define AH__CRYPT_KEY_LEN 32   /* AES-256 */
#define AH__CRYPT_NONCE_LEN 12 /* GCM nonce */
#define AH__CRYPT_TAG_LEN 16   /* GCM tag */
#define AH__CRYPT_MAGIC "AHEN" /* first 4 bytes of every payload blob */
#define AH__CRYPT_MAGIC_LEN 4
#define AH__CRYPT_VERSION 1 /* the byte after the magic */
#define AH__CRYPT_HDR_LEN (AH__CRYPT_MAGIC_LEN + 1)
/* Smallest blob: header, nonce and tag around an empty ciphertext. */
#define AH__CRYPT_MIN_BLOB (AH__CRYPT_HDR_LEN + AH__CRYPT_NONCE_LEN + AH__CRYPT_TAG_LEN)
/* Largest plaintext accepted (attribute values are short). */
#define AH__CRYPT_MAX_TEXT (1u << 20)
/* Group whose members may read the key iisConfigurationKey. */
#define AH__CRYPT_IUSRS_GROUP "iis_iusrs"

/* RFC 4648 base64 with the standard alphabet and '=' padding. *out is a
 * NUL-terminated heap string (ah_free). Returns 0 or AH_ENOMEM. */
int ah__b64_encode(char **out, const unsigned char *p, size_t n);

/* Strict decoding of len bytes of s: length a multiple of 4, alphabet only,
 * at most two '=' and only at the end, unused bits zero. *out is a heap
 * buffer (ah_free; a 1-byte buffer for an empty input). Returns 0,
 * AH_EINVALID (not such base64; no thread error is set) or AH_ENOMEM. */
int ah__b64_decode(unsigned char **out, size_t *n, const char *s, size_t len);

#endif
