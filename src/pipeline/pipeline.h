/*
 * pipeline.h — from events to incidents: the stages between intake and the analysts.
 *
 *   event ─► fingerprint ─► dedup ─► enrich ─► store ─► aggregate ─► correlate
 *
 * A stage is a function from events to events: it takes a struct pipe_event (the event plus
 * what earlier stages found out about it: fingerprint, dedup verdict, stored id, incident) and
 * passes it on, or ends it there (a repeat stops after the store counted it).  Each stage is
 * a small struct with init/process/fini and no global state, so the same code runs in-process
 * (pipeline.c chains them) or, later, as a Redis Streams worker that owns one stage and its
 * own store connection.  The store is the source of truth: what a stage keeps in memory is a
 * cache of the store that can be rebuilt from it (dedup), dropped at any commit (aggregate) or
 * at a rollback (correlate: what a commit made durable stays true), so a crash loses nothing
 * that was committed.
 *
 * The design, the dedup filter's memory bound and the crash-safe ingest are in
 * docs/internals/pipeline.md; the rules file format in docs/formats.md.
 *
 * The fingerprint is taken before enrichment: whether an event repeats an earlier one is
 * decided on what the feed said, not on what the IP index of the day adds to it.
 *
 * Ownership: strings passed in are borrowed; *_new() objects are freed by their *_free();
 * an event in a pipe_event is borrowed for the duration of the call.
 */
#ifndef VIGIA_PIPELINE_PIPELINE_H
#define VIGIA_PIPELINE_PIPELINE_H

#include <stddef.h>
#include <stdint.h>

#include "base/buf.h"
#include "base/err.h"
#include "event/event.h"
#include "store/store.h"

/* One event travelling through the stages.  pipe_event_init() fills ev, seen and time; each
 * stage fills its own fields. */
struct pipe_event {
	const struct event *ev; /* borrowed */
	int64_t batch;          /* the ingest batch (store) */
	int64_t seen;           /* time.observation, else time.source, else now: the dedup clock
				 * (the store's "seen", store.h) */
	int64_t time;           /* time.source, else seen: the event's own time (incidents) */
	/* fingerprint */
	uint64_t fingerprint;   /* 0 = not fingerprinted: never deduplicated */
	/* dedup */
	int maybe_repeat;       /* 1: the filter cannot rule out a repeat, the store decides */
	int64_t window_start;   /* seen - dedup.window: an earlier event counts if seen since */
	/* enrich: ev then points at the stage's enriched copy (valid until its next event) */
	unsigned enriched;      /* fields the enrichment filled */
	/* store */
	int64_t event_id;
	int repeat;             /* 1: a repeat of event_id, counted there; the event ends here */
	/* aggregate */
	int64_t incident;       /* 0: no rule applied */
	int incident_created;   /* 1: this event opened the incident */
	/* correlate */
	int links;              /* correlation links this event's indicators added */
	int common;             /* indicators left out as too common (warning lists) */
};

/* Fill pe for ev: the times from its fields (now: unix seconds for an event with neither). */
void pipe_event_init(struct pipe_event *pe, const struct event *ev, int64_t batch, int64_t now);
/* Seconds since the epoch of a datetime value as the event stores it ("2026-11-28T14:50:00+00:00",
 * fraction allowed), or -1 when it does not parse. */
int64_t pipe_parse_time(const char *s, size_t len);

/* ---- fingerprint.c --------------------------------------------------------------------------- */

/*
 * A 64-bit fingerprint over an event's fields: the same set of (field, value) pairs gives the
 * same fingerprint whatever order they were set in.  Which fields: `fields` (comma-separated
 * names, "source.*" prefixes, "extra.*", "*"; empty = all), minus `exclude` (same syntax).
 * Hash: SipHash-2-4 (libsodium's crypto_shorthash) with a fixed key over a canonical
 * serialisation; never 0 (0 means "not fingerprinted").
 */
#define FP_MAX_PATTERNS 64
struct fingerprint {
	unsigned char on[F__COUNT];     /* 1: the schema field takes part */
	int extras;                     /* 0 none, 1 all, 2 by pattern */
	size_t ninc, nexc;              /* extra.* patterns (owned strings) when extras == 2 */
	char *inc[FP_MAX_PATTERNS], *exc[FP_MAX_PATTERNS];
	struct buf scratch;             /* the serialisation, reused */
};
/* V_OK, or V_ERR_USAGE (err names the unknown field) / V_ERR_NOMEM. fp is then ready (or
 * empty: fingerprint_fini() is safe either way). */
int fingerprint_init(struct fingerprint *fp, const char *fields, const char *exclude,
		     struct verr *err);
void fingerprint_fini(struct fingerprint *fp);
uint64_t fingerprint_event(struct fingerprint *fp, const struct event *ev);

/* ---- dedup.c --------------------------------------------------------------------------------- */

/*
 * The dedup window in memory: for every event seen within the window, 8 bytes (36 bits of its
 * fingerprint and the minute it was last seen) in an open-addressing table kept between 8/15
 * and 4/5 full, so at most 16 bytes per remembered event; bounded by max_bytes.  It answers
 * "certainly new" (the store just inserts) or "maybe a repeat" (store_event_put decides).
 * It is only ever sure of what it has loaded from the store (dedup_load) and seen since.
 */
struct dedup;
/* window: seconds (> 0); max_bytes: the table's limit (at least 8 KiB is used).  NULL on OOM. */
struct dedup *dedup_new(int64_t window, size_t max_bytes);
void dedup_free(struct dedup *d);
/* Is fingerprint fp, seen at `seen`, certainly new (0) or maybe a repeat (1)?  Loads from
 * the store first when the window reaches before what was loaded (st NULL: there is no store,
 * the filter is all there is). */
int dedup_check(struct dedup *d, struct store *st, uint64_t fp, int64_t seen, struct verr *err,
		int *maybe);
/* Remember fp as seen at `seen` (after the store has it). */
void dedup_remember(struct dedup *d, uint64_t fp, int64_t seen);
/* Rebuild: every fingerprint the store has seen since `since`. */
int dedup_load(struct dedup *d, struct store *st, int64_t since, struct verr *err);
size_t dedup_count(const struct dedup *d);   /* entries remembered */
size_t dedup_bytes(const struct dedup *d);   /* bytes the table holds */
int64_t dedup_window(const struct dedup *d);

/* ---- warninglist.c --------------------------------------------------------------------------- */

/*
 * MISP warning lists (format: ../shared/corpus/misp/spec/misp-warninglist-format.md): values
 * too common to mean anything.  Types cidr, string, hostname, substring and regex; each list
 * applies to the indicator kinds its matching_attributes name (all kinds when it has none).
 */
struct wlists;
struct wlists *wlists_new(void);   /* empty; NULL on OOM */
void wlists_free(struct wlists *w);
/* Load a source list "builtin,/dir,..." ("builtin": vigia's own lists in data/warninglists). */
int wlists_load(struct wlists *w, const char *sources, struct verr *err);
/* One list from JSON text; source names it in errors. */
int wlists_load_json(struct wlists *w, const char *text, size_t len, const char *source,
		     struct verr *err);
/* Every list.json (or *.json) under dir, one level of folders deep. */
int wlists_load_dir(struct wlists *w, const char *dir, struct verr *err);
size_t wlists_count(const struct wlists *w);
/* The name of the first list that holds value for an indicator kind (ip, network, domain,
 * url, md5, sha1, sha256, email), or NULL.  Borrowed; valid until wlists_free. */
const char *wlists_match(const struct wlists *w, const char *kind, const char *value, size_t len);

/* ---- aggregate.c ----------------------------------------------------------------------------- */

/*
 * Aggregation rules as data (data/rules/aggregate.json, setting aggregate.rules): the first
 * rule whose match fits and whose key fields are present puts the event into the open
 * incident of (rule, key) seen within the rule's window, or opens a new one.
 */
struct aggregate;
struct aggregate_options {
	const char *rules_path;   /* NULL or "": the built-in rules */
	int64_t deadline[4];      /* seconds to handle a P1..P4 incident; 0 = no deadline */
	int64_t now;              /* 0 = the clock (incident created/deadline) */
};
int aggregate_new(const struct aggregate_options *o, struct aggregate **out, struct verr *err);
void aggregate_free(struct aggregate *ag);
/* Rules from JSON text (tests; aggregate_new reads the file or the built-in copy). */
int aggregate_new_json(const struct aggregate_options *o, const char *text, size_t len,
		       const char *source, struct aggregate **out, struct verr *err);
size_t aggregate_rule_count(const struct aggregate *ag);
const char *aggregate_rule_name(const struct aggregate *ag, size_t i);
/* The rule for ev (index) and its key ("field=value ..." into key), or -1 when none applies. */
int aggregate_rule_for(const struct aggregate *ag, const struct event *ev, struct buf *key);
/* Put a stored, new event (pe->event_id) into its incident: fills pe->incident (0 when no rule
 * applies) and pe->incident_created. */
int aggregate_event(struct aggregate *ag, struct store *st, struct pipe_event *pe,
		    struct verr *err);
/* The store committed (1) or rolled back (0): forget cached incidents. */
void aggregate_sync(struct aggregate *ag, int committed);

/* ---- correlate.c ----------------------------------------------------------------------------- */

/*
 * The indicators of each incident (addresses, networks, URLs, domains, hashes, e-mail
 * addresses of its events): a posting per (indicator, incident), stored once; an indicator
 * that gains a second incident links it to the first incident that had it ("correlated").
 * Values on a warning list are marked common (with the list's name) and not correlated.
 * Incremental: only the new event's indicators are looked at.
 */
struct correlate;
/* wl: borrowed warning lists (may be NULL: nothing is common); lives as long as c. */
struct correlate *correlate_new(const struct wlists *wl);
void correlate_free(struct correlate *c);
int correlate_event(struct correlate *c, struct store *st, struct pipe_event *pe,
		    struct verr *err);
void correlate_sync(struct correlate *c, int committed);
/* Keep an index of the store's indicator values in memory, of at most max_bytes (0 or
 * CORRELATE_INDEX_NEVER: none, the default of correlate_new: every value is looked up in
 * the store).  It is built from the store at the first event (CORRELATE_INDEX_ALWAYS) or
 * once the events correlated make it worth reading every value (CORRELATE_INDEX_AUTO),
 * dropped at a rollback, given up for the run when it would pass max_bytes; the results are
 * the same either way (src/pipeline/correlate.c). */
enum { CORRELATE_INDEX_AUTO, CORRELATE_INDEX_ALWAYS, CORRELATE_INDEX_NEVER };
void correlate_use_index(struct correlate *c, size_t max_bytes, int when);
struct correlate_index_stats {
	uint64_t builds;  /* times the index was built */
	uint64_t values;  /* values it held when last built */
	uint64_t hits;    /* values of events found in it */
	uint64_t created; /* values it did not hold, created in the store */
	uint64_t load_ns; /* time spent building it */
	int given_up;     /* 1: it passed its memory or an id its 32 bits: the store is asked */
	uint64_t loads;   /* times it was read from the saved file instead of built */
	uint64_t caught_up; /* values read from the store on top of the saved file */
	uint64_t saves;   /* times it was saved */
	uint64_t deferred; /* postings of values it knew one incident of: new without asking */
};
const struct correlate_index_stats *correlate_index_stats(const struct correlate *c);
/* Keep the index between runs in the file at path (borrowed, copied; NULL: not kept): mapped
 * at the first event when it fits the store (store_indicators_mark), else built as without
 * it; saved by correlate_save.  A store that keeps no generation (PostgreSQL) keeps no file. */
void correlate_index_file(struct correlate *c, const char *path);
/* Save the index to its file when it is exactly what the store holds (after the last
 * commit, no other writer since) and differs from the file: call it when the stage ends.
 * V_OK (also when there is nothing to save) or an error (the file is then as it was). */
int correlate_save(struct correlate *c, struct store *st, struct verr *err);

/* ---- stages (pipeline.c) --------------------------------------------------------------------- */

/* The uniform face of a stage, for a chain in-process or a worker process. */
struct stage_ops {
	const char *name;
	/* Set up from the settings (conf_get) with store st (borrowed, open).  OUT: *state. */
	int (*init)(void **state, struct store *st, struct verr *err);
	/* V_OK: pass pe on; V_SKIP: it ends here; else an error (the transaction rolls back). */
	int (*process)(void *state, struct pipe_event *pe, struct verr *err);
	/* The store committed (1) or rolled back (0). */
	void (*sync)(void *state, int committed);
	void (*fini)(void *state);
};
extern const struct stage_ops stage_fingerprint, stage_dedup, stage_enrich, stage_store,
	stage_aggregate, stage_correlate;

/*
 * The enrichment stage (src/enrich/enrich.h) with its settings: enrich.enabled (off: the stage
 * passes events on untouched), enrich.ipdb (the index; when not set, vigia.ipdb beside the
 * store, and when that file does not exist the stage logs one line and adds no attribution:
 * an index named by the setting that cannot be opened is an error), enrich.overwrite (fields
 * whose feed values are replaced).  The constituency comes from st (NULL: none).  When `ipdb
 * update` replaces the index, the stage opens the new one at the next commit (sync).
 */

/* urlcheck.c: the URL analyzer's verdict in extra.url_* (setting url.enrich) */
extern const struct stage_ops stage_urlcheck;

#define PIPELINE_STAGES 7
/* "fingerprint", "dedup", "enrich", "urlcheck", "store", "aggregate", "correlate" for
 * i = 0..6; static. */
const char *pipeline_stage_name(size_t i);
/* The stage at chain position i (NULL past the end): a worker runs some of them.  Static. */
const struct stage_ops *pipeline_stage(size_t i);

struct pipeline_stats {
	uint64_t events;            /* events that entered */
	uint64_t stored;            /* new events stored */
	uint64_t repeats;           /* repeats counted on an earlier event */
	uint64_t incidents_created;
	uint64_t incidents_updated; /* distinct existing incidents that gained events */
	uint64_t unaggregated;      /* stored events no rule applied to */
	uint64_t links;             /* correlation links added */
	uint64_t common;            /* indicator values left out as too common */
	uint64_t enriched;          /* events the enrichment added fields to */
	/* time spent in each stage, in chain order (pipeline_stage_name), in nanoseconds (the
	 * monotonic clock, read around every stage of every event: about 0.1 us an event) */
	uint64_t stage_ns[PIPELINE_STAGES];
	/* the same in CPU time of the thread, read only with log.level=debug (0 otherwise) */
	uint64_t stage_cpu_ns[PIPELINE_STAGES];
};

/* The in-process chain: fingerprint, dedup, enrich, store, aggregate, correlate (settings from
 * conf). */
struct pipeline;
int pipeline_new(struct store *st, struct pipeline **out, struct verr *err);
void pipeline_free(struct pipeline *pl);
/* Run one event of a batch through every stage.  V_OK, or an error (roll back). */
int pipeline_event(struct pipeline *pl, int64_t batch, const struct event *ev, struct verr *err);
/* Tell every stage the store committed (1) or rolled back (0). */
void pipeline_sync(struct pipeline *pl, int committed);
const struct pipeline_stats *pipeline_stats(const struct pipeline *pl);
/* Put the counters back to an earlier copy of them (events undone with store_undo and run
 * again); incidents_updated stays, as the set of incidents it counts does. */
void pipeline_stats_restore(struct pipeline *pl, const struct pipeline_stats *was);

#endif
