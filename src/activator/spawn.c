/*
 * fork and exec (see spawn.h). Between fork and exec the child calls only
 * async-signal-safe functions. A close-on-exec pipe carries the child's
 * errno back when something fails before or at exec; end of file on it
 * means the exec happened. A LocalService child gets its own network
 * namespace before its credentials drop (unsharing needs root); once they
 * have dropped it joins a new session keyring of its own, so that no key of
 * apphostd's session (an administrator's, when started by hand) is within
 * its reach.
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

#ifndef KEYCTL_JOIN_SESSION_KEYRING
#define KEYCTL_JOIN_SESSION_KEYRING 1 /* <linux/keyctl.h> */
#endif

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
	/* a session (and process group) of its own: apphostd kills the group */
	if (setsid() < 0)
		_exit(127);
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
	/* an anonymous session keyring, owned by the new user; a kernel
	 * without keys (or a seccomp filter) refuses: nothing to leave then */
#ifdef SYS_keyctl
	if (syscall(SYS_keyctl, KEYCTL_JOIN_SESSION_KEYRING, (char *)NULL) < 0 &&
	    errno != ENOSYS && errno != EPERM && errno != EACCES)
		fail(pipe_fd, errno);
#endif
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

/* The search path of every child, whatever apphostd's was. */
#define SAFE_PATH "PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"

/*
 * What a child may inherit from apphostd's environment: the locale and the
 * time zone, apphost's own variables (APPHOST_*: what the worker and the
 * configuration engine read — the system drive of %SystemDrive% and drive
 * letters, the schema folder, the PAM service — and what an administrator
 * names for %VAR% in expanded attributes such as physicalPath, as the
 * system environment reaches IIS's workers) and the sanitizers' options of
 * a test build; not the descriptors named APPHOST_..._FD. Everything else
 * (an administrator's shell, the service manager's credentials) stays
 * behind. A name ending in '_' is a prefix.
 */
static const char *const inherited[] = {
	"LANG", "LANGUAGE", "LC_", "TZ", "APPHOST_",
	"ASAN_OPTIONS", "UBSAN_OPTIONS", "LSAN_OPTIONS", NULL,
};

static bool named(const char *entry, const char *name, size_t n)
{
	return strncmp(entry, name, n) == 0 && entry[n] == '=';
}

static bool inherits(const char *entry, bool daemon_part)
{
	if (daemon_part && named(entry, "JOURNAL_STREAM", 14))
		return true;
	/* a descriptor handed to apphostd itself (APPHOST_..._FD) is never a child's */
	const char *eq = strchr(entry, '=');
	if (eq && eq - entry > 11 && strncmp(entry, "APPHOST_", 8) == 0 &&
	    strncmp(eq - 3, "_FD", 3) == 0)
		return false;
	for (int i = 0; inherited[i]; i++) {
		size_t n = strlen(inherited[i]);
		if (inherited[i][n - 1] == '_' ? strncmp(entry, inherited[i], n) == 0 &&
							 strchr(entry, '=')
					       : named(entry, inherited[i], n))
			return true;
	}
	return false;
}

/* Not replaced by an entry of set (the last of a name wins). */
static bool unset_by(const char *entry, const char *const *set, size_t nset)
{
	const char *eq = strchr(entry, '=');
	size_t n = eq ? (size_t)(eq - entry) : strlen(entry);
	for (size_t i = 0; i < nset; i++)
		if (named(set[i], entry, n))
			return false;
	return true;
}

char **ad_env_build(const char *const *set, size_t n, bool daemon_part)
{
	size_t count = 1;
	for (char **e = environ; e && *e; e++)
		count++;
	char **env = ah_calloc(count + n + 1, sizeof(*env));
	if (!env)
		return NULL;
	size_t k = 0;
	if (unset_by(SAFE_PATH, set, n) && !(env[k++] = ah_strdup(SAFE_PATH)))
		goto oom;
	for (char **e = environ; e && *e; e++)
		if (inherits(*e, daemon_part) && unset_by(*e, set, n) &&
		    !(env[k++] = ah_strdup(*e)))
			goto oom;
	for (size_t i = 0; i < n; i++)
		if (unset_by(set[i], set + i + 1, n - i - 1) && !(env[k++] = ah_strdup(set[i])))
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
