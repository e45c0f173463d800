/*
 * apphost — effective configuration values.
 *
 * An ah_section is the merged view of one section at one path: a tree of
 * elements (ah_elem) whose attributes have effective values. An element or
 * attribute that no file sets still has its schema default. Every explicitly set
 * value carries its origin: file, line and the configuration path of the level
 * it was set at.
 */
#ifndef APPHOST_ENTRY_H
#define APPHOST_ENTRY_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

typedef struct ah_section ah_section;
typedef struct ah_elem ah_elem;

typedef enum ah_value_source {
	AH_VALUE_SET,      /* written on this element in a configuration file */
	AH_VALUE_DEFAULTS, /* from a collection-defaults element (siteDefaults...) */
	AH_VALUE_SCHEMA,   /* the schema's default value */
	AH_VALUE_NONE,     /* no value and no default */
} ah_value_source;

typedef struct ah_origin {
	const char *file;        /* NULL for schema defaults */
	unsigned line;
	const char *config_path; /* the level the value was set at */
} ah_origin;

/* One effective attribute value. */
typedef struct ah_attr_info {
	const char *name;
	const char *text;  /* canonical persisted text ("" when none) */
	const char *raw;   /* as written in the file (NULL unless SET/DEFAULTS) */
	ah_value_source source;
	ah_origin origin;
	bool encrypted;    /* persisted encrypted ([enc:...:enc]) */
	bool expanded;     /* %VAR% are expanded when the value is used */
	bool unrecognized; /* not in the schema (allowUnrecognizedAttributes) */
	bool runtime;      /* runtime state (schema extension): never in a file */
} ah_attr_info;

void ah_section_free(ah_section *s);
const char *ah_section_name(const ah_section *s);
const char *ah_section_path(const ah_section *s);
/* The section's root element (never NULL). */
const ah_elem *ah_section_root(const ah_section *s);

/* Delegation state of the section at its path (what IIS's
 * SectionInformation reports): the overrideMode of a location tag for exactly
 * this path ("Inherit" when none), the mode in force for a configuration file
 * at this path ("Allow" or "Deny"), and whether such a file may not set the
 * section (locked). */
const char *ah_section_override_mode(const ah_section *s);
const char *ah_section_override_mode_effective(const ah_section *s);
bool ah_section_is_locked(const ah_section *s);

/* True for runtime-state elements (schema extension) that files never hold. */
bool ah_elem_is_runtime(const ah_elem *e);

/* The element's XML tag (an item's add directive name, e.g. "add", "site"). */
const char *ah_elem_tag(const ah_elem *e);
/* True when some configuration file writes this element (or an item). */
bool ah_elem_is_set(const ah_elem *e);
ah_origin ah_elem_origin(const ah_elem *e);

/* Attributes: the schema's, in schema order, then unrecognized ones. */
size_t ah_elem_attr_count(const ah_elem *e);
/* Fill *out for attribute i; false when i is out of range. */
bool ah_elem_attr_at(const ah_elem *e, size_t i, ah_attr_info *out);
/* By name (case-sensitive, as XML); false when the schema has no such attribute. */
bool ah_elem_attr(const ah_elem *e, const char *name, ah_attr_info *out);
/* The effective text of an attribute, "" when none. */
const char *ah_elem_get(const ah_elem *e, const char *name);

/* Child elements in schema order (every schema child exists, set or not). */
size_t ah_elem_child_count(const ah_elem *e);
const ah_elem *ah_elem_child_at(const ah_elem *e, size_t i);
const ah_elem *ah_elem_child(const ah_elem *e, const char *name);

/* Collection items (NULL/0 when the element has no collection). */
bool ah_elem_has_collection(const ah_elem *e);
size_t ah_elem_item_count(const ah_elem *e);
const ah_elem *ah_elem_item_at(const ah_elem *e, size_t i);
/* The first item whose attribute key has value (case rules of the schema). */
const ah_elem *ah_elem_find_item(const ah_elem *e, const char *key, const char *value);

#endif
