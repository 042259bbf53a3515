/*
 * smap.c — the stages' cache map (smap.h): open addressing, linear probing, power-of-two
 * table, FNV-1a over the key with the top bit set so that 0 marks an empty slot.
 */
#include <stdlib.h>
#include <string.h>

#include "pipeline/smap.h"

void smap_init(struct smap *m, size_t max)
{
	memset(m, 0, sizeof(*m));
	m->max = max ? max : 1u << 20;
	buf_init(&m->keys, 0);
}

void smap_fini(struct smap *m)
{
	free(m->s);
	buf_fini(&m->keys);
	memset(m, 0, sizeof(*m));
}

void smap_clear(struct smap *m)
{
	if (m->s && m->count)
		memset(m->s, 0, m->cap * sizeof(m->s[0]));
	m->count = 0;
	buf_reset(&m->keys);
}

static uint64_t hash_key(const void *key, size_t len)
{
	const unsigned char *p = key;
	uint64_t h = UINT64_C(14695981039346656037);

	for (size_t i = 0; i < len; i++) {
		h ^= p[i];
		h *= UINT64_C(1099511628211);
	}
	h ^= h >> 29;
	return h | (UINT64_C(1) << 63);
}

static struct smap_slot *find(struct smap *m, uint64_t h, const void *key, size_t len)
{
	size_t mask = m->cap - 1;

	for (size_t i = h & mask;; i = (i + 1) & mask) {
		struct smap_slot *s = &m->s[i];
		if (!s->hash || (s->hash == h && s->len == len &&
				 !memcmp(m->keys.data + s->off, key, len)))
			return s;
	}
}

struct smap_slot *smap_get(struct smap *m, const void *key, size_t len)
{
	struct smap_slot *s;

	if (!m->count)
		return NULL;
	s = find(m, hash_key(key, len), key, len);
	return s->hash ? s : NULL;
}

static int grow(struct smap *m)
{
	size_t cap = m->cap ? m->cap * 2 : 64;
	struct smap_slot *n = calloc(cap, sizeof(*n)), *old = m->s;
	size_t oldcap = m->cap;

	if (!n)
		return -1;
	m->s = n;
	m->cap = cap;
	for (size_t i = 0; i < oldcap; i++)
		if (old[i].hash) {
			size_t j = old[i].hash & (cap - 1);
			while (n[j].hash)
				j = (j + 1) & (cap - 1);
			n[j] = old[i];
		}
	free(old);
	return 0;
}

struct smap_slot *smap_put(struct smap *m, const void *key, size_t len, int *added)
{
	uint64_t h = hash_key(key, len);
	struct smap_slot *s;

	*added = 0;
	if (m->count && (s = find(m, h, key, len))->hash)
		return s;
	if (m->count >= m->max)
		smap_clear(m);
	if ((m->count + 1) * 4 > m->cap * 3 && grow(m) != 0)
		return NULL;
	if (len > UINT32_MAX || m->keys.len > UINT32_MAX - len)
		return NULL;
	size_t off = m->keys.len;
	if (buf_append(&m->keys, key, len) != 0)
		return NULL;
	s = find(m, h, key, len);
	memset(s, 0, sizeof(*s));
	s->hash = h;
	s->off = (uint32_t)off;
	s->len = (uint32_t)len;
	m->count++;
	*added = 1;
	return s;
}
