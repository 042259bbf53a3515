/*
 * jsonscan.h — the top-level members of one JSON object found in a single pass over its text,
 * without building a jansson tree, and only when jansson would have read the text the same.
 *
 * A reader that needs a handful of an object's members (a STIX object's type, id and
 * timestamps to check it and index it) pays jansson a tree per object: a hash table, a copy
 * of every key and string, all freed at once.  jsonscan_object() walks the text once,
 * checking it as json_loadb(JSON_REJECT_DUPLICATES | JSON_DECODE_ANY) would (grammar,
 * well-formed UTF-8, escapes, no duplicate key in any object), and hands back where the
 * wanted members' values are.  It answers "sure" only for a subset of what jansson accepts:
 * anything it does not decide the same way for certain (a number jansson might find too big,
 * a \u escape of a surrogate or of NUL, an escaped key, nesting deeper than JSONSCAN_DEPTH,
 * more than JSONSCAN_KEYS keys open at once, a value that is not an object) makes it answer
 * "not sure", and the caller asks jansson, which gives the verdict and the reason.  So a
 * caller that falls back on jansson whenever the scan is not sure behaves exactly as one that
 * always used jansson.
 *
 * Nothing is allocated; the text is borrowed and need not be NUL-terminated.
 */
#ifndef VIGIA_INGEST_JSONSCAN_H
#define VIGIA_INGEST_JSONSCAN_H

#include <stddef.h>

#define JSONSCAN_DEPTH 64  /* objects and arrays nested deeper: not sure */
#define JSONSCAN_KEYS 256  /* keys of the objects open at once (for duplicates): more, not sure */

enum jsonscan_kind {
	JSONSCAN_ABSENT = 0,
	JSONSCAN_STRING,
	JSONSCAN_NUMBER,
	JSONSCAN_OBJECT,
	JSONSCAN_ARRAY,
	JSONSCAN_TRUE,
	JSONSCAN_FALSE,
	JSONSCAN_NULL,
};

/* A wanted member of the object, as found. */
struct jsonscan_member {
	enum jsonscan_kind kind; /* JSONSCAN_ABSENT: the object has no such key */
	const char *val;         /* borrowed, into the text: a string's characters between its
				  * quotes (still escaped), or the whole value's text */
	size_t len;
	int escaped;             /* a string with at least one backslash escape */
};

/*
 * Scan the JSON value text[0..n) (whitespace around it allowed).  keys[0..nkeys) are the
 * wanted top-level keys (plain, no escapes); OUT: out[i] is what the object holds under
 * keys[i] (all of out is written).  1: sure — the text is one JSON object jansson would read
 * without error and out[] is what it would find; 0: not sure (out[] is then meaningless).
 */
int jsonscan_object(const char *text, size_t n, const char *const *keys,
		    struct jsonscan_member *out, size_t nkeys);

/*
 * The elements of an array that jsonscan_object() was sure of, one by one: *pos starts at
 * the array member's val (its '['), and each call sets *el to the next element (its kind, its
 * text as jsonscan_member says) and returns 1, or 0 after the last.  Only for text the scan
 * accepted.
 */
int jsonscan_array_next(const char **pos, const char *end, struct jsonscan_member *el);

/*
 * A string member's characters (val[0..len) as jsonscan_object() or jsonscan_array_next()
 * found them: still escaped) decoded into out, which must hold len + 1 bytes; NUL-terminated.
 * Returns the decoded length.  Only for strings the scan accepted (no \u0000, no surrogate).
 */
size_t jsonscan_unescape(const char *val, size_t len, char *out);

#endif
