/*
 * test_pyjson.c — the Python json.dumps() writer (pyjson.c): escapes (ensure_ascii, surrogate
 * pairs), float repr, separators, key order (document order, or sorted by code point), the
 * one-element list IntelMQ puts in raw, the buffer cap; and Python's truthiness of a value.
 * Every expected text was produced by CPython's json.dumps.
 */
#include <string.h>

#include "ingest/pyjson.h"
#include "tap.h"

static const struct {
	const char *name;
	const char *in;     /* JSON text, loaded with jansson */
	const char *plain;  /* json.dumps(v) */
	const char *sorted; /* json.dumps(v, sort_keys=True) */
	const char *list;   /* json.dumps([v]) */
} cases[] = {
	{ "escapes and nesting",
	  "{\"b\": 1, \"a\": [true, false, null], \"c\": {\"y\": 1.5, \"x\": \"\\u00e9\\u20"
	  "ac\\ud83d\\ude00\\\"\\\\/\\t\\n\\r\\b\\f\\u0001\\u001f\\u007f~ \"}}",
	  "{\"b\": 1, \"a\": [true, false, null], \"c\": {\"y\": 1.5, \"x\": \"\\u00e9\\u20"
	  "ac\\ud83d\\ude00\\\"\\\\/\\t\\n\\r\\b\\f\\u0001\\u001f\\u007f~ \"}}",
	  "{\"a\": [true, false, null], \"b\": 1, \"c\": {\"x\": \"\\u00e9\\u20ac\\ud83d\\u"
	  "de00\\\"\\\\/\\t\\n\\r\\b\\f\\u0001\\u001f\\u007f~ \", \"y\": 1.5}}",
	  "[{\"b\": 1, \"a\": [true, false, null], \"c\": {\"y\": 1.5, \"x\": \"\\u00e9\\u2"
	  "0ac\\ud83d\\ude00\\\"\\\\/\\t\\n\\r\\b\\f\\u0001\\u001f\\u007f~ \"}}]" },
	{ "float repr",
	  "[1.0, 1e16, 1e-7, 0.1, 100.0, -0.0, 1e100, 123456789.123, 5e-324, 1.797693134862"
	  "3157e308, 1e22, 12345678901234567890.0, 0.30000000000000004, 1e15, 123e-20, 2.5e"
	  "-5]",
	  "[1.0, 1e+16, 1e-07, 0.1, 100.0, -0.0, 1e+100, 123456789.123, 5e-324, 1.797693134"
	  "8623157e+308, 1e+22, 1.2345678901234567e+19, 0.30000000000000004, 10000000000000"
	  "00.0, 1.23e-18, 2.5e-05]",
	  "[1.0, 1e+16, 1e-07, 0.1, 100.0, -0.0, 1e+100, 123456789.123, 5e-324, 1.797693134"
	  "8623157e+308, 1e+22, 1.2345678901234567e+19, 0.30000000000000004, 10000000000000"
	  "00.0, 1.23e-18, 2.5e-05]",
	  "[[1.0, 1e+16, 1e-07, 0.1, 100.0, -0.0, 1e+100, 123456789.123, 5e-324, 1.79769313"
	  "48623157e+308, 1e+22, 1.2345678901234567e+19, 0.30000000000000004, 1000000000000"
	  "000.0, 1.23e-18, 2.5e-05]]" },
	{ "integers",
	  "[0, -1, 9223372036854775807, -9223372036854775808]",
	  "[0, -1, 9223372036854775807, -9223372036854775808]",
	  "[0, -1, 9223372036854775807, -9223372036854775808]",
	  "[[0, -1, 9223372036854775807, -9223372036854775808]]" },
	{ "empty containers",
	  "[{}, [], [[{}]], \"\"]",
	  "[{}, [], [[{}]], \"\"]",
	  "[{}, [], [[{}]], \"\"]",
	  "[[{}, [], [[{}]], \"\"]]" },
	{ "a repeated key",
	  "{\"a\": 1, \"b\": 2, \"a\": 3}",
	  "{\"a\": 3, \"b\": 2}",
	  "{\"a\": 3, \"b\": 2}",
	  "[{\"a\": 3, \"b\": 2}]" },
	{ "key order by code point",
	  "{\"b\": 1, \"B\": 2, \"\\u00e9\": 3, \"a\": 4, \"ab\": 5, \"\\ud83d\\ude00\": 6,"
	  " \"\\uffff\": 7, \"\": 8}",
	  "{\"b\": 1, \"B\": 2, \"\\u00e9\": 3, \"a\": 4, \"ab\": 5, \"\\ud83d\\ude00\": 6,"
	  " \"\\uffff\": 7, \"\": 8}",
	  "{\"\": 8, \"B\": 2, \"a\": 4, \"ab\": 5, \"b\": 1, \"\\u00e9\": 3, \"\\uffff\": "
	  "7, \"\\ud83d\\ude00\": 6}",
	  "[{\"b\": 1, \"B\": 2, \"\\u00e9\": 3, \"a\": 4, \"ab\": 5, \"\\ud83d\\ude00\": 6"
	  ", \"\\uffff\": 7, \"\": 8}]" },
	{ "BMP edge and surrogate pairs",
	  "[\"\\uffff\", \"\\ud800\\udc00\", \"\\udbff\\udfff\", \"\\u0080\\u00ff\\u0100\","
	  " \"\\u2028\"]",
	  "[\"\\uffff\", \"\\ud800\\udc00\", \"\\udbff\\udfff\", \"\\u0080\\u00ff\\u0100\","
	  " \"\\u2028\"]",
	  "[\"\\uffff\", \"\\ud800\\udc00\", \"\\udbff\\udfff\", \"\\u0080\\u00ff\\u0100\","
	  " \"\\u2028\"]",
	  "[[\"\\uffff\", \"\\ud800\\udc00\", \"\\udbff\\udfff\", \"\\u0080\\u00ff\\u0100\""
	  ", \"\\u2028\"]]" },
};

/* pyjson_dump(v, flags) of the JSON text in, as a C string (static). */
static const char *dump(const char *in, unsigned flags)
{
	static struct buf b;
	json_error_t je;
	json_t *v = json_loads(in, JSON_DECODE_ANY, &je);

	buf_fini(&b);
	buf_init(&b, 0);
	if (!v || pyjson_dump(&b, v, flags) != V_OK) {
		json_decref(v);
		return "(error)";
	}
	json_decref(v);
	return buf_cstr(&b);
}

static int truthy(const char *in)
{
	json_error_t je;
	json_t *v = json_loads(in, JSON_DECODE_ANY, &je);
	int t = pyjson_truthy(v);

	json_decref(v);
	return t;
}

int main(void)
{
	struct buf b;
	json_t *v;

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		is_str(dump(cases[i].in, 0), cases[i].plain, "%s", cases[i].name);
		is_str(dump(cases[i].in, PYJSON_SORT_KEYS), cases[i].sorted, "%s, sort_keys",
		       cases[i].name);
		is_str(dump(cases[i].in, PYJSON_IN_LIST), cases[i].list, "%s, in a list",
		       cases[i].name);
	}
	is_str(dump("{\"b\": {\"d\": 1, \"c\": 2}, \"a\": 0}", PYJSON_IN_LIST | PYJSON_SORT_KEYS),
	       "[{\"a\": 0, \"b\": {\"c\": 2, \"d\": 1}}]", "in a list, sorted at every level");
	is_str(dump("\"\"", 0), "\"\"", "empty string");
	is_str(dump("3", PYJSON_IN_LIST), "[3]", "a scalar in a list");

	/* a string with U+0000 (jansson keeps it with JSON_ALLOW_NUL) */
	v = json_stringn("a\0b", 3);
	buf_init(&b, 0);
	is_int(pyjson_dump(&b, v, 0), V_OK, "string with NUL");
	is_str(buf_cstr(&b), "\"a\\u0000b\"", "NUL as \\u0000");
	buf_fini(&b);

	/* the buffer's cap is an error, not a crash or a silent cut */
	buf_init(&b, 16);
	is_int(pyjson_dump(&b, v, 0), V_OK, "fits under the cap");
	buf_reset(&b);
	json_decref(v);
	v = json_string("a longer string than the cap");
	is_int(pyjson_dump(&b, v, PYJSON_IN_LIST), V_ERR_LIMIT, "over the cap: V_ERR_LIMIT");
	ok(b.len <= 16, "nothing written past the cap");
	json_decref(v);
	buf_fini(&b);

	/* bool(v) */
	ok(!pyjson_truthy(NULL), "absent is false");
	ok(!truthy("null"), "null is false");
	ok(!truthy("false"), "false is false");
	ok(truthy("true"), "true is true");
	ok(!truthy("\"\""), "\"\" is false");
	ok(truthy("\" \""), "\" \" is true");
	ok(!truthy("0"), "0 is false");
	ok(truthy("-1"), "-1 is true");
	ok(!truthy("0.0"), "0.0 is false");
	ok(!truthy("-0.0"), "-0.0 is false");
	ok(truthy("1e-300"), "1e-300 is true");
	ok(!truthy("[]"), "[] is false");
	ok(truthy("[0]"), "[0] is true");
	ok(!truthy("{}"), "{} is false");
	ok(truthy("{\"a\": null}"), "{\"a\": null} is true");

	dump("[]", 0); /* frees the static buffer's old text */
	return done_testing();
}
