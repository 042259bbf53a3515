/*
 * test_constituency.c — the constituency (src/enrich/constituency*): value checks, resolution
 * (its order, longest prefix among overlapping networks, IPv6 and IPv4-mapped addresses,
 * do-not-notify, domain suffixes label by label, URL hosts, events' sides, explanations),
 * the constituency files (tests/data/constituency/: the CSV and the JSON fixture say the same;
 * each bad file is refused naming its row), and an import through a store that is all or
 * nothing.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "base/conf.h"
#include "enrich/constituency.h"
#include "store/store.h"
#include "tap.h"

#define DATA "tests/data/constituency/"

/* ---- values ---------------------------------------------------------------------------------- */

static const char *net(const char *in)
{
	static char out[CONSTITUENCY_NETSTRLEN + 16];
	struct constituency_net n;
	struct verr e = { 0 };

	if (constituency_net_parse(in, &n, &e) != V_OK) {
		snprintf(out, sizeof(out), "ERR");
		return out;
	}
	constituency_net_format(&n, out);
	return out;
}

static void test_checks(void)
{
	struct verr e = { 0 };
	char out[256], cc[3], fpr[CONSTITUENCY_FPRLEN];
	const char *s;
	int64_t asn;
	int flag;

	is_str(net("192.0.2.0/24"), "192.0.2.0/24", "an IPv4 network");
	is_str(net("192.0.2.7"), "192.0.2.7/32", "a bare IPv4 address is a /32");
	is_str(net("2001:DB8:0:0::/32"), "2001:db8::/32", "IPv6, written canonically");
	is_str(net("2001:db8::1"), "2001:db8::1/128", "a bare IPv6 address is a /128");
	is_str(net("::ffff:192.0.2.0/120"), "192.0.2.0/24", "IPv4-mapped is the IPv4 network");
	is_str(net("0.0.0.0/0"), "0.0.0.0/0", "everything (IPv4)");
	is_str(net("::/0"), "::/0", "everything (IPv6)");
	is_str(net("192.0.2.0/33"), "ERR", "/33 for IPv4");
	is_str(net("2001:db8::/129"), "ERR", "/129 for IPv6");
	is_str(net("192.0.2.0/"), "ERR", "an empty prefix length");
	is_str(net("192.0.2.0/+8"), "ERR", "a signed prefix length");
	is_str(net("192.0.2.0/24x"), "ERR", "junk after the length");
	is_str(net("192.0.2/24"), "ERR", "three octets");
	is_str(net("192.0.2.256/32"), "ERR", "an octet over 255");
	is_str(net(" 192.0.2.0/24"), "ERR", "spaces are the caller's business");
	is_str(net("::ffff:192.0.2.0/95"), "ERR", "IPv4-mapped shorter than /96");
	is_str(net("example.com"), "ERR", "a name");
	{
		struct constituency_net n;
		is_int(constituency_net_parse("192.0.2.1/24", &n, &e), V_ERR_INVALID,
		       "host bits set");
		ok(strstr(e.reason, "192.0.2.0/24") != NULL, "... naming the network meant: %s",
		   e.reason);
		is_int(constituency_net_parse("2001:db8::1/32", &n, &e), V_ERR_INVALID,
		       "host bits set (IPv6)");
		ok(strstr(e.reason, "2001:db8::/32") != NULL, "... %s", e.reason);
	}

	is_int(constituency_asn("AS64500", &asn, &e), V_OK, "AS64500");
	is_int(asn, 64500, "... is 64500");
	is_int(constituency_asn("as4294967294", &asn, &e), V_OK, "the largest AS number");
	is_int(constituency_asn("0", &asn, &e), V_ERR_INVALID, "AS 0");
	is_int(constituency_asn("4294967295", &asn, &e), V_ERR_INVALID, "past 32 bits less one");
	is_int(constituency_asn("-5", &asn, &e), V_ERR_INVALID, "negative");
	is_int(constituency_asn("AS", &asn, &e), V_ERR_INVALID, "no digits");
	is_int(constituency_asn("64500x", &asn, &e), V_ERR_INVALID, "junk after");

	is_int(constituency_domain("WWW.Example.COM.", out, &e), V_OK, "a domain");
	is_str(out, "www.example.com", "... lower-case, no trailing dot");
	is_int(constituency_domain("*.example.com", out, &e), V_OK, "a wildcard");
	is_str(out, "example.com", "... is the domain itself");
	is_int(constituency_domain("bücher.example", out, &e), V_OK, "an international name");
	is_str(out, "xn--bcher-kva.example", "... as IDNA");
	is_int(constituency_domain("192.0.2.1", out, &e), V_ERR_INVALID, "an address is refused");
	is_int(constituency_domain("", out, &e), V_ERR_INVALID, "empty");
	is_int(constituency_domain("a..b", out, &e), V_ERR_INVALID, "an empty label");
	is_int(constituency_domain("exa mple.com", out, &e), V_ERR_INVALID, "a space");
	is_int(constituency_domain("example.com/x", out, &e), V_ERR_INVALID, "a path");

	is_int(constituency_email("Abuse.Desk+cert@Example.ORG", out, sizeof(out), &e), V_OK,
	       "an e-mail address");
	is_str(out, "Abuse.Desk+cert@example.org",
	       "... its domain lower-cased, not its local part");
	{
		static const char *const badmail[] = {
			"abuse", "abuse@", "@example.org", "abuse@example", "abuse@@example.org",
			"a b@example.org", "abuse@example..org", ".abuse@example.org",
			"abuse.@example.org", "ab..use@example.org", "abuse@-example.org",
			"abuse@example-.org", "abuse@example.123", "abuse@exa_mple.org",
			"abuse@example.org.", "<abuse@example.org>", NULL
		};
		for (int i = 0; badmail[i]; i++)
			is_int(constituency_email(badmail[i], out, sizeof(out), &e), V_ERR_INVALID,
			       "malformed e-mail: %s", badmail[i]);
	}

	is_int(constituency_cc("es", cc, &e), V_OK, "es");
	is_str(cc, "ES", "... upper-cased");
	is_int(constituency_cc("XK", cc, &e), V_OK, "XK (Kosovo, user-assigned, in common use)");
	is_int(constituency_cc("ZZ", cc, &e), V_ERR_INVALID, "ZZ is no country");
	is_int(constituency_cc("UK", cc, &e), V_ERR_INVALID, "UK is not ISO 3166-1");
	ok(strstr(e.reason, "GB") != NULL, "... the reason says GB: %s", e.reason);
	is_int(constituency_cc("ESP", cc, &e), V_ERR_INVALID, "alpha-3 is refused");
	is_str(constituency_country_name("PT"), "Portugal", "a country's name");
	ok(constituency_country_name("QQ") == NULL, "no name for an unknown code");

	is_int(constituency_lang("ES", &s, &e), V_OK, "language ES");
	is_str(s, "es", "... canonical");
	is_int(constituency_lang("fr", &s, &e), V_ERR_INVALID, "language fr is not one of ours");
	is_int(constituency_format("XARF", &s, &e), V_OK, "format XARF");
	is_str(s, "xarf", "... canonical");
	is_int(constituency_format("pdf", &s, &e), V_ERR_INVALID, "format pdf");

	is_int(constituency_fingerprint("0x0123 4567 89ab cdef 0123  4567 89AB CDEF 0123 4567",
					fpr, &e), V_OK, "a v4 fingerprint with spaces and 0x");
	is_str(fpr, "0123456789ABCDEF0123456789ABCDEF01234567", "... canonical");
	is_int(constituency_fingerprint("0123456789ABCDEF0123456789ABCDEF"
					"0123456789ABCDEF0123456789ABCDEF", fpr, &e), V_OK,
	       "a v5/v6 fingerprint (64 digits)");
	is_int(constituency_fingerprint("0123456789ABCDEF", fpr, &e), V_ERR_INVALID,
	       "a key id is not a fingerprint");
	is_int(constituency_fingerprint("0123456789ABCDEF0123456789ABCDEF0123456G", fpr, &e),
	       V_ERR_INVALID, "not hexadecimal");

	is_int(constituency_flag("Yes", &flag, &e), V_OK, "yes");
	is_int(flag, 1, "... is 1");
	is_int(constituency_flag("", &flag, &e), V_OK, "empty");
	is_int(flag, 0, "... is no");
	is_int(constituency_flag("maybe", &flag, &e), V_ERR_INVALID, "maybe");
}

/* ---- resolution ------------------------------------------------------------------------------ */

static const struct store_contact uni_c[] = { { "abuse@uni.example", "Abuse", "es", "csv",
						 NULL } };
static const struct store_contact isp_c[] = { { "noc@isp.example", NULL, "en", NULL, NULL } };
static const struct store_contact de_c[] = { { "certbund@bsi.bund.de", NULL, "en", "xarf",
						NULL } };

/* Three organisations with overlapping networks, a quiet one, and two partner CERTs. */
static struct constituency *sample(void)
{
	static const struct store_network uni_n[] = {
		{ "192.0.2.0/24", 0 }, { "192.0.2.128/25", 0 }, { "2001:db8:100::/48", 0 },
		{ "192.0.2.192/26", 1 }
	};
	static const int64_t uni_a[] = { 64500 };
	static const char *const uni_d[] = { "uni.example" };
	static const struct store_network isp_n[] = {
		{ "192.0.0.0/16", 0 }, { "2001:db8::/32", 0 }, { "0.0.0.0/0", 0 }
	};
	static const int64_t isp_a[] = { 64501, 64502 };
	static const char *const isp_d[] = { "isp.example", "example" };
	static const struct store_network lab_n[] = {
		{ "192.0.2.64/27", 0 }, { "192.0.2.77/32", 0 }, { "2001:db8:100:1::/64", 0 },
		{ "2001:db8:100:1::5/128", 0 }
	};
	static const char *const lab_d[] = { "lab.uni.example" };
	static const struct store_network quiet_n[] = { { "203.0.113.0/24", 0 } };
	static const char *const quiet_d[] = { "quiet.example" };
	struct store_org uni = { .name = "Uni", .networks = uni_n, .nnetworks = 4, .asns = uni_a,
				 .nasns = 1, .domains = uni_d, .ndomains = 1, .contacts = uni_c,
				 .ncontacts = 1 };
	struct store_org isp = { .name = "ISP", .networks = isp_n, .nnetworks = 3, .asns = isp_a,
				 .nasns = 2, .domains = isp_d, .ndomains = 2, .contacts = isp_c,
				 .ncontacts = 1 };
	struct store_org lab = { .name = "Lab", .networks = lab_n, .nnetworks = 4,
				 .domains = lab_d, .ndomains = 1 };
	struct store_org quiet = { .name = "Quiet", .do_not_notify = 1, .networks = quiet_n,
				   .nnetworks = 1, .domains = quiet_d, .ndomains = 1 };
	struct store_cert de = { .cc = "DE", .name = "CERT-Bund", .contacts = de_c,
				 .ncontacts = 1 };
	struct store_cert pt = { .cc = "PT", .name = "CERT.PT" };
	struct constituency *c = constituency_new();
	struct verr e = { 0 };

	if (!c || constituency_add_org(c, &uni, &e) || constituency_add_org(c, &isp, &e) ||
	    constituency_add_org(c, &lab, &e) || constituency_add_org(c, &quiet, &e) ||
	    constituency_add_cert(c, &de, &e) || constituency_add_cert(c, &pt, &e) ||
	    constituency_index(c, &e)) {
		printf("# sample: %s\n", e.reason);
		constituency_free(c);
		return NULL;
	}
	return c;
}

/* Resolve and describe: "rule org/cert value dnn=N n=candidates". */
static const char *res(const struct constituency *c, const struct constituency_query *q)
{
	static char out[512];
	struct constituency_match m;

	constituency_resolve(c, q, &m);
	snprintf(out, sizeof(out), "%s %s %s dnn=%u", constituency_rule_name(m.rule),
		 m.org ? m.org : m.cert ? m.cert : "-", m.value[0] ? m.value : "-",
		 m.do_not_notify);
	return out;
}

static const char *ip(const struct constituency *c, const char *addr)
{
	struct constituency_query q = { .ip = addr };

	return res(c, &q);
}

static const char *dom(const struct constituency *c, const char *d)
{
	struct constituency_query q = { .domain = d };

	return res(c, &q);
}

static void test_resolve(void)
{
	struct constituency *c = sample();
	struct constituency_match m;
	size_t no, nn, nc;

	ok(c != NULL, "a constituency built and indexed");
	if (!c)
		return;
	constituency_counts(c, &no, &nn, &nc);
	ok(no == 4 && nn == 12 && nc == 2, "4 organisations, 12 networks, 2 CERTs");

	/* the longest prefix among overlapping networks, of one owner or of several */
	is_str(ip(c, "192.0.2.1"), "network Uni 192.0.2.0/24 dnn=0", "/24 inside a /16 and a /0");
	is_str(ip(c, "192.0.2.130"), "network Uni 192.0.2.128/25 dnn=0", "/25 inside the /24");
	is_str(ip(c, "192.0.2.70"), "network Lab 192.0.2.64/27 dnn=0",
	       "another organisation's /27 inside Uni's /24");
	is_str(ip(c, "192.0.2.77"), "network Lab 192.0.2.77/32 dnn=0", "a single address (/32)");
	is_str(ip(c, "192.0.2.76"), "network Lab 192.0.2.64/27 dnn=0", "the one beside it");
	is_str(ip(c, "192.0.2.63"), "network Uni 192.0.2.0/24 dnn=0", "just below the /27");
	is_str(ip(c, "192.0.2.96"), "network Uni 192.0.2.0/24 dnn=0", "just above the /27");
	is_str(ip(c, "192.0.2.200"), "network Uni 192.0.2.192/26 dnn=2",
	       "a quiet network: do not notify, set on the network");
	is_str(ip(c, "192.0.2.191"), "network Uni 192.0.2.128/25 dnn=0", "just below it");
	is_str(ip(c, "192.0.3.1"), "network ISP 192.0.0.0/16 dnn=0", "the /16 around");
	is_str(ip(c, "8.8.8.8"), "network ISP 0.0.0.0/0 dnn=0", "the /0 catches the rest");
	is_str(ip(c, "203.0.113.9"), "network Quiet 203.0.113.0/24 dnn=1",
	       "an organisation that is not to be notified");
	/* IPv6, and IPv4 written as IPv6 */
	is_str(ip(c, "2001:db8:100::1"), "network Uni 2001:db8:100::/48 dnn=0", "IPv6 /48 in /32");
	is_str(ip(c, "2001:db8:101::1"), "network ISP 2001:db8::/32 dnn=0", "IPv6 /32 around it");
	is_str(ip(c, "2001:db8:100:1::5"), "network Lab 2001:db8:100:1::5/128 dnn=0",
	       "IPv6 /128 in /64 in /48 in /32");
	is_str(ip(c, "2001:db8:100:1::6"), "network Lab 2001:db8:100:1::/64 dnn=0", "... its /64");
	is_str(ip(c, "2001:db8:100:2::5"), "network Uni 2001:db8:100::/48 dnn=0", "... its /48");
	is_str(ip(c, "2001:db9::1"), "none - - dnn=0",
	       "IPv6 outside: IPv4 networks (0.0.0.0/0 too) hold no IPv6 address");
	is_str(ip(c, "::ffff:192.0.2.130"), "network Uni 192.0.2.128/25 dnn=0",
	       "an IPv4-mapped address is the IPv4 address");
	is_str(ip(c, "192.0.2.999"), "none - - dnn=0", "not an address: nothing");

	/* the order: network, then AS, then domain, then the country's CERT */
	{
		struct constituency_query q = { .ip = "192.0.2.1", .asn = 64501,
						.domain = "www.isp.example", .cc = "DE" };
		is_str(res(c, &q), "network Uni 192.0.2.0/24 dnn=0", "the network first");
		q.ip = "2001:db9::1";
		is_str(res(c, &q), "asn ISP AS64501 dnn=0", "then the AS");
		q.asn = 65000;
		is_str(res(c, &q), "domain ISP isp.example dnn=0", "then the domain");
		q.domain = "www.nowhere.test";
		is_str(res(c, &q), "cert CERT-Bund DE dnn=0", "then the partner CERT");
		q.cc = "pt";
		is_str(res(c, &q), "cert CERT.PT PT dnn=0", "... any case");
		q.cc = "FR";
		is_str(res(c, &q), "none - - dnn=0", "no CERT for FR: nothing");
		q.cc = "D";
		is_str(res(c, &q), "none - - dnn=0", "a country code that is none");
	}
	/* domains: label by label, the longest wins */
	is_str(dom(c, "uni.example"), "domain Uni uni.example dnn=0", "the domain itself");
	is_str(dom(c, "www.uni.example"), "domain Uni uni.example dnn=0", "a name under it");
	is_str(dom(c, "WWW.Uni.Example."), "domain Uni uni.example dnn=0",
	       "any case, a trailing dot");
	is_str(dom(c, "a.b.lab.uni.example"), "domain Lab lab.uni.example dnn=0",
	       "the longer domain of another organisation");
	is_str(dom(c, "badlab.uni.example"), "domain Uni uni.example dnn=0",
	       "badlab.uni.example is not under lab.uni.example");
	is_str(dom(c, "baduni.example"), "domain ISP example dnn=0",
	       "baduni.example is not under uni.example (only under example)");
	is_str(dom(c, "example"), "domain ISP example dnn=0", "a top-level name held as such");
	is_str(dom(c, "uni.example.org"), "none - - dnn=0", "a name that ends elsewhere");
	is_str(dom(c, "ni.example.net"), "none - - dnn=0", "no suffix match by characters");
	is_str(dom(c, "www.quiet.example"), "domain Quiet quiet.example dnn=1",
	       "a quiet organisation by its domain");
	/* URLs: the host, without user, port or brackets */
	{
		struct constituency_query q = {
			.url = "https://user:pw@www.Uni.example:8443/a?b#c"
		};
		is_str(res(c, &q), "domain Uni uni.example dnn=0", "the host of a URL");
		q.url = "http://192.0.2.70/login";
		is_str(res(c, &q), "network Lab 192.0.2.64/27 dnn=0", "a URL with an address");
		q.url = "http://[2001:db8:100::5]:80/";
		is_str(res(c, &q), "network Uni 2001:db8:100::/48 dnn=0", "a URL with IPv6");
		q.url = "www.lab.uni.example/path";
		is_str(res(c, &q), "domain Lab lab.uni.example dnn=0", "a URL without a scheme");
		q.url = "http:///nohost";
		is_str(res(c, &q), "none - - dnn=0", "a URL without a host");
	}
	/* an address as the ipdb gives it */
	{
		struct constituency_query q = { .addr = { .family = 4, .lo = 0xc0000282 } };
		is_str(res(c, &q), "network Uni 192.0.2.128/25 dnn=0", "a parsed address");
	}

	/* explanations */
	{
		struct constituency_query q = { .ip = "192.0.2.70", .explain = 1 };
		constituency_resolve(c, &q, &m);
		is_int(m.candidates, 4, "4 networks hold 192.0.2.70: /27, /24, /16, /0");
		is_str(m.explain, "network 192.0.2.64/27 of Lab contains 192.0.2.70: the longest "
				  "prefix of the 4 networks that do",
		       "explained: the longest of 4");
		q.ip = "192.0.2.200";
		constituency_resolve(c, &q, &m);
		ok(strstr(m.explain, "do not notify: set on the network") != NULL,
		   "explained: do not notify: %s", m.explain);
		ok(m.ncontacts == 1 && !strcmp(m.contacts[0].email, "abuse@uni.example"),
		   "... the organisation's contacts are given all the same");
		q.ip = "2001:db9::1";
		q.asn = 64500;
		constituency_resolve(c, &q, &m);
		is_str(m.explain, "AS64500 belongs to Uni (no network of the constituency contains "
				  "2001:db9::1)", "explained: the AS, and why not a network");
		q.asn = 0;
		q.domain = "www.nowhere.test";
		q.cc = "DE";
		constituency_resolve(c, &q, &m);
		is_str(m.explain, "the partner CERT of DE (Germany) is CERT-Bund (no network of "
				  "the constituency contains 2001:db9::1; no domain of the "
				  "constituency covers www.nowhere.test)", "explained: the CERT");
		ok(m.ncontacts == 1 && !strcmp(m.contacts[0].email, "certbund@bsi.bund.de") &&
		   m.org == NULL && !strcmp(m.cc, "DE"), "... the CERT's contacts");
		q.cc = NULL;
		constituency_resolve(c, &q, &m);
		ok(!strncmp(m.explain, "nothing matched: no network", 27), "explained: nothing: %s",
		   m.explain);
		memset(&q, 0, sizeof(q));
		q.explain = 1;
		constituency_resolve(c, &q, &m);
		is_str(m.explain, "nothing to match: no address, AS, domain or country given",
		       "explained: an empty question");
		q.ip = "192.0.2.1";
		q.explain = 0;
		constituency_resolve(c, &q, &m);
		ok(m.explain[0] == 0 && m.rule == CONSTITUENCY_NETWORK, "no explanation unasked");
		q.ip = "203.0.113.1";
		q.explain = 1;
		constituency_resolve(c, &q, &m);
		ok(m.do_not_notify == CONSTITUENCY_DNN_ORG &&
		   strstr(m.explain, "set on the organisation"),
		   "explained: the organisation's flag");
	}

	/* an event: each side */
	{
		struct event *ev = event_new();
		struct verr e = { 0 };
		event_set_str(ev, "source.ip", "192.0.2.130", 0, &e);
		event_set_str(ev, "destination.ip", "2001:db9::9", 0, &e);
		event_set_int(ev, "destination.asn", 64502, 0, &e);
		is_int(constituency_resolve_event(c, ev, CONSTITUENCY_SOURCE, 0, &m),
		       CONSTITUENCY_NETWORK, "an event's source: by its address");
		is_str(m.org, "Uni", "... Uni");
		is_int(constituency_resolve_event(c, ev, CONSTITUENCY_DESTINATION, 0, &m),
		       CONSTITUENCY_ASN, "its destination: by its AS (from the event)");
		is_str(m.org, "ISP", "... ISP");
		event_clear(ev);
		event_set_str(ev, "source.url", "http://www.lab.uni.example/x", 0, &e);
		event_set_str(ev, "source.geolocation.cc", "PT", 0, &e);
		is_int(constituency_resolve_event(c, ev, CONSTITUENCY_SOURCE, 0, &m),
		       CONSTITUENCY_DOMAIN, "a URL event: the URL's host");
		is_str(m.org, "Lab", "... Lab");
		event_set_str(ev, "source.fqdn", "mail.nowhere.test", 0, &e);
		is_int(constituency_resolve_event(c, ev, CONSTITUENCY_SOURCE, 0, &m),
		       CONSTITUENCY_CERT, "source.fqdn first, then the country");
		is_str(m.cert, "CERT.PT", "... CERT.PT");
		event_free(ev);
	}
	constituency_free(c);

	/* one value, two organisations: indexing refuses */
	{
		static const struct store_network n1[] = { { "192.0.2.0/24", 0 } };
		static const struct store_network n2[] = { { "::ffff:192.0.2.0/120", 0 } };
		struct store_org a = { .name = "A", .networks = n1, .nnetworks = 1 };
		struct store_org b = { .name = "B", .networks = n2, .nnetworks = 1 };
		struct verr e = { 0 };
		c = constituency_new();
		constituency_add_org(c, &a, &e);
		constituency_add_org(c, &b, &e);
		is_int(constituency_index(c, &e), V_ERR_EXISTS,
		       "the same network (as IPv4-mapped) of two organisations");
		ok(strstr(e.reason, "192.0.2.0/24") && strstr(e.reason, "both A and B"),
		   "... naming it and both: %s", e.reason);
		constituency_free(c);
	}
	{
		struct constituency_query q = { .ip = "192.0.2.1" };
		c = constituency_new();
		is_int(constituency_index(c, NULL), V_OK, "an empty constituency indexes");
		is_int(constituency_resolve(c, &q, &m), CONSTITUENCY_NONE, "... and finds nothing");
		constituency_free(c);
	}
}

/* ---- files ----------------------------------------------------------------------------------- */

static void test_files(void)
{
	static const struct {
		const char *file;
		long line;
		const char *field, *reason;
	} bad[] = {
		{ "bad-cidr.csv", 4, "value", "'192.0.2.300/24' is not a network" },
		{ "bad-hostbits.json", 0, "organisations[1].networks[1]", "host bits set" },
		{ "bad-duplicate.csv", 5, "value", "network 192.0.2.0/24 belongs to two" },
		{ "bad-duplicate.json", 0, "organisations[1].networks[0]", "2001:db8::/32" },
		{ "bad-country.csv", 4, "owner", "'ZZ' is not an ISO 3166-1 alpha-2" },
		{ "bad-email.json", 0, "organisations[0].contacts[1].email", "not an e-mail" },
		{ "bad-lang.csv", 3, "lang", "'fr'" },
		{ "bad-format.csv", 3, "format", "'pdf'" },
		{ "bad-owner.csv", 4, "owner", "'Unno' is not in this file" },
	};
	struct constituency_file *f = NULL;
	struct verr e = { 0 };
	size_t no = 0, nc = 0;

	is_int(constituency_file_read(DATA "good.csv", CONSTITUENCY_FMT_AUTO, &f, &e), V_OK,
	       "the CSV fixture reads (%s)", e.reason);
	if (f) {
		constituency_file_counts(f, &no, &nc);
		ok(no == 3 && nc == 2, "... 3 organisations, 2 CERTs");
		constituency_file_free(f);
	}
	is_int(constituency_file_read(DATA "good.json", CONSTITUENCY_FMT_AUTO, &f, &e), V_OK,
	       "the JSON fixture reads (%s)", e.reason);
	constituency_file_free(f);
	f = NULL;
	is_int(constituency_file_read(DATA "good.json", CONSTITUENCY_FMT_CSV, &f, &e),
	       V_ERR_INVALID, "JSON read as CSV is refused (%s)", e.reason);
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		char path[256];
		int rc;
		memset(&e, 0, sizeof(e));
		snprintf(path, sizeof(path), DATA "%s", bad[i].file);
		rc = constituency_file_read(path, CONSTITUENCY_FMT_AUTO, &f, &e);
		ok(rc != V_OK && f == NULL, "%s refused", bad[i].file);
		ok(e.file && !strcmp(e.file, path) && e.line == bad[i].line &&
		   !strcmp(e.field, bad[i].field) && strstr(e.reason, bad[i].reason),
		   "... naming file, row and field: %s:%ld: %s: %s", e.file ? e.file : "?", e.line,
		   e.field, e.reason);
	}
	is_int(constituency_file_read(DATA "missing.csv", CONSTITUENCY_FMT_AUTO, &f, &e), V_ERR_IO,
	       "a missing file: %s", e.reason);
}

/* An import through a store: all or nothing, and what the store resolves. */
static void test_store_import(void)
{
	char dir[] = "/tmp/vigia-test-constituency-XXXXXX", path[256], p2[300];
	struct constituency_file *f = NULL;
	struct constituency *c = NULL;
	struct constituency_match m;
	struct constituency_query q = { .ip = "198.51.100.200" };
	struct store *st = NULL;
	struct store_org *o = NULL;
	struct verr e = { 0 };
	static const struct store_network other_n[] = { { "203.0.113.0/24", 0 } };
	struct store_org other = { .name = "Already There", .networks = other_n, .nnetworks = 1 };
	int rc;

	if (!mkdtemp(dir)) {
		ok(0, "mkdtemp");
		return;
	}
	snprintf(path, sizeof(path), "%s/c.db", dir);
	is_int(store_open(tap_store_path(path), &st, &e), V_OK, "a store");
	if (!st)
		return;
	store_org_put(st, &other, &e);
	/* Hospital Privado's 203.0.113.0/24 is another organisation's in the store */
	constituency_file_read(DATA "good.csv", CONSTITUENCY_FMT_AUTO, &f, &e);
	store_begin(st, &e);
	rc = constituency_file_apply(st, f, 0, &e);
	is_int(rc, V_ERR_EXISTS, "a network held by an organisation outside the file");
	ok(e.line == 20 && strstr(e.reason, "Already There") && strstr(e.reason, "203.0.113.0/24"),
	   "... naming the row and the owner: %ld: %s", e.line, e.reason);
	store_rollback(st);
	is_int(store_org_get(st, "Universidad Ejemplo", &o, &e), V_ERR_NOTFOUND,
	       "nothing of the file is in the store");
	/* with --replace the file is the whole constituency */
	store_begin(st, &e);
	is_int(constituency_file_apply(st, f, 1, &e), V_OK, "replacing: imported (%s)", e.reason);
	store_commit(st, &e);
	is_int(store_org_get(st, "Already There", &o, &e), V_ERR_NOTFOUND, "... the other is gone");
	is_int(store_org_get(st, "universidad ejemplo", &o, &e), V_OK, "... the file's are there");
	if (o) {
		ok(o->nnetworks == 2 && o->ncontacts == 1 && o->notes &&
		   !strcmp(o->notes, "Campus network: ask the NOC first,\nthen the abuse desk") &&
		   !strcmp(o->contacts[0].email, "abuse@ejemplo.edu") &&
		   !strcmp(o->contacts[0].fingerprint, "0123456789ABCDEF0123456789ABCDEF01234567"),
		   "... canonical values, a quoted note over two lines");
		store_org_free(o);
	}
	/* importing again (not replacing) changes nothing: each organisation replaces itself */
	store_begin(st, &e);
	is_int(constituency_file_apply(st, f, 0, &e), V_OK, "imported again (%s)", e.reason);
	store_commit(st, &e);
	constituency_file_free(f);
	is_int(constituency_load(st, &c, &e), V_OK, "loaded from the store");
	if (c) {
		is_int(constituency_resolve(c, &q, &m), CONSTITUENCY_NETWORK, "198.51.100.200");
		ok(!strcmp(m.org, "Proveedor Grande") &&
		   m.do_not_notify == CONSTITUENCY_DNN_NETWORK,
		   "... Proveedor Grande's quiet network");
		q.ip = NULL;
		q.domain = "x.lab.proveedor.example";
		constituency_resolve(c, &q, &m);
		ok(m.rule == CONSTITUENCY_DOMAIN && !strcmp(m.org, "Hospital Privado") &&
		   m.do_not_notify == CONSTITUENCY_DNN_ORG, "a domain of a quiet organisation");
		constituency_free(c);
	}
	/* export, then read the export back: the same */
	{
		FILE *out;
		snprintf(p2, sizeof(p2), "%s/out.json", dir);
		out = fopen(p2, "w");
		is_int(constituency_export(st, CONSTITUENCY_FMT_JSON, out, &e), V_OK, "exported");
		fclose(out);
		is_int(constituency_file_read(p2, CONSTITUENCY_FMT_AUTO, &f, &e), V_OK,
		       "the export reads back (%s)", e.reason);
		if (f) {
			struct constituency_diff d;
			is_int(constituency_file_diff(st, f, 1, &d, &e), V_OK, "the export's diff");
			ok(d.orgs_added == 0 && d.orgs_changed == 0 && d.orgs_removed == 0 &&
			   d.orgs_unchanged == 3 && d.certs_changed == 0 && d.certs_removed == 0 &&
			   d.certs_unchanged > 0,
			   "... changes nothing (%zu unchanged, %zu changed)", d.orgs_unchanged,
			   d.orgs_changed);
		}
		constituency_file_free(f);
		unlink(p2);
	}
	/* what an import would change: one organisation new, one with a network less, the
	 * rest removed only when replacing */
	{
		static const char one[] =
			"kind,owner,value,name,do_not_notify,lang,format,fingerprint,notes\n"
			"organisation,Nueva,,,no,,,,\n"
			"domain,Nueva,nueva.example,,,,,,\n"
			"organisation,Universidad Ejemplo,,,no,,,,\n"
			"network,Universidad Ejemplo,192.0.2.0/24,,,,,,\n";
		struct constituency_diff d;
		is_int(constituency_file_read_buffer("one.csv", one, sizeof(one) - 1,
						     CONSTITUENCY_FMT_CSV, &f, &e), V_OK,
		       "a smaller file (%s)", e.reason);
		if (f) {
			constituency_file_diff(st, f, 0, &d, &e);
			ok(d.orgs_added == 1 && d.orgs_changed == 1 && d.orgs_unchanged == 0 &&
			   d.orgs_removed == 0, "diff: 1 added, 1 changed, none removed");
			constituency_file_diff(st, f, 1, &d, &e);
			ok(d.orgs_removed == 2 && d.certs_removed > 0,
			   "... replacing: the other 2 organisations and the CERTs removed");
			constituency_file_free(f);
		}
	}
	store_close(st);
	{
		static const char *const sfx[] = { "", "-wal", "-shm" };
		for (int i = 0; i < 3; i++) {
			snprintf(p2, sizeof(p2), "%s%s", path, sfx[i]);
			unlink(p2);
		}
	}
	rmdir(dir);
}

struct row_errors {
	long line[8];
	char field[8][64];
	int n;
};

static int row_error(void *arg, const struct verr *e)
{
	struct row_errors *r = arg;

	if (r->n < 8) {
		r->line[r->n] = e->line;
		snprintf(r->field[r->n], sizeof(r->field[0]), "%s", e->field);
	}
	r->n++;
	return V_OK;
}

/* Every bad row of a CSV file, with its line and column, not only the first. */
static void test_all_errors(void)
{
	static const char bad[] =
		"kind,owner,value,name,do_not_notify,lang,format,fingerprint,notes\n"
		"organisation,X,,,no,,,,\n"
		"network,X,300.1.1.0/24,,,,,,\n"
		"asn,X,ASfoo,,,,,,\n"
		"domain,X,x.example,,,,,,\n"
		"bogus,X,,,,,,,\n"
		"contact,Y,a@b.example,,,,,,\n";
	struct row_errors r = { 0 };
	struct constituency_file *f = NULL;
	struct verr e = { 0 };

	is_int(constituency_file_check_buffer("bad.csv", bad, sizeof(bad) - 1, CONSTITUENCY_FMT_CSV,
					      row_error, &r, &f, &e),
	       V_ERR_INVALID, "a file with 4 bad rows is refused");
	ok(f == NULL && r.n == 4, "... each bad row reported (%d)", r.n);
	ok(r.line[0] == 6 && !strcmp(r.field[0], "kind") && r.line[1] == 3 &&
	   !strcmp(r.field[1], "value") && r.line[2] == 4 && r.line[3] == 7 &&
	   !strcmp(r.field[3], "owner"), "... with its line and column");
	ok(strstr(e.reason, "4") != NULL, "... and the count in the error: %s", e.reason);
	r.n = 0;
	is_int(constituency_file_read_buffer("bad.csv", bad, sizeof(bad) - 1, CONSTITUENCY_FMT_CSV,
					     &f, &e), V_ERR_INVALID, "without a callback: refused");
	ok(e.line == 6 || e.line == 3, "... at the first bad row found (%ld)", e.line);
}

/* Every bad organisation and CERT of a JSON file, each by its JSON path, not only the first;
 * the good ones around them read. */
static void test_all_errors_json(void)
{
	static const char bad[] =
		"{\"organisations\": ["
		"{\"name\": \"Good\", \"networks\": [\"192.0.2.0/24\"]},"
		"{\"name\": \"A\", \"networks\": [\"192.0.2.0/33\"]},"
		"42,"
		"{\"name\": \"B\", \"asns\": [\"AS64500\", \"ASfoo\"]},"
		"{\"name\": \"C\", \"colour\": \"red\"},"
		"{\"name\": \"Good too\", \"domains\": [\"good.example\"]}],"
		"\"certs\": [{\"country\": \"XX1\", \"name\": \"CERT-X\"},"
		"{\"country\": \"ES\", \"name\": \"CERT-ES\"}]}";
	struct row_errors r = { 0 };
	struct constituency_file *f = NULL;
	struct verr e = { 0 };

	is_int(constituency_file_check_buffer("bad.json", bad, sizeof(bad) - 1,
					      CONSTITUENCY_FMT_JSON, row_error, &r, &f, &e),
	       V_ERR_INVALID, "a JSON file with 5 bad entries is refused");
	ok(f == NULL && r.n == 5, "... each bad entry reported (%d)", r.n);
	ok(!strcmp(r.field[0], "organisations[1].networks[0]") &&
	   !strcmp(r.field[1], "organisations[2]") &&
	   !strncmp(r.field[2], "organisations[3].asns[1]", 24) &&
	   !strncmp(r.field[3], "organisations[4]", 16) && !strncmp(r.field[4], "certs[0]", 8),
	   "... each by its JSON path (%s, %s, %s, %s, %s)", r.field[0], r.field[1], r.field[2],
	   r.field[3], r.field[4]);
	ok(strstr(e.reason, "5") != NULL, "... and the count in the error: %s", e.reason);
	r.n = 0;
	is_int(constituency_file_read_buffer("bad.json", bad, sizeof(bad) - 1,
					     CONSTITUENCY_FMT_JSON, &f, &e),
	       V_ERR_INVALID, "without a callback: refused at the first");
	ok(!strcmp(e.field, "organisations[1].networks[0]"), "... which it names (%s)", e.field);
}

int main(void)
{
	conf_init();
	test_checks();
	test_resolve();
	test_files();
	test_store_import();
	test_all_errors();
	test_all_errors_json();
	conf_fini();
	return done_testing();
}
