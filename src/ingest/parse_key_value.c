/*
 * parse_key_value.c — key=value logs (syslog, IDS and firewall lines), compatible with
 * IntelMQ's key-value parser (intelmq.bots.parsers.key_value.parser).
 *
 * One event per non-blank line.  The line (stripped of surrounding whitespace, as IntelMQ's
 * ParserBot does) is cut at every pair separator; each piece is cut at the LAST key/value
 * separator (a piece without one, or with an empty key, is ignored).  Keys named in "keys"
 * are copied to their fields; invalid values are dropped, other keys are ignored.
 *
 *   keys            {feed key: field} (required; an object, or that object as JSON text)
 *   pair_separator  text between pairs (default " "); quotes do not protect it
 *   kv_separator    text between key and value (default "=")
 *   strip_quotes    remove one pair of surrounding double quotes from values (default true)
 *   timestamp_key   a key whose value is the event time (older IntelMQ releases): the same
 *                   as mapping it to time.source in "keys"
 *
 * A value mapped to time.source is taken as seconds since the epoch when it is all digits,
 * else parsed as a free-form date (without a zone: UTC); a value that is neither, or out of
 * range, is dropped.  The same key twice on one line (or two keys mapped to one field) rejects
 * the line, as IntelMQ refuses to overwrite a field.
 */
#include <stdlib.h>
#include <string.h>

#include "base/i18n.h"
#include "base/pystr.h"
#include "base/timeparse.h"
#include "ingest/ingest.h"

struct kv_key {
	char *key; /* owned */
	size_t klen;
	char *field; /* owned */
	int is_time; /* field is time.source: convert the value first */
};

struct kv_state {
	struct kv_key *keys; /* sorted by (klen, key) for bsearch */
	size_t nkeys;
	const char *pair_sep;
	size_t pair_len;
	const char *kv_sep;
	size_t kv_len;
	int strip_quotes;
	json_t *keys_owned; /* "keys" given as JSON text */
};

static int key_cmp(const void *a, const void *b)
{
	const struct kv_key *x = a, *y = b;
	if (x->klen != y->klen)
		return x->klen < y->klen ? -1 : 1;
	return memcmp(x->key, y->key, x->klen);
}

static void kv_fini(struct ingest_ctx *ctx)
{
	struct kv_state *st = ctx->state;

	if (!st)
		return;
	for (size_t i = 0; i < st->nkeys; i++) {
		free(st->keys[i].key);
		free(st->keys[i].field);
	}
	free(st->keys);
	json_decref(st->keys_owned);
	free(st);
	ctx->state = NULL;
}

/* Add or replace the mapping key -> field. */
static int put_key(struct kv_state *st, const char *key, const char *field, struct verr *err)
{
	int id = schema_lookup(field, strlen(field));
	size_t klen = strlen(key);

	if (id < 0)
		return verr_set(err, V_ERR_USAGE, "keys", _("'%s' is not a field name (key '%s')"),
		                field, key);
	if (!strcmp(field, "raw"))
		return verr_set(err, V_ERR_USAGE, "keys",
		                _("'raw' is set by the parser (key '%s')"), key);
	for (size_t i = 0; i < st->nkeys; i++)
		if (st->keys[i].klen == klen && !memcmp(st->keys[i].key, key, klen)) {
			char *f = strdup(field);
			if (!f)
				return V_ERR_NOMEM;
			free(st->keys[i].field);
			st->keys[i].field = f;
			st->keys[i].is_time = !strcmp(field, "time.source");
			return V_OK;
		}
	struct kv_key *k = &st->keys[st->nkeys];
	k->key = strdup(key);
	k->klen = klen;
	k->field = strdup(field);
	k->is_time = !strcmp(field, "time.source");
	if (!k->key || !k->field) {
		free(k->key);
		free(k->field);
		return V_ERR_NOMEM;
	}
	st->nkeys++;
	return V_OK;
}

static int kv_init(struct ingest_ctx *ctx, struct verr *err)
{
	struct kv_state *st = calloc(1, sizeof(*st));
	const json_t *keys = ingest_param(ctx, "keys"), *v;
	const char *k, *ts;
	int rc;

	if (!st)
		return V_ERR_NOMEM;
	ctx->state = st;
	if (json_is_string(keys)) {
		json_error_t je;
		st->keys_owned = json_loads(json_string_value(keys), 0, &je);
		keys = st->keys_owned;
	}
	if (!json_is_object(keys) || !json_object_size(keys))
		return verr_set(
		    err, V_ERR_USAGE, "keys",
		    _("parameter 'keys' is required: an object {feed key: field name}"));
	st->keys = calloc(json_object_size(keys) + 1, sizeof(*st->keys));
	if (!st->keys)
		return V_ERR_NOMEM;
	json_object_foreach((json_t *)keys, k, v)
	{
		if (!json_is_string(v))
			return verr_set(err, V_ERR_USAGE, "keys",
			                _("the field for key '%s' is not a string"), k);
		if ((rc = put_key(st, k, json_string_value(v), err)) != V_OK)
			return rc;
	}
	ts = ingest_param_str(ctx, "timestamp_key", NULL);
	if (ts && *ts && (rc = put_key(st, ts, "time.source", err)) != V_OK)
		return rc;
	qsort(st->keys, st->nkeys, sizeof(*st->keys), key_cmp);

	st->pair_sep = ingest_param_str(ctx, "pair_separator", " ");
	st->kv_sep = ingest_param_str(ctx, "kv_separator", "=");
	st->pair_len = strlen(st->pair_sep);
	st->kv_len = strlen(st->kv_sep);
	if (!st->pair_len)
		return verr_set(err, V_ERR_USAGE, "pair_separator", _("must not be empty"));
	if (!st->kv_len)
		return verr_set(err, V_ERR_USAGE, "kv_separator", _("must not be empty"));
	st->strip_quotes = ingest_param_bool(ctx, "strip_quotes", 1);
	return V_OK;
}

static const struct kv_key *find_key(const struct kv_state *st, const char *k, size_t n)
{
	size_t lo = 0, hi = st->nkeys;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		const struct kv_key *m = &st->keys[mid];
		int c = m->klen != n ? (m->klen < n ? -1 : 1) : memcmp(m->key, k, n);
		if (c == 0)
			return m;
		if (c < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	return NULL;
}

/* Last occurrence of needle in s[0..n), or NULL. */
static const char *last_of(const char *s, size_t n, const char *needle, size_t nl)
{
	if (nl > n)
		return NULL;
	for (size_t i = n - nl + 1; i-- > 0;)
		if (!memcmp(s + i, needle, nl))
			return s + i;
	return NULL;
}

/*
 * IntelMQ's conversion for time.source: all digits -> epoch seconds; else a free-form date.
 * Returns 0 and fills out, or -1 (the value is then dropped).
 */
static int convert_time(const char *v, size_t n, char *out)
{
	struct vtime t = {0};
	size_t i;

	for (i = 0; i < n && v[i] >= '0' && v[i] <= '9'; i++)
		;
	if (n && i == n) {
		/* datetime's range ends at 9999-12-31T23:59:59 */
		long long sec = 0;
		for (i = 0; i < n; i++) {
			if (sec > 253402300799LL / 10)
				return -1;
			sec = sec * 10 + (v[i] - '0');
		}
		if (sec > 253402300799LL)
			return -1;
		t.sec = sec;
	} else if (time_parse(v, n, &t) != 0) {
		return -1;
	}
	time_format(&t, out);
	return 0;
}

static int kv_record(struct ingest_ctx *ctx, const char *rec, size_t len)
{
	struct kv_state *st = ctx->state;
	const char *line = rec, *p, *end;
	size_t n = len;
	char tbuf[48];

	pystr_strip(&line, &n);
	if (!n)
		return V_OK; /* blank lines carry no event */
	ingest_new_event(ctx);
	p = line;
	end = line + n;
	for (;;) {
		const char *sep = memmem(p, (size_t)(end - p), st->pair_sep, st->pair_len);
		const char *tok_end = sep ? sep : end;
		size_t tn = (size_t)(tok_end - p);
		const char *kv = last_of(p, tn, st->kv_sep, st->kv_len);

		if (kv && kv > p) {
			const char *val = kv + st->kv_len;
			size_t vn = (size_t)(tok_end - val);
			const struct kv_key *m = find_key(st, p, (size_t)(kv - p));

			if (st->strip_quotes && vn && val[0] == '"' && val[vn - 1] == '"') {
				if (vn == 1) {
					vn = 0;
				} else {
					val++;
					vn -= 2;
				}
			}
			if (m && m->is_time) {
				if (convert_time(val, vn, tbuf) == 0)
					ingest_add(ctx, m->field, tbuf, strlen(tbuf),
					           ING_IGNORE_INVALID);
			} else if (m) {
				ingest_add(ctx, m->field, val, vn, ING_IGNORE_INVALID);
			}
		}
		if (!sep)
			break;
		p = sep + st->pair_len;
	}
	return ingest_emit(ctx, line, n);
}

const struct parser parser_key_value = {
    .name = "key_value",
    .aliases = (const char *const[]){"intelmq.bots.parsers.key_value.parser", NULL},
    .description = N_("key=value log lines: syslog, IDS, firewall (IntelMQ key-value parser)"),
    .mode = PARSE_LINES,
    .init = kv_init,
    .record = kv_record,
    .fini = kv_fini,
};
