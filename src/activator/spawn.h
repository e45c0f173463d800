/*
 * Starting the router and the workers: fork, then in the child — a new
 * session, the given descriptors moved to 3, 4, … and every other one
 * closed, stdin from /dev/null, signals back to their defaults, its own
 * network namespace with only loopback when creds->no_network, the
 * credentials dropped (common/creds.h), a session keyring of its own, death
 * with the parent — and exec, with an environment built from scratch.
 * The program starts fresh: nothing of apphostd's memory crosses the exec,
 * and it never runs with apphostd's privileges unless asked (LocalSystem).
 */
#ifndef AD_SPAWN_H
#define AD_SPAWN_H

#include "common/creds.h"

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

#define AD_SPAWN_MAX_FDS 512

typedef struct ad_spawn {
	const char *path;
	char *const *argv;
	char *const *envp;
	const int *fds; /* become 3, 4, ... in the child (at most AD_SPAWN_MAX_FDS) */
	size_t nfds;
	const ad_creds *creds;
} ad_spawn;

/* Returns 0 with *pid, or -errno (from fork, or from the child before or
 * at exec: a failed exec is reported here, not as an exit). */
int ad_spawn_run(const ad_spawn *s, pid_t *pid);

/* The environment of a child, built from scratch: PATH (a fixed, safe
 * one), then what it may inherit of apphostd's own (the locale, TZ, every
 * APPHOST_* variable, the sanitizers' options; JOURNAL_STREAM too for a daemon_part, the router and
 * the logon broker, which log to apphostd's stream), then `set`
 * ("NAME=value", replacing a variable of the same name; the last of a name
 * counts). Nothing else of apphostd's environment crosses. A NULL-terminated
 * heap array (ad_env_free), or NULL on out-of-memory. */
char **ad_env_build(const char *const *set, size_t n, bool daemon_part);
void ad_env_free(char **env);

#endif
