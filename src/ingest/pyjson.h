/*
 * pyjson.h — JSON values as IntelMQ's Python sees them: json.dumps() text and truthiness.
 *
 * IntelMQ's JSON parsers put in raw the text Python's json.dumps() writes for an element of
 * the input, not the input's own bytes, so vigia must write the same text byte for byte:
 *   - ensure_ascii: every character outside ' '..'~' as \uxxxx in lower-case hex, a
 *     character above U+FFFF as a surrogate pair, and \" \\ \n \r \t \b \f as such;
 *   - separators ", " between items and ": " after a key;
 *   - integers as they are, floats as repr() (value_format_float: "1.0", "1e+16", "1e-07");
 *   - keys in the document's order (a key given twice stays at its first place with its last
 *     value, as in a Python dict, which jansson does too), or sorted by code point.
 */
#ifndef VIGIA_INGEST_PYJSON_H
#define VIGIA_INGEST_PYJSON_H

#include <jansson.h>

#include "base/buf.h"
#include "base/err.h"

/* Flags for pyjson_dump(). */
#define PYJSON_SORT_KEYS 0x1 /* json.dumps(v, sort_keys=True) */
#define PYJSON_IN_LIST   0x2 /* json.dumps([v]): v as the one element of a list */

/*
 * Append json.dumps(v) to out (IN/OUT; v is borrowed).  Returns V_OK, or the buf error
 * (V_ERR_LIMIT when out reaches its cap, V_ERR_NOMEM) with a partial text left in out.
 */
int pyjson_dump(struct buf *out, const json_t *v, unsigned flags);

/* Python's bool(v): false for null, false, "", 0, 0.0, [] and {}, and for v == NULL (a key
 * that is absent); true otherwise. */
int pyjson_truthy(const json_t *v);

#endif
