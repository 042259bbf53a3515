/*
 * cmd_ipdb.c — `vigia ipdb build|update|info`: the IP attribution index (src/enrich/ipdb.h),
 * and `vigia ip lookup`: network, AS, AS name and country of addresses.
 *
 *   ipdb build [-o INDEX] [--strict] SOURCE...    compile range CSVs and MaxMind DBs
 *   ipdb update [--ipdb INDEX] [SOURCE...]        rebuild (from the sources it was built
 *                                                 from, by default) and swap atomically
 *   ipdb info [--ipdb INDEX] [--verify]           what it holds; --verify: the checksum
 *   ip lookup [--ipdb INDEX] [--db PATH] [--json] ADDR... | -
 *                                                 one row or JSON object per address, with
 *                                                 the store's constituency match
 *
 * The index: --ipdb (or -o for build), else the setting enrich.ipdb, else vigia.ipdb beside
 * the store.  Malformed source rows are skipped and counted (exit status 1), or refused with
 * --strict; the first few of each file are named on standard error.
 */
#include <errno.h>
#include <getopt.h>
#include <libgen.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "base/buf.h"
#include "base/conf.h"
#include "base/i18n.h"
#include "base/log.h"
#include "cli/cli.h"
#include "enrich/constituency.h"
#include "enrich/ipdb.h"
#include "store/store.h"

#define BAD_SHOWN 10       /* malformed rows named per source */
#define LOOKUP_CHUNK 256   /* addresses looked up together */
#define TABLE_ROWS 4096    /* table rows held before they are printed */
#define MAX_SOURCES 1024

static void ipdb_usage(FILE *f)
{
	fprintf(f, _("usage: vigia ipdb COMMAND [OPTIONS]\n\n"
		     "  build [-o INDEX] [--strict] SOURCE...\n"
		     "                      compile range CSV files (start,end,asn,org or\n"
		     "                      start,end,country; plain or gzip) and MaxMind DB\n"
		     "                      files (.mmdb) into one index; where rows overlap,\n"
		     "                      the later row wins (later in its file, or in a\n"
		     "                      source named later)\n"
		     "  update [--ipdb INDEX] [--strict] [SOURCE...]\n"
		     "                      rebuild from SOURCE..., or from the files the index\n"
		     "                      was built from, and replace it atomically: programs\n"
		     "                      that have the old one open keep reading it\n"
		     "  info [--ipdb INDEX] [--verify]\n"
		     "                      format version, build time, sources and counts;\n"
		     "                      --verify recomputes the checksum\n\n"
		     "  --strict            refuse a source with a malformed row (default: skip\n"
		     "                      the row, count it, exit status 1)\n\n"
		     "The index: --ipdb PATH (build: -o PATH), else the setting enrich.ipdb,\n"
		     "else vigia.ipdb beside the store.  See also 'vigia ip lookup'.\n\n"
		     "Exit status: 0 done, 1 rows skipped, 2 usage error, 3 a file could not be\n"
		     "read or written, or is not an index or a range file.\n"));
}

static void ip_usage(FILE *f)
{
	fprintf(f, _("usage: vigia ip lookup [--ipdb INDEX] [--db PATH] [--json] ADDRESS... | -\n\n"
		     "For each IPv4 or IPv6 address (- reads them from standard input, one a\n"
		     "line): the network (the largest CIDR block holding it inside the range\n"
		     "that answered), the AS number and name, and the country, from the IP\n"
		     "attribution index ('vigia ipdb build'), and who in the constituency is\n"
		     "responsible: the organisation (by network, then AS) or the partner CERT\n"
		     "of the country, with the rule that matched.  An address in no range has no\n"
		     "answer ('-', or null in JSON).  ::ffff:a.b.c.d answers as a.b.c.d.\n\n"
		     "  --json              one JSON object a line: ip, network, range, asn,\n"
		     "                      as_name, country, constituency (rule, match,\n"
		     "                      organisation or cert, contacts, do_not_notify)\n"
		     "  --ipdb PATH         the index (default: the setting enrich.ipdb, else\n"
		     "                      vigia.ipdb beside the store)\n"
		     "  --db PATH           the store whose constituency answers (default:\n"
		     "                      $VIGIA_DB, else store.path, when that file exists)\n\n"
		     "Exit status: 0 done, 1 some lines were not addresses, 2 usage error,\n"
		     "3 the index or the store cannot be read.\n"));
}

/* Take --ipdb PATH / --ipdb=PATH and the settings flags out of argv.  New argc, or -1. */
static int common_flags(int argc, char **argv, const char **ipdb, int *status)
{
	return cli_path_flags(argc, argv, "--ipdb", ipdb, status);
}

static void human_size(uint64_t n, char out[32])
{
	static const char *const unit[] = { "B", "KiB", "MiB", "GiB", "TiB" };
	double v = (double)n;
	int u = 0;

	while (v >= 1024 && u < 4) {
		v /= 1024;
		u++;
	}
	if (u == 0)
		snprintf(out, 32, "%llu B", (unsigned long long)n);
	else
		snprintf(out, 32, "%.1f %s", v, unit[u]);
}

/* ---- build and update --------------------------------------------------------------------- */

struct bad_rows {
	const char *file; /* the source being read */
	uint64_t shown;
};

static void on_bad_row(void *ctx, const struct verr *e)
{
	struct bad_rows *b = ctx;

	if (b->shown++ < BAD_SHOWN)
		log_warn(_("%s:%ld: %s%s%s (row skipped)"), e->file, e->line, e->field,
			 e->field[0] ? ": " : "", e->reason);
}

static double seconds(void)
{
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	return (double)t.tv_sec + (double)t.tv_nsec / 1e9;
}

/* Build from srcs[0..n) into path.  Prints what was read and written.  An exit status. */
static int build(const char *path, char *const *srcs, size_t n, unsigned flags)
{
	struct ipdb_builder *b = NULL;
	struct bad_rows bad = { 0 };
	struct ipdb_info info;
	struct verr e = { 0 };
	double t0 = seconds();
	uint64_t skipped = 0;
	char size[32];
	int rc;

	if ((rc = ipdb_builder_new(flags, on_bad_row, &bad, &b)) != V_OK) {
		log_error("%s", vres_str(rc));
		return cli_status(rc);
	}
	for (size_t i = 0; i < n; i++) {
		struct ipdb_source s = { 0 };
		bad.file = srcs[i];
		bad.shown = 0;
		rc = ipdb_builder_add(b, srcs[i], &s, &e);
		if (rc != V_OK) {
			cli_report(&e);
			if (rc == V_ERR_PARSE && (flags & IPDB_BUILD_STRICT))
				log_error(_("%s: refused (--strict); the index was not written"),
					  srcs[i]);
			ipdb_builder_free(b);
			return cli_status(rc);
		}
		if (s.bad > BAD_SHOWN)
			log_warn(_("%s: %llu more malformed rows skipped"), srcs[i],
				 (unsigned long long)(s.bad - BAD_SHOWN));
		skipped += s.bad;
		printf(_("%s: %s, %llu rows read, %llu skipped\n"), srcs[i], s.kind,
		       (unsigned long long)s.rows, (unsigned long long)s.bad);
	}
	rc = ipdb_builder_write(b, path, &info, &e);
	ipdb_builder_free(b);
	if (rc != V_OK) {
		cli_report(&e);
		return cli_status(rc);
	}
	human_size(info.size, size);
	printf(_("%s: ASN ranges %llu IPv4 + %llu IPv6, country ranges %llu IPv4 + %llu IPv6, "
		 "%llu AS records, %s, %.2f s\n"),
	       path, (unsigned long long)info.ranges[0][0], (unsigned long long)info.ranges[0][1],
	       (unsigned long long)info.ranges[1][0], (unsigned long long)info.ranges[1][1],
	       (unsigned long long)info.asn_records, size, seconds() - t0);
	return skipped ? EXIT_REJECTS : 0;
}

/* The sources an index was built from (update without SOURCE).  OUT: *out, caller frees the
 * array and each string.  An exit status. */
static int recorded_sources(const char *path, char ***out, size_t *n)
{
	struct ipdb *db = NULL;
	struct ipdb_info info;
	struct verr e = { 0 };
	char **v;
	int rc;

	*out = NULL;
	*n = 0;
	if ((rc = ipdb_open(path, 0, &db, &e)) != V_OK) {
		cli_report(&e);
		log_error(_("ipdb update: name the sources to build from"));
		return cli_status(rc) == EXIT_USAGE ? EXIT_IO : cli_status(rc);
	}
	ipdb_info(db, &info);
	v = calloc(info.nsources ? info.nsources : 1, sizeof(*v));
	if (!v) {
		ipdb_close(db);
		return EXIT_INTERNAL;
	}
	for (size_t i = 0; i < info.nsources; i++) {
		struct ipdb_source s;
		if (ipdb_source(db, i, &s) != V_OK || !(v[i] = strdup(s.path))) {
			for (size_t k = 0; k < i; k++)
				free(v[k]);
			free(v);
			ipdb_close(db);
			return EXIT_INTERNAL;
		}
	}
	*n = info.nsources;
	*out = v;
	ipdb_close(db);
	if (*n == 0) {
		log_error(_("%s: records no sources; name them"), path);
		free(v);
		*out = NULL;
		return EXIT_USAGE;
	}
	return 0;
}

/* ---- info --------------------------------------------------------------------------------- */

static int sub_info(const char *path, int verify)
{
	struct ipdb *db = NULL;
	struct ipdb_info in;
	struct verr e = { 0 };
	char size[32], when[32], names[32];
	int rc;

	if ((rc = ipdb_open(path, 0, &db, &e)) != V_OK) {
		cli_report(&e);
		return cli_status(rc) == EXIT_USAGE ? EXIT_IO : cli_status(rc);
	}
	ipdb_info(db, &in);
	human_size(in.size, size);
	human_size(in.strings, names);
	cli_time(in.built, when);
	printf(_("index:       %s\n"), ipdb_path(db));
	printf(_("format:      version %u\n"), (unsigned)in.version);
	printf(_("built:       %s UTC\n"), when);
	printf(_("size:        %s\n"), size);
	printf(_("checksum:    BLAKE2b-256 %s\n"), in.checksum);
	printf(_("ASN ranges:  %llu IPv4, %llu IPv6\n"), (unsigned long long)in.ranges[0][0],
	       (unsigned long long)in.ranges[0][1]);
	printf(_("country:     %llu IPv4, %llu IPv6 ranges\n"),
	       (unsigned long long)in.ranges[1][0], (unsigned long long)in.ranges[1][1]);
	printf(_("AS records:  %llu (names: %s)\n"), (unsigned long long)in.asn_records, names);
	printf(_("sources:     %zu\n"), in.nsources);
	for (size_t i = 0; i < in.nsources; i++) {
		struct ipdb_source s;
		char mt[32];
		if (ipdb_source(db, i, &s) != V_OK)
			break;
		cli_time(s.mtime, mt);
		printf(_("  %-12s %10llu rows %6llu skipped  %s  %s\n"), s.kind,
		       (unsigned long long)s.rows, (unsigned long long)s.bad, mt, s.path);
	}
	if (verify) {
		rc = ipdb_verify(db, &e);
		if (rc != V_OK) {
			cli_report(&e);
			ipdb_close(db);
			return EXIT_IO;
		}
		printf(_("verified:    the checksum matches\n"));
	}
	ipdb_close(db);
	return 0;
}

int cmd_ipdb(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "output", required_argument, NULL, 'o' },
		{ "strict", no_argument, NULL, 's' },
		{ "verify", no_argument, NULL, 'v' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 }
	};
	const char *flag = NULL, *out = NULL, *sub;
	char path[4096], **srcs = NULL;
	size_t nsrcs = 0;
	unsigned flags = 0;
	int c, status = 0, verify = 0, owned = 0;

	if ((argc = common_flags(argc, argv, &flag, &status)) < 0)
		return status;
	if (argc < 2) {
		ipdb_usage(stderr);
		return EXIT_USAGE;
	}
	sub = argv[1];
	if (!strcmp(sub, "--help") || !strcmp(sub, "-h") || !strcmp(sub, "help")) {
		ipdb_usage(stdout);
		return 0;
	}
	if (strcmp(sub, "build") && strcmp(sub, "update") && strcmp(sub, "info")) {
		log_error(_("ipdb: unknown command '%s' (build, update, info)"), sub);
		ipdb_usage(stderr);
		return EXIT_USAGE;
	}
	optind = 1;
	opterr = 0;
	while ((c = getopt_long(argc - 1, argv + 1, "o:h", opts, NULL)) != -1) {
		switch (c) {
		case 'o': out = optarg; break;
		case 's': flags |= IPDB_BUILD_STRICT; break;
		case 'v': verify = 1; break;
		case 'h': ipdb_usage(stdout); return 0;
		default:
			log_error(_("ipdb %s: unknown or incomplete option '%s'"), sub,
				  argv[optind]);
			ipdb_usage(stderr);
			return EXIT_USAGE;
		}
	}
	srcs = argv + 1 + optind;
	nsrcs = (size_t)(argc - 1 - optind);
	if (out && strcmp(sub, "build")) {
		log_error(_("ipdb %s: -o is for build (the index: --ipdb)"), sub);
		return EXIT_USAGE;
	}
	if (verify && strcmp(sub, "info")) {
		log_error(_("ipdb %s: --verify is for info"), sub);
		return EXIT_USAGE;
	}
	if ((flags & IPDB_BUILD_STRICT) && !strcmp(sub, "info")) {
		log_error(_("ipdb info: --strict is for build and update"));
		return EXIT_USAGE;
	}
	ipdb_default_path(out ? out : flag, path, sizeof(path));
	if (!strcmp(sub, "info")) {
		if (nsrcs) {
			log_error(_("ipdb info: unexpected argument '%s'"), srcs[0]);
			return EXIT_USAGE;
		}
		return sub_info(path, verify);
	}
	if (nsrcs > MAX_SOURCES) {
		log_error(_("ipdb %s: more than %d sources"), sub, MAX_SOURCES);
		return EXIT_USAGE;
	}
	if (!strcmp(sub, "build") && nsrcs == 0) {
		log_error(_("ipdb build: no sources (range CSV files or MaxMind DB files)"));
		return EXIT_USAGE;
	}
	if (nsrcs == 0) {
		if ((status = recorded_sources(path, &srcs, &nsrcs)) != 0)
			return status;
		owned = 1;
	}
	status = build(path, srcs, nsrcs, flags);
	if (owned) {
		for (size_t i = 0; i < nsrcs; i++)
			free(srcs[i]);
		free(srcs);
	}
	return status;
}

/* ---- ip lookup ---------------------------------------------------------------------------- */

struct lookup {
	struct ipdb *db;
	struct constituency *cons; /* NULL: no constituency */
	int json;
	struct cli_table t;
	struct buf out;
	struct ipdb_addr a[LOOKUP_CHUNK];
	char *text[LOOKUP_CHUNK]; /* the addresses as given, owned */
	size_t n;
	int bad;
};

static const char *const lookup_head[] = { N_("IP"), N_("NETWORK"), N_("ASN"), N_("AS NAME"),
					   N_("COUNTRY"), N_("CONSTITUENCY") };
#define LOOKUP_COLS 6

static void lookup_table_init(struct lookup *l)
{
	static const char *th[LOOKUP_COLS];

	for (int i = 0; i < LOOKUP_COLS; i++)
		th[i] = _(lookup_head[i]);
	cli_table_init(&l->t, LOOKUP_COLS, th, "llrlll");
}

static void lookup_flush_table(struct lookup *l)
{
	if (l->t.nrows == 0)
		return;
	cli_table_print(&l->t, stdout);
	cli_table_fini(&l->t);
	lookup_table_init(l);
}

/* Who in the constituency answers for address a with the index's answer r: m->rule. */
static enum constituency_rule lookup_match(const struct lookup *l, const struct ipdb_addr *a,
					   const struct ipdb_result *r,
					   struct constituency_match *m)
{
	struct constituency_query q = { 0 };

	memset(m, 0, sizeof(*m));
	if (!l->cons)
		return CONSTITUENCY_NONE;
	q.addr = *a;
	if (r->have & IPDB_HAVE_ASN)
		q.asn = r->asn;
	if (r->have & IPDB_HAVE_COUNTRY)
		q.cc = r->country;
	return constituency_resolve(l->cons, &q, m);
}

/* The match as a table cell: "Uni (network 192.0.2.0/24)", "CERT-Bund (cert DE)", with
 * "; do not notify" when flagged. */
static const char *match_cell(const struct constituency_match *m, char *out, size_t n)
{
	if (m->rule == CONSTITUENCY_NONE)
		return NULL;
	snprintf(out, n, "%s (%s %s%s)", m->org ? m->org : m->cert ? m->cert : "",
		 constituency_rule_name(m->rule), m->value,
		 m->do_not_notify ? _("; do not notify") : "");
	return out;
}

/* The match as the value of "constituency" (null when none), appended to o. */
static void match_json(const struct constituency_match *m, struct buf *o)
{
	if (m->rule == CONSTITUENCY_NONE) {
		buf_puts(o, "null");
		return;
	}
	buf_printf(o, "{\"rule\":\"%s\",\"match\":", constituency_rule_name(m->rule));
	buf_json_str(o, m->value, strlen(m->value));
	buf_puts(o, ",\"organisation\":");
	if (m->org)
		buf_json_str(o, m->org, strlen(m->org));
	else
		buf_puts(o, "null");
	buf_puts(o, ",\"cert\":");
	if (m->cert)
		buf_json_str(o, m->cert, strlen(m->cert));
	else
		buf_puts(o, "null");
	buf_puts(o, ",\"contacts\":[");
	for (size_t i = 0; i < m->ncontacts; i++) {
		if (i)
			buf_putc(o, ',');
		buf_json_str(o, m->contacts[i].email, strlen(m->contacts[i].email));
	}
	buf_printf(o, "],\"do_not_notify\":%s}", m->do_not_notify ? "true" : "false");
}

/* Look up the addresses gathered and print them. */
static int lookup_run(struct lookup *l)
{
	struct ipdb_result r[LOOKUP_CHUNK];

	ipdb_lookup_many(l->db, l->a, l->n, r);
	for (size_t i = 0; i < l->n; i++) {
		char net[IPDB_NETSTRLEN], first[IPDB_ADDRSTRLEN], last[IPDB_ADDRSTRLEN], asn[16];
		char who[CONSTITUENCY_DOMAINLEN + 512];
		struct ipdb_addr base;
		struct constituency_match m;

		lookup_match(l, &l->a[i], &r[i], &m);
		if (r[i].have) {
			ipdb_cidr(&l->a[i], &r[i].first, &r[i].last, &base, net);
			ipdb_addr_format(&r[i].first, first);
			ipdb_addr_format(&r[i].last, last);
		}
		snprintf(asn, sizeof(asn), "%u", (unsigned)r[i].asn);
		if (l->json) {
			struct buf *o = &l->out;
			buf_reset(o);
			buf_puts(o, "{\"ip\":");
			buf_json_str(o, l->text[i], strlen(l->text[i]));
			if (r[i].have) {
				buf_printf(o, ",\"network\":\"%s\",\"range\":\"%s-%s\"", net, first,
					   last);
			} else {
				buf_puts(o, ",\"network\":null,\"range\":null");
			}
			if (r[i].have & IPDB_HAVE_ASN) {
				buf_printf(o, ",\"asn\":%s,\"as_name\":", asn);
				if (r[i].as_name[0])
					buf_json_str(o, r[i].as_name, strlen(r[i].as_name));
				else
					buf_puts(o, "null");
			} else {
				buf_puts(o, ",\"asn\":null,\"as_name\":null");
			}
			if (r[i].have & IPDB_HAVE_COUNTRY)
				buf_printf(o, ",\"country\":\"%s\"", r[i].country);
			else
				buf_puts(o, ",\"country\":null");
			buf_puts(o, ",\"constituency\":");
			match_json(&m, o);
			buf_puts(o, "}\n");
			if (fwrite(o->data, 1, o->len, stdout) != o->len)
				return EXIT_IO;
		} else {
			const char *cells[LOOKUP_COLS] = {
			    l->text[i], r[i].have ? net : NULL,
			    (r[i].have & IPDB_HAVE_ASN) ? asn : NULL,
			    (r[i].have & IPDB_HAVE_ASN) && r[i].as_name[0] ? r[i].as_name : NULL,
			    (r[i].have & IPDB_HAVE_COUNTRY) ? r[i].country : NULL,
			    match_cell(&m, who, sizeof(who))};
			if (cli_table_add(&l->t, cells) != V_OK)
				return EXIT_INTERNAL;
		}
		free(l->text[i]);
		l->text[i] = NULL;
	}
	l->n = 0;
	if (!l->json && l->t.nrows >= TABLE_ROWS)
		lookup_flush_table(l);
	return 0;
}

/* One address as given (s[0..n)): parse it, gather it, run the chunk when full. */
static int lookup_add(struct lookup *l, const char *s, size_t n, const char *where, long line)
{
	if (ipdb_addr_parse(s, n, &l->a[l->n]) != V_OK) {
		if (line)
			log_error(_("%s:%ld: '%.*s' is not an IP address"), where, line,
				  (int)(n > 64 ? 64 : n), s);
		else
			log_error(_("'%.*s' is not an IP address"), (int)(n > 64 ? 64 : n), s);
		l->bad = 1;
		return 0;
	}
	if (!(l->text[l->n] = strndup(s, n)))
		return EXIT_INTERNAL;
	if (++l->n == LOOKUP_CHUNK)
		return lookup_run(l);
	return 0;
}

static int lookup_stdin(struct lookup *l)
{
	char *line = NULL;
	size_t size = 0;
	ssize_t len;
	long no = 0;
	int st = 0;

	while (!st && (len = getline(&line, &size, stdin)) >= 0) {
		char *s = line, *e = line + len;
		no++;
		while (s < e && (*s == ' ' || *s == '\t'))
			s++;
		while (e > s && (e[-1] == '\n' || e[-1] == '\r' || e[-1] == ' ' || e[-1] == '\t'))
			e--;
		if (s == e || *s == '#')
			continue;
		st = lookup_add(l, s, (size_t)(e - s), _("standard input"), no);
	}
	free(line);
	if (!st && ferror(stdin)) {
		log_error(_("standard input: read error"));
		st = EXIT_IO;
	}
	return st;
}

/* The index: --ipdb, else enrich.ipdb, else vigia.ipdb beside --db, else beside the store. */
static void lookup_index_path(const char *flag, const char *db, char *out, size_t n)
{
	const char *conf = conf_get("enrich.ipdb");
	char *copy;

	if (!flag && !(conf && *conf) && db && !strstr(db, "://") && (copy = strdup(db))) {
		snprintf(out, n, "%s/vigia.ipdb", dirname(copy));
		free(copy);
		return;
	}
	ipdb_default_path(flag, out, n);
}

/* The constituency of --db (an error when it cannot be opened), else of the default store when
 * that file exists; *out stays NULL when there is none or it is empty.  0 or an exit status. */
static int lookup_constituency(const char *db, struct constituency **out)
{
	const char *sp = store_default_path(db);
	struct store *st = NULL;
	struct verr e = { 0 };
	size_t orgs = 0, certs = 0;
	int status, rc;

	*out = NULL;
	if (!db && (strstr(sp, "://") || access(sp, F_OK) != 0))
		return 0;
	if ((status = cli_store_open(db, &st)) != 0)
		return status;
	rc = constituency_load(st, out, &e);
	store_close(st);
	if (rc != V_OK) {
		cli_report(&e);
		return cli_status(rc) == EXIT_USAGE ? EXIT_IO : cli_status(rc);
	}
	constituency_counts(*out, &orgs, NULL, &certs);
	if (!orgs && !certs) {
		constituency_free(*out);
		*out = NULL;
	}
	return 0;
}

int cmd_ip(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "json", no_argument, NULL, 'j' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 }
	};
	const char *flag = NULL, *db = NULL;
	struct lookup l;
	struct verr e = { 0 };
	char path[4096];
	int c, status = 0, rc, stdin_seen = 0;

	if ((argc = common_flags(argc, argv, &flag, &status)) < 0 ||
	    (argc = cli_path_flags(argc, argv, "--db", &db, &status)) < 0)
		return status;
	if (argc < 2) {
		ip_usage(stderr);
		return EXIT_USAGE;
	}
	if (!strcmp(argv[1], "--help") || !strcmp(argv[1], "-h") || !strcmp(argv[1], "help")) {
		ip_usage(stdout);
		return 0;
	}
	if (strcmp(argv[1], "lookup")) {
		log_error(_("ip: unknown command '%s' (lookup)"), argv[1]);
		ip_usage(stderr);
		return EXIT_USAGE;
	}
	memset(&l, 0, sizeof(l));
	optind = 1;
	opterr = 0;
	while ((c = getopt_long(argc - 1, argv + 1, "h", opts, NULL)) != -1) {
		switch (c) {
		case 'j': l.json = 1; break;
		case 'h': ip_usage(stdout); return 0;
		default:
			log_error(_("ip lookup: unknown or incomplete option '%s'"), argv[optind]);
			ip_usage(stderr);
			return EXIT_USAGE;
		}
	}
	if (optind >= argc - 1) {
		log_error(_("ip lookup: no addresses (give them, or - to read standard input)"));
		return EXIT_USAGE;
	}
	lookup_index_path(flag, db, path, sizeof(path));
	if ((rc = ipdb_open(path, 0, &l.db, &e)) != V_OK) {
		cli_report(&e);
		return cli_status(rc) == EXIT_USAGE ? EXIT_IO : cli_status(rc);
	}
	if ((status = lookup_constituency(db, &l.cons)) != 0) {
		ipdb_close(l.db);
		return status;
	}
	lookup_table_init(&l);
	buf_init(&l.out, 1u << 20);
	for (int i = optind + 1; i < argc && !status; i++) {
		if (!strcmp(argv[i], "-")) {
			if (stdin_seen++)
				continue;
			status = lookup_stdin(&l);
		} else {
			status = lookup_add(&l, argv[i], strlen(argv[i]), NULL, 0);
		}
	}
	if (!status && l.n)
		status = lookup_run(&l);
	if (!status && !l.json)
		lookup_flush_table(&l);
	if (!status && fflush(stdout) != 0)
		status = EXIT_IO;
	for (size_t i = 0; i < l.n; i++)
		free(l.text[i]);
	cli_table_fini(&l.t);
	buf_fini(&l.out);
	ipdb_close(l.db);
	constituency_free(l.cons);
	if (!status && l.bad)
		status = EXIT_REJECTS;
	return status;
}
