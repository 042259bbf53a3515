/*
 * auth.c — tokens, their hashes, and the account behind an Authorization header (auth.h).
 */
#include <string.h>
#include <strings.h>

#include <sodium.h>

#include "base/conf.h"
#include "base/i18n.h"
#include "http/auth.h"

static const char *const role_names[HTTP_ROLE__COUNT] = {"admin", "analyst", "partner"};

/* The fixed key used when http.token_key is empty (domain separation, not a secret). */
static const char default_key[crypto_generichash_KEYBYTES + 1] = "vigia api token hash key v1.....";

int http_role_parse(const char *s, enum http_role *out, struct verr *err)
{
	for (int i = 0; s && i < HTTP_ROLE__COUNT; i++)
		if (!strcasecmp(s, role_names[i])) {
			*out = (enum http_role)i;
			return V_OK;
		}
	return verr_set(err, V_ERR_INVALID, "role",
	                _("the role is admin, analyst or partner, not '%s'"), s ? s : "");
}

const char *http_role_name(enum http_role r)
{
	return r >= 0 && r < HTTP_ROLE__COUNT ? role_names[r] : "?";
}

int http_role_allows(enum http_role r, enum http_need n)
{
	switch (n) {
	case HTTP_NEED_NONE:
	case HTTP_NEED_TAXII:
		return 1;
	case HTTP_NEED_READ:
	case HTTP_NEED_WRITE:
		return r == HTTP_ROLE_ADMIN || r == HTTP_ROLE_ANALYST;
	case HTTP_NEED_ADMIN:
		return r == HTTP_ROLE_ADMIN;
	}
	return 0;
}

static int token_key(unsigned char key[crypto_generichash_KEYBYTES], struct verr *err)
{
	const char *hex = conf_get("http.token_key");
	size_t n = 0;

	if (!hex || !*hex) {
		memcpy(key, default_key, crypto_generichash_KEYBYTES);
		return V_OK;
	}
	if (strlen(hex) != 2 * crypto_generichash_KEYBYTES ||
	    sodium_hex2bin(key, crypto_generichash_KEYBYTES, hex, strlen(hex), NULL, &n, NULL) !=
	        0 ||
	    n != crypto_generichash_KEYBYTES)
		return verr_set(err, V_ERR_USAGE, "http.token_key", "%s",
		                _("http.token_key must be 64 hex digits (32 bytes)"));
	return V_OK;
}

int http_token_hash(const char *token, size_t len, char hash[65], struct verr *err)
{
	unsigned char key[crypto_generichash_KEYBYTES], h[32];
	int rc;

	if ((rc = token_key(key, err)) != V_OK)
		return rc;
	crypto_generichash(h, sizeof(h), (const unsigned char *)token, len, key, sizeof(key));
	sodium_bin2hex(hash, 65, h, sizeof(h));
	sodium_memzero(key, sizeof(key));
	return V_OK;
}

int http_token_new(char token[HTTP_TOKEN_LEN + 1], char hash[65], struct verr *err)
{
	unsigned char r[32];

	if (sodium_init() < 0)
		return verr_set(err, V_ERR_IO, "", "%s", _("libsodium could not start"));
	randombytes_buf(r, sizeof(r));
	memcpy(token, "vgt_", 4);
	sodium_bin2hex(token + 4, 65, r, sizeof(r));
	sodium_memzero(r, sizeof(r));
	return http_token_hash(token, HTTP_TOKEN_LEN, hash, err);
}

/* Is t a well-formed token of exactly len bytes? */
static int token_shape(const char *t, size_t len)
{
	if (len != HTTP_TOKEN_LEN || memcmp(t, "vgt_", 4))
		return 0;
	for (size_t i = 4; i < len; i++)
		if (!((t[i] >= '0' && t[i] <= '9') || (t[i] >= 'a' && t[i] <= 'f')))
			return 0;
	return 1;
}

int http_authenticate(struct store *st, const char *authorization, struct store_account *out,
                      int64_t *token_id, struct verr *err)
{
	char hash[65], dec[256];
	const char *tok = NULL, *user = NULL;
	size_t tlen = 0, ulen = 0, dlen = 0;
	int rc;

	if (!authorization)
		return verr_set(err, V_ERR_NOTFOUND, "Authorization", "%s", _("no credentials"));
	if (!strncasecmp(authorization, "Bearer ", 7)) {
		tok = authorization + 7;
		tlen = strlen(tok);
	} else if (!strncasecmp(authorization, "Basic ", 6)) {
		const char *b = authorization + 6, *colon;

		if (strlen(b) > 340 ||
		    sodium_base642bin((unsigned char *)dec, sizeof(dec) - 1, b, strlen(b), NULL,
		                      &dlen, NULL, sodium_base64_VARIANT_ORIGINAL) != 0)
			return verr_set(err, V_ERR_NOTFOUND, "Authorization", "%s",
			                _("malformed Basic credentials"));
		dec[dlen] = 0;
		if (!(colon = memchr(dec, ':', dlen)))
			return verr_set(err, V_ERR_NOTFOUND, "Authorization", "%s",
			                _("malformed Basic credentials"));
		user = dec;
		ulen = (size_t)(colon - dec);
		tok = colon + 1;
		tlen = dlen - ulen - 1;
	} else {
		return verr_set(err, V_ERR_NOTFOUND, "Authorization", "%s",
		                _("the credentials are neither Bearer nor Basic"));
	}
	if (!token_shape(tok, tlen))
		return verr_set(err, V_ERR_NOTFOUND, "Authorization", "%s", _("not a vigia token"));
	if ((rc = http_token_hash(tok, tlen, hash, err)) != V_OK)
		return rc;
	if ((rc = store_token_find(st, hash, out, token_id, err)) != V_OK)
		return rc;
	if (user && (ulen != strlen(out->name) || strncasecmp(user, out->name, ulen)))
		return verr_set(err, V_ERR_NOTFOUND, "Authorization", "%s",
		                _("the Basic user is not the token's account"));
	return V_OK;
}
