/*
 * test_value.c — value sanitisers: the same normalisations IntelMQ applies.
 */
#include <string.h>

#include "event/event.h"
#include "tap.h"

static const char *san(enum ftype t, const char *in, int *rc)
{
	static struct buf b;
	enum vkind k;
	struct verr e = { 0 };

	if (!b.cap)
		buf_init(&b, 0);
	buf_reset(&b);
	*rc = value_sanitize(t, in, strlen(in), &b, &k, &e);
	return *rc == V_OK ? buf_cstr(&b) : NULL;
}

static void check(enum ftype t, const char *in, const char *want)
{
	int rc;
	const char *got = san(t, in, &rc);
	is_str(got, want, "%s('%s')", ftype_name(t), in);
}

static void bad(enum ftype t, const char *in)
{
	int rc;
	san(t, in, &rc);
	ok(rc == V_ERR_INVALID, "%s('%s') is invalid (rc %d)", ftype_name(t), in, rc);
}

int main(void)
{
	int rc;
	char f[48];

	/* ignored values, as IntelMQ's add() */
	san(FT_STRING, "", &rc);
	is_int(rc, V_SKIP, "empty string is skipped");
	san(FT_STRING, "-", &rc);
	is_int(rc, V_SKIP, "'-' is skipped");
	san(FT_IP, "N/A", &rc);
	is_int(rc, V_SKIP, "'N/A' is skipped");
	check(FT_STRING, "  spaced  ", "spaced");

	/* IP addresses */
	check(FT_IP, "192.0.2.1", "192.0.2.1");
	check(FT_IP, " 192.0.2.1 ", "192.0.2.1");
	check(FT_IP, "2001:DB8:0:0:0:0:0:1", "2001:db8::1");
	check(FT_IP, "2001:db8:0:1:1:1:1:1", "2001:db8:0:1:1:1:1:1");
	check(FT_IP, "::ffff:1.2.3.4", "::ffff:102:304");
	check(FT_IP, "fe80::1%eth0", "fe80::1");
	check(FT_IP, "3232235777", "192.168.1.1");
	check(FT_IP, "192.0.2.1/32", "192.0.2.1");
	bad(FT_IP, "0.0.0.0");
	bad(FT_IP, "192.0.2.0/24");
	bad(FT_IP, "010.1.1.1");
	bad(FT_IP, "256.1.1.1");
	bad(FT_IP, "example.com");

	/* networks */
	check(FT_NETWORK, "10.1.2.3/8", "10.0.0.0/8");
	check(FT_NETWORK, "192.0.2.0/255.255.255.0", "192.0.2.0/24");
	check(FT_NETWORK, "2a06:e480::/29", "2a06:e480::/29");
	check(FT_NETWORK, "192.0.2.7", "192.0.2.7/32");
	bad(FT_NETWORK, "192.0.2.0/33");

	/* ASN */
	check(FT_ASN, "AS64512", "64512");
	check(FT_ASN, "as1", "1");
	check(FT_ASN, "4294967295", "4294967295");
	bad(FT_ASN, "0");
	bad(FT_ASN, "4294967296");
	bad(FT_ASN, "AS");

	/* integers and floats as Python's int()/float() and repr() */
	check(FT_INT, " -12 ", "-12");
	check(FT_INT, "1_000", "1000");
	bad(FT_INT, "27.0");
	check(FT_FLOAT, "27.00", "27.0");
	check(FT_FLOAT, "2.018", "2.018");
	check(FT_FLOAT, "0.00001", "1e-05");
	check(FT_FLOAT, "1e16", "1e+16");
	check(FT_FLOAT, "123456789012345678", "1.2345678901234568e+17");
	check(FT_FLOAT, "-0.5", "-0.5");
	bad(FT_FLOAT, "nan");
	bad(FT_FLOAT, "0x10");
	value_format_float(0.1 + 0.2, f);
	is_str(f, "0.30000000000000004", "repr(0.1+0.2)");
	check(FT_ACCURACY, "100", "100.0");
	bad(FT_ACCURACY, "100.5");

	/* booleans */
	check(FT_BOOL, "True", "true");
	check(FT_BOOL, "0", "false");
	bad(FT_BOOL, "yes");

	/* FQDN */
	check(FT_FQDN, "Example.COM.", "example.com");
	check(FT_FQDN, "bücher.example", "xn--bcher-kva.example");
	bad(FT_FQDN, "192.0.2.1");
	bad(FT_FQDN, "example.com:8080");
	bad(FT_FQDN, "a..b");
	bad(FT_FQDN, "http://example.com/");

	/* URL */
	check(FT_URL, "hxxp://evil.example/x", "http://evil.example/x");
	check(FT_URL, "hxxps://evil.example/x", "https://evil.example/x");
	check(FT_URL, "file:/etc/passwd", "file://localhost/etc/passwd");
	check(FT_URL, "//evil.example/x", "//evil.example/x");
	bad(FT_URL, "evil.example/x");
	bad(FT_URL, "http:///x");

	/* date and time */
	check(FT_DATETIME, "2019-02-13 00:34:42", "2019-02-13T00:34:42+00:00");
	check(FT_DATETIME, "2019-02-13T00:34:42Z", "2019-02-13T00:34:42+00:00");
	check(FT_DATETIME, "2019-02-13T02:34:42+02:00", "2019-02-13T00:34:42+00:00");
	check(FT_DATETIME, "2019-02-13T00:34:42.5+00:00", "2019-02-13T00:34:42.500000+00:00");
	check(FT_DATETIME, "Wed, 13 Feb 2019 01:34:42 +0100", "2019-02-13T00:34:42+00:00");
	check(FT_DATETIME, "13/Feb/2019:00:34:42 +0000", "2019-02-13T00:34:42+00:00");
	check(FT_DATETIME, "2019-02-13", "2019-02-13T00:00:00+00:00");
	check(FT_DATETIME, "Feb 13 2019 12:34:42 PM UTC", "2019-02-13T12:34:42+00:00");
	check(FT_DATETIME, "2019-12-31T23:30:00-01:00", "2020-01-01T00:30:00+00:00");
	bad(FT_DATETIME, "2019-02-30 00:00:00");
	bad(FT_DATETIME, "yesterday");

	/* classification, TLP, registry */
	check(FT_CLASS_TYPE, "Botnet Drone", "infected-system");
	check(FT_CLASS_TYPE, "c&c", "c2-server");
	check(FT_CLASS_TYPE, "c2server", "c2-server");
	check(FT_CLASS_TYPE, "unknown", "undetermined");
	check(FT_CLASS_TYPE, "vulnerable service", "vulnerable-system");
	check(FT_CLASS_TYPE, "phishing", "phishing");
	bad(FT_CLASS_TYPE, "badness");
	check(FT_TLP, "tlp:amber", "AMBER");
	check(FT_TLP, "TLP: clear", "CLEAR");
	check(FT_TLP, "amber+strict", "AMBER+STRICT");
	bad(FT_TLP, "purple");
	check(FT_REGISTRY, "ripe-ncc", "RIPE");
	bad(FT_REGISTRY, "IANA");
	check(FT_LOWER, "MiXeD", "mixed");
	check(FT_UPPER, "de", "DE");

	/* taxonomy */
	is_str(taxonomy_of_type("c2-server", 9), "malicious-code", "RSIT: c2-server");
	is_str(taxonomy_of_type("undetermined", 12), "other", "RSIT: undetermined");
	is_str(taxonomy_of_type("vulnerable-system", 17), "vulnerable", "RSIT: vulnerable-system");
	ok(taxonomy_of_type("nonsense", 8) == NULL, "unknown type has no taxonomy");
	return done_testing();
}
