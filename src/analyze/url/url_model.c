/*
 * url_model.c — the lexical model: logistic regression over hashed features of a URL, its
 * training (`vigia url train`) and its evaluation by cross-validation split by registrable
 * domain.
 *
 * Features (url_features): character 3- and 4-grams of the host (digits folded to 0 for IP
 * hosts), 3-grams and tokens of the path and query, the registrable domain, the TLD, label
 * count and length classes, and every heuristic reason that fired.  The scheme is left out on
 * purpose: in the training data it encodes the year a row was collected more than anything
 * about the URL (docs/url-analysis.md).  Each feature is FNV-1a hashed into 2^URL_MODEL_BITS
 * buckets, a fixed function, so a model file means the same thing on every machine.
 *
 * Training is plain SGD on the log loss with L2, a fixed number of epochs and a fixed
 * shuffle (a 64-bit LCG seeded with a constant): the same data give the same model file,
 * byte for byte.  File: "VURLMDL1", uint32 bits, uint32 0, float32 bias, float32 weights
 * (little-endian), then a SHA-256 of everything before it.
 */
#include <ctype.h>
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sodium.h>

#include "analyze/url/url.h"
#include "base/i18n.h"

#define MAGIC "VURLMDL1"
#define NB    ((size_t)1 << URL_MODEL_BITS)

struct url_model {
	float bias;
	float *w;
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

double url_model_predict(const struct url_model *m, const uint32_t *f, size_t n)
{
	double z = m->bias;
	for (size_t i = 0; i < n; i++)
		z += m->w[f[i]];
	return 1.0 / (1.0 + exp(-z));
}

void url_model_free(struct url_model *m)
{
	if (!m)
		return;
	free(m->w);
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

static size_t model_size(void)
{
	return 16 + 4 + 4 * NB + 32;
}

int url_model_load(const char *path, struct url_model **out, struct verr *err)
{
	FILE *fp = fopen(path, "rb");
	size_t size = model_size();
	unsigned char *t = NULL, sum[32];
	struct url_model *m = NULL;
	int rc;

	*out = NULL;
	if (!fp)
		return verr_set(err, V_ERR_IO, "url.model", _("%s: cannot open: %s"), path,
		                strerror(errno));
	t = malloc(size + 1);
	if (!t) {
		fclose(fp);
		return verr_set(err, V_ERR_NOMEM, "", "%s", _("out of memory"));
	}
	size_t got = fread(t, 1, size + 1, fp);
	fclose(fp);
	if (got != size || memcmp(t, MAGIC, 8) || get32(t + 8) != URL_MODEL_BITS) {
		rc = verr_set(err, V_ERR_INVALID, "url.model",
		              _("%s: not a URL model of this version (vigia url train builds one)"),
		              path);
		goto out;
	}
	crypto_hash_sha256(sum, t, size - 32);
	if (memcmp(sum, t + size - 32, 32)) {
		rc = verr_set(err, V_ERR_INVALID, "url.model", _("%s: damaged (checksum)"), path);
		goto out;
	}
	m = calloc(1, sizeof *m);
	if (!m || !(m->w = malloc(NB * sizeof *m->w))) {
		url_model_free(m);
		rc = verr_set(err, V_ERR_NOMEM, "", "%s", _("out of memory"));
		goto out;
	}
	uint32_t v = get32(t + 16);
	memcpy(&m->bias, &v, 4);
	for (size_t i = 0; i < NB; i++) {
		v = get32(t + 20 + 4 * i);
		memcpy(&m->w[i], &v, 4);
	}
	*out = m;
	rc = V_OK;
out:
	free(t);
	return rc;
}

static int model_save(const struct url_model *m, const char *path, struct verr *err)
{
	size_t size = model_size();
	unsigned char *t = calloc(1, size);
	char tmp[4096];
	uint32_t v;

	if (!t)
		return verr_set(err, V_ERR_NOMEM, "", "%s", _("out of memory"));
	memcpy(t, MAGIC, 8);
	put32(t + 8, URL_MODEL_BITS);
	memcpy(&v, &m->bias, 4);
	put32(t + 16, v);
	for (size_t i = 0; i < NB; i++) {
		memcpy(&v, &m->w[i], 4);
		put32(t + 20 + 4 * i, v);
	}
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

struct row {
	uint32_t foff, fn; /* features in the pool */
	uint8_t y;         /* 1 malicious */
	uint8_t fold;
	uint16_t source;
	uint8_t hs; /* the heuristic score alone (the baseline) */
	float p;    /* cross-validated prediction */
};

struct data {
	struct row *rows;
	size_t n, cap;
	uint32_t *pool;
	size_t pn, pcap;
	char *sources[64];
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
	return d->sources[d->nsrc] ? (int)d->nsrc++ : 0;
}

static void data_free(struct data *d)
{
	free(d->rows);
	free(d->pool);
	for (size_t i = 0; i < d->nsrc; i++)
		free(d->sources[i]);
}

static uint64_t lcg(uint64_t *s)
{
	*s = *s * 6364136223846793005ULL + 1442695040888963407ULL;
	return *s >> 33;
}

/* SGD over rows whose fold != skip (skip < 0: all). */
static void train(struct url_model *m, const struct data *d, int skip, int epochs)
{
	size_t *order = malloc(d->n * sizeof *order), n = 0;
	uint64_t seed = 0x5eed;

	if (!order)
		return;
	memset(m->w, 0, NB * sizeof *m->w);
	m->bias = 0;
	for (size_t i = 0; i < d->n; i++)
		if ((int)d->rows[i].fold != skip)
			order[n++] = i;
	const double l2 = 1e-6, lr0 = 0.2;
	size_t t = 0;
	for (int e = 0; e < epochs; e++) {
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
			double g = p - r->y;
			double lr = lr0 / (1.0 + (double)t / (double)n);
			m->bias -= (float)(lr * g);
			for (size_t j = 0; j < r->fn; j++)
				m->w[f[j]] -= (float)(lr * (g + l2 * m->w[f[j]]));
		}
	}
	free(order);
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

static void report(FILE *o, int json, const struct data *d, int threshold, int folds)
{
	struct counts all = {0}, src[64] = {{0}}, tranco = {0}, heur = {0}, heur_tranco = {0};
	/* the heuristics alone are judged at their own line (URL_SCORE_SUSPICIOUS_HEURISTIC) */
	int ht = threshold == URL_SCORE_SUSPICIOUS ? URL_SCORE_SUSPICIOUS_HEURISTIC : threshold;

	for (size_t i = 0; i < d->n; i++) {
		const struct row *r = &d->rows[i];
		int pred = r->p * 100.0f >= (float)threshold;
		count(&all, r->y, pred);
		count(&heur, r->y, r->hs >= ht);
		if (!strncmp(d->sources[r->source], "tranco", 6))
			count(&heur_tranco, r->y, r->hs >= ht);
		count(&src[r->source], r->y, pred);
		if (!strncmp(d->sources[r->source], "tranco", 6))
			count(&tranco, r->y, pred);
	}
	if (json) {
		fprintf(o, "{\"folds\":%d,\"threshold\":%d,\"counts\":{", folds, threshold);
		for (size_t s = 0; s < d->nsrc; s++)
			report_line(o, 1, d->sources[s], &src[s], 0);
		report_line(o, 1, "heuristics-alone", &heur, 0);
		report_line(o, 1, "all", &all, 1);
		fprintf(o, "}}\n");
		return;
	}
	fprintf(o,
	        _("\n%d-fold cross-validation by registrable domain, positive = score >= %d\n\n"),
	        folds, threshold);
	fprintf(o, "| %-18s | %6s | %8s | %9s | %8s | %7s |\n", _("source"), _("rows"),
	        _("accuracy"), _("precision"), _("recall"), _("FPR"));
	fprintf(o, "|--------------------|--------|----------|-----------|----------|---------|\n");
	for (size_t s = 0; s < d->nsrc; s++)
		report_line(o, 0, d->sources[s], &src[s], 0);
	report_line(o, 0, "all", &all, 1);
	report_line(o, 0, ht == threshold ? _("(heuristics alone)") : _("(heuristics >= 50)"),
	            &heur, 1);
	fprintf(o,
	        _("\nFalse positives on Tranco rows alone: %zu of %zu (%.2f%%); heuristics "
	          "alone: %zu (%.2f%%)\n"),
	        tranco.fp, tranco.fp + tranco.tn, pct(tranco.fp, tranco.fp + tranco.tn),
	        heur_tranco.fp, pct(heur_tranco.fp, heur_tranco.fp + heur_tranco.tn));
}

/* The whole set at every threshold from 10 to 95: what moving the verdict lines would cost. */
static void sweep(FILE *o, const struct data *d)
{
	fprintf(o, "%s", _("\nThreshold sweep (all rows):\n\n"));
	fprintf(o, "| %9s | %8s | %9s | %8s | %7s | %10s |\n", _("threshold"), _("accuracy"),
	        _("precision"), _("recall"), _("FPR"), _("Tranco FPR"));
	fprintf(o, "|-----------|----------|-----------|----------|---------|------------|\n");
	for (int t = 10; t <= 95; t += 5) {
		struct counts all = {0}, tr = {0};
		for (size_t i = 0; i < d->n; i++) {
			const struct row *r = &d->rows[i];
			int pred = r->p * 100.0f >= (float)t;
			count(&all, r->y, pred);
			if (!strncmp(d->sources[r->source], "tranco", 6))
				count(&tr, r->y, pred);
		}
		size_t n = all.tp + all.fp + all.tn + all.fn;
		fprintf(o, "| %9d | %7.2f%% | %8.2f%% | %7.2f%% | %6.2f%% | %9.2f%% |\n", t,
		        pct(all.tp + all.tn, n), pct(all.tp, all.tp + all.fp),
		        pct(all.tp, all.tp + all.fn), pct(all.fp, all.fp + all.tn),
		        pct(tr.fp, tr.fp + tr.tn));
	}
}

int url_model_train(struct url_checker *k, const struct url_train_options *o, struct verr *err)
{
	FILE *in = fopen(o->data, "r");
	struct data d = {0};
	struct url_result *r = NULL;
	struct url_model m = {0};
	char *line = NULL;
	size_t cap = 0, bad = 0;
	ssize_t len;
	long no = 0;
	int rc = V_OK;

	if (!in)
		return verr_set(err, V_ERR_IO, "", _("%s: cannot open: %s"), o->data,
		                strerror(errno));
	r = malloc(sizeof *r);
	m.w = malloc(NB * sizeof *m.w);
	if (!r || !m.w) {
		rc = verr_set(err, V_ERR_NOMEM, "", "%s", _("out of memory"));
		goto out;
	}
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
			if (bad++ == 0)
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
		if (d.n == d.cap) {
			size_t nc = d.cap ? 2 * d.cap : 4096;
			struct row *p = realloc(d.rows, nc * sizeof *p);
			if (!p) {
				rc = verr_set(err, V_ERR_NOMEM, "", "%s", _("out of memory"));
				goto out;
			}
			d.rows = p;
			d.cap = nc;
		}
		if (d.pn + nf > d.pcap) {
			size_t nc = d.pcap ? 2 * d.pcap : (size_t)1 << 20;
			while (nc < d.pn + nf)
				nc *= 2;
			uint32_t *p = realloc(d.pool, nc * sizeof *p);
			if (!p) {
				rc = verr_set(err, V_ERR_NOMEM, "", "%s", _("out of memory"));
				goto out;
			}
			d.pool = p;
			d.pcap = nc;
		}
		memcpy(d.pool + d.pn, f, nf * sizeof *f);
		struct row *w = &d.rows[d.n++];
		w->foff = (uint32_t)d.pn;
		w->fn = (uint32_t)nf;
		d.pn += nf;
		w->y = (uint8_t)y;
		w->source = (uint16_t)data_add_source(&d, src, sn);
		/* the fold: by registrable domain, so one site never lands on both sides */
		const char *g = r->registrable[0] ? r->registrable : url;
		w->fold =
		    (uint8_t)(o->folds > 1 ? fnv("fold", g, strlen(g)) % (uint32_t)o->folds : 0);
		w->p = 0;
		w->hs = (uint8_t)(r->verdict == URL_INVALID ? 0 : r->heuristic_score);
	}
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
		for (int fo = 0; fo < o->folds; fo++) {
			train(&m, &d, fo, o->epochs);
			for (size_t i = 0; i < d.n; i++)
				if (d.rows[i].fold == fo)
					d.rows[i].p = (float)url_model_predict(
					    &m, d.pool + d.rows[i].foff, d.rows[i].fn);
		}
		if (o->report) {
			report(o->report, o->json, &d, URL_SCORE_SUSPICIOUS, o->folds);
			report(o->report, o->json, &d, URL_SCORE_MALICIOUS, o->folds);
			if (!o->json)
				sweep(o->report, &d);
		}
	}
	if (o->out) {
		train(&m, &d, -1, o->epochs);
		rc = model_save(&m, o->out, err);
		if (rc == V_OK && o->report && !o->json)
			fprintf(o->report, _("model written to %s\n"), o->out);
	}
out:
	if (in)
		fclose(in);
	free(line);
	if (r)
		url_result_fini(r);
	free(r);
	free(m.w);
	data_free(&d);
	return rc;
}
