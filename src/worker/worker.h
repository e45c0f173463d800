/*
 * apphost-worker — the types shared by the worker's files.
 *
 * The worker is a set of event loops (loop.c), one per thread, each with its
 * own configuration store, site table, per-URL configuration cache and
 * inotify watches, so that no lock is taken on the request path. A loop owns
 * its connections (conn.c); a connection parses requests with llhttp
 * (http.c) and hands each complete request head to request.c, which maps the
 * URL (url.c, sites.c, fsmap.c), finds its effective configuration
 * (urlcfg.c) and runs the module pipeline (pipeline.c). Responses are
 * composed by response.c, error bodies by errpage.c.
 *
 * Lifetimes: configuration objects (sections, the site table, urlcfg
 * entries) are valid only while the pipeline of one request runs, which is
 * always within one loop iteration; an inotify event can drop them between
 * iterations. A request keeps only owned data (its arena, the response head,
 * an open file) once its pipeline has run.
 */
#ifndef AH_WORKER_H
#define AH_WORKER_H

#include "apphost/config.h"
#include "apphost/entry.h"
#include "apphost/errors.h"
#include "util/alloc.h"
#include "util/buf.h"
#include "util/map.h"

#include <llhttp.h>

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <time.h>

typedef struct wk_loop wk_loop;
typedef struct wk_conn wk_conn;
typedef struct wk_req wk_req;

/* ---- addresses (addr.c) ------------------------------------------------------ */

typedef struct wk_addr {
	int family;     /* AF_INET or AF_INET6 */
	uint8_t ip[16]; /* IPv4 in the first 4 bytes */
	uint16_t port;
} wk_addr;

/* Parse "1.2.3.4:80", "[::1]:80" (port required). */
int wk_addr_parse(wk_addr *out, const char *text);
/* Parse an IP without port ("1.2.3.4", "::1", "[::1]"). */
int wk_addr_parse_ip(wk_addr *out, const char *text, size_t len);
/* From a struct sockaddr; IPv4-mapped IPv6 addresses become IPv4. */
void wk_addr_from_sa(wk_addr *out, const void *sa);
/* Same IP (ports ignored). */
bool wk_addr_ip_equal(const wk_addr *a, const wk_addr *b);
/* "1.2.3.4:80" or "[::1]:80" into buf (at least 64 bytes). */
void wk_addr_format(char *buf, size_t n, const wk_addr *a);
bool wk_addr_is_loopback(const wk_addr *a);

/* ---- configuration errors ----------------------------------------------------- */

/* A configuration error as the engine reported it (for 500.19). */
typedef struct wk_cfgerr {
	int code; /* AH_E*; 0: no error */
	uint32_t hresult;
	char *message; /* heap strings */
	char *file;
	unsigned line;
} wk_cfgerr;

/* Copy the thread's current error into e (after a failed lookup). */
void wk_cfgerr_capture(wk_cfgerr *e, int code);
void wk_cfgerr_free(wk_cfgerr *e);

/* ---- sites (sites.c) --------------------------------------------------------- */

typedef struct wk_vdir {
	const char *path; /* relative to its application: "/" or "/images" */
	size_t len;
	const char *phys; /* the Linux folder, expanded, without a trailing '/' */
} wk_vdir;

typedef struct wk_app {
	const char *path; /* "/" or "/app" */
	size_t len;
	wk_vdir *vdirs;
	size_t nvdirs;
	bool other_pool; /* router mode, the routes file: another pool's (route.c) */
} wk_app;

/* W3C log fields (logExtFileFlags bits, as the schema numbers them). */
enum {
	WK_LF_DATE = 1,
	WK_LF_TIME = 2,
	WK_LF_CLIENT_IP = 4,
	WK_LF_USER_NAME = 8,
	WK_LF_SITE_NAME = 16,
	WK_LF_COMPUTER_NAME = 32,
	WK_LF_SERVER_IP = 64,
	WK_LF_METHOD = 128,
	WK_LF_URI_STEM = 256,
	WK_LF_URI_QUERY = 512,
	WK_LF_HTTP_STATUS = 1024,
	WK_LF_WIN32_STATUS = 2048,
	WK_LF_BYTES_SENT = 4096,
	WK_LF_BYTES_RECV = 8192,
	WK_LF_TIME_TAKEN = 16384,
	WK_LF_SERVER_PORT = 32768,
	WK_LF_USER_AGENT = 65536,
	WK_LF_COOKIE = 131072,
	WK_LF_REFERER = 262144,
	WK_LF_PROTOCOL_VERSION = 524288,
	WK_LF_HOST = 1048576,
	WK_LF_HTTP_SUB_STATUS = 2097152,
};

typedef enum wk_log_period {
	WK_PERIOD_MAXSIZE = 0,
	WK_PERIOD_DAILY,
	WK_PERIOD_WEEKLY,
	WK_PERIOD_MONTHLY,
	WK_PERIOD_HOURLY,
} wk_log_period;

/* A site's logFile (its own values over siteDefaults'). */
typedef struct wk_logcfg {
	bool enabled;    /* enabled, W3C format, File target */
	const char *dir; /* <directory>/W3SVC<id>, expanded and mapped */
	uint32_t fields; /* logExtFileFlags */
	wk_log_period period;
	uint64_t truncate_size;
	bool local_time;        /* localTimeRollover */
	uint64_t flush_entries; /* flushByEntryCountW3CLog (0: by time) */
} wk_logcfg;

typedef struct wk_site {
	const char *name;
	unsigned id;
	wk_app *apps;
	size_t napps;
	uint64_t conn_timeout_ms; /* limits/@connectionTimeout */
	wk_logcfg log;
	bool stopped; /* router mode, the routes file: appcmd stop site (route.c) */
} wk_site;

typedef struct wk_binding {
	const wk_site *site;
	bool any_ip;      /* "*" or empty */
	wk_addr addr;     /* ip (unless any_ip) and port */
	const char *host; /* lower case; "" for any host */
} wk_binding;

typedef struct wk_sites {
	ah_arena *arena;
	wk_site *sites;
	size_t nsites;
	wk_binding *bindings;
	size_t nbindings;
	uint64_t conn_timeout_ms; /* webLimits/@connectionTimeout */
	uint64_t header_wait_ms;  /* webLimits/@headerWaitTimeout (0: connectionTimeout) */
	wk_cfgerr err;            /* the sites section could not be read */
} wk_sites;

/* Where a URL lands in a site. */
typedef struct wk_mapping {
	const wk_app *app;
	const wk_vdir *vdir;
	const char *rest; /* the part of the URL path below the virtual directory
	                   * ("" or starting with '/'), pointing into the path */
} wk_mapping;

/* Read sites and webLimits from cfg. A configuration error is kept in
 * (*out)->err rather than returned; only AH_ENOMEM fails. */
int wk_sites_load(wk_sites **out, ah_config *cfg);
void wk_sites_free(wk_sites *s);
/* bindingInformation "ip:port:host" into b (b->site untouched). */
int wk_binding_parse(wk_binding *b, ah_arena *a, const char *info);
/* The site for a request on local address `local` with Host `host` (lower
 * case, no port; "" when absent), by HTTP.sys precedence; NULL when none. */
const wk_site *wk_sites_find(const wk_sites *s, const wk_addr *local, const char *host);
/* The same without the sites that states (router mode: the routes file;
 * NULL: none) says are stopped, as the router routes (docs/server.md). */
const wk_site *wk_sites_find_started(const wk_sites *s, const wk_addr *local, const char *host,
				     const wk_sites *states);
/* Application (longest path) and virtual directory (longest path) of path. */
void wk_site_map(wk_mapping *out, const wk_site *site, const char *path);
/* True when some binding of any site uses port. */
bool wk_sites_has_port(const wk_sites *s, uint16_t port);

/* ---- URLs (url.c) -------------------------------------------------------------- */

/* Percent-decode and normalize an absolute path (no query): '\' is '/', runs
 * of '/' are one, "." segments go, ".." removes the segment before it.
 * Returns 0, or AH_EINVALID for a malformed escape, a NUL byte or a ".."
 * above the root. *out is allocated in a. */
int wk_url_normalize(char **out, ah_arena *a, const char *raw, size_t len);
/* Percent-decode raw (len bytes) once, nothing else; *out in a. '+' stays.
 * AH_EINVALID for a malformed escape (a '%' without two hex digits). */
int wk_url_decode(char **out, ah_arena *a, const char *raw, size_t len);
/* Append s to b with the characters a URL path may not hold
 * percent-encoded. */
void wk_url_encode_path(ah_buf *b, const char *s);
/* Append s HTML-escaped. */
void wk_html_escape(ah_buf *b, const char *s);

/* ---- the file system (fsmap.c) ------------------------------------------------- */

typedef enum wk_kind { WK_MISSING = 0, WK_FILE, WK_DIR, WK_OTHER, WK_DENIED } wk_kind;

typedef struct wk_target {
	wk_kind kind;
	int fd; /* open for WK_FILE and WK_DIR, else -1 */
	struct stat st;
	char *path; /* resolved Linux path (arena) */
} wk_target;

/* Open root + rest ('/'-separated, may be ""), resolving each segment that
 * does not exist as written to a name that differs only in case. */
int wk_fs_open(wk_target *t, ah_arena *a, const char *root, const char *rest);
/* Open name inside the folder dirfd, with the same case rule. */
int wk_fs_open_at(wk_target *t, ah_arena *a, int dirfd, const char *dirpath, const char *name);
void wk_target_close(wk_target *t);

/* ---- per-URL configuration (urlcfg.c) ----------------------------------------- */

typedef enum wk_cache_mode {
	WK_CC_NONE = 0, /* NoControl */
	WK_CC_DISABLE,  /* DisableCache */
	WK_CC_MAXAGE,   /* UseMaxAge */
	WK_CC_EXPIRES,  /* UseExpires */
} wk_cache_mode;

/* What the modules need from the effective configuration of one URL, looked
 * up once and cached per configuration path. */
typedef struct wk_urlcfg {
	char *key;     /* the configuration path */
	wk_cfgerr err; /* a section of the chain failed: 500.19 */

	/* security/requestFiltering */
	uint64_t max_url, max_query, max_content;
	const ah_elem *hidden_segments; /* collection element */
	const ah_elem *header_limits;   /* collection element */
	const ah_elem *file_extensions; /* fileExtensions element */
	const ah_elem *verbs;           /* verbs element */
	const ah_elem *always_urls;     /* alwaysAllowedUrls */
	const ah_elem *always_queries;  /* alwaysAllowedQueryStrings */
	const ah_elem *deny_url_seqs;   /* denyUrlSequences */
	const ah_elem *deny_query_seqs; /* denyQueryStringSequences */
	const ah_elem *filtering_rules; /* filteringRules */
	bool allow_double_escaping, allow_high_bit, unescape_query, remove_server_header;
	bool url_checked;  /* url_substatus and url_always computed */
	int url_substatus; /* 0, or the 404 sub-status of this URL path (7, 8) */
	bool url_always;   /* the path is in alwaysAllowedUrls */

	/* system.webServer/httpErrors: the section root; NULL when the section
	 * cannot be read (a broken chain): its defaults apply */
	const ah_elem *http_errors;

	/* system.webServer/httpProtocol */
	const ah_elem *custom_headers; /* collection elements */
	const ah_elem *redirect_headers;
	bool allow_keepalive;

	/* system.webServer/httpRedirect: the section root when enabled, else NULL */
	const ah_elem *redirect;

	/* security/authentication, security/authorization */
	bool anon_enabled;
	const char *anon_user; /* "IUSR", or "" for the pool identity */
	bool basic_enabled;
	const char *basic_realm, *basic_domain;
	const ah_elem *authz; /* the rules; NULL when URL authorization is not installed */

	/* system.webServer/httpLogging */
	bool dont_log;
	int selective_logging; /* WK_LOG_ALL, WK_LOG_SUCCESSFUL, WK_LOG_ERROR */

	/* defaultDocument, directoryBrowse */
	bool defdoc_enabled;
	const ah_elem *defdoc_files; /* collection element */
	bool browse_enabled;
	unsigned browse_flags; /* showFlags bits */

	/* staticContent */
	const ah_elem *mime_map; /* the section root (its collection) */
	const char *mime;        /* MIME type of the URL's extension */
	bool mime_known;         /* `mime` computed */
	wk_cache_mode cc_mode;
	uint64_t cc_max_age; /* seconds */
	const char *cc_custom;
	const char *http_expires;
	bool set_etag;
} wk_urlcfg;

enum { WK_LOG_ALL = 0, WK_LOG_SUCCESSFUL = 1, WK_LOG_ERROR = 2 };

typedef struct wk_urlcache {
	ah_map map; /* key -> wk_urlcfg */
	size_t count;
} wk_urlcache;

#define WK_URLCACHE_MAX 20000

/* The configuration of config path `path` ("MACHINE/WEBROOT/APPHOST/<site><url>"),
 * from the loop's cache. Never fails but for AH_ENOMEM: configuration
 * errors are in (*out)->err. */
int wk_urlcfg_get(wk_urlcfg **out, wk_loop *l, const char *path);
void wk_urlcache_flush(wk_urlcache *c);
/* Parse an IIS timeSpan ("[-][d.]hh:mm:ss[.fffffff]") in milliseconds. */
bool wk_timespan_ms(const char *text, uint64_t *ms);

/* ---- inotify (watch.c) --------------------------------------------------------- */

typedef struct wk_watch {
	int fd;
	ah_map dirs;  /* folder path -> (void*)(intptr_t)(wd + 1) */
	char **paths; /* wd -> heap path, for the config folders test */
	size_t npaths;
	int cfg_wds[4]; /* watches of the configuration folders */
	size_t ncfg;
} wk_watch;

/* Watch the configuration folders of cfg. */
int wk_watch_init(wk_watch *w, ah_config *cfg);
void wk_watch_free(wk_watch *w);
/* Watch a content folder (web.config files; sub folders appearing). */
void wk_watch_dir(wk_watch *w, const char *dir);
/* Drain the events: *content when a web.config or content folder changed,
 * *server when a file of the configuration folder changed. */
void wk_watch_read(wk_watch *w, bool *content, bool *server);

/* ---- the request --------------------------------------------------------------- */

typedef struct wk_hdr {
	const char *name, *value;
	size_t name_len, value_len;
} wk_hdr;

typedef struct wk_body_file {
	int fd;
	off_t off;
	off_t len;
} wk_body_file;

typedef struct wk_handler wk_handler;

/* Why a kept-alive request goes back to the router (route.c). */
enum wk_give {
	WK_GIVE_NONE = 0,
	WK_GIVE_POOL, /* another pool's application */
	WK_GIVE_ANEW, /* a stopped site: the router routes anew, this pool included */
};

struct wk_req {
	enum wk_give give_back; /* the connection goes back to the router */
	wk_conn *conn;
	wk_loop *loop;
	ah_arena *arena;

	wk_addr local, peer; /* the connection's addresses */

	/* the request head */
	int method; /* llhttp_method_t */
	const char *method_name;
	unsigned http_major, http_minor;
	const char *raw_url;  /* as received */
	const char *raw_path; /* path part, as received ('/...') */
	size_t raw_path_len;
	const char *query; /* after '?', NULL when none */
	wk_hdr *hdrs;
	size_t nhdrs;
	const char *host;       /* lower case, no port; "" when none */
	int64_t content_length; /* -1 when absent */
	bool chunked;
	bool expect_continue;
	bool is_head;
	bool keep_alive; /* the client allows keep-alive */

	/* mapping */
	char *path;      /* decoded, normalized URL path */
	char *orig_path; /* the path before a default document replaced it */
	const wk_site *site;
	wk_mapping map;
	char *config_path;
	wk_urlcfg *cfg;
	wk_target target;
	const wk_handler *handler;
	const wk_cfgerr *cfgerr; /* the configuration error of a 500.19 */

	/* the pipeline's position, and where the error status was set (the
	 * detailed error page) */
	const char *cur_module; /* NULL: the core ("IIS Web Core") */
	int cur_stage;          /* wk_stage */
	const char *err_module;
	int err_stage;
	uint32_t err_hresult; /* HRESULT of the error, 0 when none */

	/* authentication */
	const char *logon_method;  /* NULL: not yet determined; "Anonymous", "Basic" */
	const char *user;          /* the logon user; "" for anonymous */
	const char *anon_identity; /* anonymous requests: IUSR, or the pool identity */

	/* logging */
	uint64_t start_us;        /* the head was complete (CLOCK_MONOTONIC, µs) */
	uint64_t head_bytes;      /* the size of the request head */
	struct wk_logrec *logrec; /* prepared at LOG, written once the response is sent */

	/* the response */
	int status;
	int substatus;
	ah_buf headers; /* extra header lines, "Name: value\r\n" */
	const char *content_type;
	ah_buf body;              /* a body held in memory */
	bool has_body;            /* body set (memory or file) */
	wk_body_file file;        /* file body when file.fd >= 0 */
	off_t content_length_out; /* for HEAD: the length a GET would have */
	bool close;               /* close the connection after the response */
	uint64_t keepalive_ms;    /* the site's connectionTimeout (0: webLimits') */
	uint64_t body_limit;      /* maxAllowedContentLength of the URL */
	bool no_body;             /* 1xx, 204, 304: no body, no Content-Length */
	bool no_server_header;    /* requestFiltering/@removeServerHeader */
};

/* Header value by name (case-insensitive), NULL when absent. */
const char *wk_req_header(const wk_req *r, const char *name, size_t *len);

#define WK_SERVER_HEADER "apphost"

/* Response helpers (response.c). */
void wk_resp_error(wk_req *r, int status, int substatus);
void wk_resp_header(wk_req *r, const char *name, const char *value);
void wk_resp_headerf(wk_req *r, const char *name, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
void wk_resp_body(wk_req *r, const char *content_type, const char *data, size_t len);
/* Compose the status line and headers into out (after the pipeline). */
void wk_resp_compose(ah_buf *out, wk_req *r, const char *date);
const char *wk_status_reason(int status);

/* Error pages (errpage.c). */
void wk_errpage_build(ah_buf *out, int status, int substatus);
void wk_errpage_httpsys(ah_buf *out, int status, const char *title, const char *text);
/* IIS's detailed error page for r's status (local requests), with the
 * configuration error's file, message and source lines for a 500.19. */
void wk_errpage_detailed(ah_buf *out, const wk_req *r);
/* IIS's description of a status and sub-status. */
const char *wk_status_text(int status, int substatus);
/* The name of a pipeline stage as IIS calls its notification. */
const char *wk_stage_name(int stage);
/* True when the client is on this machine (loopback, or the local address). */
bool wk_req_is_local(const wk_req *r);

/* HTTP dates (httpdate.c). */
void wk_http_date(char *buf, size_t n, time_t t);
bool wk_http_date_parse(const char *s, size_t len, time_t *out);

/* ---- the module pipeline (pipeline.c) ------------------------------------------ */

typedef enum wk_stage {
	WK_STAGE_BEGIN = 0,       /* BeginRequest */
	WK_STAGE_AUTHENTICATE,    /* AuthenticateRequest */
	WK_STAGE_AUTHORIZE,       /* AuthorizeRequest */
	WK_STAGE_RESOLVE_HANDLER, /* MapRequestHandler */
	WK_STAGE_EXECUTE,         /* ExecuteRequestHandler (the handler's modules) */
	WK_STAGE_SEND_RESPONSE,   /* SendResponse: before the head is written */
	WK_STAGE_LOG,             /* LogRequest */
	WK_STAGE_END,             /* EndRequest */
	WK_STAGE_COUNT
} wk_stage;

/* What a hook returns: continue with the next module, or the response is
 * decided (the pipeline skips to SEND_RESPONSE). Negative AH_E*: 500. */
enum { WK_CONTINUE = 0, WK_FINISHED = 1 };

typedef int (*wk_hook)(wk_req *r);

typedef struct wk_module {
	const char *name; /* IIS's module name */
	wk_hook hooks[WK_STAGE_COUNT];
} wk_module;

struct wk_handler {
	const char *name;                /* IIS's handler name ("StaticFile") */
	const wk_module *const *modules; /* run in order at EXECUTE */
};

extern const wk_module wk_mod_request_filtering;
extern const wk_module wk_mod_anonymous_authentication;
extern const wk_module wk_mod_basic_authentication;
extern const wk_module wk_mod_url_authorization;
extern const wk_module wk_mod_http_redirection;
extern const wk_module wk_mod_default_document;
extern const wk_module wk_mod_directory_listing;
extern const wk_module wk_mod_static_file;
extern const wk_module wk_mod_custom_error;
extern const wk_module wk_mod_protocol_support;
extern const wk_module wk_mod_http_logging;
extern const wk_handler wk_handler_static;

/* Run every stage for r. */
void wk_pipeline_run(wk_req *r);

/* Module helpers. */
/* The request-filtering verdict on r: 0, or the 404 sub-status (mod_filter.c). */
int wk_filter_check(wk_req *r);
/* Decode "Authorization: Basic <base64>" into user and password (arena
 * strings); false when the header is not well-formed Basic credentials. */
bool wk_basic_credentials(const char *value, size_t len, ah_arena *a, char **user, char **password);
/* Check user/password with PAM, in the worker or through apphostd's logon
 * broker (auth_pam.c): 0 accepted, AH_EINVALID refused, AH_ENOMEM or AH_ERROR
 * when it could not be checked. */
int wk_pam_check(const char *user, const char *password, const char *rhost);
/* Is user (a Linux account; a "DOMAIN\" prefix is ignored) a member of
 * group? (auth_acct.c) */
bool wk_user_in_group(const char *user, const char *group);
/* May the account r runs as (its Basic user, or the anonymous user) read a
 * file with these attributes? True for the pool identity. */
bool wk_account_can_read(const wk_req *r, const struct stat *st);
/* The httpRedirect destination for r, or NULL (mod_redirect.c). *status
 * gets 301, 302, 307 or 308. */
char *wk_redirect_target(wk_req *r, const ah_elem *sec, int *status);
/* Does the IIS wildcard pattern (only '*') match s, case-insensitively?
 * The text each '*' matched goes to caps[0..9] (may be NULL). */
bool wk_wildcard_match(const char *pat, const char *s, const char **caps, size_t *caplens,
                       size_t maxcaps);
/* The "Object Moved" body of a redirect to loc. */
void wk_redirect_body(ah_buf *out, const char *loc);
const char *wk_mime_lookup(wk_urlcfg *cfg, const char *path);
int wk_request_rewrite(wk_req *r, const char *name);
void wk_dirlist_build(ah_buf *out, wk_req *r);

/* ---- W3C logging (w3clog.c) ---------------------------------------------------- */

typedef struct wk_logfile wk_logfile;

/* The W3C fields, in the order IIS writes them (#Fields). */
#define WK_LOG_NFIELDS 22

/* What a request's log line needs once its response is sent: the text
 * fields captured at LOG (while the request's configuration is valid), the
 * numbers completed when the last byte is sent. */
typedef struct wk_logrec {
	wk_logfile *file;
	uint32_t fields; /* logExtFileFlags */
	int status, substatus;
	uint32_t win32;
	uint64_t start_us;            /* the head was complete */
	uint64_t cs_head;             /* bytes of the request head */
	uint32_t off[WK_LOG_NFIELDS]; /* offsets into text (UINT32_MAX: computed) */
	ah_buf text;
} wk_logrec;

/* The site's log file (process-wide, lives until wk_w3c_shutdown; NULL when
 * logging is off for the site or on out-of-memory). */
wk_logfile *wk_w3c_file(const wk_site *site);
/* Append the record's line now that its response is done: bytes sent, body
 * bytes received, and a win32 status when the connection broke (0: the
 * request's own). Frees rec. */
void wk_w3c_finish(wk_logrec *rec, uint64_t sc_bytes, uint64_t cs_body, uint32_t win32);
void wk_w3c_drop(wk_logrec *rec);
/* The text fields of r's line for file f (at LOG). */
int wk_w3c_capture(wk_logrec **out, const wk_req *r, wk_logfile *f);
/* A log field's text as IIS writes it: "-" when empty, ' ' as '+', control
 * characters %XX-escaped. */
void wk_w3c_escape(ah_buf *b, const char *s, size_t n);
/* Write the buffers out (each second, and at shutdown). */
void wk_w3c_flush(void);
void wk_w3c_shutdown(void);
uint64_t wk_now_us(void);

/* ---- the loop and connections ------------------------------------------------- */

typedef struct wk_server {
	int listen_fd;            /* --listen; -1 in router mode */
	int handoff_fd;           /* router mode: APPHOST_CONN_FD; else -1 */
	const char *apphost_file; /* -h: the pool's configuration file */
	wk_addr listen_addr;
	unsigned nthreads;
	uint64_t shutdown_ms;
	const char *config_dir;
	bool verbose;
} wk_server;

struct wk_loop {
	const wk_server *srv;
	unsigned index;
	int epfd, evfd;
	ah_config *cfg;
	wk_sites *sites;
	wk_urlcache cache;
	wk_watch watch;
	wk_conn *conns; /* doubly linked list */
	size_t nconns;
	uint64_t now_ms; /* monotonic, per iteration */
	time_t date_sec;
	char date[40];     /* IMF-fixdate of now */
	void *handoff_buf; /* router mode: one handoff packet */
	wk_sites *routes;  /* router mode: every pool's sites (route.c) */
	char *routes_path;
	int64_t routes_mtime;
	uint64_t routes_ino; /* with the time: apphostd replaces the file */
	uint64_t routes_checked;
	bool stopping;
	uint64_t stop_deadline;
	int exit_code;
};

int wk_loop_init(wk_loop *l, const wk_server *srv, unsigned index);
void wk_loop_free(wk_loop *l);
void *wk_loop_main(void *arg);
void wk_loop_stop(wk_loop *l);
/* The loop's site table, loaded on first use. NULL on out-of-memory. */
wk_sites *wk_loop_sites(wk_loop *l);
void wk_loop_update_now(wk_loop *l);

/* ---- HTTP parsing (http.c) ----------------------------------------------------- */

#define WK_MAX_HEADERS 100
#define WK_MAX_HEAD 16384 /* request line + headers, as HTTP.sys's MaxRequestBytes */

typedef struct wk_span {
	uint32_t off, len; /* relative to the start of the message in rbuf */
} wk_span;

typedef enum wk_http_error {
	WK_HTTP_OK = 0,
	WK_HTTP_TOO_LONG,      /* the head exceeds WK_MAX_HEAD or WK_MAX_HEADERS */
	WK_HTTP_BODY_TOO_LONG, /* the body exceeds the URL's maxAllowedContentLength */
} wk_http_error;

typedef struct wk_http {
	llhttp_t parser;
	const char *base; /* rbuf + head_start during llhttp_execute */
	wk_span url;
	wk_span names[WK_MAX_HEADERS], values[WK_MAX_HEADERS];
	unsigned nhdrs;
	bool in_value;
	bool in_message; /* between message begin and message complete */
	bool head_done;  /* headers complete for the current message */
	bool done;       /* message complete (parser paused) */
	wk_http_error error;
	uint64_t body_bytes, body_limit;
	wk_conn *conn;
	/* called at headers complete instead of wk_conn_on_head when set */
	int (*on_head)(struct wk_http *h);
	void *ctx;
} wk_http;

void wk_http_init(wk_http *h, wk_conn *c);
/* The size of the head just parsed (request line and headers). */
uint64_t wk_http_head_len(const wk_http *h);
/* Copy the head just parsed into r (strings in r->arena). */
int wk_http_build_req(wk_http *h, wk_req *r);

/* ---- connections (conn.c) ------------------------------------------------------ */

typedef enum wk_phase {
	WK_IDLE = 0, /* between requests */
	WK_HEAD,     /* receiving a request head */
	WK_BODY,     /* head done, receiving (discarding) the body */
	WK_WRITE,    /* sending a response */
	WK_LINGER,   /* response sent, write side shut, draining input */
} wk_phase;

struct wk_conn {
	wk_conn *prev, *next;
	wk_loop *loop;
	int fd;
	wk_addr local, peer;
	wk_phase phase;
	char *rbuf;
	size_t rlen, rcap, rpos, head_start;
	wk_http http;
	wk_req *req;       /* the request whose head is done */
	ah_buf out;        /* bytes to send (100 Continue, response head, body) */
	wk_logrec *logrec; /* the W3C line of the response being sent */
	uint64_t sent;     /* bytes of that response sent so far */
	size_t out_pos;    /* sent so far */
	size_t out_ready;  /* may be sent now (the response waits for the body) */
	wk_body_file file; /* file part of the response */
	bool can_read;     /* more input may be waiting (edge-triggered) */
	bool early;        /* respond before the body is read, then close */
	bool close_after;  /* close once the current response is sent */
	bool handed;       /* handed over by the router */
	enum wk_give give_back; /* the request being parsed goes back to the router */
	bool in_request;   /* counted in the statistics as in progress */
	unsigned nreq;     /* requests begun on the connection */
	uint64_t deadline; /* monotonic ms */
	uint64_t idle_ms;  /* keep-alive timeout (the site's connectionTimeout) */
};

/* Called by http.c at headers complete: 0 to go on, 1 to stop parsing. */
int wk_conn_on_head(wk_conn *c);

/* Take a connection (accepted or handed over) with the bytes already read
 * from it. The loop owns fd from then on. */
int wk_conn_adopt(wk_loop *l, int fd, const char *bytes, size_t len);
/* The same with the connection's addresses as the router saw them (NULL:
 * asked from the socket). */
int wk_conn_adopt_from(wk_loop *l, int fd, const char *bytes, size_t len, const wk_addr *local,
                       const wk_addr *peer);

/* Router mode (handoff.c). */
size_t wk_handoff_max(void);
/* Adopt the connections waiting on the handoff channel. */
void wk_handoff_read(wk_loop *l);
/* The handoff channel has ended: a stopping loop waits for nothing more. */
bool wk_handoff_done(void);
/* Router mode (route.c): whether a request on local with Host host (lower
 * case, no port) and URL path path goes back to the router: it routes to
 * another pool's application, or to a stopped site (the router answers). */
enum wk_give wk_route_elsewhere(wk_loop *l, const wk_addr *local, const char *host,
				const char *path);
/* Router mode: the routes file's sites (read again when it changed); NULL
 * outside router mode or without the file. */
const wk_sites *wk_route_states(wk_loop *l);
void wk_route_free(wk_loop *l);
/* Give connection fd back to the router with the bytes of its request
 * (handoff.c); again: the router may route it to this pool again. */
int wk_handoff_give_back(wk_loop *l, int fd, const wk_addr *local, const wk_addr *peer,
                         const char *bytes, size_t len, bool again);
/* Stop waiting on the handoff channel. */
void wk_loop_forget_handoff(wk_loop *l);
/* The worker channel: send a message type; read one (0: none waiting,
 * -1: the channel is closed or sent garbage). */
int wk_chan_send(int fd, uint8_t type);
/* PONG, with the statistics apphostd's idleTimeout and request limit use. */
int wk_chan_pong(int fd);
/* The statistics: the worker starts; (every loop) a request begins, ends. */
void wk_stats_start(void);
void wk_stats_begin(void);
void wk_stats_end(void);
int wk_chan_read(int fd);
enum {
	WK_CHAN_READY = 1,
	WK_CHAN_PONG = 2,
	WK_CHAN_PING = 16,
	WK_CHAN_SHUTDOWN = 17,
	WK_CHAN_RECYCLE = 18,
	WK_CHAN_CONFIG_CHANGED = 19
};
void wk_conn_event(wk_conn *c, uint32_t events);
void wk_conn_timeout_check(wk_conn *c);
void wk_conn_shutdown(wk_conn *c);
void wk_conn_close(wk_conn *c);

/* Request entry points used by conn.c (request.c). */
int wk_request_head(wk_req *r);
/* The checks of a head before any site is chosen: HTTP version, Host, the
 * target split into path and query, the path decoded and normalized.
 * WK_CONTINUE, or WK_FINISHED with HTTP.sys's refusal in r; AH_ENOMEM. */
int wk_request_check_head(wk_req *r);
void wk_request_free(wk_req *r);

/* Logging to stderr. */
void wk_log(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

#endif
