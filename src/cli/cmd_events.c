/*
 * cmd_events.c — `vigia events`: the stored events, filtered, as an aligned table for people
 * or as JSON lines (the stored event plus vigia.id, vigia.repeats, vigia.first_seen and
 * vigia.last_seen; docs/formats.md "Stored events").
 */
#include <ctype.h>
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <jansson.h>

#include "base/buf.h"
#include "base/conf.h"
#include "base/i18n.h"
#include "base/log.h"
#include "base/timeparse.h"
#include "cli/cli.h"
#include "store/store.h"

#define EVENTS_PAGE 100
#define EVENTS_MAX ((int64_t)1 << 40)

static void events_usage(FILE *f)
{
	fprintf(f, _("usage: vigia events [--db PATH] [--ip IP] [--network CIDR]\n"
		     "                    [--classification TYPE] [--feed NAME] [--fqdn NAME]\n"
		     "                    [--url PREFIX] [--since TIME] [--until TIME]\n"
		     "                    [--batch N] [--incident N] [--limit N] [--offset N]\n"
		     "                    [--json]\n\n"
		     "Lists the events in the store, newest first, as a table or (--json) as JSON\n"
		     "lines: each stored event with vigia.id, vigia.repeats, vigia.first_seen and\n"
		     "vigia.last_seen added.  Filters combine (all must match).\n\n"
		     "  --ip IP              source.ip or destination.ip is IP (v4 or v6)\n"
		     "  --network CIDR       source.ip or destination.ip is in the network\n"
		     "  --classification T   classification.type or classification.taxonomy is T\n"
		     "  --feed NAME          feed.name is NAME\n"
		     "  --fqdn NAME          source.fqdn or destination.fqdn is NAME or under it\n"
		     "  --url PREFIX         source.url starts with PREFIX\n"
		     "  --since TIME         time.source at or after TIME (2026-01-31, an ISO\n"
		     "                       time, or an age: 30m, 12h, 7d, 2w)\n"
		     "  --until TIME         time.source before TIME\n"
		     "  --batch N            events of ingest batch N\n"
		     "  --incident N         events of incident N\n"
		     "  --limit N            at most N events (default 100; 0 = all)\n"
		     "  --offset N           skip the first N (the next page)\n"
		     "  --json               JSON lines instead of a table\n\n"
		     "The store: --db PATH, else $VIGIA_DB, else the setting store.path.\n"
		     "Exit status: 0 done, 2 usage error, 3 store error.\n"));
}

static int parse_num(const char *opt, const char *s, int64_t min, int64_t *out)
{
	char *end;
	long long v;

	errno = 0;
	v = strtoll(s, &end, 10);
	if (end == s || *end || errno || v < min || v > EVENTS_MAX) {
		log_error(_("%s: '%s' is not a number from %lld up"), opt, s, (long long)min);
		return -1;
	}
	*out = v;
	return 0;
}

/* A point in time: an age ("7d": that long ago), a date or time (UTC unless it says), or
 * seconds since the epoch. */
static int parse_when(const char *opt, const char *s, int64_t *out)
{
	size_t n = strlen(s);
	long long d;
	struct vtime t;

	if (n > 1 && isalpha((unsigned char)s[n - 1]) && isdigit((unsigned char)s[0]) &&
	    conf_parse_duration(s, &d) == 0) {
		*out = (int64_t)time(NULL) - d;
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

struct listing {
	int json;
	int64_t n;
	struct buf line;
	struct cli_table t;
	int failed;
};

static const char *jstr(json_t *o, const char *k)
{
	return json_string_value(json_object_get(o, k));
}

static void iso_time(int64_t t, char out[48])
{
	struct vtime v = { .sec = t };
	time_format(&v, out);
}

/* The stored JSON object with the store's own fields added before its closing brace. */
static int json_row(struct listing *l, const struct store_event_row *r)
{
	size_t n = strlen(r->json);
	char first[48], last[48];

	while (n > 0 && r->json[n - 1] != '}')
		n--;
	if (n == 0)
		return V_ERR_PARSE;
	iso_time(r->first_seen, first);
	iso_time(r->last_seen, last);
	buf_reset(&l->line);
	if (buf_append(&l->line, r->json, n - 1) != V_OK ||
	    buf_printf(&l->line, "%s\"vigia.id\":%lld,\"vigia.repeats\":%lld,"
				 "\"vigia.first_seen\":\"%s\",\"vigia.last_seen\":\"%s\"}\n",
		       n > 2 ? "," : "", (long long)r->id, (long long)r->repeats, first,
		       last) != V_OK)
		return V_ERR_NOMEM;
	if (fwrite(l->line.data, 1, l->line.len, stdout) != l->line.len)
		return V_ERR_IO;
	return V_OK;
}

/* "2026-01-10T10:00:00+00:00" as "2026-01-10 10:00:00" (UTC) */
static void short_time(const char *iso, int64_t fallback, char out[32])
{
	if (iso && strlen(iso) >= 19) {
		snprintf(out, 32, "%.10s %.8s", iso, iso + 11);
		return;
	}
	if (fallback) {
		char t[48];
		iso_time(fallback, t);
		snprintf(out, 32, "%.10s %.8s", t, t + 11);
		return;
	}
	snprintf(out, 32, "-");
}

static const char *first_of(json_t *o, const char *a, const char *b, const char *c)
{
	const char *v = jstr(o, a);
	if (!v)
		v = jstr(o, b);
	if (!v && c)
		v = jstr(o, c);
	return v;
}

static int table_row(struct listing *l, const struct store_event_row *r)
{
	json_t *o = json_loads(r->json, 0, NULL);
	char id[24], rep[24], when[32];
	int rc;

	snprintf(id, sizeof(id), "%lld", (long long)r->id);
	snprintf(rep, sizeof(rep), "%lld", (long long)r->repeats);
	short_time(jstr(o, "time.source"), r->first_seen, when);
	const char *cells[] = {
		id,
		when,
		first_of(o, "classification.type", "classification.taxonomy", NULL),
		first_of(o, "source.ip", "source.fqdn", "source.url"),
		first_of(o, "destination.ip", "destination.fqdn", "destination.url"),
		jstr(o, "feed.name"),
		rep,
	};
	rc = cli_table_add(&l->t, cells);
	json_decref(o);
	return rc;
}

static int one_row(void *arg, const struct store_event_row *r)
{
	struct listing *l = arg;
	int rc;

	l->n++;
	rc = l->json ? json_row(l, r) : table_row(l, r);
	if (rc != V_OK)
		l->failed = rc;
	return rc;
}

int cmd_events(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "ip", required_argument, NULL, 'i' },
		{ "network", required_argument, NULL, 'n' },
		{ "classification", required_argument, NULL, 'c' },
		{ "feed", required_argument, NULL, 'f' },
		{ "fqdn", required_argument, NULL, 'd' },
		{ "url", required_argument, NULL, 'u' },
		{ "since", required_argument, NULL, 's' },
		{ "until", required_argument, NULL, 'U' },
		{ "batch", required_argument, NULL, 'b' },
		{ "incident", required_argument, NULL, 'I' },
		{ "limit", required_argument, NULL, 'l' },
		{ "offset", required_argument, NULL, 'o' },
		{ "json", no_argument, NULL, 'j' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 }
	};
	static const char *const head[] = { N_("ID"), N_("TIME"), N_("CLASSIFICATION"),
					    N_("SOURCE"), N_("DESTINATION"), N_("FEED"),
					    N_("REPEATS") };
	const char *theads[7], *db = NULL;
	struct store_event_filter f;
	struct listing l;
	struct store *st = NULL;
	struct verr e = { 0 };
	int c, status = 0, rc;

	memset(&f, 0, sizeof(f));
	memset(&l, 0, sizeof(l));
	f.limit = EVENTS_PAGE;
	if ((argc = cli_common_flags(argc, argv, &db, &status)) < 0)
		return status;
	optind = 1;
	opterr = 0;
	while ((c = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
		switch (c) {
		case 'i': f.ip = optarg; break;
		case 'n': f.network = optarg; break;
		case 'c': f.classification = optarg; break;
		case 'f': f.feed = optarg; break;
		case 'd': f.fqdn = optarg; break;
		case 'u': f.url = optarg; break;
		case 's':
			if (parse_when("--since", optarg, &f.since))
				return EXIT_USAGE;
			break;
		case 'U':
			if (parse_when("--until", optarg, &f.until))
				return EXIT_USAGE;
			break;
		case 'b':
			if (parse_num("--batch", optarg, 1, &f.batch))
				return EXIT_USAGE;
			break;
		case 'I':
			if (*optarg == '#')
				optarg++;
			if (parse_num("--incident", optarg, 1, &f.incident))
				return EXIT_USAGE;
			break;
		case 'l':
			if (parse_num("--limit", optarg, 0, &f.limit))
				return EXIT_USAGE;
			break;
		case 'o':
			if (parse_num("--offset", optarg, 0, &f.offset))
				return EXIT_USAGE;
			break;
		case 'j': l.json = 1; break;
		case 'h': events_usage(stdout); return 0;
		default:
			log_error(_("events: unknown or incomplete option '%s'"), argv[optind - 1]);
			events_usage(stderr);
			return EXIT_USAGE;
		}
	}
	if (optind < argc) {
		log_error(_("events: unexpected argument '%s'"), argv[optind]);
		events_usage(stderr);
		return EXIT_USAGE;
	}
	if (f.limit == 0)
		f.limit = -1; /* the store: a negative limit is no limit */
	if ((status = cli_store_open(db, &st)))
		return status;
	for (size_t i = 0; i < 7; i++)
		theads[i] = _(head[i]);
	cli_table_init(&l.t, 7, theads, "rllllll");
	buf_init(&l.line, 0);
	rc = store_events_query(st, &f, one_row, &l, &e);
	if (l.failed) {
		verr_set(&e, l.failed, NULL, "%s",
			 l.failed == V_ERR_IO ? _("cannot write to standard output")
					      : vres_str(l.failed));
		rc = l.failed;
	}
	if (rc != V_OK) {
		cli_report(&e);
		status = cli_status(rc);
		goto out;
	}
	if (l.json)
		goto out;
	if (!l.n && !f.offset) {
		printf(_("No events.\n"));
		goto out;
	}
	cli_table_print(&l.t, stdout);
	if (f.limit > 0 && l.n == f.limit)
		printf(_("(%lld shown; --offset %lld for the next page)\n"), (long long)l.n,
		       (long long)(f.offset + f.limit));
out:
	if (fflush(stdout) != 0 && !status) {
		log_error(_("cannot write to standard output"));
		status = EXIT_IO;
	}
	cli_table_fini(&l.t);
	buf_fini(&l.line);
	store_close(st);
	return status;
}
