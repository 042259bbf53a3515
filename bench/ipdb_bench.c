/*
 * ipdb_bench.c — lookups per second of vigia's IP attribution index against libmaxminddb, on
 * the same data, the same addresses, in the same run; answers compared for every address.
 *
 *   ipdb_bench [-n N] [-r RUNS] [-s SEED] [-f 4|6] GEO.ipdb GEO.mmdb IPV4.csv IPV6.csv [FULL.ipdb]
 *   ipdb_bench [-n N] [-s SEED] -W FILE IPV4.csv IPV6.csv    (write the addresses, one a line)
 *
 * GEO.ipdb is built from the geo-whois-asn-country CSV files (IPV4.csv, IPV6.csv: also where
 * the sample draws rows from), GEO.mmdb is the same data as a MaxMind DB; FULL.ipdb, if given,
 * adds the ASN data (two layers: two searches a lookup).  N addresses (default 1,000,000) are
 * drawn as tests/unit/test_ipdb_sample.h says (-f 4 or -f 6: only that family's, drawn the same
 * way), parsed once; then each loop runs RUNS times
 * (default 5) and the best time counts:
 *
 *   vigia country       ipdb_lookup_country()            (the country layer)
 *   vigia country many  ipdb_lookup_country_many(), 256 addresses a call
 *   vigia full          ipdb_lookup() on GEO.ipdb        (both layers, the range that answered)
 *   vigia full many     ipdb_lookup_many()
 *   vigia full+asn      ipdb_lookup() on FULL.ipdb, and ipdb_lookup_many()
 *   mmdb lookup         MMDB_lookup_sockaddr()           (the tree walk, no data decoded)
 *   mmdb country        MMDB_lookup_sockaddr() + MMDB_get_value("country_code")
 *
 * Each round runs every loop once, in turn; the best of the rounds counts.
 *
 * Loops are timed in thread CPU time (CLOCK_THREAD_CPUTIME_ID), open times in wall time.
 * Then: every address's country from vigia and from libmaxminddb compared (exit status 1 if
 * any differs); the time to open an index (ipdb_open + ipdb_close, best and median of 200) and
 * a MaxMind DB (MMDB_open + MMDB_close); resident memory before and after each library's
 * lookups (VmRSS: the pages of the mapped file that the lookups touched).  Output: one
 * "key value" line per figure (bench/ipdb.sh reads them).
 */
#include <getopt.h>
#include <time.h>

#include "test_ipdb_sample.h"

static double now(void)
{
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	return (double)t.tv_sec + (double)t.tv_nsec / 1e9;
}

/* The lookup loops are timed in this thread's CPU time: on a machine shared with other work,
 * time spent waiting for the processor would otherwise count against whichever loop it fell
 * on. */
static double cpu_now(void)
{
	struct timespec t;

	clock_gettime(CLOCK_THREAD_CPUTIME_ID, &t);
	return (double)t.tv_sec + (double)t.tv_nsec / 1e9;
}

static long rss_kb(void)
{
	FILE *f = fopen("/proc/self/status", "r");
	char line[256];
	long kb = -1;

	if (!f)
		return -1;
	while (fgets(line, sizeof(line), f))
		if (!strncmp(line, "VmRSS:", 6))
			kb = strtol(line + 6, NULL, 10);
	fclose(f);
	return kb;
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

static volatile uint64_t sink;

enum loop {
	L_VCOUNTRY,
	L_VFULL,
	L_VFULLASN,
	L_VCOUNTRY_MANY,
	L_VFULL_MANY,
	L_VFULLASN_MANY,
	L_MLOOKUP,
	L_MCOUNTRY
};

#define CHUNK 256 /* addresses per ipdb_lookup_many() call */

static double run_loop(enum loop l, const struct ipdb *db, MMDB_s *mm,
		       const struct ipdb_addr *a, const struct sockaddr_storage *sa, size_t n)
{
	uint64_t acc = 0;
	double t0 = cpu_now();

	if (l == L_VCOUNTRY_MANY || l == L_VFULL_MANY || l == L_VFULLASN_MANY) {
		static struct ipdb_result r[CHUNK];
		static char cc[CHUNK][3];
		for (size_t i = 0; i < n; i += CHUNK) {
			size_t k = n - i < CHUNK ? n - i : CHUNK;
			if (l == L_VCOUNTRY_MANY) {
				ipdb_lookup_country_many(db, a + i, k, cc);
				for (size_t j = 0; j < k; j++)
					acc += (unsigned char)cc[j][0];
			} else {
				ipdb_lookup_many(db, a + i, k, r);
				for (size_t j = 0; j < k; j++)
					acc +=
					    r[j].have + r[j].asn + (unsigned char)r[j].country[0];
			}
		}
		sink += acc;
		return cpu_now() - t0;
	}
	for (size_t i = 0; i < n; i++) {
		char cc[3];
		struct ipdb_result r;
		MMDB_lookup_result_s mr;
		MMDB_entry_data_s d;
		int err;
		switch (l) {
		case L_VCOUNTRY:
			acc += (uint64_t)ipdb_lookup_country(db, &a[i], cc) + (unsigned char)cc[0];
			break;
		case L_VFULL:
		case L_VFULLASN:
			acc += ipdb_lookup(db, &a[i], &r) + r.asn + (unsigned char)r.country[0];
			break;
		case L_MLOOKUP:
			mr = MMDB_lookup_sockaddr(mm, (const struct sockaddr *)&sa[i], &err);
			acc += (uint64_t)mr.found_entry + mr.entry.offset;
			break;
		case L_MCOUNTRY:
			mr = MMDB_lookup_sockaddr(mm, (const struct sockaddr *)&sa[i], &err);
			if (mr.found_entry &&
			    MMDB_get_value(&mr.entry, &d, "country_code", NULL) == MMDB_SUCCESS &&
			    d.has_data && d.type == MMDB_DATA_TYPE_UTF8_STRING && d.data_size > 0)
				acc += (unsigned char)d.utf8_string[0];
			break;
		default: /* the _MANY loops: above */
			break;
		}
	}
	sink += acc;
	return cpu_now() - t0;
}

/* Best time of each loop over RUNS rounds; each round runs every loop once, in turn, so that
 * the work of other processes on the machine falls on all of them alike. */
static void best_of(int runs, int nloops, const enum loop *loops, const struct ipdb *const *dbs,
		    MMDB_s *mm, const struct ipdb_addr *a, const struct sockaddr_storage *sa,
		    size_t n, double *best)
{
	for (int k = 0; k < nloops; k++)
		best[k] = 1e30;
	for (int r = 0; r < runs; r++) {
		for (int k = 0; k < nloops; k++) {
			double t = run_loop(loops[k], dbs[k], mm, a, sa, n);
			if (t < best[k])
				best[k] = t;
		}
	}
}

static void open_times(const char *path, int mmdb, double *best, double *median)
{
	double t[200];
	int n = 0;

	for (int i = 0; i < 200; i++) {
		double t0 = now();
		if (mmdb) {
			MMDB_s m;
			if (MMDB_open(path, MMDB_MODE_MMAP, &m) != MMDB_SUCCESS)
				break;
			MMDB_close(&m);
		} else {
			struct ipdb *db;
			if (ipdb_open(path, 0, &db, NULL) != V_OK)
				break;
			ipdb_close(db);
		}
		t[n++] = now() - t0;
	}
	if (n == 0) {
		*best = *median = -1;
		return;
	}
	qsort(t, (size_t)n, sizeof(t[0]), cmp_double);
	*best = t[0];
	*median = t[n / 2];
}

int main(int argc, char **argv)
{
	size_t n = 1000000;
	int runs = 5, c;
	uint64_t seed = 20261128;
	struct ipdb *geo = NULL, *full = NULL;
	struct verr e = { 0 };
	struct sample_ranges r4 = { 0 }, r6 = { 0 };
	struct sample_addrs s = { 0 };
	struct sockaddr_storage *sa;
	MMDB_s mm;
	size_t diff = 0, answered = 0;
	long rss0, rss1, rss2;
	const char *write_to = NULL;
	int family = 0;

	while ((c = getopt(argc, argv, "n:r:s:W:f:")) != -1) {
		switch (c) {
		case 'f': family = (int)strtol(optarg, NULL, 10); break;
		case 'W': write_to = optarg; break;
		case 'n': n = (size_t)strtoull(optarg, NULL, 10); break;
		case 'r': runs = (int)strtol(optarg, NULL, 10); break;
		case 's': seed = strtoull(optarg, NULL, 10); break;
		default: return 2;
		}
	}
	if (write_to && argc - optind == 2) {
		FILE *f = fopen(write_to, "w");
		if (!f || sample_read_csv(argv[optind], &r4) != 0 ||
		    sample_read_csv(argv[optind + 1], &r6) != 0)
			return 2;
		sample_make(&r4, &r6, n, 0, seed, &s);
		for (size_t i = 0; i < n; i++) {
			char a[IPDB_ADDRSTRLEN];
			ipdb_addr_format(&s.v[i], a);
			fprintf(f, "%s\n", a);
		}
		return fclose(f) == 0 ? 0 : 2;
	}
	if (argc - optind < 4 || runs < 1) {
		fprintf(stderr, "usage: ipdb_bench [-n N] [-r RUNS] [-s SEED] GEO.ipdb GEO.mmdb "
				"IPV4.csv IPV6.csv [FULL.ipdb]\n");
		return 2;
	}
	if (sample_read_csv(argv[optind + 2], &r4) != 0 ||
	    sample_read_csv(argv[optind + 3], &r6) != 0) {
		fprintf(stderr, "ipdb_bench: cannot read the CSV files\n");
		return 2;
	}
	sample_make(&r4, &r6, family ? 4 * n : n, 0, seed, &s);
	if (family) {
		size_t k = 0;
		for (size_t i = 0; i < s.n && k < n; i++)
			if (s.v[i].family == family)
				s.v[k++] = s.v[i];
		n = k;
	}
	s.n = n; /* the random addresses only: no edge cases in the timed loops */
	sa = calloc(n, sizeof(*sa));
	if (!sa)
		return 2;
	for (size_t i = 0; i < n; i++)
		sample_sockaddr(&s.v[i], &sa[i]);
	free(r4.v);
	free(r6.v);

	rss0 = rss_kb();
	if (ipdb_open(argv[optind], 0, &geo, &e) != V_OK) {
		fprintf(stderr, "ipdb_bench: %s: %s\n", argv[optind], e.reason);
		return 2;
	}
	if (argc - optind > 4 && ipdb_open(argv[optind + 4], 0, &full, &e) != V_OK) {
		fprintf(stderr, "ipdb_bench: %s: %s\n", argv[optind + 4], e.reason);
		return 2;
	}
	printf("addresses %zu\n", n);
	printf("runs %d\n", runs);
	/* the first pass over each index, alone: the pages it touches become resident */
	run_loop(L_VFULL, geo, NULL, s.v, sa, n);
	rss1 = rss_kb();
	if (MMDB_open(argv[optind + 1], MMDB_MODE_MMAP, &mm) != MMDB_SUCCESS) {
		fprintf(stderr, "ipdb_bench: %s: cannot open\n", argv[optind + 1]);
		return 2;
	}
	rss2 = rss_kb();
	run_loop(L_MCOUNTRY, NULL, &mm, s.v, sa, n);
	printf("rss_vigia_kb %ld\n", rss1 - rss0);
	printf("rss_mmdb_kb %ld\n", rss_kb() - rss2);
	{
		enum loop loops[] = { L_VCOUNTRY, L_VCOUNTRY_MANY, L_MCOUNTRY, L_VFULL,
				      L_VFULL_MANY, L_MLOOKUP, L_VFULLASN, L_VFULLASN_MANY };
		const struct ipdb *dbs[] = { geo, geo, NULL, geo, geo, NULL, full, full };
		static const char *const names[] = {
			"vigia_country_per_s", "vigia_country_many_per_s", "mmdb_country_per_s",
			"vigia_full_per_s", "vigia_full_many_per_s", "mmdb_lookup_per_s",
			"vigia_full_asn_per_s", "vigia_full_asn_many_per_s"
		};
		double best[8];
		int nloops = full ? 8 : 6;
		best_of(runs, nloops, loops, dbs, &mm, s.v, sa, n, best);
		for (int k = 0; k < nloops; k++)
			printf("%s %.0f\n", names[k], (double)n / best[k]);
	}

	for (size_t i = 0; i < n; i++) {
		char mine[3], theirs[3];
		ipdb_lookup_country(geo, &s.v[i], mine);
		sample_mmdb_country(&mm, &s.v[i], theirs);
		answered += theirs[0] != 0;
		if (strcmp(mine, theirs)) {
			char a[IPDB_ADDRSTRLEN];
			ipdb_addr_format(&s.v[i], a);
			if (diff++ < 10)
				fprintf(stderr, "differs: %s: vigia '%s', libmaxminddb '%s'\n", a,
					mine, theirs);
		}
	}
	printf("answered %zu\n", answered);
	printf("differ %zu\n", diff);
	MMDB_close(&mm);
	ipdb_close(geo);
	ipdb_close(full);

	double best, median;
	open_times(argv[optind], 0, &best, &median);
	printf("open_ipdb_best_ms %.4f\nopen_ipdb_median_ms %.4f\n", best * 1e3, median * 1e3);
	if (argc - optind > 4) {
		open_times(argv[optind + 4], 0, &best, &median);
		printf("open_full_best_ms %.4f\nopen_full_median_ms %.4f\n", best * 1e3,
		       median * 1e3);
	}
	open_times(argv[optind + 1], 1, &best, &median);
	printf("open_mmdb_best_ms %.4f\nopen_mmdb_median_ms %.4f\n", best * 1e3, median * 1e3);
	free(s.v);
	free(sa);
	return diff ? 1 : 0;
}
