/*
 * Fuzz target for the router's request-head scan (src/activator/router/
 * head.c), the only code that reads network input before a worker does.
 * Each input is scanned whole and at every tenth prefix (as bytes arrive),
 * and what an accepted head yields is checked: the head lies within the
 * input, the path is absolute, the host is lower case.
 *
 * Replayed as a plain test over tests/activator/corpus_router_head/; with
 * clang: clang -g -fsanitize=fuzzer,address,undefined -D_GNU_SOURCE
 *   -Isrc -Isrc/activator -Iinclude tests/activator/fuzz_router_head.c
 *   src/activator/router/head.c -o fuzz_router_head
 */
#include "router/head.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

static char path[RT_HEAD_MAX + 1];

static void check(const char *buf, size_t len)
{
	rt_head h;
	memset(&h, 0, sizeof(h));
	h.path = path;
	rt_head_status st = rt_head_scan(&h, buf, len);
	if (st != RT_HEAD_OK)
		return;
	if (h.head_len > len || h.head_len > RT_HEAD_MAX || path[0] != '/')
		abort();
	for (const char *p = h.host; *p; p++)
		if (*p >= 'A' && *p <= 'Z')
			abort();
	if (strstr(path, "/../") || strstr(path, "/./"))
		abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size > RT_HEAD_MAX + 1024)
		return 0;
	char *buf = malloc(size ? size : 1);
	if (!buf)
		return 0;
	memcpy(buf, data, size);
	check(buf, size);
	for (size_t n = 0; n < size; n += size / 10 + 1)
		check(buf, n);
	free(buf);
	return 0;
}
