/*
 * parse_iodef.c — IODEF v2 (RFC 7970) in: every Incident of an IODEF-Document becomes events.
 *
 * The document is read as a stream (PARSE_STREAM: where it is, never whole in memory) by
 * libxml2's xmlTextReader with no network (XML_PARSE_NONET), no DTD loading, no entity
 * substitution, and refused before parsing when it declares a DOCTYPE or entities (billion
 * laughs, external entities: an IODEF document needs neither; a first scan of the bytes looks
 * for the declarations).  Namespaces are checked: the root must be IODEF-Document in
 * urn:ietf:params:xml:ns:iodef-2.0.
 *
 * Two passes of the reader, so that memory stays flat however many indicators an Incident
 * holds (one Incident of 1,000,000 indicators is the usual shape of an export):
 *   1. the whole document is read once, building nothing but the few small elements of each
 *      Incident's head (IncidentID, GenerationTime, Description, DetectTime, StartTime,
 *      Contact, AdditionalData — which the schema puts after the indicators — and the
 *      DetectTime of each EventData); a document that is not well-formed XML, or not IODEF,
 *      is refused whole here, before any event, as when it was parsed into one tree;
 *   2. it is read again, and each Flow/System of an EventData and each Indicator of an
 *      IndicatorData is expanded (xmlTextReaderExpand) alone, turned into events, and freed
 *      as the reader moves on.
 * Memory: the largest System or Indicator, plus the heads (about 0.2 kB per Incident).
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
#include <libxml/xmlreader.h>

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

/* The TLP level of a restriction attribute (r, and ext-restriction ext when r is
 * "ext-value"), none when there is no r, or -1 for a value IODEF does not have. */
static int restriction_of(const char *r, const char *ext, int none)
{
	static const struct {
		const char *r;
		int level;
	} map[] = { { "white", 0 }, { "public", 0 }, { "green", 1 }, { "partner", 1 },
		    { "amber", 2 }, { "need-to-know", 3 }, { "red", 4 }, { "private", 4 },
		    { "default", 4 } };
	int level = -1;

	if (!r)
		return none;
	if (!strcmp(r, "ext-value") && ext) {
		for (int i = 0; i < 5; i++)
			if (!strcasecmp(ext, tlp_names[i]) ||
			    (i == 0 && !strcasecmp(ext, "white")))
				level = i;
	}
	for (size_t i = 0; i < sizeof(map) / sizeof(map[0]); i++)
		if (!strcmp(r, map[i].r))
			level = map[i].level;
	if (level < 0 && !strcmp(r, "ext-value"))
		level = 4; /* a restriction vigia does not know: the strictest */
	return level;
}

/* The TLP level of an element's restriction, or none when it has none. */
static int restriction(const xmlNode *n, int none)
{
	char *r = prop(n, "restriction"), *ext = r ? prop(n, "ext-restriction") : NULL;
	int level = restriction_of(r, ext, none);

	xmlFree(r);
	xmlFree(ext);
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

/* ---- reading the document as a stream ----------------------------------------------------- */

#define MAX_DEPTH 512 /* libxml2 refuses deeper documents (256 without XML_PARSE_HUGE) */

/* An Incident's head, from the first pass (strings: xmlFree). */
struct head {
	char *id, *name, *gen, *desc, *detect, *start, *rsit, *pap;
	char *restr, *ext;            /* the Incident's restriction attributes */
	int has_id, has_gen, has_desc, has_detect, has_start, contact;
	size_t dt0, ndt;              /* its EventData's DetectTime: heads.dt[dt0 .. dt0 + ndt) */
};

struct heads {
	struct head *v;
	size_t n, cap;
	char **dt;                    /* each EventData's first DetectTime or NULL, in order */
	unsigned char *dt_set;
	size_t ndt, capdt;
	int oom;
};

static void heads_free(struct heads *h)
{
	for (size_t i = 0; i < h->n; i++) {
		struct head *x = &h->v[i];
		xmlFree(x->id);
		xmlFree(x->name);
		xmlFree(x->gen);
		xmlFree(x->desc);
		xmlFree(x->detect);
		xmlFree(x->start);
		xmlFree(x->rsit);
		xmlFree(x->pap);
		xmlFree(x->restr);
		xmlFree(x->ext);
	}
	for (size_t i = 0; i < h->ndt; i++)
		xmlFree(h->dt[i]);
	free(h->v);
	free(h->dt);
	free(h->dt_set);
}

static struct head *head_new(struct heads *h)
{
	if (h->n == h->cap) {
		size_t nc = h->cap ? 2 * h->cap : 8;
		struct head *nv = realloc(h->v, nc * sizeof(*nv));
		if (!nv) {
			h->oom = 1;
			return NULL;
		}
		h->v = nv;
		h->cap = nc;
	}
	memset(&h->v[h->n], 0, sizeof(h->v[0]));
	h->v[h->n].dt0 = h->ndt;
	return &h->v[h->n++];
}

/* A DetectTime slot for an EventData: its index, or -1 (out of memory). */
static long dt_new(struct heads *h, struct head *cur)
{
	if (h->ndt == h->capdt) {
		size_t nc = h->capdt ? 2 * h->capdt : 8;
		char **nd = realloc(h->dt, nc * sizeof(*nd));
		unsigned char *ns;
		if (!nd) {
			h->oom = 1;
			return -1;
		}
		h->dt = nd;
		if (!(ns = realloc(h->dt_set, nc))) {
			h->oom = 1;
			return -1;
		}
		h->dt_set = ns;
		h->capdt = nc;
	}
	h->dt[h->ndt] = NULL;
	h->dt_set[h->ndt] = 0;
	cur->ndt++;
	return (long)h->ndt++;
}

/* The reader's input: the stream, read where it is. */
struct xin {
	const struct ingest_input *in;
	size_t off;
};

static int xin_read(void *arg, char *buf, int len)
{
	struct xin *x = arg;
	ssize_t r = len > 0 ? ingest_input_read(x->in, x->off, buf, (size_t)len) : 0;

	if (r < 0)
		return -1;
	x->off += (size_t)r;
	return (int)r;
}

static int xin_close(void *arg)
{
	(void)arg;
	return 0;
}

static xmlTextReaderPtr reader_open(struct ingest_ctx *ctx, struct xin *x,
				    const struct ingest_input *in)
{
	x->in = in;
	x->off = 0;
	return xmlReaderForIO(xin_read, xin_close, x, ctx->file ? ctx->file : "iodef.xml", NULL,
			      XML_PARSE_NONET | XML_PARSE_NOERROR | XML_PARSE_NOWARNING);
}

/* Whether the bytes declare a DOCTYPE or an entity: 1, 0, or -1 on a read error. */
static int declares(const struct ingest_input *in)
{
	enum { CH = 1 << 16, KEEP = 8 };
	char *b = malloc(CH + KEEP);
	size_t off = 0, keep = 0;
	int found = 0;

	if (!b)
		return -1;
	for (;;) {
		ssize_t r = ingest_input_read(in, off, b + keep, CH);
		size_t n;
		if (r <= 0) {
			found = r < 0 ? -1 : 0;
			break;
		}
		n = keep + (size_t)r;
		if (memmem(b, n, "<!DOCTYPE", 9) || memmem(b, n, "<!ENTITY", 8)) {
			found = 1;
			break;
		}
		off += (size_t)r;
		keep = n < KEEP ? n : KEEP;
		memmove(b, b + n - keep, keep);
	}
	free(b);
	return found;
}

static int named(xmlTextReaderPtr r, const char *name)
{
	const xmlChar *ln = xmlTextReaderConstLocalName(r);
	const xmlChar *ns = xmlTextReaderConstNamespaceUri(r);

	return ln && ns && !strcmp((const char *)ln, name) && !strcmp((const char *)ns, NS);
}

/* The text of the element at the reader (expanded), or NULL. */
static char *reader_text(xmlTextReaderPtr r)
{
	xmlNode *n = xmlTextReaderExpand(r);

	return n ? text(n) : NULL;
}

/* Keep the first text of an element in *slot. */
static void first_text(xmlTextReaderPtr r, char **slot, int *has)
{
	if (*has)
		return;
	*has = 1;
	*slot = reader_text(r);
}

/* Pass 1: check the whole document and take each Incident's head.  Returns the reader's last
 * status (0 at the end, -1 on broken XML); *root_ok: the root is IODEF-Document. */
static int read_heads(xmlTextReaderPtr r, struct heads *h, int *root_ok)
{
	struct head *cur = NULL;
	long slot[MAX_DEPTH];
	int ret = xmlTextReaderRead(r);

	*root_ok = -1;
	while (ret == 1 && !h->oom) {
		int d = xmlTextReaderDepth(r), skip = 1;
		if (xmlTextReaderNodeType(r) != XML_READER_TYPE_ELEMENT) {
			ret = xmlTextReaderRead(r);
			continue;
		}
		if (d == 0) {
			if (*root_ok < 0)
				*root_ok = named(r, "IODEF-Document");
			skip = 0; /* read on: the whole document must be well-formed */
		} else if (*root_ok != 1) {
			skip = 1;
		} else if (d == 1) {
			cur = NULL;
			if (named(r, "Incident") && (cur = head_new(h))) {
				cur->restr = (char *)xmlTextReaderGetAttribute(
					r, BAD_CAST "restriction");
				if (cur->restr)
					cur->ext = (char *)xmlTextReaderGetAttribute(
						r, BAD_CAST "ext-restriction");
				skip = 0;
			}
		} else if (!cur || d >= MAX_DEPTH) {
			skip = 1;
		} else if (d == 2 && named(r, "IncidentID")) {
			if (!cur->has_id) {
				xmlNode *n = xmlTextReaderExpand(r);
				cur->has_id = 1;
				cur->id = n ? text(n) : NULL;
				cur->name = n ? prop(n, "name") : NULL;
			}
		} else if (d == 2 && named(r, "GenerationTime")) {
			first_text(r, &cur->gen, &cur->has_gen);
		} else if (d == 2 && named(r, "Description")) {
			first_text(r, &cur->desc, &cur->has_desc);
		} else if (d == 2 && named(r, "DetectTime")) {
			first_text(r, &cur->detect, &cur->has_detect);
		} else if (d == 2 && named(r, "StartTime")) {
			first_text(r, &cur->start, &cur->has_start);
		} else if (d == 2 && named(r, "Contact")) {
			cur->contact = 1;
		} else if (d == 2 && named(r, "AdditionalData")) {
			xmlNode *n = xmlTextReaderExpand(r);
			char *meaning = n ? prop(n, "meaning") : NULL;
			if (meaning && !strcmp(meaning, "rsit") && !cur->rsit)
				cur->rsit = text(n);
			else if (meaning && !strcmp(meaning, "pap") && !cur->pap)
				cur->pap = text(n);
			xmlFree(meaning);
		} else if (named(r, "EventData")) {
			/* under the Incident, or under an EventData: only those are descended */
			if ((slot[d] = dt_new(h, cur)) >= 0)
				skip = 0;
		} else if (d > 2 && named(r, "DetectTime")) {
			long s = slot[d - 1];
			if (!h->dt_set[s]) {
				h->dt_set[s] = 1;
				h->dt[s] = reader_text(r);
			}
		}
		ret = skip ? xmlTextReaderNext(r) : xmlTextReaderRead(r);
	}
	return h->oom ? -2 : ret;
}

/* An Incident's checks, as the tree reader made them.  V_OK: fills in. */
static int incident_begin(struct ingest_ctx *ctx, struct inc *in, struct head *h, size_t index)
{
	memset(in, 0, sizeof(*in));
	in->ctx = ctx;
	if (!h->id || !*h->id || !h->gen)
		return ingest_reject(ctx, "Incident", _("Incident %zu lacks IncidentID or "
							 "GenerationTime"), index + 1);
	if (!h->contact)
		return ingest_reject(ctx, "Contact",
				     _("Incident %zu has no Contact (IODEF requires one)"),
				     index + 1);
	if ((in->tlp = restriction_of(h->restr, h->ext, 4)) < 0) /* none: the schema's default */
		return ingest_reject(ctx, "restriction",
				     _("Incident %zu: restriction '%s' is not an IODEF value"),
				     index + 1, h->restr);
	/* borrowed from the head */
	in->id = h->id;
	in->name = h->name;
	in->desc = h->desc;
	in->time = h->detect ? h->detect : h->start ? h->start : h->gen;
	in->rsit = h->rsit;
	in->pap = h->pap;
	return V_OK;
}

/* Pass 2: the events of each Incident that passed its checks. */
static int read_events(struct ingest_ctx *ctx, xmlTextReaderPtr r, struct heads *h)
{
	enum { K_OTHER, K_EVENTDATA, K_FLOW, K_INDICATORS };
	unsigned char kind[MAX_DEPTH];
	const char *when[MAX_DEPTH];
	struct inc in = { 0 };
	size_t k = 0, dt = 0;
	int active = 0, rc = V_OK;
	int ret = xmlTextReaderRead(r);

	while (ret == 1) {
		int d = xmlTextReaderDepth(r), skip = 1;
		if (active && d <= 1) {
			/* anything at the Incident's level ends the one being read */
			if (in.failed)
				rc = V_ERR_PARSE;
			active = 0;
		}
		if (xmlTextReaderNodeType(r) != XML_READER_TYPE_ELEMENT) {
			ret = xmlTextReaderRead(r);
			continue;
		}
		if (d == 0) {
			skip = 0;
		} else if (d == 1) {
			if (named(r, "Incident") && k < h->n) {
				struct head *hd = &h->v[k];
				int r2 = incident_begin(ctx, &in, hd, k);
				k++;
				if (r2 == V_OK) {
					active = 1;
					dt = hd->dt0;
					skip = 0;
				} else {
					rc = r2;
				}
			}
		} else if (!active || d >= MAX_DEPTH) {
			skip = 1;
		} else if (d == 2 && named(r, "IndicatorData")) {
			kind[d] = K_INDICATORS;
			skip = 0;
		} else if (named(r, "EventData") && (d == 2 || kind[d - 1] == K_EVENTDATA)) {
			const char *t = dt < h->ndt ? h->dt[dt] : NULL;
			dt++;
			kind[d] = K_EVENTDATA;
			when[d] = t ? t : d == 2 ? NULL : when[d - 1];
			skip = 0;
		} else if (d > 2 && kind[d - 1] == K_EVENTDATA && named(r, "Flow")) {
			kind[d] = K_FLOW;
			skip = 0;
		} else if (d > 3 && kind[d - 1] == K_FLOW && named(r, "System")) {
			xmlNode *n = xmlTextReaderExpand(r);
			if (n)
				node(&in, n, when[d - 2]);
		} else if (d == 3 && kind[d - 1] == K_INDICATORS && named(r, "Indicator")) {
			xmlNode *n = xmlTextReaderExpand(r);
			if (n)
				indicator(&in, n);
		}
		ret = skip ? xmlTextReaderNext(r) : xmlTextReaderRead(r);
	}
	if (active && in.failed)
		rc = V_ERR_PARSE;
	return rc;
}

static int iodef_stream(struct ingest_ctx *ctx, const struct ingest_input *input)
{
	struct heads h = { 0 };
	struct xin x;
	xmlTextReaderPtr r;
	const xmlError *e;
	int root_ok, ret, rc = V_OK, decl;

	/* no DTD, no entities: what an IODEF document never needs and an attacker always does */
	if ((decl = declares(input)) != 0)
		return ingest_reject(ctx, NULL, "%s",
				     decl > 0 ? _("a DOCTYPE or entity declaration: refused (IODEF "
						  "needs neither)")
					      : _("read error"));
	xmlResetLastError();
	if (!(r = reader_open(ctx, &x, input)))
		return ingest_reject(ctx, NULL, "%s", vres_str(V_ERR_NOMEM));
	ret = read_heads(r, &h, &root_ok);
	xmlFreeTextReader(r);
	if (ret == -2) {
		rc = ingest_reject(ctx, NULL, "%s", vres_str(V_ERR_NOMEM));
		goto out;
	}
	if (ret < 0 || root_ok < 0) {
		e = xmlGetLastError();
		rc = ingest_reject(ctx, NULL, _("not XML: line %d: %s"), e ? e->line : 0,
				   e && e->message ? e->message : "?");
		goto out;
	}
	if (!root_ok) {
		rc = ingest_reject(ctx, NULL, "%s",
				   _("not an IODEF v2 document (root IODEF-Document in "
				     "urn:ietf:params:xml:ns:iodef-2.0)"));
		goto out;
	}
	if (!h.n) {
		rc = ingest_reject(ctx, NULL, "%s", _("the document has no Incident"));
		goto out;
	}
	if (!(r = reader_open(ctx, &x, input))) {
		rc = ingest_reject(ctx, NULL, "%s", vres_str(V_ERR_NOMEM));
		goto out;
	}
	rc = read_events(ctx, r, &h);
	xmlFreeTextReader(r);
out:
	heads_free(&h);
	return rc;
}

const struct parser parser_iodef = {
	.name = "iodef",
	.aliases = (const char *const[]){ NULL },
	.description = N_("IODEF v2 (RFC 7970) documents: addresses, names, URLs, hashes"),
	.mode = PARSE_STREAM,
	.stream = iodef_stream,
};
