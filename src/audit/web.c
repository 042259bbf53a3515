/*
 * web.c — web-site checks on responses already fetched (webfetch.c fetches them): the Mozilla
 * HTTP Observatory's tests and score (MDN scanner v2 modifiers, grade chart, extra credit
 * only from 90 up), and exposure checks written as data (data/webcheck/exposure.tsv: a path,
 * what the response must show, what rules it out), each judged against a soft-404 baseline
 * (a response to a random path) so that a site answering 200 to everything reports nothing.
 *
 * Pure functions on struct audit_http: the tests need no network.
 */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#define PCRE2_CODE_UNIT_WIDTH 8
#include <pcre2.h>

#include "audit/audit.h"
#include "base/i18n.h"

const char *audit_http_header(const struct audit_http *h, const char *name)
{
	for (size_t i = 0; h && i < h->nh; i++)
		if (!strcasecmp(h->hname[i], name))
			return h->hval[i];
	return NULL;
}

static int header_count(const struct audit_http *h, const char *name)
{
	int n = 0;
	for (size_t i = 0; h && i < h->nh; i++)
		n += !strcasecmp(h->hname[i], name);
	return n;
}

/* case-insensitive: does the token list s contain word w (separated by space, ',' or ';') */
static int has_token(const char *s, const char *w)
{
	size_t n = strlen(w);
	for (const char *p = s; p && *p;) {
		while (*p == ' ' || *p == ',' || *p == ';' || *p == '\t')
			p++;
		size_t l = strcspn(p, " ,;\t");
		if (l == n && !strncasecmp(p, w, n))
			return 1;
		p += l;
	}
	return 0;
}

static void add(struct audit_web_grade *g, const char *test, const char *key, int mod)
{
	if (g->n < sizeof(g->r) / sizeof(g->r[0])) {
		g->r[g->n].test = test;
		g->r[g->n].key = key;
		g->r[g->n].modifier = mod;
		g->n++;
	}
}

/* the value of a CSP directive ("script-src") in policy p, copied into out; 0 when found */
static int csp_directive(const char *p, const char *name, char *out, size_t outsz)
{
	size_t n = strlen(name);
	while (p && *p) {
		while (*p == ' ' || *p == ';')
			p++;
		size_t l = strcspn(p, ";");
		if (l >= n && !strncasecmp(p, name, n) && (l == n || p[n] == ' ')) {
			size_t vl = l - n;
			if (vl >= outsz)
				vl = outsz - 1;
			memcpy(out, p + n, vl);
			out[vl] = 0;
			return 0;
		}
		p += l;
	}
	return -1;
}

static void test_csp(const struct audit_http *h, struct audit_web_grade *g, int *frame_anc)
{
	const char *csp = audit_http_header(h, "Content-Security-Policy");
	char def[1024] = "", scr[1024] = "", obj[1024] = "", sty[1024] = "", tmp[1024];
	int has_def, has_scr, has_obj;

	*frame_anc = 0;
	if (!csp) {
		add(g, "content-security-policy",
		    audit_http_header(h, "Content-Security-Policy-Report-Only") ?
			    "csp-not-implemented-but-reporting-enabled" : "csp-not-implemented",
		    -25);
		return;
	}
	for (const char *p = csp; *p; p++)
		if ((unsigned char)*p < 0x20 && *p != '\t') {
			add(g, "content-security-policy", "csp-header-invalid", -25);
			return;
		}
	*frame_anc = csp_directive(csp, "frame-ancestors", tmp, sizeof(tmp)) == 0;
	has_def = csp_directive(csp, "default-src", def, sizeof(def)) == 0;
	has_scr = csp_directive(csp, "script-src", scr, sizeof(scr)) == 0;
	has_obj = csp_directive(csp, "object-src", obj, sizeof(obj)) == 0;
	csp_directive(csp, "style-src", sty, sizeof(sty));
	const char *script = has_scr ? scr : has_def ? def : NULL;
	const char *object = has_obj ? obj : has_def ? def : NULL;
	if (!script || !object || has_token(script, "'unsafe-inline'") || has_token(script, "data:") ||
	    has_token(script, "https:") || has_token(script, "*") || has_token(object, "*") ||
	    has_token(object, "https:")) {
		add(g, "content-security-policy", "csp-implemented-with-unsafe-inline", -20);
		return;
	}
	if (has_token(script, "http:") || has_token(object, "http:")) {
		add(g, "content-security-policy", "csp-implemented-with-insecure-scheme", -20);
		return;
	}
	if (has_token(script, "'unsafe-eval'")) {
		add(g, "content-security-policy", "csp-implemented-with-unsafe-eval", -10);
		return;
	}
	if (has_token(def, "http:") || has_token(sty, "http:")) {
		add(g, "content-security-policy",
		    "csp-implemented-with-insecure-scheme-in-passive-content-only", -10);
		return;
	}
	if (sty[0] && (has_token(sty, "'unsafe-inline'") || has_token(sty, "data:") ||
		       has_token(sty, "https:"))) {
		add(g, "content-security-policy",
		    "csp-implemented-with-unsafe-inline-in-style-src-only", 0);
		return;
	}
	if (has_def && has_token(def, "'none'") &&
	    csp_directive(csp, "form-action", tmp, sizeof(tmp)) == 0 &&
	    (has_token(tmp, "'none'") || has_token(tmp, "'self'"))) {
		add(g, "content-security-policy", "csp-implemented-with-no-unsafe-default-src-none",
		    10);
		return;
	}
	add(g, "content-security-policy", "csp-implemented-with-no-unsafe", 5);
}

static int session_name(const char *name)
{
	static const char *const words[] = { "sess", "sid", "login", "auth", "token", NULL };
	char low[128];
	size_t i;
	for (i = 0; name[i] && i + 1 < sizeof(low); i++)
		low[i] = (char)tolower((unsigned char)name[i]);
	low[i] = 0;
	for (i = 0; words[i]; i++)
		if (strstr(low, words[i]))
			return 1;
	return 0;
}

static void test_cookies(const struct audit_http *h, int https, long hsts_age,
			 struct audit_web_grade *g)
{
	int any = 0, insecure = 0, sess_insecure = 0, sess_nohttponly = 0, samesite_all = 1,
	    samesite_bad = 0, csrf_nosamesite = 0;

	for (size_t i = 0; i < h->nh; i++) {
		char name[128];
		const char *v = h->hval[i], *ss;
		if (strcasecmp(h->hname[i], "Set-Cookie"))
			continue;
		any = 1;
		size_t nl = strcspn(v, "=;");
		snprintf(name, sizeof(name), "%.*s", (int)(nl < 127 ? nl : 127), v);
		int secure = has_token(strchr(v, ';') ? strchr(v, ';') : "", "Secure") && https;
		int httponly = has_token(strchr(v, ';') ? strchr(v, ';') : "", "HttpOnly");
		int sess = session_name(name);
		if ((ss = strcasestr(v, "SameSite="))) {
			ss += 9;
			if (strncasecmp(ss, "Strict", 6) && strncasecmp(ss, "Lax", 3) &&
			    strncasecmp(ss, "None", 4))
				samesite_bad = 1;
		} else {
			samesite_all = 0;
			if (strcasestr(name, "csrf") || strcasestr(name, "xsrf"))
				csrf_nosamesite = 1;
		}
		if (!secure) {
			insecure = 1;
			sess_insecure |= sess;
		}
		if (sess && !httponly)
			sess_nohttponly = 1;
	}
	if (!any)
		add(g, "cookies", "cookies-not-found", 0);
	else if (sess_insecure)
		add(g, "cookies", hsts_age > 0 ? "cookies-session-without-secure-flag-but-protected-by-hsts"
					      : "cookies-session-without-secure-flag",
		    hsts_age > 0 ? -10 : -40);
	else if (sess_nohttponly)
		add(g, "cookies", "cookies-session-without-httponly-flag", -30);
	else if (samesite_bad)
		add(g, "cookies", "cookies-samesite-flag-invalid", -20);
	else if (csrf_nosamesite)
		add(g, "cookies", "cookies-anticsrf-without-samesite-flag", -20);
	else if (insecure)
		add(g, "cookies", hsts_age > 0 ? "cookies-without-secure-flag-but-protected-by-hsts"
					      : "cookies-without-secure-flag",
		    hsts_age > 0 ? -5 : -20);
	else if (samesite_all)
		add(g, "cookies", "cookies-secure-with-httponly-sessions-and-samesite", 5);
	else
		add(g, "cookies", "cookies-secure-with-httponly-sessions", 0);
}

/* HSTS max-age in seconds: -1 not present or no https, -2 invalid */
static long hsts_max_age(const struct audit_http *h, int https)
{
	const char *v = audit_http_header(h, "Strict-Transport-Security"), *m;
	char *end;
	long age;

	if (!https || !v)
		return -1;
	if (!(m = strcasestr(v, "max-age=")))
		return -2;
	m += 8;
	if (*m == '"')
		m++;
	age = strtol(m, &end, 10);
	if (end == m || age < 0)
		return -2;
	return age;
}

/* scheme and host of a URL into out ("https://a.example"); 0 on success */
static int origin_of(const char *url, char *out, size_t n)
{
	const char *p = strstr(url, "://");
	if (!p)
		return -1;
	p += 3;
	size_t l = strcspn(p, "/?#");
	snprintf(out, n, "%.*s%.*s", (int)(p - url), url, (int)l, p);
	return 0;
}

/* the same host, ports aside ("a.example:8443" and "a.example") */
static int same_host(const char *a, const char *b)
{
	size_t la = strcspn(a, ":"), lb = strcspn(b, ":");
	if (*a == '[')
		la = strcspn(a, "]");
	if (*b == '[')
		lb = strcspn(b, "]");
	return la == lb && !strncasecmp(a, b, la);
}

static void test_sri(const struct audit_http *h, struct audit_web_grade *g)
{
	const char *ct = audit_http_header(h, "Content-Type");
	char origin[512];
	int scripts = 0, ext_insecure = 0, ext_secure_nosri = 0, sri = 0, ext = 0;

	if (!ct || !strcasestr(ct, "text/html") || !h->body) {
		add(g, "subresource-integrity", "sri-not-implemented-response-not-html", 0);
		return;
	}
	if (origin_of(h->url, origin, sizeof(origin)))
		origin[0] = 0;
	for (const char *p = h->body; (p = strcasestr(p, "<script"));) {
		const char *end = strchr(p, '>'), *src;
		if (!end)
			break;
		scripts++;
		src = strcasestr(p, "src=");
		if (src && src < end) {
			src += 4;
			if (*src == '"' || *src == '\'')
				src++;
			int has_sri = strcasestr(p, "integrity=") && strcasestr(p, "integrity=") < end;
			sri |= has_sri;
			if (!strncmp(src, "//", 2) || !strncasecmp(src, "http://", 7) ||
			    !strncasecmp(src, "https://", 8)) {
				int same = origin[0] && !strncasecmp(src, origin, strlen(origin)) &&
					   strchr("/\"' ", src[strlen(origin)]);
				if (!same) {
					ext++;
					if (strncasecmp(src, "https://", 8))
						ext_insecure = 1;
					else if (!has_sri)
						ext_secure_nosri = 1;
				}
			}
		}
		p = end;
	}
	if (!scripts)
		add(g, "subresource-integrity", "sri-not-implemented-but-no-scripts-loaded", 0);
	else if (ext_insecure)
		add(g, "subresource-integrity", sri ? "sri-implemented-but-external-scripts-not-loaded-securely"
						    : "sri-not-implemented-and-external-scripts-not-loaded-securely",
		    sri ? -20 : -50);
	else if (ext_secure_nosri)
		add(g, "subresource-integrity", "sri-not-implemented-but-external-scripts-loaded-securely",
		    -5);
	else if (sri)
		add(g, "subresource-integrity", ext ? "sri-implemented-and-external-scripts-loaded-securely"
						    : "sri-implemented-and-all-scripts-loaded-securely",
		    5);
	else
		add(g, "subresource-integrity",
		    "sri-not-implemented-but-all-scripts-loaded-from-secure-origin", 0);
}

/* a header with a fixed set of values: test, header, then (value, key, modifier) triples */
struct enum_val {
	const char *value, *key;
	int mod;
};
static void test_enum(const struct audit_http *h, struct audit_web_grade *g, const char *test,
		      const char *header, const char *missing, int missing_mod,
		      const char *invalid, int invalid_mod, const struct enum_val *vals)
{
	const char *v = audit_http_header(h, header);
	char val[128];
	size_t n;

	if (!v) {
		add(g, test, missing, missing_mod);
		return;
	}
	while (*v == ' ')
		v++;
	n = strcspn(v, ";, ");
	snprintf(val, sizeof(val), "%.*s", (int)(n < 127 ? n : 127), v);
	for (size_t i = 0; vals[i].value; i++)
		if (!strcasecmp(val, vals[i].value)) {
			add(g, test, vals[i].key, vals[i].mod);
			return;
		}
	add(g, test, invalid, invalid_mod);
}

static const char *grade_of(int score)
{
	static const struct { int min; const char *g; } chart[] = {
		{ 100, "A+" }, { 90, "A" }, { 85, "A-" }, { 80, "B+" }, { 70, "B" }, { 65, "B-" },
		{ 60, "C+" }, { 50, "C" }, { 45, "C-" }, { 40, "D+" }, { 30, "D" }, { 25, "D-" },
		{ 0, "F" },
	};
	int s = score - score % 5;
	if (s > 100)
		s = 100;
	for (size_t i = 0; i < sizeof(chart) / sizeof(chart[0]); i++)
		if (s >= chart[i].min)
			return chart[i].g;
	return "F";
}

void audit_web_grade(const struct audit_http *page, const struct audit_http *http_first,
		     const char *http_final_url, struct audit_web_grade *g)
{
	static const struct enum_val xcto[] = { { "nosniff", "x-content-type-options-nosniff", 0 },
						{ NULL, NULL, 0 } };
	static const struct enum_val rp[] = {
		{ "no-referrer", "referrer-policy-private", 5 },
		{ "same-origin", "referrer-policy-private", 5 },
		{ "strict-origin", "referrer-policy-private", 5 },
		{ "strict-origin-when-cross-origin", "referrer-policy-private", 5 },
		{ "origin", "referrer-policy-unsafe", -5 },
		{ "origin-when-cross-origin", "referrer-policy-unsafe", -5 },
		{ "unsafe-url", "referrer-policy-unsafe", -5 },
		{ "no-referrer-when-downgrade", "referrer-policy-unsafe", -5 },
		{ NULL, NULL, 0 } };
	static const struct enum_val corp[] = {
		{ "same-origin", "corp-implemented-with-same-origin", 10 },
		{ "same-site", "corp-implemented-with-same-site", 10 },
		{ "cross-origin", "corp-implemented-with-cross-origin", 0 }, { NULL, NULL, 0 } };
	static const struct enum_val coep[] = {
		{ "require-corp", "coep-implemented-with-require-corp", 10 },
		{ "credentialless", "coep-implemented-with-credentialless", 10 },
		{ "unsafe-none", "coep-implemented-with-unsafe-none", 0 }, { NULL, NULL, 0 } };
	static const struct enum_val coop[] = {
		{ "same-origin", "coop-implemented-with-same-origin", 10 },
		{ "same-origin-allow-popups", "coop-implemented-with-same-origin-allow-popups", 10 },
		{ "noopener-allow-popups", "coop-implemented-with-noopener-allow-popups", 10 },
		{ "unsafe-none", "coop-implemented-with-unsafe-none", 0 }, { NULL, NULL, 0 } };
	int https = page->url && !strncasecmp(page->url, "https://", 8), frame_anc = 0;
	long age = hsts_max_age(page, https);
	int neg = 100, pos = 0;

	memset(g, 0, sizeof(*g));
	test_csp(page, g, &frame_anc);
	if (header_count(page, "Content-Security-Policy") > 1 && g->r[0].modifier >= 0)
		g->r[0].key = "csp-implemented-but-duplicate-directives";
	test_cookies(page, https, age, g);

	const char *acao = audit_http_header(page, "Access-Control-Allow-Origin");
	const char *acac = audit_http_header(page, "Access-Control-Allow-Credentials");
	if (!acao)
		add(g, "cross-origin-resource-sharing", "cross-origin-resource-sharing-not-implemented", 0);
	else if (!strcmp(acao, "*") && !(acac && !strcasecmp(acac, "true")))
		add(g, "cross-origin-resource-sharing",
		    "cross-origin-resource-sharing-implemented-with-public-access", 0);
	else if (acac && !strcasecmp(acac, "true") && (!strcmp(acao, "*") || !strcmp(acao, "null")))
		add(g, "cross-origin-resource-sharing",
		    "cross-origin-resource-sharing-implemented-with-universal-access", -50);
	else
		add(g, "cross-origin-resource-sharing",
		    "cross-origin-resource-sharing-implemented-with-restricted-access", 0);

	/* redirection: what http:// did */
	if (!http_first) {
		add(g, "redirection", "redirection-not-needed-no-http", 0);
	} else if (http_first->status < 300 || http_first->status >= 400) {
		add(g, "redirection", "redirection-missing", -20);
	} else {
		const char *loc = audit_http_header(http_first, "Location");
		char o1[512], o2[512];
		if (!http_final_url || strncasecmp(http_final_url, "https://", 8))
			add(g, "redirection", "redirection-not-to-https", -20);
		else if (!loc || strncasecmp(loc, "https://", 8))
			add(g, "redirection", "redirection-not-to-https-on-initial-redirection", -10);
		else if (origin_of(loc, o1, sizeof(o1)) == 0 && http_first->url &&
			 origin_of(http_first->url, o2, sizeof(o2)) == 0 &&
			 !same_host(strstr(o1, "://") + 3, strstr(o2, "://") + 3))
			add(g, "redirection", "redirection-off-host-from-http", -5);
		else
			add(g, "redirection", "redirection-to-https", 0);
	}
	test_enum(page, g, "referrer-policy", "Referrer-Policy", "referrer-policy-not-implemented",
		  0, "referrer-policy-header-invalid", -5, rp);
	if (!https)
		add(g, "strict-transport-security", "hsts-not-implemented-no-https", -20);
	else if (age == -1)
		add(g, "strict-transport-security", "hsts-not-implemented", -20);
	else if (age == -2)
		add(g, "strict-transport-security", "hsts-header-invalid", -20);
	else if (age >= 15768000)
		add(g, "strict-transport-security", "hsts-implemented-max-age-at-least-six-months", 0);
	else
		add(g, "strict-transport-security", "hsts-implemented-max-age-less-than-six-months",
		    -10);
	test_sri(page, g);
	test_enum(page, g, "x-content-type-options", "X-Content-Type-Options",
		  "x-content-type-options-not-implemented", -5,
		  "x-content-type-options-header-invalid", -5, xcto);
	if (frame_anc) {
		add(g, "x-frame-options", "x-frame-options-implemented-via-csp", 5);
	} else {
		static const struct enum_val xfo[] = {
			{ "DENY", "x-frame-options-sameorigin-or-deny", 5 },
			{ "SAMEORIGIN", "x-frame-options-sameorigin-or-deny", 5 },
			{ "ALLOW-FROM", "x-frame-options-allow-from-origin", 0 }, { NULL, NULL, 0 } };
		test_enum(page, g, "x-frame-options", "X-Frame-Options",
			  "x-frame-options-not-implemented", -20, "x-frame-options-header-invalid",
			  -20, xfo);
	}
	test_enum(page, g, "cross-origin-resource-policy", "Cross-Origin-Resource-Policy",
		  "corp-not-implemented", 0, "corp-header-invalid", -5, corp);
	test_enum(page, g, "cross-origin-embedder-policy", "Cross-Origin-Embedder-Policy",
		  "coep-not-implemented", 0, "coep-header-invalid", -5, coep);
	test_enum(page, g, "cross-origin-opener-policy", "Cross-Origin-Opener-Policy",
		  "coop-not-implemented", 0, "coop-header-invalid", -5, coop);

	for (size_t i = 0; i < g->n; i++) {
		if (g->r[i].modifier < 0)
			neg += g->r[i].modifier;
		else
			pos += g->r[i].modifier;
	}
	g->score = neg >= 90 ? neg + pos : neg;
	if (g->score < 0)
		g->score = 0;
	snprintf(g->grade, sizeof(g->grade), "%s", grade_of(g->score));
}

/* ---- exposure checks ------------------------------------------------------------------- */

static char *field_dup(const char *s, size_t n)
{
	char *d = malloc(n + 1);
	if (d) {
		memcpy(d, s, n);
		d[n] = 0;
	}
	return d;
}

static void rule_free(struct audit_exposure_rule *r)
{
	free(r->id);
	free(r->category);
	free(r->method);
	free(r->path);
	free(r->match);
	free(r->reject);
	free(r->severity);
	free(r->note);
}

int audit_exposure_load(struct audit_exposure_set *s, const char *name, const char *data,
			size_t len, audit_bad_fn bad, void *arg, struct verr *e)
{
	const char *p = data, *end = data + len;
	long line = 0;

	(void)e;
	while (p < end) {
		const char *nl = memchr(p, '\n', (size_t)(end - p)), *le = nl ? nl : end;
		const char *col[8];
		size_t cl[8], n = 0;
		line++;
		if (le > p && *p != '#') {
			const char *c = p;
			while (n < 8) {
				const char *t = memchr(c, '\t', (size_t)(le - c));
				col[n] = c;
				cl[n] = (size_t)((t ? t : le) - c);
				n++;
				if (!t)
					break;
				c = t + 1;
			}
			if (n < 7 || !cl[0] || !cl[2] || !cl[3] || !cl[4]) {
				struct verr be = { 0 };
				verr_set(&be, V_ERR_PARSE, "", "%s",
					 _("an exposure check needs id, category, method, path, "
					   "match, reject and severity columns"));
				be.file = name;
				be.line = line;
				if (bad)
					bad(arg, &be);
			} else {
				struct audit_exposure_rule *nr = realloc(s->r, (s->n + 1) * sizeof(*nr));
				if (!nr)
					return V_ERR_NOMEM;
				s->r = nr;
				struct audit_exposure_rule *r = &s->r[s->n];
				memset(r, 0, sizeof(*r));
				r->id = field_dup(col[0], cl[0]);
				r->category = field_dup(col[1], cl[1]);
				r->method = field_dup(col[2], cl[2]);
				r->path = field_dup(col[3], cl[3]);
				r->match = field_dup(col[4], cl[4]);
				r->reject = field_dup(col[5], cl[5]);
				r->severity = field_dup(col[6], cl[6]);
				r->note = n > 7 ? field_dup(col[7], cl[7]) : field_dup("", 0);
				if (!r->id || !r->category || !r->method || !r->path || !r->match ||
				    !r->reject || !r->severity || !r->note) {
					rule_free(r);
					return V_ERR_NOMEM;
				}
				s->n++;
			}
		}
		p = nl ? nl + 1 : end;
	}
	return V_OK;
}

void audit_exposure_fini(struct audit_exposure_set *s)
{
	for (size_t i = 0; i < s->n; i++)
		rule_free(&s->r[i]);
	free(s->r);
	s->r = NULL;
	s->n = 0;
}

/* a regex condition /re/flags on text; 1 match, 0 none, -1 bad expression */
static int re_match(const char *spec, size_t n, const char *text, size_t tlen)
{
	const char *close;
	uint32_t opts = PCRE2_UTF | PCRE2_NO_UTF_CHECK;
	pcre2_code *re;
	pcre2_match_data *md;
	int errc, rc;
	PCRE2_SIZE erro;

	if (n < 2 || spec[0] != '/')
		return -1;
	close = spec + n;
	while (close > spec + 1 && close[-1] != '/')
		close--;
	if (close == spec + 1)
		return -1;
	for (const char *f = close; f < spec + n; f++)
		opts |= *f == 'i' ? PCRE2_CASELESS : *f == 'm' ? PCRE2_MULTILINE : 0;
	opts &= ~(uint32_t)(PCRE2_UTF | PCRE2_NO_UTF_CHECK); /* bodies are bytes */
	re = pcre2_compile((PCRE2_SPTR)(spec + 1), (size_t)(close - 1 - spec - 1), opts, &errc, &erro,
			   NULL);
	if (!re)
		return -1;
	md = pcre2_match_data_create_from_pattern(re, NULL);
	rc = md ? pcre2_match(re, (PCRE2_SPTR)text, tlen, 0, 0, md, NULL) : -1;
	pcre2_match_data_free(md);
	pcre2_code_free(re);
	return rc >= 0;
}

/* body^"x" with \xNN escapes: 1 when the body starts with it */
static int starts_with(const char *q, size_t n, const struct audit_http *h)
{
	char want[128];
	size_t w = 0;

	if (n < 2 || q[0] != '"' || q[n - 1] != '"')
		return -1;
	for (size_t i = 1; i + 1 < n && w < sizeof(want); i++) {
		if (q[i] == '\\' && i + 3 < n && q[i + 1] == 'x') {
			char hex[3] = { q[i + 2], q[i + 3], 0 };
			want[w++] = (char)strtol(hex, NULL, 16);
			i += 3;
		} else {
			want[w++] = q[i];
		}
	}
	return h->body && h->body_len >= w && !memcmp(h->body, want, w);
}

/* one condition; 1 holds, 0 not, -1 not understood */
static int condition(const char *c, size_t n, const struct audit_http *h)
{
	size_t bl = h->body_len > 65536 ? 65536 : h->body_len;

	while (n && (*c == ' '))
		c++, n--;
	while (n && c[n - 1] == ' ')
		n--;
	if (n > 7 && !strncmp(c, "status=", 7))
		return h->status == strtol(c + 7, NULL, 10);
	if (n > 5 && !strncmp(c, "body~", 5))
		return re_match(c + 5, n - 5, h->body ? h->body : "", bl);
	if (n > 5 && !strncmp(c, "body^", 5))
		return starts_with(c + 5, n - 5, h);
	if (n > 4 && !strncmp(c, "hdr:", 4)) {
		const char *t = memchr(c, '~', n);
		char hn[64];
		if (!t || (size_t)(t - c - 4) >= sizeof(hn))
			return -1;
		snprintf(hn, sizeof(hn), "%.*s", (int)(t - c - 4), c + 4);
		const char *v = audit_http_header(h, hn);
		return v ? re_match(t + 1, n - (size_t)(t + 1 - c), v, strlen(v)) : 0;
	}
	if (n > 6 && !strncmp(c, "https;", 6))
		return h->url && !strncasecmp(h->url, "https://", 8);
	return -1;
}

/* every ';'-separated condition holds (all=1) or any holds (all=0); -1 not understood */
static int conditions(const char *s, int all, const struct audit_http *h)
{
	int any = 0;
	if (!*s)
		return all ? 1 : 0;
	for (const char *p = s; *p;) {
		/* split at "; " outside /.../ */
		const char *q = p;
		int inre = 0;
		while (*q && !(!inre && *q == ';')) {
			if (*q == '/' && (q == p || q[-1] != '\\'))
				inre = !inre;
			q++;
		}
		int r = condition(p, (size_t)(q - p), h);
		if (r < 0)
			return -1;
		if (all && !r)
			return 0;
		any |= r;
		p = *q ? q + 1 : q;
	}
	return all ? 1 : any;
}

int audit_exposure_hit(const struct audit_exposure_rule *r, const struct audit_http *resp,
		       const struct audit_http *baseline)
{
	int m = conditions(r->match, 1, resp);

	if (m <= 0)
		return m;
	if (conditions(r->reject, 0, resp) == 1)
		return 0;
	/* the soft-404 baseline: a site that answers everything the same way */
	if (baseline && baseline->status == resp->status && baseline->body_len == resp->body_len &&
	    (!resp->body_len || !memcmp(baseline->body, resp->body, resp->body_len)) &&
	    strcmp(r->path, "/"))
		return 0;
	return 1;
}
