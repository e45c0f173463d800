/*
 * The control socket, $APPHOST_RUN_DIR/control.sock (mode 0660, root):
 * appcmd's way to WAS (docs/server.md, "Control protocol"). One request
 * line per connection; the name is the rest of the line, as the
 * configuration spells it (compared case-insensitively):
 *
 *   START SITE <name>       STOP SITE <name>       STATE SITE <name>
 *   START APPPOOL <name>    STOP APPPOOL <name>    STATE APPPOOL <name>
 *   RECYCLE APPPOOL <name>  IDENTITY APPPOOL <name>  LIST WP
 *
 * The answer is data lines, then a status line, "OK" or
 * "ERROR <hresult in hex> <message>". STATE's data line is the state word
 * (Started, Stopped); LIST WP's are "<pid> <pool name>"; IDENTITY's are
 * "<pid> uid=N(name) gid=N(name) groups=N(name),..." for each worker of the
 * pool, read from /proc, or "- uid=..." with what
 * the next worker would run as when none runs (wpident.h). The errors carry
 * the HRESULTs and texts IIS's appcmd shows:
 *   800710d8 The object identifier does not represent a valid object.
 *   80070420 An instance of the service is already running.
 *   80070426 The service has not been started.
 *   80070057 The parameter is incorrect.
 *
 * As in IIS, start and stop change the running state only, never the
 * configuration: after apphostd restarts, sites and pools start as
 * serverAutoStart and autoStart say. A site's start and stop reach the
 * router and every pool's routes file (pools.c): a worker gives a
 * kept-alive request for a stopped site back to the router, which answers
 * it as HTTP.sys does (404 when no started site's binding matches).
 */
#include "daemon.h"
#include "wpident.h"

#include "common/log.h"
#include "util/alloc.h"
#include "util/buf.h"
#include "util/str.h"

#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#define CLIENT_MS 5000

#define E_NOT_VALID "ERROR 800710d8 The object identifier does not represent a valid object."
#define E_RUNNING "ERROR 80070420 An instance of the service is already running."
#define E_NOT_STARTED "ERROR 80070426 The service has not been started."
#define E_PARAM "ERROR 80070057 The parameter is incorrect."

int ad_control_start(ad_daemon *d)
{
	char *path = ad_run_path(d, "control.sock");
	if (!path)
		return -ENOMEM;
	struct sockaddr_un sa = {.sun_family = AF_UNIX};
	if (strlen(path) >= sizeof(sa.sun_path)) {
		ad_log(AD_LOG_ERR, "control socket path too long: %s", path);
		ah_free(path);
		return -ENAMETOOLONG;
	}
	memcpy(sa.sun_path, path, strlen(path) + 1);
	unlink(path); /* we hold the pid file lock: any socket there is stale */
	int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	mode_t old = umask(0117);
	int rc = fd < 0 || bind(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0 ? -errno : 0;
	umask(old);
	if (rc == 0 && (chmod(path, 0660) < 0 || listen(fd, 16) < 0))
		rc = -errno;
	if (rc == 0 && ad_epoll(d, EPOLL_CTL_ADD, fd, EPOLLIN, &d->control) < 0)
		rc = -errno;
	if (rc < 0) {
		ad_log(AD_LOG_ERR, "cannot open the control socket %s: %s", path, strerror(-rc));
		if (fd >= 0)
			close(fd);
		ah_free(path);
		return rc;
	}
	ah_free(path);
	d->control.fd = fd;
	return 0;
}

void ad_control_stop(ad_daemon *d)
{
	while (d->clients) {
		ad_client *c = d->clients;
		d->clients = c->next;
		close(c->fd);
		ah_free(c);
	}
	if (d->control.fd < 0)
		return;
	close(d->control.fd);
	d->control.fd = -1;
	char *path = ad_run_path(d, "control.sock");
	if (path)
		unlink(path);
	ah_free(path);
}

static void client_close(ad_daemon *d, ad_client *c)
{
	for (ad_client **pc = &d->clients; *pc; pc = &(*pc)->next) {
		if (*pc == c) {
			*pc = c->next;
			break;
		}
	}
	close(c->fd);
	ah_free(c);
}

void ad_control_accept(ad_daemon *d)
{
	for (int i = 0; i < 16; i++) {
		int fd = accept4(d->control.fd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC);
		if (fd < 0)
			return;
		ad_client *c = ah_calloc(1, sizeof(*c));
		if (!c) {
			close(fd);
			continue;
		}
		c->kind = AD_K_CLIENT;
		c->fd = fd;
		c->deadline_ms = d->now_ms + CLIENT_MS;
		c->next = d->clients;
		d->clients = c;
		if (ad_epoll(d, EPOLL_CTL_ADD, fd, EPOLLIN, c) < 0)
			client_close(d, c);
	}
}

static const char *site_verb(ad_daemon *d, const char *verb, const char *name)
{
	const ad_site *ms = ad_model_site(d->model, name);
	ad_site_state *s = ms ? ad_site_find(d, ms->id) : NULL;
	if (!s)
		return E_NOT_VALID;
	if (ah_strcaseeq(verb, "STATE"))
		return s->state == AD_STARTED ? "Started\nOK" : "Stopped\nOK";
	enum ad_state want = ah_strcaseeq(verb, "START") ? AD_STARTED : AD_STOPPED;
	if (!ah_strcaseeq(verb, "START") && !ah_strcaseeq(verb, "STOP"))
		return E_PARAM;
	if (s->state == want)
		return want == AD_STARTED ? E_RUNNING : E_NOT_STARTED;
	s->state = want;
	ad_router_site_state(d, s);
	/* the workers' kept-alive connections follow the state (route.c) */
	for (ad_pool *p = d->pools; p; p = p->next)
		if (ad_pool_write_routes(d, p) < 0)
			ad_log(AD_LOG_WARN, "site '%s': the routes file of application pool "
					    "'%s' cannot be rewritten; its worker may serve the "
					    "site's kept-alive connections still",
			       ms->name, p->name);
	ad_log(AD_LOG_INFO, "site '%s' %s", ms->name, want == AD_STARTED ? "started" : "stopped");
	return "OK";
}

static const char *pool_verb(ad_daemon *d, const char *verb, const char *name)
{
	ad_pool *p = ad_pool_find(d, name);
	if (!p)
		return E_NOT_VALID;
	if (ah_strcaseeq(verb, "STATE"))
		return p->state == AD_STARTED ? "Started\nOK" : "Stopped\nOK";
	int rc;
	if (ah_strcaseeq(verb, "START"))
		rc = ad_pool_start(d, p);
	else if (ah_strcaseeq(verb, "STOP"))
		rc = ad_pool_stop(d, p);
	else if (ah_strcaseeq(verb, "RECYCLE"))
		rc = ad_pool_recycle(d, p);
	else
		return E_PARAM;
	return rc == AH_EEXISTS ? E_RUNNING : rc < 0 ? E_NOT_STARTED : "OK";
}

static void list_wp(ad_daemon *d, ah_buf *out)
{
	for (ad_worker *w = d->workers; w; w = w->next)
		if (!w->stopping && w->pool)
			ah_buf_printf(out, "%ld %s\n", (long)w->pid, w->pool->name);
	ah_buf_puts(out, "OK");
}

/* "VERB TYPE NAME": the verb and the type are words, the name is the rest. */
static void answer(ad_daemon *d, char *line, ah_buf *out)
{
	char *verb = line, *type = strchr(verb, ' ');
	if (type)
		*type++ = '\0';
	char *name = type ? strchr(type, ' ') : NULL;
	if (name)
		*name++ = '\0';
	if (type && !name && ah_strcaseeq(verb, "LIST") && ah_strcaseeq(type, "WP")) {
		list_wp(d, out);
		return;
	}
	if (!name || !*name || strpbrk(name, "\r\n")) {
		ah_buf_puts(out, E_PARAM);
		return;
	}
	if (ah_strcaseeq(type, "APPPOOL") && ah_strcaseeq(verb, "IDENTITY")) {
		ad_pool *p = ad_pool_find(d, name);
		if (p)
			ad_wp_identity(out, d, p);
		ah_buf_puts(out, p ? "OK" : E_NOT_VALID);
	} else if (ah_strcaseeq(type, "SITE"))
		ah_buf_puts(out, site_verb(d, verb, name));
	else if (ah_strcaseeq(type, "APPPOOL"))
		ah_buf_puts(out, pool_verb(d, verb, name));
	else
		ah_buf_puts(out, E_PARAM);
}

static void reply(ad_daemon *d, ad_client *c, const char *text, size_t len)
{
	/* a few short lines: written blocking, within a second at most */
	struct timeval tv = {1, 0};
	int fl = fcntl(c->fd, F_GETFL);
	if (fl >= 0)
		fcntl(c->fd, F_SETFL, fl & ~O_NONBLOCK);
	setsockopt(c->fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv));
	size_t off = 0;
	while (off < len) {
		ssize_t n = send(c->fd, text + off, len - off, MSG_NOSIGNAL);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			break;
		off += (size_t)n;
	}
	client_close(d, c);
}

void ad_client_event(ad_daemon *d, ad_client *c)
{
	ssize_t n = recv(c->fd, c->buf + c->len, sizeof(c->buf) - 1 - c->len, MSG_DONTWAIT);
	if (n < 0 && (errno == EAGAIN || errno == EINTR))
		return;
	if (n < 0 || (n == 0 && c->len == 0)) {
		client_close(d, c);
		return;
	}
	c->len += (size_t)n;
	c->buf[c->len] = '\0';
	char *nl = memchr(c->buf, '\n', c->len);
	if (!nl && n == 0)
		nl = c->buf + c->len; /* the client shut down its side: the line ends */
	if (!nl) {
		if (c->len == sizeof(c->buf) - 1)
			reply(d, c, E_PARAM "\n", sizeof(E_PARAM));
		return;
	}
	*nl = '\0';
	size_t len = (size_t)(nl - c->buf);
	if (len && c->buf[len - 1] == '\r')
		c->buf[--len] = '\0';
	if (strlen(c->buf) != len) { /* a NUL inside the line */
		reply(d, c, E_PARAM "\n", sizeof(E_PARAM));
		return;
	}
	ah_buf out = AH_BUF_INIT;
	answer(d, c->buf, &out);
	ah_buf_putc(&out, '\n');
	if (ah_buf_oom(&out))
		client_close(d, c);
	else
		reply(d, c, ah_buf_cstr(&out), out.len);
	ah_buf_free(&out);
}

void ad_control_timers(ad_daemon *d)
{
	for (ad_client *c = d->clients, *next; c; c = next) {
		next = c->next;
		if (d->now_ms >= c->deadline_ms)
			client_close(d, c);
	}
}
