/*
 * parse_cert_eu.c — the CERT-EU CSV feed, compatible with IntelMQ's
 * intelmq.bots.parsers.cert_eu.parser_csv.
 *
 * Comma-separated with a header line naming the columns ("feed code", "source ip",
 * "source time", ..., "domain name"); lines starting with "#" are skipped.  Columns are found
 * by name, so their order does not matter, but every column the mapping reads must be in the
 * header.  A row is rejected when its "version" is not 1.5 (or empty), when a column IntelMQ
 * cannot map ("threat type", "ns1", "ns2", "response", "recent") holds a value, or when a
 * value is invalid.  feed.accuracy becomes the report's accuracy (100 if none) scaled by the
 * row's "confidence level" percentage.  raw is the header and the row, as IntelMQ's
 * recover_line_csv_dict() writes them.
 *
 * The "type" mapping is IntelMQ 3.3's, except "c2server", which IntelMQ maps to "c2-server",
 * a value its own harmonisation refuses (the row is lost); vigia keeps "c2server".
 */
#include <stdlib.h>
#include <string.h>

#include "base/i18n.h"
#include "base/pystr.h"
#include "ingest/ingest.h"

enum cert_eu_col {
	C_VERSION, C_THREAT_TYPE, C_NS1, C_NS2, C_RESPONSE, C_RECENT, C_FEED_CODE, C_SOURCE_IP,
	C_BGP_PREFIX, C_OBSERVATION_TIME, C_TLP, C_DESCRIPTION, C_TYPE, C_COUNT, C_SOURCE_TIME,
	C_COUNTRY, C_PROTOCOL, C_DEST_PORT, C_LATITUDE, C_CITY, C_CC, C_LONGITUDE, C_GEOHASH,
	C_FIRST_SEEN, C_CONFIDENCE, C_LAST_SEEN, C_EXPIRATION, C_STATUS, C_TARGET, C_URL,
	C_ABUSE_CONTACT, C_ASN, C_AS_NAME, C_DOMAIN, C__COUNT
};

static const char *const cert_eu_names[C__COUNT] = {
	"version", "threat type", "ns1", "ns2", "response", "recent", "feed code", "source ip",
	"source bgp prefix", "observation time", "tlp", "description", "type", "count",
	"source time", "source country", "protocol", "destination port", "source latitude",
	"source city", "source cc", "source longitude", "source geohash", "first seen",
	"confidence level", "last seen", "expiration date", "status", "target", "url",
	"abuse contact", "source asn", "source as name", "domain name"
};

/* Plain column -> field mappings, added in this order after the special ones. */
static const struct {
	enum cert_eu_col col;
	const char *field;
} cert_eu_plain[] = {
	{ C_SOURCE_TIME, "time.source" },
	{ C_COUNTRY, "source.geolocation.country" },
	{ C_PROTOCOL, "protocol.application" },
	{ C_DEST_PORT, "destination.port" },
	{ C_LATITUDE, "source.geolocation.latitude" },
	{ C_CITY, "source.geolocation.city" },
	{ C_CC, "source.geolocation.geoip_cc" },
	{ C_LONGITUDE, "source.geolocation.longitude" },
	{ C_GEOHASH, "extra.source.geolocation.geohash" },
	{ C_FIRST_SEEN, "extra.first_seen" },
	{ C_LAST_SEEN, "extra.last_seen" },
	{ C_EXPIRATION, "extra.expiration_date" },
	{ C_STATUS, "status" },
	{ C_TARGET, "event_description.target" },
	{ C_URL, "source.url" },
	{ C_ABUSE_CONTACT, "source.abuse_contact" },
	{ C_ASN, "source.asn" },
	{ C_AS_NAME, "source.as_name" },
	{ C_DOMAIN, "source.fqdn" },
};

static const char *const cert_eu_types[][2] = {
	{ "backdoor", "system-compromise" },
	{ "blacklist", "blacklist" },
	{ "botnet drone", "infected-system" },
	{ "brute-force", "brute-force" },
	{ "c2server", "c2server" },
	{ "compromised server", "system-compromise" },
	{ "ddos infrastructure", "ddos" },
	{ "ddos target", "ddos" },
	{ "defacement", "unauthorised-information-modification" },
	{ "dropzone", "other" },
	{ "exploit url", "exploit" },
	{ "ids alert", "ids-alert" },
	{ "malware-configuration", "malware-configuration" },
	{ "malware url", "malware-distribution" },
	{ "phishing", "phishing" },
	{ "ransomware", "infected-system" },
	{ "scanner", "scanner" },
	{ "spam infrastructure", "spam" },
	{ "test", "test" },
	{ "vulnerable service", "vulnerable-system" },
	{ NULL, NULL }
};

/* Python's csv reader states, as far as they matter for where a record ends. */
enum csv_state { CSV_FIELD_START, CSV_IN_FIELD, CSV_IN_QUOTED, CSV_QUOTE_IN_QUOTED };

/* Run the reader's state machine over one more line; returns the state at its end. */
static enum csv_state csv_scan(enum csv_state q, const char *s, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		char c = s[i];
		switch (q) {
		case CSV_FIELD_START:
			q = c == '"' ? CSV_IN_QUOTED : c == ',' ? CSV_FIELD_START : CSV_IN_FIELD;
			break;
		case CSV_IN_FIELD:
			if (c == ',')
				q = CSV_FIELD_START;
			break;
		case CSV_IN_QUOTED:
			if (c == '"')
				q = CSV_QUOTE_IN_QUOTED;
			break;
		case CSV_QUOTE_IN_QUOTED:
			/* a doubled quote stays quoted; text after a closing quote is kept */
			q = c == '"' ? CSV_IN_QUOTED : c == ',' ? CSV_FIELD_START : CSV_IN_FIELD;
			break;
		}
	}
	return q;
}

struct cert_eu_state {
	int header_seen;
	int idx[C__COUNT];   /* column of each name (the last one of that name), -1 if none */
	struct buf header;   /* the header line as Python's csv.DictWriter writes it */
	struct buf pending;  /* lines of a record whose quoted field spans lines */
	enum csv_state quote; /* the reader's state at the end of pending */
	struct csv_row row;
};

static void cert_eu_fini(struct ingest_ctx *ctx)
{
	struct cert_eu_state *st = ctx->state;

	if (!st)
		return;
	buf_fini(&st->header);
	buf_fini(&st->pending);
	csv_row_fini(&st->row);
	free(st);
	ctx->state = NULL;
}

static int cert_eu_init(struct ingest_ctx *ctx, struct verr *err)
{
	struct cert_eu_state *st = calloc(1, sizeof(*st));

	(void)err;
	if (!st)
		return V_ERR_NOMEM;
	ctx->state = st;
	buf_init(&st->header, 0);
	buf_init(&st->pending, 0);
	csv_row_init(&st->row);
	return V_OK;
}

/* The header: remember where each column is and how DictWriter would write the line back. */
static int cert_eu_header(struct cert_eu_state *st)
{
	const struct csv_row *r = &st->row;

	for (int c = 0; c < C__COUNT; c++)
		st->idx[c] = -1;
	buf_reset(&st->header);
	for (size_t i = 0; i < r->n; i++) {
		const char *f = r->f[i];
		size_t n = r->len[i];
		for (int c = 0; c < C__COUNT; c++)
			if (strlen(cert_eu_names[c]) == n && !memcmp(cert_eu_names[c], f, n))
				st->idx[c] = (int)i;
		if (i)
			buf_putc(&st->header, ',');
		if (memchr(f, ',', n) || memchr(f, '"', n) || memchr(f, '\r', n) ||
		    memchr(f, '\n', n) || (n == 0 && r->n == 1)) {
			buf_putc(&st->header, '"');
			for (size_t k = 0; k < n; k++) {
				if (f[k] == '"')
					buf_putc(&st->header, '"');
				buf_putc(&st->header, f[k]);
			}
			buf_putc(&st->header, '"');
		} else {
			buf_append(&st->header, f, n);
		}
	}
	st->header_seen = 1;
	return V_OK;
}

/* A column's value in this row; 0 when the row is too short (Python's DictReader gives None). */
static int col(const struct cert_eu_state *st, enum cert_eu_col c, const char **v, size_t *n)
{
	int i = st->idx[c];

	if (i < 0 || (size_t)i >= st->row.n)
		return 0;
	*v = st->row.f[i];
	*n = st->row.len[i];
	return 1;
}

static int col_is(const struct cert_eu_state *st, enum cert_eu_col c, const char *text)
{
	const char *v;
	size_t n;

	return col(st, c, &v, &n) && strlen(text) == n && !memcmp(text, v, n);
}

static void add_col(struct ingest_ctx *ctx, enum cert_eu_col c, const char *field)
{
	const char *v;
	size_t n;

	if (col(ctx->state, c, &v, &n))
		ingest_add(ctx, field, v, n, 0);
}

static int cert_eu_row(struct ingest_ctx *ctx, const char *rec, size_t len)
{
	struct cert_eu_state *st = ctx->state;
	const char *v, *type = "other";
	size_t n, k;
	long long x;
	int rc;

	rc = csv_split(&st->row, rec, len, ',', '"');
	if (rc == V_ERR_LIMIT)
		return ingest_reject(ctx, NULL, _("more than %d columns"), CSV_MAX_FIELDS);
	if (rc != V_OK)
		return ingest_reject(ctx, NULL, "%s", _("unterminated quoted field"));
	if (!st->header_seen) {
		for (k = 0; k < len && (rec[k] == ' ' || rec[k] == '\t'); k++)
			;
		return k == len ? V_OK : cert_eu_header(st); /* IntelMQ strips the report */
	}
	for (int c = 0; c < C__COUNT; c++)
		if (st->idx[c] < 0)
			return ingest_reject(ctx, NULL, _("the header has no column '%s'"),
					     cert_eu_names[c]);
	if (!col_is(st, C_VERSION, "1.5") && !col_is(st, C_VERSION, ""))
		return ingest_reject(ctx, "version", "%s",
				     _("unknown format version (expected 1.5)"));
	for (int c = C_THREAT_TYPE; c <= C_RECENT; c++)
		if (col(st, c, &v, &n) && n)
			return ingest_reject(ctx, NULL,
					     _("column '%s' holds a value that has no mapping"),
					     cert_eu_names[c]);

	ingest_new_event(ctx);
	add_col(ctx, C_FEED_CODE, "extra.datasource");
	add_col(ctx, C_SOURCE_IP, "source.ip");
	add_col(ctx, C_BGP_PREFIX, "source.network");
	if (col(st, C_OBSERVATION_TIME, &v, &n)) {
		/* kept only when it is a time, normalised */
		struct verr e = { 0 };
		enum vkind kind;
		buf_reset(&ctx->scratch);
		if (value_sanitize(FT_DATETIME, v, n, &ctx->scratch, &kind, &e) == V_OK)
			ingest_add(ctx, "extra.cert_eu_time_observation", ctx->scratch.data,
				   ctx->scratch.len, 0);
	}
	add_col(ctx, C_TLP, "tlp");
	add_col(ctx, C_DESCRIPTION, "event_description.text");
	if (col(st, C_TYPE, &v, &n))
		for (k = 0; cert_eu_types[k][0]; k++)
			if (strlen(cert_eu_types[k][0]) == n && !memcmp(cert_eu_types[k][0], v, n))
				type = cert_eu_types[k][1];
	ingest_add_str(ctx, "classification.type", type, 0);
	if (col_is(st, C_TYPE, "dropzone"))
		ingest_add_str(ctx, "classification.identifier", "dropzone", 0);
	if (col(st, C_COUNT, &v, &n) && n) {
		if (pystr_int(v, n, &x) != 0)
			ingest_fail(ctx, "extra.count", "%s", _("count is not a number"));
		else
			ingest_add_int(ctx, "extra.count", x, 0);
	}
	for (k = 0; k < sizeof(cert_eu_plain) / sizeof(cert_eu_plain[0]); k++) {
		add_col(ctx, cert_eu_plain[k].col, cert_eu_plain[k].field);
		if (cert_eu_plain[k].col != C_FIRST_SEEN)
			continue;
		/* feed.accuracy: the report's (or 100) times the confidence level, in percent */
		size_t al;
		const char *a = event_get(ctx->ev, "feed.accuracy", &al, NULL);
		char num[48];
		double acc = 100.0;
		if (a && al < sizeof(num)) {
			memcpy(num, a, al);
			num[al] = 0;
			acc = strtod(num, NULL);
		}
		if (!col(st, C_CONFIDENCE, &v, &n) || pystr_int(v, n, &x) != 0) {
			ingest_fail(ctx, "feed.accuracy", "%s",
				    _("confidence level is not a number"));
			continue;
		}
		acc = acc * (double)x / 100.0;
		if (!(acc >= 0 && acc <= 100))
			ingest_fail(ctx, "feed.accuracy", "%s",
				    _("accuracy must be between 0 and 100"));
		else
			ingest_add_float(ctx, "feed.accuracy", acc, ING_OVERWRITE);
	}

	/* raw: header, LF, the row; stripped of white space at the end */
	while (len && pystr_isspace_ascii((unsigned char)rec[len - 1]))
		len--;
	buf_reset(&ctx->raw);
	buf_append(&ctx->raw, st->header.data ? st->header.data : "", st->header.len);
	buf_putc(&ctx->raw, '\n');
	buf_append(&ctx->raw, rec, len);
	return ingest_emit(ctx, ctx->raw.data, ctx->raw.len);
}

/*
 * Lines, not CSV records, come from the driver: IntelMQ drops "#" lines before the CSV reader
 * sees the text, so a quote in a comment must not join lines.  A record whose quotes are
 * still open goes on with the next line.
 */
static int cert_eu_record(struct ingest_ctx *ctx, const char *rec, size_t len)
{
	struct cert_eu_state *st = ctx->state;
	int rc;

	if (len && rec[0] == '#')
		return V_OK;
	if (st->pending.len) {
		if (st->pending.len + len + 1 > ctx->opt.max_line) {
			buf_reset(&st->pending);
			return ingest_reject(ctx, NULL, _("quoted field longer than %zu bytes"),
					     ctx->opt.max_line);
		}
		buf_putc(&st->pending, '\n');
		buf_append(&st->pending, rec, len);
		st->quote = csv_scan(st->quote, rec, len);
		if (st->quote == CSV_IN_QUOTED)
			return V_OK;
		ctx->rec = st->pending.data;
		ctx->rec_len = st->pending.len;
		rc = cert_eu_row(ctx, st->pending.data, st->pending.len);
		buf_reset(&st->pending);
		return rc;
	}
	if (len == 0)
		return V_OK; /* blank rows are skipped */
	st->quote = csv_scan(CSV_FIELD_START, rec, len);
	if (st->quote == CSV_IN_QUOTED) {
		buf_append(&st->pending, rec, len);
		return V_OK;
	}
	return cert_eu_row(ctx, rec, len);
}

static int cert_eu_finish(struct ingest_ctx *ctx)
{
	struct cert_eu_state *st = ctx->state;

	if (!st)
		return V_OK;
	if (st->pending.len) {
		ctx->rec = st->pending.data;
		ctx->rec_len = st->pending.len;
		ingest_reject(ctx, NULL, "%s",
			      _("unterminated quoted field at the end of the input"));
		buf_reset(&st->pending);
	}
	st->header_seen = 0;
	return V_OK;
}

const struct parser parser_cert_eu_csv = {
	.name = "cert_eu_csv",
	.aliases = (const char *const[]){ "intelmq.bots.parsers.cert_eu.parser_csv", NULL },
	.description = N_("CERT-EU CSV feed"),
	.mode = PARSE_LINES,
	.init = cert_eu_init,
	.record = cert_eu_record,
	.finish = cert_eu_finish,
	.fini = cert_eu_fini,
};
