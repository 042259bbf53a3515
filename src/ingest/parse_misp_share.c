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
 * aggregation rule keeps one MISP event one incident.  raw: the attribute as the file has it.
 * A value that does not validate rejects that attribute (named by its uuid); the others go on.
 *
 * The document is read where it is, never whole (PARSE_STREAM, jsonwalk.h): an event's members
 * are read first with its "Attribute" and "Object" arrays stepped over (MISP writes the
 * event's tags after its attributes), then each attribute is parsed alone, turned into an
 * event and freed, so memory does not grow with the number of attributes.  Text that is not
 * JSON rejects the document from where it breaks: the attributes before it are kept.
 */
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "base/epoch.h"
#include "base/i18n.h"
#include "base/timeparse.h"
#include "ingest/ingest.h"
#include "ingest/jsonscan.h"
#include "ingest/jsonwalk.h"

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

/* One tag's name into t. */
static void read_tag(const char *name, struct tags *t)
{
	const char *q;
	int l;

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

static void read_tags(const json_t *list, struct tags *t)
{
	const json_t *tag;
	size_t i;

	json_array_foreach(list, i, tag) {
		const char *name = json_string_value(json_object_get(tag, "name"));
		if (name)
			read_tag(name, t);
	}
}

struct counts {
	unsigned skipped;
};

/* What one_event() needs of an event, read member by member.  The json_t are owned. */
struct meta {
	json_t *info, *uuid, *tag;   /* "info", "uuid", "Tag" (NULL when absent) */
	size_t attrs, objects;       /* offsets of the "Attribute" and "Object" arrays, or NONE */
	size_t event;                /* offset of an "Event" object (a wrapper), or NONE */
	size_t response;             /* offset of a "response" array (a search response), or NONE */
	int has_attrs, has_objects;  /* the members are there, whatever their type */
};

#define NONE ((size_t)-1)

static void meta_fini(struct meta *m)
{
	json_decref(m->info);
	json_decref(m->uuid);
	json_decref(m->tag);
}

/*
 * What an attribute's event is made of, read from its tree (attr_of_json) or from a scan of
 * its text (attr_of_scan).  A string is the member's value, NULL when it is missing or not a
 * string; value and timestamp: a string's value or an integer written as text (MISP writes
 * numbers either way), else NULL; tags: the event's, then the attribute's own.
 */
struct attr {
	const char *type, *value, *uuid, *comment, *timestamp;
	int to_ids;            /* -1: not a boolean */
	struct tags tags;
	char num[2][32];       /* value and timestamp written from integers */
};

/* A scalar as text: a string's value, an integer written into num, else NULL. */
static const char *json_scalar(const json_t *v, char num[32])
{
	if (json_is_string(v))
		return json_string_value(v);
	if (json_is_integer(v)) {
		snprintf(num, 32, "%" JSON_INTEGER_FORMAT, json_integer_value(v));
		return num;
	}
	return NULL;
}

static void attr_of_json(struct attr *f, const json_t *a, const struct tags *et)
{
	const json_t *t = json_object_get(a, "to_ids");

	f->type = json_string_value(json_object_get(a, "type"));
	f->value = json_scalar(json_object_get(a, "value"), f->num[0]);
	f->timestamp = json_scalar(json_object_get(a, "timestamp"), f->num[1]);
	f->uuid = json_string_value(json_object_get(a, "uuid"));
	f->comment = json_string_value(json_object_get(a, "comment"));
	f->to_ids = json_is_boolean(t) ? json_is_true(t) : -1;
	f->tags = *et;
	read_tags(json_object_get(a, "Tag"), &f->tags);
}

enum { A_TYPE, A_VALUE, A_UUID, A_COMMENT, A_TIMESTAMP, A_TO_IDS, A_TAG, A_COUNT };
static const char *const attr_keys[A_COUNT] = { "type", "value", "uuid", "comment",
						"timestamp", "to_ids", "Tag" };
static const char *const name_key[1] = { "name" };

/* A member decoded into dec (room reserved), or NULL when it is not a string. */
static const char *dec_str(struct buf *dec, const struct jsonscan_member *m)
{
	char *p;

	if (m->kind != JSONSCAN_STRING)
		return NULL;
	p = dec->data + dec->len;
	dec->len += jsonscan_unescape(m->val, m->len, p) + 1;
	return p;
}

/* The same of a scanned member: a string decoded into dec, an integer written into num (as
 * jansson would have read it: strtoll, then "%lld"), a real number or anything else NULL. */
static const char *dec_scalar(struct buf *dec, const struct jsonscan_member *m, char num[32])
{
	char digits[32], *end;

	if (m->kind == JSONSCAN_STRING)
		return dec_str(dec, m);
	if (m->kind != JSONSCAN_NUMBER || m->len >= sizeof(digits) || memchr(m->val, '.', m->len))
		return NULL; /* a real number: jansson's json_is_integer() is false */
	memcpy(digits, m->val, m->len);
	digits[m->len] = 0;
	snprintf(num, 32, "%lld", strtoll(digits, &end, 10));
	return num;
}

/* The attribute text[0..n) by jsonscan, its strings decoded into dec: 1, or 0 when the scan
 * is not sure (then jansson). */
static int attr_of_scan(struct attr *f, const char *text, size_t n, const struct tags *et,
			struct buf *dec)
{
	struct jsonscan_member m[A_COUNT], el, nm;
	const char *pos;

	if (!jsonscan_object(text, n, attr_keys, m, A_COUNT))
		return 0;
	buf_reset(dec); /* every decoded string is shorter than its text */
	if (buf_reserve(dec, n + 1) != V_OK)
		return 0;
	f->type = dec_str(dec, &m[A_TYPE]);
	f->value = dec_scalar(dec, &m[A_VALUE], f->num[0]);
	f->timestamp = dec_scalar(dec, &m[A_TIMESTAMP], f->num[1]);
	f->uuid = dec_str(dec, &m[A_UUID]);
	f->comment = dec_str(dec, &m[A_COMMENT]);
	f->to_ids = -1;
	if (m[A_TO_IDS].kind == JSONSCAN_TRUE || m[A_TO_IDS].kind == JSONSCAN_FALSE)
		f->to_ids = m[A_TO_IDS].kind == JSONSCAN_TRUE;
	f->tags = *et;
	pos = m[A_TAG].val;
	while (m[A_TAG].kind == JSONSCAN_ARRAY &&
	       jsonscan_array_next(&pos, m[A_TAG].val + m[A_TAG].len, &el)) {
		const char *name;
		if (el.kind != JSONSCAN_OBJECT)
			continue;
		if (!jsonscan_object(el.val, el.len, name_key, &nm, 1))
			return 0;
		if ((name = dec_str(dec, &nm)))
			read_tag(name, &f->tags);
	}
	return 1;
}

/* One attribute f of the event m; raw: its text (NULL: written again from its tree a). */
static int attribute(struct ingest_ctx *ctx, const struct meta *m, const struct attr *f,
		     const json_t *a, const char *raw, size_t raw_len, struct counts *c)
{
	const char *type = f->type;
	const char *value, *bar, *s;
	const struct tags *at = &f->tags;
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
	if (!(value = f->value)) {
		c->skipped++;
		return V_OK;
	}
	text = strdup(value);
	if (!text)
		return V_ERR_NOMEM;
	ingest_new_event(ctx);
	bar = types[i].field2 ? strchr(text, '|') : NULL;
	if (types[i].field2 && !bar)
		ingest_fail(ctx, "value", _("'%s' needs two values joined by '|'"), type);
	/* an ip-dst not meant for detection is the target of the activity, not its source */
	const char *f1 = types[i].field, *f2 = types[i].field2;
	if (!strncmp(type, "ip-dst", 6) && f->to_ids == 0) {
		f1 = "destination.ip";
		f2 = f2 ? "destination.port" : NULL;
	}
	if (f1)
		ingest_add(ctx, f1, text, bar ? (size_t)(bar - text) : strlen(text), 0);
	if (bar)
		ingest_add_str(ctx, f2, bar + 1, 0);
	ingest_add_str(ctx, "classification.type", at->type[0] ? at->type : "undetermined",
		       ING_IGNORE_INVALID);
	if (!event_has(ctx->ev, "classification.type"))
		ingest_add_str(ctx, "classification.type", "undetermined", 0);
	if (at->tlp >= 0)
		ingest_add_str(ctx, "tlp", tlp_names[at->tlp], 0);
	if (at->pap)
		ingest_add_str(ctx, "extra.pap", at->pap, ING_IGNORE_INVALID);
	if (f->to_ids >= 0)
		ingest_add_bool(ctx, "extra.misp_to_ids", f->to_ids, 0);
	if ((s = json_string_value(m->uuid))) {
		char inc[80];
		ingest_add_str(ctx, "misp.event_uuid", s, ING_IGNORE_INVALID);
		snprintf(inc, sizeof(inc), "misp:%s", s);
		ingest_add_str(ctx, "extra.shared_incident", inc, 0);
		if ((s = json_string_value(m->info)))
			ingest_add_str(ctx, "extra.shared_incident_name", s, ING_IGNORE_INVALID);
	}
	if ((s = f->uuid))
		ingest_add_str(ctx, "misp.attribute_uuid", s, ING_IGNORE_INVALID);
	if ((s = f->comment) && *s)
		ingest_add_str(ctx, "comment", s, ING_IGNORE_INVALID);
	if ((s = f->timestamp)) {
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
	if (raw)
		return ingest_emit(ctx, raw, raw_len);
	text = json_dumps(a, JSON_COMPACT | JSON_SORT_KEYS);
	rc = ingest_emit(ctx, text, text ? strlen(text) : 0);
	free(text);
	return rc;
}

/* Reject the document where the walker found it broken (the reject file keeps the part it
 * had read). */
static int reject_doc(struct ingest_ctx *ctx, const struct jsonwalk *w)
{
	ctx->rec = w->buf;
	ctx->rec_len = w->len;
	int rc = ingest_reject(ctx, NULL, _("not JSON: line %d: %s"), (int)w->line, w->why);
	ctx->rec = NULL;
	ctx->rec_len = 0;
	return rc;
}

/* The members of the object at the walker's position (consumed): *m filled.  0, or -1 (w's
 * reason). */
static int read_members(struct jsonwalk *w, struct meta *m)
{
	size_t count = 0, off, n;
	const char *text;
	char key[64];
	int r;

	memset(m, 0, sizeof(*m));
	m->attrs = m->objects = m->event = m->response = NONE;
	if (jsonwalk_enter(w, '{') != 0)
		return -1;
	while ((r = jsonwalk_next(w, '{', &count, key, sizeof(key))) == 1) {
		json_t **keep = NULL;
		size_t *at = NULL;
		if (!strcmp(key, "info"))
			keep = &m->info;
		else if (!strcmp(key, "uuid"))
			keep = &m->uuid;
		else if (!strcmp(key, "Tag"))
			keep = &m->tag;
		else if (!strcmp(key, "Attribute"))
			at = &m->attrs;
		else if (!strcmp(key, "Object"))
			at = &m->objects;
		else if (!strcmp(key, "Event"))
			at = &m->event;
		else if (!strcmp(key, "response"))
			at = &m->response;
		int c = jsonwalk_peek(w);
		if (keep) { /* small: read (a later duplicate wins, as in a jansson tree) */
			json_t *v;
			if (jsonwalk_value(w, &v, &text, &off, &n) != 0)
				return -1;
			json_decref(*keep);
			*keep = v;
			continue;
		}
		if (at == &m->attrs)
			m->has_attrs = 1;
		else if (at == &m->objects)
			m->has_objects = 1;
		if (at)
			*at = c == (at == &m->event ? '{' : '[') ? jsonwalk_offset(w) : NONE;
		if (jsonwalk_skip(w, &off, &n) != 0)
			return -1;
	}
	return r;
}

/* The attributes of the array at offset `at` (of the event m), one at a time.  V_OK, the
 * first attribute's error, or V_ERR_PARSE after rejecting broken text. */
static int attributes_at(struct ingest_ctx *ctx, const struct ingest_input *in, size_t at,
			 const struct meta *m, const struct tags *et, struct counts *c)
{
	struct jsonwalk w;
	size_t count = 0, off, n;
	const char *text;
	struct buf dec;
	struct attr f;
	json_t *a;
	int rc = V_OK, r;

	if (jsonwalk_open(&w, in, at, ctx->opt.max_document, 0) != 0)
		return V_ERR_NOMEM;
	buf_init(&dec, ctx->opt.max_document + 1);
	if (jsonwalk_enter(&w, '[') != 0) {
		rc = reject_doc(ctx, &w);
		goto out;
	}
	while ((r = jsonwalk_next(&w, '[', &count, NULL, 0)) == 1) {
		if (jsonwalk_raw(&w, &text, &off, &n) != 0) {
			r = -1;
			break;
		}
		/* jsonscan when it is sure of the attribute, else jansson (which also says why
		 * broken text is broken) */
		if (attr_of_scan(&f, text, n, et, &dec)) {
			jsonwalk_pass(&w, n);
			if ((r = attribute(ctx, m, &f, NULL, text, n, c)) != V_OK)
				rc = r;
			continue;
		}
		if (jsonwalk_load(&w, n, &a) != 0) {
			r = -1;
			break;
		}
		if (json_is_object(a)) {
			attr_of_json(&f, a, et);
			if ((r = attribute(ctx, m, &f, a, text, n, c)) != V_OK)
				rc = r;
		}
		json_decref(a);
	}
	if (r < 0)
		rc = reject_doc(ctx, &w);
out:
	buf_fini(&dec);
	jsonwalk_fini(&w);
	return rc;
}

/* The attributes of the objects of the array at offset `at`: each object is small, read whole. */
static int objects_at(struct ingest_ctx *ctx, const struct ingest_input *in, size_t at,
		      const struct meta *m, const struct tags *et, struct counts *c)
{
	struct jsonwalk w;
	size_t count = 0, off, n, i;
	const char *text;
	json_t *o, *a;
	int rc = V_OK, r;

	if (jsonwalk_open(&w, in, at, ctx->opt.max_document, 0) != 0)
		return V_ERR_NOMEM;
	if (jsonwalk_enter(&w, '[') != 0) {
		rc = reject_doc(ctx, &w);
		goto out;
	}
	while ((r = jsonwalk_next(&w, '[', &count, NULL, 0)) == 1) {
		if (jsonwalk_value(&w, &o, &text, &off, &n) != 0) {
			r = -1;
			break;
		}
		json_array_foreach(json_object_get(o, "Attribute"), i, a) {
			struct attr f;
			if (!json_is_object(a))
				continue;
			attr_of_json(&f, a, et);
			if ((r = attribute(ctx, m, &f, a, NULL, 0, c)) != V_OK)
				rc = r;
		}
		json_decref(o);
	}
	if (r < 0)
		rc = reject_doc(ctx, &w);
out:
	jsonwalk_fini(&w);
	return rc;
}

/* One event whose members are m ({"Event": {...}} or bare). */
static int one_event(struct ingest_ctx *ctx, const struct ingest_input *in, struct meta *m,
		     struct counts *c)
{
	struct tags et = { .tlp = -1 };
	struct meta inner;
	int rc = V_OK, r;

	if (m->event != NONE) { /* the wrapper's "Event": its members instead */
		struct jsonwalk w;
		if (jsonwalk_open(&w, in, m->event, ctx->opt.max_document, 0) != 0)
			return V_ERR_NOMEM;
		r = read_members(&w, &inner);
		if (r != 0) {
			meta_fini(&inner);
			rc = reject_doc(ctx, &w);
			jsonwalk_fini(&w);
			return rc;
		}
		jsonwalk_fini(&w);
		m = &inner;
	}
	if (!json_is_string(m->info) && !m->has_attrs && !m->has_objects) {
		c->skipped++; /* not an event (a sharing group, an organisation, ...) */
		goto out;
	}
	read_tags(m->tag, &et);
	if (m->attrs != NONE && (r = attributes_at(ctx, in, m->attrs, m, &et, c)) != V_OK)
		rc = r;
	if (m->objects != NONE && (r = objects_at(ctx, in, m->objects, m, &et, c)) != V_OK)
		rc = r;
out:
	if (m == &inner)
		meta_fini(&inner);
	return rc;
}

/* The events of the array at the walker's position (consumed), each read on its own. */
static int event_list(struct ingest_ctx *ctx, const struct ingest_input *in, struct jsonwalk *w,
		      struct counts *c)
{
	size_t count = 0, off, n;
	int rc = V_OK, r;

	if (jsonwalk_enter(w, '[') != 0)
		return reject_doc(ctx, w);
	while ((r = jsonwalk_next(w, '[', &count, NULL, 0)) == 1) {
		struct jsonwalk ew;
		struct meta m;
		off = jsonwalk_offset(w);
		if (jsonwalk_peek(w) != '{') {
			json_t *v;
			const char *text;
			if (jsonwalk_value(w, &v, &text, &off, &n) != 0)
				break;
			json_decref(v);
			rc = ingest_reject(ctx, NULL, "%s", _("an event must be a JSON object"));
			continue;
		}
		if (jsonwalk_skip(w, &off, &n) != 0) {
			r = -1;
			break;
		}
		if (jsonwalk_open(&ew, in, off, ctx->opt.max_document, 0) != 0)
			return V_ERR_NOMEM;
		if (read_members(&ew, &m) != 0) {
			meta_fini(&m);
			rc = reject_doc(ctx, &ew);
			jsonwalk_fini(&ew);
			continue;
		}
		jsonwalk_fini(&ew);
		if ((r = one_event(ctx, in, &m, c)) != V_OK)
			rc = r;
		meta_fini(&m);
	}
	if (r != 0)
		rc = reject_doc(ctx, w);
	return rc;
}

static int misp_share_stream(struct ingest_ctx *ctx, const struct ingest_input *in)
{
	struct counts c = { 0 };
	struct jsonwalk w;
	struct meta m = { 0 };
	int rc;

	if (jsonwalk_open(&w, in, 0, ctx->opt.max_document, 0) != 0)
		return V_ERR_NOMEM;
	switch (jsonwalk_peek(&w)) {
	case '[':
		if ((rc = event_list(ctx, in, &w, &c)) != V_ERR_PARSE && jsonwalk_peek(&w) >= 0) {
			jsonwalk_fail(&w, "end of file expected");
			rc = reject_doc(ctx, &w);
		}
		break;
	case '{':
		if (read_members(&w, &m) != 0) {
			rc = reject_doc(ctx, &w);
			break;
		}
		if (jsonwalk_peek(&w) >= 0) {
			jsonwalk_fail(&w, "end of file expected");
			rc = reject_doc(ctx, &w);
			break;
		}
		if (m.response != NONE) {
			struct jsonwalk lw;
			if (jsonwalk_open(&lw, in, m.response, ctx->opt.max_document, 0) != 0) {
				rc = V_ERR_NOMEM;
				break;
			}
			rc = event_list(ctx, in, &lw, &c);
			jsonwalk_fini(&lw);
		} else {
			rc = one_event(ctx, in, &m, &c);
		}
		break;
	default: /* not JSON, or a JSON scalar: not a MISP event, list or search response */
		if (!w.ioerr)
			jsonwalk_fail(&w, "'[' or '{' expected");
		rc = reject_doc(ctx, &w);
	}
	meta_fini(&m);
	jsonwalk_fini(&w);
	return rc;
}

const struct parser parser_misp_share = {
	.name = "misp_share",
	.aliases = (const char *const[]){ NULL },
	.description = N_("MISP events from partners: every attribute with a field, TLP, PAP and "
			  "RSIT tags kept"),
	.mode = PARSE_STREAM,
	.stream = misp_share_stream,
};
