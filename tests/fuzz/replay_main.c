/*
 * The replay driver: a main() for the fuzz targets of tests/fuzz/ that runs
 * without libFuzzer, so that every corpus replays as a plain CTest test with
 * any compiler.
 *
 *   replay_fuzz_<name> PATH...
 *
 * Each PATH is a folder (every regular file directly inside it is one input;
 * sub-folders are not entered) or a single file. Inputs run in name order,
 * once each, through LLVMFuzzerTestOneInput, from a heap buffer of exactly
 * the input's size so that the sanitizers see any read past its end. The
 * name of each input is written to stderr before it runs, so that a crash
 * names its input. Arguments that start with '-' are libFuzzer options and
 * are ignored. A target's optional LLVMFuzzerInitialize hook is called
 * first, as libFuzzer does.
 *
 * Exit status: 0 when every input ran ("N inputs replayed" on stdout), 2 when
 * a path cannot be read. A crash or a sanitizer report ends the process with
 * its own failing status.
 */
#include <dirent.h>
#include <errno.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerInitialize(int *argc, char ***argv) __attribute__((weak));

static int read_file(const char *path, uint8_t **out, size_t *len)
{
	FILE *f = fopen(path, "rb");
	if (!f)
		return -1;
	uint8_t *buf = NULL;
	size_t n = 0, cap = 0;
	for (;;) {
		if (n == cap) {
			cap = cap ? cap * 2 : 4096;
			uint8_t *nb = realloc(buf, cap);
			if (!nb) {
				free(buf);
				fclose(f);
				return -1;
			}
			buf = nb;
		}
		size_t got = fread(buf + n, 1, cap - n, f);
		n += got;
		if (got == 0)
			break;
	}
	int err = ferror(f);
	fclose(f);
	if (err) {
		free(buf);
		return -1;
	}
	/* an exact-size copy: a read past the input's end is a heap overflow */
	uint8_t *exact = malloc(n ? n : 1);
	if (!exact) {
		free(buf);
		return -1;
	}
	if (n)
		memcpy(exact, buf, n);
	free(buf);
	*out = exact;
	*len = n;
	return 0;
}

static int run_file(const char *path)
{
	uint8_t *data;
	size_t len;
	if (read_file(path, &data, &len) < 0) {
		fprintf(stderr, "replay: cannot read %s: %s\n", path, strerror(errno));
		return -1;
	}
	fprintf(stderr, "replay: %s (%zu bytes)\n", path, len);
	LLVMFuzzerTestOneInput(data, len);
	free(data);
	return 0;
}

static int cmp_names(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* The paths of the regular files directly inside dir, sorted. */
static int list_dir(const char *dir, char ***out, size_t *count)
{
	DIR *d = opendir(dir);
	if (!d)
		return -1;
	char **v = NULL;
	size_t n = 0, cap = 0;
	int rc = 0;
	struct dirent *de;
	while ((de = readdir(d))) {
		if (de->d_name[0] == '.')
			continue;
		size_t len = strlen(dir) + strlen(de->d_name) + 2;
		char *p = malloc(len);
		if (!p) {
			rc = -1;
			break;
		}
		snprintf(p, len, "%s/%s", dir, de->d_name);
		struct stat st;
		if (stat(p, &st) < 0 || !S_ISREG(st.st_mode)) {
			free(p);
			continue;
		}
		if (n == cap) {
			cap = cap ? cap * 2 : 64;
			char **nv = realloc(v, cap * sizeof(*nv));
			if (!nv) {
				free(p);
				rc = -1;
				break;
			}
			v = nv;
		}
		v[n++] = p;
	}
	closedir(d);
	if (rc < 0) {
		for (size_t i = 0; i < n; i++)
			free(v[i]);
		free(v);
		return -1;
	}
	if (n)
		qsort(v, n, sizeof(*v), cmp_names);
	*out = v;
	*count = n;
	return 0;
}

/* Replay one command-line path; adds the inputs run to *total. */
static int run_path(const char *path, size_t *total)
{
	struct stat st;
	if (stat(path, &st) < 0) {
		fprintf(stderr, "replay: %s: %s\n", path, strerror(errno));
		return -1;
	}
	if (!S_ISDIR(st.st_mode)) {
		if (run_file(path) < 0)
			return -1;
		(*total)++;
		return 0;
	}
	char **files;
	size_t n;
	if (list_dir(path, &files, &n) < 0) {
		fprintf(stderr, "replay: cannot list %s: %s\n", path, strerror(errno));
		return -1;
	}
	int rc = 0;
	for (size_t i = 0; i < n; i++) {
		if (rc == 0 && run_file(files[i]) < 0)
			rc = -1;
		else if (rc == 0)
			(*total)++;
		free(files[i]);
	}
	free(files);
	return rc;
}

int main(int argc, char **argv)
{
	if (LLVMFuzzerInitialize)
		LLVMFuzzerInitialize(&argc, &argv);
	size_t total = 0;
	int status = 0;
	for (int i = 1; i < argc; i++) {
		if (argv[i][0] == '-')
			continue;
		if (run_path(argv[i], &total) < 0)
			status = 2;
	}
	printf("%zu inputs replayed\n", total);
	return status;
}
