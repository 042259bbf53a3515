/*
 * main.c — vigia's one binary: global options, then a git-style subcommand.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/conf.h"
#include "base/err.h"
#include "base/i18n.h"
#include "base/log.h"
#include "cli/cli.h"
#include "store/store.h"
#include "version.h"

const struct command cli_commands[] = {
	{ "ingest", cmd_ingest, N_("read feed files and turn every record into canonical events") },
	{ "feeds", cmd_feeds, N_("list the built-in feed catalogue, or show one definition") },
	{ "parsers", cmd_parsers, N_("list the parsers and the IntelMQ names they accept") },
	{ "fields", cmd_fields, N_("list the canonical event's fields and their types") },
	{ "config", cmd_config, N_("show every setting, its value and where it can be set") },
	{ "incidents", cmd_incidents, N_("list, show and work incidents: state, notes, merge") },
	{ "events", cmd_events, N_("list stored events by address, network, feed, time...") },
	{ "audit", cmd_audit, N_("the audit trail and its verification; the patch audit of installed packages") },
	{ "risk", cmd_risk, N_("the risk register of an organisation: assets, threats, findings, safeguards") },
	{ "store", cmd_store, N_("the store: info, migrate, prune old events") },
	{ "constituency", cmd_constituency,
	  N_("who must be told: organisations, partner CERTs, and matching") },
	{ "ipdb", cmd_ipdb, N_("build, update and describe the IP attribution index") },
	{ "ip", cmd_ip, N_("look addresses up: network, AS, AS name, country") },
	{ "url", cmd_url, N_("check URLs: verdict, score, reasons; train the URL model") },
	{ "mail", cmd_mail, N_("analyze suspicious e-mail: origin, senders, URLs, attachments") },
	{ "scan", cmd_scan, N_("scan files for malware: YARA, ClamAV, known hashes, archives") },
	{ "partner", cmd_partner, N_("the teams vigia shares with and what each may see") },
	{ "export", cmd_export, N_("write incidents for a partner as STIX 2.1, as the policy allows") },
	{ "import", cmd_import, N_("read partners' STIX files into events and incidents") },
	{ "bundle", cmd_bundle, N_("signed offline bundles: keygen, export, import") },
	{ "worker", cmd_worker, N_("run pipeline stages between Redis streams (several machines)") },
	{ "pipeline", cmd_pipeline, N_("the Redis pipeline: streams, groups, pending, lag, workers") },
	{ "notify", cmd_notify,
	  N_("tell network owners and partner CERTs: plan, queue, send, ledger") },
	{ "serve", cmd_serve, N_("serve the JSON API and TAXII 2.1 over HTTP(S)") },
	{ "taxii", cmd_taxii, N_("pull a TAXII 2.1 collection into the store, or push STIX objects to one") },
	{ "report", cmd_report, N_("period and case reports as HTML or PDF") },
	{ "account", cmd_account, N_("accounts and API tokens of the HTTP API and TAXII server") },
	{ NULL, NULL, NULL }
};

static void usage(FILE *f)
{
	fprintf(f, _("usage: vigia [--config FILE] [--log-level LEVEL] [--log-format text|json]\n"
		     "             [--SECTION.KEY=VALUE]... COMMAND [ARGS]\n\n"));
	fprintf(f, _("Commands:\n"));
	for (const struct command *c = cli_commands; c->name; c++)
		fprintf(f, "  %-12s %s\n", c->name, _(c->summary));
	fprintf(f, _("\nRun 'vigia COMMAND --help' for a command's options; 'man vigia' for all.\n"
		     "\nExit status: 0 success, 1 records rejected, 2 usage or configuration error,\n"
		     "3 input/output error, 4 internal error.\n"));
}

void cli_report(const struct verr *e)
{
	if (e->file && e->line > 0 && e->field[0])
		log_error("%s:%ld: %s: %s", e->file, e->line, e->field, e->reason);
	else if (e->file && e->line > 0)
		log_error("%s:%ld: %s", e->file, e->line, e->reason);
	else if (e->file && e->field[0])
		log_error("%s: %s: %s", e->file, e->field, e->reason);
	else if (e->file)
		log_error("%s: %s", e->file, e->reason);
	else if (e->field[0])
		log_error("%s: %s", e->field, e->reason);
	else
		log_error("%s", e->reason);
}

int cli_status(int rc)
{
	switch (rc) {
	case V_OK: return 0;
	case V_ERR_USAGE:
	case V_ERR_INVALID:
	case V_ERR_NOTFOUND: return EXIT_USAGE;
	case V_ERR_NOMEM: return EXIT_INTERNAL;
	default: return EXIT_IO;
	}
}

int cli_store_open(const char *db, struct store **out)
{
	struct verr e = { 0 };
	int rc = store_open(store_default_path(db), out, &e);

	if (rc != V_OK) {
		cli_report(&e);
		return cli_status(rc);
	}
	return 0;
}

int cli_setting_flag(int argc, char **argv, int *i, int *status)
{
	const char *a = argv[*i], *kv = NULL, *eq;
	char name[128];
	struct verr e = { 0 };

	if (!strcmp(a, "--set")) {
		if (*i + 1 >= argc) {
			log_error(_("--set needs KEY=VALUE"));
			*status = EXIT_USAGE;
			return 1;
		}
		kv = argv[++*i];
	} else if (!strncmp(a, "--", 2) && strchr(a, '.') && (eq = strchr(a, '=')) &&
		   strchr(a, '.') < eq) {
		kv = a + 2;
	} else {
		return 0;
	}
	eq = strchr(kv, '=');
	if (!eq || (size_t)(eq - kv) >= sizeof(name)) {
		log_error(_("expected KEY=VALUE, got '%s'"), kv);
		*status = EXIT_USAGE;
		return 1;
	}
	memcpy(name, kv, (size_t)(eq - kv));
	name[eq - kv] = 0;
	/* flags may spell keys with dashes: --ingest.max-line=2M */
	for (char *p = name; *p; p++)
		if (*p == '-')
			*p = '_';
	if (conf_set(name, eq + 1, &e) != V_OK) {
		log_error(_("flag --%s: %s"), name, e.reason);
		*status = EXIT_USAGE;
		return 1;
	}
	return 1;
}

static int apply_logging(void)
{
	enum log_level lvl;
	enum log_format fmt;

	if (log_level_parse(conf_get("log.level"), &lvl) != V_OK ||
	    log_format_parse(conf_get("log.format"), &fmt) != V_OK)
		return -1;
	log_setup(lvl, fmt);
	return 0;
}

int main(int argc, char **argv)
{
	const char *config = NULL;
	int i, status = 0, rc;
	struct verr e = { 0 };

	i18n_init();
	conf_init();
	/* first pass: find --config so that flags given later override the file */
	for (i = 1; i < argc && argv[i][0] == '-'; i++) {
		if (!strcmp(argv[i], "--config") && i + 1 < argc)
			config = argv[++i];
		else if (!strncmp(argv[i], "--config=", 9))
			config = argv[i] + 9;
	}
	if (!config)
		config = conf_default_path();
	if (config && (rc = conf_load(config, &e)) != V_OK) {
		apply_logging();
		cli_report(&e);
		conf_fini();
		return EXIT_USAGE;
	}
	for (i = 1; i < argc && argv[i][0] == '-'; i++) {
		const char *a = argv[i];
		if (!strcmp(a, "--help") || !strcmp(a, "-h")) {
			usage(stdout);
			conf_fini();
			return 0;
		} else if (!strcmp(a, "--version") || !strcmp(a, "-V")) {
			printf("vigia %s\n", VIGIA_VERSION);
			conf_fini();
			return 0;
		} else if (!strcmp(a, "--config")) {
			i++;
		} else if (!strncmp(a, "--config=", 9)) {
			/* done above */
		} else if (!strcmp(a, "--log-level") || !strcmp(a, "--log-format")) {
			if (i + 1 >= argc) {
				log_error(_("%s needs a value"), a);
				return EXIT_USAGE;
			}
			if (conf_set(a[6] == 'l' ? "log.level" : "log.format", argv[++i], &e) != V_OK) {
				log_error("%s: %s", a, e.reason);
				return EXIT_USAGE;
			}
		} else if (!strcmp(a, "-v") || !strcmp(a, "--verbose")) {
			conf_set("log.level", "debug", NULL);
		} else if (!strcmp(a, "-q") || !strcmp(a, "--quiet")) {
			conf_set("log.level", "error", NULL);
		} else if (cli_setting_flag(argc, argv, &i, &status)) {
			if (status) {
				conf_fini();
				return status;
			}
		} else {
			log_error(_("unknown option '%s'"), a);
			usage(stderr);
			conf_fini();
			return EXIT_USAGE;
		}
	}
	apply_logging();
	if (i >= argc) {
		usage(stderr);
		conf_fini();
		return EXIT_USAGE;
	}
	if (!strcmp(argv[i], "help")) {
		if (i + 1 < argc) {
			char *hargv[] = { argv[i + 1], (char *)"--help", NULL };
			for (const struct command *c = cli_commands; c->name; c++)
				if (!strcmp(c->name, argv[i + 1]))
					return c->run(2, hargv);
		}
		usage(stdout);
		conf_fini();
		return 0;
	}
	for (const struct command *c = cli_commands; c->name; c++) {
		if (!strcmp(c->name, argv[i])) {
			rc = c->run(argc - i, argv + i);
			conf_fini();
			return rc;
		}
	}
	log_error(_("'%s' is not a vigia command; see 'vigia --help'"), argv[i]);
	conf_fini();
	return EXIT_USAGE;
}
