/*
 * test_audit_web.c — the web checks on hand-made responses (no network): Observatory result
 * keys, the score rule (bonuses only from 90 up) and the grade chart; exposure rules, their
 * condition language and the soft-404 baseline.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "audit/audit.h"
#include "tap.h"

static const char *key_of(const struct audit_web_grade *g, const char *test)
{
	for (size_t i = 0; i < g->n; i++)
		if (!strcmp(g->r[i].test, test))
			return g->r[i].key;
	return NULL;
}

static void resp(struct audit_http *h, const char *url, long status, char **names, char **vals,
		 size_t nh, const char *body)
{
	memset(h, 0, sizeof(*h));
	h->url = (char *)url;
	h->status = status;
	h->hname = names;
	h->hval = vals;
	h->nh = nh;
	h->body = (char *)body;
	h->body_len = body ? strlen(body) : 0;
}

int main(void)
{
	struct audit_http page, redirect;
	struct audit_web_grade g;
	char *hn[] = { "Content-Security-Policy", "Strict-Transport-Security",
		       "X-Content-Type-Options", "X-Frame-Options", "Referrer-Policy",
		       "Set-Cookie", "Content-Type" };
	char *hv[] = { "default-src 'self'; script-src 'self' 'unsafe-eval'", "max-age=300",
		       "nosniff", "SAMEORIGIN", "strict-origin-when-cross-origin",
		       "sid=1; Secure; HttpOnly", "text/html" };
	char *rn[] = { "Location" };
	char *rv[] = { "https://www.example.org/" };

	resp(&page, "https://www.example.org/", 200, hn, hv, 7,
	     "<html><script src=\"https://cdn.other.example/a.js\"></script></html>");
	resp(&redirect, "http://www.example.org/", 301, rn, rv, 1, NULL);
	audit_web_grade(&page, &redirect, "https://www.example.org/", &g);
	is_str(key_of(&g, "content-security-policy"), "csp-implemented-with-unsafe-eval",
	       "CSP with unsafe-eval");
	is_str(key_of(&g, "strict-transport-security"),
	       "hsts-implemented-max-age-less-than-six-months", "HSTS max-age 300");
	is_str(key_of(&g, "redirection"), "redirection-to-https", "http redirects to https");
	is_str(key_of(&g, "cookies"), "cookies-secure-with-httponly-sessions",
	       "secure session cookie without SameSite");
	is_str(key_of(&g, "subresource-integrity"),
	       "sri-not-implemented-but-external-scripts-loaded-securely",
	       "third-party script over https without integrity");
	is_str(key_of(&g, "x-frame-options"), "x-frame-options-sameorigin-or-deny", "XFO");
	/* 100 - 10 (eval) - 10 (hsts) - 5 (sri) = 75 < 90: the bonuses do not count */
	is_int(g.score, 75, "score: negative modifiers only below 90");
	is_str(g.grade, "B", "grade B for 75");

	char *an[] = { "Access-Control-Allow-Origin", "Access-Control-Allow-Credentials" };
	char *av[] = { "*", "true" };
	resp(&page, "http://x.example/", 200, an, av, 2, "plain");
	audit_web_grade(&page, NULL, NULL, &g);
	is_str(key_of(&g, "cross-origin-resource-sharing"),
	       "cross-origin-resource-sharing-implemented-with-universal-access",
	       "CORS wildcard with credentials");
	is_str(key_of(&g, "redirection"), "redirection-not-needed-no-http", "no http listener");
	is_str(key_of(&g, "subresource-integrity"), "sri-not-implemented-response-not-html",
	       "not HTML: no SRI test");
	ok(g.score == 0 && !strcmp(g.grade, "F"), "many failures: clamped at 0, F (%d)", g.score);

	/* exposure rules */
	const char *tsv = "# comment\n"
			  "git\texposure\tGET\t/.git/HEAD\tstatus=200; body^\"ref: refs/\"\tbody~/<html/i\tmedium\tn\n"
			  "ds\texposure\tGET\t/.DS_Store\tstatus=200; body^\"\\x00\\x00\\x00\\x01Bud1\"\t\tlow\tn\n"
			  "banner\tdisclosure\tGET\t/\thdr:Server~/[0-9]+\\.[0-9]+/\t\tinfo\tn\n"
			  "short\tx\tGET\n";
	struct audit_exposure_set set = { NULL, 0 };
	struct verr e = { 0 };
	int nbad = 0;
	ok(audit_exposure_load(&set, "t.tsv", tsv, strlen(tsv), NULL, NULL, &e) == V_OK &&
		   set.n == 3,
	   "exposure rules: three read, the short line refused");
	(void)nbad;
	struct audit_http r, base;
	resp(&r, "http://x/.git/HEAD", 200, NULL, NULL, 0, "ref: refs/heads/main\n");
	resp(&base, "http://x/vigia-1", 404, NULL, NULL, 0, "not found");
	is_int(audit_exposure_hit(&set.r[0], &r, &base), 1, ".git/HEAD exposed");
	resp(&r, "http://x/.git/HEAD", 200, NULL, NULL, 0, "ref: refs/<html>");
	is_int(audit_exposure_hit(&set.r[0], &r, &base), 0, "the reject condition rules it out");
	resp(&r, "http://x/.git/HEAD", 200, NULL, NULL, 0, "ref: refs/heads/main\n");
	resp(&base, "http://x/vigia-1", 200, NULL, NULL, 0, "ref: refs/heads/main\n");
	is_int(audit_exposure_hit(&set.r[0], &r, &base), 0,
	       "the same answer as the random path: soft 404, no hit");
	static const char ds[] = "\0\0\0\1Bud1rest";
	resp(&r, "http://x/.DS_Store", 200, NULL, NULL, 0, NULL);
	r.body = (char *)ds;
	r.body_len = sizeof(ds) - 1;
	is_int(audit_exposure_hit(&set.r[1], &r, NULL), 1, "binary prefix with \\x escapes");
	char *sn[] = { "Server" };
	char *sv[] = { "Apache/2.4.57 (Debian)" };
	resp(&r, "http://x/", 200, sn, sv, 1, "x");
	is_int(audit_exposure_hit(&set.r[2], &r, NULL), 1, "a version in the Server header");
	sv[0] = "nginx";
	is_int(audit_exposure_hit(&set.r[2], &r, NULL), 0, "no version: no hit");
	audit_exposure_fini(&set);
	return done_testing();
}
