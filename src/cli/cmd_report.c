/*
 * cmd_report.c — `vigia report`: the period report for management and the case report of one
 * incident for a partner or law enforcement, as HTML or PDF (src/report).
 *
 * The file is written whole or not at all: the report is rendered to a temporary file beside
 * the target, which is renamed over it at the end.
 */
#include <ctype.h>
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "base/conf.h"
#include "base/i18n.h"
#include "base/log.h"
#include "base/timeparse.h"
#include "cli/cli.h"
#include "report/report.h"
#include "share/policy.h"
#include "store/store.h"

static const char usage_text[] = N_(
	"usage: vigia report [--since TIME] [--until TIME] --format html|pdf\n"
	"                    -o FILE [--lang es|en] [--top N] [--db PATH]\n"
	"       vigia report --incident ID [--for PARTNER] --format html|pdf\n"
	"                    -o FILE [--lang es|en] [--db PATH]\n\n"
	"The period report (for management): events, incidents and notifications\n"
	"of the period with their trends drawn per day, the most affected\n"
	"organisations, autonomous systems, countries and networks, incidents by\n"
	"state, time to resolve and the notable incidents.  The case report: one\n"
	"incident as the sharing policy lets PARTNER see it (TLP:RED never goes to\n"
	"a partner; victims pseudonymised as its rights say); without --for, the\n"
	"team's own copy with the notes.\n\n"
	"  --since TIME      start of the period (2026-01-31, an ISO time, or an\n"
	"                    age: 12h, 30d, 2w); default 30d\n"
	"  --until TIME      end of the period (excluded); default now\n"
	"  --incident ID     the case report of incident ID\n"
	"  --for PARTNER     the recipient of a case report (see 'vigia partner')\n"
	"  --format FORMAT   html (one self-contained file) or pdf\n"
	"  -o, --output FILE the file to write\n"
	"  --lang LANG       es or en; default the locale's language\n"
	"  --top N           entries of each \"most affected\" list (default 10)\n");

static void usage(FILE *f)
{
	fputs(_(usage_text), f);
}

static int parse_when(const char *opt, const char *s, int64_t now, int64_t *out)
{
	size_t n = strlen(s);
	long long d;
	struct vtime t;

	if (n > 1 && isalpha((unsigned char)s[n - 1]) && isdigit((unsigned char)s[0]) &&
	    conf_parse_duration(s, &d) == 0) {
		*out = now - d;
		return 0;
	}
	if (time_parse_epoch(s, n, &t) == 0 || time_parse(s, n, &t) == 0) {
		*out = t.sec;
		return 0;
	}
	log_error(_("%s: '%s' is not a time (2026-01-31, 2026-01-31T12:00:00Z, or an age such "
		    "as 7d)"), opt, s);
	return -1;
}

static int parse_pos(const char *opt, const char *s, int64_t max, int64_t *out)
{
	char *end;
	long long v;

	errno = 0;
	v = strtoll(s, &end, 10);
	if (errno || end == s || *end || v <= 0 || v > max) {
		log_error(_("%s: '%s' is not a number from 1 to %lld"), opt, s, (long long)max);
		return -1;
	}
	*out = v;
	return 0;
}

/* Write data to path through a temporary file renamed over it. */
static int write_file(const char *path, const char *data, size_t len)
{
	size_t n = strlen(path);
	char *tmp = malloc(n + 16);
	FILE *f;
	int ok;

	if (!tmp) {
		log_error(_("out of memory"));
		return EXIT_INTERNAL;
	}
	snprintf(tmp, n + 16, "%s.tmp%ld", path, (long)getpid());
	if (!(f = fopen(tmp, "wb"))) {
		log_error(_("%s: cannot write: %s"), path, strerror(errno));
		free(tmp);
		return EXIT_IO;
	}
	ok = fwrite(data, 1, len, f) == len;
	ok = fclose(f) == 0 && ok;
	if (!ok || rename(tmp, path) != 0) {
		log_error(_("%s: cannot write: %s"), path, strerror(errno));
		unlink(tmp);
		free(tmp);
		return EXIT_IO;
	}
	free(tmp);
	return 0;
}

static int pdf_file(const char *path, int (*draw)(const void *, const char *, struct verr *),
		    const void *what)
{
	size_t n = strlen(path);
	char *tmp = malloc(n + 16);
	struct verr e = { 0 };
	int rc;

	if (!tmp) {
		log_error(_("out of memory"));
		return EXIT_INTERNAL;
	}
	snprintf(tmp, n + 16, "%s.tmp%ld", path, (long)getpid());
	rc = draw(what, tmp, &e);
	if (rc == V_OK && rename(tmp, path) != 0)
		rc = verr_set(&e, V_ERR_IO, "", _("%s: cannot write: %s"), path, strerror(errno));
	if (rc != V_OK) {
		unlink(tmp);
		cli_report(&e);
	}
	free(tmp);
	return rc == V_OK ? 0 : cli_status(rc);
}

struct period_pdf {
	const struct report_period *p;
	const char *team;
};

static int draw_period(const void *arg, const char *path, struct verr *e)
{
	const struct period_pdf *pp = arg;
	return report_period_pdf(pp->p, pp->team, path, e);
}

static int draw_case(const void *arg, const char *path, struct verr *e)
{
	return report_case_pdf(arg, path, e);
}

static int recipient_load(struct store *st, const char *name, struct policy_recipient *r)
{
	struct store_partner *p = NULL;
	struct verr e = { 0 };
	int rc;

	if (!name) {
		policy_recipient_kind(r, RK_INTERNAL);
		return 0;
	}
	if ((rc = store_partner_get(st, name, &p, &e)) == V_OK) {
		rc = policy_recipient_init(r, p, &e);
		store_partner_free(p);
	}
	if (rc != V_OK) {
		cli_report(&e);
		return cli_status(rc);
	}
	return 0;
}

struct args {
	int64_t since, until, incident, top;
	const char *format, *output, *lang, *partner, *db;
};

static int period(struct store *st, const struct args *a, const char *lang)
{
	struct report_period p;
	struct buf out;
	struct verr e = { 0 };
	const char *team = conf_get("share.team_name");
	int rc, status = 0;

	buf_init(&out, 0);
	rc = report_period_load(st, a->since, a->until, (int)a->top, 10, &p, &e);
	if (rc != V_OK) {
		cli_report(&e);
		status = cli_status(rc);
	} else if (strcmp(a->format, "pdf") == 0) {
		struct period_pdf pp = { .p = &p, .team = team };
		status = pdf_file(a->output, draw_period, &pp);
	} else if ((rc = report_period_html(&p, lang, team, &out)) != V_OK) {
		log_error(_("%s: %s"), a->output, vres_str(rc));
		status = cli_status(rc);
	} else {
		status = write_file(a->output, out.data, out.len);
	}
	if (!status)
		log_info(_("period report: %lld events, %lld incidents, %lld notifications; "
			   "written to %s"), (long long)p.events, (long long)p.incidents,
			 (long long)p.messages, a->output);
	report_period_fini(&p);
	buf_fini(&out);
	return status;
}

static int one_case(struct store *st, const struct args *a, const char *lang)
{
	struct policy_recipient r = { 0 };
	struct report_case c;
	struct buf out;
	struct verr e = { 0 };
	enum tlp dflt;
	int rc, status;

	memset(&c, 0, sizeof(c));
	buf_init(&out, 0);
	if ((rc = policy_tlp_parse(conf_get("share.default_tlp"), &dflt, &e)) != V_OK) {
		log_error(_("setting share.default_tlp: %s"), e.reason);
		return EXIT_USAGE;
	}
	if ((status = recipient_load(st, a->partner, &r)) != 0)
		return status;
	rc = report_case_load(st, a->incident, &r, dflt, &c, &e);
	if (rc != V_OK) {
		cli_report(&e);
		status = cli_status(rc);
	} else if (strcmp(a->format, "pdf") == 0) {
		status = pdf_file(a->output, draw_case, &c);
	} else if ((rc = report_case_html(&c, lang, &out)) != V_OK) {
		log_error(_("%s: %s"), a->output, vres_str(rc));
		status = cli_status(rc);
	} else {
		status = write_file(a->output, out.data, out.len);
	}
	if (!status && c.view && (c.view->withheld_events || c.view->pseudonymised_events))
		log_info(_("sharing policy: %zu events withheld, %zu pseudonymised"),
			 c.view->withheld_events, c.view->pseudonymised_events);
	report_case_fini(&c);
	policy_recipient_fini(&r);
	buf_fini(&out);
	return status;
}

int cmd_report(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "since", required_argument, NULL, 's' },
		{ "until", required_argument, NULL, 'u' },
		{ "incident", required_argument, NULL, 'i' },
		{ "for", required_argument, NULL, 'F' },
		{ "format", required_argument, NULL, 'f' },
		{ "output", required_argument, NULL, 'o' },
		{ "lang", required_argument, NULL, 'l' },
		{ "top", required_argument, NULL, 't' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 }
	};
	struct args a = { 0 };
	struct store *st = NULL;
	struct verr e = { 0 };
	const char *lang = NULL;
	int64_t now = (int64_t)time(NULL);
	int c, status = 0, rc;

	a.since = now - 30 * 86400;
	a.until = now;
	a.top = 10;
	if ((argc = cli_common_flags(argc, argv, &a.db, &status)) < 0)
		return status;
	optind = 1;
	opterr = 0;
	while ((c = getopt_long(argc, argv, "ho:", opts, NULL)) != -1) {
		switch (c) {
		case 's':
			if (parse_when("--since", optarg, now, &a.since))
				return EXIT_USAGE;
			break;
		case 'u':
			if (parse_when("--until", optarg, now, &a.until))
				return EXIT_USAGE;
			break;
		case 'i':
			if (parse_pos("--incident", optarg, INT64_MAX, &a.incident))
				return EXIT_USAGE;
			break;
		case 't':
			if (parse_pos("--top", optarg, 100, &a.top))
				return EXIT_USAGE;
			break;
		case 'F': a.partner = optarg; break;
		case 'f': a.format = optarg; break;
		case 'o': a.output = optarg; break;
		case 'l': a.lang = optarg; break;
		case 'h': usage(stdout); return 0;
		default:
			log_error(_("report: unknown or incomplete option '%s'"), argv[optind - 1]);
			usage(stderr);
			return EXIT_USAGE;
		}
	}
	if (optind < argc) {
		log_error(_("report: unexpected argument '%s'"), argv[optind]);
		return EXIT_USAGE;
	}
	if (!a.format || (strcmp(a.format, "html") != 0 && strcmp(a.format, "pdf") != 0)) {
		log_error(_("report: --format html or --format pdf is required"));
		return EXIT_USAGE;
	}
	if (!a.output || !*a.output) {
		log_error(_("report: -o FILE is required"));
		return EXIT_USAGE;
	}
	if (a.partner && !a.incident) {
		log_error(_("report: --for goes with --incident (a case report)"));
		return EXIT_USAGE;
	}
	if (a.until <= a.since) {
		log_error(_("report: the period ends before it starts"));
		return EXIT_USAGE;
	}
	if ((rc = report_lang(a.lang, &lang, &e)) != V_OK) {
		cli_report(&e);
		return EXIT_USAGE;
	}
	if ((status = cli_store_open(a.db, &st)) != 0)
		return status;
	status = a.incident ? one_case(st, &a, lang) : period(st, &a, lang);
	store_close(st);
	if (strcmp(a.format, "pdf") == 0)
		report_pdf_shutdown();
	return status;
}
