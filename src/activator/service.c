/*
 * Running as a service: the daemon mode (without -f), the pid file that
 * keeps a second apphostd away from the same run folder, and systemd's
 * readiness protocol (sd_notify(3): a datagram to $NOTIFY_SOCKET), used by
 * etc/apphostd.service (Type=notify).
 */
#include "daemon.h"

#include "common/log.h"
#include "util/alloc.h"

#include <errno.h>
#include <fcntl.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

/*
 * Detach: the parent waits until the child says it is ready (or failed),
 * so that `apphostd` returns once the sockets are bound, with a status that
 * says whether it started. Returns 0 in the child, with the pipe to signal
 * readiness on; the parent exits here.
 */
int ad_service_daemonize(int *ready_fd)
{
	int p[2];
	if (pipe2(p, O_CLOEXEC) < 0)
		return -errno;
	pid_t pid = fork();
	if (pid < 0)
		return -errno;
	if (pid > 0) {
		close(p[1]);
		char c = 0;
		ssize_t n;
		do
			n = read(p[0], &c, 1);
		while (n < 0 && errno == EINTR);
		_exit(n == 1 && c == 'R' ? 0 : 1);
	}
	close(p[0]);
	setsid();
	int null = open("/dev/null", O_RDWR);
	if (null >= 0) {
		dup2(null, 0);
		dup2(null, 1);
		dup2(null, 2);
		if (null > 2)
			close(null);
	}
	*ready_fd = p[1];
	return 0;
}

void ad_service_ready(int ready_fd)
{
	if (ready_fd >= 0) {
		ssize_t w = write(ready_fd, "R", 1);
		(void)w;
		close(ready_fd);
	}
	ad_service_notify("READY=1\nSTATUS=serving");
}

int ad_service_lock(const ad_daemon *d)
{
	char *path = ad_run_path(d, "apphostd.pid");
	if (!path)
		return -ENOMEM;
	int fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0644);
	if (fd < 0) {
		ad_log(AD_LOG_ERR, "cannot open %s: %s", path, strerror(errno));
		ah_free(path);
		return -errno;
	}
	if (flock(fd, LOCK_EX | LOCK_NB) < 0) {
		char other[32] = "";
		ssize_t n = read(fd, other, sizeof(other) - 1);
		other[n > 0 ? n : 0] = '\0';
		other[strcspn(other, "\n")] = '\0';
		ad_log(AD_LOG_ERR, "apphostd is already running with the run folder %s (pid %s)",
		       d->run_dir, *other ? other : "?");
		close(fd);
		ah_free(path);
		return -EEXIST;
	}
	char pid[32];
	int n = snprintf(pid, sizeof(pid), "%ld\n", (long)getpid());
	if (ftruncate(fd, 0) < 0 || write(fd, pid, (size_t)n) != n)
		ad_log(AD_LOG_WARN, "cannot write %s", path);
	ah_free(path);
	return fd; /* kept open (and locked) until exit */
}

void ad_service_notify(const char *state)
{
	const char *sock = getenv("NOTIFY_SOCKET");
	if (!sock || (sock[0] != '/' && sock[0] != '@'))
		return;
	struct sockaddr_un sa = {.sun_family = AF_UNIX};
	size_t n = strlen(sock);
	if (n >= sizeof(sa.sun_path))
		return;
	memcpy(sa.sun_path, sock, n);
	if (sa.sun_path[0] == '@')
		sa.sun_path[0] = '\0';
	int fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return;
	sendto(fd, state, strlen(state), MSG_NOSIGNAL, (struct sockaddr *)&sa,
	       (socklen_t)(offsetof(struct sockaddr_un, sun_path) + n));
	close(fd);
}
