/* Socket addresses as text (see netaddr.h). */
#include "netaddr.h"

#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <stdio.h>
#include <string.h>

static bool v4_mapped(const struct sockaddr_in6 *s6)
{
	return IN6_IS_ADDR_V4MAPPED(&s6->sin6_addr);
}

int ad_addr_text(char *out, size_t cap, const struct sockaddr_storage *sa, bool with_port)
{
	char ip[INET6_ADDRSTRLEN];
	unsigned port = ad_addr_port(sa);
	bool six = false;
	if (sa->ss_family == AF_INET) {
		const struct sockaddr_in *s4 = (const struct sockaddr_in *)sa;
		if (!inet_ntop(AF_INET, &s4->sin_addr, ip, sizeof(ip)))
			return -1;
	} else if (sa->ss_family == AF_INET6) {
		const struct sockaddr_in6 *s6 = (const struct sockaddr_in6 *)sa;
		if (v4_mapped(s6)) {
			if (!inet_ntop(AF_INET, s6->sin6_addr.s6_addr + 12, ip, sizeof(ip)))
				return -1;
		} else {
			if (!inet_ntop(AF_INET6, &s6->sin6_addr, ip, sizeof(ip)))
				return -1;
			six = true;
		}
	} else {
		return -1;
	}
	int n;
	if (!with_port)
		n = snprintf(out, cap, "%s", ip);
	else if (six)
		n = snprintf(out, cap, "[%s]:%u", ip, port);
	else
		n = snprintf(out, cap, "%s:%u", ip, port);
	return n < 0 || (size_t)n >= cap ? -1 : 0;
}

unsigned ad_addr_port(const struct sockaddr_storage *sa)
{
	if (sa->ss_family == AF_INET)
		return ntohs(((const struct sockaddr_in *)sa)->sin_port);
	if (sa->ss_family == AF_INET6)
		return ntohs(((const struct sockaddr_in6 *)sa)->sin6_port);
	return 0;
}

bool ad_addr_is_loopback(const struct sockaddr_storage *sa)
{
	if (sa->ss_family == AF_INET) {
		const struct sockaddr_in *s4 = (const struct sockaddr_in *)sa;
		return (ntohl(s4->sin_addr.s_addr) >> 24) == 127;
	}
	if (sa->ss_family == AF_INET6) {
		const struct sockaddr_in6 *s6 = (const struct sockaddr_in6 *)sa;
		if (v4_mapped(s6))
			return s6->sin6_addr.s6_addr[12] == 127;
		return IN6_IS_ADDR_LOOPBACK(&s6->sin6_addr);
	}
	return false;
}

int ad_listen_key(char *out, size_t cap, int fd)
{
	struct sockaddr_storage ss;
	socklen_t len = sizeof(ss);
	if (getsockname(fd, (struct sockaddr *)&ss, &len) < 0)
		return -errno;
	bool any = false;
	if (ss.ss_family == AF_INET)
		any = ((struct sockaddr_in *)&ss)->sin_addr.s_addr == htonl(INADDR_ANY);
	else if (ss.ss_family == AF_INET6)
		any = IN6_IS_ADDR_UNSPECIFIED(&((struct sockaddr_in6 *)&ss)->sin6_addr);
	else
		return -EAFNOSUPPORT;
	int n;
	if (any)
		n = snprintf(out, cap, "*:%u", ad_addr_port(&ss));
	else if (ad_addr_text(out, cap, &ss, true) < 0)
		return -EINVAL;
	else
		n = 0;
	return n < 0 || (size_t)n >= cap ? -EINVAL : 0;
}
