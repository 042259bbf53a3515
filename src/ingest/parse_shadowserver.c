/*
 * parse_shadowserver.c — Shadowserver report CSVs, mapped by data instead of code.
 *
 * One parser serves every Shadowserver report type.  What a report's columns mean lives in a
 * mapping schema (data/shadowserver/schema.json, built into the binary; the parameter
 * "schema_file" names another file in the same format), one entry per report type:
 *
 *   "scan_ntp": { "feed_name": "NTP-Version", "file_name": "scan_ntp",
 *                 "required_fields": [[field, column, conversion], ...],
 *                 "optional_fields": [[field, column, conversion, row?], ...],
 *                 "constant_fields": { field: value, ... } }
 *
 * This is the format IntelMQ reads from Shadowserver (intelmq/bots/parsers/shadowserver/
 * schema.json), and the rules below are those of IntelMQ's Shadowserver parser bot:
 *
 *   - the report type comes from the parameter "report_type" (vigia) or "feedname" (IntelMQ,
 *     matched against feed_name), else from the report's extra.file_name, whose
 *     "[YYYY-MM-DD-]<file_name>[-suffix...].csv" must name an entry's file_name, else from
 *     the report's feed.name matched against feed_name;
 *   - the first row of each input is the header; rows are read by column name (a name that
 *     appears twice reads its last column, as Python's csv.DictReader does);
 *   - a required column missing from the header rejects the row; a required value that does
 *     not convert or validate rejects the row; one the conversion drops (None) is left out;
 *   - an optional value that does not validate for its field, or whose field an earlier
 *     column set, is kept under extra.<column>; field "extra." stores under extra.<column>,
 *     "extra.x" under extra.x, false ignores;
 *   - constant_fields are set last and win; columns no mapping used go to extra.<column>
 *     unless empty; feed.name becomes the schema's feed_name unless the report has one
 *     (parameter "overwrite": true replaces it); raw is the header line plus the row.
 *
 * The conversions are IntelMQ's functions of the same names (config.py / _config.py), plus
 * set_tor_node from the older hard-coded mappings.  Where vigia differs on purpose (an empty
 * value for convert_date_utc, empty extra values, a repeated header line, a byte-order mark)
 * see docs/formats.md, "Shadowserver".
 */
#include <ctype.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <sodium.h>

#include "base/i18n.h"
#include "base/log.h"
#include "base/pystr.h"
#include "ingest/ingest.h"

#define SS_SCHEMA_BLOB "shadowserver/schema.json"
#define SS_MAX_MAPS 1024

enum conv {
	CV_NONE,
	CV_ADD_UTC,        /* add_UTC_to_timestamp */
	CV_BOOL,           /* convert_bool */
	CV_TO_NONE,        /* validate_to_none */
	CV_INT,            /* convert_int */
	CV_FLOAT,          /* convert_float */
	CV_HOST_URL,       /* convert_http_host_and_url (reads the row) */
	CV_NONZERO,        /* invalidate_zero */
	CV_IP,             /* validate_ip */
	CV_NETWORK,        /* validate_network */
	CV_FQDN,           /* validate_fqdn */
	CV_DATE,           /* convert_date */
	CV_DATE_UTC,       /* convert_date_utc */
	CV_BASE64,         /* force_base64 */
	CV_TOR_NODE,       /* set_tor_node */
	CV_EXCH_TAXONOMY,  /* scan_exchange_taxonomy */
	CV_EXCH_TYPE,      /* scan_exchange_type */
	CV_EXCH_ID         /* scan_exchange_identifier */
};

static const struct {
	const char *name;
	enum conv cv;
} conv_names[] = {
	{ "add_UTC_to_timestamp", CV_ADD_UTC },
	{ "convert_bool", CV_BOOL },
	{ "validate_to_none", CV_TO_NONE },
	{ "convert_int", CV_INT },
	{ "convert_float", CV_FLOAT },
	{ "convert_http_host_and_url", CV_HOST_URL },
	{ "invalidate_zero", CV_NONZERO },
	{ "validate_ip", CV_IP },
	{ "validate_network", CV_NETWORK },
	{ "validate_fqdn", CV_FQDN },
	{ "convert_date", CV_DATE },
	{ "convert_date_utc", CV_DATE_UTC },
	{ "force_base64", CV_BASE64 },
	{ "set_tor_node", CV_TOR_NODE },
	{ "scan_exchange_taxonomy", CV_EXCH_TAXONOMY },
	{ "scan_exchange_type", CV_EXCH_TYPE },
	{ "scan_exchange_identifier", CV_EXCH_ID },
};

enum mkind {
	MK_FIELD,     /* a schema field: validated, kept in extra when invalid (optional) */
	MK_EXTRA_COL, /* "extra.": extra.<column> */
	MK_EXTRA_KEY, /* "extra.x": extra.x */
	MK_BAD_KEY,   /* a name outside the schema: IntelMQ's InvalidKey, stored as extra.<name> */
	MK_IGNORE     /* false: the column is used up and dropped */
};

struct mapping {
	enum mkind kind;
	const char *key;   /* borrowed from the schema JSON; NULL for MK_IGNORE */
	const char *col;   /* borrowed */
	size_t col_len;
	enum conv cv;
	int required;
	int hidx;          /* header position of the column (its last occurrence), or -1 */
};

/* A converted value, as IntelMQ's conversion functions return Python values. */
enum vtype { VT_NONE, VT_STR, VT_INT, VT_FLOAT, VT_BOOL };

struct cval {
	enum vtype t;
	const char *s;
	size_t n;
	long long i;
	double d;
};

struct ss_state {
	json_t *schema;          /* owned */
	const char *report;      /* borrowed from schema: the entry's key */
	const char *feedname;    /* borrowed: feed.name to set when the report has none */
	const char *fixed_name;  /* borrowed: parameter feedname, when it named the report */
	int fixed;               /* the report type comes from the feed definition */
	char input_error[512];   /* this input has no report type: why (each row says so) */
	int overwrite;           /* parameter "overwrite": replace the report's feed.name */
	size_t nmaps;
	struct mapping *maps;    /* owned; required ones first */
	const json_t *constants; /* borrowed */

	/* the current input's header */
	int have_header;
	struct buf header_raw;   /* the header line as read */
	size_t ncols;
	char **names;            /* owned: column names */
	int *canon;              /* per column: position of the last column with that name */
	int hx_cc_dns, hx_http_host, hx_url, hx_http_url, hx_application;
	int warned;              /* "required column missing" said once per input */

	/* per row */
	struct csv_row row;
	int *pend;               /* pending columns (IntelMQ's "fields" list), by canon index */
	unsigned char *alive;
	size_t npend;
	int *count;              /* per canon index: alive pending entries */
	struct buf cbuf;         /* conversion output */
	struct buf raw;          /* header + "\n" + row */
};

/* ---- schema ------------------------------------------------------------------------------ */

static int conv_lookup(const char *name, enum conv *out)
{
	for (size_t i = 0; i < sizeof(conv_names) / sizeof(conv_names[0]); i++)
		if (!strcmp(conv_names[i].name, name)) {
			*out = conv_names[i].cv;
			return 0;
		}
	return -1;
}

static int load_schema(struct ingest_ctx *ctx, struct ss_state *st, struct verr *err)
{
	const char *path = ingest_param_str(ctx, "schema_file", NULL);
	json_error_t je;

	if (path && *path) {
		st->schema = json_load_file(path, 0, &je);
		if (!st->schema && je.line > 0)
			return verr_set(err, V_ERR_USAGE, "schema_file", _("%s: line %d: %s"), path,
					je.line, je.text);
		if (!st->schema)
			return verr_set(err, V_ERR_USAGE, "schema_file", "%s", je.text);
	} else {
		size_t len;
		const char *data = blob_get(SS_SCHEMA_BLOB, &len);
		if (!data)
			return verr_set(err, V_ERR_USAGE, "schema_file",
					_("no built-in Shadowserver schema (%s)"), SS_SCHEMA_BLOB);
		st->schema = json_loadb(data, len, 0, &je);
		if (!st->schema)
			return verr_set(err, V_ERR_PARSE, "schema_file", "%s: line %d: %s",
					SS_SCHEMA_BLOB, je.line, je.text);
	}
	if (!json_is_object(st->schema))
		return verr_set(err, V_ERR_USAGE, "schema_file",
				_("the Shadowserver schema must be a JSON object of report types"));
	return V_OK;
}

static const char *entry_str(const json_t *entry, const char *key)
{
	const json_t *v = json_object_get(entry, key);
	return json_is_string(v) ? json_string_value(v) : NULL;
}

/* The entry whose `what` ("file_name", "feed_name") equals name; the last one, as IntelMQ's
 * dict of them keeps the last.  *key receives the entry's name. */
static const json_t *find_entry(const json_t *schema, const char *what, const char *name,
				const char **key)
{
	const char *k;
	json_t *v;
	const json_t *found = NULL;

	json_object_foreach((json_t *)schema, k, v) {
		const char *s = entry_str(v, what);
		if (s && !strcmp(s, name)) {
			found = v;
			*key = k;
		}
	}
	return found;
}

static int is_word(unsigned char c)
{
	return isalnum(c) || c == '_' || c >= 0x80;
}

/*
 * The report type in a Shadowserver file name, as IntelMQ's
 * ^(?:\d{4}-\d{2}-\d{2}-)?(\w+)(-\w+)*\.csv$ finds it: "2019-01-01-scan_ntp-test-geo.csv"
 * gives "scan_ntp".  Returns the length written to out, 0 when the name does not fit.
 */
static size_t report_from_file_name(const char *fn, char *out, size_t outsz)
{
	size_t n = strlen(fn), i = 0, s, e;

	if (n < 4 || strcmp(fn + n - 4, ".csv") != 0)
		return 0;
	n -= 4;
	/* the rest must be \w+(-\w+)*: words separated by single dashes */
	for (size_t k = 0; k < n; k++) {
		unsigned char c = (unsigned char)fn[k];
		if (c == '-') {
			if (k == 0 || k + 1 == n || fn[k + 1] == '-')
				return 0;
		} else if (!is_word(c)) {
			return 0;
		}
	}
	if (n == 0)
		return 0;
	/* an optional date prefix; the date's own parts are words too, so both readings fit */
	if (n > 11 && isdigit((unsigned char)fn[0]) && isdigit((unsigned char)fn[1]) &&
	    isdigit((unsigned char)fn[2]) && isdigit((unsigned char)fn[3]) && fn[4] == '-' &&
	    isdigit((unsigned char)fn[5]) && isdigit((unsigned char)fn[6]) && fn[7] == '-' &&
	    isdigit((unsigned char)fn[8]) && isdigit((unsigned char)fn[9]) && fn[10] == '-')
		i = 11;
	s = i;
	e = s;
	while (e < n && fn[e] != '-')
		e++;
	if (e == s || e - s >= outsz)
		return 0;
	memcpy(out, fn + s, e - s);
	out[e - s] = 0;
	return e - s;
}

/*
 * The report type the feed definition names: parameter report_type, parameter feedname,
 * the report's extra.file_name, the report's feed.name.  *entry stays NULL when none of
 * them is given: each input's own file name tells then (pick_for_input).
 */
static int select_report(struct ingest_ctx *ctx, struct ss_state *st, const json_t **entry,
			 struct verr *err)
{
	const char *rt = ingest_param_str(ctx, "report_type", NULL);
	const char *fixed = ingest_param_str(ctx, "feedname", NULL);
	const char *fn = ingest_report_str(ctx, "extra.file_name");
	const char *rfeed = ingest_report_str(ctx, "feed.name");
	char name[256];

	*entry = NULL;
	if (rt && *rt) {
		/* vigia's parameter: the entry's name, its file_name or its feed_name */
		const json_t *e = json_object_get(st->schema, rt);
		if (json_is_object(e)) {
			st->report = json_object_iter_key(json_object_iter_at(st->schema, rt));
			*entry = e;
		} else if (!(*entry = find_entry(st->schema, "file_name", rt, &st->report))) {
			*entry = find_entry(st->schema, "feed_name", rt, &st->report);
		}
		if (!*entry)
			return verr_set(err, V_ERR_USAGE, "report_type",
					_("no Shadowserver report type '%s' in the schema"), rt);
		return V_OK;
	}
	if (fixed && *fixed) {
		/* IntelMQ's parameter: a feed name; unknown ones fall back to detection */
		*entry = find_entry(st->schema, "feed_name", fixed, &st->report);
		if (*entry) {
			st->fixed_name = fixed;
			return V_OK;
		}
		log_info(_("Shadowserver: no report type with feed name '%s'; using the file name"),
			 fixed);
	}
	if (fn && report_from_file_name(fn, name, sizeof(name)))
		*entry = find_entry(st->schema, "file_name", name, &st->report);
	if (!*entry && rfeed)
		*entry = find_entry(st->schema, "feed_name", rfeed, &st->report);
	if (!*entry && fn)
		return verr_set(err, V_ERR_USAGE, "extra.file_name",
				_("no Shadowserver report type for file name '%s' (set the parameter "
				  "report_type)"), fn);
	return V_OK;
}

static int add_maps(struct ss_state *st, const json_t *list, int required, const char *what,
		    struct verr *err)
{
	size_t i;
	json_t *item;

	if (!list)
		return V_OK;
	if (!json_is_array(list))
		return verr_set(err, V_ERR_USAGE, what, _("report type '%s': not a list"), st->report);
	json_array_foreach(list, i, item) {
		struct mapping *m = &st->maps[st->nmaps];
		const json_t *k = json_array_get(item, 0), *c = json_array_get(item, 1);
		const json_t *f = json_array_get(item, 2);

		if (st->nmaps >= SS_MAX_MAPS)
			return verr_set(err, V_ERR_LIMIT, what, _("report type '%s': too many fields"),
					st->report);
		if (!json_is_array(item) || !json_is_string(c) ||
		    !(json_is_string(k) || json_is_false(k) || json_is_null(k)))
			return verr_set(err, V_ERR_USAGE, what,
					_("report type '%s': item %zu is not [field, column, conversion]"),
					st->report, i + 1);
		memset(m, 0, sizeof(*m));
		m->col = json_string_value(c);
		m->col_len = strlen(m->col);
		m->required = required;
		m->hidx = -1;
		if (json_is_string(f)) {
			if (conv_lookup(json_string_value(f), &m->cv) != 0)
				return verr_set(err, V_ERR_USAGE, what,
						_("report type '%s': unknown conversion '%s'"), st->report,
						json_string_value(f));
		} else if (f && !json_is_null(f)) {
			return verr_set(err, V_ERR_USAGE, what,
					_("report type '%s': conversion of '%s' is not a name"), st->report,
					m->col);
		}
		if (!json_is_string(k)) {
			m->kind = MK_IGNORE;
		} else {
			const char *key = json_string_value(k);
			size_t kl = strlen(key);
			m->key = key;
			if (!strcmp(key, "extra."))
				m->kind = MK_EXTRA_COL;
			else if (kl > 6 && !strncmp(key, "extra.", 6))
				m->kind = MK_EXTRA_KEY;
			else if (schema_lookup(key, kl) < 0 || !strcmp(key, "extra") || !strcmp(key, "raw"))
				m->kind = MK_BAD_KEY;
			else
				m->kind = MK_FIELD;
		}
		st->nmaps++;
	}
	return V_OK;
}

/* Constants are checked once here, so a typo in the schema is an error at start-up. */
static int check_constants(struct ss_state *st, struct verr *err)
{
	struct event *ev;
	const char *k;
	json_t *v;
	int rc = V_OK;

	if (!st->constants)
		return V_OK;
	if (!json_is_object(st->constants))
		return verr_set(err, V_ERR_USAGE, "constant_fields",
				_("report type '%s': constant_fields is not an object"), st->report);
	if (!(ev = event_new()))
		return V_ERR_NOMEM;
	json_object_foreach((json_t *)st->constants, k, v) {
		struct verr e = { 0 };
		int r = event_set_json(ev, k, v, EV_OVERWRITE, &e);
		if (r != V_OK && r != V_SKIP) {
			rc = verr_set(err, V_ERR_USAGE, "constant_fields",
				      _("report type '%s': constant %s: %s"), st->report, k,
				      e.reason[0] ? e.reason : vres_str(r));
			break;
		}
	}
	event_free(ev);
	return rc;
}

static void reset_header(struct ss_state *st)
{
	for (size_t i = 0; i < st->ncols; i++)
		free(st->names[i]);
	free(st->names);
	free(st->canon);
	free(st->pend);
	free(st->alive);
	free(st->count);
	st->names = NULL;
	st->canon = st->pend = st->count = NULL;
	st->alive = NULL;
	st->ncols = 0;
	st->have_header = 0;
	st->warned = 0;
	buf_reset(&st->header_raw);
}

static void ss_fini(struct ingest_ctx *ctx)
{
	struct ss_state *st = ctx->state;

	if (!st)
		return;
	reset_header(st);
	free(st->maps);
	json_decref(st->schema);
	csv_row_fini(&st->row);
	buf_fini(&st->header_raw);
	buf_fini(&st->cbuf);
	buf_fini(&st->raw);
	free(st);
	ctx->state = NULL;
}

/* Make entry (named key) the report type in use: its mappings and constants. */
static int use_entry(struct ss_state *st, const char *key, const json_t *entry,
		     struct verr *err)
{
	int rc;

	st->report = key;
	st->nmaps = 0;
	st->constants = NULL;
	st->feedname = st->fixed_name ? st->fixed_name : entry_str(entry, "feed_name");
	if (!json_is_object(entry) || !st->feedname)
		return verr_set(err, V_ERR_USAGE, "schema_file",
				_("report type '%s' has no feed_name"), key);
	if ((rc = add_maps(st, json_object_get(entry, "required_fields"), 1, "required_fields",
			   err)) != V_OK ||
	    (rc = add_maps(st, json_object_get(entry, "optional_fields"), 0, "optional_fields",
			   err)) != V_OK)
		return rc;
	st->constants = json_object_get(entry, "constant_fields");
	if ((rc = check_constants(st, err)) != V_OK)
		return rc;
	log_debug("Shadowserver: report type %s (%s)", st->report, st->feedname);
	return V_OK;
}

static int ss_init(struct ingest_ctx *ctx, struct verr *err)
{
	struct ss_state *st = calloc(1, sizeof(*st));
	const json_t *entry;
	int rc;

	if (!st)
		return V_ERR_NOMEM;
	ctx->state = st;
	csv_row_init(&st->row);
	buf_init(&st->header_raw, 0);
	buf_init(&st->cbuf, 0);
	buf_init(&st->raw, 0);
	st->overwrite = ingest_param_bool(ctx, "overwrite", 0);
	st->maps = calloc(SS_MAX_MAPS, sizeof(*st->maps));
	if (!st->maps)
		return V_ERR_NOMEM;
	if ((rc = load_schema(ctx, st, err)) != V_OK)
		return rc;
	if ((rc = select_report(ctx, st, &entry, err)) != V_OK)
		return rc;
	if (entry) {
		st->fixed = 1;
		if ((rc = use_entry(st, st->report, entry, err)) != V_OK)
			return rc;
	}
	if (json_is_true(ingest_param(ctx, "auto_update")))
		log_warn(_("Shadowserver: auto_update is not supported; use schema_file for a newer "
			   "schema"));
	return V_OK;
}

/*
 * No report type from the feed definition: take it from this input's file name, as IntelMQ's
 * file collectors put it in extra.file_name ("dir/2024-05-01-scan_ntp-de-geo.csv.gz", or a
 * zip member "reports.zip:2024-05-01-scan_ntp-de-geo.csv").
 */
static int pick_for_input(struct ingest_ctx *ctx, struct ss_state *st)
{
	const char *file = ctx->file ? ctx->file : "", *base, *key = NULL;
	const json_t *entry = NULL;
	char fn[256], name[256];
	size_t n;
	struct verr e = { 0 };

	base = strrchr(file, '/');
	base = base ? base + 1 : file;
	if (strrchr(base, ':'))
		base = strrchr(base, ':') + 1;
	n = strlen(base);
	if (n > 3 && !strcmp(base + n - 3, ".gz"))
		n -= 3;
	if (n < sizeof(fn)) {
		memcpy(fn, base, n);
		fn[n] = 0;
		if (report_from_file_name(fn, name, sizeof(name)))
			entry = find_entry(st->schema, "file_name", name, &key);
	}
	if (!entry) {
		snprintf(st->input_error, sizeof(st->input_error),
			 _("no Shadowserver report type for file name '%s' (name the file as "
			   "Shadowserver does, e.g. 2024-05-01-scan_ntp-de-geo.csv, or set the "
			   "parameter report_type)"), base);
		return V_ERR_USAGE;
	}
	if (use_entry(st, key, entry, &e) != V_OK) {
		snprintf(st->input_error, sizeof(st->input_error), "%s", e.reason);
		return V_ERR_USAGE;
	}
	return V_OK;
}

/* ---- header ------------------------------------------------------------------------------ */

static int col_index(const struct ss_state *st, const char *name, size_t len)
{
	for (size_t i = st->ncols; i-- > 0;)
		if (strlen(st->names[i]) == len && !memcmp(st->names[i], name, len))
			return (int)i;
	return -1;
}

static int read_header(struct ingest_ctx *ctx, struct ss_state *st, const char *rec, size_t len)
{
	struct csv_row *row = &st->row;
	size_t n, skip = 0;
	int rc;

	/* a UTF-8 byte-order mark is not part of the first column's name */
	if (len >= 3 && !memcmp(rec, "\xef\xbb\xbf", 3))
		skip = 3;
	rc = csv_split(row, rec + skip, len - skip, ',', '"');
	if (rc == V_ERR_LIMIT)
		return ingest_reject(ctx, NULL, _("header: more than %d columns"), CSV_MAX_FIELDS);
	if (rc != V_OK)
		return ingest_reject(ctx, NULL, _("header: unterminated quoted field"));
	n = row->n;
	st->names = calloc(n, sizeof(*st->names));
	st->canon = calloc(n, sizeof(*st->canon));
	st->count = calloc(n, sizeof(*st->count));
	st->pend = calloc(n + st->nmaps, sizeof(*st->pend));
	st->alive = calloc(n + st->nmaps, 1);
	if (!st->names || !st->canon || !st->count || !st->pend || !st->alive)
		return V_ERR_NOMEM;
	for (size_t i = 0; i < n; i++) {
		st->names[i] = strndup(row->f[i], row->len[i]);
		if (!st->names[i])
			return V_ERR_NOMEM;
		st->ncols = i + 1;
	}
	for (size_t i = 0; i < n; i++)
		st->canon[i] = col_index(st, st->names[i], strlen(st->names[i]));
	for (size_t i = 0; i < st->nmaps; i++) {
		struct mapping *m = &st->maps[i];
		m->hidx = col_index(st, m->col, m->col_len);
		if (m->required && m->hidx < 0 && !st->warned) {
			log_warn(_("%s: Shadowserver %s: required column '%s' is not in the header; "
				   "every row will be rejected"), ctx->file ? ctx->file : "-",
				 st->report, m->col);
			st->warned = 1;
			/* the first line is no header (a data row, or another report): quarantine it
			 * too, so that no record is lost without a trace */
			ingest_reject(ctx, m->col, _("missing header: the first line does not name the "
						     "required column '%s'"), m->col);
		}
	}
	st->hx_cc_dns = col_index(st, "cc_dns", 6);
	st->hx_http_host = col_index(st, "http_host", 9);
	st->hx_url = col_index(st, "url", 3);
	st->hx_http_url = col_index(st, "http_url", 8);
	st->hx_application = col_index(st, "application", 11);
	if ((rc = buf_append(&st->header_raw, rec, len)) != V_OK)
		return rc;
	st->have_header = 1;
	return V_OK;
}

/* ---- conversions ------------------------------------------------------------------------- */

/* Python's float(str).  Returns 0, -1 (not a number) or 1 (nan/inf: no JSON number). */
static int py_float(const char *s, size_t n, double *out)
{
	char tmp[128], *end;
	size_t k = 0;

	pystr_strip(&s, &n);
	if (!n)
		return -1;
	{
		const char *p = s;
		size_t m = n;
		if (*p == '+' || *p == '-')
			p++, m--;
		if ((m == 3 && (!strncasecmp(p, "inf", 3) || !strncasecmp(p, "nan", 3))) ||
		    (m == 8 && !strncasecmp(p, "infinity", 8)))
			return 1;
	}
	if (n >= sizeof(tmp))
		return -1;
	for (size_t i = 0; i < n; i++) {
		char c = s[i];
		if (c == '_') {
			if (!i || i + 1 >= n || !isdigit((unsigned char)s[i - 1]) ||
			    !isdigit((unsigned char)s[i + 1]))
				return -1;
			continue;
		}
		if (!(isdigit((unsigned char)c) || c == '.' || c == 'e' || c == 'E' || c == '+' ||
		      c == '-'))
			return -1; /* no hex floats */
		tmp[k++] = c;
	}
	tmp[k] = 0;
	*out = strtod(tmp, &end);
	if (*end || end == tmp)
		return -1;
	if (*out != *out || *out - *out != 0)
		return 1;
	return 0;
}

/* Python's \s.*$ removed: from the first blank after which no line break follows (but a
 * final one) to the end. */
static size_t cut_at_blank(const char *s, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		if (!pystr_isspace_ascii((unsigned char)s[i]))
			continue;
		const char *nl = memchr(s + i + 1, '\n', n - i - 1);
		if (!nl || nl == s + n - 1)
			return i;
	}
	return n;
}

/* The row's value in a column, or NULL when the header has no such column or the row is
 * shorter than the header (csv.DictReader's None). */
static const char *row_get(const struct ss_state *st, int hidx, size_t *len)
{
	if (hidx < 0 || (size_t)hidx >= st->row.n) {
		*len = 0;
		return NULL;
	}
	*len = st->row.len[hidx];
	return st->row.f[hidx];
}

/* convert_http_host_and_url: host from cc_dns or http_host, path from url or http_url. */
static int conv_host_url(struct ss_state *st, const char *v, size_t n, struct cval *out)
{
	const char *host = NULL, *path = NULL, *app;
	size_t hl = 0, pl = 0, al = 0;
	int rc;

	if (st->hx_cc_dns >= 0)
		host = row_get(st, st->hx_cc_dns, &hl);
	else if (st->hx_http_host >= 0)
		host = row_get(st, st->hx_http_host, &hl);
	if (st->hx_url >= 0)
		path = row_get(st, st->hx_url, &pl);
	else if (st->hx_http_url >= 0)
		path = row_get(st, st->hx_http_url, &pl);
	out->t = VT_STR;
	if (!hl || !pl) {
		out->s = v;
		out->n = n;
		return V_OK;
	}
	/* drop a request line's method before the path, and anything after it */
	const char *slash = memchr(path, '/', pl);
	if (!slash) {
		pl = 0;
	} else {
		pl -= (size_t)(slash - path);
		path = slash;
	}
	pl = cut_at_blank(path, pl);
	app = row_get(st, st->hx_application, &al);
	if (!((al == 4 && !memcmp(app, "http", 4)) || (al == 5 && !memcmp(app, "https", 5)))) {
		app = "http";
		al = 4;
	}
	buf_reset(&st->cbuf);
	if ((rc = buf_append(&st->cbuf, app, al)) != V_OK ||
	    (rc = buf_append(&st->cbuf, "://", 3)) != V_OK ||
	    (rc = buf_append(&st->cbuf, host, hl)) != V_OK ||
	    (rc = buf_append(&st->cbuf, path, pl)) != V_OK)
		return rc;
	out->s = st->cbuf.data;
	out->n = st->cbuf.len;
	return V_OK;
}

/* force_base64: a value that is strict base64 stays, anything else is encoded. */
static int is_strict_base64(const char *s, size_t n)
{
	size_t data = 0, pad = 0;

	for (size_t i = 0; i < n; i++) {
		unsigned char c = (unsigned char)s[i];
		if (c == '=') {
			pad++;
		} else if (pad || !(isalnum(c) || c == '+' || c == '/')) {
			return 0;
		} else {
			data++;
		}
	}
	return pad <= 2 && (data + pad) % 4 == 0 && data % 4 != 1;
}

/* Sanitise v as type t into cbuf; 1 when it is valid, 0 when not (or ignored). */
static int sanitizes(struct ss_state *st, enum ftype t, const char *v, size_t n)
{
	enum vkind kind;
	buf_reset(&st->cbuf);
	return value_sanitize(t, v, n, &st->cbuf, &kind, NULL) == V_OK;
}

/*
 * Apply a conversion.  Returns V_OK (out->t == VT_NONE when the value is dropped), or
 * V_ERR_INVALID with the reason in why (IntelMQ raises and loses the row).
 */
static int convert(struct ss_state *st, const struct mapping *m, const char *v, size_t n,
		   struct cval *out, char *why, size_t whysz)
{
	int r;

	memset(out, 0, sizeof(*out));
	out->t = VT_STR;
	out->s = v;
	out->n = n;
	switch (m->cv) {
	case CV_NONE:
		return V_OK;
	case CV_ADD_UTC:
		buf_reset(&st->cbuf);
		if ((r = buf_append(&st->cbuf, v, n)) != V_OK || (r = buf_append(&st->cbuf, " UTC", 4)) != V_OK)
			return r;
		out->s = st->cbuf.data;
		out->n = st->cbuf.len;
		return V_OK;
	case CV_BOOL: {
		static const char *const yes[] = { "y", "yes", "true", "enabled", "1", NULL };
		static const char *const no[] = { "n", "no", "false", "disabled", "0", NULL };
		out->t = VT_NONE;
		for (int i = 0; yes[i]; i++)
			if (strlen(yes[i]) == n && !strncasecmp(v, yes[i], n))
				out->t = VT_BOOL, out->i = 1;
		for (int i = 0; no[i]; i++)
			if (strlen(no[i]) == n && !strncasecmp(v, no[i], n))
				out->t = VT_BOOL, out->i = 0;
		return V_OK;
	}
	case CV_TO_NONE:
		if (!n || (n == 1 && v[0] == '0') || (n == 7 && !memcmp(v, "unknown", 7)))
			out->t = VT_NONE;
		return V_OK;
	case CV_INT:
	case CV_NONZERO:
		if (!n) {
			out->t = VT_NONE;
			return V_OK;
		}
		if (pystr_int(v, n, &out->i) != 0) {
			snprintf(why, whysz, _("'%.*s' is not an integer"), (int)(n > 64 ? 64 : n), v);
			return V_ERR_INVALID;
		}
		out->t = (m->cv == CV_NONZERO && out->i == 0) ? VT_NONE : VT_INT;
		return V_OK;
	case CV_FLOAT:
		if (!n) {
			out->t = VT_NONE;
			return V_OK;
		}
		r = py_float(v, n, &out->d);
		if (r < 0) {
			snprintf(why, whysz, _("'%.*s' is not a number"), (int)(n > 64 ? 64 : n), v);
			return V_ERR_INVALID;
		}
		out->t = r == 0 ? VT_FLOAT : VT_NONE; /* nan and inf have no JSON form */
		return V_OK;
	case CV_HOST_URL:
		return conv_host_url(st, v, n, out);
	case CV_IP:
		if ((n == 7 && !memcmp(v, "0.0.0.0", 7)) || memchr(v, '/', n) ||
		    !sanitizes(st, FT_IP, v, n))
			out->t = VT_NONE;
		return V_OK;
	case CV_NETWORK:
		if (!memchr(v, '/', n) || !sanitizes(st, FT_NETWORK, v, n))
			out->t = VT_NONE;
		return V_OK;
	case CV_FQDN:
		if (!n || !sanitizes(st, FT_FQDN, v, n))
			out->t = VT_NONE;
		return V_OK;
	case CV_DATE:
	case CV_DATE_UTC:
		/* time_parse takes a time without a zone as UTC, which is what convert_date_utc
		 * asks for; IntelMQ's convert_date reads it in the local zone (UTC on servers) */
		if (!sanitizes(st, FT_DATETIME, v, n)) {
			out->t = VT_NONE;
			return V_OK;
		}
		out->s = st->cbuf.data;
		out->n = st->cbuf.len;
		return V_OK;
	case CV_BASE64: {
		if (!n) {
			out->t = VT_NONE;
			return V_OK;
		}
		if (is_strict_base64(v, n))
			return V_OK;
		size_t b64 = sodium_base64_encoded_len(n, sodium_base64_VARIANT_ORIGINAL);
		buf_reset(&st->cbuf);
		if ((r = buf_reserve(&st->cbuf, b64)) != V_OK)
			return r;
		sodium_bin2base64(st->cbuf.data, b64, (const unsigned char *)v, n,
				  sodium_base64_VARIANT_ORIGINAL);
		st->cbuf.len = b64 - 1;
		out->s = st->cbuf.data;
		out->n = st->cbuf.len;
		return V_OK;
	}
	case CV_TOR_NODE:
		if (n) {
			out->t = VT_BOOL;
			out->i = 1;
		} else {
			out->t = VT_NONE;
		}
		return V_OK;
	case CV_EXCH_TAXONOMY:
	case CV_EXCH_TYPE:
	case CV_EXCH_ID: {
		static const char *const web[] = { "intrusions", "system-compromise",
						   "exchange-server-webshell" };
		/* IntelMQ's scan_exchange_type says "infected-system" for a vulnerable server,
		 * under taxonomy "vulnerable": RSIT files infected-system under malicious-code,
		 * and the server is vulnerable, not infected (docs/formats.md) */
		static const char *const vuln[] = { "vulnerable", "vulnerable-system",
						    "vulnerable-exchange-server" };
		int webshell = n == 17 && !memcmp(v, "exchange;webshell", 17);
		int which = m->cv - CV_EXCH_TAXONOMY;
		out->s = webshell ? web[which] : vuln[which];
		out->n = strlen(out->s);
		return V_OK;
	}
	}
	return V_OK;
}

/* ---- rows -------------------------------------------------------------------------------- */

static int pending(const struct ss_state *st, int c)
{
	return c >= 0 && st->count[c] > 0;
}

static void pend_append(struct ss_state *st, int c)
{
	st->pend[st->npend] = c;
	st->alive[st->npend] = 1;
	st->npend++;
	st->count[c]++;
}

static void pend_remove(struct ss_state *st, int c)
{
	for (size_t i = 0; i < st->npend; i++)
		if (st->alive[i] && st->pend[i] == c) {
			st->alive[i] = 0;
			st->count[c]--;
			return;
		}
}

/* Add a converted value under key.  Returns what ingest_add* returned. */
static int add_value(struct ingest_ctx *ctx, const char *key, const struct cval *v, unsigned flags)
{
	switch (v->t) {
	case VT_STR:
		return ingest_add(ctx, key, v->s, v->n, flags);
	case VT_INT:
		return ingest_add_int(ctx, key, v->i, flags);
	case VT_FLOAT:
		return ingest_add_float(ctx, key, v->d, flags);
	case VT_BOOL:
		return ingest_add_bool(ctx, key, (int)v->i, flags);
	case VT_NONE:
		break;
	}
	return V_SKIP;
}

/* extra.<name> = v (a later value for the same name wins, as in IntelMQ's extra dict). */
static int add_extra(struct ingest_ctx *ctx, const char *name, size_t len, const struct cval *v)
{
	char key[256];

	if (!len)
		return V_SKIP; /* a column without a name has no key to go under */
	if (len > sizeof(key) - 7) {
		ingest_fail(ctx, NULL, _("column name longer than %zu bytes"), sizeof(key) - 7);
		return V_ERR_INVALID;
	}
	memcpy(key, "extra.", 6);
	memcpy(key + 6, name, len);
	key[6 + len] = 0;
	return add_value(ctx, key, v, ING_OVERWRITE);
}

static int map_one(struct ingest_ctx *ctx, struct ss_state *st, const struct mapping *m)
{
	int c = m->hidx, rc;
	const char *val;
	size_t len;
	struct cval cv = { 0 };
	char why[160];

	if (!pending(st, c)) {
		val = row_get(st, c, &len);
		if (!m->required && (!val || !len))
			return V_OK; /* IntelMQ: optional column not found */
		if (c < 0)
			return ingest_reject(ctx, m->col, _("required column '%s' is not in the header"),
					     m->col);
		if (!val)
			return ingest_reject(ctx, m->col, _("required column '%s' is missing in this row"),
					     m->col);
		if (!len)
			return ingest_reject(ctx, m->col, _("required column '%s' is empty"), m->col);
		pend_append(st, c); /* a column used a second time */
	}
	val = row_get(st, c, &len);
	if (!val) {
		cv.t = VT_NONE; /* a short row: no value, nothing to convert */
	} else if ((rc = convert(st, m, val, len, &cv, why, sizeof(why))) != V_OK) {
		if (rc == V_ERR_INVALID)
			return ingest_reject(ctx, m->col, "%s", why);
		return ingest_reject(ctx, m->col, "%s", vres_str(rc));
	}
	if (cv.t == VT_NONE) {
		if (!m->required)
			pend_remove(st, c);
		return V_OK;
	}
	switch (m->kind) {
	case MK_EXTRA_COL:
		add_extra(ctx, m->col, m->col_len, &cv);
		break;
	case MK_EXTRA_KEY:
		add_extra(ctx, m->key + 6, strlen(m->key + 6), &cv);
		break;
	case MK_BAD_KEY:
		add_extra(ctx, m->key, strlen(m->key), &cv);
		break;
	case MK_IGNORE:
		break;
	case MK_FIELD:
		/* a field an earlier column set (Spam-URL maps ip and src_ip to source.ip): IntelMQ
		 * loses the row (KeyExists); the column is kept as extra.<column> instead */
		if (!m->required && event_has(ctx->ev, m->key))
			return V_OK;
		rc = add_value(ctx, m->key, &cv, m->required ? 0 : ING_IGNORE_INVALID);
		if (rc == V_ERR_INVALID && !m->required)
			return V_OK; /* stays pending: kept as extra.<column> below */
		break;
	}
	pend_remove(st, c);
	return V_OK;
}

static int row_is_header(const struct ss_state *st)
{
	if (st->row.n != st->ncols)
		return 0;
	for (size_t i = 0; i < st->ncols; i++)
		if (strlen(st->names[i]) != st->row.len[i] ||
		    memcmp(st->names[i], st->row.f[i], st->row.len[i]))
			return 0;
	return 1;
}

static int ss_record(struct ingest_ctx *ctx, const char *rec, size_t len)
{
	struct ss_state *st = ctx->state;
	struct csv_row *row = &st->row;
	const char *k;
	json_t *v;
	int rc;

	if (len == 0)
		return V_OK; /* csv.DictReader skips empty lines */
	if (st->input_error[0])
		return ingest_reject(ctx, NULL, "%s", st->input_error);
	if (!st->have_header) {
		if (!st->fixed && pick_for_input(ctx, st) != V_OK)
			return ingest_reject(ctx, NULL, "%s", st->input_error);
		if ((rc = read_header(ctx, st, rec, len)) != V_OK)
			reset_header(st);
		return rc;
	}
	rc = csv_split(row, rec, len, ',', '"');
	if (rc == V_ERR_LIMIT)
		return ingest_reject(ctx, NULL, _("more than %d columns"), CSV_MAX_FIELDS);
	if (rc != V_OK)
		return ingest_reject(ctx, NULL, _("unterminated quoted field"));
	/* a short row lacks its last columns (Shadowserver adds columns over time); a long one
	 * has values without a name, which IntelMQ would drop unseen */
	if (row->n > st->ncols)
		return ingest_reject(ctx, NULL, _("%zu columns, the header has %zu"), row->n, st->ncols);
	if (row_is_header(st))
		return V_OK; /* the header again: reports concatenated into one file */

	ingest_new_event(ctx);
	/* IntelMQ's new events carry the report's feed.*, rtir_id and time.observation only */
	event_del(ctx->ev, "extra");
	if (st->overwrite || !event_has(ctx->ev, "feed.name"))
		ingest_add_str(ctx, "feed.name", st->feedname, ING_OVERWRITE);

	st->npend = 0;
	memset(st->count, 0, st->ncols * sizeof(*st->count));
	for (size_t i = 0; i < st->ncols; i++)
		pend_append(st, st->canon[i]);

	for (size_t i = 0; i < st->nmaps; i++)
		if ((rc = map_one(ctx, st, &st->maps[i])) != V_OK)
			return rc;
	if (st->constants)
		json_object_foreach((json_t *)st->constants, k, v)
			ingest_add_json(ctx, k, v, ING_OVERWRITE);

	/* whatever no mapping used, unless empty, as text */
	for (size_t i = 0; i < st->npend; i++) {
		if (!st->alive[i])
			continue;
		int c = st->pend[i];
		struct cval cv = { .t = VT_STR };
		if ((cv.s = row_get(st, c, &cv.n)) && cv.n)
			add_extra(ctx, st->names[c], strlen(st->names[c]), &cv);
	}

	buf_reset(&st->raw);
	if ((rc = buf_append(&st->raw, st->header_raw.data, st->header_raw.len)) != V_OK ||
	    (rc = buf_putc(&st->raw, '\n')) != V_OK || (rc = buf_append(&st->raw, rec, len)) != V_OK)
		return ingest_reject(ctx, "raw", "%s", _("record too large"));
	return ingest_emit(ctx, st->raw.data, st->raw.len);
}

/* End of one input: the next input starts with its own header. */
static int ss_finish(struct ingest_ctx *ctx)
{
	struct ss_state *st = ctx->state;

	if (st) {
		reset_header(st);
		st->input_error[0] = 0;
	}
	return V_OK;
}

const struct parser parser_shadowserver = {
	.name = "shadowserver",
	.aliases = (const char *const[]){ "intelmq.bots.parsers.shadowserver.parser", NULL },
	.description = N_("Shadowserver report CSVs, mapped by a schema (IntelMQ Shadowserver parser)"),
	.mode = PARSE_CSV,
	.init = ss_init,
	.record = ss_record,
	.finish = ss_finish,
	.fini = ss_fini,
};
