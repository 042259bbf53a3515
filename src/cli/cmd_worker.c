/*
 * cmd_worker.c — `vigia worker`: pipeline stages as a process between two Redis streams, and
 * `vigia pipeline status`: what the streams, groups and workers are doing.
 *
 * A worker runs some stages of the chain (pipeline.h, in chain order) on batches of messages
 * of its input stream, read as a member of a consumer group (src/pipeline/transport.h).  For
 * each batch: the store's transaction (when it runs the store stage) is committed, then the
 * output is appended to the next stream, then the input is acknowledged and deleted.  A crash
 * anywhere before the acknowledgement leaves the batch pending: another worker of the group
 * (or this one restarted) takes it over after worker.claim_after, and processes it again,
 * which is harmless: the store stage looks every event up by its fingerprint within the
 * dedup window (a worker never trusts its own filter's "certainly new": another worker, or
 * its own previous life, may have stored the event), so a second delivery counts a repeat on
 * the stored event and ends there, with no second event and no second incident.
 */
#include <errno.h>
#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "base/conf.h"
#include "base/i18n.h"
#include "base/log.h"
#include "cli/cli.h"
#include "pipeline/pipeline.h"
#include "pipeline/transport.h"
#include "store/store.h"

static volatile sig_atomic_t stop_requested;

static void on_signal(int sig)
{
	(void)sig;
	stop_requested = 1;
}

static void worker_usage(FILE *f)
{
	fprintf(f, _("usage: vigia worker --stage NAME[,NAME...] --from redis://HOST[:PORT]/STREAM\n"
		     "                    [--to redis://HOST[:PORT]/STREAM] --group GROUP\n"
		     "                    [--db PATH] [--consumer NAME] [--idle-exit SECONDS]\n\n"
		     "Runs pipeline stages (in chain order: fingerprint, dedup, enrich, urlcheck,\n"
		     "store, aggregate, correlate) on the events of a Redis stream, as a member of a\n"
		     "consumer group, and appends what they pass on to the output stream.  Input is\n"
		     "acknowledged only after the output is durable (appended, or committed to the\n"
		     "store); messages a stopped worker left pending are taken over after\n"
		     "worker.claim_after.  Reading pauses while the output stream is longer than\n"
		     "worker.max_stream.  aggregate and correlate run in the worker that runs store.\n\n"
		     "  --stage LIST      the stages this worker runs\n"
		     "  --from URL        the input stream\n"
		     "  --to URL          the output stream (none: the events end here)\n"
		     "  --group NAME      the consumer group (created when missing)\n"
		     "  --db PATH         the store (stages dedup, store, aggregate, correlate)\n"
		     "  --consumer NAME   this worker's name in the group (default HOST:PID)\n"
		     "  --idle-exit S     exit once nothing came for S seconds and nothing is pending\n\n"
		     "SIGTERM or SIGINT: finish the batch in hand, then exit 0.\n"
		     "Exit status: 0 done, 2 usage, 3 Redis or the store failed.\n"));
}

struct worker {
	const struct stage_ops *ops[PIPELINE_STAGES];
	void *state[PIPELINE_STAGES];
	size_t nops;
	int has_store;            /* runs the store stage: one transaction per batch */
	struct store *st;
	struct rstream *in, *out;
	const char *group;
	char consumer[128];
	char stages[256];
	struct event *ev;
	struct buf json;          /* the batch's output events, one after the other */
	struct buf meta;
	size_t *off;              /* output i: json from off[2i], meta from off[2i+1] */
	size_t nout, capout;
	struct store_batch batch;
	int64_t window;           /* dedup.window */
	uint64_t processed, passed, repeats, bad, claimed, done_before;
	long die_after_commit;    /* $VIGIA_TEST_DIE_AFTER_COMMIT: exit after that many commits */
};

static int worker_stages(struct worker *w, const char *list, struct verr *err)
{
	char *copy = strdup(list), *save = NULL;
	int last = -1, has_ag = 0;

	if (!copy)
		return verr_set(err, V_ERR_NOMEM, "", "%s", vres_str(V_ERR_NOMEM));
	for (char *t = strtok_r(copy, ",", &save); t; t = strtok_r(NULL, ",", &save)) {
		int found = -1;
		for (size_t i = 0; i < PIPELINE_STAGES; i++)
			if (!strcmp(pipeline_stage_name(i), t))
				found = (int)i;
		if (found < 0 || found <= last) {
			int rc = verr_set(err, V_ERR_USAGE, "--stage",
					  found < 0 ? _("unknown stage '%s'") :
						      _("stage '%s' out of chain order"), t);
			free(copy);
			return rc;
		}
		last = found;
		w->ops[w->nops++] = pipeline_stage((size_t)found);
		w->has_store |= !strcmp(t, "store");
		has_ag |= !strcmp(t, "aggregate") || !strcmp(t, "correlate");
	}
	free(copy);
	if (!w->nops)
		return verr_set(err, V_ERR_USAGE, "--stage", _("no stage given"));
	if (has_ag && !w->has_store)
		return verr_set(err, V_ERR_USAGE, "--stage",
				_("aggregate and correlate run in the worker that runs store"));
	return V_OK;
}

static int worker_needs_store(const struct worker *w)
{
	for (size_t i = 0; i < w->nops; i++)
		if (!strcmp(w->ops[i]->name, "dedup") || w->has_store)
			return 1;
	return 0;
}

static void worker_sync(struct worker *w, int committed)
{
	for (size_t i = 0; i < w->nops; i++)
		if (w->ops[i]->sync)
			w->ops[i]->sync(w->state[i], committed);
}

/* Keep output i: the event pe passes on, and its metadata. */
static int worker_keep(struct worker *w, const struct pipe_event *pe)
{
	if (w->nout == w->capout) {
		size_t nc = w->capout ? w->capout * 2 : 256;
		size_t *no = realloc(w->off, 2 * nc * sizeof(*no));
		if (!no)
			return V_ERR_NOMEM;
		w->off = no;
		w->capout = nc;
	}
	w->off[2 * w->nout] = w->json.len;
	w->off[2 * w->nout + 1] = w->meta.len;
	if (event_to_json(pe->ev, &w->json) != V_OK || buf_putc(&w->json, 0) != V_OK ||
	    pipe_meta_encode(pe, &w->meta) != V_OK || buf_putc(&w->meta, 0) != V_OK)
		return V_ERR_NOMEM;
	w->nout++;
	return V_OK;
}

/* One message through the stages: V_OK (kept for output or ended), V_SKIP (a bad message:
 * reported, acknowledged, dropped) or an error (the batch fails). */
static int worker_message(struct worker *w, const struct rmsg *m, struct verr *err)
{
	struct pipe_event pe;
	struct verr ve = { 0 };
	int rc;

	w->processed++;
	if (pipe_message_decode(w->ev, &pe, m->event, m->event_len, m->meta, m->meta_len,
				w->batch.id, (int64_t)time(NULL), &ve) != V_OK) {
		log_warn(_("%s: message %s: %s%s%s: dropped"), rstream_name(w->in), m->id,
			 ve.field, *ve.field ? ": " : "", ve.reason);
		w->bad++;
		return V_SKIP;
	}
	for (size_t i = 0; i < w->nops; i++) {
		if (w->ops[i] == &stage_store && pe.fingerprint && w->window > 0) {
			/* never trust "certainly new" here: another worker, or this batch's first
			 * delivery, may have stored it (the store decides: idempotency) */
			pe.maybe_repeat = 1;
			pe.window_start = pe.seen - w->window;
		}
		rc = w->ops[i]->process(w->state[i], &pe, err);
		if (rc == V_SKIP) {
			w->repeats += pe.repeat != 0;
			return V_OK;
		}
		if (rc != V_OK)
			return rc;
	}
	w->passed++;
	return w->out ? worker_keep(w, &pe) : V_OK;
}

/* A message in the store's transport marks: "STREAM/ID". */
static int worker_mark(struct worker *w, const struct rmsg *m, int claimed, int *done,
		       struct verr *err)
{
	char name[320];
	int rc;

	*done = 0;
	snprintf(name, sizeof(name), "%.255s/%.60s", rstream_name(w->in), m->id);
	/* only a message taken over can have been stored before: new ones come once */
	if (claimed && (rc = store_mark_take(w->st, name, done, err)) != V_OK)
		return rc;
	return *done ? V_OK : store_mark_put(w->st, name, w->consumer, err);
}

/*
 * The batch's messages through the stages, inside the open transaction.  A message whose event
 * the store refuses (V_ERR_INVALID, V_ERR_LIMIT: a value PostgreSQL cannot index; with
 * PostgreSQL the failed statement aborts the transaction) is dropped like a bad message and
 * the batch's good ones go on: everything since the store mark set at the batch's start is
 * undone, the counters put back, and the batch run again without it (refused: one byte per
 * message, 1 = leave out).  Otherwise a refused message would fail its batch at every
 * delivery, for ever.
 */
static int worker_messages(struct worker *w, struct rbatch *b, int claimed, struct verr *err)
{
	uint64_t c0[6] = { w->processed, w->passed, w->repeats, w->bad, w->claimed,
			   w->done_before };
	unsigned char *refused = NULL;
	int rc, done;
	size_t i;

	if (w->has_store && (rc = store_mark(w->st, err)) != V_OK)
		return rc;
again:
	rc = V_OK;
	w->nout = 0;
	buf_reset(&w->json);
	buf_reset(&w->meta);
	for (i = 0; i < b->n && rc == V_OK; i++) {
		if (refused && refused[i])
			continue;
		if (w->has_store && ((rc = worker_mark(w, &b->m[i], claimed, &done, err)) != V_OK ||
				     done)) {
			w->done_before += done;
			continue;
		}
		rc = worker_message(w, &b->m[i], err);
		if (rc == V_SKIP)
			rc = V_OK;
	}
	if (rc != V_OK && w->has_store && (rc == V_ERR_INVALID || rc == V_ERR_LIMIT)) {
		struct verr ue = { 0 };
		i--; /* the message that failed */
		log_warn(_("%s: message %s: the store refused its event: %s: dropped"),
			 rstream_name(w->in), b->m[i].id, err->reason);
		if (!refused && !(refused = calloc(b->n, 1))) {
			rc = verr_set(err, V_ERR_NOMEM, "", "%s", vres_str(V_ERR_NOMEM));
		} else if ((rc = store_undo(w->st, &ue)) != V_OK) {
			*err = ue;
		} else {
			refused[i] = 1;
			worker_sync(w, 0); /* ids written since the mark are gone */
			w->processed = c0[0], w->passed = c0[1], w->repeats = c0[2];
			w->bad = c0[3], w->claimed = c0[4], w->done_before = c0[5];
			for (size_t k = 0; k < b->n; k++)
				w->bad += refused[k];
			w->processed += w->bad - c0[3];
			goto again;
		}
	}
	free(refused);
	return rc;
}

/* One batch: process, make durable (commit; append), acknowledge.  claimed: the batch was
 * taken over from a worker that stopped. */
static int worker_batch(struct worker *w, struct rbatch *b, int claimed, struct verr *err)
{
	int rc = V_OK;

	if (!b->n)
		return V_OK;
	w->nout = 0;
	buf_reset(&w->json);
	buf_reset(&w->meta);
	/* this worker's earlier batches are acknowledged: their marks can go */
	if (w->has_store && ((rc = store_begin(w->st, err)) != V_OK ||
			     (rc = store_mark_clear(w->st, w->consumer, err)) != V_OK))
		return rc;
	rc = worker_messages(w, b, claimed, err);
	if (w->has_store) {
		if (rc == V_OK) {
			w->batch.events = (int64_t)w->passed;
			w->batch.duplicates = (int64_t)w->repeats;
			w->batch.rejected = (int64_t)w->bad;
			w->batch.records = (int64_t)w->processed;
			rc = store_batch_progress(w->st, &w->batch, err);
		}
		if (rc == V_OK)
			rc = store_commit(w->st, err);
		if (rc != V_OK) {
			store_rollback(w->st);
			worker_sync(w, 0);
			return rc;
		}
		/* tests/cli/redis.sh: a crash after the commit, before the acknowledgement */
		if (w->die_after_commit > 0 && !--w->die_after_commit)
			_exit(137);
	}
	/* other store workers of the group write the store between two of our transactions: every
	 * stage drops what it keeps of the store, as after a rollback, and reads it afresh in the
	 * next transaction (which holds the write lock: what it reads stays true until it ends) */
	worker_sync(w, w->has_store ? 0 : 1);
	if (w->nout) {
		const char **jp = malloc(w->nout * sizeof(*jp));
		const char **mp = malloc(w->nout * sizeof(*mp));
		size_t *jl = malloc(w->nout * sizeof(*jl));
		if (!jp || !mp || !jl)
			rc = verr_set(err, V_ERR_NOMEM, "", "%s", vres_str(V_ERR_NOMEM));
		for (size_t i = 0; rc == V_OK && i < w->nout; i++) {
			jp[i] = w->json.data + w->off[2 * i];
			jl[i] = strlen(jp[i]);
			mp[i] = w->meta.data + w->off[2 * i + 1];
		}
		if (rc == V_OK)
			rc = rstream_forward(w->in, w->group, b, w->out, w->nout, jp, jl, mp, err);
		free(jp);
		free(mp);
		free(jl);
		return rc;
	}
	return rstream_forward(w->in, w->group, b, NULL, 0, NULL, NULL, NULL, err);
}

static int worker_start_batch(struct worker *w, struct verr *err)
{
	int rc;

	if (!w->has_store)
		return V_OK;
	if ((rc = store_begin(w->st, err)) != V_OK)
		return rc;
	rc = store_batch_start(w->st, "worker", w->consumer, &w->batch.id, err);
	if (rc == V_OK)
		return store_commit(w->st, err);
	store_rollback(w->st);
	return rc;
}

static double now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static int worker_report(struct worker *w, double rate, struct verr *err)
{
	char line[768];

	snprintf(line, sizeof(line), "%s %s %s %s %llu %.0f %lld", w->stages, rstream_url(w->in),
		 w->out ? rstream_url(w->out) : "-", w->group, (unsigned long long)w->processed,
		 rate, (long long)time(NULL));
	return rstream_report(w->in, w->consumer, line, err);
}

/* Is the input done: nothing waiting and nothing held by any member?  Acknowledged messages
 * are deleted, so the stream's length is what is waiting or held. */
static int group_idle(struct worker *w, int *idle, struct verr *err)
{
	long long len;
	int rc = rstream_len(w->in, &len, err);

	*idle = rc == V_OK && len == 0;
	return rc;
}

static int worker_run(struct worker *w, long idle_exit, struct verr *err)
{
	struct rbatch b;
	size_t count = (size_t)conf_get_int("worker.batch");
	long long claim_ms = conf_get_int("worker.claim_after") * 1000;
	long long max_out = conf_get_int("worker.max_stream");
	double last_report = 0, last_work = now_s();
	uint64_t processed_then = 0;
	int rc = V_OK, claimed;

	if (count < 1)
		count = 1;
	rbatch_init(&b);
	while (!stop_requested) {
		double t = now_s();
		if (t - last_report >= 1.0) {
			double rate = last_report > 0 ? (double)(w->processed - processed_then) /
							    (t - last_report) : 0;
			processed_then = w->processed;
			last_report = t;
			if ((rc = worker_report(w, rate, err)) != V_OK)
				break;
		}
		if (w->out && max_out > 0) {
			long long len;
			if ((rc = rstream_len(w->out, &len, err)) != V_OK)
				break;
			if (len > max_out) { /* back-pressure: let the next stage catch up */
				usleep(50000);
				continue;
			}
		}
		if ((rc = rstream_claim(w->in, w->group, w->consumer, claim_ms, count, &b, err)) !=
		    V_OK)
			break;
		claimed = b.n > 0;
		if (b.n) {
			w->claimed += b.n;
			log_info(_("%s: took over %zu messages a stopped worker left pending"),
				 rstream_name(w->in), b.n);
		} else if ((rc = rstream_read(w->in, w->group, w->consumer, count, 500, &b, err)) !=
			   V_OK)
			break;
		if (b.n) {
			if ((rc = worker_batch(w, &b, claimed, err)) != V_OK)
				break;
			last_work = now_s();
			continue;
		}
		if (idle_exit > 0 && now_s() - last_work >= (double)idle_exit) {
			int idle;
			if ((rc = group_idle(w, &idle, err)) != V_OK)
				break;
			if (idle)
				break;
		}
	}
	rbatch_fini(&b);
	if (rc == V_OK)
		rc = worker_report(w, 0, err);
	return rc;
}

int cmd_worker(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "stage", required_argument, NULL, 's' },
		{ "from", required_argument, NULL, 'f' },
		{ "to", required_argument, NULL, 't' },
		{ "group", required_argument, NULL, 'g' },
		{ "consumer", required_argument, NULL, 'c' },
		{ "idle-exit", required_argument, NULL, 'i' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 }
	};
	const char *stages = NULL, *from = NULL, *to = NULL, *db = NULL, *consumer = NULL;
	struct worker w = { 0 };
	struct verr e = { 0 };
	long idle_exit = 0;
	int c, status = 0, rc;
	char host[64];

	if ((argc = cli_common_flags(argc, argv, &db, &status)) < 0)
		return status;
	optind = 1;
	opterr = 0;
	while ((c = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
		switch (c) {
		case 's': stages = optarg; break;
		case 'f': from = optarg; break;
		case 't': to = optarg; break;
		case 'g': w.group = optarg; break;
		case 'c': consumer = optarg; break;
		case 'i': {
			char *end;
			errno = 0;
			idle_exit = strtol(optarg, &end, 10);
			if (errno || *end || idle_exit < 0) {
				log_error(_("worker: --idle-exit needs a number of seconds"));
				return EXIT_USAGE;
			}
			break;
		}
		case 'h':
			worker_usage(stdout);
			return 0;
		default:
			log_error(_("worker: unknown or incomplete option '%s'"), argv[optind - 1]);
			worker_usage(stderr);
			return EXIT_USAGE;
		}
	}
	if (!stages || !from || !w.group || optind < argc) {
		log_error(_("worker: --stage, --from and --group are needed"));
		worker_usage(stderr);
		return EXIT_USAGE;
	}
	if ((rc = worker_stages(&w, stages, &e)) != V_OK) {
		cli_report(&e);
		return EXIT_USAGE;
	}
	snprintf(w.stages, sizeof(w.stages), "%s", stages);
	if (gethostname(host, sizeof(host)) != 0)
		snprintf(host, sizeof(host), "localhost");
	host[sizeof(host) - 1] = 0;
	if (consumer)
		snprintf(w.consumer, sizeof(w.consumer), "%s", consumer);
	else
		snprintf(w.consumer, sizeof(w.consumer), "%s:%ld", host, (long)getpid());
	w.window = conf_get_int("dedup.window");
	if (getenv("VIGIA_TEST_DIE_AFTER_COMMIT"))
		w.die_after_commit = strtol(getenv("VIGIA_TEST_DIE_AFTER_COMMIT"), NULL, 10);
	buf_init(&w.json, 0);
	buf_init(&w.meta, 0);
	if (!(w.ev = event_new())) {
		status = EXIT_INTERNAL;
		goto out;
	}
	if ((rc = rstream_open(from, &w.in, &e)) != V_OK ||
	    (to && (rc = rstream_open(to, &w.out, &e)) != V_OK) ||
	    (rc = rstream_group(w.in, w.group, &e)) != V_OK) {
		cli_report(&e);
		status = cli_status(rc);
		goto out;
	}
	if ((worker_needs_store(&w) || db) && (status = cli_store_open(db, &w.st)))
		goto out;
	for (size_t i = 0; i < w.nops; i++)
		if ((rc = w.ops[i]->init(&w.state[i], w.st, &e)) != V_OK) {
			cli_report(&e);
			status = cli_status(rc);
			goto out;
		}
	if ((rc = worker_start_batch(&w, &e)) != V_OK) {
		cli_report(&e);
		status = cli_status(rc);
		goto out;
	}
	signal(SIGTERM, on_signal);
	signal(SIGINT, on_signal);
	log_info(_("worker %s: stages %s, %s -> %s, group %s"), w.consumer, stages, from,
		 to ? to : "-", w.group);
	rc = worker_run(&w, idle_exit, &e);
	if (rc != V_OK) {
		cli_report(&e);
		status = cli_status(rc) == EXIT_USAGE ? EXIT_IO : cli_status(rc);
	}
	if (w.has_store && rc == V_OK) {
		w.batch.finished = (int64_t)time(NULL);
		if ((rc = store_begin(w.st, &e)) == V_OK &&
		    (rc = store_mark_clear(w.st, w.consumer, &e)) == V_OK &&
		    (rc = store_batch_finish(w.st, &w.batch, &e)) == V_OK)
			rc = store_commit(w.st, &e);
		if (rc != V_OK) {
			store_rollback(w.st);
			cli_report(&e);
			status = EXIT_IO;
		}
	}
	fprintf(stderr, _("vigia: worker %s: %llu messages, %llu passed on, %llu repeats, "
			  "%llu dropped as unreadable, %llu taken over\n"),
		w.consumer, (unsigned long long)w.processed, (unsigned long long)w.passed,
		(unsigned long long)w.repeats, (unsigned long long)w.bad,
		(unsigned long long)w.claimed);
	if (w.done_before)
		fprintf(stderr, _("vigia: worker %s: %llu messages taken over were stored before "
				  "(acknowledged, not stored again)\n"), w.consumer,
			(unsigned long long)w.done_before);
out:
	for (size_t i = 0; i < w.nops; i++)
		if (w.state[i] && w.ops[i]->fini)
			w.ops[i]->fini(w.state[i]);
	store_close(w.st);
	rstream_close(w.in);
	rstream_close(w.out);
	event_free(w.ev);
	buf_fini(&w.json);
	buf_fini(&w.meta);
	free(w.off);
	return status;
}

/* ---- vigia pipeline status ------------------------------------------------------------------- */

static void status_usage(FILE *f)
{
	fprintf(f, _("usage: vigia pipeline status redis://HOST[:PORT]/STREAM...\n\n"
		     "For each stream: its length (messages not yet done), and for each consumer\n"
		     "group its pending messages (delivered, not acknowledged), its lag (not yet\n"
		     "delivered) and its consumers; then every worker's stages, messages processed\n"
		     "and rate (messages per second) as it last reported them.\n"));
}

static void print_worker(void *arg, const char *consumer, const char *line)
{
	char stages[256], from[512], to[512], group[128];
	unsigned long long n;
	double rate;
	long long when;

	(void)arg;
	if (sscanf(line, "%255s %511s %511s %127s %llu %lf %lld", stages, from, to, group, &n,
		   &rate, &when) != 7)
		return;
	printf("  %-28s %-36s %12llu %10.0f/s  %llds ago\n", consumer, stages, n, rate,
	       (long long)time(NULL) - when);
}

int cmd_pipeline(int argc, char **argv)
{
	struct verr e = { 0 };
	struct rstream *rs = NULL;
	int status = 0, rc;

	if (argc >= 2 && (!strcmp(argv[1], "--help") || !strcmp(argv[1], "-h"))) {
		status_usage(stdout);
		return 0;
	}
	if (argc < 3 || strcmp(argv[1], "status")) {
		status_usage(stderr);
		return EXIT_USAGE;
	}
	printf("%-20s %12s  %-16s %10s %10s %9s\n", _("stream"), _("length"), _("group"),
	       _("pending"), _("lag"), _("consumers"));
	for (int i = 2; i < argc; i++) {
		struct rgroup_info g[32];
		long long len;
		size_t n;
		if ((rc = rstream_open(argv[i], &rs, &e)) != V_OK ||
		    (rc = rstream_info(rs, &len, g, 32, &n, &e)) != V_OK) {
			cli_report(&e);
			rstream_close(rs);
			rs = NULL;
			status = cli_status(rc);
			continue;
		}
		if (!n)
			printf("%-20s %12lld\n", rstream_name(rs), len);
		for (size_t k = 0; k < n; k++)
			printf("%-20s %12lld  %-16s %10lld %10lld %9lld\n", rstream_name(rs), len,
			       g[k].name, g[k].pending, g[k].lag, g[k].consumers);
		if (i == argc - 1) {
			printf("\n%s\n",
			       _("workers (consumer, stages, messages, rate, last report):"));
			if ((rc = rstream_workers(rs, print_worker, NULL, &e)) != V_OK) {
				cli_report(&e);
				status = cli_status(rc);
			}
		}
		rstream_close(rs);
		rs = NULL;
	}
	return status;
}
