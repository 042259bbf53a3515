/*
 * cmd_account.c — `vigia account`: the accounts of the HTTP API and the TAXII server
 * (src/http/auth.h): add, list, remove, and API tokens (made and shown once, revoked).  A
 * partner account names a sharing partner (`vigia partner`), whose rights decide what it
 * sees.  Passwords for the web UI (`passwd`: read from the terminal without echo, or one line
 * of stdin with --stdin; only their argon2id hash reaches the store) and the account's
 * language (`set --lang`).  Every change is written to the audit trail as $VIGIA_USER
 * (cases_actor()); a password never is.
 */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <termios.h>
#include <unistd.h>

#include <sodium.h>

#include <jansson.h>

#include "base/i18n.h"
#include "base/log.h"
#include "cases/cases.h"
#include "cli/cli.h"
#include "http/auth.h"
#include "store/store.h"

static const char *db_flag;

static int report(int rc, const struct verr *e)
{
	if (rc != V_OK)
		cli_report(e);
	return rc == V_ERR_EXISTS ? EXIT_USAGE : cli_status(rc);
}

static void account_usage(FILE *f)
{
	fputs(_("usage: vigia account add NAME --role admin|analyst|partner [--partner PARTNER]\n"
	        "       vigia account list [--json]\n"
	        "       vigia account remove NAME\n"
	        "       vigia account token NAME [--label TEXT]\n"
	        "       vigia account revoke TOKEN-ID\n"
	        "       vigia account passwd NAME [--stdin | --clear]\n"
	        "       vigia account set NAME --lang es|en|default\n"
	        "Accounts of 'vigia serve' (JSON API and TAXII 2.1).  'token' makes an API token\n"
	        "and prints it once: only its hash is stored.  Clients send it as\n"
	        "'Authorization: Bearer TOKEN', or as HTTP Basic with the account name as user.\n"
	        "'passwd' sets the password of the web UI's sign-in (at least 10 characters),\n"
	        "asked twice on the terminal, or read as one line from stdin with --stdin;\n"
	        "an administrator resets a forgotten one the same way.  'set --lang' chooses the\n"
	        "language the web UI speaks to the account ('default': the browser's).\n"
	        "Options anywhere: --db PATH, --SECTION.KEY=VALUE.\n"
	        "Changes are audited as $VIGIA_USER (else the login name).\n"),
	      f);
}

/* Write an audit entry and commit it with the change, or roll both back. */
static int audited(struct store *st, const char *name, const char *action, const char *after,
                   int rc, struct verr *e)
{
	char object[STORE_NAME_MAX + 16];

	snprintf(object, sizeof(object), "account:%s", name);
	if (rc == V_OK)
		rc = store_audit_append(st, cases_actor(), object, action, NULL, after, e);
	if (rc == V_OK)
		return store_commit(st, e);
	store_rollback(st);
	return rc;
}

static int account_add(int argc, char **argv)
{
	static const struct option opts[] = {{"role", required_argument, NULL, 'r'},
	                                     {"partner", required_argument, NULL, 'p'},
	                                     {"help", no_argument, NULL, 'h'},
	                                     {NULL, 0, NULL, 0}};
	const char *role = NULL, *partner = NULL;
	struct store_partner *p = NULL;
	struct store *st;
	struct verr e = {0};
	enum http_role r;
	json_t *after;
	char *js;
	int c, rc, status;

	while ((c = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
		if (c == 'r')
			role = optarg;
		else if (c == 'p')
			partner = optarg;
		else if (c == 'h')
			return account_usage(stdout), 0;
		else
			return log_error(_("account add: unknown or incomplete option '%s'"),
			                 argv[optind - 1]),
			       EXIT_USAGE;
	}
	if (optind + 1 != argc || !role) {
		log_error("%s", _("account add: needs NAME and --role"));
		return EXIT_USAGE;
	}
	if ((rc = http_role_parse(role, &r, &e)) != V_OK)
		return report(rc, &e);
	if ((status = cli_store_open(db_flag, &st)) != 0)
		return status;
	if (r == HTTP_ROLE_PARTNER && partner &&
	    (rc = store_partner_get(st, partner, &p, &e)) != V_OK)
		goto out;
	after = json_pack("{s:s, s:s*}", "role", http_role_name(r), "partner", p ? p->name : NULL);
	js = after ? json_dumps(after, JSON_COMPACT) : NULL;
	json_decref(after);
	if ((rc = store_begin(st, &e)) == V_OK) {
		rc = store_account_add(st, argv[optind], http_role_name(r), p ? p->name : partner,
		                       &e);
		rc = audited(st, argv[optind], "account-add", js, rc, &e);
	}
	free(js);
	if (rc == V_OK)
		log_info(_("account %s added (%s)"), argv[optind], http_role_name(r));
out:
	store_partner_free(p);
	store_close(st);
	return report(rc, &e);
}

struct list_ctx {
	struct cli_table t;
	json_t *arr;
};

static int list_cb(void *arg, const struct store_account *a)
{
	struct list_ctx *l = arg;
	char tokens[24], when[32];
	const char *cells[7];

	snprintf(tokens, sizeof(tokens), "%lld", (long long)a->tokens);
	cli_time(a->created, when);
	cells[0] = a->name;
	cells[1] = a->role;
	cells[2] = *a->partner ? a->partner : NULL;
	cells[3] = tokens;
	cells[4] = when;
	cells[5] = a->has_password ? _("yes") : _("no");
	cells[6] = *a->lang ? a->lang : NULL;
	json_array_append_new(
	    l->arr, json_pack("{s:s, s:s, s:s*, s:I, s:I, s:b, s:o}", "name", a->name, "role",
	                      a->role, "partner", *a->partner ? a->partner : NULL, "tokens",
	                      (json_int_t)a->tokens, "created", (json_int_t)a->created,
	                      "password", a->has_password, "lang",
	                      *a->lang ? json_string(a->lang) : json_null()));
	return cli_table_add(&l->t, cells) == V_OK ? 0 : V_ERR_NOMEM;
}

static int account_list(int argc, char **argv)
{
	const char *head[7] = {_("NAME"),    _("ROLE"),     _("PARTNER"), _("TOKENS"),
	                       _("CREATED"), _("PASSWORD"), _("LANG")};
	struct list_ctx l = {0};
	struct store *st;
	struct verr e = {0};
	int rc, status, json = 0;

	for (int i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "--json")) {
			json = 1;
		} else if (!strcmp(argv[i], "--help") || !strcmp(argv[i], "-h")) {
			account_usage(stdout);
			return 0;
		} else {
			log_error(_("account list: unknown option '%s'"), argv[i]);
			return EXIT_USAGE;
		}
	}
	if ((status = cli_store_open(db_flag, &st)) != 0)
		return status;
	l.arr = json_array();
	cli_table_init(&l.t, 7, head, "lllrlll");
	rc = store_accounts_list(st, list_cb, &l, &e);
	if (rc == V_ERR_NOMEM)
		verr_set(&e, rc, "", "%s", vres_str(rc));
	if (rc == V_OK) {
		if (json) {
			json_dumpf(l.arr, stdout, JSON_INDENT(2));
			fputc('\n', stdout);
		} else {
			cli_table_print(&l.t, stdout);
		}
	}
	json_decref(l.arr);
	cli_table_fini(&l.t);
	store_close(st);
	return report(rc, &e);
}

static int account_remove(int argc, char **argv)
{
	struct store *st;
	struct verr e = {0};
	int rc, status;

	if (argc != 2 || argv[1][0] == '-') {
		if (argc == 2 && (!strcmp(argv[1], "--help") || !strcmp(argv[1], "-h")))
			return account_usage(stdout), 0;
		log_error("%s", _("account remove: needs NAME"));
		return EXIT_USAGE;
	}
	if ((status = cli_store_open(db_flag, &st)) != 0)
		return status;
	if ((rc = store_begin(st, &e)) == V_OK) {
		rc = store_account_remove(st, argv[1], &e);
		rc = audited(st, argv[1], "account-remove", NULL, rc, &e);
	}
	if (rc == V_OK)
		log_info(_("account %s removed, with its tokens"), argv[1]);
	store_close(st);
	return report(rc, &e);
}

static int account_token(int argc, char **argv)
{
	static const struct option opts[] = {{"label", required_argument, NULL, 'l'},
	                                     {"help", no_argument, NULL, 'h'},
	                                     {NULL, 0, NULL, 0}};
	char token[HTTP_TOKEN_LEN + 1], hash[65], after[96];
	const char *label = NULL;
	struct store *st;
	struct verr e = {0};
	int64_t id = 0;
	int c, rc, status;

	while ((c = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
		if (c == 'l')
			label = optarg;
		else if (c == 'h')
			return account_usage(stdout), 0;
		else
			return log_error(_("account token: unknown or incomplete option '%s'"),
			                 argv[optind - 1]),
			       EXIT_USAGE;
	}
	if (optind + 1 != argc) {
		log_error("%s", _("account token: needs NAME"));
		return EXIT_USAGE;
	}
	if ((rc = http_token_new(token, hash, &e)) != V_OK)
		return report(rc, &e);
	if ((status = cli_store_open(db_flag, &st)) != 0)
		return status;
	if ((rc = store_begin(st, &e)) == V_OK) {
		rc = store_token_add(st, argv[optind], hash, label, &id, &e);
		snprintf(after, sizeof(after), "{\"token_id\":%lld}", (long long)id);
		rc = audited(st, argv[optind], "token-add", after, rc, &e);
	}
	if (rc == V_OK) {
		/* the only time the token exists outside the client: stdout, nothing else */
		printf("%s\n", token);
		log_info(_("token %lld made for %s: it is shown once, keep it now"), (long long)id,
		         argv[optind]);
	}
	store_close(st);
	return report(rc, &e);
}

static int account_revoke(int argc, char **argv)
{
	struct store *st;
	struct verr e = {0};
	char *end, after[64];
	long long id;
	int rc, status;

	if (argc != 2) {
		log_error("%s", _("account revoke: needs TOKEN-ID"));
		return EXIT_USAGE;
	}
	if (!strcmp(argv[1], "--help") || !strcmp(argv[1], "-h"))
		return account_usage(stdout), 0;
	errno = 0;
	id = strtoll(argv[1], &end, 10);
	if (errno || end == argv[1] || *end || id <= 0) {
		log_error(_("'%s' is not a token id"), argv[1]);
		return EXIT_USAGE;
	}
	if ((status = cli_store_open(db_flag, &st)) != 0)
		return status;
	snprintf(after, sizeof(after), "{\"token_id\":%lld}", id);
	if ((rc = store_begin(st, &e)) == V_OK) {
		rc = store_token_revoke(st, id, &e);
		rc = audited(st, "-", "token-revoke", after, rc, &e);
	}
	if (rc == V_OK)
		log_info(_("token %lld revoked"), id);
	store_close(st);
	return report(rc, &e);
}

/* Read one line of at most max - 1 bytes from f into buf, without its newline.  0, or -1 at
 * end of input or for a longer line. */
static int read_line(FILE *f, char *buf, size_t max)
{
	size_t n;

	if (!fgets(buf, (int)max, f))
		return -1;
	n = strlen(buf);
	if (n && buf[n - 1] == '\n')
		buf[--n] = 0;
	else if (!feof(f))
		return -1; /* longer than max: refused, not cut */
	if (n && buf[n - 1] == '\r')
		buf[--n] = 0;
	return 0;
}

/* Ask for a password on the terminal without echo.  0, or -1 (no terminal, end of input). */
static int ask_password(FILE *tty, const char *prompt, char *buf, size_t max)
{
	struct termios old, quiet;
	int fd = fileno(tty), rc, echo_off;

	fputs(prompt, stderr);
	fflush(stderr);
	echo_off = tcgetattr(fd, &old) == 0;
	if (echo_off) {
		quiet = old;
		quiet.c_lflag &= ~(tcflag_t)ECHO;
		quiet.c_lflag |= ECHONL;
		tcsetattr(fd, TCSAFLUSH, &quiet);
	}
	rc = read_line(tty, buf, max);
	if (echo_off)
		tcsetattr(fd, TCSAFLUSH, &old);
	return rc;
}

static int account_passwd(int argc, char **argv)
{
	static const struct option opts[] = {{"stdin", no_argument, NULL, 's'},
	                                     {"clear", no_argument, NULL, 'c'},
	                                     {"help", no_argument, NULL, 'h'},
	                                     {NULL, 0, NULL, 0}};
	char pw[HTTP_PASSWORD_MAX + 2], again[HTTP_PASSWORD_MAX + 2], hash[STORE_PWHASH_MAX];
	struct store *st = NULL;
	struct verr e = {0};
	FILE *tty = NULL;
	int c, rc, status, from_stdin = 0, clear = 0;

	while ((c = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
		if (c == 's')
			from_stdin = 1;
		else if (c == 'c')
			clear = 1;
		else if (c == 'h')
			return account_usage(stdout), 0;
		else
			return log_error(_("account passwd: unknown or incomplete option '%s'"),
			                 argv[optind - 1]),
			       EXIT_USAGE;
	}
	if (optind + 1 != argc || (from_stdin && clear)) {
		log_error("%s",
		          _("account passwd: needs NAME, and at most one of --stdin, --clear"));
		return EXIT_USAGE;
	}
	if (!clear) {
		if (from_stdin) {
			if (read_line(stdin, pw, sizeof(pw)) != 0) {
				log_error(_("account passwd: no password on stdin, or longer "
				            "than %d characters"),
				          HTTP_PASSWORD_MAX);
				return EXIT_USAGE;
			}
		} else {
			if (!(tty = fopen("/dev/tty", "r+"))) {
				log_error("%s", _("account passwd: no terminal to ask on "
				                  "(use --stdin)"));
				return EXIT_USAGE;
			}
			rc = ask_password(tty, _("New password: "), pw, sizeof(pw)) != 0 ||
			     ask_password(tty, _("The same again: "), again, sizeof(again)) != 0;
			fclose(tty);
			if (rc || strcmp(pw, again)) {
				sodium_memzero(pw, sizeof(pw));
				sodium_memzero(again, sizeof(again));
				log_error("%s", rc ? _("account passwd: no password given")
				                   : _("account passwd: the two passwords differ"));
				return EXIT_USAGE;
			}
			sodium_memzero(again, sizeof(again));
		}
		rc = http_password_hash(pw, strlen(pw), hash, &e);
		sodium_memzero(pw, sizeof(pw));
		if (rc != V_OK)
			return rc == V_ERR_INVALID ? (cli_report(&e), EXIT_USAGE) : report(rc, &e);
	}
	if ((status = cli_store_open(db_flag, &st)) != 0)
		return status;
	if ((rc = store_begin(st, &e)) == V_OK) {
		rc = store_account_password_set(st, argv[optind], clear ? NULL : hash, &e);
		rc = audited(st, argv[optind], clear ? "password-clear" : "password-set", NULL, rc,
		             &e);
	}
	sodium_memzero(hash, sizeof(hash));
	if (rc == V_OK)
		log_info(clear ? _("the password of %s is removed")
		               : _("the password of %s is set"),
		         argv[optind]);
	store_close(st);
	return report(rc, &e);
}

static int account_set(int argc, char **argv)
{
	static const struct option opts[] = {{"lang", required_argument, NULL, 'l'},
	                                     {"help", no_argument, NULL, 'h'},
	                                     {NULL, 0, NULL, 0}};
	const char *lang = NULL;
	struct store *st;
	struct verr e = {0};
	json_t *after;
	char *js;
	int c, rc, status;

	while ((c = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
		if (c == 'l')
			lang = optarg;
		else if (c == 'h')
			return account_usage(stdout), 0;
		else
			return log_error(_("account set: unknown or incomplete option '%s'"),
			                 argv[optind - 1]),
			       EXIT_USAGE;
	}
	if (optind + 1 != argc || !lang) {
		log_error("%s", _("account set: needs NAME and --lang"));
		return EXIT_USAGE;
	}
	if (!strcmp(lang, "default"))
		lang = NULL;
	else if (strcmp(lang, "es") && strcmp(lang, "en")) {
		log_error(_("account set: the language is es, en or default, not '%s'"), lang);
		return EXIT_USAGE;
	}
	if ((status = cli_store_open(db_flag, &st)) != 0)
		return status;
	after = json_pack("{s:s*}", "lang", lang);
	js = after ? json_dumps(after, JSON_COMPACT) : NULL;
	json_decref(after);
	if ((rc = store_begin(st, &e)) == V_OK) {
		rc = store_account_lang_set(st, argv[optind], lang, &e);
		rc = audited(st, argv[optind], "account-set", js, rc, &e);
	}
	free(js);
	if (rc == V_OK)
		log_info(_("account %s speaks %s"), argv[optind],
		         lang ? lang : _("the browser's language"));
	store_close(st);
	return report(rc, &e);
}

int cmd_account(int argc, char **argv)
{
	static const struct {
		const char *name;
		int (*run)(int argc, char **argv);
	} subs[] = {{"add", account_add},
	            {"list", account_list},
	            {"remove", account_remove},
	            {"token", account_token},
	            {"revoke", account_revoke},
	            {"passwd", account_passwd},
	            {"set", account_set}};
	int status = 0;

	db_flag = NULL;
	if ((argc = cli_common_flags(argc, argv, &db_flag, &status)) < 0)
		return status;
	if (argc >= 2 && (!strcmp(argv[1], "--help") || !strcmp(argv[1], "-h"))) {
		account_usage(stdout);
		return 0;
	}
	for (size_t i = 0; argc >= 2 && i < sizeof(subs) / sizeof(subs[0]); i++)
		if (!strcmp(argv[1], subs[i].name)) {
			optind = 1;
			opterr = 0;
			return subs[i].run(argc - 1, argv + 1);
		}
	if (argc >= 2)
		log_error(_("account: '%s' is not a subcommand (add, list, remove, token, revoke, "
		            "passwd, set)"),
		          argv[1]);
	account_usage(stderr);
	return EXIT_USAGE;
}
