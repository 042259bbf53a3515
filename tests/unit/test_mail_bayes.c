/*
 * test_mail_bayes.c — the mail classifier (src/analyze/mail/bayes.c): tokens of a message
 * (rules, subject, headers, body; distinct and sorted), the URL analyzer connected through
 * mail_url_assess (a phishing URL in a message gets its verdict and reasons), learning and
 * classifying three classes with reasons, and the model file: written byte-identical twice,
 * read back to the same verdicts, damaged or foreign files refused with line and reason.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "analyze/mail/bayes.h"
#include "analyze/mail/mail.h"
#include "analyze/url/url.h"
#include "tap.h"

static const char phish_msg[] =
	"From: \"PayPal\" <service@paypal.com>\r\n"
	"Reply-To: help@secure-paypal-help.co.uk\r\n"
	"Subject: Your account is limited\r\n"
	"Content-Type: text/plain\r\n\r\n"
	"Verify your account now: https://www.paypal.com.account-verify.example.net/login?id=7\r\n"
	"or your account will be suspended.\r\n";
static const char spam_msg[] =
	"From: deals@cheap-pills.example\r\n"
	"Subject: Cheap pills, best prices\r\n"
	"Content-Type: text/plain\r\n\r\n"
	"Buy cheap viagra and pills now, best prices, free shipping, order today\r\n";
static const char ham_msg[] =
	"From: alice@example.org\r\n"
	"Subject: Minutes of the meeting\r\n"
	"Content-Type: text/plain\r\n\r\n"
	"Hi Bob, attached are the minutes of yesterday's meeting about the release schedule.\r\n";

struct one {
	struct mail_tokens t;
	char verdict[32], reasons[512];
};

static int on_one(void *arg, const struct mail_report *r)
{
	struct one *o = arg;

	for (size_t i = 0; i < r->nurls; i++)
		if (strstr(r->urls[i].url, "account-verify")) {
			snprintf(o->verdict, sizeof(o->verdict), "%s", r->urls[i].verdict);
			snprintf(o->reasons, sizeof(o->reasons), "%s", r->urls[i].reasons);
		}
	return mail_tokens(r, &o->t);
}

static void tokens_of(struct url_checker *k, const char *msg, struct one *o)
{
	struct mail_options mo;
	struct verr e = { 0 };
	uint64_t bad = 0;

	memset(o, 0, sizeof(*o));
	memset(&mo, 0, sizeof(mo));
	mo.max_parts = 100;
	mo.max_urls = 100;
	mo.max_attachment = 1 << 20;
	mo.max_text = 1 << 16;
	mo.urls = k;
	mail_analyze(&mo, "test", msg, strlen(msg), on_one, o, &bad, &e);
}

static int has(const struct mail_tokens *t, const char *tok)
{
	for (size_t i = 0; i < t->n; i++)
		if (!strcmp(t->v[i], tok))
			return 1;
	return 0;
}

static char *slurp(const char *path, size_t *n)
{
	FILE *f = fopen(path, "rb");
	char *d = malloc(1 << 20);

	*n = f && d ? fread(d, 1, 1 << 20, f) : 0;
	if (f)
		fclose(f);
	return d;
}

int main(void)
{
	struct url_checker_options co = { 0 };
	struct url_checker *k = NULL;
	struct verr e = { 0 };
	struct one p, s, h;
	struct mail_verdict v;
	struct mail_bayes *b, *b2 = NULL;
	char m1[] = "/tmp/vigia-bayes-XXXXXX", m2[] = "/tmp/vigia-bayes-XXXXXX";
	int fd1 = mkstemp(m1), fd2 = mkstemp(m2);

	close(fd1);
	close(fd2);
	ok(url_checker_new(&co, &k, &e) == V_OK, "URL analyzer without lists or model");

	/* the seam: a phishing URL in the message gets the URL analyzer's verdict */
	tokens_of(k, phish_msg, &p);
	ok(strcmp(p.verdict, "suspicious") == 0 || strcmp(p.verdict, "malicious") == 0,
	   "phishing URL in the message: verdict from the URL analyzer (%s)", p.verdict);
	ok(strstr(p.reasons, "brand_outside") != NULL, "its reasons: brand outside (%s)",
	   p.reasons);
	ok(has(&p.t, "R:reply_to_mismatch"), "rule feature: Reply-To mismatch");
	ok(has(&p.t, "R:url_suspicious") || has(&p.t, "R:url_malicious"),
	   "rule feature: the URL verdict");
	ok(has(&p.t, "R:urlr_brand_outside"), "rule feature: the URL analyzer's reason");
	ok(has(&p.t, "S:limited") && has(&p.t, "verify") && has(&p.t, "H:reply-to"),
	   "subject, body and header tokens");
	int sorted = 1;
	for (size_t i = 1; i < p.t.n; i++)
		sorted &= strcmp(p.t.v[i - 1], p.t.v[i]) < 0;
	ok(sorted, "tokens distinct and sorted");
	tokens_of(k, spam_msg, &s);
	tokens_of(k, ham_msg, &h);

	/* unmodified: no model yet */
	b = mail_bayes_new();
	mail_bayes_classify(b, &p.t, &v);
	is_int(v.cls, -1, "an empty model gives no class");
	ok(mail_bayes_learn(b, &p.t, 7) == V_ERR_INVALID, "a bad class is refused");
	for (int i = 0; i < 3; i++) {
		mail_bayes_learn(b, &p.t, MAIL_PHISH);
		mail_bayes_learn(b, &s.t, MAIL_SPAM);
		mail_bayes_learn(b, &h.t, MAIL_HAM);
	}
	mail_bayes_classify(b, &p.t, &v);
	is_str(mail_class_name(v.cls), "phish", "phish message classified phish");
	ok(v.p[MAIL_PHISH] > 0.9, "with high probability (%.3f)", v.p[MAIL_PHISH]);
	ok(v.reasons[0] != 0, "with reasons: %s", v.reasons);
	mail_bayes_classify(b, &s.t, &v);
	is_str(mail_class_name(v.cls), "spam", "spam message classified spam");
	mail_bayes_classify(b, &h.t, &v);
	is_str(mail_class_name(v.cls), "ham", "ham message classified ham");

	/* the file */
	ok(mail_bayes_write(b, m1, &e) == V_OK && mail_bayes_write(b, m2, &e) == V_OK,
	   "model written twice");
	size_t n1, n2;
	char *d1 = slurp(m1, &n1), *d2 = slurp(m2, &n2);
	ok(n1 > 0 && n1 == n2 && !memcmp(d1, d2, n1), "byte-identical (%zu bytes)", n1);
	ok(mail_bayes_load(m1, &b2, &e) == V_OK, "read back");
	if (b2) {
		mail_bayes_classify(b2, &s.t, &v);
		is_str(mail_class_name(v.cls), "spam", "the model read back gives the same class");
		is_int(mail_bayes_messages(b2)[MAIL_HAM], 3, "message counts read back");
	}
	mail_bayes_free(b2);
	b2 = NULL;
	d1[n1 / 2] ^= 1;
	ok(mail_bayes_parse("damaged", d1, n1, &b2, &e) == V_ERR_PARSE && !b2 &&
		   strstr(e.reason, "checksum"),
	   "a damaged model is refused: %s", e.reason);
	ok(mail_bayes_parse("foreign", "hello\n", 6, &b2, &e) == V_ERR_PARSE,
	   "a foreign file is refused: %s", e.reason);
	ok(mail_bayes_load("/nonexistent/model", &b2, &e) == V_ERR_IO, "a missing file: I/O error");
	free(d1);
	free(d2);
	unlink(m1);
	unlink(m2);
	mail_bayes_free(b);
	mail_tokens_fini(&p.t);
	mail_tokens_fini(&s.t);
	mail_tokens_fini(&h.t);
	url_checker_free(k);
	return done_testing();
}
