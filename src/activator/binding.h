/*
 * Site bindings: IIS's bindingInformation "ip:port:host" for the http
 * protocol, and the listening sockets they need.
 *
 *   "*:80:"                 every address, port 80, any host name
 *   "127.0.0.1:8080:a.test" one IPv4 address, one host name
 *   "[::1]:8080:"           one IPv6 address
 *
 * "*", an empty ip, "0.0.0.0" and "::" all mean every address. The host is
 * compared in lower case; empty means any host name.
 *
 * Listening sockets: one per distinct ip:port, except that a port with a
 * binding on every address gets one socket on every address (dual-stack
 * IPv6, or IPv4 when the host has no IPv6) and no others — the router tells
 * the addresses apart by each connection's local address, as HTTP.sys does.
 */
#ifndef AD_BINDING_H
#define AD_BINDING_H

#include "util/alloc.h"

#include <stdbool.h>
#include <stddef.h>

typedef struct ad_binding {
	const char *ip;   /* "*" or a canonical literal (IPv6 without brackets) */
	unsigned port;
	const char *host; /* lower case; "" = any host name */
	const char *text; /* as written */
} ad_binding;

/* Parse bindingInformation into *out (strings in a). Returns 0, or -1 with
 * *why saying what is wrong. */
int ad_binding_parse(ad_binding *out, ah_arena *a, const char *info, const char **why);

/* The key of the listening socket a binding needs on its own, ignoring the
 * wildcard rule: "*:80", "127.0.0.1:80", "[::1]:80". */
void ad_binding_key(const ad_binding *b, char *out, size_t cap);

/* Whether the listening socket with this key is needed for these keys:
 * the key is in the set, and it is not overshadowed by "*:port". */
bool ad_listen_key_wanted(const char *key, const char *const *keys, size_t n);

/* Bind and listen on key ("*:80" etc.). Returns the socket (non-blocking,
 * close-on-exec) or -errno. */
int ad_listen_open(const char *key);

#endif
