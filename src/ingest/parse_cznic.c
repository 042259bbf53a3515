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
#include "ingest/jsonrec.h"

static int haas_object(struct ingest_ctx *ctx, const json_t *o, void *arg)
{
	const json_t *ip = json_object_get(o, "ip"), *t = json_object_get(o, "time");
	const json_t *country = json_object_get(o, "country");

	(void)arg;
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
	ingest_add_extra_json(ctx, "time_closed", json_object_get(o, "time_closed"));
	ingest_add_extra_json(ctx, "commands", json_object_get(o, "commands"));
	if (pyjson_truthy(country))
		ingest_add_json(ctx, "source.geolocation.cc", country, 0);
	if (pyjson_truthy(json_object_get(o, "login_successful"))) {
		ingest_add_str(ctx, "classification.type", "system-compromise", 0);
	} else {
		ingest_add_str(ctx, "classification.type", "brute-force", 0);
		ingest_add_int(ctx, "extra.count", 1, 0);
	}
	return ingest_emit(ctx, NULL, 0);
}

static int proki_object(struct ingest_ctx *ctx, const json_t *o, void *arg)
{
	const char *k;
	json_t *v;
	size_t n;
	const char *type;

	(void)arg;
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

/* Each element of the document as a record of its own (its text is its raw). */
static int each_element(struct ingest_ctx *ctx, const char *rec, size_t len, int proki,
			jsonrec_element_fn fn)
{
	json_t *doc;
	const json_t *list;
	int rc = jsonrec_load_document(ctx, rec, len, &doc);

	if (rc != V_OK)
		return rc;
	list = doc;
	if (proki && json_is_object(doc) && json_object_get(doc, "data"))
		list = json_object_get(doc, "data"); /* the API's envelope */
	rc = jsonrec_each(ctx, list, PYJSON_IN_LIST, fn, NULL);
	json_decref(doc);
	return rc;
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
