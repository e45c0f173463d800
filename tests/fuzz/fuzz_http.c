/*
 * Fuzz target: the worker's request path, without sockets
 * (src/worker/http.c, request.c, url.c, mod_filter.c, mod_redirect.c,
 * mod_basicauth.c, errpage.c, w3clog.c).
 *
 * The input is the bytes a client sends on one connection: one or more
 * requests, pipelined. They are parsed with the worker's llhttp glue exactly
 * as a connection parses its read buffer (message by message, the head
 * captured as spans), and every complete head is built into a request and
 * taken through what the worker does before touching a file:
 *
 *   - the head checks (version, Host, target, percent-decoding and
 *     normalization of the path: wk_request_check_head);
 *   - the site mapping, then the effective configuration of the URL from a
 *     fixed configuration made at start-up (a temporary tree): the site root,
 *     or the folder /rf, where every request-filtering feature is on
 *     (sequences, always-allowed URLs and query strings, extensions, verbs,
 *     hidden segments, header limits, double escaping, high-bit characters,
 *     filtering rules scanning URL, query string and headers), and httpRedirect
 *     with wildcard rules;
 *   - the request-filtering verdict (wk_filter_check), the httpRedirect
 *     location (wk_redirect_target), Basic credentials
 *     (wk_basic_credentials), the detailed and simple error pages and the
 *     W3C log fields of the request.
 *
 * Checks (abort() when broken): a normalized path starts with '/', has no
 * empty, "." or ".." segment and no NUL; the filtering verdict is one of
 * IIS's request-filtering sub-statuses; a redirect location is a non-empty
 * string; decoded credentials have a non-empty user; error pages are
 * non-empty; a W3C field has no space or control character. Nothing may
 * crash, leak or read out of bounds.
 */
#include "worker/worker.h"

#include "util/str.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#ifndef AH_TEST_SRCDIR
#error "AH_TEST_SRCDIR (the source tree) must be defined by the build"
#endif

#define CHECK(cond)                                                                                \
	do {                                                                                       \
		if (!(cond))                                                                       \
			abort();                                                                   \
	} while (0)

static const char config_text[] =
    "<configuration>\n"
    "  <configSections>\n"
    "    <sectionGroup name=\"system.applicationHost\">\n"
    "      <section name=\"sites\" allowDefinition=\"AppHostOnly\" overrideModeDefault=\"Deny\" "
    "/>\n"
    "    </sectionGroup>\n"
    "    <sectionGroup name=\"system.webServer\">\n"
    "      <section name=\"httpRedirect\" overrideModeDefault=\"Allow\" />\n"
    "      <sectionGroup name=\"security\">\n"
    "        <section name=\"requestFiltering\" overrideModeDefault=\"Allow\" />\n"
    "        <section name=\"authorization\" overrideModeDefault=\"Allow\" />\n"
    "      </sectionGroup>\n"
    "    </sectionGroup>\n"
    "  </configSections>\n"
    "  <system.applicationHost>\n"
    "    <sites>\n"
    "      <site name=\"Fuzz Site\" id=\"1\">\n"
    "        <application path=\"/\">\n"
    "          <virtualDirectory path=\"/\" physicalPath=\"%FUZZROOT%/site\" />\n"
    "        </application>\n"
    "        <bindings><binding protocol=\"http\" bindingInformation=\"*:80:\" /></bindings>\n"
    "      </site>\n"
    "    </sites>\n"
    "  </system.applicationHost>\n"
    "  <system.webServer>\n"
    "    <security>\n"
    "      <requestFiltering>\n"
    "        <requestLimits maxUrl=\"512\" maxQueryString=\"256\">\n"
    "          <headerLimits><add header=\"X-Limited\" sizeLimit=\"16\" /></headerLimits>\n"
    "        </requestLimits>\n"
    "        <hiddenSegments><add segment=\"App_Data\" /></hiddenSegments>\n"
    "      </requestFiltering>\n"
    "      <authorization><add accessType=\"Allow\" users=\"*\" /></authorization>\n"
    "    </security>\n"
    "  </system.webServer>\n"
    "  <location path=\"Fuzz Site/rf\">\n"
    "    <system.webServer>\n"
    "      <httpRedirect enabled=\"true\" exactDestination=\"true\">\n"
    "        <add wildcard=\"*.php\" destination=\"/x/$0.htm$Q\" />\n"
    "        <add wildcard=\"/a*b*c/*\" destination=\"http://r.test$V?$P&amp;s=$S&amp;$1$2$9\" />\n"
    "      </httpRedirect>\n"
    "      <security>\n"
    "        <requestFiltering allowDoubleEscaping=\"false\" allowHighBitCharacters=\"false\">\n"
    "          <fileExtensions allowUnlisted=\"false\">\n"
    "            <add fileExtension=\".txt\" allowed=\"true\" />\n"
    "            <add fileExtension=\".htm\" allowed=\"true\" />\n"
    "            <add fileExtension=\".exe\" allowed=\"false\" />\n"
    "          </fileExtensions>\n"
    "          <verbs allowUnlisted=\"false\">\n"
    "            <add verb=\"GET\" allowed=\"true\" />\n"
    "            <add verb=\"DELETE\" allowed=\"false\" />\n"
    "          </verbs>\n"
    "          <hiddenSegments><add segment=\"private\" /></hiddenSegments>\n"
    "          <denyUrlSequences><add sequence=\"..\" /><add sequence=\"~\" /></denyUrlSequences>\n"
    "          <denyQueryStringSequences><add sequence=\"&lt;script\" "
    "/></denyQueryStringSequences>\n"
    "          <alwaysAllowedUrls><add url=\"/rf/ok~.txt\" /></alwaysAllowedUrls>\n"
    "          <alwaysAllowedQueryStrings><add queryString=\"a=%3C\" "
    "/></alwaysAllowedQueryStrings>\n"
    "          <filteringRules>\n"
    "            <filteringRule name=\"r1\" scanUrl=\"true\" scanQueryString=\"true\" "
    "scanAllRaw=\"true\">\n"
    "              <scanHeaders><add requestHeader=\"User-Agent\" /></scanHeaders>\n"
    "              <appliesTo><add fileExtension=\".txt\" /></appliesTo>\n"
    "              <denyStrings><add string=\"select\" /><add string=\"%00\" /></denyStrings>\n"
    "            </filteringRule>\n"
    "          </filteringRules>\n"
    "        </requestFiltering>\n"
    "      </security>\n"
    "    </system.webServer>\n"
    "  </location>\n"
    "</configuration>\n";

static char root[64];
static char cfgdir[128], sitedir[128], cfgfile[192];
static wk_loop loop;
static wk_sites *sites;

static void cleanup(void)
{
	wk_urlcache_flush(&loop.cache);
	ah_map_free(&loop.cache.map);
	wk_sites_free(sites);
	ah_config_free(loop.cfg);
	unlink(cfgfile);
	rmdir(cfgdir);
	rmdir(sitedir);
	rmdir(root);
}

static void setup(void)
{
	snprintf(root, sizeof(root), "/tmp/fuzz_http.XXXXXX");
	CHECK(mkdtemp(root));
	snprintf(cfgdir, sizeof(cfgdir), "%s/config", root);
	snprintf(sitedir, sizeof(sitedir), "%s/site", root);
	snprintf(cfgfile, sizeof(cfgfile), "%s/applicationHost.config", cfgdir);
	CHECK(mkdir(cfgdir, 0700) == 0 && mkdir(sitedir, 0700) == 0);
	FILE *f = fopen(cfgfile, "w");
	CHECK(f && fputs(config_text, f) >= 0 && fclose(f) == 0);
	setenv("FUZZROOT", root, 1);
	ah_config_opts opts = {.config_dir = cfgdir, .schema_dir = AH_TEST_SRCDIR "/schema"};
	CHECK(ah_config_open(&loop.cfg, &opts) == 0);
	ah_map_init(&loop.cache.map, true);
	CHECK(wk_sites_load(&sites, loop.cfg) == 0 && sites->nsites == 1);
	atexit(cleanup);
}

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc;
	(void)argv;
	setup();
	return 0;
}

static void check_path(const char *p)
{
	CHECK(p && p[0] == '/');
	for (const char *s = p + 1; *s;) {
		size_t n = strcspn(s, "/");
		CHECK(n > 0 || s[0] == '\0' || s[1] == '\0'); /* no empty segment but a final '/' */
		CHECK(!(n == 1 && s[0] == '.'));
		CHECK(!(n == 2 && s[0] == '.' && s[1] == '.'));
		s += n;
		if (*s == '/')
			s++;
	}
}

static void check_field(const char *s, size_t n)
{
	ah_buf b = AH_BUF_INIT;
	wk_w3c_escape(&b, s, n);
	CHECK(b.len > 0);
	for (size_t i = 0; i < b.len; i++)
		CHECK((unsigned char)b.ptr[i] > 0x20 && b.ptr[i] != 0x7f);
	ah_buf_free(&b);
}

static void pages(wk_req *r, int sub)
{
	r->status = sub ? 404 : 500;
	r->substatus = sub ? sub : 19;
	r->err_stage = WK_STAGE_BEGIN;
	r->err_module = "RequestFilteringModule";
	ah_buf b = AH_BUF_INIT;
	wk_errpage_detailed(&b, r);
	CHECK(ah_buf_oom(&b) || b.len > 0);
	ah_buf_truncate(&b, 0);
	wk_errpage_build(&b, r->status, r->substatus);
	CHECK(ah_buf_oom(&b) || b.len > 0);
	ah_buf_free(&b);
}

/* Everything the worker decides about one request head, without files. */
static void request(wk_req *r)
{
	int rc = wk_request_check_head(r);
	if (rc != WK_CONTINUE)
		return;
	check_path(r->path);
	CHECK(!r->query || strlen(r->query) <= strlen(r->raw_url));
	r->site = &sites->sites[0];
	wk_site_map(&r->map, r->site, r->path);
	bool rf = ah_strncaseeq(r->path, "/rf", 3) && (r->path[3] == '/' || !r->path[3]);
	CHECK(wk_urlcfg_get(&r->cfg, &loop,
	                    rf ? "MACHINE/WEBROOT/APPHOST/Fuzz Site/rf"
	                       : "MACHINE/WEBROOT/APPHOST/Fuzz Site") == 0);
	CHECK(r->cfg->err.code == 0);
	int sub = wk_filter_check(r);
	CHECK(sub == 0 || sub == 5 || sub == 6 || sub == 7 || sub == 8 || sub == 10 || sub == 11 ||
	      sub == 12 || sub == 13 || sub == 14 || sub == 15 || sub == 18 || sub == 19);
	if (r->cfg->redirect) {
		int status = 0;
		char *loc = wk_redirect_target(r, r->cfg->redirect, &status);
		CHECK(status == 301 || status == 302 || status == 307 || status == 308);
		CHECK(!loc || loc[0]);
	}
	size_t n;
	const char *auth = wk_req_header(r, "Authorization", &n);
	char *user, *password;
	if (auth && wk_basic_credentials(auth, n, r->arena, &user, &password))
		CHECK(user[0] && password);
	r->logon_method = "Anonymous";
	r->user = "";
	pages(r, sub);
	check_field(r->path, strlen(r->path));
	if (r->query)
		check_field(r->query, strlen(r->query));
	for (size_t i = 0; i < r->nhdrs; i++)
		check_field(r->hdrs[i].value, r->hdrs[i].value_len);
}

static int on_head(wk_http *h)
{
	wk_req *r = ah_calloc(1, sizeof(*r));
	CHECK(r);
	r->arena = ah_arena_new();
	CHECK(r->arena);
	r->file.fd = r->target.fd = -1;
	r->content_length_out = -1;
	wk_addr_parse(&r->local, "127.0.0.1:80");
	wk_addr_parse(&r->peer, "192.0.2.1:40000");
	if (wk_http_build_req(h, r) == 0)
		request(r);
	ah_buf_free(&r->headers);
	ah_buf_free(&r->body);
	ah_arena_free(r->arena);
	ah_free(r);
	/* the connection would be reset between its URL caches: keep the cache small */
	if (loop.cache.count > 64)
		wk_urlcache_flush(&loop.cache);
	return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (!loop.cfg)
		setup();
	wk_http h;
	wk_http_init(&h, NULL);
	h.on_head = on_head;
	const char *buf = (const char *)data;
	size_t pos = 0, start = 0;
	while (pos < size) {
		if (!h.in_message)
			start = pos;
		h.base = buf + start;
		llhttp_errno_t e = llhttp_execute(&h.parser, buf + pos, size - pos);
		size_t used = size - pos;
		if (e != HPE_OK)
			used = (size_t)(llhttp_get_error_pos(&h.parser) - (buf + pos));
		CHECK(used <= size - pos);
		pos += used;
		if (e != HPE_PAUSED || h.error != WK_HTTP_OK)
			break;
		llhttp_resume(&h.parser);
		h.done = false;
		if (used == 0 && !h.in_message)
			break;
	}
	return 0;
}
