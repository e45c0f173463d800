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
 *
 * CONFIG has no one-line form: listing it prints the configuration itself.
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
};

const cli_kind *cli_kind_find(const char *name)
{
	for (size_t i = 0; i < sizeof(kinds) / sizeof(kinds[0]); i++)
		if (ah_strcaseeq(name, kinds[i].name) || ah_strcaseeq(name, kinds[i].plural))
			return &kinds[i];
	return NULL;
}

const cli_kind *cli_kind_at(size_t i)
{
	return i < sizeof(kinds) / sizeof(kinds[0]) ? &kinds[i] : NULL;
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

const char *cli_object_get(const cli_object *o, const char *key)
{
	for (size_t i = 0; i < o->nprops; i++)
		if (ah_strcaseeq(o->props[i].key, key))
			return o->props[i].value;
	return NULL;
}
