/*
 * parse_misp.c — MISP events, compatible with IntelMQ's intelmq.bots.parsers.misp.parser.
 *
 * The input is one MISP event as the MISP API gives it (an object with Attribute[],
 * Object[].Attribute[], Tag[], id, uuid, ...; an {"Event": {...}} wrapper and a list of events
 * are accepted too).  Every attribute of a category IntelMQ processes (Payload delivery,
 * Artifacts dropped, Payload installation, Network activity) and of a known type (domain,
 * hostname, md5, sha1, ip-src, ip-dst, email-src, url) becomes one event:
 *   classification.type     from the event's ecsirt:* tag (RSIT names of IntelMQ 3)
 *   malware.name            the value of the event's "Payload type" attribute, lower case
 *   event_description.url   <feed.url>/events/view/<event id>
 *   misp.event_uuid, misp.attribute_uuid, comment, time.source (attribute timestamp)
 * raw is the attribute as IntelMQ writes it back, json.dumps(attribute, sort_keys=True).
 */
#include <stdlib.h>
#include <string.h>

#include "base/epoch.h"
#include "base/i18n.h"
#include "base/timeparse.h"
#include "ingest/ingest.h"
#include "ingest/pyjson.h"

static const char *const misp_taxonomy[][2] = {
	{ "ecsirt:fraud=\"phishing\"", "phishing" },
	{ "ecsirt:availability=\"ddos\"", "ddos" },
	{ "ecsirt:abusive-content=\"spam\"", "spam" },
	{ "ecsirt:information-gathering=\"scanner\"", "scanner" },
	{ "ecsirt:information-content-security=\"dropzone\"", "other" },
	{ "ecsirt:malicious-code=\"malware\"", "infected-system" },
	{ "ecsirt:malicious-code=\"botnet-drone\"", "infected-system" },
	{ "ecsirt:malicious-code=\"ransomware\"", "infected-system" },
	{ "ecsirt:malicious-code=\"malware-configuration\"", "malware-configuration" },
	{ "ecsirt:malicious-code=\"c2server\"", "c2-server" },
	{ "ecsirt:intrusion-attempts=\"exploit\"", "exploit" },
	{ "ecsirt:intrusion-attempts=\"brute-force\"", "brute-force" },
	{ "ecsirt:intrusion-attempts=\"ids-alert\"", "ids-alert" },
	{ "ecsirt:intrusions=\"defacement\"", "unauthorised-information-modification" },
	{ "ecsirt:intrusions=\"compromised\"", "system-compromise" },
	{ "ecsirt:intrusions=\"backdoor\"", "system-compromise" },
	{ "ecsirt:vulnerable=\"vulnerable-service\"", "vulnerable-system" },
	{ "ecsirt:other=\"blacklist\"", "blacklist" },
	{ "ecsirt:other=\"unknown\"", "undetermined" },
	{ "ecsirt:test=\"test\"", "test" },
	{ NULL, NULL }
};

static const char *const misp_categories[] = {
	"Payload delivery", "Artifacts dropped", "Payload installation", "Network activity", NULL
};

static const char *const misp_types[][2] = {
	{ "domain", "source.fqdn" }, { "hostname", "source.fqdn" }, { "md5", "malware.hash.md5" },
	{ "sha1", "malware.hash.sha1" }, { "ip-src", "source.ip" }, { "ip-dst", "source.ip" },
	{ "email-src", "source.account" }, { "url", "source.url" }, { NULL, NULL }
};

/* ---- the event ---------------------------------------------------------------------------- */

static int in_list(const char *s, const char *const *list)
{
	for (; *list; list++)
		if (!strcmp(s, *list))
			return 1;
	return 0;
}

/* Python's str() of a JSON scalar, into b; -1 for lists and objects. */
static int py_text(struct buf *b, const json_t *v)
{
	char num[48];

	int rc;

	if (json_is_string(v))
		rc = buf_append(b, json_string_value(v), json_string_length(v));
	else if (json_is_integer(v))
		rc = buf_printf(b, "%" JSON_INTEGER_FORMAT, json_integer_value(v));
	else if (json_is_real(v))
		rc = buf_append(b, num, value_format_float(json_real_value(v), num));
	else
		return -1;
	return rc == V_OK ? 0 : -1;
}

/* urljoin(base, "events/view/<id>") of Python for a relative path reference. */
static void event_url(struct buf *b, const char *base, const json_t *id)
{
	const char *auth = strstr(base, "://"), *path, *end, *slash = NULL;

	buf_reset(b);
	if (auth && auth == base)
		auth = NULL;
	path = auth ? auth + 3 + strcspn(auth + 3, "/?#") : base;
	end = path + strcspn(path, "?#");
	for (const char *p = path; p < end; p++)
		if (*p == '/')
			slash = p;
	if (slash) {
		buf_append(b, base, (size_t)(slash + 1 - base));
	} else {
		buf_append(b, base, (size_t)(path - base));
		if (auth)
			buf_putc(b, '/');
	}
	buf_puts(b, "events/view/");
	if (py_text(b, id) != 0)
		buf_reset(b);
}

static int misp_timestamp(const json_t *v, char *out)
{
	struct vtime t;
	double d;
	char *end;

	if (json_is_number(v)) {
		d = json_number_value(v);
	} else if (json_is_string(v)) {
		d = strtod(json_string_value(v), &end);
		if (end == json_string_value(v) || *end)
			return -1;
	} else {
		return -1;
	}
	if (epoch_to_vtime(d, &t) != 0)
		return -1;
	time_format(&t, out);
	return 0;
}

static int attribute(struct ingest_ctx *ctx, const json_t *me, const json_t *a,
		     const char *classifier, const char *variant, const char *url)
{
	const json_t *cat = json_object_get(a, "category"), *type = json_object_get(a, "type"), *v;
	const char *field = NULL;
	char tb[48];

	if (!json_is_object(a))
		return V_OK;
	if (!json_is_string(cat) || !in_list(json_string_value(cat), misp_categories) ||
	    !json_is_string(type))
		return V_OK;
	for (int i = 0; misp_types[i][0]; i++)
		if (!strcmp(misp_types[i][0], json_string_value(type)))
			field = misp_types[i][1];
	if (!field)
		return V_OK;

	/* raw, and what a reject shows: the attribute as IntelMQ writes it back */
	buf_reset(&ctx->raw);
	pyjson_dump(&ctx->raw, a, PYJSON_SORT_KEYS);
	ctx->rec = ctx->raw.data;
	ctx->rec_len = ctx->raw.len;

	ingest_new_event(ctx);
	if (!(v = json_object_get(a, "value")))
		ingest_fail(ctx, "value", _("required field '%s' is missing"), "value");
	else
		ingest_add_json(ctx, field, v, 0);
	if ((v = json_object_get(me, "uuid")))
		ingest_add_json(ctx, "misp.event_uuid", v, 0);
	if ((v = json_object_get(a, "uuid")))
		ingest_add_json(ctx, "misp.attribute_uuid", v, 0);
	if ((v = json_object_get(a, "comment")))
		ingest_add_json(ctx, "comment", v, 0);
	ingest_add_json(ctx, "event_description.text", cat, 0);
	if (url && *url)
		ingest_add_str(ctx, "event_description.url", url, 0);
	if (variant)
		ingest_add_str(ctx, "malware.name", variant, ING_IGNORE_INVALID);
	if (classifier)
		ingest_add_str(ctx, "classification.type", classifier, 0);
	if (misp_timestamp(json_object_get(a, "timestamp"), tb) != 0)
		ingest_fail(ctx, "timestamp", _("not a timestamp"));
	else
		ingest_add_str(ctx, "time.source", tb, 0);
	return ingest_emit(ctx, ctx->raw.data, ctx->raw.len);
}

/* The value of the last "Payload type" attribute of a list, into *variant (owned). */
static void find_variant(const json_t *attrs, char **variant)
{
	const json_t *a;
	size_t i;

	json_array_foreach(attrs, i, a) {
		const json_t *c = json_object_get(a, "category"), *v = json_object_get(a, "value");
		if (json_is_string(c) && !strcmp(json_string_value(c), "Payload type") &&
		    json_is_string(v)) {
			free(*variant);
			*variant = strdup(json_string_value(v));
		}
	}
}

static int misp_event(struct ingest_ctx *ctx, const json_t *me)
{
	const json_t *tags, *attrs, *objs, *t, *a, *o;
	const char *classifier = NULL, *feed_url;
	char *variant = NULL, *url = NULL;
	size_t i, j;
	int rc = V_OK;

	if (json_is_object(json_object_get(me, "Event")))
		me = json_object_get(me, "Event");
	if (!json_is_object(me))
		return ingest_reject(ctx, NULL, _("not a JSON object"));
	attrs = json_object_get(me, "Attribute");
	if (!json_is_array(attrs))
		return ingest_reject(ctx, "Attribute",
				     attrs ? _("'%s' is not a list")
					   : _("required field '%s' is missing"),
				     "Attribute");
	objs = json_object_get(me, "Object");

	/* the classification: the event's first ecsirt tag IntelMQ knows */
	tags = json_object_get(me, "Tag");
	json_array_foreach(tags, i, t) {
		const json_t *name = json_object_get(t, "name");
		for (j = 0; !classifier && json_is_string(name) && misp_taxonomy[j][0]; j++)
			if (!strcmp(misp_taxonomy[j][0], json_string_value(name)))
				classifier = misp_taxonomy[j][1];
		if (classifier)
			break;
	}

	/* the malware: the (last) "Payload type" attribute, of the event or of its objects */
	find_variant(attrs, &variant);
	json_array_foreach(objs, j, o)
		find_variant(json_object_get(o, "Attribute"), &variant);
	if (variant)
		for (char *p = variant; *p; p++)
			if (*p >= 'A' && *p <= 'Z')
				*p = (char)(*p - 'A' + 'a');

	feed_url = ingest_report_str(ctx, "feed.url");
	if (feed_url) {
		event_url(&ctx->scratch, feed_url, json_object_get(me, "id"));
		url = strdup(buf_cstr(&ctx->scratch));
	}

	json_array_foreach(attrs, i, a) {
		int r = attribute(ctx, me, a, classifier, variant, url);
		if (r != V_OK)
			rc = r;
	}
	json_array_foreach(objs, j, o) {
		json_array_foreach(json_object_get(o, "Attribute"), i, a) {
			int r = attribute(ctx, me, a, classifier, variant, url);
			if (r != V_OK)
				rc = r;
		}
	}
	free(variant);
	free(url);
	return rc;
}

static int misp_record(struct ingest_ctx *ctx, const char *rec, size_t len)
{
	json_error_t je;
	json_t *doc, *e;
	size_t i;
	int rc = V_OK;

	doc = json_loadb(rec, len, 0, &je);
	if (!doc)
		return ingest_reject(ctx, NULL, _("invalid JSON: %s"), je.text);
	if (json_is_array(doc)) {
		json_array_foreach(doc, i, e) {
			int r = misp_event(ctx, e);
			if (r != V_OK)
				rc = r;
		}
	} else {
		rc = misp_event(ctx, doc);
	}
	json_decref(doc);
	return rc;
}

const struct parser parser_misp = {
	.name = "misp",
	.aliases = (const char *const[]){ "intelmq.bots.parsers.misp.parser", NULL },
	.description = N_("MISP events: one event per attribute of the processed categories"),
	.mode = PARSE_DOCUMENT,
	.record = misp_record,
};
