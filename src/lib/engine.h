/*
 * Internal structures of the configuration engine, shared by its files:
 *
 *   cfile.c   one configuration file: <configSections>, <location> tags and
 *             the section elements it holds, with IIS's file-level errors
 *   levels.c  configuration paths and the chain of levels (and files) of a path
 *   merge.c   the effective value of a section: contributions, delegation,
 *             locks, attribute/element/collection merge
 *   entry.c   queries on effective elements (the public entry.h API)
 *   config.c  the store: options, schema, file cache, the sites index
 */
#ifndef AH_LIB_ENGINE_H
#define AH_LIB_ENGINE_H

#include "apphost/config.h"
#include "schema.h"
#include "util/alloc.h"
#include "util/buf.h"
#include "util/fs.h"
#include "util/map.h"
#include "value.h"
#include "xml.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* ---- configSections ---------------------------------------------------- */

typedef enum ah_allowdef {
	AH_DEF_EVERYWHERE,
	AH_DEF_MACHINE_TO_APPLICATION,
	AH_DEF_MACHINE_TO_ROOT_WEB,
	AH_DEF_MACHINE_ONLY,
	AH_DEF_APPHOST_ONLY,
} ah_allowdef;

typedef enum ah_omode {
	AH_OM_INHERIT,
	AH_OM_ALLOW,
	AH_OM_DENY,
} ah_omode;

typedef struct ah_cfile ah_cfile;

typedef struct ah_secdecl {
	const char *name; /* full name: group/.../section */
	ah_allowdef allow_definition;
	ah_omode override_default; /* ALLOW or DENY */
	bool allow_location;
	bool is_group;
	unsigned line;
	ah_cfile *file;
} ah_secdecl;

/* ---- locations and section uses ----------------------------------------- */

typedef struct ah_loc {
	bool is_location;    /* false: the file's top level */
	const char *path;    /* as written, trimmed of '/' ("" for "." or none) */
	const char *full;    /* absolute configuration path */
	ah_omode mode;
	bool inherit_child;  /* inheritInChildApplications */
	unsigned line;
	const char *error;   /* a tag-level error (both overrideMode and allowOverride...) */
} ah_loc;

typedef struct ah_secuse {
	const char *name;     /* full section name */
	const ah_loc *loc;
	const ah_xnode *node; /* the section element (configSource already followed) */
	ah_cfile *file;       /* the file holding node (configSource: the external file) */
	ah_cfile *owner;      /* the configuration file the use belongs to */
	unsigned line;        /* line of the element in owner */
	const char *error;    /* e.g. "Specified configSource cannot be parsed" */
	uint32_t error_hr;
} ah_secuse;

struct ah_cfile {
	char *path;
	char *config_path; /* the level of this file; NULL for configSource files */
	ah_file_id id;
	bool exists;
	bool builtin; /* the built-in MACHINE level, not a file on disk */
	char *data;
	size_t len;
	ah_arena *arena;
	ah_xdoc doc;
	/* a file-level error makes every read through this file fail */
	int err_code;
	uint32_t err_hr;
	const char *err_msg;
	unsigned err_line;
	ah_secdecl **decls;
	size_t ndecls;
	ah_loc **locs;
	size_t nlocs;
	ah_secuse *uses;
	size_t nuses, capuses;
	ah_map decl_map; /* name -> ah_secdecl* */
	ah_map use_index; /* section name -> ah_uselist*: the uses of that section */
};

typedef struct ah_uselist {
	size_t *idx; /* indexes into uses, in document order */
	size_t n, cap;
} ah_uselist;

typedef struct ah_config_s ah_config_s;

/* The MACHINE level used when framework/machine.config is absent (builtin.c). */
extern const char ah__builtin_machine_config[];

/* Parse a file (missing is fine: an empty level). config_path is the level. */
int ah__cfile_load(ah_cfile **out, ah_config *cfg, const char *path, const char *config_path,
		   bool is_apphost);
void ah__cfile_free(ah_cfile *f);
/* Set the thread error from f's file-level error; returns its code. */
int ah__cfile_raise(const ah_cfile *f);

/* ---- levels -------------------------------------------------------------- */

typedef struct ah_level {
	const char *config_path; /* MACHINE, MACHINE/WEBROOT, ... */
	int depth;               /* 0 MACHINE, 1 WEBROOT, 2 APPHOST, 3 site, 4+ below */
	ah_cfile *file;          /* NULL: no file at this level */
	bool app_root;           /* the root of an application (site root included) */
	bool vdir_root;
	const char *phys;        /* physical folder (NULL above site level) */
} ah_level;

typedef struct ah_chain {
	ah_level *levels;
	size_t n;
} ah_chain;

/* Build the chain of levels for a normalized configuration path (arena-held). */
int ah__chain_build(ah_chain *out, ah_config *cfg, ah_arena *arena, const char *path);

/* ---- effective tree ------------------------------------------------------ */

typedef struct ah_attrval {
	const ah_attr_schema *schema; /* NULL: unrecognized (allowed) attribute */
	const char *name;
	const char *raw;
	const char *text; /* canonical */
	ah_value val;
	ah_origin origin;
} ah_attrval;

typedef struct ah_lockrec {
	const ah_cfile *file;
	const char **attrs; size_t nattrs; bool attrs_all;       /* lockAttributes ("*" = all) */
	const char **attrs_except; size_t nattrs_except; bool has_attrs_except;
	const char **elems; size_t nelems;                       /* lockElements */
	const char **elems_except; size_t nelems_except; bool has_elems_except;
	struct ah_lockrec *next;
} ah_lockrec;

struct ah_elem {
	const ah_elem_schema *schema;
	const char *tag;
	struct ah_elem *parent;
	struct ah_elem *defaults; /* collection-defaults element that supplies values */
	ah_section *section;
	ah_attrval *attrs; /* explicitly set */
	size_t nattrs, capattrs;
	struct ah_elem **children; /* indexed like schema->elems; NULL until needed */
	struct ah_elem **items;
	size_t nitems, capitems;
	bool is_set;
	bool removed; /* items: dropped by a remove or clear directive */
	ah_origin origin;
	ah_lockrec *locks;
	const ah_cfile *lock_item; /* lockItem="true" set by this file */
	const ah_cfile *added_by;  /* items: the file that added it */
};

struct ah_section {
	ah_arena *arena;
	int location_mode;  /* ah_omode of a location tag for exactly this path */
	int effective_mode; /* ah_omode (ALLOW/DENY) for a file at this path */
	const ah_section_schema *schema;
	const char *name;
	const char *path;
	ah_elem *root;
	ah_config *cfg;
};

ah_elem *ah__elem_new(ah_section *s, const ah_elem_schema *schema, const char *tag,
		      ah_elem *parent);
/* The child for schema child index i, created when missing. */
ah_elem *ah__elem_child(ah_elem *e, size_t i);
ah_elem *ah__elem_child_named(ah_elem *e, const char *name);
const ah_attrval *ah__elem_own_attr(const ah_elem *e, const char *name);
/* Effective attribute (own, then defaults chain, then schema). */
bool ah__elem_effective(const ah_elem *e, const ah_attr_schema *a, ah_attr_info *out);

/* ---- the store ------------------------------------------------------------ */

typedef struct ah_siteinfo {
	const char *name;
	const ah_elem *elem; /* the site item of the sites section at APPHOST */
} ah_siteinfo;

struct ah_config {
	char *dir;
	char *apphost_path;
	char *machine_path;
	char *rootweb_path;
	ah_schema *schema;
	ah_map files; /* path -> ah_cfile* */
	ah_cfile **filelist;
	size_t nfiles, capfiles;
	ah_section *sites; /* effective sites at APPHOST, or NULL */
	ah_map site_index; /* name -> ah_elem* (site items) */
	bool sites_loaded;
	int sites_err;
	/* the error of the failed sites merge, raised again on each use */
	uint32_t sites_err_hr;
	unsigned sites_err_line;
	char *sites_err_msg, *sites_err_file;
	const char **names; size_t nnames; /* for ah_config_section_names */
	ah_map cache;                      /* "name\npath" -> struct cache_entry* */
	struct cache_entry *cache_list;
	/* validation views (tx.c): file contents that replace what is on disk */
	ah_map overlay;                    /* path -> ah_overlay* */
	bool borrowed_schema;
};

typedef struct ah_overlay {
	const char *data;
	size_t len;
} ah_overlay;

/* A store over the same files and schema as cfg, reading `overlay` (path ->
 * ah_overlay*, owned by the caller) instead of the disk for those paths. */
int ah__config_view(ah_config **out, const ah_config *cfg, const ah_map *overlay);
/* Read a configuration file, from the overlay when it has one. */
int ah__config_read(ah_config *cfg, char **data, size_t *len, ah_file_id *id, const char *path);
bool ah__config_exists(ah_config *cfg, const char *path);

/* The cached file for path, loaded when missing or changed. */
int ah__config_file(ah_cfile **out, ah_config *cfg, const char *path, const char *config_path,
		    bool is_apphost);
/* The effective sites section at APPHOST (cached); NULL with the error set. */
int ah__config_sites(ah_config *cfg, const ah_section **out);
const ah_elem *ah__config_site(ah_config *cfg, const char *name);

/* Map a Windows-style physical path to Linux: %VAR% expansion, '\' -> '/',
 * drive letters and %SystemDrive% -> $APPHOST_SYSTEM_DRIVE. Heap string. */
char *ah__physical_path(const char *raw);
/* %VAR% expansion only (unknown variables stay as written). Heap string. */
char *ah__expand_env(const char *raw);

/* Fill default_text of every attribute of the schema (canonical text). */
int ah__schema_prepare_defaults(ah_schema *s);

/* Compute the merged section. */
int ah__merge_section(ah_section **out, ah_config *cfg, const char *name, const char *path);

/* Configuration path helpers (case-insensitive, segment-aware). */
bool ah__path_is_ancestor_or_self(const char *anc, const char *path);
int ah__path_depth(const char *path);

#define AH_APPHOST_PATH "MACHINE/WEBROOT/APPHOST"

#endif
