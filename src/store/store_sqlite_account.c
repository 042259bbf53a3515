/*
 * store_sqlite_account.c — accounts, API token hashes and TAXII pull cursors in the SQLite
 * backend (store.h "accounts"; the tables come with migration step 8).
 *
 * Kept apart from store_sqlite.c like the notification queue: a small, separate part of the
 * schema.  Statements are prepared per call but the hot one, store_token_find (once per HTTP
 * request): one indexed lookup on the unique hash, prepared once per connection.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

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

static int prep(struct store *st, const char *sql, sqlite3_stmt **q, struct verr *err)
{
	int rc = sqlite3_prepare_v2(store_sqlite_db(st), sql, -1, q, NULL);

	return rc == SQLITE_OK ? V_OK : fail(st, rc, err);
}

static void bind_text(sqlite3_stmt *q, int i, const char *v)
{
	if (v && *v)
		sqlite3_bind_text(q, i, v, -1, SQLITE_STATIC);
	else
		sqlite3_bind_null(q, i);
}

static void copy_col(sqlite3_stmt *q, int i, char *out, size_t size)
{
	const unsigned char *t = sqlite3_column_text(q, i);

	snprintf(out, size, "%s", t ? (const char *)t : "");
}



int store_sqlite_account_add(struct store *st, const char *name, const char *role,
                             const char *partner, struct verr *err)
{
	sqlite3_stmt *q = NULL;
	int rc;

	if ((rc = prep(st,
	               "INSERT INTO accounts (name, role, partner, created) "
	               "VALUES (?1, ?2, ?3, ?4)",
	               &q, err)) != V_OK)
		return rc;
	bind_text(q, 1, name);
	bind_text(q, 2, role);
	bind_text(q, 3, partner);
	sqlite3_bind_int64(q, 4, (sqlite3_int64)time(NULL));
	rc = sqlite3_step(q);
	if ((rc & 0xff) == SQLITE_CONSTRAINT)
		rc = verr_set(err, V_ERR_EXISTS, "name",
		              _("there is already an account named '%s'"), name);
	else
		rc = rc == SQLITE_DONE ? V_OK : fail(st, rc, err);
	sqlite3_finalize(q);
	return rc;
}

#define ACCOUNT_COLS                                                                               \
	"a.id, a.name, a.role, a.partner, a.created, "                                             \
	"(SELECT count(*) FROM api_tokens t WHERE t.account = a.id AND t.revoked = 0), "         \
	"a.lang, a.password IS NOT NULL"

static void account_row(sqlite3_stmt *q, struct store_account *a)
{
	memset(a, 0, sizeof(*a));
	a->id = sqlite3_column_int64(q, 0);
	copy_col(q, 1, a->name, sizeof(a->name));
	copy_col(q, 2, a->role, sizeof(a->role));
	copy_col(q, 3, a->partner, sizeof(a->partner));
	a->created = sqlite3_column_int64(q, 4);
	a->tokens = sqlite3_column_int64(q, 5);
	copy_col(q, 6, a->lang, sizeof(a->lang));
	a->has_password = sqlite3_column_int(q, 7) != 0;
}

int store_sqlite_account_get(struct store *st, const char *name, struct store_account *out,
                             struct verr *err)
{
	sqlite3_stmt *q = NULL;
	int rc;

	if ((rc = prep(st, "SELECT " ACCOUNT_COLS " FROM accounts a WHERE a.name = ?1", &q, err)) !=
	    V_OK)
		return rc;
	bind_text(q, 1, name);
	rc = sqlite3_step(q);
	if (rc == SQLITE_ROW) {
		account_row(q, out);
		rc = V_OK;
	} else if (rc == SQLITE_DONE) {
		rc = verr_set(err, V_ERR_NOTFOUND, "", _("no account named '%s'"), name);
	} else {
		rc = fail(st, rc, err);
	}
	sqlite3_finalize(q);
	return rc;
}

int store_sqlite_account_remove(struct store *st, const char *name, struct verr *err)
{
	sqlite3_stmt *q = NULL;
	int rc;

	if ((rc = prep(st, "DELETE FROM accounts WHERE name = ?1", &q, err)) != V_OK)
		return rc;
	bind_text(q, 1, name);
	rc = sqlite3_step(q);
	if (rc != SQLITE_DONE)
		rc = fail(st, rc, err);
	else if (sqlite3_changes(store_sqlite_db(st)) == 0)
		rc = verr_set(err, V_ERR_NOTFOUND, "", _("no account named '%s'"), name);
	else
		rc = V_OK;
	sqlite3_finalize(q);
	return rc;
}

int store_sqlite_accounts_list(struct store *st, store_account_cb cb, void *arg, struct verr *err)
{
	sqlite3_stmt *q = NULL;
	struct store_account a;
	int rc;

	if ((rc = prep(st, "SELECT " ACCOUNT_COLS " FROM accounts a ORDER BY a.name", &q, err)) !=
	    V_OK)
		return rc;
	while ((rc = sqlite3_step(q)) == SQLITE_ROW) {
		account_row(q, &a);
		if ((rc = cb(arg, &a)) != 0)
			goto out;
	}
	rc = rc == SQLITE_DONE ? V_OK : fail(st, rc, err);
out:
	sqlite3_finalize(q);
	return rc;
}

int store_sqlite_token_add(struct store *st, const char *account, const char *hash_hex,
                           const char *label, int64_t *id, struct verr *err)
{
	struct store_account a;
	sqlite3_stmt *q = NULL;
	int rc;

	if ((rc = store_sqlite_account_get(st, account, &a, err)) != V_OK)
		return rc;
	if ((rc = prep(st,
	               "INSERT INTO api_tokens (account, hash, label, created) "
	               "VALUES (?1, ?2, ?3, ?4)",
	               &q, err)) != V_OK)
		return rc;
	sqlite3_bind_int64(q, 1, a.id);
	bind_text(q, 2, hash_hex);
	bind_text(q, 3, label);
	sqlite3_bind_int64(q, 4, (sqlite3_int64)time(NULL));
	rc = sqlite3_step(q);
	if ((rc & 0xff) == SQLITE_CONSTRAINT) {
		rc = verr_set(err, V_ERR_EXISTS, "hash", "%s", _("that token is already stored"));
	} else if (rc == SQLITE_DONE) {
		*id = sqlite3_last_insert_rowid(store_sqlite_db(st));
		rc = V_OK;
	} else {
		rc = fail(st, rc, err);
	}
	sqlite3_finalize(q);
	return rc;
}

int store_sqlite_token_find(struct store *st, const char *hash_hex, struct store_account *out,
                            int64_t *token_id, struct verr *err)
{
	/* once per HTTP request: prepared once per connection (each server thread has its own) */
	static const char sql[] = "SELECT " ACCOUNT_COLS ", k.id FROM api_tokens k "
	                          "JOIN accounts a ON a.id = k.account WHERE k.hash = ?1 AND "
	                          "k.revoked = 0";
	sqlite3_stmt *q = NULL;
	int rc;

	if ((rc = store_sqlite_keyed(st, sql, &q, err)) != V_OK)
		return rc;
	bind_text(q, 1, hash_hex);
	rc = sqlite3_step(q);
	if (rc == SQLITE_ROW) {
		account_row(q, out);
		*token_id = sqlite3_column_int64(q, 8);
		rc = V_OK;
	} else if (rc == SQLITE_DONE) {
		rc = verr_set(err, V_ERR_NOTFOUND, "", "%s", _("no such token"));
	} else {
		rc = fail(st, rc, err);
	}
	sqlite3_reset(q);
	return rc;
}

int store_sqlite_token_revoke(struct store *st, int64_t id, struct verr *err)
{
	sqlite3_stmt *q = NULL;
	int rc;

	if ((rc = prep(st, "UPDATE api_tokens SET revoked = 1 WHERE id = ?1 AND revoked = 0", &q,
	               err)) != V_OK)
		return rc;
	sqlite3_bind_int64(q, 1, id);
	rc = sqlite3_step(q);
	if (rc != SQLITE_DONE)
		rc = fail(st, rc, err);
	else if (sqlite3_changes(store_sqlite_db(st)) == 0)
		rc = verr_set(err, V_ERR_NOTFOUND, "", _("no live token %lld"), (long long)id);
	else
		rc = V_OK;
	sqlite3_finalize(q);
	return rc;
}

int store_sqlite_token_live(struct store *st, int64_t id, const char *account, struct verr *err)
{
	sqlite3_stmt *q = NULL;
	int rc;

	if ((rc = prep(st, "SELECT 1 FROM api_tokens t JOIN accounts a ON a.id = t.account "
	               "WHERE t.id = ?1 AND a.name = ?2 AND t.revoked = 0", &q, err)) != V_OK)
		return rc;
	sqlite3_bind_int64(q, 1, id);
	bind_text(q, 2, account);
	rc = sqlite3_step(q);
	if (rc == SQLITE_ROW)
		rc = V_OK;
	else if (rc == SQLITE_DONE)
		rc = verr_set(err, V_ERR_NOTFOUND, "", _("no live token %lld"), (long long)id);
	else
		rc = fail(st, rc, err);
	sqlite3_finalize(q);
	return rc;
}

/* Write one text column (value NULL: SQL NULL) of account name. */
static int account_set(struct store *st, const char *sql, const char *name, const char *value,
                       struct verr *err)
{
	sqlite3_stmt *q = NULL;
	int rc;

	if ((rc = prep(st, sql, &q, err)) != V_OK)
		return rc;
	if (value)
		sqlite3_bind_text(q, 1, value, -1, SQLITE_STATIC);
	else
		sqlite3_bind_null(q, 1);
	bind_text(q, 2, name);
	rc = sqlite3_step(q);
	if (rc != SQLITE_DONE)
		rc = fail(st, rc, err);
	else if (sqlite3_changes(store_sqlite_db(st)) == 0)
		rc = verr_set(err, V_ERR_NOTFOUND, "", _("no account named '%s'"), name);
	else
		rc = V_OK;
	sqlite3_finalize(q);
	return rc;
}

int store_sqlite_account_password_set(struct store *st, const char *name, const char *pwhash,
                                      struct verr *err)
{
	return account_set(st, "UPDATE accounts SET password = ?1 WHERE name = ?2", name, pwhash,
	                   err);
}

int store_sqlite_account_lang_set(struct store *st, const char *name, const char *lang,
                                  struct verr *err)
{
	return account_set(st, "UPDATE accounts SET lang = ?1 WHERE name = ?2", name, lang, err);
}

int store_sqlite_account_password_get(struct store *st, const char *name,
                                      struct store_account *out, char pwhash[STORE_PWHASH_MAX],
                                      struct verr *err)
{
	sqlite3_stmt *q = NULL;
	int rc;

	if ((rc = prep(st, "SELECT " ACCOUNT_COLS ", a.password FROM accounts a WHERE a.name = ?1",
	               &q, err)) != V_OK)
		return rc;
	bind_text(q, 1, name);
	rc = sqlite3_step(q);
	if (rc == SQLITE_ROW) {
		account_row(q, out);
		copy_col(q, 8, pwhash, STORE_PWHASH_MAX);
		rc = V_OK;
	} else if (rc == SQLITE_DONE) {
		rc = verr_set(err, V_ERR_NOTFOUND, "", _("no account named '%s'"), name);
	} else {
		rc = fail(st, rc, err);
	}
	sqlite3_finalize(q);
	return rc;
}

int store_sqlite_taxii_cursor_get(struct store *st, const char *source, const char *collection,
                                  char out[STORE_CURSOR_LEN], struct verr *err)
{
	sqlite3_stmt *q = NULL;
	int rc;

	out[0] = 0;
	if ((rc = prep(st,
	               "SELECT added_after FROM taxii_cursors WHERE source = ?1 AND "
	               "collection = ?2",
	               &q, err)) != V_OK)
		return rc;
	sqlite3_bind_text(q, 1, source, -1, SQLITE_STATIC);
	sqlite3_bind_text(q, 2, collection, -1, SQLITE_STATIC);
	rc = sqlite3_step(q);
	if (rc == SQLITE_ROW)
		copy_col(q, 0, out, STORE_CURSOR_LEN);
	rc = rc == SQLITE_ROW || rc == SQLITE_DONE ? V_OK : fail(st, rc, err);
	sqlite3_finalize(q);
	return rc;
}

int store_sqlite_taxii_cursor_set(struct store *st, const char *source, const char *collection,
                                  const char *added_after, struct verr *err)
{
	sqlite3_stmt *q = NULL;
	int rc;

	if ((rc = prep(st,
	               "INSERT INTO taxii_cursors (source, collection, added_after, updated) "
	               "VALUES (?1, ?2, ?3, ?4) ON CONFLICT (source, collection) DO UPDATE SET "
	               "added_after = excluded.added_after, updated = excluded.updated",
	               &q, err)) != V_OK)
		return rc;
	sqlite3_bind_text(q, 1, source, -1, SQLITE_STATIC);
	sqlite3_bind_text(q, 2, collection, -1, SQLITE_STATIC);
	sqlite3_bind_text(q, 3, added_after, -1, SQLITE_STATIC);
	sqlite3_bind_int64(q, 4, (sqlite3_int64)time(NULL));
	rc = sqlite3_step(q);
	rc = rc == SQLITE_DONE ? V_OK : fail(st, rc, err);
	sqlite3_finalize(q);
	return rc;
}
