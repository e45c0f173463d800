/*
 * roundtrip: writing a value and writing it back leaves every real IIS
 * applicationHost.config of ../shared/reference/apphost byte for byte as it
 * was, and a write that changes nothing does not touch the file (same inode,
 * same modification time).
 *
 *   roundtrip SHARED_DIR
 *
 * Each file is copied into a temporary configuration folder and read with
 * its matching real schema set (IIS Express's for the IIS Express template,
 * IIS 10's for the others). Through the write API (edit.h), for every
 * application pool queueLength, for every site serverAutoStart, and the
 * section attribute log/@centralLogFileMode: set a new value (checked
 * through the engine), then set the original text back, or remove the
 * attribute when the file did not have it. Exit 77 when the reference files
 * are absent.
 */
#include "apphost/config.h"
#include "apphost/edit.h"

#include <dirent.h>
#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define APPHOST "MACHINE/WEBROOT/APPHOST"

static char root[256], cfgdir[300], live[400];
static int failures, checks;

static char *slurp(const char *path, size_t *len)
{
	FILE *f = fopen(path, "rb");
	if (!f)
		return NULL;
	fseek(f, 0, SEEK_END);
	long n = ftell(f);
	fseek(f, 0, SEEK_SET);
	char *buf = malloc((size_t)n + 1);
	*len = fread(buf, 1, (size_t)n, f);
	buf[*len] = '\0';
	fclose(f);
	return buf;
}

static int copy_file(const char *from, const char *to)
{
	size_t n;
	char *d = slurp(from, &n);
	if (!d)
		return -1;
	FILE *f = fopen(to, "wb");
	int rc = f && fwrite(d, 1, n, f) == n ? 0 : -1;
	if (f && fclose(f) != 0)
		rc = -1;
	free(d);
	return rc;
}

static void failf(const char *file, const char *what, const char *detail)
{
	const ah_error *e = ah_error_last();
	fprintf(stderr, "FAIL %s: %s: %s%s%s\n", file, what, detail ? detail : "",
		e ? " -- " : "", e ? e->message : "");
	failures++;
}

/* The element the steps address in the effective section, or NULL. */
static const ah_elem *find(ah_section **keep, ah_config *cfg, const ah_where *w)
{
	if (ah_config_section(keep, cfg, w->section, w->path) < 0)
		return NULL;
	const ah_elem *e = ah_section_root(*keep);
	for (size_t i = 0; i < w->nsteps && e; i++)
		e = w->steps[i].name ? ah_elem_child(e, w->steps[i].name)
				     : ah_elem_find_item(e, w->steps[i].keys[0], w->steps[i].values[0]);
	return e;
}

static int commit_set(ah_config *cfg, const ah_where *w, const char *attr, const char *value,
		      size_t *written)
{
	ah_tx *tx;
	if (ah_tx_begin(&tx, cfg) < 0)
		return -1;
	int rc = value ? ah_tx_set(tx, w, attr, value) : ah_tx_unset(tx, w, attr);
	if (rc == 0)
		rc = ah_tx_commit(tx);
	if (written)
		*written = ah_tx_written(tx);
	ah_tx_free(tx);
	return rc;
}

/* Set attr to value, check it reads back, restore it; the file must end as it began. */
static void roundtrip(ah_config *cfg, const char *file, const ah_where *w, const char *attr,
		      const char *value, const char *label)
{
	checks++;
	ah_error_clear();
	size_t olen = 0;
	char *orig = slurp(live, &olen);
	ah_section *s = NULL;
	const ah_elem *e = find(&s, cfg, w);
	if (!e) {
		failf(file, label, "cannot read the element");
		ah_section_free(s);
		free(orig);
		return;
	}
	ah_attr_info info;
	char *raw = NULL;
	if (ah_elem_attr(e, attr, &info) && info.source == AH_VALUE_SET && info.raw)
		raw = strdup(info.raw);
	ah_section_free(s);
	s = NULL;
	if (commit_set(cfg, w, attr, value, NULL) < 0) {
		failf(file, label, "the first write failed");
		goto out;
	}
	e = find(&s, cfg, w);
	if (!e || strcmp(ah_elem_get(e, attr), value) != 0)
		failf(file, label, "the new value does not read back");
	ah_section_free(s);
	if (commit_set(cfg, w, attr, raw, NULL) < 0) {
		failf(file, label, "writing the value back failed");
		goto out;
	}
	size_t nlen = 0;
	char *now = slurp(live, &nlen);
	if (!now || nlen != olen || memcmp(now, orig, olen) != 0)
		failf(file, label, "the file is not byte-identical after the round trip");
	free(now);
out:
	free(raw);
	free(orig);
}

/* Setting an attribute to the text it already has writes nothing. */
static void noop(ah_config *cfg, const char *file, const ah_where *w, const char *attr,
		 const char *value)
{
	checks++;
	struct stat before, after;
	stat(live, &before);
	usleep(20000); /* a rewrite would show in the modification time */
	size_t written = 99;
	if (commit_set(cfg, w, attr, value, &written) < 0) {
		failf(file, "no-op write", "failed");
		return;
	}
	stat(live, &after);
	if (written != 0 || before.st_ino != after.st_ino ||
	    before.st_mtim.tv_sec != after.st_mtim.tv_sec ||
	    before.st_mtim.tv_nsec != after.st_mtim.tv_nsec)
		failf(file, "no-op write", "the file was rewritten");
}

static void run_file(const char *shared, const char *name)
{
	const char *set = strstr(name, "iisexpress.") == name ? "iisexpress" : "iis10";
	char src[1024], schema[1024];
	snprintf(src, sizeof(src), "%s/reference/apphost/%s", shared, name);
	snprintf(schema, sizeof(schema), "%s/reference/schema/%s", shared, set);
	if (copy_file(src, live) < 0) {
		failf(name, "copy", strerror(errno));
		return;
	}
	ah_config *cfg;
	ah_config_opts o = {.config_dir = cfgdir, .schema_dir = schema};
	if (ah_config_open(&cfg, &o) < 0) {
		failf(name, "open", set);
		return;
	}
	int before = checks;
	const char *key = "name";
	const char *pool_sections[] = {"system.applicationHost/applicationPools",
				       "system.applicationHost/sites"};
	const char *attrs[] = {"queueLength", "serverAutoStart"};
	const char *values[] = {"4242", "false"};
	for (int k = 0; k < 2; k++) {
		const ah_section *s;
		if (ah_config_lookup(&s, cfg, pool_sections[k], APPHOST) < 0) {
			failf(name, pool_sections[k], "cannot read");
			continue;
		}
		const ah_elem *coll = ah_section_root(s);
		size_t n = ah_elem_item_count(coll);
		char **names = calloc(n + 1, sizeof(char *));
		for (size_t i = 0; i < n; i++)
			names[i] = strdup(ah_elem_get(ah_elem_item_at(coll, i), "name"));
		for (size_t i = 0; i < n; i++) {
			ah_step st = {.keys = &key, .values = (const char *const *)&names[i],
				      .nkeys = 1, .index = AH_POS_NONE};
			ah_where w = {.path = APPHOST, .section = pool_sections[k], .steps = &st,
				      .nsteps = 1};
			char label[300];
			snprintf(label, sizeof(label), "%s of %s", attrs[k], names[i]);
			/* a value different from the one in force */
			const char *v = values[k];
			ah_section *cur = NULL;
			const ah_elem *e = find(&cur, cfg, &w);
			if (e && strcmp(ah_elem_get(e, attrs[k]), v) == 0)
				v = k == 0 ? "4343" : "true";
			ah_section_free(cur);
			roundtrip(cfg, name, &w, attrs[k], v, label);
			if (i == 0)
				noop(cfg, name, &w, "name", names[i]);
		}
		for (size_t i = 0; i < n; i++)
			free(names[i]);
		free(names);
	}
	ah_where lw = {.path = APPHOST, .section = "system.applicationHost/log"};
	roundtrip(cfg, name, &lw, "centralLogFileMode", "CentralW3C", "log/@centralLogFileMode");
	printf("%s (%s schema): %d round trips and no-op writes\n", name, set, checks - before);
	ah_config_free(cfg);
}

int main(int argc, char **argv)
{
	if (argc != 2) {
		fprintf(stderr, "usage: roundtrip SHARED_DIR\n");
		return 2;
	}
	char dir[1024];
	snprintf(dir, sizeof(dir), "%s/reference/apphost", argv[1]);
	DIR *d = opendir(dir);
	if (!d) {
		printf("skipped: %s is absent\n", dir);
		return 77;
	}
	snprintf(root, sizeof(root), "/tmp/ahroundtrip.XXXXXX");
	if (!mkdtemp(root))
		return 1;
	snprintf(cfgdir, sizeof(cfgdir), "%s/config", root);
	snprintf(live, sizeof(live), "%s/applicationHost.config", cfgdir);
	mkdir(cfgdir, 0755);
	setenv("APPHOST_SYSTEM_DRIVE", root, 1);
	setenv("JEXUS_TEST_HOME", root, 1);
	struct dirent *de;
	int files = 0;
	while ((de = readdir(d))) {
		size_t l = strlen(de->d_name);
		if (l > 7 && strcmp(de->d_name + l - 7, ".config") == 0) {
			run_file(argv[1], de->d_name);
			files++;
		}
	}
	closedir(d);
	char cmd[400];
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", root);
	if (system(cmd) != 0)
		fprintf(stderr, "cannot remove %s\n", root);
	printf("%d files, %d checks, %d failures\n", files, checks, failures);
	return failures || files == 0 ? 1 : 0;
}
