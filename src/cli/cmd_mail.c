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
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <jansson.h>
#include <sodium.h>

#include "analyze/mail/bayes.h"
#include "analyze/mail/mail.h"
#include "analyze/malware/scan.h"
#include "analyze/url/url.h"
#include "base/buf.h"
#include "base/conf.h"
#include "base/i18n.h"
#include "base/log.h"
#include "base/utf8.h"
#include "cases/cases.h"
#include "cli/cli.h"
#include "event/event.h"
#include "pipeline/pipeline.h"
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
		     "  --no-store          do not look hashes up\n"
		     "  --model FILE        classify each message as ham, spam or phish with\n"
		     "                      this model (setting mail.model; vigia mail train)\n\n"
		     "usage: vigia mail train [--corpus DIR] [--out FILE] [--holdout] "
		     "[--split FILE]\n"
		     "                        [--json]\n\n"
		     "Learn the classifier from a labelled corpus (DIR/labels.tsv: label, file;\n"
		     "default ../shared/corpus/email).  --holdout learns from the training half\n"
		     "only (split by a hash of the file name) and prints precision, recall and F1\n"
		     "per class on the other half; --split writes which file went where.\n\n"
		     "usage: vigia mail report [--db PATH] FILE.eml\n\n"
		     "Record a reported phishing message in the store: events for its sender IP,\n"
		     "From (and Reply-To/Return-Path when they differ), URLs (with the URL\n"
		     "analyzer's verdict) and attachment hashes, ONE incident holding them\n"
		     "(audited), and the original message attached to it.  The same message\n"
		     "reported again (same Message-ID, else same From and Subject, while its\n"
		     "incident is not resolved or closed) opens nothing new: the repeat is\n"
		     "counted on the events it gave before (the dedup fingerprint, settings\n"
		     "dedup.fields and dedup.exclude), what is new in this copy is added, and a\n"
		     "note on the incident says so.\n\n"
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
	struct mail_bayes *model; /* the classifier (mail.model), or NULL */
	struct mail_verdict verdict; /* the message's class, when model */
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
	if (o->model && o->verdict.cls >= 0) {
		x = json_object();
		jset(x, "class", mail_class_name(o->verdict.cls));
		for (int c = 0; c < MAIL_NCLASS; c++)
			json_object_set_new(x, mail_class_name(c), json_real(o->verdict.p[c]));
		jset(x, "reasons", o->verdict.reasons);
		json_object_set_new(j, "classification", x);
	}
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
		printf(_("                verdict %s, score %d%s%s\n"), u->verdict, u->score,
		       u->reasons[0] ? ": " : "", u->reasons);
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
	if (o->model && o->verdict.cls >= 0)
		printf(_("class:          %s (%.3f): %s\n"), mail_class_name(o->verdict.cls),
		       o->verdict.p[o->verdict.cls], o->verdict.reasons);
	printf("\n");
}

static int on_report(void *arg, const struct mail_report *r)
{
	struct out *o = arg;

	o->messages++;
	if (o->model) {
		struct mail_tokens t = { 0 };
		int rc = mail_tokens(r, &t);
		if (rc == V_OK)
			mail_bayes_classify(o->model, &t, &o->verdict);
		mail_tokens_fini(&t);
		if (rc != V_OK)
			return rc;
	}
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

/*
 * The URL analyzer for the messages' URLs, from the url.* settings (block and allow lists, the
 * store's phishing feeds when st is open and a list names "store", the lexical model).  OUT:
 * *h and *k (free both with mail_urls_free); err on failure.
 */
static int mail_urls_new(struct store *st, struct url_holder **h, struct url_checker **k,
			 struct verr *err)
{
	struct url_checker_options co = { 0 };
	struct url_lists *ls = NULL;
	size_t bad = 0;
	int rc;

	*h = NULL;
	*k = NULL;
	if ((rc = url_lists_build(conf_get("url.block_lists"), conf_get("url.allow_lists"), st, &ls,
				  &bad, err)) != V_OK)
		return rc;
	if (bad) {
		cli_report(err);
		log_warn(_("url check: %zu list lines could not be read and were skipped"), bad);
	}
	if (!(*h = url_holder_new())) {
		url_lists_release(ls);
		return verr_set(err, V_ERR_NOMEM, "", "%s", vres_str(V_ERR_NOMEM));
	}
	url_holder_set(*h, ls);
	co.lists = *h;
	co.model_path = conf_get("url.model");
	co.psl_path = conf_get("url.psl");
	return url_checker_new(&co, k, err);
}

static void mail_urls_free(struct url_holder *h, struct url_checker *k)
{
	url_checker_free(k);
	url_holder_free(h);
}

static int mail_analyze_cmd(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "json", no_argument, NULL, 'j' },
		{ "rules", required_argument, NULL, 'r' },
		{ "no-clamav", no_argument, NULL, 'C' },
		{ "no-store", no_argument, NULL, 'S' },
		{ "model", required_argument, NULL, 'm' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 }
	};
	struct mail_options mo;
	struct scan_config sc;
	const char *model;
	struct store *st = NULL;
	struct url_holder *uh = NULL;
	struct url_checker *uk = NULL;
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
	model = conf_get("mail.model");
	optind = 1;
	opterr = 0;
	while ((c = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
		switch (c) {
		case 'j': o.json = 1; break;
		case 'r': sc.rules_dir = optarg; break;
		case 'C': sc.clamav_db = NULL; break;
		case 'S': no_store = 1; break;
		case 'm': model = optarg; break;
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
	if ((rc = mail_urls_new(st, &uh, &uk, &e)) != V_OK) {
		cli_report(&e);
		status = rc == V_ERR_NOMEM ? EXIT_INTERNAL : EXIT_IO;
		goto out;
	}
	mo.urls = uk;
	if (model && model[0] && (rc = mail_bayes_load(model, &o.model, &e)) != V_OK) {
		cli_report(&e);
		status = rc == V_ERR_NOMEM ? EXIT_INTERNAL : EXIT_IO;
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
	mail_bayes_free(o.model);
	mail_urls_free(uh, uk);
	if (st)
		store_close(st);
	return status;
}

/* ---- vigia mail train ---------------------------------------------------------------------- */

struct train {
	struct mail_bayes *b;
	int cls;       /* the file's label */
	int learn;     /* 1: learn; 0: classify and count */
	unsigned conf[MAIL_NCLASS][MAIL_NCLASS]; /* [truth][predicted] */
	size_t messages;
};

/* The split: a file is held out when the FNV-1a 32-bit hash of its name (the labels.tsv
 * column) is 0 modulo 3. */
static int held_out(const char *name)
{
	uint32_t h = 2166136261u;

	for (; *name; name++)
		h = (h ^ (unsigned char)*name) * 16777619u;
	return h % 3 == 0;
}

static int on_train(void *arg, const struct mail_report *r)
{
	struct train *t = arg;
	struct mail_tokens k = { 0 };
	int rc = mail_tokens(r, &k);

	if (rc == V_OK && t->learn) {
		rc = mail_bayes_learn(t->b, &k, t->cls);
	} else if (rc == V_OK) {
		struct mail_verdict v;
		mail_bayes_classify(t->b, &k, &v);
		if (v.cls >= 0)
			t->conf[t->cls][v.cls]++;
	}
	t->messages++;
	mail_tokens_fini(&k);
	return rc;
}

static int train_file(struct train *t, const struct mail_options *mo, const char *path,
		      uint64_t *bad)
{
	struct buf in;
	struct verr e = { 0 };
	char tmp[65536];
	size_t got;
	int rc = V_OK;
	FILE *f = fopen(path, "rb");

	if (!f) {
		log_error(_("%s: cannot read: %s"), path, strerror(errno));
		(*bad)++;
		return V_OK;
	}
	buf_init(&in, (size_t)conf_get_int("mail.max_message"));
	while ((got = fread(tmp, 1, sizeof(tmp), f)) > 0)
		if ((rc = buf_append(&in, tmp, got)) != V_OK)
			break;
	fclose(f);
	if (rc == V_OK) {
		uint64_t b0 = *bad;
		rc = mail_analyze(mo, path, in.len ? in.data : "", in.len, on_train, t, bad, &e);
		if (*bad > b0)
			cli_report(&e);
		if (rc == V_ERR_PARSE)
			rc = V_OK;
	} else if (rc == V_ERR_LIMIT) {
		log_error(_("%s: larger than mail.max_message (%s); not read"), path,
			  conf_get("mail.max_message"));
		(*bad)++;
		rc = V_OK;
	}
	buf_fini(&in);
	return rc;
}

/* Precision, recall and F1 per class from the confusion matrix. */
static void train_report(const struct train *t, int json)
{
	json_t *j = json_object(), *cl = json_object();
	unsigned right = 0, n = 0;
	double macro = 0;

	if (!json) {
		printf(_("held-out messages: confusion (rows: truth, columns: predicted)\n"));
		printf("%-8s", "");
		for (int c = 0; c < MAIL_NCLASS; c++)
			printf(" %7s", mail_class_name(c));
		printf("\n");
		for (int a = 0; a < MAIL_NCLASS; a++) {
			printf("%-8s", mail_class_name(a));
			for (int c = 0; c < MAIL_NCLASS; c++)
				printf(" %7u", t->conf[a][c]);
			printf("\n");
		}
		printf("\n| %s | %s | %s | %s | %s |\n|---|---|---|---|---|\n", _("class"),
		       _("precision"), _("recall"), "F1", _("messages"));
	}
	for (int c = 0; c < MAIL_NCLASS; c++) {
		unsigned tp = t->conf[c][c], pred = 0, truth = 0;
		for (int a = 0; a < MAIL_NCLASS; a++) {
			pred += t->conf[a][c];
			truth += t->conf[c][a];
		}
		double p = pred ? (double)tp / pred : 0, r = truth ? (double)tp / truth : 0;
		double f1 = p + r > 0 ? 2 * p * r / (p + r) : 0;
		right += tp;
		n += truth;
		macro += f1 / MAIL_NCLASS;
		if (json) {
			json_t *x = json_object();
			json_object_set_new(x, "precision", json_real(p));
			json_object_set_new(x, "recall", json_real(r));
			json_object_set_new(x, "f1", json_real(f1));
			json_object_set_new(x, "messages", json_integer(truth));
			json_object_set_new(cl, mail_class_name(c), x);
		} else {
			printf("| %s | %.3f | %.3f | %.3f | %u |\n", mail_class_name(c), p, r, f1,
			       truth);
		}
	}
	if (json) {
		char *d;
		json_t *cm = json_array();
		for (int a = 0; a < MAIL_NCLASS; a++) {
			json_t *row = json_array();
			for (int c = 0; c < MAIL_NCLASS; c++)
				json_array_append_new(row, json_integer(t->conf[a][c]));
			json_array_append_new(cm, row);
		}
		json_object_set_new(j, "confusion", cm); /* [truth][predicted]: ham, spam, phish */
		json_object_set_new(j, "classes", cl);
		json_object_set_new(j, "macro_f1", json_real(macro));
		json_object_set_new(j, "accuracy", json_real(n ? (double)right / n : 0));
		json_object_set_new(j, "messages", json_integer(n));
		if ((d = json_dumps(j, JSON_COMPACT)))
			puts(d);
		free(d);
	} else {
		printf(_("\nmacro F1 %.3f, accuracy %.3f over %u held-out messages\n"), macro,
		       n ? (double)right / n : 0, n);
	}
	json_decref(j);
}

static int mail_train_cmd(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "corpus", required_argument, NULL, 'c' },
		{ "out", required_argument, NULL, 'o' },
		{ "holdout", no_argument, NULL, 'H' },
		{ "split", required_argument, NULL, 's' },
		{ "json", no_argument, NULL, 'j' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 }
	};
	const char *shared = getenv("VIGIA_SHARED");
	const char *dir = NULL, *out = NULL, *split = NULL;
	char dflt[4096], path[8192], line[8192];
	struct mail_options mo;
	struct url_holder *uh = NULL;
	struct url_checker *uk = NULL;
	struct train t;
	struct verr e = { 0 };
	FILE *lf = NULL, *sf = NULL;
	uint64_t bad = 0, badrows = 0, files = 0;
	int c, holdout = 0, json = 0, status = 0, rc = V_OK;
	long ln = 0;

	memset(&t, 0, sizeof(t));
	snprintf(dflt, sizeof(dflt), "%s/corpus/email", shared && shared[0] ? shared : "../shared");
	dir = dflt;
	optind = 1;
	opterr = 0;
	while ((c = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
		switch (c) {
		case 'c': dir = optarg; break;
		case 'o': out = optarg; break;
		case 'H': holdout = 1; break;
		case 's': split = optarg; break;
		case 'j': json = 1; break;
		case 'h': mail_usage(stdout); return 0;
		default:
			log_error(_("mail train: unknown option '%s'"), argv[optind - 1]);
			mail_usage(stderr);
			return EXIT_USAGE;
		}
	}
	if (optind < argc) {
		log_error(_("mail train: unexpected argument '%s'"), argv[optind]);
		return EXIT_USAGE;
	}
	if (!out && !holdout) {
		log_error(_("mail train: give --out FILE, --holdout or both"));
		return EXIT_USAGE;
	}
	snprintf(path, sizeof(path), "%s/labels.tsv", dir);
	if (!(lf = fopen(path, "r"))) {
		log_error(_("%s: cannot read: %s"), path, strerror(errno));
		return EXIT_IO;
	}
	if (split && !(sf = fopen(split, "w"))) {
		log_error(_("%s: cannot write: %s"), split, strerror(errno));
		fclose(lf);
		return EXIT_IO;
	}
	mail_options_from_settings(&mo);
	if ((rc = mail_urls_new(NULL, &uh, &uk, &e)) != V_OK || !(t.b = mail_bayes_new())) {
		if (rc != V_OK)
			cli_report(&e);
		status = rc == V_OK || rc == V_ERR_NOMEM ? EXIT_INTERNAL : EXIT_IO;
		goto out;
	}
	mo.urls = uk;
	/* pass 1 learns the training half (everything without --holdout); pass 2 classifies
	 * the held-out half */
	for (int pass = 1; pass <= (holdout ? 2 : 1) && rc == V_OK; pass++) {
		rewind(lf);
		ln = 0;
		t.learn = pass == 1;
		while (rc == V_OK && fgets(line, sizeof(line), lf)) {
			char *label = line, *file, *tab;
			ln++;
			line[strcspn(line, "\r\n")] = 0;
			if (ln == 1 && !strncmp(line, "label\t", 6))
				continue;
			if (!line[0])
				continue;
			if (!(tab = strchr(line, '\t'))) {
				if (pass == 1)
					log_error(_("%s: line %ld: no file column"), path, ln);
				badrows += pass == 1;
				continue;
			}
			*tab = 0;
			file = tab + 1;
			if ((tab = strchr(file, '\t')))
				*tab = 0;
			t.cls = mail_class_parse(label);
			if (t.cls < 0 || !file[0] || strstr(file, "..")) {
				if (pass == 1)
					log_error(_("%s: line %ld: label '%s' is not ham, spam or "
						    "phish, or the file name is empty or leaves the "
						    "corpus"),
						  path, ln, label);
				badrows += pass == 1;
				continue;
			}
			int test = holdout && held_out(file);
			if (pass == 1 && sf)
				fprintf(sf, "%s\t%s\t%s/%s\n", test ? "test" : "train", label, dir,
					file);
			if (test != (pass == 2))
				continue;
			char fp[8192];
			snprintf(fp, sizeof(fp), "%s/%s", dir, file);
			files++;
			rc = train_file(&t, &mo, fp, &bad);
		}
	}
	if (rc != V_OK) {
		log_error("%s", vres_str(rc));
		status = cli_status(rc);
		goto out;
	}
	const size_t *m = mail_bayes_messages(t.b);
	log_info(_("mail train: learned %zu ham, %zu spam, %zu phish messages; %llu files read, "
		   "%llu unreadable, %llu bad label rows"),
		 m[0], m[1], m[2], (unsigned long long)files, (unsigned long long)bad,
		 (unsigned long long)badrows);
	if (holdout)
		train_report(&t, json);
	if (out && (rc = mail_bayes_write(t.b, out, &e)) != V_OK) {
		cli_report(&e);
		status = cli_status(rc);
		goto out;
	}
	status = bad || badrows ? EXIT_REJECTS : 0;
out:
	if (sf && fclose(sf) != 0 && !status)
		status = EXIT_IO;
	fclose(lf);
	mail_bayes_free(t.b);
	mail_urls_free(uh, uk);
	return status;
}

/* ---- vigia mail report ---------------------------------------------------------------------- */

struct mreport {
	struct store *st;
	struct cases_ctx cx;
	const char *path;
	int64_t batch;
	int64_t *ids; /* the message's events */
	size_t nids, cap;
	int64_t incident; /* the last one opened, or found again */
	size_t incidents, events;
	struct fingerprint fp; /* the pipeline's dedup fingerprint (dedup.fields, .exclude) */
	int64_t window_start;  /* > 0: the message was reported before: events since then
				* with the same fingerprint are repeats */
	size_t repeats;        /* events of this message counted as repeats */
	int repeated;          /* the last message was reported before */
	struct buf tmp;
	struct verr *err;
};

/* One event of the reported message: classification phishing (fraud), feed "mail-report",
 * the message's subject and Message-ID, then the pairs key, value (NULL value: skipped). */
static int report_event(struct mreport *m, const struct mail_report *r, const char *what, ...)
{
	struct event *ev = event_new();
	const char *k, *val;
	va_list ap;
	int64_t id;
	int rc = V_OK;

	if (!ev)
		return V_ERR_NOMEM;
	buf_reset(&m->tmp);
	buf_printf(&m->tmp, "reported phishing e-mail: %s", what);
	event_set_str(ev, "feed.name", "mail-report", 0, m->err);
	event_set_str(ev, "classification.taxonomy", "fraud", 0, m->err);
	event_set_str(ev, "classification.type", "phishing", 0, m->err);
	event_set_str(ev, "event_description.text", buf_cstr(&m->tmp), 0, m->err);
	if (r->subject)
		event_set_str(ev, "extra.mail_subject", r->subject, 0, m->err);
	if (r->message_id)
		event_set_str(ev, "extra.mail_message_id", r->message_id, 0, m->err);
	va_start(ap, what);
	while (rc == V_OK && (k = va_arg(ap, const char *))) {
		val = va_arg(ap, const char *);
		if (!val || !val[0])
			continue;
		rc = event_set_str(ev, k, val, EV_OVERWRITE, m->err);
		if (rc == V_SKIP)
			rc = V_OK;
		else if (rc == V_ERR_INVALID) {
			/* a value the field does not take (a URL too odd for source.url, ...): the
			 * rest of the event still goes in, the problem is said */
			log_warn(_("%s: %s: %s not recorded: %s"), m->path, what, k,
				 m->err->reason);
			rc = V_OK;
		}
	}
	va_end(ap);
	if (rc == V_OK) {
		/* the same fingerprint the pipeline's dedup takes: a repeat report of the same
		 * message counts on the events it gave before instead of adding new ones */
		uint64_t fp = fingerprint_event(&m->fp, ev);
		int dup = 0;
		if (m->window_start > 0)
			rc = store_event_put(m->st, m->batch, ev, fp, m->window_start, &id, &dup,
					     m->err);
		else
			rc = store_event_insert(m->st, m->batch, ev, fp, &id, m->err);
		if (dup)
			m->repeats++;
	}
	event_free(ev);
	if (rc != V_OK)
		return rc;
	if (m->nids == m->cap) {
		size_t nc = m->cap ? 2 * m->cap : 16;
		int64_t *n = realloc(m->ids, nc * sizeof(*n));
		if (!n)
			return V_ERR_NOMEM;
		m->ids = n;
		m->cap = nc;
	}
	m->ids[m->nids++] = id;
	m->events++;
	return V_OK;
}

static int on_mreport(void *arg, const struct mail_report *r)
{
	struct mreport *m = arg;
	struct store_incident inc = { 0 };
	struct buf title, key;
	int64_t found = 0;
	int rc;

	m->nids = 0;
	m->repeats = 0;
	m->repeated = 0;
	m->window_start = 0;
	/* the case of a message: its Message-ID, else its From and Subject (what two reporters'
	 * copies of one phishing mail share); an open incident of that key means a repeat */
	buf_init(&key, 4096);
	if (r->message_id && r->message_id[0])
		buf_puts(&key, r->message_id);
	else
		buf_printf(&key, "from:%s subject:%s", r->from ? r->from : "",
			   r->subject ? r->subject : "");
	if ((rc = store_begin(m->st, m->err)) != V_OK) {
		buf_fini(&key);
		return rc;
	}
	rc = store_incident_find_open(m->st, "mail-report", buf_cstr(&key), 0, &found, m->err);
	if (rc == V_OK) {
		struct store_incident old;
		memset(&old, 0, sizeof(old));
		if ((rc = store_incident_get(m->st, found, &old, m->err)) == V_OK) {
			m->repeated = 1;
			m->incident = found;
			/* its events were seen from its first report on */
			m->window_start = old.first_seen > 0 ? old.first_seen : 1;
			store_incident_free(&old);
		}
	} else if (rc == V_ERR_NOTFOUND) {
		rc = V_OK;
	}
	if (rc == V_OK)
		rc = store_batch_start(m->st, "mail-report", m->path, &m->batch, m->err);
	if (rc == V_OK && r->origin_ip)
		rc = report_event(m, r, "sender IP", "source.ip", r->origin_ip, "source.account",
				  r->from, NULL);
	if (rc == V_OK && r->from)
		rc = report_event(m, r, "From", "source.account", r->from, "source.fqdn",
				  strchr(r->from, '@') ? strchr(r->from, '@') + 1 : NULL, NULL);
	if (rc == V_OK && r->reply_to && r->reply_mismatch)
		rc = report_event(m, r, "Reply-To", "source.account", r->reply_to, "source.fqdn",
				  strchr(r->reply_to, '@') ? strchr(r->reply_to, '@') + 1 : NULL,
				  NULL);
	if (rc == V_OK && r->return_path && r->return_mismatch) {
		const char *at = strchr(r->return_path, '@');
		rc = report_event(m, r, "Return-Path", "source.account", r->return_path,
				  "source.fqdn", at ? at + 1 : NULL, NULL);
	}
	for (size_t i = 0; rc == V_OK && i < r->nurls; i++)
		rc = report_event(m, r, "URL", "source.url", r->urls[i].url, "extra.url_verdict",
				  r->urls[i].verdict, "extra.url_reasons", r->urls[i].reasons,
				  NULL);
	for (size_t i = 0; rc == V_OK && i < r->natt; i++)
		rc = report_event(m, r, "attachment", "malware.hash.md5", r->att[i].md5,
				  "malware.hash.sha1", r->att[i].sha1, "malware.hash.sha256",
				  r->att[i].sha256, "extra.mail_attachment", r->att[i].name, NULL);
	buf_init(&title, 4096);
	buf_printf(&title, "Reported phishing e-mail: %s",
		   r->subject ? r->subject : "(no subject)");
	inc.rule = "mail-report";
	inc.key = buf_cstr(&key);
	inc.priority = 3;
	inc.tlp = "AMBER";
	inc.classification_type = "phishing";
	inc.taxonomy = "fraud";
	inc.title = buf_cstr(&title);
	inc.first_seen = inc.last_seen = m->cx.now;
	if (rc == V_OK && !m->repeated)
		rc = cases_open(&m->cx, &inc, &m->incident, m->err);
	buf_fini(&title);
	buf_fini(&key);
	for (size_t i = 0; rc == V_OK && i < m->nids; i++)
		rc = store_incident_add_event(m->st, m->incident, m->ids[i], m->cx.now, m->err);
	if (rc == V_OK) {
		struct store_batch b = { 0 };
		b.id = m->batch;
		b.records = b.events = (int64_t)m->nids;
		b.finished = m->cx.now;
		rc = store_batch_finish(m->st, &b, m->err);
	}
	if (rc == V_OK)
		rc = store_commit(m->st, m->err);
	if (rc != V_OK) {
		store_rollback(m->st);
		return rc;
	}
	m->incidents++;
	if (!m->repeated) {
		printf(_("incident %lld: %zu events from %s (message %ld)\n"),
		       (long long)m->incident, m->nids, m->path, r->index);
		return V_OK;
	}
	printf(_("incident %lld: reported before; %zu events counted again, %zu new, from %s "
		 "(message %ld)\n"),
	       (long long)m->incident, m->repeats, m->nids - m->repeats, m->path, r->index);
	/* the case says so too (audited), after the events' transaction */
	buf_init(&title, 4096);
	buf_printf(&title, "Reported again (%s): %zu events counted again, %zu new.", m->path,
		   m->repeats, m->nids - m->repeats);
	rc = cases_note(&m->cx, m->incident, buf_cstr(&title), NULL, m->err);
	buf_fini(&title);
	return rc;
}

/* store_attachments_list: is the message's hash attached already? */
static int attached_already(void *arg, const char *name, const char *sha256_hex, int64_t size,
			    int64_t time)
{
	(void)name;
	(void)size;
	(void)time;
	return !strcmp(sha256_hex, arg) ? 1 : 0; /* 1 stops the listing: found */
}

static int mail_report_cmd(int argc, char **argv)
{
	struct mail_options mo;
	struct mreport m;
	struct url_holder *uh = NULL;
	struct url_checker *uk = NULL;
	struct verr e = { 0 };
	struct buf in;
	const char *db = NULL, *path, *base;
	char tmp[65536], sha[65];
	uint64_t bad = 0;
	size_t got;
	int status = 0, rc = V_OK;
	FILE *f;

	if ((argc = cli_common_flags(argc, argv, &db, &status)) < 0)
		return status;
	if (argc != 2 || argv[1][0] == '-') {
		if (argc == 2 && !strcmp(argv[1], "--help")) {
			mail_usage(stdout);
			return 0;
		}
		log_error(_("mail report: give one message file (FILE.eml)"));
		return EXIT_USAGE;
	}
	path = argv[1];
	memset(&m, 0, sizeof(m));
	buf_init(&in, (size_t)conf_get_int("mail.max_message"));
	if (!(f = fopen(path, "rb"))) {
		log_error(_("%s: cannot read: %s"), path, strerror(errno));
		buf_fini(&in);
		return EXIT_IO;
	}
	while ((got = fread(tmp, 1, sizeof(tmp), f)) > 0)
		if ((rc = buf_append(&in, tmp, got)) != V_OK)
			break;
	fclose(f);
	if (rc != V_OK) {
		log_error(_("%s: larger than mail.max_message (%s); not read"), path,
			  conf_get("mail.max_message"));
		buf_fini(&in);
		return EXIT_REJECTS;
	}
	if ((status = cli_store_open(db, &m.st)) != 0) {
		buf_fini(&in);
		return status;
	}
	mail_options_from_settings(&mo);
	if ((rc = mail_urls_new(m.st, &uh, &uk, &e)) != V_OK) {
		cli_report(&e);
		status = EXIT_IO;
		goto out;
	}
	mo.urls = uk;
	m.cx.st = m.st;
	m.cx.actor = cases_actor();
	m.cx.now = (int64_t)time(NULL);
	m.path = path;
	m.err = &e;
	if ((rc = fingerprint_init(&m.fp, conf_get("dedup.fields"), conf_get("dedup.exclude"),
				   &e)) != V_OK) {
		cli_report(&e);
		status = cli_status(rc);
		goto out;
	}
	buf_init(&m.tmp, 1 << 16);
	rc = mail_analyze(&mo, path, in.len ? in.data : "", in.len, on_mreport, &m, &bad, &e);
	buf_fini(&m.tmp);
	if (rc != V_OK || bad) {
		cli_report(&e);
		status = rc == V_OK || rc == V_ERR_PARSE ? EXIT_REJECTS : cli_status(rc);
		if (!m.incidents)
			goto out;
	}
	/* the original message, kept with the incident (by SHA-256, once in the store); a
	 * repeat report of the very same file adds nothing, another copy (another reporter's)
	 * is kept too */
	base = strrchr(path, '/') ? strrchr(path, '/') + 1 : path;
	if (m.incidents == 1 && m.repeated) {
		unsigned char h[crypto_hash_sha256_BYTES];
		if (sodium_init() < 0) {
			status = EXIT_INTERNAL;
			goto out;
		}
		crypto_hash_sha256(h, (const unsigned char *)(in.len ? in.data : ""), in.len);
		sodium_bin2hex(sha, sizeof(sha), h, sizeof(h));
		rc = store_attachments_list(m.st, m.incident, attached_already, sha, &e);
		if (rc != V_OK && rc != 1) {
			cli_report(&e);
			status = cli_status(rc);
			goto out;
		}
		if (rc == 1) {
			printf(_("%s (sha256 %s) is attached to incident %lld already\n"), base, sha,
			       (long long)m.incident);
			goto out;
		}
	}
	if (m.incidents == 1 &&
	    (rc = cases_attach(&m.cx, m.incident, base[0] ? base : "message.eml",
			       in.len ? in.data : "", in.len, sha, &e)) != V_OK) {
		cli_report(&e);
		status = cli_status(rc);
		goto out;
	}
	if (m.incidents == 1)
		printf(_("attached %s (sha256 %s) to incident %lld\n"), base, sha,
		       (long long)m.incident);
	else
		log_warn(_("%s: %zu messages: each became an incident; attach the file yourself"),
			 path, m.incidents);
out:
	fingerprint_fini(&m.fp);
	free(m.ids);
	mail_urls_free(uh, uk);
	store_close(m.st);
	buf_fini(&in);
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
	if (!strcmp(argv[1], "train"))
		return mail_train_cmd(argc - 1, argv + 1);
	if (!strcmp(argv[1], "report"))
		return mail_report_cmd(argc - 1, argv + 1);
	log_error(_("mail: unknown command '%s'"), argv[1]);
	mail_usage(stderr);
	return EXIT_USAGE;
}
