/*
 * constituency.h — who must be told: the organisations the team serves and the partner
 * national CERTs abroad, and which of them is responsible for an address, an AS, a domain or
 * a URL.
 *
 * The constituency lives in the store (store.h "the constituency"); this module checks and
 * normalises its values (constituency_check.c), loads it into memory once for fast answers
 * and resolves (constituency.c), and reads and writes it as CSV and JSON files
 * (constituency_io.c; docs/formats.md "Constituency files").
 *
 * Resolution, most specific first:
 *   1. network  the longest prefix among the organisations' networks that contain the address
 *   2. asn      the organisation that holds the address's AS
 *   3. domain   the organisation holding the longest domain the name is, or is under
 *               (label-wise: example.com covers www.example.com, not badexample.com)
 *   4. cert     the partner CERT of the address's country
 * The first rule that matches answers; a "do not notify" flag on the organisation or on the
 * matched network is reported in the answer (the answer is still who is responsible).
 */
#ifndef VIGIA_ENRICH_CONSTITUENCY_H
#define VIGIA_ENRICH_CONSTITUENCY_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include <jansson.h>

#include "base/err.h"
#include "enrich/ipdb.h"
#include "event/event.h"
#include "store/store.h"

/* ---- values (constituency_check.c) ----------------------------------------------------------- */

#define CONSTITUENCY_NETSTRLEN 50   /* "ffff:...:ffff/128" and a NUL */
#define CONSTITUENCY_DOMAINLEN 254  /* 253 characters and a NUL */
#define CONSTITUENCY_FPRLEN 65      /* 64 hexadecimal digits and a NUL */

/* A network: the address with no host bits, and its prefix length (0..32 for family 4). */
struct constituency_net {
	struct ipdb_addr addr;
	int bits;
};

/*
 * Each checker takes text (NUL-terminated) and returns V_OK with the canonical form, or
 * V_ERR_INVALID with err->reason saying what is wrong with the value (err->field is left to
 * the caller, who knows the column or key).
 *
 * constituency_net_parse  "192.0.2.0/24", "2001:db8::/32"; a bare address is a /32 or /128;
 *                         an IPv4-mapped IPv6 network (::ffff:0:0/96 and longer) is the IPv4
 *                         network.  Host bits set are an error that names the network meant.
 * constituency_net_format the canonical text ("192.0.2.0/24", "2001:db8::/32") into out.
 * constituency_asn        "64500" or "AS64500": 1 .. 4294967294.
 * constituency_domain     a domain name: lower-case, IDNA (punycode) for non-ASCII names, no
 *                         trailing dot; "*.example.com" is example.com (which covers the
 *                         names under it anyway).  An IP address is refused.
 * constituency_email      local@domain with a dotted domain; the domain is lower-cased in out.
 * constituency_cc         ISO 3166-1 alpha-2 (data/iso3166.def), upper-cased into out.
 * constituency_lang       "es" or "en" (any case); *out the static canonical string.
 * constituency_format     text, csv, json, xarf or iodef (any case); *out static.
 * constituency_fingerprint an OpenPGP fingerprint: 40 (v4) or 64 (v5/v6) hexadecimal digits,
 *                         spaces and a "0x" allowed; upper-case without spaces into out.
 * constituency_flag       yes/no, true/false, 1/0 (any case); "" is no.
 */
int constituency_net_parse(const char *s, struct constituency_net *out, struct verr *err);
void constituency_net_format(const struct constituency_net *n, char out[CONSTITUENCY_NETSTRLEN]);
int constituency_asn(const char *s, int64_t *out, struct verr *err);
int constituency_domain(const char *s, char out[CONSTITUENCY_DOMAINLEN], struct verr *err);
int constituency_email(const char *s, char *out, size_t outlen, struct verr *err);
int constituency_cc(const char *s, char out[3], struct verr *err);
int constituency_lang(const char *s, const char **out, struct verr *err);
int constituency_format(const char *s, const char **out, struct verr *err);
int constituency_fingerprint(const char *s, char out[CONSTITUENCY_FPRLEN], struct verr *err);
int constituency_flag(const char *s, int *out, struct verr *err);
/* The English name of an ISO 3166-1 alpha-2 code (upper case), or NULL.  Static. */
const char *constituency_country_name(const char *cc);

/* ---- resolving (constituency.c) -------------------------------------------------------------- */

struct constituency;

/* An empty constituency to add to (tests, and what import checks).  NULL when out of memory. */
struct constituency *constituency_new(void);
/* Add an organisation or CERT (copied; values as the store holds them: canonical).  V_OK;
 * V_ERR_INVALID for a value that does not check (err says which); V_ERR_NOMEM.  A network,
 * ASN or domain of two organisations is found by constituency_index, not here. */
int constituency_add_org(struct constituency *c, const struct store_org *org, struct verr *err);
int constituency_add_cert(struct constituency *c, const struct store_cert *cert,
			  struct verr *err);
/* Build the lookup tables; after it, nothing more may be added.  V_OK, V_ERR_NOMEM, or
 * V_ERR_EXISTS when a network, an ASN or a domain belongs to two organisations (err names the
 * value and both). */
int constituency_index(struct constituency *c, struct verr *err);
/* Everything in the store, indexed: the one call a long-running user makes.  OUT: *out, caller
 * frees with constituency_free.  Errors as the store's. */
int constituency_load(struct store *st, struct constituency **out, struct verr *err);
void constituency_free(struct constituency *c); /* NULL is fine */
/* How much was loaded. */
void constituency_counts(const struct constituency *c, size_t *orgs, size_t *networks,
			 size_t *certs);

/* What to resolve: any of the fields may be missing (NULL, 0, family 0). */
struct constituency_query {
	const char *ip;               /* an address as text, or NULL ... */
	struct ipdb_addr addr;        /* ... or parsed (used when ip is NULL and family != 0) */
	int64_t asn;                  /* the address's AS; 0 = not known */
	const char *domain;           /* a host name (any case, a trailing dot allowed) */
	const char *url;              /* a URL: its host is the domain (or, for an address in
				       * the URL, the address) when those are not given */
	const char *cc;               /* the address's country, ISO 3166-1 alpha-2 */
	int explain;                  /* fill m->explain (costs a little: off for bulk use) */
};

enum constituency_rule {
	CONSTITUENCY_NONE = 0,        /* nothing matched */
	CONSTITUENCY_NETWORK,
	CONSTITUENCY_ASN,
	CONSTITUENCY_DOMAIN,
	CONSTITUENCY_CERT
};

/* Why not to notify (bits of constituency_match.do_not_notify). */
#define CONSTITUENCY_DNN_ORG 1        /* the organisation's flag */
#define CONSTITUENCY_DNN_NETWORK 2    /* the matched network's flag */

/* The answer.  Every pointer is borrowed from the constituency: valid until constituency_free. */
struct constituency_match {
	enum constituency_rule rule;
	const char *org;              /* the organisation's name; NULL for CERT and NONE */
	const char *cert;             /* the partner CERT's name (rule CERT), else NULL */
	char cc[3];                   /* the CERT's country (rule CERT), else "" */
	char value[CONSTITUENCY_DOMAINLEN]; /* what matched, canonical: "192.0.2.0/24",
				       * "AS64500", "example.com", "DE"; "" for NONE */
	unsigned do_not_notify;       /* CONSTITUENCY_DNN_* bits; 0 = notify */
	unsigned candidates;          /* rule NETWORK with explain: networks containing the
				       * address (the longest answered) */
	const struct store_contact *contacts; /* whom to tell (the org's or the CERT's) */
	size_t ncontacts;
	char explain[512];            /* one sentence for people (query.explain), else "" */
};

/*
 * Resolve one query (the contract `vigia constituency match` and `vigia ip lookup` rely on).
 * Fills all of *m and returns m->rule.  Never fails: a value that does not parse (an address
 * that is not one, a URL without a host) takes no part, and the explanation says so.
 * Thread safety: any number of threads may resolve against one indexed constituency.
 */
enum constituency_rule constituency_resolve(const struct constituency *c,
					    const struct constituency_query *q,
					    struct constituency_match *m);

/* Which side of an event: its source.* or its destination.* fields. */
enum constituency_side { CONSTITUENCY_SOURCE, CONSTITUENCY_DESTINATION };

/* Resolve an event's side: <side>.ip, <side>.asn, <side>.fqdn (else the host of <side>.url)
 * and <side>.geolocation.cc.  As constituency_resolve. */
enum constituency_rule constituency_resolve_event(const struct constituency *c,
						  const struct event *ev,
						  enum constituency_side side, int explain,
						  struct constituency_match *m);

/* "network", "asn", "domain", "cert" or "none".  Static. */
const char *constituency_rule_name(enum constituency_rule r);

/* ---- files (constituency_io.c) --------------------------------------------------------------- */

enum constituency_fmt { CONSTITUENCY_FMT_AUTO, CONSTITUENCY_FMT_CSV, CONSTITUENCY_FMT_JSON };

/* "csv" / "json" into *out; V_ERR_USAGE for anything else. */
int constituency_fmt_parse(const char *s, enum constituency_fmt *out);

struct constituency_file;

/*
 * Read and check a whole constituency file: path ("-" for stdin), as fmt (AUTO: by the
 * extension .csv / .json, else by the first character).  Every value is checked and
 * normalised, every row's owner must be declared, and no network, ASN or domain may belong
 * to two organisations of the file.  V_OK with *out (constituency_file_free), or the first
 * error: err->file = path (borrowed), err->line = the CSV row's line (0 for JSON),
 * err->field = the column (CSV) or the JSON path ("organisations[2].networks[0]").
 */
int constituency_file_read(const char *path, enum constituency_fmt fmt,
			   struct constituency_file **out, struct verr *err);
/* The same from memory: data[0..len) (borrowed for the call; need not be NUL-terminated),
 * named name in errors (borrowed, kept by the file: it must outlive *out). */
int constituency_file_read_buffer(const char *name, const char *data, size_t len,
				  enum constituency_fmt fmt, struct constituency_file **out,
				  struct verr *err);
/* The same, but every bad CSV row, and every bad organisation or CERT of a JSON file (its
 * first fault), is handed to on_error (err borrowed for the call: file, line, field or JSON
 * path, reason) and the read goes on, so that a person sees all of them at once; on_error
 * returns V_OK to go on, anything else to stop with that code.  After bad rows the answer is
 * V_ERR_INVALID with err saying how many.  A fault that is not one row's or entry's (not
 * UTF-8, not JSON, no header, a value two organisations of the file hold) still stops at the
 * first. */
typedef int (*constituency_row_error_cb)(void *arg, const struct verr *err);
int constituency_file_check_buffer(const char *name, const char *data, size_t len,
				   enum constituency_fmt fmt, constituency_row_error_cb on_error,
				   void *arg, struct constituency_file **out, struct verr *err);
/* constituency_file_check_buffer on a file: path ("-" for stdin), as constituency_file_read. */
int constituency_file_check(const char *path, enum constituency_fmt fmt,
			    constituency_row_error_cb on_error, void *arg,
			    struct constituency_file **out, struct verr *err);
void constituency_file_free(struct constituency_file *f); /* NULL is fine */
void constituency_file_counts(const struct constituency_file *f, size_t *orgs, size_t *certs);

/*
 * Put a read file into the store, inside the caller's transaction (store_begin ..
 * store_commit; on an error the caller rolls back: nothing of the file stays).  Each
 * organisation and CERT of the file replaces the one of the same name or country; replace = 1
 * first removes every other one too.  A network, ASN or domain that an organisation outside
 * the file already holds is refused (V_ERR_EXISTS), naming the file's row and the owner.
 */
int constituency_file_apply(struct store *st, const struct constituency_file *f, int replace,
			    struct verr *err);

/* What constituency_file_apply(st, f, replace) would change, counted without changing
 * anything: organisations and CERTs of the file that the store lacks (added), holds otherwise
 * (changed: any value, in any order) or holds the same; removed: with replace, those of the
 * store the file lacks (0 without).  OUT: *d.  V_OK or store errors. */
struct constituency_diff {
	size_t orgs_added, orgs_changed, orgs_unchanged, orgs_removed;
	size_t certs_added, certs_changed, certs_unchanged, certs_removed;
};
int constituency_file_diff(struct store *st, const struct constituency_file *f, int replace,
			   struct constituency_diff *d, struct verr *err);

/* Write the whole constituency of the store to out as CSV or JSON (the formats the import
 * reads: an export imports back to the same constituency).  V_OK, V_ERR_IO, store errors. */
int constituency_export(struct store *st, enum constituency_fmt fmt, FILE *out,
			struct verr *err);

/* An organisation or CERT as the JSON object of the file format.  New reference; NULL when
 * out of memory. */
json_t *constituency_org_json(const struct store_org *org);
json_t *constituency_cert_json(const struct store_cert *cert);

#endif
