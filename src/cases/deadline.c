/*
 * deadline.c — deadlines per priority and escalation.
 *
 * An incident's deadline is the moment its clock started (creation, a change of priority, a
 * reopen) plus the time its priority allows (settings incidents.deadline_p1..p4).  `vigia
 * incidents due` runs cases_due(): every open incident past its deadline is raised one step
 * (P4 → P3 → P2 → P1; P1 stays) and its clock restarts at the new priority, so each deadline
 * that passes is acted on once.  Escalations are changes like any other: they go through
 * cases_apply() and are audited, as actor "vigia".
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "base/conf.h"
#include "base/i18n.h"
#include "base/log.h"
#include "cases/cases.h"

#define ESCALATION_ACTOR "vigia"

int64_t cases_deadline_seconds(int priority)
{
	char name[32];

	if (priority < 1 || priority > 4)
		return 0;
	snprintf(name, sizeof(name), "incidents.deadline_p%d", priority);
	return (int64_t)conf_get_int(name);
}

int64_t cases_deadline_for(int priority, int64_t from)
{
	int64_t secs = cases_deadline_seconds(priority);

	return secs > 0 ? from + secs : 0;
}

int cases_overdue(const struct store_incident *inc, int64_t now)
{
	return cases_state_is_open(inc->state) && !inc->merged_into && inc->deadline > 0 &&
	       inc->deadline < now;
}

struct due_list {
	struct due { int64_t id, deadline; } *v;
	size_t n, size;
	int64_t rows; /* rows of the current page, collected or not */
};

static int collect_due(void *arg, const struct store_incident *inc)
{
	struct due_list *l = arg;

	l->rows++;
	if (inc->deadline <= 0 || inc->merged_into)
		return 0;
	if (l->n == l->size) {
		size_t ns = l->size ? l->size * 2 : 64;
		struct due *v = realloc(l->v, ns * sizeof(*v));
		if (!v)
			return V_ERR_NOMEM;
		l->v = v;
		l->size = ns;
	}
	l->v[l->n].id = inc->id;
	l->v[l->n++].deadline = inc->deadline;
	return 0;
}

static int by_deadline(const void *a, const void *b)
{
	const struct due *x = a, *y = b;

	if (x->deadline != y->deadline)
		return x->deadline < y->deadline ? -1 : 1;
	return x->id < y->id ? -1 : x->id > y->id;
}

struct escalation {
	int old_priority, new_priority;
	int64_t old_deadline, new_deadline;
	int done;
};

static int escalate_step(const struct cases_ctx *cx, void *arg,
			 const struct store_incident *cur, struct store_incident *next,
			 json_t *before, json_t *after, struct verr *err)
{
	struct escalation *e = arg;

	(void)before;
	(void)after;
	(void)err;
	/* checked again inside the transaction: another run may have raised it meanwhile */
	if (!cases_overdue(cur, cx->now))
		return V_SKIP;
	e->old_priority = cur->priority;
	e->old_deadline = cur->deadline;
	next->priority = cur->priority > 1 ? cur->priority - 1 : 1;
	next->deadline = cases_deadline_for(next->priority, cx->now);
	e->new_priority = next->priority;
	e->new_deadline = next->deadline;
	e->done = 1;
	return V_OK;
}

static void warn_escalated(const struct store_incident *inc, const struct escalation *e)
{
	char when[32];

	cases_time_iso(e->old_deadline, when);
	if (e->old_priority != e->new_priority)
		log_warn(_("incident %lld is past its deadline (%s): "
			   "priority raised from P%d to P%d"),
			 (long long)inc->id, when, e->old_priority, e->new_priority);
	else
		log_warn(_("incident %lld is past its deadline (%s) and already P1: "
			   "new deadline set"), (long long)inc->id, when);
}

int cases_due(const struct cases_ctx *cx, int dry_run, cases_due_cb cb, void *arg,
	      int64_t *count, struct verr *err)
{
	struct cases_ctx c = *cx;
	struct store_incident_filter f;
	struct due_list l = { 0 };
	int64_t page = 1000;
	int rc = V_OK;

	if (count)
		*count = 0;
	if (!c.now)
		c.now = (int64_t)time(NULL);
	c.actor = ESCALATION_ACTOR;
	memset(&f, 0, sizeof(f));
	f.open_only = 1;
	f.state = -1;
	f.due_before = c.now;
	f.limit = page;
	/* the whole list first: escalating moves incidents out of the query's result */
	for (;;) {
		l.rows = 0;
		if ((rc = store_incidents_query(c.st, &f, collect_due, &l, err)) != V_OK)
			goto out;
		if (l.rows < page)
			break;
		f.offset += page;
	}
	if (l.n)
		qsort(l.v, l.n, sizeof(l.v[0]), by_deadline);
	for (size_t i = 0; i < l.n; i++) {
		struct escalation e = { 0 };
		struct cases_step step = { l.v[i].id, "escalate", escalate_step, &e };
		struct store_incident inc;
		struct cases_due_item it;

		memset(&inc, 0, sizeof(inc));
		if (!dry_run && (rc = cases_apply(&c, &step, 1, NULL, err)) != V_OK)
			goto out;
		if ((rc = store_incident_get(c.st, l.v[i].id, &inc, err)) != V_OK)
			goto out;
		if (dry_run) {
			if (!cases_overdue(&inc, c.now)) {
				store_incident_free(&inc);
				continue;
			}
			e.old_priority = inc.priority;
			e.old_deadline = inc.deadline;
			e.new_priority = inc.priority > 1 ? inc.priority - 1 : 1;
			e.new_deadline = cases_deadline_for(e.new_priority, c.now);
		} else if (!e.done) {
			store_incident_free(&inc);
			continue;
		} else {
			warn_escalated(&inc, &e);
		}
		it.inc = &inc;
		it.old_priority = e.old_priority;
		it.new_priority = e.new_priority;
		it.old_deadline = e.old_deadline;
		it.new_deadline = e.new_deadline;
		it.escalated = e.done;
		if (count)
			++*count;
		rc = cb ? cb(arg, &it) : 0;
		store_incident_free(&inc);
		if (rc)
			goto out;
	}
out:
	if (rc == V_ERR_NOMEM)
		verr_set(err, rc, NULL, "%s", vres_str(rc));
	free(l.v);
	return rc;
}
