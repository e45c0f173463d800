/*
 * config-load — how fast the configuration engine loads and answers on a large
 * applicationHost.config (bench/gen-apphost.py makes one).
 *
 * Steps, each repeated and reported as the median (milliseconds unless said):
 *
 *   open           ah_config_open: the schema folder is read
 *   parse          open + system.applicationHost/webLimits at APPHOST: the
 *                  cost of reading applicationHost.config with a trivial merge
 *   load           open + ah_config_section(system.applicationHost/sites) at
 *                  APPHOST: the file is parsed and every site merged
 *                  (sites_section: the ah_config_section call alone)
 *   pools_cold     open + applicationPools at APPHOST (what `appcmd list apppool`
 *                  does in-process); pools_warm: the merge alone, file cached
 *   site_cold      open + defaultDocument at one site path: parse, the sites
 *                  index, then the section (the first request of a server)
 *   site_warm      defaultDocument at a site path on a loaded store, uncached
 *                  (microseconds per call, over every lookup path)
 *   cache_fill     the first ah_config_lookup of every lookup path, after
 *                  ah_config_invalidate (so it rebuilds the sites index too)
 *   lookup         ah_config_lookup of the same paths once cached (ns per
 *                  lookup and lookups per second)
 *
 * One untimed load comes first, so that every step runs on a heap already
 * faulted in (the -1 mode below is the fresh process). The cold steps also
 * report their CPU time (*_cpu_ms): on a machine shared with other work it is
 * the steadier figure. Memory: the heap in use (glibc's
 * mallinfo2) once the file is parsed, with the merged sites section, and per
 * cached section; the peak resident set (getrusage) after the first load and
 * at the end.
 * Output is one "key value" line per number, for bench/run-config.sh; the
 * results are checked for sense (site count, a <location> value) so that a
 * broken engine cannot look fast.
 *
 * Usage: config-load -d CONFIG_DIR [-s SCHEMA_DIR] [-r REPEAT] [-p PATHS]
 *                    [-l LOOKUP_PASSES] [-x all|load|pools|site|lookup]
 *        config-load -d CONFIG_DIR [-s SCHEMA_DIR] -1 PATH
 * -p: how many site paths are looked up (1000), -l: passes over them once
 * cached (1000), -x: run one step only (to profile it under perf).
 * -1 PATH: open the store and read defaultDocument at PATH once, nothing else
 * (a process to time beside xmllint; PATH "MACHINE/WEBROOT/APPHOST" reads
 * the sites section there instead). The full run prints a sample site path.
 */
#include "apphost/config.h"
#include "apphost/entry.h"
#include "apphost/errors.h"

#include <getopt.h>
#include <malloc.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <time.h>

#define APPHOST "MACHINE/WEBROOT/APPHOST"
#define SITES "system.applicationHost/sites"
#define POOLS "system.applicationHost/applicationPools"
#define DEFDOC "system.webServer/defaultDocument"

static const char *opt_dir;
static const char *opt_schema;

static double now_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec * 1e3 + (double)ts.tv_nsec / 1e6;
}

/* CPU time of the process: robust when other processes share the machine */
static double cpu_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
	return (double)ts.tv_sec * 1e3 + (double)ts.tv_nsec / 1e6;
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;
	return (x > y) - (x < y);
}

static double median(double *v, int n)
{
	qsort(v, (size_t)n, sizeof(*v), cmp_double);
	return n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
}

static long peak_rss_kb(void)
{
	struct rusage ru;
	getrusage(RUSAGE_SELF, &ru);
	return ru.ru_maxrss;
}

/* Bytes of heap in use (glibc), to size what the engine keeps. */
static long heap_kb(void)
{
	struct mallinfo2 mi = mallinfo2();
	return (long)(mi.uordblks + mi.hblkhd) / 1024;
}

static void die(const char *what, int rc)
{
	const ah_error *e = ah_error_last();
	fprintf(stderr, "config-load: %s failed (%d): %s", what, rc, e ? e->message : "no detail");
	if (e && e->file)
		fprintf(stderr, " [%s:%u]", e->file, e->line);
	fputc('\n', stderr);
	exit(1);
}

static ah_config *open_store(void)
{
	ah_config_opts o = {.config_dir = opt_dir, .schema_dir = opt_schema};
	ah_config *cfg;
	int rc = ah_config_open(&cfg, &o);
	if (rc < 0)
		die("ah_config_open", rc);
	return cfg;
}

static ah_section *section(ah_config *cfg, const char *name, const char *path)
{
	ah_section *s;
	int rc = ah_config_section(&s, cfg, name, path);
	if (rc < 0)
		die(name, rc);
	return s;
}

/* The lookup paths: `want` sites spread over the whole file; a site with more
 * than one application is looked up below its last one. */
static char **pick_paths(const ah_section *sites, int want, int *count)
{
	const ah_elem *root = ah_section_root(sites);
	size_t n = ah_elem_item_count(root);
	if (n == 0) {
		fprintf(stderr, "config-load: the file defines no site\n");
		exit(1);
	}
	if ((size_t)want > n)
		want = (int)n;
	char **paths = calloc((size_t)want, sizeof(*paths));
	if (!paths)
		exit(1);
	for (int i = 0; i < want; i++) {
		const ah_elem *site = ah_elem_item_at(root, (size_t)i * n / (size_t)want);
		size_t napps = ah_elem_item_count(site);
		const char *app =
		    napps > 1 ? ah_elem_get(ah_elem_item_at(site, napps - 1), "path") : "";
		size_t len = strlen(APPHOST) + strlen(ah_elem_get(site, "name")) + strlen(app) + 2;
		paths[i] = malloc(len);
		if (!paths[i])
			exit(1);
		snprintf(paths[i], len, "%s/%s%s", APPHOST, ah_elem_get(site, "name"),
		         strcmp(app, "/") == 0 ? "" : app);
	}
	*count = want;
	return paths;
}

/* gen-apphost.py gives every 20th site a <location> tag: that site must see
 * its own default documents. */
static void check_location(ah_config *cfg, const ah_section *sites)
{
	const ah_elem *root = ah_section_root(sites);
	size_t n = ah_elem_item_count(root);
	if (n < 20)
		return;
	const char *name = ah_elem_get(ah_elem_item_at(root, 19), "name");
	char path[512];
	snprintf(path, sizeof(path), "%s/%s", APPHOST, name);
	ah_section *s = section(cfg, DEFDOC, path);
	const ah_elem *files = ah_elem_child(ah_section_root(s), "files");
	const char *first = files && ah_elem_item_count(files)
	                        ? ah_elem_get(ah_elem_item_at(files, 0), "value")
	                        : "";
	printf("check_first_default_document %s\n", *first ? first : "(none)");
	ah_section_free(s);
}

/* Medians of one run. */
struct results {
	size_t nsites, npools;
	int npaths, rounds;
	double open, parse, load, merge, pools_cold, pools_warm, site_cold, site_warm, fill, look;
	double load_cpu, pools_cold_cpu, site_cold_cpu; /* CPU time of the same steps */
	long rss_load, rss_end;
	long heap_parsed, heap_sites, heap_index, heap_cached; /* KB */
};

/* (a) the load: open, then parse alone (a one-line section), then open + sites. */
static void step_load(struct results *res, double *t, double *u, double *w, int repeat)
{
	/* one untimed load first: the heap the steps reuse is then faulted in
	 * for all of them alike (a fresh process is what -1 measures) */
	ah_config *warm = open_store();
	ah_section_free(section(warm, SITES, APPHOST));
	ah_config_free(warm);
	res->rss_load = peak_rss_kb();
	for (int r = 0; r < repeat; r++) {
		double t0 = now_ms();
		ah_config *cfg = open_store();
		double t1 = now_ms();
		ah_section *s = section(cfg, "system.applicationHost/webLimits", APPHOST);
		t[r] = now_ms() - t0;
		u[r] = t1 - t0;
		if (r == 0)
			res->heap_parsed = heap_kb();
		ah_section_free(s);
		ah_config_free(cfg);
	}
	res->parse = median(t, repeat);
	res->open = median(u, repeat);
	for (int r = 0; r < repeat; r++) {
		double c0 = cpu_ms(), t0 = now_ms();
		ah_config *cfg = open_store();
		double t1 = now_ms();
		ah_section *s = section(cfg, SITES, APPHOST);
		double t2 = now_ms();
		t[r] = t2 - t0;
		u[r] = t2 - t1;
		w[r] = cpu_ms() - c0;
		if (r == 0) {
			res->heap_sites = heap_kb();
			res->nsites = ah_elem_item_count(ah_section_root(s));
		}
		ah_section_free(s);
		ah_config_free(cfg);
	}
	res->load = median(t, repeat);
	res->merge = median(u, repeat);
	res->load_cpu = median(w, repeat);
}

/* (b) applicationPools: cold (open, parse, merge) and warm (merge only) */
static void step_pools(struct results *res, double *t, double *u, double *w, int repeat)
{
	for (int r = 0; r < repeat; r++) {
		double c0 = cpu_ms(), t0 = now_ms();
		ah_config *cfg = open_store();
		ah_section *s = section(cfg, POOLS, APPHOST);
		double t1 = now_ms();
		w[r] = cpu_ms() - c0;
		ah_section *s2 = section(cfg, POOLS, APPHOST);
		double t2 = now_ms();
		t[r] = t1 - t0;
		u[r] = t2 - t1;
		res->npools = ah_elem_item_count(ah_section_root(s));
		ah_section_free(s);
		ah_section_free(s2);
		ah_config_free(cfg);
	}
	res->pools_cold = median(t, repeat);
	res->pools_cold_cpu = median(w, repeat);
	res->pools_warm = median(u, repeat);
}

/* (c) a section at a site path: cold (the first request of a server: open,
 * parse, sites index, section), then warm and uncached over every path */
static void step_site(struct results *res, ah_config *cfg, char **paths, double *t, double *w,
                      int repeat)
{
	int np = res->npaths;
	for (int r = 0; r < repeat; r++) {
		double c0 = cpu_ms(), t0 = now_ms();
		ah_config *c2 = open_store();
		ah_section *s = section(c2, DEFDOC, paths[(size_t)r * (size_t)np / (size_t)repeat]);
		t[r] = now_ms() - t0;
		w[r] = cpu_ms() - c0;
		ah_section_free(s);
		ah_config_free(c2);
	}
	res->site_cold = median(t, repeat);
	res->site_cold_cpu = median(w, repeat);
	for (int r = 0; r < repeat; r++) {
		double t0 = now_ms();
		for (int i = 0; i < np; i++)
			ah_section_free(section(cfg, DEFDOC, paths[i]));
		t[r] = (now_ms() - t0) * 1e3 / np; /* microseconds per call */
	}
	res->site_warm = median(t, repeat);
}

/* (d) cached lookups: fill the cache (after an invalidation, which also drops
 * the sites index), then `rounds` passes over every path */
static void step_lookup(struct results *res, ah_config *cfg, char **paths, double *t, double *u,
                        int repeat)
{
	int np = res->npaths;
	for (int r = 0; r < repeat; r++) {
		ah_config_invalidate(cfg);
		double t0 = now_ms();
		for (int i = 0; i < np; i++) {
			const ah_section *s;
			int rc = ah_config_lookup(&s, cfg, DEFDOC, paths[i]);
			if (rc < 0)
				die("ah_config_lookup", rc);
		}
		double t1 = now_ms();
		const ah_section *sink = NULL;
		for (int k = 0; k < res->rounds; k++) {
			for (int i = 0; i < np; i++) {
				const ah_section *s;
				if (ah_config_lookup(&s, cfg, DEFDOC, paths[i]) < 0)
					die("ah_config_lookup", -1);
				sink = s;
			}
		}
		double t2 = now_ms();
		if (!sink || !ah_section_root(sink))
			die("ah_config_lookup (no section)", -1);
		t[r] = t1 - t0;
		u[r] = (t2 - t1) * 1e6 / ((double)res->rounds * np); /* ns per lookup */
	}
	res->fill = median(t, repeat);
	res->look = median(u, repeat);

	/* what the store keeps: the parsed files and the sites index, then the
	 * cached sections */
	ah_config_invalidate(cfg);
	ah_section_free(section(cfg, DEFDOC, paths[0]));
	res->heap_index = heap_kb();
	for (int i = 0; i < np; i++) {
		const ah_section *s;
		if (ah_config_lookup(&s, cfg, DEFDOC, paths[i]) < 0)
			die("ah_config_lookup", -1);
	}
	res->heap_cached = heap_kb() - res->heap_index;
}

static void print_results(const struct results *res, int repeat)
{
	printf("sites %zu\n", res->nsites);
	printf("pools %zu\n", res->npools);
	printf("lookup_paths %d\n", res->npaths);
	printf("lookups_per_pass %d\n", res->rounds * res->npaths);
	printf("repeat %d\n", repeat);
	printf("open_ms %.2f\n", res->open);
	printf("parse_ms %.2f\n", res->parse);
	printf("sites_section_ms %.2f\n", res->merge);
	printf("load_ms %.2f\n", res->load);
	printf("load_cpu_ms %.2f\n", res->load_cpu);
	printf("pools_cold_ms %.2f\n", res->pools_cold);
	printf("pools_cold_cpu_ms %.2f\n", res->pools_cold_cpu);
	printf("pools_warm_ms %.2f\n", res->pools_warm);
	printf("site_cold_ms %.2f\n", res->site_cold);
	printf("site_cold_cpu_ms %.2f\n", res->site_cold_cpu);
	printf("site_warm_us %.2f\n", res->site_warm);
	printf("cache_fill_ms %.2f\n", res->fill);
	printf("lookup_ns %.1f\n", res->look);
	printf("lookups_per_s %.0f\n", res->look > 0 ? 1e9 / res->look : 0.0);
	printf("heap_parsed_kb %ld\n", res->heap_parsed);
	printf("heap_sites_kb %ld\n", res->heap_sites);
	printf("heap_store_kb %ld\n", res->heap_index);
	printf("cached_section_bytes %ld\n",
	       res->npaths ? res->heap_cached * 1024 / res->npaths : 0);
	printf("peak_rss_load_kb %ld\n", res->rss_load);
	printf("peak_rss_end_kb %ld\n", res->rss_end);
}

static void usage(void)
{
	fprintf(stderr, "usage: config-load -d CONFIG_DIR [-s SCHEMA_DIR] [-r REPEAT] [-p PATHS]\n"
	                "                   [-l LOOKUP_PASSES] [-x all|load|pools|site|lookup]\n"
	                "       config-load -d CONFIG_DIR [-s SCHEMA_DIR] -1 PATH\n");
	exit(2);
}

/* -1: one open and one section, as a process of its own */
static int once(const char *path)
{
	ah_config *cfg = open_store();
	bool apphost = strcmp(path, APPHOST) == 0;
	ah_section *s = section(cfg, apphost ? SITES : DEFDOC, path);
	if (apphost && ah_elem_item_count(ah_section_root(s)) == 0)
		die("sites (no site)", -1);
	ah_section_free(s);
	ah_config_free(cfg);
	return 0;
}

int main(int argc, char **argv)
{
	struct results res = {.npaths = 1000, .rounds = 1000};
	int repeat = 5, c;
	const char *only = "all", *once_path = NULL;
	while ((c = getopt(argc, argv, "d:s:r:p:l:x:1:")) != -1) {
		switch (c) {
		case 'd':
			opt_dir = optarg;
			break;
		case 's':
			opt_schema = optarg;
			break;
		case 'r':
			repeat = (int)strtol(optarg, NULL, 10);
			break;
		case 'p':
			res.npaths = (int)strtol(optarg, NULL, 10);
			break;
		case 'l':
			res.rounds = (int)strtol(optarg, NULL, 10);
			break;
		case 'x':
			only = optarg;
			break;
		case '1':
			once_path = optarg;
			break;
		default:
			usage();
		}
	}
	if (!opt_dir || repeat < 1 || res.npaths < 1 || res.rounds < 1)
		usage();
	if (once_path)
		return once(once_path);
	bool all = strcmp(only, "all") == 0;
	double *t = calloc((size_t)repeat, sizeof(double));
	double *u = calloc((size_t)repeat, sizeof(double));
	double *w = calloc((size_t)repeat, sizeof(double));
	if (!t || !u || !w)
		return 1;

	if (all || strcmp(only, "load") == 0)
		step_load(&res, t, u, w, repeat);
	if (all || strcmp(only, "pools") == 0)
		step_pools(&res, t, u, w, repeat);
	if (all || strcmp(only, "site") == 0 || strcmp(only, "lookup") == 0) {
		ah_config *cfg = open_store();
		ah_section *sites = section(cfg, SITES, APPHOST);
		char **paths = pick_paths(sites, res.npaths, &res.npaths);
		res.nsites = ah_elem_item_count(ah_section_root(sites));
		check_location(cfg, sites);
		printf("sample_path %s\n", paths[res.npaths / 2]);
		if (all || strcmp(only, "site") == 0)
			step_site(&res, cfg, paths, t, w, repeat);
		if (all || strcmp(only, "lookup") == 0)
			step_lookup(&res, cfg, paths, t, u, repeat);
		for (int i = 0; i < res.npaths; i++)
			free(paths[i]);
		free(paths);
		ah_section_free(sites);
		ah_config_free(cfg);
	}
	res.rss_end = peak_rss_kb();
	print_results(&res, repeat);
	free(t);
	free(u);
	free(w);
	return 0;
}
