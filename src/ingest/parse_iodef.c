/*
 * parse_iodef.c — IODEF v2 (RFC 7970) in: every Incident of an IODEF-Document becomes events.
 *
 * The document is parsed by libxml2 with no network (XML_PARSE_NONET), no DTD loading, no
 * entity substitution, and refused before parsing when it declares a DOCTYPE or entities
 * (billion laughs, external entities: an IODEF document needs neither).  Namespaces are
 * checked: the root must be IODEF-Document in urn:ietf:params:xml:ns:iodef-2.0.
 *
 * Per Incident (src/share/iodef.h has the TLP <-> restriction table):
 *   EventData//Flow/System/Node/Address      category "source": source.ip; "target" (and the
 *                                            other victim-side categories): destination.ip
 *   EventData//Flow/System/Node/DomainData/Name  source.fqdn / destination.fqdn
 *   IndicatorData/Indicator/Observable       Address (ipv4/ipv6 source.ip; site-uri, url
 *                                            source.url), DomainData/Name source.fqdn,
 *                                            EmailData/EmailFrom source.account,
 *                                            FileData//HashData/Hash (ds:DigestMethod md5,
 *                                            sha1, sha256; ds:DigestValue base64 -> hex)
 *   tlp                                      the Incident's (or the Indicator's stricter)
 *                                            restriction
 *   classification.type                      AdditionalData meaning="rsit", else keywords of
 *                                            the Description, else "undetermined"
 *   time.source                              DetectTime (EventData's, else the Incident's),
 *                                            else StartTime, else GenerationTime
 *   extra.iodef_incident_id, extra.shared_incident ("iodef:<name>:<id>"),
 *   extra.shared_incident_name (Description), extra.pap, extra.source_file
 * An Incident without IncidentID or GenerationTime is rejected (named by its position).
 */
#include <ctype.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sodium.h>
#include <libxml/parser.h>
#include <libxml/tree.h>

#include "base/i18n.h"
#include "ingest/ingest.h"

#define NS "urn:ietf:params:xml:ns:iodef-2.0"
#define DS "http://www.w3.org/2000/09/xmldsig#"

static const char *const tlp_names[] = { "CLEAR", "GREEN", "AMBER", "AMBER+STRICT", "RED" };

static int is(const xmlNode *n, const char *name, const char *ns)
{
	return n && n->type == XML_ELEMENT_NODE && !strcmp((const char *)n->name, name) && n->ns &&
	       n->ns->href && !strcmp((const char *)n->ns->href, ns);
}

static const xmlNode *child(const xmlNode *n, const char *name)
{
	for (const xmlNode *c = n ? n->children : NULL; c; c = c->next)
		if (is(c, name, NS))
			return c;
	return NULL;
}

/* The text of a node (owned by the caller: xmlFree), trimmed in place. */
static char *text(const xmlNode *n)
{
	char *t = n ? (char *)xmlNodeGetContent(n) : NULL, *s, *e;

	if (!t)
		return NULL;
	for (s = t; isspace((unsigned char)*s); s++)
		;
	e = s + strlen(s);
	while (e > s && isspace((unsigned char)e[-1]))
		e--;
	memmove(t, s, (size_t)(e - s));
	t[e - s] = 0;
	return t;
}

static char *prop(const xmlNode *n, const char *name)
{
	return (char *)xmlGetProp(n, BAD_CAST name);
}

/* The TLP level of an element's restriction, or -1 when it has none. */
static int restriction(const xmlNode *n, int none)
{
	static const struct {
		const char *r;
		int level;
	} map[] = { { "white", 0 }, { "public", 0 }, { "green", 1 }, { "partner", 1 },
		    { "amber", 2 }, { "need-to-know", 3 }, { "red", 4 }, { "private", 4 },
		    { "default", 4 } };
	char *r = prop(n, "restriction"), *ext;
	int level = -1;

	if (!r)
		return none;
	if (!strcmp(r, "ext-value") && (ext = prop(n, "ext-restriction"))) {
		for (int i = 0; i < 5; i++)
			if (!strcasecmp(ext, tlp_names[i]) ||
			    (i == 0 && !strcasecmp(ext, "white")))
				level = i;
		xmlFree(ext);
	}
	for (size_t i = 0; i < sizeof(map) / sizeof(map[0]); i++)
		if (!strcmp(r, map[i].r))
			level = map[i].level;
	if (level < 0 && !strcmp(r, "ext-value"))
		level = 4; /* a restriction vigia does not know: the strictest */
	xmlFree(r);
	return level;
}

struct inc {
	struct ingest_ctx *ctx;
	const xmlNode *node;
	int tlp;
	char *id, *name, *desc, *time, *rsit, *pap;
	int failed;
};

static const char *const keywords[][2] = {
	{ "phishing", "phishing" }, { "c2", "c2-server" }, { "command and control", "c2-server" },
	{ "botnet", "infected-system" }, { "malware", "malware-distribution" },
	{ "ransomware", "infected-system" }, { "spam", "spam" }, { "scan", "scanner" },
	{ "ddos", "ddos" }, { "brute", "brute-force" }, { NULL, NULL }
};

static void classify(struct inc *in)
{
	const char *q;

	if (in->rsit && (q = strchr(in->rsit, '"'))) {
		char type[64];
		size_t n = strcspn(q + 1, "\"");
		if (n && n < sizeof(type)) {
			memcpy(type, q + 1, n);
			type[n] = 0;
			if (ingest_add_str(in->ctx, "classification.type", type, ING_IGNORE_INVALID) ==
			    V_OK)
				return;
		}
	}
	for (int i = 0; in->desc && keywords[i][0]; i++)
		if (strcasestr(in->desc, keywords[i][0])) {
			ingest_add_str(in->ctx, "classification.type", keywords[i][1], 0);
			return;
		}
	ingest_add_str(in->ctx, "classification.type", "undetermined", 0);
}

static int emit(struct inc *in, const char *field, const char *value, int tlp, const char *time,
		const xmlNode *raw_node)
{
	struct ingest_ctx *ctx = in->ctx;
	char shared[600];
	xmlBufferPtr b;
	int rc;

	ingest_new_event(ctx);
	ingest_add_str(ctx, field, value, 0);
	classify(in);
	if (tlp >= 0)
		ingest_add_str(ctx, "tlp", tlp_names[tlp], 0);
	if (in->pap)
		ingest_add_str(ctx, "extra.pap", in->pap + (strncasecmp(in->pap, "PAP:", 4) ? 0 : 4),
			       ING_IGNORE_INVALID);
	if (time || in->time)
		ingest_add_str(ctx, "time.source", time ? time : in->time, ING_IGNORE_INVALID);
	ingest_add_str(ctx, "extra.iodef_incident_id", in->id, ING_IGNORE_INVALID);
	snprintf(shared, sizeof(shared), "iodef:%s:%s", in->name ? in->name : "", in->id);
	ingest_add_str(ctx, "extra.shared_incident", shared, ING_IGNORE_INVALID);
	if (in->desc)
		ingest_add_str(ctx, "extra.shared_incident_name", in->desc, ING_IGNORE_INVALID);
	if (ctx->file)
		ingest_add_str(ctx, "extra.source_file", ctx->file, ING_IGNORE_INVALID);
	b = xmlBufferCreate();
	if (b && xmlNodeDump(b, raw_node->doc, (xmlNode *)raw_node, 0, 0) >= 0)
		rc = ingest_emit(ctx, xmlBufferContent(b), (size_t)xmlBufferLength(b));
	else
		rc = ingest_emit(ctx, NULL, 0);
	if (b)
		xmlBufferFree(b);
	return rc;
}

/* Events of the addresses and names of a Node under a System of this category. */
static void node(struct inc *in, const xmlNode *sys, const char *time)
{
	char *cat = prop(sys, "category");
	int target = cat && (!strcmp(cat, "target") || !strcmp(cat, "watchlist-target"));
	const xmlNode *n = child(sys, "Node");

	xmlFree(cat);
	for (const xmlNode *c = n ? n->children : NULL; c; c = c->next) {
		char *v = NULL, *acat = NULL;
		const char *field = NULL;
		if (is(c, "Address", NS)) {
			acat = prop(c, "category");
			if (!acat || !strcmp(acat, "ipv4-addr") || !strcmp(acat, "ipv6-addr"))
				field = target ? "destination.ip" : "source.ip";
			else if (!strcmp(acat, "ipv4-net") || !strcmp(acat, "ipv6-net"))
				field = target ? "destination.network" : "source.network";
			v = text(c);
		} else if (is(c, "DomainData", NS)) {
			field = target ? "destination.fqdn" : "source.fqdn";
			v = text(child(c, "Name"));
		}
		if (field && v && *v && emit(in, field, v, in->tlp, time, sys) != V_OK)
			in->failed = 1;
		xmlFree(v);
		xmlFree(acat);
	}
}

static void event_data(struct inc *in, const xmlNode *ed, const char *time)
{
	char *t = text(child(ed, "DetectTime"));
	const char *when = t ? t : time;

	for (const xmlNode *c = ed->children; c; c = c->next) {
		if (is(c, "Flow", NS)) {
			for (const xmlNode *s = c->children; s; s = s->next)
				if (is(s, "System", NS))
					node(in, s, when);
		} else if (is(c, "EventData", NS)) {
			event_data(in, c, when);
		}
	}
	xmlFree(t);
}

static void hash_events(struct inc *in, const xmlNode *n, int tlp, const xmlNode *raw)
{
	for (const xmlNode *c = n->children; c; c = c->next) {
		if (c->type != XML_ELEMENT_NODE)
			continue;
		if (is(c, "Hash", NS)) {
			const xmlNode *m = NULL, *d = NULL;
			for (const xmlNode *k = c->children; k; k = k->next) {
				if (is(k, "DigestMethod", DS))
					m = k;
				else if (is(k, "DigestValue", DS))
					d = k;
			}
			char *alg = m ? prop(m, "Algorithm") : NULL, *b64 = text(d);
			const char *field = !alg ? NULL
					    : strstr(alg, "sha256") ? "malware.hash.sha256"
					    : strstr(alg, "sha1") ? "malware.hash.sha1"
					    : strstr(alg, "md5") ? "malware.hash.md5" : NULL;
			unsigned char bin[64];
			char hex[129];
			size_t n2 = 0;
			if (field && b64 &&
			    sodium_base642bin(bin, sizeof(bin), b64, strlen(b64), " \t\r\n", &n2, NULL,
					      sodium_base64_VARIANT_ORIGINAL) == 0 && n2) {
				sodium_bin2hex(hex, sizeof(hex), bin, n2);
				if (emit(in, field, hex, tlp, NULL, raw) != V_OK)
					in->failed = 1;
			}
			xmlFree(alg);
			xmlFree(b64);
		} else {
			hash_events(in, c, tlp, raw);
		}
	}
}

/* BulkObservable: one value a line of a type (or ext-type) vigia has a field for. */
static void bulk(struct inc *in, const xmlNode *b, int tlp, const xmlNode *raw)
{
	static const char *const kinds[][2] = {
		{ "ipv4-addr", "source.ip" }, { "ipv6-addr", "source.ip" }, { "fqdn", "source.fqdn" },
		{ "domain-name", "source.fqdn" }, { "url", "source.url" }, { "site-uri", "source.url" },
		{ "email", "source.account" }, { NULL, NULL }
	};
	char *type = prop(b, "type"), *ext = prop(b, "ext-type"), *list;
	const char *t = type && !strcmp(type, "ext-value") ? ext : type, *field = NULL;

	for (int i = 0; t && kinds[i][0]; i++)
		if (!strcmp(t, kinds[i][0]))
			field = kinds[i][1];
	list = field ? text(child(b, "BulkObservableList")) : NULL;
	for (char *p = list, *e; p && *p; p = e) {
		e = p + strcspn(p, "\r\n");
		if (*e)
			*e++ = 0;
		while (*p == ' ' || *p == '\t')
			p++;
		if (*p && emit(in, field, p, tlp, NULL, raw) != V_OK)
			in->failed = 1;
	}
	xmlFree(list);
	xmlFree(type);
	xmlFree(ext);
}

static void indicator(struct inc *in, const xmlNode *ind)
{
	int tlp = restriction(ind, in->tlp);
	const xmlNode *o = child(ind, "Observable");

	if (tlp < in->tlp)
		tlp = in->tlp;
	for (const xmlNode *c = o ? o->children : NULL; c; c = c->next) {
		char *v = NULL, *cat = NULL;
		const char *field = NULL;
		if (is(c, "Address", NS)) {
			cat = prop(c, "category");
			v = text(c);
			if (!cat || !strcmp(cat, "ipv4-addr") || !strcmp(cat, "ipv6-addr"))
				field = "source.ip";
			else if (!strcmp(cat, "site-uri") || !strcmp(cat, "url"))
				field = "source.url";
			else if (!strcmp(cat, "e-mail"))
				field = "source.account";
		} else if (is(c, "DomainData", NS)) {
			field = "source.fqdn";
			v = text(child(c, "Name"));
		} else if (is(c, "EmailData", NS)) {
			field = "source.account";
			v = text(child(c, "EmailFrom"));
		} else if (is(c, "FileData", NS)) {
			hash_events(in, c, tlp, ind);
		} else if (is(c, "System", NS)) {
			node(in, c, NULL);
		} else if (is(c, "BulkObservable", NS)) {
			bulk(in, c, tlp, ind);
		}
		if (field && v && *v && emit(in, field, v, tlp, NULL, ind) != V_OK)
			in->failed = 1;
		xmlFree(v);
		xmlFree(cat);
	}
}

static int incident(struct ingest_ctx *ctx, const xmlNode *n, size_t index)
{
	struct inc in = { .ctx = ctx, .node = n };
	const xmlNode *idn = child(n, "IncidentID");
	char *gen = text(child(n, "GenerationTime"));
	int rc = V_OK;

	in.id = text(idn);
	if (!in.id || !*in.id || !gen) {
		rc = ingest_reject(ctx, "Incident", _("Incident %zu lacks IncidentID or "
						       "GenerationTime"), index + 1);
		goto out;
	}
	if (!child(n, "Contact")) {
		rc = ingest_reject(ctx, "Contact", _("Incident %zu has no Contact (IODEF requires "
						      "one)"), index + 1);
		goto out;
	}
	if ((in.tlp = restriction(n, 4)) < 0) { /* none: the schema's default, private */
		char *r = prop(n, "restriction");
		rc = ingest_reject(ctx, "restriction", _("Incident %zu: restriction '%s' is not an "
							  "IODEF value"), index + 1, r ? r : "");
		xmlFree(r);
		goto out;
	}
	in.name = prop(idn, "name");
	in.desc = text(child(n, "Description"));
	in.time = text(child(n, "DetectTime"));
	if (!in.time)
		in.time = text(child(n, "StartTime"));
	if (!in.time) {
		in.time = gen;
		gen = NULL;
	}
	for (const xmlNode *c = n->children; c; c = c->next) {
		char *meaning = is(c, "AdditionalData", NS) ? prop(c, "meaning") : NULL;
		if (meaning && !strcmp(meaning, "rsit") && !in.rsit)
			in.rsit = text(c);
		else if (meaning && !strcmp(meaning, "pap") && !in.pap)
			in.pap = text(c);
		xmlFree(meaning);
	}
	for (const xmlNode *c = n->children; c; c = c->next) {
		if (is(c, "EventData", NS))
			event_data(&in, c, NULL);
		else if (is(c, "IndicatorData", NS))
			for (const xmlNode *i = c->children; i; i = i->next)
				if (is(i, "Indicator", NS))
					indicator(&in, i);
	}
	if (in.failed)
		rc = V_ERR_PARSE;
out:
	xmlFree(gen);
	xmlFree(in.id);
	xmlFree(in.name);
	xmlFree(in.desc);
	xmlFree(in.time);
	xmlFree(in.rsit);
	xmlFree(in.pap);
	return rc;
}

static int iodef_record(struct ingest_ctx *ctx, const char *rec, size_t len)
{
	xmlDocPtr doc;
	const xmlNode *root;
	const xmlError *e;
	size_t k = 0;
	int rc = V_OK;

	/* no DTD, no entities: what an IODEF document never needs and an attacker always does */
	if (memmem(rec, len, "<!DOCTYPE", 9) || memmem(rec, len, "<!ENTITY", 8))
		return ingest_reject(ctx, NULL, "%s",
				     _("a DOCTYPE or entity declaration: refused (IODEF needs "
				       "neither)"));
	if (len > (size_t)1 << 30)
		return ingest_reject(ctx, NULL, "%s", _("document too large"));
	doc = xmlReadMemory(rec, (int)len, ctx->file ? ctx->file : "iodef.xml", NULL,
			    XML_PARSE_NONET | XML_PARSE_NOERROR | XML_PARSE_NOWARNING);
	if (!doc) {
		e = xmlGetLastError();
		return ingest_reject(ctx, NULL, _("not XML: line %d: %s"), e ? e->line : 0,
				     e && e->message ? e->message : "?");
	}
	root = xmlDocGetRootElement(doc);
	if (!is(root, "IODEF-Document", NS)) {
		xmlFreeDoc(doc);
		return ingest_reject(ctx, NULL, "%s",
				     _("not an IODEF v2 document (root IODEF-Document in "
				       "urn:ietf:params:xml:ns:iodef-2.0)"));
	}
	for (const xmlNode *c = root->children; c; c = c->next)
		if (is(c, "Incident", NS)) {
			int r = incident(ctx, c, k++);
			if (r != V_OK)
				rc = r;
		}
	if (!k)
		rc = ingest_reject(ctx, NULL, "%s", _("the document has no Incident"));
	xmlFreeDoc(doc);
	return rc;
}

const struct parser parser_iodef = {
	.name = "iodef",
	.aliases = (const char *const[]){ NULL },
	.description = N_("IODEF v2 (RFC 7970) documents: addresses, names, URLs, hashes"),
	.mode = PARSE_DOCUMENT,
	.record = iodef_record,
};
