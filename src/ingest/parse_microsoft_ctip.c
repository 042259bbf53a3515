/*
 * parse_microsoft_ctip.c — Microsoft Cyber Threat Intelligence Program (CTIP) infected-system
 * data, compatible with IntelMQ's intelmq.bots.parsers.microsoft.parser_ctip.
 *
 * Two shapes of the data, told apart by the first character of the input:
 *   "["  Interflow: a JSON array of indicators (indicatorthreattype "Botnet", version 1.5,
 *        networksourceipv4, networkdestinationipv4, confidence, tlplevel, ...).  The array is
 *        read element by element as its lines come, so its size does not matter; raw is the
 *        element as IntelMQ writes it back, json.dumps([element]).
 *   "{"  Azure: JSON lines (DataFeed, SourcedFrom, DateTimeReceivedUtc in Windows NT time,
 *        ThreatCode, ThreatConfidence, SourceIp, SourceIpInfo{...}, HttpInfo{...},
 *        CustomInfo{...}, Payload: base64 of JSON or text, or plain JSON).  raw is the line.
 * An object with version 1.5 is read as Interflow, any other as Azure, in either shape.
 *
 * Parameters:
 *   overwrite   (default true) Azure's DataFeed replaces the report's feed.name
 *
 * ThreatConfidence (High/Medium/Low/Informational) scales feed.accuracy by 100/50/20/10 %.
 * A field of the data the parser does not know rejects the object, as IntelMQ does, except
 * inside Payload, whose keys are kept as extra.payload.<key>.
 */
#include <ctype.h>
#include <stdlib.h>
#include <string.h>

#include <sodium.h>

#include "base/epoch.h"
#include "base/i18n.h"
#include "base/timeparse.h"
#include "base/utf8.h"
#include "ingest/ingest.h"
#include "ingest/jsonrec.h"

enum { A_OPEN, A_BETWEEN, A_ELEM, A_CLOSED, A_BROKEN };

struct ctip_state {
	int overwrite;
	int mode;        /* 0 not known yet, 1 JSON lines, 2 an array */
	/* the array, element by element */
	int astate;
	struct jsonrec_scan sc; /* brackets of the current element */
	int scalar, skipping;
	struct buf el;   /* the current element's text */
	long el_line;
	struct buf key;  /* scratch for field names */
	struct buf raw;  /* json.dumps([element]) */
};

static void ctip_fini(struct ingest_ctx *ctx)
{
	struct ctip_state *st = ctx->state;

	if (!st)
		return;
	buf_fini(&st->el);
	buf_fini(&st->key);
	buf_fini(&st->raw);
	free(st);
	ctx->state = NULL;
}

static int ctip_init(struct ingest_ctx *ctx, struct verr *err)
{
	struct ctip_state *st = calloc(1, sizeof(*st));

	(void)err;
	if (!st)
		return V_ERR_NOMEM;
	ctx->state = st;
	buf_init(&st->el, 0);
	buf_init(&st->key, 4096);
	buf_init(&st->raw, 0);
	st->overwrite = ingest_param_bool(ctx, "overwrite", 1);
	return V_OK;
}

/* ---- common helpers ----------------------------------------------------------------------- */

static double report_accuracy(struct ingest_ctx *ctx)
{
	size_t n;
	const char *a = event_get_id(ctx->ev, F_FEED_ACCURACY, &n);
	char num[64];

	if (!a || n >= sizeof(num))
		return 100.0;
	memcpy(num, a, n); /* values are not NUL-terminated */
	num[n] = 0;
	return strtod(num, NULL);
}

/* ---- Interflow ---------------------------------------------------------------------------- */

static const char *const interflow_map[][2] = {
	{ "additionalmetadata", "extra.additionalmetadata" },
	{ "description", "event_description.text" }, { "externalid", "malware.name" },
	{ "tlplevel", "tlp" }, { "firstreporteddatetime", "time.source" },
	{ "networksourceipv4", "source.ip" }, { "networksourceport", "source.port" },
	{ "networkdestinationipv4", "destination.ip" },
	{ "networkdestinationport", "destination.port" },
	{ "isproductlicensed", "extra.isproductlicensed" },
	{ "ispartnershareable", "extra.ispartnershareable" }, { "networksourceasn", "source.asn" },
	{ "hostname", "destination.fqdn" }, { "useragent", "extra.user_agent" },
	{ "severity", "extra.severity" }, { "tags", "extra.tags" }, { NULL, NULL }
};

/* additionalmetadata that says nothing: [], [""], ["null"], [null] */
static int empty_metadata(const json_t *v)
{
	const json_t *e;

	if (!json_is_array(v) || json_array_size(v) > 1)
		return 0;
	if (json_array_size(v) == 0)
		return 1;
	e = json_array_get(v, 0);
	return json_is_null(e) || (json_is_string(e) && (!strcmp(json_string_value(e), "") ||
							 !strcmp(json_string_value(e), "null")));
}

static int interflow(struct ingest_ctx *ctx, const json_t *o, const char *raw, size_t rawlen)
{
	const json_t *tt = json_object_get(o, "indicatorthreattype");
	const json_t *conf = json_object_get(o, "confidence");
	const json_t *dst = json_object_get(o, "networkdestinationipv4");
	const char *k;
	json_t *v;

	if (!json_is_string(tt) || strcmp(json_string_value(tt), "Botnet"))
		return ingest_reject(ctx, "indicatorthreattype",
				     _("unknown %s, only %s is supported"), "indicatorthreattype",
				     "Botnet");
	ingest_new_event(ctx);
	json_object_foreach((json_t *)o, k, v) {
		int i;
		if (!strcmp(k, "version") || !strcmp(k, "indicatorthreattype") ||
		    !strcmp(k, "confidence") || !strcmp(k, "indicatorexpirationdatetime"))
			continue;
		if (!strcmp(k, "additionalmetadata") && empty_metadata(v))
			continue;
		for (i = 0; interflow_map[i][0] && strcmp(interflow_map[i][0], k); i++)
			;
		if (!interflow_map[i][0]) {
			ingest_fail(ctx, k, _("unknown field '%s%s' in the data"), "", k);
			break;
		}
		const char *field = interflow_map[i][1];
		if (!strcmp(k, "firstreporteddatetime")) {
			if (!json_is_string(v)) {
				ingest_fail(ctx, k, _("not a timestamp"));
				continue;
			}
			buf_reset(&ctx->scratch);
			buf_append(&ctx->scratch, json_string_value(v), json_string_length(v));
			buf_puts(&ctx->scratch, " UTC");
			ingest_add(ctx, field, ctx->scratch.data, ctx->scratch.len, ING_OVERWRITE);
		} else if (!strcmp(k, "hostname")) {
			/* the destination address again, or junk: not a name */
			if (!json_equal(v, dst))
				ingest_add_json(ctx, field, v, ING_OVERWRITE | ING_IGNORE_INVALID);
		} else if (!strcmp(k, "networkdestinationipv4") && json_is_string(v)) {
			/* "192.88.99.209, 192.88.99.209" happens: the first address */
			const char *s = json_string_value(v), *comma = strchr(s, ',');
			if (!strcmp(s, "0.0.0.0"))
				continue;
			ingest_add(ctx, field, s, comma ? (size_t)(comma - s) : strlen(s),
				   ING_OVERWRITE);
		} else {
			ingest_add_json(ctx, field, v, ING_OVERWRITE);
		}
	}
	if (!json_is_number(conf))
		ingest_fail(ctx, "confidence", _("'%s' is not a number"), "confidence");
	else
		ingest_add_float(ctx, "feed.accuracy",
				 report_accuracy(ctx) * json_number_value(conf) / 100,
				 ING_OVERWRITE);
	ingest_add_str(ctx, "classification.type", "infected-system", 0);
	return ingest_emit(ctx, raw, rawlen);
}

/* ---- Azure -------------------------------------------------------------------------------- */

#define IGN "__IGNORE__"

static const char *const azure_map[][2] = {
	{ "DataFeed", "feed.name" }, { "SourcedFrom", "event_description.text" },
	{ "DateTimeReceivedUtc", "time.source" }, { "DateTimeReceivedUtcTxt", IGN },
	{ "Malware", "extra.malware" }, { "ThreatCode", "malware.name" },
	{ "ThreatConfidence", "feed.accuracy" }, { "TotalEncounters", "extra.total_encounters" },
	{ "TLP", "tlp" }, { "SourceIp", "source.ip" }, { "SourcePort", "source.port" },
	{ "DestinationIp", "destination.ip" }, { "DestinationPort", "destination.port" },
	{ "TargetIp", IGN }, { "TargetPort", IGN },
	/* DestinationIpInfo.* come in the ctip-c2 feed */
	{ "DestinationIpInfo.DestinationIpAsnNumber", "destination.asn" },
	{ "DestinationIpInfo.DestinationIpAsnOrgName", "destination.as_name" },
	{ "DestinationIpInfo.DestinationIpCountryCode", "destination.geolocation.cc" },
	{ "DestinationIpInfo.DestinationIpRegion", "destination.geolocation.region" },
	{ "DestinationIpInfo.DestinationIpCity", "destination.geolocation.city" },
	{ "DestinationIpInfo.DestinationIpPostalCode",
	  "extra.destination.geolocation.postal_code" },
	{ "DestinationIpInfo.DestinationIpLatitude", "destination.geolocation.latitude" },
	{ "DestinationIpInfo.DestinationIpLongitude", "destination.geolocation.longitude" },
	{ "DestinationIpInfo.DestinationIpMetroCode", "extra.destination.geolocation.metro_code" },
	{ "DestinationIpInfo.DestinationIpAreaCode", "extra.destination.geolocation.area_code" },
	{ "DestinationIpInfo.DestinationIpConnectionType", "extra.destination.connection_type" },
	{ "DestinationIpInfo.DestinationIpv4Int", IGN },
	{ "Signatures.Sha256", "extra.signatures.sha256" },
	{ "SourceIpInfo.SourceIpAsnNumber", "source.asn" },
	{ "SourceIpInfo.SourceIpAsnOrgName", "source.as_name" },
	{ "SourceIpInfo.SourceIpCountryCode", "source.geolocation.cc" },
	{ "SourceIpInfo.SourceIpRegion", "source.geolocation.region" },
	{ "SourceIpInfo.SourceIpCity", "source.geolocation.city" },
	{ "SourceIpInfo.SourceIpPostalCode", "extra.source.geolocation.postal_code" },
	{ "SourceIpInfo.SourceIpLatitude", "source.geolocation.latitude" },
	{ "SourceIpInfo.SourceIpLongitude", "source.geolocation.longitude" },
	{ "SourceIpInfo.SourceIpMetroCode", "extra.source.geolocation.metro_code" },
	{ "SourceIpInfo.SourceIpAreaCode", "extra.source.geolocation.area_code" },
	{ "SourceIpInfo.SourceIpConnectionType", "extra.source.connection_type" },
	{ "SourceIpInfo.SourceIpv4Int", IGN },
	{ "HttpInfo.HttpHost", "extra.http.host" },
	{ "HttpInfo.HttpRequest", "extra.http.request" },
	{ "HttpInfo.HttpMethod", "extra.http.method" },
	{ "HttpInfo.HttpReferrer", "extra.http.referrer" },
	{ "HttpInfo.HttpUserAgent", "extra.user_agent" },
	{ "HttpInfo.HttpVersion", "extra.http.version" },
	{ "CustomInfo.CustomField1", "extra.custom_field1" },
	{ "CustomInfo.CustomField2", "extra.custom_field2" },
	{ "CustomInfo.CustomField3", "extra.custom_field3" },
	{ "CustomInfo.CustomField4", "extra.custom_field4" },
	{ "CustomInfo.CustomField5", "extra.custom_field5" },
	{ "Payload", "extra.payload.text" },
	{ "Payload.ts", "extra.payload.timestamp" }, { "Payload.ip", "extra.payload.ip" },
	{ "Payload.port", "extra.payload.port" }, { "Payload.serverIp", "extra.payload.server.ip" },
	{ "Payload.serverPort", "extra.payload.server.port" },
	{ "Payload.domain", "destination.fqdn" }, { "Payload.family", "extra.payload.family" },
	{ "Payload.malware", "extra.payload.malware" },
	{ "Payload.response", "extra.payload.response" },
	{ "Payload.handler", "extra.payload.handler" }, { "Payload.type", "protocol.application" },
	{ "Payload.Time", "extra.payload.time" }, { "Payload.SourceIP", "extra.payload.source.ip" },
	{ "Payload.DestIP", "extra.payload.destination.ip" },
	{ "Payload.RemotePort", "extra.payload.remote.port" },
	{ "Payload.RemoteHost", "extra.payload.remote.host" },
	{ "Payload.ServerPort", "extra.payload.server.port" },
	{ "Payload.BCode", "extra.payload.b_code" },
	{ "Payload.Protocol", "extra.payload.protocol" },
	{ "Payload.Length", "extra.payload.length" }, { "Payload.URI", "destination.urlpath" },
	{ "Payload.Referer", "extra.http_referer" }, { "Payload.UserAgent", "extra.user_agent" },
	{ "Payload.RequestMethod", "extra.http.method" }, { "Payload.HTTPHost", "extra.http.host" },
	{ "Payload.Custom1", "extra.payload.custom_field1" },
	{ "Payload.Custom2", "extra.payload.custom_field2" },
	{ "Payload.Custom3", "extra.payload.custom_field3" },
	{ "Payload.Custom4", "extra.payload.custom_field4" },
	{ "Payload.Custom5", "extra.payload.custom_field5" },
	{ "Payload.source_ip", "extra.payload.source.ip" },
	{ "Payload.source_port", "extra.payload.source.port" },
	{ "Payload.destination_ip", "extra.payload.destination.ip" },
	{ "Payload.destination_port", "extra.payload.destination.port" },
	{ NULL, NULL }
};

static const char *azure_field(struct ctip_state *st, const char *key)
{
	for (int i = 0; azure_map[i][0]; i++)
		if (!strcmp(azure_map[i][0], key))
			return azure_map[i][1];
	if (!strncmp(key, "Payload.", 8)) {
		/* the payload's own keys vary by malware family: kept as they are */
		buf_reset(&st->key);
		buf_puts(&st->key, "extra.payload.");
		buf_puts(&st->key, key + 8);
		return buf_cstr(&st->key);
	}
	return NULL;
}

/* Seconds since the epoch (with a fraction) as IntelMQ's DateTime.from_timestamp. */
static int epoch_to_text(const json_t *v, char *out)
{
	struct vtime t;

	if (!json_is_number(v) || epoch_to_vtime(json_number_value(v), &t) != 0)
		return -1;
	time_format(&t, out);
	return 0;
}

static void azure_value(struct ingest_ctx *ctx, struct ctip_state *st, const char *key,
			const json_t *v, const json_t *line)
{
	const char *field = azure_field(st, key);
	char tb[48];

	if (!field) {
		ingest_fail(ctx, key, _("unknown field '%s%s' in the data"), "", key);
		return;
	}
	if (!strcmp(field, IGN))
		return;
	if (!strcmp(key, "ThreatConfidence")) {
		static const struct { const char *name; int pct; } conf[] = {
			{ "High", 100 }, { "Medium", 50 }, { "Low", 20 }, { "Informational", 10 },
			{ NULL, 0 }
		};
		const char *s = json_string_value(v);
		int i;
		if (s && !strcmp(s, "None"))
			return;
		for (i = 0; conf[i].name && !(s && !strcmp(conf[i].name, s)); i++)
			;
		if (!conf[i].name) {
			ingest_fail(ctx, key, _("unknown value of '%s'"), key);
			return;
		}
		ingest_add_float(ctx, field, report_accuracy(ctx) * conf[i].pct / 100,
				 ING_OVERWRITE);
		return;
	}
	if (!strcmp(key, "DateTimeReceivedUtc")) {
		struct vtime t;
		char num[32];
		const char *s = num;
		size_t n;
		if (json_is_integer(v)) {
			n = (size_t)snprintf(num, sizeof(num), "%" JSON_INTEGER_FORMAT,
					     json_integer_value(v));
		} else if (json_is_string(v)) {
			s = json_string_value(v);
			n = json_string_length(v);
		} else {
			n = 0;
		}
		if (!n || time_parse_windows_nt(s, n, &t) != 0) {
			ingest_fail(ctx, key, _("not a Windows NT timestamp"));
			return;
		}
		time_format(&t, tb);
		ingest_add_str(ctx, field, tb, ING_OVERWRITE);
		return;
	}
	if (!strcmp(key, "Payload.ts")) {
		if (epoch_to_text(v, tb) != 0)
			ingest_fail(ctx, key, _("not a timestamp"));
		else
			ingest_add_str(ctx, field, tb, ING_OVERWRITE);
		return;
	}
	if (!strcmp(key, "Payload.Protocol") && json_is_string(v)) {
		/* "HTTP/1.1": the protocol, and the whole text as extra.payload.protocol */
		const char *s = json_string_value(v), *slash = strchr(s, '/');
		if (!event_has(ctx->ev, "protocol.application"))
			ingest_add(ctx, "protocol.application", s,
				   slash ? (size_t)(slash - s) : strlen(s), 0);
	} else if (!pyjson_truthy(v)) {
		return;
	}
	if (!strcmp(key, "TLP") && json_is_string(v)) {
		const char *s = json_string_value(v);
		if (!strcasecmp(s, "Unknown"))
			return;
		if (!strcasecmp(s, "Yellow")) {
			/* CTIP's YELLOW is TLP's AMBER */
			ingest_add_str(ctx, field, "AMBER", ING_OVERWRITE);
			return;
		}
	}
	if (!strcmp(key, "Payload.domain")) {
		/* often the destination address again: not a name */
		if (!json_equal(v, json_object_get(line, "DestinationIp")))
			ingest_add_json(ctx, field, v, ING_OVERWRITE | ING_IGNORE_INVALID);
		return;
	}
	if (!strcmp(field, "feed.name") && !st->overwrite && event_has(ctx->ev, field))
		return; /* the report's feed.name stays */
	ingest_add_json(ctx, field, v, ING_OVERWRITE);
}

/* Payload: plain JSON, base64 of JSON, base64 of text, or "AA==" (nothing).  Returns a new
 * reference: an object to spread as Payload.<key>, or a string for extra.payload.text. */
static json_t *decode_payload(const json_t *v)
{
	const char *s;
	size_t n, outlen;
	json_t *j;
	json_error_t je;

	if (!json_is_string(v))
		return json_incref((json_t *)v);
	s = json_string_value(v);
	n = json_string_length(v);
	if (!strcmp(s, "AA=="))
		return NULL;
	j = json_loadb(s, n, 0, &je);
	if (json_is_object(j))
		return j;
	json_decref(j);
	unsigned char *bin = malloc(n + 1);
	if (!bin)
		return NULL;
	if (sodium_base642bin(bin, n + 1, s, n, " \r\n", &outlen, NULL,
			      sodium_base64_VARIANT_ORIGINAL) == 0 &&
	    utf8_valid((const char *)bin, outlen, NULL) && !memchr(bin, 0, outlen)) {
		j = json_loadb((const char *)bin, outlen, 0, &je);
		if (!json_is_object(j)) {
			json_decref(j);
			j = json_stringn((const char *)bin, outlen);
		}
	} else {
		j = json_incref((json_t *)v);
	}
	free(bin);
	return j;
}

static int azure(struct ingest_ctx *ctx, const json_t *o, const char *raw, size_t rawlen)
{
	struct ctip_state *st = ctx->state;
	json_t *payload = NULL;
	const char *k, *kk;
	json_t *v, *vv;
	char name[512];
	int rc;

	ingest_new_event(ctx);
	if ((v = json_object_get(o, "Payload")))
		payload = decode_payload(v);
	/* as IntelMQ: plain values first, then the objects spread as Object.Key */
	json_object_foreach((json_t *)o, k, v) {
		if (!strcmp(k, "Payload")) {
			if (payload && !json_is_object(payload))
				azure_value(ctx, st, k, payload, o);
		} else if (!json_is_object(v)) {
			azure_value(ctx, st, k, v, o);
		}
	}
	json_object_foreach((json_t *)o, k, v) {
		const json_t *obj = !strcmp(k, "Payload") ? payload : v;
		if (!json_is_object(obj))
			continue;
		json_object_foreach((json_t *)obj, kk, vv) {
			snprintf(name, sizeof(name), "%s.%s", k, kk);
			azure_value(ctx, st, name, vv, o);
		}
	}
	json_decref(payload);
	ingest_add_str(ctx, "classification.type", "infected-system", 0);
	rc = ingest_emit(ctx, raw, rawlen);
	return rc;
}

static int ctip_object(struct ingest_ctx *ctx, const json_t *o, const char *raw, size_t rawlen)
{
	const json_t *ver = json_object_get(o, "version");

	if (json_is_number(ver) && json_number_value(ver) == 1.5)
		return interflow(ctx, o, raw, rawlen);
	return azure(ctx, o, raw, rawlen);
}

/* ---- input shapes ------------------------------------------------------------------------- */

static int parse_element(struct ingest_ctx *ctx)
{
	struct ctip_state *st = ctx->state;
	json_t *o;
	int rc;

	ctx->rec = st->el.data;
	ctx->rec_len = st->el.len;
	ctx->line = st->el_line;
	rc = jsonrec_load_object(ctx, st->el.data, st->el.len, JSON_DECODE_ANY, &o);
	if (rc != V_OK)
		return rc;
	/* raw: the element as IntelMQ writes it back */
	buf_reset(&st->raw);
	if (pyjson_dump(&st->raw, o, PYJSON_IN_LIST) != V_OK)
		rc = ingest_reject(ctx, NULL, _("record too large"));
	else
		rc = ctip_object(ctx, o, st->raw.data, st->raw.len);
	json_decref(o);
	return rc;
}

static void end_element(struct ingest_ctx *ctx)
{
	struct ctip_state *st = ctx->state;

	if (!st->skipping)
		parse_element(ctx);
	buf_reset(&st->el);
	st->skipping = 0;
	memset(&st->sc, 0, sizeof(st->sc));
	st->astate = A_BETWEEN;
}

/* One line of an array: elements are cut out as their closing bracket comes. */
static void array_line(struct ingest_ctx *ctx, const char *s, size_t n)
{
	struct ctip_state *st = ctx->state;
	const char *rec = s;
	size_t rec_len = n;
	long line = ctx->line;

	for (size_t i = 0; i < n; i++) {
		char c = s[i];
		switch (st->astate) {
		case A_OPEN:
			if (isspace((unsigned char)c))
				continue;
			if (c == '[') {
				st->astate = A_BETWEEN;
				continue;
			}
			ingest_reject(ctx, NULL, _("not a JSON array"));
			st->astate = A_BROKEN;
			return;
		case A_BETWEEN:
			if (isspace((unsigned char)c) || c == ',')
				continue;
			if (c == ']') {
				st->astate = A_CLOSED;
				continue;
			}
			st->astate = A_ELEM;
			st->el_line = line;
			st->scalar = c != '{' && c != '[';
			/* fall through */
		case A_ELEM:
			if (st->scalar && !st->sc.in_str && (c == ',' || c == ']')) {
				end_element(ctx);
				if (c == ']')
					st->astate = A_CLOSED;
				continue;
			}
			if (!st->skipping && (buf_putc(&st->el, c) != V_OK ||
					      st->el.len > ctx->opt.max_line)) {
				ctx->rec = st->el.data;
				ctx->rec_len = st->el.len > 256 ? 256 : st->el.len;
				ctx->line = st->el_line;
				ingest_reject(ctx, NULL, _("JSON object longer than %zu bytes"),
					      ctx->opt.max_line);
				st->skipping = 1;
				buf_reset(&st->el);
			}
			if (jsonrec_scan_byte(&st->sc, c) && st->sc.depth == 0 && !st->scalar)
				end_element(ctx);
			continue;
		case A_CLOSED:
			if (isspace((unsigned char)c))
				continue;
			ctx->rec = rec;
			ctx->rec_len = rec_len;
			ctx->line = line;
			ingest_reject(ctx, NULL, _("text after the end of the JSON array"));
			st->astate = A_BROKEN;
			return;
		default:
			return;
		}
	}
	if (st->astate == A_ELEM) {
		if (st->sc.in_str) {
			/* a JSON string never spans lines: the array is broken from here on */
			ctx->rec = st->el.data;
			ctx->rec_len = st->el.len;
			ctx->line = st->el_line;
			ingest_reject(ctx, NULL, _("invalid JSON: %s"), "unterminated string");
			st->astate = A_BROKEN;
			return;
		}
		if (!st->skipping)
			buf_putc(&st->el, '\n');
	}
}

static int ctip_record(struct ingest_ctx *ctx, const char *rec, size_t len)
{
	struct ctip_state *st = ctx->state;
	size_t i;
	json_t *o;
	int rc;

	if (st->mode != 2) {
		for (i = 0; i < len && isspace((unsigned char)rec[i]); i++)
			;
		if (i == len)
			return V_OK; /* blank lines */
		if (!st->mode) {
			st->mode = rec[i] == '[' ? 2 : 1;
			st->astate = A_OPEN;
		}
	}
	if (st->mode == 2) {
		array_line(ctx, rec, len);
		return V_OK;
	}
	rc = jsonrec_load_object(ctx, rec, len, 0, &o);
	if (rc == V_OK)
		rc = ctip_object(ctx, o, NULL, 0);
	json_decref(o);
	return rc;
}

static int ctip_finish(struct ingest_ctx *ctx)
{
	struct ctip_state *st = ctx->state;
	int rc = V_OK;

	if (st->mode == 2 && st->astate != A_CLOSED && st->astate != A_BROKEN) {
		ctx->rec = st->el.data;
		ctx->rec_len = st->el.len;
		rc = ingest_reject(ctx, NULL, _("JSON array not closed at the end of the input"));
	}
	st->mode = 0;
	st->astate = A_OPEN;
	st->scalar = st->skipping = 0;
	memset(&st->sc, 0, sizeof(st->sc));
	buf_reset(&st->el);
	return rc;
}

const struct parser parser_microsoft_ctip = {
	.name = "microsoft_ctip",
	.aliases = (const char *const[]){ "intelmq.bots.parsers.microsoft.parser_ctip", NULL },
	.description = N_("Microsoft CTIP infected systems (Interflow JSON or Azure JSON lines)"),
	.mode = PARSE_LINES,
	.init = ctip_init,
	.record = ctip_record,
	.finish = ctip_finish,
	.fini = ctip_fini,
};
