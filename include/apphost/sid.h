/*
 * apphost — the security identifier (SID) of an application pool.
 *
 * Every IIS application pool has a virtual account, IIS APPPOOL\<name>,
 * whose SID is derived from the pool name alone, so it is the same on every
 * machine:
 *
 *     S-1-5-82-a-b-c-d-e
 *
 * where a..e are the 20 bytes of SHA-1(lower-case(name) as UTF-16LE, no
 * terminator) read as five little-endian 32-bit numbers, in decimal
 * (DefaultAppPool: S-1-5-82-3006700770-424185619-1745488364-794895919-4004696415).
 * IIS shows it as the pool's applicationPoolSid; apphost shows it in
 * `appcmd list apppool /text:*` (docs/appcmd/list.md).
 */
#ifndef APPHOST_SID_H
#define APPHOST_SID_H

#include "apphost/errors.h"

#include <stddef.h>

/* The longest SID string with its NUL: "S-1-5-82-" and five numbers of at
 * most 10 digits joined by '-'. */
#define AH_SID_MAX 64

/* Write the SID of the pool named `name` (UTF-8) to out, NUL-terminated.
 * The name is lower-cased first, as Windows does, with simple one-to-one
 * mappings: ASCII, Latin-1, Latin Extended-A, basic Greek and Cyrillic, and
 * fullwidth Latin letters; other characters are kept as they are.
 * Errors: AH_EINVALID (name NULL or empty, or not valid UTF-8), AH_ENOMEM,
 * AH_ERROR (the SHA-1 could not be computed). out is "" on error. */
int ah_apppool_sid(char out[AH_SID_MAX], const char *name);

#endif
