/*
 * utf8.c — strict UTF-8 validation (RFC 3629): no overlongs, no surrogates, nothing past
 * U+10FFFF.  ASCII runs are skipped eight bytes at a time.
 */
#include <stdint.h>
#include <string.h>

#include "base/utf8.h"

int utf8_plain_ascii(const char *s, size_t n)
{
	const unsigned char *p = (const unsigned char *)s;
	size_t i = 0;

	/* a byte with its top bit set, or a zero byte (exact: the classic haszero test) */
	for (; i + 8 <= n; i += 8) {
		uint64_t w;
		memcpy(&w, p + i, 8);
		if ((w | ((w - 0x0101010101010101ULL) & ~w)) & 0x8080808080808080ULL)
			return 0;
	}
	if (i < n && n >= 8) {
		/* the last eight bytes, overlapping some already seen */
		uint64_t w;
		memcpy(&w, p + n - 8, 8);
		return !((w | ((w - 0x0101010101010101ULL) & ~w)) & 0x8080808080808080ULL);
	}
	for (; i < n; i++)
		if (p[i] == 0 || p[i] >= 0x80)
			return 0;
	return 1;
}

int utf8_valid(const char *s, size_t n, size_t *bad)
{
	const unsigned char *p = (const unsigned char *)s;
	size_t i = 0;

	while (i < n) {
		/* sixteen ASCII bytes at a time, then eight (bench/: the check runs over every
		 * record and again over every value) */
		while (i + 16 <= n) {
			uint64_t w1, w2;
			memcpy(&w1, p + i, 8);
			memcpy(&w2, p + i + 8, 8);
			if ((w1 | w2) & 0x8080808080808080ULL)
				break;
			i += 16;
		}
		if (i >= n)
			break;
		if (i + 8 <= n) {
			uint64_t w;
			memcpy(&w, p + i, 8);
			if (!(w & 0x8080808080808080ULL)) {
				i += 8;
				continue;
			}
		}
		unsigned char c = p[i];
		if (c < 0x80) {
			i++;
			continue;
		}
		size_t need;
		uint32_t cp, min;
		if (c >= 0xC2 && c <= 0xDF) {
			need = 1; cp = c & 0x1F; min = 0x80;
		} else if (c >= 0xE0 && c <= 0xEF) {
			need = 2; cp = c & 0x0F; min = 0x800;
		} else if (c >= 0xF0 && c <= 0xF4) {
			need = 3; cp = c & 0x07; min = 0x10000;
		} else {
			goto fail;
		}
		if (need >= n - i)
			goto fail;
		for (size_t k = 1; k <= need; k++) {
			if (i + k >= n || (p[i + k] & 0xC0) != 0x80)
				goto fail;
			cp = (cp << 6) | (p[i + k] & 0x3F);
		}
		if (cp < min || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF))
			goto fail;
		i += need + 1;
	}
	return 1;
fail:
	if (bad)
		*bad = i;
	return 0;
}
