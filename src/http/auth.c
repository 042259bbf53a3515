/*
 * auth.c — tokens, their hashes, and the account behind an Authorization header; passwords
 * and the throttling of failed sign-ins (auth.h).
 */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <sodium.h>

#include "base/conf.h"
#include "base/i18n.h"
#include "base/log.h"
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

/* ---- passwords ------------------------------------------------------------------------------ */

int http_password_hash(const char *pw, size_t len, char out[STORE_PWHASH_MAX], struct verr *err)
{
	_Static_assert(crypto_pwhash_STRBYTES <= STORE_PWHASH_MAX, "a hash fits the store");
	if (len < HTTP_PASSWORD_MIN)
		return verr_set(err, V_ERR_INVALID, "password",
		                _("a password is at least %d characters"), HTTP_PASSWORD_MIN);
	if (len > HTTP_PASSWORD_MAX)
		return verr_set(err, V_ERR_INVALID, "password",
		                _("a password is at most %d characters"), HTTP_PASSWORD_MAX);
	if (sodium_init() < 0)
		return verr_set(err, V_ERR_IO, "", "%s", _("libsodium could not start"));
	if (crypto_pwhash_str(out, pw, len, crypto_pwhash_OPSLIMIT_INTERACTIVE,
	                      crypto_pwhash_MEMLIMIT_INTERACTIVE) != 0)
		return verr_set(err, V_ERR_NOMEM, "password", "%s",
		                _("not enough memory to hash the password"));
	return V_OK;
}

static char dummy_hash[crypto_pwhash_STRBYTES];
static pthread_once_t dummy_once = PTHREAD_ONCE_INIT;

/* A hash of a random password with today's limits: checked when there is no real one. */
static void dummy_init(void)
{
	unsigned char r[16];

	if (sodium_init() < 0)
		return;
	randombytes_buf(r, sizeof(r));
	if (crypto_pwhash_str(dummy_hash, (const char *)r, sizeof(r),
	                      crypto_pwhash_OPSLIMIT_INTERACTIVE,
	                      crypto_pwhash_MEMLIMIT_INTERACTIVE) != 0)
		dummy_hash[0] = 0;
}

int http_password_check(struct store *st, const char *name, const char *pw, size_t len,
                        struct store_account *out, struct verr *err)
{
	char stored[STORE_PWHASH_MAX], fresh[STORE_PWHASH_MAX];
	struct verr e2 = {0};
	int rc, known, ok;

	if (!name || !pw || len > HTTP_PASSWORD_MAX)
		return verr_set(err, V_ERR_NOTFOUND, "password", "%s",
		                _("the name or the password is wrong"));
	rc = store_account_password_get(st, name, out, stored, err);
	if (rc != V_OK && rc != V_ERR_NOTFOUND)
		return rc;
	known = rc == V_OK && stored[0];
	pthread_once(&dummy_once, dummy_init);
	/* the same work whether or not there is a hash to check: only its result differs */
	ok = crypto_pwhash_str_verify(known ? stored : dummy_hash, pw, len) == 0 && known;
	if (!ok)
		return verr_set(err, V_ERR_NOTFOUND, "password", "%s",
		                _("the name or the password is wrong"));
	if (crypto_pwhash_str_needs_rehash(stored, crypto_pwhash_OPSLIMIT_INTERACTIVE,
	                                   crypto_pwhash_MEMLIMIT_INTERACTIVE) != 0 &&
	    http_password_hash(pw, len, fresh, &e2) == V_OK &&
	    store_account_password_set(st, out->name, fresh, &e2) != V_OK)
		log_error("http: the password of %s could not be rehashed: %s", out->name,
		          e2.reason);
	sodium_memzero(fresh, sizeof(fresh));
	return V_OK;
}

/* ---- throttling of failed sign-ins ---------------------------------------------------------- */

#define THROTTLE_SLOTS 4096
#define THROTTLE_KEY   (STORE_NAME_MAX + 48)

struct throttle {
	char key[THROTTLE_KEY]; /* "n:<lower-case name>" or "a:<address>"; "" = free */
	int64_t last;            /* the last failure */
	int64_t count;           /* failures since the window began */
};

static struct throttle slots[THROTTLE_SLOTS];
static pthread_mutex_t throttle_lock = PTHREAD_MUTEX_INITIALIZER;

static void throttle_key(char out[THROTTLE_KEY], char kind, const char *v)
{
	size_t i = 2;

	out[0] = kind;
	out[1] = ':';
	for (; v && *v && i < THROTTLE_KEY - 1; v++)
		out[i++] = (char)(*v >= 'A' && *v <= 'Z' ? *v + 32 : *v);
	out[i] = 0;
}

static int64_t lockout(void)
{
	long long l = conf_get_int("http.signin_lockout");

	return l > 0 ? l : 300;
}

/* The slot of key (locked), or NULL; with make, a free or the stalest slot made key's. */
static struct throttle *slot(const char *key, int make)
{
	unsigned long h = 5381;
	struct throttle *stalest = NULL;

	for (const char *p = key; *p; p++)
		h = h * 33 + (unsigned char)*p;
	for (unsigned i = 0; i < 16; i++) { /* probe a short run: the table is a cache */
		struct throttle *t = &slots[(h + i) % THROTTLE_SLOTS];

		if (!strcmp(t->key, key))
			return t;
		if (!stalest || !t->key[0] || (stalest->key[0] && t->last < stalest->last))
			stalest = t;
	}
	if (!make)
		return NULL;
	snprintf(stalest->key, sizeof(stalest->key), "%s", key);
	stalest->last = 0;
	stalest->count = 0;
	return stalest;
}

/* Seconds until key may try again at now (0: now). */
static int64_t wait_of(const char *key, int64_t max, int64_t now)
{
	struct throttle *t = slot(key, 0);
	int64_t l = lockout();

	if (!t || now - t->last >= l || t->count < max)
		return 0;
	return l - (now - t->last);
}

static int64_t max_of(const char *setting, int64_t dflt)
{
	long long m = conf_get_int(setting);

	return m > 0 ? m : dflt;
}

int http_signin_allowed(const char *name, const char *addr, int64_t now, int64_t *retry_after)
{
	char kn[THROTTLE_KEY], ka[THROTTLE_KEY];
	int64_t wn, wa;

	throttle_key(kn, 'n', name);
	throttle_key(ka, 'a', addr);
	pthread_mutex_lock(&throttle_lock);
	wn = wait_of(kn, max_of("http.signin_failures", 5), now);
	wa = addr && *addr ? wait_of(ka, max_of("http.signin_failures_address", 20), now) : 0;
	pthread_mutex_unlock(&throttle_lock);
	*retry_after = wn > wa ? wn : wa;
	return *retry_after == 0;
}

static void count_failure(const char *key, int64_t now)
{
	struct throttle *t = slot(key, 1);

	if (now - t->last >= lockout())
		t->count = 0; /* the window has passed: count afresh */
	t->count++;
	t->last = now;
}

void http_signin_failed(const char *name, const char *addr, int64_t now)
{
	char k[THROTTLE_KEY];

	pthread_mutex_lock(&throttle_lock);
	throttle_key(k, 'n', name);
	count_failure(k, now);
	if (addr && *addr) {
		throttle_key(k, 'a', addr);
		count_failure(k, now);
	}
	pthread_mutex_unlock(&throttle_lock);
}

void http_signin_succeeded(const char *name)
{
	char k[THROTTLE_KEY];
	struct throttle *t;

	throttle_key(k, 'n', name);
	pthread_mutex_lock(&throttle_lock);
	if ((t = slot(k, 0)))
		t->key[0] = 0;
	pthread_mutex_unlock(&throttle_lock);
}

void http_signin_reset(void)
{
	pthread_mutex_lock(&throttle_lock);
	memset(slots, 0, sizeof(slots));
	pthread_mutex_unlock(&throttle_lock);
}
