/*
 * Helpers for the engine's unit tests: a temporary configuration tree written
 * from strings (configuration folder, schema, site folders), removed at the end.
 */
#ifndef AH_TESTS_TESTUTIL_H
#define AH_TESTS_TESTUTIL_H

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static char tu_root[256];

static void tu_mkdirs(const char *path)
{
	char buf[1024];
	snprintf(buf, sizeof(buf), "%s", path);
	for (char *p = buf + 1; *p; p++) {
		if (*p == '/') {
			*p = '\0';
			mkdir(buf, 0755);
			*p = '/';
		}
	}
	mkdir(buf, 0755);
}

/* Write root-relative file `rel` with the given content (parents created). */
static void tu_write(const char *rel, const char *content)
{
	char path[1024];
	snprintf(path, sizeof(path), "%s/%s", tu_root, rel);
	char *slash = strrchr(path, '/');
	*slash = '\0';
	tu_mkdirs(path);
	*slash = '/';
	FILE *f = fopen(path, "w");
	if (!f) {
		perror(path);
		abort();
	}
	fputs(content, f);
	fclose(f);
}

static const char *tu_path(const char *rel)
{
	static char path[1024];
	snprintf(path, sizeof(path), "%s/%s", tu_root, rel);
	return path;
}

static void tu_begin(void)
{
	snprintf(tu_root, sizeof(tu_root), "/tmp/ahtest.XXXXXX");
	if (!mkdtemp(tu_root))
		abort();
	setenv("ROOT", tu_root, 1);
}

static void tu_end(void)
{
	char cmd[512];
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", tu_root);
	if (system(cmd) != 0)
		fprintf(stderr, "cannot remove %s\n", tu_root);
}

#endif
