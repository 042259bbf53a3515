/*
 * cmd_audit_mail.c — `vigia audit mail DOMAIN|HOST...`: the mail checks of a domain.  Its SPF
 * and DMARC records, looked up through ldns (a given resolver or /etc/resolv.conf),
 * parsed and judged (missing, +all/?all, p=none, syntax errors, more than 10 lookups); then
 * the open-relay probe on its mail server (the lowest MX, the host itself, or --smtp): MAIL
 * FROM and RCPT TO between two outside addresses, never DATA.  Findings print as a list, JSON,
 * or IntelMQ events for `vigia ingest`.
 */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <arpa/inet.h>

#include <jansson.h>
#include <libpsl.h>

#include "audit/audit.h"
#include "base/buf.h"
#include "base/i18n.h"
#include "base/log.h"
#include "cli/audit_scope.h"
#include "cli/cli.h"
#include "event/event.h"

static void mail_usage(FILE *f)
{
	fprintf(f,
	        _("usage: vigia audit mail [--json | --events] [--resolver ADDR[@PORT]]\n"
	          "                        [--smtp HOST[:PORT]] [--no-relay] [--timeout SECONDS]\n"
	          "                        [--relay-from ADDRESS] [--relay-to ADDRESS] [--rate N]\n"
	          "                        [--targets FILE] [--db PATH] DOMAIN|HOST...\n\n"
	          "Check the mail set-up of each domain: its SPF record (missing, several,\n"
	          "syntax errors, +all or ?all, no all, ptr, more than 10 DNS lookups through\n"
	          "include and redirect) and its DMARC record (missing, syntax errors,\n"
	          "p=none, sp=none, pct below 100, no rua), through ldns; then whether its\n"
	          "mail server (lowest MX, else the host itself, or --smtp) is an open\n"
	          "relay: MAIL FROM and RCPT TO between two outside addresses, then RSET and\n"
	          "QUIT.  DATA is never sent: no mail is ever relayed.\n\n"
	          "Probes go ONLY to the domains and hosts given here and to those of your\n"
	          "constituency: give only those listed in your constituency (vigia\n"
	          "constituency) or that you are allowed to test.  A domain read from\n"
	          "--targets, or a mail server found in DNS outside the domain given, is\n"
	          "probed only when the constituency in the store (--db) lists its domain or\n"
	          "the network of its address, and is refused, named, otherwise.  At most N\n"
	          "domains per second (--rate, default: the setting audit.mail_rate, 1), each\n"
	          "step limited by the timeout (default 10 s).\n\n"
	          "  --resolver ADDR[@PORT]  send every DNS query to this resolver\n"
	          "  --smtp HOST[:PORT]      probe this mail server (default port 25)\n"
	          "  --no-relay              DNS checks only\n"
	          "  --targets FILE          more domains, one a line: constituency only\n"
	          "  --db PATH               the store whose constituency decides\n"
	          "  --rate N                domains per second (1 to 100)\n"
	          "  --relay-from ADDRESS    default relay-probe@example.net\n"
	          "  --relay-to ADDRESS      default relay-probe@example.com\n"
	          "  --json                  results as JSON\n"
	          "  --events                findings as IntelMQ events, one JSON per line\n\n"
	          "Exit status: 0 every domain checked, 1 some DNS query or mail server\n"
	          "failed or a target was refused, 2 usage, 3 the resolver could not be set\n"
	          "up.\n"));
}

static void emit_events(const char *domain, const char *relay_ip, const char *relay_port,
                        const struct audit_mail_report *r, struct event *ev, struct buf *out)
{
	char now[32];
	time_t t = time(NULL);
	struct tm tm;

	gmtime_r(&t, &tm);
	strftime(now, sizeof(now), "%Y-%m-%dT%H:%M:%S+00:00", &tm);
	for (size_t i = 0; i < r->n; i++) {
		const struct audit_mail_finding *f = &r->f[i];
		struct verr e = {0};
		int rc = V_OK, relay = !strcmp(f->id, "open-relay");
		if (!strcmp(f->severity, "info"))
			continue;
		event_clear(ev);
		const char *kv[][2] = {{"classification.taxonomy", "vulnerable"},
		                       {"classification.type", "vulnerable-system"},
		                       {"classification.identifier", f->id},
		                       {"feed.name", "vigia-audit-mail"},
		                       {"time.observation", now},
		                       {"source.fqdn", domain},
		                       {"event_description.text", f->detail},
		                       {"extra.severity", f->severity},
		                       {relay ? "source.ip" : NULL, relay_ip},
		                       {relay ? "source.port" : NULL, relay_port},
		                       {relay ? "protocol.application" : NULL, "smtp"}};
		for (size_t k = 0; k < sizeof(kv) / sizeof(kv[0]) && rc == V_OK; k++)
			if (kv[k][0] && kv[k][1])
				rc = event_set(ev, kv[k][0], kv[k][1], strlen(kv[k][1]), 0, &e);
		if (rc == V_OK) {
			buf_reset(out);
			if (event_to_json(ev, out) == V_OK)
				printf("%s\n", buf_cstr(out));
		} else {
			cli_report(&e);
		}
	}
}

/* HOST[:PORT] (or [v6]:PORT) into host and port (default 25); 0 or -1 */
static int split_smtp(const char *s, char *host, size_t hn, char *port, size_t pn)
{
	const char *colon = strrchr(s, ':'), *h = s;
	size_t hl = strlen(s);
	char *end;

	snprintf(port, pn, "25");
	if (*s == '[') {
		const char *rb = strchr(s, ']');
		if (!rb || (rb[1] && rb[1] != ':'))
			return -1;
		h = s + 1;
		hl = (size_t)(rb - h);
		colon = rb[1] ? rb + 1 : NULL;
	} else if (colon && strchr(s, ':') != colon) {
		colon = NULL; /* a bare IPv6 address */
	} else if (colon) {
		hl = (size_t)(colon - s);
	}
	if (colon) {
		long p = strtol(colon + 1, &end, 10);
		if (!colon[1] || *end || p < 1 || p > 65535)
			return -1;
		snprintf(port, pn, "%ld", p);
	}
	if (!hl || hl >= hn)
		return -1;
	snprintf(host, hn, "%.*s", (int)hl, h);
	return 0;
}

int cli_audit_mail(int argc, char **argv, const char *db)
{
	static const struct option opts[] = {{"json", no_argument, NULL, 'j'},
	                                     {"events", no_argument, NULL, 'E'},
	                                     {"resolver", required_argument, NULL, 'R'},
	                                     {"smtp", required_argument, NULL, 's'},
	                                     {"no-relay", no_argument, NULL, 'n'},
	                                     {"relay-from", required_argument, NULL, 'f'},
	                                     {"relay-to", required_argument, NULL, 'T'},
	                                     {"timeout", required_argument, NULL, 't'},
	                                     {"rate", required_argument, NULL, 'r'},
	                                     {"targets", required_argument, NULL, 'L'},
	                                     {"help", no_argument, NULL, 'h'},
	                                     {NULL, 0, NULL, 0}};
	const char *resolver = NULL, *smtp = NULL, *rate_flag = NULL, *targets = NULL;
	const char *from = "relay-probe@example.net", *to = "relay-probe@example.com";
	int c, json = 0, events = 0, relay = 1, status = 0, rate = 1;
	char **list = NULL;
	long *lines = NULL;
	size_t nlist = 0;
	struct audit_scope scope;
	long timeout_ms = 10000;
	char shost[256] = "", sport[8] = "25";
	struct audit_dns *dns = NULL;
	struct verr e = {0};
	struct timespec last = {0, 0};
	char *end;

	optind = 1;
	opterr = 0;
	while ((c = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
		switch (c) {
		case 'j':
			json = 1;
			break;
		case 'E':
			events = 1;
			break;
		case 'R':
			resolver = optarg;
			break;
		case 's':
			smtp = optarg;
			break;
		case 'n':
			relay = 0;
			break;
		case 'f':
			from = optarg;
			break;
		case 'T':
			to = optarg;
			break;
		case 't': {
			double t = strtod(optarg, &end);
			if (*end || t <= 0 || t > 600) {
				log_error(_("audit mail: --timeout wants seconds (0 < s <= 600), "
				            "not '%s'"),
				          optarg);
				return EXIT_USAGE;
			}
			timeout_ms = (long)(t * 1000);
			break;
		}
		case 'r':
			rate_flag = optarg;
			break;
		case 'L':
			targets = optarg;
			break;
		case 'h':
			mail_usage(stdout);
			return 0;
		default:
			log_error(_("audit mail: unknown or incomplete option '%s'"),
			          argv[optind - 1]);
			mail_usage(stderr);
			return EXIT_USAGE;
		}
	}
	if (optind >= argc && !targets) {
		log_error(_("audit mail: give at least one domain"));
		return EXIT_USAGE;
	}
	if ((status = audit_scope_rate(rate_flag, "audit.mail_rate", "audit mail", &rate)) != 0)
		return status;
	if (json && events) {
		log_error(_("audit mail: --json and --events exclude each other"));
		return EXIT_USAGE;
	}
	if (smtp && split_smtp(smtp, shost, sizeof(shost), sport, sizeof(sport))) {
		log_error(_("audit mail: --smtp wants HOST[:PORT], not '%s'"), smtp);
		return EXIT_USAGE;
	}
	if (!strchr(from, '@') || !strchr(to, '@')) {
		log_error(_("audit mail: --relay-from and --relay-to want mail addresses"));
		return EXIT_USAGE;
	}
	if (targets && (status = audit_scope_read_list(targets, &list, &lines, &nlist)) != 0)
		return status;
	if ((status = audit_scope_open(&scope, "audit mail", db || targets, db)) != 0) {
		audit_scope_free_list(list, lines, nlist);
		return status;
	}
	/* explicit: the domains on the command line (their own mail servers are under them)
	 * and --smtp */
	for (int i = optind; i < argc && !status; i++)
		if (audit_scope_explicit(&scope, argv[i]))
			status = EXIT_INTERNAL;
	if (!status && smtp && audit_scope_explicit(&scope, shost))
		status = EXIT_INTERNAL;
	if (!status && audit_dns_open(resolver, timeout_ms, &dns, &e) != V_OK) {
		cli_report(&e);
		status = EXIT_IO;
	}
	if (status) {
		audit_scope_fini(&scope);
		audit_scope_free_list(list, lines, nlist);
		return status;
	}
	json_t *arr = json ? json_array() : NULL;
	struct event *ev = events ? event_new() : NULL;
	struct buf out;
	buf_init(&out, 1 << 20);
	size_t nexp = (size_t)(argc - optind);
	for (size_t di = 0; di < nexp + nlist; di++) {
		const char *domain = di < nexp ? argv[optind + (int)di] : list[di - nexp];
		const char *org = psl_registrable_domain(psl_builtin(), domain);
		char why[256] = "";

		if (di >= nexp && audit_scope_check(&scope, domain, NULL, why, sizeof(why)) ==
				      AUDIT_SCOPE_REFUSED) {
			/* from the list and not the constituency's: no query, no probe */
			log_error("%s:%ld: %s: %s", targets, lines[di - nexp], domain, why);
			status = EXIT_REJECTS;
			if (arr) {
				json_t *o = json_object();
				json_object_set_new(o, "domain", json_string(domain));
				json_object_set_new(o, "refused", json_true());
				json_object_set_new(o, "error", json_string(why));
				json_array_append_new(arr, o);
			} else if (!ev) {
				printf(_("%s\n  not probed: %s\n"), domain, why);
			}
			continue;
		}
		struct audit_mail_report *r = calloc(1, sizeof(*r));
		char *spf = NULL, *dmarc = NULL, rhost[256] = "", rip[64] = "", rport[8] = "25";
		char reply[512] = "";
		int verdict = -2;

		if (!r) {
			status = EXIT_INTERNAL;
			break;
		}
		audit_scope_pace(&last, rate); /* at most rate domains per second */
		if (audit_spf_check(domain, audit_dns_txt, dns, r, &spf) == V_ERR_IO)
			status = EXIT_REJECTS;
		if (audit_dmarc_check(domain, org, audit_dns_txt, dns, r, &dmarc) == V_ERR_IO)
			status = EXIT_REJECTS;
		for (size_t k = 0; k < r->n; k++)
			if (strstr(r->f[k].id, "-dns-error"))
				log_error("%s", r->f[k].detail);
		if (relay) {
			char mx[4][256], mxwhy[160] = "";
			if (smtp) {
				snprintf(rhost, sizeof(rhost), "%s", shost);
				snprintf(rport, sizeof(rport), "%s", sport);
			} else if (audit_dns_mx(dns, domain, mx, 4, mxwhy, sizeof(mxwhy)) > 0) {
				snprintf(rhost, sizeof(rhost), "%s", mx[0]);
			} else {
				snprintf(rhost, sizeof(rhost), "%s", domain);
			}
			if (audit_dns_a(dns, rhost, rip, sizeof(rip))) {
				snprintf(reply, sizeof(reply), _("%s: no address"), rhost);
				verdict = -1;
			} else if (audit_scope_check(&scope, rhost, rip, why, sizeof(why)) ==
				   AUDIT_SCOPE_REFUSED) {
				/* a mail server found in DNS outside the domain and the
				 * constituency (a provider's, say): not ours to probe */
				snprintf(reply, sizeof(reply), _("%s (%s): %s"), rhost, rip, why);
				verdict = -1;
			} else {
				verdict = audit_smtp_relay_probe(
				    rip, rport, "vigia-relay-probe.invalid", from, to, timeout_ms,
				    reply, sizeof(reply));
			}
			if (verdict == 1)
				audit_mail_add(r, "open-relay", "high",
				               "%s (%s port %s) accepted "
				               "RCPT TO:<%s> from <%s>: an open relay (no mail was "
				               "sent)",
				               rhost, rip, rport, to, from);
			if (verdict < 0) {
				log_error(_("%s: mail server %s: %s"), domain, rhost, reply);
				status = EXIT_REJECTS;
			}
		}
		if (arr) {
			json_t *o = json_object(), *fs = json_array();
			json_object_set_new(o, "domain", json_string(domain));
			json_object_set_new(o, "spf", spf ? json_string(spf) : json_null());
			json_object_set_new(o, "spf_lookups", json_integer(r->spf_lookups));
			json_object_set_new(o, "dmarc", dmarc ? json_string(dmarc) : json_null());
			if (relay) {
				json_t *rl = json_object();
				json_object_set_new(rl, "server", json_string(rhost));
				json_object_set_new(rl, "address", json_string(rip));
				json_object_set_new(rl, "port", json_string(rport));
				json_object_set_new(rl, "verdict",
				                    json_string(verdict == 1   ? "open"
				                                : verdict == 0 ? "closed"
				                                               : "unknown"));
				json_object_set_new(rl, "reply", json_string(reply));
				json_object_set_new(o, "relay", rl);
			}
			for (size_t k = 0; k < r->n; k++) {
				json_t *f = json_object();
				json_object_set_new(f, "id", json_string(r->f[k].id));
				json_object_set_new(f, "severity", json_string(r->f[k].severity));
				json_object_set_new(f, "detail", json_string(r->f[k].detail));
				json_array_append_new(fs, f);
			}
			json_object_set_new(o, "findings", fs);
			json_array_append_new(arr, o);
		} else if (ev) {
			emit_events(domain, rip[0] ? rip : NULL, rport, r, ev, &out);
		} else {
			printf("%s\n", domain);
			printf(_("  SPF:   %s\n"), spf ? spf : _("(none)"));
			printf(_("  DMARC: %s\n"), dmarc ? dmarc : _("(none)"));
			if (relay)
				printf(_("  relay: %s %s:%s: %s\n"),
				       verdict == 1   ? _("OPEN")
				       : verdict == 0 ? _("closed")
				                      : _("unknown"),
				       rhost, rport, reply);
			for (size_t k = 0; k < r->n; k++)
				printf("  %-7s %-22s %s\n", r->f[k].severity, r->f[k].id,
				       r->f[k].detail);
			if (!r->n)
				printf(_("  no finding\n"));
		}
		free(spf);
		free(dmarc);
		free(r);
	}
	if (arr) {
		if (json_dumpf(arr, stdout, JSON_INDENT(2)) == 0)
			fputc('\n', stdout);
		json_decref(arr);
	}
	buf_fini(&out);
	event_free(ev);
	audit_dns_close(dns);
	audit_scope_fini(&scope);
	audit_scope_free_list(list, lines, nlist);
	return status;
}
