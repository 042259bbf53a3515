/*
 * test_http_auth.c — accounts and API tokens (src/http/auth.c, the store's accounts): tokens
 * are 256-bit, stored only as a keyed hash that changes with http.token_key; Bearer and Basic
 * find the account, and a wrong user, a revoked token, a removed account, a malformed header
 * or a token of the right shape but unknown find nothing; roles allow what auth.h says; the
 * TAXII cursor is remembered per (source, collection).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
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
	is_int(store_token_revoke(st, id, &e), V_OK, "revoke ana's token");
	is_int(store_token_revoke(st, id, &e), V_ERR_NOTFOUND, "... once");
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

	store_close(st);
	unlink(db);
	return done_testing();
}
