/*
 * event.h — the canonical event.
 *
 * Every input becomes a struct event: a flat set of (field, value) pairs whose names are
 * IntelMQ's harmonization names (schema.def) plus free "extra.*" keys.  Values are validated
 * and normalised when they are set, with the same rules IntelMQ applies (value.c), so an
 * event that exists is a valid event.
 *
 * Memory: an event owns one byte buffer and one fixed slot array.  event_clear() keeps both,
 * so a parser that reuses one event per record does no allocation per field on the hot path.
 */
#ifndef VIGIA_EVENT_EVENT_H
#define VIGIA_EVENT_EVENT_H

#include <stddef.h>
#include <stdint.h>
#include <jansson.h>

#include "base/buf.h"
#include "base/err.h"

/* Value types of the schema, one per IntelMQ harmonization type. */
enum ftype {
	FT_STRING, FT_LOWER, FT_UPPER, FT_BOOL, FT_INT, FT_FLOAT, FT_ACCURACY, FT_ASN,
	FT_CLASS_TYPE, FT_CLASS_TAXONOMY, FT_DATETIME, FT_FQDN, FT_IP, FT_NETWORK, FT_JSON,
	FT_JSONDICT, FT_REGISTRY, FT_TLP, FT_URL, FT_BASE64
};

/* Validations beyond the type (IntelMQ's harmonization regex/length constraints). */
enum fval {
	VAL_NONE,
	VAL_CC,         /* two letters or digits (ISO 3166-1 alpha-2 shape), upper-cased */
	VAL_PORT,       /* 0..65535 */
	VAL_PRINTABLE,  /* printable ASCII only */
	VAL_UUID,       /* 8-4-4-4-12 lower-case alphanumerics */
	VAL_TRANSPORT,  /* an IANA protocol keyword (tcp, udp, icmp, ...) */
	VAL_HASH_CHARS  /* upper-case hex digits, '.' and '/' */
};

/* Field ids: F_<NAME> generated from schema.def, in table (alphabetical) order. */
enum field_id {
#define FIELD(id, name, type, val, maxlen, desc) id,
#include "event/schema.def"
#undef FIELD
	F__COUNT,
	F_EXTRA_KEY = F__COUNT /* a key under "extra." (stored with its name) */
};

struct field_def {
	const char *name;
	enum ftype type;
	enum fval val;     /* extra validation */
	unsigned maxlen;   /* longest value in characters; 0 = no limit */
	const char *description;
};

extern const struct field_def schema_fields[F__COUNT];

/* Field id for a name, or -1.  "extra.foo" returns F_EXTRA_KEY; "extra" returns F_EXTRA. */
int schema_lookup(const char *name, size_t len);
const char *ftype_name(enum ftype t);

/* How a value is represented in JSON output. */
enum vkind { VK_STR, VK_INT, VK_FLOAT, VK_BOOL, VK_JSON };

#define EVENT_MAX_VALUES 512

struct event_value {
	uint16_t field;  /* enum field_id or F_EXTRA_KEY */
	uint8_t kind;    /* enum vkind */
	uint8_t dead;    /* deleted */
	uint32_t off;    /* value text in data: JSON literal for non-strings, raw text for VK_STR */
	uint32_t len;
	uint32_t key_off; /* F_EXTRA_KEY: the part after "extra." */
	uint32_t key_len;
};

struct event {
	struct buf data;                        /* owned */
	size_t n;                               /* slots used in v */
	struct event_value v[EVENT_MAX_VALUES];
	int16_t slot[F__COUNT];                 /* index into v, or -1 */
	uint64_t extra_keys[4];                 /* a bit per extra.* key hash: a clear bit means
						 * no such key (event.c find_extra) */
};

/* Flags for event_set*(). */
#define EV_OVERWRITE 0x1 /* replace an existing value (default: V_ERR_EXISTS) */
#define EV_NOSANITIZE 0x2 /* value is already canonical (e.g. re-reading our own JSON) */

struct event *event_new(void);  /* OUT: caller frees with event_free; NULL on OOM */
void event_free(struct event *ev);
void event_clear(struct event *ev); /* keeps the storage */
/* Make dst a copy of src (dst keeps its storage).  V_OK or V_ERR_LIMIT/V_ERR_NOMEM. */
int event_copy(struct event *dst, const struct event *src);

/*
 * Set a field from text, sanitising and validating it for the field's type.
 * Returns V_OK; V_SKIP when the value is one IntelMQ ignores ("", "-", "N/A", whitespace);
 * V_ERR_EXISTS when set and not EV_OVERWRITE; V_ERR_INVALID (err says why) when the value
 * fails validation; V_ERR_NOTFOUND for an unknown field name.
 * Keys "extra.X" store a JSON string value unless the text is given via event_set_json.
 */
int event_set(struct event *ev, const char *key, const char *val, size_t len, unsigned flags,
	      struct verr *err);
static inline int event_set_str(struct event *ev, const char *key, const char *val,
				unsigned flags, struct verr *err);
/* event_set() of the field with this id (enum field_id; not F_EXTRA, no extra key). */
int event_set_id(struct event *ev, int field, const char *val, size_t len, unsigned flags,
		 struct verr *err);
int event_set_int(struct event *ev, const char *key, long long v, unsigned flags, struct verr *err);
int event_set_float(struct event *ev, const char *key, double v, unsigned flags, struct verr *err);
int event_set_bool(struct event *ev, const char *key, int v, unsigned flags, struct verr *err);
/* event_set_int() of v, given text = value_format_int(v) (text: n bytes). */
int event_set_int_text(struct event *ev, const char *key, const char *text, size_t n,
		       unsigned flags, struct verr *err);
/* event_set_float() of a finite d, given text = value_format_float(d) (text: n bytes). */
int event_set_float_text(struct event *ev, const char *key, const char *text, size_t n,
			 unsigned flags, struct verr *err);
/* Store src's values (not the deleted ones; borrowed) into dst, in order, with their kinds, as
 * setting them one by one with flags (EV_OVERWRITE) would.  V_OK, or the first error
 * (V_ERR_EXISTS, V_ERR_LIMIT, V_ERR_NOMEM): dst then holds the values stored before it. */
int event_merge(struct event *dst, const struct event *src, unsigned flags);

/*
 * Set a field from a JSON value (borrowed), as IntelMQ's add() does with a Python value:
 * numbers stay numbers for Integer/Float/ASN/extra keys, strings are sanitised like text.
 * For "extra" (the JSONDict itself) an object is flattened into extra.* keys.
 */
int event_set_json(struct event *ev, const char *key, const json_t *v, unsigned flags,
		   struct verr *err);

/* Set an extra.* key whose value is already JSON text (copied). */
int event_set_extra_raw(struct event *ev, const char *name, size_t name_len, const char *json,
			size_t json_len, unsigned flags);

/* raw: stored base64-encoded (as IntelMQ does) from the original bytes. */
int event_set_raw(struct event *ev, const void *bytes, size_t n);
/* The same for bytes = prefix + rest where b64 (b64len bytes) is the base64 of prefix and
 * prefix is a multiple of 3 bytes long. */
int event_set_raw_b64(struct event *ev, const char *b64, size_t b64len, const void *rest, size_t n);

/*
 * Get a value.  For VK_STR values the text (not quoted); for others the JSON literal.
 * Returns NULL when not set.  Borrowed: valid until the event is changed.
 */
const char *event_get(const struct event *ev, const char *key, size_t *len, enum vkind *kind);
const char *event_get_id(const struct event *ev, int field, size_t *len);
int event_has(const struct event *ev, const char *key);
int event_del(struct event *ev, const char *key);

/* Append the event as one flat JSON object (dotted keys), no trailing newline. */
int event_to_json(const struct event *ev, struct buf *out);

/* Read one flat (or hierarchical) JSON object into ev (IntelMQ JSON / our own output). */
int event_from_json(struct event *ev, const json_t *obj, unsigned flags, struct verr *err);

/* Fill classification.taxonomy from classification.type when missing (RSIT). */
void event_derive_taxonomy(struct event *ev);

/* RSIT: the taxonomy (class) of a classification.type, or NULL if unknown. */
const char *taxonomy_of_type(const char *type, size_t len);
/*
 * Which side of an event is the victim: 's' when the source is the affected system (infected,
 * vulnerable or compromised hosts, open services, leaks: the reports a team sends its
 * constituency), else 'd' (the destination: the target of an attack, a scan, a phishing mail).
 * Both arguments may be NULL.
 */
int taxonomy_victim_side(const char *classification_type, const char *taxonomy);

/* ---- value sanitisers (value.c); exposed for parsers that need them without an event ---- */

/*
 * Sanitise text for type t into out (appended).  Returns V_OK, V_SKIP (ignored value) or
 * V_ERR_INVALID with err->reason.  *kind receives how the result is represented.
 */
int value_sanitize(enum ftype t, const char *s, size_t n, struct buf *out, enum vkind *kind,
		   struct verr *err);

/* Check a sanitised value against a field's extra validation and length.  V_OK or
 * V_ERR_INVALID with the reason. */
int value_check(const struct field_def *fd, const char *s, size_t n, struct verr *err);

/* Python-compatible repr() of a double ("27.0", "2.018", "1e-05"), into out (>= 32 bytes). */
size_t value_format_float(double d, char *out);
/* "%lld" of v into out (>= 21 bytes), NUL-terminated; returns the length. */
size_t value_format_int(long long v, char *out);

static inline int event_set_str(struct event *ev, const char *key, const char *val,
				unsigned flags, struct verr *err)
{
	size_t n = 0;
	while (val[n])
		n++;
	return event_set(ev, key, val, n, flags, err);
}

#endif
