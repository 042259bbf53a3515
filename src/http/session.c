/*
 * session.c — browser sessions of the web UI (ui.h): the signed cookie, its CSRF token and
 * the language the page speaks.
 *
 * A session value is "<expires>.<nonce>.<token>.<stamp>.<mac>.<name>": expires in unix seconds,
 * nonce 16 hex digits drawn for each sign-in (two sign-ins of one account in the same second
 * are two sessions, with two CSRF tokens), token the id of the API token it signed in with (0:
 * by password; route.c ends the session when that token is revoked), stamp 16 hex digits of
 * crypto_auth over "p|<password hash>" (the account's stored hash when the session began, ""
 * for none: a MAC, so the cookie tells nothing about the hash), mac the hex of crypto_auth
 * (HMAC-SHA-512-256) over "s|<expires>|<nonce>|<token>|<stamp>|<name>" under a key drawn once
 * per process (randombytes_buf), name the account's.  A new password gives a new stamp, so
 * every session begun before it ends at the next request (ui_session_current).  The CSRF token is the first 32 hex digits
 * of crypto_auth over "c|<value>" under the same key: it cannot be made without the key, and
 * it changes with each sign-in.
 */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <sodium.h>

#include "base/i18n.h"
#include "http/ui.h"

#define NONCE_BYTES 8 /* a session's own random part: 16 hex digits */

static unsigned char key[crypto_auth_KEYBYTES];
static pthread_once_t key_once = PTHREAD_ONCE_INIT;

static void key_init(void)
{
	if (sodium_init() < 0)
		abort(); /* server.c and auth.c have started it already: cannot fail here */
	randombytes_buf(key, sizeof(key));
}

static void mac_hex(const char *msg, size_t len, char out[2 * crypto_auth_BYTES + 1])
{
	unsigned char m[crypto_auth_BYTES];

	pthread_once(&key_once, key_init);
	crypto_auth(m, (const unsigned char *)msg, len, key);
	sodium_bin2hex(out, 2 * crypto_auth_BYTES + 1, m, sizeof(m));
}

/* Is name an account name as the store allows it ([A-Za-z0-9._@-], 1..64)? */
static int name_ok(const char *name, size_t n)
{
	if (n == 0 || n > STORE_NAME_MAX)
		return 0;
	for (size_t i = 0; i < n; i++) {
		char ch = name[i];

		if (!((ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') ||
		      (ch >= '0' && ch <= '9') || ch == '.' || ch == '_' || ch == '@' || ch == '-'))
			return 0;
	}
	return 1;
}

/* The stamp of a password hash ("" or NULL: none).  OUT: out. */
static void stamp_of(const char *pwhash, char out[UI_STAMP_LEN + 1])
{
	char msg[STORE_PWHASH_MAX + 4], mac[2 * crypto_auth_BYTES + 1];
	int n = snprintf(msg, sizeof(msg), "p|%s", pwhash ? pwhash : "");

	mac_hex(msg, (size_t)n, mac);
	memcpy(out, mac, UI_STAMP_LEN);
	out[UI_STAMP_LEN] = 0;
	sodium_memzero(msg, sizeof(msg));
}

int ui_session_make(const char *name, const char *pwhash, int64_t token, int64_t expires,
                    char out[UI_SESSION_MAX], struct verr *err)
{
	char msg[STORE_NAME_MAX + 100], mac[2 * crypto_auth_BYTES + 1];
	char nonce[2 * NONCE_BYTES + 1], stamp[UI_STAMP_LEN + 1];
	unsigned char raw[NONCE_BYTES];
	int n;

	if (!name || !name_ok(name, strlen(name)))
		return verr_set(err, V_ERR_INVALID, "name", "%s", _("not an account name"));
	if (token < 0 || expires < 0)
		return verr_set(err, V_ERR_INVALID, "token", "%s", "a negative token id or expiry");
	randombytes_buf(raw, sizeof(raw));
	sodium_bin2hex(nonce, sizeof(nonce), raw, sizeof(raw));
	stamp_of(pwhash, stamp);
	n = snprintf(msg, sizeof(msg), "s|%lld|%s|%lld|%s|%s", (long long)expires, nonce,
	             (long long)token, stamp, name);
	mac_hex(msg, (size_t)n, mac);
	snprintf(out, UI_SESSION_MAX, "%lld.%s.%lld.%s.%s.%s", (long long)expires, nonce,
	         (long long)token, stamp, mac, name);
	return V_OK;
}

int ui_session_current(const struct ui_session *s, const char *pwhash)
{
	char stamp[UI_STAMP_LEN + 1];

	stamp_of(pwhash, stamp);
	return sodium_memcmp(stamp, s->stamp, UI_STAMP_LEN) == 0;
}

/* Are the n bytes at p lower-case hex digits? */
static int hex_ok(const char *p, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (!((p[i] >= '0' && p[i] <= '9') || (p[i] >= 'a' && p[i] <= 'f')))
			return 0;
	return 1;
}

/* The decimal number in [p, end): 1 to 18 digits (they cannot overflow), no leading zero (one
 * session, one spelling).  OUT: *out. */
static int number(const char *p, const char *end, long long *out)
{
	long long x = 0;

	if (p == end || end - p > 18 || (end - p > 1 && *p == '0'))
		return 0;
	for (; p < end; p++) {
		if (*p < '0' || *p > '9')
			return 0;
		x = x * 10 + (*p - '0');
	}
	*out = x;
	return 1;
}

/* Check one cookie value.  OUT: s->name, s->stamp, s->token, s->expires. */
static int check_value(const char *v, size_t len, int64_t now, struct ui_session *s)
{
	char msg[STORE_NAME_MAX + 100], mac[2 * crypto_auth_BYTES + 1];
	const char *dot0 = memchr(v, '.', len), *dot1, *dott, *dots, *dot2, *nm;
	long long exp, tok;
	size_t nlen;
	int n;

	if (!dot0 || !number(v, dot0, &exp))
		return V_ERR_NOTFOUND;
	dot1 = memchr(dot0 + 1, '.', len - (size_t)(dot0 + 1 - v));
	if (!dot1 || (size_t)(dot1 - dot0 - 1) != 2 * NONCE_BYTES || !hex_ok(dot0 + 1, 2 * NONCE_BYTES))
		return V_ERR_NOTFOUND;
	dott = dot1;
	dot1 = memchr(dott + 1, '.', len - (size_t)(dott + 1 - v)); /* dot1: before the stamp */
	if (!dot1 || !number(dott + 1, dot1, &tok))
		return V_ERR_NOTFOUND;
	dots = memchr(dot1 + 1, '.', len - (size_t)(dot1 + 1 - v));
	if (!dots || (size_t)(dots - dot1 - 1) != UI_STAMP_LEN || !hex_ok(dot1 + 1, UI_STAMP_LEN))
		return V_ERR_NOTFOUND;
	dot2 = memchr(dots + 1, '.', len - (size_t)(dots + 1 - v));
	if (!dot2 || (size_t)(dot2 - dots - 1) != 2 * crypto_auth_BYTES)
		return V_ERR_NOTFOUND;
	nm = dot2 + 1;
	nlen = len - (size_t)(nm - v);
	if (!name_ok(nm, nlen) || exp <= now)
		return V_ERR_NOTFOUND;
	n = snprintf(msg, sizeof(msg), "s|%lld|%.*s|%lld|%.*s|%.*s", exp, 2 * NONCE_BYTES,
		     dot0 + 1, tok, UI_STAMP_LEN, dot1 + 1, (int)nlen, nm);
	mac_hex(msg, (size_t)n, mac);
	if (sodium_memcmp(mac, dots + 1, 2 * crypto_auth_BYTES) != 0)
		return V_ERR_NOTFOUND;
	memcpy(s->name, nm, nlen);
	s->name[nlen] = 0;
	memcpy(s->stamp, dot1 + 1, UI_STAMP_LEN);
	s->stamp[UI_STAMP_LEN] = 0;
	s->expires = exp;
	s->token = tok;
	return V_OK;
}

int ui_session_from_cookie(const char *cookie, int64_t now, struct ui_session *s)
{
	const char *p = cookie;
	size_t klen = strlen(UI_COOKIE);

	/* "a=1; vigia_session=...; b=2": try every vigia_session (a duplicate cannot help) */
	while (p && *p) {
		size_t n;

		while (*p == ' ' || *p == ';')
			p++;
		n = strcspn(p, ";");
		if (n > klen && !strncmp(p, UI_COOKIE, klen) && p[klen] == '=') {
			const char *v = p + klen + 1;
			size_t vlen = n - klen - 1;

			while (vlen && v[vlen - 1] == ' ')
				vlen--;
			if (vlen < UI_SESSION_MAX && check_value(v, vlen, now, s) == V_OK) {
				memcpy(s->value, v, vlen);
				s->value[vlen] = 0;
				return V_OK;
			}
		}
		p += n;
	}
	return V_ERR_NOTFOUND;
}

void ui_csrf_token(const char *value, char out[UI_CSRF_LEN + 1])
{
	char msg[UI_SESSION_MAX + 4], mac[2 * crypto_auth_BYTES + 1];
	int n = snprintf(msg, sizeof(msg), "c|%s", value);

	mac_hex(msg, (size_t)n, mac);
	memcpy(out, mac, UI_CSRF_LEN);
	out[UI_CSRF_LEN] = 0;
}

int ui_csrf_ok(const char *value, const char *token)
{
	char want[UI_CSRF_LEN + 1];

	if (!token || strlen(token) != UI_CSRF_LEN)
		return 0;
	ui_csrf_token(value, want);
	return sodium_memcmp(want, token, UI_CSRF_LEN) == 0;
}

void ui_cookie_header(const char *value, int64_t max_age, int tls, char *out, size_t n)
{
	snprintf(out, n, "%s=%s; Path=/; Max-Age=%lld; HttpOnly; SameSite=Strict%s", UI_COOKIE,
	         value, (long long)max_age, tls ? "; Secure" : "");
}

/* The value of cookie name in a Cookie header, if it is "es" or "en". */
static const char *lang_cookie(const char *cookie)
{
	const char *p = cookie;

	while (p && (p = strstr(p, "vigia_lang="))) {
		if (p == cookie || p[-1] == ' ' || p[-1] == ';') {
			p += strlen("vigia_lang=");
			if (!strncmp(p, "es", 2) && (p[2] == 0 || p[2] == ';' || p[2] == ' '))
				return "es";
			if (!strncmp(p, "en", 2) && (p[2] == 0 || p[2] == ';' || p[2] == ' '))
				return "en";
		} else {
			p++;
		}
	}
	return NULL;
}

const char *ui_lang(const struct http_request *rq)
{
	const char *l = lang_cookie(rq->cookie), *p = rq->accept_language;

	if (l)
		return l;
	/* "es-ES,es;q=0.9,en;q=0.8": the first language we speak, in the order given (browsers
	 * list them by preference) */
	while (p && *p) {
		while (*p == ' ' || *p == ',')
			p++;
		int end = p[2] == '-' || p[2] == ',' || p[2] == ';' || p[2] == ' ' || !p[2];

		if (!strncasecmp(p, "es", 2) && end)
			return "es";
		if (!strncasecmp(p, "en", 2) && end)
			return "en";
		p += strcspn(p, ",");
	}
	return "en";
}
