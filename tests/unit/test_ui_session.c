/*
 * test_ui_session.c — the web UI's sessions (src/http/session.c): a session value is
 * accepted back only untouched and before it expires, among other cookies; it is current
 * only under the password hash it began with; its CSRF token is fixed for the session and
 * differs between sessions; the cookie's flags; the language from the vigia_lang cookie or
 * Accept-Language.
 */
#include "http/ui.h"
#include "tap.h"

#define NOW 1790000000

static int back(const char *cookie, int64_t now, char *name)
{
	struct ui_session s;
	int rc = ui_session_from_cookie(cookie, now, &s);

	if (rc == V_OK)
		snprintf(name, STORE_NAME_MAX + 1, "%s", s.name);
	return rc;
}

/* The k-th dot-separated field (0: the expiry) of the cookie header c. */
static char *field(char *c, int k)
{
	char *p = strchr(c, '=') + 1;

	while (k-- > 0)
		p = strchr(p, '.') + 1;
	return p;
}

static void test_session(void)
{
	char v[UI_SESSION_MAX], v2[UI_SESSION_MAX], c[UI_SESSION_MAX + 64];
	char name[STORE_NAME_MAX + 1] = "", t1[UI_CSRF_LEN + 1], t2[UI_CSRF_LEN + 1];
	struct ui_session s;
	struct verr e = {0};
	char *dot;

	ok(ui_session_make("ana", "$argon2id$H1", 0, NOW + 60, v, &e) == V_OK, "a session for ana");
	snprintf(c, sizeof(c), "vigia_session=%s", v);
	ok(back(c, NOW, name) == V_OK && !strcmp(name, "ana"), "read back: ana");
	ok(ui_session_from_cookie(c, NOW, &s) == V_OK && !strcmp(s.value, v) &&
	   s.expires == NOW + 60, "the value is the cookie's, and its expiry");
	ok(ui_session_current(&s, "$argon2id$H1"), "current under the password it began with");
	ok(!ui_session_current(&s, "$argon2id$H2") && !ui_session_current(&s, "") &&
	   !ui_session_current(&s, NULL), "not under another password, nor none");
	ok(!strstr(v, "H1") && !strstr(v, "argon"), "the cookie does not hold the hash");
	ui_session_make("ana", NULL, 0, NOW + 60, v2, &e);
	snprintf(c, sizeof(c), "vigia_session=%s", v2);
	ui_session_from_cookie(c, NOW, &s);
	ok(ui_session_current(&s, NULL) && ui_session_current(&s, "") &&
	   !ui_session_current(&s, "$argon2id$H1"),
	   "without a password: current until one is set");
	snprintf(c, sizeof(c), "vigia_session=%s", v);
	dot = field(c, 3); /* the stamp */
	dot[0] = dot[0] == '0' ? '1' : '0';
	ok(back(c, NOW, name) == V_ERR_NOTFOUND, "another stamp: refused (the MAC covers it)");
	snprintf(c, sizeof(c), "vigia_session=%s", v);
	dot = field(c, 4); /* the MAC */
	dot[0] = dot[0] == '0' ? '1' : '0';
	ok(back(c, NOW, name) == V_ERR_NOTFOUND, "another MAC: refused");
	snprintf(c, sizeof(c), "vigia_session=%s", v);
	ui_session_from_cookie(c, NOW, &s);
	ok(s.token == 0, "signed in by password: token 0");
	ok(ui_session_make("ana", NULL, 4711, NOW + 60, v2, &e) == V_OK, "a session signed in with token 4711");
	snprintf(c, sizeof(c), "vigia_session=%s", v2);
	ok(ui_session_from_cookie(c, NOW, &s) == V_OK && s.token == 4711, "... read back with its token");
	dot = field(c, 2);
	dot[0] = '5';
	ok(back(c, NOW, name) == V_ERR_NOTFOUND, "another token id: refused (the MAC covers it)");
	snprintf(c, sizeof(c), "vigia_session=%s", v);
	dot = field(c, 2); /* "0" spelled "00": the same session under another spelling */
	memmove(dot + 1, dot, strlen(dot) + 1);
	ok(back(c, NOW, name) == V_ERR_NOTFOUND, "a token id with a leading zero: refused");
	snprintf(c, sizeof(c), "vigia_session=0%s", v);
	ok(back(c, NOW, name) == V_ERR_NOTFOUND, "an expiry with a leading zero: refused");
	ok(ui_session_make("ana", NULL, -1, NOW + 60, v2, &e) == V_ERR_INVALID,
	   "a negative token id: refused");
	snprintf(c, sizeof(c), "theme=dark; vigia_session=%s ; x=1", v);
	ok(back(c, NOW, name) == V_OK, "among other cookies");
	snprintf(c, sizeof(c), "vigia_session=bad; vigia_session=%s", v);
	ok(back(c, NOW, name) == V_OK, "a bad one before it does not hide it");
	snprintf(c, sizeof(c), "vigia_session=%s", v);
	ok(back(c, NOW + 60, name) == V_ERR_NOTFOUND, "expired at its time");
	ok(back(c, NOW + 59, name) == V_OK, "valid just before");
	snprintf(c, sizeof(c), "vigia_session=%s", v);
	dot = strrchr(c, '.');
	dot[1] = 'b';
	ok(back(c, NOW, name) == V_ERR_NOTFOUND, "another name: refused");
	snprintf(c, sizeof(c), "vigia_session=%s", v);
	c[strlen("vigia_session=")] = '9';
	ok(back(c, NOW, name) == V_ERR_NOTFOUND, "another expiry: refused");
	snprintf(c, sizeof(c), "vigia_session=%s", v);
	dot = field(c, 1);
	dot[0] = dot[0] == '0' ? '1' : '0';
	ok(back(c, NOW, name) == V_ERR_NOTFOUND, "another nonce: refused");
	snprintf(c, sizeof(c), "xvigia_session=%s", v);
	ok(back(c, NOW, name) == V_ERR_NOTFOUND, "another cookie's name: ignored");
	ok(back("", NOW, name) == V_ERR_NOTFOUND && back("vigia_session=", NOW, name) ==
	   V_ERR_NOTFOUND && back("vigia_session=1..a", NOW, name) == V_ERR_NOTFOUND &&
	   back(";;;", NOW, name) == V_ERR_NOTFOUND, "empty and malformed cookies");
	ok(ui_session_make("a b", NULL, 0, NOW, v2, &e) == V_ERR_INVALID &&
	   ui_session_make("", NULL, 0, NOW, v2, &e) == V_ERR_INVALID, "not an account name: refused");

	ui_csrf_token(v, t1);
	ui_csrf_token(v, t2);
	ok(strlen(t1) == UI_CSRF_LEN && !strcmp(t1, t2), "the CSRF token is the session's");
	ok(ui_csrf_ok(v, t1) && !ui_csrf_ok(v, NULL) && !ui_csrf_ok(v, "") &&
	   !ui_csrf_ok(v, "00000000000000000000000000000000"), "checked");
	ui_session_make("ana", "$argon2id$H1", 0, NOW + 61, v2, &e);
	ui_csrf_token(v2, t2);
	ok(strcmp(t1, t2) && !ui_csrf_ok(v2, t1), "another session, another token");
	ui_session_make("ana", "$argon2id$H1", 0, NOW + 60, v2, &e);
	ui_csrf_token(v2, t2);
	ok(strcmp(v, v2) && strcmp(t1, t2) && !ui_csrf_ok(v2, t1),
	   "two sign-ins in the same second: two sessions, two tokens");
	snprintf(c, sizeof(c), "vigia_session=%s", v);
	dot = strchr(c, '.');
	dot[1] = 'g';
	ok(back(c, NOW, name) == V_ERR_NOTFOUND, "a nonce that is not hex: refused");
}

static void test_cookie_and_lang(void)
{
	struct http_request rq = {0};
	char h[300];

	ui_cookie_header("X", 3600, 0, h, sizeof(h));
	is_str(h, "vigia_session=X; Path=/; Max-Age=3600; HttpOnly; SameSite=Strict", "the flags");
	ui_cookie_header("X", 3600, 1, h, sizeof(h));
	ok(strstr(h, "; Secure") != NULL, "Secure under TLS");
	is_str(ui_lang(&rq), "en", "no header: English");
	rq.accept_language = "es-ES,es;q=0.9,en;q=0.8";
	is_str(ui_lang(&rq), "es", "Accept-Language es-ES");
	rq.accept_language = "de, fr;q=0.8, EN-gb;q=0.5, es";
	is_str(ui_lang(&rq), "en", "the first one spoken, any case");
	rq.accept_language = "esperanto, ess";
	is_str(ui_lang(&rq), "en", "not a prefix match");
	rq.cookie = "a=1; vigia_lang=es";
	rq.accept_language = "en";
	is_str(ui_lang(&rq), "es", "the cookie wins");
	rq.cookie = "xvigia_lang=es";
	is_str(ui_lang(&rq), "en", "only the vigia_lang cookie");
	rq.cookie = "vigia_lang=fr";
	is_str(ui_lang(&rq), "en", "a language not spoken: the header");
}

int main(void)
{
	test_session();
	test_cookie_and_lang();
	return done_testing();
}
