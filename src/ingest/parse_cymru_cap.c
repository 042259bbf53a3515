/*
 * parse_cymru_cap.c — Team Cymru's CAP (CSIRT Assistance Program) reports, compatible with
 * IntelMQ's parser (intelmq.bots.parsers.cymru.parser_cap_program), both formats:
 *
 *   old (header "# Data file written at ..."):
 *       report|ip|asn|timestamp|comments|asn_name
 *       e.g. bots|192.0.2.1|64496|2017-10-31 10:00:05|srcport 1337 mwtype Conficker|AS Name
 *   new (header "#generated on ..."):
 *       category|address|asn|timestamp|optional_information|asninfo
 *       e.g. darknet|192.0.2.1|64496|2019-03-25 04:27:11|ports_scanned: 55756;protocol: 17;|Name,
 * AT
 *
 * The format is chosen by the header comment; data lines before any header are rejected.
 * Every comment line seen so far in the file is kept, as IntelMQ does, and put in front of
 * each data line in raw (up to HEAD_MAX bytes).  In the new format a line listing several
 * destination ports gives one event per port; such a line is emitted whole or rejected whole.
 *
 * Where vigia differs from IntelMQ (docs/formats.md): "spreaders" lines are parsed (IntelMQ's
 * code fails on every one of them); a "key:value" comment may hold further colons (IPv6).
 *
 * State (format, comment lines) lives in ctx->state for the length of one input file.
 */
#include <stdlib.h>
#include <string.h>

#include "base/i18n.h"
#include "base/pystr.h"
#include "ingest/ingest.h"

#define HEAD_MAX (16u << 10) /* comment lines kept for raw */
#define NFIELDS  6

enum cap_format { FMT_NONE, FMT_OLD, FMT_NEW };

struct span {
	const char *s;
	size_t n;
};

struct cap_state {
	enum cap_format fmt;
	struct buf head;  /* comment lines so far, each followed by "\n" */
	struct buf notes; /* new format: the comment field after fixing "...comport: 80" */
	struct buf text;  /* scratch for values built from pieces */
	struct buf desc;  /* the old "bots" comment's free text */
	struct span *ports;
	size_t nports, cports;
	const struct field_def *port_def;
};

/* Python's str.strip() on UTF-8 text. */
static struct span py_strip(struct span v)
{
	pystr_strip(&v.s, &v.n);
	return v;
}

static int span_eq(struct span v, const char *lit)
{
	size_t n = strlen(lit);
	return v.n == n && !memcmp(v.s, lit, n);
}

/* Python int(str): surrounding whitespace, a sign, digits with single "_" between them. */
static int py_int(struct span v, long long *out)
{
	size_t i = 0;
	int neg = 0, nd = 0;
	long long x = 0;

	v = py_strip(v);
	if (v.n && (v.s[0] == '+' || v.s[0] == '-')) {
		neg = v.s[0] == '-';
		i = 1;
	}
	for (; i < v.n; i++) {
		if (v.s[i] == '_' && nd && i + 1 < v.n && v.s[i + 1] >= '0' && v.s[i + 1] <= '9')
			continue;
		if (v.s[i] < '0' || v.s[i] > '9' || x > (0x7fffffffffffffffLL - 9) / 10)
			return -1;
		x = x * 10 + (v.s[i] - '0');
		nd++;
	}
	if (!nd)
		return -1;
	*out = neg ? -x : x;
	return 0;
}

static int cap_init(struct ingest_ctx *ctx, struct verr *err)
{
	struct cap_state *st = calloc(1, sizeof(*st));
	int id = schema_lookup("destination.port", 16);

	(void)err;
	if (!st)
		return V_ERR_NOMEM;
	ctx->state = st;
	buf_init(&st->head, 0);
	buf_init(&st->notes, 0);
	buf_init(&st->text, 0);
	buf_init(&st->desc, 0);
	st->port_def = id >= 0 && id < F__COUNT ? &schema_fields[id] : NULL;
	return V_OK;
}

static void cap_fini(struct ingest_ctx *ctx)
{
	struct cap_state *st = ctx->state;

	if (!st)
		return;
	buf_fini(&st->head);
	buf_fini(&st->notes);
	buf_fini(&st->text);
	buf_fini(&st->desc);
	free(st->ports);
	free(st);
	ctx->state = NULL;
}

static int cap_finish(struct ingest_ctx *ctx)
{
	struct cap_state *st = ctx->state;

	st->fmt = FMT_NONE;
	buf_reset(&st->head);
	return V_OK;
}

/* Add a field from a span (helpers keep the mapping code short). */
static int add(struct ingest_ctx *ctx, const char *key, struct span v, unsigned flags)
{
	return ingest_add(ctx, key, v.s, v.n, flags);
}

/* Add classification.identifier and malware.name, lower-cased (ASCII). */
static void add_family(struct ingest_ctx *ctx, struct cap_state *st, struct span v)
{
	buf_reset(&st->text);
	for (size_t i = 0; i < v.n; i++) {
		char c = v.s[i];
		buf_putc(&st->text, c >= 'A' && c <= 'Z' ? (char)(c - 'A' + 'a') : c);
	}
	ingest_add(ctx, "classification.identifier", st->text.data, st->text.len, ING_OVERWRITE);
	ingest_add(ctx, "malware.name", st->text.data, st->text.len, ING_OVERWRITE);
}

/* ---- the old format's "bots" comment: "[srcport P] [mwtype TYPE] [destaddr IP] [text]" ---- */

enum { BK_SRCPORT, BK_MWTYPE, BK_DESTADDR, BK_DSTADDR, BK__N };

static int bot_keyword(struct span t)
{
	static const char *const kw[BK__N] = {"srcport", "mwtype", "destaddr", "dstaddr"};
	for (int i = 0; i < BK__N; i++)
		if (span_eq(t, kw[i]))
			return i;
	return -1;
}

/*
 * Words of s split at single spaces; a keyword starts a value that runs to the next keyword
 * (the last occurrence of a keyword wins, applied in order of first appearance).  After
 * "destaddr" only the first word is the address: the rest is event_description.text.
 * Returns 0, or -1 with the event marked failed.
 */
static int parse_bot_old(struct ingest_ctx *ctx, struct cap_state *st, struct span s)
{
	struct span val[BK__N] = {{0}};
	int order[BK__N], norder = 0, cur = -1, seen[BK__N] = {0};
	const char *vstart = NULL, *vend = NULL;
	size_t nwords = 0;
	const char *p = s.s, *end = s.s + s.n;

	buf_reset(&st->desc);
	for (;;) {
		struct span w = {NULL, 0};
		int kw = BK__N; /* past the last word: closes the last value */

		if (p) {
			const char *sp = memchr(p, ' ', (size_t)(end - p));
			w = (struct span){p, (size_t)((sp ? sp : end) - p)};
			kw = bot_keyword(w);
			p = sp ? sp + 1 : NULL;
		}
		if (kw >= 0) {
			if (cur >= 0 && nwords) {
				val[cur] = (struct span){vstart, (size_t)(vend - vstart)};
				if (!seen[cur]) {
					seen[cur] = 1;
					order[norder++] = cur;
				}
			}
			if (kw == BK__N)
				break;
			cur = kw;
			nwords = 0;
		} else if (cur == BK_DESTADDR && nwords == 1) {
			if (st->desc.len)
				buf_putc(&st->desc, ' ');
			buf_append(&st->desc, w.s, w.n);
		} else {
			if (!nwords)
				vstart = w.s;
			vend = w.s + w.n;
			nwords++;
		}
	}
	for (int i = 0; i < norder; i++) {
		struct span v = val[order[i]];
		long long port;
		switch (order[i]) {
		case BK_SRCPORT:
			if (py_int(v, &port) != 0) {
				ingest_fail(ctx, "extra.source_port",
				            _("srcport '%.*s' is not a number"),
				            (int)(v.n > 32 ? 32 : v.n), v.s);
				return -1;
			}
			ingest_add_int(ctx, "extra.source_port", port, ING_OVERWRITE);
			break;
		case BK_MWTYPE:
			add_family(ctx, st, v);
			break;
		default:
			if (add(ctx, "destination.ip", v, ING_OVERWRITE) == V_ERR_INVALID)
				return -1;
			break;
		}
	}
	if (st->desc.len &&
	    ingest_add(ctx, "event_description.text", st->desc.data, st->desc.len, 0) != V_OK)
		return -1;
	return 0;
}

/* ---- old format ----------------------------------------------------------------------------- */

/* stormworm: "confidence:<N> [legacy|crypto] [srcport <PORT>]"; N/5 scales feed.accuracy. */
static void stormworm(struct ingest_ctx *ctx, struct span comments)
{
	const char *p = comments.s, *end = comments.s + comments.n, *v;
	double acc = 100;
	size_t vn;
	int set_acc;

	if ((v = event_get(ctx->ev, "feed.accuracy", &vn, NULL)) != NULL) {
		char tmp[64];
		snprintf(tmp, sizeof(tmp), "%.*s", (int)(vn < 63 ? vn : 63), v);
		acc = strtod(tmp, NULL);
	}
	set_acc = v == NULL; /* IntelMQ sets 100 when the report gives none */
	for (;;) {
		const char *sp = memchr(p, ' ', (size_t)(end - p));
		struct span w = {p, (size_t)((sp ? sp : end) - p)};

		if (w.n >= 11 && !memcmp(w.s, "confidence:", 11)) {
			long long c;
			/* Python's lstrip("confidence:") drops any of those letters */
			while (w.n && memchr("confidence:", w.s[0], 11)) {
				w.s++;
				w.n--;
			}
			if (py_int(w, &c) != 0) {
				ingest_fail(ctx, "feed.accuracy", _("confidence is not a number"));
				return;
			}
			acc *= (double)c / 5;
			set_acc = 1;
		} else if (span_eq(w, "legacy") || span_eq(w, "crypto")) {
			add(ctx, "malware.version", w, ING_OVERWRITE);
		} else if (span_eq(w, "srcport")) {
			long long port;
			struct span nx = {"", 0};
			if (sp) {
				const char *s3 = memchr(sp + 1, ' ', (size_t)(end - sp - 1));
				nx = (struct span){sp + 1, (size_t)((s3 ? s3 : end) - sp - 1)};
			}
			if (!sp || py_int(nx, &port) != 0)
				ingest_fail(ctx, "extra.source_port",
				            _("srcport without a number"));
			else
				ingest_add_int(ctx, "extra.source_port", port, ING_OVERWRITE);
			break;
		}
		if (!sp)
			break;
		p = sp + 1;
	}
	if (set_acc)
		ingest_add_float(ctx, "feed.accuracy", acc, ING_OVERWRITE);
}

/* What both formats give alike: the address, the AS ("0" is none) and the time, in GMT. */
static void line_fields(struct ingest_ctx *ctx, struct cap_state *st, struct span f[NFIELDS])
{
	add(ctx, "source.ip", f[1], 0);
	if (!span_eq(f[2], "0"))
		add(ctx, "source.asn", f[2], 0);
	buf_reset(&st->text);
	buf_append(&st->text, f[3].s, f[3].n);
	buf_puts(&st->text, " GMT");
	ingest_add(ctx, "time.source", st->text.data, st->text.len, 0);
}

static void old_line(struct ingest_ctx *ctx, struct cap_state *st, struct span f[NFIELDS])
{
	struct span type = f[0], comments = f[4];
	struct span w0 = comments, w1 = {NULL, 0};
	size_t nwords = 1;
	const char *sp = memchr(comments.s, ' ', comments.n);

	/* the comment's first two words (split at single spaces) */
	if (sp) {
		const char *sp2;
		w0.n = (size_t)(sp - comments.s);
		w1.s = sp + 1;
		w1.n = comments.n - w0.n - 1;
		sp2 = memchr(w1.s, ' ', w1.n);
		nwords = sp2 ? 3 : 2;
		if (sp2)
			w1.n = (size_t)(sp2 - w1.s);
	}

	line_fields(ctx, st, f);
	add(ctx, "source.as_name", f[5], 0);

	if (span_eq(type, "beagle")) {
		ingest_add_str(ctx, "classification.type", "malware", 0);
		ingest_add_str(ctx, "classification.identifier", "beagle", 0);
		ingest_add_str(ctx, "malware.name", "beagle", 0);
		if (comments.n)
			ingest_fail(ctx, NULL,
			            _("report 'beagle' with a comment is not understood"));
	} else if (span_eq(type, "blaster") || span_eq(type, "dameware") ||
	           span_eq(type, "dipnet") || span_eq(type, "mydoom") || span_eq(type, "nachi") ||
	           span_eq(type, "phatbot") || span_eq(type, "sinit") || span_eq(type, "slammer")) {
		ingest_add_str(ctx, "classification.type", "malware", 0);
		add(ctx, "classification.identifier", type, 0);
		add(ctx, "malware.name", type, 0);
	} else if (span_eq(type, "bots")) {
		ingest_add_str(ctx, "classification.type", "infected-system", 0);
		parse_bot_old(ctx, st, comments);
	} else if (span_eq(type, "bruteforce")) {
		ingest_add_str(ctx, "classification.type", "brute-force", 0);
		add(ctx, "classification.identifier", comments, 0);
		add(ctx, "protocol.application", comments, 0);
	} else if (span_eq(type, "ddosreport")) {
		ingest_fail(ctx, NULL,
		            _("report 'ddosreport' is not implemented (unknown format)"));
	} else if (span_eq(type, "defacement")) {
		ingest_add_str(ctx, "classification.type", "compromised", ING_OVERWRITE);
		add(ctx, "classification.identifier", type, ING_OVERWRITE);
		add(ctx, "source.url", w0, ING_OVERWRITE);
		if (nwords < 2)
			ingest_fail(ctx, "extra.zoneh.id", _("defacement without a Zone-H id"));
		else
			add(ctx, "extra.zoneh.id", w1, ING_OVERWRITE);
	} else if (span_eq(type, "fastflux")) {
		ingest_add_str(ctx, "classification.type", "compromised", ING_OVERWRITE);
		add(ctx, "classification.identifier", type, ING_OVERWRITE);
		add(ctx, "source.reverse_dns", comments, ING_OVERWRITE);
	} else if (span_eq(type, "malwareurl")) {
		add(ctx, "source.url", w0, ING_OVERWRITE);
		ingest_add_str(ctx, "classification.type", "malware", 0);
		ingest_add_str(ctx, "classification.identifier", "malwareurl", 0);
	} else if (span_eq(type, "openresolvers")) {
		/* IntelMQ 3.3 writes "vulnerable service", which its harmonisation renames */
		ingest_add_str(ctx, "classification.type", "vulnerable-system", ING_OVERWRITE);
		ingest_add_str(ctx, "classification.identifier", "dns-open-resolver",
		               ING_OVERWRITE);
		ingest_add_str(ctx, "protocol.application", "dns", ING_OVERWRITE);
	} else if (span_eq(type, "phishing")) {
		ingest_add_str(ctx, "classification.type", "phishing", ING_OVERWRITE);
		ingest_add_str(ctx, "classification.identifier", "phishing", ING_OVERWRITE);
		add(ctx, "source.url", comments, ING_OVERWRITE);
	} else if (span_eq(type, "proxy")) {
		/* the comment is no port but e.g. "HTTP CONNECT (8080)" */
		ingest_add_str(ctx, "classification.type", "proxy", ING_OVERWRITE);
		ingest_add_str(ctx, "classification.identifier", "openproxy", ING_OVERWRITE);
		add(ctx, "extra.request", comments, ING_OVERWRITE);
	} else if (span_eq(type, "routers")) {
		ingest_add_str(ctx, "classification.type", "compromised", ING_OVERWRITE);
		add(ctx, "classification.identifier", comments, ING_OVERWRITE);
	} else if (span_eq(type, "scanners")) {
		long long port;
		ingest_add_str(ctx, "classification.type", "scanner", ING_OVERWRITE);
		ingest_add_str(ctx, "classification.identifier", "scanner", ING_OVERWRITE);
		if (py_int(comments, &port) != 0)
			ingest_fail(ctx, "source.port",
			            _("scanners: several ports are not understood"));
		else
			ingest_add_int(ctx, "source.port", port, ING_OVERWRITE);
	} else if (span_eq(type, "spam")) {
		ingest_add_str(ctx, "classification.type", "spam", ING_OVERWRITE);
		ingest_add_str(ctx, "classification.identifier", "spam", ING_OVERWRITE);
		if (comments.n)
			ingest_fail(ctx, NULL, _("report 'spam' with a comment is not understood"));
	} else if (span_eq(type, "spreaders")) {
		/* "<URL> [<MD5>]" */
		add(ctx, "source.url", w0, 0);
		if (nwords == 2)
			add(ctx, "malware.hash.md5", w1, 0);
		ingest_add_str(ctx, "classification.type", "malware", 0);
		ingest_add_str(ctx, "classification.identifier", "spreader", 0);
	} else if (span_eq(type, "stormworm")) {
		stormworm(ctx, comments);
	} else if (span_eq(type, "toxbot")) {
		long long port;
		ingest_add_str(ctx, "classification.type", "infected-system", 0);
		add(ctx, "classification.identifier", type, 0);
		add(ctx, "malware.name", type, 0);
		if (nwords < 2 || py_int(w1, &port) != 0)
			ingest_fail(ctx, "extra.source_port",
			            _("toxbot: 'srcport <PORT>' expected"));
		else
			ingest_add_int(ctx, "extra.source_port", port, ING_OVERWRITE);
	} else {
		ingest_fail(ctx, NULL, _("unknown report '%.*s'"), (int)(type.n > 40 ? 40 : type.n),
		            type.s);
	}
}

/* ---- new format ----------------------------------------------------------------------------- */

struct category {
	const char *name;
	const char *type, *identifier, *application, *malware;
	int comment_fields; /* 1: bruteforce, 2: phishing (the comment is the value) */
};

static const struct category categories[] = {
    {"bot", "infected-system", NULL, NULL, NULL, 0},
    {"bruteforce", "brute-force", NULL, NULL, NULL, 1},
    {"controller", "c2-server", NULL, NULL, NULL, 0},
    {"darknet", "scanner", "darknet", NULL, NULL, 0},
    {"phishing", "phishing", "phishing", NULL, NULL, 2},
    {"proxy", "proxy", "openproxy", NULL, NULL, 0},
    {"honeypot", "scanner", NULL, NULL, NULL, 0},
    /* IntelMQ 3.3 writes "vulnerable service", which its harmonisation renames */
    {"openresolvers", "vulnerable-system", "dns-open-resolver", "dns", NULL, 0},
    {"openresolver", "vulnerable-system", "dns-open-resolver", "dns", NULL, 0},
    {"scanner", "scanner", "scanner", NULL, NULL, 0},
    {"spam", "spam", "spam", NULL, NULL, 0},
    {"conficker", "infected-system", "conficker", NULL, "conficker", 0},
    {NULL, NULL, NULL, NULL, NULL, 0}};

static const char *const comment_keys[] = {
    "family",        "dest_addr",     "destaddr",        "dest_port",
    "ports_scanned", "honeypot_port", "darknet_port",    "destination_port_numbers",
    "protocol",      "hostname",      "proxy_type",      "port",
    "srcport",       "username",      "additional_asns", NULL};

static const char *const protocols[][2] = {{"1", "icmp"}, {"6", "tcp"},  {"11", "nvp-ii"},
                                           {"17", "udp"}, {"47", "gre"}, {"59", "ipv6-nonxt"},
                                           {NULL, NULL}};

/* Is the text before the first ":" of c one of the known comment keys? */
static int is_key_value(struct span c)
{
	const char *colon = memchr(c.s, ':', c.n);
	struct span k;

	if (!colon)
		return 0;
	k = py_strip((struct span){c.s, (size_t)(colon - c.s)});
	for (int i = 0; comment_keys[i]; i++)
		if (span_eq(k, comment_keys[i]))
			return 1;
	return 0;
}

/*
 * The notes with the feed's glitch "hostname: sub.example.comport: 80" (a missing ";")
 * repaired, into st->notes.
 */
static struct span fix_notes(struct cap_state *st, struct span notes)
{
	static const char tag[] = "hostname: ";
	const char *p = notes.s, *end = notes.s + notes.n;

	buf_reset(&st->notes);
	while ((p = memmem(p, (size_t)(end - p), tag, sizeof(tag) - 1)) != NULL) {
		const char *h = p + sizeof(tag) - 1;
		const char *colon = memchr(h, ':', (size_t)(end - h));
		if (colon && colon - h >= 5 && !memcmp(colon - 4, "port", 4) && end - colon >= 3 &&
		    colon[1] == ' ' && colon[2] >= '0' && colon[2] <= '9') {
			const char *d = colon + 2;
			while (d < end && *d >= '0' && *d <= '9')
				d++;
			buf_append(&st->notes, notes.s, (size_t)(p - notes.s));
			buf_puts(&st->notes, tag);
			buf_append(&st->notes, h, (size_t)(colon - 4 - h));
			buf_puts(&st->notes, "; port: ");
			buf_append(&st->notes, colon + 2, (size_t)(d - colon - 2));
			buf_append(&st->notes, d, (size_t)(end - d));
			return (struct span){st->notes.data, st->notes.len};
		}
		p++;
	}
	buf_append(&st->notes, notes.s, notes.n);
	return (struct span){st->notes.data ? st->notes.data : "", st->notes.len};
}

static int push_port(struct cap_state *st, struct span v)
{
	if (st->nports == st->cports) {
		size_t nc = st->cports ? st->cports * 2 : 16;
		struct span *np = realloc(st->ports, nc * sizeof(*np));
		if (!np)
			return V_ERR_NOMEM;
		st->ports = np;
		st->cports = nc;
	}
	st->ports[st->nports++] = v;
	return V_OK;
}

/* "17875,24526 (total_count:19)": the list without its count, cut at commas. */
static void add_ports(struct ingest_ctx *ctx, struct cap_state *st, struct span v)
{
	static const char tc[] = " (total_count:";
	if (v.n && v.s[v.n - 1] == ')') {
		size_t j = v.n - 1;
		while (j > 0 && v.s[j - 1] >= '0' && v.s[j - 1] <= '9')
			j--;
		if (j < v.n - 1 && j >= sizeof(tc) - 1 &&
		    !memcmp(v.s + j - (sizeof(tc) - 1), tc, sizeof(tc) - 1))
			v.n = j - (sizeof(tc) - 1);
	}
	const char *p = v.s, *end = v.s + v.n;
	for (;;) {
		const char *c = memchr(p, ',', (size_t)(end - p));
		struct span one = py_strip((struct span){p, (size_t)((c ? c : end) - p)});
		if (push_port(st, one) != V_OK) {
			ingest_fail(ctx, "destination.port", "%s", vres_str(V_ERR_NOMEM));
			return;
		}
		if (!c)
			break;
		p = c + 1;
	}
}

static void comment_kv(struct ingest_ctx *ctx, struct cap_state *st, struct span key,
                       struct span val)
{
	long long x;

	if (span_eq(key, "family")) {
		add_family(ctx, st, val);
	} else if (span_eq(key, "dest_addr") || span_eq(key, "destaddr")) {
		add(ctx, "destination.ip", val, ING_OVERWRITE);
	} else if (span_eq(key, "dest_port") || span_eq(key, "ports_scanned") ||
	           span_eq(key, "honeypot_port") || span_eq(key, "darknet_port") ||
	           span_eq(key, "destination_port_numbers")) {
		add_ports(ctx, st, val);
	} else if (span_eq(key, "protocol")) {
		for (int i = 0; protocols[i][0]; i++)
			if (span_eq(val, protocols[i][0])) {
				ingest_add_str(ctx, "protocol.transport", protocols[i][1], 0);
				return;
			}
		if (py_int(val, &x) == 0 && x >= 143)
			/* unassigned, experimental, testing, reserved */
			ingest_add_int(ctx, "extra.protocol.transport", x, 0);
		else
			ingest_fail(ctx, "protocol.transport", _("unknown protocol '%.*s'"),
			            (int)(val.n > 20 ? 20 : val.n), val.s);
	} else if (span_eq(key, "hostname")) {
		/* the feed sometimes gives the address itself as host name */
		struct buf tmp;
		struct verr e;
		enum vkind kind;
		buf_init(&tmp, 0);
		int is_ip = value_sanitize(FT_IP, val.s, val.n, &tmp, &kind, &e) == V_OK;
		buf_fini(&tmp);
		if (!is_ip)
			add(ctx, "source.fqdn", val, ING_OVERWRITE);
	} else if (span_eq(key, "proxy_type")) {
		const char *dash = memchr(val.s, '-', val.n);
		if (!dash) {
			add(ctx, "protocol.application", val, ING_OVERWRITE);
		} else if (memchr(dash + 1, '-', val.n - (size_t)(dash - val.s) - 1)) {
			ingest_fail(ctx, "protocol.application",
			            _("proxy type '%.*s' not understood"),
			            (int)(val.n > 40 ? 40 : val.n), val.s);
		} else {
			add(ctx, "protocol.application",
			    (struct span){val.s, (size_t)(dash - val.s)}, ING_OVERWRITE);
			add(ctx, "source.port",
			    (struct span){dash + 1, val.n - (size_t)(dash - val.s) - 1},
			    ING_OVERWRITE);
		}
	} else if (span_eq(key, "port") || span_eq(key, "srcport")) {
		add(ctx, "source.port", val, ING_OVERWRITE);
	} else if (span_eq(key, "username")) {
		add(ctx, "source.account", val, ING_OVERWRITE);
	} else if (span_eq(key, "additional_asns")) {
		size_t alen;
		const char *asn = event_get(ctx->ev, "source.asn", &alen, NULL);
		long long asn_v;
		json_t *list;
		if (!asn || py_int((struct span){asn, alen}, &asn_v) != 0) {
			ingest_fail(ctx, "extra.source.asns",
			            _("additional_asns without source.asn"));
			return;
		}
		list = json_array();
		json_array_append_new(list, json_integer(asn_v));
		const char *p = val.s, *end = val.s + val.n;
		for (;;) {
			const char *c = memchr(p, ',', (size_t)(end - p));
			if (py_int((struct span){p, (size_t)((c ? c : end) - p)}, &x) != 0) {
				ingest_fail(ctx, "extra.source.asns",
				            _("additional_asns '%.*s' not understood"),
				            (int)(val.n > 40 ? 40 : val.n), val.s);
				json_decref(list);
				return;
			}
			json_array_append_new(list, json_integer(x));
			if (!c)
				break;
			p = c + 1;
		}
		ingest_add_json(ctx, "extra.source.asns", list, ING_OVERWRITE);
		json_decref(list);
	} else {
		ingest_fail(ctx, NULL, _("unknown key '%.*s' in the comment"),
		            (int)(key.n > 40 ? 40 : key.n), key.s);
	}
}

/* Returns 0, or -1 when the event is failed. */
static int new_line(struct ingest_ctx *ctx, struct cap_state *st, struct span f[NFIELDS])
{
	struct span cat = f[0], notes = fix_notes(st, f[4]), asninfo = f[5];
	const struct category *c;
	struct span comments[256];
	size_t nc = 0;
	const char *p, *end, *last;

	/* notes split at ";", empty pieces dropped */
	p = notes.s;
	end = notes.s + notes.n;
	for (;;) {
		const char *semi = memchr(p, ';', (size_t)(end - p));
		const char *e = semi ? semi : end;
		if (e > p) {
			if (nc == sizeof(comments) / sizeof(comments[0])) {
				ingest_fail(ctx, NULL, _("more than %zu comments"), nc);
				return -1;
			}
			comments[nc++] = (struct span){p, (size_t)(e - p)};
		}
		if (!semi)
			break;
		p = semi + 1;
	}

	line_fields(ctx, st, f);
	/* asninfo: "AS name, more name, CC" */
	last = NULL;
	for (size_t i = 0; i + 1 < asninfo.n; i++)
		if (asninfo.s[i] == ',' && asninfo.s[i + 1] == ' ')
			last = asninfo.s + i;
	if (last) {
		add(ctx, "source.as_name", (struct span){asninfo.s, (size_t)(last - asninfo.s)}, 0);
		add(ctx, "source.geolocation.cc",
		    (struct span){last + 2, asninfo.n - (size_t)(last - asninfo.s) - 2}, 0);
	} else {
		add(ctx, "source.geolocation.cc", asninfo, 0);
	}

	for (c = categories; c->name && !span_eq(cat, c->name); c++)
		;
	if (!c->name) {
		ingest_fail(ctx, NULL, _("unknown category '%.*s'"), (int)(cat.n > 40 ? 40 : cat.n),
		            cat.s);
		return -1;
	}
	/* bruteforce and phishing: the comment is the protocol or the URL itself */
	int comment_is_value = c->comment_fields && (!nc || !is_key_value(comments[0]));
	if (comment_is_value && nc) {
		if (c->comment_fields == 1) {
			add(ctx, "classification.identifier", comments[0], 0);
			add(ctx, "protocol.application", comments[0], 0);
		} else {
			add(ctx, "source.url", comments[0], 0);
		}
	}
	ingest_add_str(ctx, "classification.type", c->type, 0);
	if (c->identifier)
		ingest_add_str(ctx, "classification.identifier", c->identifier, 0);
	if (c->application)
		ingest_add_str(ctx, "protocol.application", c->application, 0);
	if (c->malware)
		ingest_add_str(ctx, "malware.name", c->malware, 0);

	st->nports = 0;
	for (size_t i = 0; i < nc && !comment_is_value && !ctx->failed; i++) {
		struct span cm = comments[i];
		const char *colon = memchr(cm.s, ':', cm.n);
		struct span key, val;

		if (!colon) {
			if (span_eq(cat, "proxy")) {
				key = (struct span){"proxy_type", 10};
				val = py_strip(cm);
				comment_kv(ctx, st, key, val);
				continue;
			}
			if (span_eq(cat, "bot")) {
				/* the old format's words: "srcport 61458 mwtype Conficker" */
				if (parse_bot_old(ctx, st, notes) != 0 || ctx->failed) {
					ingest_fail(ctx, NULL,
					            _("comment of category 'bot' not understood"));
					return -1;
				}
				break;
			}
			ingest_fail(ctx, NULL,
			            _("comment '%.*s' of category '%.*s' not understood"),
			            (int)(cm.n > 40 ? 40 : cm.n), cm.s, (int)cat.n, cat.s);
			return -1;
		}
		key = py_strip((struct span){cm.s, (size_t)(colon - cm.s)});
		val = py_strip((struct span){colon + 1, cm.n - (size_t)(colon - cm.s) - 1});
		comment_kv(ctx, st, key, val);
	}
	return ctx->failed ? -1 : 0;
}

static int cap_record(struct ingest_ctx *ctx, const char *rec, size_t len)
{
	struct cap_state *st = ctx->state;
	struct span line = py_strip((struct span){rec, len});
	struct span f[NFIELDS];
	size_t nf = 0;
	const char *p, *end;

	if (!line.n)
		return V_OK;
	if (line.s[0] == '#') {
		if (st->head.len + line.n + 1 <= HEAD_MAX) {
			buf_append(&st->head, line.s, line.n);
			buf_putc(&st->head, '\n');
		}
		if (memmem(line.s, line.n, "generated on", 12))
			st->fmt = FMT_NEW;
		else if (memmem(line.s, line.n, "Data file written at", 20))
			st->fmt = FMT_OLD;
		return V_OK;
	}
	if (st->fmt == FMT_NONE)
		return ingest_reject(ctx, NULL,
		                     _("data before the header ('# Data file written at' or "
		                       "'#generated on') that tells the format"));
	p = line.s;
	end = line.s + line.n;
	for (;;) {
		const char *bar = memchr(p, '|', (size_t)(end - p));
		if (nf == NFIELDS) {
			nf++;
			break;
		}
		f[nf++] = (struct span){p, (size_t)((bar ? bar : end) - p)};
		if (!bar)
			break;
		p = bar + 1;
	}
	if (nf != NFIELDS)
		return ingest_reject(ctx, NULL, _("expected %d fields separated by '|'"), NFIELDS);

	buf_reset(&ctx->raw);
	buf_append(&ctx->raw, st->head.data ? st->head.data : "", st->head.len);
	buf_append(&ctx->raw, line.s, line.n);

	ingest_new_event(ctx);
	if (st->fmt == FMT_OLD) {
		old_line(ctx, st, f);
		return ingest_emit(ctx, ctx->raw.data, ctx->raw.len);
	}
	if (new_line(ctx, st, f) != 0 || !st->nports)
		return ingest_emit(ctx, ctx->raw.data, ctx->raw.len);

	/* one event per destination port: check them all first, the line is emitted whole */
	if (st->port_def) {
		struct buf tmp;
		buf_init(&tmp, 0);
		for (size_t i = 0; i < st->nports; i++) {
			struct verr e = {0};
			enum vkind kind;
			buf_reset(&tmp);
			if (value_sanitize(st->port_def->type, st->ports[i].s, st->ports[i].n, &tmp,
			                   &kind, &e) == V_ERR_INVALID) {
				ingest_fail(ctx, "destination.port", _("'%.*s': %s"),
				            (int)(st->ports[i].n > 20 ? 20 : st->ports[i].n),
				            st->ports[i].s, e.reason);
				break;
			}
		}
		buf_fini(&tmp);
		if (ctx->failed)
			return ingest_emit(ctx, ctx->raw.data, ctx->raw.len);
	}
	int rc = V_OK;
	for (size_t i = 0; i < st->nports && rc == V_OK; i++) {
		event_del(ctx->ev, "destination.port");
		add(ctx, "destination.port", st->ports[i], 0);
		rc = ingest_emit(ctx, ctx->raw.data, ctx->raw.len);
	}
	return rc;
}

const struct parser parser_cymru_cap = {
    .name = "cymru_cap",
    .aliases = (const char *const[]){"intelmq.bots.parsers.cymru.parser_cap_program", NULL},
    .description = N_("Team Cymru CAP reports, old and 2019 formats (IntelMQ Cymru CAP parser)"),
    .mode = PARSE_LINES,
    .init = cap_init,
    .record = cap_record,
    .finish = cap_finish,
    .fini = cap_fini,
};
