/*
 * Fuzz target: the schema loader (src/lib/schema.h).
 *
 * The input is up to three schema files separated by lines of four dashes
 * ("\n----\n"); they are written to a private temporary folder (made once,
 * removed at exit) and loaded in order with ah__schema_load_files, so that
 * the merging of sections declared in several files is reached too.
 *
 * A load may fail (the error must then be set); a loaded schema is walked
 * completely and must hold together: every listed section is found by name,
 * names are non-empty, attributes and child elements are unique within their
 * element and found by ah__schema_attr / ah__schema_elem, a collection has at
 * least one add directive and its item is named after the first, enum and
 * flag values have names, and ranges have min <= max. Every default value is
 * read and formatted by its type, as the engine does for schema defaults.
 */
#include "lib/schema.h"
#include "lib/value.h"

#include "apphost/errors.h"

#include <ftw.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define CHECK(cond)                                                                                \
	do {                                                                                       \
		if (!(cond))                                                                       \
			abort();                                                                   \
	} while (0)

#define MAX_FILES 3
#define SEPARATOR "\n----\n"

static char tmpdir[64];
static bool verbose; /* AH_FUZZ_VERBOSE set: print what every load returns */
static char paths[MAX_FILES][96];

static int remove_entry(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
	(void)st;
	(void)flag;
	(void)ftw;
	return remove(path);
}

static void cleanup(void)
{
	if (tmpdir[0])
		nftw(tmpdir, remove_entry, 16, FTW_DEPTH | FTW_PHYS);
}

static int setup(void)
{
	if (tmpdir[0])
		return 0;
	snprintf(tmpdir, sizeof(tmpdir), "/tmp/ahfuzz-schema.XXXXXX");
	if (!mkdtemp(tmpdir)) {
		perror("mkdtemp");
		abort();
	}
	for (int i = 0; i < MAX_FILES; i++)
		snprintf(paths[i], sizeof(paths[i]), "%s/schema%d.xml", tmpdir, i);
	atexit(cleanup);
	verbose = getenv("AH_FUZZ_VERBOSE") != NULL;
	return 0;
}

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc;
	(void)argv;
	return setup();
}

static void write_file(const char *path, const uint8_t *data, size_t len)
{
	FILE *f = fopen(path, "wb");
	if (!f || (len && fwrite(data, 1, len, f) != len) || fclose(f) != 0) {
		perror(path);
		abort();
	}
}

static void check_attr(const ah_attr_schema *a, const ah_elem_schema *owner)
{
	CHECK(a->name && *a->name);
	CHECK(ah__schema_attr(owner, a->name) == a);
	CHECK(a->type >= AH_T_STRING && a->type <= AH_T_TIMESPAN);
	CHECK(a->nvalues == 0 || a->values);
	for (size_t i = 0; i < a->nvalues; i++)
		CHECK(a->values[i].name && *a->values[i].name);
	if (a->validator == AH_V_INTEGER_RANGE || a->validator == AH_V_TIMESPAN_RANGE)
		CHECK(a->v_min <= a->v_max);
	if (a->validator == AH_V_TIMESPAN_RANGE)
		CHECK(a->v_granularity > 0);
	/* the default, read as the engine reads it for an unset attribute */
	ah_value v;
	ah_buf out = AH_BUF_INIT;
	if (ah__value_parse(&v, a, a->default_value ? a->default_value : "", NULL) < 0) {
		memset(&v, 0, sizeof(v));
		v.type = a->type;
	}
	ah__value_format(&out, a, &v);
	CHECK(!ah_buf_oom(&out));
	ah_buf_free(&out);
}

static void check_elem(const ah_elem_schema *e, int depth)
{
	/* the loader refuses more than 64 levels; each level may add one
	 * element and one collection item */
	CHECK(depth <= 200);
	CHECK(e->nattrs == 0 || e->attrs);
	CHECK(e->nelems == 0 || e->elems);
	for (size_t i = 0; i < e->nattrs; i++)
		check_attr(e->attrs[i], e);
	for (size_t i = 0; i < e->nelems; i++) {
		const ah_elem_schema *c = e->elems[i];
		CHECK(c->name && *c->name);
		CHECK(ah__schema_elem(e, c->name) == c);
		check_elem(c, depth + 1);
	}
	const ah_coll_schema *c = e->coll;
	if (c) {
		CHECK(c->nadd >= 1 && c->add_names);
		CHECK(c->item.name == c->add_names[0]);
		for (size_t i = 0; i < c->nadd; i++) {
			CHECK(c->add_names[i] && *c->add_names[i]);
			CHECK(ah__schema_is_add(c, c->add_names[i]));
		}
		CHECK(!c->remove_name || *c->remove_name);
		CHECK(!c->clear_name || *c->clear_name);
		check_elem(&c->item, depth + 1);
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	setup();
	const char *list[MAX_FILES];
	size_t n = 0;
	const uint8_t *p = data, *end = data + size;
	while (n < MAX_FILES) {
		const uint8_t *sep =
		    n + 1 < MAX_FILES ? memmem(p, (size_t)(end - p), SEPARATOR, strlen(SEPARATOR))
		                      : NULL;
		const uint8_t *stop = sep ? sep : end;
		write_file(paths[n], p, (size_t)(stop - p));
		list[n] = paths[n];
		n++;
		if (!sep)
			break;
		p = sep + strlen(SEPARATOR);
	}

	ah_error_clear();
	ah_schema *s = NULL;
	int rc = ah__schema_load_files(&s, list, n);
	if (rc < 0) {
		CHECK(!s);
		CHECK(ah_error_last() && ah_error_last()->message);
		if (verbose)
			fprintf(stderr, "error %d: %s (line %u)\n", rc, ah_error_last()->message,
			        ah_error_last()->line);
	} else {
		CHECK(s);
		if (verbose)
			fprintf(stderr, "%zu sections\n", s->nlist);
		for (size_t i = 0; i < s->nlist; i++) {
			const ah_section_schema *sec = s->list[i];
			CHECK(sec->name && *sec->name);
			CHECK(ah__schema_section(s, sec->name) == sec);
			CHECK(sec->root.name);
			check_elem(&sec->root, 0);
		}
		ah__schema_free(s);
	}
	ah_error_clear();
	return 0;
}
