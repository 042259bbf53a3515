/*
 * bayes.h — the mail classifier: ham, spam or phish, by naive Bayes over tokens of a message
 * (body words, subject words, header names and values, URL hosts, in the spirit of
 * SpamAssassin's and rspamd's Bayes) and over the mail analyzer's rules as features (sender
 * mismatches, link text that names another domain, the URL analyzer's verdicts,
 * authentication results, attachment types).  Every verdict comes with its reasons: the
 * tokens that weighed most for the class chosen.
 *
 * The model is a text file built by `vigia mail train` (docs/mail-analysis.md): the same
 * corpus gives the same file, byte for byte; it ends with the SHA-256 of its contents and a
 * damaged file is refused.
 */
#ifndef VIGIA_ANALYZE_MAIL_BAYES_H
#define VIGIA_ANALYZE_MAIL_BAYES_H

#include <stddef.h>

#include "analyze/mail/mail.h"
#include "base/err.h"

enum mail_class { MAIL_HAM = 0, MAIL_SPAM, MAIL_PHISH, MAIL_NCLASS };

/* "ham", "spam", "phish" (static). */
const char *mail_class_name(int c);
/* The class named s, or -1. */
int mail_class_parse(const char *s);

/* The distinct tokens of one message, sorted.  Owned by the set; mail_tokens_fini frees. */
struct mail_tokens {
	char **v;
	size_t n, cap;
};
/* Tokenize report r (borrowed; its text and headers are read when kept).  t must be zeroed
 * or finished before.  V_OK or V_ERR_NOMEM. */
int mail_tokens(const struct mail_report *r, struct mail_tokens *t);
void mail_tokens_fini(struct mail_tokens *t);

struct mail_bayes;
/* An empty model to learn into.  NULL on OOM. */
struct mail_bayes *mail_bayes_new(void);
void mail_bayes_free(struct mail_bayes *b);
/* Count message t as class cls.  V_OK, V_ERR_INVALID (bad class) or V_ERR_NOMEM. */
int mail_bayes_learn(struct mail_bayes *b, const struct mail_tokens *t, int cls);
/* Messages learned per class (array of MAIL_NCLASS, borrowed). */
const size_t *mail_bayes_messages(const struct mail_bayes *b);

/* Write the model to path (tokens seen in fewer than 2 messages are left out; sorted; the
 * last line the SHA-256 of what precedes it).  V_OK or V_ERR_IO/V_ERR_NOMEM with err. */
int mail_bayes_write(struct mail_bayes *b, const char *path, struct verr *err);
/* Read a model written by mail_bayes_write.  V_OK, V_ERR_IO (cannot read), V_ERR_PARSE (not a
 * model, damaged: err names the file, the line and why), V_ERR_NOMEM. OUT: *out. */
int mail_bayes_load(const char *path, struct mail_bayes **out, struct verr *err);
/* The same from memory: d[0..len) (borrowed), named name in errors. */
int mail_bayes_parse(const char *name, const char *d, size_t len, struct mail_bayes **out,
		     struct verr *err);

#define MAIL_REASONS_MAX 512
struct mail_verdict {
	int cls;                       /* enum mail_class; -1 when the model is empty */
	double p[MAIL_NCLASS];         /* posterior probabilities */
	char reasons[MAIL_REASONS_MAX]; /* "; "-separated: the tokens that weighed most */
};
/* Classify the message whose tokens are t.  b is not changed except for a cached sum. */
void mail_bayes_classify(struct mail_bayes *b, const struct mail_tokens *t,
			 struct mail_verdict *v);

#endif
