/*
 * fingerprint.c — a 64-bit fingerprint of an event, the identity dedup works with.
 *
 * Canonical: the fields are serialised in schema order (the slot array is indexed by field
 * id, which follows the names alphabetically) and the extra.* keys sorted by name, each as
 * name, NUL, value kind, 32-bit length, value bytes — so the order in which a parser set the
 * fields changes nothing, and no value can be mistaken for another's name.
 *
 * Hash: SipHash-2-4 through libsodium's crypto_shorthash (libsodium is linked already; no new
 * dependency), with the fixed key below.  One call over the serialisation costs about as
 * much as writing the event's JSON; XXH3 would be faster but needs libxxhash-dev.  The key
 * and the serialisation are part of the store's format: changing either makes every stored
 * fingerprint unknown, so an event seen before the change would be stored again once.
 */
#include <stdlib.h>
#include <string.h>
#include <sodium.h>

#include "base/i18n.h"
#include "pipeline/pipeline.h"

static const unsigned char fp_key[crypto_shorthash_KEYBYTES] = {
	'v', 'i', 'g', 'i', 'a', '-', 'f', 'p', '-', 'v', '1', 0x5a, 0xc3, 0x96, 0x0f, 0x71
};

/* "*", "x.*" (prefix "x."), or an exact name; "extra" stands for "extra.*". */
static int pattern_match(const char *pat, const char *name, size_t len)
{
	size_t pl = strlen(pat);

	if (!strcmp(pat, "*"))
		return 1;
	if (!strcmp(pat, "extra"))
		return len > 6 && !memcmp(name, "extra.", 6);
	if (pl >= 2 && pat[pl - 1] == '*' && pat[pl - 2] == '.')
		return len >= pl - 1 && !memcmp(name, pat, pl - 1);
	return pl == len && !memcmp(name, pat, len);
}

static int is_extra_pattern(const char *pat)
{
	return !strcmp(pat, "*") || !strcmp(pat, "extra") || !strncmp(pat, "extra.", 6);
}

/* Split a comma list into trimmed owned strings.  V_OK, V_ERR_LIMIT or V_ERR_NOMEM. */
static int split_list(const char *s, char **out, size_t *n)
{
	*n = 0;
	while (s && *s) {
		const char *comma = strchr(s, ',');
		const char *e = comma ? comma : s + strlen(s);
		const char *b = s;
		while (b < e && (*b == ' ' || *b == '\t'))
			b++;
		while (e > b && (e[-1] == ' ' || e[-1] == '\t'))
			e--;
		if (e > b) {
			if (*n >= FP_MAX_PATTERNS)
				return V_ERR_LIMIT;
			out[*n] = strndup(b, (size_t)(e - b));
			if (!out[*n])
				return V_ERR_NOMEM;
			(*n)++;
		}
		s = comma ? comma + 1 : NULL;
	}
	return V_OK;
}

static int check_names(char *const *pats, size_t n, struct verr *err)
{
	for (size_t i = 0; i < n; i++) {
		const char *p = pats[i];
		size_t l = strlen(p);
		if (is_extra_pattern(p) || (l >= 2 && p[l - 1] == '*' && p[l - 2] == '.'))
			continue;
		int f = schema_lookup(p, l);
		if (f < 0)
			return verr_set(err, V_ERR_USAGE, p, "%s",
					_("unknown field in dedup settings"));
	}
	return V_OK;
}

static int any_match(char *const *pats, size_t n, const char *name, size_t len)
{
	for (size_t i = 0; i < n; i++)
		if (pattern_match(pats[i], name, len))
			return 1;
	return 0;
}

int fingerprint_init(struct fingerprint *fp, const char *fields, const char *exclude,
		     struct verr *err)
{
	char *inc[FP_MAX_PATTERNS], *exc[FP_MAX_PATTERNS];
	size_t ninc = 0, nexc = 0;
	int rc, all = !fields || !*fields, inc_all_extras, exc_all_extras, specific = 0;

	memset(fp, 0, sizeof(*fp));
	buf_init(&fp->scratch, 0);
	if ((rc = split_list(fields, inc, &ninc)) != V_OK ||
	    (rc = split_list(exclude, exc, &nexc)) != V_OK) {
		verr_set(err, rc, "dedup.fields", "%s", _("too many dedup field patterns"));
		goto out;
	}
	if ((rc = check_names(inc, ninc, err)) != V_OK ||
	    (rc = check_names(exc, nexc, err)) != V_OK)
		goto out;
	for (int f = 0; f < F__COUNT; f++) {
		const char *name = schema_fields[f].name;
		size_t len = strlen(name);
		if (f == F_EXTRA)
			continue;
		fp->on[f] = (all || any_match(inc, ninc, name, len)) &&
			    !any_match(exc, nexc, name, len);
	}
	/* extras: all, none, or decided per key by the patterns that name extra keys */
	inc_all_extras = all || any_match(inc, ninc, "extra.*", 7);
	exc_all_extras = any_match(exc, nexc, "extra.*", 7);
	for (size_t i = 0; i < ninc + nexc; i++) {
		const char *p = i < ninc ? inc[i] : exc[i - ninc];
		if (!strncmp(p, "extra.", 6) && strcmp(p, "extra.*"))
			specific = 1;
	}
	if (exc_all_extras)
		fp->extras = 0;
	else if (!specific)
		fp->extras = inc_all_extras;
	else {
		fp->extras = 2;
		if (inc_all_extras) {
			if (!(fp->inc[0] = strdup("*"))) {
				rc = V_ERR_NOMEM;
				goto out;
			}
			fp->ninc = 1;
		} else {
			for (size_t i = 0; i < ninc; i++)
				if (!strncmp(inc[i], "extra.", 6))
					fp->inc[fp->ninc++] = inc[i], inc[i] = NULL;
		}
		for (size_t i = 0; i < nexc; i++)
			if (!strncmp(exc[i], "extra.", 6))
				fp->exc[fp->nexc++] = exc[i], exc[i] = NULL;
	}
	rc = V_OK;
out:
	for (size_t i = 0; i < ninc; i++)
		free(inc[i]);
	for (size_t i = 0; i < nexc; i++)
		free(exc[i]);
	return rc;
}

void fingerprint_fini(struct fingerprint *fp)
{
	if (!fp)
		return;
	for (size_t i = 0; i < fp->ninc; i++)
		free(fp->inc[i]);
	for (size_t i = 0; i < fp->nexc; i++)
		free(fp->exc[i]);
	buf_fini(&fp->scratch);
	memset(fp, 0, sizeof(*fp));
}

static void put_pair(struct buf *b, const char *prefix, size_t plen, const char *name,
		     size_t nlen, unsigned kind, const char *val, size_t vlen)
{
	unsigned char hdr[5];

	buf_append(b, prefix, plen);
	buf_append(b, name, nlen);
	hdr[0] = 0;
	buf_append(b, hdr, 1);
	hdr[0] = (unsigned char)kind;
	hdr[1] = (unsigned char)(vlen & 0xff);
	hdr[2] = (unsigned char)((vlen >> 8) & 0xff);
	hdr[3] = (unsigned char)((vlen >> 16) & 0xff);
	hdr[4] = (unsigned char)((vlen >> 24) & 0xff);
	buf_append(b, hdr, 5);
	buf_append(b, val, vlen);
}

static int cmp_extra(const void *a, const void *b, void *arg)
{
	const struct event *ev = arg;
	const struct event_value *x = &ev->v[*(const uint16_t *)a];
	const struct event_value *y = &ev->v[*(const uint16_t *)b];
	size_t n = x->key_len < y->key_len ? x->key_len : y->key_len;
	int c = memcmp(ev->data.data + x->key_off, ev->data.data + y->key_off, n);

	if (c)
		return c;
	return x->key_len < y->key_len ? -1 : x->key_len > y->key_len;
}

static int extra_wanted(const struct fingerprint *fp, const struct event *ev,
			const struct event_value *v)
{
	char name[256];
	size_t len = 6 + v->key_len;

	if (fp->extras != 2)
		return fp->extras;
	if (len >= sizeof(name))
		len = sizeof(name) - 1;
	memcpy(name, "extra.", 6);
	memcpy(name + 6, ev->data.data + v->key_off, len - 6);
	name[len] = 0;
	return any_match(fp->inc, fp->ninc, name, len) &&
	       !any_match(fp->exc, fp->nexc, name, len);
}

uint64_t fingerprint_event(struct fingerprint *fp, const struct event *ev)
{
	unsigned char out[crypto_shorthash_BYTES];
	uint16_t extras[EVENT_MAX_VALUES];
	size_t nextra = 0;
	uint64_t h = 0;
	struct buf *b = &fp->scratch;

	buf_reset(b);
	for (int f = 0; f < F__COUNT; f++) {
		if (!fp->on[f] || ev->slot[f] < 0)
			continue;
		const struct event_value *v = &ev->v[ev->slot[f]];
		const char *name = schema_fields[f].name;
		put_pair(b, "", 0, name, strlen(name), v->kind, ev->data.data + v->off, v->len);
	}
	if (fp->extras) {
		for (size_t i = 0; i < ev->n; i++)
			if (ev->v[i].field == F_EXTRA_KEY && !ev->v[i].dead &&
			    extra_wanted(fp, ev, &ev->v[i]))
				extras[nextra++] = (uint16_t)i;
		if (nextra > 1)
			qsort_r(extras, nextra, sizeof(extras[0]), cmp_extra, (void *)ev);
		for (size_t i = 0; i < nextra; i++) {
			const struct event_value *v = &ev->v[extras[i]];
			put_pair(b, "extra.", 6, ev->data.data + v->key_off, v->key_len, v->kind,
				 ev->data.data + v->off, v->len);
		}
	}
	crypto_shorthash(out, (const unsigned char *)(b->data ? b->data : ""), b->len, fp_key);
	for (int i = 7; i >= 0; i--)
		h = (h << 8) | out[i];
	return h ? h : 1;
}
