/*
 * store_sqlite_report.c — the counts of the period report in the SQLite backend (store.h
 * "statistics for reports").
 *
 * One aggregate statement per kind, each bounded by an index on time: events_time for events,
 * incidents_created and notify_ledger_time (migration steps 12 and 13) for incidents and messages.
 * The keys of the events' attribution (AS, country, network) are read out of the stored JSON
 * by SQLite's json_extract over the rows of the period only; the incidents' (migration step 16)
 * are columns, counted from the covering index incidents_attribution, named (INDEXED BY) so
 * that the planner does not take a column's own partial index and visit every row instead.
 * Statements are prepared per call: a report makes a dozen calls, each of which walks many
 * rows.
 */
#include <string.h>

#include <sqlite3.h>

#include "base/conf.h"
#include "base/i18n.h"
#include "store/store_impl.h"
#include "store/store_sqlite.h"

static const char *const stat_sql[STORE_STAT__COUNT] = {
	[STORE_STAT_EVENTS_PER_DAY] =
		"SELECT time / 86400 * 86400 AS d, NULL, count(*) FROM events WHERE time >= ?1 "
		"AND time < ?2 GROUP BY d ORDER BY d",
	[STORE_STAT_INCIDENTS_PER_DAY] =
		"SELECT created / 86400 * 86400 AS d, coalesce(classification_type, ''), count(*)"
		" FROM incidents WHERE created >= ?1 AND created < ?2 GROUP BY d, 2 ORDER BY d, 2",
	[STORE_STAT_INCIDENTS_BY_STATE] =
		"SELECT state, NULL, count(*) FROM incidents WHERE created >= ?1 AND created < ?2"
		" GROUP BY state ORDER BY state",
	[STORE_STAT_INCIDENTS_BY_ORG] =
		"SELECT NULL, organisation, count(*) AS n FROM incidents WHERE created >= ?1 AND "
		"created < ?2 AND organisation IS NOT NULL AND organisation <> '' GROUP BY "
		"organisation ORDER BY n DESC, organisation LIMIT ?3",
	[STORE_STAT_INCIDENTS_BY_CLASS] =
		"SELECT NULL, coalesce(classification_type, '') AS k, count(*) AS n FROM "
		"incidents WHERE created >= ?1 AND created < ?2 GROUP BY k ORDER BY n DESC, k "
		"LIMIT ?3",
	[STORE_STAT_MESSAGES_PER_DAY] =
		"SELECT time / 86400 * 86400 AS d, NULL, count(DISTINCT message_id) FROM "
		"notify_ledger WHERE time >= ?1 AND time < ?2 GROUP BY d ORDER BY d",
	[STORE_STAT_RESOLVE_BUCKETS] =
		"SELECT CASE WHEN updated - created < 3600 THEN 0 WHEN updated - created < 14400 "
		"THEN 1 WHEN updated - created < 86400 THEN 2 WHEN updated - created < 259200 "
		"THEN 3 WHEN updated - created < 604800 THEN 4 ELSE 5 END AS b, NULL, count(*) "
		"FROM incidents WHERE created >= ?1 AND created < ?2 AND state >= 4 GROUP BY b "
		"ORDER BY b",
	[STORE_STAT_RESOLVE_TOTAL] =
		"SELECT CAST(coalesce(sum(updated - created), 0) AS BIGINT), NULL, count(*) FROM "
		"incidents WHERE created >= ?1 AND created < ?2 AND state >= 4",
	/* the incidents' attribution (migrate.c step 16): the covering index
	 * incidents_attribution (created, country, asn, network) answers without the table */
	[STORE_STAT_INCIDENTS_BY_ASN] =
		"SELECT NULL, CAST(asn AS TEXT), count(*) AS n FROM incidents INDEXED BY "
		"incidents_attribution WHERE created >= ?1 AND created < ?2 AND asn IS NOT NULL "
		"GROUP BY asn ORDER BY n DESC, asn LIMIT ?3",
	[STORE_STAT_INCIDENTS_BY_COUNTRY] =
		"SELECT NULL, country, count(*) AS n FROM incidents INDEXED BY "
		"incidents_attribution WHERE created >= ?1 AND created < ?2 AND country IS NOT NULL"
		" GROUP BY country ORDER BY n DESC, country LIMIT ?3",
	[STORE_STAT_INCIDENTS_BY_NETWORK] =
		"SELECT NULL, network, count(*) AS n FROM incidents INDEXED BY "
		"incidents_attribution WHERE created >= ?1 AND created < ?2 AND network IS NOT NULL"
		" GROUP BY network ORDER BY n DESC, network LIMIT ?3",
};

static int fail(struct store *st, int rc, struct verr *err)
{
	long long ms = conf_get_int("store.busy_timeout");

	return store_sqlite_fail(store_path(st), store_sqlite_db(st), ms > 0 ? (int)ms : 5000, rc,
				 err);
}

/*
 * A GROUP BY over a long period sorts millions of rows.  The connection keeps temporary data
 * in memory (temp_store = MEMORY, right for the small sorts of ingest), and then the sorter
 * would hold every row in memory too: 7 GiB for 10,000,000 events.  On file, it spills what
 * passes the page cache's size to temporary files instead.  Outside a transaction only
 * (SQLite refuses the change inside one); a failure leaves the setting as it was.
 */
static void temp_on_file(sqlite3 *db, int on)
{
	if (sqlite3_get_autocommit(db))
		sqlite3_exec(db, on ? "PRAGMA temp_store = FILE" : "PRAGMA temp_store = MEMORY",
			     NULL, NULL, NULL);
}

int store_sqlite_stats(struct store *st, enum store_stat kind, int64_t since, int64_t until,
		       int64_t limit, store_stat_cb cb, void *arg, struct verr *err)
{
	const char *sql = stat_sql[kind];
	sqlite3_stmt *q = NULL;
	int rc;

	temp_on_file(store_sqlite_db(st), 1);
	rc = sqlite3_prepare_v2(store_sqlite_db(st), sql, -1, &q, NULL);
	if (rc != SQLITE_OK) {
		temp_on_file(store_sqlite_db(st), 0);
		return fail(st, rc, err);
	}
	sqlite3_bind_int64(q, 1, since);
	sqlite3_bind_int64(q, 2, until);
	if (strstr(sql, "?3"))
		sqlite3_bind_int64(q, 3, limit > 0 ? limit : -1);
	while ((rc = sqlite3_step(q)) == SQLITE_ROW) {
		struct store_stat_row row = {
			.num = sqlite3_column_int64(q, 0),
			.key = (const char *)sqlite3_column_text(q, 1),
			.count = sqlite3_column_int64(q, 2),
		};
		if (cb(arg, &row))
			break;
	}
	rc = rc == SQLITE_ROW || rc == SQLITE_DONE ? V_OK : fail(st, rc, err);
	sqlite3_finalize(q);
	temp_on_file(store_sqlite_db(st), 0);
	return rc;
}

int store_sqlite_incidents_notable(struct store *st, int64_t since, int64_t until,
				   int64_t limit, store_id_cb cb, void *arg, struct verr *err)
{
	static const char sql[] =
		"SELECT id FROM incidents WHERE created >= ?1 AND created < ?2 AND merged_into = 0 "
		"ORDER BY CASE WHEN priority BETWEEN 1 AND 4 THEN priority ELSE 5 END, "
		"event_count DESC, id DESC LIMIT ?3";
	sqlite3_stmt *q = NULL;
	int rc;

	if ((rc = sqlite3_prepare_v2(store_sqlite_db(st), sql, -1, &q, NULL)) != SQLITE_OK)
		return fail(st, rc, err);
	sqlite3_bind_int64(q, 1, since);
	sqlite3_bind_int64(q, 2, until);
	sqlite3_bind_int64(q, 3, limit);
	while ((rc = sqlite3_step(q)) == SQLITE_ROW)
		if (cb(arg, sqlite3_column_int64(q, 0)))
			break;
	rc = rc == SQLITE_ROW || rc == SQLITE_DONE ? V_OK : fail(st, rc, err);
	sqlite3_finalize(q);
	return rc;
}
