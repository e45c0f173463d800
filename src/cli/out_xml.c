/*
 * appcmd: the /xml output of listed objects.
 *
 *   <?xml version="1.0" encoding="UTF-8"?>
 *   <appcmd>
 *       <SITE SITE.NAME="Default Web Site" SITE.ID="1" bindings="http/:80:" state="Started" />
 *   </appcmd>
 *
 * One element per object, named after its type, with its synthetic
 * properties as attributes in their fixed order (those IIS has: apphost's
 * additions, such as an APPPOOL's applicationPoolSid, are left out). With /config (or
 * /config:*) the object's configuration element is nested inside, written
 * by the common printer (out_config.c). Indentation is 4 spaces per level.
 * This is the format `/in` reads back.
 */
#include "cli.h"

void cli_xml_begin(ah_buf *out)
{
	ah_buf_puts(out, "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<appcmd>\n");
}

void cli_xml_end(ah_buf *out)
{
	ah_buf_puts(out, "</appcmd>\n");
}

void cli_xml_object(ah_buf *out, const cli_object *o, int config)
{
	ah_buf_printf(out, "    <%s", o->kind->name);
	for (size_t i = 0; i < o->nprops; i++) {
		if (o->props[i].hidden || o->props[i].text_only)
			continue;
		ah_buf_printf(out, " %s=\"", o->props[i].key);
		cli_xml_escape(out, o->props[i].value);
		ah_buf_putc(out, '"');
	}
	if (!config || !o->elem) {
		ah_buf_puts(out, " />\n");
		return;
	}
	ah_buf_puts(out, ">\n");
	cli_xmlstyle style = {.step = 4, .all = config == 2};
	cli_config_print(out, o->elem, o->elem_tag, 2, &style);
	ah_buf_printf(out, "    </%s>\n", o->kind->name);
}
