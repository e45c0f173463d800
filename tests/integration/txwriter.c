/*
 * txwriter: one write transaction from the command line, for the integration
 * tests that run many writers at once or kill them. The configuration store
 * is the default one ($APPHOST_CONFIG_DIR, $APPHOST_SCHEMA_DIR).
 *
 *   txwriter add-pool NAME                 add an application pool
 *   txwriter set-pool NAME ATTR VALUE      set an attribute of a pool
 *   txwriter list-pools                    print "NAME QUEUELENGTH" for each pool
 *
 * Exit status 0 on success; 1 with the engine's message on standard error.
 */
#include "apphost/config.h"
#include "apphost/edit.h"

#include <stdio.h>
#include <string.h>

#define POOLS "system.applicationHost/applicationPools"

static int fail(const char *what)
{
	const ah_error *e = ah_error_last();
	fprintf(stderr, "txwriter: %s: %s (%s:%u)\n", what, e ? e->message : "error",
		e && e->file ? e->file : "", e ? e->line : 0);
	return 1;
}

static int list_pools(ah_config *cfg)
{
	const ah_section *s;
	if (ah_config_lookup(&s, cfg, POOLS, "MACHINE/WEBROOT/APPHOST") < 0)
		return fail("read");
	const ah_elem *root = ah_section_root(s);
	for (size_t i = 0; i < ah_elem_item_count(root); i++) {
		const ah_elem *p = ah_elem_item_at(root, i);
		printf("%s %s\n", ah_elem_get(p, "name"), ah_elem_get(p, "queueLength"));
	}
	return 0;
}

static int write_one(ah_config *cfg, int argc, char **argv)
{
	ah_tx *tx;
	if (ah_tx_begin(&tx, cfg) < 0)
		return fail("begin");
	const char *key = "name";
	ah_step item = {.keys = &key, .values = (const char *const *)&argv[2], .nkeys = 1,
			.index = AH_POS_NONE};
	ah_where w = {.path = "MACHINE/WEBROOT/APPHOST", .section = POOLS};
	int rc;
	if (strcmp(argv[1], "add-pool") == 0 && argc == 3) {
		rc = ah_tx_add(tx, &w, NULL, &key, (const char *const *)&argv[2], 1, AH_POS_END);
	} else if (strcmp(argv[1], "set-pool") == 0 && argc == 5) {
		w.steps = &item;
		w.nsteps = 1;
		rc = ah_tx_set(tx, &w, argv[3], argv[4]);
	} else {
		ah_tx_free(tx);
		fprintf(stderr, "txwriter: bad arguments\n");
		return 2;
	}
	if (rc == 0)
		rc = ah_tx_commit(tx);
	ah_tx_free(tx);
	return rc < 0 ? fail(argv[1]) : 0;
}

int main(int argc, char **argv)
{
	if (argc < 2) {
		fprintf(stderr, "usage: txwriter add-pool NAME | set-pool NAME ATTR VALUE | "
				"list-pools\n");
		return 2;
	}
	ah_config *cfg;
	if (ah_config_open(&cfg, NULL) < 0)
		return fail("open");
	int status = strcmp(argv[1], "list-pools") == 0 ? list_pools(cfg) : write_one(cfg, argc, argv);
	ah_config_free(cfg);
	return status;
}
