/*
 * cmd_mail.c — `vigia mail analyze FILE.eml|MBOX|MAILDIR|-...`: what a suspicious e-mail
 * tells (src/analyze/mail/mail.h) — Received chain and originating IP, sender domains and
 * their mismatches, Authentication-Results, URLs, attachments — with every attachment put
 * through the malware scanner (src/analyze/malware/scan.h).
 *
 * Text for people, or --json: one object a line per message.  Exit status: 0 every message
 * read, 1 some could not be (named on standard error, the others still analyzed), 2 usage
 * error, 3 a file could not be read.
 */
#include <dirent.h>
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <jansson.h>

#include "analyze/mail/mail.h"
#include "analyze/malware/scan.h"
#include "base/buf.h"
#include "base/conf.h"
#include "base/i18n.h"
#include "base/log.h"
#include "base/utf8.h"
#include "cli/cli.h"
#include "store/store.h"

static void mail_usage(FILE *f)
{
	fprintf(f, _("usage: vigia mail analyze [OPTIONS] FILE.eml|MBOX|MAILDIR|-...\n\n"
		     "Read each message (a file holding one message, an mbox, a maildir or any\n"
		     "directory of message files, or standard input) and show: the Received\n"
		     "chain and the originating public IP, the sender addresses and domains\n"
		     "(From, Return-Path, Reply-To) and their mismatches, the Authentication-\n"
		     "Results recorded by the receiving side, every URL (plain text, and HTML\n"
		     "links whose shown text names another domain), and the attachments (name,\n"
		     "type, size, hashes) with what the malware scanner finds in them.\n\n"
		     "  --json              one JSON object a line per message\n"
		     "  --rules DIR         YARA rules for the attachments (setting scan.rules)\n"
		     "  --no-clamav         do not load ClamAV for the attachments\n"
		     "  --db PATH           the store whose indicators attachment hashes are\n"
		     "                      matched against (default: the store, when it exists)\n"
		     "  --no-store          do not look hashes up\n\n"
		     "Settings: mail.internal_networks (the receiving side's own relays),\n"
		     "mail.max_message, mail.max_parts, mail.max_urls; scan.* for attachments.\n\n"
		     "Exit status: 0 every message read, 1 some could not be read as mail,\n"
		     "2 usage error, 3 a file could not be read.\n"));
}

struct out {
	int json;
	const char *file;
	struct scanner *scanner;
	uint64_t messages;
	struct buf scanned; /* one attachment's findings, for the text output */
	json_t *matches;    /* one attachment's findings, for JSON */
};

/* A JSON string, or null for NULL; bytes that are not UTF-8 (raw 8-bit headers) become '?'. */
static json_t *jstr(const char *s)
{
	json_t *v;
	char *c;

	if (!s)
		return json_null();
	if ((v = json_string(s)))
		return v;
	if (!(c = strdup(s)))
		return json_null();
	for (size_t i = 0, bad; !utf8_valid(c + i, strlen(c + i), &bad); i += bad + 1)
		c[i + bad] = '?';
	v = json_string(c);
	free(c);
	return v ? v : json_null();
}

static void jset(json_t *o, const char *key, const char *s)
{
	json_object_set_new(o, key, jstr(s));
}

static int on_scan(void *arg, const struct scan_result *r)
{
	struct out *o = arg;

	for (size_t i = 0; i < r->nmatch; i++) {
		if (o->json) {
			json_t *m = json_object();
			jset(m, "object", r->object);
			jset(m, "engine", r->match[i].engine);
			jset(m, "name", r->match[i].name);
			jset(m, "detail", r->match[i].detail);
			json_array_append_new(o->matches, m);
		} else {
			buf_printf(&o->scanned, "%s%s:%s", o->scanned.len ? ", " : "",
				   r->match[i].engine, r->match[i].name);
			if (r->depth)
				buf_printf(&o->scanned, _(" in %s"), strchr(r->object, '!') + 1);
		}
	}
	if (r->skipped) {
		if (o->json) {
			json_t *m = json_object();
			jset(m, "object", r->object);
			jset(m, "skipped", r->skipped);
			json_array_append_new(o->matches, m);
		} else {
			buf_printf(&o->scanned, _("%snot scanned whole (%s): %s"),
				   o->scanned.len ? ", " : "", r->object, r->skipped);
		}
	}
	return 0;
}

static void print_json(struct out *o, const struct mail_report *r)
{
	json_t *j = json_object(), *a, *x;
	char *dump;

	jset(j, "file", o->file);
	json_object_set_new(j, "index", json_integer(r->index));
	jset(j, "message_id", r->message_id);
	jset(j, "subject", r->subject);
	jset(j, "date", r->date);
	jset(j, "from", r->from);
	jset(j, "from_domain", r->from_domain);
	jset(j, "return_path", r->return_path);
	jset(j, "return_path_domain", r->return_domain);
	jset(j, "reply_to", r->reply_to);
	jset(j, "reply_to_domain", r->reply_domain);
	json_object_set_new(j, "return_path_mismatch", json_boolean(r->return_mismatch));
	json_object_set_new(j, "reply_to_mismatch", json_boolean(r->reply_mismatch));
	jset(j, "origin_ip", r->origin_ip);
	a = json_array();
	for (size_t i = 0; i < r->nhops; i++) {
		x = json_object();
		jset(x, "from_host", r->hops[i].from_host);
		jset(x, "from_ip", r->hops[i].from_ip);
		jset(x, "by_host", r->hops[i].by_host);
		jset(x, "role", r->hops[i].role);
		json_array_append_new(a, x);
	}
	json_object_set_new(j, "received", a);
	jset(j, "authserv_id", r->auth_serv);
	a = json_array();
	for (size_t i = 0; i < r->nauth; i++) {
		x = json_object();
		jset(x, "method", r->auth[i].method);
		jset(x, "result", r->auth[i].result);
		jset(x, "detail", r->auth[i].detail);
		json_array_append_new(a, x);
	}
	json_object_set_new(j, "authentication", a);
	a = json_array();
	for (size_t i = 0; i < r->nurls; i++) {
		const struct mail_url *u = &r->urls[i];
		x = json_object();
		jset(x, "url", u->url);
		jset(x, "where", u->where);
		jset(x, "text", u->text);
		jset(x, "host", u->host);
		jset(x, "domain", u->domain);
		json_object_set_new(x, "text_mismatch", json_boolean(u->text_mismatch));
		jset(x, "shown_domain", u->shown_domain);
		jset(x, "verdict", u->verdict);
		json_object_set_new(x, "score", json_integer(u->score));
		jset(x, "reasons", u->reasons);
		json_array_append_new(a, x);
	}
	json_object_set_new(j, "urls", a);
	a = json_array();
	for (size_t i = 0; i < r->natt; i++) {
		const struct mail_attachment *t = &r->att[i];
		json_t *m = json_array();
		if (o->scanner && t->data) {
			o->matches = m;
			scanner_scan_mem(o->scanner, t->name[0] ? t->name : "attachment", t->data,
					 t->size, on_scan, o, NULL);
		}
		x = json_object();
		jset(x, "name", t->name);
		jset(x, "type", t->type);
		json_object_set_new(x, "size", json_integer((json_int_t)t->size));
		jset(x, "md5", t->md5);
		jset(x, "sha1", t->sha1);
		jset(x, "sha256", t->sha256);
		json_object_set_new(x, "scan", m);
		json_array_append_new(a, x);
	}
	json_object_set_new(j, "attachments", a);
	json_object_set_new(j, "problems", jstr(r->problems));
	dump = json_dumps(j, JSON_COMPACT | JSON_ENSURE_ASCII);
	if (dump)
		puts(dump);
	free(dump);
	json_decref(j);
}

static const char *orz(const char *s)
{
	return s ? s : "-";
}

static void print_text(struct out *o, const struct mail_report *r)
{
	printf("== %s", o->file);
	printf(_(" (message %ld)"), r->index);
	printf("\n");
	printf(_("subject:        %s\n"), orz(r->subject));
	printf(_("message-id:     %s\n"), orz(r->message_id));
	printf(_("date:           %s\n"), orz(r->date));
	printf(_("from:           %s (%s)\n"), orz(r->from), orz(r->from_domain));
	printf(_("return-path:    %s (%s)%s\n"), orz(r->return_path), orz(r->return_domain),
	       r->return_mismatch ? _("  MISMATCH with From") : "");
	printf(_("reply-to:       %s (%s)%s\n"), orz(r->reply_to), orz(r->reply_domain),
	       r->reply_mismatch ? _("  MISMATCH with From") : "");
	printf(_("origin ip:      %s\n"), orz(r->origin_ip));
	for (size_t i = 0; i < r->nhops; i++)
		printf(_("received %2zu:    from %s [%s] by %s  (%s)\n"), i + 1,
		       orz(r->hops[i].from_host), orz(r->hops[i].from_ip), orz(r->hops[i].by_host),
		       r->hops[i].role);
	if (r->nauth)
		printf(_("authentication: (by %s)"), orz(r->auth_serv));
	for (size_t i = 0; i < r->nauth; i++)
		printf(" %s=%s", r->auth[i].method, r->auth[i].result);
	if (r->nauth)
		printf("\n");
	for (size_t i = 0; i < r->nurls; i++) {
		const struct mail_url *u = &r->urls[i];
		const char *d = u->domain ? u->domain : u->host;
		printf(_("url (%s):     %s  [%s]"), u->where, u->url, orz(d));
		if (u->text_mismatch)
			printf(_("  MISMATCH: shown text names %s"), u->shown_domain);
		printf("\n");
	}
	for (size_t i = 0; i < r->natt; i++) {
		const struct mail_attachment *t = &r->att[i];
		printf(_("attachment:     %s (%s, %zu bytes) sha256 %s"), t->name[0] ? t->name : "-",
		       t->type, t->size, t->sha256);
		if (o->scanner && t->data) {
			buf_reset(&o->scanned);
			scanner_scan_mem(o->scanner, t->name[0] ? t->name : "attachment", t->data,
					 t->size, on_scan, o, NULL);
			printf(": %s", o->scanned.len ? o->scanned.data : _("nothing found"));
		} else if (!t->data) {
			printf(_(": not scanned (larger than scan.max_file)"));
		}
		printf("\n");
	}
	if (r->problems)
		printf(_("problems:       %s\n"), r->problems);
	printf("\n");
}

static int on_report(void *arg, const struct mail_report *r)
{
	struct out *o = arg;

	o->messages++;
	if (o->json)
		print_json(o, r);
	else
		print_text(o, r);
	return 0;
}

/* One file: read it whole (up to mail.max_message) and analyze. */
static int one_file(struct out *o, const struct mail_options *mo, const char *path, FILE *f,
		    uint64_t *bad, uint64_t *unreadable)
{
	long long cap = conf_get_int("mail.max_message");
	struct buf in;
	struct verr e = { 0 };
	char tmp[65536];
	size_t got;
	int rc = V_OK;
	FILE *own = NULL;

	if (!f && !(f = own = fopen(path, "rb"))) {
		log_error(_("%s: cannot read: %s"), path, strerror(errno));
		(*unreadable)++;
		return V_OK;
	}
	buf_init(&in, (size_t)cap);
	while ((got = fread(tmp, 1, sizeof(tmp), f)) > 0)
		if ((rc = buf_append(&in, tmp, got)) != V_OK)
			break;
	if (own)
		fclose(own);
	if (rc == V_ERR_LIMIT) {
		log_error(_("%s: larger than mail.max_message (%s); not read"), path,
			  conf_get("mail.max_message"));
		(*bad)++;
		rc = V_OK;
	} else if (rc == V_OK) {
		uint64_t b0 = *bad;
		o->file = path;
		rc = mail_analyze(mo, path, in.len ? in.data : "", in.len, on_report, o, bad, &e);
		if (*bad > b0)
			cli_report(&e);
		if (rc == V_ERR_PARSE)
			rc = V_OK;
	}
	buf_fini(&in);
	return rc;
}

static int name_cmp(const struct dirent **a, const struct dirent **b)
{
	return strcmp((*a)->d_name, (*b)->d_name);
}

/* A directory: a maildir (its cur/ and new/), or every regular file in it. */
static int one_dir(struct out *o, const struct mail_options *mo, const char *path, uint64_t *bad,
		   uint64_t *unreadable)
{
	static const char *const sub[] = { "cur", "new" };
	struct buf p;
	struct stat st;
	int rc = V_OK, maildir;

	buf_init(&p, 8192);
	buf_printf(&p, "%s/cur", path);
	maildir = stat(p.data, &st) == 0 && S_ISDIR(st.st_mode);
	for (int k = 0; k < (maildir ? 2 : 1) && rc == V_OK; k++) {
		struct dirent **list = NULL;
		struct buf dir;
		int n;
		buf_init(&dir, 8192);
		if (maildir)
			buf_printf(&dir, "%s/%s", path, sub[k]);
		else
			buf_puts(&dir, path);
		if ((n = scandir(dir.data, &list, NULL, name_cmp)) < 0) {
			if (!maildir || errno != ENOENT) {
				log_error(_("%s: cannot read: %s"), dir.data, strerror(errno));
				(*unreadable)++;
			}
			buf_fini(&dir);
			continue;
		}
		for (int i = 0; i < n; i++) {
			if (rc == V_OK && list[i]->d_name[0] != '.') {
				buf_reset(&p);
				buf_printf(&p, "%s/%s", dir.data, list[i]->d_name);
				if (lstat(p.data, &st) == 0 && S_ISREG(st.st_mode))
					rc = one_file(o, mo, p.data, NULL, bad, unreadable);
			}
			free(list[i]);
		}
		free(list);
		buf_fini(&dir);
	}
	buf_fini(&p);
	return rc;
}

static int mail_analyze_cmd(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "json", no_argument, NULL, 'j' },
		{ "rules", required_argument, NULL, 'r' },
		{ "no-clamav", no_argument, NULL, 'C' },
		{ "no-store", no_argument, NULL, 'S' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 }
	};
	struct mail_options mo;
	struct scan_config sc;
	struct store *st = NULL;
	struct out o;
	struct verr e = { 0 };
	const char *db = NULL;
	int c, status = 0, no_store = 0, rc = V_OK;
	uint64_t bad = 0, unreadable = 0;

	memset(&o, 0, sizeof(o));
	if ((argc = cli_common_flags(argc, argv, &db, &status)) < 0)
		return status;
	mail_options_from_settings(&mo);
	scan_config_from_settings(&sc);
	optind = 1;
	opterr = 0;
	while ((c = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
		switch (c) {
		case 'j': o.json = 1; break;
		case 'r': sc.rules_dir = optarg; break;
		case 'C': sc.clamav_db = NULL; break;
		case 'S': no_store = 1; break;
		case 'h': mail_usage(stdout); return 0;
		default:
			log_error(_("mail analyze: unknown option '%s'"), argv[optind - 1]);
			mail_usage(stderr);
			return EXIT_USAGE;
		}
	}
	if (optind >= argc) {
		log_error(_("mail analyze: name at least one message, mailbox or maildir (or -)"));
		mail_usage(stderr);
		return EXIT_USAGE;
	}
	if (!no_store) {
		const char *path = store_default_path(db);
		if (db || access(path, F_OK) == 0) {
			if ((status = cli_store_open(db, &st)) != 0)
				return status;
			sc.store = st;
		}
	}
	if ((rc = scanner_new(&sc, &o.scanner, &e)) != V_OK) {
		cli_report(&e);
		status = rc == V_ERR_NOMEM ? EXIT_INTERNAL : rc == V_ERR_IO ? EXIT_IO : EXIT_USAGE;
		goto out;
	}
	buf_init(&o.scanned, 1 << 20);
	for (int i = optind; i < argc && rc == V_OK; i++) {
		struct stat s;
		if (!strcmp(argv[i], "-"))
			rc = one_file(&o, &mo, _("standard input"), stdin, &bad, &unreadable);
		else if (stat(argv[i], &s) == 0 && S_ISDIR(s.st_mode))
			rc = one_dir(&o, &mo, argv[i], &bad, &unreadable);
		else
			rc = one_file(&o, &mo, argv[i], NULL, &bad, &unreadable);
	}
	buf_fini(&o.scanned);
	fflush(stdout);
	if (rc != V_OK) {
		log_error("%s", vres_str(rc));
		status = cli_status(rc);
		goto out;
	}
	log_info(_("%llu messages analyzed, %llu could not be read as mail, %llu files unreadable"),
		 (unsigned long long)o.messages, (unsigned long long)bad,
		 (unsigned long long)unreadable);
	status = unreadable ? EXIT_IO : bad ? EXIT_REJECTS : 0;
out:
	scanner_free(o.scanner);
	if (st)
		store_close(st);
	return status;
}

int cmd_mail(int argc, char **argv)
{
	if (argc < 2 || !strcmp(argv[1], "--help") || !strcmp(argv[1], "-h")) {
		mail_usage(argc < 2 ? stderr : stdout);
		return argc < 2 ? EXIT_USAGE : 0;
	}
	if (!strcmp(argv[1], "analyze"))
		return mail_analyze_cmd(argc - 1, argv + 1);
	log_error(_("mail: unknown command '%s'"), argv[1]);
	mail_usage(stderr);
	return EXIT_USAGE;
}
