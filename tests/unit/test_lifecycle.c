/*
 * test_lifecycle.c — the incident as a case (src/cases/lifecycle.c) against a real store:
 * every pair of states is tried (allowed ones change the incident and write one audit entry,
 * refused ones change nothing and write none); a resolution is required to resolve or close;
 * markings are validated; audit entries carry actor, action and the changed fields before and
 * after; merges move events and postings; notes, attachments and links are audited; and the
 * audit chain verifies at the end.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "base/conf.h"
#include "cases/cases.h"
#include "store/store.h"
#include "tap.h"

static struct store *st;
static char dir[] = "/tmp/vigia-test-lifecycle-XXXXXX";
static int nkey;

static int64_t mk(enum incident_state s, const char *resolution, int priority)
{
	struct store_incident inc;
	struct verr e = { 0 };
	char key[32];
	int64_t id = 0;

	memset(&inc, 0, sizeof(inc));
	snprintf(key, sizeof(key), "198.51.100.%d|scanner", ++nkey);
	inc.rule = "test";
	inc.key = key;
	inc.state = s;
	inc.resolution = resolution;
	inc.priority = priority;
	inc.classification_type = "scanner";
	inc.taxonomy = "information-gathering";
	if (store_incident_create(st, &inc, &id, &e) != V_OK)
		printf("# create: %s\n", e.reason);
	return id;
}

struct audits {
	int n;
	json_t *last_before, *last_after;
	char actor[64], action[32];
};

static int count_audit(void *arg, const struct store_audit *a)
{
	struct audits *c = arg;

	c->n++;
	json_decref(c->last_before);
	json_decref(c->last_after);
	c->last_before = json_loads(a->before, 0, NULL);
	c->last_after = json_loads(a->after, 0, NULL);
	snprintf(c->actor, sizeof(c->actor), "%s", a->actor ? a->actor : "");
	snprintf(c->action, sizeof(c->action), "%s", a->action ? a->action : "");
	return 0;
}

/* The audit entries of an incident; the last one's before/after stay in *c (caller frees). */
static int audits_of(int64_t id, struct audits *c)
{
	char object[32];
	struct verr e = { 0 };

	memset(c, 0, sizeof(*c));
	snprintf(object, sizeof(object), "incident:%lld", (long long)id);
	store_audit_list(st, object, count_audit, c, &e);
	return c->n;
}

static void audits_free(struct audits *c)
{
	json_decref(c->last_before);
	json_decref(c->last_after);
}

static struct store_incident get(int64_t id)
{
	struct store_incident inc;
	struct verr e = { 0 };

	store_incident_get(st, id, &inc, &e);
	return inc;
}

/* The lifecycle as the issue states it, written out independently of lifecycle.c's table. */
static const char *const allowed[] = {
	"new>open", "new>in_progress", "new>resolved", "new>closed",
	"open>in_progress", "open>waiting", "open>resolved", "open>closed",
	"in_progress>waiting", "in_progress>resolved", "in_progress>closed",
	"waiting>in_progress", "waiting>resolved", "waiting>closed",
	"resolved>open", "resolved>closed",
	"closed>open",
	NULL
};

static int expect_allowed(enum incident_state a, enum incident_state b)
{
	char pair[64];

	snprintf(pair, sizeof(pair), "%s>%s", cases_state_name(a), cases_state_name(b));
	for (size_t i = 0; allowed[i]; i++)
		if (!strcmp(allowed[i], pair))
			return 1;
	return 0;
}

static void test_transitions(const struct cases_ctx *cx)
{
	int bad_table = 0, bad_apply = 0, bad_audit = 0;

	for (int a = 0; a < CASES_NSTATES; a++) {
		for (int b = 0; b < CASES_NSTATES; b++) {
			int want = expect_allowed(a, b);
			struct cases_change ch;
			struct verr e = { 0 };
			struct audits au;
			int64_t id;
			int rc, changed = -1;

			if (cases_transition_allowed(a, b) != want) {
				printf("# table: %s -> %s is %d, want %d\n", cases_state_name(a),
				       cases_state_name(b), !want, want);
				bad_table++;
			}
			id = mk(a, a >= IS_RESOLVED ? "true-positive" : NULL, 3);
			cases_change_init(&ch);
			ch.state = b;
			if (b >= IS_RESOLVED && a != b)
				ch.resolution = "false-positive";
			rc = cases_set(cx, id, &ch, NULL, &changed, &e);
			struct store_incident inc = get(id);
			if (a == b) {
				/* not a transition: nothing to do, nothing refused */
				if (rc != V_OK || changed != 0 ||
				    inc.state != (enum incident_state)a)
					bad_apply++;
			} else if (want) {
				if (rc != V_OK || inc.state != (enum incident_state)b) {
					printf("# %s -> %s refused: %s\n", cases_state_name(a),
					       cases_state_name(b), e.reason);
					bad_apply++;
				}
			} else if (rc != V_ERR_INVALID || inc.state != (enum incident_state)a) {
				printf("# %s -> %s was not refused (rc %d)\n", cases_state_name(a),
				       cases_state_name(b), rc);
				bad_apply++;
			} else if (!strstr(e.reason, cases_state_name(b))) {
				printf("# refusal does not name the state: %s\n", e.reason);
				bad_apply++;
			}
			if (audits_of(id, &au) != (a != b && want)) {
				printf("# %s -> %s: %d audit entries\n", cases_state_name(a),
				       cases_state_name(b), au.n);
				bad_audit++;
			}
			audits_free(&au);
			store_incident_free(&inc);
		}
	}
	ok(!bad_table, "the transition table is the lifecycle (36 pairs)");
	ok(!bad_apply, "allowed transitions happen, refused ones change nothing");
	ok(!bad_audit, "one audit entry per transition, none for a refusal");
}

static void test_resolution(const struct cases_ctx *cx)
{
	struct cases_change ch;
	struct verr e = { 0 };
	struct store_incident inc;
	int64_t id = mk(IS_OPEN, NULL, 3);
	int rc;

	cases_change_init(&ch);
	ch.state = IS_RESOLVED;
	rc = cases_set(cx, id, &ch, NULL, NULL, &e);
	ok(rc == V_ERR_INVALID && !strcmp(e.field, "resolution"),
	   "resolving without a resolution is refused (%s)", e.reason);
	rc = cases_close(cx, id, NULL, &e);
	ok(rc == V_ERR_INVALID, "closing without a resolution is refused");
	cases_change_init(&ch);
	ch.resolution = "true-positive";
	rc = cases_set(cx, id, &ch, NULL, NULL, &e);
	ok(rc == V_ERR_INVALID, "a resolution on an open incident is refused (%s)", e.reason);
	cases_change_init(&ch);
	ch.state = IS_RESOLVED;
	ch.resolution = "maybe";
	rc = cases_set(cx, id, &ch, NULL, NULL, &e);
	ok(rc == V_ERR_INVALID && strstr(e.reason, "indeterminate"),
	   "an unknown resolution is refused, naming the valid ones");
	ch.resolution = "False_Positive";
	rc = cases_set(cx, id, &ch, NULL, NULL, &e);
	inc = get(id);
	ok(rc == V_OK && inc.state == IS_RESOLVED && inc.resolution &&
	   !strcmp(inc.resolution, "false-positive"), "resolved as false-positive (spelling "
	   "normalised)");
	store_incident_free(&inc);
	rc = cases_close(cx, id, NULL, &e);
	inc = get(id);
	ok(rc == V_OK && inc.state == IS_CLOSED && !strcmp(inc.resolution, "false-positive"),
	   "resolved → closed keeps the resolution");
	store_incident_free(&inc);
	rc = cases_reopen(cx, id, &e);
	inc = get(id);
	ok(rc == V_OK && inc.state == IS_OPEN && !inc.resolution,
	   "reopen clears the resolution");
	store_incident_free(&inc);
	rc = cases_reopen(cx, id, &e);
	ok(rc == V_ERR_INVALID, "reopening an open incident is refused");
	for (const char *const *r = (const char *const[]){ "true-positive", "false-positive",
				     "duplicate", "indeterminate", NULL }; *r; r++) {
		int64_t x = mk(IS_IN_PROGRESS, NULL, 2);
		ok(cases_close(cx, x, *r, &e) == V_OK, "close with %s", *r);
	}
}

static void test_markings(const struct cases_ctx *cx)
{
	static const struct { const char *in, *tlp, *pap; } m[] = {
		{ "CLEAR", "CLEAR", "CLEAR" },
		{ "green", "GREEN", "GREEN" },
		{ "TLP:AMBER", "AMBER", NULL },
		{ "PAP:AMBER", NULL, "AMBER" },
		{ "amber+strict", "AMBER+STRICT", NULL },
		{ "TLP:AMBER+STRICT", "AMBER+STRICT", NULL },
		{ "RED", "RED", "RED" },
		{ "WHITE", NULL, NULL },
		{ "TLP:WHITE", NULL, NULL },
		{ "AMBER STRICT", NULL, NULL },
		{ "", NULL, NULL },
		{ "BLACK", NULL, NULL },
	};
	const char *out;
	struct verr e = { 0 };
	struct cases_change ch;
	struct store_incident inc;
	int bad = 0, p;
	int64_t id;

	for (size_t i = 0; i < sizeof(m) / sizeof(m[0]); i++) {
		int rc = cases_tlp_parse(m[i].in, &out, &e);
		if ((m[i].tlp ? rc != V_OK || strcmp(out, m[i].tlp) : rc != V_ERR_INVALID)) {
			printf("# tlp '%s'\n", m[i].in);
			bad++;
		}
		rc = cases_pap_parse(m[i].in, &out, &e);
		if ((m[i].pap ? rc != V_OK || strcmp(out, m[i].pap) : rc != V_ERR_INVALID)) {
			printf("# pap '%s'\n", m[i].in);
			bad++;
		}
	}
	ok(!bad, "TLP 2.0 and PAP labels validated and spelled canonically");
	cases_tlp_parse("WHITE", &out, &e);
	ok(strstr(e.reason, "CLEAR") != NULL, "TLP:WHITE refused with a pointer to CLEAR");
	ok(cases_impact_parse("High", &out, &e) == V_OK && !strcmp(out, "high") &&
	   cases_impact_parse("severe", &out, &e) == V_ERR_INVALID, "impact validated");
	ok(cases_priority_parse("P1", &p, &e) == V_OK && p == 1 &&
	   cases_priority_parse("4", &p, &e) == V_OK && p == 4 &&
	   cases_priority_parse("P5", &p, &e) == V_ERR_INVALID &&
	   cases_priority_parse("P", &p, &e) == V_ERR_INVALID &&
	   cases_priority_parse("P0", &p, &e) == V_ERR_INVALID, "priorities P1..P4");

	id = mk(IS_OPEN, NULL, 3);
	cases_change_init(&ch);
	ch.tlp = "amber+strict";
	ch.pap = "green";
	ch.impact = "critical";
	ok(cases_set(cx, id, &ch, NULL, NULL, &e) == V_OK, "markings set");
	inc = get(id);
	ok(inc.tlp && !strcmp(inc.tlp, "AMBER+STRICT") && inc.pap && !strcmp(inc.pap, "GREEN") &&
	   inc.impact && !strcmp(inc.impact, "critical"), "markings stored canonically");
	store_incident_free(&inc);
	cases_change_init(&ch);
	ch.tlp = "RED";
	ch.pap = "AMBER+STRICT"; /* not a PAP label: the whole change is refused */
	ok(cases_set(cx, id, &ch, NULL, NULL, &e) == V_ERR_INVALID && !strcmp(e.field, "pap"),
	   "a bad PAP refuses the whole change");
	inc = get(id);
	ok(!strcmp(inc.tlp, "AMBER+STRICT"), "... and the TLP given with it is not applied");
	store_incident_free(&inc);
	cases_change_init(&ch);
	ch.owner = "bad\nowner";
	ok(cases_set(cx, id, &ch, NULL, NULL, &e) == V_ERR_INVALID, "control characters refused");
}

static void test_audit_entries(const struct cases_ctx *cx)
{
	struct cases_change ch;
	struct verr e = { 0 };
	struct audits au;
	char want[32];
	int64_t id = mk(IS_NEW, NULL, 3);
	int changed = 0;

	cases_change_init(&ch);
	ch.owner = "ana";
	ch.priority = 2;
	ch.state = IS_IN_PROGRESS;
	ok(cases_set(cx, id, &ch, NULL, &changed, &e) == V_OK && changed == 1, "set");
	ok(audits_of(id, &au) == 1, "one audit entry");
	is_str(au.actor, "tester", "actor recorded");
	is_str(au.action, "set", "action recorded");
	ok(json_object_size(au.last_before) == 4 && json_object_size(au.last_after) == 4,
	   "only the changed fields: state, owner, priority, deadline");
	ok(json_is_null(json_object_get(au.last_before, "owner")) &&
	   !strcmp(json_string_value(json_object_get(au.last_after, "owner")), "ana"),
	   "owner null → ana");
	ok(json_integer_value(json_object_get(au.last_before, "priority")) == 3 &&
	   json_integer_value(json_object_get(au.last_after, "priority")) == 2, "priority 3 → 2");
	is_str(json_string_value(json_object_get(au.last_before, "state")), "new", "state before");
	is_str(json_string_value(json_object_get(au.last_after, "state")), "in_progress",
	       "state after");
	cases_time_iso(cx->now + 86400, want);
	is_str(json_string_value(json_object_get(au.last_after, "deadline")), want,
	       "deadline recomputed for P2 (1d from now)");
	audits_free(&au);

	changed = -1;
	ok(cases_set(cx, id, &ch, NULL, &changed, &e) == V_OK && changed == 0,
	   "the same change again changes nothing");
	ok(audits_of(id, &au) == 1, "... and writes no audit entry");
	audits_free(&au);

	cases_change_init(&ch);
	ch.owner = "";
	cases_set(cx, id, &ch, NULL, NULL, &e);
	audits_of(id, &au);
	ok(json_is_null(json_object_get(au.last_after, "owner")), "owner cleared with \"\"");
	audits_free(&au);

	setenv("VIGIA_USER", "alice", 1);
	is_str(cases_actor(), "alice", "actor from $VIGIA_USER");
	unsetenv("VIGIA_USER");
	ok(cases_actor()[0] != 0, "actor from the login name otherwise (%s)", cases_actor());

	ok(cases_set(cx, 999999, &ch, NULL, NULL, &e) == V_ERR_NOTFOUND, "missing incident");
}

static int64_t add_event(int64_t batch, const char *ip, const char *when)
{
	struct event *ev = event_new();
	struct verr e = { 0 };
	int64_t id = 0;

	event_set_str(ev, "source.ip", ip, 0, &e);
	event_set_str(ev, "classification.type", "scanner", 0, &e);
	event_set_str(ev, "feed.name", "Test", 0, &e);
	event_set_str(ev, "time.observation", when, 0, &e);
	event_set_str(ev, "time.source", when, 0, &e);
	if (store_event_insert(st, batch, ev, 0, &id, &e) != V_OK)
		printf("# event: %s\n", e.reason);
	event_free(ev);
	return id;
}

static int count_rows(void *arg, const struct store_event_row *row)
{
	(void)row;
	++*(int *)arg;
	return 0;
}

static int find_link(void *arg, int64_t other, const char *kind, const char *why)
{
	int64_t *want = arg;

	(void)why;
	if (other == want[0] && !strcmp(kind, want[1] == 1 ? "merged" : "linked"))
		want[2] = 1;
	return 0;
}

static int find_id(void *arg, int64_t id)
{
	int64_t *want = arg;

	if (id == want[0])
		want[1] = 1;
	return 0;
}

static void test_merge(const struct cases_ctx *cx)
{
	struct verr e = { 0 };
	struct store_event_filter f;
	struct store_incident inc;
	struct audits au;
	int64_t batch, a = mk(IS_OPEN, NULL, 3), b = mk(IS_IN_PROGRESS, NULL, 2),
		c = mk(IS_NEW, NULL, 4), ind, moved = 0, from[2];
	int n = 0, common, is_new;

	store_batch_start(st, "Test", "test", &batch, &e);
	store_incident_add_event(st, a, add_event(batch, "192.0.2.1", "2026-11-20T10:00:00+00:00"),
				 1795168800, &e);
	store_incident_add_event(st, a, add_event(batch, "192.0.2.1", "2026-11-21T10:00:00+00:00"),
				 1795255200, &e);
	for (int i = 0; i < 3; i++)
		store_incident_add_event(st, b, add_event(batch, "192.0.2.9",
							  "2026-11-19T10:00:00+00:00"),
					 1795082400, &e);
	store_indicator_get(st, "ip", "192.0.2.9", &ind, &common, &e);
	store_posting_add(st, ind, b, &is_new, &e);
	store_incident_attribute(st, b, "NL", 64496, "198.51.100.0/24", &is_new, &e);
	is_int(is_new, 1, "b attributed");

	from[0] = b;
	ok(cases_merge(cx, a, from, 1, &moved, &e) == V_OK, "merge b into a (%s)", e.reason);
	is_int(moved, 3, "three events moved");
	inc = get(b);
	ok(inc.state == IS_CLOSED && inc.resolution && !strcmp(inc.resolution, "duplicate") &&
	   inc.merged_into == a, "the merged incident is closed as a duplicate of the survivor");
	store_incident_free(&inc);
	inc = get(a);
	is_int(inc.event_count, 5, "the survivor counts the merged events");
	is_int(inc.first_seen, 1795082400, "... and its first seen goes back");
	ok(inc.country && !strcmp(inc.country, "NL") && inc.asn == 64496 && inc.network &&
	   !strcmp(inc.network, "198.51.100.0/24"),
	   "a survivor without attribution takes the merged one's");
	store_incident_free(&inc);
	inc = get(b);
	ok(inc.country && !strcmp(inc.country, "NL") && inc.asn == 64496,
	   "the merged one keeps its own");
	store_incident_free(&inc);
	memset(&f, 0, sizeof(f));
	f.incident = a;
	store_events_query(st, &f, count_rows, &n, &e);
	is_int(n, 5, "the merged events are the survivor's events");
	int64_t want[3] = { b, 1, 0 };
	store_links_list(st, a, find_link, want, &e);
	ok(want[2], "a \"merged\" link between them");
	int64_t w2[2] = { a, 0 };
	store_postings_of(st, ind, find_id, w2, &e);
	ok(w2[1], "the merged incident's indicator postings now include the survivor");
	ok(audits_of(b, &au) == 1 && !strcmp(au.action, "merge") &&
	   json_integer_value(json_object_get(au.last_after, "merged_into")) == a &&
	   !strcmp(json_string_value(json_object_get(au.last_after, "resolution")), "duplicate"),
	   "merged incident audited (merged_into, resolution)");
	audits_free(&au);
	ok(audits_of(a, &au) == 1 && !strcmp(au.action, "merge") &&
	   json_integer_value(json_object_get(au.last_before, "events")) == 2 &&
	   json_integer_value(json_object_get(au.last_after, "events")) == 5,
	   "survivor audited (events 2 → 5)");
	audits_free(&au);

	ok(cases_merge(cx, a, from, 1, NULL, &e) == V_ERR_INVALID, "merging twice is refused");
	from[0] = a;
	ok(cases_merge(cx, a, from, 1, NULL, &e) == V_ERR_INVALID, "merging into itself refused");
	from[0] = c;
	from[1] = 999999;
	ok(cases_merge(cx, a, from, 2, NULL, &e) == V_ERR_NOTFOUND, "a missing incident refuses "
	   "the whole merge");
	inc = get(c);
	ok(inc.state == IS_NEW && !inc.merged_into && audits_of(c, &au) == 0,
	   "... and the others are untouched, unaudited");
	audits_free(&au);
	store_incident_free(&inc);
	from[0] = a;
	ok(cases_merge(cx, c, (int64_t[]){ b }, 1, NULL, &e) == V_ERR_INVALID,
	   "a merged incident cannot be merged again");
	struct cases_change ch;
	cases_change_init(&ch);
	ch.owner = "bob";
	ok(cases_set(cx, b, &ch, NULL, NULL, &e) == V_ERR_INVALID && strstr(e.reason, "merged"),
	   "a merged incident refuses changes, pointing to the survivor");
	ok(cases_merge(cx, b, (int64_t[]){ c }, 1, NULL, &e) == V_ERR_INVALID,
	   "nothing merges into a merged incident");
	/* a survivor with attribution keeps it */
	store_incident_attribute(st, c, "DE", 64499, NULL, &is_new, &e);
	ok(cases_merge(cx, a, (int64_t[]){ c }, 1, NULL, &e) == V_OK, "merge c into a (%s)",
	   e.reason);
	inc = get(a);
	ok(inc.country && !strcmp(inc.country, "NL") && inc.asn == 64496,
	   "a survivor with attribution keeps its own on a merge");
	store_incident_free(&inc);
}

static int count_notes(void *arg, int64_t id, const char *author, int64_t t, const char *text)
{
	(void)id;
	(void)t;
	if (!strcmp(author, "tester") && !strcmp(text, "called the ISP\nno answer"))
		++*(int *)arg;
	return 0;
}

static int count_att(void *arg, const char *name, const char *sha, int64_t size, int64_t t)
{
	(void)t;
	if (!strcmp(name, "mail.eml") && size == 3 &&
	    !strcmp(sha, "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"))
		++*(int *)arg;
	return 0;
}

static void test_notes_attachments_links(const struct cases_ctx *cx)
{
	struct verr e = { 0 };
	struct audits au;
	int64_t a = mk(IS_OPEN, NULL, 3), b = mk(IS_OPEN, NULL, 3), note = 0;
	char sha[65], sha2[65];
	int n = 0;

	ok(cases_note(cx, a, "called the ISP\nno answer", &note, &e) == V_OK && note > 0,
	   "note added");
	store_notes_list(st, a, count_notes, &n, &e);
	is_int(n, 1, "note stored with author and text");
	ok(audits_of(a, &au) == 1 && !strcmp(au.action, "note") &&
	   !strcmp(json_string_value(json_object_get(json_object_get(au.last_after, "note"),
						      "text")), "called the ISP\nno answer"),
	   "note audited with its text");
	audits_free(&au);
	ok(cases_note(cx, a, " \n ", NULL, &e) == V_ERR_INVALID, "empty note refused");
	ok(cases_note(cx, a, "bad \xff", NULL, &e) == V_ERR_INVALID, "invalid UTF-8 refused");

	ok(cases_attach(cx, a, "mail.eml", "abc", 3, sha, &e) == V_OK, "attached");
	is_str(sha, "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad",
	       "kept by SHA-256");
	ok(cases_attach(cx, b, "copy.eml", "abc", 3, sha2, &e) == V_OK && !strcmp(sha, sha2),
	   "the same content elsewhere: the same hash");
	n = 0;
	store_attachments_list(st, a, count_att, &n, &e);
	is_int(n, 1, "attachment listed with name, size and hash");
	audits_of(a, &au);
	ok(!strcmp(au.action, "attach") &&
	   !strcmp(json_string_value(json_object_get(json_object_get(au.last_after, "attachment"),
						      "sha256")), sha), "attachment audited");
	audits_free(&au);

	ok(cases_link(cx, a, b, "same operator", &e) == V_OK, "linked");
	int64_t want[3] = { a, 0, 0 };
	store_links_list(st, b, find_link, want, &e);
	ok(want[2], "the link is seen from both sides");
	ok(audits_of(b, &au) == 2 && !strcmp(au.action, "link") &&
	   json_integer_value(json_object_get(json_object_get(au.last_after, "link"),
					      "incident")) == a, "link audited on b");
	audits_free(&au);
	ok(audits_of(a, &au) == 3 && !strcmp(au.action, "link"), "link audited on a");
	audits_free(&au);
	ok(cases_link(cx, b, a, "again", &e) == V_OK, "linking again (either way round)");
	ok(audits_of(a, &au) == 3, "... changes nothing and writes no entry");
	audits_free(&au);
	ok(cases_link(cx, a, 999999, NULL, &e) == V_ERR_NOTFOUND, "link to a missing incident");
	ok(audits_of(a, &au) == 3, "... refused without an audit entry");
	audits_free(&au);
	ok(cases_link(cx, a, a, NULL, &e) == V_ERR_INVALID, "link to itself refused");
}

static void test_json(void)
{
	struct store_incident inc;
	json_t *j;

	memset(&inc, 0, sizeof(inc));
	inc.id = 7;
	inc.state = IS_WAITING;
	inc.priority = 2;
	inc.deadline = 1000;
	inc.tlp = "AMBER";
	j = cases_incident_json(&inc, 2000);
	is_str(json_string_value(json_object_get(j, "state")), "waiting", "JSON state");
	ok(json_is_true(json_object_get(j, "overdue")), "JSON overdue");
	is_str(json_string_value(json_object_get(j, "deadline")), "1970-01-01T00:16:40+00:00",
	       "JSON times in ISO 8601 UTC");
	ok(json_is_null(json_object_get(j, "owner")) && json_is_null(json_object_get(j,
	   "merged_into")), "JSON nulls for what is not set");
	json_decref(j);
}

/* The incident written straight into a buffer is byte for byte jansson's compact dump of
 * the tree, for plain, empty and hostile values (quotes, backslashes, every control
 * character, non-ASCII, U+2028, text that is not UTF-8: null, as json_string() refuses it). */
static void test_json_buf(void)
{
	static const char *const texts[] = {
		NULL, "", "plain", "quote \" and \\ back", "tab\tnl\ncr\rbs\bff\f",
		"\x01\x02\x1f\x7f end", "ñandú – 日本 \xe2\x80\xa8 sep", "bad \xff\xfe utf-8",
		"</script><script>alert(1)</script>", "a/b",
	};
	size_t n = sizeof(texts) / sizeof(texts[0]);
	int same = 0, total = 0;

	for (size_t i = 0; i < n; i++)
		for (int variant = 0; variant < 3; variant++) {
			struct store_incident inc = { 0 };
			struct buf b;
			json_t *j;
			char *want;

			inc.id = 1000 + (int64_t)i;
			inc.state = (enum incident_state)(variant * 2);
			inc.priority = 1 + variant;
			inc.title = texts[i];
			inc.owner = texts[(i + 1) % n];
			inc.organisation = texts[(i + 2) % n];
			inc.resolution = variant ? texts[(i + 3) % n] : NULL;
			inc.rule = "by-source";
			inc.key = texts[(i + 4) % n];
			inc.tlp = "AMBER";
			inc.classification_type = "scanner";
			inc.country = variant == 1 ? "ES" : NULL;
			inc.asn = variant == 2 ? 64500 : -variant;
			inc.network = variant == 2 ? "192.0.2.0/24" : NULL;
			inc.event_count = 7 * (int64_t)i;
			inc.first_seen = variant ? 1700000000 : 0;
			inc.last_seen = 1700000500;
			inc.created = 1700000000;
			inc.updated = variant == 2 ? 0 : 1700000600;
			inc.deadline = variant == 1 ? 1600000000 : 0;
			inc.merged_into = variant == 2 ? 5 : 0;
			j = cases_incident_json(&inc, 1700001000);
			want = j ? json_dumps(j, JSON_COMPACT) : NULL;
			buf_init(&b, 1 << 20);
			total++;
			if (want && cases_incident_json_buf(&b, &inc, 1700001000) == V_OK &&
			    !strcmp(buf_cstr(&b), want))
				same++;
			else
				printf("# differs:\n#  %s\n#  %s\n", want ? want : "(null)", buf_cstr(&b));
			buf_fini(&b);
			free(want);
			json_decref(j);
		}
	ok(same == total, "the incident written into a buffer is jansson's compact dump, byte "
	   "for byte (%d of %d)", same, total);
}

int main(void)
{
	struct verr e = { 0 };
	struct cases_ctx cx;
	char path[128];
	int64_t checked = 0, bad = 0;
	int rc;

	conf_init();
	test_json_buf();
	if (!mkdtemp(dir)) {
		perror("mkdtemp");
		return 1;
	}
	snprintf(path, sizeof(path), "%s/t.db", dir);
	if (store_open(tap_store_path(path), &st, &e) != V_OK) {
		printf("# store_open: %s\n", e.reason);
		return 1;
	}
	cx.st = st;
	cx.actor = "tester";
	cx.now = (int64_t)time(NULL);

	test_transitions(&cx);
	test_resolution(&cx);
	test_markings(&cx);
	test_audit_entries(&cx);
	test_merge(&cx);
	test_notes_attachments_links(&cx);
	test_json();

	rc = store_audit_verify(st, &checked, &bad, &e);
	ok(rc == V_OK && checked > 30 && !bad, "the audit chain verifies (%lld entries)",
	   (long long)checked);
	if (rc != V_OK)
		printf("# %s\n", e.reason);
	store_close(st);
	snprintf(path, sizeof(path), "rm -rf '%s'", dir);
	if (system(path) != 0)
		printf("# could not remove %s\n", dir);
	conf_fini();
	return done_testing();
}
