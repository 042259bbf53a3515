/*
 * test_shadowserver.c — the schema-driven Shadowserver parser: choosing the report type,
 * the conversions, IntelMQ's rules for required/optional/unused columns, rows that do not
 * fit the header, and start-up errors in a schema.  The whole reports are checked against
 * IntelMQ's own output by tests/conformance; this file covers what the corpus does not.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "ingest/ingest.h"
#include "tap.h"

/* One small schema exercising every kind of mapping and every conversion. */
static const char *test_schema =
	"{\"t\": {\"feed_name\": \"Test-Feed\", \"file_name\": \"scan_t\","
	" \"constant_fields\": {\"classification.type\": \"vulnerable-system\","
	"                       \"protocol.application\": \"test\"},"
	" \"required_fields\": [[\"time.source\", \"timestamp\", \"add_UTC_to_timestamp\"],"
	"                       [\"source.ip\", \"ip\", \"validate_ip\"]],"
	" \"optional_fields\": ["
	"   [\"source.network\", \"ip\", \"validate_network\"],"
	"   [\"source.port\", \"port\", \"convert_int\"],"
	"   [\"source.asn\", \"asn\", \"invalidate_zero\"],"
	"   [\"extra.\", \"ok\", \"convert_bool\"],"
	"   [\"extra.\", \"ratio\", \"convert_float\"],"
	"   [\"extra.\", \"note\", \"validate_to_none\"],"
	"   [\"extra.renamed\", \"orig\"],"
	"   [\"os.name\", \"osname\"],"
	"   [false, \"secret\"],"
	"   [\"source.tor_node\", \"tor\", \"set_tor_node\"],"
	"   [\"extra.\", \"payload\", \"force_base64\"],"
	"   [\"extra.\", \"seen\", \"convert_date\"],"
	"   [\"extra.\", \"seen_utc\", \"convert_date_utc\"],"
	"   [\"source.fqdn\", \"http_host\", \"validate_fqdn\"],"
	"   [\"source.url\", \"url\", \"convert_http_host_and_url\", true],"
	"   [\"classification.type\", \"kind\"],"
	"   [\"extra.\", \"asn\"]"
	" ]}}";

static const char *header =
	"\"timestamp\",\"ip\",\"port\",\"asn\",\"ok\",\"ratio\",\"note\",\"orig\",\"osname\","
	"\"secret\",\"tor\",\"payload\",\"seen\",\"seen_utc\",\"http_host\",\"url\",\"kind\",\"spare\"";

struct collect {
	json_t *events;
};

static int sink_event(void *arg, const struct event *ev)
{
	struct collect *c = arg;
	struct buf b;
	json_error_t je;

	buf_init(&b, 0);
	event_to_json(ev, &b);
	json_array_append_new(c->events, json_loadb(b.data, b.len, 0, &je));
	buf_fini(&b);
	return V_OK;
}

static char schema_path[64];

/* Run the parser on text; returns the events (caller decrefs) and fills the stats. */
static json_t *run(const char *params, const char *report, const char *text,
		   struct ingest_stats *stats, int *init_rc, struct verr *init_err)
{
	char def[4096];
	json_error_t je;
	json_t *j;
	struct feed_def *fd = NULL;
	struct ingest_ctx ctx;
	struct ingest_options opt = { .observation_time = "2020-01-01T00:00:00+00:00" };
	struct collect c = { json_array() };
	struct ingest_sink sink = { sink_event, &c };
	struct verr e = { 0 };

	snprintf(def, sizeof(def), "{\"parser\": \"shadowserver\", \"parameters\": %s, \"report\": %s}",
		 params, report);
	j = json_loads(def, 0, &je);
	if (!j || feed_def_from_json(j, "test", "test", &fd, &e) != V_OK) {
		printf("# bad definition: %s %s\n", je.text, e.reason);
		json_decref(j);
		return c.events;
	}
	*init_rc = ingest_ctx_init(&ctx, fd, &opt, sink, init_err ? init_err : &e);
	if (*init_rc == V_OK)
		ingest_buffer(&ctx, "test.csv", text, strlen(text));
	if (stats)
		*stats = ctx.stats;
	ingest_ctx_fini(&ctx);
	feed_def_free(fd);
	json_decref(j);
	return c.events;
}

static const char *sget(const json_t *ev, const char *key)
{
	return json_string_value(json_object_get(ev, key));
}

static void test_conversions(void)
{
	char params[128], text[2048];
	struct ingest_stats st;
	int rc = -1;
	json_t *evs, *ev;

	snprintf(params, sizeof(params), "{\"schema_file\": \"%s\", \"report_type\": \"t\"}",
		 schema_path);
	snprintf(text, sizeof(text),
		 "%s\n"
		 "\"2020-02-03 04:05:06\",\"192.0.2.1\",\" 80 \",\"0\",\"Yes\",\"1_0.5\",\"unknown\","
		 "\"o\",\"Linux\",\"pw\",\"x\",\"hello\",\"Wed, 10 Feb 2010 00:00:00 GMT\","
		 "\"2021-03-27T00:00:00.5Z\",\"Example.COM.\",\"GET /a/b HTTP/1.1\",\"bogus\",\"left\"\n"
		 "\"2020-02-03 04:05:07\",\"192.0.2.0/24\",,\"64496\",\"maybe\",,\"n\",,,,,\"aGk=\",,,,"
		 ",,\n",
		 header);
	evs = run(params, "{\"feed.name\": \"Report Feed\"}", text, &st, &rc, NULL);
	is_int(rc, V_OK, "init with schema_file and report_type");
	is_int(json_array_size(evs), 2, "two events");
	ev = json_array_get(evs, 0);
	is_str(sget(ev, "time.source"), "2020-02-03T04:05:06+00:00", "add_UTC_to_timestamp");
	is_str(sget(ev, "source.ip"), "192.0.2.1", "validate_ip keeps an address");
	ok(!json_object_get(ev, "source.network"), "validate_network drops an address");
	is_int(json_integer_value(json_object_get(ev, "source.port")), 80, "convert_int, blanks");
	ok(!json_object_get(ev, "source.asn"), "invalidate_zero drops 0");
	is_str(sget(ev, "extra.asn"), "0", "a column used twice: read again when not empty");
	ok(json_is_true(json_object_get(ev, "extra.ok")), "convert_bool yes");
	ok(json_real_value(json_object_get(ev, "extra.ratio")) == 10.5, "convert_float 1_0.5");
	ok(!json_object_get(ev, "extra.note"), "validate_to_none drops 'unknown'");
	is_str(sget(ev, "extra.renamed"), "o", "extra.<name>");
	is_str(sget(ev, "extra.os.name"), "Linux", "a field outside the schema goes to extra");
	ok(!json_object_get(ev, "extra.secret"), "false: ignored");
	ok(json_is_true(json_object_get(ev, "source.tor_node")), "set_tor_node");
	is_str(sget(ev, "extra.payload"), "aGVsbG8=", "force_base64 encodes text");
	is_str(sget(ev, "extra.seen"), "2010-02-10T00:00:00+00:00", "convert_date");
	is_str(sget(ev, "extra.seen_utc"), "2021-03-27T00:00:00.500000+00:00", "convert_date_utc");
	is_str(sget(ev, "source.fqdn"), "example.com", "validate_fqdn");
	is_str(sget(ev, "source.url"), "http://Example.COM./a/b", "convert_http_host_and_url");
	is_str(sget(ev, "classification.type"), "vulnerable-system", "constants win");
	is_str(sget(ev, "extra.kind"), "bogus", "an invalid optional value is kept in extra");
	is_str(sget(ev, "extra.spare"), "left", "an unused column goes to extra");
	is_str(sget(ev, "feed.name"), "Report Feed", "the report's feed.name stays");
	is_str(sget(ev, "protocol.application"), "test", "constant");
	ok(!json_object_get(ev, "extra.file_name"), "no report extras in the event");

	ev = json_array_get(evs, 1);
	ok(!json_object_get(ev, "source.ip"), "validate_ip drops a network");
	is_str(sget(ev, "source.network"), "192.0.2.0/24", "validate_network keeps it");
	ok(!json_object_get(ev, "extra.ip"), "...and the column is used up");
	is_int(json_integer_value(json_object_get(ev, "source.asn")), 64496, "invalidate_zero");
	is_str(sget(ev, "extra.asn"), "64496", "...and the second use of the column");
	ok(!json_object_get(ev, "extra.ok"), "convert_bool: neither yes nor no");
	is_str(sget(ev, "extra.note"), "n", "validate_to_none keeps other text");
	is_str(sget(ev, "extra.payload"), "aGk=", "force_base64 keeps base64");
	json_decref(evs);
}

static void test_rows(void)
{
	char params[128], text[2048];
	struct ingest_stats st;
	int rc = -1;
	json_t *evs;

	snprintf(params, sizeof(params), "{\"schema_file\": \"%s\"}", schema_path);
	snprintf(text, sizeof(text),
		 "\xef\xbb\xbf\"timestamp\",\"ip\",\"port\"\r\n"
		 "\r\n"
		 "\"2020-02-03 04:05:06\",\"192.0.2.1\",\"1\"\r\n"
		 "\"timestamp\",\"ip\",\"port\"\r\n"
		 "\"2020-02-03 04:05:07\",\"192.0.2.2\"\r\n"
		 "\"2020-02-03 04:05:08\",\"192.0.2.3\",\"1\",\"4\"\r\n"
		 "\"\",\"192.0.2.4\",\"1\"\r\n"
		 "\"2020-02-03 04:05:09\",\"192.0.2.5\",\"x\"\r\n"
		 "\"2020-02-03 04:05:10\",\"192.0.2.6\",\"1\r\n");
	evs = run(params, "{\"extra.file_name\": \"2020-02-03-scan_t-xx.csv\"}", text, &st, &rc,
		  NULL);
	is_int(rc, V_OK, "report type from extra.file_name");
	is_int(json_array_size(evs), 2, "a good row and a short row");
	is_int(st.rejected, 4, "long row, bad time, bad integer, open quote rejected");
	is_str(sget(json_array_get(evs, 0), "feed.name"), "Test-Feed", "feed.name from the schema");
	is_str(sget(json_array_get(evs, 1), "source.ip"), "192.0.2.2", "a short row is read");
	json_decref(evs);
}

static void test_selection(void)
{
	char params[256];
	struct verr e = { 0 };
	int rc = -1;
	json_t *evs;
	const char *text = "\"timestamp\",\"ip\"\n\"2020-02-03 04:05:06\",\"192.0.2.1\"\n";
	struct ingest_stats st;

	evs = run("{}", "{\"extra.file_name\": \"2019-01-01-no_such_report-x.csv\"}", text, NULL,
		  &rc, &e);
	is_int(rc, V_ERR_USAGE, "unknown file name: an error at start");
	ok(strstr(e.reason, "2019-01-01-no_such_report-x.csv") != NULL, "it names the file: %s",
	   e.reason);
	json_decref(evs);

	evs = run("{\"report_type\": \"nope\"}", "{}", text, NULL, &rc, &e);
	is_int(rc, V_ERR_USAGE, "unknown report_type: an error at start");
	json_decref(evs);

	evs = run("{\"feedname\": \"Blocklist\", \"overwrite\": true}",
		  "{\"feed.name\": \"Mine\"}", text, &st, &rc, NULL);
	is_int(json_array_size(evs), 1, "IntelMQ's feedname parameter");
	is_str(sget(json_array_get(evs, 0), "feed.name"), "Blocklist", "overwrite replaces feed.name");
	is_str(sget(json_array_get(evs, 0), "classification.type"), "blacklist", "built-in schema");
	json_decref(evs);

	evs = run("{}", "{}", text, &st, &rc, NULL);
	is_int(rc, V_OK, "no report type yet: taken from each input's name");
	is_int(st.rejected, 2, "'test.csv' names none: its rows are rejected");
	json_decref(evs);

	snprintf(params, sizeof(params), "{\"schema_file\": \"%s.missing\"}", schema_path);
	evs = run(params, "{}", text, NULL, &rc, &e);
	is_int(rc, V_ERR_USAGE, "a missing schema_file");
	json_decref(evs);
}

/* Spam-URL maps ip and src_ip (asn and src_asn, ...) to the same fields: the first column
 * wins and the second is kept as extra.<column>, where IntelMQ loses the row (KeyExists). */
static void test_duplicate_field(void)
{
	struct ingest_stats st;
	int rc = -1;
	json_t *evs, *ev;
	const char *text =
		"\"timestamp\",\"ip\",\"asn\",\"src_ip\",\"src_asn\",\"url\",\"http_host\"\n"
		"\"2024-05-01 00:00:00\",\"192.0.2.1\",\"64496\",\"198.51.100.7\",\"64511\","
		"\"/spam\",\"spam.example\"\n";

	evs = run("{\"report_type\": \"spam_url\"}", "{}", text, &st, &rc, NULL);
	is_int(json_array_size(evs), 1, "Spam-URL: ip and src_ip give one event");
	ev = json_array_get(evs, 0);
	is_str(sget(ev, "source.ip"), "192.0.2.1", "the first column sets source.ip");
	is_int(json_integer_value(json_object_get(ev, "source.asn")), 64496, "...and source.asn");
	is_str(sget(ev, "extra.src_ip"), "198.51.100.7", "the second is kept in extra");
	is_str(sget(ev, "extra.src_asn"), "64511", "...as text");
	is_str(sget(ev, "source.url"), "http://spam.example/spam", "source.url");
	json_decref(evs);
}

static void bad_schema(const char *schema, const char *what)
{
	char path[64], params[128];
	struct verr e = { 0 };
	int rc = -1;
	FILE *f;

	snprintf(path, sizeof(path), "/tmp/vigia-ss-bad-%d.json", (int)getpid());
	f = fopen(path, "w");
	fputs(schema, f);
	fclose(f);
	snprintf(params, sizeof(params), "{\"schema_file\": \"%s\", \"report_type\": \"b\"}", path);
	json_decref(run(params, "{}", "", NULL, &rc, &e));
	is_int(rc, V_ERR_USAGE, "%s: an error at start (%s)", what, e.reason);
	unlink(path);
}

int main(void)
{
	FILE *f;

	snprintf(schema_path, sizeof(schema_path), "/tmp/vigia-ss-test-%d.json", (int)getpid());
	f = fopen(schema_path, "w");
	if (!f || fputs(test_schema, f) < 0 || fclose(f) != 0) {
		ok(0, "write %s", schema_path);
		return done_testing();
	}
	test_conversions();
	test_rows();
	test_selection();
	test_duplicate_field();
	bad_schema("{\"b\": {\"feed_name\": \"B\", \"file_name\": \"b\", \"required_fields\": "
		   "[[\"source.ip\", \"ip\", \"no_such_function\"]]}}", "unknown conversion");
	bad_schema("{\"b\": {\"feed_name\": \"B\", \"file_name\": \"b\", \"constant_fields\": "
		   "{\"classification.type\": \"nonsense\"}}}", "invalid constant");
	bad_schema("{\"b\": {\"feed_name\": \"B\", \"file_name\": \"b\", \"optional_fields\": "
		   "[[\"source.ip\"]]}}", "item without a column");
	bad_schema("{\"b\": {\"file_name\": \"b\"}}", "no feed_name");
	bad_schema("[1, 2]", "not an object");
	unlink(schema_path);
	return done_testing();
}
