/*
 * parse_csv.c — the generic CSV parser, compatible with IntelMQ's generic CSV parser bot
 * (intelmq.bots.parsers.generic.parser_csv) and its parameters:
 *
 *   columns               list (or comma-separated string) of field names per column;
 *                         "a|b" tries a then b; "__IGNORE__" or "" skips the column
 *   columns_required      list of booleans (default all true): a required column whose value
 *                         fits none of its fields rejects the row
 *   column_regex_search   {field: regex}: keep the first match of the regex (PCRE2)
 *   compose_fields        {field: "text {0}{1}"}: compose from columns by position
 *   data_type             {field: "json"}: the column holds JSON
 *   default_url_protocol  prefix for *.url values without "://" (default "http://")
 *   delimiter             one character (default ",")
 *   filter_text, filter_type  keep (whitelist) or drop (blacklist) rows containing the text
 *   skip_header           skip the first non-comment line
 *   time_format           null (free-form), "timestamp", "windows_nt", "epoch_millis",
 *                         or vigia's own "from_format|<strptime format>"
 *   type                  classification.type when no column gives one
 *   type_translation      {feed value: classification.type}
 *
 * Lines whose first non-blank character is "#" and blank lines are comments.
 * A column name outside the schema is kept under extra.<name> (IntelMQ would store an
 * unvalidated top-level key; see docs/formats.md).
 */
#include <ctype.h>
#include <stdlib.h>
#include <string.h>

#define PCRE2_CODE_UNIT_WIDTH 8
#include <pcre2.h>

#include "base/i18n.h"
#include "base/timeparse.h"
#include "ingest/ingest.h"

#define MAX_KEYS 8

/* What a column key needs besides ingest_add, decided once in csv_init (per row it was a
 * handful of strcmp per column: 1% of the URLhaus benchmark, 5% once the rest was fast,
 * bench/). */
enum key_kind { KK_PLAIN, KK_IGNORE, KK_TIME, KK_URL, KK_TYPE };

struct column {
	int nkeys;
	char *keys[MAX_KEYS]; /* owned */
	unsigned char kind[MAX_KEYS]; /* enum key_kind */
	int required;
	pcre2_code *re[MAX_KEYS];
	int json[MAX_KEYS];
};

struct compose {
	char *field; /* owned */
	char *fmt;   /* owned */
};

enum tfmt { TF_FUZZY, TF_TIMESTAMP, TF_WINDOWS_NT, TF_EPOCH_MILLIS, TF_FORMAT };

struct csv_state {
	size_t ncols;
	struct column *cols;
	size_t ncompose;
	struct compose *compose;
	char delim;
	const char *url_proto;
	const char *type;
	const json_t *type_translation;
	/* the last value looked up in type_translation and its result: rows repeat it (the
	 * lookup was 1.3% of the URLhaus benchmark once the rest was fast, bench/) */
	char tt_last[128];
	size_t tt_last_len;
	const json_t *tt_last_val;
	int tt_last_set;
	json_t *tt_owned;
	const char *filter_text;
	int filter_type; /* 0 none, 1 whitelist, 2 blacklist */
	int skip_header, header_seen;
	enum tfmt tf;
	const char *tf_format;
	struct csv_row row;
	pcre2_match_data *md;
};

static void csv_fini(struct ingest_ctx *ctx)
{
	struct csv_state *st = ctx->state;

	if (!st)
		return;
	for (size_t i = 0; i < st->ncols; i++)
		for (int k = 0; k < st->cols[i].nkeys; k++) {
			free(st->cols[i].keys[k]);
			pcre2_code_free(st->cols[i].re[k]);
		}
	free(st->cols);
	for (size_t i = 0; i < st->ncompose; i++) {
		free(st->compose[i].field);
		free(st->compose[i].fmt);
	}
	free(st->compose);
	json_decref(st->tt_owned);
	csv_row_fini(&st->row);
	pcre2_match_data_free(st->md);
	free(st);
	ctx->state = NULL;
}

static int add_column(struct csv_state *st, const char *spec, size_t n, struct verr *err)
{
	struct column *c = &st->cols[st->ncols++];
	size_t i = 0;

	memset(c, 0, sizeof(*c));
	c->required = 1;
	while (i <= n) {
		const char *bar = memchr(spec + i, '|', n - i);
		size_t e = bar ? (size_t)(bar - spec) : n;
		if (c->nkeys >= MAX_KEYS)
			return verr_set(err, V_ERR_USAGE, "columns", _("too many alternatives in '%.*s'"),
					(int)n, spec);
		/* strip spaces as IntelMQ does for string columns */
		size_t a = i, b = e;
		while (a < b && isspace((unsigned char)spec[a]))
			a++;
		while (b > a && isspace((unsigned char)spec[b - 1]))
			b--;
		c->keys[c->nkeys] = strndup(spec + a, b - a);
		if (!c->keys[c->nkeys])
			return V_ERR_NOMEM;
		c->nkeys++;
		i = e + 1;
		if (!bar)
			break;
	}
	return V_OK;
}

static int csv_init(struct ingest_ctx *ctx, struct verr *err)
{
	struct csv_state *st = calloc(1, sizeof(*st));
	const json_t *cols = ingest_param(ctx, "columns"), *v;
	const char *s;
	size_t i;
	int rc;

	if (!st)
		return V_ERR_NOMEM;
	ctx->state = st;
	csv_row_init(&st->row);
	st->md = pcre2_match_data_create(8, NULL);

	if (json_is_string(cols)) {
		s = json_string_value(cols);
		size_t n = strlen(s), cnt = 1;
		for (i = 0; i < n; i++)
			cnt += s[i] == ',';
		st->cols = calloc(cnt, sizeof(*st->cols));
		if (!st->cols)
			return V_ERR_NOMEM;
		for (i = 0; i <= n;) {
			const char *c = memchr(s + i, ',', n - i);
			size_t e = c ? (size_t)(c - s) : n;
			if ((rc = add_column(st, s + i, e - i, err)) != V_OK)
				return rc;
			i = e + 1;
			if (!c)
				break;
		}
	} else if (json_is_array(cols)) {
		st->cols = calloc(json_array_size(cols) + 1, sizeof(*st->cols));
		if (!st->cols)
			return V_ERR_NOMEM;
		json_array_foreach(cols, i, v) {
			if (!json_is_string(v))
				return verr_set(err, V_ERR_USAGE, "columns", _("column %zu is not a string"), i + 1);
			if ((rc = add_column(st, json_string_value(v), json_string_length(v), err)) != V_OK)
				return rc;
		}
	} else {
		return verr_set(err, V_ERR_USAGE, "columns", _("parameter 'columns' is required (a list of field names)"));
	}
	for (i = 0; i < st->ncols; i++)
		for (int k = 0; k < st->cols[i].nkeys; k++) {
			const char *key = st->cols[i].keys[k];
			if (!*key || !strcmp(key, "__IGNORE__"))
				continue;
			if (schema_lookup(key, strlen(key)) < 0) {
				/* outside the schema: keep under extra.<name> */
				char *x = malloc(strlen(key) + 7);
				if (!x)
					return V_ERR_NOMEM;
				memcpy(x, "extra.", 6);
				memcpy(x + 6, key, strlen(key) + 1);
				free(st->cols[i].keys[k]);
				st->cols[i].keys[k] = x;
			}
		}

	for (i = 0; i < st->ncols; i++)
		for (int k = 0; k < st->cols[i].nkeys; k++) {
			const char *key = st->cols[i].keys[k];
			size_t kl = strlen(key);
			unsigned char kk = KK_PLAIN;
			if (!*key || !strcmp(key, "__IGNORE__"))
				kk = KK_IGNORE;
			else if (!strcmp(key, "time.source") || !strcmp(key, "time.destination"))
				kk = KK_TIME;
			else if (kl >= 4 && !strcmp(key + kl - 4, ".url"))
				kk = KK_URL;
			else if (!strcmp(key, "classification.type"))
				kk = KK_TYPE;
			st->cols[i].kind[k] = kk;
		}

	v = ingest_param(ctx, "columns_required");
	if (json_is_array(v)) {
		if (json_array_size(v) != st->ncols)
			return verr_set(err, V_ERR_USAGE, "columns_required",
					_("has %zu entries but 'columns' has %zu"), json_array_size(v), st->ncols);
		for (i = 0; i < st->ncols; i++)
			st->cols[i].required = json_is_true(json_array_get(v, i));
	}

	s = ingest_param_str(ctx, "delimiter", ",");
	if (strlen(s) != 1)
		return verr_set(err, V_ERR_USAGE, "delimiter", _("must be exactly one character"));
	st->delim = s[0];
	st->url_proto = ingest_param_str(ctx, "default_url_protocol", "http://");
	st->type = ingest_param_str(ctx, "type", NULL);
	st->skip_header = ingest_param_bool(ctx, "skip_header", 0);

	v = ingest_param(ctx, "type_translation");
	if (json_is_string(v) && json_string_length(v)) {
		json_error_t je;
		st->tt_owned = json_loads(json_string_value(v), 0, &je);
		if (!json_is_object(st->tt_owned))
			return verr_set(err, V_ERR_USAGE, "type_translation", _("must be a JSON object"));
		st->type_translation = st->tt_owned;
	} else if (json_is_object(v) && json_object_size(v)) {
		st->type_translation = v;
	}

	s = ingest_param_str(ctx, "time_format", NULL);
	if (!s || !*s)
		st->tf = TF_FUZZY;
	else if (!strcmp(s, "timestamp"))
		st->tf = TF_TIMESTAMP;
	else if (!strcmp(s, "windows_nt"))
		st->tf = TF_WINDOWS_NT;
	else if (!strcmp(s, "epoch_millis"))
		st->tf = TF_EPOCH_MILLIS;
	else if (!strncmp(s, "from_format|", 12)) {
		st->tf = TF_FORMAT;
		st->tf_format = s + 12;
	} else
		return verr_set(err, V_ERR_USAGE, "time_format",
				_("unknown time format '%s' (expected timestamp, windows_nt, epoch_millis or from_format|FORMAT)"), s);

	st->filter_text = ingest_param_str(ctx, "filter_text", NULL);
	s = ingest_param_str(ctx, "filter_type", NULL);
	if (s && *s) {
		if (!strcmp(s, "whitelist"))
			st->filter_type = 1;
		else if (!strcmp(s, "blacklist"))
			st->filter_type = 2;
		else
			return verr_set(err, V_ERR_USAGE, "filter_type", _("must be 'whitelist' or 'blacklist'"));
	}

	v = ingest_param(ctx, "column_regex_search");
	if (json_is_object(v)) {
		const char *k;
		json_t *re;
		json_object_foreach((json_t *)v, k, re) {
			int found = 0;
			if (!json_is_string(re))
				return verr_set(err, V_ERR_USAGE, "column_regex_search", _("regex for '%s' is not a string"), k);
			for (i = 0; i < st->ncols; i++)
				for (int kk = 0; kk < st->cols[i].nkeys; kk++) {
					if (strcmp(st->cols[i].keys[kk], k))
						continue;
					int ec;
					PCRE2_SIZE eo;
					st->cols[i].re[kk] = pcre2_compile((PCRE2_SPTR)json_string_value(re),
									   PCRE2_ZERO_TERMINATED, PCRE2_UTF, &ec, &eo, NULL);
					if (!st->cols[i].re[kk])
						return verr_set(err, V_ERR_USAGE, "column_regex_search",
								_("bad regex for '%s' at offset %zu"), k, (size_t)eo);
					found = 1;
				}
			(void)found;
		}
	}
	v = ingest_param(ctx, "data_type");
	if (json_is_string(v) && json_string_length(v)) {
		json_error_t je;
		json_t *dt = json_loads(json_string_value(v), 0, &je);
		if (!json_is_object(dt)) {
			json_decref(dt);
			return verr_set(err, V_ERR_USAGE, "data_type", _("must be a JSON object"));
		}
		const char *k;
		json_t *t;
		json_object_foreach(dt, k, t)
			for (i = 0; i < st->ncols; i++)
				for (int kk = 0; kk < st->cols[i].nkeys; kk++)
					if (!strcmp(st->cols[i].keys[kk], k) && json_is_string(t) &&
					    !strcmp(json_string_value(t), "json"))
						st->cols[i].json[kk] = 1;
		json_decref(dt);
	}
	v = ingest_param(ctx, "compose_fields");
	if (json_is_object(v) && json_object_size(v)) {
		const char *k;
		json_t *f;
		st->compose = calloc(json_object_size(v), sizeof(*st->compose));
		if (!st->compose)
			return V_ERR_NOMEM;
		json_object_foreach((json_t *)v, k, f) {
			if (!json_is_string(f))
				return verr_set(err, V_ERR_USAGE, "compose_fields", _("format for '%s' is not a string"), k);
			st->compose[st->ncompose].field = strdup(k);
			st->compose[st->ncompose].fmt = strdup(json_string_value(f));
			st->ncompose++;
		}
	}
	return V_OK;
}

static int is_comment_or_blank(const char *s, size_t n)
{
	size_t i = 0;
	while (i < n && (s[i] == ' ' || s[i] == '\t'))
		i++;
	return i == n || s[i] == '#';
}

static int convert_time(struct csv_state *st, const char *v, size_t n, char *out)
{
	struct vtime t;
	int rc;

	switch (st->tf) {
	case TF_TIMESTAMP:
		/* IntelMQ: 12 digits are centiseconds, 13 milliseconds */
		if (n == 12 || n == 13)
			rc = time_parse_epoch_millis(v, n, &t);
		else
			rc = time_parse_epoch(v, n, &t);
		break;
	case TF_WINDOWS_NT: rc = time_parse_windows_nt(v, n, &t); break;
	case TF_EPOCH_MILLIS: rc = time_parse_epoch_millis(v, n, &t); break;
	case TF_FORMAT: rc = time_parse_format(v, n, st->tf_format, &t); break;
	default: rc = time_parse(v, n, &t); break;
	}
	if (rc != 0)
		return -1;
	time_format(&t, out);
	return 0;
}

/* Python str.format with positional fields only: "{0}{1}". */
static int compose_value(struct buf *b, const char *fmt, const struct csv_row *row)
{
	buf_reset(b);
	for (const char *p = fmt; *p; p++) {
		if (p[0] == '{' && p[1] == '{') {
			buf_putc(b, '{');
			p++;
		} else if (p[0] == '}' && p[1] == '}') {
			buf_putc(b, '}');
			p++;
		} else if (*p == '{') {
			char *end;
			long idx = strtol(p + 1, &end, 10);
			if (end == p + 1 || *end != '}' || idx < 0 || (size_t)idx >= row->n)
				return -1;
			buf_append(b, row->f[idx], row->len[idx]);
			p = end;
		} else {
			buf_putc(b, *p);
		}
	}
	buf_cstr(b);
	return 0;
}

static int csv_record(struct ingest_ctx *ctx, const char *rec, size_t len)
{
	struct csv_state *st = ctx->state;
	struct csv_row *row = &st->row;
	char tbuf[48];
	int rc;

	if (is_comment_or_blank(rec, len))
		return V_OK;
	if (st->skip_header && !st->header_seen) {
		st->header_seen = 1;
		return V_OK;
	}
	rc = csv_split(row, rec, len, st->delim, '"');
	if (rc == V_ERR_LIMIT)
		return ingest_reject(ctx, NULL, _("more than %d columns"), CSV_MAX_FIELDS);
	if (rc != V_OK)
		return ingest_reject(ctx, NULL, _("unterminated quoted field"));
	if (st->filter_type && st->filter_text) {
		int found = 0;
		/* IntelMQ searches the row joined by the delimiter */
		buf_reset(&ctx->scratch);
		for (size_t i = 0; i < row->n; i++) {
			if (i)
				buf_putc(&ctx->scratch, st->delim);
			buf_append(&ctx->scratch, row->f[i], row->len[i]);
		}
		found = strstr(buf_cstr(&ctx->scratch), st->filter_text) != NULL;
		if ((st->filter_type == 1 && !found) || (st->filter_type == 2 && found))
			return V_OK;
	}
	if (row->n < st->ncols) {
		/* zip() in IntelMQ silently stops at the shorter; a short row is almost always a
		 * broken one, so it is rejected with the counts */
		return ingest_reject(ctx, NULL, _("%zu columns, expected %zu"), row->n, st->ncols);
	}

	ingest_new_event(ctx);
	for (size_t c = 0; c < st->ncols; c++) {
		struct column *col = &st->cols[c];
		const char *val = row->f[c];
		size_t vn = row->len[c];
		int added = 0;
		const char *last_key = NULL;

		if (vn == 0)
			continue; /* an empty string is never valid */
		for (int k = 0; k < col->nkeys && !added; k++) {
			const char *key = col->keys[k];
			const char *v = val;
			size_t n = vn;
			last_key = key;
			if (col->re[k]) {
				int m = pcre2_match(col->re[k], (PCRE2_SPTR)v, n, 0, 0, st->md, NULL);
				if (m < 0) {
					added = 1; /* IntelMQ adds None: nothing, and moves on */
					break;
				}
				PCRE2_SIZE *ov = pcre2_get_ovector_pointer(st->md);
				v = val + ov[0];
				n = ov[1] - ov[0];
			}
			if (col->kind[k] == KK_IGNORE) {
				added = 1;
				break;
			}
			if (col->kind[k] == KK_TIME) {
				if (convert_time(st, v, n, tbuf) != 0)
					continue;
				v = tbuf;
				n = strlen(tbuf);
			} else if (n > 4 && col->kind[k] == KK_URL) {
				const char *sep = v;
				while ((sep = memchr(sep, ':', (size_t)(v + n - sep))) != NULL &&
				       (v + n - sep < 3 || sep[1] != '/' || sep[2] != '/'))
					sep++; /* not memmem: 1% of URLhaus once fast (bench/) */
				if (!sep) {
					buf_reset(&ctx->scratch);
					buf_puts(&ctx->scratch, st->url_proto);
					buf_append(&ctx->scratch, v, n);
					v = ctx->scratch.data;
					n = ctx->scratch.len;
				}
			} else if (col->kind[k] == KK_TYPE && st->type_translation) {
				char tmp[128];
				if (n < sizeof(tmp)) {
					const json_t *t;
					if (st->tt_last_set && n == st->tt_last_len &&
					    !memcmp(v, st->tt_last, n)) {
						t = st->tt_last_val;
					} else {
						memcpy(tmp, v, n);
						tmp[n] = 0;
						t = json_object_get(st->type_translation, tmp);
						memcpy(st->tt_last, v, n);
						st->tt_last_len = n;
						st->tt_last_val = t;
						st->tt_last_set = 1;
					}
					if (json_is_string(t)) {
						v = json_string_value(t);
						n = json_string_length(t);
					} else if (!st->type) {
						continue;
					}
				}
			}
			if (col->json[k]) {
				json_error_t je;
				json_t *j = json_loadb(v, n, 0, &je);
				if (!j)
					continue;
				rc = ingest_add_json(ctx, key, j, ING_IGNORE_INVALID);
				json_decref(j);
			} else {
				rc = ingest_add(ctx, key, v, n, ING_IGNORE_INVALID);
			}
			if (rc == V_OK || rc == V_SKIP)
				added = 1;
		}
		if (!added && col->required)
			ingest_fail(ctx, last_key, _("value '%.*s' is not valid for %s"),
				    (int)(vn > 64 ? 64 : vn), val, last_key);
	}
	for (size_t i = 0; i < st->ncompose; i++) {
		if (compose_value(&ctx->scratch, st->compose[i].fmt, row) != 0) {
			ingest_fail(ctx, st->compose[i].field, _("compose_fields refers to a missing column"));
			continue;
		}
		ingest_add(ctx, st->compose[i].field, ctx->scratch.data, ctx->scratch.len, ING_OVERWRITE);
	}
	if (st->type && !event_has(ctx->ev, "classification.type"))
		ingest_add_str(ctx, "classification.type", st->type, 0);

	/* raw: the original record and its line end, as IntelMQ keeps CSV lines */
	buf_reset(&ctx->raw);
	buf_append(&ctx->raw, rec, len);
	buf_putc(&ctx->raw, '\n');
	return ingest_emit(ctx, ctx->raw.data, ctx->raw.len);
}

const struct parser parser_csv = {
	.name = "csv",
	.aliases = (const char *const[]){ "intelmq.bots.parsers.generic.parser_csv", "generic_csv", NULL },
	.description = N_("generic CSV with column mappings (IntelMQ generic CSV parser)"),
	.mode = PARSE_CSV,
	.init = csv_init,
	.record = csv_record,
	.fini = csv_fini,
};
