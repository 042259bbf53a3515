/*
 * pystr.c — Python's str white space, strip() and int() on UTF-8 text (see pystr.h).
 *
 * The non-ASCII white space of str.isspace() in UTF-8:
 *   U+0085 c2 85   U+00A0 c2 a0   U+1680 e1 9a 80   U+2000..U+200A e2 80 80..8a
 *   U+2028 e2 80 a8   U+2029 e2 80 a9   U+202F e2 80 af   U+205F e2 81 9f   U+3000 e3 80 80
 */
#include <limits.h>

#include "base/pystr.h"

static int is_digit(char c)
{
	return c >= '0' && c <= '9';
}

size_t pystr_space_len(const char *str, size_t n)
{
	const unsigned char *s = (const unsigned char *)str;

	if (!n)
		return 0;
	if (pystr_isspace_ascii(s[0]))
		return 1;
	if (n >= 2 && s[0] == 0xc2 && (s[1] == 0x85 || s[1] == 0xa0))
		return 2;
	if (n >= 3 && ((s[0] == 0xe1 && s[1] == 0x9a && s[2] == 0x80) ||
		       (s[0] == 0xe2 && s[1] == 0x80 &&
			(s[2] <= 0x8a || s[2] == 0xa8 || s[2] == 0xa9 || s[2] == 0xaf)) ||
		       (s[0] == 0xe2 && s[1] == 0x81 && s[2] == 0x9f) ||
		       (s[0] == 0xe3 && s[1] == 0x80 && s[2] == 0x80)))
		return 3;
	return 0;
}

void pystr_strip(const char **s, size_t *n)
{
	const char *p = *s;
	size_t len = *n, k;

	while ((k = pystr_space_len(p, len)) != 0) {
		p += k;
		len -= k;
	}
	/* from the end: a white-space character of 1, 2 or 3 bytes ends the text */
	for (;;) {
		size_t w = 0;
		for (k = 1; k <= 3 && k <= len && !w; k++)
			if (pystr_space_len(p + len - k, k) == k)
				w = k;
		if (!w)
			break;
		len -= w;
	}
	*s = p;
	*n = len;
}

void pystr_strip_ascii(const char **s, size_t *n)
{
	while (*n && pystr_isspace_ascii((unsigned char)**s)) {
		(*s)++;
		(*n)--;
	}
	while (*n && pystr_isspace_ascii((unsigned char)(*s)[*n - 1]))
		(*n)--;
}

int pystr_int(const char *s, size_t n, long long *out)
{
	unsigned long long x = 0;
	size_t i = 0;
	int neg = 0, nd = 0;

	pystr_strip_ascii(&s, &n);
	if (n && (s[0] == '+' || s[0] == '-')) {
		neg = s[0] == '-';
		i = 1;
	}
	for (; i < n; i++) {
		if (s[i] == '_' && nd && i + 1 < n && is_digit(s[i + 1]))
			continue;
		if (!is_digit(s[i]))
			return -1;
		unsigned d = (unsigned)(s[i] - '0');
		if (x > ((unsigned long long)LLONG_MAX + 1 - d) / 10)
			return -1; /* beyond 64 bits */
		x = x * 10 + d;
		nd++;
	}
	if (!nd || (!neg && x > (unsigned long long)LLONG_MAX))
		return -1;
	*out = neg ? (long long)(0 - x) : (long long)x;
	return 0;
}
