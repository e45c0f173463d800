/*
 * The module pipeline: IIS's integrated pipeline, reduced to the stages the
 * worker's modules use (docs/worker.md).
 *
 * The modules are listed once, in the order IIS runs them; each stage calls
 * the hook of every module that has one, in that order, until a hook returns
 * WK_FINISHED (the response is decided) or an error. The handler chosen at
 * RESOLVE_HANDLER runs its own modules at EXECUTE, in the handler's order
 * (IIS's StaticFile handler: default document, directory listing, static
 * file). SEND_RESPONSE, LOG and END always run, for every request, whatever
 * decided its response, as in IIS.
 *
 * After AUTHENTICATE, a request that no authentication module accepted (no
 * anonymous access, no credentials) is 401.2, as IIS's core answers it; the
 * modules of enabled authentication schemes add their challenges to every
 * 401 at SEND_RESPONSE.
 *
 * A request whose status is already set when the pipeline starts (the core
 * refused it: a configuration error) goes straight to SEND_RESPONSE. The
 * pipeline records which module and stage are running, so that a detailed
 * error page can name the module and notification that set the error.
 */
#include "worker/worker.h"

static const wk_module *const modules[] = {
    &wk_mod_request_filtering,        /* BEGIN */
    &wk_mod_basic_authentication,     /* AUTHENTICATE, SEND_RESPONSE (challenge) */
    &wk_mod_anonymous_authentication, /* AUTHENTICATE */
    &wk_mod_url_authorization,        /* AUTHORIZE */
    &wk_mod_http_redirection,         /* RESOLVE_HANDLER */
    &wk_mod_default_document,         /* EXECUTE (StaticFile handler) */
    &wk_mod_directory_listing,        /* EXECUTE (StaticFile handler) */
    &wk_mod_static_file,              /* RESOLVE_HANDLER, EXECUTE */
    &wk_mod_custom_error,             /* SEND_RESPONSE: the error page */
    &wk_mod_protocol_support,         /* SEND_RESPONSE: custom headers */
    &wk_mod_http_logging,             /* LOG */
};

#define NMODULES (sizeof(modules) / sizeof(modules[0]))

const char *wk_stage_name(int stage)
{
	static const char *const names[WK_STAGE_COUNT] = {
	    "BeginRequest",          "AuthenticateRequest", "AuthorizeRequest", "MapRequestHandler",
	    "ExecuteRequestHandler", "SendResponse",        "LogRequest",       "EndRequest"};
	return stage >= 0 && stage < WK_STAGE_COUNT ? names[stage] : "BeginRequest";
}

static int call(wk_req *r, const wk_module *m, wk_stage stage)
{
	r->cur_module = m->name;
	r->cur_stage = stage;
	int rc = m->hooks[stage](r);
	r->cur_module = NULL;
	return rc;
}

static int run_stage(wk_req *r, wk_stage stage)
{
	r->cur_stage = stage;
	for (size_t i = 0; i < NMODULES; i++) {
		if (!modules[i]->hooks[stage])
			continue;
		int rc = call(r, modules[i], stage);
		if (rc != WK_CONTINUE)
			return rc;
	}
	return WK_CONTINUE;
}

/* SEND_RESPONSE, LOG and END: every module, whatever the others return. */
static void run_all(wk_req *r, wk_stage stage)
{
	r->cur_stage = stage;
	for (size_t i = 0; i < NMODULES; i++)
		if (modules[i]->hooks[stage])
			call(r, modules[i], stage);
}

static int run_handler(wk_req *r)
{
	r->cur_stage = WK_STAGE_EXECUTE;
	if (!r->handler) {
		wk_resp_error(r, 404, 4); /* no handler for the request */
		return WK_FINISHED;
	}
	for (const wk_module *const *m = r->handler->modules; *m; m++) {
		if (!(*m)->hooks[WK_STAGE_EXECUTE])
			continue;
		int rc = call(r, *m, WK_STAGE_EXECUTE);
		if (rc != WK_CONTINUE)
			return rc;
	}
	wk_resp_error(r, 404, 0);
	return WK_FINISHED;
}

void wk_pipeline_run(wk_req *r)
{
	int rc = r->status ? WK_FINISHED : WK_CONTINUE;
	for (int st = WK_STAGE_BEGIN; rc == WK_CONTINUE && st <= WK_STAGE_RESOLVE_HANDLER; st++) {
		rc = run_stage(r, (wk_stage)st);
		if (rc == WK_CONTINUE && st == WK_STAGE_AUTHENTICATE && !r->logon_method) {
			wk_resp_error(r, 401, 2);
			r->err_hresult = 0x80070005u; /* E_ACCESSDENIED */
			rc = WK_FINISHED;
		}
	}
	if (rc == WK_CONTINUE)
		rc = run_handler(r);
	if (rc < 0)
		wk_resp_error(r, 500, 0);
	run_all(r, WK_STAGE_SEND_RESPONSE);
	if (r->status >= 400 && !r->has_body) {
		/* no error module ran (or it left the body empty on purpose) */
		ah_buf page = AH_BUF_INIT;
		wk_errpage_build(&page, r->status, r->substatus);
		wk_resp_body(r, "text/html", ah_buf_cstr(&page), page.len);
		ah_buf_free(&page);
	}
	run_all(r, WK_STAGE_LOG);
	run_all(r, WK_STAGE_END);
}
