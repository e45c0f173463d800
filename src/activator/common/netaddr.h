/*
 * Socket addresses as text, the way the server's messages and logs write
 * them: "127.0.0.1:8080", "[::1]:8080"; an IPv4 client seen on a dual-stack
 * socket (::ffff:a.b.c.d) is written as plain IPv4. A listening socket's key
 * is its address with "*" for the wildcard address ("*:8080").
 */
#ifndef AD_NETADDR_H
#define AD_NETADDR_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/socket.h>

#define AD_ADDR_TEXT_MAX 64

/* The address (and port, when with_port) of sa as text. Returns 0 or -1. */
int ad_addr_text(char *out, size_t cap, const struct sockaddr_storage *sa, bool with_port);
/* The port of sa (0 for other families). */
unsigned ad_addr_port(const struct sockaddr_storage *sa);
/* True for 127.0.0.0/8, ::1 and ::ffff:127.0.0.0/104. */
bool ad_addr_is_loopback(const struct sockaddr_storage *sa);
/* The key of listening socket fd. Returns 0 or -errno. */
int ad_listen_key(char *out, size_t cap, int fd);

#endif
