/*
 * driver.c — runs a parser over inputs: opening (file, stdin, gzip, zip), cutting records,
 * checking them (size cap, NUL bytes, UTF-8), building events, counting and quarantining.
 *
 * A bad record never stops the records around it: it is written, with its file, line and
 * reason, to the reject file and counted.  Memory does not grow with the input: records are
 * cut from a fixed window (except PARSE_DOCUMENT inputs, which are capped); PARSE_STREAM
 * parsers read the file where it is (or a spooled copy of what is not a regular file).
 */
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <sodium.h>
#include <zip.h>
#include <zlib.h>

#include "base/i18n.h"
#include "base/log.h"
#include "base/timeparse.h"
#include "base/utf8.h"
#include "ingest/ingest.h"

#define CHUNK (1u << 20)

/* ---- context -------------------------------------------------------------------------------- */

int ingest_ctx_init(struct ingest_ctx *ctx, const struct feed_def *fd,
		    const struct ingest_options *opt, struct ingest_sink sink, struct verr *err)
{
	struct vtime now;
	int rc;

	memset(ctx, 0, sizeof(*ctx));
	ctx->parser = fd->parser;
	ctx->feed = fd;
	ctx->params = fd->params;
	ctx->report = fd->report;
	ctx->sink = sink;
	if (opt)
		ctx->opt = *opt;
	if (!ctx->opt.max_line)
		ctx->opt.max_line = 1u << 20;
	if (!ctx->opt.max_document)
		ctx->opt.max_document = 256u << 20;
	buf_init(&ctx->scratch, 0);
	buf_init(&ctx->raw, 0);
	ctx->ev = event_new();
	if (!ctx->ev)
		return V_ERR_NOMEM;
	if (ctx->opt.observation_time) {
		snprintf(ctx->now, sizeof(ctx->now), "%s", ctx->opt.observation_time);
	} else {
		now.sec = time(NULL);
		now.usec = 0;
		now.has_usec = 0;
		time_format(&now, ctx->now);
	}
	if (ctx->parser->init && (rc = ctx->parser->init(ctx, err)) != V_OK)
		return rc;
	return V_OK;
}

void ingest_ctx_fini(struct ingest_ctx *ctx)
{
	if (ctx->parser && ctx->parser->fini)
		ctx->parser->fini(ctx);
	event_free(ctx->ev);
	ctx->ev = NULL;
	event_free(ctx->tmpl);
	ctx->tmpl = NULL;
	if (ctx->own_rejects && ctx->opt.rejects)
		fclose(ctx->opt.rejects);
	ctx->opt.rejects = NULL;
	buf_fini(&ctx->scratch);
	buf_fini(&ctx->raw);
}

/* ---- for parsers ---------------------------------------------------------------------------- */

/*
 * The report's fields are the same for every event of an input, so they are sanitised once
 * into ctx->tmpl and copied into each new event: sanitising them per event (feed.url as a URL,
 * time.observation as a date) was 18% of the URLhaus benchmark (bench/, callgrind).
 */
struct event *ingest_new_event(struct ingest_ctx *ctx)
{
	const char *k;
	json_t *v;

	ctx->failed = 0;
	verr_clear(&ctx->err);
	if (ctx->tmpl && event_copy(ctx->ev, ctx->tmpl) == V_OK)
		return ctx->ev;
	event_clear(ctx->ev);
	/* As IntelMQ's Event(report): only these report fields pass into events; the rest
	 * (extra.file_name, ...) describe the report and are read by parsers, not copied. */
	static const char *const copied[] = { "feed.accuracy", "feed.code", "feed.documentation",
					      "feed.name", "feed.provider", "feed.url", "rtir_id",
					      "time.observation", NULL };
	for (const char *const *c = copied; *c; c++) {
		v = json_object_get(ctx->report, *c);
		if (v)
			event_set_json(ctx->ev, *c, v, EV_OVERWRITE, NULL);
	}
	(void)k;
	if (!event_get_id(ctx->ev, F_TIME_OBSERVATION, NULL))
		event_set(ctx->ev, "time.observation", ctx->now, strlen(ctx->now), EV_NOSANITIZE, NULL);
	if (!ctx->tmpl && (ctx->tmpl = event_new()) != NULL &&
	    event_copy(ctx->tmpl, ctx->ev) != V_OK) {
		event_free(ctx->tmpl);
		ctx->tmpl = NULL;
	}
	return ctx->ev;
}

static void mark_failed(struct ingest_ctx *ctx, int rc, const struct verr *e, const char *key)
{
	if (ctx->failed)
		return;
	ctx->failed = rc;
	snprintf(ctx->err.field, sizeof(ctx->err.field), "%s", e->field[0] ? e->field : key);
	snprintf(ctx->err.reason, sizeof(ctx->err.reason), "%s", e->reason[0] ? e->reason : vres_str(rc));
}

static int after_add(struct ingest_ctx *ctx, int rc, struct verr *e, const char *key, unsigned flags)
{
	if (rc == V_OK || rc == V_SKIP)
		return rc;
	if ((flags & ING_IGNORE_INVALID) && rc == V_ERR_INVALID)
		return rc;
	mark_failed(ctx, rc, e, key);
	return rc;
}

static unsigned ev_flags(unsigned flags)
{
	return (flags & ING_OVERWRITE) ? EV_OVERWRITE : 0;
}

int ingest_add(struct ingest_ctx *ctx, const char *key, const char *val, size_t len, unsigned flags)
{
	/* only the strings' first bytes are cleared: zeroing all of struct verr per field was
	 * 1% of the URLhaus benchmark, 2% once the rest was fast (bench/) */
	struct verr e;

	e.file = NULL;
	e.line = 0;
	e.field[0] = 0;
	e.reason[0] = 0;
	return after_add(ctx, event_set(ctx->ev, key, val, len, ev_flags(flags), &e), &e, key, flags);
}

int ingest_add_str(struct ingest_ctx *ctx, const char *key, const char *val, unsigned flags)
{
	return ingest_add(ctx, key, val, strlen(val), flags);
}

int ingest_add_json(struct ingest_ctx *ctx, const char *key, const json_t *v, unsigned flags)
{
	struct verr e = { 0 };
	return after_add(ctx, event_set_json(ctx->ev, key, v, ev_flags(flags), &e), &e, key, flags);
}

int ingest_add_int(struct ingest_ctx *ctx, const char *key, long long v, unsigned flags)
{
	struct verr e = { 0 };
	return after_add(ctx, event_set_int(ctx->ev, key, v, ev_flags(flags), &e), &e, key, flags);
}

int ingest_add_float(struct ingest_ctx *ctx, const char *key, double v, unsigned flags)
{
	struct verr e = { 0 };
	return after_add(ctx, event_set_float(ctx->ev, key, v, ev_flags(flags), &e), &e, key, flags);
}

int ingest_add_bool(struct ingest_ctx *ctx, const char *key, int v, unsigned flags)
{
	struct verr e = { 0 };
	return after_add(ctx, event_set_bool(ctx->ev, key, v, ev_flags(flags), &e), &e, key, flags);
}

void ingest_fail(struct ingest_ctx *ctx, const char *field, const char *fmt, ...)
{
	va_list ap;

	if (ctx->failed)
		return;
	ctx->failed = V_ERR_INVALID;
	snprintf(ctx->err.field, sizeof(ctx->err.field), "%s", field ? field : "");
	va_start(ap, fmt);
	vsnprintf(ctx->err.reason, sizeof(ctx->err.reason), fmt, ap);
	va_end(ap);
}

static void write_reject(struct ingest_ctx *ctx, const char *field, const char *reason)
{
	struct buf b;
	size_t n = ctx->rec_len;

	ctx->stats.rejected++;
	log_debug("%s:%ld: %s%s%s", ctx->file ? ctx->file : "-", ctx->line, field && *field ? field : "",
		  field && *field ? ": " : "", reason);
	if (!ctx->opt.rejects && ctx->opt.rejects_path) {
		ctx->opt.rejects = fopen(ctx->opt.rejects_path, "a");
		if (!ctx->opt.rejects) {
			log_error(_("cannot open reject file %s: %s"), ctx->opt.rejects_path, strerror(errno));
			ctx->opt.rejects_path = NULL;
		} else {
			ctx->own_rejects = 1;
		}
	}
	if (!ctx->opt.rejects)
		return;
	buf_init(&b, 0);
	buf_puts(&b, "{\"file\":");
	buf_json_str(&b, ctx->file ? ctx->file : "-", strlen(ctx->file ? ctx->file : "-"));
	buf_printf(&b, ",\"line\":%ld,\"feed\":", ctx->line);
	buf_json_str(&b, ctx->feed->name, strlen(ctx->feed->name));
	buf_puts(&b, ",\"parser\":");
	buf_json_str(&b, ctx->parser->name, strlen(ctx->parser->name));
	if (field && *field) {
		buf_puts(&b, ",\"field\":");
		buf_json_str(&b, field, strlen(field));
	}
	buf_puts(&b, ",\"reason\":");
	buf_json_str(&b, reason, strlen(reason));
	if (n > (16u << 20))
		n = 16u << 20; /* the quarantine keeps at most 16 MiB of one record */
	size_t b64 = sodium_base64_encoded_len(n, sodium_base64_VARIANT_ORIGINAL);
	buf_puts(&b, ",\"raw\":\"");
	if (buf_reserve(&b, b64) == V_OK) {
		sodium_bin2base64(b.data + b.len, b64, (const unsigned char *)(ctx->rec ? ctx->rec : ""),
				  n, sodium_base64_VARIANT_ORIGINAL);
		b.len += b64 - 1;
	}
	buf_puts(&b, "\"}\n");
	fwrite(b.data, 1, b.len, ctx->opt.rejects);
	buf_fini(&b);
}

int ingest_reject(struct ingest_ctx *ctx, const char *field, const char *fmt, ...)
{
	char reason[512];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(reason, sizeof(reason), fmt, ap);
	va_end(ap);
	write_reject(ctx, field, reason);
	return V_ERR_PARSE;
}

static void count_class(struct ingest_ctx *ctx)
{
	size_t n;
	const char *t = event_get_id(ctx->ev, F_CLASSIFICATION_TYPE, &n);
	struct ingest_stats *s = &ctx->stats;

	if (!t || n >= sizeof(s->classes[0].type))
		return;
	for (unsigned i = 0; i < s->nclasses; i++)
		if (!strncmp(s->classes[i].type, t, n) && s->classes[i].type[n] == 0) {
			s->classes[i].n++;
			return;
		}
	if (s->nclasses < INGEST_MAX_CLASSES) {
		memcpy(s->classes[s->nclasses].type, t, n);
		s->classes[s->nclasses].type[n] = 0;
		s->classes[s->nclasses].n = 1;
		s->nclasses++;
	}
}

int ingest_emit(struct ingest_ctx *ctx, const void *raw, size_t raw_len)
{
	int rc;

	if (ctx->failed) {
		write_reject(ctx, ctx->err.field, ctx->err.reason);
		ctx->failed = 0;
		return V_ERR_INVALID;
	}
	if (!event_get_id(ctx->ev, F_RAW, NULL)) {
		if (!raw) {
			raw = ctx->rec;
			raw_len = ctx->rec_len;
		}
		if ((rc = event_set_raw(ctx->ev, raw ? raw : "", raw_len)) != V_OK)
			return ingest_reject(ctx, "raw", "%s", _("record too large"));
	}
	event_derive_taxonomy(ctx->ev);
	count_class(ctx);
	ctx->stats.events++;
	return ctx->sink.event ? ctx->sink.event(ctx->sink.arg, ctx->ev) : V_OK;
}

const json_t *ingest_param(const struct ingest_ctx *ctx, const char *name)
{
	return json_object_get(ctx->params, name);
}

const char *ingest_param_str(const struct ingest_ctx *ctx, const char *name, const char *dflt)
{
	const json_t *v = json_object_get(ctx->params, name);
	return json_is_string(v) ? json_string_value(v) : dflt;
}

int ingest_param_bool(const struct ingest_ctx *ctx, const char *name, int dflt)
{
	const json_t *v = json_object_get(ctx->params, name);
	if (json_is_boolean(v))
		return json_is_true(v);
	if (json_is_string(v)) {
		const char *s = json_string_value(v);
		if (!strcasecmp(s, "true") || !strcmp(s, "1") || !strcasecmp(s, "yes"))
			return 1;
		if (!strcasecmp(s, "false") || !strcmp(s, "0") || !strcasecmp(s, "no"))
			return 0;
	}
	if (json_is_integer(v))
		return json_integer_value(v) != 0;
	return dflt;
}

long long ingest_param_int(const struct ingest_ctx *ctx, const char *name, long long dflt)
{
	const json_t *v = json_object_get(ctx->params, name);
	if (json_is_integer(v))
		return json_integer_value(v);
	if (json_is_string(v)) {
		char *end;
		long long x = strtoll(json_string_value(v), &end, 10);
		if (!*end && end != json_string_value(v))
			return x;
	}
	return dflt;
}

const char *ingest_report_str(const struct ingest_ctx *ctx, const char *key)
{
	const json_t *v = json_object_get(ctx->report, key);
	return json_is_string(v) ? json_string_value(v) : NULL;
}

/* ---- records -------------------------------------------------------------------------------- */

static int check_record(struct ingest_ctx *ctx, const char *s, size_t n)
{
	size_t bad;
	const char *nul;

	if (utf8_plain_ascii(s, n))
		return V_OK; /* one pass for the usual record instead of two (bench/) */
	nul = memchr(s, 0, n);
	if (nul)
		return ingest_reject(ctx, NULL, _("NUL byte at column %zu"), (size_t)(nul - s) + 1);
	if (!utf8_valid(s, n, &bad))
		return ingest_reject(ctx, NULL, _("invalid UTF-8 at column %zu"), bad + 1);
	return V_OK;
}

static void run_record(struct ingest_ctx *ctx, const char *s, size_t n, long line)
{
	ctx->rec = s;
	ctx->rec_len = n;
	ctx->line = line;
	ctx->stats.records++;
	if (check_record(ctx, s, n) != V_OK)
		return;
	ctx->failed = 0;
	ctx->parser->record(ctx, s, n);
}

/* Source of bytes: plain read(2), or zlib inflate over it, or a zip entry. */
struct source {
	int fd;
	zip_file_t *zf;
	int gz;
	z_stream zs;
	unsigned char *zin;
	int zeof, zend;
	unsigned char peek[4];
	size_t npeek;
};

static ssize_t raw_read(struct source *src, void *buf, size_t n)
{
	if (src->npeek) {
		size_t k = src->npeek < n ? src->npeek : n;
		memcpy(buf, src->peek, k);
		memmove(src->peek, src->peek + k, src->npeek - k);
		src->npeek -= k;
		return (ssize_t)k;
	}
	if (src->zf)
		return (ssize_t)zip_fread(src->zf, buf, n);
	for (;;) {
		ssize_t r = read(src->fd, buf, n);
		if (r < 0 && errno == EINTR)
			continue;
		return r;
	}
}

/* Returns bytes, 0 at end, -1 on a read error, -2 on corrupt/truncated compressed data. */
static ssize_t src_read(struct source *src, char *buf, size_t n)
{
	if (!src->gz)
		return raw_read(src, buf, n);
	if (src->zend)
		return 0;
	src->zs.next_out = (unsigned char *)buf;
	src->zs.avail_out = (uInt)n;
	while (src->zs.avail_out == n) {
		if (src->zs.avail_in == 0 && !src->zeof) {
			ssize_t r = raw_read(src, src->zin, CHUNK);
			if (r < 0)
				return -1;
			if (r == 0)
				src->zeof = 1;
			src->zs.next_in = src->zin;
			src->zs.avail_in = (uInt)r;
		}
		int zr = inflate(&src->zs, Z_NO_FLUSH);
		if (zr == Z_STREAM_END) {
			/* concatenated gzip members (as gzip(1) writes them) */
			if (src->zs.avail_in == 0 && src->zeof) {
				src->zend = 1;
				break;
			}
			if (src->zs.avail_in == 0) {
				ssize_t r = raw_read(src, src->zin, CHUNK);
				if (r <= 0) {
					src->zend = 1;
					break;
				}
				src->zs.next_in = src->zin;
				src->zs.avail_in = (uInt)r;
			}
			inflateReset(&src->zs);
			continue;
		}
		if (zr == Z_BUF_ERROR && src->zeof && src->zs.avail_in == 0)
			return -2; /* truncated */
		if (zr != Z_OK && zr != Z_BUF_ERROR)
			return -2;
	}
	return (ssize_t)(n - src->zs.avail_out);
}

static void progress(struct ingest_ctx *ctx, unsigned long long done, unsigned long long total,
		     int final)
{
	static struct timespec last;
	struct timespec now;
	char bar[31];

	if (!ctx->opt.progress)
		return;
	clock_gettime(CLOCK_MONOTONIC, &now);
	if (!final && now.tv_sec * 1000 + now.tv_nsec / 1000000 - last.tv_sec * 1000 -
			      last.tv_nsec / 1000000 < 200)
		return;
	last = now;
	int fill = total ? (int)(done * 30 / total) : 0;
	if (fill > 30)
		fill = 30;
	memset(bar, '#', (size_t)fill);
	memset(bar + fill, '.', (size_t)(30 - fill));
	bar[30] = 0;
	fprintf(stderr, "\r[%s] %3d%% %.1f MB, %llu %s", bar,
		total ? (int)(done * 100 / total) : 0, (double)done / 1e6, ctx->stats.events,
		_("events"));
	if (final)
		fputc('\n', stderr);
}

ssize_t ingest_input_read(const struct ingest_input *in, size_t off, void *buf, size_t n)
{
	if (off >= in->size)
		return 0;
	if (n > in->size - off)
		n = in->size - off;
	for (;;) {
		ssize_t r = pread(in->fd, buf, n, (off_t)off);
		if (r < 0 && errno == EINTR)
			continue;
		return r;
	}
}

/*
 * PARSE_STREAM: a regular uncompressed file is handed over as it is; anything else is spooled
 * to a temporary file first (at most max_document bytes).  V_OK (a document too large was
 * rejected) or the read error.
 */
static int run_stream(struct ingest_ctx *ctx, struct source *src, struct verr *err)
{
	struct ingest_input in = { .fd = -1 };
	struct stat st;
	FILE *tmp = NULL;
	char *b = NULL;
	int rc = V_OK;

	ctx->rec = NULL;
	ctx->rec_len = 0;
	ctx->line = 1;
	ctx->stats.records++;
	if (!src->gz && !src->zf && src->fd >= 0 && fstat(src->fd, &st) == 0 &&
	    S_ISREG(st.st_mode)) {
		in.fd = src->fd;
		in.size = (size_t)st.st_size;
	} else {
		size_t len = 0;
		ssize_t r;
		if (!(tmp = tmpfile()) || !(b = malloc(CHUNK))) {
			rc = verr_set(err, V_ERR_IO, NULL, "%s", strerror(errno));
			goto out;
		}
		while ((r = src_read(src, b, CHUNK)) > 0) {
			len += (size_t)r;
			if (len > ctx->opt.max_document) {
				ingest_reject(ctx, NULL, _("document larger than %zu bytes"),
					      ctx->opt.max_document);
				goto out;
			}
			if (fwrite(b, 1, (size_t)r, tmp) != (size_t)r) {
				rc = verr_set(err, V_ERR_IO, NULL, "%s", strerror(errno));
				goto out;
			}
		}
		if (r < 0) {
			rc = verr_set(err, V_ERR_IO, NULL, r == -2 ? _("corrupt or truncated compressed data")
								 : _("read error"));
			goto out;
		}
		if (fflush(tmp) != 0) {
			rc = verr_set(err, V_ERR_IO, NULL, "%s", strerror(errno));
			goto out;
		}
		in.fd = fileno(tmp);
		in.size = len;
	}
	ctx->stats.bytes += in.size;
	ctx->failed = 0;
	ctx->parser->stream(ctx, &in);
out:
	free(b);
	if (tmp)
		fclose(tmp);
	return rc;
}

static int run_source(struct ingest_ctx *ctx, struct source *src, const char *name,
		      unsigned long long total, struct verr *err)
{
	enum parse_mode mode = ctx->parser->mode;
	size_t cap = mode == PARSE_DOCUMENT ? ctx->opt.max_document : ctx->opt.max_line;
	size_t size = (mode == PARSE_DOCUMENT ? CHUNK : cap) + CHUNK + 1;
	char *buf = malloc(size);
	size_t len = 0, pos = 0;
	long line = 1;
	int eof = 0, rc = V_OK, skipping = 0;
	unsigned long long done = 0;

	if (!buf)
		return V_ERR_NOMEM;
	ctx->file = name;
	/* the report's fields are sanitised again for each input (new_event) */
	event_free(ctx->tmpl);
	ctx->tmpl = NULL;
	if (mode == PARSE_STREAM) {
		rc = run_stream(ctx, src, err);
		goto out;
	}
	if (mode == PARSE_DOCUMENT) {
		for (;;) {
			if (len + CHUNK + 1 > size) {
				if (size - 1 >= cap + CHUNK) {
					ctx->rec = buf;
					ctx->rec_len = len;
					ctx->line = 1;
					ctx->stats.records++;
					ingest_reject(ctx, NULL, _("document larger than %zu bytes"), cap);
					free(buf);
					return V_OK;
				}
				size_t nsize = size * 2;
				char *nb = realloc(buf, nsize);
				if (!nb) {
					free(buf);
					return V_ERR_NOMEM;
				}
				buf = nb;
				size = nsize;
			}
			ssize_t r = src_read(src, buf + len, CHUNK);
			if (r < 0) {
				rc = verr_set(err, V_ERR_IO, NULL, r == -2 ? _("corrupt or truncated compressed data")
									 : _("read error"));
				break;
			}
			if (r == 0)
				break;
			len += (size_t)r;
			ctx->stats.bytes += (unsigned long long)r;
			if (len > cap) {
				ctx->rec = buf;
				ctx->rec_len = cap;
				ctx->line = 1;
				ctx->stats.records++;
				ingest_reject(ctx, NULL, _("document larger than %zu bytes"), cap);
				free(buf);
				return V_OK;
			}
		}
		if (rc == V_OK || len) {
			buf[len] = 0;
			run_record(ctx, buf, len, 1);
		}
		goto out;
	}

	for (;;) {
		/* find the end of the next record in buf[pos..len) */
		char *nl = NULL;
		size_t scan = pos;
		int inq = 0, multi = 0; /* multi: a quoted newline inside the record */
		for (;;) {
			nl = memchr(buf + scan, '\n', len - scan);
			if (!nl || mode != PARSE_CSV)
				break;
			/* memchr rather than a byte loop: the two scans of each record were 3% of
			 * the URLhaus benchmark (bench/) */
			for (const char *q = buf + scan;
			     (q = memchr(q, '"', (size_t)(nl - q))) != NULL; q++)
				inq = !inq;
			if (!inq)
				break;
			scan = (size_t)(nl - buf) + 1;
			multi = 1;
			nl = NULL;
			if (scan >= len)
				break;
		}
		if (nl || (eof && pos < len)) {
			size_t end = nl ? (size_t)(nl - buf) : len;
			size_t rl = end - pos;
			long lines_in = 1;
			if (!skipping) {
				if (rl && buf[pos + rl - 1] == '\r')
					rl--; /* CRLF */
				for (const char *q = buf + pos, *qe = buf + pos + rl;
				     multi && (q = memchr(q, '\n', (size_t)(qe - q))) != NULL; q++)
					lines_in++;
				if (rl > cap) {
					ctx->rec = buf + pos;
					ctx->rec_len = 256;
					ctx->line = line;
					ctx->stats.records++;
					ingest_reject(ctx, NULL, _("line longer than %zu bytes"), cap);
				} else {
					run_record(ctx, buf + pos, rl, line);
				}
				line += lines_in;
			} else {
				skipping = 0;
				line++;
			}
			pos = nl ? end + 1 : len;
			done += nl ? rl + 1 : rl;
			if ((ctx->stats.records & 0xffff) == 0)
				progress(ctx, ctx->stats.bytes, total, 0);
			continue;
		}
		if (eof)
			break;
		/* need more input */
		if (len - pos > cap) {
			/* over-long record: reject it and skip to its end */
			if (!skipping) {
				ctx->rec = buf + pos;
				ctx->rec_len = 256;
				ctx->line = line;
				ctx->stats.records++;
				ingest_reject(ctx, NULL, _("line longer than %zu bytes"), cap);
				skipping = 1;
			}
			pos = len;
		}
		if (pos > 0) {
			memmove(buf, buf + pos, len - pos);
			len -= pos;
			pos = 0;
		}
		ssize_t r = src_read(src, buf + len, size - 1 - len);
		if (r < 0) {
			rc = verr_set(err, V_ERR_IO, NULL, r == -2 ? _("corrupt or truncated compressed data")
								 : _("read error"));
			eof = 1;
			if (err) {
				err->file = name;
				err->line = line;
			}
			/* the records already complete are kept; a partial last line is not trusted */
			len = pos;
			break;
		}
		if (r == 0)
			eof = 1;
		len += (size_t)r;
		ctx->stats.bytes += (unsigned long long)r;
	}
out:
	if (ctx->parser->finish)
		ctx->parser->finish(ctx);
	progress(ctx, ctx->stats.bytes, total, 1);
	free(buf);
	(void)done;
	return rc;
}

static int source_open_gz(struct source *src)
{
	memset(&src->zs, 0, sizeof(src->zs));
	src->zin = malloc(CHUNK);
	if (!src->zin)
		return V_ERR_NOMEM;
	if (inflateInit2(&src->zs, 15 + 32) != Z_OK)
		return V_ERR_NOMEM;
	src->gz = 1;
	return V_OK;
}

static void source_close_gz(struct source *src)
{
	if (src->gz)
		inflateEnd(&src->zs);
	free(src->zin);
	src->zin = NULL;
	src->gz = 0;
}

static int run_zip(struct ingest_ctx *ctx, int fd, const char *name, struct verr *err)
{
	zip_error_t ze;
	zip_source_t *zs;
	zip_t *za;
	int rc = V_OK;

	zip_error_init(&ze);
	zs = zip_source_filep_create(fdopen(dup(fd), "rb"), 0, -1, &ze);
	if (!zs || !(za = zip_open_from_source(zs, ZIP_RDONLY, &ze))) {
		rc = verr_set(err, V_ERR_IO, NULL, _("not a readable zip archive: %s"), zip_error_strerror(&ze));
		if (zs)
			zip_source_free(zs);
		zip_error_fini(&ze);
		return rc;
	}
	zip_int64_t n = zip_get_num_entries(za, 0);
	for (zip_int64_t i = 0; i < n; i++) {
		const char *en = zip_get_name(za, (zip_uint64_t)i, 0);
		size_t l = en ? strlen(en) : 0;
		if (!en || (l && en[l - 1] == '/'))
			continue;
		struct source src = { .fd = -1 };
		src.zf = zip_fopen_index(za, (zip_uint64_t)i, 0);
		char full[1024];
		snprintf(full, sizeof(full), "%s:%s", name, en);
		if (!src.zf) {
			log_error("%s: %s", full, zip_strerror(za));
			rc = V_ERR_IO;
			continue;
		}
		char *fname = strdup(full);
		int r = run_source(ctx, &src, fname ? fname : name, 0, err);
		zip_fclose(src.zf);
		if (r != V_OK) {
			log_error("%s: %s", full, err ? err->reason : vres_str(r));
			rc = r;
		}
		ctx->file = NULL;
		free(fname);
	}
	zip_close(za);
	zip_error_fini(&ze);
	return rc;
}

int ingest_path(struct ingest_ctx *ctx, const char *path, struct verr *err)
{
	struct source src = { .fd = -1 };
	struct stat st;
	int fd, rc, own = 0;
	unsigned long long total = 0;
	const char *name = strcmp(path, "-") ? path : "<stdin>";

	if (err) {
		err->file = name;
		err->line = 0;
	}
	if (!strcmp(path, "-")) {
		fd = 0;
	} else {
		fd = open(path, O_RDONLY | O_CLOEXEC);
		if (fd < 0)
			return verr_set(err, V_ERR_IO, NULL, "%s", strerror(errno));
		own = 1;
	}
	if (fstat(fd, &st) == 0 && S_ISREG(st.st_mode))
		total = (unsigned long long)st.st_size;
	src.fd = fd;
	/* peek at the magic bytes */
	while (src.npeek < 4) {
		ssize_t r = read(fd, src.peek + src.npeek, 4 - src.npeek);
		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0)
			break;
		src.npeek += (size_t)r;
	}
	if (src.npeek == 4 && !memcmp(src.peek, "PK\3\4", 4)) {
		if (!S_ISREG(st.st_mode)) {
			/* libzip needs to seek: spool stdin to a temporary file */
			FILE *tmp = tmpfile();
			char b[65536];
			ssize_t r;
			if (!tmp)
				return verr_set(err, V_ERR_IO, NULL, "%s", strerror(errno));
			fwrite(src.peek, 1, src.npeek, tmp);
			while ((r = read(fd, b, sizeof(b))) > 0)
				fwrite(b, 1, (size_t)r, tmp);
			fflush(tmp);
			rc = run_zip(ctx, fileno(tmp), name, err);
			fclose(tmp);
		} else {
			lseek(fd, 0, SEEK_SET);
			rc = run_zip(ctx, fd, name, err);
		}
		if (own)
			close(fd);
		return rc;
	}
	if (src.npeek >= 2 && src.peek[0] == 0x1f && src.peek[1] == 0x8b) {
		if ((rc = source_open_gz(&src)) != V_OK) {
			if (own)
				close(fd);
			return rc;
		}
		total = 0; /* the compressed size says little about progress */
	}
	rc = run_source(ctx, &src, name, total, err);
	source_close_gz(&src);
	if (own)
		close(fd);
	return rc;
}

int ingest_buffer(struct ingest_ctx *ctx, const char *name, const char *data, size_t len)
{
	int fds[2];
	/* Simplest faithful route: feed the bytes through the same cutting code via a memory
	 * source.  A pipe would block on big inputs, so use a temporary file. */
	FILE *tmp = tmpfile();
	struct source src = { .fd = -1 };
	int rc;

	(void)fds;
	if (!tmp)
		return V_ERR_IO;
	if (len)
		fwrite(data, 1, len, tmp);
	fflush(tmp);
	rewind(tmp);
	src.fd = fileno(tmp);
	if (len >= 2 && (unsigned char)data[0] == 0x1f && (unsigned char)data[1] == 0x8b)
		source_open_gz(&src);
	rc = run_source(ctx, &src, name, 0, NULL);
	source_close_gz(&src);
	fclose(tmp);
	return rc;
}
