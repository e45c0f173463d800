/*
 * Socket addresses as the worker compares them: the local address of a
 * connection against the IP of a binding ("*", "1.2.3.4", "[::1]").
 * IPv4-mapped IPv6 addresses (a dual-stack listener) count as IPv4.
 */
#include "worker/worker.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>

int wk_addr_parse_ip(wk_addr *out, const char *text, size_t len)
{
	char buf[64];
	memset(out, 0, sizeof(*out));
	if (len >= 2 && text[0] == '[' && text[len - 1] == ']') {
		text++;
		len -= 2;
	}
	if (len == 0 || len >= sizeof(buf))
		return AH_EINVALID;
	memcpy(buf, text, len);
	buf[len] = '\0';
	if (inet_pton(AF_INET, buf, out->ip) == 1) {
		out->family = AF_INET;
		return 0;
	}
	if (inet_pton(AF_INET6, buf, out->ip) == 1) {
		out->family = AF_INET6;
		static const uint8_t mapped[12] = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff};
		if (memcmp(out->ip, mapped, 12) == 0) {
			memmove(out->ip, out->ip + 12, 4);
			memset(out->ip + 4, 0, 12);
			out->family = AF_INET;
		}
		return 0;
	}
	return AH_EINVALID;
}

int wk_addr_parse(wk_addr *out, const char *text)
{
	const char *colon = strrchr(text, ':');
	if (!colon || colon == text)
		return AH_EINVALID;
	unsigned long port = 0;
	const char *p = colon + 1;
	if (!*p)
		return AH_EINVALID;
	for (; *p; p++) {
		if (*p < '0' || *p > '9')
			return AH_EINVALID;
		port = port * 10 + (unsigned long)(*p - '0');
		if (port > 65535)
			return AH_EINVALID;
	}
	int rc = wk_addr_parse_ip(out, text, (size_t)(colon - text));
	if (rc < 0)
		return rc;
	out->port = (uint16_t)port;
	return 0;
}

void wk_addr_from_sa(wk_addr *out, const void *sa)
{
	const struct sockaddr *s = sa;
	memset(out, 0, sizeof(*out));
	if (s->sa_family == AF_INET) {
		const struct sockaddr_in *in = sa;
		out->family = AF_INET;
		memcpy(out->ip, &in->sin_addr, 4);
		out->port = ntohs(in->sin_port);
	} else if (s->sa_family == AF_INET6) {
		const struct sockaddr_in6 *in6 = sa;
		out->port = ntohs(in6->sin6_port);
		if (IN6_IS_ADDR_V4MAPPED(&in6->sin6_addr)) {
			out->family = AF_INET;
			memcpy(out->ip, (const uint8_t *)&in6->sin6_addr + 12, 4);
		} else {
			out->family = AF_INET6;
			memcpy(out->ip, &in6->sin6_addr, 16);
		}
	}
}

bool wk_addr_ip_equal(const wk_addr *a, const wk_addr *b)
{
	if (a->family != b->family)
		return false;
	return memcmp(a->ip, b->ip, a->family == AF_INET ? 4 : 16) == 0;
}

void wk_addr_format(char *buf, size_t n, const wk_addr *a)
{
	char ip[INET6_ADDRSTRLEN] = "?";
	inet_ntop(a->family == AF_INET6 ? AF_INET6 : AF_INET, a->ip, ip, sizeof(ip));
	if (a->family == AF_INET6)
		snprintf(buf, n, "[%s]:%u", ip, a->port);
	else
		snprintf(buf, n, "%s:%u", ip, a->port);
}

bool wk_addr_is_loopback(const wk_addr *a)
{
	if (a->family == AF_INET)
		return a->ip[0] == 127;
	static const uint8_t one[16] = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1};
	return memcmp(a->ip, one, 16) == 0;
}
