/*
 * Unit tests of appcmd's command-line parsing: the splitting of a parameter
 * into name and value (the ':' that ends a name is never one inside an
 * indexer), cli_args_parse (positional arguments, general parameters, the
 * '!' escape, /in and a lone "-", /commit) from src/cli/args.c, and the
 * property expressions of src/cli/propexpr.c: dotted paths, indexers with
 * keys and @start/@end/@N, adds and removes, and every malformed shape with
 * the error IIS gives it (a malformed indexer or an unknown attribute).
 * Built with those two files (tests/CMakeLists.txt).
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include "cli/cli.h"
#include "cli/propexpr.h"

#include <stdlib.h>
#include <string.h>

/* ---- cli_param_split ------------------------------------------------------------ */

static void split(const char *param, const char *name, const char *value)
{
	size_t n;
	const char *v = cli_param_split(param, &n);
	assert_int_equal(n, strlen(name));
	assert_memory_equal(param, name, n);
	if (!value)
		assert_null(v);
	else
		assert_string_equal(v, value);
}

static void test_split(void **state)
{
	(void)state;
	split("section:system.webServer/defaultDocument", "section",
	      "system.webServer/defaultDocument");
	split("userName:", "userName", "");
	split("xml", "xml", NULL);
	split("bindings:http/*:81:,https/*:443:", "bindings", "http/*:81:,https/*:443:");
	/* a ':' inside an indexer's value belongs to the name */
	split("-bindings.[protocol='http',bindingInformation='*:8081:www.example.com']",
	      "-bindings.[protocol='http',bindingInformation='*:8081:www.example.com']", NULL);
	split("[name='a:b'].type:X:Y", "[name='a:b'].type", "X:Y");
	/* a "]" inside quotes does not close the indexer */
	split("[name='x]:y'].v:1", "[name='x]:y'].v", "1");
	/* quotes outside an indexer are plain characters */
	split("it's:v", "it's", "v");
}

/* ---- cli_args_parse --------------------------------------------------------------- */

static void test_args(void **state)
{
	(void)state;
	char *argv[] = {"appcmd",
			"set",
			"config",
			"Default Web Site/",
			"/section:directoryBrowse",
			"-enabled:true",
			"/commit:apphost",
			"/!debug:1",
			"/+[name='a:b',value='c']",
			"/text:*",
			"-",
			"extra",
			"/debug"};
	cli_args a;
	assert_int_equal(cli_args_parse(&a, 13, argv), 0);
	assert_string_equal(a.verb, "set");
	assert_string_equal(a.object, "config");
	assert_string_equal(a.ident, "Default Web Site/");
	assert_string_equal(a.extra, "extra");
	assert_string_equal(a.section, "directoryBrowse");
	assert_string_equal(a.commit, "apphost");
	assert_true(a.in);
	assert_int_equal(a.mode, CLI_OUT_DETAIL);
	assert_int_equal(a.nparams, 3);
	assert_string_equal(a.params[0].name, "enabled");
	assert_string_equal(a.params[0].value, "true");
	assert_string_equal(a.params[1].name, "debug"); /* escaped: a property */
	assert_string_equal(a.params[1].value, "1");
	assert_string_equal(a.params[2].name, "+[name='a:b',value='c']");
	assert_null(a.params[2].value);
	assert_string_equal(cli_args_take(&a, "ENABLED"), "true");
	assert_null(cli_args_take(&a, "enabled")); /* taken once */
	cli_args_free(&a);
}

static void test_args_general(void **state)
{
	(void)state;
	char *argv[] = {"appcmd", "list", "apppool", "/in", "/commit:", "/metadata", "/xml",
			"/text:name", "/config:*", "/apphostconfig:x.config"};
	cli_args a;
	assert_int_equal(cli_args_parse(&a, 10, argv), 0);
	assert_true(a.in);
	assert_null(a.commit); /* an empty /commit: is no commit path */
	assert_string_equal(a.unsupported, "/metadata");
	assert_int_equal(a.mode, CLI_OUT_ATTR); /* the last output parameter wins */
	assert_string_equal(a.text_attr, "name");
	assert_int_equal(a.config, 2);
	assert_string_equal(a.apphost_file, "x.config");
	assert_int_equal(a.nparams, 0);
	cli_args_free(&a);
}

/* ---- cli_pexpr_parse ----------------------------------------------------------------- */

typedef struct fixture {
	ah_arena *arena;
	cli_pexpr e;
} fixture;

static int setup(void **state)
{
	fixture *f = calloc(1, sizeof(*f));
	f->arena = ah_arena_new();
	*state = f;
	return f && f->arena ? 0 : -1;
}

static int teardown(void **state)
{
	fixture *f = *state;
	ah_arena_free(f->arena);
	free(f);
	return 0;
}

static int parse(void **state, const char *name)
{
	fixture *f = *state;
	return cli_pexpr_parse(&f->e, f->arena, name);
}

static cli_pexpr *expr(void **state)
{
	return &((fixture *)*state)->e;
}

static void test_set_dotted(void **state)
{
	assert_int_equal(parse(state, "processModel.identityType"), 0);
	cli_pexpr *e = expr(state);
	assert_int_equal(e->op, CLI_POP_SET);
	assert_int_equal(e->nsegs, 2);
	assert_string_equal(e->segs[0].name, "processModel");
	assert_string_equal(e->segs[1].name, "identityType");

	assert_int_equal(parse(state, "recycling.periodicRestart.time"), 0);
	assert_int_equal(expr(state)->nsegs, 3);

	assert_int_equal(parse(state, "enabled"), 0);
	assert_int_equal(expr(state)->nsegs, 1);
}

static void test_set_item(void **state)
{
	assert_int_equal(parse(state, "[name='DefaultAppPool'].cpu.action"), 0);
	cli_pexpr *e = expr(state);
	assert_int_equal(e->op, CLI_POP_SET);
	assert_int_equal(e->nsegs, 3);
	assert_null(e->segs[0].name);
	assert_int_equal(e->segs[0].nkeys, 1);
	assert_string_equal(e->segs[0].keys[0], "name");
	assert_string_equal(e->segs[0].values[0], "DefaultAppPool");
	assert_int_equal(e->segs[0].pos, CLI_PPOS_NONE);
	assert_string_equal(e->segs[1].name, "cpu");
	assert_string_equal(e->segs[2].name, "action");

	/* by position */
	assert_int_equal(parse(state, "files.[@1].value"), 0);
	e = expr(state);
	assert_int_equal(e->segs[1].pos, CLI_PPOS_INDEX);
	assert_int_equal(e->segs[1].index, 1);
	assert_int_equal(e->segs[1].nkeys, 0);
}

static void test_add(void **state)
{
	assert_int_equal(parse(state, "+[name='Contoso',autoStart='True',managedPipelineMode='Integrated']"),
			 0);
	cli_pexpr *e = expr(state);
	assert_int_equal(e->op, CLI_POP_ADD);
	assert_int_equal(e->nsegs, 1);
	assert_int_equal(e->segs[0].nkeys, 3);
	assert_string_equal(e->segs[0].keys[2], "managedPipelineMode");
	assert_string_equal(e->segs[0].values[1], "True");

	assert_int_equal(parse(state, "+[name='Contoso'].recycling.periodicRestart.schedule.[value='03:00:00']"),
			 0);
	e = expr(state);
	assert_int_equal(e->nsegs, 5);
	assert_string_equal(e->segs[3].name, "schedule");
	assert_string_equal(e->segs[4].values[0], "03:00:00");

	/* spaces around the parts, an empty value, characters of the grammar in values */
	assert_int_equal(parse(state, "+bindings.[ protocol = 'https' , bindingInformation='*:443:' ]"), 0);
	e = expr(state);
	assert_string_equal(e->segs[1].keys[0], "protocol");
	assert_string_equal(e->segs[1].values[0], "https");
	assert_string_equal(e->segs[1].keys[1], "bindingInformation");
	assert_int_equal(parse(state, "+[name='a,b].c=d',value='']"), 0);
	e = expr(state);
	assert_string_equal(e->segs[0].values[0], "a,b].c=d");
	assert_string_equal(e->segs[0].values[1], "");
}

static void test_add_positions(void **state)
{
	assert_int_equal(parse(state, "+[@start,value='a.htm']"), 0);
	assert_int_equal(expr(state)->segs[0].pos, CLI_PPOS_START);
	assert_int_equal(expr(state)->segs[0].nkeys, 1);
	assert_int_equal(parse(state, "+files.[@end,value='a.htm']"), 0);
	assert_int_equal(expr(state)->segs[1].pos, CLI_PPOS_END);
	assert_int_equal(parse(state, "+[@12,value='a.htm']"), 0);
	assert_int_equal(expr(state)->segs[0].pos, CLI_PPOS_INDEX);
	assert_int_equal(expr(state)->segs[0].index, 12);
	assert_int_equal(parse(state, "+[@end]"), 0); /* an item without attributes */
}

static void test_remove(void **state)
{
	assert_int_equal(parse(state, "-[name='MyModule']"), 0);
	assert_int_equal(expr(state)->op, CLI_POP_REMOVE);
	assert_int_equal(parse(state, "-bindings.[protocol='http',bindingInformation='*:8081:www.example.com']"), 0);
	assert_int_equal(expr(state)->segs[1].nkeys, 2);
	assert_int_equal(parse(state, "-files.[@0]"), 0);
	assert_int_equal(expr(state)->segs[1].index, 0);
}

static void test_malformed(void **state)
{
	static const char *const bad[] = {
		"[name=x].a",             /* unquoted (what PowerShell leaves of '*') */
		"[path=*].failureDefinitions.statusCodes",
		"[@first,name='x'].a",    /* unknown position */
		"[@-1].a",
		"[@].a",
		"[].a",                   /* empty */
		"[,].a",
		"[name='x',].a",          /* a trailing comma */
		"[name=].a",
		"[='x'].a",
		"[name='x'.a",            /* not closed */
		"[name='x].a",            /* quote not closed */
		"[name='x']y.a",          /* text after "]" */
		"[@0 name='x'].a",        /* a pair without its comma */
		"[name='x' value='y'].a",
		"+name",                  /* an add without an indexer */
		"-name",
		"-a.b",
		"-[@start]",              /* a position a remove can't use */
		"-[@end,name='x']",
		"[@end].a",               /* @start/@end only where an add puts the item */
		"+[@start].b.[name='x']",
		"[@999999999999].a",      /* too large an index */
	};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		int rc = parse(state, bad[i]);
		if (rc != CLI_PX_MALFORMED)
			fail_msg("\"%s\": %d, expected CLI_PX_MALFORMED", bad[i], rc);
	}
}

static void test_bad_names(void **state)
{
	static const char *const bad[] = {
		"",
		"a..b",
		".a",
		"a.",
		"bindings[protocol='http']",               /* "[" inside a name */
		"*[@name=Files].processModel.identityType", /* IIS: Unknown attribute */
		"[name='x']",                              /* a set that ends with an indexer */
		"a.[name='x']",
		"it's",
		"a]b",
		"a=b",
		"+",
		"-",
	};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		int rc = parse(state, bad[i]);
		if (rc != CLI_PX_BADNAME)
			fail_msg("\"%s\": %d, expected CLI_PX_BADNAME", bad[i], rc);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_split),
		cmocka_unit_test(test_args),
		cmocka_unit_test(test_args_general),
		cmocka_unit_test_setup_teardown(test_set_dotted, setup, teardown),
		cmocka_unit_test_setup_teardown(test_set_item, setup, teardown),
		cmocka_unit_test_setup_teardown(test_add, setup, teardown),
		cmocka_unit_test_setup_teardown(test_add_positions, setup, teardown),
		cmocka_unit_test_setup_teardown(test_remove, setup, teardown),
		cmocka_unit_test_setup_teardown(test_malformed, setup, teardown),
		cmocka_unit_test_setup_teardown(test_bad_names, setup, teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
