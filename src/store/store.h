/*
 * store.h — vigia's memory: one storage interface, backends behind a table of functions.
 *
 * Callers (pipeline, cases, CLI) use only the store_*() functions below; each backend
 * (store_sqlite.c today, store_pg.c later) fills a struct store_ops.  No SQL appears outside
 * src/store/.  The backend is chosen by the path: "postgresql://..." for PostgreSQL (later),
 * anything else is an SQLite file, created on first use.
 *
 * Transactions: writes happen inside store_begin()/store_commit() (an ingest batch commits
 * every N events); store_rollback() undoes a failed batch completely — no partial batch.
 *
 * Ownership: strings passed in are borrowed (copied when stored); records returned through
 * callbacks are borrowed for the duration of the callback; *_free() frees what *_get() returns.
 *
 * Results: every int function returns V_OK or an enum vres code and fills err with a reason a
 * person can read (naming the database for a locked, full or damaged one).  A callback that
 * returns non-zero stops the walk, and the walking function returns that value.
 */
#ifndef VIGIA_STORE_STORE_H
#define VIGIA_STORE_STORE_H

#include <stddef.h>
#include <stdint.h>

#include "base/err.h"
#include "event/event.h"

struct store;

/* ---- opening ------------------------------------------------------------------------------ */

/* Which path: --db PATH, else $VIGIA_DB, else the configured store.path.  Borrowed. */
const char *store_default_path(const char *flag);
/* Open (creating and migrating to the current schema).  OUT: *out, caller closes.  A
 * "postgresql://" or "postgres://" path is refused with V_ERR_USAGE for now. */
int store_open(const char *path, struct store **out, struct verr *err);
void store_close(struct store *st);
int store_schema_version(struct store *st);     /* the version the database is at */
int store_schema_latest(void);                   /* the version this vigia writes */
/* The version the database was at before this store_open migrated it (0: it was new). */
int store_schema_opened_at(struct store *st);
const char *store_path(struct store *st);        /* borrowed; valid until store_close */
/* Keep at most about bytes of the store's pages in this connection's memory (SQLite's page
 * cache, which store.cache_size sizes at store_open; `vigia serve` makes its connections'
 * smaller: http.cache_size).  PostgreSQL caches in the server: nothing to do.  At least
 * 1 MiB is kept.  V_OK, or the backend's error. */
int store_cache_limit(struct store *st, int64_t bytes, struct verr *err);

/* Sizes for `vigia store info`. */
struct store_info {
	const char *backend;       /* "sqlite"; static */
	int schema;
	int64_t events, incidents, indicators, batches, audit_entries;
	int64_t size;              /* bytes on disk (database and its journal), -1 if unknown */
};
int store_info(struct store *st, struct store_info *out, struct verr *err);

int store_begin(struct store *st, struct verr *err);
int store_commit(struct store *st, struct verr *err);
void store_rollback(struct store *st);

/*
 * One record's writes inside a longer transaction, so that a record the database refuses
 * (PostgreSQL: a value too large for an index, ...) is left out alone instead of aborting the
 * transaction and every good record in it.  store_mark() sets the transaction's one mark
 * here (what was written before it stays part of the transaction); store_undo() takes back
 * every write since the mark, and the transaction goes on (the mark stays where it was).
 * Only between store_begin() and store_commit()/store_rollback(), which forget the mark.
 * After store_undo() a caller's caches of ids written since the mark are stale
 * (pipeline_sync(pl, 0)).  V_OK, or the error (then only store_rollback() is left).
 */
int store_mark(struct store *st, struct verr *err);
int store_undo(struct store *st, struct verr *err);
/*
 * 1 when other processes may store events at the same time as this one (PostgreSQL: nothing
 * like SQLite's one writer at a time), so that an in-memory dedup filter loaded earlier may
 * miss their events: every event must then go through store_event_put(), which looks in the
 * store and waits for a concurrent transaction storing the same fingerprint.
 */
int store_concurrent(struct store *st);

/* ---- ingest batches ----------------------------------------------------------------------- */

struct store_batch {
	int64_t id;
	const char *feed;      /* feed name */
	const char *source;    /* input file name */
	int64_t started, finished; /* unix seconds; finished 0 while running */
	int64_t records, events, duplicates, rejected;
};

int store_batch_start(struct store *st, const char *feed, const char *source, int64_t *id,
		      struct verr *err);
int store_batch_finish(struct store *st, const struct store_batch *b, struct verr *err);
/*
 * Resuming an interrupted ingest (pipeline/ingest; docs/internals/pipeline.md).  A batch may
 * name its input by the SHA-256 of the input file's bytes (hex, 64 characters):
 *   store_batch_set_input  records it on batch id;
 *   store_batch_progress   writes b's counters (records, events, duplicates, rejected) but not
 *                          finished: the ingest calls it inside every transaction just before
 *                          committing, so a crash leaves the batch row saying exactly how many
 *                          of the input's events are in the store;
 *   store_batch_find_input the most recent batch of feed over that input: *out gets id,
 *                          started, finished and the counters (feed and source are NULL);
 *                          V_ERR_NOTFOUND when there is none.
 */
int store_batch_set_input(struct store *st, int64_t id, const char *sha256_hex, struct verr *err);
int store_batch_progress(struct store *st, const struct store_batch *b, struct verr *err);
int store_batch_find_input(struct store *st, const char *feed, const char *sha256_hex,
			   struct store_batch *out, struct verr *err);

/* ---- events ------------------------------------------------------------------------------- */

/*
 * Insert an event of a batch, or count it as a repeat: if an event with the same fingerprint
 * and time bucket exists within the dedup window (see pipeline/dedup.h), its repeat count
 * and last-seen time go up and *id is that event's id, *dup = 1.
 * fingerprint: 64-bit hash of the deduplicated fields (0 = never deduplicate).
 */
int store_event_put(struct store *st, int64_t batch, const struct event *ev, uint64_t fingerprint,
		    int64_t window_start, int64_t *id, int *dup, struct verr *err);
/* Insert without looking for a repeat: for a caller whose complete dedup filter already
 * knows that fingerprint is new in the window.  Same columns as store_event_put. */
int store_event_insert(struct store *st, int64_t batch, const struct event *ev,
		       uint64_t fingerprint, int64_t *id, struct verr *err);
/*
 * The times the store keeps for an event: seen = time.observation (else time.source, else
 * now) — first_seen/last_seen and the dedup window use it; time = time.source (else seen) —
 * the since/until filters use it.  repeats = how many times it was seen again (0: once).
 */

/* Filters for listing events (every field optional: NULL / 0 = any). */
struct store_event_filter {
	const char *ip;             /* source.ip or destination.ip */
	const char *network;        /* CIDR containing source.ip or destination.ip */
	const char *classification; /* classification.type or .taxonomy */
	const char *feed;           /* feed.name */
	const char *fqdn;           /* source.fqdn or destination.fqdn, or a name under it */
	const char *url;            /* source.url prefix */
	int64_t since, until;       /* time.source (unix seconds), since <= t < until, 0 = open */
	int64_t batch;
	int64_t incident;           /* events of an incident */
	int64_t limit, offset;      /* limit 0 = the default page (100), < 0 = no limit */
};

struct store_event_row {
	int64_t id, batch, first_seen, last_seen, repeats;
	const char *json;           /* the event, as event_to_json() wrote it (raw included) */
};

typedef int (*store_event_cb)(void *arg, const struct store_event_row *row);
/* Newest first (by id).  V_ERR_INVALID for a filter that does not parse (ip, network). */
int store_events_query(struct store *st, const struct store_event_filter *f, store_event_cb cb,
		       void *arg, struct verr *err);
/* Remove events last seen (time.observation) before cutoff, except those linked to an
 * incident that is not closed.  *removed = how many. */
int store_events_prune(struct store *st, int64_t cutoff, int64_t *removed, struct verr *err);

/* ---- dedup window rebuild ----------------------------------------------------------------- */

/* Every (fingerprint, last_seen) of events seen since `since`, for the in-memory filter. */
typedef int (*store_fp_cb)(void *arg, uint64_t fingerprint, int64_t last_seen);
int store_fingerprints_since(struct store *st, int64_t since, store_fp_cb cb, void *arg,
			     struct verr *err);

/* ---- incidents ---------------------------------------------------------------------------- */

enum incident_state { IS_NEW, IS_OPEN, IS_IN_PROGRESS, IS_WAITING, IS_RESOLVED, IS_CLOSED };

struct store_incident {
	int64_t id;
	const char *rule;        /* aggregation rule that formed it */
	const char *key;         /* the rule's key values, joined */
	enum incident_state state;
	const char *resolution;  /* NULL, true-positive, false-positive, duplicate, indeterminate */
	const char *owner;
	int priority;            /* 1..4 */
	const char *impact;
	const char *tlp, *pap;
	const char *classification_type, *taxonomy;
	const char *organisation;
	const char *title;
	int64_t first_seen, last_seen, event_count;
	int64_t created, updated, deadline;
	int64_t merged_into;     /* 0 unless merged */
	/* Attribution (docs/internals/pipeline.md "Attribution"): the country (ISO 3166 code as
	 * the events carry it), AS number (0: unknown) and network (CIDR) of the affected side of
	 * the incident's events.  Written by store_incident_create and store_incident_attribute,
	 * never by store_incident_update (a merge or an edit keeps them). */
	const char *country;
	int64_t asn;
	const char *network;
};

/* The open incident of (rule, key) whose last_seen is within the window, or V_ERR_NOTFOUND. */
int store_incident_find_open(struct store *st, const char *rule, const char *key,
			     int64_t window_start, int64_t *id, struct verr *err);
int store_incident_create(struct store *st, const struct store_incident *inc, int64_t *id,
			  struct verr *err);
/* Link an event; updates first/last seen and the count. */
int store_incident_add_event(struct store *st, int64_t incident, int64_t event, int64_t seen,
			     struct verr *err);
/* Read one; strings in *out are owned by out (store_incident_free). */
int store_incident_get(struct store *st, int64_t id, struct store_incident *out, struct verr *err);
void store_incident_free(struct store_incident *inc);
/* Write the mutable fields of inc (state, resolution, owner, priority, impact, tlp, pap,
 * organisation, title, deadline, merged_into); the audit entry is the caller's job. */
int store_incident_update(struct store *st, const struct store_incident *inc, struct verr *err);
/* Give incident id the attribution (country, asn, network; borrowed, NULL / 0 = none) when it
 * has none yet (country, AS and network all empty); an incident already attributed keeps its
 * own.  OUT: *set = 1 when this call wrote them (0 too for an id that is not there). */
int store_incident_attribute(struct store *st, int64_t id, const char *country, int64_t asn,
			     const char *network, int *set, struct verr *err);

/* What the incident queue can be sorted by (store_incident_filter.sort). */
enum store_incident_sort {
	STORE_SORT_ID, STORE_SORT_PRIORITY, STORE_SORT_STATE, STORE_SORT_LAST_SEEN,
	STORE_SORT_FIRST_SEEN, STORE_SORT_DEADLINE, STORE_SORT_EVENTS, STORE_SORT__COUNT
};
/* The value of inc that sort orders by (its id for STORE_SORT_ID): what a caller keeps as
 * after_key for the next page. */
int64_t store_incident_sort_value(const struct store_incident *inc, enum store_incident_sort s);
struct store_incident_filter {
	int open_only;           /* state before resolved */
	int state;               /* -1 = any */
	const char *owner, *classification, *organisation;
	int priority;            /* 0 = any */
	int64_t due_before;      /* deadline < this (and not resolved/closed); 0 = any */
	int64_t limit, offset;   /* limit 0 = the default page (100), < 0 = no limit */
	const char *tlp;         /* this marking exactly ("AMBER+STRICT"); NULL = any */
	const char *text;        /* in the title, key or organisation, ignoring ASCII case */
	const char *country;     /* attribution: this country code exactly; NULL = any */
	int64_t asn;             /* this AS number; 0 = any */
	const char *network;     /* this network (CIDR text) exactly; NULL = any */
	/* The order (0: newest first by id) across every page, ties broken by id in the same
	 * direction, so that it is total and stable.  A page after (after_key, after_id) — the
	 * sort value and id of the last row of the page before — starts right after it
	 * (keyset paging: the cost of a page does not grow with its depth, unlike offset). */
	enum store_incident_sort sort;
	int ascending;           /* 0: largest first */
	int after_set;           /* 1: start after (after_key, after_id) */
	int64_t after_key, after_id;
};
typedef int (*store_incident_cb)(void *arg, const struct store_incident *inc);
/* The incidents that pass f, in f's order (by default newest first, by id). */
int store_incidents_query(struct store *st, const struct store_incident_filter *f,
			  store_incident_cb cb, void *arg, struct verr *err);
/* How many incidents are in each state (counts[enum incident_state]), and how many of the
 * open ones are past their deadline at now. */
int store_incident_counts(struct store *st, int64_t now, int64_t counts[6], int64_t *overdue,
			  struct verr *err);

/* Aggregates of the incidents (the web UI's dashboard).  Each group is (a, b, count, sum):
 *   DAY_CLASS  a = the UTC day created ("2026-11-28"), b = classification type; since
 *   OPEN_AGE   a = age of the open ones at now ("0-1d", "1-7d", "7-30d", "30d+"), b = priority
 *   ORG        a = organisation, by count, at most limit; created since
 *   CLASS      a = classification type, by count, at most limit; created since
 *   RESOLVE    a = priority; incidents created since and now resolved or closed: count, and
 *              sum = their seconds from created to the last update (the time to resolve)
 *   COUNTRY, ASN, NETWORK
 *              a = the incidents' attribution (the AS number as decimal text), by count, at
 *              most limit; created since; incidents without one are left out
 *   RESOLVE_PCT
 *              the RESOLVE incidents' time to resolve as percentiles per priority: two rows a
 *              priority, b = "50" (the median) and "90", count = how many, sum = the seconds
 *              (nearest rank: the value at rank ceil(p * count / 100) in ascending order)
 * (The notifications sent per day are store_stats' STORE_STAT_MESSAGES_PER_DAY.) */
enum store_group_by { STORE_GROUP_DAY_CLASS, STORE_GROUP_OPEN_AGE, STORE_GROUP_ORG,
		      STORE_GROUP_CLASS, STORE_GROUP_RESOLVE, STORE_GROUP_COUNTRY,
		      STORE_GROUP_ASN, STORE_GROUP_NETWORK, STORE_GROUP_RESOLVE_PCT,
		      STORE_GROUP__COUNT };
struct store_incident_grouping {
	enum store_group_by by;
	int64_t since, now;
	int64_t limit;           /* 0 = no limit */
};
struct store_incident_group {
	const char *a, *b;       /* NULL when the column is empty */
	int64_t count, sum;
};
typedef int (*store_group_cb)(void *arg, const struct store_incident_group *g);
int store_incident_groups(struct store *st, const struct store_incident_grouping *g,
			  store_group_cb cb, void *arg, struct verr *err);

/* ---- notes, attachments, links ------------------------------------------------------------ */

int store_note_add(struct store *st, int64_t incident, const char *author, const char *text,
		   int64_t *id, struct verr *err);
typedef int (*store_note_cb)(void *arg, int64_t id, const char *author, int64_t time,
			     const char *text);
int store_notes_list(struct store *st, int64_t incident, store_note_cb cb, void *arg,
		     struct verr *err);
/* Content kept once by SHA-256; linked to the incident under a name. */
int store_attachment_add(struct store *st, int64_t incident, const char *name, const void *data,
			 size_t len, char sha256_hex[65], struct verr *err);
typedef int (*store_attachment_cb)(void *arg, const char *name, const char *sha256_hex,
				   int64_t size, int64_t time);
int store_attachments_list(struct store *st, int64_t incident, store_attachment_cb cb, void *arg,
			   struct verr *err);
/* The content kept under a hash.  OUT: *data (malloc'd, caller frees), *len. */
int store_attachment_get(struct store *st, const char *sha256_hex, void **data, size_t *len,
			 struct verr *err);
/* kind: "correlated" (shared indicator), "linked" (by an analyst), "merged" */
int store_link_add(struct store *st, int64_t a, int64_t b, const char *kind, const char *why,
		   struct verr *err);
/*
 * store_link_add for a writer of many links (the correlation stage): inside a transaction the
 * link waits in the transaction's batch and is written at store_commit() with the others,
 * sorted, in one statement (docs/internals/store.md, "The deferred batch"); outside one it is
 * store_link_add.  The same result as store_link_add at the commit: stored once, whichever way
 * round it was asked first (in the store or in the batch).  a == b is V_ERR_INVALID at once;
 * a missing incident fails the commit.  Reads of links and postings in the same transaction
 * (store_links_list, store_postings_of, ...) write the batch first, so they see it.
 * store_undo() takes back what was deferred since the mark, store_rollback() all of it.
 */
int store_link_defer(struct store *st, int64_t a, int64_t b, const char *kind, const char *why,
		     struct verr *err);
typedef int (*store_link_cb)(void *arg, int64_t other, const char *kind, const char *why);
int store_links_list(struct store *st, int64_t incident, store_link_cb cb, void *arg,
		     struct verr *err);

/* ---- indicators and correlation ------------------------------------------------------------ */

struct store_indicator {
	int64_t id;
	const char *kind, *value;
	int common;
	const char *why;           /* why it is common; NULL when not */
	int many;                  /* store_indicators_scan only: postings of two incidents or
				    * more (0: of one, or of none) */
};
/* The id of (kind, value), created if new. *common = it is on a warning list (excluded). */
int store_indicator_get(struct store *st, const char *kind, const char *value, int64_t *id,
			int *common, struct verr *err);
/* Look (kind, value) up without creating it: V_OK with *id (and *common when not NULL), or
 * V_ERR_NOTFOUND when the store does not hold it. */
int store_indicator_find(struct store *st, const char *kind, const char *value, int64_t *id,
			 int *common, struct verr *err);
int store_indicator_set_common(struct store *st, int64_t id, const char *why, struct verr *err);
/* Create (kind, value), which the caller believes new (its index of the store's values, e.g.
 * src/pipeline/correlate.c, does not hold it): one insert instead of a lookup and an insert.
 * *created = 1 with the new id, *common = 0; when the store holds it already (another writer
 * added it since the caller's index was built), *created = 0 with its id and *common. */
int store_indicator_add(struct store *st, const char *kind, const char *value, int64_t *id,
			int *created, int *common, struct verr *err);
/* How many values this handle has inserted at once (store_indicator_get, which may create one,
 * and store_indicator_add that created one): a caller that keeps an index of the store's values
 * notes it (struct store_ind_known) to learn whether anyone else on the handle added some. */
uint64_t store_indicators_at_once(const struct store *st);
/* What a caller's index of the store's values knows: every value of the store at generation
 * gen (store_indicators_mark; -1: it does not know), and those of the at_once values inserted
 * at once on this handle (store_indicators_at_once) when it last looked. */
struct store_ind_known {
	int64_t gen;
	uint64_t at_once;
};
/*
 * store_indicator_add for a caller whose index of the store's values (*known;
 * src/pipeline/correlate.c) does not hold (kind, value).  When the open transaction finds the
 * store still at known->gen and nothing inserted at once on the handle since known->at_once (no
 * writer, nor another caller on this handle, has added a value the index cannot know), the value
 * is new for certain: it gets the next id at once (the largest in the store or in the batch,
 * plus one: the write lock is held for the whole transaction) and its row waits in the
 * transaction's batch, written at store_commit() with the others, in one statement
 * (docs/internals/store.md, "The deferred batch").  why (NULL: none) is a warning list's name:
 * the value is common, as store_indicator_set_common() would make it.  Otherwise — outside a
 * transaction, known NULL or out of date, or a backend whose writers take ids at the same time
 * (PostgreSQL) — it is store_indicator_add(), then store_indicator_set_common() when created
 * and why.  OUT: *id, *created, *common as store_indicator_add() (*common = why != NULL when
 * created).  store_undo() gives back the ids reserved since the mark; reads of indicators and
 * postings in the transaction write the batch first.
 */
int store_indicator_new(struct store *st, const char *kind, const char *value, const char *why,
			const struct store_ind_known *known, int64_t *id, int *created, int *common,
			struct verr *err);
/* Indicators and postings are never removed (merging an incident adds postings to the one
 * it merges into; retention removes neither): an index of them kept in memory only goes
 * stale by what other writers add, never by what they take away. */
typedef int (*store_indicator_scan_cb)(void *arg, const struct store_indicator *ind,
				       int64_t first);
/* Every indicator with id > after, in id order, with first = the smallest incident that has
 * a posting of it (0: none), for an index built in memory.  ind->why is not read (NULL);
 * ind and its strings are borrowed for the call.  A non-zero return of cb stops the walk
 * and is returned. */
int store_indicators_scan(struct store *st, int64_t after, store_indicator_scan_cb cb,
			  void *arg, struct verr *err);
/* The largest indicator id, 0 when there is none: an upper bound of how many the store holds,
 * read without counting them. */
int store_indicators_max(struct store *st, int64_t *max, struct verr *err);
/* Record that incident uses indicator; *is_new = first time.  Postings are stored once. */
int store_posting_add(struct store *st, int64_t indicator, int64_t incident, int *is_new,
		      struct verr *err);
/* store_posting_add for a caller that knows another incident, smaller than this one, has a
 * posting of the indicator already: the smallest incident of each indicator stays as it was,
 * so the write leaves a saved index of the indicators (store_indicators_mark) catchable up by
 * id.  A caller that does not know uses store_posting_add. */
int store_posting_append(struct store *st, int64_t indicator, int64_t incident, int *is_new,
			 struct verr *err);
/*
 * A posting the caller knows the store does not hold yet (its index of the store's values says
 * so: a value it created, or one whose only incident it knows), written at store_commit() with
 * the others, sorted, in one statement (docs/internals/store.md, "The deferred batch"); outside
 * a transaction it is written at once.  append: the caller's promise of store_posting_append
 * (a smaller incident has the indicator already); 0: as store_posting_add.  Asked twice, or
 * held by the store after all (another writer), it is still stored once.  store_undo() takes
 * back what was deferred since the mark, store_rollback() all of it; reads of postings in the
 * transaction write the batch first.
 */
int store_posting_defer(struct store *st, int64_t indicator, int64_t incident, int append,
			struct verr *err);
/* What writing the deferred batch has cost this handle since it was opened: rows written and
 * the time in it (wall and the thread's CPU), part of the commits' (vigia ingest's debug line). */
struct store_batch_stats {
	uint64_t indicators, postings, links, ns, cpu_ns;
};
void store_batch_stats(const struct store *st, struct store_batch_stats *out);
/*
 * What an index of the indicators kept outside the store (src/pipeline/correlate.c saves one
 * beside an SQLite store) is checked against.  Every commit that writes indicators or
 * postings bumps gen in the same transaction.  A commit that changes what indicators existing
 * before its transaction say (a posting by store_posting_add, not _append, which may give one
 * an older first incident; a value made common; a merge) also records the smallest such id.
 * An index exact at gen G of the store store_id, holding ids up to M, is brought up to date
 * by reading the indicators above M (store_indicators_scan) when G <= gen and no commit after
 * G changed an id <= M (store_indicators_changed); otherwise it is rebuilt.  Writes outside
 * store_begin()/store_commit() run in a transaction of their own.
 */
struct store_ind_mark {
	char store_id[33]; /* hex, made at random with the store */
	int64_t gen;
	int64_t max_id;    /* the largest indicator id (store_indicators_max), read with gen */
};
/* V_OK with *m, or V_ERR_USAGE when the backend keeps no generation (PostgreSQL: an index is
 * built from the store instead). */
int store_indicators_mark(struct store *st, struct store_ind_mark *m, struct verr *err);
/* OUT: *min_id, the smallest indicator id a commit after generation since changed (above),
 * or the open transaction has changed so far; 0 when none did.  V_ERR_USAGE as
 * store_indicators_mark. */
int store_indicators_changed(struct store *st, int64_t since, int64_t *min_id,
			     struct verr *err);
/* The gen this handle's last successful commit gave (0: none of its commits wrote indicators
 * or postings): a caller whose index was exact at G and sees G + 1 here after its own commit
 * knows no other writer came in between. */
int64_t store_indicators_committed(struct store *st);
typedef int (*store_id_cb)(void *arg, int64_t id);
int store_postings_of(struct store *st, int64_t indicator, store_id_cb cb, void *arg,
		      struct verr *err);
/* What `vigia store check` found: the database's own check of its structure (SQLite's
 * quick_check; PostgreSQL checks its own), the rows whose foreign key has no parent, and the
 * postings without their indicator or incident (they carry no foreign keys, schema 19). */
struct store_check {
	int64_t structure;      /* problems the database reports in its files */
	int64_t foreign_keys;   /* rows whose parent is missing */
	int64_t orphan_postings;
	char first[256];        /* the first problem, in the database's words ("" for none) */
};
/* Check the store (whole scans: minutes on a large store).  OUT: *c.  V_OK when it could be
 * checked, whatever it found. */
int store_check(struct store *st, struct store_check *c, struct verr *err);
/* How many postings lack their indicator or their incident (a whole scan: for checks, not
 * for the ingest path).  Postings carry no foreign keys since schema version 19 (migrate.c
 * says why); this is what the store's tests check instead.  OUT: *n. */
int store_postings_orphans(struct store *st, int64_t *n, struct verr *err);
typedef int (*store_indicator_cb)(void *arg, const struct store_indicator *ind);
/* The indicators of an incident (incident > 0), or every common one (incident 0). */
int store_indicators_list(struct store *st, int64_t incident, store_indicator_cb cb, void *arg,
			  struct verr *err);

/* ---- audit trail ---------------------------------------------------------------------------- */

struct store_audit {
	int64_t id, time;
	const char *actor, *object, *action, *before, *after; /* before/after: JSON */
	const char *prev_hash, *hash;                         /* hex SHA-256 */
};
/* Append (the store computes prev_hash/hash: SHA-256 over the previous hash and the entry). */
int store_audit_append(struct store *st, const char *actor, const char *object,
		       const char *action, const char *before, const char *after, struct verr *err);
typedef int (*store_audit_cb)(void *arg, const struct store_audit *a);
int store_audit_list(struct store *st, const char *object, store_audit_cb cb, void *arg,
		     struct verr *err);
/* Recompute the chain; on a mismatch *bad_id = the first entry that does not verify (or the
 * first one missing) and the result is V_ERR_INVALID with the reason; else *bad_id = 0. */
int store_audit_verify(struct store *st, int64_t *checked, int64_t *bad_id, struct verr *err);

/* ---- the constituency ------------------------------------------------------------------------ */

/*
 * The organisations the team serves (their networks, ASNs, domains and contacts) and the
 * partner national CERTs, one per country.  enrich/constituency.h validates and resolves;
 * the store keeps what it is given, in canonical form:
 *   cidr         "192.0.2.0/24", "2001:db8::/32": no host bits set (a bare address is a /32
 *                or /128); V_ERR_INVALID for text that is not a network
 *   asn          1 .. 4294967294
 *   domain       lower-case ASCII (IDNA), no trailing dot
 *   cc           ISO 3166-1 alpha-2, upper-case
 *   lang         "es", "en" or NULL; format: "text", "csv", ... or NULL (the default)
 *   fingerprint  OpenPGP fingerprint, upper-case hex without spaces, or NULL
 * Organisation names compare without regard to ASCII case.  A network, an ASN and a domain
 * each belong to at most one organisation: store_org_put refuses with V_ERR_EXISTS, naming
 * the value and its owner, one that another organisation holds (the same organisation
 * listing one twice is harmless: it is kept once).
 *
 * Records handed to callbacks and arrays inside them are borrowed for the callback; *_get
 * returns one heap block that *_free releases.  A callback may read the store (store_org_get)
 * but not start the same listing again.
 */
struct store_contact {
	const char *email;          /* required */
	const char *name, *lang, *format, *fingerprint; /* NULL when not known */
};

struct store_network {
	const char *cidr;
	int do_not_notify;          /* never notify about this network, whatever its owner says */
};

struct store_org {
	int64_t id;                 /* set by the store (ignored by store_org_put) */
	const char *name;           /* required; unique without regard to case */
	int do_not_notify;          /* never notify this organisation */
	const char *notes;          /* NULL when none */
	size_t nnetworks, nasns, ndomains, ncontacts;
	const struct store_network *networks;
	const int64_t *asns;
	const char *const *domains;
	const struct store_contact *contacts;
};

struct store_cert {
	const char *cc;             /* the country it is the national CERT of */
	const char *name;           /* "CERT-Bund" */
	const char *notes;
	size_t ncontacts;
	const struct store_contact *contacts;
};

/* Create organisation org->name, or replace it whole: its flag, notes, networks, ASNs,
 * domains and contacts become org's.  The case of the name is taken from org. */
int store_org_put(struct store *st, const struct store_org *org, struct verr *err);
/* One organisation by name.  OUT: *out, caller frees with store_org_free.  V_ERR_NOTFOUND. */
int store_org_get(struct store *st, const char *name, struct store_org **out, struct verr *err);
void store_org_free(struct store_org *org);
/* Remove an organisation and everything it has.  V_ERR_NOTFOUND when there is none. */
int store_org_remove(struct store *st, const char *name, struct verr *err);
typedef int (*store_org_cb)(void *arg, const struct store_org *org);
/* Every organisation, by name (case-insensitive order). */
int store_orgs_list(struct store *st, store_org_cb cb, void *arg, struct verr *err);

/* The same for partner CERTs, keyed by country code. */
int store_cert_put(struct store *st, const struct store_cert *cert, struct verr *err);
int store_cert_get(struct store *st, const char *cc, struct store_cert **out, struct verr *err);
void store_cert_free(struct store_cert *cert);
int store_cert_remove(struct store *st, const char *cc, struct verr *err);
typedef int (*store_cert_cb)(void *arg, const struct store_cert *cert);
/* Every partner CERT, by country code. */
int store_certs_list(struct store *st, store_cert_cb cb, void *arg, struct verr *err);

/* Remove every organisation and partner CERT (an import that replaces the constituency). */
int store_constituency_clear(struct store *st, struct verr *err);

/* ---- sharing partners and accepted bundles (src/share) -------------------------------------- */

/*
 * The teams vigia shares with, and their rights (src/share/policy.h decides with them):
 *   name          unique, compared without regard to ASCII case
 *   kind          "public", "community", "partner" or "internal" (policy_kind_parse)
 *   tlp_max       the highest TLP 2.0 level it may receive: "CLEAR" .. "RED"
 *   collections   "*" or a comma-separated list of RSIT classes (classification.taxonomy)
 *   orgs          "*" or a comma-separated list of constituency organisation names
 *   pseudonymise  1: victim addresses leave only as keyed hashes
 *   pseudo_key    the partner's pseudonymisation key, 64 hex digits (32 bytes)
 *   sign_key      its Ed25519 public key for signed bundles, 64 hex digits, or NULL
 *   identity      its STIX identity id ("identity--<uuid>"), or NULL
 *   contact, notes  free text, or NULL
 * The store keeps what it is given (the policy module validates); store_partner_put refuses
 * only a partner without a name, kind, tlp_max or pseudo_key (V_ERR_INVALID).
 */
struct store_partner {
	int64_t id;                 /* set by the store */
	const char *name, *kind, *tlp_max, *collections, *orgs;
	int pseudonymise;
	const char *pseudo_key, *sign_key, *identity, *contact, *notes;
	int64_t created, updated;   /* set by the store (unix seconds) */
};

/* Create partner p->name or replace it whole (its created time is kept). */
int store_partner_put(struct store *st, const struct store_partner *p, struct verr *err);
/* One partner by name.  OUT: *out (one heap block), caller frees with store_partner_free.
 * V_ERR_NOTFOUND when there is none. */
int store_partner_get(struct store *st, const char *name, struct store_partner **out,
		      struct verr *err);
void store_partner_free(struct store_partner *p);
/* Remove a partner (the bundles accepted from it stay remembered).  V_ERR_NOTFOUND. */
int store_partner_remove(struct store *st, const char *name, struct verr *err);
typedef int (*store_partner_cb)(void *arg, const struct store_partner *p);
/* Every partner, by name (case-insensitive order); p is borrowed for the callback. */
int store_partners_list(struct store *st, store_partner_cb cb, void *arg, struct verr *err);

/*
 * Signed bundles accepted (replay protection): remember that bundle id (text, at most 200
 * bytes) from partner was accepted at time `when`.  V_ERR_EXISTS when that id was accepted
 * before: *accepted_at then says when (unix seconds) and nothing changes.
 */
int store_bundle_accept(struct store *st, const char *bundle_id, const char *partner,
			int64_t when, int64_t *accepted_at, struct verr *err);

/* ---- transport marks (vigia worker, src/cli/cmd_worker.c) ---------------------------------- */

/*
 * A worker that runs the store stage marks each message it processed, in the transaction
 * that stores its event, so that a message delivered again (its worker died between the
 * commit and the acknowledgement, and another took it over) is known as done.  msg: the
 * message's name ("STREAM/ID", at most 300 bytes); owner: the worker's consumer name.
 *   store_mark_put    marks msg for owner (marking it again is no error).
 *   store_mark_take   *found = 1 when msg is marked, and removes the mark; else 0.
 *   store_mark_clear  removes owner's marks (its earlier batches were acknowledged).
 */
int store_mark_put(struct store *st, const char *msg, const char *owner, struct verr *err);
int store_mark_take(struct store *st, const char *msg, int *found, struct verr *err);
int store_mark_clear(struct store *st, const char *owner, struct verr *err);
/* ---- notifications ------------------------------------------------------------------------- */

/*
 * The notification queue and the ledger (src/notify; docs/internals/notify.md).  A notice is
 * one incident, at one version, for one recipient; notices with the same recipient and
 * aggregation key (akey) leave together in one message once due.  A notice goes
 *   QUEUED --claim--> SENDING --done--> SENT (a ledger row per notice) | FAILED
 *                        `-- done(QUEUED, next_try): a temporary failure, tried again later
 * A claim records the message's Message-ID on its notices, committed before the message is
 * handed to the SMTP server: after a crash, the notices found SENDING are sent again as the
 * same message (same Message-ID), so none is lost and a recipient can tell a repeat.
 */
enum store_notice_state { NOTICE_QUEUED, NOTICE_SENDING, NOTICE_SENT, NOTICE_FAILED };

struct store_notice {
	int64_t id;                 /* set by the store */
	int64_t incident, version;  /* version: the incident's event count when planned */
	const char *recipient;      /* e-mail address, canonical (constituency_email) */
	const char *name;           /* organisation or CERT name, or the network; may be NULL */
	const char *kind;           /* "org", "abuse" or "cert" */
	const char *address;        /* the address or name that was routed; may be NULL */
	const char *lang, *format, *template_name; /* "es"; "csv", "xarf", "both"; "summary" */
	const char *interval;       /* "immediate", "hourly", "daily" */
	const char *akey;           /* aggregation key: messages group equal (recipient, akey) */
	const char *rule, *why;     /* the routing rule and the reason, for people; may be NULL */
	int64_t created, due, next_try;
	int state, attempts;        /* enum store_notice_state; temporary failures so far */
	const char *message_id;     /* of the message that claimed it; NULL before */
	const char *error;          /* the last failure (the server's reply); NULL when none */
};

/* Queue notices (every field borrowed; id, state, attempts, message_id and error ignored).  A
 * notice for a (recipient, incident, version, template) already queued, sent or failed is
 * skipped, and so is one whose version (or a later one) the ledger holds; a still-queued notice
 * of an older version of the same incident for the same recipient and template is replaced by
 * the newer one.  One transaction (or the caller's).  *added = how many are new. */
int store_notices_add(struct store *st, const struct store_notice *n, size_t count, size_t *added,
		      struct verr *err);

struct store_notice_filter {
	int state;                  /* -1 any, else enum store_notice_state */
	int64_t due_before;         /* due <= this and next_try <= this (0: any) */
	const char *recipient;      /* NULL: any */
	const char *message_id;     /* NULL: any */
	int64_t incident;           /* 0: any */
	int64_t limit;              /* 0 the default page (100); < 0 no limit */
};
typedef int (*store_notice_cb)(void *arg, const struct store_notice *n);
/* Ordered by recipient, akey, incident (a batch's notices come together). */
int store_notices_query(struct store *st, const struct store_notice_filter *f,
			store_notice_cb cb, void *arg, struct verr *err);
/* Mark ids[0..n) SENDING under message_id; committed when this returns (no caller
 * transaction may be open).  V_ERR_INVALID if one of them is not QUEUED or SENDING. */
int store_notices_claim(struct store *st, const int64_t *ids, size_t n, const char *message_id,
			struct verr *err);
/*
 * The outcome of message_id, in one transaction:
 *   NOTICE_SENT    its notices SENT, and a ledger row each (reply: the server's answer);
 *   NOTICE_FAILED  its notices FAILED with error = reply;
 *   NOTICE_QUEUED  back in the queue: attempts + 1, next_try, error = reply, message_id
 *                  cleared.
 */
int store_notices_done(struct store *st, const char *message_id, int state, int64_t next_try,
		       const char *reply, struct verr *err);

struct store_ledger {
	int64_t id, time, incident, version;
	const char *recipient, *message_id, *reply;
	const char *template_name;  /* a country report is another message than a notice */
};
typedef int (*store_ledger_cb)(void *arg, const struct store_ledger *l);
/* The ledger, oldest first; recipient NULL and incident 0 for all. */
int store_ledger_query(struct store *st, const char *recipient, int64_t incident,
		       store_ledger_cb cb, void *arg, struct verr *err);
/* How many messages (distinct Message-IDs) went to recipient since a time. */
int store_ledger_count(struct store *st, const char *recipient, int64_t since, int64_t *messages,
		       struct verr *err);

/* ---- accounts of the HTTP API and TAXII (src/http) ------------------------------------------ */

/*
 * Who may call the API: an account has a role ("admin", "analyst" or "partner"; src/http
 * decides what each may reach) and, for a partner account, the name of the sharing partner
 * whose rights (share/policy.h) decide what it sees.  Names compare without regard to ASCII
 * case, are 1..64 bytes of [A-Za-z0-9._@-].  Tokens are stored only as the hex of a hash the
 * caller computed (64 hex digits); the store never sees a token.
 */
#define STORE_NAME_MAX 64
#define STORE_CURSOR_LEN 64
struct store_account {
	int64_t id;
	char name[STORE_NAME_MAX + 1];
	char role[16];
	char partner[STORE_NAME_MAX + 1]; /* "" unless role is "partner" */
	int64_t created;
	int64_t tokens;                   /* live (not revoked) tokens; filled by list and get */
	char lang[8];                     /* the language chosen ("es", "en"), "" for none yet */
	int has_password;                 /* 1 when a password hash is stored */
};
#define STORE_PWHASH_MAX 128 /* a password hash string, NUL included (libsodium's STRBYTES) */

/* Create an account.  V_ERR_EXISTS when the name is taken, V_ERR_INVALID for a bad name or a
 * partner account without a partner (the partner's existence is the caller's to check). */
int store_account_add(struct store *st, const char *name, const char *role, const char *partner,
		      struct verr *err);
/* OUT: *out.  V_ERR_NOTFOUND. */
int store_account_get(struct store *st, const char *name, struct store_account *out,
		      struct verr *err);
/* Remove an account and its tokens.  V_ERR_NOTFOUND. */
int store_account_remove(struct store *st, const char *name, struct verr *err);
typedef int (*store_account_cb)(void *arg, const struct store_account *a);
/* Every account, by name. */
int store_accounts_list(struct store *st, store_account_cb cb, void *arg, struct verr *err);
/* Remember a token of account by its hash (64 hex digits).  OUT: *id.  V_ERR_NOTFOUND for
 * an unknown account, V_ERR_EXISTS for a hash already stored. */
int store_token_add(struct store *st, const char *account, const char *hash_hex,
		    const char *label, int64_t *id, struct verr *err);
/* The account a token hash belongs to.  OUT: *out, *token_id.  V_ERR_NOTFOUND when no live
 * token has that hash. */
int store_token_find(struct store *st, const char *hash_hex, struct store_account *out,
		     int64_t *token_id, struct verr *err);
/* Revoke token id (it stays, marked revoked).  V_ERR_NOTFOUND when there is no live one. */
int store_token_revoke(struct store *st, int64_t id, struct verr *err);
/* Is token id live (not revoked) and account's?  V_OK, or V_ERR_NOTFOUND when it is not. */
int store_token_live(struct store *st, int64_t id, const char *account, struct verr *err);
/* Store (pwhash: a password hash string the caller made, 1..STORE_PWHASH_MAX - 1 bytes) or
 * remove (pwhash NULL) the password of account name; the store never sees a password.
 * V_ERR_NOTFOUND, V_ERR_INVALID for a hash that does not fit. */
int store_account_password_set(struct store *st, const char *name, const char *pwhash,
			       struct verr *err);
/* The account name and its password hash.  OUT: *out, pwhash ("" when it has none).
 * V_ERR_NOTFOUND. */
int store_account_password_get(struct store *st, const char *name, struct store_account *out,
			       char pwhash[STORE_PWHASH_MAX], struct verr *err);
/* Remember the language account name chose: "es" or "en", or NULL/"" to forget it.
 * V_ERR_NOTFOUND, V_ERR_INVALID for another language. */
int store_account_lang_set(struct store *st, const char *name, const char *lang,
			   struct verr *err);
/* What `vigia taxii pull` got last from (source URL, collection id): the added_after to ask
 * for next time (a TAXII timestamp, at most STORE_CURSOR_LEN - 1 bytes).  OUT: out, "" when
 * never pulled (V_OK either way). */
int store_taxii_cursor_get(struct store *st, const char *source, const char *collection,
			   char out[STORE_CURSOR_LEN], struct verr *err);
int store_taxii_cursor_set(struct store *st, const char *source, const char *collection,
			   const char *added_after, struct verr *err);
/* ---- TAXII objects and status resources (src/http/taxii_write.c) -------------------------- */

/*
 * The objects of the TAXII collections kept as rows (STIX objects POSTed by partners and
 * analysts), one per (collection, id, version), in the order they were added: a page of a
 * collection costs the page, not the collection.  Timestamps (version, date_added) are TAXII
 * timestamps written by the caller in one form (six fraction digits, "Z"), so that they
 * compare as text.  tlp is the strictest TLP level of the object's markings (0 CLEAR ..
 * 4 RED, as share/policy.h's enum tlp), -1 for none; account who added it ("" for vigia).
 */
#define STORE_TAXII_TS_LEN 32
struct store_taxii_object {
	int64_t seq; /* read: its place in the collection; put: ignored */
	const char *collection, *id, *type, *version, *spec_version, *date_added;
	int tlp;
	const char *account;
	const char *object; /* the STIX object as JSON text */
	int latest, earliest; /* read: is it the newest (oldest) version of its id? */
};
/* Add an object.  OUT: *added = 0 when that (collection, id, version) is there already (it is
 * left as it was).  V_ERR_INVALID for a missing field or an over-long one. */
int store_taxii_object_put(struct store *st, const struct store_taxii_object *o, int *added,
			   struct verr *err);

/* Which versions of an object store_taxii_objects_query returns (match[version]). */
#define STORE_TAXII_V_ALL   1u
#define STORE_TAXII_V_LAST  2u
#define STORE_TAXII_V_FIRST 4u
#define STORE_TAXII_V_LIST  8u /* those named in versions */
struct store_taxii_filter {
	const char *collection;         /* required */
	const char *added_after;        /* NULL: from the first */
	const char *ids, *types, *spec_versions, *versions; /* comma-separated lists, or NULL */
	unsigned version_mode;          /* STORE_TAXII_V_*; 0 means LAST */
	const char *account;            /* non-NULL: only what this account added */
	int tlp_max;                    /* only objects with tlp <= this (4: all) */
	const char *after_added;        /* a page after (after_added, after_seq); NULL: the first */
	int64_t after_seq;
	int64_t limit;                  /* at most this many rows (>= 1) */
	int objects_only;               /* the caller reads only seq, date_added and object */
};
typedef int (*store_taxii_object_cb)(void *arg, const struct store_taxii_object *o);
/* The collection's objects that pass f, in the order they were added (date_added, seq); the
 * strings are borrowed for the call.  A non-zero return of cb stops and is returned.  With
 * f->objects_only a backend may leave the other members of the rows NULL (0). */
int store_taxii_objects_query(struct store *st, const struct store_taxii_filter *f,
			      store_taxii_object_cb cb, void *arg, struct verr *err);
/* Remove versions of object id from collection: those version_mode picks (STORE_TAXII_V_*, as
 * match[version]; 0 means ALL; LIST: those named in versions, a comma-separated list of
 * stored timestamps), then mark the newest and oldest of what is left.  OUT: *removed rows. */
int store_taxii_object_delete(struct store *st, const char *collection, const char *id,
			      unsigned version_mode, const char *versions, int64_t *removed,
			      struct verr *err);

/*
 * TAXII collections built by the sharing policy (taxii.collections), kept as rows of the
 * collection in the same table (store_taxii_object_put/_query) so that a page costs the page.
 * The store tells whether such rows are still what the policy would build now: it notices
 * every change to what a view reads (incidents, their events, indicators, postings,
 * partners), in the transaction of the change.  A collection is rebuilt in one transaction:
 * store_taxii_view_begin (removes its rows and notes the state of the data), the rows,
 * store_taxii_view_done (records the definition it was built for).  signature: the caller's
 * text naming the definition (partner, ceiling, types...): another signature is not current.
 */
/* OUT: *current = 1 when collection was built for signature and nothing it was built from
 * has changed since; 0 otherwise (never built, an unfinished build, a change). */
int store_taxii_view_current(struct store *st, const char *collection, const char *signature,
			     int *current, struct verr *err);
/* Within the caller's transaction: remove collection's rows and note the state of the data
 * the rows about to be written are built from (the build reads it afterwards). */
int store_taxii_view_begin(struct store *st, const char *collection, struct verr *err);
/* Within the same transaction, after the rows: the build of collection is complete. */
int store_taxii_view_done(struct store *st, const char *collection, const char *signature,
			  struct verr *err);

/* The outcome of one POST of objects: a TAXII status resource.  detail is JSON text (the
 * successes and failures arrays); status "complete" or "pending". */
struct store_taxii_status {
	char id[40];
	char collection[STORE_NAME_MAX * 2 + 1], account[STORE_NAME_MAX + 1], status[16];
	char request_timestamp[STORE_TAXII_TS_LEN];
	int64_t total, success, failure, pending;
	char *detail; /* owned by the struct: store_taxii_status_fini() frees it */
};
int store_taxii_status_put(struct store *st, const struct store_taxii_status *s,
			   struct verr *err);
/* OUT: *out (caller's; its detail freed by store_taxii_status_fini).  V_ERR_NOTFOUND. */
int store_taxii_status_get(struct store *st, const char *id, struct store_taxii_status *out,
			   struct verr *err);
void store_taxii_status_fini(struct store_taxii_status *s);

/* ---- statistics for reports (src/report) --------------------------------------------------- */

/*
 * Counts over a period [since, until) (unix seconds), for the period report and the web UI's
 * dashboard.  Each kind is one aggregate query that an index bounds by time:
 *   events      by their time (time.source, else seen: the events_time index);
 *   incidents   by when they were created (incidents_created);
 *   messages    of the notification ledger by when they were sent (notify_ledger_time).
 * Rows come through the callback: num and key as the kind says, count.  Kinds "by" a key come
 * largest count first (ties by key), at most limit rows (limit <= 0: all); the per-day kinds
 * come oldest day first (num = the day's 00:00 UTC) and ignore limit.
 */
enum store_stat {
	STORE_STAT_EVENTS_PER_DAY,      /* num = day */
	STORE_STAT_INCIDENTS_PER_DAY,   /* num = day, key = classification.type ("" unknown) */
	STORE_STAT_INCIDENTS_BY_STATE,  /* num = enum incident_state */
	STORE_STAT_INCIDENTS_BY_ORG,    /* key = organisation (incidents with one) */
	STORE_STAT_INCIDENTS_BY_CLASS,  /* key = classification.type ("" unknown) */
	STORE_STAT_MESSAGES_PER_DAY,    /* num = day; distinct Message-IDs in the ledger */
	/* incidents created in the period and now resolved or closed, by the time from created
	 * to their last change (updated): num = bucket 0..5 (< 1 h, < 4 h, < 1 d, < 3 d, < 7 d,
	 * later) */
	STORE_STAT_RESOLVE_BUCKETS,
	/* the same incidents: one row, num = the sum of their seconds, count = how many */
	STORE_STAT_RESOLVE_TOTAL,
	/* incidents created in the period by their attribution (store_incident country, asn,
	 * network; incidents with one): key = the value (the AS number as decimal text) */
	STORE_STAT_INCIDENTS_BY_ASN,
	STORE_STAT_INCIDENTS_BY_COUNTRY,
	STORE_STAT_INCIDENTS_BY_NETWORK,
	STORE_STAT__COUNT
};
struct store_stat_row {
	int64_t num;
	const char *key;            /* borrowed for the callback; NULL for kinds without one */
	int64_t count;
};
typedef int (*store_stat_cb)(void *arg, const struct store_stat_row *row);
/* V_ERR_INVALID for an unknown kind or until <= since.  A non-zero cb return stops the walk
 * (V_OK). */
int store_stats(struct store *st, enum store_stat kind, int64_t since, int64_t until,
		int64_t limit, store_stat_cb cb, void *arg, struct verr *err);
/* The ids of the incidents created in [since, until) that matter most: highest priority
 * first (1 before 4, unknown 0 last), then most events, then newest; at most limit (> 0). */
int store_incidents_notable(struct store *st, int64_t since, int64_t until, int64_t limit,
			    store_id_cb cb, void *arg, struct verr *err);

/* ---- copying a store (vigia store copy) --------------------------------------------------- */

struct store_copy_stats {
	int64_t rows;                   /* rows copied, every table */
	int64_t events, incidents, audit_entries;
};
/*
 * Copy every row of every table of from into to, ids included (an incident keeps its number,
 * the audit chain its hashes), in one transaction of to: all or nothing.  to must be empty (no
 * event, incident, batch, audit entry or organisation: V_ERR_EXISTS otherwise); both are at
 * the same schema version (opening migrates them).  Works between any two backends (SQLite to
 * PostgreSQL and back).  OUT: *stats.  Neither store is closed.
 */
int store_copy(struct store *from, struct store *to, struct store_copy_stats *stats,
	       struct verr *err);

/* ---- the backend table ---------------------------------------------------------------------- */

struct store_ops;  /* defined in store_impl.h for backends */

#endif
