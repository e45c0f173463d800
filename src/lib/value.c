/*
 * Typed attribute values (see value.h): the persisted text of an attribute is
 * read by its schema type, checked by its validator, and written back in a
 * canonical form. docs/values.md is the user-facing version of these rules.
 *
 * Accepted text, by type (no white space is accepted around a value, except
 * around the names of a flags list):
 *
 *   bool      "true" or "false", any case.
 *   enum      a value name, any case; or the decimal number of a declared
 *             value ("1" for Classic=1). Written back as the schema's name.
 *   flags     names separated by commas, any case, white space allowed around
 *             each name; "" is 0. An item may also be a decimal number whose
 *             bits all belong to declared flags. Written back as the names in
 *             schema order joined by ", ", skipping a flag whose bits are
 *             already written (a combined flag such as AnyHttpSoap=33 after
 *             HttpSoap=1 and HttpSoap12=32); 0 is written as the name of the
 *             0-valued flag, or "" when there is none.
 *   uint      decimal, or hex with a 0x prefix; 0..4294967295.
 *   int       decimal, optional sign; -2147483648..2147483647.
 *   int64     decimal, optional sign; the int64 range.
 *   timeSpan  timeSpanFormat="string": [-]d or [-][d.]hh:mm[:ss[.fffffff]],
 *             minutes and seconds 0-59, hours 0-23 after a day part and
 *             unbounded without one (IIS's own default "29:00:00");
 *             1 to 7 fraction digits. Written as .NET's constant format
 *             [-][d.]hh:mm:ss[.fffffff] (seven fraction digits when non-zero).
 *             "seconds"/"minutes": a decimal integer count, optional sign.
 *             Stored as int64 ticks of 100 ns; the whole int64 range is valid.
 *
 * With allowInfinite="true", "Infinite" (any case) is the type's maximum:
 * 2147483647 (int), 4294967295 (uint), INT64_MAX (int64, and the ticks of
 * TimeSpan.MaxValue for timeSpan); the maximum is written back as "Infinite".
 * An infinite timeSpan passes timeSpanRange (ASP.NET's idleTimeout has the
 * default "Infinite" and a range of 0..2147483640 seconds).
 *
 * Validators: integerRange compares uint/int/int64 values with min..max;
 * timeSpanRange compares timeSpan values in seconds and requires the
 * seconds to be a multiple of the granularity (a value with a fraction of a
 * second fails a granularity above 0); each applies with or
 * without "exclude" and passes a value of another type. The string
 * validators pass a value that is not a string.
 */
#include "value.h"

#include "apphost/errors.h"
#include "util/str.h"

#include <ctype.h>
#include <inttypes.h>
#include <string.h>

#define TICKS_PER_MINUTE (60 * AH_TICKS_PER_SECOND)
#define TICKS_PER_HOUR (60 * TICKS_PER_MINUTE)
#define TICKS_PER_DAY (24 * TICKS_PER_HOUR)

/* Parse-time messages. "Not a valid unsigned integer" is IIS's text; IIS's
 * texts for the other types are not documented and were chosen here. */
#define MSG_BOOL "Not a valid boolean"
#define MSG_UINT "Not a valid unsigned integer"
#define MSG_INT "Not a valid integer"
#define MSG_INT64 "Not a valid 64-bit integer"
#define MSG_TIMESPAN "Not a valid timespan value"

/* Characters refused by the applicationPoolName and siteName validators
 * (the list of IIS's schema header). */
#define APP_POOL_BAD "|<>&\\\"/[]+=;:,?*@"
#define SITE_BAD "/?"

static int fail(ah_buf *msg, const char *text)
{
	if (msg)
		ah_buf_puts(msg, text);
	return AH_EINVALID;
}

/* ---- timeSpan text ---- */

typedef struct ts_parts {
	uint64_t days, hours, minutes, seconds, fraction; /* fraction in ticks */
} ts_parts;

/* Read one or more decimal digits at *pp (at most 18, so no overflow). */
static bool read_number(const char **pp, uint64_t *out)
{
	const char *p = *pp;
	uint64_t v = 0;
	int n = 0;
	while (isdigit((unsigned char)*p)) {
		if (++n > 18)
			return false;
		v = v * 10 + (uint64_t)(*p++ - '0');
	}
	*pp = p;
	*out = v;
	return n > 0;
}

/* Read 1 to 7 fraction digits at *pp as ticks ("5" is 5000000 ticks). */
static bool read_fraction(const char **pp, uint64_t *ticks)
{
	const char *p = *pp;
	uint64_t v = 0, scale = (uint64_t)AH_TICKS_PER_SECOND;
	while (isdigit((unsigned char)*p)) {
		if (scale == 1)
			return false;
		scale /= 10;
		v += (uint64_t)(*p++ - '0') * scale;
	}
	if (p == *pp)
		return false;
	*pp = p;
	*ticks = v;
	return true;
}

/* Parse "hh:mm[:ss[.fffffff]]" running to the end of the text. */
static bool parse_clock(const char *p, ts_parts *t)
{
	if (!read_number(&p, &t->hours) || *p != ':')
		return false;
	p++;
	if (!read_number(&p, &t->minutes) || t->minutes > 59)
		return false;
	if (*p == ':') {
		p++;
		if (!read_number(&p, &t->seconds) || t->seconds > 59)
			return false;
		if (*p == '.') {
			p++;
			if (!read_fraction(&p, &t->fraction))
				return false;
		}
	}
	return *p == '\0';
}

/* *acc += n * unit, failing past limit. */
static bool add_scaled(uint64_t *acc, uint64_t n, uint64_t unit, uint64_t limit)
{
	if (n > limit / unit)
		return false;
	n *= unit;
	if (n > limit - *acc)
		return false;
	*acc += n;
	return true;
}

static bool ts_combine(const ts_parts *t, bool neg, int64_t *ticks)
{
	uint64_t limit = neg ? (uint64_t)INT64_MAX + 1 : (uint64_t)INT64_MAX;
	uint64_t acc = 0;
	if (!add_scaled(&acc, t->days, TICKS_PER_DAY, limit) ||
	    !add_scaled(&acc, t->hours, TICKS_PER_HOUR, limit) ||
	    !add_scaled(&acc, t->minutes, TICKS_PER_MINUTE, limit) ||
	    !add_scaled(&acc, t->seconds, AH_TICKS_PER_SECOND, limit) ||
	    !add_scaled(&acc, t->fraction, 1, limit))
		return false;
	if (!neg)
		*ticks = (int64_t)acc;
	else if (acc == (uint64_t)INT64_MAX + 1)
		*ticks = INT64_MIN;
	else
		*ticks = -(int64_t)acc;
	return true;
}

bool ah__timespan_parse(const char *text, int64_t *ticks)
{
	ts_parts t = {0};
	bool neg = false;
	uint64_t first;
	if (!text || !ticks)
		return false;
	const char *p = text;
	if (*p == '-') {
		neg = true;
		p++;
	}
	const char *start = p;
	if (!read_number(&p, &first))
		return false;
	if (*p == '\0') {
		t.days = first;
	} else if (*p == '.') {
		t.days = first;
		if (!parse_clock(p + 1, &t) || t.hours > 23)
			return false;
	} else if (!parse_clock(start, &t)) {
		return false;
	}
	return ts_combine(&t, neg, ticks);
}

void ah__timespan_format(ah_buf *out, int64_t ticks)
{
	uint64_t m = (uint64_t)ticks;
	if (ticks < 0) {
		m = 0 - m;
		ah_buf_putc(out, '-');
	}
	uint64_t days = m / TICKS_PER_DAY;
	m %= TICKS_PER_DAY;
	if (days)
		ah_buf_printf(out, "%" PRIu64 ".", days);
	unsigned h = (unsigned)(m / TICKS_PER_HOUR);
	unsigned mi = (unsigned)(m / TICKS_PER_MINUTE % 60);
	unsigned s = (unsigned)(m / AH_TICKS_PER_SECOND % 60);
	unsigned frac = (unsigned)(m % AH_TICKS_PER_SECOND);
	ah_buf_printf(out, "%02u:%02u:%02u", h, mi, s);
	if (frac)
		ah_buf_printf(out, ".%07u", frac);
}

/* ---- parsing by type ---- */

static bool is_infinite(const ah_attr_schema *a, const char *text)
{
	return a->allow_infinite && ah_strcaseeq(text, "Infinite");
}

static void put_names(ah_buf *msg, const ah_attr_schema *a)
{
	for (size_t i = 0; msg && i < a->nvalues; i++) {
		if (i)
			ah_buf_puts(msg, ", ");
		ah_buf_puts(msg, a->values[i].name);
	}
}

static int parse_bool(ah_value *out, const char *text, ah_buf *msg)
{
	if (ah_strcaseeq(text, "true"))
		out->b = true;
	else if (ah_strcaseeq(text, "false"))
		out->b = false;
	else
		return fail(msg, MSG_BOOL);
	return 0;
}

/* A declared value named text (any case), or whose decimal number is text. */
static const ah_enumval *find_enum(const ah_attr_schema *a, const char *text)
{
	uint64_t n;
	bool numeric = ah_parse_u64(text, &n);
	for (size_t i = 0; i < a->nvalues; i++) {
		if (ah_strcaseeq(a->values[i].name, text))
			return &a->values[i];
	}
	for (size_t i = 0; numeric && i < a->nvalues; i++) {
		if (a->values[i].value == n)
			return &a->values[i];
	}
	return NULL;
}

static int parse_enum(ah_value *out, const ah_attr_schema *a, const char *text, ah_buf *msg)
{
	const ah_enumval *e = find_enum(a, text);
	if (e) {
		out->u = e->value;
		return 0;
	}
	fail(msg, "Enum must be one of ");
	put_names(msg, a);
	return AH_EINVALID;
}

static bool is_blank(char c)
{
	return c == ' ' || c == '\t' || c == '\r' || c == '\n';
}

/* A run of n decimal digits as a uint32. */
static bool digits_u32(const char *p, size_t n, uint32_t *out)
{
	uint64_t v = 0;
	for (size_t i = 0; i < n; i++) {
		if (!isdigit((unsigned char)p[i]))
			return false;
		v = v * 10 + (uint64_t)(p[i] - '0');
		if (v > UINT32_MAX)
			return false;
	}
	*out = (uint32_t)v;
	return n > 0;
}

/* The bits of the flags item p[0..n) (a name, or a number of declared bits). */
static bool flag_item(const ah_attr_schema *a, const char *p, size_t n, uint32_t *bits)
{
	uint32_t mask = 0;
	for (size_t i = 0; i < a->nvalues; i++) {
		const char *name = a->values[i].name;
		if (strlen(name) == n && ah_strncaseeq(name, p, n)) {
			*bits = a->values[i].value;
			return true;
		}
		mask |= a->values[i].value;
	}
	return digits_u32(p, n, bits) && !(*bits & ~mask);
}

/* Split text at commas, trimming each item, and OR their bits into *v. */
static bool flag_list(const ah_attr_schema *a, const char *text, uint32_t *v)
{
	for (const char *p = text;; p++) {
		const char *end = p + strcspn(p, ",");
		while (p < end && is_blank(*p))
			p++;
		size_t n = (size_t)(end - p);
		while (n && is_blank(p[n - 1]))
			n--;
		uint32_t bits;
		if (!n || !flag_item(a, p, n, &bits))
			return false;
		*v |= bits;
		if (!*end)
			return true;
		p = end;
	}
}

static bool all_blank(const char *s)
{
	while (is_blank(*s))
		s++;
	return *s == '\0';
}

static int parse_flags(ah_value *out, const ah_attr_schema *a, const char *text, ah_buf *msg)
{
	uint32_t v = 0;
	if (all_blank(text) || flag_list(a, text, &v)) {
		out->u = v;
		return 0;
	}
	fail(msg, "Flags must be some combination of ");
	put_names(msg, a);
	return AH_EINVALID;
}

static bool parse_hex32(const char *p, uint32_t *out)
{
	uint64_t v = 0;
	if (!*p)
		return false;
	for (; *p; p++) {
		int c = tolower((unsigned char)*p);
		if (!isxdigit(c))
			return false;
		v = v * 16 + (uint64_t)(isdigit(c) ? c - '0' : c - 'a' + 10);
		if (v > UINT32_MAX)
			return false;
	}
	*out = (uint32_t)v;
	return true;
}

static int parse_uint(ah_value *out, const ah_attr_schema *a, const char *text, ah_buf *msg)
{
	uint64_t v;
	if (is_infinite(a, text)) {
		out->u = UINT32_MAX;
		return 0;
	}
	if (text[0] == '0' && (text[1] == 'x' || text[1] == 'X'))
		return parse_hex32(text + 2, &out->u) ? 0 : fail(msg, MSG_UINT);
	if (!ah_parse_u64(text, &v) || v > UINT32_MAX)
		return fail(msg, MSG_UINT);
	out->u = (uint32_t)v;
	return 0;
}

static int parse_int(ah_value *out, const ah_attr_schema *a, const char *text, ah_buf *msg)
{
	int64_t v;
	if (is_infinite(a, text)) {
		out->i = INT32_MAX;
		return 0;
	}
	if (!ah_parse_i64(text, &v) || v < INT32_MIN || v > INT32_MAX)
		return fail(msg, MSG_INT);
	out->i = (int32_t)v;
	return 0;
}

static int parse_int64(ah_value *out, const ah_attr_schema *a, const char *text, ah_buf *msg)
{
	if (is_infinite(a, text)) {
		out->i64 = INT64_MAX;
		return 0;
	}
	return ah_parse_i64(text, &out->i64) ? 0 : fail(msg, MSG_INT64);
}

/* A signed count of units (seconds or minutes) as ticks. */
static bool parse_count(const char *text, int64_t unit, int64_t *ticks)
{
	int64_t n;
	if (!ah_parse_i64(text, &n) || n > INT64_MAX / unit || n < INT64_MIN / unit)
		return false;
	*ticks = n * unit;
	return true;
}

static int parse_timespan(ah_value *out, const ah_attr_schema *a, const char *text, ah_buf *msg)
{
	bool ok;
	if (is_infinite(a, text)) {
		out->ticks = INT64_MAX;
		return 0;
	}
	if (a->ts_format == AH_TS_SECONDS)
		ok = parse_count(text, AH_TICKS_PER_SECOND, &out->ticks);
	else if (a->ts_format == AH_TS_MINUTES)
		ok = parse_count(text, TICKS_PER_MINUTE, &out->ticks);
	else
		ok = ah__timespan_parse(text, &out->ticks);
	return ok ? 0 : fail(msg, MSG_TIMESPAN);
}

int ah__value_parse(ah_value *out, const ah_attr_schema *a, const char *text, ah_buf *msg)
{
	if (!out || !a || !text)
		return AH_EINVALID;
	*out = (ah_value){.type = a->type};
	switch (a->type) {
	case AH_T_STRING:
		out->s = text;
		return 0;
	case AH_T_BOOL:
		return parse_bool(out, text, msg);
	case AH_T_ENUM:
		return parse_enum(out, a, text, msg);
	case AH_T_FLAGS:
		return parse_flags(out, a, text, msg);
	case AH_T_UINT:
		return parse_uint(out, a, text, msg);
	case AH_T_INT:
		return parse_int(out, a, text, msg);
	case AH_T_INT64:
		return parse_int64(out, a, text, msg);
	case AH_T_TIMESPAN:
		return parse_timespan(out, a, text, msg);
	}
	return AH_EINVALID;
}

/* ---- validators ---- */

static bool int_of(const ah_value *v, int64_t *n)
{
	switch (v->type) {
	case AH_T_UINT:
		*n = v->u;
		return true;
	case AH_T_INT:
		*n = v->i;
		return true;
	case AH_T_INT64:
		*n = v->i64;
		return true;
	default:
		return false;
	}
}

static int check_int_range(const ah_attr_schema *a, const ah_value *v, ah_buf *msg)
{
	int64_t n;
	if (!int_of(v, &n))
		return 0;
	bool inside = n >= a->v_min && n <= a->v_max;
	if (inside != a->v_exclude)
		return 0;
	if (msg)
		ah_buf_printf(
		    msg, "Integer value must %sbe between %" PRId64 " and %" PRId64 " inclusive",
		    a->v_exclude ? "not " : "", a->v_min, a->v_max);
	return AH_EINVALID;
}

/* Seconds as ticks, saturating at the int64 range. */
static int64_t sec_to_ticks(int64_t s)
{
	if (s > INT64_MAX / AH_TICKS_PER_SECOND)
		return INT64_MAX;
	if (s < INT64_MIN / AH_TICKS_PER_SECOND)
		return INT64_MIN;
	return s * AH_TICKS_PER_SECOND;
}

/* True when the value is a whole number of seconds that is a multiple of the
 * granularity. The multiple counts from 0, not from the minimum: ASP.NET's
 * session timeout has the range 1..2147483640 s, a granularity of 60 s and
 * the default 20 minutes. */
static bool on_grid(const ah_attr_schema *a, int64_t ticks)
{
	if (a->v_granularity <= 0)
		return true;
	if (ticks % AH_TICKS_PER_SECOND)
		return false;
	return ticks / AH_TICKS_PER_SECOND % a->v_granularity == 0;
}

static int check_ts_range(const ah_attr_schema *a, const ah_value *v, ah_buf *msg)
{
	if (v->type != AH_T_TIMESPAN || (a->allow_infinite && v->ticks == INT64_MAX))
		return 0;
	int64_t lo = sec_to_ticks(a->v_min), hi = sec_to_ticks(a->v_max);
	bool inside = v->ticks >= lo && v->ticks <= hi;
	if (inside != a->v_exclude && on_grid(a, v->ticks))
		return 0;
	if (!msg)
		return AH_EINVALID;
	ah_buf_printf(msg, "Timespan value must %sbe between ", a->v_exclude ? "not " : "");
	ah__timespan_format(msg, lo);
	ah_buf_puts(msg, " and ");
	ah__timespan_format(msg, hi);
	ah_buf_printf(msg, " seconds inclusive, with a granularity of %" PRId64 " seconds",
	              a->v_granularity);
	return AH_EINVALID;
}

static bool is_trimmed(const char *s)
{
	size_t n = strlen(s);
	return !n || (!isspace((unsigned char)s[0]) && !isspace((unsigned char)s[n - 1]));
}

/* "/" or "/seg[/seg...]" with no trailing "/" and no "." or ".." segment. */
static bool is_url_path(const char *s)
{
	if (s[0] != '/')
		return false;
	if (s[1] == '\0')
		return true;
	for (const char *p = s + 1;; p++) {
		size_t n = strcspn(p, "/");
		if (!n && !p[n])
			return false;
		if ((n == 1 && p[0] == '.') || (n == 2 && p[0] == '.' && p[1] == '.'))
			return false;
		p += n;
		if (!*p)
			return true;
	}
}

static int check_string(const ah_attr_schema *a, const char *s, ah_buf *msg)
{
	switch (a->validator) {
	case AH_V_NON_EMPTY_STRING:
		return *s ? 0 : fail(msg, "String must not be empty");
	case AH_V_REQUIRE_TRIMMED_STRING:
		return is_trimmed(s)
		           ? 0
		           : fail(msg, "String must not have leading or trailing white space");
	case AH_V_APP_POOL_NAME:
		return strpbrk(s, APP_POOL_BAD) ? fail(msg, "Invalid application pool name") : 0;
	case AH_V_SITE_NAME:
		return strpbrk(s, SITE_BAD) ? fail(msg, "Invalid site name") : 0;
	case AH_V_APPLICATION_PATH:
		return is_url_path(s) ? 0 : fail(msg, "Invalid application path");
	case AH_V_VDIR_PATH:
		return is_url_path(s) ? 0 : fail(msg, "Invalid virtual directory path");
	default:
		return 0;
	}
}

int ah__value_validate(const ah_attr_schema *a, const ah_value *v, ah_buf *msg)
{
	if (!a || !v)
		return AH_EINVALID;
	switch (a->validator) {
	case AH_V_NONE:
	case AH_V_UNKNOWN:
		return 0;
	case AH_V_INTEGER_RANGE:
		return check_int_range(a, v, msg);
	case AH_V_TIMESPAN_RANGE:
		return check_ts_range(a, v, msg);
	default:
		if (v->type != AH_T_STRING)
			return 0;
		return check_string(a, v->s ? v->s : "", msg);
	}
}

int ah__value_check(ah_value *out, const ah_attr_schema *a, const char *text, ah_buf *msg)
{
	if (!out || !a || !text)
		return AH_EINVALID;
	/* the common case, a valid value, formats no message */
	int rc = ah__value_parse(out, a, text, NULL);
	if (rc == 0)
		rc = ah__value_validate(a, out, NULL);
	if (rc == 0 || !msg)
		return rc;
	ah_buf_printf(msg, "The '%s' attribute is invalid.  ", a->name ? a->name : "");
	rc = ah__value_parse(out, a, text, msg);
	if (rc == 0)
		rc = ah__value_validate(a, out, msg);
	return rc;
}

/* ---- canonical text ---- */

static void format_enum(ah_buf *out, const ah_attr_schema *a, uint32_t v)
{
	for (size_t i = 0; i < a->nvalues; i++) {
		if (a->values[i].value == v) {
			ah_buf_puts(out, a->values[i].name);
			return;
		}
	}
	ah_buf_printf(out, "%" PRIu32, v);
}

/* Bits matching no declared flag are written last as a decimal number. */
static void format_flags(ah_buf *out, const ah_attr_schema *a, uint32_t v)
{
	uint32_t done = 0;
	const char *zero = NULL;
	for (size_t i = 0; i < a->nvalues; i++) {
		uint32_t f = a->values[i].value;
		if (!f && !zero)
			zero = a->values[i].name;
		if (!f || (v & f) != f || (done & f) == f)
			continue;
		ah_buf_puts(out, done ? ", " : "");
		ah_buf_puts(out, a->values[i].name);
		done |= f;
	}
	if (v & ~done)
		ah_buf_printf(out, "%s%" PRIu32, done ? ", " : "", v & ~done);
	else if (!v && zero)
		ah_buf_puts(out, zero);
}

static void format_timespan(ah_buf *out, const ah_attr_schema *a, int64_t ticks)
{
	if (a->allow_infinite && ticks == INT64_MAX)
		ah_buf_puts(out, "Infinite");
	else if (a->ts_format == AH_TS_SECONDS)
		ah_buf_printf(out, "%" PRId64, ticks / AH_TICKS_PER_SECOND);
	else if (a->ts_format == AH_TS_MINUTES)
		ah_buf_printf(out, "%" PRId64, ticks / TICKS_PER_MINUTE);
	else
		ah__timespan_format(out, ticks);
}

static void format_uint(ah_buf *out, const ah_attr_schema *a, uint32_t v)
{
	if (a->allow_infinite && v == UINT32_MAX)
		ah_buf_puts(out, "Infinite");
	else if (a->display_hex)
		ah_buf_printf(out, "0x%08" PRIx32, v);
	else
		ah_buf_printf(out, "%" PRIu32, v);
}

void ah__value_format(ah_buf *out, const ah_attr_schema *a, const ah_value *v)
{
	switch (v->type) {
	case AH_T_STRING:
		ah_buf_puts(out, v->s ? v->s : "");
		break;
	case AH_T_BOOL:
		ah_buf_puts(out, v->b ? "true" : "false");
		break;
	case AH_T_ENUM:
		format_enum(out, a, v->u);
		break;
	case AH_T_FLAGS:
		format_flags(out, a, v->u);
		break;
	case AH_T_UINT:
		format_uint(out, a, v->u);
		break;
	case AH_T_INT:
		if (a->allow_infinite && v->i == INT32_MAX)
			ah_buf_puts(out, "Infinite");
		else
			ah_buf_printf(out, "%" PRId32, v->i);
		break;
	case AH_T_INT64:
		if (a->allow_infinite && v->i64 == INT64_MAX)
			ah_buf_puts(out, "Infinite");
		else
			ah_buf_printf(out, "%" PRId64, v->i64);
		break;
	case AH_T_TIMESPAN:
		format_timespan(out, a, v->ticks);
		break;
	}
}
