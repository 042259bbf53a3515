/*
 * cmd_audit_proxy.c — `vigia audit proxy HOST:PORT...`: is each target an open proxy (HTTP
 * CONNECT, HTTP GET with an absolute URI, SOCKS4, SOCKS5)?  Open means proven: vigia runs a
 * canary listener and a proxy is open only when the canary receives the probe's random token
 * through it.  Probes go only to the targets given; a rate limit spaces them and every step
 * has a timeout.  Findings print as a table, JSON, or IntelMQ events for `vigia ingest`.
 */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <arpa/inet.h>

#include <jansson.h>
#include <sodium.h>

#include "audit/audit.h"
#include "base/buf.h"
#include "base/i18n.h"
#include "base/log.h"
#include "cli/audit_scope.h"
#include "cli/cli.h"
#include "event/event.h"

static void proxy_usage(FILE *f)
{
	fprintf(f, _("usage: vigia audit proxy [--json | --events] [--timeout SECONDS] [--rate N]\n"
	             "                         [--canary ADDR:PORT] [--canary-host HOST]\n"
	             "                         [--kind KIND[,KIND...]] [--targets FILE]\n"
	             "                         [--db PATH] HOST:PORT...\n\n"
	             "Find open proxies: for each target, try an HTTP CONNECT, an HTTP GET with\n"
	             "an absolute URI, SOCKS4 and SOCKS5, each asking the target to fetch a\n"
	             "random token from a canary listener that vigia runs itself.  A target is\n"
	             "an open proxy ONLY when the canary receives the token through it.\n\n"
	             "Probes go ONLY to the targets given here and to hosts of your\n"
	             "constituency: a target read from --targets (a list or a feed) is probed\n"
	             "only when the constituency in the store (--db) lists its network or\n"
	             "domain, and is refused, named, otherwise.  At most N probes per second\n"
	             "(--rate, default: the setting audit.proxy_rate, 2), each step limited by\n"
	             "the timeout (default 5 s).\n\n"
	             "  --canary ADDR:PORT  where the canary listens (default: every address,\n"
	             "                      a free port)\n"
	             "  --canary-host HOST  the address the target must reach the canary at\n"
	             "                      (default: this machine's address towards the target)\n"
	             "  --kind LIST         some of http-connect,http-get,socks4,socks5\n"
	             "  --targets FILE      more HOST:PORT targets, one a line: constituency only\n"
	             "  --db PATH           the store whose constituency decides\n"
	             "  --json              results as JSON\n"
	             "  --events            open proxies as IntelMQ events, one JSON per line\n\n"
	             "Exit status: 0 every target probed, 1 some target could not be reached or\n"
	             "was refused, 2 usage, 3 the canary could not listen.\n"));
}

/* "host:port" or "[v6]:port" into host and port; 0 on success */
static int split_target(const char *t, char *host, size_t hn, char *port, size_t pn)
{
	const char *colon, *h = t;
	size_t hl;
	char *end;

	if (*t == '[') {
		const char *rb = strchr(t, ']');
		if (!rb || rb[1] != ':')
			return -1;
		h = t + 1;
		hl = (size_t)(rb - h);
		colon = rb + 1;
	} else {
		colon = strrchr(t, ':');
		if (!colon || memchr(t, ':', (size_t)(colon - t)))
			return -1;
		hl = (size_t)(colon - t);
	}
	long p = strtol(colon + 1, &end, 10);
	if (!hl || hl >= hn || *end || colon[1] == 0 || p < 1 || p > 65535)
		return -1;
	snprintf(host, hn, "%.*s", (int)hl, h);
	snprintf(port, pn, "%ld", p);
	return 0;
}

static int parse_kinds(const char *s, int *want)
{
	char name[32];

	for (int k = 0; k < AUDIT_PROXY_NKIND; k++)
		want[k] = 0;
	while (*s) {
		size_t l = strcspn(s, ",");
		int found = 0;
		snprintf(name, sizeof(name), "%.*s", (int)(l < 31 ? l : 31), s);
		for (int k = 0; k < AUDIT_PROXY_NKIND; k++)
			if (!strcmp(name, audit_proxy_kind_name(k)))
				want[k] = found = 1;
		if (!found)
			return -1;
		s += l;
		if (*s == ',')
			s++;
	}
	return 0;
}

static void emit_event(const char *host, const char *port, const struct audit_proxy_result *r,
                       struct event *ev, struct buf *out)
{
	unsigned char a[16];
	char now[32], text[160];
	time_t t = time(NULL);
	struct tm tm;
	struct verr e = {0};
	int rc = V_OK,
	    is_ip = inet_pton(AF_INET, host, a) == 1 || inet_pton(AF_INET6, host, a) == 1;
	const char *kind = audit_proxy_kind_name(r->kind);

	gmtime_r(&t, &tm);
	strftime(now, sizeof(now), "%Y-%m-%dT%H:%M:%S+00:00", &tm);
	snprintf(text, sizeof(text), "open proxy (%s): relayed a request to vigia's canary", kind);
	event_clear(ev);
	const char *kv[][2] = {{"classification.taxonomy", "vulnerable"},
	                       {"classification.type", "vulnerable-system"},
	                       {"classification.identifier",
	                        r->kind >= AUDIT_PROXY_SOCKS4 ? "open-socks" : "open-proxy"},
	                       {"feed.name", "vigia-audit-proxy"},
	                       {"time.observation", now},
	                       {is_ip ? "source.ip" : "source.fqdn", host},
	                       {"source.port", port},
	                       {"protocol.transport", "tcp"},
	                       {"protocol.application", kind},
	                       {"event_description.text", text}};
	for (size_t k = 0; k < sizeof(kv) / sizeof(kv[0]) && rc == V_OK; k++)
		rc = event_set(ev, kv[k][0], kv[k][1], strlen(kv[k][1]), 0, &e);
	if (rc == V_OK) {
		buf_reset(out);
		if (event_to_json(ev, out) == V_OK)
			printf("%s\n", buf_cstr(out));
	} else {
		cli_report(&e);
	}
}

int cli_audit_proxy(int argc, char **argv, const char *db)
{
	static const struct option opts[] = {{"json", no_argument, NULL, 'j'},
	                                     {"events", no_argument, NULL, 'E'},
	                                     {"timeout", required_argument, NULL, 't'},
	                                     {"rate", required_argument, NULL, 'r'},
	                                     {"canary", required_argument, NULL, 'c'},
	                                     {"canary-host", required_argument, NULL, 'C'},
	                                     {"kind", required_argument, NULL, 'k'},
	                                     {"targets", required_argument, NULL, 'T'},
	                                     {"help", no_argument, NULL, 'h'},
	                                     {NULL, 0, NULL, 0}};
	int want[AUDIT_PROXY_NKIND] = {1, 1, 1, 1};
	int c, json = 0, events = 0, rate = 2, status = 0;
	long timeout_ms = 5000;
	const char *canary = NULL, *canary_host = NULL, *rate_flag = NULL, *targets = NULL;
	char caddr[256] = "", cport[8] = "0", **list = NULL;
	long *lines = NULL;
	size_t nlist = 0;
	struct audit_scope scope;
	struct audit_canary *can = NULL;
	struct timespec last = {0, 0};
	struct verr e = {0};
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
		case 'c':
			canary = optarg;
			break;
		case 'C':
			canary_host = optarg;
			break;
		case 'k':
			if (parse_kinds(optarg, want)) {
				log_error(
				    _("audit proxy: --kind wants some of http-connect, http-get, "
				      "socks4, socks5, not '%s'"),
				    optarg);
				return EXIT_USAGE;
			}
			break;
		case 't': {
			double t = strtod(optarg, &end);
			if (*end || t <= 0 || t > 600) {
				log_error(_("audit proxy: --timeout wants seconds (0 < s <= 600), "
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
		case 'T':
			targets = optarg;
			break;
		case 'h':
			proxy_usage(stdout);
			return 0;
		default:
			log_error(_("audit proxy: unknown or incomplete option '%s'"),
			          argv[optind - 1]);
			proxy_usage(stderr);
			return EXIT_USAGE;
		}
	}
	if (optind >= argc && !targets) {
		log_error(_("audit proxy: give at least one target HOST:PORT"));
		return EXIT_USAGE;
	}
	if ((status = audit_scope_rate(rate_flag, "audit.proxy_rate", "audit proxy", &rate)) != 0)
		return status;
	if (json && events) {
		log_error(_("audit proxy: --json and --events exclude each other"));
		return EXIT_USAGE;
	}
	for (int i = optind; i < argc; i++) {
		char h[256], p[8];
		if (split_target(argv[i], h, sizeof(h), p, sizeof(p))) {
			log_error(_("audit proxy: '%s' is not HOST:PORT"), argv[i]);
			return EXIT_USAGE;
		}
	}
	if (canary && split_target(canary, caddr, sizeof(caddr), cport, sizeof(cport))) {
		log_error(_("audit proxy: --canary wants ADDR:PORT, not '%s'"), canary);
		return EXIT_USAGE;
	}
	if (sodium_init() < 0)
		return EXIT_INTERNAL;
	if (targets && (status = audit_scope_read_list(targets, &list, &lines, &nlist)) != 0)
		return status;
	if ((status = audit_scope_open(&scope, "audit proxy", db || targets, db)) != 0) {
		audit_scope_free_list(list, lines, nlist);
		return status;
	}
	for (int i = optind; i < argc; i++) {
		char h[256], p[8];
		split_target(argv[i], h, sizeof(h), p, sizeof(p));
		if (audit_scope_explicit(&scope, h)) {
			status = EXIT_INTERNAL;
			goto out;
		}
	}
	if (audit_canary_start(caddr[0] ? caddr : NULL, cport, &can, &e) != V_OK) {
		cli_report(&e);
		status = EXIT_IO;
		goto out;
	}

	json_t *arr = json ? json_array() : NULL;
	struct event *ev = events ? event_new() : NULL;
	struct buf out;
	buf_init(&out, 1 << 20);
	size_t nexp = (size_t)(argc - optind);
	for (size_t ti = 0; ti < nexp + nlist; ti++) {
		const char *target = ti < nexp ? argv[optind + (int)ti] : list[ti - nexp];
		char host[256], port[8], chost[256], why[256];
		int reached = 0;
		json_t *o = NULL, *probes = NULL;

		if (ti >= nexp) {
			/* from the list: only what the constituency holds; never probed else */
			const char *err = NULL;
			if (split_target(target, host, sizeof(host), port, sizeof(port)))
				err = _("not HOST:PORT");
			else if (audit_scope_check(&scope, host, NULL, why, sizeof(why)) ==
				 AUDIT_SCOPE_REFUSED)
				err = why;
			if (err) {
				log_error("%s:%ld: %s: %s", targets, lines[ti - nexp], target, err);
				status = status ? status : EXIT_REJECTS;
				if (arr) {
					o = json_object();
					json_object_set_new(o, "target", json_string(target));
					json_object_set_new(o, "refused", json_true());
					json_object_set_new(o, "error", json_string(err));
					json_array_append_new(arr, o);
				} else if (!ev) {
					printf(_("%s\n  not probed: %s\n"), target, err);
				}
				continue;
			}
		}
		split_target(target, host, sizeof(host), port, sizeof(port));
		if (canary_host)
			snprintf(chost, sizeof(chost), "%s", canary_host);
		else if (caddr[0] && strcmp(caddr, "0.0.0.0") && strcmp(caddr, "::"))
			snprintf(chost, sizeof(chost), "%s", caddr);
		else if (audit_local_addr(host, port, chost, sizeof(chost))) {
			log_error(_("%s: no route to the target"), target);
			status = EXIT_REJECTS;
			continue;
		}
		if (arr) {
			o = json_object();
			probes = json_array();
			json_object_set_new(o, "target", json_string(target));
			json_object_set_new(o, "canary", json_string(chost));
		} else if (!ev) {
			printf("%s\n", target);
		}
		for (int k = 0; k < AUDIT_PROXY_NKIND; k++) {
			struct audit_proxy_result r;
			if (!want[k])
				continue;
			audit_scope_pace(&last, rate);
			if (audit_proxy_probe(can, chost, host, port, k, timeout_ms, &r) != V_OK) {
				status = EXIT_INTERNAL;
				continue;
			}
			if (r.verdict != AUDIT_PX_CLOSED && r.verdict != AUDIT_PX_TIMEOUT)
				reached = 1;
			if (o) {
				json_t *p = json_object();
				json_object_set_new(p, "kind",
				                    json_string(audit_proxy_kind_name(k)));
				json_object_set_new(
				    p, "verdict", json_string(audit_proxy_verdict_name(r.verdict)));
				json_object_set_new(p, "confirmed", json_boolean(r.confirmed));
				if (r.status)
					json_object_set_new(p, "http_status",
					                    json_integer(r.status));
				if (r.detail[0])
					json_object_set_new(p, "detail", json_string(r.detail));
				json_array_append_new(probes, p);
			} else if (ev) {
				if (r.verdict == AUDIT_PX_OPEN)
					emit_event(host, port, &r, ev, &out);
			} else if (r.verdict == AUDIT_PX_OPEN) {
				printf(_("  %-13s OPEN: the canary received the token\n"),
				       audit_proxy_kind_name(k));
			} else {
				printf("  %-13s %s: %s\n", audit_proxy_kind_name(k),
				       audit_proxy_verdict_name(r.verdict), r.detail);
			}
		}
		if (o) {
			json_object_set_new(o, "probes", probes);
			json_array_append_new(arr, o);
		}
		if (!reached) {
			log_error(_("%s: could not be reached"), target);
			status = status ? status : EXIT_REJECTS;
		}
	}
	if (arr) {
		if (json_dumpf(arr, stdout, JSON_INDENT(2)) == 0)
			fputc('\n', stdout);
		json_decref(arr);
	}
	buf_fini(&out);
	event_free(ev);
	audit_canary_stop(can);
out:
	audit_scope_fini(&scope);
	audit_scope_free_list(list, lines, nlist);
	return status;
}
