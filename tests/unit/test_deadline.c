/*
 * test_deadline.c — deadlines per priority and escalation (src/cases/deadline.c): the settings
 * and their durations, deadlines recomputed when the priority changes or an incident reopens,
 * and cases_due(): a dry run changes nothing; a real run raises each overdue open incident one
 * step (P1 stays P1), restarts its clock, audits it as "vigia", and acts once per deadline.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "base/conf.h"
#include "base/log.h"
#include "cases/cases.h"
#include "store/store.h"
#include "tap.h"

#define T0 1795082400 /* 2026-11-19T10:00:00Z */
#define HOUR 3600
#define DAY 86400

static struct store *st;
static char dir[] = "/tmp/vigia-test-deadline-XXXXXX";

static int64_t mk(enum incident_state s, int priority, int64_t deadline)
{
	static int n;
	struct store_incident inc;
	struct verr e = { 0 };
	char key[32];
	int64_t id = 0;

	memset(&inc, 0, sizeof(inc));
	snprintf(key, sizeof(key), "k%d", ++n);
	inc.rule = "test";
	inc.key = key;
	inc.state = s;
	inc.resolution = s >= IS_RESOLVED ? "true-positive" : NULL;
	inc.priority = priority;
	inc.deadline = deadline;
	inc.created = T0 - DAY;
	if (store_incident_create(st, &inc, &id, &e) != V_OK)
		printf("# create: %s\n", e.reason);
	return id;
}

static struct store_incident get(int64_t id)
{
	struct store_incident inc;
	struct verr e = { 0 };

	store_incident_get(st, id, &inc, &e);
	return inc;
}

static void test_settings(void)
{
	struct verr e = { 0 };
	long long v;
	static const struct { const char *s; long long v; } good[] = {
		{ "0", 0 }, { "90", 90 }, { "90s", 90 }, { "30m", 1800 }, { "4h", 14400 },
		{ "3d", 259200 }, { "2w", 1209600 }, { "1H", 3600 },
	};
	static const char *const bad[] = { "", "h", "4hh", "-1", " 4h", "4 h", "1.5h", "4y",
					   "99999999999999999999", "9999999999999w" };
	int fails = 0;

	is_int(cases_deadline_seconds(1), 4 * HOUR, "P1 default 4h");
	is_int(cases_deadline_seconds(2), DAY, "P2 default 1d");
	is_int(cases_deadline_seconds(3), 3 * DAY, "P3 default 3d");
	is_int(cases_deadline_seconds(4), 7 * DAY, "P4 default 7d");
	is_int(cases_deadline_seconds(0) + cases_deadline_seconds(5), 0, "no such priority: none");
	for (size_t i = 0; i < sizeof(good) / sizeof(good[0]); i++)
		if (conf_parse_duration(good[i].s, &v) != 0 || v != good[i].v) {
			printf("# '%s'\n", good[i].s);
			fails++;
		}
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		if (conf_parse_duration(bad[i], &v) == 0) {
			printf("# '%s' accepted\n", bad[i]);
			fails++;
		}
	ok(!fails, "durations parsed; malformed ones refused");
	ok(conf_set("incidents.deadline_p2", "lots", &e) == V_ERR_USAGE &&
	   !strcmp(e.field, "incidents.deadline_p2"), "a bad setting is refused, named");
	ok(conf_set("incidents.deadline_p2", "90m", &e) == V_OK &&
	   cases_deadline_seconds(2) == 5400, "settings change the deadline");
	is_int(cases_deadline_for(2, T0), T0 + 5400, "deadline = clock start + the priority's");
	conf_set("incidents.deadline_p2", "0", &e);
	is_int(cases_deadline_for(2, T0), 0, "0: no deadline");
	conf_set("incidents.deadline_p2", "1d", &e);
}

static void test_recompute(void)
{
	struct cases_ctx cx = { st, "tester", T0 };
	struct cases_change ch;
	struct verr e = { 0 };
	struct store_incident inc;
	int64_t id = mk(IS_OPEN, 4, T0 + 6 * DAY);

	cases_change_init(&ch);
	ch.owner = "ana";
	cases_set(&cx, id, &ch, NULL, NULL, &e);
	inc = get(id);
	is_int(inc.deadline, T0 + 6 * DAY, "other changes keep the deadline");
	store_incident_free(&inc);
	cases_change_init(&ch);
	ch.priority = 1;
	cases_set(&cx, id, &ch, NULL, NULL, &e);
	inc = get(id);
	is_int(inc.deadline, T0 + 4 * HOUR, "a new priority restarts the clock at its deadline");
	store_incident_free(&inc);
	cx.now = T0 + HOUR;
	cases_set(&cx, id, &ch, NULL, NULL, &e);
	inc = get(id);
	is_int(inc.deadline, T0 + 4 * HOUR, "the same priority again does not");
	store_incident_free(&inc);
	cases_close(&cx, id, "indeterminate", &e);
	cx.now = T0 + 2 * DAY;
	cases_reopen(&cx, id, &e);
	inc = get(id);
	is_int(inc.deadline, T0 + 2 * DAY + 4 * HOUR, "reopening restarts the clock");
	ok(!cases_overdue(&inc, T0 + 2 * DAY + 4 * HOUR) &&
	   cases_overdue(&inc, T0 + 2 * DAY + 4 * HOUR + 1), "overdue once the deadline passed");
	store_incident_free(&inc);
}

struct seen {
	int n;
	int64_t ids[16];
	int old_p[16], new_p[16], escalated[16];
	int64_t new_dl[16];
};

static int record(void *arg, const struct cases_due_item *it)
{
	struct seen *s = arg;

	if (s->n < 16) {
		s->ids[s->n] = it->inc->id;
		s->old_p[s->n] = it->old_priority;
		s->new_p[s->n] = it->new_priority;
		s->new_dl[s->n] = it->new_deadline;
		s->escalated[s->n] = it->escalated;
	}
	s->n++;
	return 0;
}

struct audit_last {
	int n;
	char actor[32], action[32], after[256];
};

static int last_audit(void *arg, const struct store_audit *a)
{
	struct audit_last *l = arg;

	l->n++;
	snprintf(l->actor, sizeof(l->actor), "%s", a->actor);
	snprintf(l->action, sizeof(l->action), "%s", a->action);
	snprintf(l->after, sizeof(l->after), "%s", a->after);
	return 0;
}

static struct audit_last audit_of(int64_t id)
{
	struct audit_last l = { 0 };
	struct verr e = { 0 };
	char object[32];

	snprintf(object, sizeof(object), "incident:%lld", (long long)id);
	store_audit_list(st, object, last_audit, &l, &e);
	return l;
}

static void test_due(void)
{
	struct cases_ctx cx = { st, "tester", T0 };
	struct verr e = { 0 };
	struct seen s = { 0 };
	struct store_incident inc;
	struct audit_last al;
	int64_t n = -1;
	int64_t p3 = mk(IS_OPEN, 3, T0 - 10);           /* due: P3 → P2 */
	int64_t p1 = mk(IS_IN_PROGRESS, 1, T0 - 100);   /* due, already P1 */
	int64_t later = mk(IS_OPEN, 4, T0 + 10);        /* not yet */
	int64_t done = mk(IS_RESOLVED, 2, T0 - 10);     /* resolved: never due */
	int64_t none = mk(IS_OPEN, 3, 0);               /* no deadline */
	int64_t p4 = mk(IS_WAITING, 4, T0 - 5);         /* due: P4 → P3 */
	int64_t at = mk(IS_OPEN, 2, T0);                /* deadline now: not past yet */

	(void)done;
	(void)none;
	(void)at;
	ok(cases_due(&cx, 1, record, &s, &n, &e) == V_OK && n == 3 && s.n == 3,
	   "dry run lists the three overdue incidents");
	ok(s.ids[0] == p1 && s.ids[1] == p3 && s.ids[2] == p4, "oldest deadline first");
	ok(!s.escalated[0] && s.new_p[1] == 2 && s.new_p[2] == 3, "dry run says what it would do");
	inc = get(p3);
	ok(inc.priority == 3 && inc.deadline == T0 - 10 && audit_of(p3).n == 0,
	   "... and changes nothing");
	store_incident_free(&inc);

	memset(&s, 0, sizeof(s));
	ok(cases_due(&cx, 0, record, &s, &n, &e) == V_OK && n == 3, "escalation run");
	inc = get(p3);
	ok(inc.priority == 2 && inc.deadline == T0 + DAY, "P3 raised to P2, deadline 1d from now");
	store_incident_free(&inc);
	inc = get(p4);
	ok(inc.priority == 3 && inc.deadline == T0 + 3 * DAY, "P4 raised to P3");
	store_incident_free(&inc);
	inc = get(p1);
	ok(inc.priority == 1 && inc.deadline == T0 + 4 * HOUR, "P1 stays P1 with a new deadline");
	store_incident_free(&inc);
	ok(s.escalated[0] && s.old_p[1] == 3 && s.new_p[1] == 2, "callback sees what was done");
	al = audit_of(p3);
	ok(al.n == 1 && !strcmp(al.actor, "vigia") && !strcmp(al.action, "escalate") &&
	   strstr(al.after, "\"priority\":2"), "audited as vigia/escalate (%s)", al.after);
	al = audit_of(p1);
	ok(al.n == 1 && !strstr(al.after, "priority") && strstr(al.after, "deadline"),
	   "P1: only the new deadline audited");

	ok(cases_due(&cx, 0, NULL, NULL, &n, &e) == V_OK && n == 0,
	   "run again at the same time: each deadline acts once");
	ok(audit_of(p3).n == 1, "... no further audit entries");

	cx.now = T0 + DAY + 1;
	memset(&s, 0, sizeof(s));
	ok(cases_due(&cx, 0, record, &s, &n, &e) == V_OK && n == 4,
	   "a day later: the two whose new deadline passed, and the two due since");
	inc = get(p3);
	ok(inc.priority == 1, "P2 raised to P1 at its next deadline");
	store_incident_free(&inc);
	inc = get(p4);
	ok(inc.priority == 3, "P3 (3d) not yet");
	store_incident_free(&inc);
	inc = get(later);
	ok(inc.priority == 3, "P4 raised once its deadline passed");
	store_incident_free(&inc);
}

int main(void)
{
	struct verr e = { 0 };
	char path[128];
	int64_t checked = 0, bad = 0;

	conf_init();
	log_setup(LOG_ERROR, LOG_TEXT); /* the escalation warnings are expected */
	if (!mkdtemp(dir)) {
		perror("mkdtemp");
		return 1;
	}
	snprintf(path, sizeof(path), "%s/t.db", dir);
	if (store_open(tap_store_path(path), &st, &e) != V_OK) {
		printf("# store_open: %s\n", e.reason);
		return 1;
	}
	test_settings();
	test_recompute();
	test_due();
	ok(store_audit_verify(st, &checked, &bad, &e) == V_OK, "audit chain verifies");
	store_close(st);
	snprintf(path, sizeof(path), "rm -rf '%s'", dir);
	if (system(path) != 0)
		printf("# could not remove %s\n", dir);
	conf_fini();
	return done_testing();
}
