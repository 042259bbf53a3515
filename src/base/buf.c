/*
 * buf.c — growable byte buffers with a hard cap.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/buf.h"
#include "base/err.h"

#if defined(__SSE2__)
#include <emmintrin.h>
#endif

void buf_init(struct buf *b, size_t cap)
{
	b->data = NULL;
	b->len = 0;
	b->size = 0;
	b->cap = cap ? cap : BUF_DEFAULT_CAP;
}

void buf_fini(struct buf *b)
{
	free(b->data);
	b->data = NULL;
	b->len = b->size = 0;
}

int buf_reserve(struct buf *b, size_t extra)
{
	size_t cap = b->cap ? b->cap : BUF_DEFAULT_CAP;
	size_t need, nsize;
	char *p;

	if (extra > cap || b->len > cap - extra)
		return V_ERR_LIMIT;
	need = b->len + extra + 1;
	if (need <= b->size)
		return V_OK;
	nsize = b->size ? b->size : 256;
	while (nsize < need)
		nsize *= 2;
	if (nsize > cap + 1)
		nsize = cap + 1;
	p = realloc(b->data, nsize);
	if (!p)
		return V_ERR_NOMEM;
	b->data = p;
	b->size = nsize;
	return V_OK;
}

int buf_append(struct buf *b, const void *p, size_t n)
{
	int rc;

	if (n == 0) {
		if (!b->data && (rc = buf_reserve(b, 0)) != V_OK)
			return rc;
		b->data[b->len] = 0;
		return V_OK;
	}
	if (b->len + n + 1 > b->size && (rc = buf_reserve(b, n)) != V_OK)
		return rc;
	memcpy(b->data + b->len, p, n);
	b->len += n;
	b->data[b->len] = 0;
	return V_OK;
}

int buf_putc(struct buf *b, char c)
{
	int rc;

	if (b->len + 2 > b->size && (rc = buf_reserve(b, 1)) != V_OK)
		return rc;
	b->data[b->len++] = c;
	b->data[b->len] = 0;
	return V_OK;
}

int buf_puts(struct buf *b, const char *s)
{
	return buf_append(b, s, strlen(s));
}

int buf_vprintf(struct buf *b, const char *fmt, va_list ap)
{
	va_list ap2;
	int n, rc;

	va_copy(ap2, ap);
	n = vsnprintf(NULL, 0, fmt, ap2);
	va_end(ap2);
	if (n < 0)
		return V_ERR_INVALID;
	if ((rc = buf_reserve(b, (size_t)n)) != V_OK)
		return rc;
	vsnprintf(b->data + b->len, (size_t)n + 1, fmt, ap);
	b->len += (size_t)n;
	return V_OK;
}

int buf_printf(struct buf *b, const char *fmt, ...)
{
	va_list ap;
	int rc;

	va_start(ap, fmt);
	rc = buf_vprintf(b, fmt, ap);
	va_end(ap);
	return rc;
}

const char *buf_cstr(struct buf *b)
{
	return b->data ? b->data : "";
}

/* Length of the prefix of p[0..n) that JSON output takes as is: no control character, '"' or
 * '\\'.  Eight bytes at a time (bench/: byte by byte this scan was 10% of the URLhaus
 * benchmark); each test is exact: it is non-zero iff one of the eight bytes is below 0x20 or
 * equal to 0x22 or 0x5C. */
static int json_plain8(const unsigned char *p)
{
	uint64_t w, q, bs;

	memcpy(&w, p, 8);
	q = w ^ 0x2222222222222222ULL;
	bs = w ^ 0x5C5C5C5C5C5C5C5CULL;
	return !(((w - 0x2020202020202020ULL) | (q - 0x0101010101010101ULL) |
		  (bs - 0x0101010101010101ULL)) & ~w & 0x8080808080808080ULL);
}

#if defined(__SSE2__)
/* The same test on sixteen bytes with SSE2 (every x86-64 has it): a mask of the bytes that
 * need escaping.  Halves the scan again (bench/: 9% of the URLhaus benchmark with words). */
static unsigned json_special16(const unsigned char *p)
{
	const __m128i x = _mm_loadu_si128((const __m128i *)(const void *)p);
	const __m128i quote = _mm_cmpeq_epi8(x, _mm_set1_epi8('"'));
	const __m128i bslash = _mm_cmpeq_epi8(x, _mm_set1_epi8('\\'));
	const __m128i ctl = _mm_cmpeq_epi8(_mm_min_epu8(x, _mm_set1_epi8(0x1F)), x); /* x <= 0x1F */
	const __m128i m = _mm_or_si128(_mm_or_si128(quote, bslash), ctl);
	return (unsigned)_mm_movemask_epi8(m);
}
#endif

static size_t json_plain_prefix(const unsigned char *p, size_t n)
{
	size_t i = 0;

#if defined(__SSE2__)
	if (n >= 16) {
		unsigned m;
		for (; i + 16 <= n; i += 16)
			if ((m = json_special16(p + i)) != 0)
				return i + (size_t)__builtin_ctz(m);
		if (i == n)
			return n;
		/* the last sixteen bytes, overlapping those already seen (clean) */
		m = json_special16(p + n - 16);
		return m ? n - 16 + (size_t)__builtin_ctz(m) : n;
	}
#endif
	while (i + 8 <= n && json_plain8(p + i))
		i += 8;
	if (i + 8 > n && n >= 8 && json_plain8(p + n - 8))
		return n; /* the last eight bytes, overlapping those already seen */
	for (; i < n; i++)
		if (p[i] < 0x20 || p[i] == '"' || p[i] == '\\')
			break;
	return i;
}

/*
 * JSON string escaping is hand-written rather than done through jansson: building a json_t per
 * value costs an allocation each, and the writer sits on the hot path (bench/: >1M events/s).
 */
static int json_str(struct buf *b, const char *s, size_t n, const char hex[16])
{
	const unsigned char *p = (const unsigned char *)s;
	size_t i = 0;
	int rc;

	/* worst case 6 bytes per input byte, plus quotes */
	if (b->len + n + 3 > b->size && (rc = buf_reserve(b, n + 2)) != V_OK)
		return rc;
	if (json_plain_prefix(p, n) == n) {
		/* nothing to escape (the usual case): one copy into the room just reserved */
		char *d = b->data + b->len;
		d[0] = '"';
		memcpy(d + 1, s, n);
		d[n + 1] = '"';
		d[n + 2] = 0;
		b->len += n + 2;
		return V_OK;
	}
	b->data[b->len++] = '"';
	for (;;) {
		size_t k = json_plain_prefix(p + i, n - i);
		const char *esc = NULL;
		char u[7];

		if ((rc = buf_append(b, s + i, k)) != V_OK)
			return rc;
		i += k;
		if (i >= n)
			break;
		unsigned char c = p[i++];
		switch (c) {
		case '"': esc = "\\\""; break;
		case '\\': esc = "\\\\"; break;
		case '\n': esc = "\\n"; break;
		case '\r': esc = "\\r"; break;
		case '\t': esc = "\\t"; break;
		case '\b': esc = "\\b"; break;
		case '\f': esc = "\\f"; break;
		default:
			u[0] = '\\'; u[1] = 'u'; u[2] = '0'; u[3] = '0';
			u[4] = hex[c >> 4]; u[5] = hex[c & 15]; u[6] = 0;
			esc = u;
		}
		if ((rc = buf_puts(b, esc)) != V_OK)
			return rc;
	}
	return buf_putc(b, '"');
}

int buf_json_str(struct buf *b, const char *s, size_t n)
{
	return json_str(b, s, n, "0123456789abcdef");
}

int buf_json_str_upper(struct buf *b, const char *s, size_t n)
{
	return json_str(b, s, n, "0123456789ABCDEF");
}
