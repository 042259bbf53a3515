/*
 * store_pg.h — what the PostgreSQL backend's files share: a thin statement layer over libpq
 * (store_pg_conn.c) shaped like the few SQLite calls the SQLite backend makes, so that both
 * backends keep the same structure function by function, and the wording of errors.
 *
 * A statement is prepared on the server once per connection (PQprepare) under a generated
 * name; values only ever travel as parameters (text, or binary for bytea), never inside the
 * SQL.  The SQL may spell parameters SQLite's way (?1, :name): they become $1, $2 ... when it
 * is prepared.  Results are read whole (PQexecPrepared) and walked row by row with step.
 * Private to src/store/ and the store's tests; callers use store.h.
 */
#ifndef VIGIA_STORE_STORE_PG_H
#define VIGIA_STORE_STORE_PG_H

#include <stddef.h>
#include <stdint.h>

#include <libpq-fe.h>

#include "base/err.h"
#include "store/store.h"

/* step's answers (and any other value: an error, kept in the connection) */
#define STORE_PQ_OK 0
#define STORE_PQ_ERROR 1
#define STORE_PQ_ROW 100
#define STORE_PQ_DONE 101

struct store_pq_stmt;

struct store_pq {
	PGconn *conn;
	const char *where;       /* the server as errors name it (no password); borrowed */
	int64_t changes;         /* rows the last statement inserted, changed or deleted */
	int64_t last_id;         /* first column of the last INSERT ... RETURNING */
	char sqlstate[6];        /* of the last error ("" when none) */
	char *errmsg;            /* of the last error, owned */
	unsigned next_name;      /* statement names: s1, s2, ... */
	struct store_pq_stmt *all; /* every statement of the connection, for reset_all */
};

/* Connect to conninfo (a postgres:// URL).  OUT: pq->conn.  where: the server's name for
 * messages, borrowed for the life of pq.  V_OK, or V_ERR_IO naming where. */
int store_pq_connect(struct store_pq *pq, const char *conninfo, const char *where,
		     struct verr *err);
/* Free every statement and close the connection. */
void store_pq_close(struct store_pq *pq);
/* Run SQL without parameters (schema steps, BEGIN, locks).  STORE_PQ_OK or STORE_PQ_ERROR. */
int store_pq_exec(struct store_pq *pq, const char *sql);
/* 1 when no transaction is open on the connection. */
int store_pq_autocommit(struct store_pq *pq);
/* The last error as a vres code and a reason naming the server. */
int store_pq_fail(struct store_pq *pq, struct verr *err);

/* Prepare sql on the server.  OUT: *out, owned by pq (freed by store_pq_close). */
int store_pq_prepare(struct store_pq *pq, const char *sql, struct store_pq_stmt **out);
/* The same, once per connection: a later call with the same sql pointer (a string constant)
 * returns the statement prepared the first time. */
int store_pq_prepare_once(struct store_pq *pq, const char *sql, struct store_pq_stmt **out);
/* The same with any pointer as the key (a table of store_copy). */
int store_pq_prepare_keyed(struct store_pq *pq, const void *key, const char *sql,
			   struct store_pq_stmt **out);
/* Forget st's result and parameters (it stays prepared).  st may be NULL. */
void store_pq_reset(struct store_pq_stmt *st);
void store_pq_reset_all(struct store_pq *pq);
/* Parameters, numbered from 1; the value is copied. */
void store_pq_bind_int64(struct store_pq_stmt *st, int i, int64_t v);
void store_pq_bind_text(struct store_pq_stmt *st, int i, const char *v, int n);
void store_pq_bind_blob(struct store_pq_stmt *st, int i, const void *v, int n);
void store_pq_bind_null(struct store_pq_stmt *st, int i);
/* The number of parameter :name (as written in the SQL, colon included), or 0. */
int store_pq_param_index(struct store_pq_stmt *st, const char *name);
/* Run st on its first call, then walk its rows: STORE_PQ_ROW, STORE_PQ_DONE or
 * STORE_PQ_ERROR. */
int store_pq_step(struct store_pq_stmt *st);
/*
 * Run a (its rows, if any, are dropped) and then b in one round trip (libpq's pipeline mode):
 * the server runs b after a has finished, waits included, so b's snapshot sees what a waited
 * for.  b's rows are then walked with store_pq_step(b).  STORE_PQ_OK, or STORE_PQ_ERROR with
 * the first failure's error (b is not run when a fails).  a and b are reset first by neither.
 */
int store_pq_run_pair(struct store_pq_stmt *a, struct store_pq_stmt *b);
/* Columns of the current row (from 0).  Text: NULL for SQL NULL, valid until the reset. */
int64_t store_pq_column_int64(struct store_pq_stmt *st, int i);
const char *store_pq_column_text(struct store_pq_stmt *st, int i);
/* A bytea column, decoded; valid until the next call or the reset.  n: its length. */
const void *store_pq_column_blob(struct store_pq_stmt *st, int i, size_t *n);

/* ---- the schema (store_pg_migrate.c) ---- */

/* The schema version of the database: 0 for an empty one; V_ERR_INVALID for a database with
 * tables but no schema version (not a vigia store). */
int store_pg_migrate_version(struct store_pq *pq, int *version, struct verr *err);
/* Bring the database to schema version target in one transaction (all or nothing), under an
 * advisory lock.  OUT: *from = the version found.  Refuses a newer database. */
int store_pg_migrate_apply(struct store_pq *pq, int target, int *from, struct verr *err);

/* ---- notifications of the PostgreSQL backend (store_pg_notify.c), as store_impl.h's ---- */
int store_pg_notices_add(struct store *st, const struct store_notice *n, size_t count,
			 size_t *added, struct verr *err);
int store_pg_notices_query(struct store *st, const struct store_notice_filter *f,
			   store_notice_cb cb, void *arg, struct verr *err);
int store_pg_notices_claim(struct store *st, const int64_t *ids, size_t n,
			   const char *message_id, struct verr *err);
int store_pg_notices_done(struct store *st, const char *message_id, int state,
			  int64_t next_try, const char *reply, struct verr *err);
int store_pg_ledger_query(struct store *st, const char *recipient, int64_t incident,
			  store_ledger_cb cb, void *arg, struct verr *err);
int store_pg_ledger_count(struct store *st, const char *recipient, int64_t since,
			  int64_t *messages, struct verr *err);
/* statistics for reports (store_pg_report.c) */
int store_pg_stats(struct store *st, enum store_stat kind, int64_t since, int64_t until,
		   int64_t limit, store_stat_cb cb, void *arg, struct verr *err);
int store_pg_incidents_notable(struct store *st, int64_t since, int64_t until, int64_t limit,
			       store_id_cb cb, void *arg, struct verr *err);

/* The connection of a PostgreSQL store, for its notification functions (store_pg_notify.c).
 * Borrowed; NULL when st is not a PostgreSQL store. */
struct store_pq *store_pg_conn(struct store *st);

/* accounts, token hashes and TAXII cursors (store_pg_account.c; store.h "accounts") */
int store_pg_account_add(struct store *st, const char *name, const char *role,
			 const char *partner, struct verr *err);
int store_pg_account_get(struct store *st, const char *name, struct store_account *out,
			 struct verr *err);
int store_pg_account_remove(struct store *st, const char *name, struct verr *err);
int store_pg_accounts_list(struct store *st, store_account_cb cb, void *arg, struct verr *err);
int store_pg_token_add(struct store *st, const char *account, const char *hash_hex,
		       const char *label, int64_t *id, struct verr *err);
int store_pg_token_find(struct store *st, const char *hash_hex, struct store_account *out,
			int64_t *token_id, struct verr *err);
int store_pg_token_revoke(struct store *st, int64_t id, struct verr *err);
int store_pg_token_live(struct store *st, int64_t id, const char *account, struct verr *err);
int store_pg_account_password_set(struct store *st, const char *name, const char *pwhash,
				  struct verr *err);
int store_pg_account_password_get(struct store *st, const char *name,
				  struct store_account *out, char pwhash[STORE_PWHASH_MAX],
				  struct verr *err);
int store_pg_account_lang_set(struct store *st, const char *name, const char *lang,
			      struct verr *err);
int store_pg_taxii_cursor_get(struct store *st, const char *source, const char *collection,
			      char out[STORE_CURSOR_LEN], struct verr *err);
/* transport marks (store_pg_account.c; store.h "transport marks") */
int store_pg_mark_put(struct store *st, const char *msg, const char *owner, struct verr *err);
int store_pg_mark_take(struct store *st, const char *msg, int *found, struct verr *err);
int store_pg_mark_clear(struct store *st, const char *owner, struct verr *err);
int store_pg_taxii_cursor_set(struct store *st, const char *source, const char *collection,
			      const char *added_after, struct verr *err);
/* TAXII objects and status resources (store_pg_taxii.c) */
int store_pg_taxii_object_put(struct store *st, const struct store_taxii_object *o, int *added,
			      struct verr *err);
int store_pg_taxii_objects_query(struct store *st, const struct store_taxii_filter *f,
				 store_taxii_object_cb cb, void *arg, struct verr *err);
int store_pg_taxii_object_delete(struct store *st, const char *collection, const char *id,
				 unsigned version_mode, const char *versions, int64_t *removed,
				 struct verr *err);
int store_pg_taxii_view_current(struct store *st, const char *collection, const char *signature,
				int *current, struct verr *err);
int store_pg_taxii_view_begin(struct store *st, const char *collection, struct verr *err);
int store_pg_taxii_view_done(struct store *st, const char *collection, const char *signature,
			     struct verr *err);
int store_pg_taxii_status_put(struct store *st, const struct store_taxii_status *s,
			      struct verr *err);
int store_pg_taxii_status_get(struct store *st, const char *id, struct store_taxii_status *out,
			      struct verr *err);

#endif
