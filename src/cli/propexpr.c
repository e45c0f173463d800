/*
 * appcmd: the parser of property expressions (propexpr.h has the grammar).
 *
 * The parser walks the name once, left to right, and builds the segments in
 * the caller's arena. It refuses rather than guesses:
 *
 *   [name=x]            unquoted value                 malformed indexer
 *   [@first] [@-1]      unknown position               malformed indexer
 *   [name='a']x         text after "]" but no "."      malformed indexer
 *   []  [,]  [name=]    empty                          malformed indexer
 *   bindings[...]       "[" inside a name              unknown attribute
 *   a..b  .a  a.        empty name                     unknown attribute
 *   +name  -name        add/remove without an indexer  malformed indexer
 *   [k='v']             a set that ends with an indexer unknown attribute
 *
 * These follow IIS: an indexer appcmd can't read is reported with its
 * "Malformed collection indexer" message; a name it can't resolve as
 * "Unknown attribute" (for instance "*[@name=Files].processModel.identityType",
 * whose "[" is not at the start of a segment).
 */
#include "propexpr.h"

#include <string.h>

/* Characters that end a name. */
static bool name_char(char c)
{
	return c && !strchr(".[]'=,", c);
}

typedef struct parser {
	const char *p;
	ah_arena *arena;
	cli_pseg *segs;
	size_t nsegs, cap;
} parser;

static void skip_spaces(parser *ps)
{
	while (*ps->p == ' ' || *ps->p == '\t')
		ps->p++;
}

static cli_pseg *new_seg(parser *ps)
{
	if (ps->nsegs == ps->cap) {
		size_t cap = ps->cap ? ps->cap * 2 : 8;
		cli_pseg *v = ah_arena_alloc(ps->arena, cap * sizeof(*v));
		if (!v)
			return NULL;
		if (ps->nsegs)
			memcpy(v, ps->segs, ps->nsegs * sizeof(*v));
		ps->segs = v;
		ps->cap = cap;
	}
	cli_pseg *s = &ps->segs[ps->nsegs++];
	memset(s, 0, sizeof(*s));
	return s;
}

/* A name; NULL with *rc set when there is none or on out-of-memory. */
static const char *take_name(parser *ps, int *rc, bool trim)
{
	const char *start = ps->p;
	while (name_char(*ps->p))
		ps->p++;
	size_t n = (size_t)(ps->p - start);
	while (trim && n && (start[n - 1] == ' ' || start[n - 1] == '\t'))
		n--;
	if (n == 0) {
		*rc = CLI_PX_BADNAME;
		return NULL;
	}
	const char *s = ah_arena_strndup(ps->arena, start, n);
	if (!s)
		*rc = AH_ENOMEM;
	return s;
}

static int parse_pos(parser *ps, cli_pseg *s)
{
	ps->p++; /* '@' */
	if (strncmp(ps->p, "start", 5) == 0) {
		s->pos = CLI_PPOS_START;
		ps->p += 5;
	} else if (strncmp(ps->p, "end", 3) == 0) {
		s->pos = CLI_PPOS_END;
		ps->p += 3;
	} else if (*ps->p >= '0' && *ps->p <= '9') {
		long v = 0;
		while (*ps->p >= '0' && *ps->p <= '9') {
			if (v > 100000000L)
				return CLI_PX_MALFORMED;
			v = v * 10 + (*ps->p++ - '0');
		}
		s->pos = CLI_PPOS_INDEX;
		s->index = v;
	} else {
		return CLI_PX_MALFORMED;
	}
	return 0;
}

static int push_pair(parser *ps, cli_pseg *s, const char *key, const char *value)
{
	const char **k = ah_arena_alloc(ps->arena, (s->nkeys + 1) * sizeof(*k));
	const char **v = ah_arena_alloc(ps->arena, (s->nkeys + 1) * sizeof(*v));
	if (!k || !v)
		return AH_ENOMEM;
	if (s->nkeys) {
		memcpy(k, s->keys, s->nkeys * sizeof(*k));
		memcpy(v, s->values, s->nkeys * sizeof(*v));
	}
	k[s->nkeys] = key;
	v[s->nkeys] = value;
	s->keys = k;
	s->values = v;
	s->nkeys++;
	return 0;
}

/* name='value' */
static int parse_pair(parser *ps, cli_pseg *s)
{
	int rc = 0;
	const char *key = take_name(ps, &rc, true);
	if (!key)
		return rc == AH_ENOMEM ? rc : CLI_PX_MALFORMED;
	skip_spaces(ps);
	if (*ps->p != '=')
		return CLI_PX_MALFORMED;
	ps->p++;
	skip_spaces(ps);
	if (*ps->p != '\'')
		return CLI_PX_MALFORMED;
	const char *start = ++ps->p;
	const char *end = strchr(start, '\'');
	if (!end)
		return CLI_PX_MALFORMED;
	ps->p = end + 1;
	const char *value = ah_arena_strndup(ps->arena, start, (size_t)(end - start));
	if (!value)
		return AH_ENOMEM;
	return push_pair(ps, s, key, value);
}

/* [ pos? pairs ] */
static int parse_indexer(parser *ps, cli_pseg *s)
{
	ps->p++; /* '[' */
	skip_spaces(ps);
	bool need = true; /* something must follow: the indexer is not empty yet */
	if (*ps->p == '@') {
		int rc = parse_pos(ps, s);
		if (rc)
			return rc;
		skip_spaces(ps);
		need = false;
		if (*ps->p == ',') {
			ps->p++;
			skip_spaces(ps);
			need = true;
		}
	}
	while (*ps->p != ']') {
		if (!need)
			return CLI_PX_MALFORMED; /* a pair without its "," */
		int rc = parse_pair(ps, s);
		if (rc)
			return rc;
		skip_spaces(ps);
		need = false;
		if (*ps->p == ',') {
			ps->p++;
			skip_spaces(ps);
			need = true;
		} else if (*ps->p != ']') {
			return CLI_PX_MALFORMED;
		}
	}
	if (need)
		return CLI_PX_MALFORMED;
	ps->p++; /* ']' */
	return 0;
}

/* The shape rules that depend on the operation. */
static int check(const cli_pexpr *e)
{
	if (e->nsegs == 0)
		return CLI_PX_BADNAME;
	const cli_pseg *last = &e->segs[e->nsegs - 1];
	for (size_t i = 0; i + 1 < e->nsegs; i++) {
		const cli_pseg *s = &e->segs[i];
		if (!s->name && (s->pos == CLI_PPOS_START || s->pos == CLI_PPOS_END))
			return CLI_PX_MALFORMED;
	}
	switch (e->op) {
	case CLI_POP_SET:
		return last->name ? 0 : CLI_PX_BADNAME;
	case CLI_POP_REMOVE:
		if (!last->name && (last->pos == CLI_PPOS_START || last->pos == CLI_PPOS_END))
			return CLI_PX_MALFORMED;
		/* fall through */
	case CLI_POP_ADD:
		return last->name ? CLI_PX_MALFORMED : 0;
	}
	return CLI_PX_BADNAME;
}

int cli_pexpr_parse(cli_pexpr *out, ah_arena *arena, const char *name)
{
	memset(out, 0, sizeof(*out));
	parser ps = {.p = name, .arena = arena};
	if (*ps.p == '+' || *ps.p == '-') {
		out->op = *ps.p == '+' ? CLI_POP_ADD : CLI_POP_REMOVE;
		ps.p++;
	}
	for (;;) {
		cli_pseg *s = new_seg(&ps);
		if (!s)
			return AH_ENOMEM;
		int rc = 0;
		if (*ps.p == '[') {
			rc = parse_indexer(&ps, s);
			if (rc == 0 && *ps.p && *ps.p != '.')
				rc = CLI_PX_MALFORMED;
		} else {
			s->name = take_name(&ps, &rc, false);
			if (s->name && *ps.p && *ps.p != '.')
				rc = CLI_PX_BADNAME; /* "[", "]", "'", "=" or "," inside a name */
		}
		if (rc)
			return rc;
		if (*ps.p == '\0')
			break;
		ps.p++; /* '.' */
	}
	out->segs = ps.segs;
	out->nsegs = ps.nsegs;
	return check(out);
}

const char *cli_param_split(const char *param, size_t *name_len)
{
	int depth = 0;
	bool quoted = false;
	for (const char *p = param; *p; p++) {
		if (quoted) {
			quoted = *p != '\'';
		} else if (*p == '\'' && depth > 0) {
			quoted = true;
		} else if (*p == '[') {
			depth++;
		} else if (*p == ']' && depth > 0) {
			depth--;
		} else if (*p == ':' && depth == 0) {
			*name_len = (size_t)(p - param);
			return p + 1;
		}
	}
	*name_len = strlen(param);
	return NULL;
}
