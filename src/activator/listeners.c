/*
 * The listening sockets (see binding.h for which ones). apphostd binds them
 * as root and keeps a copy of each, so that a restarted router gets them
 * again; the router gets a new one in a LISTEN message and gives one up on
 * UNLISTEN. A socket that cannot be bound now (the port is in use: often
 * by the socket it replaces, which the router is still closing) is tried
 * again when the router confirms a close, and at the next change. When
 * apphostd stops, every socket goes first, so that new connections are
 * refused while the workers finish what they were given.
 */
#include "daemon.h"

#include "binding.h"
#include "common/log.h"
#include "util/alloc.h"

#include <string.h>
#include <unistd.h>

/* Every binding's key, once each. *keys: heap array of pointers into buf. */
static size_t wanted_keys(const ad_model *m, char (**keys)[64])
{
	size_t n = 0, cap = 0;
	*keys = NULL;
	for (size_t i = 0; i < m->nsites; i++) {
		for (size_t j = 0; j < m->sites[i].nbindings; j++) {
			char k[64];
			ad_binding_key(&m->sites[i].bindings[j], k, sizeof(k));
			bool dup = false;
			for (size_t x = 0; x < n && !dup; x++)
				dup = strcmp((*keys)[x], k) == 0;
			if (dup)
				continue;
			if (n == cap) {
				size_t c = cap ? cap * 2 : 16;
				char(*nk)[64] = ah_realloc(*keys, c * sizeof(**keys));
				if (!nk)
					return n;
				*keys = nk;
				cap = c;
			}
			memcpy((*keys)[n++], k, sizeof(k));
		}
	}
	return n;
}

static void send_key(ad_daemon *d, int type, const char *key, int fd)
{
	if (d->router.fd < 0)
		return;
	ad_msg m;
	ad_msg_begin(&m, (uint8_t)type);
	ad_msg_str(&m, key);
	ad_router_send(d, &m, fd);
}

/* Unlink *pl, tell the router to close its copy, close ours. */
static void drop(ad_daemon *d, ad_listen **pl)
{
	ad_listen *l = *pl;
	*pl = l->next;
	ad_log(AD_LOG_INFO, "no longer listening on %s", l->key);
	send_key(d, AD_R_UNLISTEN, l->key, -1);
	close(l->fd);
	ah_free(l);
}

void ad_listeners_sync(ad_daemon *d)
{
	char(*keys)[64];
	size_t n = wanted_keys(d->model, &keys);
	const char **ptrs = ah_calloc(n ? n : 1, sizeof(*ptrs));
	if (!ptrs) {
		ah_free(keys);
		return;
	}
	for (size_t i = 0; i < n; i++)
		ptrs[i] = keys[i];
	/* close first: a wildcard socket may replace the sockets of its port */
	for (ad_listen **pl = &d->listens; *pl;) {
		if (ad_listen_key_wanted((*pl)->key, ptrs, n))
			pl = &(*pl)->next;
		else
			drop(d, pl);
	}
	for (size_t i = 0; i < n; i++) {
		if (!ad_listen_key_wanted(keys[i], ptrs, n))
			continue;
		bool have = false;
		for (ad_listen *l = d->listens; l && !have; l = l->next)
			have = strcmp(l->key, keys[i]) == 0;
		if (have)
			continue;
		int fd = ad_listen_open(keys[i]);
		if (fd < 0) {
			ad_log(AD_LOG_ERR, "cannot listen on %s: %s; its bindings are not served "
					   "until it can",
			       keys[i], strerror(-fd));
			continue;
		}
		ad_listen *l = ah_calloc(1, sizeof(*l));
		if (!l) {
			close(fd);
			continue;
		}
		memcpy(l->key, keys[i], sizeof(l->key));
		l->fd = fd;
		l->next = d->listens;
		d->listens = l;
		ad_log(AD_LOG_INFO, "listening on %s", l->key);
		send_key(d, AD_R_LISTEN, l->key, fd);
	}
	ah_free(ptrs);
	ah_free(keys);
}

void ad_listeners_unlistened(ad_daemon *d, const char *key)
{
	(void)key;
	if (!d->stopping)
		ad_listeners_sync(d);
}

void ad_listeners_close_all(ad_daemon *d)
{
	while (d->listens)
		drop(d, &d->listens);
}
