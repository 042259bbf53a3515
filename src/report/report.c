/*
 * report.c — the period report: its figures read from the store's aggregates, and the report
 * as a self-contained HTML document (report.h).
 *
 * Every figure comes from one store_stats() call, so the numbers printed are the store's; the
 * totals are sums of the per-day counts of the same calls.  The HTML carries its CSS inline
 * and its charts as inline SVG (chart.c): no script, no font, no image fetched, so the file
 * opens offline and prints as it shows (a print style sheet keeps charts and tables whole).
 */
#include <stdio.h>
#include <locale.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "base/i18n.h"
#include "report/chart.h"
#include "report/report.h"
#include "report/report_impl.h"

#define DAY 86400

void report_day(int64_t t, char out[16])
{
	time_t tt = (time_t)t;
	struct tm tm;

	if (!gmtime_r(&tt, &tm) || !strftime(out, 16, "%Y-%m-%d", &tm))
		snprintf(out, 16, "-");
}

int report_lang(const char *lang, const char **chosen, struct verr *err)
{
	const char *cur;

	if (!lang || !*lang) {
		cur = setlocale(LC_MESSAGES, NULL);
		*chosen = cur && strncmp(cur, "es", 2) == 0 ? "es" : "en";
		if (getenv("LANGUAGE") && strncmp(getenv("LANGUAGE"), "es", 2) == 0 &&
		    strcmp(cur ? cur : "C", "C") != 0)
			*chosen = "es";
		return V_OK;
	}
	if (strcmp(lang, "en") == 0) {
		*chosen = "en";
		setlocale(LC_MESSAGES, "C");
		return V_OK;
	}
	if (strcmp(lang, "es") == 0) {
		*chosen = "es";
		/* LANGUAGE would win over the category: this report is asked for in Spanish */
		unsetenv("LANGUAGE");
		if (setlocale(LC_MESSAGES, "es_ES.UTF-8") || setlocale(LC_MESSAGES, "es_ES.utf8"))
			return V_OK;
		return verr_set(err, V_ERR_INVALID, "lang",
				_("the locale es_ES.UTF-8 is not installed (scripts/deps.sh makes "
				  "it)"));
	}
	return verr_set(err, V_ERR_INVALID, "lang", _("no report language '%s' (es, en)"), lang);
}

/* ---- figures ----------------------------------------------------------------------------- */

struct fill {
	struct report_period *p;
	int64_t *per_day;          /* per-day kinds */
	int64_t *total;
	struct report_top *top;    /* top kinds */
	int64_t *slots;            /* by state, resolve buckets */
	size_t nslots;
	int oom;
};

static int day_index(const struct report_period *p, int64_t day, size_t *i)
{
	if (day < p->first_day)
		return 0;
	*i = (size_t)((day - p->first_day) / DAY);
	return *i < p->ndays;
}

static int fill_row(void *arg, const struct store_stat_row *row)
{
	struct fill *f = arg;
	size_t i;

	if (f->per_day) {
		if (day_index(f->p, row->num, &i))
			f->per_day[i] += row->count;
		*f->total += row->count;
	} else if (f->top) {
		struct report_count *v = realloc(f->top->v, (f->top->n + 1) * sizeof(*v));
		if (!v || !(v[f->top->n].key = strdup(row->key ? row->key : ""))) {
			if (v)
				f->top->v = v;
			f->oom = 1;
			return 1;
		}
		f->top->v = v;
		v[f->top->n++].count = row->count;
	} else if (row->num >= 0 && (size_t)row->num < f->nslots) {
		f->slots[row->num] += row->count;
	}
	return 0;
}

static int stat(struct store *st, struct report_period *p, enum store_stat kind, int64_t limit,
		struct fill *f, struct verr *err)
{
	int rc;

	f->p = p;
	f->oom = 0;
	rc = store_stats(st, kind, p->since, p->until, limit, fill_row, f, err);
	if (rc == V_OK && f->oom)
		rc = verr_set(err, V_ERR_NOMEM, "", _("out of memory"));
	return rc;
}

/* Incidents per day of the largest classifications, the rest as "other". */
struct class_fill {
	struct report_period *p;
	int oom;
};

static int class_row(void *arg, const struct store_stat_row *row)
{
	struct class_fill *f = arg;
	struct report_period *p = f->p;
	size_t i, c;

	if (!day_index(p, row->num, &i))
		return 0;
	for (c = 0; c < p->nclasses; c++)
		if (strcmp(p->classes[c], row->key ? row->key : "") == 0)
			break;
	if (c == p->nclasses)
		c = p->nclasses - 1; /* "other" */
	p->class_per_day[c][i] += row->count;
	return 0;
}

static int classes_per_day(struct store *st, struct report_period *p, struct verr *err)
{
	struct class_fill f = { .p = p };
	size_t n = p->by_class.n < REPORT_CLASSES ? p->by_class.n : REPORT_CLASSES;

	for (size_t c = 0; c < n; c++)
		if (!(p->classes[c] = strdup(p->by_class.v[c].key)))
			return verr_set(err, V_ERR_NOMEM, "", _("out of memory"));
	p->nclasses = n;
	/* the last slot: every other classification (the top list is cut at REPORT_CLASSES + 1
	 * entries, so one more than shown means there are others) */
	if (p->by_class.n > REPORT_CLASSES || n == 0) {
		if (!(p->classes[n] = strdup(n ? _("other") : _("incidents"))))
			return verr_set(err, V_ERR_NOMEM, "", _("out of memory"));
		p->nclasses = n + 1;
	}
	for (size_t c = 0; c < p->nclasses; c++)
		if (!(p->class_per_day[c] = calloc(p->ndays, sizeof(int64_t))))
			return verr_set(err, V_ERR_NOMEM, "", _("out of memory"));
	return store_stats(st, STORE_STAT_INCIDENTS_PER_DAY, p->since, p->until, 0, class_row, &f,
			   err);
}

static int resolve_row(void *arg, const struct store_stat_row *row)
{
	struct report_period *p = arg;

	p->resolve_seconds = row->num;
	p->resolved = row->count;
	return 0;
}

struct notable_fill {
	struct report_period *p;
	size_t cap;
};

/* The ids first; the incidents are read after the walk (one statement at a time). */
static int notable_row(void *arg, int64_t id)
{
	struct notable_fill *f = arg;

	if (f->p->nnotable == f->cap)
		return 1;
	f->p->notable[f->p->nnotable++].id = id;
	return 0;
}

int report_period_load(struct store *st, int64_t since, int64_t until, int top, int notable,
		       struct report_period *p, struct verr *err)
{
	struct fill f = { 0 };
	int rc;

	memset(p, 0, sizeof(*p));
	p->since = since;
	p->until = until;
	p->generated = (int64_t)time(NULL);
	if (until <= since)
		return verr_set(err, V_ERR_INVALID, "", _("the period ends before it starts"));
	p->first_day = since - (since % DAY + DAY) % DAY;
	if ((until - 1 - p->first_day) / DAY + 1 > REPORT_MAX_DAYS)
		return verr_set(err, V_ERR_INVALID, "",
				_("a report covers at most %d days"), REPORT_MAX_DAYS);
	p->ndays = (size_t)((until - 1 - p->first_day) / DAY + 1);
	p->events_per_day = calloc(p->ndays, sizeof(int64_t));
	p->messages_per_day = calloc(p->ndays, sizeof(int64_t));
	if (top < 1)
		top = 10;
	if (notable < 1)
		notable = 10;
	p->notable = calloc((size_t)notable, sizeof(*p->notable));
	if (!p->events_per_day || !p->messages_per_day || !p->notable)
		return verr_set(err, V_ERR_NOMEM, "", _("out of memory"));

	f.per_day = p->events_per_day, f.total = &p->events;
	if ((rc = stat(st, p, STORE_STAT_EVENTS_PER_DAY, 0, &f, err)) != V_OK)
		return rc;
	f.per_day = p->messages_per_day, f.total = &p->messages;
	if ((rc = stat(st, p, STORE_STAT_MESSAGES_PER_DAY, 0, &f, err)) != V_OK)
		return rc;
	f.per_day = NULL;
	f.slots = p->by_state, f.nslots = 6;
	if ((rc = stat(st, p, STORE_STAT_INCIDENTS_BY_STATE, 0, &f, err)) != V_OK)
		return rc;
	for (size_t i = 0; i < 6; i++)
		p->incidents += p->by_state[i];
	f.slots = p->resolve_buckets;
	if ((rc = stat(st, p, STORE_STAT_RESOLVE_BUCKETS, 0, &f, err)) != V_OK)
		return rc;
	f.slots = NULL;
	{
		static const enum store_stat kinds[] = {
			STORE_STAT_INCIDENTS_BY_ORG, STORE_STAT_INCIDENTS_BY_ASN,
			STORE_STAT_INCIDENTS_BY_COUNTRY, STORE_STAT_INCIDENTS_BY_NETWORK,
			STORE_STAT_INCIDENTS_BY_CLASS,
		};
		struct report_top *tops[] = { &p->orgs, &p->asns, &p->countries, &p->networks,
					      &p->by_class };
		for (size_t k = 0; k < sizeof(kinds) / sizeof(kinds[0]); k++) {
			f.top = tops[k];
			/* the classifications: as many as the chart per day draws apart, and one
			 * more to tell whether there are others */
			int64_t lim = kinds[k] == STORE_STAT_INCIDENTS_BY_CLASS ? REPORT_CLASSES + 1
										: top;
			if ((rc = stat(st, p, kinds[k], lim, &f, err)) != V_OK)
				return rc;
		}
		f.top = NULL;
	}
	if ((rc = store_stats(st, STORE_STAT_RESOLVE_TOTAL, since, until, 0, resolve_row, p,
			      err)) != V_OK)
		return rc;
	if ((rc = classes_per_day(st, p, err)) != V_OK)
		return rc;
	{
		struct notable_fill nf = { .p = p, .cap = (size_t)notable };
		rc = store_incidents_notable(st, since, until, notable, notable_row, &nf, err);
		if (rc != V_OK)
			return rc;
		for (size_t i = 0; i < p->nnotable; i++) {
			int64_t id = p->notable[i].id;
			memset(&p->notable[i], 0, sizeof(p->notable[i]));
			if ((rc = store_incident_get(st, id, &p->notable[i], err)) != V_OK) {
				p->nnotable = i;
				return rc;
			}
		}
	}
	return V_OK;
}

void report_period_fini(struct report_period *p)
{
	struct report_top *tops[] = { &p->orgs, &p->asns, &p->countries, &p->networks,
				      &p->by_class };

	free(p->events_per_day);
	free(p->messages_per_day);
	for (size_t c = 0; c <= REPORT_CLASSES; c++) {
		free(p->classes[c]);
		free(p->class_per_day[c]);
	}
	for (size_t k = 0; k < sizeof(tops) / sizeof(tops[0]); k++) {
		for (size_t i = 0; i < tops[k]->n; i++)
			free(tops[k]->v[i].key);
		free(tops[k]->v);
	}
	for (size_t i = 0; i < p->nnotable; i++)
		store_incident_free(&p->notable[i]);
	free(p->notable);
	memset(p, 0, sizeof(*p));
}

/* ---- the charts, for both renderers -------------------------------------------------------- */

static const char *state_label(int s)
{
	switch (s) {
	case IS_NEW: return _("new");
	case IS_OPEN: return _("open");
	case IS_IN_PROGRESS: return _("in progress");
	case IS_WAITING: return _("waiting");
	case IS_RESOLVED: return _("resolved");
	default: return _("closed");
	}
}

const char *report_state_label(int s)
{
	return state_label(s);
}

static int top_chart(struct report_charts *rc, const char *title, const struct report_top *t)
{
	struct chart *c = &rc->c[rc->n];
	double *v = calloc(t->n ? t->n : 1, sizeof(double));
	const char **l = calloc(t->n ? t->n : 1, sizeof(char *));

	rc->owned[rc->nowned++] = v;
	rc->owned[rc->nowned++] = l;
	if (!v || !l)
		return V_ERR_NOMEM;
	for (size_t i = 0; i < t->n; i++) {
		v[i] = (double)t->v[i].count;
		l[i] = t->v[i].key;
	}
	rc->series[rc->n][0].values = v;
	*c = (struct chart){ .kind = CHART_BARS, .title = title, .labels = l, .nlabels = t->n,
			     .series = rc->series[rc->n], .nseries = 1 };
	rc->n++;
	return V_OK;
}

static int slot_chart(struct report_charts *rc, const char *title, const int64_t *slots,
		      const char *const *names, size_t n)
{
	struct chart *c = &rc->c[rc->n];
	double *v = calloc(n, sizeof(double));

	rc->owned[rc->nowned++] = v;
	if (!v)
		return V_ERR_NOMEM;
	for (size_t i = 0; i < n; i++)
		v[i] = (double)slots[i];
	rc->series[rc->n][0].values = v;
	*c = (struct chart){ .kind = CHART_BARS, .title = title, .labels = (const char **)names,
			     .nlabels = n, .series = rc->series[rc->n], .nseries = 1 };
	rc->n++;
	return V_OK;
}

static int day_chart(struct report_charts *rc, enum chart_kind kind, const char *title,
		     const int64_t *const *per_day, const char *const *names, size_t nseries,
		     const struct report_period *p)
{
	struct chart *c = &rc->c[rc->n];

	for (size_t s = 0; s < nseries; s++) {
		double *v = calloc(p->ndays, sizeof(double));
		rc->owned[rc->nowned++] = v;
		if (!v)
			return V_ERR_NOMEM;
		for (size_t i = 0; i < p->ndays; i++)
			v[i] = (double)per_day[s][i];
		rc->series[rc->n][s].values = v;
		rc->series[rc->n][s].name = names ? names[s] : NULL;
	}
	*c = (struct chart){ .kind = kind, .title = title, .labels = (const char **)rc->days,
			     .nlabels = p->ndays, .series = rc->series[rc->n], .nseries = nseries };
	rc->n++;
	return V_OK;
}

int report_charts_build(const struct report_period *p, struct report_charts *rc)
{
	static const char *const bucket_names[6] = {
		N_("under 1 hour"), N_("1 to 4 hours"), N_("4 to 24 hours"), N_("1 to 3 days"),
		N_("3 to 7 days"), N_("over 7 days"),
	};
	const int64_t *ev[1] = { p->events_per_day }, *msg[1] = { p->messages_per_day };
	int rc_ = V_OK;

	memset(rc, 0, sizeof(*rc));
	if (!(rc->days = calloc(p->ndays, sizeof(char *))) ||
	    !(rc->dayspace = malloc(p->ndays * 16)))
		return V_ERR_NOMEM;
	for (size_t i = 0; i < p->ndays; i++) {
		rc->days[i] = rc->dayspace + i * 16;
		report_day(p->first_day + (int64_t)i * DAY, rc->days[i]);
	}
	for (size_t i = 0; i < 6; i++) {
		rc->states[i] = state_label((int)i);
		rc->buckets[i] = _(bucket_names[i]);
	}
	rc_ = day_chart(rc, CHART_COLUMNS, _("Incidents per day, by classification"),
			(const int64_t *const *)p->class_per_day, (const char *const *)p->classes,
			p->nclasses, p);
	if (rc_ == V_OK)
		rc_ = day_chart(rc, CHART_LINES, _("Events per day"), ev, NULL, 1, p);
	if (rc_ == V_OK)
		rc_ = day_chart(rc, CHART_LINES, _("Notifications sent per day"), msg, NULL, 1, p);
	if (rc_ == V_OK)
		rc_ = top_chart(rc, _("Most affected organisations (incidents)"), &p->orgs);
	if (rc_ == V_OK)
		rc_ = top_chart(rc, _("Most affected autonomous systems (incidents)"), &p->asns);
	if (rc_ == V_OK)
		rc_ = top_chart(rc, _("Most affected countries (incidents)"), &p->countries);
	if (rc_ == V_OK)
		rc_ = top_chart(rc, _("Most affected networks (incidents)"), &p->networks);
	if (rc_ == V_OK)
		rc_ = slot_chart(rc, _("Incidents of the period by state now"), p->by_state,
				 rc->states, 6);
	if (rc_ == V_OK)
		rc_ = slot_chart(rc, _("Time to resolve"), p->resolve_buckets, rc->buckets, 6);
	return rc_;
}

void report_charts_fini(struct report_charts *rc)
{
	for (size_t i = 0; i < rc->nowned; i++)
		free(rc->owned[i]);
	free(rc->days);
	free(rc->dayspace);
	memset(rc, 0, sizeof(*rc));
}
