/*
 * appcmd: /in (or a lone "-") — commands that read objects from standard
 * input, in the format of appcmd's own /xml output (input.h):
 *
 *   appcmd list apppool Web /config /xml | appcmd add apppool /in
 *   appcmd list site Shop /config:* /xml > shop.xml;  appcmd add site /in < shop.xml
 *   appcmd list sites /state:Stopped /xml | appcmd delete site /in
 *
 * add recreates each object. With /config the object element holds its
 * configuration element (<add>, <site>, <application>, <virtualDirectory>),
 * which is copied whole: its attributes, its child elements and its
 * collection items (a site's applications and their virtual directories,
 * its bindings...). Without it the object is made from its properties:
 * APPPOOL.NAME, PipelineMode and RuntimeVersion; SITE.NAME, SITE.ID and
 * bindings; path and APPPOOL.NAME of an APP; path and physicalPath of a
 * VDIR. An APP goes to the site its SITE.NAME names (or /site.name:), a
 * VDIR to the application its APP.NAME names (or /app.name:). Everything
 * is committed in one transaction; one line per object is printed
 * (APPPOOL object "X" added).
 *
 * Attributes and elements that this server's schema does not know (a file
 * from a newer IIS) are skipped, each with a warning on standard error:
 *
 *   WARNING: ignored attribute "processModel.newThing": not in this server's configuration schema
 *
 * instead of failing the import as IIS does ("The data is invalid.").
 * Objects of another type in the input are skipped with a warning.
 *
 * set, delete, start, stop and recycle run once per object of the input,
 * for the identifier its TYPE.NAME attribute holds, and stop at the first
 * error (what was done before it is printed first).
 *
 * Input that is not such a document is IIS's error:
 *   ERROR ( hresult:8007000d, message:Command execution failed.
 *   The data is invalid.
 *    )
 */
#include "input.h"
#include "write.h"

#include "util/str.h"

#include <stdio.h>
#include <string.h>

static int read_all(ah_buf *b)
{
	char chunk[65536];
	size_t n;
	while ((n = fread(chunk, 1, sizeof(chunk), stdin)) > 0)
		ah_buf_put(b, chunk, n);
	if (ferror(stdin))
		return AH_EIO;
	return ah_buf_oom(b) ? AH_ENOMEM : 0;
}

static int invalid_data(ah_buf *out)
{
	return cli_error_failed(out, AH_HR_INVALID_DATA, "The data is invalid.");
}

int cli_input_load(cli_xnode **root, ah_arena *arena, ah_buf *out)
{
	ah_buf in = AH_BUF_INIT;
	int rc = read_all(&in);
	unsigned line;
	if (rc == 0)
		rc = cli_xml_read(root, arena, ah_buf_cstr(&in), in.len, &line);
	ah_buf_free(&in);
	if (rc == AH_ECONFIG || (rc == 0 && strcmp((*root)->tag, "appcmd") != 0))
		return invalid_data(out);
	return rc < 0 ? cli_error_engine(out, rc) : 0;
}


/* The identifier an object element holds: its TYPE.NAME attribute. */
static const char *ident_of(ah_arena *arena, const cli_kind *kind, const cli_xnode *obj)
{
	const char *attr = ah_arena_printf(arena, "%s.NAME", kind->name);
	return attr ? cli_xnode_get(obj, attr) : NULL;
}

int cli_run_each_input(ah_buf *out, cli_args *a, const cli_kind *kind, cli_verb_fn fn)
{
	ah_arena *arena = ah_arena_new();
	cli_param *params = ah_calloc(a->nparams + 1, sizeof(*params));
	cli_xnode *root = NULL;
	int status = arena && params ? cli_input_load(&root, arena, out)
				     : cli_error_engine(out, AH_ENOMEM);
	for (const cli_xnode *obj = root ? root->first : NULL; obj && !status; obj = obj->next) {
		const char *id = ident_of(arena, kind, obj);
		if (!ah_strcaseeq(obj->tag, kind->name) || !id) {
			cli_warn("ignored a %s object: the command works on %s objects", obj->tag,
				 kind->name);
			continue;
		}
		/* the command as if the identifier had been written on its line */
		cli_args b = *a;
		if (a->nparams)
			memcpy(params, a->params, a->nparams * sizeof(*params));
		b.params = params;
		b.in = false;
		b.ident = id;
		ah_buf one = AH_BUF_INIT;
		status = fn(&one, &b, kind);
		ah_buf_put(out, one.ptr ? one.ptr : "", one.len);
		ah_buf_free(&one);
	}
	ah_free(params);
	ah_arena_free(arena);
	return status;
}
