/* String-keyed hash map (see map.h). */
#include "map.h"

#include "alloc.h"
#include "apphost/errors.h"
#include "str.h"

#include <string.h>

struct ah_map_slot {
	const char *key;
	void *value;
	unsigned hash;
};

void ah_map_init(ah_map *m, bool ci)
{
	memset(m, 0, sizeof(*m));
	m->ci = ci;
}

void ah_map_free(ah_map *m)
{
	ah_free(m->slots);
	m->slots = NULL;
	m->cap = m->len = 0;
}

static bool keq(const ah_map *m, const char *a, const char *b)
{
	return m->ci ? ah_strcaseeq(a, b) : strcmp(a, b) == 0;
}

static int grow(ah_map *m)
{
	size_t ncap = m->cap ? m->cap * 2 : 16;
	struct ah_map_slot *ns = ah_calloc(ncap, sizeof(*ns));
	if (!ns)
		return AH_ENOMEM;
	for (size_t i = 0; i < m->cap; i++) {
		struct ah_map_slot *s = &m->slots[i];
		if (!s->key)
			continue;
		size_t j = s->hash & (ncap - 1);
		while (ns[j].key)
			j = (j + 1) & (ncap - 1);
		ns[j] = *s;
	}
	ah_free(m->slots);
	m->slots = ns;
	m->cap = ncap;
	return 0;
}

int ah_map_put(ah_map *m, const char *key, void *value)
{
	if ((m->len + 1) * 10 > m->cap * 7 && grow(m) < 0)
		return AH_ENOMEM;
	unsigned h = ah_strhash(key, m->ci);
	size_t j = h & (m->cap - 1);
	while (m->slots[j].key) {
		if (m->slots[j].hash == h && keq(m, m->slots[j].key, key)) {
			m->slots[j].value = value;
			return 0;
		}
		j = (j + 1) & (m->cap - 1);
	}
	m->slots[j].key = key;
	m->slots[j].value = value;
	m->slots[j].hash = h;
	m->len++;
	return 0;
}

void *ah_map_get(const ah_map *m, const char *key)
{
	if (!m->cap)
		return NULL;
	unsigned h = ah_strhash(key, m->ci);
	size_t j = h & (m->cap - 1);
	while (m->slots[j].key) {
		if (m->slots[j].hash == h && keq(m, m->slots[j].key, key))
			return m->slots[j].value;
		j = (j + 1) & (m->cap - 1);
	}
	return NULL;
}

const char *ah_map_key_at(const ah_map *m, size_t i)
{
	return i < m->cap ? m->slots[i].key : NULL;
}

void *ah_map_value_at(const ah_map *m, size_t i)
{
	return i < m->cap ? m->slots[i].value : NULL;
}
