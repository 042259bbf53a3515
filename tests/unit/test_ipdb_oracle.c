/*
 * test_ipdb_oracle.c — the correctness oracle of the IP attribution index: on the
 * geo-whois-asn-country data of ../shared/data/ipdb/, published both as range CSV files and as
 * a MaxMind DB, vigia's country must equal libmaxminddb's for every address of a deterministic
 * sample (test_ipdb_sample.h: 100,000 random IPv4 and IPv6 addresses, the boundaries of about
 * 2,000 rows per family and one below and above each, IPv4-mapped IPv6 forms, the ends of the
 * address spaces).  The same holds for an index built from the MaxMind DB itself (the reader
 * of MaxMind DB sources), for the batch lookups (ipdb_lookup_country_many, ipdb_lookup_many),
 * and for an index that also holds the ASN data (asn-ipv4/6.csv: the country then comes from
 * the second layer of each lookup).
 * bench/ipdb.sh runs the comparison over 1,000,000 addresses.
 *
 * The tarballs are unpacked into a temporary directory (never into the repository).  Without
 * ../shared (or $VIGIA_SHARED) the test says SKIP and passes.
 */
#include <spawn.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "tap.h"
#include "test_ipdb_sample.h"

extern char **environ;

#define TARBALL_CSV "ip-location-db-geo-whois-asn-country-2.3.2026061719.tgz"
#define TARBALL_MMDB "ip-location-db-geo-whois-asn-country-mmdb-2.3.2026061719.tgz"
#define TARBALL_ASN "ip-location-db-asn-2.3.2026061719.tgz"

static int untar(const char *tarball, const char *dir, const char *member)
{
	char *argv[] = { "tar", "-xzf", (char *)tarball, "-C", (char *)dir, (char *)member, NULL };
	pid_t pid;
	int st;

	if (posix_spawnp(&pid, "tar", NULL, NULL, argv, environ) != 0)
		return -1;
	if (waitpid(pid, &st, 0) < 0 || !WIFEXITED(st) || WEXITSTATUS(st) != 0)
		return -1;
	return 0;
}

static void rm_tree(const char *dir)
{
	char *argv[] = { "rm", "-rf", (char *)dir, NULL };
	pid_t pid;
	int st;

	if (posix_spawnp(&pid, "rm", NULL, NULL, argv, environ) == 0)
		waitpid(pid, &st, 0);
}

int main(void)
{
	const char *shared = getenv("VIGIA_SHARED");
	char data[2048], tb[4096], dir[] = "/tmp/vigia-ipdb-oracle-XXXXXX", p4[4200], p6[4200],
	     pm[4200], idx[4200], idxm[4200], a4[4200], a6[4200], idxf[4200];
	struct sample_ranges r4 = { 0 }, r6 = { 0 };
	struct sample_addrs s = { 0 };
	struct ipdb_builder *b = NULL;
	struct ipdb *db = NULL, *dbm = NULL, *dbf = NULL;
	struct verr e = { 0 };
	struct stat st;
	MMDB_s mm;
	size_t diff = 0, answered = 0, shown = 0, mapped_diff = 0, mapped = 0;

	snprintf(data, sizeof(data), "%s/data/ipdb", shared && *shared ? shared : "../shared");
	snprintf(tb, sizeof(tb), "%s/%s", data, TARBALL_CSV);
	if (stat(tb, &st) != 0) {
		printf("SKIP %s is absent: no oracle data\n", tb);
		return 0;
	}
	if (!mkdtemp(dir)) {
		ok(0, "temporary directory");
		return done_testing();
	}
	ok(untar(tb, dir, "package/geo-whois-asn-country-ipv4.csv") == 0 &&
		   untar(tb, dir, "package/geo-whois-asn-country-ipv6.csv") == 0,
	   "CSV files unpacked");
	snprintf(tb, sizeof(tb), "%s/%s", data, TARBALL_MMDB);
	ok(untar(tb, dir, "package/geo-whois-asn-country.mmdb") == 0, "MaxMind DB unpacked");
	snprintf(tb, sizeof(tb), "%s/%s", data, TARBALL_ASN);
	ok(untar(tb, dir, "package/asn-ipv4.csv") == 0 && untar(tb, dir, "package/asn-ipv6.csv") == 0,
	   "ASN CSV files unpacked");
	snprintf(a4, sizeof(a4), "%s/package/asn-ipv4.csv", dir);
	snprintf(a6, sizeof(a6), "%s/package/asn-ipv6.csv", dir);
	snprintf(idxf, sizeof(idxf), "%s/full.ipdb", dir);
	snprintf(p4, sizeof(p4), "%s/package/geo-whois-asn-country-ipv4.csv", dir);
	snprintf(p6, sizeof(p6), "%s/package/geo-whois-asn-country-ipv6.csv", dir);
	snprintf(pm, sizeof(pm), "%s/package/geo-whois-asn-country.mmdb", dir);
	snprintf(idx, sizeof(idx), "%s/geo.ipdb", dir);
	snprintf(idxm, sizeof(idxm), "%s/geo-from-mmdb.ipdb", dir);

	ok(ipdb_builder_new(IPDB_BUILD_STRICT, NULL, NULL, &b) == V_OK, "builder");
	ok(ipdb_builder_add(b, p4, NULL, &e) == V_OK, "IPv4 CSV read (strict) %s", e.reason);
	ok(ipdb_builder_add(b, p6, NULL, &e) == V_OK, "IPv6 CSV read (strict) %s", e.reason);
	ok(ipdb_builder_write(b, idx, NULL, &e) == V_OK, "index written %s", e.reason);
	ipdb_builder_free(b);
	ok(ipdb_open(idx, IPDB_OPEN_VERIFY, &db, &e) == V_OK, "index opened %s", e.reason);
	ok(ipdb_builder_new(IPDB_BUILD_STRICT, NULL, NULL, &b) == V_OK &&
		   ipdb_builder_add(b, pm, NULL, &e) == V_OK &&
		   ipdb_builder_write(b, idxm, NULL, &e) == V_OK,
	   "index built from the MaxMind DB %s", e.reason);
	ipdb_builder_free(b);
	ok(ipdb_open(idxm, 0, &dbm, &e) == V_OK, "and opened %s", e.reason);
	ok(ipdb_builder_new(IPDB_BUILD_STRICT, NULL, NULL, &b) == V_OK &&
		   ipdb_builder_add(b, a4, NULL, &e) == V_OK &&
		   ipdb_builder_add(b, a6, NULL, &e) == V_OK &&
		   ipdb_builder_add(b, p4, NULL, &e) == V_OK &&
		   ipdb_builder_add(b, p6, NULL, &e) == V_OK &&
		   ipdb_builder_write(b, idxf, NULL, &e) == V_OK,
	   "index built from the ASN and country CSV files %s", e.reason);
	ipdb_builder_free(b);
	ok(ipdb_open(idxf, 0, &dbf, &e) == V_OK, "and opened %s", e.reason);
	ok(MMDB_open(pm, MMDB_MODE_MMAP, &mm) == MMDB_SUCCESS, "MaxMind DB opened");
	sample_read_csv(p4, &r4);
	sample_read_csv(p6, &r6);
	ok(r4.n > 300000 && r6.n > 200000, "rows read for sampling (%zu IPv4, %zu IPv6)", r4.n,
	   r6.n);
	if (!db || !dbm || !dbf)
		goto out;
	sample_make(&r4, &r6, 100000, 2000, 20261128, &s);
	for (size_t i = 0; i < s.n; i++) {
		char mine[3], full[3], theirs[3];
		struct ipdb_result r;
		ipdb_lookup_country(db, &s.v[i], mine);
		ipdb_lookup(db, &s.v[i], &r);
		memcpy(full, r.country, 3);
		sample_mmdb_country(&mm, &s.v[i], theirs);
		answered += theirs[0] != 0;
		if (strcmp(mine, theirs) || strcmp(full, theirs)) {
			char a[IPDB_ADDRSTRLEN];
			diff++;
			ipdb_addr_format(&s.v[i], a);
			if (shown++ < 10)
				printf("# %s: vigia '%s' (full lookup '%s'), libmaxminddb '%s'\n",
				       a, mine, full, theirs);
		}
		/* the IPv4-mapped form answers as the IPv4 address */
		if (s.v[i].family == 4 && i % 10 == 0) {
			char a[IPDB_ADDRSTRLEN], m[IPDB_ADDRSTRLEN + 8];
			struct ipdb_addr x;
			ipdb_addr_format(&s.v[i], a);
			snprintf(m, sizeof(m), "::ffff:%s", a);
			mapped++;
			if (ipdb_addr_parse(m, strlen(m), &x) != V_OK || x.family != 4 ||
			    !ipdb_lookup_country(db, &x, mine) != !theirs[0] ||
			    (theirs[0] && strcmp(mine, theirs)))
				mapped_diff++;
		}
	}
	ok(diff == 0, "%zu addresses (%zu with a country): vigia equals libmaxminddb (%zu differ)",
	   s.n, answered, diff);
	{
		char(*cc)[3] = calloc(s.n, 3);
		struct ipdb_result *rf = calloc(s.n, sizeof(*rf));
		size_t dm = 0, dmany = 0, df = 0, dfmany = 0, withasn = 0;
		if (cc && rf) {
			ipdb_lookup_country_many(db, s.v, s.n, cc);
			for (size_t i = 0; i < s.n; i++) {
				char one[3], m[3];
				ipdb_lookup_country(db, &s.v[i], one);
				ipdb_lookup_country(dbm, &s.v[i], m);
				dmany += strcmp(one, cc[i]) != 0;
				dm += strcmp(one, m) != 0;
			}
			ipdb_lookup_many(dbf, s.v, s.n, rf);
			for (size_t i = 0; i < s.n; i++) {
				char one[3];
				struct ipdb_result r;
				ipdb_lookup_country(db, &s.v[i], one);
				ipdb_lookup(dbf, &s.v[i], &r);
				withasn += (r.have & IPDB_HAVE_ASN) != 0;
				df += strcmp(one, r.country) != 0;
				dfmany += r.have != rf[i].have || r.asn != rf[i].asn ||
					  strcmp(r.country, rf[i].country) ||
					  r.first.hi != rf[i].first.hi || r.first.lo != rf[i].first.lo ||
					  r.last.hi != rf[i].last.hi || r.last.lo != rf[i].last.lo;
			}
		}
		ok(cc && dmany == 0, "batch lookups answer the same (%zu differ)", dmany);
		ok(rf && df == 0 && withasn > s.n / 3,
		   "with the ASN layer too, the country is the same (%zu differ; %zu with an ASN)", df,
		   withasn);
		ok(rf && dfmany == 0, "ipdb_lookup_many() equals ipdb_lookup() (%zu differ)", dfmany);
		free(rf);
		ok(cc && dm == 0,
		   "the index built from the MaxMind DB answers the same (%zu differ)", dm);
		free(cc);
	}
	ok(answered > s.n / 3 && answered < s.n, "the sample has both answers and no answers");
	ok(mapped_diff == 0, "%zu IPv4-mapped IPv6 addresses answer as IPv4 (%zu differ)", mapped,
	   mapped_diff);
	MMDB_close(&mm);
out:
	ipdb_close(db);
	ipdb_close(dbm);
	ipdb_close(dbf);
	free(r4.v);
	free(r6.v);
	free(s.v);
	rm_tree(dir);
	return done_testing();
}
