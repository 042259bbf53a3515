/*
 * cmd_scan.c — `vigia scan FILE|DIR...|-`: the malware scanner (src/analyze/malware/scan.h)
 * over files, directories and archive members, one line per match; and `vigia scan
 * --signature-age`: how old the ClamAV databases are (the "outdated antivirus" check).
 *
 * Text output, one line per object and finding (like clamscan):
 *   PATH: OK
 *   PATH!member: FOUND yara:RULE | clamav:SIGNATURE | indicator:sha256 (incidents #3)
 *   PATH: SKIPPED why
 * --json: one object a line.  Exit status: 0 nothing found, 1 something matched or could not
 * be scanned whole, 2 usage error or rules that do not compile, 3 a file could not be read.
 */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "analyze/malware/scan.h"
#include "base/buf.h"
#include "base/conf.h"
#include "base/i18n.h"
#include "base/log.h"
#include "cli/cli.h"
#include "store/store.h"

static void scan_usage(FILE *f)
{
	fprintf(f, _("usage: vigia scan [OPTIONS] FILE|DIR... | -\n"
		     "       vigia scan --signature-age [--clamav-db DIR]\n\n"
		     "Scan files, directories (recursively; symbolic links are not followed) or\n"
		     "standard input with YARA rules, ClamAV signatures, and the MD5, SHA-1 and\n"
		     "SHA-256 hashes against the indicators the store holds.  Zip, tar, gzip,\n"
		     "bzip2 and xz archives are opened and their members scanned too, named\n"
		     "ARCHIVE!MEMBER, within the limits scan.max_depth, scan.max_file,\n"
		     "scan.max_member, scan.max_expanded and scan.max_members.\n\n"
		     "  --rules DIR         YARA rules: every *.yar and *.yara file in DIR\n"
		     "                      (setting scan.rules); compiled once and cached in\n"
		     "                      scan.cache under the rules' hash\n"
		     "  --clamav-db DIR     ClamAV databases (setting scan.clamav_db; default:\n"
		     "                      libclamav's directory, used when it has signatures)\n"
		     "  --no-clamav         do not load ClamAV\n"
		     "  --db PATH           the store whose indicators the hashes are matched\n"
		     "                      against (default: the store, when it exists)\n"
		     "  --no-store          do not look hashes up\n"
		     "  --json              one JSON object a line: object, depth, size, md5, sha1,\n"
		     "                      sha256, verdict (clean, malicious, incomplete),\n"
		     "                      matches [{engine, name, detail}], skipped\n"
		     "  --signature-age     list the ClamAV databases and their age; exit 1 when\n"
		     "                      one is older than scan.signature_max_age, or none is\n"
		     "                      installed\n\n"
		     "Output: 'OBJECT: OK', 'OBJECT: FOUND ENGINE:NAME' (one line per match),\n"
		     "'OBJECT: SKIPPED REASON' for what could not be scanned whole.\n\n"
		     "Exit status: 0 nothing found, 1 a match, or an object not scanned whole,\n"
		     "2 usage error or YARA rules that do not compile, 3 a file could not be read.\n"));
}

struct tally {
	int json;
	uint64_t objects, bytes, found, skipped;
	struct buf line;
};

static const char *verdict(const struct scan_result *r)
{
	if (r->nmatch)
		return "malicious";
	return r->skipped ? "incomplete" : "clean";
}

static int on_result(void *arg, const struct scan_result *r)
{
	struct tally *t = arg;
	struct buf *b = &t->line;

	t->objects++;
	t->bytes += r->size;
	if (r->nmatch)
		t->found++;
	if (r->skipped)
		t->skipped++;
	buf_reset(b);
	if (t->json) {
		buf_puts(b, "{\"object\":");
		buf_json_str(b, r->object, strlen(r->object));
		buf_printf(b, ",\"depth\":%d,\"size\":%llu", r->depth, (unsigned long long)r->size);
		if (r->sha256[0])
			buf_printf(b, ",\"md5\":\"%s\",\"sha1\":\"%s\",\"sha256\":\"%s\"", r->md5,
				   r->sha1, r->sha256);
		else
			buf_puts(b, ",\"md5\":null,\"sha1\":null,\"sha256\":null");
		buf_printf(b, ",\"verdict\":\"%s\",\"matches\":[", verdict(r));
		for (size_t i = 0; i < r->nmatch; i++) {
			const struct scan_match *m = &r->match[i];
			buf_puts(b, i ? ",{\"engine\":" : "{\"engine\":");
			buf_json_str(b, m->engine, strlen(m->engine));
			buf_puts(b, ",\"name\":");
			buf_json_str(b, m->name, strlen(m->name));
			buf_puts(b, ",\"detail\":");
			buf_json_str(b, m->detail, strlen(m->detail));
			buf_putc(b, '}');
		}
		buf_puts(b, "],\"skipped\":");
		if (r->skipped)
			buf_json_str(b, r->skipped, strlen(r->skipped));
		else
			buf_puts(b, "null");
		buf_puts(b, "}\n");
	} else {
		for (size_t i = 0; i < r->nmatch; i++) {
			const struct scan_match *m = &r->match[i];
			buf_printf(b, "%s: FOUND %s:%s", r->object, m->engine, m->name);
			if (m->detail[0])
				buf_printf(b, " (%s)", m->detail);
			buf_putc(b, '\n');
		}
		if (r->skipped)
			buf_printf(b, "%s: SKIPPED %s\n", r->object, r->skipped);
		if (!r->nmatch && !r->skipped)
			buf_printf(b, "%s: OK\n", r->object);
	}
	fwrite(buf_cstr(b), 1, b->len, stdout);
	return 0;
}

struct age {
	int64_t now, max;
	size_t old;
};

static int on_sigdb(void *arg, const struct scan_sigdb *d)
{
	struct age *a = arg;
	char when[32];
	int64_t days = (a->now - d->time) / 86400;
	int old = a->now - d->time > a->max;

	cli_time(d->time, when);
	if (old)
		a->old++;
	if (d->version)
		printf(_("%s: version %u, %u signatures, built %s UTC, %lld days old%s\n"), d->file,
		       d->version, d->sigs, when, (long long)days, old ? _(" (OUTDATED)") : "");
	else
		printf(_("%s: modified %s UTC, %lld days old%s\n"), d->file, when, (long long)days,
		       old ? _(" (OUTDATED)") : "");
	return 0;
}

static int signature_age(const char *dir)
{
	struct age a = { (int64_t)time(NULL), conf_get_int("scan.signature_max_age"), 0 };
	struct verr e = { 0 };
	size_t n = 0;
	int rc;

	if ((rc = scan_sigdb_list(dir, on_sigdb, &a, &n, &e)) != V_OK) {
		cli_report(&e);
		return cli_status(rc) == EXIT_USAGE ? EXIT_IO : cli_status(rc);
	}
	if (n == 0) {
		log_error(_("%s: no ClamAV databases: the antivirus has no signatures"),
			  dir && dir[0] ? dir : scan_clamav_default_dir());
		return EXIT_REJECTS;
	}
	if (a.old) {
		log_warn(_("%zu of %zu ClamAV databases are older than scan.signature_max_age (%s)"),
			 a.old, n, conf_get("scan.signature_max_age"));
		return EXIT_REJECTS;
	}
	return 0;
}

/* Standard input, read whole (up to scan.max_file + 1 bytes, so that a larger input is
 * reported as such). */
static int scan_stdin(struct scanner *s, struct tally *t, struct verr *e)
{
	struct buf in;
	char tmp[65536];
	size_t got;
	long long cap = conf_get_int("scan.max_file");
	int rc = V_OK;

	buf_init(&in, (size_t)cap + 1);
	while ((got = fread(tmp, 1, sizeof(tmp), stdin)) > 0)
		if ((rc = buf_append(&in, tmp, got)) != V_OK)
			break;
	if (rc == V_ERR_LIMIT) {
		struct scan_result r = { 0 };
		char why[160];
		snprintf(why, sizeof(why), _("more than scan.max_file (%lld) bytes"), cap);
		r.object = _("standard input");
		r.skipped = why;
		on_result(t, &r);
		rc = V_OK;
	} else if (rc == V_OK) {
		rc = scanner_scan_mem(s, _("standard input"), in.len ? in.data : "", in.len,
				      on_result, t, e);
	}
	buf_fini(&in);
	return rc;
}

int cmd_scan(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "rules", required_argument, NULL, 'r' },
		{ "clamav-db", required_argument, NULL, 'c' },
		{ "no-clamav", no_argument, NULL, 'C' },
		{ "no-store", no_argument, NULL, 'S' },
		{ "json", no_argument, NULL, 'j' },
		{ "signature-age", no_argument, NULL, 'a' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 }
	};
	struct scan_config cfg;
	struct scanner *s = NULL;
	struct store *st = NULL;
	struct tally t = { 0 };
	struct verr e = { 0 };
	const char *db = NULL;
	int c, status = 0, no_store = 0, no_clamav = 0, age = 0, rc = V_OK;
	uint64_t unreadable = 0;

	if ((argc = cli_common_flags(argc, argv, &db, &status)) < 0)
		return status;
	scan_config_from_settings(&cfg);
	optind = 1;
	opterr = 0;
	while ((c = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
		switch (c) {
		case 'r': cfg.rules_dir = optarg; break;
		case 'c': cfg.clamav_db = optarg; break;
		case 'C': no_clamav = 1; break;
		case 'S': no_store = 1; break;
		case 'j': t.json = 1; break;
		case 'a': age = 1; break;
		case 'h': scan_usage(stdout); return 0;
		default:
			log_error(_("scan: unknown option '%s'"), argv[optind - 1]);
			scan_usage(stderr);
			return EXIT_USAGE;
		}
	}
	if (age) {
		if (optind < argc) {
			log_error(_("scan --signature-age takes no files"));
			return EXIT_USAGE;
		}
		return signature_age(cfg.clamav_db);
	}
	if (optind >= argc) {
		log_error(_("scan: name at least one file or directory (or - for standard input)"));
		scan_usage(stderr);
		return EXIT_USAGE;
	}
	if (no_clamav)
		cfg.clamav_db = NULL;
	if (!no_store) {
		const char *path = store_default_path(db);
		if (db || access(path, F_OK) == 0) {
			if ((status = cli_store_open(db, &st)) != 0)
				return status;
			cfg.store = st;
		}
	}
	if ((rc = scanner_new(&cfg, &s, &e)) != V_OK) {
		cli_report(&e);
		status = rc == V_ERR_NOMEM ? EXIT_INTERNAL : rc == V_ERR_IO ? EXIT_IO : EXIT_USAGE;
		goto out;
	}
	log_debug("%s", scanner_describe(s));
	buf_init(&t.line, 1 << 20);
	for (int i = optind; i < argc && rc == V_OK; i++) {
		if (!strcmp(argv[i], "-"))
			rc = scan_stdin(s, &t, &e);
		else
			rc = scanner_scan_path(s, argv[i], on_result, &t, &unreadable, &e);
	}
	buf_fini(&t.line);
	fflush(stdout);
	if (rc != V_OK) {
		cli_report(&e);
		status = cli_status(rc);
		goto out;
	}
	log_info(_("%llu objects scanned (%llu bytes): %llu with matches, %llu not scanned whole, "
		   "%llu unreadable"),
		 (unsigned long long)t.objects, (unsigned long long)t.bytes,
		 (unsigned long long)t.found, (unsigned long long)t.skipped,
		 (unsigned long long)unreadable);
	if (unreadable)
		status = EXIT_IO;
	else if (t.found || t.skipped)
		status = EXIT_REJECTS;
out:
	scanner_free(s);
	if (st)
		store_close(st);
	return status;
}
