/*
 * appcmd: a write in progress (write.h) — opening the store and the
 * transaction, the target, the object's base steps, and the commit with
 * IIS's errors.
 *
 * Errors of a commit (ah_tx_commit leaves every file as it was):
 *
 *   a duplicate item or a missing required attribute when the command adds
 *   an item (set config /+..., the /in import):
 *     ERROR ( message:New add object missing required attributes. <engine text>
 *     . )                                exit 183 for a duplicate, else 13
 *   an item addressed by key or position that does not exist:
 *     ERROR ( message:Cannot find requested collection element. )   exit 144
 *   anything else the engine reports (a locked section, a bad value, a file
 *   that is not well-formed): IIS's configuration-error layout (errors.c)
 *     ERROR ( message:Configuration error
 *     Filename: ...
 *     Line Number: ...
 *     Description: The 'identityType' attribute is invalid.  Enum must be one of ...
 *     . )
 *   The file and line are those of the configuration that would have been
 *   written.
 */
#include "write.h"

#include "util/str.h"

#include <string.h>

int cli_write_begin(cli_write *w, ah_buf *out, const cli_args *a)
{
	memset(w, 0, sizeof(*w));
	w->out = out;
	int status;
	if (cli_open(&w->cfg, a, out, &status) < 0)
		return status;
	w->arena = ah_arena_new();
	if (!w->arena || ah_tx_begin(&w->tx, w->cfg) < 0)
		return cli_error_engine(out, AH_ENOMEM);
	return 0;
}

void cli_write_end(cli_write *w)
{
	ah_tx_free(w->tx);
	ah_section_free(w->eff);
	ah_config_free(w->cfg);
	ah_arena_free(w->arena);
	memset(w, 0, sizeof(*w));
}

/* True when `up` is `path` or one of its ancestors. */
static bool at_or_above(const char *up, const char *path)
{
	size_t n = strlen(up);
	return ah_strncaseeq(up, path, n) && (path[n] == '\0' || path[n] == '/');
}

int cli_write_target(cli_write *w, const char *path, const char *commit, const char *section)
{
	char *p = NULL, *c = NULL;
	int rc = ah_config_path_normalize(&p, w->cfg, path);
	if (rc == 0)
		rc = ah_config_path_normalize(&c, w->cfg, commit ? commit : path);
	if (rc == 0) {
		w->path = ah_arena_strdup(w->arena, p);
		w->commit = ah_arena_strdup(w->arena, c);
		w->section = ah_arena_strdup(w->arena, section);
		if (!w->path || !w->commit || !w->section)
			rc = AH_ENOMEM;
	}
	ah_free(p);
	ah_free(c);
	if (rc < 0)
		return cli_error_engine(w->out, rc);
	if (!at_or_above(w->commit, w->path))
		return cli_error(w->out, CLI_EXIT_INVALID_ARG,
				 "The commit path \"%s\" is not at or above the configuration "
				 "path \"%s\".",
				 w->commit, w->path);
	ah_section_free(w->eff);
	w->eff = NULL;
	rc = ah_config_section(&w->eff, w->cfg, w->section, w->path);
	if (rc < 0)
		return cli_error_engine(w->out, rc);
	w->elem = NULL;
	w->nbase = 0;
	return 0;
}

static ah_step *grow(cli_write *w, size_t extra)
{
	ah_step *v = ah_arena_alloc(w->arena, (w->nbase + extra) * sizeof(*v));
	if (v && w->nbase)
		memcpy(v, w->base, w->nbase * sizeof(*v));
	return v;
}

static int item_step(cli_write *w, ah_step *s, const char *key, const char *value)
{
	const char **k = ah_arena_alloc(w->arena, sizeof(*k));
	const char **v = ah_arena_alloc(w->arena, sizeof(*v));
	if (!k || !v || !(k[0] = ah_arena_strdup(w->arena, key)) ||
	    !(v[0] = ah_arena_strdup(w->arena, value)))
		return AH_ENOMEM;
	*s = (ah_step){.name = NULL, .keys = k, .values = v, .nkeys = 1, .index = AH_POS_NONE};
	return 0;
}

int cli_write_base(cli_write *w, const char *child, const char *key, const char *value)
{
	const ah_elem *cur = w->nbase ? w->elem : ah_section_root(w->eff);
	ah_step *v = grow(w, 1);
	if (!v)
		return AH_ENOMEM;
	ah_step *s = &v[w->nbase];
	if (child) {
		const ah_elem *c = cur ? cli_elem_child_ci(cur, child) : NULL;
		*s = (ah_step){.name = c ? ah_elem_tag(c) : ah_arena_strdup(w->arena, child),
			       .index = AH_POS_NONE};
		if (!s->name)
			return AH_ENOMEM;
		w->elem = c;
		w->tag = s->name;
	} else {
		if (item_step(w, s, key, value) < 0)
			return AH_ENOMEM;
		const ah_elem *it = cur ? ah_elem_find_item(cur, key, value) : NULL;
		w->elem = it;
		w->tag = it ? ah_elem_tag(it) : w->tag;
	}
	w->base = v;
	w->nbase++;
	return 0;
}

ah_step *cli_write_steps_plus(cli_write *w, const char *key, const char *value, size_t *n)
{
	ah_step *v = grow(w, 1);
	if (!v || item_step(w, &v[w->nbase], key, value) < 0)
		return NULL;
	*n = w->nbase + 1;
	return v;
}

int cli_write_stage_error(cli_write *w, int rc, const char *shown)
{
	const ah_error *e = ah_error_last();
	if ((rc == AH_ENOTFOUND || rc == AH_EINVALID) && e && e->hresult == AH_HR_INVALID_ARG) {
		/* a name the schema does not have at that place */
		bool element = ah_startswith_ci(e->message, "Unrecognized element");
		ah_error_clear();
		if (w->lenient) {
			cli_warn("ignored %s \"%s\": not in this server's configuration schema",
				 element ? "the element of" : "attribute", shown);
			return 0;
		}
		return cli_error_unknown_attr(w->out, shown);
	}
	return cli_error_engine(w->out, rc);
}

/* The tag of the item a duplicate message names ("... of type 'add' ..."). */
static const char *tag_in(cli_write *w, const char *msg)
{
	const char *p = strstr(msg, "of type '");
	const char *q = p ? strchr(p + 9, '\'') : NULL;
	return q ? ah_arena_strndup(w->arena, p + 9, (size_t)(q - p - 9)) : NULL;
}

int cli_write_commit(cli_write *w)
{
	int rc = ah_tx_commit(w->tx);
	if (rc == 0)
		return 0;
	const ah_error *e = ah_error_last();
	if (!e)
		return cli_error_engine(w->out, rc);
	bool dup = ah_startswith_ci(e->message, "Cannot add duplicate collection entry");
	bool missing = ah_startswith_ci(e->message, "Missing required attribute");
	if (w->added && (dup || missing)) {
		const char *tag = tag_in(w, e->message);
		return cli_error_native(w->out, dup ? CLI_EXIT_ALREADY_EXISTS : CLI_EXIT_INVALID_DATA,
					"New %s object missing required attributes. %s",
					tag ? tag : w->added, e->message);
	}
	if (rc == AH_ENOTFOUND && e->hresult == AH_HR_NOT_FOUND && !e->file)
		return cli_error(w->out, CLI_EXIT_NOT_FOUND, "%s", e->message);
	return cli_error_engine(w->out, rc);
}

void cli_write_applied(cli_write *w)
{
	ah_buf_printf(w->out,
		      "Applied configuration changes to section \"%s\" for \"%s\" at "
		      "configuration commit path \"%s\"\n",
		      w->section, w->path, w->commit);
}
