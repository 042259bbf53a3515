/*
 * store_sqlite.c — the SQLite backend of the store: one database file, opened in WAL mode,
 * foreign keys on, a busy timeout (store.busy_timeout).  Transactions between
 * store_batch_start and store_batch_finish commit with synchronous=NORMAL (a crash of vigia
 * loses nothing committed; a power cut may lose the last commits, never consistency), all
 * others with FULL.
 *
 * Every statement is a constant prepared once per connection, the first time it is needed,
 * and kept until store_close; values only ever travel as bound parameters.  The two listings
 * with optional filters (events, incidents) prepare one statement per combination of filters
 * used, cached the same way.
 *
 * The schema is versioned by forward-only migration steps (migrate.c); opening a
 * database applies the steps it lacks in one transaction and refuses one written by a newer
 * vigia.  Errors name the database: a locked one (busy timeout exceeded), a full disk, a
 * damaged file or one that is not a vigia store.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#include <sodium.h>
#include <sqlite3.h>

#include "base/buf.h"
#include "base/conf.h"
#include "base/i18n.h"
#include "base/timeparse.h"
#include "store/store_impl.h"
#include "store/store_sqlite.h"

#define DEFAULT_PAGE 100
#define DEFAULT_BUSY_MS 5000

/* ---- the constant statements ------------------------------------------------------------ */

enum sq_stmt {
	S_BEGIN, S_COMMIT, S_ROLLBACK, S_MARK, S_MARK_RELEASE, S_MARK_UNDO, S_SYNC_NORMAL, S_SYNC_FULL,
	S_BATCH_START, S_BATCH_FINISH, S_BATCH_INPUT, S_BATCH_PROGRESS, S_BATCH_FIND,
	S_EV_FIND, S_EV_REPEAT, S_EV_INSERT, S_FP_SINCE, S_PRUNE,
	S_INC_FIND, S_INC_CREATE, S_IE_INSERT, S_INC_SEEN, S_INC_GET, S_INC_UPDATE, S_INC_ATTR,
	S_NOTE_ADD, S_NOTES, S_CONTENT_ADD, S_ATT_ADD, S_ATT_LIST, S_CONTENT_GET,
	S_LINK_ADD, S_LINK_HAS, S_LINKS, S_LINK_BATCH, S_LINK_OTHER,
	S_IND_FIND, S_IND_ADD, S_IND_COMMON, S_POST_ADD, S_POST_PARENTS, S_POST_MAXIDS, S_POST_BATCH, S_POSTINGS, S_POST_ORPHANS,
	S_IND_OF_INC,
	S_IND_COMMONS, S_IND_BATCH,
	S_IND_NEW, S_IND_SCAN, S_POST_FIRST, S_IND_MAX,
	S_IND_MARK, S_IND_BUMP, S_SHARE_BUMP, S_IND_CHANGE, S_IND_CHANGED,
	S_AUDIT_HEAD, S_AUDIT_ADD, S_AUDIT_HEAD_SET, S_AUDIT_ALL, S_AUDIT_OBJ,
	S_COUNT_EVENTS, S_COUNT_INCIDENTS, S_COUNT_INDICATORS, S_COUNT_BATCHES, S_COUNT_AUDIT,
	S_PAGE_BYTES,
	/* the constituency */
	S_ORG_FIND, S_ORG_INSERT, S_ORG_UPDATE, S_ORG_GET, S_ORGS, S_ORG_DELETE, S_ORGS_CLEAR,
	S_ORG_CLEAR_NETS, S_ORG_CLEAR_ASNS, S_ORG_CLEAR_DOMS, S_ORG_CLEAR_CONTACTS,
	S_ORG_NETS, S_ORG_ASNS, S_ORG_DOMS, S_ORG_CONTACTS,
	S_NET_OWNER, S_NET_ADD, S_ASN_OWNER, S_ASN_ADD, S_DOM_OWNER, S_DOM_ADD, S_CONTACT_ADD,
	S_CERT_PUT, S_CERT_CLEAR_CONTACTS, S_CERT_GET, S_CERTS, S_CERT_CONTACTS, S_CERT_DELETE,
	S_CERTS_CLEAR,
	/* sharing partners, accepted bundles */
	S_PARTNER_PUT, S_PARTNER_GET, S_PARTNERS, S_PARTNER_DELETE, S_BUNDLE_SEEN, S_BUNDLE_ADD,
	/* transport marks */
	S_MARK_PUT, S_MARK_TAKE, S_MARK_CLEAR,
	S__COUNT
};

#define INC_COLS                                                                                  \
	"id, rule, key, state, resolution, owner, priority, impact, tlp, pap, "                   \
	"classification_type, taxonomy, organisation, title, first_seen, last_seen, event_count, "\
	"created, updated, deadline, merged_into, country, asn, network"

_Static_assert(IS_RESOLVED == 4 && IS_CLOSED == 5, "the SQL below spells these states as 4, 5");

static const char *const sql_text[S__COUNT] = {
	[S_BEGIN] = "BEGIN IMMEDIATE",
	[S_COMMIT] = "COMMIT",
	[S_ROLLBACK] = "ROLLBACK",
	[S_MARK] = "SAVEPOINT vigia_mark",
	[S_MARK_RELEASE] = "RELEASE vigia_mark",
	[S_MARK_UNDO] = "ROLLBACK TO vigia_mark",
	[S_SYNC_NORMAL] = "PRAGMA synchronous = NORMAL",
	[S_SYNC_FULL] = "PRAGMA synchronous = FULL",
	[S_BATCH_START] = "INSERT INTO batches (feed, source, started) VALUES (?1, ?2, ?3)",
	[S_BATCH_FINISH] = "UPDATE batches SET finished = ?2, records = ?3, events = ?4, "
			   "duplicates = ?5, rejected = ?6 WHERE id = ?1",
	[S_BATCH_INPUT] = "UPDATE batches SET input = ?2 WHERE id = ?1",
	[S_BATCH_PROGRESS] = "UPDATE batches SET records = ?2, events = ?3, duplicates = ?4, "
			     "rejected = ?5 WHERE id = ?1",
	[S_BATCH_FIND] = "SELECT id, started, finished, records, events, duplicates, rejected "
			 "FROM batches WHERE input = ?2 AND feed IS ?1 ORDER BY id DESC LIMIT 1",
	[S_EV_FIND] = "SELECT id FROM events WHERE fingerprint = ?1 AND last_seen >= ?2 "
		      "ORDER BY last_seen DESC LIMIT 1",
	[S_EV_REPEAT] = "UPDATE events SET repeats = repeats + 1, "
			"last_seen = MAX(last_seen, ?2) WHERE id = ?1",
	[S_EV_INSERT] = "INSERT INTO events (batch, fingerprint, first_seen, last_seen, time, "
			"source_ip, destination_ip, classification_type, taxonomy, feed, "
			"source_fqdn_rev, destination_fqdn_rev, source_url, json) "
			"VALUES (?1, ?2, ?3, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13)",
	[S_FP_SINCE] = "SELECT fingerprint, last_seen FROM events "
		       "WHERE last_seen >= ?1 AND fingerprint IS NOT NULL",
	[S_PRUNE] = "DELETE FROM events WHERE last_seen < ?1 AND id NOT IN "
		    "(SELECT ie.event FROM incident_events ie "
		    "JOIN incidents i ON i.id = ie.incident WHERE i.state < 5)",
	[S_INC_FIND] = "SELECT id FROM incidents WHERE rule = ?1 AND key = ?2 AND state < 4 "
		       "AND merged_into = 0 AND last_seen >= ?3 ORDER BY last_seen DESC LIMIT 1",
	/* OR FAIL: the row's NOT NULL checks come before any write, and the triggers (the counts
	 * of step 12, the share changes of step 15) cannot fail, so there is nothing for a
	 * statement journal to undo; with the default ABORT, SQLite journals every page the
	 * insert and its triggers touch, in case (creating an incident took 63,800 instructions,
	 * 45% of them that journal: docs/benchmarks.md) */
	[S_INC_CREATE] = "INSERT OR FAIL INTO incidents (rule, key, state, resolution, owner, "
			 "priority, impact, tlp, pap, classification_type, taxonomy, organisation, "
			 "title, first_seen, last_seen, event_count, created, updated, deadline, "
			 "merged_into, country, asn, network) VALUES (?1, ?2, ?3, ?4, ?5, ?6, "
			 "?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16, ?17, ?17, ?18, ?19, ?20, "
			 "NULLIF(?21, 0), ?22)",
	[S_IE_INSERT] = "INSERT OR IGNORE INTO incident_events (incident, event, seen) "
			"VALUES (?1, ?2, ?3)",
	[S_INC_SEEN] = "UPDATE incidents SET event_count = event_count + ?2, "
		       "first_seen = CASE WHEN first_seen = 0 OR ?3 < first_seen THEN ?3 "
		       "ELSE first_seen END, last_seen = MAX(last_seen, ?4) WHERE id = ?1",
	[S_INC_GET] = "SELECT " INC_COLS " FROM incidents WHERE id = ?1",
	[S_INC_UPDATE] = "UPDATE incidents SET state = ?2, resolution = ?3, owner = ?4, "
			 "priority = ?5, impact = ?6, tlp = ?7, pap = ?8, organisation = ?9, "
			 "title = ?10, deadline = ?11, merged_into = ?12, updated = ?13 "
			 "WHERE id = ?1",
	[S_INC_ATTR] = "UPDATE incidents SET country = ?2, asn = NULLIF(?3, 0), network = ?4 "
		       "WHERE id = ?1 AND country IS NULL AND asn IS NULL AND network IS NULL",
	[S_NOTE_ADD] = "INSERT INTO notes (incident, author, time, text) VALUES (?1, ?2, ?3, ?4)",
	[S_NOTES] = "SELECT id, author, time, text FROM notes WHERE incident = ?1 ORDER BY id",
	[S_CONTENT_ADD] = "INSERT OR IGNORE INTO contents (sha256, size, data) VALUES (?1, ?2, ?3)",
	[S_ATT_ADD] = "INSERT OR IGNORE INTO attachments (incident, name, sha256, time) "
		      "VALUES (?1, ?2, ?3, ?4)",
	[S_ATT_LIST] = "SELECT a.name, a.sha256, c.size, a.time FROM attachments a "
		       "JOIN contents c ON c.sha256 = a.sha256 WHERE a.incident = ?1 ORDER BY a.id",
	[S_CONTENT_GET] = "SELECT data FROM contents WHERE sha256 = ?1",
	/* a link is stored once: S_LINK_HAS looks for it the other way round first (one
	 * INSERT ... SELECT ... WHERE NOT EXISTS on the same table went through a temporary
	 * table: 44,000 instructions a link) */
	[S_LINK_ADD] = "INSERT OR IGNORE INTO links (a, b, kind, why, time) "
		       "VALUES (?1, ?2, ?3, ?4, ?5)",
	[S_LINK_HAS] = "SELECT 1 FROM links WHERE a = ?1 AND b = ?2 AND kind = ?3",
	[S_LINKS] = "SELECT b, kind, why, time FROM links WHERE a = ?1 UNION ALL "
		    "SELECT a, kind, why, time FROM links WHERE b = ?1 ORDER BY 4, 1",
	[S_IND_FIND] = "SELECT id, common FROM indicators WHERE kind = ?1 AND value = ?2",
	[S_IND_ADD] = "INSERT INTO indicators (kind, value) VALUES (?1, ?2)",
	[S_IND_COMMON] = "UPDATE indicators SET common = 1, why = ?2 WHERE id = ?1",
	/* postings have no foreign keys (migrate.c, step 19): a single posting's parents are
	 * checked here; the deferred batch's ids against the largest ids (sq_postings_write) */
	[S_POST_ADD] = "INSERT OR IGNORE INTO postings (indicator, incident) SELECT ?1, ?2 "
		       "WHERE EXISTS (SELECT 1 FROM indicators WHERE id = ?1) "
		       "AND EXISTS (SELECT 1 FROM incidents WHERE id = ?2)",
	[S_POST_PARENTS] = "SELECT EXISTS (SELECT 1 FROM indicators WHERE id = ?1) "
			   "AND EXISTS (SELECT 1 FROM incidents WHERE id = ?2)",
	[S_POST_MAXIDS] = "SELECT (SELECT max(id) FROM indicators), (SELECT max(id) FROM incidents)",
	/* the deferred batch (store.c): every row of an array in one statement, through the
	 * table-valued function vigia_rows (below); a link stored the other way round is left
	 * out, found by a statement of its own first (S_LINK_OTHER: an INSERT that read the
	 * table it writes would copy its rows into a temporary table first) */
	[S_POST_BATCH] = "INSERT OR IGNORE INTO postings (indicator, incident) "
			 "SELECT a, b FROM vigia_rows(?1)",
	/* new values with the ids reserved for them (a conflict is an error: they are new) */
	[S_IND_BATCH] = "INSERT INTO indicators (id, kind, value, common, why) "
			"SELECT a, kind, value, why IS NOT NULL, why FROM vigia_rows(?1)",
	[S_LINK_BATCH] = "INSERT OR IGNORE INTO links (a, b, kind, why, time) "
			 "SELECT a, b, kind, why, ?2 FROM vigia_rows(?1)",
	[S_LINK_OTHER] = "SELECT r.rowid FROM vigia_rows(?1) r WHERE EXISTS (SELECT 1 FROM "
			 "links l WHERE l.a = r.b AND l.b = r.a AND l.kind = r.kind)",
	[S_POSTINGS] = "SELECT incident FROM postings WHERE indicator = ?1 ORDER BY incident",
	[S_POST_ORPHANS] = "SELECT count(*) FROM postings p WHERE NOT EXISTS (SELECT 1 FROM "
			   "indicators i WHERE i.id = p.indicator) OR NOT EXISTS (SELECT 1 FROM "
			   "incidents n WHERE n.id = p.incident)",
	[S_IND_OF_INC] = "SELECT i.id, i.kind, i.value, i.common, i.why FROM postings p "
			 "JOIN indicators i ON i.id = p.indicator WHERE p.incident = ?1 "
			 "ORDER BY i.kind, i.value",
	[S_IND_COMMONS] = "SELECT id, kind, value, common, why FROM indicators WHERE common = 1 "
			  "ORDER BY kind, value",
	[S_IND_NEW] = "INSERT INTO indicators (kind, value) VALUES (?1, ?2) "
		      "ON CONFLICT (kind, value) DO NOTHING",
	/* the index's load: the two walks run side by side (a merge by indicator id), each
	 * reading its table's key in order; the smallest incident of an indicator is the first
	 * entry of its run in the postings' key (indicator, incident), the others are skipped
	 * in C (GROUP BY with min() cost 4 times as many instructions a row) */
	[S_IND_SCAN] = "SELECT id, kind, value, common FROM indicators WHERE id > ?1 ORDER BY id",
	[S_POST_FIRST] = "SELECT indicator, incident FROM postings WHERE indicator > ?1 "
			 "ORDER BY indicator, incident",
	[S_IND_MAX] = "SELECT max(id) FROM indicators",
	/* one statement: gen and the largest id from the same snapshot */
	[S_IND_MARK] = "SELECT store_id, gen, (SELECT max(id) FROM indicators) "
		       "FROM indicator_gen WHERE one = 1",
	[S_IND_BUMP] = "UPDATE indicator_gen SET gen = gen + 1 WHERE one = 1 RETURNING gen",
	[S_SHARE_BUMP] = "UPDATE share_changes SET n = n + 1",
	[S_IND_CHANGE] = "INSERT INTO indicator_changes (gen, min_id) VALUES (?1, ?2)",
	[S_IND_CHANGED] = "SELECT min(min_id) FROM indicator_changes WHERE gen > ?1",
	[S_AUDIT_HEAD] = "SELECT last_id, hash FROM audit_head WHERE one = 1",
	[S_AUDIT_ADD] = "INSERT INTO audit (id, time, actor, object, action, before, after, "
			"prev_hash, hash) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)",
	[S_AUDIT_HEAD_SET] = "INSERT OR REPLACE INTO audit_head (one, last_id, hash) "
			     "VALUES (1, ?1, ?2)",
	[S_AUDIT_ALL] = "SELECT id, time, actor, object, action, before, after, prev_hash, hash "
			"FROM audit ORDER BY id",
	[S_AUDIT_OBJ] = "SELECT id, time, actor, object, action, before, after, prev_hash, hash "
			"FROM audit WHERE object = ?1 ORDER BY id",
	[S_COUNT_EVENTS] = "SELECT count(*) FROM events",
	[S_COUNT_INCIDENTS] = "SELECT count(*) FROM incidents",
	[S_COUNT_INDICATORS] = "SELECT count(*) FROM indicators",
	[S_COUNT_BATCHES] = "SELECT count(*) FROM batches",
	[S_COUNT_AUDIT] = "SELECT count(*) FROM audit",
	[S_PAGE_BYTES] = "SELECT page_count * page_size FROM pragma_page_count, pragma_page_size",
	/* names compare without regard to case: the column is COLLATE NOCASE */
	[S_ORG_FIND] = "SELECT id FROM orgs WHERE name = ?1",
	[S_ORG_INSERT] = "INSERT INTO orgs (name, do_not_notify, notes, updated) "
			 "VALUES (?1, ?2, ?3, ?4)",
	[S_ORG_UPDATE] = "UPDATE orgs SET name = ?1, do_not_notify = ?2, notes = ?3, updated = ?4 "
			 "WHERE id = ?5",
	[S_ORG_GET] = "SELECT id, name, do_not_notify, notes FROM orgs WHERE name = ?1",
	[S_ORGS] = "SELECT id, name, do_not_notify, notes FROM orgs ORDER BY name, id",
	[S_ORG_DELETE] = "DELETE FROM orgs WHERE name = ?1",
	[S_ORGS_CLEAR] = "DELETE FROM orgs",
	[S_ORG_CLEAR_NETS] = "DELETE FROM org_networks WHERE org = ?1",
	[S_ORG_CLEAR_ASNS] = "DELETE FROM org_asns WHERE org = ?1",
	[S_ORG_CLEAR_DOMS] = "DELETE FROM org_domains WHERE org = ?1",
	[S_ORG_CLEAR_CONTACTS] = "DELETE FROM contacts WHERE org = ?1",
	[S_ORG_NETS] = "SELECT cidr, do_not_notify FROM org_networks WHERE org = ?1 ORDER BY rowid",
	[S_ORG_ASNS] = "SELECT asn FROM org_asns WHERE org = ?1 ORDER BY rowid",
	[S_ORG_DOMS] = "SELECT domain FROM org_domains WHERE org = ?1 ORDER BY rowid",
	[S_ORG_CONTACTS] = "SELECT email, name, lang, format, fingerprint FROM contacts "
			   "WHERE org = ?1 ORDER BY rowid",
	[S_NET_OWNER] = "SELECT n.org, o.name FROM org_networks n JOIN orgs o ON o.id = n.org "
			"WHERE n.lo = ?1 AND n.hi = ?2",
	[S_NET_ADD] = "INSERT INTO org_networks (org, cidr, lo, hi, do_not_notify) "
		      "VALUES (?1, ?2, ?3, ?4, ?5)",
	[S_ASN_OWNER] = "SELECT a.org, o.name FROM org_asns a JOIN orgs o ON o.id = a.org "
			"WHERE a.asn = ?1",
	[S_ASN_ADD] = "INSERT INTO org_asns (org, asn) VALUES (?1, ?2)",
	[S_DOM_OWNER] = "SELECT d.org, o.name FROM org_domains d JOIN orgs o ON o.id = d.org "
			"WHERE d.domain = ?1",
	[S_DOM_ADD] = "INSERT INTO org_domains (org, domain) VALUES (?1, ?2)",
	[S_CONTACT_ADD] = "INSERT INTO contacts (org, cert, email, name, lang, format, "
			  "fingerprint) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
	[S_CERT_PUT] = "INSERT INTO partner_certs (cc, name, notes, updated) "
		       "VALUES (?1, ?2, ?3, ?4) ON CONFLICT (cc) DO UPDATE SET "
		       "name = excluded.name, notes = excluded.notes, updated = excluded.updated",
	[S_CERT_CLEAR_CONTACTS] = "DELETE FROM contacts WHERE cert = ?1",
	[S_CERT_GET] = "SELECT cc, name, notes FROM partner_certs WHERE cc = ?1",
	[S_CERTS] = "SELECT cc, name, notes FROM partner_certs ORDER BY cc",
	[S_CERT_CONTACTS] = "SELECT email, name, lang, format, fingerprint FROM contacts "
			    "WHERE cert = ?1 ORDER BY rowid",
	[S_CERT_DELETE] = "DELETE FROM partner_certs WHERE cc = ?1",
	[S_CERTS_CLEAR] = "DELETE FROM partner_certs",
#define PARTNER_COLS                                                                              \
	"id, name, kind, tlp_max, collections, orgs, pseudonymise, pseudo_key, sign_key, "         \
	"identity, contact, notes, created, updated"
	[S_PARTNER_PUT] = "INSERT INTO partners (name, kind, tlp_max, collections, orgs, "
			  "pseudonymise, pseudo_key, sign_key, identity, contact, notes, created, "
			  "updated) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?12) "
			  "ON CONFLICT (name) DO UPDATE SET name = ?1, kind = ?2, tlp_max = ?3, "
			  "collections = ?4, orgs = ?5, pseudonymise = ?6, pseudo_key = ?7, "
			  "sign_key = ?8, identity = ?9, contact = ?10, notes = ?11, updated = ?12",
	[S_PARTNER_GET] = "SELECT " PARTNER_COLS " FROM partners WHERE name = ?1",
	[S_PARTNERS] = "SELECT " PARTNER_COLS " FROM partners ORDER BY name",
	[S_PARTNER_DELETE] = "DELETE FROM partners WHERE name = ?1",
	[S_MARK_PUT] = "INSERT OR REPLACE INTO transport_marks (msg, owner) VALUES (?1, ?2)",
	[S_MARK_TAKE] = "DELETE FROM transport_marks WHERE msg = ?1",
	[S_MARK_CLEAR] = "DELETE FROM transport_marks WHERE owner = ?1",
	[S_BUNDLE_SEEN] = "SELECT accepted FROM bundles_accepted WHERE bundle_id = ?1",
	[S_BUNDLE_ADD] = "INSERT INTO bundles_accepted (bundle_id, partner, accepted) "
			 "VALUES (?1, ?2, ?3)",
};


/*
 * Pending incident updates.  Linking an event to an incident changes the incident's event
 * count and first/last seen; inside a transaction, for an incident this connection created or
 * found in it (so its rule and key are known), that change is added up here and written once,
 * just before the commit, instead of once per event (an UPDATE rewrites the row and its
 * (rule, key, last_seen) index entry: 15% of an ingest).  Whatever reads those columns in the
 * same transaction sees them written first: store_incident_get (that incident),
 * store_incidents_query (all), store_incident_find_open (the incident pending for that rule
 * and key: at most one, because another one for the same rule and key is written when it
 * takes the place).  A rollback forgets them with the rest.
 */
struct pend {
	int64_t id;             /* 0: an empty slot */
	uint64_t rk;            /* hash of its rule and key */
	int dirty;              /* 1: count, first, last are to be written */
	int64_t count, first, last;
};

struct rk_slot {
	uint64_t rk;            /* 0: an empty slot */
	int64_t id;
};

#define SQ_KEYED_MAX 32

struct sq {
	struct store base;              /* first: a struct store * is a struct sq * */
	sqlite3 *db;
	int busy_ms;
	int sync_want, sync_now;        /* 1: synchronous=NORMAL (in a batch), 0: FULL */
	sqlite3_stmt *stmt[S__COUNT];
	sqlite3_stmt *evq[1u << EF__COUNT];
	struct store_stmt_map incq; /* listing statements by filters and order (store_incq_key) */
	sqlite3_stmt *cntq, *grpq[STORE_GROUP__COUNT]; /* counts per state, aggregates */
	struct buf json;                /* event_to_json scratch, reused */
	struct buf scratch;             /* reversed domain names */
	struct pend *pend;              /* incidents of the open transaction (see "pending") */
	size_t pend_cap, pend_n;
	struct rk_slot *rks;            /* (rule, key) -> the latest of those incidents */
	size_t rks_cap, rks_n;
	int marked;                     /* 1: a mark is set (store_mark): changes are journaled */
	struct pend *jp;                /* pend entries as they were at the mark, in change order */
	size_t jp_n, jp_cap;
	struct rk_slot *jr;             /* rks entries as they were at the mark, in change order */
	size_t jr_n, jr_cap;
	const struct store_table *copy_t; /* store_copy: the table copy_q inserts into */
	sqlite3_stmt *copy_q;
	/* statements of the backend's other files, by their SQL's address (store_sqlite_keyed) */
	const char *keyed_sql[SQ_KEYED_MAX];
	sqlite3_stmt *keyed[SQ_KEYED_MAX];
};

static int64_t now(void)
{
	return (int64_t)time(NULL);
}

/* ---- errors -------------------------------------------------------------------------------- */

/* Turn an SQLite result into a vres code and a reason naming the database. */
static int fail_db(const char *path, sqlite3 *db, int busy_ms, int rc, struct verr *err)
{
	const char *msg = db ? sqlite3_errmsg(db) : sqlite3_errstr(rc);

	switch (rc & 0xff) {
	case SQLITE_BUSY:
	case SQLITE_LOCKED:
		return verr_set(err, V_ERR_IO, "",
				_("database %s is locked by another process (gave up after %d ms; "
				  "see the setting store.busy_timeout)"), path, busy_ms);
	case SQLITE_FULL:
		return verr_set(err, V_ERR_IO, "",
				_("database %s: the disk is full (or the database reached its size "
				  "limit)"), path);
	case SQLITE_CORRUPT:
	case SQLITE_NOTADB:
		return verr_set(err, V_ERR_IO, "",
				_("database %s is damaged or is not a database (%s)"), path, msg);
	case SQLITE_CANTOPEN:
		return verr_set(err, V_ERR_IO, "", _("cannot open database %s (%s)"), path, msg);
	case SQLITE_READONLY:
	case SQLITE_PERM:
		return verr_set(err, V_ERR_IO, "", _("database %s cannot be written (%s)"), path,
				msg);
	case SQLITE_IOERR:
		return verr_set(err, V_ERR_IO, "", _("database %s: input/output error (%s)"), path,
				msg);
	case SQLITE_NOMEM:
		return verr_set(err, V_ERR_NOMEM, "", _("database %s: out of memory"), path);
	case SQLITE_CONSTRAINT:
		if (rc == SQLITE_CONSTRAINT_FOREIGNKEY)
			return verr_set(err, V_ERR_NOTFOUND, "",
					_("database %s: a referenced incident, event, batch or "
					  "indicator does not exist"), path);
		return verr_set(err, V_ERR_INVALID, "", _("database %s: %s"), path, msg);
	default:
		return verr_set(err, V_ERR_IO, "", _("database %s: %s"), path, msg);
	}
}

static int fail(struct sq *s, int rc, struct verr *err)
{
	return fail_db(s->base.path, s->db, s->busy_ms, rc, err);
}

/* ---- statements ---------------------------------------------------------------------------- */

static int prepare(struct sq *s, const char *sql, sqlite3_stmt **out, struct verr *err)
{
	int rc = sqlite3_prepare_v3(s->db, sql, -1, SQLITE_PREPARE_PERSISTENT, out, NULL);
	if (rc != SQLITE_OK) {
		*out = NULL;
		return fail(s, rc, err);
	}
	return V_OK;
}

/* The statement id, prepared on first use.  NULL on failure (err filled). */
static sqlite3_stmt *get(struct sq *s, enum sq_stmt id, struct verr *err)
{
	if (!s->stmt[id] && prepare(s, sql_text[id], &s->stmt[id], err) != V_OK)
		return NULL;
	return s->stmt[id];
}

/* Make a statement ready for the next use. */
static void done(sqlite3_stmt *st)
{
	sqlite3_reset(st);
	sqlite3_clear_bindings(st);
}

/* Step a statement that returns no rows; reset it.  V_OK or the error. */
static int run(struct sq *s, sqlite3_stmt *st, struct verr *err)
{
	int rc = sqlite3_step(st);
	done(st);
	if (rc != SQLITE_DONE && rc != SQLITE_ROW)
		return fail(s, rc, err);
	return V_OK;
}

static int run_id(struct sq *s, enum sq_stmt id, struct verr *err)
{
	sqlite3_stmt *st = get(s, id, err);
	return st ? run(s, st, err) : V_ERR_IO;
}

static void bind_str(sqlite3_stmt *st, int i, const char *v)
{
	if (v)
		sqlite3_bind_text(st, i, v, -1, SQLITE_STATIC);
	else
		sqlite3_bind_null(st, i);
}

static const char *col_str(sqlite3_stmt *st, int i)
{
	return (const char *)sqlite3_column_text(st, i);
}

static char *dup_col(sqlite3_stmt *st, int i, int *oom)
{
	const char *v = col_str(st, i);
	char *d;

	if (!v)
		return NULL;
	d = strdup(v);
	if (!d)
		*oom = 1;
	return d;
}

/* A one-row, one-integer query (count, page bytes). */
static int scalar(struct sq *s, enum sq_stmt id, int64_t *out, struct verr *err)
{
	sqlite3_stmt *st = get(s, id, err);
	int rc;

	if (!st)
		return V_ERR_IO;
	rc = sqlite3_step(st);
	*out = rc == SQLITE_ROW ? sqlite3_column_int64(st, 0) : 0;
	done(st);
	return rc == SQLITE_ROW || rc == SQLITE_DONE ? V_OK : fail(s, rc, err);
}

/* SQLite changes synchronous only between transactions: apply the wanted level when not in
 * one (called at every transaction boundary). */
static void sync_apply(struct sq *s)
{
	if (s->sync_want == s->sync_now || !sqlite3_get_autocommit(s->db))
		return;
	if (run_id(s, s->sync_want ? S_SYNC_NORMAL : S_SYNC_FULL, NULL) == V_OK)
		s->sync_now = s->sync_want;
}

/*
 * In a batch (store_batch_start .. store_batch_finish or a rollback) the commits need not each
 * reach the disk before the next: synchronous=NORMAL (a crash of vigia loses nothing, WAL; a
 * power cut at most the last commits, never consistency), and a checkpoint every
 * BATCH_CHECKPOINT pages of WAL instead of SQLite's 1000.  A checkpoint copies every page the
 * WAL holds into the database and waits for the disk (fsync); with 1000 pages a large ingest
 * checkpointed at every commit, and pages that several commits change were written each time
 * (commits took a third of an ingest into a large store, bench/store.sh).
 */
#define BATCH_CHECKPOINT 65536

static void batch_mode(struct sq *s, int on)
{
	s->sync_want = on;
	sqlite3_wal_autocheckpoint(s->db, on ? BATCH_CHECKPOINT : 1000);
	sync_apply(s);
}

/*
 * Several statements that must happen together: inside the caller's transaction they simply
 * run (the caller rolls back on error); outside one they get their own.
 */
static int tx_enter(struct sq *s, int *own, struct verr *err)
{
	*own = 0;
	if (!sqlite3_get_autocommit(s->db))
		return V_OK;
	*own = 1;
	sync_apply(s);
	return run_id(s, S_BEGIN, err);
}

static int tx_leave(struct sq *s, int own, int res, struct verr *err)
{
	if (!own)
		return res;
	if (res == V_OK && (res = run_id(s, S_COMMIT, err)) == V_OK)
		return V_OK;
	if (!sqlite3_get_autocommit(s->db))
		run_id(s, S_ROLLBACK, NULL);
	return res;
}

/* ---- values of an event -------------------------------------------------------------------- */

static int digits(const char *p, int n, int *out)
{
	int v = 0;
	for (int i = 0; i < n; i++) {
		if (p[i] < '0' || p[i] > '9')
			return -1;
		v = v * 10 + (p[i] - '0');
	}
	*out = v;
	return 0;
}

/* Unix seconds of a time value (canonical "YYYY-MM-DDTHH:MM:SS...+00:00" quickly, anything
 * else through time_parse), or dflt. */
static int64_t time_of(const char *p, size_t n, int64_t dflt)
{
	int y, mo, d, h, mi, sec;
	struct vtime t;

	if (!p)
		return dflt;
	if (n >= 25 && p[4] == '-' && p[7] == '-' && p[10] == 'T' && p[13] == ':' &&
	    p[16] == ':' && !memcmp(p + n - 6, "+00:00", 6) && !digits(p, 4, &y) &&
	    !digits(p + 5, 2, &mo) && !digits(p + 8, 2, &d) && !digits(p + 11, 2, &h) &&
	    !digits(p + 14, 2, &mi) && !digits(p + 17, 2, &sec) && mo >= 1 && mo <= 12)
		return time_days_from_civil(y, (unsigned)mo, (unsigned)d) * 86400 + h * 3600 +
		       mi * 60 + sec;
	if (time_parse(p, n, &t) == 0)
		return t.sec;
	return dflt;
}

/* An address as 16 bytes (IPv4 as ::ffff:a.b.c.d) so that one BLOB order sorts both
 * families and a network is a range.  0 or -1. */
static int ip16(const char *p, size_t n, unsigned char out[16])
{
	char tmp[64];

	if (!p || n == 0 || n >= sizeof(tmp))
		return -1;
	memcpy(tmp, p, n);
	tmp[n] = 0;
	if (inet_pton(AF_INET, tmp, out + 12) == 1) {
		memset(out, 0, 10);
		out[10] = out[11] = 0xff;
		return 0;
	}
	return inet_pton(AF_INET6, tmp, out) == 1 ? 0 : -1;
}

/* "a.b.c/n" or "v6/n": the first and last address as 16 bytes.  0 or -1. */
static int net16(const char *s, unsigned char lo[16], unsigned char hi[16])
{
	const char *slash = strchr(s, '/');
	char *end;
	long bits;
	int v4;

	if (!slash) {
		if (ip16(s, strlen(s), lo) != 0)
			return -1;
		memcpy(hi, lo, 16);
		return 0;
	}
	if (ip16(s, (size_t)(slash - s), lo) != 0)
		return -1;
	errno = 0;
	bits = strtol(slash + 1, &end, 10);
	v4 = strchr(s, ':') == NULL || (slash - s > 7 && !memcmp(s, "::ffff:", 7) &&
					memchr(s + 7, '.', (size_t)(slash - s - 7)));
	if (errno || *end || end == slash + 1 || bits < 0 || bits > (v4 ? 32 : 128))
		return -1;
	if (v4)
		bits += 96;
	for (int i = 0; i < 16; i++) {
		int keep = (int)bits - i * 8; /* bits of this byte that belong to the prefix */
		unsigned char mask = 0;
		if (keep >= 8)
			mask = 0xff;
		else if (keep > 0)
			mask = (unsigned char)(0xff << (8 - keep));
		lo[i] &= mask;
		hi[i] = lo[i] | (unsigned char)~mask;
	}
	return 0;
}

/* A domain with its labels reversed ("www.example.com" -> "com.example.www"), lower-case, no
 * trailing dot: a name and every name under it are one range of this text.  Into out. */
static int fqdn_rev(const char *p, size_t n, struct buf *out)
{
	size_t end;
	char *o;

	buf_reset(out);
	while (n > 0 && p[n - 1] == '.')
		n--;
	if (buf_reserve(out, n + 1) != V_OK)
		return V_ERR_LIMIT;
	o = out->data;
	end = n;
	while (end > 0) {
		size_t start = end;
		while (start > 0 && p[start - 1] != '.')
			start--;
		if (o > out->data)
			*o++ = '.';
		for (size_t i = start; i < end; i++) {
			char c = p[i];
			*o++ = c >= 'A' && c <= 'Z' ? (char)(c - 'A' + 'a') : c;
		}
		end = start > 0 ? start - 1 : 0;
	}
	*o = 0;
	out->len = (size_t)(o - out->data);
	return V_OK;
}

/* Bind a text value of the event (borrowed until the statement is reset), or NULL. */
static void bind_field(sqlite3_stmt *st, int i, const struct event *ev, int field)
{
	size_t n = 0;
	const char *v = event_get_id(ev, field, &n);

	if (v)
		sqlite3_bind_text(st, i, v, (int)n, SQLITE_STATIC);
	else
		sqlite3_bind_null(st, i);
}

static void bind_ip(sqlite3_stmt *st, int i, const struct event *ev, int field)
{
	size_t n = 0;
	const char *v = event_get_id(ev, field, &n);
	unsigned char a[16];

	if (v && ip16(v, n, a) == 0)
		sqlite3_bind_blob(st, i, a, 16, SQLITE_TRANSIENT);
	else
		sqlite3_bind_null(st, i);
}

/* b: scratch (the bound text is copied) */
static void bind_fqdn(sqlite3_stmt *st, int i, const struct event *ev, int field, struct buf *b)
{
	size_t n = 0;
	const char *v = event_get_id(ev, field, &n);

	if (v && fqdn_rev(v, n, b) == V_OK && b->len)
		sqlite3_bind_text(st, i, b->data, (int)b->len, SQLITE_TRANSIENT);
	else
		sqlite3_bind_null(st, i);
}

/* classification.taxonomy, or the one its classification.type belongs to (RSIT). */
static void bind_taxonomy(sqlite3_stmt *st, int i, const struct event *ev)
{
	size_t n = 0;
	const char *v = event_get_id(ev, F_CLASSIFICATION_TAXONOMY, &n);

	if (!v && (v = event_get_id(ev, F_CLASSIFICATION_TYPE, &n)) != NULL &&
	    (v = taxonomy_of_type(v, n)) != NULL)
		n = strlen(v);
	if (v)
		sqlite3_bind_text(st, i, v, (int)n, SQLITE_STATIC);
	else
		sqlite3_bind_null(st, i);
}

/* When the event was seen: time.observation, else time.source, else now. */
static int64_t seen_of(const struct event *ev)
{
	size_t n = 0;
	const char *v = event_get_id(ev, F_TIME_OBSERVATION, &n);
	int64_t t = time_of(v, n, INT64_MIN);

	if (t == INT64_MIN) {
		v = event_get_id(ev, F_TIME_SOURCE, &n);
		t = time_of(v, n, INT64_MIN);
	}
	return t == INT64_MIN ? now() : t;
}

static int event_insert(struct sq *s, int64_t batch, const struct event *ev, uint64_t fp,
			int64_t seen, int64_t *id, struct verr *err)
{
	sqlite3_stmt *st = get(s, S_EV_INSERT, err);
	size_t n = 0;
	const char *ts;
	int rc;

	if (!st)
		return V_ERR_IO;
	buf_reset(&s->json);
	if ((rc = event_to_json(ev, &s->json)) != V_OK)
		return verr_set(err, rc, "", _("event too large to store"));
	if (batch > 0)
		sqlite3_bind_int64(st, 1, batch);
	if (fp)
		sqlite3_bind_int64(st, 2, (int64_t)fp);
	sqlite3_bind_int64(st, 3, seen);
	ts = event_get_id(ev, F_TIME_SOURCE, &n);
	sqlite3_bind_int64(st, 4, time_of(ts, n, seen));
	bind_ip(st, 5, ev, F_SOURCE_IP);
	bind_ip(st, 6, ev, F_DESTINATION_IP);
	bind_field(st, 7, ev, F_CLASSIFICATION_TYPE);
	bind_taxonomy(st, 8, ev);
	bind_field(st, 9, ev, F_FEED_NAME);
	bind_fqdn(st, 10, ev, F_SOURCE_FQDN, &s->scratch);
	bind_fqdn(st, 11, ev, F_DESTINATION_FQDN, &s->scratch);
	bind_field(st, 12, ev, F_SOURCE_URL);
	sqlite3_bind_text(st, 13, s->json.data, (int)s->json.len, SQLITE_STATIC);
	if ((rc = run(s, st, err)) != V_OK)
		return rc;
	if (id)
		*id = sqlite3_last_insert_rowid(s->db);
	return V_OK;
}

/* ---- pending incident updates (see struct pend) --------------------------------------------- */

static uint64_t rk_hash(const char *rule, const char *key)
{
	uint64_t h = 0xcbf29ce484222325u; /* FNV-1a */

	for (const char *p = rule; *p; p++)
		h = (h ^ (unsigned char)*p) * 0x100000001b3u;
	h = (h ^ 0xff) * 0x100000001b3u; /* the separator: no byte of UTF-8 text */
	for (const char *p = key; *p; p++)
		h = (h ^ (unsigned char)*p) * 0x100000001b3u;
	return h ? h : 1;
}

static size_t mix(uint64_t v)
{
	v ^= v >> 33;
	v *= 0xff51afd7ed558ccdu;
	v ^= v >> 33;
	return (size_t)v;
}

/* Double a table (or make its first); 0 or -1 on OOM.  The callers rehash. */
static int table_grow(void **tab, size_t *cap, size_t elem)
{
	size_t n = *cap ? *cap * 2 : 256;
	void *t = calloc(n, elem);

	if (!t)
		return -1;
	*tab = t;
	*cap = n;
	return 0;
}

/* The entry of incident id, or NULL (add: made when missing; NULL then only on OOM). */
static struct pend *pend_slot(struct sq *s, int64_t id, int add)
{
	size_t i;

	if (add && (s->pend_n + 1) * 2 > s->pend_cap) {
		struct pend *old = s->pend;
		size_t ocap = s->pend_cap;
		void *t;
		if (table_grow(&t, &s->pend_cap, sizeof(*old)) != 0)
			return NULL;
		s->pend = t;
		for (size_t k = 0; k < ocap; k++) {
			if (!old[k].id)
				continue;
			for (i = mix((uint64_t)old[k].id) & (s->pend_cap - 1); s->pend[i].id;
			     i = (i + 1) & (s->pend_cap - 1))
				;
			s->pend[i] = old[k];
		}
		free(old);
	}
	if (!s->pend_cap)
		return NULL;
	for (i = mix((uint64_t)id) & (s->pend_cap - 1); s->pend[i].id;
	     i = (i + 1) & (s->pend_cap - 1))
		if (s->pend[i].id == id)
			return &s->pend[i];
	if (!add)
		return NULL;
	s->pend_n++;
	memset(&s->pend[i], 0, sizeof(s->pend[i]));
	s->pend[i].id = id;
	return &s->pend[i];
}

/* The incident pending for (rule, key) hash rk: its id slot (add: made when missing). */
static int64_t *rk_slot(struct sq *s, uint64_t rk, int add)
{
	size_t i;

	if (add && (s->rks_n + 1) * 2 > s->rks_cap) {
		struct rk_slot *old = s->rks;
		size_t ocap = s->rks_cap;
		void *t;
		if (table_grow(&t, &s->rks_cap, sizeof(*old)) != 0)
			return NULL;
		s->rks = t;
		for (size_t k = 0; k < ocap; k++) {
			if (!old[k].rk)
				continue;
			for (i = mix(old[k].rk) & (s->rks_cap - 1); s->rks[i].rk;
			     i = (i + 1) & (s->rks_cap - 1))
				;
			s->rks[i] = old[k];
		}
		free(old);
	}
	if (!s->rks_cap)
		return NULL;
	for (i = mix(rk) & (s->rks_cap - 1); s->rks[i].rk; i = (i + 1) & (s->rks_cap - 1))
		if (s->rks[i].rk == rk)
			return &s->rks[i].id;
	if (!add)
		return NULL;
	s->rks_n++;
	s->rks[i].rk = rk;
	s->rks[i].id = 0;
	return &s->rks[i].id;
}

/*
 * The journal of a mark (store_mark .. store_undo): before a pending entry or a (rule, key)
 * slot changes, its old value is appended; an undo puts them back newest first, so that each
 * ends as it was at the mark (an entry made since then ends empty: no count, not dirty).
 * Out of memory, the change is not journaled and `marked` becomes -1: the undo then fails (the
 * caller rolls the transaction back).
 */
static int journal_grow(void **tab, size_t n, size_t *cap, size_t elem)
{
	size_t nc;
	void *t;

	if (n < *cap)
		return 0;
	nc = *cap ? *cap * 2 : 16;
	if (!(t = realloc(*tab, nc * elem)))
		return -1;
	*tab = t;
	*cap = nc;
	return 0;
}

static void pend_save(struct sq *s, const struct pend *p)
{
	if (!s->marked || !p)
		return;
	if (journal_grow((void **)&s->jp, s->jp_n, &s->jp_cap, sizeof(*s->jp)) != 0) {
		s->marked = -1; /* lost: undo refuses */
		return;
	}
	s->jp[s->jp_n++] = *p;
}

static void rk_save(struct sq *s, uint64_t rk, int64_t id)
{
	if (!s->marked)
		return;
	if (journal_grow((void **)&s->jr, s->jr_n, &s->jr_cap, sizeof(*s->jr)) != 0) {
		s->marked = -1;
		return;
	}
	s->jr[s->jr_n].rk = rk;
	s->jr[s->jr_n++].id = id;
}

/* Put the pending entries back as they were at the mark.  0, or -1 when a change was not
 * journaled (out of memory). */
static int journal_undo(struct sq *s)
{
	int lost = s->marked < 0;

	while (s->jp_n > 0) {
		const struct pend *o = &s->jp[--s->jp_n];
		struct pend *p = pend_slot(s, o->id, 0);
		if (p)
			*p = *o;
	}
	while (s->jr_n > 0) {
		const struct rk_slot *o = &s->jr[--s->jr_n];
		int64_t *id = rk_slot(s, o->rk, 0);
		if (id)
			*id = o->id;
	}
	return lost ? -1 : 0;
}

/* Write what is pending for one incident. */
static int pend_write(struct sq *s, struct pend *p, struct verr *err)
{
	sqlite3_stmt *upd;
	int rc;

	if (!p || !p->dirty)
		return V_OK;
	pend_save(s, p);
	if (!(upd = get(s, S_INC_SEEN, err)))
		return V_ERR_IO;
	sqlite3_bind_int64(upd, 1, p->id);
	sqlite3_bind_int64(upd, 2, p->count);
	sqlite3_bind_int64(upd, 3, p->first);
	sqlite3_bind_int64(upd, 4, p->last);
	if ((rc = run(s, upd, err)) != V_OK)
		return rc;
	p->dirty = 0;
	p->count = 0;
	return V_OK;
}

static int pend_flush(struct sq *s, struct verr *err)
{
	int rc;

	for (size_t i = 0; i < s->pend_cap; i++)
		if (s->pend[i].id && (rc = pend_write(s, &s->pend[i], err)) != V_OK)
			return rc;
	return V_OK;
}

/* The transaction ended: nothing is pending any more. */
static void pend_clear(struct sq *s)
{
	if (s->pend_n)
		memset(s->pend, 0, s->pend_cap * sizeof(*s->pend));
	if (s->rks_n)
		memset(s->rks, 0, s->rks_cap * sizeof(*s->rks));
	s->pend_n = s->rks_n = 0;
	s->marked = 0;
	s->jp_n = s->jr_n = 0;
}

/* Incident id, of (rule, key) hash rk, was created or found in the open transaction: its
 * updates may wait for the commit.  Another incident pending for the same rule and key is
 * written first (find_open looks for one per rule and key). */
static int pend_know(struct sq *s, int64_t id, uint64_t rk, struct verr *err)
{
	int64_t *cur;
	struct pend *p;
	int rc;

	if (sqlite3_get_autocommit(s->db))
		return V_OK;
	if (!(cur = rk_slot(s, rk, 1)) || !(p = pend_slot(s, id, 1)))
		return V_OK; /* out of memory: updates are simply not deferred */
	if (*cur && *cur != id && (rc = pend_write(s, pend_slot(s, *cur, 0), err)) != V_OK)
		return rc;
	rk_save(s, rk, *cur);
	*cur = id;
	pend_save(s, p);
	p->rk = rk;
	return V_OK;
}

/* ---- opening, transactions ------------------------------------------------------------------ */

static void sq_close(struct store *st)
{
	struct sq *s = (struct sq *)st;

	for (int i = 0; i < S__COUNT; i++)
		sqlite3_finalize(s->stmt[i]);
	for (size_t i = 0; i < sizeof(s->evq) / sizeof(s->evq[0]); i++)
		sqlite3_finalize(s->evq[i]);
	for (size_t i = 0; i < s->incq.cap; i++)
		sqlite3_finalize(store_stmt_map_slot(&s->incq, i));
	store_stmt_map_fini(&s->incq);
	sqlite3_finalize(s->cntq);
	for (size_t i = 0; i < sizeof(s->grpq) / sizeof(s->grpq[0]); i++)
		sqlite3_finalize(s->grpq[i]);
	sqlite3_finalize(s->copy_q);
	for (size_t i = 0; i < SQ_KEYED_MAX; i++)
		sqlite3_finalize(s->keyed[i]);
	sqlite3_close(s->db);
	buf_fini(&s->json);
	buf_fini(&s->scratch);
	free(s->pend);
	free(s->rks);
	free(s->jp);
	free(s->jr);
	free(s->base.path);
	free(s);
}

static int sq_schema_version(struct store *st)
{
	struct sq *s = (struct sq *)st;
	int v = 0;

	if (store_migrate_version(s->db, s->base.path, &v, NULL) != V_OK)
		return -1;
	return v;
}

static int sq_begin(struct store *st, struct verr *err)
{
	struct sq *s = (struct sq *)st;

	pend_clear(s);
	sync_apply(s);
	return run_id(s, S_BEGIN, err);
}

static int sq_commit(struct store *st, struct verr *err)
{
	struct sq *s = (struct sq *)st;
	int rc = pend_flush(s, err);

	if (rc == V_OK && (rc = run_id(s, S_COMMIT, err)) == V_OK)
		pend_clear(s);
	sync_apply(s);
	return rc;
}

static void sq_rollback(struct store *st)
{
	struct sq *s = (struct sq *)st;
	sqlite3_stmt *p = NULL;

	/* a statement left running would keep its read open: reset them all first */
	while ((p = sqlite3_next_stmt(s->db, p)) != NULL)
		sqlite3_reset(p);
	if (!sqlite3_get_autocommit(s->db))
		run_id(s, S_ROLLBACK, NULL);
	pend_clear(s);
	batch_mode(s, 0); /* a failed batch is over */
}

/* The mark is a savepoint (store.h "store_mark"); moving it releases the old one first. */
static int sq_mark(struct store *st, struct verr *err)
{
	struct sq *s = (struct sq *)st;
	int rc;

	if (sqlite3_get_autocommit(s->db))
		return verr_set(err, V_ERR_INVALID, "", _("database %s: no open transaction"),
				s->base.path);
	if ((s->marked && (rc = run_id(s, S_MARK_RELEASE, err)) != V_OK) ||
	    (rc = run_id(s, S_MARK, err)) != V_OK)
		return rc;
	s->marked = 1;
	s->jp_n = s->jr_n = 0;
	return V_OK;
}

/* The commit's writes (the deferred batch, the pending incident updates) come after the last
 * mark: with the savepoint open SQLite would first copy every page they touch into its
 * journal (a page of the postings, of their incident index, ... each), for an undo that
 * cannot come any more. */
static int sq_mark_release(struct store *st, struct verr *err)
{
	struct sq *s = (struct sq *)st;
	int rc;

	if (!s->marked || sqlite3_get_autocommit(s->db))
		return V_OK;
	if ((rc = run_id(s, S_MARK_RELEASE, err)) != V_OK)
		return rc;
	s->marked = 0;
	s->jp_n = s->jr_n = 0;
	return V_OK;
}

static int sq_undo(struct store *st, struct verr *err)
{
	struct sq *s = (struct sq *)st;
	sqlite3_stmt *p = NULL;
	int rc;

	if (!s->marked || sqlite3_get_autocommit(s->db))
		return verr_set(err, V_ERR_INVALID, "", _("database %s: no open transaction"),
				s->base.path);
	while ((p = sqlite3_next_stmt(s->db, p)) != NULL)
		sqlite3_reset(p);
	if ((rc = run_id(s, S_MARK_UNDO, err)) != V_OK)
		return rc;
	if (journal_undo(s) != 0)
		return verr_set(err, V_ERR_NOMEM, "", "%s", vres_str(V_ERR_NOMEM));
	return V_OK;
}

static int file_size(const char *path, const char *suffix, int64_t *out)
{
	char p[4096];
	struct stat sb;

	if (snprintf(p, sizeof(p), "%s%s", path, suffix) >= (int)sizeof(p))
		return -1;
	if (stat(p, &sb) != 0)
		return -1;
	*out += (int64_t)sb.st_size;
	return 0;
}

/* PRAGMA cache_size in KiB: pages past it are let go at once. */
static int sq_cache_limit(struct store *st, int64_t bytes, struct verr *err)
{
	struct sq *s = (struct sq *)st;
	char sql[64];
	int rc;

	snprintf(sql, sizeof(sql), "PRAGMA cache_size = -%lld", (long long)(bytes / 1024));
	if ((rc = sqlite3_exec(s->db, sql, NULL, NULL, NULL)) != SQLITE_OK)
		return fail_db(s->base.path, s->db, s->busy_ms, rc, err);
	return V_OK;
}

static int sq_info(struct store *st, struct store_info *out, struct verr *err)
{
	struct sq *s = (struct sq *)st;
	int rc;

	memset(out, 0, sizeof(*out));
	out->backend = "sqlite";
	out->schema = sq_schema_version(st);
	if ((rc = scalar(s, S_COUNT_EVENTS, &out->events, err)) != V_OK ||
	    (rc = scalar(s, S_COUNT_INCIDENTS, &out->incidents, err)) != V_OK ||
	    (rc = scalar(s, S_COUNT_INDICATORS, &out->indicators, err)) != V_OK ||
	    (rc = scalar(s, S_COUNT_BATCHES, &out->batches, err)) != V_OK ||
	    (rc = scalar(s, S_COUNT_AUDIT, &out->audit_entries, err)) != V_OK)
		return rc;
	out->size = 0;
	if (file_size(s->base.path, "", &out->size) != 0 &&
	    scalar(s, S_PAGE_BYTES, &out->size, NULL) != V_OK)
		out->size = -1;
	if (out->size >= 0)
		file_size(s->base.path, "-wal", &out->size);
	return V_OK;
}

/* ---- batches --------------------------------------------------------------------------------- */

static int sq_batch_start(struct store *st, const char *feed, const char *source, int64_t *id,
			  struct verr *err)
{
	struct sq *s = (struct sq *)st;
	sqlite3_stmt *q = get(s, S_BATCH_START, err);
	int rc;

	if (!q)
		return V_ERR_IO;
	bind_str(q, 1, feed);
	bind_str(q, 2, source);
	sqlite3_bind_int64(q, 3, now());
	if ((rc = run(s, q, err)) != V_OK)
		return rc;
	*id = sqlite3_last_insert_rowid(s->db);
	batch_mode(s, 1);
	return V_OK;
}

static int sq_batch_finish(struct store *st, const struct store_batch *b, struct verr *err)
{
	struct sq *s = (struct sq *)st;
	sqlite3_stmt *q = get(s, S_BATCH_FINISH, err);
	int rc;

	if (!q)
		return V_ERR_IO;
	sqlite3_bind_int64(q, 1, b->id);
	sqlite3_bind_int64(q, 2, b->finished ? b->finished : now());
	sqlite3_bind_int64(q, 3, b->records);
	sqlite3_bind_int64(q, 4, b->events);
	sqlite3_bind_int64(q, 5, b->duplicates);
	sqlite3_bind_int64(q, 6, b->rejected);
	if ((rc = run(s, q, err)) != V_OK)
		return rc;
	if (sqlite3_changes(s->db) == 0)
		return verr_set(err, V_ERR_NOTFOUND, "", _("database %s: no batch %lld"),
				s->base.path, (long long)b->id);
	batch_mode(s, 0);
	return V_OK;
}

static int sq_batch_set_input(struct store *st, int64_t id, const char *sha256_hex,
			      struct verr *err)
{
	struct sq *s = (struct sq *)st;
	sqlite3_stmt *q = get(s, S_BATCH_INPUT, err);
	int rc;

	if (!q)
		return V_ERR_IO;
	sqlite3_bind_int64(q, 1, id);
	bind_str(q, 2, sha256_hex);
	if ((rc = run(s, q, err)) != V_OK)
		return rc;
	if (sqlite3_changes(s->db) == 0)
		return verr_set(err, V_ERR_NOTFOUND, "", _("database %s: no batch %lld"),
				s->base.path, (long long)id);
	return V_OK;
}

static int sq_batch_progress(struct store *st, const struct store_batch *b, struct verr *err)
{
	struct sq *s = (struct sq *)st;
	sqlite3_stmt *q = get(s, S_BATCH_PROGRESS, err);
	int rc;

	if (!q)
		return V_ERR_IO;
	sqlite3_bind_int64(q, 1, b->id);
	sqlite3_bind_int64(q, 2, b->records);
	sqlite3_bind_int64(q, 3, b->events);
	sqlite3_bind_int64(q, 4, b->duplicates);
	sqlite3_bind_int64(q, 5, b->rejected);
	if ((rc = run(s, q, err)) != V_OK)
		return rc;
	if (sqlite3_changes(s->db) == 0)
		return verr_set(err, V_ERR_NOTFOUND, "", _("database %s: no batch %lld"),
				s->base.path, (long long)b->id);
	return V_OK;
}

static int sq_batch_find_input(struct store *st, const char *feed, const char *sha256_hex,
			       struct store_batch *out, struct verr *err)
{
	struct sq *s = (struct sq *)st;
	sqlite3_stmt *q = get(s, S_BATCH_FIND, err);
	int step;

	memset(out, 0, sizeof(*out));
	if (!q)
		return V_ERR_IO;
	bind_str(q, 1, feed);
	bind_str(q, 2, sha256_hex);
	step = sqlite3_step(q);
	if (step == SQLITE_ROW) {
		out->id = sqlite3_column_int64(q, 0);
		out->started = sqlite3_column_int64(q, 1);
		out->finished = sqlite3_column_int64(q, 2);
		out->records = sqlite3_column_int64(q, 3);
		out->events = sqlite3_column_int64(q, 4);
		out->duplicates = sqlite3_column_int64(q, 5);
		out->rejected = sqlite3_column_int64(q, 6);
	}
	done(q);
	if (step == SQLITE_DONE)
		return V_ERR_NOTFOUND; /* the usual answer for a new input: err untouched */
	if (step != SQLITE_ROW)
		return fail(s, step, err);
	return V_OK;
}

/* ---- events ---------------------------------------------------------------------------------- */

static int sq_event_put(struct store *st, int64_t batch, const struct event *ev, uint64_t fp,
			int64_t window_start, int64_t *id, int *dup, struct verr *err)
{
	struct sq *s = (struct sq *)st;
	int64_t seen = seen_of(ev), found = 0;
	int own, rc = V_OK;

	*dup = 0;
	if ((rc = tx_enter(s, &own, err)) != V_OK)
		return rc;
	if (fp) {
		sqlite3_stmt *q = get(s, S_EV_FIND, err);
		if (!q) {
			rc = V_ERR_IO;
			goto out;
		}
		sqlite3_bind_int64(q, 1, (int64_t)fp);
		sqlite3_bind_int64(q, 2, window_start);
		rc = sqlite3_step(q);
		if (rc == SQLITE_ROW)
			found = sqlite3_column_int64(q, 0);
		done(q);
		if (rc != SQLITE_ROW && rc != SQLITE_DONE) {
			rc = fail(s, rc, err);
			goto out;
		}
		rc = V_OK;
	}
	if (found) {
		sqlite3_stmt *u = get(s, S_EV_REPEAT, err);
		if (!u) {
			rc = V_ERR_IO;
			goto out;
		}
		sqlite3_bind_int64(u, 1, found);
		sqlite3_bind_int64(u, 2, seen);
		if ((rc = run(s, u, err)) == V_OK) {
			*dup = 1;
			if (id)
				*id = found;
		}
	} else {
		rc = event_insert(s, batch, ev, fp, seen, id, err);
	}
out:
	return tx_leave(s, own, rc, err);
}

static int sq_event_insert(struct store *st, int64_t batch, const struct event *ev, uint64_t fp,
			   int64_t *id, struct verr *err)
{
	struct sq *s = (struct sq *)st;
	return event_insert(s, batch, ev, fp, seen_of(ev), id, err);
}

/* The listing's statement for a set of filters (one bit each), prepared once. */
static sqlite3_stmt *events_stmt(struct sq *s, unsigned mask, struct verr *err)
{
	struct buf q;
	int rc;

	if (s->evq[mask])
		return s->evq[mask];
	buf_init(&q, 1 << 16);
	rc = buf_puts(&q, "SELECT e.id, e.batch, e.first_seen, e.last_seen, e.repeats, e.json "
			  "FROM events e");
	if (mask & (1u << EF_INCIDENT))
		rc |= buf_puts(&q, " JOIN incident_events ie ON ie.event = e.id "
				   "AND ie.incident = :incident");
	rc |= buf_puts(&q, " WHERE 1");
	if (mask & (1u << EF_IP))
		rc |= buf_puts(&q, " AND (e.source_ip = :ip OR e.destination_ip = :ip)");
	if (mask & (1u << EF_NET))
		rc |= buf_puts(&q, " AND ((e.source_ip >= :lo AND e.source_ip <= :hi) OR "
				   "(e.destination_ip >= :lo AND e.destination_ip <= :hi))");
	if (mask & (1u << EF_CLASS))
		rc |= buf_puts(&q, " AND (e.classification_type = :class OR e.taxonomy = :class)");
	if (mask & (1u << EF_FEED))
		rc |= buf_puts(&q, " AND e.feed = :feed");
	if (mask & (1u << EF_FQDN))
		rc |= buf_puts(&q, " AND (e.source_fqdn_rev = :fqdn OR (e.source_fqdn_rev >= "
				   ":fqdn_lo AND e.source_fqdn_rev < :fqdn_hi) OR "
				   "e.destination_fqdn_rev = :fqdn OR (e.destination_fqdn_rev >= "
				   ":fqdn_lo AND e.destination_fqdn_rev < :fqdn_hi))");
	if (mask & (1u << EF_URL))
		rc |= buf_puts(&q, " AND e.source_url >= :url");
	if (mask & (1u << EF_URL_END))
		rc |= buf_puts(&q, " AND e.source_url < :url_end");
	if (mask & (1u << EF_SINCE))
		rc |= buf_puts(&q, " AND e.time >= :since");
	if (mask & (1u << EF_UNTIL))
		rc |= buf_puts(&q, " AND e.time < :until");
	if (mask & (1u << EF_BATCH))
		rc |= buf_puts(&q, " AND e.batch = :batch");
	/* an incident's events: the same order read from the link table's key (incident,
	 * event) backwards, which stops after the page instead of sorting all of them */
	if (mask & (1u << EF_INCIDENT))
		rc |= buf_puts(&q, " ORDER BY ie.event DESC LIMIT :limit OFFSET :offset");
	else
		rc |= buf_puts(&q, " ORDER BY e.id DESC LIMIT :limit OFFSET :offset");
	if (rc != V_OK) {
		buf_fini(&q);
		verr_set(err, V_ERR_NOMEM, "", "%s", vres_str(V_ERR_NOMEM));
		return NULL;
	}
	prepare(s, q.data, &s->evq[mask], err);
	buf_fini(&q);
	return s->evq[mask];
}

static void bind_named(sqlite3_stmt *st, const char *name, const void *v, int n, int blob)
{
	int i = sqlite3_bind_parameter_index(st, name);

	if (i <= 0)
		return;
	if (blob)
		sqlite3_bind_blob(st, i, v, n, SQLITE_TRANSIENT);
	else
		sqlite3_bind_text(st, i, v, n, SQLITE_TRANSIENT);
}

static void bind_named_int(sqlite3_stmt *st, const char *name, int64_t v)
{
	int i = sqlite3_bind_parameter_index(st, name);
	if (i > 0)
		sqlite3_bind_int64(st, i, v);
}

static int64_t page_limit(int64_t limit)
{
	return limit == 0 ? DEFAULT_PAGE : limit < 0 ? -1 : limit;
}

/* The length of a URL prefix without its trailing 0xff bytes: the range of the prefix ends just
 * after it, its last byte below 0xff one higher (0: no end, every URL from the prefix on). */
static size_t url_end_len(const char *url)
{
	size_t n = strlen(url);

	while (n > 0 && (unsigned char)url[n - 1] == 0xff)
		n--;
	return n;
}

/* The filters of f as the bits of events_stmt (the values are checked apart). */
static unsigned events_mask(const struct store_event_filter *f)
{
	unsigned mask = 0;

	mask |= f->ip ? 1u << EF_IP : 0;
	mask |= f->network ? 1u << EF_NET : 0;
	mask |= f->classification ? 1u << EF_CLASS : 0;
	mask |= f->feed ? 1u << EF_FEED : 0;
	mask |= f->fqdn ? 1u << EF_FQDN : 0;
	if (f->url && *f->url)
		mask |= 1u << EF_URL | (url_end_len(f->url) > 0 ? 1u << EF_URL_END : 0);
	mask |= f->since ? 1u << EF_SINCE : 0;
	mask |= f->until ? 1u << EF_UNTIL : 0;
	mask |= f->batch ? 1u << EF_BATCH : 0;
	mask |= f->incident ? 1u << EF_INCIDENT : 0;
	return mask;
}

static int sq_events_query(struct store *st, const struct store_event_filter *f,
			   store_event_cb cb, void *arg, struct verr *err)
{
	struct sq *s = (struct sq *)st;
	unsigned mask = events_mask(f);
	unsigned char ip[16], lo[16], hi[16];
	struct buf fq, url_end;
	sqlite3_stmt *q;
	int rc = V_OK, step;

	buf_init(&fq, 4096);
	buf_init(&url_end, 1 << 16);
	if (f->ip && ip16(f->ip, strlen(f->ip), ip) != 0) {
		rc = verr_set(err, V_ERR_INVALID, "ip", _("'%s' is not an IP address"), f->ip);
		goto out;
	}
	if (f->network && net16(f->network, lo, hi) != 0) {
		rc = verr_set(err, V_ERR_INVALID, "network",
			      _("'%s' is not a network (address/prefix length)"), f->network);
		goto out;
	}
	if ((f->fqdn && fqdn_rev(f->fqdn, strlen(f->fqdn), &fq) != V_OK) ||
	    ((mask & (1u << EF_URL_END)) &&
	     buf_append(&url_end, f->url, url_end_len(f->url)) != V_OK)) {
		rc = verr_set(err, V_ERR_NOMEM, "", "%s", vres_str(V_ERR_NOMEM));
		goto out;
	}
	if (mask & (1u << EF_URL_END)) {
		unsigned char *last = (unsigned char *)url_end.data + url_end.len - 1;
		*last = (unsigned char)(*last + 1);
	}
	if (!(q = events_stmt(s, mask, err))) {
		rc = V_ERR_IO;
		goto out;
	}
	bind_named(q, ":ip", ip, 16, 1);
	bind_named(q, ":lo", lo, 16, 1);
	bind_named(q, ":hi", hi, 16, 1);
	if (f->classification)
		bind_named(q, ":class", f->classification, -1, 0);
	if (f->feed)
		bind_named(q, ":feed", f->feed, -1, 0);
	if (mask & (1u << EF_FQDN)) {
		bind_named(q, ":fqdn", fq.data ? fq.data : "", (int)fq.len, 0);
		if (buf_putc(&fq, '.') == V_OK)
			bind_named(q, ":fqdn_lo", fq.data, (int)fq.len, 0);
		fq.data[fq.len - 1] = '/'; /* the byte after '.' */
		bind_named(q, ":fqdn_hi", fq.data, (int)fq.len, 0);
	}
	if (mask & (1u << EF_URL))
		bind_named(q, ":url", f->url, -1, 0);
	if (mask & (1u << EF_URL_END))
		bind_named(q, ":url_end", url_end.data, (int)url_end.len, 0);
	bind_named_int(q, ":since", f->since);
	bind_named_int(q, ":until", f->until);
	bind_named_int(q, ":batch", f->batch);
	bind_named_int(q, ":incident", f->incident);
	bind_named_int(q, ":limit", page_limit(f->limit));
	bind_named_int(q, ":offset", f->offset > 0 ? f->offset : 0);
	while ((step = sqlite3_step(q)) == SQLITE_ROW) {
		struct store_event_row r = {
			.id = sqlite3_column_int64(q, 0),
			.batch = sqlite3_column_int64(q, 1),
			.first_seen = sqlite3_column_int64(q, 2),
			.last_seen = sqlite3_column_int64(q, 3),
			.repeats = sqlite3_column_int64(q, 4),
			.json = col_str(q, 5),
		};
		if ((rc = cb(arg, &r)) != 0)
			break;
	}
	if (rc == V_OK && step != SQLITE_DONE)
		rc = fail(s, step, err);
	done(q);
out:
	buf_fini(&fq);
	buf_fini(&url_end);
	return rc;
}

static int sq_events_prune(struct store *st, int64_t cutoff, int64_t *removed, struct verr *err)
{
	struct sq *s = (struct sq *)st;
	sqlite3_stmt *q = get(s, S_PRUNE, err);
	int own, rc;

	*removed = 0;
	if (!q)
		return V_ERR_IO;
	if ((rc = tx_enter(s, &own, err)) != V_OK)
		return rc;
	sqlite3_bind_int64(q, 1, cutoff);
	if ((rc = run(s, q, err)) == V_OK)
		*removed = sqlite3_changes64(s->db);
	return tx_leave(s, own, rc, err);
}

static int sq_fingerprints_since(struct store *st, int64_t since, store_fp_cb cb, void *arg,
				 struct verr *err)
{
	struct sq *s = (struct sq *)st;
	sqlite3_stmt *q = get(s, S_FP_SINCE, err);
	int rc = V_OK, step;

	if (!q)
		return V_ERR_IO;
	sqlite3_bind_int64(q, 1, since);
	while ((step = sqlite3_step(q)) == SQLITE_ROW)
		if ((rc = cb(arg, (uint64_t)sqlite3_column_int64(q, 0),
			     sqlite3_column_int64(q, 1))) != 0)
			break;
	if (rc == V_OK && step != SQLITE_DONE)
		rc = fail(s, step, err);
	done(q);
	return rc;
}

/* ---- incidents ------------------------------------------------------------------------------- */

static int sq_incident_find_open(struct store *st, const char *rule, const char *key,
				 int64_t window_start, int64_t *id, struct verr *err)
{
	struct sq *s = (struct sq *)st;
	sqlite3_stmt *q = get(s, S_INC_FIND, err);
	uint64_t rk = rk_hash(rule ? rule : "", key ? key : "");
	int64_t *pending;
	int rc;

	if (!q)
		return V_ERR_IO;
	/* the incident of (rule, key) with updates waiting: its last_seen decides */
	if ((pending = rk_slot(s, rk, 0)) && *pending &&
	    (rc = pend_write(s, pend_slot(s, *pending, 0), err)) != V_OK)
		return rc;
	bind_str(q, 1, rule);
	bind_str(q, 2, key);
	sqlite3_bind_int64(q, 3, window_start);
	rc = sqlite3_step(q);
	if (rc == SQLITE_ROW)
		*id = sqlite3_column_int64(q, 0);
	done(q);
	if (rc == SQLITE_ROW)
		return pend_know(s, *id, rk, err);
	if (rc == SQLITE_DONE)
		return V_ERR_NOTFOUND; /* not an error a person sees: err untouched */
	return fail(s, rc, err);
}

static int sq_incident_create(struct store *st, const struct store_incident *inc, int64_t *id,
			      struct verr *err)
{
	struct sq *s = (struct sq *)st;
	sqlite3_stmt *q = get(s, S_INC_CREATE, err);
	int rc;

	if (!q)
		return V_ERR_IO;
	bind_str(q, 1, inc->rule ? inc->rule : "");
	bind_str(q, 2, inc->key ? inc->key : "");
	sqlite3_bind_int(q, 3, (int)inc->state);
	bind_str(q, 4, inc->resolution);
	bind_str(q, 5, inc->owner);
	sqlite3_bind_int(q, 6, inc->priority);
	bind_str(q, 7, inc->impact);
	bind_str(q, 8, inc->tlp);
	bind_str(q, 9, inc->pap);
	bind_str(q, 10, inc->classification_type);
	bind_str(q, 11, inc->taxonomy);
	bind_str(q, 12, inc->organisation);
	bind_str(q, 13, inc->title);
	sqlite3_bind_int64(q, 14, inc->first_seen);
	sqlite3_bind_int64(q, 15, inc->last_seen);
	sqlite3_bind_int64(q, 16, inc->event_count);
	sqlite3_bind_int64(q, 17, inc->created ? inc->created : now());
	sqlite3_bind_int64(q, 18, inc->deadline);
	sqlite3_bind_int64(q, 19, inc->merged_into);
	bind_str(q, 20, inc->country && *inc->country ? inc->country : NULL);
	sqlite3_bind_int64(q, 21, inc->asn > 0 ? inc->asn : 0);
	bind_str(q, 22, inc->network && *inc->network ? inc->network : NULL);
	if ((rc = run(s, q, err)) != V_OK)
		return rc;
	*id = sqlite3_last_insert_rowid(s->db);
	return pend_know(s, *id, rk_hash(inc->rule ? inc->rule : "", inc->key ? inc->key : ""),
			 err);
}

static int sq_incident_add_event(struct store *st, int64_t incident, int64_t event, int64_t seen,
				 struct verr *err)
{
	struct sq *s = (struct sq *)st;
	sqlite3_stmt *ins = get(s, S_IE_INSERT, err), *upd = get(s, S_INC_SEEN, err);
	struct pend *p;
	int own, rc;

	if (!ins || !upd)
		return V_ERR_IO;
	if (!sqlite3_get_autocommit(s->db) && (p = pend_slot(s, incident, 0)) != NULL) {
		/* known in this transaction: the link now, the counters at the commit */
		sqlite3_bind_int64(ins, 1, incident);
		sqlite3_bind_int64(ins, 2, event);
		sqlite3_bind_int64(ins, 3, seen);
		if ((rc = run(s, ins, err)) != V_OK)
			return rc;
		pend_save(s, p);
		if (!p->dirty || seen < p->first)
			p->first = seen;
		if (!p->dirty || seen > p->last)
			p->last = seen;
		p->count += sqlite3_changes(s->db);
		p->dirty = 1;
		return V_OK;
	}
	if ((rc = tx_enter(s, &own, err)) != V_OK)
		return rc;
	sqlite3_bind_int64(ins, 1, incident);
	sqlite3_bind_int64(ins, 2, event);
	sqlite3_bind_int64(ins, 3, seen);
	if ((rc = run(s, ins, err)) != V_OK)
		goto out;
	sqlite3_bind_int64(upd, 1, incident);
	sqlite3_bind_int64(upd, 2, sqlite3_changes(s->db));
	sqlite3_bind_int64(upd, 3, seen);
	sqlite3_bind_int64(upd, 4, seen);
	if ((rc = run(s, upd, err)) == V_OK && sqlite3_changes(s->db) == 0)
		rc = verr_set(err, V_ERR_NOTFOUND, "", _("database %s: no incident %lld"),
			      s->base.path, (long long)incident);
out:
	return tx_leave(s, own, rc, err);
}

/* Fill inc from a row of INC_COLS; strings borrowed from the statement. */
static void incident_row(sqlite3_stmt *q, struct store_incident *inc)
{
	inc->id = sqlite3_column_int64(q, 0);
	inc->rule = col_str(q, 1);
	inc->key = col_str(q, 2);
	inc->state = (enum incident_state)sqlite3_column_int(q, 3);
	inc->resolution = col_str(q, 4);
	inc->owner = col_str(q, 5);
	inc->priority = sqlite3_column_int(q, 6);
	inc->impact = col_str(q, 7);
	inc->tlp = col_str(q, 8);
	inc->pap = col_str(q, 9);
	inc->classification_type = col_str(q, 10);
	inc->taxonomy = col_str(q, 11);
	inc->organisation = col_str(q, 12);
	inc->title = col_str(q, 13);
	inc->first_seen = sqlite3_column_int64(q, 14);
	inc->last_seen = sqlite3_column_int64(q, 15);
	inc->event_count = sqlite3_column_int64(q, 16);
	inc->created = sqlite3_column_int64(q, 17);
	inc->updated = sqlite3_column_int64(q, 18);
	inc->deadline = sqlite3_column_int64(q, 19);
	inc->merged_into = sqlite3_column_int64(q, 20);
	inc->country = col_str(q, 21);
	inc->asn = sqlite3_column_int64(q, 22);
	inc->network = col_str(q, 23);
}

static int sq_incident_get(struct store *st, int64_t id, struct store_incident *out,
			   struct verr *err)
{
	struct sq *s = (struct sq *)st;
	sqlite3_stmt *q = get(s, S_INC_GET, err);
	int rc, oom = 0;

	memset(out, 0, sizeof(*out));
	if (!q)
		return V_ERR_IO;
	if ((rc = pend_write(s, pend_slot(s, id, 0), err)) != V_OK)
		return rc;
	sqlite3_bind_int64(q, 1, id);
	rc = sqlite3_step(q);
	if (rc == SQLITE_ROW) {
		incident_row(q, out);
		out->rule = dup_col(q, 1, &oom);
		out->key = dup_col(q, 2, &oom);
		out->resolution = dup_col(q, 4, &oom);
		out->owner = dup_col(q, 5, &oom);
		out->impact = dup_col(q, 7, &oom);
		out->tlp = dup_col(q, 8, &oom);
		out->pap = dup_col(q, 9, &oom);
		out->classification_type = dup_col(q, 10, &oom);
		out->taxonomy = dup_col(q, 11, &oom);
		out->organisation = dup_col(q, 12, &oom);
		out->title = dup_col(q, 13, &oom);
		out->country = dup_col(q, 21, &oom);
		out->network = dup_col(q, 23, &oom);
	}
	done(q);
	if (rc == SQLITE_DONE)
		return verr_set(err, V_ERR_NOTFOUND, "", _("no incident %lld"), (long long)id);
	if (rc != SQLITE_ROW)
		return fail(s, rc, err);
	if (oom) {
		store_incident_free(out);
		return verr_set(err, V_ERR_NOMEM, "", "%s", vres_str(V_ERR_NOMEM));
	}
	return V_OK;
}

static int sq_incident_update(struct store *st, const struct store_incident *inc,
			      struct verr *err)
{
	struct sq *s = (struct sq *)st;
	sqlite3_stmt *q = get(s, S_INC_UPDATE, err);
	int rc;

	if (!q)
		return V_ERR_IO;
	sqlite3_bind_int64(q, 1, inc->id);
	sqlite3_bind_int(q, 2, (int)inc->state);
	bind_str(q, 3, inc->resolution);
	bind_str(q, 4, inc->owner);
	sqlite3_bind_int(q, 5, inc->priority);
	bind_str(q, 6, inc->impact);
	bind_str(q, 7, inc->tlp);
	bind_str(q, 8, inc->pap);
	bind_str(q, 9, inc->organisation);
	bind_str(q, 10, inc->title);
	sqlite3_bind_int64(q, 11, inc->deadline);
	sqlite3_bind_int64(q, 12, inc->merged_into);
	sqlite3_bind_int64(q, 13, inc->updated ? inc->updated : now());
	if ((rc = run(s, q, err)) != V_OK)
		return rc;
	if (sqlite3_changes(s->db) == 0)
		return verr_set(err, V_ERR_NOTFOUND, "", _("no incident %lld"),
				(long long)inc->id);
	return V_OK;
}

static int sq_incident_attribute(struct store *st, int64_t id, const char *country, int64_t asn,
				 const char *network, int *set, struct verr *err)
{
	struct sq *s = (struct sq *)st;
	sqlite3_stmt *q = get(s, S_INC_ATTR, err);
	int rc;

	*set = 0;
	if (!q)
		return V_ERR_IO;
	sqlite3_bind_int64(q, 1, id);
	bind_str(q, 2, country);
	sqlite3_bind_int64(q, 3, asn);
	bind_str(q, 4, network);
	if ((rc = run(s, q, err)) != V_OK)
		return rc;
	*set = sqlite3_changes(s->db) > 0;
	return V_OK;
}

static sqlite3_stmt *incidents_stmt(struct sq *s, unsigned mask,
				    const struct store_incident_filter *f, struct verr *err)
{
	struct buf q;
	int rc;

	unsigned key = store_incq_key(mask, f);
	sqlite3_stmt *st = store_stmt_map_get(&s->incq, key);
	const char *col = store_sort_column(f->sort), *dir = f->ascending ? "ASC" : "DESC",
		   *cmp = f->ascending ? ">" : "<";

	if (st)
		return st;
	buf_init(&q, 1 << 16);
	rc = buf_puts(&q, "SELECT " INC_COLS " FROM incidents WHERE 1");
	if (mask & (1u << IF_OPEN))
		rc |= buf_puts(&q, " AND state < 4");
	if (mask & (1u << IF_STATE))
		rc |= buf_puts(&q, " AND state = :state");
	if (mask & (1u << IF_OWNER))
		rc |= buf_puts(&q, " AND owner = :owner");
	if (mask & (1u << IF_CLASS))
		rc |= buf_puts(&q, " AND (classification_type = :class OR taxonomy = :class)");
	if (mask & (1u << IF_ORG))
		rc |= buf_puts(&q, " AND organisation = :org");
	if (mask & (1u << IF_PRIO))
		rc |= buf_puts(&q, " AND priority = :prio");
	if (mask & (1u << IF_DUE))
		rc |= buf_puts(&q, " AND deadline > 0 AND state < 4 AND deadline < :due");
	if (mask & (1u << IF_TLP))
		rc |= buf_puts(&q, " AND tlp = :tlp");
	if (mask & (1u << IF_TEXT))
		rc |= buf_puts(&q, " AND (instr(lower(coalesce(title, '')), lower(:text)) > 0"
				   " OR instr(lower(key), lower(:text)) > 0"
				   " OR instr(lower(coalesce(organisation, '')), lower(:text)) > 0)");
	if (mask & (1u << IF_CC))
		rc |= buf_puts(&q, " AND country = upper(:cc)");
	if (mask & (1u << IF_ASN))
		rc |= buf_puts(&q, " AND asn = :asn");
	if (mask & (1u << IF_NET))
		rc |= buf_puts(&q, " AND network = :net");
	/* keyset: after the last row of the page before, in the same total order */
	if (f->after_set && f->sort == STORE_SORT_ID)
		rc |= buf_printf(&q, " AND id %s :aid", cmp);
	else if (f->after_set)
		rc |= buf_printf(&q, " AND (%s, id) %s (:akey, :aid)", col, cmp);
	if (f->sort == STORE_SORT_ID)
		rc |= buf_printf(&q, " ORDER BY id %s", dir);
	else
		rc |= buf_printf(&q, " ORDER BY %s %s, id %s", col, dir, dir);
	rc |= buf_puts(&q, " LIMIT :limit OFFSET :offset");
	if (rc != V_OK) {
		buf_fini(&q);
		verr_set(err, V_ERR_NOMEM, "", "%s", vres_str(V_ERR_NOMEM));
		return NULL;
	}
	if (prepare(s, q.data, &st, err) == V_OK && store_stmt_map_put(&s->incq, key, st) != V_OK) {
		sqlite3_finalize(st);
		st = NULL;
		verr_set(err, V_ERR_NOMEM, "", "%s", vres_str(V_ERR_NOMEM));
	}
	buf_fini(&q);
	return st;
}

static int sq_incidents_query(struct store *st, const struct store_incident_filter *f,
			      store_incident_cb cb, void *arg, struct verr *err)
{
	struct sq *s = (struct sq *)st;
	unsigned mask = 0;
	sqlite3_stmt *q;
	int rc = V_OK, step;

	if ((rc = pend_flush(s, err)) != V_OK)
		return rc;
	if (f->open_only)
		mask |= 1u << IF_OPEN;
	if (f->state >= 0)
		mask |= 1u << IF_STATE;
	if (f->owner)
		mask |= 1u << IF_OWNER;
	if (f->classification)
		mask |= 1u << IF_CLASS;
	if (f->organisation)
		mask |= 1u << IF_ORG;
	if (f->priority)
		mask |= 1u << IF_PRIO;
	if (f->due_before)
		mask |= 1u << IF_DUE;
	if (f->tlp)
		mask |= 1u << IF_TLP;
	if (f->text)
		mask |= 1u << IF_TEXT;
	if (f->country)
		mask |= 1u << IF_CC;
	if (f->asn)
		mask |= 1u << IF_ASN;
	if (f->network)
		mask |= 1u << IF_NET;
	if (!(q = incidents_stmt(s, mask, f, err)))
		return V_ERR_IO;
	if (f->after_set) {
		bind_named_int(q, ":akey", f->after_key);
		bind_named_int(q, ":aid", f->after_id);
	}
	if (f->tlp)
		bind_named(q, ":tlp", f->tlp, -1, 0);
	if (f->text)
		bind_named(q, ":text", f->text, -1, 0);
	bind_named_int(q, ":state", f->state);
	if (f->owner)
		bind_named(q, ":owner", f->owner, -1, 0);
	if (f->classification)
		bind_named(q, ":class", f->classification, -1, 0);
	if (f->organisation)
		bind_named(q, ":org", f->organisation, -1, 0);
	bind_named_int(q, ":prio", f->priority);
	bind_named_int(q, ":due", f->due_before);
	if (f->country)
		bind_named(q, ":cc", f->country, -1, 0);
	bind_named_int(q, ":asn", f->asn);
	if (f->network)
		bind_named(q, ":net", f->network, -1, 0);
	bind_named_int(q, ":limit", page_limit(f->limit));
	bind_named_int(q, ":offset", f->offset > 0 ? f->offset : 0);
	while ((step = sqlite3_step(q)) == SQLITE_ROW) {
		struct store_incident inc;
		incident_row(q, &inc);
		if ((rc = cb(arg, &inc)) != 0)
			break;
	}
	if (rc == V_OK && step != SQLITE_DONE)
		rc = fail(s, step, err);
	done(q);
	return rc;
}

/* Counts per state and of the overdue: the web UI's queue header (store.h). */
static int sq_incident_counts(struct store *st, int64_t now_, int64_t counts[6],
			      int64_t *overdue, struct verr *err)
{
	struct sq *s = (struct sq *)st;
	sqlite3_stmt *q;
	int rc, step;

	if ((rc = pend_flush(s, err)) != V_OK)
		return rc;
	for (int i = 0; i < 6; i++)
		counts[i] = 0;
	*overdue = 0;
	/* incident_counts: kept by triggers (migrate.c, step 10) */
	if (!s->cntq && prepare(s, "SELECT state, n, 0 FROM incident_counts"
			   " UNION ALL SELECT -1, count(*), 0 FROM incidents"
			   " WHERE deadline > 0 AND state < 4 AND deadline < :now",
			   &s->cntq, err) != V_OK)
		return V_ERR_IO;
	q = s->cntq;
	bind_named_int(q, ":now", now_);
	while ((step = sqlite3_step(q)) == SQLITE_ROW) {
		int64_t k = sqlite3_column_int64(q, 0), n = sqlite3_column_int64(q, 1);

		if (k >= 0 && k < 6)
			counts[k] = n;
		else if (k == -1)
			*overdue = n;
	}
	rc = step == SQLITE_DONE ? V_OK : fail(s, step, err);
	done(q);
	return rc;
}

static const char *const group_sql[STORE_GROUP__COUNT] = {
	"SELECT strftime('%Y-%m-%d', created, 'unixepoch'), classification_type, count(*), 0 FROM incidents"
	" WHERE created >= :since GROUP BY 1, 2 ORDER BY 1, 2",
	"SELECT CASE WHEN :now - created < 86400 THEN '0-1d' WHEN :now - created < 604800"
	" THEN '1-7d' WHEN :now - created < 2592000 THEN '7-30d' ELSE '30d+' END,"
	" CAST(priority AS TEXT), count(*), 0 FROM incidents WHERE state < 4 GROUP BY 1, 2 ORDER BY 1, 2",
	"SELECT organisation, NULL, count(*), 0 FROM incidents WHERE created >= :since"
	" AND organisation IS NOT NULL AND organisation <> '' GROUP BY 1 ORDER BY 3 DESC, 1"
	" LIMIT :limit",
	"SELECT classification_type, NULL, count(*), 0 FROM incidents WHERE created >= :since"
	" AND classification_type IS NOT NULL GROUP BY 1 ORDER BY 3 DESC, 1 LIMIT :limit",
	"SELECT CAST(priority AS TEXT), NULL, count(*), sum(updated - created) FROM incidents WHERE state >= 4"
	" AND created >= :since GROUP BY 1 ORDER BY 1",
	/* the attribution's tops: from the covering index incidents_attribution (migrate.c 14),
	 * named so that the planner does not take a column's partial index and read every row */
	"SELECT country, NULL, count(*), 0 FROM incidents INDEXED BY incidents_attribution"
	" WHERE created >= :since AND country IS NOT NULL GROUP BY country"
	" ORDER BY 3 DESC, 1 LIMIT :limit",
	"SELECT CAST(asn AS TEXT), NULL, count(*), 0 FROM incidents INDEXED BY incidents_attribution"
	" WHERE created >= :since AND asn IS NOT NULL GROUP BY asn"
	" ORDER BY 3 DESC, asn LIMIT :limit",
	"SELECT network, NULL, count(*), 0 FROM incidents INDEXED BY incidents_attribution"
	" WHERE created >= :since AND network IS NOT NULL GROUP BY network"
	" ORDER BY 3 DESC, 1 LIMIT :limit",
	/* nearest-rank percentiles: the row whose rank is ceil(p * n / 100) */
	"SELECT CAST(priority AS TEXT), CAST(ps.p AS TEXT), x.n, x.d FROM (SELECT priority,"
	" updated - created AS d, count(*) OVER (PARTITION BY priority) AS n,"
	" row_number() OVER (PARTITION BY priority ORDER BY updated - created) AS rn"
	" FROM incidents WHERE state >= 4 AND created >= :since)"
	" AS x JOIN (SELECT 50 AS p UNION ALL SELECT 90) AS ps ON x.rn = (x.n * ps.p + 99) / 100"
	" ORDER BY x.priority, ps.p",
};

static int sq_incident_groups(struct store *st, const struct store_incident_grouping *g,
			      store_group_cb cb, void *arg, struct verr *err)
{
	struct sq *s = (struct sq *)st;
	sqlite3_stmt *q;
	int rc, step;

	if ((rc = pend_flush(s, err)) != V_OK)
		return rc;
	if (!s->grpq[g->by] && prepare(s, group_sql[g->by], &s->grpq[g->by], err) != V_OK)
		return V_ERR_IO;
	q = s->grpq[g->by];
	bind_named_int(q, ":since", g->since);
	bind_named_int(q, ":now", g->now);
	bind_named_int(q, ":limit", g->limit > 0 ? g->limit : -1);
	rc = V_OK;
	while ((step = sqlite3_step(q)) == SQLITE_ROW) {
		struct store_incident_group r;

		r.a = (const char *)sqlite3_column_text(q, 0);
		r.b = (const char *)sqlite3_column_text(q, 1);
		r.count = sqlite3_column_int64(q, 2);
		r.sum = sqlite3_column_int64(q, 3);
		if ((rc = cb(arg, &r)) != 0)
			break;
	}
	if (rc == V_OK && step != SQLITE_DONE)
		rc = fail(s, step, err);
	done(q);
	return rc;
}

/* ---- notes, attachments, links --------------------------------------------------------------- */

static int sq_note_add(struct store *st, int64_t incident, const char *author, const char *text,
		       int64_t *id, struct verr *err)
{
	struct sq *s = (struct sq *)st;
	sqlite3_stmt *q = get(s, S_NOTE_ADD, err);
	int rc;

	if (!q)
		return V_ERR_IO;
	sqlite3_bind_int64(q, 1, incident);
	bind_str(q, 2, author);
	sqlite3_bind_int64(q, 3, now());
	bind_str(q, 4, text ? text : "");
	if ((rc = run(s, q, err)) != V_OK)
		return rc;
	if (id)
		*id = sqlite3_last_insert_rowid(s->db);
	return V_OK;
}

static int sq_notes_list(struct store *st, int64_t incident, store_note_cb cb, void *arg,
			 struct verr *err)
{
	struct sq *s = (struct sq *)st;
	sqlite3_stmt *q = get(s, S_NOTES, err);
	int rc = V_OK, step;

	if (!q)
		return V_ERR_IO;
	sqlite3_bind_int64(q, 1, incident);
	while ((step = sqlite3_step(q)) == SQLITE_ROW)
		if ((rc = cb(arg, sqlite3_column_int64(q, 0), col_str(q, 1),
			     sqlite3_column_int64(q, 2), col_str(q, 3))) != 0)
			break;
	if (rc == V_OK && step != SQLITE_DONE)
		rc = fail(s, step, err);
	done(q);
	return rc;
}

static int sq_attachment_add(struct store *st, int64_t incident, const char *name,
			     const void *data, size_t len, char sha256_hex[65], struct verr *err)
{
	struct sq *s = (struct sq *)st;
	sqlite3_stmt *c = get(s, S_CONTENT_ADD, err), *a = get(s, S_ATT_ADD, err);
	unsigned char md[crypto_hash_sha256_BYTES];
	int own, rc;

	if (!c || !a)
		return V_ERR_IO;
	if (len > (size_t)INT32_MAX)
		return verr_set(err, V_ERR_LIMIT, "", _("attachment too large (%zu bytes)"), len);
	if (sodium_init() < 0)
		return verr_set(err, V_ERR_NOMEM, "", "%s", vres_str(V_ERR_NOMEM));
	crypto_hash_sha256(md, data, len);
	sodium_bin2hex(sha256_hex, 65, md, sizeof(md));
	if ((rc = tx_enter(s, &own, err)) != V_OK)
		return rc;
	sqlite3_bind_text(c, 1, sha256_hex, 64, SQLITE_STATIC);
	sqlite3_bind_int64(c, 2, (int64_t)len);
	sqlite3_bind_blob(c, 3, len ? data : "", (int)len, SQLITE_STATIC);
	if ((rc = run(s, c, err)) != V_OK)
		goto out;
	sqlite3_bind_int64(a, 1, incident);
	bind_str(a, 2, name ? name : "");
	sqlite3_bind_text(a, 3, sha256_hex, 64, SQLITE_STATIC);
	sqlite3_bind_int64(a, 4, now());
	rc = run(s, a, err);
out:
	return tx_leave(s, own, rc, err);
}

static int sq_attachments_list(struct store *st, int64_t incident, store_attachment_cb cb,
			       void *arg, struct verr *err)
{
	struct sq *s = (struct sq *)st;
	sqlite3_stmt *q = get(s, S_ATT_LIST, err);
	int rc = V_OK, step;

	if (!q)
		return V_ERR_IO;
	sqlite3_bind_int64(q, 1, incident);
	while ((step = sqlite3_step(q)) == SQLITE_ROW)
		if ((rc = cb(arg, col_str(q, 0), col_str(q, 1), sqlite3_column_int64(q, 2),
			     sqlite3_column_int64(q, 3))) != 0)
			break;
	if (rc == V_OK && step != SQLITE_DONE)
		rc = fail(s, step, err);
	done(q);
	return rc;
}

static int sq_attachment_get(struct store *st, const char *sha256_hex, void **data, size_t *len,
			     struct verr *err)
{
	struct sq *s = (struct sq *)st;
	sqlite3_stmt *q = get(s, S_CONTENT_GET, err);
	int rc = V_OK, step;

	*data = NULL;
	*len = 0;
	if (!q)
		return V_ERR_IO;
	bind_str(q, 1, sha256_hex);
	step = sqlite3_step(q);
	if (step == SQLITE_ROW) {
		int n = sqlite3_column_bytes(q, 0);
		const void *p = sqlite3_column_blob(q, 0);
		*data = malloc(n > 0 ? (size_t)n : 1);
		if (!*data)
			rc = verr_set(err, V_ERR_NOMEM, "", "%s", vres_str(V_ERR_NOMEM));
		else if (n > 0)
			memcpy(*data, p, (size_t)n);
		*len = (size_t)n;
	} else if (step == SQLITE_DONE) {
		rc = verr_set(err, V_ERR_NOTFOUND, "", _("no attachment with SHA-256 %s"),
			      sha256_hex);
	} else {
		rc = fail(s, step, err);
	}
	done(q);
	return rc;
}

static int sq_link_add(struct store *st, int64_t a, int64_t b, const char *kind, const char *why,
		       struct verr *err)
{
	struct sq *s = (struct sq *)st;
	sqlite3_stmt *q = get(s, S_LINK_ADD, err), *has = get(s, S_LINK_HAS, err);
	const char *k = kind ? kind : "linked";
	int own, rc, step;

	if (!q || !has)
		return V_ERR_IO;
	if (a == b)
		return verr_set(err, V_ERR_INVALID, "", "%s",
				_("an incident cannot be linked to itself"));
	if ((rc = tx_enter(s, &own, err)) != V_OK)
		return rc;
	sqlite3_bind_int64(has, 1, b);
	sqlite3_bind_int64(has, 2, a);
	bind_str(has, 3, k);
	step = sqlite3_step(has);
	done(has);
	if (step == SQLITE_DONE) {
		sqlite3_bind_int64(q, 1, a);
		sqlite3_bind_int64(q, 2, b);
		bind_str(q, 3, k);
		bind_str(q, 4, why);
		sqlite3_bind_int64(q, 5, now());
		rc = run(s, q, err);
	} else if (step != SQLITE_ROW)
		rc = fail(s, step, err);
	return tx_leave(s, own, rc, err);
}

static int sq_links_list(struct store *st, int64_t incident, store_link_cb cb, void *arg,
			 struct verr *err)
{
	struct sq *s = (struct sq *)st;
	sqlite3_stmt *q = get(s, S_LINKS, err);
	int rc = V_OK, step;

	if (!q)
		return V_ERR_IO;
	sqlite3_bind_int64(q, 1, incident);
	while ((step = sqlite3_step(q)) == SQLITE_ROW)
		if ((rc = cb(arg, sqlite3_column_int64(q, 0), col_str(q, 1), col_str(q, 2))) != 0)
			break;
	if (rc == V_OK && step != SQLITE_DONE)
		rc = fail(s, step, err);
	done(q);
	return rc;
}

/* ---- indicators ------------------------------------------------------------------------------ */

static int sq_indicator_get(struct store *st, const char *kind, const char *value, int64_t *id,
			    int *common, struct verr *err)
{
	struct sq *s = (struct sq *)st;
	sqlite3_stmt *f = get(s, S_IND_FIND, err), *a = get(s, S_IND_ADD, err);
	int step, rc;

	if (!f || !a)
		return V_ERR_IO;
	bind_str(f, 1, kind);
	bind_str(f, 2, value);
	step = sqlite3_step(f);
	if (step == SQLITE_ROW) {
		*id = sqlite3_column_int64(f, 0);
		if (common)
			*common = sqlite3_column_int(f, 1);
	}
	done(f);
	if (step == SQLITE_ROW)
		return V_OK;
	if (step != SQLITE_DONE)
		return fail(s, step, err);
	bind_str(a, 1, kind);
	bind_str(a, 2, value);
	if ((rc = run(s, a, err)) != V_OK)
		return rc;
	*id = sqlite3_last_insert_rowid(s->db);
	if (common)
		*common = 0;
	return V_OK;
}

static int sq_indicator_find(struct store *st, const char *kind, const char *value, int64_t *id,
			     int *common, struct verr *err)
{
	struct sq *s = (struct sq *)st;
	sqlite3_stmt *f = get(s, S_IND_FIND, err);
	int step;

	if (!f)
		return V_ERR_IO;
	bind_str(f, 1, kind);
	bind_str(f, 2, value);
	step = sqlite3_step(f);
	if (step == SQLITE_ROW) {
		*id = sqlite3_column_int64(f, 0);
		if (common)
			*common = sqlite3_column_int(f, 1);
	}
	done(f);
	if (step == SQLITE_ROW)
		return V_OK;
	if (step != SQLITE_DONE)
		return fail(s, step, err);
	return V_ERR_NOTFOUND;
}

static int sq_indicator_set_common(struct store *st, int64_t id, const char *why,
				   struct verr *err)
{
	struct sq *s = (struct sq *)st;
	sqlite3_stmt *q = get(s, S_IND_COMMON, err);
	int rc;

	if (!q)
		return V_ERR_IO;
	sqlite3_bind_int64(q, 1, id);
	bind_str(q, 2, why);
	if ((rc = run(s, q, err)) != V_OK)
		return rc;
	if (sqlite3_changes(s->db) == 0)
		return verr_set(err, V_ERR_NOTFOUND, "", _("no indicator %lld"), (long long)id);
	return V_OK;
}

static int sq_posting_add(struct store *st, int64_t indicator, int64_t incident, int *is_new,
			  struct verr *err)
{
	struct sq *s = (struct sq *)st;
	sqlite3_stmt *q = get(s, S_POST_ADD, err);
	int rc;

	if (!q)
		return V_ERR_IO;
	sqlite3_bind_int64(q, 1, indicator);
	sqlite3_bind_int64(q, 2, incident);
	if ((rc = run(s, q, err)) != V_OK)
		return rc;
	if (sqlite3_changes(s->db) > 0) {
		if (is_new)
			*is_new = 1;
		return V_OK;
	}
	/* nothing written: the posting was there, or a parent is missing */
	if (!(q = get(s, S_POST_PARENTS, err)))
		return V_ERR_IO;
	sqlite3_bind_int64(q, 1, indicator);
	sqlite3_bind_int64(q, 2, incident);
	rc = sqlite3_step(q);
	rc = rc != SQLITE_ROW ? fail(s, rc, err)
	     : sqlite3_column_int(q, 0) ? V_OK
	     : verr_set(err, V_ERR_NOTFOUND, "", _("no indicator %lld or no incident %lld"),
	                (long long)indicator, (long long)incident);
	done(q);
	if (rc == V_OK && is_new)
		*is_new = 0;
	return rc;
}

/*
 * vigia_rows(P): the rows of the deferred batch as a table, P a pointer to struct rows bound
 * with sqlite3_bind_pointer (type "vigia_rows"), so that one statement writes them all: the
 * statement's cursors stay open from one row to the next instead of being opened, seeked from
 * the root and closed again per row (postings: 15,400 -> 10,500 instructions a row, callgrind,
 * docs/benchmarks.md "correlation, fourth round").  An eponymous-only virtual table (no
 * CREATE VIRTUAL TABLE), read-only, columns a, b, kind, why, value and the hidden argument.
 * (SQLite's carray extension does this for one column, but Debian's libsqlite3 does not build
 * it in.)
 */
struct rows {
	size_t n;
	const int64_t (*pairs)[2];            /* one of these: (a, b; the rest NULL) */
	const struct store_link_row *links;  /* (a, b, kind, why; value NULL) */
	const struct store_indicator_row *inds; /* (a the id, kind, why, value; b NULL) */
};

struct rows_cursor {
	sqlite3_vtab_cursor base;
	const struct rows *r;
	size_t i;
};

static int rows_connect(sqlite3 *db, void *aux, int argc, const char *const *argv,
			sqlite3_vtab **out, char **msg)
{
	sqlite3_vtab *t;
	int rc;

	(void)aux;
	(void)argc;
	(void)argv;
	(void)msg;
	if ((rc = sqlite3_declare_vtab(db, "CREATE TABLE x(a, b, kind, why, value, p HIDDEN)")) != 0)
		return rc;
	if (!(t = sqlite3_malloc(sizeof(*t))))
		return SQLITE_NOMEM;
	memset(t, 0, sizeof(*t));
	*out = t;
	return SQLITE_OK;
}

static int rows_disconnect(sqlite3_vtab *t)
{
	sqlite3_free(t);
	return SQLITE_OK;
}

/* Only a scan with the argument given (p = ?): anything else reads no rows. */
static int rows_best_index(sqlite3_vtab *t, sqlite3_index_info *ii)
{
	(void)t;
	for (int i = 0; i < ii->nConstraint; i++)
		if (ii->aConstraint[i].iColumn == 5 && ii->aConstraint[i].usable &&
		    ii->aConstraint[i].op == SQLITE_INDEX_CONSTRAINT_EQ) {
			ii->aConstraintUsage[i].argvIndex = 1;
			ii->aConstraintUsage[i].omit = 1;
			ii->idxNum = 1;
			ii->estimatedCost = 1;
			return SQLITE_OK;
		}
	ii->estimatedCost = 1e12;
	return SQLITE_OK;
}

static int rows_open(sqlite3_vtab *t, sqlite3_vtab_cursor **out)
{
	struct rows_cursor *c = sqlite3_malloc(sizeof(*c));

	(void)t;
	if (!c)
		return SQLITE_NOMEM;
	memset(c, 0, sizeof(*c));
	*out = &c->base;
	return SQLITE_OK;
}

static int rows_close(sqlite3_vtab_cursor *c)
{
	sqlite3_free(c);
	return SQLITE_OK;
}

static int rows_filter(sqlite3_vtab_cursor *cc, int idx, const char *idx_str, int argc,
		       sqlite3_value **argv)
{
	struct rows_cursor *c = (struct rows_cursor *)cc;

	(void)idx_str;
	c->i = 0;
	c->r = idx == 1 && argc > 0 ? sqlite3_value_pointer(argv[0], "vigia_rows") : NULL;
	return SQLITE_OK;
}

static int rows_next(sqlite3_vtab_cursor *cc)
{
	((struct rows_cursor *)cc)->i++;
	return SQLITE_OK;
}

static int rows_eof(sqlite3_vtab_cursor *cc)
{
	struct rows_cursor *c = (struct rows_cursor *)cc;

	return !c->r || c->i >= c->r->n;
}

static void result_text(sqlite3_context *ctx, const char *text)
{
	if (text)
		sqlite3_result_text(ctx, text, -1, SQLITE_STATIC);
}

static int rows_column(sqlite3_vtab_cursor *cc, sqlite3_context *ctx, int col)
{
	struct rows_cursor *c = (struct rows_cursor *)cc;
	const struct store_link_row *l = c->r->links ? &c->r->links[c->i] : NULL;
	const struct store_indicator_row *in = c->r->inds ? &c->r->inds[c->i] : NULL;

	switch (col) {
	case 0:
		sqlite3_result_int64(ctx, in ? in->id : l ? l->a : c->r->pairs[c->i][0]);
		break;
	case 1:
		if (!in)
			sqlite3_result_int64(ctx, l ? l->b : c->r->pairs[c->i][1]);
		break;
	case 2:
		result_text(ctx, in ? in->kind : l ? l->kind : NULL);
		break;
	case 3:
		result_text(ctx, in ? in->why : l ? l->why : NULL);
		break;
	case 4:
		result_text(ctx, in ? in->value : NULL);
		break;
	default:
		break; /* NULL */
	}
	return SQLITE_OK;
}

static int rows_rowid(sqlite3_vtab_cursor *cc, sqlite3_int64 *id)
{
	*id = (sqlite3_int64)((struct rows_cursor *)cc)->i;
	return SQLITE_OK;
}

static const sqlite3_module rows_module = {
	.iVersion = 0,
	.xCreate = NULL, /* eponymous-only */
	.xConnect = rows_connect,
	.xBestIndex = rows_best_index,
	.xDisconnect = rows_disconnect,
	.xOpen = rows_open,
	.xClose = rows_close,
	.xFilter = rows_filter,
	.xNext = rows_next,
	.xEof = rows_eof,
	.xColumn = rows_column,
	.xRowid = rows_rowid,
};

/* One statement over the rows r; V_OK or the error. */
static int rows_run(struct sq *s, enum sq_stmt id, const struct rows *r, struct verr *err)
{
	sqlite3_stmt *q;

	if (!r->n)
		return V_OK;
	if (!(q = get(s, id, err)))
		return V_ERR_IO;
	sqlite3_bind_pointer(q, 1, (void *)r, "vigia_rows", NULL);
	if (id == S_LINK_BATCH)
		sqlite3_bind_int64(q, 2, now());
	return run(s, q, err);
}

/*
 * The deferred postings, in one statement.  Postings have no foreign keys (migrate.c, step 19):
 * SQLite's check of the two parents, row by row, cost the correlation benchmark 0.2 s of its
 * ~0.95 s, and so did the same check as one statement with EXISTS subqueries (measured
 * 2026-11-29: correlate + deferred writes 0.72-0.77 s without a check against 0.93-0.95 s with
 * either; docs/benchmarks.md).  The batch's ids come from the store in this transaction (an
 * incident the aggregate stage wrote, an indicator read or reserved by store_indicator_new);
 * neither table ever loses a row, and SQLite hands out ids as the largest + 1, so an id from
 * 1 to the largest is one the store made.  That is what is checked here, at no cost: an id of
 * 0, negative, unset or from elsewhere fails the commit, as the foreign key did.  (An id in a
 * gap of a store copied from PostgreSQL would pass; store_postings_orphans, run by the tests,
 * counts such postings.)
 */
static int sq_postings_write(struct store *st, const int64_t (*pairs)[2], size_t n,
			     struct verr *err)
{
	struct sq *s = (struct sq *)st;
	struct rows r = { .n = n, .pairs = pairs };
	sqlite3_stmt *q;
	int64_t max_ind = 0, max_inc = 0;
	size_t bad = 0;
	int rc;

	if (!n)
		return V_OK;
	if (!(q = get(s, S_POST_MAXIDS, err)))
		return V_ERR_IO;
	rc = sqlite3_step(q);
	if (rc == SQLITE_ROW) {
		max_ind = sqlite3_column_int64(q, 0);
		max_inc = sqlite3_column_int64(q, 1);
	}
	rc = rc != SQLITE_ROW ? fail(s, rc, err) : V_OK;
	done(q);
	if (rc != V_OK)
		return rc;
	for (size_t i = 0; i < n; i++)
		bad += pairs[i][0] < 1 || pairs[i][0] > max_ind || pairs[i][1] < 1 ||
		       pairs[i][1] > max_inc;
	if (bad)
		return verr_set(err, V_ERR_NOTFOUND, "",
		                _("%zu postings name an indicator or an incident that does not exist"),
		                bad);
	return rows_run(s, S_POST_BATCH, &r, err);
}

/* The links of rows stored already the other way round: *out (malloc'd, caller frees) holds
 * one byte per row, 1 = leave out; *any says whether there is one. */
static int links_other(struct sq *s, const struct rows *r, unsigned char **out, int *any,
		       struct verr *err)
{
	sqlite3_stmt *q = get(s, S_LINK_OTHER, err);
	int step;

	*any = 0;
	if (!q)
		return V_ERR_IO;
	if (!(*out = calloc(r->n, 1)))
		return verr_set(err, V_ERR_NOMEM, "", "%s", vres_str(V_ERR_NOMEM));
	sqlite3_bind_pointer(q, 1, (void *)r, "vigia_rows", NULL);
	while ((step = sqlite3_step(q)) == SQLITE_ROW) {
		sqlite3_int64 i = sqlite3_column_int64(q, 0);
		if (i >= 0 && (size_t)i < r->n)
			(*out)[i] = *any = 1;
	}
	done(q);
	if (step != SQLITE_DONE) {
		free(*out);
		*out = NULL;
		return fail(s, step, err);
	}
	return V_OK;
}

static int sq_links_write(struct store *st, const struct store_link_row *rows, size_t n,
			  struct verr *err)
{
	struct sq *s = (struct sq *)st;
	struct rows r = { .n = n, .links = rows };
	struct store_link_row *kept = NULL;
	unsigned char *other = NULL;
	int any, rc;

	if (!n)
		return V_OK;
	if ((rc = links_other(s, &r, &other, &any, err)) != V_OK)
		return rc;
	if (any) {
		size_t k = 0;
		if (!(kept = malloc(n * sizeof(*kept)))) {
			free(other);
			return verr_set(err, V_ERR_NOMEM, "", "%s", vres_str(V_ERR_NOMEM));
		}
		for (size_t i = 0; i < n; i++)
			if (!other[i])
				kept[k++] = rows[i];
		r.links = kept;
		r.n = k;
	}
	rc = rows_run(s, S_LINK_BATCH, &r, err);
	free(kept);
	free(other);
	return rc;
}

static int sq_indicators_write(struct store *st, const struct store_indicator_row *rows,
			       size_t n, struct verr *err)
{
	struct rows r = { .n = n, .inds = rows };

	return rows_run((struct sq *)st, S_IND_BATCH, &r, err);
}

static int sq_postings_of(struct store *st, int64_t indicator, store_id_cb cb, void *arg,
			  struct verr *err)
{
	struct sq *s = (struct sq *)st;
	sqlite3_stmt *q = get(s, S_POSTINGS, err);
	int rc = V_OK, step;

	if (!q)
		return V_ERR_IO;
	sqlite3_bind_int64(q, 1, indicator);
	while ((step = sqlite3_step(q)) == SQLITE_ROW)
		if ((rc = cb(arg, sqlite3_column_int64(q, 0))) != 0)
			break;
	if (rc == V_OK && step != SQLITE_DONE)
		rc = fail(s, step, err);
	done(q);
	return rc;
}

/* Count the rows of a PRAGMA that reports problems (one row each; quick_check: one "ok" row
 * when there is none), keeping the first in c->first. */
static int pragma_problems(struct sq *s, const char *sql, int64_t *n, struct store_check *c,
			   struct verr *err)
{
	sqlite3_stmt *q = NULL;
	int rc = sqlite3_prepare_v2(s->db, sql, -1, &q, NULL), step;

	if (rc != SQLITE_OK)
		return fail(s, rc, err);
	while ((step = sqlite3_step(q)) == SQLITE_ROW) {
		const char *t = (const char *)sqlite3_column_text(q, 0);

		if (sqlite3_column_count(q) == 1 && t && !strcmp(t, "ok"))
			continue;
		if (!c->first[0]) { /* foreign_key_check: table, rowid, parent, key index */
			if (sqlite3_column_count(q) >= 3)
				snprintf(c->first, sizeof(c->first), _("%s row %lld: no row of %s"),
				         t ? t : "?", (long long)sqlite3_column_int64(q, 1),
				         (const char *)sqlite3_column_text(q, 2));
			else
				snprintf(c->first, sizeof(c->first), "%s", t ? t : "?");
		}
		(*n)++;
	}
	rc = step == SQLITE_DONE ? V_OK : fail(s, step, err);
	sqlite3_finalize(q);
	return rc;
}

static int sq_check(struct store *st, struct store_check *c, struct verr *err)
{
	struct sq *s = (struct sq *)st;
	int rc = pragma_problems(s, "PRAGMA quick_check", &c->structure, c, err);

	return rc != V_OK ? rc
	                  : pragma_problems(s, "PRAGMA foreign_key_check", &c->foreign_keys, c, err);
}

static int sq_postings_orphans(struct store *st, int64_t *n, struct verr *err)
{
	struct sq *s = (struct sq *)st;
	sqlite3_stmt *q = get(s, S_POST_ORPHANS, err);
	int rc = V_OK, step;

	if (!q)
		return V_ERR_IO;
	if ((step = sqlite3_step(q)) == SQLITE_ROW)
		*n = sqlite3_column_int64(q, 0);
	else
		rc = fail(s, step, err);
	done(q);
	return rc;
}

static int sq_indicator_add(struct store *st, const char *kind, const char *value, int64_t *id,
			    int *created, int *common, struct verr *err)
{
	struct sq *s = (struct sq *)st;
	sqlite3_stmt *a = get(s, S_IND_NEW, err);
	int rc;

	if (!a)
		return V_ERR_IO;
	bind_str(a, 1, kind);
	bind_str(a, 2, value);
	if ((rc = run(s, a, err)) != V_OK)
		return rc;
	*created = sqlite3_changes(s->db) > 0;
	if (!*created)
		return sq_indicator_find(st, kind, value, id, common, err);
	*id = sqlite3_last_insert_rowid(s->db);
	*common = 0;
	return V_OK;
}

static int sq_indicators_scan(struct store *st, int64_t after, store_indicator_scan_cb cb,
			      void *arg, struct verr *err)
{
	struct sq *s = (struct sq *)st;
	sqlite3_stmt *q = get(s, S_IND_SCAN, err), *p = get(s, S_POST_FIRST, err);
	int rc = V_OK, step, pstep;
	int64_t pind = 0, pfirst = 0;

	if (!q || !p)
		return V_ERR_IO;
	sqlite3_bind_int64(q, 1, after);
	sqlite3_bind_int64(p, 1, after);
	pstep = sqlite3_step(p);
	if (pstep == SQLITE_ROW) {
		pind = sqlite3_column_int64(p, 0);
		pfirst = sqlite3_column_int64(p, 1);
	}
	while ((step = sqlite3_step(q)) == SQLITE_ROW) {
		struct store_indicator ind = {
			.id = sqlite3_column_int64(q, 0),
			.kind = col_str(q, 1),
			.value = col_str(q, 2),
			.common = sqlite3_column_int(q, 3),
		};
		int64_t first = 0;
		/* the rest of the run of the previous indicator, and postings of indicators this
		 * walk has not seen (none: a foreign key): skip */
		while (pstep == SQLITE_ROW && pind < ind.id) {
			if ((pstep = sqlite3_step(p)) == SQLITE_ROW) {
				pind = sqlite3_column_int64(p, 0);
				pfirst = sqlite3_column_int64(p, 1);
			}
		}
		if (pstep == SQLITE_ROW && pind == ind.id) {
			first = pfirst;
			/* a second incident in the run: the next row tells */
			if ((pstep = sqlite3_step(p)) == SQLITE_ROW) {
				pind = sqlite3_column_int64(p, 0);
				pfirst = sqlite3_column_int64(p, 1);
				ind.many = pind == ind.id;
			}
		}
		if (!ind.kind || !ind.value)
			continue;
		if ((rc = cb(arg, &ind, first)) != 0)
			break;
	}
	if (rc == V_OK && step != SQLITE_DONE)
		rc = fail(s, step, err);
	else if (rc == V_OK && pstep != SQLITE_ROW && pstep != SQLITE_DONE)
		rc = fail(s, pstep, err);
	done(q);
	done(p);
	return rc;
}

static int sq_indicators_max(struct store *st, int64_t *max, struct verr *err)
{
	struct sq *s = (struct sq *)st;
	sqlite3_stmt *q = get(s, S_IND_MAX, err);
	int step;

	*max = 0;
	if (!q)
		return V_ERR_IO;
	step = sqlite3_step(q);
	if (step == SQLITE_ROW)
		*max = sqlite3_column_int64(q, 0);
	done(q);
	if (step != SQLITE_ROW && step != SQLITE_DONE)
		return fail(s, step, err);
	return V_OK;
}

static int sq_indicators_mark(struct store *st, struct store_ind_mark *m, struct verr *err)
{
	struct sq *s = (struct sq *)st;
	sqlite3_stmt *q = get(s, S_IND_MARK, err);
	const char *id;
	int step;

	if (!q)
		return V_ERR_IO;
	step = sqlite3_step(q);
	if (step == SQLITE_ROW) {
		if ((id = col_str(q, 0)))
			snprintf(m->store_id, sizeof(m->store_id), "%s", id);
		m->gen = sqlite3_column_int64(q, 1);
		m->max_id = sqlite3_column_int64(q, 2);
	}
	done(q);
	if (step == SQLITE_DONE)
		return verr_set(err, V_ERR_INVALID, "",
				_("database %s has no indicator generation"), s->base.path);
	if (step != SQLITE_ROW)
		return fail(s, step, err);
	return V_OK;
}

static int sq_indicators_bump(struct store *st, int64_t changed, int64_t *gen, struct verr *err)
{
	struct sq *s = (struct sq *)st;
	sqlite3_stmt *q = get(s, S_IND_BUMP, err);
	int step;

	*gen = 0;
	if (!q)
		return V_ERR_IO;
	step = sqlite3_step(q);
	if (step == SQLITE_ROW)
		*gen = sqlite3_column_int64(q, 0);
	done(q);
	if (step != SQLITE_ROW)
		return step == SQLITE_DONE ? verr_set(err, V_ERR_INVALID, "",
						      _("database %s has no indicator generation"),
						      s->base.path)
					   : fail(s, step, err);
	/* new indicators and postings change what a policy-built TAXII collection shows: counted
	 * here once a commit, not by a trigger on every insert (migrate.c step 15) */
	if (!(q = get(s, S_SHARE_BUMP, err)) || (step = run(s, q, err)) != V_OK)
		return q ? step : V_ERR_IO;
	if (changed <= 0)
		return V_OK;
	if (!(q = get(s, S_IND_CHANGE, err)))
		return V_ERR_IO;
	sqlite3_bind_int64(q, 1, *gen);
	sqlite3_bind_int64(q, 2, changed);
	return run(s, q, err);
}

static int sq_share_bump(struct store *st, struct verr *err)
{
	struct sq *s = (struct sq *)st;
	sqlite3_stmt *q = get(s, S_SHARE_BUMP, err);

	return q ? run(s, q, err) : V_ERR_IO;
}

static int sq_indicators_changed(struct store *st, int64_t since, int64_t *min_id,
				 struct verr *err)
{
	struct sq *s = (struct sq *)st;
	sqlite3_stmt *q = get(s, S_IND_CHANGED, err);
	int step;

	*min_id = 0;
	if (!q)
		return V_ERR_IO;
	sqlite3_bind_int64(q, 1, since);
	step = sqlite3_step(q);
	if (step == SQLITE_ROW)
		*min_id = sqlite3_column_int64(q, 0);
	done(q);
	if (step != SQLITE_ROW && step != SQLITE_DONE)
		return fail(s, step, err);
	return V_OK;
}

static int sq_indicators_list(struct store *st, int64_t incident, store_indicator_cb cb,
			      void *arg, struct verr *err)
{
	struct sq *s = (struct sq *)st;
	sqlite3_stmt *q = get(s, incident > 0 ? S_IND_OF_INC : S_IND_COMMONS, err);
	int rc = V_OK, step;

	if (!q)
		return V_ERR_IO;
	if (incident > 0)
		sqlite3_bind_int64(q, 1, incident);
	while ((step = sqlite3_step(q)) == SQLITE_ROW) {
		struct store_indicator ind = {
			.id = sqlite3_column_int64(q, 0),
			.kind = col_str(q, 1),
			.value = col_str(q, 2),
			.common = sqlite3_column_int(q, 3),
			.why = col_str(q, 4),
		};
		if ((rc = cb(arg, &ind)) != 0)
			break;
	}
	if (rc == V_OK && step != SQLITE_DONE)
		rc = fail(s, step, err);
	done(q);
	return rc;
}

/* ---- the audit trail ------------------------------------------------------------------------- */

/* The chain's head: the last entry's id and hash (0 and the genesis hash when empty). */
static int audit_head(struct sq *s, int64_t *last, char hash[65], int *present, struct verr *err)
{
	sqlite3_stmt *q = get(s, S_AUDIT_HEAD, err);
	int step;

	*last = 0;
	*present = 0;
	memcpy(hash, STORE_AUDIT_GENESIS, 65);
	if (!q)
		return V_ERR_IO;
	step = sqlite3_step(q);
	if (step == SQLITE_ROW) {
		const char *h = col_str(q, 1);
		*last = sqlite3_column_int64(q, 0);
		*present = 1;
		snprintf(hash, 65, "%s", h ? h : "");
	}
	done(q);
	if (step != SQLITE_ROW && step != SQLITE_DONE)
		return fail(s, step, err);
	return V_OK;
}

static int sq_audit_append(struct store *st, const char *actor, const char *object,
			   const char *action, const char *before, const char *after,
			   struct verr *err)
{
	struct sq *s = (struct sq *)st;
	sqlite3_stmt *ins = get(s, S_AUDIT_ADD, err), *head = get(s, S_AUDIT_HEAD_SET, err);
	char prev[65], hash[65];
	int64_t last, t = now();
	int own, present, rc;

	if (!ins || !head)
		return V_ERR_IO;
	if ((rc = tx_enter(s, &own, err)) != V_OK)
		return rc;
	if ((rc = audit_head(s, &last, prev, &present, err)) != V_OK)
		goto out;
	if (store_audit_hash(prev, last + 1, t, actor, object, action, before, after, hash) !=
	    V_OK) {
		rc = verr_set(err, V_ERR_NOMEM, "", "%s", vres_str(V_ERR_NOMEM));
		goto out;
	}
	sqlite3_bind_int64(ins, 1, last + 1);
	sqlite3_bind_int64(ins, 2, t);
	bind_str(ins, 3, actor);
	bind_str(ins, 4, object);
	bind_str(ins, 5, action);
	bind_str(ins, 6, before);
	bind_str(ins, 7, after);
	sqlite3_bind_text(ins, 8, prev, 64, SQLITE_STATIC);
	sqlite3_bind_text(ins, 9, hash, 64, SQLITE_STATIC);
	if ((rc = run(s, ins, err)) != V_OK)
		goto out;
	sqlite3_bind_int64(head, 1, last + 1);
	sqlite3_bind_text(head, 2, hash, 64, SQLITE_STATIC);
	rc = run(s, head, err);
out:
	return tx_leave(s, own, rc, err);
}

static void audit_row(sqlite3_stmt *q, struct store_audit *a)
{
	a->id = sqlite3_column_int64(q, 0);
	a->time = sqlite3_column_int64(q, 1);
	a->actor = col_str(q, 2);
	a->object = col_str(q, 3);
	a->action = col_str(q, 4);
	a->before = col_str(q, 5);
	a->after = col_str(q, 6);
	a->prev_hash = col_str(q, 7);
	a->hash = col_str(q, 8);
}

static int sq_audit_list(struct store *st, const char *object, store_audit_cb cb, void *arg,
			 struct verr *err)
{
	struct sq *s = (struct sq *)st;
	sqlite3_stmt *q = get(s, object ? S_AUDIT_OBJ : S_AUDIT_ALL, err);
	int rc = V_OK, step;

	if (!q)
		return V_ERR_IO;
	if (object)
		bind_str(q, 1, object);
	while ((step = sqlite3_step(q)) == SQLITE_ROW) {
		struct store_audit a;
		audit_row(q, &a);
		if ((rc = cb(arg, &a)) != 0)
			break;
	}
	if (rc == V_OK && step != SQLITE_DONE)
		rc = fail(s, step, err);
	done(q);
	return rc;
}

static int sq_audit_verify(struct store *st, int64_t *checked, int64_t *bad_id, struct verr *err)
{
	struct sq *s = (struct sq *)st;
	sqlite3_stmt *q;
	char prev[65], head_hash[65], h[65];
	int64_t expect = 1, head_last;
	int rc = V_OK, step, present;

	*checked = 0;
	*bad_id = 0;
	if ((rc = audit_head(s, &head_last, head_hash, &present, err)) != V_OK)
		return rc;
	if (!(q = get(s, S_AUDIT_ALL, err)))
		return V_ERR_IO;
	memcpy(prev, STORE_AUDIT_GENESIS, 65);
	while ((step = sqlite3_step(q)) == SQLITE_ROW) {
		struct store_audit a;
		audit_row(q, &a);
		if (a.id != expect) {
			*bad_id = expect;
			rc = verr_set(err, V_ERR_INVALID, "",
				      _("audit trail: entry %lld is missing (deleted)"),
				      (long long)expect);
			break;
		}
		if (!a.prev_hash || strcmp(a.prev_hash, prev)) {
			*bad_id = a.id;
			rc = verr_set(err, V_ERR_INVALID, "",
				      _("audit trail: entry %lld does not follow the one before "
					"it"), (long long)a.id);
			break;
		}
		if (store_audit_hash(prev, a.id, a.time, a.actor, a.object, a.action, a.before,
				     a.after, h) != V_OK) {
			rc = verr_set(err, V_ERR_NOMEM, "", "%s", vres_str(V_ERR_NOMEM));
			break;
		}
		if (!a.hash || strcmp(a.hash, h)) {
			*bad_id = a.id;
			rc = verr_set(err, V_ERR_INVALID, "",
				      _("audit trail: entry %lld was altered after it was written"),
				      (long long)a.id);
			break;
		}
		memcpy(prev, h, 65);
		expect++;
		(*checked)++;
	}
	if (rc == V_OK && step != SQLITE_DONE)
		rc = fail(s, step, err);
	done(q);
	if (rc != V_OK)
		return rc;
	/* the head remembers the last entry: removing entries at the end is seen too */
	if (head_last != expect - 1 || (present && strcmp(head_hash, prev))) {
		*bad_id = head_last >= expect ? expect : head_last > 0 ? head_last : 1;
		if (head_last >= expect)
			return verr_set(err, V_ERR_INVALID, "",
					_("audit trail: entries from %lld on are missing "
					  "(deleted)"), (long long)*bad_id);
		return verr_set(err, V_ERR_INVALID, "",
				_("audit trail: the chain's head does not match entry %lld"),
				(long long)*bad_id);
	}
	return V_OK;
}

/* ---- the constituency ------------------------------------------------------------------------ */

/* An organisation or CERT as read: the columns last only until the next step, so strings are
 * copied; build_fini frees them. */
struct build {
	struct store_network *nets;
	int64_t *asns;
	char **doms;
	struct store_contact *cons;
	size_t nnets, nasns, ndoms, ncons;
	size_t cap_nets, cap_asns, cap_doms, cap_cons;
	char *name, *notes, *cc;
	int oom;
};

/* Room for one more element in *p (n used of *cap).  0 or -1. */
static int grow(void **p, size_t *cap, size_t n, size_t size)
{
	size_t c = *cap ? *cap * 2 : 8;
	void *q;

	if (n < *cap)
		return 0;
	if (!(q = realloc(*p, c * size)))
		return -1;
	*p = q;
	*cap = c;
	return 0;
}

static void contact_fini(struct store_contact *c)
{
	free((char *)c->email);
	free((char *)c->name);
	free((char *)c->lang);
	free((char *)c->format);
	free((char *)c->fingerprint);
}

static void build_fini(struct build *b)
{
	for (size_t i = 0; i < b->nnets; i++)
		free((char *)b->nets[i].cidr);
	for (size_t i = 0; i < b->ndoms; i++)
		free(b->doms[i]);
	for (size_t i = 0; i < b->ncons; i++)
		contact_fini(&b->cons[i]);
	free(b->nets);
	free(b->asns);
	free(b->doms);
	free(b->cons);
	free(b->name);
	free(b->notes);
	free(b->cc);
	memset(b, 0, sizeof(*b));
}

/* Step q (already bound) and add each row with add(); reset q.  V_OK or the error. */
static int build_rows(struct sq *s, sqlite3_stmt *q, struct build *b,
		      int (*add)(struct build *b, sqlite3_stmt *q), struct verr *err)
{
	int step, rc = V_OK;

	while ((step = sqlite3_step(q)) == SQLITE_ROW)
		if (add(b, q) != 0) {
			b->oom = 1;
			break;
		}
	if (!b->oom && step != SQLITE_DONE)
		rc = fail(s, step, err);
	done(q);
	if (b->oom)
		rc = verr_set(err, V_ERR_NOMEM, "", "%s", vres_str(V_ERR_NOMEM));
	return rc;
}

static int add_net(struct build *b, sqlite3_stmt *q)
{
	struct store_network *n;

	if (grow((void **)&b->nets, &b->cap_nets, b->nnets, sizeof(*b->nets)) != 0)
		return -1;
	n = &b->nets[b->nnets];
	n->cidr = dup_col(q, 0, &b->oom);
	n->do_not_notify = sqlite3_column_int(q, 1);
	b->nnets++;
	return b->oom ? -1 : 0;
}

static int add_asn(struct build *b, sqlite3_stmt *q)
{
	if (grow((void **)&b->asns, &b->cap_asns, b->nasns, sizeof(*b->asns)) != 0)
		return -1;
	b->asns[b->nasns++] = sqlite3_column_int64(q, 0);
	return 0;
}

static int add_dom(struct build *b, sqlite3_stmt *q)
{
	if (grow((void **)&b->doms, &b->cap_doms, b->ndoms, sizeof(*b->doms)) != 0)
		return -1;
	b->doms[b->ndoms++] = dup_col(q, 0, &b->oom);
	return b->oom ? -1 : 0;
}

static int add_contact(struct build *b, sqlite3_stmt *q)
{
	struct store_contact *c;

	if (grow((void **)&b->cons, &b->cap_cons, b->ncons, sizeof(*b->cons)) != 0)
		return -1;
	c = &b->cons[b->ncons++];
	c->email = dup_col(q, 0, &b->oom);
	c->name = dup_col(q, 1, &b->oom);
	c->lang = dup_col(q, 2, &b->oom);
	c->format = dup_col(q, 3, &b->oom);
	c->fingerprint = dup_col(q, 4, &b->oom);
	return b->oom ? -1 : 0;
}

/* Read what organisation id has into b and point org at it. */
static int org_children(struct sq *s, int64_t id, struct build *b, struct store_org *org,
			struct verr *err)
{
	static const enum sq_stmt which[] = { S_ORG_NETS, S_ORG_ASNS, S_ORG_DOMS, S_ORG_CONTACTS };
	int (*const add[])(struct build *, sqlite3_stmt *) = { add_net, add_asn, add_dom,
							       add_contact };
	int rc;

	for (size_t i = 0; i < sizeof(which) / sizeof(which[0]); i++) {
		sqlite3_stmt *q = get(s, which[i], err);
		if (!q)
			return V_ERR_IO;
		sqlite3_bind_int64(q, 1, id);
		if ((rc = build_rows(s, q, b, add[i], err)) != V_OK)
			return rc;
	}
	org->networks = b->nets;
	org->nnetworks = b->nnets;
	org->asns = b->asns;
	org->nasns = b->nasns;
	org->domains = (const char *const *)b->doms;
	org->ndomains = b->ndoms;
	org->contacts = b->cons;
	org->ncontacts = b->ncons;
	return V_OK;
}

/* The organisation of the current row of q (id, name, do_not_notify, notes), complete. */
static int org_row(struct sq *s, sqlite3_stmt *q, struct build *b, struct store_org *org,
		   struct verr *err)
{
	memset(org, 0, sizeof(*org));
	org->id = sqlite3_column_int64(q, 0);
	org->name = b->name = dup_col(q, 1, &b->oom);
	org->do_not_notify = sqlite3_column_int(q, 2);
	org->notes = b->notes = dup_col(q, 3, &b->oom);
	if (b->oom)
		return verr_set(err, V_ERR_NOMEM, "", "%s", vres_str(V_ERR_NOMEM));
	return org_children(s, org->id, b, org, err);
}

/* Who holds a value already: the owner's id and name (copied into owner), or id 0. */
static int owner_of(struct sq *s, sqlite3_stmt *q, int64_t *id, char *owner, size_t n,
		    struct verr *err)
{
	int step = sqlite3_step(q);

	*id = 0;
	if (step == SQLITE_ROW) {
		*id = sqlite3_column_int64(q, 0);
		snprintf(owner, n, "%s", col_str(q, 1) ? col_str(q, 1) : "?");
	}
	done(q);
	if (step != SQLITE_ROW && step != SQLITE_DONE)
		return fail(s, step, err);
	return V_OK;
}

static int contact_add(struct sq *s, int64_t org, const char *cc, const struct store_contact *c,
		       struct verr *err)
{
	sqlite3_stmt *q = get(s, S_CONTACT_ADD, err);

	if (!q)
		return V_ERR_IO;
	if (!c->email || !*c->email)
		return verr_set(err, V_ERR_INVALID, "email", "%s", _("a contact needs an e-mail "
								     "address"));
	if (org > 0)
		sqlite3_bind_int64(q, 1, org);
	bind_str(q, 2, cc);
	bind_str(q, 3, c->email);
	bind_str(q, 4, c->name);
	bind_str(q, 5, c->lang);
	bind_str(q, 6, c->format);
	bind_str(q, 7, c->fingerprint);
	return run(s, q, err);
}

static int org_networks_put(struct sq *s, int64_t id, const struct store_org *o,
			    struct verr *err)
{
	sqlite3_stmt *oq = get(s, S_NET_OWNER, err), *ins = get(s, S_NET_ADD, err);
	unsigned char lo[16], hi[16];
	char owner[256];
	int64_t who;
	int rc;

	if (!oq || !ins)
		return V_ERR_IO;
	for (size_t i = 0; i < o->nnetworks; i++) {
		const char *cidr = o->networks[i].cidr;
		if (!cidr || net16(cidr, lo, hi) != 0)
			return verr_set(err, V_ERR_INVALID, "network", _("'%s' is not a network"),
					cidr ? cidr : "");
		sqlite3_bind_blob(oq, 1, lo, 16, SQLITE_STATIC);
		sqlite3_bind_blob(oq, 2, hi, 16, SQLITE_STATIC);
		if ((rc = owner_of(s, oq, &who, owner, sizeof(owner), err)) != V_OK)
			return rc;
		if (who == id)
			continue;
		if (who)
			return verr_set(err, V_ERR_EXISTS, "network",
					_("network %s already belongs to organisation %s"), cidr,
					owner);
		sqlite3_bind_int64(ins, 1, id);
		bind_str(ins, 2, cidr);
		sqlite3_bind_blob(ins, 3, lo, 16, SQLITE_STATIC);
		sqlite3_bind_blob(ins, 4, hi, 16, SQLITE_STATIC);
		sqlite3_bind_int(ins, 5, o->networks[i].do_not_notify != 0);
		if ((rc = run(s, ins, err)) != V_OK)
			return rc;
	}
	return V_OK;
}

static int org_asns_put(struct sq *s, int64_t id, const struct store_org *o, struct verr *err)
{
	sqlite3_stmt *oq = get(s, S_ASN_OWNER, err), *ins = get(s, S_ASN_ADD, err);
	char owner[256];
	int64_t who;
	int rc;

	if (!oq || !ins)
		return V_ERR_IO;
	for (size_t i = 0; i < o->nasns; i++) {
		if (o->asns[i] < 1 || o->asns[i] > 4294967294LL)
			return verr_set(err, V_ERR_INVALID, "asn", _("%lld is not an AS number"),
					(long long)o->asns[i]);
		sqlite3_bind_int64(oq, 1, o->asns[i]);
		if ((rc = owner_of(s, oq, &who, owner, sizeof(owner), err)) != V_OK)
			return rc;
		if (who == id)
			continue;
		if (who)
			return verr_set(err, V_ERR_EXISTS, "asn",
					_("AS%lld already belongs to organisation %s"),
					(long long)o->asns[i], owner);
		sqlite3_bind_int64(ins, 1, id);
		sqlite3_bind_int64(ins, 2, o->asns[i]);
		if ((rc = run(s, ins, err)) != V_OK)
			return rc;
	}
	return V_OK;
}

static int org_domains_put(struct sq *s, int64_t id, const struct store_org *o,
			   struct verr *err)
{
	sqlite3_stmt *oq = get(s, S_DOM_OWNER, err), *ins = get(s, S_DOM_ADD, err);
	char owner[256];
	int64_t who;
	int rc;

	if (!oq || !ins)
		return V_ERR_IO;
	for (size_t i = 0; i < o->ndomains; i++) {
		const char *d = o->domains[i];
		if (!d || !*d)
			return verr_set(err, V_ERR_INVALID, "domain", "%s",
					_("an empty domain name"));
		bind_str(oq, 1, d);
		if ((rc = owner_of(s, oq, &who, owner, sizeof(owner), err)) != V_OK)
			return rc;
		if (who == id)
			continue;
		if (who)
			return verr_set(err, V_ERR_EXISTS, "domain",
					_("domain %s already belongs to organisation %s"), d,
					owner);
		sqlite3_bind_int64(ins, 1, id);
		bind_str(ins, 2, d);
		if ((rc = run(s, ins, err)) != V_OK)
			return rc;
	}
	return V_OK;
}

static int sq_org_put(struct store *st, const struct store_org *o, struct verr *err)
{
	struct sq *s = (struct sq *)st;
	static const enum sq_stmt clear[] = { S_ORG_CLEAR_NETS, S_ORG_CLEAR_ASNS,
					      S_ORG_CLEAR_DOMS, S_ORG_CLEAR_CONTACTS };
	sqlite3_stmt *find = get(s, S_ORG_FIND, err), *q;
	int64_t id = 0;
	int own, rc, step;

	if (!find)
		return V_ERR_IO;
	if (!o->name || !*o->name)
		return verr_set(err, V_ERR_INVALID, "name", "%s",
				_("an organisation needs a name"));
	if ((rc = tx_enter(s, &own, err)) != V_OK)
		return rc;
	bind_str(find, 1, o->name);
	step = sqlite3_step(find);
	if (step == SQLITE_ROW)
		id = sqlite3_column_int64(find, 0);
	done(find);
	if (step != SQLITE_ROW && step != SQLITE_DONE) {
		rc = fail(s, step, err);
		goto out;
	}
	if (!(q = get(s, id ? S_ORG_UPDATE : S_ORG_INSERT, err))) {
		rc = V_ERR_IO;
		goto out;
	}
	bind_str(q, 1, o->name);
	sqlite3_bind_int(q, 2, o->do_not_notify != 0);
	bind_str(q, 3, o->notes);
	sqlite3_bind_int64(q, 4, now());
	if (id)
		sqlite3_bind_int64(q, 5, id);
	if ((rc = run(s, q, err)) != V_OK)
		goto out;
	if (!id)
		id = sqlite3_last_insert_rowid(s->db);
	for (size_t i = 0; id && i < sizeof(clear) / sizeof(clear[0]); i++) {
		if (!(q = get(s, clear[i], err))) {
			rc = V_ERR_IO;
			goto out;
		}
		sqlite3_bind_int64(q, 1, id);
		if ((rc = run(s, q, err)) != V_OK)
			goto out;
	}
	if ((rc = org_networks_put(s, id, o, err)) != V_OK ||
	    (rc = org_asns_put(s, id, o, err)) != V_OK ||
	    (rc = org_domains_put(s, id, o, err)) != V_OK)
		goto out;
	for (size_t i = 0; i < o->ncontacts; i++)
		if ((rc = contact_add(s, id, NULL, &o->contacts[i], err)) != V_OK)
			goto out;
out:
	return tx_leave(s, own, rc, err); /* in the caller's transaction, it rolls back */
}

static int sq_org_get(struct store *st, const char *name, struct store_org **out,
		      struct verr *err)
{
	struct sq *s = (struct sq *)st;
	sqlite3_stmt *q = get(s, S_ORG_GET, err);
	struct build b = { 0 };
	struct store_org org;
	int rc = V_OK, step;

	*out = NULL;
	if (!q)
		return V_ERR_IO;
	bind_str(q, 1, name);
	step = sqlite3_step(q);
	if (step == SQLITE_ROW)
		rc = org_row(s, q, &b, &org, err);
	done(q);
	if (step == SQLITE_DONE)
		rc = verr_set(err, V_ERR_NOTFOUND, "", _("no organisation named '%s'"), name);
	else if (step != SQLITE_ROW)
		rc = fail(s, step, err);
	if (rc == V_OK && !(*out = store_org_copy(&org)))
		rc = verr_set(err, V_ERR_NOMEM, "", "%s", vres_str(V_ERR_NOMEM));
	build_fini(&b);
	return rc;
}

/* Run a one-parameter DELETE; V_ERR_NOTFOUND with msg when it removed nothing. */
static int delete_one(struct sq *s, enum sq_stmt id, const char *key, const char *msg,
		      struct verr *err)
{
	sqlite3_stmt *q = get(s, id, err);
	int rc;

	if (!q)
		return V_ERR_IO;
	bind_str(q, 1, key);
	if ((rc = run(s, q, err)) != V_OK)
		return rc;
	if (sqlite3_changes(s->db) == 0)
		return verr_set(err, V_ERR_NOTFOUND, "", msg, key);
	return V_OK;
}

static int sq_org_remove(struct store *st, const char *name, struct verr *err)
{
	/* the networks, ASNs, domains and contacts go with it (ON DELETE CASCADE) */
	return delete_one((struct sq *)st, S_ORG_DELETE, name, _("no organisation named '%s'"),
			  err);
}

static int sq_orgs_list(struct store *st, store_org_cb cb, void *arg, struct verr *err)
{
	struct sq *s = (struct sq *)st;
	sqlite3_stmt *q = get(s, S_ORGS, err);
	int rc = V_OK, step;

	if (!q)
		return V_ERR_IO;
	while ((step = sqlite3_step(q)) == SQLITE_ROW) {
		struct build b = { 0 };
		struct store_org org;
		rc = org_row(s, q, &b, &org, err);
		if (rc == V_OK)
			rc = cb(arg, &org);
		build_fini(&b);
		if (rc != 0)
			break;
	}
	if (rc == V_OK && step != SQLITE_DONE)
		rc = fail(s, step, err);
	done(q);
	return rc;
}

static int sq_cert_put(struct store *st, const struct store_cert *c, struct verr *err)
{
	struct sq *s = (struct sq *)st;
	sqlite3_stmt *put = get(s, S_CERT_PUT, err), *clear = get(s, S_CERT_CLEAR_CONTACTS, err);
	int own, rc;

	if (!put || !clear)
		return V_ERR_IO;
	if (!c->cc || strlen(c->cc) != 2)
		return verr_set(err, V_ERR_INVALID, "country", _("'%s' is not a country code"),
				c->cc ? c->cc : "");
	if (!c->name || !*c->name)
		return verr_set(err, V_ERR_INVALID, "name", "%s", _("a partner CERT needs a name"));
	if ((rc = tx_enter(s, &own, err)) != V_OK)
		return rc;
	bind_str(put, 1, c->cc);
	bind_str(put, 2, c->name);
	bind_str(put, 3, c->notes);
	sqlite3_bind_int64(put, 4, now());
	if ((rc = run(s, put, err)) != V_OK)
		goto out;
	bind_str(clear, 1, c->cc);
	if ((rc = run(s, clear, err)) != V_OK)
		goto out;
	for (size_t i = 0; i < c->ncontacts; i++)
		if ((rc = contact_add(s, 0, c->cc, &c->contacts[i], err)) != V_OK)
			goto out;
out:
	return tx_leave(s, own, rc, err);
}

/* The CERT of the current row of q (cc, name, notes), with its contacts. */
static int cert_row(struct sq *s, sqlite3_stmt *q, struct build *b, struct store_cert *c,
		    struct verr *err)
{
	sqlite3_stmt *cq = get(s, S_CERT_CONTACTS, err);
	int rc;

	memset(c, 0, sizeof(*c));
	if (!cq)
		return V_ERR_IO;
	c->cc = b->cc = dup_col(q, 0, &b->oom);
	c->name = b->name = dup_col(q, 1, &b->oom);
	c->notes = b->notes = dup_col(q, 2, &b->oom);
	if (b->oom)
		return verr_set(err, V_ERR_NOMEM, "", "%s", vres_str(V_ERR_NOMEM));
	bind_str(cq, 1, c->cc);
	if ((rc = build_rows(s, cq, b, add_contact, err)) != V_OK)
		return rc;
	c->contacts = b->cons;
	c->ncontacts = b->ncons;
	return V_OK;
}

static int sq_cert_get(struct store *st, const char *cc, struct store_cert **out,
		       struct verr *err)
{
	struct sq *s = (struct sq *)st;
	sqlite3_stmt *q = get(s, S_CERT_GET, err);
	struct build b = { 0 };
	struct store_cert c;
	int rc = V_OK, step;

	*out = NULL;
	if (!q)
		return V_ERR_IO;
	bind_str(q, 1, cc);
	step = sqlite3_step(q);
	if (step == SQLITE_ROW)
		rc = cert_row(s, q, &b, &c, err);
	done(q);
	if (step == SQLITE_DONE)
		rc = verr_set(err, V_ERR_NOTFOUND, "", _("no partner CERT for country '%s'"), cc);
	else if (step != SQLITE_ROW)
		rc = fail(s, step, err);
	if (rc == V_OK && !(*out = store_cert_copy(&c)))
		rc = verr_set(err, V_ERR_NOMEM, "", "%s", vres_str(V_ERR_NOMEM));
	build_fini(&b);
	return rc;
}

static int sq_cert_remove(struct store *st, const char *cc, struct verr *err)
{
	return delete_one((struct sq *)st, S_CERT_DELETE, cc,
			  _("no partner CERT for country '%s'"), err);
}

static int sq_certs_list(struct store *st, store_cert_cb cb, void *arg, struct verr *err)
{
	struct sq *s = (struct sq *)st;
	sqlite3_stmt *q = get(s, S_CERTS, err);
	int rc = V_OK, step;

	if (!q)
		return V_ERR_IO;
	while ((step = sqlite3_step(q)) == SQLITE_ROW) {
		struct build b = { 0 };
		struct store_cert c;
		rc = cert_row(s, q, &b, &c, err);
		if (rc == V_OK)
			rc = cb(arg, &c);
		build_fini(&b);
		if (rc != 0)
			break;
	}
	if (rc == V_OK && step != SQLITE_DONE)
		rc = fail(s, step, err);
	done(q);
	return rc;
}

static int sq_constituency_clear(struct store *st, struct verr *err)
{
	struct sq *s = (struct sq *)st;
	int own, rc;

	if ((rc = tx_enter(s, &own, err)) != V_OK)
		return rc;
	/* contacts, networks, ASNs and domains go with their owners (ON DELETE CASCADE) */
	if ((rc = run_id(s, S_ORGS_CLEAR, err)) == V_OK)
		rc = run_id(s, S_CERTS_CLEAR, err);
	return tx_leave(s, own, rc, err);
}

/* ---- sharing partners, accepted bundles ------------------------------------------------------ */

static int sq_partner_put(struct store *st, const struct store_partner *p, struct verr *err)
{
	struct sq *s = (struct sq *)st;
	sqlite3_stmt *q = get(s, S_PARTNER_PUT, err);

	if (!q)
		return V_ERR_IO;
	if (!p->name || !*p->name)
		return verr_set(err, V_ERR_INVALID, "name", "%s", _("a partner needs a name"));
	if (!p->kind || !p->tlp_max || !p->pseudo_key)
		return verr_set(err, V_ERR_INVALID, "", _("partner '%s' lacks its kind, TLP level or "
							  "key"), p->name);
	bind_str(q, 1, p->name);
	bind_str(q, 2, p->kind);
	bind_str(q, 3, p->tlp_max);
	bind_str(q, 4, p->collections ? p->collections : "*");
	bind_str(q, 5, p->orgs ? p->orgs : "*");
	sqlite3_bind_int(q, 6, p->pseudonymise ? 1 : 0);
	bind_str(q, 7, p->pseudo_key);
	bind_str(q, 8, p->sign_key);
	bind_str(q, 9, p->identity);
	bind_str(q, 10, p->contact);
	bind_str(q, 11, p->notes);
	sqlite3_bind_int64(q, 12, now());
	return run(s, q, err);
}

/* The partner of the current row of q (PARTNER_COLS); strings borrowed from q. */
static void partner_row(sqlite3_stmt *q, struct store_partner *p)
{
	memset(p, 0, sizeof(*p));
	p->id = sqlite3_column_int64(q, 0);
	p->name = col_str(q, 1);
	p->kind = col_str(q, 2);
	p->tlp_max = col_str(q, 3);
	p->collections = col_str(q, 4);
	p->orgs = col_str(q, 5);
	p->pseudonymise = sqlite3_column_int(q, 6);
	p->pseudo_key = col_str(q, 7);
	p->sign_key = col_str(q, 8);
	p->identity = col_str(q, 9);
	p->contact = col_str(q, 10);
	p->notes = col_str(q, 11);
	p->created = sqlite3_column_int64(q, 12);
	p->updated = sqlite3_column_int64(q, 13);
}

static int sq_partner_get(struct store *st, const char *name, struct store_partner **out,
			  struct verr *err)
{
	struct sq *s = (struct sq *)st;
	sqlite3_stmt *q = get(s, S_PARTNER_GET, err);
	struct store_partner p;
	int rc = V_OK, step;

	*out = NULL;
	if (!q)
		return V_ERR_IO;
	bind_str(q, 1, name);
	step = sqlite3_step(q);
	if (step == SQLITE_ROW) {
		partner_row(q, &p);
		if (!(*out = store_partner_copy(&p)))
			rc = verr_set(err, V_ERR_NOMEM, "", "%s", vres_str(V_ERR_NOMEM));
	} else if (step == SQLITE_DONE) {
		rc = verr_set(err, V_ERR_NOTFOUND, "", _("no partner named '%s'"), name);
	} else {
		rc = fail(s, step, err);
	}
	done(q);
	return rc;
}

static int sq_partner_remove(struct store *st, const char *name, struct verr *err)
{
	return delete_one((struct sq *)st, S_PARTNER_DELETE, name, _("no partner named '%s'"),
			  err);
}

static int sq_partners_list(struct store *st, store_partner_cb cb, void *arg, struct verr *err)
{
	struct sq *s = (struct sq *)st;
	sqlite3_stmt *q = get(s, S_PARTNERS, err);
	struct store_partner p;
	int rc = V_OK, step;

	if (!q)
		return V_ERR_IO;
	while ((step = sqlite3_step(q)) == SQLITE_ROW) {
		partner_row(q, &p);
		if ((rc = cb(arg, &p)) != 0)
			break;
	}
	if (rc == V_OK && step != SQLITE_DONE)
		rc = fail(s, step, err);
	done(q);
	return rc;
}

static int sq_bundle_accept(struct store *st, const char *bundle_id, const char *partner,
			    int64_t when, int64_t *accepted_at, struct verr *err)
{
	struct sq *s = (struct sq *)st;
	sqlite3_stmt *seen = get(s, S_BUNDLE_SEEN, err), *add = get(s, S_BUNDLE_ADD, err);
	int own, rc, step;

	*accepted_at = 0;
	if (!seen || !add)
		return V_ERR_IO;
	if (!bundle_id || !*bundle_id || strlen(bundle_id) > 200)
		return verr_set(err, V_ERR_INVALID, "bundle", "%s", _("not a bundle id"));
	if ((rc = tx_enter(s, &own, err)) != V_OK)
		return rc;
	bind_str(seen, 1, bundle_id);
	step = sqlite3_step(seen);
	if (step == SQLITE_ROW)
		*accepted_at = sqlite3_column_int64(seen, 0);
	done(seen);
	if (step == SQLITE_ROW) {
		rc = verr_set(err, V_ERR_EXISTS, "bundle", _("bundle %s was accepted before"),
			      bundle_id);
	} else if (step != SQLITE_DONE) {
		rc = fail(s, step, err);
	} else {
		bind_str(add, 1, bundle_id);
		bind_str(add, 2, partner);
		sqlite3_bind_int64(add, 3, when);
		rc = run(s, add, err);
	}
	return tx_leave(s, own, rc, err);
}

/* ---- store_copy ------------------------------------------------------------------------------ */

#define COPY_MAX_COLS 32

/* SELECT cols FROM name ORDER BY ... (or INSERT INTO name (cols) VALUES (?1, ...)): t's
 * names are constants of store_copy.c. */
static int copy_sql(const struct store_table *t, int insert, struct buf *q)
{
	int rc = buf_puts(q, insert ? "INSERT INTO " : "SELECT ");

	if (insert)
		rc |= buf_printf(q, "%s (", t->name);
	for (size_t k = 0; k < t->ncols; k++)
		rc |= buf_printf(q, "%s%s", k ? ", " : "", t->cols[k]);
	if (insert) {
		rc |= buf_puts(q, ") VALUES (");
		for (size_t k = 0; k < t->ncols; k++)
			rc |= buf_printf(q, "%s?%zu", k ? ", " : "", k + 1);
		rc |= buf_puts(q, ")");
	} else {
		rc |= buf_printf(q, " FROM %s ORDER BY %s", t->name, t->order ? t->order : "rowid");
	}
	return rc;
}

static int sq_rows_read(struct store *st, const struct store_table *t, store_row_cb cb,
			void *arg, struct verr *err)
{
	struct sq *s = (struct sq *)st;
	struct store_cell cells[COPY_MAX_COLS];
	sqlite3_stmt *q = NULL;
	struct buf sql;
	int rc, step;

	if (t->ncols > COPY_MAX_COLS)
		return verr_set(err, V_ERR_INVALID, "", "%s", vres_str(V_ERR_INVALID));
	buf_init(&sql, 1 << 16);
	if (copy_sql(t, 0, &sql) != V_OK) {
		buf_fini(&sql);
		return verr_set(err, V_ERR_NOMEM, "", "%s", vres_str(V_ERR_NOMEM));
	}
	rc = prepare(s, sql.data, &q, err);
	buf_fini(&sql);
	if (rc != V_OK)
		return rc;
	while ((step = sqlite3_step(q)) == SQLITE_ROW) {
		for (size_t k = 0; k < t->ncols; k++) {
			int i = (int)k;
			cells[k].null = sqlite3_column_type(q, i) == SQLITE_NULL;
			cells[k].data = t->blobs & (1u << k) ? sqlite3_column_blob(q, i)
							      : (const char *)sqlite3_column_text(q, i);
			cells[k].len = (size_t)sqlite3_column_bytes(q, i);
		}
		if ((rc = cb(arg, cells)) != V_OK)
			break;
	}
	if (rc == V_OK && step != SQLITE_DONE)
		rc = fail(s, step, err);
	sqlite3_finalize(q);
	return rc;
}

static int sq_row_write(struct store *st, const struct store_table *t,
			const struct store_cell *cells, struct verr *err)
{
	struct sq *s = (struct sq *)st;
	int rc;

	if (s->copy_t != t) {
		struct buf sql;
		sqlite3_finalize(s->copy_q);
		s->copy_q = NULL;
		s->copy_t = NULL;
		buf_init(&sql, 1 << 16);
		if (copy_sql(t, 1, &sql) != V_OK) {
			buf_fini(&sql);
			return verr_set(err, V_ERR_NOMEM, "", "%s", vres_str(V_ERR_NOMEM));
		}
		rc = prepare(s, sql.data, &s->copy_q, err);
		buf_fini(&sql);
		if (rc != V_OK)
			return rc;
		s->copy_t = t;
	}
	for (size_t k = 0; k < t->ncols; k++) {
		int i = (int)k + 1;
		if (cells[k].null)
			sqlite3_bind_null(s->copy_q, i);
		else if (t->blobs & (1u << k))
			sqlite3_bind_blob(s->copy_q, i, cells[k].data, (int)cells[k].len,
					  SQLITE_STATIC);
		else
			sqlite3_bind_text(s->copy_q, i, cells[k].data, (int)cells[k].len,
					  SQLITE_STATIC);
	}
	return run(s, s->copy_q, err);
}

static int sq_copy_done(struct store *st, const struct store_table *tables, size_t n,
			struct verr *err)
{
	(void)st;
	(void)tables;
	(void)n;
	(void)err;
	return V_OK; /* INTEGER PRIMARY KEY goes on from the largest id by itself */
}

static int sq_mark_put(struct store *st, const char *msg, const char *owner, struct verr *err)
{
	struct sq *s = (struct sq *)st;
	sqlite3_stmt *q = get(s, S_MARK_PUT, err);

	if (!q)
		return V_ERR_IO;
	bind_str(q, 1, msg);
	bind_str(q, 2, owner ? owner : "");
	return run(s, q, err);
}

static int sq_mark_take(struct store *st, const char *msg, int *found, struct verr *err)
{
	struct sq *s = (struct sq *)st;
	sqlite3_stmt *q = get(s, S_MARK_TAKE, err);
	int rc;

	*found = 0;
	if (!q)
		return V_ERR_IO;
	bind_str(q, 1, msg);
	if ((rc = run(s, q, err)) != V_OK)
		return rc;
	*found = sqlite3_changes(s->db) > 0;
	return V_OK;
}

static int sq_mark_clear(struct store *st, const char *owner, struct verr *err)
{
	struct sq *s = (struct sq *)st;
	sqlite3_stmt *q = get(s, S_MARK_CLEAR, err);

	if (!q)
		return V_ERR_IO;
	bind_str(q, 1, owner ? owner : "");
	return run(s, q, err);
}

static const struct store_ops sqlite_ops = {
	.name = "sqlite",
	.close = sq_close,
	.schema_version = sq_schema_version,
	.info = sq_info,
	.cache_limit = sq_cache_limit,
	.begin = sq_begin,
	.commit = sq_commit,
	.rollback = sq_rollback,
	.mark = sq_mark,
	.undo = sq_undo,
	.mark_release = sq_mark_release,
	.batch_start = sq_batch_start,
	.batch_finish = sq_batch_finish,
	.batch_set_input = sq_batch_set_input,
	.batch_progress = sq_batch_progress,
	.batch_find_input = sq_batch_find_input,
	.event_put = sq_event_put,
	.event_insert = sq_event_insert,
	.events_query = sq_events_query,
	.events_prune = sq_events_prune,
	.fingerprints_since = sq_fingerprints_since,
	.incident_find_open = sq_incident_find_open,
	.incident_create = sq_incident_create,
	.incident_add_event = sq_incident_add_event,
	.incident_get = sq_incident_get,
	.incident_update = sq_incident_update,
	.incident_attribute = sq_incident_attribute,
	.incidents_query = sq_incidents_query,
	.incident_counts = sq_incident_counts,
	.incident_groups = sq_incident_groups,
	.note_add = sq_note_add,
	.notes_list = sq_notes_list,
	.attachment_add = sq_attachment_add,
	.attachments_list = sq_attachments_list,
	.attachment_get = sq_attachment_get,
	.link_add = sq_link_add,
	.links_list = sq_links_list,
	.indicator_get = sq_indicator_get,
	.indicator_find = sq_indicator_find,
	.indicator_set_common = sq_indicator_set_common,
	.posting_add = sq_posting_add,
	.postings_write = sq_postings_write,
	.links_write = sq_links_write,
	.indicators_write = sq_indicators_write,
	.indicator_add = sq_indicator_add,
	.indicators_scan = sq_indicators_scan,
	.indicators_max = sq_indicators_max,
	.indicators_mark = sq_indicators_mark,
	.indicators_bump = sq_indicators_bump,
	.share_bump = sq_share_bump,
	.indicators_changed = sq_indicators_changed,
	.postings_of = sq_postings_of,
	.postings_orphans = sq_postings_orphans,
	.check = sq_check,
	.indicators_list = sq_indicators_list,
	.audit_append = sq_audit_append,
	.audit_list = sq_audit_list,
	.audit_verify = sq_audit_verify,
	.org_put = sq_org_put,
	.org_get = sq_org_get,
	.org_remove = sq_org_remove,
	.orgs_list = sq_orgs_list,
	.cert_put = sq_cert_put,
	.cert_get = sq_cert_get,
	.cert_remove = sq_cert_remove,
	.certs_list = sq_certs_list,
	.constituency_clear = sq_constituency_clear,
	.partner_put = sq_partner_put,
	.partner_get = sq_partner_get,
	.partner_remove = sq_partner_remove,
	.partners_list = sq_partners_list,
	.bundle_accept = sq_bundle_accept,
	.mark_put = sq_mark_put,
	.mark_take = sq_mark_take,
	.mark_clear = sq_mark_clear,
	.notices_add = store_sqlite_notices_add,
	.notices_query = store_sqlite_notices_query,
	.notices_claim = store_sqlite_notices_claim,
	.notices_done = store_sqlite_notices_done,
	.ledger_query = store_sqlite_ledger_query,
	.ledger_count = store_sqlite_ledger_count,
	.stats = store_sqlite_stats,
	.incidents_notable = store_sqlite_incidents_notable,
	.account_add = store_sqlite_account_add,
	.account_get = store_sqlite_account_get,
	.account_remove = store_sqlite_account_remove,
	.accounts_list = store_sqlite_accounts_list,
	.token_add = store_sqlite_token_add,
	.token_find = store_sqlite_token_find,
	.token_revoke = store_sqlite_token_revoke,
	.token_live = store_sqlite_token_live,
	.account_password_set = store_sqlite_account_password_set,
	.account_password_get = store_sqlite_account_password_get,
	.account_lang_set = store_sqlite_account_lang_set,
	.taxii_cursor_get = store_sqlite_taxii_cursor_get,
	.taxii_cursor_set = store_sqlite_taxii_cursor_set,
	.taxii_object_put = store_sqlite_taxii_object_put,
	.taxii_objects_query = store_sqlite_taxii_objects_query,
	.taxii_object_delete = store_sqlite_taxii_object_delete,
	.taxii_view_current = store_sqlite_taxii_view_current,
	.taxii_view_begin = store_sqlite_taxii_view_begin,
	.taxii_view_done = store_sqlite_taxii_view_done,
	.taxii_status_put = store_sqlite_taxii_status_put,
	.taxii_status_get = store_sqlite_taxii_status_get,
	.rows_read = sq_rows_read,
	.row_write = sq_row_write,
	.copy_done = sq_copy_done,
};

/* ---- opening --------------------------------------------------------------------------------- */

static int busy_ms_setting(void)
{
	const char *v = conf_get("store.busy_timeout");
	long long ms;

	if (!v)
		return DEFAULT_BUSY_MS;
	ms = conf_get_int("store.busy_timeout");
	return ms < 0 ? 0 : ms > 86400000 ? 86400000 : (int)ms;
}

/* Once per process, before SQLite's first use: no memory statistics (their upkeep takes a
 * global mutex on every allocation: 5% of an ingest).  When SQLite was already initialised
 * (another part of the process used it first) the call is refused and changes nothing. */
static void sqlite_setup(void)
{
	sqlite3_config(SQLITE_CONFIG_MEMSTATUS, 0);
}

/* Open the file with the connection settings every use shares (not the schema). */
static int connect_db(const char *path, int busy_ms, sqlite3 **out, struct verr *err)
{
	static pthread_once_t once = PTHREAD_ONCE_INIT;
	static const char *const pragmas =
		"PRAGMA foreign_keys = ON;"
		"PRAGMA synchronous = FULL;"
		"PRAGMA temp_store = MEMORY;";
	sqlite3 *db = NULL;
	sqlite3_stmt *q = NULL;
	long long cache_kib = conf_get_int("store.cache_size") / 1024;
	char cache[64];
	int rc;

	*out = NULL;
	pthread_once(&once, sqlite_setup);
	/* a connection is used by one thread at a time: no mutex around each call */
	rc = sqlite3_open_v2(path, &db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE |
			     SQLITE_OPEN_NOMUTEX, NULL);
	if (rc != SQLITE_OK)
		goto fail;
	sqlite3_extended_result_codes(db, 1);
	sqlite3_busy_timeout(db, busy_ms);
	/* WAL: readers never wait for the writer.  The first statement also reads the header,
	 * so a damaged file or one that is not a database shows here. */
	rc = sqlite3_prepare_v2(db, "PRAGMA journal_mode = WAL", -1, &q, NULL);
	if (rc == SQLITE_OK) {
		rc = sqlite3_step(q);
		if (rc == SQLITE_ROW || rc == SQLITE_DONE)
			rc = SQLITE_OK;
	}
	sqlite3_finalize(q);
	if (rc != SQLITE_OK)
		goto fail;
	if ((rc = sqlite3_exec(db, pragmas, NULL, NULL, NULL)) != SQLITE_OK)
		goto fail;
	/* the deferred batch's rows as a table (vigia_rows) */
	if ((rc = sqlite3_create_module(db, "vigia_rows", &rows_module, NULL)) != SQLITE_OK)
		goto fail;
	/* the page cache (store.cache_size): it only grows as pages are read, so a short
	 * command uses little of it; an ingest into a large store keeps the indexes it
	 * touches at random (indicators, postings, incidents) here instead of reading them
	 * again from the file (a third of the correlation time with 64 MiB, bench/store.sh) */
	snprintf(cache, sizeof(cache), "PRAGMA cache_size = -%lld",
		 (long long)(cache_kib < 1024 ? 1024 : cache_kib));
	if ((rc = sqlite3_exec(db, cache, NULL, NULL, NULL)) != SQLITE_OK)
		goto fail;
	*out = db;
	return V_OK;
fail:
	rc = fail_db(path, db, busy_ms, rc, err);
	sqlite3_close(db);
	return rc;
}

int store_sqlite_migrate_to(const char *path, int version, struct verr *err)
{
	sqlite3 *db = NULL;
	int rc, from = 0, busy = busy_ms_setting();

	if ((rc = connect_db(path, busy, &db, err)) != V_OK)
		return rc;
	rc = store_migrate_apply(db, path, busy, version, &from, err);
	sqlite3_close(db);
	return rc;
}

int store_sqlite_open(const char *path, struct store **out, struct verr *err)
{
	struct sq *s;
	int rc;

	*out = NULL;
	if (!(s = calloc(1, sizeof(*s))) || !(s->base.path = strdup(path))) {
		free(s);
		return verr_set(err, V_ERR_NOMEM, "", "%s", vres_str(V_ERR_NOMEM));
	}
	s->base.ops = &sqlite_ops;
	s->busy_ms = busy_ms_setting();
	buf_init(&s->json, 0);
	buf_init(&s->scratch, 4096);
	if ((rc = connect_db(path, s->busy_ms, &s->db, err)) != V_OK ||
	    (rc = store_migrate_apply(s->db, path, s->busy_ms, STORE_SCHEMA_VERSION,
				      &s->base.opened_at, err)) != V_OK) {
		sq_close(&s->base);
		return rc;
	}
	*out = &s->base;
	return V_OK;
}

/* for migrate.c, which shares the wording of errors */
int store_sqlite_fail(const char *path, sqlite3 *db, int busy_ms, int rc, struct verr *err)
{
	return fail_db(path, db, busy_ms, rc, err);
}

sqlite3 *store_sqlite_db(struct store *st)
{
	return st && st->ops == &sqlite_ops ? ((struct sq *)st)->db : NULL;
}

int store_sqlite_keyed(struct store *st, const char *sql, sqlite3_stmt **out, struct verr *err)
{
	struct sq *s = (struct sq *)st;
	size_t i;
	int rc;

	*out = NULL;
	for (i = 0; i < SQ_KEYED_MAX && s->keyed_sql[i]; i++)
		if (s->keyed_sql[i] == sql) {
			sqlite3_reset(s->keyed[i]);
			sqlite3_clear_bindings(s->keyed[i]);
			*out = s->keyed[i];
			return V_OK;
		}
	if (i == SQ_KEYED_MAX) /* a programming error: more statements than slots */
		return verr_set(err, V_ERR_LIMIT, "", "%s", "store: too many keyed statements");
	if ((rc = prepare(s, sql, &s->keyed[i], err)) != V_OK)
		return rc;
	s->keyed_sql[i] = sql;
	*out = s->keyed[i];
	return V_OK;
}

/* One EXPLAIN QUERY PLAN, its detail lines appended to out (one a line). */
static int explain(struct sq *s, const char *sql, struct buf *out, struct verr *err)
{
	struct buf q;
	sqlite3_stmt *st = NULL;
	int rc, step;

	buf_init(&q, 1 << 16);
	if (buf_puts(&q, "EXPLAIN QUERY PLAN ") != V_OK || buf_puts(&q, sql) != V_OK) {
		buf_fini(&q);
		return verr_set(err, V_ERR_NOMEM, "", "%s", vres_str(V_ERR_NOMEM));
	}
	rc = sqlite3_prepare_v2(s->db, q.data, (int)q.len, &st, NULL);
	buf_fini(&q);
	if (rc != SQLITE_OK)
		return fail(s, rc, err);
	rc = V_OK;
	while ((step = sqlite3_step(st)) == SQLITE_ROW && rc == V_OK) {
		const char *d = col_str(st, 3);
		rc = buf_puts(out, d ? d : "");
		rc |= buf_putc(out, '\n');
	}
	if (rc != V_OK)
		rc = verr_set(err, V_ERR_NOMEM, "", "%s", vres_str(V_ERR_NOMEM));
	else if (step != SQLITE_DONE && step != SQLITE_ROW)
		rc = fail(s, step, err);
	sqlite3_finalize(st);
	return rc;
}

int store_sqlite_events_plan(struct store *st, const struct store_event_filter *f,
			     struct buf *out, struct verr *err)
{
	struct sq *s = (struct sq *)st;
	sqlite3_stmt *q;

	if (!(q = events_stmt(s, events_mask(f), err)))
		return V_ERR_IO;
	return explain(s, sqlite3_sql(q), out, err);
}

int store_sqlite_write_plan(struct store *st, const char *which, struct buf *out,
			    struct verr *err)
{
	static const struct {
		const char *name;
		enum sq_stmt id;
	} known[] = {
		{ "dedup", S_EV_FIND }, { "window", S_FP_SINCE }, { "prune", S_PRUNE },
		{ "repeat", S_EV_REPEAT },
	};

	for (size_t i = 0; i < sizeof(known) / sizeof(known[0]); i++)
		if (!strcmp(known[i].name, which))
			return explain((struct sq *)st, sql_text[known[i].id], out, err);
	return verr_set(err, V_ERR_USAGE, "", "no statement %s", which);
}
