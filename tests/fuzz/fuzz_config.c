/*
 * Fuzz target: the configuration engine as a whole (include/apphost/config.h):
 * the file loader, <configSections>, <location>, configSource, the sites
 * index that maps paths to folders, delegation, locks and the merge.
 *
 * The input is a small configuration tree: up to six parts separated by lines
 * of four dashes ("\n----\n"), written to a private temporary tree (made on
 * first use, removed at exit):
 *
 *   part 1   config/applicationHost.config
 *   part 2   site/web.config                 (the site root's web.config)
 *   part 3   site/sub/web.config             (a sub-folder's web.config)
 *   part 4   config/framework/web.config     (MACHINE/WEBROOT)
 *   part 5   config/framework/machine.config (MACHINE)
 *   part 6   config/ext.config and site/ext.config (for configSource="ext.config")
 *
 * A part that is not in the input is a missing file. The environment
 * variables FUZZROOT and APPHOST_SYSTEM_DRIVE both name the tree's root, so
 * that physicalPath="%FUZZROOT%\site" and physicalPath="C:\site" both reach
 * the site folder. The schema is the project's own (schema/ of the source
 * tree).
 *
 * A fresh store is opened for every input; ten sections are read at the
 * levels MACHINE, MACHINE/WEBROOT, APPHOST, "Default Web Site",
 * "Default Web Site/sub" and below, and at the first sites the input itself
 * defines; every effective value of every element, child and collection item
 * is walked, expanded values are expanded and encrypted ones decrypted (the
 * standard providers' keys are made at start-up). Reading may fail with any
 * configuration error, but must not crash or leak, must set the thread error
 * when it fails (except for lack of memory), and every value must be a
 * string. Each read is made twice, with ah_config_section and with the cached
 * ah_config_lookup: both must give the same values, or the same error (code,
 * message and line). AH_FUZZ_VERBOSE in the environment prints every result.
 */
#include "apphost/config.h"
#include "apphost/entry.h"
#include "apphost/crypt.h"
#include "apphost/errors.h"
#include "util/alloc.h"
#include "util/buf.h"

#include <ftw.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#ifndef AH_TEST_SRCDIR
#error "AH_TEST_SRCDIR (the source tree) must be defined by the build"
#endif

#define CHECK(cond)                                                                                \
	do {                                                                                       \
		if (!(cond))                                                                       \
			abort();                                                                   \
	} while (0)

#define SEPARATOR "\n----\n"
#define NPARTS 6
#define SITES_READ 2

static char root[64];
static bool verbose; /* AH_FUZZ_VERBOSE set: print what every read returns */
static char config_dir[96];

/* Root-relative files of each part (part 6 has two). */
static const char *const part_files[NPARTS][2] = {
    {"config/applicationHost.config", NULL},
    {"site/web.config", NULL},
    {"site/sub/web.config", NULL},
    {"config/framework/web.config", NULL},
    {"config/framework/machine.config", NULL},
    {"config/ext.config", "site/ext.config"},
};

static const char *const sections[] = {
    "system.applicationHost/sites",
    "system.applicationHost/applicationPools",
    "system.webServer/defaultDocument",
    "system.webServer/httpErrors",
    "system.webServer/modules",
    "system.webServer/handlers",
    "system.webServer/security/requestFiltering",
    "system.webServer/staticContent",
    "system.webServer/directoryBrowse",
    "system.webServer/security/authentication/anonymousAuthentication",
};

static const char *const fixed_paths[] = {
    "MACHINE",
    "MACHINE/WEBROOT",
    "MACHINE/WEBROOT/APPHOST",
    "MACHINE/WEBROOT/APPHOST/Default Web Site",
    "MACHINE/WEBROOT/APPHOST/Default Web Site/sub",
    "Default Web Site/sub/deeper/x.htm",
};

static int remove_entry(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
	(void)st;
	(void)flag;
	(void)ftw;
	return remove(path);
}

static void cleanup(void)
{
	if (root[0])
		nftw(root, remove_entry, 16, FTW_DEPTH | FTW_PHYS);
}

static void put_file(const char *rel, const uint8_t *data, size_t len, bool present)
{
	char path[160];
	snprintf(path, sizeof(path), "%s/%s", root, rel);
	if (!present) {
		unlink(path);
		return;
	}
	FILE *f = fopen(path, "wb");
	if (!f || (len && fwrite(data, 1, len, f) != len) || fclose(f) != 0) {
		perror(path);
		abort();
	}
}

static void make_dir(const char *rel)
{
	char path[160];
	snprintf(path, sizeof(path), "%s/%s", root, rel);
	if (mkdir(path, 0755) < 0) {
		perror(path);
		abort();
	}
}

/* Create the keys of the two standard providers, so that encrypted values
 * reach the decryption of their payload (which then fails: the inputs were
 * not encrypted with these keys). */
static void make_keys(void)
{
	static const char *const providers[] = {"AesProvider", "IISWASOnlyAesProvider"};
	ah_config_opts opts = {.config_dir = config_dir, .schema_dir = AH_TEST_SRCDIR "/schema"};
	ah_config *cfg = NULL;
	put_file("config/applicationHost.config", (const uint8_t *)"<configuration/>", 16, true);
	CHECK(ah_config_open(&cfg, &opts) == 0);
	for (size_t i = 0; i < 2; i++) {
		char *enc = NULL;
		if (ah_crypt_encrypt(&enc, cfg, providers[i], "secret") < 0 && verbose)
			fprintf(stderr, "no key for %s: %s\n", providers[i],
			        ah_error_last() ? ah_error_last()->message : "");
		ah_free(enc);
		ah_error_clear();
	}
	ah_config_free(cfg);
}

static void setup(void)
{
	if (root[0])
		return;
	snprintf(root, sizeof(root), "/tmp/ahfuzz-config.XXXXXX");
	if (!mkdtemp(root)) {
		perror("mkdtemp");
		abort();
	}
	atexit(cleanup);
	make_dir("config");
	make_dir("config/framework");
	make_dir("site");
	make_dir("site/sub");
	snprintf(config_dir, sizeof(config_dir), "%s/config", root);
	verbose = getenv("AH_FUZZ_VERBOSE") != NULL;
	setenv("FUZZROOT", root, 1);
	setenv("APPHOST_SYSTEM_DRIVE", root, 1);
	make_keys();
}

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc;
	(void)argv;
	setup();
	return 0;
}

/* Split the input into its parts and write them (absent parts: no file). */
static void write_tree(const uint8_t *data, size_t size)
{
	const uint8_t *p = data, *end = data + size;
	size_t seplen = strlen(SEPARATOR);
	for (int i = 0; i < NPARTS; i++) {
		const uint8_t *stop = NULL;
		if (p) {
			const uint8_t *sep =
			    i + 1 < NPARTS ? memmem(p, (size_t)(end - p), SEPARATOR, seplen) : NULL;
			stop = sep ? sep : end;
		}
		for (int k = 0; k < 2 && part_files[i][k]; k++)
			put_file(part_files[i][k], p, p ? (size_t)(stop - p) : 0, p != NULL);
		p = p && stop != end ? stop + seplen : NULL;
	}
}

static void touch(const char *s)
{
	if (s)
		(void)strlen(s);
}

/* Expanded and encrypted values go through the functions that use them. */
static void use_value(ah_config *cfg, const ah_attr_info *info)
{
	if (info->expanded) {
		char *x = ah_expand(info->text);
		char *p = ah_physical_path(info->text);
		touch(x);
		touch(p);
		ah_free(x);
		ah_free(p);
	}
	if (info->encrypted && ah_crypt_is_encrypted(info->text)) {
		char *plain = NULL, *provider = NULL;
		ah_error_clear();
		if (ah_crypt_decrypt(&plain, cfg, info->text) == 0)
			CHECK(plain);
		else
			CHECK(!plain);
		ah_crypt_free(plain);
		if (ah_crypt_provider(&provider, info->text) == 0)
			touch(provider);
		ah_free(provider);
		ah_error_clear();
	}
}

/* Walk every effective value below e, writing names and values to out so
 * that two reads of the same section can be compared. */
static void walk(ah_config *cfg, const ah_elem *e, ah_buf *out, int depth)
{
	CHECK(depth < 64);
	ah_buf_printf(out, "<%s%s", ah_elem_tag(e), ah_elem_is_set(e) ? "" : "?");
	ah_origin o = ah_elem_origin(e);
	touch(o.file);
	touch(o.config_path);
	size_t na = ah_elem_attr_count(e);
	for (size_t i = 0; i < na; i++) {
		ah_attr_info info;
		CHECK(ah_elem_attr_at(e, i, &info));
		CHECK(info.name && info.text);
		ah_buf_printf(out, " %s=%s", info.name, info.text);
		touch(info.raw);
		touch(info.origin.file);
		touch(info.origin.config_path);
		CHECK(ah_elem_get(e, info.name) != NULL);
		use_value(cfg, &info);
	}
	ah_attr_info past;
	CHECK(!ah_elem_attr_at(e, na, &past));
	ah_buf_putc(out, '>');
	size_t nc = ah_elem_child_count(e);
	for (size_t i = 0; i < nc; i++) {
		const ah_elem *c = ah_elem_child_at(e, i);
		if (c) /* NULL only when out of memory */
			walk(cfg, c, out, depth + 1);
	}
	if (!ah_elem_has_collection(e)) {
		CHECK(ah_elem_item_count(e) == 0);
		return;
	}
	size_t ni = ah_elem_item_count(e);
	for (size_t i = 0; i < ni; i++) {
		const ah_elem *it = ah_elem_item_at(e, i);
		CHECK(it);
		walk(cfg, it, out, depth + 1);
	}
	CHECK(ah_elem_item_at(e, ni) == NULL);
	if (ni) {
		/* an item is found by the value of its first attribute */
		const ah_elem *first = ah_elem_item_at(e, 0);
		ah_attr_info key;
		if (ah_elem_attr_at(first, 0, &key) && !key.unrecognized)
			CHECK(ah_elem_find_item(e, key.name, key.text) != NULL);
	}
}

/* The outcome of one read: the error, or the walked values. */
typedef struct outcome {
	int rc;
	unsigned line;
	ah_buf text; /* the error message, or the walk */
} outcome;

static void take_error(outcome *o, int rc)
{
	const ah_error *err = ah_error_last();
	CHECK(rc == AH_ENOMEM || err != NULL);
	o->rc = rc;
	if (err) {
		o->line = err->line;
		ah_buf_puts(&o->text, err->message);
		touch(err->file);
	}
	ah_error_clear();
}

static void read_section(ah_config *cfg, const char *name, const char *path)
{
	outcome fresh = {0, 0, AH_BUF_INIT}, cached = {0, 0, AH_BUF_INIT};
	ah_section *s = NULL;
	ah_error_clear();
	int rc = ah_config_section(&s, cfg, name, path);
	if (rc < 0) {
		CHECK(!s);
		take_error(&fresh, rc);
	} else {
		CHECK(s);
		touch(ah_section_name(s));
		touch(ah_section_path(s));
		walk(cfg, ah_section_root(s), &fresh.text, 0);
		ah_section_free(s);
	}
	if (verbose)
		fprintf(stderr, "%s @ %s: %d %.300s\n", name, path, fresh.rc,
		        ah_buf_cstr(&fresh.text));

	/* the cached lookup must agree, and return the same section again */
	const ah_section *cs = NULL, *again = NULL;
	rc = ah_config_lookup(&cs, cfg, name, path);
	if (rc < 0) {
		CHECK(!cs);
		take_error(&cached, rc);
	} else {
		CHECK(cs);
		walk(cfg, ah_section_root(cs), &cached.text, 0);
	}
	CHECK(ah_config_lookup(&again, cfg, name, path) == rc && again == cs);
	ah_error_clear();
	if (fresh.rc != AH_ENOMEM && cached.rc != AH_ENOMEM) {
		CHECK(fresh.rc == cached.rc && fresh.line == cached.line);
		CHECK(strcmp(ah_buf_cstr(&fresh.text), ah_buf_cstr(&cached.text)) == 0);
	}
	ah_buf_free(&fresh.text);
	ah_buf_free(&cached.text);
}

static void read_all(ah_config *cfg, const char *path)
{
	char *norm = NULL;
	ah_error_clear();
	if (ah_config_path_normalize(&norm, cfg, path) == 0)
		touch(norm);
	ah_free(norm);
	ah_error_clear();
	for (size_t i = 0; i < sizeof(sections) / sizeof(sections[0]); i++)
		read_section(cfg, sections[i], path);
}

/* The paths of the first sites the input defines: "<name>" and "<name>/sub". */
static void read_input_sites(ah_config *cfg)
{
	ah_section *s = NULL;
	ah_error_clear();
	if (ah_config_section(&s, cfg, "system.applicationHost/sites", "MACHINE/WEBROOT/APPHOST") <
	    0) {
		ah_error_clear();
		return;
	}
	const ah_elem *sites = ah_section_root(s);
	size_t n = ah_elem_item_count(sites);
	for (size_t i = 0; i < n && i < SITES_READ; i++) {
		const char *name = ah_elem_get(ah_elem_item_at(sites, i), "name");
		size_t len = strlen(name) + 5;
		char *sub = malloc(len);
		if (!sub)
			break;
		snprintf(sub, len, "%s/sub", name);
		read_all(cfg, name);
		read_all(cfg, sub);
		free(sub);
	}
	ah_section_free(s);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	setup();
	write_tree(data, size);
	ah_config_opts opts = {
	    .config_dir = config_dir,
	    .schema_dir = AH_TEST_SRCDIR "/schema",
	};
	ah_config *cfg = NULL;
	ah_error_clear();
	CHECK(ah_config_open(&cfg, &opts) == 0);
	const char *const *names;
	size_t nnames;
	if (ah_config_section_names(&names, &nnames, cfg, "MACHINE/WEBROOT/APPHOST") == 0)
		for (size_t i = 0; i < nnames; i++)
			touch(names[i]);
	for (size_t i = 0; i < sizeof(sections) / sizeof(sections[0]); i++)
		CHECK(ah_config_has_schema(cfg, sections[i]));
	for (size_t i = 0; i < sizeof(fixed_paths) / sizeof(fixed_paths[0]); i++)
		read_all(cfg, fixed_paths[i]);
	read_input_sites(cfg);
	/* cached sections dropped, then computed again */
	ah_config_invalidate(cfg);
	read_section(cfg, sections[0], fixed_paths[4]);
	ah_config_free(cfg);
	ah_error_clear();
	return 0;
}
