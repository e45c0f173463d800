/*
 * The ACLs of a site's log folder (logacl.h), written in the kernel's own
 * format rather than through libacl:
 *
 *   system.posix_acl_access, system.posix_acl_default:
 *     header   le32 a_version = 2
 *     entries  le16 e_tag, le16 e_perm, le32 e_id; sorted by tag, then id
 *     tags     USER_OBJ 0x01, USER 0x02, GROUP_OBJ 0x04, GROUP 0x08,
 *              MASK 0x10, OTHER 0x20
 *     e_id     the gid of a GROUP entry; -1 for the entries without an id
 *     e_perm   r 4, w 2, x 1
 *
 * An ACL with named entries needs a MASK (the most they are granted); the
 * kernel refuses one unsorted or with a gid twice (EINVAL).
 */
#include "logacl.h"

#include "util/alloc.h"

#include <errno.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/xattr.h>

#define ACL_VERSION 2
#define ACL_NO_ID 0xffffffffu
enum { T_USER_OBJ = 0x01, T_GROUP_OBJ = 0x04, T_GROUP = 0x08, T_MASK = 0x10, T_OTHER = 0x20 };

static const char access_name[] = "system.posix_acl_access";
static const char default_name[] = "system.posix_acl_default";

static unsigned char *le16(unsigned char *p, unsigned v)
{
	p[0] = (unsigned char)(v & 0xff);
	p[1] = (unsigned char)((v >> 8) & 0xff);
	return p + 2;
}

static unsigned char *le32(unsigned char *p, uint32_t v)
{
	p = le16(p, v & 0xffff);
	return le16(p, v >> 16);
}

static unsigned char *entry(unsigned char *p, unsigned tag, unsigned perm, uint32_t id)
{
	return le32(le16(le16(p, tag), perm), id);
}

size_t ad_logacl_encode(unsigned char *out, const gid_t *gids, size_t n, unsigned obj,
			unsigned other)
{
	unsigned char *p = le32(out, ACL_VERSION);
	p = entry(p, T_USER_OBJ, obj, ACL_NO_ID);
	p = entry(p, T_GROUP_OBJ, obj, ACL_NO_ID);
	for (size_t i = 0; i < n; i++)
		p = entry(p, T_GROUP, obj, (uint32_t)gids[i]);
	p = entry(p, T_MASK, obj, ACL_NO_ID);
	p = entry(p, T_OTHER, other, ACL_NO_ID);
	return (size_t)(p - out);
}

static int cmp_gid(const void *a, const void *b)
{
	gid_t x = *(const gid_t *)a, y = *(const gid_t *)b;
	return x < y ? -1 : x > y;
}

/* The sorted, distinct gids of gids[0..n) and owner (out has room for n + 1),
 * without owner unless with_owner. */
static size_t distinct(gid_t *out, const gid_t *gids, size_t n, gid_t owner, bool with_owner)
{
	if (n)
		memcpy(out, gids, n * sizeof(*out));
	out[n++] = owner;
	qsort(out, n, sizeof(*out), cmp_gid);
	size_t k = 0;
	for (size_t i = 0; i < n; i++)
		if ((k == 0 || out[k - 1] != out[i]) && (with_owner || out[i] != owner))
			out[k++] = out[i];
	return k;
}

static int drop(int fd, const char *name)
{
	if (fremovexattr(fd, name) == 0 || errno == ENODATA || errno == EOPNOTSUPP)
		return 0;
	return -1;
}

int ad_logacl_set(int fd, gid_t owner_gid, const gid_t *gids, size_t n)
{
	gid_t *sorted = ah_calloc(n + 1, sizeof(*sorted));
	unsigned char *buf = ah_calloc(1, 4 + 8 * (4 + n + 1));
	int rc = -1;
	if (!sorted || !buf) {
		errno = ENOMEM;
		goto out;
	}
	size_t k = distinct(sorted, gids, n, owner_gid, false);
	if (k == 0) {
		rc = drop(fd, default_name) < 0 || drop(fd, access_name) < 0 ? -1 : 0;
		goto out;
	}
	size_t len = ad_logacl_encode(buf, sorted, k, 7, 0);
	if (fsetxattr(fd, access_name, buf, len, 0) < 0)
		goto out;
	k = distinct(sorted, gids, n, owner_gid, true);
	len = ad_logacl_encode(buf, sorted, k, 6, 0);
	rc = fsetxattr(fd, default_name, buf, len, 0);
out:
	ah_free(buf);
	ah_free(sorted);
	return rc;
}
