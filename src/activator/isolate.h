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

#include "model.h"

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

/* Render the pool's file from the text of applicationHost.config. *out is a
 * heap string (ah_free). Returns 0, AH_ECONFIG (not well-formed XML) or
 * AH_ENOMEM. */
int ad_isolate_render(char **out, size_t *outlen, const char *src, size_t len,
		      const ad_model *m, const char *pool);

/* Write data to path atomically, mode 0400, owned by uid:gid when
 * set_owner; nothing is written when the file already holds data.
 * *changed says whether it was written. Returns 0 or AH_EIO. */
int ad_isolate_write(const char *path, const char *data, size_t len, bool set_owner, uid_t uid,
		     gid_t gid, bool *changed);

#endif
