/*
 * parse_json.c — re-ingests IntelMQ-format events (intelmq.bots.parsers.json.parser): events
 * from a partner's IntelMQ, and vigia's own JSON-lines output.
 *
 * Each input value is one flat ("source.ip": ...) or hierarchical ({"source": {"ip": ...}})
 * event; the report's fields (feed.*, time.observation) are the defaults and the event's own
 * values win, as IntelMQ's dict.update does.  An event without "raw" gets the text it was
 * read from.
 *
 * The input is read line by line so memory stays flat on JSON-lines files of any size.  A
 * value that does not end on its line (a pretty-printed document) is gathered until its
 * brackets close, up to the document size cap.  A top-level array is taken as a list of
 * events (vigia's extension; IntelMQ accepts one object per line or per report).
 *
 * Parameter:  splitlines  true: one event per line, raw = the line (IntelMQ's behaviour);
 *                         false/absent: raw also keeps the line end, as IntelMQ's raw is the
 *                         whole report there.
 */
#include <stdlib.h>
#include <string.h>

#include <sodium.h>

#include "base/i18n.h"
#include "ingest/ingest.h"
#include "ingest/jsonrec.h"

struct ijson_state {
	int splitlines;
	struct buf acc;         /* a value spanning lines, each line followed by "\n" */
	struct jsonrec_scan sc; /* brackets at the end of the text so far */
	long start_line;        /* where the gathered value started */
	struct buf tmp;         /* base64 checks */
};

static int ijson_init(struct ingest_ctx *ctx, struct verr *err)
{
	struct ijson_state *st = calloc(1, sizeof(*st));

	(void)err;
	if (!st)
		return V_ERR_NOMEM;
	st->splitlines = ingest_param_bool(ctx, "splitlines", 0);
	buf_init(&st->acc, ctx->opt.max_document);
	buf_init(&st->tmp, 0);
	ctx->state = st;
	return V_OK;
}

static void ijson_fini(struct ingest_ctx *ctx)
{
	struct ijson_state *st = ctx->state;

	if (!st)
		return;
	buf_fini(&st->acc);
	buf_fini(&st->tmp);
	free(st);
	ctx->state = NULL;
}

/*
 * Follow the brackets of JSON text over one line.  Returns 0, or -1 when a bracket closes
 * what was not open or a string does not end on its line (JSON strings hold no raw newline).
 */
static int scan_line(struct ijson_state *st, const char *s, size_t n)
{
	return jsonrec_scan_line(&st->sc, s, n) != 0 || st->sc.in_str ? -1 : 0;
}

/* An event from one JSON object; raw = the given text unless the object has its own. */
static int one_event(struct ingest_ctx *ctx, struct ijson_state *st, const json_t *obj,
		     const char *raw, size_t raw_len)
{
	struct verr e = { 0 };
	const char *r;
	size_t rn;
	int rc;

	if (!json_is_object(obj))
		return ingest_reject(ctx, NULL, _("not a JSON object"));
	ingest_new_event(ctx);
	rc = event_from_json(ctx->ev, obj, EV_OVERWRITE, &e);
	if (rc != V_OK && rc != V_SKIP)
		ingest_fail(ctx, e.field, "%s", e.reason[0] ? e.reason : vres_str(rc));
	/* IntelMQ 3's type sanitiser renames the old "unknown" to RSIT's "undetermined" */
	r = event_get_id(ctx->ev, F_CLASSIFICATION_TYPE, &rn);
	if (r && rn == 7 && !memcmp(r, "unknown", 7))
		event_set(ctx->ev, "classification.type", "undetermined", 12, EV_OVERWRITE, NULL);
	/* a "raw" that is not base64 is the original text itself: encode it (IntelMQ's Base64
	 * sanitiser does the same) */
	r = event_get_id(ctx->ev, F_RAW, &rn);
	if (r) {
		size_t bin_len;
		buf_reset(&st->tmp);
		if (buf_reserve(&st->tmp, rn / 4 * 3 + 4) != V_OK ||
		    sodium_base642bin((unsigned char *)st->tmp.data, st->tmp.size, r, rn, "\n\r ",
				      &bin_len, NULL, sodium_base64_VARIANT_ORIGINAL) != 0) {
			const json_t *given = json_object_get(obj, "raw");
			if (json_is_string(given))
				event_set_raw(ctx->ev, json_string_value(given),
					      json_string_length(given));
		}
	}
	return ingest_emit(ctx, raw, raw_len);
}

/* One element of a top-level array, as the current record: raw is its text. */
static int element_event(struct ingest_ctx *ctx, const json_t *el, void *st)
{
	return one_event(ctx, st, el, ctx->rec, ctx->rec_len);
}

/* One complete top-level value (text s, n bytes). */
static int handle_value(struct ingest_ctx *ctx, struct ijson_state *st, const char *s, size_t n,
			const char *raw, size_t raw_len)
{
	json_t *doc, *el;
	size_t i;
	int rc = jsonrec_load_document(ctx, s, n, &doc);

	if (rc != V_OK)
		return rc;
	if (json_is_object(doc)) {
		rc = one_event(ctx, st, doc, raw, raw_len);
	} else if (json_is_array(doc)) {
		/* each element is a record of its own: rejects show it, not the array */
		json_array_foreach(doc, i, el)
			jsonrec_element(ctx, el, 0, element_event, st);
	} else {
		rc = ingest_reject(ctx, NULL, _("not a JSON object"));
	}
	json_decref(doc);
	return rc;
}

static void acc_reset(struct ijson_state *st)
{
	buf_reset(&st->acc);
	memset(&st->sc, 0, sizeof(st->sc));
}

/* Reject the gathered text as one record, from where it started. */
static int reject_acc(struct ingest_ctx *ctx, struct ijson_state *st, const char *why)
{
	const char *save_rec = ctx->rec;
	size_t save_len = ctx->rec_len;
	long save_line = ctx->line;
	int rc;

	ctx->rec = st->acc.data;
	ctx->rec_len = st->acc.len;
	ctx->line = st->start_line;
	rc = ingest_reject(ctx, NULL, "%s", why);
	ctx->rec = save_rec;
	ctx->rec_len = save_len;
	ctx->line = save_line;
	acc_reset(st);
	return rc;
}

static int ijson_record(struct ingest_ctx *ctx, const char *rec, size_t len)
{
	struct ijson_state *st = ctx->state;
	size_t i = 0;
	int rc;

	if (st->acc.len == 0) {
		while (i < len && (rec[i] == ' ' || rec[i] == '\t' || rec[i] == '\r'))
			i++;
		if (i == len)
			return V_OK; /* blank line */
		if (rec[i] != '{' && rec[i] != '[')
			return ingest_reject(ctx, NULL, _("not a JSON object"));
		memset(&st->sc, 0, sizeof(st->sc));
		st->start_line = ctx->line;
		if (scan_line(st, rec, len) != 0) {
			memset(&st->sc, 0, sizeof(st->sc));
			return ingest_reject(ctx, NULL,
					     _("invalid JSON: unbalanced brackets or quotes"));
		}
		if (st->sc.depth == 0) {
			/* the usual case: one value on its line */
			if (st->splitlines)
				return handle_value(ctx, st, rec, len, rec, len);
			buf_reset(&ctx->scratch);
			if (buf_append(&ctx->scratch, rec, len) != V_OK ||
			    buf_putc(&ctx->scratch, '\n') != V_OK)
				return ingest_reject(ctx, NULL, _("record too large"));
			return handle_value(ctx, st, rec, len, ctx->scratch.data, ctx->scratch.len);
		}
	} else if (scan_line(st, rec, len) != 0) {
		if (buf_append(&st->acc, rec, len) == V_OK)
			buf_putc(&st->acc, '\n');
		return reject_acc(ctx, st, _("invalid JSON: unbalanced brackets or quotes"));
	}
	if (buf_append(&st->acc, rec, len) != V_OK || buf_putc(&st->acc, '\n') != V_OK)
		return reject_acc(ctx, st, _("JSON document larger than the size limit"));
	if (st->sc.depth > 0)
		return V_OK;

	/* the gathered value is complete: handle it as one record from its first line */
	const char *save_rec = ctx->rec;
	size_t save_len = ctx->rec_len;
	long save_line = ctx->line;
	ctx->rec = st->acc.data;
	ctx->rec_len = st->acc.len;
	ctx->line = st->start_line;
	rc = handle_value(ctx, st, st->acc.data, st->acc.len, st->acc.data, st->acc.len);
	ctx->rec = save_rec;
	ctx->rec_len = save_len;
	ctx->line = save_line;
	acc_reset(st);
	return rc;
}

static int ijson_finish(struct ingest_ctx *ctx)
{
	struct ijson_state *st = ctx->state;

	if (st->acc.len)
		reject_acc(ctx, st, _("JSON document not closed at the end of the input"));
	acc_reset(st);
	return V_OK;
}

const struct parser parser_intelmq_json = {
	.name = "intelmq_json",
	.aliases = (const char *const[]){ "intelmq.bots.parsers.json.parser", NULL },
	.description = N_("IntelMQ events as JSON lines or documents (also vigia's own output)"),
	.mode = PARSE_LINES,
	.init = ijson_init,
	.record = ijson_record,
	.finish = ijson_finish,
	.fini = ijson_fini,
};
