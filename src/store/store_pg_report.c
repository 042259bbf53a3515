/*
 * store_pg_report.c — the counts of the period report in the PostgreSQL backend (store.h
 * "statistics for reports"), the same kinds and results as store_sqlite_report.c.
 *
 * One aggregate statement per kind, bounded by the indexes on time (events_time,
 * incidents_created, notify_ledger_time); the events' attribution keys are read out of the
 * stored JSON with ->> over the rows of the period only.  Statements are prepared once per
 * connection.
 */
#include <string.h>

#include "base/i18n.h"
#include "store/store_impl.h"
#include "store/store_pg.h"

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
		"SELECT NULL, asn::text, count(*) AS n FROM incidents WHERE created >= ?1 AND "
		"created < ?2 AND asn IS NOT NULL GROUP BY asn ORDER BY n DESC, asn LIMIT ?3",
	[STORE_STAT_INCIDENTS_BY_COUNTRY] =
		"SELECT NULL, country, count(*) AS n FROM incidents WHERE created >= ?1 AND "
		"created < ?2 AND country IS NOT NULL GROUP BY country ORDER BY n DESC, country "
		"LIMIT ?3",
	[STORE_STAT_INCIDENTS_BY_NETWORK] =
		"SELECT NULL, network, count(*) AS n FROM incidents WHERE created >= ?1 AND "
		"created < ?2 AND network IS NOT NULL GROUP BY network ORDER BY n DESC, network "
		"LIMIT ?3",
};

static int run(struct store *st, const char *sql, int64_t since, int64_t until, int64_t limit,
	       struct store_pq_stmt **out, struct verr *err)
{
	struct store_pq *pq = store_pg_conn(st);

	if (store_pq_prepare_once(pq, sql, out) != STORE_PQ_OK)
		return store_pq_fail(pq, err);
	store_pq_bind_int64(*out, 1, since);
	store_pq_bind_int64(*out, 2, until);
	if (strstr(sql, "?3")) {
		if (limit > 0)
			store_pq_bind_int64(*out, 3, limit);
		else
			store_pq_bind_null(*out, 3); /* LIMIT NULL: every row */
	}
	return V_OK;
}

int store_pg_stats(struct store *st, enum store_stat kind, int64_t since, int64_t until,
		   int64_t limit, store_stat_cb cb, void *arg, struct verr *err)
{
	struct store_pq_stmt *q = NULL;
	int rc, step;

	if ((rc = run(st, stat_sql[kind], since, until, limit, &q, err)) != V_OK)
		return rc;
	while ((step = store_pq_step(q)) == STORE_PQ_ROW) {
		struct store_stat_row row = {
			.num = store_pq_column_int64(q, 0),
			.key = store_pq_column_text(q, 1),
			.count = store_pq_column_int64(q, 2),
		};
		if (cb(arg, &row))
			break;
	}
	if (step == STORE_PQ_ERROR)
		rc = store_pq_fail(store_pg_conn(st), err);
	store_pq_reset(q);
	return rc;
}

int store_pg_incidents_notable(struct store *st, int64_t since, int64_t until, int64_t limit,
			       store_id_cb cb, void *arg, struct verr *err)
{
	static const char sql[] =
		"SELECT id FROM incidents WHERE created >= ?1 AND created < ?2 AND merged_into = 0 "
		"ORDER BY CASE WHEN priority BETWEEN 1 AND 4 THEN priority ELSE 5 END, "
		"event_count DESC, id DESC LIMIT ?3";
	struct store_pq_stmt *q = NULL;
	int rc, step;

	if ((rc = run(st, sql, since, until, limit, &q, err)) != V_OK)
		return rc;
	while ((step = store_pq_step(q)) == STORE_PQ_ROW)
		if (cb(arg, store_pq_column_int64(q, 0)))
			break;
	if (step == STORE_PQ_ERROR)
		rc = store_pq_fail(store_pg_conn(st), err);
	store_pq_reset(q);
	return rc;
}
