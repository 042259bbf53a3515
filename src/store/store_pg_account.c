/*
 * store_pg_account.c — accounts, API token hashes and TAXII pull cursors (store.h "accounts";
 * migration step 8) and the transport marks of vigia worker (step 9) in the PostgreSQL
 * backend: the same statements
 * and checks as store_pg_account.c, through the statement layer of store_pg.h (each
 * statement prepared on the server once per connection; values only as parameters).
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

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

static void bind_text(struct store_pq_stmt *q, int i, const char *v)
{
	if (v && *v)
		store_pq_bind_text(q, i, v, -1);
	else
		store_pq_bind_null(q, i);
}

static void copy_col(struct store_pq_stmt *q, int i, char *out, size_t size)
{
	const char *t = store_pq_column_text(q, i);

	snprintf(out, size, "%s", t ? t : "");
}

/* A unique constraint refused the last statement. */
static int unique_violation(struct store *st)
{
	return !strcmp(store_pg_conn(st)->sqlstate, "23505");
}

/* Step q once and make it ready for its next use; STORE_PQ_ROW, STORE_PQ_DONE or an error. */
static int step(struct store_pq_stmt *q)
{
	return store_pq_step(q);
}



int store_pg_account_add(struct store *st, const char *name, const char *role,
                             const char *partner, struct verr *err)
{
	struct store_pq_stmt *q = NULL;
	int rc;

	if ((rc = prep(st,
	               "INSERT INTO accounts (name, role, partner, created) "
	               "VALUES (?1, ?2, ?3, ?4)",
	               &q, err)) != V_OK)
		return rc;
	bind_text(q, 1, name);
	bind_text(q, 2, role);
	bind_text(q, 3, partner);
	store_pq_bind_int64(q, 4, (int64_t)time(NULL));
	rc = step(q);
	if (rc != STORE_PQ_ROW && rc != STORE_PQ_DONE && unique_violation(st))
		rc = verr_set(err, V_ERR_EXISTS, "name",
		              _("there is already an account named '%s'"), name);
	else
		rc = rc == STORE_PQ_DONE ? V_OK : fail(st, err);
	store_pq_reset(q);
	return rc;
}

#define ACCOUNT_COLS                                                                               \
	"a.id, a.name, a.role, a.partner, a.created, "                                             \
	"(SELECT count(*) FROM api_tokens t WHERE t.account = a.id AND t.revoked = 0), "         \
	"a.lang, a.password IS NOT NULL"

static void account_row(struct store_pq_stmt *q, struct store_account *a)
{
	memset(a, 0, sizeof(*a));
	a->id = store_pq_column_int64(q, 0);
	copy_col(q, 1, a->name, sizeof(a->name));
	copy_col(q, 2, a->role, sizeof(a->role));
	copy_col(q, 3, a->partner, sizeof(a->partner));
	a->created = store_pq_column_int64(q, 4);
	a->tokens = store_pq_column_int64(q, 5);
	copy_col(q, 6, a->lang, sizeof(a->lang));
	a->has_password = store_pq_column_int64(q, 7) != 0;
}

int store_pg_account_get(struct store *st, const char *name, struct store_account *out,
                             struct verr *err)
{
	struct store_pq_stmt *q = NULL;
	int rc;

	if ((rc = prep(st, "SELECT " ACCOUNT_COLS " FROM accounts a WHERE lower(a.name) = lower(?1)",
		       &q, err)) !=
	    V_OK)
		return rc;
	bind_text(q, 1, name);
	rc = step(q);
	if (rc == STORE_PQ_ROW) {
		account_row(q, out);
		rc = V_OK;
	} else if (rc == STORE_PQ_DONE) {
		rc = verr_set(err, V_ERR_NOTFOUND, "", _("no account named '%s'"), name);
	} else {
		rc = fail(st, err);
	}
	store_pq_reset(q);
	return rc;
}

int store_pg_account_remove(struct store *st, const char *name, struct verr *err)
{
	struct store_pq_stmt *q = NULL;
	int rc;

	if ((rc = prep(st, "DELETE FROM accounts WHERE lower(name) = lower(?1)", &q, err)) != V_OK)
		return rc;
	bind_text(q, 1, name);
	rc = step(q);
	if (rc != STORE_PQ_DONE)
		rc = fail(st, err);
	else if (store_pg_conn(st)->changes == 0)
		rc = verr_set(err, V_ERR_NOTFOUND, "", _("no account named '%s'"), name);
	else
		rc = V_OK;
	store_pq_reset(q);
	return rc;
}

int store_pg_accounts_list(struct store *st, store_account_cb cb, void *arg, struct verr *err)
{
	struct store_pq_stmt *q = NULL;
	struct store_account a;
	int rc;

	if ((rc = prep(st, "SELECT " ACCOUNT_COLS " FROM accounts a ORDER BY lower(a.name), a.name",
		       &q, err)) !=
	    V_OK)
		return rc;
	while ((rc = step(q)) == STORE_PQ_ROW) {
		account_row(q, &a);
		if ((rc = cb(arg, &a)) != 0)
			goto out;
	}
	rc = rc == STORE_PQ_DONE ? V_OK : fail(st, err);
out:
	store_pq_reset(q);
	return rc;
}

int store_pg_token_add(struct store *st, const char *account, const char *hash_hex,
                           const char *label, int64_t *id, struct verr *err)
{
	struct store_account a;
	struct store_pq_stmt *q = NULL;
	int rc;

	if ((rc = store_pg_account_get(st, account, &a, err)) != V_OK)
		return rc;
	if ((rc = prep(st,
	               "INSERT INTO api_tokens (account, hash, label, created) "
	               "VALUES (?1, ?2, ?3, ?4) RETURNING id",
	               &q, err)) != V_OK)
		return rc;
	store_pq_bind_int64(q, 1, a.id);
	bind_text(q, 2, hash_hex);
	bind_text(q, 3, label);
	store_pq_bind_int64(q, 4, (int64_t)time(NULL));
	rc = step(q);
	if (rc != STORE_PQ_ROW && rc != STORE_PQ_DONE && unique_violation(st)) {
		rc = verr_set(err, V_ERR_EXISTS, "hash", "%s", _("that token is already stored"));
	} else if (rc == STORE_PQ_ROW || rc == STORE_PQ_DONE) {
		*id = store_pg_conn(st)->last_id;
		rc = V_OK;
	} else {
		rc = fail(st, err);
	}
	store_pq_reset(q);
	return rc;
}

int store_pg_token_find(struct store *st, const char *hash_hex, struct store_account *out,
                            int64_t *token_id, struct verr *err)
{
	struct store_pq_stmt *q = NULL;
	int rc;

	if ((rc = prep(st,
	               "SELECT " ACCOUNT_COLS ", k.id FROM api_tokens k "
	               "JOIN accounts a ON a.id = k.account WHERE k.hash = ?1 AND k.revoked = 0",
	               &q, err)) != V_OK)
		return rc;
	bind_text(q, 1, hash_hex);
	rc = step(q);
	if (rc == STORE_PQ_ROW) {
		account_row(q, out);
		*token_id = store_pq_column_int64(q, 8);
		rc = V_OK;
	} else if (rc == STORE_PQ_DONE) {
		rc = verr_set(err, V_ERR_NOTFOUND, "", "%s", _("no such token"));
	} else {
		rc = fail(st, err);
	}
	store_pq_reset(q);
	return rc;
}

int store_pg_token_revoke(struct store *st, int64_t id, struct verr *err)
{
	struct store_pq_stmt *q = NULL;
	int rc;

	if ((rc = prep(st, "UPDATE api_tokens SET revoked = 1 WHERE id = ?1 AND revoked = 0", &q,
	               err)) != V_OK)
		return rc;
	store_pq_bind_int64(q, 1, id);
	rc = step(q);
	if (rc != STORE_PQ_DONE)
		rc = fail(st, err);
	else if (store_pg_conn(st)->changes == 0)
		rc = verr_set(err, V_ERR_NOTFOUND, "", _("no live token %lld"), (long long)id);
	else
		rc = V_OK;
	store_pq_reset(q);
	return rc;
}

int store_pg_token_live(struct store *st, int64_t id, const char *account, struct verr *err)
{
	struct store_pq_stmt *q = NULL;
	int rc;

	if ((rc = prep(st, "SELECT 1 FROM api_tokens t JOIN accounts a ON a.id = t.account "
	               "WHERE t.id = ?1 AND lower(a.name) = lower(?2) AND t.revoked = 0", &q,
	               err)) != V_OK)
		return rc;
	store_pq_bind_int64(q, 1, id);
	bind_text(q, 2, account);
	rc = step(q);
	if (rc == STORE_PQ_ROW)
		rc = V_OK;
	else if (rc == STORE_PQ_DONE)
		rc = verr_set(err, V_ERR_NOTFOUND, "", _("no live token %lld"), (long long)id);
	else
		rc = fail(st, err);
	store_pq_reset(q);
	return rc;
}

/* Write one text column (value NULL: SQL NULL) of account name. */
static int account_set(struct store *st, const char *sql, const char *name, const char *value,
                       struct verr *err)
{
	struct store_pq_stmt *q = NULL;
	int rc;

	if ((rc = prep(st, sql, &q, err)) != V_OK)
		return rc;
	bind_text(q, 1, value);
	bind_text(q, 2, name);
	rc = step(q);
	if (rc != STORE_PQ_DONE)
		rc = fail(st, err);
	else if (store_pg_conn(st)->changes == 0)
		rc = verr_set(err, V_ERR_NOTFOUND, "", _("no account named '%s'"), name);
	else
		rc = V_OK;
	store_pq_reset(q);
	return rc;
}

int store_pg_account_password_set(struct store *st, const char *name, const char *pwhash,
                                  struct verr *err)
{
	static const char sql[] = "UPDATE accounts SET password = ?1 WHERE lower(name) = lower(?2)";

	return account_set(st, sql, name, pwhash, err);
}

int store_pg_account_lang_set(struct store *st, const char *name, const char *lang,
                              struct verr *err)
{
	static const char sql[] = "UPDATE accounts SET lang = ?1 WHERE lower(name) = lower(?2)";

	return account_set(st, sql, name, lang, err);
}

int store_pg_account_password_get(struct store *st, const char *name, struct store_account *out,
                                  char pwhash[STORE_PWHASH_MAX], struct verr *err)
{
	struct store_pq_stmt *q = NULL;
	int rc;

	if ((rc = prep(st,
	               "SELECT " ACCOUNT_COLS ", a.password FROM accounts a "
	               "WHERE lower(a.name) = lower(?1)",
	               &q, err)) != V_OK)
		return rc;
	bind_text(q, 1, name);
	rc = step(q);
	if (rc == STORE_PQ_ROW) {
		account_row(q, out);
		copy_col(q, 8, pwhash, STORE_PWHASH_MAX);
		rc = V_OK;
	} else if (rc == STORE_PQ_DONE) {
		rc = verr_set(err, V_ERR_NOTFOUND, "", _("no account named '%s'"), name);
	} else {
		rc = fail(st, err);
	}
	store_pq_reset(q);
	return rc;
}

int store_pg_taxii_cursor_get(struct store *st, const char *source, const char *collection,
                                  char out[STORE_CURSOR_LEN], struct verr *err)
{
	struct store_pq_stmt *q = NULL;
	int rc;

	out[0] = 0;
	if ((rc = prep(st,
	               "SELECT added_after FROM taxii_cursors WHERE source = ?1 AND "
	               "collection = ?2",
	               &q, err)) != V_OK)
		return rc;
	store_pq_bind_text(q, 1, source, -1);
	store_pq_bind_text(q, 2, collection, -1);
	rc = step(q);
	if (rc == STORE_PQ_ROW)
		copy_col(q, 0, out, STORE_CURSOR_LEN);
	rc = rc == STORE_PQ_ROW || rc == STORE_PQ_DONE ? V_OK : fail(st, err);
	store_pq_reset(q);
	return rc;
}

int store_pg_taxii_cursor_set(struct store *st, const char *source, const char *collection,
                                  const char *added_after, struct verr *err)
{
	struct store_pq_stmt *q = NULL;
	int rc;

	if ((rc = prep(st,
	               "INSERT INTO taxii_cursors (source, collection, added_after, updated) "
	               "VALUES (?1, ?2, ?3, ?4) ON CONFLICT (source, collection) DO UPDATE SET "
	               "added_after = excluded.added_after, updated = excluded.updated",
	               &q, err)) != V_OK)
		return rc;
	store_pq_bind_text(q, 1, source, -1);
	store_pq_bind_text(q, 2, collection, -1);
	store_pq_bind_text(q, 3, added_after, -1);
	store_pq_bind_int64(q, 4, (int64_t)time(NULL));
	rc = step(q);
	rc = rc == STORE_PQ_DONE ? V_OK : fail(st, err);
	store_pq_reset(q);
	return rc;
}


/* Run a statement without rows; V_OK or the server's error. */
static int run(struct store *st, struct store_pq_stmt *q, struct verr *err)
{
	int rc = step(q);

	store_pq_reset(q);
	return rc == STORE_PQ_DONE || rc == STORE_PQ_ROW ? V_OK : fail(st, err);
}

int store_pg_mark_put(struct store *st, const char *msg, const char *owner, struct verr *err)
{
	struct store_pq_stmt *q = NULL;
	int rc;

	if ((rc = prep(st,
		       "INSERT INTO transport_marks (msg, owner) VALUES (?1, ?2) "
		       "ON CONFLICT (msg) DO UPDATE SET owner = excluded.owner",
		       &q, err)) != V_OK)
		return rc;
	store_pq_bind_text(q, 1, msg, -1);
	store_pq_bind_text(q, 2, owner ? owner : "", -1);
	return run(st, q, err);
}

int store_pg_mark_take(struct store *st, const char *msg, int *found, struct verr *err)
{
	struct store_pq_stmt *q = NULL;
	int rc;

	*found = 0;
	if ((rc = prep(st, "DELETE FROM transport_marks WHERE msg = ?1", &q, err)) != V_OK)
		return rc;
	store_pq_bind_text(q, 1, msg, -1);
	if ((rc = run(st, q, err)) != V_OK)
		return rc;
	*found = store_pg_conn(st)->changes > 0;
	return V_OK;
}

int store_pg_mark_clear(struct store *st, const char *owner, struct verr *err)
{
	struct store_pq_stmt *q = NULL;
	int rc;

	if ((rc = prep(st, "DELETE FROM transport_marks WHERE owner = ?1", &q, err)) != V_OK)
		return rc;
	store_pq_bind_text(q, 1, owner ? owner : "", -1);
	return run(st, q, err);
}
