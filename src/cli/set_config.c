/*
 * appcmd: `set config [PATH] /section:NAME /property:value ... [/commit:WHERE]`.
 *
 * PATH is a configuration path in any form list config accepts (default
 * MACHINE/WEBROOT/APPHOST); /section names the section (a short name works);
 * /commit says which level's file receives the change (commit.c). Every
 * other parameter is a property expression applied to the section element
 * (write_ops.c):
 *
 *   appcmd set config "Default Web Site/" /section:directoryBrowse /enabled:true
 *   appcmd set config /section:applicationPools /[name='DefaultAppPool'].cpu.action:KillW3wp
 *   appcmd set config /section:applicationPools /+"[name='Contoso',autoStart='true']" /commit:apphost
 *   appcmd set config /section:defaultDocument /-files.[value='iisstart.htm']
 *
 * All the changes are committed together. On success appcmd prints the
 * line of IIS 7.5 and later:
 *
 *   Applied configuration changes to section "system.webServer/directoryBrowse"
 *   for "MACHINE/WEBROOT/APPHOST/Default Web Site" at configuration commit
 *   path "MACHINE/WEBROOT/APPHOST/Default Web Site"
 *
 * (one line). A change that changes nothing writes no file and prints the
 * same line.
 */
#include "write.h"

#include <string.h>

/* The section a command names with /section (shared by the config verbs). */
static int section_of(char **full, cli_write *w, const cli_args *a)
{
	if (!a->section || !*a->section)
		return cli_error_missing(w->out, "section");
	/* an unknown name is left to the engine, which reports it as list
	 * config does */
	int rc = cli_section_resolve(full, w->cfg, a->section);
	if (rc == AH_ENOTFOUND)
		rc = (*full = ah_strdup(a->section)) ? 0 : AH_ENOMEM;
	return rc < 0 ? cli_error_engine(w->out, rc) : 0;
}

int cli_config_target(cli_write *w, const cli_args *a)
{
	char *path = NULL, *commit = NULL, *section = NULL;
	int rc = cli_config_path(&path, w->cfg, a->ident);
	int status = 0;
	if (rc == AH_ENOTFOUND && !ah_error_last())
		status = cli_error_not_found(w->out, cli_kind_by_id(CLI_SITE), a->ident);
	else if (rc < 0)
		status = cli_error_engine(w->out, rc);
	if (!status)
		status = section_of(&section, w, a);
	if (!status)
		status = cli_commit_path(&commit, w->out, w->cfg, path, a->commit);
	if (!status)
		status = cli_write_target(w, path, commit, section);
	ah_free(path);
	ah_free(commit);
	ah_free(section);
	return status;
}

int cli_set_config(ah_buf *out, cli_args *a, const cli_kind *kind)
{
	if (a->section && strcmp(a->section, "?") == 0)
		return cli_list_config(out, a, kind); /* the section names */
	(void)kind;
	cli_write w;
	int status = cli_write_begin(&w, out, a);
	if (!status)
		status = cli_config_target(&w, a);
	if (!status)
		status = cli_write_params(&w, a);
	if (!status)
		status = cli_write_commit(&w);
	if (!status)
		cli_write_applied(&w);
	cli_write_end(&w);
	return status;
}
