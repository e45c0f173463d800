/*
 * Who the router and each pool's worker run as (DESIGN.md §3):
 *
 *   apphostd as root
 *     router                    the system user apphost-router (created
 *                               with useradd when missing), else nobody
 *     ApplicationPoolIdentity   a virtual account: uid = 61184 +
 *                               FNV-1a(lower-cased pool name) mod 4336, as
 *                               systemd's DynamicUser range; no /etc/passwd
 *                               entry; its primary group is the pool group.
 *                               Two pools whose numbers collide, or a number
 *                               an existing account holds, move to the next
 *                               free number (pools in name order), and the
 *                               registry (ad_ident_registry) keeps every
 *                               number given, so a pool keeps its number
 *                               whatever pools are added or removed later
 *     LocalService              the system user iis-localservice, without
 *                               outbound network (a network namespace of
 *                               its own with only loopback)
 *     NetworkService            the system user iis-networkservice
 *     SpecificUser              the named user ("DOMAIN\user" and ".\user"
 *                               name "user"), with its own groups; its
 *                               password is checked with PAM before each
 *                               worker start (logon.h)
 *     LocalSystem               root, with a warning at every start
 *   apphostd as another user    everything runs as that user (warning)
 *
 * Every worker, whatever its identityType, also carries its pool's own
 * group: a gid numbered as the ApplicationPoolIdentity uids are (same hash,
 * same range, collisions with other pools and with existing groups moving
 * on), and the group iis_iusrs unless manualGroupMembership is true. Only
 * the worker's setgroups sees these: the account database never changes.
 * The system accounts (iis-localservice, iis-networkservice, iis-iusr, the
 * group iis_iusrs) are created with useradd/groupadd --system when missing.
 */
#ifndef AD_IDENT_H
#define AD_IDENT_H

#include "common/creds.h"
#include "model.h"

#include <stdbool.h>
#include <sys/types.h>

#define AD_DYNAMIC_UID_MIN 61184u
#define AD_DYNAMIC_UID_MAX 65519u

#define AD_USER_LOCALSERVICE "iis-localservice"
#define AD_USER_NETWORKSERVICE "iis-networkservice"
#define AD_USER_IUSR "iis-iusr"
#define AD_GROUP_IUSRS "iis_iusrs"

/* The first-choice uid of an ApplicationPoolIdentity pool, and the
 * first-choice gid of every pool's own group. */
uid_t ad_apppool_uid_hash(const char *pool);

/* The registry of the numbers given (DESIGN.md §3: collisions are resolved
 * through a file under the configuration folder, <config dir>/apppool-ids):
 * "u <uid> <pool>" and "g <gid> <pool>" lines, appended to when a pool gets
 * a number for the first time, never rewritten otherwise. NULL: none (apphostd
 * not root: the numbers are not used). */
void ad_ident_registry(const char *path);

/* uids for every ApplicationPoolIdentity pool of m (uids[i] for
 * m->pools[i]; 0 for the other pools, and for a pool no number is left
 * for, with an error logged). uids is m->npools long. A registry that
 * exists but cannot be read is logged and never rewritten. */
void ad_apppool_uids(const ad_model *m, uid_t *uids);

/* The own group of every pool of m (gids[i] for m->pools[i]; 0 when no
 * number is left for it). */
void ad_pool_gids(const ad_model *m, gid_t *gids);

/* The Unix user of a SpecificUser name: the part after the last backslash
 * ("DOMAIN\user", ".\user"), else the name itself. */
const char *ad_user_part(const char *name);

/* The credentials of a pool's worker; uid is its ad_apppool_uids entry, gid
 * its ad_pool_gids entry. Credentials that refuse to apply (c->refuse, root
 * owning the pool's files, no worker starting) go to a SpecificUser whose
 * user does not exist (its logon fails anyway), to a pool without a number
 * (uid or gid 0: the range was exhausted) and to a LocalService or
 * NetworkService pool whose system user resolves to uid 0 or gid 0 (an
 * error is logged). */
void ad_pool_creds(ad_creds *c, const ad_pool_def *d, uid_t uid, gid_t gid, bool is_root);

/* As root: create the system accounts (iis-localservice, iis-networkservice,
 * iis-iusr, iis_iusrs) that are missing. */
void ad_system_accounts(bool is_root);

/* The router's credentials; creates apphost-router when missing. */
void ad_router_creds(ad_creds *c, bool is_root);

#endif
