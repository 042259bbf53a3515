/*
 * test_ipdb_sample.h — the addresses on which vigia's IP attribution index is compared with
 * libmaxminddb (tests/unit/test_ipdb_oracle.c on a sample, bench/ipdb_bench.c on 1,000,000),
 * and the comparison itself.  Header-only, shared by the two programs.
 *
 * The addresses are deterministic for a seed (splitmix64):
 *   40% IPv4 uniformly random over the whole space (most of it allocated)
 *   10% IPv4 inside a random row of the IPv4 range CSV
 *   25% IPv6 inside a random row of the IPv6 range CSV
 *   25% IPv6 uniformly random in 2000::/3 (mostly unallocated: the "no answer" case)
 * then the edge cases: for every k-th row (about edge_rows rows per family) its start and end
 * and the addresses one below and one above each; and the ends of both address spaces.
 */
#ifndef VIGIA_TESTS_IPDB_SAMPLE_H
#define VIGIA_TESTS_IPDB_SAMPLE_H

#include <arpa/inet.h>
#include <maxminddb.h>
#include <netinet/in.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "enrich/ipdb.h"

typedef unsigned __int128 sample_u128;

struct sample_range {
	struct ipdb_addr first, last;
};

struct sample_ranges {
	struct sample_range *v;
	size_t n, size;
};

static uint64_t sample_next(uint64_t *s)
{
	uint64_t z = (*s += 0x9e3779b97f4a7c15ULL);

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
	return z ^ (z >> 31);
}

static sample_u128 sample_v(const struct ipdb_addr *a)
{
	return (sample_u128)a->hi << 64 | a->lo;
}

static struct ipdb_addr sample_addr(int family, sample_u128 v)
{
	struct ipdb_addr a = { family, (uint64_t)(v >> 64), (uint64_t)v };

	return a;
}

/* The rows (start, end) of a range CSV with addresses as text.  0, or -1 (cannot read). */
static int sample_read_csv(const char *path, struct sample_ranges *out)
{
	FILE *f = fopen(path, "r");
	char line[4096];

	if (!f)
		return -1;
	while (fgets(line, sizeof(line), f)) {
		char *c1 = strchr(line, ','), *c2 = c1 ? strchr(c1 + 1, ',') : NULL;
		struct sample_range r;
		if (!c2)
			continue;
		if (ipdb_addr_parse(line, (size_t)(c1 - line), &r.first) != V_OK ||
		    ipdb_addr_parse(c1 + 1, (size_t)(c2 - c1 - 1), &r.last) != V_OK)
			continue;
		if (out->n == out->size) {
			size_t ns = out->size ? out->size * 2 : 4096;
			struct sample_range *p = realloc(out->v, ns * sizeof(*p));
			if (!p) {
				fclose(f);
				return -1;
			}
			out->v = p;
			out->size = ns;
		}
		out->v[out->n++] = r;
	}
	fclose(f);
	return 0;
}

struct sample_addrs {
	struct ipdb_addr *v;
	size_t n, size;
};

static void sample_push(struct sample_addrs *s, struct ipdb_addr a)
{
	if (s->n == s->size) {
		size_t ns = s->size ? s->size * 2 : 4096;
		struct ipdb_addr *p = realloc(s->v, ns * sizeof(*p));
		if (!p) {
			fprintf(stderr, "out of memory\n");
			exit(2);
		}
		s->v = p;
		s->size = ns;
	}
	s->v[s->n++] = a;
}

static struct ipdb_addr sample_inside(const struct sample_ranges *r, uint64_t *seed)
{
	const struct sample_range *x = &r->v[sample_next(seed) % r->n];
	sample_u128 lo = sample_v(&x->first), span = sample_v(&x->last) - lo;
	sample_u128 rnd = (sample_u128)sample_next(seed) << 64 | sample_next(seed);

	return sample_addr(x->first.family, span == ~(sample_u128)0 ? rnd : lo + rnd % (span + 1));
}

/* n random addresses, then the edge cases. */
static void sample_make(const struct sample_ranges *r4, const struct sample_ranges *r6, size_t n,
			size_t edge_rows, uint64_t seed, struct sample_addrs *out)
{
	static const char *const special[] = { "0.0.0.0", "255.255.255.255", "10.0.0.1",
					       "127.0.0.1", "192.168.1.1", "::", "::1",
					       "2001:db8::1", "fe80::1", "ff02::1",
					       "ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff" };

	for (size_t i = 0; i < n; i++) {
		uint64_t k = sample_next(&seed) % 100;
		if (k < 40 || (k < 50 && !r4->n)) {
			sample_push(out, sample_addr(4, (uint32_t)sample_next(&seed)));
		} else if (k < 50) {
			sample_push(out, sample_inside(r4, &seed));
		} else if (k < 75 && r6->n) {
			sample_push(out, sample_inside(r6, &seed));
		} else {
			sample_u128 v = (sample_u128)sample_next(&seed) << 64 | sample_next(&seed);
			v = (v >> 3) | ((sample_u128)1 << 125); /* 2000::/3 */
			sample_push(out, sample_addr(6, v));
		}
	}
	for (int fam = 0; fam < 2; fam++) {
		const struct sample_ranges *r = fam ? r6 : r4;
		sample_u128 top = fam ? ~(sample_u128)0 : 0xffffffffu;
		size_t step = edge_rows && r->n > edge_rows ? r->n / edge_rows : 1;
		for (size_t i = 0; i < r->n; i += step) {
			sample_u128 a = sample_v(&r->v[i].first), b = sample_v(&r->v[i].last);
			int f = r->v[i].first.family;
			sample_push(out, sample_addr(f, a));
			sample_push(out, sample_addr(f, b));
			if (a > 0)
				sample_push(out, sample_addr(f, a - 1));
			if (a < top)
				sample_push(out, sample_addr(f, a + 1));
			if (b > 0)
				sample_push(out, sample_addr(f, b - 1));
			if (b < top)
				sample_push(out, sample_addr(f, b + 1));
		}
	}
	for (size_t i = 0; i < sizeof(special) / sizeof(special[0]); i++) {
		struct ipdb_addr a;
		if (ipdb_addr_parse(special[i], strlen(special[i]), &a) == V_OK)
			sample_push(out, a);
	}
}

/* The sockaddr libmaxminddb looks up for a. */
static const struct sockaddr *sample_sockaddr(const struct ipdb_addr *a,
					      struct sockaddr_storage *ss)
{
	memset(ss, 0, sizeof(*ss));
	if (a->family == 4) {
		struct sockaddr_in *s4 = (struct sockaddr_in *)ss;
		s4->sin_family = AF_INET;
		s4->sin_addr.s_addr = htonl((uint32_t)a->lo);
	} else {
		struct sockaddr_in6 *s6 = (struct sockaddr_in6 *)ss;
		s6->sin6_family = AF_INET6;
		for (int i = 0; i < 8; i++) {
			s6->sin6_addr.s6_addr[i] = (uint8_t)(a->hi >> (56 - 8 * i));
			s6->sin6_addr.s6_addr[8 + i] = (uint8_t)(a->lo >> (56 - 8 * i));
		}
	}
	return (const struct sockaddr *)ss;
}

/* libmaxminddb's country for a ("" if none): the record's country_code, or country.iso_code. */
static void sample_mmdb_country(MMDB_s *mm, const struct ipdb_addr *a, char cc[3])
{
	struct sockaddr_storage ss;
	MMDB_lookup_result_s r;
	MMDB_entry_data_s d;
	int err = 0;

	cc[0] = 0;
	r = MMDB_lookup_sockaddr(mm, sample_sockaddr(a, &ss), &err);
	if (err != MMDB_SUCCESS || !r.found_entry)
		return;
	if ((MMDB_get_value(&r.entry, &d, "country_code", NULL) == MMDB_SUCCESS && d.has_data) ||
	    (MMDB_get_value(&r.entry, &d, "country", "iso_code", NULL) == MMDB_SUCCESS &&
	     d.has_data)) {
		if (d.type == MMDB_DATA_TYPE_UTF8_STRING && d.data_size == 2) {
			cc[0] = d.utf8_string[0];
			cc[1] = d.utf8_string[1];
			cc[2] = 0;
		}
	}
}

#endif
