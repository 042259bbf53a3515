/*
 * test_url_check.c — the checker without a model: every heuristic reason fires on a URL made
 * for it and stays quiet on a plain one; verdicts (unknown, invalid, clean/malicious through
 * the lists); registrable domains from libpsl; hostile input never crashes.
 */
#include "analyze/url/url.h"
#include "tap.h"

static struct url_checker *K;
static struct url_result *R;

static int has(const char *name)
{
	for (size_t i = 0; i < R->nreasons; i++)
		if (!strcmp(R->reason[i].name, name))
			return R->reason[i].weight;
	return 0;
}

static void check(const char *url)
{
	url_check(K, url, strlen(url), R);
}

static void fires(const char *url, const char *name)
{
	check(url);
	ok(has(name) > 0, "%s: %s", name, url);
}

int main(void)
{
	struct verr e = {0};
	struct url_checker_options o = {0};
	struct url_holder *h = url_holder_new();
	struct url_list *b = url_list_new(), *a = url_list_new();

	url_list_add(b, "evil.example", 12, "t", 1, &e);
	url_list_add(a, "ok.evil.example", 15, "t", 2, &e);
	url_list_seal(b);
	url_list_seal(a);
	url_holder_set(h, url_lists_new(b, a));
	o.lists = h;
	if (url_checker_new(&o, &K, &e) != V_OK) {
		printf("not ok 1 - checker: %s\n", e.reason);
		return 1;
	}
	R = malloc(sizeof *R);
	url_result_init(R);

	check("https://www.example.com/about");
	ok(R->nreasons == 0 && R->verdict == URL_UNKNOWN, "a plain URL: no reason, unknown");
	is_str(R->registrable, "example.com", "registrable domain");
	check("http://a.b.example.co.uk/");
	is_str(R->registrable, "example.co.uk", "registrable domain under a two-label suffix");
	check("http://x.github.io/");
	is_str(R->registrable, "x.github.io", "private section of the list: github.io");

	fires("http://192.168.10.5/", "ip_host");
	fires("http://3232238085/", "ip_host");
	fires("http://[2001:db8::1]/", "ip_host");
	fires("http://example.com:8443/", "unusual_port");
	check("http://example.com:443/");
	ok(!has("unusual_port"), "port 443 is usual");
	fires("http://www.bank.com@evil.example/", "userinfo");
	is_int(has("userinfo"), 30, "a host name before '@' weighs more");
	fires("http://a.b.c.d.example.com/", "deep_subdomains");
	fires("http://xn--80ak6aa92e.com/", "punycode");
	fires("http://xn--pypal-4ve.com/", "brand_lookalike");
	fires("http://xn--pypal-4ve.com/", "confusable");
	fires("http://example.tk/", "suspicious_tld");
	fires("http://mybank.000webhostapp.com/", "free_hosting");
	fires("http://foo.duckdns.org/", "free_hosting");
	fires("https://bit.ly/abc", "shortener");
	fires("http://xkqzvbnmwrt.com/", "random_label");
	check("http://wikipedia.org/");
	ok(!has("random_label"), "a word is not random");
	fires("http://example.com/login/verify/account", "credential_words");
	is_int(has("credential_words"), 20, "three words weigh more");
	fires("http://paypal-secure.example.net/", "brand_outside");
	check("https://www.paypal.com/signin");
	ok(!has("brand_outside"), "the brand's own domain");
	fires("http://example.com/files/invoice.exe", "executable");
	fires("http://1.2.3.4/bins/mozi.m", "executable");
	fires("http://example.com/%61%62%63%64%65%66%67%68%69%6a%6b%6c%6d", "percent_encoding");

	char *big = malloc(20000);
	memcpy(big, "http://example.com/", 19);
	memset(big + 19, 'a', 20000 - 20);
	big[19999] = 0;
	fires(big, "too_long");
	free(big);

	check("http://www.evil.example/x");
	ok(R->verdict == URL_MALICIOUS && R->score == 100 && R->nmatch == 1,
	   "block list: malicious");
	is_str(R->match[0].kind, "host", "matched as a host entry");
	check("http://ok.evil.example/x");
	ok(R->verdict == URL_CLEAN && R->allowed && R->score == 0, "allow list wins");
	check("mailto:someone@example.com");
	ok(R->verdict == URL_INVALID && R->invalid, "invalid, with a reason: %s",
	   R->invalid ? R->invalid : "");
	check("");
	ok(R->verdict == URL_INVALID, "empty input is invalid");
	const char junk[] = "\xff\xfe\x00http://\x01\x02[::]%%%%@@::";
	url_check(K, junk, sizeof junk - 1, R);
	ok(1, "junk did not crash (%s)", url_verdict_name(R->verdict));
	ok(!url_checker_has_model(K), "no model");

	url_result_fini(R);
	free(R);
	url_checker_free(K);
	url_holder_free(h);
	return done_testing();
}
