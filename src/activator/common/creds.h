/*
 * Dropping privileges for good, for the router and the workers: exactly the
 * given supplementary groups, then the group, then the user (real, effective
 * and saved), then no_new_privs, and a check that root cannot be regained.
 * Called in a child between fork and exec, so that the program executed next
 * never runs with the daemon's credentials and inherits nothing of its memory.
 */
#ifndef AD_CREDS_H
#define AD_CREDS_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

#define AD_CREDS_MAX_GROUPS 64

typedef struct ad_creds {
	bool change;  /* false: keep the current user (apphostd not root) */
	bool refuse;  /* an identity that cannot be used: applying it fails */
	bool no_network; /* LocalService: a network namespace with only lo */
	uid_t uid;
	gid_t gid;
	gid_t groups[AD_CREDS_MAX_GROUPS];
	size_t ngroups;
	gid_t pool_gid; /* the pool's own group (one of groups); 0 for the router */
} ad_creds;

/* Apply c and set no_new_privs. Async-signal-safe (raw system calls).
 * Returns 0 or -errno (-EPERM when c->refuse). */
int ad_creds_apply(const ad_creds *c);

#endif
