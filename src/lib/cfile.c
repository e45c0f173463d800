/*
 * One configuration file (machine.config, root web.config,
 * applicationHost.config or a web.config): parse it, read <configSections>,
 * and index its section elements by section name and <location>.
 *
 * File format (IIS):
 *
 *   <configuration>
 *     <configSections>            first child, at most one
 *       <sectionGroup name="g">   groups nest; hold no settings
 *         <section name="s" allowDefinition=".." overrideModeDefault=".." allowLocation=".."/>
 *     <location path="p" overrideMode="Allow|Deny|Inherit" | allowOverride="true|false"
 *               inheritInChildApplications="true|false">
 *       <g><s .../></g>           sections, inside their groups
 *     </location>
 *     <g><s .../></g>             sections at the file's own level
 *   </configuration>
 *
 * Errors that make the whole file unusable (not well-formed, misplaced
 * configSections, duplicate declarations) are kept on the file and raised by
 * every read through it. Errors that concern one section use (configSource,
 * location tag attributes) are kept on the use and raised only when that
 * section is read, as IIS does.
 */
#include "engine.h"

#include "util/str.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>

static const char MSG_NOT_WELL_FORMED[] = "Configuration file is not well-formed XML";
static const char MSG_CONFIGSECTIONS[] =
	"Only one <configSections> element allowed.  It must be the first child element of the "
	"root <configuration> element   ";

static int file_error(ah_cfile *f, int code, uint32_t hr, unsigned line, const char *msg)
{
	if (f->err_code)
		return f->err_code;
	f->err_code = code;
	f->err_hr = hr;
	f->err_line = line;
	f->err_msg = ah_arena_strdup(f->arena, msg);
	return code;
}

int ah__cfile_raise(const ah_cfile *f)
{
	return ah_error_set(f->err_code, f->err_hr, f->path, f->err_line, "%s", f->err_msg);
}

void ah__cfile_free(ah_cfile *f)
{
	if (!f)
		return;
	ah_map_free(&f->decl_map);
	ah_map_free(&f->use_index);
	ah_free(f->data);
	ah_free(f->uses);
	ah_arena_free(f->arena);
	ah_free(f->path);
	ah_free(f->config_path);
	ah_free(f);
}

static bool parse_bool_attr(const char *v, bool def)
{
	if (!v)
		return def;
	if (ah_strcaseeq(v, "true"))
		return true;
	if (ah_strcaseeq(v, "false"))
		return false;
	return def;
}

static int push_decl(ah_cfile *f, ah_secdecl *d)
{
	ah_secdecl *prev = ah_map_get(&f->decl_map, d->name);
	if (prev) {
		char msg[512];
		snprintf(msg, sizeof(msg), "There is a duplicate '%s' section defined", d->name);
		return file_error(f, AH_ECONFIG, AH_HR_INVALID_DATA, d->line, msg);
	}
	ah_secdecl **nd = ah_arena_alloc(f->arena, (f->ndecls + 1) * sizeof(*nd));
	if (!nd || ah_map_put(&f->decl_map, d->name, d) < 0)
		return AH_ENOMEM;
	if (f->ndecls)
		memcpy(nd, f->decls, f->ndecls * sizeof(*nd));
	nd[f->ndecls++] = d;
	f->decls = nd;
	return 0;
}

static int enum_attr_error(ah_cfile *f, unsigned line, const char *attr, const char *names)
{
	char msg[512];
	snprintf(msg, sizeof(msg), "The '%s' attribute is invalid.  Enum must be one of %s", attr,
		 names);
	return file_error(f, AH_ECONFIG, AH_HR_INVALID_DATA, line, msg);
}

static int parse_section_decl(ah_cfile *f, const ah_xnode *n, const char *group)
{
	const char *name = ah__xml_attr(n, "name");
	if (!name || !*name)
		return file_error(f, AH_ECONFIG, AH_HR_INVALID_DATA, n->line,
				  "Missing required attribute 'name'");
	ah_secdecl *d = ah_arena_alloc(f->arena, sizeof(*d));
	if (!d)
		return AH_ENOMEM;
	d->name = *group ? ah_arena_printf(f->arena, "%s/%s", group, name)
			 : ah_arena_strdup(f->arena, name);
	d->line = n->line;
	d->file = f;
	d->allow_location = parse_bool_attr(ah__xml_attr(n, "allowLocation"), true);
	d->override_default = AH_OM_ALLOW;
	const char *omd = ah__xml_attr(n, "overrideModeDefault");
	if (omd) {
		if (ah_strcaseeq(omd, "Deny"))
			d->override_default = AH_OM_DENY;
		else if (!ah_strcaseeq(omd, "Allow"))
			return enum_attr_error(f, n->line, "overrideModeDefault", "Allow, Deny");
	}
	const char *ad = ah__xml_attr(n, "allowDefinition");
	static const struct {
		const char *name;
		ah_allowdef v;
	} defs[] = {
		{"MachineOnly", AH_DEF_MACHINE_ONLY},
		{"MachineToRootWeb", AH_DEF_MACHINE_TO_ROOT_WEB},
		{"MachineToWebRoot", AH_DEF_MACHINE_TO_ROOT_WEB}, /* .NET's spelling */
		{"MachineToApplication", AH_DEF_MACHINE_TO_APPLICATION},
		{"AppHostOnly", AH_DEF_APPHOST_ONLY},
		{"Everywhere", AH_DEF_EVERYWHERE},
	};
	d->allow_definition = AH_DEF_EVERYWHERE;
	if (ad) {
		size_t i;
		for (i = 0; i < sizeof(defs) / sizeof(defs[0]); i++)
			if (ah_strcaseeq(ad, defs[i].name))
				break;
		if (i == sizeof(defs) / sizeof(defs[0]))
			return enum_attr_error(f, n->line, "allowDefinition",
					       "MachineOnly, MachineToApplication, "
					       "MachineToRootWeb, AppHostOnly, Everywhere");
		d->allow_definition = defs[i].v;
	}
	if (!d->name)
		return AH_ENOMEM;
	return push_decl(f, d);
}

static int parse_config_sections(ah_cfile *f, const ah_xnode *n, const char *group)
{
	for (const ah_xnode *c = n->first; c; c = c->next) {
		int rc = 0;
		if (strcmp(c->name, "section") == 0) {
			rc = parse_section_decl(f, c, group);
		} else if (strcmp(c->name, "sectionGroup") == 0) {
			const char *name = ah__xml_attr(c, "name");
			if (!name || !*name)
				return file_error(f, AH_ECONFIG, AH_HR_INVALID_DATA, c->line,
						  "Missing required attribute 'name'");
			const char *full = *group ? ah_arena_printf(f->arena, "%s/%s", group, name)
						  : ah_arena_strdup(f->arena, name);
			if (!full)
				return AH_ENOMEM;
			ah_secdecl *g = ah_map_get(&f->decl_map, full);
			if (!g) {
				/* a group may be opened again; only sections are unique */
				g = ah_arena_alloc(f->arena, sizeof(*g));
				if (!g)
					return AH_ENOMEM;
				g->name = full;
				g->is_group = true;
				g->line = c->line;
				g->file = f;
				rc = push_decl(f, g);
			} else if (!g->is_group) {
				char msg[512];
				snprintf(msg, sizeof(msg),
					 "There is a duplicate '%s' section defined", full);
				return file_error(f, AH_ECONFIG, AH_HR_INVALID_DATA, c->line, msg);
			}
			if (rc == 0)
				rc = parse_config_sections(f, c, full);
		} else if (strcmp(c->name, "remove") == 0 || strcmp(c->name, "clear") == 0) {
			continue; /* .NET directives, meaningless to IIS */
		} else {
			char msg[256];
			snprintf(msg, sizeof(msg), "Unrecognized element '%s'", c->name);
			rc = file_error(f, AH_ECONFIG, AH_HR_INVALID_DATA, c->line, msg);
		}
		if (rc < 0)
			return rc;
	}
	return 0;
}

/* Is `name` a section group, as far as this file and the schema can tell? */
static bool is_group(ah_config *cfg, ah_cfile *f, const char *name)
{
	ah_secdecl *d = ah_map_get(&f->decl_map, name);
	if (d)
		return d->is_group;
	if (ah__schema_section(cfg->schema, name))
		return false;
	size_t len = strlen(name);
	for (size_t i = 0; i < cfg->schema->nlist; i++) {
		const char *s = cfg->schema->list[i]->name;
		if (strncmp(s, name, len) == 0 && s[len] == '/')
			return true;
	}
	/* groups declared in files above are resolved against the whole store */
	for (size_t i = 0; i < cfg->nfiles; i++) {
		ah_secdecl *pd = ah_map_get(&cfg->filelist[i]->decl_map, name);
		if (pd)
			return pd->is_group;
	}
	return false;
}

static int push_use(ah_cfile *f, const ah_secuse *u)
{
	if (f->nuses == f->capuses) {
		size_t cap = f->capuses ? f->capuses * 2 : 16;
		ah_secuse *nu = ah_realloc(f->uses, cap * sizeof(*nu));
		if (!nu)
			return AH_ENOMEM;
		f->uses = nu;
		f->capuses = cap;
	}
	f->uses[f->nuses++] = *u;
	return 0;
}

static const char *dirname_of(ah_arena *a, const char *path)
{
	const char *slash = strrchr(path, '/');
	if (!slash)
		return ".";
	return ah_arena_strndup(a, path, (size_t)(slash - path));
}

/* Follow configSource="file" on a section element. */
static int follow_config_source(ah_config *cfg, ah_cfile *f, ah_secuse *u, const char *src)
{
	if (!f->config_path || u->loc->is_location) {
		u->error = "Unrecognized attribute 'configSource'";
		u->error_hr = AH_HR_INVALID_DATA;
		return 0;
	}
	if (!*src || src[0] == '/' || src[0] == '\\' || strstr(src, "..") || strchr(src, ':')) {
		u->error = "The configSource attribute must be a relative physical path";
		u->error_hr = AH_HR_INVALID_DATA;
		return 0;
	}
	if (u->node->nattrs != 1 || u->node->first) {
		u->error = "A section using 'configSource' may contain no other attributes or "
			   "elements";
		u->error_hr = AH_HR_INVALID_DATA;
		return 0;
	}
	char *rel = ah_arena_strdup(f->arena, src);
	if (!rel)
		return AH_ENOMEM;
	for (char *p = rel; *p; p++)
		if (*p == '\\')
			*p = '/';
	const char *full = ah_arena_printf(f->arena, "%s/%s", dirname_of(f->arena, f->path), rel);
	if (!full)
		return AH_ENOMEM;
	ah_cfile *ext;
	int rc = ah__config_file(&ext, cfg, full, NULL, false);
	if (rc == AH_ENOMEM)
		return rc;
	if (rc < 0 || !ext->exists) {
		u->error = ah_arena_printf(f->arena, "Unable to open configSource file '%s'.",
					   src);
		u->error_hr = AH_HR_FILE_NOT_FOUND;
		ah_error_clear();
		return u->error ? 0 : AH_ENOMEM;
	}
	const ah_xnode *root = ext->doc.root;
	if (ext->err_code || !root || strcmp(root->name, u->node->name) != 0) {
		u->error = "Specified configSource cannot be parsed";
		u->error_hr = AH_HR_INVALID_DATA;
		return 0;
	}
	u->node = root;
	u->file = ext;
	return 0;
}

static int scan_sections(ah_config *cfg, ah_cfile *f, const ah_xnode *n, const char *prefix,
			 const ah_loc *loc);

/* One element below <configuration> or <location>: a group or a section. */
static int scan_one(ah_config *cfg, ah_cfile *f, const ah_xnode *c, const char *prefix,
		    const ah_loc *loc)
{
	const char *name = *prefix ? ah_arena_printf(f->arena, "%s/%s", prefix, c->name)
				   : c->name;
	if (!name)
		return AH_ENOMEM;
	if (!*prefix && strcmp(c->name, "location") == 0) {
		char msg[128];
		snprintf(msg, sizeof(msg), "Unrecognized element '%s'", c->name);
		return file_error(f, AH_ECONFIG, AH_HR_INVALID_DATA, c->line, msg);
	}
	if (!*prefix && strcmp(c->name, "configSections") == 0)
		return file_error(f, AH_ECONFIG, AH_HR_INVALID_DATA, c->line, MSG_CONFIGSECTIONS);
	if (is_group(cfg, f, name))
		return scan_sections(cfg, f, c, name, loc);
	ah_secuse u = {.name = name, .loc = loc, .node = c, .file = f, .owner = f,
		       .line = c->line};
	const char *src = ah__xml_attr(c, "configSource");
	if (src) {
		int rc = follow_config_source(cfg, f, &u, src);
		if (rc < 0)
			return rc;
	}
	return push_use(f, &u);
}

static int scan_sections(ah_config *cfg, ah_cfile *f, const ah_xnode *n, const char *prefix,
			 const ah_loc *loc)
{
	for (const ah_xnode *c = n->first; c; c = c->next) {
		int rc = scan_one(cfg, f, c, prefix, loc);
		if (rc < 0)
			return rc;
	}
	return 0;
}

static const char *trim_path(ah_arena *a, const char *p)
{
	while (*p == '/' || *p == '\\')
		p++;
	size_t n = strlen(p);
	while (n && (p[n - 1] == '/' || p[n - 1] == '\\'))
		n--;
	char *r = ah_arena_strndup(a, p, n);
	if (!r)
		return NULL;
	for (char *q = r; *q; q++)
		if (*q == '\\')
			*q = '/';
	if (strcmp(r, ".") == 0)
		r[0] = '\0';
	return r;
}

static int parse_location(ah_config *cfg, ah_cfile *f, const ah_xnode *n)
{
	ah_loc *loc = ah_arena_alloc(f->arena, sizeof(*loc));
	if (!loc)
		return AH_ENOMEM;
	loc->is_location = true;
	loc->line = n->line;
	const char *path = ah__xml_attr(n, "path");
	loc->path = trim_path(f->arena, path ? path : "");
	if (!loc->path)
		return AH_ENOMEM;
	if (!*loc->path)
		loc->full = f->config_path;
	else
		loc->full = ah_arena_printf(f->arena, "%s/%s", f->config_path, loc->path);
	if (!loc->full)
		return AH_ENOMEM;
	loc->inherit_child = parse_bool_attr(ah__xml_attr(n, "inheritInChildApplications"), true);
	const char *om = ah__xml_attr(n, "overrideMode");
	const char *ao = ah__xml_attr(n, "allowOverride");
	if (om && ao) {
		loc->error = "A location tag cannot specify both 'allowOverride' and "
			     "'overrideMode'";
	} else if (om) {
		if (ah_strcaseeq(om, "Allow"))
			loc->mode = AH_OM_ALLOW;
		else if (ah_strcaseeq(om, "Deny"))
			loc->mode = AH_OM_DENY;
		else if (!ah_strcaseeq(om, "Inherit"))
			loc->error = "The 'overrideMode' attribute is invalid.  Enum must be one "
				     "of Inherit, Allow, Deny";
	} else if (ao) {
		if (ah_strcaseeq(ao, "true"))
			loc->mode = AH_OM_ALLOW;
		else if (ah_strcaseeq(ao, "false"))
			loc->mode = AH_OM_DENY;
		else
			loc->error = "The 'allowOverride' attribute is invalid.  Not a valid "
				     "boolean value";
	}
	for (size_t i = 0; i < n->nattrs; i++) {
		const char *an = n->attrs[i].name;
		if (strcmp(an, "path") && strcmp(an, "overrideMode") &&
		    strcmp(an, "allowOverride") && strcmp(an, "inheritInChildApplications") &&
		    strncmp(an, "xmlns", 5)) {
			loc->error = ah_arena_printf(f->arena, "Unrecognized attribute '%s'", an);
			break;
		}
	}
	ah_loc **nl = ah_arena_alloc(f->arena, (f->nlocs + 1) * sizeof(*nl));
	if (!nl)
		return AH_ENOMEM;
	if (f->nlocs)
		memcpy(nl, f->locs, f->nlocs * sizeof(*nl));
	nl[f->nlocs++] = loc;
	f->locs = nl;
	return scan_sections(cfg, f, n, "", loc);
}

static int parse_root(ah_config *cfg, ah_cfile *f)
{
	const ah_xnode *root = f->doc.root;
	if (strcmp(root->name, "configuration") != 0) {
		char msg[256];
		snprintf(msg, sizeof(msg), "Unrecognized element '%s'", root->name);
		return file_error(f, AH_ECONFIG, AH_HR_INVALID_DATA, root->line, msg);
	}
	ah_loc *top = ah_arena_alloc(f->arena, sizeof(*top));
	if (!top)
		return AH_ENOMEM;
	top->path = "";
	top->full = f->config_path;
	top->inherit_child = true;
	top->line = root->line;
	bool first = true;
	for (const ah_xnode *c = root->first; c; c = c->next, first = false) {
		int rc;
		if (strcmp(c->name, "configSections") == 0) {
			if (!first)
				return file_error(f, AH_ECONFIG, AH_HR_INVALID_DATA, c->line,
						  MSG_CONFIGSECTIONS);
			rc = parse_config_sections(f, c, "");
		} else if (strcmp(c->name, "location") == 0) {
			rc = parse_location(cfg, f, c);
		} else {
			rc = scan_one(cfg, f, c, "", top);
		}
		if (rc < 0)
			return rc;
	}
	return 0;
}

/* Index the uses by section name, so that a read looks only at its own. */
static int index_uses(ah_cfile *f)
{
	for (size_t i = 0; i < f->nuses; i++) {
		ah_uselist *l = ah_map_get(&f->use_index, f->uses[i].name);
		if (!l) {
			l = ah_arena_alloc(f->arena, sizeof(*l));
			if (!l || ah_map_put(&f->use_index, f->uses[i].name, l) < 0)
				return AH_ENOMEM;
		}
		if (l->n == l->cap) {
			size_t cap = l->cap ? l->cap * 2 : 2;
			size_t *ni = ah_arena_alloc(f->arena, cap * sizeof(*ni));
			if (!ni)
				return AH_ENOMEM;
			if (l->n)
				memcpy(ni, l->idx, l->n * sizeof(*ni));
			l->idx = ni;
			l->cap = cap;
		}
		l->idx[l->n++] = i;
	}
	return 0;
}

int ah__cfile_load(ah_cfile **out, ah_config *cfg, const char *path, const char *config_path,
		   bool is_apphost)
{
	*out = NULL;
	ah_cfile *f = ah_calloc(1, sizeof(*f));
	if (!f)
		return AH_ENOMEM;
	f->arena = ah_arena_new();
	f->path = ah_strdup(path);
	f->config_path = config_path ? ah_strdup(config_path) : NULL;
	ah_map_init(&f->decl_map, false);
	ah_map_init(&f->use_index, false);
	if (!f->arena || !f->path || (config_path && !f->config_path)) {
		ah__cfile_free(f);
		return AH_ENOMEM;
	}
	int rc = ah__config_read(cfg, &f->data, &f->len, &f->id, path);
	if (rc == AH_ENOMEM) {
		ah__cfile_free(f);
		return rc;
	}
	if (rc == AH_ENOTFOUND && config_path && strcmp(config_path, "MACHINE") == 0) {
		f->data = ah_strdup(ah__builtin_machine_config);
		if (!f->data) {
			ah__cfile_free(f);
			return AH_ENOMEM;
		}
		f->len = strlen(f->data);
		f->builtin = true;
		rc = 0;
	} else if (rc == AH_ENOTFOUND) {
		if (is_apphost)
			file_error(f, AH_ECONFIG, AH_HR_FILE_NOT_FOUND, 0,
				   "Cannot read configuration file");
		*out = f;
		return 0;
	}
	if (rc < 0) {
		f->exists = true;
		file_error(f, AH_ECONFIG, errno == EACCES ? AH_HR_ACCESS_DENIED : AH_HR_INVALID_DATA,
			   0,
			   errno == EACCES
				   ? "Cannot read configuration file due to insufficient permissions"
				   : "Cannot read configuration file");
		*out = f;
		return 0;
	}
	f->exists = true;
	unsigned line = 0;
	rc = ah__xml_parse(&f->doc, f->arena, f->data, f->len, &line);
	if (rc == AH_ENOMEM) {
		ah__cfile_free(f);
		return rc;
	}
	if (rc < 0) {
		file_error(f, AH_ECONFIG, AH_HR_INVALID_DATA, line, MSG_NOT_WELL_FORMED);
		*out = f;
		return 0;
	}
	if (config_path) {
		rc = parse_root(cfg, f);
		if (rc == 0)
			rc = index_uses(f);
		if (rc == AH_ENOMEM) {
			ah__cfile_free(f);
			return rc;
		}
	}
	*out = f;
	return 0;
}
