/*
 * The schema: IIS's schema files (`<configSchema>` with `<sectionSchema>`
 * children) loaded into a tree of element, attribute and collection
 * definitions. The grammar is IIS's (spec §1.2): see docs/engine.md for the
 * rules chosen where IIS's own behaviour is not documented.
 *
 * A section schema is an element schema (its attributes, child elements and at
 * most one collection). A collection's item is an element schema too. Several
 * files may declare the same section: their declarations are merged (the union
 * of attributes, elements and collections), as rscaext.xml requires.
 */
#ifndef AH_LIB_SCHEMA_H
#define AH_LIB_SCHEMA_H

#include "util/alloc.h"
#include "util/map.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

typedef enum ah_type {
	AH_T_STRING,
	AH_T_BOOL,
	AH_T_ENUM,
	AH_T_FLAGS,
	AH_T_UINT,
	AH_T_INT,
	AH_T_INT64,
	AH_T_TIMESPAN,
} ah_type;

typedef enum ah_tsformat {
	AH_TS_STRING, /* [-][d.]hh:mm:ss[.fffffff] */
	AH_TS_SECONDS,
	AH_TS_MINUTES,
} ah_tsformat;

typedef enum ah_validator {
	AH_V_NONE,
	AH_V_INTEGER_RANGE,
	AH_V_TIMESPAN_RANGE,
	AH_V_NON_EMPTY_STRING,
	AH_V_REQUIRE_TRIMMED_STRING,
	AH_V_APP_POOL_NAME,
	AH_V_SITE_NAME,
	AH_V_APPLICATION_PATH,
	AH_V_VDIR_PATH,
	AH_V_UNKNOWN, /* a validationType this engine does not know: ignored */
} ah_validator;

typedef struct ah_enumval {
	const char *name;
	uint32_t value;
} ah_enumval;

typedef struct ah_attr_schema {
	const char *name;
	ah_type type;
	bool required, unique_key, combined_key, display_hex, case_sensitive;
	bool encrypted, allow_infinite, expanded;
	bool extension;           /* runtime-only (extension="..."): never persisted */
	const char *default_value; /* NULL when the schema gives none */
	ah_tsformat ts_format;
	ah_validator validator;
	const char *validation_type;  /* as written, or NULL */
	const char *validation_param; /* as written, or NULL */
	/* parsed validationParameter: integerRange min,max[,exclude];
	 * timeSpanRange min,max,granularity[,exclude] (seconds) */
	int64_t v_min, v_max, v_granularity;
	bool v_exclude;
	ah_enumval *values; /* enum or flag values, in schema order */
	size_t nvalues;
	/* canonical text of the default (or of the type's zero value when the
	 * schema gives none); filled once after loading by the engine */
	const char *default_text;
} ah_attr_schema;

typedef struct ah_coll_schema ah_coll_schema;

typedef struct ah_elem_schema {
	const char *name;
	ah_attr_schema **attrs; /* in schema order */
	size_t nattrs;
	struct ah_elem_schema **elems; /* child elements, in schema order */
	size_t nelems;
	ah_coll_schema *coll; /* the element's own collection, or NULL */
	bool allow_unrecognized;
	bool is_collection_default;
	bool extension; /* runtime state (extension="..."): never persisted */
} ah_elem_schema;

struct ah_coll_schema {
	const char **add_names; /* one or more add directive tag names */
	size_t nadd;
	const char *remove_name; /* NULL when unsupported */
	const char *clear_name;  /* NULL when unsupported */
	const char *default_element; /* name of the sibling defaults element, or NULL */
	bool merge_append;     /* default true; false = prepend */
	bool allow_duplicates;
	bool allow_unrecognized;
	ah_elem_schema item; /* attributes, elements and collection of an add item */
};

typedef struct ah_section_schema {
	const char *name; /* full name, e.g. system.webServer/defaultDocument */
	ah_elem_schema root;
} ah_section_schema;

typedef struct ah_schema {
	ah_arena *arena;
	ah_map sections; /* name (case-sensitive, as IIS) -> ah_section_schema* */
	ah_section_schema **list; /* in load order */
	size_t nlist;
} ah_schema;

/* Load every *.xml file of dir (in name order) into a new schema.
 * Errors: AH_ENOTFOUND (no such folder), AH_ECONFIG (a file is not well-formed
 * or breaks the grammar: the thread error names the file and line). */
int ah__schema_load_dir(ah_schema **out, const char *dir);
/* Load the given files, in order, into a new schema. */
int ah__schema_load_files(ah_schema **out, const char *const *paths, size_t n);
void ah__schema_free(ah_schema *s);

const ah_section_schema *ah__schema_section(const ah_schema *s, const char *name);
const ah_attr_schema *ah__schema_attr(const ah_elem_schema *e, const char *name);
const ah_elem_schema *ah__schema_elem(const ah_elem_schema *e, const char *name);
/* True when tag is one of the collection's add directive names. */
bool ah__schema_is_add(const ah_coll_schema *c, const char *tag);

#endif
