/*
 * test_audit_scope.c — where the active checks may probe (src/cli/audit_scope.c): hosts given
 * on the command line and names under them, addresses only as themselves (IPv6 in any
 * spelling), the constituency's domains and networks (the host's own or the address it
 * resolved to), everything else refused with a sentence naming it; the host of a URL; the
 * --targets list reader; the rate settings.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "base/conf.h"
#include "cli/audit_scope.h"
#include "enrich/constituency.h"
#include "tap.h"

static int check(const struct audit_scope *s, const char *host, const char *addr, char *why)
{
	return audit_scope_check(s, host, addr, why, 256);
}

static void explicit_hosts(void)
{
	struct audit_scope s;
	char why[256];

	audit_scope_init(&s, "test");
	ok(!s.c && !s.nhosts, "a new scope: no constituency, nothing given");
	audit_scope_explicit(&s, "Example.ORG.");
	audit_scope_explicit(&s, "10.0.0.1");
	audit_scope_explicit(&s, "[2001:DB8::1]");
	is_int(check(&s, "example.org", NULL, why), AUDIT_SCOPE_EXPLICIT, "given: itself, any case");
	is_int(check(&s, "www.example.org", NULL, why), AUDIT_SCOPE_EXPLICIT,
	       "given: a name under it");
	is_int(check(&s, "badexample.org", NULL, why), AUDIT_SCOPE_REFUSED,
	       "not under: badexample.org");
	ok(strstr(why, "badexample.org") && strstr(why, "no constituency was loaded"),
	   "... and the reason names it (%s)", why);
	is_int(check(&s, "10.0.0.1", NULL, why), AUDIT_SCOPE_EXPLICIT, "an address: itself");
	is_int(check(&s, "5.10.0.0.1", NULL, why), AUDIT_SCOPE_REFUSED,
	       "an address has nothing under it");
	is_int(check(&s, "2001:db8:0::1", NULL, why), AUDIT_SCOPE_EXPLICIT,
	       "IPv6 in another spelling is the same host");
	is_int(check(&s, "", NULL, why), AUDIT_SCOPE_REFUSED, "an empty host is refused");
	audit_scope_fini(&s);
}

static void with_constituency(void)
{
	static const struct store_network nets[] = { { "192.0.2.0/24", 0 } };
	static const char *const doms[] = { "ejemplo.es" };
	struct store_org org = { .name = "Ejemplo", .networks = nets, .nnetworks = 1,
				 .domains = doms, .ndomains = 1 };
	struct audit_scope s;
	struct verr e = { 0 };
	char why[256];

	audit_scope_init(&s, "test");
	s.c = constituency_new();
	ok(s.c && constituency_add_org(s.c, &org, &e) == V_OK &&
		   constituency_index(s.c, &e) == V_OK,
	   "a constituency of one organisation");
	is_int(check(&s, "www.ejemplo.es", NULL, why), AUDIT_SCOPE_CONSTITUENCY,
	       "a name under its domain");
	ok(strstr(why, "Ejemplo") && strstr(why, "ejemplo.es"), "... the reason names the owner (%s)",
	   why);
	is_int(check(&s, "192.0.2.77", NULL, why), AUDIT_SCOPE_CONSTITUENCY,
	       "an address in its network");
	is_int(check(&s, "mx.provider.example", "192.0.2.25", why), AUDIT_SCOPE_CONSTITUENCY,
	       "a name outside, resolved into its network");
	is_int(check(&s, "mx.provider.example", "198.51.100.1", why), AUDIT_SCOPE_REFUSED,
	       "a name outside, resolved outside");
	ok(strstr(why, "mx.provider.example is not in the constituency"), "... named (%s)", why);
	is_int(check(&s, "198.51.100.1", NULL, why), AUDIT_SCOPE_REFUSED, "an address outside");
	is_int(check(&s, "ejemplo.es.evil.example", NULL, why), AUDIT_SCOPE_REFUSED,
	       "a name that only contains the domain");
	audit_scope_fini(&s);
}

static void url_hosts(void)
{
	char h[256];

	ok(!audit_scope_url_host("https://www.example.org/x?y", h, sizeof(h)) &&
		   !strcmp(h, "www.example.org"),
	   "URL host");
	ok(!audit_scope_url_host("http://u:p@[2001:db8::1]:8080/x", h, sizeof(h)) &&
		   !strcmp(h, "2001:db8::1"),
	   "URL host: user info, IPv6 in brackets, port (%s)", h);
	ok(!audit_scope_url_host("http://192.0.2.1:81", h, sizeof(h)) && !strcmp(h, "192.0.2.1"),
	   "URL host: an address and a port, no path");
	ok(audit_scope_url_host("not a url", h, sizeof(h)) != 0, "no scheme: no host");
	ok(audit_scope_url_host("http:///path", h, sizeof(h)) != 0, "an empty host: none");
	ok(audit_scope_url_host("http://[::1/", h, sizeof(h)) != 0, "an unclosed bracket: none");
}

static void lists_and_rates(void)
{
	char path[] = "/tmp/vigia-scope-XXXXXX", **t = NULL;
	long *lines = NULL;
	size_t n = 0;
	int fd = mkstemp(path), rate = 0;
	FILE *f = fd >= 0 ? fdopen(fd, "w") : NULL;

	if (f) {
		fputs("# a feed\n\n  http://a.example/  \r\nhttp://b.example/\n#x\n", f);
		fclose(f);
	}
	ok(f && audit_scope_read_list(path, &t, &lines, &n) == 0 && n == 2 &&
		   !strcmp(t[0], "http://a.example/") && lines[0] == 3 && lines[1] == 4,
	   "a --targets list: comments and blanks skipped, spaces trimmed, line numbers kept");
	audit_scope_free_list(t, lines, n);
	unlink(path);
	ok(audit_scope_read_list("/nonexistent/list", &t, &lines, &n) != 0 && !t && !n,
	   "a list that cannot be read: an exit status, nothing returned");
	conf_init();
	ok(audit_scope_rate(NULL, "audit.web_rate", "t", &rate) == 0 && rate == 5,
	   "the rate setting's default (audit.web_rate 5)");
	ok(audit_scope_rate("20", "audit.web_rate", "t", &rate) == 0 && rate == 20,
	   "--rate wins over the setting");
	ok(audit_scope_rate("0", "audit.web_rate", "t", &rate) != 0 &&
		   audit_scope_rate("x", "audit.web_rate", "t", &rate) != 0,
	   "a bad --rate is refused");
	conf_set("audit.proxy_rate", "500", NULL);
	ok(audit_scope_rate(NULL, "audit.proxy_rate", "t", &rate) != 0,
	   "a setting out of range is refused");
	conf_fini();
}

int main(void)
{
	explicit_hosts();
	with_constituency();
	url_hosts();
	lists_and_rates();
	return done_testing();
}
