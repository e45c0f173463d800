/*
 * appcmd: the configuration path of `list config PATH`.
 *
 * Accepted forms:
 *   (none)                          MACHINE/WEBROOT/APPHOST
 *   Site/app/dir                    MACHINE/WEBROOT/APPHOST/Site/app/dir
 *   MACHINE/WEBROOT/APPHOST/...     as is (the engine normalizes case and
 *                                   slashes)
 *   http://host[:port]/path         the site bound to the URL, then the path
 *   https://...                     (default ports 80 and 443)
 *
 * A URL is matched against the bindings of every site whose protocol is the
 * URL's scheme. A binding "IP:PORT:HOST" matches when PORT is the URL's port;
 * among those, one whose host header equals the URL's host wins over one
 * with no host header bound to the URL's IP address, which wins over one
 * with no host header on all addresses ("*" or empty IP), as HTTP.sys
 * chooses. The first site wins a tie. The URL's path is percent-decoded.
 */
#include "cli.h"

#include "util/str.h"

#include <stdlib.h>
#include <string.h>

typedef struct url {
	const char *scheme;
	char host[256];
	unsigned long port;
	char path[2048];
} url;

/* 1: a URL, parsed; 0: not a URL; -1: a malformed URL. */
static int parse_url(url *u, const char *s)
{
	if (ah_startswith_ci(s, "http://")) {
		u->scheme = "http";
		u->port = 80;
		s += 7;
	} else if (ah_startswith_ci(s, "https://")) {
		u->scheme = "https";
		u->port = 443;
		s += 8;
	} else {
		return 0;
	}
	size_t hl = strcspn(s, "/");
	const char *hostend = s + hl;
	const char *colon = NULL;
	for (const char *p = s; p < hostend; p++) {
		if (*p == ']')
			colon = NULL;
		else if (*p == ':')
			colon = p;
	}
	const char *he = colon ? colon : hostend;
	if ((size_t)(he - s) >= sizeof(u->host))
		return -1;
	memcpy(u->host, s, (size_t)(he - s));
	u->host[he - s] = '\0';
	if (colon) {
		char *end;
		u->port = strtoul(colon + 1, &end, 10);
		if (end != hostend || end == colon + 1)
			return -1;
	}
	size_t k = 0;
	const char *p = *hostend ? hostend : "/";
	for (; *p && k + 1 < sizeof(u->path); p++) {
		int h1, h2;
		if (*p == '%' && (h1 = ah_hexval(p[1])) >= 0 && (h2 = ah_hexval(p[2])) >= 0) {
			u->path[k++] = (char)(h1 * 16 + h2);
			p += 2;
		} else {
			u->path[k++] = *p;
		}
	}
	u->path[k] = '\0';
	return 1;
}

/* How well a binding "IP:PORT:HOST" matches the URL: 0 (not at all) to 3. */
static int binding_score(const url *u, const char *info)
{
	const char *hostsep = strrchr(info, ':');
	if (!hostsep || hostsep == info)
		return 0;
	const char *portsep = hostsep - 1;
	while (portsep > info && *portsep != ':')
		portsep--;
	const char *port = *portsep == ':' ? portsep + 1 : info;
	char *end;
	unsigned long pn = strtoul(port, &end, 10);
	if (end != hostsep || end == port || pn != u->port)
		return 0;
	const char *host = hostsep + 1;
	if (*host)
		return ah_strcaseeq(host, u->host) ? 3 : 0;
	size_t iplen = *portsep == ':' ? (size_t)(portsep - info) : 0;
	if (iplen == 0 || (iplen == 1 && info[0] == '*'))
		return 1;
	return strlen(u->host) == iplen && ah_strncaseeq(info, u->host, iplen) ? 2 : 0;
}

static int site_for_url(char **out, ah_config *cfg, const url *u)
{
	ah_section *sec;
	int rc = ah_config_section(&sec, cfg, "system.applicationHost/sites",
				   "MACHINE/WEBROOT/APPHOST");
	if (rc < 0)
		return rc;
	const ah_elem *root = ah_section_root(sec), *best = NULL;
	int best_score = 0;
	for (size_t i = 0; i < ah_elem_item_count(root); i++) {
		const ah_elem *site = ah_elem_item_at(root, i);
		const ah_elem *bindings = ah_elem_child(site, "bindings");
		for (size_t k = 0; bindings && k < ah_elem_item_count(bindings); k++) {
			const ah_elem *b = ah_elem_item_at(bindings, k);
			if (!ah_strcaseeq(ah_elem_get(b, "protocol"), u->scheme))
				continue;
			int s = binding_score(u, ah_elem_get(b, "bindingInformation"));
			if (s > best_score) {
				best_score = s;
				best = site;
			}
		}
	}
	rc = AH_ENOTFOUND;
	if (best) {
		ah_buf b = AH_BUF_INIT;
		ah_buf_printf(&b, "MACHINE/WEBROOT/APPHOST/%s%s", ah_elem_get(best, "name"),
			      u->path);
		rc = ah_buf_oom(&b) ? AH_ENOMEM : 0;
		*out = rc ? NULL : ah_buf_detach(&b);
		ah_buf_free(&b);
	}
	ah_section_free(sec);
	return rc;
}

int cli_config_path(char **out, ah_config *cfg, const char *path)
{
	*out = NULL;
	if (!path || !*path)
		path = "MACHINE/WEBROOT/APPHOST";
	url u;
	int kind = parse_url(&u, path);
	if (kind == 0)
		return ah_config_path_normalize(out, cfg, path);
	if (kind < 0)
		return AH_ENOTFOUND;
	char *raw;
	int rc = site_for_url(&raw, cfg, &u);
	if (rc < 0)
		return rc;
	rc = ah_config_path_normalize(out, cfg, raw);
	ah_free(raw);
	return rc;
}
