/*
 * ui.h — the analysts' web UI of `vigia serve`: browser sessions (session.c), the page and its
 * assets (ui.c), and the few JSON endpoints only the UI needs (ui_api.c).  Private to
 * src/http/.
 *
 * A browser signs in once with an account's name and one of its API tokens (POST /ui/login)
 * and gets a session cookie; from then on the cookie stands in for the Authorization header,
 * so the UI calls the same JSON API (and its role checks) as scripts do.  The cookie is
 * HttpOnly, SameSite=Strict and, under TLS, Secure.  It names the account, its expiry and a
 * MAC (libsodium crypto_auth, HMAC-SHA-512-256) under a key drawn at random when the process
 * starts: nothing is stored, a restart signs everyone out, and the account is read again on
 * every request, so a removed account loses its sessions at once and a new role applies at
 * once.  The session also carries a stamp of the account's password hash: a new password
 * (changed in the UI or by `vigia account passwd`) ends every session begun before it, so a
 * password changed after a theft also signs the thief out; a session signed in with an API
 * token ends when that token is revoked.  A request made with the cookie that changes anything (any method but GET and HEAD)
 * must carry the session's CSRF token in X-CSRF-Token: a MAC of the cookie under the same
 * key, handed to the page by GET /ui/api/session.
 *
 * Ownership: strings passed in are borrowed; outputs are caller storage.
 */
#ifndef VIGIA_HTTP_UI_H
#define VIGIA_HTTP_UI_H

#include <stddef.h>
#include <stdint.h>

#include "http/http_impl.h"

#define UI_COOKIE       "vigia_session"
#define UI_SESSION_MAX  208 /* the cookie's value, NUL included: 18+1+16+1+18+1+16+1+64+1+64+1 */
#define UI_CSRF_LEN     32  /* hex digits */
#define UI_STAMP_LEN    16  /* hex digits */

/* A session read back from a Cookie header. */
struct ui_session {
	char value[UI_SESSION_MAX];      /* the cookie's value */
	char name[STORE_NAME_MAX + 1];   /* the account's */
	char stamp[UI_STAMP_LEN + 1];    /* of its password hash when the session began */
	int64_t token;                   /* the API token it signed in with, 0: by password */
	int64_t expires;                 /* unix seconds */
};

/* A session value for account name, whose stored password hash is pwhash ("" or NULL for
 * none), signed in with API token id token (0: by password), valid until expires.  OUT: out.
 * V_OK, V_ERR_INVALID for a name that does not fit. */
int ui_session_make(const char *name, const char *pwhash, int64_t token, int64_t expires,
                    char out[UI_SESSION_MAX], struct verr *err);
/* The session of a Cookie header, if it holds one whose MAC is right and that has not expired
 * at now.  OUT: *s.  V_OK or V_ERR_NOTFOUND. */
int ui_session_from_cookie(const char *cookie, int64_t now, struct ui_session *s);
/* Was s begun under the password hash the account has now (pwhash, "" for none)?  Constant
 * time. */
int ui_session_current(const struct ui_session *s, const char *pwhash);
/* The CSRF token of a session value.  OUT: out (UI_CSRF_LEN + 1 bytes). */
void ui_csrf_token(const char *value, char out[UI_CSRF_LEN + 1]);
/* Does token (may be NULL) match the session's?  Constant time. */
int ui_csrf_ok(const char *value, const char *token);
/* A Set-Cookie value for the session (value "" and max_age 0: sign out). */
void ui_cookie_header(const char *value, int64_t max_age, int tls, char *out, size_t n);
/* "es" or "en": the vigia_lang cookie if set, else the first of Accept-Language that the UI
 * speaks, else "en".  Static. */
const char *ui_lang(const struct http_request *rq);

/* The page and its assets (ui.c): GET /ui/, GET /ui/{file}. */
void ui_page(const struct http_request *rq, const struct http_call *c, struct http_response *rs);
void ui_asset(const struct http_request *rq, const struct http_call *c, struct http_response *rs);
/* Sign in (POST /ui/login, JSON {name, token}), sign out (POST /ui/logout). */
void ui_login(const struct http_request *rq, const struct http_call *c, struct http_response *rs);
void ui_logout(const struct http_request *rq, const struct http_call *c,
               struct http_response *rs);
/* 429 "too many failed sign-ins" with Retry-After: wait (seconds). */
void ui_too_many(struct http_response *rs, int64_t wait);
/* The security headers every UI response carries (Content-Security-Policy, ...). */
void ui_security_headers(struct http_response *rs);

/* The UI's own endpoints (ui_api.c), under /ui/api/. */
void ui_api_session(const struct http_request *rq, const struct http_call *c,
                    struct http_response *rs);
/* POST /ui/api/password {"current", "new"}: the signed-in account changes its own password
 * (session cookie and CSRF token only, not a script's token); a wrong current password is a
 * failed sign-in (throttled, audited as "password-change-failed"); an account without a
 * password gets 409 (an administrator sets the first); the change is audited as
 * "password-set" by ui:<name>.  Every other session of the account ends; this one gets a new
 * cookie and answers {"changed": true, "csrf": its new CSRF token}. */
void ui_api_password(const struct http_request *rq, const struct http_call *c,
                     struct http_response *rs);
void ui_api_lang(const struct http_request *rq, const struct http_call *c,
                 struct http_response *rs);
void ui_api_queue(const struct http_request *rq, const struct http_call *c,
                  struct http_response *rs);
void ui_api_incident(const struct http_request *rq, const struct http_call *c,
                     struct http_response *rs);
void ui_api_bulk(const struct http_request *rq, const struct http_call *c,
                 struct http_response *rs);
void ui_api_merge(const struct http_request *rq, const struct http_call *c,
                  struct http_response *rs);
void ui_api_export(const struct http_request *rq, const struct http_call *c,
                   struct http_response *rs);
void ui_api_partners(const struct http_request *rq, const struct http_call *c,
                     struct http_response *rs);
void ui_api_orgs(const struct http_request *rq, const struct http_call *c,
                 struct http_response *rs);
void ui_api_dashboard(const struct http_request *rq, const struct http_call *c,
                      struct http_response *rs);
void ui_api_url(const struct http_request *rq, const struct http_call *c,
                struct http_response *rs);

/* Files in and out (ui_files.c), under /api/v1: attachments, the constituency as a file,
 * period and case reports.  ui_files_shutdown: free what the PDF renderer keeps for the
 * process, once no request runs any more (http_server_stop). */
void api_attachments(const struct http_request *rq, const struct http_call *c,
                     struct http_response *rs);
void api_attachment_get(const struct http_request *rq, const struct http_call *c,
                        struct http_response *rs);
void api_attachment_post(const struct http_request *rq, const struct http_call *c,
                         struct http_response *rs);
void api_constituency_export(const struct http_request *rq, const struct http_call *c,
                             struct http_response *rs);
void api_constituency_import(const struct http_request *rq, const struct http_call *c,
                             struct http_response *rs);
void api_report_period(const struct http_request *rq, const struct http_call *c,
                       struct http_response *rs);
void api_report_case(const struct http_request *rq, const struct http_call *c,
                     struct http_response *rs);
void ui_files_shutdown(void);

#endif
