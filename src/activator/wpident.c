/* What a pool's worker runs as (see wpident.h). */
#include "wpident.h"

#include "ident.h"

#include <grp.h>
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

typedef struct ids {
	unsigned long uid, euid, gid, egid;
	const char *groups; /* the Groups: value of /proc (space separated), or NULL */
	const gid_t *glist; /* else these */
	size_t nglist;
} ids;

static bool holds(const ad_creds *c, unsigned long id)
{
	if (!c->change)
		return false;
	if (c->uid == id || c->gid == id)
		return true;
	for (size_t i = 0; i < c->ngroups; i++)
		if (c->groups[i] == id)
			return true;
	return false;
}

/* The pool whose virtual account an id without a database entry is. */
static const ad_pool *virtual_owner(const ad_daemon *d, const ad_pool *p, unsigned long id)
{
	if (id < AD_DYNAMIC_UID_MIN || id > AD_DYNAMIC_UID_MAX)
		return NULL;
	if (holds(&p->creds, id))
		return p;
	for (const ad_pool *q = d->pools; q; q = q->next)
		if (holds(&q->creds, id))
			return q;
	return NULL;
}

static void put_id(ah_buf *out, const char *key, unsigned long id, bool user, const ad_daemon *d,
                   const ad_pool *p)
{
	ah_buf_printf(out, "%s%lu", key, id);
	const char *name = NULL;
	if (user) {
		struct passwd *pw = getpwuid((uid_t)id);
		name = pw ? pw->pw_name : NULL;
	} else {
		struct group *gr = getgrgid((gid_t)id);
		name = gr ? gr->gr_name : NULL;
	}
	const ad_pool *owner = name ? NULL : virtual_owner(d, p, id);
	if (name)
		ah_buf_printf(out, "(%s)", name);
	else if (owner)
		ah_buf_printf(out, "(IIS APPPOOL\\%s)", owner->name);
}

static void put_ids(ah_buf *out, const ids *x, const ad_daemon *d, const ad_pool *p)
{
	put_id(out, "uid=", x->uid, true, d, p);
	put_id(out, " gid=", x->gid, false, d, p);
	if (x->euid != x->uid)
		put_id(out, " euid=", x->euid, true, d, p);
	if (x->egid != x->gid)
		put_id(out, " egid=", x->egid, false, d, p);
	ah_buf_puts(out, " groups=");
	const char *sep = "";
	if (x->groups) {
		for (const char *s = x->groups; *s;) {
			char *end;
			unsigned long g = strtoul(s, &end, 10);
			if (end == s)
				break;
			put_id(out, sep, g, false, d, p);
			sep = ",";
			s = end + strspn(end, " \t");
		}
	}
	for (size_t i = 0; i < x->nglist; i++) {
		put_id(out, sep, x->glist[i], false, d, p);
		sep = ",";
	}
}

/* "Uid:\t<real>\t<effective>\t<saved>\t<fs>" */
static bool two_ids(const char *v, unsigned long *real, unsigned long *eff)
{
	char *end;
	*real = strtoul(v, &end, 10);
	if (end == v)
		return false;
	*eff = strtoul(end, &end, 10);
	return true;
}

/* The ids of a running process; false when it is gone. *line is heap
 * memory holding the groups (free()). */
static bool proc_ids(ids *x, pid_t pid, char **line)
{
	char path[64];
	snprintf(path, sizeof(path), "/proc/%ld/status", (long)pid);
	FILE *f = fopen(path, "re");
	if (!f)
		return false;
	memset(x, 0, sizeof(*x));
	int found = 0;
	size_t cap = 0;
	ssize_t n;
	char *buf = NULL;
	*line = NULL;
	while ((n = getline(&buf, &cap, f)) > 0) {
		if (buf[n - 1] == '\n')
			buf[n - 1] = '\0';
		if (strncmp(buf, "Uid:", 4) == 0 && two_ids(buf + 4, &x->uid, &x->euid)) {
			found |= 1;
		} else if (strncmp(buf, "Gid:", 4) == 0 && two_ids(buf + 4, &x->gid, &x->egid)) {
			found |= 2;
		} else if (strncmp(buf, "Groups:", 7) == 0 && !*line) {
			*line = buf; /* keep this line: the next getline gets a new buffer */
			buf = NULL;
			cap = 0;
			x->groups = *line + 7 + strspn(*line + 7, " \t");
		}
	}
	free(buf);
	fclose(f);
	return found == 3;
}

static bool describe_process(ah_buf *out, const ad_daemon *d, const ad_pool *p, pid_t pid,
                             const char *label)
{
	ids x;
	char *groups = NULL;
	bool ok = proc_ids(&x, pid, &groups);
	if (ok) {
		ah_buf_printf(out, "%s ", label);
		put_ids(out, &x, d, p);
		ah_buf_putc(out, '\n');
	}
	free(groups);
	return ok;
}

void ad_wp_identity(ah_buf *out, ad_daemon *d, const ad_pool *p)
{
	size_t shown = 0;
	char label[32];
	for (const ad_worker *w = d->workers; w; w = w->next) {
		if (w->pool != p || w->stopping)
			continue;
		snprintf(label, sizeof(label), "%ld", (long)w->pid);
		shown += describe_process(out, d, p, w->pid, label);
	}
	if (shown)
		return;
	/* no worker: the next one runs with p->creds, or as apphostd itself
	 * when apphostd does not change users */
	if (!p->creds.change) {
		describe_process(out, d, p, getpid(), "-");
		return;
	}
	const ad_creds *c = &p->creds;
	ids x = {.uid = c->uid,
	         .euid = c->uid,
	         .gid = c->gid,
	         .egid = c->gid,
	         .glist = c->groups,
	         .nglist = c->ngroups};
	ah_buf_puts(out, "- ");
	put_ids(out, &x, d, p);
	ah_buf_putc(out, '\n');
}
