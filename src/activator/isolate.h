/*
 * The isolated configuration of an application pool (DESIGN.md §4; IIS's
 * %SystemDrive%\inetpub\temp\appPools\<pool>\<pool>.config): the pool's
 * worker reads this file and never applicationHost.config.
 *
 * It is applicationHost.config, byte for byte, except:
 *   <sites>             a <site> stays only when one of its applications
 *                       runs in the pool (with its bindings and everything
 *                       else it holds), and only those <application>s stay,
 *                       with the other pools' applications above them (the
 *                       site's root, a parent application): their folders
 *                       hold the web.config files the pool's applications
 *                       inherit from, as in IIS. Those keep their virtual
 *                       directories, without `password` attributes
 *   <applicationPools>  only the pool's own <add> (and <remove>) stays, with
 *                       <applicationPoolDefaults>; no `password` attribute
 *                       is left anywhere in the section
 *   <location path=X>   stays when X applies to the pool: it lies inside one
 *                       of the pool's applications, or one of them lies
 *                       inside X (a site-wide location applies to every
 *                       application of the site); other locations go
 * Every other section, comment and byte is unchanged. Which application
 * belongs to which pool is decided with the engine's effective values (the
 * model), so applicationDefaults are honoured.
 */
#ifndef AD_ISOLATE_H
#define AD_ISOLATE_H

#include "common/creds.h"
#include "model.h"
#include "util/fs.h"

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

/* Render the pool's file from the text of applicationHost.config. *out is a
 * heap string (ah_free). Returns 0, AH_ECONFIG (not well-formed XML) or
 * AH_ENOMEM. */
int ad_isolate_render(char **out, size_t *outlen, const char *src, size_t len,
		      const ad_model *m, const char *pool);

/*
 * The files and folders of the run folder (docs/apphostd.md, "The run
 * folder"). As root the worker owns none of them: they belong to root and
 * the pool's own group (c->pool_gid, which only that pool's workers carry),
 * folder 0750 (the worker lists and watches it), files 0440. Otherwise they
 * are apphostd's user's, 0700 and 0400. Owner and mode are always set
 * through a descriptor, never through a path that could have become a link.
 */
void ad_isolate_perms(ah_fs_perm *file, ah_fs_perm *dir, const ad_creds *c);

/* Write data to path atomically with perm; nothing is written when the file
 * already holds data with perm. A FIFO, link or anything but a regular file
 * at path is replaced without being opened for long or followed. *changed
 * says whether the content changed. Returns 0 or AH_EIO. */
int ad_isolate_write(const char *path, const char *data, size_t len, const ah_fs_perm *perm,
		     bool *changed);

/* Make folder dir (and those above it, 0755) and give it perm, through a
 * descriptor opened without following a link. Returns 0 or AH_EIO. */
int ad_isolate_dir(const char *dir, const ah_fs_perm *perm);

/*
 * A site's log folder dir (the folders above made 0755 when missing): made
 * when missing, then given perm through a descriptor opened without
 * following a link. With perm->set_owner (root), it is refused when its
 * parent folder is not root's or is writable by another user or a group
 * other than root's, and when it is a symbolic link: such a user could make
 * root hand any folder over. As root it also gets the ACLs of logacl.h
 * naming gids[0..ngids), the groups of every pool serving the site (none
 * when perm->gid is the only one). With if_missing, an existing dir is left
 * as it is (returns 1). Returns 0, 1, 2 (made, but the file system has no
 * ACLs: the mode alone applies; *why says so), AH_EINVALID or AH_EIO (*why,
 * a static text, says why), AH_ENOMEM.
 */
int ad_isolate_log_dir(const char **why, const char *dir, const ah_fs_perm *perm, bool if_missing,
		       const gid_t *gids, size_t ngids);

#endif
