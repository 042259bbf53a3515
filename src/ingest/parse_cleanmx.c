/*
 * parse_cleanmx.c — CleanMX's XML exports (xmlphishing, xmlviruses), compatible with IntelMQ's
 * parser (intelmq.bots.parsers.cleanmx.parser).
 *
 * The document is <output>...<entries><entry><id>..</id><first>..</first>...</entry>...; every
 * <entry> becomes one event, with its child elements mapped to fields (the tables below) and
 * raw = the entry re-serialised the way Python's ElementTree writes it (CDATA as escaped text,
 * empty elements as "<x />", comments dropped, followed by the text after </entry>).  Which
 * export it is comes from feed.url ("xmlphishing" / "xmlviruses"), or else from vigia's
 * parameter "report" ("phishing" / "viruses").
 *
 * Hostile input: the document is parsed by libxml2 without network access, without loading
 * DTDs and without substituting entities; a document that declares entities is refused
 * before parsing (no entity expansion, no billion laughs, no external files).
 *
 * Where vigia differs from IntelMQ (docs/formats.md): an element missing from the tables is
 * kept as extra.<name> (IntelMQ fails the entry on an unknown element).
 */
#include <limits.h>
#include <stdlib.h>
#include <string.h>

#include <libxml/parser.h>
#include <libxml/tree.h>

#include "base/i18n.h"
#include "base/timeparse.h"
#include "ingest/ingest.h"

struct map {
	const char *tag;
	const char *field; /* NULL: skipped; "extra": extra.<tag> */
};

/* clang-format off */
static const struct map phishing_map[] = {
	{ "line", NULL }, { "id", "extra" }, { "first", "time.source" }, { "firsttime", NULL },
	{ "last", NULL }, { "lasttime", NULL }, { "phishtank", "extra" },
	{ "target", "event_description.target" }, { "url", "source.url" }, { "recent", "status" },
	{ "response", "extra" }, { "ip", "source.ip" }, { "review", "extra" },
	{ "domain", "source.fqdn" }, { "country", "source.geolocation.cc" },
	{ "source", "source.registry" }, { "email", "source.abuse_contact" },
	{ "inetnum", "extra" }, { "netname", "extra" }, { "descr", "extra" }, { "ns1", "extra" },
	{ "ns2", "extra" }, { "ns3", "extra" }, { "ns4", "extra" }, { "ns5", "extra" },
	{ NULL, NULL }
};

static const struct map virus_map[] = {
	{ "line", NULL }, { "id", "extra" }, { "sub", "extra" }, { "first", "time.source" },
	{ "firsttime", NULL }, { "last", NULL }, { "lasttime", NULL }, { "scanner", "extra" },
	{ "virusname", "malware.name" }, { "url", "source.url" }, { "recent", "status" },
	{ "response", "extra" }, { "ip", "source.ip" }, { "as", "source.asn" },
	{ "review", "extra" }, { "domain", "source.fqdn" }, { "country", "source.geolocation.cc" },
	{ "source", "extra" }, { "email", "source.abuse_contact" }, { "inetnum", "extra" },
	{ "netname", "extra" }, { "descr", "extra" }, { "ns1", "extra" }, { "ns2", "extra" },
	{ "ns3", "extra" }, { "ns4", "extra" }, { "ns5", "extra" }, { "md5", "malware.hash.md5" },
	{ "virustotal", "extra" }, { "vt_score", "extra" }, { "vt_info", "extra" },
	{ NULL, NULL }
};
/* clang-format on */

struct cleanmx_state {
	const struct map *map;
	const char *type; /* classification.type */
	struct buf raw;   /* the entry, serialised */
	struct buf text;  /* an element's text */
	struct buf key;   /* extra.<tag> */
};

static int cleanmx_init(struct ingest_ctx *ctx, struct verr *err)
{
	struct cleanmx_state *st = calloc(1, sizeof(*st));
	const char *url = ingest_report_str(ctx, "feed.url");
	const char *report = ingest_param_str(ctx, "report", NULL);

	if (!st)
		return V_ERR_NOMEM;
	ctx->state = st;
	buf_init(&st->raw, 0);
	buf_init(&st->text, 0);
	buf_init(&st->key, 0);
	if (report && !strcmp(report, "phishing")) {
		st->map = phishing_map;
	} else if (report && !strcmp(report, "viruses")) {
		st->map = virus_map;
	} else if (report && *report) {
		return verr_set(err, V_ERR_USAGE, "report", _("must be 'phishing' or 'viruses'"));
	} else if (url && strstr(url, "format=csv")) {
		return verr_set(err, V_ERR_USAGE, "feed.url",
		                _("CleanMX's CSV export is not supported: use the XML URL"));
	} else if (url && strstr(url, "xmlphishing")) {
		st->map = phishing_map;
	} else if (url && strstr(url, "xmlviruses")) {
		st->map = virus_map;
	} else {
		return verr_set(
		    err, V_ERR_USAGE, "feed.url",
		    _("cannot tell the CleanMX export: feed.url names neither 'xmlphishing' nor "
		      "'xmlviruses' (or set the parameter report=phishing|viruses)"));
	}
	/* IntelMQ 3.3 writes "malware", which its harmonisation renames */
	st->type = st->map == phishing_map ? "phishing" : "malware-distribution";
	return V_OK;
}

static void cleanmx_fini(struct ingest_ctx *ctx)
{
	struct cleanmx_state *st = ctx->state;

	if (!st)
		return;
	buf_fini(&st->raw);
	buf_fini(&st->text);
	buf_fini(&st->key);
	free(st);
	ctx->state = NULL;
}

/* ---- ElementTree's serialisation --------------------------------------------------------- */

static void put_escaped(struct buf *b, const char *s, int attr)
{
	for (; *s; s++) {
		switch (*s) {
		case '&':
			buf_puts(b, "&amp;");
			break;
		case '<':
			buf_puts(b, "&lt;");
			break;
		case '>':
			buf_puts(b, "&gt;");
			break;
		case '"':
			buf_puts(b, attr ? "&quot;" : "\"");
			break;
		case '\n':
			buf_puts(b, attr ? "&#10;" : "\n");
			break;
		case '\r':
			buf_puts(b, attr ? "&#13;" : "\r");
			break;
		case '\t':
			buf_puts(b, attr ? "&#09;" : "\t");
			break;
		default:
			buf_putc(b, *s);
			break;
		}
	}
}

static void put_name(struct buf *b, const xmlNode *n)
{
	if (n->ns && n->ns->prefix) {
		buf_puts(b, (const char *)n->ns->prefix);
		buf_putc(b, ':');
	}
	buf_puts(b, (const char *)n->name);
}

static int is_text(const xmlNode *n)
{
	return n->type == XML_TEXT_NODE || n->type == XML_CDATA_SECTION_NODE;
}

/*
 * Text nodes from n on up to the next element, joined (comments and processing instructions
 * are skipped, as ElementTree drops them).  Returns the first element after them, or NULL.
 */
static const xmlNode *put_text_run(struct buf *b, const xmlNode *n, int escaped)
{
	for (; n && n->type != XML_ELEMENT_NODE; n = n->next) {
		if (!is_text(n) || !n->content)
			continue;
		if (escaped)
			put_escaped(b, (const char *)n->content, 0);
		else
			buf_puts(b, (const char *)n->content);
	}
	return n;
}

static void serialise(struct buf *b, const xmlNode *e, unsigned depth)
{
	const xmlNode *c;
	size_t mark;

	buf_putc(b, '<');
	put_name(b, e);
	for (const xmlAttr *a = e->properties; a; a = a->next) {
		xmlChar *v = xmlNodeGetContent((const xmlNode *)a);
		buf_putc(b, ' ');
		if (a->ns && a->ns->prefix) {
			buf_puts(b, (const char *)a->ns->prefix);
			buf_putc(b, ':');
		}
		buf_puts(b, (const char *)a->name);
		buf_puts(b, "=\"");
		if (v)
			put_escaped(b, (const char *)v, 1);
		buf_putc(b, '"');
		xmlFree(v);
	}
	buf_putc(b, '>');
	mark = b->len;
	c = put_text_run(b, e->children, 1);
	if (b->len == mark && !c) {
		/* no text, no children: "<x />" */
		b->len = mark - 1;
		buf_puts(b, " />");
		return;
	}
	while (c) {
		if (depth < 256)
			serialise(b, c, depth + 1);
		c = put_text_run(b, c->next, 1);
	}
	buf_puts(b, "</");
	put_name(b, e);
	buf_putc(b, '>');
}

/* ---- entries ------------------------------------------------------------------------------ */

/* Python's int(): whitespace, sign, digits (with single "_" between them). */
static int py_int(const char *s, long long *out)
{
	int neg = 0, nd = 0;
	long long x = 0;

	while (*s == ' ' || (*s >= '\t' && *s <= '\r'))
		s++;
	if (*s == '+' || *s == '-')
		neg = *s++ == '-';
	for (; *s; s++) {
		if (*s == '_' && nd && s[1] >= '0' && s[1] <= '9')
			continue;
		if (*s < '0' || *s > '9')
			break;
		if (x > (LLONG_MAX - 9) / 10)
			return -1;
		x = x * 10 + (*s - '0');
		nd++;
	}
	while (*s == ' ' || (*s >= '\t' && *s <= '\r'))
		s++;
	if (!nd || *s)
		return -1;
	*out = neg ? -x : x;
	return 0;
}

static int valid_as(enum ftype t, const char *v)
{
	struct buf tmp;
	struct verr e;
	enum vkind kind;
	int ok;

	buf_init(&tmp, 0);
	ok = value_sanitize(t, v, strlen(v), &tmp, &kind, &e) == V_OK;
	buf_fini(&tmp);
	return ok;
}

static void entry_field(struct ingest_ctx *ctx, struct cleanmx_state *st, const xmlNode *item)
{
	const char *tag = (const char *)item->name;
	const struct map *m;
	char *v, tbuf[48];

	buf_reset(&st->text);
	put_text_run(&st->text, item->children, 0);
	v = st->text.data;
	if (!st->text.len || !strcmp(v, "undef"))
		return;
	for (m = st->map; m->tag && strcmp(m->tag, tag); m++)
		;
	if (m->tag && !m->field)
		return;
	if (!m->tag || !strcmp(m->field, "extra")) {
		buf_reset(&st->key);
		buf_puts(&st->key, "extra.");
		buf_puts(&st->key, tag);
		ingest_add(ctx, st->key.data, v, st->text.len, ING_OVERWRITE);
		return;
	}
	if (!strcmp(m->field, "source.fqdn") && valid_as(FT_IP, v))
		return;
	if (!strcmp(m->field, "source.ip") && valid_as(FT_FQDN, v))
		return;
	if (!strcmp(m->field, "time.source")) {
		long long sec;
		struct vtime t = {0};
		/* seconds since the epoch, within datetime's years 1..9999 */
		if (py_int(v, &sec) != 0 || sec < -62135596800LL || sec > 253402300799LL) {
			ingest_fail(ctx, "time.source",
			            _("'first' is not a time in seconds: '%.40s'"), v);
			return;
		}
		t.sec = sec;
		time_format(&t, tbuf);
		ingest_add_str(ctx, "time.source", tbuf, 0);
		return;
	}
	if (!strcmp(m->field, "source.asn")) {
		/* "AS13335", "AS13335,AS209242"; "ASNA": not available */
		for (char *p = v; *p; p++)
			if (*p >= 'a' && *p <= 'z')
				*p = (char)(*p - 'a' + 'A');
		if (!strncmp(v, "ASNA", 4))
			return;
		for (char *p = v; p;) {
			char *comma = strchr(p, ',');
			if (!strncmp(p, "AS", 2)) {
				char *next_as = strstr(p + 2, "AS");
				if (comma)
					*comma = 0;
				if (next_as && (!comma || next_as < comma))
					*next_as = 0;
				ingest_add_str(ctx, "source.asn", p + 2, 0);
				return;
			}
			p = comma ? comma + 1 : NULL;
		}
		ingest_add_str(ctx, "source.asn", v, 0);
		return;
	}
	if (!strcmp(m->field, "status")) {
		if (!strcmp(v, "down"))
			v = "offline";
		else if (!strcmp(v, "up"))
			v = "online";
	}
	ingest_add_str(ctx, m->field, v, 0);
}

static void one_entry(struct ingest_ctx *ctx, struct cleanmx_state *st, const xmlNode *entry)
{
	const xmlNode *c;

	buf_reset(&st->raw);
	serialise(&st->raw, entry, 0);
	/* ElementTree.tostring() includes the element's tail */
	put_text_run(&st->raw, entry->next, 1);

	/* rejects name the entry, not the whole document */
	ctx->rec = st->raw.data ? st->raw.data : "";
	ctx->rec_len = st->raw.len;
	ctx->line = xmlGetLineNo(entry);

	ingest_new_event(ctx);
	for (c = entry->children; c; c = c->next)
		if (c->type == XML_ELEMENT_NODE)
			entry_field(ctx, st, c);
	ingest_add_str(ctx, "classification.type", st->type, 0);
	ingest_emit(ctx, st->raw.data, st->raw.len);
}

/* Every element named "entry" (no namespace), in document order, at any depth. */
static void walk(struct ingest_ctx *ctx, struct cleanmx_state *st, const xmlNode *n, unsigned depth,
                 size_t *count)
{
	for (; n; n = n->next) {
		if (n->type != XML_ELEMENT_NODE)
			continue;
		if (!n->ns && !strcmp((const char *)n->name, "entry")) {
			one_entry(ctx, st, n);
			(*count)++;
		}
		if (depth < 256)
			walk(ctx, st, n->children, depth + 1, count);
	}
}

/*
 * Does the document declare entities?  Checked on the bytes before libxml2 sees them: after
 * "<!DOCTYPE", any "<!ENTITY" (even one a comment or a "]>" in a literal might hide) counts.
 */
static int declares_entities(const char *s, size_t n)
{
	const char *d = memmem(s, n, "<!DOCTYPE", 9);

	return d && memmem(d, n - (size_t)(d - s), "<!ENTITY", 8) != NULL;
}

static int cleanmx_record(struct ingest_ctx *ctx, const char *rec, size_t len)
{
	struct cleanmx_state *st = ctx->state;
	const char *doc_rec = ctx->rec;
	size_t doc_len = ctx->rec_len, count = 0;
	xmlDoc *doc;

	if (len > INT_MAX)
		return ingest_reject(ctx, NULL, _("document too large for the XML parser"));
	if (declares_entities(rec, len))
		return ingest_reject(ctx, NULL, _("XML entity declarations are not accepted"));
	/* the text is UTF-8 whatever the declaration says (the driver checked it) */
	xmlResetLastError();
	doc = xmlReadMemory(rec, (int)len, NULL, "UTF-8",
	                    XML_PARSE_NONET | XML_PARSE_NOCDATA | XML_PARSE_NOERROR |
	                        XML_PARSE_NOWARNING);
	if (!doc) {
		const xmlError *e = xmlGetLastError();
		const char *msg = e && e->message ? e->message : _("empty document");
		size_t mlen = strlen(msg);
		while (mlen && (msg[mlen - 1] == '\n' || msg[mlen - 1] == ' '))
			mlen--;
		if (e && e->line)
			ctx->line = e->line;
		return ingest_reject(ctx, NULL, _("not well-formed XML: %.*s"), (int)mlen, msg);
	}
	walk(ctx, st, xmlDocGetRootElement(doc), 0, &count);
	xmlFreeDoc(doc);
	ctx->rec = doc_rec;
	ctx->rec_len = doc_len;
	ctx->line = 1;
	return V_OK;
}

const struct parser parser_cleanmx = {
    .name = "cleanmx",
    .aliases = (const char *const[]){"intelmq.bots.parsers.cleanmx.parser", NULL},
    .description = N_("CleanMX phishing and virus XML exports (IntelMQ CleanMX parser)"),
    .mode = PARSE_DOCUMENT,
    .init = cleanmx_init,
    .record = cleanmx_record,
    .fini = cleanmx_fini,
};
