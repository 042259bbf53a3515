/*
 * api_export.c — GET /api/v1/incidents/{id}/export?format=stix|misp|iodef|csv[&for=PARTNER]:
 * one incident as `vigia export` would write it for a partner, through the same policy-filtered
 * view (share_view_build) and the same writers (share/stix.c, misp.c, iodef.c, csvout.c).
 * Without `for`, the recipient is the kind of share.unnamed_recipient, as for the CLI.  What
 * the policy kept back is counted in the X-Vigia-Withheld-Incidents and -Events headers (the
 * reasons are the exporter's, in the log).  Analysts and administrators only (route.c).
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "base/buf.h"
#include "base/conf.h"
#include "base/log.h"
#include "event/event.h"
#include "http/api_constituency.h"
#include "share/csvout.h"
#include "share/iodef.h"
#include "share/misp.h"
#include "share/policy.h"
#include "share/stix.h"
#include "share/view.h"

/* The events of an incident of the view as CSV lines appended to out. */
static int csv_events(const struct share_incident *si, struct buf *out)
{
	size_t k;
	json_t *o;
	int rc = V_OK;

	json_array_foreach(si->events, k, o)
	{
		struct event *ev = event_new();

		if (!ev)
			return V_ERR_NOMEM;
		if (event_from_json(ev, o, EV_NOSANITIZE, NULL) == V_OK)
			rc = csvout_event(out, si->id, ev, csvout_default_fields, csvout_ndefault);
		event_free(ev);
		if (rc != V_OK)
			return rc;
	}
	return V_OK;
}

void api_incident_export(const struct http_request *rq, const struct http_call *c,
                         struct http_response *rs)
{
	const char *format = http_arg(rq, "format"), *to = http_arg(rq, "for"), *type;
	struct share_view_options o = {0};
	struct policy_recipient r;
	struct store_partner *p = NULL;
	struct share_view *v = NULL;
	struct verr e = {0};
	struct buf out;
	enum recipient_kind kind;
	char *end, num[24];
	long long id;
	int64_t one;
	int rc;

	errno = 0;
	id = strtoll(c->params[0], &end, 10);
	if (errno || end == c->params[0] || *end || id <= 0) {
		http_error(rs, 0, 404, "not found", "no such incident");
		return;
	}
	if (!format)
		format = "stix";
	if (!strcmp(format, "stix"))
		type = HTTP_STIX;
	else if (!strcmp(format, "misp"))
		type = HTTP_JSON;
	else if (!strcmp(format, "iodef"))
		type = "application/xml";
	else if (!strcmp(format, "csv"))
		type = "text/csv; charset=utf-8";
	else {
		http_error(rs, 0, 400, "bad request", "format is stix, misp, iodef or csv");
		return;
	}
	memset(&r, 0, sizeof(r));
	if (to) {
		if ((rc = store_partner_get(rq->st, to, &p, &e)) != V_OK ||
		    (rc = policy_recipient_init(&r, p, &e)) != V_OK) {
			store_partner_free(p);
			if (rc == V_ERR_NOTFOUND)
				http_error(rs, 0, 404, "not found", "no such partner");
			else {
				log_error("http: export: %s", e.reason);
				http_error(rs, 0, 500, "internal error",
				           "the partner is not usable");
			}
			return;
		}
		store_partner_free(p);
	} else {
		if (policy_kind_parse(conf_get("share.unnamed_recipient"), &kind, &e) != V_OK)
			kind = RK_COMMUNITY;
		policy_recipient_kind(&r, kind);
	}
	if (policy_tlp_parse(conf_get("share.default_tlp"), &o.default_tlp, &e) != V_OK)
		o.default_tlp = TLP_AMBER;
	one = id;
	o.recipient = &r;
	o.incidents = &one;
	o.nincidents = 1;
	o.keep_events = !strcmp(format, "csv");
	o.now = rq->now;
	buf_init(&out, 0);
	rc = share_view_build(rq->st, &o, &v, &e);
	if (rc == V_OK) {
		if (!strcmp(format, "stix"))
			rc = stix_write(v, &out, NULL, &e);
		else if (!strcmp(format, "misp"))
			rc = misp_write(v, &out, NULL, &e);
		else if (!strcmp(format, "iodef"))
			rc = iodef_write(v, &out, NULL, &e);
		else {
			rc = csvout_header(&out, csvout_default_fields, csvout_ndefault);
			for (size_t i = 0; rc == V_OK && i < v->nincidents; i++)
				rc = csv_events(&v->incidents[i], &out);
		}
	}
	policy_recipient_fini(&r);
	if (rc != V_OK) {
		share_view_free(v);
		buf_fini(&out);
		if (rc == V_ERR_NOTFOUND)
			http_error(rs, 0, 404, "not found", "no such incident");
		else {
			log_error("http: export: %s", e.reason);
			http_error(rs, 0, 500, "internal error", "the export could not be written");
		}
		return;
	}
	snprintf(num, sizeof(num), "%zu", v->withheld_incidents);
	http_header(rs, "X-Vigia-Withheld-Incidents", num);
	snprintf(num, sizeof(num), "%zu", v->withheld_events);
	http_header(rs, "X-Vigia-Withheld-Events", num);
	share_view_free(v);
	free(rs->body);
	rs->body = out.data; /* handed over: the response frees it */
	rs->body_len = out.len;
	if (!rs->body) {
		rs->body = strdup("");
		rs->body_len = 0;
	}
	rs->status = 200;
	rs->content_type = type;
}
