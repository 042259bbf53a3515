/*
 * cli.h — the command table and what commands share.
 *
 * Exit codes (documented in docs/vigia.1 and `vigia --help`):
 *   0  success
 *   1  done, but some records were rejected (see the reject file)
 *   2  usage or configuration error
 *   3  input/output error (a file could not be read or written)
 *   4  internal error (out of memory)
 */
#ifndef VIGIA_CLI_CLI_H
#define VIGIA_CLI_CLI_H

#include <stdint.h>
#include <stdio.h>

#define EXIT_REJECTS 1
#define EXIT_USAGE 2
#define EXIT_IO 3
#define EXIT_INTERNAL 4

struct command {
	const char *name;
	int (*run)(int argc, char **argv); /* argv[0] is the command name */
	const char *summary;               /* English; translated when shown */
};

extern const struct command cli_commands[];

int cmd_ingest(int argc, char **argv);
int cmd_feeds(int argc, char **argv);
int cmd_fields(int argc, char **argv);
int cmd_parsers(int argc, char **argv);
int cmd_config(int argc, char **argv);
int cmd_incidents(int argc, char **argv);
int cmd_audit(int argc, char **argv);
/* `vigia audit packages` (cmd_audit_packages.c); argv[0] is "packages". */
int cli_audit_packages(int argc, char **argv);
/* `vigia audit web` (cmd_audit_web.c); argv[0] is "web"; db (may be NULL): the --db of
 * `vigia audit`, whose constituency decides which targets not given explicitly are probed. */
int cli_audit_web(int argc, char **argv, const char *db);
/* `vigia audit proxy` (cmd_audit_proxy.c); argv[0] is "proxy"; db as for audit web. */
int cli_audit_proxy(int argc, char **argv, const char *db);
/* `vigia audit mail` (cmd_audit_mail.c); argv[0] is "mail"; db as for audit web. */
int cli_audit_mail(int argc, char **argv, const char *db);
int cmd_store(int argc, char **argv);
int cmd_risk(int argc, char **argv);
int cmd_events(int argc, char **argv);
int cmd_constituency(int argc, char **argv);
int cmd_ipdb(int argc, char **argv);
int cmd_ip(int argc, char **argv);
int cmd_url(int argc, char **argv);
int cmd_scan(int argc, char **argv);
int cmd_mail(int argc, char **argv);
int cmd_partner(int argc, char **argv);
int cmd_export(int argc, char **argv);
int cmd_import(int argc, char **argv);
int cmd_bundle(int argc, char **argv);
int cmd_notify(int argc, char **argv);
int cmd_account(int argc, char **argv);
int cmd_report(int argc, char **argv);   /* cmd_report.c */
int cmd_serve(int argc, char **argv);
int cmd_taxii(int argc, char **argv);
int cmd_worker(int argc, char **argv);   /* cmd_worker.c */
int cmd_pipeline(int argc, char **argv); /* cmd_worker.c: pipeline status */

/* Handle a "--section.key=value" or "--set key=value" flag; returns 1 if it was one. */
int cli_setting_flag(int argc, char **argv, int *i, int *status);
/* Report a struct verr as "vigia: error: FILE:LINE: FIELD: reason". */
void cli_report(const struct verr *e);
/* The exit status for a vres code: 0; EXIT_USAGE for usage, invalid, not found; EXIT_INTERNAL
 * for out of memory; EXIT_IO for the rest (a store that cannot be read or written). */
int cli_status(int rc);
struct store;
/* Open the store: --db PATH (db may be NULL), else $VIGIA_DB, else store.path; reports the
 * error.  Returns 0 or an exit status.  OUT: *out, caller closes with store_close(). */
int cli_store_open(const char *db, struct store **out);

/* Take the options every store command shares out of argv, wherever they stand (before
 * "--"): settings flags (--section.key=VALUE, --set) and --db PATH / --db=PATH (into *db,
 * borrowed from argv).  Returns the new argc, or -1 with *status set (cmd_incidents.c). */
int cli_common_flags(int argc, char **argv, const char **db, int *status);
/* The same for another path flag (e.g. "--ipdb"): takes FLAG PATH / FLAG=PATH and the
 * settings flags out of argv; *path borrows from argv.  New argc, or -1 with *status set. */
int cli_path_flags(int argc, char **argv, const char *flag, const char **path, int *status);

/* Aligned tables for people (cmd_incidents.c): columns padded to their widest cell in
 * characters, two spaces apart; align[i] 'r' right-aligns column i. */
struct cli_table {
	size_t ncols, nrows, size;
	const char *const *head; /* borrowed: ncols headings (already translated) */
	const char *align;       /* borrowed: ncols letters, 'l' or 'r' */
	char **cells;            /* owned: nrows * ncols */
};
void cli_table_init(struct cli_table *t, size_t ncols, const char *const *head,
		    const char *align);
/* Add a row of ncols cells (copied; NULL shows "-").  V_OK or V_ERR_NOMEM. */
int cli_table_add(struct cli_table *t, const char *const *cells);
void cli_table_print(const struct cli_table *t, FILE *f);
void cli_table_fini(struct cli_table *t);
/* "2026-11-28 14:50" (UTC) into out; "-" for 0. */
void cli_time(int64_t t, char out[32]);
struct buf;
/* An audit entry's change for people, appended to out: "owner: - → ana; priority: 3 → 2"
 * (cmd_audit.c).  before/after: the entry's JSON (may be NULL). */
int cli_audit_change(const char *before, const char *after, struct buf *out);

#endif
