/*
 * test_ipdb.c — the IP attribution index on small fixtures (tests/data/ipdb/): CSV kinds and
 * headers, overlapping rows (the later row wins), range boundaries, gaps, IPv4-mapped IPv6,
 * ranges inside one IPv6 /64, decimal addresses, gzip, malformed rows (skipped and counted, or
 * refused with IPDB_BUILD_STRICT), a MaxMind DB written here (an IPv6 tree with the IPv4
 * subtree and an alias of it), the checksum, truncated and foreign files, and an update that
 * replaces the file under a reader.  The comparison with libmaxminddb on real data is
 * test_ipdb_oracle.c.
 */
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>
#include <zlib.h>

#include "tap.h"
#include "enrich/ipdb.h"
#include "enrich/ipdb_format.h" /* test_garbage(): where the sections are */

#define FIX "tests/data/ipdb/"

static char dir[] = "/tmp/vigia-test-ipdb-XXXXXX";

static const char *tmp(const char *name)
{
	static char path[8][512];
	static int k;

	k = (k + 1) % 8;
	snprintf(path[k], sizeof(path[k]), "%s/%s", dir, name);
	return path[k];
}

struct bad_log {
	int n;
	char first[512];
};

static void on_bad(void *ctx, const struct verr *e)
{
	struct bad_log *b = ctx;

	if (b->n++ == 0)
		snprintf(b->first, sizeof(b->first), "%s:%ld: %s: %s", e->file, e->line, e->field,
			 e->reason);
}

/* Build path from the sources (NULL-terminated).  V_OK or the failing code. */
static int build(const char *path, unsigned flags, struct bad_log *bad, struct verr *e, ...)
{
	struct ipdb_builder *b;
	va_list ap;
	const char *src;
	int rc;

	if ((rc = ipdb_builder_new(flags, on_bad, bad, &b)) != V_OK)
		return rc;
	va_start(ap, e);
	while ((src = va_arg(ap, const char *)) != NULL) {
		if ((rc = ipdb_builder_add(b, src, NULL, e)) != V_OK)
			break;
	}
	va_end(ap);
	if (rc == V_OK)
		rc = ipdb_builder_write(b, path, NULL, e);
	ipdb_builder_free(b);
	return rc;
}

static struct ipdb_addr A(const char *s)
{
	struct ipdb_addr a = { 0, 0, 0 };

	if (ipdb_addr_parse(s, strlen(s), &a) != V_OK)
		printf("# bad address in the test: %s\n", s);
	return a;
}

static const char *cc_of(const struct ipdb *db, const char *s)
{
	static char cc[8][3];
	static int k;
	struct ipdb_addr a = A(s);

	k = (k + 1) % 8;
	ipdb_lookup_country(db, &a, cc[k]);
	return cc[k];
}

static const char *net_of(const struct ipdb *db, const char *s)
{
	static char out[IPDB_NETSTRLEN];
	struct ipdb_addr a = A(s), base;
	struct ipdb_result r;

	if (!ipdb_lookup(db, &a, &r))
		return "-";
	ipdb_cidr(&a, &r.first, &r.last, &base, out);
	return out;
}

/* ---- addresses ---------------------------------------------------------------------------- */

static void test_addresses(void)
{
	struct ipdb_addr a, f, l, n;
	char s[IPDB_ADDRSTRLEN], net[IPDB_NETSTRLEN];
	static const char *const bad[] = {"",          "1.2.3",        "1.2.3.4 ",    " 1.2.3.4",
	                                  "1.2.3.256", "fe80::1%eth0", "2001:db8::g", "example.org",
	                                  "1::2::3"};

	ok(ipdb_addr_parse("192.0.2.1", 9, &a) == V_OK && a.family == 4 && a.lo == 0xc0000201,
	   "IPv4 parsed");
	ok(ipdb_addr_parse("::ffff:192.0.2.1", 16, &a) == V_OK && a.family == 4 &&
		   a.lo == 0xc0000201 && a.hi == 0,
	   "IPv4-mapped IPv6 becomes IPv4");
	ok(ipdb_addr_parse("2001:db8::1", 11, &a) == V_OK && a.family == 6 &&
		   a.hi == 0x20010db800000000ULL && a.lo == 1,
	   "IPv6 parsed");
	ok(ipdb_addr_parse("192.0.2.1xyz", 9, &a) == V_OK, "length given: no NUL needed");
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		ok(ipdb_addr_parse(bad[i], strlen(bad[i]), &a) == V_ERR_INVALID, "refused: '%s'",
		   bad[i]);
	a = A("2001:db8::1");
	ipdb_addr_format(&a, s);
	is_str(s, "2001:db8::1", "IPv6 formatted");
	f = A("1.0.1.0");
	l = A("1.0.3.255");
	a = A("1.0.2.5");
	is_int(ipdb_cidr(&a, &f, &l, &n, net), 23, "CIDR inside a range that is not one");
	is_str(net, "1.0.2.0/23", "its text");
	a = A("1.0.1.9");
	ipdb_cidr(&a, &f, &l, &n, net);
	is_str(net, "1.0.1.0/24", "the first block");
	f = A("0.0.0.0");
	l = A("255.255.255.255");
	ipdb_cidr(&a, &f, &l, &n, net);
	is_str(net, "0.0.0.0/0", "the whole IPv4 space");
	f = A("::");
	l = A("ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff");
	a = A("2001:db8::1");
	ipdb_cidr(&a, &f, &l, &n, net);
	is_str(net, "::/0", "the whole IPv6 space");
	f = A("2001:db8::");
	l = A("2001:db8::");
	a = A("2001:db8::");
	ipdb_cidr(&a, &f, &l, &n, net);
	is_str(net, "2001:db8::/128", "one address");
}

/* ---- CSV sources, overlaps, boundaries ---------------------------------------------------- */

static void test_csv(void)
{
	struct verr e = { 0 };
	struct bad_log bad = { 0 };
	struct ipdb *db = NULL;
	struct ipdb_result r;
	struct ipdb_addr a;
	struct ipdb_info in;
	const char *p = tmp("csv.ipdb");

	ok(build(p, IPDB_BUILD_STRICT, &bad, &e, FIX "asn4.csv", FIX "country4.csv",
		 FIX "overlap.csv", FIX "asn6.csv", FIX "country6.csv", FIX "num.csv",
		 (char *)NULL) == V_OK,
	   "built from CSV fixtures %s", e.reason);
	ok(ipdb_open(p, IPDB_OPEN_VERIFY, &db, &e) == V_OK, "opened and verified %s", e.reason);
	if (!db)
		return;
	ipdb_info(db, &in);
	is_int(in.version, IPDB_FORMAT_VERSION, "format version");
	is_int(in.nsources, 6, "six sources recorded");
	is_int(in.ranges[0][0], 4, "four ASN IPv4 ranges");
	is_int(in.asn_records, 6, "six AS records");

	a = A("1.0.0.7");
	ok(ipdb_lookup(db, &a, &r) == (IPDB_HAVE_ASN | IPDB_HAVE_COUNTRY), "ASN and country");
	is_int(r.asn, 13335, "ASN");
	is_str(r.as_name, "Cloudflare, Inc.", "quoted AS name with a comma");
	is_str(r.country, "AU", "country");
	is_str(net_of(db, "1.0.0.7"), "1.0.0.0/24", "network from the ASN range");
	a = A("1.0.5.1");
	ipdb_lookup(db, &a, &r);
	is_int(r.asn, 38803, "'AS38803' read as 38803");
	a = A("10.1.2.3");
	ipdb_lookup(db, &a, &r);
	is_str(r.as_name, "Test \"Private\" Net", "doubled quotes");
	is_str(r.country, "", "no country there");
	ok(r.have == IPDB_HAVE_ASN, "ASN only");
	a = A("192.0.2.200");
	ipdb_lookup(db, &a, &r);
	is_str(r.as_name, "Ñandú Redes", "UTF-8 AS name");
	is_str(cc_of(db, "192.0.2.127"), "UY", "last address of a range");
	is_str(cc_of(db, "192.0.2.128"), "", "one past it: no country");
	is_str(cc_of(db, "1.0.2.9"), "CN", "lower-case code upper-cased");
	is_str(net_of(db, "1.0.2.9"), "1.0.2.0/23", "network from the country range");

	/* boundaries and gaps */
	is_str(cc_of(db, "0.255.255.255"), "", "the gap before 1.0.0.0");
	is_str(cc_of(db, "1.0.0.0"), "AU", "first address");
	is_str(cc_of(db, "1.0.7.255"), "AU", "last address");
	is_str(cc_of(db, "1.0.8.0"), "", "one past the last");
	is_str(cc_of(db, "0.0.0.0"), "AQ", "address 0");
	is_str(cc_of(db, "255.255.255.255"), "AQ", "the last IPv4 address");
	is_str(cc_of(db, "255.255.254.255"), "", "just below the last range");
	is_str(net_of(db, "10.1.2.3"), "10.0.0.0/8", "an /8");

	/* overlaps: the later row wins */
	is_str(cc_of(db, "20.0.15.255"), "US", "outer row before the nested one");
	is_str(cc_of(db, "20.0.16.0"), "MX", "nested later row wins from its start");
	is_str(cc_of(db, "20.0.19.255"), "MX", "nested later row");
	is_str(cc_of(db, "20.0.20.0"), "GT", "nested in the nested row");
	is_str(cc_of(db, "20.0.20.255"), "GT", "its last address");
	is_str(cc_of(db, "20.0.21.0"), "MX", "back to the middle row");
	is_str(cc_of(db, "20.0.31.255"), "MX", "its last address");
	is_str(cc_of(db, "20.0.32.0"), "US", "back to the outer row");
	is_str(cc_of(db, "20.0.127.255"), "US", "before the partly overlapping row");
	is_str(cc_of(db, "20.0.128.0"), "CA", "partly overlapping later row wins");
	is_str(cc_of(db, "20.0.255.255"), "CA", "inside both");
	is_str(cc_of(db, "20.1.0.255"), "CA", "beyond the outer row");
	is_str(cc_of(db, "20.1.1.0"), "", "after everything");
	is_str(cc_of(db, "30.0.0.5"), "DE", "a later, larger row with the same start wins");
	is_str(cc_of(db, "30.0.0.127"), "DE", "its end");
	is_str(net_of(db, "20.0.40.1"), "20.0.32.0/19", "a network of a row's piece");

	/* IPv6 */
	a = A("2001:db8:1::5");
	ipdb_lookup(db, &a, &r);
	is_int(r.asn, 64501, "nested later IPv6 row");
	is_str(r.country, "UY", "with the outer country");
	is_str(net_of(db, "2001:db8:1::5"), "2001:db8:1::/64", "its network");
	a = A("2001:db8:1:1::5");
	ipdb_lookup(db, &a, &r);
	is_int(r.asn, 64500, "past the nested row");
	is_str(cc_of(db, "2001:db7:ffff:ffff:ffff:ffff:ffff:ffff"), "", "below the range");
	is_str(cc_of(db, "2001:db9::"), "", "above it");
	is_str(cc_of(db, "2001:db8:2::"), "AR", "ranges inside one /64: first");
	is_str(cc_of(db, "2001:db8:2::f"), "AR", "its end");
	is_str(cc_of(db, "2001:db8:2::10"), "BR", "the next");
	is_str(cc_of(db, "2001:db8:2::2f"), "CL", "and the next");
	is_str(cc_of(db, "2001:db8:2::35"), "UY", "a hole: the outer row");
	is_str(cc_of(db, "2001:db8:2::4f"), "PY", "after the hole");
	is_str(cc_of(db, "2001:db8:2::5a"), "BO", "one more");
	is_str(cc_of(db, "2001:db8:2::60"), "PE", "the last one");
	is_str(cc_of(db, "2001:db8:2::70"), "UY", "after them");
	is_str(cc_of(db, "ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff"), "AQ",
	       "the last IPv6 address");
	is_str(cc_of(db, "::"), "", "address :: has no answer");
	is_str(cc_of(db, "198.51.100.7"), "EC", "a row written as ::ffff:a.b.c.d is IPv4");
	is_str(cc_of(db, "::ffff:1.0.0.7"), "AU", "::ffff:a.b.c.d answers as IPv4");
	is_str(cc_of(db, "::1.0.0.7"), "", "::a.b.c.d (IPv4-compatible) is not IPv4");

	/* decimal numbers */
	is_str(cc_of(db, "203.0.113.255"), "CO", "decimal IPv4 row");
	is_str(cc_of(db, "2001:db8:3:ffff::1"), "VE", "decimal IPv6 row (more than 64 bits)");

	/* many at once: the same answers */
	{
		static const char *const addrs[] = {
			"1.0.0.7", "2001:db8:2::4f", "10.1.2.3", "20.0.20.0", "8.8.8.8",
			"2001:db8:1::5", "255.255.255.255", "::", "198.51.100.7", "30.0.0.0",
			"2001:db8:2::35", "ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff", "1.0.8.0",
			"20.0.128.0", "2001:db8:3::", "0.0.0.0", "1.0.2.9", "192.0.2.127",
			"2001:db7::1", "20.1.1.0"
		};
		enum { N = sizeof(addrs) / sizeof(addrs[0]) };
		struct ipdb_addr v[N];
		struct ipdb_result many[N], one;
		char cc[N][3];
		int same = 1;
		for (size_t i = 0; i < N; i++)
			v[i] = A(addrs[i]);
		ipdb_lookup_many(db, v, N, many);
		ipdb_lookup_country_many(db, v, N, cc);
		for (size_t i = 0; i < N; i++) {
			ipdb_lookup(db, &v[i], &one);
			if (one.have != many[i].have || one.asn != many[i].asn ||
			    strcmp(one.country, many[i].country) || strcmp(one.country, cc[i]) ||
			    strcmp(one.as_name, many[i].as_name) ||
			    one.first.lo != many[i].first.lo || one.last.hi != many[i].last.hi) {
				printf("# differs: %s\n", addrs[i]);
				same = 0;
			}
		}
		ok(same, "ipdb_lookup_many() and ipdb_lookup_country_many() answer the same");
	}
	ipdb_close(db);
}

static void test_sources(void)
{
	struct verr e = { 0 };
	struct bad_log bad = { 0 };
	struct ipdb *db = NULL;
	struct ipdb_builder *b = NULL;
	struct ipdb_source st;
	const char *p = tmp("order.ipdb");
	gzFile gz;

	/* a corrections file named last wins; named first it loses */
	ok(build(p, 0, &bad, &e, FIX "country4.csv", FIX "correction.csv", (char *)NULL) == V_OK,
	   "built with the correction last");
	ok(ipdb_open(p, 0, &db, &e) == V_OK, "opened");
	if (db) {
		is_str(cc_of(db, "1.0.0.5"), "NZ", "the later source wins");
		is_str(cc_of(db, "1.0.0.200"), "AU", "outside the correction");
		ipdb_close(db);
		db = NULL;
	}
	ok(build(p, 0, &bad, &e, FIX "correction.csv", FIX "country4.csv", (char *)NULL) == V_OK,
	   "built with the correction first");
	ok(ipdb_open(p, 0, &db, &e) == V_OK, "opened");
	if (db) {
		is_str(cc_of(db, "1.0.0.5"), "AU", "the later source wins again");
		ipdb_close(db);
		db = NULL;
	}

	/* gzip */
	gz = gzopen(tmp("asn4.csv.gz"), "wb");
	ok(gz != NULL, "gzip file created");
	if (gz) {
		FILE *f = fopen(FIX "asn4.csv", "rb");
		char buf[4096];
		size_t n;
		while (f && (n = fread(buf, 1, sizeof(buf), f)) > 0)
			gzwrite(gz, buf, (unsigned)n);
		if (f)
			fclose(f);
		gzclose(gz);
	}
	ipdb_builder_new(0, on_bad, &bad, &b);
	ok(ipdb_builder_add(b, tmp("asn4.csv.gz"), &st, &e) == V_OK, "gzip CSV read %s",
	   e.reason);
	is_str(st.kind, "csv-asn", "its kind");
	is_int(st.rows, 4, "its rows");
	ipdb_builder_free(b);

	/* malformed rows: skipped and counted */
	bad.n = 0;
	ipdb_builder_new(0, on_bad, &bad, &b);
	ok(ipdb_builder_add(b, FIX "bad.csv", &st, &e) == V_OK, "bad rows skipped");
	is_int(st.rows, 2, "two good rows");
	is_int(st.bad, 6, "six bad rows counted");
	is_int(bad.n, 6, "each reported");
	is_str(bad.first, FIX "bad.csv:2: end: '1.2.3.255' comes before the start",
	       "the first names file, line, field and reason");
	ok(ipdb_builder_write(b, p, NULL, &e) == V_OK, "and the index written");
	ipdb_builder_free(b);
	ok(ipdb_open(p, 0, &db, &e) == V_OK, "opened");
	if (db) {
		is_str(cc_of(db, "1.2.10.1"), "NZ", "a good row after bad ones");
		is_str(cc_of(db, "1.2.4.1"), "", "a bad row left out");
		ipdb_close(db);
		db = NULL;
	}

	/* refused with STRICT */
	ipdb_builder_new(IPDB_BUILD_STRICT, on_bad, &bad, &b);
	ok(ipdb_builder_add(b, FIX "bad.csv", NULL, &e) == V_ERR_PARSE, "STRICT refuses");
	ok(e.file && !strcmp(e.file, FIX "bad.csv") && e.line == 2 && !strcmp(e.field, "end"),
	   "naming file, line and field");
	ipdb_builder_free(b);

	/* not a range file; a missing one */
	ipdb_builder_new(0, on_bad, &bad, &b);
	ok(ipdb_builder_add(b, FIX "notrange.csv", NULL, &e) == V_ERR_PARSE,
	   "not a range file: refused");
	ok(strstr(e.reason, "not a range file") != NULL, "saying so: %s", e.reason);
	ok(ipdb_builder_add(b, FIX "missing.csv", NULL, &e) == V_ERR_IO, "missing file: V_ERR_IO");
	ipdb_builder_free(b);

	/* no sources: an index without ranges answers nothing */
	ok(build(p, 0, &bad, &e, (char *)NULL) == V_OK, "an empty index");
	ok(ipdb_open(p, IPDB_OPEN_VERIFY, &db, &e) == V_OK, "opened");
	if (db) {
		struct ipdb_result r;
		struct ipdb_addr a = A("8.8.8.8");
		is_int(ipdb_lookup(db, &a, &r), 0, "no answer");
		ipdb_close(db);
	}
}

/* ---- a MaxMind DB written here ------------------------------------------------------------ */

struct mmw {
	unsigned char *d;
	size_t n, size;
};

static void mm_put(struct mmw *w, const void *p, size_t n)
{
	if (w->n + n > w->size) {
		w->size = (w->n + n) * 2 + 256;
		w->d = realloc(w->d, w->size);
	}
	memcpy(w->d + w->n, p, n);
	w->n += n;
}

static void mm_ctrl(struct mmw *w, int type, size_t size)
{
	unsigned char c[3];
	size_t k = 0;

	c[k++] = (unsigned char)((type > 7 ? 0 : type) << 5 | (size < 29 ? size : 29));
	if (type > 7)
		c[k++] = (unsigned char)(type - 7);
	if (size >= 29)
		c[k++] = (unsigned char)(size - 29);
	mm_put(w, c, k);
}

static void mm_str(struct mmw *w, const char *s)
{
	mm_ctrl(w, 2, strlen(s));
	mm_put(w, s, strlen(s));
}

static void mm_uint(struct mmw *w, int type, uint64_t v, int bytes)
{
	unsigned char b[8];
	int n = 0;

	for (int i = bytes - 1; i >= 0; i--)
		if (v >> (8 * i) || n)
			b[n++] = (unsigned char)(v >> (8 * i));
	mm_ctrl(w, type, (size_t)n);
	mm_put(w, b, (size_t)n);
}

struct tnode {
	long rec[2]; /* >= 0 node; -1 empty; <= -2 data item -(rec + 2) */
};

static long tnew(struct tnode **t, size_t *n)
{
	*t = realloc(*t, (*n + 1) * sizeof(**t));
	(*t)[*n].rec[0] = (*t)[*n].rec[1] = -1;
	return (long)(*n)++;
}

/* Insert the network (128-bit prefix as hi, lo; length plen) pointing at rec. */
static void tinsert(struct tnode **t, size_t *n, uint64_t hi, uint64_t lo, int plen, long rec)
{
	long node = 0;

	for (int d = 0; d < plen; d++) {
		int bit = d < 64 ? (int)(hi >> (63 - d) & 1) : (int)(lo >> (127 - d) & 1);
		if (d == plen - 1) {
			(*t)[node].rec[bit] = rec;
			return;
		}
		if ((*t)[node].rec[bit] < 0) {
			long k = tnew(t, n);
			(*t)[node].rec[bit] = k;
		}
		node = (*t)[node].rec[bit];
	}
}

static int write_mmdb(const char *path)
{
	struct tnode *t = NULL;
	size_t n = 0, off[4];
	struct mmw data = { 0 }, out = { 0 };
	long v4root;
	FILE *f;

	/* data items */
	off[0] = data.n; /* AU, 13335, Cloudflare */
	mm_ctrl(&data, 7, 3);
	mm_str(&data, "country_code");
	mm_str(&data, "AU");
	mm_str(&data, "autonomous_system_number");
	mm_uint(&data, 6, 13335, 4);
	mm_str(&data, "autonomous_system_organization");
	mm_str(&data, "Cloudflare");
	off[1] = data.n; /* GeoLite2 style: country.iso_code, and an ASN without a name */
	mm_ctrl(&data, 7, 2);
	mm_str(&data, "country");
	mm_ctrl(&data, 7, 1);
	mm_str(&data, "iso_code");
	mm_str(&data, "US");
	mm_str(&data, "autonomous_system_number");
	mm_uint(&data, 6, 15169, 4);
	off[2] = data.n; /* nothing vigia uses */
	mm_ctrl(&data, 7, 1);
	mm_str(&data, "foo");
	mm_str(&data, "bar");
	off[3] = data.n; /* ipinfo style: "asn": "AS64501", as_name, country_code */
	mm_ctrl(&data, 7, 3);
	mm_str(&data, "asn");
	mm_str(&data, "AS64501");
	mm_str(&data, "as_name");
	mm_str(&data, "Six");
	mm_str(&data, "country_code");
	mm_str(&data, "UY");

	tnew(&t, &n);
	/* IPv4 networks at ::a.b.c.d: 1.0.0.0/24 and 1.0.1.0/24 (the same data), 8.8.8.0/24,
	 * 9.9.9.0/24 */
	tinsert(&t, &n, 0, 0x01000000, 96 + 24, -2 - 0);
	tinsert(&t, &n, 0, 0x01000100, 96 + 24, -2 - 0);
	tinsert(&t, &n, 0, 0x08080800, 96 + 24, -2 - 1);
	tinsert(&t, &n, 0, 0x09090900, 96 + 24, -2 - 2);
	tinsert(&t, &n, 0x20010db800000000ULL, 0, 32, -2 - 3);
	/* the IPv4 subtree's node, and ::ffff:0:0/96 as an alias of it */
	v4root = 0;
	for (int d = 0; d < 96; d++)
		v4root = t[v4root].rec[0];
	tinsert(&t, &n, 0, 0x0000ffff00000000ULL, 96, v4root);

	for (size_t i = 0; i < n; i++) {
		unsigned char rec[6];
		for (int s = 0; s < 2; s++) {
			long r = t[i].rec[s];
			uint32_t v = r >= 0 ? (uint32_t)r
				     : r == -1 ? (uint32_t)n
					       : (uint32_t)(n + 16 + off[-(r + 2)]);
			rec[3 * s] = (unsigned char)(v >> 16);
			rec[3 * s + 1] = (unsigned char)(v >> 8);
			rec[3 * s + 2] = (unsigned char)v;
		}
		mm_put(&out, rec, 6);
	}
	mm_put(&out, "\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0", 16);
	mm_put(&out, data.d, data.n);
	mm_put(&out, "\xab\xcd\xefMaxMind.com", 14);
	mm_ctrl(&out, 7, 9);
	mm_str(&out, "node_count");
	mm_uint(&out, 6, n, 4);
	mm_str(&out, "record_size");
	mm_uint(&out, 5, 24, 2);
	mm_str(&out, "ip_version");
	mm_uint(&out, 5, 6, 2);
	mm_str(&out, "database_type");
	mm_str(&out, "vigia-test");
	mm_str(&out, "languages");
	mm_ctrl(&out, 11, 1);
	mm_str(&out, "en");
	mm_str(&out, "binary_format_major_version");
	mm_uint(&out, 5, 2, 2);
	mm_str(&out, "binary_format_minor_version");
	mm_uint(&out, 5, 0, 2);
	mm_str(&out, "build_epoch");
	mm_uint(&out, 9, 1780000000, 8);
	mm_str(&out, "description");
	mm_ctrl(&out, 7, 1);
	mm_str(&out, "en");
	mm_str(&out, "test");
	f = fopen(path, "wb");
	if (f) {
		fwrite(out.d, 1, out.n, f);
		fclose(f);
	}
	free(t);
	free(data.d);
	free(out.d);
	return f ? 0 : -1;
}

static void test_mmdb(void)
{
	struct verr e = { 0 };
	struct bad_log bad = { 0 };
	struct ipdb *db = NULL;
	struct ipdb_result r;
	struct ipdb_addr a;
	struct ipdb_info in;
	struct ipdb_builder *b = NULL;
	struct ipdb_source st;
	const char *m = tmp("test.mmdb"), *m2 = tmp("test-mmdb-without-extension"),
		   *p = tmp("mmdb.ipdb");

	ok(write_mmdb(m) == 0, "MaxMind DB written");
	ipdb_builder_new(IPDB_BUILD_STRICT, on_bad, &bad, &b);
	ok(ipdb_builder_add(b, m, &st, &e) == V_OK, "MaxMind DB read %s", e.reason);
	is_str(st.kind, "mmdb", "its kind");
	is_int(st.rows, 5, "five networks (the alias not walked)");
	ok(ipdb_builder_write(b, p, &in, &e) == V_OK, "index written %s", e.reason);
	ipdb_builder_free(b);
	is_int(in.ranges[1][0], 2, "IPv4 country ranges: 1.0.0.0/23 merged, 8.8.8.0/24");
	is_int(in.ranges[1][1], 1, "one IPv6 country range: no copy of IPv4 under ::ffff:0:0/96");
	ok(ipdb_open(p, 0, &db, &e) == V_OK, "opened");
	if (db) {
		a = A("1.0.1.5");
		ipdb_lookup(db, &a, &r);
		is_str(r.country, "AU", "country_code");
		is_int(r.asn, 13335, "autonomous_system_number");
		is_str(r.as_name, "Cloudflare", "autonomous_system_organization");
		is_str(net_of(db, "1.0.1.5"), "1.0.0.0/23", "adjacent networks with the same data");
		a = A("8.8.8.8");
		ipdb_lookup(db, &a, &r);
		is_str(r.country, "US", "country.iso_code");
		is_int(r.asn, 15169, "ASN without a name");
		is_str(r.as_name, "", "no name");
		is_str(cc_of(db, "::ffff:8.8.8.8"), "US", "mapped address");
		is_int(ipdb_lookup(db, &(struct ipdb_addr){ 4, 0, 0x09090909 }, &r), 0,
		       "a record without known keys: no answer");
		a = A("2001:db8:1::5");
		ipdb_lookup(db, &a, &r);
		is_int(r.asn, 64501, "asn as \"AS64501\"");
		is_str(r.as_name, "Six", "as_name");
		is_str(r.country, "UY", "and its country");
		is_str(cc_of(db, "2001:db9::"), "", "outside");
		ipdb_close(db);
	}
	/* known by its metadata marker, whatever its name */
	{
		FILE *in1 = fopen(m, "rb"), *out1 = fopen(m2, "wb");
		char buf[4096];
		size_t k;
		while (in1 && out1 && (k = fread(buf, 1, sizeof(buf), in1)) > 0)
			fwrite(buf, 1, k, out1);
		if (in1)
			fclose(in1);
		if (out1)
			fclose(out1);
	}
	ipdb_builder_new(IPDB_BUILD_STRICT, on_bad, &bad, &b);
	ok(ipdb_builder_add(b, m2, &st, &e) == V_OK && !strcmp(st.kind, "mmdb"),
	   "a MaxMind DB without the .mmdb name");
	ipdb_builder_free(b);
}

/* ---- the file: checksum, truncation, foreign files, atomic update ------------------------- */

static long file_size(const char *p)
{
	struct stat st;

	return stat(p, &st) == 0 ? (long)st.st_size : -1;
}

static int copy_patch(const char *from, const char *to, long at, unsigned char x, long keep)
{
	FILE *f = fopen(from, "rb"), *g = fopen(to, "wb");
	long i = 0;
	int c;

	if (!f || !g) {
		if (f)
			fclose(f);
		if (g)
			fclose(g);
		return -1;
	}
	while ((c = getc(f)) != EOF && (keep < 0 || i < keep)) {
		if (i == at)
			c ^= x;
		putc(c, g);
		i++;
	}
	fclose(f);
	fclose(g);
	return 0;
}

static void test_file(void)
{
	struct verr e = { 0 };
	struct bad_log bad = { 0 };
	struct ipdb *db = NULL, *old = NULL;
	const char *p = tmp("file.ipdb"), *q = tmp("damaged.ipdb");
	long size;
	int fd;

	ok(build(p, 0, &bad, &e, FIX "asn4.csv", FIX "country4.csv", (char *)NULL) == V_OK,
	   "built");
	size = file_size(p);
	ok(size > 512, "has a size");

	/* one byte of the body changed: the structure still opens, the checksum does not match */
	copy_patch(p, q, size - 3, 0x20, -1);
	ok(ipdb_open(q, 0, &db, &e) == V_OK, "damaged body: opens without verification");
	if (db) {
		ok(ipdb_verify(db, &e) == V_ERR_INVALID, "ipdb_verify() finds the damage");
		ok(strstr(e.reason, "checksum mismatch") != NULL, "saying so: %s", e.reason);
		ipdb_close(db);
		db = NULL;
	}
	ok(ipdb_open(q, IPDB_OPEN_VERIFY, &db, &e) == V_ERR_INVALID, "refused with verification");
	ipdb_close(db);
	db = NULL;
	copy_patch(p, q, 100, 0x01, -1); /* in the header: a table's count */
	ok(ipdb_open(q, IPDB_OPEN_VERIFY, &db, &e) != V_OK, "damaged header refused");
	ipdb_close(db);
	db = NULL;

	/* truncated */
	copy_patch(p, q, -1, 0, size - 1);
	ok(ipdb_open(q, 0, &db, &e) == V_ERR_INVALID && strstr(e.reason, "truncated"),
	   "one byte short: refused as truncated (%s)", e.reason);
	copy_patch(p, q, -1, 0, 100);
	ok(ipdb_open(q, 0, &db, &e) == V_ERR_INVALID && strstr(e.reason, "truncated"),
	   "only part of the header: refused");
	copy_patch(p, q, -1, 0, 0);
	ok(ipdb_open(q, 0, &db, &e) == V_ERR_INVALID, "empty file refused");
	copy_patch(p, q, -1, 0, -1);
	fd = open(q, O_WRONLY | O_APPEND);
	ok(fd >= 0 && write(fd, "x", 1) == 1, "a byte added");
	if (fd >= 0)
		close(fd);
	ok(ipdb_open(q, 0, &db, &e) == V_ERR_INVALID && strstr(e.reason, "extra bytes"),
	   "refused: %s", e.reason);
	/* foreign files, another version */
	ok(ipdb_open(FIX "asn4.csv", 0, &db, &e) == V_ERR_INVALID && strstr(e.reason, "header"),
	   "a CSV file is not an index");
	copy_patch(p, q, 8, 0x03, -1); /* version 1 -> 2 */
	ok(ipdb_open(q, 0, &db, &e) == V_ERR_INVALID && strstr(e.reason, "version 2"),
	   "another format version named: %s", e.reason);
	ok(ipdb_open(tmp("none.ipdb"), 0, &db, &e) == V_ERR_IO, "missing: V_ERR_IO");
	ok(db == NULL, "nothing returned");

	/* atomic update under a reader */
	ok(ipdb_open(p, 0, &old, &e) == V_OK, "a reader has the index mapped");
	ok(!ipdb_changed(old), "unchanged");
	ok(build(p, 0, &bad, &e, FIX "country4.csv", FIX "correction.csv", (char *)NULL) == V_OK,
	   "rebuilt in place");
	ok(ipdb_changed(old), "the reader sees it was replaced");
	if (old) {
		struct ipdb_result r;
		struct ipdb_addr a = A("1.0.0.5");
		ipdb_lookup(old, &a, &r);
		ok(r.asn == 13335 && !strcmp(r.country, "AU"),
		   "the reader still answers from the old");
		ipdb_close(old);
	}
	ok(ipdb_open(p, 0, &db, &e) == V_OK, "the new one opens");
	if (db) {
		is_str(cc_of(db, "1.0.0.5"), "NZ", "with the new data");
		ipdb_close(db);
	}
	{
		char cmd[600];
		snprintf(cmd, sizeof(cmd), "ls %s | grep -c tmp- >/dev/null", dir);
		ok(system(cmd) != 0, "no temporary file left behind");
	}
}

/* Tables full of garbage (DIR, NODES, UVAL and every step but the first, which must start at
 * 0 for the file to open; the header and the strings intact): every lookup, one at a time and
 * in batches, stays inside the mapping (ASan would stop the test) and the batches answer as
 * the single lookups do.  The fills: pseudo-random bytes, then uint32 entries that all look
 * like nodes, of every width. */
static void test_garbage(void)
{
	struct verr e = { 0 };
	struct bad_log bad = { 0 };
	const char *p = tmp("garbage-src.ipdb"), *q = tmp("garbage.ipdb");
	enum { N = 3000 };
	static struct ipdb_addr v[N];
	static struct ipdb_result many[N];
	static char cc[N][3];
	uint64_t x = 0x9e3779b97f4a7c15u;

	ok(build(p, 0, &bad, &e, FIX "asn4.csv", FIX "asn6.csv", FIX "country4.csv",
		 FIX "country6.csv", (char *)NULL) == V_OK, "built with both families");
	for (size_t i = 0; i < N; i++) {
		x ^= x << 13, x ^= x >> 7, x ^= x << 17;
		v[i].family = i % 2 ? 6 : 4;
		v[i].hi = v[i].family == 6 ? (x & 0x1fffffffffffffffu) | 0x2000000000000000u : 0;
		v[i].lo = v[i].family == 6 ? x * 31 : x >> 32;
		if (i % 5 == 0 && v[i].family == 6)
			v[i].hi = 0x20010db800000000u | (x >> 48); /* near the fixtures' rows */
	}
	for (int pass = 0; pass < 3; pass++) {
		FILE *f = fopen(p, "rb"), *g = fopen(q, "wb");
		struct ipdb *db = NULL;
		long i = 0;
		int c, same = 1;
		if (!f || !g) {
			ok(0, "garbage copy");
			if (f)
				fclose(f);
			if (g)
				fclose(g);
			return;
		}
		struct ipdb_fheader h;
		if (fread(&h, sizeof(h), 1, f) != 1 || fseek(f, 0, SEEK_SET) != 0) {
			ok(0, "garbage: the header");
			fclose(f);
			fclose(g);
			return;
		}
		while ((c = getc(f)) != EOF) {
			int in = 0;
			for (int t = 0; t < IPDB_NTABLES; t++)
				for (int part = 0; part < IPDB_P_UVAL + 1; part++) {
					const struct ipdb_fsect *sc = &h.sect[IPDB_SECT(t, part)];
					long from = (long)sc->off + (part == IPDB_P_STEPS ? 24 : 0);
					if (sc->len && i >= from && i < (long)(sc->off + sc->len))
						in = 1;
				}
			if (in) {
				x ^= x << 13, x ^= x >> 7, x ^= x << 17;
				if (pass == 0)
					c = (int)(x & 0xff);
				else if (i % 4 == 3) /* little-endian uint32: the top byte */
					c = pass == 1 ? 0x80 : 0xff;
				else
					c = (int)(x & (pass == 1 ? 0xff : 0x1f));
			}
			putc(c, g);
			i++;
		}
		fclose(f);
		fclose(g);
		ok(ipdb_open(q, 0, &db, &e) == V_OK, "garbage body %d: opens without verification",
		   pass);
		if (!db)
			continue;
		ipdb_lookup_many(db, v, N, many);
		ipdb_lookup_country_many(db, v, N, cc);
		for (size_t k = 0; k < N; k++) {
			struct ipdb_result one;
			char c1[3];
			ipdb_lookup(db, &v[k], &one);
			ipdb_lookup_country(db, &v[k], c1);
			if (strcmp(c1, cc[k]) || one.have != many[k].have || one.asn != many[k].asn ||
			    strcmp(one.country, many[k].country))
				same = 0;
		}
		ok(same, "garbage body %d: the batches answer as the single lookups", pass);
		ipdb_close(db);
	}
}

int main(void)
{
	char cmd[600];

	if (!mkdtemp(dir)) {
		ok(0, "temporary directory");
		return done_testing();
	}
	test_addresses();
	test_csv();
	test_sources();
	test_mmdb();
	test_file();
	test_garbage();
	snprintf(cmd, sizeof(cmd), "rm -rf %s", dir);
	if (system(cmd) != 0)
		printf("# could not remove %s\n", dir);
	return done_testing();
}
