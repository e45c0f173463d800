/*
 * appcmd: what the files of src/cli share.
 *
 * appcmd reads its command line into a cli_args (args.c), picks the object
 * type (objects.c) and the verb, and runs the verb (list_objects.c,
 * list_config.c). A verb never writes to stdout itself: it appends its
 * output to an ah_buf and returns an exit status; on failure it replaces
 * what it wrote with the error (errors.c), so that a command prints either
 * its result or one error, as IIS's appcmd does. main.c writes the buffer.
 *
 * Objects (SITE, APP, VDIR, APPPOOL, CONFIG) are all shown the same way: an
 * identifier, a few synthetic properties computed from the configuration
 * (SITE.NAME, bindings, state...) and the configuration element they stand
 * for. The output modes (one line, /text:*, /text:ATTR, /xml, /config) are
 * written once for every object type (out_text.c, out_xml.c, out_config.c).
 *
 * Only the public headers of the engine (include/apphost) and src/util are
 * used here.
 */
#ifndef AH_CLI_H
#define AH_CLI_H

#include "apphost/config.h"
#include "util/alloc.h"
#include "util/buf.h"

#include <stdbool.h>
#include <stddef.h>

/* ---- command line (args.c) ---------------------------------------------- */

typedef enum cli_outmode {
	CLI_OUT_DEFAULT, /* one line per object (list config: the configuration) */
	CLI_OUT_DETAIL,  /* /text:* */
	CLI_OUT_ATTR,    /* /text:ATTR */
	CLI_OUT_XML,     /* /xml */
} cli_outmode;

/* A switch that is not one of the general parameters: a property filter or
 * an identifier parameter such as /site.name:X. */
typedef struct cli_param {
	const char *name;  /* without the / or - prefix and without a '!' escape */
	const char *value; /* after the first ':'; NULL when there is no ':' */
	bool used;         /* consumed as an identifier */
} cli_param;

typedef struct cli_args {
	const char *verb;   /* first positional argument, as written */
	const char *object; /* second positional argument */
	const char *ident;  /* third positional argument: the identifier */
	const char *extra;  /* a fourth positional argument: an error */
	bool help;          /* /? */
	cli_outmode mode;   /* the last of /text, /text:..., /xml wins */
	const char *text_attr; /* with CLI_OUT_ATTR */
	int config;            /* 0: none, 1: /config, 2: /config:* */
	const char *section;   /* /section:NAME, NULL when absent */
	const char *apphost_file; /* /apphostconfig:FILE */
	const char *unsupported;  /* a general parameter this appcmd lacks (/in...) */
	cli_param *params;
	size_t nparams;
} cli_args;

/* Parse argv[1..argc-1]. The strings point into argv. Returns 0 or AH_ENOMEM;
 * free with cli_args_free. */
int cli_args_parse(cli_args *a, int argc, char **argv);
void cli_args_free(cli_args *a);
/* The value of a parameter named `name` (case-insensitive) that is not yet
 * used, marking it used; NULL when absent. */
const char *cli_args_take(cli_args *a, const char *name);

/* ---- object types (objects.c) --------------------------------------------- */

typedef enum cli_kind_id {
	CLI_SITE,
	CLI_APP,
	CLI_VDIR,
	CLI_APPPOOL,
	CLI_CONFIG,
} cli_kind_id;

/* One "key:value" of the one-line form, taken from the property `prop`. */
typedef struct cli_linekey {
	const char *label;
	const char *prop;
} cli_linekey;

typedef struct cli_kind {
	cli_kind_id id;
	const char *name;        /* "SITE" */
	const char *plural;      /* "SITES" */
	const char *lname;       /* "site": how examples write it */
	const char *ident_param; /* "site.name": the identifier as a parameter */
	const char *summary;     /* one line of help: "Administration of ..." */
	const char *noun;        /* "virtual sites" (verb help) */
	cli_linekey line[3];     /* the one-line form; unused entries are NULL */
} cli_kind;

/* The object type named `name` (singular or plural, any case), or NULL. */
const cli_kind *cli_kind_find(const char *name);
/* Every object type, in help order. */
const cli_kind *cli_kind_at(size_t i);

/* ---- objects (objects.c) ------------------------------------------------ */

#define CLI_MAX_PROPS 8

typedef struct cli_prop {
	const char *key;
	const char *value;
	bool hidden; /* usable as a filter, not shown */
} cli_prop;

typedef struct cli_object {
	const cli_kind *kind;
	const char *id;       /* the identifier in TYPE "id" */
	cli_prop props[CLI_MAX_PROPS];
	size_t nprops;
	const ah_elem *elem;  /* the configuration element it stands for */
	const char *elem_tag; /* its name in /config and /text:* output */
} cli_object;

/* A list of objects with the memory they use: strings live in the arena,
 * elements in the sections (freed with the list). */
typedef struct cli_objlist {
	cli_object *v;
	size_t n, cap;
	ah_arena *arena;
	ah_section *sections[4];
	size_t nsections;
} cli_objlist;

int cli_objlist_init(cli_objlist *l);
void cli_objlist_free(cli_objlist *l);
/* Append a new object of `kind` (zeroed); NULL on out-of-memory. */
cli_object *cli_objlist_add(cli_objlist *l, const cli_kind *kind);
/* Keep a section alive as long as the list. */
int cli_objlist_keep(cli_objlist *l, ah_section *s);
/* Add a property (the value is copied into the list's arena). */
int cli_object_prop(cli_objlist *l, cli_object *o, const char *key, const char *value,
		    bool hidden);
const char *cli_object_get(const cli_object *o, const char *key);

/* Collect the objects of a type from the configuration (obj_sites.c,
 * obj_apppool.c). Errors: the engine's (thread error set). */
int cli_collect_sites(cli_objlist *l, ah_config *cfg, const cli_kind *kind);
int cli_collect_apppools(cli_objlist *l, ah_config *cfg, const cli_kind *kind);

/* The runtime state of a site or an application pool (state.c). */
const char *cli_state_site(const ah_elem *site);
const char *cli_state_apppool(const ah_elem *pool);

/* ---- queries (query.c) -------------------------------------------------- */

/* The value of `name` for an object: a synthetic property, else an attribute
 * of its configuration element by a dotted path (processModel.identityType),
 * else for "name" the identifier. false when the object has no such value. */
bool cli_query(const cli_object *o, const char *name, const char **value);
/* True when every unused parameter matches (case-insensitive values). Sets
 * *unknown to the name of a parameter no object property answers. */
bool cli_query_match(const cli_object *o, const cli_args *a, const char **unknown);

/* ---- configuration elements (elem.c) --------------------------------------- */

/* Runtime state declared by schema extensions (rscaext.xml: state,
 * workerProcesses...) is not configuration and is never printed. */
bool cli_attr_is_runtime(const ah_elem *e, const ah_attr_info *info);
/* The text shown for a value (an empty encrypted value shows as ""). */
const char *cli_attr_text(const ah_attr_info *info);
/* A child element by name, any case; NULL when the schema has none. */
const ah_elem *cli_elem_child_ci(const ah_elem *e, const char *name);
/* True when some configuration file sets anything in e or below. */
bool cli_elem_has_content(const ah_elem *e);

/* ---- output (out_config.c, out_text.c, out_xml.c) --------------------------- */

typedef struct cli_xmlstyle {
	int step;  /* spaces per level: 2 for text output, 4 for /xml */
	bool all;  /* every attribute (/config:*), else the set ones */
} cli_xmlstyle;

/* Append `text` with & < > " escaped for an XML attribute value. */
void cli_xml_escape(ah_buf *out, const char *text);
/* The configuration element e as XML, named `tag`, starting at `depth`
 * levels of indentation. */
void cli_config_print(ah_buf *out, const ah_elem *e, const char *tag, int depth,
		      const cli_xmlstyle *style);

/* TYPE "id" (k:v,...) */
void cli_text_line(ah_buf *out, const cli_object *o);
/* The /text:* detail view. */
void cli_text_detail(ah_buf *out, const cli_object *o);

/* The /xml document around a list of objects. */
void cli_xml_begin(ah_buf *out);
void cli_xml_end(ah_buf *out);
/* One object element; with config > 0 its configuration element inside. */
void cli_xml_object(ah_buf *out, const cli_object *o, int config);

/* ---- errors (errors.c) ---------------------------------------------------- */

/* Exit statuses: the Win32 code of the HRESULT. */
#define CLI_EXIT_INVALID_DATA 13
#define CLI_EXIT_NOT_SUPPORTED 50
#define CLI_EXIT_INVALID_ARG 87
#define CLI_EXIT_NOT_FOUND 1168

/* The exit status for a Win32 code, as the process can return it. */
int cli_exit_status(unsigned long win32);
/* Replace out with ERROR ( message:TEXT ) and return the status for win32. */
int cli_error(ah_buf *out, unsigned long win32, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
/* Replace out with a plain message line (argument errors have no ERROR
 * envelope) and return the status for win32. */
int cli_error_plain(ah_buf *out, unsigned long win32, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
/* Replace out with the engine's error for return code rc (the thread's
 * error object) and return its status. */
int cli_error_engine(ah_buf *out, int rc);
/* ERROR ( message:Cannot find TYPE object with identifier "id". ) */
int cli_error_not_found(ah_buf *out, const cli_kind *kind, const char *id);

/* ---- help (help.c) -------------------------------------------------------- */

void cli_help_top(ah_buf *out);
void cli_help_object(ah_buf *out, const cli_kind *kind);
void cli_help_verb(ah_buf *out, const char *verb, const cli_kind *kind);

/* ---- verbs ---------------------------------------------------------------- */

/* Open the configuration store named by the arguments. */
int cli_open(ah_config **cfg, const cli_args *a, ah_buf *out, int *status);

/* list site|app|vdir|apppool (list_objects.c) */
int cli_list_objects(ah_buf *out, cli_args *a, const cli_kind *kind);
/* list config (list_config.c) */
int cli_list_config(ah_buf *out, cli_args *a);

/* ---- list config helpers (sections.c, cfgpath.c) ---------------------------- */

/* The full name of the section a /section: value names (a full name, or a
 * short name matching the last part of one). *full is heap memory (ah_free).
 * Returns 0, AH_ENOTFOUND (no such section) or AH_ENOMEM. */
int cli_section_resolve(char **full, ah_config *cfg, const char *name);
/* The configuration path a list config PATH names ("Site/app",
 * "MACHINE/WEBROOT/APPHOST/...", "http://host:port/path"); NULL path: the
 * server level. *out is heap memory. AH_ENOTFOUND when no site is bound to
 * a URL (the thread error is not set). */
int cli_config_path(char **out, ah_config *cfg, const char *path);

#endif
