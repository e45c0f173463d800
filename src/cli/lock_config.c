/*
 * appcmd: `lock config [PATH] /section:NAME [/commit:WHERE]` and
 * `unlock config ...`.
 *
 * Locking decides whether the configuration files below PATH may set the
 * section (delegation). It is written, as IIS writes it, as a location tag
 * of applicationHost.config (or of the /commit level's file) for PATH:
 *
 *   <location path="Default Web Site" overrideMode="Deny">
 *       <system.webServer>
 *           <asp />
 *       </system.webServer>
 *   </location>
 *
 * lock writes overrideMode="Deny", unlock overrideMode="Allow" (the legacy
 * allowOverride of that tag is dropped). PATH defaults to
 * MACHINE/WEBROOT/APPHOST, whose tag is <location path="">. Output:
 *
 *   Locked section "system.webServer/asp" at configuration path "MACHINE/WEBROOT/APPHOST".
 *   Unlocked section "system.webServer/handlers" at configuration path "MACHINE/WEBROOT/APPHOST".
 *
 * The second is IIS's text (real transcripts); the first is its
 * counterpart, not seen in a transcript.
 */
#include "write.h"

#include "util/str.h"

#include <string.h>

int cli_lock_config(ah_buf *out, cli_args *a, const cli_kind *kind)
{
	if (a->section && strcmp(a->section, "?") == 0)
		return cli_list_config(out, a, kind); /* the section names */
	(void)kind;
	bool lock = ah_strcaseeq(a->verb, "lock");
	cli_args b = *a;
	if (!b.commit)
		b.commit = "apphost";
	cli_write w;
	int status = cli_write_begin(&w, out, &b);
	if (!status)
		status = cli_config_target(&w, &b);
	for (size_t i = 0; !status && i < b.nparams; i++)
		if (!b.params[i].used)
			status = cli_error_unknown_attr(out, b.params[i].name);
	if (!status) {
		int rc = ah_tx_override_mode(w.tx, w.path, w.commit, w.section,
					     lock ? "Deny" : "Allow");
		if (rc < 0)
			status = cli_error_engine(out, rc);
	}
	if (!status)
		status = cli_write_commit(&w);
	if (!status)
		ah_buf_printf(out, "%s section \"%s\" at configuration path \"%s\".\n",
			      lock ? "Locked" : "Unlocked", w.section, w.path);
	cli_write_end(&w);
	return status;
}
