/*
 * store_impl.h — what a storage backend provides: a table of functions (OpenBSD smtpd's
 * queue backends), one per store_*() function of store.h, with the same parameters.
 *
 * A backend embeds struct store as the first member of its own connection struct, fills
 * st->ops, st->path and st->opened_at, and returns it from its open function.  store.c
 * checks nothing twice: the backend validates and fills err itself.  Only src/store/ and the
 * store's own tests include this header.
 */
#ifndef VIGIA_STORE_STORE_IMPL_H
#define VIGIA_STORE_STORE_IMPL_H

#include "base/buf.h"
#include "store/store.h"

/* The logical schema version every backend writes (each keeps its own migration steps). */
#define STORE_SCHEMA_VERSION 19

/* For store_copy: a table as a list of columns (constants of store_copy.c, never input). */
struct store_table {
	const char *name;
	const char *const *cols;
	size_t ncols;
	unsigned blobs;      /* bit k set: column k is binary (BLOB, BYTEA) */
	const char *order;   /* the ORDER BY of a read; NULL: the order rows were inserted in */
};
/* One value of a row: data[len] (NUL-terminated for text), or SQL NULL. */
struct store_cell {
	const char *data;
	size_t len;
	int null;
};
typedef int (*store_row_cb)(void *arg, const struct store_cell *cells);

/* A link of the deferred batch (store_link_defer), as the backend writes it. */
struct store_link_row {
	int64_t a, b;
	const char *kind, *why;    /* why may be NULL */
};
/* A new indicator of the deferred batch (store_indicator_new), as the backend writes it. */
struct store_indicator_row {
	int64_t id;                /* reserved for it: above every id the store holds */
	const char *kind, *value;
	const char *why;           /* on a warning list: common, why; NULL: not common */
};

struct store_ops {
	const char *name; /* "sqlite", "postgresql" */
	int concurrent;   /* store_concurrent() */
	void (*close)(struct store *st);
	int (*schema_version)(struct store *st);
	int (*info)(struct store *st, struct store_info *out, struct verr *err);
	int (*cache_limit)(struct store *st, int64_t bytes, struct verr *err); /* NULL: none */
	int (*begin)(struct store *st, struct verr *err);
	int (*commit)(struct store *st, struct verr *err);
	void (*rollback)(struct store *st);
	int (*mark)(struct store *st, struct verr *err);
	int (*undo)(struct store *st, struct verr *err);
	/* store_commit, before its writes: the mark is let go (the commit ends the transaction
	 * either way).  NULL: nothing to gain. */
	int (*mark_release)(struct store *st, struct verr *err);

	int (*batch_start)(struct store *st, const char *feed, const char *source, int64_t *id,
			   struct verr *err);
	int (*batch_finish)(struct store *st, const struct store_batch *b, struct verr *err);
	int (*batch_set_input)(struct store *st, int64_t id, const char *sha256_hex,
			       struct verr *err);
	int (*batch_progress)(struct store *st, const struct store_batch *b, struct verr *err);
	int (*batch_find_input)(struct store *st, const char *feed, const char *sha256_hex,
				struct store_batch *out, struct verr *err);

	int (*event_put)(struct store *st, int64_t batch, const struct event *ev, uint64_t fp,
			 int64_t window_start, int64_t *id, int *dup, struct verr *err);
	int (*event_insert)(struct store *st, int64_t batch, const struct event *ev, uint64_t fp,
			    int64_t *id, struct verr *err);
	int (*events_query)(struct store *st, const struct store_event_filter *f,
			    store_event_cb cb, void *arg, struct verr *err);
	int (*events_prune)(struct store *st, int64_t cutoff, int64_t *removed, struct verr *err);
	int (*fingerprints_since)(struct store *st, int64_t since, store_fp_cb cb, void *arg,
				  struct verr *err);

	int (*incident_find_open)(struct store *st, const char *rule, const char *key,
				  int64_t window_start, int64_t *id, struct verr *err);
	int (*incident_create)(struct store *st, const struct store_incident *inc, int64_t *id,
			       struct verr *err);
	int (*incident_add_event)(struct store *st, int64_t incident, int64_t event, int64_t seen,
				  struct verr *err);
	int (*incident_get)(struct store *st, int64_t id, struct store_incident *out,
			    struct verr *err);
	int (*incident_update)(struct store *st, const struct store_incident *inc,
			       struct verr *err);
	int (*incident_attribute)(struct store *st, int64_t id, const char *country, int64_t asn,
				  const char *network, int *set, struct verr *err);
	int (*incidents_query)(struct store *st, const struct store_incident_filter *f,
			       store_incident_cb cb, void *arg, struct verr *err);
	int (*incident_counts)(struct store *st, int64_t now, int64_t counts[6],
			       int64_t *overdue, struct verr *err);
	int (*incident_groups)(struct store *st, const struct store_incident_grouping *g,
			       store_group_cb cb, void *arg, struct verr *err);

	int (*note_add)(struct store *st, int64_t incident, const char *author, const char *text,
			int64_t *id, struct verr *err);
	int (*notes_list)(struct store *st, int64_t incident, store_note_cb cb, void *arg,
			  struct verr *err);
	int (*attachment_add)(struct store *st, int64_t incident, const char *name,
			      const void *data, size_t len, char sha256_hex[65], struct verr *err);
	int (*attachments_list)(struct store *st, int64_t incident, store_attachment_cb cb,
				void *arg, struct verr *err);
	int (*attachment_get)(struct store *st, const char *sha256_hex, void **data, size_t *len,
			      struct verr *err);
	int (*link_add)(struct store *st, int64_t a, int64_t b, const char *kind, const char *why,
			struct verr *err);
	int (*links_list)(struct store *st, int64_t incident, store_link_cb cb, void *arg,
			  struct verr *err);

	int (*indicator_get)(struct store *st, const char *kind, const char *value, int64_t *id,
			     int *common, struct verr *err);
	int (*indicator_find)(struct store *st, const char *kind, const char *value, int64_t *id,
			      int *common, struct verr *err);
	int (*indicator_set_common)(struct store *st, int64_t id, const char *why,
				    struct verr *err);
	int (*indicator_add)(struct store *st, const char *kind, const char *value, int64_t *id,
			     int *created, int *common, struct verr *err);
	int (*indicators_scan)(struct store *st, int64_t after, store_indicator_scan_cb cb,
			       void *arg, struct verr *err);
	int (*indicators_max)(struct store *st, int64_t *max, struct verr *err);
	/* NULL: the backend keeps no generation (store_indicators_mark says so) */
	int (*indicators_mark)(struct store *st, struct store_ind_mark *m, struct verr *err);
	/* Inside the open transaction: gen + 1, and when changed > 0 a record that this gen
	 * changed indicator ids from changed up.  OUT: *gen */
	int (*indicators_bump)(struct store *st, int64_t changed, int64_t *gen, struct verr *err);
	/* Count a change of what policy-built TAXII collections read (share_changes), in the
	 * transaction that made it; NULL where triggers count (PostgreSQL). */
	int (*share_bump)(struct store *st, struct verr *err);
	/* The smallest id a commit after gen since changed (0: none). */
	int (*indicators_changed)(struct store *st, int64_t since, int64_t *min_id,
				  struct verr *err);
	int (*posting_add)(struct store *st, int64_t indicator, int64_t incident, int *is_new,
			   struct verr *err);
	/* The deferred batch, written by store_commit (or before a read that needs it) inside
	 * the open transaction: n postings (indicator, incident), sorted by (incident,
	 * indicator), none twice, each stored once whether or not the store holds it already; n
	 * links sorted by (a, b), no pair twice either way round, each stored unless the store
	 * holds it either way round. */
	int (*postings_write)(struct store *st, const int64_t (*pairs)[2], size_t n,
			      struct verr *err);
	int (*links_write)(struct store *st, const struct store_link_row *rows, size_t n,
			   struct verr *err);
	/* n new indicators with the ids reserved for them, in id order, none in the store (its
	 * (kind, value) nor its id): a conflict is an error.  NULL: the backend cannot reserve
	 * ids within a transaction (PostgreSQL: other writers take ids from the sequence at the
	 * same time), and store_indicator_new inserts at once. */
	int (*indicators_write)(struct store *st, const struct store_indicator_row *rows,
				size_t n, struct verr *err);
	int (*postings_orphans)(struct store *st, int64_t *n, struct verr *err);
	/* the database's own checks (NULL: none beyond what it enforces itself) */
	int (*check)(struct store *st, struct store_check *c, struct verr *err);
	int (*postings_of)(struct store *st, int64_t indicator, store_id_cb cb, void *arg,
			   struct verr *err);
	int (*indicators_list)(struct store *st, int64_t incident, store_indicator_cb cb,
			       void *arg, struct verr *err);

	int (*audit_append)(struct store *st, const char *actor, const char *object,
			    const char *action, const char *before, const char *after,
			    struct verr *err);
	int (*audit_list)(struct store *st, const char *object, store_audit_cb cb, void *arg,
			  struct verr *err);
	int (*audit_verify)(struct store *st, int64_t *checked, int64_t *bad_id,
			    struct verr *err);

	int (*org_put)(struct store *st, const struct store_org *org, struct verr *err);
	int (*org_get)(struct store *st, const char *name, struct store_org **out,
		       struct verr *err);
	int (*org_remove)(struct store *st, const char *name, struct verr *err);
	int (*orgs_list)(struct store *st, store_org_cb cb, void *arg, struct verr *err);
	int (*cert_put)(struct store *st, const struct store_cert *cert, struct verr *err);
	int (*cert_get)(struct store *st, const char *cc, struct store_cert **out,
			struct verr *err);
	int (*cert_remove)(struct store *st, const char *cc, struct verr *err);
	int (*certs_list)(struct store *st, store_cert_cb cb, void *arg, struct verr *err);
	int (*constituency_clear)(struct store *st, struct verr *err);

	int (*partner_put)(struct store *st, const struct store_partner *p, struct verr *err);
	int (*partner_get)(struct store *st, const char *name, struct store_partner **out,
			   struct verr *err);
	int (*partner_remove)(struct store *st, const char *name, struct verr *err);
	int (*partners_list)(struct store *st, store_partner_cb cb, void *arg, struct verr *err);
	int (*bundle_accept)(struct store *st, const char *bundle_id, const char *partner,
			     int64_t when, int64_t *accepted_at, struct verr *err);
	int (*mark_put)(struct store *st, const char *msg, const char *owner, struct verr *err);
	int (*mark_take)(struct store *st, const char *msg, int *found, struct verr *err);
	int (*mark_clear)(struct store *st, const char *owner, struct verr *err);
	int (*notices_add)(struct store *st, const struct store_notice *n, size_t count,
			   size_t *added, struct verr *err);
	int (*notices_query)(struct store *st, const struct store_notice_filter *f,
			     store_notice_cb cb, void *arg, struct verr *err);
	int (*notices_claim)(struct store *st, const int64_t *ids, size_t n,
			     const char *message_id, struct verr *err);
	int (*notices_done)(struct store *st, const char *message_id, int state, int64_t next_try,
			    const char *reply, struct verr *err);
	int (*ledger_query)(struct store *st, const char *recipient, int64_t incident,
			    store_ledger_cb cb, void *arg, struct verr *err);
	int (*ledger_count)(struct store *st, const char *recipient, int64_t since,
			    int64_t *messages, struct verr *err);
	int (*stats)(struct store *st, enum store_stat kind, int64_t since, int64_t until,
		     int64_t limit, store_stat_cb cb, void *arg, struct verr *err);
	int (*incidents_notable)(struct store *st, int64_t since, int64_t until, int64_t limit,
				 store_id_cb cb, void *arg, struct verr *err);

	int (*account_add)(struct store *st, const char *name, const char *role,
			   const char *partner, struct verr *err);
	int (*account_get)(struct store *st, const char *name, struct store_account *out,
			   struct verr *err);
	int (*account_remove)(struct store *st, const char *name, struct verr *err);
	int (*accounts_list)(struct store *st, store_account_cb cb, void *arg, struct verr *err);
	int (*token_add)(struct store *st, const char *account, const char *hash_hex,
			 const char *label, int64_t *id, struct verr *err);
	int (*token_find)(struct store *st, const char *hash_hex, struct store_account *out,
			  int64_t *token_id, struct verr *err);
	int (*token_revoke)(struct store *st, int64_t id, struct verr *err);
	int (*token_live)(struct store *st, int64_t id, const char *account, struct verr *err);
	int (*account_password_set)(struct store *st, const char *name, const char *pwhash,
				    struct verr *err);
	int (*account_password_get)(struct store *st, const char *name,
				    struct store_account *out, char pwhash[STORE_PWHASH_MAX],
				    struct verr *err);
	int (*account_lang_set)(struct store *st, const char *name, const char *lang,
				struct verr *err);
	int (*taxii_cursor_get)(struct store *st, const char *source, const char *collection,
				char out[STORE_CURSOR_LEN], struct verr *err);
	int (*taxii_cursor_set)(struct store *st, const char *source, const char *collection,
				const char *added_after, struct verr *err);
	int (*taxii_object_put)(struct store *st, const struct store_taxii_object *o, int *added,
				struct verr *err);
	int (*taxii_objects_query)(struct store *st, const struct store_taxii_filter *f,
				   store_taxii_object_cb cb, void *arg, struct verr *err);
	int (*taxii_object_delete)(struct store *st, const char *collection, const char *id,
				   unsigned version_mode, const char *versions, int64_t *removed,
				   struct verr *err);
	int (*taxii_status_put)(struct store *st, const struct store_taxii_status *s,
				struct verr *err);
	int (*taxii_view_current)(struct store *st, const char *collection,
				  const char *signature, int *current, struct verr *err);
	int (*taxii_view_begin)(struct store *st, const char *collection, struct verr *err);
	int (*taxii_view_done)(struct store *st, const char *collection, const char *signature,
			       struct verr *err);
	int (*taxii_status_get)(struct store *st, const char *id, struct store_taxii_status *out,
				struct verr *err);
	/* store_copy: every row of a table, in its order (a non-zero cb return stops and is
	 * returned); write one row as it is (ids included); after the last row, whatever the
	 * backend needs (PostgreSQL: identity sequences past the copied ids). */
	int (*rows_read)(struct store *st, const struct store_table *t, store_row_cb cb,
			 void *arg, struct verr *err);
	int (*row_write)(struct store *st, const struct store_table *t,
			 const struct store_cell *cells, struct verr *err);
	int (*copy_done)(struct store *st, const struct store_table *tables, size_t n,
			 struct verr *err);
};

struct store {
	const struct store_ops *ops;
	char *path;    /* owned by the backend; freed by its close */
	int opened_at; /* schema version before this open (0: new database) */
	/* what the open transaction did to indicators and postings (store.c, for the
	 * generation of store_indicators_mark) */
	int in_tx;            /* between store_begin and its commit or rollback */
	int ind_touched;      /* wrote indicators or postings */
	int share_touched;    /* wrote incidents: share_bump at the commit */
	int64_t ind_changed;  /* the smallest id that existed before it whose postings or
			       * common mark it changed; 0: none */
	int ind_base_known;
	int64_t ind_base;     /* the largest indicator id when the transaction first wrote one */
	int64_t ind_committed; /* the generation this handle's last commit gave; 0: none */
	/* the deferred batch of the open transaction (store.c: store_indicator_new,
	 * store_posting_defer, store_link_defer): entries [0, *_w) are written into the
	 * transaction already (by a read that needed them), [*_w, *_n) wait for the commit; the
	 * mark_* say where they stood at store_mark, which store_undo goes back to */
	struct store_dind *dind; /* new indicators, their ids ascending */
	size_t dind_n, dind_w, dind_cap;
	int ind_gen_read;     /* ind_gen holds the generation the transaction started at */
	int64_t ind_gen;
	uint64_t ind_at_once; /* store_indicators_at_once() */
	int64_t (*dpost)[2];
	size_t dpost_n, dpost_w, dpost_cap;
	struct store_dlink *dlink;
	size_t dlink_n, dlink_w, dlink_cap;
	int64_t (*pset)[2];   /* every posting of dpost, hashed (store_posting_add looks) */
	size_t pset_n, pset_cap;
	struct buf dtext;     /* the links' kinds and whys, the indicators' kinds, values and
			       * whys: NUL-terminated, by offset */
	size_t mark_ind, mark_ind_w, mark_post, mark_post_w, mark_link, mark_link_w, mark_text;
	struct store_batch_stats bstats;
};

/* ---- the SQLite backend (store_sqlite.c) ------------------------------------------------- */

/* Open or create an SQLite store and migrate it to STORE_SCHEMA_VERSION.  OUT: *out. */
int store_sqlite_open(const char *path, struct store **out, struct verr *err);
/*
 * For the migration tests: create or bring the database at path to schema version `version`
 * only (1 .. STORE_SCHEMA_VERSION), applying the steps it lacks, without opening a store.
 * V_ERR_INVALID when the database is already past that version.
 */
int store_sqlite_migrate_to(const char *path, int version, struct verr *err);

/* ---- the PostgreSQL backend (store_pg.c) ------------------------------------------------ */

/* Open the PostgreSQL store at url (postgres://USER:PASSWORD@HOST:PORT/DB?options, libpq's
 * form) and migrate it to STORE_SCHEMA_VERSION.  OUT: *out.  st->path names the server
 * without the password. */
int store_pg_open(const char *url, struct store **out, struct verr *err);

/* ---- notifications of the SQLite backend (store_sqlite_notify.c) ------------------------------ */

int store_sqlite_notices_add(struct store *st, const struct store_notice *n, size_t count,
			     size_t *added, struct verr *err);
int store_sqlite_notices_query(struct store *st, const struct store_notice_filter *f,
			       store_notice_cb cb, void *arg, struct verr *err);
int store_sqlite_notices_claim(struct store *st, const int64_t *ids, size_t n,
			       const char *message_id, struct verr *err);
int store_sqlite_notices_done(struct store *st, const char *message_id, int state,
			      int64_t next_try, const char *reply, struct verr *err);
int store_sqlite_ledger_query(struct store *st, const char *recipient, int64_t incident,
			      store_ledger_cb cb, void *arg, struct verr *err);
int store_sqlite_ledger_count(struct store *st, const char *recipient, int64_t since,
			      int64_t *messages, struct verr *err);
/* statistics for reports (store_sqlite_report.c) */
int store_sqlite_stats(struct store *st, enum store_stat kind, int64_t since, int64_t until,
		       int64_t limit, store_stat_cb cb, void *arg, struct verr *err);
int store_sqlite_incidents_notable(struct store *st, int64_t since, int64_t until,
				   int64_t limit, store_id_cb cb, void *arg, struct verr *err);

/* ---- accounts of the SQLite backend (store_sqlite_account.c) --------------------------------- */

int store_sqlite_account_add(struct store *st, const char *name, const char *role,
			     const char *partner, struct verr *err);
int store_sqlite_account_get(struct store *st, const char *name, struct store_account *out,
			     struct verr *err);
int store_sqlite_account_remove(struct store *st, const char *name, struct verr *err);
int store_sqlite_accounts_list(struct store *st, store_account_cb cb, void *arg,
			       struct verr *err);
int store_sqlite_token_add(struct store *st, const char *account, const char *hash_hex,
			   const char *label, int64_t *id, struct verr *err);
int store_sqlite_token_find(struct store *st, const char *hash_hex, struct store_account *out,
			    int64_t *token_id, struct verr *err);
int store_sqlite_token_revoke(struct store *st, int64_t id, struct verr *err);
int store_sqlite_token_live(struct store *st, int64_t id, const char *account, struct verr *err);
int store_sqlite_account_password_set(struct store *st, const char *name, const char *pwhash,
				  struct verr *err);
int store_sqlite_account_password_get(struct store *st, const char *name,
				  struct store_account *out, char pwhash[STORE_PWHASH_MAX],
				  struct verr *err);
int store_sqlite_account_lang_set(struct store *st, const char *name, const char *lang,
			      struct verr *err);
int store_sqlite_taxii_cursor_get(struct store *st, const char *source, const char *collection,
				  char out[STORE_CURSOR_LEN], struct verr *err);
int store_sqlite_taxii_cursor_set(struct store *st, const char *source, const char *collection,
				  const char *added_after, struct verr *err);
/* TAXII objects and status resources (store_sqlite_taxii.c) */
int store_sqlite_taxii_object_put(struct store *st, const struct store_taxii_object *o,
				  int *added, struct verr *err);
int store_sqlite_taxii_objects_query(struct store *st, const struct store_taxii_filter *f,
				     store_taxii_object_cb cb, void *arg, struct verr *err);
int store_sqlite_taxii_object_delete(struct store *st, const char *collection, const char *id,
				     unsigned version_mode, const char *versions, int64_t *removed,
				     struct verr *err);
int store_sqlite_taxii_view_current(struct store *st, const char *collection,
				    const char *signature, int *current, struct verr *err);
int store_sqlite_taxii_view_begin(struct store *st, const char *collection, struct verr *err);
int store_sqlite_taxii_view_done(struct store *st, const char *collection, const char *signature,
				 struct verr *err);
int store_sqlite_taxii_status_put(struct store *st, const struct store_taxii_status *s,
				  struct verr *err);
int store_sqlite_taxii_status_get(struct store *st, const char *id,
				  struct store_taxii_status *out, struct verr *err);

/* ---- the audit chain, shared by backends (store.c) ----------------------------------------- */

#define STORE_AUDIT_GENESIS "0000000000000000000000000000000000000000000000000000000000000000"

/*
 * hex SHA-256 of prev_hash followed by the canonical form of the entry, every field written
 * as "<length>:<bytes>" (a NULL field as "-"), in the order prev_hash, id, time (decimal),
 * actor, object, action, before, after.  OUT: hex[65], NUL-terminated.  V_OK or V_ERR_NOMEM.
 */
int store_audit_hash(const char *prev_hash, int64_t id, int64_t time, const char *actor,
		     const char *object, const char *action, const char *before,
		     const char *after, char hex[65]);

/* ---- the constituency, shared by backends (store.c) ----------------------------------------- */

/* A deep copy of org (or cert) in one heap block, for *_get: store_org_free (store_cert_free)
 * releases it.  NULL when out of memory. */
struct store_org *store_org_copy(const struct store_org *org);
struct store_cert *store_cert_copy(const struct store_cert *cert);
/* The same for a partner (store_partner_free releases it). */
struct store_partner *store_partner_copy(const struct store_partner *p);

/*
 * Statements built on first use for a numeric key (the incident listing's filter mask and
 * order): an open-addressing table that grows, since a deployment only ever asks for a few of
 * the thousands of possible combinations.  It owns its table, not the statements: the backend
 * finalizes those (store_stmt_map_each) before store_stmt_map_fini.
 */
struct store_stmt_map {
	unsigned *keys; /* key + 1; 0 = empty slot */
	void **stmts;
	size_t cap, n;
};
/* The statement of key, or NULL. */
void *store_stmt_map_get(const struct store_stmt_map *m, unsigned key);
/* Keep stmt for key (not there yet).  V_OK or V_ERR_NOMEM (stmt not kept). */
int store_stmt_map_put(struct store_stmt_map *m, unsigned key, void *stmt);
/* The statement at slot i (i < m->cap), or NULL: for finalizing them all. */
void *store_stmt_map_slot(const struct store_stmt_map *m, size_t i);
void store_stmt_map_fini(struct store_stmt_map *m);

/* The optional filters of the two listings (events, incidents): one bit each of the mask that
 * names a listing's statement, the same in every backend. */
enum { EF_IP, EF_NET, EF_CLASS, EF_FEED, EF_FQDN, EF_URL, EF_URL_END, EF_SINCE, EF_UNTIL,
       EF_BATCH, EF_INCIDENT, EF__COUNT };
enum { IF_OPEN, IF_STATE, IF_OWNER, IF_CLASS, IF_ORG, IF_PRIO, IF_DUE, IF_TLP, IF_TEXT, IF_CC,
       IF_ASN, IF_NET, IF__COUNT };
/* The column the incident listing sorts by (enum store_incident_sort; borrowed, static). */
const char *store_sort_column(enum store_incident_sort sort);
/* The key of the incident listing's statement for a filter mask (IF_* bits) and f's order:
 * each order its own statement (struct store_stmt_map). */
unsigned store_incq_key(unsigned mask, const struct store_incident_filter *f);

#endif
