/*
 * jsonwalk.c — a large JSON document read one member or one element at a time through a
 * bounded window (jsonwalk.h): JSON's punctuation and where values end here, every value
 * parsed by jansson on its own.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/i18n.h"
#include "ingest/jsonrec.h"
#include "ingest/jsonwalk.h"

#define WINDOW (1u << 20)

static int is_ws(char c)
{
	return c == ' ' || c == '\t' || c == '\n' || c == '\r';
}

static long count_lines(const char *p, size_t n)
{
	long k = 0;
	const char *end = p + n;

	while ((p = memchr(p, '\n', (size_t)(end - p)))) {
		k++;
		p++;
	}
	return k;
}

int jsonwalk_fail(struct jsonwalk *w, const char *why)
{
	w->line = w->lines + 1 + count_lines(w->buf, w->pos < w->len ? w->pos : w->len);
	snprintf(w->why, sizeof(w->why), "%s", why);
	return -1;
}

/* Drop the bytes before keep (counting their lines), then read more after what is left,
 * growing the window up to max + WINDOW when it is full.  1: bytes were added; 0: at the end
 * of the input or the window is full; -1: a read error (why set). */
static int more(struct jsonwalk *w, size_t keep)
{
	ssize_t r;

	if (w->eof)
		return 0;
	if (keep > 0) {
		w->lines += count_lines(w->buf, keep);
		memmove(w->buf, w->buf + keep, w->len - keep);
		w->len -= keep;
		w->base += keep;
		w->pos -= keep;
	}
	if (w->len == w->cap) {
		size_t ncap = w->cap * 2;
		char *nb;
		if (w->cap >= w->max + WINDOW)
			return 0;
		if (ncap > w->max + WINDOW)
			ncap = w->max + WINDOW;
		if (!(nb = realloc(w->buf, ncap)))
			return 0;
		w->buf = nb;
		w->cap = ncap;
	}
	r = ingest_input_read(w->in, w->base + w->len, w->buf + w->len, w->cap - w->len);
	if (r < 0) {
		w->ioerr = 1;
		w->eof = 1;
		jsonwalk_fail(w, _("read error"));
		return -1;
	}
	if (r == 0) {
		w->eof = 1;
		return 0;
	}
	w->len += (size_t)r;
	return 1;
}

int jsonwalk_open(struct jsonwalk *w, const struct ingest_input *in, size_t off, size_t max,
		  size_t flags)
{
	memset(w, 0, sizeof(*w));
	w->in = in;
	w->max = max;
	w->flags = flags;
	w->base = off;
	w->cap = WINDOW;
	if (!(w->buf = malloc(w->cap))) {
		snprintf(w->why, sizeof(w->why), "%s", _("out of memory"));
		return -1;
	}
	return 0;
}

void jsonwalk_fini(struct jsonwalk *w)
{
	free(w->buf);
	w->buf = NULL;
}

size_t jsonwalk_offset(const struct jsonwalk *w)
{
	return w->base + w->pos;
}

int jsonwalk_peek(struct jsonwalk *w)
{
	for (;;) {
		while (w->pos < w->len && is_ws(w->buf[w->pos]))
			w->pos++;
		if (w->pos < w->len)
			return (unsigned char)w->buf[w->pos];
		if (more(w, w->pos) <= 0)
			return -1;
	}
}

int jsonwalk_enter(struct jsonwalk *w, int open)
{
	if (jsonwalk_peek(w) != open)
		return jsonwalk_fail(w, open == '{' ? _("'{' expected") : _("'[' expected"));
	w->pos++;
	return 0;
}

int jsonwalk_next(struct jsonwalk *w, int open, size_t *count, char *key, size_t keysz)
{
	int close = open == '{' ? '}' : ']';
	int c = jsonwalk_peek(w);

	if (c == close) {
		w->pos++;
		return 0;
	}
	if (c < 0)
		return w->ioerr ? -1 : jsonwalk_fail(w, _("premature end of input"));
	if (*count > 0) {
		if (c != ',')
			return jsonwalk_fail(w, _("',' or a closing bracket expected"));
		w->pos++;
		c = jsonwalk_peek(w);
	}
	if (c < 0)
		return w->ioerr ? -1 : jsonwalk_fail(w, _("premature end of input"));
	if (c == close || c == ',')
		return jsonwalk_fail(w, _("value expected"));
	if (open == '{') {
		json_t *k;
		const char *t;
		size_t off, n, kn;
		if (c != '"')
			return jsonwalk_fail(w, _("string or '}' expected"));
		if (jsonwalk_value(w, &k, &t, &off, &n) != 0)
			return -1;
		const char *ks = json_string_value(k);
		kn = json_string_length(k);
		if (!ks || kn >= keysz || memchr(ks, 0, kn)) {
			json_decref(k);
			return jsonwalk_fail(w, _("object key too long"));
		}
		memcpy(key, ks, kn + 1);
		json_decref(k);
		if (jsonwalk_peek(w) != ':')
			return w->ioerr ? -1 : jsonwalk_fail(w, _("':' expected"));
		w->pos++;
		if (jsonwalk_peek(w) < 0)
			return w->ioerr ? -1 : jsonwalk_fail(w, _("premature end of input"));
	}
	(*count)++;
	return 1;
}

/*
 * Where the value at w->pos ends, reading more input as needed: *n its length.  The value is
 * kept in the window, unless consume (jsonwalk_skip: the bytes are not wanted, only the
 * scan's state is kept).  0, or -1 (why set).
 */
static int span(struct jsonwalk *w, size_t *n, int consume)
{
	struct jsonrec_scan sc = { 0 };
	size_t p = w->pos, done = 0;
	char first = w->buf[w->pos];
	int scalar = first != '{' && first != '[' && first != '"';

	for (;;) {
		for (; p < w->len; p++) {
			char c = w->buf[p];
			if (scalar) { /* a number or a literal ends at a delimiter */
				if (is_ws(c) || c == ',' || c == ']' || c == '}' || c == ':') {
					*n = done + p - w->pos;
					return 0;
				}
				continue;
			}
			if (sc.in_str && !sc.esc && c != '"' && c != '\\') {
				/* inside a string only '"' and '\\' matter */
				while (p + 1 < w->len && w->buf[p + 1] != '"' &&
				       w->buf[p + 1] != '\\')
					p++;
				continue;
			}
			int closed = jsonrec_scan_byte(&sc, c);
			if ((closed && sc.depth == 0) || (first == '"' && !sc.in_str)) {
				*n = done + p + 1 - w->pos;
				return 0;
			}
		}
		if (consume) { /* what was scanned is not kept */
			done += p - w->pos;
			w->pos = p;
		} else if (p - w->pos > w->max) {
			return jsonwalk_fail(w, _("value too large"));
		}
		size_t off = p - w->pos;
		int r = more(w, w->pos);
		if (r < 0)
			return -1;
		if (r == 0) {
			if (scalar && w->eof) {
				*n = done + w->len - w->pos;
				return 0;
			}
			return jsonwalk_fail(w, w->eof ? _("premature end of input")
						       : _("value too large"));
		}
		p = w->pos + off;
	}
}

int jsonwalk_raw(struct jsonwalk *w, const char **text, size_t *off, size_t *n)
{
	if (jsonwalk_peek(w) < 0)
		return w->ioerr ? -1 : jsonwalk_fail(w, _("premature end of input"));
	if (span(w, n, 0) != 0)
		return -1;
	if (*n > w->max)
		return jsonwalk_fail(w, _("value too large"));
	*off = w->base + w->pos;
	*text = w->buf + w->pos;
	return 0;
}

int jsonwalk_load(struct jsonwalk *w, size_t n, json_t **out)
{
	json_error_t je;

	*out = json_loadb(w->buf + w->pos, n, w->flags | JSON_DECODE_ANY, &je);
	if (!*out) {
		w->line = w->lines + count_lines(w->buf, w->pos) + je.line;
		snprintf(w->why, sizeof(w->why), "%s", je.text);
		return -1;
	}
	w->pos += n;
	return 0;
}

void jsonwalk_pass(struct jsonwalk *w, size_t n)
{
	w->pos += n;
}

int jsonwalk_value(struct jsonwalk *w, json_t **out, const char **text, size_t *off, size_t *n)
{
	*out = NULL;
	if (jsonwalk_raw(w, text, off, n) != 0)
		return -1;
	return jsonwalk_load(w, *n, out);
}

int jsonwalk_skip(struct jsonwalk *w, size_t *off, size_t *n)
{
	if (jsonwalk_peek(w) < 0)
		return w->ioerr ? -1 : jsonwalk_fail(w, _("premature end of input"));
	*off = w->base + w->pos;
	if (span(w, n, 1) != 0)
		return -1;
	/* span() consumed what it scanned but the last window's part */
	w->pos = *off + *n - w->base;
	return 0;
}
