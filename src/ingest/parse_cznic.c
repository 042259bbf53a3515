/*
 * parse_cznic.c — the two CZ.NIC feeds, compatible with IntelMQ's parsers:
 *
 *   cznic_haas   intelmq.bots.parsers.cznic.parser_haas: HaaS (honeypot as a service) SSH
 *                sessions, a JSON array of {time, ip, country, login_successful, commands,
 *                time_closed}.  A session with a successful login is a system-compromise,
 *                one without a brute-force (extra.count 1); destination port 22, tcp/ssh.
 *   cznic_proki  intelmq.bots.parsers.cznic.parser_proki: PROKI, {status, message, data:[...]}
 *                (or the bare list) whose objects already use IntelMQ's field names; their
 *                feed.name and time.observation are kept as extra.original_feed_name and
 *                extra.original_time_observation.
 *
 * Each object is one event whose raw is the object alone as IntelMQ rewrites it:
 * json.dumps([object]).  An invalid value for a field IntelMQ adds strictly rejects the
 * object.
 */
#include <string.h>

#include "base/i18n.h"
#include "ingest/ingest.h"

/* parse_json.c: Python's json.dumps(v) */
int ingest_json_dump_py(struct buf *out, const json_t *v, int sort_keys);

/* Python truthiness of a JSON value (absent = false). */
static int truthy(const json_t *v)
{
	switch (v ? json_typeof(v) : JSON_NULL) {
	case JSON_STRING: return json_string_length(v) > 0;
	case JSON_INTEGER: return json_integer_value(v) != 0;
	case JSON_REAL: return json_real_value(v) != 0;
	case JSON_TRUE: return 1;
	case JSON_OBJECT: return json_object_size(v) > 0;
	case JSON_ARRAY: return json_array_size(v) > 0;
	default: return 0;
	}
}

/* extra.<name> = v as given, an empty string too (IntelMQ keeps an "extra" dict's values). */
static void add_extra(struct ingest_ctx *ctx, const char *name, const json_t *v)
{
	char key[64];

	if (!v)
		return;
	if (json_is_string(v) && strspn(json_string_value(v), " \t\r\n") == json_string_length(v)) {
		buf_reset(&ctx->scratch);
		if (ingest_json_dump_py(&ctx->scratch, v, 0) == V_OK)
			event_set_extra_raw(ctx->ev, name, strlen(name), ctx->scratch.data,
					    ctx->scratch.len, EV_OVERWRITE);
		return;
	}
	snprintf(key, sizeof(key), "extra.%s", name);
	ingest_add_json(ctx, key, v, ING_OVERWRITE);
}

static int haas_object(struct ingest_ctx *ctx, const json_t *o)
{
	const json_t *ip = json_object_get(o, "ip"), *t = json_object_get(o, "time");
	const json_t *country = json_object_get(o, "country");

	if (!json_is_object(o))
		return ingest_reject(ctx, NULL, _("not a JSON object"));
	ingest_new_event(ctx);
	if (!ip || !json_is_string(t))
		ingest_fail(ctx, ip ? "time" : "ip", _("session without %s"), ip ? "time" : "ip");
	else {
		ingest_add_json(ctx, "source.ip", ip, 0);
		ingest_add_json(ctx, "time.source", t, 0);
	}
	ingest_add_str(ctx, "protocol.transport", "tcp", 0);
	ingest_add_str(ctx, "protocol.application", "ssh", 0);
	ingest_add_int(ctx, "destination.port", 22, 0);
	add_extra(ctx, "time_closed", json_object_get(o, "time_closed"));
	add_extra(ctx, "commands", json_object_get(o, "commands"));
	if (truthy(country))
		ingest_add_json(ctx, "source.geolocation.cc", country, 0);
	if (truthy(json_object_get(o, "login_successful"))) {
		ingest_add_str(ctx, "classification.type", "system-compromise", 0);
	} else {
		ingest_add_str(ctx, "classification.type", "brute-force", 0);
		ingest_add_int(ctx, "extra.count", 1, 0);
	}
	return ingest_emit(ctx, NULL, 0);
}

static int proki_object(struct ingest_ctx *ctx, const json_t *o)
{
	const char *k;
	json_t *v;
	size_t n;
	const char *type;

	if (!json_is_object(o))
		return ingest_reject(ctx, NULL, _("not a JSON object"));
	ingest_new_event(ctx);
	json_object_foreach((json_t *)o, k, v) {
		if (!strcmp(k, "feed.name"))
			ingest_add_json(ctx, "extra.original_feed_name", v, 0);
		else if (!strcmp(k, "time.observation"))
			ingest_add_json(ctx, "extra.original_time_observation", v, 0);
		else if (!strcmp(k, "raw") || !strncmp(k, "__", 2))
			continue; /* raw is rebuilt below; "__type" is IntelMQ's message type */
		else
			ingest_add_json(ctx, k, v, 0);
	}
	/* IntelMQ 3's type sanitiser renames the old "unknown" to RSIT's "undetermined" */
	type = event_get_id(ctx->ev, F_CLASSIFICATION_TYPE, &n);
	if (type && n == 7 && !memcmp(type, "unknown", 7))
		ingest_add_str(ctx, "classification.type", "undetermined", ING_OVERWRITE);
	return ingest_emit(ctx, NULL, 0);
}

/* One element: its raw text becomes the current record, so a reject shows just it. */
static int one_element(struct ingest_ctx *ctx, const json_t *el,
		       int (*fn)(struct ingest_ctx *, const json_t *))
{
	const char *save_rec = ctx->rec;
	size_t save_len = ctx->rec_len;
	int rc;

	buf_reset(&ctx->raw);
	if (buf_putc(&ctx->raw, '[') != V_OK || ingest_json_dump_py(&ctx->raw, el, 0) != V_OK ||
	    buf_putc(&ctx->raw, ']') != V_OK)
		return ingest_reject(ctx, NULL, _("record too large"));
	ctx->rec = ctx->raw.data;
	ctx->rec_len = ctx->raw.len;
	rc = fn(ctx, el);
	ctx->rec = save_rec;
	ctx->rec_len = save_len;
	return rc;
}

static int each_element(struct ingest_ctx *ctx, const char *rec, size_t len, int proki,
			int (*fn)(struct ingest_ctx *, const json_t *))
{
	json_error_t je;
	json_t *doc = json_loadb(rec, len, 0, &je), *list, *el;
	size_t i;

	if (!doc)
		return ingest_reject(ctx, NULL, _("invalid JSON: %s (line %d, column %d)"), je.text,
				     je.line, je.column);
	list = doc;
	if (proki && json_is_object(doc) && json_object_get(doc, "data"))
		list = json_object_get(doc, "data"); /* the API's envelope */
	if (json_is_array(list)) {
		json_array_foreach(list, i, el)
			one_element(ctx, el, fn);
	} else if (json_is_object(list)) {
		one_element(ctx, list, fn);
	} else if (!json_is_null(list)) {
		ingest_reject(ctx, NULL, _("expected a JSON array of objects"));
	}
	json_decref(doc);
	return V_OK;
}

static int haas_record(struct ingest_ctx *ctx, const char *rec, size_t len)
{
	return each_element(ctx, rec, len, 0, haas_object);
}

static int proki_record(struct ingest_ctx *ctx, const char *rec, size_t len)
{
	return each_element(ctx, rec, len, 1, proki_object);
}

const struct parser parser_cznic_haas = {
	.name = "cznic_haas",
	.aliases = (const char *const[]){ "intelmq.bots.parsers.cznic.parser_haas", NULL },
	.description = N_("CZ.NIC HaaS honeypot SSH sessions (JSON)"),
	.mode = PARSE_DOCUMENT,
	.record = haas_record,
};

const struct parser parser_cznic_proki = {
	.name = "cznic_proki",
	.aliases = (const char *const[]){ "intelmq.bots.parsers.cznic.parser_proki", NULL },
	.description = N_("CZ.NIC PROKI malicious IP addresses in Czech networks (JSON)"),
	.mode = PARSE_DOCUMENT,
	.record = proki_record,
};
