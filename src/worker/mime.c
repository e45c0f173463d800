/*
 * The MIME type of a URL from staticContent's mimeMap: the extension of the
 * last segment (".htm", compared without regard to case), "." for a file
 * without extension, and — apphost's choice, as IIS administrators write it —
 * a "*" or ".*" entry as the type of every other extension. No entry: the
 * static file handler refuses the file (404.3).
 *
 * The answer is kept in the URL's wk_urlcfg: one scan of the map per URL.
 */
#include "worker/worker.h"

#include <string.h>

const char *wk_mime_lookup(wk_urlcfg *cfg, const char *path)
{
	if (cfg->mime_known)
		return cfg->mime;
	const char *last = strrchr(path, '/');
	const char *dot = strrchr(last ? last : path, '.');
	const char *ext = dot && dot[1] ? dot : ".";
	const ah_elem *item = NULL;
	if (cfg->mime_map) {
		item = ah_elem_find_item(cfg->mime_map, "fileExtension", ext);
		if (!item)
			item = ah_elem_find_item(cfg->mime_map, "fileExtension", ".*");
		if (!item)
			item = ah_elem_find_item(cfg->mime_map, "fileExtension", "*");
	}
	cfg->mime = item ? ah_elem_get(item, "mimeType") : NULL;
	cfg->mime_known = true;
	return cfg->mime;
}
