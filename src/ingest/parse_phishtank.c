/*
 * parse_phishtank.c — PhishTank's online-valid phishing list in JSON, compatible with
 * IntelMQ's intelmq.bots.parsers.phishtank.parser.
 *
 * The input is one JSON array of objects (phish_id, url, phish_detail_url, submission_time,
 * verified, verification_time, online, details[], target); each object is one phishing
 * event with status "online" (the list only holds live sites), whose raw is the object alone
 * as IntelMQ rewrites it: json.dumps([object]).  The first entry of details gives the
 * hosting IP address, network, AS and country.
 *
 * An invalid url rejects the object; any other invalid value is dropped.
 */
#include <string.h>

#include "base/i18n.h"
#include "base/timeparse.h"
#include "ingest/ingest.h"
#include "ingest/jsonrec.h"

static void add_opt(struct ingest_ctx *ctx, const char *key, const json_t *v, unsigned flags)
{
	if (v)
		ingest_add_json(ctx, key, v, flags);
}

/* One element (the current record, whose text is its raw). */
static int phish_object(struct ingest_ctx *ctx, const json_t *o, void *arg)
{
	const json_t *t = json_object_get(o, "submission_time");
	const json_t *details = json_object_get(o, "details");

	(void)arg;
	if (!json_is_object(o))
		return ingest_reject(ctx, NULL, _("not a JSON object"));
	ingest_new_event(ctx);
	if (json_is_string(t) && json_string_length(t)) {
		/* a time that cannot be read is left out, as IntelMQ does */
		struct vtime tv;
		char out[48];
		if (time_parse(json_string_value(t), json_string_length(t), &tv) == 0) {
			time_format(&tv, out);
			ingest_add_str(ctx, "time.source", out, ING_IGNORE_INVALID);
		}
	}
	ingest_add_str(ctx, "classification.type", "phishing", 0);
	add_opt(ctx, "extra.phishtank.phish_id", json_object_get(o, "phish_id"),
		ING_IGNORE_INVALID);
	add_opt(ctx, "source.url", json_object_get(o, "url"), 0);
	add_opt(ctx, "event_description.url", json_object_get(o, "phish_detail_url"),
		ING_IGNORE_INVALID);
	add_opt(ctx, "event_description.target", json_object_get(o, "target"), ING_IGNORE_INVALID);
	ingest_add_str(ctx, "status", "online", ING_IGNORE_INVALID);
	add_opt(ctx, "extra.phishtank.verified", json_object_get(o, "verified"),
		ING_IGNORE_INVALID);
	add_opt(ctx, "extra.phishtank.verification_time", json_object_get(o, "verification_time"),
		ING_IGNORE_INVALID);
	if (json_is_array(details) && json_array_size(details) > 0) {
		const json_t *d = json_array_get(details, 0);
		if (!json_is_object(d)) {
			ingest_fail(ctx, "details", _("details[0] is not a JSON object"));
		} else {
			add_opt(ctx, "source.ip", json_object_get(d, "ip_address"),
				ING_IGNORE_INVALID);
			add_opt(ctx, "source.network", json_object_get(d, "cidr_block"),
				ING_IGNORE_INVALID);
			add_opt(ctx, "source.asn", json_object_get(d, "announcing_network"),
				ING_IGNORE_INVALID);
			add_opt(ctx, "source.geolocation.cc", json_object_get(d, "country"),
				ING_IGNORE_INVALID);
		}
	}
	return ingest_emit(ctx, NULL, 0);
}

static int phish_record(struct ingest_ctx *ctx, const char *rec, size_t len)
{
	json_t *doc;
	int rc = jsonrec_load_document(ctx, rec, len, &doc);

	if (rc == V_OK)
		rc = jsonrec_each(ctx, doc, PYJSON_IN_LIST, phish_object, NULL);
	json_decref(doc);
	return rc;
}

const struct parser parser_phishtank = {
	.name = "phishtank",
	.aliases = (const char *const[]){ "intelmq.bots.parsers.phishtank.parser", NULL },
	.description = N_("PhishTank online-valid phishing URLs (JSON)"),
	.mode = PARSE_DOCUMENT,
	.record = phish_record,
};
