/*
 * ui.c — the web UI's page, its assets and signing in and out (ui.h).
 *
 * The assets (web/: one HTML page, a style sheet, JavaScript modules, and the Spanish
 * catalogue made from po/es.po at build time) are embedded in the binary by
 * scripts/gen-web.sh, so `vigia serve` needs nothing beside it and nothing from the internet.
 * Everything is drawn by the page's scripts from the JSON API with textContent, never by
 * parsing HTML made of data, and the Content-Security-Policy allows scripts and styles from
 * this origin only (no inline script or style), so a hostile value in an event is shown as
 * text and cannot run.
 *
 * Signing in takes an account's name and its password (auth.h: argon2id, checked in about
 * the same time whether or not the account exists), or — for scripts and tests — one of its
 * API tokens (the same check as HTTP Basic), as a JSON body: a cross-site form cannot send
 * application/json, and the cookie is SameSite=Strict besides.  Failed sign-ins are
 * written to the audit trail and throttled per account and per address (auth.h); a
 * successful one is audited too, and answers with the account's language (or the
 * browser's, when the account has not chosen one).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>
#include <sodium.h>

#include "base/conf.h"
#include "base/log.h"
#include "http/ui.h"

/* Generated from web/ by scripts/gen-web.sh ($(BUILD)/gen/web_gen.c). */
struct web_file {
	const char *path;
	const unsigned char *data;
	size_t len;
};
extern const struct web_file vigia_web[];

#define CSP                                                                                    \
	"default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; "      \
	"connect-src 'self'; font-src 'self'; form-action 'self'; frame-ancestors 'none'; "    \
	"base-uri 'none'"

void ui_security_headers(struct http_response *rs)
{
	http_header(rs, "Content-Security-Policy", CSP);
	http_header(rs, "X-Frame-Options", "DENY");
	http_header(rs, "Referrer-Policy", "no-referrer");
}

static const char *content_type(const char *path)
{
	const char *dot = strrchr(path, '.');

	if (!dot)
		return "application/octet-stream";
	if (!strcmp(dot, ".html"))
		return "text/html; charset=utf-8";
	if (!strcmp(dot, ".css"))
		return "text/css; charset=utf-8";
	if (!strcmp(dot, ".js"))
		return "text/javascript; charset=utf-8";
	if (!strcmp(dot, ".json"))
		return "application/json";
	if (!strcmp(dot, ".svg"))
		return "image/svg+xml";
	return "application/octet-stream";
}

static void send_file(const char *name, struct http_response *rs)
{
	for (const struct web_file *f = vigia_web; f->path; f++) {
		if (strcmp(f->path, name))
			continue;
		if (!(rs->body = malloc(f->len ? f->len : 1))) {
			http_error(rs, 0, 500, "internal error", "out of memory");
			return;
		}
		memcpy(rs->body, f->data, f->len);
		rs->body_len = f->len;
		rs->status = 200;
		rs->content_type = content_type(f->path);
		ui_security_headers(rs);
		return;
	}
	http_error(rs, 0, 404, "not found", "no such file of the web UI");
}

void ui_page(const struct http_request *rq, const struct http_call *c, struct http_response *rs)
{
	(void)rq;
	(void)c;
	send_file("index.html", rs);
}

void ui_asset(const struct http_request *rq, const struct http_call *c, struct http_response *rs)
{
	(void)rq;
	send_file(c->params[0], rs);
}

/* Is name shaped like an account name ([A-Za-z0-9._@-], 1..64)?  Others are not audited by
 * name. */
static int name_shape(const char *name)
{
	size_t n = strspn(name, "abcdefghijklmnopqrstuvwxyz"
	                        "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789._@-");

	return n >= 1 && n <= STORE_NAME_MAX && !name[n];
}

/* Write a sign-in to the audit trail: action "signin" or "signin-failed", on object
 * "account:<name>", with how and from where.  A failure to write is logged, not fatal. */
static void audit_signin(const struct http_request *rq, const char *name, const char *action,
                         const char *how)
{
	char object[STORE_NAME_MAX + 16], actor[STORE_NAME_MAX + 8];
	struct verr e = {0};
	json_t *j = json_pack("{s:s, s:s}", "how", how, "address",
	                      rq->remote && *rq->remote ? rq->remote : "-");
	char *after = j ? json_dumps(j, JSON_COMPACT) : NULL;
	int ok = name_shape(name);

	json_decref(j);
	snprintf(object, sizeof(object), "account:%s", ok ? name : "-");
	snprintf(actor, sizeof(actor), "ui:%s", ok ? name : "-");
	if (!after || store_begin(rq->st, &e) != V_OK ||
	    store_audit_append(rq->st, actor, object, action, NULL, after, &e) != V_OK ||
	    store_commit(rq->st, &e) != V_OK) {
		store_rollback(rq->st);
		log_error("http: the sign-in of %s could not be audited: %s", ok ? name : "-",
		          e.reason);
	}
	free(after);
}

/* The token way: the same check as HTTP Basic (the token must be one of this account's). */
static int token_signin(const struct http_request *rq, const char *name, const char *token,
                        struct store_account *acct, int64_t *tid, struct verr *e)
{
	char auth[STORE_NAME_MAX + HTTP_TOKEN_LEN + 2], b64[sizeof(auth) * 4 / 3 + 16];
	int rc;

	if (strlen(token) > HTTP_TOKEN_LEN)
		return verr_set(e, V_ERR_NOTFOUND, "token", "%s", "not a vigia token");
	snprintf(auth, sizeof(auth), "%s:%s", name, token);
	memcpy(b64, "Basic ", 6);
	sodium_bin2base64(b64 + 6, sizeof(b64) - 6, (const unsigned char *)auth, strlen(auth),
	                  sodium_base64_VARIANT_ORIGINAL);
	sodium_memzero(auth, sizeof(auth));
	rc = http_authenticate(rq->st, b64, acct, tid, e);
	sodium_memzero(b64, sizeof(b64));
	return rc;
}

void ui_too_many(struct http_response *rs, int64_t wait)
{
	char retry[24];

	http_error(rs, 0, 429, "too many requests", "too many failed sign-ins: try again later");
	snprintf(retry, sizeof(retry), "%lld", (long long)wait);
	http_header(rs, "Retry-After", retry);
}

void ui_login(const struct http_request *rq, const struct http_call *c, struct http_response *rs)
{
	struct store_account acct;
	struct verr e = {0};
	char value[UI_SESSION_MAX], hdr[UI_SESSION_MAX + 100], pwhash[STORE_PWHASH_MAX];
	const char *name, *token, *password, *how, *lang;
	int64_t ttl = conf_get_int("http.session_ttl"), wait, tid = 0;
	json_t *b;
	int rc;

	(void)c;
	if (!(b = http_json_body(rq, rs)))
		return;
	name = json_string_value(json_object_get(b, "name"));
	token = json_string_value(json_object_get(b, "token"));
	password = json_string_value(json_object_get(b, "password"));
	if (!name || (!token && !password) || strlen(name) > STORE_NAME_MAX) {
		json_decref(b);
		http_error(rs, 0, 401, "unauthorized", "the name or the password is wrong");
		return;
	}
	/* too many failures of this name or from this address: refused before any check, and
	 * not audited (the failures that led here were) */
	if (!http_signin_allowed(name, rq->remote, rq->now, &wait)) {
		log_info("http: ui sign-in of %s from %s throttled for %llds", name_shape(name) ?
		         name : "-", rq->remote && *rq->remote ? rq->remote : "-", (long long)wait);
		json_decref(b);
		ui_too_many(rs, wait);
		return;
	}
	how = password ? "password" : "token";
	if (password)
		rc = http_password_check(rq->st, name, password, strlen(password), &acct, &e);
	else
		rc = token_signin(rq, name, token, &acct, &tid, &e);
	if (rc == V_ERR_NOTFOUND) {
		log_info("http: ui sign-in refused: %s", e.reason);
		http_signin_failed(name, rq->remote, rq->now);
		audit_signin(rq, name, "signin-failed", how);
		json_decref(b);
		http_error(rs, 0, 401, "unauthorized", "the name or the password is wrong");
		return;
	}
	json_decref(b);
	if (rc != V_OK) {
		log_error("http: %s", e.reason);
		http_error(rs, 0, 500, "internal error", "the store could not be read");
		return;
	}
	if (ttl <= 0)
		ttl = 8 * 3600;
	/* the session is bound to the password hash stored now (ui.h): read it once more */
	rc = store_account_password_get(rq->st, acct.name, &acct, pwhash, &e);
	if (rc == V_OK)
		rc = ui_session_make(acct.name, pwhash, tid, rq->now + ttl, value, &e);
	sodium_memzero(pwhash, sizeof(pwhash));
	if (rc != V_OK) {
		log_error("http: %s", e.reason);
		http_error(rs, 0, 500, "internal error", "the session could not be made");
		return;
	}
	http_signin_succeeded(acct.name);
	audit_signin(rq, acct.name, "signin", how);
	snprintf(rs->account, sizeof(rs->account), "%s", acct.name);
	log_info("http: ui sign-in: %s (%s)", acct.name, how);
	/* the account's own language, else the browser's (ui_lang) */
	lang = *acct.lang ? acct.lang : ui_lang(rq);
	http_json(rs, 200, HTTP_JSON,
	          json_pack("{s:s, s:s, s:s}", "name", acct.name, "role", acct.role, "lang", lang));
	ui_cookie_header(value, ttl, rq->tls, hdr, sizeof(hdr));
	http_header(rs, "Set-Cookie", hdr);
	if (*acct.lang) {
		snprintf(hdr, sizeof(hdr),
		         "vigia_lang=%s; Path=/; Max-Age=31536000; SameSite=Strict%s", acct.lang,
		         rq->tls ? "; Secure" : "");
		http_header(rs, "Set-Cookie", hdr);
	}
	ui_security_headers(rs);
}

void ui_logout(const struct http_request *rq, const struct http_call *c,
               struct http_response *rs)
{
	char hdr[200];

	(void)c;
	http_json(rs, 200, HTTP_JSON, json_pack("{s:b}", "signed_out", 1));
	ui_cookie_header("", 0, rq->tls, hdr, sizeof(hdr));
	http_header(rs, "Set-Cookie", hdr);
	ui_security_headers(rs);
}
