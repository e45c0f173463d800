/*
 * The module pipeline: IIS's integrated pipeline, reduced to the stages the
 * worker's modules use (docs/worker.md).
 *
 * The modules are listed once, in IIS's globalModules order; each stage
 * calls the hook of every module that has one, in that order, until a hook
 * returns WK_FINISHED (the response is decided) or an error. The handler
 * chosen at RESOLVE_HANDLER runs its own modules at EXECUTE, in the
 * handler's order (IIS's StaticFile handler: default document, directory
 * listing, static file). SEND_RESPONSE, LOG and END always run, for every
 * request, whatever decided its response, as in IIS.
 *
 * A request whose status is already set when the pipeline starts (the core
 * refused it: configuration error, hidden segment) goes straight to
 * SEND_RESPONSE.
 */
#include "worker/worker.h"

static const wk_module *const modules[] = {
    &wk_mod_request_filtering,
    &wk_mod_default_document,
    &wk_mod_directory_listing,
    &wk_mod_static_file,
};

#define NMODULES (sizeof(modules) / sizeof(modules[0]))

static int run_stage(wk_req *r, wk_stage stage)
{
	for (size_t i = 0; i < NMODULES; i++) {
		wk_hook h = modules[i]->hooks[stage];
		if (!h)
			continue;
		int rc = h(r);
		if (rc != WK_CONTINUE)
			return rc;
	}
	return WK_CONTINUE;
}

/* SEND_RESPONSE, LOG and END: every module, whatever the others return. */
static void run_all(wk_req *r, wk_stage stage)
{
	for (size_t i = 0; i < NMODULES; i++)
		if (modules[i]->hooks[stage])
			modules[i]->hooks[stage](r);
}

static int run_handler(wk_req *r)
{
	if (!r->handler) {
		wk_resp_error(r, 404, 4); /* no handler for the request */
		return WK_FINISHED;
	}
	for (const wk_module *const *m = r->handler->modules; *m; m++) {
		wk_hook h = (*m)->hooks[WK_STAGE_EXECUTE];
		if (!h)
			continue;
		int rc = h(r);
		if (rc != WK_CONTINUE)
			return rc;
	}
	wk_resp_error(r, 404, 0);
	return WK_FINISHED;
}

void wk_pipeline_run(wk_req *r)
{
	int rc = r->status ? WK_FINISHED : WK_CONTINUE;
	for (int st = WK_STAGE_BEGIN; rc == WK_CONTINUE && st <= WK_STAGE_RESOLVE_HANDLER; st++)
		rc = run_stage(r, (wk_stage)st);
	if (rc == WK_CONTINUE)
		rc = run_handler(r);
	if (rc < 0)
		wk_resp_error(r, 500, 0);
	if (r->status >= 400 && !r->has_body) {
		ah_buf page = AH_BUF_INIT;
		wk_errpage_build(&page, r->status, r->substatus);
		wk_resp_body(r, "text/html", ah_buf_cstr(&page), page.len);
		ah_buf_free(&page);
	}
	run_all(r, WK_STAGE_SEND_RESPONSE);
	run_all(r, WK_STAGE_LOG);
	run_all(r, WK_STAGE_END);
}
