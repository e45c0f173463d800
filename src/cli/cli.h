/*
 * appcmd: what the files of src/cli share.
 *
 * appcmd reads its command line into a cli_args (args.c), picks the object
 * type (objects.c) and the verb from the object's table of commands
 * (verbs.c), and runs the verb. A verb never writes to stdout itself: it
 * appends its output to an ah_buf and returns an exit status; on failure it
 * replaces what it wrote with the error (errors.c), so that a command prints
 * either its result or one error, as IIS's appcmd does. main.c writes the
 * buffer. Verbs that change configuration share write.h.
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
	const char *commit;       /* /commit:WHERE, NULL when absent or empty */
	bool in;                  /* /in or a lone "-": objects from standard input */
	const char *unsupported;  /* a general parameter this appcmd lacks (/metadata) */
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
	CLI_WP,
	CLI_BACKUP,
	CLI_CONFIGSEARCH, /* the results of search config; not a command line object */
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
/* Every object type of the command line, in help order. */
const cli_kind *cli_kind_at(size_t i);
/* An object type by id (CONFIGSEARCH included). */
const cli_kind *cli_kind_by_id(cli_kind_id id);

/* ---- commands (verbs.c) --------------------------------------------------- */

typedef int (*cli_verb_fn)(ah_buf *out, cli_args *a, const cli_kind *kind);
typedef void (*cli_help_fn)(ah_buf *out, const cli_kind *kind, const char *verb);

/* One command of an object type. Tables end with an entry whose name is
 * NULL. */
typedef struct cli_verb {
	const char *name;    /* "list", matched without regard to case */
	const char *summary; /* its line in `appcmd OBJECT /?` */
	cli_verb_fn run;
	cli_help_fn help;    /* `appcmd VERB OBJECT /?` */
	bool takes_in;       /* accepts /in (objects read from standard input) */
} cli_verb;

/* The commands of an object type (never NULL; possibly empty). */
const cli_verb *cli_verbs_of(const cli_kind *kind);
/* The command `name` of an object type, or NULL. */
const cli_verb *cli_verb_find(const cli_kind *kind, const char *name);

/* BACKUP's commands (list, add, delete, restore) are implemented in
 * backup.c, which defines this function to return its table. verbs.c holds
 * a weak stand-in returning an empty table, so that BACKUP commands are
 * refused as not supported until backup.c exists. */
const cli_verb *cli_backup_verbs(void);

/* ---- objects (objects.c) ------------------------------------------------ */

#define CLI_MAX_PROPS 8

typedef struct cli_prop {
	const char *key;
	const char *value;
	bool hidden;    /* usable as a filter, not shown */
	bool text_only; /* shown by /text:*, not in /xml (apphost's additions to
			 * IIS's properties, which /xml keeps as IIS writes them) */
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
	/* APPPOOL: ask the running service what each pool's worker runs as
	 * (workerIdentity), one request per pool; set by list when the output
	 * or a filter needs it */
	bool worker_identity;
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
/* Add a property shown by /text:* but not by /xml (text_only). */
int cli_object_prop_text(cli_objlist *l, cli_object *o, const char *key, const char *value);
const char *cli_object_get(const cli_object *o, const char *key);

/* Collect the objects of a type from the configuration (obj_sites.c,
 * obj_apppool.c). Errors: the engine's (thread error set). */
int cli_collect_sites(cli_objlist *l, ah_config *cfg, const cli_kind *kind);
int cli_collect_apppools(cli_objlist *l, ah_config *cfg, const cli_kind *kind);
/* Either, by kind (SITE, APP, VDIR, APPPOOL). */
int cli_collect(cli_objlist *l, ah_config *cfg, const cli_kind *kind);
/* The object whose identifier is `id` (compared without regard to case), or
 * NULL. */
const cli_object *cli_objlist_find(const cli_objlist *l, const char *id);

/* The runtime state of a site or an application pool (state.c). */
const char *cli_state_site(const ah_elem *site);
const char *cli_state_apppool(const ah_elem *pool);
/* The state the running service reports, or NULL without a service (control.c). */
const char *cli_control_state(const char *type, const char *name);
/* What a pool's worker runs as ("uid=N(name) gid=N(name) groups=..."), as the
 * running service reports it; NULL without a service. Heap memory (ah_free). */
char *cli_control_identity(const char *name);

/* ---- queries (query.c) -------------------------------------------------- */

/* The value of `name` for an object: a synthetic property, else an attribute
 * of its configuration element by a dotted path (processModel.identityType),
 * else for "name" the identifier. false when the object has no such value. */
bool cli_query(const cli_object *o, const char *name, const char **value);
/* The same attribute as an administrator reads it (/text:ATTR): encrypted
 * values decrypted when possible (see cli_attr_plain). */
bool cli_query_plain(const cli_object *o, ah_config *cfg, const char *name, const char **value,
		     char **heap);
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
/* An attribute by name, any case; false when the element has none. */
bool cli_elem_attr_ci(const ah_elem *e, const char *name, ah_attr_info *out);
/* The text an administrator reads (/text:*, /text:ATTR): an encrypted value
 * decrypted when this process can decrypt it, else the value as stored
 * (never garbage). *heap is set when the result must be freed with
 * ah_crypt_free (else NULL). */
const char *cli_attr_plain(ah_config *cfg, const ah_attr_info *info, char **heap);
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
/* The /text:* detail view; encrypted values are shown decrypted when cfg
 * (may be NULL) can decrypt them. */
void cli_text_detail(ah_buf *out, const cli_object *o, ah_config *cfg);

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
#define CLI_EXIT_ALREADY_EXISTS 183
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
/* ERROR ( message:Unknown attribute "name".  Replace with -? for help. ) */
int cli_error_unknown_attr(ah_buf *out, const char *name);
/* ERROR ( message:Missing required parameter "name". ) */
int cli_error_missing(ah_buf *out, const char *name);
/* ERROR ( message:Must use exact identifer for TYPE object with verb VERB. ) */
int cli_error_need_ident(ah_buf *out, const cli_kind *kind, const char *verb);
/* Replace out with ERROR ( message:TEXT\n. ), the layout of a message
 * that ends with the engine's text (see errors.c), and return the status
 * for win32. */
int cli_error_native(ah_buf *out, unsigned long win32, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

/* ERROR ( hresult:XXXXXXXX, message:Command execution failed.\nTEXT\n ) */
int cli_error_failed(ah_buf *out, uint32_t hresult, const char *text);

/* A warning on standard error (the output stays what scripts expect). */
void cli_warn(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* ---- help (help.c) -------------------------------------------------------- */

void cli_help_top(ah_buf *out);
void cli_help_object(ah_buf *out, const cli_kind *kind);
/* `appcmd list OBJECT /?` */
void cli_help_list(ah_buf *out, const cli_kind *kind, const char *verb);
/* The help of the other commands (help_write.c). */
void cli_help_add(ah_buf *out, const cli_kind *kind, const char *verb);
void cli_help_set(ah_buf *out, const cli_kind *kind, const char *verb);
void cli_help_delete(ah_buf *out, const cli_kind *kind, const char *verb);
void cli_help_control(ah_buf *out, const cli_kind *kind, const char *verb);
void cli_help_config_write(ah_buf *out, const cli_kind *kind, const char *verb);

/* ---- verbs ---------------------------------------------------------------- */

/* Open the configuration store named by the arguments. */
int cli_open(ah_config **cfg, const cli_args *a, ah_buf *out, int *status);

/* list site|app|vdir|apppool (list_objects.c) */
int cli_list_objects(ah_buf *out, cli_args *a, const cli_kind *kind);
/* list config (list_config.c) */
int cli_list_config(ah_buf *out, cli_args *a, const cli_kind *kind);

/* add, set, delete of SITE, APP, VDIR, APPPOOL (obj_write.c and the files it
 * calls); add with /in (input.c) */
int cli_add_object(ah_buf *out, cli_args *a, const cli_kind *kind);
int cli_set_object(ah_buf *out, cli_args *a, const cli_kind *kind);
int cli_delete_object(ah_buf *out, cli_args *a, const cli_kind *kind);

/* set, clear, lock, unlock, search config (set_config.c, clear_config.c,
 * lock_config.c, search_config.c) */
int cli_set_config(ah_buf *out, cli_args *a, const cli_kind *kind);
int cli_clear_config(ah_buf *out, cli_args *a, const cli_kind *kind);
int cli_lock_config(ah_buf *out, cli_args *a, const cli_kind *kind);
int cli_search_config(ah_buf *out, cli_args *a, const cli_kind *kind);

/* start, stop, recycle of SITE and APPPOOL; list WP (control.c) */
int cli_control(ah_buf *out, cli_args *a, const cli_kind *kind);
int cli_list_wp(ah_buf *out, cli_args *a, const cli_kind *kind);

/* Run a command once per object read from standard input (/in), with the
 * object's identifier (input.c). */
int cli_run_each_input(ah_buf *out, cli_args *a, const cli_kind *kind, cli_verb_fn fn);

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
