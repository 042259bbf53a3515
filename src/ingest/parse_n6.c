/*
 * parse_n6.c — CERT Polska n6 stream, compatible with IntelMQ's
 * intelmq.bots.parsers.n6.parser_n6stomp.
 *
 * Each n6 message is one JSON object: category, confidence, name, proto, time, type ("event"
 * or "bl-update"), source, id, fqdn, url, dip/dport/sport, md5/sha1, expires and address[]
 * (ip, cc, asn, rdns).  An object gives one event per address, or one event when it has no
 * address.  Objects are read line by line: one per line, or one spread over several lines;
 * raw is the object's text (the line, or its lines each ending in "\n").  A message that
 * contains "TEST MESSAGE" is n6's connection test and is skipped.
 *
 * The n6 category gives classification taxonomy, type and identifier (table below, in the
 * RSIT names of IntelMQ 3); for "bots" the identifier is the malware name.
 */
#include <stdlib.h>
#include <string.h>

#include "base/i18n.h"
#include "base/timeparse.h"
#include "ingest/ingest.h"
#include "ingest/jsonrec.h"

static const struct {
	const char *category, *taxonomy, *type, *identifier;
} n6_categories[] = {
	{ "amplifier", "vulnerable", "vulnerable-system", "amplifier" },
	{ "bots", "malicious-code", "infected-system", "malware-generic" },
	{ "backdoor", "intrusions", "system-compromise", "hacked server" },
	{ "cnc", "malicious-code", "c2-server", "c&c server" },
	{ "dns-query", "other", "other", "dns-query" },
	{ "dos-attacker", "availability", "ddos", "dos-attacker" },
	{ "dos-victim", "availability", "ddos", "dos-victim" },
	{ "flow", "other", "other", "flow" },
	{ "flow-anomaly", "other", "other", "flow-anomaly" },
	{ "fraud", "fraud", "masquerade", "fraud" },
	{ "leak", "information-content-security", "data-leak", "leak" },
	{ "malurl", "malicious-code", "exploit", "malurl" },
	{ "malware-action", "malicious-code", "malware-configuration", "malware-configuration" },
	{ "phish", "fraud", "phishing", "phishing" },
	{ "proxy", "other", "proxy", "openproxy" },
	{ "sandbox-url", "malicious-code", "malware-distribution", "sandboxurl" },
	{ "scanning", "information-gathering", "scanner", "scanning" },
	{ "server-exploit", "malicious-code", "exploit", "server-exploit" },
	{ "spam", "abusive-content", "spam", "spam" },
	{ "spam-url", "abusive-content", "spam", "spam-url" },
	{ "tor", "other", "tor", "tor exit node" },
	{ "webinject", "malicious-code", "infected-system", "malware" },
	{ "vulnerable", "vulnerable", "other", "vulnerable" },
	{ "other", "other", "other", "other" },
	{ NULL, NULL, NULL, NULL }
};

struct n6_state {
	struct jsonrec obj; /* the object being read */
};

static void n6_fini(struct ingest_ctx *ctx)
{
	struct n6_state *st = ctx->state;

	if (!st)
		return;
	jsonrec_fini(&st->obj);
	free(st);
	ctx->state = NULL;
}

static int n6_init(struct ingest_ctx *ctx, struct verr *err)
{
	struct n6_state *st = calloc(1, sizeof(*st));

	(void)err;
	if (!st)
		return V_ERR_NOMEM;
	ctx->state = st;
	jsonrec_init(&st->obj);
	return V_OK;
}

/* The fields every event of the object has (IntelMQ builds them once and copies). */
static void common_fields(struct ingest_ctx *ctx, const json_t *o)
{
	static const char *const simple[][2] = {
		{ "time", "time.source" }, { "dip", "destination.ip" },
		{ "dport", "destination.port" }, { "md5", "malware.hash.md5" },
		{ "sha1", "malware.hash.sha1" }, { "proto", "protocol.transport" },
		{ "sport", "source.port" }, { "url", "source.url" },
		{ "confidence", "extra.confidence" }, { "source", "extra.feed_source" },
		{ NULL, NULL }
	};
	const json_t *v;
	char tb[48];

	for (int i = 0; simple[i][0]; i++)
		if ((v = json_object_get(o, simple[i][0])))
			ingest_add_json(ctx, simple[i][1], v, 0);
	v = json_object_get(o, "fqdn");
	if (v && !(json_is_string(v) && !strcmp(json_string_value(v), "unknown")))
		ingest_add_json(ctx, "source.fqdn", v, 0);
	if ((v = json_object_get(o, "id")))
		ingest_add_json(ctx, "extra.feed_id", v, ING_OVERWRITE);
	if ((v = json_object_get(o, "adip")))
		ingest_add_json(ctx, "extra.adip", v, ING_OVERWRITE);
	if ((v = json_object_get(o, "expires"))) {
		struct vtime t;
		if (!json_is_string(v) ||
		    time_parse(json_string_value(v), json_string_length(v), &t) != 0) {
			ingest_fail(ctx, "expires", _("not a timestamp"));
		} else {
			time_format(&t, tb);
			ingest_add_str(ctx, "extra.expires", tb, 0);
		}
	}

	const json_t *name = json_object_get(o, "name");
	if (name && ingest_add_json(ctx, "malware.name", name, ING_IGNORE_INVALID) ==
			    V_ERR_INVALID && json_is_string(name)) {
		/* keep the printable ASCII of the name, and the name itself as description */
		const char *s = json_string_value(name);
		buf_reset(&ctx->scratch);
		for (size_t i = 0; i < json_string_length(name); i++)
			if (s[i] >= ' ' && s[i] <= '~')
				buf_putc(&ctx->scratch, s[i]);
		ingest_add(ctx, "malware.name", ctx->scratch.data, ctx->scratch.len, 0);
		ingest_add_json(ctx, "event_description.text", name, 0);
	}

	const json_t *type = json_object_get(o, "type");
	const json_t *cat = json_object_get(o, "category");
	if (json_is_string(type) && !strcmp(json_string_value(type), "bl-update")) {
		ingest_add_str(ctx, "classification.taxonomy", "other", 0);
		ingest_add_str(ctx, "classification.type", "blacklist", 0);
	} else if (!type || !cat) {
		ingest_fail(ctx, type ? "category" : "type", _("required field '%s' is missing"),
			    type ? "category" : "type");
	} else if (json_is_string(cat)) {
		int i;
		for (i = 0; n6_categories[i].category &&
			    strcmp(n6_categories[i].category, json_string_value(cat)); i++)
			;
		if (!n6_categories[i].category) {
			ingest_fail(ctx, "category", _("unknown value of '%s'"), "category");
			return;
		}
		ingest_add_str(ctx, "classification.taxonomy", n6_categories[i].taxonomy,
			       ING_OVERWRITE);
		ingest_add_str(ctx, "classification.type", n6_categories[i].type, ING_OVERWRITE);
		if (!strcmp(n6_categories[i].category, "bots") && json_is_string(name))
			ingest_add_json(ctx, "classification.identifier", name, ING_OVERWRITE);
		else
			ingest_add_str(ctx, "classification.identifier",
				       n6_categories[i].identifier, ING_OVERWRITE);
	} else if (!json_is_null(cat)) {
		ingest_fail(ctx, "category", _("unknown value of '%s'"), "category");
	}
}

static int n6_object(struct ingest_ctx *ctx, const json_t *o, const char *raw, size_t rawlen)
{
	const json_t *addrs = json_object_get(o, "address"), *a;
	size_t i;
	int rc = V_OK;

	if (addrs && !json_is_array(addrs))
		return ingest_reject(ctx, "address", _("'%s' is not a list"), "address");
	if (json_array_size(addrs) == 0) {
		ingest_new_event(ctx);
		common_fields(ctx, o);
		return ingest_emit(ctx, raw, rawlen);
	}
	/* one event per address (IntelMQ 3.3.1 also sends the event without an address after
	 * them, a for/else slip: see docs/formats.md) */
	json_array_foreach(addrs, i, a) {
		const json_t *v;
		ingest_new_event(ctx);
		common_fields(ctx, o);
		if (!json_is_object(a) || !(v = json_object_get(a, "ip")))
			ingest_fail(ctx, "address", _("an address without 'ip'"));
		else
			ingest_add_json(ctx, "source.ip", v, 0);
		if ((v = json_object_get(a, "asn")))
			ingest_add_json(ctx, "source.asn", v, 0);
		if ((v = json_object_get(a, "rdns")))
			ingest_add_json(ctx, "source.reverse_dns", v, 0);
		if ((v = json_object_get(a, "cc")))
			ingest_add_json(ctx, "source.geolocation.cc", v, 0);
		int r = ingest_emit(ctx, raw, rawlen);
		if (r != V_OK)
			rc = r;
	}
	return rc;
}

/* ---- objects over lines ------------------------------------------------------------------- */

/* One complete object: its text (the current record) is raw. */
static int n6_text(struct ingest_ctx *ctx, const char *text, size_t len)
{
	json_t *obj;
	int rc;

	if (memmem(text, len, "TEST MESSAGE", 12))
		return V_OK; /* n6's connection test */
	rc = jsonrec_load_object(ctx, text, len, 0, &obj);
	if (rc == V_OK)
		rc = n6_object(ctx, obj, text, len);
	json_decref(obj);
	return rc;
}

static int n6_record(struct ingest_ctx *ctx, const char *rec, size_t len)
{
	struct n6_state *st = ctx->state;

	return jsonrec_line(&st->obj, ctx, rec, len, n6_text);
}

static int n6_finish(struct ingest_ctx *ctx)
{
	struct n6_state *st = ctx->state;

	return jsonrec_finish(&st->obj, ctx);
}

const struct parser parser_n6 = {
	.name = "n6",
	.aliases = (const char *const[]){ "intelmq.bots.parsers.n6.parser_n6stomp", NULL },
	.description = N_("CERT Polska n6 stream (JSON objects)"),
	.mode = PARSE_LINES,
	.init = n6_init,
	.record = n6_record,
	.finish = n6_finish,
	.fini = n6_fini,
};
