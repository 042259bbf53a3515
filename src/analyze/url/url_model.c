/*
 * url_model.c — the lexical model: a logistic regression over hashed features of a URL and
 * gradient-boosted trees (libxgboost) over dense features and the regression's logit, their
 * training (`vigia url train`), the choice of the verdict lines on validation folds, and the
 * evaluation by nested cross-validation split by registrable domain.
 *
 * Features of the regression (url_features): character 3- and 4-grams of the host (digits
 * folded to 0 for IP hosts), 3-grams and tokens of the path and query, the registrable domain,
 * the TLD, label count and length classes, the first subdomain label, letter statistics of the
 * registrable label (vowel share, consonant run, letter/digit switches), and every heuristic
 * reason that fired.  The scheme is left out on purpose: in the training data it encodes the
 * year a row was collected more than anything about the URL (docs/url-analysis.md).  Each
 * feature is FNV-1a hashed into 2^URL_MODEL_BITS buckets, a fixed function, so a model file
 * means the same thing on every machine.  Features of the trees (url_dense): lengths, counts,
 * classes and the reasons as flags, and the regression's logit, out of fold when training
 * (stacking: a row's logit comes from a regression that never saw its domain).
 *
 * The regression is trained by plain SGD on the log loss with L2, a fixed number of epochs and
 * a fixed shuffle (a 64-bit LCG seeded with a constant), URL_MODEL_BAG times with different
 * seeds and the weights averaged; the trees on one thread with no sampling and a fixed seed:
 * the same data give the same model file, byte for byte.  File: "VURLMDL4" (VURLMDL1-3 had no
 * trees and are refused), uint32 bits, uint32 verdict lines (suspicious in the low byte,
 * malicious in the next), float32 a and b of the score's scale, float32 bias, float32 weights
 * (little-endian), uint32 length of the trees and the trees (libxgboost's UBJSON), then a
 * SHA-256 of everything before it.  Loading hands the trees to libxgboost once, takes them back
 * as JSON into url_trees.c's flat arrays and lets the library go: a URL's prediction walks
 * those arrays (the same float margin, a hundredth of the cost; docs/benchmarks.md).
 */
#include <ctype.h>
#include <errno.h>
#include <inttypes.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sodium.h>
#include <xgboost/c_api.h>

#include "analyze/url/url.h"
#include "base/i18n.h"

#define MAGIC "VURLMDL4"
#define NB    ((size_t)1 << URL_MODEL_BITS)

struct url_model {
	float bias;
	float *w;
	BoosterHandle boost;       /* the second stage while training; NULL in a loaded model */
	struct url_trees *trees;   /* the second stage of a loaded model, for url_model_predict */
	float cal_a, cal_b;        /* calibration: p = 1/(1+exp(-(cal_a z + cal_b))) */
	int suspicious, malicious; /* the verdict lines, chosen on validation predictions */
};

static uint32_t fnv(const char *tag, const char *s, size_t n)
{
	uint64_t h = 1469598103934665603ULL;
	for (const char *p = tag; *p; p++)
		h = (h ^ (unsigned char)*p) * 1099511628211ULL;
	h = (h ^ 0xff) * 1099511628211ULL;
	for (size_t i = 0; i < n; i++)
		h = (h ^ (unsigned char)s[i]) * 1099511628211ULL;
	return (uint32_t)((h ^ (h >> 32)) & (NB - 1));
}

#define ADD(tag, s, n)                                                                             \
	do {                                                                                       \
		if (k < max)                                                                       \
			f[k++] = fnv(tag, s, n);                                                   \
	} while (0)

static size_t lg(size_t v)
{
	size_t b = 0;
	while (v > 1) {
		v >>= 1;
		b++;
	}
	return b;
}

size_t url_features(const char *in, size_t len, const struct url_result *r, uint32_t *f, size_t max)
{
	const struct url_canon *c = &r->c;
	char h[260], p[164], num[32];
	size_t k = 0;

	(void)in;
	(void)len;
	ADD("bias", "", 0);
	/* host with boundary marks; digits folded for IP hosts */
	size_t hn = c->host_len > 256 ? 256 : c->host_len;
	h[0] = '^';
	for (size_t i = 0; i < hn; i++) {
		char ch = c->canon[c->host_off + i];
		h[i + 1] = c->host_kind != URL_HOST_DOMAIN && isdigit((unsigned char)ch) ? '0' : ch;
	}
	h[hn + 1] = '$';
	hn += 2;
	for (size_t i = 0; i + 3 <= hn; i++)
		ADD("h3", h + i, 3);
	for (size_t i = 0; i + 4 <= hn; i++)
		ADD("h4", h + i, 4);

	if (c->host_kind == URL_HOST_DOMAIN) {
		ADD("reg", r->registrable, strlen(r->registrable));
		const char *tld = strrchr(r->registrable, '.');
		ADD("tld", tld ? tld : r->registrable, strlen(tld ? tld : r->registrable));
		size_t labels = 1;
		for (size_t i = 0; i < c->host_len; i++)
			labels += c->canon[c->host_off + i] == '.';
		snprintf(num, sizeof num, "%zu", labels > 6 ? 6 : labels);
		ADD("labels", num, strlen(num));
		/* the registrable domain's own label: length, digits, hyphens; and the same
		 * crossed with a bare homepage (no path, no query), which alone says little */
		size_t sl = strcspn(r->registrable, "."), dig = 0, hy = 0;
		for (size_t i = 0; i < sl; i++) {
			dig += isdigit((unsigned char)r->registrable[i]) != 0;
			hy += r->registrable[i] == '-';
		}
		int root = c->path_len <= 1 && !c->has_query;
		int www = c->host_len > 4 && !memcmp(c->canon + c->host_off, "www.", 4);
		snprintf(num, sizeof num, "%d%zu.%zu.%zu%d", root, sl > 16 ? 5 : sl / 4,
		         dig > 2 ? 2 : dig, hy > 2 ? 2 : hy, www);
		ADD("sld", num, strlen(num));
		snprintf(num, sizeof num, "%d%zu", root, sl > 16 ? 5 : sl / 4);
		ADD("sldlen", num, strlen(num));
		snprintf(num, sizeof num, "%d%d", root, www);
		ADD("rootwww", num, strlen(num));
		if (root) {
			const char *t2 = tld ? tld : r->registrable;
			ADD("roottld", t2, strlen(t2));
		}
		/* what stands before the registrable domain: its first label ("www", "m",
		 * "login", a random string), or nothing; label count x subdomain length class */
		size_t sub =
		    c->host_len > strlen(r->registrable) ? c->host_len - strlen(r->registrable) : 0;
		const char *hs = c->canon + c->host_off;
		size_t fl = strcspn(hs, ".");
		if (sub > 0 && fl < sub) {
			ADD("sub1", hs, fl > 24 ? 24 : fl);
			snprintf(num, sizeof num, "%zu.%zu", labels > 6 ? 6 : labels,
			         sub / 8 > 4 ? 4 : sub / 8);
			ADD("subn", num, strlen(num));
		} else {
			ADD("nosub", "", 0);
		}
		/* the registrable label's letters: vowel share (tenths), longest consonant run,
		 * letter/digit switches; and its length class crossed with the TLD */
		size_t vow = 0, run = 0, mrun = 0, sw = 0;
		for (size_t i = 0; i < sl; i++) {
			unsigned char ch = (unsigned char)r->registrable[i];
			int isv = ch && strchr("aeiou", ch) != NULL;
			run = isalpha(ch) && !isv ? run + 1 : 0;
			vow += isv;
			mrun = run > mrun ? run : mrun;
			sw += i && !isdigit(ch) != !isdigit((unsigned char)r->registrable[i - 1]);
		}
		snprintf(num, sizeof num, "%zu", sl ? 10 * vow / sl : 0);
		ADD("vow", num, strlen(num));
		snprintf(num, sizeof num, "%zu", mrun > 6 ? 6 : mrun);
		ADD("crun", num, strlen(num));
		snprintf(num, sizeof num, "%zu", sw > 3 ? 3 : sw);
		ADD("dsw", num, strlen(num));
		{
			char x[sizeof r->registrable + 24];
			const char *t2 = tld ? tld : r->registrable;
			snprintf(x, sizeof x, "%d%zu|%s", root, sl > 16 ? 5 : sl / 4, t2);
			ADD("lentld", x, strlen(x));
		}
		/* tokens of the host (split on '.' and '-') */
		size_t b = 1;
		for (size_t i = 1; i < hn; i++)
			if (h[i] == '.' || h[i] == '-' || h[i] == '$') {
				if (i > b)
					ADD("ht", h + b, i - b);
				b = i + 1;
			}
	} else {
		ADD("iphost", "", 0);
	}
	/* path and query: lower case, digits folded, the first 160 bytes */
	size_t pn = c->len - c->path_off;
	if (pn > 160)
		pn = 160;
	for (size_t i = 0; i < pn; i++) {
		char ch = (char)tolower((unsigned char)c->canon[c->path_off + i]);
		p[i] = isdigit((unsigned char)ch) ? '0' : ch;
	}
	for (size_t i = 0; i + 3 <= pn; i++)
		ADD("p3", p + i, 3);
	size_t b = 0, ntok = 0;
	for (size_t i = 0; i <= pn && ntok < 40; i++)
		if (i == pn || !isalnum((unsigned char)p[i])) {
			if (i > b && i - b <= 24) {
				ADD("pt", p + b, i - b);
				ntok++;
			}
			b = i + 1;
		}
	snprintf(num, sizeof num, "%zu", lg(c->path_len));
	ADD("plen", num, strlen(num));
	snprintf(num, sizeof num, "%zu", lg(c->len));
	ADD("ulen", num, strlen(num));
	if (c->path_len <= 1 && !c->has_query)
		ADD("root", "", 0);
	if (c->has_query)
		ADD("query", "", 0);
	for (size_t i = 0; i < r->nreasons; i++)
		if (strcmp(r->reason[i].name, "model"))
			ADD("why", r->reason[i].name, strlen(r->reason[i].name));
	return k;
}

/* The heuristic reasons, one dense 0/1 feature each (in this order: the order is part of the
 * model file's meaning). */
static const char *const dense_reasons[] = {
    "ip_host",       "unusual_port", "userinfo",         "deep_subdomains",
    "punycode",      "confusable",   "brand_lookalike",  "suspicious_tld",
    "free_hosting",  "shortener",    "random_label",     "credential_words",
    "brand_outside", "executable",   "percent_encoding", "too_long"};
#define NREASONS (sizeof dense_reasons / sizeof *dense_reasons)

/* The class of a TLD: 0 com/net/org, 1 another generic TLD of three letters or fewer (edu,
 * biz...), 2 a country code, 3 a newer generic TLD (top, xyz, online...), 4 a public suffix of
 * several labels (co.jp, com.br: the registrable domain has more than one dot). */
static float tld_class(const char *reg)
{
	const char *dot = strchr(reg, '.'), *tld = strrchr(reg, '.');
	if (!tld)
		return 0;
	if (dot != tld)
		return 4;
	tld++;
	if (!strcmp(tld, "com") || !strcmp(tld, "net") || !strcmp(tld, "org"))
		return 0;
	size_t n = strlen(tld);
	return n == 2 ? 2 : n <= 3 ? 1 : 3;
}

/* The class of the last path segment's extension: 0 none, 1 a page (html, php, asp...), 2 an
 * executable or archive, 3 an image, script or style, 4 another. */
static float ext_class(const char *seg, size_t n)
{
	static const char *const page[] = {"html", "htm", "php", "asp",
	                                   "aspx", "jsp", "cgi", "shtml"},
	                         *const exe[] = {"exe", "apk", "sh",  "bin", "zip", "rar", "msi",
	                                         "jar", "dll", "scr", "7z",  "doc", "xls"},
	                         *const media[] = {"png", "jpg", "jpeg", "gif",  "svg",  "ico",
	                                           "js",  "css", "webp", "woff", "woff2"};
	const char *e = memrchr(seg, '.', n);
	if (!e || (size_t)(seg + n - e - 1) > 6)
		return 0;
	char x[8] = {0};
	for (size_t i = 0; e + 1 + i < seg + n; i++)
		x[i] = (char)tolower((unsigned char)e[1 + i]);
	for (size_t i = 0; i < sizeof page / sizeof *page; i++)
		if (!strcmp(x, page[i]))
			return 1;
	for (size_t i = 0; i < sizeof exe / sizeof *exe; i++)
		if (!strcmp(x, exe[i]))
			return 2;
	for (size_t i = 0; i < sizeof media / sizeof *media; i++)
		if (!strcmp(x, media[i]))
			return 3;
	return x[0] ? 4 : 0;
}

static int is_digit(char ch)
{
	return ch >= '0' && ch <= '9';
}

/* What url_dense counts in the host, in one pass: dots, digits, hyphens, and the digits of its
 * first fl bytes (the first label). */
struct host_counts {
	size_t dots, digits, hyphens, first_digits;
};

static struct host_counts count_host(const char *h, size_t n, size_t fl)
{
	struct host_counts k = {0, 0, 0, 0};
	for (size_t i = 0; i < n; i++) {
		k.dots += h[i] == '.';
		k.digits += is_digit(h[i]);
		k.hyphens += h[i] == '-';
		k.first_digits += i < fl && is_digit(h[i]);
	}
	return k;
}

/* What url_dense counts after the host, in one pass over path and query: slashes and dots of
 * the path; digits, '%', '=', capitals and "-_~" of path and query; '&' of the query. */
struct path_counts {
	size_t slashes, dots, digits, percents, equals, capitals, marks, amps;
};

static struct path_counts count_path(const struct url_canon *c)
{
	struct path_counts k = {0, 0, 0, 0, 0, 0, 0, 0};
	for (size_t i = c->path_off; i < c->len; i++) {
		char ch = c->canon[i];
		if (i - c->path_off < c->path_len) {
			k.slashes += ch == '/';
			k.dots += ch == '.';
		}
		k.digits += is_digit(ch);
		k.percents += ch == '%';
		k.equals += ch == '=';
		k.capitals += ch >= 'A' && ch <= 'Z';
		k.marks += ch == '-' || ch == '_' || ch == '~';
		k.amps += c->has_query && i >= c->query_off && ch == '&';
	}
	return k;
}

/*
 * The dense features of a checked URL for the trees, x[0..URL_MODEL_DENSE - 1); the caller puts
 * the logistic regression's logit in x[URL_MODEL_DENSE - 1].  Lengths and counts of the URL,
 * host, path and query; the registrable label's length, digits, hyphens, vowel share,
 * consonant run, letter/digit switches and entropy; the TLD's class; bare homepage, www, the
 * subdomain's length and first label; query parameters, path depth, the file extension's
 * class; the heuristic score and every reason as a 0/1 flag.  One pass over the host, one over
 * the registrable label and one over path and query, where each count was a pass of its own:
 * 6,518 instructions a URL instead of 12,683, the same values (docs/benchmarks.md).
 */
static void url_dense(const struct url_result *r, float *x)
{
	const struct url_canon *c = &r->c;
	const char *host = c->canon + c->host_off, *path = c->canon + c->path_off;
	size_t qn = c->has_query ? c->len - c->query_off : 0, k = 0;
	const char *reg = r->registrable;
	size_t sl = c->host_kind == URL_HOST_DOMAIN ? strcspn(reg, ".") : 0, rl = strlen(reg);
	size_t sub = c->host_kind == URL_HOST_DOMAIN && c->host_len > rl ? c->host_len - rl : 0;
	/* the first label; strcspn as before (it may run past the host only if the host had no
	 * dot, which a host with a subdomain always has) */
	size_t fl = sub ? strcspn(host, ".") : 0;
	struct host_counts hc = count_host(host, c->host_len, fl);
	struct path_counts pc = count_path(c);
	size_t run = 0, mrun = 0, sw = 0, dig = 0, hy = 0, vow = 0, hist[256] = {0};

	for (size_t i = 0; i < sl; i++) {
		unsigned char ch = (unsigned char)reg[i];
		int v = ch == 'a' || ch == 'e' || ch == 'i' || ch == 'o' || ch == 'u';
		run = isalpha(ch) && !v ? run + 1 : 0;
		mrun = run > mrun ? run : mrun;
		sw += i && !isdigit(ch) != !isdigit((unsigned char)reg[i - 1]);
		dig += is_digit((char)ch);
		hy += ch == '-';
		vow += v;
		hist[ch]++;
	}
	double ent = 0;
	for (size_t i = 0; i < 256; i++)
		if (hist[i])
			ent -= (double)hist[i] / (double)sl * log2((double)hist[i] / (double)sl);
	memset(x, 0, URL_MODEL_DENSE * sizeof *x);
	x[k++] = (float)c->len;
	x[k++] = (float)c->host_len;
	x[k++] = (float)c->path_len;
	x[k++] = (float)qn;
	x[k++] = (float)(hc.dots + 1);
	x[k++] = (float)sl;
	x[k++] = (float)dig;
	x[k++] = (float)hy;
	x[k++] = sl ? (float)vow / (float)sl : 0;
	x[k++] = (float)mrun;
	x[k++] = (float)sw;
	x[k++] = (float)ent;
	x[k++] = c->host_kind == URL_HOST_DOMAIN ? tld_class(reg) : -1;
	const char *tld = strrchr(reg, '.');
	x[k++] = tld ? (float)strlen(tld + 1) : 0;
	x[k++] = c->path_len <= 1 && !c->has_query;
	int www = c->host_len > 4 && !memcmp(host, "www.", 4);
	x[k++] = (float)www;
	x[k++] = (float)sub;
	x[k++] = (float)fl;
	x[k++] = (float)(fl <= c->host_len ? hc.first_digits : count_host(host, fl, fl).digits);
	x[k++] = c->has_query ? (float)(pc.amps + 1) : 0;
	x[k++] = (float)pc.slashes;
	const char *seg = memrchr(path, '/', c->path_len);
	x[k++] = seg ? ext_class(seg + 1, (size_t)(path + c->path_len - seg - 1)) : 0;
	x[k++] = (float)hc.digits;
	x[k++] = (float)pc.digits;
	x[k++] = (float)hc.hyphens;
	x[k++] = (float)pc.dots;
	x[k++] = (float)pc.percents;
	x[k++] = (float)pc.equals;
	x[k++] = (float)pc.capitals;
	x[k++] = (float)pc.marks;
	x[k++] = c->host_kind != URL_HOST_DOMAIN;
	x[k++] = c->port >= 0;
	x[k++] = (float)r->heuristic_score;
	for (size_t i = 0; i < r->nreasons; i++)
		for (size_t j = 0; j < NREASONS; j++)
			if (!strcmp(r->reason[i].name, dense_reasons[j]))
				x[k + j] = 1;
	k += NREASONS;
	/* k == URL_MODEL_DENSE - 1 (checked at build time below): the logit's slot */
}
_Static_assert(33 + NREASONS + 1 == URL_MODEL_DENSE, "dense features: count them again");

static double logit(const struct url_model *m, const uint32_t *f, size_t n)
{
	double z = m->bias;
	for (size_t i = 0; i < n; i++)
		z += m->w[f[i]];
	return z;
}

static double calibrated(const struct url_model *m, double z)
{
	return 1.0 / (1.0 + exp(-((double)m->cal_a * z + (double)m->cal_b)));
}

/* The configuration of an in-place prediction: the raw margin (a logit), every tree. */
#define BOOST_PREDICT                                                                              \
	"{\"type\":1,\"training\":false,\"iteration_begin\":0,\"iteration_end\":0,"                \
	"\"strict_shape\":false,\"cache_id\":0,\"missing\":NaN}"

/* The trees' margin for one row x of URL_MODEL_DENSE features; NaN if libxgboost fails. */
static double boost_margin(BoosterHandle b, const float *x)
{
	char arr[160];
	const bst_ulong *shape;
	bst_ulong dim;
	const float *out;

	snprintf(arr, sizeof arr,
	         "{\"data\":[%" PRIuPTR ",true],\"shape\":[1,%d],\"typestr\":\"<f4\","
	         "\"version\":3}",
	         (uintptr_t)x, URL_MODEL_DENSE);
	if (!b || XGBoosterPredictFromDense(b, arr, BOOST_PREDICT, NULL, &shape, &dim, &out))
		return NAN;
	return (double)out[0];
}

void url_model_dense(const struct url_model *m, const struct url_result *r, const uint32_t *f,
                     size_t n, float *x)
{
	url_dense(r, x);
	x[URL_MODEL_DENSE - 1] = (float)logit(m, f, n);
}

double url_model_predict(const struct url_model *m, const struct url_result *r, const uint32_t *f,
                         size_t n)
{
	float x[URL_MODEL_DENSE];
	url_model_dense(m, r, f, n, x);
	return calibrated(m, (double)url_trees_margin(m->trees, x));
}

void url_model_lines(const struct url_model *m, int *suspicious, int *malicious)
{
	*suspicious = m->suspicious;
	*malicious = m->malicious;
}

void url_model_free(struct url_model *m)
{
	if (!m)
		return;
	free(m->w);
	if (m->boost)
		XGBoosterFree(m->boost);
	url_trees_free(m->trees);
	free(m);
}

static void put32(unsigned char *p, uint32_t v)
{
	p[0] = (unsigned char)v;
	p[1] = (unsigned char)(v >> 8);
	p[2] = (unsigned char)(v >> 16);
	p[3] = (unsigned char)(v >> 24);
}

static uint32_t get32(const unsigned char *p)
{
	return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

/* The file: the header (magic, bits, lines, scale, bias: 28 bytes), the weights, the trees'
 * length and the trees (libxgboost's UBJSON), the SHA-256 of all that. */
#define HEAD      28
#define BOOST_MAX ((size_t)64 << 20)
#define FILE_MIN  (HEAD + 4 * NB + 4 + 32)

/* The whole file into *t (caller frees) and its size into *n.  A file larger than any model
 * (FILE_MIN + BOOST_MAX) is read only that far, and check_file refuses it. */
static int read_all(const char *path, unsigned char **t, size_t *n, struct verr *err)
{
	FILE *fp = fopen(path, "rb");
	long end = -1;

	*t = NULL;
	*n = 0;
	if (!fp)
		return verr_set(err, V_ERR_IO, "url.model", _("%s: cannot open: %s"), path,
		                strerror(errno));
	if (fseek(fp, 0, SEEK_END) == 0)
		end = ftell(fp);
	if (end < 0 || fseek(fp, 0, SEEK_SET)) {
		fclose(fp);
		return verr_set(err, V_ERR_IO, "url.model", _("%s: cannot read: %s"), path,
		                strerror(errno));
	}
	size_t cap = (size_t)end < FILE_MIN + BOOST_MAX ? (size_t)end : FILE_MIN + BOOST_MAX + 1;
	*t = malloc(cap ? cap : 1);
	if (!*t) {
		fclose(fp);
		return verr_set(err, V_ERR_NOMEM, "", "%s", _("out of memory"));
	}
	*n = fread(*t, 1, cap, fp);
	fclose(fp);
	return V_OK;
}

/* The parts of a read file, checked: its version, size and checksum. */
static int check_file(const char *path, const unsigned char *t, size_t size, uint32_t *blen,
                      struct verr *err)
{
	unsigned char sum[32];

	if (size >= 8 && !memcmp(t, "VURLMDL", 7) && t[7] >= '1' && t[7] < MAGIC[7])
		return verr_set(err, V_ERR_INVALID, "url.model",
		                _("%s: a URL model of an earlier version (VURLMDL%c), without the "
		                  "boosted trees: train a new one with vigia url train"),
		                path, t[7]);
	if (size < FILE_MIN || size > FILE_MIN + BOOST_MAX || memcmp(t, MAGIC, 8) ||
	    get32(t + 8) != URL_MODEL_BITS || (*blen = get32(t + HEAD + 4 * NB)) != size - FILE_MIN)
		return verr_set(
		    err, V_ERR_INVALID, "url.model",
		    _("%s: not a URL model of this version (vigia url train builds one)"), path);
	crypto_hash_sha256(sum, t, size - 32);
	if (memcmp(sum, t + size - 32, 32))
		return verr_set(err, V_ERR_INVALID, "url.model", _("%s: damaged (checksum)"), path);
	return V_OK;
}

/* libxgboost's last error, its first line only (a stack trace may follow). */
static const char *boost_error_text(char *buf, size_t n)
{
	const char *e = XGBGetLastError();
	snprintf(buf, n, "%.*s", (int)strcspn(e, "\n"), e);
	return buf;
}

/* A booster from its saved bytes, predicting on one thread. */
static BoosterHandle boost_load(const unsigned char *b, size_t n)
{
	BoosterHandle h = NULL;
	if (XGBoosterCreate(NULL, 0, &h))
		return NULL;
	if (XGBoosterLoadModelFromBuffer(h, b, (bst_ulong)n) ||
	    XGBoosterSetParam(h, "nthread", "1")) {
		XGBoosterFree(h);
		return NULL;
	}
	return h;
}

/* The trees of the model file's bytes b[0..n): loaded by libxgboost, saved back as JSON and
 * read into url_trees.c's arrays.  V_OK, or V_ERR_INVALID with the error in err. */
static int trees_load(const char *path, const unsigned char *b, size_t n, struct url_trees **out,
                      struct verr *err)
{
	BoosterHandle h = boost_load(b, n);
	bst_ulong jlen = 0;
	const char *json = NULL;
	char why[200];
	int rc;

	if (!h || XGBoosterSaveModelToBuffer(h, "{\"format\":\"json\"}", &jlen, &json)) {
		rc = verr_set(err, V_ERR_INVALID, "url.model", _("%s: damaged (trees: %s)"), path,
		              boost_error_text(why, sizeof why));
	} else if (url_trees_from_json(json, (size_t)jlen, URL_MODEL_DENSE, out, why, sizeof why) !=
	           V_OK) {
		rc = verr_set(err, V_ERR_INVALID, "url.model",
		              _("%s: trees this version cannot use (%s)"), path, why);
	} else {
		rc = V_OK;
	}
	if (h)
		XGBoosterFree(h);
	return rc;
}

int url_model_load(const char *path, struct url_model **out, struct verr *err)
{
	unsigned char *t = NULL;
	struct url_model *m = NULL;
	size_t size = 0;
	uint32_t blen = 0;
	int rc;

	*out = NULL;
	if ((rc = read_all(path, &t, &size, err)) != V_OK ||
	    (rc = check_file(path, t, size, &blen, err)) != V_OK)
		goto out;
	m = calloc(1, sizeof *m);
	if (!m || !(m->w = malloc(NB * sizeof *m->w))) {
		rc = verr_set(err, V_ERR_NOMEM, "", "%s", _("out of memory"));
		goto out;
	}
	uint32_t v = get32(t + 12);
	m->suspicious = (int)(v & 0xff);
	m->malicious = (int)(v >> 8 & 0xff);
	if (m->suspicious < 1 || m->suspicious > 100 || m->malicious < m->suspicious ||
	    m->malicious > 100) {
		rc = verr_set(err, V_ERR_INVALID, "url.model",
		              _("%s: damaged (verdict lines out of range)"), path);
		goto out;
	}
	v = get32(t + 16);
	memcpy(&m->cal_a, &v, 4);
	v = get32(t + 20);
	memcpy(&m->cal_b, &v, 4);
	v = get32(t + 24);
	memcpy(&m->bias, &v, 4);
	if (!isfinite(m->cal_a) || !isfinite(m->cal_b) || !isfinite(m->bias)) {
		rc =
		    verr_set(err, V_ERR_INVALID, "url.model", _("%s: damaged (calibration)"), path);
		goto out;
	}
	for (size_t i = 0; i < NB; i++) {
		v = get32(t + HEAD + 4 * i);
		memcpy(&m->w[i], &v, 4);
	}
	if ((rc = trees_load(path, t + HEAD + 4 * NB + 4, blen, &m->trees, err)) != V_OK)
		goto out;
	*out = m;
	m = NULL;
	rc = V_OK;
out:
	url_model_free(m);
	free(t);
	return rc;
}

static int model_save(const struct url_model *m, const char *path, struct verr *err)
{
	bst_ulong blen = 0;
	const char *bb = NULL;
	char tmp[4096], why[160];
	uint32_t v;

	if (!m->boost || XGBoosterSaveModelToBuffer(m->boost, "{\"format\":\"ubj\"}", &blen, &bb) ||
	    blen > BOOST_MAX)
		return verr_set(err, V_ERR_IO, "", _("%s: the trees cannot be saved: %s"), path,
		                boost_error_text(why, sizeof why));
	size_t size = FILE_MIN + (size_t)blen;
	unsigned char *t = calloc(1, size);
	if (!t)
		return verr_set(err, V_ERR_NOMEM, "", "%s", _("out of memory"));
	memcpy(t, MAGIC, 8);
	put32(t + 8, URL_MODEL_BITS);
	put32(t + 12, (uint32_t)m->suspicious | (uint32_t)m->malicious << 8);
	memcpy(&v, &m->cal_a, 4);
	put32(t + 16, v);
	memcpy(&v, &m->cal_b, 4);
	put32(t + 20, v);
	memcpy(&v, &m->bias, 4);
	put32(t + 24, v);
	for (size_t i = 0; i < NB; i++) {
		memcpy(&v, &m->w[i], 4);
		put32(t + HEAD + 4 * i, v);
	}
	put32(t + HEAD + 4 * NB, (uint32_t)blen);
	memcpy(t + HEAD + 4 * NB + 4, bb, (size_t)blen);
	crypto_hash_sha256(t + size - 32, t, size - 32);
	snprintf(tmp, sizeof tmp, "%s.tmp", path);
	FILE *fp = fopen(tmp, "wb");
	int ok = fp && fwrite(t, 1, size, fp) == size;
	if (fp && fclose(fp))
		ok = 0;
	free(t);
	if (!ok || rename(tmp, path)) {
		remove(tmp);
		return verr_set(err, V_ERR_IO, "", _("%s: cannot write: %s"), path,
		                strerror(errno));
	}
	return V_OK;
}

/* ---- training ------------------------------------------------------------------------------ */

/*
 * The protocol (docs/url-analysis.md, "Evaluation"):
 *
 *   - rows are grouped by registrable domain (an IP host by its address), so one site never
 *     lands on both sides of any split;
 *   - outer folds (--cv K, hash "fold") are the reported test folds;
 *   - inside the rows a model is trained on, inner folds (URL_MODEL_INNER_FOLDS, hash
 *     "inner") give every training row a validation score from a model that never saw its
 *     domain; the verdict lines are chosen from those scores alone (choose_lines), never from
 *     the outer fold being tested;
 *   - the model file is trained on every row, with verdict lines chosen the same way on
 *     inner folds of all rows, and carries them.
 */

struct row {
	uint32_t foff, fn; /* features in the pool */
	uint32_t uoff;     /* the URL in the text pool */
	uint16_t source;
	uint8_t y;      /* 1 malicious */
	uint8_t fold;   /* outer (reported test) fold */
	uint8_t inner;  /* validation fold inside a training set */
	uint8_t hs;     /* the heuristic score alone (the baseline) */
	uint8_t score;  /* held-out score: the model that did not see the row's outer fold */
	float vz;       /* validation logit, before calibration (scratch) */
	uint8_t ts, tm; /* the verdict lines chosen without the row's outer fold */
};

struct data {
	struct row *rows;
	size_t n, cap;
	uint32_t *pool;
	size_t pn, pcap;
	float *dense; /* URL_MODEL_DENSE a row; the last is the row's stacked logit (fit) */
	size_t dcap;
	char *text;
	size_t tn, tcap;
	char *sources[64];
	int popular[64]; /* the source is a list of popular sites (Tranco) */
	size_t nsrc;
};

static int data_add_source(struct data *d, const char *s, size_t n)
{
	for (size_t i = 0; i < d->nsrc; i++)
		if (strlen(d->sources[i]) == n && !memcmp(d->sources[i], s, n))
			return (int)i;
	if (d->nsrc >= 64)
		return 63;
	d->sources[d->nsrc] = strndup(s, n);
	if (!d->sources[d->nsrc])
		return 0;
	d->popular[d->nsrc] = !strncmp(s, URL_POPULAR_SOURCE, strlen(URL_POPULAR_SOURCE));
	return (int)d->nsrc++;
}

static void data_free(struct data *d)
{
	free(d->rows);
	free(d->pool);
	free(d->dense);
	free(d->text);
	for (size_t i = 0; i < d->nsrc; i++)
		free(d->sources[i]);
}

static uint64_t lcg(uint64_t *s)
{
	*s = *s * 6364136223846793005ULL + 1442695040888963407ULL;
	return *s >> 33;
}

/* Rows of the training set: outer fold != skip (skip < 0: all) and inner fold != iskip
 * (iskip < 0: all). */
static int in_set(const struct row *r, int skip, int iskip)
{
	return (skip < 0 || (int)r->fold != skip) && (iskip < 0 || (int)r->inner != iskip);
}

/* The hyper-parameters chosen on validation folds (fit). */
struct hyper {
	double popw; /* weight of a benign row of a popular source */
	double lr0;  /* initial learning rate */
};

/* One SGD run over the rows of one training set, shuffled by an LCG seeded with seed. */
static void train1(struct url_model *m, const struct data *d, int skip, int iskip, int epochs,
                   struct hyper hp, uint64_t seed);

/* The model of one training set: the average of URL_MODEL_BAG SGD runs that differ only in the
 * (fixed) shuffle seed.  The model is linear, so averaging the weights averages the logits;
 * it removes some of the variance a single shuffle order leaves in the rare n-grams. */
static void train(struct url_model *m, const struct data *d, int skip, int iskip, int epochs,
                  struct hyper hp)
{
	const int bag = URL_MODEL_BAG;
	float *sum = calloc(NB, sizeof *sum);
	double sb = 0;

	if (!sum) { /* out of memory: one model instead of the average */
		train1(m, d, skip, iskip, epochs, hp, 0x5eed);
		return;
	}
	for (int b = 0; b < bag; b++) {
		train1(m, d, skip, iskip, epochs, hp, 0x5eed + (uint64_t)b * 7919);
		for (size_t i = 0; i < NB; i++)
			sum[i] += m->w[i] / (float)bag;
		sb += (double)m->bias / bag;
	}
	memcpy(m->w, sum, NB * sizeof *sum);
	m->bias = (float)sb;
	free(sum);
}

static void train1(struct url_model *m, const struct data *d, int skip, int iskip, int epochs,
                   struct hyper hp, uint64_t seed)
{
	size_t *order = malloc(d->n * sizeof *order), n = 0;

	memset(m->w, 0, NB * sizeof *m->w);
	m->bias = 0;
	m->cal_a = 1;
	m->cal_b = 0;
	if (!order)
		return;
	for (size_t i = 0; i < d->n; i++)
		if (in_set(&d->rows[i], skip, iskip))
			order[n++] = i;
	const double l2 = 1e-6, lr0 = hp.lr0;
	size_t t = 0;
	for (int e = 0; e < epochs && n; e++) {
		for (size_t i = n; i > 1; i--) { /* Fisher-Yates with the fixed LCG */
			size_t j = (size_t)(lcg(&seed) % i), x = order[i - 1];
			order[i - 1] = order[j];
			order[j] = x;
		}
		for (size_t i = 0; i < n; i++, t++) {
			const struct row *r = &d->rows[order[i]];
			const uint32_t *f = d->pool + r->foff;
			double z = m->bias;
			for (size_t j = 0; j < r->fn; j++)
				z += m->w[f[j]];
			double p = 1.0 / (1.0 + exp(-z));
			double g = (p - r->y) * (d->popular[r->source] && !r->y ? hp.popw : 1.0);
			double lr = lr0 / (1.0 + (double)t / (double)n);
			m->bias -= (float)(lr * g);
			for (size_t j = 0; j < r->fn; j++)
				m->w[f[j]] -= (float)(lr * (g + l2 * m->w[f[j]]));
		}
	}
	free(order);
}

static float *dense_of(const struct data *d, const struct row *r)
{
	return d->dense + (size_t)(r - d->rows) * URL_MODEL_DENSE;
}

/* A row's score by the whole model (its logit stacked into its dense features, as a URL checked
 * with the model file gets it) into *score.  V_OK, or V_ERR_NOMEM when libxgboost fails. */
static int score_of(const struct url_model *m, const struct data *d, const struct row *r,
                    uint8_t *score)
{
	float *x = dense_of(d, r);
	x[URL_MODEL_DENSE - 1] = (float)logit(m, d->pool + r->foff, r->fn);
	double z = boost_margin(m->boost, x);
	if (isnan(z))
		return V_ERR_NOMEM;
	*score = (uint8_t)lround(100.0 * calibrated(m, z));
	return V_OK;
}

/*
 * The trees of one training set (rows of outer fold != skip and inner fold != iskip), over their
 * dense features and stacked logits, a benign row of a popular source weighted popw as in the
 * regression.  One thread, no sampling, a fixed seed: the same rows give the same trees.  NULL
 * when libxgboost fails (XGBGetLastError says why).
 */
static BoosterHandle boost_train(const struct data *d, int skip, int iskip, double popw)
{
	size_t n = 0;
	for (size_t i = 0; i < d->n; i++)
		n += in_set(&d->rows[i], skip, iskip);
	float *x = malloc((n ? n : 1) * URL_MODEL_DENSE * sizeof *x),
	      *y = malloc((n ? n : 1) * sizeof *y), *w = malloc((n ? n : 1) * sizeof *w);
	BoosterHandle b = NULL;
	size_t k = 0;

	if (!x || !y || !w || !n)
		goto out;
	for (size_t i = 0; i < d->n; i++) {
		const struct row *r = &d->rows[i];
		if (!in_set(r, skip, iskip))
			continue;
		memcpy(x + k * URL_MODEL_DENSE, dense_of(d, r), URL_MODEL_DENSE * sizeof *x);
		y[k] = r->y;
		w[k] = d->popular[r->source] && !r->y ? (float)popw : 1;
		k++;
	}
	static const char *const params[][2] = {{"max_depth", URL_BOOST_DEPTH},
	                                         {"eta", URL_BOOST_ETA}};
	b = url_boost_fit(x, y, w, n, params, sizeof params / sizeof *params, URL_BOOST_ROUNDS);
out:
	free(x);
	free(y);
	free(w);
	return b;
}

void *url_boost_fit(const float *x, const float *y, const float *w, size_t n,
                    const char *const (*params)[2], size_t npar, int rounds)
{
	static const char *const fixed[][2] = {
	    {"nthread", "1"},        {"seed", "0"},
	    {"tree_method", "hist"}, {"objective", "binary:logistic"},
	    {"verbosity", "0"}};
	DMatrixHandle dm = NULL;
	BoosterHandle b = NULL;
	int bad = 0;

	if (XGDMatrixCreateFromMat(x, (bst_ulong)n, URL_MODEL_DENSE, NAN, &dm) ||
	    XGDMatrixSetFloatInfo(dm, "label", y, (bst_ulong)n) ||
	    (w && XGDMatrixSetFloatInfo(dm, "weight", w, (bst_ulong)n)) ||
	    XGBoosterCreate(&dm, 1, &b))
		goto out;
	for (size_t i = 0; i < sizeof fixed / sizeof *fixed; i++)
		bad |= XGBoosterSetParam(b, fixed[i][0], fixed[i][1]);
	for (size_t i = 0; i < npar; i++)
		bad |= XGBoosterSetParam(b, params[i][0], params[i][1]);
	for (int it = 0; !bad && it < rounds; it++)
		bad |= XGBoosterUpdateOneIter(b, it, dm);
	if (bad) {
		XGBoosterFree(b);
		b = NULL;
	}
out:
	if (dm)
		XGDMatrixFree(dm);
	return b;
}

/* Validation scores for every row of the training set "outer fold != skip": each inner fold
 * scored by a model trained on the other inner folds of that set. */
static void validate(struct url_model *m, struct data *d, int skip, int epochs, struct hyper hp)
{
	for (int j = 0; j < URL_MODEL_INNER_FOLDS; j++) {
		train(m, d, skip, j, epochs, hp);
		for (size_t i = 0; i < d->n; i++) {
			struct row *r = &d->rows[i];
			if (in_set(r, skip, -1) && r->inner == j)
				r->vz = (float)logit(m, d->pool + r->foff, r->fn);
		}
	}
}

struct lines {
	struct hyper hp;                   /* the hyper-parameters chosen */
	double zs, zm;                     /* logits of the suspicious and malicious lines */
	double pop_fpr, precision, recall; /* validation figures at the suspicious line */
	double accuracy;                   /* validation accuracy there */
};

struct vrow {
	float z;
	uint8_t y, popular;
};

static int vrow_cmp(const void *a, const void *b)
{
	float x = ((const struct vrow *)a)->z, y = ((const struct vrow *)b)->z;
	return x > y ? -1 : x < y ? 1 : 0;
}

/*
 * The verdict lines, from the validation logits of the set "outer fold != skip" (never from
 * the fold being tested).  Suspicious: of the logits at which the false-positive rate on
 * popular sites is at most URL_SELECT_POPULAR_FPR and the precision at least
 * URL_SELECT_PRECISION, the one with the best validation accuracy (the lowest on a tie: the
 * most recall for that accuracy); malicious: the lowest from there with a
 * precision of at least URL_SELECT_PRECISION_MALICIOUS.  Lines fall between two distinct
 * logits, so ties never split.
 */
static struct lines choose_lines(const struct data *d, int skip)
{
	struct lines l = {{0, 0}, 0, 0, 0, 0, 0, 0};
	struct vrow *v = malloc(d->n * sizeof *v);
	size_t n = 0, pos = 0, popn = 0;

	if (!v) {
		l.zs = l.zm = INFINITY;
		return l;
	}
	for (size_t i = 0; i < d->n; i++) {
		const struct row *r = &d->rows[i];
		if (!in_set(r, skip, -1))
			continue;
		v[n].z = r->vz;
		v[n].y = r->y;
		v[n].popular = (uint8_t)d->popular[r->source];
		pos += r->y;
		popn += !r->y && v[n].popular;
		n++;
	}
	qsort(v, n, sizeof *v, vrow_cmp);
	/* the candidates: "z >= v[i].z" for the last i of each run of equal logits */
	size_t tp = 0, fp = 0, pfp = 0, is = SIZE_MAX, im = SIZE_MAX;
	for (size_t i = 0; i < n; i++) {
		tp += v[i].y;
		fp += !v[i].y;
		pfp += !v[i].y && v[i].popular;
		if (i + 1 < n && v[i + 1].z == v[i].z)
			continue;
		double prec = 100.0 * (double)tp / (double)(tp + fp);
		double pfpr = popn ? 100.0 * (double)pfp / (double)popn : 0;
		double acc = 100.0 * (double)(tp + (n - pos) - fp) / (double)n;
		if (pfpr <= URL_SELECT_POPULAR_FPR && prec >= URL_SELECT_PRECISION &&
		    (is == SIZE_MAX || acc >= l.accuracy)) {
			is = i;
			l.accuracy = acc;
			l.pop_fpr = pfpr;
			l.precision = prec;
			l.recall = pos ? 100.0 * (double)tp / (double)pos : 0;
		}
	}
	if (is == SIZE_MAX) { /* no line meets the targets (or no rows): nothing is flagged */
		l.zs = l.zm = n ? (double)v[0].z + 1 : 1e6;
		free(v);
		return l;
	}
	tp = fp = 0;
	for (size_t i = 0; i <= is; i++) {
		tp += v[i].y;
		fp += !v[i].y;
		if (i < is && v[i + 1].z == v[i].z)
			continue;
		if (100.0 * (double)tp / (double)(tp + fp) >= URL_SELECT_PRECISION_MALICIOUS)
			im = i;
	}
	/* halfway to the next lower logit, so a line never sits on a row */
	l.zs = is + 1 < n ? ((double)v[is].z + (double)v[is + 1].z) / 2 : (double)v[is].z - 0.01;
	if (im == SIZE_MAX)
		l.zm = (double)v[0].z + 1;
	else
		l.zm = im + 1 < n ? ((double)v[im].z + (double)v[im + 1].z) / 2
		                  : (double)v[im].z - 0.01;
	free(v);
	return l;
}

/*
 * The score: 100 / (1 + exp(-(a z + b))), with a and b putting the chosen lines at
 * URL_SCORE_SUSPICIOUS_MODEL and URL_SCORE_MALICIOUS (so the verdict lines are the same
 * numbers for every model, and the score keeps the model's order).
 */
static void set_scale(struct url_model *m, const struct lines *l)
{
	double ls = log(URL_SCORE_SUSPICIOUS_MODEL / (100.0 - URL_SCORE_SUSPICIOUS_MODEL)),
	       lm = log(URL_SCORE_MALICIOUS / (100.0 - URL_SCORE_MALICIOUS));
	double dz = l->zm - l->zs;
	if (!(dz >= 0.05))
		dz = 0.05;
	m->cal_a = (float)((lm - ls) / dz);
	m->cal_b = (float)(ls - (double)m->cal_a * l->zs);
	m->suspicious = URL_SCORE_SUSPICIOUS_MODEL;
	m->malicious = URL_SCORE_MALICIOUS;
}

/* 1 when every inner training set of the set "outer fold != skip" has rows (trees need some). */
static int inner_sets_filled(const struct data *d, int skip)
{
	size_t in[URL_MODEL_INNER_FOLDS] = {0}, all = 0;
	for (size_t i = 0; i < d->n; i++)
		if (in_set(&d->rows[i], skip, -1)) {
			in[d->rows[i].inner]++;
			all++;
		}
	for (int j = 0; j < URL_MODEL_INNER_FOLDS; j++)
		if (in[j] == all)
			return 0;
	return 1;
}

/* The validation logits of the set "outer fold != skip" become its rows' stacked logits. */
static void stack_logits(struct data *d, int skip)
{
	for (size_t i = 0; i < d->n; i++)
		if (in_set(&d->rows[i], skip, -1))
			dense_of(d, &d->rows[i])[URL_MODEL_DENSE - 1] = d->rows[i].vz;
}

/* Validation margins of the trees for every row of the set "outer fold != skip": each inner
 * fold scored by trees trained on the other inner folds (over the stacked logits).  V_OK, or
 * V_ERR_NOMEM when libxgboost fails. */
static int validate_boost(struct data *d, int skip, double popw)
{
	for (int j = 0; j < URL_MODEL_INNER_FOLDS; j++) {
		BoosterHandle b = boost_train(d, skip, j, popw);
		if (!b)
			return V_ERR_NOMEM;
		for (size_t i = 0; i < d->n; i++) {
			struct row *r = &d->rows[i];
			if (in_set(r, skip, -1) && r->inner == j &&
			    isnan(r->vz = (float)boost_margin(b, dense_of(d, r)))) {
				XGBoosterFree(b);
				return V_ERR_NOMEM;
			}
		}
		XGBoosterFree(b);
	}
	return V_OK;
}

/*
 * The whole recipe on the set "outer fold != skip" (skip < 0: every row).  First stage: for each
 * pair of hyper-parameters of the grid (URL_MODEL_POPULAR_WEIGHTS x URL_MODEL_LEARNING_RATES),
 * validation logits of the regression on inner folds and the verdict lines from them; the pair
 * whose lines keep the best validation accuracy wins (the first on a tie), and its validation
 * logits are the rows' stacked logits.  Second stage: the trees' validation margins on the same
 * inner folds, and the verdict lines chosen on them by the same rules.  Then both stages on the
 * whole set, scaled so that the lines fall at the fixed verdict scores.  *lr gets the first
 * stage's lines (for the report).  V_OK; V_ERR_PARSE when an inner fold leaves no rows to train
 * on (too few rows); V_ERR_NOMEM when libxgboost fails.
 */
static int fit(struct url_model *m, struct data *d, int skip, int epochs, struct lines *out,
               struct lines *lr)
{
	static const double weights[] = {URL_MODEL_POPULAR_WEIGHTS},
	                    rates[] = {URL_MODEL_LEARNING_RATES};
	struct lines best = {{0, 0}, 0, 0, 0, 0, 0, 0};
	int first = 1;
	if (!inner_sets_filled(d, skip))
		return V_ERR_PARSE;
	for (size_t i = 0; i < sizeof weights / sizeof *weights; i++)
		for (size_t j = 0; j < sizeof rates / sizeof *rates; j++) {
			struct hyper hp = {weights[i], rates[j]};
			validate(m, d, skip, epochs, hp);
			struct lines l = choose_lines(d, skip);
			l.hp = hp;
			if (first || l.accuracy > best.accuracy) {
				best = l;
				stack_logits(d, skip);
			}
			first = 0;
		}
	*lr = best;
	if (validate_boost(d, skip, best.hp.popw) != V_OK)
		return V_ERR_NOMEM;
	*out = choose_lines(d, skip);
	out->hp = best.hp;
	train(m, d, skip, -1, epochs, best.hp);
	if (m->boost)
		XGBoosterFree(m->boost);
	if (!(m->boost = boost_train(d, skip, -1, best.hp.popw)))
		return V_ERR_NOMEM;
	set_scale(m, out);
	return V_OK;
}

struct counts {
	size_t tp, fp, tn, fn;
};

static void count(struct counts *c, int y, int pred)
{
	if (y && pred)
		c->tp++;
	else if (y)
		c->fn++;
	else if (pred)
		c->fp++;
	else
		c->tn++;
}

static double pct(size_t a, size_t b)
{
	return b ? 100.0 * (double)a / (double)b : NAN;
}

static void report_line(FILE *o, int json, const char *name, const struct counts *c, int last)
{
	size_t n = c->tp + c->fp + c->tn + c->fn;
	/* precision means nothing for a source of one class (no positives: undefined; no
	 * negatives: 100% whatever the model does) */
	int has_pos = c->tp + c->fn > 0 && c->fp + c->tn > 0;
	double acc = pct(c->tp + c->tn, n), prec = has_pos ? pct(c->tp, c->tp + c->fp) : NAN,
	       rec = pct(c->tp, c->tp + c->fn), fpr = pct(c->fp, c->fp + c->tn);
	if (json) {
		fprintf(o, "\"%s\":{\"rows\":%zu,\"tp\":%zu,\"fp\":%zu,\"tn\":%zu,\"fn\":%zu}%s",
		        name, n, c->tp, c->fp, c->tn, c->fn, last ? "" : ",");
		return;
	}
	char b[4][16];
	double v[4] = {acc, prec, rec, fpr};
	for (int i = 0; i < 4; i++) {
		if (isnan(v[i]))
			snprintf(b[i], sizeof b[i], "-");
		else
			snprintf(b[i], sizeof b[i], "%.2f%%", v[i]);
	}
	fprintf(o, "| %-18s | %6zu | %8s | %9s | %8s | %7s |\n", name, n, b[0], b[1], b[2], b[3]);
}

/* Held-out figures at each row's own line (mal: the malicious line, else suspicious). */
static void report(FILE *o, int json, const struct data *d, int mal, int folds)
{
	struct counts all = {0}, src[64] = {{0}}, pop = {0}, heur = {0}, heur_pop = {0};
	const int ht = URL_SCORE_SUSPICIOUS_HEURISTIC;

	for (size_t i = 0; i < d->n; i++) {
		const struct row *r = &d->rows[i];
		int pred = r->score >= (mal ? r->tm : r->ts);
		count(&all, r->y, pred);
		count(&heur, r->y, r->hs >= ht);
		count(&src[r->source], r->y, pred);
		if (d->popular[r->source]) {
			count(&pop, r->y, pred);
			count(&heur_pop, r->y, r->hs >= ht);
		}
	}
	if (json) {
		fprintf(o, "\"%s\":{", mal ? "malicious" : "suspicious");
		for (size_t s = 0; s < d->nsrc; s++)
			report_line(o, 1, d->sources[s], &src[s], 0);
		report_line(o, 1, "heuristics-alone", &heur, 0);
		report_line(o, 1, "all", &all, 1);
		fprintf(o, "}");
		return;
	}
	fprintf(o,
	        mal ? _("\nHeld out (%d folds by registrable domain), positive = score >= the "
	                "fold's malicious line\n\n")
	            : _("\nHeld out (%d folds by registrable domain), positive = score >= the "
	                "fold's suspicious line\n\n"),
	        folds);
	fprintf(o, "| %-18s | %6s | %8s | %9s | %8s | %7s |\n", _("source"), _("rows"),
	        _("accuracy"), _("precision"), _("recall"), _("FPR"));
	fprintf(o, "|--------------------|--------|----------|-----------|----------|---------|\n");
	for (size_t s = 0; s < d->nsrc; s++)
		report_line(o, 0, d->sources[s], &src[s], 0);
	report_line(o, 0, "all", &all, 1);
	if (!mal)
		report_line(o, 0, _("(heuristics >= 50)"), &heur, 1);
	fprintf(o,
	        _("\nFalse positives on popular sites (%s rows): %zu of %zu (%.2f%%); "
	          "heuristics alone: %zu (%.2f%%)\n"),
	        URL_POPULAR_SOURCE, pop.fp, pop.fp + pop.tn, pct(pop.fp, pop.fp + pop.tn),
	        heur_pop.fp, pct(heur_pop.fp, heur_pop.fp + heur_pop.tn));
}

/* The held-out scores at every line from 10 to 100: what other lines would have cost.  For
 * reading only: no line is chosen from it. */
static void sweep(FILE *o, const struct data *d)
{
	fprintf(o, "%s",
	        _("\nHeld-out scores at fixed lines (for reading; lines are chosen on "
	          "validation):\n\n"));
	fprintf(o, "| %9s | %8s | %9s | %8s | %7s | %10s |\n", _("threshold"), _("accuracy"),
	        _("precision"), _("recall"), _("FPR"), _("popular FPR"));
	fprintf(o, "|-----------|----------|-----------|----------|---------|------------|\n");
	for (int t = 10; t <= 100; t += t < 90 ? 10 : 2) {
		struct counts all = {0}, tr = {0};
		for (size_t i = 0; i < d->n; i++) {
			const struct row *r = &d->rows[i];
			int pred = r->score >= t;
			count(&all, r->y, pred);
			if (d->popular[r->source])
				count(&tr, r->y, pred);
		}
		size_t n = all.tp + all.fp + all.tn + all.fn;
		fprintf(o, "| %9d | %7.2f%% | %8.2f%% | %7.2f%% | %6.2f%% | %9.2f%% |\n", t,
		        pct(all.tp + all.tn, n), pct(all.tp, all.tp + all.fp),
		        pct(all.tp, all.tp + all.fn), pct(all.fp, all.fp + all.tn),
		        pct(tr.fp, tr.fp + tr.tn));
	}
}

static int write_predictions(const struct data *d, const char *path, struct verr *err)
{
	FILE *f = fopen(path, "w");
	if (!f)
		return verr_set(err, V_ERR_IO, "", _("%s: cannot write: %s"), path,
		                strerror(errno));
	fprintf(f, "fold\tsuspicious_line\tmalicious_line\tlabel\tsource\tscore\turl\n");
	for (size_t i = 0; i < d->n; i++) {
		const struct row *r = &d->rows[i];
		fprintf(f, "%u\t%u\t%u\t%s\t%s\t%u\t%s\n", r->fold, r->ts, r->tm,
		        r->y ? "malicious" : "benign", d->sources[r->source], r->score,
		        d->text + r->uoff);
	}
	if (fclose(f))
		return verr_set(err, V_ERR_IO, "", _("%s: cannot write: %s"), path,
		                strerror(errno));
	return V_OK;
}

static int grow(void **p, size_t *cap, size_t need, size_t size, size_t first)
{
	if (need <= *cap)
		return 1;
	size_t nc = *cap ? *cap : first;
	while (nc < need)
		nc *= 2;
	void *q = realloc(*p, nc * size);
	if (!q)
		return 0;
	*p = q;
	*cap = nc;
	return 1;
}

static int load(struct url_checker *k, const struct url_train_options *o, FILE *in, struct data *d,
                size_t *bad, struct verr *err)
{
	struct url_result *r = malloc(sizeof *r);
	char *line = NULL;
	size_t cap = 0;
	ssize_t len;
	long no = 0;
	int rc = V_OK;

	if (!r)
		return verr_set(err, V_ERR_NOMEM, "", "%s", _("out of memory"));
	url_result_init(r);
	while ((len = getline(&line, &cap, in)) >= 0) {
		no++;
		while (len && (line[len - 1] == '\n' || line[len - 1] == '\r'))
			line[--len] = 0;
		char *t1 = strchr(line, '\t'), *t2 = t1 ? strchr(t1 + 1, '\t') : NULL;
		int y = !strncmp(line, "malicious\t", 10) ? 1
		        : !strncmp(line, "benign\t", 7)   ? 0
		                                          : -1;
		if (!t1 || y < 0) {
			if ((*bad)++ == 0)
				verr_set(err, V_ERR_PARSE, "label",
				         _("%s:%ld: expected malicious|benign<TAB>url<TAB>source"),
				         o->data, no);
			continue;
		}
		const char *url = t1 + 1;
		size_t un = t2 ? (size_t)(t2 - url) : strlen(url);
		const char *src = t2 ? t2 + 1 : "";
		size_t sn = strcspn(src, ":");
		uint32_t f[URL_MAX_FEATURES];
		size_t nf = 0;
		url_check(k, url, un,
		          r); /* heuristics (and lists, which the caller leaves empty) */
		if (r->verdict != URL_INVALID)
			nf = url_features(url, un, r, f, URL_MAX_FEATURES);
		if (!grow((void **)&d->rows, &d->cap, d->n + 1, sizeof *d->rows, 4096) ||
		    !grow((void **)&d->pool, &d->pcap, d->pn + nf, sizeof *d->pool,
		          (size_t)1 << 20) ||
		    !grow((void **)&d->text, &d->tcap, d->tn + un + 1, 1, (size_t)1 << 20) ||
		    !grow((void **)&d->dense, &d->dcap, (d->n + 1) * URL_MODEL_DENSE,
		          sizeof *d->dense, (size_t)4096 * URL_MODEL_DENSE) ||
		    d->pn + nf > UINT32_MAX || d->tn + un + 1 > UINT32_MAX) {
			rc = verr_set(err, V_ERR_NOMEM, "", "%s", _("out of memory"));
			break;
		}
		struct row *w = &d->rows[d->n];
		memset(w, 0, sizeof *w);
		/* an invalid URL has no features: its dense row stays zero (and is never scored
		 * by the checker, which says "invalid") */
		float *x = d->dense + d->n * URL_MODEL_DENSE;
		memset(x, 0, URL_MODEL_DENSE * sizeof *x);
		if (r->verdict != URL_INVALID)
			url_dense(r, x);
		d->n++;
		memcpy(d->pool + d->pn, f, nf * sizeof *f);
		w->foff = (uint32_t)d->pn;
		w->fn = (uint32_t)nf;
		d->pn += nf;
		memcpy(d->text + d->tn, url, un);
		d->text[d->tn + un] = 0;
		w->uoff = (uint32_t)d->tn;
		d->tn += un + 1;
		w->y = (uint8_t)y;
		w->source = (uint16_t)data_add_source(d, src, sn);
		/* the folds: by registrable domain, so one site never lands on both sides */
		const char *g = r->registrable[0] ? r->registrable : url;
		size_t gn = r->registrable[0] ? strlen(g) : un;
		w->fold = (uint8_t)(o->folds > 1 ? fnv("fold", g, gn) % (uint32_t)o->folds : 0);
		w->inner = (uint8_t)(fnv("inner", g, gn) % URL_MODEL_INNER_FOLDS);
		w->hs = (uint8_t)(r->verdict == URL_INVALID ? 0 : r->heuristic_score);
	}
	free(line);
	url_result_fini(r);
	free(r);
	return rc;
}

/* The error of a fit (fit) or of a held-out score (score_of) that failed with rc. */
static int fit_error(int rc, const char *data, struct verr *err)
{
	char why[160];
	if (rc == V_ERR_PARSE)
		return verr_set(err, V_ERR_PARSE, "",
		                _("%s: too few labeled rows: every one of the %d validation folds "
		                  "needs rows outside it to train on"),
		                data, URL_MODEL_INNER_FOLDS);
	return verr_set(err, V_ERR_NOMEM, "", _("the boosted trees failed (libxgboost): %s"),
	                boost_error_text(why, sizeof why));
}

int url_model_train(struct url_checker *k, const struct url_train_options *o, struct verr *err)
{
	FILE *in = fopen(o->data, "r");
	struct data d = {0};
	struct url_model m = {0};
	size_t bad = 0;
	int rc;

	if (!in)
		return verr_set(err, V_ERR_IO, "", _("%s: cannot open: %s"), o->data,
		                strerror(errno));
	m.w = malloc(NB * sizeof *m.w);
	if (!m.w) {
		rc = verr_set(err, V_ERR_NOMEM, "", "%s", _("out of memory"));
		goto out;
	}
	if ((rc = load(k, o, in, &d, &bad, err)) != V_OK)
		goto out;
	if (d.n == 0) {
		rc = verr_set(err, V_ERR_PARSE, "", _("%s: no labeled rows"), o->data);
		goto out;
	}
	if (o->report && !o->json)
		fprintf(o->report,
		        _("%zu rows from %s (%zu bad lines skipped), %zu features a row on "
		          "average\n"),
		        d.n, o->data, bad, d.pn / d.n);
	if (o->folds > 1) {
		struct lines fl[20], flr[20];
		for (int fo = 0; fo < o->folds && fo < 20; fo++) {
			if ((rc = fit(&m, &d, fo, o->epochs, &fl[fo], &flr[fo])) != V_OK) {
				rc = fit_error(rc, o->data, err);
				goto out;
			}
			for (size_t i = 0; i < d.n; i++) {
				struct row *r = &d.rows[i];
				if (r->fold != fo)
					continue;
				if ((rc = score_of(&m, &d, r, &r->score)) != V_OK) {
					rc = fit_error(rc, o->data, err);
					goto out;
				}
				r->ts = (uint8_t)m.suspicious;
				r->tm = (uint8_t)m.malicious;
			}
		}
		if (o->report && o->json) {
			fprintf(o->report, "{\"folds\":%d,\"inner_folds\":%d,\"lines\":[", o->folds,
			        URL_MODEL_INNER_FOLDS);
			for (int fo = 0; fo < o->folds; fo++)
				fprintf(o->report,
				        "%s{\"popular_weight\":%.1f,\"learning_rate\":%.2f,"
				        "\"suspicious_logit\":%.4f,\"malicious_logit\":%.4f,"
				        "\"validation_accuracy\":%.4f,"
				        "\"regression_validation_accuracy\":%.4f}",
				        fo ? "," : "", fl[fo].hp.popw, fl[fo].hp.lr0, fl[fo].zs,
				        fl[fo].zm, fl[fo].accuracy, flr[fo].accuracy);
			fprintf(o->report, "],");
			report(o->report, 1, &d, 0, o->folds);
			fprintf(o->report, ",");
			report(o->report, 1, &d, 1, o->folds);
			fprintf(o->report, "}\n");
		} else if (o->report) {
			fprintf(
			    o->report,
			    _("\nVerdict lines per test fold, each chosen on %d-fold validation "
			      "inside the other folds:\n\n"),
			    URL_MODEL_INNER_FOLDS);
			fprintf(
			    o->report,
			    "| %4s | %6s | %4s | %11s | %10s | %16s | %14s | %11s | %13s | %16s "
			    "|\n",
			    _("fold"), _("weight"), "lr", _("susp. logit"), _("mal. logit"),
			    _("val. popular FPR"), _("val. precision"), _("val. recall"),
			    _("val. accuracy"), _("regression alone"));
			fprintf(o->report, "|------|--------|------|-------------|------------|"
			                   "------------------|----------------|-------------|"
			                   "---------------|------------------|\n");
			for (int fo = 0; fo < o->folds; fo++)
				fprintf(o->report,
				        "| %4d | %6.1f | %4.2f | %11.3f | %10.3f | %15.2f%% | "
				        "%13.2f%% | %10.2f%% | %12.2f%% | %15.2f%% |\n",
				        fo, fl[fo].hp.popw, fl[fo].hp.lr0, fl[fo].zs, fl[fo].zm,
				        fl[fo].pop_fpr, fl[fo].precision, fl[fo].recall,
				        fl[fo].accuracy, flr[fo].accuracy);
			report(o->report, 0, &d, 0, o->folds);
			report(o->report, 0, &d, 1, o->folds);
			sweep(o->report, &d);
		}
		if (o->predictions && (rc = write_predictions(&d, o->predictions, err)) != V_OK)
			goto out;
	}
	if (o->out) {
		struct lines l, llr;
		if ((rc = fit(&m, &d, -1, o->epochs, &l, &llr)) != V_OK) {
			rc = fit_error(rc, o->data, err);
			goto out;
		}
		rc = model_save(&m, o->out, err);
		if (rc == V_OK && o->report && !o->json)
			fprintf(
			    o->report,
			    _("model written to %s: popular-site weight %.1f, learning rate %.2f, "
			      "suspicious from margin %.3f, malicious from %.3f (chosen on %d-fold "
			      "validation: popular-site FPR %.2f%%, precision %.2f%%, recall "
			      "%.2f%%, accuracy %.2f%%; the regression alone: popular-site FPR "
			      "%.2f%%, precision %.2f%%, recall %.2f%%, accuracy %.2f%%)\n"),
			    o->out, l.hp.popw, l.hp.lr0, l.zs, l.zm, URL_MODEL_INNER_FOLDS,
			    l.pop_fpr, l.precision, l.recall, l.accuracy, llr.pop_fpr,
			    llr.precision, llr.recall, llr.accuracy);
	}
out:
	fclose(in);
	free(m.w);
	if (m.boost)
		XGBoosterFree(m.boost);
	data_free(&d);
	return rc;
}
