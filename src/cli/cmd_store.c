/*
 * cmd_store.c — `vigia store info|migrate|prune|check|copy`: look after the store itself.
 *
 *   info     where it is, its schema version, how many events, incidents and indicators
 *   check    the database's own checks, missing parents, postings without their parents
 *   migrate  bring it to the schema this vigia writes (opening does that too: this says so)
 *   prune    remove events older than an age, keeping those of incidents not yet closed
 *   copy     every row of one store into another, empty one (SQLite to PostgreSQL and back)
 */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "base/conf.h"
#include "base/i18n.h"
#include "base/log.h"
#include "cli/cli.h"
#include "store/store.h"

static void store_usage(FILE *f)
{
	fprintf(f, _("usage: vigia store COMMAND [--db PATH]\n\n"
		     "  info                    the store's path, schema version, counts, size\n"
		     "  migrate                 bring the store to this vigia's schema version\n"
		     "  check                   check the store's files and references (exit\n"
		     "                          status 1 when anything is wrong)\n"
		     "  prune --older-than AGE  remove events last seen more than AGE ago\n"
		     "                          (s, m, h, d, w: 180d); events of incidents\n"
		     "                          that are not closed are kept\n"
		     "  copy --from STORE --to STORE\n"
		     "                          copy every event, incident, note, audit entry...\n"
		     "                          with its id into an empty store: sqlite:PATH,\n"
		     "                          PATH or postgres://USER@HOST/DB\n\n"
		     "The store: --db PATH, else $VIGIA_DB, else the setting store.path; a new\n"
		     "path is created.  Exit status: 0 done, 1 check found problems, 2 usage\n"
		     "error, 3 store error.\n"));
}

static void human_size(int64_t n, char out[32])
{
	static const char *const unit[] = { "B", "KiB", "MiB", "GiB", "TiB" };
	double v = (double)n;
	int u = 0;

	if (n < 0) {
		snprintf(out, 32, "-");
		return;
	}
	while (v >= 1024 && u < 4) {
		v /= 1024;
		u++;
	}
	if (u == 0)
		snprintf(out, 32, "%lld B", (long long)n);
	else
		snprintf(out, 32, "%.1f %s", v, unit[u]);
}

static int sub_info(struct store *st)
{
	struct store_info in;
	struct verr e = { 0 };
	char size[32];
	int rc;

	if ((rc = store_info(st, &in, &e)) != V_OK) {
		cli_report(&e);
		return cli_status(rc);
	}
	human_size(in.size, size);
	printf(_("store:       %s (%s)\n"), store_path(st), in.backend);
	printf(_("schema:      version %d (this vigia writes %d)\n"), in.schema,
	       store_schema_latest());
	printf(_("events:      %lld\n"), (long long)in.events);
	printf(_("incidents:   %lld\n"), (long long)in.incidents);
	printf(_("indicators:  %lld\n"), (long long)in.indicators);
	printf(_("batches:     %lld\n"), (long long)in.batches);
	printf(_("audit trail: %lld entries\n"), (long long)in.audit_entries);
	printf(_("size:        %s\n"), size);
	return 0;
}

static int sub_check(struct store *st)
{
	struct store_check c;
	struct verr e = { 0 };
	int rc;

	if ((rc = store_check(st, &c, &e)) != V_OK) {
		cli_report(&e);
		return cli_status(rc);
	}
	printf(_("store:                      %s\n"), store_path(st));
	printf(_("structure problems:         %lld\n"), (long long)c.structure);
	printf(_("rows without their parent:  %lld\n"), (long long)c.foreign_keys);
	printf(_("postings without a parent:  %lld\n"), (long long)c.orphan_postings);
	if (c.first[0])
		printf(_("first problem:              %s\n"), c.first);
	if (c.structure || c.foreign_keys || c.orphan_postings) {
		log_error(_("%s: the store has problems (see above)"), store_path(st));
		return 1;
	}
	printf(_("the store is consistent\n"));
	return 0;
}

static int sub_migrate(struct store *st)
{
	int from = store_schema_opened_at(st), to = store_schema_version(st);

	if (from == to)
		printf(_("%s: already at schema version %d\n"), store_path(st), to);
	else if (from == 0)
		printf(_("%s: created at schema version %d\n"), store_path(st), to);
	else
		printf(_("%s: migrated from schema version %d to %d\n"), store_path(st), from, to);
	return 0;
}

static int sub_copy(const char *from, const char *to)
{
	struct store *a = NULL, *b = NULL;
	struct store_copy_stats cs;
	struct verr e = { 0 };
	int rc, status = 0;

	/* opening an SQLite path creates it: a mistyped source would copy nothing */
	if (strncmp(from, "postgres", 8) != 0 &&
	    access(!strncmp(from, "sqlite:", 7) ? from + 7 : from, F_OK) != 0) {
		log_error(_("store copy: %s does not exist"), from);
		return EXIT_USAGE;
	}
	if ((status = cli_store_open(from, &a)) || (status = cli_store_open(to, &b))) {
		store_close(a);
		return status;
	}
	if ((rc = store_copy(a, b, &cs, &e)) != V_OK) {
		cli_report(&e);
		status = cli_status(rc);
	} else {
		printf(_("copied %s to %s: %lld rows (%lld events, %lld incidents, %lld audit "
			 "entries)\n"), store_path(a), store_path(b), (long long)cs.rows,
		       (long long)cs.events, (long long)cs.incidents, (long long)cs.audit_entries);
	}
	store_close(b);
	store_close(a);
	return status;
}

static int sub_prune(struct store *st, long long age)
{
	struct verr e = { 0 };
	int64_t cutoff = (int64_t)time(NULL) - age, removed = 0;
	char when[32];
	struct tm tm;
	time_t tt = (time_t)cutoff;
	int rc;

	if ((rc = store_events_prune(st, cutoff, &removed, &e)) != V_OK) {
		cli_report(&e);
		return cli_status(rc);
	}
	if (gmtime_r(&tt, &tm))
		strftime(when, sizeof(when), "%Y-%m-%d %H:%M", &tm);
	else
		snprintf(when, sizeof(when), "?");
	printf(ngettext("%lld event last seen before %s UTC removed\n",
			"%lld events last seen before %s UTC removed\n",
			removed == 1 ? 1UL : 2UL),
	       (long long)removed, when);
	return 0;
}

int cmd_store(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "older-than", required_argument, NULL, 'o' },
		{ "from", required_argument, NULL, 'f' },
		{ "to", required_argument, NULL, 't' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 }
	};
	const char *db = NULL, *sub, *older = NULL, *from = NULL, *to = NULL;
	struct store *st = NULL;
	long long age = 0;
	int c, status = 0;

	if ((argc = cli_common_flags(argc, argv, &db, &status)) < 0)
		return status;
	if (argc < 2) {
		store_usage(stderr);
		return EXIT_USAGE;
	}
	sub = argv[1];
	if (!strcmp(sub, "--help") || !strcmp(sub, "-h") || !strcmp(sub, "help")) {
		store_usage(stdout);
		return 0;
	}
	if (strcmp(sub, "info") && strcmp(sub, "migrate") && strcmp(sub, "prune") &&
	    strcmp(sub, "copy") && strcmp(sub, "check")) {
		log_error(_("store: unknown command '%s' (info, migrate, prune, check, copy)"), sub);
		store_usage(stderr);
		return EXIT_USAGE;
	}
	optind = 1;
	opterr = 0;
	while ((c = getopt_long(argc - 1, argv + 1, "h", opts, NULL)) != -1) {
		switch (c) {
		case 'o': older = optarg; break;
		case 'f': from = optarg; break;
		case 't': to = optarg; break;
		case 'h': store_usage(stdout); return 0;
		default:
			log_error(_("store %s: unknown or incomplete option '%s'"), sub,
				  argv[optind]);
			store_usage(stderr);
			return EXIT_USAGE;
		}
	}
	if (optind < argc - 1) {
		log_error(_("store %s: unexpected argument '%s'"), sub, argv[optind + 1]);
		return EXIT_USAGE;
	}
	if (older && strcmp(sub, "prune")) {
		log_error(_("store %s: --older-than is for prune"), sub);
		return EXIT_USAGE;
	}
	if ((from || to) && strcmp(sub, "copy")) {
		log_error(_("store %s: --from and --to are for copy"), sub);
		return EXIT_USAGE;
	}
	if (!strcmp(sub, "copy")) {
		if (!from || !to || !*from || !*to) {
			log_error(_("store copy: --from STORE and --to STORE are both required"));
			return EXIT_USAGE;
		}
		return sub_copy(from, to);
	}
	if (!strcmp(sub, "prune")) {
		if (!older) {
			log_error(_("store prune: --older-than AGE is required (such as 180d)"));
			return EXIT_USAGE;
		}
		if (conf_parse_duration(older, &age) != 0 || age <= 0) {
			log_error(_("store prune: '%s' is not an age (a number with s, m, h, d or "
				    "w: 180d)"), older);
			return EXIT_USAGE;
		}
	}
	if ((status = cli_store_open(db, &st)))
		return status;
	if (!strcmp(sub, "info"))
		status = sub_info(st);
	else if (!strcmp(sub, "migrate"))
		status = sub_migrate(st);
	else if (!strcmp(sub, "check"))
		status = sub_check(st);
	else
		status = sub_prune(st, age);
	store_close(st);
	return status;
}
