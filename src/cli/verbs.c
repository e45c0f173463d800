/*
 * appcmd: the commands of each object type — one table per type, in the
 * order `appcmd OBJECT /?` lists them. main.c finds the command here and
 * runs it; help.c prints the tables.
 *
 *   SITE     list set add delete start stop
 *   APP      list set add delete
 *   VDIR     list set add delete
 *   APPPOOL  list set add delete start stop recycle
 *   CONFIG   list set search lock unlock clear
 *   WP       list
 *   BACKUP   list add delete restore         (backup.c)
 */
#include "cli.h"

#include "util/str.h"

static const cli_verb site_verbs[] = {
	{"list", "List virtual sites", cli_list_objects, cli_help_list, false},
	{"set", "Configure virtual site", cli_set_object, cli_help_set, true},
	{"add", "Add new virtual site", cli_add_object, cli_help_add, true},
	{"delete", "Delete virtual site", cli_delete_object, cli_help_delete, true},
	{"start", "Start virtual site", cli_control, cli_help_control, true},
	{"stop", "Stop virtual site", cli_control, cli_help_control, true},
	{NULL, NULL, NULL, NULL, false},
};

static const cli_verb app_verbs[] = {
	{"list", "List applications", cli_list_objects, cli_help_list, false},
	{"set", "Configure application", cli_set_object, cli_help_set, true},
	{"add", "Add new application", cli_add_object, cli_help_add, true},
	{"delete", "Delete application", cli_delete_object, cli_help_delete, true},
	{NULL, NULL, NULL, NULL, false},
};

static const cli_verb vdir_verbs[] = {
	{"list", "List virtual directories", cli_list_objects, cli_help_list, false},
	{"set", "Configure virtual directory", cli_set_object, cli_help_set, true},
	{"add", "Add new virtual directory", cli_add_object, cli_help_add, true},
	{"delete", "Delete virtual directory", cli_delete_object, cli_help_delete, true},
	{NULL, NULL, NULL, NULL, false},
};

static const cli_verb apppool_verbs[] = {
	{"list", "List application pools", cli_list_objects, cli_help_list, false},
	{"set", "Configure application pool", cli_set_object, cli_help_set, true},
	{"add", "Add new application pool", cli_add_object, cli_help_add, true},
	{"delete", "Delete application pool", cli_delete_object, cli_help_delete, true},
	{"start", "Start application pool", cli_control, cli_help_control, true},
	{"stop", "Stop application pool", cli_control, cli_help_control, true},
	{"recycle", "Recycle application pool", cli_control, cli_help_control, true},
	{NULL, NULL, NULL, NULL, false},
};

static const cli_verb config_verbs[] = {
	{"list", "List configuration sections", cli_list_config, cli_help_list, false},
	{"set", "Set configuration section", cli_set_config, cli_help_config_write, false},
	{"search", "Search for configuration", cli_search_config, cli_help_config_write, false},
	{"lock", "Lock configuration section", cli_lock_config, cli_help_config_write, false},
	{"unlock", "Unlock configuration section", cli_lock_config, cli_help_config_write, false},
	{"clear", "Clear configuration section", cli_clear_config, cli_help_config_write, false},
	{NULL, NULL, NULL, NULL, false},
};

static const cli_verb wp_verbs[] = {
	{"list", "List worker processes", cli_list_wp, cli_help_control, false},
	{NULL, NULL, NULL, NULL, false},
};

static const cli_verb no_verbs[] = {
	{NULL, NULL, NULL, NULL, false},
};

/* The stand-in for backup.c's table (see cli.h): replaced at link time by
 * the definition in backup.c. */
__attribute__((weak)) const cli_verb *cli_backup_verbs(void)
{
	return no_verbs;
}

const cli_verb *cli_verbs_of(const cli_kind *kind)
{
	switch (kind->id) {
	case CLI_SITE:
		return site_verbs;
	case CLI_APP:
		return app_verbs;
	case CLI_VDIR:
		return vdir_verbs;
	case CLI_APPPOOL:
		return apppool_verbs;
	case CLI_CONFIG:
		return config_verbs;
	case CLI_WP:
		return wp_verbs;
	case CLI_BACKUP: {
		const cli_verb *v = cli_backup_verbs();
		return v ? v : no_verbs;
	}
	default:
		return no_verbs;
	}
}

const cli_verb *cli_verb_find(const cli_kind *kind, const char *name)
{
	for (const cli_verb *v = cli_verbs_of(kind); v->name; v++)
		if (ah_strcaseeq(v->name, name))
			return v;
	return NULL;
}
