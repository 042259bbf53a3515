/*
 * fuzz_http.c — libFuzzer target for the HTTP API and TAXII request handling: http_handle()
 * (routing, credentials, query arguments, JSON bodies, TAXII filters) over a small store made
 * on the first call (one incident, an analyst and a partner account with known tokens).
 *
 * Input, lines separated by '\n': method, path, query ("k=v&k=v", not decoded), who (a
 * for the analyst's token, p for the partner's, b for the administrator's, anything else is
 * sent as the Authorization header itself), Accept, Content-Type; the rest is the body.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "http/auth.h"
#include "http/http.h"
#include "store/store.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static struct store *st;
static char auth_a[HTTP_TOKEN_LEN + 8], auth_p[HTTP_TOKEN_LEN + 8], auth_b[HTTP_TOKEN_LEN + 8];

static int setup(void)
{
	char path[] = "/tmp/vigia-fuzz-http-XXXXXX", tok[HTTP_TOKEN_LEN + 1], hash[65];
	struct store_incident inc = {.rule = "r",
	                             .key = "k",
	                             .state = IS_OPEN,
	                             .priority = 3,
	                             .tlp = "AMBER",
	                             .classification_type = "scanner",
	                             .taxonomy = "information-gathering",
	                             .title = "t"};
	struct store_partner p = {
	    .name = "P",
	    .kind = "partner",
	    .tlp_max = "AMBER",
	    .collections = "*",
	    .orgs = "*",
	    .pseudo_key = "0000000000000000000000000000000000000000000000000000000000000000"};
	struct verr e = {0};
	int64_t id;
	int fd = mkstemp(path);

	if (fd < 0)
		return -1;
	close(fd);
	unlink(path);
	if (store_open(path, &st, &e) != V_OK)
		return -1;
	unlink(path); /* gone when the process ends */
	store_incident_create(st, &inc, &id, &e);
	store_partner_put(st, &p, &e);
	store_account_add(st, "a", "analyst", NULL, &e);
	store_account_add(st, "p", "partner", "P", &e);
	http_token_new(tok, hash, &e);
	store_token_add(st, "a", hash, NULL, &id, &e);
	snprintf(auth_a, sizeof(auth_a), "Bearer %s", tok);
	http_token_new(tok, hash, &e);
	store_token_add(st, "p", hash, NULL, &id, &e);
	snprintf(auth_p, sizeof(auth_p), "Bearer %s", tok);
	store_account_add(st, "b", "admin", NULL, &e);
	http_token_new(tok, hash, &e);
	store_token_add(st, "b", hash, NULL, &id, &e);
	snprintf(auth_b, sizeof(auth_b), "Bearer %s", tok);
	return 0;
}

/* The next line of [*p, end) as a new string; *p moves past it. */
static char *line(const char **p, const char *end)
{
	const char *nl = memchr(*p, '\n', (size_t)(end - *p));
	size_t n = (size_t)((nl ? nl : end) - *p);
	char *s = malloc(n + 1);

	if (s) {
		memcpy(s, *p, n);
		s[n] = 0;
	}
	*p = nl ? nl + 1 : end;
	return s;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char *p = (const char *)data, *end = p + size;
	char *f[6];
	struct http_request rq;
	struct http_response rs;
	char *q, *save = NULL;

	if (!st && setup() != 0)
		return 0;
	for (int i = 0; i < 6; i++)
		f[i] = line(&p, end);
	memset(&rq, 0, sizeof(rq));
	rq.method = f[0];
	rq.path = f[1];
	for (q = f[2] ? strtok_r(f[2], "&", &save) : NULL; q; q = strtok_r(NULL, "&", &save)) {
		char *eq = strchr(q, '=');

		if (rq.nargs >= HTTP_MAX_ARGS) {
			rq.too_many_args = 1;
			break;
		}
		if (eq)
			*eq++ = 0;
		rq.args[rq.nargs].key = q;
		rq.args[rq.nargs++].value = eq ? eq : "";
	}
	rq.authorization = !f[3]                ? NULL
	                   : !strcmp(f[3], "a") ? auth_a
	                   : !strcmp(f[3], "p") ? auth_p
	                   : !strcmp(f[3], "b") ? auth_b
	                                        : f[3];
	rq.accept = f[4] && *f[4] ? f[4] : NULL;
	rq.content_type = f[5] && *f[5] ? f[5] : NULL;
	rq.body = p;
	rq.body_len = (size_t)(end - p);
	rq.st = st;
	rq.now = 1790000000;
	if (rq.method && rq.path) {
		http_handle(&rq, &rs);
		http_response_fini(&rs);
	}
	for (int i = 0; i < 6; i++)
		free(f[i]);
	return 0;
}
