/* Parsing bindings and opening their listening sockets (see binding.h). */
#include "binding.h"

#include "util/str.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#define LISTEN_BACKLOG 511

static bool host_char(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
	       c == '-' || c == '.' || c == '_' || c == '~';
}

static int parse_ip(ad_binding *out, ah_arena *a, const char *ip, size_t n, const char **why)
{
	char buf[INET6_ADDRSTRLEN + 2];
	if (n == 0 || (n == 1 && ip[0] == '*')) {
		out->ip = "*";
		return 0;
	}
	if (n >= sizeof(buf)) {
		*why = "the IP address is not valid";
		return -1;
	}
	memcpy(buf, ip, n);
	buf[n] = '\0';
	unsigned char raw[16];
	char canon[INET6_ADDRSTRLEN];
	if (buf[0] == '[') {
		if (n < 3 || buf[n - 1] != ']') {
			*why = "the IPv6 address is not valid";
			return -1;
		}
		buf[n - 1] = '\0';
		if (inet_pton(AF_INET6, buf + 1, raw) != 1) {
			*why = "the IPv6 address is not valid";
			return -1;
		}
		if (IN6_IS_ADDR_UNSPECIFIED((struct in6_addr *)raw)) {
			out->ip = "*";
			return 0;
		}
		inet_ntop(AF_INET6, raw, canon, sizeof(canon));
	} else {
		if (inet_pton(AF_INET, buf, raw) != 1) {
			*why = "the IP address is not valid";
			return -1;
		}
		if (!raw[0] && !raw[1] && !raw[2] && !raw[3]) {
			out->ip = "*";
			return 0;
		}
		inet_ntop(AF_INET, raw, canon, sizeof(canon));
	}
	out->ip = ah_arena_strdup(a, canon);
	return out->ip ? 0 : -1;
}

int ad_binding_parse(ad_binding *out, ah_arena *a, const char *info, const char **why)
{
	*why = "out of memory";
	out->text = ah_arena_strdup(a, info);
	if (!out->text)
		return -1;
	/* the ip ends at the first ':' outside brackets */
	const char *p = info;
	if (*p == '[') {
		p = strchr(p, ']');
		if (!p) {
			*why = "the IPv6 address is not closed by ']'";
			return -1;
		}
		p++;
	} else {
		while (*p && *p != ':')
			p++;
	}
	if (*p != ':') {
		*why = "it is not of the form ip:port:host";
		return -1;
	}
	if (parse_ip(out, a, info, (size_t)(p - info), why) < 0)
		return -1;
	const char *port = p + 1, *colon = strchr(port, ':');
	if (!colon) {
		*why = "it is not of the form ip:port:host";
		return -1;
	}
	char num[8];
	size_t n = (size_t)(colon - port);
	uint64_t v;
	if (n == 0 || n >= sizeof(num)) {
		*why = "the port is not valid";
		return -1;
	}
	memcpy(num, port, n);
	num[n] = '\0';
	if (!ah_parse_u64(num, &v) || v == 0 || v > 65535) {
		*why = "the port is not valid";
		return -1;
	}
	out->port = (unsigned)v;
	const char *host = colon + 1;
	size_t hn = strlen(host);
	if (hn > 255) {
		*why = "the host name is too long";
		return -1;
	}
	char *h = ah_arena_alloc(a, hn + 1);
	if (!h)
		return -1;
	for (size_t i = 0; i < hn; i++) {
		if (!host_char(host[i])) {
			*why = host[i] == '*' ? "wildcard host names are not supported yet"
					      : "the host name is not valid";
			return -1;
		}
		h[i] = (host[i] >= 'A' && host[i] <= 'Z') ? (char)(host[i] - 'A' + 'a') : host[i];
	}
	h[hn] = '\0';
	out->host = h;
	return 0;
}

void ad_binding_key(const ad_binding *b, char *out, size_t cap)
{
	if (strcmp(b->ip, "*") == 0)
		snprintf(out, cap, "*:%u", b->port);
	else if (strchr(b->ip, ':'))
		snprintf(out, cap, "[%s]:%u", b->ip, b->port);
	else
		snprintf(out, cap, "%s:%u", b->ip, b->port);
}

static const char *key_port(const char *key)
{
	const char *c = strrchr(key, ':');
	return c ? c + 1 : "";
}

bool ad_listen_key_wanted(const char *key, const char *const *keys, size_t n)
{
	bool present = false, wildcard = false;
	bool is_wild = key[0] == '*';
	for (size_t i = 0; i < n; i++) {
		if (strcmp(keys[i], key) == 0)
			present = true;
		if (!is_wild && keys[i][0] == '*' && strcmp(key_port(keys[i]), key_port(key)) == 0)
			wildcard = true;
	}
	return present && !wildcard;
}

static int open_bound(int family, const struct sockaddr *sa, socklen_t len, bool v6only)
{
	int fd = socket(family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -errno;
	int one = 1, v6 = v6only ? 1 : 0;
	if (setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one)) < 0 ||
	    (family == AF_INET6 && setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &v6, sizeof(v6)) < 0) ||
	    bind(fd, sa, len) < 0 || listen(fd, LISTEN_BACKLOG) < 0) {
		int e = errno;
		close(fd);
		return -e;
	}
	return fd;
}

int ad_listen_open(const char *key)
{
	const char *colon = strrchr(key, ':');
	uint64_t port;
	if (!colon || !ah_parse_u64(colon + 1, &port) || port == 0 || port > 65535)
		return -EINVAL;
	char ip[INET6_ADDRSTRLEN + 2];
	size_t n = (size_t)(colon - key);
	if (n >= sizeof(ip))
		return -EINVAL;
	memcpy(ip, key, n);
	ip[n] = '\0';
	if (strcmp(ip, "*") == 0) {
		struct sockaddr_in6 s6 = {.sin6_family = AF_INET6, .sin6_port = htons((uint16_t)port),
					  .sin6_addr = IN6ADDR_ANY_INIT};
		int fd = open_bound(AF_INET6, (struct sockaddr *)&s6, sizeof(s6), false);
		if (fd != -EAFNOSUPPORT && fd != -EADDRNOTAVAIL)
			return fd;
		struct sockaddr_in s4 = {.sin_family = AF_INET, .sin_port = htons((uint16_t)port),
					 .sin_addr.s_addr = htonl(INADDR_ANY)};
		return open_bound(AF_INET, (struct sockaddr *)&s4, sizeof(s4), false);
	}
	if (ip[0] == '[') {
		struct sockaddr_in6 s6 = {.sin6_family = AF_INET6, .sin6_port = htons((uint16_t)port)};
		if (n < 3 || ip[n - 1] != ']')
			return -EINVAL;
		ip[n - 1] = '\0';
		if (inet_pton(AF_INET6, ip + 1, &s6.sin6_addr) != 1)
			return -EINVAL;
		return open_bound(AF_INET6, (struct sockaddr *)&s6, sizeof(s6), true);
	}
	struct sockaddr_in s4 = {.sin_family = AF_INET, .sin_port = htons((uint16_t)port)};
	if (inet_pton(AF_INET, ip, &s4.sin_addr) != 1)
		return -EINVAL;
	return open_bound(AF_INET, (struct sockaddr *)&s4, sizeof(s4), false);
}
