/*
 * appcmd: the text output of listed objects.
 *
 * One line per object (the default):
 *   TYPE "identifier" (key:value,key:value)
 * Values inside the parentheses are printed raw, neither quoted nor escaped.
 *
 * The detail view (/text:*):
 *   TYPE
 *     KEY: value              every synthetic property, unquoted
 *     [tag]                   the configuration element
 *       attr:"value"          every attribute, defaults included (encrypted
 *                             ones decrypted when possible: elem.c)
 *       [child]               child elements, 2 more spaces per level,
 *         attr:"value"        then the collection items, each as [tag]
 */
#include "cli.h"

#include "apphost/crypt.h"

static void spaces(ah_buf *out, int n)
{
	for (int i = 0; i < n; i++)
		ah_buf_putc(out, ' ');
}

void cli_text_line(ah_buf *out, const cli_object *o)
{
	ah_buf_printf(out, "%s \"%s\"", o->kind->name, o->id);
	const char *sep = " (";
	for (size_t i = 0; i < 3 && o->kind->line[i].label; i++) {
		const char *v = cli_object_get(o, o->kind->line[i].prop);
		ah_buf_printf(out, "%s%s:%s", sep, o->kind->line[i].label, v ? v : "");
		sep = ",";
	}
	if (sep[0] == ',')
		ah_buf_putc(out, ')');
	ah_buf_putc(out, '\n');
}

static void detail_elem(ah_buf *out, const ah_elem *e, const char *tag, int depth,
			ah_config *cfg)
{
	spaces(out, depth);
	ah_buf_printf(out, "[%s]\n", tag);
	ah_attr_info info;
	for (size_t i = 0; ah_elem_attr_at(e, i, &info); i++) {
		if (cli_attr_is_runtime(e, &info))
			continue;
		char *heap;
		spaces(out, depth + 2);
		ah_buf_printf(out, "%s:\"%s\"\n", info.name, cli_attr_plain(cfg, &info, &heap));
		ah_crypt_free(heap);
	}
	for (size_t i = 0; i < ah_elem_child_count(e); i++) {
		const ah_elem *c = ah_elem_child_at(e, i);
		if (c && !ah_elem_is_runtime(c))
			detail_elem(out, c, ah_elem_tag(c), depth + 2, cfg);
	}
	for (size_t i = 0; i < ah_elem_item_count(e); i++) {
		const ah_elem *it = ah_elem_item_at(e, i);
		detail_elem(out, it, ah_elem_tag(it), depth + 2, cfg);
	}
}

void cli_text_detail(ah_buf *out, const cli_object *o, ah_config *cfg)
{
	ah_buf_printf(out, "%s\n", o->kind->name);
	for (size_t i = 0; i < o->nprops; i++)
		if (!o->props[i].hidden)
			ah_buf_printf(out, "  %s: %s\n", o->props[i].key, o->props[i].value);
	if (o->elem)
		detail_elem(out, o->elem, o->elem_tag, 2, cfg);
}
