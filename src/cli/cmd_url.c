/*
 * cmd_url.c — `vigia url`: check URLs (verdict, score, reasons, list matches, canonical form,
 * registrable domain, Safe Browsing expressions), train and evaluate the lexical model, and
 * write a block list from the indicators the store holds.
 *
 *   vigia url check [--json] [--expressions] [--list FILE]... [--allow FILE]... [--model FILE]
 *                   [--db PATH --store-list] [--file F | - | URL...]
 *   vigia url train [--data TSV] [--out MODEL] [--cv K] [--epochs N] [--json]
 *                   [--predictions FILE]
 *   vigia url blocklist [--db PATH] [-o FILE]
 *
 * Batch mode reads one URL a line and answers one line per input line, in order.
 */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "analyze/url/url.h"
#include "base/buf.h"
#include "base/conf.h"
#include "base/i18n.h"
#include "base/log.h"
#include "base/utf8.h"
#include "cli/cli.h"
#include "store/store.h"

static void url_usage(FILE *f)
{
	fprintf(f,
	        _("usage: vigia url check [--json] [--expressions] [--list FILE]... "
	          "[--allow FILE]...\n"
	          "                       [--model FILE] [--db PATH] [--file F | - | URL...]\n"
	          "       vigia url train [--data TSV] [--out MODEL] [--cv K] [--epochs N] "
	          "[--json]\n"
	          "                       [--predictions FILE]\n"
	          "       vigia url blocklist [--db PATH] [-o FILE]\n\n"
	          "check: a verdict (malicious, suspicious, clean, unknown, invalid), a score "
	          "0-100,\n"
	          "  the reasons with their weights, list matches, the canonical URL and the\n"
	          "  registrable domain of each URL; '-' or --file reads one URL a line.\n"
	          "  --list/--allow add block/allow list files to url.block_lists/url.allow_lists\n"
	          "  (a list source 'store' takes the URLs of the store's phishing and malware\n"
	          "  events); --json prints one object a line; --expressions adds the Safe\n"
	          "  Browsing lookup expressions.\n"
	          "train: fit the lexical model on labeled URLs (label<TAB>url<TAB>source) and\n"
	          "  write it (--out, default url.model) with its verdict lines, chosen on\n"
	          "  4-fold validation; --cv K first reports nested K-fold cross-validation\n"
	          "  split by registrable domain, per source, on held-out folds only\n"
	          "  (--predictions FILE: every row's held-out score).\n"
	          "blocklist: write the URLs of the store's phishing and malware-distribution\n"
	          "  events as a list file (default: standard output).\n"));
}

struct checker_ctx {
	struct url_checker *k;
	struct url_holder *h;
	struct url_result *r;
	int json, expressions;
	struct buf out, tmp;
	unsigned long invalid;
};

/* Text for output: invalid UTF-8 bytes as U+FFFD, control bytes as '?'. */
static void clean_text(const char *s, size_t n, struct buf *b)
{
	buf_reset(b);
	for (size_t i = 0; i < n;) {
		unsigned char ch = (unsigned char)s[i];
		if (ch < 0x80) {
			buf_putc(b, ch < 0x20 || ch == 0x7f ? '?' : (char)ch);
			i++;
			continue;
		}
		size_t k = ch >= 0xf0 ? 4 : ch >= 0xe0 ? 3 : ch >= 0xc0 ? 2 : 1;
		if (i + k <= n && k > 1 && utf8_valid(s + i, k, NULL)) {
			buf_append(b, s + i, k);
			i += k;
		} else {
			buf_puts(b, "\xef\xbf\xbd");
			i++;
		}
	}
	buf_cstr(b);
}

static void json_kv_str(struct buf *o, const char *key, const char *v, size_t n, int comma)
{
	buf_printf(o, "%s\"%s\":", comma ? "," : "", key);
	buf_json_str(o, v, n);
}

static int emit(struct checker_ctx *x, const char *in, size_t len)
{
	struct url_result *r = x->r;
	struct buf *o = &x->out;

	url_check(x->k, in, len, r);
	if (r->verdict == URL_INVALID)
		x->invalid++;
	buf_reset(o);
	clean_text(in, len, &x->tmp);
	if (x->json) {
		buf_putc(o, '{');
		json_kv_str(o, "url", x->tmp.data ? x->tmp.data : "", x->tmp.len, 0);
		json_kv_str(o, "canonical", r->c.canon, r->c.len, 1);
		json_kv_str(o, "registrable_domain", r->registrable, strlen(r->registrable), 1);
		json_kv_str(o, "verdict", url_verdict_name(r->verdict),
		            strlen(url_verdict_name(r->verdict)), 1);
		buf_printf(o, ",\"score\":%d,\"heuristic_score\":%d", r->score, r->heuristic_score);
		if (r->model_p >= 0)
			buf_printf(o, ",\"model\":%.4f", r->model_p);
		else
			buf_puts(o, ",\"model\":null");
		buf_puts(o, ",\"reasons\":[");
		if (r->verdict == URL_INVALID) {
			buf_puts(o, "{\"name\":\"invalid\",\"weight\":0,\"detail\":");
			buf_json_str(o, r->invalid, strlen(r->invalid));
			buf_putc(o, '}');
		}
		for (size_t i = 0; i < r->nreasons; i++) {
			buf_printf(o, "%s{\"name\":\"%s\",\"weight\":%d,", i ? "," : "",
			           r->reason[i].name, r->reason[i].weight);
			clean_text(r->reason[i].detail, strlen(r->reason[i].detail), &x->tmp);
			json_kv_str(o, "detail", x->tmp.data ? x->tmp.data : "", x->tmp.len, 0);
			buf_putc(o, '}');
		}
		buf_puts(o, "],\"matches\":[");
		for (size_t i = 0; i < r->nmatch; i++) {
			const struct url_match *m = &r->match[i];
			buf_printf(o, "%s{\"list\":\"%s\",\"kind\":\"%s\",", i ? "," : "",
			           r->allowed ? "allow" : "block", m->kind);
			clean_text(m->entry, strlen(m->entry), &x->tmp);
			json_kv_str(o, "entry", x->tmp.data ? x->tmp.data : "", x->tmp.len, 0);
			clean_text(m->source, strlen(m->source), &x->tmp);
			json_kv_str(o, "source", x->tmp.data ? x->tmp.data : "", x->tmp.len, 1);
			buf_printf(o, ",\"line\":%ld}", m->line);
		}
		buf_putc(o, ']');
		if (x->expressions) {
			struct url_expr e[URL_MAX_EXPR];
			size_t n =
			    r->verdict == URL_INVALID ? 0 : url_expressions(&r->c, URL_SB_SPEC, e);
			buf_puts(o, ",\"expressions\":[");
			for (size_t i = 0; i < n; i++) {
				if (i)
					buf_putc(o, ',');
				buf_json_str(o, r->c.canon + e[i].host_off,
				             e[i].host_len + e[i].path_len);
			}
			buf_putc(o, ']');
		}
		buf_puts(o, "}\n");
	} else {
		buf_printf(o, "%-10s %3d  %s", url_verdict_name(r->verdict), r->score,
		           r->verdict == URL_INVALID ? x->tmp.data ? x->tmp.data : "" : r->c.canon);
		if (r->verdict == URL_INVALID) {
			buf_printf(o, "  %s\n", _(r->invalid));
			goto write;
		}
		buf_printf(o, "  [%s]", r->registrable);
		for (size_t i = 0; i < r->nreasons; i++)
			buf_printf(o, "%s%s(%d)", i ? " " : "  ", r->reason[i].name,
			           r->reason[i].weight);
		for (size_t i = 0; i < r->nmatch; i++)
			buf_printf(o, "  %s:%s (%s:%ld)", r->allowed ? "allow" : "block",
			           r->match[i].entry, r->match[i].source, r->match[i].line);
		buf_putc(o, '\n');
		if (x->expressions && r->verdict != URL_INVALID) {
			struct url_expr e[URL_MAX_EXPR];
			size_t n = url_expressions(&r->c, URL_SB_SPEC, e);
			for (size_t i = 0; i < n; i++)
				buf_printf(o, "    %.*s\n", (int)(e[i].host_len + e[i].path_len),
				           r->c.canon + e[i].host_off);
		}
	}
write:
	if (fwrite(o->data, 1, o->len, stdout) != o->len)
		return EXIT_IO;
	return 0;
}

static int check_stream(struct checker_ctx *x, FILE *f)
{
	char *line = NULL;
	size_t cap = 0;
	ssize_t n;
	int status = 0;

	while (!status && (n = getline(&line, &cap, f)) >= 0) {
		while (n > 0 && (line[n - 1] == '\n' || line[n - 1] == '\r'))
			n--;
		status = emit(x, line, (size_t)n);
	}
	free(line);
	return status;
}

/* Append "," v to a comma-separated setting value held in b. */
static void add_source(struct buf *b, const char *v)
{
	if (b->len)
		buf_putc(b, ',');
	buf_puts(b, v);
}

/* Does a comma-separated list of sources name "store"? */
static int names_store(const char *csv)
{
	for (const char *p = csv; *p;) {
		while (*p == ' ' || *p == ',')
			p++;
		size_t n = strcspn(p, ",");
		size_t m = n;
		while (m && p[m - 1] == ' ')
			m--;
		if (m == 5 && !strncmp(p, "store", 5))
			return 1;
		p += n;
	}
	return 0;
}

static int url_check_cmd(int argc, char **argv, const char *db)
{
	static const struct option opts[] = {
	    {"json", no_argument, NULL, 'j'},        {"expressions", no_argument, NULL, 'e'},
	    {"list", required_argument, NULL, 'l'},  {"allow", required_argument, NULL, 'a'},
	    {"model", required_argument, NULL, 'm'}, {"file", required_argument, NULL, 'f'},
	    {"help", no_argument, NULL, 'h'},        {NULL, 0, NULL, 0}};
	struct checker_ctx x = {0};
	struct buf block, allow;
	const char *file = NULL, *model = conf_get("url.model");
	struct url_checker_options co = {0};
	struct url_lists *ls = NULL;
	struct store *st = NULL;
	struct verr e = {0};
	int c, status = 0, rc;
	size_t bad = 0;

	buf_init(&block, 1 << 20);
	buf_init(&allow, 1 << 20);
	add_source(&block, conf_get("url.block_lists"));
	add_source(&allow, conf_get("url.allow_lists"));
	optind = 1;
	opterr = 0;
	while ((c = getopt_long(argc, argv, "hf:", opts, NULL)) != -1) {
		switch (c) {
		case 'j':
			x.json = 1;
			break;
		case 'e':
			x.expressions = 1;
			break;
		case 'l':
			add_source(&block, optarg);
			break;
		case 'a':
			add_source(&allow, optarg);
			break;
		case 'm':
			model = optarg;
			break;
		case 'f':
			file = optarg;
			break;
		case 'h':
			url_usage(stdout);
			status = -1;
			goto out;
		default:
			log_error(_("url check: unknown or incomplete option '%s'"),
			          argv[optind - 1]);
			url_usage(stderr);
			status = EXIT_USAGE;
			goto out;
		}
	}
	if (!file && optind >= argc) {
		log_error("%s",
		          _("url check: no URLs (give them, - for standard input, or --file)"));
		status = EXIT_USAGE;
		goto out;
	}
	if ((db || names_store(buf_cstr(&block)) || names_store(buf_cstr(&allow))) &&
	    (status = cli_store_open(db, &st)) != 0)
		goto out;
	if ((rc = url_lists_build(buf_cstr(&block), buf_cstr(&allow), st, &ls, &bad, &e)) != V_OK) {
		cli_report(&e);
		status = cli_status(rc);
		goto out;
	}
	if (bad) {
		cli_report(&e);
		log_warn(_("url check: %zu list lines could not be read and were skipped"), bad);
	}
	if (!(x.h = url_holder_new())) {
		url_lists_release(ls);
		status = EXIT_INTERNAL;
		goto out;
	}
	url_holder_set(x.h, ls);
	co.lists = x.h;
	co.model_path = model;
	co.psl_path = conf_get("url.psl");
	if ((rc = url_checker_new(&co, &x.k, &e)) != V_OK) {
		cli_report(&e);
		status = cli_status(rc) == EXIT_USAGE ? EXIT_IO : cli_status(rc);
		goto out;
	}
	if (!(x.r = malloc(sizeof *x.r))) {
		status = EXIT_INTERNAL;
		goto out;
	}
	url_result_init(x.r);
	buf_init(&x.out, 1 << 20);
	buf_init(&x.tmp, 1 << 20);
	if (file) {
		FILE *f = !strcmp(file, "-") ? stdin : fopen(file, "r");
		if (!f) {
			log_error(_("%s: cannot open: %s"), file, strerror(errno));
			status = EXIT_IO;
		} else {
			status = check_stream(&x, f);
			if (f != stdin)
				fclose(f);
		}
	}
	for (int i = optind; i < argc && !status; i++) {
		if (!strcmp(argv[i], "-"))
			status = check_stream(&x, stdin);
		else
			status = emit(&x, argv[i], strlen(argv[i]));
	}
	if (!status && fflush(stdout) != 0)
		status = EXIT_IO;
out:
	if (x.r)
		url_result_fini(x.r);
	free(x.r);
	buf_fini(&x.out);
	buf_fini(&x.tmp);
	url_checker_free(x.k);
	url_holder_free(x.h);
	if (st)
		store_close(st);
	buf_fini(&block);
	buf_fini(&allow);
	return status < 0 ? 0 : status;
}

static int url_train_cmd(int argc, char **argv)
{
	static const struct option opts[] = {
	    {"data", required_argument, NULL, 'd'}, {"out", required_argument, NULL, 'o'},
	    {"cv", required_argument, NULL, 'c'},   {"epochs", required_argument, NULL, 'E'},
	    {"json", no_argument, NULL, 'j'},       {"predictions", required_argument, NULL, 'p'},
	    {"help", no_argument, NULL, 'h'},       {NULL, 0, NULL, 0}};
	struct url_train_options o = {0};
	struct url_checker_options co = {0};
	struct url_checker *k = NULL;
	struct verr e = {0};
	int c, rc;
	char *end;

	o.data = "../shared/corpus/url/labeled-dev.tsv";
	o.out = conf_get("url.model");
	o.epochs = 6;
	o.report = stdout;
	optind = 1;
	opterr = 0;
	while ((c = getopt_long(argc, argv, "ho:", opts, NULL)) != -1) {
		switch (c) {
		case 'd':
			o.data = optarg;
			break;
		case 'o':
			o.out = optarg;
			break;
		case 'c':
			o.folds = (int)strtol(optarg, &end, 10);
			if (*end || o.folds < 2 || o.folds > 20) {
				log_error(_("url train: --cv takes 2 to 20 folds, not '%s'"),
				          optarg);
				return EXIT_USAGE;
			}
			break;
		case 'E':
			o.epochs = (int)strtol(optarg, &end, 10);
			if (*end || o.epochs < 1 || o.epochs > 100) {
				log_error(_("url train: --epochs takes 1 to 100, not '%s'"),
				          optarg);
				return EXIT_USAGE;
			}
			break;
		case 'j':
			o.json = 1;
			break;
		case 'p':
			o.predictions = optarg;
			break;
		case 'h':
			url_usage(stdout);
			return 0;
		default:
			log_error(_("url train: unknown or incomplete option '%s'"),
			          argv[optind - 1]);
			return EXIT_USAGE;
		}
	}
	if (o.out && !*o.out)
		o.out = NULL;
	if (o.predictions && o.folds < 2) {
		log_error("%s", _("url train: --predictions needs --cv K"));
		return EXIT_USAGE;
	}
	if (!o.out && o.folds < 2) {
		log_error("%s",
		          _("url train: nothing to do: give --out FILE (or url.model) or --cv K"));
		return EXIT_USAGE;
	}
	co.psl_path = conf_get("url.psl");
	if ((rc = url_checker_new(&co, &k, &e)) != V_OK) {
		cli_report(&e);
		return EXIT_IO;
	}
	rc = url_model_train(k, &o, &e);
	url_checker_free(k);
	if (rc != V_OK) {
		cli_report(&e);
		return cli_status(rc) == EXIT_USAGE ? EXIT_IO : cli_status(rc);
	}
	return fflush(stdout) ? EXIT_IO : 0;
}

static int url_blocklist_cmd(int argc, char **argv, const char *db)
{
	const char *out = NULL;
	struct store *st = NULL;
	struct url_list *l = NULL;
	struct verr e = {0};
	int status, rc;
	size_t added = 0;

	for (int i = 1; i < argc; i++) {
		if ((!strcmp(argv[i], "-o") || !strcmp(argv[i], "--out")) && i + 1 < argc) {
			out = argv[++i];
		} else if (!strcmp(argv[i], "--help") || !strcmp(argv[i], "-h")) {
			url_usage(stdout);
			return 0;
		} else {
			log_error(_("url blocklist: unknown or incomplete option '%s'"), argv[i]);
			return EXIT_USAGE;
		}
	}
	if ((status = cli_store_open(db, &st)) != 0)
		return status;
	if (!(l = url_list_new())) {
		store_close(st);
		return EXIT_INTERNAL;
	}
	rc = url_list_add_store(l, st, &added, &e);
	store_close(st);
	if (rc != V_OK) {
		cli_report(&e);
		url_list_free(l);
		return cli_status(rc);
	}
	FILE *f = out ? fopen(out, "w") : stdout;
	if (!f) {
		log_error(_("%s: cannot write: %s"), out, strerror(errno));
		url_list_free(l);
		return EXIT_IO;
	}
	fprintf(f,
	        "# vigia url blocklist: %zu entries from the store's phishing and "
	        "malware-distribution events\n",
	        added);
	url_list_write(l, f);
	int bad = ferror(f) != 0;
	if (f != stdout)
		bad |= fclose(f) != 0;
	else
		bad |= fflush(f) != 0;
	url_list_free(l);
	if (bad) {
		log_error(_("%s: cannot write: %s"), out ? out : "-", strerror(errno));
		return EXIT_IO;
	}
	log_info(_("url blocklist: %zu entries"), added);
	return 0;
}

int cmd_url(int argc, char **argv)
{
	const char *db = NULL;
	int status = 0;

	if ((argc = cli_common_flags(argc, argv, &db, &status)) < 0)
		return status;
	if (argc < 2) {
		url_usage(stderr);
		return EXIT_USAGE;
	}
	if (!strcmp(argv[1], "--help") || !strcmp(argv[1], "-h") || !strcmp(argv[1], "help")) {
		url_usage(stdout);
		return 0;
	}
	if (!strcmp(argv[1], "check"))
		return url_check_cmd(argc - 1, argv + 1, db);
	if (!strcmp(argv[1], "train"))
		return url_train_cmd(argc - 1, argv + 1);
	if (!strcmp(argv[1], "blocklist"))
		return url_blocklist_cmd(argc - 1, argv + 1, db);
	log_error(_("url: unknown command '%s' (check, train, blocklist)"), argv[1]);
	url_usage(stderr);
	return EXIT_USAGE;
}
