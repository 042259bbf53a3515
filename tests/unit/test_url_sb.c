/*
 * test_url_sb.c — Safe Browsing canonicalization and lookup expressions against vectors no one
 * here wrote: ../shared/corpus/url/safebrowsing-{canonicalization,expressions,components}.tsv
 * (read in place; SKIP when ../shared or $VIGIA_SHARED is absent), plus a few fixtures of our
 * own that always run.
 *
 * Expressions: rows whose origin is Google's Go reference client are checked in the client's
 * mode (URL_SB_GOCLIENT, a 7-label host window), the documentation's rows in the spec's mode;
 * the two disagree on hosts of 6+ labels (docs/internals/url.md).
 */
#include <sodium.h>

#include "analyze/url/url.h"
#include "tap.h"

static struct url_canon C;

/* Decode the MANIFEST's escapes (\\ \t \r \n \xHH) in place; returns the length. */
static size_t unesc(char *s)
{
	size_t o = 0;
	for (size_t i = 0; s[i]; i++) {
		if (s[i] == '\\' && s[i + 1]) {
			char n = s[i + 1];
			if (n == '\\' || n == 't' || n == 'r' || n == 'n') {
				s[o++] = n == '\\'  ? '\\'
				         : n == 't' ? '\t'
				         : n == 'r' ? '\r'
				                    : '\n';
				i++;
				continue;
			}
			if (n == 'x' && s[i + 2] && s[i + 3]) {
				char h[3] = {s[i + 2], s[i + 3], 0};
				s[o++] = (char)strtol(h, NULL, 16);
				i += 3;
				continue;
			}
		}
		s[o++] = s[i];
	}
	s[o] = 0;
	return o;
}

/* Split line at tabs into at most max fields (in place). */
static size_t fields(char *line, char **f, size_t max)
{
	size_t n = 0;
	line[strcspn(line, "\n")] = 0;
	f[n++] = line;
	for (char *p = line; *p && n < max; p++)
		if (*p == '\t') {
			*p = 0;
			f[n++] = p + 1;
		}
	return n;
}

static void canon_is(const char *in, size_t n, const char *want, const char *what)
{
	int rc = url_canon(in, n, &C);
	if (!want || !*want) {
		ok(rc != V_OK, "%s: '%s' rejected (%s)", what, in, C.reason ? C.reason : "-");
		return;
	}
	is_str(rc == V_OK ? C.canon : C.reason, want, "%s: canon '%s'", what, in);
}

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* The expressions of url in mode, sorted, space-joined, into out. */
static void expr_set(const char *url, enum url_sb_mode mode, struct buf *out)
{
	struct url_expr e[URL_MAX_EXPR];
	struct buf t;
	char *v[URL_MAX_EXPR];
	size_t n = 0;

	buf_reset(out);
	if (url_canon(url, strlen(url), &C) != V_OK)
		return;
	n = url_expressions(&C, mode, e);
	buf_init(&t, 0);
	for (size_t i = 0; i < n; i++) {
		url_expr_text(&C, &e[i], &t);
		v[i] = strdup(buf_cstr(&t));
	}
	qsort(v, n, sizeof v[0], cmp_str);
	for (size_t i = 0; i < n; i++) {
		if (i == 0 || strcmp(v[i], v[i - 1]))
			buf_printf(out, "%s%s", out->len ? " " : "", v[i]);
	}
	for (size_t i = 0; i < n; i++)
		free(v[i]);
	buf_fini(&t);
}

static void sort_words(char *s, struct buf *out)
{
	char *v[64];
	size_t n = 0;
	for (char *p = strtok_r(s, " ", &s); p && n < 64; p = strtok_r(NULL, " ", &s))
		v[n++] = p;
	qsort(v, n, sizeof v[0], cmp_str);
	buf_reset(out);
	for (size_t i = 0; i < n; i++)
		if (i == 0 || strcmp(v[i], v[i - 1]))
			buf_printf(out, "%s%s", out->len ? " " : "", v[i]);
}

static void run_canonicalization(const char *dir)
{
	char path[512], line[4096];
	snprintf(path, sizeof path, "%s/safebrowsing-canonicalization.tsv", dir);
	FILE *f = fopen(path, "r");
	int rows = 0;
	ok(f != NULL, "open %s", path);
	while (f && fgets(line, sizeof line, f)) {
		char *fl[3];
		if (fields(line, fl, 3) < 3)
			continue;
		size_t n = unesc(fl[0]);
		unesc(fl[1]);
		canon_is(fl[0], n, fl[1], fl[2]);
		rows++;
	}
	is_int(rows, 54, "canonicalization: every row read");
	if (f)
		fclose(f);
}

static void run_expressions(const char *dir)
{
	char path[512], line[4096], cur[4096] = "", origin[64] = "";
	struct buf want, got;
	int urls = 0, rows = 0;

	buf_init(&want, 0);
	buf_init(&got, 0);
	snprintf(path, sizeof path, "%s/safebrowsing-expressions.tsv", dir);
	FILE *f = fopen(path, "r");
	ok(f != NULL, "open %s", path);
	char *acc[128];
	size_t nacc = 0;
	for (;;) {
		char *fl[3];
		int eof = !f || !fgets(line, sizeof line, f);
		if (!eof && fields(line, fl, 3) < 3)
			continue;
		if (!eof) {
			unesc(fl[0]);
			unesc(fl[1]);
		}
		if (eof || strcmp(fl[0], cur)) {
			if (*cur) {
				enum url_sb_mode m = strncmp(origin, "google/", 7) == 0
				                         ? URL_SB_GOCLIENT
				                         : URL_SB_SPEC;
				qsort(acc, nacc, sizeof acc[0], cmp_str);
				buf_reset(&want);
				for (size_t i = 0; i < nacc; i++) {
					if (*acc[i] && (i == 0 || strcmp(acc[i], acc[i - 1])))
						buf_printf(&want, "%s%s", want.len ? " " : "",
						           acc[i]);
				}
				for (size_t i = 0; i < nacc; i++)
					free(acc[i]);
				expr_set(cur, m, &got);
				is_str(buf_cstr(&got), buf_cstr(&want), "expressions of '%s' (%s)",
				       cur, origin);
				urls++;
				nacc = 0;
			}
			if (eof)
				break;
			snprintf(cur, sizeof cur, "%s", fl[0]);
			snprintf(origin, sizeof origin, "%s", fl[2]);
		}
		if (nacc < 128)
			acc[nacc++] = strdup(fl[1]);
		rows++;
	}
	is_int(rows, 85, "expressions: every row read");
	ok(urls >= 10, "expressions: %d URLs", urls);
	if (f)
		fclose(f);
	buf_fini(&want);
	buf_fini(&got);
}

static void run_components(const char *dir)
{
	char path[512], line[4096];
	struct buf got, want, t;
	int rows = 0;

	buf_init(&got, 0);
	buf_init(&want, 0);
	buf_init(&t, 0);
	snprintf(path, sizeof path, "%s/safebrowsing-components.tsv", dir);
	FILE *f = fopen(path, "r");
	ok(f != NULL, "open %s", path);
	while (f && fgets(line, sizeof line, f)) {
		char *fl[4];
		if (fields(line, fl, 4) < 4)
			continue;
		const char *kind = fl[0];
		size_t n = unesc(fl[1]);
		unesc(fl[2]);
		rows++;
		buf_reset(&got);
		if (!strcmp(kind, "ipv4")) {
			char o[16];
			int r = url_sb_ipv4(fl[1], n, o);
			is_str(r ? o : "", fl[2], "ipv4 '%s'", fl[1]);
		} else if (!strcmp(kind, "host")) {
			int r = url_canon(fl[1], n, &C);
			if (r == V_OK)
				buf_append(&got, C.canon + C.host_off, C.host_len);
			is_str(buf_cstr(&got), fl[2], "host of '%s'", fl[1]);
		} else if (!strcmp(kind, "path")) {
			int r = url_canon(fl[1], n, &C);
			if (r == V_OK)
				buf_append(&got, C.canon + C.path_off, C.path_len);
			is_str(buf_cstr(&got), fl[2], "path of '%s'", fl[1]);
		} else if (!strcmp(kind, "lookup-hosts") || !strcmp(kind, "lookup-paths")) {
			uint32_t v[8];
			size_t k = 0;
			url_canon(fl[1], n, &C);
			buf_reset(&t);
			if (kind[7] == 'h') {
				k = url_lookup_hosts(&C, URL_SB_GOCLIENT, v);
				for (size_t i = 0; i < k; i++) {
					buf_printf(&t, "%s", t.len ? " " : "");
					buf_append(&t, C.canon + v[i],
					           C.host_off + C.host_len - v[i]);
				}
			} else {
				k = url_lookup_paths(&C, v);
				for (size_t i = 0; i < k; i++) {
					buf_printf(&t, "%s", t.len ? " " : "");
					buf_append(&t, C.canon + C.path_off, v[i]);
				}
			}
			char *s1 = strdup(buf_cstr(&t)), *s2 = strdup(fl[2]);
			sort_words(s1, &got);
			sort_words(s2, &want);
			is_str(buf_cstr(&got), buf_cstr(&want), "%s of '%s'", kind, fl[1]);
			free(s1);
			free(s2);
		} else if (!strncmp(kind, "sha256", 6)) {
			unsigned char h[32];
			char hex[65];
			if (!strcmp(fl[1], "a*1000000")) {
				char *a = malloc(1000000);
				memset(a, 'a', 1000000);
				crypto_hash_sha256(h, (unsigned char *)a, 1000000);
				free(a);
			} else {
				crypto_hash_sha256(h, (unsigned char *)fl[1], n);
			}
			sodium_bin2hex(hex, sizeof hex, h, 32);
			size_t plen = kind[6] == '-' ? (size_t)strtol(kind + 13, NULL, 10) * 2 : 64;
			hex[plen] = 0;
			is_str(hex, fl[2], "%s of '%.20s'", kind, fl[1]);
		} else {
			ok(0, "unknown kind %s", kind);
		}
	}
	is_int(rows, 43, "components: every row read");
	if (f)
		fclose(f);
	buf_fini(&got);
	buf_fini(&want);
	buf_fini(&t);
}

/* Our own cases: hostile and edge inputs. */
#define CANON(in, want, what) canon_is(in, strlen(in), want, what)
static void own_fixtures(void)
{
	struct buf e;
	char big[URL_MAX_INPUT + 100];

	CANON("HTTP://Example.COM:8080/a/./b/../c?x#y", "http://example.com/a/c?x", "own");
	ok(C.port == 8080, "port kept aside: %d", C.port);
	CANON("http://user:pw@evil.com/", "http://evil.com/", "own");
	ok(C.has_userinfo, "userinfo seen");
	CANON("http://0x7f.1/", "http://127.0.0.1/", "own");
	CANON("http://[::1]:80/", "http://[::1]/", "own");
	CANON("http://[::1/", "", "own");
	CANON("http://host/%00%ff", "http://host/%00%FF", "own");
	CANON("http://\xe2\x98\x83.net/", "http://%E2%98%83.net/", "own (not IDNA2008: escaped)");
	CANON("javascript:alert(1)", "", "own");
	CANON("example.com:8080/x", "http://example.com/x", "own");
	CANON("", "", "own");
	memset(big, 'a', sizeof big);
	memcpy(big, "http://h/", 9);
	ok(url_canon(big, sizeof big, &C) == V_OK && C.truncated, "a URL over the cap is cut");
	buf_init(&e, 0);
	expr_set("http://a.b.c.d.e.f.g/1.html", URL_SB_SPEC, &e);
	is_str(buf_cstr(&e),
	       "a.b.c.d.e.f.g/ a.b.c.d.e.f.g/1.html c.d.e.f.g/ c.d.e.f.g/1.html d.e.f.g/ "
	       "d.e.f.g/1.html e.f.g/ e.f.g/1.html f.g/ f.g/1.html",
	       "spec mode: 5 hosts");
	expr_set("http://a.b.c.d.e.f.g/1.html", URL_SB_GOCLIENT, &e);
	ok(strstr(buf_cstr(&e), "b.c.d.e.f.g/") != NULL, "Go client mode: the 6-label suffix too");
	buf_fini(&e);
	uint16_t p[8];
	char t[48];
	ok(url_ipv6_parse("1:0:0:2::", 9, p), "ipv6 parse");
	url_ipv6_format(p, t);
	is_str(t, "1:0:0:2::", "ipv6 format: the first longest zero run");
	ok(!url_ipv6_parse("1::2::3", 7, p), "two :: rejected");
	ok(!url_ipv6_parse("::1.2.3.04", 10, p), "leading zero in embedded IPv4 rejected");
}

int main(void)
{
	const char *shared = getenv("VIGIA_SHARED");
	char dir[400];

	own_fixtures();
	snprintf(dir, sizeof dir, "%s/corpus/url", shared && *shared ? shared : "../shared");
	char probe[480];
	snprintf(probe, sizeof probe, "%s/MANIFEST.md", dir);
	FILE *f = fopen(probe, "r");
	if (!f) {
		printf("SKIP Safe Browsing vectors: %s not found\n", dir);
		return done_testing();
	}
	fclose(f);
	run_canonicalization(dir);
	run_expressions(dir);
	run_components(dir);
	return done_testing();
}
