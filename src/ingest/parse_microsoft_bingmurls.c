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
#include <stdlib.h>
#include <string.h>

#include "base/i18n.h"
#include "ingest/ingest.h"

/* ---- Python's json.dumps(..., sort_keys=True) --------------------------------------------- */

/* A string as Python's json.dumps writes it (ensure_ascii): "\uXXXX" in lower-case hex for
 * everything outside printable ASCII. */
static void py_str(struct buf *b, const char *s, size_t n)
{
	const unsigned char *p = (const unsigned char *)s;

	buf_putc(b, '"');
	for (size_t i = 0; i < n;) {
		uint32_t c = p[i];
		size_t len = 1;
		if (c >= 0xf0 && i + 3 < n) {
			c = (c & 0x07) << 18 | (p[i + 1] & 0x3fu) << 12 | (p[i + 2] & 0x3fu) << 6 |
			    (p[i + 3] & 0x3fu);
			len = 4;
		} else if (c >= 0xe0 && i + 2 < n) {
			c = (c & 0x0f) << 12 | (p[i + 1] & 0x3fu) << 6 | (p[i + 2] & 0x3fu);
			len = 3;
		} else if (c >= 0xc0 && i + 1 < n) {
			c = (c & 0x1f) << 6 | (p[i + 1] & 0x3fu);
			len = 2;
		}
		i += len;
		switch (c) {
		case '"': buf_puts(b, "\\\""); continue;
		case '\\': buf_puts(b, "\\\\"); continue;
		case '\n': buf_puts(b, "\\n"); continue;
		case '\r': buf_puts(b, "\\r"); continue;
		case '\t': buf_puts(b, "\\t"); continue;
		case '\b': buf_puts(b, "\\b"); continue;
		case '\f': buf_puts(b, "\\f"); continue;
		default: break;
		}
		if (c >= 0x20 && c < 0x7f) {
			buf_putc(b, (char)c);
			continue;
		}
		if (c >= 0x10000) {
			c -= 0x10000; /* a surrogate pair */
			buf_printf(b, "\\u%04x\\u%04x", (unsigned)(0xd800 | (c >> 10)),
				   (unsigned)(0xdc00 | (c & 0x3ff)));
		} else {
			buf_printf(b, "\\u%04x", (unsigned)c);
		}
	}
	buf_putc(b, '"');
}

static int cmp_key(const void *a, const void *b)
{
	return strcmp(*(const char *const *)a, *(const char *const *)b);
}

/* A JSON value as Python's json.dumps(v, sort_keys=True) writes it: ", " and ": " between
 * items, keys sorted by code point (byte order of UTF-8), floats as repr(). */
static void py_dump_sorted(struct buf *b, const json_t *v)
{
	const char *k;
	json_t *x;
	size_t i, n;
	char num[48];

	switch (json_typeof(v)) {
	case JSON_OBJECT: {
		const char **keys;
		n = json_object_size(v);
		keys = malloc((n ? n : 1) * sizeof(*keys));
		if (!keys)
			return;
		i = 0;
		json_object_foreach((json_t *)v, k, x)
			keys[i++] = k;
		qsort(keys, n, sizeof(*keys), cmp_key);
		buf_putc(b, '{');
		for (i = 0; i < n; i++) {
			if (i)
				buf_puts(b, ", ");
			py_str(b, keys[i], strlen(keys[i]));
			buf_puts(b, ": ");
			py_dump_sorted(b, json_object_get(v, keys[i]));
		}
		buf_putc(b, '}');
		free(keys);
		break;
	}
	case JSON_ARRAY:
		buf_putc(b, '[');
		json_array_foreach(v, i, x) {
			if (i)
				buf_puts(b, ", ");
			py_dump_sorted(b, x);
		}
		buf_putc(b, ']');
		break;
	case JSON_STRING:
		py_str(b, json_string_value(v), json_string_length(v));
		break;
	case JSON_INTEGER:
		buf_printf(b, "%" JSON_INTEGER_FORMAT, json_integer_value(v));
		break;
	case JSON_REAL:
		buf_append(b, num, value_format_float(json_real_value(v), num));
		break;
	case JSON_TRUE: buf_puts(b, "true"); break;
	case JSON_FALSE: buf_puts(b, "false"); break;
	case JSON_NULL: buf_puts(b, "null"); break;
	}
}

/* ---- the indicators ----------------------------------------------------------------------- */

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

static int indicator(struct ingest_ctx *ctx, const json_t *o)
{
	const json_t *ver = json_object_get(o, "Version");
	const char *k;
	json_t *v, *wrap;

	/* raw, and what a reject shows: the indicator as IntelMQ writes it back */
	wrap = json_array();
	json_array_append(wrap, (json_t *)o);
	buf_reset(&ctx->raw);
	py_dump_sorted(&ctx->raw, wrap);
	json_decref(wrap);
	ctx->rec = ctx->raw.data;
	ctx->rec_len = ctx->raw.len;

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
	return ingest_emit(ctx, ctx->raw.data, ctx->raw.len);
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
		rc = indicator(ctx, doc);
	} else if (!json_is_array(doc)) {
		rc = ingest_reject(ctx, NULL, _("not a JSON array"));
	} else {
		json_array_foreach(doc, i, o) {
			int r;
			if (!json_is_object(o)) {
				buf_reset(&ctx->raw);
				py_dump_sorted(&ctx->raw, o);
				ctx->rec = ctx->raw.data;
				ctx->rec_len = ctx->raw.len;
				r = ingest_reject(ctx, NULL, _("not a JSON object"));
			} else {
				r = indicator(ctx, o);
			}
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
