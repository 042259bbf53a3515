/*
 * jsonwalk.h — a large JSON document read one member or one element at a time, through a
 * window of bounded size.
 *
 * Sharing formats put everything in one document: a STIX bundle's "objects" array, a MISP
 * event's "Attribute" array.  Building the whole document as one jansson tree costs about
 * ten times the document's size in memory, and the tree is then read once, object after
 * object.  The walker keeps only a window of the input (a PARSE_STREAM input, ingest.h, read
 * where it is) and hands out one value at a time: it finds where the value ends by its
 * brackets and quotes (jsonrec_scan_byte), and jansson parses those bytes alone, checking
 * them as it would in a whole document; the value's bytes are its raw text (no json_dumps)
 * and its offset lets a later pass read it again.  Between values the walker reads only
 * JSON's punctuation (whitespace, ',', ':', the brackets).  A value not wanted is stepped
 * over by its brackets without being parsed.  jansson offers no streaming interface, and
 * the other JSON libraries Debian ships that do (yajl) parse no faster; this is the least on
 * top of jansson that gives one.
 *
 * Memory: the window grows to hold the largest value handed out (at most `max` bytes), never
 * with what is stepped over.  Ownership: the input is borrowed and must outlive the walker;
 * values handed out are the caller's (json_decref); jsonwalk_fini() frees the window.
 */
#ifndef VIGIA_INGEST_JSONWALK_H
#define VIGIA_INGEST_JSONWALK_H

#include <stddef.h>
#include <jansson.h>

#include "ingest/ingest.h"

struct jsonwalk {
	const struct ingest_input *in; /* borrowed */
	char *buf;         /* owned: the window, input bytes [base, base + len) */
	size_t cap, len;
	size_t base;
	size_t pos;        /* next byte to read, in the window */
	size_t max;        /* the largest value it hands out */
	long lines;        /* newlines before base */
	int eof;           /* the window reaches the end of the input */
	int ioerr;         /* a read failed */
	size_t flags;      /* jansson decoding flags for values (JSON_REJECT_DUPLICATES, ...) */
	long line;         /* the line of the last failure (1-based) */
	char why[160];     /* its reason */
};

/* Start at offset off of in; values up to max bytes.  0, or -1 on OOM (why set). */
int jsonwalk_open(struct jsonwalk *w, const struct ingest_input *in, size_t off, size_t max,
		  size_t flags);
void jsonwalk_fini(struct jsonwalk *w);

/* The input offset of the next byte. */
size_t jsonwalk_offset(const struct jsonwalk *w);

/* The next byte that is not JSON whitespace (not consumed), or -1 at the end. */
int jsonwalk_peek(struct jsonwalk *w);

/*
 * Containers.  jsonwalk_enter() consumes '{' or '[' (which: its argument) and returns 0, or -1
 * (line and why set).  Then jsonwalk_next() steps to the next member or element: 1 when there
 * is one (for an object, its key is copied into key[0..keysz) and the ':' consumed; a longer
 * key is an error), 0 after the closing bracket, -1 on broken text (line and why set).
 * *count is the caller's counter of what came before (start it at 0).
 */
int jsonwalk_enter(struct jsonwalk *w, int open);
int jsonwalk_next(struct jsonwalk *w, int open, size_t *count, char *key, size_t keysz);

/* Read the value at the current position: *out owned by the caller; its text, valid until the
 * walker moves on, is *text[0..*n), at input offset *off.  0, or -1 (line and why set:
 * jansson's reason). */
int jsonwalk_value(struct jsonwalk *w, json_t **out, const char **text, size_t *off, size_t *n);

/* The same in two steps, for a caller that may not need jansson: jsonwalk_raw() finds the
 * value at the current position (its text *text[0..*n) at input offset *off, valid until the
 * walker moves on) without consuming it; then either jsonwalk_load() parses those n bytes
 * (*out owned by the caller; -1 with jansson's reason, as jsonwalk_value) and moves past them,
 * or jsonwalk_pass() moves past them unparsed.  0, or -1 (line and why set). */
int jsonwalk_raw(struct jsonwalk *w, const char **text, size_t *off, size_t *n);
int jsonwalk_load(struct jsonwalk *w, size_t n, json_t **out);
void jsonwalk_pass(struct jsonwalk *w, size_t n);

/* Step over the value at the current position, by its brackets, without building it; it is
 * at input offset *off, *n bytes.  0, or -1 when it does not end (line and why set). */
int jsonwalk_skip(struct jsonwalk *w, size_t *off, size_t *n);

/* Fill why and line for a failure of the caller's at the current position; returns -1. */
int jsonwalk_fail(struct jsonwalk *w, const char *why);

#endif
