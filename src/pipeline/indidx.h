/*
 * indidx.h — the correlation stage's index of indicator values in memory: 16 bytes a slot,
 * (kind, value) -> (indicator id, the first incident that has it, two flags), built from the
 * store (store_indicators_scan) and kept up to date by the stage as it adds values.  Internal
 * to src/pipeline (correlate.c; docs/internals/pipeline.md, "The indicator index").
 *
 * A slot holds 60 bits of a keyed hash of "kind NUL value", never the value: SipHash-2-4
 * (libsodium's crypto_shorthash) under a key drawn at random by indidx_init, so input cannot
 * be made to collide on purpose.  An absent hash means the value is certainly not in what was
 * indexed.  Two indexed values sharing a hash are found while adding: their slot becomes
 * ambiguous (id 0) and the caller asks the store for them.  A value not indexed that shares
 * the hash of an indexed one (chance: values / 2^60 a lookup, 1 in 10^12 for a million
 * values) is taken for it: the price of not keeping the values.
 *
 * The index can be saved to a file and mapped again (indidx_save, indidx_load): a header with
 * the hash key and what the caller says the index is exact for (struct indidx_file_mark), then
 * the slots as they are in memory, the INDIDX_CHECKED flags cleared; a BLAKE2b checksum over
 * both.  Written to a temporary file, synced and renamed over the old one: a reader sees the
 * old file or the new one, never half of one.
 */
#ifndef VIGIA_PIPELINE_INDIDX_H
#define VIGIA_PIPELINE_INDIDX_H

#include <stddef.h>
#include <stdint.h>

#include <sodium.h>

#include "base/err.h"

#define INDIDX_COMMON 1u  /* the value is on a warning list (the store's "common") */
#define INDIDX_CHECKED 2u /* looked at against the warning lists since the index was built */
#define INDIDX_ONE 4u     /* first is the only incident with a posting of it: a posting of
			   * any other is new (correlate.c defers it to the commit) */
#define INDIDX_FLAGS 7u

struct indidx_slot {
	uint64_t tag;   /* 0: empty; else bit 63 set, bits 62..3 the hash, bits 2..0 the flags */
	uint32_t id;    /* the indicator's id; 0: ambiguous (ask the store) */
	uint32_t first; /* the smallest incident known to have a posting of it; 0: none known */
};

struct indidx {
	struct indidx_slot *s; /* owned; cap slots (inside map when mapped) */
	size_t cap, count, max_cap;
	unsigned char key[crypto_shorthash_KEYBYTES];
	void *map;             /* a file mapped privately by indidx_load, or NULL */
	size_t map_len;
};

/* What a saved index is exact for, in the caller's terms (correlate.c: the store's identity,
 * generation and largest indicator id, and the tag of that indicator's value). */
struct indidx_file_mark {
	char store_id[33];
	int64_t gen, max_id;
	uint64_t max_tag;
};

/* An empty index of at most max_bytes (at least 1024 slots); draws the hash key.  0, or -1
 * on OOM (x is then safe to indidx_fini). */
int indidx_init(struct indidx *x, size_t max_bytes);
void indidx_fini(struct indidx *x);
/* Forget every value (the key stays). */
void indidx_clear(struct indidx *x);
/* The tag of (kind, value): the form indidx_find and indidx_add take (flags 0). */
uint64_t indidx_tag(const struct indidx *x, const char *kind, const char *value, size_t len);
/* The slot of tag (flags ignored), or NULL. */
struct indidx_slot *indidx_find(struct indidx *x, uint64_t tag);
/* Add tag with id, first and flags.  When tag is there already the slot becomes ambiguous
 * (id 0: two values share the hash) and is returned.  NULL when the index would pass its
 * max_bytes, or on OOM: the caller gives the index up. */
struct indidx_slot *indidx_add(struct indidx *x, uint64_t tag, uint32_t id, uint32_t first,
			       unsigned flags);
/* Bytes the table holds. */
size_t indidx_bytes(const struct indidx *x);
/* Save x with mark m to path, atomically (path.tmp, fsync, rename, fsync of the directory),
 * mode 0600 (the file holds the hash key).  V_OK, or V_ERR_IO with err naming the file. */
int indidx_save(const struct indidx *x, const char *path, const struct indidx_file_mark *m,
		struct verr *err);
/* Replace x's table, key and count with the index saved at path, mapped privately (what the
 * caller changes stays in memory).  OUT: *m.  V_OK; V_ERR_NOTFOUND when there is no file;
 * V_ERR_INVALID with err saying why when it is not a whole, intact index of this format (short,
 * another format or byte order, a bad checksum, more slots than max_cap, overfull); x is then
 * unchanged.  Nothing else is checked: whether the mark fits the store is the caller's. */
int indidx_load(struct indidx *x, const char *path, struct indidx_file_mark *m,
		struct verr *err);

#endif
