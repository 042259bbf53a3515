/*
 * cmd_audit_web.c — `vigia audit web URL...`: the web-site checks.  For each URL given
 * explicitly: the HTTP Observatory tests and grade on the page (and on what http:// does),
 * TLS certificate facts, and the exposure checks of data/webcheck/exposure.tsv judged
 * against a soft-404 baseline.  A rate limit spaces the requests to one site; every network
 * step has a timeout; an unreachable site is named and the others still checked.
 */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include <jansson.h>
#include <sodium.h>

#include "audit/audit.h"
#include "base/buf.h"
#include "base/i18n.h"
#include "base/log.h"
#include "cli/audit_scope.h"
#include "cli/cli.h"
#include "event/event.h"
#include "ingest/ingest.h"

static void web_usage(FILE *f)
{
	fprintf(f, _("usage: vigia audit web [--json | --events] [--timeout SECONDS] [--rate N]\n"
		     "                       [--checks FILE] [--http-port N] [--insecure]\n"
		     "                       [--targets FILE] [--db PATH] URL...\n\n"
		     "Check web sites: the Mozilla HTTP Observatory's tests and grade (headers,\n"
		     "CSP, cookies, HSTS, redirection to HTTPS, SRI, ...), TLS (the negotiated\n"
		     "protocol and cipher, the certificate: validity, days left, key, issuer,\n"
		     "names), and exposed files and misconfigurations (.git, .env, backups,\n"
		     "directory listing, banners), each compared with the answer to a random path\n"
		     "so that a site answering everything the same way reports nothing.\n\n"
		     "Probes go ONLY to the URLs given here and to sites of your constituency:\n"
		     "a URL read from --targets, or a redirect to another host, is checked only\n"
		     "when the constituency in the store (--db) lists its domain or network, and\n"
		     "is refused, named, otherwise.  At most N requests per second per site\n"
		     "(--rate, default: the setting audit.web_rate, 5), each step limited by the\n"
		     "timeout (default 10 s).\n\n"
		     "  --targets FILE  more URLs, one a line (list, feed): constituency only\n"
		     "  --db PATH       the store whose constituency decides (default: the usual)\n"
		     "  --checks FILE   exposure checks (TSV) instead of the built-in ones\n"
		     "  --http-port N   where plain HTTP listens for https:// sites (default 80)\n"
		     "  --insecure      do not require a valid certificate (still reported)\n"
		     "  --json          results as JSON\n"
		     "  --events        exposures as IntelMQ events, one JSON per line\n\n"
		     "Exit status: 0 every site checked, 1 some site could not be reached or was\n"
		     "refused, 2 usage.\n"));
}

/* o->allow for redirects: only to hosts in scope */
static int web_allow(void *arg, const char *url, char *why, size_t n)
{
	const struct audit_scope *sc = arg;
	char host[256];

	if (audit_scope_url_host(url, host, sizeof(host))) {
		snprintf(why, n, _("'%s' names no host"), url);
		return 0;
	}
	return audit_scope_check(sc, host, NULL, why, n) != AUDIT_SCOPE_REFUSED;
}

struct site {
	struct audit_http page, http_first;
	int has_http;
	int refused;       /* not probed: out of scope (page.error says why) */
	struct audit_web_grade g;
	const struct audit_exposure_rule *hit[64];
	size_t nhit;
	char base[512];
};

/* "scheme://host[:port]" of url into out; 0 on success */
static int base_of(const char *url, char *out, size_t n)
{
	const char *p = strstr(url, "://");
	if (!p || (strncasecmp(url, "http://", 7) && strncasecmp(url, "https://", 8)))
		return -1;
	p += 3;
	size_t l = strcspn(p, "/?#");
	if (!l || (size_t)(p - url) + l >= n)
		return -1;
	snprintf(out, n, "%.*s", (int)((size_t)(p - url) + l), url);
	return 0;
}

static int check_site(const char *url, const struct audit_exposure_set *rules,
		      const struct audit_fetch_opts *base_o, int rate, int http_port,
		      struct site *s)
{
	struct audit_fetch_opts o = *base_o;
	struct audit_http base = { 0 };
	struct timespec last = { 0, 0 };
	char u[1200], rnd[33];
	unsigned char rb[16];
	int rc;

	if (base_of(url, s->base, sizeof(s->base))) {
		snprintf(s->page.error, sizeof(s->page.error), "%s",
			 _("not an http:// or https:// URL"));
		return V_ERR_USAGE;
	}
	o.follow = 1;
	audit_scope_pace(&last, rate);
	if ((rc = audit_http_fetch(url, &o, &s->page)) != V_OK)
		return rc;
	/* what plain HTTP does on the same host: redirect to HTTPS or not */
	o.follow = 0;
	if (!strncasecmp(s->base, "https://", 8)) {
		const char *host = s->base + 8;
		size_t hl = strcspn(host, ":");
		if (http_port == 80)
			snprintf(u, sizeof(u), "http://%.*s/", (int)hl, host);
		else
			snprintf(u, sizeof(u), "http://%.*s:%d/", (int)hl, host, http_port);
	} else {
		snprintf(u, sizeof(u), "%s", url);
	}
	audit_scope_pace(&last, rate);
	s->has_http = audit_http_fetch(u, &o, &s->http_first) == V_OK;
	if (s->has_http && !s->http_first.url)
		s->http_first.url = strdup(u);
	/* the final URL of following http:// */
	const char *final = s->page.url;
	if (!strncasecmp(s->base, "https://", 8) && s->has_http) {
		struct audit_http fh = { 0 };
		o.follow = 1;
		audit_scope_pace(&last, rate);
		audit_http_fetch(u, &o, &fh);
		audit_web_grade(&s->page, &s->http_first, fh.url, &s->g);
		audit_http_fini(&fh);
	} else {
		audit_web_grade(&s->page, s->has_http ? &s->http_first : NULL, final, &s->g);
	}

	/* the soft-404 baseline, then every exposure check */
	randombytes_buf(rb, sizeof(rb));
	for (size_t i = 0; i < sizeof(rb); i++)
		snprintf(rnd + 2 * i, 3, "%02x", rb[i]);
	snprintf(u, sizeof(u), "%s/vigia-%s", s->base, rnd);
	o.follow = 0;
	audit_scope_pace(&last, rate);
	int have_base = audit_http_fetch(u, &o, &base) == V_OK;
	for (size_t i = 0; i < rules->n && s->nhit < 64; i++) {
		const struct audit_exposure_rule *r = &rules->r[i];
		struct audit_http resp = { 0 };
		const struct audit_http *h = &resp;
		if (!strcmp(r->path, "/") && !strcmp(r->method, "GET")) {
			h = &s->page;
		} else {
			snprintf(u, sizeof(u), "%s%s", s->base, r->path);
			o.method = r->method;
			audit_scope_pace(&last, rate);
			if (audit_http_fetch(u, &o, &resp) != V_OK) {
				audit_http_fini(&resp);
				continue;
			}
		}
		if (audit_exposure_hit(r, h, have_base ? &base : NULL) == 1)
			s->hit[s->nhit++] = r;
		audit_http_fini(&resp);
	}
	audit_http_fini(&base);
	return V_OK;
}

static json_t *site_json(const char *url, const struct site *s)
{
	json_t *o = json_object(), *tests = json_array(), *exp = json_array();

	json_object_set_new(o, "url", json_string(url));
	if (s->page.error[0]) {
		json_object_set_new(o, "error", json_string(s->page.error));
		if (s->refused)
			json_object_set_new(o, "refused", json_true());
		json_decref(tests);
		json_decref(exp);
		return o;
	}
	json_object_set_new(o, "status", json_integer(s->page.status));
	json_object_set_new(o, "final_url", json_string(s->page.url ? s->page.url : url));
	json_object_set_new(o, "score", json_integer(s->g.score));
	json_object_set_new(o, "grade", json_string(s->g.grade));
	for (size_t i = 0; i < s->g.n; i++) {
		json_t *t = json_object();
		json_object_set_new(t, "test", json_string(s->g.r[i].test));
		json_object_set_new(t, "result", json_string(s->g.r[i].key));
		json_object_set_new(t, "modifier", json_integer(s->g.r[i].modifier));
		json_array_append_new(tests, t);
	}
	json_object_set_new(o, "tests", tests);
	for (size_t i = 0; i < s->nhit; i++) {
		json_t *t = json_object();
		json_object_set_new(t, "id", json_string(s->hit[i]->id));
		json_object_set_new(t, "category", json_string(s->hit[i]->category));
		json_object_set_new(t, "path", json_string(s->hit[i]->path));
		json_object_set_new(t, "severity", json_string(s->hit[i]->severity));
		json_object_set_new(t, "note", json_string(s->hit[i]->note));
		json_array_append_new(exp, t);
	}
	json_object_set_new(o, "exposures", exp);
	if (s->page.url && !strncasecmp(s->page.url, "https://", 8)) {
		const struct audit_http *p = &s->page;
		json_t *tls = json_object();
		if (p->tls_version[0])
			json_object_set_new(tls, "protocol", json_string(p->tls_version));
		if (p->tls_cipher[0])
			json_object_set_new(tls, "cipher", json_string(p->tls_cipher));
		json_object_set_new(tls, "certificate_verified", json_boolean(p->cert_verified));
		json_object_set_new(tls, "self_signed", json_boolean(p->cert_self_signed));
		if (p->cert_subject)
			json_object_set_new(tls, "subject", json_string(p->cert_subject));
		if (p->cert_issuer)
			json_object_set_new(tls, "issuer", json_string(p->cert_issuer));
		if (p->cert_san)
			json_object_set_new(tls, "names", json_string(p->cert_san));
		if (p->cert_start)
			json_object_set_new(tls, "not_before", json_string(p->cert_start));
		if (p->cert_expire)
			json_object_set_new(tls, "expires", json_string(p->cert_expire));
		if (p->cert_has_dates)
			json_object_set_new(tls, "days_left", json_integer(p->cert_days_left));
		if (p->cert_key[0])
			json_object_set_new(tls, "key", json_string(p->cert_key));
		if (p->cert_sigalg[0])
			json_object_set_new(tls, "signature_algorithm",
					    json_string(p->cert_sigalg));
		json_object_set_new(o, "tls", tls);
	}
	return o;
}

static void emit_events(const char *url, const struct site *s, struct event *ev, struct buf *out)
{
	char now[32];
	time_t t = time(NULL);
	struct tm tm;

	gmtime_r(&t, &tm);
	strftime(now, sizeof(now), "%Y-%m-%dT%H:%M:%S+00:00", &tm);
	for (size_t i = 0; i < s->nhit; i++) {
		const struct audit_exposure_rule *r = s->hit[i];
		struct verr e = { 0 };
		struct buf u, text;
		int rc = V_OK;
		const char *type = !strcmp(r->category, "exposure") || !strcmp(r->category, "disclosure")
					   ? "information-disclosure"
					   : "vulnerable-system";
		buf_init(&u, 4096);
		buf_init(&text, 4096);
		buf_printf(&u, "%s%s", s->base, r->path);
		buf_printf(&text, "%s: %s", r->id, r->note);
		event_clear(ev);
		const char *kv[][2] = { { "classification.taxonomy", "vulnerable" },
					{ "classification.type", type },
					{ "classification.identifier", r->id },
					{ "feed.name", "vigia-audit-web" },
					{ "time.observation", now },
					{ "source.url", buf_cstr(&u) },
					{ "event_description.text", buf_cstr(&text) },
					{ "extra.severity", r->severity },
					{ "extra.category", r->category },
					{ "extra.site", url } };
		for (size_t k = 0; k < sizeof(kv) / sizeof(kv[0]) && rc == V_OK; k++)
			rc = event_set(ev, kv[k][0], kv[k][1], strlen(kv[k][1]), 0, &e);
		if (rc == V_OK) {
			buf_reset(out);
			if (event_to_json(ev, out) == V_OK)
				printf("%s\n", buf_cstr(out));
		} else {
			cli_report(&e);
		}
		buf_fini(&u);
		buf_fini(&text);
	}
}

static void print_site(const char *url, const struct site *s)
{
	const struct audit_http *p = &s->page;

	printf("%s\n", url);
	if (p->error[0]) {
		printf(s->refused ? _("  not probed: %s\n") : _("  unreachable: %s\n"), p->error);
		return;
	}
	printf(_("  HTTP %ld, Observatory score %d, grade %s\n"), p->status, s->g.score,
	       s->g.grade);
	if (p->url && !strncasecmp(p->url, "https://", 8)) {
		printf(_("  TLS: %s, cipher %s\n"), p->tls_version[0] ? p->tls_version : "-",
		       p->tls_cipher[0] ? p->tls_cipher : "-");
		printf(_("  TLS certificate: %s%s; subject%s; expires%s\n"),
		       p->cert_verified ? _("verified") : _("NOT verified"),
		       p->cert_self_signed ? _(", self-signed") : "",
		       p->cert_subject ? p->cert_subject : " -",
		       p->cert_expire ? p->cert_expire : " -");
		if (p->cert_has_dates || p->cert_key[0])
			printf(_("  TLS certificate: %ld days left; key %s; signed with %s\n"),
			       p->cert_days_left, p->cert_key[0] ? p->cert_key : "-",
			       p->cert_sigalg[0] ? p->cert_sigalg : "-");
	}
	for (size_t i = 0; i < s->g.n; i++)
		if (s->g.r[i].modifier)
			printf("  %+4d  %s\n", s->g.r[i].modifier, s->g.r[i].key);
	for (size_t i = 0; i < s->nhit; i++)
		printf(_("  exposure: %s (%s, %s) %s%s\n"), s->hit[i]->id, s->hit[i]->severity,
		       s->hit[i]->category, s->base, s->hit[i]->path);
	if (!s->nhit)
		printf(_("  no exposure found\n"));
}

int cli_audit_web(int argc, char **argv, const char *db)
{
	static const struct option opts[] = {
		{ "json", no_argument, NULL, 'j' },
		{ "events", no_argument, NULL, 'E' },
		{ "timeout", required_argument, NULL, 't' },
		{ "rate", required_argument, NULL, 'r' },
		{ "checks", required_argument, NULL, 'c' },
		{ "insecure", no_argument, NULL, 'k' },
		{ "http-port", required_argument, NULL, 'p' },
		{ "targets", required_argument, NULL, 'T' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 }
	};
	struct audit_fetch_opts o = { 10000, 1, "GET", 0, web_allow, NULL };
	struct audit_exposure_set rules = { NULL, 0 };
	struct audit_scope scope;
	const char *checks = NULL, *rate_flag = NULL, *targets = NULL;
	int c, json = 0, events = 0, rate = 5, status = 0, http_port = 80;
	struct verr e = { 0 };
	char *end, **list = NULL;
	long *lines = NULL;
	size_t nlist = 0;
	json_t *arr = NULL;

	optind = 1;
	opterr = 0;
	while ((c = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
		switch (c) {
		case 'j': json = 1; break;
		case 'E': events = 1; break;
		case 'k': o.insecure = 1; break;
		case 'T': targets = optarg; break;
		case 'p':
			http_port = (int)strtol(optarg, &end, 10);
			if (*end || http_port < 1 || http_port > 65535) {
				log_error(_("audit web: --http-port wants a port number, not '%s'"),
					  optarg);
				return EXIT_USAGE;
			}
			break;
		case 'c': checks = optarg; break;
		case 't': {
			double t = strtod(optarg, &end);
			if (*end || t <= 0 || t > 600) {
				log_error(_("audit web: --timeout wants seconds (0 < s <= 600), not '%s'"),
					  optarg);
				return EXIT_USAGE;
			}
			o.timeout_ms = (long)(t * 1000);
			break;
		}
		case 'r': rate_flag = optarg; break;
		case 'h': web_usage(stdout); return 0;
		default:
			log_error(_("audit web: unknown or incomplete option '%s'"), argv[optind - 1]);
			web_usage(stderr);
			return EXIT_USAGE;
		}
	}
	if (optind >= argc && !targets) {
		log_error(_("audit web: give at least one URL"));
		return EXIT_USAGE;
	}
	if (json && events) {
		log_error(_("audit web: --json and --events exclude each other"));
		return EXIT_USAGE;
	}
	if ((status = audit_scope_rate(rate_flag, "audit.web_rate", "audit web", &rate)) != 0)
		return status;
	if (targets && (status = audit_scope_read_list(targets, &list, &lines, &nlist)) != 0)
		return status;
	if ((status = audit_scope_open(&scope, "audit web", db || targets, db)) != 0) {
		audit_scope_free_list(list, lines, nlist);
		return status;
	}
	o.allow_arg = &scope;
	/* the URLs on the command line are explicit: their hosts (and names under them) */
	for (int i = optind; i < argc; i++) {
		char host[256];
		if (!audit_scope_url_host(argv[i], host, sizeof(host)) &&
		    audit_scope_explicit(&scope, host)) {
			status = EXIT_INTERNAL;
			goto out;
		}
	}
	if (checks) {
		FILE *f = fopen(checks, "rb");
		struct buf b;
		char chunk[4096];
		size_t n;
		if (!f) {
			log_error("%s: %s", checks, strerror(errno));
			status = EXIT_IO;
			goto out;
		}
		buf_init(&b, 1 << 24);
		while ((n = fread(chunk, 1, sizeof(chunk), f)) > 0)
			buf_append(&b, chunk, n);
		fclose(f);
		if (audit_exposure_load(&rules, checks, b.data ? b.data : "", b.len, NULL, NULL, &e) !=
		    V_OK)
			status = EXIT_INTERNAL;
		buf_fini(&b);
	} else {
		size_t len = 0;
		const char *d = blob_get("webcheck/exposure.tsv", &len);
		if (!d || audit_exposure_load(&rules, "exposure.tsv", d, len, NULL, NULL, &e) != V_OK)
			status = EXIT_INTERNAL;
	}
	if (status) {
		log_error(_("audit web: the exposure checks could not be loaded"));
		goto out;
	}
	if (sodium_init() < 0) {
		status = EXIT_INTERNAL;
		goto out;
	}
	if (json)
		arr = json_array();
	struct event *ev = events ? event_new() : NULL;
	struct buf out;
	buf_init(&out, 1 << 20);
	size_t nexp = (size_t)(argc - optind);
	for (size_t i = 0; i < nexp + nlist; i++) {
		const char *url = i < nexp ? argv[optind + (int)i] : list[i - nexp];
		struct site *s = calloc(1, sizeof(*s));
		if (!s) {
			status = EXIT_INTERNAL;
			break;
		}
		if (i >= nexp) {
			/* from the list: only what the constituency holds */
			char host[256], why[256];
			if (audit_scope_url_host(url, host, sizeof(host))) {
				snprintf(s->page.error, sizeof(s->page.error), "%s",
					 _("not an http:// or https:// URL"));
			} else if (audit_scope_check(&scope, host, NULL, why, sizeof(why)) ==
				   AUDIT_SCOPE_REFUSED) {
				snprintf(s->page.error, sizeof(s->page.error), "%s", why);
				s->refused = 1;
			}
			if (s->page.error[0]) {
				log_error("%s:%ld: %s: %s", targets, lines[i - nexp], url,
					  s->page.error);
				status = EXIT_REJECTS;
			}
		}
		int crc = V_OK;
		if (!s->page.error[0] &&
		    (crc = check_site(url, &rules, &o, rate, http_port, s)) != V_OK) {
			s->refused = crc == V_ERR_INVALID; /* a redirect out of scope */
			log_error(_("%s: %s"), url, s->page.error[0] ? s->page.error :
				  _("could not be checked"));
			if (!s->page.error[0])
				snprintf(s->page.error, sizeof(s->page.error), "%s",
					 _("could not be checked"));
			status = EXIT_REJECTS;
		}
		if (arr)
			json_array_append_new(arr, site_json(url, s));
		else if (ev)
			emit_events(url, s, ev, &out);
		else
			print_site(url, s);
		audit_http_fini(&s->page);
		audit_http_fini(&s->http_first);
		free(s);
	}
	if (arr) {
		if (json_dumpf(arr, stdout, JSON_INDENT(2)) == 0)
			fputc('\n', stdout);
		json_decref(arr);
	}
	buf_fini(&out);
	event_free(ev);
out:
	audit_exposure_fini(&rules);
	audit_scope_fini(&scope);
	audit_scope_free_list(list, lines, nlist);
	return status;
}
