/*
 * jsonrec.h — JSON records for parsers: where a JSON value read line by line ends, and one
 * element of a JSON document handed on as a record of its own.
 *
 * Streams of JSON objects (AnubisNetworks, n6) mostly hold one object a line, but a
 * pretty-printed object spreads over several lines; a parser in PARSE_LINES mode gathers the
 * lines until the object's brackets close, with a size cap because input is hostile.  (The
 * IntelMQ JSON and CTIP parsers follow the brackets with the same scanner under rules of
 * their own.)  JSON documents (a list of objects) are cut into their elements, and IntelMQ
 * puts in raw each element as json.dumps() writes it, so that element is the record a reject
 * must show.
 */
#ifndef VIGIA_INGEST_JSONREC_H
#define VIGIA_INGEST_JSONREC_H

#include <jansson.h>

#include "ingest/ingest.h"
#include "ingest/pyjson.h"

/* ---- bracket depth ------------------------------------------------------------------------ */

/* The bracket depth of JSON text followed byte by byte; strings and their escapes are
 * skipped.  Zero-initialise (or memset) to start. */
struct jsonrec_scan {
	int depth;  /* "{" and "[" opened minus "}" and "]" closed */
	int in_str; /* inside a string */
	int esc;    /* after a backslash inside a string */
};

/* Follow one byte.  Returns 1 when c is a "}" or "]" outside a string (depth went down),
 * else 0. */
int jsonrec_scan_byte(struct jsonrec_scan *sc, char c);

/* Follow the bytes s[0..n) of one line.  Returns -1 when the depth went below 0 anywhere in
 * the line (a bracket closed what was not open), else 0; sc->in_str says whether a string is
 * still open at the line's end (JSON strings hold no raw newline: the text is broken). */
int jsonrec_scan_line(struct jsonrec_scan *sc, const char *s, size_t n);

/* ---- a value over lines ------------------------------------------------------------------- */

/* A JSON value being gathered line by line (PARSE_LINES).  Caller storage: jsonrec_init()
 * then jsonrec_fini(). */
struct jsonrec {
	struct buf text;        /* owned: the value's lines so far, joined by "\n" */
	long start_line;        /* the line where it started */
	int nlines;             /* lines in text */
	int skipping;           /* it outgrew the cap: its remaining lines are skipped */
	struct jsonrec_scan sc; /* brackets at the end of text */
};

void jsonrec_init(struct jsonrec *jr);
void jsonrec_fini(struct jsonrec *jr);

/* What jsonrec_line() calls with a complete value: its text (borrowed, valid during the
 * call), which is also the current record (ctx->rec, ctx->rec_len, ctx->line). */
typedef int (*jsonrec_fn)(struct ingest_ctx *ctx, const char *text, size_t len);

/*
 * One line of input (borrowed).  Blank lines (C isspace) between values are skipped.  A value
 * ends with the first line after which no bracket is left open, or where a string is left
 * open (the broken text then goes to fn, whose JSON parser rejects it).  A complete
 * value goes to fn: a one-line value as the line itself, a longer one as its lines each
 * followed by "\n", made the current record with the line number of its first line; fn's
 * result is returned.  A value that grows past ctx->opt.max_line bytes is rejected
 * ("JSON object longer than N bytes", V_ERR_LIMIT is returned) and its remaining lines are
 * skipped.  Otherwise returns V_OK.
 */
int jsonrec_line(struct jsonrec *jr, struct ingest_ctx *ctx, const char *line, size_t len,
		 jsonrec_fn fn);

/* End of one input: a value still open is rejected ("JSON object not closed at the end of the
 * input") and jr is made ready for the next input.  Returns V_OK or the reject code. */
int jsonrec_finish(struct jsonrec *jr, struct ingest_ctx *ctx);

/*
 * Parse text as one JSON object with jansson's json_loadb(flags).  Returns V_OK and *out (OUT:
 * a new reference, caller decrefs), or rejects the current record, "invalid JSON: <reason>"
 * or "not a JSON object", and returns the reject code with *out = NULL.
 */
int jsonrec_load_object(struct ingest_ctx *ctx, const char *text, size_t len, size_t flags,
			json_t **out);

/* ---- elements of a document --------------------------------------------------------------- */

/*
 * Parse a whole document (PARSE_DOCUMENT) with json_loadb(): a JSON array or object.  Returns
 * V_OK and *out (OUT: a new reference, caller decrefs), or rejects the current record,
 * "invalid JSON: <reason> (line L, column C)", and returns the reject code with *out = NULL.
 */
int jsonrec_load_document(struct ingest_ctx *ctx, const char *text, size_t len, json_t **out);

/* What jsonrec_element() calls; el and arg are borrowed. */
typedef int (*jsonrec_element_fn)(struct ingest_ctx *ctx, const json_t *el, void *arg);

/*
 * Hand one element of a JSON document to fn as a record of its own: its text as IntelMQ
 * writes it back, pyjson_dump(el, flags) (PYJSON_IN_LIST for json.dumps([element])), goes
 * into ctx->raw and becomes the current record, so that the event's raw (ingest_emit with
 * NULL) and any reject show the element alone; the current record is restored afterwards.
 * An element whose text outgrows ctx->raw is rejected ("record too large") and fn is not
 * called.  Returns fn's result or the reject code.
 */
int jsonrec_element(struct ingest_ctx *ctx, const json_t *el, unsigned flags,
		    jsonrec_element_fn fn, void *arg);

/*
 * jsonrec_element() for each element of list (borrowed): a JSON array, or an object taken as
 * a list of itself; null is an empty list; anything else rejects the current record
 * ("expected a JSON array of objects").  The elements' results are not returned (each one
 * has been emitted or rejected); returns V_OK or that reject code.
 */
int jsonrec_each(struct ingest_ctx *ctx, const json_t *list, unsigned flags,
		 jsonrec_element_fn fn, void *arg);

#endif
