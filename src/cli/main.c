/*
 * appcmd: the command line administration tool of apphost, after IIS's
 * appcmd.exe.
 *
 *   appcmd (command) (object-type) <identifier> </parameter1:value1 ...>
 *
 * main() reads the arguments, decides between help and a command, runs the
 * command and writes what it produced to standard output in one piece.
 * Dispatch:
 *   appcmd | appcmd /?            top-level help
 *   appcmd OBJECT [/?]            the object's commands
 *   appcmd VERB OBJECT /?         the command's help
 *   appcmd VERB OBJECT ...        the command
 * The commands of each object type come from its table (verbs.c; BACKUP's
 * from backup.c). An unknown object type or command, and a stray
 * positional argument, are refused before any configuration is read (exit
 * status 87 or 50).
 */
#include "cli.h"

#include "util/str.h"

#include <ctype.h>
#include <stdio.h>
#include <unistd.h>

/* /apphostconfig:FILE relative to the current folder, made absolute so that
 * errors name the file in full. */
static char *apphost_file(const char *file)
{
	if (!file || file[0] == '/')
		return file ? ah_strdup(file) : NULL;
	char cwd[4096];
	ah_buf b = AH_BUF_INIT;
	ah_buf_printf(&b, "%s/%s", getcwd(cwd, sizeof(cwd)) ? cwd : ".", file);
	if (ah_buf_oom(&b)) {
		ah_buf_free(&b);
		return NULL;
	}
	return ah_buf_detach(&b);
}

int cli_open(ah_config **cfg, const cli_args *a, ah_buf *out, int *status)
{
	char *file = apphost_file(a->apphost_file);
	ah_config_opts opts = {.config_dir = NULL, .apphost_file = file, .schema_dir = NULL};
	int rc = a->apphost_file && !file ? AH_ENOMEM : ah_config_open(cfg, &opts);
	ah_free(file);
	*status = 0;
	if (rc < 0) {
		*cfg = NULL;
		*status = cli_error_engine(out, rc);
	}
	return rc;
}

static void upper(char *dst, size_t n, const char *src)
{
	size_t i = 0;
	for (; src[i] && i + 1 < n; i++)
		dst[i] = (char)toupper((unsigned char)src[i]);
	dst[i] = '\0';
}

static int run(ah_buf *out, cli_args *a)
{
	if (!a->verb) {
		cli_help_top(out);
		return 0;
	}
	const cli_kind *kind = cli_kind_find(a->verb);
	if (kind && !a->object) {
		cli_help_object(out, kind);
		return 0;
	}
	if (!a->object) {
		cli_help_top(out);
		return 0;
	}
	char name[64], verb[64];
	kind = cli_kind_find(a->object);
	if (!kind) {
		upper(name, sizeof(name), a->object);
		return cli_error_plain(out, CLI_EXIT_INVALID_ARG,
				       "Object '%s' is not supported.  Run 'appcmd /?' to display "
				       "supported objects.",
				       name);
	}
	const cli_verb *v = cli_verb_find(kind, a->verb);
	if (!v) {
		upper(verb, sizeof(verb), a->verb);
		return cli_error_plain(out, CLI_EXIT_NOT_SUPPORTED,
				       "Command '%s' is not supported on object '%s'.  Run "
				       "'appcmd %s /?' to display supported commands.",
				       verb, kind->name, kind->name);
	}
	if (a->help) {
		if (v->help)
			v->help(out, kind, v->name);
		return 0;
	}
	if (a->extra)
		return cli_error_plain(out, CLI_EXIT_INVALID_ARG,
				       "Failed to process input: The parameter '%s' must begin "
				       "with a / or - (HRESULT=80070057).",
				       a->extra);
	if (a->in && !v->takes_in)
		a->unsupported = "/in";
	if (a->unsupported)
		return cli_error(out, CLI_EXIT_NOT_SUPPORTED,
				 "The parameter '%s' is not supported by this version of appcmd.",
				 a->unsupported);
	return v->run(out, a, kind);
}

int main(int argc, char **argv)
{
	cli_args a;
	ah_buf out = AH_BUF_INIT;
	int status;
	if (cli_args_parse(&a, argc, argv) < 0)
		status = cli_error_engine(&out, AH_ENOMEM);
	else
		status = run(&out, &a);
	if (ah_buf_oom(&out)) {
		ah_buf_free(&out);
		status = cli_error_engine(&out, AH_ENOMEM);
	}
	fwrite(ah_buf_cstr(&out), 1, out.len, stdout);
	fflush(stdout);
	ah_buf_free(&out);
	cli_args_free(&a);
	return status;
}
