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

/*
 * The account behind an Authorization header value (Bearer or Basic; borrowed, may be NULL).
 * OUT: *out, *token_id.  V_OK; V_ERR_NOTFOUND for a missing, malformed, unknown or revoked
 * credential, or a Basic user that is not the token's account (err says which, for the log
 * only: the client is told no more than 401); store errors as the store gave them.
 */
int http_authenticate(struct store *st, const char *authorization, struct store_account *out,
                      int64_t *token_id, struct verr *err);

#endif
