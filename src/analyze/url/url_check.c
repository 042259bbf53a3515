/*
 * url_check.c — the verdict on one URL: allow and block lists first, then heuristics (each a
 * named reason with a weight), then the lexical model.
 *
 * The data the heuristics use are plain files under data/url/ embedded into the binary
 * (suspicious TLDs, free hosting and dynamic DNS suffixes, shorteners, brands and their own
 * registrable domains, credential words).  Registrable domains come from libpsl with Debian's
 * public suffix list; confusable and mixed-script host names from ICU's spoof checker.
 *
 * Score: with a model, 100 x its probability (the heuristics are among its features); without
 * one, the sum of the reasons' weights, capped at 100.  A block-list hit is 100 and malicious,
 * an allow-list hit 0 and clean, whatever the rest says.
 */
#include <ctype.h>
#include <math.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <idn2.h>
#include <libpsl.h>
#include <unicode/uspoof.h>

#include "analyze/url/url.h"
#include "base/i18n.h"
#include "ingest/ingest.h"

#define PSL_DEFAULT "/usr/share/publicsuffix/public_suffix_list.dat"

struct strset { /* sorted strings, binary search */
	char **v;
	size_t n;
};

struct brand {
	char *name;
	char *domains; /* ",a.com,b.com," */
	char skeleton[64];
};

struct url_checker {
	psl_ctx_t *psl;
	USpoofChecker *spoof;
	struct strset tlds, hosting, shorteners, words;
	struct brand *brands;
	size_t nbrands;
	struct url_model *model;
	struct url_holder *lists;
};

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

static int set_has(const struct strset *s, const char *k)
{
	return s->n && bsearch(&k, s->v, s->n, sizeof s->v[0], cmp_str) != NULL;
}

/* Lines of an embedded data file: '#' comments and blank lines skipped. */
static int load_lines(const char *blob, struct strset *s, struct verr *err)
{
	size_t len;
	const char *t = blob_get(blob, &len);

	if (!t)
		return verr_set(err, V_ERR_NOTFOUND, "", _("built-in data file %s missing"), blob);
	for (const char *p = t; p < t + len;) {
		const char *e = memchr(p, '\n', (size_t)(t + len - p));
		if (!e)
			e = t + len;
		size_t n = (size_t)(e - p);
		while (n && (p[n - 1] == '\r' || p[n - 1] == ' '))
			n--;
		if (n && p[0] != '#') {
			char **v = realloc(s->v, (s->n + 1) * sizeof *v);
			if (!v || !(v[s->n] = strndup(p, n))) {
				if (v)
					s->v = v;
				return verr_set(err, V_ERR_NOMEM, "", "%s", _("out of memory"));
			}
			s->v = v;
			s->n++;
		}
		p = e + 1;
	}
	qsort(s->v, s->n, sizeof s->v[0], cmp_str);
	return V_OK;
}

static void set_free(struct strset *s)
{
	for (size_t i = 0; i < s->n; i++)
		free(s->v[i]);
	free(s->v);
}

static int load_brands(struct url_checker *k, struct verr *err)
{
	struct strset lines = {0};
	int rc = load_lines("url/brands.txt", &lines, err);

	if (rc != V_OK)
		return rc;
	k->brands = calloc(lines.n ? lines.n : 1, sizeof *k->brands);
	if (!k->brands) {
		set_free(&lines);
		return verr_set(err, V_ERR_NOMEM, "", "%s", _("out of memory"));
	}
	for (size_t i = 0; i < lines.n; i++) {
		char *tab = strchr(lines.v[i], '\t');
		if (!tab)
			continue;
		struct brand *b = &k->brands[k->nbrands];
		b->name = strndup(lines.v[i], (size_t)(tab - lines.v[i]));
		size_t dn = strlen(tab + 1) + 3;
		b->domains = malloc(dn);
		if (!b->name || !b->domains) {
			free(b->name);
			free(b->domains);
			set_free(&lines);
			return verr_set(err, V_ERR_NOMEM, "", "%s", _("out of memory"));
		}
		snprintf(b->domains, dn, ",%s,", tab + 1);
		if (k->spoof) {
			UErrorCode st = U_ZERO_ERROR;
			int32_t sn = uspoof_getSkeletonUTF8(k->spoof, 0, b->name, -1, b->skeleton,
			                                    (int32_t)sizeof b->skeleton - 1, &st);
			if (U_FAILURE(st) || sn < 0)
				sn = 0;
			b->skeleton[sn] = 0;
		}
		k->nbrands++;
	}
	set_free(&lines);
	return V_OK;
}

int url_checker_new(const struct url_checker_options *o, struct url_checker **out, struct verr *err)
{
	struct url_checker *k = calloc(1, sizeof *k);
	const char *psl_path = o && o->psl_path && *o->psl_path ? o->psl_path : PSL_DEFAULT;
	int rc;
	UErrorCode st = U_ZERO_ERROR;

	*out = NULL;
	if (!k)
		return verr_set(err, V_ERR_NOMEM, "", "%s", _("out of memory"));
	k->lists = o ? o->lists : NULL;
	k->psl = psl_load_file(psl_path);
	if (!k->psl) {
		url_checker_free(k);
		return verr_set(err, V_ERR_IO, "url.psl",
		                _("%s: cannot load the public suffix list"), psl_path);
	}
	k->spoof = uspoof_open(&st);
	if (U_FAILURE(st)) {
		url_checker_free(k);
		return verr_set(err, V_ERR_INVALID, "", _("ICU spoof checker: %s"),
		                u_errorName(st));
	}
	uspoof_setChecks(k->spoof,
	                 USPOOF_RESTRICTION_LEVEL | USPOOF_MIXED_SCRIPT_CONFUSABLE |
	                     USPOOF_INVISIBLE | USPOOF_MIXED_NUMBERS,
	                 &st);
	uspoof_setRestrictionLevel(k->spoof, USPOOF_HIGHLY_RESTRICTIVE);
	if ((rc = load_lines("url/suspicious-tlds.txt", &k->tlds, err)) != V_OK ||
	    (rc = load_lines("url/free-hosting.txt", &k->hosting, err)) != V_OK ||
	    (rc = load_lines("url/shorteners.txt", &k->shorteners, err)) != V_OK ||
	    (rc = load_lines("url/credential-words.txt", &k->words, err)) != V_OK ||
	    (rc = load_brands(k, err)) != V_OK) {
		url_checker_free(k);
		return rc;
	}
	if (o && o->model_path && *o->model_path &&
	    (rc = url_model_load(o->model_path, &k->model, err)) != V_OK) {
		url_checker_free(k);
		return rc;
	}
	*out = k;
	return V_OK;
}

void url_checker_free(struct url_checker *k)
{
	if (!k)
		return;
	if (k->psl)
		psl_free(k->psl);
	if (k->spoof)
		uspoof_close(k->spoof);
	set_free(&k->tlds);
	set_free(&k->hosting);
	set_free(&k->shorteners);
	set_free(&k->words);
	for (size_t i = 0; i < k->nbrands; i++) {
		free(k->brands[i].name);
		free(k->brands[i].domains);
	}
	free(k->brands);
	url_model_free(k->model);
	free(k);
}

int url_checker_has_model(const struct url_checker *k)
{
	return k && k->model;
}

const char *url_verdict_name(enum url_verdict v)
{
	static const char *const names[] = {"clean", "suspicious", "malicious", "unknown",
	                                    "invalid"};
	return (unsigned)v < 5 ? names[v] : "unknown";
}

void url_result_init(struct url_result *r)
{
	memset(r, 0, offsetof(struct url_result, c));
	r->lists = NULL;
	r->c.len = 0;
	r->c.canon[0] = 0;
}

void url_result_fini(struct url_result *r)
{
	url_lists_release(r->lists);
	r->lists = NULL;
}

__attribute__((format(printf, 4, 5))) static void add_reason(struct url_result *r, const char *name,
                                                             int weight, const char *fmt, ...)
{
	va_list ap;

	if (r->nreasons >= URL_MAX_REASONS)
		return;
	struct url_reason *x = &r->reason[r->nreasons++];
	x->name = name;
	x->weight = weight;
	va_start(ap, fmt);
	vsnprintf(x->detail, sizeof x->detail, fmt, ap);
	va_end(ap);
}

static const char *suffix_in(const struct strset *set, const char *h, size_t hn)
{
	for (size_t i = 0; i < hn; i++) /* every suffix starting at a label */
		if (i == 0 || h[i - 1] == '.') {
			char key[256];
			if (hn - i >= sizeof key)
				continue;
			memcpy(key, h + i, hn - i);
			key[hn - i] = 0;
			const char *k = key;
			char **hit =
			    set->n ? bsearch(&k, set->v, set->n, sizeof set->v[0], cmp_str) : NULL;
			if (hit)
				return *hit;
		}
	return NULL;
}

/* A random-looking (DGA-like) label: long, few vowels, long consonant runs, letters and digits
 * interleaved, or high character entropy. */
static int random_label(const char *s, size_t n, char *why, size_t wn)
{
	int vowels = 0, digits = 0, run = 0, maxrun = 0, switches = 0, cnt[256] = {0};
	if (n < 8)
		return 0;
	for (size_t i = 0; i < n; i++) {
		unsigned char ch = (unsigned char)s[i];
		cnt[ch]++;
		int d = isdigit(ch) != 0;
		digits += d;
		if (strchr("aeiouy", ch)) {
			vowels++;
			run = 0;
		} else if (isalpha(ch)) {
			if (++run > maxrun)
				maxrun = run;
		} else {
			run = 0;
		}
		if (i && (isdigit((unsigned char)s[i - 1]) != 0) != d && isalnum(ch))
			switches++;
	}
	double ent = 0;
	for (int i = 0; i < 256; i++)
		if (cnt[i]) {
			double p = (double)cnt[i] / (double)n;
			ent -= p * log2(p);
		}
	double vr = (double)vowels / (double)n;
	if (maxrun >= 6 || (n >= 12 && vr < 0.2) || switches >= 4 || (n >= 14 && ent > 3.7)) {
		snprintf(why, wn, "%.*s (consonant run %d, vowels %.0f%%, entropy %.2f)",
		         (int)(n > 40 ? 40 : n), s, maxrun, 100 * vr, ent);
		return 1;
	}
	return 0;
}

static int is_exec_name(const char *seg, size_t n)
{
	static const char *const ext[] = {
	    "exe",  "scr",  "msi",  "bat",  "cmd", "pif",    "apk",  "jar", "js",   "vbs",
	    "vbe",  "ps1",  "hta",  "dll",  "bin", "sh",     "elf",  "arm", "arm4", "arm5",
	    "arm6", "arm7", "mips", "mpsl", "x86", "x86_64", "m68k", "ppc", "sh4",  "spc",
	    "i686", "i586", "lnk",  "iso",  "img", "dmg",    "xll",  NULL};
	const char *dot = NULL;
	for (size_t i = 0; i < n; i++)
		if (seg[i] == '.')
			dot = seg + i;
	if (n >= 5 && strncasecmp(seg, "mozi.", 5) == 0)
		return 1;
	if (!dot)
		return 0;
	size_t en = (size_t)(seg + n - dot - 1);
	for (size_t i = 0; ext[i]; i++)
		if (strlen(ext[i]) == en && strncasecmp(dot + 1, ext[i], en) == 0)
			return 1;
	return 0;
}

/* Brand words in the host and path tokens of a URL that is not the brand's own. */
static void brands(struct url_checker *k, struct url_result *r, const char *lower, size_t n)
{
	const char *reg = r->registrable;
	char key[530];

	snprintf(key, sizeof key, ",%s,", reg);
	for (size_t b = 0; b < k->nbrands; b++) {
		const struct brand *br = &k->brands[b];
		size_t bn = strlen(br->name);
		const char *p = lower;
		int hit = 0;
		while ((p = memmem(p, (size_t)(lower + n - p), br->name, bn)) != NULL) {
			int left = p == lower || !isalnum((unsigned char)p[-1]);
			int right = p + bn >= lower + n || !isalnum((unsigned char)p[bn]);
			if ((left && right) || bn >= 5) {
				hit = 1;
				break;
			}
			p++;
		}
		if (!hit || strstr(br->domains, key))
			continue;
		int in_host =
		    memmem(r->c.canon + r->c.host_off, r->c.host_len, br->name, bn) != NULL;
		add_reason(r, "brand_outside", in_host ? 30 : 20, "%s in %s of %s", br->name,
		           in_host ? "the host" : "the path", reg);
		return;
	}
}

/* ICU's spoof checker on the Unicode form of a punycode host: mixed scripts, confusables,
 * invisible characters; and a label whose skeleton is a brand's. */
static void spoof(struct url_checker *k, struct url_result *r, const char *host)
{
	char *u = NULL;

	if (!k->spoof || idn2_to_unicode_8z8z(host, &u, 0) != IDN2_OK || !u) {
		idn2_free(u);
		return;
	}
	UErrorCode st = U_ZERO_ERROR;
	char *save = NULL;
	int flagged = 0;
	for (char *lab = strtok_r(u, ".", &save); lab; lab = strtok_r(NULL, ".", &save)) {
		int ascii = 1;
		for (char *p = lab; *p; p++)
			if ((unsigned char)*p >= 0x80)
				ascii = 0;
		if (ascii)
			continue;
		st = U_ZERO_ERROR;
		int32_t res = uspoof_checkUTF8(k->spoof, lab, -1, NULL, &st);
		if (U_SUCCESS(st) && res && !flagged) {
			add_reason(r, "confusable", 30, "%s (%s%s%s)", lab,
			           (res & USPOOF_RESTRICTION_LEVEL) ? "mixed scripts " : "",
			           (res & USPOOF_MIXED_SCRIPT_CONFUSABLE) ? "confusable " : "",
			           (res & USPOOF_INVISIBLE) ? "invisible " : "");
			flagged = 1;
		}
		char sk[256];
		st = U_ZERO_ERROR;
		int32_t sn = uspoof_getSkeletonUTF8(k->spoof, 0, lab, -1, sk, sizeof sk - 1, &st);
		if (U_FAILURE(st) || sn <= 0)
			continue;
		sk[sn] = 0;
		for (size_t b = 0; b < k->nbrands; b++)
			if (k->brands[b].skeleton[0] && strstr(sk, k->brands[b].skeleton)) {
				add_reason(r, "brand_lookalike", 40, "%s looks like %s", lab,
				           k->brands[b].name);
				break;
			}
	}
	idn2_free(u);
}

void url_heuristics(struct url_checker *k, const char *in, size_t len, struct url_result *r)
{
	const struct url_canon *c = &r->c;
	char host[512];
	size_t hn = c->host_len < sizeof host ? c->host_len : sizeof host - 1;

	memcpy(host, c->canon + c->host_off, hn);
	host[hn] = 0;
	r->registrable[0] = 0;
	if (c->host_kind == URL_HOST_DOMAIN) {
		const char *reg = k->psl ? psl_registrable_domain(k->psl, host) : NULL;
		snprintf(r->registrable, sizeof r->registrable, "%s", reg ? reg : host);
	} else {
		snprintf(r->registrable, sizeof r->registrable, "%s", host);
	}
	if (c->truncated)
		add_reason(r, "too_long", 10, "longer than %d bytes, cut there", URL_MAX_INPUT);
	if (c->host_kind == URL_HOST_IPV4 || c->host_kind == URL_HOST_IPV6)
		add_reason(r, "ip_host", 25, "%s", host);
	if (c->port >= 0 && c->port != 80 && c->port != 443)
		add_reason(r, "unusual_port", 10, "port %d", c->port);
	if (c->has_userinfo) {
		/* "http://www.bank.com@evil.example/": what is shown first is not the host */
		const char *at = memchr(in, '@', len);
		int dotted = at && memchr(in, '.', (size_t)(at - in)) != NULL;
		add_reason(r, "userinfo", dotted ? 30 : 15, "%s",
		           dotted ? "a host name before '@'" : "user name before the host");
	}
	if (c->host_kind != URL_HOST_DOMAIN)
		goto path;
	size_t labels = 1, reglabels = 1;
	for (size_t i = 0; i < hn; i++)
		labels += host[i] == '.';
	for (const char *p = r->registrable; *p; p++)
		reglabels += *p == '.';
	if (labels >= reglabels + 3)
		add_reason(r, "deep_subdomains", 10, "%zu labels before %s", labels - reglabels,
		           r->registrable);
	if (c->idna || strstr(host, "xn--")) {
		add_reason(r, "punycode", 10, "%s", host);
		spoof(k, r, host);
	}
	const char *tld = strrchr(host, '.');
	tld = tld ? tld + 1 : host;
	if (set_has(&k->tlds, tld))
		add_reason(r, "suspicious_tld", 15, ".%s", tld);
	const char *fh = suffix_in(&k->hosting, host, hn);
	if (fh)
		add_reason(r, "free_hosting", 15, "under %s", fh);
	if (suffix_in(&k->shorteners, host, hn))
		add_reason(r, "shortener", 10, "%s", host);
	/* the registrable domain's own label: random-looking? */
	{
		char why[100];
		size_t rn = strcspn(r->registrable, ".");
		const char *best = r->registrable;
		if (!random_label(best, rn, why, sizeof why)) {
			/* or the longest subdomain label */
			size_t bl = 0, cur = 0;
			const char *bs = NULL;
			for (size_t i = 0; i <= hn; i++) {
				if (i == hn || host[i] == '.') {
					if (i - cur > bl) {
						bl = i - cur;
						bs = host + cur;
					}
					cur = i + 1;
				}
			}
			if (bs && bl >= 12 && random_label(bs, bl, why, sizeof why))
				add_reason(r, "random_label", 15, "%s", why);
		} else {
			add_reason(r, "random_label", 15, "%s", why);
		}
	}
path:;
	/* host + path + query, lower case, for words and brands */
	size_t tn = c->len - c->host_off;
	char *low = malloc(tn + 1);
	if (low) {
		for (size_t i = 0; i < tn; i++)
			low[i] = (char)tolower((unsigned char)c->canon[c->host_off + i]);
		low[tn] = 0;
		int words = 0;
		const char *first = NULL;
		for (size_t i = 0; i < k->words.n; i++)
			if (strstr(low, k->words.v[i])) {
				if (!first)
					first = k->words.v[i];
				words++;
			}
		if (words)
			add_reason(r, "credential_words", words >= 3 ? 20 : 10, "%d (%s%s)", words,
			           first, words > 1 ? ", ..." : "");
		if (c->host_kind == URL_HOST_DOMAIN)
			brands(k, r, low, tn);
		free(low);
	}
	/* the last path segment: an executable or a botnet loader */
	{
		const char *p = c->canon + c->path_off;
		size_t pn = c->path_len, b = pn;
		while (b > 0 && p[b - 1] != '/')
			b--;
		if (pn > b && is_exec_name(p + b, pn - b))
			add_reason(r, "executable", 25, "%.*s", (int)(pn - b > 60 ? 60 : pn - b),
			           p + b);
	}
	/* heavy percent-encoding in what was given */
	{
		size_t esc = 0;
		for (size_t i = 0; i + 2 < len; i++)
			if (in[i] == '%' && isxdigit((unsigned char)in[i + 1]) &&
			    isxdigit((unsigned char)in[i + 2]))
				esc++;
		if (esc >= 12 || (esc >= 4 && esc * 3 * 4 >= len))
			add_reason(r, "percent_encoding", 10, "%zu escapes", esc);
	}
	int sum = 0;
	for (size_t i = 0; i < r->nreasons; i++)
		sum += r->reason[i].weight;
	r->heuristic_score = sum > 100 ? 100 : sum;
}

void url_check(struct url_checker *k, const char *in, size_t len, struct url_result *r)
{
	url_lists_release(r->lists);
	r->lists = NULL;
	r->nreasons = r->nmatch = 0;
	r->allowed = 0;
	r->score = r->heuristic_score = 0;
	r->model_p = -1;
	r->invalid = NULL;
	r->registrable[0] = 0;
	if (url_canon(in, len, &r->c) != V_OK) {
		r->verdict = URL_INVALID;
		r->invalid = r->c.reason;
		return;
	}
	if (k->lists && (r->lists = url_holder_get(k->lists)) != NULL) {
		r->nmatch = url_list_match(r->lists->allow, &r->c, r->match, URL_MAX_MATCHES);
		if (r->nmatch) {
			r->allowed = 1;
		} else {
			r->nmatch =
			    url_list_match(r->lists->block, &r->c, r->match, URL_MAX_MATCHES);
		}
	}
	url_heuristics(k, in, len, r);
	/* scored: the model gave an estimate (it can fail only inside libxgboost; the URL is
	 * then judged as without a model, never given a made-up score) */
	int scored = 0;
	if (k->model) {
		uint32_t f[URL_MAX_FEATURES];
		size_t nf = url_features(in, len, r, f, URL_MAX_FEATURES);
		double p = url_model_predict(k->model, r, f, nf);
		scored = p >= 0;
		if (scored)
			r->model_p = p;
	}
	if (scored) {
		r->score = (int)lround(100.0 * r->model_p);
		add_reason(r, "model", r->score, "lexical model: %.0f%% malicious",
		           100.0 * r->model_p);
	} else {
		r->score = r->heuristic_score;
	}
	if (r->allowed) {
		r->score = 0;
		r->verdict = URL_CLEAN;
	} else if (r->nmatch) {
		r->score = 100;
		r->verdict = URL_MALICIOUS;
	} else if (!scored && r->nreasons == 0) {
		r->verdict =
		    URL_UNKNOWN; /* nothing to judge by: no list hit, no model, no reason */
	} else {
		int susp = URL_SCORE_SUSPICIOUS_HEURISTIC, mal = URL_SCORE_MALICIOUS;
		if (scored)
			url_model_lines(k->model, &susp, &mal);
		r->verdict = r->score >= mal    ? URL_MALICIOUS
		             : r->score >= susp ? URL_SUSPICIOUS
		                                : URL_CLEAN;
	}
}
