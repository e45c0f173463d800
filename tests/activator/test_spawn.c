/*
 * Unit tests of starting a child (src/activator/spawn.c): the descriptors
 * given arrive as 3, 4, … and nothing else is open; stdin is /dev/null; the
 * environment is apphostd's minus its own descriptors' variables, plus the
 * given ones; a failed exec is reported by the call itself.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include "spawn.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

static void test_fds_and_env(void **state)
{
	(void)state;
	int out[2], extra[2];
	assert_int_equal(pipe2(out, O_CLOEXEC), 0);
	assert_int_equal(pipe(extra), 0); /* not close-on-exec, and not given: closed */
	setenv("APPHOST_ROUTER_FD", "9", 1);
	setenv("KEEP_ME", "yes", 1);
	const char *set[] = {"GIVEN=1", "KEEP_ME=replaced"};
	char **env = ad_env_build(set, 2);
	assert_non_null(env);
	char *argv[] = {"/bin/sh", "-c",
			"echo fds $(ls /proc/self/fd | sort -n | tr '\\n' ' ');"
			"echo env ${APPHOST_ROUTER_FD:-none} $GIVEN $KEEP_ME >&3;"
			"read x || echo stdin empty >&3",
			NULL};
	int fds[1] = {out[1]};
	ad_creds c = {.change = false};
	ad_spawn s = {.path = "/bin/sh", .argv = argv, .envp = env, .fds = fds, .nfds = 1, .creds = &c};
	pid_t pid;
	/* stdout of the child is ours: send it to the pipe too */
	int saved = dup(1);
	dup2(out[1], 1);
	assert_int_equal(ad_spawn_run(&s, &pid), 0);
	dup2(saved, 1);
	close(saved);
	close(out[1]);
	char buf[512] = "";
	size_t len = 0;
	ssize_t n;
	while ((n = read(out[0], buf + len, sizeof(buf) - 1 - len)) > 0)
		len += (size_t)n;
	buf[len] = '\0';
	int status;
	assert_int_equal(waitpid(pid, &status, 0), pid);
	/* ls itself opens one more descriptor (its directory) */
	assert_non_null(strstr(buf, "fds 0 1 2 3 "));
	assert_null(strstr(buf, "fds 0 1 2 3 4 5"));
	assert_non_null(strstr(buf, "env none 1 replaced"));
	assert_non_null(strstr(buf, "stdin empty"));
	ad_env_free(env);
	close(out[0]);
	close(extra[0]);
	close(extra[1]);
}

static void test_exec_failure(void **state)
{
	(void)state;
	char *argv[] = {"/nonexistent/program", NULL};
	char *envp[] = {NULL};
	ad_creds c = {.change = false};
	ad_spawn s = {.path = argv[0], .argv = argv, .envp = envp, .creds = &c};
	pid_t pid = -1;
	assert_int_equal(ad_spawn_run(&s, &pid), -ENOENT);
	int status;
	assert_int_equal(waitpid(pid, &status, 0), pid);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_fds_and_env),
		cmocka_unit_test(test_exec_failure),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
