/*
 * parse_stix.c — STIX 2.1 in: a bundle (or one object, or an array of objects) becomes events.
 *
 * The whole document is one record.  Every object is first checked against the rules every
 * STIX 2.1 object obeys (a type, an id "<type>--<uuid>", spec_version "2.1", created and
 * modified timestamps with modified >= created for SDOs and SROs); an object that breaks them
 * is rejected with its index, id and the reason, and the others go on.  A document that is not
 * JSON, or a bundle without "type": "bundle", is rejected whole.
 *
 * What becomes events:
 *   indicator      each "<observable>:<property> = '<value>'" comparison of its pattern
 *                  (several joined by OR make several events) for ipv4-addr/ipv6-addr (an
 *                  address, or a network: source.network), domain-name, url, email-addr and
 *                  file hashes (MD5, SHA-1, SHA-256); other patterns (AND, MATCHES, other
 *                  objects) have no event form and are skipped (counted, not rejected)
 *   observed-data  its ipv4/ipv6/domain/url/email/file SCOs (object_refs in the bundle, or
 *                  the embedded "objects" of STIX 2.0), unless an indicator of the bundle
 *                  already gave that value
 * Each event gets classification.type from an "rsit:<class>=\"<type>\"" label (vigia's and
 * MISP's spelling of the Reference Security Incident Taxonomy), else from the indicator's
 * types or labels (phishing, c2, malware), else "undetermined"; tlp from the strictest TLP
 * marking among its object_marking_refs (TLP 2.0 and TLP 1.0 ids, or marking definitions of
 * the bundle); time.source from valid_from / first_observed; extra.stix_id, extra.pap (a
 * "PAP:X" statement marking), extra.source_file; and, when a relationship ties it to an
 * `incident` of the bundle, extra.shared_incident (its id) and extra.shared_incident_name,
 * which the built-in "shared" aggregation rule turns into one incident per STIX incident.
 * feed.provider and feed.name come from the report (vigia import --from PARTNER).  raw is the
 * STIX object.
 */
#include <ctype.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "base/i18n.h"
#include "base/log.h"
#include "ingest/ingest.h"
#include "ingest/stix_ids.h"

/* ---- marking ids ------------------------------------------------------------------------------ */

static const char *const tlp2[STIX_TLP_LEVELS] = {
	"marking-definition--94868c89-83c2-464b-929b-a1a8aa3c8487",
	"marking-definition--bab4a63c-aed9-4cf5-a766-dfca5abac2bb",
	"marking-definition--55d920b0-5e8b-4f79-9ee9-91f868d9b421",
	"marking-definition--939a9414-2ddd-4d32-a0cd-375ea402b003",
	"marking-definition--e828b379-4e03-4974-9ac4-e53a884c97c1",
};

/* STIX 2.1 specification, section 7.2.1.4: TLP 1.0 white, green, amber, red */
static const char *const tlp1[4] = {
	"marking-definition--613f2e26-407d-48c7-9eca-b8e91df99dc9",
	"marking-definition--34098fce-860f-48ae-8e50-ebd3cc5e41da",
	"marking-definition--f88d31f6-486f-44da-b317-01333bde0b82",
	"marking-definition--5e57c739-391a-4eb3-b6be-7d15ca92d5ed",
};
static const int tlp1_level[4] = { 0, 1, 2, 4 };
static const char *const tlp_names[STIX_TLP_LEVELS] = { "CLEAR", "GREEN", "AMBER",
							"AMBER+STRICT", "RED" };

const char *stix_tlp2_id(int level)
{
	return level >= 0 && level < STIX_TLP_LEVELS ? tlp2[level] : NULL;
}

int stix_tlp_level(const char *id)
{
	for (int i = 0; i < STIX_TLP_LEVELS; i++)
		if (!strcmp(id, tlp2[i]))
			return i;
	for (int i = 0; i < 4; i++)
		if (!strcmp(id, tlp1[i]))
			return tlp1_level[i];
	return -1;
}

/* ---- checks every STIX 2.1 object must pass --------------------------------------------------- */

static const char *const sco_types[] = {
	"artifact", "autonomous-system", "directory", "domain-name", "email-addr", "email-message",
	"file", "ipv4-addr", "ipv6-addr", "mac-addr", "mutex", "network-traffic", "process",
	"software", "url", "user-account", "windows-registry-key", "x509-certificate", NULL
};

static const char *const sdo_sro_types[] = {
	"attack-pattern", "campaign", "course-of-action", "grouping", "identity", "incident",
	"indicator", "infrastructure", "intrusion-set", "location", "malware", "malware-analysis",
	"note", "observed-data", "opinion", "report", "threat-actor", "tool", "vulnerability",
	"relationship", "sighting", "language-content", "extension-definition", NULL
};

static int in(const char *s, const char *const *list)
{
	for (int i = 0; list[i]; i++)
		if (!strcmp(s, list[i]))
			return 1;
	return 0;
}

/* "2016-04-06T20:03:48.000Z": seconds as text "YYYYMMDDhhmmss" plus the fraction, padded, into
 * key (comparable with strcmp).  0 or -1 when it is not a STIX timestamp. */
static int ts_key(const char *s, char key[32])
{
	static const char shape[] = "dddd-dd-ddTdd:dd:dd";
	size_t n = 0, k = 0;

	if (!s)
		return -1;
	for (n = 0; shape[n]; n++) {
		if (shape[n] == 'd' ? !isdigit((unsigned char)s[n]) : s[n] != shape[n])
			return -1;
		if (shape[n] == 'd')
			key[k++] = s[n];
	}
	if (s[n] == '.') {
		size_t f = 0;
		n++;
		while (isdigit((unsigned char)s[n]) && f < 9)
			key[k++] = s[n++], f++;
		if (!f || isdigit((unsigned char)s[n]))
			return -1;
		while (f++ < 9)
			key[k++] = '0';
	} else {
		for (int f = 0; f < 9; f++)
			key[k++] = '0';
	}
	key[k] = 0;
	if (s[n] != 'Z' || s[n + 1])
		return -1;
	/* month 01-12, day 01-31, hour 00-23, minute and second 00-60 */
	int mo = (key[4] - '0') * 10 + key[5] - '0', d = (key[6] - '0') * 10 + key[7] - '0';
	int h = (key[8] - '0') * 10 + key[9] - '0', mi = (key[10] - '0') * 10 + key[11] - '0';
	int se = (key[12] - '0') * 10 + key[13] - '0';
	if (mo < 1 || mo > 12 || d < 1 || d > 31 || h > 23 || mi > 59 || se > 60)
		return -1;
	return 0;
}

static int is_uuid(const char *s)
{
	for (int i = 0; i < 36; i++) {
		if (i == 8 || i == 13 || i == 18 || i == 23) {
			if (s[i] != '-')
				return 0;
		} else if (!isxdigit((unsigned char)s[i])) {
			return 0;
		}
	}
	return s[36] == 0;
}

/* NULL when obj is a well-formed STIX 2.1 object, else why not (static text, translated). */
static const char *check_object(const json_t *obj, char *why, size_t whylen)
{
	const char *type, *id, *sv;
	char c[32], m[32];
	size_t tl;
	int sco;

	if (!json_is_object(obj))
		return _("not a JSON object");
	type = json_string_value(json_object_get(obj, "type"));
	if (!type)
		return _("no \"type\" (or not a string)");
	tl = strlen(type);
	if (tl < 3 || tl > 250)
		return _("\"type\" must be 3 to 250 characters");
	for (size_t i = 0; i < tl; i++)
		if (!(islower((unsigned char)type[i]) || isdigit((unsigned char)type[i]) ||
		      type[i] == '-'))
			return _("\"type\" may hold only a-z, 0-9 and '-'");
	id = json_string_value(json_object_get(obj, "id"));
	if (!id)
		return _("no \"id\" (or not a string)");
	if (strncmp(id, type, tl) || strncmp(id + tl, "--", 2) || !is_uuid(id + tl + 2))
		return _("\"id\" is not \"<type>--<uuid>\"");
	/* a custom object without created/modified is an SCO; the specification's own SDOs and
	 * SROs always need both */
	sco = in(type, sco_types) || (!in(type, sdo_sro_types) &&
				      !json_object_get(obj, "created") &&
				      !json_object_get(obj, "modified") &&
				      strcmp(type, "marking-definition"));
	sv = json_string_value(json_object_get(obj, "spec_version"));
	if (!sco && !sv)
		return _("no \"spec_version\"");
	if (sv && strcmp(sv, "2.1") && strcmp(sv, "2.0"))
		return _("\"spec_version\" is not 2.1");
	if (sco)
		return NULL;
	if (ts_key(json_string_value(json_object_get(obj, "created")), c))
		return _("\"created\" is missing or not a STIX timestamp");
	if (!strcmp(type, "marking-definition"))
		return NULL;
	if (ts_key(json_string_value(json_object_get(obj, "modified")), m))
		return _("\"modified\" is missing or not a STIX timestamp");
	if (strcmp(m, c) < 0) {
		snprintf(why, whylen, _("\"modified\" (%s) is earlier than \"created\" (%s)"),
			 json_string_value(json_object_get(obj, "modified")),
			 json_string_value(json_object_get(obj, "created")));
		return why;
	}
	for (const char *const *k = (const char *const[]){ "valid_from", "valid_until",
							  "first_observed", "last_observed",
							  "first_seen", "last_seen", NULL };
	     *k; k++) {
		const json_t *t = json_object_get(obj, *k);
		if (t && ts_key(json_string_value(t), c)) {
			snprintf(why, whylen, _("\"%s\" is not a STIX timestamp"), *k);
			return why;
		}
	}
	if (!strcmp(type, "indicator") &&
	    (!json_is_string(json_object_get(obj, "pattern")) ||
	     !json_is_string(json_object_get(obj, "valid_from"))))
		return _("an indicator needs \"pattern\" and \"valid_from\"");
	if (!strcmp(type, "relationship") &&
	    (!json_is_string(json_object_get(obj, "source_ref")) ||
	     !json_is_string(json_object_get(obj, "target_ref")) ||
	     !json_is_string(json_object_get(obj, "relationship_type"))))
		return _("a relationship needs relationship_type, source_ref and target_ref");
	return NULL;
}

/* ---- the document ----------------------------------------------------------------------------- */

struct doc {
	struct ingest_ctx *ctx;
	json_t *objs;          /* array (borrowed or owned through own) */
	json_t *own;
	json_t *byid;          /* id -> object (valid objects only) */
	json_t *marks;         /* marking-definition id -> level (integer) or "PAP:X" */
	json_t *incident_of;   /* object id -> incident id (relationships) */
	json_t *indicated;     /* "<field> <value>" given by an indicator */
	unsigned skipped;      /* objects without an event form */
	int rc;
};

/* The level of a marking definition object of the bundle, or -1; *pap its PAP statement. */
static int marking_level(const json_t *md, const char **pap)
{
	const json_t *ext, *def;
	const char *v;

	*pap = NULL;
	if ((ext = json_object_get(json_object_get(md, "extensions"),
				   "extension-definition--60a3c5c5-0d10-413e-aab3-9e08dde9e88d"))) {
		v = json_string_value(json_object_get(ext, "tlp_2_0"));
		for (int i = 0; v && i < STIX_TLP_LEVELS; i++)
			if (!strcasecmp(v, tlp_names[i]))
				return i;
	}
	def = json_object_get(md, "definition");
	if ((v = json_string_value(json_object_get(def, "tlp")))) {
		static const char *const l1[] = { "white", "green", "amber", "red" };
		for (int i = 0; i < 4; i++)
			if (!strcasecmp(v, l1[i]))
				return tlp1_level[i];
	}
	if ((v = json_string_value(json_object_get(def, "statement"))) &&
	    !strncasecmp(v, "PAP:", 4))
		*pap = v;
	return -1;
}

/* The strictest TLP of obj's markings (-1: none) and its PAP statement. */
static int object_tlp(struct doc *d, const json_t *obj, const char **pap)
{
	const json_t *refs = json_object_get(obj, "object_marking_refs"), *r;
	size_t i;
	int best = -1;

	*pap = NULL;
	json_array_foreach(refs, i, r) {
		const char *id = json_string_value(r);
		const json_t *m;
		int l;
		if (!id)
			continue;
		if ((l = stix_tlp_level(id)) < 0 && (m = json_object_get(d->marks, id))) {
			if (json_is_integer(m))
				l = (int)json_integer_value(m);
			else if (json_is_string(m))
				*pap = json_string_value(m);
		}
		if (l > best)
			best = l;
	}
	return best;
}

static const char *const rsit_keywords[][2] = {
	{ "phishing", "phishing" }, { "c2", "c2-server" }, { "command-and-control", "c2-server" },
	{ "botnet", "c2-server" },  { "malware", "malware-distribution" },
	{ "ransomware", "malware-distribution" }, { "spam", "spam" }, { "scanner", "scanner" },
	{ "ddos", "ddos" }, { NULL, NULL }
};

/* classification.type for obj (and its incident) into the current event. */
static void classify(struct doc *d, const json_t *obj, const json_t *incident)
{
	const json_t *lists[2] = { obj, incident }, *l;
	size_t i;

	for (int k = 0; k < 2; k++) {
		json_array_foreach(json_object_get(lists[k], "labels"), i, l) {
			const char *s = json_string_value(l), *q;
			char type[64];
			if (!s || strncmp(s, "rsit:", 5) || !(q = strchr(s, '"')))
				continue;
			size_t n = strcspn(q + 1, "\"");
			if (n == 0 || n >= sizeof(type))
				continue;
			memcpy(type, q + 1, n);
			type[n] = 0;
			if (event_set_str(d->ctx->ev, "classification.type", type, 0, NULL) == V_OK)
				return;
		}
	}
	for (int k = 0; k < 2; k++) {
		const char *keys[] = { "labels", "indicator_types" };
		for (int kk = 0; kk < 2; kk++)
			json_array_foreach(json_object_get(lists[k], keys[kk]), i, l) {
				const char *s = json_string_value(l);
				for (int r = 0; s && rsit_keywords[r][0]; r++)
					if (strcasestr(s, rsit_keywords[r][0])) {
						ingest_add_str(d->ctx, "classification.type",
							       rsit_keywords[r][1], 0);
						return;
					}
			}
	}
	ingest_add_str(d->ctx, "classification.type", "undetermined", 0);
}

/* One event for (field, value) of obj. */
static int emit(struct doc *d, const json_t *obj, const char *field, const char *value,
		const char *time_key)
{
	struct ingest_ctx *ctx = d->ctx;
	const char *id = json_string_value(json_object_get(obj, "id"));
	const char *incid = json_string_value(json_object_get(d->incident_of, id));
	const json_t *inc = incid ? json_object_get(d->byid, incid) : NULL;
	const char *pap = NULL, *s;
	char *raw;
	int tlp, rc;

	ingest_new_event(ctx);
	/* an invalid value marks the event failed: ingest_emit rejects it with the reason */
	ingest_add_str(ctx, field, value, 0);
	classify(d, obj, inc);
	tlp = object_tlp(d, obj, &pap);
	if (tlp < 0 && inc)
		tlp = object_tlp(d, inc, &pap);
	if (tlp >= 0)
		ingest_add_str(ctx, "tlp", tlp_names[tlp], 0);
	if (pap)
		ingest_add_str(ctx, "extra.pap", pap + 4, 0);
	if ((s = json_string_value(json_object_get(obj, time_key))))
		ingest_add_str(ctx, "time.source", s, ING_IGNORE_INVALID);
	if ((s = json_string_value(json_object_get(obj, "description"))))
		ingest_add_str(ctx, "event_description.text", s, ING_IGNORE_INVALID);
	ingest_add_str(ctx, "extra.stix_id", id, 0);
	if (ctx->file)
		ingest_add_str(ctx, "extra.source_file", ctx->file, ING_IGNORE_INVALID);
	if (incid) {
		ingest_add_str(ctx, "extra.shared_incident", incid, 0);
		if ((s = json_string_value(json_object_get(inc, "name"))))
			ingest_add_str(ctx, "extra.shared_incident_name", s, ING_IGNORE_INVALID);
	}
	raw = json_dumps(obj, JSON_COMPACT);
	rc = ingest_emit(ctx, raw, raw ? strlen(raw) : 0);
	free(raw);
	return rc;
}

/* ---- patterns --------------------------------------------------------------------------------- */

static const struct {
	const char *lhs;
	const char *field;
} lhs_fields[] = {
	{ "ipv4-addr:value", "source.ip" },       { "ipv6-addr:value", "source.ip" },
	{ "domain-name:value", "source.fqdn" },   { "url:value", "source.url" },
	{ "email-addr:value", "source.account" },
	{ "file:hashes.MD5", "malware.hash.md5" }, { "file:hashes.'MD5'", "malware.hash.md5" },
	{ "file:hashes.'SHA-1'", "malware.hash.sha1" }, { "file:hashes.SHA1", "malware.hash.sha1" },
	{ "file:hashes.'SHA-256'", "malware.hash.sha256" },
	{ "file:hashes.SHA256", "malware.hash.sha256" }, { NULL, NULL }
};

#define MAX_COMPARISONS 64

struct cmp {
	const char *field;
	char value[1024];
};

static void skip_ws(const char **p)
{
	while (**p == ' ' || **p == '\t' || **p == '\n' || **p == '\r')
		(*p)++;
}

/* "[a = 'x' OR b = 'y'] OR [c = 'z']" -> comparisons; -1 when the pattern is anything else. */
static int parse_pattern(const char *p, struct cmp *out, int max)
{
	int n = 0, open = 0;

	if (!p)
		return -1;
	for (;;) {
		skip_ws(&p);
		if (!open) {
			if (*p != '[')
				return -1;
			p++;
			open = 1;
			continue;
		}
		/* lhs */
		const char *start = p;
		while (*p && *p != ' ' && *p != '=' && *p != '\t')
			p++;
		size_t ll = (size_t)(p - start);
		const char *field = NULL;
		for (int i = 0; lhs_fields[i].lhs; i++)
			if (strlen(lhs_fields[i].lhs) == ll && !memcmp(lhs_fields[i].lhs, start, ll))
				field = lhs_fields[i].field;
		if (!field || n >= max)
			return -1;
		skip_ws(&p);
		if (*p != '=')
			return -1;
		p++;
		skip_ws(&p);
		if (*p != '\'')
			return -1;
		p++;
		size_t k = 0;
		while (*p && *p != '\'') {
			if (*p == '\\' && (p[1] == '\'' || p[1] == '\\'))
				p++;
			if (k + 1 >= sizeof(out[n].value))
				return -1;
			out[n].value[k++] = *p++;
		}
		if (*p != '\'')
			return -1;
		p++;
		out[n].value[k] = 0;
		out[n].field = field;
		n++;
		skip_ws(&p);
		if (*p == ']') {
			p++;
			open = 0;
			skip_ws(&p);
			if (!*p)
				return n;
		}
		if (strncmp(p, "OR", 2) || (p[2] != ' ' && p[2] != '[' && p[2] != '\t'))
			return -1;
		p += 2;
	}
}

/* The field of an SCO and its value, or NULL. */
static const char *sco_field(const json_t *sco, const char **value)
{
	const char *type = json_string_value(json_object_get(sco, "type"));
	const json_t *h;

	*value = json_string_value(json_object_get(sco, "value"));
	if (!type)
		return NULL;
	if (!strcmp(type, "ipv4-addr") || !strcmp(type, "ipv6-addr"))
		return *value ? "source.ip" : NULL;
	if (!strcmp(type, "domain-name"))
		return *value ? "source.fqdn" : NULL;
	if (!strcmp(type, "url"))
		return *value ? "source.url" : NULL;
	if (!strcmp(type, "email-addr"))
		return *value ? "source.account" : NULL;
	if (!strcmp(type, "file") && (h = json_object_get(sco, "hashes"))) {
		if ((*value = json_string_value(json_object_get(h, "SHA-256"))))
			return "malware.hash.sha256";
		if ((*value = json_string_value(json_object_get(h, "SHA-1"))))
			return "malware.hash.sha1";
		if ((*value = json_string_value(json_object_get(h, "MD5"))))
			return "malware.hash.md5";
	}
	return NULL;
}

static const char *net_field(const char *field, const char *value)
{
	return !strcmp(field, "source.ip") && strchr(value, '/') ? "source.network" : field;
}

static void indicator_events(struct doc *d, const json_t *obj)
{
	struct cmp *c = malloc(MAX_COMPARISONS * sizeof(*c));
	int n = c ? parse_pattern(json_string_value(json_object_get(obj, "pattern")), c,
				  MAX_COMPARISONS) : -1;

	if (n <= 0) {
		d->skipped++;
		log_debug("%s: %s: pattern has no event form", d->ctx->file ? d->ctx->file : "-",
			  json_string_value(json_object_get(obj, "id")));
	}
	for (int i = 0; i < n; i++) {
		const char *f = net_field(c[i].field, c[i].value);
		char key[1100];
		snprintf(key, sizeof(key), "%s %s", f, c[i].value);
		json_object_set_new(d->indicated, key, json_true());
		if (emit(d, obj, f, c[i].value, "valid_from") != V_OK)
			d->rc = V_ERR_PARSE;
	}
	free(c);
}

static void observed_events(struct doc *d, const json_t *obj)
{
	const json_t *refs = json_object_get(obj, "object_refs"), *r, *embedded;
	const char *k;
	size_t i;
	int any = 0;

	/* STIX 2.1: references to SCOs of the bundle; 2.0: embedded "objects" */
	json_array_foreach(refs, i, r) {
		const json_t *sco = json_string_value(r) ? json_object_get(d->byid, json_string_value(r))
							 : NULL;
		const char *value, *f = sco ? sco_field(sco, &value) : NULL;
		char key[1100];
		if (!f)
			continue;
		f = net_field(f, value);
		snprintf(key, sizeof(key), "%s %s", f, value);
		if (json_object_get(d->indicated, key))
			continue;
		any = 1;
		if (emit(d, obj, f, value, "first_observed") != V_OK)
			d->rc = V_ERR_PARSE;
	}
	embedded = json_object_get(obj, "objects");
	json_object_foreach((json_t *)embedded, k, r) {
		const char *value, *f = json_is_object(r) ? sco_field(r, &value) : NULL;
		if (!f)
			continue;
		any = 1;
		if (emit(d, obj, net_field(f, value), value, "first_observed") != V_OK)
			d->rc = V_ERR_PARSE;
	}
	if (!any)
		d->skipped++;
}

static int stix_record(struct ingest_ctx *ctx, const char *rec, size_t len)
{
	struct doc d = { .ctx = ctx };
	json_error_t je;
	json_t *doc = json_loadb(rec, len, JSON_REJECT_DUPLICATES, &je), *o;
	const char *rec0 = ctx->rec;
	size_t rec_len0 = ctx->rec_len, i;
	char why[256];
	int rc = V_OK;

	if (!doc)
		return ingest_reject(ctx, NULL, _("not JSON: line %d: %s"), je.line, je.text);
	if (json_is_array(doc)) {
		d.objs = doc;
	} else if (json_is_object(doc) && (json_object_get(doc, "objects") ||
					   json_object_get(doc, "type"))) {
		const char *t = json_string_value(json_object_get(doc, "type"));
		if (json_object_get(doc, "objects")) {
			if (!t || strcmp(t, "bundle")) {
				json_decref(doc);
				return ingest_reject(ctx, "type", "%s",
						     _("a document with \"objects\" must be a "
						       "bundle (\"type\": \"bundle\")"));
			}
			d.objs = json_object_get(doc, "objects");
			const char *bid = json_string_value(json_object_get(doc, "id"));
			if (!json_is_array(d.objs) || !bid || strncmp(bid, "bundle--", 8) ||
			    !is_uuid(bid + 8)) {
				json_decref(doc);
				return ingest_reject(ctx, "objects", "%s",
						     _("a bundle needs an id \"bundle--<uuid>\" and "
						       "an array \"objects\""));
			}
		} else if (t && !strcmp(t, "bundle")) {
			d.objs = d.own = json_array(); /* an empty bundle: nothing to do */
		} else {
			d.objs = d.own = json_array();
			json_array_append(d.own, doc);
		}
	} else {
		json_decref(doc);
		return ingest_reject(ctx, NULL, "%s", _("not a STIX document (a bundle, an object "
							"or an array of objects)"));
	}
	d.byid = json_object();
	d.marks = json_object();
	d.incident_of = json_object();
	d.indicated = json_object();
	/* pass 1: check every object, index the valid ones, collect markings and incidents */
	json_array_foreach(d.objs, i, o) {
		const char *bad = check_object(o, why, sizeof(why));
		const char *id = json_string_value(json_object_get(o, "id"));
		if (bad) {
			char field[64];
			char *txt = json_dumps(o, JSON_COMPACT | JSON_ENCODE_ANY);
			snprintf(field, sizeof(field), "objects[%zu]", i);
			ctx->rec = txt ? txt : rec;
			ctx->rec_len = txt ? strlen(txt) : len;
			log_warn(_("%s: %s %s: %s (skipped)"), ctx->file ? ctx->file : "-", field,
				 id ? id : "", bad);
			ingest_reject(ctx, field, "%s%s%s", id ? id : "", id ? ": " : "", bad);
			ctx->rec = rec0;
			ctx->rec_len = rec_len0;
			free(txt);
			rc = V_ERR_PARSE;
			continue;
		}
		if (json_object_get(d.byid, id)) {
			const json_t *prev = json_object_get(d.byid, id);
			/* versions of one object: keep the latest */
			char a[32], b[32];
			if (ts_key(json_string_value(json_object_get(o, "modified")), a) ||
			    ts_key(json_string_value(json_object_get(prev, "modified")), b) ||
			    strcmp(a, b) <= 0)
				continue;
		}
		json_object_set(d.byid, id, o);
		if (!strncmp(id, "marking-definition--", 20)) {
			const char *pap;
			int l = marking_level(o, &pap);
			if (l >= 0)
				json_object_set_new(d.marks, id, json_integer(l));
			else if (pap)
				json_object_set_new(d.marks, id, json_string(pap));
		}
	}
	/* relationships and sightings tie objects to incidents */
	json_array_foreach(d.objs, i, o) {
		const char *t = json_string_value(json_object_get(o, "type"));
		const char *id = json_string_value(json_object_get(o, "id"));
		if (!t || !id || json_object_get(d.byid, id) != o)
			continue;
		if (!strcmp(t, "sighting")) {
			/* a sighting of an incident: the observed data it names belong to it */
			const char *of = json_string_value(json_object_get(o, "sighting_of_ref"));
			const json_t *r;
			size_t k;
			if (!of || strncmp(of, "incident--", 10) || !json_object_get(d.byid, of))
				continue;
			json_array_foreach(json_object_get(o, "observed_data_refs"), k, r)
				if (json_is_string(r))
					json_object_set_new(d.incident_of, json_string_value(r),
							    json_string(of));
			continue;
		}
		if (strcmp(t, "relationship"))
			continue;
		const char *src = json_string_value(json_object_get(o, "source_ref"));
		const char *dst = json_string_value(json_object_get(o, "target_ref"));
		if (!strncmp(dst, "incident--", 10) && json_object_get(d.byid, dst))
			json_object_set_new(d.incident_of, src, json_string(dst));
		else if (!strncmp(src, "incident--", 10) && json_object_get(d.byid, src))
			json_object_set_new(d.incident_of, dst, json_string(src));
	}
	/* pass 2: events */
	json_array_foreach(d.objs, i, o) {
		const char *t = json_string_value(json_object_get(o, "type"));
		const char *id = json_string_value(json_object_get(o, "id"));
		if (!t || !id || json_object_get(d.byid, id) != o)
			continue;
		if (!strcmp(t, "indicator"))
			indicator_events(&d, o);
	}
	json_array_foreach(d.objs, i, o) {
		const char *t = json_string_value(json_object_get(o, "type"));
		const char *id = json_string_value(json_object_get(o, "id"));
		if (!t || !id || json_object_get(d.byid, id) != o)
			continue;
		if (!strcmp(t, "observed-data"))
			observed_events(&d, o);
		else if (strcmp(t, "indicator"))
			d.skipped++;
	}
	if (d.skipped)
		log_debug("%s: %u STIX objects without an event form", ctx->file ? ctx->file : "-",
			  d.skipped);
	json_decref(d.byid);
	json_decref(d.marks);
	json_decref(d.incident_of);
	json_decref(d.indicated);
	json_decref(d.own);
	json_decref(doc);
	return rc != V_OK ? rc : d.rc;
}

const struct parser parser_stix = {
	.name = "stix",
	.aliases = (const char *const[]){ NULL },
	.description = N_("STIX 2.1 bundles: indicators and observed data become events"),
	.mode = PARSE_DOCUMENT,
	.record = stix_record,
};
