/*
 * appcmd: the help of the commands that change configuration or ask the
 * service (`appcmd add site /?`, `appcmd set config /?`...), in the layout
 * of the list help (help.c): a title, the syntax, the parameters, examples.
 * The texts are a table keyed by object type and command.
 */
#include "cli.h"

#include "util/str.h"

typedef struct help_text {
	cli_kind_id kind;
	const char *verb;
	const char *text;
} help_text;

static const help_text texts[] = {
	{CLI_SITE, "add",
	 "Add new virtual site\n\n"
	 "APPCMD add SITE <-parameter1:value1 ...>\n\n"
	 "Supported parameters:\n\n"
	 "/name\n    Name of the new site (required).\n"
	 "/id\n    Site id; default: the lowest id no site has.\n"
	 "/bindings\n    Bindings, protocol/bindingInformation joined with commas,\n"
	 "    e.g. http/*:80:,https/*:443:\n"
	 "/physicalPath\n    Also creates the root application and its root virtual\n"
	 "    directory, with this physical path.\n"
	 "/<property>:<value>\n    Any other property of the site (dots for child elements).\n"
	 "/in\n    Recreate the sites of /xml output read from standard input.\n\n"
	 "Examples:\n\n"
	 "  appcmd add site /name:MySite /bindings:http/*:81: /physicalPath:C:\\inetpub\\mysite\n"
	 "    Add a site with its root application.\n"},
	{CLI_APP, "add",
	 "Add new application\n\n"
	 "APPCMD add APP <-parameter1:value1 ...>\n\n"
	 "Supported parameters:\n\n"
	 "/site.name\n    Site of the new application (required).\n"
	 "/path\n    Path of the application in the site, e.g. /app1 (required).\n"
	 "/physicalPath\n    Also creates the application's root virtual directory.\n"
	 "/<property>:<value>\n    Any other property, e.g. /applicationPool:MyAppPool.\n"
	 "/in\n    Recreate the applications of /xml output read from standard input.\n\n"
	 "Examples:\n\n"
	 "  appcmd add app /site.name:MySite /path:/app1 /physicalPath:C:\\inetpub\\app1\n"
	 "    Add an application and its root virtual directory.\n"},
	{CLI_VDIR, "add",
	 "Add new virtual directory\n\n"
	 "APPCMD add VDIR <-parameter1:value1 ...>\n\n"
	 "Supported parameters:\n\n"
	 "/app.name\n    Application of the new virtual directory, e.g. \"MySite/app1\"\n"
	 "    (required).\n"
	 "/path\n    Path of the virtual directory in the application (required).\n"
	 "/physicalPath\n    Folder of the virtual directory.\n"
	 "/<property>:<value>\n    Any other property of the virtual directory.\n\n"
	 "Examples:\n\n"
	 "  appcmd add vdir /app.name:\"MySite/app1\" /path:/vdir1 /physicalPath:C:\\vdir1\n"
	 "    Add a virtual directory.\n"},
	{CLI_APPPOOL, "add",
	 "Add new application pool\n\n"
	 "APPCMD add APPPOOL <-parameter1:value1 ...>\n\n"
	 "Supported parameters:\n\n"
	 "/name\n    Name of the new application pool (required).\n"
	 "/<property>:<value>\n    Any property of the pool, e.g.\n"
	 "    /processModel.identityType:NetworkService\n"
	 "/in\n    Recreate the pools of /xml output read from standard input.\n\n"
	 "Examples:\n\n"
	 "  appcmd add apppool /name:MyAppPool /managedPipelineMode:Classic\n"
	 "    Add an application pool in Classic mode.\n"},
	{CLI_CONFIG, "set",
	 "Set configuration section\n\n"
	 "APPCMD set CONFIG <path> -section:<name> <-parameter1:value1 ...>\n\n"
	 "Supported parameters:\n\n"
	 "path\n    Configuration path to set; default: the server level.\n"
	 "/section\n    Section to set (required).\n"
	 "/<property>:<value>\n    Property to set; dots for child elements and\n"
	 "    [key='value'] for collection items.\n"
	 "/+<element>.[key='value',...]\n    Add a collection item.\n"
	 "/-<element>.[key='value',...]\n    Remove a collection item.\n"
	 "/commit\n    Where to save: url, site, app, parent, apphost, webroot,\n"
	 "    machine, or a configuration path.\n\n"
	 "Examples:\n\n"
	 "  appcmd set config \"Default Web Site/\" /section:directoryBrowse /enabled:true\n"
	 "    Enable directory browsing for the site.\n\n"
	 "  appcmd set config /section:applicationPools /+\"[name='Contoso']\" /commit:apphost\n"
	 "    Add an application pool.\n"},
	{CLI_CONFIG, "clear",
	 "Clear configuration section\n\n"
	 "APPCMD clear CONFIG <path> -section:<name> </element or /attribute ...>\n\n"
	 "Removes what the file of the commit path sets, so that inherited values apply.\n\n"
	 "Supported parameters:\n\n"
	 "path\n    Configuration path; default: the server level.\n"
	 "/section\n    Section to clear (required).\n"
	 "/<attribute>\n    Clear only this attribute (dots for child elements).\n"
	 "/<element>\n    Clear only this element; an element with a collection\n"
	 "    gets <clear />.\n"
	 "/commit\n    Which level's file to clear.\n\n"
	 "Examples:\n\n"
	 "  appcmd clear config \"Default Web Site/\" /section:defaultDocument\n"
	 "    Remove the site's own default documents settings.\n"},
	{CLI_CONFIG, "lock",
	 "Lock configuration section\n\n"
	 "APPCMD lock CONFIG <path> -section:<name>\n\n"
	 "Lock the configuration section at a particular level so that its settings\n"
	 "cannot be overridden at lower levels. If the path is given, locks the\n"
	 "section for that path; otherwise at the server level.\n\n"
	 "Examples:\n\n"
	 "  appcmd lock config /section:asp\n"
	 "    Lock the asp section for every site.\n"},
	{CLI_CONFIG, "unlock",
	 "Unlock configuration section\n\n"
	 "APPCMD unlock CONFIG <path> -section:<name>\n\n"
	 "Unlock the configuration section at a particular level so that its\n"
	 "settings can be overridden at lower levels. If the path is given, unlocks\n"
	 "the section for that path; otherwise at the server level.\n\n"
	 "Examples:\n\n"
	 "  appcmd unlock config /section:handlers\n"
	 "    Let sites and applications set their handlers.\n"},
	{CLI_CONFIG, "search",
	 "Search for configuration\n\n"
	 "APPCMD search CONFIG <path> <-section:<name>> <-parameter1:value1 ...>\n\n"
	 "Lists the configuration paths at or below the path where configuration is\n"
	 "defined.\n\n"
	 "Supported parameters:\n\n"
	 "path\n    Where to start; default: the server level.\n"
	 "/section\n    Only where this section is set.\n"
	 "/<property>[:<value>]\n    Only where this property is set (to this value).\n\n"
	 "Examples:\n\n"
	 "  appcmd search config \"Default Web Site/\" /section:directoryBrowse /enabled:true\n"
	 "    Where directory browsing is turned on in the site.\n"},
};

static void print_text(ah_buf *out, const cli_kind *kind, const char *verb)
{
	for (size_t i = 0; i < sizeof(texts) / sizeof(texts[0]); i++) {
		if (texts[i].kind == kind->id && ah_strcaseeq(texts[i].verb, verb)) {
			ah_buf_puts(out, texts[i].text);
			return;
		}
	}
}

void cli_help_add(ah_buf *out, const cli_kind *kind, const char *verb)
{
	print_text(out, kind, verb);
}

void cli_help_config_write(ah_buf *out, const cli_kind *kind, const char *verb)
{
	print_text(out, kind, verb);
}

/* The command's line of `appcmd OBJECT /?`, as the title of its help. */
static const char *title(const cli_kind *kind, const char *verb)
{
	const cli_verb *v = cli_verb_find(kind, verb);
	return v && v->summary ? v->summary : verb;
}

void cli_help_set(ah_buf *out, const cli_kind *kind, const char *verb)
{
	ah_buf_printf(out,
		      "%s\n\n"
		      "APPCMD set %s <identifier> <-parameter1:value1 ...>\n\n"
		      "Supported parameters:\n\n"
		      "identifier\n    The exact identifier of the object to change (or /%s).\n"
		      "/<property>:<value>\n    Property to set; dots for child elements and\n"
		      "    [key='value'] for collection items.\n"
		      "/+<element>.[key='value',...]\n    Add a collection item.\n"
		      "/-<element>.[key='value',...]\n    Remove a collection item.\n"
		      "/in\n    Change every object of /xml output read from standard input.\n",
		      title(kind, verb), kind->name, kind->ident_param);
}

void cli_help_delete(ah_buf *out, const cli_kind *kind, const char *verb)
{
	ah_buf_printf(out,
		      "%s\n\n"
		      "APPCMD delete %s <identifier>\n\n"
		      "Supported parameters:\n\n"
		      "identifier\n    The exact identifier of the object to delete (or /%s).\n"
		      "/in\n    Delete every object of /xml output read from standard input.\n",
		      title(kind, verb), kind->name, kind->ident_param);
}

void cli_help_control(ah_buf *out, const cli_kind *kind, const char *verb)
{
	if (kind->id == CLI_WP) {
		ah_buf_puts(out, "List worker processes\n\n"
				 "APPCMD list WP\n\n"
				 "Asks the running apphost service for its worker processes.\n");
		return;
	}
	ah_buf_printf(out,
		      "%s\n\n"
		      "APPCMD %s %s <identifier>\n\n"
		      "Asks the running apphost service; the configuration is not changed.\n\n"
		      "Supported parameters:\n\n"
		      "identifier\n    The exact identifier of the object (or /%s).\n",
		      title(kind, verb), verb, kind->name, kind->ident_param);
}
