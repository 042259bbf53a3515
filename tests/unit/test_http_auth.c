/*
 * test_http_auth.c — accounts and API tokens (src/http/auth.c, the store's accounts): tokens
 * are 256-bit, stored only as a keyed hash that changes with http.token_key; Bearer and Basic
 * find the account, and a wrong user, a revoked token, a removed account, a malformed header
 * or a token of the right shape but unknown find nothing; roles allow what auth.h says; the
 * TAXII cursor is remembered per (source, collection).  Passwords are argon2id strings
 * checked in about the same time for an unknown account, rehashed when weak; failed sign-ins
 * are throttled per name and per address over a window.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <sodium.h>

#include "tap.h"
#include "base/conf.h"
#include "http/auth.h"
#include "store/store.h"

static void basic(char *out, size_t size, const char *user, const char *token)
{
	char up[200];
	int n = snprintf(up, sizeof(up), "%s:%s", user, token);

	memcpy(out, "Basic ", 6);
	sodium_bin2base64(out + 6, size - 6, (const unsigned char *)up, (size_t)n,
	                  sodium_base64_VARIANT_ORIGINAL);
}

int main(void)
{
	char path[] = "/tmp/vigia-test-auth-XXXXXX", db[64], tok[HTTP_TOKEN_LEN + 1],
	     tok2[HTTP_TOKEN_LEN + 1], hash[65], hash2[65], hdr[300], cur[STORE_CURSOR_LEN];
	struct store_account a;
	struct store *st = NULL;
	struct verr e = {0};
	int64_t id = 0, id2 = 0, tid = 0;
	enum http_role r;
	int fd = mkstemp(path);

	if (fd < 0 || sodium_init() < 0)
		return 1;
	close(fd);
	unlink(path);
	snprintf(db, sizeof(db), "%s.db", path);
	ok(store_open(db, &st, &e) == V_OK, "store opens: %s", e.reason);

	/* tokens and their hashes */
	ok(http_token_new(tok, hash, &e) == V_OK, "a token is made");
	is_int(strlen(tok), HTTP_TOKEN_LEN, "a token is vgt_ + 64 hex digits");
	ok(!strncmp(tok, "vgt_", 4), "... with its prefix");
	ok(http_token_new(tok2, hash2, &e) == V_OK && strcmp(tok, tok2) && strcmp(hash, hash2),
	   "two tokens differ");
	ok(!strstr(hash, tok + 4), "the hash is not the token");
	ok(http_token_hash(tok, strlen(tok), hdr, &e) == V_OK && !strcmp(hdr, hash),
	   "hashing is repeatable");
	ok(conf_set("http.token_key",
	            "00112233445566778899aabbccddeeff00112233445566778899aabbccddeeff", &e) == V_OK,
	   "set http.token_key");
	ok(http_token_hash(tok, strlen(tok), hdr, &e) == V_OK && strcmp(hdr, hash),
	   "another key, another hash");
	ok(conf_set("http.token_key", "xyz", &e) == V_OK, "set a bad http.token_key");
	is_int(http_token_hash(tok, strlen(tok), hdr, &e), V_ERR_USAGE, "a bad key is refused");
	ok(conf_set("http.token_key", "", &e) == V_OK, "back to the default key");

	/* accounts */
	is_int(store_account_add(st, "ana", "analyst", NULL, &e), V_OK, "add analyst ana");
	is_int(store_account_add(st, "ANA", "admin", NULL, &e), V_ERR_EXISTS,
	       "names compare without case");
	is_int(store_account_add(st, "x y", "admin", NULL, &e), V_ERR_INVALID,
	       "no spaces in names");
	is_int(store_account_add(st, "x'; DROP TABLE accounts;--", "admin", NULL, &e),
	       V_ERR_INVALID, "SQL in a name is just a bad name");
	is_int(store_account_add(st, "p", "partner", NULL, &e), V_ERR_INVALID,
	       "a partner account needs its partner");
	is_int(store_account_add(st, "q", "analyst", "cert-x", &e), V_ERR_INVALID,
	       "an analyst has no partner");
	is_int(store_account_add(st, "q", "root", NULL, &e), V_ERR_INVALID, "unknown role");
	is_int(store_account_add(st, "cert-x", "partner", "CERT-X", &e), V_OK, "add a partner");
	is_int(store_token_add(st, "ana", hash, "laptop", &id, &e), V_OK, "store ana's token hash");
	is_int(store_token_add(st, "cert-x", hash2, NULL, &id2, &e), V_OK, "and cert-x's");
	is_int(store_token_add(st, "ana", hash2, NULL, &tid, &e), V_ERR_EXISTS,
	       "a hash is stored once");
	is_int(store_token_add(st, "nobody", "ab", NULL, &tid, &e), V_ERR_INVALID, "bad hash");

	/* authentication */
	snprintf(hdr, sizeof(hdr), "Bearer %s", tok);
	ok(http_authenticate(st, hdr, &a, &tid, &e) == V_OK && !strcmp(a.name, "ana") &&
	       !strcmp(a.role, "analyst") && tid == id,
	   "Bearer finds ana");
	basic(hdr, sizeof(hdr), "cert-x", tok2);
	ok(http_authenticate(st, hdr, &a, &tid, &e) == V_OK && !strcmp(a.partner, "CERT-X") &&
	       tid == id2,
	   "Basic finds cert-x and its partner");
	basic(hdr, sizeof(hdr), "ana", tok2);
	is_int(http_authenticate(st, hdr, &a, &tid, &e), V_ERR_NOTFOUND,
	       "Basic with another account's token fails");
	is_int(http_authenticate(st, NULL, &a, &tid, &e), V_ERR_NOTFOUND, "no header");
	is_int(http_authenticate(st, "Bearer", &a, &tid, &e), V_ERR_NOTFOUND, "empty Bearer");
	is_int(http_authenticate(st, "Basic !!!", &a, &tid, &e), V_ERR_NOTFOUND, "bad base64");
	is_int(http_authenticate(st, "Digest x", &a, &tid, &e), V_ERR_NOTFOUND, "other scheme");
	snprintf(hdr, sizeof(hdr), "Bearer vgt_%064d", 0);
	is_int(http_authenticate(st, hdr, &a, &tid, &e), V_ERR_NOTFOUND, "unknown token");
	snprintf(hdr, sizeof(hdr), "Bearer %sX", tok);
	is_int(http_authenticate(st, hdr, &a, &tid, &e), V_ERR_NOTFOUND, "a token one byte longer");
	is_int(store_token_live(st, id, "ana", &e), V_OK, "ana's token is live (a UI session's check)");
	is_int(store_token_live(st, id, "cert-x", &e), V_ERR_NOTFOUND, "... not cert-x's");
	is_int(store_token_live(st, id + id2 + 1, "ana", &e), V_ERR_NOTFOUND, "an unknown id");
	is_int(store_token_revoke(st, id, &e), V_OK, "revoke ana's token");
	is_int(store_token_revoke(st, id, &e), V_ERR_NOTFOUND, "... once");
	is_int(store_token_live(st, id, "ana", &e), V_ERR_NOTFOUND, "a revoked token is not live");
	is_int(store_token_live(st, id2, "cert-x", &e), V_OK, "... the other one still is");
	snprintf(hdr, sizeof(hdr), "Bearer %s", tok);
	is_int(http_authenticate(st, hdr, &a, &tid, &e), V_ERR_NOTFOUND, "a revoked token fails");
	is_int(store_account_remove(st, "cert-x", &e), V_OK, "remove cert-x");
	basic(hdr, sizeof(hdr), "cert-x", tok2);
	is_int(http_authenticate(st, hdr, &a, &tid, &e), V_ERR_NOTFOUND,
	       "a removed account's token fails");
	is_int(store_account_remove(st, "cert-x", &e), V_ERR_NOTFOUND, "... removed once");

	/* roles */
	ok(http_role_parse("Admin", &r, &e) == V_OK && r == HTTP_ROLE_ADMIN, "role names");
	is_int(http_role_parse("root", &r, &e), V_ERR_INVALID, "unknown role name");
	ok(http_role_allows(HTTP_ROLE_ADMIN, HTTP_NEED_ADMIN), "admin: admin endpoints");
	ok(!http_role_allows(HTTP_ROLE_ANALYST, HTTP_NEED_ADMIN), "analyst: no admin endpoints");
	ok(http_role_allows(HTTP_ROLE_ANALYST, HTTP_NEED_WRITE), "analyst: writes incidents");
	ok(!http_role_allows(HTTP_ROLE_PARTNER, HTTP_NEED_READ), "partner: no JSON API");
	ok(!http_role_allows(HTTP_ROLE_PARTNER, HTTP_NEED_WRITE), "partner: no incident changes");
	ok(http_role_allows(HTTP_ROLE_PARTNER, HTTP_NEED_TAXII), "partner: TAXII");

	/* TAXII cursors */
	ok(store_taxii_cursor_get(st, "https://x/taxii2/", "c1", cur, &e) == V_OK && !*cur,
	   "no cursor before a pull");
	is_int(
	    store_taxii_cursor_set(st, "https://x/taxii2/", "c1", "2026-01-01T00:00:00.000Z", &e),
	    V_OK, "remember a cursor");
	is_int(
	    store_taxii_cursor_set(st, "https://x/taxii2/", "c1", "2026-02-01T00:00:00.000Z", &e),
	    V_OK, "move it on");
	ok(store_taxii_cursor_get(st, "https://x/taxii2/", "c1", cur, &e) == V_OK &&
	       !strcmp(cur, "2026-02-01T00:00:00.000Z"),
	   "the last one is kept");
	ok(store_taxii_cursor_get(st, "https://x/taxii2/", "c2", cur, &e) == V_OK && !*cur,
	   "per collection");

	/* passwords: argon2id strings, never the password; the check costs the same either way */
	{
		char pwh[STORE_PWHASH_MAX], pwh2[STORE_PWHASH_MAX], weak[STORE_PWHASH_MAX];
		struct timespec t0, t1, t2;
		double known, unknown;
		int64_t wait = 0;

		is_int(http_password_hash("short", 5, pwh, &e), V_ERR_INVALID,
		       "a password under %d characters is refused", HTTP_PASSWORD_MIN);
		ok(strstr(e.reason, "at least") != NULL, "... saying so: %s", e.reason);
		is_int(http_password_hash("x", HTTP_PASSWORD_MAX + 1, pwh, &e), V_ERR_INVALID,
		       "a too long one too");
		is_int(http_password_hash("correct horse", 13, pwh, &e), V_OK, "a password hashed");
		ok(!strncmp(pwh, "$argon2id$", 10) && !strstr(pwh, "correct"),
		   "argon2id, without the password: %s", pwh);
		is_int(http_password_hash("correct horse", 13, pwh2, &e), V_OK, "again");
		ok(strcmp(pwh, pwh2) != 0, "a salt each time: two hashes differ");
		is_int(store_account_add(st, "pat", "analyst", NULL, &e), V_OK, "account pat");
		is_int(http_password_check(st, "pat", "correct horse", 13, &a, &e), V_ERR_NOTFOUND,
		       "no password yet: refused");
		is_int(store_account_password_set(st, "pat", pwh, &e), V_OK, "store the hash");
		is_int(http_password_check(st, "pat", "correct horse", 13, &a, &e), V_OK,
		       "the right password");
		is_str(a.name, "pat", "... finds the account");
		is_int(http_password_check(st, "PAT", "correct horse", 13, &a, &e), V_OK,
		       "the name in any case");
		is_int(http_password_check(st, "pat", "correct horsf", 13, &a, &e), V_ERR_NOTFOUND,
		       "a wrong password");
		is_int(http_password_check(st, "pat", "correct horse ", 14, &a, &e), V_ERR_NOTFOUND,
		       "a longer one");
		is_int(http_password_check(st, "pat", NULL, 0, &a, &e), V_ERR_NOTFOUND, "none");
		/* constant-ish time: an unknown account costs about a wrong password */
		clock_gettime(CLOCK_MONOTONIC, &t0);
		http_password_check(st, "pat", "wrong password", 14, &a, &e);
		clock_gettime(CLOCK_MONOTONIC, &t1);
		is_int(http_password_check(st, "nobody", "wrong password", 14, &a, &e),
		       V_ERR_NOTFOUND, "an unknown account");
		clock_gettime(CLOCK_MONOTONIC, &t2);
		known = (double)(t1.tv_sec - t0.tv_sec) + (double)(t1.tv_nsec - t0.tv_nsec) / 1e9;
		unknown = (double)(t2.tv_sec - t1.tv_sec) + (double)(t2.tv_nsec - t1.tv_nsec) / 1e9;
		ok(unknown > known / 4 && unknown < known * 4,
		   "... in about the same time (%.0f ms against %.0f ms)", unknown * 1e3,
		   known * 1e3);
		/* a hash made with weaker limits is replaced at the next right sign-in */
		ok(crypto_pwhash_str(weak, "correct horse", 13, crypto_pwhash_OPSLIMIT_MIN,
		                     crypto_pwhash_MEMLIMIT_MIN) == 0,
		   "a weak hash");
		is_int(store_account_password_set(st, "pat", weak, &e), V_OK, "stored");
		is_int(http_password_check(st, "pat", "correct horse", 13, &a, &e), V_OK,
		       "the right password against it");
		is_int(store_account_password_get(st, "pat", &a, pwh2, &e), V_OK, "read it back");
		ok(strcmp(pwh2, weak) != 0 &&
		       crypto_pwhash_str_needs_rehash(pwh2, crypto_pwhash_OPSLIMIT_INTERACTIVE,
		                                      crypto_pwhash_MEMLIMIT_INTERACTIVE) == 0,
		   "rehashed with today's limits");
		is_int(http_password_check(st, "pat", "correct horse", 13, &a, &e), V_OK,
		       "and still the right password");

		/* throttling: per name, per address, and the window */
		http_signin_reset();
		ok(conf_set("http.signin_failures", "3", &e) == V_OK &&
		       conf_set("http.signin_failures_address", "5", &e) == V_OK &&
		       conf_set("http.signin_lockout", "60", &e) == V_OK,
		   "3 failures per name, 5 per address, 60 s");
		for (int i = 0; i < 3; i++) {
			ok(http_signin_allowed("pat", "192.0.2.1", 1000 + i, &wait),
			   "try %d allowed", i + 1);
			http_signin_failed("pat", "192.0.2.1", 1000 + i);
		}
		ok(!http_signin_allowed("pat", "192.0.2.9", 1003, &wait),
		   "after 3 failures the name is locked, from any address");
		is_int(wait, 59, "... for the rest of the window since the last failure");
		ok(!http_signin_allowed("PAT", NULL, 1003, &wait), "... whatever the case");
		ok(http_signin_allowed("other", "192.0.2.9", 1003, &wait), "another name is not");
		ok(http_signin_allowed("pat", "192.0.2.1", 1062, &wait), "the window passes");
		http_signin_failed("pat", "192.0.2.1", 1062);
		ok(http_signin_allowed("pat", "192.0.2.1", 1063, &wait),
		   "a failure after the window counts afresh");
		for (int i = 0; i < 4; i++) /* and pat's one since the window: 5 */
			http_signin_failed(i == 0 ? "u1" : i == 1 ? "u2" : i == 2 ? "u3" : "u4",
			                   "192.0.2.1", 1063);
		ok(!http_signin_allowed("fresh", "192.0.2.1", 1064, &wait),
		   "5 failures from one address lock the address, for any name");
		ok(http_signin_allowed("fresh", "192.0.2.2", 1064, &wait), "not another address");
		http_signin_reset();
		http_signin_failed("pat", NULL, 2000);
		http_signin_failed("pat", NULL, 2000);
		http_signin_succeeded("pat");
		http_signin_failed("pat", NULL, 2001);
		ok(http_signin_allowed("pat", NULL, 2001, &wait),
		   "a success forgets the name's failures");
		for (int i = 0; i < 6000; i++) { /* more keys than slots: never a crash */
			char k[32];

			snprintf(k, sizeof(k), "user%d", i);
			http_signin_failed(k, k, 3000);
		}
		ok(1, "6000 names and addresses fill the table without harm");
		http_signin_reset();
	}

	store_close(st);
	unlink(db);
	return done_testing();
}
