/*
 * test_driver.c — intake of hostile input: every bad record is rejected with file, line and
 * reason, counted, and never stops the good records around it.  Compressed inputs are read
 * directly; a truncated gzip keeps what was complete and reports an I/O error.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <zip.h>
#include <zlib.h>

#include "ingest/ingest.h"
#include "tap.h"

struct collect {
	struct buf out;
	int n;
};

static int collect_event(void *arg, const struct event *ev)
{
	struct collect *c = arg;
	event_to_json(ev, &c->out);
	buf_putc(&c->out, '\n');
	c->n++;
	return V_OK;
}

static struct feed_def *csv_feed(void)
{
	struct feed_def *fd;
	struct verr e = { 0 };
	json_error_t je;
	json_t *j = json_loads("{\"parser\":\"csv\",\"parameters\":{\"columns\":[\"source.ip\","
			       "\"source.port\",\"classification.type\"],\"delimiter\":\",\"},"
			       "\"report\":{\"feed.name\":\"Test\"}}", 0, &je);
	feed_def_from_json(j, "test", "test", &fd, &e);
	json_decref(j);
	return fd;
}

/* Run the CSV parser over a file; rejects to a memory buffer. */
static void run(const char *path, struct collect *c, char **rejects, size_t *rlen,
		struct ingest_stats *st, int *rc)
{
	struct feed_def *fd = csv_feed();
	struct ingest_ctx ctx;
	struct ingest_options opt = { 0 };
	struct verr e = { 0 };
	FILE *rf = open_memstream(rejects, rlen);

	opt.rejects = rf;
	opt.max_line = 4096;
	opt.observation_time = "2020-01-01T00:00:00+00:00";
	buf_init(&c->out, 0);
	c->n = 0;
	struct ingest_sink sink = { collect_event, c };
	ingest_ctx_init(&ctx, fd, &opt, sink, &e);
	*rc = ingest_path(&ctx, path, &e);
	*st = ctx.stats;
	ingest_ctx_fini(&ctx);
	fclose(rf);
	feed_def_free(fd);
}

static void write_file(const char *path, const char *data, size_t n)
{
	FILE *f = fopen(path, "wb");
	fwrite(data, 1, n, f);
	fclose(f);
}

int main(void)
{
	char dir[] = "/tmp/vigia-test-driver-XXXXXX";
	char path[512], gz[512], zp[512];
	struct collect c;
	struct ingest_stats st;
	char *rej = NULL;
	size_t rlen = 0;
	int rc;

	if (!mkdtemp(dir))
		return 1;
	snprintf(path, sizeof(path), "%s/in.csv", dir);

	/* a file with one good line between each kind of bad one */
	struct buf in;
	buf_init(&in, 0);
	buf_puts(&in, "192.0.2.1,80,scanner\n");           /* 1 good */
	buf_puts(&in, "192.0.2.2,80\n");                   /* 2 too few columns */
	buf_puts(&in, "192.0.2.3,80,scanner\r\n");         /* 3 good, CRLF */
	buf_puts(&in, "192.0.2.\xff,80,scanner\n");        /* 4 invalid UTF-8 */
	buf_append(&in, "192.0.2.5,8\0,scanner\n", 21);    /* 5 NUL byte */
	buf_puts(&in, "999.0.2.6,80,scanner\n");           /* 6 bad IP */
	for (int i = 0; i < 5000; i++)                      /* 7 over-long line */
		buf_putc(&in, 'x');
	buf_puts(&in, "\n");
	buf_puts(&in, "192.0.2.8,70000,scanner\n");        /* 8 port out of range */
	buf_puts(&in, "192.0.2.9,80,no-such-type\n");      /* 9 bad classification */
	buf_puts(&in, "192.0.2.10,443,scanner\n");         /* 10 good */
	buf_puts(&in, "\"192.0.2.11,80,scanner\n");        /* 11 unterminated quote to EOF */
	write_file(path, in.data, in.len);

	run(path, &c, &rej, &rlen, &st, &rc);
	is_int(rc, V_OK, "file read");
	is_int(c.n, 3, "good records emitted around the bad ones");
	ok(strstr(c.out.data, "\"source.ip\":\"192.0.2.1\"") != NULL, "line 1 emitted");
	ok(strstr(c.out.data, "\"source.ip\":\"192.0.2.3\"") != NULL, "CRLF line emitted");
	ok(strstr(c.out.data, "\"source.ip\":\"192.0.2.10\"") != NULL, "line 10 emitted");
	is_int(st.rejected, 8, "eight records rejected");
	ok(rej && strstr(rej, "\"line\":2,") && strstr(rej, "2 columns, expected 3"), "line 2: column count");
	ok(rej && strstr(rej, "\"line\":4,") && strstr(rej, "invalid UTF-8 at column 9"), "line 4: UTF-8");
	ok(rej && strstr(rej, "\"line\":5,") && strstr(rej, "NUL byte at column 12"), "line 5: NUL");
	ok(rej && strstr(rej, "\"line\":6,") && strstr(rej, "\"field\":\"source.ip\""), "line 6: field named");
	ok(rej && strstr(rej, "\"line\":7,") && strstr(rej, "longer than 4096 bytes"), "line 7: size cap");
	ok(rej && strstr(rej, "\"line\":8,") && strstr(rej, "\"field\":\"source.port\""), "line 8: port range");
	ok(rej && strstr(rej, "\"line\":9,") && strstr(rej, "classification.type"), "line 9: type");
	ok(rej && strstr(rej, "\"line\":11,") && strstr(rej, "unterminated"), "line 11: quote");
	ok(rej && strstr(rej, "\"file\":\"") && strstr(rej, "in.csv\""), "rejects name the file");
	ok(rej && strstr(rej, "\"raw\":\""), "rejects keep the record");
	free(rej);
	rej = NULL;
	buf_fini(&c.out);

	/* gzip, read directly; then truncated */
	snprintf(gz, sizeof(gz), "%s/in.csv.gz", dir);
	gzFile g = gzopen(gz, "wb");
	for (int i = 0; i < 20000; i++)
		gzprintf(g, "192.0.2.%d,%d,scanner\n", i % 250 + 1, i % 65535);
	gzclose(g);
	run(gz, &c, &rej, &rlen, &st, &rc);
	is_int(rc, V_OK, "gzip read");
	is_int(c.n, 20000, "gzip: all records");
	free(rej);
	rej = NULL;
	buf_fini(&c.out);

	FILE *f = fopen(gz, "rb");
	fseek(f, 0, SEEK_END);
	long sz = ftell(f);
	fclose(f);
	if (truncate(gz, sz / 2) != 0)
		return 1;
	run(gz, &c, &rej, &rlen, &st, &rc);
	is_int(rc, V_ERR_IO, "truncated gzip is an I/O error");
	ok(c.n > 0 && c.n < 20000, "truncated gzip: complete records kept (%d)", c.n);
	free(rej);
	rej = NULL;
	buf_fini(&c.out);

	/* zip: every member is read */
	snprintf(zp, sizeof(zp), "%s/in.zip", dir);
	int ze;
	zip_t *z = zip_open(zp, ZIP_CREATE | ZIP_TRUNCATE, &ze);
	static const char m1[] = "192.0.2.1,1,scanner\n192.0.2.2,2,scanner\n";
	static const char m2[] = "192.0.2.3,3,scanner\n";
	zip_file_add(z, "a.csv", zip_source_buffer(z, m1, sizeof(m1) - 1, 0), 0);
	zip_file_add(z, "b.csv", zip_source_buffer(z, m2, sizeof(m2) - 1, 0), 0);
	zip_close(z);
	run(zp, &c, &rej, &rlen, &st, &rc);
	is_int(rc, V_OK, "zip read");
	is_int(c.n, 3, "zip: records of both members");
	free(rej);
	rej = NULL;
	buf_fini(&c.out);

	/* missing file */
	snprintf(path, sizeof(path), "%s/nonexistent", dir);
	run(path, &c, &rej, &rlen, &st, &rc);
	is_int(rc, V_ERR_IO, "missing file is an I/O error");
	free(rej);
	buf_fini(&c.out);
	buf_fini(&in);

	char cmd[600];
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
	if (system(cmd) != 0)
		return 1;
	return done_testing();
}
