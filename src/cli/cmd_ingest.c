/*
 * cmd_ingest.c — `vigia ingest`: feed files in, events into the store (or JSON lines out).
 *
 * Into the store, each input file is one batch: its events go through the pipeline
 * (fingerprint, dedup, store, aggregate, correlate: src/pipeline) in transactions of
 * ingest.commit_every events, and the batch row records, in every transaction, how many of
 * the input's events are in.  A batch names its input by the SHA-256 of the file, so running
 * the same file again after a crash resumes after the last commit, and running it after it
 * was fully ingested adds nothing (docs/internals/pipeline.md).  Standard input cannot be
 * named before it is read: it is ingested in full, and dedup counts what was there already
 * as repeats.
 */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <libgen.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>
#include <sodium.h>
#include <openssl/evp.h>

#include "base/conf.h"
#include "base/i18n.h"
#include "base/log.h"
#include "cli/cli.h"
#include "enrich/enrich.h"
#include "ingest/ingest.h"
#include "pipeline/pipeline.h"
#include "pipeline/transport.h"
#include "store/store.h"

static void ingest_usage(FILE *f)
{
	fprintf(f, _("usage: vigia ingest [--feed NAME | --feed-file DEF.json | --parser NAME]\n"
		     "                    [--db PATH [--again] | --output jsonl [-o FILE] |\n"
		     "                     --to redis://HOST[:PORT]/STREAM]\n"
		     "                    [--ipdb INDEX | --no-enrich] [--rejects FILE]\n"
		     "                    [--param KEY=VALUE]... [--report KEY=VALUE]...\n"
		     "                    [--observation-time TIME] [--progress | --no-progress]\n"
		     "                    FILE... | -\n\n"
		     "Reads feed files (plain, gzip or zip; '-' is standard input), turns every record\n"
		     "into a canonical event, adds the network, AS, country and abuse contact of its\n"
		     "addresses (from the IP index and the constituency) and puts the events into the\n"
		     "store: repeats are counted on the event they repeat, the rest are grouped into\n"
		     "incidents and correlated.\n"
		     "With --output jsonl the events are written as JSON lines instead.  Rejected\n"
		     "records go to the reject file with their file, line and reason.  A summary goes\n"
		     "to stderr.  Running a file again after an interruption resumes where the last\n"
		     "commit ended; a file already ingested in full (same feed, same SHA-256) is\n"
		     "skipped.\n\n"
		     "  --feed NAME          a feed of the built-in catalogue (see 'vigia feeds')\n"
		     "  --feed-file FILE     a feed definition (IntelMQ parser, parameters, report)\n"
		     "  --parser NAME        a parser by name, with --param for its parameters\n"
		     "  --db PATH            the store (default: $VIGIA_DB, else the store.path setting)\n"
		     "  --again              ingest files even if they were ingested before (repeats\n"
		     "                       are then counted on the events stored the first time)\n"
		     "  --to URL             append the events to a Redis stream for 'vigia worker'\n"
		     "                       (no enrichment here; pauses while the stream is longer\n"
		     "                       than worker.max_stream)\n"
		     "  --output jsonl       write events as JSON lines instead of storing them (with\n"
		     "                       --db, the store's constituency still gives abuse contacts)\n"
		     "  --ipdb INDEX         the IP index (default: the enrich.ipdb setting, else\n"
		     "                       vigia.ipdb beside the store; none there: no attribution)\n"
		     "  --no-enrich          add nothing to the events (setting enrich.enabled)\n"
		     "  -o, --output-file F  with --output jsonl: write to F, not standard output\n"
		     "  --rejects FILE       reject file (default: vigia-rejects.jsonl beside the store)\n"
		     "  --param KEY=VALUE    set a parser parameter (VALUE is JSON, or else a string)\n"
		     "  --report KEY=VALUE   set a report field such as feed.url or extra.file_name\n"
		     "  --observation-time T time.observation for events whose report has none\n"
		     "  --progress           always draw the progress bar; --no-progress never\n\n"
		     "Exit status: 0 all records accepted, 1 some rejected, 2 usage, 3 I/O error\n"
		     "(a file or the store could not be read or written).\n"));
}

/* ngettext takes an unsigned long (as wide as a counter on the 64-bit systems vigia runs on;
 * elsewhere a huge count is clamped, which keeps it plural). */
static unsigned long plural(unsigned long long n)
{
	return n > (unsigned long long)ULONG_MAX ? ULONG_MAX : (unsigned long)n;
}

struct jsonl_sink {
	FILE *f;
	struct buf b;
	int failed;
	void *enrich;        /* the enrichment stage's state (pipeline.h), NULL: none */
	uint64_t enriched;   /* events it added fields to */
};

static int jsonl_event(void *arg, const struct event *ev)
{
	struct jsonl_sink *s = arg;

	if (s->enrich) {
		struct pipe_event pe = { .ev = ev };
		struct verr e = { 0 };
		if (stage_enrich.process(s->enrich, &pe, &e) == V_OK) {
			ev = pe.ev;
			s->enriched += pe.enriched != 0;
		}
	}
	if (event_to_json(ev, &s->b) != V_OK)
		return V_ERR_LIMIT;
	buf_putc(&s->b, '\n');
	if (s->b.len >= (1u << 20)) {
		if (fwrite(s->b.data, 1, s->b.len, s->f) != s->b.len)
			s->failed = 1;
		buf_reset(&s->b);
	}
	return V_OK;
}

/* The feed definition's "enrich" key into the settings the enrichment stage reads: enabled
 * false turns it off; overwrite adds to enrich.overwrite.  0, or EXIT_USAGE (reported). */
static int feed_enrich_settings(const struct feed_def *fd)
{
	struct enrich_overwrite ow = { 0 };
	struct verr e = { 0 };
	struct buf b;
	const char *now = conf_get("enrich.overwrite");
	int rc;

	if (fd->no_enrich)
		conf_set("enrich.enabled", "no", NULL);
	if (!fd->enrich_overwrite)
		return 0;
	if (enrich_overwrite_parse(fd->enrich_overwrite, &ow, &e) != V_OK) {
		char field[sizeof(e.field)];
		snprintf(field, sizeof(field), "%s", e.field);
		e.file = fd->source;
		snprintf(e.field, sizeof(e.field), "enrich.overwrite: %.40s", field);
		cli_report(&e);
		return EXIT_USAGE;
	}
	buf_init(&b, 1u << 20);
	rc = buf_puts(&b, now ? now : "");
	if (rc == V_OK && b.len)
		rc = buf_putc(&b, ',');
	if (rc == V_OK)
		rc = buf_puts(&b, fd->enrich_overwrite);
	if (rc == V_OK)
		rc = conf_set("enrich.overwrite", buf_cstr(&b), &e);
	buf_fini(&b);
	if (rc != V_OK) {
		cli_report(&e);
		return EXIT_USAGE;
	}
	return 0;
}

/* ---- into a Redis stream ------------------------------------------------------------------- */

struct redis_sink {
	struct rstream *rs;
	struct buf json;         /* pending events, NUL after each */
	size_t *off, n, cap;
	long long max_stream;    /* back-pressure (worker.max_stream); 0: none */
	unsigned long long sent;
	int failed;
	struct verr err;
};

/* Append the pending events, after waiting while the stream is over its limit. */
static int redis_flush(struct redis_sink *s)
{
	const char **p;
	size_t *l;
	long long len;
	int rc = V_OK;

	if (!s->n || s->failed)
		return s->failed ? s->failed : V_OK;
	while (s->max_stream > 0 && (rc = rstream_len(s->rs, &len, &s->err)) == V_OK &&
	       len > s->max_stream)
		usleep(50000);
	p = malloc(s->n * sizeof(*p));
	l = malloc(s->n * sizeof(*l));
	if (rc == V_OK && (!p || !l))
		rc = verr_set(&s->err, V_ERR_NOMEM, "", "%s", vres_str(V_ERR_NOMEM));
	for (size_t i = 0; rc == V_OK && i < s->n; i++) {
		p[i] = s->json.data + s->off[i];
		l[i] = strlen(p[i]);
	}
	if (rc == V_OK)
		rc = rstream_add(s->rs, s->n, p, l, NULL, &s->err);
	free(p);
	free(l);
	if (rc != V_OK) {
		s->failed = rc;
		return rc;
	}
	s->sent += s->n;
	s->n = 0;
	buf_reset(&s->json);
	return V_OK;
}

static int redis_event(void *arg, const struct event *ev)
{
	struct redis_sink *s = arg;

	if (s->failed)
		return s->failed;
	if (s->n == s->cap) {
		size_t nc = s->cap ? s->cap * 2 : 1024;
		size_t *no = realloc(s->off, nc * sizeof(*no));
		if (!no)
			return V_ERR_NOMEM;
		s->off = no;
		s->cap = nc;
	}
	s->off[s->n] = s->json.len;
	if (event_to_json(ev, &s->json) != V_OK || buf_putc(&s->json, 0) != V_OK)
		return V_ERR_LIMIT;
	if (++s->n >= 1000)
		return redis_flush(s);
	return V_OK;
}

/* ---- into the store -------------------------------------------------------------------------- */

#define SINK_MARK_EVERY 1000 /* events between two marks (store_event) */

struct store_sink {
	struct store *st;
	struct pipeline *pl;
	struct ingest_ctx *ctx;
	struct store_batch b;     /* the input's batch: id and counters */
	int64_t pos;              /* events the input has produced so far in this run */
	int64_t skip;             /* resuming: the first `skip` events are in the store already */
	int64_t uncommitted;      /* events since the last commit */
	int64_t commit_every;
	unsigned long long records0, rejected0; /* ctx->stats when the input started */
	uint64_t repeats0;        /* pipeline repeats when the input started */
	int64_t duplicates0;      /* the batch's duplicates before this run (resuming) */
	uint64_t commit_ns;       /* time spent committing (log.level=debug shows it) */
	unsigned long long refused; /* events the store refused (quarantined, see store_event) */
	struct event *held[SINK_MARK_EVERY]; /* copies of the events stored since the mark */
	size_t nheld;             /* how many; 0: no mark set in this transaction yet */
	struct pipeline_stats at_mark; /* the pipeline's counters at the mark */
	uint64_t commit_cpu_ns;   /* CPU time of this thread in it (only with log.level=debug) */
	int failed;
	struct verr err;
};

/* The batch's counters as of now. */
static void sink_counters(struct store_sink *s)
{
	s->b.records = (int64_t)(s->ctx->stats.records - s->records0);
	s->b.rejected = (int64_t)(s->ctx->stats.rejected - s->rejected0);
	s->b.events = s->pos;
	s->b.duplicates = s->duplicates0 +
			  (int64_t)(pipeline_stats(s->pl)->repeats - s->repeats0);
}

enum { SINK_GO_ON, SINK_FINISH, SINK_PAUSE };

/* Commit what there is, with the batch's progress (SINK_GO_ON, SINK_PAUSE) or its end
 * (SINK_FINISH) in the same transaction; SINK_GO_ON opens the next transaction. */
static uint64_t clock_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

/* This thread's CPU time, read only with log.level=debug (a system call: ~0.2 us). */
static uint64_t cpu_ns(void)
{
	struct timespec ts;

	if (log_min_level() > LOG_DEBUG)
		return 0;
	clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
	return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

static int sink_commit(struct store_sink *s, int how)
{
	uint64_t t0 = clock_ns(), c0 = cpu_ns();
	int rc;

	sink_counters(s);
	if (how == SINK_FINISH) {
		s->b.finished = (int64_t)time(NULL);
		rc = store_batch_finish(s->st, &s->b, &s->err);
	} else
		rc = store_batch_progress(s->st, &s->b, &s->err);
	if (rc == V_OK)
		rc = store_commit(s->st, &s->err);
	s->commit_ns += clock_ns() - t0;
	s->nheld = 0; /* the commit or the rollback forgot the mark */
	s->commit_cpu_ns += cpu_ns() - c0;
	if (rc != V_OK) {
		store_rollback(s->st);
		pipeline_sync(s->pl, 0);
		return rc;
	}
	pipeline_sync(s->pl, 1);
	s->uncommitted = 0;
	if (how == SINK_GO_ON && (rc = store_begin(s->st, &s->err)) != V_OK)
		return rc;
	return V_OK;
}

/*
 * A record the store refuses.  The database may refuse one event (PostgreSQL: a value too
 * large for an index), and with PostgreSQL a failed statement aborts the whole transaction.
 * So every SINK_MARK_EVERY events the sink sets a mark (store_mark: a savepoint) and keeps
 * copies of the events stored since.  When the store refuses an event (V_ERR_INVALID,
 * V_ERR_LIMIT), everything since the mark is undone and those events are stored again; the
 * refused one's record is quarantined (the reject file, with the reason) and counted as
 * rejected, and the ingest goes on.  Any other error (the server gone, the disk full) stops
 * the ingest, back to the last commit.  A mark per event would be simpler, but a PostgreSQL
 * savepoint per event made an ingest 3 times slower (a subtransaction each); one per 1,000
 * costs 1.5% of the instructions of an SQLite ingest (callgrind, docs/internals/store.md).
 */
static int sink_hold(struct store_sink *s, const struct event *ev)
{
	if (!s->held[s->nheld] && !(s->held[s->nheld] = event_new()))
		return V_ERR_NOMEM;
	if (event_copy(s->held[s->nheld], ev) != V_OK)
		return V_ERR_NOMEM;
	s->nheld++;
	return V_OK;
}

static void sink_free_held(struct store_sink *s)
{
	for (size_t i = 0; i < SINK_MARK_EVERY; i++)
		event_free(s->held[i]);
}

/* The current event was refused (e): undo back to the mark, store the held events again,
 * quarantine the current record.  V_OK, or an error that stops the ingest (in s->err). */
static int sink_refused(struct store_sink *s, const struct verr *e)
{
	struct verr re = { 0 };
	int rc;

	if ((rc = store_undo(s->st, &s->err)) != V_OK)
		return rc;
	pipeline_sync(s->pl, 0); /* ids written since the mark are gone */
	pipeline_stats_restore(s->pl, &s->at_mark);
	for (size_t i = 0; i < s->nheld; i++)
		if ((rc = pipeline_event(s->pl, s->b.id, s->held[i], &re)) != V_OK) {
			s->err = re; /* stored a moment ago: not the record's fault */
			return rc;
		}
	/* the mark moves past them: the next refusal needs none of them again */
	if ((rc = store_mark(s->st, &s->err)) != V_OK)
		return rc;
	s->at_mark = *pipeline_stats(s->pl);
	s->nheld = 0;
	if (!s->refused++)
		log_warn(_("%s:%ld: the store refused an event: %s (its record is rejected; "
			   "further ones are only counted)"),
			 s->ctx->file ? s->ctx->file : "-", s->ctx->line, e->reason);
	ingest_reject(s->ctx, e->field, _("the store refused the event: %s"), e->reason);
	return V_OK;
}

static int store_event(void *arg, const struct event *ev)
{
	struct store_sink *s = arg;
	struct verr e = { 0 };
	int rc;

	if (s->failed)
		return V_ERR_IO;
	if (s->pos++ < s->skip)
		return V_OK;
	if (s->nheld == 0 || s->nheld == SINK_MARK_EVERY) {
		if ((rc = store_mark(s->st, &s->err)) != V_OK)
			goto out;
		s->at_mark = *pipeline_stats(s->pl);
		s->nheld = 0;
	}
	rc = pipeline_event(s->pl, s->b.id, ev, &e);
	if (rc == V_ERR_INVALID || rc == V_ERR_LIMIT) {
		rc = sink_refused(s, &e);
		goto out;
	}
	if (rc != V_OK) {
		s->err = e;
		goto out;
	}
	if ((rc = sink_hold(s, ev)) != V_OK) {
		verr_set(&s->err, rc, "", "%s", vres_str(rc));
		goto out;
	}
	if (++s->uncommitted >= s->commit_every)
		rc = sink_commit(s, SINK_GO_ON);
out:
	if (rc != V_OK) {
		s->failed = rc;
		return rc;
	}
	return V_OK;
}

/* The SHA-256 of a regular file, in hex: how a batch names its input.  0, or -1 when path
 * is not a regular file or cannot be read (then the input is not named).  OpenSSL's SHA-256:
 * five times libsodium's portable one on a large file (a 28 MB MISP import hashed its input
 * for 7% of its time). */
static int file_sha256(const char *path, char hex[65])
{
	unsigned char md[EVP_MAX_MD_SIZE];
	unsigned int mdlen = 0;
	EVP_MD_CTX *h = NULL;
	struct stat sb;
	FILE *f;
	size_t n;
	int rc = -1;
	unsigned char *chunk = NULL;

	if (!strcmp(path, "-") || stat(path, &sb) != 0 || !S_ISREG(sb.st_mode))
		return -1;
	if (!(f = fopen(path, "rb")))
		return -1;
	if (!(chunk = malloc(1u << 20)) || !(h = EVP_MD_CTX_new()) ||
	    EVP_DigestInit_ex(h, EVP_sha256(), NULL) != 1)
		goto out;
	while ((n = fread(chunk, 1, 1u << 20, f)) > 0)
		if (EVP_DigestUpdate(h, chunk, n) != 1)
			goto out;
	if (ferror(f) || EVP_DigestFinal_ex(h, md, &mdlen) != 1 || mdlen != 32)
		goto out;
	sodium_bin2hex(hex, 65, md, mdlen);
	rc = 0;
out:
	EVP_MD_CTX_free(h);
	fclose(f);
	free(chunk);
	return rc;
}

/* The feed a batch is of: the definition's feed.name, else the catalogue name or the
 * definition file's base name (not its path: the same definition given another way is the
 * same feed).  Borrowed from fd. */
static const char *batch_feed(const struct feed_def *fd)
{
	const char *n = json_string_value(json_object_get(fd->report, "feed.name")), *slash;

	if (n && *n)
		return n;
	slash = strrchr(fd->name, '/');
	return slash && slash[1] ? slash + 1 : fd->name;
}

/*
 * One input into the store (again: do not look for an earlier batch of it).  Returns V_OK
 * (stored, or nothing to do), V_ERR_IO when the input could not be read (what was read is
 * committed), or the store's error (the open transaction rolled back; *fatal = 1: stop).
 */
static int ingest_to_store(struct store_sink *s, const char *feed, const char *path, int again,
			   int *fatal)
{
	char sha[65];
	int named = !again && file_sha256(path, sha) == 0, rc;
	struct store_batch found = { 0 };
	struct verr ie = { 0 };

	*fatal = 0;
	memset(&s->b, 0, sizeof(s->b));
	s->pos = s->skip = s->uncommitted = s->duplicates0 = 0;
	s->nheld = 0;
	s->failed = 0;
	if (named) {
		rc = store_batch_find_input(s->st, feed, sha, &found, &s->err);
		if (rc == V_OK && found.finished) {
			log_info(_("%s: already ingested (batch %lld, %lld events); nothing to do "
				   "(--again ingests it once more)"),
				 path, (long long)found.id, (long long)found.events);
			return V_OK;
		}
		if (rc == V_OK) {
			log_info(_("%s: resuming batch %lld after %lld events"), path,
				 (long long)found.id, (long long)found.events);
			s->b.id = found.id;
			s->skip = found.events;
			s->duplicates0 = found.duplicates;
		} else if (rc != V_ERR_NOTFOUND) {
			*fatal = 1;
			return rc;
		}
	}
	if ((rc = store_begin(s->st, &s->err)) != V_OK) {
		*fatal = 1;
		return rc;
	}
	if (!s->b.id) {
		rc = store_batch_start(s->st, feed, path, &s->b.id, &s->err);
		if (rc == V_OK && named)
			rc = store_batch_set_input(s->st, s->b.id, sha, &s->err);
		if (rc != V_OK) {
			store_rollback(s->st);
			*fatal = 1;
			return rc;
		}
	}
	s->records0 = s->ctx->stats.records;
	s->rejected0 = s->ctx->stats.rejected;
	s->repeats0 = pipeline_stats(s->pl)->repeats;
	/* resuming, the records before the resume point are parsed again: their rejects are
	 * written again too (the reject file is not transactional; twice beats never) */
	rc = ingest_path(s->ctx, path, &ie);
	if (s->failed) {
		/* the store failed: what the last commit holds stays, the rest goes */
		store_rollback(s->st);
		pipeline_sync(s->pl, 0);
		*fatal = 1;
		return s->failed;
	}
	if (rc != V_OK) {
		cli_report(&ie);
		if (s->pos <= s->skip) { /* nothing new (a missing file): no batch for it */
			store_rollback(s->st);
			pipeline_sync(s->pl, 0);
			return V_ERR_IO;
		}
		/* an input that could not be read to its end is not finished: keep what was read,
		 * and let a run over the same file resume */
		if ((rc = sink_commit(s, SINK_PAUSE)) != V_OK) {
			*fatal = 1;
			return rc;
		}
		return V_ERR_IO;
	}
	if ((rc = sink_commit(s, SINK_FINISH)) != V_OK)
		*fatal = 1;
	return rc;
}

static int kv_into(json_t *obj, const char *kv, int as_json)
{
	const char *eq = strchr(kv, '=');
	json_t *v = NULL;
	json_error_t je;
	char *k;

	if (!eq)
		return -1;
	k = strndup(kv, (size_t)(eq - kv));
	if (!k)
		return -1;
	if (as_json)
		v = json_loads(eq + 1, JSON_DECODE_ANY, &je);
	if (!v)
		v = json_string(eq + 1);
	json_object_set_new(obj, k, v);
	free(k);
	return 0;
}

/*
 * One ingest at a time per store: the dedup filter in memory knows what this process stored,
 * not what another ingest stores at the same time, and two runs over one input would both
 * resume its batch.  An flock(2) on the database file (SQLite locks with fcntl(2): the two do
 * not meet on Linux) waits for the other ingest.  The descriptor stays open until after the
 * store is closed: closing a descriptor of the file would drop SQLite's fcntl locks.
 * Returns the descriptor, or -1 when the store is not a local file.
 */
static int ingest_lock(const char *path)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);

	if (fd < 0)
		return -1;
	if (flock(fd, LOCK_EX | LOCK_NB) != 0) {
		if (errno == EWOULDBLOCK) {
			log_warn(_("another vigia ingest is writing to %s: waiting for it to end"),
				 path);
			if (flock(fd, LOCK_EX) == 0)
				return fd;
		}
		close(fd);
		return -1;
	}
	return fd;
}

/* Where the time went, with --log.level=debug (bench/store.sh reads this line). */
static void stage_times(const struct pipeline_stats *ps, struct store *st, uint64_t commit_ns,
			uint64_t commit_cpu_ns)
{
	struct store_batch_stats bs;
	char line[512];
	size_t n = 0;

	if (log_min_level() > LOG_DEBUG)
		return;
	store_batch_stats(st, &bs);
	for (size_t i = 0; i < PIPELINE_STAGES && n < sizeof(line); i++)
		n += (size_t)snprintf(line + n, sizeof(line) - n, " %s %.3f",
				      pipeline_stage_name(i), (double)ps->stage_ns[i] / 1e9);
	/* "deferred": the part of the commits that wrote the correlation's new indicators, postings
	 * and links */
	if (n < sizeof(line))
		snprintf(line + n, sizeof(line) - n, " commit %.3f deferred %.3f",
			 (double)commit_ns / 1e9, (double)bs.ns / 1e9);
	/* TRANSLATORS: followed by "name seconds" pairs, e.g. " store 1.234 commit 0.210" */
	log_debug(_("seconds per stage:%s"), line);
	/* the same as CPU time of the thread: what other work on the machine does not change */
	n = 0;
	for (size_t i = 0; i < PIPELINE_STAGES && n < sizeof(line); i++)
		n += (size_t)snprintf(line + n, sizeof(line) - n, " %s %.3f",
				      pipeline_stage_name(i), (double)ps->stage_cpu_ns[i] / 1e9);
	if (n < sizeof(line))
		snprintf(line + n, sizeof(line) - n, " commit %.3f deferred %.3f",
			 (double)commit_cpu_ns / 1e9, (double)bs.cpu_ns / 1e9);
	/* TRANSLATORS: followed by "name seconds" pairs, e.g. " store 1.234 commit 0.210" */
	log_debug(_("CPU seconds per stage:%s"), line);
}

/* The summary of a run into the store, after the intake's. */
static void store_summary(const struct pipeline_stats *ps, const char *db)
{
	/* TRANSLATORS: the parts of the store summary line, e.g. "vigia: 2 events stored,
	 * 1 repeat counted, 1 incident opened, 1 updated" */
	fprintf(stderr, "vigia: ");
	fprintf(stderr, ngettext("%llu event stored", "%llu events stored", plural(ps->stored)),
		(unsigned long long)ps->stored);
	fprintf(stderr, ngettext(", %llu repeat counted", ", %llu repeats counted",
				 plural(ps->repeats)), (unsigned long long)ps->repeats);
	fprintf(stderr, ngettext(", %llu incident opened", ", %llu incidents opened",
				 plural(ps->incidents_created)),
		(unsigned long long)ps->incidents_created);
	fprintf(stderr, ngettext(", %llu updated\n", ", %llu updated\n",
				 plural(ps->incidents_updated)),
		(unsigned long long)ps->incidents_updated);
	if (ps->links || ps->common)
		fprintf(stderr, _("vigia: %llu correlation links added; %llu indicator values "
				  "left out as too common (warning lists)\n"),
			(unsigned long long)ps->links, (unsigned long long)ps->common);
	fprintf(stderr, _("vigia: store %s\n"), db);
}

int cmd_ingest(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "feed", required_argument, NULL, 'f' },
		{ "feed-file", required_argument, NULL, 'F' },
		{ "parser", required_argument, NULL, 'p' },
		{ "db", required_argument, NULL, 'd' },
		{ "again", no_argument, NULL, 'a' },
		{ "ipdb", required_argument, NULL, 'I' },
		{ "no-enrich", no_argument, NULL, 'N' },
		{ "output", required_argument, NULL, 'O' },
		{ "output-file", required_argument, NULL, 'o' },
		{ "to", required_argument, NULL, 'T' },
		{ "rejects", required_argument, NULL, 'r' },
		{ "param", required_argument, NULL, 'P' },
		{ "report", required_argument, NULL, 'R' },
		{ "observation-time", required_argument, NULL, 't' },
		{ "progress", no_argument, NULL, 'g' },
		{ "no-progress", no_argument, NULL, 'G' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 }
	};
	const char *feed = NULL, *feed_file = NULL, *parser = NULL, *outfile = NULL, *obs = NULL;
	const char *output = NULL, *db = NULL, *dbpath = NULL;
	json_t *params = json_object(), *report = json_object();
	struct feed_def *fd = NULL;
	struct verr e = { 0 };
	struct ingest_ctx ctx;
	struct ingest_options opt = { 0 };
	struct jsonl_sink js = { 0 };
	struct store_sink ss = { 0 };
	struct redis_sink rsk = { 0 };
	const char *to = NULL;
	struct ingest_sink sink;
	int c, status = 0, rc, ctx_ok = 0, to_store, lockfd = -1, again = 0;
	uint64_t enriched;
	char rejects_default[4096];

	/* settings flags (--section.key=VALUE, --set KEY=VALUE) may stand anywhere: take them out */
	int kept = 1;
	for (int i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "--")) {
			while (i < argc)
				argv[kept++] = argv[i++];
			break;
		}
		if (cli_setting_flag(argc, argv, &i, &status)) {
			if (status)
				goto out;
			continue;
		}
		argv[kept++] = argv[i];
	}
	for (int i = kept; i < argc; i++)
		argv[i] = NULL;
	argc = kept;
	optind = 1;
	opterr = 0;
	for (;;) {
		c = getopt_long(argc, argv, "o:h", opts, NULL);
		if (c == -1)
			break;
		switch (c) {
		case 'f': feed = optarg; break;
		case 'F': feed_file = optarg; break;
		case 'p': parser = optarg; break;
		case 'd': db = optarg; break;
		case 'a': again = 1; break;
		case 'I': conf_set("enrich.ipdb", optarg, NULL); break;
		case 'N': conf_set("enrich.enabled", "no", NULL); break;
		case 'O': output = optarg; break;
		case 'o': outfile = optarg; break;
		case 'T': to = optarg; break;
		case 'r': conf_set("ingest.rejects", optarg, NULL); break;
		case 't': obs = optarg; break;
		case 'g': conf_set("ingest.progress", "always", NULL); break;
		case 'G': conf_set("ingest.progress", "never", NULL); break;
		case 'P':
		case 'R':
			if (kv_into(c == 'P' ? params : report, optarg, c == 'P') != 0) {
				log_error(_("--%s needs KEY=VALUE"), c == 'P' ? "param" : "report");
				status = EXIT_USAGE;
				goto out;
			}
			break;
		case 'h':
			ingest_usage(stdout);
			goto out;
		default:
			log_error(_("ingest: unknown or incomplete option '%s'"), argv[optind - 1]);
			ingest_usage(stderr);
			status = EXIT_USAGE;
			goto out;
		}
	}
	if (!!feed + !!feed_file + !!parser != 1) {
		log_error(_("ingest: give exactly one of --feed, --feed-file or --parser"));
		status = EXIT_USAGE;
		goto out;
	}
	if (output && strcmp(output, "jsonl")) {
		log_error(_("ingest: unknown output '%s' (supported: jsonl)"), output);
		status = EXIT_USAGE;
		goto out;
	}
	if (outfile && !output) /* -o names where JSON lines go: that is --output jsonl */
		output = "jsonl";
	if (to && (output || db)) {
		log_error(_("ingest: --to goes with neither --output nor --db"));
		status = EXIT_USAGE;
		goto out;
	}
	to_store = !output && !to;
	if (optind >= argc) {
		log_error(_("ingest: no input files (use '-' for standard input)"));
		status = EXIT_USAGE;
		goto out;
	}
	if (feed)
		rc = feed_def_load_catalogue(feed, &fd, &e);
	else if (feed_file)
		rc = feed_def_load_file(feed_file, &fd, &e);
	else {
		json_t *j = json_pack("{s:s}", "parser", parser);
		rc = feed_def_from_json(j, parser, _("command line"), &fd, &e);
		json_decref(j);
	}
	if (rc != V_OK) {
		cli_report(&e);
		status = EXIT_USAGE;
		goto out;
	}
	json_object_update(fd->params, params);
	json_object_update(fd->report, report);
	if ((status = feed_enrich_settings(fd)) != 0)
		goto out;

	opt.max_line = (size_t)conf_get_int("ingest.max_line");
	opt.max_document = (size_t)conf_get_int("ingest.max_document");
	opt.observation_time = obs;
	dbpath = store_default_path(db);
	const char *rj = conf_get("ingest.rejects");
	if (rj && *rj) {
		opt.rejects_path = strcmp(rj, "-") ? rj : NULL;
		if (!strcmp(rj, "-"))
			opt.rejects = stderr;
	} else {
		char *sp = strdup(dbpath);
		if (sp) {
			snprintf(rejects_default, sizeof(rejects_default), "%s/vigia-rejects.jsonl", dirname(sp));
			free(sp);
			opt.rejects_path = rejects_default;
		}
	}
	const char *pg = conf_get("ingest.progress");
	opt.progress = !strcmp(pg, "always") || (!strcmp(pg, "auto") && isatty(2));

	if (to_store) {
		if ((status = cli_store_open(db, &ss.st)))
			goto out;
		lockfd = ingest_lock(dbpath);
		if ((rc = pipeline_new(ss.st, &ss.pl, &e)) != V_OK) {
			cli_report(&e);
			status = cli_status(rc);
			goto out;
		}
		ss.commit_every = conf_get_int("ingest.commit_every");
		if (ss.commit_every < 1)
			ss.commit_every = 1;
		ss.ctx = &ctx;
		sink.event = store_event;
		sink.arg = &ss;
	} else if (to) {
		if ((rc = rstream_open(to, &rsk.rs, &e)) != V_OK) {
			cli_report(&e);
			status = cli_status(rc);
			goto out;
		}
		rsk.max_stream = conf_get_int("worker.max_stream");
		buf_init(&rsk.json, 0);
		sink.event = redis_event;
		sink.arg = &rsk;
	} else {
		/* the constituency of --db, or of the default store when there is one */
		const char *sp = store_default_path(db);
		struct store *cst = NULL;
		if (conf_get_bool("enrich.enabled") && (db || (!strstr(sp, "://") &&
							     access(sp, F_OK) == 0))) {
			if ((status = cli_store_open(db, &cst)))
				goto out;
		}
		rc = stage_enrich.init(&js.enrich, cst, &e);
		store_close(cst);
		if (rc != V_OK) {
			cli_report(&e);
			status = cli_status(rc) == EXIT_USAGE ? EXIT_USAGE : EXIT_IO;
			goto out;
		}
		js.f = stdout;
		if (outfile && strcmp(outfile, "-")) {
			js.f = fopen(outfile, "w");
			if (!js.f) {
				log_error("%s: %s", outfile, strerror(errno));
				status = EXIT_IO;
				goto out;
			}
		}
		buf_init(&js.b, 0);
		sink.event = jsonl_event;
		sink.arg = &js;
	}
	if ((rc = ingest_ctx_init(&ctx, fd, &opt, sink, &e)) != V_OK) {
		ctx_ok = 1;
		e.file = fd->source;
		cli_report(&e);
		status = EXIT_USAGE;
		goto out;
	}
	ctx_ok = 1;
	for (int i = optind; i < argc; i++) {
		struct verr ie = { 0 };
		/* the progress bar only when the input is large (> 8 MB) in auto mode */
		if (!strcmp(pg, "auto")) {
			FILE *f = strcmp(argv[i], "-") ? fopen(argv[i], "rb") : NULL;
			long sz = 0;
			if (f && fseek(f, 0, SEEK_END) == 0)
				sz = ftell(f);
			if (f)
				fclose(f);
			ctx.opt.progress = isatty(2) && sz > (8L << 20);
		}
		if (to_store) {
			int fatal;
			rc = ingest_to_store(&ss, batch_feed(fd), argv[i], again, &fatal);
			if (rc != V_OK && fatal) {
				cli_report(&ss.err);
				status = cli_status(rc) == EXIT_USAGE ? EXIT_IO : cli_status(rc);
				break;
			}
			if (rc != V_OK)
				status = EXIT_IO;
			continue;
		}
		rc = ingest_path(&ctx, argv[i], &ie);
		if (to) /* what was read goes on, whether or not the input ended well */
			redis_flush(&rsk);
		if (rsk.failed) {
			cli_report(&rsk.err);
			status = EXIT_IO;
			break;
		}
		if (rc != V_OK) {
			cli_report(&ie);
			status = EXIT_IO;
		}
	}
	if (to)
		fprintf(stderr, ngettext("vigia: %llu event appended to %s\n",
					 "vigia: %llu events appended to %s\n", plural(rsk.sent)),
			rsk.sent, to);
	else if (!to_store) {
		if (js.b.len && fwrite(js.b.data, 1, js.b.len, js.f) != js.b.len)
			js.failed = 1;
		if (fflush(js.f) != 0 || js.failed) {
			log_error(_("writing events: %s"), strerror(errno));
			status = EXIT_IO;
		}
	}

	/* summary */
	/* TRANSLATORS: the three parts of the summary line, e.g. "vigia: 3 records read, 2 events
	 * emitted, 1 rejected" */
	fprintf(stderr, "vigia: ");
	fprintf(stderr, ngettext("%llu record read", "%llu records read", plural(ctx.stats.records)),
		ctx.stats.records);
	fprintf(stderr, ngettext(", %llu event emitted", ", %llu events emitted",
				 plural(ctx.stats.events)), ctx.stats.events);
	fprintf(stderr, ngettext(", %llu rejected\n", ", %llu rejected\n", plural(ctx.stats.rejected)),
		ctx.stats.rejected);
	for (unsigned k = 0; k < ctx.stats.nclasses; k++)
		fprintf(stderr, "  %-32s %llu\n", ctx.stats.classes[k].type, ctx.stats.classes[k].n);
	if (to_store) {
		store_summary(pipeline_stats(ss.pl), dbpath);
		stage_times(pipeline_stats(ss.pl), ss.st, ss.commit_ns, ss.commit_cpu_ns);
	}
	enriched = to_store ? pipeline_stats(ss.pl)->enriched : js.enriched;
	if (enriched)
		fprintf(stderr, ngettext("vigia: %llu event enriched (network, AS, country, abuse "
					 "contact)\n",
					 "vigia: %llu events enriched (network, AS, country, abuse "
					 "contact)\n", plural(enriched)),
			(unsigned long long)enriched);
	if (ctx.stats.rejected && ctx.opt.rejects_path)
		fprintf(stderr, _("vigia: rejected records written to %s\n"), ctx.opt.rejects_path);
	if (!status && ctx.stats.rejected)
		status = EXIT_REJECTS;
out:
	if (ctx_ok)
		ingest_ctx_fini(&ctx);
	pipeline_free(ss.pl);
	sink_free_held(&ss);
	if (js.enrich)
		stage_enrich.fini(js.enrich);
	store_close(ss.st);
	if (lockfd >= 0)
		close(lockfd);
	if (js.f && js.f != stdout)
		fclose(js.f);
	buf_fini(&js.b);
	rstream_close(rsk.rs);
	buf_fini(&rsk.json);
	free(rsk.off);
	feed_def_free(fd);
	json_decref(params);
	json_decref(report);
	return status;
}
