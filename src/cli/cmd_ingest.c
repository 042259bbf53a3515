/*
 * cmd_ingest.c — `vigia ingest`: feed files in, canonical events out.
 */
#include <errno.h>
#include <getopt.h>
#include <libgen.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "base/conf.h"
#include "base/i18n.h"
#include "base/log.h"
#include "cli/cli.h"
#include "ingest/ingest.h"

static void ingest_usage(FILE *f)
{
	fprintf(f, _("usage: vigia ingest [--feed NAME | --feed-file DEF.json | --parser NAME]\n"
		     "                    [--output jsonl] [-o FILE] [--rejects FILE]\n"
		     "                    [--param KEY=VALUE]... [--report KEY=VALUE]...\n"
		     "                    [--observation-time TIME] [--progress | --no-progress]\n"
		     "                    FILE... | -\n\n"
		     "Reads feed files (plain, gzip or zip; '-' is standard input), turns every record\n"
		     "into a canonical event and writes the events as JSON lines.  Rejected records go\n"
		     "to the reject file with their file, line and reason.  A summary goes to stderr.\n\n"
		     "  --feed NAME          a feed of the built-in catalogue (see 'vigia feeds')\n"
		     "  --feed-file FILE     a feed definition (IntelMQ parser, parameters, report)\n"
		     "  --parser NAME        a parser by name, with --param for its parameters\n"
		     "  --output jsonl       write events as JSON lines (the default until the store)\n"
		     "  -o, --output-file F  write events to F instead of standard output\n"
		     "  --rejects FILE       reject file (default: vigia-rejects.jsonl beside the store)\n"
		     "  --param KEY=VALUE    set a parser parameter (VALUE is JSON, or else a string)\n"
		     "  --report KEY=VALUE   set a report field such as feed.url or extra.file_name\n"
		     "  --observation-time T time.observation for events whose report has none\n"
		     "  --progress           always draw the progress bar; --no-progress never\n\n"
		     "Exit status: 0 all records accepted, 1 some rejected, 2 usage, 3 I/O error.\n"));
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
};

static int jsonl_event(void *arg, const struct event *ev)
{
	struct jsonl_sink *s = arg;

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

int cmd_ingest(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "feed", required_argument, NULL, 'f' },
		{ "feed-file", required_argument, NULL, 'F' },
		{ "parser", required_argument, NULL, 'p' },
		{ "output", required_argument, NULL, 'O' },
		{ "output-file", required_argument, NULL, 'o' },
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
	const char *output = "jsonl";
	json_t *params = json_object(), *report = json_object();
	struct feed_def *fd = NULL;
	struct verr e = { 0 };
	struct ingest_ctx ctx;
	struct ingest_options opt = { 0 };
	struct jsonl_sink js = { 0 };
	int c, status = 0, rc, ctx_ok = 0;
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
		case 'O': output = optarg; break;
		case 'o': outfile = optarg; break;
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
	if (strcmp(output, "jsonl")) {
		log_error(_("ingest: unknown output '%s' (supported: jsonl)"), output);
		status = EXIT_USAGE;
		goto out;
	}
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

	opt.max_line = (size_t)conf_get_int("ingest.max_line");
	opt.max_document = (size_t)conf_get_int("ingest.max_document");
	opt.observation_time = obs;
	const char *rj = conf_get("ingest.rejects");
	if (rj && *rj) {
		opt.rejects_path = strcmp(rj, "-") ? rj : NULL;
		if (!strcmp(rj, "-"))
			opt.rejects = stderr;
	} else {
		char *sp = strdup(conf_get("store.path"));
		if (sp) {
			snprintf(rejects_default, sizeof(rejects_default), "%s/vigia-rejects.jsonl", dirname(sp));
			free(sp);
			opt.rejects_path = rejects_default;
		}
	}
	const char *pg = conf_get("ingest.progress");
	opt.progress = !strcmp(pg, "always") || (!strcmp(pg, "auto") && isatty(2));

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
	struct ingest_sink sink = { jsonl_event, &js };
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
		rc = ingest_path(&ctx, argv[i], &ie);
		if (rc != V_OK) {
			cli_report(&ie);
			status = EXIT_IO;
		}
	}
	if (js.b.len && fwrite(js.b.data, 1, js.b.len, js.f) != js.b.len)
		js.failed = 1;
	if (fflush(js.f) != 0 || js.failed) {
		log_error(_("writing events: %s"), strerror(errno));
		status = EXIT_IO;
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
	if (ctx.stats.rejected && ctx.opt.rejects_path)
		fprintf(stderr, _("vigia: rejected records written to %s\n"), ctx.opt.rejects_path);
	if (!status && ctx.stats.rejected)
		status = EXIT_REJECTS;
out:
	if (ctx_ok)
		ingest_ctx_fini(&ctx);
	if (js.f && js.f != stdout)
		fclose(js.f);
	buf_fini(&js.b);
	feed_def_free(fd);
	json_decref(params);
	json_decref(report);
	return status;
}
