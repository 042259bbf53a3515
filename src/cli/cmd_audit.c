/*
 * cmd_audit.c — `vigia audit`: the audit trail (every change to an incident: who, when, what,
 * before → after), and the check that nobody edited or removed an entry since it was written
 * (each entry carries the hash of the one before it; the store recomputes the chain).
 * The prevention checks share the group: `vigia audit packages` (cmd_audit_packages.c) and
 * `vigia audit web` (cmd_audit_web.c), `vigia audit proxy` (cmd_audit_proxy.c),
 * `vigia audit mail` (cmd_audit_mail.c).
 */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "base/buf.h"
#include "base/i18n.h"
#include "base/log.h"
#include "cases/cases.h"
#include "cli/audit_scope.h"
#include "cli/cli.h"
#include "store/store.h"

static void audit_usage(FILE *f)
{
	fprintf(f, _("usage: vigia audit verify [--db PATH]\n"
		     "       vigia audit log [--object incident:ID] [--json] [--db PATH]\n"
		     "       vigia audit packages [--status FILE] [--osv FILE|DIR]...\n"
		     "                            [--debian-tracker FILE]... [--json|--events]\n"
		     "       vigia audit web [--json|--events] URL...\n"
		     "       vigia audit proxy [--json|--events] HOST:PORT...\n"
		     "       vigia audit mail [--json|--events] DOMAIN|HOST...\n\n"
		     "  verify  recompute the hash chain of the audit trail: exit status 0\n"
		     "          when it verifies, 1 when an entry was changed or removed\n"
		     "          (the first one is named on standard error)\n"
		     "  log     the audit trail, oldest first: time, actor, object, action,\n"
		     "          and the changed fields before and after\n"
		     "  packages  the patch audit: installed packages against OSV and Debian\n"
		     "          Security Tracker records (see vigia audit packages --help)\n"
		     "  web     web-site checks: Observatory grade, TLS, exposed files; probes\n"
		     "          only the URLs given (see vigia audit web --help)\n"
		     "  proxy   open HTTP and SOCKS proxies, proven by a canary; probes only\n"
		     "          the targets given (see vigia audit proxy --help)\n"
		     "  mail    SPF, DMARC and the open-relay probe (never DATA); probes\n"
		     "          only the domains given (see vigia audit mail --help)\n\n"
		     "Exit status: 0 verified, 1 the chain is broken, 2 usage, 3 store error.\n"));
}

static int has_control(const char *s)
{
	for (; *s; s++)
		if ((unsigned char)*s < 0x20 || *s == 0x7f)
			return 1;
	return 0;
}

/* A value for people: text as it is (JSON when it holds control characters), null as "-",
 * numbers and objects as JSON; cut after 80 characters. */
static void value_text(const json_t *v, struct buf *out)
{
	const char *s = json_string_value(v);
	char *j = NULL;
	size_t start = out->len, n;

	if (!v || json_is_null(v)) {
		buf_putc(out, '-');
		return;
	}
	if (s && !has_control(s)) {
		buf_puts(out, s);
	} else if ((j = json_dumps(v, JSON_COMPACT | JSON_ENCODE_ANY))) {
		buf_puts(out, j);
		free(j);
	}
	/* at most 80 characters (UTF-8 aware) */
	n = 0;
	for (size_t i = start; i < out->len; i++) {
		if (((unsigned char)out->data[i] & 0xc0) != 0x80 && ++n > 80) {
			out->len = i;
			out->data[i] = 0;
			buf_puts(out, "…");
			break;
		}
	}
}

int cli_audit_change(const char *before, const char *after, struct buf *out)
{
	json_t *b = before ? json_loads(before, 0, NULL) : NULL;
	json_t *a = after ? json_loads(after, 0, NULL) : NULL;
	const char *key;
	json_t *v;
	int first = 1;

	/* every field in the entry, in the order the store keeps them (sorted) */
	json_object_foreach(a, key, v) {
		json_t *old = json_object_get(b, key);
		buf_printf(out, "%s%s: ", first ? "" : "; ", key);
		if (old) {
			value_text(old, out);
			buf_puts(out, " → ");
		}
		value_text(v, out);
		first = 0;
	}
	json_object_foreach(b, key, v) {
		if (json_object_get(a, key))
			continue;
		buf_printf(out, "%s%s: ", first ? "" : "; ", key);
		value_text(v, out);
		buf_puts(out, " → -");
		first = 0;
	}
	if (!a && !b && (before || after))
		buf_printf(out, "%s → %s", before ? before : "-", after ? after : "-");
	json_decref(a);
	json_decref(b);
	return V_OK;
}

static int verify(const char *db)
{
	struct store *st = NULL;
	struct verr e = { 0 };
	int64_t checked = 0, bad = 0;
	int rc, status;

	if ((status = cli_store_open(db, &st)))
		return status;
	rc = store_audit_verify(st, &checked, &bad, &e);
	if (rc == V_OK) {
		printf(ngettext("audit trail verified: %lld entry\n",
				"audit trail verified: %lld entries\n", (unsigned long)checked),
		       (long long)checked);
	} else if (bad) {
		cli_report(&e); /* the reason names the first entry that does not verify */
		status = 1;
	} else {
		cli_report(&e);
		status = cli_status(rc);
	}
	store_close(st);
	return status;
}

struct log_out {
	struct cli_table t;
	struct buf change;
	json_t *arr;
	int failed;
};

static int log_row(void *arg, const struct store_audit *a)
{
	struct log_out *l = arg;
	char id[24], when[32];

	if (l->arr) {
		json_t *o = cases_audit_json(a);
		if (!o || json_array_append_new(l->arr, o))
			return l->failed = V_ERR_NOMEM;
		return 0;
	}
	snprintf(id, sizeof(id), "%lld", (long long)a->id);
	cli_time(a->time, when);
	buf_reset(&l->change);
	cli_audit_change(a->before, a->after, &l->change);
	const char *cells[] = { id, when, a->actor, a->object, a->action,
				buf_cstr(&l->change) };
	if (cli_table_add(&l->t, cells) != V_OK)
		return l->failed = V_ERR_NOMEM;
	return 0;
}

static int show_log(int argc, char **argv, const char *db)
{
	static const struct option opts[] = {
		{ "object", required_argument, NULL, 'o' },
		{ "json", no_argument, NULL, 'j' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 }
	};
	static const char *const head[] = { N_("ID"), N_("TIME"), N_("ACTOR"), N_("OBJECT"),
					    N_("ACTION"), N_("CHANGE (BEFORE → AFTER)") };
	const char *th[6];
	const char *object = NULL;
	struct store *st = NULL;
	struct verr e = { 0 };
	struct log_out l;
	int c, rc, status = 0;

	memset(&l, 0, sizeof(l));
	optind = 1;
	opterr = 0;
	while ((c = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
		switch (c) {
		case 'o': object = optarg; break;
		case 'j': l.arr = json_array(); break;
		case 'h': audit_usage(stdout); json_decref(l.arr); return 0;
		default:
			log_error(_("audit log: unknown or incomplete option '%s'"),
				  argv[optind - 1]);
			audit_usage(stderr);
			json_decref(l.arr);
			return EXIT_USAGE;
		}
	}
	if (optind < argc) {
		log_error(_("audit log: unexpected argument '%s'"), argv[optind]);
		json_decref(l.arr);
		return EXIT_USAGE;
	}
	if ((status = cli_store_open(db, &st))) {
		json_decref(l.arr);
		return status;
	}
	for (size_t i = 0; i < 6; i++)
		th[i] = _(head[i]);
	cli_table_init(&l.t, 6, th, "rlllll");
	buf_init(&l.change, 0);
	rc = store_audit_list(st, object, log_row, &l, &e);
	if (l.failed)
		rc = verr_set(&e, V_ERR_NOMEM, NULL, "%s", vres_str(V_ERR_NOMEM));
	if (rc != V_OK) {
		cli_report(&e);
		status = cli_status(rc);
	} else if (l.arr) {
		if (json_dumpf(l.arr, stdout, JSON_INDENT(2)) == 0)
			fputc('\n', stdout);
		else
			status = EXIT_IO;
	} else if (!l.t.nrows) {
		printf(_("The audit trail is empty.\n"));
	} else {
		cli_table_print(&l.t, stdout);
	}
	json_decref(l.arr);
	cli_table_fini(&l.t);
	buf_fini(&l.change);
	store_close(st);
	return status;
}

int audit_scope_open(struct audit_scope *s, const char *what, int load, const char *db)
{
	struct store *st = NULL;
	struct verr e = { 0 };
	int status, rc;

	audit_scope_init(s, what);
	if (!load)
		return 0;
	if ((status = cli_store_open(db, &st)) != 0)
		return status;
	rc = audit_scope_load(s, st, &e);
	store_close(st);
	if (rc != V_OK) {
		cli_report(&e);
		audit_scope_fini(s);
		return cli_status(rc);
	}
	return 0;
}

int cmd_audit(int argc, char **argv)
{
	const char *db = NULL;
	int status = 0;

	if ((argc = cli_common_flags(argc, argv, &db, &status)) < 0)
		return status;
	if (argc >= 2 && (!strcmp(argv[1], "--help") || !strcmp(argv[1], "-h") ||
			  !strcmp(argv[1], "help"))) {
		audit_usage(stdout);
		return 0;
	}
	if (argc >= 2 && !strcmp(argv[1], "verify")) {
		if (argc > 2 && (!strcmp(argv[2], "--help") || !strcmp(argv[2], "-h"))) {
			audit_usage(stdout);
			return 0;
		}
		if (argc > 2) {
			log_error(_("audit verify: unexpected argument '%s'"), argv[2]);
			return EXIT_USAGE;
		}
		return verify(db);
	}
	if (argc >= 2 && !strcmp(argv[1], "log"))
		return show_log(argc - 1, argv + 1, db);
	if (argc >= 2 && !strcmp(argv[1], "packages"))
		return cli_audit_packages(argc - 1, argv + 1);
	if (argc >= 2 && !strcmp(argv[1], "web"))
		return cli_audit_web(argc - 1, argv + 1, db);
	if (argc >= 2 && !strcmp(argv[1], "proxy"))
		return cli_audit_proxy(argc - 1, argv + 1, db);
	if (argc >= 2 && !strcmp(argv[1], "mail"))
		return cli_audit_mail(argc - 1, argv + 1, db);
	if (argc >= 2)
		log_error(_("audit: '%s' is not a subcommand (verify, log, packages, web, proxy, mail)"),
			  argv[1]);
	audit_usage(stderr);
	return EXIT_USAGE;
}
