/*
 * smap.h — a small hash map from byte strings to three 64-bit numbers, for the caches the
 * stages keep of the store between two commits (incident of a key, indicator of a value).
 * Internal to src/pipeline.  Keys are copied into one growing buffer; smap_clear() forgets
 * everything at once (what a commit or a rollback asks for).
 */
#ifndef VIGIA_PIPELINE_SMAP_H
#define VIGIA_PIPELINE_SMAP_H

#include <stddef.h>
#include <stdint.h>

#include "base/buf.h"

struct smap_slot {
	uint64_t hash;      /* 0: empty */
	uint32_t off, len;  /* the key in keys */
	int64_t a, b, c;    /* the caller's */
};

struct smap {
	struct smap_slot *s; /* owned */
	size_t cap, count;
	size_t max;          /* entries before an automatic clear (bounds memory) */
	struct buf keys;     /* owned */
};

void smap_init(struct smap *m, size_t max);
void smap_fini(struct smap *m);
void smap_clear(struct smap *m);
/* The slot of key, or NULL. */
struct smap_slot *smap_get(struct smap *m, const void *key, size_t len);
/* The slot of key, inserted (a = b = c = 0, *added = 1) when absent; NULL on OOM.  May clear
 * the map first when it holds max entries. */
struct smap_slot *smap_put(struct smap *m, const void *key, size_t len, int *added);

#endif
