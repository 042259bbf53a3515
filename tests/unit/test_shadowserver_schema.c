/*
 * test_shadowserver_schema.c — every report type of the built-in Shadowserver schema
 * (data/shadowserver/schema.json) works out of the box.
 *
 * For each report type a CSV is built from the schema itself: the header is every column the
 * report maps, the one row holds a plausible value per conversion (an address for validate_ip,
 * a number for convert_int, a time for add_UTC_to_timestamp, ...).  It is fed to the parser
 * under a Shadowserver file name ("2024-05-01-<file_name>-test-geo.csv"), so the report type
 * is found the way it is in production.  The row must give exactly one event carrying the
 * report's feed name and constant fields; the same CSV without one required column must be
 * rejected with a reason naming that column.  The schema's own invariants are checked too:
 * constant classification types are RSIT types (the event layer says so), and no two reports
 * share a file name or a feed name, so file names and feedname parameters never collide.
 */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/log.h"
#include "ingest/ingest.h"
#include "tap.h"

#define SCHEMA_BLOB "shadowserver/schema.json"
#define MAX_COLS 256

struct column {
	const char *name;  /* borrowed from the schema */
	const char *value; /* static */
	int required;
};

struct report_csv {
	struct column cols[MAX_COLS];
	size_t ncols;
};

static json_t *events; /* what the sink received, as JSON objects */

static int sink_event(void *arg, const struct event *ev)
{
	struct buf b;
	json_error_t je;
	json_t *j;

	(void)arg;
	buf_init(&b, 0);
	event_to_json(ev, &b);
	j = json_loadb(b.data, b.len, 0, &je);
	buf_fini(&b);
	if (!j)
		return V_ERR_INVALID;
	json_array_append_new(events, j);
	return V_OK;
}

static int ends_with(const char *s, const char *suffix)
{
	size_t n = strlen(s), m = strlen(suffix);
	return n >= m && !strcmp(s + n - m, suffix);
}

/* A value the mapping (field, conversion) accepts. */
static const char *plausible(const char *field, const char *column, const char *conv)
{
	if (conv) {
		if (!strcmp(conv, "add_UTC_to_timestamp"))
			return "2024-05-01 12:34:56";
		if (!strcmp(conv, "validate_ip"))
			return "192.0.2.10";
		if (!strcmp(conv, "validate_network"))
			return "192.0.2.0/24";
		if (!strcmp(conv, "convert_int") || !strcmp(conv, "invalidate_zero"))
			return strstr(column, "asn") ? "64496" : "443";
		if (!strcmp(conv, "convert_float"))
			return "1.5";
		if (!strcmp(conv, "convert_bool"))
			return "yes";
		if (!strcmp(conv, "convert_date") || !strcmp(conv, "convert_date_utc"))
			return "2024-05-01 12:00:00";
		if (!strcmp(conv, "validate_fqdn"))
			return "www.example.com";
		if (!strcmp(conv, "convert_http_host_and_url"))
			return "/index.html";
		if (!strcmp(conv, "force_base64"))
			return "hello";
		if (!strcmp(conv, "set_tor_node"))
			return "1";
		if (!strncmp(conv, "scan_exchange_", 14))
			return "exchange;webshell";
	}
	if (!field)
		return "text";
	if (ends_with(field, ".ip"))
		return "192.0.2.20";
	if (ends_with(field, ".geolocation.cc"))
		return "DE";
	if (ends_with(field, ".port"))
		return "8080";
	if (ends_with(field, ".asn"))
		return "64496";
	if (ends_with(field, ".reverse_dns") || ends_with(field, ".fqdn"))
		return "host.example.com";
	if (ends_with(field, ".transport"))
		return "tcp";
	if (ends_with(field, ".url"))
		return "http://www.example.com/x";
	return "text";
}

static struct column *find_column(struct report_csv *rc, const char *name)
{
	for (size_t i = 0; i < rc->ncols; i++)
		if (!strcmp(rc->cols[i].name, name))
			return &rc->cols[i];
	return NULL;
}

/* The columns of one report, in schema order, each once; the first mapping picks the value. */
static int collect_columns(const json_t *entry, struct report_csv *rc)
{
	static const char *const parts[] = { "required_fields", "optional_fields" };

	rc->ncols = 0;
	for (int p = 0; p < 2; p++) {
		size_t i;
		json_t *item;

		json_array_foreach(json_object_get(entry, parts[p]), i, item) {
			const char *col = json_string_value(json_array_get(item, 1));
			const char *field = json_string_value(json_array_get(item, 0));
			const char *conv = json_string_value(json_array_get(item, 2));
			struct column *c;

			if (!col)
				return -1;
			if ((c = find_column(rc, col))) {
				c->required |= p == 0;
				continue;
			}
			if (rc->ncols >= MAX_COLS)
				return -1;
			c = &rc->cols[rc->ncols++];
			c->name = col;
			c->value = plausible(field, col, conv);
			c->required = p == 0;
		}
	}
	return 0;
}

static void csv_cell(struct buf *b, const char *s, int first)
{
	if (!first)
		buf_putc(b, ',');
	buf_putc(b, '"');
	for (; *s; s++) {
		if (*s == '"')
			buf_putc(b, '"');
		buf_putc(b, *s);
	}
	buf_putc(b, '"');
}

/* Header and row of every column but skip (NULL: all). */
static void build_csv(const struct report_csv *rc, const char *skip, struct buf *out)
{
	int first = 1;

	buf_reset(out);
	for (size_t i = 0; i < rc->ncols; i++)
		if (!skip || strcmp(rc->cols[i].name, skip)) {
			csv_cell(out, rc->cols[i].name, first);
			first = 0;
		}
	buf_putc(out, '\n');
	first = 1;
	for (size_t i = 0; i < rc->ncols; i++)
		if (!skip || strcmp(rc->cols[i].name, skip)) {
			csv_cell(out, rc->cols[i].value, first);
			first = 0;
		}
	buf_putc(out, '\n');
}

/* A constant as the event layer stores it ("CouchDB" becomes "couchdb"); NULL if invalid. */
static json_t *normalised(const char *key, const json_t *v, struct verr *e)
{
	struct event *ev = event_new();
	struct buf b;
	json_error_t je;
	json_t *j = NULL, *r = NULL;

	buf_init(&b, 0);
	if (ev && event_set_json(ev, key, v, 0, e) == V_OK && event_to_json(ev, &b) == V_OK &&
	    (j = json_loadb(b.data, b.len, 0, &je)))
		r = json_incref(json_object_get(j, key));
	json_decref(j);
	buf_fini(&b);
	event_free(ev);
	return r;
}

/* The last reject line written since *seen, parsed; NULL if none. */
static json_t *last_reject(FILE *f, char **mem, size_t *memlen, size_t *seen)
{
	json_error_t je;
	json_t *j = NULL;
	char *p, *nl;

	fflush(f);
	p = *mem + *seen;
	while ((nl = memchr(p, '\n', *memlen - (size_t)(p - *mem)))) {
		json_decref(j);
		j = json_loadb(p, (size_t)(nl - p), 0, &je);
		p = nl + 1;
	}
	*seen = (size_t)(p - *mem);
	return j;
}

static void check_constants(const char *report, const json_t *entry, const json_t *ev)
{
	const json_t *consts = json_object_get(entry, "constant_fields");
	const char *k;
	json_t *v;
	int good = 1;

	json_object_foreach((json_t *)consts, k, v) {
		struct verr e = { 0 };
		json_t *want = normalised(k, v, &e);

		if (!want) {
			ok(0, "%s: constant %s is valid (%s)", report, k, e.reason);
			good = 0;
			continue;
		}
		if (!json_equal(want, json_object_get(ev, k))) {
			ok(0, "%s: event has constant %s", report, k);
			good = 0;
		}
		json_decref(want);
	}
	if (good)
		ok(1, "%s: constant fields", report);
}

/* One report type: the full row, then the row without each required column. */
static void check_report(struct ingest_ctx *ctx, const char *report, const json_t *entry,
			 FILE *rej, char **mem, size_t *memlen, size_t *seen)
{
	struct report_csv rc;
	struct buf csv;
	char name[300];
	const char *fname = json_string_value(json_object_get(entry, "file_name"));
	const char *feed = json_string_value(json_object_get(entry, "feed_name"));
	unsigned long long ev0, rj0;
	json_t *ev, *ct;

	if (!ok(fname && feed && collect_columns(entry, &rc) == 0, "%s: a well-formed entry",
		report))
		return;
	snprintf(name, sizeof(name), "2024-05-01-%s-test-geo.csv", fname);
	buf_init(&csv, 0);

	build_csv(&rc, NULL, &csv);
	ev0 = ctx->stats.events;
	rj0 = ctx->stats.rejected;
	ingest_buffer(ctx, name, csv.data, csv.len);
	if (!ok(ctx->stats.events == ev0 + 1 && ctx->stats.rejected == rj0,
		"%s: %zu columns give one event", report, rc.ncols)) {
		json_t *r = last_reject(rej, mem, memlen, seen);
		printf("#   events %llu, rejected %llu: %s\n", ctx->stats.events - ev0,
		       ctx->stats.rejected - rj0,
		       r ? json_string_value(json_object_get(r, "reason")) : "-");
		json_decref(r);
		buf_fini(&csv);
		return;
	}
	ev = json_array_get(events, json_array_size(events) - 1);
	is_str(json_string_value(json_object_get(ev, "feed.name")), feed,
	       "%s: the file name chose this report", report);
	ok(json_object_get(ev, "time.source") != NULL, "%s: time.source", report);
	ct = json_object_get(ev, "classification.type");
	ok(json_is_string(ct), "%s: classification.type %s", report,
	   ct ? json_string_value(ct) : "missing");
	check_constants(report, entry, ev);

	for (size_t i = 0; i < rc.ncols; i++) {
		const char *col = rc.cols[i].name, *field, *why;
		char quoted[128];
		json_t *r;

		if (!rc.cols[i].required)
			continue;
		build_csv(&rc, col, &csv);
		ev0 = ctx->stats.events;
		rj0 = ctx->stats.rejected;
		ingest_buffer(ctx, name, csv.data, csv.len);
		r = last_reject(rej, mem, memlen, seen);
		field = r ? json_string_value(json_object_get(r, "field")) : NULL;
		why = r ? json_string_value(json_object_get(r, "reason")) : NULL;
		snprintf(quoted, sizeof(quoted), "'%s'", col);
		/* two rejects: the first line (it is no header for this report) and the row */
		ok(ctx->stats.events == ev0 && ctx->stats.rejected == rj0 + 2,
		   "%s: without required column %s the header line and the row are rejected",
		   report, quoted);
		ok(field && !strcmp(field, col) && why && strstr(why, quoted),
		   "%s: the reject names %s: %s", report, quoted, why ? why : "-");
		json_decref(r);
	}
	buf_fini(&csv);
}

/* No two reports may be chosen by the same file name or the same feed name. */
static void check_names(const json_t *schema)
{
	const char *k1, *k2;
	json_t *e1, *e2;
	int clash = 0, shape = 0;

	json_object_foreach((json_t *)schema, k1, e1) {
		const char *f1 = json_string_value(json_object_get(e1, "file_name"));
		const char *n1 = json_string_value(json_object_get(e1, "feed_name"));

		/* a file name is one \w+ word: the report type ends at the first '-' */
		for (const char *p = f1 ? f1 : ""; *p; p++)
			if (!(isalnum((unsigned char)*p) || *p == '_'))
				shape++;
		if (!f1 || !*f1 || !n1 || !*n1)
			shape++;
		json_object_foreach((json_t *)schema, k2, e2) {
			const char *f2 = json_string_value(json_object_get(e2, "file_name"));
			const char *n2 = json_string_value(json_object_get(e2, "feed_name"));

			if (strcmp(k1, k2) >= 0)
				continue;
			if ((f1 && f2 && !strcmp(f1, f2)) || (n1 && n2 && !strcmp(n1, n2))) {
				printf("# %s and %s share a file or feed name\n", k1, k2);
				clash++;
			}
		}
	}
	ok(!shape, "every report has a feed name and a file name of word characters");
	ok(!clash, "no two reports share a file name or a feed name");
}

int main(void)
{
	size_t len, seen = 0, memlen = 0;
	const char *data = blob_get(SCHEMA_BLOB, &len);
	json_error_t je;
	json_t *schema = NULL, *def = NULL, *entry;
	struct feed_def *fd = NULL;
	struct ingest_ctx ctx;
	struct ingest_options opt = { .observation_time = "2024-05-02T00:00:00+00:00" };
	struct ingest_sink sink = { sink_event, NULL };
	struct verr e = { 0 };
	char *mem = NULL;
	FILE *rej = open_memstream(&mem, &memlen);
	const char *k;
	int rc;

	log_setup(LOG_ERROR, LOG_TEXT); /* "required column not in the header" is expected */
	events = json_array();
	if (!ok(data != NULL, "built-in schema %s", SCHEMA_BLOB) ||
	    !ok((schema = json_loadb(data, len, 0, &je)) != NULL, "schema is JSON (%s)", je.text) ||
	    !ok(rej != NULL, "reject stream"))
		goto out;
	json_object_del(schema, "_meta");
	printf("# %zu report types\n", json_object_size(schema));
	ok(json_object_size(schema) >= 100, "at least 100 report types (%zu)",
	   json_object_size(schema));
	check_names(schema);

	/* one parser for everything: no report type in the definition, each input's name tells */
	def = json_pack("{s:s, s:{}, s:{}}", "parser", "shadowserver", "parameters", "report");
	if (!ok(def && feed_def_from_json(def, "test", "test", &fd, &e) == V_OK, "definition %s",
		e.reason))
		goto out;
	opt.rejects = rej;
	rc = ingest_ctx_init(&ctx, fd, &opt, sink, &e);
	if (!ok(rc == V_OK, "parser starts (%s)", e.reason))
		goto out;
	json_object_foreach(schema, k, entry)
		check_report(&ctx, k, entry, rej, &mem, &memlen, &seen);
	ingest_ctx_fini(&ctx);
out:
	feed_def_free(fd);
	json_decref(def);
	json_decref(schema);
	json_decref(events);
	if (rej)
		fclose(rej);
	free(mem);
	return done_testing();
}
