/*
 * url_list.c — block and allow lists in the Safe Browsing model, and the holder that lets a
 * reload replace them without ever blocking a lookup.
 *
 * Every entry is stored as the expression it stands for (canonical host + path [+ query]),
 * once, in one text arena; an open-addressing table maps SipHash-2-4 (libsodium's
 * crypto_shorthash, a random key per list, so list contents cannot be chosen to collide) of
 * the expression to the entry.  A URL is looked up by hashing each of its lookup expressions
 * (at most 30), which are contiguous slices of its canonical form, so nothing is copied.  Hash
 * entries (SHA-256 prefixes of 4 to 32 bytes) are a sorted array searched by the first four
 * bytes; the SHA-256 of a URL's expressions is only computed when a list holds any.
 */
#include <errno.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <sodium.h>

#include "analyze/url/url.h"
#include "base/i18n.h"

struct entry {
	uint32_t off; /* text in the arena */
	uint32_t len;
	uint32_t line;
	uint16_t source;
	uint8_t kind; /* KIND_* */
};

struct slot {
	uint64_t h;
	uint32_t idx; /* into ent */
	uint32_t len; /* the entry's length (saves a load on a mismatch) */
};

struct hentry {
	unsigned char h[32];
	uint8_t len; /* bytes of h that are given: 4..32 */
	uint16_t source;
	uint32_t line;
};

enum { KIND_HOST, KIND_PREFIX, KIND_URL, KIND_HASH };
static const char *const kind_name[] = {"host", "prefix", "url", "hash"};

struct url_list {
	unsigned char key[crypto_shorthash_KEYBYTES];
	struct buf text; /* entries' expressions, each NUL-terminated */
	struct entry *ent;
	size_t n, cap;
	struct hentry *hent;
	size_t nh, caph;
	char **sources;
	size_t nsrc;
	struct slot *slot; /* open addressing; h == 0: empty */
	size_t mask;       /* slots - 1 */
	uint64_t *filt;    /* blocked Bloom filter: one 64-bit word a key, 3 bits set;
	                    * keys: every entry's host and every entry's expression */
	size_t fmask;      /* words - 1 */
	int sealed;
	struct url_canon *c; /* scratch for url_list_add */
};

static uint64_t ehash(const struct url_list *l, const char *s, size_t n)
{
	uint64_t h;
	crypto_shorthash((unsigned char *)&h, (const unsigned char *)s, n, l->key);
	return h ? h : 1;
}

struct url_list *url_list_new(void)
{
	struct url_list *l = calloc(1, sizeof *l);

	if (!l)
		return NULL;
	if (sodium_init() < 0) {
		free(l);
		return NULL;
	}
	randombytes_buf(l->key, sizeof l->key);
	buf_init(&l->text, (size_t)4 << 30);
	return l;
}

void url_list_free(struct url_list *l)
{
	if (!l)
		return;
	buf_fini(&l->text);
	free(l->ent);
	free(l->hent);
	for (size_t i = 0; i < l->nsrc; i++)
		free(l->sources[i]);
	free(l->sources);
	free(l->slot);
	free(l->filt);
	free(l->c);
	free(l);
}

static int source_index(struct url_list *l, const char *source, uint16_t *out)
{
	if (!source)
		source = "";
	if (l->nsrc && !strcmp(l->sources[l->nsrc - 1], source)) {
		*out = (uint16_t)(l->nsrc - 1);
		return V_OK;
	}
	for (size_t i = 0; i < l->nsrc; i++)
		if (!strcmp(l->sources[i], source)) {
			*out = (uint16_t)i;
			return V_OK;
		}
	if (l->nsrc >= 65535)
		return V_ERR_LIMIT;
	char **s = realloc(l->sources, (l->nsrc + 1) * sizeof *s);
	if (!s)
		return V_ERR_NOMEM;
	l->sources = s;
	if (!(s[l->nsrc] = strdup(source)))
		return V_ERR_NOMEM;
	*out = (uint16_t)l->nsrc++;
	return V_OK;
}

static int hexval(int ch)
{
	if (ch >= '0' && ch <= '9')
		return ch - '0';
	if (ch >= 'a' && ch <= 'f')
		return ch - 'a' + 10;
	if (ch >= 'A' && ch <= 'F')
		return ch - 'A' + 10;
	return -1;
}

static int add_hash(struct url_list *l, const char *hex, size_t n, uint16_t src, long line,
                    struct verr *err, const char *source)
{
	struct hentry h = {0};

	if (n < 8 || n > 64 || n % 2) {
		verr_set(err, V_ERR_INVALID, "sha256",
		         _("%s:%ld: a SHA-256 hash or prefix has 8 to 64 hex digits"), source,
		         line);
		return V_ERR_INVALID;
	}
	for (size_t i = 0; i < n; i += 2) {
		int a = hexval((unsigned char)hex[i]), b = hexval((unsigned char)hex[i + 1]);
		if (a < 0 || b < 0) {
			verr_set(err, V_ERR_INVALID, "sha256",
			         _("%s:%ld: not a hex digit in '%.*s'"), source, line,
			         (int)(n > 64 ? 64 : n), hex);
			return V_ERR_INVALID;
		}
		h.h[i / 2] = (unsigned char)(a * 16 + b);
	}
	h.len = (uint8_t)(n / 2);
	h.source = src;
	h.line = (uint32_t)line;
	if (l->nh == l->caph) {
		size_t nc = l->caph ? 2 * l->caph : 64;
		struct hentry *p = realloc(l->hent, nc * sizeof *p);
		if (!p)
			return V_ERR_NOMEM;
		l->hent = p;
		l->caph = nc;
	}
	l->hent[l->nh++] = h;
	return V_OK;
}

int url_list_add(struct url_list *l, const char *entry, size_t len, const char *source, long line,
                 struct verr *err)
{
	uint16_t src;
	int rc;

	while (len && (entry[0] == ' ' || entry[0] == '\t')) {
		entry++;
		len--;
	}
	while (len && strchr(" \t\r\n", entry[len - 1]))
		len--;
	if (len == 0 || entry[0] == '#')
		return V_SKIP;
	if (l->sealed)
		return verr_set(err, V_ERR_USAGE, "", "%s", _("the list is sealed"));
	if ((rc = source_index(l, source, &src)) != V_OK)
		return verr_set(err, rc, "", "%s", _("too many list sources"));
	if (len > 7 && strncasecmp(entry, "sha256:", 7) == 0)
		return add_hash(l, entry + 7, len - 7, src, line, err, source ? source : "");
	if (!l->c && !(l->c = malloc(sizeof *l->c)))
		return V_ERR_NOMEM;
	if (url_canon(entry, len, l->c) != V_OK) {
		verr_set(err, V_ERR_PARSE, "url", _("%s:%ld: not a URL or host: %s"),
		         source ? source : "", line, _(l->c->reason));
		return V_ERR_PARSE;
	}
	if (l->c->truncated) {
		verr_set(err, V_ERR_LIMIT, "url", _("%s:%ld: entry longer than %d bytes"),
		         source ? source : "", line, URL_MAX_INPUT);
		return V_ERR_LIMIT;
	}
	const struct url_canon *c = l->c;
	size_t off = c->host_off, n = c->len - c->host_off;
	if (c->has_query && c->len == c->query_off)
		n--; /* "path?" with an empty query: the path */
	if (l->n == l->cap) {
		size_t nc = l->cap ? 2 * l->cap : 1024;
		struct entry *p = realloc(l->ent, nc * sizeof *p);
		if (!p)
			return V_ERR_NOMEM;
		l->ent = p;
		l->cap = nc;
	}
	if (l->text.len + n + 1 > UINT32_MAX)
		return verr_set(err, V_ERR_LIMIT, "", "%s", _("list text over 4 GiB"));
	struct entry *e = &l->ent[l->n];
	e->off = (uint32_t)l->text.len;
	e->len = (uint32_t)n;
	e->line = (uint32_t)line;
	e->source = src;
	int query = c->has_query && c->len > c->query_off; /* "path?" counts as no query */
	if (query)
		e->kind = KIND_URL;
	else if (c->path_len == 1)
		e->kind = KIND_HOST;
	else
		e->kind = c->canon[c->path_off + c->path_len - 1] == '/' ? KIND_PREFIX : KIND_URL;
	if ((rc = buf_append(&l->text, c->canon + off, n)) != V_OK ||
	    (rc = buf_putc(&l->text, 0)) != V_OK)
		return rc;
	l->n++;
	return V_OK;
}

int url_list_load_file(struct url_list *l, const char *path, size_t *bad, struct verr *err)
{
	FILE *f = fopen(path, "r");
	char *line = NULL;
	size_t cap = 0, nbad = 0;
	ssize_t n;
	long no = 0;
	struct verr e1;

	if (!f)
		return verr_set(err, V_ERR_IO, "", _("%s: cannot open: %s"), path, strerror(errno));
	while ((n = getline(&line, &cap, f)) >= 0) {
		no++;
		int rc = url_list_add(l, line, (size_t)n, path, no, &e1);
		if (rc == V_ERR_NOMEM) {
			free(line);
			fclose(f);
			return verr_set(err, rc, "", "%s", _("out of memory"));
		}
		if (rc != V_OK && rc != V_SKIP) {
			if (nbad++ == 0 && err)
				*err = e1;
		}
	}
	free(line);
	fclose(f);
	if (bad)
		*bad = nbad;
	return V_OK;
}

static uint64_t filter_bits(uint64_t h)
{
	return (uint64_t)1 << ((h >> 40) & 63) | (uint64_t)1 << ((h >> 46) & 63) |
	       (uint64_t)1 << ((h >> 52) & 63);
}

static void filter_add(struct url_list *l, uint64_t h)
{
	l->filt[(size_t)h & l->fmask] |= filter_bits(h);
}

static int filter_has(const struct url_list *l, uint64_t h)
{
	uint64_t b = filter_bits(h);
	return (l->filt[(size_t)h & l->fmask] & b) == b;
}

static int cmp_hentry(const void *a, const void *b)
{
	const struct hentry *x = a, *y = b;
	return memcmp(x->h, y->h, 4);
}

int url_list_seal(struct url_list *l)
{
	size_t slots = 16;

	if (l->sealed)
		return V_OK;
	while (slots < 2 * l->n + 2)
		slots <<= 1;
	l->slot = calloc(slots, sizeof *l->slot);
	size_t words = 64;
	while (words < l->n / 2) /* 2 keys an entry, 64 bits a word: 64 bits an entry */
		words <<= 1;
	l->filt = calloc(words, sizeof *l->filt);
	if (!l->slot || !l->filt)
		return V_ERR_NOMEM;
	l->mask = slots - 1;
	l->fmask = words - 1;
	for (size_t i = 0; i < l->n; i++) {
		const struct entry *e = &l->ent[i];
		const char *t = l->text.data + e->off;
		uint64_t h = ehash(l, t, e->len);
		size_t s = (size_t)h & l->mask;
		int dup = 0;
		while (l->slot[s].h) {
			const struct entry *o = &l->ent[l->slot[s].idx];
			if (l->slot[s].h == h && o->len == e->len &&
			    !memcmp(l->text.data + o->off, t, e->len)) {
				dup = 1; /* the first source keeps the entry */
				break;
			}
			s = (s + 1) & l->mask;
		}
		if (!dup) {
			l->slot[s].h = h;
			l->slot[s].idx = (uint32_t)i;
			l->slot[s].len = e->len;
		}
		const char *slash = memchr(t, '/', e->len);
		filter_add(l, h);
		filter_add(l, ehash(l, t, slash ? (size_t)(slash - t) : e->len));
	}
	if (l->nh)
		qsort(l->hent, l->nh, sizeof *l->hent, cmp_hentry);
	free(l->c);
	l->c = NULL;
	l->sealed = 1;
	return V_OK;
}

size_t url_list_count(const struct url_list *l)
{
	return l ? l->n + l->nh : 0;
}

size_t url_list_bytes(const struct url_list *l)
{
	if (!l)
		return 0;
	return sizeof *l + l->text.size + l->cap * sizeof *l->ent + l->caph * sizeof *l->hent +
	       (l->slot ? (l->mask + 1) * sizeof *l->slot : 0) +
	       (l->filt ? (l->fmask + 1) * sizeof *l->filt : 0);
}

/* The expression entries: in phases over all of a URL's expressions, so the cache misses of
 * one phase (filter words, then slots) overlap instead of following one another. */
static size_t match_expr(const struct url_list *l, const struct url_canon *c,
                         const struct url_expr *ex, size_t ne, struct url_match *m, size_t max)
{
	uint64_t hh[URL_MAX_EXPR], eh[URL_MAX_EXPR];
	uint32_t hoff[URL_MAX_EXPR];
	unsigned char live[URL_MAX_EXPR], hidx[URL_MAX_EXPR];
	size_t nh = 0, found = 0;

	for (size_t i = 0; i < ne; i++) { /* 1: the distinct hosts, hashed, filter prefetched */
		if (nh == 0 || hoff[nh - 1] != ex[i].host_off) {
			hoff[nh] = ex[i].host_off;
			hh[nh] = ehash(l, c->canon + ex[i].host_off, ex[i].host_len);
			__builtin_prefetch(&l->filt[(size_t)hh[nh] & l->fmask]);
			nh++;
		}
		hidx[i] = (unsigned char)(nh - 1);
	}
	for (size_t j = 0; j < nh; j++) /* 2: which hosts any entry has */
		hh[j] = filter_has(l, hh[j]);
	for (size_t i = 0; i < ne; i++) { /* 3: their expressions, hashed, filter prefetched */
		live[i] = (unsigned char)hh[hidx[i]];
		if (!live[i])
			continue;
		eh[i] = ehash(l, c->canon + ex[i].host_off, ex[i].host_len + ex[i].path_len);
		__builtin_prefetch(&l->filt[(size_t)eh[i] & l->fmask]);
	}
	for (size_t i = 0; i < ne; i++) /* 4: which expressions, slots prefetched */
		if (live[i] && (live[i] = (unsigned char)filter_has(l, eh[i])))
			__builtin_prefetch(&l->slot[(size_t)eh[i] & l->mask]);
	for (size_t i = 0; i < ne && found < max; i++) { /* 5: the table */
		if (!live[i])
			continue;
		const char *s = c->canon + ex[i].host_off;
		size_t n = ex[i].host_len + ex[i].path_len;
		for (size_t k = (size_t)eh[i] & l->mask; l->slot[k].h; k = (k + 1) & l->mask) {
			if (l->slot[k].h != eh[i] || l->slot[k].len != n)
				continue;
			const struct entry *e = &l->ent[l->slot[k].idx];
			if (!memcmp(l->text.data + e->off, s, n)) {
				m[found].entry = l->text.data + e->off;
				m[found].source = l->sources[e->source];
				m[found].line = e->line;
				m[found].kind = kind_name[e->kind];
				found++;
				break;
			}
		}
	}
	return found;
}

size_t url_list_match(const struct url_list *l, const struct url_canon *c, struct url_match *m,
                      size_t max)
{
	struct url_expr ex[URL_MAX_EXPR];
	size_t found = 0;

	if (!l || !l->sealed || c->host_len == 0 || max == 0)
		return 0;
	size_t ne = url_expressions(c, URL_SB_SPEC, ex);
	if (l->n)
		found = match_expr(l, c, ex, ne, m, max);
	for (size_t i = 0; l->nh && i < ne && found < max; i++) {
		/* host suffix and path prefix are adjacent in the canonical form */
		const char *s = c->canon + ex[i].host_off;
		size_t n = ex[i].host_len + ex[i].path_len;
		struct hentry key;
		crypto_hash_sha256(key.h, (const unsigned char *)s, n);
		size_t lo = 0, hi = l->nh;
		while (lo < hi) { /* first entry with the same 4-byte prefix */
			size_t mid = (lo + hi) / 2;
			if (memcmp(l->hent[mid].h, key.h, 4) < 0)
				lo = mid + 1;
			else
				hi = mid;
		}
		for (; lo < l->nh && !memcmp(l->hent[lo].h, key.h, 4); lo++) {
			if (memcmp(l->hent[lo].h, key.h, l->hent[lo].len))
				continue;
			m[found].entry = "sha256";
			m[found].source = l->sources[l->hent[lo].source];
			m[found].line = l->hent[lo].line;
			m[found].kind = kind_name[KIND_HASH];
			found++;
			break;
		}
	}
	return found;
}

void url_list_write(const struct url_list *l, FILE *f)
{
	for (size_t i = 0; i < l->n; i++)
		fprintf(f, "%s\n", l->text.data + l->ent[i].off);
	for (size_t i = 0; i < l->nh; i++) {
		char hex[65];
		sodium_bin2hex(hex, sizeof hex, l->hent[i].h, l->hent[i].len);
		fprintf(f, "sha256:%s\n", hex);
	}
}

/* ---- the holder ---------------------------------------------------------------------------- */

struct url_holder {
	_Atomic(struct url_lists *) cur;
	atomic_flag lock; /* held for a pointer load + increment, or an exchange: nanoseconds */
	uint64_t generation;
};

struct url_lists *url_lists_new(struct url_list *block, struct url_list *allow)
{
	struct url_lists *ls = calloc(1, sizeof *ls);

	if (!ls) {
		url_list_free(block);
		url_list_free(allow);
		return NULL;
	}
	ls->block = block;
	ls->allow = allow;
	ls->refs = 1;
	return ls;
}

void url_lists_release(struct url_lists *ls)
{
	if (!ls)
		return;
	if (__atomic_sub_fetch(&ls->refs, 1, __ATOMIC_ACQ_REL) == 0) {
		url_list_free(ls->block);
		url_list_free(ls->allow);
		free(ls);
	}
}

struct url_holder *url_holder_new(void)
{
	struct url_holder *h = calloc(1, sizeof *h);

	if (!h)
		return NULL;
	atomic_init(&h->cur, NULL);
	atomic_flag_clear(&h->lock);
	return h;
}

void url_holder_free(struct url_holder *h)
{
	if (!h)
		return;
	url_lists_release(atomic_load(&h->cur));
	free(h);
}

static void spin_lock(atomic_flag *f)
{
	while (atomic_flag_test_and_set_explicit(f, memory_order_acquire))
		;
}

void url_holder_set(struct url_holder *h, struct url_lists *ls)
{
	spin_lock(&h->lock);
	if (ls)
		ls->generation = ++h->generation;
	struct url_lists *old = atomic_exchange(&h->cur, ls);
	atomic_flag_clear_explicit(&h->lock, memory_order_release);
	url_lists_release(old);
}

struct url_lists *url_holder_get(struct url_holder *h)
{
	spin_lock(&h->lock);
	struct url_lists *ls = atomic_load(&h->cur);
	if (ls)
		__atomic_add_fetch(&ls->refs, 1, __ATOMIC_ACQ_REL);
	atomic_flag_clear_explicit(&h->lock, memory_order_release);
	return ls;
}
