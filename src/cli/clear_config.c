/*
 * appcmd: `clear config [PATH] /section:NAME [/element|/attribute ...] [/commit:WHERE]`.
 *
 * Takes configuration out of the file of the commit level (by default the
 * path's own), so that what the levels above say applies again:
 *
 *   clear config PATH /section:S               the section: its element is
 *                                              removed from that file (or
 *                                              from its <location>)
 *   clear config PATH /section:S /attr         the attribute is removed
 *   clear config PATH /section:S /a.b.attr     ... of a child element
 *   clear config PATH /section:S /a.b          a child element that holds a
 *                                              collection gets <clear />
 *                                              (this file's items go, the
 *                                              inherited ones are hidden);
 *                                              another child is removed
 *   clear config PATH /section:S /[k='v']      an item of the collection is
 *                                              removed from that file
 *
 * Values after ':' are ignored. Clearing what the file does not hold
 * changes nothing (and writes nothing). The output is the line set config
 * prints: Applied configuration changes to section ... at configuration
 * commit path "...".
 */
#include "write.h"

#include <string.h>

static int clear_one(cli_write *w, const char *name)
{
	cli_pexpr e;
	int rc = cli_pexpr_parse(&e, w->arena, name);
	bool item = false;
	if (rc == CLI_PX_BADNAME) {
		/* an indexer last ("/[k='v']"): the path of an item, read as a remove */
		const char *dashed = ah_arena_printf(w->arena, "-%s", name);
		cli_pexpr e2;
		int rc2 = dashed ? cli_pexpr_parse(&e2, w->arena, dashed) : AH_ENOMEM;
		if (rc2 == 0) {
			e = e2;
			rc = 0;
			item = true;
		} else if (rc2 == AH_ENOMEM) {
			rc = rc2;
		}
	}
	if (rc == CLI_PX_MALFORMED)
		return cli_error(w->out, CLI_EXIT_INVALID_DATA, CLI_MALFORMED_INDEXER);
	if (rc == CLI_PX_BADNAME || (rc == 0 && !item && e.op != CLI_POP_SET))
		return cli_error_unknown_attr(w->out, name);
	if (rc < 0)
		return cli_error_engine(w->out, rc);
	ah_step *steps;
	size_t n;
	const ah_elem *elem;
	size_t upto = item ? e.nsegs : e.nsegs - 1;
	if (cli_write_resolve(w, e.segs, upto, &steps, &n, &elem) < 0)
		return cli_error_engine(w->out, AH_ENOMEM);
	ah_where wh = {.path = w->path, .commit = w->commit, .section = w->section,
		       .steps = steps, .nsteps = n};
	if (item) {
		rc = ah_tx_clear(w->tx, &wh);
		return rc < 0 ? cli_write_stage_error(w, rc, name) : 0;
	}
	const char *last = e.segs[e.nsegs - 1].name;
	const ah_elem *child = elem ? cli_elem_child_ci(elem, last) : NULL;
	if (child) {
		ah_step *more = ah_arena_alloc(w->arena, (n + 1) * sizeof(*more));
		if (!more)
			return cli_error_engine(w->out, AH_ENOMEM);
		memcpy(more, steps, n * sizeof(*more));
		more[n] = (ah_step){.name = ah_elem_tag(child), .index = AH_POS_NONE};
		wh.steps = more;
		wh.nsteps = n + 1;
		rc = ah_elem_has_collection(child) ? ah_tx_clear_collection(w->tx, &wh)
						   : ah_tx_clear(w->tx, &wh);
		return rc < 0 ? cli_write_stage_error(w, rc, name) : 0;
	}
	ah_attr_info info;
	if (elem && !cli_elem_attr_ci(elem, last, &info))
		return cli_error_unknown_attr(w->out, name);
	rc = ah_tx_unset(w->tx, &wh, elem ? info.name : last);
	return rc < 0 ? cli_write_stage_error(w, rc, name) : 0;
}

int cli_clear_config(ah_buf *out, cli_args *a, const cli_kind *kind)
{
	if (a->section && strcmp(a->section, "?") == 0)
		return cli_list_config(out, a, kind); /* the section names */
	(void)kind;
	cli_write w;
	int status = cli_write_begin(&w, out, a);
	if (!status)
		status = cli_config_target(&w, a);
	bool any = false;
	for (size_t i = 0; !status && i < a->nparams; i++) {
		if (a->params[i].used)
			continue;
		a->params[i].used = true;
		any = true;
		status = clear_one(&w, a->params[i].name);
	}
	if (!status && !any) {
		ah_where wh = {.path = w.path, .commit = w.commit, .section = w.section};
		int rc = ah_tx_clear(w.tx, &wh);
		if (rc < 0)
			status = cli_error_engine(out, rc);
	}
	if (!status)
		status = cli_write_commit(&w);
	if (!status)
		cli_write_applied(&w);
	cli_write_end(&w);
	return status;
}
