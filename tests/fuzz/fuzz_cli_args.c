/*
 * Fuzz target: appcmd's command-line parsing — cli_args_parse and
 * cli_param_split (src/cli/args.c, src/cli/propexpr.c) and the property
 * expressions of write commands, cli_pexpr_parse (src/cli/propexpr.c).
 *
 * The input is a command line, one argument per line ("\n" separates them;
 * at most 64 arguments). It is parsed as appcmd's argv, and the name of
 * every parameter it yields is parsed as a property expression. Checks
 * (abort() on failure, so that libFuzzer and the replay test report them):
 *
 *   - cli_param_split: the name ends at a ':' when there is a value, the
 *     value is the rest of the argument, and a name without value is the
 *     whole argument;
 *   - parameters have a name that lies in an argument and a value that is
 *     the end of that argument;
 *   - cli_pexpr_parse returns 0, CLI_PX_MALFORMED or CLI_PX_BADNAME (never
 *     another code: the arena has room);
 *   - a parsed expression keeps the promises of propexpr.h: at least one
 *     segment; a set ends with a name, an add or a remove with an indexer;
 *     names are not empty and hold none of . [ ] ' = ,; an indexer has a
 *     key or a position, its values hold no quote, and @start/@end appear
 *     only in the last segment of an add;
 *   - written back in canonical form, the expression parses again to the
 *     same segments.
 */
#include "cli/cli.h"
#include "cli/propexpr.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#define CHECK(cond)                                                                                \
	do {                                                                                       \
		if (!(cond))                                                                       \
			abort();                                                                   \
	} while (0)

#define MAX_ARGS 64

static void check_name(const char *s)
{
	CHECK(s && *s);
	CHECK(strpbrk(s, ".[]'=,") == NULL);
}

static void check_expr(const cli_pexpr *e)
{
	CHECK(e->nsegs >= 1);
	const cli_pseg *last = &e->segs[e->nsegs - 1];
	CHECK(e->op == CLI_POP_SET ? last->name != NULL : last->name == NULL);
	for (size_t i = 0; i < e->nsegs; i++) {
		const cli_pseg *s = &e->segs[i];
		if (s->name) {
			check_name(s->name);
			continue;
		}
		CHECK(s->nkeys > 0 || s->pos != CLI_PPOS_NONE);
		if (s->pos == CLI_PPOS_START || s->pos == CLI_PPOS_END)
			CHECK(e->op == CLI_POP_ADD && s == last);
		if (s->pos == CLI_PPOS_INDEX)
			CHECK(s->index >= 0);
		for (size_t k = 0; k < s->nkeys; k++) {
			/* keys are trimmed names */
			check_name(s->keys[k]);
			CHECK(s->keys[k][0] != ' ' && s->keys[k][0] != '\t');
			CHECK(!strchr(s->values[k], '\''));
		}
	}
}

/* The canonical text of an expression. */
static char *write_expr(ah_arena *a, const cli_pexpr *e)
{
	const char *t = e->op == CLI_POP_ADD ? "+" : e->op == CLI_POP_REMOVE ? "-" : "";
	for (size_t i = 0; t && i < e->nsegs; i++) {
		const cli_pseg *s = &e->segs[i];
		const char *dot = i ? "." : "";
		if (s->name) {
			t = ah_arena_printf(a, "%s%s%s", t, dot, s->name);
			continue;
		}
		const char *in = s->pos == CLI_PPOS_START ? "@start"
				 : s->pos == CLI_PPOS_END ? "@end"
				 : s->pos == CLI_PPOS_INDEX ? ah_arena_printf(a, "@%ld", s->index)
							    : "";
		for (size_t k = 0; in && k < s->nkeys; k++)
			in = ah_arena_printf(a, "%s%s%s='%s'", in, *in ? "," : "", s->keys[k],
					     s->values[k]);
		t = in ? ah_arena_printf(a, "%s%s[%s]", t, dot, in) : NULL;
	}
	return (char *)t;
}

static void same(const cli_pexpr *a, const cli_pexpr *b)
{
	CHECK(a->op == b->op && a->nsegs == b->nsegs);
	for (size_t i = 0; i < a->nsegs; i++) {
		const cli_pseg *x = &a->segs[i], *y = &b->segs[i];
		CHECK(!x->name == !y->name);
		if (x->name) {
			CHECK(strcmp(x->name, y->name) == 0);
			continue;
		}
		CHECK(x->pos == y->pos && x->nkeys == y->nkeys);
		CHECK(x->pos != CLI_PPOS_INDEX || x->index == y->index);
		for (size_t k = 0; k < x->nkeys; k++)
			CHECK(strcmp(x->keys[k], y->keys[k]) == 0 &&
			      strcmp(x->values[k], y->values[k]) == 0);
	}
}

static void expression(const char *name)
{
	ah_arena *a = ah_arena_new();
	CHECK(a);
	cli_pexpr e;
	int rc = cli_pexpr_parse(&e, a, name);
	CHECK(rc == 0 || rc == CLI_PX_MALFORMED || rc == CLI_PX_BADNAME);
	if (rc == 0) {
		check_expr(&e);
		char *text = write_expr(a, &e);
		CHECK(text);
		cli_pexpr again;
		CHECK(cli_pexpr_parse(&again, a, text) == 0);
		same(&e, &again);
	}
	ah_arena_free(a);
}

static void split(const char *arg)
{
	size_t n;
	const char *v = cli_param_split(arg, &n);
	CHECK(n <= strlen(arg));
	if (v) {
		CHECK(arg[n] == ':' && v == arg + n + 1);
	} else {
		CHECK(n == strlen(arg));
	}
}

/* True when p lies inside one of the arguments. */
static bool inside(char **argv, int argc, const char *p)
{
	for (int i = 1; i < argc; i++)
		if (p >= argv[i] && p <= argv[i] + strlen(argv[i]))
			return true;
	return false;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *copy = malloc(size + 1);
	CHECK(copy);
	memcpy(copy, data, size);
	copy[size] = '\0';
	char *argv[MAX_ARGS + 1];
	int argc = 0;
	argv[argc++] = "appcmd";
	for (char *p = copy; argc < MAX_ARGS;) {
		char *nl = memchr(p, '\n', size - (size_t)(p - copy));
		argv[argc++] = p;
		if (!nl)
			break;
		*nl = '\0';
		p = nl + 1;
	}
	argv[argc] = NULL;
	for (int i = 1; i < argc; i++)
		split(argv[i]);
	cli_args args;
	if (cli_args_parse(&args, argc, argv) == 0) {
		for (size_t i = 0; i < args.nparams; i++) {
			const cli_param *p = &args.params[i];
			CHECK(p->name);
			CHECK(!p->value || inside(argv, argc, p->value));
			expression(p->name);
		}
		CHECK(!args.text_attr || inside(argv, argc, args.text_attr));
		CHECK(!args.commit || inside(argv, argc, args.commit));
	}
	cli_args_free(&args);
	free(copy);
	return 0;
}
