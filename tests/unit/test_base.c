/*
 * test_base.c — buffers (caps), UTF-8 validation, CSV splitting, configuration errors.
 */
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "base/buf.h"
#include "base/conf.h"
#include "base/timeparse.h"
#include "base/utf8.h"
#include "ingest/ingest.h"
#include "tap.h"

int main(void)
{
	struct buf b;
	struct csv_row r;
	struct verr e = { 0 };
	size_t bad;
	char path[] = "/tmp/vigia-test-conf-XXXXXX";
	struct vtime t;
	char out[48];

	/* buffers refuse to pass their cap */
	buf_init(&b, 16);
	is_int(buf_append(&b, "0123456789", 10), V_OK, "append under cap");
	is_int(buf_append(&b, "0123456789", 10), V_ERR_LIMIT, "append over cap refused");
	is_int(b.len, 10, "buffer unchanged after refusal");
	buf_reset(&b);
	buf_json_str(&b, "a\"\\\n\x01", 5);
	is_str(buf_cstr(&b), "\"a\\\"\\\\\\n\\u0001\"", "JSON escaping");
	buf_fini(&b);

	/* UTF-8 */
	ok(utf8_valid("plain ascii text, longer than eight", 35, NULL), "ASCII");
	ok(utf8_valid("\xc3\xa9\xe2\x82\xac\xf0\x9f\x98\x80", 9, NULL), "2-, 3-, 4-byte sequences");
	ok(!utf8_valid("\xc0\xaf", 2, &bad), "overlong refused");
	ok(!utf8_valid("\xed\xa0\x80", 3, &bad), "surrogate refused");
	ok(!utf8_valid("abc\xe2\x82", 5, &bad) && bad == 3, "truncated sequence at byte 3");
	ok(!utf8_valid("\xf4\x90\x80\x80", 4, &bad), "above U+10FFFF refused");

	/* CSV */
	csv_row_init(&r);
	is_int(csv_split(&r, "a,\"b,c\",\"d\"\"e\",", 15, ',', '"'), V_OK, "split");
	is_int(r.n, 4, "four fields (trailing empty)");
	ok(r.len[1] == 3 && !memcmp(r.f[1], "b,c", 3), "quoted delimiter");
	ok(r.len[2] == 3 && !memcmp(r.f[2], "d\"e", 3), "doubled quote");
	is_int(r.len[3], 0, "trailing empty field");
	is_int(csv_split(&r, "\"open", 5, ',', '"'), V_ERR_PARSE, "unterminated quote");
	is_int(csv_split(&r, "x\ty", 3, '\t', '"'), V_OK, "tab delimiter");
	is_int(r.n, 2, "two tab fields");
	csv_row_fini(&r);

	/* time */
	ok(time_parse_epoch("1441008970", 10, &t) == 0, "epoch");
	time_format(&t, out);
	is_str(out, "2015-08-31T08:16:10+00:00", "epoch formatted");
	ok(time_parse_epoch_millis("1441008970123", 13, &t) == 0, "epoch millis");
	time_format(&t, out);
	is_str(out, "2015-08-31T08:16:10+00:00", "millis dropped as IntelMQ does");
	ok(time_parse_windows_nt("132161703780000000", 18, &t) == 0, "windows NT time");
	time_format(&t, out);
	is_str(out, "2019-10-21T22:26:18+00:00", "windows NT formatted");
	ok(time_parse_format("14/09/2015 04:39", 16, "%d/%m/%Y %H:%M", &t) == 0, "strptime format");
	time_format(&t, out);
	is_str(out, "2015-09-14T04:39:00+00:00", "strptime formatted");

	/* configuration: errors name file, line and key */
	int fd = mkstemp(path);
	FILE *f = fdopen(fd, "w");
	fputs("# comment\n[log]\nlevel = debug\n\n[ingest]\nmax_line = 2M\nmax_lines = 3\n", f);
	fclose(f);
	conf_init();
	is_int(conf_load(path, &e), V_ERR_USAGE, "unknown key refused");
	is_int(e.line, 7, "error names the line");
	is_str(e.field, "ingest.max_lines", "error names the key");
	is_str(conf_get("log.level"), "debug", "earlier settings applied");
	is_int(conf_get_int("ingest.max_line"), 2 << 20, "sizes with suffix");
	is_int(conf_set("log.level", "loud", &e), V_ERR_USAGE, "enum checked");
	is_int(conf_set("ingest.max_line", "lots", &e), V_ERR_USAGE, "size checked");
	f = fopen(path, "w");
	fputs("[log\n", f);
	fclose(f);
	is_int(conf_load(path, &e), V_ERR_USAGE, "malformed section refused");
	is_int(e.line, 1, "at line 1");
	unlink(path);
	conf_fini();
	return done_testing();
}
