/*
 * ipdb_build.c — compiling range CSV files and MaxMind DB files into one IP attribution index
 * (the layout: ipdb_format.h).
 *
 * Every source row becomes a row of one of four tables (ASN or country, IPv4 or IPv6) with a
 * sequence number in reading order.  Overlaps are resolved by a sweep over the rows' start and
 * end points with a heap of the rows covering the current point: the row read last wins (later
 * in its file, or in a source named later), which is what MaxMind's writer does when it inserts
 * rows in order, and lets a corrections file named last override what came before.  The result
 * is a step function: sorted range starts with the winning row's value, gaps stored as ranges
 * without a value.  A row's pieces keep their own boundaries (the network a lookup reports).
 *
 * Sources: CSV (plain or gzip) with `start,end,asn[,org]` or `start,end,country`, addresses
 * written as text or as decimal numbers; a header line, when there is one, names the columns.
 * Malformed rows are reported through the builder's callback (file, line, field, reason) and
 * skipped and counted, or fail the source with IPDB_BUILD_STRICT.  MaxMind DB files are walked
 * node by node (MMDB_read_node), aliases of the IPv4 subtree skipped, adjacent networks with the
 * same data merged.
 */
#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <limits.h>
#include <stdarg.h>
#include <maxminddb.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>
#include <zlib.h>

#include "base/buf.h"
#include "base/i18n.h"
#include "base/utf8.h"
#include "enrich/ipdb.h"
#include "enrich/ipdb_format.h"

typedef unsigned __int128 u128;

#define MAX_LINE (64u << 10)       /* longer CSV lines are malformed rows */
#define MAX_NAME 1024u             /* bytes of an AS name */
#define MAX_ROWS ((size_t)1 << 31) /* rows per table */
#define MAX_STRINGS ((size_t)1 << 30)
#define MAX_FIELDS 16
#define V4_MAX ((u128)0xffffffffu)

struct row {
	u128 start, end;
	uint32_t val;
};

struct rows {
	struct row *v;
	size_t n, size;
};

/* A u64 -> u64 map with open addressing (keys stored + 1 so that 0 marks an empty slot). */
struct u64map {
	uint64_t *key, *val;
	size_t n, size; /* size: a power of two */
};

struct src {
	char *path;
	const char *kind;
	int64_t size, mtime;
	uint64_t rows, bad;
};

struct ipdb_builder {
	unsigned flags;
	ipdb_bad_row_fn bad_row;
	void *ctx;
	struct rows t[IPDB_NTABLES];
	struct buf strings;     /* offset 0 is "" */
	uint32_t *smap;         /* string offsets by hash; 0 = empty */
	size_t smap_n, smap_size;
	struct u64map asnmap;   /* asn << 32 | name offset -> record index */
	struct ipdb_fasn *asn;
	size_t nasn, asn_size;
	struct src *src;
	size_t nsrc, src_size;
};

/* ---- small containers --------------------------------------------------------------------- */

static uint64_t mix64(uint64_t x)
{
	x ^= x >> 33;
	x *= 0xff51afd7ed558ccdULL;
	x ^= x >> 33;
	x *= 0xc4ceb9fe1a85ec53ULL;
	x ^= x >> 33;
	return x;
}

static int u64map_grow(struct u64map *m)
{
	size_t nsize = m->size ? m->size * 2 : 1024;
	uint64_t *k = calloc(nsize, sizeof(*k)), *v = calloc(nsize, sizeof(*v));

	if (!k || !v) {
		free(k);
		free(v);
		return V_ERR_NOMEM;
	}
	for (size_t i = 0; i < m->size; i++) {
		if (!m->key[i])
			continue;
		size_t j = mix64(m->key[i]) & (nsize - 1);
		while (k[j])
			j = (j + 1) & (nsize - 1);
		k[j] = m->key[i];
		v[j] = m->val[i];
	}
	free(m->key);
	free(m->val);
	m->key = k;
	m->val = v;
	m->size = nsize;
	return V_OK;
}

/* The slot of key (found: *found = 1), else where it would go. */
static size_t u64map_slot(const struct u64map *m, uint64_t key, int *found)
{
	size_t j = mix64(key + 1) & (m->size - 1);

	while (m->key[j]) {
		if (m->key[j] == key + 1) {
			*found = 1;
			return j;
		}
		j = (j + 1) & (m->size - 1);
	}
	*found = 0;
	return j;
}

static int u64map_get(const struct u64map *m, uint64_t key, uint64_t *val)
{
	int found;
	size_t j;

	if (!m->size)
		return 0;
	j = u64map_slot(m, key, &found);
	if (found)
		*val = m->val[j];
	return found;
}

static int u64map_put(struct u64map *m, uint64_t key, uint64_t val)
{
	int found, rc;
	size_t j;

	if ((m->n + 1) * 2 > m->size && (rc = u64map_grow(m)) != V_OK)
		return rc;
	j = u64map_slot(m, key, &found);
	if (!found) {
		m->key[j] = key + 1;
		m->n++;
	}
	m->val[j] = val;
	return V_OK;
}

static void u64map_fini(struct u64map *m)
{
	free(m->key);
	free(m->val);
	memset(m, 0, sizeof(*m));
}

static uint64_t str_hash(const char *s, size_t n)
{
	uint64_t h = 1469598103934665603ULL;

	for (size_t i = 0; i < n; i++)
		h = (h ^ (unsigned char)s[i]) * 1099511628211ULL;
	return mix64(h);
}

static int smap_grow(struct ipdb_builder *b)
{
	size_t nsize = b->smap_size ? b->smap_size * 2 : 4096;
	uint32_t *t = calloc(nsize, sizeof(*t));

	if (!t)
		return V_ERR_NOMEM;
	for (size_t i = 0; i < b->smap_size; i++) {
		uint32_t off = b->smap[i];
		if (!off)
			continue;
		const char *s = b->strings.data + off;
		size_t j = str_hash(s, strlen(s)) & (nsize - 1);
		while (t[j])
			j = (j + 1) & (nsize - 1);
		t[j] = off;
	}
	free(b->smap);
	b->smap = t;
	b->smap_size = nsize;
	return V_OK;
}

/* The offset of s[0..n) in the string table, added if new.  s holds no NUL. */
static int intern(struct ipdb_builder *b, const char *s, size_t n, uint32_t *off)
{
	size_t j;
	int rc;

	if (n == 0) {
		*off = 0;
		return V_OK;
	}
	if ((b->smap_n + 1) * 2 > b->smap_size && (rc = smap_grow(b)) != V_OK)
		return rc;
	j = str_hash(s, n) & (b->smap_size - 1);
	while (b->smap[j]) {
		const char *t = b->strings.data + b->smap[j];
		if (!strncmp(t, s, n) && t[n] == 0) {
			*off = b->smap[j];
			return V_OK;
		}
		j = (j + 1) & (b->smap_size - 1);
	}
	if (b->strings.len + n + 1 > UINT32_MAX)
		return V_ERR_LIMIT;
	*off = (uint32_t)b->strings.len;
	if ((rc = buf_append(&b->strings, s, n)) != V_OK || (rc = buf_putc(&b->strings, 0)) != V_OK)
		return rc;
	b->smap[j] = *off;
	b->smap_n++;
	return V_OK;
}

/* The record index of (asn, name). */
static int asn_record(struct ipdb_builder *b, uint32_t asn, const char *name, size_t n,
		      uint32_t *out)
{
	uint32_t off;
	uint64_t key, v;
	int rc;

	if ((rc = intern(b, name, n, &off)) != V_OK)
		return rc;
	key = (uint64_t)asn << 32 | off;
	if (u64map_get(&b->asnmap, key, &v)) {
		*out = (uint32_t)v;
		return V_OK;
	}
	if (b->nasn >= IPDB_NONE - 1)
		return V_ERR_LIMIT;
	if (b->nasn == b->asn_size) {
		size_t ns = b->asn_size ? b->asn_size * 2 : 4096;
		struct ipdb_fasn *p = realloc(b->asn, ns * sizeof(*p));
		if (!p)
			return V_ERR_NOMEM;
		b->asn = p;
		b->asn_size = ns;
	}
	b->asn[b->nasn].asn = asn;
	b->asn[b->nasn].name = off;
	*out = (uint32_t)b->nasn;
	if ((rc = u64map_put(&b->asnmap, key, b->nasn)) != V_OK)
		return rc;
	b->nasn++;
	return V_OK;
}

static int rows_add(struct rows *r, u128 start, u128 end, uint32_t val)
{
	if (r->n == r->size) {
		size_t ns = r->size ? r->size * 2 : 4096;
		struct row *p;
		if (ns > MAX_ROWS)
			return V_ERR_LIMIT;
		p = realloc(r->v, ns * sizeof(*p));
		if (!p)
			return V_ERR_NOMEM;
		r->v = p;
		r->size = ns;
	}
	r->v[r->n].start = start;
	r->v[r->n].end = end;
	r->v[r->n].val = val;
	r->n++;
	return V_OK;
}

/* Add a range of the ASN (country = 0) or country layer.  IPv6 ranges inside ::ffff:0:0/96
 * (IPv4-mapped) are IPv4 ranges: lookups answer those addresses as IPv4. */
static int add_range(struct ipdb_builder *b, int country, int family, u128 start, u128 end,
		     uint32_t val)
{
	const u128 mapped = (u128)0xffff << 32;

	if (family == 6 && start >= mapped && end <= (mapped | V4_MAX)) {
		family = 4;
		start -= mapped;
		end -= mapped;
	}
	if (family == 4)
		return rows_add(&b->t[country ? IPDB_T_CC4 : IPDB_T_ASN4], start, end, val);
	return rows_add(&b->t[country ? IPDB_T_CC6 : IPDB_T_ASN6], start, end, val);
}

/* ---- the builder -------------------------------------------------------------------------- */

int ipdb_builder_new(unsigned flags, ipdb_bad_row_fn bad_row, void *ctx,
		     struct ipdb_builder **out)
{
	struct ipdb_builder *b = calloc(1, sizeof(*b));

	*out = NULL;
	if (!b)
		return V_ERR_NOMEM;
	b->flags = flags;
	b->bad_row = bad_row;
	b->ctx = ctx;
	buf_init(&b->strings, MAX_STRINGS);
	if (buf_putc(&b->strings, 0) != V_OK) {
		ipdb_builder_free(b);
		return V_ERR_NOMEM;
	}
	*out = b;
	return V_OK;
}

void ipdb_builder_free(struct ipdb_builder *b)
{
	if (!b)
		return;
	for (int t = 0; t < IPDB_NTABLES; t++)
		free(b->t[t].v);
	buf_fini(&b->strings);
	free(b->smap);
	u64map_fini(&b->asnmap);
	free(b->asn);
	for (size_t i = 0; i < b->nsrc; i++)
		free(b->src[i].path);
	free(b->src);
	free(b);
}

/* ---- CSV sources -------------------------------------------------------------------------- */

enum csv_kind { KIND_UNKNOWN, KIND_ASN, KIND_COUNTRY };

struct csv_cols {
	int start, end, asn, name, country; /* column positions; -1 absent */
};

/* Split line (NUL-terminated, no newline) into fields, unquoting into scratch (at least as big
 * as the line plus MAX_FIELDS).  Returns the number of fields, or -1 (bad quoting), -2 (too
 * many fields). */
static int split(const char *line, char *scratch, char **f)
{
	const char *p = line;
	char *o = scratch;
	int n = 0;

	for (;;) {
		if (n == MAX_FIELDS)
			return -2;
		f[n++] = o;
		if (*p == '"') {
			p++;
			for (;;) {
				if (!*p)
					return -1;
				if (*p == '"') {
					if (p[1] == '"') {
						*o++ = '"';
						p += 2;
						continue;
					}
					p++;
					break;
				}
				*o++ = *p++;
			}
			if (*p && *p != ',')
				return -1;
		} else {
			while (*p && *p != ',')
				*o++ = *p++;
		}
		*o++ = 0;
		if (!*p)
			return n;
		p++; /* the comma */
	}
}

/* A decimal number of up to 128 bits. */
static int parse_dec(const char *s, u128 *out)
{
	u128 v = 0;

	if (!*s)
		return -1;
	for (; *s; s++) {
		if (*s < '0' || *s > '9')
			return -1;
		unsigned d = (unsigned)(*s - '0');
		if (v > (~(u128)0 - d) / 10)
			return -1;
		v = v * 10 + d;
	}
	*out = v;
	return 0;
}

/* An address as text (family 4 or 6, IPv4-mapped gives 4) or a decimal number (family 0). */
static int parse_addr(const char *s, int *family, u128 *v)
{
	struct ipdb_addr a;

	if (strchr(s, '.') || strchr(s, ':')) {
		if (ipdb_addr_parse(s, strlen(s), &a) != V_OK)
			return -1;
		*family = a.family;
		*v = (u128)a.hi << 64 | a.lo;
		return 0;
	}
	*family = 0;
	return parse_dec(s, v);
}

static int parse_asn(const char *s, uint32_t *out)
{
	u128 v;

	if ((s[0] == 'A' || s[0] == 'a') && (s[1] == 'S' || s[1] == 's'))
		s += 2;
	if (parse_dec(s, &v) != 0 || v > 0xffffffffu)
		return -1;
	*out = (uint32_t)v;
	return 0;
}

static int parse_cc(const char *s, uint32_t *out)
{
	char a, c;

	if (strlen(s) != 2)
		return -1;
	a = s[0] >= 'a' && s[0] <= 'z' ? (char)(s[0] - 32) : s[0];
	c = s[1] >= 'a' && s[1] <= 'z' ? (char)(s[1] - 32) : s[1];
	if (a < 'A' || a > 'Z' || c < 'A' || c > 'Z')
		return -1;
	*out = (uint32_t)(unsigned char)a | (uint32_t)(unsigned char)c << 8;
	return 0;
}

static int is_name(const char *s, const char *const *names)
{
	for (; *names; names++)
		if (!strcasecmp(s, *names))
			return 1;
	return 0;
}

/* A header line: column names.  Returns the kind, or KIND_UNKNOWN when it names neither. */
static enum csv_kind header_cols(char **f, int n, struct csv_cols *c)
{
	static const char *const start[] = { "range_start", "start", "start_ip", "ip_start",
					     "first", "first_ip", "network_start", NULL };
	static const char *const end[] = { "range_end", "end", "end_ip", "ip_end", "last",
					   "last_ip", "network_end", NULL };
	static const char *const asn[] = { "asn", "as_number", "autonomous_system_number",
					   "as", NULL };
	static const char *const name[] = { "as_organization", "as_org", "as_name", "org",
					    "organization", "organisation", "name",
					    "autonomous_system_organization", NULL };
	static const char *const cc[] = { "country_code", "country", "cc", "iso_code",
					  "country_iso_code", NULL };

	c->start = 0;
	c->end = 1;
	c->asn = c->name = c->country = -1;
	for (int i = 0; i < n; i++) {
		if (is_name(f[i], start))
			c->start = i;
		else if (is_name(f[i], end))
			c->end = i;
		else if (is_name(f[i], asn))
			c->asn = i;
		else if (is_name(f[i], name))
			c->name = i;
		else if (is_name(f[i], cc))
			c->country = i;
	}
	if (c->asn >= 0)
		return KIND_ASN;
	if (c->country >= 0)
		return KIND_COUNTRY;
	return KIND_UNKNOWN;
}

struct csv_state {
	struct ipdb_builder *b;
	struct src *src;
	const char *path;
	long line;
	enum csv_kind kind;
	struct csv_cols cols;
	struct verr *err;
};

/* A malformed row: report it; skipped (V_OK) unless STRICT (V_ERR_PARSE with err filled). */
__attribute__((format(printf, 3, 4))) static int bad_row(struct csv_state *cs,
							  const char *field, const char *fmt, ...)
{
	struct verr e = { 0 };
	char reason[sizeof(e.reason)];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(reason, sizeof(reason), fmt, ap);
	va_end(ap);
	e.file = cs->path;
	e.line = cs->line;
	verr_set(&e, V_ERR_PARSE, field, "%s", reason);
	cs->src->bad++;
	if (cs->b->flags & IPDB_BUILD_STRICT) {
		if (cs->err)
			*cs->err = e;
		return V_ERR_PARSE;
	}
	if (cs->b->bad_row)
		cs->b->bad_row(cs->b->ctx, &e);
	return V_OK;
}

static int csv_row(struct csv_state *cs, char **f, int n)
{
	const struct csv_cols *c = &cs->cols;
	int fs, fe, need;
	u128 s, e;
	uint32_t val;
	int rc;

	need = c->start > c->end ? c->start : c->end;
	if (cs->kind == KIND_ASN)
		need = need > c->asn ? need : c->asn;
	else
		need = need > c->country ? need : c->country;
	if (n <= need)
		return bad_row(cs, "", _("too few columns (expected %s)"),
			       cs->kind == KIND_ASN ? "start,end,asn,org" : "start,end,country");
	if (parse_addr(f[c->start], &fs, &s) != 0)
		return bad_row(cs, "start", _("'%s' is not an IP address or number"), f[c->start]);
	if (parse_addr(f[c->end], &fe, &e) != 0)
		return bad_row(cs, "end", _("'%s' is not an IP address or number"), f[c->end]);
	if (fs == 0 && fe == 0) {
		/* decimal numbers: IPv6 when the end needs more than 32 bits */
		fs = fe = e > V4_MAX ? 6 : 4;
	} else if (fs == 0 || fe == 0) {
		return bad_row(cs, fs == 0 ? "start" : "end",
			       _("'%s': one end is a number, the other an address"),
			       fs == 0 ? f[c->start] : f[c->end]);
	}
	if (fs != fe)
		return bad_row(cs, "end", _("'%s' is not of the start's address family"),
			       f[c->end]);
	if (s > e)
		return bad_row(cs, "end", _("'%s' comes before the start"), f[c->end]);
	if (cs->kind == KIND_ASN) {
		uint32_t asn;
		const char *name = c->name >= 0 && c->name < n ? f[c->name] : "";
		size_t nl = strlen(name);
		if (parse_asn(f[c->asn], &asn) != 0)
			return bad_row(cs, "asn", _("'%s' is not an AS number"), f[c->asn]);
		if (nl > MAX_NAME)
			return bad_row(cs, "as_name", _("longer than %u bytes"), MAX_NAME);
		if (!utf8_valid(name, nl, NULL))
			return bad_row(cs, "as_name", "%s", _("not valid UTF-8"));
		if ((rc = asn_record(cs->b, asn, name, nl, &val)) != V_OK)
			return rc;
	} else if (parse_cc(f[c->country], &val) != 0) {
		return bad_row(cs, "country", _("'%s' is not a two-letter country code"),
			       f[c->country]);
	}
	if ((rc = add_range(cs->b, cs->kind == KIND_COUNTRY, fs, s, e, val)) != V_OK)
		return rc;
	cs->src->rows++;
	return V_OK;
}

/* The kind of a header-less file, from its first data row's third column. */
static enum csv_kind guess_kind(char **f, int n, struct csv_cols *c)
{
	uint32_t v;

	c->start = 0;
	c->end = 1;
	c->asn = c->name = c->country = -1;
	if (n < 3)
		return KIND_UNKNOWN;
	if (parse_cc(f[2], &v) == 0 && n == 3) {
		c->country = 2;
		return KIND_COUNTRY;
	}
	if (parse_asn(f[2], &v) == 0) {
		c->asn = 2;
		c->name = n > 3 ? 3 : -1;
		return KIND_ASN;
	}
	return KIND_UNKNOWN;
}

static int read_csv(struct ipdb_builder *b, struct src *src, const char *path, struct verr *err)
{
	struct csv_state cs = { .b = b, .src = src, .path = path, .err = err };
	char *line = NULL, *scratch = NULL, *f[MAX_FIELDS];
	gzFile gz;
	int rc = V_OK, header_seen = 0;

	gz = gzopen(path, "rb");
	if (!gz) {
		err->file = path;
		return verr_set(err, V_ERR_IO, "", "%s", strerror(errno ? errno : ENOMEM));
	}
	gzbuffer(gz, 256u << 10);
	line = malloc(MAX_LINE + 2);
	scratch = malloc(MAX_LINE + 2 + MAX_FIELDS);
	if (!line || !scratch) {
		rc = V_ERR_NOMEM;
		goto out;
	}
	while (gzgets(gz, line, (int)MAX_LINE + 2)) {
		size_t len = strlen(line);
		int n;

		cs.line++;
		if (len > 0 && line[len - 1] == '\n') {
			line[--len] = 0;
		} else if (!gzeof(gz)) {
			/* longer than MAX_LINE: skip the rest of it */
			int ch;
			while ((ch = gzgetc(gz)) != -1 && ch != '\n')
				;
			if (cs.kind == KIND_UNKNOWN) {
				err->file = path;
				err->line = cs.line;
				rc = verr_set(err, V_ERR_PARSE, "", "%s",
					      _("not a range file: the first line is too long"));
				goto out;
			}
			if ((rc = bad_row(&cs, "", "%s", _("line longer than 64 KiB"))) != V_OK)
				goto out;
			continue;
		}
		if (len > 0 && line[len - 1] == '\r')
			line[--len] = 0;
		if (len == 0 || line[0] == '#')
			continue;
		n = split(line, scratch, f);
		if (cs.kind == KIND_UNKNOWN) {
			int fam;
			u128 v;
			if (n < 0) {
				err->file = path;
				err->line = cs.line;
				rc = verr_set(err, V_ERR_PARSE, "", "%s",
					      _("not a range file: the first line is not CSV"));
				goto out;
			}
			if (!header_seen && parse_addr(f[0], &fam, &v) != 0) {
				header_seen = 1;
				cs.kind = header_cols(f, n, &cs.cols);
				if (cs.kind == KIND_UNKNOWN) {
					err->file = path;
					err->line = cs.line;
					rc = verr_set(
					    err, V_ERR_PARSE, "", "%s",
					    _("not a range file: the header names neither an "
					      "asn nor a country column"));
					goto out;
				}
				src->kind = cs.kind == KIND_ASN ? "csv-asn" : "csv-country";
				continue;
			}
			cs.kind = guess_kind(f, n, &cs.cols);
			if (cs.kind == KIND_UNKNOWN) {
				err->file = path;
				err->line = cs.line;
				rc = verr_set(err, V_ERR_PARSE, "", "%s",
					      _("not a range file: expected start,end,asn[,org] or "
						"start,end,country"));
				goto out;
			}
			src->kind = cs.kind == KIND_ASN ? "csv-asn" : "csv-country";
		}
		if (n < 0) {
			rc = bad_row(&cs, "", "%s", _("bad quoting or too many columns"));
		} else {
			rc = csv_row(&cs, f, n);
		}
		if (rc != V_OK)
			goto out;
	}
	if (!gzeof(gz)) {
		int zerr;
		const char *msg = gzerror(gz, &zerr);
		err->file = path;
		err->line = cs.line;
		rc = verr_set(err, V_ERR_IO, "", "%s",
			      zerr == Z_ERRNO ? strerror(errno) : msg ? msg : "read error");
		goto out;
	}
	if (cs.kind == KIND_UNKNOWN)
		src->kind = "csv";
	if (src->rows == 0 && src->bad > 0) {
		err->file = path;
		err->line = 0;
		rc = verr_set(err, V_ERR_PARSE, "", "%s", _("not one usable row"));
	}
out:
	if (rc != V_OK && rc != V_ERR_PARSE && rc != V_ERR_IO && err->reason[0] == 0) {
		err->file = path;
		err->line = cs.line;
		verr_set(err, rc, "", "%s", vres_str(rc));
	}
	free(line);
	free(scratch);
	gzclose(gz);
	return rc;
}

/* ---- MaxMind DB sources ------------------------------------------------------------------- */

struct mm_state {
	struct ipdb_builder *b;
	struct src *src;
	MMDB_s *mm;
	struct u64map cache; /* data offset -> decoded (asn record << 32 | country) */
	/* the pending network, merged with adjacent ones that have the same data */
	int have;
	u128 pstart, pend;
	uint32_t poff;
};

static int mm_string(MMDB_entry_s *e, MMDB_entry_data_s *d, const char *const *path)
{
	if (MMDB_aget_value(e, d, path) != MMDB_SUCCESS || !d->has_data ||
	    d->type != MMDB_DATA_TYPE_UTF8_STRING)
		return 0;
	return 1;
}

/* Decode a data record: its ASN record index (IPDB_NONE if none) and country (0 if none). */
static int mm_decode(struct mm_state *ms, uint32_t off, uint32_t *asn_rec, uint32_t *cc)
{
	static const char *const p_asn1[] = { "autonomous_system_number", NULL };
	static const char *const p_asn2[] = { "asn", NULL };
	static const char *const p_name1[] = { "autonomous_system_organization", NULL };
	static const char *const p_name2[] = { "as_name", NULL };
	static const char *const p_name3[] = { "as_org", NULL };
	static const char *const p_cc1[] = { "country", "iso_code", NULL };
	static const char *const p_cc2[] = { "country_code", NULL };
	static const char *const p_cc3[] = { "country", NULL };
	MMDB_entry_s e = { .mmdb = ms->mm, .offset = off };
	MMDB_entry_data_s d;
	uint64_t cached;
	int have_asn = 0, rc;
	uint32_t asn = 0;
	char tmp[16];

	if (u64map_get(&ms->cache, off, &cached)) {
		*asn_rec = (uint32_t)(cached >> 32);
		*cc = (uint32_t)cached;
		return V_OK;
	}
	*asn_rec = IPDB_NONE;
	*cc = 0;
	if (MMDB_aget_value(&e, &d, p_asn1) == MMDB_SUCCESS && d.has_data) {
		if (d.type == MMDB_DATA_TYPE_UINT32)
			asn = d.uint32, have_asn = 1;
		else if (d.type == MMDB_DATA_TYPE_UINT16)
			asn = d.uint16, have_asn = 1;
		else if (d.type == MMDB_DATA_TYPE_UINT64 && d.uint64 <= UINT32_MAX)
			asn = (uint32_t)d.uint64, have_asn = 1;
	}
	if (!have_asn && MMDB_aget_value(&e, &d, p_asn2) == MMDB_SUCCESS && d.has_data) {
		if (d.type == MMDB_DATA_TYPE_UINT32) {
			asn = d.uint32, have_asn = 1;
		} else if (d.type == MMDB_DATA_TYPE_UTF8_STRING && d.data_size < sizeof(tmp)) {
			memcpy(tmp, d.utf8_string, d.data_size);
			tmp[d.data_size] = 0;
			have_asn = parse_asn(tmp, &asn) == 0;
		}
	}
	if (have_asn) {
		const char *name = "";
		size_t nl = 0;
		if (mm_string(&e, &d, p_name1) || mm_string(&e, &d, p_name2) ||
		    mm_string(&e, &d, p_name3)) {
			name = d.utf8_string;
			nl = d.data_size;
		}
		if (nl > MAX_NAME || memchr(name, 0, nl) || !utf8_valid(name, nl, NULL))
			nl = 0; /* the ASN is still good */
		if ((rc = asn_record(ms->b, asn, name, nl, asn_rec)) != V_OK)
			return rc;
	}
	if (mm_string(&e, &d, p_cc1) || mm_string(&e, &d, p_cc2) || mm_string(&e, &d, p_cc3)) {
		if (d.data_size == 2) {
			char s[3] = { d.utf8_string[0], d.utf8_string[1], 0 };
			if (parse_cc(s, cc) != 0)
				*cc = 0;
		}
	}
	return u64map_put(&ms->cache, off, (uint64_t)*asn_rec << 32 | *cc);
}

static int mm_flush(struct mm_state *ms)
{
	uint32_t asn_rec, cc;
	int family = ms->mm->metadata.ip_version == 6 ? 6 : 4, rc;
	u128 s = ms->pstart, e = ms->pend;

	if (!ms->have)
		return V_OK;
	ms->have = 0;
	if ((rc = mm_decode(ms, ms->poff, &asn_rec, &cc)) != V_OK)
		return rc;
	if (asn_rec == IPDB_NONE && cc == 0)
		return V_OK;
	for (int part = 0; part < 2; part++) {
		/* in an IPv6 tree, ::/96 holds the IPv4 addresses */
		int fam = family;
		u128 ps = s, pe = e;
		if (family == 6 && part == 0) {
			if (s > V4_MAX)
				continue;
			fam = 4;
			pe = e > V4_MAX ? V4_MAX : e;
		} else if (family == 6) {
			if (e <= V4_MAX)
				continue;
			ps = s > V4_MAX ? s : V4_MAX + 1;
		} else if (part == 1) {
			continue;
		}
		if (asn_rec != IPDB_NONE &&
		    (rc = add_range(ms->b, 0, fam, ps, pe, asn_rec)) != V_OK)
			return rc;
		if (cc && (rc = add_range(ms->b, 1, fam, ps, pe, cc)) != V_OK)
			return rc;
	}
	return V_OK;
}

static int mm_network(struct mm_state *ms, u128 start, u128 end, uint32_t off)
{
	int rc;

	ms->src->rows++;
	if (ms->have && ms->poff == off && ms->pend + 1 == start) {
		ms->pend = end;
		return V_OK;
	}
	if ((rc = mm_flush(ms)) != V_OK)
		return rc;
	ms->have = 1;
	ms->pstart = start;
	ms->pend = end;
	ms->poff = off;
	return V_OK;
}

/* What the walk has yet to visit: a search node, or a data record (a network). */
struct mm_frame {
	uint32_t node;  /* the node; or the data offset */
	int depth;      /* of the node, or the network's prefix length */
	int data;
	u128 prefix;
};

static int mm_walk(struct mm_state *ms, struct verr *err, const char *path)
{
	MMDB_s *mm = ms->mm;
	int bits = mm->metadata.ip_version == 6 ? 128 : 32, sp = 0, rc;
	uint32_t v4root = UINT32_MAX, nodes = mm->metadata.node_count;
	struct mm_frame stack[2 * 130];
	uint64_t visited = 0;
	MMDB_search_node_s sn;

	if (bits == 128) {
		/* the node of ::/96: other records pointing to it are aliases (::ffff:0:0/96,
		 * 2002::/16), whose networks are the IPv4 ones again */
		uint32_t n = 0;
		int d;
		for (d = 0; d < 96; d++) {
			if (MMDB_read_node(mm, n, &sn) != MMDB_SUCCESS ||
			    sn.left_record_type != MMDB_RECORD_TYPE_SEARCH_NODE)
				break;
			n = (uint32_t)sn.left_record;
		}
		if (d == 96)
			v4root = n;
	}
	stack[sp++] = (struct mm_frame){ 0, 0, 0, 0 };
	while (sp > 0) {
		struct mm_frame fr = stack[--sp];
		if (fr.data) {
			u128 host = bits - fr.depth >= 128 ? ~(u128)0
							   : ((u128)1 << (bits - fr.depth)) - 1;
			if ((rc = mm_network(ms, fr.prefix, fr.prefix | host, fr.node)) != V_OK)
				return rc;
			continue;
		}
		if (++visited > (uint64_t)nodes * 2 + 2 ||
		    MMDB_read_node(mm, fr.node, &sn) != MMDB_SUCCESS)
			goto damaged;
		/* the right record is pushed first: the left one comes out first, and networks
		 * in address order (adjacent ones with the same data are merged) */
		for (int bit = 1; bit >= 0; bit--) {
			uint64_t rec = bit ? sn.right_record : sn.left_record;
			uint8_t type = bit ? sn.right_record_type : sn.left_record_type;
			u128 prefix = fr.prefix | ((u128)bit << (bits - fr.depth - 1));
			int depth = fr.depth + 1;
			if (type == MMDB_RECORD_TYPE_SEARCH_NODE) {
				if (rec == v4root && !(depth == 96 && prefix == 0))
					continue;
				if (depth >= bits)
					goto damaged;
			} else if (type == MMDB_RECORD_TYPE_INVALID) {
				goto damaged;
			} else if (type != MMDB_RECORD_TYPE_DATA) {
				continue; /* empty */
			}
			if (sp >= (int)(sizeof(stack) / sizeof(stack[0])))
				goto damaged;
			struct mm_frame next = { (uint32_t)rec, depth, 0, prefix };
			if (type == MMDB_RECORD_TYPE_DATA) {
				MMDB_entry_s e = bit ? sn.right_record_entry : sn.left_record_entry;
				next.node = e.offset;
				next.data = 1;
			}
			stack[sp++] = next;
		}
	}
	return mm_flush(ms);
damaged:
	err->file = path;
	return verr_set(err, V_ERR_PARSE, "", "%s", _("damaged MaxMind DB: bad search tree"));
}

static int read_mmdb(struct ipdb_builder *b, struct src *src, const char *path, struct verr *err)
{
	MMDB_s mm;
	struct mm_state ms = { .b = b, .src = src, .mm = &mm };
	int st, rc;

	st = MMDB_open(path, MMDB_MODE_MMAP, &mm);
	if (st != MMDB_SUCCESS) {
		err->file = path;
		return verr_set(err, st == MMDB_IO_ERROR ? V_ERR_IO : V_ERR_PARSE, "", "%s",
				st == MMDB_IO_ERROR ? strerror(errno) : MMDB_strerror(st));
	}
	src->kind = "mmdb";
	rc = mm_walk(&ms, err, path);
	if (rc != V_OK && err->reason[0] == 0) {
		err->file = path;
		verr_set(err, rc, "", "%s", vres_str(rc));
	}
	u64map_fini(&ms.cache);
	MMDB_close(&mm);
	return rc;
}

/* A MaxMind DB by name, or by the metadata marker near its end. */
static int is_mmdb(const char *path)
{
	static const char marker[] = "\xab\xcd\xefMaxMind.com";
	size_t n = strlen(path), len;
	char *tail;
	FILE *f;
	int found = 0;

	if (n >= 5 && !strcasecmp(path + n - 5, ".mmdb"))
		return 1;
	if (!(f = fopen(path, "rb")))
		return 0;
	tail = malloc(128u << 10);
	if (tail && fseek(f, -(long)(128u << 10), SEEK_END) != 0)
		rewind(f);
	if (tail && (len = fread(tail, 1, 128u << 10, f)) >= sizeof(marker) - 1)
		found = memmem(tail, len, marker, sizeof(marker) - 1) != NULL;
	free(tail);
	fclose(f);
	return found;
}

int ipdb_builder_add(struct ipdb_builder *b, const char *path, struct ipdb_source *stats,
		     struct verr *err)
{
	struct verr local = { 0 };
	struct src *s;
	struct stat st;
	char *abs;
	int rc;

	if (!err)
		err = &local;
	verr_clear(err);
	if (stat(path, &st) != 0) {
		err->file = path;
		return verr_set(err, V_ERR_IO, "", "%s", strerror(errno));
	}
	if (S_ISDIR(st.st_mode)) {
		err->file = path;
		return verr_set(err, V_ERR_IO, "", "%s", strerror(EISDIR));
	}
	if (b->nsrc == b->src_size) {
		size_t ns = b->src_size ? b->src_size * 2 : 8;
		struct src *p = realloc(b->src, ns * sizeof(*p));
		if (!p)
			return verr_set(err, V_ERR_NOMEM, "", "%s", strerror(ENOMEM));
		b->src = p;
		b->src_size = ns;
	}
	abs = realpath(path, NULL);
	if (!abs && !(abs = strdup(path)))
		return verr_set(err, V_ERR_NOMEM, "", "%s", strerror(ENOMEM));
	s = &b->src[b->nsrc++];
	memset(s, 0, sizeof(*s));
	s->path = abs;
	s->kind = "csv";
	s->size = (int64_t)st.st_size;
	s->mtime = (int64_t)st.st_mtime;
	if (is_mmdb(path))
		rc = read_mmdb(b, s, path, err);
	else
		rc = read_csv(b, s, path, err);
	if (stats) {
		stats->path = s->path;
		stats->kind = s->kind;
		stats->size = s->size;
		stats->mtime = s->mtime;
		stats->rows = s->rows;
		stats->bad = s->bad;
	}
	return rc;
}

/* ---- resolving overlaps ------------------------------------------------------------------- */

struct event {
	u128 at;
	uint32_t row;
	uint32_t start; /* 1: the row starts at `at`; 0: it ended just before */
};

static int event_cmp(const void *a, const void *b)
{
	const struct event *x = a, *y = b;

	return x->at < y->at ? -1 : x->at > y->at;
}

struct steps {
	u128 *start;
	uint32_t *val;
	size_t n;
	uint64_t answered;
};

/* Push row onto the max-heap of row numbers (a later row has a larger number). */
static void heap_push(uint32_t *h, size_t *n, uint32_t row)
{
	size_t i = (*n)++;

	while (i > 0 && h[(i - 1) / 2] < row) {
		h[i] = h[(i - 1) / 2];
		i = (i - 1) / 2;
	}
	h[i] = row;
}

static void heap_pop(uint32_t *h, size_t *n)
{
	uint32_t last = h[--*n];
	size_t i = 0;

	for (;;) {
		size_t c = 2 * i + 1;
		if (c >= *n)
			break;
		if (c + 1 < *n && h[c + 1] > h[c])
			c++;
		if (h[c] <= last)
			break;
		h[i] = h[c];
		i = c;
	}
	if (*n)
		h[i] = last;
}

/* The step function of a table: where the winning row changes, and its value. */
static int resolve(const struct rows *r, u128 top, uint32_t none, struct steps *out)
{
	struct event *ev = NULL;
	uint32_t *heap = NULL, *winner = NULL;
	unsigned char *dead = NULL;
	size_t nev = 0, nheap = 0, n = 0;
	int rc = V_ERR_NOMEM;

	memset(out, 0, sizeof(*out));
	if (r->n == 0)
		return V_OK;
	ev = malloc(2 * r->n * sizeof(*ev));
	heap = malloc(r->n * sizeof(*heap));
	dead = calloc(r->n, 1);
	out->start = malloc((2 * r->n + 1) * sizeof(*out->start));
	winner = malloc((2 * r->n + 1) * sizeof(*winner));
	if (!ev || !heap || !dead || !out->start || !winner)
		goto out;
	for (size_t i = 0; i < r->n; i++) {
		ev[nev++] = (struct event){ r->v[i].start, (uint32_t)i, 1 };
		if (r->v[i].end < top)
			ev[nev++] = (struct event){ r->v[i].end + 1, (uint32_t)i, 0 };
	}
	qsort(ev, nev, sizeof(*ev), event_cmp);
	out->start[0] = 0;
	winner[0] = UINT32_MAX;
	n = 1;
	for (size_t i = 0; i < nev;) {
		u128 at = ev[i].at;
		uint32_t w;
		for (; i < nev && ev[i].at == at; i++) {
			if (ev[i].start)
				heap_push(heap, &nheap, ev[i].row);
			else
				dead[ev[i].row] = 1;
		}
		while (nheap && dead[heap[0]])
			heap_pop(heap, &nheap);
		w = nheap ? heap[0] : UINT32_MAX;
		if (out->start[n - 1] == at) {
			winner[n - 1] = w;
			if (n >= 2 && winner[n - 2] == w)
				n--;
		} else if (winner[n - 1] != w) {
			out->start[n] = at;
			winner[n] = w;
			n++;
		}
	}
	out->val = malloc(n * sizeof(*out->val));
	if (!out->val)
		goto out;
	for (size_t i = 0; i < n; i++) {
		out->val[i] = winner[i] == UINT32_MAX ? none : r->v[winner[i]].val;
		out->answered += winner[i] != UINT32_MAX;
	}
	out->n = n;
	rc = V_OK;
out:
	free(ev);
	free(heap);
	free(dead);
	free(winner);
	if (rc != V_OK) {
		free(out->start);
		free(out->val);
		memset(out, 0, sizeof(*out));
	}
	return rc;
}

/* ---- writing ------------------------------------------------------------------------------ */

struct table_out {
	struct steps s;
	struct ipdb_ftable ft;
	void *steps;        /* struct ipdb_fstep4 or ipdb_fstep6 [n + 2^wbits - 1] */
	size_t stepsz, nsteps;
	uint32_t *dir;      /* [m + 2] */
	uint32_t *uval;     /* [m + 2] */
	uint32_t *nodes;
	size_t nnodes, nodes_size;
};

#define NODE_BITS_MAX 16
#define NODES_MAX ((size_t)1 << 26) /* the node field has 26 bits for the offset */

/* The step holding the address whose first 64 bits (IPv6) or 32 bits (IPv4) are key, the rest
 * zero, searching forward from *i. */
static uint32_t step_at(const struct steps *s, int six, uint64_t key, size_t *i)
{
	u128 at = six ? (u128)key << 64 : (u128)key;

	while (*i + 1 < s->n && s->start[*i + 1] <= at)
		++*i;
	return (uint32_t)*i;
}

static int ceil_log2(uint64_t v)
{
	int b = 0;

	while (b < 63 && ((uint64_t)1 << b) < v)
		b++;
	return b;
}

/* The entry for the part of the key space [base, base + 2^shift) whose ranges run from step
 * `from` to step `next` (the one holding the next part's first address): `from` itself when a
 * window from there holds them all, else a node of 2^bits parts, or a wide entry when the key
 * has no bits left (ipdb_format.h). */
static int make_entry(struct table_out *to, int six, uint64_t base, uint32_t shift, uint32_t from,
		      uint32_t next, uint32_t *entry)
{
	uint64_t count = (uint64_t)next - from;
	uint32_t bits, shift2;
	size_t parts, at, i = from;
	int rc;

	*entry = from;
	if (count < ((uint64_t)1 << to->ft.wbits))
		return V_OK;
	bits = (uint32_t)ceil_log2(count);
	bits = bits > shift ? shift : bits > NODE_BITS_MAX ? NODE_BITS_MAX : bits;
	/* no key bits left (IPv6 ranges inside one /64): a wide entry, two NODES entries
	 * giving the ranges to search, from and next */
	parts = bits ? (size_t)1 << bits : 2;
	shift2 = shift - bits;
	if (to->nnodes + parts > NODES_MAX)
		return V_ERR_LIMIT;
	if (to->nnodes + parts > to->nodes_size) {
		size_t ns = to->nodes_size ? to->nodes_size : 65536;
		uint32_t *p;
		while (ns < to->nnodes + parts)
			ns *= 2;
		p = realloc(to->nodes, ns * sizeof(*p));
		if (!p)
			return V_ERR_NOMEM;
		to->nodes = p;
		to->nodes_size = ns;
	}
	at = to->nnodes;
	to->nnodes += parts;
	*entry = IPDB_NODE | (uint32_t)at << 5 | bits;
	if (bits == 0) {
		to->nodes[at] = from;
		to->nodes[at + 1] = next;
		return V_OK;
	}
	for (size_t k = 0; k < parts; k++)
		to->nodes[at + k] = step_at(&to->s, six, base | (uint64_t)k << shift2, &i);
	for (size_t k = 0; k < parts; k++) {
		uint32_t a = to->nodes[at + k], b = k + 1 < parts ? to->nodes[at + k + 1] : next, e;
		if ((rc = make_entry(to, six, base | (uint64_t)k << shift2, shift2, a, b, &e)) !=
		    V_OK)
			return rc;
		to->nodes[at + k] = e; /* to->nodes may have moved */
	}
	return V_OK;
}

/* DIR and NODES (ipdb_format.h). */
static int make_index(struct table_out *to, int six)
{
	const struct steps *s = &to->s;
	uint64_t first, last, m;
	uint32_t shift, *next;
	size_t i = 0;
	int rc;

	if (!six) {
		shift = 16;
		to->ft.p0 = 0;
		m = 65536;
	} else {
		/* at most 2^16 prefixes between the first range that is not the initial gap and
		 * the last one (2001:: to 2c0f:: for today's data: /20 prefixes) */
		first = s->n > 1 ? (uint64_t)(s->start[1] >> 64) : 0;
		last = (uint64_t)(s->start[s->n - 1] >> 64);
		for (shift = 0; shift < 63; shift++)
			if ((last >> shift) - (first >> shift) < 65536)
				break;
		to->ft.p0 = first >> shift;
		m = (last >> shift) - (first >> shift) + 1;
	}
	to->ft.shift = shift;
	to->ft.m = (uint32_t)m;
	to->dir = malloc((m + 2) * sizeof(*to->dir));
	to->uval = malloc((m + 2) * sizeof(*to->uval));
	next = malloc((m + 1) * sizeof(*next));
	if (!to->dir || !to->uval || !next) {
		free(next);
		return V_ERR_NOMEM;
	}
	/* the step holding each prefix's first address; one past the last: the last step */
	for (uint64_t j = 0; j <= m; j++) {
		uint64_t p = to->ft.p0 + j;
		int beyond = six ? shift > 0 && p >> (64 - shift) != 0 : p << shift > 0xffffffffu;
		beyond |= p < to->ft.p0;
		next[j] = beyond ? (uint32_t)(s->n - 1) : step_at(s, six, p << shift, &i);
	}
	for (uint64_t j = 0; j < m; j++) {
		if ((rc = make_entry(to, six, (to->ft.p0 + j) << shift, shift, next[j], next[j + 1],
				     &to->dir[j])) != V_OK) {
			free(next);
			return rc;
		}
	}
	to->dir[m] = (uint32_t)(s->n - 1); /* the prefixes above the last range's */
	to->dir[m + 1] = 0;                /* those below the first */
	/* UVAL: the value where one range holds the whole prefix (the next range starts after
	 * the prefix's last address) */
	for (uint64_t j = 0; j < m; j++) {
		u128 end = ((u128)(to->ft.p0 + j + 1) << shift << (six ? 64 : 0)) - 1;
		uint32_t a = next[j];
		int one = a + 1 >= s->n || s->start[a + 1] > end;
		to->uval[j] = one ? s->val[a] : IPDB_MIXED;
	}
	to->uval[m] = s->val[s->n - 1];
	to->uval[m + 1] = s->val[0];
	free(next);
	return V_OK;
}

static int make_table(const struct rows *r, int six, int country, struct table_out *to)
{
	size_t pad;
	int rc;

	memset(to, 0, sizeof(to[0]));
	to->stepsz = six ? sizeof(struct ipdb_fstep6) : sizeof(struct ipdb_fstep4);
	if ((rc = resolve(r, six ? ~(u128)0 : V4_MAX, country ? 0 : IPDB_NONE, &to->s)) != V_OK)
		return rc;
	if (to->s.n >= IPDB_NODE)
		return V_ERR_LIMIT;
	to->ft.n = to->s.n;
	to->ft.answered = to->s.answered;
	if (to->s.n == 0)
		return V_OK;
	to->ft.wbits = six ? IPDB_WBITS6 : IPDB_WBITS4;
	pad = ((size_t)1 << to->ft.wbits) - 1;
	to->nsteps = to->s.n + pad;
	to->steps = calloc(to->nsteps, to->stepsz);
	if (!to->steps)
		return V_ERR_NOMEM;
	for (size_t i = 0; i < to->nsteps; i++) {
		/* the padding: starts at the top, answers as the last range */
		size_t k = i < to->s.n ? i : to->s.n - 1;
		if (six) {
			struct ipdb_fstep6 *x = (struct ipdb_fstep6 *)to->steps + i;
			x->hi = i < to->s.n ? (uint64_t)(to->s.start[i] >> 64) : UINT64_MAX;
			x->lo = i < to->s.n ? (uint64_t)to->s.start[i] : UINT64_MAX;
			x->val = to->s.val[k];
		} else {
			struct ipdb_fstep4 *x = (struct ipdb_fstep4 *)to->steps + i;
			x->start = i < to->s.n ? (uint32_t)to->s.start[i] : UINT32_MAX;
			x->val = to->s.val[k];
		}
	}
	return make_index(to, six);
}

static void table_fini(struct table_out *to)
{
	free(to->s.start);
	free(to->s.val);
	free(to->steps);
	free(to->dir);
	free(to->uval);
	free(to->nodes);
}

struct writer {
	int fd;
	uint64_t off;
	crypto_generichash_state hs;
	int rc;
	int errnum;
};

static void w_bytes(struct writer *w, const void *p, size_t n)
{
	const unsigned char *c = p;

	if (w->rc != V_OK || n == 0)
		return;
	crypto_generichash_update(&w->hs, c, n);
	w->off += n;
	while (n > 0) {
		ssize_t k = write(w->fd, c, n > (1u << 30) ? (1u << 30) : n);
		if (k < 0) {
			if (errno == EINTR)
				continue;
			w->rc = V_ERR_IO;
			w->errnum = errno;
			return;
		}
		c += k;
		n -= (size_t)k;
	}
}

static void w_pad(struct writer *w, uint64_t to)
{
	static const unsigned char zero[IPDB_ALIGN];

	while (w->off < to)
		w_bytes(w, zero, (size_t)(to - w->off) < sizeof(zero) ? (size_t)(to - w->off)
								      : sizeof(zero));
}

static uint64_t align_up(uint64_t v)
{
	return (v + IPDB_ALIGN - 1) / IPDB_ALIGN * IPDB_ALIGN;
}

/* Write the sections and the header to fd. */
static int write_file(struct ipdb_builder *b, struct table_out *to, int fd,
		      struct ipdb_fheader *h, struct ipdb_fsource *srcs)
{
	const void *data[IPDB_NSECT];
	struct writer w = { .fd = fd, .rc = V_OK };
	uint64_t off = IPDB_HEADER_SIZE;

	memset(h, 0, sizeof(*h));
	memcpy(h->magic, IPDB_MAGIC, 8);
	h->version = IPDB_FORMAT_VERSION;
	h->endian = IPDB_ENDIAN;
	h->header_size = IPDB_HEADER_SIZE;
	h->nsect = IPDB_NSECT;
	h->built = (int64_t)time(NULL);
	h->asn_records = b->nasn;
	h->nsources = b->nsrc;
	for (int t = 0; t < IPDB_NTABLES; t++) {
		h->table[t] = to[t].ft;
		h->sect[IPDB_SECT(t, IPDB_P_STEPS)].len = to[t].nsteps * to[t].stepsz;
		h->sect[IPDB_SECT(t, IPDB_P_DIR)].len =
			to[t].s.n ? ((uint64_t)to[t].ft.m + 2) * sizeof(uint32_t) : 0;
		h->sect[IPDB_SECT(t, IPDB_P_NODES)].len = to[t].nnodes * sizeof(uint32_t);
		h->sect[IPDB_SECT(t, IPDB_P_UVAL)].len =
			to[t].s.n ? ((uint64_t)to[t].ft.m + 2) * sizeof(uint32_t) : 0;
		data[IPDB_SECT(t, IPDB_P_UVAL)] = to[t].uval;
		data[IPDB_SECT(t, IPDB_P_STEPS)] = to[t].steps;
		data[IPDB_SECT(t, IPDB_P_DIR)] = to[t].dir;
		data[IPDB_SECT(t, IPDB_P_NODES)] = to[t].nodes;
	}
	h->sect[IPDB_S_ASNREC].len = b->nasn * sizeof(struct ipdb_fasn);
	data[IPDB_S_ASNREC] = b->asn;
	h->sect[IPDB_S_STRINGS].len = b->strings.len;
	data[IPDB_S_STRINGS] = b->strings.data;
	h->sect[IPDB_S_SOURCES].len = b->nsrc * sizeof(struct ipdb_fsource);
	data[IPDB_S_SOURCES] = srcs;
	for (int s = 0; s < IPDB_NSECT; s++) {
		if (!h->sect[s].len)
			continue;
		h->sect[s].off = align_up(off);
		off = h->sect[s].off + h->sect[s].len;
	}
	h->file_size = off;
	/* the checksum covers the header with its checksum field zero, then the body */
	crypto_generichash_init(&w.hs, NULL, 0, sizeof(h->checksum));
	w_bytes(&w, h, sizeof(*h));
	for (int s = 0; s < IPDB_NSECT; s++) {
		if (!h->sect[s].len)
			continue;
		w_pad(&w, h->sect[s].off);
		w_bytes(&w, data[s], h->sect[s].len);
	}
	crypto_generichash_final(&w.hs, h->checksum, sizeof(h->checksum));
	if (w.rc == V_OK && pwrite(fd, h, sizeof(*h), 0) != (ssize_t)sizeof(*h)) {
		w.rc = V_ERR_IO;
		w.errnum = errno;
	}
	if (w.rc == V_OK && fsync(fd) != 0) {
		w.rc = V_ERR_IO;
		w.errnum = errno;
	}
	errno = w.errnum;
	return w.rc;
}

int ipdb_builder_write(struct ipdb_builder *b, const char *path, struct ipdb_info *info,
		       struct verr *err)
{
	struct verr local = { 0 };
	struct table_out to[IPDB_NTABLES];
	struct ipdb_fheader h;
	struct ipdb_fsource *srcs = NULL;
	struct ipdb *check = NULL;
	char *tmp = NULL, *dcopy = NULL;
	size_t plen = strlen(path);
	int fd = -1, rc = V_OK, dfd;

	if (!err)
		err = &local;
	verr_clear(err);
	memset(to, 0, sizeof(to));
	for (int t = 0; t < IPDB_NTABLES && rc == V_OK; t++)
		rc = make_table(&b->t[t], t == IPDB_T_ASN6 || t == IPDB_T_CC6,
				t == IPDB_T_CC4 || t == IPDB_T_CC6, &to[t]);
	srcs = calloc(b->nsrc ? b->nsrc : 1, sizeof(*srcs));
	if (rc == V_OK && !srcs)
		rc = V_ERR_NOMEM;
	for (size_t i = 0; rc == V_OK && i < b->nsrc; i++) {
		srcs[i].size = b->src[i].size;
		srcs[i].mtime = b->src[i].mtime;
		srcs[i].rows = b->src[i].rows;
		srcs[i].bad = b->src[i].bad;
		if ((rc = intern(b, b->src[i].path, strlen(b->src[i].path), &srcs[i].path)) ==
		    V_OK)
			rc = intern(b, b->src[i].kind, strlen(b->src[i].kind), &srcs[i].kind);
	}
	if (rc != V_OK) {
		verr_set(err, rc, "", "%s", vres_str(rc));
		goto out;
	}
	tmp = malloc(plen + 16);
	if (!tmp) {
		rc = verr_set(err, V_ERR_NOMEM, "", "%s", strerror(ENOMEM));
		goto out;
	}
	snprintf(tmp, plen + 16, "%s.tmp-XXXXXX", path);
	fd = mkstemp(tmp);
	if (fd < 0) {
		err->file = path;
		rc = verr_set(err, V_ERR_IO, "", _("cannot create a file beside it: %s"),
			      strerror(errno));
		free(tmp);
		tmp = NULL;
		goto out;
	}
	if (fchmod(fd, 0644) != 0 || write_file(b, to, fd, &h, srcs) != V_OK) {
		err->file = tmp;
		rc = verr_set(err, V_ERR_IO, "", "%s", strerror(errno));
		goto out;
	}
	if (close(fd) != 0) {
		fd = -1;
		err->file = tmp;
		rc = verr_set(err, V_ERR_IO, "", "%s", strerror(errno));
		goto out;
	}
	fd = -1;
	/* read back what was written before it replaces anything */
	if ((rc = ipdb_open(tmp, IPDB_OPEN_VERIFY, &check, err)) != V_OK)
		goto out;
	if (info)
		ipdb_info(check, info);
	ipdb_close(check);
	if (rename(tmp, path) != 0) {
		err->file = path;
		rc = verr_set(err, V_ERR_IO, "", "%s", strerror(errno));
		goto out;
	}
	free(tmp);
	tmp = NULL;
	if ((dcopy = strdup(path)) && (dfd = open(dirname(dcopy), O_RDONLY | O_DIRECTORY)) >= 0) {
		fsync(dfd);
		close(dfd);
	}
out:
	if (fd >= 0)
		close(fd);
	if (tmp) {
		unlink(tmp);
		free(tmp);
		if (err->file && err->file != path)
			err->file = path; /* the temporary name is gone */
	}
	free(dcopy);
	free(srcs);
	for (int t = 0; t < IPDB_NTABLES; t++)
		table_fini(&to[t]);
	return rc;
}
