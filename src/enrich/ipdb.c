/*
 * ipdb.c — reading an IP attribution index: map it, check its header, look addresses up.
 *
 * Opening does O(1) work whatever the size: the header and the section bounds are checked,
 * nothing is parsed or copied.  A damaged body cannot make a lookup read outside the mapping:
 * every index taken from the file is bounded before use (a damaged file gives wrong answers,
 * which ipdb_verify() detects, never a crash).  The file must not be changed in place while
 * mapped; `vigia ipdb update` replaces it with rename(), which leaves this mapping intact.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include "base/conf.h"
#include "base/i18n.h"
#include "enrich/ipdb.h"
#include "enrich/ipdb_format.h"
#include "store/store.h"

typedef unsigned __int128 u128;

struct ipdb_table {
	const struct ipdb_fstep4 *s4; /* [n], IPv4 tables */
	const struct ipdb_fstep6 *s6; /* [n], IPv6 tables */
	const uint32_t *dir;          /* [m + 2] */
	const uint32_t *nodes;        /* [nnodes] */
	const uint32_t *uval;         /* [m + 2] */
	uint64_t n, answered, p0, nnodes;
	uint32_t shift, m, wbits;
};

struct ipdb {
	char *path;
	const unsigned char *map;
	size_t size;
	dev_t dev;
	ino_t ino;
	const struct ipdb_fheader *h;
	struct ipdb_table t[IPDB_NTABLES];
	const struct ipdb_fasn *asn;
	uint64_t nasn;
	const char *strings;
	uint64_t nstrings;
	const struct ipdb_fsource *sources;
	uint64_t nsources;
};

/* ---- addresses ---------------------------------------------------------------------------- */

static uint64_t be64(const unsigned char *p)
{
	uint64_t v = 0;

	for (int i = 0; i < 8; i++)
		v = v << 8 | p[i];
	return v;
}

int ipdb_addr_parse(const char *s, size_t n, struct ipdb_addr *out)
{
	char tmp[64];
	unsigned char b[16];

	if (n == 0 || n >= sizeof(tmp))
		return V_ERR_INVALID;
	memcpy(tmp, s, n);
	tmp[n] = 0;
	if (memchr(tmp, 0, n))
		return V_ERR_INVALID;
	if (strchr(tmp, ':')) {
		if (inet_pton(AF_INET6, tmp, b) != 1)
			return V_ERR_INVALID;
		out->hi = be64(b);
		out->lo = be64(b + 8);
		if (out->hi == 0 && out->lo >> 32 == 0xffff) {
			out->family = 4;
			out->lo &= 0xffffffffu;
		} else {
			out->family = 6;
		}
		return V_OK;
	}
	if (inet_pton(AF_INET, tmp, b) != 1)
		return V_ERR_INVALID;
	out->family = 4;
	out->hi = 0;
	out->lo = (uint64_t)b[0] << 24 | (uint64_t)b[1] << 16 | (uint64_t)b[2] << 8 | b[3];
	return V_OK;
}

void ipdb_addr_format(const struct ipdb_addr *a, char out[IPDB_ADDRSTRLEN])
{
	unsigned char b[16];

	if (a->family == 4) {
		uint32_t v = (uint32_t)a->lo;
		snprintf(out, IPDB_ADDRSTRLEN, "%u.%u.%u.%u", v >> 24, v >> 16 & 255, v >> 8 & 255,
			 v & 255);
		return;
	}
	for (int i = 0; i < 8; i++) {
		b[i] = (unsigned char)(a->hi >> (56 - 8 * i));
		b[8 + i] = (unsigned char)(a->lo >> (56 - 8 * i));
	}
	if (!inet_ntop(AF_INET6, b, out, IPDB_ADDRSTRLEN))
		snprintf(out, IPDB_ADDRSTRLEN, "?");
}

static u128 as128(const struct ipdb_addr *a)
{
	return (u128)a->hi << 64 | a->lo;
}

int ipdb_cidr(const struct ipdb_addr *a, const struct ipdb_addr *first,
	      const struct ipdb_addr *last, struct ipdb_addr *net, char out[IPDB_NETSTRLEN])
{
	int bits = a->family == 4 ? 32 : 128, plen;
	u128 v = as128(a), lo = as128(first), hi = as128(last), base = v;

	for (plen = 0; plen < bits; plen++) {
		int host = bits - plen;
		u128 hostmask = host >= 128 ? ~(u128)0 : ((u128)1 << host) - 1;
		base = v & ~hostmask;
		if (base >= lo && (base | hostmask) <= hi)
			break;
	}
	if (plen == bits)
		base = v;
	net->family = a->family;
	net->hi = (uint64_t)(base >> 64);
	net->lo = (uint64_t)base;
	if (out) {
		char s[IPDB_ADDRSTRLEN];
		ipdb_addr_format(net, s);
		snprintf(out, IPDB_NETSTRLEN, "%s/%d", s, plen);
	}
	return plen;
}

/* ---- opening ------------------------------------------------------------------------------ */

static int bad_index(struct verr *err, const char *path, const char *why)
{
	if (err)
		err->file = path;
	return verr_set(err, V_ERR_INVALID, "", _("not a usable IP attribution index: %s"), why);
}

static int check_sect(const struct ipdb_fheader *h, size_t size, int s, uint64_t want)
{
	const struct ipdb_fsect *x = &h->sect[s];

	if (x->len != want)
		return 0;
	if (want == 0)
		return 1;
	return x->off % 8 == 0 && x->off >= h->header_size && x->off <= size &&
	       x->len <= size - x->off;
}

static int map_tables(struct ipdb *db, const char *path, struct verr *err)
{
	const struct ipdb_fheader *h = db->h;

	for (int t = 0; t < IPDB_NTABLES; t++) {
		const struct ipdb_ftable *ft = &h->table[t];
		struct ipdb_table *dt = &db->t[t];
		int six = t == IPDB_T_ASN6 || t == IPDB_T_CC6;
		uint64_t stepsz = six ? sizeof(struct ipdb_fstep6) : sizeof(struct ipdb_fstep4);
		uint64_t nsteps = ft->n ? ft->n + ((uint64_t)1 << (ft->wbits & 7)) - 1 : 0;
		uint64_t ndir = ft->n ? (uint64_t)ft->m + 2 : 0;
		const struct ipdb_fsect *nodes = &h->sect[IPDB_SECT(t, IPDB_P_NODES)];

		if (ft->n > db->size / 8 || ft->n >= IPDB_NODE || ft->answered > ft->n ||
		    ft->shift > 63 || ft->m >= UINT32_MAX - 2 || nodes->len % 4 ||
		    (ft->n && ft->wbits != (six ? IPDB_WBITS6 : IPDB_WBITS4)) ||
		    !check_sect(h, db->size, IPDB_SECT(t, IPDB_P_STEPS), nsteps * stepsz) ||
		    !check_sect(h, db->size, IPDB_SECT(t, IPDB_P_DIR), ndir * 4) ||
		    !check_sect(h, db->size, IPDB_SECT(t, IPDB_P_NODES), nodes->len) ||
		    !check_sect(h, db->size, IPDB_SECT(t, IPDB_P_UVAL), ndir * 4))
			return bad_index(err, path, _("a table's section is damaged"));
		dt->n = ft->n;
		dt->answered = ft->answered;
		dt->p0 = ft->p0;
		dt->shift = ft->shift;
		dt->m = ft->m;
		dt->wbits = ft->wbits;
		dt->nnodes = nodes->len / 4;
		dt->s4 = (const struct ipdb_fstep4 *)(db->map +
						      h->sect[IPDB_SECT(t, IPDB_P_STEPS)].off);
		dt->s6 = (const struct ipdb_fstep6 *)dt->s4;
		dt->dir = (const uint32_t *)(db->map + h->sect[IPDB_SECT(t, IPDB_P_DIR)].off);
		dt->nodes = (const uint32_t *)(db->map + nodes->off);
		dt->uval = (const uint32_t *)(db->map + h->sect[IPDB_SECT(t, IPDB_P_UVAL)].off);
		if (dt->n) {
			/* the first range starts at 0, so every address has a predecessor */
			int zero =
			    six ? dt->s6[0].hi == 0 && dt->s6[0].lo == 0 : dt->s4[0].start == 0;
			if (!zero)
				return bad_index(err, path,
				                 _("a table does not start at address 0"));
		}
	}
	return V_OK;
}

static int check_header(struct ipdb *db, const char *path, struct verr *err)
{
	const struct ipdb_fheader *h = db->h;

	if (db->size < 8 || memcmp(h->magic, IPDB_MAGIC, 8))
		return bad_index(err, path,
		                 _("no index header (build one with 'vigia ipdb build')"));
	if (db->size < IPDB_HEADER_SIZE)
		return bad_index(err, path, _("the file is truncated"));
	if (h->endian != IPDB_ENDIAN)
		return bad_index(err, path, _("written with another byte order"));
	if (h->version != IPDB_FORMAT_VERSION) {
		if (err)
			err->file = path;
		return verr_set(
		    err, V_ERR_INVALID, "",
		    _("index format version %u; this vigia reads version %u: rebuild it "
		      "with 'vigia ipdb build'"),
		    (unsigned)h->version, (unsigned)IPDB_FORMAT_VERSION);
	}
	if (h->header_size != IPDB_HEADER_SIZE || h->nsect != IPDB_NSECT)
		return bad_index(err, path, _("the header is damaged"));
	if (h->file_size != db->size)
		return bad_index(err, path,
		                 h->file_size > db->size ? _("the file is truncated")
		                                         : _("the file has extra bytes"));
	if (h->asn_records > db->size / 8 || h->nsources > db->size / 48 ||
	    !check_sect(h, db->size, IPDB_S_ASNREC, h->asn_records * sizeof(struct ipdb_fasn)) ||
	    !check_sect(h, db->size, IPDB_S_SOURCES,
			h->nsources * sizeof(struct ipdb_fsource)) ||
	    h->sect[IPDB_S_STRINGS].len == 0 ||
	    !check_sect(h, db->size, IPDB_S_STRINGS, h->sect[IPDB_S_STRINGS].len))
		return bad_index(err, path, _("a section is damaged"));
	db->asn = (const struct ipdb_fasn *)(db->map + h->sect[IPDB_S_ASNREC].off);
	db->nasn = h->asn_records;
	db->strings = (const char *)db->map + h->sect[IPDB_S_STRINGS].off;
	db->nstrings = h->sect[IPDB_S_STRINGS].len;
	if (db->strings[0] != 0 || db->strings[db->nstrings - 1] != 0)
		return bad_index(err, path, _("the string table is damaged"));
	db->sources = (const struct ipdb_fsource *)(db->map + h->sect[IPDB_S_SOURCES].off);
	db->nsources = h->nsources;
	return map_tables(db, path, err);
}

int ipdb_open(const char *path, unsigned flags, struct ipdb **out, struct verr *err)
{
	struct ipdb *db;
	struct stat st;
	int fd, rc;

	*out = NULL;
	db = calloc(1, sizeof(*db));
	if (!db || !(db->path = strdup(path))) {
		free(db);
		return verr_set(err, V_ERR_NOMEM, "", "%s", strerror(ENOMEM));
	}
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0 || fstat(fd, &st) != 0) {
		if (err)
			err->file = path;
		rc = verr_set(err, V_ERR_IO, "", "%s", strerror(errno));
		if (errno == ENOENT && err)
			snprintf(
			    err->reason, sizeof(err->reason), "%s",
			    _("no IP attribution index here (build one with 'vigia ipdb build', "
			      "or name it with --ipdb or the setting enrich.ipdb)"));
		goto fail;
	}
	if (!S_ISREG(st.st_mode) || st.st_size == 0) {
		rc = bad_index(err, path, _("not a regular, non-empty file"));
		goto fail;
	}
	db->size = (size_t)st.st_size;
	db->dev = st.st_dev;
	db->ino = st.st_ino;
	db->map = mmap(NULL, db->size, PROT_READ, MAP_SHARED, fd, 0);
	if (db->map == MAP_FAILED) {
		db->map = NULL;
		if (err)
			err->file = path;
		rc = verr_set(err, V_ERR_IO, "", "mmap: %s", strerror(errno));
		goto fail;
	}
	close(fd);
	fd = -1;
	db->h = (const struct ipdb_fheader *)db->map;
	if ((rc = check_header(db, path, err)) != V_OK)
		goto fail;
	if ((flags & IPDB_OPEN_VERIFY) && (rc = ipdb_verify(db, err)) != V_OK)
		goto fail;
	*out = db;
	return V_OK;
fail:
	if (fd >= 0)
		close(fd);
	ipdb_close(db);
	return rc;
}

void ipdb_close(struct ipdb *db)
{
	if (!db)
		return;
	if (db->map)
		munmap((void *)db->map, db->size);
	free(db->path);
	free(db);
}

const char *ipdb_path(const struct ipdb *db)
{
	return db->path;
}

int ipdb_verify(const struct ipdb *db, struct verr *err)
{
	crypto_generichash_state st;
	struct ipdb_fheader h;
	unsigned char sum[32];

	memcpy(&h, db->h, sizeof(h));
	memset(h.checksum, 0, sizeof(h.checksum));
	crypto_generichash_init(&st, NULL, 0, sizeof(sum));
	crypto_generichash_update(&st, (const unsigned char *)&h, sizeof(h));
	crypto_generichash_update(&st, db->map + sizeof(h), db->size - sizeof(h));
	crypto_generichash_final(&st, sum, sizeof(sum));
	if (sodium_memcmp(sum, db->h->checksum, sizeof(sum)) != 0) {
		if (err)
			err->file = db->path;
		return verr_set(err, V_ERR_INVALID, "", "%s",
				_("checksum mismatch: the index is damaged; rebuild it"));
	}
	return V_OK;
}

int ipdb_changed(const struct ipdb *db)
{
	struct stat st;

	if (stat(db->path, &st) != 0)
		return 1;
	return st.st_dev != db->dev || st.st_ino != db->ino;
}

/* ---- lookups ------------------------------------------------------------------------------ */

/*
 * A lookup reads the DIR entry of the key's prefix (a node now and then: crowded prefixes),
 * then searches a window of 2^wbits ranges with a fixed number of halvings and no branches on
 * the data: the processor predicts every branch of a lookup but the address family's, and runs
 * on into the next lookup while this one waits for memory.  ipdb_lookup_many() also prefetches,
 * 16 lookups at a time.
 */

/* The DIR index for key's prefix: the first entry of the walk. */
static inline uint64_t dir_index(const struct ipdb_table *t, uint64_t key)
{
	uint64_t p = key >> t->shift, j = p - t->p0;

	j = j >= t->m ? t->m : j;      /* above: entry m */
	j = p < t->p0 ? t->m + 1 : j;  /* below: entry m + 1 */
	return j;
}

static inline const uint32_t *dir_entry(const struct ipdb_table *t, uint64_t key)
{
	return &t->dir[dir_index(t, key)];
}

#define WIDE ((uint64_t)1 << 63) /* walk(): a wide entry at NODES[i & ~WIDE] */

/* Down the nodes from entry e to a step number: the window's first range; or WIDE | i for a
 * wide entry.  A damaged file cannot lead outside NODES nor loop: every level takes at least
 * one bit of the key. */
static inline uint64_t walk(const struct ipdb_table *t, const uint32_t *e, uint64_t key)
{
	uint32_t v = *e, shift = t->shift;

	while (__builtin_expect((v & IPDB_NODE) != 0, 0)) {
		uint32_t bits = v & 31;
		uint64_t j = (v >> 5) & 0x3ffffff;
		if (bits == 0)
			return j + 1 < t->nnodes ? WIDE | j : 0;
		if (bits > shift)
			return 0;
		shift -= bits;
		j += (key >> shift) & ((1u << bits) - 1);
		if (j >= t->nnodes)
			return 0;
		v = t->nodes[j];
	}
	return v < t->n ? v : t->n - 1;
}

/* A wide entry's search: ranges inside one IPv6 /64, more than a window holds. */
static uint64_t wide6(const struct ipdb_table *t, uint64_t w, uint64_t hi, uint64_t lo)
{
	uint64_t a = t->nodes[w & ~WIDE], b = t->nodes[(w & ~WIDE) + 1];

	if (b >= t->n)
		b = t->n - 1;
	if (a > b)
		a = b;
	while (a < b) {
		uint64_t mid = a + (b - a + 1) / 2;
		const struct ipdb_fstep6 *m = &t->s6[mid];
		if (m->hi < hi || (m->hi == hi && m->lo <= lo))
			a = mid;
		else
			b = mid - 1;
	}
	return a;
}

/* The range holding the address among the window from step a: the last start <= it.  The
 * comparisons are added as numbers (compilers turn `c ? x + h : x` into a branch, and the
 * branch is mispredicted half the time). */
static inline uint64_t window4(const struct ipdb_table *t, uint64_t a, uint32_t k)
{
	const struct ipdb_fstep4 *s = t->s4;
	uint64_t i = a;

	_Static_assert(IPDB_WBITS4 == 3, "window4 searches 8 ranges");
	i = i & WIDE ? 0 : i; /* no wide entries in IPv4 tables: a damaged file */
	i += (uint64_t)(s[i + 4].start <= k) << 2;
	i += (uint64_t)(s[i + 2].start <= k) << 1;
	i += (uint64_t)(s[i + 1].start <= k);
	return i < t->n ? i : t->n - 1; /* the padding answers as the last range */
}

static inline uint64_t window6(const struct ipdb_table *t, uint64_t a, uint64_t hi, uint64_t lo)
{
	const struct ipdb_fstep6 *s = t->s6;
	u128 k = (u128)hi << 64 | lo;
	uint64_t i = a;

	_Static_assert(IPDB_WBITS6 == 2, "window6 searches 4 ranges");
	if (__builtin_expect((a & WIDE) != 0, 0))
		return wide6(t, a, hi, lo);
	i += (uint64_t)(((u128)s[i + 2].hi << 64 | s[i + 2].lo) <= k) << 1;
	i += (uint64_t)(((u128)s[i + 1].hi << 64 | s[i + 1].lo) <= k);
	return i < t->n ? i : t->n - 1;
}

static inline uint64_t find_one(const struct ipdb_table *t, const struct ipdb_addr *x)
{
	if (x->family == 6)
		return window6(t, walk(t, dir_entry(t, x->hi), x->hi), x->hi, x->lo);
	return window4(t, walk(t, dir_entry(t, x->lo), x->lo), (uint32_t)x->lo);
}

/* Range i of table t: its value, its bounds into *first, *last. */
static uint32_t range_of(const struct ipdb_table *t, uint64_t i, int family,
			 struct ipdb_addr *first, struct ipdb_addr *last)
{
	first->family = last->family = family;
	first->hi = last->hi = 0;
	if (family == 4) {
		const struct ipdb_fstep4 *st = t->s4;
		first->lo = st[i].start;
		last->lo = i + 1 < t->n ? (uint64_t)st[i + 1].start - 1 : 0xffffffffu;
		return st[i].val;
	}
	const struct ipdb_fstep6 *st = t->s6;
	first->hi = st[i].hi;
	first->lo = st[i].lo;
	if (i + 1 < t->n) {
		u128 e = ((u128)st[i + 1].hi << 64 | st[i + 1].lo) - 1;
		last->hi = (uint64_t)(e >> 64);
		last->lo = (uint64_t)e;
	} else {
		last->hi = last->lo = UINT64_MAX;
	}
	return st[i].val;
}

static inline uint32_t value_of(const struct ipdb_table *t, uint64_t i, int six)
{
	return six ? t->s6[i].val : t->s4[i].val;
}

static int cc_from(uint32_t v, char cc[3])
{
	char a = (char)(v & 0xff), b = (char)(v >> 8 & 0xff);

	if (a < 'A' || a > 'Z' || b < 'A' || b > 'Z') {
		cc[0] = 0;
		return 0;
	}
	cc[0] = a;
	cc[1] = b;
	cc[2] = 0;
	return 1;
}

static inline const struct ipdb_table *table_for(const struct ipdb *db, int country, int family)
{
	static const int id[2][2] = { { IPDB_T_ASN4, IPDB_T_ASN6 }, { IPDB_T_CC4, IPDB_T_CC6 } };

	return &db->t[id[country][family == 6]];
}

#define VALUE_ONLY ((uint64_t)1 << 62) /* a batch found the value in UVAL, not the range */

/* The ASN table's answer for range ia (UINT64_MAX: none): the record index, or IPDB_NONE. */
static inline uint32_t asn_value(const struct ipdb *db, const struct ipdb_addr *a, uint64_t ia)
{
	uint32_t v;

	if (ia == UINT64_MAX)
		return IPDB_NONE;
	v = value_of(table_for(db, 0, a->family), ia, a->family == 6);
	return v < db->nasn ? v : IPDB_NONE;
}

/* Fill r from what was found: ia, the range in the ASN table (UINT64_MAX: none); ic, the range
 * in the country table (UINT64_MAX: none), or VALUE_ONLY with the country value cu (then the
 * ASN range must have answered, or the country range is looked up here). */
static unsigned fill(const struct ipdb *db, const struct ipdb_addr *a, uint64_t ia, uint64_t ic,
		     uint32_t cu, struct ipdb_result *r)
{
	const struct ipdb_table *tc = table_for(db, 1, a->family);
	uint32_t v = asn_value(db, a, ia);

	r->have = 0;
	r->asn = 0;
	r->as_name = "";
	r->country[0] = 0;
	r->first = r->last = *a;
	if (v != IPDB_NONE) {
		range_of(table_for(db, 0, a->family), ia, a->family, &r->first, &r->last);
		r->have |= IPDB_HAVE_ASN;
		r->asn = db->asn[v].asn;
		if (db->asn[v].name < db->nstrings)
			r->as_name = db->strings + db->asn[v].name;
	}
	if (ic == VALUE_ONLY && !r->have)
		ic = find_one(tc, a); /* the country range is the network: it is needed */
	if (ic == VALUE_ONLY) {
		if (cc_from(cu, r->country))
			r->have |= IPDB_HAVE_COUNTRY;
	} else if (ic != UINT64_MAX) {
		if (cc_from(value_of(tc, ic, a->family == 6), r->country)) {
			if (!r->have)
				range_of(tc, ic, a->family, &r->first, &r->last);
			r->have |= IPDB_HAVE_COUNTRY;
		}
	}
	return r->have;
}

/* The country value from UVAL when the address's whole prefix is one range, else
 * IPDB_MIXED. */
static inline uint32_t uniform_value(const struct ipdb_table *t, const struct ipdb_addr *a)
{
	return t->uval[dir_index(t, a->family == 6 ? a->hi : a->lo)];
}

unsigned ipdb_lookup(const struct ipdb *db, const struct ipdb_addr *a, struct ipdb_result *r)
{
	const struct ipdb_table *ta = table_for(db, 0, a->family),
				*tc = table_for(db, 1, a->family);
	uint64_t ia = ta->n ? find_one(ta, a) : UINT64_MAX, ic = UINT64_MAX;
	uint32_t cu = IPDB_MIXED;

	if (tc->n) {
		/* with an ASN answer the country's value is enough, and UVAL may have it */
		if (asn_value(db, a, ia) != IPDB_NONE && (cu = uniform_value(tc, a)) != IPDB_MIXED)
			ic = VALUE_ONLY;
		else
			ic = find_one(tc, a);
	}
	return fill(db, a, ia, ic, cu, r);
}

int ipdb_lookup_country(const struct ipdb *db, const struct ipdb_addr *a, char cc[3])
{
	const struct ipdb_table *t = table_for(db, 1, a->family);
	uint32_t u;

	cc[0] = 0;
	if (!t->n)
		return 0;
	if ((u = uniform_value(t, a)) != IPDB_MIXED)
		return cc_from(u, cc);
	return cc_from(value_of(t, find_one(t, a), a->family == 6), cc);
}

#define GROUP 128 /* measured: 16, 32, 64, 128, 256 lookups a batch (bench/ipdb.sh): 128 is best */

/* Batches: the lookups of one family in one table advance stage by stage (DIR entries, nodes
 * level by level, windows), each stage reading what the previous one prefetched, so that up to
 * GROUP memory accesses are in flight at once instead of one or two.  key[k]: the lookups'
 * keys; out: the window's first step, or WIDE | i. */
static void walk_group(const struct ipdb_table *t, const uint64_t *key, size_t n, uint64_t *out,
		       uint32_t *vals)
{
	uint32_t v[GROUP], shift[GROUP];
	const uint32_t *e[GROUP];
	size_t pend[GROUP], np = 0;

	for (size_t k = 0; k < n; k++) {
		uint64_t j = dir_index(t, key[k]);
		e[k] = &t->dir[j];
		__builtin_prefetch(e[k]);
		if (vals)
			__builtin_prefetch(&t->uval[j]);
	}
	for (size_t k = 0; k < n; k++) {
		if (vals && (vals[k] = t->uval[e[k] - t->dir]) != IPDB_MIXED) {
			out[k] = VALUE_ONLY;
			continue;
		}
		v[k] = *e[k];
		shift[k] = t->shift;
		out[k] = v[k] < t->n ? v[k] : t->n - 1;
		if (v[k] & IPDB_NODE)
			pend[np++] = k;
	}
	while (np) {
		size_t still = 0;
		/* each pending lookup moves one level down; the entry it needs next is fetched
		 * while the others move */
		for (size_t q = 0; q < np; q++) {
			size_t k = pend[q];
			uint32_t bits = v[k] & 31;
			uint64_t j = (v[k] >> 5) & 0x3ffffff;
			if (bits == 0) {
				out[k] = j + 1 < t->nnodes ? WIDE | j : 0;
				continue;
			}
			if (bits > shift[k]) {
				out[k] = 0; /* damaged */
				continue;
			}
			shift[k] -= bits;
			j += (key[k] >> shift[k]) & ((1u << bits) - 1);
			if (j >= t->nnodes) {
				out[k] = 0;
				continue;
			}
			e[k] = &t->nodes[j];
			__builtin_prefetch(e[k]);
			pend[still++] = k;
		}
		np = still;
		still = 0;
		for (size_t q = 0; q < np; q++) {
			size_t k = pend[q];
			v[k] = *e[k];
			if (v[k] & IPDB_NODE)
				pend[still++] = k;
			else
				out[k] = v[k] < t->n ? v[k] : t->n - 1;
		}
		np = still;
	}
}

static void group4(const struct ipdb_table *t, const struct ipdb_addr *a, const uint16_t *ix,
		   size_t n, uint64_t *idx, uint32_t *vals)
{
	uint64_t key[GROUP], w[GROUP];
	uint32_t u[GROUP];

	for (size_t k = 0; k < n; k++)
		key[k] = a[ix[k]].lo;
	walk_group(t, key, n, w, vals ? u : NULL);
	for (size_t k = 0; k < n; k++)
		if (w[k] != VALUE_ONLY)
			__builtin_prefetch(t->s4 + w[k] + 4);
	for (size_t k = 0; k < n; k++) {
		if (w[k] == VALUE_ONLY) {
			idx[ix[k]] = VALUE_ONLY;
			vals[ix[k]] = u[k];
		} else {
			idx[ix[k]] = window4(t, w[k], (uint32_t)key[k]);
		}
	}
}

static void group6(const struct ipdb_table *t, const struct ipdb_addr *a, const uint16_t *ix,
		   size_t n, uint64_t *idx, uint32_t *vals)
{
	uint64_t key[GROUP], w[GROUP];
	uint32_t u[GROUP];

	for (size_t k = 0; k < n; k++)
		key[k] = a[ix[k]].hi;
	walk_group(t, key, n, w, vals ? u : NULL);
	for (size_t k = 0; k < n; k++) {
		if (w[k] & (WIDE | VALUE_ONLY))
			continue;
		__builtin_prefetch(t->s6 + w[k] + 1);
		__builtin_prefetch(t->s6 + w[k] + 3);
	}
	for (size_t k = 0; k < n; k++) {
		if (w[k] == VALUE_ONLY) {
			idx[ix[k]] = VALUE_ONLY;
			vals[ix[k]] = u[k];
		} else {
			idx[ix[k]] = window6(t, w[k], key[k], a[ix[k]].lo);
		}
	}
}

/* The range of each of a[0..n) (n <= GROUP) in the ASN (country = 0) or country layer, into
 * idx (UINT64_MAX where the table is empty).  With vals, a lookup whose prefix is one range
 * stops at UVAL: idx VALUE_ONLY, the value in vals. */
static void find_group(const struct ipdb *db, int country, const struct ipdb_addr *a, size_t n,
		       uint64_t *idx, uint32_t *vals)
{
	const struct ipdb_table *t4 = table_for(db, country, 4), *t6 = table_for(db, country, 6);
	uint16_t i4[GROUP], i6[GROUP];
	size_t n4 = 0, n6 = 0;

	for (size_t i = 0; i < n; i++) {
		idx[i] = UINT64_MAX;
		if (a[i].family == 6)
			i6[n6++] = (uint16_t)i;
		else
			i4[n4++] = (uint16_t)i;
	}
	if (n4 && t4->n)
		group4(t4, a, i4, n4, idx, vals);
	if (n6 && t6->n)
		group6(t6, a, i6, n6, idx, vals);
}

void ipdb_lookup_many(const struct ipdb *db, const struct ipdb_addr *a, size_t n,
		      struct ipdb_result *r)
{
	uint64_t ia[GROUP], ic[GROUP];
	uint32_t cu[GROUP];

	for (size_t base = 0; base < n; base += GROUP) {
		size_t g = n - base < GROUP ? n - base : GROUP;
		find_group(db, 0, a + base, g, ia, NULL);
		find_group(db, 1, a + base, g, ic, cu);
		for (size_t i = 0; i < g; i++)
			fill(db, &a[base + i], ia[i], ic[i], cu[i], &r[base + i]);
	}
}

/* Country batches (when both families' country tables have ranges) go through a group of
 * GROUP addresses in stages, each reading what the one before prefetched: stage 1 finds each
 * address's table and DIR entry and prefetches its UVAL and DIR entries; stage 2 answers from
 * UVAL where one range holds the whole prefix, else reads the DIR entry and prefetches the
 * window it names, or lists the address for the nodes; the nodes are walked level by level;
 * then the windows are searched.  Stage 1 of the next group runs before this group's windows
 * are read, so that both wait for memory at once. */
struct cc_group {
	uint32_t j[GROUP];          /* the DIR index */
	int8_t tab[GROUP];          /* the table */
	uint64_t w[GROUP];          /* the window's first step, or WIDE | i */
	uint32_t v[GROUP], sh[GROUP]; /* walking the nodes: the entry, the key bits left */
	uint16_t k4[GROUP], k6[GROUP], kn[GROUP]; /* windows to search, nodes to walk */
	size_t n4, n6, nn;
};

static void cc_stage1(const struct ipdb *db, const struct ipdb_addr *a, size_t n,
		      struct cc_group *g)
{
	for (size_t k = 0; k < n; k++) {
		int six = a[k].family == 6;
		int id = IPDB_T_CC4 + 2 * six;
		const struct ipdb_table *t = &db->t[id];
		uint64_t key = six ? a[k].hi : a[k].lo;
		g->tab[k] = (int8_t)id;
		g->j[k] = (uint32_t)dir_index(t, key);
		__builtin_prefetch(&t->uval[g->j[k]]);
		__builtin_prefetch(&t->dir[g->j[k]]);
	}
}

/* Address k's window starts at step v (a DIR or NODES entry that is not a node, or WIDE | i):
 * prefetch it and list it for the search. */
static inline void cc_window(const struct ipdb_table *t, struct cc_group *g, size_t k, uint64_t v)
{
	if (g->tab[k] == IPDB_T_CC6) {
		g->w[k] = v;
		if (!(v & WIDE)) {
			__builtin_prefetch(t->s6 + v + 1);
			__builtin_prefetch(t->s6 + v + 3);
		}
		g->k6[g->n6++] = (uint16_t)k;
	} else {
		g->w[k] = v & WIDE ? 0 : v; /* no wide entries in IPv4: a damaged file */
		__builtin_prefetch(t->s4 + g->w[k] + 4);
		g->k4[g->n4++] = (uint16_t)k;
	}
}

static void cc_stage2(const struct ipdb *db, const struct ipdb_addr *a, size_t n,
		      struct cc_group *g, char (*cc)[3])
{
	g->n4 = g->n6 = g->nn = 0;
	for (size_t k = 0; k < n; k++) {
		const struct ipdb_table *t;
		uint32_t u, e;
		cc[k][0] = 0;
		t = &db->t[g->tab[k]];
		u = t->uval[g->j[k]];
		if (u != IPDB_MIXED) {
			cc_from(u, cc[k]);
			continue;
		}
		e = t->dir[g->j[k]];
		if (e & IPDB_NODE) {
			g->v[k] = e;
			g->sh[k] = t->shift;
			g->kn[g->nn++] = (uint16_t)k;
		} else {
			cc_window(t, g, k, e < t->n ? e : t->n - 1);
		}
	}
	/* the nodes, one level a pass: each pending address's next entry is fetched while the
	 * others move (the same steps as walk()) */
	while (g->nn) {
		size_t still = 0;
		for (size_t q = 0; q < g->nn; q++) {
			size_t k = g->kn[q];
			const struct ipdb_table *t = &db->t[g->tab[k]];
			uint64_t key = g->tab[k] == IPDB_T_CC6 ? a[k].hi : a[k].lo;
			uint32_t bits = g->v[k] & 31;
			uint64_t i = (g->v[k] >> 5) & 0x3ffffff;
			if (bits == 0) {
				cc_window(t, g, k, i + 1 < t->nnodes ? WIDE | i : 0);
				continue;
			}
			if (bits > g->sh[k]) {
				cc_window(t, g, k, 0); /* damaged */
				continue;
			}
			g->sh[k] -= bits;
			i += (key >> g->sh[k]) & ((1u << bits) - 1);
			if (i >= t->nnodes) {
				cc_window(t, g, k, 0);
				continue;
			}
			g->v[k] = (uint32_t)i; /* for the pass below: where the entry is */
			__builtin_prefetch(&t->nodes[i]);
			g->kn[still++] = (uint16_t)k;
		}
		g->nn = still;
		still = 0;
		for (size_t q = 0; q < g->nn; q++) {
			size_t k = g->kn[q];
			const struct ipdb_table *t = &db->t[g->tab[k]];
			uint32_t e = t->nodes[g->v[k]];
			if (e & IPDB_NODE) {
				g->v[k] = e;
				g->kn[still++] = (uint16_t)k;
			} else {
				cc_window(t, g, k, e < t->n ? e : t->n - 1);
			}
		}
		g->nn = still;
	}
}

/* Stage 3: the windows. */
static void cc_stage3(const struct ipdb *db, const struct ipdb_addr *a, const struct cc_group *g,
		      char (*cc)[3])
{
	const struct ipdb_table *t4 = &db->t[IPDB_T_CC4], *t6 = &db->t[IPDB_T_CC6];

	for (size_t q = 0; q < g->n4; q++) {
		size_t k = g->k4[q];
		cc_from(t4->s4[window4(t4, g->w[k], (uint32_t)a[k].lo)].val, cc[k]);
	}
	for (size_t q = 0; q < g->n6; q++) {
		size_t k = g->k6[q];
		cc_from(t6->s6[window6(t6, g->w[k], a[k].hi, a[k].lo)].val, cc[k]);
	}
}

void ipdb_lookup_country_many(const struct ipdb *db, const struct ipdb_addr *a, size_t n,
			      char (*cc)[3])
{
	struct cc_group grp[2];
	int cur = 0;

	if (n == 0)
		return;
	if (!db->t[IPDB_T_CC4].n || !db->t[IPDB_T_CC6].n) {
		for (size_t i = 0; i < n; i++) /* a family without data: not worth batching */
			ipdb_lookup_country(db, &a[i], cc[i]);
		return;
	}
	cc_stage1(db, a, n < GROUP ? n : GROUP, &grp[0]);
	for (size_t base = 0; base < n; base += GROUP, cur ^= 1) {
		size_t g = n - base < GROUP ? n - base : GROUP, next = base + g;
		cc_stage2(db, a + base, g, &grp[cur], cc + base);
		if (next < n)
			cc_stage1(db, a + next, n - next < GROUP ? n - next : GROUP, &grp[cur ^ 1]);
		cc_stage3(db, a + base, &grp[cur], cc + base);
	}
}

/* ---- describing --------------------------------------------------------------------------- */

void ipdb_info(const struct ipdb *db, struct ipdb_info *out)
{
	static const int tid[2][2] = { { IPDB_T_ASN4, IPDB_T_ASN6 }, { IPDB_T_CC4, IPDB_T_CC6 } };

	memset(out, 0, sizeof(*out));
	out->version = db->h->version;
	out->built = db->h->built;
	out->size = db->size;
	for (int l = 0; l < 2; l++) {
		for (int f = 0; f < 2; f++) {
			out->ranges[l][f] = db->t[tid[l][f]].answered;
			out->steps[l][f] = db->t[tid[l][f]].n;
		}
	}
	out->asn_records = db->nasn;
	out->strings = db->nstrings;
	out->nsources = (size_t)db->nsources;
	sodium_bin2hex(out->checksum, sizeof(out->checksum), db->h->checksum,
		       sizeof(db->h->checksum));
}

static const char *str_at(const struct ipdb *db, uint32_t off)
{
	return off < db->nstrings ? db->strings + off : "";
}

int ipdb_source(const struct ipdb *db, size_t i, struct ipdb_source *out)
{
	const struct ipdb_fsource *s;

	if (i >= db->nsources)
		return V_ERR_NOTFOUND;
	s = &db->sources[i];
	out->path = str_at(db, s->path);
	out->kind = str_at(db, s->kind);
	out->size = s->size;
	out->mtime = s->mtime;
	out->rows = s->rows;
	out->bad = s->bad;
	return V_OK;
}

const char *ipdb_default_path(const char *flag, char *out, size_t n)
{
	const char *conf = conf_get("enrich.ipdb"), *store;
	char *copy;

	if (flag && *flag) {
		snprintf(out, n, "%s", flag);
		return out;
	}
	if (conf && *conf) {
		snprintf(out, n, "%s", conf);
		return out;
	}
	store = store_default_path(NULL);
	if (!store || strstr(store, "://") || !(copy = strdup(store))) {
		snprintf(out, n, "vigia.ipdb");
		return out;
	}
	snprintf(out, n, "%s/vigia.ipdb", dirname(copy));
	free(copy);
	return out;
}
