/*
 * appcmd: the BACKUP object — `list`, `add`, `delete` and `restore backup`,
 * over the library's backups and configuration history (apphost/history.h).
 *
 *   appcmd add backup [NAME]        BACKUP object "NAME" added
 *                                   (no name: the local time, yyyyMMddTHHmmss)
 *   appcmd list backup[s] [NAME]    BACKUP "NAME" for each backup, then each
 *                                   configuration history snapshot
 *                                   (CFGHISTORY_nnnnnnnnnn); /text:*, /text:ATTR
 *                                   and /xml as for the other objects
 *   appcmd delete backup NAME       BACKUP object "NAME" deleted
 *   appcmd restore backup NAME      Restored configuration from backup "NAME"
 *
 * The name is positional, or /backup.name: (also /name: for add). A name that
 * names nothing: ERROR ( message:Cannot find BACKUP object with identifier
 * "NAME". ), exit status 144 (1168, ERROR_NOT_FOUND, modulo 256). An
 * existing name for add: ERROR_ALREADY_EXISTS's text, exit status 183.
 * restore accepts IIS's /stop:true|false and ignores it: apphostd watches the
 * files and applies what the restore wrote. Backups live in
 * <config_dir>/backup/NAME/; docs/appcmd/backup.md has the rest.
 */
#include "cli.h"

#include "apphost/history.h"
#include "util/str.h"

#include <string.h>

/* The backup name given on the command line (positional or a parameter). */
static const char *name_arg(cli_args *a, bool allow_name_param)
{
	const char *id = a->ident;
	if (!id)
		id = cli_args_take(a, "backup.name");
	if (!id && allow_name_param)
		id = cli_args_take(a, "name");
	return id;
}

/* A parameter nobody asked for is an unknown attribute, as elsewhere. */
static int leftover(ah_buf *out, const cli_args *a)
{
	for (size_t i = 0; i < a->nparams; i++)
		if (!a->params[i].used)
			return cli_error_unknown_attr(out, a->params[i].name);
	return 0;
}

static int lib_error(ah_buf *out, int rc, const char *name)
{
	const ah_error *e = ah_error_last();
	if (rc == AH_ENOTFOUND && e && e->hresult == AH_HR_NOT_FOUND)
		return cli_error_not_found(out, cli_kind_by_id(CLI_BACKUP), name ? name : "");
	if (rc == AH_EEXISTS)
		return cli_error(out, CLI_EXIT_ALREADY_EXISTS, "%s",
				 e ? e->message : "Cannot create a file when that file already exists.");
	if (rc == AH_EINVALID && e)
		return cli_error(out, CLI_EXIT_INVALID_ARG, "%s", e->message);
	return cli_error_engine(out, rc);
}

static int print(ah_buf *out, const cli_args *a, const cli_object *const *sel, size_t n)
{
	if (a->mode == CLI_OUT_XML)
		cli_xml_begin(out);
	for (size_t i = 0; i < n; i++) {
		const char *v;
		switch (a->mode) {
		case CLI_OUT_XML:
			cli_xml_object(out, sel[i], 0);
			break;
		case CLI_OUT_DETAIL:
			cli_text_detail(out, sel[i], NULL);
			break;
		case CLI_OUT_ATTR:
			if (!cli_query(sel[i], a->text_attr, &v))
				return cli_error_unknown_attr(out, a->text_attr);
			ah_buf_printf(out, "%s\n", v);
			break;
		case CLI_OUT_DEFAULT:
			cli_text_line(out, sel[i]);
			break;
		}
	}
	if (a->mode == CLI_OUT_XML)
		cli_xml_end(out);
	return n ? 0 : 1;
}

static int add_all(cli_objlist *l, const ah_names *names)
{
	const cli_kind *kind = cli_kind_by_id(CLI_BACKUP);
	for (size_t i = 0; i < names->n; i++) {
		cli_object *o = cli_objlist_add(l, kind);
		if (!o || !(o->id = ah_arena_strdup(l->arena, names->v[i])))
			return AH_ENOMEM;
		int rc = cli_object_prop(l, o, "BACKUP.NAME", names->v[i], false);
		if (rc < 0)
			return rc;
	}
	return 0;
}

static int select_and_print(ah_buf *out, cli_args *a, const cli_objlist *l, const char *id)
{
	const cli_object **sel = ah_calloc(l->n + 1, sizeof(*sel));
	if (!sel)
		return cli_error_engine(out, AH_ENOMEM);
	size_t n = 0;
	int status = 0;
	for (size_t i = 0; i < l->n; i++) {
		const char *unknown = NULL;
		if (id && !ah_strcaseeq(l->v[i].id, id))
			continue;
		if (!cli_query_match(&l->v[i], a, &unknown)) {
			if (unknown) {
				status = cli_error_unknown_attr(out, unknown);
				goto done;
			}
			continue;
		}
		sel[n++] = &l->v[i];
	}
	if (id && n == 0)
		status = cli_error_not_found(out, cli_kind_by_id(CLI_BACKUP), id);
	else
		status = print(out, a, sel, n);
done:
	ah_free(sel);
	return status;
}

static int backup_list(ah_buf *out, cli_args *a, const cli_kind *kind)
{
	(void)kind;
	ah_config *cfg;
	int status;
	if (cli_open(&cfg, a, out, &status) < 0)
		return status;
	const char *id = name_arg(a, false);
	ah_names backups = {NULL, 0}, history = {NULL, 0};
	cli_objlist l;
	int rc = cli_objlist_init(&l);
	if (rc == 0)
		rc = ah_backup_list(&backups, cfg);
	if (rc == 0)
		rc = ah_history_list(&history, cfg);
	if (rc == 0)
		rc = add_all(&l, &backups);
	if (rc == 0)
		rc = add_all(&l, &history);
	status = rc < 0 ? cli_error_engine(out, rc) : select_and_print(out, a, &l, id);
	ah_names_free(&backups);
	ah_names_free(&history);
	cli_objlist_free(&l);
	ah_config_free(cfg);
	return status;
}

static int backup_add(ah_buf *out, cli_args *a, const cli_kind *kind)
{
	(void)kind;
	const char *name = name_arg(a, true);
	int status = leftover(out, a);
	if (status)
		return status;
	ah_config *cfg;
	if (cli_open(&cfg, a, out, &status) < 0)
		return status;
	char *used = NULL;
	int rc = ah_backup_add(&used, cfg, name);
	if (rc < 0)
		status = lib_error(out, rc, name);
	else
		ah_buf_printf(out, "BACKUP object \"%s\" added\n", used);
	ah_free(used);
	ah_config_free(cfg);
	return status;
}

/* Open the configuration and apply op to the named backup; done is printed
 * with the name when it succeeds. */
static int on_backup(ah_buf *out, cli_args *a, const char *name,
		     int (*op)(ah_config *, const char *), const char *done)
{
	int status = leftover(out, a);
	if (status)
		return status;
	ah_config *cfg;
	if (cli_open(&cfg, a, out, &status) < 0)
		return status;
	int rc = op(cfg, name);
	if (rc < 0)
		status = lib_error(out, rc, name);
	else
		ah_buf_printf(out, done, name);
	ah_config_free(cfg);
	return status;
}

static int backup_delete(ah_buf *out, cli_args *a, const cli_kind *kind)
{
	const char *name = name_arg(a, false);
	if (!name)
		return cli_error_need_ident(out, kind, "delete");
	return on_backup(out, a, name, ah_backup_delete, "BACKUP object \"%s\" deleted\n");
}

static int backup_restore(ah_buf *out, cli_args *a, const cli_kind *kind)
{
	const char *name = name_arg(a, false);
	if (!name)
		return cli_error_need_ident(out, kind, "restore");
	const char *stop = cli_args_take(a, "stop");
	if (stop && !ah_strcaseeq(stop, "true") && !ah_strcaseeq(stop, "false"))
		return cli_error(out, CLI_EXIT_INVALID_ARG,
				 "The value \"%s\" of /stop is not valid: use true or false.", stop);
	return on_backup(out, a, name, ah_backup_restore,
			 "Restored configuration from backup \"%s\"\n");
}

/* ---- help ------------------------------------------------------------------------------- */

static void help_list(ah_buf *out, const cli_kind *kind, const char *verb)
{
	(void)kind;
	(void)verb;
	ah_buf_puts(out,
		    "List server configuration backups\n"
		    "\n"
		    "APPCMD list BACKUP <identifier> <-parameter1:value1 ...>\n"
		    "\n"
		    "Lists the configuration backups, then the configuration history\n"
		    "snapshots (CFGHISTORY_nnnnnnnnnn).\n"
		    "\n"
		    "<identifier>     Name of the backup to show (optional).\n"
		    "\n"
		    "Examples:\n"
		    "\n"
		    "  appcmd list backups\n"
		    "    List all backups.\n"
		    "\n"
		    "  appcmd list backup MyBackup\n"
		    "    Show the backup named MyBackup.\n");
}

static void help_add(ah_buf *out, const cli_kind *kind, const char *verb)
{
	(void)kind;
	(void)verb;
	ah_buf_puts(out,
		    "Add new server configuration backup\n"
		    "\n"
		    "APPCMD add BACKUP <identifier> <-parameter1:value1 ...>\n"
		    "\n"
		    "Saves applicationHost.config, administration.config and\n"
		    "redirection.config of the configuration folder.\n"
		    "\n"
		    "<identifier>     Name of the new backup (optional: the current date\n"
		    "                 and time, yyyyMMddTHHmmss).\n"
		    "\n"
		    "Examples:\n"
		    "\n"
		    "  appcmd add backup MyBackup\n"
		    "    Save the configuration as the backup MyBackup.\n");
}

static void help_delete(ah_buf *out, const cli_kind *kind, const char *verb)
{
	(void)kind;
	(void)verb;
	ah_buf_puts(out,
		    "Delete server configuration backup\n"
		    "\n"
		    "APPCMD delete BACKUP <identifier>\n"
		    "\n"
		    "<identifier>     Name of the backup to delete.\n"
		    "\n"
		    "Examples:\n"
		    "\n"
		    "  appcmd delete backup MyBackup\n"
		    "    Delete the backup MyBackup.\n");
}

static void help_restore(ah_buf *out, const cli_kind *kind, const char *verb)
{
	(void)kind;
	(void)verb;
	ah_buf_puts(out,
		    "Restore server configuration backup\n"
		    "\n"
		    "APPCMD restore BACKUP <identifier> <-parameter1:value1 ...>\n"
		    "\n"
		    "Replaces the configuration files with the ones the backup holds.\n"
		    "\n"
		    "<identifier>     Name of the backup (or configuration history\n"
		    "                 snapshot) to restore.\n"
		    "\n"
		    "Supported parameters:\n"
		    "\n"
		    "  /stop          Accepted (true or false) for compatibility; the\n"
		    "                 server applies the restored files without a stop.\n"
		    "\n"
		    "Examples:\n"
		    "\n"
		    "  appcmd restore backup MyBackup\n"
		    "    Restore the configuration saved as MyBackup.\n");
}

static const cli_verb backup_verbs[] = {
	{"list", "List server configuration backups", backup_list, help_list, false},
	{"add", "Add new server configuration backup", backup_add, help_add, false},
	{"delete", "Delete server configuration backup", backup_delete, help_delete, false},
	{"restore", "Restore server configuration backup", backup_restore, help_restore, false},
	{NULL, NULL, NULL, NULL, false},
};

const cli_verb *cli_backup_verbs(void)
{
	return backup_verbs;
}
