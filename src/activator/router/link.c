/*
 * The router's side of the router channel (common/proto.h): the routing
 * table, listening sockets, workers and pool states that apphostd sends,
 * and the start requests and acknowledgements the router sends back.
 * A malformed message from apphostd ends the router: apphostd starts a new
 * one.
 */
#include "router.h"

#include "apphost/errors.h"
#include "common/log.h"
#include "util/alloc.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <unistd.h>

#define NAME_MAX_LEN 4096

int rt_link_demand(rt_router *r, rt_pool *p)
{
	ad_msg m;
	ad_msg_begin(&m, AD_R_DEMAND);
	ad_msg_str(&m, p->name);
	if (m.bad)
		return -EINVAL;
	return ad_send(r->link.fd, m.b, m.len, -1, MSG_DONTWAIT);
}

void rt_link_worker_bad(rt_router *r, uint32_t id)
{
	ad_msg m;
	ad_msg_begin(&m, AD_R_WORKER_BAD);
	ad_msg_u32(&m, id);
	ad_send(r->link.fd, m.b, m.len, -1, MSG_DONTWAIT);
}

static void ack_unlisten(rt_router *r, const char *key)
{
	ad_msg m;
	ad_msg_begin(&m, AD_R_UNLISTENED);
	ad_msg_str(&m, key);
	if (!m.bad)
		ad_send(r->link.fd, m.b, m.len, -1, MSG_DONTWAIT);
}

int rt_listener_add(rt_router *r, int fd)
{
	rt_listener *l = ah_calloc(1, sizeof(*l));
	if (!l)
		return -ENOMEM;
	l->kind = RT_K_LISTEN;
	l->fd = fd;
	int fl = fcntl(fd, F_GETFL);
	if (fl < 0 || fcntl(fd, F_SETFL, fl | O_NONBLOCK) < 0 ||
	    fcntl(fd, F_SETFD, FD_CLOEXEC) < 0 || ad_listen_key(l->key, sizeof(l->key), fd) < 0 ||
	    rt_epoll(r, EPOLL_CTL_ADD, fd, EPOLLIN, l) < 0) {
		ah_free(l);
		return -EINVAL;
	}
	l->next = r->listeners;
	r->listeners = l;
	return 0;
}

static void unlisten(rt_router *r, const char *key)
{
	for (rt_listener **pl = &r->listeners; *pl; pl = &(*pl)->next) {
		rt_listener *l = *pl;
		if (strcmp(l->key, key) != 0)
			continue;
		*pl = l->next;
		epoll_ctl(r->ep, EPOLL_CTL_DEL, l->fd, NULL);
		close(l->fd);
		l->fd = -1;
		l->next = r->dead_listeners;
		r->dead_listeners = l;
		break;
	}
	ack_unlisten(r, key);
}

static int table_begin(rt_router *r, ad_rd *rd)
{
	uint32_t gen = ad_rd_u32(rd);
	uint32_t wait = ad_rd_u32(rd);
	if (!ad_rd_done(rd))
		return -EBADMSG;
	rt_table_free(r->staging);
	r->staging = rt_table_new(gen, wait);
	return r->staging ? 0 : -ENOMEM;
}

static int table_end(rt_router *r)
{
	if (!r->staging)
		return -EBADMSG;
	rt_table_finish(r->staging);
	rt_table *old = r->table;
	r->table = r->staging;
	r->staging = NULL;
	int rc = rt_pools_sync(r);
	rt_table_free(old);
	return rc;
}

/* Table entries: a duplicate is ignored (apphostd logged it). */
static int table_entry(rt_router *r, int type, ad_rd *rd)
{
	static char a[NAME_MAX_LEN], b[NAME_MAX_LEN], c[NAME_MAX_LEN];
	if (!r->staging)
		return -EBADMSG;
	int rc = 0;
	if (type == AD_R_POOL) {
		ad_rd_str(rd, a, sizeof(a));
		uint32_t q = ad_rd_u32(rd);
		uint8_t started = ad_rd_u8(rd);
		if (!ad_rd_done(rd))
			return -EBADMSG;
		rc = rt_table_add_pool(r->staging, a, q, started != 0);
	} else if (type == AD_R_SITE) {
		uint32_t id = ad_rd_u32(rd);
		ad_rd_str(rd, a, sizeof(a));
		uint8_t started = ad_rd_u8(rd);
		if (!ad_rd_done(rd))
			return -EBADMSG;
		rc = rt_table_add_site(r->staging, id, a, started != 0);
	} else if (type == AD_R_BINDING) {
		uint32_t id = ad_rd_u32(rd);
		ad_rd_str(rd, a, sizeof(a));
		uint16_t port = ad_rd_u16(rd);
		ad_rd_str(rd, b, sizeof(b));
		if (!ad_rd_done(rd))
			return -EBADMSG;
		rc = rt_table_add_binding(r->staging, id, a, port, b);
	} else {
		uint32_t id = ad_rd_u32(rd);
		ad_rd_str(rd, a, sizeof(a));
		ad_rd_str(rd, c, sizeof(c));
		if (!ad_rd_done(rd))
			return -EBADMSG;
		rc = rt_table_add_app(r->staging, id, a, c);
	}
	return rc == AH_ENOMEM ? -ENOMEM : 0;
}

static int pool_message(rt_router *r, int type, ad_rd *rd, int fd)
{
	char name[NAME_MAX_LEN];
	ad_rd_str(rd, name, sizeof(name));
	uint8_t started = type == AD_R_POOL_STATE ? ad_rd_u8(rd) : 0;
	uint32_t id = type == AD_R_WORKER || type == AD_R_WORKER_GONE ? ad_rd_u32(rd) : 0;
	if (!ad_rd_done(rd) || (type == AD_R_WORKER) != (fd >= 0))
		return -EBADMSG;
	rt_pool *p = rt_pool_find(r, name);
	if (!p) {
		if (fd >= 0)
			close(fd);
		return 0;
	}
	switch (type) {
	case AD_R_WORKER:
		rt_pool_set_worker(r, p, id, fd);
		break;
	case AD_R_WORKER_GONE:
		rt_pool_worker_gone(r, p, id);
		break;
	case AD_R_POOL_STATE:
		p->started = started != 0;
		if (!p->started)
			rt_pool_fail_queue(r, p);
		break;
	case AD_R_START_FAILED:
		p->demanded = false;
		p->demand_unsent = false;
		rt_pool_fail_queue(r, p);
		break;
	}
	return 0;
}

static int site_state(rt_router *r, ad_rd *rd)
{
	uint32_t id = ad_rd_u32(rd);
	uint8_t started = ad_rd_u8(rd);
	if (!ad_rd_done(rd))
		return -EBADMSG;
	rt_site *s = r->table ? rt_table_site(r->table, id) : NULL;
	if (s)
		s->started = started != 0;
	return 0;
}

static int handle(rt_router *r, const uint8_t *buf, size_t len, int fd)
{
	if (len < 2 || buf[0] != AD_PROTO_VERSION)
		return -EBADMSG;
	int type = buf[1];
	ad_rd rd;
	ad_rd_init(&rd, buf + 2, len - 2);
	if (fd >= 0 && type != AD_R_LISTEN && type != AD_R_WORKER)
		return -EBADMSG;
	char key[AD_ADDR_TEXT_MAX];
	switch (type) {
	case AD_R_TABLE_BEGIN:
		return table_begin(r, &rd);
	case AD_R_POOL:
	case AD_R_SITE:
	case AD_R_BINDING:
	case AD_R_APP:
		return table_entry(r, type, &rd);
	case AD_R_TABLE_END:
		return ad_rd_done(&rd) ? table_end(r) : -EBADMSG;
	case AD_R_LISTEN:
		ad_rd_str(&rd, key, sizeof(key));
		if (!ad_rd_done(&rd) || fd < 0)
			return -EBADMSG;
		if (rt_listener_add(r, fd) < 0) {
			ad_log(AD_LOG_ERR, "cannot listen on %s", key);
			close(fd);
		}
		return 0;
	case AD_R_UNLISTEN:
		ad_rd_str(&rd, key, sizeof(key));
		if (!ad_rd_done(&rd))
			return -EBADMSG;
		unlisten(r, key);
		return 0;
	case AD_R_WORKER:
	case AD_R_WORKER_GONE:
	case AD_R_POOL_STATE:
	case AD_R_START_FAILED:
		return pool_message(r, type, &rd, fd);
	case AD_R_SITE_STATE:
		return site_state(r, &rd);
	default:
		return -EBADMSG;
	}
}

void rt_link_event(rt_router *r)
{
	for (;;) {
		int fd;
		ssize_t n = ad_recv(r->link.fd, r->msg, AD_MSG_MAX, &fd, MSG_DONTWAIT);
		if (n == -EAGAIN)
			return;
		if (n == 0) {
			ad_log(AD_LOG_INFO, "apphostd closed the router channel; exiting");
			exit(0);
		}
		int rc = n < 0 ? (int)n : handle(r, r->msg, (size_t)n, fd);
		if (rc == -EBADMSG) {
			if (fd >= 0)
				close(fd);
			ad_log(AD_LOG_ERR, "malformed message from apphostd; exiting");
			exit(1);
		}
		if (rc < 0) {
			ad_log(AD_LOG_ERR, "router channel: %s; exiting", strerror(-rc));
			exit(1);
		}
	}
}
