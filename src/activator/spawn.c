/*
 * fork and exec (see spawn.h). Between fork and exec the child calls only
 * async-signal-safe functions. A close-on-exec pipe carries the child's
 * errno back when something fails before or at exec; end of file on it
 * means the exec happened. A LocalService child gets its own network
 * namespace before its credentials drop (unsharing needs root).
 */
#include "spawn.h"

#include "util/alloc.h"

#include <errno.h>
#include <stdbool.h>
#include <fcntl.h>
#include <net/if.h>
#include <sched.h>
#include <signal.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <unistd.h>

static void fail(int pipe_fd, int err)
{
	ssize_t w = write(pipe_fd, &err, sizeof(err));
	(void)w;
	_exit(127);
}

static void close_from(int lowfd)
{
#ifdef SYS_close_range
	if (syscall(SYS_close_range, (unsigned)lowfd, ~0U, 0) == 0)
		return;
#endif
	long max = sysconf(_SC_OPEN_MAX);
	for (long fd = lowfd; fd < (max > 0 ? max : 65536); fd++)
		close((int)fd);
}

/*
 * LocalService: a network namespace of its own, where only the loopback
 * interface exists (and is brought up), so nothing outside can be reached.
 * Sockets passed in (the connections, the channels) belong to the namespace
 * they were made in and go on working. 0 or -errno.
 */
static int own_network(void)
{
	if (unshare(CLONE_NEWNET) < 0)
		return -errno;
	int fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -errno;
	struct ifreq ifr;
	memset(&ifr, 0, sizeof(ifr));
	memcpy(ifr.ifr_name, "lo", 3);
	int rc = 0;
	if (ioctl(fd, SIOCGIFFLAGS, &ifr) < 0)
		rc = -errno;
	ifr.ifr_flags |= IFF_UP | IFF_RUNNING;
	if (rc == 0 && ioctl(fd, SIOCSIFFLAGS, &ifr) < 0)
		rc = -errno;
	close(fd);
	return rc;
}

static void child(const ad_spawn *s, int pipe_fd, pid_t parent)
{
	sigset_t all;
	sigemptyset(&all);
	sigprocmask(SIG_SETMASK, &all, NULL);
	for (int sig = 1; sig < NSIG; sig++)
		signal(sig, SIG_DFL);
	setsid();
	/* the pipe and the sources move above the targets, then down */
	int top = 3 + (int)s->nfds;
	pipe_fd = fcntl(pipe_fd, F_DUPFD_CLOEXEC, top + (int)s->nfds);
	if (pipe_fd < 0)
		_exit(127);
	int moved[AD_SPAWN_MAX_FDS];
	if (s->nfds > AD_SPAWN_MAX_FDS)
		fail(pipe_fd, E2BIG);
	for (size_t i = 0; i < s->nfds; i++) {
		moved[i] = fcntl(s->fds[i], F_DUPFD, top);
		if (moved[i] < 0)
			fail(pipe_fd, errno);
	}
	for (size_t i = 0; i < s->nfds; i++)
		if (dup2(moved[i], 3 + (int)i) < 0)
			fail(pipe_fd, errno);
	for (size_t i = 0; i < s->nfds; i++)
		if (moved[i] != pipe_fd)
			close(moved[i]);
	int null = open("/dev/null", O_RDONLY);
	if (null < 0 || dup2(null, 0) < 0)
		fail(pipe_fd, errno);
	if (null > 2)
		close(null);
	/* close everything else except the pipe, which closes at exec */
	int hi = pipe_fd;
	for (int fd = top; fd < hi; fd++)
		close(fd);
	close_from(hi + 1);
	int rc = s->creds->no_network ? own_network() : 0;
	if (rc == 0)
		rc = ad_creds_apply(s->creds);
	if (rc < 0)
		fail(pipe_fd, -rc);
	if (prctl(PR_SET_PDEATHSIG, SIGKILL, 0, 0, 0) < 0 || getppid() != parent)
		fail(pipe_fd, ESRCH);
	if (chdir("/") < 0)
		fail(pipe_fd, errno);
	execve(s->path, s->argv, s->envp);
	fail(pipe_fd, errno);
}

int ad_spawn_run(const ad_spawn *s, pid_t *pid)
{
	int p[2];
	if (pipe2(p, O_CLOEXEC) < 0)
		return -errno;
	pid_t parent = getpid();
	pid_t c = fork();
	if (c < 0) {
		int e = errno;
		close(p[0]);
		close(p[1]);
		return -e;
	}
	if (c == 0) {
		close(p[0]);
		child(s, p[1], parent);
	}
	close(p[1]);
	int err = 0;
	ssize_t n;
	do
		n = read(p[0], &err, sizeof(err));
	while (n < 0 && errno == EINTR);
	close(p[0]);
	if (n == (ssize_t)sizeof(err)) {
		/* the child exits at once; the caller reaps it with the others */
		*pid = c;
		return -(err ? err : EIO);
	}
	*pid = c;
	return 0;
}

extern char **environ;

static const char *const dropped[] = {
	"APPHOST_LISTEN_FDS", "APPHOST_ROUTER_FD", "APPHOST_WORKER_FD", "APPHOST_CONN_FD",
	"APPHOST_LOGON_FD", "APPHOST_BROKER_FD",
	"APP_POOL_ID", "APP_POOL_CONFIG", "NOTIFY_SOCKET", "LISTEN_PID", "LISTEN_FDS",
	"LISTEN_FDNAMES", "WATCHDOG_PID", "WATCHDOG_USEC", NULL,
};

static bool named(const char *entry, const char *name, size_t n)
{
	return strncmp(entry, name, n) == 0 && entry[n] == '=';
}

static bool keep(const char *entry, const char *const *set, size_t nset)
{
	for (int i = 0; dropped[i]; i++)
		if (named(entry, dropped[i], strlen(dropped[i])))
			return false;
	for (size_t i = 0; i < nset; i++) {
		const char *eq = strchr(set[i], '=');
		if (eq && named(entry, set[i], (size_t)(eq - set[i])))
			return false;
	}
	return true;
}

char **ad_env_build(const char *const *set, size_t n)
{
	size_t count = 0;
	for (char **e = environ; e && *e; e++)
		count++;
	char **env = ah_calloc(count + n + 1, sizeof(*env));
	if (!env)
		return NULL;
	size_t k = 0;
	for (char **e = environ; e && *e; e++)
		if (keep(*e, set, n) && !(env[k++] = ah_strdup(*e)))
			goto oom;
	for (size_t i = 0; i < n; i++)
		if (!(env[k++] = ah_strdup(set[i])))
			goto oom;
	return env;
oom:
	ad_env_free(env);
	return NULL;
}

void ad_env_free(char **env)
{
	if (!env)
		return;
	for (char **e = env; *e; e++)
		ah_free(*e);
	ah_free(env);
}
