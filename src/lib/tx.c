/*
 * Write transactions (include/apphost/edit.h).
 *
 * A transaction is a list of operations. Commit:
 *   1. resolves every operation to its target file and location path;
 *   2. locks the target files (in path order: no deadlock between writers);
 *   3. reads each file as it is on disk now and applies the operations to it
 *      with the XML editor (xedit.c), so a concurrent writer's change is kept:
 *      operations are re-applied to the newest content, never to a stale copy;
 *   4. checks the result: the changed sections are read back through a view of
 *      the store that sees the new contents (all of the engine's rules apply,
 *      with IIS's messages); any error and nothing is written;
 *   5. replaces each changed file atomically (fs.h), then unlocks.
 */
#include "engine.h"
#include "apphost/edit.h"
#include "apphost/history.h"
#include "xedit.h"

#include "util/str.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>

typedef enum {
	OP_SET,
	OP_UNSET,
	OP_ADD,
	OP_REMOVE,
	OP_CLEAR_COLL,
	OP_CLEAR,
	OP_OVERRIDE,
} op_kind;

typedef struct op {
	op_kind kind;
	char *path;     /* normalized configuration path */
	char *commit;   /* normalized commit path */
	const char *section;
	ah_step *steps;
	size_t nsteps;
	const char *attr, *value;      /* SET, UNSET; OVERRIDE: value = mode or NULL */
	const char *tag;               /* ADD */
	const char **names, **values;  /* ADD */
	size_t n;
	long position;                 /* ADD */
	ah_step item;                  /* REMOVE */
	/* resolved at commit */
	struct tfile *file;
	const char *location;          /* NULL: the file's top level */
	struct op *next;
} op;

typedef struct tfile {
	char *path;
	bool existed;
	char *data;
	size_t len;
	ah_edoc *doc;
	ah_buf out;
	bool changed;
	ah_fs_lock lock;
	struct tfile *next;
} tfile;

struct ah_tx {
	ah_config *cfg;
	ah_arena *arena;
	op *ops, *last;
	tfile *files;
	const char **written;
	size_t nwritten;
};

int ah_tx_begin(ah_tx **out, ah_config *cfg)
{
	*out = NULL;
	ah_tx *tx = ah_calloc(1, sizeof(*tx));
	if (!tx || !(tx->arena = ah_arena_new())) {
		ah_free(tx);
		return AH_ENOMEM;
	}
	tx->cfg = cfg;
	*out = tx;
	return 0;
}

static void free_files(ah_tx *tx)
{
	tfile *f = tx->files;
	while (f) {
		tfile *n = f->next;
		ah_fs_lock_release(&f->lock);
		ah__edoc_free(f->doc);
		ah_free(f->data);
		ah_buf_free(&f->out);
		ah_free(f->path);
		ah_free(f);
		f = n;
	}
	tx->files = NULL;
}

void ah_tx_free(ah_tx *tx)
{
	if (!tx)
		return;
	free_files(tx);
	for (op *o = tx->ops; o; o = o->next) {
		ah_free(o->path);
		ah_free(o->commit);
	}
	ah_arena_free(tx->arena);
	ah_free(tx);
}

size_t ah_tx_written(const ah_tx *tx)
{
	return tx->nwritten;
}

const char *ah_tx_written_path(const ah_tx *tx, size_t i)
{
	return i < tx->nwritten ? tx->written[i] : NULL;
}

/* ---- staging ------------------------------------------------------------------------ */

static const char **copy_strs(ah_arena *a, const char *const *v, size_t n)
{
	const char **r = ah_arena_alloc(a, (n ? n : 1) * sizeof(*r));
	if (!r)
		return NULL;
	for (size_t i = 0; i < n; i++)
		if (!(r[i] = ah_arena_strdup(a, v[i] ? v[i] : "")))
			return NULL;
	return r;
}

static int copy_step(ah_arena *a, ah_step *dst, const ah_step *src)
{
	*dst = *src;
	if (src->name && !(dst->name = ah_arena_strdup(a, src->name)))
		return AH_ENOMEM;
	if (src->nkeys) {
		dst->keys = copy_strs(a, src->keys, src->nkeys);
		dst->values = copy_strs(a, src->values, src->nkeys);
		if (!dst->keys || !dst->values)
			return AH_ENOMEM;
	}
	return 0;
}

static op *stage(ah_tx *tx, op_kind kind, const ah_where *w)
{
	ah_arena *a = tx->arena;
	op *o = ah_arena_alloc(a, sizeof(*o));
	if (!o)
		return NULL;
	o->kind = kind;
	if (ah_config_path_normalize(&o->path, tx->cfg, w->path) < 0)
		return NULL;
	if (ah_config_path_normalize(&o->commit, tx->cfg, w->commit ? w->commit : w->path) < 0) {
		ah_free(o->path);
		return NULL;
	}
	if (!ah__path_is_ancestor_or_self(o->commit, o->path)) {
		ah_error_set(AH_EINVALID, AH_HR_INVALID_ARG, NULL, 0,
			     "The commit path '%s' is not at or above the configuration path '%s'",
			     o->commit, o->path);
		ah_free(o->path);
		ah_free(o->commit);
		return NULL;
	}
	o->section = ah_arena_strdup(a, w->section);
	if (w->nsteps) {
		o->steps = ah_arena_alloc(a, w->nsteps * sizeof(ah_step));
		if (!o->steps)
			return NULL;
		for (size_t i = 0; i < w->nsteps; i++)
			if (copy_step(a, &o->steps[i], &w->steps[i]) < 0)
				return NULL;
		o->nsteps = w->nsteps;
	}
	if (tx->last)
		tx->last->next = o;
	else
		tx->ops = o;
	tx->last = o;
	return o->section ? o : NULL;
}

/* The schema element the steps of w address (NULL with the error set). */
static const ah_elem_schema *step_schema(ah_tx *tx, const char *section, const ah_step *steps,
					 size_t n)
{
	const ah_section_schema *ss = ah__schema_section(tx->cfg->schema, section);
	if (!ss) {
		ah_error_set(AH_ENOTFOUND, AH_HR_NOT_SUPPORTED, NULL, 0,
			     "The configuration section '%s' cannot be read because it is missing "
			     "schema",
			     section);
		return NULL;
	}
	const ah_elem_schema *e = &ss->root;
	for (size_t i = 0; i < n; i++) {
		if (steps[i].name) {
			const ah_elem_schema *c = ah__schema_elem(e, steps[i].name);
			if (!c) {
				ah_error_set(AH_ENOTFOUND, AH_HR_INVALID_ARG, NULL, 0,
					     "Unrecognized element '%s'", steps[i].name);
				return NULL;
			}
			e = c;
		} else {
			if (!e->coll) {
				ah_error_set(AH_ENOTFOUND, AH_HR_INVALID_ARG, NULL, 0,
					     "The element '%s' has no collection", e->name);
				return NULL;
			}
			e = &e->coll->item;
		}
	}
	return e;
}

static int check_attr(ah_tx *tx, const ah_where *w, const char *attr,
		      const ah_attr_schema **out)
{
	const ah_elem_schema *e = step_schema(tx, w->section, w->steps, w->nsteps);
	if (!e)
		return ah_error_last()->code;
	const ah_attr_schema *a = ah__schema_attr(e, attr);
	if ((!a || a->extension) && !e->allow_unrecognized)
		return ah_error_set(AH_ENOTFOUND, AH_HR_INVALID_ARG, NULL, 0,
				    "Unrecognized attribute '%s'", attr);
	*out = a && !a->extension ? a : NULL;
	return 0;
}

/* The text IIS writes for value: typed values in their canonical form
 * ("True" -> "true", "localservice" -> "LocalService"); strings, and values
 * the type refuses (the commit reports them), as given. */
static const char *canonical(ah_tx *tx, const ah_attr_schema *a, const char *value)
{
	if (!a || a->type == AH_T_STRING)
		return ah_arena_strdup(tx->arena, value);
	ah_value v;
	if (ah__value_parse(&v, a, value, NULL) < 0)
		return ah_arena_strdup(tx->arena, value);
	ah_buf b = AH_BUF_INIT;
	ah__value_format(&b, a, &v);
	const char *r = ah_buf_oom(&b) ? NULL : ah_arena_strdup(tx->arena, ah_buf_cstr(&b));
	ah_buf_free(&b);
	return r;
}

int ah_tx_set(ah_tx *tx, const ah_where *w, const char *attr, const char *value)
{
	const ah_attr_schema *a = NULL;
	int rc = check_attr(tx, w, attr, &a);
	if (rc < 0)
		return rc;
	op *o = stage(tx, OP_SET, w);
	if (!o)
		return ah_error_last() ? ah_error_last()->code : AH_ENOMEM;
	o->attr = ah_arena_strdup(tx->arena, attr);
	o->value = canonical(tx, a, value ? value : "");
	return o->attr && o->value ? 0 : AH_ENOMEM;
}

int ah_tx_unset(ah_tx *tx, const ah_where *w, const char *attr)
{
	op *o = stage(tx, OP_UNSET, w);
	if (!o)
		return ah_error_last() ? ah_error_last()->code : AH_ENOMEM;
	o->attr = ah_arena_strdup(tx->arena, attr);
	return o->attr ? 0 : AH_ENOMEM;
}

/* The schema element w addresses, which must hold a collection. */
static const ah_elem_schema *collection_schema(ah_tx *tx, const ah_where *w)
{
	const ah_elem_schema *e = step_schema(tx, w->section, w->steps, w->nsteps);
	if (e && !e->coll) {
		ah_error_set(AH_EINVALID, AH_HR_INVALID_ARG, NULL, 0,
			     "The element '%s' has no collection", e->name);
		return NULL;
	}
	return e;
}

int ah_tx_add(ah_tx *tx, const ah_where *w, const char *tag, const char *const *names,
	      const char *const *values, size_t n, long position)
{
	const ah_elem_schema *e = collection_schema(tx, w);
	if (!e)
		return ah_error_last()->code;
	if (tag && !ah__schema_is_add(e->coll, tag))
		return ah_error_set(AH_EINVALID, AH_HR_INVALID_ARG, NULL, 0,
				    "Unrecognized element '%s'", tag);
	for (size_t i = 0; i < n; i++) {
		const ah_attr_schema *a = ah__schema_attr(&e->coll->item, names[i]);
		if ((!a || a->extension) && !e->coll->allow_unrecognized &&
		    !e->coll->item.allow_unrecognized)
			return ah_error_set(AH_ENOTFOUND, AH_HR_INVALID_ARG, NULL, 0,
					    "Unrecognized attribute '%s'", names[i]);
	}
	op *o = stage(tx, OP_ADD, w);
	if (!o)
		return ah_error_last() ? ah_error_last()->code : AH_ENOMEM;
	o->tag = ah_arena_strdup(tx->arena, tag ? tag : e->coll->add_names[0]);
	o->names = copy_strs(tx->arena, names, n);
	o->values = ah_arena_alloc(tx->arena, (n ? n : 1) * sizeof(char *));
	for (size_t i = 0; o->values && i < n; i++) {
		const ah_attr_schema *a = ah__schema_attr(&e->coll->item, names[i]);
		if (!(o->values[i] = canonical(tx, a, values[i] ? values[i] : "")))
			return AH_ENOMEM;
	}
	o->n = n;
	o->position = position;
	return o->tag && o->names && o->values ? 0 : AH_ENOMEM;
}

int ah_tx_remove(ah_tx *tx, const ah_where *w, const ah_step *item)
{
	const ah_elem_schema *e = collection_schema(tx, w);
	if (!e)
		return ah_error_last()->code;
	op *o = stage(tx, OP_REMOVE, w);
	if (!o)
		return ah_error_last() ? ah_error_last()->code : AH_ENOMEM;
	return copy_step(tx->arena, &o->item, item);
}

int ah_tx_clear_collection(ah_tx *tx, const ah_where *w)
{
	const ah_elem_schema *e = step_schema(tx, w->section, w->steps, w->nsteps);
	if (!e)
		return ah_error_last()->code;
	if (!e->coll || !e->coll->clear_name)
		return ah_error_set(AH_EINVALID, AH_HR_INVALID_ARG, NULL, 0,
				    "The collection of '%s' cannot be cleared", e->name);
	return stage(tx, OP_CLEAR_COLL, w) ? 0 : (ah_error_last() ? ah_error_last()->code : AH_ENOMEM);
}

int ah_tx_clear(ah_tx *tx, const ah_where *w)
{
	return stage(tx, OP_CLEAR, w) ? 0 : (ah_error_last() ? ah_error_last()->code : AH_ENOMEM);
}

int ah_tx_override_mode(ah_tx *tx, const char *path, const char *commit, const char *section,
			const char *mode)
{
	if (mode && !ah_strcaseeq(mode, "Allow") && !ah_strcaseeq(mode, "Deny"))
		return ah_error_set(AH_EINVALID, AH_HR_INVALID_ARG, NULL, 0,
				    "The 'overrideMode' attribute is invalid.  Enum must be one of "
				    "Inherit, Allow, Deny");
	ah_where w = {.path = path, .commit = commit ? commit : AH_APPHOST_PATH,
		      .section = section};
	op *o = stage(tx, OP_OVERRIDE, &w);
	if (!o)
		return ah_error_last() ? ah_error_last()->code : AH_ENOMEM;
	if (mode && !(o->value = ah_arena_strdup(tx->arena, ah_strcaseeq(mode, "Allow") ? "Allow"
												 : "Deny")))
		return AH_ENOMEM;
	return 0;
}

/* ---- resolving targets ------------------------------------------------------------------ */

/* The file of configuration level `commit`. */
static int file_of_level(char **out, ah_tx *tx, const char *commit)
{
	ah_config *cfg = tx->cfg;
	*out = NULL;
	if (ah_strcaseeq(commit, AH_APPHOST_PATH))
		*out = ah_strdup(cfg->apphost_path);
	else if (ah_strcaseeq(commit, "MACHINE/WEBROOT"))
		*out = ah_strdup(cfg->rootweb_path);
	else if (ah_strcaseeq(commit, "MACHINE"))
		*out = ah_strdup(cfg->machine_path);
	if (*out)
		return 0;
	ah_arena *a = ah_arena_new();
	if (!a)
		return AH_ENOMEM;
	ah_chain ch;
	int rc = ah__chain_build(&ch, cfg, a, commit);
	if (rc == 0) {
		const ah_level *l = &ch.levels[ch.n - 1];
		if (l->file && l->file->exists && !l->file->builtin) {
			*out = ah_strdup(l->file->path);
		} else if (!l->phys) {
			rc = ah_error_set(AH_ENOTFOUND, AH_HR_PATH_NOT_FOUND, NULL, 0,
					  "The configuration path '%s' maps to no folder", commit);
		} else if (!ah_fs_is_dir(l->phys)) {
			rc = ah_error_set(AH_ENOTFOUND, AH_HR_PATH_NOT_FOUND, NULL, 0,
					  "Cannot write configuration file: the folder '%s' of "
					  "'%s' does not exist",
					  l->phys, commit);
		} else {
			ah_buf b = AH_BUF_INIT;
			ah_buf_printf(&b, "%s/web.config", l->phys);
			*out = ah_buf_oom(&b) ? NULL : ah_buf_detach(&b);
			if (!*out)
				rc = AH_ENOMEM;
		}
	}
	ah_arena_free(a);
	return rc;
}

static tfile *file_entry(ah_tx *tx, const char *path)
{
	for (tfile *f = tx->files; f; f = f->next)
		if (strcmp(f->path, path) == 0)
			return f;
	tfile *f = ah_calloc(1, sizeof(*f));
	if (!f || !(f->path = ah_strdup(path))) {
		ah_free(f);
		return NULL;
	}
	f->lock.fd = -1;
	/* keep the list sorted by path: locks are taken in this order */
	tfile **pp = &tx->files;
	while (*pp && strcmp((*pp)->path, path) < 0)
		pp = &(*pp)->next;
	f->next = *pp;
	*pp = f;
	return f;
}

static int resolve(ah_tx *tx, op *o)
{
	char *path;
	int rc = file_of_level(&path, tx, o->commit);
	if (rc < 0)
		return rc;
	o->file = file_entry(tx, path);
	ah_free(path);
	if (!o->file)
		return AH_ENOMEM;
	size_t cl = strlen(o->commit);
	o->location = NULL;
	if (o->kind == OP_OVERRIDE || strlen(o->path) > cl) {
		const char *rel = o->path + cl;
		while (*rel == '/')
			rel++;
		o->location = ah_arena_strdup(tx->arena, rel);
		if (!o->location)
			return AH_ENOMEM;
	}
	return 0;
}

/* ---- applying operations to a document --------------------------------------------------- */

static bool same_location(const char *a, const char *b)
{
	while (*a == '/' || *a == '\\')
		a++;
	while (*b == '/' || *b == '\\')
		b++;
	size_t la = strlen(a), lb = strlen(b);
	while (la && (a[la - 1] == '/' || a[la - 1] == '\\'))
		la--;
	while (lb && (b[lb - 1] == '/' || b[lb - 1] == '\\'))
		lb--;
	if (la == 1 && a[0] == '.')
		la = 0;
	if (lb == 1 && b[0] == '.')
		lb = 0;
	return la == lb && ah_strncaseeq(a, b, la);
}

/* The element for section `name` inside container, created when `create`. */
static ah_enode *section_elem(ah_enode *container, const char *name, bool create, bool is_root)
{
	char part[256];
	const char *p = name;
	ah_enode *cur = container;
	while (*p) {
		const char *slash = strchr(p, '/');
		size_t n = slash ? (size_t)(slash - p) : strlen(p);
		if (n >= sizeof(part))
			return NULL;
		memcpy(part, p, n);
		part[n] = '\0';
		ah_enode *c = ah__enode_find(cur, part);
		if (!c) {
			if (!create)
				return NULL;
			ah_enode *loc = cur == container && is_root ? ah__enode_find(cur, "location")
								    : NULL;
			c = loc ? ah__enode_insert_before(cur, loc, part) : ah__enode_add(cur, part, false);
			if (!c)
				return NULL;
		}
		cur = c;
		p = slash ? slash + 1 : p + n;
	}
	return cur;
}

/* The container of o's section in doc: the root or a <location>. */
static ah_enode *container_of(ah_edoc *doc, const op *o, bool create)
{
	ah_enode *root = ah__edoc_root(doc);
	if (!o->location)
		return root;
	ah_enode *first_match = NULL;
	for (ah_enode *c = ah__enode_first(root); c; c = ah__enode_next(c)) {
		if (strcmp(ah__enode_name(c), "location") != 0)
			continue;
		const char *p = ah__enode_attr(c, "path");
		if (!same_location(p ? p : "", o->location))
			continue;
		if (section_elem(c, o->section, false, false))
			return c;
		if (!first_match)
			first_match = c;
	}
	if (first_match || !create)
		return first_match;
	ah_enode *loc = ah__enode_add(root, "location", false);
	if (!loc || ah__enode_set_attr(loc, "path", o->location) < 0)
		return NULL;
	return loc;
}

static bool item_matches(const ah_enode *n, const ah_step *s)
{
	for (size_t k = 0; k < s->nkeys; k++) {
		const char *v = ah__enode_attr(n, s->keys[k]);
		if (!v || !ah_strcaseeq(v, s->values[k]))
			return false;
	}
	return true;
}

/* Item `s` of the collection of element n (schema e), in this file. */
static ah_enode *find_item(ah_enode *n, const ah_elem_schema *e, const ah_step *s)
{
	long idx = 0;
	for (ah_enode *c = ah__enode_first(n); c; c = ah__enode_next(c)) {
		if (!ah__schema_is_add(e->coll, ah__enode_name(c)))
			continue;
		if (s->index >= 0 ? idx == s->index : item_matches(c, s))
			return c;
		idx++;
	}
	return NULL;
}

static int not_found(void)
{
	return ah_error_set(AH_ENOTFOUND, AH_HR_NOT_FOUND, NULL, 0,
			    "Cannot find requested collection element.");
}

/* Walk o's steps from the section element. */
static int walk(ah_enode **out, ah_tx *tx, ah_enode *sec, const op *o, bool create,
		const ah_elem_schema **schema)
{
	const ah_elem_schema *e = &ah__schema_section(tx->cfg->schema, o->section)->root;
	ah_enode *cur = sec;
	for (size_t i = 0; i < o->nsteps; i++) {
		const ah_step *s = &o->steps[i];
		if (s->name) {
			ah_enode *c = ah__enode_find(cur, s->name);
			if (!c && create)
				c = ah__enode_add(cur, s->name, false);
			if (!c)
				return create ? AH_ENOMEM : not_found();
			cur = c;
			e = ah__schema_elem(e, s->name);
		} else {
			ah_enode *c = find_item(cur, e, s);
			if (!c)
				return not_found();
			cur = c;
			e = &e->coll->item;
		}
	}
	*out = cur;
	*schema = e;
	return 0;
}

static bool is_directive_tag(const ah_coll_schema *c, const char *name)
{
	return ah__schema_is_add(c, name) || (c->remove_name && strcmp(c->remove_name, name) == 0) ||
	       (c->clear_name && strcmp(c->clear_name, name) == 0);
}

/* A new item at the end of the items: after the last directive (add, remove,
 * clear), or before everything else when there is none, so that items stay
 * together ahead of elements such as <applicationPoolDefaults> or <bindings>,
 * as in IIS's files. */
static ah_enode *add_at_end(ah_enode *coll, const ah_elem_schema *e, const char *tag)
{
	ah_enode *last = NULL;
	for (ah_enode *c = ah__enode_first(coll); c; c = ah__enode_next(c))
		if (is_directive_tag(e->coll, ah__enode_name(c)))
			last = c;
	ah_enode *before = last ? ah__enode_next(last) : ah__enode_first(coll);
	return before ? ah__enode_insert_before(coll, before, tag) : ah__enode_add(coll, tag, false);
}

static int apply_add(ah_enode *coll, const ah_elem_schema *e, const op *o)
{
	ah_enode *n = NULL;
	if (o->position == AH_POS_END) {
		n = add_at_end(coll, e, o->tag);
	} else {
		ah_enode *before = NULL;
		long idx = 0;
		for (ah_enode *c = ah__enode_first(coll); c && !before; c = ah__enode_next(c)) {
			if (!ah__schema_is_add(e->coll, ah__enode_name(c)))
				continue;
			if (o->position == AH_POS_START || idx == o->position)
				before = c;
			idx++;
		}
		n = before ? ah__enode_insert_before(coll, before, o->tag)
			   : ah__enode_add(coll, o->tag, false);
	}
	if (!n)
		return AH_ENOMEM;
	for (size_t i = 0; i < o->n; i++)
		if (ah__enode_set_attr(n, o->names[i], o->values[i]) < 0)
			return AH_ENOMEM;
	return 0;
}

/* The key attributes of an item of collection schema e, as a remove directive needs. */
static int write_remove(ah_enode *coll, const ah_elem_schema *e, const ah_step *item,
			const ah_elem *eff)
{
	ah_enode *r = ah__enode_add(coll, e->coll->remove_name, false);
	if (!r)
		return AH_ENOMEM;
	const ah_elem_schema *is = &e->coll->item;
	bool any_key = false;
	for (size_t i = 0; i < is->nattrs; i++) {
		const ah_attr_schema *a = is->attrs[i];
		if (!a->unique_key && !a->combined_key)
			continue;
		any_key = true;
		if (ah__enode_set_attr(r, a->name, ah_elem_get(eff, a->name)) < 0)
			return AH_ENOMEM;
	}
	for (size_t k = 0; !any_key && k < item->nkeys; k++)
		if (ah__enode_set_attr(r, item->keys[k], item->values[k]) < 0)
			return AH_ENOMEM;
	return 0;
}

/* The effective item `item` of the collection o addresses, at o's path. */
static const ah_elem *effective_item(ah_tx *tx, const op *o, const ah_step *item)
{
	const ah_section *s;
	if (ah_config_lookup(&s, tx->cfg, o->section, o->path) < 0)
		return NULL;
	const ah_elem *e = ah_section_root(s);
	for (size_t i = 0; i < o->nsteps && e; i++) {
		const ah_step *st = &o->steps[i];
		if (st->name) {
			e = ah_elem_child(e, st->name);
			continue;
		}
		const ah_elem *found = NULL;
		for (size_t k = 0; k < ah_elem_item_count(e) && !found; k++) {
			const ah_elem *it = ah_elem_item_at(e, k);
			bool ok = st->index >= 0 ? (long)k == st->index : true;
			for (size_t j = 0; ok && st->index < 0 && j < st->nkeys; j++)
				ok = ah_strcaseeq(ah_elem_get(it, st->keys[j]), st->values[j]);
			if (ok)
				found = it;
		}
		e = found;
	}
	if (!e)
		return NULL;
	for (size_t k = 0; k < ah_elem_item_count(e); k++) {
		const ah_elem *it = ah_elem_item_at(e, k);
		bool ok = item->index >= 0 ? (long)k == item->index : true;
		for (size_t j = 0; ok && item->index < 0 && j < item->nkeys; j++)
			ok = ah_strcaseeq(ah_elem_get(it, item->keys[j]), item->values[j]);
		if (ok)
			return it;
	}
	return NULL;
}

static int apply_remove(ah_tx *tx, ah_enode *coll, const ah_elem_schema *e, const op *o)
{
	ah_enode *mine = find_item(coll, e, &o->item);
	if (mine) {
		ah__enode_delete(mine);
		return 0;
	}
	const ah_elem *eff = effective_item(tx, o, &o->item);
	if (!eff)
		return not_found();
	if (!e->coll->remove_name)
		return ah_error_set(AH_EINVALID, AH_HR_INVALID_ARG, NULL, 0,
				    "The collection of '%s' does not support removing inherited "
				    "items",
				    e->name);
	return write_remove(coll, e, &o->item, eff);
}

static int apply_clear_coll(ah_enode *coll, const ah_elem_schema *e)
{
	for (ah_enode *c = ah__enode_first(coll); c; c = ah__enode_next(c)) {
		const char *nm = ah__enode_name(c);
		if (ah__schema_is_add(e->coll, nm) ||
		    (e->coll->remove_name && strcmp(nm, e->coll->remove_name) == 0) ||
		    strcmp(nm, e->coll->clear_name) == 0)
			ah__enode_delete(c);
	}
	return ah__enode_add(coll, e->coll->clear_name, true) ? 0 : AH_ENOMEM;
}

/* Remove the now-empty ancestors of n up to the container, and the container
 * itself when it is a <location> left with nothing but its path. */
static void prune(ah_enode *n, ah_enode *cont)
{
	while (n && n != cont && ah__enode_is_empty(n) && ah__enode_attr_count(n) == 0) {
		ah_enode *p = ah__enode_parent(n);
		ah__enode_delete(n);
		n = p;
	}
	if (n == cont && ah__enode_parent(cont) && ah__enode_is_empty(cont) &&
	    !ah__enode_attr(cont, "overrideMode") && !ah__enode_attr(cont, "allowOverride"))
		ah__enode_delete(cont);
}

/* True when removing `inner` would leave `outer` empty. */
static bool only_holds(ah_enode *outer, ah_enode *inner)
{
	for (ah_enode *n = inner; n && n != outer; n = ah__enode_parent(n)) {
		ah_enode *p = ah__enode_parent(n);
		if (ah__enode_first(p) != n || ah__enode_next(n))
			return false;
	}
	return true;
}

/*
 * overrideMode for one section at one path. The mode of a <location> applies
 * to every section it holds, so the section gets a location tag of its own
 * when it shares one: its content (from that location, or from the file's top
 * level when the location names the file's own level) moves into the new tag.
 */
static int apply_override(ah_edoc *doc, ah_enode *found, const op *o)
{
	ah_enode *root = ah__edoc_root(doc);
	ah_enode *sec = found ? section_elem(found, o->section, false, false) : NULL;
	if (!o->value) {
		if (sec && only_holds(found, sec))
			return ah__enode_del_attr(found, "overrideMode") < 0 ||
					       ah__enode_del_attr(found, "allowOverride") < 0
				       ? AH_ENOMEM
				       : 0;
		return 0;
	}
	if (sec && only_holds(found, sec)) {
		int rc = ah__enode_set_attr(found, "overrideMode", o->value);
		return rc ? rc : ah__enode_del_attr(found, "allowOverride");
	}
	ah_enode *from = sec ? found : NULL;
	if (!sec && !*o->location) {
		/* a location for the file's own level: the section's top-level content */
		sec = section_elem(root, o->section, false, true);
		from = sec ? root : NULL;
	}
	ah_enode *loc = ah__enode_add(root, "location", false);
	if (!loc || ah__enode_set_attr(loc, "path", o->location) < 0 ||
	    ah__enode_set_attr(loc, "overrideMode", o->value) < 0)
		return AH_ENOMEM;
	ah_enode *group = section_elem(loc, o->section, true, false);
	if (!group)
		return AH_ENOMEM;
	if (!sec)
		return 0;
	/* replace the empty element just made by a copy of the existing one */
	ah_enode *parent = ah__enode_parent(group);
	ah__enode_delete(group);
	if (!ah__enode_copy_into(parent, sec))
		return AH_ENOMEM;
	ah_enode *p = ah__enode_parent(sec);
	ah__enode_delete(sec);
	prune(p, from);
	return 0;
}

static int apply_op(ah_tx *tx, ah_edoc *doc, const op *o)
{
	if (o->kind == OP_OVERRIDE)
		return apply_override(doc, container_of(doc, o, false), o);
	bool create = o->kind != OP_UNSET && o->kind != OP_CLEAR && o->kind != OP_REMOVE;
	if (o->kind == OP_REMOVE)
		create = true; /* a <remove> may need the collection element */
	ah_enode *cont = container_of(doc, o, create);
	if (!cont)
		return create ? AH_ENOMEM : 0;
	ah_enode *sec = section_elem(cont, o->section, create, cont == ah__edoc_root(doc));
	if (!sec) {
		if (create)
			return AH_ENOMEM;
		return 0; /* nothing of it in this file: nothing to unset or clear */
	}
	ah_enode *n = NULL;
	const ah_elem_schema *e = NULL;
	int rc = walk(&n, tx, sec, o, create, &e);
	if (rc < 0) {
		if (!create && rc == AH_ENOTFOUND) {
			ah_error_clear();
			return 0;
		}
		return rc;
	}
	switch (o->kind) {
	case OP_SET:
		return ah__enode_set_attr(n, o->attr, o->value);
	case OP_UNSET:
		rc = ah__enode_del_attr(n, o->attr);
		prune(n, cont);
		return rc;
	case OP_ADD:
		return apply_add(n, e, o);
	case OP_REMOVE:
		return apply_remove(tx, n, e, o);
	case OP_CLEAR_COLL:
		return apply_clear_coll(n, e);
	case OP_CLEAR:
		ah__enode_delete(n);
		prune(ah__enode_parent(n), cont);
		return 0;
	default:
		return AH_EINVALID;
	}
}

/* ---- commit ------------------------------------------------------------------------------ */

static int load_file(tfile *f)
{
	ah_file_id id;
	int rc = ah_fs_read(&f->data, &f->len, &id, f->path);
	if (rc == AH_ENOTFOUND) {
		f->existed = false;
		return ah__edoc_new(&f->doc, "configuration");
	}
	if (rc < 0)
		return rc == AH_ENOMEM ? rc
				       : ah_error_set(AH_EIO, errno == EACCES ? AH_HR_ACCESS_DENIED
									     : AH_HR_INVALID_DATA,
						      f->path, 0,
						      errno == EACCES
							      ? "Cannot read configuration file due "
								"to insufficient permissions"
							      : "Cannot read configuration file");
	f->existed = true;
	unsigned line = 0;
	rc = ah__edoc_open(&f->doc, f->data, f->len, &line);
	if (rc == AH_ECONFIG)
		return ah_error_set(AH_ECONFIG, AH_HR_INVALID_DATA, f->path, line,
				    "Configuration file is not well-formed XML");
	return rc;
}

static int validate(ah_tx *tx)
{
	ah_map overlay;
	ah_map_init(&overlay, false);
	ah_overlay *ov = ah_arena_alloc(tx->arena, 16 * sizeof(*ov));
	size_t nov = 0, cap = 16;
	int rc = ov ? 0 : AH_ENOMEM;
	for (tfile *f = tx->files; f && rc == 0; f = f->next) {
		if (!f->changed)
			continue;
		if (nov == cap) {
			ah_overlay *nv = ah_arena_alloc(tx->arena, cap * 2 * sizeof(*nv));
			if (!nv) {
				rc = AH_ENOMEM;
				break;
			}
			memcpy(nv, ov, nov * sizeof(*nv));
			ov = nv;
			cap *= 2;
		}
		ov[nov].data = f->out.ptr;
		ov[nov].len = f->out.len;
		rc = ah_map_put(&overlay, f->path, &ov[nov]);
		nov++;
	}
	ah_config *view = NULL;
	if (rc == 0)
		rc = ah__config_view(&view, tx->cfg, &overlay);
	for (op *o = tx->ops; o && rc == 0; o = o->next) {
		ah_section *s = NULL;
		rc = ah_config_section(&s, view, o->section, o->path);
		ah_section_free(s);
		if (rc == 0 && o->location && o->kind == OP_OVERRIDE) {
			/* the locking level itself must read too */
			rc = ah_config_section(&s, view, o->section, o->commit);
			ah_section_free(s);
		}
	}
	ah_config_free(view);
	ah_map_free(&overlay);
	return rc;
}

static int prepare(ah_tx *tx)
{
	for (op *o = tx->ops; o; o = o->next) {
		int rc = resolve(tx, o);
		if (rc < 0)
			return rc;
	}
	for (tfile *f = tx->files; f; f = f->next) {
		int rc = ah_fs_lock_acquire(&f->lock, f->path, 10000);
		if (rc == 0)
			rc = load_file(f);
		if (rc < 0)
			return rc;
	}
	for (op *o = tx->ops; o; o = o->next) {
		int rc = apply_op(tx, o->file->doc, o);
		if (rc < 0)
			return rc;
	}
	for (tfile *f = tx->files; f; f = f->next) {
		if (!ah__edoc_modified(f->doc))
			continue;
		int rc = ah__edoc_serialize(f->doc, &f->out);
		if (rc < 0)
			return rc;
		f->changed = !f->existed || f->out.len != f->len ||
			     memcmp(f->out.ptr, f->data, f->len) != 0;
	}
	return 0;
}

/* The mode of a file the commit creates: web.config files are read by the
 * workers (0644); applicationHost.config holds every pool's settings and
 * secrets and is root's alone (0600). An existing file keeps its mode. */
static unsigned new_file_mode(const ah_tx *tx, const tfile *f)
{
	const char *apphost = ah_config_apphost_path(tx->cfg);
	return apphost && strcmp(f->path, apphost) == 0 ? 0600 : 0644;
}

int ah_tx_commit(ah_tx *tx)
{
	free_files(tx);
	tx->nwritten = 0;
	int rc = prepare(tx);
	if (rc == 0)
		rc = validate(tx);
	size_t n = 0;
	for (tfile *f = tx->files; f; f = f->next)
		n += f->changed;
	if (rc == 0 && n) {
		tx->written = ah_arena_alloc(tx->arena, n * sizeof(char *));
		if (!tx->written)
			rc = AH_ENOMEM;
	}
	for (tfile *f = tx->files; f && rc == 0; f = f->next) {
		if (!f->changed)
			continue;
		rc = ah_fs_write_atomic(f->path, f->out.ptr, f->out.len, new_file_mode(tx, f));
		if (rc == 0 && !(tx->written[tx->nwritten++] = ah_arena_strdup(tx->arena, f->path)))
			rc = AH_ENOMEM;
	}
	free_files(tx);
	ah_config_invalidate(tx->cfg);
	if (rc == 0 && tx->nwritten)
		ah_history_after_write(tx->cfg);
	return rc;
}
