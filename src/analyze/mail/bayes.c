/*
 * bayes.c — the mail classifier (bayes.h): tokens of a message and a three-class naive Bayes
 * over them (each distinct token counted once per message: the "binarized" multinomial model,
 * additive smoothing), with the model file's writer and reader.  docs/mail-analysis.md
 * describes the tokens and the evaluation.
 */
#include <ctype.h>
#include <errno.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/evp.h>

#include "analyze/mail/bayes.h"
#include "base/buf.h"
#include "base/i18n.h"

#define TOKEN_MIN      3   /* shorter words are not tokens */
#define TOKEN_MAX      24  /* longer ones become "sk:" and their first 8 bytes */
#define HEADER_WORDS   24  /* words taken from one header's value */
#define MESSAGE_TOKENS 4000 /* distinct tokens per message at most */
#define MIN_MESSAGES   2   /* a token must be in this many training messages to count */
#define MODEL_MAGIC    "vigia-mail-bayes 1"
/* Additive smoothing: chosen on the training half alone (an inner split of it, by the same
 * file-name hash over "./"-prefixed names), among 1, 0.3, 0.1, 0.03, 0.01: docs/mail-analysis.md */
#define ALPHA 0.01

static const char *const class_names[MAIL_NCLASS] = { "ham", "spam", "phish" };

const char *mail_class_name(int c)
{
	return c >= 0 && c < MAIL_NCLASS ? class_names[c] : "?";
}

int mail_class_parse(const char *s)
{
	for (int c = 0; c < MAIL_NCLASS; c++)
		if (!strcmp(s, class_names[c]))
			return c;
	return -1;
}

/* ---- tokens ----------------------------------------------------------------------------- */

static uint64_t fnv(const char *s)
{
	uint64_t h = 1469598103934665603ull;

	for (; *s; s++)
		h = (h ^ (unsigned char)*s) * 1099511628211ull;
	return h;
}

static int tok_add(struct mail_tokens *t, const char *prefix, const char *w, size_t n)
{
	char tmp[TOKEN_MAX + 32];
	int len;

	if (t->n >= MESSAGE_TOKENS)
		return V_OK;
	if (n > TOKEN_MAX)
		len = snprintf(tmp, sizeof(tmp), "%ssk:%.8s", prefix, w);
	else
		len = snprintf(tmp, sizeof(tmp), "%s%.*s", prefix, (int)n, w);
	if (len < 0)
		return V_OK;
	if (t->n == t->cap) {
		size_t nc = t->cap ? 2 * t->cap : 256;
		char **nv = realloc(t->v, nc * sizeof(*nv));
		if (!nv)
			return V_ERR_NOMEM;
		t->v = nv;
		t->cap = nc;
	}
	if (!(t->v[t->n] = strdup(tmp)))
		return V_ERR_NOMEM;
	t->n++;
	return V_OK;
}

static int word_byte(unsigned char c)
{
	return isalnum(c) || c >= 0x80 || c == '$' || c == '!' || c == '\'' || c == '-';
}

/* The words of s (up to max of them; 0: all), lower-cased ASCII, with prefix. */
static int tok_words(struct mail_tokens *t, const char *prefix, const char *s, size_t max)
{
	char w[256];
	size_t taken = 0;
	int rc = V_OK;

	while (s && *s && rc == V_OK && (!max || taken < max)) {
		while (*s && !word_byte((unsigned char)*s))
			s++;
		const char *b = s;
		while (*s && word_byte((unsigned char)*s))
			s++;
		size_t n = (size_t)(s - b);
		while (n && (b[n - 1] == '\'' || b[n - 1] == '-'))
			n--;
		if (n < TOKEN_MIN)
			continue;
		if (n >= sizeof(w))
			n = sizeof(w) - 1;
		for (size_t i = 0; i < n; i++)
			w[i] = (char)tolower((unsigned char)b[i]);
		w[n] = 0;
		rc = tok_add(t, prefix, w, n);
		taken++;
	}
	return rc;
}

static int tok_flag(struct mail_tokens *t, const char *name)
{
	return tok_add(t, "R:", name, strlen(name));
}

static int str_cmp(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Headers: the name of each ("H:name") and the words of its value ("name:word"), except the
 * Received chain and the authentication results, which the rules read. */
static int tok_headers(struct mail_tokens *t, const char *h)
{
	int rc = V_OK;

	while (h && *h && rc == V_OK) {
		const char *eol = strchr(h, '\n'), *colon;
		size_t n = eol ? (size_t)(eol - h) : strlen(h);
		char name[48], line[1024];

		colon = memchr(h, ':', n);
		if (colon && (size_t)(colon - h) < sizeof(name) - 2) {
			size_t nn = (size_t)(colon - h);
			for (size_t i = 0; i < nn; i++)
				name[i] = (char)tolower((unsigned char)h[i]);
			name[nn] = 0;
			rc = tok_add(t, "H:", name, nn);
			if (rc == V_OK && strcmp(name, "received") &&
			    strcmp(name, "authentication-results") && strncmp(name, "arc-", 4) &&
			    strcmp(name, "dkim-signature") && strcmp(name, "date")) {
				size_t vn = n - nn - 1;
				if (vn >= sizeof(line))
					vn = sizeof(line) - 1;
				memcpy(line, colon + 1, vn);
				line[vn] = 0;
				name[nn] = ':';
				name[nn + 1] = 0;
				rc = tok_words(t, name, line, HEADER_WORDS);
			}
		}
		h = eol ? eol + 1 : h + n;
	}
	return rc;
}

/* The analyzer's rules as features. */
static int tok_rules(struct mail_tokens *t, const struct mail_report *r)
{
	char f[160];
	size_t mism = 0, ip = 0;
	int rc = V_OK;

	if (r->reply_mismatch)
		rc = tok_flag(t, "reply_to_mismatch");
	if (rc == V_OK && r->return_mismatch)
		rc = tok_flag(t, "return_path_mismatch");
	if (rc == V_OK && !r->origin_ip)
		rc = tok_flag(t, "no_origin_ip");
	if (rc == V_OK && !r->nauth)
		rc = tok_flag(t, "no_authentication_results");
	for (size_t i = 0; i < r->nauth && rc == V_OK; i++) {
		snprintf(f, sizeof(f), "auth_%s_%s", r->auth[i].method, r->auth[i].result);
		rc = tok_flag(t, f);
	}
	for (size_t i = 0; i < r->nurls && rc == V_OK; i++) {
		const struct mail_url *u = &r->urls[i];
		mism += u->text_mismatch != 0;
		ip += u->host && !u->domain;
		snprintf(f, sizeof(f), "url_%s", u->verdict);
		rc = tok_flag(t, f);
		if (rc == V_OK && (u->host || u->domain))
			rc = tok_add(t, "U:", u->domain ? u->domain : u->host,
				     strlen(u->domain ? u->domain : u->host));
		/* the URL analyzer's reasons by name: "brand_outside: ..." → "urlr_brand_outside" */
		const char *p = u->reasons;
		while (rc == V_OK && p && *p) {
			size_t n = strcspn(p, ":;");
			if (n && n < 40 && !memchr(p, ' ', n)) {
				snprintf(f, sizeof(f), "urlr_%.*s", (int)n, p);
				rc = tok_flag(t, f);
			}
			p = strchr(p, ';');
			if (p)
				p += 2 <= strlen(p) ? 2 : 1;
		}
	}
	if (rc == V_OK && mism)
		rc = tok_flag(t, "link_text_mismatch");
	if (rc == V_OK && ip)
		rc = tok_flag(t, "url_ip_host");
	if (rc == V_OK) {
		const char *n = r->nurls == 0 ? "0" : r->nurls < 3 ? "1-2"
				: r->nurls < 10 ? "3-9" : "10+";
		snprintf(f, sizeof(f), "urls_%s", n);
		rc = tok_flag(t, f);
	}
	for (size_t i = 0; i < r->natt && rc == V_OK; i++) {
		const char *dot = strrchr(r->att[i].name, '.');
		snprintf(f, sizeof(f), "attachment_%s", r->att[i].type);
		rc = tok_flag(t, f);
		if (rc == V_OK && dot && strlen(dot) < 8) {
			snprintf(f, sizeof(f), "attachment_ext%s", dot);
			for (char *c = f; *c; c++)
				*c = (char)tolower((unsigned char)*c);
			rc = tok_flag(t, f);
		}
	}
	return rc;
}

int mail_tokens(const struct mail_report *r, struct mail_tokens *t)
{
	int rc = tok_rules(t, r);

	if (rc == V_OK)
		rc = tok_words(t, "S:", r->subject, 0);
	if (rc == V_OK)
		rc = tok_headers(t, r->headers);
	if (rc == V_OK)
		rc = tok_words(t, "", r->text, 0);
	if (rc != V_OK)
		return rc;
	qsort(t->v, t->n, sizeof(*t->v), str_cmp);
	size_t o = 0;
	for (size_t i = 0; i < t->n; i++) {
		if (o && !strcmp(t->v[o - 1], t->v[i]))
			free(t->v[i]);
		else
			t->v[o++] = t->v[i];
	}
	t->n = o;
	return V_OK;
}

void mail_tokens_fini(struct mail_tokens *t)
{
	for (size_t i = 0; i < t->n; i++)
		free(t->v[i]);
	free(t->v);
	memset(t, 0, sizeof(*t));
}

/* ---- the model -------------------------------------------------------------------------- */

struct entry {
	char *tok; /* NULL: empty slot */
	uint32_t n[MAIL_NCLASS];
};

struct mail_bayes {
	struct entry *e;
	size_t cap, used;
	size_t msgs[MAIL_NCLASS];
	/* cached by sum(): tokens that count, and their occurrences per class */
	int summed;
	double vocab, total[MAIL_NCLASS];
};

struct mail_bayes *mail_bayes_new(void)
{
	struct mail_bayes *b = calloc(1, sizeof(*b));

	if (b && !(b->e = calloc(b->cap = 1024, sizeof(*b->e)))) {
		free(b);
		return NULL;
	}
	return b;
}

void mail_bayes_free(struct mail_bayes *b)
{
	if (!b)
		return;
	for (size_t i = 0; i < b->cap; i++)
		free(b->e[i].tok);
	free(b->e);
	free(b);
}

const size_t *mail_bayes_messages(const struct mail_bayes *b)
{
	return b->msgs;
}

static struct entry *slot(const struct mail_bayes *b, const char *tok)
{
	size_t i = (size_t)fnv(tok) & (b->cap - 1);

	while (b->e[i].tok && strcmp(b->e[i].tok, tok))
		i = (i + 1) & (b->cap - 1);
	return &b->e[i];
}

static int grow(struct mail_bayes *b)
{
	struct mail_bayes nb = *b;

	nb.cap = b->cap * 2;
	if (!(nb.e = calloc(nb.cap, sizeof(*nb.e))))
		return V_ERR_NOMEM;
	for (size_t i = 0; i < b->cap; i++)
		if (b->e[i].tok)
			*slot(&nb, b->e[i].tok) = b->e[i];
	free(b->e);
	b->e = nb.e;
	b->cap = nb.cap;
	return V_OK;
}

/* The entry for tok, made when missing. */
static struct entry *entry_get(struct mail_bayes *b, const char *tok)
{
	struct entry *s;

	if (2 * (b->used + 1) > b->cap && grow(b) != V_OK)
		return NULL;
	s = slot(b, tok);
	if (!s->tok) {
		if (!(s->tok = strdup(tok)))
			return NULL;
		b->used++;
	}
	return s;
}

int mail_bayes_learn(struct mail_bayes *b, const struct mail_tokens *t, int cls)
{
	if (cls < 0 || cls >= MAIL_NCLASS)
		return V_ERR_INVALID;
	for (size_t i = 0; i < t->n; i++) {
		struct entry *s = entry_get(b, t->v[i]);
		if (!s)
			return V_ERR_NOMEM;
		s->n[cls]++;
	}
	b->msgs[cls]++;
	b->summed = 0;
	return V_OK;
}

static int counts(const struct entry *s)
{
	uint32_t n = 0;

	for (int c = 0; c < MAIL_NCLASS; c++)
		n += s->n[c];
	return n >= MIN_MESSAGES;
}

static void sum(struct mail_bayes *b)
{
	memset(b->total, 0, sizeof(b->total));
	b->vocab = 0;
	for (size_t i = 0; i < b->cap; i++) {
		if (!b->e[i].tok || !counts(&b->e[i]))
			continue;
		b->vocab++;
		for (int c = 0; c < MAIL_NCLASS; c++)
			b->total[c] += b->e[i].n[c];
	}
	b->summed = 1;
}

static double logp(const struct mail_bayes *b, const struct entry *s, int c)
{
	return log(((s ? s->n[c] : 0) + ALPHA) / (b->total[c] + ALPHA * b->vocab));
}

struct weigh {
	const char *tok;
	double d;
};

static int weigh_cmp(const void *a, const void *b)
{
	double x = ((const struct weigh *)a)->d, y = ((const struct weigh *)b)->d;

	return x < y ? 1 : x > y ? -1 : strcmp(((const struct weigh *)a)->tok,
						 ((const struct weigh *)b)->tok);
}

void mail_bayes_classify(struct mail_bayes *b, const struct mail_tokens *t,
			 struct mail_verdict *v)
{
	double score[MAIL_NCLASS], all = 0, best_s;
	size_t nm = 0;
	int best = 0, second;
	struct weigh top[6];
	size_t ntop = 0;

	memset(v, 0, sizeof(*v));
	v->cls = -1;
	for (int c = 0; c < MAIL_NCLASS; c++)
		nm += b->msgs[c];
	if (!nm)
		return;
	if (!b->summed)
		sum(b);
	for (int c = 0; c < MAIL_NCLASS; c++)
		score[c] = log((b->msgs[c] + 1.0) / (nm + MAIL_NCLASS));
	for (size_t i = 0; i < t->n; i++) {
		const struct entry *s = slot(b, t->v[i]);
		if (!s->tok || !counts(s))
			continue;
		for (int c = 0; c < MAIL_NCLASS; c++)
			score[c] += logp(b, s, c);
	}
	for (int c = 1; c < MAIL_NCLASS; c++)
		if (score[c] > score[best])
			best = c;
	second = best == 0 ? 1 : 0;
	for (int c = 0; c < MAIL_NCLASS; c++)
		if (c != best && score[c] > score[second])
			second = c;
	best_s = score[best];
	for (int c = 0; c < MAIL_NCLASS; c++)
		all += (v->p[c] = exp(score[c] - best_s));
	for (int c = 0; c < MAIL_NCLASS; c++)
		v->p[c] /= all;
	v->cls = best;
	/* reasons: the tokens that favour best over the runner-up the most */
	for (size_t i = 0; i < t->n; i++) {
		const struct entry *s = slot(b, t->v[i]);
		if (!s->tok || !counts(s))
			continue;
		double d = logp(b, s, best) - logp(b, s, second);
		if (d <= 0)
			continue;
		if (ntop < 6) {
			top[ntop].tok = s->tok;
			top[ntop++].d = d;
		} else if (d > top[5].d) {
			top[5].tok = s->tok;
			top[5].d = d;
		} else {
			continue;
		}
		qsort(top, ntop, sizeof(*top), weigh_cmp);
	}
	struct buf r;
	buf_init(&r, MAIL_REASONS_MAX - 1);
	for (size_t i = 0; i < ntop; i++)
		buf_printf(&r, "%s%s (%+.1f vs %s)", i ? "; " : "", top[i].tok, top[i].d,
			   mail_class_name(second));
	snprintf(v->reasons, sizeof(v->reasons), "%s", buf_cstr(&r));
	buf_fini(&r);
}

/* ---- the file --------------------------------------------------------------------------- */

static int tok_sorted_cmp(const void *a, const void *b)
{
	return strcmp((*(struct entry *const *)a)->tok, (*(struct entry *const *)b)->tok);
}

static void hex(const unsigned char *d, size_t n, char *out)
{
	for (size_t i = 0; i < n; i++)
		snprintf(out + 2 * i, 3, "%02x", d[i]);
}

static void sha256_hex(const void *d, size_t n, char out[65])
{
	unsigned char h[EVP_MAX_MD_SIZE];
	unsigned hn = 0;

	out[0] = 0;
	if (EVP_Digest(d, n, h, &hn, EVP_sha256(), NULL))
		hex(h, hn, out);
}

int mail_bayes_write(struct mail_bayes *b, const char *path, struct verr *err)
{
	struct entry **v = malloc((b->used + 1) * sizeof(*v));
	struct buf out;
	size_t n = 0;
	char sum_hex[65];
	FILE *f;
	int rc = V_OK;

	if (!v)
		return verr_set(err, V_ERR_NOMEM, "", "%s", vres_str(V_ERR_NOMEM));
	for (size_t i = 0; i < b->cap; i++)
		if (b->e[i].tok && counts(&b->e[i]))
			v[n++] = &b->e[i];
	qsort(v, n, sizeof(*v), tok_sorted_cmp);
	buf_init(&out, (size_t)1 << 30);
	buf_printf(&out, "%s\nmessages\t%zu\t%zu\t%zu\n", MODEL_MAGIC, b->msgs[0], b->msgs[1],
		   b->msgs[2]);
	for (size_t i = 0; i < n && rc == V_OK; i++)
		rc = buf_printf(&out, "%s\t%u\t%u\t%u\n", v[i]->tok, v[i]->n[0], v[i]->n[1],
				v[i]->n[2]);
	free(v);
	if (rc != V_OK) {
		buf_fini(&out);
		return verr_set(err, rc, "", "%s", vres_str(rc));
	}
	sha256_hex(out.data, out.len, sum_hex);
	buf_printf(&out, "sha256\t%s\n", sum_hex);
	if (!(f = fopen(path, "wb"))) {
		rc = verr_set(err, V_ERR_IO, "", _("%s: cannot write: %s"), path, strerror(errno));
	} else {
		if (fwrite(out.data, 1, out.len, f) != out.len)
			rc = V_ERR_IO;
		if (fclose(f) != 0)
			rc = V_ERR_IO;
		if (rc != V_OK)
			verr_set(err, rc, "", _("%s: cannot write: %s"), path, strerror(errno));
	}
	buf_fini(&out);
	return rc;
}

static int bad_model(struct verr *err, const char *path, long line, const char *why)
{
	return verr_set(err, V_ERR_PARSE, "", _("%s: line %ld: not a vigia mail model: %s"), path,
			line, why);
}

int mail_bayes_load(const char *path, struct mail_bayes **out, struct verr *err)
{
	FILE *f = fopen(path, "rb");
	struct buf in;
	char tmp[65536];
	size_t got;
	int rc = V_OK;

	*out = NULL;
	if (!f)
		return verr_set(err, V_ERR_IO, "", _("%s: cannot read: %s"), path, strerror(errno));
	buf_init(&in, (size_t)1 << 30);
	while (rc == V_OK && (got = fread(tmp, 1, sizeof(tmp), f)) > 0)
		rc = buf_append(&in, tmp, got);
	fclose(f);
	if (rc == V_OK)
		rc = mail_bayes_parse(path, in.len ? in.data : "", in.len, out, err);
	else
		verr_set(err, rc, "", "%s: %s", path, vres_str(rc));
	buf_fini(&in);
	return rc;
}

int mail_bayes_parse(const char *name, const char *d, size_t len, struct mail_bayes **out,
		     struct verr *err)
{
	struct mail_bayes *b = NULL;
	char sum_hex[65];
	size_t body;
	long line = 1;
	int rc = V_OK;

	*out = NULL;
	/* the last line: the SHA-256 of everything before it */
	const char *last = len > 1 ? d + len - 2 : d;
	while (last > d && *last != '\n')
		last--;
	body = last > d ? (size_t)(last - d) + 1 : 0;
	sha256_hex(d, body, sum_hex);
	if (len < sizeof(MODEL_MAGIC) || memcmp(d, MODEL_MAGIC "\n", sizeof(MODEL_MAGIC)))
		return bad_model(err, name, 1, _("wrong header"));
	if (!body || len - body < 7 + 64 || memcmp(d + body, "sha256\t", 7) ||
	    memcmp(d + body + 7, sum_hex, 64))
		return bad_model(err, name, 0, _("checksum mismatch (damaged or edited)"));
	if (!(b = mail_bayes_new()))
		return verr_set(err, V_ERR_NOMEM, "", "%s", vres_str(V_ERR_NOMEM));
	const char *p = d + sizeof(MODEL_MAGIC), *end = d + body;
	for (line = 2; p < end; line++) {
		const char *eol = memchr(p, '\n', (size_t)(end - p));
		const char *tab = memchr(p, '\t', eol ? (size_t)(eol - p) : 0);
		char tok[TOKEN_MAX + 40], nums[64];
		unsigned long n[MAIL_NCLASS];
		char *q;
		size_t tn = tab ? (size_t)(tab - p) : 0, nn = tab && eol ? (size_t)(eol - tab) : 0;
		if (!eol || !tab || !tn || tn >= sizeof(tok) || nn >= sizeof(nums)) {
			rc = bad_model(err, name, line, _("bad line"));
			goto out;
		}
		memcpy(tok, p, tn);
		tok[tn] = 0;
		memcpy(nums, tab, nn);
		nums[nn] = 0;
		q = nums;
		for (int c = 0; c < MAIL_NCLASS; c++) {
			char *e;
			if (*q != '\t' || !isdigit((unsigned char)q[1])) {
				rc = bad_model(err, name, line, _("bad counts"));
				goto out;
			}
			errno = 0;
			n[c] = strtoul(q + 1, &e, 10);
			if (errno || n[c] > UINT32_MAX) {
				rc = bad_model(err, name, line, _("bad counts"));
				goto out;
			}
			q = e;
		}
		if (*q) {
			rc = bad_model(err, name, line, _("bad counts"));
			goto out;
		}
		if (line == 2) {
			if (strcmp(tok, "messages")) {
				rc = bad_model(err, name, line, _("no message counts"));
				goto out;
			}
			for (int c = 0; c < MAIL_NCLASS; c++)
				b->msgs[c] = n[c];
		} else {
			struct entry *s = entry_get(b, tok);
			if (!s) {
				rc = verr_set(err, V_ERR_NOMEM, "", "%s", vres_str(V_ERR_NOMEM));
				goto out;
			}
			for (int c = 0; c < MAIL_NCLASS; c++)
				s->n[c] = (uint32_t)n[c];
		}
		p = eol + 1;
	}
	if (line == 2) {
		rc = bad_model(err, name, line, _("no message counts"));
		goto out;
	}
	*out = b;
	b = NULL;
out:
	mail_bayes_free(b);
	return rc;
}
