/*
 * pipeline.c — the stages behind one face (struct stage_ops) and the in-process chain.
 *
 * Each stage_* below wraps one module (fingerprint.c, dedup.c, src/enrich/enrich.c, the store,
 * aggregate.c, correlate.c) with its settings: init reads them from conf, process handles one
 * pipe_event, sync hears about commits and rollbacks, fini frees.  pipeline_new() chains all
 * six in the order of pipeline.h; a worker process would run one of them the same way.
 */
#include <errno.h>
#include <libgen.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "base/conf.h"
#include "base/i18n.h"
#include "base/log.h"
#include "base/timeparse.h"
#include "enrich/enrich.h"
#include "pipeline/pipeline.h"
#include "pipeline/smap.h"

/* ---- times ----------------------------------------------------------------------------------- */

static int digits(const char *s, int n, int *out)
{
	int v = 0;
	for (int i = 0; i < n; i++) {
		if (s[i] < '0' || s[i] > '9')
			return -1;
		v = v * 10 + (s[i] - '0');
	}
	*out = v;
	return 0;
}

int64_t pipe_parse_time(const char *s, size_t len)
{
	int y, mo, d, h, mi, se;
	struct vtime t;

	/* the canonical form events hold: "YYYY-MM-DDTHH:MM:SS", an optional fraction, "+00:00" */
	if (len >= 19 && s[4] == '-' && s[7] == '-' && s[10] == 'T' && s[13] == ':' &&
	    s[16] == ':' && digits(s, 4, &y) == 0 && digits(s + 5, 2, &mo) == 0 &&
	    digits(s + 8, 2, &d) == 0 && digits(s + 11, 2, &h) == 0 &&
	    digits(s + 14, 2, &mi) == 0 && digits(s + 17, 2, &se) == 0) {
		size_t end = len, i = 19;
		if (len >= 25 && !memcmp(s + len - 6, "+00:00", 6))
			end = len - 6;
		else if (len > 19 && s[len - 1] == 'Z')
			end = len - 1;
		if (i < end && s[i] == '.')
			for (i++; i < end && s[i] >= '0' && s[i] <= '9'; i++)
				;
		if (i == end && mo >= 1 && mo <= 12 && d >= 1 && d <= 31)
			return time_days_from_civil(y, (unsigned)mo, (unsigned)d) * 86400 +
			       h * 3600 + mi * 60 + se;
	}
	if (time_parse(s, len, &t) == 0)
		return t.sec;
	return -1;
}

void pipe_event_init(struct pipe_event *pe, const struct event *ev, int64_t batch, int64_t now)
{
	size_t len;
	const char *obs = event_get_id(ev, F_TIME_OBSERVATION, &len);
	int64_t o = obs ? pipe_parse_time(obs, len) : -1, s;
	const char *src = event_get_id(ev, F_TIME_SOURCE, &len);

	s = src ? pipe_parse_time(src, len) : -1;
	memset(pe, 0, sizeof(*pe));
	pe->ev = ev;
	pe->batch = batch;
	pe->seen = o >= 0 ? o : s >= 0 ? s : now;
	pe->time = s >= 0 ? s : pe->seen;
}

/* ---- the stages ------------------------------------------------------------------------------ */

static int fp_init(void **state, struct store *st, struct verr *err)
{
	struct fingerprint *fp = malloc(sizeof(*fp));
	int rc;

	(void)st;
	if (!fp)
		return verr_set(err, V_ERR_NOMEM, "", "%s", vres_str(V_ERR_NOMEM));
	if ((rc = fingerprint_init(fp, conf_get("dedup.fields"), conf_get("dedup.exclude"), err)) !=
	    V_OK) {
		fingerprint_fini(fp);
		free(fp);
		return rc;
	}
	*state = fp;
	return V_OK;
}

static int fp_process(void *state, struct pipe_event *pe, struct verr *err)
{
	(void)err;
	pe->fingerprint = fingerprint_event(state, pe->ev);
	return V_OK;
}

static void fp_fini(void *state)
{
	fingerprint_fini(state);
	free(state);
}

const struct stage_ops stage_fingerprint = {
	.name = "fingerprint", .init = fp_init, .process = fp_process, .fini = fp_fini,
};

struct dedup_stage {
	struct store *st;
	struct dedup *d; /* NULL: dedup.window is 0 */
};

static int dd_init(void **state, struct store *st, struct verr *err)
{
	struct dedup_stage *s = calloc(1, sizeof(*s));
	long long window = conf_get_int("dedup.window");

	if (!s)
		return verr_set(err, V_ERR_NOMEM, "", "%s", vres_str(V_ERR_NOMEM));
	s->st = st;
	if (window > 0 &&
	    !(s->d = dedup_new(window, (size_t)conf_get_int("dedup.max_memory")))) {
		free(s);
		return verr_set(err, V_ERR_NOMEM, "", "%s", vres_str(V_ERR_NOMEM));
	}
	*state = s;
	return V_OK;
}

static int dd_process(void *state, struct pipe_event *pe, struct verr *err)
{
	struct dedup_stage *s = state;
	int rc;

	if (!s->d || !pe->fingerprint) {
		pe->maybe_repeat = 0;
		return V_OK;
	}
	pe->window_start = pe->seen - dedup_window(s->d);
	if ((rc = dedup_check(s->d, s->st, pe->fingerprint, pe->seen, err, &pe->maybe_repeat)) !=
	    V_OK)
		return rc;
	dedup_remember(s->d, pe->fingerprint, pe->seen);
	return V_OK;
}

static void dd_fini(void *state)
{
	struct dedup_stage *s = state;

	if (s)
		dedup_free(s->d);
	free(s);
}

const struct stage_ops stage_dedup = {
	.name = "dedup", .init = dd_init, .process = dd_process, .fini = dd_fini,
};

struct enrich_stage {
	struct enrich *e;       /* NULL: nothing to enrich with, or enrich.enabled is off */
	struct event *scratch;  /* the enriched copy of the current event */
	uint64_t failed;        /* events passed on unenriched (they did not fit) */
	char path[4096];        /* the index's (errors borrow it) */
};

static void en_fini(void *state)
{
	struct enrich_stage *s = state;

	if (!s)
		return;
	enrich_free(s->e);
	event_free(s->scratch);
	free(s);
}

/* Where the index is: enrich.ipdb (*named = 1), else vigia.ipdb beside the store. */
static void en_ipdb_path(struct store *st, char *out, size_t n, int *named)
{
	const char *conf = conf_get("enrich.ipdb"), *sp = st ? store_path(st) : NULL;
	char *copy;

	*named = conf && *conf;
	if (*named || !sp || strstr(sp, "://") || !(copy = strdup(sp))) {
		ipdb_default_path(NULL, out, n);
		return;
	}
	snprintf(out, n, "%s/vigia.ipdb", dirname(copy));
	free(copy);
}

static int en_init(void **state, struct store *st, struct verr *err)
{
	struct enrich_stage *s = calloc(1, sizeof(*s));
	struct enrich_overwrite ow = { 0 };
	struct ipdb *db = NULL;
	struct constituency *c = NULL;
	char *path;
	size_t orgs = 0, certs = 0;
	int named, rc;

	if (err) { /* what goes wrong here is no file's (the caller's err may name one) */
		err->file = NULL;
		err->line = 0;
	}
	if (!s)
		return verr_set(err, V_ERR_NOMEM, "", "%s", vres_str(V_ERR_NOMEM));
	*state = s;
	if (!conf_get_bool("enrich.enabled"))
		return V_OK;
	if ((rc = enrich_overwrite_parse(conf_get("enrich.overwrite"), &ow, err)) != V_OK) {
		char field[sizeof(err->field)];
		snprintf(field, sizeof(field), "%s", err->field);
		snprintf(err->field, sizeof(err->field), "enrich.overwrite: %.40s", field);
		return rc;
	}
	path = s->path;
	en_ipdb_path(st, path, sizeof(s->path), &named);
	if (named || access(path, F_OK) == 0 || errno != ENOENT) {
		struct verr ie = { 0 };
		if ((rc = ipdb_open(path, 0, &db, &ie)) != V_OK) {
			/* err outlives the stage (freed on failure): the path goes into the reason */
			char reason[sizeof(ie.reason)];
			snprintf(reason, sizeof(reason), "%s", ie.reason);
			return verr_set(err, rc, ie.field, "%.*s: %s", 1024, path, reason);
		}
	}
	if (st) {
		if ((rc = constituency_load(st, &c, err)) != V_OK) {
			ipdb_close(db);
			return rc;
		}
		constituency_counts(c, &orgs, NULL, &certs);
		if (!orgs && !certs) {
			constituency_free(c);
			c = NULL;
		}
	}
	if (!db)
		log_info(_("enrichment: no IP index at %s (build one with 'vigia ipdb build', or "
			   "set enrich.ipdb): no network, AS or country is added"), path);
	else if (!c)
		log_info(_("enrichment: IP index %s; no constituency: no abuse contact is added"),
			 path);
	else
		log_info(_("enrichment: IP index %s; constituency of %zu organisations and %zu "
			   "partner CERTs"), path, orgs, certs);
	if (!db && !c)
		return V_OK;
	if (!(s->scratch = event_new())) {
		ipdb_close(db);
		constituency_free(c);
		return verr_set(err, V_ERR_NOMEM, "", "%s", vres_str(V_ERR_NOMEM));
	}
	return enrich_new(db, c, &ow, &s->e, err);
}

static int en_process(void *state, struct pipe_event *pe, struct verr *err)
{
	struct enrich_stage *s = state;
	const struct event *out;
	struct verr ve = { 0 };

	(void)err;
	pe->enriched = 0;
	if (!s->e)
		return V_OK;
	if (enrich_event(s->e, pe->ev, s->scratch, &out, &pe->enriched, &ve) != V_OK) {
		/* the event goes on as it came: losing its attribution beats losing it */
		if (!s->failed++)
			log_warn(_("enrichment: an event is passed on without its attribution: "
				   "%s: %s (further ones are only counted)"), ve.field, ve.reason);
		return V_OK;
	}
	pe->ev = out;
	return V_OK;
}

static void en_sync(void *state, int committed)
{
	struct enrich_stage *s = state;
	const struct ipdb *db;
	struct ipdb *fresh;
	struct verr e = { 0 };

	(void)committed;
	if (!s->e || !(db = enrich_ipdb(s->e)) || !ipdb_changed(db))
		return;
	/* ipdb update replaced the index: take the new one between two transactions */
	if (ipdb_open(ipdb_path(db), 0, &fresh, &e) != V_OK) {
		log_warn(_("enrichment: the IP index changed but the new one cannot be opened "
			   "(%s); going on with the old one"), e.reason);
		return;
	}
	log_info(_("enrichment: IP index %s was updated: using the new one"), ipdb_path(fresh));
	enrich_set_ipdb(s->e, fresh);
}

const struct stage_ops stage_enrich = {
	.name = "enrich", .init = en_init, .process = en_process, .sync = en_sync,
	.fini = en_fini,
};

static int st_init(void **state, struct store *st, struct verr *err)
{
	(void)err;
	*state = st;
	return V_OK;
}

static int st_process(void *state, struct pipe_event *pe, struct verr *err)
{
	struct store *st = state;
	int rc;

	pe->repeat = 0;
	/* the filter (dedup stage) knows only this process's events when others store at the
	 * same time: then the store decides, every time */
	if (!pe->maybe_repeat && !store_concurrent(st))
		rc = store_event_insert(st, pe->batch, pe->ev, pe->fingerprint, &pe->event_id, err);
	else
		rc = store_event_put(st, pe->batch, pe->ev, pe->fingerprint, pe->window_start,
				     &pe->event_id, &pe->repeat, err);
	if (rc != V_OK)
		return rc;
	return pe->repeat ? V_SKIP : V_OK;
}

const struct stage_ops stage_store = {
	.name = "store", .init = st_init, .process = st_process,
};

struct agg_stage {
	struct store *st;
	struct aggregate *ag;
};

static int ag_init(void **state, struct store *st, struct verr *err)
{
	struct agg_stage *s = calloc(1, sizeof(*s));
	struct aggregate_options o = { 0 };
	static const char *const dl[4] = { "incidents.deadline_p1", "incidents.deadline_p2",
					    "incidents.deadline_p3", "incidents.deadline_p4" };
	int rc;

	if (!s)
		return verr_set(err, V_ERR_NOMEM, "", "%s", vres_str(V_ERR_NOMEM));
	s->st = st;
	o.rules_path = conf_get("aggregate.rules");
	for (int i = 0; i < 4; i++)
		o.deadline[i] = conf_get_int(dl[i]);
	if ((rc = aggregate_new(&o, &s->ag, err)) != V_OK) {
		free(s);
		return rc;
	}
	*state = s;
	return V_OK;
}

static int ag_process(void *state, struct pipe_event *pe, struct verr *err)
{
	struct agg_stage *s = state;
	return aggregate_event(s->ag, s->st, pe, err);
}

static void ag_sync(void *state, int committed)
{
	aggregate_sync(((struct agg_stage *)state)->ag, committed);
}

static void ag_fini(void *state)
{
	struct agg_stage *s = state;

	if (s)
		aggregate_free(s->ag);
	free(s);
}

const struct stage_ops stage_aggregate = {
	.name = "aggregate", .init = ag_init, .process = ag_process, .sync = ag_sync,
	.fini = ag_fini,
};

struct cor_stage {
	struct store *st;
	struct wlists *wl;
	struct correlate *c;
};

static void cor_fini(void *state)
{
	struct cor_stage *s = state;
	struct verr e;

	if (!s)
		return;
	if (s->c && s->st && correlate_save(s->c, s->st, &e) != V_OK)
		log_warn("%s", e.reason);
	correlate_free(s->c);
	wlists_free(s->wl);
	free(s);
}

static int cor_init(void **state, struct store *st, struct verr *err)
{
	struct cor_stage *s = calloc(1, sizeof(*s));
	const char *when, *path;
	int rc;

	if (!s || !(s->wl = wlists_new())) {
		free(s);
		return verr_set(err, V_ERR_NOMEM, "", "%s", vres_str(V_ERR_NOMEM));
	}
	s->st = st;
	if ((rc = wlists_load(s->wl, conf_get("correlate.warninglists"), err)) != V_OK) {
		cor_fini(s);
		return rc;
	}
	if (!(s->c = correlate_new(s->wl))) {
		cor_fini(s);
		return verr_set(err, V_ERR_NOMEM, "", "%s", vres_str(V_ERR_NOMEM));
	}
	when = conf_get("correlate.index");
	correlate_use_index(s->c, (size_t)conf_get_int("correlate.index_memory"),
			    when && !strcmp(when, "always") ? CORRELATE_INDEX_ALWAYS
			    : when && !strcmp(when, "never") ? CORRELATE_INDEX_NEVER
							     : CORRELATE_INDEX_AUTO);
	/* kept beside an SQLite store's file (not one in memory) */
	path = store_path(st);
	if (path && *path && strcmp(path, ":memory:") != 0 && !strstr(path, "://")) {
		struct buf b;
		buf_init(&b, 0);
		buf_puts(&b, path);
		buf_puts(&b, ".indidx");
		correlate_index_file(s->c, buf_cstr(&b));
		buf_fini(&b);
	}
	*state = s;
	return V_OK;
}

static int cor_process(void *state, struct pipe_event *pe, struct verr *err)
{
	struct cor_stage *s = state;
	return correlate_event(s->c, s->st, pe, err);
}

static void cor_sync(void *state, int committed)
{
	correlate_sync(((struct cor_stage *)state)->c, committed);
}

const struct stage_ops stage_correlate = {
	.name = "correlate", .init = cor_init, .process = cor_process, .sync = cor_sync,
	.fini = cor_fini,
};

/* ---- the chain ------------------------------------------------------------------------------- */

static const struct stage_ops *const chain[] = {
	&stage_fingerprint, &stage_dedup, &stage_enrich, &stage_urlcheck, &stage_store,
	&stage_aggregate,
	&stage_correlate,
};
#define NSTAGES (sizeof(chain) / sizeof(chain[0]))
_Static_assert(NSTAGES == PIPELINE_STAGES, "pipeline.h counts the stages");

const char *pipeline_stage_name(size_t i)
{
	return i < NSTAGES ? chain[i]->name : NULL;
}

const struct stage_ops *pipeline_stage(size_t i)
{
	return i < NSTAGES ? chain[i] : NULL;
}

static uint64_t clock_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

/* This thread's CPU time (a system call: read only when cpu is asked for). */
static uint64_t cpu_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
	return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

struct pipeline {
	int cpu;             /* also measure CPU time per stage (log.level=debug) */
	void *state[NSTAGES];
	struct pipeline_stats stats;
	struct smap touched; /* incidents that gained events in this run (incidents_updated) */
};

void pipeline_free(struct pipeline *pl)
{
	if (!pl)
		return;
	for (size_t i = 0; i < NSTAGES; i++)
		if (pl->state[i] && chain[i]->fini)
			chain[i]->fini(pl->state[i]);
	smap_fini(&pl->touched);
	free(pl);
}

int pipeline_new(struct store *st, struct pipeline **out, struct verr *err)
{
	struct pipeline *pl = calloc(1, sizeof(*pl));
	int rc;

	*out = NULL;
	if (!pl)
		return verr_set(err, V_ERR_NOMEM, "", "%s", vres_str(V_ERR_NOMEM));
	smap_init(&pl->touched, SIZE_MAX);
	pl->cpu = log_min_level() <= LOG_DEBUG;
	for (size_t i = 0; i < NSTAGES; i++)
		if ((rc = chain[i]->init(&pl->state[i], st, err)) != V_OK) {
			pipeline_free(pl);
			return rc;
		}
	*out = pl;
	return V_OK;
}

int pipeline_event(struct pipeline *pl, int64_t batch, const struct event *ev, struct verr *err)
{
	struct pipe_event pe;
	int rc = V_OK, added;
	uint64_t t0 = clock_ns(), t1, c0 = pl->cpu ? cpu_ns() : 0, c1;

	pipe_event_init(&pe, ev, batch, (int64_t)time(NULL));
	pl->stats.events++;
	for (size_t i = 0; i < NSTAGES; i++) {
		rc = chain[i]->process(pl->state[i], &pe, err);
		t1 = clock_ns();
		pl->stats.stage_ns[i] += t1 - t0;
		t0 = t1;
		if (pl->cpu) {
			c1 = cpu_ns();
			pl->stats.stage_cpu_ns[i] += c1 - c0;
			c0 = c1;
		}
		if (rc == V_SKIP)
			break;
		if (rc != V_OK)
			return rc;
	}
	if (pe.enriched)
		pl->stats.enriched++;
	if (pe.repeat) {
		pl->stats.repeats++;
		return V_OK;
	}
	pl->stats.stored++;
	pl->stats.links += (uint64_t)pe.links;
	pl->stats.common += (uint64_t)pe.common;
	if (!pe.incident)
		pl->stats.unaggregated++;
	else if (pe.incident_created) {
		pl->stats.incidents_created++;
		smap_put(&pl->touched, &pe.incident, sizeof(pe.incident), &added);
	} else if (smap_put(&pl->touched, &pe.incident, sizeof(pe.incident), &added) && added)
		pl->stats.incidents_updated++;
	return V_OK;
}

void pipeline_sync(struct pipeline *pl, int committed)
{
	for (size_t i = 0; i < NSTAGES; i++)
		if (chain[i]->sync)
			chain[i]->sync(pl->state[i], committed);
}

const struct pipeline_stats *pipeline_stats(const struct pipeline *pl)
{
	return &pl->stats;
}

void pipeline_stats_restore(struct pipeline *pl, const struct pipeline_stats *was)
{
	uint64_t updated = pl->stats.incidents_updated;

	pl->stats = *was;
	pl->stats.incidents_updated = updated;
}
