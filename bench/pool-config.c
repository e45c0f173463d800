/*
 * pool-config: write the isolated configuration file apphostd would give an
 * application pool (src/activator/isolate.c), for bench/run-worker-mem.sh.
 *
 *   pool-config -d CONFIG_DIR [-s SCHEMA_DIR] -p POOL -o FILE
 *
 * Prints the host names the pool's sites are bound to, one a line, on stdout.
 */
#include "activator/isolate.h"
#include "activator/model.h"
#include "apphost/config.h"
#include "apphost/errors.h"
#include "util/alloc.h"
#include "util/fs.h"
#include "util/str.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static void die(const char *what, int rc)
{
	fprintf(stderr, "pool-config: %s failed (%d)\n", what, rc);
	exit(1);
}

int main(int argc, char **argv)
{
	const char *dir = NULL, *schema = NULL, *pool = NULL, *outfile = NULL;
	int c;
	while ((c = getopt(argc, argv, "d:s:p:o:")) != -1) {
		switch (c) {
		case 'd': dir = optarg; break;
		case 's': schema = optarg; break;
		case 'p': pool = optarg; break;
		case 'o': outfile = optarg; break;
		default:
			fprintf(stderr, "usage: pool-config -d DIR [-s SCHEMA] -p POOL -o FILE\n");
			return 2;
		}
	}
	if (!dir || !pool || !outfile) {
		fprintf(stderr, "usage: pool-config -d DIR [-s SCHEMA] -p POOL -o FILE\n");
		return 2;
	}
	ah_config_opts o = {.config_dir = dir, .schema_dir = schema};
	ah_config *cfg;
	int rc = ah_config_open(&cfg, &o);
	if (rc < 0)
		die("ah_config_open", rc);
	ad_model *m;
	if ((rc = ad_model_load(&m, cfg)) < 0)
		die("ad_model_load", rc);
	if (!ad_model_pool(m, pool)) {
		fprintf(stderr, "pool-config: no application pool '%s'\n", pool);
		return 1;
	}
	char *path = ah_strdup(dir), *src, *out;
	size_t len, outlen;
	char *full = NULL;
	if (!path || asprintf(&full, "%s/applicationHost.config", path) < 0)
		die("allocation", AH_ENOMEM);
	if ((rc = ah_fs_read(&src, &len, NULL, full)) < 0)
		die("reading applicationHost.config", rc);
	if ((rc = ad_isolate_render(&out, &outlen, src, len, m, pool)) < 0)
		die("ad_isolate_render", rc);
	FILE *f = fopen(outfile, "w");
	if (!f || fwrite(out, 1, outlen, f) != outlen || fclose(f) != 0)
		die("writing the file", AH_EIO);
	for (size_t i = 0; i < m->nsites; i++) {
		const ad_site *s = &m->sites[i];
		for (size_t k = 0; k < s->nbindings && ad_model_site_uses_pool(s, pool); k++)
			if (*s->bindings[k].host)
				printf("%s\n", s->bindings[k].host);
	}
	ah_free(out);
	ah_free(src);
	free(full);
	ah_free(path);
	ad_model_free(m);
	ah_config_free(cfg);
	return 0;
}
