/*
 * parse_misp_share.c — MISP events from partner teams (vigia import --format misp): every
 * attribute of a type vigia has a field for becomes an event, with the markings and the
 * classification the event's tags carry.  The parser "misp" (parse_misp.c) stays what IntelMQ's
 * MISP parser does, for feeds configured as in IntelMQ; this one is for sharing.
 *
 * Input: one event ({"Event": {...}} or bare), a list of them, MISP's REST search response
 * {"response": [...]}, or a document with no event at all (e.g. sharing groups: nothing to do).
 * Attributes of the event and of its objects:
 *   ip-src, ip-dst (and |port)  source.ip (and source.port): the reported address, as IntelMQ
 *                               does; an ip-dst with to_ids false (a target, not for
 *                               detection): destination.ip
 *   domain, hostname (|port)    source.fqdn        domain|ip   source.fqdn + source.ip
 *   url, uri                    source.url         email, email-src, email-dst  source.account
 *   md5, sha1, sha256 (filename|<hash>: the hash)   malware.hash.*   AS  source.asn
 * other types have no event form (counted, not errors).  classification.type: the event's
 * rsit: tag (rsit:<class>="<type>"), else an ecsirt: tag (the table of parse_misp.c), else
 * "undetermined".  tlp: the strictest of the event's and the attribute's tlp: tags (white is
 * CLEAR); extra.pap from a PAP: tag; extra.misp_to_ids; misp.event_uuid, misp.attribute_uuid,
 * comment, time.source (attribute timestamp), extra.source_file; extra.shared_incident
 * ("misp:<event uuid>") and extra.shared_incident_name (info), so that the built-in "shared"
 * aggregation rule keeps one MISP event one incident.  raw: the attribute.
 * A value that does not validate rejects that attribute (named by its uuid); the others go on.
 */
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "base/epoch.h"
#include "base/i18n.h"
#include "base/timeparse.h"
#include "ingest/ingest.h"

static const struct {
	const char *type;
	const char *field, *field2; /* field2: the part after '|' */
} types[] = {
	{ "ip-src", "source.ip", NULL },	     { "ip-dst", "source.ip", NULL },
	{ "ip-src|port", "source.ip", "source.port" }, { "ip-dst|port", "source.ip", "source.port" },
	{ "domain", "source.fqdn", NULL },	     { "hostname", "source.fqdn", NULL },
	{ "hostname|port", "source.fqdn", "source.port" }, { "domain|ip", "source.fqdn", "source.ip" },
	{ "url", "source.url", NULL },		     { "uri", "source.url", NULL },
	{ "email", "source.account", NULL },	     { "email-src", "source.account", NULL },
	{ "email-dst", "source.account", NULL },     { "md5", "malware.hash.md5", NULL },
	{ "sha1", "malware.hash.sha1", NULL },	     { "sha256", "malware.hash.sha256", NULL },
	{ "filename|md5", NULL, "malware.hash.md5" }, { "filename|sha1", NULL, "malware.hash.sha1" },
	{ "filename|sha256", NULL, "malware.hash.sha256" }, { "AS", "source.asn", NULL },
	{ NULL, NULL, NULL }
};

static const char *const ecsirt[][2] = {
	{ "ecsirt:fraud=\"phishing\"", "phishing" },
	{ "ecsirt:availability=\"ddos\"", "ddos" },
	{ "ecsirt:abusive-content=\"spam\"", "spam" },
	{ "ecsirt:information-gathering=\"scanner\"", "scanner" },
	{ "ecsirt:malicious-code=\"malware\"", "infected-system" },
	{ "ecsirt:malicious-code=\"botnet-drone\"", "infected-system" },
	{ "ecsirt:malicious-code=\"ransomware\"", "infected-system" },
	{ "ecsirt:malicious-code=\"c2server\"", "c2-server" },
	{ "ecsirt:intrusion-attempts=\"brute-force\"", "brute-force" },
	{ "ecsirt:intrusions=\"compromised\"", "system-compromise" },
	{ "ecsirt:vulnerable=\"vulnerable-service\"", "vulnerable-system" },
	{ NULL, NULL }
};

static const char *const tlp_names[] = { "CLEAR", "GREEN", "AMBER", "AMBER+STRICT", "RED" };

/* The TLP level of a tag name ("tlp:amber"), or -1. */
static int tlp_of(const char *name)
{
	if (strncasecmp(name, "tlp:", 4))
		return -1;
	name += 4;
	if (!strcasecmp(name, "white"))
		return 0;
	for (int i = 0; i < 5; i++)
		if (!strcasecmp(name, tlp_names[i]))
			return i;
	return -1;
}

struct tags {
	int tlp;               /* strictest, -1 none */
	const char *pap;       /* "AMBER" */
	char type[64];         /* classification.type, "" none */
};

static void read_tags(const json_t *list, struct tags *t)
{
	const json_t *tag;
	size_t i;

	json_array_foreach(list, i, tag) {
		const char *name = json_string_value(json_object_get(tag, "name")), *q;
		int l;
		if (!name)
			continue;
		if ((l = tlp_of(name)) > t->tlp)
			t->tlp = l;
		else if (!strncasecmp(name, "PAP:", 4))
			t->pap = name + 4;
		else if (!strncmp(name, "rsit:", 5) && (q = strchr(name, '"'))) {
			size_t n = strcspn(q + 1, "\"");
			if (n && n < sizeof(t->type)) {
				memcpy(t->type, q + 1, n);
				t->type[n] = 0;
			}
		} else if (!t->type[0]) {
			for (int k = 0; ecsirt[k][0]; k++)
				if (!strcmp(name, ecsirt[k][0]))
					snprintf(t->type, sizeof(t->type), "%s", ecsirt[k][1]);
		}
	}
}

/* A JSON scalar as text into b (MISP writes numbers as strings or numbers). */
static const char *scalar(struct buf *b, const json_t *v)
{
	buf_reset(b);
	if (json_is_string(v))
		return json_string_value(v);
	if (json_is_integer(v) && buf_printf(b, "%" JSON_INTEGER_FORMAT, json_integer_value(v)) == V_OK)
		return buf_cstr(b);
	return NULL;
}

struct counts {
	unsigned skipped;
};

static int attribute(struct ingest_ctx *ctx, const json_t *me, const struct tags *et,
		     const json_t *a, struct counts *c)
{
	const char *type = json_string_value(json_object_get(a, "type"));
	const char *value, *bar, *s;
	struct tags at = *et;
	char tb[48];
	char *text;
	int i, rc;

	for (i = 0; type && types[i].type; i++)
		if (!strcmp(types[i].type, type))
			break;
	if (!type || !types[i].type) {
		c->skipped++;
		return V_OK;
	}
	if (!(value = scalar(&ctx->scratch, json_object_get(a, "value")))) {
		c->skipped++;
		return V_OK;
	}
	text = strdup(value);
	if (!text)
		return V_ERR_NOMEM;
	read_tags(json_object_get(a, "Tag"), &at);
	ingest_new_event(ctx);
	bar = types[i].field2 ? strchr(text, '|') : NULL;
	if (types[i].field2 && !bar)
		ingest_fail(ctx, "value", _("'%s' needs two values joined by '|'"), type);
	/* an ip-dst not meant for detection is the target of the activity, not its source */
	const char *f1 = types[i].field, *f2 = types[i].field2;
	if (!strncmp(type, "ip-dst", 6) && json_is_false(json_object_get(a, "to_ids"))) {
		f1 = "destination.ip";
		f2 = f2 ? "destination.port" : NULL;
	}
	if (f1)
		ingest_add(ctx, f1, text, bar ? (size_t)(bar - text) : strlen(text), 0);
	if (bar)
		ingest_add_str(ctx, f2, bar + 1, 0);
	ingest_add_str(ctx, "classification.type", at.type[0] ? at.type : "undetermined",
		       ING_IGNORE_INVALID);
	if (!event_has(ctx->ev, "classification.type"))
		ingest_add_str(ctx, "classification.type", "undetermined", 0);
	if (at.tlp >= 0)
		ingest_add_str(ctx, "tlp", tlp_names[at.tlp], 0);
	if (at.pap)
		ingest_add_str(ctx, "extra.pap", at.pap, ING_IGNORE_INVALID);
	if (json_is_boolean(json_object_get(a, "to_ids")))
		ingest_add_bool(ctx, "extra.misp_to_ids", json_is_true(json_object_get(a, "to_ids")),
				0);
	if ((s = json_string_value(json_object_get(me, "uuid")))) {
		char inc[80];
		ingest_add_str(ctx, "misp.event_uuid", s, ING_IGNORE_INVALID);
		snprintf(inc, sizeof(inc), "misp:%s", s);
		ingest_add_str(ctx, "extra.shared_incident", inc, 0);
		if ((s = json_string_value(json_object_get(me, "info"))))
			ingest_add_str(ctx, "extra.shared_incident_name", s, ING_IGNORE_INVALID);
	}
	if ((s = json_string_value(json_object_get(a, "uuid"))))
		ingest_add_str(ctx, "misp.attribute_uuid", s, ING_IGNORE_INVALID);
	if ((s = json_string_value(json_object_get(a, "comment"))) && *s)
		ingest_add_str(ctx, "comment", s, ING_IGNORE_INVALID);
	if ((s = scalar(&ctx->scratch, json_object_get(a, "timestamp")))) {
		struct vtime t;
		char *end;
		double d = strtod(s, &end);
		if (end != s && !*end && epoch_to_vtime(d, &t) == 0) {
			time_format(&t, tb);
			ingest_add_str(ctx, "time.source", tb, 0);
		}
	}
	if (ctx->file)
		ingest_add_str(ctx, "extra.source_file", ctx->file, ING_IGNORE_INVALID);
	free(text);
	text = json_dumps(a, JSON_COMPACT | JSON_SORT_KEYS);
	rc = ingest_emit(ctx, text, text ? strlen(text) : 0);
	free(text);
	return rc;
}

static int one_event(struct ingest_ctx *ctx, const json_t *me, struct counts *c)
{
	struct tags et = { .tlp = -1 };
	const json_t *a, *o;
	size_t i, j;
	int rc = V_OK, r;

	if (json_is_object(json_object_get(me, "Event")))
		me = json_object_get(me, "Event");
	if (!json_is_object(me))
		return ingest_reject(ctx, NULL, "%s", _("an event must be a JSON object"));
	if (!json_is_string(json_object_get(me, "info")) && !json_object_get(me, "Attribute") &&
	    !json_object_get(me, "Object")) {
		c->skipped++; /* not an event (a sharing group, an organisation, ...) */
		return V_OK;
	}
	read_tags(json_object_get(me, "Tag"), &et);
	json_array_foreach(json_object_get(me, "Attribute"), i, a)
		if (json_is_object(a) && (r = attribute(ctx, me, &et, a, c)) != V_OK)
			rc = r;
	json_array_foreach(json_object_get(me, "Object"), j, o)
		json_array_foreach(json_object_get(o, "Attribute"), i, a)
			if (json_is_object(a) && (r = attribute(ctx, me, &et, a, c)) != V_OK)
				rc = r;
	return rc;
}

static int misp_share_record(struct ingest_ctx *ctx, const char *rec, size_t len)
{
	struct counts c = { 0 };
	json_error_t je;
	json_t *doc = json_loadb(rec, len, 0, &je), *list, *e;
	size_t i;
	int rc = V_OK, r;

	if (!doc)
		return ingest_reject(ctx, NULL, _("not JSON: line %d: %s"), je.line, je.text);
	list = json_is_array(doc) ? doc : json_object_get(doc, "response");
	if (json_is_array(list)) {
		json_array_foreach(list, i, e)
			if ((r = one_event(ctx, e, &c)) != V_OK)
				rc = r;
	} else if (json_is_object(doc)) {
		rc = one_event(ctx, doc, &c);
	} else {
		rc = ingest_reject(ctx, NULL, "%s", _("not a MISP event, list or search response"));
	}
	json_decref(doc);
	return rc;
}

const struct parser parser_misp_share = {
	.name = "misp_share",
	.aliases = (const char *const[]){ NULL },
	.description = N_("MISP events from partners: every attribute with a field, TLP, PAP and "
			  "RSIT tags kept"),
	.mode = PARSE_DOCUMENT,
	.record = misp_share_record,
};
