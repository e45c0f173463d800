/*
 * The XML scanner: the fast path of the tree builder (xml.h). One pass over
 * the bytes builds the same tree as the expat builder of xml.c, for the
 * documents that configuration files are: UTF-8, no DTD, ASCII names. It
 * answers one of three things (xmlscan.h): a tree; "not well-formed"; or
 * "unsure" for what lies outside the grammar below, which is then expat's to
 * decide. xml.c hands both "not well-formed" and "unsure" to expat, so that
 * every error and its line are expat's; the differential fuzzer
 * (tests/fuzz/fuzz_xml_diff.c) checks that expat never accepts what the
 * scanner calls not well-formed, and that the trees are identical.
 *
 * Grammar (XML 1.0 well-formedness, without DTD; S is #x20 | #x9 | #xD | #xA):
 *
 *   document  ::= bom? xmldecl? misc* element misc*
 *   bom       ::= #xEF #xBB #xBF
 *   xmldecl   ::= '<?xml' S 'version' Eq q'1.0'q (S 'encoding' Eq q'UTF-8'q)?
 *                 (S 'standalone' Eq q('yes' | 'no')q)? S? '?>'
 *                 (q: the same quote, ' or ", on both sides; UTF-8 in any
 *                 case; Eq ::= S? '=' S?)
 *   misc      ::= S | comment | pi
 *   element   ::= '<' name (S attribute)* S? ('/>' | '>' content '</' name S? '>')
 *                 (the end tag's name is the start tag's)
 *   attribute ::= name Eq ('"' ([^<&"] | ref)* '"' | "'" ([^<&'] | ref)* "'")
 *                 (no two attributes of a tag with the same name)
 *   content   ::= (chardata | element | ref | cdata | comment | pi)*
 *   chardata  ::= [^<&]*, not containing ']]>'
 *   ref       ::= '&amp;' | '&lt;' | '&gt;' | '&quot;' | '&apos;'
 *               | '&#' [0-9]+ ';' | '&#x' [0-9a-fA-F]+ ';'
 *                 (a character reference must name a Char)
 *   cdata     ::= '<![CDATA[' (Char* - (Char* ']]>' Char*)) ']]>'
 *   comment   ::= '<!--' ((Char - '-') | ('-' (Char - '-')))* '-->'
 *   pi        ::= '<?' name (S (Char* - (Char* '?>' Char*)))? '?>'
 *                 (name not 'xml' in any case)
 *   name      ::= [A-Za-z_:] [A-Za-z0-9_:.-]*
 *   Char      ::= #x9 | #xA | #xD | [#x20-#xD7FF] | [#xE000-#xFFFD]
 *               | [#x10000-#x10FFFF], in shortest-form UTF-8
 *
 * Unsure (expat decides): a document whose first two bytes hold #x0, #xFE or
 * #xFF (UTF-16, with or without a byte order mark); an XML declaration other
 * than the one above (another version or encoding, odd spacing); '<!' in the
 * prolog other than a comment (a DOCTYPE); a byte above #x7F where a name may
 * start or continue (expat's tables of non-ASCII name characters are its
 * own); documents over 1 GiB (xml.c does not call the scanner for them).
 *
 * The tree: an element's start is the offset of its '<', start_end the offset
 * just past its start tag, end the offset just past its end tag, or start_end
 * for an empty-element tag, which sets empty_tag. line (1-based) counts the
 * LF bytes before start, column (0-based) is the bytes from the last of them
 * (or from the start of the data). has_text says that the element's own
 * character data (references and CDATA sections included, decoded) holds a
 * character other than S. Attribute values are decoded: references replaced,
 * and each literal #x9, #xA, #xD and #xD #xA replaced by one #x20, as XML 1.0
 * normalizes attribute values of undeclared (CDATA) attributes.
 *
 * Speed: byte classes come from one table; plain runs of attribute values,
 * names and indentation are scanned sixteen bytes at a time (SSE2) without a
 * call; element and attribute names are interned (one arena copy of each
 * distinct name, found by a hash of its bytes, compared a word at a time;
 * an attribute's name is first compared with the name of the same attribute
 * of the last tag of that element name);
 * an element, its attribute array and its values are one arena allocation, a
 * value one memcpy unless it holds a reference or white space to normalize;
 * lines are counted with memchr from one element to the next.
 */
#include "xmlscan.h"

#include "apphost/errors.h"

#include <stdint.h>
#include <string.h>

typedef unsigned char uchar;

/* Byte classes (flags of cls[]). */
enum {
	C_NAME = 0x01,  /* ASCII name character: A-Z a-z 0-9 _ : - . */
	C_START = 0x02, /* ASCII name start character: A-Z a-z _ : */
	C_WS = 0x04,    /* S: tab, LF, CR, space */
	C_VAL = 0x08,   /* ends a plain run of an attribute value: any control
			 * byte, '"', '&', '\'', '<', and non-ASCII */
	C_TEXT = 0x10,  /* ends a plain run of character data: C_BAD, '&', '<',
			 * ']', and non-ASCII */
	C_BAD = 0x20,   /* never in a document: controls other than S */
};

#define IS_ALPHA(c) (((c) >= 'A' && (c) <= 'Z') || ((c) >= 'a' && (c) <= 'z'))
#define IS_S(c) ((c) == 0x09 || (c) == 0x0A || (c) == 0x0D || (c) == 0x20)
#define IS_BAD(c) ((c) < 0x20 && !IS_S(c))
#define CLASS(c)                                                                                   \
	((IS_ALPHA(c) || (c) == '_' || (c) == ':' ? C_NAME | C_START : 0) |                        \
	 (((c) >= '0' && (c) <= '9') || (c) == '-' || (c) == '.' ? C_NAME : 0) |                   \
	 (IS_S(c) ? C_WS : 0) |                                                                    \
	 ((c) < 0x20 || (c) == '"' || (c) == '&' || (c) == '\'' || (c) == '<' || (c) >= 0x80       \
		  ? C_VAL                                                                          \
		  : 0) |                                                                           \
	 (IS_BAD(c) || (c) == '&' || (c) == '<' || (c) == ']' || (c) >= 0x80 ? C_TEXT : 0) |       \
	 (IS_BAD(c) ? C_BAD : 0))
#define ROW4(b) CLASS(b), CLASS((b) + 1), CLASS((b) + 2), CLASS((b) + 3)
#define ROW16(b) ROW4(b), ROW4((b) + 4), ROW4((b) + 8), ROW4((b) + 12)

static const uint8_t cls[256] = {
	ROW16(0x00), ROW16(0x10), ROW16(0x20), ROW16(0x30), ROW16(0x40), ROW16(0x50),
	ROW16(0x60), ROW16(0x70), ROW16(0x80), ROW16(0x90), ROW16(0xA0), ROW16(0xB0),
	ROW16(0xC0), ROW16(0xD0), ROW16(0xE0), ROW16(0xF0),
};

/*
 * Runs of plain bytes, sixteen at a time where SSE2 is available (every
 * x86-64): a vector compare marks the bytes that end the run and the lowest
 * mark is the answer. Elsewhere, and within 16 bytes of the end of the data,
 * the same runs are scanned a byte at a time through cls[].
 */
#if defined(__SSE2__)
#include <emmintrin.h>
#define VECTOR 1

static __m128i load16(const uchar *p)
{
	return _mm_loadu_si128((const __m128i *)(const void *)p);
}

static __m128i bytes(char c)
{
	return _mm_set1_epi8(c);
}

/* bytes in [lo, hi] (unsigned), as 0xFF */
static __m128i in_range(__m128i v, uchar lo, uchar hi)
{
	__m128i t = _mm_sub_epi8(v, bytes((char)(lo + 0x80)));
	return _mm_cmplt_epi8(t, bytes((char)(hi - lo + 1 + 0x80)));
}

static size_t lowest(int mask)
{
	return (size_t)__builtin_ctz((unsigned)mask);
}
#else
#define VECTOR 0
#endif

/* The first byte at or after p that ends a plain run of an attribute value
 * (C_VAL), or end. */
static const uchar *value_run(const uchar *p, const uchar *end)
{
#if VECTOR
	while (end - p >= 16) {
		__m128i v = load16(p);
		/* signed: control bytes and bytes above 0x7F are below 0x20 */
		__m128i m = _mm_or_si128(
			_mm_or_si128(_mm_cmplt_epi8(v, bytes(0x20)), _mm_cmpeq_epi8(v, bytes('"'))),
			_mm_or_si128(_mm_cmpeq_epi8(_mm_or_si128(v, bytes(1)), bytes('\'')),
				     _mm_cmpeq_epi8(v, bytes('<')))); /* '&' | 1 is '\'' */
		int bits = _mm_movemask_epi8(m);
		if (bits)
			return p + lowest(bits);
		p += 16;
	}
#endif
	while (p < end && !(cls[*p] & C_VAL))
		p++;
	return p;
}

/* The first byte at or after p that is not an ASCII name character (C_NAME),
 * or end. */
static const uchar *name_run(const uchar *p, const uchar *end)
{
#if VECTOR
	while (end - p >= 16) {
		__m128i v = load16(p);
		__m128i m = _mm_or_si128(
			_mm_or_si128(in_range(_mm_or_si128(v, bytes(0x20)), 'a', 'z'),
				     in_range(v, '0', ':')),
			_mm_or_si128(in_range(v, '-', '.'), _mm_cmpeq_epi8(v, bytes('_'))));
		int bits = ~_mm_movemask_epi8(m) & 0xFFFF;
		if (bits)
			return p + lowest(bits);
		p += 16;
	}
#endif
	while (p < end && (cls[*p] & C_NAME))
		p++;
	return p;
}

/* The first byte at or after p that is not S, or end. */
static const uchar *skip_s(const uchar *p, const uchar *end)
{
	for (;;) {
#if VECTOR
		while (end - p >= 16) {
			__m128i spaces = _mm_cmpeq_epi8(load16(p), bytes(' '));
			int bits = ~_mm_movemask_epi8(spaces) & 0xFFFF;
			if (bits) {
				p += lowest(bits);
				break;
			}
			p += 16;
		}
#endif
		if (p >= end || !(cls[*p] & C_WS))
			return p;
		p++;
	}
}

/* Attribute names remembered per element name (see attr_name). */
#define GUESSES 8

/* An interned name: one arena copy for every use in the document. */
typedef struct iname {
	const char *str; /* NUL-terminated */
	uint32_t len, hash;
	uint32_t stamp; /* serial of the last start tag that had it as an attribute */
	/* as an element name: the names of the first attributes of the last
	 * start tag with this name, in order */
	struct iname *attrs[GUESSES];
} iname;

/* An attribute of the start tag being scanned. */
typedef struct pattr {
	const iname *name;
	const uchar *val; /* the bytes between the quotes */
	size_t len;
	int plain; /* copied as is: no reference, no white space to normalize */
} pattr;

typedef struct scan {
	const uchar *base, *end;
	ah_arena *arena;
	int rc; /* why the scan stopped */
	ah_xnode *root, *cur;
	/* interned names: open addressing, linear probing */
	iname **slots;
	size_t mask, nnames;
	uint32_t serial; /* start tags so far */
	/* the attributes of the start tag being scanned */
	pattr *attrs;
	size_t acap;
	/* the names of the open elements, innermost last */
	const iname **stack;
	size_t depth, scap;
	/* line numbering: LF bytes counted up to lpos */
	const uchar *lpos, *lstart;
	unsigned line;
} scan;

static const uchar *fail(scan *s, int rc)
{
	s->rc = rc;
	return NULL;
}

/* ---- characters ------------------------------------------------------------ */

/* The length of the UTF-8 sequence of one XML Char at p (p[0] > 0x7F) that
 * ends at or before end, or 0: shortest form only, no surrogates, no
 * U+FFFE or U+FFFF, nothing above U+10FFFF. */
static size_t utf8_char(const uchar *p, const uchar *end)
{
	uchar c = p[0];
	size_t avail = (size_t)(end - p);
	if (c < 0xC2)
		return 0;
	if (c < 0xE0)
		return avail >= 2 && (p[1] & 0xC0) == 0x80 ? 2 : 0;
	if (c < 0xF0) {
		if (avail < 3 || (p[1] & 0xC0) != 0x80 || (p[2] & 0xC0) != 0x80)
			return 0;
		if ((c == 0xE0 && p[1] < 0xA0) || (c == 0xED && p[1] > 0x9F) ||
		    (c == 0xEF && p[1] == 0xBF && p[2] > 0xBD))
			return 0;
		return 3;
	}
	if (c > 0xF4 || avail < 4 || (p[1] & 0xC0) != 0x80 || (p[2] & 0xC0) != 0x80 ||
	    (p[3] & 0xC0) != 0x80)
		return 0;
	if ((c == 0xF0 && p[1] < 0x90) || (c == 0xF4 && p[1] > 0x8F))
		return 0;
	return 4;
}

/* Whether [p, lim) holds only XML Chars. */
static int valid_chars(const uchar *p, const uchar *lim)
{
	while (p < lim) {
		if (*p < 0x80) {
			if (cls[*p] & C_BAD)
				return 0;
			p++;
		} else {
			size_t n = utf8_char(p, lim);
			if (!n)
				return 0;
			p += n;
		}
	}
	return 1;
}

static int is_xml_char(uint32_t c)
{
	return c == 0x9 || c == 0xA || c == 0xD || (c >= 0x20 && c <= 0xD7FF) ||
	       (c >= 0xE000 && c <= 0xFFFD) || (c >= 0x10000 && c <= 0x10FFFF);
}

static int hex_digit(uchar c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	c |= 0x20;
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	return -1;
}

/* The reference at p ('&'), which must end before lim: the byte past its
 * ';' and its character in *cp, or NULL when it is not a reference of the
 * grammar. */
static const uchar *reference(const uchar *p, const uchar *lim, uint32_t *cp)
{
	const uchar *q = p + 1;
	size_t n = (size_t)(lim - q);
	if (n >= 3 && q[0] == '#') {
		uint32_t v = 0;
		const uchar *d;
		if (q[1] == 'x') {
			q += 2;
			for (d = q; q < lim; q++) {
				int h = hex_digit(*q);
				if (h < 0)
					break;
				v = v * 16 + (uint32_t)h;
				if (v > 0x10FFFF)
					return NULL;
			}
		} else {
			q += 1;
			for (d = q; q < lim && *q >= '0' && *q <= '9'; q++) {
				v = v * 10 + (uint32_t)(*q - '0');
				if (v > 0x10FFFF)
					return NULL;
			}
		}
		if (q == d || q >= lim || *q != ';' || !is_xml_char(v))
			return NULL;
		*cp = v;
		return q + 1;
	}
	if (n >= 3 && q[0] == 'l' && q[1] == 't' && q[2] == ';') {
		*cp = '<';
		return q + 3;
	}
	if (n >= 3 && q[0] == 'g' && q[1] == 't' && q[2] == ';') {
		*cp = '>';
		return q + 3;
	}
	if (n >= 4 && memcmp(q, "amp;", 4) == 0) {
		*cp = '&';
		return q + 4;
	}
	if (n >= 5 && memcmp(q, "quot;", 5) == 0) {
		*cp = '"';
		return q + 5;
	}
	if (n >= 5 && memcmp(q, "apos;", 5) == 0) {
		*cp = '\'';
		return q + 5;
	}
	return NULL;
}

static char *put_utf8(char *o, uint32_t c)
{
	if (c < 0x80) {
		*o++ = (char)c;
	} else if (c < 0x800) {
		*o++ = (char)(0xC0 | (c >> 6));
		*o++ = (char)(0x80 | (c & 0x3F));
	} else if (c < 0x10000) {
		*o++ = (char)(0xE0 | (c >> 12));
		*o++ = (char)(0x80 | ((c >> 6) & 0x3F));
		*o++ = (char)(0x80 | (c & 0x3F));
	} else {
		*o++ = (char)(0xF0 | (c >> 18));
		*o++ = (char)(0x80 | ((c >> 12) & 0x3F));
		*o++ = (char)(0x80 | ((c >> 6) & 0x3F));
		*o++ = (char)(0x80 | (c & 0x3F));
	}
	return o;
}

/* The decoded, normalized attribute value of the len bytes at v (checked by
 * the scan) written at o; returns the end of what was written. Never longer
 * than the input: every reference is longer than its UTF-8. */
static char *decode_value(char *o, const uchar *v, size_t len)
{
	const uchar *e = v + len;
	while (v < e) {
		uchar c = *v;
		if (c == '&') {
			uint32_t cp = 0;
			const uchar *r = reference(v, e, &cp);
			if (!r)
				break; /* not reached: the scan checked it */
			o = put_utf8(o, cp);
			v = r;
			continue;
		}
		v++;
		if (c == '\r') {
			if (v < e && *v == '\n')
				v++;
			c = ' ';
		} else if (c == '\t' || c == '\n') {
			c = ' ';
		}
		*o++ = (char)c;
	}
	return o;
}

/* ---- names ----------------------------------------------------------------- */

static uint64_t load8(const void *p)
{
	uint64_t w;
	memcpy(&w, p, 8);
	return w;
}

static uint64_t mix(uint64_t h, uint64_t w)
{
	h = (h ^ w) * 0xFF51AFD7ED558CCDu;
	return h ^ (h >> 29);
}

/* A hash of the n bytes at p, read a word at a time (the last word overlaps
 * the one before when n is not a multiple of 8). */
static uint32_t name_hash(const uchar *p, size_t n)
{
	uint64_t h = (uint64_t)n * 0x9E3779B97F4A7C15u;
	if (n >= 8) {
		for (; n > 8; n -= 8, p += 8)
			h = mix(h, load8(p));
		h = mix(h, load8(p + n - 8));
	} else if (n >= 4) {
		uint32_t a, b;
		memcpy(&a, p, 4);
		memcpy(&b, p + n - 4, 4);
		h = mix(h, (uint64_t)a << 32 | b);
	} else if (n) {
		h = mix(h, (uint64_t)p[0] | (uint64_t)p[n / 2] << 8 | (uint64_t)p[n - 1] << 16);
	}
	return (uint32_t)h;
}

static uint32_t load4(const void *p)
{
	uint32_t w;
	memcpy(&w, p, 4);
	return w;
}

/* Whether the n bytes at x and at y are the same (names are short: no call,
 * a word at a time, the last word overlapping). */
static int same_bytes(const uchar *x, const uchar *y, size_t n)
{
	if (n >= 8) {
		for (; n > 8; n -= 8, x += 8, y += 8)
			if (load8(x) != load8(y))
				return 0;
		return load8(x + n - 8) == load8(y + n - 8);
	}
	if (n >= 4)
		return load4(x) == load4(y) && load4(x + n - 4) == load4(y + n - 4);
	for (size_t i = 0; i < n; i++)
		if (x[i] != y[i])
			return 0;
	return 1;
}

static int grow_names(scan *s)
{
	size_t cap = s->slots ? (s->mask + 1) * 2 : 256;
	iname **slots = ah_calloc(cap, sizeof(*slots));
	if (!slots)
		return AH_ENOMEM;
	if (s->slots) {
		for (size_t i = 0; i <= s->mask; i++) {
			iname *e = s->slots[i];
			if (!e)
				continue;
			size_t j = e->hash & (cap - 1);
			while (slots[j])
				j = (j + 1) & (cap - 1);
			slots[j] = e;
		}
		ah_free(s->slots);
	}
	s->slots = slots;
	s->mask = cap - 1;
	return 0;
}

/* The interned copy of the n bytes of a name at p, or NULL (out of memory). */
static iname *intern(scan *s, const uchar *p, size_t n)
{
	uint32_t h = name_hash(p, n);
	size_t i = h & s->mask;
	iname *e;
	while ((e = s->slots[i])) {
		if (e->hash == h && e->len == n && same_bytes((const uchar *)e->str, p, n))
			return e;
		i = (i + 1) & s->mask;
	}
	if ((s->nnames + 1) * 2 > s->mask + 1) {
		if (grow_names(s) < 0)
			return NULL;
		i = h & s->mask;
		while (s->slots[i])
			i = (i + 1) & s->mask;
	}
	e = ah_arena_alloc(s->arena, sizeof(*e) + n + 1);
	if (!e)
		return NULL;
	char *str = (char *)(e + 1);
	memcpy(str, p, n);
	str[n] = '\0';
	e->str = str;
	e->len = (uint32_t)n;
	e->hash = h;
	s->slots[i] = e;
	s->nnames++;
	return e;
}

/* ---- markup other than elements --------------------------------------------- */

/* A comment at p ("<!--" checked): the byte past it. */
static const uchar *comment(scan *s, const uchar *p)
{
	const uchar *body = p + 4, *end = s->end;
	for (p = body;;) {
		const uchar *d = memchr(p, '-', (size_t)(end - p));
		if (!d || end - d < 3)
			return fail(s, AH_ECONFIG);
		if (d[1] == '-') {
			if (d[2] != '>' || !valid_chars(body, d))
				return fail(s, AH_ECONFIG);
			return d + 3;
		}
		p = d + 1;
	}
}

/* A processing instruction at p ("<?" checked): the byte past it. */
static const uchar *pi(scan *s, const uchar *p)
{
	const uchar *end = s->end, *t = p + 2, *q;
	if (t >= end)
		return fail(s, AH_ECONFIG);
	if (!(cls[*t] & C_START))
		return fail(s, *t > 0x7F ? AH__XML_UNSURE : AH_ECONFIG);
	for (q = t + 1; q < end && (cls[*q] & C_NAME); q++)
		;
	if (q >= end)
		return fail(s, AH_ECONFIG);
	if (*q > 0x7F)
		return fail(s, AH__XML_UNSURE);
	if (q - t == 3 && (t[0] | 0x20) == 'x' && (t[1] | 0x20) == 'm' && (t[2] | 0x20) == 'l')
		return fail(s, AH_ECONFIG); /* reserved; an XML declaration only at the start */
	if (*q == '?') {
		if (end - q >= 2 && q[1] == '>')
			return q + 2;
		return fail(s, AH_ECONFIG);
	}
	if (!(cls[*q] & C_WS))
		return fail(s, AH_ECONFIG);
	const uchar *body = q + 1;
	for (q = body;;) {
		const uchar *d = memchr(q, '?', (size_t)(end - q));
		if (!d || end - d < 2)
			return fail(s, AH_ECONFIG);
		if (d[1] == '>') {
			if (!valid_chars(body, d))
				return fail(s, AH_ECONFIG);
			return d + 2;
		}
		q = d + 1;
	}
}

/* A CDATA section at p ("<![CDATA[" checked), in the current element: the
 * byte past it. */
static const uchar *cdata(scan *s, const uchar *p)
{
	const uchar *body = p + 9, *end = s->end;
	for (p = body;;) {
		const uchar *d = memchr(p, ']', (size_t)(end - p));
		if (!d || end - d < 3)
			return fail(s, AH_ECONFIG);
		if (d[1] == ']' && d[2] == '>') {
			if (!valid_chars(body, d))
				return fail(s, AH_ECONFIG);
			for (p = body; p < d; p++) {
				if (!(cls[*p] & C_WS)) {
					s->cur->has_text = true;
					break;
				}
			}
			return d + 3;
		}
		p = d + 1;
	}
}

/* Character data at p, up to the next '<' (returned). */
static const uchar *text(scan *s, const uchar *p)
{
	const uchar *end = s->end;
	int txt = 0;
	for (;;) {
		if (p >= end)
			return fail(s, AH_ECONFIG);
		uchar c = *p;
		uint8_t k = cls[c];
		if (!(k & C_TEXT)) {
			txt |= !(k & C_WS);
			p++;
			continue;
		}
		if (c == '<')
			break;
		if (c == '&') {
			uint32_t cp = 0;
			const uchar *r = reference(p, end, &cp);
			if (!r)
				return fail(s, AH_ECONFIG);
			if (cp != 0x9 && cp != 0xA && cp != 0xD && cp != 0x20)
				txt = 1;
			p = r;
		} else if (c == ']') {
			if (end - p >= 3 && p[1] == ']' && p[2] == '>')
				return fail(s, AH_ECONFIG);
			txt = 1;
			p++;
		} else if (c > 0x7F) {
			size_t n = utf8_char(p, end);
			if (!n)
				return fail(s, AH_ECONFIG);
			txt = 1;
			p += n;
		} else {
			return fail(s, AH_ECONFIG); /* a control byte */
		}
	}
	if (txt)
		s->cur->has_text = true;
	return p;
}

/* ---- elements -------------------------------------------------------------- */

/* The rest of an attribute value from p (a C_VAL byte) to its closing quote
 * (returned); clears *plain when the value must be decoded. */
static const uchar *value_rest(scan *s, const uchar *p, uchar quote, int *plain)
{
	const uchar *end = s->end;
	for (;;) {
		p = value_run(p, end);
		if (p >= end)
			return fail(s, AH_ECONFIG);
		uchar c = *p;
		if (c == quote)
			return p;
		if (c == '"' || c == '\'') {
			p++;
		} else if (c == '&') {
			uint32_t cp;
			p = reference(p, end, &cp);
			if (!p)
				return fail(s, AH_ECONFIG);
			*plain = 0;
		} else if (c == '\t' || c == '\n' || c == '\r') {
			p++;
			*plain = 0;
		} else if (c > 0x7F) {
			size_t n = utf8_char(p, end);
			if (!n)
				return fail(s, AH_ECONFIG);
			p += n;
		} else {
			return fail(s, AH_ECONFIG); /* '<' or a control byte */
		}
	}
}

/* The interned name of attribute idx of a start tag of element elem, the n
 * bytes at p: tags of one element name mostly list the same attributes in
 * the same order, so the name of the same attribute of the last such tag is
 * tried before the hash table. */
static iname *attr_name(scan *s, iname *elem, size_t idx, const uchar *p, size_t n)
{
	iname *name = idx < GUESSES ? elem->attrs[idx] : NULL;
	if (name && name->len == n && same_bytes((const uchar *)name->str, p, n))
		return name;
	name = intern(s, p, n);
	if (name && idx < GUESSES)
		elem->attrs[idx] = name;
	return name;
}

/* Attribute number idx of the current start tag, of element elem, at p (a
 * name start character): the byte past its closing quote. */
static const uchar *attribute(scan *s, iname *elem, const uchar *p, size_t idx)
{
	const uchar *end = s->end, *q = name_run(p + 1, end);
	if (q >= end)
		return fail(s, AH_ECONFIG);
	if (*q > 0x7F)
		return fail(s, AH__XML_UNSURE);
	const uchar *name_end = q;
	q = skip_s(q, end);
	if (q >= end || *q != '=')
		return fail(s, AH_ECONFIG);
	q = skip_s(q + 1, end);
	if (q >= end || (*q != '"' && *q != '\''))
		return fail(s, AH_ECONFIG);
	uchar quote = *q;
	const uchar *v = ++q;
	q = value_run(q, end);
	if (q >= end)
		return fail(s, AH_ECONFIG);
	int plain = 1;
	if (*q != quote) {
		q = value_rest(s, q, quote, &plain);
		if (!q)
			return NULL;
	}
	iname *name = attr_name(s, elem, idx, p, (size_t)(name_end - p));
	if (!name)
		return fail(s, AH_ENOMEM);
	if (name->stamp == s->serial)
		return fail(s, AH_ECONFIG); /* a duplicate attribute */
	name->stamp = s->serial;
	if (idx == s->acap) {
		size_t cap = s->acap ? s->acap * 2 : 16;
		pattr *a = ah_realloc(s->attrs, cap * sizeof(*a));
		if (!a)
			return fail(s, AH_ENOMEM);
		s->attrs = a;
		s->acap = cap;
	}
	s->attrs[idx] = (pattr){.name = name, .val = v, .len = (size_t)(q - v), .plain = plain};
	return q + 1;
}

/* Count the LF bytes up to p, which is at or after the last count. */
static void count_lines(scan *s, const uchar *p)
{
	const uchar *a = s->lpos;
	while (a < p) {
		const uchar *nl = memchr(a, '\n', (size_t)(p - a));
		if (!nl)
			break;
		s->line++;
		s->lstart = nl + 1;
		a = nl + 1;
	}
	s->lpos = p;
}

/* The node of the start tag [lt, gt_end) with its na attributes. */
static int add_element(scan *s, const uchar *lt, const uchar *gt_end, iname *name,
		       size_t na, int empty)
{
	size_t size = sizeof(ah_xnode) + na * sizeof(ah_xattr);
	for (size_t i = 0; i < na; i++)
		size += s->attrs[i].len + 1;
	ah_xnode *n = ah_arena_alloc(s->arena, size);
	if (!n)
		return AH_ENOMEM;
	if (na) {
		ah_xattr *xa = (ah_xattr *)(n + 1);
		char *o = (char *)(xa + na);
		for (size_t i = 0; i < na; i++) {
			const pattr *a = &s->attrs[i];
			xa[i].name = a->name->str;
			xa[i].value = o;
			if (a->plain) {
				memcpy(o, a->val, a->len);
				o += a->len;
			} else {
				o = decode_value(o, a->val, a->len);
			}
			*o++ = '\0';
		}
		n->attrs = xa;
		n->nattrs = na;
	}
	n->name = name->str;
	count_lines(s, lt);
	n->line = s->line;
	n->column = (unsigned)(lt - s->lstart);
	n->start = (size_t)(lt - s->base);
	n->start_end = (size_t)(gt_end - s->base);
	ah_xnode *parent = s->cur;
	n->parent = parent;
	if (parent) {
		if (parent->last)
			parent->last->next = n;
		else
			parent->first = n;
		parent->last = n;
		parent->nchildren++;
	} else {
		s->root = n;
	}
	if (empty) {
		n->empty_tag = true;
		n->end = n->start_end;
		return 0;
	}
	if (s->depth == s->scap) {
		size_t cap = s->scap ? s->scap * 2 : 64;
		const iname **st = ah_realloc(s->stack, cap * sizeof(*st));
		if (!st)
			return AH_ENOMEM;
		s->stack = st;
		s->scap = cap;
	}
	s->stack[s->depth++] = name;
	s->cur = n;
	return 0;
}

/* A start tag at lt (a name start character follows the '<'): the byte past
 * it. */
static const uchar *start_tag(scan *s, const uchar *lt)
{
	const uchar *end = s->end, *p = lt + 1, *q = name_run(p + 1, end);
	if (q >= end)
		return fail(s, AH_ECONFIG);
	iname *name = intern(s, p, (size_t)(q - p));
	if (!name)
		return fail(s, AH_ENOMEM);
	s->serial++;
	size_t na = 0;
	int empty;
	for (;;) {
		uchar c = *q;
		if (cls[c] & C_WS) {
			q = skip_s(q + 1, end);
			if (q >= end)
				return fail(s, AH_ECONFIG);
			c = *q;
			if (cls[c] & C_START) {
				q = attribute(s, name, q, na);
				if (!q)
					return NULL;
				na++;
				if (q >= end)
					return fail(s, AH_ECONFIG);
				continue;
			}
		}
		if (c == '>') {
			q++;
			empty = 0;
			break;
		}
		if (c == '/' && end - q >= 2 && q[1] == '>') {
			q += 2;
			empty = 1;
			break;
		}
		return fail(s, c > 0x7F ? AH__XML_UNSURE : AH_ECONFIG);
	}
	int rc = add_element(s, lt, q, name, na, empty);
	if (rc < 0)
		return fail(s, rc);
	return q;
}

/* An end tag at lt ("</" checked): the byte past it. */
static const uchar *end_tag(scan *s, const uchar *lt)
{
	const iname *name = s->stack[s->depth - 1];
	const uchar *end = s->end, *p = lt + 2;
	if ((size_t)(end - p) <= name->len || memcmp(p, name->str, name->len) != 0)
		return fail(s, AH_ECONFIG);
	p += name->len;
	if (*p != '>') {
		p = skip_s(p, end);
		if (p >= end || *p != '>')
			return fail(s, AH_ECONFIG);
	}
	p++;
	ah_xnode *n = s->cur;
	n->end = (size_t)(p - s->base);
	s->cur = n->parent;
	s->depth--;
	return p;
}

/* Everything inside the root element, from p (just past its start tag) to
 * just past its end tag (returned). */
static const uchar *content(scan *s, const uchar *p)
{
	const uchar *end = s->end;
	while (s->cur) {
		p = skip_s(p, end);
		if (p >= end)
			return fail(s, AH_ECONFIG);
		if (*p != '<') {
			p = text(s, p);
			if (!p)
				return NULL;
		}
		if (end - p < 2)
			return fail(s, AH_ECONFIG);
		uchar c = p[1];
		if (cls[c] & C_START) {
			p = start_tag(s, p);
		} else if (c == '/') {
			p = end_tag(s, p);
		} else if (c == '?') {
			p = pi(s, p);
		} else if (c == '!') {
			if (end - p >= 4 && p[2] == '-' && p[3] == '-')
				p = comment(s, p);
			else if (end - p >= 9 && memcmp(p + 2, "[CDATA[", 7) == 0)
				p = cdata(s, p);
			else
				return fail(s, AH_ECONFIG);
		} else {
			return fail(s, c > 0x7F ? AH__XML_UNSURE : AH_ECONFIG);
		}
		if (!p)
			return NULL;
	}
	return p;
}

/* ---- the document ------------------------------------------------------------ */

/* A pseudo-attribute of the XML declaration at p, named name: its value in
 * [*v, *v + *n), the byte past its closing quote returned; NULL when it is
 * not written as the scanner expects. */
static const uchar *pseudo_attr(const uchar *p, const uchar *end, const char *name,
				const uchar **v, size_t *n)
{
	size_t len = strlen(name);
	if ((size_t)(end - p) < len || memcmp(p, name, len) != 0)
		return NULL;
	p = skip_s(p + len, end);
	if (p >= end || *p != '=')
		return NULL;
	p = skip_s(p + 1, end);
	if (p >= end || (*p != '"' && *p != '\''))
		return NULL;
	uchar quote = *p++;
	const uchar *q = p;
	while (q < end && (IS_ALPHA(*q) || (*q >= '0' && *q <= '9') || *q == '.' || *q == '-'))
		q++;
	if (q >= end || *q != quote)
		return NULL;
	*v = p;
	*n = (size_t)(q - p);
	return q + 1;
}

/* The XML declaration at p ("<?xml" and S checked): the byte past it, or
 * NULL with AH__XML_UNSURE for any other form of it. */
static const uchar *xml_decl(scan *s, const uchar *p)
{
	const uchar *end = s->end, *v, *q, *r, *t;
	size_t n;
	q = pseudo_attr(skip_s(p + 5, end), end, "version", &v, &n);
	if (!q || n != 3 || memcmp(v, "1.0", 3) != 0)
		return fail(s, AH__XML_UNSURE);
	r = skip_s(q, end);
	if (r > q && (t = pseudo_attr(r, end, "encoding", &v, &n))) {
		if (n != 5 || (v[0] | 0x20) != 'u' || (v[1] | 0x20) != 't' ||
		    (v[2] | 0x20) != 'f' || v[3] != '-' || v[4] != '8')
			return fail(s, AH__XML_UNSURE);
		q = t;
		r = skip_s(q, end);
	}
	if (r > q && (t = pseudo_attr(r, end, "standalone", &v, &n))) {
		if (!((n == 3 && memcmp(v, "yes", 3) == 0) || (n == 2 && memcmp(v, "no", 2) == 0)))
			return fail(s, AH__XML_UNSURE);
		q = t;
		r = skip_s(q, end);
	}
	if (end - r >= 2 && r[0] == '?' && r[1] == '>')
		return r + 2;
	return fail(s, AH__XML_UNSURE);
}

/* The white space, comments and processing instructions before (prolog) or
 * after (epilog) the root element, from p: in the prolog, the root's '<'. */
static const uchar *misc(scan *s, const uchar *p, int prolog)
{
	const uchar *end = s->end;
	for (;;) {
		p = skip_s(p, end);
		if (p >= end) {
			if (prolog)
				return fail(s, AH_ECONFIG); /* no element */
			return p;
		}
		if (*p != '<' || end - p < 2)
			return fail(s, AH_ECONFIG);
		uchar c = p[1];
		if (prolog && (cls[c] & C_START))
			return p;
		if (c == '?') {
			p = pi(s, p);
		} else if (c == '!' && end - p >= 4 && p[2] == '-' && p[3] == '-') {
			p = comment(s, p);
		} else if (prolog && (c == '!' || c > 0x7F)) {
			return fail(s, AH__XML_UNSURE); /* a DOCTYPE, a non-ASCII name */
		} else {
			return fail(s, AH_ECONFIG);
		}
		if (!p)
			return NULL;
	}
}

static int document(scan *s)
{
	const uchar *p = s->base, *end = s->end;
	size_t len = (size_t)(end - p);
	/* UTF-16 with or without a byte order mark, and whatever else expat
	 * may take for another encoding from the first bytes */
	if ((len >= 1 && (p[0] == 0 || p[0] >= 0xFE)) || (len >= 2 && p[1] == 0))
		return AH__XML_UNSURE;
	if (len >= 3 && p[0] == 0xEF && p[1] == 0xBB && p[2] == 0xBF)
		p += 3;
	if (end - p >= 6 && memcmp(p, "<?xml", 5) == 0 && !(cls[p[5]] & C_NAME)) {
		if (!(cls[p[5]] & C_WS))
			return AH__XML_UNSURE;
		p = xml_decl(s, p);
		if (!p)
			return s->rc;
	}
	p = misc(s, p, 1);
	if (p)
		p = start_tag(s, p);
	if (p && s->cur)
		p = content(s, p);
	if (p)
		p = misc(s, p, 0);
	return p ? 0 : s->rc;
}

int ah__xml_scan(ah_xdoc *out, ah_arena *arena, const char *data, size_t len)
{
	memset(out, 0, sizeof(*out));
	scan s = {
		.base = (const uchar *)data,
		.end = (const uchar *)data + len,
		.arena = arena,
		.rc = AH_ECONFIG,
		.lpos = (const uchar *)data,
		.lstart = (const uchar *)data,
		.line = 1,
	};
	int rc = grow_names(&s);
	if (rc == 0)
		rc = document(&s);
	ah_free(s.slots);
	ah_free(s.attrs);
	ah_free(s.stack);
	if (rc != 0)
		return rc;
	out->root = s.root;
	out->data = data;
	out->len = len;
	return 0;
}
