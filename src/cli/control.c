/*
 * appcmd: `start|stop site`, `start|stop|recycle apppool` and `list wp`,
 * which ask the running service (apphostd) over its control socket,
 * $APPHOST_RUN_DIR/control.sock (default /run/apphost/control.sock). They
 * never change the configuration: as on IIS, stop does not set autoStart
 * or serverAutoStart to false, so a stopped pool starts again with the
 * service.
 *
 * The object must exist (Cannot find APPPOOL object with identifier "X".,
 * exit 144) before the service is asked. When no service answers:
 *
 *   ERROR ( message:The apphost service is not available: cannot connect to
 *   "/run/apphost/control.sock" (No such file or directory). )      exit 50
 *
 * (one line; exit 50 as IIS when WAS is not available).
 *
 * Protocol (provisional, to be settled with apphostd; docs/appcmd/start.md):
 * one request line, "START APPPOOL <name>\n" (verbs START, STOP, RECYCLE;
 * types SITE, APPPOOL; "LIST WP\n"), answered by data lines and a final
 * status line, "OK" or "ERROR <hresult in hex> <message>" (printed as
 * IIS prints such failures: ERROR ( hresult:800710d8, message:Command
 * execution failed.\n<message>\n )). LIST WP's data lines are
 * "<pid> <pool name>". The identifier sent is the configuration's spelling.
 * Output on success:
 *
 *   "DefaultAppPool" successfully started.
 *   "DefaultAppPool" successfully stopped.
 *   "DefaultAppPool" successfully recycled.
 *   WP "3577" (applicationPool:DefaultAppPool)
 */
#include "cli.h"

#include "util/str.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <sys/un.h>
#include <unistd.h>

static int unavailable(ah_buf *out, const char *path, int err)
{
	if (!out)
		return CLI_EXIT_NOT_SUPPORTED; /* a quiet question (state): no message */
	return cli_error(out, CLI_EXIT_NOT_SUPPORTED,
			 "The apphost service is not available: cannot connect to \"%s\" (%s).",
			 path, strerror(err));
}

/* Send one request and read the whole answer into answer; status or 0. */
static int ask(ah_buf *out, const char *request, ah_buf *answer)
{
	const char *dir = getenv("APPHOST_RUN_DIR");
	char path[sizeof(((struct sockaddr_un *)0)->sun_path)];
	int n = snprintf(path, sizeof(path), "%s/control.sock", dir && *dir ? dir : "/run/apphost");
	if (n < 0 || (size_t)n >= sizeof(path))
		return unavailable(out, dir, ENAMETOOLONG);
	int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return unavailable(out, path, errno);
	struct sockaddr_un sa = {.sun_family = AF_UNIX};
	memcpy(sa.sun_path, path, (size_t)n + 1);
	struct timeval tv = {.tv_sec = out ? 30 : 2};
	setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
	setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv));
	if (connect(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0) {
		int err = errno;
		close(fd);
		return unavailable(out, path, err);
	}
	size_t len = strlen(request), off = 0;
	while (off < len) {
		ssize_t w = send(fd, request + off, len - off, MSG_NOSIGNAL);
		if (w <= 0) {
			int err = errno;
			close(fd);
			return unavailable(out, path, err);
		}
		off += (size_t)w;
	}
	shutdown(fd, SHUT_WR);
	char chunk[4096];
	ssize_t r;
	while ((r = recv(fd, chunk, sizeof(chunk), 0)) > 0 && answer->len < (1u << 24))
		ah_buf_put(answer, chunk, (size_t)r);
	int err = r < 0 ? errno : 0;
	close(fd);
	if (err)
		return unavailable(out, path, err);
	return 0;
}

/* The final status line of an answer: 0 for OK, else an exit status with
 * the service's error in out. *data ends where the status line begins. */
static int status_of(ah_buf *out, const ah_buf *answer, size_t *data)
{
	const char *s = ah_buf_cstr(answer);
	size_t end = answer->len;
	while (end && (s[end - 1] == '\n' || s[end - 1] == '\r'))
		end--;
	size_t start = end;
	while (start && s[start - 1] != '\n')
		start--;
	*data = start;
	const char *line = s + start;
	size_t ll = end - start;
	if (ll == 2 && strncmp(line, "OK", 2) == 0)
		return 0;
	if (ll > 6 && strncmp(line, "ERROR ", 6) == 0) {
		char *rest;
		unsigned long hr = strtoul(line + 6, &rest, 16);
		while (*rest == ' ')
			rest++;
		char text[1024];
		snprintf(text, sizeof(text), "%.*s", (int)(end - (size_t)(rest - s)), rest);
		return cli_error_failed(out, hr ? (uint32_t)hr : 0x80004005u, text);
	}
	return cli_error(out, CLI_EXIT_INVALID_DATA,
			 "The apphost service sent an answer appcmd does not understand.");
}

/* The object exists: its identifier as the configuration spells it goes
 * to canon; status or 0. */
static int must_exist(ah_buf *out, cli_args *a, const cli_kind *kind, const char *id,
		      char *canon, size_t size)
{
	ah_config *cfg;
	int status = 0;
	if (cli_open(&cfg, a, out, &status) < 0)
		return status;
	cli_objlist l;
	int rc = cli_objlist_init(&l);
	if (rc == 0)
		rc = cli_collect(&l, cfg, kind);
	if (rc < 0)
		status = cli_error_engine(out, rc);
	const cli_object *o = rc < 0 ? NULL : cli_objlist_find(&l, id);
	if (rc >= 0 && !o)
		status = cli_error_not_found(out, kind, id);
	else if (o)
		snprintf(canon, size, "%s", o->id);
	cli_objlist_free(&l);
	ah_config_free(cfg);
	return status;
}

int cli_control(ah_buf *out, cli_args *a, const cli_kind *kind)
{
	if (a->in)
		return cli_run_each_input(out, a, kind, cli_control);
	const char *id = a->ident ? a->ident : cli_args_take(a, kind->ident_param);
	if (!id)
		return cli_error_need_ident(out, kind, a->verb);
	for (size_t i = 0; i < a->nparams; i++)
		if (!a->params[i].used)
			return cli_error_unknown_attr(out, a->params[i].name);
	if (strpbrk(id, "\r\n"))
		return cli_error_not_found(out, kind, id);
	char canon[1024];
	int status = must_exist(out, a, kind, id, canon, sizeof(canon));
	if (status)
		return status;
	id = canon;
	char verb[16];
	size_t i = 0;
	for (; a->verb[i] && i + 1 < sizeof(verb); i++)
		verb[i] = (char)(a->verb[i] >= 'a' && a->verb[i] <= 'z' ? a->verb[i] - 32 : a->verb[i]);
	verb[i] = '\0';
	ah_buf req = AH_BUF_INIT, answer = AH_BUF_INIT;
	ah_buf_printf(&req, "%s %s %s\n", verb, kind->name, id);
	status = ah_buf_oom(&req) ? cli_error_engine(out, AH_ENOMEM)
				  : ask(out, ah_buf_cstr(&req), &answer);
	size_t data;
	if (!status)
		status = status_of(out, &answer, &data);
	if (!status) {
		const char *done = ah_strcaseeq(a->verb, "start")  ? "started"
				   : ah_strcaseeq(a->verb, "stop") ? "stopped"
								   : "recycled";
		ah_buf_printf(out, "\"%s\" successfully %s.\n", id, done);
	}
	ah_buf_free(&req);
	ah_buf_free(&answer);
	return status;
}

int cli_list_wp(ah_buf *out, cli_args *a, const cli_kind *kind)
{
	(void)kind;
	(void)a;
	ah_buf answer = AH_BUF_INIT;
	int status = ask(out, "LIST WP\n", &answer);
	size_t data = 0;
	if (!status)
		status = status_of(out, &answer, &data);
	const char *s = ah_buf_cstr(&answer);
	size_t shown = 0;
	for (size_t p = 0; !status && p < data;) {
		size_t e = p;
		while (e < data && s[e] != '\n')
			e++;
		const char *sp = memchr(s + p, ' ', e - p);
		if (sp) {
			ah_buf_printf(out, "WP \"%.*s\" (applicationPool:%.*s)\n", (int)(sp - s - p),
				      s + p, (int)(s + e - sp - 1), sp + 1);
			shown++;
		}
		p = e + 1;
	}
	ah_buf_free(&answer);
	return status ? status : shown ? 0 : 1;
}

/* Set after one failed connection: the service is not asked again by this
 * process (a list of many objects would wait for each). */
static bool no_service;

/* The runtime state of a site or pool as the running service reports it
 * (STATE SITE|APPPOOL <name>): one of Started, Stopped, Starting, Stopping,
 * Unknown; NULL when no service answers. */
const char *cli_control_state(const char *type, const char *name)
{
	static const char *const words[] = {"Started", "Stopped", "Starting", "Stopping",
					    "Unknown"};
	if (no_service)
		return NULL;
	ah_buf req = AH_BUF_INIT, answer = AH_BUF_INIT;
	ah_buf_printf(&req, "STATE %s %s\n", type, name);
	const char *state = NULL;
	if (ah_buf_oom(&req) || ask(NULL, ah_buf_cstr(&req), &answer) != 0) {
		no_service = true;
	} else {
		const char *s = ah_buf_cstr(&answer);
		size_t n = strcspn(s, "\r\n");
		for (size_t i = 0; i < sizeof(words) / sizeof(words[0]) && !state; i++)
			if (strlen(words[i]) == n && strncmp(s, words[i], n) == 0)
				state = words[i];
	}
	ah_buf_free(&req);
	ah_buf_free(&answer);
	return state;
}

/* What the pool's worker runs as (IDENTITY APPPOOL <name>): the text after
 * the pid of the first data line, "uid=N(name) gid=N(name) groups=...",
 * which is the current worker's, or what the next worker would run as when
 * none runs (its pid is "-"). NULL when no service answers, or one that
 * does not know the request. Heap memory (ah_free). */
char *cli_control_identity(const char *name)
{
	if (no_service)
		return NULL;
	ah_buf req = AH_BUF_INIT, answer = AH_BUF_INIT, error = AH_BUF_INIT;
	ah_buf_printf(&req, "IDENTITY APPPOOL %s\n", name);
	char *ident = NULL;
	size_t data = 0;
	if (ah_buf_oom(&req) || ask(NULL, ah_buf_cstr(&req), &answer) != 0) {
		no_service = true;
	} else if (status_of(&error, &answer, &data) == 0 && data > 0) {
		const char *s = ah_buf_cstr(&answer);
		size_t n = strcspn(s, "\r\n");
		const char *sp = memchr(s, ' ', n);
		if (sp)
			ident = ah_strndup(sp + 1, n - (size_t)(sp + 1 - s));
	}
	ah_buf_free(&req);
	ah_buf_free(&answer);
	ah_buf_free(&error); /* an older service does not know IDENTITY: no line */
	return ident;
}
