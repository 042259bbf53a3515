/*
 * test_jsonwalk.c — a JSON document one value at a time through a bounded window (jsonwalk.c):
 * members and elements with their text and offsets; values, strings with escapes and
 * multi-byte characters that straddle the 1 MiB window; an array larger than the window
 * stepped over in constant memory; the size cap; broken text with its line; the same value
 * read again by its offset.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "base/buf.h"
#include "ingest/jsonwalk.h"
#include "tap.h"

/* The text as a PARSE_STREAM input: a temporary file (closed by the caller's fclose). */
static FILE *input(const char *s, size_t n, struct ingest_input *in)
{
	FILE *f = tmpfile();

	if (f && fwrite(s, 1, n, f) == n && fflush(f) == 0) {
		in->fd = fileno(f);
		in->size = n;
	}
	return f;
}

static void small(void)
{
	static const char doc[] =
		" {\"a\": [1, \"two\", {\"x\": null}] ,\n \"b\" : -3.5e2,\"c\":true}";
	struct ingest_input in;
	FILE *f = input(doc, strlen(doc), &in);
	struct jsonwalk w;
	size_t count = 0, sub = 0, off, n;
	const char *text;
	char key[16];
	json_t *v;

	ok(jsonwalk_open(&w, &in, 0, 1000, 0) == 0 && jsonwalk_enter(&w, '{') == 0, "an object");
	ok(jsonwalk_next(&w, '{', &count, key, sizeof(key)) == 1 && !strcmp(key, "a"),
	   "key a");
	ok(jsonwalk_enter(&w, '[') == 0, "its array");
	ok(jsonwalk_next(&w, '[', &sub, NULL, 0) == 1 &&
	   jsonwalk_value(&w, &v, &text, &off, &n) == 0 && json_integer_value(v) == 1 && n == 1 &&
	   off == 8, "1 at offset 8");
	json_decref(v);
	ok(jsonwalk_next(&w, '[', &sub, NULL, 0) == 1 && jsonwalk_skip(&w, &off, &n) == 0 &&
	   n == 5 && !memcmp(doc + off, "\"two\"", 5), "a string stepped over");
	ok(jsonwalk_next(&w, '[', &sub, NULL, 0) == 1 &&
	   jsonwalk_value(&w, &v, &text, &off, &n) == 0 && json_is_null(json_object_get(v, "x")) &&
	   !memcmp(text, "{\"x\": null}", n), "an object, its text");
	json_decref(v);
	ok(jsonwalk_next(&w, '[', &sub, NULL, 0) == 0, "end of the array");
	ok(jsonwalk_next(&w, '{', &count, key, sizeof(key)) == 1 && !strcmp(key, "b") &&
	   jsonwalk_value(&w, &v, &text, &off, &n) == 0 && json_real_value(v) == -350.0 && n == 6,
	   "a number ends at its delimiter");
	json_decref(v);
	ok(jsonwalk_next(&w, '{', &count, key, sizeof(key)) == 1 &&
	   jsonwalk_value(&w, &v, &text, &off, &n) == 0 && json_is_true(v), "a literal");
	json_decref(v);
	ok(jsonwalk_next(&w, '{', &count, key, sizeof(key)) == 0 && jsonwalk_peek(&w) == -1,
	   "the end");
	jsonwalk_fini(&w);
	fclose(f);
}

static void broken(void)
{
	static const char *const docs[][2] = {
		{ "[1,,2]", "value expected" },
		{ "[1 2]", "',' or a closing bracket expected" },
		{ "{\"a\" 1}", "':' expected" },
		{ "[{\"a\":1},\n\n{\"b\":", "premature end of input" },
		{ "[\n\"abc", "premature end of input" },
		{ "[\n{\"a\":1,\"a\":2}]", "duplicate object key" },
		{ "[\n\n[1,]]", "unexpected token" },
	};
	static const long lines[] = { 1, 1, 1, 3, 2, 2, 3 };

	for (size_t i = 0; i < sizeof(docs) / sizeof(docs[0]); i++) {
		struct ingest_input in;
		FILE *f = input(docs[i][0], strlen(docs[i][0]), &in);
		struct jsonwalk w;
		size_t count = 0, off, n;
		const char *text;
		char key[16];
		json_t *v = NULL;
		int r = -1, open = docs[i][0][0];

		jsonwalk_open(&w, &in, 0, 1000, JSON_REJECT_DUPLICATES);
		if (jsonwalk_enter(&w, open) == 0)
			while ((r = jsonwalk_next(&w, open, &count, key, sizeof(key))) == 1) {
				if ((r = jsonwalk_value(&w, &v, &text, &off, &n)) != 0)
					break;
				json_decref(v);
			}
		ok(r == -1 && strstr(w.why, docs[i][1]) && w.line == lines[i], "%s: line %ld: %s",
		   docs[i][1], w.line, w.why);
		jsonwalk_fini(&w);
		fclose(f);
	}
}

/* Elements across the window: escapes, UTF-8, an array bigger than the window skipped. */
static void large(void)
{
	struct buf b;
	struct ingest_input in;
	struct jsonwalk w;
	size_t count = 0, off, n, skipped_at = 0, elems = 0, good = 0;
	const char *text;
	json_t *v;
	FILE *f;

	buf_init(&b, 0);
	buf_puts(&b, "{\"skip\": [");
	for (int i = 0; i < 40000; i++)
		buf_printf(&b, "%s{\"s\":\"]}\\\"[{ %d\"}", i ? "," : "", i);
	buf_puts(&b, "], \"list\": [");
	for (int i = 0; i < 40000; i++)
		buf_printf(&b, "%s{\"i\":%d,\"t\":\"a \\\\ \\\" é ✓ %d\"}", i ? ",\n" : "", i, i);
	buf_puts(&b, "]}");
	ok(b.len > 2 * (1u << 20), "a document of %zu bytes, twice the window", b.len);
	f = input(b.data, b.len, &in);
	ok(jsonwalk_open(&w, &in, 0, 4096, 0) == 0 && jsonwalk_enter(&w, '{') == 0, "open");
	char key[16];
	ok(jsonwalk_next(&w, '{', &count, key, sizeof(key)) == 1 &&
	   jsonwalk_skip(&w, &skipped_at, &n) == 0 && b.data[skipped_at] == '[' &&
	   b.data[skipped_at + n - 1] == ']', "an array of %zu bytes stepped over", n);
	ok(w.cap <= (1u << 20), "... in the window's memory (%zu bytes)", w.cap);
	ok(jsonwalk_next(&w, '{', &count, key, sizeof(key)) == 1 && !strcmp(key, "list") &&
	   jsonwalk_enter(&w, '[') == 0, "the list");
	size_t sub = 0;
	while (jsonwalk_next(&w, '[', &sub, NULL, 0) == 1 &&
	       jsonwalk_value(&w, &v, &text, &off, &n) == 0) {
		char want[64];
		snprintf(want, sizeof(want), "a \\ \" é ✓ %zu", elems);
		if (json_integer_value(json_object_get(v, "i")) == (json_int_t)elems &&
		    !strcmp(json_string_value(json_object_get(v, "t")), want) &&
		    !memcmp(b.data + off, text, n))
			good++;
		elems++;
		json_decref(v);
	}
	ok(elems == 40000 && good == elems, "every element read whole, with its text (%zu of %zu)",
	   good, elems);
	jsonwalk_fini(&w);

	/* the cap: a value larger than max + the window is refused */
	ok(jsonwalk_open(&w, &in, skipped_at, 10, 0) == 0, "open at an offset");
	ok(jsonwalk_value(&w, &v, &text, &off, &n) == -1 && strstr(w.why, "too large") && !v,
	   "a value over the cap: %s", w.why);
	json_decref(v);
	jsonwalk_fini(&w);
	fclose(f);
	buf_fini(&b);
}

int main(void)
{
	small();
	broken();
	large();
	return done_testing();
}
