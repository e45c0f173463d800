/*
 * Privilege drop (see creds.h). Raw system calls, not the libc wrappers: the
 * wrappers of setgroups and setresuid synchronise every thread of the process
 * with signals, which is neither needed nor async-signal-safe in a child of
 * fork.
 */
#include "creds.h"

#include <errno.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <unistd.h>

int ad_creds_apply(const ad_creds *c)
{
	if (c->refuse)
		return -EPERM;
	if (c->change) {
		if (syscall(SYS_setgroups, c->ngroups, c->groups) < 0)
			return -errno;
		if (syscall(SYS_setresgid, c->gid, c->gid, c->gid) < 0)
			return -errno;
		if (syscall(SYS_setresuid, c->uid, c->uid, c->uid) < 0)
			return -errno;
		uid_t r, e, s;
		gid_t gr, ge, gs;
		if (syscall(SYS_getresuid, &r, &e, &s) < 0 ||
		    syscall(SYS_getresgid, &gr, &ge, &gs) < 0)
			return -errno;
		if (r != c->uid || e != c->uid || s != c->uid || gr != c->gid || ge != c->gid ||
		    gs != c->gid)
			return -EPERM;
		if (c->uid != 0 && syscall(SYS_setresuid, 0, 0, 0) == 0)
			return -EPERM;
	}
	if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) < 0)
		return -errno;
	return 0;
}
