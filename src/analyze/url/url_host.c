/*
 * url_host.c — the host parser of the WHATWG URL Standard (url.spec.whatwg.org, "host
 * parsing"), which is what browsers do with the host of a link an analyst is shown.
 *
 * Followed step by step: percent-decode, domain to ASCII (UTS #46 through libidn2, with the
 * standard's ASCII fast path), forbidden domain code points, the "ends in a number" rule that
 * sends a host to the IPv4 parser (decimal, 0x hex, 0 octal, one to four parts), and the IPv6
 * parser and serializer.  Agreement with the web-platform-tests data is measured by
 * tests/unit/test_url_whatwg.c; each remaining difference is explained in docs/url-analysis.md.
 */
#include <ctype.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <idn2.h>

#include "analyze/url/url.h"
#include "base/i18n.h"
#include "base/utf8.h"

static int hexdig(int ch)
{
	if (ch >= '0' && ch <= '9')
		return ch - '0';
	if (ch >= 'a' && ch <= 'f')
		return ch - 'a' + 10;
	if (ch >= 'A' && ch <= 'F')
		return ch - 'A' + 10;
	return -1;
}

int url_ipv6_parse(const char *in, size_t len, uint16_t a[8])
{
	size_t p = 0;
	int piece = 0, compress = -1;

	memset(a, 0, 8 * sizeof a[0]);
#define C   (p < len ? (unsigned char)in[p] : 0)
#define END (p >= len)
	if (!END && C == ':') {
		if (p + 1 >= len || in[p + 1] != ':')
			return 0;
		p += 2;
		piece++;
		compress = piece;
	}
	while (!END) {
		if (piece == 8)
			return 0;
		if (C == ':') {
			if (compress >= 0)
				return 0;
			p++;
			piece++;
			compress = piece;
			continue;
		}
		unsigned value = 0, length = 0;
		while (length < 4 && !END && hexdig(C) >= 0) {
			value = value * 16 + (unsigned)hexdig(C);
			p++;
			length++;
		}
		if (!END && C == '.') {
			if (length == 0)
				return 0;
			p -= length;
			if (piece > 6)
				return 0;
			int seen = 0;
			while (!END) {
				int v4 = -1;
				if (seen > 0) {
					if (C == '.' && seen < 4)
						p++;
					else
						return 0;
				}
				if (END || !isdigit(C))
					return 0;
				while (!END && isdigit(C)) {
					int d = C - '0';
					if (v4 < 0)
						v4 = d;
					else if (v4 == 0)
						return 0;
					else
						v4 = v4 * 10 + d;
					if (v4 > 255)
						return 0;
					p++;
				}
				a[piece] = (uint16_t)(a[piece] * 0x100 + v4);
				seen++;
				if (seen == 2 || seen == 4)
					piece++;
			}
			if (seen != 4)
				return 0;
			break;
		} else if (!END && C == ':') {
			p++;
			if (END)
				return 0;
		} else if (!END) {
			return 0;
		}
		a[piece] = (uint16_t)value;
		piece++;
	}
#undef C
#undef END
	if (compress >= 0) {
		int swaps = piece - compress;
		piece = 7;
		while (piece != 0 && swaps > 0) {
			uint16_t t = a[piece];
			a[piece] = a[compress + swaps - 1];
			a[compress + swaps - 1] = t;
			piece--;
			swaps--;
		}
	} else if (piece != 8) {
		return 0;
	}
	return 1;
}

size_t url_ipv6_format(const uint16_t a[8], char *out)
{
	static const char hex[] = "0123456789abcdef";
	int best = -1, best_len = 1;
	size_t o = 0;

	for (int i = 0; i < 8;) {
		if (a[i] != 0) {
			i++;
			continue;
		}
		int j = i;
		while (j < 8 && a[j] == 0)
			j++;
		if (j - i > best_len) {
			best = i;
			best_len = j - i;
		}
		i = j;
	}
	for (int i = 0; i < 8; i++) {
		if (i == best) {
			out[o++] = ':';
			if (i == 0)
				out[o++] = ':';
			i += best_len - 1;
			continue;
		}
		int started = 0;
		for (int s = 12; s >= 0; s -= 4) {
			unsigned d = (a[i] >> s) & 15u;
			if (d || started || s == 0) {
				out[o++] = hex[d];
				started = 1;
			}
		}
		if (i < 7)
			out[o++] = ':';
	}
	out[o] = 0;
	return o;
}

/* The IPv4 number parser: 1 and *v (saturated at 2^40), or 0 on failure. */
static int v4_number(const char *s, size_t n, uint64_t *v)
{
	int r = 10;

	if (n == 0)
		return 0;
	if (n >= 2 && s[0] == '0' && (s[1] == 'x' || s[1] == 'X')) {
		s += 2;
		n -= 2;
		r = 16;
	} else if (n >= 2 && s[0] == '0') {
		s++;
		n--;
		r = 8;
	}
	*v = 0;
	for (size_t i = 0; i < n; i++) {
		int d = hexdig((unsigned char)s[i]);
		if (d < 0 || d >= r)
			return 0;
		*v = *v * (uint64_t)r + (uint64_t)d;
		if (*v > ((uint64_t)1 << 40))
			*v = (uint64_t)1 << 40;
	}
	return 1;
}

/* "Ends in a number": the last label (a trailing empty one aside) is all digits or parses as an
 * IPv4 number. */
static int ends_in_number(const char *s, size_t n)
{
	if (n > 0 && s[n - 1] == '.') {
		if (memchr(s, '.', n - 1) == NULL && n == 1)
			return 0;
		n--;
	}
	size_t b = n;
	while (b > 0 && s[b - 1] != '.')
		b--;
	if (b == n)
		return 0;
	int digits = 1;
	for (size_t i = b; i < n; i++)
		if (!isdigit((unsigned char)s[i]))
			digits = 0;
	uint64_t v;
	return digits || v4_number(s + b, n - b, &v);
}

/* The IPv4 parser: V_OK and the address, or V_ERR_PARSE. */
static int v4_parse(const char *s, size_t n, uint32_t *addr, const char **reason)
{
	uint64_t num[4];
	size_t parts = 0, b = 0;

	if (n > 0 && s[n - 1] == '.' && n > 1)
		n--;
	for (;;) {
		size_t e = b;
		while (e < n && s[e] != '.')
			e++;
		if (parts == 4) {
			*reason = N_("IPv4 address with more than four parts");
			return V_ERR_PARSE;
		}
		if (!v4_number(s + b, e - b, &num[parts])) {
			*reason = N_("IPv4 address part is not a number");
			return V_ERR_PARSE;
		}
		parts++;
		if (e >= n)
			break;
		b = e + 1;
	}
	for (size_t i = 0; i + 1 < parts; i++)
		if (num[i] > 255) {
			*reason = N_("IPv4 address part out of range");
			return V_ERR_PARSE;
		}
	uint64_t last = num[parts - 1];
	if (last >= ((uint64_t)1 << (8 * (5 - parts)))) {
		*reason = N_("IPv4 address out of range");
		return V_ERR_PARSE;
	}
	uint64_t v = last;
	for (size_t i = 0; i + 1 < parts; i++)
		v += num[i] << (8 * (3 - i));
	*addr = (uint32_t)v;
	return V_OK;
}

static int forbidden_host(unsigned char ch)
{
	return ch == 0 || ch == '\t' || ch == '\n' || ch == '\r' || ch == ' ' || ch == '#' ||
	       ch == '/' || ch == ':' || ch == '<' || ch == '>' || ch == '?' || ch == '@' ||
	       ch == '[' || ch == '\\' || ch == ']' || ch == '^' || ch == '|';
}

static int forbidden_domain(unsigned char ch)
{
	return forbidden_host(ch) || ch <= 0x1f || ch == '%' || ch == 0x7f;
}

/* Opaque host (non-special schemes): forbidden code points fail; C0 controls and non-ASCII
 * bytes are percent-encoded. */
static int opaque_host(const char *in, size_t len, struct buf *out, const char **reason)
{
	static const char hex[] = "0123456789ABCDEF";

	for (size_t i = 0; i < len; i++) {
		unsigned char ch = (unsigned char)in[i];
		if (ch != '%' && forbidden_host(ch)) {
			*reason = N_("forbidden character in the host");
			return V_ERR_PARSE;
		}
	}
	if (!utf8_valid(in, len, NULL)) {
		*reason = N_("host is not valid UTF-8");
		return V_ERR_PARSE;
	}
	for (size_t i = 0; i < len; i++) {
		unsigned char ch = (unsigned char)in[i];
		int rc;
		if (ch <= 0x1f || ch >= 0x7f) {
			char e[3] = {'%', hex[ch >> 4], hex[ch & 15]};
			rc = buf_append(out, e, 3);
		} else {
			rc = buf_putc(out, (char)ch);
		}
		if (rc != V_OK)
			return rc;
	}
	return V_OK;
}

/* The label separators UTS #46 maps to '.': U+002E, U+3002, U+FF0E, U+FF61. */
static size_t dot_len(const char *s, size_t n)
{
	if (n >= 1 && s[0] == '.')
		return 1;
	if (n >= 3 && (!memcmp(s, "\xe3\x80\x82", 3) || !memcmp(s, "\xef\xbc\x8e", 3) ||
	               !memcmp(s, "\xef\xbd\xa1", 3)))
		return 3;
	return 0;
}

static int to_ascii(const char *d, size_t n, char **out, size_t *outn, const char **reason)
{
	struct buf r;
	char *lab = malloc(n + 1);
	int rc = V_OK;

	*out = NULL;
	if (!lab)
		return V_ERR_NOMEM;
	buf_init(&r, 0);
	for (size_t i = 0; i <= n && rc == V_OK;) {
		size_t e = i, dl = 0;
		while (e < n && (dl = dot_len(d + e, n - e)) == 0)
			e++;
		size_t ln = e - i;
		int plain = 1;
		for (size_t k = i; k < e; k++)
			if ((unsigned char)d[k] >= 0x80)
				plain = 0;
		if (ln >= 4 && strncasecmp(d + i, "xn--", 4) == 0)
			plain = 0;
		if (plain) {
			for (size_t k = i; k < e && rc == V_OK; k++)
				rc = buf_putc(&r, (char)tolower((unsigned char)d[k]));
		} else {
			char *a = NULL;
			memcpy(lab, d + i, ln);
			lab[ln] = 0;
			if (idn2_to_ascii_8z(lab, &a, IDN2_NONTRANSITIONAL) != IDN2_OK || !a) {
				*reason = N_("international domain name is not valid (UTS #46)");
				rc = V_ERR_PARSE;
			} else {
				rc = buf_puts(&r, a);
			}
			idn2_free(a);
		}
		if (e >= n)
			break;
		if (rc == V_OK)
			rc = buf_putc(&r, '.');
		i = e + (dl ? dl : 1);
		if (i == n && rc == V_OK)
			break; /* a trailing dot: kept */
	}
	free(lab);
	if (rc != V_OK) {
		buf_fini(&r);
		return rc;
	}
	*outn = r.len;
	*out = r.data ? r.data : strdup("");
	return *out ? V_OK : V_ERR_NOMEM;
}

int url_whatwg_host(const char *in, size_t len, int not_special, struct buf *out,
                    const char **reason)
{
	char *dec = NULL, *ascii = NULL;
	int rc = V_ERR_PARSE;

	buf_reset(out);
	*reason = NULL;
	if (len > 0 && in[0] == '[') {
		uint16_t p[8];
		char t[48];
		if (in[len - 1] != ']' || len < 2 || !url_ipv6_parse(in + 1, len - 2, p)) {
			*reason = N_("invalid IPv6 address");
			return V_ERR_PARSE;
		}
		t[0] = '[';
		size_t n = url_ipv6_format(p, t + 1);
		t[n + 1] = ']';
		return buf_append(out, t, n + 2);
	}
	if (not_special)
		return opaque_host(in, len, out, reason);
	if (len == 0) {
		*reason = N_("empty host");
		return V_ERR_PARSE;
	}
	if (len > URL_MAX_INPUT) {
		*reason = N_("host too long");
		return V_ERR_LIMIT;
	}
	dec = malloc(len + 1);
	if (!dec)
		return V_ERR_NOMEM;
	size_t n = 0;
	for (size_t i = 0; i < len; i++) {
		if (in[i] == '%' && i + 2 < len && hexdig((unsigned char)in[i + 1]) >= 0 &&
		    hexdig((unsigned char)in[i + 2]) >= 0) {
			dec[n++] = (char)(hexdig((unsigned char)in[i + 1]) * 16 +
			                  hexdig((unsigned char)in[i + 2]));
			i += 2;
		} else {
			dec[n++] = in[i];
		}
	}
	dec[n] = 0;
	if (!utf8_valid(dec, n, NULL) || memchr(dec, 0, n)) {
		*reason = N_("host is not valid UTF-8");
		goto out;
	}
	/* domain to ASCII, label by label: an ASCII label without "xn--" is only lower-cased
	 * (CheckHyphens and VerifyDnsLength are off in the URL Standard, libidn2 always checks
	 * them); the others go through libidn2 (UTS #46 mapping, non-transitional) */
	size_t an = 0;
	if ((rc = to_ascii(dec, n, &ascii, &an, reason)) != V_OK)
		goto out;
	rc = V_ERR_PARSE;
	if (an == 0) {
		*reason = N_("empty host");
		goto out;
	}
	for (size_t i = 0; i < an; i++)
		if (forbidden_domain((unsigned char)ascii[i])) {
			*reason = N_("forbidden character in the host");
			goto out;
		}
	if (ends_in_number(ascii, an)) {
		uint32_t v;
		char t[16];
		if ((rc = v4_parse(ascii, an, &v, reason)) != V_OK)
			goto out;
		size_t k = 0;
		for (int i = 3; i >= 0; i--) {
			unsigned o = (v >> (8 * i)) & 0xffu;
			if (o >= 100)
				t[k++] = (char)('0' + o / 100);
			if (o >= 10)
				t[k++] = (char)('0' + o / 10 % 10);
			t[k++] = (char)('0' + o % 10);
			if (i)
				t[k++] = '.';
		}
		rc = buf_append(out, t, k);
		goto out;
	}
	rc = buf_append(out, ascii, an);
out:
	free(dec);
	free(ascii);
	return rc;
}
