/*
 * store.c — the storage interface: which backend a path names, where the store is, and the
 * dispatch of every store_*() call to the backend's table (store_impl.h).  The audit chain's
 * hash is defined here once so that every backend computes the same one.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <sodium.h>

#include "base/buf.h"
#include "base/conf.h"
#include "base/i18n.h"
#include "store/store.h"
#include "store/store_impl.h"

const char *store_default_path(const char *flag)
{
	const char *env;

	if (flag && *flag)
		return flag;
	env = getenv("VIGIA_DB");
	if (env && *env)
		return env;
	env = conf_get("store.path");
	return env && *env ? env : "vigia.db";
}

static int is_postgres(const char *path)
{
	return !strncmp(path, "postgresql://", 13) || !strncmp(path, "postgres://", 11);
}

int store_open(const char *path, struct store **out, struct verr *err)
{
	*out = NULL;
	if (!path || !*path)
		return verr_set(err, V_ERR_USAGE, "", "%s",
				_("no store given (--db PATH or VIGIA_DB)"));
	if (is_postgres(path))
		return store_pg_open(path, out, err);
	/* sqlite:PATH names an SQLite file explicitly (store copy --from sqlite:PATH) */
	if (!strncmp(path, "sqlite:", 7) && path[7])
		path += 7;
	return store_sqlite_open(path, out, err);
}

static void batch_free(struct store *st);

void store_close(struct store *st)
{
	if (!st)
		return;
	batch_free(st);
	st->ops->close(st);
}

int store_schema_latest(void)
{
	return STORE_SCHEMA_VERSION;
}

int store_schema_opened_at(struct store *st)
{
	return st->opened_at;
}

int store_cache_limit(struct store *st, int64_t bytes, struct verr *err)
{
	if (bytes < ((int64_t)1 << 20))
		bytes = (int64_t)1 << 20;
	return st->ops->cache_limit ? st->ops->cache_limit(st, bytes, err) : V_OK;
}

const char *store_path(struct store *st)
{
	return st->path;
}

void store_incident_free(struct store_incident *inc)
{
	if (!inc)
		return;
	free((char *)inc->rule);
	free((char *)inc->key);
	free((char *)inc->resolution);
	free((char *)inc->owner);
	free((char *)inc->impact);
	free((char *)inc->tlp);
	free((char *)inc->pap);
	free((char *)inc->classification_type);
	free((char *)inc->taxonomy);
	free((char *)inc->organisation);
	free((char *)inc->title);
	free((char *)inc->country);
	free((char *)inc->network);
	memset(inc, 0, sizeof(*inc));
}

/* ---- constituency records as one heap block --------------------------------------------- */

/* Where the strings of a copy go: the tail of its block. */
struct pool {
	char *p;
};

static size_t str_size(const char *s)
{
	return s ? strlen(s) + 1 : 0;
}

static const char *pool_str(struct pool *pl, const char *s)
{
	size_t n;
	char *d;

	if (!s)
		return NULL;
	n = strlen(s) + 1;
	d = pl->p;
	memcpy(d, s, n);
	pl->p += n;
	return d;
}

static size_t contacts_size(const struct store_contact *c, size_t n)
{
	size_t z = n * sizeof(*c);

	for (size_t i = 0; i < n; i++)
		z += str_size(c[i].email) + str_size(c[i].name) + str_size(c[i].lang) +
		     str_size(c[i].format) + str_size(c[i].fingerprint);
	return z;
}

static void contacts_copy(struct store_contact *d, const struct store_contact *c, size_t n,
			  struct pool *pl)
{
	for (size_t i = 0; i < n; i++) {
		d[i].email = pool_str(pl, c[i].email);
		d[i].name = pool_str(pl, c[i].name);
		d[i].lang = pool_str(pl, c[i].lang);
		d[i].format = pool_str(pl, c[i].format);
		d[i].fingerprint = pool_str(pl, c[i].fingerprint);
	}
}

struct store_org *store_org_copy(const struct store_org *o)
{
	/* the arrays first (every element is a multiple of 8 bytes), then the strings */
	size_t z = sizeof(*o) + o->nnetworks * sizeof(*o->networks) +
		   o->nasns * sizeof(*o->asns) + o->ndomains * sizeof(*o->domains);
	struct store_network *nets;
	struct store_contact *cons;
	struct store_org *d;
	int64_t *asns;
	const char **doms;
	struct pool pl;
	char *p;

	z += contacts_size(o->contacts, o->ncontacts) + str_size(o->name) + str_size(o->notes);
	for (size_t i = 0; i < o->nnetworks; i++)
		z += str_size(o->networks[i].cidr);
	for (size_t i = 0; i < o->ndomains; i++)
		z += str_size(o->domains[i]);
	if (!(p = calloc(1, z)))
		return NULL;
	d = (struct store_org *)(void *)p;
	*d = *o;
	p += sizeof(*d);
	nets = (struct store_network *)(void *)p;
	p += o->nnetworks * sizeof(*nets);
	asns = (int64_t *)(void *)p;
	p += o->nasns * sizeof(*asns);
	doms = (const char **)(void *)p;
	p += o->ndomains * sizeof(*doms);
	cons = (struct store_contact *)(void *)p;
	p += o->ncontacts * sizeof(*cons);
	pl.p = p;
	d->name = pool_str(&pl, o->name);
	d->notes = pool_str(&pl, o->notes);
	for (size_t i = 0; i < o->nnetworks; i++) {
		nets[i].cidr = pool_str(&pl, o->networks[i].cidr);
		nets[i].do_not_notify = o->networks[i].do_not_notify;
	}
	if (o->nasns)
		memcpy(asns, o->asns, o->nasns * sizeof(*asns));
	for (size_t i = 0; i < o->ndomains; i++)
		doms[i] = pool_str(&pl, o->domains[i]);
	contacts_copy(cons, o->contacts, o->ncontacts, &pl);
	d->networks = o->nnetworks ? nets : NULL;
	d->asns = o->nasns ? asns : NULL;
	d->domains = o->ndomains ? doms : NULL;
	d->contacts = o->ncontacts ? cons : NULL;
	return d;
}

struct store_cert *store_cert_copy(const struct store_cert *c)
{
	size_t z = sizeof(*c) + contacts_size(c->contacts, c->ncontacts) + str_size(c->cc) +
		   str_size(c->name) + str_size(c->notes);
	struct store_contact *cons;
	struct store_cert *d;
	struct pool pl;
	char *p;

	if (!(p = calloc(1, z)))
		return NULL;
	d = (struct store_cert *)(void *)p;
	*d = *c;
	cons = (struct store_contact *)(void *)(p + sizeof(*d));
	pl.p = p + sizeof(*d) + c->ncontacts * sizeof(*cons);
	d->cc = pool_str(&pl, c->cc);
	d->name = pool_str(&pl, c->name);
	d->notes = pool_str(&pl, c->notes);
	contacts_copy(cons, c->contacts, c->ncontacts, &pl);
	d->contacts = c->ncontacts ? cons : NULL;
	return d;
}

struct store_partner *store_partner_copy(const struct store_partner *s)
{
	const char *const *f[] = { &s->name, &s->kind, &s->tlp_max, &s->collections, &s->orgs,
				   &s->pseudo_key, &s->sign_key, &s->identity, &s->contact,
				   &s->notes };
	size_t z = sizeof(*s);
	struct store_partner *d;
	struct pool pl;
	char *p;

	for (size_t i = 0; i < sizeof(f) / sizeof(f[0]); i++)
		z += str_size(*f[i]);
	if (!(p = calloc(1, z)))
		return NULL;
	d = (struct store_partner *)(void *)p;
	*d = *s;
	pl.p = p + sizeof(*d);
	d->name = pool_str(&pl, s->name);
	d->kind = pool_str(&pl, s->kind);
	d->tlp_max = pool_str(&pl, s->tlp_max);
	d->collections = pool_str(&pl, s->collections);
	d->orgs = pool_str(&pl, s->orgs);
	d->pseudo_key = pool_str(&pl, s->pseudo_key);
	d->sign_key = pool_str(&pl, s->sign_key);
	d->identity = pool_str(&pl, s->identity);
	d->contact = pool_str(&pl, s->contact);
	d->notes = pool_str(&pl, s->notes);
	return d;
}

void store_partner_free(struct store_partner *p)
{
	free(p);
}

void store_org_free(struct store_org *org)
{
	free(org);
}

void store_cert_free(struct store_cert *cert)
{
	free(cert);
}

static void hash_field(crypto_hash_sha256_state *h, const char *s)
{
	char len[24];
	int n;

	if (!s) {
		crypto_hash_sha256_update(h, (const unsigned char *)"-", 1);
		return;
	}
	n = snprintf(len, sizeof(len), "%zu:", strlen(s));
	crypto_hash_sha256_update(h, (const unsigned char *)len, (unsigned long long)n);
	crypto_hash_sha256_update(h, (const unsigned char *)s, strlen(s));
}

int store_audit_hash(const char *prev_hash, int64_t id, int64_t time, const char *actor,
		     const char *object, const char *action, const char *before,
		     const char *after, char hex[65])
{
	crypto_hash_sha256_state h;
	unsigned char md[crypto_hash_sha256_BYTES];
	char num[24];

	if (sodium_init() < 0)
		return V_ERR_NOMEM;
	crypto_hash_sha256_init(&h);
	hash_field(&h, prev_hash);
	snprintf(num, sizeof(num), "%lld", (long long)id);
	hash_field(&h, num);
	snprintf(num, sizeof(num), "%lld", (long long)time);
	hash_field(&h, num);
	hash_field(&h, actor);
	hash_field(&h, object);
	hash_field(&h, action);
	hash_field(&h, before);
	hash_field(&h, after);
	crypto_hash_sha256_final(&h, md);
	sodium_bin2hex(hex, 65, md, sizeof(md));
	return V_OK;
}

/* ---- dispatch ------------------------------------------------------------------------------ */

int store_schema_version(struct store *st)
{
	return st->ops->schema_version(st);
}

int store_info(struct store *st, struct store_info *out, struct verr *err)
{
	return st->ops->info(st, out, err);
}

/*
 * ---- the deferred batch --------------------------------------------------------------------
 *
 * New indicators, postings and correlation links of the open transaction that the caller knows
 * are new (store_indicator_new, store_posting_defer, store_link_defer) wait here and are
 * written by the backend in one statement each at the commit, sorted (docs/internals/store.md,
 * "The deferred batch"): the indicators first, which the postings' foreign key needs.  The
 * arrays only grow during a transaction: a read that needs the rows in the database writes
 * the waiting part (batch_flush) and leaves it in place, so that store_undo can go back to
 * where the mark was — the rows written since the mark, some of them deferred before it, are
 * undone by the backend with everything else, and wait again.  Each flush writes a sorted
 * copy; the arrays keep the order of the calls, which the mark's lengths refer to.
 */
struct store_dlink {
	int64_t a, b;
	size_t kind, why; /* offsets in dtext; why SIZE_MAX: none */
};

struct store_dind {
	int64_t id;
	size_t kind, value, why; /* offsets in dtext; why SIZE_MAX: none */
};

#define NEED_POST 1 /* the postings of the batch (and its indicators, their parents) */
#define NEED_LINK 2 /* its links */
#define NEED_IND  4 /* its indicators */

/* The postings of the batch as a set, so that store_posting_add can tell a pending one
 * without writing the batch: open addressing, a power of two, at most half full; (0, 0) is
 * empty (ids start at 1). */
static size_t pset_home(const struct store *st, int64_t a, int64_t b)
{
	uint64_t h = (uint64_t)a * 0x9e3779b97f4a7c15u ^ (uint64_t)b * 0xc2b2ae3d27d4eb4fu;

	h ^= h >> 29;
	return (size_t)h & (st->pset_cap - 1);
}

/* 1: (a, b) was there; 0: added; -1: out of memory */
static int pset_put(struct store *st, int64_t a, int64_t b)
{
	size_t i;

	if ((st->pset_n + 1) * 2 > st->pset_cap) {
		size_t ocap = st->pset_cap, ncap = ocap ? ocap * 2 : 4096;
		int64_t(*old)[2] = st->pset, (*t)[2] = calloc(ncap, sizeof(*t));
		if (!t)
			return -1;
		st->pset = t;
		st->pset_cap = ncap;
		for (size_t k = 0; k < ocap; k++) {
			if (!old[k][0])
				continue;
			for (i = pset_home(st, old[k][0], old[k][1]); st->pset[i][0];
			     i = (i + 1) & (ncap - 1))
				;
			st->pset[i][0] = old[k][0];
			st->pset[i][1] = old[k][1];
		}
		free(old);
	}
	for (i = pset_home(st, a, b); st->pset[i][0]; i = (i + 1) & (st->pset_cap - 1))
		if (st->pset[i][0] == a && st->pset[i][1] == b)
			return 1;
	st->pset[i][0] = a;
	st->pset[i][1] = b;
	st->pset_n++;
	return 0;
}

static int pset_has(const struct store *st, int64_t a, int64_t b)
{
	if (!st->pset_n)
		return 0;
	for (size_t i = pset_home(st, a, b); st->pset[i][0]; i = (i + 1) & (st->pset_cap - 1))
		if (st->pset[i][0] == a && st->pset[i][1] == b)
			return 1;
	return 0;
}

static void pset_clear(struct store *st)
{
	if (st->pset_n)
		memset(st->pset, 0, st->pset_cap * sizeof(*st->pset));
	st->pset_n = 0;
}

static void batch_free(struct store *st)
{
	free(st->pset);
	st->pset = NULL;
	st->pset_n = st->pset_cap = 0;
	free(st->dind);
	free(st->dpost);
	free(st->dlink);
	buf_fini(&st->dtext);
	st->dind = NULL;
	st->dpost = NULL;
	st->dlink = NULL;
	st->dind_n = st->dind_w = st->dind_cap = 0;
	st->dpost_n = st->dpost_w = st->dpost_cap = 0;
	st->dlink_n = st->dlink_w = st->dlink_cap = 0;
	st->mark_ind = st->mark_ind_w = 0;
	st->mark_post = st->mark_post_w = st->mark_link = st->mark_link_w = st->mark_text = 0;
}

/* The transaction ended (committed or rolled back): nothing waits any more. */
static void batch_clear(struct store *st)
{
	st->dind_n = st->dind_w = 0;
	st->dpost_n = st->dpost_w = 0;
	st->dlink_n = st->dlink_w = 0;
	buf_reset(&st->dtext);
	pset_clear(st);
	st->mark_ind = st->mark_ind_w = 0;
	st->mark_post = st->mark_post_w = st->mark_link = st->mark_link_w = st->mark_text = 0;
}

static int post_cmp(const void *x, const void *y)
{
	const int64_t *p = x, *q = y;

	if (p[1] != q[1])
		return p[1] < q[1] ? -1 : 1;
	return p[0] < q[0] ? -1 : p[0] > q[0];
}

#define RADIX_MIN 4096 /* fewer postings: qsort (a radix pass costs 65,536 counters) */

/* Sort the postings p as post_cmp does, when there are many and every id fits in 32 bits: each
 * pair as one 64-bit key (incident above indicator), an LSD radix sort by 16 bits, a pass
 * skipped when all keys agree on its digit.  qsort's comparison through a pointer was 5% of
 * the batch's time at full size.  0, or -1 (few, an id past 32 bits, out of memory: the caller
 * sorts with qsort). */
static int post_radix(int64_t (*p)[2], size_t n)
{
	size_t *count;
	uint64_t *k, *t, *sw;

	if (n < RADIX_MIN)
		return -1;
	count = malloc(((size_t)1 << 16) * sizeof(*count));
	k = malloc(n * sizeof(*k));
	t = malloc(n * sizeof(*t));
	if (!count || !k || !t) {
		free(count);
		free(k);
		free(t);
		return -1;
	}
	for (size_t i = 0; i < n; i++) {
		if ((uint64_t)p[i][0] > UINT32_MAX || (uint64_t)p[i][1] > UINT32_MAX) {
			free(count);
			free(k);
			free(t);
			return -1;
		}
		k[i] = (uint64_t)p[i][1] << 32 | (uint64_t)p[i][0];
	}
	for (unsigned shift = 0; shift < 64; shift += 16) {
		size_t sum = 0;
		memset(count, 0, ((size_t)1 << 16) * sizeof(*count));
		for (size_t i = 0; i < n; i++)
			count[(k[i] >> shift) & 0xffff]++;
		if (count[(k[0] >> shift) & 0xffff] == n)
			continue; /* one digit for all */
		for (size_t d = 0; d < (size_t)1 << 16; d++) {
			size_t c = count[d];
			count[d] = sum;
			sum += c;
		}
		for (size_t i = 0; i < n; i++)
			t[count[(k[i] >> shift) & 0xffff]++] = k[i];
		sw = k;
		k = t;
		t = sw;
	}
	for (size_t i = 0; i < n; i++) {
		p[i][0] = (int64_t)(k[i] & UINT32_MAX);
		p[i][1] = (int64_t)(k[i] >> 32);
	}
	free(count);
	free(k);
	free(t);
	return 0;
}

/* links sorted by the pair without regard to its direction, then by kind, then by the order
 * they were asked in (the first of two alike is the one kept) */
struct link_sort {
	int64_t lo, hi;
	const char *kind;
	size_t i;
	struct store_link_row row;
};

static int link_cmp(const void *x, const void *y)
{
	const struct link_sort *p = x, *q = y;
	int c;

	if (p->lo != q->lo)
		return p->lo < q->lo ? -1 : 1;
	if (p->hi != q->hi)
		return p->hi < q->hi ? -1 : 1;
	if ((c = strcmp(p->kind, q->kind)) != 0)
		return c;
	return p->i < q->i ? -1 : p->i > q->i;
}

static int row_cmp(const void *x, const void *y)
{
	const struct store_link_row *p = x, *q = y;

	if (p->a != q->a)
		return p->a < q->a ? -1 : 1;
	return p->b < q->b ? -1 : p->b > q->b;
}

static uint64_t clock_of(clockid_t id)
{
	struct timespec ts;

	clock_gettime(id, &ts);
	return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

void store_batch_stats(const struct store *st, struct store_batch_stats *out)
{
	*out = st->bstats;
}

static int batch_write(struct store *st, int what, struct verr *err);

/* Write what waits of what (NEED_POST, NEED_LINK), timed. */
static int batch_flush(struct store *st, int what, struct verr *err)
{
	uint64_t t0 = clock_of(CLOCK_MONOTONIC), c0 = clock_of(CLOCK_THREAD_CPUTIME_ID);
	int rc = batch_write(st, what, err);

	st->bstats.ns += clock_of(CLOCK_MONOTONIC) - t0;
	st->bstats.cpu_ns += clock_of(CLOCK_THREAD_CPUTIME_ID) - c0;
	return rc;
}

/* Write the indicators that wait, in id order (the order they were given their ids in). */
static int batch_write_ind(struct store *st, struct verr *err)
{
	size_t n = st->dind_n - st->dind_w;
	struct store_indicator_row *r = malloc(n * sizeof(*r));
	int rc;

	if (!r)
		return verr_set(err, V_ERR_NOMEM, "", "%s", vres_str(V_ERR_NOMEM));
	for (size_t i = 0; i < n; i++) {
		const struct store_dind *d = &st->dind[st->dind_w + i];
		r[i].id = d->id;
		r[i].kind = st->dtext.data + d->kind;
		r[i].value = st->dtext.data + d->value;
		r[i].why = d->why == SIZE_MAX ? NULL : st->dtext.data + d->why;
	}
	rc = st->ops->indicators_write(st, r, n, err);
	free(r);
	if (rc != V_OK)
		return rc;
	st->bstats.indicators += n;
	st->dind_w = st->dind_n;
	return V_OK;
}

/* Write the postings that wait, sorted (by incident, then indicator) and each pair once. */
static int batch_write_post(struct store *st, struct verr *err)
{
	size_t n = st->dpost_n - st->dpost_w, k = 0;
	int64_t(*p)[2] = malloc(n * sizeof(*p));
	int rc;

	if (!p)
		return verr_set(err, V_ERR_NOMEM, "", "%s", vres_str(V_ERR_NOMEM));
	memcpy(p, st->dpost + st->dpost_w, n * sizeof(*p));
	if (post_radix(p, n) != 0)
		qsort(p, n, sizeof(*p), post_cmp);
	for (size_t i = 0; i < n; i++)
		if (!k || p[i][0] != p[k - 1][0] || p[i][1] != p[k - 1][1]) {
			p[k][0] = p[i][0];
			p[k][1] = p[i][1];
			k++;
		}
	rc = st->ops->postings_write(st, (const int64_t(*)[2])p, k, err);
	free(p);
	if (rc != V_OK)
		return rc;
	st->bstats.postings += k;
	st->dpost_w = st->dpost_n;
	return V_OK;
}

/* Write the links that wait: a pair of incidents linked both ways round once, in key order. */
static int batch_write_link(struct store *st, struct verr *err)
{
	size_t n = st->dlink_n - st->dlink_w, k = 0;
	struct link_sort *l = malloc(n * sizeof(*l));
	struct store_link_row *r = malloc(n * sizeof(*r));
	int rc;

	if (!l || !r) {
		free(l);
		free(r);
		return verr_set(err, V_ERR_NOMEM, "", "%s", vres_str(V_ERR_NOMEM));
	}
	for (size_t i = 0; i < n; i++) {
		const struct store_dlink *d = &st->dlink[st->dlink_w + i];
		l[i].lo = d->a < d->b ? d->a : d->b;
		l[i].hi = d->a < d->b ? d->b : d->a;
		l[i].i = i;
		l[i].row.a = d->a;
		l[i].row.b = d->b;
		l[i].row.kind = l[i].kind = st->dtext.data + d->kind;
		l[i].row.why = d->why == SIZE_MAX ? NULL : st->dtext.data + d->why;
	}
	qsort(l, n, sizeof(*l), link_cmp);
	for (size_t i = 0; i < n; i++)
		if (!i || l[i].lo != l[i - 1].lo || l[i].hi != l[i - 1].hi ||
		    strcmp(l[i].kind, l[i - 1].kind) != 0)
			r[k++] = l[i].row;
	qsort(r, k, sizeof(*r), row_cmp);
	rc = st->ops->links_write(st, r, k, err);
	free(l);
	free(r);
	if (rc != V_OK)
		return rc;
	st->bstats.links += k;
	st->dlink_w = st->dlink_n;
	return V_OK;
}

/* Write what waits of what: indicators, postings, then links. */
static int batch_write(struct store *st, int what, struct verr *err)
{
	int rc = V_OK;

	if ((what & (NEED_IND | NEED_POST)) && st->dind_w < st->dind_n)
		rc = batch_write_ind(st, err);
	if (rc == V_OK && (what & NEED_POST) && st->dpost_w < st->dpost_n)
		rc = batch_write_post(st, err);
	if (rc == V_OK && (what & NEED_LINK) && st->dlink_w < st->dlink_n)
		rc = batch_write_link(st, err);
	return rc;
}

/* Before a read or a write that must see the batch's postings (NEED_POST) or links
 * (NEED_LINK) in the database. */
static int batch_need(struct store *st, int what, struct verr *err)
{
	if (!((what & (NEED_IND | NEED_POST)) && st->dind_w < st->dind_n) &&
	    !((what & NEED_POST) && st->dpost_w < st->dpost_n) &&
	    !((what & NEED_LINK) && st->dlink_w < st->dlink_n))
		return V_OK;
	return batch_flush(st, what, err);
}

static int grow(void **tab, size_t n, size_t *cap, size_t elem)
{
	size_t nc;
	void *t;

	if (n < *cap)
		return 0;
	nc = *cap ? *cap * 2 : 1024;
	if (!(t = realloc(*tab, nc * elem)))
		return -1;
	*tab = t;
	*cap = nc;
	return 0;
}

static void ind_reset(struct store *st)
{
	st->in_tx = 0;
	st->ind_touched = 0;
	st->share_touched = 0;
	st->ind_changed = 0;
	st->ind_base_known = 0;
	st->ind_base = 0;
	st->ind_gen_read = 0;
}

int store_begin(struct store *st, struct verr *err)
{
	int rc = st->ops->begin(st, err);

	ind_reset(st);
	if (rc == V_OK)
		batch_clear(st);
	st->in_tx = rc == V_OK;
	return rc;
}

int store_commit(struct store *st, struct verr *err)
{
	int64_t gen = 0;
	int rc = V_OK, bumped = 0;

	if (st->ops->mark_release && (rc = st->ops->mark_release(st, err)) != V_OK)
		return rc;
	if ((rc = batch_need(st, NEED_POST | NEED_LINK, err)) != V_OK)
		return rc;
	/* the generation moves in the transaction it describes: a crash loses both or neither */
	if (st->ind_touched && st->ops->indicators_bump) {
		if ((rc = st->ops->indicators_bump(st, st->ind_changed, &gen, err)) != V_OK)
			return rc;
		bumped = 1;
	}
	/* new or changed incidents: counted once here, not by a trigger on every row (migrate.c
	 * step 15); indicators_bump counts them as well */
	if (st->share_touched && !bumped && st->ops->share_bump &&
	    (rc = st->ops->share_bump(st, err)) != V_OK)
		return rc;
	rc = st->ops->commit(st, err);
	if (rc == V_OK && bumped)
		st->ind_committed = gen;
	if (rc == V_OK) {
		ind_reset(st);
		batch_clear(st);
	}
	return rc;
}

void store_rollback(struct store *st)
{
	st->ops->rollback(st);
	ind_reset(st);
	batch_clear(st);
}

int store_mark(struct store *st, struct verr *err)
{
	int rc = st->ops->mark(st, err);

	if (rc == V_OK) {
		st->mark_ind = st->dind_n;
		st->mark_ind_w = st->dind_w;
		st->mark_post = st->dpost_n;
		st->mark_post_w = st->dpost_w;
		st->mark_link = st->dlink_n;
		st->mark_link_w = st->dlink_w;
		st->mark_text = st->dtext.len;
	}
	return rc;
}

int store_undo(struct store *st, struct verr *err)
{
	int rc = st->ops->undo(st, err);

	if (rc == V_OK) {
		/* the database is back at the mark: what was written then, and what waited (the
		 * ids reserved since are given back: the next is the last one left plus one) */
		st->dind_n = st->mark_ind;
		st->dind_w = st->mark_ind_w;
		st->dpost_n = st->mark_post;
		st->dpost_w = st->mark_post_w;
		st->dlink_n = st->mark_link;
		st->dlink_w = st->mark_link_w;
		st->dtext.len = st->mark_text;
		pset_clear(st);
		for (size_t i = 0; i < st->dpost_n; i++)
			if (pset_put(st, st->dpost[i][0], st->dpost[i][1]) < 0) {
				/* the set is only a shortcut: without it, write the batch */
				pset_clear(st);
				return batch_flush(st, NEED_POST, err);
			}
	}
	return rc;
}

int store_concurrent(struct store *st)
{
	return st->ops->concurrent;
}

int store_batch_start(struct store *st, const char *feed, const char *source, int64_t *id,
		      struct verr *err)
{
	return st->ops->batch_start(st, feed, source, id, err);
}

int store_batch_finish(struct store *st, const struct store_batch *b, struct verr *err)
{
	return st->ops->batch_finish(st, b, err);
}

int store_batch_set_input(struct store *st, int64_t id, const char *sha256_hex, struct verr *err)
{
	return st->ops->batch_set_input(st, id, sha256_hex, err);
}

int store_batch_progress(struct store *st, const struct store_batch *b, struct verr *err)
{
	return st->ops->batch_progress(st, b, err);
}

int store_batch_find_input(struct store *st, const char *feed, const char *sha256_hex,
			   struct store_batch *out, struct verr *err)
{
	return st->ops->batch_find_input(st, feed, sha256_hex, out, err);
}

static int ind_begin(struct store *st, int *own, struct verr *err);
static int ind_end(struct store *st, int own, int rc, struct verr *err);
static int share_touch(struct store *st, int *own, struct verr *err);

int store_event_put(struct store *st, int64_t batch, const struct event *ev, uint64_t fingerprint,
		    int64_t window_start, int64_t *id, int *dup, struct verr *err)
{
	int own, rc;

	/* a repeat changes the event it repeats (share_touch) */
	if ((rc = share_touch(st, &own, err)) != V_OK)
		return rc;
	return ind_end(st, own,
		       st->ops->event_put(st, batch, ev, fingerprint, window_start, id, dup, err),
		       err);
}

int store_event_insert(struct store *st, int64_t batch, const struct event *ev,
		       uint64_t fingerprint, int64_t *id, struct verr *err)
{
	return st->ops->event_insert(st, batch, ev, fingerprint, id, err);
}

int store_events_query(struct store *st, const struct store_event_filter *f, store_event_cb cb,
		       void *arg, struct verr *err)
{
	return st->ops->events_query(st, f, cb, arg, err);
}

int store_events_prune(struct store *st, int64_t cutoff, int64_t *removed, struct verr *err)
{
	return st->ops->events_prune(st, cutoff, removed, err);
}

int store_fingerprints_since(struct store *st, int64_t since, store_fp_cb cb, void *arg,
			     struct verr *err)
{
	return st->ops->fingerprints_since(st, since, cb, arg, err);
}

int store_incident_find_open(struct store *st, const char *rule, const char *key,
			     int64_t window_start, int64_t *id, struct verr *err)
{
	return st->ops->incident_find_open(st, rule, key, window_start, id, err);
}

int store_incident_create(struct store *st, const struct store_incident *inc, int64_t *id,
			  struct verr *err)
{
	int own, rc;

	if ((rc = share_touch(st, &own, err)) != V_OK)
		return rc;
	return ind_end(st, own, st->ops->incident_create(st, inc, id, err), err);
}

int store_incident_add_event(struct store *st, int64_t incident, int64_t event, int64_t seen,
			     struct verr *err)
{
	int own, rc;

	if ((rc = share_touch(st, &own, err)) != V_OK)
		return rc;
	return ind_end(st, own, st->ops->incident_add_event(st, incident, event, seen, err), err);
}

int store_incident_get(struct store *st, int64_t id, struct store_incident *out, struct verr *err)
{
	return st->ops->incident_get(st, id, out, err);
}

int store_incident_update(struct store *st, const struct store_incident *inc, struct verr *err)
{
	int own, rc;

	if ((rc = share_touch(st, &own, err)) != V_OK)
		return rc;
	return ind_end(st, own, st->ops->incident_update(st, inc, err), err);
}

int store_incident_attribute(struct store *st, int64_t id, const char *country, int64_t asn,
			     const char *network, int *set, struct verr *err)
{
	int own, rc;

	*set = 0;
	if (country && !*country)
		country = NULL;
	if (network && !*network)
		network = NULL;
	if (asn < 0)
		asn = 0;
	if (!country && !asn && !network)
		return V_OK; /* nothing to give */
	if ((rc = share_touch(st, &own, err)) != V_OK)
		return rc;
	return ind_end(st, own, st->ops->incident_attribute(st, id, country, asn, network, set, err),
		       err);
}

int64_t store_incident_sort_value(const struct store_incident *inc, enum store_incident_sort s)
{
	switch (s) {
	case STORE_SORT_PRIORITY:
		return inc->priority;
	case STORE_SORT_STATE:
		return (int64_t)inc->state;
	case STORE_SORT_LAST_SEEN:
		return inc->last_seen;
	case STORE_SORT_FIRST_SEEN:
		return inc->first_seen;
	case STORE_SORT_DEADLINE:
		return inc->deadline;
	case STORE_SORT_EVENTS:
		return inc->event_count;
	case STORE_SORT_ID:
	case STORE_SORT__COUNT:
		break;
	}
	return inc->id;
}

int store_incidents_query(struct store *st, const struct store_incident_filter *f,
			  store_incident_cb cb, void *arg, struct verr *err)
{
	if ((unsigned)f->sort >= STORE_SORT__COUNT)
		return verr_set(err, V_ERR_INVALID, "sort", "%s", _("no such order of incidents"));
	return st->ops->incidents_query(st, f, cb, arg, err);
}

int store_incident_counts(struct store *st, int64_t now, int64_t counts[6], int64_t *overdue,
			  struct verr *err)
{
	return st->ops->incident_counts(st, now, counts, overdue, err);
}

int store_incident_groups(struct store *st, const struct store_incident_grouping *g,
			  store_group_cb cb, void *arg, struct verr *err)
{
	if (g->by < STORE_GROUP_DAY_CLASS || g->by >= STORE_GROUP__COUNT)
		return verr_set(err, V_ERR_INVALID, "by", "no such grouping %d", (int)g->by);
	return st->ops->incident_groups(st, g, cb, arg, err);
}

int store_note_add(struct store *st, int64_t incident, const char *author, const char *text,
		   int64_t *id, struct verr *err)
{
	return st->ops->note_add(st, incident, author, text, id, err);
}

int store_notes_list(struct store *st, int64_t incident, store_note_cb cb, void *arg,
		     struct verr *err)
{
	return st->ops->notes_list(st, incident, cb, arg, err);
}

int store_attachment_add(struct store *st, int64_t incident, const char *name, const void *data,
			 size_t len, char sha256_hex[65], struct verr *err)
{
	return st->ops->attachment_add(st, incident, name, data, len, sha256_hex, err);
}

int store_attachments_list(struct store *st, int64_t incident, store_attachment_cb cb, void *arg,
			   struct verr *err)
{
	return st->ops->attachments_list(st, incident, cb, arg, err);
}

int store_attachment_get(struct store *st, const char *sha256_hex, void **data, size_t *len,
			 struct verr *err)
{
	return st->ops->attachment_get(st, sha256_hex, data, len, err);
}

int store_link_add(struct store *st, int64_t a, int64_t b, const char *kind, const char *why,
		   struct verr *err)
{
	int rc = batch_need(st, NEED_LINK, err);

	return rc != V_OK ? rc : st->ops->link_add(st, a, b, kind, why, err);
}

int store_link_defer(struct store *st, int64_t a, int64_t b, const char *kind, const char *why,
		     struct verr *err)
{
	struct store_dlink *d;
	const char *k = kind ? kind : "linked";

	if (!st->in_tx)
		return store_link_add(st, a, b, kind, why, err);
	if (a == b)
		return verr_set(err, V_ERR_INVALID, "", "%s",
				_("an incident cannot be linked to itself"));
	if (grow((void **)&st->dlink, st->dlink_n, &st->dlink_cap, sizeof(*st->dlink)) != 0)
		return verr_set(err, V_ERR_NOMEM, "", "%s", vres_str(V_ERR_NOMEM));
	d = &st->dlink[st->dlink_n];
	d->a = a;
	d->b = b;
	d->kind = st->dtext.len;
	d->why = SIZE_MAX;
	if (buf_append(&st->dtext, k, strlen(k) + 1) != V_OK)
		goto nomem;
	if (why) {
		d->why = st->dtext.len;
		if (buf_append(&st->dtext, why, strlen(why) + 1) != V_OK)
			goto nomem;
	}
	st->dlink_n++;
	return V_OK;
nomem:
	st->dtext.len = d->kind;
	return verr_set(err, V_ERR_NOMEM, "", "%s", vres_str(V_ERR_NOMEM));
}

int store_links_list(struct store *st, int64_t incident, store_link_cb cb, void *arg,
		     struct verr *err)
{
	int rc = batch_need(st, NEED_LINK, err);

	return rc != V_OK ? rc : st->ops->links_list(st, incident, cb, arg, err);
}

/*
 * Writes of indicators and postings outside a transaction get one of their own, so that the
 * generation moves with them (store_indicators_mark).  ind_begin says whether it began one;
 * ind_end commits it (or rolls it back after a failure).
 */
static int ind_begin(struct store *st, int *own, struct verr *err)
{
	int rc;

	*own = 0;
	if (st->in_tx || !st->ops->indicators_bump)
		return V_OK;
	if ((rc = store_begin(st, err)) != V_OK)
		return rc;
	*own = 1;
	return V_OK;
}

static int ind_end(struct store *st, int own, int rc, struct verr *err)
{
	if (!own)
		return rc;
	if (rc != V_OK) {
		store_rollback(st);
		return rc;
	}
	return store_commit(st, err);
}

/*
 * A write of incidents changes what policy-built TAXII collections read: the commit counts it
 * once (share_bump) where the backend counts that way, in a transaction of the write's own
 * when there is none, as for indicators.
 */
static int share_touch(struct store *st, int *own, struct verr *err)
{
	int rc;

	*own = 0;
	if (!st->ops->share_bump)
		return V_OK;
	if ((rc = ind_begin(st, own, err)) == V_OK)
		st->share_touched = 1;
	return rc;
}

/* Does a write of indicator id change what an index saved before this transaction says of
 * it (an indicator that existed then)? */
/* The first write of indicators in a transaction reads the largest id before it. */
static int ind_touch(struct store *st, struct verr *err)
{
	int rc;

	st->ind_touched = 1;
	if (!st->ind_base_known) {
		if ((rc = st->ops->indicators_max(st, &st->ind_base, err)) != V_OK)
			return rc;
		st->ind_base_known = 1;
	}
	return V_OK;
}

static int ind_taints(struct store *st, int64_t id, struct verr *err)
{
	int rc = ind_touch(st, err);

	if (rc == V_OK && id <= st->ind_base && (!st->ind_changed || id < st->ind_changed))
		st->ind_changed = id;
	return rc;
}

/* Is indicator id one of the batch's that wait (a write that names it writes them first)? */
static int ind_pending(const struct store *st, int64_t id)
{
	return st->dind_w < st->dind_n && id >= st->dind[st->dind_w].id;
}

int store_indicator_get(struct store *st, const char *kind, const char *value, int64_t *id,
			int *common, struct verr *err)
{
	int own, rc;

	/* the value may wait in the batch, and an insert takes the next id */
	if ((rc = batch_need(st, NEED_IND, err)) != V_OK)
		return rc;
	if ((rc = ind_begin(st, &own, err)) != V_OK)
		return rc;
	st->ind_at_once++; /* (it may have created the value) */
	if ((rc = ind_touch(st, err)) == V_OK)
		rc = st->ops->indicator_get(st, kind, value, id, common, err);
	return ind_end(st, own, rc, err);
}

int store_indicator_find(struct store *st, const char *kind, const char *value, int64_t *id,
			 int *common, struct verr *err)
{
	int rc = batch_need(st, NEED_IND, err);

	return rc != V_OK ? rc : st->ops->indicator_find(st, kind, value, id, common, err);
}

int store_indicator_set_common(struct store *st, int64_t id, const char *why, struct verr *err)
{
	int own, rc;

	if (ind_pending(st, id) && (rc = batch_need(st, NEED_IND, err)) != V_OK)
		return rc;
	if ((rc = ind_begin(st, &own, err)) != V_OK)
		return rc;
	if ((rc = ind_taints(st, id, err)) == V_OK)
		rc = st->ops->indicator_set_common(st, id, why, err);
	return ind_end(st, own, rc, err);
}

int store_indicator_add(struct store *st, const char *kind, const char *value, int64_t *id,
			int *created, int *common, struct verr *err)
{
	int own, rc;

	if ((rc = batch_need(st, NEED_IND, err)) != V_OK)
		return rc;
	if ((rc = ind_begin(st, &own, err)) != V_OK)
		return rc;
	if ((rc = ind_touch(st, err)) == V_OK)
		rc = st->ops->indicator_add(st, kind, value, id, created, common, err);
	if (rc == V_OK && *created)
		st->ind_at_once++;
	return ind_end(st, own, rc, err);
}

uint64_t store_indicators_at_once(const struct store *st)
{
	return st->ind_at_once;
}

/* May the open transaction give new values their ids itself, for a caller whose index was
 * exact at generation k->gen having seen k->at_once values inserted at once on this handle?
 * Only while nobody has added values the index cannot know: no other writer since (the
 * store's generation, read once a transaction, since it moves only at commits, is still
 * k->gen), nor another caller on this handle (another stage: tests/unit/test_correlate.c has
 * one).  *ok = 1 when so. */
static int ind_reservable(struct store *st, const struct store_ind_known *k, int *ok,
			  struct verr *err)
{
	struct store_ind_mark m;
	int rc;

	*ok = 0;
	if (!st->in_tx || !k || k->gen < 0 || k->at_once != st->ind_at_once ||
	    !st->ops->indicators_write || !st->ops->indicators_mark)
		return V_OK;
	if (!st->ind_gen_read) {
		if ((rc = st->ops->indicators_mark(st, &m, err)) != V_OK)
			return rc;
		st->ind_gen = m.gen;
		st->ind_gen_read = 1;
	}
	*ok = st->ind_gen == k->gen;
	return V_OK;
}

/* The id the next new value gets: above the last one waiting, else above the store's largest
 * (which holds every one written: an insert at once writes the waiting ones first). */
static int ind_next_id(struct store *st, int64_t *id, struct verr *err)
{
	int rc;

	if (st->dind_w < st->dind_n) {
		*id = st->dind[st->dind_n - 1].id + 1;
		return V_OK;
	}
	if ((rc = st->ops->indicators_max(st, id, err)) != V_OK)
		return rc;
	*id += 1;
	return V_OK;
}

/* A string of the batch (kind, value, why) at the end of dtext: its offset, or SIZE_MAX when
 * out of memory. */
static size_t dtext_put(struct store *st, const char *str)
{
	size_t at = st->dtext.len;

	return buf_append(&st->dtext, str, strlen(str) + 1) == V_OK ? at : SIZE_MAX;
}

int store_indicator_new(struct store *st, const char *kind, const char *value, const char *why,
			const struct store_ind_known *known, int64_t *id, int *created, int *common,
			struct verr *err)
{
	struct store_dind *d;
	size_t text = st->dtext.len;
	int ok, rc;

	if ((rc = ind_reservable(st, known, &ok, err)) != V_OK)
		return rc;
	if (!ok) {
		/* inserted at once, as store_indicator_add and store_indicator_set_common */
		rc = store_indicator_add(st, kind, value, id, created, common, err);
		if (rc == V_OK && *created && why &&
		    (rc = store_indicator_set_common(st, *id, why, err)) == V_OK)
			*common = 1;
		return rc;
	}
	/* ind_touch first: the largest id before the transaction's new values */
	if ((rc = ind_touch(st, err)) != V_OK)
		return rc;
	if (grow((void **)&st->dind, st->dind_n, &st->dind_cap, sizeof(*st->dind)) != 0)
		return verr_set(err, V_ERR_NOMEM, "", "%s", vres_str(V_ERR_NOMEM));
	d = &st->dind[st->dind_n];
	if ((rc = ind_next_id(st, &d->id, err)) != V_OK)
		return rc;
	d->why = SIZE_MAX;
	if ((d->kind = dtext_put(st, kind)) == SIZE_MAX ||
	    (d->value = dtext_put(st, value)) == SIZE_MAX ||
	    (why && (d->why = dtext_put(st, why)) == SIZE_MAX)) {
		st->dtext.len = text;
		return verr_set(err, V_ERR_NOMEM, "", "%s", vres_str(V_ERR_NOMEM));
	}
	st->dind_n++;
	*id = d->id;
	*created = 1;
	*common = why != NULL;
	return V_OK;
}

int store_indicators_scan(struct store *st, int64_t after, store_indicator_scan_cb cb,
			  void *arg, struct verr *err)
{
	int rc = batch_need(st, NEED_POST, err);

	return rc != V_OK ? rc : st->ops->indicators_scan(st, after, cb, arg, err);
}

int store_indicators_max(struct store *st, int64_t *max, struct verr *err)
{
	int rc = batch_need(st, NEED_IND, err);

	return rc != V_OK ? rc : st->ops->indicators_max(st, max, err);
}

/* A posting now: one the batch holds is not new (and is written with the batch). */
static int posting_write(struct store *st, int64_t indicator, int64_t incident, int *is_new,
			 struct verr *err)
{
	int rc;

	if (pset_has(st, indicator, incident)) {
		if (is_new)
			*is_new = 0;
		return V_OK;
	}
	/* the indicator, a foreign key's parent, may wait in the batch */
	if (ind_pending(st, indicator) && (rc = batch_need(st, NEED_IND, err)) != V_OK)
		return rc;
	return st->ops->posting_add(st, indicator, incident, is_new, err);
}

int store_posting_add(struct store *st, int64_t indicator, int64_t incident, int *is_new,
		      struct verr *err)
{
	int own, rc;

	if ((rc = ind_begin(st, &own, err)) != V_OK)
		return rc;
	if ((rc = ind_taints(st, indicator, err)) == V_OK)
		rc = posting_write(st, indicator, incident, is_new, err);
	return ind_end(st, own, rc, err);
}

int store_posting_append(struct store *st, int64_t indicator, int64_t incident, int *is_new,
			 struct verr *err)
{
	int own, rc;

	if ((rc = ind_begin(st, &own, err)) != V_OK)
		return rc;
	if ((rc = ind_touch(st, err)) == V_OK)
		rc = posting_write(st, indicator, incident, is_new, err);
	return ind_end(st, own, rc, err);
}

int store_posting_defer(struct store *st, int64_t indicator, int64_t incident, int append,
			struct verr *err)
{
	int rc;

	if (!st->in_tx)
		return append ? store_posting_append(st, indicator, incident, NULL, err)
			      : store_posting_add(st, indicator, incident, NULL, err);
	if ((rc = append ? ind_touch(st, err) : ind_taints(st, indicator, err)) != V_OK)
		return rc;
	if (grow((void **)&st->dpost, st->dpost_n, &st->dpost_cap, sizeof(*st->dpost)) != 0 ||
	    (rc = pset_put(st, indicator, incident)) < 0)
		return verr_set(err, V_ERR_NOMEM, "", "%s", vres_str(V_ERR_NOMEM));
	if (rc == 1)
		return V_OK; /* deferred already */
	st->dpost[st->dpost_n][0] = indicator;
	st->dpost[st->dpost_n][1] = incident;
	st->dpost_n++;
	return V_OK;
}

int store_indicators_mark(struct store *st, struct store_ind_mark *m, struct verr *err)
{
	int rc;

	memset(m, 0, sizeof(*m));
	if (!st->ops->indicators_mark)
		return verr_set(err, V_ERR_USAGE, "",
				_("the %s store keeps no generation of its indicators"),
				st->ops->name);
	/* it reads the largest id */
	if ((rc = batch_need(st, NEED_IND, err)) != V_OK)
		return rc;
	return st->ops->indicators_mark(st, m, err);
}

int store_indicators_changed(struct store *st, int64_t since, int64_t *min_id, struct verr *err)
{
	*min_id = 0;
	if (!st->ops->indicators_changed)
		return verr_set(err, V_ERR_USAGE, "",
				_("the %s store keeps no generation of its indicators"),
				st->ops->name);
	int rc = st->ops->indicators_changed(st, since, min_id, err);

	/* and what the open transaction changed so far (it has no generation yet) */
	if (rc == V_OK && st->ind_changed && (!*min_id || st->ind_changed < *min_id))
		*min_id = st->ind_changed;
	return rc;
}

int64_t store_indicators_committed(struct store *st)
{
	return st->ind_committed;
}

int store_check(struct store *st, struct store_check *c, struct verr *err)
{
	int rc = V_OK;

	memset(c, 0, sizeof(*c));
	if (st->ops->check)
		rc = st->ops->check(st, c, err);
	return rc != V_OK ? rc : store_postings_orphans(st, &c->orphan_postings, err);
}

int store_postings_orphans(struct store *st, int64_t *n, struct verr *err)
{
	int rc = batch_need(st, NEED_POST, err);

	*n = 0;
	return rc != V_OK ? rc : st->ops->postings_orphans(st, n, err);
}

int store_postings_of(struct store *st, int64_t indicator, store_id_cb cb, void *arg,
		      struct verr *err)
{
	int rc = batch_need(st, NEED_POST, err);

	return rc != V_OK ? rc : st->ops->postings_of(st, indicator, cb, arg, err);
}

int store_indicators_list(struct store *st, int64_t incident, store_indicator_cb cb, void *arg,
			  struct verr *err)
{
	int rc = batch_need(st, NEED_POST, err);

	if (rc != V_OK)
		return rc;
	return st->ops->indicators_list(st, incident, cb, arg, err);
}

int store_audit_append(struct store *st, const char *actor, const char *object,
		       const char *action, const char *before, const char *after, struct verr *err)
{
	return st->ops->audit_append(st, actor, object, action, before, after, err);
}

int store_audit_list(struct store *st, const char *object, store_audit_cb cb, void *arg,
		     struct verr *err)
{
	return st->ops->audit_list(st, object, cb, arg, err);
}

int store_audit_verify(struct store *st, int64_t *checked, int64_t *bad_id, struct verr *err)
{
	return st->ops->audit_verify(st, checked, bad_id, err);
}

int store_org_put(struct store *st, const struct store_org *org, struct verr *err)
{
	return st->ops->org_put(st, org, err);
}

int store_org_get(struct store *st, const char *name, struct store_org **out, struct verr *err)
{
	return st->ops->org_get(st, name, out, err);
}

int store_org_remove(struct store *st, const char *name, struct verr *err)
{
	return st->ops->org_remove(st, name, err);
}

int store_orgs_list(struct store *st, store_org_cb cb, void *arg, struct verr *err)
{
	return st->ops->orgs_list(st, cb, arg, err);
}

int store_cert_put(struct store *st, const struct store_cert *cert, struct verr *err)
{
	return st->ops->cert_put(st, cert, err);
}

int store_cert_get(struct store *st, const char *cc, struct store_cert **out, struct verr *err)
{
	return st->ops->cert_get(st, cc, out, err);
}

int store_cert_remove(struct store *st, const char *cc, struct verr *err)
{
	return st->ops->cert_remove(st, cc, err);
}

int store_certs_list(struct store *st, store_cert_cb cb, void *arg, struct verr *err)
{
	return st->ops->certs_list(st, cb, arg, err);
}

int store_constituency_clear(struct store *st, struct verr *err)
{
	return st->ops->constituency_clear(st, err);
}

int store_partner_put(struct store *st, const struct store_partner *p, struct verr *err)
{
	return st->ops->partner_put(st, p, err);
}

int store_partner_get(struct store *st, const char *name, struct store_partner **out,
		      struct verr *err)
{
	return st->ops->partner_get(st, name, out, err);
}

int store_partner_remove(struct store *st, const char *name, struct verr *err)
{
	return st->ops->partner_remove(st, name, err);
}

int store_partners_list(struct store *st, store_partner_cb cb, void *arg, struct verr *err)
{
	return st->ops->partners_list(st, cb, arg, err);
}

int store_bundle_accept(struct store *st, const char *bundle_id, const char *partner,
			int64_t when, int64_t *accepted_at, struct verr *err)
{
	return st->ops->bundle_accept(st, bundle_id, partner, when, accepted_at, err);
}

/* The checks of values that every backend would make alike: here once, before the backend. */
static int mark_check(const char *msg, struct verr *err)
{
	if (!msg || !*msg || strlen(msg) > 300)
		return verr_set(err, V_ERR_INVALID, "mark", "%s", _("not a message name"));
	return V_OK;
}

int store_mark_put(struct store *st, const char *msg, const char *owner, struct verr *err)
{
	int rc = mark_check(msg, err);

	return rc != V_OK ? rc : st->ops->mark_put(st, msg, owner, err);
}

int store_mark_take(struct store *st, const char *msg, int *found, struct verr *err)
{
	int rc;

	*found = 0;
	if ((rc = mark_check(msg, err)) != V_OK)
		return rc;
	return st->ops->mark_take(st, msg, found, err);
}

int store_mark_clear(struct store *st, const char *owner, struct verr *err)
{
	return st->ops->mark_clear(st, owner, err);
}

int store_notices_add(struct store *st, const struct store_notice *n, size_t count, size_t *added,
		      struct verr *err)
{
	return st->ops->notices_add(st, n, count, added, err);
}

int store_notices_query(struct store *st, const struct store_notice_filter *f,
			store_notice_cb cb, void *arg, struct verr *err)
{
	return st->ops->notices_query(st, f, cb, arg, err);
}

int store_notices_claim(struct store *st, const int64_t *ids, size_t n, const char *message_id,
			struct verr *err)
{
	return st->ops->notices_claim(st, ids, n, message_id, err);
}

int store_notices_done(struct store *st, const char *message_id, int state, int64_t next_try,
		       const char *reply, struct verr *err)
{
	return st->ops->notices_done(st, message_id, state, next_try, reply, err);
}

int store_ledger_query(struct store *st, const char *recipient, int64_t incident,
		       store_ledger_cb cb, void *arg, struct verr *err)
{
	return st->ops->ledger_query(st, recipient, incident, cb, arg, err);
}

int store_ledger_count(struct store *st, const char *recipient, int64_t since, int64_t *messages,
		       struct verr *err)
{
	return st->ops->ledger_count(st, recipient, since, messages, err);
}

int store_stats(struct store *st, enum store_stat kind, int64_t since, int64_t until,
		int64_t limit, store_stat_cb cb, void *arg, struct verr *err)
{
	if ((int)kind < 0 || kind >= STORE_STAT__COUNT)
		return verr_set(err, V_ERR_INVALID, "", _("no such statistic (%d)"), (int)kind);
	if (until <= since)
		return verr_set(err, V_ERR_INVALID, "", _("the period ends before it starts"));
	return st->ops->stats(st, kind, since, until, limit, cb, arg, err);
}

int store_incidents_notable(struct store *st, int64_t since, int64_t until, int64_t limit,
			    store_id_cb cb, void *arg, struct verr *err)
{
	if (until <= since)
		return verr_set(err, V_ERR_INVALID, "", _("the period ends before it starts"));
	if (limit <= 0)
		return verr_set(err, V_ERR_INVALID, "",
				_("the number of incidents must be positive"));
	return st->ops->incidents_notable(st, since, until, limit, cb, arg, err);
}

static int account_name_ok(const char *s)
{
	size_t n = 0;

	if (!s)
		return 0;
	for (; s[n]; n++)
		if (!((s[n] >= 'a' && s[n] <= 'z') || (s[n] >= 'A' && s[n] <= 'Z') ||
		      (s[n] >= '0' && s[n] <= '9') || strchr("._@-", s[n])))
			return 0;
	return n >= 1 && n <= STORE_NAME_MAX;
}

int store_account_add(struct store *st, const char *name, const char *role, const char *partner,
		      struct verr *err)
{
	if (!account_name_ok(name))
		return verr_set(err, V_ERR_INVALID, "name",
				_("an account name is 1 to %d letters, digits or ._@- ('%s')"),
				STORE_NAME_MAX, name ? name : "");
	if (!role || (strcmp(role, "admin") && strcmp(role, "analyst") && strcmp(role, "partner")))
		return verr_set(err, V_ERR_INVALID, "role",
				_("the role is admin, analyst or partner, not '%s'"),
				role ? role : "");
	if (!strcmp(role, "partner") != (partner && *partner))
		return verr_set(err, V_ERR_INVALID, "partner", "%s",
				_("a partner account, and only a partner account, names its "
				  "partner"));
	return st->ops->account_add(st, name, role, partner, err);
}

int store_account_get(struct store *st, const char *name, struct store_account *out,
		      struct verr *err)
{
	return st->ops->account_get(st, name, out, err);
}

int store_account_remove(struct store *st, const char *name, struct verr *err)
{
	return st->ops->account_remove(st, name, err);
}

int store_accounts_list(struct store *st, store_account_cb cb, void *arg, struct verr *err)
{
	return st->ops->accounts_list(st, cb, arg, err);
}

int store_token_add(struct store *st, const char *account, const char *hash_hex,
		    const char *label, int64_t *id, struct verr *err)
{
	size_t n = 0;

	for (; hash_hex && ((hash_hex[n] >= '0' && hash_hex[n] <= '9') ||
			    (hash_hex[n] >= 'a' && hash_hex[n] <= 'f')); n++)
		;
	if (!hash_hex || hash_hex[n] || n != 64)
		return verr_set(err, V_ERR_INVALID, "hash", "%s",
				_("a token hash is 64 lower-case hex digits"));
	return st->ops->token_add(st, account, hash_hex, label, id, err);
}

int store_token_find(struct store *st, const char *hash_hex, struct store_account *out,
		     int64_t *token_id, struct verr *err)
{
	return st->ops->token_find(st, hash_hex, out, token_id, err);
}

int store_token_revoke(struct store *st, int64_t id, struct verr *err)
{
	return st->ops->token_revoke(st, id, err);
}

int store_token_live(struct store *st, int64_t id, const char *account, struct verr *err)
{
	return st->ops->token_live(st, id, account, err);
}

int store_account_password_set(struct store *st, const char *name, const char *pwhash,
			       struct verr *err)
{
	if (pwhash && (!*pwhash || strlen(pwhash) >= STORE_PWHASH_MAX))
		return verr_set(err, V_ERR_INVALID, "password", "%s",
				_("a password hash is 1 to 127 bytes"));
	return st->ops->account_password_set(st, name, pwhash, err);
}

int store_account_password_get(struct store *st, const char *name, struct store_account *out,
			       char pwhash[STORE_PWHASH_MAX], struct verr *err)
{
	pwhash[0] = 0;
	return st->ops->account_password_get(st, name, out, pwhash, err);
}

int store_account_lang_set(struct store *st, const char *name, const char *lang,
			   struct verr *err)
{
	if (lang && !*lang)
		lang = NULL;
	if (lang && strcmp(lang, "es") && strcmp(lang, "en"))
		return verr_set(err, V_ERR_INVALID, "lang",
				_("the language is es or en, not '%s'"), lang);
	return st->ops->account_lang_set(st, name, lang, err);
}

int store_taxii_cursor_get(struct store *st, const char *source, const char *collection,
			   char out[STORE_CURSOR_LEN], struct verr *err)
{
	return st->ops->taxii_cursor_get(st, source, collection, out, err);
}

int store_taxii_cursor_set(struct store *st, const char *source, const char *collection,
			   const char *added_after, struct verr *err)
{
	if (!added_after || strlen(added_after) >= STORE_CURSOR_LEN)
		return verr_set(err, V_ERR_INVALID, "added_after", "%s",
				_("a TAXII cursor is a timestamp of at most 63 bytes"));
	return st->ops->taxii_cursor_set(st, source, collection, added_after, err);
}

/* A TAXII timestamp as the store keeps it: "YYYY-MM-DDTHH:MM:SS.ffffffZ". */
static int taxii_ts_ok(const char *t)
{
	static const char form[] = "dddd-dd-ddTdd:dd:dd.ddddddZ";

	if (!t || strlen(t) != sizeof(form) - 1)
		return 0;
	for (size_t i = 0; form[i]; i++)
		if (form[i] == 'd' ? (t[i] < '0' || t[i] > '9') : t[i] != form[i])
			return 0;
	return 1;
}

int store_taxii_object_put(struct store *st, const struct store_taxii_object *o, int *added,
			   struct verr *err)
{
	*added = 0;
	if (!o->collection || !*o->collection || strlen(o->collection) > 2 * STORE_NAME_MAX ||
	    !o->id || !*o->id || strlen(o->id) > 300 || !o->type || !*o->type ||
	    !o->spec_version || !*o->spec_version || !o->object || !taxii_ts_ok(o->version) ||
	    !taxii_ts_ok(o->date_added) || o->tlp < -1 || o->tlp > 4)
		return verr_set(err, V_ERR_INVALID, "taxii_object", "%s",
				_("a TAXII object needs a collection, an id, a type, a spec_version, "
				  "a version and a date_added timestamp"));
	return st->ops->taxii_object_put(st, o, added, err);
}

int store_taxii_objects_query(struct store *st, const struct store_taxii_filter *f,
			      store_taxii_object_cb cb, void *arg, struct verr *err)
{
	if (!f->collection || f->limit < 1)
		return verr_set(err, V_ERR_INVALID, "taxii_filter", "%s",
				_("a TAXII query names a collection and a positive limit"));
	return st->ops->taxii_objects_query(st, f, cb, arg, err);
}

int store_taxii_object_delete(struct store *st, const char *collection, const char *id,
			      unsigned version_mode, const char *versions, int64_t *removed,
			      struct verr *err)
{
	*removed = 0;
	if (!version_mode)
		version_mode = STORE_TAXII_V_ALL;
	if ((version_mode & STORE_TAXII_V_LIST) && !versions)
		return verr_set(err, V_ERR_INVALID, "taxii_filter", "%s",
				_("a TAXII delete by version names the versions"));
	return st->ops->taxii_object_delete(st, collection, id, version_mode, versions, removed,
					    err);
}

static int view_args_ok(const char *collection, const char *signature, struct verr *err)
{
	if (!collection || !*collection || strlen(collection) > 2 * STORE_NAME_MAX || !signature)
		return verr_set(err, V_ERR_INVALID, "taxii_view", "%s",
				_("a TAXII view names its collection and its definition"));
	return V_OK;
}

int store_taxii_view_current(struct store *st, const char *collection, const char *signature,
			     int *current, struct verr *err)
{
	int rc;

	*current = 0;
	if ((rc = view_args_ok(collection, signature, err)) != V_OK)
		return rc;
	return st->ops->taxii_view_current(st, collection, signature, current, err);
}

int store_taxii_view_begin(struct store *st, const char *collection, struct verr *err)
{
	int rc;

	if ((rc = view_args_ok(collection, "", err)) != V_OK)
		return rc;
	return st->ops->taxii_view_begin(st, collection, err);
}

int store_taxii_view_done(struct store *st, const char *collection, const char *signature,
			  struct verr *err)
{
	int rc;

	if ((rc = view_args_ok(collection, signature, err)) != V_OK)
		return rc;
	return st->ops->taxii_view_done(st, collection, signature, err);
}

int store_taxii_status_put(struct store *st, const struct store_taxii_status *s,
			   struct verr *err)
{
	if (!s->id[0] || !s->detail || !taxii_ts_ok(s->request_timestamp))
		return verr_set(err, V_ERR_INVALID, "taxii_status", "%s",
				_("a TAXII status needs an id, a timestamp and its details"));
	return st->ops->taxii_status_put(st, s, err);
}

int store_taxii_status_get(struct store *st, const char *id, struct store_taxii_status *out,
			   struct verr *err)
{
	memset(out, 0, sizeof(*out));
	return st->ops->taxii_status_get(st, id, out, err);
}

void store_taxii_status_fini(struct store_taxii_status *s)
{
	if (s) {
		free(s->detail);
		s->detail = NULL;
	}
}

/* ---- statements by key (store_impl.h) --------------------------------------------------- */

static size_t map_find(const unsigned *keys, size_t cap, unsigned key)
{
	size_t i = (key * 2654435761u) & (cap - 1);

	while (keys[i] && keys[i] != key + 1)
		i = (i + 1) & (cap - 1);
	return i;
}

void *store_stmt_map_get(const struct store_stmt_map *m, unsigned key)
{
	size_t i;

	if (!m->cap)
		return NULL;
	i = map_find(m->keys, m->cap, key);
	return m->keys[i] ? m->stmts[i] : NULL;
}

int store_stmt_map_put(struct store_stmt_map *m, unsigned key, void *stmt)
{
	size_t i;

	if ((m->n + 1) * 2 > m->cap) { /* at most half full */
		size_t cap = m->cap ? m->cap * 2 : 16;
		unsigned *keys = calloc(cap, sizeof(*keys));
		void **stmts = calloc(cap, sizeof(*stmts));

		if (!keys || !stmts) {
			free(keys);
			free(stmts);
			return V_ERR_NOMEM;
		}
		for (size_t j = 0; j < m->cap; j++)
			if (m->keys[j]) {
				i = map_find(keys, cap, m->keys[j] - 1);
				keys[i] = m->keys[j];
				stmts[i] = m->stmts[j];
			}
		free(m->keys);
		free(m->stmts);
		m->keys = keys;
		m->stmts = stmts;
		m->cap = cap;
	}
	i = map_find(m->keys, m->cap, key);
	m->keys[i] = key + 1;
	m->stmts[i] = stmt;
	m->n++;
	return V_OK;
}

void *store_stmt_map_slot(const struct store_stmt_map *m, size_t i)
{
	return i < m->cap && m->keys[i] ? m->stmts[i] : NULL;
}

void store_stmt_map_fini(struct store_stmt_map *m)
{
	free(m->keys);
	free(m->stmts);
	memset(m, 0, sizeof(*m));
}

const char *store_sort_column(enum store_incident_sort sort)
{
	static const char *const cols[STORE_SORT__COUNT] = {
		"id", "priority", "state", "last_seen", "first_seen", "deadline", "event_count"};

	return cols[sort];
}

unsigned store_incq_key(unsigned mask, const struct store_incident_filter *f)
{
	unsigned variant = (unsigned)f->sort * 4 + (f->ascending ? 2 : 0) + (f->after_set ? 1 : 0);

	return mask | variant << IF__COUNT;
}
