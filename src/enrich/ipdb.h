/*
 * ipdb.h — IP attribution: which network, autonomous system, AS name and country an address
 * belongs to, answered offline from one index file that vigia maps into memory.
 *
 * The index is compiled once (`vigia ipdb build`, ipdb_build.c) from range CSV files
 * (`start,end,asn,org` and `start,end,country`) and MaxMind DB files, and then used directly
 * from mmap(): opening it checks the header and the section bounds and does no parsing, so it
 * costs the same few microseconds whatever the table size.  The layout is in ipdb_format.h and
 * docs/formats.md ("IP attribution index").
 *
 * Two layers answer each address: the ASN layer (ASN, AS name) and the country layer.  Each is
 * a step function over the address space (sorted range starts, one value per range, gaps stored
 * as ranges without a value); a lookup is a predecessor search (a direct table on the top bits
 * narrows it to a handful of ranges, then a binary search).  Where source rows overlap, the
 * later row wins (later in its file, or in a source named later); unallocated space has no
 * answer.  IPv4-mapped IPv6 addresses (::ffff:a.b.c.d) answer as the IPv4 address.
 *
 * Thread safety: an open index is read-only; any number of threads may look up at once.
 */
#ifndef VIGIA_ENRICH_IPDB_H
#define VIGIA_ENRICH_IPDB_H

#include <stddef.h>
#include <stdint.h>

#include "base/err.h"

#define IPDB_FORMAT_VERSION 1
#define IPDB_ADDRSTRLEN 46 /* INET6_ADDRSTRLEN */
#define IPDB_NETSTRLEN 50  /* an address, '/', a prefix length */

/* An address.  IPv4: family 4, the address in the low 32 bits of lo, hi 0.  IPv6: family 6, the
 * 128 bits as two halves, hi the first 64 (network byte order read as numbers). */
struct ipdb_addr {
	int family;
	uint64_t hi, lo;
};

/* Parse "192.0.2.1", "2001:db8::1" or "::ffff:192.0.2.1" (which becomes family 4) from s[0..n)
 * (no NUL needed).  V_OK, or V_ERR_INVALID for anything else (surrounding spaces too). */
int ipdb_addr_parse(const char *s, size_t n, struct ipdb_addr *out);
/* The address as text, into out (always NUL-terminated). */
void ipdb_addr_format(const struct ipdb_addr *a, char out[IPDB_ADDRSTRLEN]);
/* The largest CIDR block that holds a and lies inside [first, last] (same family as a): its
 * network address into *net and its prefix length returned.  "192.0.2.0/24" as text into out
 * when out is not NULL. */
int ipdb_cidr(const struct ipdb_addr *a, const struct ipdb_addr *first,
	      const struct ipdb_addr *last, struct ipdb_addr *net, char out[IPDB_NETSTRLEN]);

struct ipdb;

enum ipdb_have { IPDB_HAVE_ASN = 1, IPDB_HAVE_COUNTRY = 2 };

struct ipdb_result {
	unsigned have;          /* IPDB_HAVE_* bits; 0 = no answer (unallocated or unknown) */
	uint32_t asn;           /* 0 when not known */
	const char *as_name;    /* borrowed from the index (valid until ipdb_close); "" if none */
	char country[3];        /* ISO 3166 alpha-2, upper case; "" if none */
	/* The range that answered: the ASN layer's range, else the country layer's (after overlaps
	 * were resolved).  Valid when have != 0; ipdb_cidr() turns it into the network. */
	struct ipdb_addr first, last;
};

enum ipdb_open_flags {
	IPDB_OPEN_VERIFY = 1 /* also recompute the checksum (reads the whole file: ~30 ms) */
};

/* Map an index file and check its header: magic, format version, byte order, file size against
 * the size recorded (a truncated file is refused), every section inside the file and of the size
 * its counts require.  V_OK with *out (caller closes with ipdb_close); V_ERR_IO (cannot open or
 * map), V_ERR_INVALID (not an index, another format version, damaged, checksum mismatch) with
 * err naming the file. */
int ipdb_open(const char *path, unsigned flags, struct ipdb **out, struct verr *err);
void ipdb_close(struct ipdb *db); /* NULL is fine */
const char *ipdb_path(const struct ipdb *db); /* borrowed */

/* Look an address up.  Fills *r (all of it) and returns r->have.  Never fails: an address
 * outside every range has no answer. */
unsigned ipdb_lookup(const struct ipdb *db, const struct ipdb_addr *a, struct ipdb_result *r);
/* Only the country (one search instead of two): into cc ("" when none); returns 1 if found. */
int ipdb_lookup_country(const struct ipdb *db, const struct ipdb_addr *a, char cc[3]);

/* Many addresses at once: the same answers as ipdb_lookup() / ipdb_lookup_country() for
 * a[0..n), into r[0..n) / cc[0..n).  Faster when there are many: the memory accesses of 16
 * lookups overlap instead of following one another. */
void ipdb_lookup_many(const struct ipdb *db, const struct ipdb_addr *a, size_t n,
		      struct ipdb_result *r);
void ipdb_lookup_country_many(const struct ipdb *db, const struct ipdb_addr *a, size_t n,
			      char (*cc)[3]);

/* Recompute the checksum of an open index.  V_OK or V_ERR_INVALID (mismatch; err says so). */
int ipdb_verify(const struct ipdb *db, struct verr *err);
/* 1 if the file at the index's path is no longer the one mapped (ipdb update replaced it): a
 * long-running process opens the new one and closes the old when it is done with it. */
int ipdb_changed(const struct ipdb *db);

/* What an index holds (`vigia ipdb info`). */
struct ipdb_info {
	uint32_t version;
	int64_t built;               /* Unix time */
	uint64_t size;               /* bytes */
	uint64_t ranges[2][2];       /* [0 ASN, 1 country][0 IPv4, 1 IPv6]: ranges with an answer */
	uint64_t steps[2][2];        /* the same, counting the gaps stored between them */
	uint64_t asn_records;        /* distinct (ASN, AS name) pairs */
	uint64_t strings;            /* bytes of AS names */
	size_t nsources;
	char checksum[65];           /* BLAKE2b-256 of the file (checksum field zeroed), hex */
};
void ipdb_info(const struct ipdb *db, struct ipdb_info *out);

/* One source the index was built from, in command-line order. */
struct ipdb_source {
	const char *path;            /* borrowed: absolute path at build time */
	const char *kind;            /* borrowed: "csv-asn", "csv-country" or "mmdb" */
	int64_t size, mtime;         /* of the file at build time */
	uint64_t rows;               /* rows (CSV) or networks (MaxMind DB) read */
	uint64_t bad;                /* rows skipped as malformed */
};
/* V_OK, or V_ERR_NOTFOUND when i >= nsources. */
int ipdb_source(const struct ipdb *db, size_t i, struct ipdb_source *out);

/* Where the index is: flag (--ipdb) if given, else the setting enrich.ipdb, else vigia.ipdb in
 * the store's directory.  Written into out (size n); returns out. */
const char *ipdb_default_path(const char *flag, char *out, size_t n);

/* ---- building (ipdb_build.c) ---------------------------------------------------------------- */

struct ipdb_builder;

/* Called for each malformed row (ctx is the builder's; e names file, line, field and reason). */
typedef void (*ipdb_bad_row_fn)(void *ctx, const struct verr *e);

enum ipdb_build_flags {
	IPDB_BUILD_STRICT = 1 /* a malformed row fails the source instead of being skipped */
};

/* A builder.  bad_row may be NULL.  V_OK or V_ERR_NOMEM.  OUT: *out, ipdb_builder_free(). */
int ipdb_builder_new(unsigned flags, ipdb_bad_row_fn bad_row, void *ctx,
		     struct ipdb_builder **out);
void ipdb_builder_free(struct ipdb_builder *b); /* NULL is fine */
/* Read one source: a MaxMind DB (".mmdb", or the MaxMind metadata marker) or a range CSV
 * (plain or gzip; asn or country columns by the header, else by the third column).  Sources
 * added later win where ranges overlap.  V_OK (malformed rows skipped and counted, unless
 * STRICT); V_ERR_IO (cannot read), V_ERR_PARSE (STRICT and a bad row; or not a range file at
 * all), V_ERR_LIMIT, V_ERR_NOMEM; err names file and line.  *stats (may be NULL) gets the
 * source's counts (path and kind borrowed from the builder). */
int ipdb_builder_add(struct ipdb_builder *b, const char *path, struct ipdb_source *stats,
		     struct verr *err);
/* Resolve overlaps, lay the index out and write it to path atomically: a temporary file in the
 * same directory, fsync, checked by opening it with IPDB_OPEN_VERIFY, renamed over path, the
 * directory fsynced.  A process that has the old file mapped keeps reading the old data.
 * *info (may be NULL) describes what was written.  V_OK, V_ERR_IO, V_ERR_NOMEM, V_ERR_LIMIT. */
int ipdb_builder_write(struct ipdb_builder *b, const char *path, struct ipdb_info *info,
		       struct verr *err);

#endif
