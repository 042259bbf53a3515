/*
 * store_pg_notify.c — the notification queue and the ledger in the PostgreSQL backend
 * (store.h "notifications"; the tables come with migration step 7), the same statements and
 * semantics as store_sqlite_notify.c.  These functions reach the connection through
 * store_pg_conn(); each statement is prepared on the server once per connection (the SQL text
 * is its key) and kept until the store is closed.
 */
#include <stdlib.h>
#include <string.h>
#include <time.h>


#include "base/i18n.h"
#include "store/store_impl.h"
#include "store/store_pg.h"

#define DEFAULT_PAGE 100

static int fail(struct store *st, int rc, struct verr *err)
{
	(void)rc;
	return store_pq_fail(store_pg_conn(st), err);
}

static int prep(struct store *st, const char *sql, struct store_pq_stmt **q, struct verr *err)
{
	int rc = store_pq_prepare_once(store_pg_conn(st), sql, q);

	return rc == STORE_PQ_OK ? V_OK : fail(st, rc, err);
}

static void bind_text(struct store_pq_stmt *q, int i, const char *v)
{
	if (v)
		store_pq_bind_text(q, i, v, -1);
	else
		store_pq_bind_null(q, i);
}

static int step_done(struct store *st, struct store_pq_stmt *q, struct verr *err)
{
	int rc = store_pq_step(q);

	store_pq_reset(q);
	return rc == STORE_PQ_DONE || rc == STORE_PQ_ROW ? V_OK : fail(st, rc, err);
}

/* Run in the caller's transaction, or in one of our own. */
static int tx_begin(struct store *st, int *own, struct verr *err)
{
	*own = store_pq_autocommit(store_pg_conn(st));
	return *own ? store_begin(st, err) : V_OK;
}

static int tx_end(struct store *st, int own, int rc, struct verr *err)
{
	if (!own)
		return rc;
	if (rc == V_OK)
		return store_commit(st, err);
	store_rollback(st);
	return rc;
}

int store_pg_notices_add(struct store *st, const struct store_notice *n, size_t count,
			     size_t *added, struct verr *err)
{
	struct store_pq *db = store_pg_conn(st);
	struct store_pq_stmt *sup = NULL, *ins = NULL;
	int rc, own;

	*added = 0;
	if ((rc = tx_begin(st, &own, err)) != V_OK)
		return rc;
	/* a queued notice of an older version gives way to the newer one */
	rc = prep(st, "UPDATE notices SET version = ?3, why = ?4, rule = ?5, due = LEAST(due, ?6) "
		      "WHERE recipient = ?1 AND incident = ?2 AND template = ?7 AND state = 0 "
		      "AND version < ?3 AND NOT EXISTS (SELECT 1 FROM notices WHERE "
		      "recipient = ?1 AND incident = ?2 AND version = ?3 AND template = ?7)",
		  &sup, err);
	if (rc == V_OK)
		rc = prep(st, "INSERT INTO notices (incident, version, recipient, name, kind, lang, "
			      "format, template, interval, akey, rule, why, created, due, next_try, "
			      "address) SELECT ?1::bigint, ?2::bigint, ?3::text, ?4::text, ?5::text, "
			      "?6::text, ?7::text, ?8::text, ?9::text, ?10::text, ?11::text, "
			      "?12::text, ?13::bigint, ?14::bigint, 0, ?15::text WHERE NOT EXISTS "
			      "(SELECT 1 FROM notify_ledger WHERE recipient = ?3 AND incident = ?1 "
			      "AND version >= ?2 AND template = ?8) ON CONFLICT DO NOTHING",
			  &ins, err);
	for (size_t i = 0; rc == V_OK && i < count; i++) {
		const struct store_notice *x = &n[i];

		bind_text(sup, 1, x->recipient);
		store_pq_bind_int64(sup, 2, x->incident);
		store_pq_bind_int64(sup, 3, x->version);
		bind_text(sup, 4, x->why);
		bind_text(sup, 5, x->rule);
		store_pq_bind_int64(sup, 6, x->due);
		bind_text(sup, 7, x->template_name ? x->template_name : "summary");
		if ((rc = step_done(st, sup, err)) != V_OK)
			break;
		if (db->changes > 0)
			continue;
		store_pq_bind_int64(ins, 1, x->incident);
		store_pq_bind_int64(ins, 2, x->version);
		bind_text(ins, 3, x->recipient);
		bind_text(ins, 4, x->name);
		bind_text(ins, 5, x->kind ? x->kind : "org");
		bind_text(ins, 6, x->lang ? x->lang : "en");
		bind_text(ins, 7, x->format ? x->format : "both");
		bind_text(ins, 8, x->template_name ? x->template_name : "summary");
		bind_text(ins, 9, x->interval ? x->interval : "immediate");
		bind_text(ins, 10, x->akey ? x->akey : "");
		bind_text(ins, 11, x->rule);
		bind_text(ins, 12, x->why);
		store_pq_bind_int64(ins, 13, x->created ? x->created : (int64_t)time(NULL));
		store_pq_bind_int64(ins, 14, x->due);
		bind_text(ins, 15, x->address);
		if ((rc = step_done(st, ins, err)) != V_OK)
			break;
		/* skipped when queued before (UNIQUE) or when the ledger says that version, or a
		 * later one, went to that recipient already */
		*added += (size_t)db->changes;
	}
	store_pq_reset(sup);
	store_pq_reset(ins);
	return tx_end(st, own, rc, err);
}

static void notice_row(struct store_pq_stmt *q, struct store_notice *n)
{
	memset(n, 0, sizeof(*n));
	n->id = store_pq_column_int64(q, 0);
	n->incident = store_pq_column_int64(q, 1);
	n->version = store_pq_column_int64(q, 2);
	n->recipient = (const char *)store_pq_column_text(q, 3);
	n->name = (const char *)store_pq_column_text(q, 4);
	n->kind = (const char *)store_pq_column_text(q, 5);
	n->lang = (const char *)store_pq_column_text(q, 6);
	n->format = (const char *)store_pq_column_text(q, 7);
	n->template_name = (const char *)store_pq_column_text(q, 8);
	n->interval = (const char *)store_pq_column_text(q, 9);
	n->akey = (const char *)store_pq_column_text(q, 10);
	n->rule = (const char *)store_pq_column_text(q, 11);
	n->why = (const char *)store_pq_column_text(q, 12);
	n->created = store_pq_column_int64(q, 13);
	n->due = store_pq_column_int64(q, 14);
	n->next_try = store_pq_column_int64(q, 15);
	n->state = store_pq_column_int64(q, 16);
	n->attempts = store_pq_column_int64(q, 17);
	n->message_id = (const char *)store_pq_column_text(q, 18);
	n->error = (const char *)store_pq_column_text(q, 19);
	n->address = (const char *)store_pq_column_text(q, 20);
}

int store_pg_notices_query(struct store *st, const struct store_notice_filter *f,
			       store_notice_cb cb, void *arg, struct verr *err)
{
	struct store_pq_stmt *q = NULL;
	int rc, step;
	int64_t limit = f->limit == 0 ? DEFAULT_PAGE : f->limit;

	rc = prep(st, "SELECT id, incident, version, recipient, name, kind, lang, format, "
		      "template, interval, akey, rule, why, created, due, next_try, state, "
		      "attempts, message_id, error, address FROM notices "
		      "WHERE (?1::bigint < 0 OR state = ?1) "
		      "AND (?2::bigint = 0 OR (due <= ?2 AND next_try <= ?2)) "
		      "AND (?3::text IS NULL OR recipient = ?3) "
		      "AND (?4::text IS NULL OR message_id = ?4) "
		      "AND (?5::bigint = 0 OR incident = ?5) "
		      "ORDER BY recipient, akey, incident, id LIMIT NULLIF(?6::bigint, -1)", &q, err);
	if (rc != V_OK)
		return rc;
	store_pq_bind_int64(q, 1, f->state);
	store_pq_bind_int64(q, 2, f->due_before);
	bind_text(q, 3, f->recipient);
	bind_text(q, 4, f->message_id);
	store_pq_bind_int64(q, 5, f->incident);
	store_pq_bind_int64(q, 6, limit < 0 ? -1 : limit);
	while ((step = store_pq_step(q)) == STORE_PQ_ROW) {
		struct store_notice n;

		notice_row(q, &n);
		if ((rc = cb(arg, &n)) != 0)
			break;
	}
	if (rc == V_OK && step != STORE_PQ_DONE)
		rc = fail(st, step, err);
	store_pq_reset(q);
	return rc;
}

int store_pg_notices_claim(struct store *st, const int64_t *ids, size_t n,
			       const char *message_id, struct verr *err)
{
	struct store_pq_stmt *q = NULL;
	int rc;

	if (!store_pq_autocommit(store_pg_conn(st)))
		return verr_set(err, V_ERR_USAGE, "",
				_("a claim of notices must commit by itself (a transaction is open)"));
	if ((rc = store_begin(st, err)) != V_OK)
		return rc;
	rc = prep(st, "UPDATE notices SET state = 1, message_id = ?2 WHERE id = ?1 AND state < 2",
		  &q, err);
	for (size_t i = 0; rc == V_OK && i < n; i++) {
		store_pq_bind_int64(q, 1, ids[i]);
		bind_text(q, 2, message_id);
		if ((rc = step_done(st, q, err)) == V_OK && store_pg_conn(st)->changes != 1)
			rc = verr_set(err, V_ERR_INVALID, "",
				      _("notice %lld is no longer queued"), (long long)ids[i]);
	}
	store_pq_reset(q);
	return tx_end(st, 1, rc, err);
}

int store_pg_notices_done(struct store *st, const char *message_id, int state,
			      int64_t next_try, const char *reply, struct verr *err)
{
	struct store_pq_stmt *q = NULL, *l = NULL;
	int rc, own;

	if ((rc = tx_begin(st, &own, err)) != V_OK)
		return rc;
	if (state == NOTICE_SENT) {
		rc = prep(st, "INSERT INTO notify_ledger (time, recipient, incident, version, "
			      "template, message_id, reply) SELECT ?2::bigint, recipient, incident, "
			      "version, template, message_id, ?3::text FROM notices "
			      "WHERE message_id = ?1 AND state = 1 ON CONFLICT DO NOTHING",
			  &l, err);
		if (rc == V_OK) {
			bind_text(l, 1, message_id);
			store_pq_bind_int64(l, 2, (int64_t)time(NULL));
			bind_text(l, 3, reply);
			rc = step_done(st, l, err);
		}
		if (rc == V_OK)
			rc = prep(st, "UPDATE notices SET state = 2, error = NULL "
				      "WHERE message_id = ?1 AND state = 1", &q, err);
	} else if (state == NOTICE_FAILED) {
		rc = prep(st, "UPDATE notices SET state = 3, error = ?2 "
			      "WHERE message_id = ?1 AND state = 1", &q, err);
	} else if (state == NOTICE_QUEUED) {
		rc = prep(st, "UPDATE notices SET state = 0, error = ?2, next_try = ?3, "
			      "attempts = attempts + 1, message_id = NULL "
			      "WHERE message_id = ?1 AND state = 1", &q, err);
	} else {
		rc = verr_set(err, V_ERR_USAGE, "", _("no such outcome of a notice: %d"), state);
	}
	if (rc == V_OK) {
		bind_text(q, 1, message_id);
		if (state != NOTICE_SENT)
			bind_text(q, 2, reply);
		if (state == NOTICE_QUEUED)
			store_pq_bind_int64(q, 3, next_try);
		rc = step_done(st, q, err);
	}
	store_pq_reset(q);
	store_pq_reset(l);
	return tx_end(st, own, rc, err);
}

int store_pg_ledger_query(struct store *st, const char *recipient, int64_t incident,
			      store_ledger_cb cb, void *arg, struct verr *err)
{
	struct store_pq_stmt *q = NULL;
	int rc, step;

	rc = prep(st, "SELECT id, time, incident, version, recipient, message_id, reply, template "
		      "FROM notify_ledger WHERE (?1::text IS NULL OR recipient = ?1) "
		      "AND (?2::bigint = 0 OR incident = ?2) ORDER BY id", &q, err);
	if (rc != V_OK)
		return rc;
	bind_text(q, 1, recipient);
	store_pq_bind_int64(q, 2, incident);
	while ((step = store_pq_step(q)) == STORE_PQ_ROW) {
		struct store_ledger l = {
			.id = store_pq_column_int64(q, 0),
			.time = store_pq_column_int64(q, 1),
			.incident = store_pq_column_int64(q, 2),
			.version = store_pq_column_int64(q, 3),
			.recipient = (const char *)store_pq_column_text(q, 4),
			.message_id = (const char *)store_pq_column_text(q, 5),
			.reply = (const char *)store_pq_column_text(q, 6),
			.template_name = (const char *)store_pq_column_text(q, 7),
		};
		if ((rc = cb(arg, &l)) != 0)
			break;
	}
	if (rc == V_OK && step != STORE_PQ_DONE)
		rc = fail(st, step, err);
	store_pq_reset(q);
	return rc;
}

int store_pg_ledger_count(struct store *st, const char *recipient, int64_t since,
			      int64_t *messages, struct verr *err)
{
	struct store_pq_stmt *q = NULL;
	int rc, step;

	*messages = 0;
	rc = prep(st, "SELECT count(DISTINCT message_id) FROM notify_ledger "
		      "WHERE recipient = ?1 AND time >= ?2", &q, err);
	if (rc != V_OK)
		return rc;
	bind_text(q, 1, recipient);
	store_pq_bind_int64(q, 2, since);
	step = store_pq_step(q);
	if (step == STORE_PQ_ROW)
		*messages = store_pq_column_int64(q, 0);
	else
		rc = fail(st, step, err);
	store_pq_reset(q);
	return rc;
}
