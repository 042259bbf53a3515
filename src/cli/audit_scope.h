/*
 * audit_scope.h — where the active checks (`vigia audit web`, `audit proxy`, `audit mail`)
 * may send probes.  A target is in scope when it was given explicitly on the command line
 * (or is a name under one given there), or when the constituency says it belongs to one of
 * the organisations the team serves: a name that is one of their domains or under one, an
 * address inside one of their networks.  Anything else — read from a --targets list or feed,
 * reached through a redirect, found as a domain's mail server — is refused, with the reason
 * naming it, and never probed.
 *
 * The constituency is read from the store (cli_store_open: --db, $VIGIA_DB, store.path) only
 * when asked for (a --db flag or a --targets list); without it only explicit targets pass.
 */
#ifndef VIGIA_CLI_AUDIT_SCOPE_H
#define VIGIA_CLI_AUDIT_SCOPE_H

#include <stddef.h>
#include <time.h>

struct constituency;

struct audit_scope {
	char **hosts;              /* owned: explicit hosts, lower case, no brackets */
	size_t nhosts;
	struct constituency *c;    /* owned; NULL when no constituency was loaded */
	const char *what;          /* borrowed, static: the command, for messages */
};

struct store;
struct verr;

/* An empty scope for the command what ("audit web", ...; static): only what
 * audit_scope_explicit() adds passes.  Release with audit_scope_fini(). */
void audit_scope_init(struct audit_scope *s, const char *what);
/* Read the constituency of st (borrowed; it may be closed afterwards) into s.  V_OK or the
 * store's error (e filled). */
int audit_scope_load(struct audit_scope *s, struct store *st, struct verr *e);
/* The commands' start: audit_scope_init(), then, with load set, the store db (may be NULL:
 * --db, $VIGIA_DB, store.path) opened and its constituency loaded (cmd_audit.c).  Returns 0,
 * or an exit status with the error reported (s is then released). */
int audit_scope_open(struct audit_scope *s, const char *what, int load, const char *db);
void audit_scope_fini(struct audit_scope *s);
/* Note host (a name or an address; copied) as given explicitly.  0, or -1 out of memory. */
int audit_scope_explicit(struct audit_scope *s, const char *host);
/* The host of an http(s) URL into out ("" when there is none); brackets of an IPv6 address
 * removed.  0, or -1 when url has no host. */
int audit_scope_url_host(const char *url, char *out, size_t n);

enum { AUDIT_SCOPE_REFUSED = 0, AUDIT_SCOPE_EXPLICIT, AUDIT_SCOPE_CONSTITUENCY };
/* May host be probed?  addr (may be NULL) is an address host was resolved to, also
 * checked against the constituency's networks.  Returns AUDIT_SCOPE_*; why (n bytes) says
 * why in a sentence for people: the organisation that holds it, or why it was refused. */
int audit_scope_check(const struct audit_scope *s, const char *host, const char *addr, char *why,
		      size_t n);

/* Read a --targets list: one target a line; blank lines and lines starting with '#' are
 * skipped, spaces around a target removed.  OUT: *targets (n strings, each with its line
 * number in *lines; caller frees all with audit_scope_free_list()).  0, or an exit status
 * (reported, naming the file). */
int audit_scope_read_list(const char *path, char ***targets, long **lines, size_t *n);
void audit_scope_free_list(char **targets, long *lines, size_t n);

/* A rate for one of the audit commands: the --rate flag when given (flag, may be NULL), else
 * the setting; 1..100, else an error naming the flag or setting.  0 or EXIT_USAGE. */
int audit_scope_rate(const char *flag, const char *setting, const char *what, int *out);

/* Wait so that calls are at least 1/rate s apart (rate <= 0: 1 a second).  *last is the
 * caller's clock of the previous call, zeroed before the first one (which never waits). */
void audit_scope_pace(struct timespec *last, int rate);

#endif
