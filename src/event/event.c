/*
 * event.c — the canonical event: storage, set/get, JSON in and out.
 *
 * Values live in one byte buffer per event; a fixed slot array maps schema fields to them.
 * event_clear() keeps the storage, so steady-state ingestion allocates nothing per field.
 */
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <threads.h>

#include <sodium.h>

#include "base/i18n.h"
#include "base/utf8.h"
#include "event/event.h"

const struct field_def schema_fields[F__COUNT] = {
#define FIELD(id, name, type, val, maxlen, desc) [id] = { name, type, val, maxlen, desc },
#include "event/schema.def"
#undef FIELD
};

const char *ftype_name(enum ftype t)
{
	static const char *names[] = {
		[FT_STRING] = "String", [FT_LOWER] = "LowercaseString", [FT_UPPER] = "UppercaseString",
		[FT_BOOL] = "Boolean", [FT_INT] = "Integer", [FT_FLOAT] = "Float",
		[FT_ACCURACY] = "Accuracy", [FT_ASN] = "ASN", [FT_CLASS_TYPE] = "ClassificationType",
		[FT_CLASS_TAXONOMY] = "ClassificationTaxonomy", [FT_DATETIME] = "DateTime",
		[FT_FQDN] = "FQDN", [FT_IP] = "IPAddress", [FT_NETWORK] = "IPNetwork",
		[FT_JSON] = "JSON", [FT_JSONDICT] = "JSONDict", [FT_REGISTRY] = "Registry",
		[FT_TLP] = "TLP", [FT_URL] = "URL", [FT_BASE64] = "Base64",
	};
	return (unsigned)t < sizeof(names) / sizeof(names[0]) ? names[t] : "?";
}

/* Name lengths, known at compile time. */
static const uint8_t schema_name_len[F__COUNT] = {
#define FIELD(id, name, type, val, maxlen, desc) [id] = sizeof(name) - 1,
#include "event/schema.def"
#undef FIELD
};

/*
 * Field names are looked up several times per event (every event_set), so through a small
 * open-addressed hash table, filled once on first use (call_once), instead of a
 * binary search with strncmp: that search was 8% of the URLhaus benchmark's instructions
 * (callgrind, bench/run.sh), the table lookup is one hash and one memcmp.
 */
#define SCHEMA_HASH_SIZE 512 /* a power of two, at least twice F__COUNT */
_Static_assert(2 * F__COUNT <= SCHEMA_HASH_SIZE, "SCHEMA_HASH_SIZE too small for schema.def");
static int16_t schema_hash[SCHEMA_HASH_SIZE];
static _Atomic int schema_hash_ready;
static once_flag schema_hash_once = ONCE_FLAG_INIT;

static size_t name_hash(const char *s, size_t n)
{
	uint64_t a = 0, b = 0;

	if (n >= 8) {
		memcpy(&a, s, 8);
		memcpy(&b, s + n - 8, 8);
	} else {
		for (size_t i = 0; i < n; i++)
			a = a << 8 | (unsigned char)s[i];
	}
	uint64_t h = (a * 0x9E3779B97F4A7C15ULL) ^ (b * 0xC2B2AE3D27D4EB4FULL) ^ n;
	h ^= h >> 29;
	h *= 0xBF58476D1CE4E5B9ULL;
	return (size_t)(h >> 40) & (SCHEMA_HASH_SIZE - 1);
}

static void schema_hash_fill(void)
{
	memset(schema_hash, 0xff, sizeof(schema_hash));
	for (int f = 0; f < F__COUNT; f++) {
		size_t h = name_hash(schema_fields[f].name, schema_name_len[f]);
		while (schema_hash[h] >= 0)
			h = (h + 1) & (SCHEMA_HASH_SIZE - 1);
		schema_hash[h] = (int16_t)f;
	}
	atomic_store_explicit(&schema_hash_ready, 1, memory_order_release);
}

/* memcmp(a, b, n) == 0 for short names, inline: the library call was a third of a lookup */
static int same_name(const char *a, const char *b, size_t n)
{
	size_t i = 0;

	for (; i + 8 <= n; i += 8) {
		uint64_t x, y;
		memcpy(&x, a + i, 8);
		memcpy(&y, b + i, 8);
		if (x != y)
			return 0;
	}
	for (; i < n; i++)
		if (a[i] != b[i])
			return 0;
	return 1;
}

int schema_lookup(const char *name, size_t len)
{
	if (len > 6 && !memcmp(name, "extra.", 6))
		return F_EXTRA_KEY;
	if (!atomic_load_explicit(&schema_hash_ready, memory_order_acquire))
		call_once(&schema_hash_once, schema_hash_fill);
	for (size_t h = name_hash(name, len);; h = (h + 1) & (SCHEMA_HASH_SIZE - 1)) {
		int f = schema_hash[h];
		if (f < 0)
			return -1;
		if (schema_name_len[f] == len && same_name(schema_fields[f].name, name, len))
			return f;
	}
}

struct event *event_new(void)
{
	struct event *ev = malloc(sizeof(*ev));

	if (!ev)
		return NULL;
	buf_init(&ev->data, 64u << 20);
	ev->n = 0;
	memset(ev->slot, 0xff, sizeof(ev->slot));
	memset(ev->extra_keys, 0, sizeof(ev->extra_keys));
	return ev;
}

void event_free(struct event *ev)
{
	if (!ev)
		return;
	buf_fini(&ev->data);
	free(ev);
}

void event_clear(struct event *ev)
{
	for (size_t i = 0; i < ev->n; i++)
		if (ev->v[i].field < F__COUNT)
			ev->slot[ev->v[i].field] = -1;
	ev->n = 0;
	memset(ev->extra_keys, 0, sizeof(ev->extra_keys));
	buf_reset(&ev->data);
}

int event_copy(struct event *dst, const struct event *src)
{
	int rc;

	event_clear(dst);
	rc = buf_append(&dst->data, src->data.data ? src->data.data : "", src->data.len);
	if (rc != V_OK)
		return rc;
	memcpy(dst->v, src->v, src->n * sizeof(src->v[0]));
	dst->n = src->n;
	memcpy(dst->extra_keys, src->extra_keys, sizeof(dst->extra_keys));
	for (size_t i = 0; i < src->n; i++)
		if (src->v[i].field < F__COUNT)
			dst->slot[src->v[i].field] = src->slot[src->v[i].field];
	return V_OK;
}

/* The bit of ev->extra_keys for an extra key.  Every extra key set is looked up first (is it
 * there already?): a report with 25 extra columns scanned the list 300 times per event, 4% of
 * the Shadowserver scan_ntp benchmark (bench/); most keys now skip the scan.  (With 64 bits
 * a fourth of scan_ntp's 30 keys still scanned, 3% of that benchmark: with 256 bits and a
 * multiplicative hash two do.) */
static unsigned extra_bit(const char *name, size_t len)
{
	uint64_t x = (uint64_t)len << 24;

	if (len)
		x |= (uint64_t)(unsigned char)name[0] |
		     (uint64_t)(unsigned char)name[len - 1] << 8 |
		     (uint64_t)(unsigned char)name[len / 2] << 16 |
		     (uint64_t)(unsigned char)name[len / 4] << 32;
	return (unsigned)((x * 0x9E3779B97F4A7C15ULL) >> 56);
}

/* find_extra() of a key whose extra_bit() is b */
static struct event_value *find_extra_bit(const struct event *ev, const char *name, size_t len,
					  unsigned b)
{
	if (!((ev->extra_keys[b / 64] >> (b % 64)) & 1))
		return NULL;
	for (size_t i = 0; i < ev->n; i++) {
		const struct event_value *v = &ev->v[i];
		if (v->field == F_EXTRA_KEY && !v->dead && v->key_len == len &&
		    !memcmp(ev->data.data + v->key_off, name, len))
			return (struct event_value *)v;
	}
	return NULL;
}

static struct event_value *find_extra(const struct event *ev, const char *name, size_t len)
{
	return find_extra_bit(ev, name, len, extra_bit(name, len));
}

/* Store a value (already sanitised text at data[off..off+len)). */
static int store(struct event *ev, int field, const char *key, size_t klen, size_t off,
		 size_t len, enum vkind kind, unsigned flags)
{
	struct event_value *v;
	size_t key_off = 0;
	unsigned bit = 0;

	if (field == F_EXTRA_KEY) {
		bit = extra_bit(key, klen);
		v = find_extra_bit(ev, key, klen, bit);
		if (v && !(flags & EV_OVERWRITE)) {
			ev->data.len = off;
			return V_ERR_EXISTS;
		}
		if (v)
			v->dead = 1;
		key_off = ev->data.len;
		if (buf_append(&ev->data, key, klen) != V_OK)
			return V_ERR_LIMIT;
	} else if (ev->slot[field] >= 0) {
		if (!(flags & EV_OVERWRITE)) {
			ev->data.len = off;
			return V_ERR_EXISTS;
		}
		ev->v[ev->slot[field]].dead = 1;
	}
	if (ev->n >= EVENT_MAX_VALUES) {
		ev->data.len = off;
		return V_ERR_LIMIT;
	}
	v = &ev->v[ev->n];
	v->field = (uint16_t)field;
	v->kind = (uint8_t)kind;
	v->dead = 0;
	v->off = (uint32_t)off;
	v->len = (uint32_t)len;
	v->key_off = (uint32_t)key_off;
	v->key_len = (uint32_t)klen;
	if (field != F_EXTRA_KEY)
		ev->slot[field] = (int16_t)ev->n;
	else
		ev->extra_keys[bit / 64] |= 1ULL << (bit % 64);
	ev->n++;
	return V_OK;
}

static int check_utf8(const char *val, size_t len, const char *key, struct verr *err)
{
	size_t bad;

	if (utf8_plain_ascii(val, len))
		return V_OK; /* one pass for the usual value instead of two (bench/) */
	if (!utf8_valid(val, len, &bad))
		return verr_set(err, V_ERR_INVALID, key, _("invalid UTF-8 at byte %zu"), bad);
	if (memchr(val, 0, len))
		return verr_set(err, V_ERR_INVALID, key, _("NUL byte in value"));
	return V_OK;
}

static int set_field(struct event *ev, int field, const char *key, size_t klen, const char *val,
		     size_t len, unsigned flags, struct verr *err);

int event_set(struct event *ev, const char *key, const char *val, size_t len, unsigned flags,
	      struct verr *err)
{
	size_t klen = strlen(key);
	int field = schema_lookup(key, klen), rc;

	if (field < 0)
		return verr_set(err, V_ERR_NOTFOUND, key, _("unknown field"));
	if (field == F_EXTRA) {
		json_error_t je;
		json_t *j = json_loadb(val, len, 0, &je);
		if (!j || !json_is_object(j)) {
			json_decref(j);
			return verr_set(err, V_ERR_INVALID, key, _("extra must be a JSON object"));
		}
		rc = event_set_json(ev, key, j, flags, err);
		json_decref(j);
		return rc;
	}
	return set_field(ev, field, key, klen, val, len, flags, err);
}

/* event_set() of a schema field by its id: no name to look up, for a parser that sets the
 * same fields in every event (parse_shadowserver.c: name lookups were 9% of the scan_dns
 * benchmark, bench/). */
int event_set_id(struct event *ev, int field, const char *val, size_t len, unsigned flags,
		 struct verr *err)
{
	if (field < 0 || field >= F__COUNT || field == F_EXTRA)
		return verr_set(err, V_ERR_NOTFOUND, NULL, _("unknown field"));
	return set_field(ev, field, schema_fields[field].name, schema_name_len[field], val, len,
			 flags, err);
}

/* event_set() once the key's field is known (not F_EXTRA). */
static int set_field(struct event *ev, int field, const char *key, size_t klen, const char *val,
		     size_t len, unsigned flags, struct verr *err)
{
	size_t off;
	enum vkind kind = VK_STR;
	int rc;

	if ((rc = check_utf8(val, len, key, err)) != V_OK)
		return rc;
	if (field != F_EXTRA_KEY && ev->slot[field] >= 0 && !(flags & EV_OVERWRITE))
		return verr_set(err, V_ERR_EXISTS, key, _("field already set"));
	off = ev->data.len;
	if (field == F_EXTRA_KEY) {
		/* extra values are kept as given: a JSON string */
		const char *s = val;
		size_t n = len;
		while (n && (*s == ' ' || *s == '\t' || *s == '\r' || *s == '\n')) {
			s++;
			n--;
		}
		while (n && (s[n - 1] == ' ' || s[n - 1] == '\t' || s[n - 1] == '\r' || s[n - 1] == '\n'))
			n--;
		if (n == 0)
			return V_SKIP;
		if ((rc = buf_append(&ev->data, s, n)) != V_OK)
			return verr_set(err, rc, key, _("event too large"));
		rc = store(ev, field, key + 6, klen - 6, off, n, VK_STR, flags);
		if (rc == V_ERR_EXISTS)
			return verr_set(err, rc, key, _("field already set"));
		return rc;
	}
	if (flags & EV_NOSANITIZE) {
		rc = buf_append(&ev->data, val, len);
		kind = VK_STR;
		switch (schema_fields[field].type) {
		case FT_INT: case FT_ASN: kind = VK_INT; break;
		case FT_FLOAT: case FT_ACCURACY: kind = VK_FLOAT; break;
		case FT_BOOL: kind = VK_BOOL; break;
		default: break;
		}
	} else {
		rc = value_sanitize(schema_fields[field].type, val, len, &ev->data, &kind, err);
		if (rc == V_OK && (schema_fields[field].val || schema_fields[field].maxlen))
			rc = value_check(&schema_fields[field], ev->data.data + off, ev->data.len - off, err);
	}
	if (rc != V_OK) {
		ev->data.len = off;
		if (ev->data.data)
			ev->data.data[off] = 0;
		if (err && rc == V_ERR_INVALID) {
			snprintf(err->field, sizeof(err->field), "%s", key);
		}
		return rc;
	}
	return store(ev, field, NULL, 0, off, ev->data.len - off, kind, flags);
}

/* set_literal() once the key (klen bytes) is looked up: field */
static int set_literal_field(struct event *ev, const char *key, size_t klen, int field,
			     const char *lit, size_t n, enum vkind kind, enum ftype need,
			     unsigned flags, struct verr *err)
{
	size_t off = ev->data.len;

	if (field < 0)
		return verr_set(err, V_ERR_NOTFOUND, key, _("unknown field"));
	if (field != F_EXTRA_KEY) {
		enum ftype t = schema_fields[field].type;
		if (t != need && !(need == FT_INT && t == FT_ASN) &&
		    !(need == FT_FLOAT && t == FT_ACCURACY))
			return event_set(ev, key, lit, n, flags, err); /* sanitise as text */
		if (ev->slot[field] >= 0 && !(flags & EV_OVERWRITE))
			return verr_set(err, V_ERR_EXISTS, key, _("field already set"));
	}
	if (field != F_EXTRA_KEY && schema_fields[field].val &&
	    value_check(&schema_fields[field], lit, n, err) != V_OK) {
		snprintf(err ? err->field : (char[1]){ 0 }, err ? sizeof(err->field) : 1, "%s", key);
		return V_ERR_INVALID;
	}
	if (buf_append(&ev->data, lit, n) != V_OK)
		return verr_set(err, V_ERR_LIMIT, key, _("event too large"));
	int rc = store(ev, field, field == F_EXTRA_KEY ? key + 6 : NULL,
		       field == F_EXTRA_KEY ? klen - 6 : 0, off, n, kind, flags);
	if (rc == V_ERR_EXISTS)
		return verr_set(err, rc, key, _("field already set"));
	return rc;
}

static int set_literal(struct event *ev, const char *key, const char *lit, size_t n,
		       enum vkind kind, enum ftype need, unsigned flags, struct verr *err)
{
	size_t klen = strlen(key);

	return set_literal_field(ev, key, klen, schema_lookup(key, klen), lit, n, kind, need, flags,
				 err);
}

static int set_int(struct event *ev, const char *key, long long v, const char *num, size_t n,
		   unsigned flags, struct verr *err);

int event_set_int(struct event *ev, const char *key, long long v, unsigned flags, struct verr *err)
{
	char num[32];
	size_t n = value_format_int(v, num);

	return set_int(ev, key, v, num, n, flags, err);
}

/* event_set_int() of the v whose value_format_int() text the caller has already: feeds'
 * integers mostly come in that form (parse_shadowserver.c: no int() and back, bench/). */
int event_set_int_text(struct event *ev, const char *key, const char *text, size_t n,
		       unsigned flags, struct verr *err)
{
	unsigned long long x = 0;
	int neg = n && text[0] == '-';

	for (size_t i = (size_t)neg; i < n; i++)
		x = x * 10 + (unsigned)(text[i] - '0');
	return set_int(ev, key, neg ? (long long)(0 - x) : (long long)x, text, n, flags, err);
}

/* event_set_int() of v, num (n bytes) being its text */
static int set_int(struct event *ev, const char *key, long long v, const char *num, size_t n,
		   unsigned flags, struct verr *err)
{
	size_t klen = strlen(key);
	int field = schema_lookup(key, klen);

	if (field >= 0 && field < F__COUNT && schema_fields[field].type == FT_ASN &&
	    (v < 1 || v > 4294967295LL))
		return verr_set(err, V_ERR_INVALID, key, _("not an AS number (1 to 4294967295)"));
	if (field >= 0 && field < F__COUNT && (schema_fields[field].type == FT_FLOAT ||
					       schema_fields[field].type == FT_ACCURACY))
		return event_set_float(ev, key, (double)v, flags, err);
	return set_literal_field(ev, key, klen, field, num, n, VK_INT, FT_INT, flags, err);
}

int event_set_float(struct event *ev, const char *key, double v, unsigned flags, struct verr *err)
{
	char num[48];
	size_t n;

	if (v != v || v - v != 0)
		return verr_set(err, V_ERR_INVALID, key, _("not a finite number"));
	n = value_format_float(v, num);
	return set_literal(ev, key, num, n, VK_FLOAT, FT_FLOAT, flags, err);
}

int event_set_bool(struct event *ev, const char *key, int v, unsigned flags, struct verr *err)
{
	return set_literal(ev, key, v ? "true" : "false", v ? 4 : 5, VK_BOOL, FT_BOOL, flags, err);
}

/* event_set_float(ev, key, d) for a finite d whose value_format_float() text the caller has
 * already: parse_shadowserver.c writes a feed's short decimals ("2.018") in that form
 * without strtod and back (bench/: 14% of the scan_ntp benchmark). */
int event_set_float_text(struct event *ev, const char *key, const char *text, size_t n,
			 unsigned flags, struct verr *err)
{
	return set_literal(ev, key, text, n, VK_FLOAT, FT_FLOAT, flags, err);
}

/*
 * src's values stored into dst, in order and with their kinds, as setting them one by one
 * with flags would: values sanitised once and added to many events (the constant fields of
 * a Shadowserver report type: set through event_set_json per event they were 15% of the
 * scan_dns benchmark, bench/).  Deleted values of src are skipped.
 */
int event_merge(struct event *dst, const struct event *src, unsigned flags)
{
	for (size_t i = 0; i < src->n; i++) {
		const struct event_value *v = &src->v[i];
		int extra = v->field == F_EXTRA_KEY;
		size_t off = dst->data.len;
		int rc;

		if (v->dead)
			continue;
		if ((rc = buf_append(&dst->data, src->data.data + v->off, v->len)) != V_OK)
			return rc;
		rc = store(dst, v->field, extra ? src->data.data + v->key_off : NULL,
			   extra ? v->key_len : 0, off, v->len, (enum vkind)v->kind, flags);
		if (rc != V_OK)
			return rc;
	}
	return V_OK;
}

int event_set_extra_raw(struct event *ev, const char *name, size_t name_len, const char *json,
			size_t json_len, unsigned flags)
{
	size_t off = ev->data.len;
	enum vkind kind = VK_JSON;

	if (json_len && json[0] == '"')
		kind = VK_JSON;
	if (buf_append(&ev->data, json, json_len) != V_OK)
		return V_ERR_LIMIT;
	return store(ev, F_EXTRA_KEY, name, name_len, off, json_len, kind, flags);
}

int event_set_json(struct event *ev, const char *key, const json_t *v, unsigned flags,
		   struct verr *err)
{
	size_t klen = strlen(key);
	int field = schema_lookup(key, klen);

	if (field < 0)
		return verr_set(err, V_ERR_NOTFOUND, key, _("unknown field"));
	if (json_is_null(v))
		return V_SKIP;
	if (field == F_EXTRA) {
		const char *k;
		json_t *sub;
		char name[256];
		int rc = V_OK;
		if (!json_is_object(v))
			return verr_set(err, V_ERR_INVALID, key, _("extra must be a JSON object"));
		json_object_foreach((json_t *)v, k, sub) {
			if (snprintf(name, sizeof(name), "extra.%s", k) >= (int)sizeof(name))
				return verr_set(err, V_ERR_INVALID, key, _("extra key too long"));
			int r = event_set_json(ev, name, sub, flags, err);
			if (r != V_OK && r != V_SKIP)
				rc = r;
		}
		return rc;
	}
	if (field == F_EXTRA_KEY) {
		if (json_is_string(v))
			return event_set(ev, key, json_string_value(v), json_string_length(v), flags, err);
		char *dump = json_dumps(v, JSON_COMPACT | JSON_ENCODE_ANY | JSON_REAL_PRECISION(17));
		if (!dump)
			return V_ERR_NOMEM;
		int rc;
		if (json_is_real(v)) {
			char num[48];
			size_t n = value_format_float(json_real_value(v), num);
			rc = event_set_extra_raw(ev, key + 6, klen - 6, num, n, flags);
		} else {
			rc = event_set_extra_raw(ev, key + 6, klen - 6, dump, strlen(dump), flags);
		}
		free(dump);
		if (rc == V_ERR_EXISTS)
			return verr_set(err, rc, key, _("field already set"));
		return rc;
	}
	enum ftype t = schema_fields[field].type;
	if (json_is_string(v))
		return event_set(ev, key, json_string_value(v), json_string_length(v), flags, err);
	if (json_is_boolean(v)) {
		if (t == FT_BOOL)
			return event_set_bool(ev, key, json_is_true(v), flags, err);
		if (t == FT_ACCURACY)
			return event_set_float(ev, key, json_is_true(v) ? 100.0 : 0.0, flags, err);
		return event_set(ev, key, json_is_true(v) ? "True" : "False",
				 json_is_true(v) ? 4 : 5, flags, err);
	}
	if (json_is_integer(v)) {
		long long x = json_integer_value(v);
		if (t == FT_INT || t == FT_ASN || t == FT_FLOAT || t == FT_ACCURACY)
			return event_set_int(ev, key, x, flags, err);
		if (t == FT_BOOL && (x == 0 || x == 1))
			return event_set_bool(ev, key, (int)x, flags, err);
		char num[32];
		int n = snprintf(num, sizeof(num), "%lld", x);
		return event_set(ev, key, num, (size_t)n, flags, err);
	}
	if (json_is_real(v)) {
		double d = json_real_value(v);
		if (t == FT_FLOAT || t == FT_ACCURACY)
			return event_set_float(ev, key, d, flags, err);
		if (t == FT_INT || t == FT_ASN) {
			if (d != (double)(long long)d)
				return verr_set(err, V_ERR_INVALID, key, _("not an integer"));
			return event_set_int(ev, key, (long long)d, flags, err);
		}
		char num[48];
		size_t n = value_format_float(d, num);
		return event_set(ev, key, num, n, flags, err);
	}
	/* arrays and objects: JSON fields keep them as text */
	if (t == FT_JSON || t == FT_STRING) {
		char *dump = json_dumps(v, JSON_COMPACT | JSON_SORT_KEYS | JSON_ENCODE_ANY);
		if (!dump)
			return V_ERR_NOMEM;
		int rc = event_set(ev, key, dump, strlen(dump), flags, err);
		free(dump);
		return rc;
	}
	return verr_set(err, V_ERR_INVALID, key, _("a list or object where a %s is expected"),
			ftype_name(t));
}

/*
 * Base64 (RFC 4648, with padding: libsodium's VARIANT_ORIGINAL, byte for byte) hand-written:
 * libsodium's encoder is constant-time, which raw (public feed bytes) does not need, and it
 * was 16% of the URLhaus benchmark (9,800 instructions an event; this loop takes 690:
 * bench/run.sh, docs/benchmarks.md).  out must hold 4 * ((n + 2) / 3) + 1 bytes.
 */
static const char b64_tab[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
static char b64_pair[4096][2]; /* two output characters per 12 input bits */
static _Atomic int b64_pair_ready;
static once_flag b64_pair_once = ONCE_FLAG_INIT;

static void b64_pair_fill(void)
{
	for (int k = 0; k < 4096; k++) {
		b64_pair[k][0] = b64_tab[k >> 6];
		b64_pair[k][1] = b64_tab[k & 63];
	}
	atomic_store_explicit(&b64_pair_ready, 1, memory_order_release);
}

static void base64_encode(char *out, const unsigned char *in, size_t n)
{
	const char *tab = b64_tab;
	size_t i = 0;

	if (!atomic_load_explicit(&b64_pair_ready, memory_order_acquire))
		call_once(&b64_pair_once, b64_pair_fill);
	/* six bytes (48 bits, four pairs) per step, read as one big-endian word of eight */
	for (; i + 8 <= n; i += 6) {
		uint64_t w;
		memcpy(&w, in + i, 8);
#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
		w = __builtin_bswap64(w);
#endif
		memcpy(out, b64_pair[w >> 52], 2);
		memcpy(out + 2, b64_pair[(w >> 40) & 4095], 2);
		memcpy(out + 4, b64_pair[(w >> 28) & 4095], 2);
		memcpy(out + 6, b64_pair[(w >> 16) & 4095], 2);
		out += 8;
	}
	for (; i + 3 <= n; i += 3) {
		uint32_t w = (uint32_t)in[i] << 16 | (uint32_t)in[i + 1] << 8 | in[i + 2];
		memcpy(out, b64_pair[w >> 12], 2);
		memcpy(out + 2, b64_pair[w & 4095], 2);
		out += 4;
	}
	if (n - i == 1) {
		out[0] = tab[in[i] >> 2];
		out[1] = tab[(in[i] & 3) << 4];
		out[2] = '=';
		out[3] = '=';
		out += 4;
	} else if (n - i == 2) {
		out[0] = tab[in[i] >> 2];
		out[1] = tab[(in[i] & 3) << 4 | in[i + 1] >> 4];
		out[2] = tab[(in[i + 1] & 15) << 2];
		out[3] = '=';
		out += 4;
	}
	*out = 0;
}

int event_set_raw(struct event *ev, const void *bytes, size_t n)
{
	size_t off = ev->data.len, b64len = sodium_base64_encoded_len(n, sodium_base64_VARIANT_ORIGINAL);
	int rc;

	if (ev->slot[F_RAW] >= 0)
		ev->v[ev->slot[F_RAW]].dead = 1, ev->slot[F_RAW] = -1;
	if ((rc = buf_reserve(&ev->data, b64len)) != V_OK)
		return rc;
	base64_encode(ev->data.data + off, bytes, n);
	ev->data.len = off + b64len - 1;
	return store(ev, F_RAW, NULL, 0, off, b64len - 1, VK_STR, EV_OVERWRITE);
}

/* event_set_raw() of bytes whose first part, a multiple of 3 bytes long, is the same in many
 * events: b64 (b64len bytes) is that part encoded once, rest (n bytes) the bytes after it.
 * (parse_shadowserver.c: raw is the report's header line and the row, and the header two
 * thirds of scan_ntp's raw, whose base64 was 4.5% of that benchmark, bench/) */
int event_set_raw_b64(struct event *ev, const char *b64, size_t b64len, const void *rest, size_t n)
{
	size_t off = ev->data.len;
	size_t b64rest = sodium_base64_encoded_len(n, sodium_base64_VARIANT_ORIGINAL);
	int rc;

	if (ev->slot[F_RAW] >= 0)
		ev->v[ev->slot[F_RAW]].dead = 1, ev->slot[F_RAW] = -1;
	if ((rc = buf_reserve(&ev->data, b64len + b64rest)) != V_OK)
		return rc;
	memcpy(ev->data.data + off, b64, b64len);
	base64_encode(ev->data.data + off + b64len, rest, n);
	ev->data.len = off + b64len + b64rest - 1;
	return store(ev, F_RAW, NULL, 0, off, b64len + b64rest - 1, VK_STR, EV_OVERWRITE);
}

const char *event_get_id(const struct event *ev, int field, size_t *len)
{
	if (field < 0 || field >= F__COUNT || ev->slot[field] < 0)
		return NULL;
	const struct event_value *v = &ev->v[ev->slot[field]];
	if (len)
		*len = v->len;
	return ev->data.data + v->off;
}

const char *event_get(const struct event *ev, const char *key, size_t *len, enum vkind *kind)
{
	size_t klen = strlen(key);
	int field = schema_lookup(key, klen);
	const struct event_value *v;

	if (field < 0)
		return NULL;
	if (field == F_EXTRA_KEY) {
		v = find_extra(ev, key + 6, klen - 6);
		if (!v)
			return NULL;
	} else {
		if (ev->slot[field] < 0)
			return NULL;
		v = &ev->v[ev->slot[field]];
	}
	if (len)
		*len = v->len;
	if (kind)
		*kind = (enum vkind)v->kind;
	return ev->data.data + v->off;
}

int event_has(const struct event *ev, const char *key)
{
	return event_get(ev, key, NULL, NULL) != NULL;
}

int event_del(struct event *ev, const char *key)
{
	size_t klen = strlen(key);
	int field = schema_lookup(key, klen);

	if (field < 0)
		return V_ERR_NOTFOUND;
	if (field == F_EXTRA_KEY) {
		struct event_value *v = find_extra(ev, key + 6, klen - 6);
		if (!v)
			return V_ERR_NOTFOUND;
		v->dead = 1;
		return V_OK;
	}
	if (field == F_EXTRA) {
		for (size_t i = 0; i < ev->n; i++)
			if (ev->v[i].field == F_EXTRA_KEY)
				ev->v[i].dead = 1;
		return V_OK;
	}
	if (ev->slot[field] < 0)
		return V_ERR_NOTFOUND;
	ev->v[ev->slot[field]].dead = 1;
	ev->slot[field] = -1;
	return V_OK;
}

static int put_value(struct buf *out, const struct event *ev, const struct event_value *v)
{
	if (v->kind == VK_STR)
		return buf_json_str(out, ev->data.data + v->off, v->len);
	return buf_append(out, ev->data.data + v->off, v->len);
}

/*
 * Each field's key as it goes into JSON output, '?' standing for the separator before it:
 * ?"name":  in a fixed-size row, so the writer copies it with one constant-size memcpy.
 */
#define JSON_KEY_ROW 48
static const char json_key[F__COUNT][JSON_KEY_ROW] = {
#define FIELD(id, name, type, val, maxlen, desc) [id] = "?\"" name "\":",
#include "event/schema.def"
#undef FIELD
};

/*
 * The writer runs once per event on the ingest hot path: it visits only the fields present
 * (a bit set, not all of schema.def), reserves room once per key and copies the key with its
 * punctuation in one go instead of a buf_putc/buf_puts call per piece; with buf_json_str's
 * SIMD scan this took event_to_json from 10,800 instructions a URLhaus event (18% of the
 * benchmark) to 2,600 (bench/, callgrind).
 */
int event_to_json(const struct event *ev, struct buf *out)
{
	/* the fields present, as a bit set in field order: F_EXTRA stands for the extra keys */
	uint64_t present[(F__COUNT + 63) / 64] = { 0 };
	char sep = '{';
	int rc;

	for (size_t i = 0; i < ev->n; i++) {
		unsigned f = ev->v[i].field;
		if (f < F__COUNT && ev->slot[f] == (int16_t)i)
			present[f / 64] |= 1ULL << (f % 64);
		else if (f == F_EXTRA_KEY && !ev->v[i].dead)
			present[F_EXTRA / 64] |= 1ULL << (F_EXTRA % 64);
	}
	for (int w = 0; w < (F__COUNT + 63) / 64; w++)
		for (uint64_t bits = present[w]; bits; bits &= bits - 1) {
			int f = w * 64 + __builtin_ctzll(bits);
			if (f == F_EXTRA) {
				for (size_t i = 0; i < ev->n; i++) {
					const struct event_value *v = &ev->v[i];
					if (v->field != F_EXTRA_KEY || v->dead)
						continue;
					if ((rc = buf_reserve(out, 8)) != V_OK)
						return rc;
					out->data[out->len++] = sep;
					sep = ',';
					memcpy(out->data + out->len, "\"extra", 6);
					out->len += 6;
					/* key text is ours or validated UTF-8; escape anyway:
					 * its opening quote lands where the dot goes */
					size_t dot = out->len;
					if ((rc = buf_json_str(out, ev->data.data + v->key_off,
							       v->key_len)) != V_OK ||
					    (rc = buf_putc(out, ':')) != V_OK)
						return rc;
					out->data[dot] = '.';
					if ((rc = put_value(out, ev, v)) != V_OK)
						return rc;
				}
				continue;
			}
			if (out->len + JSON_KEY_ROW + 1 > out->size &&
			    (rc = buf_reserve(out, JSON_KEY_ROW)) != V_OK)
				return rc;
			char *p = out->data + out->len;
			memcpy(p, json_key[f], JSON_KEY_ROW);
			p[0] = sep;
			sep = ',';
			out->len += schema_name_len[f] + 4u;
			if ((rc = put_value(out, ev, &ev->v[ev->slot[f]])) != V_OK)
				return rc;
		}
	if (sep == '{' && (rc = buf_putc(out, '{')) != V_OK)
		return rc;
	return buf_putc(out, '}');
}

int event_from_json(struct event *ev, const json_t *obj, unsigned flags, struct verr *err)
{
	const char *k;
	json_t *v;
	int rc = V_OK;

	if (!json_is_object(obj))
		return verr_set(err, V_ERR_PARSE, NULL, _("not a JSON object"));
	json_object_foreach((json_t *)obj, k, v) {
		if (k[0] == '_' && k[1] == '_')
			continue; /* IntelMQ's "__type" */
		if (json_is_object(v) && strcmp(k, "extra") != 0) {
			/* hierarchical form: {"source": {"ip": ...}} */
			const char *k2;
			json_t *v2;
			char name[256];
			json_object_foreach(v, k2, v2) {
				snprintf(name, sizeof(name), "%s.%s", k, k2);
				int r = event_set_json(ev, name, v2, flags, err);
				if (r != V_OK && r != V_SKIP)
					return r;
			}
			continue;
		}
		if (!strcmp(k, "raw") && json_is_string(v)) {
			/* keep the base64 as given */
			size_t off = ev->data.len;
			if (buf_append(&ev->data, json_string_value(v), json_string_length(v)) != V_OK)
				return V_ERR_LIMIT;
			if (ev->slot[F_RAW] >= 0)
				ev->v[ev->slot[F_RAW]].dead = 1, ev->slot[F_RAW] = -1;
			store(ev, F_RAW, NULL, 0, off, json_string_length(v), VK_STR, EV_OVERWRITE);
			continue;
		}
		int r = event_set_json(ev, k, v, flags, err);
		if (r != V_OK && r != V_SKIP) {
			rc = r;
			break;
		}
	}
	return rc;
}
