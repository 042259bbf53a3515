/*
 * fuzz_mailauth.c — libFuzzer target for the SPF and DMARC readers of `vigia audit mail`.
 * The first byte picks: the SPF parser or the DMARC parser on the rest, or the whole checks
 * on a made-up zone — the rest is "name<TAB>TXT" lines, and the lookup callback answers every
 * line whose name matches (several lines: several records; a name "!fail" makes that name's
 * query fail) — for the domain "d.test", so include chains, loops and deep nesting are
 * followed with hostile records.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "audit/audit.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

struct zone {
	const char *s;
	size_t n;
	int queries;
};

static int lookup(void *arg, const char *name, char ***txt, size_t *n, char *why, size_t wn)
{
	struct zone *z = arg;
	size_t nl = strlen(name), o = 0, cnt = 0;
	char **out = NULL;

	*txt = NULL;
	*n = 0;
	if (++z->queries > 200) { /* the checks must stop long before */
		abort();
	}
	while (o < z->n) {
		const char *line = z->s + o, *eol = memchr(line, '\n', z->n - o);
		size_t ll = eol ? (size_t)(eol - line) : z->n - o;
		const char *tab = memchr(line, '\t', ll);
		o += ll + 1;
		if (!tab)
			continue;
		size_t kl = (size_t)(tab - line);
		if (kl == nl + 1 && line[0] == '!' && !memcmp(line + 1, name, nl)) {
			snprintf(why, wn, "made-up failure");
			audit_txt_free(out, cnt);
			return -1;
		}
		if (kl != nl || memcmp(line, name, nl))
			continue;
		char **nn = realloc(out, (cnt + 1) * sizeof(*nn));
		if (!nn)
			break;
		out = nn;
		out[cnt] = strndup(tab + 1, ll - kl - 1);
		if (!out[cnt])
			break;
		cnt++;
	}
	*txt = out;
	*n = cnt;
	return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size < 1)
		return 0;
	const char *s = (const char *)data + 1;
	size_t n = size - 1;
	switch (data[0] % 3) {
	case 0: {
		struct audit_spf *spf = malloc(sizeof(*spf));
		struct audit_dmarc d;
		if (!spf)
			return 0;
		audit_spf_parse(s, n, spf);
		free(spf);
		audit_dmarc_parse(s, n, &d);
		break;
	}
	case 1:
	case 2: {
		struct zone z = {s, n, 0};
		struct audit_mail_report *r = calloc(1, sizeof(*r));
		char *rec = NULL;
		if (!r)
			return 0;
		audit_spf_check("d.test", lookup, &z, r, &rec);
		free(rec);
		rec = NULL;
		audit_dmarc_check("d.test", data[0] % 3 == 2 ? "test" : NULL, lookup, &z, r, &rec);
		free(rec);
		free(r);
		break;
	}
	}
	return 0;
}
