/*
 * test_store.c — the store's own test suite, written against store.h only so that it runs
 * against any backend: $VIGIA_TEST_STORE names an empty store to use (default: a new SQLite
 * file in a temporary folder).  Every store function is exercised for its behaviour: dedup repeat
 * counting, each event filter, incidents, notes, attachments, links, indicators, postings,
 * the audit chain (and that tampering is detected), retention, the rollback of a batch, marks
 * (one record undone inside a transaction that goes on), two connections storing the same
 * event at once (one event, one repeat), and the constituency (organisations, partner CERTs,
 * and values two organisations claim).
 *
 * The one helper that reaches under the interface — tamper(), which edits the audit table
 * with raw SQL as an attacker would — uses the sqlite3 API on the same file and is skipped
 * for other backends.
 */
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <sqlite3.h>

#include "base/conf.h"
#include "store/store.h"
#include "tap.h"

static char dir[] = "/tmp/vigia-test-store-XXXXXX";
static int64_t ev1, ev2; /* two events of test_events, for the incidents */
static char path[4096];
static int is_sqlite;

/* ---- helpers ------------------------------------------------------------------------------- */

static struct event *mk(const char *const *kv)
{
	struct event *ev = event_new();
	struct verr e = { 0 };

	for (; kv[0]; kv += 2)
		if (event_set_str(ev, kv[0], kv[1], 0, &e) != V_OK)
			printf("# cannot set %s=%s: %s\n", kv[0], kv[1], e.reason);
	return ev;
}

static int64_t put(struct store *st, int64_t batch, const char *const *kv, uint64_t fp,
		   int64_t window_start, int *dup)
{
	struct event *ev = mk(kv);
	struct verr e = { 0 };
	int64_t id = 0;
	int d = 0, rc;

	rc = store_event_put(st, batch, ev, fp, window_start, &id, &d, &e);
	if (rc != V_OK)
		printf("# store_event_put: %s\n", e.reason);
	if (dup)
		*dup = d;
	event_free(ev);
	return rc == V_OK ? id : -1;
}

struct ids {
	int n;
	int64_t id[64];
	int64_t repeats[64], first[64], last[64];
	char json[64][512];
};

static int collect_event(void *arg, const struct store_event_row *r)
{
	struct ids *x = arg;

	if (x->n < 64) {
		x->id[x->n] = r->id;
		x->repeats[x->n] = r->repeats;
		x->first[x->n] = r->first_seen;
		x->last[x->n] = r->last_seen;
		snprintf(x->json[x->n], sizeof(x->json[0]), "%s", r->json);
	}
	x->n++;
	return 0;
}

/* The ids an event query returns, as "3,2,1" (newest first); "ERR" on failure. */
static const char *query(struct store *st, const struct store_event_filter *f)
{
	static char out[512];
	struct ids x = { 0 };
	struct verr e = { 0 };
	size_t len = 0;

	if (store_events_query(st, f, collect_event, &x, &e) != V_OK) {
		printf("# query: %s\n", e.reason);
		return "ERR";
	}
	out[0] = 0;
	for (int i = 0; i < x.n && i < 64; i++)
		len += (size_t)snprintf(out + len, sizeof(out) - len, "%s%lld", i ? "," : "",
					(long long)x.id[i]);
	return out;
}

/* "x,y,z" of the ids given (int64_t, ended by -1), to compare with query(). */
#define END ((int64_t)-1)
static const char *L(int64_t first, ...)
{
	static char out[4][512];
	static int turn;
	char *o = out[turn++ % 4];
	size_t len = 0;
	va_list ap;

	o[0] = 0;
	va_start(ap, first);
	for (int64_t v = first; v != -1; v = va_arg(ap, int64_t))
		len += (size_t)snprintf(o + len, 512 - len, "%s%lld", len ? "," : "", (long long)v);
	va_end(ap);
	return o;
}

static int64_t count_events(struct store *st)
{
	struct store_info in;
	struct verr e = { 0 };

	if (store_info(st, &in, &e) != V_OK)
		return -1;
	return in.events;
}

static int collect_incident(void *arg, const struct store_incident *inc)
{
	struct ids *x = arg;
	if (x->n < 64)
		x->id[x->n] = inc->id;
	x->n++;
	return 0;
}

static const char *incidents(struct store *st, const struct store_incident_filter *f)
{
	static char out[512];
	struct ids x = { 0 };
	struct verr e = { 0 };
	size_t len = 0;

	if (store_incidents_query(st, f, collect_incident, &x, &e) != V_OK) {
		printf("# incidents: %s\n", e.reason);
		return "ERR";
	}
	out[0] = 0;
	for (int i = 0; i < x.n && i < 64; i++)
		len += (size_t)snprintf(out + len, sizeof(out) - len, "%s%lld", i ? "," : "",
					(long long)x.id[i]);
	return out;
}

/* Run SQL on the store's file through a second connection, as someone with write access to
 * the file would.  Only for SQLite stores. */
static int tamper(const char *sql)
{
	sqlite3 *db = NULL;
	char *msg = NULL;
	int rc;

	if (sqlite3_open(path, &db) != SQLITE_OK) {
		sqlite3_close(db);
		return -1;
	}
	sqlite3_busy_timeout(db, 2000);
	rc = sqlite3_exec(db, sql, NULL, NULL, &msg);
	if (rc != SQLITE_OK)
		printf("# tamper: %s\n", msg ? msg : "?");
	sqlite3_free(msg);
	sqlite3_close(db);
	return rc == SQLITE_OK ? 0 : -1;
}

static int64_t sql_count(const char *sql)
{
	sqlite3 *db = NULL;
	sqlite3_stmt *q = NULL;
	int64_t n = -1;

	if (sqlite3_open(path, &db) == SQLITE_OK &&
	    sqlite3_prepare_v2(db, sql, -1, &q, NULL) == SQLITE_OK && sqlite3_step(q) == SQLITE_ROW)
		n = sqlite3_column_int64(q, 0);
	sqlite3_finalize(q);
	sqlite3_close(db);
	return n;
}

/* ---- the tests ------------------------------------------------------------------------------ */

static void test_paths(void)
{
	struct store *st = NULL;
	struct verr e = { 0 };

	unsetenv("VIGIA_DB");
	conf_set("store.path", "from-config.db", NULL);
	is_str(store_default_path(NULL), "from-config.db", "default path: the setting store.path");
	setenv("VIGIA_DB", "from-env.db", 1);
	is_str(store_default_path(NULL), "from-env.db", "VIGIA_DB wins over the setting");
	is_str(store_default_path("flag.db"), "flag.db", "--db wins over VIGIA_DB");
	unsetenv("VIGIA_DB");
	/* nothing listens on port 1: the connection is refused at once */
	is_int(store_open("postgresql://u:secret@127.0.0.1:1/vigia?connect_timeout=5", &st, &e),
	       V_ERR_IO, "a PostgreSQL server that cannot be reached");
	ok(strstr(e.reason, "PostgreSQL") && strstr(e.reason, "127.0.0.1") &&
	   !strstr(e.reason, "secret"),
	   "... with a clear reason naming the server, not the password: %s", e.reason);
	ok(st == NULL, "... and no store");
	is_int(store_open("postgres://u:secret@127.0.0.1:1/y", &st, &e), V_ERR_IO, "postgres:// too");
	ok(store_open("postgres://x:2:3/y", &st, &e) != V_OK && !st, "a malformed address");
	ok(!strstr(e.reason, "secret"), "... refused: %s", e.reason);
}

static const char *const ev_a[] = { "source.ip", "192.0.2.10", "classification.type", "scanner",
				     "feed.name", "Feed A", "time.source",
				     "2026-01-10T10:00:00+00:00", "time.observation",
				     "2026-01-10T11:00:00+00:00", "source.fqdn", "www.example.com",
				     "source.url", "http://www.example.com/login/x", NULL };
static const char *const ev_b[] = { "source.ip", "198.51.100.7", "destination.ip", "192.0.2.10",
				     "classification.type", "phishing", "feed.name", "Feed B",
				     "time.source", "2026-01-12T10:00:00+00:00", "time.observation",
				     "2026-01-12T11:00:00+00:00", "destination.fqdn",
				     "mail.example.com", "source.url", "http://other.example/p",
				     NULL };
static const char *const ev_c[] = { "source.ip", "2001:db8::1", "classification.type",
				     "infected-system", "feed.name", "Feed A", "time.source",
				     "2026-01-14T10:00:00+00:00", "time.observation",
				     "2026-01-14T11:00:00+00:00", "source.fqdn", "sample.com",
				     "malware.name", "mirai", NULL };

static void test_events(struct store *st)
{
	struct store_event_filter f;
	struct store_batch b = { 0 };
	struct verr e = { 0 };
	struct ids x = { 0 };
	int64_t batch1 = 0, batch2 = 0, a, a2, bb, c, d, late, ins = 0;

	struct event *ev;
	int dup = -1;

	is_int(store_batch_start(st, "Feed A", "a.csv", &batch1, &e), V_OK, "batch started");
	ok(batch1 > 0, "batch has an id");
	a = put(st, batch1, ev_a, 0x1111, 0, &dup);
	ok(a > 0 && dup == 0, "first event stored");
	/* the same fingerprint within the window: a repeat of a */
	a2 = put(st, batch1, ev_a, 0x1111, 1768000000, &dup);
	ok(a2 == a && dup == 1, "same fingerprint in the window counts as a repeat of it");
	b.id = batch1;
	b.records = 3;
	b.events = 1;
	b.duplicates = 1;
	is_int(store_batch_finish(st, &b, &e), V_OK, "batch finished");
	b.id = 999999;
	is_int(store_batch_finish(st, &b, &e), V_ERR_NOTFOUND, "finishing an unknown batch fails");

	{
		/* an input named by its hash: an interrupted ingest finds where it was */
		const char *sha = "9f86d081884c7d659a2feaa0c55ad015"
				  "a3bf4f1b2b0b822cd15d6c15b0f00a08";
		struct store_batch found;
		is_int(store_batch_find_input(st, "Feed A", sha, &found, &e), V_ERR_NOTFOUND,
		       "no batch over an input not seen");
		is_int(store_batch_set_input(st, batch1, sha, &e), V_OK,
		       "input recorded on the batch");
		b.id = batch1;
		b.records = 7;
		b.events = 5;
		b.duplicates = 2;
		b.rejected = 1;
		is_int(store_batch_progress(st, &b, &e), V_OK, "progress recorded");
		is_int(store_batch_find_input(st, "Feed A", sha, &found, &e), V_OK,
		       "the batch over that input is found");
		ok(found.id == batch1 && found.records == 7 && found.events == 5 &&
		   found.duplicates == 2 && found.rejected == 1 && found.finished > 0 &&
		   found.started > 0, "... with its counters and times");
		is_int(store_batch_find_input(st, "Feed B", sha, &found, &e), V_ERR_NOTFOUND,
		       "... for its feed only");
		b.id = 999999;
		is_int(store_batch_progress(st, &b, &e), V_ERR_NOTFOUND,
		       "progress of a missing batch");
		is_int(store_batch_set_input(st, 999999, sha, &e), V_ERR_NOTFOUND,
		       "input of a missing batch");
	}
	is_int(store_batch_start(st, "Feed B", "b.csv", &batch2, &e), V_OK, "second batch");
	bb = put(st, batch2, ev_b, 0x2222, 0, &dup);
	c = put(st, batch2, ev_c, 0, 0, &dup);
	d = put(st, batch2, ev_c, 0, 0, &dup);
	ok(bb > a && c > bb && d > c, "ids grow");
	ok(dup == 0, "fingerprint 0 is never deduplicated");
	/* after the window: a new event with the same fingerprint */
	late = put(st, batch2, ev_a, 0x1111, 1768100000, &dup);
	ok(late > d && dup == 0, "same fingerprint outside the window is a new event");
	ev1 = a;
	ev2 = late;
	memset(&f, 0, sizeof(f));
	is_str(query(st, &f), L(late, d, c, bb, a, END), "listing: every event, newest first");
	ev = mk(ev_b);
	is_int(store_event_insert(st, batch2, ev, 0x3333, &ins, &e), V_OK,
	       "store_event_insert stores without a lookup");
	event_free(ev);
	f.batch = batch2;
	f.feed = "Feed B";
	is_str(query(st, &f), L(ins, bb, END), "... and the insert is found with its batch");
	memset(&f, 0, sizeof(f));
	f.ip = "192.0.2.10";
	store_events_query(st, &f, collect_event, &x, &e);
	is_int(x.n, 4, "--ip matches source.ip or destination.ip");
	is_int(x.repeats[x.n - 1], 1, "the repeated event has repeats = 1");
	is_int(x.first[x.n - 1], 1768042800, "first_seen is time.observation");
	ok(strstr(x.json[x.n - 1], "\"source.ip\":\"192.0.2.10\"") != NULL,
	   "the stored JSON is the event's");
	is_str(query(st, &f), L(ins, late, bb, a, END), "--ip: events in both directions");
	memset(&f, 0, sizeof(f));
	f.ip = "2001:db8:0:0::1";
	is_str(query(st, &f), L(d, c, END), "--ip: IPv6 in any spelling");
	f.ip = "not-an-ip";
	is_int(store_events_query(st, &f, collect_event, &x, &e), V_ERR_INVALID,
	       "a bad --ip is refused");
	memset(&f, 0, sizeof(f));
	f.network = "192.0.2.0/24";
	is_str(query(st, &f), L(ins, late, bb, a, END), "--network: v4, source or destination");
	f.network = "198.51.100.0/29";
	is_str(query(st, &f), L(ins, bb, END), "--network: a small v4 prefix");
	f.network = "2001:db8::/32";
	is_str(query(st, &f), L(d, c, END), "--network: v6 CIDR");
	f.network = "0.0.0.0/0";
	is_str(query(st, &f), L(ins, late, bb, a, END), "--network: /0 is every v4 address, no v6");
	f.network = "10.0.0.0/33";
	is_int(store_events_query(st, &f, collect_event, &x, &e), V_ERR_INVALID,
	       "a bad --network is refused");
	memset(&f, 0, sizeof(f));
	f.classification = "phishing";
	is_str(query(st, &f), L(ins, bb, END), "--classification: type");
	f.classification = "information-gathering";
	is_str(query(st, &f), L(late, a, END), "--classification: taxonomy (from the type)");
	memset(&f, 0, sizeof(f));
	f.feed = "Feed A";
	is_str(query(st, &f), L(late, d, c, a, END), "--feed");
	memset(&f, 0, sizeof(f));
	f.fqdn = "example.com";
	is_str(query(st, &f), L(ins, late, bb, a, END), "--fqdn: the name and names under it");
	f.fqdn = "WWW.Example.com.";
	is_str(query(st, &f), L(late, a, END), "--fqdn: case and a trailing dot do not matter");
	f.fqdn = "ample.com";
	is_str(query(st, &f), "", "--fqdn: not a partial label");
	f.fqdn = "sample.com";
	is_str(query(st, &f), L(d, c, END), "--fqdn: exact");
	memset(&f, 0, sizeof(f));
	f.url = "http://www.example.com/login";
	is_str(query(st, &f), L(late, a, END), "--url: prefix");
	f.url = "http://";
	is_str(query(st, &f), L(ins, late, bb, a, END), "--url: a short prefix");
	f.url = "https://";
	is_str(query(st, &f), "", "--url: no match");
	memset(&f, 0, sizeof(f));
	f.since = 1768212000; /* 2026-01-12T10:00:00 */
	is_str(query(st, &f), L(ins, d, c, bb, END), "--since: time.source at or after");
	f.until = 1768212000;
	f.since = 0;
	is_str(query(st, &f), L(late, a, END), "--until: time.source before");
	f.since = 1768212000;
	f.until = 1768384800; /* 2026-01-14T10:00:00 */
	is_str(query(st, &f), L(ins, bb, END), "--since and --until together");
	memset(&f, 0, sizeof(f));
	f.batch = batch1;
	is_str(query(st, &f), L(a, END), "--batch");
	memset(&f, 0, sizeof(f));
	f.limit = 2;
	is_str(query(st, &f), L(ins, late, END), "--limit");
	f.offset = 2;
	is_str(query(st, &f), L(d, c, END), "--offset");
	f.limit = -1;
	f.offset = 0;
	is_str(query(st, &f), L(ins, late, d, c, bb, a, END), "a negative limit lists everything");
	memset(&f, 0, sizeof(f));
	f.feed = "Feed A";
	f.classification = "scanner";
	f.ip = "192.0.2.10";
	is_str(query(st, &f), L(late, a, END), "filters combine");
	is_int(count_events(st), 6, "store_info counts events");
}

struct fps {
	int n, has1111, has2222;
};

static int fp_cb(void *arg, uint64_t fp, int64_t last)
{
	struct fps *x = arg;
	(void)last;
	x->n++;
	x->has1111 += fp == 0x1111;
	x->has2222 += fp == 0x2222;
	return 0;
}

static int stop_cb(void *arg, const struct store_event_row *r)
{
	(void)r;
	(*(int *)arg)++;
	return 42;
}

static void test_fingerprints(struct store *st)
{
	struct fps x = { 0 };
	struct verr e = { 0 };
	struct store_event_filter f = { 0 };
	int n = 0;

	is_int(store_fingerprints_since(st, 1768100000, fp_cb, &x, &e), V_OK,
	       "fingerprints since a time");
	is_int(x.n, 2, "... the fingerprinted events last seen since then");
	ok(x.has1111 == 0 && x.has2222 == 1, "... with their fingerprints");
	memset(&x, 0, sizeof(x));
	store_fingerprints_since(st, 1768000000, fp_cb, &x, &e);
	ok(x.n == 4 && x.has1111 == 2, "an earlier time: more (fingerprint 0 never listed)");
	is_int(store_events_query(st, &f, stop_cb, &n, &e), 42,
	       "a callback's non-zero result stops the walk and is returned");
	is_int(n, 1, "... after one row");
}

static int64_t mk_incident(struct store *st, const char *rule, const char *key,
			   enum incident_state state, const char *owner, int prio, int64_t deadline)
{
	struct store_incident inc = {
		.rule = rule, .key = key, .state = state, .owner = owner, .priority = prio,
		.classification_type = "scanner", .taxonomy = "information-gathering",
		.organisation = "Org A", .title = "test", .deadline = deadline, .tlp = "amber",
	};
	struct verr e = { 0 };
	int64_t id = 0;

	if (store_incident_create(st, &inc, &id, &e) != V_OK)
		printf("# incident_create: %s\n", e.reason);
	return id;
}

static int group_cb(void *arg, const struct store_incident_group *gr)
{
	char *out = arg;
	size_t n = strlen(out);

	snprintf(out + n, 512 - n, "%s/%s/%lld;", gr->a ? gr->a : "-", gr->b ? gr->b : "-",
		 (long long)gr->count);
	return 0;
}

/* The groups of one aggregate as "a/b/count;..." ("ERR" on failure). */
static const char *groups(struct store *st, enum store_group_by by, int64_t since, int64_t now,
			  char out[512])
{
	struct store_incident_grouping g = { .by = by, .since = since, .now = now };
	struct verr e = { 0 };

	out[0] = 0;
	if (store_incident_groups(st, &g, group_cb, out, &e) != V_OK) {
		printf("# groups: %s\n", e.reason);
		return "ERR";
	}
	return out;
}

static void test_incidents(struct store *st)
{
	struct store_incident inc;
	struct store_incident_filter f;
	struct verr e = { 0 };
	int64_t i1, i2, i3, i4, found = 0;

	i1 = mk_incident(st, "ip-class", "192.0.2.10|scanner", IS_NEW, NULL, 3, 1000);
	i2 = mk_incident(st, "ip-class", "198.51.100.7|phishing", IS_IN_PROGRESS, "ana", 1, 5000);
	i3 = mk_incident(st, "url", "http://x/", IS_RESOLVED, "ana", 2, 500);
	i4 = mk_incident(st, "url", "http://y/", IS_CLOSED, "bo", 4, 0);
	ok(i1 > 0 && i2 > i1 && i3 > i2 && i4 > i3, "incidents created");

	is_int(store_incident_add_event(st, i1, ev1, 1768042800, &e), V_OK, "event linked");
	is_int(store_incident_add_event(st, i1, ev2, 1768300000, &e), V_OK, "second event linked");
	is_int(store_incident_add_event(st, i1, ev2, 1768300000, &e), V_OK,
	       "linking again is fine");
	is_int(store_incident_get(st, i1, &inc, &e), V_OK, "incident read");
	is_int(inc.event_count, 2, "event count: linking twice counts once");
	is_int(inc.first_seen, 1768042800, "first seen");
	is_int(inc.last_seen, 1768300000, "last seen");
	is_str(inc.rule, "ip-class", "rule");
	is_str(inc.key, "192.0.2.10|scanner", "key");
	is_str(inc.tlp, "amber", "tlp");
	ok(inc.owner == NULL, "no owner is NULL");
	ok(inc.created > 0 && inc.updated == inc.created, "created and updated set");
	store_incident_free(&inc);
	is_int(store_incident_add_event(st, 999999, ev1, 1, &e), V_ERR_NOTFOUND,
	       "linking to a missing incident fails");
	is_int(store_incident_add_event(st, i1, 999999, 1, &e), V_ERR_NOTFOUND,
	       "linking a missing event fails");
	{
		struct store_event_filter ef = { .incident = i1 };
		is_str(query(st, &ef), L(ev2, ev1, END), "--incident lists its events");
	}

	is_int(store_incident_find_open(st, "ip-class", "192.0.2.10|scanner", 1768000000, &found,
					&e), V_OK, "find_open finds the incident");
	is_int(found, i1, "... the right one");
	is_int(store_incident_find_open(st, "ip-class", "192.0.2.10|scanner", 1768400000, &found,
					&e), V_ERR_NOTFOUND, "... not when seen before the window");
	is_int(store_incident_find_open(st, "url", "http://x/", 0, &found, &e), V_ERR_NOTFOUND,
	       "... not a resolved one");
	is_int(store_incident_find_open(st, "ip-class", "nope", 0, &found, &e), V_ERR_NOTFOUND,
	       "... not another key");

	is_int(store_incident_get(st, i2, &inc, &e), V_OK, "read for update");
	{
		/* a copy with new values: inc keeps its own strings to free */
		struct store_incident w = inc;
		w.state = IS_WAITING;
		w.owner = "carla";
		w.priority = 2;
		w.resolution = "true-positive";
		w.impact = "high";
		w.pap = "green";
		w.title = "changed";
		w.deadline = 7000;
		w.updated = 0;
		is_int(store_incident_update(st, &w, &e), V_OK, "incident updated");
	}
	store_incident_free(&inc);
	is_int(store_incident_get(st, i2, &inc, &e), V_OK, "read back");
	ok(inc.state == IS_WAITING && inc.priority == 2 && inc.deadline == 7000, "state, priority, "
	   "deadline written");
	is_str(inc.owner, "carla", "owner written");
	is_str(inc.resolution, "true-positive", "resolution written");
	is_str(inc.title, "changed", "title written");
	is_str(inc.impact, "high", "impact written");
	store_incident_free(&inc);
	memset(&inc, 0, sizeof(inc));
	inc.id = 999999;
	is_int(store_incident_update(st, &inc, &e), V_ERR_NOTFOUND, "updating a missing one fails");
	is_int(store_incident_get(st, 999999, &inc, &e), V_ERR_NOTFOUND, "reading a missing one");

	memset(&f, 0, sizeof(f));
	f.state = -1;
	is_str(incidents(st, &f), "4,3,2,1", "every incident, newest first");
	f.open_only = 1;
	is_str(incidents(st, &f), "2,1", "open only: before resolved");
	memset(&f, 0, sizeof(f));
	f.state = IS_RESOLVED;
	is_str(incidents(st, &f), "3", "by state");
	f.state = -1;
	f.owner = "ana";
	is_str(incidents(st, &f), "3", "by owner");
	f.owner = NULL;
	f.classification = "information-gathering";
	is_str(incidents(st, &f), "4,3,2,1", "by taxonomy");
	f.classification = "phishing";
	is_str(incidents(st, &f), "", "by classification type");
	f.classification = NULL;
	f.organisation = "Org A";
	is_str(incidents(st, &f), "4,3,2,1", "by organisation");
	f.organisation = "Org B";
	is_str(incidents(st, &f), "", "by another organisation");
	f.organisation = NULL;
	f.priority = 4;
	is_str(incidents(st, &f), "4", "by priority");
	f.priority = 0;
	f.due_before = 6000;
	is_str(incidents(st, &f), "1", "due before: past the deadline and not resolved");
	f.due_before = 8000;
	is_str(incidents(st, &f), "2,1", "due before a later time");
	f.due_before = 0;
	f.limit = 1;
	f.offset = 1;
	is_str(incidents(st, &f), "3", "limit and offset");
	f.limit = 0;
	f.offset = 0;
	f.tlp = "amber";
	is_str(incidents(st, &f), "4,3,2,1", "by TLP");
	f.tlp = "red";
	is_str(incidents(st, &f), "", "by another TLP");
	f.tlp = NULL;
	f.text = "CHANGED";
	is_str(incidents(st, &f), "2", "by text in the title, ignoring case");
	f.text = "198.51";
	is_str(incidents(st, &f), "2", "by text in the key");
	f.text = "org a";
	is_str(incidents(st, &f), "4,3,2,1", "by text in the organisation");
	f.text = "%";
	is_str(incidents(st, &f), "", "text is text, not a pattern");
	f.text = "x/";
	f.state = IS_RESOLVED;
	is_str(incidents(st, &f), "3", "text with another filter");
	{
		int64_t counts[6], overdue = -1;
		char g[512];

		is_int(store_incident_counts(st, 6000, counts, &overdue, &e), V_OK, "counts");
		ok(counts[IS_NEW] == 1 && counts[IS_OPEN] == 0 && counts[IS_WAITING] == 1 &&
		   counts[IS_RESOLVED] == 1 && counts[IS_CLOSED] == 1 && counts[IS_IN_PROGRESS] == 0,
		   "counts per state");
		is_int(overdue, 1, "overdue at 6000: the open one past its deadline");
		is_str(groups(st, STORE_GROUP_ORG, 0, 0, g), "Org A/-/4;", "grouped by organisation");
		is_str(groups(st, STORE_GROUP_CLASS, 0, 0, g), "scanner/-/4;",
		       "grouped by classification");
		is_str(groups(st, STORE_GROUP_OPEN_AGE, 0, (int64_t)time(NULL) + 60, g),
		       "0-1d/2/1;0-1d/3/1;", "open by age: made just now");
		is_str(groups(st, STORE_GROUP_OPEN_AGE, 0, INT64_C(4000000000), g), "30d+/2/1;30d+/3/1;",
		       "open by age and priority");
		ok(strstr(groups(st, STORE_GROUP_RESOLVE, 0, 0, g), "2/-/1;4/-/1;") == g,
		   "resolved by priority");
		ok(strstr(groups(st, STORE_GROUP_DAY_CLASS, 0, 0, g), "/scanner/4;") != NULL,
		   "per day and classification");
		is_str(groups(st, STORE_GROUP_ORG, INT64_C(4000000000), 0, g), "",
		       "nothing created since later");
	}
}

/* The queue's order across pages: every sort key, both directions, ties by id, and keyset
 * paging after (value, id) continuing the same order. */
static void test_incident_sort(struct store *st)
{
	static const int prio[5] = { 2, 1, 2, 3, 2 };
	static const int64_t deadline[5] = { 30, 10, 20, 0, 10 };
	struct store_incident_filter f;
	struct store_incident inc;
	struct verr e = { 0 };
	int64_t id[5];
	char want[128];

	for (int i = 0; i < 5; i++)
		id[i] = mk_incident(st, "sort", i == 0 ? "a" : i == 1 ? "b" : i == 2 ? "c" :
					i == 3 ? "d" : "e", IS_NEW, "sorter", prio[i], deadline[i]);
#define IDS(...) (snprintf(want, sizeof(want), __VA_ARGS__), want)
#define L5(a, b, c, d, x) IDS("%lld,%lld,%lld,%lld,%lld", (long long)id[a], (long long)id[b], \
			      (long long)id[c], (long long)id[d], (long long)id[x])
	memset(&f, 0, sizeof(f));
	f.state = -1;
	f.owner = "sorter";
	is_str(incidents(st, &f), L5(4, 3, 2, 1, 0), "by default newest first");
	f.sort = STORE_SORT_PRIORITY;
	f.ascending = 1;
	is_str(incidents(st, &f), L5(1, 0, 2, 4, 3), "priority ascending, ties by id ascending");
	f.ascending = 0;
	is_str(incidents(st, &f), L5(3, 4, 2, 0, 1), "priority descending, ties by id descending");
	f.after_set = 1;
	f.after_key = 2;
	f.after_id = id[2];
	is_str(incidents(st, &f), IDS("%lld,%lld", (long long)id[0], (long long)id[1]),
	       "descending, after (2, c): the rest of the order");
	f.ascending = 1;
	is_str(incidents(st, &f), IDS("%lld,%lld", (long long)id[4], (long long)id[3]),
	       "ascending, after (2, c)");
	f.after_set = 0;
	f.limit = 2;
	is_str(incidents(st, &f), IDS("%lld,%lld", (long long)id[1], (long long)id[0]),
	       "a page of two");
	f.limit = 0;
	f.sort = STORE_SORT_DEADLINE;
	is_str(incidents(st, &f), L5(3, 1, 4, 2, 0), "deadline ascending");
	f.sort = STORE_SORT_ID;
	f.ascending = 0;
	f.after_set = 1;
	f.after_id = id[2];
	is_str(incidents(st, &f), IDS("%lld,%lld", (long long)id[1], (long long)id[0]),
	       "by id, after c");
	f.after_set = 0;
	for (int k = 0; k < STORE_SORT__COUNT; k++) {
		f.sort = (enum store_incident_sort)k;
		ok(strcmp(incidents(st, &f), "ERR"), "sort key %d runs", k);
	}
	f.sort = STORE_SORT__COUNT;
	ok(store_incidents_query(st, &f, collect_incident, &(struct ids){ 0 }, &e) == V_ERR_INVALID,
	   "an unknown sort key is refused");
	is_int(store_incident_get(st, id[3], &inc, &e), V_OK, "read one back");
	is_int(store_incident_sort_value(&inc, STORE_SORT_PRIORITY), 3, "its sort value: priority");
	is_int(store_incident_sort_value(&inc, STORE_SORT_ID), id[3], "... and id");
	store_incident_free(&inc);
#undef L5
#undef IDS
}

/* Accounts' passwords (only a hash the caller made) and languages. */
static void test_account_password_lang(struct store *st)
{
	char hash[STORE_PWHASH_MAX];
	struct store_account a;
	struct verr e = { 0 };

	is_int(store_account_add(st, "pw-user", "analyst", NULL, &e), V_OK, "an account");
	is_int(store_account_password_get(st, "pw-user", &a, hash, &e), V_OK, "read it");
	ok(!hash[0] && !a.has_password && !a.lang[0], "no password, no language yet");
	is_int(store_account_password_set(st, "PW-USER", "$argon2id$v=19$x", &e), V_OK,
	       "a hash is stored (the name in any case)");
	is_int(store_account_password_get(st, "pw-user", &a, hash, &e), V_OK, "read again");
	ok(!strcmp(hash, "$argon2id$v=19$x") && a.has_password, "the hash, and has_password");
	is_int(store_account_get(st, "pw-user", &a, &e), V_OK, "get");
	ok(a.has_password, "get says it has a password");
	is_int(store_account_password_set(st, "nobody", "$x", &e), V_ERR_NOTFOUND,
	       "no such account");
	is_int(store_account_password_set(st, "pw-user", "", &e), V_ERR_INVALID,
	       "an empty hash is refused");
	is_int(store_account_lang_set(st, "pw-user", "es", &e), V_OK, "language es");
	is_int(store_account_get(st, "pw-user", &a, &e), V_OK, "get");
	is_str(a.lang, "es", "... kept");
	is_int(store_account_lang_set(st, "pw-user", "fr", &e), V_ERR_INVALID, "fr: refused");
	is_int(store_account_lang_set(st, "pw-user", NULL, &e), V_OK, "forget it");
	is_int(store_account_get(st, "pw-user", &a, &e), V_OK, "get");
	is_str(a.lang, "", "... forgotten");
	is_int(store_account_password_set(st, "pw-user", NULL, &e), V_OK, "remove the password");
	is_int(store_account_password_get(st, "pw-user", &a, hash, &e), V_OK, "read");
	ok(!hash[0] && !a.has_password, "... removed");
	is_int(store_account_password_get(st, "nobody", &a, hash, &e), V_ERR_NOTFOUND,
	       "no such account");
	is_int(store_account_remove(st, "pw-user", &e), V_OK, "remove the account");
}

static int note_cb(void *arg, int64_t id, const char *author, int64_t time, const char *text)
{
	char *out = arg;
	size_t n = strlen(out);
	(void)id;
	snprintf(out + n, 256 - n, "[%s:%s:%d]", author ? author : "-", text, time > 0);
	return 0;
}

static int att_cb(void *arg, const char *name, const char *sha, int64_t size, int64_t time)
{
	char *out = arg;
	size_t n = strlen(out);
	(void)time;
	snprintf(out + n, 512 - n, "[%s %.8s %lld]", name, sha, (long long)size);
	return 0;
}

static int link_cb(void *arg, int64_t other, const char *kind, const char *why)
{
	char *out = arg;
	size_t n = strlen(out);
	snprintf(out + n, 256 - n, "[%lld %s %s]", (long long)other, kind, why ? why : "-");
	return 0;
}

static void test_notes_attachments_links(struct store *st)
{
	struct verr e = { 0 };
	char out[512] = "", sha1[65], sha2[65], sha3[65];
	int64_t id = 0;
	void *data = NULL;
	size_t len = 0;

	is_int(store_note_add(st, 1, "ana", "first look", &id, &e), V_OK, "note added");
	ok(id > 0, "note id");
	is_int(store_note_add(st, 1, "bo", "second", &id, &e), V_OK, "second note");
	is_int(store_note_add(st, 999999, "bo", "x", &id, &e), V_ERR_NOTFOUND,
	       "a note on a missing incident fails");
	is_int(store_notes_list(st, 1, note_cb, out, &e), V_OK, "notes listed");
	is_str(out, "[ana:first look:1][bo:second:1]", "notes in order, with author and time");

	is_int(store_attachment_add(st, 1, "mail.eml", "hello", 5, sha1, &e), V_OK,
	       "attachment added");
	is_str(sha1, "2cf24dba5fb0a30e26e83b2ac5b9e29e1b161e5c1fa7425e73043362938b9824",
	       "named by its SHA-256");
	is_int(store_attachment_add(st, 2, "copy.eml", "hello", 5, sha2, &e), V_OK,
	       "same content on another incident");
	is_str(sha2, sha1, "same hash");
	is_int(store_attachment_add(st, 1, "empty", "", 0, sha3, &e), V_OK, "an empty attachment");
	if (is_sqlite)
		is_int(sql_count("SELECT count(*) FROM contents"), 2,
		       "content kept once per hash (2 contents for 3 attachments)");
	out[0] = 0;
	is_int(store_attachments_list(st, 1, att_cb, out, &e), V_OK, "attachments listed");
	is_str(out, "[mail.eml 2cf24dba 5][empty e3b0c442 0]", "with name, hash and size");
	is_int(store_attachment_get(st, sha1, &data, &len, &e), V_OK, "content read back");
	ok(len == 5 && !memcmp(data, "hello", 5), "... intact");
	free(data);
	is_int(store_attachment_get(st, "00", &data, &len, &e), V_ERR_NOTFOUND,
	       "unknown hash: not found");

	is_int(store_link_add(st, 1, 2, "linked", "same actor", &e), V_OK, "link added");
	is_int(store_link_add(st, 2, 1, "linked", "again", &e), V_OK, "reverse link: no error");
	is_int(store_link_add(st, 1, 3, "correlated", NULL, &e), V_OK, "second link");
	is_int(store_link_add(st, 1, 1, "linked", NULL, &e), V_ERR_INVALID, "no self link");
	is_int(store_link_add(st, 1, 999999, "linked", NULL, &e), V_ERR_NOTFOUND,
	       "no link to a missing incident");
	out[0] = 0;
	is_int(store_links_list(st, 1, link_cb, out, &e), V_OK, "links listed");
	is_str(out, "[2 linked same actor][3 correlated -]", "once each, from one side");
	out[0] = 0;
	store_links_list(st, 2, link_cb, out, &e);
	is_str(out, "[1 linked same actor]", "... and from the other");
}

static int id_cb(void *arg, int64_t id)
{
	char *out = arg;
	size_t n = strlen(out);
	snprintf(out + n, 256 - n, "%s%lld", n ? "," : "", (long long)id);
	return 0;
}

static int ind_cb(void *arg, const struct store_indicator *ind)
{
	char *out = arg;
	size_t n = strlen(out);
	snprintf(out + n, 256 - n, "[%s %s %d %s]", ind->kind, ind->value, ind->common,
		 ind->why ? ind->why : "-");
	return 0;
}

struct scan {
	char out[512];
	int64_t first_of_shared; /* first incident of domain shared.example */
	int n, ordered;
	int64_t last;
};

static int scan_cb(void *arg, const struct store_indicator *ind, int64_t first)
{
	struct scan *sc = arg;
	size_t n = strlen(sc->out);

	sc->ordered &= ind->id > sc->last;
	sc->last = ind->id;
	sc->n++;
	if (!strcmp(ind->value, "shared.example"))
		sc->first_of_shared = first;
	else if (n < 400)
		snprintf(sc->out + n, sizeof(sc->out) - n, "[%s %s %d %lld]", ind->kind, ind->value,
			 ind->common, (long long)first);
	return 0;
}

static int scan_stop_cb(void *arg, const struct store_indicator *ind, int64_t first)
{
	(void)ind;
	(void)first;
	return ++*(int *)arg == 2 ? 7 : 0;
}

static int many_cb(void *arg, const struct store_indicator *ind, int64_t first)
{
	char *out = arg;
	size_t n = strlen(out);

	if (n < 200 && (!strcmp(ind->value, "shared.example") || !strcmp(ind->value, "10.0.0.1") ||
			!strcmp(ind->value, "192.0.2.10")))
		snprintf(out + n, 256 - n, "[%s %s %lld %d]", ind->kind, ind->value,
			 (long long)first, ind->many);
	return 0;
}

/* The calls an index of indicators in memory makes (src/pipeline/correlate.c). */
static void test_indicator_index_calls(struct store *st)
{
	struct verr e = { 0 };
	struct scan sc = { "", -1, 0, 1, 0 };
	int64_t max = -1, id = 0, id2 = 0, ip = 0;
	int created = -1, common = -1, stops = 0;

	is_int(store_indicators_max(st, &max, &e), V_OK, "largest indicator id (%s)", e.reason);
	ok(max > 0, "... after the indicators above (%lld)", (long long)max);
	is_int(store_indicator_add(st, "url", "http://new.example/x", &id, &created, &common, &e),
	       V_OK, "an indicator believed new is added (%s)", e.reason);
	ok(created == 1 && common == 0 && id > max, "... created, with the next id");
	is_int(store_indicator_add(st, "url", "http://new.example/x", &id2, &created, &common, &e),
	       V_OK, "added again (another writer was first)");
	ok(created == 0 && id2 == id, "... not created: the existing id");
	store_indicator_get(st, "ip", "10.0.0.1", &ip, NULL, &e);
	store_indicator_add(st, "ip", "10.0.0.1", &id2, &created, &common, &e);
	ok(created == 0 && id2 == ip && common == 1, "an existing common one says so");
	store_indicators_max(st, &max, &e);
	is_int(max, id, "the largest id is the new one");
	is_int(store_indicators_scan(st, 0, scan_cb, &sc, &e), V_OK, "every indicator scanned");
	ok(sc.ordered && sc.n >= 5, "in id order (%d)", sc.n);
	ok(strstr(sc.out, "[ip 192.0.2.10 0 1]") != NULL, "with its first incident (%s)", sc.out);
	ok(strstr(sc.out, "[ip 10.0.0.1 1 2]") != NULL, "common, first incident 2");
	ok(strstr(sc.out, "[url 192.0.2.10 0 0]") != NULL, "no posting: first 0");
	ok(strstr(sc.out, "[url http://new.example/x 0 0]") != NULL, "the new one too");
	ok(sc.first_of_shared > 2, "a value of 300 incidents: the smallest (%lld)",
	   (long long)sc.first_of_shared);
	sc = (struct scan){ "", -1, 0, 1, id - 1 };
	store_indicators_scan(st, id - 1, scan_cb, &sc, &e);
	ok(sc.n == 1 && strstr(sc.out, "new.example"), "only those after an id (%s)", sc.out);
	is_int(store_indicators_scan(st, 0, scan_stop_cb, &stops, &e), 7,
	       "the callback's non-zero stops the walk and is returned");
	is_int(stops, 2, "... after the second");
	{
		/* what the index's "one incident" flag is made from */
		char out[256] = "";
		store_indicators_scan(st, 0, many_cb, out, &e);
		ok(strstr(out, "[ip 192.0.2.10 1 1]") != NULL, "two incidents: many (%s)", out);
		ok(strstr(out, "[ip 10.0.0.1 2 0]") != NULL, "one incident: not many");
		ok(strstr(out, "[url 192.0.2.10 0 0]") != NULL, "no posting: not many");
		ok(strstr(out, "shared.example") && strstr(out, "shared.example 0") == NULL &&
		   strstr(out, " 1]") != NULL, "300 incidents: many");
	}
}

static int count_cb(void *arg, int64_t other, const char *kind, const char *why)
{
	(void)other;
	(void)kind;
	(void)why;
	++*(int *)arg;
	return 0;
}

static int links_of(struct store *st, int64_t inc)
{
	struct verr e = { 0 };
	int n = 0;

	if (store_links_list(st, inc, count_cb, &n, &e) != V_OK)
		printf("# links_list: %s\n", e.reason);
	return n;
}

/* The deferred batch (store_posting_defer, store_link_defer): written at the commit, seen by
 * reads before it, taken back by an undo to a mark set before or after part of it was
 * written, stored once whichever way round, and a value made common in the middle. */
static void test_deferred(struct store *st)
{
	struct verr e = { 0 };
	char out[256] = "";
	int64_t a, b, c, d, v = 0, w = 0, x = 0;
	int is_new = -1, n;

	/* outside a transaction: written at once */
	a = mk_incident(st, "defer", "a", IS_NEW, NULL, 3, 0);
	b = mk_incident(st, "defer", "b", IS_NEW, NULL, 3, 0);
	c = mk_incident(st, "defer", "c", IS_NEW, NULL, 3, 0);
	d = mk_incident(st, "defer", "d", IS_NEW, NULL, 3, 0);
	store_indicator_get(st, "url", "http://deferred.example/v", &v, NULL, &e);
	is_int(store_posting_defer(st, v, a, 0, &e), V_OK, "a deferred posting outside a "
	       "transaction (%s)", e.reason);
	store_postings_of(st, v, id_cb, out, &e);
	ok(out[0] != 0, "... is written at once (%s)", out);
	is_int(store_link_defer(st, a, b, "correlated", "url x", &e), V_OK, "a deferred link too");
	is_int(links_of(st, b), 1, "... written at once");
	is_int(store_link_defer(st, a, a, "correlated", NULL, &e), V_ERR_INVALID,
	       "no link to itself, deferred or not");

	/* inside one: at the commit, seen by reads before it */
	is_int(store_begin(st, &e), V_OK, "begin");
	store_indicator_get(st, "url", "http://deferred.example/w", &w, NULL, &e);
	is_int(store_posting_defer(st, w, a, 1, &e), V_OK, "a posting of a value made in the "
	       "same transaction");
	store_posting_defer(st, w, a, 1, &e);
	is_int(store_posting_defer(st, w, b, 0, &e), V_OK, "... and of another incident");
	is_int(store_posting_add(st, w, b, &is_new, &e), V_OK, "the same posting, now");
	is_int(is_new, 0, "... is not new: the batch has it");
	is_int(store_link_defer(st, a, c, "correlated", "url w", &e), V_OK, "a link (a, c)");
	is_int(store_link_defer(st, c, a, "correlated", "url w again", &e), V_OK,
	       "... and (c, a) in the same batch");
	is_int(store_link_defer(st, b, a, "correlated", "the other way", &e), V_OK,
	       "(b, a) deferred while the store has (a, b)");
	is_int(store_link_defer(st, b, c, "linked", "by \"hand\", \\ {x,NULL}", &e), V_OK,
	       "another kind, a why with quotes, a backslash and braces");
	out[0] = 0;
	is_int(store_postings_of(st, w, id_cb, out, &e), V_OK, "postings read in the transaction");
	n = snprintf(NULL, 0, "%lld,%lld", (long long)a, (long long)b);
	ok(n > 0 && strlen(out) == (size_t)n, "... see the batch: both, once each (%s)", out);
	is_int(links_of(st, a), 2, "links read in the transaction see the batch: (a, b) once, "
	       "(a, c) once");
	is_int(store_commit(st, &e), V_OK, "commit (%s)", e.reason);
	is_int(links_of(st, c), 2, "after the commit: c linked to a once and to b by hand");
	is_int(links_of(st, b), 2, "b: to a once, to c");
	out[0] = 0;
	store_links_list(st, c, link_cb, out, &e);
	ok(strstr(out, " linked by \"hand\", \\ {x,NULL}]") != NULL, "the why as it was (%s)",
	   out);

	/* a mark: what was deferred since is taken back, what was before it stays, also when a
	 * read wrote it after the mark */
	is_int(store_begin(st, &e), V_OK, "begin");
	store_indicator_get(st, "domain", "deferred.example", &x, NULL, &e);
	store_posting_defer(st, x, a, 1, &e);
	store_link_defer(st, a, d, "correlated", "before the mark", &e);
	is_int(store_mark(st, &e), V_OK, "mark");
	store_posting_defer(st, x, b, 0, &e);
	store_link_defer(st, b, d, "correlated", "after the mark", &e);
	out[0] = 0;
	store_postings_of(st, x, id_cb, out, &e);
	ok(strchr(out, ',') != NULL, "a read after the mark writes the batch (%s)", out);
	is_int(links_of(st, d), 2, "... links too");
	store_posting_defer(st, x, c, 0, &e);
	is_int(store_undo(st, &e), V_OK, "undo (%s)", e.reason);
	store_posting_add(st, x, b, &is_new, &e);
	is_int(is_new, 1, "after the undo a posting deferred since the mark is new again");
	is_int(store_undo(st, &e), V_OK, "undo again");
	is_int(store_commit(st, &e), V_OK, "commit");
	out[0] = 0;
	store_postings_of(st, x, id_cb, out, &e);
	n = snprintf(NULL, 0, "%lld", (long long)a);
	ok(strlen(out) == (size_t)n, "only the posting deferred before the mark is stored (%s)",
	   out);
	is_int(links_of(st, d), 1, "only the link deferred before the mark");

	/* a value made common in the middle of a batch keeps its postings */
	is_int(store_begin(st, &e), V_OK, "begin");
	store_posting_defer(st, v, b, 0, &e);
	is_int(store_indicator_set_common(st, v, "made common", &e), V_OK, "made common "
	       "mid-batch");
	store_posting_defer(st, v, c, 0, &e);
	is_int(store_commit(st, &e), V_OK, "commit");
	out[0] = 0;
	store_postings_of(st, v, id_cb, out, &e);
	ok(strchr(out, ',') && strchr(strchr(out, ',') + 1, ','), "its three postings (%s)", out);

	/* a rollback forgets the batch */
	is_int(store_begin(st, &e), V_OK, "begin");
	store_posting_defer(st, x, d, 0, &e);
	store_link_defer(st, c, d, "correlated", "rolled back", &e);
	store_rollback(st);
	out[0] = 0;
	store_postings_of(st, x, id_cb, out, &e);
	ok(strchr(out, ',') == NULL, "a rollback forgets the batch (%s)", out);
	is_int(links_of(st, d), 1, "... and its links");
	/* a link to a missing incident fails the commit, which then rolls back */
	is_int(store_begin(st, &e), V_OK, "begin");
	store_link_defer(st, a, 999999, "correlated", NULL, &e);
	ok(store_commit(st, &e) != V_OK, "a link to a missing incident fails the commit (%s)",
	   e.reason);
	store_rollback(st);
}

static int count_ids_cb(void *arg, int64_t id)
{
	(void)id;
	++*(int *)arg;
	return 0;
}

/* A batch large enough to be sorted by radix (store.c post_radix): 2,000 values, each posted
 * to three incidents in an order of its own, every posting asked twice. */
static void test_deferred_many(struct store *st)
{
	enum { NV = 2000 };
	static int64_t v[NV];
	struct verr e = { 0 };
	int64_t inc[3];
	char val[64];
	int bad = 0, n;

	for (int i = 0; i < 3; i++) {
		snprintf(val, sizeof(val), "m%d", i);
		inc[i] = mk_incident(st, "defer-many", val, IS_NEW, NULL, 3, 0);
	}
	is_int(store_begin(st, &e), V_OK, "begin");
	for (int i = 0; i < NV; i++) {
		snprintf(val, sizeof(val), "http://many.example/%d", i);
		store_indicator_get(st, "url", val, &v[i], NULL, &e);
	}
	for (int r = 0; r < 2; r++)
		for (int i = NV - 1; i >= 0; i--)
			for (int j = 0; j < 3; j++)
				store_posting_defer(st, v[(i * 7) % NV], inc[(i + j) % 3], 0, &e);
	is_int(store_commit(st, &e), V_OK, "commit of 6,000 postings asked twice (%s)", e.reason);
	for (int i = 0; i < NV; i++) {
		n = 0;
		store_postings_of(st, v[i], count_ids_cb, &n, &e);
		bad += n != 3;
	}
	is_int(bad, 0, "each value has its three postings, once each");
	int64_t orphans = -1;
	is_int(store_postings_orphans(st, &orphans, &e), V_OK, "postings checked");
	is_int(orphans, 0, "none lacks its indicator or its incident");
	/* without foreign keys (schema version 19) the store checks a deferred posting's parents
	 * itself: one of an incident that does not exist makes the commit fail, as the foreign
	 * key did, and nothing of the batch is kept */
	store_begin(st, &e);
	store_posting_defer(st, v[0], inc[2] + 1000000, 0, &e);
	is_int(store_commit(st, &e), V_ERR_NOTFOUND, "a deferred posting of a missing incident: "
	       "the commit fails (%s)", e.reason);
	store_rollback(st);
	store_postings_orphans(st, &orphans, &e);
	is_int(orphans, 0, "... and nothing of it is stored");
}

/* New values through store_indicator_new: in an SQLite transaction at the caller's generation
 * they wait in the batch with ids reserved in order (an undo gives back the ones reserved since
 * the mark), reads and inserts at once write them first, a posting of one is written after it;
 * another generation, outside a transaction, or PostgreSQL: inserted at once. */
static void test_deferred_indicators(struct store *st)
{
	struct store_batch_stats b0, b1;
	struct store_ind_known k, stale;
	struct store_ind_mark m;
	struct verr e = { 0 };
	int64_t a, gen = -1, max0 = 0, v1 = 0, v2 = 0, v3 = 0, v4 = 0, v5 = 0, v6 = 0, id = 0;
	int created = -1, common = -1, is_new = -1;
	char out[64] = "";

	a = mk_incident(st, "defer-ind", "a", IS_NEW, NULL, 3, 0);
	if (store_indicators_mark(st, &m, &e) == V_OK)
		gen = m.gen;
	ok(!is_sqlite || gen >= 0, "SQLite keeps a generation");
	store_indicators_max(st, &max0, &e);
	k.gen = gen;
	k.at_once = store_indicators_at_once(st);
	stale.gen = gen + 100;
	stale.at_once = k.at_once;
	store_batch_stats(st, &b0);
	is_int(store_begin(st, &e), V_OK, "begin");
	is_int(store_indicator_new(st, "url", "http://new.example/1", NULL, &k, &v1, &created,
				   &common, &e),
	       V_OK, "a new value (%s)", e.reason);
	ok(created == 1 && common == 0, "... created, not common");
	store_indicator_new(st, "url", "http://new.example/2", "a list", &k, &v2, &created,
			    &common, &e);
	ok(created == 1 && common == 1, "one on a warning list: common at once");
	is_int(store_posting_defer(st, v1, a, 1, &e), V_OK, "a posting of a waiting value");
	is_int(store_mark(st, &e), V_OK, "mark");
	store_indicator_new(st, "url", "http://new.example/3", NULL, &k, &v3, &created, &common,
			    &e);
	is_int(store_undo(st, &e), V_OK, "undo");
	store_indicator_new(st, "url", "http://new.example/4", NULL, &k, &v4, &created, &common,
			    &e);
	if (is_sqlite) {
		ok(v1 == max0 + 1 && v2 == v1 + 1 && v3 == v2 + 1, "ids reserved in order from the "
		   "largest (%lld: %lld %lld %lld)", (long long)max0, (long long)v1, (long long)v2,
		   (long long)v3);
		is_int(v4, v3, "the id reserved after the mark is given back by the undo");
	}
	is_int(store_indicator_find(st, "url", "http://new.example/2", &id, &common, &e), V_OK,
	       "a read in the transaction sees a waiting value");
	ok(id == v2 && common == 1, "... with its id and its common mark");
	is_int(store_indicator_find(st, "url", "http://new.example/3", &id, &common, &e),
	       V_ERR_NOTFOUND, "the value made after the mark is gone");
	is_int(store_indicator_get(st, "url", "http://new.example/5", &v5, &common, &e), V_OK,
	       "a value inserted at once");
	store_indicator_new(st, "url", "http://new.example/6", NULL, &k, &v6, &created, &common,
			    &e);
	if (is_sqlite)
		ok(v5 == v4 + 1 && v6 == v5 + 1, "... takes the next id, and the next new value "
		   "(inserted at once too: the caller's index has not seen that one) the one after");
	is_int(store_posting_add(st, v6, a, &is_new, &e), V_OK, "a posting at once of a waiting "
	       "value (%s)", e.reason);
	is_int(is_new, 1, "... new");
	is_int(store_indicator_new(st, "url", "http://new.example/1", NULL, &stale, &id,
				   &created, &common, &e),
	       V_OK, "a value the store has, asked at another generation");
	ok(created == 0 && id == v1, "... is found, not created (inserted at once)");
	is_int(store_commit(st, &e), V_OK, "commit (%s)", e.reason);
	store_batch_stats(st, &b1);
	is_int((int)(b1.indicators - b0.indicators), is_sqlite ? 3 : 0,
	       "values written from the batch: 1, 2 and 4 (SQLite only; 6 came after an insert at once)");
	store_postings_of(st, v1, id_cb, out, &e);
	ok(strtoll(out, NULL, 10) == a, "the posting of a value that waited (%s)", out);
	is_int(store_indicator_find(st, "url", "http://new.example/4", &id, &common, &e), V_OK,
	       "after the commit");
	ok(id == v4 && common == 0, "... as it was given");
	/* a rollback gives back what was reserved */
	if (store_indicators_mark(st, &m, &e) == V_OK)
		gen = m.gen;
	store_indicators_max(st, &max0, &e);
	k.gen = gen;
	k.at_once = store_indicators_at_once(st);
	is_int(store_begin(st, &e), V_OK, "begin");
	store_indicator_new(st, "url", "http://new.example/7", NULL, &k, &id, &created, &common,
			    &e);
	store_rollback(st);
	is_int(store_indicator_find(st, "url", "http://new.example/7", &id, &common, &e),
	       V_ERR_NOTFOUND, "a rollback forgets a waiting value");
	is_int(store_indicator_new(st, "url", "http://new.example/8", NULL, &k, &id, &created,
				   &common, &e),
	       V_OK, "outside a transaction: at once");
	ok(created == 1 && (!is_sqlite || id == max0 + 1), "... with the next id");
	test_deferred_many(st);
}

static void test_indicators(struct store *st)
{
	struct verr e = { 0 };
	int64_t ip = 0, ip2 = 0, url = 0, priv = 0;
	int common = -1, is_new = -1;
	char out[256] = "";

	is_int(store_indicator_get(st, "ip", "192.0.2.10", &ip, &common, &e), V_OK,
	       "indicator created");
	ok(ip > 0 && common == 0, "with an id, not common");
	is_int(store_indicator_get(st, "ip", "192.0.2.10", &ip2, &common, &e), V_OK, "looked up");
	is_int(ip2, ip, "same (kind, value): same id");
	store_indicator_get(st, "url", "192.0.2.10", &url, &common, &e);
	ok(url != ip, "another kind: another indicator");
	store_indicator_get(st, "ip", "10.0.0.1", &priv, &common, &e);
	is_int(store_indicator_set_common(st, priv, "RFC 1918", &e), V_OK, "marked common");
	store_indicator_get(st, "ip", "10.0.0.1", &ip2, &common, &e);
	ok(ip2 == priv && common == 1, "the common flag is returned");
	is_int(store_indicator_set_common(st, 999999, "x", &e), V_ERR_NOTFOUND,
	       "marking a missing one fails");

	is_int(store_posting_add(st, ip, 1, &is_new, &e), V_OK, "posting added");
	is_int(is_new, 1, "... new");
	store_posting_add(st, ip, 1, &is_new, &e);
	is_int(is_new, 0, "the same posting again is not new");
	store_posting_add(st, ip, 2, &is_new, &e);
	store_posting_add(st, priv, 2, &is_new, &e);
	is_int(store_postings_of(st, ip, id_cb, out, &e), V_OK, "postings listed");
	is_str(out, "1,2", "once per incident");
	out[0] = 0;
	store_indicators_list(st, 2, ind_cb, out, &e);
	is_str(out, "[ip 10.0.0.1 1 RFC 1918][ip 192.0.2.10 0 -]", "indicators of an incident");
	out[0] = 0;
	store_indicators_list(st, 0, ind_cb, out, &e);
	is_str(out, "[ip 10.0.0.1 1 RFC 1918]", "the common indicators, with why");
	is_int(store_posting_add(st, ip, 999999, &is_new, &e), V_ERR_NOTFOUND,
	       "a posting to a missing incident fails");
	/* no cap: many incidents share one value */
	{
		int64_t many = 0, n = 0;
		struct verr e2 = { 0 };
		store_begin(st, &e2);
		for (int i = 0; i < 300; i++) {
			int64_t inc = mk_incident(st, "r", "k", IS_NEW, NULL, 3, 0);
			int nw = 0;
			store_indicator_get(st, "domain", "shared.example", &many, NULL, &e2);
			store_posting_add(st, many, inc, &nw, &e2);
			n += nw;
		}
		is_int(store_commit(st, &e2), V_OK, "300 incidents in one transaction");
		is_int(n, 300, "one value posted to 300 incidents: no cap");
	}
}

static int audit_cb(void *arg, const struct store_audit *a)
{
	char *out = arg;
	size_t n = strlen(out);
	snprintf(out + n, 512 - n, "[%lld %s %s %s %s>%s %d]", (long long)a->id, a->actor,
		 a->object, a->action, a->before ? a->before : "-", a->after ? a->after : "-",
		 a->hash && a->prev_hash && strlen(a->hash) == 64);
	return 0;
}

static void test_audit(struct store *st)
{
	struct verr e = { 0 };
	char out[512] = "";
	int64_t checked = -1, bad = -1;

	is_int(store_audit_verify(st, &checked, &bad, &e), V_OK, "an empty trail verifies");
	ok(checked == 0 && bad == 0, "... nothing checked, nothing bad");
	store_audit_append(st, "ana", "incident:1", "create", NULL, "{\"state\":\"new\"}", &e);
	store_audit_append(st, "ana", "incident:1", "set", "{\"state\":\"new\"}",
			   "{\"state\":\"open\"}", &e);
	store_audit_append(st, "bo", "incident:2", "note", NULL, "{\"note\":1}", &e);
	store_audit_append(st, "ana", "incident:1", "set", "{\"owner\":null}",
			   "{\"owner\":\"ana\"}", &e);
	is_int(store_audit_append(st, "bo", "incident:2", "close", "{}", "{}", &e), V_OK,
	       "entries appended");
	is_int(store_audit_list(st, "incident:2", audit_cb, out, &e), V_OK, "listed by object");
	is_str(out, "[3 bo incident:2 note ->{\"note\":1} 1][5 bo incident:2 close {}>{} 1]",
	       "entries of one object, in order, with hashes");
	out[0] = 0;
	store_audit_list(st, NULL, audit_cb, out, &e);
	ok(strstr(out, "[1 ana") && strstr(out, "[5 bo"), "every entry listed");
	is_int(store_audit_verify(st, &checked, &bad, &e), V_OK, "the chain verifies");
	ok(checked == 5 && bad == 0, "... 5 entries checked");
	if (!is_sqlite) {
		printf("# tampering checks need raw access: SQLite only\n");
		return;
	}
	tamper("UPDATE audit SET after = '{\"state\":\"closed\"}' WHERE id = 2");
	is_int(store_audit_verify(st, &checked, &bad, &e), V_ERR_INVALID,
	       "an edited entry is caught");
	is_int(bad, 2, "... and named");
	ok(strstr(e.reason, "2") && strstr(e.reason, "altered"), "... with a reason: %s", e.reason);
	tamper("UPDATE audit SET after = '{\"state\":\"open\"}' WHERE id = 2");
	is_int(store_audit_verify(st, &checked, &bad, &e), V_OK, "put back, it verifies again");
	tamper("UPDATE audit SET time = time + 1 WHERE id = 4");
	is_int(store_audit_verify(st, &checked, &bad, &e), V_ERR_INVALID,
	       "a changed time is caught");
	is_int(bad, 4, "... entry 4");
	tamper("UPDATE audit SET time = time - 1 WHERE id = 4");
	tamper("DELETE FROM audit WHERE id = 3");
	is_int(store_audit_verify(st, &checked, &bad, &e), V_ERR_INVALID,
	       "a deleted entry is caught");
	is_int(bad, 3, "... the missing one is named");
	is_int(checked, 2, "... after 2 good ones");
	ok(strstr(e.reason, "missing") != NULL, "... reason: %s", e.reason);
	/* deleting and renumbering so the ids have no gap does not help either */
	tamper("UPDATE audit SET id = id - 1 WHERE id > 3");
	is_int(store_audit_verify(st, &checked, &bad, &e), V_ERR_INVALID,
	       "deleted and renumbered: caught");
	is_int(bad, 3, "... at the first renumbered entry");
	/* rebuild a clean chain in a fresh part of the test: delete only the last entry */
	tamper("DELETE FROM audit; DELETE FROM audit_head;");
	store_audit_append(st, "a", "o", "x", NULL, NULL, &e);
	store_audit_append(st, "a", "o", "y", NULL, NULL, &e);
	store_audit_append(st, "a", "o", "z", NULL, NULL, &e);
	is_int(store_audit_verify(st, &checked, &bad, &e), V_OK, "a new chain verifies");
	tamper("DELETE FROM audit WHERE id = 3");
	is_int(store_audit_verify(st, &checked, &bad, &e), V_ERR_INVALID,
	       "deleting the last entry is caught");
	is_int(bad, 3, "... entry 3 missing");
	tamper("DELETE FROM audit WHERE id = 1");
	tamper("DELETE FROM audit_head");
	is_int(store_audit_verify(st, &checked, &bad, &e), V_ERR_INVALID,
	       "deleting the first entry and the head is caught");
	is_int(bad, 1, "... entry 1 missing");
	tamper("DELETE FROM audit");
	is_int(store_audit_verify(st, &checked, &bad, &e), V_OK,
	       "(emptied by hand: nothing left to check)");
}

static void test_prune(struct store *st)
{
	struct verr e = { 0 };
	int64_t removed = -1, open_inc, closed_inc, e_open, e_closed, e_free, e_new, before;
	struct store_event_filter f = { .limit = -1 };
	static const char *const old1[] = { "source.ip", "203.0.113.1", "time.observation",
					     "2020-01-01T00:00:00+00:00", NULL };
	static const char *const old2[] = { "source.ip", "203.0.113.2", "time.observation",
					     "2020-01-01T00:00:00+00:00", NULL };
	static const char *const old3[] = { "source.ip", "203.0.113.3", "time.observation",
					     "2020-01-02T00:00:00+00:00", NULL };
	static const char *const fresh[] = { "source.ip", "203.0.113.4", "time.observation",
					      "2030-01-01T00:00:00+00:00", NULL };

	e_open = put(st, 0, old1, 0, 0, NULL);
	e_closed = put(st, 0, old2, 0, 0, NULL);
	e_free = put(st, 0, old3, 0, 0, NULL);
	e_new = put(st, 0, fresh, 0, 0, NULL);
	open_inc = mk_incident(st, "p", "open", IS_RESOLVED, NULL, 3, 0);
	closed_inc = mk_incident(st, "p", "closed", IS_CLOSED, NULL, 3, 0);
	store_incident_add_event(st, open_inc, e_open, 1577836800, &e);
	store_incident_add_event(st, closed_inc, e_closed, 1577836800, &e);
	before = count_events(st);
	is_int(store_events_prune(st, 1700000000, &removed, &e), V_OK, "prune ran");
	is_int(removed, 2, "two old events removed");
	is_int(count_events(st), before - 2, "... and gone from the store");
	f.network = "203.0.113.0/24";
	{
		char want[64];
		snprintf(want, sizeof(want), "%lld,%lld", (long long)e_new, (long long)e_open);
		is_str(query(st, &f), want,
		       "kept: the new one and the old one of an incident not yet closed");
	}
	memset(&f, 0, sizeof(f));
	f.incident = closed_inc;
	is_str(query(st, &f), "", "the closed incident's old event is gone");
	(void)e_free;
	(void)e_closed;
	is_int(store_events_prune(st, 1700000000, &removed, &e), V_OK, "prune again");
	is_int(removed, 0, "... nothing more to remove");
}

static void test_rollback(struct store *st)
{
	struct verr e = { 0 };
	int64_t before = count_events(st), batch = 0, id = 0, inc;
	struct store_event_filter f = { 0 };
	struct store_info in0, in1;
	static const char *const ev[] = { "source.ip", "192.0.2.99", "feed.name", "Rollback",
					   NULL };
	struct event *x = mk(ev);
	int dup, rc;

	store_info(st, &in0, &e);
	store_rollback(st); /* nothing to undo: harmless */
	is_int(store_begin(st, &e), V_OK, "batch transaction begun");
	store_batch_start(st, "Rollback", "r.csv", &batch, &e);
	for (int i = 0; i < 50; i++)
		store_event_put(st, batch, x, 0x9999 + (uint64_t)i, 0, &id, &dup, &e);
	inc = mk_incident(st, "rb", "k", IS_NEW, NULL, 3, 0);
	store_incident_add_event(st, inc, id, 1, &e);
	store_audit_append(st, "ingest", "incident:x", "create", NULL, "{}", &e);
	is_int(count_events(st), before + 50, "inside the transaction: 50 more events");
	rc = store_incident_add_event(st, 999999, id, 1, &e);
	ok(rc != V_OK, "a write in the batch fails: %s", e.reason);
	store_rollback(st);
	is_int(count_events(st), before, "rolled back: no event of the batch is left");
	store_info(st, &in1, &e);
	ok(in1.batches == in0.batches && in1.incidents == in0.incidents &&
	   in1.audit_entries == in0.audit_entries, "... nor its batch, incident or audit entry");
	f.feed = "Rollback";
	is_str(query(st, &f), "", "... nor can they be found");
	is_int(store_begin(st, &e), V_OK, "begin again");
	store_event_put(st, 0, x, 0, 0, &id, &dup, &e);
	is_int(store_commit(st, &e), V_OK, "commit");
	is_int(count_events(st), before + 1, "a committed event stays");
	event_free(x);
}

/* The incident's event count as the store has it now. */
static int64_t inc_count(struct store *st, int64_t id)
{
	struct store_incident inc;
	struct verr e = { 0 };
	int64_t n = -1;

	if (store_incident_get(st, id, &inc, &e) == V_OK) {
		n = inc.event_count;
		store_incident_free(&inc);
	}
	return n;
}

/*
 * Marks: one record's writes undone inside a transaction that goes on, the records before and
 * after it committed; the event counts of an incident written late (at the commit) follow the
 * undo too.  A URL of 9,000 random characters: PostgreSQL refuses it (an index row holds at
 * most 8 kB), SQLite stores it.
 */
static void test_marks(struct store *st)
{
	struct verr e = { 0 };
	struct store_event_filter f = { 0 };
	char url[9100];
	static const char *const a[] = { "source.ip", "192.0.2.201", "feed.name", "Marks", NULL };
	static const char *const b[] = { "source.ip", "192.0.2.202", "feed.name", "Marks", NULL };
	static const char *const c[] = { "source.ip", "192.0.2.203", "feed.name", "Marks", NULL };
	const char *big[] = { "source.ip", "192.0.2.204", "feed.name", "Marks", "source.url", url,
			      NULL };
	struct event *x;
	int64_t ia, ib, ic, inc, id = 0, batch = 0;
	int dup = 0, rc;
	unsigned r = 12345;

	memcpy(url, "http://big.example/", 19);
	for (size_t i = 19; i < 9000; i++) {
		r = r * 1103515245u + 12345u;
		url[i] = "abcdefghijklmnopqrstuvwxyz0123456789"[(r >> 16) % 36];
	}
	url[9000] = 0;
	ok(store_concurrent(st) == !is_sqlite, "PostgreSQL: other processes store events at once");
	ok(store_mark(st, &e) != V_OK, "no mark outside a transaction: %s", e.reason);
	is_int(store_begin(st, &e), V_OK, "begin");
	store_batch_start(st, "Marks", "m.csv", &batch, &e);
	inc = mk_incident(st, "marks", "k", IS_NEW, NULL, 3, 0);
	is_int(store_mark(st, &e), V_OK, "mark");
	ia = put(st, batch, a, 0x5151, 0, &dup);
	is_int(store_incident_add_event(st, inc, ia, 100, &e), V_OK, "event a linked");
	is_int(store_mark(st, &e), V_OK, "mark moved after a");
	ib = put(st, batch, b, 0x5152, 0, &dup);
	is_int(store_incident_add_event(st, inc, ib, 200, &e), V_OK, "event b linked");
	is_int(inc_count(st, inc), 2, "... the incident counts two events");
	is_int(store_undo(st, &e), V_OK, "undo b: %s", e.reason);
	is_int(inc_count(st, inc), 1, "... the incident counts one again");
	f.feed = "Marks";
	is_str(query(st, &f), L(ia, END), "... and only a is there");
	/* the mark stays: a record refused by the database is undone the same way */
	x = mk(big);
	rc = store_event_put(st, batch, x, 0x5154, 0, &id, &dup, &e);
	event_free(x);
	if (is_sqlite) {
		is_int(rc, V_OK, "SQLite stores a 9,000-character URL");
	} else {
		is_int(rc, V_ERR_LIMIT, "PostgreSQL refuses a 9,000-character URL: %s", e.reason);
	}
	is_int(store_undo(st, &e), V_OK, "undone: %s", e.reason);
	is_int(store_mark(st, &e), V_OK, "mark again");
	ic = put(st, batch, c, 0x5153, 0, &dup);
	is_int(store_incident_add_event(st, inc, ic, 300, &e), V_OK, "event c linked");
	is_int(store_commit(st, &e), V_OK, "the transaction commits: %s", e.reason);
	is_str(query(st, &f), L(ic, ia, END), "a and c are stored, b and the refused one not");
	is_int(inc_count(st, inc), 2, "the incident counts a and c");
	ok(store_undo(st, &e) != V_OK, "no undo after the commit");
}

/* Two connections store the same event at once: the second waits for the first to commit
 * and counts a repeat (SQLite: its write lock; PostgreSQL: the fingerprint's claim). */
struct racer {
	struct store *st;
	const char *const *kv;
	int64_t ws, id;
	int dup, rc;
};

static const char *const race_ev1[] = { "source.ip", "192.0.2.210", "feed.name", "Race",
				       "time.observation", "2026-01-01T00:00:00+00:00", NULL };
static const char *const race_ev2[] = { "source.ip", "192.0.2.210", "feed.name", "Race",
				       "time.observation", "2026-01-03T00:00:00+00:00", NULL };

static void *race_second(void *arg)
{
	struct racer *r = arg;
	struct verr e = { 0 };

	r->rc = store_begin(r->st, &e);
	if (r->rc == V_OK) {
		r->id = put(r->st, 0, r->kv, 0x7777, r->ws, &r->dup);
		r->rc = r->id > 0 ? store_commit(r->st, &e) : V_ERR_IO;
	}
	if (r->rc != V_OK)
		printf("# second connection: %s\n", e.reason);
	return NULL;
}

/* kv: the event; ws: the dedup window's start.  Twice: a fingerprint never stored, and the
 * same one a day later with a window that starts after the first event (the fingerprint is
 * known, its event too old to count a repeat on). */
static int64_t test_concurrent_put(struct store *st, const char *const *kv, int64_t ws)
{
	struct verr e = { 0 };
	struct racer r = { .kv = kv, .ws = ws };
	struct timespec pause = { 0, 300 * 1000 * 1000 };
	pthread_t t;
	int64_t id;
	int dup = 0;

	if (store_open(path, &r.st, &e) != V_OK) {
		ok(0, "a second connection: %s", e.reason);
		return -1;
	}
	is_int(store_begin(st, &e), V_OK, "first connection: begin");
	id = put(st, 0, kv, 0x7777, ws, &dup);
	ok(id > 0 && !dup, "... stores the event, not committed yet (window from %lld)",
	   (long long)ws);
	if (pthread_create(&t, NULL, race_second, &r) != 0) {
		ok(0, "thread");
		store_rollback(st);
		store_close(r.st);
		return -1;
	}
	nanosleep(&pause, NULL); /* the second one is now waiting */
	is_int(store_commit(st, &e), V_OK, "first connection commits");
	pthread_join(t, NULL);
	is_int(r.rc, V_OK, "second connection done");
	ok(r.dup == 1 && r.id == id, "... it found the first one's event: a repeat (dup %d)", r.dup);
	store_close(r.st);
	return id;
}

/* ---- the constituency ----------------------------------------------------------------------- */

struct orgs_seen {
	int n;
	char text[1024];
};

static int org_cb(void *arg, const struct store_org *o)
{
	struct orgs_seen *s = arg;
	size_t len = strlen(s->text);

	s->n++;
	snprintf(s->text + len, sizeof(s->text) - len, "%s[%s n%zu a%zu d%zu c%zu%s]",
		 len ? " " : "", o->name, o->nnetworks, o->nasns, o->ndomains, o->ncontacts,
		 o->do_not_notify ? " dnn" : "");
	return 0;
}

static int cert_cb(void *arg, const struct store_cert *c)
{
	struct orgs_seen *s = arg;
	size_t len = strlen(s->text);

	s->n++;
	snprintf(s->text + len, sizeof(s->text) - len, "%s[%s %s c%zu]", len ? " " : "", c->cc,
		 c->name, c->ncontacts);
	return 0;
}

static const char *orgs(struct store *st)
{
	static struct orgs_seen s;
	struct verr e = { 0 };

	memset(&s, 0, sizeof(s));
	if (store_orgs_list(st, org_cb, &s, &e) != V_OK)
		printf("# store_orgs_list: %s\n", e.reason);
	return s.text;
}

static const char *certs(struct store *st)
{
	static struct orgs_seen s;
	struct verr e = { 0 };

	memset(&s, 0, sizeof(s));
	if (store_certs_list(st, cert_cb, &s, &e) != V_OK)
		printf("# store_certs_list: %s\n", e.reason);
	return s.text;
}

static void test_constituency(struct store *st)
{
	struct store_network nets[] = { { "192.0.2.0/24", 0 }, { "2001:db8::/32", 1 },
					{ "192.0.2.0/24", 0 } };
	int64_t asns[] = { 64500, 64501 };
	const char *doms[] = { "example.org" };
	struct store_contact cons[] = {
		{ "abuse@example.org", "Abuse desk", "es", "csv",
		  "0123456789ABCDEF0123456789ABCDEF01234567" },
		{ "noc@example.org", NULL, NULL, NULL, NULL },
	};
	struct store_org a = { .name = "Example Org", .notes = "a note", .networks = nets,
			       .nnetworks = 3, .asns = asns, .nasns = 2, .domains = doms,
			       .ndomains = 1, .contacts = cons, .ncontacts = 2 };
	struct store_network bnets[] = { { "198.51.100.0/24", 0 } };
	struct store_org b = { .name = "Other", .do_not_notify = 1, .networks = bnets,
			       .nnetworks = 1 };
	struct store_cert de = { .cc = "DE", .name = "CERT-Bund", .contacts = cons,
				 .ncontacts = 1 };
	struct store_org *got = NULL;
	struct store_cert *gc = NULL;
	struct verr e = { 0 };
	int rc;

	is_str(orgs(st), "", "no organisations at first");
	is_int(store_org_put(st, &a, &e), V_OK, "an organisation put (%s)", e.reason);
	is_int(store_org_put(st, &b, &e), V_OK, "a second one");
	/* a network listed twice by its organisation is kept once */
	is_str(orgs(st), "[Example Org n2 a2 d1 c2] [Other n1 a0 d0 c0 dnn]",
	       "listed by name, with what each has");
	is_int(store_org_get(st, "example ORG", &got, &e), V_OK, "found whatever the case");
	if (got) {
		is_str(got->name, "Example Org", "... its name as given");
		is_str(got->notes, "a note", "... notes");
		ok(got->nnetworks == 2 && !strcmp(got->networks[0].cidr, "192.0.2.0/24") &&
		   !got->networks[0].do_not_notify &&
		   !strcmp(got->networks[1].cidr, "2001:db8::/32") &&
		   got->networks[1].do_not_notify,
		   "... networks in order, with their flags");
		ok(got->nasns == 2 && got->asns[0] == 64500 && got->asns[1] == 64501, "... ASNs");
		ok(got->ndomains == 1 && !strcmp(got->domains[0], "example.org"), "... domain");
		ok(got->ncontacts == 2 && !strcmp(got->contacts[0].email, "abuse@example.org") &&
		   !strcmp(got->contacts[0].name, "Abuse desk") &&
		   !strcmp(got->contacts[0].lang, "es") &&
		   !strcmp(got->contacts[0].format, "csv") &&
		   !strcmp(got->contacts[0].fingerprint,
			   "0123456789ABCDEF0123456789ABCDEF01234567") &&
		   !got->contacts[1].name && !got->contacts[1].lang,
		   "... contacts with every detail, NULL where none");
		store_org_free(got);
		got = NULL;
	}
	is_int(store_org_get(st, "Nobody", &got, &e), V_ERR_NOTFOUND, "an unknown name");
	ok(got == NULL, "... nothing returned");

	/* a network, ASN or domain of another organisation is refused, and nothing changes */
	{
		struct store_network clash[] = { { "10.0.0.0/8", 0 }, { "192.0.2.0/24", 0 } };
		struct store_org c = { .name = "Clash", .networks = clash, .nnetworks = 2 };
		rc = store_org_put(st, &c, &e);
		is_int(rc, V_ERR_EXISTS, "another organisation's network is refused");
		ok(strstr(e.reason, "192.0.2.0/24") && strstr(e.reason, "Example Org"),
		   "... naming the network and its owner: %s", e.reason);
		c.networks = NULL;
		c.nnetworks = 0;
		c.asns = &asns[1];
		c.nasns = 1;
		is_int(store_org_put(st, &c, &e), V_ERR_EXISTS, "... and its AS: %s", e.reason);
		c.nasns = 0;
		c.domains = doms;
		c.ndomains = 1;
		is_int(store_org_put(st, &c, &e), V_ERR_EXISTS, "... and its domain: %s", e.reason);
		is_str(orgs(st), "[Example Org n2 a2 d1 c2] [Other n1 a0 d0 c0 dnn]",
		       "... and no half of Clash was stored");
		clash[0].cidr = "192.0.2.300/24";
		c.networks = clash;
		c.nnetworks = 1;
		c.ndomains = 0;
		is_int(store_org_put(st, &c, &e), V_ERR_INVALID, "text that is not a network: %s",
		       e.reason);
	}
	/* put replaces the whole organisation */
	{
		struct store_org a2 = { .name = "EXAMPLE ORG", .do_not_notify = 1 };
		is_int(store_org_put(st, &a2, &e), V_OK, "replaced (%s)", e.reason);
		is_str(orgs(st), "[EXAMPLE ORG n0 a0 d0 c0 dnn] [Other n1 a0 d0 c0 dnn]",
		       "... by name, whatever the case: everything is the new one's");
		is_int(store_org_put(st, &a, &e), V_OK, "and back");
	}
	/* inside a transaction: a failed put rolls back with the rest */
	{
		struct store_network clash[] = { { "198.51.100.0/24", 0 } };
		struct store_org c = { .name = "Late", .networks = clash, .nnetworks = 1 };
		struct store_org d = { .name = "Early" };
		is_int(store_begin(st, &e), V_OK, "begin");
		is_int(store_org_put(st, &d, &e), V_OK, "one organisation in the transaction");
		is_int(store_org_put(st, &c, &e), V_ERR_EXISTS, "then one that clashes");
		store_rollback(st);
		is_str(orgs(st), "[Example Org n2 a2 d1 c2] [Other n1 a0 d0 c0 dnn]",
		       "rolled back: neither is there");
	}
	/* partner CERTs */
	is_str(certs(st), "", "no partner CERTs at first");
	is_int(store_cert_put(st, &de, &e), V_OK, "a partner CERT (%s)", e.reason);
	de.name = "CERT-Bund (BSI)";
	de.ncontacts = 2;
	is_int(store_cert_put(st, &de, &e), V_OK, "put again: replaced");
	{
		struct store_cert es = { .cc = "ES", .name = "INCIBE-CERT" };
		store_cert_put(st, &es, &e);
	}
	is_str(certs(st), "[DE CERT-Bund (BSI) c2] [ES INCIBE-CERT c0]", "listed by country");
	is_int(store_cert_get(st, "DE", &gc, &e), V_OK, "one CERT");
	if (gc) {
		ok(!strcmp(gc->name, "CERT-Bund (BSI)") && gc->ncontacts == 2 &&
		   !strcmp(gc->contacts[1].email, "noc@example.org"), "... with its contacts");
		store_cert_free(gc);
	}
	is_int(store_cert_get(st, "FR", &gc, &e), V_ERR_NOTFOUND, "an unknown country");
	is_int(store_cert_remove(st, "ES", &e), V_OK, "a CERT removed");
	is_int(store_cert_remove(st, "ES", &e), V_ERR_NOTFOUND, "... once");
	is_str(certs(st), "[DE CERT-Bund (BSI) c2]", "... gone");

	/* removing */
	is_int(store_org_remove(st, "other", &e), V_OK, "an organisation removed");
	is_int(store_org_remove(st, "Other", &e), V_ERR_NOTFOUND, "... once (%s)", e.reason);
	{
		struct store_org c = { .name = "Heir", .networks = bnets, .nnetworks = 1 };
		is_int(store_org_put(st, &c, &e), V_OK,
		       "its network is free for another organisation");
	}
	is_str(orgs(st), "[Example Org n2 a2 d1 c2] [Heir n1 a0 d0 c0]", "what is left");

	/* clearing everything (an import that replaces the constituency) */
	is_int(store_begin(st, &e), V_OK, "begin");
	is_int(store_constituency_clear(st, &e), V_OK, "cleared");
	is_str(orgs(st), "", "... inside the transaction: empty");
	store_rollback(st);
	is_str(orgs(st), "[Example Org n2 a2 d1 c2] [Heir n1 a0 d0 c0]", "rolled back: all there");
	is_int(store_constituency_clear(st, &e), V_OK, "cleared for good");
	ok(!*orgs(st) && !*certs(st), "... nothing left");
	/* the next part of the suite expects the store as it was */
	is_int(store_org_put(st, &a, &e), V_OK, "and put back");
}

int main(void)
{
	const char *named = getenv("VIGIA_TEST_STORE");
	struct store *st = NULL;
	struct verr e = { 0 };

	conf_init();
	if (named && *named) {
		snprintf(path, sizeof(path), "%s", named);
	} else {
		if (!mkdtemp(dir)) {
			perror("mkdtemp");
			return 1;
		}
		snprintf(path, sizeof(path), "%s/store.db", dir);
	}
	is_sqlite = strncmp(path, "postgres", 8) != 0;
	printf("# store: %s\n", path);
	test_paths();
	is_int(store_open(path, &st, &e), V_OK, "store opened: %s", e.reason);
	if (!st)
		return done_testing();
	is_int(store_schema_version(st), store_schema_latest(), "at the latest schema");
	if (!(named && *named))
		is_int(store_schema_opened_at(st), 0, "a new store was at version 0");
	ok(store_schema_latest() >= 2, "the schema has several versions");
	is_str(store_path(st), path, "store_path");
	test_events(st);
	test_fingerprints(st);
	test_incidents(st);
	test_incident_sort(st);
	test_account_password_lang(st);
	test_notes_attachments_links(st);
	test_indicators(st);
	test_indicator_index_calls(st);
	test_deferred(st);
	test_deferred_indicators(st);
	test_audit(st);
	test_prune(st);
	test_rollback(st);
	test_marks(st);
	{
		struct store_event_filter f = { .feed = "Race" };
		int64_t a = test_concurrent_put(st, race_ev1, 0);
		int64_t b = test_concurrent_put(st, race_ev2, 1767312000); /* 2026-01-02 */
		is_str(query(st, &f), L(b, a, END), "one event stored in each round");
	}
	test_constituency(st);
	{
		struct store_info in;
		is_int(store_info(st, &in, &e), V_OK, "store_info");
		ok(in.incidents > 300 && in.indicators >= 4 && in.batches >= 2 && in.size > 0,
		   "... counts and size");
		is_str(in.backend, is_sqlite ? "sqlite" : in.backend, "... backend named");
	}
	store_close(st);
	/* reopening: nothing to migrate */
	is_int(store_open(path, &st, &e), V_OK, "reopened");
	if (st) {
		is_int(store_schema_opened_at(st), store_schema_latest(), "... already current");
		store_close(st);
	}
	if (!(named && *named)) {
		char p[4200];
		const char *sfx[] = { "", "-wal", "-shm" };
		for (int i = 0; i < 3; i++) {
			snprintf(p, sizeof(p), "%s%s", path, sfx[i]);
			unlink(p);
		}
		rmdir(dir);
	}
	conf_fini();
	return done_testing();
}
