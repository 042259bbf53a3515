/*
 * value.c — sanitising and validating values by type, with IntelMQ's rules (its
 * harmonization module), so that IntelMQ data carries over unchanged:
 *
 *   String        stripped of surrounding whitespace; "" ignored
 *   Lower/Upper   case-folded (ASCII; other scripts kept)
 *   Boolean       true/false (any case), 1/0
 *   Integer       Python int(): optional sign, digits, surrounding whitespace, "_" groups
 *   Float         Python float(); printed as Python's repr (27.0, 1e-05)
 *   ASN           optional "AS" prefix, 1..4294967295
 *   DateTime      any feed timestamp -> YYYY-MM-DDTHH:MM:SS[.ffffff]+00:00 (timeparse.c)
 *   FQDN          dots stripped, IDNA (libidn2) to ASCII, lower case; no IP, ':', '/', '?', '#'
 *   IPAddress     IPv4/IPv6 (also a decimal integer), canonical text; not 0.0.0.0, no scope
 *   IPNetwork     host bits cleared ("10.1.2.3/8" -> "10.0.0.0/8")
 *   URL           hxxp -> http; must have a host (Python urlsplit netloc)
 *   TLP           TLP 2.0: CLEAR, GREEN, AMBER, AMBER+STRICT, RED (and WHITE, TLP 1.0)
 *   Registry      AFRINIC APNIC ARIN LACNIC RIPE (RIPE-NCC, RIPENCC -> RIPE)
 *   ClassificationType  RSIT names; old names mapped ("botnet drone" -> infected-system)
 *
 * A value IntelMQ would ignore ("", "-", "N/A") gives V_SKIP, not an error.
 */
#include <arpa/inet.h>
#include <ctype.h>
#include <errno.h>
#include <limits.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <idn2.h>

#include "base/i18n.h"
#include "base/timeparse.h"
#include "event/event.h"

static int is_ws(unsigned char c)
{
	return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\v' || c == '\f' ||
	       c == 0x1c || c == 0x1d || c == 0x1e || c == 0x1f;
}

static void trim(const char **s, size_t *n)
{
	/* no whitespace at either end (the usual value): nothing to do (bench/) */
	if (*n && (unsigned char)(*s)[0] > 0x20 && (unsigned char)(*s)[*n - 1] > 0x20)
		return;
	while (*n && is_ws((unsigned char)**s)) {
		(*s)++;
		(*n)--;
	}
	while (*n && is_ws((unsigned char)(*s)[*n - 1]))
		(*n)--;
}

/*
 * Most feed numbers are short decimals ("4.6190", "27.33"): find d = m / 10^k with m an
 * integer of at most 15 digits, exactly as strtod would round it (IEEE division is correctly
 * rounded, as glibc's strtod is), and write m as "%.*e" would, into tmp.  Such a decimal is
 * the only one of 15 digits or fewer that reads back as d (DBL_DIG), so it is the shortest
 * that round-trips: the answer of the loop below.  Returns 0 when there is none (the loop
 * decides then).  (bench/: snprintf and strtod for every width were 46% of the Shadowserver
 * scan_ntp benchmark; this fast path and the loop starting at 15 digits make it about 5%.)
 */
static int short_decimal(double d, char *tmp)
{
	static const double p10[] = { 1e0, 1e1, 1e2, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8, 1e9, 1e10,
				      1e11, 1e12, 1e13, 1e14, 1e15, 1e16, 1e17, 1e18, 1e19, 1e20,
				      1e21, 1e22 };
	double a = fabs(d);
	char digs[24];
	int k, nd = 0, o = 0;

	if (!isnormal(d))
		return 0;
	for (k = 0; k <= 22; k++) {
		double t = a * p10[k];
		if (t >= 1e15)
			return 0;
		double m = nearbyint(t);
		if (m >= 1 && m / p10[k] == a)
			break;
	}
	if (k > 22)
		return 0;
	unsigned long long m = (unsigned long long)nearbyint(a * p10[k]);
	while (m) {
		digs[nd++] = (char)('0' + m % 10);
		m /= 10;
	}
	int e = nd - 1 - k;
	if (d < 0)
		tmp[o++] = '-';
	tmp[o++] = digs[nd - 1];
	if (nd > 1) {
		tmp[o++] = '.';
		for (int i = nd - 2; i >= 0; i--)
			tmp[o++] = digs[i];
	}
	tmp[o++] = 'e';
	tmp[o++] = e < 0 ? '-' : '+';
	if (e < 0)
		e = -e;
	if (e >= 100)
		tmp[o++] = (char)('0' + e / 100);
	tmp[o++] = (char)('0' + e / 10 % 10);
	tmp[o++] = (char)('0' + e % 10);
	tmp[o] = 0;
	return 1;
}

size_t value_format_float(double d, char *out)
{
	char tmp[40], digs[24];
	int p, exp10, k = 0, decpt, o = 0;
	const char *q;

	if (d == 0) {
		memcpy(out, signbit(d) ? "-0.0" : "0.0", signbit(d) ? 5 : 4);
		return signbit(d) ? 4 : 3;
	}
	/* The shortest width that round-trips, as Python's repr.  A normal double starts at 15
	 * digits: when any width up to 15 round-trips, the 15-digit rounding does too and has
	 * the same digits followed by zeros (DBL_DIG: 15 digits survive decimal -> double ->
	 * decimal), which are stripped below.  Subnormals hold fewer digits and try every width.
	 * (bench/: trying every width from 1 was 46% of the Shadowserver scan_ntp benchmark.) */
	if (!short_decimal(d, tmp))
		for (p = isnormal(d) ? 15 : 1; p <= 17; p++) {
			snprintf(tmp, sizeof(tmp), "%.*e", p - 1, d);
			if (strtod(tmp, NULL) == d)
				break;
		}
	q = tmp;
	if (*q == '-') {
		out[o++] = '-';
		q++;
	}
	for (; *q && *q != 'e'; q++)
		if (isdigit((unsigned char)*q))
			digs[k++] = *q;
	exp10 = (int)strtol(q + 1, NULL, 10);
	while (k > 1 && digs[k - 1] == '0')
		k--;
	digs[k] = 0;
	decpt = exp10 + 1;
	if (decpt > -4 && decpt <= 16) {
		if (decpt <= 0) {
			out[o++] = '0';
			out[o++] = '.';
			for (int i = 0; i < -decpt; i++)
				out[o++] = '0';
			memcpy(out + o, digs, (size_t)k);
			o += k;
		} else if (decpt >= k) {
			memcpy(out + o, digs, (size_t)k);
			o += k;
			for (int i = k; i < decpt; i++)
				out[o++] = '0';
			out[o++] = '.';
			out[o++] = '0';
		} else {
			memcpy(out + o, digs, (size_t)decpt);
			o += decpt;
			out[o++] = '.';
			memcpy(out + o, digs + decpt, (size_t)(k - decpt));
			o += k - decpt;
		}
		out[o] = 0;
		return (size_t)o;
	}
	out[o++] = digs[0];
	if (k > 1) {
		out[o++] = '.';
		memcpy(out + o, digs + 1, (size_t)(k - 1));
		o += k - 1;
	}
	o += snprintf(out + o, 8, "e%c%02d", exp10 < 0 ? '-' : '+', abs(exp10));
	return (size_t)o;
}

/* "%lld" by hand: snprintf for one ASN was 2% of the URLhaus benchmark (bench/). */
size_t value_format_int(long long v, char *out)
{
	char tmp[24];
	unsigned long long x = v < 0 ? 0 - (unsigned long long)v : (unsigned long long)v;
	size_t k = 0, o = 0;

	do {
		tmp[k++] = (char)('0' + x % 10);
		x /= 10;
	} while (x);
	if (v < 0)
		out[o++] = '-';
	while (k)
		out[o++] = tmp[--k];
	out[o] = 0;
	return o;
}

/* Python int(str): [+-]digits with optional single "_" between digits. */
static int parse_pyint(const char *s, size_t n, long long *v)
{
	size_t i = 0;
	int neg = 0, nd = 0;
	unsigned long long x = 0;

	trim(&s, &n);
	if (n && (s[0] == '+' || s[0] == '-')) {
		neg = s[0] == '-';
		i = 1;
	}
	for (; i < n; i++) {
		if (s[i] == '_' && nd && i + 1 < n && isdigit((unsigned char)s[i + 1]))
			continue;
		if (!isdigit((unsigned char)s[i]))
			return -1;
		if (x > (ULLONG_MAX - 9) / 10 || x * 10 + (unsigned)(s[i] - '0') > (unsigned long long)LLONG_MAX + 1)
			return -1;
		x = x * 10 + (unsigned)(s[i] - '0');
		nd++;
	}
	if (!nd)
		return -1;
	if (!neg && x > (unsigned long long)LLONG_MAX)
		return -1;
	*v = neg ? (long long)(0 - x) : (long long)x;
	return 0;
}

/* Python float(str): strtod on the trimmed text, which must be consumed entirely. */
static int parse_pyfloat(const char *s, size_t n, double *v)
{
	char tmp[128];
	char *end;

	trim(&s, &n);
	if (!n || n >= sizeof(tmp))
		return -1;
	for (size_t i = 0; i < n; i++)
		if (!(isdigit((unsigned char)s[i]) || s[i] == '.' || s[i] == 'e' || s[i] == 'E' ||
		      s[i] == '+' || s[i] == '-' || s[i] == '_'))
			return -1; /* refuse hex floats, "nan", "inf": not valid JSON numbers */
	size_t k = 0;
	for (size_t i = 0; i < n; i++)
		if (s[i] != '_')
			tmp[k++] = s[i];
	tmp[k] = 0;
	errno = 0;
	*v = strtod(tmp, &end);
	if (*end || end == tmp || !isfinite(*v))
		return -1;
	return 0;
}

/* IPv6 text per RFC 5952 (as Python's ipaddress prints it: no dotted-quad tail). */
static size_t format_ipv6(const unsigned char a[16], char *out)
{
	uint16_t g[8];
	int best = -1, bestlen = 0, cur = -1, curlen = 0, o = 0;

	for (int i = 0; i < 8; i++)
		g[i] = (uint16_t)(a[2 * i] << 8 | a[2 * i + 1]);
	for (int i = 0; i < 8; i++) {
		if (g[i] == 0) {
			if (cur < 0) {
				cur = i;
				curlen = 1;
			} else {
				curlen++;
			}
			if (curlen > bestlen) {
				best = cur;
				bestlen = curlen;
			}
		} else {
			cur = -1;
			curlen = 0;
		}
	}
	if (bestlen < 2)
		best = -1;
	for (int i = 0; i < 8; i++) {
		if (i == best) {
			out[o++] = ':';
			if (i == 0)
				out[o++] = ':';
			i += bestlen - 1;
			continue;
		}
		o += snprintf(out + o, 6, "%x", g[i]);
		if (i < 7)
			out[o++] = ':';
	}
	out[o] = 0;
	return (size_t)o;
}

/* Parse an address (no prefix). Returns AF_INET/AF_INET6, or 0. */
static int parse_ip(const char *s, size_t n, unsigned char addr[16])
{
	char tmp[64];

	if (n == 0 || n >= sizeof(tmp))
		return 0;
	memcpy(tmp, s, n);
	tmp[n] = 0;
	if (inet_pton(AF_INET, tmp, addr) == 1)
		return AF_INET;
	if (inet_pton(AF_INET6, tmp, addr) == 1)
		return AF_INET6;
	return 0;
}

static size_t format_ip(int af, const unsigned char *addr, char *out)
{
	if (af == AF_INET)
		return (size_t)snprintf(out, 16, "%u.%u.%u.%u", addr[0], addr[1], addr[2], addr[3]);
	return format_ipv6(addr, out);
}

/* Prefix length from "24" or a dotted netmask "255.255.255.0" (IPv4 only). -1 if bad. */
static int parse_prefix(int af, const char *s, size_t n)
{
	long long v;
	unsigned char m[16];

	if (n && isdigit((unsigned char)s[0]) && parse_pyint(s, n, &v) == 0 && s[0] != '+') {
		for (size_t i = 0; i < n; i++)
			if (!isdigit((unsigned char)s[i]))
				return -1;
		if (v < 0 || v > (af == AF_INET ? 32 : 128))
			return -1;
		return (int)v;
	}
	if (af == AF_INET && parse_ip(s, n, m) == AF_INET) {
		uint32_t x = (uint32_t)m[0] << 24 | (uint32_t)m[1] << 16 | (uint32_t)m[2] << 8 | m[3];
		int len = 0;
		while (len < 32 && (x & (0x80000000u >> len)))
			len++;
		if (len < 32 && (x << len) != 0)
			return -1; /* not contiguous (Python also accepts host masks; rare) */
		return len;
	}
	return -1;
}

/*
 * A dotted quad exactly as inet_pton(AF_INET) accepts it (four decimal parts of 0..255, no
 * leading zeros), parsed and printed without copies and printf: the common case of every
 * IP field (bench/: inet_pton and snprintf were 3% of the URLhaus benchmark).  Returns the
 * text length in out, or 0 when s is anything else (the general path decides then).
 */
static size_t ipv4_fast(const char *s, size_t n, unsigned char a[4], char out[16])
{
	size_t i = 0, o = 0;

	for (int part = 0; part < 4; part++) {
		unsigned v = 0, nd = 0;
		if (part) {
			if (i >= n || s[i] != '.')
				return 0;
			out[o++] = s[i++];
		}
		while (i < n && s[i] >= '0' && s[i] <= '9') {
			if (nd && v == 0)
				return 0; /* leading zero */
			v = v * 10 + (unsigned)(s[i] - '0');
			if (v > 255)
				return 0;
			out[o++] = s[i++];
			nd++;
		}
		if (!nd)
			return 0;
		a[part] = (unsigned char)v;
	}
	return i == n ? o : 0;
}

static int sanitize_ip(const char *s, size_t n, struct buf *out, struct verr *err)
{
	unsigned char a[16];
	char txt[64];
	long long iv;
	int af;
	const char *slash;
	size_t tl;

	if ((tl = ipv4_fast(s, n, a, txt)) != 0) {
		if (!a[0] && !a[1] && !a[2] && !a[3])
			return verr_set(err, V_ERR_INVALID, NULL,
					_("0.0.0.0 is not a usable address"));
		return buf_append(out, txt, tl);
	}

	/* an integer given as text: Python's ip_address(int) */
	if (n && isdigit((unsigned char)s[0]) && parse_pyint(s, n, &iv) == 0 && iv >= 0) {
		int alldig = 1;
		for (size_t i = 0; i < n; i++)
			alldig &= isdigit((unsigned char)s[i]) != 0;
		if (alldig) {
			if (iv <= 0xFFFFFFFFLL) {
				a[0] = (unsigned char)(iv >> 24);
				a[1] = (unsigned char)(iv >> 16);
				a[2] = (unsigned char)(iv >> 8);
				a[3] = (unsigned char)iv;
				af = AF_INET;
			} else {
				memset(a, 0, 16);
				for (int i = 0; i < 8; i++)
					a[15 - i] = (unsigned char)((unsigned long long)iv >> (8 * i));
				af = AF_INET6;
			}
			goto emit;
		}
	}
	/* drop an IPv6 scope id */
	for (size_t i = 0; i < n; i++)
		if (s[i] == '%') {
			n = i;
			break;
		}
	slash = memchr(s, '/', n);
	if (slash) {
		size_t an = (size_t)(slash - s);
		af = parse_ip(s, an, a);
		if (!af)
			return verr_set(err, V_ERR_INVALID, NULL, _("not an IP address"));
		int pl = parse_prefix(af, slash + 1, n - an - 1);
		if (pl != (af == AF_INET ? 32 : 128))
			return verr_set(err, V_ERR_INVALID, NULL, _("a network, not a single IP address"));
	} else {
		af = parse_ip(s, n, a);
		if (!af)
			return verr_set(err, V_ERR_INVALID, NULL, _("not an IP address"));
	}
emit:
	if (af == AF_INET && !a[0] && !a[1] && !a[2] && !a[3])
		return verr_set(err, V_ERR_INVALID, NULL, _("0.0.0.0 is not a usable address"));
	return buf_append(out, txt, format_ip(af, a, txt));
}

static int sanitize_network(const char *s, size_t n, struct buf *out, struct verr *err)
{
	unsigned char a[16];
	char txt[64];
	const char *slash = memchr(s, '/', n);
	size_t an = slash ? (size_t)(slash - s) : n;
	int af = parse_ip(s, an, a), pl;

	if (!af)
		return verr_set(err, V_ERR_INVALID, NULL, _("not an IP network"));
	pl = slash ? parse_prefix(af, slash + 1, n - an - 1) : (af == AF_INET ? 32 : 128);
	if (pl < 0)
		return verr_set(err, V_ERR_INVALID, NULL, _("bad prefix length"));
	int bytes = af == AF_INET ? 4 : 16;
	for (int i = 0; i < bytes; i++) {
		int bits = pl - 8 * i;
		if (bits >= 8)
			continue;
		a[i] &= bits <= 0 ? 0 : (unsigned char)(0xFF << (8 - bits));
	}
	size_t l = format_ip(af, a, txt);
	l += (size_t)snprintf(txt + l, sizeof(txt) - l, "/%d", pl);
	return buf_append(out, txt, l);
}

/*
 * The usual name (ASCII, valid, not all digits) in one pass that checks, lower-cases and copies;
 * returns 0, having appended nothing, for anything else: the general path below decides then,
 * with its reasons in their order.  (bench/: four passes were 2% of the URLhaus benchmark, 7%
 * once the rest was fast.)
 */
static int fqdn_fast(const char *s, size_t n, struct buf *out)
{
	/* byte classes: 1 not in a name here (non-ASCII, control, ':' '/' '?' '#' '\\'),
	 * 2 a dot, 4 a digit */
#define C16(x) x, x, x, x, x, x, x, x, x, x, x, x, x, x, x, x
	static const unsigned char cls[256] = {
		C16(1), C16(1),                                 /* controls */
		0, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 2, 1, /* ' ' .. '/': '#' '.' '/' */
		4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 1, 0, 0, 0, 0, 1, /* '0' .. '?': ':' '?' */
		C16(0),                                         /* '@' .. 'O' */
		0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1, 0, 0, 0, /* 'P' .. '_': '\\' */
		C16(0), C16(0),                                 /* '`' .. 0x7f */
		C16(1), C16(1), C16(1), C16(1), C16(1), C16(1), C16(1), C16(1) /* non-ASCII */
	};
#undef C16
	size_t lab = 0;
	int alldig = 1;
	char *d;

	if (n >= 1024 || buf_reserve(out, n) != V_OK)
		return 0;
	d = out->data + out->len;
	for (size_t i = 0; i < n; i++) {
		unsigned char c = (unsigned char)s[i], k = cls[c];
		if (k == 2) {
			if (lab == 0 || lab > 63)
				return 0;
			lab = 0;
		} else {
			if (k == 1)
				return 0;
			alldig &= k == 4;
			lab++;
		}
		/* only an upper-case letter changes (C11 7.4.2.1; in ASCII only A-Z are upper
		 * case in any locale): tolower() per byte was a third of this loop (bench/) */
		d[i] = (char)(c >= 'A' && c <= 'Z' ? tolower(c) : c);
	}
	if (lab == 0 || lab > 63 || alldig)
		return 0;
	out->len += n;
	out->data[out->len] = 0;
	return 1;
}

static int sanitize_fqdn(const char *s, size_t n, struct buf *out, struct verr *err)
{
	char tmp[1024];
	char *ascii = NULL;
	size_t start = out->len;
	int rc, nonascii = 0;

	while (n && s[0] == '.') {
		s++;
		n--;
	}
	while (n && s[n - 1] == '.')
		n--;
	if (!n)
		return V_SKIP;
	if (fqdn_fast(s, n, out))
		return V_OK;
	if (n >= sizeof(tmp))
		return verr_set(err, V_ERR_INVALID, NULL, _("domain name too long"));
	for (size_t i = 0; i < n; i++)
		nonascii |= (unsigned char)s[i] >= 0x80;
	if (nonascii) {
		memcpy(tmp, s, n);
		tmp[n] = 0;
		if (idn2_to_ascii_8z(tmp, &ascii, IDN2_NONTRANSITIONAL | IDN2_NFC_INPUT) != IDN2_OK &&
		    idn2_to_ascii_8z(tmp, &ascii, IDN2_TRANSITIONAL | IDN2_NFC_INPUT) != IDN2_OK)
			return verr_set(err, V_ERR_INVALID, NULL, _("not a valid internationalised domain name"));
		s = ascii;
		n = strlen(ascii);
	}
	/* labels: not empty, at most 63 octets (Python's idna codec refuses both) */
	size_t lab = 0;
	for (size_t i = 0; i <= n; i++) {
		if (i == n || s[i] == '.') {
			if (lab == 0 || lab > 63) {
				free(ascii);
				return verr_set(err, V_ERR_INVALID, NULL, _("empty or over-long label in domain name"));
			}
			lab = 0;
		} else {
			char c = s[i];
			if (c == ':' || c == '/' || c == '?' || c == '#' || c == '\\' || (unsigned char)c < 0x20) {
				free(ascii);
				return verr_set(err, V_ERR_INVALID, NULL, _("character '%c' not allowed in a domain name"),
						(unsigned char)c < 0x20 ? '?' : c);
			}
			lab++;
		}
	}
	if ((rc = buf_append(out, s, n)) != V_OK) {
		free(ascii);
		return rc;
	}
	free(ascii);
	for (size_t i = start; i < out->len; i++)
		out->data[i] = (char)tolower((unsigned char)out->data[i]);
	/* an IP address is not a domain name (':' is refused above, so only a name of digits
	 * and dots can be one: the others skip inet_pton) */
	unsigned char a[16];
	size_t nd = start;
	while (nd < out->len &&
	       ((out->data[nd] >= '0' && out->data[nd] <= '9') || out->data[nd] == '.'))
		nd++;
	if (nd == out->len && parse_ip(out->data + start, out->len - start, a)) {
		out->len = start;
		return verr_set(err, V_ERR_INVALID, NULL, _("an IP address, not a domain name"));
	}
	return V_OK;
}

/* Python's urlsplit() netloc: present iff "//" follows the (optional) scheme. */
int value_url_netloc(const char *s, size_t n, const char **host, size_t *hlen);
int value_url_netloc(const char *s, size_t n, const char **host, size_t *hlen)
{
	size_t i = 0, p;

	if (n && isalpha((unsigned char)s[0])) {
		size_t c = 0;
		while (c < n && (isalnum((unsigned char)s[c]) || s[c] == '+' || s[c] == '-' || s[c] == '.'))
			c++;
		if (c < n && s[c] == ':')
			i = c + 1;
	}
	if (i + 2 > n || s[i] != '/' || s[i + 1] != '/')
		return 0;
	p = i + 2;
	size_t e = p;
	while (e < n && s[e] != '/' && s[e] != '?' && s[e] != '#')
		e++;
	*host = s + p;
	*hlen = e - p;
	return e > p;
}

static int sanitize_url(const char *s, size_t n, struct buf *out, struct verr *err)
{
	size_t start = out->len;
	const char *h;
	size_t hl;
	int rc;

	/* hxxp:// and hxxps:// defanged URLs, anywhere as Python's str.replace does; a URL
	 * without "hxxp" is copied at once (bench/: byte by byte it was 3% of URLhaus) */
	size_t i = n;
	for (const char *h4 = s; (h4 = memchr(h4, 'h', (size_t)(s + n - h4))) != NULL; h4++)
		if (s + n - h4 >= 4 && !memcmp(h4, "hxxp", 4)) {
			i = 0;
			break;
		}
	if (i == n && (rc = buf_append(out, s, n)) != V_OK)
		return rc;
	while (i < n) {
		if (i + 7 <= n && !memcmp(s + i, "hxxp://", 7)) {
			rc = buf_append(out, "http://", 7);
			i += 7;
		} else if (i + 8 <= n && !memcmp(s + i, "hxxps://", 8)) {
			rc = buf_append(out, "https://", 8);
			i += 8;
		} else {
			rc = buf_putc(out, s[i]);
			i++;
		}
		if (rc != V_OK)
			return rc;
	}
	if (out->len - start > 5 && !strncasecmp(out->data + start, "file:", 5) &&
	    !value_url_netloc(out->data + start, out->len - start, &h, &hl)) {
		/* file:/path -> file://localhost/path */
		size_t rest = out->len - start - 5;
		const char *r = out->data + start + 5;
		char *copy = malloc(rest + 1);
		if (!copy)
			return V_ERR_NOMEM;
		memcpy(copy, r, rest);
		if (rest >= 2 && copy[0] == '/' && copy[1] == '/') {
			memmove(copy, copy + 2, rest - 2);
			rest -= 2;
		}
		out->len = start;
		buf_append(out, "file://localhost", 16);
		rc = buf_append(out, copy, rest);
		free(copy);
		if (rc != V_OK)
			return rc;
	}
	if (!value_url_netloc(out->data + start, out->len - start, &h, &hl)) {
		out->len = start;
		return verr_set(err, V_ERR_INVALID, NULL, _("URL has no host"));
	}
	return V_OK;
}

static int list_entry_is(const char *e, const char *s, size_t n)
{
	/* the first byte before strlen: most entries differ there */
	return n && e[0] == s[0] && strlen(e) == n && !memcmp(e, s, n);
}

static int in_list(const char *s, size_t n, const char *const *list)
{
	/* Each list's last match is tried first, as feeds repeat their values: the lists are
	 * walked for every event's classification and transport (bench/: in_list was 6% of the
	 * Shadowserver scan_dns benchmark, "udp" being near the end of 140 transports). */
	static _Thread_local struct {
		const char *const *list;
		size_t i;
	} last[4];
	size_t h = ((uintptr_t)list >> 4) & 3;

	if (last[h].list == list && list_entry_is(list[last[h].i], s, n))
		return 1;
	for (size_t i = 0; list[i]; i++)
		if (list_entry_is(list[i], s, n)) {
			last[h].list = list;
			last[h].i = i;
			return 1;
		}
	return 0;
}

/* "c2-server" is the RSIT and IntelMQ 3 name (IntelMQ 3.3's feodotracker parser emits it);
 * "c2server" is IntelMQ 2's and stays accepted. */
/* classification.type: IntelMQ 3's names, which are RSIT's (plus IntelMQ's extensions). */
static const char *const class_types[] = {
	"application-compromise", "blacklist", "brute-force", "burglary", "c2-server", "copyright",
	"data-leak", "data-loss", "ddos", "ddos-amplifier", "dga-domain", "dos", "exploit",
	"harmful-speech", "ids-alert", "infected-system", "information-disclosure", "malware",
	"malware-configuration", "malware-distribution", "masquerade", "misconfiguration", "other",
	"outage", "phishing", "potentially-unwanted-accessible", "privileged-account-compromise",
	"proxy", "sabotage", "scanner", "sniffing", "social-engineering", "spam", "system-compromise",
	"test", "tor", "unauthorised-information-access", "unauthorised-information-modification",
	"unauthorised-use-of-resources", "unauthorized-use-of-resources", "undetermined",
	"unprivileged-account-compromise", "violence", "vulnerable-system", "weak-crypto", NULL
};

/* Old names (IntelMQ 1.x/2.x, eCSIRT) and their RSIT successors, as IntelMQ 3 renamed them. */
static const char *const class_type_renames[][2] = {
	{ "backdoor", "system-compromise" },
	{ "botnet drone", "infected-system" },
	{ "c&c", "c2-server" },
	{ "c2server", "c2-server" },
	{ "compromised", "system-compromise" },
	{ "defacement", "unauthorised-information-modification" },
	{ "dga domain", "dga-domain" },
	{ "dropzone", "other" },
	{ "ids alert", "ids-alert" },
	{ "infected system", "infected-system" },
	{ "leak", "data-leak" },
	{ "malware configuration", "malware-configuration" },
	{ "ransomware", "infected-system" },
	{ "unauthorized-command", "system-compromise" },
	{ "unauthorized-login", "system-compromise" },
	{ "unknown", "undetermined" },
	{ "vulnerable client", "vulnerable-system" },
	{ "vulnerable service", "vulnerable-system" },
	{ "vulnerable-client", "vulnerable-system" },
	{ "vulnerable-service", "vulnerable-system" },
	{ NULL, NULL }
};

static const char *const taxonomies[] = {
	"abusive-content", "availability", "fraud", "information-content-security",
	"information-gathering", "intrusion-attempts", "intrusions", "malicious-code", "other",
	"test", "vulnerable", NULL
};

static void fold(struct buf *out, size_t start, int upper)
{
	for (size_t i = start; i < out->len; i++)
		out->data[i] = (char)(upper ? toupper((unsigned char)out->data[i])
					    : tolower((unsigned char)out->data[i]));
}

int value_sanitize(enum ftype t, const char *s, size_t n, struct buf *out, enum vkind *kind,
		   struct verr *err)
{
	size_t start = out->len;
	char num[48];
	long long iv;
	double dv;
	struct vtime tv;
	int rc;

	*kind = VK_STR;
	if (t != FT_BASE64)
		trim(&s, &n);
	if (n == 0 || (n == 1 && s[0] == '-') || (n == 3 && !memcmp(s, "N/A", 3)))
		return V_SKIP;

	switch (t) {
	case FT_STRING:
	case FT_JSON:
	case FT_BASE64:
		return buf_append(out, s, n);
	case FT_LOWER:
		if ((rc = buf_append(out, s, n)) != V_OK)
			return rc;
		fold(out, start, 0);
		return V_OK;
	case FT_UPPER:
		if ((rc = buf_append(out, s, n)) != V_OK)
			return rc;
		fold(out, start, 1);
		return V_OK;
	case FT_BOOL:
		*kind = VK_BOOL;
		if ((n == 4 && !strncasecmp(s, "true", 4)) || (n == 1 && s[0] == '1'))
			return buf_append(out, "true", 4);
		if ((n == 5 && !strncasecmp(s, "false", 5)) || (n == 1 && s[0] == '0'))
			return buf_append(out, "false", 5);
		return verr_set(err, V_ERR_INVALID, NULL, _("not a boolean (true/false)"));
	case FT_INT:
		*kind = VK_INT;
		if (parse_pyint(s, n, &iv) != 0)
			return verr_set(err, V_ERR_INVALID, NULL, _("not an integer"));
		return buf_append(out, num, value_format_int(iv, num));
	case FT_ASN:
		*kind = VK_INT;
		if (n > 2 && (s[0] == 'A' || s[0] == 'a') && (s[1] == 'S' || s[1] == 's')) {
			s += 2;
			n -= 2;
		}
		if (parse_pyint(s, n, &iv) != 0 || iv < 1 || iv > 4294967295LL)
			return verr_set(err, V_ERR_INVALID, NULL, _("not an AS number (1 to 4294967295)"));
		return buf_append(out, num, value_format_int(iv, num));
	case FT_FLOAT:
	case FT_ACCURACY:
		*kind = VK_FLOAT;
		if (parse_pyfloat(s, n, &dv) != 0)
			return verr_set(err, V_ERR_INVALID, NULL, _("not a number"));
		if (t == FT_ACCURACY && (dv < 0 || dv > 100))
			return verr_set(err, V_ERR_INVALID, NULL, _("accuracy must be between 0 and 100"));
		return buf_append(out, num, value_format_float(dv, num));
	case FT_DATETIME:
		if (time_is_canonical(s, n))
			return buf_append(out, s, n); /* as parsed and formatted again (bench/) */
		if (time_parse(s, n, &tv) != 0)
			return verr_set(err, V_ERR_INVALID, NULL, _("not a date and time"));
		return buf_append(out, num, time_format(&tv, num));
	case FT_FQDN:
		return sanitize_fqdn(s, n, out, err);
	case FT_IP:
		return sanitize_ip(s, n, out, err);
	case FT_NETWORK:
		return sanitize_network(s, n, out, err);
	case FT_URL:
		return sanitize_url(s, n, out, err);
	case FT_CLASS_TYPE: {
		if ((rc = buf_append(out, s, n)) != V_OK)
			return rc;
		fold(out, start, 0);
		const char *v = out->data + start;
		size_t l = out->len - start;
		for (int i = 0; class_type_renames[i][0]; i++)
			if (class_type_renames[i][0][0] == v[0] &&
			    strlen(class_type_renames[i][0]) == l &&
			    !memcmp(v, class_type_renames[i][0], l)) {
				out->len = start;
				return buf_puts(out, class_type_renames[i][1]);
			}
		if (!in_list(v, l, class_types)) {
			out->len = start;
			return verr_set(err, V_ERR_INVALID, NULL,
					_("not a classification type of the RSIT taxonomy"));
		}
		return V_OK;
	}
	case FT_CLASS_TAXONOMY:
		if ((rc = buf_append(out, s, n)) != V_OK)
			return rc;
		fold(out, start, 0);
		/* IntelMQ 2's names ("malicious code") map to RSIT's ("malicious-code"), as
		 * IntelMQ 3's sanitiser does (CZ.NIC PROKI still sends them) */
		if (!in_list(out->data + start, out->len - start, taxonomies)) {
			for (size_t i = start; i < out->len; i++)
				if (out->data[i] == ' ')
					out->data[i] = '-';
		}
		if (!in_list(out->data + start, out->len - start, taxonomies)) {
			out->len = start;
			return verr_set(err, V_ERR_INVALID, NULL, _("not an RSIT taxonomy class"));
		}
		return V_OK;
	case FT_REGISTRY: {
		static const char *const rirs[] = { "AFRINIC", "APNIC", "ARIN", "LACNIC", "RIPE", NULL };
		if ((rc = buf_append(out, s, n)) != V_OK)
			return rc;
		fold(out, start, 1);
		const char *v = out->data + start;
		size_t l = out->len - start;
		if ((l == 7 && !memcmp(v, "RIPENCC", 7)) || (l == 8 && !memcmp(v, "RIPE-NCC", 8))) {
			out->len = start;
			return buf_puts(out, "RIPE");
		}
		if (!in_list(v, l, rirs)) {
			out->len = start;
			return verr_set(err, V_ERR_INVALID, NULL, _("not a regional Internet registry"));
		}
		return V_OK;
	}
	case FT_TLP: {
		static const char *const tlps[] = { "CLEAR", "WHITE", "GREEN", "AMBER", "AMBER+STRICT",
						    "RED", NULL };
		if (n >= 3 && !strncasecmp(s, "TLP", 3)) {
			s += 3;
			n -= 3;
			if (n && s[0] == ':') {
				s++;
				n--;
			}
			trim(&s, &n);
		}
		if ((rc = buf_append(out, s, n)) != V_OK)
			return rc;
		fold(out, start, 1);
		if (!in_list(out->data + start, out->len - start, tlps)) {
			out->len = start;
			return verr_set(err, V_ERR_INVALID, NULL,
					_("not a TLP level (CLEAR, GREEN, AMBER, AMBER+STRICT, RED)"));
		}
		return V_OK;
	}
	case FT_JSONDICT:
		return verr_set(err, V_ERR_INVALID, NULL, _("extra must be a JSON object"));
	}
	return verr_set(err, V_ERR_INVALID, NULL, _("unknown type"));
}

static const char *const transports[] = {
	"3pc", "a/n", "ah", "argus", "aris", "ax.25", "bbn-rcc", "bna", "br-sat-mon", "cbt", "cftp",
	"chaos", "compaq-peer", "cphb", "cpnx", "crdup", "crtp", "dcn", "ddp", "ddx", "dgp", "divert",
	"egp", "eigrp", "emcon", "encap", "esp", "etherip", "fc", "fire", "ggp", "gmtp", "gre", "hmp",
	"i-nlsp", "iatp", "icmp", "idpr", "idpr-cmtp", "idrp", "ifmp", "igmp", "igp", "il", "ip",
	"ipcomp", "ipcv", "ipencap", "ipip", "iplt", "ippc", "ipv6", "ipv6-frag", "ipv6-icmp",
	"ipv6-nonxt", "ipv6-opts", "ipv6-route", "ipx-in-ip", "irtp", "isis", "iso-ip", "iso-tp4",
	"kryptolan", "l2tp", "larp", "leaf-1", "leaf-2", "merit-inp", "mfe-nsp", "mhrp", "micp",
	"mobile", "mtp", "mux", "narp", "netblt", "nsfnet-igp", "nvp", "nvp-ii", "ospf", "pgm", "pim",
	"pipe", "pnni", "prm", "ptp", "pup", "pvp", "qnx", "rdp", "rsvp", "rvd", "sat-expak",
	"sat-mon", "scc-sp", "scps", "sctp", "sdrp", "secure-vmtp", "sep", "skip", "sm", "smp", "snp",
	"sprite-rpc", "sps", "srp", "sscopmce", "st", "st2", "sun-nd", "swipe", "tcf", "tcp", "tlsp",
	"tp++", "trunk-1", "trunk-2", "ttp", "udp", "uti", "vines", "visa", "vmtp", "vrrp", "wb-expak",
	"wb-mon", "wsn", "xnet", "xns-idp", "xtp", NULL
};

int value_check(const struct field_def *fd, const char *s, size_t n, struct verr *err)
{
	size_t chars = 0;

	if (fd->maxlen) {
		for (size_t i = 0; i < n; i++)
			chars += ((unsigned char)s[i] & 0xC0) != 0x80;
		if (chars > fd->maxlen)
			return verr_set(err, V_ERR_INVALID, fd->name, _("longer than %u characters"), fd->maxlen);
	}
	switch (fd->val) {
	case VAL_NONE:
		return V_OK;
	case VAL_CC:
		if (n != 2 || !isalnum((unsigned char)s[0]) || !isalnum((unsigned char)s[1]))
			return verr_set(err, V_ERR_INVALID, fd->name, _("not a two-letter country code"));
		return V_OK;
	case VAL_PORT: {
		long long v;
		if (parse_pyint(s, n, &v) != 0 || v < 0 || v > 65535)
			return verr_set(err, V_ERR_INVALID, fd->name, _("not a port number (0 to 65535)"));
		return V_OK;
	}
	case VAL_PRINTABLE:
		for (size_t i = 0; i < n; i++)
			if ((unsigned char)s[i] < 0x20 || (unsigned char)s[i] > 0x7e)
				return verr_set(err, V_ERR_INVALID, fd->name, _("only printable ASCII is allowed"));
		return V_OK;
	case VAL_UUID:
		if (n != 36)
			return verr_set(err, V_ERR_INVALID, fd->name, _("not a UUID"));
		for (size_t i = 0; i < n; i++) {
			int dash = i == 8 || i == 13 || i == 18 || i == 23;
			if (dash ? s[i] != '-' : !(isdigit((unsigned char)s[i]) || (s[i] >= 'a' && s[i] <= 'z')))
				return verr_set(err, V_ERR_INVALID, fd->name, _("not a UUID"));
		}
		return V_OK;
	case VAL_TRANSPORT:
		if (!in_list(s, n, transports))
			return verr_set(err, V_ERR_INVALID, fd->name, _("not an IP protocol name (tcp, udp, icmp, ...)"));
		return V_OK;
	case VAL_HASH_CHARS:
		for (size_t i = 0; i < n; i++)
			if (!(isdigit((unsigned char)s[i]) || (s[i] >= 'A' && s[i] <= 'F') || s[i] == '.' || s[i] == '/'))
				return verr_set(err, V_ERR_INVALID, fd->name, _("not an upper-case hexadecimal hash"));
		return V_OK;
	}
	return V_OK;
}
