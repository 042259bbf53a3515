/*
 * api_constituency.c — the JSON API of the constituency and of notifications: organisations
 * and partner CERTs (list, show; create or replace and remove for administrators) and the
 * notification queue (its status, per incident, recipient or state).
 *
 * Organisations and CERTs travel as the objects of the constituency file format
 * (docs/formats.md, constituency_org_json): a PUT body is read by the same reader as
 * `vigia constituency import` (constituency_file_read_buffer: every value checked and
 * normalised, no network, ASN or domain claimed twice) and applied in one transaction with its
 * audit entry, as "api:<account>".  Lists are paginated with limit/offset and say "next" (the
 * offset of the next page, or null).  Errors are the API's JSON error objects.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <strings.h>
#include <unistd.h>
#include <string.h>

#include <jansson.h>

#include "base/conf.h"
#include "base/log.h"
#include "enrich/constituency.h"
#include "enrich/ipdb.h"
#include "http/api_constituency.h"
#include "notify/notify.h"

#define PAGE_DEFAULT 100
#define PAGE_MAX     1000

/* j (stolen) as compact JSON text (caller frees), or NULL. */
static char *dump_new(json_t *j, size_t flags)
{
	char *s = j ? json_dumps(j, flags) : NULL;

	json_decref(j);
	return s;
}

static void store_failed(struct http_response *rs, int rc, const struct verr *e)
{
	if (rc == V_ERR_NOTFOUND) {
		http_error(rs, 0, 404, "not found", e->reason);
		return;
	}
	if (rc == V_ERR_INVALID || rc == V_ERR_EXISTS || rc == V_ERR_PARSE || rc == V_ERR_USAGE) {
		char why[400];

		snprintf(why, sizeof(why), "%s%s%s", e->field[0] ? e->field : "",
		         e->field[0] ? ": " : "", e->reason);
		http_error(rs, 0, rc == V_ERR_EXISTS ? 409 : 400,
		           rc == V_ERR_EXISTS ? "conflict" : "bad request", why);
		return;
	}
	log_error("http: %s", e->reason);
	http_error(rs, 0, 500, "internal error", "the store could not be read or written");
}

/* ---- lists ----------------------------------------------------------------------------------- */

struct page {
	json_t *arr;
	long long offset, limit, seen;
	int oom;
};

/* Keep item j (stolen) when it falls in the page. */
static int page_take(struct page *p, json_t *j)
{
	long long i = p->seen++;

	if (i < p->offset || i >= p->offset + p->limit) {
		json_decref(j);
		return 0;
	}
	if (!j || json_array_append_new(p->arr, j) != 0) {
		p->oom = 1;
		return V_ERR_NOMEM;
	}
	return 0;
}

static int org_cb(void *arg, const struct store_org *org)
{
	struct page *p = arg;

	/* only the page's items are made into JSON */
	if (p->seen < p->offset || p->seen >= p->offset + p->limit) {
		p->seen++;
		return 0;
	}
	return page_take(p, constituency_org_json(org));
}

static int cert_cb(void *arg, const struct store_cert *cert)
{
	struct page *p = arg;

	if (p->seen < p->offset || p->seen >= p->offset + p->limit) {
		p->seen++;
		return 0;
	}
	return page_take(p, constituency_cert_json(cert));
}

/* The page as {key: [...], next, total}. */
static void page_done(struct http_response *rs, struct page *p, const char *key)
{
	long long next = p->offset + p->limit;

	http_json(rs, 200, HTTP_JSON,
	          json_pack("{s:o, s:o, s:I}", key, p->arr, "next",
	                    next < p->seen ? json_integer(next) : json_null(), "total",
	                    (json_int_t)p->seen));
}

static int page_args(const struct http_request *rq, struct http_response *rs, struct page *p)
{
	memset(p, 0, sizeof(*p));
	if (http_int_arg(rq, "limit", 1, PAGE_MAX, PAGE_DEFAULT, &p->limit) ||
	    http_int_arg(rq, "offset", 0, (long long)1 << 40, 0, &p->offset)) {
		http_error(rs, 0, 400, "bad request", "limit is 1..1000, offset 0 or more");
		return -1;
	}
	p->arr = json_array();
	return 0;
}

void api_orgs(const struct http_request *rq, const struct http_call *c, struct http_response *rs)
{
	struct page p;
	struct verr e = {0};
	int rc;

	(void)c;
	if (page_args(rq, rs, &p))
		return;
	if ((rc = store_orgs_list(rq->st, org_cb, &p, &e)) != V_OK) {
		json_decref(p.arr);
		store_failed(rs, rc, &e);
		return;
	}
	page_done(rs, &p, "organisations");
}

void api_certs(const struct http_request *rq, const struct http_call *c, struct http_response *rs)
{
	struct page p;
	struct verr e = {0};
	int rc;

	(void)c;
	if (page_args(rq, rs, &p))
		return;
	if ((rc = store_certs_list(rq->st, cert_cb, &p, &e)) != V_OK) {
		json_decref(p.arr);
		store_failed(rs, rc, &e);
		return;
	}
	page_done(rs, &p, "certs");
}

/* ---- one ------------------------------------------------------------------------------------- */

static void org_show(const struct http_request *rq, const char *name, int status,
                     struct http_response *rs)
{
	struct store_org *org = NULL;
	struct verr e = {0};
	int rc;

	if ((rc = store_org_get(rq->st, name, &org, &e)) != V_OK) {
		store_failed(rs, rc, &e);
		return;
	}
	http_json(rs, status, HTTP_JSON, constituency_org_json(org));
	store_org_free(org);
}

static void cert_show(const struct http_request *rq, const char *cc, int status,
                      struct http_response *rs)
{
	struct store_cert *cert = NULL;
	struct verr e = {0};
	int rc;

	if ((rc = store_cert_get(rq->st, cc, &cert, &e)) != V_OK) {
		store_failed(rs, rc, &e);
		return;
	}
	http_json(rs, status, HTTP_JSON, constituency_cert_json(cert));
	store_cert_free(cert);
}

void api_org(const struct http_request *rq, const struct http_call *c, struct http_response *rs)
{
	org_show(rq, c->params[0], 200, rs);
}

/* The path's country code as the store keeps it.  0, or -1 with an error made (status 404 to
 * read, 400 to write: no CERT can exist there). */
static int path_cc(const struct http_call *c, struct http_response *rs, int status, char cc[3])
{
	struct verr e = {0};

	if (constituency_cc(c->params[0], cc, &e) == V_OK)
		return 0;
	http_error(rs, 0, status, status == 404 ? "not found" : "bad request", e.reason);
	return -1;
}

void api_cert(const struct http_request *rq, const struct http_call *c, struct http_response *rs)
{
	char cc[3];

	if (path_cc(c, rs, 404, cc) == 0)
		cert_show(rq, cc, 200, rs);
}

/* ---- changes (administrators) ------------------------------------------------------------- */

/*
 * Put one organisation (key "organisations", name field "name") or CERT (key "certs", field
 * "country") from the body, whose name must be the path's: read as a constituency file of one
 * entry and applied with its audit entry.  V_OK, or a response was made.
 */
static int put_one(const struct http_request *rq, const struct http_call *c,
                   struct http_response *rs, const char *key, const char *field)
{
	struct constituency_file *f = NULL;
	struct verr e = {0};
	char actor[STORE_NAME_MAX + 8], *text = NULL, *after = NULL;
	const char *given;
	json_t *body, *doc;
	int rc;

	if (!rq->content_type || strncmp(rq->content_type, HTTP_JSON, strlen(HTTP_JSON))) {
		http_error(rs, 0, 415, "unsupported media type", "send application/json");
		return -1;
	}
	body = json_loadb(rq->body ? rq->body : "", rq->body_len, JSON_REJECT_DUPLICATES, NULL);
	if (!json_is_object(body)) {
		json_decref(body);
		http_error(rs, 0, 400, "bad request", "the body is not a JSON object");
		return -1;
	}
	given = json_string_value(json_object_get(body, field));
	if (!given)
		json_object_set_new(body, field, json_string(c->params[0]));
	else if (strcasecmp(given, c->params[0])) {
		json_decref(body);
		http_error(rs, 0, 400, "bad request", "the body names another entry than the path");
		return -1;
	}
	doc = json_pack("{s:i, s:[O]}", "vigia_constituency", 1, key, body);
	text = doc ? json_dumps(doc, JSON_COMPACT) : NULL;
	json_decref(doc);
	if (!text) {
		json_decref(body);
		http_error(rs, 0, 500, "internal error", "out of memory");
		return -1;
	}
	rc = constituency_file_read_buffer("request body", text, strlen(text),
	                                   CONSTITUENCY_FMT_JSON, &f, &e);
	free(text);
	if (rc != V_OK) {
		json_decref(body);
		store_failed(rs, rc == V_ERR_NOMEM ? rc : V_ERR_INVALID, &e);
		return -1;
	}
	snprintf(actor, sizeof(actor), "api:%s", c->account->name);
	after = json_dumps(body, JSON_COMPACT);
	json_decref(body);
	if (!after)
		rc = verr_set(&e, V_ERR_NOMEM, "", "%s", vres_str(V_ERR_NOMEM));
	else if ((rc = store_begin(rq->st, &e)) == V_OK) {
		if ((rc = constituency_file_apply(rq->st, f, 0, &e)) == V_OK &&
		    (rc = store_audit_append(rq->st, actor, "constituency",
		                             !strcmp(key, "certs") ? "api-put-cert" : "api-put-org",
		                             NULL, after, &e)) == V_OK)
			rc = store_commit(rq->st, &e);
		if (rc != V_OK)
			store_rollback(rq->st);
	}
	free(after);
	constituency_file_free(f);
	if (rc != V_OK) {
		store_failed(rs, rc, &e);
		return -1;
	}
	return 0;
}

void api_org_put(const struct http_request *rq, const struct http_call *c, struct http_response *rs)
{
	if (put_one(rq, c, rs, "organisations", "name") == 0)
		org_show(rq, c->params[0], 200, rs);
}

void api_cert_put(const struct http_request *rq, const struct http_call *c,
                  struct http_response *rs)
{
	char cc[3];

	if (path_cc(c, rs, 400, cc) == 0 && put_one(rq, c, rs, "certs", "country") == 0)
		cert_show(rq, cc, 200, rs);
}

static void remove_one(const struct http_request *rq, const struct http_call *c,
                       struct http_response *rs, int cert)
{
	struct verr e = {0};
	char actor[STORE_NAME_MAX + 8], *before, cc[3];
	const char *key = c->params[0];
	int rc;

	if (cert) {
		if (path_cc(c, rs, 404, cc))
			return;
		key = cc;
	}
	snprintf(actor, sizeof(actor), "api:%s", c->account->name);
	if (!(before =
	          dump_new(json_pack("{s:s}", cert ? "country" : "name", key), JSON_COMPACT))) {
		http_error(rs, 0, 500, "internal error", "out of memory");
		return;
	}
	if ((rc = store_begin(rq->st, &e)) == V_OK) {
		rc = cert ? store_cert_remove(rq->st, key, &e) : store_org_remove(rq->st, key, &e);
		if (rc == V_OK &&
		    (rc = store_audit_append(rq->st, actor, "constituency",
		                             cert ? "api-remove-cert" : "api-remove-org", before,
		                             NULL, &e)) == V_OK)
			rc = store_commit(rq->st, &e);
		if (rc != V_OK)
			store_rollback(rq->st);
	}
	free(before);
	if (rc != V_OK) {
		store_failed(rs, rc, &e);
		return;
	}
	rs->status = 204;
	rs->content_type = HTTP_JSON;
}

void api_org_delete(const struct http_request *rq, const struct http_call *c,
                    struct http_response *rs)
{
	remove_one(rq, c, rs, 0);
}

void api_cert_delete(const struct http_request *rq, const struct http_call *c,
                     struct http_response *rs)
{
	remove_one(rq, c, rs, 1);
}

/* ---- notifications --------------------------------------------------------------------------- */

static const char *const notice_states[] = {"queued", "sending", "sent", "failed"};

struct notices {
	json_t *arr;
	long long limit, n;
};

static int notice_cb(void *arg, const struct store_notice *n)
{
	struct notices *l = arg;
	json_t *j;

	if (l->n++ >= l->limit)
		return 0; /* the one past the page: there is more */
	j = json_pack("{s:I, s:I, s:I, s:s, s:s*, s:s, s:s*, s:s, s:s, s:s, s:s, s:s*, s:I, s:I, "
	              "s:s, s:i, s:s*, s:s*}",
	              "id", (json_int_t)n->id, "incident", (json_int_t)n->incident, "version",
	              (json_int_t)n->version, "recipient", n->recipient, "name", n->name, "kind",
	              n->kind, "rule", n->rule, "lang", n->lang, "format", n->format, "template",
	              n->template_name, "interval", n->interval, "why", n->why, "created",
	              (json_int_t)n->created, "due", (json_int_t)n->due, "state",
	              n->state >= 0 && n->state < 4 ? notice_states[n->state] : "unknown",
	              "attempts", n->attempts, "message_id", n->message_id, "error", n->error);
	return j && json_array_append_new(l->arr, j) == 0 ? 0 : V_ERR_NOMEM;
}

void api_notifications(const struct http_request *rq, const struct http_call *c,
                       struct http_response *rs)
{
	struct store_notice_filter f = {.state = -1};
	struct notices l = {0};
	struct verr e = {0};
	const char *state = http_arg(rq, "state");
	long long incident;
	int rc;

	(void)c;
	if (http_int_arg(rq, "limit", 1, PAGE_MAX, PAGE_DEFAULT, &l.limit) ||
	    http_int_arg(rq, "incident", 1, INT64_MAX, 0, &incident)) {
		http_error(rs, 0, 400, "bad request", "limit is 1..1000, incident a number");
		return;
	}
	if (state) {
		for (f.state = 0; f.state < 4 && strcmp(state, notice_states[f.state]); f.state++)
			;
		if (f.state == 4) {
			http_error(rs, 0, 400, "bad request",
			           "state is queued, sending, sent or failed");
			return;
		}
	}
	f.incident = incident;
	f.recipient = http_arg(rq, "recipient");
	f.limit = l.limit + 1;
	l.arr = json_array();
	if ((rc = store_notices_query(rq->st, &f, notice_cb, &l, &e)) != V_OK) {
		json_decref(l.arr);
		store_failed(rs, rc, &e);
		return;
	}
	http_json(rs, 200, HTTP_JSON,
	          json_pack("{s:o, s:b}", "notifications", l.arr, "more", l.n > l.limit));
}

/* ---- the plan of one incident ---------------------------------------------------------------- */

/* What `vigia notify plan ID --json` says of one incident, read from the store as it is now:
 * who would be told (recipient, the rule and why) and which addresses nobody would be told
 * about (and why).  Nothing is queued.  The constituency, the routing rules and the IP index
 * are read per request: a plan is asked for one incident at a time, by an analyst. */
static int plan_cb(void *arg, const struct notify_subject *s, const struct notify_target *t)
{
	json_t **out = arg, *j;

	(void)s;
	/* the fields and values of `vigia notify plan --json` (cmd_notify.c), and the template */
	j = json_pack("{s:s?, s:s?, s:s, s:s, s:s?, s:s?, s:s?, s:s?, s:s?, s:s?, s:s?}",
	              "recipient", t->recipient, "name", t->name, "kind",
	              t->recipient ? notify_kind_name(t->kind) : "none", "side",
	              t->side == NOTIFY_DESTINATION ? "destination" : "source", "address",
	              t->address, "lang", t->lang, "format", t->format, "template",
	              t->recipient ? t->template_name : NULL, "interval",
	              t->recipient ? notify_interval_name(t->interval) : NULL, "rule", t->rule,
	              "why", t->why);
	return j && json_array_append_new(out[t->recipient ? 0 : 1], j) == 0 ? 0 : V_ERR_NOMEM;
}

void api_notification_plan(const struct http_request *rq, const struct http_call *c,
                           struct http_response *rs)
{
	struct constituency *con = NULL;
	struct notify_rules *rules = NULL;
	struct notify_planner *p = NULL;
	struct notify_subject *s = NULL;
	struct ipdb *db = NULL;
	struct store_incident inc;
	struct verr e = {0};
	json_t *out[2] = {NULL, NULL};
	char path[4096];
	int64_t id;
	int rc, have_inc = 0;

	if (http_id_param(c, &id)) {
		http_error(rs, 0, 400, "bad request", "the incident id is a positive number");
		return;
	}
	if ((rc = store_incident_get(rq->st, id, &inc, &e)) != V_OK) {
		store_failed(rs, rc, &e);
		return;
	}
	have_inc = 1;
	ipdb_default_path(NULL, path, sizeof(path));
	if ((rc = constituency_load(rq->st, &con, &e)) != V_OK ||
	    (rc = notify_rules_load(conf_get("notify.rules"), &rules, &e)) != V_OK ||
	    (access(path, R_OK) == 0 && (rc = ipdb_open(path, 0, &db, &e)) != V_OK)) {
		log_error("http: notification plan: %s%s%s", e.file ? e.file : "",
		          e.file ? ": " : "", e.reason);
		http_error(rs, 0, 500, "internal error",
		           "the constituency, the routing rules or the IP index could not be read");
		goto done;
	}
	if (notify_planner_new(con, db, rules, &p) != V_OK || !(s = malloc(sizeof(*s)))) {
		http_error(rs, 0, 500, "internal error", "out of memory");
		goto done;
	}
	if ((rc = notify_planner_policy(p, rq->st, &e)) != V_OK) {
		store_failed(rs, rc, &e);
		goto done;
	}
	notify_subject_init(s, &inc);
	if ((rc = notify_subject_load(rq->st, s, conf_get_int("notify.max_events"), &e)) != V_OK) {
		store_failed(rs, rc, &e);
		goto done;
	}
	out[0] = json_array();
	out[1] = json_array();
	if (!out[0] || !out[1] || notify_plan(p, s, plan_cb, out) != 0) {
		http_error(rs, 0, 500, "internal error", "out of memory");
		goto done;
	}
	http_json(rs, 200, HTTP_JSON,
	          json_pack("{s:I, s:I, s:o, s:o}", "incident", (json_int_t)id, "version",
	                    (json_int_t)s->version, "recipients", out[0], "not_told", out[1]));
	out[0] = out[1] = NULL;
done:
	json_decref(out[0]);
	json_decref(out[1]);
	free(s);
	notify_planner_free(p);
	notify_rules_free(rules);
	ipdb_close(db);
	constituency_free(con);
	if (have_inc)
		store_incident_free(&inc);
}
