/*
 * url_canon.c — URL canonicalization and lookup expressions as Google Safe Browsing defines
 * them ("URLs and Hashing", v4 and v5): the form block lists are written in and looked up by.
 *
 * The order of the steps is the specification's: strip TAB/CR/LF and surrounding spaces, drop
 * the fragment, percent-unescape until nothing changes, split scheme, query, authority and
 * path, canonicalize the host (dots, IPv4 in any legal form, IPv6, lower case, IDNA) and the
 * path (/./, /../, //), and finally escape bytes <= 0x20, >= 0x7F, '#' and '%' as upper-case
 * %XX.  The vectors of ../shared/corpus/url (tests/unit/test_url_sb.c) are the test.
 */
#include <ctype.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <idn2.h>

#include "analyze/url/url.h"
#include "base/i18n.h"
#include "base/utf8.h"

static int hexval(int ch)
{
	if (ch >= '0' && ch <= '9')
		return ch - '0';
	if (ch >= 'a' && ch <= 'f')
		return ch - 'a' + 10;
	if (ch >= 'A' && ch <= 'F')
		return ch - 'A' + 10;
	return -1;
}

/* Percent-unescape until no escape is left, in one pass: after every byte written, a "%XX"
 * at the end of the output is decoded at once (which is what decoding again and again until
 * nothing changes comes to).  out holds at least n bytes; returns the length. */
static size_t unescape_all(const char *in, size_t n, char *out)
{
	size_t o = 0;

	for (size_t i = 0; i < n; i++) {
		out[o++] = in[i];
		while (o >= 3 && out[o - 3] == '%' && hexval((unsigned char)out[o - 2]) >= 0 &&
		       hexval((unsigned char)out[o - 1]) >= 0) {
			out[o - 3] = (char)(hexval((unsigned char)out[o - 2]) * 16 +
			                    hexval((unsigned char)out[o - 1]));
			o -= 2;
		}
	}
	return o;
}

/* Append s[0..n) to c->canon with Safe Browsing's escaping. */
static void put_escaped(struct url_canon *c, const char *s, size_t n)
{
	static const char hex[] = "0123456789ABCDEF";

	for (size_t i = 0; i < n; i++) {
		unsigned char ch = (unsigned char)s[i];
		if (ch <= 0x20 || ch >= 0x7f || ch == '#' || ch == '%') {
			c->canon[c->len++] = '%';
			c->canon[c->len++] = hex[ch >> 4];
			c->canon[c->len++] = hex[ch & 15];
		} else {
			c->canon[c->len++] = (char)ch;
		}
	}
}

static void put_raw(struct url_canon *c, const char *s, size_t n)
{
	memcpy(c->canon + c->len, s, n);
	c->len += n;
}

/* One part of Safe Browsing's IPv4 reading: 0x.. hex, 0.. octal, else decimal, 32 bits. */
static int sb_num(const char *s, size_t n, uint64_t *v)
{
	int base = 10;

	if (n >= 2 && s[0] == '0' && (s[1] == 'x' || s[1] == 'X')) {
		base = 16;
		s += 2;
		n -= 2;
	} else if (n > 1 && s[0] == '0') {
		base = 8;
		s++;
		n--;
	}
	if (n == 0)
		return 0;
	*v = 0;
	for (size_t i = 0; i < n; i++) {
		int d = hexval((unsigned char)s[i]);
		if (d < 0 || d >= base)
			return 0;
		*v = *v * (uint64_t)base + (uint64_t)d;
		if (*v > 0xffffffffu)
			return 0;
	}
	return 1;
}

int url_sb_ipv4(const char *host, size_t len, char out[16])
{
	uint8_t b[4];
	size_t nb = 0, start = 0, nparts = 1;

	/* "10.192.95.89 xy": a dotted quad, white space, anything; 15 characters at most. */
	if (len <= 15) {
		size_t i = 0, groups = 0;
		while (groups < 4) {
			size_t d = 0;
			while (i < len && d < 3 && isdigit((unsigned char)host[i])) {
				i++;
				d++;
			}
			if (d == 0)
				break;
			groups++;
			if (groups < 4) {
				if (i < len && host[i] == '.')
					i++;
				else
					break;
			}
		}
		if (groups == 4 && i < len && strchr(" \t\n\f\r", host[i]))
			len = i;
	}
	if (len == 0)
		return 0;
	for (size_t i = 0; i < len; i++) {
		if (host[i] == '.')
			nparts++;
		else if (!isxdigit((unsigned char)host[i]) && host[i] != 'x' && host[i] != 'X')
			return 0;
	}
	if (nparts > 4)
		return 0;
	for (size_t p = 0; p < nparts; p++) {
		size_t end = start;
		uint64_t v;
		while (end < len && host[end] != '.')
			end++;
		if (!sb_num(host + start, end - start, &v))
			return 0;
		if (p + 1 < nparts) {
			b[nb++] = (uint8_t)(v & 0xff);
		} else {
			size_t k = 5 - nparts;
			for (size_t j = 0; j < k; j++)
				b[nb + j] = (uint8_t)((v >> (8 * (k - 1 - j))) & 0xff);
			nb += k;
		}
		start = end + 1;
	}
	size_t o = 0;
	for (size_t i = 0; i < 4; i++) {
		unsigned v = b[i];
		if (i)
			out[o++] = '.';
		if (v >= 100)
			out[o++] = (char)('0' + v / 100);
		if (v >= 10)
			out[o++] = (char)('0' + v / 10 % 10);
		out[o++] = (char)('0' + v % 10);
	}
	out[o] = 0;
	return 1;
}

static size_t put_dotted(char *out, const uint16_t *p)
{
	char tmp[16];
	size_t n = 0;
	unsigned v[4] = {p[0] >> 8u, p[0] & 0xffu, p[1] >> 8u, p[1] & 0xffu};

	for (size_t i = 0; i < 4; i++) {
		if (i)
			tmp[n++] = '.';
		if (v[i] >= 100)
			tmp[n++] = (char)('0' + v[i] / 100);
		if (v[i] >= 10)
			tmp[n++] = (char)('0' + v[i] / 10 % 10);
		tmp[n++] = (char)('0' + v[i] % 10);
	}
	memcpy(out, tmp, n);
	return n;
}

/* The canonical host from the unescaped authority's host part h[0..n). */
static int canon_host(struct url_canon *c, char *h, size_t n)
{
	char tmp[64];

	if (n >= 1 && h[0] == '[' && (n < 2 || h[n - 1] != ']')) {
		c->reason = N_("invalid IPv6 address");
		return V_ERR_PARSE;
	}
	if (n >= 2 && h[0] == '[' && h[n - 1] == ']') {
		uint16_t p[8];
		if (!url_ipv6_parse(h + 1, n - 2, p)) {
			c->reason = N_("invalid IPv6 address");
			return V_ERR_PARSE;
		}
		int zero5 = !p[0] && !p[1] && !p[2] && !p[3] && !p[4];
		if ((zero5 && p[5] == 0xffff) ||
		    (p[0] == 0x64 && p[1] == 0xff9b && !p[2] && !p[3] && !p[4] && !p[5])) {
			c->host_kind = URL_HOST_IPV4; /* IPv4-mapped and NAT64: the IPv4 address */
			put_raw(c, tmp, put_dotted(tmp, p + 6));
			return V_OK;
		}
		c->host_kind = URL_HOST_IPV6;
		c->canon[c->len++] = '[';
		if (zero5 && !p[5] && p[6]) { /* IPv4-compatible: "::a.b.c.d" as inet_ntop */
			put_raw(c, "::", 2);
			put_raw(c, tmp, put_dotted(tmp, p + 6));
		} else {
			put_raw(c, tmp, url_ipv6_format(p, tmp));
		}
		c->canon[c->len++] = ']';
		return V_OK;
	}
	/* dots: none leading or trailing, no runs; ASCII lower case */
	size_t o = 0;
	for (size_t i = 0; i < n; i++) {
		if (h[i] == '.' && (o == 0 || h[o - 1] == '.'))
			continue;
		h[o++] = (char)tolower((unsigned char)h[i]);
	}
	while (o > 0 && h[o - 1] == '.')
		o--;
	n = o;
	if (n == 0) {
		c->reason = N_("no host");
		return V_ERR_PARSE;
	}
	if (url_sb_ipv4(h, n, tmp)) {
		c->host_kind = URL_HOST_IPV4;
		put_raw(c, tmp, strlen(tmp));
		return V_OK;
	}
	c->host_kind = URL_HOST_DOMAIN;
	int ascii = 1;
	for (size_t i = 0; i < n; i++)
		if ((unsigned char)h[i] >= 0x80)
			ascii = 0;
	if (!ascii && n < 1024 && utf8_valid(h, n, NULL) && !memchr(h, 0, n)) {
		char z[1024], *a = NULL;
		memcpy(z, h, n);
		z[n] = 0;
		if (idn2_to_ascii_8z(z, &a, IDN2_NONTRANSITIONAL) == IDN2_OK && a) {
			size_t an = strlen(a);
			c->idna = 1;
			for (size_t i = 0; i < an; i++)
				a[i] = (char)tolower((unsigned char)a[i]);
			put_escaped(c, a, an);
			idn2_free(a);
			return V_OK;
		}
		idn2_free(a);
	}
	put_escaped(c, h, n);
	return V_OK;
}

/* The canonical path from the unescaped path p[0..n) (starting with '/' or empty). */
static void canon_path(struct url_canon *c, const char *p, size_t n)
{
	size_t seg_off[URL_MAX_INPUT / 2 + 2], seg_len[URL_MAX_INPUT / 2 + 2];
	size_t nseg = 0, i = 0;
	int trailing = 0;

	while (i < n) {
		while (i < n && p[i] == '/')
			i++;
		size_t s = i;
		while (i < n && p[i] != '/')
			i++;
		size_t l = i - s;
		trailing = (i < n) || (l == 1 && p[s] == '.') ||
		           (l == 2 && p[s] == '.' && p[s + 1] == '.');
		if (l == 0 || (l == 1 && p[s] == '.'))
			continue;
		if (l == 2 && p[s] == '.' && p[s + 1] == '.') {
			if (nseg)
				nseg--;
			continue;
		}
		seg_off[nseg] = s;
		seg_len[nseg++] = l;
	}
	if (n > 0 && p[n - 1] == '/')
		trailing = 1;
	c->path_off = c->len;
	c->canon[c->len++] = '/';
	for (size_t k = 0; k < nseg; k++) {
		if (k)
			c->canon[c->len++] = '/';
		put_escaped(c, p + seg_off[k], seg_len[k]);
	}
	if (trailing && nseg)
		c->canon[c->len++] = '/';
	c->path_len = c->len - c->path_off;
}

static int is_scheme_char(int ch)
{
	return isalnum(ch) || ch == '+' || ch == '-' || ch == '.';
}

/* Schemes that never have a host: an input in one of them is not a web URL. */
static int opaque_scheme(const char *s, size_t n)
{
	static const char *const names[] = {"mailto", "javascript", "data", "about", "tel", "sms",
	                                    "urn",    "news",       "blob", "cid",   "mid", NULL};
	for (size_t i = 0; names[i]; i++)
		if (strlen(names[i]) == n && strncasecmp(names[i], s, n) == 0)
			return 1;
	return 0;
}

/* Schemes that always have a host, also when "//" is missing ("http:example.com"). */
static int web_scheme(const char *s, size_t n)
{
	static const char *const names[] = {"http", "https", "ftp", "ws", "wss", NULL};
	for (size_t i = 0; names[i]; i++)
		if (strlen(names[i]) == n && strncasecmp(names[i], s, n) == 0)
			return 1;
	return 0;
}

int url_canon(const char *in, size_t len, struct url_canon *c)
{
	char *work = NULL;
	int rc = V_ERR_PARSE;

	c->len = 0;
	c->canon[0] = 0;
	c->scheme_len = c->host_off = c->host_len = c->path_off = c->path_len = c->query_off = 0;
	c->has_query = c->has_userinfo = c->idna = 0;
	c->truncated = 0;
	c->port = -1;
	c->host_kind = URL_HOST_NONE;
	c->reason = NULL;

	if (len > URL_MAX_INPUT) {
		len = URL_MAX_INPUT;
		c->truncated = 1;
	}
	work = malloc(2 * len + 16);
	if (!work) {
		c->reason = N_("out of memory");
		return V_ERR_NOMEM;
	}
	char *s = work, *u = work + len + 8;
	size_t n = 0;
	for (size_t i = 0; i < len; i++)
		if (in[i] != '\t' && in[i] != '\r' && in[i] != '\n')
			s[n++] = in[i];
	size_t b = 0;
	while (b < n && (s[b] == ' ' || s[b] == '\f' || s[b] == '\v'))
		b++;
	while (n > b && (s[n - 1] == ' ' || s[n - 1] == '\f' || s[n - 1] == '\v'))
		n--;
	char *hash = memchr(s + b, '#', n - b);
	if (hash)
		n = (size_t)(hash - s);
	size_t un = unescape_all(s + b, n - b, u);

	/* scheme */
	size_t i = 0, scheme_end = 0;
	const char *scheme = "http";
	size_t scheme_len = 4;
	if (un > 0 && isalpha((unsigned char)u[0])) {
		while (i < un && is_scheme_char((unsigned char)u[i]))
			i++;
		if (i < un && u[i] == ':') {
			if (i + 2 < un && u[i + 1] == '/' && u[i + 2] == '/') {
				scheme = u;
				scheme_len = i;
				scheme_end = i + 3;
			} else if (web_scheme(u, i)) { /* "http:host": the scheme without "//" */
				scheme = u;
				scheme_len = i;
				scheme_end = i + 1;
			} else if (opaque_scheme(u, i) || i + 1 >= un) {
				c->reason = N_("not a URL with a host (opaque scheme)");
				goto out;
			}
		}
	}
	if (scheme_len > 32) {
		c->reason = N_("scheme too long");
		goto out;
	}
	/* an input with a scheme must have "scheme://"; without one, "http://" is assumed */
	char *rest = u + scheme_end;
	size_t rn = un - scheme_end;
	char *q = memchr(rest, '?', rn);
	size_t qn = 0;
	char *query = NULL;
	if (q) {
		query = q + 1;
		qn = rn - (size_t)(query - rest);
		rn = (size_t)(q - rest);
		c->has_query = 1;
	}
	char *slash = memchr(rest, '/', rn);
	size_t an = slash ? (size_t)(slash - rest) : rn;
	char *auth = rest;
	for (size_t k = an; k > 0; k--) {
		if (auth[k - 1] == '@') {
			c->has_userinfo = 1;
			an -= k;
			auth += k;
			break;
		}
	}
	/* port */
	size_t hn = an;
	if (an > 0 && auth[0] == '[') {
		char *rb = memchr(auth, ']', an);
		if (rb) {
			hn = (size_t)(rb - auth) + 1;
			if (hn < an && auth[hn] != ':') {
				c->reason = N_("junk after the IPv6 address");
				goto out;
			}
		}
	} else {
		for (size_t k = an; k > 0; k--)
			if (auth[k - 1] == ':') {
				hn = k - 1;
				break;
			}
	}
	if (hn < an) { /* ":digits" */
		long port = 0;
		int digits = 1;
		for (size_t k = hn + 1; k < an; k++) {
			if (!isdigit((unsigned char)auth[k])) {
				digits = 0;
				break;
			}
			if (port < 100000)
				port = port * 10 + (auth[k] - '0');
		}
		if (!digits)
			hn = an; /* not a port: part of the host */
		else if (an > hn + 1)
			c->port = port > 65535 ? 65536 : (int)port;
	}
	/* canon: scheme "://" host path ["?" query] */
	for (size_t k = 0; k < scheme_len; k++)
		c->canon[c->len++] = (char)tolower((unsigned char)scheme[k]);
	c->scheme_len = c->len;
	put_raw(c, "://", 3);
	c->host_off = c->len;
	rc = canon_host(c, auth, hn);
	if (rc != V_OK)
		goto out;
	c->host_len = c->len - c->host_off;
	if (c->host_len == 0) {
		c->reason = N_("no host");
		rc = V_ERR_PARSE;
		goto out;
	}
	if (slash)
		canon_path(c, slash, rn - (size_t)(slash - rest));
	else
		canon_path(c, "", 0);
	if (c->has_query) {
		c->canon[c->len++] = '?';
		c->query_off = c->len;
		put_escaped(c, query, qn);
	} else {
		c->query_off = c->len;
	}
	c->canon[c->len] = 0;
	rc = V_OK;
out:
	free(work);
	if (rc != V_OK) {
		c->len = 0;
		c->canon[0] = 0;
		c->host_kind = URL_HOST_NONE;
		if (!c->reason)
			c->reason = N_("not a URL");
	}
	return rc;
}

/* ---- lookup expressions ------------------------------------------------------------------- */

size_t url_lookup_hosts(const struct url_canon *c, enum url_sb_mode mode, uint32_t off[7])
{
	size_t n = 0, labels = 1;
	const char *h = c->canon + c->host_off;

	if (c->host_len == 0)
		return 0;
	off[n++] = (uint32_t)c->host_off;
	if (c->host_kind != URL_HOST_DOMAIN)
		return n;
	for (size_t i = 0; i < c->host_len; i++)
		if (h[i] == '.')
			labels++;
	size_t maxk = mode == URL_SB_GOCLIENT ? 7 : 5;
	if (mode == URL_SB_GOCLIENT && maxk > labels - 1)
		maxk = labels - 1;
	/* suffixes of k labels, k from 2 up to maxk, never the whole host again: the k-label
	 * suffix starts after the k-th dot from the right */
	size_t dots_from_right = 0;
	for (size_t i = c->host_len; i > 0; i--) {
		if (h[i - 1] != '.')
			continue;
		dots_from_right++;
		size_t k = dots_from_right; /* h[i..) has k labels */
		if (k >= 2 && k <= maxk && k < labels && n < 7)
			off[n++] = (uint32_t)(c->host_off + i);
	}
	return n;
}

size_t url_lookup_paths(const struct url_canon *c, uint32_t len[6])
{
	size_t n = 0, prefixes = 0;
	const char *p = c->canon + c->path_off;

	if (c->host_len == 0)
		return 0;
	if (c->has_query && c->len > c->query_off)
		len[n++] = (uint32_t)(c->len - c->path_off);
	len[n++] = (uint32_t)c->path_len;
	for (size_t i = 0; i < c->path_len && prefixes < 4; i++) {
		if (p[i] != '/')
			continue;
		prefixes++;
		if (i + 1 != c->path_len)
			len[n++] = (uint32_t)(i + 1);
	}
	return n;
}

size_t url_expressions(const struct url_canon *c, enum url_sb_mode mode,
                       struct url_expr out[URL_MAX_EXPR])
{
	uint32_t hosts[7], paths[6];
	size_t nh = url_lookup_hosts(c, mode, hosts), np = url_lookup_paths(c, paths), n = 0;
	uint32_t host_end = (uint32_t)(c->host_off + c->host_len);

	for (size_t i = 0; i < nh; i++)
		for (size_t j = 0; j < np && n < URL_MAX_EXPR; j++) {
			out[n].host_off = hosts[i];
			out[n].host_len = host_end - hosts[i];
			out[n].path_off = (uint32_t)c->path_off;
			out[n].path_len = paths[j];
			n++;
		}
	return n;
}

int url_expr_text(const struct url_canon *c, const struct url_expr *e, struct buf *out)
{
	int rc;

	buf_reset(out);
	if ((rc = buf_append(out, c->canon + e->host_off, e->host_len)) != V_OK)
		return rc;
	return buf_append(out, c->canon + e->path_off, e->path_len);
}
