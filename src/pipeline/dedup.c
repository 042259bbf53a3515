/*
 * dedup.c — the dedup window in memory, in at most 16 bytes per remembered event.
 *
 * Each remembered event is one 64-bit slot of an open-addressing table (linear probing):
 *
 *     bits 63..28  tag: the fingerprint's top 36 bits (never 0: 0 is an empty slot)
 *     bits 27..0   the minute it was last seen (minutes since 1970: good until the year 2480)
 *
 * The home slot is computed from the tag alone (so entries can be moved without the rest of
 * the fingerprint): a hash of the tag, by multiply-shift over the table size, which need not
 * be a power of two.  The hash matters: with the tag itself, tags arriving in order (a load
 * from an index that holds the fingerprints sorted) piled up at the start of the table and
 * each insertion probed past all the others: minutes for a million.
 * When the table is 80% full, entries that have left the window are dropped; then it grows
 * by half, or shrinks, so that it stays between 8/15 and 4/5 full: 10 to 15 bytes per
 * remembered event (a table of fewer than 1024 slots excepted).  It never grows past
 * max_bytes; there the entries of the oldest minutes are dropped.
 *
 * Only a "certainly new" answer is trusted without the store, so the filter must know every
 * fingerprint the store has seen in the window it answers for.  It tracks from when on it
 * does (auth): since the last load from the store (dedup_load, done by dedup_check when an
 * event's window reaches before what was loaded), minus what it dropped.  A tag match, a
 * window before auth, or two fingerprints sharing 36 bits give "maybe a repeat", and
 * store_event_put decides with the full fingerprint.
 */
#include <limits.h>
#include <stdlib.h>
#include <string.h>

#include "pipeline/pipeline.h"

#define TAG_SHIFT 28
#define MINUTE_MASK ((UINT64_C(1) << TAG_SHIFT) - 1)
#define MIN_SLOTS 1024
#define LOAD_NUM 4 /* grow at 4/5 = 80% full */
#define LOAD_DEN 5
#define SAMPLE 4096

struct dedup {
	uint64_t *slot;        /* owned; cap slots */
	size_t cap, count, max_cap;
	int64_t window;        /* seconds */
	int64_t loaded_since;  /* the store was loaded from this time on; INT64_MAX: never */
	int64_t dropped_below; /* entries last seen before this were dropped; INT64_MIN: none */
	uint64_t max_minute;   /* the latest minute remembered */
};

static uint64_t tag_of(uint64_t fp)
{
	uint64_t t = fp >> TAG_SHIFT;
	return t ? t : 1;
}

static size_t home(const struct dedup *d, uint64_t tag)
{
	uint64_t h = tag; /* the finaliser of MurmurHash3: every bit of the tag moves the result */

	h ^= h >> 33;
	h *= UINT64_C(0xff51afd7ed558ccd);
	h ^= h >> 33;
	h *= UINT64_C(0xc4ceb9fe1a85ec53);
	h ^= h >> 33;
	return (size_t)(((unsigned __int128)h * d->cap) >> 64);
}

static uint64_t minute_of(int64_t t)
{
	if (t < 0)
		return 0;
	t /= 60;
	return (uint64_t)t > MINUTE_MASK ? MINUTE_MASK : (uint64_t)t;
}

struct dedup *dedup_new(int64_t window, size_t max_bytes)
{
	struct dedup *d = calloc(1, sizeof(*d));

	if (!d)
		return NULL;
	d->max_cap = max_bytes / sizeof(uint64_t);
	if (d->max_cap < MIN_SLOTS)
		d->max_cap = MIN_SLOTS;
	d->cap = MIN_SLOTS;
	d->slot = calloc(d->cap, sizeof(uint64_t));
	if (!d->slot) {
		free(d);
		return NULL;
	}
	d->window = window > 0 ? window : 1;
	d->loaded_since = INT64_MAX;
	d->dropped_below = INT64_MIN;
	return d;
}

void dedup_free(struct dedup *d)
{
	if (!d)
		return;
	free(d->slot);
	free(d);
}

size_t dedup_count(const struct dedup *d) { return d->count; }
size_t dedup_bytes(const struct dedup *d) { return d->cap * sizeof(uint64_t); }
int64_t dedup_window(const struct dedup *d) { return d->window; }

/* Put an entry whose tag is not in the table. */
static void place(uint64_t *slot, size_t cap, size_t h, uint64_t entry)
{
	while (slot[h])
		h = h + 1 == cap ? 0 : h + 1;
	slot[h] = entry;
}

/* Drop every entry last seen before minute cut, then move the rest back towards their home
 * slots: starting just after an empty slot, each entry taken out and put back lands at or
 * before where it was (the classic in-place rebuild for linear probing). */
static void drop_before(struct dedup *d, uint64_t cut)
{
	size_t start = 0, dropped = 0;

	for (size_t i = 0; i < d->cap; i++)
		if (d->slot[i] && (d->slot[i] & MINUTE_MASK) < cut) {
			d->slot[i] = 0;
			dropped++;
		}
	if (!dropped)
		return;
	d->count -= dropped;
	while (d->slot[start])
		start++;
	for (size_t k = 1; k <= d->cap; k++) {
		size_t i = (start + k) % d->cap;
		uint64_t e = d->slot[i];
		if (!e)
			continue;
		d->slot[i] = 0;
		place(d->slot, d->cap, home(d, e >> TAG_SHIFT), e);
	}
	int64_t below = (int64_t)cut * 60;
	if (below > d->dropped_below)
		d->dropped_below = below;
}

static int resize(struct dedup *d, size_t cap)
{
	uint64_t *n = calloc(cap, sizeof(uint64_t)), *old = d->slot;
	size_t oldcap = d->cap;

	if (!n)
		return -1;
	d->slot = n;
	d->cap = cap;
	for (size_t i = 0; i < oldcap; i++)
		if (old[i])
			place(n, cap, home(d, old[i] >> TAG_SHIFT), old[i]);
	free(old);
	return 0;
}

static int cmp_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
	return x < y ? -1 : x > y;
}

/* Make room for one more entry: drop what has left the window, else grow, else drop the
 * oldest quarter (estimated from a sample of the minutes). */
static void make_room(struct dedup *d)
{
	uint64_t window_minutes = (uint64_t)d->window / 60 + 1;

	if ((d->count + 1) * LOAD_DEN <= d->cap * LOAD_NUM)
		return;
	if (d->max_minute > window_minutes)
		drop_before(d, d->max_minute - window_minutes);
	if ((d->count + 1) * 5 <= d->cap * 3) {
		/* below 8/15 full after the drop: shrink back to 8/15, the bound after growing */
		size_t want = (d->count + 1) * 15 / 8 + 1;
		if (want < MIN_SLOTS)
			want = MIN_SLOTS;
		if (want < d->cap)
			resize(d, want);
		return;
	}
	if (d->cap < d->max_cap) {
		size_t cap = d->cap + d->cap / 2;
		if (cap > d->max_cap)
			cap = d->max_cap;
		if (resize(d, cap) == 0 && (d->count + 1) * LOAD_DEN <= d->cap * LOAD_NUM)
			return;
	}
	uint64_t sample[SAMPLE];
	size_t n = 0, step = d->cap / SAMPLE + 1;
	for (size_t i = 0; i < d->cap && n < SAMPLE; i += step)
		if (d->slot[i])
			sample[n++] = d->slot[i] & MINUTE_MASK;
	for (size_t i = 0; n < 16 && i < d->cap; i++) /* a sparse sample: take the first few */
		if (d->slot[i])
			sample[n++] = d->slot[i] & MINUTE_MASK;
	if (!n)
		return;
	qsort(sample, n, sizeof(sample[0]), cmp_u64);
	drop_before(d, sample[n / 4] + 1);
}

void dedup_remember(struct dedup *d, uint64_t fp, int64_t seen)
{
	uint64_t tag = tag_of(fp), m = minute_of(seen);
	size_t h = home(d, tag);

	if (m > d->max_minute)
		d->max_minute = m;
	for (;;) {
		uint64_t e = d->slot[h];
		if (!e)
			break;
		if (e >> TAG_SHIFT == tag) {
			if ((e & MINUTE_MASK) < m)
				d->slot[h] = (tag << TAG_SHIFT) | m;
			return;
		}
		h = h + 1 == d->cap ? 0 : h + 1;
	}
	make_room(d);
	place(d->slot, d->cap, home(d, tag), (tag << TAG_SHIFT) | m);
	d->count++;
}

static int load_cb(void *arg, uint64_t fp, int64_t last_seen)
{
	dedup_remember(arg, fp, last_seen);
	return 0;
}

int dedup_load(struct dedup *d, struct store *st, int64_t since, struct verr *err)
{
	int rc;

	if (st) {
		/* what was dropped comes back from the store with the rest */
		d->dropped_below = INT64_MIN;
		if ((rc = store_fingerprints_since(st, since, load_cb, d, err)) != V_OK)
			return rc;
	}
	d->loaded_since = since;
	return V_OK;
}

int dedup_check(struct dedup *d, struct store *st, uint64_t fp, int64_t seen, struct verr *err,
		int *maybe)
{
	int64_t ws = seen - d->window;
	uint64_t tag = tag_of(fp), wmin = minute_of(ws);
	size_t h;
	int rc;

	*maybe = 1;
	if (ws < d->loaded_since) {
		/* load a window more than needed, and twice the gap when going back in time
		 * again, so that events going backwards reload only a few times */
		int64_t since = ws - d->window;
		if (d->loaded_since != INT64_MAX && d->loaded_since - ws < INT64_MAX / 4)
			since -= d->loaded_since - ws;
		if ((rc = dedup_load(d, st, since, err)) != V_OK)
			return rc;
	}
	for (h = home(d, tag);; h = h + 1 == d->cap ? 0 : h + 1) {
		uint64_t e = d->slot[h];
		if (!e)
			break;
		if (e >> TAG_SHIFT == tag) {
			if ((e & MINUTE_MASK) >= wmin)
				return V_OK;
			break;
		}
	}
	*maybe = ws < d->dropped_below;
	return V_OK;
}
