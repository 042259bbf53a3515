/*
 * cases.h — an incident as a case: its lifecycle, markings, notes, attachments, merges and
 * links (lifecycle.c), its deadline and escalation (deadline.c).
 *
 * Every change to an incident goes through one function in lifecycle.c that writes the
 * change and its audit entry (who, what, before → after) in the same store transaction, so
 * the audit trail can never miss a change nor record one that did not happen.
 *
 * The vocabulary is fixed and validated here:
 *   states       new, open, in_progress, waiting, resolved, closed (transitions: a table)
 *   resolutions  true-positive, false-positive, duplicate, indeterminate
 *   priorities   P1 (most urgent) .. P4
 *   impact       low, medium, high, critical
 *   TLP 2.0      CLEAR, GREEN, AMBER, AMBER+STRICT, RED
 *   PAP          CLEAR, GREEN, AMBER, RED
 *
 * Ownership: every string passed in is borrowed.  Functions return a vres code and fill a
 * struct verr (already translated) when a person should be told why.
 */
#ifndef VIGIA_CASES_CASES_H
#define VIGIA_CASES_CASES_H

#include <stddef.h>
#include <stdint.h>

#include <jansson.h>

#include "base/buf.h"
#include "base/err.h"
#include "store/store.h"

/* Who and when: every cases_* call that changes something takes one of these. */
struct cases_ctx {
	struct store *st;  /* borrowed; open */
	const char *actor; /* borrowed; who changes (cases_actor() for the person at the shell) */
	int64_t now;       /* unix seconds; 0 = the clock at each call */
};

/* ---- vocabulary (lifecycle.c) --------------------------------------------------------------- */

#define CASES_NSTATES 6

/* "in_progress" etc.; static strings. */
const char *cases_state_name(enum incident_state s);
/* Parse a state name (also "in-progress").  V_OK or V_ERR_INVALID with the reason. */
int cases_state_parse(const char *s, enum incident_state *out, struct verr *err);
/* 1 when the lifecycle allows from → to (a state to itself is not a transition: 0). */
int cases_transition_allowed(enum incident_state from, enum incident_state to);
/* States before resolved count as open. */
int cases_state_is_open(enum incident_state s);

/* Each parser checks the value and gives back the canonical spelling (a static string):
 * resolutions and impact in lower case, TLP/PAP upper case without the "TLP:"/"PAP:" prefix.
 * V_OK, or V_ERR_INVALID with err naming the field and the accepted values. */
int cases_resolution_parse(const char *s, const char **out, struct verr *err);
int cases_impact_parse(const char *s, const char **out, struct verr *err);
int cases_tlp_parse(const char *s, const char **out, struct verr *err);
int cases_pap_parse(const char *s, const char **out, struct verr *err);
/* "P1".."P4" or "1".."4". */
int cases_priority_parse(const char *s, int *out, struct verr *err);

/* $VIGIA_USER, else the login name, else "uid:N".  Static storage; never NULL. */
const char *cases_actor(void);

/* ---- the incident as JSON (lifecycle.c) ------------------------------------------------------ */

/* "2026-11-28T14:50:00+00:00" into out (>= 26 bytes); "" for 0. */
void cases_time_iso(int64_t t, char out[32]);
/*
 * The incident as the JSON object documented in docs/formats.md ("Incidents as JSON"); the
 * audit trail uses the same keys.  now decides "overdue".  OUT: new reference, caller
 * json_decref()s; NULL on allocation failure.
 */
json_t *cases_incident_json(const struct store_incident *inc, int64_t now);
/* The same object appended to b as json_dumps(..., JSON_COMPACT) writes it, byte for byte,
 * without building it (for listings).  V_OK, or V_ERR_NOMEM / V_ERR_LIMIT from the buffer. */
int cases_incident_json_buf(struct buf *b, const struct store_incident *inc, int64_t now);
/* An audit entry as JSON (before/after parsed back into objects).  OUT: caller decrefs. */
json_t *cases_audit_json(const struct store_audit *a);

/* ---- the one door for changes (lifecycle.c) ------------------------------------------------- */

/*
 * A step changes one incident.  It is called inside the transaction with the incident as
 * stored (cur) and a copy to change (next: strings it sets must outlive cases_apply — static,
 * or owned by arg).  It may write other things (a note, an event link) and describe them in
 * `before`/`after` (JSON objects, borrowed; the changed incident fields are added to them).
 * Returns V_OK, V_SKIP (nothing to do after all: no write, no audit entry), or an error that
 * undoes the whole change.
 */
typedef int (*cases_step_fn)(const struct cases_ctx *cx, void *arg,
			     const struct store_incident *cur, struct store_incident *next,
			     json_t *before, json_t *after, struct verr *err);
struct cases_step {
	int64_t id;         /* the incident */
	const char *action; /* the audit entry's action: "set", "note", "merge", ... */
	cases_step_fn fn;
	void *arg;
};

/*
 * Run steps in one store transaction (cases_apply begins and commits it: do not call it inside
 * one): for each, read the incident, run the step, write the incident if one of its mutable
 * fields changed, and append the audit entry (actor cx->actor, object "incident:<id>", the
 * action, the changed fields before → after as JSON) when anything changed.  Any error rolls
 * everything back.  *changed (may be NULL) = the number of audit entries written.
 */
int cases_apply(const struct cases_ctx *cx, const struct cases_step *steps, size_t n,
		int *changed, struct verr *err);

/* ---- changes (lifecycle.c) ------------------------------------------------------------------- */

/* What cases_set() changes: NULL / 0 / -1 leave a field as it is.  Give owner "" to clear it. */
struct cases_change {
	int state;              /* enum incident_state, or -1 */
	const char *resolution; /* validated by cases_set() */
	const char *owner;
	int priority;           /* 1..4, or 0 */
	const char *impact, *tlp, *pap, *title;
};

void cases_change_init(struct cases_change *c);

/*
 * Apply c to incident id: validates every field and the transition (a resolution is required
 * to resolve or close, and only then; reopening clears it; a new priority or a reopen
 * recomputes the deadline), writes the incident and one audit entry ("set", or the action
 * named by `action` when not NULL: "close", "reopen") in one transaction.  Nothing changes
 * when anything is refused.  *changed (may be NULL) = 1 when a field changed.
 * V_OK, V_ERR_NOTFOUND (no such incident), V_ERR_INVALID (refused; err says why), or a
 * store error.
 */
int cases_set(const struct cases_ctx *cx, int64_t id, const struct cases_change *c,
	      const char *action, int *changed, struct verr *err);
/* close = set state closed with a resolution; reopen = set state open (from resolved/closed). */
int cases_close(const struct cases_ctx *cx, int64_t id, const char *resolution, struct verr *err);
int cases_reopen(const struct cases_ctx *cx, int64_t id, struct verr *err);

/* Add a note (text: UTF-8, not empty, at most CASES_NOTE_MAX bytes).  OUT: *note_id (may be
 * NULL). */
#define CASES_NOTE_MAX (1u << 20)
int cases_note(const struct cases_ctx *cx, int64_t id, const char *text, int64_t *note_id,
	       struct verr *err);
/*
 * Open a new incident with inc's fields (borrowed): state new, created and updated at cx->now,
 * the deadline of its priority when inc->deadline is 0; and its audit entry "create" (actor
 * cx->actor, the incident as JSON).  It does not begin a transaction: call it inside one
 * (store_begin) so that the incident, its audit entry and what the caller links to it (events)
 * commit or roll back together.  OUT: *id.  V_OK, V_ERR_INVALID (priority), or a store error.
 */
int cases_open(const struct cases_ctx *cx, const struct store_incident *inc, int64_t *id,
	       struct verr *err);
/* Attach data under name (the file's base name); the store keeps the content once by SHA-256.
 * OUT: sha256_hex. */
int cases_attach(const struct cases_ctx *cx, int64_t id, const char *name, const void *data,
		 size_t len, char sha256_hex[65], struct verr *err);
/*
 * Merge each of from[0..n) into `into`, all or nothing: a merged incident's events are linked
 * to into (into's first/last seen and count include them), its indicators' postings too; it
 * is linked to into (kind "merged"), points to it (merged_into) and is closed with resolution
 * duplicate.  Each incident gets an audit entry ("merge").  Refused when a from is into, an
 * incident is missing, or one was merged already.  OUT: *moved (may be NULL) = events linked.
 */
int cases_merge(const struct cases_ctx *cx, int64_t into, const int64_t *from, size_t n,
		int64_t *moved, struct verr *err);
/* Link two incidents (kind "linked") with an optional reason; audited on both. */
int cases_link(const struct cases_ctx *cx, int64_t a, int64_t b, const char *why,
	       struct verr *err);

/* ---- deadlines and escalation (deadline.c) -------------------------------------------------- */

/* The setting incidents.deadline_pN (a duration: 30m, 4h, 3d) in seconds; 0 = no deadline for
 * that priority. */
int64_t cases_deadline_seconds(int priority);
/* The deadline of an incident at `priority` whose clock starts at `from`; 0 = none. */
int64_t cases_deadline_for(int priority, int64_t from);
/* 1 when inc is open and its deadline has passed at now. */
int cases_overdue(const struct store_incident *inc, int64_t now);

/* One due incident and what cases_due() did to it (with dry_run: what it would do). */
struct cases_due_item {
	const struct store_incident *inc; /* borrowed for the callback; as it is now */
	int old_priority, new_priority;
	int64_t old_deadline, new_deadline;
	int escalated;                    /* 0 with dry_run */
};
typedef int (*cases_due_cb)(void *arg, const struct cases_due_item *it);

/*
 * Every open incident whose deadline has passed at cx->now, oldest deadline first.  Unless
 * dry_run, each is raised one step (P4 → P3 → P2 → P1, P1 stays), gets a new deadline (now +
 * the new priority's), and is audited as action "escalate" with a warning in the log; a
 * deadline that passed is thus acted on once.  cb (may be NULL) sees each.  *count = how many.
 */
int cases_due(const struct cases_ctx *cx, int dry_run, cases_due_cb cb, void *arg,
	      int64_t *count, struct verr *err);

#endif
