/*
 * ui_api.c — the JSON endpoints only the web UI needs (ui.h), under /ui/api/: the session
 * (who, role, CSRF token, language), the incident queue with its filters and counts per state,
 * everything about one incident in one call, bulk changes and merging, an export preview
 * under a partner's rights, the constituency, the dashboard's aggregates and the URL check.
 *
 * They sit in the route table beside the JSON API (route.c), with the same role needs, and
 * reach the same layers the API does: changes go through src/cases (audited as
 * "ui:<account>"), exports through share_view_build() and the sharing policy, so nothing here
 * decides a permission of its own.
 */
#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <jansson.h>
#include <sodium.h>

#include "analyze/url/url.h"
#include "base/buf.h"
#include "base/conf.h"
#include "base/log.h"
#include "cases/cases.h"
#include "http/ui.h"
#include "share/iodef.h"
#include "share/misp.h"
#include "share/policy.h"
#include "share/stix.h"
#include "share/view.h"

#define QUEUE_PAGE_MAX  500
#define DETAIL_EVENTS   200
#define DETAIL_OTHERS   20
#define BULK_MAX        1000

static void failed(struct http_response *rs, int rc, const struct verr *e)
{
	if (rc == V_ERR_NOTFOUND) {
		http_error(rs, 0, 404, "not found", e->reason);
		return;
	}
	if (rc == V_ERR_INVALID) {
		http_error(rs, 0, 400, "bad request", e->reason);
		return;
	}
	log_error("http: %s", e->reason);
	http_error(rs, 0, 500, "internal error", "the store could not be read or written");
}

static void actor(const struct http_call *c, char out[STORE_NAME_MAX + 8])
{
	snprintf(out, STORE_NAME_MAX + 8, "ui:%s", c->account->name);
}

static const char *str_arg(const struct http_request *rq, const char *key)
{
	const char *s = http_arg(rq, key);

	return s && *s ? s : NULL;
}

/* ---- session and language ------------------------------------------------------------------ */

void ui_api_session(const struct http_request *rq, const struct http_call *c,
                    struct http_response *rs)
{
	char csrf[UI_CSRF_LEN + 1] = "";
	struct ui_session sess;

	/* a Bearer caller has no session and needs no CSRF token */
	if (!rq->authorization && rq->cookie &&
	    ui_session_from_cookie(rq->cookie, rq->now, &sess) == V_OK)
		ui_csrf_token(sess.value, csrf);
	http_json(rs, 200, HTTP_JSON,
	          json_pack("{s:s, s:s, s:s*, s:s, s:s}", "name", c->account->name, "role",
	                    c->account->role, "partner",
	                    *c->account->partner ? c->account->partner : NULL, "csrf", csrf,
	                    "lang", *c->account->lang ? c->account->lang : ui_lang(rq)));
}

void ui_api_lang(const struct http_request *rq, const struct http_call *c,
                 struct http_response *rs)
{
	char hdr[120];
	struct ui_session sess;
	struct verr e = {0};
	const char *l;
	int rc, saved = 0;
	json_t *b;

	(void)c;
	if (!strcmp(rq->method, "GET")) { /* the language of this browser: cookie, else header */
		http_json(rs, 200, HTTP_JSON, json_pack("{s:s}", "lang", ui_lang(rq)));
		return;
	}
	if (!(b = http_json_body(rq, rs)))
		return;
	l = json_string_value(json_object_get(b, "lang"));
	if (!l || (strcmp(l, "es") && strcmp(l, "en"))) {
		json_decref(b);
		http_error(rs, 0, 400, "bad request", "lang is \"es\" or \"en\"");
		return;
	}
	/* a signed-in browser (session cookie and its CSRF token): the account keeps the choice,
	 * so that it follows the analyst to another browser */
	if (!rq->authorization && rq->cookie &&
	    ui_session_from_cookie(rq->cookie, rq->now, &sess) == V_OK &&
	    ui_csrf_ok(sess.value, rq->csrf)) {
		if ((rc = store_account_lang_set(rq->st, sess.name, l, &e)) != V_OK &&
		    rc != V_ERR_NOTFOUND) {
			json_decref(b);
			failed(rs, rc, &e);
			return;
		}
		saved = rc == V_OK;
	}
	snprintf(hdr, sizeof(hdr), "vigia_lang=%s; Path=/; Max-Age=31536000; SameSite=Strict%s", l,
	         rq->tls ? "; Secure" : "");
	http_json(rs, 200, HTTP_JSON, json_pack("{s:s, s:b}", "lang", l, "saved", saved));
	json_decref(b);
	http_header(rs, "Set-Cookie", hdr);
}

/* ---- the account's own password ---------------------------------------------------------- */

void ui_api_password(const struct http_request *rq, const struct http_call *c,
                     struct http_response *rs)
{
	char hash[STORE_PWHASH_MAX], object[STORE_NAME_MAX + 16], who[STORE_NAME_MAX + 8];
	char value[UI_SESSION_MAX], cookie[UI_SESSION_MAX + 100], csrf[UI_CSRF_LEN + 1];
	struct ui_session sess;
	struct store_account same;
	struct verr e = {0};
	const char *cur, *next;
	int64_t wait;
	json_t *b;
	int rc;

	if (!rq->cookie || rq->authorization) { /* a person in a browser, not a script's token */
		http_error(rs, 0, 403, "forbidden",
		           "the password is changed from the web UI's session");
		return;
	}
	if (!(b = http_json_body(rq, rs)))
		return;
	cur = json_string_value(json_object_get(b, "current"));
	next = json_string_value(json_object_get(b, "new"));
	if (!cur || !next) {
		json_decref(b);
		http_error(rs, 0, 400, "bad request", "\"current\" and \"new\" are strings");
		return;
	}
	/* a wrong current password counts as a failed sign-in: a stolen session cookie must not
	 * become a way to guess the password */
	if (!http_signin_allowed(c->account->name, rq->remote, rq->now, &wait)) {
		json_decref(b);
		ui_too_many(rs, wait);
		return;
	}
	actor(c, who);
	snprintf(object, sizeof(object), "account:%s", c->account->name);
	if (!c->account->has_password) {
		json_decref(b);
		http_error(rs, 0, 409, "conflict",
		           "this account has no password: an administrator sets the first one "
		           "(vigia account passwd)");
		return;
	}
	rc = http_password_check(rq->st, c->account->name, cur, strlen(cur), &same, &e);
	if (rc == V_ERR_NOTFOUND) {
		json_decref(b);
		http_signin_failed(c->account->name, rq->remote, rq->now);
		if (store_begin(rq->st, &e) != V_OK ||
		    store_audit_append(rq->st, who, object, "password-change-failed", NULL, NULL,
		                       &e) != V_OK ||
		    store_commit(rq->st, &e) != V_OK) {
			store_rollback(rq->st);
			log_error("http: a failed password change could not be audited: %s", e.reason);
		}
		http_error(rs, 0, 403, "forbidden", "the current password is wrong");
		return;
	}
	if (rc != V_OK) {
		json_decref(b);
		failed(rs, rc, &e);
		return;
	}
	rc = http_password_hash(next, strlen(next), hash, &e);
	json_decref(b);
	if (rc != V_OK) {
		sodium_memzero(hash, sizeof(hash));
		if (rc == V_ERR_INVALID)
			http_error(rs, 0, 400, "bad request", e.reason);
		else
			failed(rs, rc, &e);
		return;
	}
	/* the new hash and its audit entry (never the password, nor its hash) in one transaction */
	if ((rc = store_begin(rq->st, &e)) != V_OK ||
	    (rc = store_account_password_set(rq->st, c->account->name, hash, &e)) != V_OK ||
	    (rc = store_audit_append(rq->st, who, object, "password-set", NULL, NULL, &e)) !=
	        V_OK ||
	    (rc = store_commit(rq->st, &e)) != V_OK) {
		store_rollback(rq->st);
		sodium_memzero(hash, sizeof(hash));
		failed(rs, rc, &e);
		return;
	}
	http_signin_succeeded(c->account->name);
	log_info("http: %s changed its password", c->account->name);
	/* every session begun under the old password has ended (ui.h); this one goes on in a
	 * new cookie, until the same time, with a new CSRF token for the page */
	if (ui_session_from_cookie(rq->cookie, rq->now, &sess) != V_OK ||
	    ui_session_make(c->account->name, hash, sess.token, sess.expires, value, &e) != V_OK) {
		sodium_memzero(hash, sizeof(hash));
		http_json(rs, 200, HTTP_JSON, json_pack("{s:b, s:n}", "changed", 1, "csrf"));
		return;
	}
	sodium_memzero(hash, sizeof(hash));
	ui_csrf_token(value, csrf);
	ui_cookie_header(value, sess.expires - rq->now, rq->tls, cookie, sizeof(cookie));
	http_json(rs, 200, HTTP_JSON, json_pack("{s:b, s:s}", "changed", 1, "csrf", csrf));
	http_header(rs, "Set-Cookie", cookie);
}

/* ---- the queue ------------------------------------------------------------------------------ */

struct queue_ctx {
	json_t *arr;
	int64_t now, count, limit;
	enum store_incident_sort sort;
	int64_t last_key, last_id; /* of the last row shown: the next page's cursor */
};

/* The sort keys of ?sort= (enum store_incident_sort). */
static const char *const sort_names[STORE_SORT__COUNT] = {
	"id", "priority", "state", "last_seen", "first_seen", "deadline", "events"};

/* ?after=KEY:ID, the cursor a page answered with as "cursor".  0, or -1 when malformed. */
static int parse_cursor(const char *s, int64_t *key, int64_t *id)
{
	char *end;
	long long k, i;

	errno = 0;
	k = strtoll(s, &end, 10);
	if (errno || end == s || *end != ':')
		return -1;
	s = end + 1;
	i = strtoll(s, &end, 10);
	if (errno || end == s || *end || i < 0)
		return -1;
	*key = k;
	*id = i;
	return 0;
}

static int queue_cb(void *arg, const struct store_incident *inc)
{
	struct queue_ctx *q = arg;
	json_t *j;

	if (++q->count > q->limit)
		return 0;
	q->last_key = store_incident_sort_value(inc, q->sort);
	q->last_id = inc->id;
	if (!(j = cases_incident_json(inc, q->now)))
		return V_ERR_NOMEM;
	json_object_set_new(j, "overdue", json_boolean(cases_overdue(inc, q->now)));
	return json_array_append_new(q->arr, j) == 0 ? 0 : V_ERR_NOMEM;
}

void ui_api_queue(const struct http_request *rq, const struct http_call *c,
                  struct http_response *rs)
{
	struct store_incident_filter f = {0};
	struct queue_ctx q = {0};
	int64_t counts[CASES_NSTATES] = {0}, overdue = 0;
	const char *state = str_arg(rq, "state"), *ov = str_arg(rq, "overdue"),
	           *open = str_arg(rq, "open"), *sort = str_arg(rq, "sort"),
	           *dir = str_arg(rq, "dir"), *after = str_arg(rq, "after");
	char cursor[48];
	struct verr e = {0};
	long long limit, offset, prio, asn;
	enum incident_state s;
	json_t *cj, *out;
	int rc;

	(void)c;
	if (http_int_arg(rq, "limit", 1, QUEUE_PAGE_MAX, 50, &limit) ||
	    http_int_arg(rq, "offset", 0, INT64_MAX / 2, 0, &offset) ||
	    http_int_arg(rq, "priority", 1, 4, 0, &prio) ||
	    http_int_arg(rq, "asn", 1, 4294967295LL, 0, &asn)) {
		http_error(rs, 0, 400, "bad request",
		           "limit is 1..500, offset a number of incidents from 0, priority 1..4, "
		           "asn an AS number");
		return;
	}
	f.state = -1;
	if (state) {
		if (cases_state_parse(state, &s, &e) != V_OK) {
			http_error(rs, 0, 400, "bad request", e.reason);
			return;
		}
		f.state = (int)s;
	}
	f.open_only = open && !strcmp(open, "1");
	f.priority = (int)prio;
	f.owner = str_arg(rq, "owner");
	f.classification = str_arg(rq, "classification");
	f.organisation = str_arg(rq, "organisation");
	f.tlp = str_arg(rq, "tlp");
	f.text = str_arg(rq, "q");
	f.country = str_arg(rq, "country");
	f.asn = asn;
	f.network = str_arg(rq, "network");
	if (ov && !strcmp(ov, "1"))
		f.due_before = rq->now;
	/* the order, across every page: the store sorts, ties broken by id */
	for (int i = 0; sort && i < STORE_SORT__COUNT; i++)
		if (!strcmp(sort, sort_names[i])) {
			f.sort = (enum store_incident_sort)i;
			sort = NULL;
		}
	if (sort || (dir && strcmp(dir, "asc") && strcmp(dir, "desc"))) {
		http_error(rs, 0, 400, "bad request",
		           "sort is id, priority, state, last_seen, first_seen, deadline or "
		           "events; dir is asc or desc");
		return;
	}
	f.ascending = dir && !strcmp(dir, "asc");
	if (after) {
		if (parse_cursor(after, &f.after_key, &f.after_id) != 0 || offset) {
			http_error(rs, 0, 400, "bad request",
			           "after is the cursor a page answered with, without offset");
			return;
		}
		f.after_set = 1;
	}
	q.sort = f.sort;
	f.limit = limit + 1;
	f.offset = offset;
	q.arr = json_array();
	q.now = rq->now;
	q.limit = limit;
	if (!q.arr) {
		http_error(rs, 0, 500, "internal error", "out of memory");
		return;
	}
	if ((rc = store_incidents_query(rq->st, &f, queue_cb, &q, &e)) != V_OK ||
	    (rc = store_incident_counts(rq->st, rq->now, counts, &overdue, &e)) != V_OK) {
		json_decref(q.arr);
		failed(rs, rc, &e);
		return;
	}
	cj = json_object();
	for (int i = 0; i < CASES_NSTATES; i++)
		json_object_set_new(cj, cases_state_name((enum incident_state)i),
		                    json_integer(counts[i]));
	/* the next page: by cursor (keyset, as cheap at any depth) or, as before, by offset */
	snprintf(cursor, sizeof(cursor), "%lld:%lld", (long long)q.last_key,
	         (long long)q.last_id);
	out = json_pack("{s:o, s:o, s:o, s:o, s:s, s:s, s:I}", "incidents", q.arr, "next",
	                q.count > limit && !after ? json_integer(offset + limit) : json_null(),
	                "cursor", q.count > limit ? json_string(cursor) : json_null(), "counts", cj,
	                "sort", sort_names[f.sort], "dir", f.ascending ? "asc" : "desc", "overdue",
	                (json_int_t)overdue);
	http_json(rs, 200, HTTP_JSON, out);
}

/* ---- one incident, everything about it ------------------------------------------------------ */

struct detail_ctx {
	struct store *st;
	json_t *arr;
	int64_t self, count;
	int64_t now;
};

static int events_cb(void *arg, const struct store_event_row *row)
{
	struct detail_ctx *d = arg;
	json_t *ev = json_loads(row->json, 0, NULL);

	if (!ev)
		ev = json_object(); /* the store wrote it: cannot be unreadable, but never fail */
	d->count++;
	return json_array_append_new(d->arr, json_pack("{s:I, s:I, s:I, s:I, s:o}", "id",
	                                               (json_int_t)row->id, "first_seen",
	                                               (json_int_t)row->first_seen, "last_seen",
	                                               (json_int_t)row->last_seen, "repeats",
	                                               (json_int_t)row->repeats, "event", ev)) == 0
	           ? 0
	           : V_ERR_NOMEM;
}

static int notes_cb(void *arg, int64_t id, const char *author, int64_t time, const char *text)
{
	struct detail_ctx *d = arg;

	return json_array_append_new(d->arr, json_pack("{s:I, s:s, s:I, s:s}", "id",
	                                               (json_int_t)id, "author",
	                                               author ? author : "", "time",
	                                               (json_int_t)time, "text",
	                                               text ? text : "")) == 0
	           ? 0
	           : V_ERR_NOMEM;
}

static int audit_cb(void *arg, const struct store_audit *a)
{
	struct detail_ctx *d = arg;
	json_t *j = cases_audit_json(a);

	return j && json_array_append_new(d->arr, j) == 0 ? 0 : V_ERR_NOMEM;
}

static int links_cb(void *arg, int64_t other, const char *kind, const char *why)
{
	struct detail_ctx *d = arg;

	return json_array_append_new(d->arr, json_pack("{s:I, s:s, s:s*}", "incident",
	                                               (json_int_t)other, "kind",
	                                               kind ? kind : "", "why", why)) == 0
	           ? 0
	           : V_ERR_NOMEM;
}

static int attach_cb(void *arg, const char *name, const char *sha, int64_t size, int64_t time)
{
	struct detail_ctx *d = arg;

	return json_array_append_new(d->arr,
	                             json_pack("{s:s, s:s, s:I, s:I}", "name", name, "sha256", sha,
	                                       "size", (json_int_t)size, "time",
	                                       (json_int_t)time)) == 0
	           ? 0
	           : V_ERR_NOMEM;
}

struct others_ctx {
	json_t *arr;
	int64_t self;
};

static int others_cb(void *arg, int64_t id)
{
	struct others_ctx *o = arg;

	if (id == o->self || json_array_size(o->arr) >= DETAIL_OTHERS)
		return 0;
	return json_array_append_new(o->arr, json_integer(id)) == 0 ? 0 : V_ERR_NOMEM;
}

static int indicators_cb(void *arg, const struct store_indicator *ind)
{
	struct detail_ctx *d = arg;
	struct others_ctx o = {json_array(), d->self};
	struct verr e = {0};
	int rc;

	if (!o.arr)
		return V_ERR_NOMEM;
	/* the other incidents that share it: the correlation (none for a common value) */
	if (!ind->common && (rc = store_postings_of(d->st, ind->id, others_cb, &o, &e)) != V_OK) {
		json_decref(o.arr);
		return rc;
	}
	return json_array_append_new(d->arr,
	                             json_pack("{s:s, s:s, s:b, s:s*, s:o}", "kind", ind->kind,
	                                       "value", ind->value, "common", ind->common, "why",
	                                       ind->why, "incidents", o.arr)) == 0
	           ? 0
	           : V_ERR_NOMEM;
}

static const char *const notice_states[] = {"queued", "sending", "sent", "failed"};

static int notices_cb(void *arg, const struct store_notice *n)
{
	struct detail_ctx *d = arg;

	return json_array_append_new(
	           d->arr,
	           json_pack("{s:s, s:s*, s:s*, s:s, s:I, s:i, s:s*}", "recipient", n->recipient,
	                     "name", n->name, "kind", n->kind, "state",
	                     n->state >= 0 && n->state <= 3 ? notice_states[n->state] : "?",
	                     "due", (json_int_t)n->due, "attempts", n->attempts, "error",
	                     n->error)) == 0
	           ? 0
	           : V_ERR_NOMEM;
}

void ui_api_incident(const struct http_request *rq, const struct http_call *c,
                     struct http_response *rs)
{
	struct store_event_filter ef = {0};
	struct store_notice_filter nf = {0};
	struct store_incident inc;
	struct detail_ctx d = {0};
	struct verr e = {0};
	char object[32];
	json_t *out, *events, *notes, *audit, *links, *atts, *inds, *notices, *ij;
	int64_t id;
	int rc;

	(void)c;
	if (http_id_param(c, &id)) {
		http_error(rs, 0, 404, "not found", "an incident id is a positive number");
		return;
	}
	if ((rc = store_incident_get(rq->st, id, &inc, &e)) != V_OK) {
		failed(rs, rc, &e);
		return;
	}
	ij = cases_incident_json(&inc, rq->now);
	if (ij)
		json_object_set_new(ij, "overdue", json_boolean(cases_overdue(&inc, rq->now)));
	if (ij && inc.merged_into)
		json_object_set_new(ij, "merged_into", json_integer(inc.merged_into));
	store_incident_free(&inc);
	events = json_array();
	notes = json_array();
	audit = json_array();
	links = json_array();
	atts = json_array();
	inds = json_array();
	notices = json_array();
	out = json_pack("{s:o*, s:o*, s:o*, s:o*, s:o*, s:o*, s:o*, s:o*}", "incident", ij,
	                "events", events, "notes", notes, "audit", audit, "links", links,
	                "attachments", atts, "indicators", inds, "notifications", notices);
	if (!out || !ij || !events || !notes || !audit || !links || !atts || !inds || !notices) {
		json_decref(out);
		http_error(rs, 0, 500, "internal error", "out of memory");
		return;
	}
	d.st = rq->st;
	d.self = id;
	d.now = rq->now;
	ef.incident = id;
	ef.limit = DETAIL_EVENTS;
	d.arr = events;
	rc = store_events_query(rq->st, &ef, events_cb, &d, &e);
	d.arr = notes;
	if (rc == V_OK)
		rc = store_notes_list(rq->st, id, notes_cb, &d, &e);
	snprintf(object, sizeof(object), "incident:%lld", (long long)id);
	d.arr = audit;
	if (rc == V_OK)
		rc = store_audit_list(rq->st, object, audit_cb, &d, &e);
	d.arr = links;
	if (rc == V_OK)
		rc = store_links_list(rq->st, id, links_cb, &d, &e);
	d.arr = atts;
	if (rc == V_OK)
		rc = store_attachments_list(rq->st, id, attach_cb, &d, &e);
	d.arr = inds;
	if (rc == V_OK)
		rc = store_indicators_list(rq->st, id, indicators_cb, &d, &e);
	nf.state = -1;
	nf.incident = id;
	nf.limit = 200;
	d.arr = notices;
	if (rc == V_OK)
		rc = store_notices_query(rq->st, &nf, notices_cb, &d, &e);
	if (rc != V_OK) {
		json_decref(out);
		failed(rs, rc, &e);
		return;
	}
	json_object_set_new(out, "events_shown_max", json_integer(DETAIL_EVENTS));
	http_json(rs, 200, HTTP_JSON, out);
}

/* ---- bulk changes and merging --------------------------------------------------------------- */

/* The ids of array a (positive integers, at most BULK_MAX).  OUT: *ids (malloc'd), *n. */
static int ids_of(json_t *a, int64_t **ids, size_t *n)
{
	size_t i;
	json_t *v;

	*ids = NULL;
	*n = 0;
	if (!json_is_array(a) || json_array_size(a) == 0 || json_array_size(a) > BULK_MAX)
		return -1;
	if (!(*ids = calloc(json_array_size(a), sizeof(**ids))))
		return -1;
	json_array_foreach(a, i, v)
	{
		if (!json_is_integer(v) || json_integer_value(v) <= 0) {
			free(*ids);
			*ids = NULL;
			return -1;
		}
		(*ids)[i] = json_integer_value(v);
	}
	*n = json_array_size(a);
	return 0;
}

void ui_api_bulk(const struct http_request *rq, const struct http_call *c,
                 struct http_response *rs)
{
	char who[STORE_NAME_MAX + 8];
	struct cases_ctx cx = {rq->st, who, rq->now};
	struct cases_change ch;
	struct verr e = {0};
	enum incident_state s;
	const char *state, *owner, *resolution;
	json_t *b, *fails, *pv;
	int64_t *ids;
	size_t n, done = 0;

	if (!(b = http_json_body(rq, rs)))
		return;
	if (ids_of(json_object_get(b, "ids"), &ids, &n)) {
		json_decref(b);
		http_error(rs, 0, 400, "bad request", "ids is a list of 1..1000 incident ids");
		return;
	}
	cases_change_init(&ch);
	state = json_string_value(json_object_get(b, "state"));
	owner = json_string_value(json_object_get(b, "owner"));
	resolution = json_string_value(json_object_get(b, "resolution"));
	pv = json_object_get(b, "priority");
	if (state && cases_state_parse(state, &s, &e) != V_OK) {
		free(ids);
		json_decref(b);
		http_error(rs, 0, 400, "bad request", e.reason);
		return;
	}
	if (pv && (!json_is_integer(pv) || json_integer_value(pv) < 1 ||
	           json_integer_value(pv) > 4)) {
		free(ids);
		json_decref(b);
		http_error(rs, 0, 400, "bad request", "priority is 1..4");
		return;
	}
	if (!state && !owner && !pv) {
		free(ids);
		json_decref(b);
		http_error(rs, 0, 400, "bad request", "give state, owner or priority");
		return;
	}
	ch.state = state ? (int)s : -1;
	ch.owner = owner;
	ch.resolution = resolution;
	ch.priority = pv ? (int)json_integer_value(pv) : 0;
	actor(c, who);
	fails = json_array();
	/* each incident on its own (one audited transaction each): one refused transition does
	 * not hold back the others, and the answer names it with the reason */
	for (size_t i = 0; i < n; i++) {
		int rc = cases_set(&cx, ids[i], &ch, "set", NULL, &e);

		if (rc == V_OK)
			done++;
		else
			json_array_append_new(fails, json_pack("{s:I, s:s}", "id",
			                                        (json_int_t)ids[i], "reason",
			                                        e.reason));
	}
	free(ids);
	json_decref(b);
	http_json(rs, 200, HTTP_JSON,
	          json_pack("{s:I, s:o}", "changed", (json_int_t)done, "failed", fails));
}

void ui_api_merge(const struct http_request *rq, const struct http_call *c,
                  struct http_response *rs)
{
	char who[STORE_NAME_MAX + 8];
	struct cases_ctx cx = {rq->st, who, rq->now};
	struct verr e = {0};
	json_t *b, *into;
	int64_t *ids, moved = 0;
	size_t n;
	int rc;

	if (!(b = http_json_body(rq, rs)))
		return;
	into = json_object_get(b, "into");
	if (!json_is_integer(into) || json_integer_value(into) <= 0 ||
	    ids_of(json_object_get(b, "from"), &ids, &n)) {
		json_decref(b);
		http_error(rs, 0, 400, "bad request",
		           "into is an incident id and from a list of 1..1000 others");
		return;
	}
	actor(c, who);
	rc = cases_merge(&cx, json_integer_value(into), ids, n, &moved, &e);
	free(ids);
	if (rc != V_OK) {
		json_decref(b);
		if (rc == V_ERR_INVALID)
			http_error(rs, 0, 409, "conflict", e.reason);
		else
			failed(rs, rc, &e);
		return;
	}
	http_json(rs, 200, HTTP_JSON,
	          json_pack("{s:O, s:I}", "into", into, "events_moved", (json_int_t)moved));
	json_decref(b);
}

/* ---- export preview under a partner's rights ------------------------------------------------ */

void ui_api_export(const struct http_request *rq, const struct http_call *c,
                   struct http_response *rs)
{
	const char *partner = str_arg(rq, "partner"), *format = str_arg(rq, "format");
	struct share_view_options o = {0};
	struct policy_recipient r;
	struct store_partner *p = NULL;
	struct share_view *v = NULL;
	struct verr e = {0};
	struct buf out;
	size_t objects = 0;
	int64_t id;
	int rc;

	if (http_id_param(c, &id)) {
		http_error(rs, 0, 404, "not found", "an incident id is a positive number");
		return;
	}
	if (!format)
		format = "stix";
	if (strcmp(format, "stix") && strcmp(format, "misp") && strcmp(format, "iodef")) {
		http_error(rs, 0, 400, "bad request", "format is stix, misp or iodef");
		return;
	}
	if (!partner) {
		http_error(rs, 0, 400, "bad request", "partner names the recipient");
		return;
	}
	if ((rc = store_partner_get(rq->st, partner, &p, &e)) != V_OK) {
		failed(rs, rc, &e);
		return;
	}
	rc = policy_recipient_init(&r, p, &e);
	store_partner_free(p);
	if (rc != V_OK) {
		failed(rs, rc, &e);
		return;
	}
	if (policy_tlp_parse(conf_get("share.default_tlp"), &o.default_tlp, &e) != V_OK) {
		policy_recipient_fini(&r);
		http_error(rs, 0, 500, "internal error", e.reason);
		return;
	}
	o.recipient = &r;
	o.incidents = &id;
	o.nincidents = 1;
	o.now = rq->now;
	buf_init(&out, 64u << 20);
	rc = share_view_build(rq->st, &o, &v, &e);
	if (rc == V_OK) {
		if (!strcmp(format, "stix"))
			rc = stix_write(v, &out, &objects, &e);
		else if (!strcmp(format, "misp"))
			rc = misp_write(v, &out, &objects, &e);
		else
			rc = iodef_write(v, &out, &objects, &e);
	}
	if (rc == V_OK)
		http_json(rs, 200, HTTP_JSON,
		          json_pack("{s:s, s:s, s:s, s:I, s:I, s:I, s:I, s:s}", "partner", partner,
		                    "format", format, "body", out.data ? out.data : "", "objects",
		                    (json_int_t)objects, "withheld_incidents",
		                    (json_int_t)v->withheld_incidents, "withheld_events",
		                    (json_int_t)v->withheld_events, "pseudonymised_events",
		                    (json_int_t)v->pseudonymised_events, "reason",
		                    v->first_reason));
	else
		failed(rs, rc, &e);
	share_view_free(v);
	buf_fini(&out);
	policy_recipient_fini(&r);
	(void)c;
}

/* ---- the constituency --------------------------------------------------------------------- */

static int partner_cb(void *arg, const struct store_partner *p)
{
	return json_array_append_new(arg, json_pack("{s:s, s:s*, s:s*, s:s*, s:s*}", "name",
	                                            p->name, "kind", p->kind, "tlp_max",
	                                            p->tlp_max, "contact", p->contact, "notes",
	                                            p->notes)) == 0
	           ? 0
	           : V_ERR_NOMEM;
}

void ui_api_partners(const struct http_request *rq, const struct http_call *c,
                     struct http_response *rs)
{
	json_t *a = json_array();
	struct verr e = {0};
	int rc;

	(void)c;
	if ((rc = store_partners_list(rq->st, partner_cb, a, &e)) != V_OK) {
		json_decref(a);
		failed(rs, rc, &e);
		return;
	}
	http_json(rs, 200, HTTP_JSON, json_pack("{s:o}", "partners", a));
}

static int org_cb(void *arg, const struct store_org *org)
{
	json_t *nets = json_array(), *asns = json_array(), *doms = json_array(),
	       *contacts = json_array();

	for (size_t i = 0; i < org->nnetworks; i++)
		json_array_append_new(nets, json_string(org->networks[i].cidr));
	for (size_t i = 0; i < org->nasns; i++)
		json_array_append_new(asns, json_integer(org->asns[i]));
	for (size_t i = 0; i < org->ndomains; i++)
		json_array_append_new(doms, json_string(org->domains[i]));
	for (size_t i = 0; i < org->ncontacts; i++)
		json_array_append_new(contacts,
		                      json_pack("{s:s, s:s*, s:s*}", "email",
		                                org->contacts[i].email, "name",
		                                org->contacts[i].name, "lang",
		                                org->contacts[i].lang));
	return json_array_append_new(arg, json_pack("{s:s, s:b, s:s*, s:o, s:o, s:o, s:o}",
	                                            "name", org->name, "do_not_notify",
	                                            org->do_not_notify, "notes", org->notes,
	                                            "networks", nets, "asns", asns, "domains",
	                                            doms, "contacts", contacts)) == 0
	           ? 0
	           : V_ERR_NOMEM;
}

static int cert_cb(void *arg, const struct store_cert *cert)
{
	json_t *contacts = json_array();

	for (size_t i = 0; i < cert->ncontacts; i++)
		json_array_append_new(contacts, json_string(cert->contacts[i].email));
	return json_array_append_new(arg, json_pack("{s:s, s:s, s:s*, s:o}", "cc", cert->cc,
	                                            "name", cert->name, "notes", cert->notes,
	                                            "contacts", contacts)) == 0
	           ? 0
	           : V_ERR_NOMEM;
}

void ui_api_orgs(const struct http_request *rq, const struct http_call *c,
                 struct http_response *rs)
{
	json_t *orgs = json_array(), *certs = json_array();
	struct verr e = {0};
	int rc;

	(void)c;
	if ((rc = store_orgs_list(rq->st, org_cb, orgs, &e)) != V_OK ||
	    (rc = store_certs_list(rq->st, cert_cb, certs, &e)) != V_OK) {
		json_decref(orgs);
		json_decref(certs);
		failed(rs, rc, &e);
		return;
	}
	http_json(rs, 200, HTTP_JSON,
	          json_pack("{s:o, s:o}", "organisations", orgs, "certs", certs));
}

/* ---- the dashboard -------------------------------------------------------------------------- */

struct group_ctx {
	json_t *arr;
};

static int group_cb(void *arg, const struct store_incident_group *g)
{
	struct group_ctx *x = arg;

	return json_array_append_new(x->arr, json_pack("{s:s*, s:s*, s:I, s:I}", "a", g->a, "b",
	                                               g->b, "n", (json_int_t)g->count, "sum",
	                                               (json_int_t)g->sum)) == 0
	           ? 0
	           : V_ERR_NOMEM;
}

/* One aggregate into out[name]. */
static int group(const struct http_request *rq, json_t *out, const char *name,
                 const struct store_incident_grouping *gq, struct verr *e)
{
	struct group_ctx x = {json_array()};
	int rc;

	if (!x.arr)
		return V_ERR_NOMEM;
	if ((rc = store_incident_groups(rq->st, gq, group_cb, &x, e)) != V_OK) {
		json_decref(x.arr);
		return rc;
	}
	return json_object_set_new(out, name, x.arr) == 0 ? V_OK : V_ERR_NOMEM;
}

/* The notifications sent per day (the ledger, by its time index): out["sent"] = [{day, n}]. */
static int sent_cb(void *arg, const struct store_stat_row *r)
{
	char day[16] = "-";
	time_t t = (time_t)r->num;
	struct tm tm;

	if (gmtime_r(&t, &tm))
		strftime(day, sizeof(day), "%Y-%m-%d", &tm);
	return json_array_append_new(arg, json_pack("{s:s, s:I}", "day", day, "n",
	                                             (json_int_t)r->count)) == 0
	           ? 0
	           : V_ERR_NOMEM;
}

void ui_api_dashboard(const struct http_request *rq, const struct http_call *c,
                      struct http_response *rs)
{
	struct store_incident_grouping gq;
	struct verr e = {0};
	long long days;
	json_t *out = json_object();
	int rc = V_OK;

	(void)c;
	if (http_int_arg(rq, "days", 1, 366, 30, &days)) {
		json_decref(out);
		http_error(rs, 0, 400, "bad request", "days is 1..366");
		return;
	}
	if (!out) {
		http_error(rs, 0, 500, "internal error", "out of memory");
		return;
	}
	memset(&gq, 0, sizeof(gq));
	gq.by = STORE_GROUP_DAY_CLASS; /* incidents per day and classification */
	gq.since = rq->now - days * 86400;
	rc = group(rq, out, "per_day", &gq, &e);
	gq.by = STORE_GROUP_OPEN_AGE; /* open incidents by age bucket and priority */
	gq.now = rq->now;
	if (rc == V_OK)
		rc = group(rq, out, "open_age", &gq, &e);
	gq.by = STORE_GROUP_ORG;
	gq.limit = 10;
	if (rc == V_OK)
		rc = group(rq, out, "top_orgs", &gq, &e);
	gq.by = STORE_GROUP_CLASS;
	if (rc == V_OK)
		rc = group(rq, out, "top_classes", &gq, &e);
	/* the attribution's tops (the incidents' indexed columns, store.h) */
	gq.by = STORE_GROUP_COUNTRY;
	if (rc == V_OK)
		rc = group(rq, out, "top_countries", &gq, &e);
	gq.by = STORE_GROUP_ASN;
	if (rc == V_OK)
		rc = group(rq, out, "top_asns", &gq, &e);
	gq.by = STORE_GROUP_NETWORK;
	if (rc == V_OK)
		rc = group(rq, out, "top_networks", &gq, &e);
	gq.by = STORE_GROUP_RESOLVE; /* opened in the period, now resolved: count, seconds */
	gq.limit = 0;
	if (rc == V_OK)
		rc = group(rq, out, "resolve", &gq, &e);
	gq.by = STORE_GROUP_RESOLVE_PCT; /* the same: median and 90th percentile per priority */
	if (rc == V_OK)
		rc = group(rq, out, "resolve_pct", &gq, &e);
	if (rc == V_OK) {
		json_t *sent = json_array();
		rc = sent ? store_stats(rq->st, STORE_STAT_MESSAGES_PER_DAY, gq.since, rq->now + 1,
		                        0, sent_cb, sent, &e)
		          : V_ERR_NOMEM;
		if (rc == V_OK && json_object_set_new(out, "sent", sent) != 0)
			rc = V_ERR_NOMEM;
		else if (rc != V_OK)
			json_decref(sent);
	}
	if (rc != V_OK) {
		json_decref(out);
		failed(rs, rc, &e);
		return;
	}
	json_object_set_new(out, "days", json_integer(days));
	json_object_set_new(out, "now", json_integer(rq->now));
	http_json(rs, 200, HTTP_JSON, out);
}

/* ---- the URL check ------------------------------------------------------------------------ */

/* One checker for the process (libpsl, ICU, the model load once), used under a lock. */
static pthread_mutex_t url_lock = PTHREAD_MUTEX_INITIALIZER;
static struct url_checker *url_k;
static struct url_result url_r;

void ui_api_url(const struct http_request *rq, const struct http_call *c,
                struct http_response *rs)
{
	const char *u = http_arg(rq, "url");
	struct url_checker_options co = {0};
	struct verr e = {0};
	json_t *reasons, *out;

	(void)c;
	if (!u || !*u || strlen(u) > 8192) {
		http_error(rs, 0, 400, "bad request", "url is the URL to check (up to 8192 bytes)");
		return;
	}
	pthread_mutex_lock(&url_lock);
	if (!url_k) {
		co.psl_path = conf_get("url.psl");
		co.model_path = conf_get("url.model");
		if (url_checker_new(&co, &url_k, &e) != V_OK) {
			pthread_mutex_unlock(&url_lock);
			log_error("http: url check: %s", e.reason);
			http_error(rs, 0, 500, "internal error",
			           "the URL analyzer could not start");
			return;
		}
		url_result_init(&url_r);
	}
	url_check(url_k, u, strlen(u), &url_r);
	reasons = json_array();
	if (url_r.verdict == URL_INVALID && url_r.invalid)
		json_array_append_new(reasons, json_pack("{s:s, s:i, s:s}", "name", "invalid",
		                                         "weight", 0, "detail", url_r.invalid));
	for (size_t i = 0; i < url_r.nreasons; i++)
		json_array_append_new(reasons,
		                      json_pack("{s:s, s:i, s:s}", "name", url_r.reason[i].name,
		                                "weight", url_r.reason[i].weight, "detail",
		                                url_r.reason[i].detail));
	/* json_pack refuses a string that is not UTF-8: such a URL is answered 400 */
	out = json_pack("{s:s, s:s%, s:s, s:s, s:i, s:o}", "url", u, "canonical", url_r.c.canon,
	                url_r.c.len, "registrable", url_r.registrable, "verdict",
	                url_verdict_name(url_r.verdict), "score", url_r.score, "reasons", reasons);
	pthread_mutex_unlock(&url_lock);
	if (!out) {
		http_error(rs, 0, 400, "bad request", "the URL or its reasons are not UTF-8 text");
		return;
	}
	http_json(rs, 200, HTTP_JSON, out);
}
