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

/* Handle a "--section.key=value" or "--set key=value" flag; returns 1 if it was one. */
int cli_setting_flag(int argc, char **argv, int *i, int *status);
/* Report a struct verr as "vigia: error: FILE:LINE: FIELD: reason". */
void cli_report(const struct verr *e);

#endif
