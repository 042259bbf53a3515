/*
 * test_store_plan.c — the SQLite store's documented event queries keep using an index.
 *
 * The events table's indexes are what an ingest pays for on every event (docs/benchmarks.md,
 * "The store (issue 3)"), so they are kept to those a documented query needs; this test holds
 * each of those queries to one.  For every filter of `vigia events` (store_events_query) alone,
 * for the dedup look-up of a fingerprint, the load of the dedup window and retention, it reads
 * SQLite's EXPLAIN QUERY PLAN (store_sqlite_events_plan, store_sqlite_write_plan) and checks
 * that the events table is searched through an index (SEARCH ... USING ...), never read whole
 * (SCAN), and, where the documentation names the index, that it is that one.  SQLite only: the
 * PostgreSQL backend plans by its statistics (docs/internals/store.md).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "base/buf.h"
#include "base/conf.h"
#include "store/store.h"
#include "store/store_sqlite.h"
#include "tap.h"

static char dir[] = "/tmp/vigia-test-plan-XXXXXX";

/* 1 when no line of plan reads a table whole: every line is a SEARCH, a MULTI-INDEX OR, an
 * INDEX n: of that OR, a correlated subquery, a LIST SUBQUERY or a temporary b-tree. */
static int searched(const char *plan)
{
	for (const char *l = plan; *l; l = strchr(l, '\n') + 1) {
		if (!strncmp(l, "SCAN ", 5))
			return 0;
		if (!strchr(l, '\n'))
			break;
	}
	return 1;
}

static void check_events(struct store *st, const char *what, const struct store_event_filter *f,
			 const char *index)
{
	struct buf plan;
	struct verr e = { 0 };

	buf_init(&plan, 1 << 16);
	if (!ok(store_sqlite_events_plan(st, f, &plan, &e) == V_OK, "plan of events %s: %s", what,
		e.reason))
		goto out;
	if (!ok(searched(plan.data), "events %s: no table read whole", what))
		printf("# plan:\n%s", plan.data);
	if (index && !ok(strstr(plan.data, index) != NULL, "events %s: through %s", what, index))
		printf("# plan:\n%s", plan.data);
out:
	buf_fini(&plan);
}

static void check_write(struct store *st, const char *which, const char *index)
{
	struct buf plan;
	struct verr e = { 0 };

	buf_init(&plan, 1 << 16);
	if (!ok(store_sqlite_write_plan(st, which, &plan, &e) == V_OK, "plan of %s: %s", which,
		e.reason))
		goto out;
	if (!ok(strstr(plan.data, index) != NULL, "%s: through %s", which, index))
		printf("# plan:\n%s", plan.data);
out:
	buf_fini(&plan);
}

int main(void)
{
	char path[4096];
	struct store *st = NULL;
	struct verr e = { 0 };
	struct buf none;

	conf_init();
	if (getenv("VIGIA_TEST_STORE") && *getenv("VIGIA_TEST_STORE")) {
		printf("SKIP: query plans are the SQLite backend's\n");
		return done_testing();
	}
	if (!mkdtemp(dir)) {
		perror("mkdtemp");
		return 1;
	}
	snprintf(path, sizeof(path), "%s/store.db", dir);
	if (!ok(store_open(path, &st, &e) == V_OK, "store opened: %s", e.reason))
		return done_testing();

	check_events(st, "by address", &(struct store_event_filter){ .ip = "192.0.2.1" },
		     "events_source_ip");
	check_events(st, "by network", &(struct store_event_filter){ .network = "192.0.2.0/24" },
		     "events_source_ip");
	check_events(st, "by classification",
		     &(struct store_event_filter){ .classification = "phishing" },
		     "events_classification");
	check_events(st, "by feed", &(struct store_event_filter){ .feed = "URLhaus" },
		     "events_feed");
	check_events(st, "by domain", &(struct store_event_filter){ .fqdn = "example.com" },
		     "events_source_fqdn");
	check_events(st, "by URL prefix", &(struct store_event_filter){ .url = "http://a/" },
		     "events_source_url");
	check_events(st, "since and until",
		     &(struct store_event_filter){ .since = 1, .until = 2 }, "events_time");
	check_events(st, "by batch", &(struct store_event_filter){ .batch = 1 }, NULL);
	check_events(st, "of an incident", &(struct store_event_filter){ .incident = 1 }, NULL);
	check_write(st, "dedup", "events_fingerprint");
	check_write(st, "window", "events_seen");
	check_write(st, "prune", "events_seen");

	buf_init(&none, 64);
	ok(store_sqlite_write_plan(st, "nothing", &none, &e) == V_ERR_USAGE,
	   "an unknown statement is refused");
	buf_fini(&none);
	store_close(st);
	unlink(path);
	{
		char p[4200];
		snprintf(p, sizeof(p), "%s-wal", path);
		unlink(p);
		snprintf(p, sizeof(p), "%s-shm", path);
		unlink(p);
	}
	rmdir(dir);
	return done_testing();
}
