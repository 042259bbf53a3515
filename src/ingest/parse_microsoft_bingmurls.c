/*
 * parse_microsoft_bingmurls.c — Microsoft Bing malicious URLs (via Interflow), compatible with
 * IntelMQ's intelmq.bots.parsers.microsoft.parser_bingmurls.
 *
 * The input is a JSON array of indicators: Attributable, Description, FirstReportedDateTime,
 * IndicatorThreatType ("MaliciousUrl"), NetworkDestinationIPv4/Asn/Port, Tags (a country
 * code), TLPLevel, Url, Version (1.5), ...  Each indicator is one "blacklist" event; raw is
 * the indicator as IntelMQ writes it back, json.dumps([indicator], sort_keys=True).
 *
 * An indicator of another version or threat type, with a field the parser does not know, or
 * whose LastReportedDateTime differs from FirstReportedDateTime is rejected, as in IntelMQ.
 */
#include <string.h>

#include "base/i18n.h"
#include "ingest/ingest.h"
#include "ingest/jsonrec.h"

/* ---- the indicators ----------------------------------------------------------------------- */

/* raw: json.dumps([indicator], sort_keys=True) */
#define RAW_FLAGS (PYJSON_SORT_KEYS | PYJSON_IN_LIST)

static const char *const bing_map[][2] = {
	{ "Attributable", "extra.attributable" }, { "Description", "event_description.text" },
	{ "IndicatorThreatType", "classification.identifier" }, { "TLPLevel", "tlp" },
	{ "FirstReportedDateTime", "time.source" }, { "NetworkDestinationAsn", "source.asn" },
	{ "NetworkDestinationIPv4", "source.ip" }, { "NetworkDestinationPort", "source.port" },
	{ "IsProductLicensed", "extra.isproductlicensed" },
	{ "IsPartnerShareable", "extra.ispartnershareable" }, { "Url", "source.url" },
	{ "IndicatorProvider", "extra.indicator_provider" },
	{ "IndicatorExpirationDateTime", "extra.indicator_expiration_date_time" },
	{ "ThreatDetectionProduct", "extra.threat_detection_product" }, { "Tags", "extra.tags" },
	{ NULL, NULL }
};

static int is_str(const json_t *v, const char *s)
{
	return json_is_string(v) && !strcmp(json_string_value(v), s);
}

/* One element of the document (the current record, whose text is its raw). */
static int indicator(struct ingest_ctx *ctx, const json_t *o, void *arg)
{
	const json_t *ver = json_object_get(o, "Version");
	const char *k;
	json_t *v;

	(void)arg;
	if (!json_is_object(o))
		return ingest_reject(ctx, NULL, _("not a JSON object"));
	if (!json_is_number(ver) || json_number_value(ver) != 1.5)
		return ingest_reject(ctx, "Version", _("unknown %s, only %s is supported"),
				     "Version", "1.5");
	if (!is_str(json_object_get(o, "IndicatorThreatType"), "MaliciousUrl"))
		return ingest_reject(ctx, "IndicatorThreatType",
				     _("unknown %s, only %s is supported"), "IndicatorThreatType",
				     "MaliciousUrl");
	ingest_new_event(ctx);
	json_object_foreach((json_t *)o, k, v) {
		int i;
		if (!strcmp(k, "LastReportedDateTime")) {
			if (!json_equal(v, json_object_get(o, "FirstReportedDateTime")))
				ingest_fail(ctx, k, _("%s differs from %s"), k,
					    "FirstReportedDateTime");
			continue;
		}
		if (!strcmp(k, "Version"))
			continue;
		if (!strcmp(k, "NetworkDestinationIPv4") &&
		    (is_str(v, "0.0.0.0") || is_str(v, "255.255.255.255")))
			continue;
		if (!strcmp(k, "NetworkDestinationAsn") && json_is_number(v) &&
		    json_number_value(v) == 0)
			continue;
		if (!strcmp(k, "Tags") && json_is_array(v) && json_array_size(v) == 1) {
			/* the one tag is the country; "??" for unknown */
			const json_t *t = json_array_get(v, 0);
			if (!is_str(t, "??"))
				ingest_add_json(ctx, "source.geolocation.cc", t, 0);
			continue;
		}
		for (i = 0; bing_map[i][0] && strcmp(bing_map[i][0], k); i++)
			;
		if (!bing_map[i][0]) {
			ingest_fail(ctx, k, _("unknown field '%s%s' in the data"), "", k);
			break;
		}
		ingest_add_json(ctx, bing_map[i][1], v, ING_OVERWRITE);
	}
	ingest_add_str(ctx, "classification.type", "blacklist", 0);
	return ingest_emit(ctx, NULL, 0);
}

static int bing_record(struct ingest_ctx *ctx, const char *rec, size_t len)
{
	json_error_t je;
	json_t *doc, *o;
	size_t i;
	int rc = V_OK;

	doc = json_loadb(rec, len, 0, &je);
	if (!doc)
		return ingest_reject(ctx, NULL, _("invalid JSON: %s"), je.text);
	if (json_is_object(doc)) {
		rc = jsonrec_element(ctx, doc, RAW_FLAGS, indicator, NULL);
	} else if (!json_is_array(doc)) {
		rc = ingest_reject(ctx, NULL, _("not a JSON array"));
	} else {
		json_array_foreach(doc, i, o) {
			/* raw, and what a reject shows: the indicator as IntelMQ writes it back,
			 * json.dumps([indicator], sort_keys=True) (a non-object alone) */
			int r = jsonrec_element(ctx, o,
						json_is_object(o) ? RAW_FLAGS : PYJSON_SORT_KEYS,
						indicator, NULL);
			if (r != V_OK)
				rc = r;
		}
	}
	json_decref(doc);
	return rc;
}

const struct parser parser_microsoft_bingmurls = {
	.name = "microsoft_bingmurls",
	.aliases = (const char *const[]){ "intelmq.bots.parsers.microsoft.parser_bingmurls", NULL },
	.description = N_("Microsoft Bing malicious URLs via Interflow (JSON array)"),
	.mode = PARSE_DOCUMENT,
	.record = bing_record,
};
