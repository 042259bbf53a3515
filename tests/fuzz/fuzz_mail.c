/*
 * fuzz_mail.c — libFuzzer target for the mail analyzer's front end: GMime's parser (single
 * message or mbox, chosen by the input's first bytes as in `vigia mail analyze`), then every
 * reader of ours over what it built: Received hops, Authentication-Results, addresses and
 * registrable domains, plain-text and HTML URLs, attachments and their hashes; and the
 * classifier's tokenizer over each report (bayes.h).
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "analyze/mail/bayes.h"
#include "analyze/mail/mail.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static int on_report(void *arg, const struct mail_report *r)
{
	size_t *n = arg;

	/* read what a caller reads */
	*n += r->nhops + r->nauth + r->nurls + r->natt + (r->origin_ip ? strlen(r->origin_ip) : 0);
	for (size_t i = 0; i < r->nurls; i++)
		*n += strlen(r->urls[i].url) + strlen(r->urls[i].reasons);
	for (size_t i = 0; i < r->natt; i++)
		*n += r->att[i].size + strlen(r->att[i].sha256);
	struct mail_tokens t = { 0 };
	if (mail_tokens(r, &t) == 0)
		*n += t.n;
	mail_tokens_fini(&t);
	return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct mail_options o;
	struct verr e = { 0 };
	uint64_t bad = 0;
	size_t n = 0;

	memset(&o, 0, sizeof(o));
	o.internal_networks = "10.0.0.0/8,2001:db8::/32";
	o.max_parts = 100;
	o.max_urls = 100;
	o.max_attachment = 1 << 20;
	o.max_text = 1 << 16;
	mail_analyze(&o, "input", data, size, on_report, &n, &bad, &e);
	return 0;
}
