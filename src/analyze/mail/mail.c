/*
 * mail.c — the mail analyzer (mail.h): GMime parses, this file reads what a CERT analyst needs
 * out of the parsed message: Received chain and originating IP, sender domains, the
 * Authentication-Results of the receiving side, URLs (plain text and HTML links through
 * libxml2's HTML parser) and attachments.  Registrable domains come from libpsl's built-in
 * public suffix list.  The rules are written down in docs/internals/mail.md.
 */
#include <arpa/inet.h>
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <gmime/gmime.h>
#include <libpsl.h>
#include <libxml/HTMLparser.h>
#include <libxml/tree.h>
#include <openssl/evp.h>

#include "analyze/mail/mail.h"
#include "analyze/url/url.h"
#include "base/buf.h"
#include "base/conf.h"
#include "base/i18n.h"

#define TEXT_SHOWN_MAX 256 /* characters kept of a link's shown text */
#define URL_MAX 4096       /* longer URLs are cut (and noted) */
#define TEXT_KEEP (256u << 10) /* default bytes of body text and of headers kept */

void mail_options_from_settings(struct mail_options *o)
{
	memset(o, 0, sizeof(*o));
	o->internal_networks = conf_get("mail.internal_networks");
	o->max_parts = (size_t)conf_get_int("mail.max_parts");
	o->max_urls = (size_t)conf_get_int("mail.max_urls");
	o->max_attachment = (size_t)conf_get_int("scan.max_file");
	o->max_text = TEXT_KEEP;
}

/* ---- small helpers ----------------------------------------------------------------------- */

static char *dup_n(const char *s, size_t n)
{
	char *p = malloc(n + 1);

	if (p) {
		memcpy(p, s, n);
		p[n] = 0;
	}
	return p;
}

static char *dup_s(const char *s)
{
	return s ? strdup(s) : NULL;
}

static void lower(char *s)
{
	for (; s && *s; s++)
		*s = (char)tolower((unsigned char)*s);
}

/* Append a note to r->problems. */
static void note(struct mail_report *r, const char *msg)
{
	size_t a = r->problems ? strlen(r->problems) : 0, b = strlen(msg);
	char *p = realloc(r->problems, a + b + 3);

	if (!p)
		return;
	if (a) {
		memcpy(p + a, "; ", 2);
		a += 2;
	}
	memcpy(p + a, msg, b + 1);
	r->problems = p;
}

static int grow(void **v, size_t n, size_t *cap, size_t elem)
{
	if (n < *cap)
		return 0;
	size_t nc = *cap ? *cap * 2 : 8;
	void *nv = realloc(*v, nc * elem);
	if (!nv)
		return -1;
	memset((char *)nv + *cap * elem, 0, (nc - *cap) * elem);
	*v = nv;
	*cap = nc;
	return 0;
}

static int is_ip(const char *s, unsigned char out[16], int *v6)
{
	struct in_addr a4;

	if (inet_pton(AF_INET, s, &a4) == 1) {
		memcpy(out, &a4, 4);
		*v6 = 0;
		return 1;
	}
	if (inet_pton(AF_INET6, s, out) == 1) {
		*v6 = 1;
		return 1;
	}
	return 0;
}

char *mail_registrable_domain(const char *host)
{
	unsigned char ip[16];
	int v6;
	char *h, *d = NULL;
	const char *reg;

	if (!host || !host[0] || is_ip(host, ip, &v6))
		return NULL;
	if (!(h = strdup(host)))
		return NULL;
	lower(h);
	size_t n = strlen(h);
	if (n && h[n - 1] == '.')
		h[n - 1] = 0;
	reg = psl_registrable_domain(psl_builtin(), h);
	d = strdup(reg ? reg : h);
	free(h);
	return d;
}

/* ---- addresses: public or not -------------------------------------------------------------- */

static int in_prefix(const unsigned char *a, const unsigned char *net, unsigned bits)
{
	unsigned full = bits / 8, rest = bits % 8;

	if (memcmp(a, net, full))
		return 0;
	if (rest == 0)
		return 1;
	unsigned char mask = (unsigned char)(0xff << (8 - rest));
	return (a[full] & mask) == (net[full] & mask);
}

static int public_v4(const unsigned char *a)
{
	static const struct { unsigned char net[4]; unsigned bits; } priv[] = {
		{ { 0, 0, 0, 0 }, 8 },      { { 10, 0, 0, 0 }, 8 },     { { 100, 64, 0, 0 }, 10 },
		{ { 127, 0, 0, 0 }, 8 },    { { 169, 254, 0, 0 }, 16 }, { { 172, 16, 0, 0 }, 12 },
		{ { 192, 0, 0, 0 }, 24 },   { { 192, 0, 2, 0 }, 24 },   { { 192, 168, 0, 0 }, 16 },
		{ { 198, 18, 0, 0 }, 15 },  { { 198, 51, 100, 0 }, 24 }, { { 203, 0, 113, 0 }, 24 },
		{ { 224, 0, 0, 0 }, 4 },    { { 240, 0, 0, 0 }, 4 },
	};
	for (size_t i = 0; i < sizeof(priv) / sizeof(priv[0]); i++)
		if (in_prefix(a, priv[i].net, priv[i].bits))
			return 0;
	return 1;
}

static int public_ip(const unsigned char *a, int v6)
{
	static const unsigned char mapped[12] = { 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff };
	static const unsigned char zero[16] = { 0 };

	if (!v6)
		return public_v4(a);
	if (!memcmp(a, mapped, 12))
		return public_v4(a + 12);
	if (!memcmp(a, zero, 15)) /* :: and ::1 */
		return 0;
	if ((a[0] & 0xfe) == 0xfc)                      /* fc00::/7 unique local */
		return 0;
	if (a[0] == 0xfe && (a[1] & 0xc0) == 0x80)      /* fe80::/10 link local */
		return 0;
	if (a[0] == 0xff)                               /* multicast */
		return 0;
	if (a[0] == 0x20 && a[1] == 0x01 && a[2] == 0x0d && a[3] == 0xb8) /* documentation */
		return 0;
	return 1;
}

/* Whether ip is inside one of the comma-separated CIDRs of list. */
static int in_networks(const char *list, const unsigned char *ip, int v6)
{
	char one[64];

	while (list && *list) {
		const char *c = strchr(list, ',');
		size_t n = c ? (size_t)(c - list) : strlen(list);
		while (n && isspace((unsigned char)*list)) {
			list++;
			n--;
		}
		while (n && isspace((unsigned char)list[n - 1]))
			n--;
		if (n && n < sizeof(one)) {
			memcpy(one, list, n);
			one[n] = 0;
			char *slash = strchr(one, '/');
			unsigned char net[16];
			int nv6;
			long bits = -1;
			if (slash) {
				*slash = 0;
				bits = strtol(slash + 1, NULL, 10);
			}
			if (is_ip(one, net, &nv6) && nv6 == v6) {
				if (bits < 0 || bits > (v6 ? 128 : 32))
					bits = v6 ? 128 : 32;
				if (in_prefix(ip, net, (unsigned)bits))
					return 1;
			}
		}
		list = c ? c + 1 : NULL;
	}
	return 0;
}

/* ---- Received ------------------------------------------------------------------------------- */

/* Where the word kw ("by") stands in s, with white space before and after it; or NULL. */
static const char *find_word(const char *s, const char *kw)
{
	size_t k = strlen(kw);

	for (const char *p = s; (p = strcasestr(p, kw)) != NULL; p += k)
		if (p > s && isspace((unsigned char)p[-1]) && isspace((unsigned char)p[k]))
			return p - 1;
	return NULL;
}

/* The first word after the word kw ("by", "from") in s, up to a delimiter.  malloc'd or
 * NULL. */
static char *word_after(const char *s, const char *kw)
{
	const char *p = s;
	size_t n, k = strlen(kw);

	while (*p && isspace((unsigned char)*p))
		p++;
	if (!strncasecmp(p, kw, k) && isspace((unsigned char)p[k])) {
		p += k;
	} else {
		if (!(p = find_word(s, kw)))
			return NULL;
		p += 1 + k;
	}
	while (*p && isspace((unsigned char)*p))
		p++;
	n = strcspn(p, " \t\r\n();[]");
	return n ? dup_n(p, n) : NULL;
}

/* The first IP literal of the from clause: inside [...] first, else any token. */
static char *clause_ip(const char *clause, size_t len)
{
	char tok[80];

	for (int pass = 0; pass < 2; pass++) {
		size_t i = 0;
		while (i < len) {
			size_t start, n;
			if (pass == 0) {
				const char *b = memchr(clause + i, '[', len - i);
				if (!b)
					break;
				start = (size_t)(b - clause) + 1;
				const char *e = memchr(clause + start, ']', len - start);
				if (!e)
					break;
				n = (size_t)(e - clause) - start;
				i = start + n + 1;
			} else {
				while (i < len && strchr(" \t\r\n()[]=;,<>", clause[i]))
					i++;
				start = i;
				while (i < len && !strchr(" \t\r\n()[]=;,<>", clause[i]))
					i++;
				n = i - start;
			}
			if (n == 0 || n >= sizeof(tok))
				continue;
			memcpy(tok, clause + start, n);
			tok[n] = 0;
			char *t = tok;
			if (!strncasecmp(t, "IPv6:", 5))
				t += 5;
			unsigned char ip[16];
			int v6;
			if (is_ip(t, ip, &v6))
				return strdup(t);
		}
	}
	return NULL;
}

static int add_hop(struct mail_report *r, size_t *cap, const char *value)
{
	struct mail_hop *h;
	const char *from = value, *by;
	size_t flen;

	while (*from && isspace((unsigned char)*from))
		from++;
	if (grow((void **)&r->hops, r->nhops, cap, sizeof(*r->hops)))
		return V_ERR_NOMEM;
	h = &r->hops[r->nhops++];
	by = find_word(value, "by");
	if (!strncasecmp(from, "from", 4) && isspace((unsigned char)from[4])) {
		flen = by && by > from ? (size_t)(by - from) : strcspn(from, ";");
		h->from_host = word_after(from, "from");
		h->from_ip = clause_ip(from, flen);
	}
	h->by_host = by ? word_after(by, "by") : NULL;
	lower(h->from_host);
	lower(h->by_host);
	return V_OK;
}

/* Whether d is one of the n domains in seen. */
static int seen_domain(char *const *seen, size_t n, const char *d)
{
	for (size_t i = 0; d && i < n; i++)
		if (seen[i] && !strcmp(seen[i], d))
			return 1;
	return 0;
}

/* The originating IP: see docs/internals/mail.md, "The originating IP". */
static void find_origin(struct mail_report *r, const struct mail_options *o)
{
	char *seen[256]; /* registrable domains of the relays that wrote the hops so far */
	size_t nseen = 0;

	for (size_t i = 0; i < r->nhops; i++) {
		if (nseen < sizeof(seen) / sizeof(seen[0]) && r->hops[i].by_host)
			seen[nseen++] = mail_registrable_domain(r->hops[i].by_host);
		struct mail_hop *h = &r->hops[i];
		unsigned char ip[16];
		int v6;
		if (r->origin_ip) {
			h->role = "before origin";
			continue;
		}
		if (!h->from_ip || !is_ip(h->from_ip, ip, &v6)) {
			h->role = "no address";
			continue;
		}
		if (!public_ip(ip, v6)) {
			h->role = "private";
			continue;
		}
		if (in_networks(o->internal_networks, ip, v6)) {
			h->role = "internal";
			continue;
		}
		char *fd = mail_registrable_domain(h->from_host);
		int same = seen_domain(seen, nseen, fd);
		free(fd);
		if (same) {
			h->role = "internal";
			continue;
		}
		h->role = "origin";
		r->origin_ip = h->from_ip;
	}
	for (size_t i = 0; i < nseen; i++)
		free(seen[i]);
}

/* ---- Authentication-Results ------------------------------------------------------------------ */

/* Copy s without (comments), spaces collapsed.  malloc'd. */
static char *strip_comments(const char *s, size_t n)
{
	char *out = malloc(n + 1);
	size_t o = 0;
	int depth = 0, space = 0;

	if (!out)
		return NULL;
	for (size_t i = 0; i < n; i++) {
		char c = s[i];
		if (c == '(') {
			depth++;
			continue;
		}
		if (c == ')' && depth) {
			depth--;
			continue;
		}
		if (depth)
			continue;
		if (isspace((unsigned char)c)) {
			space = o > 0;
			continue;
		}
		if (space)
			out[o++] = ' ';
		space = 0;
		out[o++] = c;
	}
	out[o] = 0;
	return out;
}

static int add_auth(struct mail_report *r, size_t *cap, const char *m, size_t mn, const char *res,
		    size_t rn, const char *detail)
{
	struct mail_auth *a;

	if (grow((void **)&r->auth, r->nauth, cap, sizeof(*r->auth)))
		return V_ERR_NOMEM;
	a = &r->auth[r->nauth];
	a->method = dup_n(m, mn);
	a->result = dup_n(res, rn);
	a->detail = strdup(detail ? detail : "");
	if (!a->method || !a->result || !a->detail) {
		free(a->method);
		free(a->result);
		free(a->detail);
		return V_ERR_NOMEM;
	}
	lower(a->method);
	lower(a->result);
	r->nauth++;
	return V_OK;
}

static int parse_auth(struct mail_report *r, const char *v)
{
	size_t cap = 0, n = strlen(v), start = 0;
	int depth = 0, first = 1, rc = V_OK;

	for (size_t i = 0; i <= n && rc == V_OK; i++) {
		if (i < n && v[i] == '(')
			depth++;
		else if (i < n && v[i] == ')' && depth)
			depth--;
		if (i < n && (v[i] != ';' || depth))
			continue;
		char *seg = strip_comments(v + start, i - start);
		start = i + 1;
		if (!seg)
			return V_ERR_NOMEM;
		size_t w = strcspn(seg, " ");
		if (first && !memchr(seg, '=', w)) {
			free(r->auth_serv);
			r->auth_serv = dup_n(seg, w);
			first = 0;
		} else {
			first = 0; /* no authserv-id (Microsoft 365 writes none) */
			char *eq = strchr(seg, '=');
			size_t mn = eq ? (size_t)(eq - seg) : 0;
			if (eq && mn && !memchr(seg, ' ', mn)) {
				const char *res = eq + 1;
				size_t rn = strcspn(res, " ");
				const char *det = res[rn] ? res + rn + 1 : "";
				if (rn)
					rc = add_auth(r, &cap, seg, mn, res, rn, det);
			}
		}
		free(seg);
	}
	return rc;
}

/* ---- URLs ------------------------------------------------------------------------------------ */

/* Host of a URL (lower case, no user, port or brackets).  malloc'd or NULL. */
static char *url_host(const char *u)
{
	const char *p = strstr(u, "://"), *at, *end;
	size_t n;
	char *h;

	if (!p)
		return NULL;
	p += 3;
	n = strcspn(p, "/?#\\");
	end = p + n;
	at = memchr(p, '@', n);
	while (at) {
		p = at + 1;
		at = memchr(p, '@', (size_t)(end - p));
	}
	if (*p == '[') {
		const char *rb = memchr(p, ']', (size_t)(end - p));
		if (!rb)
			return NULL;
		h = dup_n(p + 1, (size_t)(rb - p - 1));
	} else {
		const char *colon = memchr(p, ':', (size_t)(end - p));
		h = dup_n(p, (size_t)((colon ? colon : end) - p));
	}
	if (h && !h[0]) {
		free(h);
		return NULL;
	}
	lower(h);
	return h;
}

/* The host a link's shown text names, if it looks like a URL or a host name.  malloc'd. */
static char *shown_host(const char *t)
{
	const char *p = t;
	size_t n;
	char *h;

	while (*p && isspace((unsigned char)*p))
		p++;
	const char *s = strstr(p, "://");
	if (s && (size_t)(s - p) < 10)
		p = s + 3;
	n = strcspn(p, "/?#:\\ \t\r\n");
	if (n == 0 || p[n] == ' ' || !memchr(p, '.', n))
		return NULL;
	for (size_t i = 0; i < n; i++)
		if (!isalnum((unsigned char)p[i]) && p[i] != '.' && p[i] != '-' &&
		    !((unsigned char)p[i] & 0x80))
			return NULL;
	if (p[n - 1] == '.' || p[0] == '.')
		return NULL;
	h = dup_n(p, n);
	lower(h);
	return h;
}

struct urlset {
	struct mail_report *r;
	const struct mail_options *o;
	struct url_result *ur; /* scratch for the URL analyzer; NULL without one */
	size_t cap;
	int rc;
};

static int add_url(struct urlset *s, const char *url, size_t n, const char *text, const char *where)
{
	struct mail_report *r = s->r;
	struct mail_url *u;

	if (n == 0)
		return V_OK;
	if (n > URL_MAX) {
		n = URL_MAX;
		note(r, _("a URL longer than 4096 bytes was cut"));
	}
	for (size_t i = 0; i < r->nurls; i++)
		if (!strncmp(r->urls[i].url, url, n) && !r->urls[i].url[n] &&
		    !strcmp(r->urls[i].where, where) &&
		    ((!text && !r->urls[i].text) ||
		     (text && r->urls[i].text && !strcmp(text, r->urls[i].text))))
			return V_OK;
	if (r->nurls >= s->o->max_urls) {
		if (r->nurls == s->o->max_urls)
			note(r, _("more URLs than mail.max_urls; the rest not listed"));
		return V_OK;
	}
	if (grow((void **)&r->urls, r->nurls, &s->cap, sizeof(*r->urls)))
		return V_ERR_NOMEM;
	u = &r->urls[r->nurls];
	if (!(u->url = dup_n(url, n)))
		return V_ERR_NOMEM;
	r->nurls++;
	u->where = where;
	u->text = dup_s(text);
	u->host = url_host(u->url);
	u->domain = mail_registrable_domain(u->host);
	if (text) {
		char *sh = shown_host(text);
		char *sd = mail_registrable_domain(sh);
		const char *a = sd ? sd : sh, *b = u->domain ? u->domain : u->host;
		if (a && b && strcmp(a, b)) {
			u->text_mismatch = 1;
			u->shown_domain = strdup(a);
		}
		free(sh);
		free(sd);
	}
	return mail_url_assess(s->ur ? s->o->urls : NULL, s->ur, u);
}

static int url_char_end(unsigned char c)
{
	return c <= ' ' || c == '<' || c == '>' || c == '"' || c == '\'' || c == '`' || c == 0x7f;
}

/* Every http(s)/ftp URL of plain text. */
static int text_urls(struct urlset *s, const char *t)
{
	static const char *const schemes[] = { "http://", "https://", "ftp://" };
	const char *p = t;
	int rc = V_OK;

	while (rc == V_OK && *p) {
		const char *best = NULL;
		for (int i = 0; i < 3; i++) {
			const char *f = strcasestr(p, schemes[i]);
			if (f && (!best || f < best))
				best = f;
		}
		if (!best)
			break;
		const char *e = best;
		while (*e && !url_char_end((unsigned char)*e))
			e++;
		size_t n = (size_t)(e - best);
		while (n && strchr(".,;:!?)]}", best[n - 1]))
			n--;
		if (n > 8)
			rc = add_url(s, best, n, NULL, "text");
		p = e;
	}
	return rc;
}

/* A link's shown text: white space collapsed, at most TEXT_SHOWN_MAX bytes.  malloc'd. */
static char *shown_text(xmlNode *n)
{
	xmlChar *txt = xmlNodeGetContent(n);
	size_t tl, o = 0;
	char *out;
	int sp = 0;

	if (!txt)
		return strdup("");
	tl = strlen((const char *)txt);
	if ((out = malloc(TEXT_SHOWN_MAX + 1))) {
		for (size_t i = 0; i < tl && o < TEXT_SHOWN_MAX; i++) {
			unsigned char c = txt[i];
			if (isspace(c)) {
				sp = o > 0;
				continue;
			}
			if (sp && o + 1 < TEXT_SHOWN_MAX)
				out[o++] = ' ';
			sp = 0;
			out[o++] = (char)c;
		}
		out[o] = 0;
	}
	xmlFree(txt);
	return out;
}

/* An <a> or <area>: its href (when http, https or ftp) with the text shown for it. */
static void html_link(struct urlset *s, xmlNode *n)
{
	xmlChar *href = xmlGetProp(n, (const xmlChar *)"href");
	const char *h;
	size_t hn;

	if (!href)
		return;
	h = (const char *)href;
	while (*h && isspace((unsigned char)*h))
		h++;
	hn = strlen(h);
	while (hn && isspace((unsigned char)h[hn - 1]))
		hn--;
	if (!strncasecmp(h, "http://", 7) || !strncasecmp(h, "https://", 8) ||
	    !strncasecmp(h, "ftp://", 6)) {
		char *shown = shown_text(n);
		s->rc = shown ? add_url(s, h, hn, shown, "html") : V_ERR_NOMEM;
		free(shown);
	}
	xmlFree(href);
}

static void html_walk(struct urlset *s, xmlNode *n, int depth)
{
	for (; n && s->rc == V_OK; n = n->next) {
		if (n->type != XML_ELEMENT_NODE || depth >= 256)
			continue;
		const char *name = (const char *)n->name;
		if (!strcasecmp(name, "a") || !strcasecmp(name, "area"))
			html_link(s, n);
		html_walk(s, n->children, depth + 1);
	}
}

/* Append up to the limit to a report's kept text (text or headers). */
static void keep_text(char **dst, size_t *len, size_t max, const char *t, size_t n)
{
	char *p;

	if (*len >= max || !n)
		return;
	if (n > max - *len)
		n = max - *len;
	if (!(p = realloc(*dst, *len + n + 2)))
		return;
	memcpy(p + *len, t, n);
	*len += n;
	p[(*len)++] = '\n';
	p[*len] = 0;
	*dst = p;
}

static int html_urls(struct urlset *s, const char *html, size_t *tlen)
{
	size_t n = strlen(html);
	htmlDocPtr doc;

	if (n > INT32_MAX)
		return V_OK;
	doc = htmlReadMemory(html, (int)n, NULL, "UTF-8",
			     HTML_PARSE_RECOVER | HTML_PARSE_NOERROR | HTML_PARSE_NOWARNING |
				     HTML_PARSE_NONET | HTML_PARSE_COMPACT);
	if (!doc) {
		note(s->r, _("an HTML part could not be parsed"));
		keep_text(&s->r->text, tlen, s->o->max_text, html, n);
		return text_urls(s, html);
	}
	s->rc = V_OK;
	html_walk(s, xmlDocGetRootElement(doc), 0);
	if (s->o->max_text && xmlDocGetRootElement(doc)) {
		xmlChar *t = xmlNodeGetContent(xmlDocGetRootElement(doc));
		if (t)
			keep_text(&s->r->text, tlen, s->o->max_text, (const char *)t,
				  strlen((const char *)t));
		xmlFree(t);
	}
	xmlFreeDoc(doc);
	return s->rc;
}

int mail_url_assess(struct url_checker *k, struct url_result *r, struct mail_url *u)
{
	struct buf b;

	u->verdict = "unchecked";
	u->score = -1;
	buf_init(&b, 8192);
	if (u->text_mismatch)
		buf_printf(&b, "link text shows %s, link goes to %s", u->shown_domain,
			   u->domain ? u->domain : u->host ? u->host : "?");
	if (u->host && !u->domain)
		buf_printf(&b, "%shost is an IP address", b.len ? "; " : "");
	if (k && r) {
		url_check(k, u->url, strlen(u->url), r);
		u->verdict = url_verdict_name(r->verdict);
		u->score = r->score;
		for (size_t i = 0; i < r->nmatch; i++)
			buf_printf(&b, "%s%s list %s:%ld (%s)", b.len ? "; " : "",
				   r->allowed ? "allow" : "block", r->match[i].source,
				   r->match[i].line, r->match[i].entry);
		for (size_t i = 0; i < r->nreasons; i++)
			buf_printf(&b, "%s%s%s%s", b.len ? "; " : "", r->reason[i].name,
				   r->reason[i].detail[0] ? ": " : "", r->reason[i].detail);
		if (r->model_p >= 0)
			buf_printf(&b, "%smodel %.2f", b.len ? "; " : "", r->model_p);
		if (r->invalid)
			buf_printf(&b, "%sinvalid: %s", b.len ? "; " : "", r->invalid);
	}
	u->reasons = strdup(buf_cstr(&b));
	buf_fini(&b);
	return u->reasons ? V_OK : V_ERR_NOMEM;
}

/* ---- parts ---------------------------------------------------------------------------- */

struct walk {
	struct mail_report *r;
	const struct mail_options *o;
	struct urlset urls;
	size_t parts, attcap, textlen;
	int rc;
};

static void hash_hex(const EVP_MD *md, const void *d, size_t n, char *out)
{
	unsigned char h[EVP_MAX_MD_SIZE];
	unsigned hn;

	if (EVP_Digest(d, n, h, &hn, md, NULL))
		for (unsigned i = 0; i < hn; i++)
			snprintf(out + 2 * i, 3, "%02x", h[i]);
}

static int add_attachment(struct walk *w, GMimePart *part)
{
	struct mail_report *r = w->r;
	struct mail_attachment *a;
	GMimeDataWrapper *dw = g_mime_part_get_content(part);
	GMimeStream *ms;
	GByteArray *ba;
	const char *fn = g_mime_part_get_filename(part);
	GMimeContentType *ct = g_mime_object_get_content_type((GMimeObject *)part);
	char *type = ct ? g_mime_content_type_get_mime_type(ct) : NULL;
	int rc = V_OK;

	if (grow((void **)&r->att, r->natt, &w->attcap, sizeof(*r->att))) {
		g_free(type);
		return V_ERR_NOMEM;
	}
	a = &r->att[r->natt++];
	a->name = strdup(fn ? fn : "");
	a->type = strdup(type ? type : "application/octet-stream");
	g_free(type);
	if (!a->name || !a->type)
		return V_ERR_NOMEM;
	if (!dw) {
		note(r, _("an attachment has no content"));
		return V_OK;
	}
	ms = g_mime_stream_mem_new();
	if (g_mime_data_wrapper_write_to_stream(dw, ms) < 0)
		note(r, _("an attachment could not be decoded"));
	ba = g_mime_stream_mem_get_byte_array((GMimeStreamMem *)ms);
	const void *bytes = ba->len ? (const void *)ba->data : ""; /* empty: data may be NULL */
	a->size = ba->len;
	hash_hex(EVP_md5(), bytes, ba->len, a->md5);
	hash_hex(EVP_sha1(), bytes, ba->len, a->sha1);
	hash_hex(EVP_sha256(), bytes, ba->len, a->sha256);
	if (ba->len <= w->o->max_attachment) {
		if (!(a->data = malloc(ba->len ? ba->len : 1)))
			rc = V_ERR_NOMEM;
		else
			memcpy(a->data, bytes, ba->len);
	}
	g_object_unref(ms);
	return rc;
}

static void on_part(GMimeObject *parent, GMimeObject *part, gpointer arg)
{
	struct walk *w = arg;

	(void)parent;
	if (w->rc != V_OK)
		return;
	if (++w->parts > w->o->max_parts) {
		if (w->parts == w->o->max_parts + 1)
			note(w->r, _("more MIME parts than mail.max_parts; the rest not read"));
		return;
	}
	if (GMIME_IS_MESSAGE_PART(part)) {
		GMimeMessage *inner = g_mime_message_part_get_message((GMimeMessagePart *)part);
		if (inner && w->parts < w->o->max_parts)
			g_mime_message_foreach(inner, on_part, w);
		return;
	}
	if (!GMIME_IS_PART(part))
		return;
	GMimePart *p = (GMimePart *)part;
	int att = g_mime_part_is_attachment(p) || g_mime_part_get_filename(p);
	if (!att && GMIME_IS_TEXT_PART(part)) {
		GMimeContentType *ct = g_mime_object_get_content_type(part);
		char *text = g_mime_text_part_get_text((GMimeTextPart *)part);
		if (text) {
			if (ct && g_mime_content_type_is_type(ct, "text", "html")) {
				w->rc = html_urls(&w->urls, text, &w->textlen);
			} else {
				keep_text(&w->r->text, &w->textlen, w->o->max_text, text,
					  strlen(text));
				w->rc = text_urls(&w->urls, text);
			}
			g_free(text);
		}
		return;
	}
	w->rc = add_attachment(w, p);
}

/* ---- one message ---------------------------------------------------------------------- */

static char *addr_of(InternetAddressList *l)
{
	if (!l || internet_address_list_length(l) < 1)
		return NULL;
	for (int i = 0; i < internet_address_list_length(l); i++) {
		InternetAddress *a = internet_address_list_get_address(l, i);
		if (INTERNET_ADDRESS_IS_MAILBOX(a)) {
			InternetAddressMailbox *mb = (InternetAddressMailbox *)a;
			const char *s = internet_address_mailbox_get_addr(mb);
			if (s && s[0])
				return strdup(s);
		}
	}
	return NULL;
}

static char *domain_of_addr(const char *addr)
{
	const char *at = addr ? strrchr(addr, '@') : NULL;

	return at ? mail_registrable_domain(at + 1) : NULL;
}

static char *clean_return_path(const char *v)
{
	const char *lt = strchr(v, '<'), *gt;

	if (lt && (gt = strchr(lt, '>')))
		return dup_n(lt + 1, (size_t)(gt - lt - 1));
	while (*v && isspace((unsigned char)*v))
		v++;
	size_t n = strlen(v);
	while (n && isspace((unsigned char)v[n - 1]))
		n--;
	return dup_n(v, n);
}

static void report_fini(struct mail_report *r)
{
	free(r->message_id);
	free(r->subject);
	free(r->date);
	free(r->from);
	free(r->from_domain);
	free(r->return_path);
	free(r->return_domain);
	free(r->reply_to);
	free(r->reply_domain);
	for (size_t i = 0; i < r->nhops; i++) {
		free(r->hops[i].from_host);
		free(r->hops[i].from_ip);
		free(r->hops[i].by_host);
	}
	free(r->hops);
	free(r->auth_serv);
	for (size_t i = 0; i < r->nauth; i++) {
		free(r->auth[i].method);
		free(r->auth[i].result);
		free(r->auth[i].detail);
	}
	free(r->auth);
	for (size_t i = 0; i < r->nurls; i++) {
		free(r->urls[i].url);
		free(r->urls[i].text);
		free(r->urls[i].host);
		free(r->urls[i].domain);
		free(r->urls[i].shown_domain);
		free(r->urls[i].reasons);
	}
	free(r->urls);
	for (size_t i = 0; i < r->natt; i++) {
		free(r->att[i].name);
		free(r->att[i].type);
		free(r->att[i].data);
	}
	free(r->att);
	free(r->problems);
	free(r->text);
	free(r->headers);
	memset(r, 0, sizeof(*r));
}

static int analyze_message(const struct mail_options *o, GMimeMessage *m, struct mail_report *r,
			   struct url_result *ur)
{
	GMimeObject *obj = (GMimeObject *)m;
	GMimeHeaderList *hl = g_mime_object_get_header_list(obj);
	int nh = hl ? g_mime_header_list_get_count(hl) : 0, auth_done = 0, rc = V_OK;
	size_t hopcap = 0, hlen = 0;
	struct walk w;
	const char *v;

	if (nh == 0)
		note(r, _("no header block"));
	r->message_id = dup_s(g_mime_message_get_message_id(m));
	r->subject = dup_s(g_mime_message_get_subject(m));
	r->date = dup_s(g_mime_object_get_header(obj, "Date"));
	r->from = addr_of(g_mime_message_get_from(m));
	if (!r->from)
		note(r, _("no From address"));
	r->from_domain = domain_of_addr(r->from);
	if ((v = g_mime_object_get_header(obj, "Return-Path")))
		r->return_path = clean_return_path(v);
	r->return_domain = domain_of_addr(r->return_path);
	r->reply_to = addr_of(g_mime_message_get_reply_to(m));
	r->reply_domain = domain_of_addr(r->reply_to);
	r->reply_mismatch = r->reply_domain && r->from_domain &&
			    strcmp(r->reply_domain, r->from_domain) != 0;
	r->return_mismatch = r->return_domain && r->from_domain &&
			     strcmp(r->return_domain, r->from_domain) != 0;
	for (int i = 0; i < nh && rc == V_OK; i++) {
		GMimeHeader *h = g_mime_header_list_get_header_at(hl, i);
		const char *name = g_mime_header_get_name(h);
		const char *val = g_mime_header_get_value(h);
		if (!name || !val)
			continue;
		if (o->max_text && hlen < o->max_text) {
			char line[1024];
			int ln = snprintf(line, sizeof(line), "%s: %s", name, val);
			size_t lz = ln > 0 && (size_t)ln < sizeof(line) ? (size_t)ln
								       : sizeof(line) - 1;
			if (ln > 0)
				keep_text(&r->headers, &hlen, o->max_text, line, lz);
		}
		if (!strcasecmp(name, "Received") && r->nhops < 256)
			rc = add_hop(r, &hopcap, val);
		else if (!strcasecmp(name, "Authentication-Results") && !auth_done) {
			rc = parse_auth(r, val); /* the topmost: written by the receiving side */
			auth_done = 1;
		}
	}
	if (rc == V_OK && !auth_done && (v = g_mime_object_get_header(obj, "Received-SPF"))) {
		size_t cap = 0, n = strcspn(v, " \t(");
		if (n)
			rc = add_auth(r, &cap, "spf", 3, v, n, "Received-SPF");
	}
	find_origin(r, o);
	memset(&w, 0, sizeof(w));
	w.r = r;
	w.o = o;
	w.urls.r = r;
	w.urls.o = o;
	w.urls.ur = o->urls ? ur : NULL;
	if (rc == V_OK) {
		GMimeObject *body = g_mime_message_get_mime_part(m);
		if (!body)
			note(r, _("no body"));
		else
			g_mime_message_foreach(m, on_part, &w);
		rc = w.rc;
	}
	return rc;
}

int mail_analyze(const struct mail_options *o, const char *name, const void *data, size_t len,
		 mail_report_cb cb, void *arg, uint64_t *bad, struct verr *err)
{
	static int inited;
	GMimeStream *s;
	GMimeParser *p;
	struct url_result *ur = NULL;
	long index = 0;
	int rc = V_OK, mbox;

	if (!inited) {
		g_mime_init();
		inited = 1;
	}
	if (o->urls) {
		if (!(ur = malloc(sizeof(*ur))))
			return verr_set(err, V_ERR_NOMEM, "", "%s", vres_str(V_ERR_NOMEM));
		url_result_init(ur);
	}
	mbox = len >= 5 && !memcmp(data, "From ", 5);
	s = g_mime_stream_mem_new_with_buffer(data, len);
	p = g_mime_parser_new_with_stream(s);
	g_mime_parser_set_format(p, mbox ? GMIME_FORMAT_MBOX : GMIME_FORMAT_MESSAGE);
	do {
		GMimeMessage *m = g_mime_parser_construct_message(p, NULL);
		index++;
		if (!m) {
			if (index == 1 || !g_mime_parser_eos(p)) {
				verr_set(err, V_ERR_PARSE, "", _("%s: message %ld: not a mail message"),
					 name, index);
				(*bad)++;
			}
			break;
		}
		struct mail_report r;
		memset(&r, 0, sizeof(r));
		r.index = index;
		rc = analyze_message(o, m, &r, ur);
		if (rc == V_OK)
			rc = cb(arg, &r);
		report_fini(&r);
		g_object_unref(m);
	} while (rc == V_OK && mbox && !g_mime_parser_eos(p));
	g_object_unref(p);
	g_object_unref(s);
	if (ur) {
		url_result_fini(ur);
		free(ur);
	}
	if (rc == V_ERR_NOMEM)
		verr_set(err, rc, "", "%s", vres_str(rc));
	return rc;
}
