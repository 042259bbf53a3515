/*
 * store_sqlite.h — what the SQLite backend's files share: the schema's migration steps
 * (migrate.c) and the wording of errors (store_sqlite.c).  Private to src/store/ and the
 * store's tests; callers use store.h.
 */
#ifndef VIGIA_STORE_STORE_SQLITE_H
#define VIGIA_STORE_STORE_SQLITE_H

#include <sqlite3.h>

#include "base/err.h"

/* The schema version of an open database: 0 for an empty one.  V_ERR_INVALID (err says
 * why) for a database that has tables but is not a vigia store. */
int store_migrate_version(sqlite3 *db, const char *path, int *version, struct verr *err);

/*
 * Bring the database to schema version `target`, applying the missing steps in order inside
 * one transaction (all or nothing).  OUT: *from = the version found.  Refuses a database at a
 * version newer than this vigia knows (V_ERR_INVALID) and one already past target.
 */
int store_migrate_apply(sqlite3 *db, const char *path, int busy_ms, int target, int *from,
			struct verr *err);

/* The SQLite result rc as a vres code and a reason naming the database (store_sqlite.c). */
int store_sqlite_fail(const char *path, sqlite3 *db, int busy_ms, int rc, struct verr *err);

struct store;
/* A statement of the backend's other files, prepared once per connection and kept until it
 * closes; sql is a constant, known by its address.  Reset and unbound when returned.  OUT: *out
 * (borrowed: call sqlite3_reset, never sqlite3_finalize). */
int store_sqlite_keyed(struct store *st, const char *sql, sqlite3_stmt **out, struct verr *err);
/* For tests that need the connection itself (PRAGMA max_page_count to fill the disk).
 * Borrowed; NULL when st is not an SQLite store. */
sqlite3 *store_sqlite_db(struct store *st);

struct buf;
struct store_event_filter;
/* For the tests that hold the documented queries to their indexes: the EXPLAIN QUERY PLAN
 * of the statement store_events_query runs for f's filters (the values do not matter, only
 * which are set), and of the dedup and retention statements by name ("dedup": the look-up
 * of a fingerprint in the window, "window": loading the dedup window, "prune", "repeat"),
 * one detail line each, appended to out (caller's). */
int store_sqlite_events_plan(struct store *st, const struct store_event_filter *f,
			     struct buf *out, struct verr *err);
int store_sqlite_write_plan(struct store *st, const char *which, struct buf *out,
			    struct verr *err);

#endif
