/*
 * POSIX ACLs of a site's W3C log folder, so that the workers of every pool
 * serving one of the site's applications append to the same files, as
 * HTTP.sys writes one log per site in IIS (docs/apphostd.md, "Log folders").
 * Set through a descriptor (fsetxattr), never through a path.
 */
#ifndef AD_LOGACL_H
#define AD_LOGACL_H

#include <stddef.h>
#include <sys/types.h>

/*
 * Give the folder open at fd, whose owning group is owner_gid, the ACLs of
 * the pool groups gids[0..n) (any order, duplicates and owner_gid allowed):
 *
 *   access:  user::rwx group::rwx group:<g>:rwx (each g but owner_gid)
 *            mask::rwx other::---
 *   default: user::rw- group::rw- group:<g>:rw- (each g, owner_gid too:
 *            a file's owning group is its maker's, not the folder's)
 *            mask::rw- other::---
 *
 * When no gid but owner_gid is left, both ACLs are removed: the folder's
 * mode alone says who writes, as for a site served by one pool. Returns 0,
 * or -1 with errno (EOPNOTSUPP: the file system has no ACLs; ENOMEM).
 */
int ad_logacl_set(int fd, gid_t owner_gid, const gid_t *gids, size_t n);

/* The binary value of one ACL (the kernel's posix_acl_xattr format, see
 * logacl.c) into out (room for 4 + 8 * (4 + n) bytes): the owner, owning
 * group, named groups gids[0..n) (sorted, distinct), mask and other entries
 * with permission bits obj (owner, owning group, named groups, mask) and
 * other. Returns the length written. Exposed for the unit tests. */
size_t ad_logacl_encode(unsigned char *out, const gid_t *gids, size_t n, unsigned obj,
			unsigned other);

#endif
