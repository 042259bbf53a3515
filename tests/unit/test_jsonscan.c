/*
 * test_jsonscan.c — one JSON object's members in a single pass (jsonscan.c), sure only where
 * jansson agrees: for every case, when the scan says "sure", json_loadb(JSON_REJECT_DUPLICATES
 * | JSON_DECODE_ANY) must read the same text without error and find the same members (kind
 * and decoded string).  Hostile input: deep nesting, huge strings, every kind of escape,
 * broken UTF-8, control characters, numbers jansson may refuse, duplicate and escaped keys,
 * wrong types, trailing bytes; then 200,000 random mutations of a STIX object checked the same
 * way; the elements of an array; decoding.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "ingest/jsonscan.h"
#include "tap.h"

static const char *const keys[] = { "type", "id", "n", "list", "obj", "t", "f", "z" };
#define NKEYS (sizeof(keys) / sizeof(keys[0]))

static enum jsonscan_kind kind_of(const json_t *v)
{
	switch (json_typeof(v)) {
	case JSON_OBJECT: return JSONSCAN_OBJECT;
	case JSON_ARRAY: return JSONSCAN_ARRAY;
	case JSON_STRING: return JSONSCAN_STRING;
	case JSON_INTEGER: case JSON_REAL: return JSONSCAN_NUMBER;
	case JSON_TRUE: return JSONSCAN_TRUE;
	case JSON_FALSE: return JSONSCAN_FALSE;
	default: return JSONSCAN_NULL;
	}
}

/* The scan's verdict on text[0..n): 1 sure, 0 not sure; -1 when it is sure and jansson
 * disagrees (refuses the text, or finds other members). */
static int verdict(const char *text, size_t n, char *why, size_t whylen)
{
	struct jsonscan_member m[NKEYS];
	json_error_t je;
	json_t *j;
	int sure = jsonscan_object(text, n, keys, m, NKEYS), r = 1;

	why[0] = 0;
	if (!sure)
		return 0;
	if (!(j = json_loadb(text, n, JSON_REJECT_DUPLICATES | JSON_DECODE_ANY, &je))) {
		snprintf(why, whylen, "jansson refuses it: %s", je.text);
		return -1;
	}
	if (!json_is_object(j)) {
		snprintf(why, whylen, "not an object for jansson");
		r = -1;
	}
	for (size_t i = 0; r == 1 && i < NKEYS; i++) {
		const json_t *v = json_object_get(j, keys[i]);
		if (!v != (m[i].kind == JSONSCAN_ABSENT) || (v && kind_of(v) != m[i].kind)) {
			snprintf(why, whylen, "member %s: another kind", keys[i]);
			r = -1;
		} else if (v && json_is_string(v)) {
			char *dec = malloc(m[i].len + 1);
			size_t dn = dec ? jsonscan_unescape(m[i].val, m[i].len, dec) : 0;
			if (!dec || dn != json_string_length(v) ||
			    memcmp(dec, json_string_value(v), dn)) {
				snprintf(why, whylen, "member %s: another string", keys[i]);
				r = -1;
			}
			free(dec);
		}
	}
	json_decref(j);
	return r;
}

static void check(const char *text, int want, const char *name)
{
	char why[200];
	int v = verdict(text, strlen(text), why, sizeof(why));

	ok(v == want, "%s: %s%s%s", name, v == 1 ? "sure" : v == 0 ? "not sure" : "WRONG",
	   why[0] ? ": " : "", why);
}

static void cases(void)
{
	check("{}", 1, "empty object");
	check(" \t\r\n{\"type\" : \"indicator\" , \"id\":\"x\"}\n ", 1, "whitespace around");
	check("{\"type\":\"a\",\"n\":-0.5,\"t\":true,\"f\":false,\"z\":null,\"list\":[1,[],{}],"
	      "\"obj\":{\"a\":{\"b\":[\"c\"]}}}", 1, "every kind");
	check("{\"type\":1}", 1, "a wrong type: type is a number");
	check("{\"type\":[\"a\"],\"id\":{}}", 1, "wrong types: an array and an object");
	/* escapes */
	check("{\"type\":\"a\\\"b\\\\c\\/d\\b\\f\\n\\r\\t\"}", 1, "the simple escapes");
	check("{\"type\":\"\\u00e9\\u20ac\\u0041\"}", 1, "\\u escapes of one to three bytes");
	check("{\"type\":\"\\u0000\"}", 0, "\\u0000 (jansson refuses it)");
	check("{\"type\":\"\\ud83d\\ude00\"}", 0, "a surrogate pair: jansson decides");
	check("{\"type\":\"\\ud83d\"}", 0, "a lone surrogate");
	check("{\"type\":\"\\x41\"}", 0, "an unknown escape");
	check("{\"type\":\"\\u12\"}", 0, "a short \\u escape");
	check("{\"type\":\"\\u12G4\"}", 0, "a \\u escape that is not hex");
	check("{\"type\":\"a\\", 0, "an escape at the end");
	check("{\"ty\\u0070e\":\"a\"}", 0, "an escaped key");
	/* UTF-8 */
	check("{\"type\":\"\xc3\xa9\xe2\x82\xac\xf0\x9f\x98\x80\"}", 1, "UTF-8 of 2, 3, 4 bytes");
	check("{\"type\":\"\xc0\x80\"}", 0, "an overlong NUL");
	check("{\"type\":\"\xe0\x80\x80\"}", 0, "an overlong 3-byte form");
	check("{\"type\":\"\xed\xa0\x80\"}", 0, "an encoded surrogate");
	check("{\"type\":\"\xf4\x90\x80\x80\"}", 0, "above U+10FFFF");
	check("{\"type\":\"\xf5\x80\x80\x80\"}", 0, "an F5 lead byte");
	check("{\"type\":\"\xc3\"}", 0, "a truncated sequence");
	check("{\"type\":\"\x80\"}", 0, "a continuation byte alone");
	check("{\"type\":\"a\tb\"}", 0, "a raw tab in a string");
	check("{\"type\":\"a\x01\"}", 0, "a control character");
	/* numbers */
	check("{\"n\":0}", 1, "zero");
	check("{\"n\":-123456789012345678}", 1, "18 digits");
	check("{\"n\":1234567890123456789}", 0, "19 digits: jansson may find it too big");
	check("{\"n\":99999999999999999999999}", 0, "too big for jansson");
	check("{\"n\":1e400}", 0, "an exponent (this one overflows)");
	check("{\"n\":1.5E3}", 0, "an exponent");
	check("{\"n\":01}", 0, "a leading zero");
	check("{\"n\":1.}", 0, "a point without digits");
	check("{\"n\":-}", 0, "a minus alone");
	check("{\"n\":+1}", 0, "a plus");
	check("{\"n\":.5}", 0, "no integer part");
	check("{\"n\":1x}", 0, "a number running into a letter");
	/* literals and structure */
	check("{\"t\":truex}", 0, "truex");
	check("{\"t\":tru}", 0, "tru");
	check("{\"t\":nul}", 0, "nul");
	check("{\"a\":1,}", 0, "a trailing comma");
	check("{\"a\":1 \"b\":2}", 0, "a missing comma");
	check("{\"a\" 1}", 0, "a missing colon");
	check("{a:1}", 0, "an unquoted key");
	check("{\"a\":[1,]}", 0, "a trailing comma in an array");
	check("{\"a\":[1 2]}", 0, "a missing comma in an array");
	check("{\"a\":1}}", 0, "a closing bracket too many");
	check("{\"a\":1} x", 0, "bytes after the object");
	check("{\"a\":1", 0, "no closing bracket");
	check("{\"a\":\"b}", 0, "an unterminated string");
	check("[1]", 0, "an array at the top");
	check("\"s\"", 0, "a string at the top");
	check("", 0, "nothing");
	check("{\"a\":\"x\"\x00}", 0, "a NUL byte");
	/* duplicates */
	check("{\"type\":\"a\",\"type\":\"b\"}", 0, "a duplicate wanted key");
	check("{\"q\":1,\"q\":2}", 0, "a duplicate other key");
	check("{\"obj\":{\"a\":1,\"b\":{\"a\":2},\"a\":3}}", 0, "a duplicate nested key");
	check("{\"obj\":{\"a\":1},\"o2\":{\"a\":1}}", 1, "one key in two objects");
	check("{\"a\":{\"k\":1},\"k\":2}", 1, "a nested key again after its object closed");
}

static void deep(void)
{
	char *s = malloc(70000);
	size_t n = 0;

	/* 63 arrays inside the object: 64 levels, the limit */
	n = (size_t)snprintf(s, 70000, "{\"a\":");
	for (int i = 0; i < 63; i++)
		s[n++] = '[';
	for (int i = 0; i < 63; i++)
		s[n++] = ']';
	s[n++] = '}';
	s[n] = 0;
	check(s, 1, "64 levels");
	n = (size_t)snprintf(s, 70000, "{\"a\":");
	for (int i = 0; i < 64; i++)
		s[n++] = '[';
	for (int i = 0; i < 64; i++)
		s[n++] = ']';
	s[n++] = '}';
	s[n] = 0;
	check(s, 0, "65 levels: not sure");
	n = (size_t)snprintf(s, 70000, "{\"a\":");
	for (int i = 0; i < 30000; i++)
		s[n++] = '[';
	s[n] = 0;
	check(s, 0, "30,000 open brackets: not sure, no stack overflow");
	/* more keys open at once than JSONSCAN_KEYS */
	n = (size_t)snprintf(s, 70000, "{");
	for (int i = 0; i < JSONSCAN_KEYS + 1; i++)
		n += (size_t)snprintf(s + n, 70000 - n, "%s\"k%d\":%d", i ? "," : "", i, i);
	s[n++] = '}';
	s[n] = 0;
	check(s, 0, "more keys than the duplicate check holds: not sure");
	free(s);
}

static void huge(void)
{
	size_t big = 10u << 20;
	char *s = malloc(big + 64);
	struct jsonscan_member m[NKEYS];
	size_t n = (size_t)snprintf(s, 64, "{\"id\":\"");

	memset(s + n, 'x', big);
	n += big;
	s[n - 1] = '\\'; /* ends in an escaped quote, still inside the string */
	memcpy(s + n, "\"\"}", 4);
	n += 3;
	ok(jsonscan_object(s, n, keys, m, NKEYS) == 1 && m[1].kind == JSONSCAN_STRING &&
	   m[1].len == big + 1 && m[1].escaped, "a 10 MB string");
	ok(jsonscan_object(s, n - 2, keys, m, NKEYS) == 0, "a 10 MB string without its end");
	free(s);
}

/* 200,000 random mutations of a STIX object: the scan is never sure where jansson is not. */
static void mutations(void)
{
	static const char seed[] =
		"{\"type\": \"indicator\", \"spec_version\": \"2.1\", \"id\": "
		"\"indicator--9d679ffe-a4c6-473f-bf8d-0a5a62865080\", \"created\": "
		"\"2026-11-29T01:55:43.000Z\", \"n\": 12.5, \"list\": [\"a\\u00e9\", 1, null, "
		"{\"x\": [true, false]}], \"pattern\": \"[url:value = 'http://x/\\\\'a']\", "
		"\"obj\": {\"k\": \"\xc3\xa9\"}, \"t\": true}";
	static const char pool[] = "{}[]\",:\\u0123456789abcdefEe+-.tfn \t\n\x01\x80\xc3\xed\xff";
	char buf[sizeof(seed) + 16];
	unsigned long x = 88172645463325252ul;
	int wrong = 0, sure = 0;
	char why[200], first[240] = "";

	check(seed, 1, "the seed");
	for (int i = 0; i < 200000; i++) {
		size_t n = sizeof(seed) - 1;
		memcpy(buf, seed, n);
		for (int k = 0; k < 1 + i % 3; k++) {
			x ^= x << 13, x ^= x >> 7, x ^= x << 17;
			size_t at = (size_t)(x >> 8) % n;
			char c = pool[(x >> 40) % (sizeof(pool) - 1)];
			switch ((x >> 32) % 3) {
			case 0: buf[at] = c; break;                         /* replace */
			case 1:                                             /* delete */
				memmove(buf + at, buf + at + 1, n - at - 1);
				n--;
				break;
			default:                                            /* insert */
				if (n + 1 < sizeof(buf)) {
					memmove(buf + at + 1, buf + at, n - at);
					buf[at] = c;
					n++;
				}
			}
		}
		int v = verdict(buf, n, why, sizeof(why));
		sure += v == 1;
		if (v < 0 && !wrong++)
			snprintf(first, sizeof(first), "%.*s: %s", (int)(n < 150 ? n : 150), buf, why);
	}
	ok(!wrong, "200,000 mutations: %d sure, %d where jansson disagrees %s", sure, wrong, first);
	ok(sure > 10000, "the scan is sure of many of them (%d)", sure);
}

static void arrays(void)
{
	static const char t[] = "{\"list\": [ \"a\" , 2, {\"x\": [\"]\"]}, [\"b\\\"\"], \"c\\u00e9\","
				" true, null ] }";
	struct jsonscan_member m[NKEYS], el;
	const char *pos;
	char dec[32];
	int k = 0, kinds[8];
	const char *strs[3] = { 0 };
	size_t lens[3] = { 0 };
	int ns = 0;

	ok(jsonscan_object(t, strlen(t), keys, m, NKEYS) == 1 && m[3].kind == JSONSCAN_ARRAY,
	   "an array member");
	pos = m[3].val;
	while (k < 8 && jsonscan_array_next(&pos, m[3].val + m[3].len, &el)) {
		kinds[k++] = el.kind;
		if (el.kind == JSONSCAN_STRING && ns < 3) {
			strs[ns] = el.val;
			lens[ns++] = el.len;
		}
	}
	ok(k == 7 && kinds[0] == JSONSCAN_STRING && kinds[1] == JSONSCAN_NUMBER &&
	   kinds[2] == JSONSCAN_OBJECT && kinds[3] == JSONSCAN_ARRAY &&
	   kinds[4] == JSONSCAN_STRING && kinds[5] == JSONSCAN_TRUE && kinds[6] == JSONSCAN_NULL,
	   "seven elements of every kind, brackets in strings stepped over (%d)", k);
	ok(ns == 2 && lens[0] == 1 && !memcmp(strs[0], "a", 1), "the first string");
	ok(ns == 2 && jsonscan_unescape(strs[1], lens[1], dec) == 3 && !strcmp(dec, "c\xc3\xa9"),
	   "the second, decoded");
	pos = "[]";
	ok(jsonscan_array_next(&pos, pos + 2, &el) == 0, "an empty array");
}

int main(void)
{
	cases();
	deep();
	huge();
	mutations();
	arrays();
	return done_testing();
}
