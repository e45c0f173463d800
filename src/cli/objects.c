/*
 * appcmd: the object types and the list of objects a command shows.
 *
 * Each type has its name (singular and plural are accepted on the command
 * line, in any case), the parameter that names an identifier (/site.name:),
 * its help lines, and the properties of its one-line form:
 *
 *   SITE "name" (id:1,bindings:http/:80:,state:Started)
 *   APP "Site/path" (applicationPool:X)
 *   VDIR "Site/app/vdir" (physicalPath:...)
 *   APPPOOL "name" (MgdVersion:v4.0,MgdMode:Integrated,state:Started)
 *   WP "3577" (applicationPool:DefaultAppPool)
 *   BACKUP "name"
 *   CONFIGSEARCH "MACHINE/WEBROOT/APPHOST/Site"   (the results of search config)
 *
 * CONFIG has no one-line form: listing it prints the configuration itself.
 * CONFIGSEARCH is an output type only: the command line never names it.
 */
#include "cli.h"

#include "util/str.h"

#include <string.h>

static const cli_kind kinds[] = {
	{CLI_SITE, "SITE", "SITES", "site", "site.name", "Administration of virtual sites",
	 "virtual sites", {{"id", "SITE.ID"}, {"bindings", "bindings"}, {"state", "state"}}},
	{CLI_APP, "APP", "APPS", "app", "app.name", "Administration of applications", "applications",
	 {{"applicationPool", "APPPOOL.NAME"}, {NULL, NULL}, {NULL, NULL}}},
	{CLI_VDIR, "VDIR", "VDIRS", "vdir", "vdir.name", "Administration of virtual directories",
	 "virtual directories", {{"physicalPath", "physicalPath"}, {NULL, NULL}, {NULL, NULL}}},
	{CLI_APPPOOL, "APPPOOL", "APPPOOLS", "apppool", "apppool.name", "Administration of application pools",
	 "application pools",
	 {{"MgdVersion", "RuntimeVersion"}, {"MgdMode", "PipelineMode"}, {"state", "state"}}},
	{CLI_CONFIG, "CONFIG", "CONFIGS", "config", "config.name",
	 "Administration of general configuration sections", "configuration sections",
	 {{NULL, NULL}, {NULL, NULL}, {NULL, NULL}}},
	{CLI_WP, "WP", "WPS", "wp", "wp.name", "Administration of worker processes",
	 "worker processes", {{"applicationPool", "APPPOOL.NAME"}, {NULL, NULL}, {NULL, NULL}}},
	{CLI_BACKUP, "BACKUP", "BACKUPS", "backup", "backup.name",
	 "Administration of server configuration backups", "configuration backups",
	 {{NULL, NULL}, {NULL, NULL}, {NULL, NULL}}},
	/* output only: after the command line types */
	{CLI_CONFIGSEARCH, "CONFIGSEARCH", "", "configsearch", "configsearch.path",
	 "Configuration search results", "configuration paths",
	 {{NULL, NULL}, {NULL, NULL}, {NULL, NULL}}},
};

#define NKINDS (sizeof(kinds) / sizeof(kinds[0]))
#define NCMDKINDS (NKINDS - 1) /* the types the command line names */

const cli_kind *cli_kind_find(const char *name)
{
	for (size_t i = 0; i < NCMDKINDS; i++)
		if (ah_strcaseeq(name, kinds[i].name) || ah_strcaseeq(name, kinds[i].plural))
			return &kinds[i];
	return NULL;
}

const cli_kind *cli_kind_at(size_t i)
{
	return i < NCMDKINDS ? &kinds[i] : NULL;
}

const cli_kind *cli_kind_by_id(cli_kind_id id)
{
	for (size_t i = 0; i < NKINDS; i++)
		if (kinds[i].id == id)
			return &kinds[i];
	return NULL;
}

int cli_objlist_init(cli_objlist *l)
{
	memset(l, 0, sizeof(*l));
	l->arena = ah_arena_new();
	return l->arena ? 0 : AH_ENOMEM;
}

void cli_objlist_free(cli_objlist *l)
{
	for (size_t i = 0; i < l->nsections; i++)
		ah_section_free(l->sections[i]);
	ah_free(l->v);
	ah_arena_free(l->arena);
	memset(l, 0, sizeof(*l));
}

cli_object *cli_objlist_add(cli_objlist *l, const cli_kind *kind)
{
	if (l->n == l->cap) {
		size_t cap = l->cap ? l->cap * 2 : 16;
		cli_object *v = ah_realloc(l->v, cap * sizeof(*v));
		if (!v)
			return NULL;
		l->v = v;
		l->cap = cap;
	}
	cli_object *o = &l->v[l->n++];
	memset(o, 0, sizeof(*o));
	o->kind = kind;
	return o;
}

int cli_objlist_keep(cli_objlist *l, ah_section *s)
{
	if (l->nsections == sizeof(l->sections) / sizeof(l->sections[0])) {
		ah_section_free(s);
		return AH_ENOMEM;
	}
	l->sections[l->nsections++] = s;
	return 0;
}

int cli_object_prop(cli_objlist *l, cli_object *o, const char *key, const char *value,
		    bool hidden)
{
	if (o->nprops == CLI_MAX_PROPS)
		return AH_ENOMEM;
	const char *v = ah_arena_strdup(l->arena, value ? value : "");
	if (!v)
		return AH_ENOMEM;
	o->props[o->nprops++] = (cli_prop){.key = key, .value = v, .hidden = hidden};
	return 0;
}

int cli_object_prop_text(cli_objlist *l, cli_object *o, const char *key, const char *value)
{
	int rc = cli_object_prop(l, o, key, value, false);
	if (rc == 0)
		o->props[o->nprops - 1].text_only = true;
	return rc;
}

const cli_object *cli_objlist_find(const cli_objlist *l, const char *id)
{
	for (size_t i = 0; i < l->n; i++)
		if (ah_strcaseeq(l->v[i].id, id))
			return &l->v[i];
	return NULL;
}

int cli_collect(cli_objlist *l, ah_config *cfg, const cli_kind *kind)
{
	if (kind->id == CLI_APPPOOL)
		return cli_collect_apppools(l, cfg, kind);
	return cli_collect_sites(l, cfg, kind);
}

const char *cli_object_get(const cli_object *o, const char *key)
{
	for (size_t i = 0; i < o->nprops; i++)
		if (ah_strcaseeq(o->props[i].key, key))
			return o->props[i].value;
	return NULL;
}
