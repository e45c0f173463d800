/*
 * Allocation: one entry point for every heap allocation of the project, and
 * arenas that free everything they hold in one call.
 *
 * A debug build can make the N-th allocation fail (ah_alloc_fail_after) so
 * that out-of-memory paths are tested by failing each allocation in turn.
 * The library never aborts on out-of-memory: callers get NULL and return
 * AH_ENOMEM.
 */
#ifndef AH_UTIL_ALLOC_H
#define AH_UTIL_ALLOC_H

#include <stddef.h>

void *ah_malloc(size_t n);
void *ah_calloc(size_t count, size_t n);
void *ah_realloc(void *p, size_t n);
void ah_free(void *p);
char *ah_strdup(const char *s);
char *ah_strndup(const char *s, size_t n);

/* Make allocation number n (counted from now, 0-based) and every later one
 * fail; a negative n disables failures. */
void ah_alloc_fail_after(long n);

typedef struct ah_arena ah_arena;

ah_arena *ah_arena_new(void);
void ah_arena_free(ah_arena *a);
/* Zeroed memory aligned for any type; NULL on out-of-memory. */
void *ah_arena_alloc(ah_arena *a, size_t n);
char *ah_arena_strdup(ah_arena *a, const char *s);
char *ah_arena_strndup(ah_arena *a, const char *s, size_t n);
char *ah_arena_printf(ah_arena *a, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
/* Bytes handed out so far (for memory accounting). */
size_t ah_arena_used(const ah_arena *a);

#endif
