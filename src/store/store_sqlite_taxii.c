/*
 * store_sqlite_taxii.c — the TAXII objects and status resources of the SQLite backend
 * (store.h "TAXII objects"; the tables come with migration step 10).
 *
 * A page of a collection is one range scan of the table, whose primary key is (collection,
 * date_added, seq) (WITHOUT ROWID, schema step 18), from the cursor on, stopped by LIMIT: it
 * costs the page, whatever the collection's size, and reads no index besides the table.  The
 * list filters (match[id], match[type], ...) are tested on the rows of that range as
 * ",a,b," containing ",value,", so one constant statement serves every combination.  Every
 * statement is prepared once per connection (store_sqlite_keyed).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sqlite3.h>

#include "base/conf.h"
#include "base/i18n.h"
#include "store/store_impl.h"
#include "store/store_sqlite.h"

static int fail(struct store *st, int rc, struct verr *err)
{
	long long ms = conf_get_int("store.busy_timeout");

	return store_sqlite_fail(store_path(st), store_sqlite_db(st), ms > 0 ? (int)ms : 5000, rc,
	                         err);
}

static void bind_opt(sqlite3_stmt *q, int i, const char *v)
{
	if (v)
		sqlite3_bind_text(q, i, v, -1, SQLITE_STATIC);
	else
		sqlite3_bind_null(q, i);
}

/* Run q to its end; V_OK or the error. */
static int run(struct store *st, sqlite3_stmt *q, struct verr *err)
{
	int rc = sqlite3_step(q);

	sqlite3_reset(q);
	return rc == SQLITE_DONE || rc == SQLITE_ROW ? V_OK : fail(st, rc, err);
}

/* Mark the newest and oldest version of (collection, id) after a change of its versions. */
static int marks(struct store *st, const char *collection, const char *id, struct verr *err)
{
	static const char upd[] =
	    "UPDATE taxii_objects SET "
	    "latest = (version = (SELECT max(version) FROM taxii_objects t "
	    "WHERE t.collection = ?1 AND t.id = ?2)), "
	    "earliest = (version = (SELECT min(version) FROM taxii_objects t "
	    "WHERE t.collection = ?1 AND t.id = ?2)) "
	    "WHERE collection = ?1 AND id = ?2";
	sqlite3_stmt *q;
	int rc;

	if ((rc = store_sqlite_keyed(st, upd, &q, err)) != V_OK)
		return rc;
	sqlite3_bind_text(q, 1, collection, -1, SQLITE_STATIC);
	sqlite3_bind_text(q, 2, id, -1, SQLITE_STATIC);
	return run(st, q, err);
}

int store_sqlite_taxii_object_put(struct store *st, const struct store_taxii_object *o, int *added,
                                  struct verr *err)
{
	/* seq: after the rows of the collection added at the same date_added (step 18) */
	static const char ins[] =
	    "INSERT INTO taxii_objects (collection, id, type, version, spec_version, date_added, "
	    "tlp, account, object, seq) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, "
	    "coalesce((SELECT seq FROM taxii_objects WHERE collection = ?1 AND date_added = ?6 "
	    "ORDER BY seq DESC LIMIT 1), 0) + 1) "
	    "ON CONFLICT (collection, id, version) DO NOTHING";
	sqlite3_stmt *q;
	int rc;

	if ((rc = store_sqlite_keyed(st, ins, &q, err)) != V_OK)
		return rc;
	sqlite3_bind_text(q, 1, o->collection, -1, SQLITE_STATIC);
	sqlite3_bind_text(q, 2, o->id, -1, SQLITE_STATIC);
	sqlite3_bind_text(q, 3, o->type, -1, SQLITE_STATIC);
	sqlite3_bind_text(q, 4, o->version, -1, SQLITE_STATIC);
	sqlite3_bind_text(q, 5, o->spec_version, -1, SQLITE_STATIC);
	sqlite3_bind_text(q, 6, o->date_added, -1, SQLITE_STATIC);
	sqlite3_bind_int(q, 7, o->tlp);
	sqlite3_bind_text(q, 8, o->account ? o->account : "", -1, SQLITE_STATIC);
	sqlite3_bind_text(q, 9, o->object, -1, SQLITE_STATIC);
	if ((rc = run(st, q, err)) != V_OK)
		return rc;
	if (!(*added = sqlite3_changes(store_sqlite_db(st)) > 0))
		return V_OK;
	return marks(st, o->collection, o->id, err); /* for match[version] */
}

/* A row of the full statements of store_sqlite_taxii_objects_query. */
static void row_full(sqlite3_stmt *q, struct store_taxii_object *o)
{
	*o = (struct store_taxii_object){
	    .seq = sqlite3_column_int64(q, 0),
	    .collection = (const char *)sqlite3_column_text(q, 1),
	    .id = (const char *)sqlite3_column_text(q, 2),
	    .type = (const char *)sqlite3_column_text(q, 3),
	    .version = (const char *)sqlite3_column_text(q, 4),
	    .spec_version = (const char *)sqlite3_column_text(q, 5),
	    .date_added = (const char *)sqlite3_column_text(q, 6),
	    .tlp = sqlite3_column_int(q, 7),
	    .account = (const char *)sqlite3_column_text(q, 8),
	    .object = (const char *)sqlite3_column_text(q, 9),
	    .latest = sqlite3_column_int(q, 10),
	    .earliest = sqlite3_column_int(q, 11),
	};
}

/* A row of the statement that reads seq, date_added and object only (f->objects_only). */
static void row_object(sqlite3_stmt *q, const char *collection, struct store_taxii_object *o)
{
	*o = (struct store_taxii_object){
	    .seq = sqlite3_column_int64(q, 0),
	    .collection = collection,
	    .date_added = (const char *)sqlite3_column_text(q, 1),
	    .object = (const char *)sqlite3_column_text(q, 2),
	    .latest = 1,
	};
}

int store_sqlite_taxii_objects_query(struct store *st, const struct store_taxii_filter *f,
                                     store_taxii_object_cb cb, void *arg, struct verr *err)
{
	static const char sel[] =
	    "SELECT seq, collection, id, type, version, spec_version, date_added, tlp, account, "
	    "object, latest, earliest FROM taxii_objects "
	    "WHERE collection = ?1 AND (date_added, seq) > (?2, ?3) "
	    "AND (?4 IS NULL OR date_added > ?4) "
	    "AND (?5 IS NULL OR instr(',' || ?5 || ',', ',' || id || ',') > 0) "
	    "AND (?6 IS NULL OR instr(',' || ?6 || ',', ',' || type || ',') > 0) "
	    "AND (?7 IS NULL OR instr(',' || ?7 || ',', ',' || spec_version || ',') > 0) "
	    "AND (?8 OR (?9 AND latest) OR (?10 AND earliest) "
	    "OR (?11 IS NOT NULL AND instr(',' || ?11 || ',', ',' || version || ',') > 0)) "
	    "AND (?12 IS NULL OR account = ?12) AND tlp <= ?13 "
	    "ORDER BY date_added, seq LIMIT ?14";
	/* the usual page (no match[] filter, the newest versions): the same rows without the
	 * filters' tests on each of them (docs/benchmarks.md).  added_after needs no test of its
	 * own when it is the cursor (after_seq INT64_MAX: every row of that date_added is before
	 * it) or the cursor is past it, as taxii_write.c asks. */
	static const char plain[] =
	    "SELECT seq, collection, id, type, version, spec_version, date_added, tlp, account, "
	    "object, latest, earliest FROM taxii_objects "
	    "WHERE collection = ?1 AND (date_added, seq) > (?2, ?3) AND latest "
	    "AND (?12 IS NULL OR account = ?12) AND tlp <= ?13 "
	    "ORDER BY date_added, seq LIMIT ?14";
	/* the same for a page of objects, which reads three columns of the twelve */
	static const char plain_objects[] =
	    "SELECT seq, date_added, object FROM taxii_objects "
	    "WHERE collection = ?1 AND (date_added, seq) > (?2, ?3) AND latest "
	    "AND (?12 IS NULL OR account = ?12) AND tlp <= ?13 "
	    "ORDER BY date_added, seq LIMIT ?14";
	unsigned m = f->version_mode ? f->version_mode : STORE_TAXII_V_LAST;
	int cmp = f->added_after && f->after_added ? strcmp(f->after_added, f->added_after) : 0;
	int usual = m == STORE_TAXII_V_LAST && !f->ids && !f->types && !f->spec_versions &&
	            (!f->added_after ||
	             (f->after_added && (cmp > 0 || (cmp == 0 && f->after_seq == INT64_MAX))));
	int narrow = usual && f->objects_only;
	sqlite3_stmt *q;
	int rc, stop = 0;

	if ((rc = store_sqlite_keyed(st, narrow ? plain_objects : usual ? plain : sel, &q, err)) !=
	    V_OK)
		return rc;
	sqlite3_bind_text(q, 1, f->collection, -1, SQLITE_STATIC);
	sqlite3_bind_text(q, 2, f->after_added ? f->after_added : "", -1, SQLITE_STATIC);
	sqlite3_bind_int64(q, 3, f->after_added ? f->after_seq : 0);
	if (!usual) {
		bind_opt(q, 4, f->added_after);
		bind_opt(q, 5, f->ids);
		bind_opt(q, 6, f->types);
		bind_opt(q, 7, f->spec_versions);
		sqlite3_bind_int(q, 8, !!(m & STORE_TAXII_V_ALL));
		sqlite3_bind_int(q, 9, !!(m & STORE_TAXII_V_LAST));
		sqlite3_bind_int(q, 10, !!(m & STORE_TAXII_V_FIRST));
		bind_opt(q, 11, m & STORE_TAXII_V_LIST ? f->versions : NULL);
	}
	bind_opt(q, 12, f->account);
	sqlite3_bind_int(q, 13, f->tlp_max);
	sqlite3_bind_int64(q, 14, f->limit);
	while ((rc = sqlite3_step(q)) == SQLITE_ROW) {
		struct store_taxii_object o;

		if (narrow)
			row_object(q, f->collection, &o);
		else
			row_full(q, &o);
		if ((stop = cb(arg, &o)) != 0)
			break;
	}
	if (stop)
		rc = stop;
	else
		rc = rc == SQLITE_DONE ? V_OK : fail(st, rc, err);
	sqlite3_reset(q);
	return rc;
}


int store_sqlite_taxii_object_delete(struct store *st, const char *collection, const char *id,
                                     unsigned version_mode, const char *versions,
                                     int64_t *removed, struct verr *err)
{
	/* one statement: "first" and "last" are judged on the versions before the delete */
	static const char del[] =
	    "DELETE FROM taxii_objects WHERE collection = ?1 AND id = ?2 "
	    "AND (?3 OR (?4 AND latest) OR (?5 AND earliest) "
	    "OR (?6 IS NOT NULL AND instr(',' || ?6 || ',', ',' || version || ',') > 0))";
	sqlite3_stmt *q;
	int rc;

	if ((rc = store_sqlite_keyed(st, del, &q, err)) != V_OK)
		return rc;
	sqlite3_bind_text(q, 1, collection, -1, SQLITE_STATIC);
	sqlite3_bind_text(q, 2, id, -1, SQLITE_STATIC);
	sqlite3_bind_int(q, 3, !!(version_mode & STORE_TAXII_V_ALL));
	sqlite3_bind_int(q, 4, !!(version_mode & STORE_TAXII_V_LAST));
	sqlite3_bind_int(q, 5, !!(version_mode & STORE_TAXII_V_FIRST));
	bind_opt(q, 6, version_mode & STORE_TAXII_V_LIST ? versions : NULL);
	if ((rc = run(st, q, err)) != V_OK)
		return rc;
	if ((*removed = sqlite3_changes(store_sqlite_db(st))) > 0)
		rc = marks(st, collection, id, err);
	return rc;
}

int store_sqlite_taxii_view_current(struct store *st, const char *collection,
                                    const char *signature, int *current, struct verr *err)
{
	static const char sel[] = "SELECT v.signature = ?2 AND v.mark = "
	                          "CAST((SELECT n FROM share_changes) AS TEXT) "
	                          "FROM taxii_views v WHERE v.collection = ?1";
	sqlite3_stmt *q;
	int rc;

	if ((rc = store_sqlite_keyed(st, sel, &q, err)) != V_OK)
		return rc;
	sqlite3_bind_text(q, 1, collection, -1, SQLITE_STATIC);
	sqlite3_bind_text(q, 2, signature, -1, SQLITE_STATIC);
	rc = sqlite3_step(q);
	if (rc == SQLITE_ROW)
		*current = sqlite3_column_int(q, 0) == 1;
	rc = rc == SQLITE_ROW || rc == SQLITE_DONE ? V_OK : fail(st, rc, err);
	sqlite3_reset(q);
	return rc;
}

int store_sqlite_taxii_view_begin(struct store *st, const char *collection, struct verr *err)
{
	static const char del[] = "DELETE FROM taxii_objects WHERE collection = ?1";
	/* the writer holds the lock to its commit: nothing changes between this and the rows */
	static const char mark[] =
	    "INSERT INTO taxii_views (collection, mark, signature) "
	    "VALUES (?1, CAST((SELECT n FROM share_changes) AS TEXT), '') "
	    "ON CONFLICT (collection) DO UPDATE SET mark = excluded.mark, signature = ''";
	sqlite3_stmt *q;
	int rc;

	if ((rc = store_sqlite_keyed(st, del, &q, err)) != V_OK)
		return rc;
	sqlite3_bind_text(q, 1, collection, -1, SQLITE_STATIC);
	if ((rc = run(st, q, err)) != V_OK || (rc = store_sqlite_keyed(st, mark, &q, err)) != V_OK)
		return rc;
	sqlite3_bind_text(q, 1, collection, -1, SQLITE_STATIC);
	return run(st, q, err);
}

int store_sqlite_taxii_view_done(struct store *st, const char *collection, const char *signature,
                                 struct verr *err)
{
	static const char upd[] = "UPDATE taxii_views SET signature = ?2 WHERE collection = ?1";
	sqlite3_stmt *q;
	int rc;

	if ((rc = store_sqlite_keyed(st, upd, &q, err)) != V_OK)
		return rc;
	sqlite3_bind_text(q, 1, collection, -1, SQLITE_STATIC);
	sqlite3_bind_text(q, 2, signature, -1, SQLITE_STATIC);
	return run(st, q, err);
}

int store_sqlite_taxii_status_put(struct store *st, const struct store_taxii_status *s,
                                  struct verr *err)
{
	static const char ins[] =
	    "INSERT INTO taxii_status (id, collection, account, status, request_timestamp, total, "
	    "success, failure, pending, detail) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10) "
	    "ON CONFLICT (id) DO UPDATE SET status = excluded.status, total = excluded.total, "
	    "success = excluded.success, failure = excluded.failure, pending = excluded.pending, "
	    "detail = excluded.detail";
	sqlite3_stmt *q;
	int rc;

	if ((rc = store_sqlite_keyed(st, ins, &q, err)) != V_OK)
		return rc;
	sqlite3_bind_text(q, 1, s->id, -1, SQLITE_STATIC);
	sqlite3_bind_text(q, 2, s->collection, -1, SQLITE_STATIC);
	sqlite3_bind_text(q, 3, s->account, -1, SQLITE_STATIC);
	sqlite3_bind_text(q, 4, s->status, -1, SQLITE_STATIC);
	sqlite3_bind_text(q, 5, s->request_timestamp, -1, SQLITE_STATIC);
	sqlite3_bind_int64(q, 6, s->total);
	sqlite3_bind_int64(q, 7, s->success);
	sqlite3_bind_int64(q, 8, s->failure);
	sqlite3_bind_int64(q, 9, s->pending);
	sqlite3_bind_text(q, 10, s->detail, -1, SQLITE_STATIC);
	return run(st, q, err);
}

static void copy_col(sqlite3_stmt *q, int i, char *out, size_t size)
{
	const unsigned char *t = sqlite3_column_text(q, i);

	snprintf(out, size, "%s", t ? (const char *)t : "");
}

int store_sqlite_taxii_status_get(struct store *st, const char *id, struct store_taxii_status *out,
                                  struct verr *err)
{
	static const char sel[] =
	    "SELECT id, collection, account, status, request_timestamp, total, success, failure, "
	    "pending, detail FROM taxii_status WHERE id = ?1";
	sqlite3_stmt *q;
	int rc;

	if ((rc = store_sqlite_keyed(st, sel, &q, err)) != V_OK)
		return rc;
	sqlite3_bind_text(q, 1, id, -1, SQLITE_STATIC);
	rc = sqlite3_step(q);
	if (rc == SQLITE_ROW) {
		const unsigned char *d = sqlite3_column_text(q, 9);

		copy_col(q, 0, out->id, sizeof(out->id));
		copy_col(q, 1, out->collection, sizeof(out->collection));
		copy_col(q, 2, out->account, sizeof(out->account));
		copy_col(q, 3, out->status, sizeof(out->status));
		copy_col(q, 4, out->request_timestamp, sizeof(out->request_timestamp));
		out->total = sqlite3_column_int64(q, 5);
		out->success = sqlite3_column_int64(q, 6);
		out->failure = sqlite3_column_int64(q, 7);
		out->pending = sqlite3_column_int64(q, 8);
		rc = (out->detail = strdup(d ? (const char *)d : "{}"))
		         ? V_OK
		         : verr_set(err, V_ERR_NOMEM, "", "%s", vres_str(V_ERR_NOMEM));
	} else if (rc == SQLITE_DONE) {
		rc = verr_set(err, V_ERR_NOTFOUND, "", _("no TAXII status %s"), id);
	} else {
		rc = fail(st, rc, err);
	}
	sqlite3_reset(q);
	return rc;
}
