/*
 * parse_feodotracker.c — abuse.ch Feodo Tracker's botnet C2 block list in JSON, compatible
 * with IntelMQ's intelmq.bots.parsers.abusech.parser_feodotracker.
 *
 * The input is one JSON array of objects (ip_address, port, status, hostname, as_number,
 * as_name, country, first_seen, last_online, malware); each object is one c2-server event
 * whose raw is the object alone as IntelMQ rewrites it: json.dumps([object]).
 *
 * time.source is first_seen ("%Y-%m-%d %H:%M:%S", UTC) or, without it, midnight of
 * last_online ("%Y-%m-%d"); a date in another shape is left out.  An invalid IP address or
 * port rejects the object; any other invalid value is dropped.
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

/* time.source from a date in the given strptime format; nothing when it does not fit. */
static void add_time(struct ingest_ctx *ctx, const json_t *v, const char *fmt)
{
	struct vtime t;
	char out[48];

	if (!json_is_string(v))
		return;
	if (time_parse_format(json_string_value(v), json_string_length(v), fmt, &t) != 0)
		return;
	time_format(&t, out);
	ingest_add_str(ctx, "time.source", out, ING_IGNORE_INVALID);
}

/* One element (the current record, whose text is its raw). */
static int feodo_object(struct ingest_ctx *ctx, const json_t *o, void *arg)
{
	const json_t *first_seen = json_object_get(o, "first_seen");
	const json_t *last_online = json_object_get(o, "last_online");

	(void)arg;
	if (!json_is_object(o))
		return ingest_reject(ctx, NULL, _("not a JSON object"));
	ingest_new_event(ctx);
	if (pyjson_truthy(first_seen))
		add_time(ctx, first_seen, "%Y-%m-%d %H:%M:%S");
	else if (pyjson_truthy(last_online))
		add_time(ctx, last_online, "%Y-%m-%d");
	ingest_add_str(ctx, "classification.type", "c2-server", 0);
	add_opt(ctx, "source.ip", json_object_get(o, "ip_address"), 0);
	add_opt(ctx, "source.port", json_object_get(o, "port"), 0);
	add_opt(ctx, "source.asn", json_object_get(o, "as_number"), ING_IGNORE_INVALID);
	add_opt(ctx, "source.as_name", json_object_get(o, "as_name"), ING_IGNORE_INVALID);
	add_opt(ctx, "source.geolocation.cc", json_object_get(o, "country"), ING_IGNORE_INVALID);
	add_opt(ctx, "source.reverse_dns", json_object_get(o, "hostname"), ING_IGNORE_INVALID);
	add_opt(ctx, "malware.name", json_object_get(o, "malware"), ING_IGNORE_INVALID);
	add_opt(ctx, "extra.last_online", last_online, ING_IGNORE_INVALID);
	add_opt(ctx, "status", json_object_get(o, "status"), ING_IGNORE_INVALID);
	return ingest_emit(ctx, NULL, 0);
}

static int feodo_record(struct ingest_ctx *ctx, const char *rec, size_t len)
{
	json_t *doc;
	int rc = jsonrec_load_document(ctx, rec, len, &doc);

	if (rc == V_OK)
		rc = jsonrec_each(ctx, doc, PYJSON_IN_LIST, feodo_object, NULL);
	json_decref(doc);
	return rc;
}

const struct parser parser_feodotracker = {
	.name = "feodotracker",
	.aliases = (const char *const[]){ "intelmq.bots.parsers.abusech.parser_feodotracker",
					  NULL },
	.description = N_("abuse.ch Feodo Tracker botnet C2 list (JSON)"),
	.mode = PARSE_DOCUMENT,
	.record = feodo_record,
};
