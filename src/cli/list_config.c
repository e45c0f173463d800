/*
 * appcmd: `list config [PATH] [/section:NAME] [/config:*] [/xml] [/text...]`.
 *
 * PATH is resolved by cfgpath.c (default: MACHINE/WEBROOT/APPHOST).
 * /section:NAME shows one section (sections.c resolves short names);
 * without it, every section the schema declares and some file sets for the
 * path is shown, in schema order. A section that is declared in the schema
 * but registered in no file is skipped; any other error stops the command.
 * /section:? prints the section names, one per line.
 *
 * Text output (the default) wraps each section in its section groups, with
 * 2 spaces per level, and shows only the values some file sets (all values,
 * defaults included, with /config:*):
 *
 *   <system.webServer>
 *     <defaultDocument enabled="true">
 *       <files>
 *         <add value="index.html" />
 *       </files>
 *     </defaultDocument>
 *   </system.webServer>
 *
 * /xml writes one CONFIG object per section, holding the section element
 * named after the section path with "/" replaced by "-":
 *
 *   <CONFIG CONFIG.SECTION="system.webServer/defaultDocument"
 *           path="MACHINE/WEBROOT/APPHOST" overrideMode="Inherit" locked="false">
 *       <system.webServer-defaultDocument enabled="true">
 *
 * overrideMode is the overrideMode of a location tag for exactly this path
 * ("Inherit" when none); locked tells whether a configuration file at this
 * path may not set the section (delegation denied above it).
 * /text:* and /text:ATTR treat each section as a CONFIG object with those
 * properties and the section element.
 */
#include "cli.h"

#include "apphost/crypt.h"
#include "util/str.h"

#include <string.h>

typedef struct lc {
	ah_buf *out;
	cli_args *a;
	ah_config *cfg;
	const char *path;
	size_t shown;
} lc;

static void print_text(ah_buf *out, const char *name, const ah_elem *root, int config)
{
	cli_xmlstyle style = {.step = 2, .all = config == 2};
	const char *group[16];
	int len[16], n = 0;
	const char *p = name, *slash;
	while ((slash = strchr(p, '/')) != NULL && n < 16) {
		group[n] = p;
		len[n] = (int)(slash - p);
		ah_buf_printf(out, "%*s<%.*s>\n", n * 2, "", len[n], group[n]);
		n++;
		p = slash + 1;
	}
	cli_config_print(out, root, ah_elem_tag(root), n, &style);
	while (n-- > 0)
		ah_buf_printf(out, "%*s</%.*s>\n", n * 2, "", len[n], group[n]);
}

/* Build the CONFIG object of one section and print it. Returns 0, or an exit
 * status with the error in out. */
static int show(lc *c, const ah_section *sec, cli_objlist *l)
{
	const char *name = ah_section_name(sec);
	cli_object *o = cli_objlist_add(l, cli_kind_by_id(CLI_CONFIG));
	char *tag = o ? ah_arena_strdup(l->arena, name) : NULL;
	if (!tag)
		return cli_error_engine(c->out, AH_ENOMEM);
	for (char *p = tag; *p; p++)
		if (*p == '/')
			*p = '-';
	o->elem = ah_section_root(sec);
	o->elem_tag = tag;
	o->id = tag;
	int rc = cli_object_prop(l, o, "CONFIG.SECTION", name, false);
	if (!rc)
		rc = cli_object_prop(l, o, "path", ah_section_path(sec), false);
	if (!rc)
		rc = cli_object_prop(l, o, "overrideMode", ah_section_override_mode(sec), false);
	if (!rc)
		rc = cli_object_prop(l, o, "locked", ah_section_is_locked(sec) ? "true" : "false",
				     false);
	if (rc < 0)
		return cli_error_engine(c->out, rc);
	const char *unknown = NULL, *v;
	if (!cli_query_match(o, c->a, &unknown)) {
		if (unknown)
			return cli_error_unknown_attr(c->out, unknown);
		return 0;
	}
	c->shown++;
	switch (c->a->mode) {
	case CLI_OUT_DEFAULT:
		print_text(c->out, name, o->elem, c->a->config);
		break;
	case CLI_OUT_XML:
		cli_xml_object(c->out, o, c->a->config == 2 ? 2 : 1);
		break;
	case CLI_OUT_DETAIL:
		cli_text_detail(c->out, o, c->cfg);
		break;
	case CLI_OUT_ATTR: {
		char *heap = NULL;
		if (!cli_query_plain(o, c->cfg, c->a->text_attr, &v, &heap))
			return cli_error_unknown_attr(c->out, c->a->text_attr);
		ah_buf_printf(c->out, "%s\n", v);
		ah_crypt_free(heap);
		break;
	}
	}
	return 0;
}

/* One section: `all` is true when every section is being listed (skip the
 * undeclared and the empty ones). */
static int one_section(lc *c, const char *name, bool all)
{
	ah_section *sec;
	int rc = ah_config_section(&sec, c->cfg, name, c->path);
	if (rc < 0) {
		const ah_error *err = ah_error_last();
		if (all && rc == AH_ENOTFOUND && err && err->hresult == AH_HR_NOT_SUPPORTED) {
			ah_error_clear();
			return 0;
		}
		return cli_error_engine(c->out, rc);
	}
	int status = 0;
	if (!all || cli_elem_has_content(ah_section_root(sec))) {
		cli_objlist l;
		if (cli_objlist_init(&l) < 0)
			status = cli_error_engine(c->out, AH_ENOMEM);
		else
			status = show(c, sec, &l);
		cli_objlist_free(&l);
	}
	ah_section_free(sec);
	return status;
}

static int section_names(lc *c)
{
	const char *const *names;
	size_t n;
	int rc = ah_config_section_names(&names, &n, c->cfg, c->path);
	if (rc < 0)
		return cli_error_engine(c->out, rc);
	for (size_t i = 0; i < n; i++)
		ah_buf_printf(c->out, "%s\n", names[i]);
	return 0;
}

static int all_sections(lc *c)
{
	const char *const *names;
	size_t n;
	int rc = ah_config_section_names(&names, &n, c->cfg, c->path);
	if (rc < 0)
		return cli_error_engine(c->out, rc);
	/* the names belong to the store until the next call: copy them */
	char **copy = ah_calloc(n + 1, sizeof(char *));
	if (!copy)
		return cli_error_engine(c->out, AH_ENOMEM);
	int status = 0;
	for (size_t i = 0; i < n && !status; i++)
		if (!(copy[i] = ah_strdup(names[i])))
			status = cli_error_engine(c->out, AH_ENOMEM);
	for (size_t i = 0; i < n && !status; i++)
		status = one_section(c, copy[i], true);
	for (size_t i = 0; i < n; i++)
		ah_free(copy[i]);
	ah_free(copy);
	return status;
}

static int run(lc *c)
{
	const char *section = c->a->section && *c->a->section ? c->a->section : NULL;
	if (section && strcmp(section, "?") == 0)
		return section_names(c);
	if (c->a->mode == CLI_OUT_XML)
		cli_xml_begin(c->out);
	int status;
	if (section) {
		char *full = NULL;
		int rc = cli_section_resolve(&full, c->cfg, section);
		if (rc == AH_ENOMEM)
			return cli_error_engine(c->out, rc);
		status = one_section(c, full ? full : section, false);
		ah_free(full);
	} else {
		status = all_sections(c);
	}
	if (status)
		return status;
	if (c->a->mode == CLI_OUT_XML)
		cli_xml_end(c->out);
	return c->shown || !section ? 0 : 1;
}

int cli_list_config(ah_buf *out, cli_args *a, const cli_kind *kind)
{
	(void)kind;
	ah_config *cfg;
	int status;
	if (cli_open(&cfg, a, out, &status) < 0)
		return status;
	char *path = NULL;
	int rc = cli_config_path(&path, cfg, a->ident);
	if (rc == AH_ENOTFOUND && !ah_error_last())
		status = cli_error_not_found(out, cli_kind_by_id(CLI_SITE), a->ident);
	else if (rc < 0)
		status = cli_error_engine(out, rc);
	else {
		lc c = {.out = out, .a = a, .cfg = cfg, .path = path};
		status = run(&c);
	}
	ah_free(path);
	ah_config_free(cfg);
	return status;
}
