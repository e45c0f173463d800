/*
 * Typed values: parsing the persisted text of an attribute by its schema type,
 * the validators, and the canonical text written back. Messages are IIS's own
 * (spec §1.3, §1.4, §8).
 */
#ifndef AH_LIB_VALUE_H
#define AH_LIB_VALUE_H

#include "schema.h"
#include "util/buf.h"

#include <stdbool.h>
#include <stdint.h>

typedef struct ah_value {
	ah_type type;
	union {
		bool b;
		uint32_t u;   /* uint, enum, flags */
		int32_t i;    /* int */
		int64_t i64;  /* int64 */
		int64_t ticks; /* timeSpan: 100 ns units */
	};
	const char *s; /* string (as stored) */
} ah_value;

#define AH_TICKS_PER_SECOND INT64_C(10000000)

/* Parse text as attribute a's type into *out (strings are not copied).
 * On failure returns AH_EINVALID and appends IIS's bare message to msg, e.g.
 * "Not a valid unsigned integer" or "Enum must be one of Integrated, Classic".
 * Does not run the validator. */
int ah__value_parse(ah_value *out, const ah_attr_schema *a, const char *text, ah_buf *msg);

/* Run a's validator on v. On failure returns AH_EINVALID and appends the bare
 * validator message to msg, e.g. "Integer value must be between 10 and 65535 inclusive". */
int ah__value_validate(const ah_attr_schema *a, const ah_value *v, ah_buf *msg);

/* Parse then validate; on failure msg holds IIS's parse-time form
 * "The 'NAME' attribute is invalid.  MESSAGE". */
int ah__value_check(ah_value *out, const ah_attr_schema *a, const char *text, ah_buf *msg);

/* Append the canonical persisted text of v: enum and flag names as the schema
 * spells them (flags joined with ", "), bool "true"/"false", timeSpan as
 * [-][d.]hh:mm:ss[.fffffff] (or seconds/minutes per the schema), uint in hex
 * ("0x%08x"-style as IIS) when display_hex. */
void ah__value_format(ah_buf *out, const ah_attr_schema *a, const ah_value *v);

/* Format a timeSpan in .NET's default form: [-][d.]hh:mm:ss[.fffffff]. */
void ah__timespan_format(ah_buf *out, int64_t ticks);
/* Parse .NET TimeSpan text ([-][d.]hh:mm[:ss[.fffffff]] or [-]d); true on success. */
bool ah__timespan_parse(const char *text, int64_t *ticks);

#endif
