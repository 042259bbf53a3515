/*
 * migrate.c — the SQLite store's schema as a list of forward-only steps.
 *
 * Step k brings a database from version k-1 to k; the versions applied are rows of the table
 * schema_version (version, applied).  A step is never edited once released: a change to the
 * schema is a new step at the end of the list (and STORE_SCHEMA_VERSION goes up), so every
 * database, whatever version it is at, reaches the same schema.  docs/internals/store.md
 * describes the tables.
 */
#include <time.h>

#include "base/i18n.h"
#include "store/store_sqlite.h"
#include "store/store_impl.h"

/* Version 1: the tables. */
static const char step1[] =
	"CREATE TABLE schema_version ("
	"  version INTEGER PRIMARY KEY,"
	"  applied INTEGER NOT NULL);"
	/* one row per ingest run (or per file of one) */
	"CREATE TABLE batches ("
	"  id INTEGER PRIMARY KEY,"
	"  feed TEXT, source TEXT,"
	"  started INTEGER NOT NULL, finished INTEGER NOT NULL DEFAULT 0,"
	"  records INTEGER NOT NULL DEFAULT 0, events INTEGER NOT NULL DEFAULT 0,"
	"  duplicates INTEGER NOT NULL DEFAULT 0, rejected INTEGER NOT NULL DEFAULT 0,"
	"  input TEXT);" /* SHA-256 of the input file: an interrupted ingest resumes */
	/* the event is json (event_to_json, raw included); the other columns are copies of
	 * fields for the filters, so that no query parses JSON */
	"CREATE TABLE events ("
	"  id INTEGER PRIMARY KEY,"
	"  batch INTEGER REFERENCES batches(id),"
	"  fingerprint INTEGER,"
	"  first_seen INTEGER NOT NULL, last_seen INTEGER NOT NULL,"
	"  repeats INTEGER NOT NULL DEFAULT 0,"
	"  time INTEGER NOT NULL,"
	"  source_ip BLOB, destination_ip BLOB,"
	"  classification_type TEXT, taxonomy TEXT, feed TEXT,"
	"  source_fqdn_rev TEXT, destination_fqdn_rev TEXT, source_url TEXT,"
	"  json TEXT NOT NULL);"
	"CREATE TABLE incidents ("
	"  id INTEGER PRIMARY KEY,"
	"  rule TEXT NOT NULL, key TEXT NOT NULL,"
	"  state INTEGER NOT NULL DEFAULT 0, resolution TEXT, owner TEXT,"
	"  priority INTEGER NOT NULL DEFAULT 0, impact TEXT, tlp TEXT, pap TEXT,"
	"  classification_type TEXT, taxonomy TEXT, organisation TEXT, title TEXT,"
	"  first_seen INTEGER NOT NULL DEFAULT 0, last_seen INTEGER NOT NULL DEFAULT 0,"
	"  event_count INTEGER NOT NULL DEFAULT 0,"
	"  created INTEGER NOT NULL, updated INTEGER NOT NULL,"
	"  deadline INTEGER NOT NULL DEFAULT 0, merged_into INTEGER NOT NULL DEFAULT 0);"
	"CREATE TABLE incident_events ("
	"  incident INTEGER NOT NULL REFERENCES incidents(id) ON DELETE CASCADE,"
	"  event INTEGER NOT NULL REFERENCES events(id) ON DELETE CASCADE,"
	"  seen INTEGER NOT NULL,"
	"  PRIMARY KEY (incident, event)) WITHOUT ROWID;"
	"CREATE TABLE notes ("
	"  id INTEGER PRIMARY KEY,"
	"  incident INTEGER NOT NULL REFERENCES incidents(id),"
	"  author TEXT, time INTEGER NOT NULL, text TEXT NOT NULL);"
	/* attachments: the content once per SHA-256, linked to incidents by name */
	"CREATE TABLE contents ("
	"  sha256 TEXT PRIMARY KEY, size INTEGER NOT NULL, data BLOB NOT NULL);"
	"CREATE TABLE attachments ("
	"  id INTEGER PRIMARY KEY,"
	"  incident INTEGER NOT NULL REFERENCES incidents(id),"
	"  name TEXT NOT NULL,"
	"  sha256 TEXT NOT NULL REFERENCES contents(sha256),"
	"  time INTEGER NOT NULL,"
	"  UNIQUE (incident, name, sha256));"
	"CREATE TABLE links ("
	"  a INTEGER NOT NULL REFERENCES incidents(id),"
	"  b INTEGER NOT NULL REFERENCES incidents(id),"
	"  kind TEXT NOT NULL, why TEXT, time INTEGER NOT NULL,"
	"  PRIMARY KEY (a, b, kind)) WITHOUT ROWID;"
	"CREATE TABLE indicators ("
	"  id INTEGER PRIMARY KEY,"
	"  kind TEXT NOT NULL, value TEXT NOT NULL,"
	"  common INTEGER NOT NULL DEFAULT 0, why TEXT,"
	"  UNIQUE (kind, value));"
	/* one row per (indicator, incident): correlation without a cap per value */
	"CREATE TABLE postings ("
	"  indicator INTEGER NOT NULL REFERENCES indicators(id),"
	"  incident INTEGER NOT NULL REFERENCES incidents(id),"
	"  PRIMARY KEY (indicator, incident)) WITHOUT ROWID;";

/* Version 2: the indexes the queries need, and the audit trail. */
static const char step2[] =
	/* partial indexes skip the rows without a value: most events lack some fields */
	"CREATE INDEX events_fingerprint ON events(fingerprint) WHERE fingerprint IS NOT NULL;"
	"CREATE INDEX events_last_seen ON events(last_seen);"
	"CREATE INDEX events_time ON events(time);"
	"CREATE INDEX events_batch ON events(batch);"
	"CREATE INDEX batches_input ON batches(input, feed) WHERE input IS NOT NULL;"
	"CREATE INDEX events_source_ip ON events(source_ip) WHERE source_ip IS NOT NULL;"
	"CREATE INDEX events_destination_ip ON events(destination_ip)"
	"  WHERE destination_ip IS NOT NULL;"
	"CREATE INDEX events_classification ON events(classification_type)"
	"  WHERE classification_type IS NOT NULL;"
	"CREATE INDEX events_taxonomy ON events(taxonomy) WHERE taxonomy IS NOT NULL;"
	"CREATE INDEX events_feed ON events(feed) WHERE feed IS NOT NULL;"
	"CREATE INDEX events_source_fqdn ON events(source_fqdn_rev)"
	"  WHERE source_fqdn_rev IS NOT NULL;"
	"CREATE INDEX events_destination_fqdn ON events(destination_fqdn_rev)"
	"  WHERE destination_fqdn_rev IS NOT NULL;"
	"CREATE INDEX events_source_url ON events(source_url) WHERE source_url IS NOT NULL;"
	"CREATE INDEX incident_events_event ON incident_events(event);"
	"CREATE INDEX incidents_rule_key ON incidents(rule, key, last_seen);"
	/* states 4 and 5 are resolved and closed (enum incident_state) */
	"CREATE INDEX incidents_open ON incidents(id) WHERE state < 4;"
	"CREATE INDEX incidents_due ON incidents(deadline) WHERE deadline > 0 AND state < 4;"
	"CREATE INDEX notes_incident ON notes(incident);"
	"CREATE INDEX attachments_incident ON attachments(incident);"
	"CREATE INDEX links_b ON links(b);"
	"CREATE INDEX postings_incident ON postings(incident);"
	"CREATE INDEX indicators_common ON indicators(kind, value) WHERE common = 1;"
	/* each entry carries the previous one's hash; the head remembers the last entry so
	 * that removing entries at the end shows too */
	"CREATE TABLE audit ("
	"  id INTEGER PRIMARY KEY,"
	"  time INTEGER NOT NULL,"
	"  actor TEXT, object TEXT, action TEXT, before TEXT, after TEXT,"
	"  prev_hash TEXT NOT NULL, hash TEXT NOT NULL);"
	"CREATE INDEX audit_object ON audit(object);"
	"CREATE TABLE audit_head ("
	"  one INTEGER PRIMARY KEY CHECK (one = 1),"
	"  last_id INTEGER NOT NULL, hash TEXT NOT NULL);";

/* Version 3: the constituency — organisations with their networks, ASNs, domains and
 * contacts, and the partner national CERTs (store.h "the constituency").  A network is kept
 * as its text and as its first and last address (16 bytes, IPv4 as ::ffff:a.b.c.d, like
 * events' addresses), so that the same network spelt two ways is one. */
static const char step3[] =
	"CREATE TABLE orgs ("
	"  id INTEGER PRIMARY KEY,"
	"  name TEXT NOT NULL UNIQUE COLLATE NOCASE,"
	"  do_not_notify INTEGER NOT NULL DEFAULT 0,"
	"  notes TEXT, updated INTEGER NOT NULL);"
	"CREATE TABLE org_networks ("
	"  org INTEGER NOT NULL REFERENCES orgs(id) ON DELETE CASCADE,"
	"  cidr TEXT NOT NULL, lo BLOB NOT NULL, hi BLOB NOT NULL,"
	"  do_not_notify INTEGER NOT NULL DEFAULT 0,"
	"  UNIQUE (lo, hi));"
	"CREATE TABLE org_asns ("
	"  org INTEGER NOT NULL REFERENCES orgs(id) ON DELETE CASCADE,"
	"  asn INTEGER NOT NULL UNIQUE);"
	"CREATE TABLE org_domains ("
	"  org INTEGER NOT NULL REFERENCES orgs(id) ON DELETE CASCADE,"
	"  domain TEXT NOT NULL UNIQUE COLLATE NOCASE);"
	"CREATE TABLE partner_certs ("
	"  cc TEXT PRIMARY KEY, name TEXT NOT NULL, notes TEXT, updated INTEGER NOT NULL);"
	/* a contact is an organisation's or a CERT's, never both */
	"CREATE TABLE contacts ("
	"  org INTEGER REFERENCES orgs(id) ON DELETE CASCADE,"
	"  cert TEXT REFERENCES partner_certs(cc) ON DELETE CASCADE,"
	"  email TEXT NOT NULL, name TEXT, lang TEXT, format TEXT, fingerprint TEXT,"
	"  CHECK ((org IS NULL) <> (cert IS NULL)));"
	"CREATE INDEX org_networks_org ON org_networks(org);"
	"CREATE INDEX org_asns_org ON org_asns(org);"
	"CREATE INDEX org_domains_org ON org_domains(org);"
	"CREATE INDEX contacts_org ON contacts(org) WHERE org IS NOT NULL;"
	"CREATE INDEX contacts_cert ON contacts(cert) WHERE cert IS NOT NULL;";

/* Version 4: the index of events by last_seen also holds the fingerprint, so that loading the
 * dedup window (every fingerprint seen since a time, at the start of each ingest) reads only
 * the index instead of every event row of the window (a second for a million events, and
 * the page cache filled with rows; bench/store.sh).  Retention (last_seen < cutoff) uses it
 * as it used the old one. */
static const char step4[] =
	"CREATE INDEX events_seen_fingerprint ON events(last_seen, fingerprint);"
	"DROP INDEX events_last_seen;";

/* Version 5: that index ordered by (last_seen, id) before the fingerprint.  The events of a
 * report share their last_seen (the report's observation time); ordered by fingerprint within
 * it, every new event went to a random place of the index, and in a large store each commit
 * rewrote most of its pages.  Ordered by id they are appended, as with the index of
 * version 2, and the index still holds all that loading the dedup window reads. */
static const char step5[] =
	"CREATE INDEX events_seen ON events(last_seen, id, fingerprint);"
	"DROP INDEX events_seen_fingerprint;";

/* Version 6: sharing (src/share) — the partners vigia shares with and their rights, and the
 * ids of the signed bundles accepted from them (a bundle is accepted once: replays are
 * refused).  Keys are hex text: pseudo_key the partner's pseudonymisation key, sign_key its
 * Ed25519 public key. */
static const char step6[] =
	"CREATE TABLE partners ("
	"  id INTEGER PRIMARY KEY,"
	"  name TEXT NOT NULL UNIQUE COLLATE NOCASE,"
	"  kind TEXT NOT NULL, tlp_max TEXT NOT NULL,"
	"  collections TEXT NOT NULL DEFAULT '*', orgs TEXT NOT NULL DEFAULT '*',"
	"  pseudonymise INTEGER NOT NULL DEFAULT 0, pseudo_key TEXT NOT NULL,"
	"  sign_key TEXT, identity TEXT, contact TEXT, notes TEXT,"
	"  created INTEGER NOT NULL, updated INTEGER NOT NULL);"
	"CREATE TABLE bundles_accepted ("
	"  bundle_id TEXT PRIMARY KEY, partner TEXT, accepted INTEGER NOT NULL);";
/* Version 7: notifications (src/notify; docs/internals/notify.md).  notices is the queue: one
 * row per (recipient, incident, version) that routing decided to send, with the batch it
 * belongs to (aggregation key), when it is due and how far it got (0 queued, 1 sending: claimed
 * by a message whose Message-ID is message_id, 2 sent, 3 failed).  notify_ledger is what left:
 * one row per (recipient, incident, version, template) the SMTP server accepted, never changed, so
 * nothing is queued or sent twice. */
static const char step7[] =
	"CREATE TABLE notices ("
	"  id INTEGER PRIMARY KEY,"
	"  incident INTEGER NOT NULL REFERENCES incidents(id) ON DELETE CASCADE,"
	"  version INTEGER NOT NULL,"
	"  recipient TEXT NOT NULL, name TEXT, kind TEXT NOT NULL, address TEXT,"
	"  lang TEXT NOT NULL, format TEXT NOT NULL, template TEXT NOT NULL,"
	"  interval TEXT NOT NULL, akey TEXT NOT NULL, rule TEXT, why TEXT,"
	"  created INTEGER NOT NULL, due INTEGER NOT NULL, next_try INTEGER NOT NULL DEFAULT 0,"
	"  state INTEGER NOT NULL DEFAULT 0, attempts INTEGER NOT NULL DEFAULT 0,"
	"  message_id TEXT, error TEXT,"
	"  UNIQUE (recipient, incident, version, template));"
	"CREATE INDEX notices_open ON notices(state, due) WHERE state < 2;"
	"CREATE INDEX notices_message ON notices(message_id) WHERE message_id IS NOT NULL;"
	"CREATE INDEX notices_incident ON notices(incident);"
	"CREATE TABLE notify_ledger ("
	"  id INTEGER PRIMARY KEY,"
	"  time INTEGER NOT NULL, recipient TEXT NOT NULL,"
	"  incident INTEGER NOT NULL, version INTEGER NOT NULL, template TEXT NOT NULL,"
	"  message_id TEXT NOT NULL, reply TEXT,"
	"  UNIQUE (recipient, incident, version, template));"
	"CREATE INDEX notify_ledger_recipient ON notify_ledger(recipient, time);"
	"CREATE INDEX notify_ledger_incident ON notify_ledger(incident);";

/* Version 8: accounts of the HTTP API and TAXII (src/http; docs/internals/http.md).  An account
 * is an analyst, an administrator or a partner team (tied to a partner by name); api_tokens
 * holds only a keyed BLAKE2b hash of each token (the token itself is shown once); taxii_cursors
 * remembers, per TAXII source and collection, the added_after of the last pull. */
static const char step8[] =
	"CREATE TABLE accounts ("
	"  id INTEGER PRIMARY KEY,"
	"  name TEXT NOT NULL UNIQUE COLLATE NOCASE,"
	"  role TEXT NOT NULL, partner TEXT,"
	"  created INTEGER NOT NULL);"
	"CREATE TABLE api_tokens ("
	"  id INTEGER PRIMARY KEY,"
	"  account INTEGER NOT NULL REFERENCES accounts(id) ON DELETE CASCADE,"
	"  hash TEXT NOT NULL UNIQUE, label TEXT,"
	"  created INTEGER NOT NULL, revoked INTEGER NOT NULL DEFAULT 0);"
	"CREATE INDEX api_tokens_account ON api_tokens(account);"
	"CREATE TABLE taxii_cursors ("
	"  source TEXT NOT NULL, collection TEXT NOT NULL,"
	"  added_after TEXT NOT NULL, updated INTEGER NOT NULL,"
	"  PRIMARY KEY (source, collection));";
/* Version 9: transport marks (vigia worker): the Redis stream messages whose events a worker
 * stored in a transaction not yet followed by their acknowledgement (store.h). */
static const char step9[] =
	"CREATE TABLE transport_marks ("
	"  msg TEXT PRIMARY KEY, owner TEXT NOT NULL) WITHOUT ROWID;"
	"CREATE INDEX transport_marks_owner ON transport_marks(owner);";

/* Version 10: TAXII objects kept as rows (src/http/taxii_write.c): one per (collection, id,
 * version), paged by (collection, date_added, seq) so that a page costs the page; latest and
 * earliest mark the newest and oldest version of an id for match[version]; and the status
 * resources of POSTs of objects. */
static const char step10[] =
	"CREATE TABLE taxii_objects ("
	"  seq INTEGER PRIMARY KEY,"
	"  collection TEXT NOT NULL, id TEXT NOT NULL, type TEXT NOT NULL,"
	"  version TEXT NOT NULL, spec_version TEXT NOT NULL, date_added TEXT NOT NULL,"
	"  tlp INTEGER NOT NULL, account TEXT NOT NULL DEFAULT '',"
	"  latest INTEGER NOT NULL DEFAULT 1, earliest INTEGER NOT NULL DEFAULT 1,"
	"  object TEXT NOT NULL,"
	"  UNIQUE (collection, id, version));"
	"CREATE INDEX taxii_objects_added ON taxii_objects(collection, date_added, seq);"
	"CREATE TABLE taxii_status ("
	"  id TEXT PRIMARY KEY, collection TEXT NOT NULL, account TEXT NOT NULL,"
	"  status TEXT NOT NULL, request_timestamp TEXT NOT NULL,"
	"  total INTEGER NOT NULL, success INTEGER NOT NULL, failure INTEGER NOT NULL,"
	"  pending INTEGER NOT NULL, detail TEXT NOT NULL);";

/* Version 11: nothing in SQLite.  PostgreSQL's step 11 adds the table event_claims, which
 * serialises processes storing the same event at once; SQLite's write lock does that here. */
static const char step11[] = "";

/* Version 12: the web UI's queue and dashboard over many incidents (src/http/ui_api.c;
 * docs/internals/ui.md).  incident_counts keeps the number of incidents in each state, kept
 * right by triggers, so the queue's counts per state cost six rows, not a scan of every
 * incident (store_incident_counts); the open ones by priority and age come from an index
 * alone, and a period's aggregates from the time incidents were opened
 * (store_incident_groups). */
static const char step12[] =
	"CREATE INDEX incidents_state ON incidents(state, priority, created);"
	"CREATE INDEX incidents_created ON incidents(created);"
	"CREATE TABLE incident_counts (state INTEGER PRIMARY KEY, n INTEGER NOT NULL);"
	"INSERT INTO incident_counts (state, n) VALUES (0, 0), (1, 0), (2, 0), (3, 0), (4, 0),"
	"  (5, 0);"
	"UPDATE incident_counts SET n = (SELECT count(*) FROM incidents i"
	"  WHERE i.state = incident_counts.state);"
	"CREATE TRIGGER incidents_count_insert AFTER INSERT ON incidents BEGIN"
	"  UPDATE incident_counts SET n = n + 1 WHERE state = NEW.state; END;"
	"CREATE TRIGGER incidents_count_state AFTER UPDATE OF state ON incidents"
	"  WHEN OLD.state <> NEW.state BEGIN"
	"  UPDATE incident_counts SET n = n - 1 WHERE state = OLD.state;"
	"  UPDATE incident_counts SET n = n + 1 WHERE state = NEW.state; END;"
	"CREATE TRIGGER incidents_count_delete AFTER DELETE ON incidents BEGIN"
	"  UPDATE incident_counts SET n = n - 1 WHERE state = OLD.state; END;";

/* Version 13: what the period report (src/report) bounds its counts with: the ledger by the
 * time a message went (incidents by the time they were created: step 12's incidents_created). */
static const char step13[] =
	"CREATE INDEX notify_ledger_time ON notify_ledger(time);";

/* Version 14: what a saved index of the indicator values (src/pipeline/correlate.c) is checked
 * against (store.h "store_indicators_mark"): the store's identity, made at random here, and a
 * generation bumped by every commit that writes indicators or postings; and, for each commit
 * that changed what indicators already there said (a posting that may change an indicator's
 * first incident, a value made common), the smallest indicator id it changed. */
static const char step14[] =
	"CREATE TABLE indicator_gen ("
	"  one INTEGER PRIMARY KEY CHECK (one = 1),"
	"  store_id TEXT NOT NULL, gen INTEGER NOT NULL);"
	"INSERT INTO indicator_gen (one, store_id, gen)"
	"  VALUES (1, lower(hex(randomblob(16))), 0);"
	"CREATE TABLE indicator_changes ("
	"  gen INTEGER PRIMARY KEY, min_id INTEGER NOT NULL);";

/* Version 15: the TAXII collections built by the sharing policy kept as rows of taxii_objects
 * (src/http/taxii.c; docs/internals/http.md).  share_changes counts the changes to what a
 * policy-built view reads (incidents, their events, indicators, postings, partners) in the
 * same transaction as the change.  The writes an ingest makes by the thousand — new incidents
 * and their counts (store_incident_*), repeats of events (store_event_put), new indicators and
 * postings — are counted once by the commit that makes them (store.c store_commit:
 * share_bump, or with the indicators' generation of step 14): a trigger on each of them
 * doubled the instructions of an ingest (SQLite journals every statement that fires one).
 * The rare ones (deleting incidents or events; changing or deleting links, indicators and
 * postings; partners) keep a trigger.
 * taxii_views remembers, per materialised collection, the count it was built at and the
 * definition it was built for, so that a page is served from the rows only while nothing it
 * was built from has changed. */
static const char step15[] =
	"CREATE TABLE share_changes (one INTEGER PRIMARY KEY CHECK (one = 1), n INTEGER NOT NULL);"
	"INSERT INTO share_changes (one, n) VALUES (1, 0);"
	"CREATE TABLE taxii_views (collection TEXT PRIMARY KEY, mark TEXT NOT NULL,"
	"  signature TEXT NOT NULL);"
	"CREATE TRIGGER share_changes_incidents_delete AFTER DELETE ON incidents BEGIN"
	"  UPDATE share_changes SET n = n + 1; END;"
	"CREATE TRIGGER share_changes_incident_events_update AFTER UPDATE ON incident_events BEGIN"
	"  UPDATE share_changes SET n = n + 1; END;"
	"CREATE TRIGGER share_changes_incident_events_delete AFTER DELETE ON incident_events BEGIN"
	"  UPDATE share_changes SET n = n + 1; END;"
	"CREATE TRIGGER share_changes_events_delete AFTER DELETE ON events BEGIN"
	"  UPDATE share_changes SET n = n + 1; END;"
	"CREATE TRIGGER share_changes_indicators_update AFTER UPDATE ON indicators BEGIN"
	"  UPDATE share_changes SET n = n + 1; END;"
	"CREATE TRIGGER share_changes_indicators_delete AFTER DELETE ON indicators BEGIN"
	"  UPDATE share_changes SET n = n + 1; END;"
	"CREATE TRIGGER share_changes_postings_update AFTER UPDATE ON postings BEGIN"
	"  UPDATE share_changes SET n = n + 1; END;"
	"CREATE TRIGGER share_changes_postings_delete AFTER DELETE ON postings BEGIN"
	"  UPDATE share_changes SET n = n + 1; END;"
	"CREATE TRIGGER share_changes_partners_insert AFTER INSERT ON partners BEGIN"
	"  UPDATE share_changes SET n = n + 1; END;"
	"CREATE TRIGGER share_changes_partners_update AFTER UPDATE ON partners BEGIN"
	"  UPDATE share_changes SET n = n + 1; END;"
	"CREATE TRIGGER share_changes_partners_delete AFTER DELETE ON partners BEGIN"
	"  UPDATE share_changes SET n = n + 1; END;";

/* Version 16: incidents carry their attribution (store.h struct store_incident; the rule is
 * aggregate.c's, docs/internals/pipeline.md "Attribution"): the country, AS and network of the
 * affected side of the first of their events that has one, the victim side (the source for
 * infected, vulnerable, compromised or exposed systems and leaks; the destination for attacks:
 * taxonomy_victim_side) else the other one.  Existing incidents get theirs from their events
 * here.  Indexed for the queue's filters (an index per column gives the newest first, by
 * rowid) and for the dashboard's and report's tops over a period, read from one covering index
 * (incidents_attribution) without the table. */
#define M14_J(f) "json_extract(e.json, '$.\"" f "\"')"
#define M14_HAS(p) "(" M14_J(p ".geolocation.cc") " IS NOT NULL OR " M14_J(p ".asn")          \
	" IS NOT NULL OR " M14_J(p ".network") " IS NOT NULL)"
#define M14_VICTIM_S                                                                              \
	"(coalesce(e.taxonomy, '') = 'vulnerable' OR coalesce(e.classification_type, '') IN ("  \
	"'infected-system', 'vulnerable-system', 'system-compromise', 'compromised', "          \
	"'ddos-amplifier', 'potentially-unwanted-accessible', 'leak', 'data-leak', "            \
	"'information-disclosure'))"
#define M14_USE_S "((" M14_VICTIM_S " AND " M14_HAS("source") ") OR (NOT " M14_VICTIM_S       \
	" AND NOT " M14_HAS("destination") "))"
#define M14_PICK(f) "CASE WHEN " M14_USE_S " THEN " M14_J("source." f) " ELSE "               \
	M14_J("destination." f) " END"
static const char step16[] =
	"ALTER TABLE incidents ADD COLUMN country TEXT;"
	"ALTER TABLE incidents ADD COLUMN asn INTEGER;"
	"ALTER TABLE incidents ADD COLUMN network TEXT;"
	"UPDATE incidents SET (country, asn, network) = (SELECT"
	"  upper(CAST(" M14_PICK("geolocation.cc") " AS TEXT)),"
	"  NULLIF(CAST(" M14_PICK("asn") " AS INTEGER), 0),"
	"  CAST(" M14_PICK("network") " AS TEXT)"
	"  FROM incident_events ie JOIN events e ON e.id = ie.event"
	"  WHERE ie.incident = incidents.id AND (" M14_HAS("source") " OR "
	M14_HAS("destination") ") ORDER BY ie.event LIMIT 1);"
	"CREATE INDEX incidents_country ON incidents(country) WHERE country IS NOT NULL;"
	"CREATE INDEX incidents_asn ON incidents(asn) WHERE asn IS NOT NULL;"
	"CREATE INDEX incidents_network ON incidents(network) WHERE network IS NOT NULL;"
	"CREATE INDEX incidents_attribution ON incidents(created, country, asn, network);";

/* Version 17: signing in to the web UI by name and password, in the account's own language,
 * and the queue sorted across every page (src/http/ui.c, ui_api.c; docs/internals/ui.md).
 * accounts.password holds a libsodium crypto_pwhash_str string (argon2id; never the
 * password), accounts.lang the language the account chose.  One index per sort key of the
 * queue: an index on (key) carries the rowid, so ORDER BY key, id and the keyset condition
 * (key, id) < (k, i) walk it from the page's start and read only the page. */
static const char step17[] =
	"ALTER TABLE accounts ADD COLUMN password TEXT;"
	"ALTER TABLE accounts ADD COLUMN lang TEXT;"
	"CREATE INDEX incidents_by_priority ON incidents(priority);"
	"CREATE INDEX incidents_by_state ON incidents(state);"
	"CREATE INDEX incidents_by_last_seen ON incidents(last_seen);"
	"CREATE INDEX incidents_by_first_seen ON incidents(first_seen);"
	"CREATE INDEX incidents_by_deadline ON incidents(deadline);"
	"CREATE INDEX incidents_by_events ON incidents(event_count);";

/* Version 18 (issue 8, "taxii_objects clustered for paging"): taxii_objects becomes a WITHOUT
 * ROWID table whose primary key is (collection, date_added, seq), the order a page is read in
 * (store_sqlite_taxii.c).  A page was a range scan of the index taxii_objects_added followed,
 * for every row, by a look-up of the row in the table by its rowid: half of the instructions
 * of the query (docs/benchmarks.md).  Now the rows themselves are in page order and a page is
 * one range scan of the table.  seq is no longer a rowid the table hands out: it only orders
 * the rows of one collection added at the same date_added, and an insert takes the largest of
 * those plus one (rows copied here keep theirs, unique already).  (collection, id, version)
 * stays unique through its own index, which also serves the look-ups by id (versions, DELETE,
 * the latest/earliest marks). */
static const char step18[] =
	"CREATE TABLE taxii_objects_by_added ("
	"  collection TEXT NOT NULL, date_added TEXT NOT NULL, seq INTEGER NOT NULL,"
	"  id TEXT NOT NULL, type TEXT NOT NULL,"
	"  version TEXT NOT NULL, spec_version TEXT NOT NULL,"
	"  tlp INTEGER NOT NULL, account TEXT NOT NULL DEFAULT '',"
	"  latest INTEGER NOT NULL DEFAULT 1, earliest INTEGER NOT NULL DEFAULT 1,"
	"  object TEXT NOT NULL,"
	"  PRIMARY KEY (collection, date_added, seq)) WITHOUT ROWID;"
	"INSERT INTO taxii_objects_by_added (collection, date_added, seq, id, type, version,"
	"  spec_version, tlp, account, latest, earliest, object)"
	"  SELECT collection, date_added, seq, id, type, version, spec_version, tlp, account,"
	"  latest, earliest, object FROM taxii_objects ORDER BY collection, date_added, seq;"
	"DROP TABLE taxii_objects;"
	"ALTER TABLE taxii_objects_by_added RENAME TO taxii_objects;"
	"CREATE UNIQUE INDEX taxii_objects_version ON taxii_objects(collection, id, version);";

/* Version 19: postings without foreign keys; the store checks their parents itself.  SQLite
 * checked the two parents of each posting row by row, which cost the correlation 40% of its
 * time (docs/benchmarks.md, "Postings' parents checked by the batch"); the store now does the
 * same check in one statement for the whole deferred batch (store_sqlite.c, S_POST_CHECK: the
 * cursors stay open from row to row) and in the INSERT of a single posting (S_POST_ADD), and
 * refuses the batch or the posting as the foreign key did.  Neither indicators nor incidents
 * are ever deleted (a merged incident stays, marked), so no later change can leave a posting
 * without its parent; store_postings_orphans counts any, for the tests.  Every other foreign
 * key stays. */
static const char step19[] =
	"CREATE TABLE postings_nofk ("
	"  indicator INTEGER NOT NULL,"
	"  incident INTEGER NOT NULL,"
	"  PRIMARY KEY (indicator, incident)) WITHOUT ROWID;"
	"INSERT INTO postings_nofk (indicator, incident)"
	"  SELECT indicator, incident FROM postings ORDER BY indicator, incident;"
	"DROP TABLE postings;"
	"ALTER TABLE postings_nofk RENAME TO postings;"
	"CREATE INDEX postings_incident ON postings(incident);"
	"CREATE TRIGGER share_changes_postings_update AFTER UPDATE ON postings BEGIN"
	"  UPDATE share_changes SET n = n + 1; END;"
	"CREATE TRIGGER share_changes_postings_delete AFTER DELETE ON postings BEGIN"
	"  UPDATE share_changes SET n = n + 1; END;";

static const char *const steps[] = { step1, step2, step3, step4, step5, step6, step7, step8,
				     step9, step10, step11, step12, step13, step14, step15,
				     step16, step17, step18, step19 };

_Static_assert(sizeof(steps) / sizeof(steps[0]) == STORE_SCHEMA_VERSION,
	       "one migration step per schema version");

static int one_int(sqlite3 *db, const char *sql, int *out)
{
	sqlite3_stmt *q = NULL;
	int rc = sqlite3_prepare_v2(db, sql, -1, &q, NULL);

	if (rc == SQLITE_OK) {
		rc = sqlite3_step(q);
		*out = rc == SQLITE_ROW ? sqlite3_column_int(q, 0) : 0;
		rc = rc == SQLITE_ROW || rc == SQLITE_DONE ? SQLITE_OK : rc;
	}
	sqlite3_finalize(q);
	return rc;
}

int store_migrate_version(sqlite3 *db, const char *path, int *version, struct verr *err)
{
	int has, tables, rc;

	*version = 0;
	rc = one_int(db, "SELECT count(*) FROM sqlite_master "
			 "WHERE type = 'table' AND name = 'schema_version'", &has);
	if (rc == SQLITE_OK && !has) {
		rc = one_int(db, "SELECT count(*) FROM sqlite_master "
				 "WHERE type = 'table' AND name NOT LIKE 'sqlite\\_%' ESCAPE '\\'",
			     &tables);
		if (rc == SQLITE_OK && tables > 0)
			return verr_set(err, V_ERR_INVALID, "",
					_("database %s is not a vigia store (it has tables but no "
					  "schema version)"), path);
	}
	if (rc == SQLITE_OK && has)
		rc = one_int(db, "SELECT coalesce(max(version), 0) FROM schema_version", version);
	if (rc != SQLITE_OK)
		return store_sqlite_fail(path, db, 0, rc, err);
	return V_OK;
}

static int check_version(const char *path, int v, int target, struct verr *err)
{
	if (v > STORE_SCHEMA_VERSION)
		return verr_set(err, V_ERR_INVALID, "",
				_("database %s has schema version %d, written by a newer vigia; "
				  "this one knows versions up to %d: upgrade vigia"),
				path, v, STORE_SCHEMA_VERSION);
	if (v > target)
		return verr_set(err, V_ERR_INVALID, "",
				_("database %s is already at schema version %d, past %d"), path, v,
				target);
	return V_OK;
}

int store_migrate_apply(sqlite3 *db, const char *path, int busy_ms, int target, int *from,
			struct verr *err)
{
	sqlite3_stmt *ins = NULL;
	int v, rc;

	*from = 0;
	if (target < 1 || target > STORE_SCHEMA_VERSION)
		return verr_set(err, V_ERR_USAGE, "", _("no schema version %d"), target);
	/* the usual case reads and takes no lock: already there */
	if ((rc = store_migrate_version(db, path, &v, err)) != V_OK)
		return rc;
	*from = v;
	if ((rc = check_version(path, v, target, err)) != V_OK || v == target)
		return rc;
	/* another vigia may be migrating the same file: take the write lock, then look again */
	if ((rc = sqlite3_exec(db, "BEGIN IMMEDIATE", NULL, NULL, NULL)) != SQLITE_OK)
		return store_sqlite_fail(path, db, busy_ms, rc, err);
	if ((rc = store_migrate_version(db, path, &v, err)) != V_OK)
		goto out;
	*from = v;
	if ((rc = check_version(path, v, target, err)) != V_OK)
		goto out;
	rc = SQLITE_OK;
	for (int k = v + 1; rc == SQLITE_OK && k <= target; k++) {
		rc = sqlite3_exec(db, steps[k - 1], NULL, NULL, NULL);
		/* schema_version itself comes with step 1 */
		if (rc == SQLITE_OK && !ins)
			rc = sqlite3_prepare_v2(db, "INSERT INTO schema_version (version, applied) "
						    "VALUES (?1, ?2)", -1, &ins, NULL);
		if (rc != SQLITE_OK)
			break;
		sqlite3_bind_int(ins, 1, k);
		sqlite3_bind_int64(ins, 2, (sqlite3_int64)time(NULL));
		rc = sqlite3_step(ins);
		sqlite3_reset(ins);
		if (rc == SQLITE_DONE)
			rc = SQLITE_OK;
	}
	if (rc == SQLITE_OK)
		rc = sqlite3_exec(db, "COMMIT", NULL, NULL, NULL);
	rc = rc == SQLITE_OK ? V_OK : store_sqlite_fail(path, db, busy_ms, rc, err);
out:
	sqlite3_finalize(ins);
	if (rc != V_OK && !sqlite3_get_autocommit(db))
		sqlite3_exec(db, "ROLLBACK", NULL, NULL, NULL);
	return rc;
}
