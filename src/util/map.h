/*
 * A hash map from NUL-terminated string keys to pointers, with exact or ASCII
 * case-insensitive keys. Keys are not copied: they must outlive the map (they
 * usually live in the same arena as the values). Open addressing, linear
 * probing, grown at 70% load; no removal (the engine builds maps once and
 * reads them many times).
 */
#ifndef AH_UTIL_MAP_H
#define AH_UTIL_MAP_H

#include <stdbool.h>
#include <stddef.h>

typedef struct ah_map {
	struct ah_map_slot *slots;
	size_t cap, len;
	bool ci;
} ah_map;

void ah_map_init(ah_map *m, bool case_insensitive);
void ah_map_free(ah_map *m);
/* Insert or replace; returns 0 or AH_ENOMEM. */
int ah_map_put(ah_map *m, const char *key, void *value);
void *ah_map_get(const ah_map *m, const char *key);
/* Iteration over slots 0..cap-1: the key at slot i, or NULL for an empty slot. */
const char *ah_map_key_at(const ah_map *m, size_t i);
void *ah_map_value_at(const ah_map *m, size_t i);

#endif
