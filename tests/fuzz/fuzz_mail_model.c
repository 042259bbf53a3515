/*
 * fuzz_mail_model.c — libFuzzer target for the mail classifier's model reader
 * (mail_bayes_parse): header, counts, token lines and the SHA-256 trailer of hostile bytes.
 * The checksum is what a fuzzer rarely gets right, so the input is also tried with a correct
 * trailer appended, which takes it through the line reader.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/evp.h>

#include "analyze/mail/bayes.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void try(const char *d, size_t n)
{
	struct mail_bayes *b = NULL;
	struct verr e = { 0 };

	if (mail_bayes_parse("input", d, n, &b, &e) == V_OK) {
		struct mail_tokens t = { 0 };
		struct mail_verdict v;
		char *tok = strdup("R:reply_to_mismatch");
		if (tok) {
			t.v = &tok;
			t.n = 1;
			mail_bayes_classify(b, &t, &v);
			free(tok);
		}
	}
	mail_bayes_free(b);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	unsigned char h[EVP_MAX_MD_SIZE];
	unsigned hn = 0;
	char *d;

	try((const char *)data, size);
	if (size > (1u << 20) || !(d = malloc(size + 80)))
		return 0;
	memcpy(d, data, size);
	if (EVP_Digest(d, size, h, &hn, EVP_sha256(), NULL)) {
		size_t n = size;
		memcpy(d + n, "sha256\t", 7);
		n += 7;
		for (unsigned i = 0; i < hn; i++)
			snprintf(d + n + 2 * i, 3, "%02x", h[i]);
		n += 2 * hn;
		d[n++] = '\n';
		try(d, n);
	}
	free(d);
	return 0;
}
