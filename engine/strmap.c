#include "config.h"

#include "engine/strmap.h"

#include <stdlib.h>
#include <string.h>

struct strmap_slot {
	uint64_t hash;   /* 0 = empty (real hashes are forced non-zero) */
	size_t off, len; /* key in the arena */
	int64_t val;
};

struct strmap {
	struct strmap_slot *slots;
	size_t cap, count; /* cap is a power of two */
	char *arena;
	size_t arena_len, arena_cap;
};

static uint64_t strmap_hash(const void *key, size_t len)
{
	const unsigned char *p = key;
	uint64_t h = 1469598103934665603ull;
	for (size_t i = 0; i < len; i++) {
		h ^= p[i];
		h *= 1099511628211ull;
	}
	h ^= h >> 29;
	return h ? h : 1;
}

struct strmap *strmap_new(void)
{
	struct strmap *m = calloc(1, sizeof *m);
	if (!m)
		return NULL;
	m->cap = 64;
	m->slots = calloc(m->cap, sizeof *m->slots);
	if (!m->slots) {
		free(m);
		return NULL;
	}
	return m;
}

void strmap_free(struct strmap *m)
{
	if (!m)
		return;
	free(m->slots);
	free(m->arena);
	free(m);
}

static struct strmap_slot *strmap_find(const struct strmap *m, uint64_t h, const void *key, size_t len)
{
	size_t mask = m->cap - 1;
	for (size_t i = h & mask;; i = (i + 1) & mask) {
		struct strmap_slot *s = &m->slots[i];
		if (!s->hash)
			return s;
		if (s->hash == h && s->len == len && (len == 0 || memcmp(m->arena + s->off, key, len) == 0))
			return s;
	}
}

int64_t *strmap_get(const struct strmap *m, const void *key, size_t len)
{
	struct strmap_slot *s = strmap_find(m, strmap_hash(key, len), key, len);
	return s->hash ? &s->val : NULL;
}

static int strmap_grow(struct strmap *m)
{
	size_t ncap = m->cap * 2;
	struct strmap_slot *ns = calloc(ncap, sizeof *ns);
	if (!ns)
		return -1;
	for (size_t i = 0; i < m->cap; i++) {
		struct strmap_slot *s = &m->slots[i];
		if (!s->hash)
			continue;
		size_t j = s->hash & (ncap - 1);
		while (ns[j].hash)
			j = (j + 1) & (ncap - 1);
		ns[j] = *s;
	}
	free(m->slots);
	m->slots = ns;
	m->cap = ncap;
	return 0;
}

int64_t *strmap_put(struct strmap *m, const void *key, size_t len, int *added)
{
	uint64_t h = strmap_hash(key, len);
	struct strmap_slot *s = strmap_find(m, h, key, len);
	if (s->hash) {
		if (added)
			*added = 0;
		return &s->val;
	}
	if (m->arena_len + len > m->arena_cap) {
		size_t ncap = m->arena_cap ? m->arena_cap : 4096;
		while (ncap < m->arena_len + len)
			ncap *= 2;
		char *na = realloc(m->arena, ncap);
		if (!na)
			return NULL;
		m->arena = na;
		m->arena_cap = ncap;
	}
	if ((m->count + 1) * 2 > m->cap) {
		if (strmap_grow(m))
			return NULL;
		s = strmap_find(m, h, key, len);
	}
	if (len)
		memcpy(m->arena + m->arena_len, key, len);
	s->hash = h;
	s->off = m->arena_len;
	s->len = len;
	s->val = 0;
	m->arena_len += len;
	m->count++;
	if (added)
		*added = 1;
	return &s->val;
}

size_t strmap_count(const struct strmap *m)
{
	return m->count;
}

size_t strmap_key_bytes(const struct strmap *m)
{
	return m->arena_len;
}

void strmap_clear(struct strmap *m)
{
	memset(m->slots, 0, m->cap * sizeof *m->slots);
	m->count = 0;
	m->arena_len = 0;
}
