/*
 * DefaultDocumentModule (system.webServer/defaultDocument), a module of the
 * StaticFile handler.
 *
 * For a URL that maps to a folder:
 *   - without a trailing '/', IIS's courtesy redirect: 301 to the same URL
 *     with the '/' (and the query string), with IIS's small "Object Moved"
 *     body, so that relative links in the page resolve;
 *   - with it, when the section is enabled, the first file of `files` (in
 *     order) that exists in the folder is served instead, as the request for
 *     that file's URL: its own configuration applies (IIS runs a child
 *     request). A folder with no such file goes on to the directory listing
 *     module.
 */
#include "worker/worker.h"

#include <string.h>

static int redirect(wk_req *r)
{
	ah_buf loc = AH_BUF_INIT;
	size_t hlen = 0;
	const char *host = wk_req_header(r, "Host", &hlen);
	ah_buf_puts(&loc, "http://");
	if (host && hlen) {
		ah_buf_put(&loc, host, hlen);
	} else {
		char addr[64];
		wk_addr_format(addr, sizeof(addr), &r->local);
		ah_buf_puts(&loc, addr);
	}
	ah_buf_put(&loc, r->raw_path, r->raw_path_len);
	ah_buf_putc(&loc, '/');
	if (r->query) {
		ah_buf_putc(&loc, '?');
		ah_buf_puts(&loc, r->query);
	}
	ah_buf body = AH_BUF_INIT;
	wk_redirect_body(&body, ah_buf_cstr(&loc));
	wk_resp_error(r, 301, 0);
	wk_resp_header(r, "Location", ah_buf_cstr(&loc));
	wk_resp_body(r, "text/html; charset=UTF-8", ah_buf_cstr(&body), body.len);
	bool oom = ah_buf_oom(&loc) || ah_buf_oom(&body);
	ah_buf_free(&loc);
	ah_buf_free(&body);
	return oom ? AH_ENOMEM : WK_FINISHED;
}

static int execute(wk_req *r)
{
	if (r->target.kind != WK_DIR)
		return WK_CONTINUE;
	size_t n = strlen(r->path);
	if (n == 0 || r->path[n - 1] != '/')
		return redirect(r);
	if (!r->cfg->defdoc_enabled || !r->cfg->defdoc_files)
		return WK_CONTINUE;
	const ah_elem *files = r->cfg->defdoc_files;
	size_t count = ah_elem_item_count(files);
	for (size_t i = 0; i < count; i++) {
		const char *name = ah_elem_get(ah_elem_item_at(files, i), "value");
		if (!*name || strchr(name, '/') || strcmp(name, "..") == 0)
			continue;
		wk_target t;
		int rc = wk_fs_open_at(&t, r->arena, r->target.fd, r->target.path, name);
		if (rc < 0)
			return rc;
		if (t.kind != WK_FILE) {
			wk_target_close(&t);
			continue;
		}
		char *copy = ah_arena_strdup(r->arena, name);
		if (!copy) {
			wk_target_close(&t);
			return AH_ENOMEM;
		}
		wk_target_close(&r->target);
		r->target = t;
		return wk_request_rewrite(r, copy);
	}
	return WK_CONTINUE;
}

static const wk_module *const static_modules[] = {
    &wk_mod_default_document,
    &wk_mod_directory_listing,
    &wk_mod_static_file,
    NULL,
};

const wk_handler wk_handler_static = {
    .name = "StaticFile",
    .modules = static_modules,
};

const wk_module wk_mod_default_document = {
    .name = "DefaultDocumentModule",
    .hooks = {[WK_STAGE_EXECUTE] = execute},
};
