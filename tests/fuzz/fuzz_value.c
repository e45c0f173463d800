/*
 * Fuzz target: typed attribute values (src/lib/value.h).
 *
 * The input describes one schema attribute, then the text to read as its value:
 *
 *   byte 0     type (low 3 bits: string bool enum flags uint int int64
 *              timeSpan); 0x08 allowInfinite, 0x10 displayHex,
 *              bits 5-6 timeSpanFormat (string, seconds, minutes), 0x80 the
 *              validator's "exclude"
 *   byte 1     validator (modulo the ten ah_validator values)
 *   byte 2     number of enum/flag values (modulo 9)
 *   ranges     for integerRange and timeSpanRange: min and max (8 bytes
 *              each, little-endian; swapped when min > max, as the schema
 *              loader refuses that), then for timeSpanRange a 4-byte
 *              granularity (1 when not positive)
 *   values     per enum/flag value: 4 bytes of value, 1 byte of name length
 *              (1-16), the name (a NUL byte reads as '_')
 *   the rest   the text, up to its first NUL
 *
 * ah__value_check must not crash, and on failure must leave a message. On
 * success the canonical text (ah__value_format) must read back, through
 * ah__value_parse, as the same value, format to the same text again, and pass
 * the validator again: the canonical text is what write-back persists. This
 * holds for every type, and for enums and flags whose names are distinct in
 * any case (flags also: no commas, no white space at either end, not all
 * digits), which the schema does not enforce; other name sets are still read
 * and formatted but not held to the round trip. A text that reads as a .NET
 * timeSpan must also round-trip through ah__timespan_format.
 */
#include "lib/value.h"

#include "apphost/errors.h"
#include "util/str.h"

#include <ctype.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#define CHECK(cond)                                                                                \
	do {                                                                                       \
		if (!(cond))                                                                       \
			abort();                                                                   \
	} while (0)

#define MAX_VALUES 8
#define MAX_NAME 16

typedef struct reader {
	const uint8_t *p;
	size_t n;
} reader;

/* The next k bytes as a little-endian number; zeros past the end. */
static uint64_t take(reader *r, size_t k)
{
	uint64_t v = 0;
	for (size_t i = 0; i < k; i++) {
		uint64_t b = 0;
		if (r->n) {
			b = *r->p++;
			r->n--;
		}
		v |= b << (8 * i);
	}
	return v;
}

typedef struct spec {
	ah_attr_schema a;
	ah_enumval values[MAX_VALUES];
	char names[MAX_VALUES][MAX_NAME + 1];
} spec;

static void read_spec(spec *s, reader *r)
{
	memset(s, 0, sizeof(*s));
	ah_attr_schema *a = &s->a;
	unsigned b0 = (unsigned)take(r, 1);
	a->name = "value";
	a->type = (ah_type)(b0 & 7);
	a->allow_infinite = b0 & 0x08;
	a->display_hex = b0 & 0x10;
	a->ts_format = (ah_tsformat)(((b0 >> 5) & 3) % 3);
	a->v_exclude = b0 & 0x80;
	a->validator = (ah_validator)(take(r, 1) % (AH_V_UNKNOWN + 1));
	size_t nvalues = (size_t)(take(r, 1) % (MAX_VALUES + 1));
	if (a->validator == AH_V_INTEGER_RANGE || a->validator == AH_V_TIMESPAN_RANGE) {
		a->v_min = (int64_t)take(r, 8);
		a->v_max = (int64_t)take(r, 8);
		if (a->v_min > a->v_max) {
			int64_t t = a->v_min;
			a->v_min = a->v_max;
			a->v_max = t;
		}
	}
	if (a->validator == AH_V_TIMESPAN_RANGE) {
		a->v_granularity = (int32_t)(uint32_t)take(r, 4);
		if (a->v_granularity <= 0)
			a->v_granularity = 1;
	}
	for (size_t i = 0; i < nvalues; i++) {
		s->values[i].value = (uint32_t)take(r, 4);
		size_t len = (size_t)(take(r, 1) % MAX_NAME) + 1;
		for (size_t k = 0; k < len; k++) {
			char c = (char)take(r, 1);
			s->names[i][k] = c ? c : '_';
		}
		s->values[i].name = s->names[i];
	}
	a->values = nvalues ? s->values : NULL;
	a->nvalues = nvalues;
}

static bool is_blank(char c)
{
	return c == ' ' || c == '\t' || c == '\r' || c == '\n';
}

static bool all_digits(const char *s)
{
	for (; *s; s++)
		if (!isdigit((unsigned char)*s))
			return false;
	return true;
}

/* Can the canonical text of this type and these names be read back? */
static bool round_trips(const ah_attr_schema *a)
{
	if (a->type != AH_T_ENUM && a->type != AH_T_FLAGS)
		return true;
	for (size_t i = 0; i < a->nvalues; i++) {
		const char *name = a->values[i].name;
		for (size_t k = 0; k < i; k++)
			if (ah_strcaseeq(name, a->values[k].name))
				return false;
		if (a->type == AH_T_ENUM)
			continue;
		size_t len = strlen(name);
		if (strchr(name, ',') || is_blank(name[0]) || is_blank(name[len - 1]) ||
		    all_digits(name))
			return false;
	}
	return true;
}

static bool same_value(const ah_value *x, const ah_value *y)
{
	if (x->type != y->type)
		return false;
	switch (x->type) {
	case AH_T_STRING:
		return strcmp(x->s, y->s) == 0;
	case AH_T_BOOL:
		return x->b == y->b;
	case AH_T_ENUM:
	case AH_T_FLAGS:
	case AH_T_UINT:
		return x->u == y->u;
	case AH_T_INT:
		return x->i == y->i;
	case AH_T_INT64:
		return x->i64 == y->i64;
	case AH_T_TIMESPAN:
		return x->ticks == y->ticks;
	}
	return false;
}

static void check_round_trip(const ah_attr_schema *a, const ah_value *v)
{
	ah_buf text = AH_BUF_INIT, again = AH_BUF_INIT, msg = AH_BUF_INIT;
	ah__value_format(&text, a, v);
	CHECK(!ah_buf_oom(&text));
	if (round_trips(a)) {
		ah_value back;
		CHECK(ah__value_parse(&back, a, ah_buf_cstr(&text), &msg) == 0);
		CHECK(same_value(v, &back));
		ah__value_format(&again, a, &back);
		CHECK(strcmp(ah_buf_cstr(&text), ah_buf_cstr(&again)) == 0);
		CHECK(ah__value_validate(a, &back, NULL) == 0);
	}
	ah_buf_free(&text);
	ah_buf_free(&again);
	ah_buf_free(&msg);
}

static void check_timespan_text(const char *text)
{
	int64_t ticks, back;
	if (!ah__timespan_parse(text, &ticks))
		return;
	ah_buf b = AH_BUF_INIT;
	ah__timespan_format(&b, ticks);
	CHECK(ah__timespan_parse(ah_buf_cstr(&b), &back));
	CHECK(back == ticks);
	ah_buf_free(&b);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	reader r = {data, size};
	spec s;
	read_spec(&s, &r);
	char *text = malloc(r.n + 1);
	if (!text)
		return 0;
	if (r.n)
		memcpy(text, r.p, r.n);
	text[r.n] = '\0';

	ah_value v, quiet;
	ah_buf msg = AH_BUF_INIT;
	int rc = ah__value_check(&v, &s.a, text, &msg);
	if (rc == 0) {
		CHECK(v.type == s.a.type);
		CHECK(msg.len == 0);
		check_round_trip(&s.a, &v);
	} else {
		CHECK(rc == AH_EINVALID);
		CHECK(msg.len > 0 && strlen(ah_buf_cstr(&msg)) == msg.len);
	}
	/* the same reading without a message buffer */
	int prc = ah__value_parse(&quiet, &s.a, text, NULL);
	if (rc == 0)
		CHECK(prc == 0 && same_value(&v, &quiet));
	if (prc == 0)
		(void)ah__value_validate(&s.a, &quiet, NULL);
	check_timespan_text(text);
	ah_buf_free(&msg);
	free(text);
	return 0;
}
