/*
 * api.c — the JSON API handlers (http_impl.h): the OpenAPI document, who am I, incidents
 * (list with limit/offset pagination, show, change through cases_set, notes through
 * cases_note).  Changes go through src/cases, so each is written with its audit entry in one
 * transaction, as "api:<account>".  Reads are not written to the audit trail (see
 * docs/internals/http.md: the volume would dwarf the changes); they are logged.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "base/log.h"
#include "cases/cases.h"
#include "http/http_impl.h"

#define PAGE_DEFAULT 100
#define PAGE_MAX     1000
#define LIST_BODY_MAX (64u << 20) /* a page of incidents: 1,000 of them with long titles */

/* The OpenAPI 3.1 document, served as is at /api/v1/openapi.json. */
static const char openapi[] =
    "{\"openapi\":\"3.1.0\","
    "\"info\":{\"title\":\"vigia API\",\"version\":\"1\"},"
    "\"components\":{\"securitySchemes\":{"
    "\"bearer\":{\"type\":\"http\",\"scheme\":\"bearer\"},"
    "\"basic\":{\"type\":\"http\",\"scheme\":\"basic\"}},"
    "\"schemas\":{\"Error\":{\"type\":\"object\",\"properties\":{\"error\":{\"type\":\"object\","
    "\"properties\":{\"status\":{\"type\":\"integer\"},\"title\":{\"type\":\"string\"},"
    "\"detail\":{\"type\":\"string\"}}}}}}},"
    "\"security\":[{\"bearer\":[]},{\"basic\":[]}],"
    "\"paths\":{"
    "\"/api/v1/whoami\":{\"get\":{\"summary\":\"the calling account\","
    "\"responses\":{\"200\":{\"description\":\"name, role, partner\"}}}},"
    "\"/api/v1/incidents\":{\"get\":{\"summary\":\"incidents, newest first\","
    "\"parameters\":[{\"name\":\"limit\",\"in\":\"query\",\"schema\":{\"type\":\"integer\","
    "\"minimum\":1,\"maximum\":1000}},{\"name\":\"offset\",\"in\":\"query\",\"schema\":"
    "{\"type\":\"integer\",\"minimum\":0}},{\"name\":\"state\",\"in\":\"query\",\"schema\":"
    "{\"type\":\"string\"}},{\"name\":\"open\",\"in\":\"query\",\"schema\":{\"type\":"
    "\"boolean\"}}],\"responses\":{\"200\":{\"description\":\"{incidents, next}\"}}}},"
    "\"/api/v1/events\":{\"get\":{\"summary\":\"stored events, newest first (IntelMQ "
    "fields)\",\"parameters\":[{\"name\":\"ip\",\"in\":\"query\"},{\"name\":\"network\","
    "\"in\":\"query\"},{\"name\":\"classification\",\"in\":\"query\"},{\"name\":\"feed\","
    "\"in\":\"query\"},{\"name\":\"fqdn\",\"in\":\"query\"},{\"name\":\"url\",\"in\":"
    "\"query\"},{\"name\":\"incident\",\"in\":\"query\"},{\"name\":\"limit\",\"in\":"
    "\"query\"},{\"name\":\"offset\",\"in\":\"query\"}],\"responses\":{\"200\":"
    "{\"description\":\"{events, next}\"}}}},"
    "\"/api/v1/incidents/{id}\":{\"get\":{\"summary\":\"one incident\","
    "\"responses\":{\"200\":{\"description\":\"the incident\"},\"404\":{\"description\":"
    "\"no such incident\"}}},\"patch\":{\"summary\":\"change state, priority, owner, impact, "
    "tlp, pap, title, resolution\",\"responses\":{\"200\":{\"description\":\"the incident\"}}}},"
    "\"/api/v1/incidents/{id}/notes\":{\"post\":{\"summary\":\"add a note {text}\","
    "\"responses\":{\"201\":{\"description\":\"{note}\"}}}},"
    "\"/api/v1/constituency/orgs\":{\"get\":{\"summary\":\"organisations of the "
    "constituency (limit, offset)\",\"responses\":{\"200\":{\"description\":"
    "\"{organisations, next, total}\"}}}},"
    "\"/api/v1/constituency/orgs/{name}\":{\"get\":{\"summary\":\"one organisation\"},"
    "\"put\":{\"summary\":\"create or replace it (administrators; the constituency file "
    "format)\"},\"delete\":{\"summary\":\"remove it (administrators)\"}},"
    "\"/api/v1/constituency/certs\":{\"get\":{\"summary\":\"partner national CERTs "
    "(limit, offset)\"}},"
    "\"/api/v1/constituency/certs/{cc}\":{\"get\":{\"summary\":\"one partner CERT\"},"
    "\"put\":{\"summary\":\"create or replace it (administrators)\"},\"delete\":"
    "{\"summary\":\"remove it (administrators)\"}},"
    "\"/api/v1/incidents/{id}/export\":{\"get\":{\"summary\":\"the incident as vigia "
    "export writes it for a partner (format stix, misp, iodef, csv; for PARTNER)\"}},"
    "\"/api/v1/incidents/{id}/notifications/plan\":{\"get\":{\"summary\":\"who would be "
    "told about the incident and why, as vigia notify plan says it; nothing is queued\","
    "\"responses\":{\"200\":{\"description\":\"{incident, version, recipients, "
    "not_told}\"}}}},"
    "\"/api/v1/notifications\":{\"get\":{\"summary\":\"the notification queue "
    "(incident, state, recipient, limit)\",\"responses\":{\"200\":{\"description\":"
    "\"{notifications, more}\"}}}},"
    "\"/api/v1/incidents/{id}/attachments\":{\"get\":{\"summary\":\"the incident's "
    "attachments: name, size, sha256, time, by\"},\"post\":{\"summary\":\"attach the raw "
    "request body under the file name in query argument name (http.max_attachment; else "
    "413)\",\"responses\":{\"201\":{\"description\":\"{incident, name, sha256, size}\"}}}},"
    "\"/api/v1/incidents/{id}/attachments/{sha256}\":{\"get\":{\"summary\":\"one "
    "attachment's bytes, always as a download (application/octet-stream, Content-Disposition "
    "attachment)\"}},"
    "\"/api/v1/incidents/{id}/report\":{\"get\":{\"summary\":\"the case report as vigia "
    "report --incident writes it (for PARTNER, honouring the sharing policy; format html or "
    "pdf; lang es or en)\"}},"
    "\"/api/v1/reports/period\":{\"get\":{\"summary\":\"the period report of the last "
    "days (days 1..1000, format html or pdf, lang es or en)\"}},"
    "\"/api/v1/constituency/export\":{\"get\":{\"summary\":\"the constituency file as "
    "vigia constituency export writes it (format csv or json)\"}},"
    "\"/api/v1/constituency/import\":{\"post\":{\"summary\":\"check a constituency file "
    "(the raw body; format csv or json) and count what it would add, change and remove "
    "(replace=1: the rest is removed); apply=1 imports it (administrators)\",\"responses\":"
    "{\"200\":{\"description\":\"{valid, applied, organisations, certs}\"},\"422\":"
    "{\"description\":\"{error, errors: [{line, field, reason}]}\"}}}},"
    "\"/taxii2/\":{\"get\":{\"summary\":\"TAXII 2.1 discovery\"}},"
    "\"/taxii2/cti/collections/{id}/objects/\":{\"get\":{\"summary\":\"TAXII 2.1 objects\"},"
    "\"post\":{\"summary\":\"add objects (an envelope) to a writable collection: a status "
    "resource\"}},"
    "\"/taxii2/cti/collections/{id}/objects/{object}/\":{\"get\":{\"summary\":\"one "
    "object\"},\"delete\":{\"summary\":\"delete it (analysts, administrators)\"}},"
    "\"/taxii2/cti/collections/{id}/objects/{object}/versions/\":{\"get\":{\"summary\":"
    "\"its versions\"}},"
    "\"/taxii2/cti/status/{id}/\":{\"get\":{\"summary\":\"a TAXII status resource\"}}"
    "}}";

void api_openapi(const struct http_request *rq, const struct http_call *c, struct http_response *rs)
{
	(void)rq;
	(void)c;
	rs->body = strdup(openapi);
	rs->body_len = rs->body ? strlen(rs->body) : 0;
	rs->status = rs->body ? 200 : 500;
	rs->content_type = HTTP_JSON;
}

void api_whoami(const struct http_request *rq, const struct http_call *c, struct http_response *rs)
{
	(void)rq;
	http_json(rs, 200, HTTP_JSON,
	          json_pack("{s:s, s:s, s:s*}", "name", c->account->name, "role", c->account->role,
	                    "partner", *c->account->partner ? c->account->partner : NULL));
}

struct list_ctx {
	struct buf body;   /* {"incidents":[...  written as the rows come */
	size_t before_last; /* its length before the last incident: the page's extra row */
	int64_t now, count;
};

/* Each incident written straight into the response body (cases_incident_json_buf: the same
 * bytes as the jansson tree dumped, without the tree). */
static int list_cb(void *arg, const struct store_incident *inc)
{
	struct list_ctx *l = arg;
	int rc;

	l->before_last = l->body.len;
	if (l->count++ && (rc = buf_putc(&l->body, ',')) != V_OK)
		return rc;
	return cases_incident_json_buf(&l->body, inc, l->now);
}

/* A store error as a response (500; the reason goes to the log, not to the client). */
static void store_failed(struct http_response *rs, int rc, const struct verr *e)
{
	if (rc == V_ERR_NOTFOUND) {
		http_error(rs, 0, 404, "not found", e->reason);
		return;
	}
	log_error("http: %s", e->reason);
	http_error(rs, 0, 500, "internal error", "the store could not be read or written");
}

void api_incidents(const struct http_request *rq, const struct http_call *c,
                   struct http_response *rs)
{
	struct store_incident_filter f = {0};
	struct list_ctx l = {0};
	struct verr e = {0};
	long long limit, offset, asn;
	const char *state = http_arg(rq, "state"), *open = http_arg(rq, "open");
	enum incident_state s;
	int rc;

	(void)c;
	if (http_int_arg(rq, "limit", 1, PAGE_MAX, PAGE_DEFAULT, &limit) ||
	    http_int_arg(rq, "offset", 0, INT64_MAX / 2, 0, &offset) ||
	    http_int_arg(rq, "asn", 1, 4294967295LL, 0, &asn)) {
		http_error(rs, 0, 400, "bad request",
		           "limit is 1..1000, offset a number of incidents from 0 and asn an AS "
		           "number");
		return;
	}
	f.state = -1;
	/* the attribution (store.h struct store_incident); empty: any */
	f.country = http_arg(rq, "country");
	f.country = f.country && *f.country ? f.country : NULL;
	f.asn = asn;
	f.network = http_arg(rq, "network");
	f.network = f.network && *f.network ? f.network : NULL;
	if (state) {
		if (cases_state_parse(state, &s, &e) != V_OK) {
			http_error(rs, 0, 400, "bad request", e.reason);
			return;
		}
		f.state = (int)s;
	}
	f.open_only = open && (!strcmp(open, "true") || !strcmp(open, "1"));
	f.limit = limit + 1; /* one more: is there a next page? */
	f.offset = offset;
	l.now = rq->now;
	buf_init(&l.body, LIST_BODY_MAX);
	if ((rc = buf_puts(&l.body, "{\"incidents\":[")) == V_OK)
		rc = store_incidents_query(rq->st, &f, list_cb, &l, &e);
	if (rc == V_ERR_NOMEM || rc == V_ERR_LIMIT) {
		buf_fini(&l.body);
		http_error(rs, 0, 500, "internal error", "out of memory");
		return;
	}
	if (rc != V_OK) {
		buf_fini(&l.body);
		store_failed(rs, rc, &e);
		return;
	}
	if (l.count > limit) /* the extra row only said that there is a next page */
		l.body.len = l.before_last;
	rc = l.count > limit ? buf_printf(&l.body, "],\"next\":%lld}", offset + limit)
	                     : buf_puts(&l.body, "],\"next\":null}");
	if (rc != V_OK) {
		buf_fini(&l.body);
		http_error(rs, 0, 500, "internal error", "out of memory");
		return;
	}
	http_body_buf(rs, 200, HTTP_JSON, &l.body);
}

static void show(const struct http_request *rq, int64_t id, int status, struct http_response *rs)
{
	struct store_incident inc;
	struct verr e = {0};
	int rc = store_incident_get(rq->st, id, &inc, &e);

	if (rc != V_OK) {
		store_failed(rs, rc, &e);
		return;
	}
	http_json(rs, status, HTTP_JSON, cases_incident_json(&inc, rq->now));
	store_incident_free(&inc);
}

void api_incident(const struct http_request *rq, const struct http_call *c,
                  struct http_response *rs)
{
	int64_t id;

	if (http_id_param(c, &id)) {
		http_error(rs, 0, 404, "not found", "an incident id is a positive number");
		return;
	}
	show(rq, id, 200, rs);
}

/* The request body as a JSON object, or an error response (415, 400). */
static json_t *body_object(const struct http_request *rq, struct http_response *rs)
{
	json_error_t je;
	json_t *j;

	if (!rq->content_type || strncmp(rq->content_type, HTTP_JSON, strlen(HTTP_JSON))) {
		http_error(rs, 0, 415, "unsupported media type", "send application/json");
		return NULL;
	}
	j = json_loadb(rq->body ? rq->body : "", rq->body_len, JSON_REJECT_DUPLICATES, &je);
	if (!j || !json_is_object(j)) {
		char why[200];

		snprintf(why, sizeof(why), "the body is not a JSON object: %s", j ? "" : je.text);
		json_decref(j);
		http_error(rs, 0, 400, "bad request", why);
		return NULL;
	}
	return j;
}

static void actor(const struct http_call *c, char out[STORE_NAME_MAX + 8])
{
	snprintf(out, STORE_NAME_MAX + 8, "api:%s", c->account->name);
}

void api_incident_note(const struct http_request *rq, const struct http_call *c,
                       struct http_response *rs)
{
	char who[STORE_NAME_MAX + 8];
	struct cases_ctx cx = {rq->st, who, rq->now};
	struct verr e = {0};
	int64_t id, note = 0;
	const char *text;
	json_t *b;
	int rc;

	if (http_id_param(c, &id)) {
		http_error(rs, 0, 404, "not found", "an incident id is a positive number");
		return;
	}
	if (!(b = body_object(rq, rs)))
		return;
	if (!(text = json_string_value(json_object_get(b, "text")))) {
		json_decref(b);
		http_error(rs, 0, 400, "bad request", "the body needs \"text\", a string");
		return;
	}
	actor(c, who);
	rc = cases_note(&cx, id, text, &note, &e);
	json_decref(b);
	if (rc == V_ERR_INVALID) {
		http_error(rs, 0, 400, "bad request", e.reason);
		return;
	}
	if (rc != V_OK) {
		store_failed(rs, rc, &e);
		return;
	}
	http_json(rs, 201, HTTP_JSON,
	          json_pack("{s:I, s:I}", "incident", (json_int_t)id, "note", (json_int_t)note));
}

void api_incident_set(const struct http_request *rq, const struct http_call *c,
                      struct http_response *rs)
{
	static const char *const fields[] = {"state",  "resolution", "owner", "priority",
	                                     "impact", "tlp",        "pap",   "title"};
	char who[STORE_NAME_MAX + 8];
	struct cases_ctx cx = {rq->st, who, rq->now};
	struct cases_change ch;
	struct verr e = {0};
	enum incident_state s;
	const char *key;
	json_t *b, *v;
	int64_t id;
	int rc;

	if (http_id_param(c, &id)) {
		http_error(rs, 0, 404, "not found", "an incident id is a positive number");
		return;
	}
	if (!(b = body_object(rq, rs)))
		return;
	cases_change_init(&ch);
	json_object_foreach(b, key, v)
	{
		size_t k;
		const char *sv = json_string_value(v);

		for (k = 0; k < sizeof(fields) / sizeof(fields[0]); k++)
			if (!strcmp(key, fields[k]))
				break;
		if (k == sizeof(fields) / sizeof(fields[0]) || (!sv && k != 3) ||
		    (k == 3 && !json_is_integer(v) && !sv)) {
			json_decref(b);
			http_error(rs, 0, 400, "bad request",
			           "fields: state, resolution, owner, impact, tlp, pap, title "
			           "(strings) and priority (1..4)");
			return;
		}
		switch (k) {
		case 0:
			if (cases_state_parse(sv, &s, &e) != V_OK) {
				json_decref(b);
				http_error(rs, 0, 400, "bad request", e.reason);
				return;
			}
			ch.state = (int)s;
			break;
		case 1:
			ch.resolution = sv;
			break;
		case 2:
			ch.owner = sv;
			break;
		case 3:
			if (sv ? cases_priority_parse(sv, &ch.priority, &e) != V_OK
			       : (json_integer_value(v) < 1 || json_integer_value(v) > 4)) {
				json_decref(b);
				http_error(rs, 0, 400, "bad request", "priority is 1..4");
				return;
			}
			if (!sv)
				ch.priority = (int)json_integer_value(v);
			break;
		case 4:
			ch.impact = sv;
			break;
		case 5:
			ch.tlp = sv;
			break;
		case 6:
			ch.pap = sv;
			break;
		default:
			ch.title = sv;
			break;
		}
	}
	actor(c, who);
	rc = cases_set(&cx, id, &ch, "set", NULL, &e);
	json_decref(b);
	if (rc == V_ERR_INVALID) {
		http_error(rs, 0, 409, "conflict", e.reason);
		return;
	}
	if (rc != V_OK) {
		store_failed(rs, rc, &e);
		return;
	}
	show(rq, id, 200, rs);
}

struct events_ctx {
	json_t *arr;
	int64_t count;
};

static int event_cb(void *arg, const struct store_event_row *row)
{
	struct events_ctx *x = arg;
	json_t *j = json_loads(row->json, 0, NULL);

	x->count++;
	if (!j)
		return 0; /* a row the store wrote cannot be unreadable; skip rather than fail */
	json_object_set_new(j, "vigia.id", json_integer(row->id));
	json_object_set_new(j, "vigia.repeats", json_integer(row->repeats));
	return json_array_append_new(x->arr, j) == 0 ? 0 : V_ERR_NOMEM;
}

void api_events(const struct http_request *rq, const struct http_call *c, struct http_response *rs)
{
	struct store_event_filter f = {0};
	struct events_ctx x = {0};
	struct verr e = {0};
	long long limit, offset, incident;
	int rc;

	(void)c;
	if (http_int_arg(rq, "limit", 1, PAGE_MAX, PAGE_DEFAULT, &limit) ||
	    http_int_arg(rq, "offset", 0, INT64_MAX / 2, 0, &offset) ||
	    http_int_arg(rq, "incident", 1, INT64_MAX, 0, &incident)) {
		http_error(rs, 0, 400, "bad request",
		           "limit is 1..1000, offset from 0, incident an incident id");
		return;
	}
	f.ip = http_arg(rq, "ip");
	f.network = http_arg(rq, "network");
	f.classification = http_arg(rq, "classification");
	f.feed = http_arg(rq, "feed");
	f.fqdn = http_arg(rq, "fqdn");
	f.url = http_arg(rq, "url");
	f.incident = incident;
	f.limit = limit + 1;
	f.offset = offset;
	if (!(x.arr = json_array())) {
		http_error(rs, 0, 500, "internal error", "out of memory");
		return;
	}
	rc = store_events_query(rq->st, &f, event_cb, &x, &e);
	if (rc == V_ERR_INVALID) {
		json_decref(x.arr);
		http_error(rs, 0, 400, "bad request", e.reason);
		return;
	}
	if (rc != V_OK) {
		json_decref(x.arr);
		store_failed(rs, rc, &e);
		return;
	}
	if (x.count > limit && json_array_size(x.arr) > 0)
		json_array_remove(x.arr, json_array_size(x.arr) - 1);
	http_json(rs, 200, HTTP_JSON,
	          json_pack("{s:o, s:o}", "events", x.arr, "next",
	                    x.count > limit ? json_integer(offset + limit) : json_null()));
}
