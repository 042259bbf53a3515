/*
 * constituency.c — the constituency in memory, and resolution: who is responsible for an
 * address, an AS, a domain or a URL (the order and the rules are in constituency.h).
 *
 * Loading copies every organisation and CERT out of the store once; constituency_index then
 * builds the lookup tables, and resolution never touches the store again:
 *   networks  one open-addressing hash table per address family, keyed by (masked address,
 *             prefix length), and the list of prefix lengths present, longest first.  An
 *             address is masked to each length in turn and looked up: the first hit is the
 *             longest prefix.  A lookup costs one probe per distinct length in use (a handful
 *             in a real constituency), whatever the number of networks.
 *   ASNs      a sorted array, binary search.
 *   domains   a hash table of names; a name is looked up, then each of its parent names
 *             (label by label: www.example.com, example.com, com), so the longest wins.
 *   CERTs     a direct table on the two letters of the country code.
 * The tables are read-only after indexing: any number of threads may resolve at once.
 */
#include <ctype.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "base/i18n.h"
#include "enrich/constituency.h"

/* ---- an arena for the copied strings and contacts -------------------------------------------- */

struct arena_blk {
	struct arena_blk *next;
	size_t used, size;
	_Alignas(16) char data[];
};

static void *arena_alloc(struct arena_blk **head, size_t n)
{
	struct arena_blk *b = *head;
	void *p;

	n = (n + 15) & ~(size_t)15;
	if (!b || b->size - b->used < n) {
		size_t size = n > 65536 ? n : 65536;
		if (!(b = malloc(sizeof(*b) + size)))
			return NULL;
		b->next = *head;
		b->used = 0;
		b->size = size;
		*head = b;
	}
	p = b->data + b->used;
	b->used += n;
	return p;
}

/* A copy of s (NULL stays NULL); *oom set on failure. */
static const char *arena_str(struct arena_blk **head, const char *s, int *oom)
{
	size_t n;
	char *d;

	if (!s)
		return NULL;
	n = strlen(s) + 1;
	if (!(d = arena_alloc(head, n))) {
		*oom = 1;
		return NULL;
	}
	memcpy(d, s, n);
	return d;
}

/* ---- the tables ------------------------------------------------------------------------------ */

struct c_org {
	const char *name, *notes;
	int dnn;
	const struct store_contact *contacts;
	size_t ncontacts;
};

struct c_cert {
	char cc[3];
	const char *name;
	const struct store_contact *contacts;
	size_t ncontacts;
};

struct c_net {
	struct constituency_net net;
	uint32_t org;
	int dnn;
};

struct c_asn {
	int64_t asn;
	uint32_t org;
};

struct c_dom {
	const char *name;
	uint32_t org;
};

/* A slot of a network table: the key inline (one memory access a probe). */
struct pslot {
	uint64_t hi, lo;   /* the network's address */
	uint32_t net;      /* its index + 1; 0: empty */
	int32_t bits;
};

/*
 * One address family's networks.  Most addresses of events are in no network of the
 * constituency, and an address that is in one is usually in few: for each block (/16 for
 * IPv4; /32, hashed to 16 bits, for IPv6) a mask says which prefix lengths from the block's
 * length on have a network there (bit k: length block + k; bit 31 also stands for every
 * longer one), so a lookup probes only those, after one look at a table that stays in cache.
 */
#define BLOCKS 65536
struct ptable {
	struct pslot *slot;
	size_t mask;
	int lens[129];     /* prefix lengths present, longest first */
	int nlens;
	int block;         /* 16 (IPv4) or 32 (IPv6) */
	uint32_t *lens_in; /* BLOCKS masks */
};

struct constituency {
	struct arena_blk *arena;
	struct c_org *orgs;
	struct c_cert *certs;
	struct c_net *nets;
	struct c_asn *asns;
	struct c_dom *doms;
	size_t norgs, ncerts, nnets, nasns, ndoms;
	size_t cap_orgs, cap_certs, cap_nets, cap_asns, cap_doms;
	struct ptable p4, p6;
	uint32_t *dom_slot; /* index + 1 */
	size_t dom_mask;
	uint32_t cert_of[26 * 26]; /* index + 1 */
	int indexed;
};

static int grow(void **p, size_t *cap, size_t n, size_t size)
{
	size_t c = *cap ? *cap * 2 : 16;
	void *q;

	if (n < *cap)
		return 0;
	if (c > SIZE_MAX / size || c > UINT32_MAX - 1)
		return -1;
	if (!(q = realloc(*p, c * size)))
		return -1;
	*p = q;
	*cap = c;
	return 0;
}

static uint64_t mix64(uint64_t x)
{
	x ^= x >> 30;
	x *= 0xbf58476d1ce4e5b9ULL;
	x ^= x >> 27;
	x *= 0x94d049bb133111ebULL;
	x ^= x >> 31;
	return x;
}

static uint64_t net_hash(uint64_t hi, uint64_t lo, int bits)
{
	return mix64(hi ^ mix64(lo + (uint64_t)bits * 0x9e3779b97f4a7c15ULL));
}

static uint64_t str_hash(const char *s, size_t n)
{
	uint64_t h = 0xcbf29ce484222325ULL;

	for (size_t i = 0; i < n; i++)
		h = (h ^ (unsigned char)s[i]) * 0x100000001b3ULL;
	return mix64(h);
}

/* The smallest power of two >= 2n (at least 16). */
static size_t table_size(size_t n)
{
	size_t z = 16;

	while (z < 2 * n)
		z *= 2;
	return z;
}

/* The block holding a (an index into lens_in). */
static size_t block_of(const struct ipdb_addr *a)
{
	if (a->family == 4)
		return (size_t)(a->lo >> 16) & (BLOCKS - 1);
	return (size_t)mix64(a->hi >> 32) & (BLOCKS - 1);
}

/* The bit of lens_in for a prefix length (>= the table's block length). */
static uint32_t len_bit(const struct ptable *t, int bits)
{
	int k = bits - t->block;

	return 1u << (k < 31 ? k : 31);
}

static void mask_addr(const struct ipdb_addr *a, int bits, uint64_t *hi, uint64_t *lo)
{
	if (a->family == 4) {
		*hi = 0;
		*lo = a->lo & (bits == 0 ? 0 : (0xffffffffu << (32 - bits)) & 0xffffffffu);
	} else if (bits <= 64) {
		*hi = a->hi & (bits == 0 ? 0 : ~0ULL << (64 - bits));
		*lo = 0;
	} else {
		*hi = a->hi;
		*lo = a->lo & (~0ULL << (128 - bits));
	}
}

/* ---- building -------------------------------------------------------------------------------- */

struct constituency *constituency_new(void)
{
	return calloc(1, sizeof(struct constituency));
}

void constituency_free(struct constituency *c)
{
	if (!c)
		return;
	while (c->arena) {
		struct arena_blk *next = c->arena->next;
		free(c->arena);
		c->arena = next;
	}
	free(c->orgs);
	free(c->certs);
	free(c->nets);
	free(c->asns);
	free(c->doms);
	free(c->p4.slot);
	free(c->p6.slot);
	free(c->p4.lens_in);
	free(c->p6.lens_in);
	free(c->dom_slot);
	free(c);
}

static int nomem(struct verr *err)
{
	return verr_set(err, V_ERR_NOMEM, "", "%s", vres_str(V_ERR_NOMEM));
}

/* The contacts, copied into the arena.  NULL with *oom on failure (or when n is 0). */
static const struct store_contact *copy_contacts(struct constituency *c,
						 const struct store_contact *in, size_t n,
						 int *oom)
{
	struct store_contact *out;

	if (n == 0)
		return NULL;
	if (!(out = arena_alloc(&c->arena, n * sizeof(*out)))) {
		*oom = 1;
		return NULL;
	}
	for (size_t i = 0; i < n; i++) {
		out[i].email = arena_str(&c->arena, in[i].email, oom);
		out[i].name = arena_str(&c->arena, in[i].name, oom);
		out[i].lang = arena_str(&c->arena, in[i].lang, oom);
		out[i].format = arena_str(&c->arena, in[i].format, oom);
		out[i].fingerprint = arena_str(&c->arena, in[i].fingerprint, oom);
	}
	return out;
}

int constituency_add_org(struct constituency *c, const struct store_org *org, struct verr *err)
{
	struct c_org *o;
	uint32_t idx = (uint32_t)c->norgs;
	int oom = 0, rc;

	if (c->indexed)
		return verr_set(err, V_ERR_USAGE, "", "constituency_add_org after indexing");
	if (grow((void **)&c->orgs, &c->cap_orgs, c->norgs, sizeof(*c->orgs)) != 0)
		return nomem(err);
	for (size_t i = 0; i < org->nnetworks; i++) {
		struct c_net *n;
		if (grow((void **)&c->nets, &c->cap_nets, c->nnets, sizeof(*c->nets)) != 0)
			return nomem(err);
		n = &c->nets[c->nnets];
		if ((rc = constituency_net_parse(org->networks[i].cidr, &n->net, err)) != V_OK)
			return rc;
		n->org = idx;
		n->dnn = org->networks[i].do_not_notify != 0;
		c->nnets++;
	}
	for (size_t i = 0; i < org->nasns; i++) {
		if (grow((void **)&c->asns, &c->cap_asns, c->nasns, sizeof(*c->asns)) != 0)
			return nomem(err);
		c->asns[c->nasns].asn = org->asns[i];
		c->asns[c->nasns++].org = idx;
	}
	for (size_t i = 0; i < org->ndomains; i++) {
		char d[CONSTITUENCY_DOMAINLEN];
		if ((rc = constituency_domain(org->domains[i], d, err)) != V_OK)
			return rc;
		if (grow((void **)&c->doms, &c->cap_doms, c->ndoms, sizeof(*c->doms)) != 0)
			return nomem(err);
		c->doms[c->ndoms].name = arena_str(&c->arena, d, &oom);
		c->doms[c->ndoms++].org = idx;
	}
	o = &c->orgs[c->norgs];
	o->name = arena_str(&c->arena, org->name ? org->name : "", &oom);
	o->notes = arena_str(&c->arena, org->notes, &oom);
	o->dnn = org->do_not_notify != 0;
	o->contacts = copy_contacts(c, org->contacts, org->ncontacts, &oom);
	o->ncontacts = org->ncontacts;
	if (oom)
		return nomem(err);
	c->norgs++;
	return V_OK;
}

int constituency_add_cert(struct constituency *c, const struct store_cert *cert,
			  struct verr *err)
{
	struct c_cert *t;
	char cc[3];
	int oom = 0, rc;

	if (c->indexed)
		return verr_set(err, V_ERR_USAGE, "", "constituency_add_cert after indexing");
	if ((rc = constituency_cc(cert->cc ? cert->cc : "", cc, err)) != V_OK)
		return rc;
	if (grow((void **)&c->certs, &c->cap_certs, c->ncerts, sizeof(*c->certs)) != 0)
		return nomem(err);
	t = &c->certs[c->ncerts];
	memcpy(t->cc, cc, 3);
	t->name = arena_str(&c->arena, cert->name ? cert->name : "", &oom);
	t->contacts = copy_contacts(c, cert->contacts, cert->ncontacts, &oom);
	t->ncontacts = cert->ncontacts;
	if (oom)
		return nomem(err);
	c->ncerts++;
	return V_OK;
}

static int index_nets(struct constituency *c, struct verr *err)
{
	size_t n4 = 0, n6 = 0;
	unsigned char seen4[33] = { 0 }, seen6[129] = { 0 };

	for (size_t i = 0; i < c->nnets; i++)
		c->nets[i].net.addr.family == 4 ? n4++ : n6++;
	c->p4.mask = table_size(n4) - 1;
	c->p6.mask = table_size(n6) - 1;
	c->p4.block = 16;
	c->p6.block = 32;
	if (!(c->p4.slot = calloc(c->p4.mask + 1, sizeof(struct pslot))) ||
	    !(c->p6.slot = calloc(c->p6.mask + 1, sizeof(struct pslot))) ||
	    !(c->p4.lens_in = calloc(BLOCKS, sizeof(uint32_t))) ||
	    !(c->p6.lens_in = calloc(BLOCKS, sizeof(uint32_t))))
		return nomem(err);
	for (size_t i = 0; i < c->nnets; i++) {
		const struct c_net *n = &c->nets[i];
		int v4 = n->net.addr.family == 4;
		struct ptable *t = v4 ? &c->p4 : &c->p6;
		size_t h = (size_t)net_hash(n->net.addr.hi, n->net.addr.lo, n->net.bits) & t->mask;
		for (;; h = (h + 1) & t->mask) {
			const struct c_net *o;
			struct pslot *sl = &t->slot[h];
			if (!sl->net) {
				sl->hi = n->net.addr.hi;
				sl->lo = n->net.addr.lo;
				sl->bits = n->net.bits;
				sl->net = (uint32_t)i + 1;
				break;
			}
			if (sl->bits != n->net.bits || sl->hi != n->net.addr.hi ||
			    sl->lo != n->net.addr.lo)
				continue;
			o = &c->nets[sl->net - 1];
			if (o->org != n->org) {
				char text[CONSTITUENCY_NETSTRLEN];
				constituency_net_format(&n->net, text);
				return verr_set(err, V_ERR_EXISTS, "network",
						_("network %s belongs to both %s and %s"), text,
						c->orgs[o->org].name, c->orgs[n->org].name);
			}
			break; /* listed twice by the same organisation */
		}
		if (v4)
			seen4[n->net.bits] = 1;
		else
			seen6[n->net.bits] = 1;
		if (n->net.bits >= t->block)
			t->lens_in[block_of(&n->net.addr)] |= len_bit(t, n->net.bits);
	}
	for (int b = 32; b >= 0; b--)
		if (seen4[b])
			c->p4.lens[c->p4.nlens++] = b;
	for (int b = 128; b >= 0; b--)
		if (seen6[b])
			c->p6.lens[c->p6.nlens++] = b;
	return V_OK;
}

static int asn_cmp(const void *a, const void *b)
{
	const struct c_asn *x = a, *y = b;

	if (x->asn != y->asn)
		return x->asn < y->asn ? -1 : 1;
	return x->org < y->org ? -1 : x->org > y->org;
}

static int index_asns(struct constituency *c, struct verr *err)
{
	size_t k = 0;

	if (c->nasns)
		qsort(c->asns, c->nasns, sizeof(*c->asns), asn_cmp);
	for (size_t i = 0; i < c->nasns; i++) {
		if (k > 0 && c->asns[k - 1].asn == c->asns[i].asn) {
			if (c->asns[k - 1].org != c->asns[i].org)
				return verr_set(err, V_ERR_EXISTS, "asn",
						_("AS%lld belongs to both %s and %s"),
						(long long)c->asns[i].asn,
						c->orgs[c->asns[k - 1].org].name,
						c->orgs[c->asns[i].org].name);
			continue;
		}
		c->asns[k++] = c->asns[i];
	}
	c->nasns = k;
	return V_OK;
}

static int index_doms(struct constituency *c, struct verr *err)
{
	c->dom_mask = table_size(c->ndoms) - 1;
	if (!(c->dom_slot = calloc(c->dom_mask + 1, sizeof(uint32_t))))
		return nomem(err);
	for (size_t i = 0; i < c->ndoms; i++) {
		const char *d = c->doms[i].name;
		size_t h = (size_t)str_hash(d, strlen(d)) & c->dom_mask;
		for (;; h = (h + 1) & c->dom_mask) {
			const struct c_dom *o;
			if (!c->dom_slot[h]) {
				c->dom_slot[h] = (uint32_t)i + 1;
				break;
			}
			o = &c->doms[c->dom_slot[h] - 1];
			if (strcmp(o->name, d))
				continue;
			if (o->org != c->doms[i].org)
				return verr_set(err, V_ERR_EXISTS, "domain",
						_("domain %s belongs to both %s and %s"), d,
						c->orgs[o->org].name, c->orgs[c->doms[i].org].name);
			break;
		}
	}
	return V_OK;
}

int constituency_index(struct constituency *c, struct verr *err)
{
	int rc;

	if (c->indexed)
		return V_OK;
	if ((rc = index_nets(c, err)) != V_OK || (rc = index_asns(c, err)) != V_OK ||
	    (rc = index_doms(c, err)) != V_OK)
		return rc;
	for (size_t i = 0; i < c->ncerts; i++) {
		const char *cc = c->certs[i].cc;
		c->cert_of[(cc[0] - 'A') * 26 + (cc[1] - 'A')] = (uint32_t)i + 1;
	}
	c->indexed = 1;
	return V_OK;
}

static int load_org(void *arg, const struct store_org *org)
{
	struct verr *err = ((void **)arg)[1];

	return constituency_add_org(((void **)arg)[0], org, err);
}

static int load_cert(void *arg, const struct store_cert *cert)
{
	struct verr *err = ((void **)arg)[1];

	return constituency_add_cert(((void **)arg)[0], cert, err);
}

int constituency_load(struct store *st, struct constituency **out, struct verr *err)
{
	struct constituency *c = constituency_new();
	void *arg[2] = { c, err };
	int rc;

	*out = NULL;
	if (!c)
		return nomem(err);
	if ((rc = store_orgs_list(st, load_org, arg, err)) != V_OK ||
	    (rc = store_certs_list(st, load_cert, arg, err)) != V_OK ||
	    (rc = constituency_index(c, err)) != V_OK) {
		constituency_free(c);
		return rc;
	}
	*out = c;
	return V_OK;
}

void constituency_counts(const struct constituency *c, size_t *orgs, size_t *networks,
			 size_t *certs)
{
	if (orgs)
		*orgs = c->norgs;
	if (networks)
		*networks = c->nnets;
	if (certs)
		*certs = c->ncerts;
}

/* ---- lookups --------------------------------------------------------------------------------- */

/* The longest network containing a (index, or -1); *count = how many contain it, counted
 * only when all is set (else 1 when found). */
static long find_net(const struct constituency *c, const struct ipdb_addr *a, int all,
		     unsigned *count)
{
	const struct ptable *t = a->family == 4 ? &c->p4 : &c->p6;
	uint32_t here = t->lens_in[block_of(a)];
	long best = -1;

	*count = 0;
	for (int i = 0; i < t->nlens; i++) {
		int bits = t->lens[i];
		uint64_t hi, lo;
		size_t h;
		if (bits >= t->block && !(here & len_bit(t, bits)))
			continue; /* no network of that length in a's block */
		mask_addr(a, bits, &hi, &lo);
		h = (size_t)net_hash(hi, lo, bits) & t->mask;
		for (; t->slot[h].net; h = (h + 1) & t->mask) {
			const struct pslot *sl = &t->slot[h];
			if (sl->bits == bits && sl->hi == hi && sl->lo == lo) {
				if (best < 0)
					best = (long)(sl->net - 1);
				(*count)++;
				break;
			}
		}
		if (best >= 0 && !all)
			break;
	}
	return best;
}

static long find_asn(const struct constituency *c, int64_t asn)
{
	size_t lo = 0, hi = c->nasns;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		if (c->asns[mid].asn == asn)
			return (long)mid;
		if (c->asns[mid].asn < asn)
			lo = mid + 1;
		else
			hi = mid;
	}
	return -1;
}

/* The domain covering name (lower-case, no trailing dot): index, or -1. */
static long find_dom(const struct constituency *c, const char *name)
{
	const char *p = name;

	while (*p) {
		size_t n = strlen(p), h = (size_t)str_hash(p, n) & c->dom_mask;
		for (; c->dom_slot[h]; h = (h + 1) & c->dom_mask) {
			const struct c_dom *d = &c->doms[c->dom_slot[h] - 1];
			if (!strcmp(d->name, p))
				return (long)(c->dom_slot[h] - 1);
		}
		if (!(p = strchr(p, '.')))
			break;
		p++;
	}
	return -1;
}

/* The host of a URL ("http://user@www.example.com:8080/x" -> "www.example.com", brackets of
 * an IPv6 address dropped) into out, lower-case.  0, or -1 when there is none. */
static int url_host(const char *url, char *out, size_t n)
{
	const char *p = strstr(url, "://"), *end, *at, *colon;
	size_t len;

	p = p ? p + 3 : url;
	end = p + strcspn(p, "/?#");
	at = memchr(p, '@', (size_t)(end - p));
	while (at) { /* the last '@' of the authority ends the user information */
		p = at + 1;
		at = memchr(p, '@', (size_t)(end - p));
	}
	if (*p == '[') {
		const char *close = memchr(p, ']', (size_t)(end - p));
		if (!close)
			return -1;
		p++;
		end = close;
	} else if ((colon = memchr(p, ':', (size_t)(end - p))) != NULL) {
		end = colon;
	}
	len = (size_t)(end - p);
	if (len == 0 || len >= n)
		return -1;
	for (size_t i = 0; i < len; i++)
		out[i] = (char)tolower((unsigned char)p[i]);
	out[len] = 0;
	return 0;
}

/* A domain as looked up: lower-case, no trailing dot.  0, or -1 (empty or too long). */
static int norm_domain(const char *s, char out[CONSTITUENCY_DOMAINLEN])
{
	size_t n = strlen(s);

	while (n > 0 && s[n - 1] == '.')
		n--;
	if (n == 0 || n >= CONSTITUENCY_DOMAINLEN)
		return -1;
	for (size_t i = 0; i < n; i++)
		out[i] = (char)tolower((unsigned char)s[i]);
	out[n] = 0;
	return 0;
}

/* ---- resolving ------------------------------------------------------------------------------- */

/* Text appended to out (size n), cut at its end. */
static void add(char *out, size_t n, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
static void add(char *out, size_t n, const char *fmt, ...)
{
	size_t len = strlen(out);
	va_list ap;

	if (len + 1 >= n)
		return;
	va_start(ap, fmt);
	vsnprintf(out + len, n - len, fmt, ap);
	va_end(ap);
}

/* The reasons earlier rules did not answer, for the explanation. */
struct misses {
	char text[256];
};

static void miss(struct misses *ms, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void miss(struct misses *ms, const char *fmt, ...)
{
	size_t len = strlen(ms->text);
	va_list ap;

	if (len)
		add(ms->text, sizeof(ms->text), "; ");
	len = strlen(ms->text);
	if (len + 1 >= sizeof(ms->text))
		return;
	va_start(ap, fmt);
	vsnprintf(ms->text + len, sizeof(ms->text) - len, fmt, ap);
	va_end(ap);
}

static void use_org(const struct constituency *c, uint32_t org, struct constituency_match *m)
{
	const struct c_org *o = &c->orgs[org];

	m->org = o->name;
	m->contacts = o->contacts;
	m->ncontacts = o->ncontacts;
	if (o->dnn)
		m->do_not_notify |= CONSTITUENCY_DNN_ORG;
}

static void explain_dnn(struct constituency_match *m)
{
	const char *why = NULL;

	if (!m->do_not_notify)
		return;
	if (m->do_not_notify == (CONSTITUENCY_DNN_ORG | CONSTITUENCY_DNN_NETWORK))
		why = _("do not notify: set on the organisation and on the network");
	else if (m->do_not_notify & CONSTITUENCY_DNN_ORG)
		why = _("do not notify: set on the organisation");
	else
		why = _("do not notify: set on the network");
	add(m->explain, sizeof(m->explain), "; %s", why);
}

enum constituency_rule constituency_resolve(const struct constituency *c,
					    const struct constituency_query *q,
					    struct constituency_match *m)
{
	struct ipdb_addr a = { 0 };
	char host[CONSTITUENCY_DOMAINLEN], dom[CONSTITUENCY_DOMAINLEN];
	char atext[IPDB_ADDRSTRLEN] = "";
	const char *domain = NULL;
	struct misses ms = { "" };
	int have_addr = 0, x = q->explain;
	long i;

	/* not memset: the text buffers are large and this runs per event */
	m->rule = CONSTITUENCY_NONE;
	m->org = m->cert = NULL;
	m->cc[0] = m->value[0] = m->explain[0] = 0;
	m->do_not_notify = m->candidates = 0;
	m->contacts = NULL;
	m->ncontacts = 0;
	if (!c->indexed)
		return CONSTITUENCY_NONE; /* constituency_index was not called: nothing to find */
	if (q->ip) {
		if (ipdb_addr_parse(q->ip, strlen(q->ip), &a) == V_OK)
			have_addr = 1;
		else if (x)
			miss(&ms, _("'%s' is not an IP address"), q->ip);
	} else if (q->addr.family == 4 || q->addr.family == 6) {
		a = q->addr;
		have_addr = 1;
	}
	if (q->domain) {
		if (norm_domain(q->domain, dom) == 0)
			domain = dom;
	} else if (q->url) {
		struct ipdb_addr ua;
		if (url_host(q->url, host, sizeof(host)) != 0) {
			if (x)
				miss(&ms, _("the URL has no host"));
		} else if (ipdb_addr_parse(host, strlen(host), &ua) == V_OK) {
			if (!have_addr) {
				a = ua;
				have_addr = 1;
			}
		} else if (norm_domain(host, dom) == 0) {
			domain = dom;
		}
	}
	if (have_addr && x)
		ipdb_addr_format(&a, atext);

	/* 1. the longest network */
	if (have_addr && c->nnets) {
		unsigned count = 0;
		if ((i = find_net(c, &a, x, &count)) >= 0) {
			const struct c_net *n = &c->nets[i];
			m->rule = CONSTITUENCY_NETWORK;
			constituency_net_format(&n->net, m->value);
			use_org(c, n->org, m);
			if (n->dnn)
				m->do_not_notify |= CONSTITUENCY_DNN_NETWORK;
			m->candidates = count;
			if (!x)
				return m->rule;
			if (count == 1)
				add(m->explain, sizeof(m->explain),
				    _("network %s of %s contains %s (the only network of the "
				      "constituency that does)"), m->value, m->org, atext);
			else
				add(m->explain, sizeof(m->explain),
				    _("network %s of %s contains %s: the longest prefix of the %u "
				      "networks that do"), m->value, m->org, atext, count);
			explain_dnn(m);
			return m->rule;
		}
	}
	if (have_addr && x)
		miss(&ms, _("no network of the constituency contains %s"), atext);

	/* 2. the AS */
	if (q->asn > 0) {
		if ((i = find_asn(c, q->asn)) >= 0) {
			m->rule = CONSTITUENCY_ASN;
			snprintf(m->value, sizeof(m->value), "AS%lld", (long long)q->asn);
			use_org(c, c->asns[i].org, m);
			if (!x)
				return m->rule;
			add(m->explain, sizeof(m->explain), _("%s belongs to %s"), m->value,
			    m->org);
			goto why_not;
		}
		if (x)
			miss(&ms, _("AS%lld is no organisation's"), (long long)q->asn);
	}

	/* 3. the domain */
	if (domain) {
		if (c->ndoms && (i = find_dom(c, domain)) >= 0) {
			const struct c_dom *d = &c->doms[i];
			m->rule = CONSTITUENCY_DOMAIN;
			snprintf(m->value, sizeof(m->value), "%s", d->name);
			use_org(c, d->org, m);
			if (!x)
				return m->rule;
			if (!strcmp(domain, d->name))
				add(m->explain, sizeof(m->explain), _("domain %s belongs to %s"),
				    d->name, m->org);
			else
				add(m->explain, sizeof(m->explain),
				    _("%s is under the domain %s of %s"), domain, d->name, m->org);
			goto why_not;
		}
		if (x)
			miss(&ms, _("no domain of the constituency covers %s"), domain);
	}

	/* 4. the country's partner CERT */
	if (q->cc && isalpha((unsigned char)q->cc[0]) && isalpha((unsigned char)q->cc[1]) &&
	    !q->cc[2]) {
		int k = (toupper((unsigned char)q->cc[0]) - 'A') * 26 +
			(toupper((unsigned char)q->cc[1]) - 'A');
		if (c->cert_of[k]) {
			const struct c_cert *t = &c->certs[c->cert_of[k] - 1];
			m->rule = CONSTITUENCY_CERT;
			memcpy(m->cc, t->cc, 3);
			memcpy(m->value, t->cc, 3);
			m->cert = t->name;
			m->contacts = t->contacts;
			m->ncontacts = t->ncontacts;
			if (!x)
				return m->rule;
			add(m->explain, sizeof(m->explain),
			    _("the partner CERT of %s (%s) is %s"), t->cc,
			    constituency_country_name(t->cc) ? constituency_country_name(t->cc)
							     : "?",
			    t->name);
			goto why_not;
		}
		if (x)
			miss(&ms, _("no partner CERT for the country %s"), q->cc);
	}
	if (x) {
		if (ms.text[0])
			add(m->explain, sizeof(m->explain), _("nothing matched: %s"), ms.text);
		else
			add(m->explain, sizeof(m->explain), "%s",
			    _("nothing to match: no address, AS, domain or country given"));
	}
	return CONSTITUENCY_NONE;
why_not:
	if (ms.text[0])
		add(m->explain, sizeof(m->explain), " (%s)", ms.text);
	explain_dnn(m);
	return m->rule;
}

/* A value of the event, NUL-terminated into out; NULL when missing or too long. */
static const char *field(const struct event *ev, int id, char *out, size_t n)
{
	size_t len = 0;
	const char *v = event_get_id(ev, id, &len);

	if (!v || len >= n)
		return NULL;
	memcpy(out, v, len);
	out[len] = 0;
	return out;
}

enum constituency_rule constituency_resolve_event(const struct constituency *c,
						  const struct event *ev,
						  enum constituency_side side, int explain,
						  struct constituency_match *m)
{
	static const int ids[2][5] = {
		{ F_SOURCE_IP, F_SOURCE_ASN, F_SOURCE_FQDN, F_SOURCE_URL, F_SOURCE_GEOLOCATION_CC },
		{ F_DESTINATION_IP, F_DESTINATION_ASN, F_DESTINATION_FQDN, F_DESTINATION_URL,
		  F_DESTINATION_GEOLOCATION_CC },
	};
	const int *f = ids[side == CONSTITUENCY_DESTINATION];
	char ip[IPDB_ADDRSTRLEN], asn[24], fqdn[CONSTITUENCY_DOMAINLEN], url[4096], cc[3];
	struct constituency_query q = { .explain = explain };

	q.ip = field(ev, f[0], ip, sizeof(ip));
	if (field(ev, f[1], asn, sizeof(asn)))
		q.asn = strtoll(asn, NULL, 10);
	q.domain = field(ev, f[2], fqdn, sizeof(fqdn));
	if (!q.domain)
		q.url = field(ev, f[3], url, sizeof(url));
	q.cc = field(ev, f[4], cc, sizeof(cc));
	return constituency_resolve(c, &q, m);
}

const char *constituency_rule_name(enum constituency_rule r)
{
	switch (r) {
	case CONSTITUENCY_NETWORK: return "network";
	case CONSTITUENCY_ASN: return "asn";
	case CONSTITUENCY_DOMAIN: return "domain";
	case CONSTITUENCY_CERT: return "cert";
	default: return "none";
	}
}
