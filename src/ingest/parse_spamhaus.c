/*
 * parse_spamhaus.c — Spamhaus feeds, compatible with IntelMQ's parsers:
 *
 *   spamhaus_drop  (intelmq.bots.parsers.spamhaus.parser_drop): the DROP, EDROP, DROPv6 and
 *                  ASN-DROP text lists.  ";" comment lines, one of which carries
 *                  "Last-Modified:" (time.source of every later entry), then one entry a line:
 *                  "CIDR ; SBLnnn" (source.network, extra.blocklist) or
 *                  "ASnnn ; CC | AS name" (source.asn, source.geolocation.cc, source.as_name).
 *                  Which of the two comes from feed.url as in IntelMQ; when feed.url is not one
 *                  of the known list URLs (IntelMQ refuses such a report) the entry's own shape
 *                  decides ("AS" and a digit: ASN-DROP).
 *
 *   spamhaus_cert  (intelmq.bots.parsers.spamhaus.parser_cert): the CERT insight portal
 *                  export, comma-separated: ip, asn, country, lastseen (epoch), botname,
 *                  domain, remote_ip, remote_port, local_port, protocol.  The bot name decides
 *                  the classification (table below, as IntelMQ 3.3).  raw is every ";" comment
 *                  line seen so far and the entry, joined by LF, as IntelMQ's recover_line()
 *                  gives it; the API key is cut from feed.url ("...&key=..." -> "...&").
 *
 * Lines are stripped of surrounding white space first and blank lines are skipped, as
 * IntelMQ's ParserBot does.  The state carried from comment lines lasts for one input file.
 */
#include <stdlib.h>
#include <string.h>

#include "base/i18n.h"
#include "base/pystr.h"
#include "base/timeparse.h"
#include "ingest/ingest.h"

/* at most this much of the comment block is repeated in each spamhaus_cert raw */
#define CERT_MAX_COMMENTS ((size_t)64 << 10)
#define CERT_FIELDS 10

/* Python's str.strip(chars). */
static void strip_chars(const char **s, size_t *n, const char *chars)
{
	while (*n && **s && strchr(chars, **s)) {
		(*s)++;
		(*n)--;
	}
	while (*n && (*s)[*n - 1] && strchr(chars, (*s)[*n - 1]))
		(*n)--;
}

/* ---- DROP lists ------------------------------------------------------------------------- */

enum drop_kind { DROP_GUESS, DROP_NETWORK, DROP_ASN };

struct drop_state {
	enum drop_kind kind;
	char lastgen[48]; /* time.source from "Last-Modified:", "" when none */
};

static const char *const drop_network_urls[] = {
	"https://www.spamhaus.org/drop/edrop.txt", "https://www.spamhaus.org/drop/dropv6.txt",
	"https://www.spamhaus.org/drop/drop.txt", "https://www.spamhaus.org/drop/drop.lasso", NULL
};

static int drop_init(struct ingest_ctx *ctx, struct verr *err)
{
	struct drop_state *st = calloc(1, sizeof(*st));
	const char *url = ingest_report_str(ctx, "feed.url");

	(void)err;
	if (!st)
		return V_ERR_NOMEM;
	ctx->state = st;
	st->kind = DROP_GUESS;
	if (url) {
		for (int i = 0; drop_network_urls[i]; i++)
			if (!strcmp(url, drop_network_urls[i]))
				st->kind = DROP_NETWORK;
		if (!strcmp(url, "https://www.spamhaus.org/drop/asndrop.txt"))
			st->kind = DROP_ASN;
	}
	return V_OK;
}

static void drop_comment(struct drop_state *st, const char *s, size_t n)
{
	struct vtime t;

	if (!memmem(s, n, "Last-Modified:", 14))
		return;
	/* IntelMQ: line.strip('; ')[15:], i.e. what follows "; Last-Modified: " */
	strip_chars(&s, &n, "; ");
	if (n <= 15 || time_parse(s + 15, n - 15, &t) != 0) {
		/* IntelMQ would keep the unparsable text and then fail every entry on it */
		st->lastgen[0] = 0;
		return;
	}
	time_format(&t, st->lastgen);
}

static int drop_record(struct ingest_ctx *ctx, const char *rec, size_t len)
{
	struct drop_state *st = ctx->state;
	const char *s = rec, *p0, *p1, *p2, *sep;
	size_t n = len, n0, n1, n2;
	enum drop_kind kind;

	pystr_strip(&s, &n);
	if (n == 0)
		return V_OK;
	if (s[0] == ';') {
		drop_comment(st, s, n);
		return V_OK;
	}
	kind = st->kind;
	if (kind == DROP_GUESS) {
		int asn = n > 2 && s[0] == 'A' && s[1] == 'S' && s[2] >= '0' && s[2] <= '9';
		kind = asn ? DROP_ASN : DROP_NETWORK;
	}

	/* fields: split at ";" (and for ASN-DROP also at "|"), as IntelMQ does */
	p0 = s;
	sep = memchr(s, ';', n);
	if (kind == DROP_ASN) {
		const char *bar = memchr(s, '|', n);
		if (!sep || (bar && bar < sep))
			sep = bar;
	}
	if (!sep)
		return ingest_reject(ctx, NULL, "%s", _("no ';' separator"));
	n0 = (size_t)(sep - s);
	p1 = sep + 1;
	n1 = n - n0 - 1;
	sep = memchr(p1, ';', n1);
	if (kind == DROP_ASN) {
		const char *bar = memchr(p1, '|', n1);
		if (!sep || (bar && bar < sep))
			sep = bar;
	}
	p2 = NULL;
	n2 = 0;
	if (sep) {
		p2 = sep + 1;
		n2 = n1 - (size_t)(p2 - p1);
		n1 = (size_t)(sep - p1);
		if (kind == DROP_ASN) {
			const char *e1 = memchr(p2, ';', n2), *e2 = memchr(p2, '|', n2);
			if (e1 && (!e2 || e1 < e2))
				n2 = (size_t)(e1 - p2);
			else if (e2)
				n2 = (size_t)(e2 - p2);
		}
	}
	if (kind == DROP_ASN && !p2)
		return ingest_reject(ctx, NULL, "%s", _("expected 'ASN ; CC | AS name'"));

	ingest_new_event(ctx);
	if (st->lastgen[0])
		ingest_add_str(ctx, "time.source", st->lastgen, 0);
	ingest_add_str(ctx, "classification.type", "spam", 0);
	if (kind == DROP_NETWORK) {
		pystr_strip(&p0, &n0);
		pystr_strip(&p1, &n1);
		ingest_add(ctx, "source.network", p0, n0, 0);
		ingest_add_extra_text(ctx, "blocklist", p1, n1);
	} else {
		strip_chars(&p0, &n0, "AS");
		pystr_strip(&p0, &n0);
		ingest_add(ctx, "source.asn", p0, n0, 0);
		pystr_strip(&p2, &n2);
		ingest_add(ctx, "source.as_name", p2, n2, 0);
		if (n1) {
			pystr_strip(&p1, &n1);
			ingest_add(ctx, "source.geolocation.cc", p1, n1, 0);
		}
	}
	return ingest_emit(ctx, s, n);
}

static int drop_finish(struct ingest_ctx *ctx)
{
	struct drop_state *st = ctx->state;

	if (st)
		st->lastgen[0] = 0;
	return V_OK;
}

static void drop_fini(struct ingest_ctx *ctx)
{
	free(ctx->state);
	ctx->state = NULL;
}

const struct parser parser_spamhaus_drop = {
	.name = "spamhaus_drop",
	.aliases = (const char *const[]){ "intelmq.bots.parsers.spamhaus.parser_drop", NULL },
	.description = N_("Spamhaus DROP, EDROP, DROPv6 and ASN-DROP lists"),
	.mode = PARSE_LINES,
	.init = drop_init,
	.record = drop_record,
	.finish = drop_finish,
	.fini = drop_fini,
};

/* ---- CERT insight portal ---------------------------------------------------------------- */

/* What a bot name means; "misc" also gets the abuseat.org links. */
static const struct cert_bot {
	const char *bot;   /* botname, lower case */
	const char *type;  /* classification.type */
	const char *ident; /* classification.identifier */
	const char *app;   /* protocol.application, or NULL */
	const char *text;  /* event_description.text, or NULL */
} cert_bots[] = {
	{ "openrelay", "vulnerable-system", "openrelay", "smtp", NULL },
	{ "sshauth", "brute-force", "ssh", "ssh", NULL },
	{ "telnetauth", "brute-force", "telnet", "telnet", NULL },
	{ "smtpauth", "brute-force", "smtp", "smtp", NULL },
	{ "wpscanner", "scanner", "wordpress-vulnerabilities", "http",
	  "scanning for wordpress vulnerabilities" },
	{ "w_wplogin", "scanner", "wordpress-login", "http", "scanning for wordpress login pages" },
	{ "pop", "brute-force", "pop", "pop", NULL },
	{ "imap", "brute-force", "imap", "imap", NULL },
	{ "smb", "scanner", "smb", "smb", NULL },
	{ "rdp", "scanner", "rdp", "rdp", NULL },
	{ "iotrdp", "scanner", "rdp", "rdp", NULL },
	{ "iotmicrosoftds", "scanner", "microsoftds", "microsoftds", NULL },
	{ "proxyget", "other", "proxyget", NULL, "The malicious client used a honeypot as proxy." },
	{ "iotlogin", "unauthorized-login", "iot", NULL,
	  "The infected iot device logged in to a honeypot." },
	{ "iotcmd", "unauthorized-command", "iot", NULL,
	  "The infected iot device logged in to a honeypot and issued malicious commands." },
	{ "iotmirai", "infected-system", "mirai", NULL, NULL },
	{ "ioturl", "c2server", "malware-generic", NULL, NULL },
	{ "automatedtest", "brute-force", "lookup-captcha", NULL,
	  "The device automatically brute-forced the Spamhaus CBL lookup." },
	{ "authspoofbadehlo", "brute-force", "authentication-spoof", "smtp",
	  "The device spoofed SMTP authentication with a bad EHLO." },
	{ "extortion", "spam", "extortion", "smtp", "This device sent extortion mails." },
	{ "misc", "spam", "spam", "smtp",
	  "This device is sending spam as part of a botnet. See abuseat.org for more details." },
	{ NULL, NULL, NULL, NULL, NULL }
};

struct cert_state {
	struct buf comments;  /* ";" lines so far, each followed by LF */
	char *feed_url;       /* feed.url without the API key, or NULL */
	char bot[64];
};

static void cert_fini(struct ingest_ctx *ctx)
{
	struct cert_state *st = ctx->state;

	if (!st)
		return;
	buf_fini(&st->comments);
	free(st->feed_url);
	free(st);
	ctx->state = NULL;
}

static int cert_init(struct ingest_ctx *ctx, struct verr *err)
{
	struct cert_state *st = calloc(1, sizeof(*st));
	const char *url = ingest_report_str(ctx, "feed.url");

	(void)err;
	if (!st)
		return V_ERR_NOMEM;
	ctx->state = st;
	buf_init(&st->comments, CERT_MAX_COMMENTS + 1);
	if (url) {
		const char *k = strstr(url, "key=");
		st->feed_url = strndup(url, k ? (size_t)(k - url) : strlen(url));
		if (!st->feed_url)
			return V_ERR_NOMEM;
	}
	return V_OK;
}

static int cert_record(struct ingest_ctx *ctx, const char *rec, size_t len)
{
	struct cert_state *st = ctx->state;
	const char *s = rec, *f[CERT_FIELDS];
	size_t n = len, fl[CERT_FIELDS], nf = 0, i;
	const struct cert_bot *b = NULL;
	struct vtime t;
	char tbuf[48];
	long long v;
	int spamlink = 0, iotscan = 0;

	pystr_strip(&s, &n);
	if (n == 0)
		return V_OK;
	if (s[0] == ';') {
		if (st->comments.len + n + 1 <= CERT_MAX_COMMENTS) {
			buf_append(&st->comments, s, n);
			buf_putc(&st->comments, '\n');
		}
		return V_OK;
	}
	for (i = 0; i <= n && nf < CERT_FIELDS;) {
		const char *c = memchr(s + i, ',', n - i);
		size_t e = c ? (size_t)(c - s) : n;
		f[nf] = s + i;
		fl[nf] = e - i;
		pystr_strip(&f[nf], &fl[nf]);
		nf++;
		i = e + 1;
		if (!c)
			break;
	}
	if (nf < CERT_FIELDS)
		return ingest_reject(ctx, NULL, _("%zu fields, expected %d"), nf, CERT_FIELDS);
	if (pystr_int(f[3], fl[3], &v) != 0 || v < -62135596800LL || v > 253402300799LL)
		return ingest_reject(ctx, "time.source",
				     _("lastseen '%.*s' is not an epoch timestamp"),
				     (int)(fl[3] > 40 ? 40 : fl[3]), f[3]);

	ingest_new_event(ctx);
	if (st->feed_url)
		ingest_add_str(ctx, "feed.url", st->feed_url, ING_OVERWRITE);
	ingest_add(ctx, "source.ip", f[0], fl[0], 0);
	/* the ASN without any "AS" */
	buf_reset(&ctx->scratch);
	for (i = 0; i < fl[1]; i++) {
		if (i + 1 < fl[1] && f[1][i] == 'A' && f[1][i + 1] == 'S')
			i++;
		else
			buf_putc(&ctx->scratch, f[1][i]);
	}
	if (!(ctx->scratch.len == 1 && ctx->scratch.data[0] == '?'))
		ingest_add(ctx, "source.asn", ctx->scratch.data, ctx->scratch.len, 0);
	ingest_add(ctx, "source.geolocation.cc", f[2], fl[2], 0);
	t.sec = v;
	t.usec = 0;
	t.has_usec = 0;
	time_format(&t, tbuf);
	ingest_add_str(ctx, "time.source", tbuf, 0);

	/* the bot name, lower case; a longer one than any known is left empty here */
	st->bot[0] = 0;
	if (fl[4] < sizeof(st->bot)) {
		for (i = 0; i < fl[4]; i++) {
			char c = f[4][i];
			st->bot[i] = c >= 'A' && c <= 'Z' ? (char)(c - 'A' + 'a') : c;
		}
		st->bot[fl[4]] = 0;
	}
	for (b = cert_bots; b->bot && strcmp(b->bot, st->bot); b++)
		;
	if (!b->bot)
		b = NULL;

	if (!strcmp(st->bot, "iotscan") || !strcmp(st->bot, "iotuser")) {
		iotscan = !strcmp(st->bot, "iotscan");
		ingest_add_str(ctx, "classification.type", "scanner", 0);
		ingest_add_str(ctx, "event_description.text",
			       "The possibly infected IoT device scanned for other vulnerable IoT "
			       "devices.", 0);
		if ((fl[7] == 2 && !memcmp(f[7], "23", 2)) ||
		    (fl[7] == 4 && !memcmp(f[7], "2323", 4))) {
			ingest_add_str(ctx, "protocol.application", "telnet", 0);
			ingest_add_str(ctx, "classification.identifier", "telnet", 0);
		} else {
			ingest_add_str(ctx, "classification.identifier", "scanner-generic", 0);
		}
	} else if (!strcmp(st->bot, "l_spamlink")) {
		const char *c1 = memchr(f[8], ':', fl[8]), *c2, *c3;
		spamlink = 1;
		c2 = c1 ? memchr(c1 + 1, ':', fl[8] - (size_t)(c1 + 1 - f[8])) : NULL;
		c3 = c2 ? memchr(c2 + 1, ':', fl[8] - (size_t)(c2 + 1 - f[8])) : NULL;
		if (!c2 || c3) {
			ingest_fail(ctx, "malware.name", "%s",
				    _("local_port of l_spamlink is not 'ip:version:name'"));
		} else {
			ingest_add_str(ctx, "classification.type", "spam", 0);
			ingest_add_str(ctx, "classification.identifier", "spamlink", 0);
			ingest_add_str(ctx, "event_description.text",
				       "The URL appeared in a spam email sent by extra.spam_ip.",
				       0);
			ingest_add(ctx, "malware.name", c2 + 1, (size_t)(f[8] + fl[8] - c2 - 1), 0);
			ingest_add(ctx, "malware.version", c1 + 1, (size_t)(c2 - c1 - 1), 0);
			ingest_add(ctx, "source.url", f[6], fl[6], 0);
			ingest_add(ctx, "extra.spam_ip", f[8], (size_t)(c1 - f[8]), 0);
		}
	} else if (b) {
		ingest_add_str(ctx, "classification.type", b->type, 0);
		ingest_add_str(ctx, "classification.identifier", b->ident, 0);
		if (b->app)
			ingest_add_str(ctx, "protocol.application", b->app, 0);
		if (b->text)
			ingest_add_str(ctx, "event_description.text", b->text, 0);
		if (!strcmp(b->bot, "iotmirai"))
			ingest_add_str(ctx, "malware.name", "mirai", 0);
		if (!strcmp(b->bot, "misc")) {
			static const char cbl[] = "https://www.abuseat.org/lookup.cgi";
			ingest_add_str(ctx, "event_description.url", cbl, 0);
			ingest_add_str(ctx, "feed.documentation", cbl, ING_OVERWRITE);
		}
	} else {
		if (!strcmp(st->bot, "auto"))
			ingest_add_str(ctx, "malware.name", "s_other", 0);
		else
			ingest_add(ctx, "malware.name", f[4], fl[4], 0);
		ingest_add_str(ctx, "classification.type", "infected-system", 0);
		ingest_add(ctx, "source.url", f[5], fl[5], ING_IGNORE_INVALID);
	}

	/* the C&C columns; the provider says the domain column is wrong for iotscan and when it
	 * holds an IP:port */
	if (!iotscan && !memchr(f[5], ':', fl[5]))
		ingest_add(ctx, "destination.fqdn", f[5], fl[5], ING_IGNORE_INVALID);
	ingest_add(ctx, "destination.ip", f[6], fl[6], ING_IGNORE_INVALID);
	ingest_add(ctx, "destination.port", f[7], fl[7], ING_IGNORE_INVALID);
	if (fl[8] && !(fl[8] == 1 && (f[8][0] == '-' || f[8][0] == '?')) && !spamlink) {
		if (pystr_int(f[8], fl[8], &v) != 0)
			ingest_fail(ctx, "extra.source.local_port",
				    _("local_port '%.*s' is not a number"),
				    (int)(fl[8] > 40 ? 40 : fl[8]), f[8]);
		else
			ingest_add_int(ctx, "extra.source.local_port", v, 0);
	}
	ingest_add(ctx, "protocol.transport", f[9], fl[9], ING_IGNORE_INVALID);

	buf_reset(&ctx->raw);
	buf_append(&ctx->raw, st->comments.data ? st->comments.data : "", st->comments.len);
	buf_append(&ctx->raw, s, n);
	return ingest_emit(ctx, ctx->raw.data, ctx->raw.len);
}

static int cert_finish(struct ingest_ctx *ctx)
{
	struct cert_state *st = ctx->state;

	if (st)
		buf_reset(&st->comments);
	return V_OK;
}

const struct parser parser_spamhaus_cert = {
	.name = "spamhaus_cert",
	.aliases = (const char *const[]){ "intelmq.bots.parsers.spamhaus.parser_cert", NULL },
	.description = N_("Spamhaus CERT insight portal (infected hosts of a constituency)"),
	.mode = PARSE_LINES,
	.init = cert_init,
	.record = cert_record,
	.finish = cert_finish,
	.fini = cert_fini,
};
