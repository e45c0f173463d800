/*
 * apphost — encrypted attribute values.
 *
 * Attributes that the schema declares encrypted="true" (pool passwords,
 * virtual directory and anonymous user passwords...) are stored in the
 * configuration files as
 *
 *     [enc:<ProviderName>:<payload>:enc]
 *
 * as IIS stores them. The provider is one of the <configProtectedData>
 * providers of the store; its keyContainerName picks the key file
 * <config_dir>/keys/<keyContainerName>.key. apphost encrypts with AES-256-GCM
 * and writes a payload of its own format (docs/encryption.md); values
 * encrypted by Windows can be recognised but not decrypted.
 *
 * When the store declares no provider at all, the two standard providers are
 * used: AesProvider (key iisConfigurationKey) and IISWASOnlyAesProvider (key
 * iisWasKey).
 *
 * Plaintexts are secrets: free them with ah_crypt_free(), which wipes them.
 */
#ifndef APPHOST_CRYPT_H
#define APPHOST_CRYPT_H

#include "apphost/config.h"
#include "apphost/errors.h"

#include <stdbool.h>

/* True when value has the form [enc:<provider>:<payload>:enc] (the payload
 * may be empty). value may be NULL (false). */
bool ah_crypt_is_encrypted(const char *value);

/* The provider name of an encrypted value, e.g. "AesProvider" for
 * "[enc:AesProvider::enc]". Caller frees with ah_free. Errors: AH_EINVALID
 * (value is not in the encrypted form), AH_ENOMEM. */
int ah_crypt_provider(char **out, const char *value);

/* Encrypt plaintext for provider (looked up case-insensitively, written with
 * the spelling of its declaration): *out is "[enc:<provider>:<payload>:enc]".
 * The provider's key is created when it does not exist yet. An empty plaintext
 * gives an empty payload ("[enc:AesProvider::enc]", the schema's default) and
 * needs no key. Caller frees *out with ah_free.
 * Errors: AH_ENOTFOUND (unknown provider: "The protection provider 'X' was not
 * found."), AH_ECONFIG (the provider has no usable keyContainerName, a damaged
 * key file, or the store's configuration error), AH_EIO (the key can't be
 * read or created), AH_EINVALID (bad argument), AH_ENOMEM, AH_ERROR (libcrypto
 * failure). */
int ah_crypt_encrypt(char **out, ah_config *cfg, const char *provider, const char *plaintext);

/* Decrypt value. A value not in the encrypted form is a plain value: *out is a
 * copy of it. An empty payload decrypts to "" whatever the provider (no key
 * and no provider declaration are needed). Caller frees *out with
 * ah_crypt_free. On error *out is NULL: no partial or garbage text is ever
 * returned.
 * Errors: AH_ENOTFOUND (unknown provider, or its key file does not exist),
 * AH_EINVALID (a payload apphost did not write, such as a value encrypted by
 * Windows IIS; an unknown format version; a wrong key or a modified value),
 * AH_EIO (the key can't be read, e.g. permission denied), AH_ECONFIG,
 * AH_ENOMEM, AH_ERROR. */
int ah_crypt_decrypt(char **out, ah_config *cfg, const char *value);

/* Wipe and free a plaintext returned by ah_crypt_decrypt (NULL is fine). */
void ah_crypt_free(char *plaintext);

/* The keyContainerName of provider in this store (case-insensitive lookup,
 * the standard providers when none is declared). Caller frees with ah_free.
 * Errors: AH_ENOTFOUND (unknown provider), AH_ECONFIG (no usable
 * keyContainerName), AH_ENOMEM. */
int ah_crypt_key_container(char **out, ah_config *cfg, const char *provider);

/* The key file of key container key_container: <config_dir>/keys/<name>.key.
 * The file may not exist. Caller frees with ah_free. Errors: AH_EINVALID (a
 * name that is not a plain file name: empty, ".", "..", "/" or "\", control
 * characters, longer than 200 bytes), AH_ENOMEM. */
int ah_crypt_key_path(char **out, ah_config *cfg, const char *key_container);

#endif
