/*
 * appcmd: a configuration element written as XML. This one printer serves
 * `list config`, /config on listed objects, and both text and /xml output.
 *
 * Format:
 *   <tag attr="value" ...>      attributes in schema order; with /config:*
 *     <child ... />             every attribute, defaults included, else only
 *     <item ... />              the attributes some file sets
 *   </tag>
 *
 * * Every child element the schema declares is printed, set or not, in
 *   schema order, followed by the collection items in their merged order.
 * * An element with neither child elements nor a collection closes itself:
 *   `<limits />` (a space before "/>").
 * * An element that has child elements or a collection is written open and
 *   closed on separate lines even when empty: `<bindings>` / `</bindings>`.
 * * Indentation is `step` spaces per level: 2 in text output, 4 in /xml.
 * * Values are escaped: & < > " become &amp; &lt; &gt; &quot;.
 * * Runtime state of schema extensions is not configuration: not printed.
 */
#include "cli.h"

static void indent(ah_buf *out, int depth, const cli_xmlstyle *style)
{
	for (int i = 0; i < depth * style->step; i++)
		ah_buf_putc(out, ' ');
}

void cli_xml_escape(ah_buf *out, const char *text)
{
	for (const char *p = text; *p; p++) {
		switch (*p) {
		case '&':
			ah_buf_puts(out, "&amp;");
			break;
		case '<':
			ah_buf_puts(out, "&lt;");
			break;
		case '>':
			ah_buf_puts(out, "&gt;");
			break;
		case '"':
			ah_buf_puts(out, "&quot;");
			break;
		default:
			ah_buf_putc(out, *p);
		}
	}
}

static void attrs(ah_buf *out, const ah_elem *e, const cli_xmlstyle *style)
{
	ah_attr_info info;
	for (size_t i = 0; ah_elem_attr_at(e, i, &info); i++) {
		if (cli_attr_is_runtime(e, &info))
			continue;
		if (!style->all && info.source != AH_VALUE_SET)
			continue;
		ah_buf_printf(out, " %s=\"", info.name);
		cli_xml_escape(out, cli_attr_text(&info));
		ah_buf_putc(out, '"');
	}
}

void cli_config_print(ah_buf *out, const ah_elem *e, const char *tag, int depth,
		      const cli_xmlstyle *style)
{
	indent(out, depth, style);
	ah_buf_printf(out, "<%s", tag);
	attrs(out, e, style);
	size_t nchild = ah_elem_child_count(e);
	if (nchild == 0 && !ah_elem_has_collection(e)) {
		ah_buf_puts(out, " />\n");
		return;
	}
	ah_buf_puts(out, ">\n");
	for (size_t i = 0; i < nchild; i++) {
		const ah_elem *c = ah_elem_child_at(e, i);
		if (c && !ah_elem_is_runtime(c))
			cli_config_print(out, c, ah_elem_tag(c), depth + 1, style);
	}
	for (size_t i = 0; i < ah_elem_item_count(e); i++) {
		const ah_elem *it = ah_elem_item_at(e, i);
		cli_config_print(out, it, ah_elem_tag(it), depth + 1, style);
	}
	indent(out, depth, style);
	ah_buf_printf(out, "</%s>\n", tag);
}
