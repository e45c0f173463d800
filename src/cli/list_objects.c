/*
 * appcmd: `list site|app|vdir|apppool [identifier] [/filter:value...]`.
 *
 * Selection:
 * * The identifier (positional, or /site.name:, /app.name:, /vdir.name:,
 *   /apppool.name: for the object's own type) picks the object with that
 *   identifier, compared without regard to case. An APP or VDIR identifier
 *   without "/" names a site and picks its applications or directories.
 *   When nothing has the identifier: ERROR ( message:Cannot find SITE
 *   object with identifier "X". ), exit status 1168 (ERROR_NOT_FOUND).
 * * Every other parameter is a filter on a property (query.c); all must
 *   match. A filter on a property no object has is an error
 *   (Unknown attribute "x".), exit status 87.
 * * When nothing is selected the output is empty (the /xml document is
 *   still written) and the exit status is 1, so that scripts can test
 *   whether an object exists.
 *
 * Output: one line per object; /text:* the detail view; /text:ATTR one value
 * per line; /xml; /config and /config:* the configuration element of each
 * object as XML (out_config.c).
 */
#include "cli.h"

#include "apphost/crypt.h"
#include "util/str.h"

#include <string.h>

static bool ident_match(const cli_object *o, const char *id)
{
	if (ah_strcaseeq(o->id, id))
		return true;
	if ((o->kind->id == CLI_APP || o->kind->id == CLI_VDIR) && !strchr(id, '/')) {
		const char *site = cli_object_get(o, "SITE.NAME");
		return site && ah_strcaseeq(site, id);
	}
	return false;
}

static int print(ah_buf *out, const cli_args *a, ah_config *cfg, const cli_object **sel,
		 size_t n)
{
	if (a->mode == CLI_OUT_XML)
		cli_xml_begin(out);
	for (size_t i = 0; i < n; i++) {
		const cli_object *o = sel[i];
		const char *v;
		char *heap = NULL;
		switch (a->mode) {
		case CLI_OUT_XML:
			cli_xml_object(out, o, a->config);
			break;
		case CLI_OUT_DETAIL:
			cli_text_detail(out, o, cfg);
			break;
		case CLI_OUT_ATTR:
			if (!cli_query_plain(o, cfg, a->text_attr, &v, &heap))
				return cli_error_unknown_attr(out, a->text_attr);
			ah_buf_printf(out, "%s\n", v);
			ah_crypt_free(heap);
			break;
		case CLI_OUT_DEFAULT:
			if (a->config) {
				cli_xmlstyle style = {.step = 2, .all = a->config == 2};
				cli_config_print(out, o->elem, o->elem_tag, 0, &style);
			} else {
				cli_text_line(out, o);
			}
			break;
		}
	}
	if (a->mode == CLI_OUT_XML)
		cli_xml_end(out);
	return n ? 0 : 1;
}

static int select_and_print(ah_buf *out, cli_args *a, const cli_kind *kind, cli_objlist *l,
			    ah_config *cfg)
{
	const char *id = a->ident;
	if (!id)
		id = cli_args_take(a, kind->ident_param);
	const cli_object **sel = ah_calloc(l->n + 1, sizeof(*sel));
	if (!sel)
		return cli_error_engine(out, AH_ENOMEM);
	size_t n = 0;
	int status = 0;
	for (size_t i = 0; i < l->n; i++) {
		const cli_object *o = &l->v[i];
		const char *unknown = NULL;
		if (id && !ident_match(o, id))
			continue;
		if (!cli_query_match(o, a, &unknown)) {
			if (unknown) {
				status = cli_error_unknown_attr(out, unknown);
				goto done;
			}
			continue;
		}
		sel[n++] = o;
	}
	if (id && n == 0)
		status = cli_error_not_found(out, kind, id);
	else
		status = print(out, a, cfg, sel, n);
done:
	ah_free(sel);
	return status;
}

/* Whether the output or a filter shows what the pools' workers run as
 * (costs one request to the service per pool). */
static bool needs_worker_identity(const cli_args *a, const cli_kind *kind)
{
	static const char key[] = "workerIdentity";
	if (kind->id != CLI_APPPOOL)
		return false;
	if (a->mode == CLI_OUT_DETAIL || (a->mode == CLI_OUT_ATTR && ah_strcaseeq(a->text_attr, key)))
		return true;
	for (size_t i = 0; i < a->nparams; i++)
		if (ah_strcaseeq(a->params[i].name, key))
			return true;
	return false;
}

int cli_list_objects(ah_buf *out, cli_args *a, const cli_kind *kind)
{
	ah_config *cfg;
	int status;
	if (cli_open(&cfg, a, out, &status) < 0)
		return status;
	cli_objlist l;
	int rc = cli_objlist_init(&l);
	l.worker_identity = needs_worker_identity(a, kind);
	if (rc == 0)
		rc = cli_collect(&l, cfg, kind);
	if (rc < 0)
		status = cli_error_engine(out, rc);
	else
		status = select_and_print(out, a, kind, &l, cfg);
	cli_objlist_free(&l);
	ah_config_free(cfg);
	return status;
}
