/*
 * appcmd: the command line.
 *
 *   appcmd (command) (object-type) <identifier> </parameter1:value1 ...>
 *
 * The command, the object type and the identifier are positional. Every
 * other argument is a parameter: it starts with '/' or '-', its name runs to
 * the first ':' outside an indexer's brackets ("[k='a:b']", see propexpr.h)
 * and its value is the rest of the argument (the shell has already removed
 * quotes; an empty value is allowed). Parameter names are matched without
 * regard to case.
 *
 * General parameters are recognised by name: /? (help), /text, /text:*,
 * /text:ATTR, /xml, /config, /config:*, /section:NAME, /apphostconfig:FILE,
 * /commit:WHERE, /in (or a lone '-'); /debug is accepted and has no effect;
 * /metadata is recognised and refused. A '!' after the prefix escapes a
 * name: /!text:x is a property called "text", never the general parameter.
 * Every other parameter is kept in order for the verb: an identifier given
 * by name (/site.name:X), a property filter, or a property to write.
 */
#include "cli.h"

#include "propexpr.h"
#include "util/str.h"

#include <string.h>

static int push_param(cli_args *a, const char *name, const char *value)
{
	cli_param *p = ah_realloc(a->params, (a->nparams + 1) * sizeof(*p));
	if (!p)
		return AH_ENOMEM;
	a->params = p;
	p[a->nparams++] = (cli_param){.name = name, .value = value, .used = false};
	return 0;
}

/* A general parameter: true when `name` is one (and record it). */
static bool general(cli_args *a, const char *name, size_t n, const char *value)
{
#define IS(s) (n == sizeof(s) - 1 && ah_strncaseeq(name, s, n))
	if (IS("?")) {
		a->help = true;
	} else if (IS("text")) {
		if (!value || !*value) {
			a->mode = CLI_OUT_DEFAULT;
		} else if (strcmp(value, "*") == 0) {
			a->mode = CLI_OUT_DETAIL;
		} else {
			a->mode = CLI_OUT_ATTR;
			a->text_attr = value;
		}
	} else if (IS("xml")) {
		a->mode = CLI_OUT_XML;
	} else if (IS("config")) {
		a->config = value && strcmp(value, "*") == 0 ? 2 : 1;
	} else if (IS("section")) {
		a->section = value ? value : "";
	} else if (IS("apphostconfig")) {
		a->apphost_file = value ? value : "";
	} else if (IS("commit")) {
		a->commit = value && *value ? value : NULL;
	} else if (IS("debug")) {
		/* no trace to show */
	} else if (IS("in")) {
		a->in = true;
	} else if (IS("metadata")) {
		a->unsupported = "/metadata";
	} else {
		return false;
	}
	return true;
#undef IS
}

static int parse_switch(cli_args *a, const char *arg)
{
	const char *name = arg + 1;
	bool escaped = *name == '!';
	if (escaped)
		name++;
	size_t n;
	const char *value = cli_param_split(name, &n);
	if (!escaped && general(a, name, n, value))
		return 0;
	/* the name must stand alone: copy it without the value */
	char *copy = ah_strndup(name, n);
	if (!copy)
		return AH_ENOMEM;
	int rc = push_param(a, copy, value);
	if (rc < 0)
		ah_free(copy);
	return rc;
}

int cli_args_parse(cli_args *a, int argc, char **argv)
{
	memset(a, 0, sizeof(*a));
	for (int i = 1; i < argc; i++) {
		const char *arg = argv[i];
		if (strcmp(arg, "-") == 0) {
			a->in = true;
			continue;
		}
		if ((arg[0] == '/' || arg[0] == '-') && arg[1]) {
			int rc = parse_switch(a, arg);
			if (rc < 0)
				return rc;
			continue;
		}
		if (!a->verb)
			a->verb = arg;
		else if (!a->object)
			a->object = arg;
		else if (!a->ident)
			a->ident = arg;
		else if (!a->extra)
			a->extra = arg;
	}
	return 0;
}

void cli_args_free(cli_args *a)
{
	for (size_t i = 0; i < a->nparams; i++)
		ah_free((char *)a->params[i].name);
	ah_free(a->params);
	a->params = NULL;
	a->nparams = 0;
}

const char *cli_args_take(cli_args *a, const char *name)
{
	for (size_t i = 0; i < a->nparams; i++) {
		cli_param *p = &a->params[i];
		if (!p->used && ah_strcaseeq(p->name, name)) {
			p->used = true;
			return p->value ? p->value : "";
		}
	}
	return NULL;
}
