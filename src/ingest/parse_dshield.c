/*
 * parse_dshield.c — DShield lists, compatible with IntelMQ's parsers:
 *
 *   dshield_block  (intelmq.bots.parsers.dshield.parser_block): the recommended block list,
 *                  "#" comments (one of which says "updated: <time>", time.source of every
 *                  later entry), a "Start End Netblock ..." header, then tab-separated
 *                  start, end, prefix length, attacks, network name, country, abuse e-mail.
 *                  source.network is start/prefix.  Lines are stripped; raw is the stripped
 *                  line.  An entry before any "updated" line has no time.source (IntelMQ
 *                  would fail the whole report).
 *
 *   dshield_asn    (intelmq.bots.parsers.dshield.parser_asn): the AS details page
 *                  (asdetailsascii.html): "#" comments, then tab-separated zero-padded
 *                  source IP, reports, targets, first seen, last seen, updated.  source.asn
 *                  is the number after "?as=" in feed.url.  raw is the line as it is.
 *
 * Lines with too few columns are skipped silently, as IntelMQ does (the ASN page has HTML
 * around the data).  A value that does not parse rejects its line only (IntelMQ would drop
 * the rest of the report).
 */
#include <stdlib.h>
#include <string.h>

#include "base/i18n.h"
#include "base/pystr.h"
#include "base/timeparse.h"
#include "ingest/ingest.h"

#define DSHIELD_MAX_COLS 8

/* Split s at tabs into at most max columns, the last of which keeps the rest (so with max
 * above the columns used, each used one is what Python's split("\t") gives). */
static size_t split_tabs(const char *s, size_t n, const char **f, size_t *fl, size_t max)
{
	size_t nf = 0, i = 0;

	for (;;) {
		const char *t = nf + 1 < max ? memchr(s + i, '\t', n - i) : NULL;
		size_t e = t ? (size_t)(t - s) : n;
		f[nf] = s + i;
		fl[nf] = e - i;
		nf++;
		if (!t)
			return nf;
		i = e + 1;
	}
}

/* ---- recommended block list ------------------------------------------------------------- */

struct block_state {
	char updated[48]; /* time.source, "" until an "updated" line */
};

static int block_init(struct ingest_ctx *ctx, struct verr *err)
{
	(void)err;
	ctx->state = calloc(1, sizeof(struct block_state));
	return ctx->state ? V_OK : V_ERR_NOMEM;
}

static int block_record(struct ingest_ctx *ctx, const char *rec, size_t len)
{
	struct block_state *st = ctx->state;
	const char *s = rec, *f[DSHIELD_MAX_COLS];
	size_t n = len, fl[DSHIELD_MAX_COLS], nf;
	long long attacks;

	pystr_strip(&s, &n);
	if (n == 0 || s[0] == '#' || (n >= 5 && !memcmp(s, "Start", 5))) {
		if (memmem(s, n, "updated", 7)) {
			/* the time follows the first ": " of the line */
			const char *c = memmem(s, n, ": ", 2);
			const char *t = c ? c + 2 : s + 1;
			struct vtime tv;
			if (t <= s + n && time_parse(t, (size_t)(s + n - t), &tv) == 0)
				time_format(&tv, st->updated);
		}
		return V_OK;
	}
	nf = split_tabs(s, n, f, fl, DSHIELD_MAX_COLS);
	if (nf < 3)
		return V_OK;

	ingest_new_event(ctx);
	if (nf > 3) {
		if (pystr_int(f[3], fl[3], &attacks) != 0)
			return ingest_reject(ctx, "extra.attacks",
					     _("attacks '%.*s' is not a number"),
					     (int)(fl[3] > 40 ? 40 : fl[3]), f[3]);
		ingest_add_int(ctx, "extra.attacks", attacks, 0);
	}
	if (nf > 4)
		ingest_add_extra_text(ctx, "network_name", f[4], fl[4]);
	if (nf > 5)
		ingest_add(ctx, "source.geolocation.cc", f[5], fl[5], 0);
	if (nf > 6)
		ingest_add(ctx, "source.abuse_contact", f[6], fl[6], 0);
	if (st->updated[0])
		ingest_add_str(ctx, "time.source", st->updated, 0);
	buf_reset(&ctx->raw);
	buf_append(&ctx->raw, f[0], fl[0]);
	buf_putc(&ctx->raw, '/');
	buf_append(&ctx->raw, f[2], fl[2]);
	ingest_add(ctx, "source.network", ctx->raw.data, ctx->raw.len, 0);
	ingest_add_str(ctx, "classification.type", "blacklist", 0);
	return ingest_emit(ctx, s, n);
}

static int block_finish(struct ingest_ctx *ctx)
{
	struct block_state *st = ctx->state;

	if (st)
		st->updated[0] = 0;
	return V_OK;
}

static void dshield_fini(struct ingest_ctx *ctx)
{
	free(ctx->state);
	ctx->state = NULL;
}

const struct parser parser_dshield_block = {
	.name = "dshield_block",
	.aliases = (const char *const[]){ "intelmq.bots.parsers.dshield.parser_block", NULL },
	.description = N_("DShield recommended block list (top attacking networks)"),
	.mode = PARSE_LINES,
	.init = block_init,
	.record = block_record,
	.finish = block_finish,
	.fini = dshield_fini,
};

/* ---- AS details ------------------------------------------------------------------------- */

struct asn_state {
	long long asn; /* from feed.url, or 0 when it has none */
};

static int asn_init(struct ingest_ctx *ctx, struct verr *err)
{
	struct asn_state *st = calloc(1, sizeof(*st));
	const char *url = ingest_report_str(ctx, "feed.url"), *p = NULL, *q;

	(void)err;
	if (!st)
		return V_ERR_NOMEM;
	ctx->state = st;
	for (q = url; q && (q = strstr(q, "?as=")); q++)
		p = q + 4;
	if (p && pystr_int(p, strlen(p), &st->asn) != 0)
		st->asn = 0;
	return V_OK;
}

static int asn_record(struct ingest_ctx *ctx, const char *rec, size_t len)
{
	struct asn_state *st = ctx->state;
	const char *f[DSHIELD_MAX_COLS];
	size_t fl[DSHIELD_MAX_COLS], nf;
	long long reports, targets, octet;

	if (len && rec[0] == '#')
		return V_OK;
	nf = split_tabs(rec, len, f, fl, DSHIELD_MAX_COLS);
	if (nf < 6)
		return V_OK;

	/* the zero-padded address: each dot-separated part as a number */
	buf_reset(&ctx->raw);
	for (size_t i = 0; i <= fl[0];) {
		const char *dot = memchr(f[0] + i, '.', fl[0] - i);
		size_t e = dot ? (size_t)(dot - f[0]) : fl[0];
		char num[32];
		if (pystr_int(f[0] + i, e - i, &octet) != 0)
			return ingest_reject(ctx, "source.ip", _("'%.*s' is not a dotted address"),
					     (int)(fl[0] > 60 ? 60 : fl[0]), f[0]);
		if (i)
			buf_putc(&ctx->raw, '.');
		buf_append(&ctx->raw, num, (size_t)snprintf(num, sizeof(num), "%lld", octet));
		i = e + 1;
		if (!dot)
			break;
	}
	if (pystr_int(f[1], fl[1], &reports) != 0 || pystr_int(f[2], fl[2], &targets) != 0)
		return ingest_reject(ctx, NULL, "%s", _("reports or targets is not a number"));
	if (!st->asn)
		return ingest_reject(ctx, "source.asn", "%s", _("feed.url has no '?as=<number>'"));

	ingest_new_event(ctx);
	ingest_add(ctx, "source.ip", ctx->raw.data, ctx->raw.len, 0);
	ingest_add_int(ctx, "source.asn", st->asn, 0);
	ingest_add_str(ctx, "classification.type", "brute-force", 0);
	buf_reset(&ctx->raw);
	buf_append(&ctx->raw, f[5], fl[5]);
	buf_puts(&ctx->raw, "+0");
	ingest_add(ctx, "time.source", ctx->raw.data, ctx->raw.len, 0);
	ingest_add_int(ctx, "extra.reports", reports, 0);
	ingest_add_int(ctx, "extra.targets", targets, 0);
	ingest_add_extra_text(ctx, "last_seen", f[4], fl[4]);
	return ingest_emit(ctx, rec, len);
}

const struct parser parser_dshield_asn = {
	.name = "dshield_asn",
	.aliases = (const char *const[]){ "intelmq.bots.parsers.dshield.parser_asn", NULL },
	.description = N_("DShield AS details (attacking addresses of one AS)"),
	.mode = PARSE_LINES,
	.init = asn_init,
	.record = asn_record,
	.fini = dshield_fini,
};
