/*
 * cmd_serve.c — `vigia serve`: the JSON API, the TAXII 2.1 server and the web UI (src/http) on
 * the configured address until SIGINT or SIGTERM.  --port-file writes the port bound (with
 * --http.port=0 the kernel picks a free one: how the tests start it).
 */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/conf.h"
#include "base/i18n.h"
#include "base/log.h"
#include "cli/cli.h"
#include "http/server.h"
#include "store/store.h"

static void serve_usage(FILE *f)
{
	fputs(_("usage: vigia serve [--db PATH] [--threads N] [--port-file FILE]\n"
	        "Serve the JSON API (/api/v1/, OpenAPI document at /api/v1/openapi.json),\n"
	        "TAXII 2.1 (/taxii2/) and the analysts' web UI (/ui/) until SIGINT or SIGTERM.\n"
	        "Accounts: 'vigia account'.\n"
	        "Settings: http.listen, http.port, http.tls_cert, http.tls_key, http.max_body,\n"
	        "http.max_connections, http.timeout, http.rate_limit, http.token_key,\n"
	        "http.session_ttl, taxii.collections.\n"
	        "Options anywhere: --db PATH, --SECTION.KEY=VALUE.\n"),
	      f);
}

int cmd_serve(int argc, char **argv)
{
	const char *db = NULL, *port_file = NULL;
	struct http_server *s = NULL;
	struct store *st = NULL;
	struct verr e = {0};
	unsigned threads = 2, port = 0;
	sigset_t set;
	int status = 0, sig = 0, rc;

	if ((argc = cli_common_flags(argc, argv, &db, &status)) < 0)
		return status;
	for (int i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "--help") || !strcmp(argv[i], "-h")) {
			serve_usage(stdout);
			return 0;
		} else if (!strcmp(argv[i], "--threads") && i + 1 < argc) {
			char *end;
			long v;

			errno = 0;
			v = strtol(argv[++i], &end, 10);
			if (errno || *end || end == argv[i] || v < 1 || v > 64) {
				log_error(_("serve: --threads is 1..64, not '%s'"), argv[i]);
				return EXIT_USAGE;
			}
			threads = (unsigned)v;
		} else if (!strcmp(argv[i], "--port-file") && i + 1 < argc) {
			port_file = argv[++i];
		} else {
			log_error(_("serve: unknown or incomplete option '%s'"), argv[i]);
			serve_usage(stderr);
			return EXIT_USAGE;
		}
	}
	/* open once here: creates and migrates the store before the workers open theirs */
	if ((status = cli_store_open(db, &st)) != 0)
		return status;
	/* held to the stop: let go of the pages a migration read (http.cache_size) */
	if ((rc = store_cache_limit(st, conf_get_int("http.cache_size"), &e)) != V_OK) {
		cli_report(&e);
		store_close(st);
		return EXIT_IO;
	}
	db = store_default_path(db);
	sigemptyset(&set);
	sigaddset(&set, SIGINT);
	sigaddset(&set, SIGTERM);
	pthread_sigmask(SIG_BLOCK, &set, NULL); /* the workers inherit the mask */
	if ((rc = http_server_start(db, threads, &s, &port, &e)) != V_OK) {
		cli_report(&e);
		store_close(st);
		return rc == V_ERR_USAGE ? EXIT_USAGE : EXIT_IO;
	}
	log_info(_("serving %s on %s port %u (%u threads)"), db, conf_get("http.listen"), port,
	         threads);
	if (port_file) {
		FILE *f = fopen(port_file, "w");

		if (!f || fprintf(f, "%u\n", port) < 0 || fclose(f) != 0) {
			log_error(_("cannot write %s"), port_file);
			http_server_stop(s);
			store_close(st);
			return EXIT_IO;
		}
	}
	sigwait(&set, &sig);
	log_info(_("stopping (signal %d)"), sig);
	http_server_stop(s);
	store_close(st);
	return 0;
}
