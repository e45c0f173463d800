/*
 * Who the router and each pool's worker run as (DESIGN.md §3), for now:
 *
 *   apphostd as root
 *     router                    the system user apphost-router (created
 *                               with useradd when missing), else nobody
 *     ApplicationPoolIdentity   a virtual account: uid = gid = 61184 +
 *                               FNV-1a(lower-cased pool name) mod 4336, as
 *                               systemd's DynamicUser range; no /etc/passwd
 *                               entry. Two pools whose numbers collide, or a
 *                               number an existing account holds, move to
 *                               the next free number (pools in name order)
 *     LocalSystem               root, with a warning at every start
 *     other identity types      nobody (until the identities work lands)
 *   apphostd as another user    everything runs as that user (warning)
 */
#ifndef AD_IDENT_H
#define AD_IDENT_H

#include "common/creds.h"
#include "model.h"

#include <stdbool.h>
#include <sys/types.h>

#define AD_DYNAMIC_UID_MIN 61184u
#define AD_DYNAMIC_UID_MAX 65519u

/* The first-choice uid of an ApplicationPoolIdentity pool. */
uid_t ad_apppool_uid_hash(const char *pool);

/* uids for every ApplicationPoolIdentity pool of m (uids[i] for
 * m->pools[i]; 0 for the other pools). uids is m->npools long. */
void ad_apppool_uids(const ad_model *m, uid_t *uids);

/* The credentials of a pool's worker; uid is its ad_apppool_uids entry. */
void ad_pool_creds(ad_creds *c, const ad_pool_def *d, uid_t uid, bool is_root);

/* The router's credentials; creates apphost-router when missing. */
void ad_router_creds(ad_creds *c, bool is_root);

#endif
