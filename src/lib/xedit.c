/*
 * The XML editor (see xedit.h for the rules it keeps).
 *
 * Every node of the edit tree points at the element of the parsed source it
 * came from (src), or is new. Serialization copies the source bytes of every
 * subtree that no edit touched; inside a touched element it copies the text
 * between children (white space, comments) and serializes each child in turn.
 */
#include "xedit.h"

#include "apphost/errors.h"

#include <string.h>

enum { A_KEEP, A_CHANGED, A_ADDED, A_DELETED };

typedef struct eattr {
	const char *name;
	const char *value;
	int state;
} eattr;

struct ah_enode {
	ah_edoc *doc;
	const ah_xnode *src;
	const char *name;
	eattr *attrs;
	size_t nattrs, capattrs;
	bool attrs_dirty;
	bool dirty; /* something in this subtree changed */
	bool deleted;
	const char *indent; /* new nodes: their indentation */
	ah_enode *parent, *first, *last, *next, *prev;
};

struct ah_edoc {
	ah_arena *arena;
	const char *data;
	size_t len;
	ah_xdoc xdoc;
	ah_enode *root;
	const char *nl;
	const char *unit; /* indentation unit, found on first use */
	bool modified;
	bool is_new;
};

static void mark_dirty(ah_enode *n)
{
	n->doc->modified = true;
	for (; n && !n->dirty; n = n->parent)
		n->dirty = true;
}

static ah_enode *node_new(ah_edoc *d, const char *name)
{
	ah_enode *n = ah_arena_alloc(d->arena, sizeof(*n));
	if (!n)
		return NULL;
	n->doc = d;
	n->name = ah_arena_strdup(d->arena, name);
	return n->name ? n : NULL;
}

static void link_last(ah_enode *parent, ah_enode *c)
{
	c->parent = parent;
	c->prev = parent->last;
	if (parent->last)
		parent->last->next = c;
	else
		parent->first = c;
	parent->last = c;
}

static ah_enode *build(ah_edoc *d, const ah_xnode *x)
{
	ah_enode *n = node_new(d, x->name);
	if (!n)
		return NULL;
	n->src = x;
	if (x->nattrs) {
		n->attrs = ah_arena_alloc(d->arena, x->nattrs * sizeof(eattr));
		if (!n->attrs)
			return NULL;
		for (size_t i = 0; i < x->nattrs; i++) {
			n->attrs[i].name = x->attrs[i].name;
			n->attrs[i].value = x->attrs[i].value;
		}
		n->nattrs = n->capattrs = x->nattrs;
	}
	for (const ah_xnode *c = x->first; c; c = c->next) {
		ah_enode *e = build(d, c);
		if (!e)
			return NULL;
		link_last(n, e);
	}
	return n;
}

int ah__edoc_open(ah_edoc **out, const char *data, size_t len, unsigned *err_line)
{
	*out = NULL;
	ah_edoc *d = ah_calloc(1, sizeof(*d));
	if (!d || !(d->arena = ah_arena_new())) {
		ah_free(d);
		return AH_ENOMEM;
	}
	d->data = data;
	d->len = len;
	int rc = ah__xml_parse(&d->xdoc, d->arena, data, len, err_line);
	if (rc == 0 && !(d->root = build(d, d->xdoc.root)))
		rc = AH_ENOMEM;
	if (rc < 0) {
		ah__edoc_free(d);
		return rc;
	}
	d->nl = memmem(data, len, "\r\n", 2) ? "\r\n" : "\n";
	*out = d;
	return 0;
}

int ah__edoc_new(ah_edoc **out, const char *root)
{
	*out = NULL;
	ah_edoc *d = ah_calloc(1, sizeof(*d));
	if (!d || !(d->arena = ah_arena_new())) {
		ah_free(d);
		return AH_ENOMEM;
	}
	d->nl = "\n";
	d->is_new = true;
	d->modified = true;
	d->root = node_new(d, root);
	if (!d->root) {
		ah__edoc_free(d);
		return AH_ENOMEM;
	}
	d->root->indent = "";
	d->root->dirty = true;
	*out = d;
	return 0;
}

void ah__edoc_free(ah_edoc *d)
{
	if (!d)
		return;
	ah_arena_free(d->arena);
	ah_free(d);
}

ah_enode *ah__edoc_root(ah_edoc *d)
{
	return d->root;
}

bool ah__edoc_modified(const ah_edoc *d)
{
	return d->modified;
}

/* ---- navigation -------------------------------------------------------------- */

const char *ah__enode_name(const ah_enode *n)
{
	return n->name;
}

static ah_enode *live(ah_enode *n)
{
	while (n && n->deleted)
		n = n->next;
	return n;
}

ah_enode *ah__enode_first(ah_enode *n)
{
	return live(n->first);
}

ah_enode *ah__enode_next(ah_enode *n)
{
	return live(n->next);
}

ah_enode *ah__enode_parent(ah_enode *n)
{
	return n->parent;
}

ah_enode *ah__enode_find(ah_enode *n, const char *name)
{
	for (ah_enode *c = ah__enode_first(n); c; c = ah__enode_next(c))
		if (strcmp(c->name, name) == 0)
			return c;
	return NULL;
}

static eattr *find_attr(const ah_enode *n, const char *name)
{
	for (size_t i = 0; i < n->nattrs; i++)
		if (n->attrs[i].state != A_DELETED && strcmp(n->attrs[i].name, name) == 0)
			return &n->attrs[i];
	return NULL;
}

const char *ah__enode_attr(const ah_enode *n, const char *name)
{
	eattr *a = find_attr(n, name);
	return a ? a->value : NULL;
}

size_t ah__enode_attr_count(const ah_enode *n)
{
	size_t k = 0;
	for (size_t i = 0; i < n->nattrs; i++)
		k += n->attrs[i].state != A_DELETED;
	return k;
}

static const eattr *attr_at(const ah_enode *n, size_t i)
{
	for (size_t k = 0; k < n->nattrs; k++)
		if (n->attrs[k].state != A_DELETED && i-- == 0)
			return &n->attrs[k];
	return NULL;
}

const char *ah__enode_attr_name(const ah_enode *n, size_t i)
{
	const eattr *a = attr_at(n, i);
	return a ? a->name : NULL;
}

const char *ah__enode_attr_value(const ah_enode *n, size_t i)
{
	const eattr *a = attr_at(n, i);
	return a ? a->value : NULL;
}

unsigned ah__enode_line(const ah_enode *n)
{
	return n->src ? n->src->line : 0;
}

bool ah__enode_is_empty(ah_enode *n)
{
	return ah__enode_first(n) == NULL;
}

/* ---- edits ----------------------------------------------------------------------- */

int ah__enode_set_attr(ah_enode *n, const char *name, const char *value)
{
	ah_arena *a = n->doc->arena;
	eattr *e = find_attr(n, name);
	if (e) {
		if (strcmp(e->value, value) == 0)
			return 0;
		if (!(e->value = ah_arena_strdup(a, value)))
			return AH_ENOMEM;
		if (e->state == A_KEEP)
			e->state = A_CHANGED;
	} else {
		if (n->nattrs == n->capattrs) {
			size_t cap = n->capattrs ? n->capattrs * 2 : 4;
			eattr *na = ah_arena_alloc(a, cap * sizeof(*na));
			if (!na)
				return AH_ENOMEM;
			if (n->nattrs)
				memcpy(na, n->attrs, n->nattrs * sizeof(*na));
			n->attrs = na;
			n->capattrs = cap;
		}
		e = &n->attrs[n->nattrs++];
		e->name = ah_arena_strdup(a, name);
		e->value = ah_arena_strdup(a, value);
		e->state = A_ADDED;
		if (!e->name || !e->value)
			return AH_ENOMEM;
	}
	n->attrs_dirty = true;
	mark_dirty(n);
	return 0;
}

int ah__enode_del_attr(ah_enode *n, const char *name)
{
	eattr *e = find_attr(n, name);
	if (!e)
		return 0;
	e->state = A_DELETED;
	n->attrs_dirty = true;
	mark_dirty(n);
	return 0;
}

static ah_enode *new_child(ah_enode *n, const char *name)
{
	ah_enode *c = node_new(n->doc, name);
	if (!c)
		return NULL;
	c->parent = n;
	return c;
}

ah_enode *ah__enode_add(ah_enode *n, const char *name, bool first)
{
	ah_enode *c = new_child(n, name);
	if (!c)
		return NULL;
	if (first && n->first) {
		c->next = n->first;
		n->first->prev = c;
		n->first = c;
	} else {
		link_last(n, c);
	}
	mark_dirty(c);
	return c;
}

ah_enode *ah__enode_insert_before(ah_enode *n, ah_enode *before, const char *name)
{
	ah_enode *c = new_child(n, name);
	if (!c)
		return NULL;
	c->next = before;
	c->prev = before->prev;
	if (before->prev)
		before->prev->next = c;
	else
		n->first = c;
	before->prev = c;
	mark_dirty(c);
	return c;
}

void ah__enode_delete(ah_enode *n)
{
	n->deleted = true;
	if (n->parent)
		mark_dirty(n->parent);
	else
		n->doc->modified = true;
}

ah_enode *ah__enode_copy_into(ah_enode *n, ah_enode *src)
{
	ah_enode *c = ah__enode_add(n, src->name, false);
	if (!c)
		return NULL;
	for (size_t i = 0; i < ah__enode_attr_count(src); i++)
		if (ah__enode_set_attr(c, ah__enode_attr_name(src, i), ah__enode_attr_value(src, i)) < 0)
			return NULL;
	for (ah_enode *k = ah__enode_first(src); k; k = ah__enode_next(k))
		if (!ah__enode_copy_into(c, k))
			return NULL;
	return c;
}

/* ---- serialization --------------------------------------------------------------- */

static void put_escaped(ah_buf *out, const char *v, char quote)
{
	for (const char *p = v; *p; p++) {
		switch (*p) {
		case '&': ah_buf_puts(out, "&amp;"); break;
		case '<': ah_buf_puts(out, "&lt;"); break;
		case '>': ah_buf_puts(out, "&gt;"); break;
		case '"':
			ah_buf_puts(out, quote == '"' ? "&quot;" : "\"");
			break;
		case '\'':
			ah_buf_puts(out, quote == '\'' ? "&apos;" : "'");
			break;
		case '\r': ah_buf_puts(out, "&#xD;"); break;
		case '\n': ah_buf_puts(out, "&#xA;"); break;
		case '\t': ah_buf_puts(out, "&#x9;"); break;
		default: ah_buf_putc(out, *p);
		}
	}
}

static bool is_ws(char c)
{
	return c == ' ' || c == '\t' || c == '\r' || c == '\n';
}

/* The white space from the start of the source line to offset `at`, when only
 * white space precedes it on that line ("" otherwise). */
static const char *line_indent(ah_edoc *d, size_t at)
{
	size_t s = at;
	while (s > 0 && (d->data[s - 1] == ' ' || d->data[s - 1] == '\t'))
		s--;
	if (s > 0 && d->data[s - 1] != '\n')
		return "";
	return ah_arena_strndup(d->arena, d->data + s, at - s);
}

static const char *indent_of(ah_enode *n)
{
	if (n->indent)
		return n->indent;
	if (n->src)
		n->indent = line_indent(n->doc, n->src->start);
	return n->indent ? n->indent : "";
}

/* The document's indentation unit: that of the root's first child in the
 * source (IIS writes four spaces; files written by hand often use two). */
static const char *indent_unit(ah_edoc *d)
{
	if (d->unit)
		return d->unit;
	d->unit = "    ";
	for (ah_enode *c = d->root->first; c; c = c->next) {
		if (c->src) {
			const char *i = indent_of(c);
			if (*i)
				d->unit = i;
			break;
		}
	}
	return d->unit;
}

/* The indentation for a new child of n. */
static const char *child_indent(ah_enode *n)
{
	for (ah_enode *c = n->first; c; c = c->next)
		if (c->src)
			return indent_of(c);
	for (ah_enode *c = n->first; c; c = c->next)
		if (c->indent)
			return c->indent;
	return ah_arena_printf(n->doc->arena, "%s%s", indent_of(n), indent_unit(n->doc));
}

typedef struct tagattr {
	size_t ws, vstart, vend, end; /* offsets in the source */
	char quote;
} tagattr;

/* Lex the attributes of n's source start tag into t (n->src->nattrs entries);
 * returns the offset of the tag's tail (white space before "/>" or ">"). */
static size_t lex_tag(const ah_edoc *d, const ah_xnode *x, tagattr *t)
{
	const char *s = d->data;
	size_t p = x->start + 1 + strlen(x->name), end = x->start_end;
	size_t k = 0;
	for (;;) {
		size_t ws = p;
		while (p < end && is_ws(s[p]))
			p++;
		if (p >= end || s[p] == '/' || s[p] == '>' || k >= x->nattrs)
			return ws;
		while (p < end && s[p] != '=' && !is_ws(s[p]))
			p++;
		while (p < end && s[p] != '\'' && s[p] != '"')
			p++;
		if (p >= end)
			return ws;
		char q = s[p++];
		size_t vs = p;
		while (p < end && s[p] != q)
			p++;
		t[k].ws = ws;
		t[k].vstart = vs;
		t[k].vend = p;
		t[k].quote = q;
		t[k].end = ++p;
		k++;
	}
}

static void put_new_attrs(ah_buf *out, const ah_enode *n, bool only_added)
{
	for (size_t i = 0; i < n->nattrs; i++) {
		const eattr *a = &n->attrs[i];
		if (a->state == A_DELETED || (only_added && a->state != A_ADDED))
			continue;
		ah_buf_printf(out, " %s=\"", a->name);
		put_escaped(out, a->value, '"');
		ah_buf_putc(out, '"');
	}
}

/* n's start tag, without its closing "/>" or ">" (and the white space before). */
static void put_start_tag(ah_buf *out, ah_enode *n)
{
	ah_edoc *d = n->doc;
	const ah_xnode *x = n->src;
	if (!x) {
		ah_buf_printf(out, "<%s", n->name);
		put_new_attrs(out, n, false);
		return;
	}
	tagattr small[16], *t = x->nattrs <= 16 ? small : ah_arena_alloc(d->arena, x->nattrs * sizeof(*t));
	if (!t) {
		out->oom = true;
		return;
	}
	size_t tail = lex_tag(d, x, t);
	ah_buf_put(out, d->data + x->start, 1 + strlen(x->name));
	for (size_t i = 0; i < x->nattrs; i++) {
		const eattr *a = &n->attrs[i];
		if (a->state == A_DELETED)
			continue;
		if (a->state == A_KEEP) {
			ah_buf_put(out, d->data + t[i].ws, t[i].end - t[i].ws);
			continue;
		}
		ah_buf_put(out, d->data + t[i].ws, t[i].vstart - t[i].ws);
		put_escaped(out, a->value, t[i].quote);
		ah_buf_put(out, d->data + t[i].vend, t[i].end - t[i].vend);
	}
	put_new_attrs(out, n, true);
	(void)tail;
}

/* The source offset where the white space before the start tag's "/>" or ">" begins. */
static size_t tag_tail(const ah_edoc *d, const ah_xnode *x)
{
	size_t p = x->start_end - 1; /* '>' */
	if (p > x->start && d->data[p - 1] == '/')
		p--;
	while (p > x->start && is_ws(d->data[p - 1]))
		p--;
	return p;
}

static size_t end_tag_start(const ah_edoc *d, const ah_xnode *x)
{
	size_t p = x->end;
	while (p > x->start_end && d->data[p - 1] != '<')
		p--;
	return p - 1;
}

static void serialize(ah_buf *out, ah_enode *n);

static bool has_live_children(ah_enode *n)
{
	return ah__enode_first(n) != NULL;
}

static void put_new_child(ah_buf *out, ah_enode *parent, ah_enode *c)
{
	if (!c->indent)
		c->indent = child_indent(parent);
	ah_buf_puts(out, parent->doc->nl);
	ah_buf_puts(out, c->indent ? c->indent : "");
	serialize(out, c);
}

/* Copy the text before a deleted child, without the white space that begins its line. */
static void put_gap_before_deleted(ah_buf *out, const ah_edoc *d, size_t from, size_t to)
{
	size_t e = to;
	while (e > from && (d->data[e - 1] == ' ' || d->data[e - 1] == '\t'))
		e--;
	if (e > from && d->data[e - 1] == '\n') {
		e--;
		if (e > from && d->data[e - 1] == '\r')
			e--;
	}
	ah_buf_put(out, d->data + from, e - from);
}

static void serialize_children(ah_buf *out, ah_enode *n, size_t pos, size_t stop)
{
	ah_edoc *d = n->doc;
	for (ah_enode *c = n->first; c; c = c->next) {
		if (!c->src) {
			if (!c->deleted)
				put_new_child(out, n, c);
			continue;
		}
		if (c->deleted) {
			put_gap_before_deleted(out, d, pos, c->src->start);
		} else {
			ah_buf_put(out, d->data + pos, c->src->start - pos);
			serialize(out, c);
		}
		pos = c->src->end;
	}
	ah_buf_put(out, d->data + pos, stop - pos);
}

/* ">", every child as new markup, then n's end tag on its own line. */
static void put_new_content(ah_buf *out, ah_enode *n)
{
	ah_buf_putc(out, '>');
	for (ah_enode *c = ah__enode_first(n); c; c = ah__enode_next(c))
		put_new_child(out, n, c);
	ah_buf_puts(out, n->doc->nl);
	ah_buf_puts(out, indent_of(n));
	ah_buf_printf(out, "</%s>", n->name);
}

static void serialize(ah_buf *out, ah_enode *n)
{
	ah_edoc *d = n->doc;
	const ah_xnode *x = n->src;
	if (x && !n->dirty) {
		ah_buf_put(out, d->data + x->start, x->end - x->start);
		return;
	}
	bool kids = has_live_children(n);
	if (!x) {
		put_start_tag(out, n);
		if (!kids) {
			ah_buf_puts(out, " />");
			return;
		}
		put_new_content(out, n);
		return;
	}
	if (n->attrs_dirty)
		put_start_tag(out, n);
	else
		ah_buf_put(out, d->data + x->start, tag_tail(d, x) - x->start);
	if (x->empty_tag) {
		if (!kids) {
			size_t tail = tag_tail(d, x);
			ah_buf_put(out, d->data + tail, x->start_end - tail);
			return;
		}
		put_new_content(out, n);
		return;
	}
	size_t tail = tag_tail(d, x);
	ah_buf_put(out, d->data + tail, x->start_end - tail);
	size_t ets = end_tag_start(d, x);
	serialize_children(out, n, x->start_end, ets);
	ah_buf_put(out, d->data + ets, x->end - ets);
}

int ah__edoc_serialize(ah_edoc *d, ah_buf *out)
{
	if (d->is_new) {
		ah_buf_puts(out, "<?xml version=\"1.0\" encoding=\"UTF-8\"?>");
		ah_buf_puts(out, d->nl);
		serialize(out, d->root);
		ah_buf_puts(out, d->nl);
	} else {
		const ah_xnode *r = d->root->src;
		ah_buf_put(out, d->data, r->start);
		serialize(out, d->root);
		ah_buf_put(out, d->data + r->end, d->len - r->end);
	}
	return ah_buf_oom(out) ? AH_ENOMEM : 0;
}
