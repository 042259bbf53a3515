/*
 * test_url_whatwg.c — the WHATWG host parser (url_whatwg_host) against web-platform-tests data
 * in ../shared/corpus/url/whatwg-wpt/ (read in place; SKIP when absent):
 *
 *   toascii.json, IdnaTestV2.json   the host of "https://" input "/x", or failure
 *   urltestdata.json                the host-related subset: absolute http(s)/ws(s)/ftp URLs,
 *                                   their hostname or failure
 *
 * Every difference is printed ("# diff ..."), the pass rate of each file too; the test fails
 * when a rate falls below what docs/url-analysis.md reports (a regression), and on a few cases
 * of our own that must hold exactly.
 */
#include <ctype.h>
#include <strings.h>

#include <jansson.h>

#include "analyze/url/url.h"
#include "tap.h"

#define TOASCII_FLOOR 78.0
#define IDNA_FLOOR    63.0
#define URLTEST_FLOOR 97.5

/* What a URL parser does with "scheme://" + rest before the host parser: the authority runs
 * to / \ ? #, userinfo ends at the last '@', a port follows the last ':' outside brackets.
 * Returns 1 and the host (into out) or 0 on failure. */
static int url_host_of(const char *rest, size_t n, struct buf *out, const char **why)
{
	size_t e = 0;
	while (e < n && (rest[e] == 0 || !strchr("/\\?#", rest[e])))
		e++;
	size_t b = 0;
	for (size_t i = e; i > 0; i--)
		if (rest[i - 1] == '@') {
			b = i;
			break;
		}
	size_t he = e;
	int inb = 0;
	for (size_t i = b; i < e; i++) {
		if (rest[i] == '[')
			inb = 1;
		else if (rest[i] == ']')
			inb = 0;
		else if (rest[i] == ':' && !inb) {
			he = i;
			break;
		}
	}
	if (he < e) {
		long port = 0;
		for (size_t i = he + 1; i < e; i++) {
			if (!isdigit((unsigned char)rest[i])) {
				*why = "port";
				return 0;
			}
			port = port * 10 + (rest[i] - '0');
			if (port > 65535) {
				*why = "port range";
				return 0;
			}
		}
	}
	if (he == b) {
		*why = "empty host";
		return 0;
	}
	return url_whatwg_host(rest + b, he - b, 0, out, why) == V_OK;
}

/* Remove ASCII tab/newline, trim C0 control or space (the URL parser's first steps). */
static size_t prep(const char *in, size_t len, char *out, size_t cap)
{
	size_t n = 0;
	size_t b = 0, e = len;
	while (b < e && (unsigned char)in[b] <= 0x20)
		b++;
	while (e > b && (unsigned char)in[e - 1] <= 0x20)
		e--;
	for (size_t i = b; i < e && n + 1 < cap; i++)
		if (in[i] != '\t' && in[i] != '\n' && in[i] != '\r')
			out[n++] = in[i];
	out[n] = 0;
	return n;
}

/* The file as JSON; a lone surrogate escape (which jansson refuses) becomes U+FFFD, as a
 * JavaScript string does when the URL parser converts it to UTF-8. */
static json_t *load(const char *path)
{
	json_error_t je;
	FILE *f = fopen(path, "rb");
	if (!f)
		return NULL;
	fseek(f, 0, SEEK_END);
	long n = ftell(f);
	fseek(f, 0, SEEK_SET);
	char *t = malloc((size_t)n + 1);
	if (!t || fread(t, 1, (size_t)n, f) != (size_t)n) {
		fclose(f);
		free(t);
		return NULL;
	}
	fclose(f);
	t[n] = 0;
	for (long i = 0; i + 6 <= n; i++) {
		if (t[i] != '\\' || t[i + 1] != 'u' || tolower((unsigned char)t[i + 2]) != 'd')
			continue;
		int hi = strchr("89abAB", t[i + 3]) != NULL,
		    lo = strchr("cdefCDEF", t[i + 3]) != NULL;
		if (!hi && !lo)
			continue;
		if (hi && i + 12 <= n && t[i + 6] == '\\' && t[i + 7] == 'u' &&
		    tolower((unsigned char)t[i + 8]) == 'd' && strchr("cdefCDEF", t[i + 9])) {
			i += 11;
			continue;
		}
		memcpy(t + i, "\\ufffd", 6);
	}
	json_t *a = json_loadb(t, (size_t)n, JSON_ALLOW_NUL, &je);
	free(t);
	return a;
}

static double run_toascii(const char *path, int *total)
{
	json_t *a = load(path);
	struct buf h;
	int pass = 0, n = 0;
	size_t i;
	json_t *v;

	buf_init(&h, 0);
	ok(a && json_is_array(a), "read %s", path);
	json_array_foreach(a, i, v)
	{
		if (!json_is_object(v))
			continue;
		const char *in = json_string_value(json_object_get(v, "input"));
		json_t *o = json_object_get(v, "output");
		if (!in)
			continue;
		char s[2048];
		const char *why = "";
		size_t sn = 0, len = json_string_length(json_object_get(v, "input"));
		if (len == 0) /* WPT skips it too: "https:///x" is not an empty host */
			continue;
		/* the input sits inside "https://" input "/x": only tab and newlines go */
		for (size_t j = 0; j < len && sn + 1 < sizeof s; j++)
			if (in[j] != 9 && in[j] != 10 && in[j] != 13)
				s[sn++] = in[j];
		s[sn] = 0;
		/* the input is the host: a character that ends the authority makes it fail */
		int r = url_host_of(s, sn, &h, &why);
		if (r && strcspn(s, "/\\?#@") != sn)
			r = 0;
		int good =
		    json_is_string(o) ? (r && !strcmp(buf_cstr(&h), json_string_value(o))) : !r;
		n++;
		if (good)
			pass++;
		else
			printf("# diff %s: input '%s' want %s got %s (%s)\n", path, in,
			       json_is_string(o) ? json_string_value(o) : "failure",
			       r ? buf_cstr(&h) : "failure", why ? why : "");
	}
	json_decref(a);
	buf_fini(&h);
	*total = n;
	return n ? 100.0 * pass / n : 0;
}

static double run_urltestdata(const char *path, int *total)
{
	static const char *const special[] = {"http:", "https:", "ws:", "wss:", "ftp:", NULL};
	json_t *a = load(path);
	struct buf h;
	int pass = 0, n = 0;
	size_t i;
	json_t *v;

	buf_init(&h, 0);
	ok(a && json_is_array(a), "read %s", path);
	json_array_foreach(a, i, v)
	{
		if (!json_is_object(v))
			continue;
		const char *in = json_string_value(json_object_get(v, "input"));
		if (!in)
			continue;
		char s[4096];
		size_t sn = prep(in, json_string_length(json_object_get(v, "input")), s, sizeof s);
		size_t k = 0;
		const char *sch = NULL;
		for (size_t j = 0; special[j]; j++)
			if (strncasecmp(s, special[j], strlen(special[j])) == 0)
				sch = special[j];
		if (!sch)
			continue;
		k = strlen(sch);
		/* only absolute URLs with an authority: "scheme:" then two slashes or backslashes
		 */
		if (sn < k + 2 || !strchr("/\\", s[k]) || !strchr("/\\", s[k + 1]))
			continue;
		while (k < sn && (s[k] == '/' || s[k] == '\\'))
			k++;
		int fail = json_is_true(json_object_get(v, "failure"));
		const char *want = json_string_value(json_object_get(v, "hostname"));
		if (!fail && !want)
			continue;
		const char *why = "";
		int r = url_host_of(s + k, sn - k, &h, &why);
		int good = fail ? !r : (r && !strcmp(buf_cstr(&h), want));
		n++;
		if (good)
			pass++;
		else
			printf("# diff urltestdata: input '%s' want %s got %s (%s)\n", in,
			       fail ? "failure" : want, r ? buf_cstr(&h) : "failure",
			       why ? why : "");
	}
	json_decref(a);
	buf_fini(&h);
	*total = n;
	return n ? 100.0 * pass / n : 0;
}

static void own(void)
{
	struct buf h;
	const char *why;
	static const struct {
		const char *in, *want;
	} c[] = {
	    {"0x7f.1", "127.0.0.1"},
	    {"0300.0250.1.1", "192.168.1.1"},
	    {"3232235777", "192.168.1.1"},
	    {"1.2.3.4.", "1.2.3.4"},
	    {"EXAMPLE.com", "example.com"},
	    {"[::ffff:1.2.3.4]", "[::ffff:102:304]"},
	    {"b\xc3\xbc"
	     "cher.de",
	     "xn--bcher-kva.de"},
	    {"1.256", "1.0.1.0"},
	    {"a%2Eb", "a.b"},
	};
	static const char *const bad[] = {"1.2.3.256", "1.2.3.4.5", "0x100000000", "a b",
	                                  "[1::2::3]", "a%",        "foo.09",      ""};
	buf_init(&h, 0);
	for (size_t i = 0; i < sizeof c / sizeof c[0]; i++) {
		int r = url_whatwg_host(c[i].in, strlen(c[i].in), 0, &h, &why);
		is_str(r == V_OK ? buf_cstr(&h) : why, c[i].want, "host '%s'", c[i].in);
	}
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
		ok(url_whatwg_host(bad[i], strlen(bad[i]), 0, &h, &why) != V_OK, "'%s' fails (%s)",
		   bad[i], why ? why : "?");
	buf_fini(&h);
}

int main(void)
{
	const char *shared = getenv("VIGIA_SHARED");
	char dir[400], p[480];
	int n;

	own();
	snprintf(dir, sizeof dir, "%s/corpus/url/whatwg-wpt",
	         shared && *shared ? shared : "../shared");
	snprintf(p, sizeof p, "%s/toascii.json", dir);
	FILE *f = fopen(p, "r");
	if (!f) {
		printf("SKIP WHATWG host tests: %s not found\n", dir);
		return done_testing();
	}
	fclose(f);
	double r1 = run_toascii(p, &n);
	printf("# toascii.json: %.1f%% of %d\n", r1, n);
	ok(r1 >= TOASCII_FLOOR, "toascii.json pass rate %.1f%% >= %.1f%%", r1, TOASCII_FLOOR);
	snprintf(p, sizeof p, "%s/IdnaTestV2.json", dir);
	double r2 = run_toascii(p, &n);
	printf("# IdnaTestV2.json: %.1f%% of %d\n", r2, n);
	ok(r2 >= IDNA_FLOOR, "IdnaTestV2.json pass rate %.1f%% >= %.1f%%", r2, IDNA_FLOOR);
	snprintf(p, sizeof p, "%s/urltestdata.json", dir);
	double r3 = run_urltestdata(p, &n);
	printf("# urltestdata.json host subset: %.1f%% of %d\n", r3, n);
	ok(r3 >= URLTEST_FLOOR, "urltestdata host subset %.1f%% >= %.1f%%", r3, URLTEST_FLOOR);
	return done_testing();
}
