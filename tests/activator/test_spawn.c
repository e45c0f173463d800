/*
 * Unit tests of starting a child (src/activator/spawn.c): the descriptors
 * given arrive as 3, 4, … and nothing else is open; stdin is /dev/null; the
 * environment is built from scratch (a fixed PATH, the locale, the few
 * variables the worker reads, then the given ones: nothing else of
 * apphostd's); the child leads a session of its own and has its own session
 * keyring; a failed exec is reported by the call itself.
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
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#define KEYCTL_GET_KEYRING_ID 0
#define KEY_SPEC_SESSION_KEYRING -3

static char *self_path;

static void test_fds_and_env(void **state)
{
	(void)state;
	int out[2], extra[2];
	assert_int_equal(pipe2(out, O_CLOEXEC), 0);
	assert_int_equal(pipe(extra), 0); /* not close-on-exec, and not given: closed */
	setenv("APPHOST_ROUTER_FD", "9", 1);
	setenv("KEEP_ME", "yes", 1);
	const char *set[] = {"GIVEN=1", "KEEP_ME=replaced"};
	char **env = ad_env_build(set, 2, false);
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

/* Run argv with env (no descriptors given, apphostd's credentials); its
 * standard output. */
static void run(char *buf, size_t size, char *const *argv, char *const *env)
{
	int out[2];
	assert_int_equal(pipe2(out, O_CLOEXEC), 0);
	int fds[1] = {out[1]};
	ad_creds c = {.change = false};
	ad_spawn s = {.path = argv[0], .argv = argv, .envp = env, .fds = fds, .nfds = 1,
		      .creds = &c};
	pid_t pid;
	int saved = dup(1);
	dup2(out[1], 1);
	assert_int_equal(ad_spawn_run(&s, &pid), 0);
	dup2(saved, 1);
	close(saved);
	close(out[1]);
	size_t len = 0;
	ssize_t n;
	while (len < size - 1 && (n = read(out[0], buf + len, size - 1 - len)) > 0)
		len += (size_t)n;
	buf[len] = '\0';
	close(out[0]);
	int status;
	assert_int_equal(waitpid(pid, &status, 0), pid);
	assert_true(WIFEXITED(status) && WEXITSTATUS(status) == 0);
}

/* Only the listed variables cross: a secret of apphostd's environment does
 * not, its PATH is replaced by the fixed one, the locale and what the
 * worker reads do; a given PATH wins. */
static void test_env_from_scratch(void **state)
{
	(void)state;
	setenv("SECRET_TOKEN", "x", 1);
	setenv("PATH", "/tmp/evil:/usr/bin:/bin", 1);
	setenv("LANG", "C.UTF-8", 1);
	setenv("LC_TIME", "C", 1);
	setenv("APPHOST_SCHEMA_DIR", "/tmp/schema", 1);
	setenv("APPHOST_SYSTEM_DRIVE", "/tmp/drive", 1);
	setenv("JOURNAL_STREAM", "1:2", 1);
	setenv("CREDENTIALS_DIRECTORY", "/run/credentials/x", 1);
	char *argv[] = {"/usr/bin/env", NULL};
	const char *set[] = {"APP_POOL_ID=p", "POOL_VAR=1"};
	char **env = ad_env_build(set, 2, false);
	assert_non_null(env);
	char buf[4096];
	run(buf, sizeof(buf), argv, env);
	ad_env_free(env);
	assert_non_null(strstr(buf, "PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin\n"));
	assert_null(strstr(buf, "/tmp/evil"));
	assert_null(strstr(buf, "SECRET_TOKEN"));
	assert_null(strstr(buf, "CREDENTIALS_DIRECTORY"));
	assert_null(strstr(buf, "JOURNAL_STREAM"));
	assert_non_null(strstr(buf, "LANG=C.UTF-8\n"));
	assert_non_null(strstr(buf, "LC_TIME=C\n"));
	assert_non_null(strstr(buf, "APPHOST_SCHEMA_DIR=/tmp/schema\n"));
	assert_non_null(strstr(buf, "APPHOST_SYSTEM_DRIVE=/tmp/drive\n"));
	assert_non_null(strstr(buf, "APP_POOL_ID=p\n"));
	assert_non_null(strstr(buf, "POOL_VAR=1\n"));
	/* the router and the logon broker log to apphostd's journal stream */
	const char *path[] = {"PATH=/opt/bin"};
	env = ad_env_build(path, 1, true);
	assert_non_null(env);
	run(buf, sizeof(buf), argv, env);
	ad_env_free(env);
	assert_non_null(strstr(buf, "JOURNAL_STREAM=1:2\n"));
	assert_non_null(strstr(buf, "PATH=/opt/bin\n"));
	assert_null(strstr(buf, "PATH=/usr/local"));
	assert_null(strstr(buf, "SECRET_TOKEN"));
	unsetenv("SECRET_TOKEN");
	unsetenv("JOURNAL_STREAM");
	unsetenv("CREDENTIALS_DIRECTORY");
}

/* The child leads a new session (its pid is its session and group id), and
 * its session keyring is not ours. */
static void test_session_and_keyring(void **state)
{
	(void)state;
	long mine = syscall(SYS_keyctl, KEYCTL_GET_KEYRING_ID, KEY_SPEC_SESSION_KEYRING, 0);
	char *argv[] = {self_path, "--child-ids", NULL};
	char *envp[] = {NULL};
	char buf[256];
	run(buf, sizeof(buf), argv, envp);
	long pid, sid, pgid, keyring;
	assert_int_equal(sscanf(buf, "%ld %ld %ld %ld", &pid, &sid, &pgid, &keyring), 4);
	assert_int_equal(sid, pid);
	assert_int_equal(pgid, pid);
	if (mine < 0 || keyring < 0) {
		print_message("no keyrings here (%s): the keyring is not checked\n",
			      strerror(errno));
		return;
	}
	assert_int_not_equal(keyring, mine);
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

int main(int argc, char **argv)
{
	if (argc > 1 && strcmp(argv[1], "--child-ids") == 0) {
		/* test_session_and_keyring's child */
		long k = syscall(SYS_keyctl, KEYCTL_GET_KEYRING_ID, KEY_SPEC_SESSION_KEYRING, 0);
		printf("%ld %ld %ld %ld\n", (long)getpid(), (long)getsid(0), (long)getpgid(0), k);
		return 0;
	}
	static char self[4096];
	ssize_t n = readlink("/proc/self/exe", self, sizeof(self) - 1);
	if (n <= 0)
		return 1;
	self[n] = '\0';
	self_path = self;
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_fds_and_env),
		cmocka_unit_test(test_env_from_scratch),
		cmocka_unit_test(test_session_and_keyring),
		cmocka_unit_test(test_exec_failure),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
