/*
 * csv.c — splitting one CSV record, with the rules of Python's csv module (the reader IntelMQ
 * uses): fields separated by a one-byte delimiter, optionally quoted; a doubled quote inside a
 * quoted field is one quote; text after a closing quote is kept (as Python does).
 *
 * Hand-written rather than libcsv: the split runs once per record on the hot path and needs
 * no allocation for the common unquoted case (fields point into the line); bench/ measures it.
 */
#include <string.h>

#include "ingest/ingest.h"

void csv_row_init(struct csv_row *r)
{
	r->n = 0;
	buf_init(&r->buf, 64u << 20);
}

void csv_row_fini(struct csv_row *r)
{
	buf_fini(&r->buf);
}

int csv_split(struct csv_row *r, const char *s, size_t n, char delim, char quote)
{
	size_t i = 0;
	int rc;

	r->n = 0;
	buf_reset(&r->buf);
	/* reserve enough that field pointers into buf stay valid (no realloc mid-row) */
	if ((rc = buf_reserve(&r->buf, n + 1)) != V_OK)
		return rc;
	for (;;) {
		if (r->n >= CSV_MAX_FIELDS)
			return V_ERR_LIMIT;
		if (i < n && s[i] == quote && quote) {
			/* quoted field: unquote into buf */
			size_t start = r->buf.len;
			i++;
			for (;;) {
				/* up to the next quote in one copy (bench/: byte by byte this was
				 * 5% of the Shadowserver benchmarks, whose fields are quoted) */
				const char *q = i < n ? memchr(s + i, quote, n - i) : NULL;
				if (!q)
					return V_ERR_PARSE;
				size_t k = (size_t)(q - (s + i));
				memcpy(r->buf.data + r->buf.len, s + i, k);
				r->buf.len += k;
				i += k;
				if (i + 1 < n && s[i + 1] == quote) {
					r->buf.data[r->buf.len++] = quote;
					i += 2;
					continue;
				}
				i++;
				break;
			}
			/* Python keeps characters between the closing quote and the delimiter */
			while (i < n && s[i] != delim)
				r->buf.data[r->buf.len++] = s[i++];
			r->f[r->n] = r->buf.data + start;
			r->len[r->n] = r->buf.len - start;
			r->n++;
		} else {
			const char *e = memchr(s + i, delim, n - i);
			size_t end = e ? (size_t)(e - s) : n;
			r->f[r->n] = s + i;
			r->len[r->n] = end - i;
			r->n++;
			i = end;
		}
		if (i >= n)
			break;
		i++; /* delimiter */
		if (i == n) {
			/* trailing delimiter: one more empty field */
			if (r->n >= CSV_MAX_FIELDS)
				return V_ERR_LIMIT;
			r->f[r->n] = s + n;
			r->len[r->n] = 0;
			r->n++;
			break;
		}
	}
	return V_OK;
}
