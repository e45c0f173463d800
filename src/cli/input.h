/*
 * appcmd: the XML that /in reads — the /xml output of appcmd itself:
 *
 *   <?xml version="1.0" encoding="UTF-8"?>
 *   <appcmd>
 *       <APPPOOL APPPOOL.NAME="X" PipelineMode="Integrated" RuntimeVersion="v4.0" state="Started">
 *           <add name="X" autoStart="false">          (with /config: the
 *               <processModel identityType="LocalService" />   configuration
 *           </add>                                      element)
 *       </APPPOOL>
 *   </appcmd>
 *
 * input_xml.c reads a document into a tree of elements with their
 * attributes in document order (text, comments and processing
 * instructions are dropped). input.c uses it.
 */
#ifndef AH_CLI_INPUT_H
#define AH_CLI_INPUT_H

#include "util/alloc.h"
#include "util/buf.h"

#include <stddef.h>

typedef struct cli_xnode {
	const char *tag;
	const char **names;
	const char **values;
	size_t nattrs;
	struct cli_xnode *parent, *first, *last, *next;
} cli_xnode;

/* Parse data[0..len) into a tree allocated in arena. Returns 0,
 * AH_ECONFIG (not well-formed: *line is the line, 0 when unknown) or
 * AH_ENOMEM. */
int cli_xml_read(cli_xnode **root, ah_arena *arena, const char *data, size_t len,
		 unsigned *line);
/* Read standard input as an <appcmd> document (input.c). Returns 0, or an
 * exit status with the error in out (IIS's "The data is invalid."). */
int cli_input_load(cli_xnode **root, ah_arena *arena, ah_buf *out);

/* The value of attribute name (exact case), or NULL. */
const char *cli_xnode_get(const cli_xnode *n, const char *name);

#endif
