/*
 * appcmd: small questions about configuration elements that several output
 * modes ask.
 *
 * Runtime state: schema extensions (IIS's rscaext.xml) declare attributes
 * such as a site's `state` and elements such as a pool's `workerProcesses`
 * that are computed at run time and never stored; the engine flags them
 * (ah_attr_info.runtime, ah_elem_is_runtime) and configuration views skip them.
 *
 * Encrypted values: an encrypted attribute with an empty payload
 * ("[enc:AesProvider::enc]", the schema default of every password) decrypts
 * to the empty string and is shown as "". Configuration views (/config,
 * list config) show every other encrypted value as stored; the views an
 * administrator reads values from (/text:*, /text:ATTR) show it decrypted,
 * as IIS's appcmd does, when this process can read the key. A value that
 * can't be decrypted (encrypted on another machine, a key this user may not
 * read, a damaged value) is shown as stored: never garbage, never an error.
 */
#include "cli.h"

#include "apphost/crypt.h"
#include "util/str.h"

#include <string.h>

bool cli_attr_is_runtime(const ah_elem *e, const ah_attr_info *info)
{
	return info->runtime || ah_elem_is_runtime(e);
}

const char *cli_attr_text(const ah_attr_info *info)
{
	const char *t = info->text ? info->text : "";
	if (info->encrypted && strncmp(t, "[enc:", 5) == 0) {
		const char *colon = strchr(t + 5, ':');
		if (colon && strcmp(colon, "::enc]") == 0)
			return "";
	}
	return t;
}

const char *cli_attr_plain(ah_config *cfg, const ah_attr_info *info, char **heap)
{
	*heap = NULL;
	const char *t = cli_attr_text(info);
	if (!cfg || !info->encrypted || !ah_crypt_is_encrypted(t))
		return t;
	char *plain = NULL;
	if (ah_crypt_decrypt(&plain, cfg, t) < 0) {
		ah_error_clear();
		return t;
	}
	*heap = plain;
	return plain;
}

bool cli_elem_attr_ci(const ah_elem *e, const char *name, ah_attr_info *out)
{
	for (size_t i = 0; e && ah_elem_attr_at(e, i, out); i++)
		if (ah_strcaseeq(out->name, name) && !cli_attr_is_runtime(e, out))
			return true;
	return false;
}

const ah_elem *cli_elem_child_ci(const ah_elem *e, const char *name)
{
	for (size_t i = 0; i < ah_elem_child_count(e); i++) {
		const ah_elem *c = ah_elem_child_at(e, i);
		if (c && ah_strcaseeq(ah_elem_tag(c), name))
			return c;
	}
	return NULL;
}

bool cli_elem_has_content(const ah_elem *e)
{
	if (ah_elem_is_set(e) || ah_elem_item_count(e) > 0)
		return true;
	ah_attr_info info;
	for (size_t i = 0; ah_elem_attr_at(e, i, &info); i++)
		if (info.source == AH_VALUE_SET)
			return true;
	for (size_t i = 0; i < ah_elem_child_count(e); i++) {
		const ah_elem *c = ah_elem_child_at(e, i);
		if (c && cli_elem_has_content(c))
			return true;
	}
	return false;
}
