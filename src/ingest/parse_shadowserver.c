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
#include "base/timeparse.h"
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
	int fid;           /* MK_FIELD: the field's id */
	int utc_fast;      /* add_UTC_to_timestamp into a DateTime field (utc_fast) */
	int as_is;         /* MK_FIELD: a value validate_ip sanitised or utc_fast made is stored
			    * as it is: the field's sanitiser would make the same, and has no checks
			    * after it */
	char *xkey;        /* owned: MK_EXTRA_*, MK_BAD_KEY: "extra.<name>" (see extra_key) */
	size_t xname_len;  /* the length of <name> */
};

/* A converted value, as IntelMQ's conversion functions return Python values.  VT_INT_TEXT
 * and VT_FLOAT_TEXT are numbers given as their text (int_text, short_float_text). */
enum vtype { VT_NONE, VT_STR, VT_INT, VT_FLOAT, VT_BOOL, VT_INT_TEXT, VT_FLOAT_TEXT };

struct cval {
	enum vtype t;
	int sane;          /* s is what the field's sanitiser makes of the value (as_is) */
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
	/* The report type's values that are the same in every event, sanitised once and merged
	 * into each (event_merge): per event through ingest_add_json the constants were 15% of
	 * the scan_dns benchmark (bench/).  NULL: set them one by one as IntelMQ does. */
	struct event *const_ev;  /* owned: constant_fields */
	struct event *name_ev;   /* owned: feed.name = feedname */

	/* the current input's header */
	int have_header;
	size_t header_len;       /* raw starts with the header line as read and "\n" */
	struct buf header_b64;   /* the base64 of raw's first header_b64_len bytes */
	size_t header_b64_len;   /* header_len rounded down to a multiple of 3 */
	size_t ncols;
	char **xnames;           /* owned: "extra.<column name>" */
	size_t *name_len;        /* the names' lengths */
	int *canon;              /* per column: position of the last column with that name */
	int hx_cc_dns, hx_http_host, hx_url, hx_http_url, hx_application;
	int warned;              /* "required column missing" said once per input */

	/*
	 * Per row: the pending columns (IntelMQ's "fields" list) in order, by canon index.  A
	 * column is taken off at its first entry still alive: the alive entries of a column are
	 * always the last ones of its chain (next), so head[c] finds it at once (a scan of the
	 * list per column was 9% of the scan_ntp benchmark, bench/).  The lists start each row
	 * as *_init, made once per header.
	 */
	struct csv_row row;
	int *pend;               /* entries: canon index */
	unsigned char *alive;
	int *next;               /* entries: the column's next entry, or -1 */
	size_t npend;
	int *count;              /* per canon index: alive entries */
	int *head, *tail;        /* per canon index: first alive entry, last entry */
	int *next_init, *count_init, *head_init, *tail_init;
	struct buf cbuf;         /* conversion output */
	struct buf raw;          /* header + "\n" + row */
	char num[48];            /* a float's repr() text */
	char why[160];           /* why a conversion failed */
	struct verr err;         /* why a value did not set (add_value) */
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

/*
 * The key a value goes under as extra.<name>, made once: *key = "extra.<name>" (owned; NULL
 * when name is empty or too long, for which add_extra says what IntelMQ would do).
 */
#define SS_MAX_NAME 249 /* extra.<name> in 256 bytes */

static int extra_key(const char *name, char **key, size_t *name_len)
{
	size_t n = strlen(name);

	*key = NULL;
	*name_len = n;
	if (!n || n > SS_MAX_NAME)
		return V_OK;
	if (!(*key = malloc(n + 7)))
		return V_ERR_NOMEM;
	memcpy(*key, "extra.", 6);
	memcpy(*key + 6, name, n + 1);
	return V_OK;
}

static void free_maps(struct ss_state *st)
{
	for (size_t i = 0; i < st->nmaps; i++) {
		free(st->maps[i].xkey);
		st->maps[i].xkey = NULL;
	}
	st->nmaps = 0;
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
			m->fid = schema_lookup(key, kl);
			if (!strcmp(key, "extra."))
				m->kind = MK_EXTRA_COL;
			else if (kl > 6 && !strncmp(key, "extra.", 6))
				m->kind = MK_EXTRA_KEY;
			else if (m->fid < 0 || !strcmp(key, "extra") || !strcmp(key, "raw"))
				m->kind = MK_BAD_KEY;
			else
				m->kind = MK_FIELD;
		}
		st->nmaps++;
		if (m->kind == MK_FIELD) {
			const struct field_def *fd = &schema_fields[m->fid];
			m->utc_fast = m->cv == CV_ADD_UTC && fd->type == FT_DATETIME;
			/* what the field's sanitiser would do again, nothing checked after it */
			m->as_is = (m->utc_fast || (m->cv == CV_IP && fd->type == FT_IP)) &&
				   fd->val == VAL_NONE && fd->maxlen == 0;
		} else if (m->kind != MK_IGNORE &&
			 extra_key(m->kind == MK_EXTRA_COL ? m->col :
				   m->kind == MK_EXTRA_KEY ? m->key + 6 : m->key,
				   &m->xkey, &m->xname_len) != V_OK)
			return V_ERR_NOMEM;
	}
	return V_OK;
}

/* Does every value of src have room in ev (event_merge cannot fail for want of it)? */
static int merge_fits(const struct event *ev, const struct event *src)
{
	size_t cap = ev->data.cap ? ev->data.cap : BUF_DEFAULT_CAP;

	return ev->n + src->n <= EVENT_MAX_VALUES && src->data.len <= cap &&
	       ev->data.len <= cap - src->data.len;
}

/* Each value of ev set as it is, not deleted later (then merging it is setting it again). */
static int all_alive(const struct event *ev)
{
	for (size_t i = 0; i < ev->n; i++)
		if (ev->v[i].dead)
			return 0;
	return 1;
}

/*
 * Constants are checked once here, so a typo in the schema is an error at start-up; the event
 * they make is merged into each row's (all_alive: a constant that another replaces, "extra.x"
 * and "extra": {"x": ...}, left a deleted slot that counts against EVENT_MAX_VALUES).
 */
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
	if (rc != V_OK || !all_alive(ev))
		event_free(ev);
	else
		st->const_ev = ev;
	return rc;
}

/* feed.name as each row sets it, made once (name_ev); none when feedname does not set (each
 * row then tries and fails as before). */
static int make_name_event(struct ss_state *st)
{
	struct event *ev = event_new();
	int r;

	if (!ev)
		return V_ERR_NOMEM;
	r = event_set(ev, "feed.name", st->feedname, strlen(st->feedname), EV_OVERWRITE, NULL);
	if ((r == V_OK || r == V_SKIP) && all_alive(ev))
		st->name_ev = ev;
	else
		event_free(ev);
	return V_OK;
}

static void reset_header(struct ss_state *st)
{
	for (size_t i = 0; i < st->ncols; i++)
		free(st->xnames[i]);
	free(st->xnames);
	free(st->name_len);
	free(st->canon);
	free(st->pend);
	free(st->alive);
	free(st->next);
	free(st->count);
	free(st->head);
	free(st->tail);
	free(st->next_init);
	free(st->count_init);
	free(st->head_init);
	free(st->tail_init);
	st->xnames = NULL;
	st->name_len = NULL;
	st->canon = st->pend = st->next = st->count = st->head = st->tail = NULL;
	st->next_init = st->count_init = st->head_init = st->tail_init = NULL;
	st->alive = NULL;
	st->ncols = 0;
	st->have_header = 0;
	st->warned = 0;
	st->header_len = 0;
	buf_reset(&st->raw);
}

static void free_report(struct ss_state *st)
{
	free_maps(st);
	event_free(st->const_ev);
	event_free(st->name_ev);
	st->const_ev = st->name_ev = NULL;
}

static void ss_fini(struct ingest_ctx *ctx)
{
	struct ss_state *st = ctx->state;

	if (!st)
		return;
	reset_header(st);
	free_report(st);
	free(st->maps);
	json_decref(st->schema);
	csv_row_fini(&st->row);
	buf_fini(&st->header_b64);
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

	free_report(st);
	st->report = key;
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
	if ((rc = check_constants(st, err)) != V_OK || (rc = make_name_event(st)) != V_OK)
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
	buf_init(&st->header_b64, 0);
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
		if (st->name_len[i] == len && !memcmp(st->xnames[i] + 6, name, len))
			return (int)i;
	return -1;
}

/* The pending list every row starts with: each column once, in header order. */
static void init_pending(struct ss_state *st)
{
	for (size_t i = 0; i < st->ncols; i++)
		st->head_init[i] = st->tail_init[i] = -1;
	for (size_t i = 0; i < st->ncols; i++) {
		int c = st->canon[i];
		st->pend[i] = c;
		st->next_init[i] = -1;
		if (st->count_init[c]++ == 0)
			st->head_init[c] = (int)i;
		else
			st->next_init[st->tail_init[c]] = (int)i;
		st->tail_init[c] = (int)i;
	}
}

/* The base64 of the header's part of raw that every row's raw starts with: its whole groups
 * of 3 bytes (event_set_raw_b64). */
static int encode_header(struct ss_state *st)
{
	size_t b64;
	int rc;

	st->header_b64_len = st->header_len / 3 * 3;
	b64 = sodium_base64_encoded_len(st->header_b64_len, sodium_base64_VARIANT_ORIGINAL);
	buf_reset(&st->header_b64);
	if ((rc = buf_reserve(&st->header_b64, b64)) != V_OK)
		return rc;
	sodium_bin2base64(st->header_b64.data, b64, (const unsigned char *)st->raw.data,
			  st->header_b64_len, sodium_base64_VARIANT_ORIGINAL);
	st->header_b64.len = b64 - 1;
	return V_OK;
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
	st->xnames = calloc(n, sizeof(*st->xnames));
	st->name_len = calloc(n, sizeof(*st->name_len));
	st->canon = calloc(n, sizeof(*st->canon));
	st->count = calloc(n, sizeof(*st->count));
	st->head = calloc(n, sizeof(*st->head));
	st->tail = calloc(n, sizeof(*st->tail));
	st->count_init = calloc(n, sizeof(*st->count_init));
	st->head_init = calloc(n, sizeof(*st->head_init));
	st->tail_init = calloc(n, sizeof(*st->tail_init));
	st->pend = calloc(n + st->nmaps, sizeof(*st->pend));
	st->alive = calloc(n + st->nmaps, 1);
	st->next = calloc(n + st->nmaps, sizeof(*st->next));
	st->next_init = calloc(n, sizeof(*st->next_init));
	if (!st->xnames || !st->name_len || !st->canon || !st->count || !st->head || !st->tail ||
	    !st->count_init || !st->head_init || !st->tail_init || !st->pend || !st->alive ||
	    !st->next || !st->next_init)
		return V_ERR_NOMEM;
	for (size_t i = 0; i < n; i++) {
		st->xnames[i] = malloc(row->len[i] + 7);
		if (!st->xnames[i])
			return V_ERR_NOMEM;
		memcpy(st->xnames[i], "extra.", 6);
		memcpy(st->xnames[i] + 6, row->f[i], row->len[i]);
		st->xnames[i][6 + row->len[i]] = 0;
		st->name_len[i] = row->len[i];
		st->ncols = i + 1;
	}
	for (size_t i = 0; i < n; i++)
		st->canon[i] = col_index(st, st->xnames[i] + 6, st->name_len[i]);
	init_pending(st);
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
	buf_reset(&st->raw);
	if ((rc = buf_append(&st->raw, rec, len)) != V_OK ||
	    (rc = buf_putc(&st->raw, '\n')) != V_OK)
		return rc;
	st->header_len = st->raw.len;
	if ((rc = encode_header(st)) != V_OK)
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

/*
 * An integer already as Python's str(int(s)) writes it, at most 18 digits ("0", "-17", not
 * "+1", "007", "1_000" or " 1"): the value's text is kept, without int() and back (bench/:
 * pystr_int and value_format_int were 2% of the scan_ntp benchmark).
 */
static int int_text(const char *s, size_t n)
{
	size_t i = n && s[0] == '-';

	if (n - i == 1 && s[i] == '0')
		return !i;
	if (n - i < 1 || n - i > 18 || s[i] == '0')
		return 0;
	for (; i < n; i++)
		if (s[i] < '0' || s[i] > '9')
			return 0;
	return 1;
}

/*
 * repr(float(s)) written straight from s for the usual short decimal: [+-]digits[.digits]
 * with at most 15 significant digits, printed without an exponent (under 1e15 and not below
 * 0.0001).  That is s without its '+', leading zeros and trailing fraction zeros ("4.6190" ->
 * "4.619", "27" -> "27.0", "-0" -> "-0.0"): a decimal of at most 15 digits is the only one of
 * so few that reads back as its double (DBL_DIG), hence the shortest, which is what
 * value_format_float(strtod(s)) finds.  strtod and that search were 14% of the scan_ntp
 * benchmark (bench/).  Returns the length written to out (NUL-terminated), or 0 for
 * anything else: py_float decides then.
 */
static size_t short_float_text(const char *s, size_t n, char out[48])
{
	size_t i = 0, o = 0, ib, ie, fb, fe, zeros = 0;

	if (n && (s[0] == '+' || s[0] == '-'))
		i = 1;
	ib = i;
	while (i < n && s[i] >= '0' && s[i] <= '9')
		i++;
	ie = fb = fe = i;
	if (i < n && s[i] == '.') {
		fb = ++i;
		while (i < n && s[i] >= '0' && s[i] <= '9')
			i++;
		fe = i;
	}
	if (i != n || (ie == ib && fe == fb))
		return 0;
	while (ib < ie && s[ib] == '0')
		ib++;
	while (fe > fb && s[fe - 1] == '0')
		fe--;
	if (ib == ie)
		while (fb + zeros < fe && s[fb + zeros] == '0')
			zeros++;
	if (ie - ib + fe - fb - zeros > 15 || zeros > 3)
		return 0;
	if (s[0] == '-')
		out[o++] = '-';
	if (ib == ie) {
		out[o++] = '0';
	} else {
		memcpy(out + o, s + ib, ie - ib);
		o += ie - ib;
	}
	out[o++] = '.';
	if (fe == fb) {
		out[o++] = '0';
	} else {
		memcpy(out + o, s + fb, fe - fb);
		o += fe - fb;
	}
	out[o] = 0;
	return o;
}

/*
 * add_UTC_to_timestamp into a DateTime field: "YYYY-MM-DD HH:MM:SS" (or with a T) and " UTC"
 * sanitise to "YYYY-MM-DDTHH:MM:SS+00:00", which is written here when it is valid
 * (time_is_canonical), not parsed (the " UTC" sends it to the general parser: 3% of the
 * scan_dns benchmark, bench/).  Returns 1 with the text in cbuf, 0 for anything else.
 */
static int utc_fast(struct ss_state *st, const char *v, size_t n)
{
	char *p;

	if (n != 19 || (v[10] != ' ' && v[10] != 'T') || buf_reserve(&st->cbuf, 25) != V_OK)
		return 0;
	p = st->cbuf.data;
	memcpy(p, v, 19);
	p[10] = 'T';
	memcpy(p + 19, "+00:00", 7);
	if (!time_is_canonical(p, 25))
		return 0;
	st->cbuf.len = 25;
	return 1;
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

	out->t = VT_STR;
	out->sane = 0;
	out->s = v;
	out->n = n;
	out->i = 0;
	out->d = 0;
	switch (m->cv) {
	case CV_NONE:
		return V_OK;
	case CV_ADD_UTC:
		if (m->utc_fast && utc_fast(st, v, n)) {
			out->s = st->cbuf.data;
			out->n = st->cbuf.len;
			out->sane = 1;
			return V_OK;
		}
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
		if (int_text(v, n)) {
			out->t = (m->cv == CV_NONZERO && v[0] == '0') ? VT_NONE : VT_INT_TEXT;
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
		if ((out->n = short_float_text(v, n, st->num)) != 0) {
			out->t = VT_FLOAT_TEXT;
			out->s = st->num;
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
		else if (m->as_is)
			out->s = st->cbuf.data, out->n = st->cbuf.len, out->sane = 1;
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

/* Every column pending once, as each row starts. */
static void pend_reset(struct ss_state *st)
{
	size_t n = st->ncols;

	st->npend = n;
	memset(st->alive, 1, n);
	memcpy(st->next, st->next_init, n * sizeof(*st->next));
	memcpy(st->count, st->count_init, n * sizeof(*st->count));
	memcpy(st->head, st->head_init, n * sizeof(*st->head));
	memcpy(st->tail, st->tail_init, n * sizeof(*st->tail));
}

static void pend_append(struct ss_state *st, int c)
{
	int i = (int)st->npend++;

	st->pend[i] = c;
	st->alive[i] = 1;
	st->next[i] = -1;
	if (st->count[c]++ == 0)
		st->head[c] = i;
	else
		st->next[st->tail[c]] = i;
	st->tail[c] = i;
}

/* The column's first entry still alive is used up. */
static void pend_remove(struct ss_state *st, int c)
{
	if (st->count[c] > 0) {
		int i = st->head[c];
		st->alive[i] = 0;
		st->head[c] = st->next[i];
		st->count[c]--;
	}
}

/* What the driver's ingest_add* do with an event_set* result: an error, unless an invalid
 * value to ignore, marks the event failed (the first one says why). */
static int after_set(struct ingest_ctx *ctx, int rc, const struct verr *e, const char *key,
		     unsigned flags)
{
	if (rc == V_OK || rc == V_SKIP || ((flags & ING_IGNORE_INVALID) && rc == V_ERR_INVALID))
		return rc;
	ingest_fail(ctx, e->field[0] ? e->field : key, "%s",
		    e->reason[0] ? e->reason : vres_str(rc));
	return rc;
}

/* The state's struct verr, cleared as ingest_add clears its own. */
static struct verr *fresh_err(struct ingest_ctx *ctx)
{
	struct verr *e = &((struct ss_state *)ctx->state)->err;

	e->file = NULL;
	e->line = 0;
	e->field[0] = 0;
	e->reason[0] = 0;
	return e;
}

/* Add a converted value under key.  Returns what ingest_add* returned. */
static int add_value(struct ingest_ctx *ctx, const char *key, const struct cval *v, unsigned flags)
{
	struct verr *e = fresh_err(ctx);
	unsigned evf = (flags & ING_OVERWRITE) ? EV_OVERWRITE : 0;

	switch (v->t) {
	case VT_STR: /* ingest_add's way */
		return after_set(ctx, event_set(ctx->ev, key, v->s, v->n, evf, e), e, key, flags);
	case VT_INT_TEXT: /* ingest_add_int's way, from the text */
		return after_set(ctx, event_set_int_text(ctx->ev, key, v->s, v->n, evf, e), e,
				 key, flags);
	case VT_FLOAT_TEXT: /* ingest_add_float's way, from the text */
		return after_set(ctx, event_set_float_text(ctx->ev, key, v->s, v->n, evf, e), e,
				 key, flags);
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

/* Add a converted value to the mapping's field: add_value by the field's id. */
static int add_field(struct ingest_ctx *ctx, const struct mapping *m, const struct cval *v,
		     unsigned flags)
{
	struct verr *e;

	if (v->t != VT_STR)
		return add_value(ctx, m->key, v, flags);
	e = fresh_err(ctx);
	return after_set(ctx, event_set_id(ctx->ev, m->fid, v->s, v->n,
					   (m->as_is && v->sane ? EV_NOSANITIZE : 0) |
					   ((flags & ING_OVERWRITE) ? EV_OVERWRITE : 0), e),
			 e, m->key, flags);
}

/* extra.<name> = v (a later value for the same name wins, as in IntelMQ's extra dict), key
 * being "extra.<name>" and len the length of <name> (extra_key). */
static int add_extra(struct ingest_ctx *ctx, const char *key, size_t len, const struct cval *v)
{
	if (!len)
		return V_SKIP; /* a column without a name has no key to go under */
	if (len > SS_MAX_NAME) {
		ingest_fail(ctx, NULL, _("column name longer than %zu bytes"), (size_t)SS_MAX_NAME);
		return V_ERR_INVALID;
	}
	return add_value(ctx, key, v, ING_OVERWRITE);
}

static int map_one(struct ingest_ctx *ctx, struct ss_state *st, const struct mapping *m)
{
	int c = m->hidx, rc;
	const char *val;
	size_t len;
	struct cval cv;

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
	} else if ((rc = convert(st, m, val, len, &cv, st->why, sizeof(st->why))) != V_OK) {
		if (rc == V_ERR_INVALID)
			return ingest_reject(ctx, m->col, "%s", st->why);
		return ingest_reject(ctx, m->col, "%s", vres_str(rc));
	}
	if (cv.t == VT_NONE) {
		if (!m->required)
			pend_remove(st, c);
		return V_OK;
	}
	switch (m->kind) {
	case MK_EXTRA_COL:
	case MK_EXTRA_KEY:
	case MK_BAD_KEY:
		add_extra(ctx, m->xkey, m->xname_len, &cv);
		break;
	case MK_IGNORE:
		break;
	case MK_FIELD:
		/* a field an earlier column set (Spam-URL maps ip and src_ip to source.ip): IntelMQ
		 * loses the row (KeyExists); the column is kept as extra.<column> instead */
		if (!m->required && event_get_id(ctx->ev, m->fid, NULL))
			return V_OK;
		rc = add_field(ctx, m, &cv, m->required ? 0 : ING_IGNORE_INVALID);
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
		if (st->name_len[i] != st->row.len[i] ||
		    memcmp(st->xnames[i] + 6, st->row.f[i], st->row.len[i]))
			return 0;
	return 1;
}

/* The constants (or feed.name) of the report type, made once (const_ev, name_ev), into the
 * row's event as ingest_add_json (ingest_add_str) with ING_OVERWRITE would set them one by
 * one.  0 when they must be set so (none made, or too little room left for them). */
static int merge_made(struct ingest_ctx *ctx, const struct event *made, const char *field)
{
	int rc;

	if (!made || !merge_fits(ctx->ev, made))
		return 0;
	if ((rc = event_merge(ctx->ev, made, EV_OVERWRITE)) != V_OK)
		ingest_fail(ctx, field, "%s", vres_str(rc)); /* out of memory */
	return 1;
}

/* Has ev an extra key?  (event_del(ev, "extra") looked up per row for nothing, bench/) */
static int has_extra(const struct event *ev)
{
	for (size_t i = 0; i < ev->n; i++)
		if (ev->v[i].field == F_EXTRA_KEY && !ev->v[i].dead)
			return 1;
	return 0;
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
	if (has_extra(ctx->ev))
		event_del(ctx->ev, "extra");
	if ((st->overwrite || !event_get_id(ctx->ev, F_FEED_NAME, NULL)) &&
	    !merge_made(ctx, st->name_ev, "feed.name"))
		ingest_add_str(ctx, "feed.name", st->feedname, ING_OVERWRITE);

	pend_reset(st);
	for (size_t i = 0; i < st->nmaps; i++)
		if ((rc = map_one(ctx, st, &st->maps[i])) != V_OK)
			return rc;
	if (st->constants && !merge_made(ctx, st->const_ev, NULL))
		json_object_foreach((json_t *)st->constants, k, v)
			ingest_add_json(ctx, k, v, ING_OVERWRITE);

	/* whatever no mapping used, unless empty, as text */
	for (size_t i = 0; i < st->npend; i++) {
		if (!st->alive[i])
			continue;
		int c = st->pend[i];
		struct cval cv = { .t = VT_STR };
		if ((cv.s = row_get(st, c, &cv.n)) && cv.n)
			add_extra(ctx, st->xnames[c], st->name_len[c], &cv);
	}

	st->raw.len = st->header_len;
	if ((rc = buf_append(&st->raw, rec, len)) != V_OK)
		return ingest_reject(ctx, "raw", "%s", _("record too large"));
	/* raw as ingest_emit would set it, the header's part encoded once (event_set_raw_b64);
	 * should that fail, ingest_emit tries again and says why */
	if (!ctx->failed && !event_get_id(ctx->ev, F_RAW, NULL))
		event_set_raw_b64(ctx->ev, st->header_b64.data, st->header_b64.len,
				  st->raw.data + st->header_b64_len,
				  st->raw.len - st->header_b64_len);
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
