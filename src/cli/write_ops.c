/*
 * appcmd: staging the changes a command line asks for (write.h).
 *
 * A parameter is a property expression (propexpr.h) applied below the
 * object's element:
 *
 *   /a.b.attr:value          set attr of child b of child a
 *   /[k='v'].attr:value      set attr of the item whose k is v
 *   /+a.[k='v',k2='w']       add an item to a's collection
 *   /-a.[k='v']              remove it (a <remove> when it is inherited)
 *
 * Names are resolved without regard to case against the effective section;
 * an indexer's keys are compared with the items' attributes the same way.
 *
 * Encryption: the schema's encrypted attributes (ah_attr_info.encrypted) are
 * found on the addressed element when it exists, else on any element of the
 * section with the same tag or the tag of its defaults element
 * (virtualDirectory / virtualDirectoryDefaults): every element the schema
 * declares exists in an effective section, so a pool's processModel is
 * always found under applicationPoolDefaults. The provider is that of the
 * schema default ("[enc:IISWASOnlyAesProvider::enc]"), read from an element
 * where the attribute is not set; AesProvider when no default names one.
 */
#include "write.h"

#include "apphost/crypt.h"
#include "util/str.h"

#include <string.h>

/* The item of collection element e that indexer s selects, or NULL. */
static const ah_elem *find_item(const ah_elem *e, const cli_pseg *s)
{
	size_t n = e ? ah_elem_item_count(e) : 0;
	for (size_t i = 0; i < n; i++) {
		const ah_elem *it = ah_elem_item_at(e, i);
		if (s->pos == CLI_PPOS_INDEX) {
			if ((long)i == s->index)
				return it;
			continue;
		}
		bool ok = true;
		for (size_t k = 0; k < s->nkeys && ok; k++) {
			ah_attr_info info;
			ok = cli_elem_attr_ci(it, s->keys[k], &info) &&
			     ah_strcaseeq(cli_attr_text(&info), s->values[k]);
		}
		if (ok)
			return it;
	}
	return NULL;
}

/* The keys of s spelled as the attributes of item it (when known). */
static const char **key_names(cli_write *w, const cli_pseg *s, const ah_elem *it)
{
	const char **k = ah_arena_alloc(w->arena, (s->nkeys ? s->nkeys : 1) * sizeof(*k));
	for (size_t i = 0; k && i < s->nkeys; i++) {
		ah_attr_info info;
		k[i] = it && cli_elem_attr_ci(it, s->keys[i], &info) ? info.name : s->keys[i];
	}
	return k;
}

int cli_write_resolve(cli_write *w, const cli_pseg *segs, size_t n, ah_step **steps,
		      size_t *nsteps, const ah_elem **elem)
{
	ah_step *v = ah_arena_alloc(w->arena, (w->nbase + n + 1) * sizeof(*v));
	if (!v)
		return AH_ENOMEM;
	if (w->nbase)
		memcpy(v, w->base, w->nbase * sizeof(*v));
	const ah_elem *e = w->nbase ? w->elem : ah_section_root(w->eff);
	for (size_t i = 0; i < n; i++) {
		const cli_pseg *s = &segs[i];
		ah_step *st = &v[w->nbase + i];
		*st = (ah_step){.index = AH_POS_NONE};
		if (s->name) {
			const ah_elem *c = e ? cli_elem_child_ci(e, s->name) : NULL;
			st->name = c ? ah_elem_tag(c) : s->name;
			e = c;
			continue;
		}
		const ah_elem *it = find_item(e, s);
		st->keys = key_names(w, s, it);
		if (!st->keys)
			return AH_ENOMEM;
		st->values = s->values;
		st->nkeys = s->nkeys;
		if (s->pos == CLI_PPOS_INDEX)
			st->index = s->index;
		e = it;
	}
	*steps = v;
	*nsteps = w->nbase + n;
	*elem = e;
	return 0;
}

/* ---- encryption ------------------------------------------------------------ */

static bool tag_like(const char *have, const char *tag)
{
	if (ah_strcaseeq(have, tag))
		return true;
	size_t n = strlen(tag);
	return ah_strncaseeq(have, tag, n) && ah_strcaseeq(have + n, "Defaults");
}

/* An element of the tree under e tagged like `tag` with attribute attr
 * (schema_only: whose value is the schema default). */
static bool find_like(const ah_elem *e, const char *tag, const char *attr, bool schema_only,
		      ah_attr_info *out, int depth)
{
	if (!e || depth > 32)
		return false;
	if (tag && tag_like(ah_elem_tag(e), tag) && cli_elem_attr_ci(e, attr, out) &&
	    (!schema_only || out->source == AH_VALUE_SCHEMA))
		return true;
	for (size_t i = 0; i < ah_elem_child_count(e); i++)
		if (find_like(ah_elem_child_at(e, i), tag, attr, schema_only, out, depth + 1))
			return true;
	for (size_t i = 0; i < ah_elem_item_count(e); i++)
		if (find_like(ah_elem_item_at(e, i), tag, attr, schema_only, out, depth + 1))
			return true;
	return false;
}

/* What the schema says of attribute attr of an element tagged `tag`
 * (elem: the element when it exists). false when nothing is known. */
static bool attr_schema(cli_write *w, const ah_elem *elem, const char *tag, const char *attr,
			ah_attr_info *out)
{
	if (elem)
		return cli_elem_attr_ci(elem, attr, out);
	return find_like(ah_section_root(w->eff), tag, attr, false, out, 0);
}

/* The value to store for attribute info: encrypted when the schema says
 * so. *stored is in the arena. Returns 0 or an exit status. */
static int secret(cli_write *w, const ah_attr_info *info, const char *tag, const char *value,
		  const char **stored)
{
	*stored = value;
	if (!info->encrypted || ah_crypt_is_encrypted(value))
		return 0;
	ah_attr_info def = *info;
	if (def.source != AH_VALUE_SCHEMA)
		find_like(ah_section_root(w->eff), tag, info->name, true, &def, 0);
	char *provider = NULL, *enc = NULL;
	int rc = 0;
	if (ah_crypt_is_encrypted(def.text))
		rc = ah_crypt_provider(&provider, def.text);
	if (rc == 0)
		rc = ah_crypt_encrypt(&enc, w->cfg, provider ? provider : "AesProvider", value);
	ah_free(provider);
	if (rc < 0)
		return cli_error_engine(w->out, rc);
	*stored = ah_arena_strdup(w->arena, enc);
	ah_free(enc);
	return *stored ? 0 : cli_error_engine(w->out, AH_ENOMEM);
}

/* ---- staging ------------------------------------------------------------------- */

int cli_write_set(cli_write *w, const ah_step *steps, size_t n, const ah_elem *elem,
		  const char *tag, const char *attr, const char *value, const char *shown)
{
	ah_attr_info info;
	const char *stored = value ? value : "";
	if (attr_schema(w, elem, tag, attr, &info)) {
		attr = info.name;
		int status = secret(w, &info, tag, stored, &stored);
		if (status)
			return status;
	}
	ah_where wh = {.path = w->path, .commit = w->commit, .section = w->section,
		       .steps = steps, .nsteps = n};
	int rc = ah_tx_set(w->tx, &wh, attr, stored);
	return rc < 0 ? cli_write_stage_error(w, rc, shown) : 0;
}

int cli_write_add(cli_write *w, const ah_step *steps, size_t n, const ah_elem *coll,
		  const char *tag, const char **names, const char **values, size_t count,
		  long position, const char *shown)
{
	/* the tag of the new item, for the names of its attributes and errors */
	const ah_elem *sample = coll && ah_elem_item_count(coll) ? ah_elem_item_at(coll, 0) : NULL;
	const char *itag = tag ? tag : sample ? ah_elem_tag(sample) : NULL;
	for (size_t i = 0; i < count; i++) {
		ah_attr_info info;
		if (!itag || !attr_schema(w, sample, itag, names[i], &info))
			continue;
		names[i] = info.name;
		int status = secret(w, &info, itag, values[i], &values[i]);
		if (status)
			return status;
	}
	ah_where wh = {.path = w->path, .commit = w->commit, .section = w->section,
		       .steps = steps, .nsteps = n};
	int rc = ah_tx_add(w->tx, &wh, tag, (const char *const *)names,
			   (const char *const *)values, count, position);
	if (rc < 0)
		return cli_write_stage_error(w, rc, shown);
	w->added = itag ? itag : "add";
	return 0;
}

static long add_position(const cli_pseg *s)
{
	switch (s->pos) {
	case CLI_PPOS_START:
		return AH_POS_START;
	case CLI_PPOS_INDEX:
		return s->index;
	default:
		return AH_POS_END;
	}
}

static int remove_item(cli_write *w, const ah_step *steps, size_t n, const ah_elem *coll,
		       const cli_pseg *s, const char *shown)
{
	const ah_elem *it = find_item(coll, s);
	ah_step item = {.name = NULL, .keys = key_names(w, s, it), .values = s->values,
			.nkeys = s->nkeys, .index = s->pos == CLI_PPOS_INDEX ? s->index : AH_POS_NONE};
	if (!item.keys)
		return cli_error_engine(w->out, AH_ENOMEM);
	ah_where wh = {.path = w->path, .commit = w->commit, .section = w->section,
		       .steps = steps, .nsteps = n};
	int rc = ah_tx_remove(w->tx, &wh, &item);
	return rc < 0 ? cli_write_stage_error(w, rc, shown) : 0;
}

int cli_write_param(cli_write *w, const char *name, const char *value)
{
	cli_pexpr e;
	int rc = cli_pexpr_parse(&e, w->arena, name);
	if (rc == CLI_PX_MALFORMED)
		return cli_error(w->out, CLI_EXIT_INVALID_DATA, CLI_MALFORMED_INDEXER);
	if (rc == CLI_PX_BADNAME)
		return cli_error_unknown_attr(w->out, name);
	if (rc < 0)
		return cli_error_engine(w->out, rc);
	size_t last = e.nsegs - 1;
	ah_step *steps;
	size_t n;
	const ah_elem *elem;
	if (cli_write_resolve(w, e.segs, last, &steps, &n, &elem) < 0)
		return cli_error_engine(w->out, AH_ENOMEM);
	const cli_pseg *s = &e.segs[last];
	if (e.op == CLI_POP_REMOVE)
		return remove_item(w, steps, n, elem, s, name);
	if (e.op == CLI_POP_SET) {
		const char *tag = last ? steps[n - 1].name : w->tag;
		if (!tag && elem)
			tag = ah_elem_tag(elem);
		return cli_write_set(w, steps, n, elem, tag, s->name, value, name);
	}
	const char **names = ah_arena_alloc(w->arena, (s->nkeys + 1) * sizeof(*names));
	const char **values = ah_arena_alloc(w->arena, (s->nkeys + 1) * sizeof(*values));
	if (!names || !values)
		return cli_error_engine(w->out, AH_ENOMEM);
	for (size_t i = 0; i < s->nkeys; i++) {
		names[i] = s->keys[i];
		values[i] = s->values[i];
	}
	return cli_write_add(w, steps, n, elem, NULL, names, values, s->nkeys, add_position(s),
			     name);
}

int cli_write_params(cli_write *w, cli_args *a)
{
	for (size_t i = 0; i < a->nparams; i++) {
		cli_param *p = &a->params[i];
		if (p->used)
			continue;
		p->used = true;
		int status = cli_write_param(w, p->name, p->value);
		if (status)
			return status;
	}
	return 0;
}
