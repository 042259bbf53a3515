/*
 * test_store_migrate.c — the SQLite backend's schema migrations and its failure modes.
 *
 * Migrations: a database is built at every earlier schema version (store_sqlite_migrate_to),
 * filled with raw SQL as that version's vigia would have written it, then opened with
 * store_open: it must reach the latest version with the data intact.  A database from a newer
 * vigia, one that is not a vigia store, a damaged file, a locked database and a full disk must
 * each give a clear error naming the database, and a batch that fails leaves nothing behind.
 * Step 14 gives the incidents already there their attribution from their events; step 18
 * rebuilds the TAXII objects in page order with their rows intact.  store_cache_limit sets a
 * connection's page cache.
 */
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <sqlite3.h>

#include "base/conf.h"
#include "store/store.h"
#include "store/store_impl.h"
#include "store/store_sqlite.h"
#include "tap.h"

static char dir[] = "/tmp/vigia-test-migrate-XXXXXX";
static int nfiles;

static const char *new_path(const char *name)
{
	static char p[4][4096];
	static int turn;
	char *o = p[turn++ % 4];

	snprintf(o, 4096, "%s/%d-%s.db", dir, nfiles++, name);
	return o;
}

static int sql(const char *path, const char *text)
{
	sqlite3 *db = NULL;
	char *msg = NULL;
	int rc;

	if (sqlite3_open(path, &db) != SQLITE_OK) {
		sqlite3_close(db);
		return -1;
	}
	sqlite3_busy_timeout(db, 2000);
	rc = sqlite3_exec(db, text, NULL, NULL, &msg);
	if (rc != SQLITE_OK)
		printf("# sql: %s\n", msg ? msg : "?");
	sqlite3_free(msg);
	sqlite3_close(db);
	return rc == SQLITE_OK ? 0 : -1;
}

static int64_t sql_int(const char *path, const char *text)
{
	sqlite3 *db = NULL;
	sqlite3_stmt *q = NULL;
	int64_t n = -1;

	if (sqlite3_open(path, &db) == SQLITE_OK &&
	    sqlite3_prepare_v2(db, text, -1, &q, NULL) == SQLITE_OK &&
	    sqlite3_step(q) == SQLITE_ROW)
		n = sqlite3_column_int64(q, 0);
	sqlite3_finalize(q);
	sqlite3_close(db);
	return n;
}

/* What a vigia at schema version 1 wrote: one of everything. */
static const char v1_data[] =
	"INSERT INTO batches (id, feed, source, started, finished, records, events)"
	"  VALUES (1, 'Old feed', 'old.csv', 1700000000, 1700000001, 2, 2);"
	"INSERT INTO events (id, batch, fingerprint, first_seen, last_seen, repeats, time,"
	"  source_ip, classification_type, taxonomy, feed, source_fqdn_rev, source_url, json)"
	"  VALUES (1, 1, 4660, 1700000000, 1700000500, 3, 1699990000,"
	"  X'00000000000000000000FFFFC000020A', 'scanner', 'information-gathering', 'Old feed',"
	"  'org.example.www', 'http://www.example.org/a',"
	"  '{\"feed.name\":\"Old feed\",\"source.ip\":\"192.0.2.10\"}');"
	"INSERT INTO events (id, batch, first_seen, last_seen, time, json)"
	"  VALUES (2, 1, 1700000000, 1700000000, 1700000000, '{\"feed.name\":\"Old feed\"}');"
	"INSERT INTO incidents (id, rule, key, state, owner, priority, title, first_seen,"
	"  last_seen, event_count, created, updated, deadline)"
	"  VALUES (1, 'ip', '192.0.2.10', 1, 'ana', 2, 'old one', 1700000000, 1700000500, 1,"
	"  1700000000, 1700000000, 1700100000);"
	"INSERT INTO incidents (id, rule, key, state, created, updated)"
	"  VALUES (2, 'ip', '192.0.2.11', 0, 1700000000, 1700000000);"
	"INSERT INTO incident_events VALUES (1, 1, 1700000000);"
	"INSERT INTO notes (incident, author, time, text) VALUES (1, 'ana', 1700000000, 'kept');"
	"INSERT INTO contents VALUES"
	"  ('2cf24dba5fb0a30e26e83b2ac5b9e29e1b161e5c1fa7425e73043362938b9824', 5, X'68656C6C6F');"
	"INSERT INTO attachments (incident, name, sha256, time) VALUES (1, 'a.txt',"
	"  '2cf24dba5fb0a30e26e83b2ac5b9e29e1b161e5c1fa7425e73043362938b9824', 1700000000);"
	"INSERT INTO links VALUES (1, 2, 'linked', 'same host', 1700000000);"
	"INSERT INTO indicators (id, kind, value) VALUES (1, 'ip', '192.0.2.10');"
	"INSERT INTO indicators (id, kind, value, common, why) VALUES (2, 'ip', '10.0.0.1', 1,"
	"  'RFC 1918');"
	"INSERT INTO postings VALUES (1, 1), (1, 2);";

struct seen {
	int n;
	char text[512];
};

static int ev_cb(void *arg, const struct store_event_row *r)
{
	struct seen *s = arg;
	size_t n = strlen(s->text);
	s->n++;
	snprintf(s->text + n, sizeof(s->text) - n, "[%lld %lld %s]", (long long)r->id,
		 (long long)r->repeats, r->json);
	return 0;
}

static int id_cb(void *arg, int64_t id)
{
	struct seen *s = arg;
	size_t n = strlen(s->text);
	s->n++;
	snprintf(s->text + n, sizeof(s->text) - n, "%s%lld", n ? "," : "", (long long)id);
	return 0;
}

static int inc_cb(void *arg, const struct store_incident *inc)
{
	return id_cb(arg, inc->id);
}

static int note_cb(void *arg, int64_t id, const char *author, int64_t t, const char *text)
{
	struct seen *s = arg;
	(void)id;
	(void)t;
	(void)author;
	s->n++;
	snprintf(s->text, sizeof(s->text), "%s", text);
	return 0;
}

static int att_cb(void *arg, const char *name, const char *sha, int64_t size, int64_t t)
{
	struct seen *s = arg;
	(void)sha;
	(void)t;
	s->n++;
	snprintf(s->text, sizeof(s->text), "%s %lld", name, (long long)size);
	return 0;
}

static int link_cb(void *arg, int64_t other, const char *kind, const char *why)
{
	struct seen *s = arg;
	s->n++;
	snprintf(s->text, sizeof(s->text), "%lld %s %s", (long long)other, kind, why);
	return 0;
}

/* Open a database filled at version `from` and check everything arrived. */
static void check_migrated(const char *path, int from)
{
	struct store *st = NULL;
	struct verr e = { 0 };
	struct store_incident inc;
	struct store_event_filter f = { 0 };
	struct seen s;
	int64_t id = 0, checked = 0, bad = 0;
	int common = -1, dup = 0;

	is_int(store_open(path, &st, &e), V_OK, "v%d: opened (%s)", from, e.reason);
	if (!st)
		return;
	is_int(store_schema_opened_at(st), from, "v%d: it was at version %d", from, from);
	is_int(store_schema_version(st), store_schema_latest(), "v%d: now at the latest", from);
	is_int(sql_int(path, "SELECT count(*) FROM schema_version"), store_schema_latest(),
	       "v%d: every step recorded in schema_version", from);
	if (from == 0) {
		store_close(st);
		return;
	}
	memset(&s, 0, sizeof(s));
	f.ip = "192.0.2.10";
	store_events_query(st, &f, ev_cb, &s, &e);
	is_str(s.text, "[1 3 {\"feed.name\":\"Old feed\",\"source.ip\":\"192.0.2.10\"}]",
	       "v%d: the event, its repeats and JSON intact, found by address", from);
	memset(&s, 0, sizeof(s));
	memset(&f, 0, sizeof(f));
	f.fqdn = "example.org";
	f.url = "http://www.example.org/";
	f.classification = "scanner";
	f.since = 1699990000;
	f.until = 1699990001;
	f.batch = 1;
	f.incident = 1;
	store_events_query(st, &f, ev_cb, &s, &e);
	is_int(s.n, 1, "v%d: every filter works on the old rows", from);
	memset(&f, 0, sizeof(f));
	memset(&s, 0, sizeof(s));
	store_events_query(st, &f, ev_cb, &s, &e);
	is_int(s.n, 2, "v%d: both events", from);
	is_int(store_incident_get(st, 1, &inc, &e), V_OK, "v%d: incident read", from);
	ok(inc.state == IS_OPEN && inc.priority == 2 && inc.event_count == 1 &&
	   inc.deadline == 1700100000 && inc.owner && !strcmp(inc.owner, "ana") &&
	   !strcmp(inc.title, "old one"), "v%d: incident intact", from);
	store_incident_free(&inc);
	{
		struct store_incident_filter fi = { .state = -1, .due_before = 1800000000 };
		memset(&s, 0, sizeof(s));
		store_incidents_query(st, &fi, inc_cb, &s, &e);
		is_str(s.text, "1", "v%d: the old incident is due (deadline index)", from);
		fi.due_before = 0;
		fi.open_only = 1;
		memset(&s, 0, sizeof(s));
		store_incidents_query(st, &fi, inc_cb, &s, &e);
		is_str(s.text, "2,1", "v%d: both open", from);
	}
	memset(&s, 0, sizeof(s));
	store_postings_of(st, 1, id_cb, &s, &e);
	is_str(s.text, "1,2", "v%d: postings intact", from);
	memset(&s, 0, sizeof(s));
	store_notes_list(st, 1, note_cb, &s, &e);
	is_str(s.text, "kept", "v%d: note intact", from);
	memset(&s, 0, sizeof(s));
	store_attachments_list(st, 1, att_cb, &s, &e);
	is_str(s.text, "a.txt 5", "v%d: attachment intact", from);
	memset(&s, 0, sizeof(s));
	store_links_list(st, 2, link_cb, &s, &e);
	is_str(s.text, "1 linked same host", "v%d: link intact", from);
	store_indicator_get(st, "ip", "10.0.0.1", &id, &common, &e);
	ok(id == 2 && common == 1, "v%d: indicator and its common flag intact", from);
	/* the new version's parts work on the old data */
	is_int(store_audit_append(st, "test", "incident:1", "set", "{}", "{}", &e), V_OK,
	       "v%d: audit works after migrating", from);
	is_int(store_audit_verify(st, &checked, &bad, &e), V_OK, "v%d: and verifies", from);
	{
		struct event *ev = event_new();
		event_set_str(ev, "source.ip", "192.0.2.10", 0, &e);
		event_set_str(ev, "time.observation", "2023-11-14T22:20:00+00:00", 0, &e);
		is_int(store_event_put(st, 1, ev, 4660, 1699000000, &id, &dup, &e), V_OK,
		       "v%d: dedup against an old event", from);
		ok(id == 1 && dup == 1, "v%d: ... finds it by its fingerprint", from);
		event_free(ev);
	}
	store_close(st);
}

static void test_migrations(void)
{
	struct verr e = { 0 };
	const char *p;

	/* from nothing: a new file, and an existing empty one */
	p = new_path("new");
	check_migrated(p, 0);
	p = new_path("empty");
	close(open(p, O_WRONLY | O_CREAT | O_TRUNC, 0644));
	check_migrated(p, 0);
	/* from every earlier version */
	for (int v = 1; v < store_schema_latest(); v++) {
		p = new_path("old");
		is_int(store_sqlite_migrate_to(p, v, &e), V_OK, "built at version %d (%s)", v,
		       e.reason);
		is_int(sql_int(p, "SELECT max(version) FROM schema_version"), v,
		       "... and it is at version %d", v);
		ok(sql(p, v1_data) == 0, "v%d: filled as that vigia would", v);
		check_migrated(p, v);
	}
	/* going step by step gives the same schema as going at once */
	{
		const char *a = new_path("stepwise"), *b = new_path("atonce");
		const char *q = "SELECT group_concat(sql, ';') FROM (SELECT sql FROM sqlite_master "
				"WHERE sql IS NOT NULL ORDER BY name)";
		sqlite3 *da = NULL, *db = NULL;
		sqlite3_stmt *qa = NULL, *qb = NULL;
		for (int v = 1; v <= store_schema_latest(); v++)
			store_sqlite_migrate_to(a, v, &e);
		store_sqlite_migrate_to(b, store_schema_latest(), &e);
		sqlite3_open(a, &da);
		sqlite3_open(b, &db);
		sqlite3_prepare_v2(da, q, -1, &qa, NULL);
		sqlite3_prepare_v2(db, q, -1, &qb, NULL);
		ok(sqlite3_step(qa) == SQLITE_ROW && sqlite3_step(qb) == SQLITE_ROW &&
		   !strcmp((const char *)sqlite3_column_text(qa, 0),
			   (const char *)sqlite3_column_text(qb, 0)),
		   "step by step and at once give the same schema");
		sqlite3_finalize(qa);
		sqlite3_finalize(qb);
		sqlite3_close(da);
		sqlite3_close(db);
	}
	p = new_path("back");
	store_sqlite_migrate_to(p, store_schema_latest(), &e);
	is_int(store_sqlite_migrate_to(p, 1, &e), V_ERR_INVALID, "no going back a version");
	is_int(store_sqlite_migrate_to(p, store_schema_latest() + 1, &e), V_ERR_USAGE,
	       "no version past the latest");
}

static void test_refusals(void)
{
	struct store *st = NULL;
	struct verr e = { 0 };
	const char *p = new_path("newer");
	char q[128];

	store_sqlite_migrate_to(p, store_schema_latest(), &e);
	snprintf(q, sizeof(q), "INSERT INTO schema_version VALUES (%d, 0)",
		 store_schema_latest() + 1);
	sql(p, q);
	is_int(store_open(p, &st, &e), V_ERR_INVALID, "a database from a newer vigia is refused");
	ok(st == NULL, "... no store");
	ok(strstr(e.reason, p) && strstr(e.reason, "newer"), "... clear reason: %s", e.reason);
	is_int(sql_int(p, "SELECT max(version) FROM schema_version"), store_schema_latest() + 1,
	       "... and it is left as it was");

	p = new_path("foreign");
	sql(p, "CREATE TABLE customers (name TEXT); INSERT INTO customers VALUES ('x');");
	is_int(store_open(p, &st, &e), V_ERR_INVALID, "another program's database is refused");
	ok(strstr(e.reason, p) && strstr(e.reason, "not a vigia store"), "... reason: %s",
	   e.reason);
	is_int(sql_int(p, "SELECT count(*) FROM sqlite_master"), 1, "... and not touched");

	is_int(store_open("/nonexistent-dir/x/y.db", &st, &e), V_ERR_IO,
	       "a path in a missing folder fails");
	ok(strstr(e.reason, "/nonexistent-dir/x/y.db") != NULL, "... naming it: %s", e.reason);
}

static void write_garbage(const char *p, long off, size_t n)
{
	int fd = open(p, O_WRONLY | O_CREAT, 0644);
	char buf[4096];

	for (size_t i = 0; i < sizeof(buf); i++)
		buf[i] = (char)("garbage!"[i % 8] ^ (i * 7));
	if (fd < 0)
		return;
	while (n > 0) {
		size_t k = n < sizeof(buf) ? n : sizeof(buf);
		if (pwrite(fd, buf, k, off) != (ssize_t)k)
			break;
		off += (long)k;
		n -= k;
	}
	close(fd);
}

static int count_cb(void *arg, const struct store_event_row *r)
{
	(void)r;
	(*(int *)arg)++;
	return 0;
}

static void test_corrupt(void)
{
	struct store *st = NULL;
	struct verr e = { 0 };
	const char *p = new_path("garbage");
	struct event *ev;
	int rc, n = 0, dup;
	int64_t id;

	write_garbage(p, 0, 16384);
	is_int(store_open(p, &st, &e), V_ERR_IO, "a file of garbage is refused");
	ok(st == NULL, "... no store");
	ok(strstr(e.reason, p) && strstr(e.reason, "damaged"), "... reason names it: %s",
	   e.reason);

	/* a real store whose pages are overwritten after it was written */
	p = new_path("damaged");
	store_open(p, &st, &e);
	ev = event_new();
	event_set_str(ev, "feed.name", "Corruption test with a long enough feed name", 0, &e);
	store_begin(st, &e);
	for (int i = 0; i < 3000; i++) {
		event_set_int(ev, "extra.i", i, EV_OVERWRITE, &e);
		store_event_put(st, 0, ev, (uint64_t)i + 1, 0, &id, &dup, &e);
	}
	store_commit(st, &e);
	event_free(ev);
	store_close(st);
	write_garbage(p, 4096 * 8, 4096 * 40);
	rc = store_open(p, &st, &e);
	if (rc == V_OK) {
		struct store_event_filter f = { .limit = -1 };
		rc = store_events_query(st, &f, count_cb, &n, &e);
		store_close(st);
	}
	ok(rc == V_ERR_IO, "a damaged store gives an error (at open or when read)");
	ok(strstr(e.reason, p) && strstr(e.reason, "damaged"), "... naming it: %s", e.reason);
}

static void test_locked(void)
{
	struct store *st = NULL;
	struct verr e = { 0 };
	const char *p = new_path("locked");
	sqlite3 *other = NULL;
	struct timespec t0, t1;
	struct event *ev = event_new();
	int64_t id, ms;
	int dup, rc;

	conf_set("store.busy_timeout", "200", NULL);
	store_open(p, &st, &e);
	sqlite3_open(p, &other);
	is_int(sqlite3_exec(other, "BEGIN EXCLUSIVE; INSERT INTO batches (started) VALUES (1);",
			    NULL, NULL, NULL), SQLITE_OK, "another process holds the write lock");
	clock_gettime(CLOCK_MONOTONIC, &t0);
	rc = store_begin(st, &e);
	clock_gettime(CLOCK_MONOTONIC, &t1);
	ms = (t1.tv_sec - t0.tv_sec) * 1000 + (t1.tv_nsec - t0.tv_nsec) / 1000000;
	is_int(rc, V_ERR_IO, "beginning a batch fails after the busy timeout");
	ok(ms >= 150 && ms < 3000, "... which was waited for (%lld ms)", (long long)ms);
	ok(strstr(e.reason, p) && strstr(e.reason, "locked") && strstr(e.reason, "200 ms"),
	   "... clear reason naming it: %s", e.reason);
	event_set_str(ev, "source.ip", "192.0.2.1", 0, &e);
	is_int(store_event_put(st, 0, ev, 0, 0, &id, &dup, &e), V_ERR_IO,
	       "a single write fails the same way");
	{
		struct store_event_filter f = { 0 };
		int n = 0;
		is_int(store_events_query(st, &f, count_cb, &n, &e), V_OK,
		       "reading still works while another writes (WAL)");
	}
	sqlite3_exec(other, "ROLLBACK", NULL, NULL, NULL);
	is_int(store_begin(st, &e), V_OK, "once released, the batch begins");
	is_int(store_event_put(st, 0, ev, 0, 0, &id, &dup, &e), V_OK, "... and writes");
	is_int(store_commit(st, &e), V_OK, "... and commits");
	store_close(st);

	/* opening a database that needs migrating while another holds the lock */
	p = new_path("locked-old");
	store_sqlite_migrate_to(p, 1, &e);
	sqlite3_close(other);
	sqlite3_open(p, &other);
	sqlite3_exec(other, "BEGIN EXCLUSIVE; INSERT INTO batches (started) VALUES (1);", NULL,
		     NULL, NULL);
	is_int(store_open(p, &st, &e), V_ERR_IO, "migrating a locked database fails");
	ok(strstr(e.reason, p) && strstr(e.reason, "locked"), "... reason: %s", e.reason);
	sqlite3_exec(other, "ROLLBACK", NULL, NULL, NULL);
	sqlite3_close(other);
	is_int(store_open(p, &st, &e), V_OK, "once released, it opens and migrates");
	store_close(st);
	event_free(ev);
	conf_set("store.busy_timeout", "5000", NULL);
}

static int64_t pragma(struct store *st, const char *q)
{
	sqlite3_stmt *s = NULL;
	int64_t v = -1;

	if (sqlite3_prepare_v2(store_sqlite_db(st), q, -1, &s, NULL) == SQLITE_OK &&
	    sqlite3_step(s) == SQLITE_ROW)
		v = sqlite3_column_int64(s, 0);
	sqlite3_finalize(s);
	return v;
}

static void test_full(void)
{
	struct store *st = NULL;
	struct verr e = { 0 };
	const char *p = new_path("full");
	struct store_info in0, in1;
	struct event *ev = event_new();
	char big[3000], q[128];
	int64_t id, batch = 0;
	int dup, rc = V_OK, i;

	memset(big, 'x', sizeof(big) - 1);
	big[sizeof(big) - 1] = 0;
	store_open(p, &st, &e);
	event_set_str(ev, "source.ip", "192.0.2.1", 0, &e);
	event_set_str(ev, "extra.padding", big, 0, &e);
	for (i = 0; i < 10; i++)
		store_event_put(st, 0, ev, 0, 0, &id, &dup, &e);
	store_info(st, &in0, &e);
	/* the disk fills up: no more than a few pages may be added */
	snprintf(q, sizeof(q), "PRAGMA max_page_count = %lld",
		 (long long)pragma(st, "PRAGMA page_count") + 3);
	pragma(st, q);
	is_int(store_begin(st, &e), V_OK, "a batch begins on a nearly full disk");
	store_batch_start(st, "Full", "full.csv", &batch, &e);
	for (i = 0; i < 1000 && rc == V_OK; i++)
		rc = store_event_put(st, batch, ev, 0, 0, &id, &dup, &e);
	is_int(rc, V_ERR_IO, "the batch fails when the disk is full (after %d events)", i);
	ok(strstr(e.reason, p) && strstr(e.reason, "full"), "... clear reason naming it: %s",
	   e.reason);
	store_rollback(st);
	store_info(st, &in1, &e);
	is_int(in1.events, in0.events, "rolled back: none of the batch's events is left");
	is_int(in1.batches, in0.batches, "... nor its batch row");
	pragma(st, "PRAGMA max_page_count = 1073741823");
	is_int(store_begin(st, &e), V_OK, "space again: a batch begins");
	is_int(store_event_put(st, 0, ev, 0, 0, &id, &dup, &e), V_OK, "... and writes");
	is_int(store_commit(st, &e), V_OK, "... and commits");
	/* synchronous: NORMAL between batch start and finish, FULL otherwise */
	is_int(pragma(st, "PRAGMA synchronous"), 2, "FULL outside a batch");
	store_batch_start(st, "Sync", "s.csv", &batch, &e);
	is_int(pragma(st, "PRAGMA synchronous"), 1, "NORMAL inside a batch");
	{
		struct store_batch b = { .id = batch };
		store_batch_finish(st, &b, &e);
	}
	is_int(pragma(st, "PRAGMA synchronous"), 2, "FULL again after it");
	is_int(pragma(st, "PRAGMA foreign_keys"), 1, "foreign keys are on");
	is_int(sql_int(p, "PRAGMA journal_mode = WAL") >= 0, 1, "(journal mode readable)");
	store_close(st);
	event_free(ev);
}

/* Before step 16, incidents had no attribution: the step takes it from their first event that
 * has one, on the victim side (else the other), as aggregation does (test_aggregate.c). */
static const char v13_attr[] =
	"INSERT INTO batches (id, feed, source, started) VALUES (1, 'f', 'f', 1700000000);"
	"INSERT INTO events (id, batch, first_seen, last_seen, time, classification_type,"
	"  taxonomy, json) VALUES"
	"  (1, 1, 1, 1, 1, 'scanner', NULL, '{\"source.ip\":\"192.0.2.1\"}'),"
	"  (2, 1, 1, 1, 1, 'scanner', NULL, '{\"source.geolocation.cc\":\"nl\","
	"\"source.asn\":64496,\"source.network\":\"198.51.100.0/24\"}'),"
	"  (3, 1, 1, 1, 1, 'scanner', NULL, '{\"source.geolocation.cc\":\"FR\"}'),"
	"  (4, 1, 1, 1, 1, 'infected-system', 'malicious-code', '{\"source.geolocation.cc\":"
	"\"DE\",\"source.asn\":64499,\"destination.geolocation.cc\":\"US\"}'),"
	"  (5, 1, 1, 1, 1, 'brute-force', 'intrusion-attempts', '{\"source.geolocation.cc\":"
	"\"CN\",\"destination.geolocation.cc\":\"ES\",\"destination.asn\":64510,"
	"\"destination.network\":\"192.0.2.0/24\"}'),"
	"  (6, 1, 1, 1, 1, 'scanner', NULL, '{\"source.ip\":\"192.0.2.9\"}');"
	"INSERT INTO incidents (id, rule, key, state, created, updated) VALUES"
	"  (1, 'r', 'a', 0, 1, 1), (2, 'r', 'b', 0, 1, 1), (3, 'r', 'c', 0, 1, 1),"
	"  (4, 'r', 'd', 0, 1, 1);"
	"INSERT INTO incident_events VALUES (1, 1, 1), (1, 2, 1), (1, 3, 1), (2, 4, 1),"
	"  (3, 5, 1), (4, 6, 1);";

static void test_backfill(void)
{
	struct store *st = NULL;
	struct store_incident inc;
	struct verr e = { 0 };
	const char *p = new_path("attr");
	int v = 15;	/* the version before step 16 */

	is_int(store_sqlite_migrate_to(p, v, &e), V_OK, "built at version %d (%s)", v, e.reason);
	ok(sql(p, v13_attr) == 0, "incidents without attribution");
	is_int(store_open(p, &st, &e), V_OK, "migrated (%s)", e.reason);
	if (!st)
		return;
	store_incident_get(st, 1, &inc, &e);
	ok(inc.country && !strcmp(inc.country, "NL") && inc.asn == 64496 && inc.network &&
	   !strcmp(inc.network, "198.51.100.0/24"),
	   "the first event with one gives it (%s %lld %s)", inc.country ? inc.country : "-",
	   (long long)inc.asn, inc.network ? inc.network : "-");
	store_incident_free(&inc);
	store_incident_get(st, 2, &inc, &e);
	ok(inc.country && !strcmp(inc.country, "DE") && inc.asn == 64499 && !inc.network,
	   "infected system: the source");
	store_incident_free(&inc);
	store_incident_get(st, 3, &inc, &e);
	ok(inc.country && !strcmp(inc.country, "ES") && inc.asn == 64510 && inc.network &&
	   !strcmp(inc.network, "192.0.2.0/24"), "brute force: the destination");
	store_incident_free(&inc);
	store_incident_get(st, 4, &inc, &e);
	ok(!inc.country && !inc.asn && !inc.network, "no event with one: none");
	store_incident_free(&inc);
	store_close(st);
}

/* TAXII objects as a vigia at schema version 17 wrote them (table with a rowid seq, the
 * index taxii_objects_added): two collections, two versions of one object (the newest
 * marked latest), two rows of one date_added whose seq are not in the order of their ids. */
static const char v17_taxii[] =
	"INSERT INTO taxii_objects (seq, collection, id, type, version, spec_version, date_added,"
	"  tlp, account, latest, earliest, object) VALUES"
	"  (5, 'c1', 'indicator--a', 'indicator', '2026-01-01T00:00:00.000000Z', '2.1',"
	"  '2026-01-01T00:00:00.000000Z', 1, 'y', 0, 1, '{\"id\":\"indicator--a\",\"v\":1}'),"
	"  (2, 'c1', 'indicator--a', 'indicator', '2026-01-02T00:00:00.000000Z', '2.1',"
	"  '2026-01-02T00:00:00.000000Z', 1, 'y', 1, 0, '{\"id\":\"indicator--a\",\"v\":2}'),"
	"  (7, 'c1', 'indicator--b', 'indicator', '2026-01-02T00:00:00.000000Z', '2.1',"
	"  '2026-01-02T00:00:00.000000Z', 4, '', 1, 1, '{\"id\":\"indicator--b\"}'),"
	"  (1, 'c2', 'indicator--c', 'indicator', '2026-01-01T00:00:00.000000Z', '2.1',"
	"  '2026-01-01T00:00:00.000000Z', 1, '', 1, 1, '{\"id\":\"indicator--c\"}');";

struct rows {
	int n;
	char text[1024];
};

static int taxii_cb(void *arg, const struct store_taxii_object *o)
{
	struct rows *r = arg;
	size_t n = strlen(r->text);

	r->n++;
	snprintf(r->text + n, sizeof(r->text) - n, "[%lld %s %s %s]", (long long)o->seq,
		 o->date_added, o->id ? o->id : "-", o->object);
	return 0;
}

/* Step 18 rebuilds taxii_objects in page order (WITHOUT ROWID): the rows, their seq and marks
 * survive, pages, versions, the uniqueness of (collection, id, version), new rows' seq and
 * DELETE work on the new table. */
static void test_taxii_clustered(void)
{
	struct store *st = NULL;
	struct verr e = { 0 };
	const char *p = new_path("taxii");
	struct rows r = { 0 };
	struct store_taxii_filter f = { .collection = "c1", .tlp_max = 4, .limit = 10 };
	struct store_taxii_object o = {
		.collection = "c1", .id = "indicator--d", .type = "indicator",
		.version = "2026-01-02T00:00:00.000000Z", .spec_version = "2.1",
		.date_added = "2026-01-02T00:00:00.000000Z", .tlp = 1, .account = "",
		.object = "{\"id\":\"indicator--d\"}",
	};
	int added = -1;
	int64_t removed = 0;

	is_int(store_sqlite_migrate_to(p, 17, &e), V_OK, "built at version 17 (%s)", e.reason);
	ok(sql(p, v17_taxii) == 0, "TAXII objects as version 17 wrote them");
	is_int(store_open(p, &st, &e), V_OK, "migrated (%s)", e.reason);
	if (!st)
		return;
	ok(sql_int(p, "SELECT count(*) FROM sqlite_master WHERE name = 'taxii_objects' AND "
		      "sql LIKE '%WITHOUT ROWID%'") == 1, "taxii_objects is WITHOUT ROWID");
	ok(sql_int(p, "SELECT count(*) FROM taxii_objects") == 4, "every row copied");
	is_int(store_taxii_objects_query(st, &f, taxii_cb, &r, &e), V_OK, "a page: %s", e.reason);
	is_str(r.text,
	       "[2 2026-01-02T00:00:00.000000Z indicator--a {\"id\":\"indicator--a\",\"v\":2}]"
	       "[7 2026-01-02T00:00:00.000000Z indicator--b {\"id\":\"indicator--b\"}]",
	       "the newest versions, by date_added then seq, seq kept");
	memset(&r, 0, sizeof(r));
	f.version_mode = STORE_TAXII_V_FIRST;
	f.ids = "indicator--a";
	store_taxii_objects_query(st, &f, taxii_cb, &r, &e);
	is_str(r.text,
	       "[5 2026-01-01T00:00:00.000000Z indicator--a {\"id\":\"indicator--a\",\"v\":1}]",
	       "the earliest mark kept");
	is_int(store_taxii_object_put(st, &o, &added, &e), V_OK, "a new object: %s", e.reason);
	ok(added == 1, "... added");
	is_int(store_taxii_object_put(st, &o, &added, &e), V_OK, "the same version again");
	ok(added == 0, "... is there already: (collection, id, version) stays unique");
	memset(&r, 0, sizeof(r));
	f = (struct store_taxii_filter){ .collection = "c1", .tlp_max = 4, .limit = 10,
					 .after_added = "2026-01-02T00:00:00.000000Z",
					 .after_seq = 7, .objects_only = 1 };
	store_taxii_objects_query(st, &f, taxii_cb, &r, &e);
	is_str(r.text, "[8 2026-01-02T00:00:00.000000Z - {\"id\":\"indicator--d\"}]",
	       "a new row of the same date_added comes after the others (seq 8), on the next "
	       "page");
	is_int(store_taxii_object_delete(st, "c1", "indicator--a", STORE_TAXII_V_LAST, NULL,
					 &removed, &e), V_OK, "DELETE the newest version");
	ok(removed == 1, "... one row");
	memset(&r, 0, sizeof(r));
	f = (struct store_taxii_filter){ .collection = "c1", .tlp_max = 4, .limit = 10,
					 .ids = "indicator--a" };
	store_taxii_objects_query(st, &f, taxii_cb, &r, &e);
	is_str(r.text,
	       "[5 2026-01-01T00:00:00.000000Z indicator--a {\"id\":\"indicator--a\",\"v\":1}]",
	       "the one left is the newest now");
	memset(&r, 0, sizeof(r));
	f = (struct store_taxii_filter){ .collection = "c2", .tlp_max = 4, .limit = 10 };
	store_taxii_objects_query(st, &f, taxii_cb, &r, &e);
	is_str(r.text, "[1 2026-01-01T00:00:00.000000Z indicator--c {\"id\":\"indicator--c\"}]",
	       "the other collection untouched");
	store_close(st);
}

/* store_cache_limit sets the connection's page cache (PRAGMA cache_size, in KiB), at least
 * 1 MiB; `vigia serve` gives its connections http.cache_size with it. */
static void test_cache_limit(void)
{
	struct store *st = NULL;
	struct verr e = { 0 };
	sqlite3_stmt *q = NULL;
	int64_t kib[2] = { 0, 0 };
	const int64_t want[2] = { 16 << 20, 1000 };

	if (store_open(new_path("cache"), &st, &e) != V_OK) {
		ok(0, "a store to set the cache of (%s)", e.reason);
		return;
	}
	for (int i = 0; i < 2; i++) {
		is_int(store_cache_limit(st, want[i], &e), V_OK, "cache limit %lld: %s",
		       (long long)want[i], e.reason);
		if (sqlite3_prepare_v2(store_sqlite_db(st), "PRAGMA cache_size", -1, &q, NULL) ==
			    SQLITE_OK && sqlite3_step(q) == SQLITE_ROW)
			kib[i] = sqlite3_column_int64(q, 0);
		sqlite3_finalize(q);
		q = NULL;
	}
	ok(kib[0] == -16384, "16 MiB: PRAGMA cache_size = -16384 (%lld)", (long long)kib[0]);
	ok(kib[1] == -1024, "1000 bytes: the 1 MiB floor, -1024 (%lld)", (long long)kib[1]);
	store_close(st);
}

int main(void)
{
	conf_init();
	if (!mkdtemp(dir)) {
		perror("mkdtemp");
		return 1;
	}
	test_migrations();
	test_backfill();
	test_taxii_clustered();
	test_cache_limit();
	test_refusals();
	test_corrupt();
	test_locked();
	test_full();
	{
		char cmd[4200];
		snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
		if (system(cmd) != 0)
			printf("# could not remove %s\n", dir);
	}
	conf_fini();
	return done_testing();
}
