/*
 * indidx.c — the index of indicator values (indidx.h): open addressing with linear probing
 * in a table of any size (the home slot is a multiply-shift of the hash over the size), kept
 * between 8/15 and 4/5 full by growing by half, as the dedup filter's table (dedup.c): 16 bytes
 * a slot, 20 to 30 bytes a value.  Nothing is ever removed but by indidx_clear.
 */
#include <stdlib.h>
#include <string.h>

#include "pipeline/indidx.h"

#define MIN_SLOTS 1024
#define TAG_BIT (UINT64_C(1) << 63)
#define HASH_MASK (~(TAG_BIT | INDIDX_FLAGS))

int indidx_init(struct indidx *x, size_t max_bytes)
{
	memset(x, 0, sizeof(*x));
	if (sodium_init() < 0)
		return -1;
	randombytes_buf(x->key, sizeof(x->key));
	x->max_cap = max_bytes / sizeof(struct indidx_slot);
	if (x->max_cap < MIN_SLOTS)
		x->max_cap = MIN_SLOTS;
	x->cap = MIN_SLOTS;
	if (!(x->s = calloc(x->cap, sizeof(x->s[0])))) {
		x->cap = 0;
		return -1;
	}
	return 0;
}

void indidx_fini(struct indidx *x)
{
	free(x->s);
	sodium_memzero(x->key, sizeof(x->key));
	memset(x, 0, sizeof(*x));
}

void indidx_clear(struct indidx *x)
{
	if (x->s)
		memset(x->s, 0, x->cap * sizeof(x->s[0]));
	x->count = 0;
}

size_t indidx_bytes(const struct indidx *x)
{
	return x->cap * sizeof(x->s[0]);
}

uint64_t indidx_tag(const struct indidx *x, const char *kind, const char *value, size_t len)
{
	unsigned char out[crypto_shorthash_BYTES], in[64 + 4096 + 1];
	size_t klen = strlen(kind);
	uint64_t h = 0;

	if (klen + 1 + len <= sizeof(in)) {
		memcpy(in, kind, klen);
		in[klen] = 0;
		memcpy(in + klen + 1, value, len);
		crypto_shorthash(out, in, klen + 1 + len, x->key);
	} else {
		/* longer than correlate.c makes them (COR_VALUE_MAX): the value alone, kind mixed
		 * in after */
		crypto_shorthash(out, (const unsigned char *)value, len, x->key);
		out[0] ^= (unsigned char)klen;
		out[1] ^= (unsigned char)kind[0];
	}
	memcpy(&h, out, sizeof(h));
	return (h & HASH_MASK) | TAG_BIT;
}

static size_t home(const struct indidx *x, uint64_t tag)
{
	uint64_t h = (tag & HASH_MASK) << 1; /* the hash's 61 bits at the top */

	return (size_t)(((unsigned __int128)h * x->cap) >> 64);
}

struct indidx_slot *indidx_find(struct indidx *x, uint64_t tag)
{
	uint64_t want = tag & ~(uint64_t)INDIDX_FLAGS;

	if (!x->count)
		return NULL;
	for (size_t i = home(x, tag);; i = i + 1 == x->cap ? 0 : i + 1) {
		struct indidx_slot *s = &x->s[i];
		if (!s->tag)
			return NULL;
		if ((s->tag & ~(uint64_t)INDIDX_FLAGS) == want)
			return s;
	}
}

static struct indidx_slot *place(struct indidx_slot *t, size_t cap, size_t i)
{
	while (t[i].tag)
		i = i + 1 == cap ? 0 : i + 1;
	return &t[i];
}

static int grow(struct indidx *x)
{
	size_t cap = x->cap + x->cap / 2, oldcap = x->cap;
	struct indidx_slot *n, *old = x->s;

	if (cap > x->max_cap)
		cap = x->max_cap;
	if (cap <= x->cap || !(n = calloc(cap, sizeof(n[0]))))
		return -1;
	x->s = n;
	x->cap = cap;
	for (size_t i = 0; i < oldcap; i++)
		if (old[i].tag)
			*place(n, cap, home(x, old[i].tag)) = old[i];
	free(old);
	return 0;
}

struct indidx_slot *indidx_add(struct indidx *x, uint64_t tag, uint32_t id, uint32_t first,
			       unsigned flags)
{
	struct indidx_slot *s = indidx_find(x, tag);

	if (s) {
		s->id = 0;
		return s;
	}
	if ((x->count + 1) * 5 > x->cap * 4 && grow(x) != 0)
		return NULL;
	s = place(x->s, x->cap, home(x, tag));
	s->tag = (tag & ~(uint64_t)INDIDX_FLAGS) | (flags & INDIDX_FLAGS);
	s->id = id;
	s->first = first;
	x->count++;
	return s;
}
