/*
 * cmd_audit_packages.c — `vigia audit packages`: the patch audit.  Reads what is installed
 * (this host's dpkg status by default, or --status FILE: a dpkg status file, `rpm -qa`
 * output or a CycloneDX JSON SBOM), the vulnerability records (--osv FILE|DIR, OSV JSON;
 * --debian-tracker FILE, the Debian Security Tracker JSON), and prints the vulnerable
 * packages: "fix available" apart from "no fix yet", as a table, --json, or --events
 * (IntelMQ JSON lines that `vigia ingest --parser intelmq_json` stores like any feed).
 */
#include <dirent.h>
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "audit/audit.h"
#include "base/buf.h"
#include "base/i18n.h"
#include "base/log.h"
#include "base/utf8.h"
#include "cli/cli.h"
#include "event/event.h"

#define INPUT_MAX ((size_t)1 << 30) /* 1 GiB: the whole OSV Debian dump is ~300 MiB */
#define MAX_SOURCES 64

static void packages_usage(FILE *f)
{
	fprintf(f, _("usage: vigia audit packages [--status FILE] [--osv FILE|DIR]...\n"
		     "                            [--debian-tracker FILE]... [--ecosystem NAME]\n"
		     "                            [--release CODENAME] [--host NAME]\n"
		     "                            [--json | --events]\n\n"
		     "Match the installed packages against vulnerability records, on the SOURCE\n"
		     "package and with dpkg's or rpm's exact version order.\n\n"
		     "  --status FILE          a dpkg status file, `rpm -qa` output or a CycloneDX\n"
		     "                         JSON SBOM (default: /var/lib/dpkg/status)\n"
		     "  --osv FILE|DIR         OSV records: a record, an array of records, or a\n"
		     "                         folder of .json files (repeatable)\n"
		     "  --debian-tracker FILE  the Debian Security Tracker JSON (repeatable)\n"
		     "  --ecosystem NAME       the OSV ecosystem of the inventory (\"Debian:12\");\n"
		     "                         default: from the SBOM or this host's os-release\n"
		     "  --release CODENAME     the Debian release for tracker data (\"bookworm\")\n"
		     "  --host NAME            the host the inventory belongs to (for --events)\n"
		     "  --json                 findings as JSON\n"
		     "  --events               findings as IntelMQ events, one JSON per line\n\n"
		     "Reads files only; nothing goes to the network.\n"
		     "Exit status: 0 done, 1 done but some records were refused, 2 usage,\n"
		     "3 a file could not be read.\n"));
}

struct bad_count {
	size_t shown, total;
};

static void on_bad(void *arg, const struct verr *e)
{
	struct bad_count *b = arg;

	b->total++;
	if (b->shown++ < 20)
		cli_report(e);
	else if (b->shown == 21)
		log_error(_("further refused records are counted, not shown"));
}

static int read_file(const char *path, struct buf *b, struct verr *e)
{
	FILE *f = fopen(path, "rb");
	struct stat st;
	char chunk[65536];
	size_t n;
	int rc = V_OK;

	buf_init(b, INPUT_MAX);
	if (!f) {
		rc = verr_set(e, V_ERR_IO, "", _("cannot open: %s"), strerror(errno));
		e->file = path;
		return rc;
	}
	/* a regular file: room for all of it at once, not a doubling buffer copied over */
	if (fstat(fileno(f), &st) == 0 && S_ISREG(st.st_mode) && st.st_size > 0 &&
	    (size_t)st.st_size < INPUT_MAX)
		buf_reserve(b, (size_t)st.st_size + 1);
	while ((n = fread(chunk, 1, sizeof(chunk), f)) > 0)
		if ((rc = buf_append(b, chunk, n)) != V_OK)
			break;
	if (rc == V_OK && ferror(f))
		rc = V_ERR_IO;
	fclose(f);
	if (rc != V_OK) {
		verr_set(e, rc, "", "%s", rc == V_ERR_LIMIT ? _("file too large") :
				    vres_str(rc));
		e->file = path;
	}
	return rc;
}

static int name_cmp(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Load one OSV file or every *.json in a folder (sorted, so output is reproducible). */
static int load_osv(struct audit_db *db, const char *path, struct bad_count *bc)
{
	struct stat st;
	struct verr e = { 0 };
	struct buf b;
	int rc;

	if (stat(path, &st) == 0 && S_ISDIR(st.st_mode)) {
		DIR *d = opendir(path);
		struct dirent *de;
		char **names = NULL;
		size_t n = 0, size = 0;
		if (!d) {
			log_error("%s: %s", path, strerror(errno));
			return V_ERR_IO;
		}
		while ((de = readdir(d))) {
			size_t l = strlen(de->d_name);
			if (l < 6 || strcmp(de->d_name + l - 5, ".json"))
				continue;
			if (n == size) {
				size = size ? size * 2 : 64;
				char **nn = realloc(names, size * sizeof(*nn));
				if (!nn)
					break;
				names = nn;
			}
			if (!(names[n] = strdup(de->d_name)))
				break;
			n++;
		}
		closedir(d);
		if (n)
			qsort(names, n, sizeof(*names), name_cmp);
		rc = V_OK;
		for (size_t i = 0; i < n; i++) {
			struct buf full;
			buf_init(&full, 4096);
			buf_printf(&full, "%s/%s", path, names[i]);
			if (load_osv(db, buf_cstr(&full), bc) == V_ERR_NOMEM)
				rc = V_ERR_NOMEM;
			buf_fini(&full);
			free(names[i]);
		}
		free(names);
		return rc;
	}
	if ((rc = read_file(path, &b, &e)) == V_OK)
		rc = audit_db_add_osv(db, path, b.data ? b.data : "", b.len, on_bad, bc, &e);
	buf_fini(&b);
	if (rc != V_OK) {
		/* one unreadable file is reported and counted; the others still count */
		cli_report(&e);
		bc->total++;
		db->bad++;
	}
	return rc == V_ERR_NOMEM ? rc : V_OK;
}

static int fnd_cmp(const void *x, const void *y)
{
	const struct audit_finding *a = x, *b = y;
	int r;

	if ((!a->fixed) != (!b->fixed))
		return a->fixed ? -1 : 1;
	if (a->adv->score != b->adv->score)
		return a->adv->score > b->adv->score ? -1 : 1;
	if ((r = strcmp(a->pkg->source, b->pkg->source)))
		return r;
	if ((r = strcmp(a->adv->id, b->adv->id)))
		return r;
	return strcmp(a->pkg->name, b->pkg->name);
}

/* same source package, version and advisory: one line, binary packages listed */
static int same_row(const struct audit_finding *a, const struct audit_finding *b)
{
	return a->adv == b->adv && !strcmp(a->pkg->source, b->pkg->source) &&
	       !strcmp(a->pkg->source_version, b->pkg->source_version);
}

static void severity_text(const struct audit_adv *a, char *out, size_t n)
{
	if (a->score > 0)
		snprintf(out, n, "%.1f %s", a->score, audit_cvss_severity(a->score));
	else
		snprintf(out, n, "%s", a->severity ? a->severity : "-");
}

/* s as a JSON string (null for NULL); bytes that are not UTF-8 (a hostile status file) become
 * '?' so that the report stays JSON. */
static void put_str(struct buf *o, const char *s)
{
	size_t n, bad;

	if (!s) {
		buf_puts(o, "null");
		return;
	}
	n = strlen(s);
	if (utf8_valid(s, n, &bad)) {
		buf_json_str(o, s, n);
		return;
	}
	struct buf fix;
	buf_init(&fix, 0);
	while (!utf8_valid(s, n, &bad)) {
		buf_append(&fix, s, bad);
		buf_putc(&fix, '?');
		s += bad + 1;
		n -= bad + 1;
	}
	buf_append(&fix, s, n);
	buf_json_str(o, buf_cstr(&fix), fix.len);
	buf_fini(&fix);
}

static void put_key_str(struct buf *o, const char *key, const char *s)
{
	buf_puts(o, ", \"");
	buf_puts(o, key);
	buf_puts(o, "\": ");
	put_str(o, s);
}

/* One finding as a JSON object on one line, written straight into o: the report of 26,000
 * findings never becomes a tree (bench/audit.sh, docs/benchmarks.md). */
static void finding_json(struct buf *o, const struct audit_finding *f, size_t nf)
{
	const struct audit_adv *a = f[0].adv;

	buf_puts(o, "{\"source\": ");
	put_str(o, f[0].pkg->source);
	put_key_str(o, "version", f[0].pkg->source_version);
	buf_puts(o, ", \"packages\": [");
	for (size_t i = 0; i < nf; i++) {
		if (i)
			buf_puts(o, ", ");
		put_str(o, f[i].pkg->name);
	}
	buf_putc(o, ']');
	put_key_str(o, "advisory", a->id);
	if (a->aliases)
		put_key_str(o, "aliases", a->aliases);
	put_key_str(o, "ecosystem", a->ecosystem);
	put_key_str(o, "fixed", f[0].fixed);
	if (a->score > 0) {
		buf_printf(o, ", \"cvss\": %.1f", a->score);
		put_key_str(o, "severity", audit_cvss_severity(a->score));
		put_key_str(o, "vector", a->severity);
	} else if (a->severity) {
		put_key_str(o, "severity", a->severity);
	}
	if (a->summary)
		put_key_str(o, "summary", a->summary);
	buf_putc(o, '}');
}

/* The --json report: header fields, then "fix_available" and "no_fix_yet" arrays, one finding
 * a line.  Written through a buffer flushed every 64 KiB.  V_OK or V_ERR_IO. */
static int write_json(const struct audit_inventory *inv, const struct audit_db *db,
		      const struct audit_finding *f, size_t nf, const char *status_path,
		      const char *host, size_t refused)
{
	struct buf o;
	int rc = V_OK;

	buf_init(&o, 0);
	buf_puts(&o, "{\n  \"inventory\": ");
	put_str(&o, status_path);
	buf_puts(&o, ",\n  \"host\": ");
	put_str(&o, host);
	buf_puts(&o, ",\n  \"format\": ");
	put_str(&o, inv->format);
	buf_puts(&o, ",\n  \"ecosystem\": ");
	put_str(&o, inv->ecosystem);
	buf_puts(&o, ",\n  \"release\": ");
	put_str(&o, inv->release);
	buf_printf(&o, ",\n  \"packages\": %zu,\n  \"advisories\": %zu,\n  \"refused\": %zu",
		   inv->n, db->n, refused);
	/* the findings are sorted with every "fix available" first */
	for (int part = 0; part < 2; part++) {
		size_t k = 0;
		buf_printf(&o, ",\n  \"%s\": [", part ? "no_fix_yet" : "fix_available");
		for (size_t i = 0; i < nf;) {
			size_t j = i + 1;
			while (j < nf && same_row(&f[i], &f[j]))
				j++;
			if ((!f[i].fixed) == part) {
				buf_puts(&o, k++ ? ",\n    " : "\n    ");
				finding_json(&o, &f[i], j - i);
			}
			i = j;
			if (o.len >= 65536) {
				if (fwrite(o.data, 1, o.len, stdout) != o.len)
					rc = V_ERR_IO;
				buf_reset(&o);
			}
		}
		buf_puts(&o, k ? "\n  ]" : "]");
	}
	buf_puts(&o, "\n}\n");
	if (o.len && fwrite(o.data, 1, o.len, stdout) != o.len)
		rc = V_ERR_IO;
	buf_fini(&o);
	return rc;
}

/* the CVE to name in events: the advisory id, else its first CVE alias */
static const char *first_cve(const struct audit_adv *a, char *out, size_t n)
{
	const char *c;

	if (!strncmp(a->id, "CVE-", 4))
		return a->id;
	if (a->aliases && (c = strstr(a->aliases, "CVE-"))) {
		size_t l = strcspn(c, ", ");
		snprintf(out, n, "%.*s", (int)(l < n ? l : n - 1), c);
		return out;
	}
	return NULL;
}

static int emit_event(const struct audit_finding *f, size_t nf, const char *host,
		      struct event *ev, struct buf *out)
{
	const struct audit_adv *a = f[0].adv;
	struct verr e = { 0 };
	struct buf bins, text;
	char cve[64], now[32];
	const char *c;
	time_t t = time(NULL);
	struct tm tm;
	int rc = V_OK;

	event_clear(ev);
	buf_init(&bins, 1 << 16);
	buf_init(&text, 1 << 16);
	for (size_t i = 0; i < nf; i++)
		buf_printf(&bins, "%s%s", i ? "," : "", f[i].pkg->name);
	buf_printf(&text, "%s %s: %s", f[0].pkg->source, f[0].pkg->source_version, a->id);
	if (f[0].fixed)
		buf_printf(&text, ", fixed in %s", f[0].fixed);
	else
		buf_puts(&text, ", no fix yet");
	gmtime_r(&t, &tm);
	strftime(now, sizeof(now), "%Y-%m-%dT%H:%M:%S+00:00", &tm);
#define SET(k, v)                                                                              \
	do {                                                                                   \
		const char *v_ = (v);                                                          \
		if (rc == V_OK && v_)                                                          \
			rc = event_set(ev, k, v_, strlen(v_), 0, &e);                          \
	} while (0)
	SET("classification.taxonomy", "vulnerable");
	SET("classification.type", "vulnerable-system");
	SET("classification.identifier", a->id);
	SET("feed.name", "vigia-audit-packages");
	SET("time.observation", now);
	SET("event_description.text", buf_cstr(&text));
	if (host && strchr(host, '.'))
		SET("source.fqdn", host);
	SET("extra.host", host);
	SET("extra.source_package", f[0].pkg->source);
	SET("extra.installed_version", f[0].pkg->source_version);
	SET("extra.packages", buf_cstr(&bins));
	SET("extra.fixed_version", f[0].fixed);
	SET("extra.fix_available", f[0].fixed ? "yes" : "no");
	SET("extra.ecosystem", a->ecosystem);
	if ((c = first_cve(a, cve, sizeof(cve))))
		SET("extra.cve", c);
	if (a->score > 0) {
		if (rc == V_OK)
			rc = event_set_float(ev, "extra.cvss_score", a->score, 0, &e);
		SET("extra.severity", audit_cvss_severity(a->score));
		SET("extra.cvss_vector", a->severity);
	} else {
		SET("extra.severity", a->severity);
	}
#undef SET
	if (rc == V_OK) {
		buf_reset(out);
		if ((rc = event_to_json(ev, out)) == V_OK) {
			fputs(buf_cstr(out), stdout);
			fputc('\n', stdout);
		}
	} else {
		cli_report(&e);
	}
	buf_fini(&bins);
	buf_fini(&text);
	return rc;
}

int cli_audit_packages(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "status", required_argument, NULL, 's' },
		{ "osv", required_argument, NULL, 'o' },
		{ "debian-tracker", required_argument, NULL, 'd' },
		{ "ecosystem", required_argument, NULL, 'e' },
		{ "release", required_argument, NULL, 'r' },
		{ "host", required_argument, NULL, 'H' },
		{ "os-release", required_argument, NULL, 'R' },
		{ "json", no_argument, NULL, 'j' },
		{ "events", no_argument, NULL, 'E' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 }
	};
	const char *status_path = "/var/lib/dpkg/status", *osv[MAX_SOURCES],
		   *tracker[MAX_SOURCES], *ecosystem = NULL, *release = NULL, *host = NULL,
		   *os_release = NULL;
	size_t nosv = 0, ntracker = 0, nf = 0;
	int c, json = 0, events = 0, status = 0, rc, given_status = 0;
	struct audit_inventory inv;
	struct audit_db db;
	struct audit_finding *f = NULL;
	struct bad_count bc = { 0, 0 };
	struct verr e = { 0 };
	struct buf b;
	char hostbuf[256];

	memset(&inv, 0, sizeof(inv));
	memset(&db, 0, sizeof(db));
	optind = 1;
	opterr = 0;
	while ((c = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
		switch (c) {
		case 's': status_path = optarg; given_status = 1; break;
		case 'o':
		case 'd':
			if ((c == 'o' ? nosv : ntracker) >= MAX_SOURCES) {
				log_error(_("audit packages: at most %d files of each kind"),
					  MAX_SOURCES);
				return EXIT_USAGE;
			}
			if (c == 'o')
				osv[nosv++] = optarg;
			else
				tracker[ntracker++] = optarg;
			break;
		case 'e': ecosystem = optarg; break;
		case 'r': release = optarg; break;
		case 'H': host = optarg; break;
		case 'R': os_release = optarg; break;
		case 'j': json = 1; break;
		case 'E': events = 1; break;
		case 'h': packages_usage(stdout); return 0;
		default:
			log_error(_("audit packages: unknown or incomplete option '%s'"),
				  argv[optind - 1]);
			packages_usage(stderr);
			return EXIT_USAGE;
		}
	}
	if (optind < argc) {
		log_error(_("audit packages: unexpected argument '%s'"), argv[optind]);
		return EXIT_USAGE;
	}
	if (json && events) {
		log_error(_("audit packages: --json and --events exclude each other"));
		return EXIT_USAGE;
	}
	if (!nosv && !ntracker) {
		log_error(_("audit packages: give vulnerability records with --osv or "
			    "--debian-tracker"));
		return EXIT_USAGE;
	}

	/* what is installed */
	if ((rc = read_file(status_path, &b, &e)) == V_OK)
		rc = audit_inventory_parse(&inv, status_path, b.data ? b.data : "", b.len, on_bad,
					   &bc, &e);
	buf_fini(&b);
	if (rc != V_OK) {
		cli_report(&e);
		status = rc == V_ERR_NOMEM ? EXIT_INTERNAL : rc == V_ERR_IO ? EXIT_IO : EXIT_USAGE;
		goto out;
	}
	if (ecosystem)
		snprintf(inv.ecosystem, sizeof(inv.ecosystem), "%s", ecosystem);
	if (release)
		snprintf(inv.release, sizeof(inv.release), "%s", release);
	/* this host's inventory: its os-release says which release it is */
	if (!os_release && !given_status)
		os_release = "/etc/os-release";
	if (os_release && (!inv.ecosystem[0] || !inv.release[0])) {
		struct verr oe = { 0 };
		if (read_file(os_release, &b, &oe) == V_OK)
			audit_inventory_os_release(&inv, b.data ? b.data : "", b.len);
		else
			cli_report(&oe);
		buf_fini(&b);
	}
	if (!host) {
		if (!given_status && gethostname(hostbuf, sizeof(hostbuf)) == 0) {
			hostbuf[sizeof(hostbuf) - 1] = 0;
			host = hostbuf;
		} else {
			host = status_path;
		}
	}

	/* what is known to be vulnerable */
	for (size_t i = 0; i < nosv; i++)
		if (load_osv(&db, osv[i], &bc) == V_ERR_NOMEM) {
			status = EXIT_INTERNAL;
			goto out;
		}
	for (size_t i = 0; i < ntracker; i++) {
		struct verr te = { 0 };
		if ((rc = read_file(tracker[i], &b, &te)) == V_OK)
			rc = audit_db_add_debian_tracker(&db, tracker[i], b.data ? b.data : "",
							 b.len, on_bad, &bc, &te);
		buf_fini(&b);
		if (rc != V_OK) {
			cli_report(&te);
			bc.total++;
		}
	}
	audit_db_index(&db);
	if (audit_match(&inv, &db, &f, &nf) != V_OK) {
		log_error("%s", vres_str(V_ERR_NOMEM));
		status = EXIT_INTERNAL;
		goto out;
	}
	if (nf)
		qsort(f, nf, sizeof(*f), fnd_cmp);

	if (json) {
		if (write_json(&inv, &db, f, nf, status_path, host, bc.total) != V_OK)
			status = EXIT_IO;
	} else if (events) {
		struct event *ev = event_new();
		struct buf out;
		buf_init(&out, 1 << 20);
		for (size_t i = 0; ev && i < nf;) {
			size_t j = i + 1;
			while (j < nf && same_row(&f[i], &f[j]))
				j++;
			if (emit_event(&f[i], j - i, host, ev, &out) != V_OK)
				status = EXIT_REJECTS;
			i = j;
		}
		buf_fini(&out);
		event_free(ev);
	} else {
		static const char *const head[] = { N_("PACKAGE"), N_("VERSION"), N_("ADVISORY"),
						    N_("CVE"), N_("FIXED IN"), N_("SEVERITY"),
						    N_("BINARY PACKAGES") };
		const char *th[7];
		struct cli_table t[2];
		size_t rows[2] = { 0, 0 };
		for (size_t i = 0; i < 7; i++)
			th[i] = _(head[i]);
		cli_table_init(&t[0], 7, th, "lllllll");
		cli_table_init(&t[1], 7, th, "lllllll");
		for (size_t i = 0; i < nf;) {
			size_t j = i + 1;
			char sev[64], cve[64];
			struct buf bins;
			buf_init(&bins, 1 << 16);
			while (j < nf && same_row(&f[i], &f[j]))
				j++;
			for (size_t k = i; k < j; k++)
				buf_printf(&bins, "%s%s", k > i ? " " : "", f[k].pkg->name);
			severity_text(f[i].adv, sev, sizeof(sev));
			const char *cells[] = { f[i].pkg->source, f[i].pkg->source_version,
						f[i].adv->id, first_cve(f[i].adv, cve, sizeof(cve)),
						f[i].fixed, sev, buf_cstr(&bins) };
			cli_table_add(&t[f[i].fixed ? 0 : 1], cells);
			rows[f[i].fixed ? 0 : 1]++;
			buf_fini(&bins);
			i = j;
		}
		printf(_("%zu packages (%s%s%s) against %zu advisories from %zu records\n"), inv.n,
		       inv.format, inv.ecosystem[0] ? ", " : "", inv.ecosystem, db.n, db.records);
		printf(_("\nFix available: %zu\n"), rows[0]);
		if (rows[0])
			cli_table_print(&t[0], stdout);
		printf(_("\nNo fix yet: %zu\n"), rows[1]);
		if (rows[1])
			cli_table_print(&t[1], stdout);
		cli_table_fini(&t[0]);
		cli_table_fini(&t[1]);
	}
	if (!status && bc.total) {
		log_warn(ngettext("%zu record was refused", "%zu records were refused",
				  (unsigned long)bc.total), bc.total);
		status = EXIT_REJECTS;
	}
out:
	free(f);
	audit_db_fini(&db);
	audit_inventory_fini(&inv);
	return status;
}
