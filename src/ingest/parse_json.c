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
 *
 * This file also holds ingest_json_dump_py(), the Python json.dumps() writer the JSON feed
 * parsers use to rebuild IntelMQ's raw for one element of a document.
 */
#include <stdlib.h>
#include <string.h>

#include <sodium.h>

#include "base/i18n.h"
#include "ingest/ingest.h"

/* ---- json.dumps ------------------------------------------------------------------------- */

/*
 * Append v as Python's json.dumps(v, sort_keys=sort_keys) writes it: ensure_ascii (every
 * character outside ' '..'~' as \uxxxx, lower-case hex, surrogate pairs above U+FFFF),
 * separators ", " and ": ", floats as repr().  Jansson keeps object keys in document order
 * and a repeated key at its first place with its last value, as Python's dict does.
 * Returns V_OK or a buf error.  (Shared by the JSON feed parsers; declared where used.)
 */
int ingest_json_dump_py(struct buf *out, const json_t *v, int sort_keys);

/* Append the escape \uxxxx (lower-case hex, as Python writes it). */
static int put_u16(struct buf *out, unsigned long u)
{
	static const char hex[] = "0123456789abcdef";
	char e[6] = { '\\', 'u', hex[(u >> 12) & 15], hex[(u >> 8) & 15], hex[(u >> 4) & 15],
		      hex[u & 15] };

	return buf_append(out, e, sizeof(e));
}

static int dump_py_str(struct buf *out, const char *s, size_t n)
{
	size_t i = 0;
	int rc = buf_putc(out, '"');

	while (rc == V_OK && i < n) {
		unsigned char c = (unsigned char)s[i];
		unsigned long cp;
		size_t j, len;

		if (c >= 0x20 && c < 0x7f && c != '"' && c != '\\') {
			for (j = i + 1; j < n; j++) {
				unsigned char d = (unsigned char)s[j];
				if (d < 0x20 || d >= 0x7f || d == '"' || d == '\\')
					break;
			}
			rc = buf_append(out, s + i, j - i);
			i = j;
			continue;
		}
		if (c == '"' || c == '\\' || c == '\n' || c == '\r' || c == '\t' || c == '\b' ||
		    c == '\f') {
			static const char from[] = "\"\\\n\r\t\b\f", to[] = "\"\\nrtbf";
			char e[2] = { '\\', to[strchr(from, c) - from] };
			rc = buf_append(out, e, 2);
			i++;
			continue;
		}
		/* one UTF-8 sequence (jansson hands out valid UTF-8; stay in bounds anyway) */
		len = c < 0x80 ? 1 : (c & 0xe0) == 0xc0 ? 2 : (c & 0xf0) == 0xe0 ? 3 : 4;
		cp = c < 0x80 ? c : c & (0x7f >> len);
		if (len > n - i)
			len = n - i;
		for (j = 1; j < len; j++)
			cp = (cp << 6) | ((unsigned char)s[i + j] & 0x3f);
		i += len;
		if (cp > 0xffff) {
			/* a surrogate pair, as Python's ensure_ascii writes it */
			cp -= 0x10000;
			rc = put_u16(out, 0xd800 | (cp >> 10));
			if (rc == V_OK)
				rc = put_u16(out, 0xdc00 | (cp & 0x3ff));
		} else {
			rc = put_u16(out, cp);
		}
	}
	return rc == V_OK ? buf_putc(out, '"') : rc;
}

static int key_cmp(const void *a, const void *b)
{
	return strcmp(*(const char *const *)a, *(const char *const *)b);
}

int ingest_json_dump_py(struct buf *out, const json_t *v, int sort_keys)
{
	char num[48];
	size_t i;
	int rc = V_OK;

	switch (json_typeof(v)) {
	case JSON_OBJECT: {
		size_t n = json_object_size(v), k = 0;
		const char **keys;
		const char *key;
		json_t *sub;

		if (n == 0)
			return buf_puts(out, "{}");
		keys = malloc(n * sizeof(*keys));
		if (!keys)
			return V_ERR_NOMEM;
		json_object_foreach((json_t *)v, key, sub)
			keys[k++] = key;
		if (sort_keys)
			qsort(keys, k, sizeof(*keys), key_cmp);
		rc = buf_putc(out, '{');
		for (i = 0; i < k && rc == V_OK; i++) {
			if (i)
				rc = buf_puts(out, ", ");
			if (rc == V_OK)
				rc = dump_py_str(out, keys[i], strlen(keys[i]));
			if (rc == V_OK)
				rc = buf_puts(out, ": ");
			if (rc == V_OK)
				rc = ingest_json_dump_py(out, json_object_get(v, keys[i]),
							 sort_keys);
		}
		free(keys);
		return rc == V_OK ? buf_putc(out, '}') : rc;
	}
	case JSON_ARRAY:
		rc = buf_putc(out, '[');
		for (i = 0; i < json_array_size(v) && rc == V_OK; i++) {
			if (i)
				rc = buf_puts(out, ", ");
			if (rc == V_OK)
				rc = ingest_json_dump_py(out, json_array_get(v, i), sort_keys);
		}
		return rc == V_OK ? buf_putc(out, ']') : rc;
	case JSON_STRING:
		return dump_py_str(out, json_string_value(v), json_string_length(v));
	case JSON_INTEGER:
		return buf_printf(out, "%" JSON_INTEGER_FORMAT, json_integer_value(v));
	case JSON_REAL:
		return buf_append(out, num, value_format_float(json_real_value(v), num));
	case JSON_TRUE:
		return buf_puts(out, "true");
	case JSON_FALSE:
		return buf_puts(out, "false");
	case JSON_NULL:
		return buf_puts(out, "null");
	}
	return V_ERR_INVALID;
}

/* ---- the parser ------------------------------------------------------------------------- */

struct ijson_state {
	int splitlines;
	struct buf acc;  /* a value spanning lines, each line followed by "\n" */
	int depth;       /* bracket depth at the end of the text so far */
	long start_line; /* where the gathered value started */
	struct buf tmp;  /* one array element as JSON text; base64 checks */
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
	int in_str = 0;

	for (size_t i = 0; i < n; i++) {
		char c = s[i];
		if (in_str) {
			if (c == '\\')
				i++;
			else if (c == '"')
				in_str = 0;
			continue;
		}
		if (c == '"')
			in_str = 1;
		else if (c == '{' || c == '[')
			st->depth++;
		else if ((c == '}' || c == ']') && --st->depth < 0)
			return -1;
	}
	return in_str ? -1 : 0;
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

/* One complete top-level value (text s, n bytes). */
static int handle_value(struct ingest_ctx *ctx, struct ijson_state *st, const char *s, size_t n,
			const char *raw, size_t raw_len)
{
	json_error_t je;
	json_t *doc = json_loadb(s, n, 0, &je);
	const char *save_rec = ctx->rec;
	size_t save_len = ctx->rec_len, i;
	json_t *el;
	int rc = V_OK;

	if (!doc)
		return ingest_reject(ctx, NULL, _("invalid JSON: %s (line %d, column %d)"), je.text,
				     je.line, je.column);
	if (json_is_object(doc)) {
		rc = one_event(ctx, st, doc, raw, raw_len);
	} else if (json_is_array(doc)) {
		json_array_foreach(doc, i, el) {
			/* each element is a record of its own: rejects show it, not the array */
			buf_reset(&ctx->raw);
			if (ingest_json_dump_py(&ctx->raw, el, 0) != V_OK) {
				ingest_reject(ctx, NULL, _("event too large"));
				continue;
			}
			ctx->rec = ctx->raw.data;
			ctx->rec_len = ctx->raw.len;
			one_event(ctx, st, el, ctx->raw.data, ctx->raw.len);
			ctx->rec = save_rec;
			ctx->rec_len = save_len;
		}
	} else {
		rc = ingest_reject(ctx, NULL, _("not a JSON object"));
	}
	json_decref(doc);
	return rc;
}

static void acc_reset(struct ijson_state *st)
{
	buf_reset(&st->acc);
	st->depth = 0;
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
		st->depth = 0;
		st->start_line = ctx->line;
		if (scan_line(st, rec, len) != 0 || st->depth < 0) {
			st->depth = 0;
			return ingest_reject(ctx, NULL,
					     _("invalid JSON: unbalanced brackets or quotes"));
		}
		if (st->depth == 0) {
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
	if (st->depth > 0)
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
