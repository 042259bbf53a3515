/*
 * jsonrec.c — JSON records for parsers (see jsonrec.h): the bracket depth of JSON text, a
 * value gathered over lines with its size cap and reject reasons, and one element of a
 * document handed on as a record of its own.
 */
#include <ctype.h>
#include <string.h>

#include "base/i18n.h"
#include "ingest/jsonrec.h"

/* ---- bracket depth ------------------------------------------------------------------------ */

int jsonrec_scan_byte(struct jsonrec_scan *sc, char c)
{
	if (sc->in_str) {
		if (sc->esc)
			sc->esc = 0;
		else if (c == '\\')
			sc->esc = 1;
		else if (c == '"')
			sc->in_str = 0;
	} else if (c == '"') {
		sc->in_str = 1;
	} else if (c == '{' || c == '[') {
		sc->depth++;
	} else if (c == '}' || c == ']') {
		sc->depth--;
		return 1;
	}
	return 0;
}

int jsonrec_scan_line(struct jsonrec_scan *sc, const char *s, size_t n)
{
	int below = 0;

	for (size_t i = 0; i < n; i++)
		if (jsonrec_scan_byte(sc, s[i]) && sc->depth < 0)
			below = 1;
	return below ? -1 : 0;
}

/* ---- a value over lines ------------------------------------------------------------------- */

void jsonrec_init(struct jsonrec *jr)
{
	memset(jr, 0, sizeof(*jr));
	buf_init(&jr->text, 0);
}

void jsonrec_fini(struct jsonrec *jr)
{
	buf_fini(&jr->text);
}

static void reset(struct jsonrec *jr)
{
	buf_reset(&jr->text);
	jr->nlines = 0;
	jr->skipping = 0;
	memset(&jr->sc, 0, sizeof(jr->sc));
}

/* Follow one more line; 1 when the value has ended (or cannot go on) by the line's end. */
static int scan(struct jsonrec *jr, const char *s, size_t n)
{
	jsonrec_scan_line(&jr->sc, s, n);
	/* a JSON string never spans lines: an open one means a broken value */
	return jr->sc.depth <= 0 || jr->sc.in_str;
}

/* The value is complete: to fn, as the current record. */
static int complete(struct jsonrec *jr, struct ingest_ctx *ctx, jsonrec_fn fn)
{
	int rc;

	if (jr->nlines > 1) {
		/* a multi-line value: its lines, each with its "\n" */
		buf_putc(&jr->text, '\n');
		ctx->rec = jr->text.data;
		ctx->rec_len = jr->text.len;
		ctx->line = jr->start_line;
	}
	rc = fn(ctx, jr->text.data, jr->text.len);
	reset(jr);
	return rc;
}

int jsonrec_line(struct jsonrec *jr, struct ingest_ctx *ctx, const char *line, size_t len,
		 jsonrec_fn fn)
{
	size_t i;

	if (!jr->nlines && !jr->skipping) {
		for (i = 0; i < len && isspace((unsigned char)line[i]); i++)
			;
		if (i == len)
			return V_OK; /* blank lines between values */
		jr->start_line = ctx->line;
	}
	if (jr->skipping) {
		if (scan(jr, line, len))
			reset(jr);
		return V_OK;
	}
	if (jr->nlines)
		buf_putc(&jr->text, '\n');
	if (buf_append(&jr->text, line, len) != V_OK || jr->text.len > ctx->opt.max_line) {
		ctx->line = jr->start_line;
		ingest_reject(ctx, NULL, _("JSON object longer than %zu bytes"), ctx->opt.max_line);
		int done = scan(jr, line, len);
		buf_reset(&jr->text);
		jr->nlines = 0;
		jr->skipping = !done;
		if (done)
			reset(jr);
		return V_ERR_LIMIT;
	}
	jr->nlines++;
	if (!scan(jr, line, len))
		return V_OK;
	return complete(jr, ctx, fn);
}

int jsonrec_finish(struct jsonrec *jr, struct ingest_ctx *ctx)
{
	int rc = V_OK;

	if (jr->nlines) {
		ctx->rec = jr->text.data;
		ctx->rec_len = jr->text.len;
		ctx->line = jr->start_line;
		rc = ingest_reject(ctx, NULL, _("JSON object not closed at the end of the input"));
	}
	reset(jr);
	return rc;
}

int jsonrec_load_object(struct ingest_ctx *ctx, const char *text, size_t len, size_t flags,
			json_t **out)
{
	json_error_t je;
	json_t *o = json_loadb(text, len, flags, &je);

	*out = NULL;
	if (!o)
		return ingest_reject(ctx, NULL, _("invalid JSON: %s"), je.text);
	if (!json_is_object(o)) {
		json_decref(o);
		return ingest_reject(ctx, NULL, _("not a JSON object"));
	}
	*out = o;
	return V_OK;
}

/* ---- elements of a document --------------------------------------------------------------- */

int jsonrec_load_document(struct ingest_ctx *ctx, const char *text, size_t len, json_t **out)
{
	json_error_t je;

	*out = json_loadb(text, len, 0, &je);
	if (!*out)
		return ingest_reject(ctx, NULL, _("invalid JSON: %s (line %d, column %d)"), je.text,
				     je.line, je.column);
	return V_OK;
}

int jsonrec_element(struct ingest_ctx *ctx, const json_t *el, unsigned flags,
		    jsonrec_element_fn fn, void *arg)
{
	const char *save_rec = ctx->rec;
	size_t save_len = ctx->rec_len;
	int rc;

	buf_reset(&ctx->raw);
	if (pyjson_dump(&ctx->raw, el, flags) != V_OK)
		return ingest_reject(ctx, NULL, _("record too large"));
	ctx->rec = ctx->raw.data;
	ctx->rec_len = ctx->raw.len;
	rc = fn(ctx, el, arg);
	ctx->rec = save_rec;
	ctx->rec_len = save_len;
	return rc;
}

int jsonrec_each(struct ingest_ctx *ctx, const json_t *list, unsigned flags,
		 jsonrec_element_fn fn, void *arg)
{
	const json_t *el;
	size_t i;

	if (json_is_array(list)) {
		json_array_foreach(list, i, el)
			jsonrec_element(ctx, el, flags, fn, arg);
	} else if (json_is_object(list)) {
		jsonrec_element(ctx, list, flags, fn, arg);
	} else if (!json_is_null(list)) {
		return ingest_reject(ctx, NULL, _("expected a JSON array of objects"));
	}
	return V_OK;
}
