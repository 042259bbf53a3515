/*
 * fuzz_ui.c — libFuzzer target for the web UI's side of http_handle(): the session cookie
 * and its parser, the CSRF check, the language (cookie and Accept-Language), sign-in bodies
 * (token or password), the queue's sort and cursor, and the UI's endpoints (src/http/ui*.c,
 * session.c) over a small store made on the first call (three incidents, a partner, an
 * analyst with a known token and the password "correct horse battery").
 *
 * Input, lines separated by '\n': method, path, query ("k=v&k=v", not decoded), Cookie ("S"
 * for the analyst's valid session, "S;" followed by more to append to it, anything else
 * sent as is), X-CSRF-Token ("T" for the session's right token), Accept-Language,
 * Content-Type; the rest is the body.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "http/auth.h"
#include "http/http.h"
#include "http/ui.h"
#include "store/store.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define NOW 1790000000

static struct store *st;
static char session[UI_SESSION_MAX], csrf[UI_CSRF_LEN + 1];

static int setup(void)
{
	char path[] = "/tmp/vigia-fuzz-ui-XXXXXX", tok[HTTP_TOKEN_LEN + 1], hash[65],
	     pw[STORE_PWHASH_MAX] = "";
	struct store_incident inc = {.rule = "r", .state = IS_NEW, .priority = 3, .tlp = "RED",
	                             .classification_type = "scanner", .organisation = "Org <b>",
	                             .taxonomy = "information-gathering", .title = "<script>"};
	struct store_partner p = {
	    .name = "P", .kind = "partner", .tlp_max = "AMBER", .collections = "*", .orgs = "*",
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
	inc.key = "k1";
	store_incident_create(st, &inc, &id, &e);
	inc.key = "k2";
	inc.tlp = "GREEN";
	store_incident_create(st, &inc, &id, &e);
	inc.key = "k3";
	store_incident_create(st, &inc, &id, &e);
	store_partner_put(st, &p, &e);
	store_account_add(st, "a", "analyst", NULL, &e);
	http_token_new(tok, hash, &e);
	store_token_add(st, "a", hash, NULL, &id, &e);
	/* a password too, so that sign-in reaches the argon2id check and its right answer */
	if (http_password_hash("correct horse battery", 21, pw, &e) == V_OK)
		store_account_password_set(st, "a", pw, &e);
	if (ui_session_make("a", pw, 0, NOW + 3600, session, &e) != V_OK)
		return -1;
	ui_csrf_token(session, csrf);
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
	char *f[7], *cookie = NULL;
	struct http_request rq;
	struct http_response rs;

	if (!st && setup() != 0)
		return 0;
	for (int i = 0; i < 7; i++)
		f[i] = line(&p, end);
	memset(&rq, 0, sizeof(rq));
	rq.method = f[0];
	rq.path = f[1];
	for (char *q = f[2]; q && *q && !rq.too_many_args;) {
		char *amp = strchr(q, '&'), *eq;

		if (amp)
			*amp = 0;
		if ((eq = strchr(q, '=')))
			*eq++ = 0;
		if (rq.nargs >= HTTP_MAX_ARGS) {
			rq.too_many_args = 1;
		} else {
			rq.args[rq.nargs].key = q;
			rq.args[rq.nargs++].value = eq ? eq : "";
		}
		q = amp ? amp + 1 : NULL;
	}
	if (f[3] && f[3][0] == 'S' && (f[3][1] == 0 || f[3][1] == ';')) {
		size_t n = strlen(session) + strlen(f[3]) + 32;

		if ((cookie = malloc(n)))
			snprintf(cookie, n, "vigia_session=%s%s", session, f[3] + 1);
		rq.cookie = cookie;
	} else {
		rq.cookie = f[3] && *f[3] ? f[3] : NULL;
	}
	rq.csrf = f[4] && !strcmp(f[4], "T") ? csrf : f[4] && *f[4] ? f[4] : NULL;
	rq.accept_language = f[5] && *f[5] ? f[5] : NULL;
	rq.content_type = f[6] && *f[6] ? f[6] : NULL;
	rq.body = p;
	rq.body_len = (size_t)(end - p);
	rq.st = st;
	rq.now = NOW;
	if (rq.method && rq.path) {
		http_handle(&rq, &rs);
		http_response_fini(&rs);
	}
	free(cookie);
	for (int i = 0; i < 7; i++)
		free(f[i]);
	return 0;
}
