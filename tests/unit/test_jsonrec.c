/*
 * test_jsonrec.c — JSON records (jsonrec.c): bracket depth past strings and escapes; a value
 * gathered over lines (its text, its first line, blank lines, broken strings, the size cap
 * and what is skipped after it, an unclosed value at the end); parsing one object with its
 * reject reasons; elements of a document as records of their own.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ingest/jsonrec.h"
#include "tap.h"

static struct buf got; /* what the callbacks saw: "<line>:<text>|" each */

static int collect(struct ingest_ctx *ctx, const char *text, size_t len)
{
	ok(ctx->rec_len == len && !memcmp(ctx->rec, text, len), "the value is the current record");
	buf_printf(&got, "%ld:", ctx->line);
	buf_append(&got, text, len);
	buf_putc(&got, '|');
	return V_OK;
}

/* One line as the driver hands it over. */
static int line(struct ingest_ctx *ctx, struct jsonrec *jr, long n, const char *s)
{
	ctx->line = n;
	ctx->rec = s;
	ctx->rec_len = strlen(s);
	return jsonrec_line(jr, ctx, s, strlen(s), collect);
}

static int element(struct ingest_ctx *ctx, const json_t *el, void *arg)
{
	(void)el;
	buf_printf(&got, "%s:", (const char *)arg);
	buf_append(&got, ctx->rec, ctx->rec_len);
	ok(ctx->rec == ctx->raw.data, "the element's text is in ctx->raw");
	buf_putc(&got, '|');
	return V_OK;
}

static int null_sink(void *arg, const struct event *ev)
{
	(void)arg;
	(void)ev;
	return V_OK;
}

static int scan(const char *s, struct jsonrec_scan *sc)
{
	memset(sc, 0, sizeof(*sc));
	return jsonrec_scan_line(sc, s, strlen(s));
}

int main(void)
{
	struct jsonrec_scan sc;
	struct jsonrec jr;
	struct feed_def *fd;
	struct ingest_ctx ctx;
	struct ingest_options opt = { 0 };
	struct verr e = { 0 };
	json_error_t je;
	char *rej = NULL;
	size_t rlen = 0;
	FILE *rf = open_memstream(&rej, &rlen);
	json_t *j, *o;

	/* bracket depth */
	is_int(scan("{\"a\": [1, {\"b\": 2}]}", &sc), 0, "balanced");
	is_int(sc.depth, 0, "depth 0");
	scan("{\"a\": \"}]\\\"{[\", \"b\": [", &sc);
	is_int(sc.depth, 2, "brackets in strings and an escaped quote do not count");
	is_int(sc.in_str, 0, "string closed");
	scan("{\"a\": \"open", &sc);
	is_int(sc.in_str, 1, "string open at the end");
	is_int(scan("{\"a\": 1}}{", &sc), -1, "a bracket closing what was not open");
	is_int(sc.depth, 0, "depth after it");
	memset(&sc, 0, sizeof(sc));
	is_int(jsonrec_scan_byte(&sc, '{'), 0, "an opening bracket");
	is_int(jsonrec_scan_byte(&sc, '"'), 0, "a quote");
	is_int(jsonrec_scan_byte(&sc, '}'), 0, "a bracket in a string");
	is_int(jsonrec_scan_byte(&sc, '\\'), 0, "a backslash");
	is_int(jsonrec_scan_byte(&sc, '"'), 0, "an escaped quote");
	is_int(jsonrec_scan_byte(&sc, '"'), 0, "the closing quote");
	is_int(jsonrec_scan_byte(&sc, ']'), 1, "a closing bracket");
	is_int(sc.depth, 0, "depth back to 0");

	/* a parser context to reject into */
	j = json_loads("{\"parser\":\"n6\"}", 0, &je);
	feed_def_from_json(j, "test", "test", &fd, &e);
	json_decref(j);
	opt.rejects = rf;
	opt.max_line = 64;
	opt.observation_time = "2020-01-01T00:00:00+00:00";
	is_int(ingest_ctx_init(&ctx, fd, &opt, (struct ingest_sink){ null_sink, NULL }, &e), V_OK,
	       "context");
	buf_init(&got, 0);

	/* values over lines */
	jsonrec_init(&jr);
	line(&ctx, &jr, 1, "{\"a\": 1}");
	line(&ctx, &jr, 2, "");
	line(&ctx, &jr, 3, " \t");
	line(&ctx, &jr, 4, "{");
	line(&ctx, &jr, 5, "  \"s\": \"}\",");
	line(&ctx, &jr, 6, "  \"t\": [1]");
	line(&ctx, &jr, 7, "}");
	line(&ctx, &jr, 8, "{\"a\": \"open");
	line(&ctx, &jr, 9, "}");
	line(&ctx, &jr, 10, "x");
	is_str(buf_cstr(&got),
	       "1:{\"a\": 1}|4:{\n  \"s\": \"}\",\n  \"t\": [1]\n}\n|8:{\"a\": \"open|9:}|10:x|",
	       "one-line, multi-line (each line with its LF), broken string, stray bracket");
	is_int(ctx.stats.rejected, 0, "nothing rejected by the gathering");

	/* the size cap: rejected once, the rest of that value skipped */
	buf_reset(&got);
	line(&ctx, &jr, 20, "{");
	line(&ctx, &jr, 21, "\"a\": \"0123456789012345678901234567890123456789\",");
	is_int(line(&ctx, &jr, 22, "\"b\": \"0123456789012345678901234567890123456789\","),
	       V_ERR_LIMIT, "over the cap");
	line(&ctx, &jr, 23, "\"c\": {\"d\": 1}");
	line(&ctx, &jr, 24, "}");
	line(&ctx, &jr, 25, "{\"after\": 1}");
	is_str(buf_cstr(&got), "25:{\"after\": 1}|", "skipped to the end of the value");
	is_int(ctx.stats.rejected, 1, "one reject");
	fflush(rf);
	ok(rej && strstr(rej, "\"line\":20,") && strstr(rej, "JSON object longer than 64 bytes"),
	   "rejected at its first line, with the cap");

	/* the end of the input */
	is_int(jsonrec_finish(&jr, &ctx), V_OK, "nothing open: nothing to say");
	line(&ctx, &jr, 30, "{\"a\":");
	line(&ctx, &jr, 31, "1,");
	ok(jsonrec_finish(&jr, &ctx) != V_OK, "an open value is rejected");
	fflush(rf);
	ok(strstr(rej, "\"line\":30,") &&
	   strstr(rej, "JSON object not closed at the end of the input"), "with its first line");
	buf_reset(&got);
	line(&ctx, &jr, 1, "{\"next\": 1}");
	is_str(buf_cstr(&got), "1:{\"next\": 1}|", "ready for the next input");
	jsonrec_fini(&jr);

	/* one object */
	is_int(jsonrec_load_object(&ctx, "{\"a\": 1}", 8, 0, &o), V_OK, "an object");
	ok(json_is_object(o), "loaded");
	json_decref(o);
	ok(jsonrec_load_object(&ctx, "{\"a\": ", 6, 0, &o) != V_OK && !o, "broken JSON");
	ok(jsonrec_load_object(&ctx, "[1]", 3, 0, &o) != V_OK && !o, "an array");
	ok(jsonrec_load_object(&ctx, "5", 1, JSON_DECODE_ANY, &o) != V_OK && !o, "a number");
	fflush(rf);
	ok(strstr(rej, "invalid JSON: ") && strstr(rej, "not a JSON object"), "reasons");

	/* elements of a document */
	buf_reset(&got);
	j = json_loads("[{\"b\": 1, \"a\": \"\\u00e9\"}, 2]", 0, &je);
	ctx.rec = "the document";
	ctx.rec_len = 12;
	is_int(jsonrec_each(&ctx, j, PYJSON_IN_LIST | PYJSON_SORT_KEYS, element, "e"), V_OK,
	       "each element");
	is_str(buf_cstr(&got), "e:[{\"a\": \"\\u00e9\", \"b\": 1}]|e:[2]|",
	       "as json.dumps([element], sort_keys=True)");
	ok(ctx.rec_len == 12 && !strcmp(ctx.rec, "the document"), "the record is restored");
	buf_reset(&got);
	jsonrec_each(&ctx, json_array_get(j, 0), 0, element, "o");
	jsonrec_each(&ctx, json_null(), 0, element, "n");
	is_str(buf_cstr(&got), "o:{\"b\": 1, \"a\": \"\\u00e9\"}|", "an object alone; null: none");
	ok(jsonrec_each(&ctx, json_array_get(j, 1), 0, element, "x") != V_OK, "a number: reject");
	fflush(rf);
	ok(strstr(rej, "expected a JSON array of objects") != NULL, "reason");
	buf_fini(&ctx.raw);
	buf_init(&ctx.raw, 8);
	buf_reset(&got);
	ok(jsonrec_element(&ctx, json_array_get(j, 0), 0, element, "big") != V_OK,
	   "an element larger than ctx->raw is rejected");
	is_str(buf_cstr(&got), "", "and not handed on");
	json_decref(j);
	is_int(jsonrec_load_document(&ctx, "[1, 2]", 6, &o), V_OK, "a document");
	json_decref(o);
	ok(jsonrec_load_document(&ctx, "[1,\n", 4, &o) != V_OK && !o, "a broken document");
	fflush(rf);
	ok(strstr(rej, "(line 2, column ") != NULL, "rejected with line and column");

	ingest_ctx_fini(&ctx);
	feed_def_free(fd);
	fclose(rf);
	free(rej);
	buf_fini(&got);
	return done_testing();
}
