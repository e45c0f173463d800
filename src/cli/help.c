/*
 * appcmd: help, at three levels, in the layout of IIS's appcmd:
 *
 *   appcmd /?              (or no argument) the object types and the general
 *                          parameters
 *   appcmd site /?         the commands an object type supports
 *   appcmd list site /?    one command: its parameters and examples
 *
 * Only what this appcmd implements is listed: the commands of an object
 * come from its table (verbs.c). Help goes to standard output. The help of
 * the commands that write is in help_write.c.
 */
#include "cli.h"


void cli_help_top(ah_buf *out)
{
	ah_buf_puts(out, "General purpose apphost command line administration tool.\n"
			 "\n"
			 "APPCMD (command) (object-type) <identifier> </parameter1:value1 ...>\n"
			 "\n"
			 "Supported object types:\n"
			 "\n");
	for (size_t i = 0; cli_kind_at(i); i++)
		ah_buf_printf(out, "  %-9s %s\n", cli_kind_at(i)->name, cli_kind_at(i)->summary);
	ah_buf_puts(out,
		    "\n"
		    "(To list commands supported by each object use /?, e.g. 'appcmd site /?')\n"
		    "\n"
		    "General parameters:\n"
		    "\n"
		    "/?               Display context-sensitive help message.\n"
		    "\n"
		    "/text<:value>    Generate output in text format (default).\n"
		    "                 /text:* shows all object properties in detail view.\n"
		    "                 /text:<attribute> shows the value of the specified\n"
		    "                 attribute for each object.\n"
		    "/xml             Generate output in XML format.\n"
		    "                 Use this to produce output that can be sent to another\n"
		    "                 command running in /in mode.\n"
		    "/in or -         Read and operate on XML input from standard input.\n"
		    "                 Use this to operate on input produced by another\n"
		    "                 command running in /xml mode.\n"
		    "/config<:*>      Show configuration for displayed objects.\n"
		    "                 /config:* also includes inherited configuration.\n"
		    "\n"
		    "/commit          Set config path where configuration changes are saved.\n"
		    "                 Can specify either a specific configuration path, \"site\",\n"
		    "                 \"app\", \"parent\", or \"url\" to save to the appropriate portion\n"
		    "                 of the path being edited by the command, \"apphost\", \"webroot\",\n"
		    "                 or \"machine\" for the corresponding configuration level.\n"
		    "/apphostconfig   Specify an alternate applicationHost.config file to edit.\n"
		    "\n"
		    "Use \"!\" to escape parameters that have same names as the general parameters,\n"
		    "like \"/!debug:value\" to set a config property named \"debug\".\n");
}

void cli_help_object(ah_buf *out, const cli_kind *kind)
{
	ah_buf_printf(out,
		      "%s\n"
		      "\n"
		      "APPCMD (command) %s <identifier> <-parameter1:value1 ...>\n"
		      "\n"
		      "Supported commands:\n"
		      "\n",
		      kind->summary, kind->name);
	const cli_verb *v = cli_verbs_of(kind);
	for (; v->name; v++)
		ah_buf_printf(out, "  %-9s %s\n", v->name, v->summary ? v->summary : "");
	ah_buf_printf(out, "\n(To get help for each command use /?, e.g. 'appcmd %s %s /?')\n",
		      cli_verbs_of(kind)->name ? cli_verbs_of(kind)->name : "list", kind->lname);
}

/* What list shows for each object type: identifier help and examples. */
typedef struct list_help {
	cli_kind_id kind;
	const char *ident;    /* what the identifier names */
	const char *ex_one;   /* example identifier */
	const char *ex_filter; /* example filter and its meaning */
	const char *ex_filter_text;
} list_help;

static const list_help list_helps[] = {
	{CLI_SITE, "Name of the site to show.", "\"Default Web Site\"", "/state:Started",
	 "List the sites that are started."},
	{CLI_APP, "Name of the application to show: the site name followed by the\n"
		  "    application path, e.g. \"Default Web Site/\" or \"Default Web Site/app1\".",
	 "\"Default Web Site/\"", "/apppool.name:DefaultAppPool",
	 "List the applications of the pool DefaultAppPool."},
	{CLI_VDIR, "Name of the virtual directory to show: the application name\n"
		   "    followed by the virtual directory path, e.g. \"Default Web Site/\"\n"
		   "    (the root directory of the root application) or \"Site/app1/vdir1\".",
	 "\"Default Web Site/\"", "/app.name:\"Default Web Site/\"",
	 "List the virtual directories of one application."},
	{CLI_APPPOOL, "Name of the application pool to show.", "DefaultAppPool",
	 "/managedPipelineMode:Classic", "List the application pools in Classic mode."},
};

static void help_list_config(ah_buf *out)
{
	ah_buf_puts(out,
		    "List configuration sections\n"
		    "\n"
		    "APPCMD list CONFIG <path> <-parameter1:value1 ...>\n"
		    "\n"
		    "Shows the effective configuration at a configuration path: every\n"
		    "section that is set there, or the one section named by /section.\n"
		    "\n"
		    "Supported parameters:\n"
		    "\n"
		    "path\n"
		    "    Configuration path: \"Site/app\", MACHINE/WEBROOT/APPHOST/Site/app,\n"
		    "    or a URL such as http://localhost:80/app. Default: the server level.\n"
		    "/section\n"
		    "    Section to show, by full name (system.webServer/defaultDocument) or\n"
		    "    short name (defaultDocument). /section:? lists the section names.\n"
		    "/config:*\n"
		    "    Also show the values that are inherited or default.\n"
		    "\n"
		    "Examples:\n"
		    "\n"
		    "  appcmd list config \"Default Web Site/\" /section:defaultDocument\n"
		    "    Show the default documents of the site.\n"
		    "\n"
		    "  appcmd list config /section:sites /config:*\n"
		    "    Show the sites section with every default value.\n");
}

void cli_help_list(ah_buf *out, const cli_kind *kind, const char *verb)
{
	(void)verb;
	if (kind->id == CLI_CONFIG) {
		help_list_config(out);
		return;
	}
	const list_help *h = NULL;
	for (size_t i = 0; i < sizeof(list_helps) / sizeof(list_helps[0]); i++)
		if (list_helps[i].kind == kind->id)
			h = &list_helps[i];
	if (!h)
		return;
	ah_buf_printf(out,
		      "List %s\n"
		      "\n"
		      "APPCMD list %s <identifier> <-parameter1:value1 ...>\n"
		      "\n"
		      "Lists the %s of the server. Give an identifier to show one,\n"
		      "or property filters to show those whose properties match.\n"
		      "\n"
		      "Supported parameters:\n"
		      "\n"
		      "identifier\n"
		      "    %s\n"
		      "/%s\n"
		      "    Same as identifier.\n"
		      "/<property>:<value>\n"
		      "    Show only the %s whose property has this value.\n"
		      "    Properties are those shown by /text:*; an attribute of a child\n"
		      "    element is named with dots (element.attribute). All filters\n"
		      "    must match.\n"
		      "\n"
		      "Examples:\n"
		      "\n"
		      "  appcmd list %ss\n"
		      "    List all the %s.\n"
		      "\n"
		      "  appcmd list %s %s\n"
		      "    Show this one only.\n"
		      "\n"
		      "  appcmd list %ss %s\n"
		      "    %s\n",
		      kind->noun, kind->name, kind->noun, h->ident, kind->ident_param, kind->noun,
		      kind->lname, kind->noun, kind->lname, h->ex_one, kind->lname, h->ex_filter,
		      h->ex_filter_text);
}
