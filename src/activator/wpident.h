/*
 * What a pool's worker runs as, for the control socket's IDENTITY APPPOOL
 * (docs/server.md, "Control protocol"): the user, group and supplementary
 * groups of the running process as the kernel reports them
 * (/proc/<pid>/status), else the credentials apphostd would give the next
 * worker (ad_pool.creds), written as id(1) writes them:
 *
 *   uid=61234(IIS APPPOOL\DefaultAppPool) gid=61234(IIS APPPOOL\DefaultAppPool) groups=61234(IIS
 * APPPOOL\DefaultAppPool),998(iis_iusrs)
 *
 * euid= and egid= follow gid= when the effective ids differ from the real
 * ones. Names come from the user and group databases; an id without an
 * entry in the virtual-account range (AD_DYNAMIC_UID_MIN..MAX) that a pool's
 * credentials hold is that pool's virtual account, IIS APPPOOL\<pool>; any
 * other id without an entry is shown as a bare number.
 */
#ifndef AD_WPIDENT_H
#define AD_WPIDENT_H

#include "daemon.h"
#include "util/buf.h"

/* Append the data lines of IDENTITY APPPOOL for pool p: "<pid> <identity>"
 * for each of its workers that is not stopping, or
 * "- <identity>" (what the next worker would run as) when none runs. */
void ad_wp_identity(ah_buf *out, ad_daemon *d, const ad_pool *p);

#endif
