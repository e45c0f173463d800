/*
 * appcmd: property expressions, the names of the parameters that write
 * configuration (set, add, clear...).
 *
 *   /processModel.identityType:LocalService    set an attribute of a child
 *   /[name='DefaultAppPool'].cpu.action:KillW3wp   of a collection item
 *   /+[name='MyModule',type='MyType']          add an item
 *   /+bindings.[protocol='https',bindingInformation='*:443:']
 *   /-[name='MyModule']                        remove an item
 *   /[@0].value:x  /+[@start,value='a']        by or at a position
 *
 * propexpr.c turns the name of such a parameter (what follows the / or -
 * prefix, up to the ':' that starts the value) into a list of segments:
 * element or attribute names and collection indexers. It knows nothing of
 * the schema; the caller resolves the names.
 *
 * The splitting of a parameter into name and value lives here too, because
 * an indexer's values may hold ':' (bindingInformation='*:80:').
 */
#ifndef AH_CLI_PROPEXPR_H
#define AH_CLI_PROPEXPR_H

#include "apphost/errors.h"
#include "util/alloc.h"

#include <stdbool.h>
#include <stddef.h>

typedef enum cli_pop {
	CLI_POP_SET,    /* name.name...attr:value */
	CLI_POP_ADD,    /* +path.[k='v',...] */
	CLI_POP_REMOVE, /* -path.[k='v',...] */
} cli_pop;

typedef enum cli_ppos {
	CLI_PPOS_NONE,  /* no @position */
	CLI_PPOS_START, /* @start */
	CLI_PPOS_END,   /* @end */
	CLI_PPOS_INDEX, /* @N */
} cli_ppos;

/* One segment: a name, or an indexer (name NULL). */
typedef struct cli_pseg {
	const char *name;
	const char **keys;   /* indexer: attribute names, as written */
	const char **values; /* indexer: their values (quotes removed) */
	size_t nkeys;
	cli_ppos pos;
	long index;          /* with CLI_PPOS_INDEX */
} cli_pseg;

typedef struct cli_pexpr {
	cli_pop op;
	cli_pseg *segs;
	size_t nsegs;
} cli_pexpr;

/* Results of cli_pexpr_parse besides 0 and AH_ENOMEM. */
#define CLI_PX_MALFORMED 1 /* a bad indexer: IIS's "Malformed collection indexer" */
#define CLI_PX_BADNAME 2   /* any other shape: an unknown attribute for appcmd */

/* Parse the name of a parameter (without its / or - prefix and its value).
 *
 * Grammar:
 *   expr     = [ "+" | "-" ] segment *( "." segment )
 *   segment  = name | indexer
 *   name     = 1*( any character but . [ ] ' = , : )
 *   indexer  = "[" [ pos ] [ pair *( "," pair ) ] "]"   (a "," follows pos
 *              when pairs follow; spaces around the parts are allowed)
 *   pos      = "@start" | "@end" | "@" 1*DIGIT
 *   pair     = name "=" "'" *( any character but ' ) "'"
 *
 * An indexer begins a segment (bindings.[...], never bindings[...]), is
 * never empty, and holds @start/@end only in the last segment of an add.
 * A set ends with a name (the attribute); an add and a remove end with an
 * indexer. Strings are allocated in `arena`. Returns 0, CLI_PX_MALFORMED,
 * CLI_PX_BADNAME or AH_ENOMEM (out is then undefined). */
int cli_pexpr_parse(cli_pexpr *out, ah_arena *arena, const char *name);

/* The value of a parameter: after the first ':' that is neither inside an
 * indexer's brackets nor inside quotes. *name_len is the length of the name
 * before it. NULL (and *name_len the whole length) when there is no value. */
const char *cli_param_split(const char *param, size_t *name_len);

#endif
