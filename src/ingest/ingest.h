/*
 * ingest.h — intake: one parser per format family behind one small interface.
 *
 * The driver (driver.c) reads an input (file, stdin, gzip, zip), cuts it into records as the
 * parser asks (lines, CSV records, or the whole document), checks each record (size cap,
 * NUL bytes, UTF-8), and hands it to the parser.  The parser turns a record into zero or
 * more events with ingest_new_event() / ingest_add*() / ingest_emit(), or rejects it.
 * A parser never touches the store or the output: events go to the driver's sink.
 *
 * A parser registers itself by defining, in src/ingest/parse_<name>.c, one
 *     const struct parser parser_<name> = { .name = ..., ... };
 * (scripts/gen-registry.sh collects them into the registry at build time).
 */
#ifndef VIGIA_INGEST_INGEST_H
#define VIGIA_INGEST_INGEST_H

#include <stdio.h>
#include <sys/types.h>
#include <jansson.h>

#include "base/err.h"
#include "event/event.h"

struct ingest_ctx;

enum parse_mode {
	PARSE_LINES,    /* one record per line (LF or CRLF; the terminator is not passed) */
	PARSE_CSV,      /* one record per CSV row: newlines inside double quotes are kept */
	PARSE_DOCUMENT, /* the whole input is one record (JSON arrays, XML); capped in size */
	PARSE_STREAM    /* the whole input is one record the parser reads itself, at any offset
			 * and as often as it needs (ingest_input_read): never held in memory */
};

/* A PARSE_STREAM input: a regular file read where it is, or (stdin, gzip, zip entries) the
 * decompressed bytes spooled to a temporary file first, capped by max_document. */
struct ingest_input {
	int fd;            /* read with pread(2); the driver's */
	size_t size;       /* bytes */
};

/* Up to n bytes at offset off into buf: the bytes read (0 at the end), or -1 on an error. */
ssize_t ingest_input_read(const struct ingest_input *in, size_t off, void *buf, size_t n);

struct parser {
	const char *name;                /* vigia's name: "csv", "shadowserver", ... */
	const char *const *aliases;      /* IntelMQ bot modules accepted as this parser; NULL-ended */
	const char *description;         /* one line, English (translated at display) */
	enum parse_mode mode;
	/* Check parameters, allocate ctx->state.  Optional.  Return V_OK or fill err. */
	int (*init)(struct ingest_ctx *ctx, struct verr *err);
	/* One record.  Return V_OK (events emitted or record was a comment), or a V_ERR_* after
	 * ingest_reject() — the driver goes on with the next record either way. */
	int (*record)(struct ingest_ctx *ctx, const char *rec, size_t len);
	/* PARSE_STREAM: the input (borrowed, valid during the call), instead of record().  Same
	 * return and rules as record(); ctx->rec is NULL unless the parser points it at the bytes
	 * a reject should show. */
	int (*stream)(struct ingest_ctx *ctx, const struct ingest_input *in);
	/* End of one input file (flush pending state).  Optional. */
	int (*finish)(struct ingest_ctx *ctx);
	/* Free ctx->state.  Optional. */
	void (*fini)(struct ingest_ctx *ctx);
};

/* A feed definition: IntelMQ's parser + parameters + report metadata. */
struct feed_def {
	char *name;        /* owned: catalogue name or file name */
	char *source;      /* owned: where it was read from ("catalogue" or a path) */
	const struct parser *parser;
	json_t *params;    /* owned: the "parameters" object (never NULL) */
	json_t *report;    /* owned: the "report" object (never NULL): feed.*, extra.file_name, ... */
	char *input;       /* owned, may be NULL: the sample input named by "input" */
	/* "enrich": { "enabled": false, "overwrite": ["source.geolocation.cc", ...] } */
	int no_enrich;     /* 1: the feed's events are not enriched */
	char *enrich_overwrite; /* owned, may be NULL: fields whose feed values enrichment
				 * replaces, comma-separated (checked by the enrichment stage) */
};

/* Load a definition file (JSON).  OUT: *out, caller frees with feed_def_free. */
int feed_def_load_file(const char *path, struct feed_def **out, struct verr *err);
/* Load from the built-in catalogue by name ("urlhaus", "shadowserver", ...). */
int feed_def_load_catalogue(const char *name, struct feed_def **out, struct verr *err);
/* Parse a definition from a JSON object (borrowed). */
int feed_def_from_json(const json_t *j, const char *name, const char *source,
		       struct feed_def **out, struct verr *err);
void feed_def_free(struct feed_def *fd);
/* Names in the catalogue, NULL-terminated, static. */
const char *const *feed_catalogue_names(void);
/* A built-in data file (catalogue entry, Shadowserver schema) by path, or NULL. */
const char *blob_get(const char *path, size_t *len);

const struct parser *parser_find(const char *name); /* vigia name or IntelMQ alias */
extern const struct parser *const parser_registry[];  /* NULL-terminated (generated) */

/* Where events go. */
struct ingest_sink {
	int (*event)(void *arg, const struct event *ev); /* V_OK or an error that stops ingest */
	void *arg;
};

#define INGEST_MAX_CLASSES 64

struct ingest_stats {
	unsigned long long records;  /* records read (lines/rows/documents, comments included) */
	unsigned long long events;   /* events emitted */
	unsigned long long rejected; /* records rejected (written to the reject file) */
	unsigned long long bytes;    /* input bytes (decompressed) */
	unsigned nclasses;
	struct {
		char type[48];
		unsigned long long n;
	} classes[INGEST_MAX_CLASSES];
};

struct ingest_options {
	size_t max_line;      /* bytes; a longer line is rejected (default 1 MiB) */
	size_t max_document;  /* bytes; PARSE_DOCUMENT inputs, PARSE_STREAM ones that must be
			       * spooled (default 256 MiB) */
	FILE *rejects;        /* where rejected records go (JSON lines); NULL: see rejects_path */
	const char *rejects_path; /* opened (append) at the first reject; NULL = count only */
	const char *observation_time; /* time.observation when the report has none; NULL = now */
	int progress;         /* draw a progress bar on stderr */
};

struct ingest_ctx {
	const struct parser *parser;
	const struct feed_def *feed;
	const json_t *params;     /* borrowed: feed->params */
	const json_t *report;     /* borrowed: feed->report */
	void *state;              /* the parser's */

	/* current position */
	const char *file;         /* input name as shown to people */
	long line;                /* line number where the current record starts (1-based) */
	const char *rec;          /* current record (borrowed) */
	size_t rec_len;

	/* the event being built */
	struct event *ev;
	int failed;               /* an ingest_add failed for this event */
	struct verr err;          /* why */

	struct ingest_sink sink;
	struct ingest_options opt;
	struct ingest_stats stats;
	char now[40];             /* time.observation default */
	struct buf scratch;       /* parsers may use freely between calls */
	struct buf raw;           /* parsers may use for raw bytes passed to ingest_emit */
	int own_rejects;          /* opt.rejects was opened from rejects_path */
	struct event *tmpl;       /* driver's: the report's fields, sanitised once (new_event) */
};

/* ---- for parsers ------------------------------------------------------------------------ */

/* Start a new event: cleared, with the report's feed.accuracy/code/documentation/name/
 * provider/url, rtir_id and time.observation copied in, as IntelMQ's new_event(report) does
 * (other report fields, e.g. extra.file_name, are for parsers to read, not copied).
 * Borrowed; valid until emit. */
struct event *ingest_new_event(struct ingest_ctx *ctx);

/* Flags for ingest_add*(). */
#define ING_OVERWRITE 0x1      /* replace a value already set */
#define ING_IGNORE_INVALID 0x4 /* an invalid value is dropped, not an error ("|__IGNORE__") */

/*
 * Add a field to the current event.  On an invalid value (unless ING_IGNORE_INVALID) the
 * event is marked failed with the field and reason, and ingest_emit() will reject the record
 * instead of emitting it.  Returns the event_set() code (V_OK, V_SKIP, V_ERR_*).
 */
int ingest_add(struct ingest_ctx *ctx, const char *key, const char *val, size_t len, unsigned flags);
int ingest_add_str(struct ingest_ctx *ctx, const char *key, const char *val, unsigned flags);
int ingest_add_json(struct ingest_ctx *ctx, const char *key, const json_t *v, unsigned flags);
int ingest_add_int(struct ingest_ctx *ctx, const char *key, long long v, unsigned flags);
int ingest_add_float(struct ingest_ctx *ctx, const char *key, double v, unsigned flags);
int ingest_add_bool(struct ingest_ctx *ctx, const char *key, int v, unsigned flags);
/*
 * extra.<name> kept as IntelMQ keeps the values of an "extra" dictionary (extra.c); both use
 * ctx->scratch.
 *   _json: v (borrowed; NULL adds nothing, V_SKIP) with ING_OVERWRITE; a string that is
 *          empty or only " \t\r\n" is stored as its JSON text where ingest_add_json() would
 *          drop it.  name is at most 57 bytes.  Returns V_OK or the event_set() code.
 *   _text: the string s[0..n) exactly as given (no trimming; "" too), not replacing a value
 *          already set; when it cannot be stored the event is marked failed ("value too
 *          large").  Returns V_OK or the error.
 */
int ingest_add_extra_json(struct ingest_ctx *ctx, const char *name, const json_t *v);
int ingest_add_extra_text(struct ingest_ctx *ctx, const char *name, const char *s, size_t n);
/* Mark the current event failed with a reason (printf-style). */
void ingest_fail(struct ingest_ctx *ctx, const char *field, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

/*
 * Emit the current event with raw = the given bytes (NULL: the current record, as is).
 * Derives classification.taxonomy, checks the event, and hands it to the sink; if the event
 * was marked failed, rejects the record instead.  Returns V_OK or the reject code.
 */
int ingest_emit(struct ingest_ctx *ctx, const void *raw, size_t raw_len);

/* Reject the current record (counted, written with file, line and reason). */
int ingest_reject(struct ingest_ctx *ctx, const char *field, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

/* Parameter helpers: the feed's "parameters" object. */
const char *ingest_param_str(const struct ingest_ctx *ctx, const char *name, const char *dflt);
int ingest_param_bool(const struct ingest_ctx *ctx, const char *name, int dflt);
long long ingest_param_int(const struct ingest_ctx *ctx, const char *name, long long dflt);
const json_t *ingest_param(const struct ingest_ctx *ctx, const char *name);
/* A report field ("feed.url", "extra.file_name", ...) as text, or NULL. */
const char *ingest_report_str(const struct ingest_ctx *ctx, const char *key);

/* ---- CSV splitting (csv.c), for CSV-like parsers ---------------------------------------- */

#define CSV_MAX_FIELDS 1024

struct csv_row {
	size_t n;                            /* fields */
	const char *f[CSV_MAX_FIELDS];        /* field text (unquoted; points into buf or the line) */
	size_t len[CSV_MAX_FIELDS];
	struct buf buf;                      /* owned: storage for fields that needed unquoting */
};

void csv_row_init(struct csv_row *r);
void csv_row_fini(struct csv_row *r);
/*
 * Split one record as Python's csv module does with the given delimiter and quote
 * (doublequote on, skipinitialspace off).  Returns V_OK, V_ERR_LIMIT (too many fields) or
 * V_ERR_PARSE (unterminated quote).
 */
int csv_split(struct csv_row *r, const char *s, size_t n, char delim, char quote);

/* ---- the driver --------------------------------------------------------------------------- */

int ingest_ctx_init(struct ingest_ctx *ctx, const struct feed_def *fd,
		    const struct ingest_options *opt, struct ingest_sink sink, struct verr *err);
void ingest_ctx_fini(struct ingest_ctx *ctx);
/* Ingest one path ("-" for stdin); gzip and zip are recognised by their magic bytes.
 * Returns V_OK, or V_ERR_IO when the input could not be read (partly read records stay). */
int ingest_path(struct ingest_ctx *ctx, const char *path, struct verr *err);
/* Ingest a buffer (tests, fuzzing). */
int ingest_buffer(struct ingest_ctx *ctx, const char *name, const char *data, size_t len);

#endif
