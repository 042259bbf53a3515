/*
 * test_dedup.c — the in-memory dedup window: no false "new" ever, at most 16 bytes per
 * remembered event (measured), bounded by max_bytes, entries leave with the window, and the
 * filter is rebuilt from the store (the source of truth) and agrees with it.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "base/timeparse.h"
#include "pipeline/pipeline.h"
#include "tap.h"

/* splitmix64: well-spread fingerprints */
static uint64_t mix(uint64_t x)
{
	x += UINT64_C(0x9e3779b97f4a7c15);
	x = (x ^ (x >> 30)) * UINT64_C(0xbf58476d1ce4e5b9);
	x = (x ^ (x >> 27)) * UINT64_C(0x94d049bb133111eb);
	return x ^ (x >> 31);
}

static int check(struct dedup *d, uint64_t fp, int64_t seen)
{
	int maybe = -1;
	struct verr e = { 0 };
	if (dedup_check(d, NULL, fp, seen, &e, &maybe) != V_OK)
		return -1;
	return maybe;
}

int main(void)
{
	const int64_t t0 = 1795000000, day = 86400;
	struct dedup *d;
	size_t n, false_hits = 0, false_new = 0;
	char path[] = "/tmp/vigia-test-dedup-XXXXXX";
	struct store *st = NULL;
	struct verr e = { 0 };

	/* ---- answers ------------------------------------------------------------------------- */
	d = dedup_new(day, 64u << 20);
	ok(d != NULL, "created");
	is_int(check(d, 42, t0), 0, "an unknown fingerprint is new");
	dedup_remember(d, 42, t0);
	is_int(check(d, 42, t0 + 3600), 1, "seen an hour ago: maybe a repeat");
	is_int(check(d, 42, t0 + day - 60), 1, "still within the window");
	is_int(check(d, 42, t0 + day + 120), 0, "after the window: new again");
	dedup_remember(d, 42, t0 + day / 2);
	is_int(check(d, 42, t0 + day + 120), 1, "last seen moved the window");
	dedup_free(d);

	/* ---- memory: 1,000,000 events in one window ------------------------------------------ */
	d = dedup_new(day, 256u << 20);
	n = 1000000;
	for (size_t i = 0; i < n; i++)
		dedup_remember(d, mix(i), t0 + (int64_t)(i % 3600));
	/* 36-bit tags: about n²/2^37 = 7 pairs of a million share one and count once */
	ok(dedup_count(d) > n - 30 && dedup_count(d) <= n, "a million remembered (%zu)",
	   dedup_count(d));
	printf("# %zu entries in %zu bytes: %.2f bytes per remembered event\n", dedup_count(d),
	       dedup_bytes(d), (double)dedup_bytes(d) / (double)dedup_count(d));
	ok(dedup_bytes(d) <= 16 * dedup_count(d), "at most 16 bytes per remembered event");
	for (size_t i = 0; i < n; i++)
		if (check(d, mix(i), t0 + 3600) != 1)
			false_new++;
	is_int(false_new, 0, "every remembered one answers maybe (no false new)");
	for (size_t i = n; i < 2 * n; i++)
		false_hits += check(d, mix(i), t0 + 3600) == 1;
	/* each unknown fingerprint meets a remembered tag with probability n/2^36 = 1.5e-5: the
	 * store answers those */
	printf("# %zu false maybes in a million unknown fingerprints\n", false_hits);
	ok(false_hits < 60, "unknown ones are new (false maybes about n/2^36)");
	/* the bound holds at every size on the way */
	int bound_ok = 1;
	struct dedup *g = dedup_new(day, 256u << 20);
	for (size_t i = 0; i < 300000; i++) {
		dedup_remember(g, mix(i + 77), t0);
		if (dedup_count(g) >= 1024 && dedup_bytes(g) > 16 * dedup_count(g))
			bound_ok = 0;
	}
	ok(bound_ok, "16 bytes per event at every size past the first 1024 slots");
	dedup_free(g);
	dedup_free(d);

	/* ---- expiry: a stream over ten days keeps about one window --------------------------- */
	d = dedup_new(day, 256u << 20);
	for (size_t i = 0; i < 500000; i++)
		dedup_remember(d, mix(i + 5000000), t0 + (int64_t)i * 10 * day / 500000);
	printf("# after ten days of events: %zu remembered, %zu bytes\n", dedup_count(d),
	       dedup_bytes(d));
	ok(dedup_count(d) < 200000, "entries older than the window were dropped");
	ok(dedup_bytes(d) <= 16 * dedup_count(d), "and the table shrank with them");
	is_int(check(d, mix(499999 + 5000000), t0 + 10 * day), 1, "the newest is remembered");
	is_int(check(d, mix(5000000), t0 + 10 * day), 0, "the oldest is out of the window");
	/* an event from before what was dropped cannot be answered without the store */
	is_int(check(d, mix(123), t0 + 2 * day), 1, "older than what was dropped: maybe (ask)");
	dedup_free(d);

	/* ---- bounded: a tiny table under pressure drops the oldest, and says so -------------- */
	d = dedup_new(7 * day, 64 * 1024); /* 8192 slots */
	for (size_t i = 0; i < 100000; i++)
		dedup_remember(d, mix(i + 9000000), t0 + (int64_t)i * 6);
	ok(dedup_bytes(d) <= 64 * 1024, "never past max_bytes");
	is_int(check(d, mix(99999 + 9000000), t0 + 600000), 1, "the latest is remembered");
	is_int(check(d, mix(9000000), t0 + 600000), 1,
	       "a dropped one inside the window is 'maybe', never 'new'");
	dedup_free(d);

	/* ---- rebuild from the store ---------------------------------------------------------- */
	int fd = mkstemp(path);
	close(fd);
	unlink(path);
	if (store_open(tap_store_path(path), &st, &e) != V_OK) {
		printf("# store: %s\n", e.reason);
		ok(0, "store opened");
		return done_testing();
	}
	struct event *ev = event_new();
	int64_t batch = 0, id;
	char obs[40];
	struct vtime vt = { t0, 0, 0 };
	struct fingerprint fp;
	uint64_t fps[100];
	time_format(&vt, obs);
	fingerprint_init(&fp, "", "time.observation,raw", &e);
	is_int(store_begin(st, &e), V_OK, "begin");
	store_batch_start(st, "test", "test", &batch, &e);
	for (int i = 0; i < 100; i++) {
		char ip[32];
		event_clear(ev);
		snprintf(ip, sizeof(ip), "198.51.100.%d", i);
		event_set_str(ev, "source.ip", ip, 0, &e);
		event_set_str(ev, "classification.type", "scanner", 0, &e);
		event_set_str(ev, "time.observation", obs, 0, &e);
		fps[i] = fingerprint_event(&fp, ev);
		store_event_insert(st, batch, ev, fps[i], &id, &e);
	}
	is_int(store_commit(st, &e), V_OK, "100 events stored");
	d = dedup_new(day, 1u << 20);
	int maybe = -1, all = 1;
	/* the first check loads the window from the store */
	for (int i = 0; i < 100; i++)
		if (dedup_check(d, st, fps[i], t0 + 60, &e, &maybe) != V_OK || maybe != 1)
			all = 0;
	ok(all, "rebuilt from the store: every stored fingerprint is a maybe");
	is_int(dedup_count(d), 100, "loaded 100");
	ok(dedup_check(d, st, mix(1), t0 + 60, &e, &maybe) == V_OK && maybe == 0,
	   "an unknown one is new");
	/* the store confirms: put the same event again */
	int dup = 0;
	int64_t first = 0;
	store_begin(st, &e);
	event_clear(ev);
	event_set_str(ev, "source.ip", "198.51.100.7", 0, &e);
	event_set_str(ev, "classification.type", "scanner", 0, &e);
	event_set_str(ev, "time.observation", obs, 0, &e);
	is_int(fingerprint_event(&fp, ev), fps[7], "same event, same fingerprint");
	ok(store_event_put(st, batch, ev, fps[7], t0 - day, &first, &dup, &e) == V_OK && dup == 1,
	   "the store confirms the repeat");
	store_commit(st, &e);
	dedup_free(d);
	/* far in the past: the filter loads again from further back */
	d = dedup_new(3600, 1u << 20);
	ok(dedup_check(d, st, fps[3], t0 + 1800, &e, &maybe) == V_OK && maybe == 1,
	   "a one-hour window finds it");
	ok(dedup_check(d, st, fps[3], t0 + 3 * 3600, &e, &maybe) == V_OK && maybe == 0,
	   "three hours later it is new");
	dedup_free(d);
	fingerprint_fini(&fp);
	event_free(ev);
	store_close(st);
	unlink(path);
	{
		char p2[64];
		snprintf(p2, sizeof(p2), "%s-wal", path);
		unlink(p2);
		snprintf(p2, sizeof(p2), "%s-shm", path);
		unlink(p2);
	}
	return done_testing();
}
