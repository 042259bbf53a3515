/*
 * correlate.c — incidents that share an indicator are linked.
 *
 * The indicators of an event: its source/destination addresses ("ip"), networks ("network"),
 * URLs ("url"), host names ("domain"), malware hashes ("md5", "sha1", "sha256") and e-mail
 * addresses in source/destination.account ("email").  Each (kind, value) is one indicator in
 * the store; a posting says an incident has it, stored once per pair and without a cap.  When
 * a posting is new and the indicator already had another incident, the new incident is
 * linked to the first incident that had it (kind "correlated", why "<kind> <value>"): a star
 * around the first, so n incidents sharing a value cost n links, not n².
 *
 * A network the enrichment stage filled (it has extra.enrichment.<field>: src/enrich/enrich.h)
 * is not an indicator: it is the range the address belongs to, often a whole provider's, and
 * would link every incident of that provider.  Networks the feed reported are.
 *
 * A value on a warning list is marked common in the store with the list's name, keeps its
 * postings (so an incident shows it, marked) but links nothing.  A value the store already
 * marks common stays common.
 *
 * Incremental: only the new event's indicators are looked at, never the old incidents.
 *
 * Two ways to the store.  The store path asks it for every value not cached: the indicator
 * by (kind, value), then, when the posting is new, the first incident that had the value.
 * The indicator index (indidx.h; correlate_use_index) holds every value of the store in
 * memory with its indicator id and the first incident that has it, so that a value it does
 * not hold is new (one insert, no lookup, no posting to look through: nobody else has it), a
 * value whose first incident is the event's own needs nothing, and a new posting is linked to
 * the first incident without reading the postings.  It is built from the store
 * (store_indicators_scan) at the first event, or, left to choose, once the events correlated
 * make it worth reading every value: when they reach 1/COR_INDEX_RATIO of the store's
 * indicators (docs/internals/pipeline.md, with the figures).  The results are the same as
 * the store path's (tests/unit/test_correlate.c compares them).
 *
 * Other writers (another vigia on the same store) may add values after the build: a value
 * the index misses is created with store_indicator_new, which says when the store had it
 * after all, and that value then takes the store path.  While the index is exact (no writer
 * since, known by the store's generation and its count of values inserted at once), the store
 * creates it without a look-up: its row waits for the commit with the postings and links
 * (docs/internals/store.md, "The deferred batch").  Indicators and postings are never
 * removed (store.h), so what the index holds stays true; only a posting another writer adds
 * to a value the index holds, for an incident older than the first one the index knows,
 * goes unseen: later links of that value go to the index's first incident instead of that
 * older one (still an incident that has the value).
 *
 * The index is kept between runs (correlate_index_file): saved beside the store when the stage
 * ends, if it is then exactly what the store holds, and read again at the next run's first
 * event instead of being built.  The store says what a saved index is good for
 * (store_indicators_mark): the file is used when it was saved from this store at a generation
 * no later than the store's and no earlier than its last write that changed older values; the
 * values added since (ids above the file's largest, whose value must still be the one the file
 * names) are read from the store on top of it.  Anything else (no file, a damaged or short
 * one, another store's, one from after a rollback of the store, a write the file cannot catch
 * up with) and the index is built from the store as without a file.  The file is written after
 * the store's commit, so a crash in between leaves an older file that the next run catches up.
 *
 * The indicator of each value and the postings written are cached (up to COR_CACHE_MAX
 * entries each, then the cache starts again), across commits; a rollback empties them and
 * drops the index (it is built again later: the rollback may have undone values it holds).
 */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "base/i18n.h"
#include "base/log.h"
#include "enrich/enrich.h"
#include "pipeline/indidx.h"
#include "pipeline/pipeline.h"
#include "pipeline/smap.h"

#define COR_CACHE_MAX (1u << 20)
#define COR_VALUE_MAX 4096
/* When asked to choose (CORRELATE_INDEX_AUTO), the index is built when the events correlated
 * since the stage started (or since a rollback dropped it) reach the store's indicators /
 * COR_INDEX_RATIO: loading a value costs about 1/COR_INDEX_RATIO of what the index saves an
 * event (2,600 and 22,700 instructions), so by then the store path has cost about what
 * building costs, and a run never pays more than twice the better of the two choices made
 * knowing its length (docs/internals/pipeline.md). */
#define COR_INDEX_RATIO 8

static const struct {
	int field;
	const char *kind;
} indicator_fields[] = {
	{ F_SOURCE_IP, "ip" },
	{ F_DESTINATION_IP, "ip" },
	{ F_SOURCE_NETWORK, "network" },
	{ F_DESTINATION_NETWORK, "network" },
	{ F_SOURCE_URL, "url" },
	{ F_DESTINATION_URL, "url" },
	{ F_SOURCE_FQDN, "domain" },
	{ F_DESTINATION_FQDN, "domain" },
	{ F_MALWARE_HASH_MD5, "md5" },
	{ F_MALWARE_HASH_SHA1, "sha1" },
	{ F_MALWARE_HASH_SHA256, "sha256" },
	{ F_SOURCE_ACCOUNT, "email" },
	{ F_DESTINATION_ACCOUNT, "email" },
};
#define NFIELDS (sizeof(indicator_fields) / sizeof(indicator_fields[0]))

enum index_state { IX_OFF, IX_WAITING, IX_READY };

struct correlate {
	const struct wlists *wl; /* borrowed */
	struct smap ind;         /* kind NUL value -> a: indicator id, b: common */
	struct smap post;        /* indicator id, incident id -> (present) */
	struct buf key;
	char value[COR_VALUE_MAX + 1];
	/* the indicator index */
	enum index_state ix_state;
	size_t ix_max;           /* bytes */
	struct indidx ix;
	uint64_t ix_events;      /* events correlated while IX_WAITING */
	uint64_t ix_check;       /* look at the store's size again at this many */
	int ix_auto;             /* choose when to build (else: at the first event) */
	struct correlate_index_stats stats;
	/* the index kept between runs */
	struct store *st;        /* borrowed: the store of the last event */
	char *ix_file;           /* owned; NULL: not kept */
	int ix_file_tried;       /* looked for since the index was last dropped */
	int ix_file_good;        /* ... and used */
	int ix_exact;            /* the index is exactly the store at ix_gen */
	int ix_dirty;            /* changed since the last commit */
	int64_t ix_gen;          /* the store's generation the index is exact for */
	int64_t ix_committed;    /* store_indicators_committed when last looked at */
	int64_t ix_file_gen;     /* the generation of the file loaded and not caught up; -1 */
	uint64_t ix_at_once;     /* store_indicators_at_once the index has seen */
};

/* Did the enrichment stage fill indicator field i (its provenance key is there)? */
static int enriched(const struct event *ev, size_t i)
{
	char key[128];

	snprintf(key, sizeof(key), ENRICH_PROVENANCE_PREFIX "%s",
		 schema_fields[indicator_fields[i].field].name);
	return event_has(ev, key);
}

struct correlate *correlate_new(const struct wlists *wl)
{
	struct correlate *c = calloc(1, sizeof(*c));

	if (!c)
		return NULL;
	c->wl = wl;
	c->ix_file_gen = -1;
	smap_init(&c->ind, COR_CACHE_MAX);
	smap_init(&c->post, COR_CACHE_MAX);
	buf_init(&c->key, 0);
	return c;
}

void correlate_use_index(struct correlate *c, size_t max_bytes, int when)
{
	c->ix_auto = when == CORRELATE_INDEX_AUTO;
	if (c->ix_state != IX_OFF)
		indidx_fini(&c->ix);
	c->ix_state = IX_OFF;
	c->ix_max = max_bytes;
	c->ix_events = 0;
	c->ix_check = 0;
	if (when == CORRELATE_INDEX_NEVER)
		max_bytes = 0;
	if (max_bytes && indidx_init(&c->ix, max_bytes) == 0)
		c->ix_state = IX_WAITING;
	else if (max_bytes)
		indidx_fini(&c->ix);
}

const struct correlate_index_stats *correlate_index_stats(const struct correlate *c)
{
	return &c->stats;
}

/* Give the index up for the rest of the run (too large, an id past 32 bits, OOM). */
static void index_off(struct correlate *c, const char *why)
{
	log_debug(_("correlate: indicator index given up (%s); the store is asked instead"), why);
	indidx_fini(&c->ix);
	c->ix_state = IX_OFF;
	c->ix_exact = 0;
	c->stats.given_up = 1;
}

void correlate_index_file(struct correlate *c, const char *path)
{
	free(c->ix_file);
	c->ix_file = path && *path ? strdup(path) : NULL;
	c->ix_file_tried = 0;
}

void correlate_free(struct correlate *c)
{
	if (!c)
		return;
	if (c->ix_state != IX_OFF)
		indidx_fini(&c->ix);
	smap_fini(&c->ind);
	smap_fini(&c->post);
	buf_fini(&c->key);
	free(c->ix_file);
	free(c);
}

/* What a commit made durable stays true (indicators and postings are never removed, and
 * only this stage marks an indicator common): the caches are kept across commits and
 * dropped only with a rollback, which may have undone some of their entries. */
void correlate_sync(struct correlate *c, int committed)
{
	if (committed) {
		/* the index stays exact when the commit is this stage's next generation (or wrote
		 * no indicators): no other writer came in between */
		if (c->ix_state == IX_READY && c->ix_exact && c->st) {
			int64_t g = store_indicators_committed(c->st);
			if (g != c->ix_committed && g != c->ix_gen + 1)
				c->ix_exact = 0;
			else if (g != c->ix_committed)
				c->ix_gen = g;
			c->ix_committed = g;
		}
		c->ix_dirty = 0;
		return;
	}
	smap_clear(&c->ind);
	smap_clear(&c->post);
	if (c->ix_state == IX_READY) {
		indidx_clear(&c->ix);
		c->ix_state = IX_WAITING;
		c->ix_events = 0;
		c->ix_check = 0;
		c->ix_exact = 0;
		/* a saved index that was good is still the store's: map it again */
		c->ix_file_tried = !c->ix_file_good;
	}
	c->ix_dirty = 0;
}

/* The indicator's value as the store keeps it: hashes and e-mail addresses lower-cased (an
 * e-mail address needs an '@' with something on both sides), the rest as the event has it
 * (already canonical).  0 when the value is not an indicator of that kind. */
static size_t normalise(const char *kind, const char *v, size_t len, char *out)
{
	if (len == 0 || len > COR_VALUE_MAX)
		return 0;
	if (!strcmp(kind, "email")) {
		const char *at = memchr(v, '@', len);
		if (!at || at == v || at == v + len - 1)
			return 0;
	}
	if (kind[0] == 'm' || kind[0] == 's' || kind[0] == 'e') { /* md5, sha*, email */
		for (size_t i = 0; i < len; i++)
			out[i] = (char)tolower((unsigned char)v[i]);
	} else
		memcpy(out, v, len);
	out[len] = 0;
	return len;
}

struct first_other {
	int64_t self, other;
};

static int first_other_cb(void *arg, int64_t id)
{
	struct first_other *fo = arg;

	if (id == fo->self)
		return 0;
	fo->other = id;
	return 1; /* stop */
}

/* Link the event's incident to *first, the first other incident with a posting of indicator
 * id; when *first is 0, that is looked up in the store's postings (in incident order) and
 * left in *first (still 0: no other, no link). */
static int link_first_other(struct correlate *c, struct store *st, struct pipe_event *pe,
			    int64_t id, int64_t *first, const char *kind, const char *value,
			    size_t len, struct verr *err)
{
	int rc;

	if (!*first) {
		struct first_other fo = { pe->incident, 0 };
		rc = store_postings_of(st, id, first_other_cb, &fo, err);
		if (rc != V_OK && rc != 1)
			return rc;
		if (!fo.other)
			return V_OK;
		*first = fo.other;
	}
	buf_reset(&c->key);
	buf_puts(&c->key, kind);
	buf_putc(&c->key, ' ');
	buf_append(&c->key, value, len);
	/* written at the commit with the transaction's other links (store_link_defer) */
	rc = store_link_defer(st, *first, pe->incident, "correlated", buf_cstr(&c->key), err);
	if (rc != V_OK)
		return rc;
	pe->links++;
	return V_OK;
}

/* After this stage's own call that may insert values at once (into the index, or to be read
 * into it when it is built): the index has seen them too, unless another caller on the handle
 * inserted some first (before: the count before the call). */
static void at_once_seen(struct correlate *c, struct store *st, uint64_t before)
{
	if (before == c->ix_at_once)
		c->ix_at_once = store_indicators_at_once(st);
}

static int one_indicator(struct correlate *c, struct store *st, struct pipe_event *pe,
			 const char *kind, const char *value, size_t len, struct verr *err)
{
	struct smap_slot *slot;
	int64_t id, pk[2];
	int common = 0, added, is_new, rc;

	buf_reset(&c->key);
	buf_puts(&c->key, kind);
	buf_putc(&c->key, 0);
	buf_append(&c->key, value, len);
	slot = smap_get(&c->ind, c->key.data, c->key.len);
	if (slot) {
		id = slot->a;
		common = (int)slot->b;
	} else {
		uint64_t before = store_indicators_at_once(st);
		if ((rc = store_indicator_get(st, kind, value, &id, &common, err)) != V_OK)
			return rc;
		at_once_seen(c, st, before);
		if (!common) {
			const char *why = wlists_match(c->wl, kind, value, len);
			if (why) {
				if ((rc = store_indicator_set_common(st, id, why, err)) != V_OK)
					return rc;
				common = 1;
			}
		}
		slot = smap_put(&c->ind, c->key.data, c->key.len, &added);
		if (slot) {
			slot->a = id;
			slot->b = common;
		}
	}
	if (common)
		pe->common++;
	pk[0] = id;
	pk[1] = pe->incident;
	if (smap_get(&c->post, pk, sizeof(pk)))
		return V_OK;
	if ((rc = store_posting_add(st, id, pe->incident, &is_new, err)) != V_OK)
		return rc;
	smap_put(&c->post, pk, sizeof(pk), &added);
	if (!is_new || common)
		return V_OK;
	int64_t first = 0;
	return link_first_other(c, st, pe, id, &first, kind, value, len, err);
}

/* ---- the indicator index ------------------------------------------------------------------ */

struct load {
	struct correlate *c;
	const char *failed; /* why the load gave up */
};

static int load_cb(void *arg, const struct store_indicator *ind, int64_t first)
{
	struct load *l = arg;
	struct correlate *c = l->c;

	if (ind->id <= 0 || ind->id > UINT32_MAX || first < 0 || first > UINT32_MAX) {
		l->failed = _("an id past 32 bits");
		return 1;
	}
	if (!indidx_add(&c->ix, indidx_tag(&c->ix, ind->kind, ind->value, strlen(ind->value)),
			(uint32_t)ind->id, (uint32_t)first,
			(ind->common ? INDIDX_COMMON : 0) | (first && !ind->many ? INDIDX_ONE : 0))) {
		l->failed = _("correlate.index_memory reached");
		return 1;
	}
	return 0;
}

static uint64_t clock_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

/* Take the store's generation as the one the index is exact for (m: read already, or NULL);
 * a store that keeps none leaves the index unsaved. */
static void index_mark_read(struct correlate *c, struct store *st, const struct store_ind_mark *m)
{
	struct store_ind_mark own;

	c->ix_exact = 0;
	c->ix_file_gen = -1;
	if (!m) {
		if (store_indicators_mark(st, &own, NULL) != V_OK)
			return;
		m = &own;
	}
	c->ix_exact = 1;
	c->ix_gen = m->gen;
	c->ix_committed = store_indicators_committed(st);
	c->ix_at_once = store_indicators_at_once(st);
}

struct catchup {
	struct load l;
	int64_t max_id;     /* the file's largest id: the first row must be it */
	uint64_t max_tag;
	int first_seen;
	uint64_t added;
};

static int tag_cb(void *arg, const struct store_indicator *ind, int64_t first)
{
	struct catchup *cu = arg;

	(void)first;
	if (ind->id != cu->max_id)
		return 1;
	cu->first_seen = 1;
	cu->max_tag = indidx_tag(&cu->l.c->ix, ind->kind, ind->value, strlen(ind->value));
	return 1;
}

static int catchup_cb(void *arg, const struct store_indicator *ind, int64_t first)
{
	struct catchup *cu = arg;
	struct indidx *x = &cu->l.c->ix;

	if (cu->max_id > 0 && !cu->first_seen) {
		cu->first_seen = 1;
		if (ind->id != cu->max_id ||
		    indidx_tag(x, ind->kind, ind->value, strlen(ind->value)) != cu->max_tag) {
			cu->l.failed = _("its last value is not the store's");
			return 1;
		}
		return 0;
	}
	cu->added++;
	return load_cb(&cu->l, ind, first);
}

/* Read the saved index and bring it up to date from the store: *ready = 1, or 0 when it is not
 * usable (the reason in the log), to be built as without it.  V_OK or an error of the store. */
static int index_from_file(struct correlate *c, struct store *st, int *ready, struct verr *err)
{
	struct store_ind_mark sm;
	struct indidx_file_mark fm;
	struct catchup cu;
	struct verr e;
	const char *why = NULL;
	uint64_t t0 = clock_ns();
	int64_t changed = 0;
	int rc;

	*ready = 0;
	c->ix_file_tried = 1;
	c->ix_file_good = 0;
	if (store_indicators_mark(st, &sm, &e) != V_OK) {
		/* a store without a generation (PostgreSQL): nothing to check a file against */
		free(c->ix_file);
		c->ix_file = NULL;
		return V_OK;
	}
	if ((rc = indidx_load(&c->ix, c->ix_file, &fm, &e)) != V_OK) {
		if (rc != V_ERR_NOTFOUND)
			log_info(_("correlate: %s: not used (the store is read instead)"),
				 e.reason);
		return V_OK;
	}
	if (strcmp(fm.store_id, sm.store_id) != 0)
		why = _("saved from another store");
	else if (fm.gen > sm.gen || fm.max_id > sm.max_id)
		why = _("newer than the store (was the store restored or rolled back?)");
	else {
		/* (also what this transaction changed before a rollback to a mark dropped the
		 * index: the file does not have it) */
		if ((rc = store_indicators_changed(st, fm.gen, &changed, err)) != V_OK) {
			indidx_clear(&c->ix);
			return rc;
		}
		if (changed > 0 && changed <= fm.max_id)
			why = _("older than a change to values it holds");
	}
	if (!why) {
		memset(&cu, 0, sizeof(cu));
		cu.l.c = c;
		cu.max_id = fm.max_id;
		cu.max_tag = fm.max_tag;
		rc = store_indicators_scan(st, fm.max_id > 0 ? fm.max_id - 1 : 0, catchup_cb, &cu,
					   err);
		if (rc != V_OK && rc != 1) {
			indidx_clear(&c->ix);
			return rc;
		}
		if (cu.l.failed)
			why = cu.l.failed;
		else if (fm.max_id > 0 && !cu.first_seen)
			why = _("its last value is not the store's");
	}
	if (why) {
		log_info(_("correlate: indicator index %s not used: %s (the store is read "
			   "instead)"), c->ix_file, why);
		indidx_clear(&c->ix);
		return V_OK;
	}
	index_mark_read(c, st, &sm);
	c->ix_file_gen = cu.added || fm.gen != sm.gen ? -1 : fm.gen;
	c->ix_state = IX_READY;
	c->stats.loads++;
	c->stats.caught_up += cu.added;
	c->stats.values = c->ix.count;
	c->stats.load_ns += clock_ns() - t0;
	log_debug(_("correlate: indicator index of %zu values read from %s in %.3f s, %llu "
		    "newer values read from the store"), c->ix.count, c->ix_file,
		  (double)(clock_ns() - t0) / 1e9, (unsigned long long)cu.added);
	*ready = 1;
	c->ix_file_good = 1;
	return V_OK;
}

int correlate_save(struct correlate *c, struct store *st, struct verr *err)
{
	struct store_ind_mark sm;
	struct indidx_file_mark fm;
	struct catchup cu;
	int rc;

	if (c->ix_state != IX_READY || !c->ix_file || !c->ix_exact || c->ix_dirty ||
	    store_indicators_committed(st) != c->ix_committed || c->ix_gen == c->ix_file_gen)
		return V_OK;
	if ((rc = store_indicators_mark(st, &sm, err)) != V_OK)
		return rc;
	if (sm.gen != c->ix_gen)
		return V_OK; /* another writer since: the next run catches up from the old file */
	memset(&fm, 0, sizeof(fm));
	memcpy(fm.store_id, sm.store_id, sizeof(fm.store_id));
	fm.gen = sm.gen;
	fm.max_id = sm.max_id;
	if (sm.max_id > 0) {
		/* the tag of the last value, which the next run checks the store still has */
		memset(&cu, 0, sizeof(cu));
		cu.l.c = c;
		cu.max_id = sm.max_id;
		rc = store_indicators_scan(st, sm.max_id - 1, tag_cb, &cu, err);
		if (rc != V_OK && rc != 1)
			return rc;
		if (!cu.first_seen)
			return V_OK;
		fm.max_tag = cu.max_tag;
	}
	if ((rc = indidx_save(&c->ix, c->ix_file, &fm, err)) != V_OK)
		return rc;
	c->ix_file_gen = c->ix_gen;
	c->stats.saves++;
	return V_OK;
}

/* Count one event while the index waits; build it when it is worth it. */
static int index_maybe_build(struct correlate *c, struct store *st, struct verr *err)
{
	struct load l = { c, NULL };
	int64_t max;
	uint64_t t0;
	int rc;

	if (++c->ix_events < c->ix_check)
		return V_OK;
	if ((rc = store_indicators_max(st, &max, err)) != V_OK)
		return rc;
	if (c->ix_auto && c->ix_events * COR_INDEX_RATIO < (uint64_t)max) {
		/* look again then: the store grows meanwhile */
		c->ix_check = (uint64_t)max / COR_INDEX_RATIO;
		return V_OK;
	}
	t0 = clock_ns();
	indidx_clear(&c->ix);
	index_mark_read(c, st, NULL);
	rc = store_indicators_scan(st, 0, load_cb, &l, err);
	if (rc != V_OK && rc != 1) {
		indidx_clear(&c->ix);
		return rc;
	}
	if (l.failed) {
		index_off(c, l.failed);
		return V_OK;
	}
	c->ix_state = IX_READY;
	c->stats.builds++;
	c->stats.values = c->ix.count;
	c->stats.load_ns += clock_ns() - t0;
	log_debug(_("correlate: indicator index of %zu values (%zu bytes) built in %.3f s, after "
		    "%llu events"), c->ix.count, indidx_bytes(&c->ix),
		  (double)(clock_ns() - t0) / 1e9, (unsigned long long)c->ix_events);
	return V_OK;
}

/* One value through the index; *store_path = 1 when it must take the store path instead. */
static int one_indexed(struct correlate *c, struct store *st, struct pipe_event *pe,
		       const char *kind, const char *value, size_t len, int *store_path,
		       struct verr *err)
{
	uint64_t tag = indidx_tag(&c->ix, kind, value, len);
	struct indidx_slot *slot = indidx_find(&c->ix, tag);
	const char *why;
	int64_t id, pk[2], first;
	int common, created, is_new, added, one, rc;

	*store_path = 0;
	if (slot && !slot->id) {
		*store_path = 1;
		return V_OK;
	}
	if (!slot) {
		/* not in the store when the index was built, nor added since by this stage: while
		 * the index is exact (no other writer since), its row waits for the commit with the
		 * postings (store_indicator_new) */
		struct store_ind_known known = { c->ix_exact ? c->ix_gen : -1, c->ix_at_once };
		uint64_t before = store_indicators_at_once(st);
		why = wlists_match(c->wl, kind, value, len);
		rc = store_indicator_new(st, kind, value, why, &known, &id, &created, &common, err);
		if (rc != V_OK)
			return rc;
		at_once_seen(c, st, before);
		if (!created || id > UINT32_MAX || pe->incident > UINT32_MAX) {
			/* another writer added it (or ids outgrew the index): the store decides,
			 * now and whenever it comes again */
			if (!indidx_add(&c->ix, tag, 0, 0, 0))
				index_off(c, _("correlate.index_memory reached"));
			*store_path = 1;
			return V_OK;
		}
		if (common)
			pe->common++;
		/* nobody else has it: the posting is new, written at the commit */
		if ((rc = store_posting_defer(st, id, pe->incident, 1, err)) != V_OK)
			return rc;
		c->stats.created++;
		if (!indidx_add(&c->ix, tag, (uint32_t)id, (uint32_t)pe->incident,
				INDIDX_CHECKED | INDIDX_ONE | (common ? INDIDX_COMMON : 0)))
			index_off(c, _("correlate.index_memory reached"));
		return V_OK;
	}
	id = slot->id;
	if (!(slot->tag & INDIDX_CHECKED)) {
		if (!(slot->tag & INDIDX_COMMON) && (why = wlists_match(c->wl, kind, value, len))) {
			if ((rc = store_indicator_set_common(st, id, why, err)) != V_OK)
				return rc;
			slot->tag |= INDIDX_COMMON;
		}
		slot->tag |= INDIDX_CHECKED;
	}
	common = (slot->tag & INDIDX_COMMON) != 0;
	if (common)
		pe->common++;
	c->stats.hits++;
	if (slot->first == pe->incident)
		return V_OK; /* the posting is there: the incident was the first to have it */
	pk[0] = id;
	pk[1] = pe->incident;
	/* (when the first is the only incident that has the value, no posting of this incident
	 * can be in the cache: the look-up, a cache miss each, is skipped) */
	one = slot->first && (slot->tag & INDIDX_ONE);
	if (!one && smap_get(&c->post, pk, sizeof(pk)))
		return V_OK;
	/* an incident after the first known keeps the first as it is: a saved index need not
	 * be rebuilt for it (store_posting_append).  When the first is the only incident that
	 * has the value, the posting is new: it waits for the commit (store_posting_defer);
	 * otherwise the store says. */
	if (one) {
		/* not an append: a saved index that still says "one incident" would be wrong
		 * about an older value (store_posting_defer records the change) */
		rc = store_posting_defer(st, id, pe->incident, 0, err);
		is_new = 1;
		c->stats.deferred++;
	} else if (slot->first && pe->incident > slot->first)
		rc = store_posting_append(st, id, pe->incident, &is_new, err);
	else
		rc = store_posting_add(st, id, pe->incident, &is_new, err);
	if (rc != V_OK)
		return rc;
	slot->tag &= ~(uint64_t)INDIDX_ONE; /* two incidents have it now */
	smap_put(&c->post, pk, sizeof(pk), &added);
	if (!is_new || common)
		return V_OK;
	/* to the first incident that has it; when the index knows none (indexed without
	 * postings) the store's postings decide: another writer may have added some */
	first = slot->first;
	rc = link_first_other(c, st, pe, id, &first, kind, value, len, err);
	if (rc != V_OK)
		return rc;
	/* the smallest incident that has it, as the store path finds it */
	if (!first || pe->incident < first)
		first = pe->incident;
	if (first <= UINT32_MAX && (!slot->first || first < slot->first))
		slot->first = (uint32_t)first;
	return V_OK;
}

int correlate_event(struct correlate *c, struct store *st, struct pipe_event *pe,
		    struct verr *err)
{
	int rc, store_path;

	pe->links = 0;
	pe->common = 0;
	if (!pe->incident)
		return V_OK;
	c->st = st;
	if (c->ix_state == IX_WAITING && c->ix_file && !c->ix_file_tried &&
	    (rc = index_from_file(c, st, &store_path, err)) != V_OK)
		return rc;
	if (c->ix_state == IX_WAITING && (rc = index_maybe_build(c, st, err)) != V_OK)
		return rc;
	if (c->ix_state == IX_READY)
		c->ix_dirty = 1;
	for (size_t i = 0; i < NFIELDS; i++) {
		size_t len;
		const char *v = event_get_id(pe->ev, indicator_fields[i].field, &len);
		if (!v)
			continue;
		if (!strcmp(indicator_fields[i].kind, "network") && enriched(pe->ev, i))
			continue;
		len = normalise(indicator_fields[i].kind, v, len, c->value);
		if (!len)
			continue;
		store_path = 1;
		if (c->ix_state == IX_READY) {
			rc = one_indexed(c, st, pe, indicator_fields[i].kind, c->value, len,
					 &store_path, err);
			if (rc != V_OK)
				return rc;
		}
		if (!store_path)
			continue;
		rc = one_indicator(c, st, pe, indicator_fields[i].kind, c->value, len, err);
		if (rc != V_OK)
			return rc;
	}
	return V_OK;
}
