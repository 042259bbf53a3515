/*
 * view.c — the format-neutral export view (view.h): incidents, their events and indicators
 * from the store, each one past the sharing policy.
 */
#include <ctype.h>
#include <pthread.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <sodium.h>
#include <openssl/evp.h>

#include "base/conf.h"
#include "base/i18n.h"
#include "base/utf8.h"
#include "share/view.h"
#include "store/store.h"

static const char *const kind_names[SK__COUNT] = { "ipv4", "ipv6", "domain", "url", "md5",
						   "sha1", "sha256", "email" };

const char *share_ind_kind_name(enum share_ind_kind k)
{
	return (unsigned)k < SK__COUNT ? kind_names[k] : "?";
}

/* SHA-256 through OpenSSL, its implementation fetched once: two and a half times faster than
 * libsodium's for the short inputs of share_uuid(), which runs three times per indicator of a
 * STIX export.  NULL when the fetch failed: libsodium then. */
static EVP_MD *uuid_md;
static pthread_once_t uuid_md_once = PTHREAD_ONCE_INIT;

static void uuid_md_fetch(void)
{
	uuid_md = EVP_MD_fetch(NULL, "SHA256", NULL);
}

void share_uuid(char out[37], const char *a, const char *b, const char *c)
{
	static const char hex[] = "0123456789abcdef";
	const char *parts[3] = { a, b, c };
	unsigned char msg[1024], h[EVP_MAX_MD_SIZE];
	unsigned int hlen = 0;
	size_t n = 0;
	int o = 0;

	/* the parts length-prefixed, so ("ab", "c") and ("a", "bc") differ */
	for (int i = 0; i < 3 && n != SIZE_MAX; i++) {
		const char *p = parts[i] ? parts[i] : "";
		size_t len = strlen(p);
		if (len > sizeof(msg) - 8 - n) {
			n = SIZE_MAX; /* too long for msg: libsodium streams it */
			break;
		}
		for (int k = 0; k < 8; k++)
			msg[n + (size_t)k] = (unsigned char)((uint64_t)len >> (8 * k));
		memcpy(msg + n + 8, p, len);
		n += 8 + len;
	}
	pthread_once(&uuid_md_once, uuid_md_fetch);
	if (n == SIZE_MAX || !uuid_md || EVP_Digest(msg, n, h, &hlen, uuid_md, NULL) != 1) {
		crypto_hash_sha256_state s;
		crypto_hash_sha256_init(&s);
		for (int i = 0; i < 3; i++) {
			const char *p = parts[i] ? parts[i] : "";
			unsigned char len[8];
			size_t pn = strlen(p);
			for (int k = 0; k < 8; k++)
				len[k] = (unsigned char)((uint64_t)pn >> (8 * k));
			crypto_hash_sha256_update(&s, len, sizeof(len));
			crypto_hash_sha256_update(&s, (const unsigned char *)p, pn);
		}
		crypto_hash_sha256_final(&s, h);
	}
	h[6] = (unsigned char)((h[6] & 0x0f) | 0x40); /* version 4 layout */
	h[8] = (unsigned char)((h[8] & 0x3f) | 0x80); /* RFC 4122 variant */
	for (int i = 0; i < 16; i++) {
		if (i == 4 || i == 6 || i == 8 || i == 10)
			out[o++] = '-';
		out[o++] = hex[h[i] >> 4];
		out[o++] = hex[h[i] & 15];
	}
	out[o] = 0;
}

static int all_hex(const char *v, size_t n)
{
	if (strlen(v) != n)
		return 0;
	for (size_t i = 0; i < n; i++)
		if (!isxdigit((unsigned char)v[i]))
			return 0;
	return 1;
}

int share_kind_of_field(const char *field, const char *value)
{
	const char *dot = strchr(field, '.');

	if (!value || !*value)
		return -1;
	if (!strncmp(field, "source.", 7) || !strncmp(field, "destination.", 12)) {
		const char *f = dot + 1;
		if (!strcmp(f, "ip"))
			return strchr(value, ':') ? SK_IPV6 : SK_IPV4;
		if (!strcmp(f, "fqdn"))
			return SK_DOMAIN;
		if (!strcmp(f, "url"))
			return SK_URL;
		if (!strcmp(f, "account"))
			return strchr(value, '@') ? SK_EMAIL : -1;
		return -1;
	}
	if (!strcmp(field, "malware.hash.md5"))
		return all_hex(value, 32) ? SK_MD5 : -1;
	if (!strcmp(field, "malware.hash.sha1"))
		return all_hex(value, 40) ? SK_SHA1 : -1;
	if (!strcmp(field, "malware.hash.sha256"))
		return all_hex(value, 64) ? SK_SHA256 : -1;
	return -1;
}

/* The correlation's kind name for a view kind (store indicators). */
static const char *store_kind(enum share_ind_kind k)
{
	switch (k) {
	case SK_IPV4:
	case SK_IPV6: return "ip";
	case SK_EMAIL: return "email";
	default: return kind_names[k];
	}
}

/* ---- a stored event's few members, read from its text ---------------------------------------- */

/*
 * Of each stored event the view needs its markings (tlp, extra.pap), its class
 * (classification.type and .taxonomy) and the members that can be indicators (source.*,
 * destination.*, malware.hash.*), in the event's order.  Parsing every event into a jansson
 * tree for those was two thirds of an export (docs/benchmarks.md, issue 7); lite_scan() reads
 * the text once instead: it copies it and cuts the wanted strings out in place.  It gives up
 * (-1) on whatever it would not read exactly as jansson does — a backslash escape, a control
 * character, invalid UTF-8, a wanted member twice, a number jansson might refuse, deep
 * nesting, broken text — and the event is then parsed by jansson as before, so the view is
 * the same either way and a broken event is reported the same way.
 */
#define LITE_MAX 128 /* wanted members of one event; more: jansson reads it */

struct lite_member {
	const char *key;
	const char *value;     /* NULL: the member is not a string */
};

struct lite_event {
	char *text;            /* owned: the event's text, wanted strings NUL-terminated in place */
	size_t cap;
	struct lite_member m[LITE_MAX]; /* the wanted members, in the event's order */
	size_t n;
	const char *tlp, *taxonomy, *type, *pap; /* into text, or NULL */
};

enum { LW_NO, LW_FIELD, LW_TLP, LW_TAXONOMY, LW_TYPE, LW_PAP };

static int lite_wanted(const char *key)
{
	if (!strncmp(key, "source.", 7) || !strncmp(key, "destination.", 12) ||
	    !strncmp(key, "malware.hash.", 13))
		return LW_FIELD;
	if (!strcmp(key, "tlp"))
		return LW_TLP;
	if (!strcmp(key, "classification.taxonomy"))
		return LW_TAXONOMY;
	if (!strcmp(key, "classification.type"))
		return LW_TYPE;
	if (!strcmp(key, "extra.pap"))
		return LW_PAP;
	return LW_NO;
}

static char *lite_ws(char *p)
{
	while (*p == ' ' || *p == '\t' || *p == '\n' || *p == '\r')
		p++;
	return p;
}

/* The closing quote of the string opening at p, or NULL (an escape, a control character, the
 * end of the text: left to jansson).  Eight bytes at a time up to end (the text's NUL): a
 * stored event is mostly its raw, one long base64 string. */
static char *lite_str(char *p, const char *end)
{
	const uint64_t ones = 0x0101010101010101ULL, high = 0x8080808080808080ULL;

	for (p++; end - p >= 8; p += 8) {
		uint64_t x, q, e;
		memcpy(&x, p, 8);
		q = x ^ (ones * '"');
		e = x ^ (ones * '\\');
		if ((((q - ones) & ~q) | ((e - ones) & ~e) | ((x - ones * 0x20) & ~x)) & high)
			break;
	}
	for (;; p++) {
		unsigned char c = (unsigned char)*p;
		if (c == '"')
			return p;
		if (c == '\\' || c < 0x20)
			return NULL;
	}
}

static int lite_digit(char c)
{
	return c >= '0' && c <= '9';
}

/* Past a JSON number at p, or NULL (not one, or long enough that jansson might refuse it). */
static char *lite_num(char *p)
{
	char *s = p;

	if (*p == '-')
		p++;
	if (*p == '0')
		p++;
	else if (*p >= '1' && *p <= '9')
		while (lite_digit(*p))
			p++;
	else
		return NULL;
	if (*p == '.') {
		if (!lite_digit(*++p))
			return NULL;
		while (lite_digit(*p))
			p++;
	}
	if (*p == 'e' || *p == 'E') {
		p++;
		if (*p == '+' || *p == '-')
			p++;
		if (!lite_digit(*p))
			return NULL;
		while (lite_digit(*p))
			p++;
	}
	return p - s > 15 ? NULL : p;
}

/* Past the value at p (whitespace before it skipped), or NULL. */
static char *lite_skip(char *p, const char *end, int depth)
{
	char close;

	p = lite_ws(p);
	switch (*p) {
	case '"':
		return (p = lite_str(p, end)) ? p + 1 : NULL;
	case 't':
		return strncmp(p, "true", 4) ? NULL : p + 4;
	case 'f':
		return strncmp(p, "false", 5) ? NULL : p + 5;
	case 'n':
		return strncmp(p, "null", 4) ? NULL : p + 4;
	case '{':
	case '[':
		break;
	default:
		return lite_num(p);
	}
	if (depth > 32)
		return NULL;
	close = *p == '{' ? '}' : ']';
	p = lite_ws(p + 1);
	if (*p == close)
		return p + 1;
	for (;;) {
		if (close == '}') {
			if (*p != '"' || !(p = lite_str(p, end)))
				return NULL;
			p = lite_ws(p + 1);
			if (*p++ != ':')
				return NULL;
		}
		if (!(p = lite_skip(p, end, depth + 1)))
			return NULL;
		p = lite_ws(p);
		if (*p == close)
			return p + 1;
		if (*p++ != ',')
			return NULL;
		p = lite_ws(p);
	}
}

/* Read json's wanted members into le.  0, or -1: parse it with jansson. */
static int lite_scan(struct lite_event *le, const char *json)
{
	size_t len = strlen(json);
	char *p;
	const char *stop;

	le->n = 0;
	le->tlp = le->taxonomy = le->type = le->pap = NULL;
	if (!utf8_valid(json, len, NULL))
		return -1;
	if (len >= le->cap) {
		size_t nc = len + 1 > 2 * le->cap ? len + 1 : 2 * le->cap;
		char *nt = realloc(le->text, nc);
		if (!nt)
			return -1;
		le->text = nt;
		le->cap = nc;
	}
	memcpy(le->text, json, len + 1);
	stop = le->text + len;
	p = lite_ws(le->text);
	if (*p++ != '{')
		return -1;
	p = lite_ws(p);
	if (*p != '}') {
		for (;;) {
			char *key, *end;
			int w;
			if (*p != '"' || !(end = lite_str(p, stop)))
				return -1;
			key = p + 1;
			*end = 0;
			p = lite_ws(end + 1);
			if (*p++ != ':')
				return -1;
			p = lite_ws(p);
			if ((w = lite_wanted(key)) == LW_NO) {
				if (!(p = lite_skip(p, stop, 1)))
					return -1;
			} else {
				const char *value = NULL;
				if (le->n == LITE_MAX)
					return -1;
				for (size_t i = 0; i < le->n; i++)
					if (!strcmp(le->m[i].key, key))
						return -1; /* twice: jansson keeps the last */
				if (*p == '"') {
					if (!(end = lite_str(p, stop)))
						return -1;
					value = p + 1;
					*end = 0;
					p = end + 1;
				} else if (!(p = lite_skip(p, stop, 1))) {
					return -1;
				}
				le->m[le->n].key = key;
				le->m[le->n++].value = value;
				if (w == LW_TLP)
					le->tlp = value;
				else if (w == LW_TAXONOMY)
					le->taxonomy = value;
				else if (w == LW_TYPE)
					le->type = value;
				else if (w == LW_PAP)
					le->pap = value;
			}
			p = lite_ws(p);
			if (*p == '}')
				break;
			if (*p++ != ',')
				return -1;
			p = lite_ws(p);
		}
	}
	p = lite_ws(p + 1);
	return *p ? -1 : 0;
}

static const char *lite_get(const struct lite_event *le, const char *key)
{
	for (size_t i = 0; i < le->n; i++)
		if (!strcmp(le->m[i].key, key))
			return le->m[i].value;
	return NULL;
}

/* ---- building --------------------------------------------------------------------------------- */

/*
 * The view's indicators by (incident index, kind, value): an open-addressing table of indexes
 * into view->indicators, which hold the keys, so nothing is copied.  It was a jansson object
 * keyed by "<incident> <kind> <value>" (a formatted key, a key copy and a json_integer per
 * indicator: about 5,000 instructions an indicator of an export).  The hash is SipHash-2-4
 * (libsodium's crypto_shorthash) under a key drawn per map, so values a partner chose cannot
 * be made to collide.
 */
struct ind_map {
	size_t *slot;          /* owned: index + 1 into view->indicators, 0 empty */
	size_t cap, n;         /* cap: a power of two */
	unsigned char key[crypto_shorthash_KEYBYTES];
};

static uint64_t ind_hash(const struct ind_map *m, size_t incident, enum share_ind_kind k,
			 const char *value, size_t n)
{
	unsigned char h[crypto_shorthash_BYTES];
	uint64_t x = 0;

	crypto_shorthash(h, (const unsigned char *)value, n, m->key);
	for (int i = 0; i < 8; i++)
		x |= (uint64_t)h[i] << (8 * i);
	return x ^ (((uint64_t)incident << 4 | (uint64_t)k) * 0x9e3779b97f4a7c15ULL);
}

/* The index of (incident, k, value) in inds, or SIZE_MAX (*at: its empty slot). */
static size_t ind_find(const struct ind_map *m, const struct share_indicator *inds,
		       size_t incident, enum share_ind_kind k, const char *value, size_t n,
		       size_t *at)
{
	size_t mask = m->cap - 1, i = (size_t)ind_hash(m, incident, k, value, n) & mask;

	for (; m->slot[i]; i = (i + 1) & mask) {
		const struct share_indicator *ind = &inds[m->slot[i] - 1];
		if (ind->incident == incident && ind->kind == k && !strcmp(ind->value, value))
			return m->slot[i] - 1;
	}
	*at = i;
	return SIZE_MAX;
}

/* Room for one more (the table at most half full).  V_OK or V_ERR_NOMEM. */
static int ind_map_room(struct ind_map *m, const struct share_indicator *inds)
{
	size_t ncap, *ns;

	if (m->cap && (m->n + 1) * 2 <= m->cap)
		return V_OK;
	ncap = m->cap ? m->cap * 2 : 1024;
	if (!(ns = calloc(ncap, sizeof(*ns))))
		return V_ERR_NOMEM;
	for (size_t j = 0; j < m->cap; j++) {
		const struct share_indicator *ind;
		size_t i;
		if (!m->slot[j])
			continue;
		ind = &inds[m->slot[j] - 1];
		i = (size_t)ind_hash(m, ind->incident, ind->kind, ind->value,
				     strlen(ind->value)) & (ncap - 1);
		while (ns[i])
			i = (i + 1) & (ncap - 1);
		ns[i] = m->slot[j];
	}
	free(m->slot);
	m->slot = ns;
	m->cap = ncap;
	return V_OK;
}

struct builder {
	struct store *st;
	const struct share_view_options *o;
	struct share_view *v;
	size_t cap_inc, cap_ind;
	struct ind_map seen;   /* (incident index, kind, value) -> index into indicators */
	json_t *common;        /* "<store kind> <value>" of the current incident's common values */
	struct share_incident *cur;
	size_t cur_index;
	int cur_marked;        /* the current incident has a TLP of its own */
	int cur_max;           /* unmarked incident: the strictest TLP of its events sent, or -1 */
	int cur_pap;           /* the strictest PAP among its events (extra.pap), or -1 */
	json_t *victims;       /* pseudonymised: victim value -> its pseudonym (the title) */
	struct lite_event *le; /* the stored event being read from its text (lite_scan) */
	struct verr *err;
	int rc;
};

static void view_reason(struct share_view *v, const char *why)
{
	if (!v->first_reason[0])
		snprintf(v->first_reason, sizeof(v->first_reason), "%s", why);
}

static int nomem(struct builder *b)
{
	return b->rc = verr_set(b->err, V_ERR_NOMEM, "", "%s", vres_str(V_ERR_NOMEM));
}

static int add_indicator(struct builder *b, enum share_ind_kind k, const char *value,
			 enum tlp t, int64_t seen, char side)
{
	char key[600];
	char low[520];
	struct share_indicator *ind;
	size_t n = strlen(value), at = 0, have;
	const char *sk;
	size_t skn;

	if (n >= sizeof(low))
		return V_OK; /* longer than any indicator a partner's tools would take */
	for (size_t i = 0; i <= n; i++)
		low[i] = (k >= SK_MD5 && k <= SK_SHA256) ? (char)tolower((unsigned char)value[i])
							 : value[i];
	if (json_object_size(b->common)) { /* "<store kind> <value>", as common_cb keys them */
		sk = store_kind(k);
		skn = strlen(sk);
		memcpy(key, sk, skn);
		key[skn] = ' ';
		memcpy(key + skn + 1, low, n + 1);
		if (json_object_get(b->common, key))
			return V_OK;
	}
	if (ind_map_room(&b->seen, b->v->indicators) != V_OK)
		return nomem(b);
	have = ind_find(&b->seen, b->v->indicators, b->cur_index, k, low, n, &at);
	if (have != SIZE_MAX) {
		ind = &b->v->indicators[have];
		if (t > ind->tlp)
			ind->tlp = t;
		if (seen && (!ind->first_seen || seen < ind->first_seen))
			ind->first_seen = seen;
		if (seen > ind->last_seen)
			ind->last_seen = seen;
		return V_OK;
	}
	if (b->v->nindicators == b->cap_ind) {
		size_t nc = b->cap_ind ? b->cap_ind * 2 : 64;
		struct share_indicator *ni = realloc(b->v->indicators, nc * sizeof(*ni));
		if (!ni)
			return nomem(b);
		b->v->indicators = ni;
		b->cap_ind = nc;
	}
	ind = &b->v->indicators[b->v->nindicators];
	memset(ind, 0, sizeof(*ind));
	if (!(ind->value = strdup(low)))
		return nomem(b);
	ind->kind = k;
	ind->tlp = t;
	ind->incident = b->cur_index;
	ind->first_seen = ind->last_seen = seen;
	ind->side = side;
	b->seen.slot[at] = ++b->v->nindicators;
	b->seen.n++;
	b->cur->nindicators++;
	return V_OK;
}

static int common_cb(void *arg, const struct store_indicator *ind)
{
	struct builder *b = arg;
	char key[600];

	if (!ind->common)
		return 0;
	snprintf(key, sizeof(key), "%s %s", ind->kind, ind->value);
	return json_object_set_new(b->common, key, json_true()) ? nomem(b) : 0;
}

/* A member's string value, from a tree or from lite_scan(): NULL when absent or not a string. */
typedef const char *(*member_fn)(const void *src, const char *key);

static const char *tree_member(const void *src, const char *key)
{
	return json_string_value(json_object_get(src, key));
}

static const char *lite_member(const void *src, const char *key)
{
	return lite_get(src, key);
}

/* Before the victim side of an event goes: remember its values and their pseudonyms, so that
 * the incident's title (made from the same values by the aggregation rule) can be scrubbed. */
static int remember_victims(struct builder *b, member_fn get, const void *src)
{
	static const char *const fields[] = { "ip", "network", "fqdn", "reverse_dns", "url",
					      "account", NULL };
	const char *type = get(src, "classification.type");
	const char *tax = get(src, "classification.taxonomy");
	const char *side = policy_victim_side(type, tax) == 's' ? "source" : "destination";
	char key[64], pseudo[POLICY_PSEUDONYM_LEN + 1];

	for (int i = 0; fields[i]; i++) {
		const char *v;
		snprintf(key, sizeof(key), "%s.%s", side, fields[i]);
		if (!(v = get(src, key)) || strlen(v) < 3)
			continue;
		policy_pseudonym(b->o->recipient, v, strlen(v), pseudo);
		if (json_object_set_new(b->victims, v, json_string(pseudo)))
			return V_ERR_NOMEM;
	}
	return V_OK;
}

/* title with every remembered victim value replaced by its pseudonym.  OUT: new string. */
static char *scrub(const char *title, json_t *victims)
{
	struct buf out;
	const char *k;
	json_t *val;
	char *t = strdup(title);

	json_object_foreach(victims, k, val) {
		const char *hit, *p = t;
		if (!t || !strstr(t, k))
			continue;
		buf_init(&out, 0);
		while ((hit = strstr(p, k))) {
			buf_append(&out, p, (size_t)(hit - p));
			buf_puts(&out, json_string_value(val));
			p = hit + strlen(k);
		}
		buf_puts(&out, p);
		free(t);
		t = strdup(buf_cstr(&out));
		buf_fini(&out);
	}
	return t;
}

/* The policy's verdict on an event of the current incident: an event takes the strictest of its
 * own marking and its incident's; unmarked both, the policy's default applies. */
static void event_verdict(struct builder *b, const char *tlp, const char *taxonomy,
			  struct policy_verdict *pv)
{
	struct share_incident *inc = b->cur;
	struct policy_object po = { 0 };
	enum tlp et;

	po.has_tlp = b->cur_marked;
	po.tlp = b->cur_marked ? inc->tlp : TLP_CLEAR;
	if (policy_tlp_parse(tlp, &et, NULL) == V_OK && (!po.has_tlp || et > po.tlp)) {
		po.has_tlp = 1;
		po.tlp = et;
	}
	po.taxonomy = taxonomy ? taxonomy : inc->taxonomy;
	po.organisation = inc->organisation;
	policy_decide(b->o->recipient, &po, b->o->default_tlp, pv);
}

static void event_pap(struct builder *b, const char *pap)
{
	enum pap ep;

	if (pap && policy_pap_parse(pap, &ep, NULL) == V_OK && (int)ep > b->cur_pap)
		b->cur_pap = (int)ep;
}

static char field_side(const char *key)
{
	if (!strncmp(key, "source.", 7))
		return 's';
	if (!strncmp(key, "destination.", 12))
		return 'd';
	return 0;
}

/* An event read by lite_scan() (b->le): the same as tree_event() for a view without events. */
static int lite_event(struct builder *b, const struct store_event_row *row)
{
	const struct lite_event *le = b->le;
	struct policy_verdict pv;

	event_verdict(b, le->tlp, le->taxonomy, &pv);
	if (pv.form == PF_WITHHOLD) {
		b->v->withheld_events++;
		view_reason(b->v, pv.reason);
		return 0;
	}
	event_pap(b, le->pap);
	if (pv.form == PF_PSEUDONYMISED) {
		if (remember_victims(b, lite_member, le) != V_OK)
			return nomem(b);
		b->v->pseudonymised_events++;
	}
	if ((int)pv.tlp > b->cur_max)
		b->cur_max = (int)pv.tlp;
	b->cur->nevents++;
	for (size_t i = 0; i < le->n; i++) {
		const struct lite_member *m = &le->m[i];
		int k;
		/* what policy_apply_event() would have taken out does not go */
		if (!m->value || !policy_event_keeps(b->o->recipient, &pv, le->type, le->taxonomy,
						     m->key))
			continue;
		k = share_kind_of_field(m->key, m->value);
		if (k >= 0 && add_indicator(b, (enum share_ind_kind)k, m->value, pv.tlp,
					    row->last_seen, field_side(m->key)) != V_OK)
			break;
	}
	return b->rc;
}

/* An event parsed by jansson: kept in the view when it asks for events, and whatever
 * lite_scan() leaves to jansson. */
static int tree_event(struct builder *b, const struct store_event_row *row)
{
	struct share_incident *inc = b->cur;
	struct policy_verdict pv;
	json_error_t je;
	json_t *ev = json_loads(row->json, 0, &je);
	const char *key;
	json_t *val;
	int64_t seen = row->last_seen;

	if (!json_is_object(ev)) {
		json_decref(ev);
		return b->rc = verr_set(b->err, V_ERR_INVALID, "", _("event %lld in the store is "
								     "not a JSON object"),
					(long long)row->id);
	}
	event_verdict(b, tree_member(ev, "tlp"), tree_member(ev, "classification.taxonomy"), &pv);
	if (pv.form == PF_WITHHOLD) {
		b->v->withheld_events++;
		view_reason(b->v, pv.reason);
		json_decref(ev);
		return 0;
	}
	event_pap(b, tree_member(ev, "extra.pap"));
	if (pv.form == PF_PSEUDONYMISED && remember_victims(b, tree_member, ev) != V_OK) {
		json_decref(ev);
		return nomem(b);
	}
	if (policy_apply_event(b->o->recipient, &pv, ev, NULL) != V_OK) {
		json_decref(ev);
		return nomem(b);
	}
	if (pv.form == PF_PSEUDONYMISED)
		b->v->pseudonymised_events++;
	if ((int)pv.tlp > b->cur_max)
		b->cur_max = (int)pv.tlp;
	if (json_object_set_new(ev, "tlp", json_string(policy_tlp_name(pv.tlp))) ||
	    (inc->events && json_array_append(inc->events, ev))) {
		json_decref(ev);
		return nomem(b);
	}
	inc->nevents++;
	json_object_foreach(ev, key, val) {
		int k = json_is_string(val) ? share_kind_of_field(key, json_string_value(val)) : -1;
		if (k >= 0 && add_indicator(b, (enum share_ind_kind)k, json_string_value(val), pv.tlp,
					    seen, field_side(key)) != V_OK)
			break;
	}
	json_decref(ev);
	return b->rc;
}

static int event_cb(void *arg, const struct store_event_row *row)
{
	struct builder *b = arg;

	if (!b->o->keep_events && lite_scan(b->le, row->json) == 0)
		return lite_event(b, row);
	return tree_event(b, row);
}

static void share_incident_clear(struct share_incident *inc)
{
	free(inc->title);
	free(inc->classification_type);
	free(inc->taxonomy);
	free(inc->organisation);
	free(inc->state);
	json_decref(inc->events);
	memset(inc, 0, sizeof(*inc));
}

static const char *const state_names[] = { "new", "open", "in-progress", "waiting", "resolved",
					   "closed" };

static char *dup_or_null(const char *s, int *oom)
{
	char *d;

	if (!s)
		return NULL;
	if (!(d = strdup(s)))
		*oom = 1;
	return d;
}

static int incident_cb(void *arg, const struct store_incident *si)
{
	struct builder *b = arg;
	struct share_view *v = b->v;
	struct share_incident *inc;
	struct policy_object po = { 0 };
	struct policy_verdict pv;
	struct store_event_filter f = { 0 };
	char idtext[32];
	int oom = 0, rc;
	enum tlp t;

	if (si->merged_into)
		return 0; /* its events live on in the incident it was merged into */
	/* an incident without a TLP of its own is judged by its events' markings: here only its
	 * class and organisation are */
	b->cur_marked = si->tlp && policy_tlp_parse(si->tlp, &t, NULL) == V_OK;
	b->cur_max = -1;
	b->cur_pap = -1;
	json_object_clear(b->victims);
	po.has_tlp = 1;
	po.tlp = b->cur_marked ? t : TLP_CLEAR;
	po.taxonomy = si->taxonomy;
	po.organisation = si->organisation;
	policy_decide(b->o->recipient, &po, b->o->default_tlp, &pv);
	if (pv.form == PF_WITHHOLD) {
		v->withheld_incidents++;
		view_reason(v, pv.reason);
		return 0;
	}
	if (v->nincidents == b->cap_inc) {
		size_t nc = b->cap_inc ? b->cap_inc * 2 : 16;
		struct share_incident *ni = realloc(v->incidents, nc * sizeof(*ni));
		if (!ni)
			return nomem(b);
		v->incidents = ni;
		b->cap_inc = nc;
	}
	inc = &v->incidents[v->nincidents];
	memset(inc, 0, sizeof(*inc));
	v->nincidents++;
	inc->id = si->id;
	snprintf(idtext, sizeof(idtext), "%lld", (long long)si->id);
	share_uuid(inc->uuid, v->team, "incident", idtext);
	inc->tlp = pv.tlp;
	inc->has_pap = si->pap && policy_pap_parse(si->pap, &inc->pap, NULL) == V_OK;
	inc->title = dup_or_null(si->title, &oom);
	inc->classification_type = dup_or_null(si->classification_type, &oom);
	inc->taxonomy = dup_or_null(si->taxonomy, &oom);
	inc->organisation = dup_or_null(si->organisation, &oom);
	inc->state = dup_or_null((unsigned)si->state < 6 ? state_names[si->state] : NULL, &oom);
	inc->first_seen = si->first_seen;
	inc->priority = si->priority;
	inc->last_seen = si->last_seen;
	inc->created = si->created;
	inc->updated = si->updated;
	if (oom || (b->o->keep_events && !(inc->events = json_array())))
		return nomem(b);
	b->cur = inc;
	b->cur_index = v->nincidents - 1;
	json_object_clear(b->common);
	if ((rc = store_indicators_list(b->st, si->id, common_cb, b, b->err)) != V_OK)
		return b->rc ? b->rc : (b->rc = rc);
	f.incident = si->id;
	f.limit = b->o->max_events > 0 ? b->o->max_events : -1;
	if ((rc = store_events_query(b->st, &f, event_cb, b, b->err)) != V_OK)
		return b->rc ? b->rc : (b->rc = rc);
	if (json_object_size(b->victims) && inc->title) {
		char *nt = scrub(inc->title, b->victims);
		if (!nt)
			return nomem(b);
		free(inc->title);
		inc->title = nt;
	}
	if (!inc->has_pap && b->cur_pap >= 0) {
		inc->has_pap = 1;
		inc->pap = (enum pap)b->cur_pap;
	}
	if (!b->cur_marked) {
		if (b->cur_max < 0) {
			/* nothing of it may go: the incident stays home as well */
			share_incident_clear(inc);
			v->nincidents--;
			v->withheld_incidents++;
			return 0;
		}
		inc->tlp = (enum tlp)b->cur_max;
	}
	return 0;
}

int share_view_build(struct store *st, const struct share_view_options *o,
		     struct share_view **out, struct verr *err)
{
	struct builder b = { 0 };
	struct share_view *v;
	const char *team = o->team ? o->team : conf_get("share.team_name");
	int rc = V_OK;

	*out = NULL;
	if (!team || !*team)
		team = "vigia";
	if (!(v = calloc(1, sizeof(*v))) || !(v->team = strdup(team)) ||
	    (o->recipient->name && !(v->recipient = strdup(o->recipient->name))) ||
	    (o->recipient->identity && !(v->recipient_identity = strdup(o->recipient->identity)))) {
		share_view_free(v);
		return verr_set(err, V_ERR_NOMEM, "", "%s", vres_str(V_ERR_NOMEM));
	}
	memcpy(v->team_identity, "identity--", 10);
	share_uuid(v->team_identity + 10, team, "identity", NULL);
	v->created = o->now ? o->now : (int64_t)time(NULL);
	b.st = st;
	b.o = o;
	b.v = v;
	b.err = err;
	if (sodium_init() < 0) { /* the map's key comes from its random generator */
		rc = verr_set(err, V_ERR_NOMEM, "", "%s", vres_str(V_ERR_NOMEM));
		goto out;
	}
	crypto_shorthash_keygen(b.seen.key);
	b.common = json_object();
	b.victims = json_object();
	b.le = calloc(1, sizeof(*b.le));
	if (!b.common || !b.victims || !b.le) {
		rc = verr_set(err, V_ERR_NOMEM, "", "%s", vres_str(V_ERR_NOMEM));
		goto out;
	}
	if (o->incidents) {
		for (size_t i = 0; i < o->nincidents && rc == V_OK; i++) {
			struct store_incident si;
			if ((rc = store_incident_get(st, o->incidents[i], &si, err)) != V_OK)
				break;
			rc = incident_cb(&b, &si) ? b.rc : V_OK;
			store_incident_free(&si);
		}
	} else {
		struct store_incident_filter f = { .state = -1, .limit = -1 };
		f.open_only = o->open_only;
		rc = store_incidents_query(st, &f, incident_cb, &b, err);
		if (rc != V_OK && b.rc)
			rc = b.rc;
	}
out:
	free(b.seen.slot);
	json_decref(b.common);
	json_decref(b.victims);
	if (b.le)
		free(b.le->text);
	free(b.le);
	if (rc != V_OK) {
		share_view_free(v);
		return rc;
	}
	*out = v;
	return V_OK;
}

void share_view_free(struct share_view *v)
{
	if (!v)
		return;
	for (size_t i = 0; i < v->nincidents; i++)
		share_incident_clear(&v->incidents[i]);
	for (size_t i = 0; i < v->nindicators; i++)
		free(v->indicators[i].value);
	free(v->incidents);
	free(v->indicators);
	free(v->team);
	free(v->recipient);
	free(v->recipient_identity);
	free(v);
}
