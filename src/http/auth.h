/*
 * auth.h — who is calling the HTTP API and TAXII server, and what their role lets them reach.
 *
 * Accounts live in the store (store.h "accounts"); a token is "vgt_" followed by 64 hex digits
 * of 32 random bytes (256 bits), shown once when made, and stored only as the hex of a keyed
 * BLAKE2b-256 hash (libsodium crypto_generichash) under the http.token_key setting (64 hex
 * digits; empty: a fixed key, which still hashes but does not bind the table to a secret
 * kept outside the database).  A random 256-bit token needs no slow password hash: nobody can
 * guess it, so a fast keyed hash is enough and keeps each request at one indexed lookup.
 * Clients send it as "Authorization: Bearer <token>", or — TAXII clients — as HTTP Basic with
 * the account name as user and the token as password.
 *
 * Roles decide endpoints (http_role_allows); the sharing policy (share/policy.h) decides data.
 *
 * Ownership: everything is caller storage; strings passed in are borrowed.
 */
#ifndef VIGIA_HTTP_AUTH_H
#define VIGIA_HTTP_AUTH_H

#include <stddef.h>
#include <stdint.h>

#include "base/err.h"
#include "store/store.h"

#define HTTP_TOKEN_LEN 68 /* "vgt_" + 64 hex digits */

enum http_role { HTTP_ROLE_ADMIN, HTTP_ROLE_ANALYST, HTTP_ROLE_PARTNER, HTTP_ROLE__COUNT };

/* "admin", "analyst", "partner".  V_OK or V_ERR_INVALID. */
int http_role_parse(const char *s, enum http_role *out, struct verr *err);
const char *http_role_name(enum http_role r); /* static */

/* What an endpoint needs (http/api.c tags each route with one). */
enum http_need {
	HTTP_NEED_NONE,  /* anyone, even without a token: discovery of the OpenAPI document */
	HTTP_NEED_READ,  /* analysts and admins: events, incidents, constituency, notify */
	HTTP_NEED_WRITE, /* analysts and admins: change incidents, notes */
	HTTP_NEED_ADMIN, /* admins only */
	HTTP_NEED_TAXII, /* every account: TAXII, filtered by the policy for partners */
};
/* May role r call an endpoint that needs n? */
int http_role_allows(enum http_role r, enum http_need n);

/* A new token and its hash.  OUT: token (HTTP_TOKEN_LEN + 1 bytes), hash (65 bytes).  V_OK, or
 * V_ERR_USAGE when http.token_key is set but is not 64 hex digits. */
int http_token_new(char token[HTTP_TOKEN_LEN + 1], char hash[65], struct verr *err);
/* The stored form of a token.  OUT: hash (65 bytes).  V_ERR_USAGE as above. */
int http_token_hash(const char *token, size_t len, char hash[65], struct verr *err);

/* ---- passwords (the web UI's sign-in) ---- */

#define HTTP_PASSWORD_MIN 10   /* bytes */
#define HTTP_PASSWORD_MAX 1024 /* bytes: longer is refused before any hashing */

/* A password's stored form: libsodium crypto_pwhash_str (argon2id, the interactive limits:
 * 2 passes over 64 MiB), which carries its own salt and parameters.  OUT: out.  V_OK;
 * V_ERR_INVALID for a password shorter than HTTP_PASSWORD_MIN or longer than
 * HTTP_PASSWORD_MAX (err says which); V_ERR_NOMEM when the 64 MiB cannot be had. */
int http_password_hash(const char *pw, size_t len, char out[STORE_PWHASH_MAX],
                       struct verr *err);
/*
 * Is pw account name's password?  V_OK with *out filled when it is (and, when the stored
 * hash was made with weaker limits than today's, the store holds a new one afterwards);
 * V_ERR_NOTFOUND when it is not, when there is no such account, or when the account has no
 * password — taking about the time of one hash check either way (a hash made once per
 * process stands in), so that the time does not tell which; store errors as the store gave
 * them.  The password is borrowed and not kept.
 */
int http_password_check(struct store *st, const char *name, const char *pw, size_t len,
                        struct store_account *out, struct verr *err);

/*
 * Throttling of failed sign-ins, per account name and per client address (addr may be NULL
 * or ""), over a window of http.signin_lockout: after http.signin_failures failures of a
 * name, or http.signin_failures_address from an address, within that time, sign-in is
 * refused until the window has passed since the last failure.  Counted in this process
 * (a restart forgets, and the table keeps the 4096 most recent keys).  Thread-safe.
 */
/* 1 when a sign-in of name from addr may be tried at now; else 0 and *retry_after (seconds). */
int http_signin_allowed(const char *name, const char *addr, int64_t now, int64_t *retry_after);
/* Count a failed sign-in of name from addr. */
void http_signin_failed(const char *name, const char *addr, int64_t now);
/* A sign-in of name succeeded: its failures are forgotten (the address's are kept). */
void http_signin_succeeded(const char *name);
/* Forget every failure (tests). */
void http_signin_reset(void);

/*
 * The account behind an Authorization header value (Bearer or Basic; borrowed, may be NULL).
 * OUT: *out, *token_id.  V_OK; V_ERR_NOTFOUND for a missing, malformed, unknown or revoked
 * credential, or a Basic user that is not the token's account (err says which, for the log
 * only: the client is told no more than 401); store errors as the store gave them.
 */
int http_authenticate(struct store *st, const char *authorization, struct store_account *out,
                      int64_t *token_id, struct verr *err);

#endif
