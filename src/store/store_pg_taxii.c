/*
 * store_pg_taxii.c — the TAXII objects and status resources of the PostgreSQL backend
 * (store.h "TAXII objects"; migration step 10): the statements of store_sqlite_taxii.c spelt
 * for PostgreSQL (strpos for instr, typed parameters), each prepared on the server once per
 * connection.  A page is one range scan of the index (collection, date_added, seq).
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/i18n.h"
#include "store/store_impl.h"
#include "store/store_pg.h"

static int fail(struct store *st, struct verr *err)
{
	return store_pq_fail(store_pg_conn(st), err);
}

static int prep(struct store *st, const char *sql, struct store_pq_stmt **q, struct verr *err)
{
	int rc = store_pq_prepare_once(store_pg_conn(st), sql, q);

	return rc == STORE_PQ_OK ? V_OK : fail(st, err);
}

static void bind_opt(struct store_pq_stmt *q, int i, const char *v)
{
	if (v)
		store_pq_bind_text(q, i, v, -1);
	else
		store_pq_bind_null(q, i);
}

static int run(struct store *st, struct store_pq_stmt *q, struct verr *err)
{
	int rc = store_pq_step(q);

	store_pq_reset(q);
	return rc == STORE_PQ_DONE || rc == STORE_PQ_ROW ? V_OK : fail(st, err);
}

/* Mark the newest and oldest version of (collection, id) after a change of its versions. */
static int marks(struct store *st, const char *collection, const char *id, struct verr *err)
{
	static const char upd[] =
	    "UPDATE taxii_objects SET "
	    "latest = CASE WHEN version = (SELECT max(version) FROM taxii_objects t "
	    "WHERE t.collection = ?1::text AND t.id = ?2::text) THEN 1 ELSE 0 END, "
	    "earliest = CASE WHEN version = (SELECT min(version) FROM taxii_objects t "
	    "WHERE t.collection = ?1::text AND t.id = ?2::text) THEN 1 ELSE 0 END "
	    "WHERE collection = ?1::text AND id = ?2::text";
	struct store_pq_stmt *q = NULL;
	int rc;

	if ((rc = prep(st, upd, &q, err)) != V_OK)
		return rc;
	store_pq_bind_text(q, 1, collection, -1);
	store_pq_bind_text(q, 2, id, -1);
	return run(st, q, err);
}

int store_pg_taxii_object_put(struct store *st, const struct store_taxii_object *o, int *added,
                              struct verr *err)
{
	static const char ins[] =
	    "INSERT INTO taxii_objects (collection, id, type, version, spec_version, date_added, "
	    "tlp, account, object) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9) "
	    "ON CONFLICT (collection, id, version) DO NOTHING";
	struct store_pq_stmt *q = NULL;
	int rc;

	*added = 0;
	if ((rc = prep(st, ins, &q, err)) != V_OK)
		return rc;
	store_pq_bind_text(q, 1, o->collection, -1);
	store_pq_bind_text(q, 2, o->id, -1);
	store_pq_bind_text(q, 3, o->type, -1);
	store_pq_bind_text(q, 4, o->version, -1);
	store_pq_bind_text(q, 5, o->spec_version, -1);
	store_pq_bind_text(q, 6, o->date_added, -1);
	store_pq_bind_int64(q, 7, o->tlp);
	store_pq_bind_text(q, 8, o->account ? o->account : "", -1);
	store_pq_bind_text(q, 9, o->object, -1);
	if ((rc = run(st, q, err)) != V_OK)
		return rc;
	if (!(*added = store_pg_conn(st)->changes > 0))
		return V_OK;
	return marks(st, o->collection, o->id, err); /* for match[version] */
}

int store_pg_taxii_objects_query(struct store *st, const struct store_taxii_filter *f,
                                 store_taxii_object_cb cb, void *arg, struct verr *err)
{
	static const char sel[] =
	    "SELECT seq, collection, id, type, version, spec_version, date_added, tlp, account, "
	    "object, latest, earliest FROM taxii_objects "
	    "WHERE collection = ?1::text AND (date_added, seq) > (?2::text, ?3::bigint) "
	    "AND (?4::text IS NULL OR date_added > ?4::text) "
	    "AND (?5::text IS NULL OR strpos(',' || ?5::text || ',', ',' || id || ',') > 0) "
	    "AND (?6::text IS NULL OR strpos(',' || ?6::text || ',', ',' || type || ',') > 0) "
	    "AND (?7::text IS NULL OR strpos(',' || ?7::text || ',', ',' || spec_version || ',') "
	    "> 0) "
	    "AND (?8::bigint = 1 OR (?9::bigint = 1 AND latest = 1) "
	    "OR (?10::bigint = 1 AND earliest = 1) "
	    "OR (?11::text IS NOT NULL AND strpos(',' || ?11::text || ',', ',' || version || ',') "
	    "> 0)) "
	    "AND (?12::text IS NULL OR account = ?12::text) AND tlp <= ?13::bigint "
	    "ORDER BY date_added, seq LIMIT ?14::bigint";
	unsigned m = f->version_mode ? f->version_mode : STORE_TAXII_V_LAST;
	struct store_pq_stmt *q = NULL;
	int rc;

	if ((rc = prep(st, sel, &q, err)) != V_OK)
		return rc;
	store_pq_bind_text(q, 1, f->collection, -1);
	store_pq_bind_text(q, 2, f->after_added ? f->after_added : "", -1);
	store_pq_bind_int64(q, 3, f->after_added ? f->after_seq : 0);
	bind_opt(q, 4, f->added_after);
	bind_opt(q, 5, f->ids);
	bind_opt(q, 6, f->types);
	bind_opt(q, 7, f->spec_versions);
	store_pq_bind_int64(q, 8, !!(m & STORE_TAXII_V_ALL));
	store_pq_bind_int64(q, 9, !!(m & STORE_TAXII_V_LAST));
	store_pq_bind_int64(q, 10, !!(m & STORE_TAXII_V_FIRST));
	bind_opt(q, 11, m & STORE_TAXII_V_LIST ? f->versions : NULL);
	bind_opt(q, 12, f->account);
	store_pq_bind_int64(q, 13, f->tlp_max);
	store_pq_bind_int64(q, 14, f->limit);
	while ((rc = store_pq_step(q)) == STORE_PQ_ROW) {
		struct store_taxii_object o = {
		    .seq = store_pq_column_int64(q, 0),
		    .collection = store_pq_column_text(q, 1),
		    .id = store_pq_column_text(q, 2),
		    .type = store_pq_column_text(q, 3),
		    .version = store_pq_column_text(q, 4),
		    .spec_version = store_pq_column_text(q, 5),
		    .date_added = store_pq_column_text(q, 6),
		    .tlp = (int)store_pq_column_int64(q, 7),
		    .account = store_pq_column_text(q, 8),
		    .object = store_pq_column_text(q, 9),
		    .latest = (int)store_pq_column_int64(q, 10),
		    .earliest = (int)store_pq_column_int64(q, 11),
		};

		if ((rc = cb(arg, &o)) != 0)
			goto out;
	}
	rc = rc == STORE_PQ_DONE ? V_OK : fail(st, err);
out:
	store_pq_reset(q);
	return rc;
}

int store_pg_taxii_object_delete(struct store *st, const char *collection, const char *id,
                                 unsigned version_mode, const char *versions, int64_t *removed,
                                 struct verr *err)
{
	/* one statement: "first" and "last" are judged on the versions before the delete */
	static const char del[] =
	    "DELETE FROM taxii_objects WHERE collection = ?1::text AND id = ?2::text "
	    "AND (?3::bigint = 1 OR (?4::bigint = 1 AND latest = 1) "
	    "OR (?5::bigint = 1 AND earliest = 1) "
	    "OR (?6::text IS NOT NULL AND strpos(',' || ?6::text || ',', ',' || version || ',') "
	    "> 0))";
	struct store_pq_stmt *q = NULL;
	int rc;

	if ((rc = prep(st, del, &q, err)) != V_OK)
		return rc;
	store_pq_bind_text(q, 1, collection, -1);
	store_pq_bind_text(q, 2, id, -1);
	store_pq_bind_int64(q, 3, !!(version_mode & STORE_TAXII_V_ALL));
	store_pq_bind_int64(q, 4, !!(version_mode & STORE_TAXII_V_LAST));
	store_pq_bind_int64(q, 5, !!(version_mode & STORE_TAXII_V_FIRST));
	bind_opt(q, 6, version_mode & STORE_TAXII_V_LIST ? versions : NULL);
	if ((rc = run(st, q, err)) != V_OK)
		return rc;
	if ((*removed = store_pg_conn(st)->changes) <= 0)
		return V_OK;
	return marks(st, collection, id, err);
}

int store_pg_taxii_view_current(struct store *st, const char *collection, const char *signature,
                                int *current, struct verr *err)
{
	/* current: no transaction that changed what views read is invisible to the snapshot the
	 * collection was built under (committed after it, or running then) */
	static const char sel[] =
	    "SELECT CASE WHEN v.signature = ?2::text AND NOT EXISTS (SELECT 1 FROM share_changes c "
	    "WHERE c.xid >= pg_snapshot_xmin(v.mark::pg_snapshot) "
	    "AND NOT pg_visible_in_snapshot(c.xid, v.mark::pg_snapshot)) THEN 1 ELSE 0 END "
	    "FROM taxii_views v WHERE v.collection = ?1::text";
	struct store_pq_stmt *q = NULL;
	int rc;

	if ((rc = prep(st, sel, &q, err)) != V_OK)
		return rc;
	store_pq_bind_text(q, 1, collection, -1);
	store_pq_bind_text(q, 2, signature, -1);
	rc = store_pq_step(q);
	if (rc == STORE_PQ_ROW)
		*current = store_pq_column_int64(q, 0) == 1;
	rc = rc == STORE_PQ_ROW || rc == STORE_PQ_DONE ? V_OK : fail(st, err);
	store_pq_reset(q);
	return rc;
}

int store_pg_taxii_view_begin(struct store *st, const char *collection, struct verr *err)
{
	/* one build of a collection at a time; then its rows go, and the snapshot of now is what
	 * the rows are built from (or older: the build's later statements see at least that) */
	static const char lock[] = "SELECT pg_advisory_xact_lock(1986620265, hashtext(?1::text))";
	static const char del[] = "DELETE FROM taxii_objects WHERE collection = ?1::text";
	static const char mark[] =
	    "INSERT INTO taxii_views (collection, mark, signature) "
	    "VALUES (?1::text, pg_current_snapshot()::text, '') "
	    "ON CONFLICT (collection) DO UPDATE SET mark = excluded.mark, signature = ''";
	/* what no snapshot of a view, nor any to come, can miss any more */
	static const char prune[] =
	    "DELETE FROM share_changes WHERE xid < pg_snapshot_xmin(pg_current_snapshot()) "
	    "AND xid < ALL (SELECT pg_snapshot_xmin(mark::pg_snapshot) FROM taxii_views)";
	const char *const sql[] = {lock, del, mark, prune};
	struct store_pq_stmt *q = NULL;
	int rc = V_OK;

	for (size_t i = 0; i < sizeof(sql) / sizeof(sql[0]) && rc == V_OK; i++) {
		if ((rc = prep(st, sql[i], &q, err)) != V_OK)
			break;
		if (i < 3)
			store_pq_bind_text(q, 1, collection, -1);
		rc = run(st, q, err);
	}
	return rc;
}

int store_pg_taxii_view_done(struct store *st, const char *collection, const char *signature,
                             struct verr *err)
{
	static const char upd[] =
	    "UPDATE taxii_views SET signature = ?2::text WHERE collection = ?1::text";
	struct store_pq_stmt *q = NULL;
	int rc;

	if ((rc = prep(st, upd, &q, err)) != V_OK)
		return rc;
	store_pq_bind_text(q, 1, collection, -1);
	store_pq_bind_text(q, 2, signature, -1);
	return run(st, q, err);
}

int store_pg_taxii_status_put(struct store *st, const struct store_taxii_status *s,
                              struct verr *err)
{
	static const char ins[] =
	    "INSERT INTO taxii_status (id, collection, account, status, request_timestamp, total, "
	    "success, failure, pending, detail) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10) "
	    "ON CONFLICT (id) DO UPDATE SET status = excluded.status, total = excluded.total, "
	    "success = excluded.success, failure = excluded.failure, pending = excluded.pending, "
	    "detail = excluded.detail";
	struct store_pq_stmt *q = NULL;
	int rc;

	if ((rc = prep(st, ins, &q, err)) != V_OK)
		return rc;
	store_pq_bind_text(q, 1, s->id, -1);
	store_pq_bind_text(q, 2, s->collection, -1);
	store_pq_bind_text(q, 3, s->account, -1);
	store_pq_bind_text(q, 4, s->status, -1);
	store_pq_bind_text(q, 5, s->request_timestamp, -1);
	store_pq_bind_int64(q, 6, s->total);
	store_pq_bind_int64(q, 7, s->success);
	store_pq_bind_int64(q, 8, s->failure);
	store_pq_bind_int64(q, 9, s->pending);
	store_pq_bind_text(q, 10, s->detail, -1);
	return run(st, q, err);
}

static void copy_col(struct store_pq_stmt *q, int i, char *out, size_t size)
{
	const char *t = store_pq_column_text(q, i);

	snprintf(out, size, "%s", t ? t : "");
}

int store_pg_taxii_status_get(struct store *st, const char *id, struct store_taxii_status *out,
                              struct verr *err)
{
	static const char sel[] =
	    "SELECT id, collection, account, status, request_timestamp, total, success, failure, "
	    "pending, detail FROM taxii_status WHERE id = ?1";
	struct store_pq_stmt *q = NULL;
	int rc;

	if ((rc = prep(st, sel, &q, err)) != V_OK)
		return rc;
	store_pq_bind_text(q, 1, id, -1);
	rc = store_pq_step(q);
	if (rc == STORE_PQ_ROW) {
		const char *d = store_pq_column_text(q, 9);

		copy_col(q, 0, out->id, sizeof(out->id));
		copy_col(q, 1, out->collection, sizeof(out->collection));
		copy_col(q, 2, out->account, sizeof(out->account));
		copy_col(q, 3, out->status, sizeof(out->status));
		copy_col(q, 4, out->request_timestamp, sizeof(out->request_timestamp));
		out->total = store_pq_column_int64(q, 5);
		out->success = store_pq_column_int64(q, 6);
		out->failure = store_pq_column_int64(q, 7);
		out->pending = store_pq_column_int64(q, 8);
		rc = (out->detail = strdup(d ? d : "{}"))
		         ? V_OK
		         : verr_set(err, V_ERR_NOMEM, "", "%s", vres_str(V_ERR_NOMEM));
	} else if (rc == STORE_PQ_DONE) {
		rc = verr_set(err, V_ERR_NOTFOUND, "", _("no TAXII status %s"), id);
	} else {
		rc = fail(st, err);
	}
	store_pq_reset(q);
	return rc;
}
