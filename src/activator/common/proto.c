/*
 * Encoding and decoding of the server's channel messages, and sending and
 * receiving them with a file descriptor attached (see proto.h).
 */
#include "proto.h"

#include <errno.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

void ad_msg_begin(ad_msg *m, uint8_t type)
{
	m->len = 0;
	m->bad = false;
	ad_msg_u8(m, AD_PROTO_VERSION);
	ad_msg_u8(m, type);
}

static void put(ad_msg *m, const void *p, size_t n)
{
	if (m->bad || n > sizeof(m->b) - m->len) {
		m->bad = true;
		return;
	}
	memcpy(m->b + m->len, p, n);
	m->len += n;
}

void ad_msg_u8(ad_msg *m, uint8_t v)
{
	put(m, &v, 1);
}

void ad_msg_u16(ad_msg *m, uint16_t v)
{
	uint8_t b[2] = {(uint8_t)v, (uint8_t)(v >> 8)};
	put(m, b, 2);
}

void ad_msg_u32(ad_msg *m, uint32_t v)
{
	uint8_t b[4] = {(uint8_t)v, (uint8_t)(v >> 8), (uint8_t)(v >> 16), (uint8_t)(v >> 24)};
	put(m, b, 4);
}

void ad_msg_str(ad_msg *m, const char *s)
{
	size_t n = strlen(s);
	if (n > 0xffff) {
		m->bad = true;
		return;
	}
	ad_msg_u16(m, (uint16_t)n);
	put(m, s, n);
}

void ad_rd_init(ad_rd *r, const void *p, size_t len)
{
	r->p = p;
	r->len = len;
	r->off = 0;
	r->bad = false;
}

static const uint8_t *take(ad_rd *r, size_t n)
{
	if (r->bad || n > r->len - r->off) {
		r->bad = true;
		return NULL;
	}
	const uint8_t *p = r->p + r->off;
	r->off += n;
	return p;
}

uint8_t ad_rd_u8(ad_rd *r)
{
	const uint8_t *p = take(r, 1);
	return p ? p[0] : 0;
}

uint16_t ad_rd_u16(ad_rd *r)
{
	const uint8_t *p = take(r, 2);
	return p ? (uint16_t)(p[0] | p[1] << 8) : 0;
}

uint32_t ad_rd_u32(ad_rd *r)
{
	const uint8_t *p = take(r, 4);
	return p ? (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 |
			   (uint32_t)p[3] << 24
		 : 0;
}

void ad_rd_str(ad_rd *r, char *out, size_t cap)
{
	size_t n = ad_rd_u16(r);
	const uint8_t *p = take(r, n);
	if (!p || n >= cap || memchr(p, 0, n)) {
		r->bad = true;
		if (cap)
			out[0] = '\0';
		return;
	}
	memcpy(out, p, n);
	out[n] = '\0';
}

bool ad_rd_done(const ad_rd *r)
{
	return !r->bad && r->off == r->len;
}

int ad_send(int sock, const void *buf, size_t len, int fd, int flags)
{
	struct iovec iov = {(void *)buf, len};
	struct msghdr mh = {.msg_iov = &iov, .msg_iovlen = 1};
	union {
		char b[CMSG_SPACE(sizeof(int))];
		struct cmsghdr align;
	} ctl;
	if (fd >= 0) {
		memset(&ctl, 0, sizeof(ctl));
		mh.msg_control = ctl.b;
		mh.msg_controllen = sizeof(ctl.b);
		struct cmsghdr *c = CMSG_FIRSTHDR(&mh);
		c->cmsg_level = SOL_SOCKET;
		c->cmsg_type = SCM_RIGHTS;
		c->cmsg_len = CMSG_LEN(sizeof(int));
		memcpy(CMSG_DATA(c), &fd, sizeof(int));
	}
	for (;;) {
		ssize_t n = sendmsg(sock, &mh, flags | MSG_NOSIGNAL);
		if (n >= 0)
			return (size_t)n == len ? 0 : -EMSGSIZE;
		if (errno != EINTR)
			return -errno;
	}
}

void ad_fd_discard(int fd)
{
	if (fd < 0)
		return;
	/* a socket whose sender set SO_LINGER would make close() wait for its
	 * peer; without lingering the kernel finishes it in the background */
	struct linger l = {0, 0};
	(void)setsockopt(fd, SOL_SOCKET, SO_LINGER, &l, sizeof(l));
	close(fd);
}

ssize_t ad_recv(int sock, void *buf, size_t cap, int *fd, int flags)
{
	*fd = -1;
	struct iovec iov = {buf, cap};
	/* room for as many descriptors as one message can carry (SCM_MAX_FD):
	 * what does not fit would be released by the kernel in this process,
	 * where a lingering socket would block it */
	union {
		char b[CMSG_SPACE(sizeof(int) * 253)];
		struct cmsghdr align;
	} ctl;
	struct msghdr mh = {.msg_iov = &iov, .msg_iovlen = 1, .msg_control = ctl.b,
			    .msg_controllen = sizeof(ctl.b)};
	ssize_t n;
	do
		n = recvmsg(sock, &mh, flags | MSG_CMSG_CLOEXEC);
	while (n < 0 && errno == EINTR);
	if (n < 0)
		return -errno;
	int nfds = 0;
	for (struct cmsghdr *c = CMSG_FIRSTHDR(&mh); c; c = CMSG_NXTHDR(&mh, c)) {
		if (c->cmsg_level != SOL_SOCKET || c->cmsg_type != SCM_RIGHTS)
			continue;
		size_t k = (c->cmsg_len - CMSG_LEN(0)) / sizeof(int);
		for (size_t i = 0; i < k; i++) {
			int f;
			memcpy(&f, CMSG_DATA(c) + i * sizeof(int), sizeof(int));
			if (nfds++ == 0)
				*fd = f;
			else
				ad_fd_discard(f);
		}
	}
	if (nfds > 1 || (mh.msg_flags & (MSG_TRUNC | MSG_CTRUNC))) {
		ad_fd_discard(*fd);
		*fd = -1;
		return -EBADMSG;
	}
	return n;
}

static void put16(uint8_t *p, size_t v)
{
	p[0] = (uint8_t)v;
	p[1] = (uint8_t)(v >> 8);
}

static void put32(uint8_t *p, size_t v)
{
	p[0] = (uint8_t)v;
	p[1] = (uint8_t)(v >> 8);
	p[2] = (uint8_t)(v >> 16);
	p[3] = (uint8_t)(v >> 24);
}

size_t ad_handoff_encode(uint8_t *out, size_t cap, const ad_handoff *h)
{
	if (h->app_len > 4096 || h->peer_len > 4096 || h->local_len > 4096 ||
	    h->head_len > AD_HANDOFF_HEAD_MAX)
		return 0;
	size_t total = AD_HANDOFF_HDR + h->app_len + h->peer_len + h->local_len + h->head_len;
	if (total > cap)
		return 0;
	out[0] = AD_PROTO_VERSION;
	out[1] = h->flags;
	put16(out + 2, h->app_len);
	put32(out + 4, h->site_id);
	put16(out + 8, h->peer_len);
	put16(out + 10, h->local_len);
	put32(out + 12, h->head_len);
	uint8_t *p = out + AD_HANDOFF_HDR;
	memcpy(p, h->app_path, h->app_len);
	p += h->app_len;
	memcpy(p, h->peer, h->peer_len);
	p += h->peer_len;
	memcpy(p, h->local, h->local_len);
	p += h->local_len;
	if (h->head_len)
		memcpy(p, h->head, h->head_len);
	return total;
}

int ad_handoff_decode(ad_handoff *h, const uint8_t *buf, size_t len)
{
	if (len < AD_HANDOFF_HDR || buf[0] != AD_PROTO_VERSION)
		return -EBADMSG;
	ad_rd r;
	ad_rd_init(&r, buf + 1, AD_HANDOFF_HDR - 1);
	h->flags = ad_rd_u8(&r);
	h->app_len = ad_rd_u16(&r);
	h->site_id = ad_rd_u32(&r);
	h->peer_len = ad_rd_u16(&r);
	h->local_len = ad_rd_u16(&r);
	h->head_len = ad_rd_u32(&r);
	if (h->app_len > 4096 || h->peer_len > 4096 || h->local_len > 4096 ||
	    h->head_len > AD_HANDOFF_HEAD_MAX)
		return -EBADMSG;
	size_t total = AD_HANDOFF_HDR + h->app_len + h->peer_len + h->local_len + h->head_len;
	if (total != len)
		return -EBADMSG;
	const char *p = (const char *)buf + AD_HANDOFF_HDR;
	h->app_path = p;
	h->peer = p + h->app_len;
	h->local = h->peer + h->peer_len;
	h->head = (const uint8_t *)h->local + h->local_len;
	return 0;
}
