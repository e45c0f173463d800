/* String helpers shared by every component (ASCII case rules, as IIS uses). */
#ifndef AH_UTIL_STR_H
#define AH_UTIL_STR_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

bool ah_streq(const char *a, const char *b);
bool ah_strcaseeq(const char *a, const char *b);
bool ah_strncaseeq(const char *a, const char *b, size_t n);
bool ah_startswith_ci(const char *s, const char *prefix);
/* FNV-1a hash of s, folded to lower case when ci. */
uint32_t ah_strhash(const char *s, bool ci);
/* Parse an unsigned/signed decimal number occupying the whole string. */
bool ah_parse_u64(const char *s, uint64_t *out);
bool ah_parse_i64(const char *s, int64_t *out);

/* The value of a hexadecimal digit, or -1. */
int ah_hexval(int c);
/* The value of a base64 digit (RFC 4648 alphabet, no padding), or -1. */
int ah_b64val(int c);

#endif
