/*
 * The SID of an application pool's virtual account (include/apphost/sid.h).
 *
 *   sid  = "S-1-5-82-" n0 "-" n1 "-" n2 "-" n3 "-" n4
 *   n(i) = the little-endian uint32 at byte 4*i of
 *          SHA-1(UTF-16LE(lower(name)))              (20 bytes, 5 numbers)
 *
 * Checked against SIDs seen on Windows: "DefaultAppPool" and "web"
 * (spec/appcmd-and-app-pools.md §4.6; tests/unit/test_sid.c).
 *
 * lower() maps one UTF-16 code unit to one, as Windows' case tables do. The
 * table here is small on purpose, and deterministic (no locale): ASCII,
 * Latin-1 (C0-DE but D7), Latin Extended-A (0100-017F, where upper and lower
 * case letters alternate; U+0130 gives 'i', U+0178 gives U+00FF), Greek
 * (0386-03AB) and Cyrillic (0400-042F) capitals, and the fullwidth Latin
 * capitals FF21-FF3A. Every other character, those above the BMP included
 * (written as surrogate pairs), is kept as it is. Pool names outside these
 * ranges may get a SID other than the one Windows gives them; no Windows
 * SID of such a name has been checked.
 */
#include "apphost/sid.h"

#include "util/alloc.h"

#include <openssl/evp.h>

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

/* The Latin Extended-A ranges whose capitals are the even code points (the
 * others have them odd): 0100-012F, 0132-0137, 014A-0177. */
static bool even_capitals(uint32_t c)
{
	return (c >= 0x100 && c <= 0x12F) || (c >= 0x132 && c <= 0x137) ||
	       (c >= 0x14A && c <= 0x177);
}

static uint32_t lower(uint32_t c)
{
	if (c < 0x80)
		return c >= 'A' && c <= 'Z' ? c + 32 : c;
	if (c >= 0xC0 && c <= 0xDE && c != 0xD7)
		return c + 32;
	if (c >= 0x100 && c <= 0x17F) {
		if (c == 0x130)
			return 'i';
		if (c == 0x178)
			return 0xFF;
		if (even_capitals(c))
			return c % 2 ? c : c + 1;
		if ((c >= 0x139 && c <= 0x148) || (c >= 0x179 && c <= 0x17E))
			return c % 2 ? c + 1 : c;
		return c;
	}
	if (c == 0x386)
		return 0x3AC;
	if (c >= 0x388 && c <= 0x38A)
		return c + 37;
	if (c == 0x38C)
		return 0x3CC;
	if (c == 0x38E || c == 0x38F)
		return c + 63;
	if (c >= 0x391 && c <= 0x3AB && c != 0x3A2)
		return c + 32;
	if (c >= 0x400 && c <= 0x40F)
		return c + 80;
	if (c >= 0x410 && c <= 0x42F)
		return c + 32;
	if (c >= 0xFF21 && c <= 0xFF3A)
		return c + 32;
	return c;
}

/* One code point of the UTF-8 text at *p, moving *p past it; -1 for a
 * malformed sequence (overlong forms, surrogates and values above U+10FFFF
 * included). */
static int32_t next_code_point(const unsigned char **p)
{
	const unsigned char *s = *p;
	uint32_t c = s[0];
	size_t n; /* continuation bytes */
	if (c < 0x80)
		n = 0;
	else if (c >= 0xC2 && c < 0xE0)
		n = 1;
	else if (c >= 0xE0 && c < 0xF0)
		n = 2;
	else if (c >= 0xF0 && c < 0xF5)
		n = 3;
	else
		return -1;
	static const uint32_t min[] = {0, 0x80, 0x800, 0x10000};
	c &= n ? 0x3Fu >> n : 0x7F;
	for (size_t i = 1; i <= n; i++) {
		if ((s[i] & 0xC0) != 0x80)
			return -1;
		c = c << 6 | (s[i] & 0x3Fu);
	}
	if (c < min[n] || c > 0x10FFFF || (c >= 0xD800 && c <= 0xDFFF))
		return -1;
	*p = s + n + 1;
	return (int32_t)c;
}

static unsigned char *put_unit(unsigned char *o, uint32_t u)
{
	*o++ = (unsigned char)(u & 0xFF);
	*o++ = (unsigned char)(u >> 8);
	return o;
}

int ah_apppool_sid(char out[AH_SID_MAX], const char *name)
{
	out[0] = '\0';
	if (!name || !*name)
		return ah_error_set(AH_EINVALID, AH_HR_INVALID_ARG, NULL, 0,
		                    "An application pool name is required.");
	size_t len = strlen(name);
	/* UTF-16 never takes more bytes than UTF-8 for a character, but one
	 * byte (ASCII) becomes two */
	unsigned char *u16 = ah_malloc(2 * len), *o = u16;
	if (!u16)
		return AH_ENOMEM;
	const unsigned char *p = (const unsigned char *)name;
	while (*p) {
		int32_t c = next_code_point(&p);
		if (c < 0) {
			ah_free(u16);
			return ah_error_set(AH_EINVALID, AH_HR_INVALID_DATA, NULL, 0,
			                    "The application pool name is not valid UTF-8.");
		}
		uint32_t l = lower((uint32_t)c);
		if (l >= 0x10000) {
			o = put_unit(o, 0xD800 | ((l - 0x10000) >> 10));
			o = put_unit(o, 0xDC00 | ((l - 0x10000) & 0x3FF));
		} else {
			o = put_unit(o, l);
		}
	}
	unsigned char md[EVP_MAX_MD_SIZE];
	unsigned int mdlen = 0;
	int ok = EVP_Digest(u16, (size_t)(o - u16), md, &mdlen, EVP_sha1(), NULL);
	ah_free(u16);
	if (!ok || mdlen != 20)
		return ah_error_set(AH_ERROR, 0, NULL, 0, "SHA-1 is not available.");
	uint32_t n[5];
	for (int i = 0; i < 5; i++)
		n[i] = (uint32_t)md[4 * i] | (uint32_t)md[4 * i + 1] << 8 |
		       (uint32_t)md[4 * i + 2] << 16 | (uint32_t)md[4 * i + 3] << 24;
	snprintf(out, AH_SID_MAX, "S-1-5-82-%lu-%lu-%lu-%lu-%lu", (unsigned long)n[0],
	         (unsigned long)n[1], (unsigned long)n[2], (unsigned long)n[3],
	         (unsigned long)n[4]);
	return 0;
}
