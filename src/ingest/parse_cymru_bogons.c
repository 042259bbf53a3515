/*
 * parse_cymru_bogons.c — Team Cymru's full bogons lists (fullbogons-ipv4.txt / -ipv6.txt),
 * compatible with IntelMQ's parser (intelmq.bots.parsers.cymru.parser_full_bogons).
 *
 * The first non-blank line is a header, "# last updated 1450193702 (Tue Dec 15 15:35:02
 * 2015 GMT)": the time between the parentheses is time.source of every event of the file and
 * the line is kept in raw before each prefix.  Then one prefix per line becomes a "blacklist"
 * event with source.ip (a single address) or source.network.  Lines starting with "#" or "//"
 * and blank lines are skipped.  When the header has no readable time, IntelMQ drops the whole
 * file; vigia rejects each of its prefixes with that reason.  A line holding only a value
 * IntelMQ ignores ("-", "N/A") is rejected (IntelMQ would emit an event with no address).
 *
 * State (the header) lives in ctx->state for the length of one input file.
 */
#include <stdlib.h>
#include <string.h>

#include "base/i18n.h"
#include "base/pystr.h"
#include "base/timeparse.h"
#include "ingest/ingest.h"

struct bogons_state {
	int seen_header;
	int time_ok;
	char time[48];
	struct buf header; /* the header line, then "\n" */
};

static int bogons_init(struct ingest_ctx *ctx, struct verr *err)
{
	struct bogons_state *st = calloc(1, sizeof(*st));

	(void)err;
	if (!st)
		return V_ERR_NOMEM;
	buf_init(&st->header, 0);
	ctx->state = st;
	return V_OK;
}

static void bogons_fini(struct ingest_ctx *ctx)
{
	struct bogons_state *st = ctx->state;

	if (!st)
		return;
	buf_fini(&st->header);
	free(st);
	ctx->state = NULL;
}

/* End of one file: the next file has its own header. */
static int bogons_finish(struct ingest_ctx *ctx)
{
	struct bogons_state *st = ctx->state;

	st->seen_header = 0;
	st->time_ok = 0;
	buf_reset(&st->header);
	return V_OK;
}

/*
 * The header's time: the text after the first "(" up to the first ")", cut the way IntelMQ
 * slices it (no "(" starts at the beginning; no ")" drops the last character).
 */
static void read_header(struct bogons_state *st, const char *s, size_t n)
{
	const char *open = memchr(s, '(', n), *close = memchr(s, ')', n);
	size_t a = open ? (size_t)(open - s) + 1 : 0;
	size_t b = close ? (size_t)(close - s) : (n ? n - 1 : 0);
	struct vtime t;

	st->seen_header = 1;
	buf_append(&st->header, s, n);
	buf_putc(&st->header, '\n');
	st->time_ok = b > a && time_parse(s + a, b - a, &t) == 0;
	if (st->time_ok)
		time_format(&t, st->time);
}

static int bogons_record(struct ingest_ctx *ctx, const char *rec, size_t len)
{
	struct bogons_state *st = ctx->state;
	const char *s = rec;
	size_t n = len;
	int rc;

	pystr_strip(&s, &n);
	if (!n)
		return V_OK;
	if (!st->seen_header)
		read_header(st, s, n);
	if (s[0] == '#' || (n >= 2 && s[0] == '/' && s[1] == '/'))
		return V_OK;
	if (!st->time_ok)
		return ingest_reject(
		    ctx, "time.source",
		    _("the first line of the file has no time of last update '(...)'"));

	ingest_new_event(ctx);
	rc = ingest_add(ctx, "source.ip", s, n, ING_IGNORE_INVALID);
	if (rc != V_OK && ingest_add(ctx, "source.network", s, n, 0) == V_SKIP)
		/* "-" or "N/A": IntelMQ emits an event without any address; vigia does not */
		ingest_fail(ctx, "source.network", _("no prefix on the line"));
	ingest_add_str(ctx, "time.source", st->time, 0);
	ingest_add_str(ctx, "classification.type", "blacklist", 0);

	buf_reset(&ctx->raw);
	buf_append(&ctx->raw, st->header.data, st->header.len);
	buf_append(&ctx->raw, s, n);
	return ingest_emit(ctx, ctx->raw.data, ctx->raw.len);
}

const struct parser parser_cymru_full_bogons = {
    .name = "cymru_full_bogons",
    .aliases = (const char *const[]){"intelmq.bots.parsers.cymru.parser_full_bogons", NULL},
    .description = N_("Team Cymru full bogons prefix lists (IntelMQ Cymru full bogons parser)"),
    .mode = PARSE_LINES,
    .init = bogons_init,
    .record = bogons_record,
    .finish = bogons_finish,
    .fini = bogons_fini,
};
