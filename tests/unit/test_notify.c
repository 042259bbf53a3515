/*
 * test_notify.c — the notification module without a network: routing rules (parse errors
 * named by path, first match wins, every kind of match), the TLP rule, planning against a
 * constituency (network, AS, domain, abuse contact, partner CERT, do-not-notify), templates
 * (unknown fields named with template and line, loops, rendering), the CSV and X-ARF writers,
 * the MIME message (headers, RFC 2047, attachments) and the queue and ledger in the store
 * (nothing queued twice, claim, outcomes, versions).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <jansson.h>

#include "base/conf.h"
#include "notify/notify.h"
#include "share/csvout.h"
#include "share/xarf.h"
#include "tap.h"

static void test_rules(void)
{
	struct notify_rules *r = NULL;
	struct notify_decision d;
	struct verr e = { 0 };
	const char *ok_rules =
		"{\"rules\": ["
		" {\"name\": \"quiet\", \"match\": {\"organisation\": [\"Quiet\"]}, \"action\": \"suppress\"},"
		" {\"name\": \"amber-es\", \"match\": {\"tlp\": [\"TLP:AMBER\"], \"country\": [\"ES\"]},"
		"  \"interval\": \"immediate\", \"format\": \"xarf\", \"lang\": \"es\"},"
		" {\"name\": \"malware\", \"match\": {\"classification\": [\"malicious-code\"]},"
		"  \"interval\": \"daily\", \"template\": \"short\"},"
		" {\"name\": \"certs\", \"match\": {\"kind\": [\"cert\"], \"side\": [\"source\"]}, \"interval\": \"daily\"},"
		" {\"name\": \"rest\"}]}";
	struct notify_facts f = { .classification = "scanner", .taxonomy = "information-gathering",
				  .tlp = "amber", .organisation = "ISP", .country = "ES",
				  .kind = NOTIFY_ORG, .side = NOTIFY_SOURCE };

	ok(notify_rules_parse(ok_rules, strlen(ok_rules), "r.json", &r, &e) == V_OK,
	   "rules: a good file parses (%s)", e.reason);
	ok(notify_rules_decide(r, &f, &d) && !strcmp(d.rule, "amber-es") &&
		   d.interval == NOTIFY_IMMEDIATE && !strcmp(d.format, "xarf") && !strcmp(d.lang, "es"),
	   "rules: TLP (any spelling) and country match; the rule's settings come back");
	f.organisation = "quiet";
	ok(notify_rules_decide(r, &f, &d) && !strcmp(d.rule, "quiet") && d.suppress,
	   "rules: the first match wins; organisation compares without case");
	f.organisation = "ISP";
	f.tlp = "GREEN";
	f.taxonomy = "malicious-code";
	ok(notify_rules_decide(r, &f, &d) && !strcmp(d.rule, "malware") &&
		   !strcmp(d.template_name, "short") && d.interval == NOTIFY_DAILY,
	   "rules: classification matches the taxonomy too");
	f.taxonomy = "information-gathering";
	f.kind = NOTIFY_CERT;
	ok(notify_rules_decide(r, &f, &d) && !strcmp(d.rule, "certs"), "rules: kind and side");
	f.side = NOTIFY_DESTINATION;
	ok(notify_rules_decide(r, &f, &d) && !strcmp(d.rule, "rest") &&
		   !strcmp(d.template_name, "summary") && d.interval == NOTIFY_HOURLY && !d.format,
	   "rules: a rule without match takes the rest, with the defaults");
	notify_rules_free(r);

	static const struct {
		const char *text, *field;
	} bad[] = {
		{ "{\"rules\": [{\"name\": \"a\", \"interval\": \"weekly\"}]}", "rules[0].interval" },
		{ "{\"rules\": [{\"match\": {}}]}", "rules[0].name" },
		{ "{\"rules\": [{\"name\": \"a\"}, {\"name\": \"b\", \"match\": {\"kind\": [\"isp\"]}}]}",
		  "rules[1].match.kind" },
		{ "{\"rules\": [{\"name\": \"a\", \"match\": {\"tlp\": []}}]}", "rules[0].match.tlp" },
		{ "{\"rules\": [{\"name\": \"a\", \"actoin\": \"suppress\"}]}", "rules[0].actoin" },
		{ "{\"rules\": [{\"name\": \"a\", \"template\": \"../x\"}]}", "rules[0].template" },
		{ "{\"rules\": [{\"name\": \"a\", \"format\": \"pdf\"}]}", "rules[0].format" },
		{ "{\"rulez\": []}", "rules" },
	};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		memset(&e, 0, sizeof(e));
		r = NULL;
		int rc = notify_rules_parse(bad[i].text, strlen(bad[i].text), "bad.json", &r, &e);
		ok(rc == V_ERR_INVALID && !r && !strcmp(e.field, bad[i].field) && e.file &&
			   !strcmp(e.file, "bad.json"),
		   "rules: bad value named %s (got %s: %s)", bad[i].field, e.field, e.reason);
	}
	memset(&e, 0, sizeof(e));
	ok(notify_rules_parse("{\"rules\": [", 11, "t.json", &r, &e) == V_ERR_INVALID && e.line == 1,
	   "rules: broken JSON is refused with its line");
	ok(notify_rules_load(NULL, &r, &e) == V_OK, "rules: the built-in file loads");
	notify_rules_free(r);
}

/*
 * Every (marking × recipient kind) decision for e-mail, through notify_policy_decide() and so
 * through src/share/policy: the affected organisation, an abuse contact (share.unnamed_recipient,
 * community), a partner CERT not registered (the same), a partner CERT registered as a partner
 * with tlp_max AMBER and pseudonyms, and one registered as kind public.
 */
static void test_policy(void)
{
	static const char *const marks[] = { "CLEAR", "GREEN", "AMBER", "AMBER+STRICT", "RED",
					      NULL, "WHITE", "PURPLE" };
	enum { ORG, ABUSE, CERT_UNREG, CERT_PARTNER, CERT_PUBLIC, NKINDS };
	static const char *const kind_label[NKINDS] = { "affected organisation", "abuse contact",
							 "unregistered partner CERT",
							 "registered partner CERT",
							 "partner CERT of kind public" };
	/* expected form per mark (rows) and kind (columns): W withhold, A as is, P pseudonymised;
	 * NULL (unmarked) counts as share.default_tlp, AMBER; WHITE as CLEAR; PURPLE as RED */
	static const char expect[8][NKINDS + 1] = {
		"AAAPA", /* CLEAR */
		"AAAPW", /* GREEN: above public */
		"AWWWW", /* AMBER: only the affected organisation */
		"AWWWW", /* AMBER+STRICT: likewise */
		"WWWWW", /* RED: never by e-mail */
		"AWWWW", /* unmarked = AMBER */
		"AAAPA", /* WHITE = CLEAR */
		"WWWWW", /* unknown = RED */
	};
	static const char *const names[NKINDS] = { "Example ISP", NULL, "CERT-XX", "CERT-DE",
						    "CERT-PUB" };
	static const enum notify_kind kinds[NKINDS] = { NOTIFY_ORG, NOTIFY_ABUSE, NOTIFY_CERT,
							NOTIFY_CERT, NOTIFY_CERT };
	const char *key = "ff0102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f";
	struct store_partner de = { .name = "CERT-DE", .kind = "partner", .tlp_max = "AMBER",
				    .pseudonymise = 1, .pseudo_key = key };
	struct store_partner pub = { .name = "CERT-PUB", .kind = "public", .tlp_max = "CLEAR",
				     .pseudo_key = key };
	char path[] = "/tmp/vigia-test-notify-XXXXXX";
	int fd = mkstemp(path);
	struct store *st = NULL;
	struct notify_planner *p = NULL;
	struct notify_rules *r = NULL;
	struct constituency *c = constituency_new();
	struct verr e = { 0 };
	size_t bad = 0;

	close(fd);
	unlink(path);
	notify_rules_load(NULL, &r, &e);
	ok(store_open(path, &st, &e) == V_OK && store_partner_put(st, &de, &e) == V_OK &&
		   store_partner_put(st, &pub, &e) == V_OK,
	   "policy: a store with two partners (%s)", e.reason);
	ok(notify_planner_new(c, NULL, r, &p) == V_OK && notify_planner_policy(p, st, &e) == V_OK,
	   "policy: the planner reads the partners and settings (%s)", e.reason);
	for (size_t m = 0; p && m < sizeof(marks) / sizeof(marks[0]); m++)
		for (int k = 0; k < NKINDS; k++) {
			struct store_incident inc = { .id = 1, .tlp = marks[m],
						      .taxonomy = "vulnerable" };
			struct policy_verdict v;
			int may = notify_policy_decide(p, kinds[k], names[k], &inc, &v);
			char got = v.form == PF_WITHHOLD ? 'W' : v.form == PF_AS_IS ? 'A' : 'P';
			int good = got == expect[m][k] && may == (got != 'W') &&
				   (got != 'W' || v.reason[0]);
			bad += !good;
			ok(good, "policy: TLP:%s to the %s: %c (%s)", marks[m] ? marks[m] : "(none)",
			   kind_label[k], got, v.reason);
		}
	ok(bad == 0, "policy: every (marking x recipient kind) decision as the table says");
	{
		struct store_incident inc = { .id = 1, .tlp = "RED" };
		struct policy_verdict v;
		notify_policy_decide(p, NOTIFY_ORG, "Example ISP", &inc, &v);
		ok(strstr(v.reason, "TLP:RED") && strstr(v.reason, "e-mail"),
		   "policy: the reason names TLP:RED and e-mail (%s)", v.reason);
		inc.tlp = "AMBER";
		notify_policy_decide(p, NOTIFY_CERT, "CERT-DE", &inc, &v);
		ok(strstr(v.reason, "affected organisation") != NULL,
		   "policy: AMBER to a CERT: only the affected organisation (%s)", v.reason);
		ok(notify_policy_recipient(p, NOTIFY_CERT, "cert-de")->pseudonymise &&
			   !notify_policy_recipient(p, NOTIFY_CERT, "CERT-XX")->pseudonymise,
		   "policy: a registered partner CERT is found by name, any case");
	}
	notify_planner_free(p);
	notify_rules_free(r);
	constituency_free(c);
	store_close(st);
	unlink(path);
}

struct got {
	char lines[16][256];
	size_t n;
};

static int collect(void *arg, const struct notify_subject *s, const struct notify_target *t)
{
	struct got *g = arg;

	(void)s;
	if (g->n < 16)
		snprintf(g->lines[g->n++], 256, "%s|%s|%s|%s|%s", t->recipient ? t->recipient : "-",
			 t->recipient ? notify_kind_name(t->kind) : "none", t->rule ? t->rule : "-",
			 t->lang ? t->lang : "-", t->why);
	return 0;
}

static struct event *ev_of(const char *json)
{
	struct event *ev = event_new();
	json_t *o = json_loads(json, 0, NULL);
	struct verr e = { 0 };

	if (!ev || !o || event_from_json(ev, o, 0, &e) != V_OK)
		printf("# bad test event: %s\n", e.reason);
	json_decref(o);
	return ev;
}

static void test_plan(void)
{
	struct store_contact isp_c[] = { { .email = "abuse@isp.example", .lang = "es" } };
	struct store_contact dom_c[] = { { .email = "noc@shop.example" } };
	struct store_contact cert_c[] = { { .email = "cert@cert.example", .lang = "en" } };
	struct store_network isp_n[] = { { .cidr = "192.0.2.0/24" }, { .cidr = "192.0.2.128/25",
									 .do_not_notify = 1 } };
	int64_t isp_asn[] = { 64500 };
	const char *shop_d[] = { "shop.example" };
	struct store_org isp = { .name = "ISP", .nnetworks = 2, .networks = isp_n, .nasns = 1,
				 .asns = isp_asn, .ncontacts = 1, .contacts = isp_c };
	struct store_org shop = { .name = "Shop", .ndomains = 1, .domains = shop_d,
				  .ncontacts = 1, .contacts = dom_c };
	struct store_cert cert = { .cc = "DE", .name = "CERT-DE", .ncontacts = 1,
				   .contacts = cert_c };
	struct constituency *c = constituency_new();
	struct notify_rules *r = NULL;
	struct notify_planner *p = NULL;
	struct verr e = { 0 };
	struct store_incident inc = { .id = 1, .classification_type = "scanner",
				      .taxonomy = "information-gathering", .tlp = "GREEN",
				      .event_count = 5 };
	struct notify_subject *s = malloc(sizeof(*s));
	struct got g;
	struct event *ev;

	ok(c && constituency_add_org(c, &isp, &e) == V_OK && constituency_add_org(c, &shop, &e) == V_OK &&
		   constituency_add_cert(c, &cert, &e) == V_OK && constituency_index(c, &e) == V_OK,
	   "plan: a constituency (%s)", e.reason);
	notify_rules_load(NULL, &r, &e);
	notify_planner_new(c, NULL, r, &p);

	notify_subject_init(s, &inc);
	ok(s->version == 5, "plan: the version is the event count");
	ev = ev_of("{\"source.ip\": \"192.0.2.7\", \"destination.ip\": \"203.0.113.1\","
		   " \"destination.geolocation.cc\": \"DE\"}");
	notify_subject_add_event(s, ev);
	notify_subject_add_event(s, ev);
	ok(s->naddrs == 2, "plan: distinct addresses of both sides (%zu)", s->naddrs);
	memset(&g, 0, sizeof(g));
	notify_plan(p, s, collect, &g);
	ok(g.n == 2 && !strncmp(g.lines[0], "abuse@isp.example|org|default|es|", 33) &&
		   strstr(g.lines[0], "192.0.2.0/24"),
	   "plan: the network's organisation, its contact's language, the rule (%s)", g.lines[0]);
	ok(g.n == 2 && !strncmp(g.lines[1], "-|none|", 7) && strstr(g.lines[1], "no-victims-abroad"),
	   "plan: a victim abroad is suppressed by the default rules, saying so (%s)", g.lines[1]);
	event_free(ev);

	notify_subject_init(s, &inc);
	ev = ev_of("{\"source.ip\": \"192.0.2.200\"}");
	notify_subject_add_event(s, ev);
	event_free(ev);
	memset(&g, 0, sizeof(g));
	notify_plan(p, s, collect, &g);
	ok(g.n == 1 && !strncmp(g.lines[0], "-|none", 6) && strstr(g.lines[0], "do-not-notify"),
	   "plan: a do-not-notify network (longest prefix) is not told (%s)", g.lines[0]);

	notify_subject_init(s, &inc);
	ev = ev_of("{\"source.ip\": \"198.51.100.9\", \"source.asn\": 64500}");
	notify_subject_add_event(s, ev);
	event_free(ev);
	memset(&g, 0, sizeof(g));
	notify_plan(p, s, collect, &g);
	ok(g.n == 1 && !strncmp(g.lines[0], "abuse@isp.example|org", 21),
	   "plan: by AS when no network holds the address (%s)", g.lines[0]);

	notify_subject_init(s, &inc);
	ev = ev_of("{\"source.url\": \"http://www.shop.example/x\", \"source.abuse_contact\": \"a@b.example\"}");
	notify_subject_add_event(s, ev);
	event_free(ev);
	memset(&g, 0, sizeof(g));
	notify_plan(p, s, collect, &g);
	ok(g.n == 1 && !strncmp(g.lines[0], "noc@shop.example|org|default|en|", 32),
	   "plan: by the URL's domain, before the abuse contact; default language (%s)", g.lines[0]);

	notify_subject_init(s, &inc);
	ev = ev_of("{\"source.ip\": \"198.18.0.1\", \"source.abuse_contact\": \"abuse@host.example\","
		   " \"source.geolocation.cc\": \"DE\"}");
	notify_subject_add_event(s, ev);
	event_free(ev);
	memset(&g, 0, sizeof(g));
	notify_plan(p, s, collect, &g);
	ok(g.n == 1 && !strncmp(g.lines[0], "abuse@host.example|abuse|", 25),
	   "plan: the event's abuse contact before the partner CERT (%s)", g.lines[0]);

	notify_subject_init(s, &inc);
	ev = ev_of("{\"source.ip\": \"198.18.0.2\", \"source.geolocation.cc\": \"DE\"}");
	notify_subject_add_event(s, ev);
	event_free(ev);
	memset(&g, 0, sizeof(g));
	notify_plan(p, s, collect, &g);
	ok(g.n == 1 && !strncmp(g.lines[0], "cert@cert.example|cert|partner-certs-daily|en|", 46),
	   "plan: else the country's partner CERT (%s)", g.lines[0]);
	inc.tlp = "AMBER";
	memset(&g, 0, sizeof(g));
	notify_plan(p, s, collect, &g);
	ok(g.n == 1 && !strncmp(g.lines[0], "-|none", 6) && strstr(g.lines[0], "TLP:AMBER"),
	   "plan: but not at TLP:AMBER (%s)", g.lines[0]);

	notify_subject_init(s, &inc);
	ev = ev_of("{\"source.ip\": \"198.18.0.3\", \"source.abuse_contact\": \"not-an-address\"}");
	notify_subject_add_event(s, ev);
	event_free(ev);
	memset(&g, 0, sizeof(g));
	notify_plan(p, s, collect, &g);
	ok(g.n == 1 && !strncmp(g.lines[0], "-|none", 6) && strstr(g.lines[0], "not-an-address") &&
		   strstr(g.lines[0], "incident 1"),
	   "plan: an invalid abuse contact is named with the incident (%s)", g.lines[0]);

	free(s);
	notify_planner_free(p);
	notify_rules_free(r);
	constituency_free(c);
}

static void test_templates(void)
{
	struct notify_template *t = NULL;
	struct verr e = { 0 };
	const char *good = "Subject: [{{team}}] {{count}} for {{recipient_name}}\n\n"
			   "Hello\n{{#incidents}}\n- #{{id}} {{classification}} {{address}}\n"
			   "{{/incidents}}\nBye {{team_email}}\n";
	struct store_incident inc[2] = { { .id = 3, .classification_type = "scanner" },
					 { .id = 9, .classification_type = "ddos" } };
	struct notify_msg_incident mi[2] = { { .inc = &inc[0], .address = "192.0.2.1" },
					     { .inc = &inc[1], .address = "192.0.2.2" } };
	struct notify_msg m = { .team = "CSIRT", .team_email = "c@x.example",
				.recipient = "a@b.example", .recipient_name = "ISP",
				.nincidents = 2, .incidents = mi };
	struct buf subj, body;

	ok(notify_template_parse(good, strlen(good), "en/t.txt", &t, &e) == V_OK,
	   "template: parses (%s)", e.reason);
	buf_init(&subj, 0);
	buf_init(&body, 0);
	ok(t && notify_render(t, &m, &subj, &body, &e) == V_OK, "template: renders");
	is_str(buf_cstr(&subj), "[CSIRT] 2 for ISP", "template: the subject");
	is_str(buf_cstr(&body),
	       "Hello\n- #3 scanner 192.0.2.1\n- #9 ddos 192.0.2.2\nBye c@x.example\n",
	       "template: the loop, with no empty lines left by the section tags");
	buf_fini(&subj);
	buf_fini(&body);
	notify_template_free(t);

	static const struct {
		const char *text, *field;
		long line;
	} bad[] = {
		{ "Subject: x\n\nline\n{{nme}}\n", "nme", 4 },
		{ "Subject: {{id}}\n\n", "id", 1 },
		{ "Subject: x\n\n{{id}}\n", "id", 3 },
		{ "Subject: x\n\n{{#incidents}}\n{{#incidents}}\n", "incidents", 4 },
		{ "Subject: x\n\n{{#incidents}}\n", "incidents", 4 },
		{ "Subject: x\n\n{{#events}}{{/events}}", "events", 3 },
		{ "Hello\n", "", 1 },
	};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		memset(&e, 0, sizeof(e));
		t = NULL;
		int rc = notify_template_parse(bad[i].text, strlen(bad[i].text), "es/x.txt", &t, &e);
		ok(rc == V_ERR_INVALID && !t && !strcmp(e.field, bad[i].field) && e.line == bad[i].line &&
			   e.file && !strcmp(e.file, "es/x.txt"),
		   "template: error %zu names es/x.txt:%ld: %s (got %ld: %s: %s)", i, bad[i].line,
		   bad[i].field, e.line, e.field, e.reason);
	}
	static const char *const shipped[][2] = { { "summary", "es" }, { "summary", "en" },
						  { "country", "es" }, { "country", "en" } };
	for (size_t i = 0; i < 4; i++) {
		t = NULL;
		ok(notify_template_load(NULL, shipped[i][0], shipped[i][1], &t, &e) == V_OK,
		   "template: shipped %s/%s.txt loads", shipped[i][1], shipped[i][0]);
		notify_template_free(t);
	}
	ok(notify_template_load(NULL, "summary", "fr", &t, &e) == V_ERR_NOTFOUND,
	   "template: no such language");
	ok(notify_template_load(NULL, "../etc", "es", &t, &e) == V_ERR_INVALID,
	   "template: a path is not a name");
}

static void test_writers(void)
{
	struct event *ev = ev_of("{\"source.ip\": \"192.0.2.7\", \"source.port\": 4444,"
				 " \"protocol.transport\": \"tcp\", \"classification.type\": \"scanner\","
				 " \"feed.name\": \"=HYPERLINK(1)\", \"malware.name\": \"a,b\"}");
	const struct event *evs[1] = { ev };
	struct store_incident inc = { .id = 12, .first_seen = 1763632800, .last_seen = 1763636400,
				      .classification_type = "scanner", .title = "Scan",
				      .tlp = "GREEN", .event_count = 1 };
	struct xarf_reporter rep = { "CSIRT", "c@x.example", "x.example" };
	struct buf b, b2;
	struct verr e = { 0 };
	const char *fields[] = { "source.ip", "malware.name", "feed.name", "source.port" };
	json_t *o;

	buf_init(&b, 0);
	csvout_header(&b, fields, 4);
	csvout_event(&b, 12, ev, fields, 4);
	is_str(buf_cstr(&b),
	       "incident,source.ip,malware.name,feed.name,source.port\r\n"
	       "12,192.0.2.7,\"a,b\",'=HYPERLINK(1),4444\r\n",
	       "csv: quoting, and a formula defused");
	buf_reset(&b);
	ok(xarf_report(&rep, &inc, 1, evs, 1, &b, &e) == V_OK, "xarf: a report (%s)", e.reason);
	o = json_loads(buf_cstr(&b), 0, NULL);
	ok(o && !strcmp(json_string_value(json_object_get(o, "category")), "connection") &&
		   !strcmp(json_string_value(json_object_get(o, "type")), "port_scan") &&
		   json_integer_value(json_object_get(o, "source_port")) == 4444 &&
		   !strcmp(json_string_value(json_object_get(o, "source_identifier")), "192.0.2.7") &&
		   !strcmp(json_string_value(json_object_get(o, "xarf_version")), XARF_VERSION),
	   "xarf: a scan is connection/port_scan with its source and port");
	buf_init(&b2, 0);
	xarf_report(&rep, &inc, 1, evs, 1, &b2, &e);
	is_str(buf_cstr(&b2), buf_cstr(&b), "xarf: the same incident version gives the same bytes");
	json_decref(o);
	event_free(ev);
	ev = ev_of("{\"source.ip\": \"192.0.2.8\", \"classification.type\": \"scanner\"}");
	evs[0] = ev;
	buf_reset(&b);
	xarf_report(&rep, &inc, 1, evs, 1, &b, &e);
	o = json_loads(buf_cstr(&b), 0, NULL);
	ok(o && !strcmp(json_string_value(json_object_get(o, "type")), "threat_intelligence") &&
		   !strcmp(json_string_value(json_object_get(o, "threat_type")), "scanner"),
	   "xarf: without protocol and port a scan falls back to threat intelligence");
	json_decref(o);
	event_free(ev);
	ev = ev_of("{\"destination.ip\": \"192.0.2.8\"}");
	evs[0] = ev;
	ok(xarf_report(&rep, &inc, 1, evs, 1, &b, &e) == V_ERR_INVALID && strstr(e.reason, "12"),
	   "xarf: no source, no report, and the incident is named");
	event_free(ev);
	buf_fini(&b);
	buf_fini(&b2);
}

static void test_mail(void)
{
	struct notify_part parts[] = { { "incidents.csv", "text/csv", "a,b\r\n", 5 },
				       { "xarf-incident-1.json", "application/json", "{}", 2 } };
	struct buf b;
	struct verr e = { 0 };
	int64_t ids[] = { 3, 4 }, ids2[] = { 3, 5 };
	char id1[128], id2[128], id3[128];

	buf_init(&b, 0);
	ok(notify_mail_build(&b, "CSIRT <c@x.example>", "a@b.example", "Informe: dirección",
			     "<m1@x.example>", 0, "Hola\nadiós\n", parts, 2, NULL, &e) == V_OK,
	   "mail: builds");
	ok(strstr(buf_cstr(&b), "Subject: =?UTF-8?B?") && strstr(buf_cstr(&b), "X-XARF: PLAIN\r\n") &&
		   strstr(buf_cstr(&b), "Message-ID: <m1@x.example>\r\n") &&
		   strstr(buf_cstr(&b), "filename=\"xarf-incident-1.json\"") &&
		   strstr(buf_cstr(&b), "Date: Thu, 01 Jan 1970 00:00:00 +0000\r\n"),
	   "mail: encoded subject, X-XARF, Message-ID, attachments, date");
	ok(!strstr(buf_cstr(&b), "\n\n") && !strstr(buf_cstr(&b), "\r\r"), "mail: CRLF line ends only");
	buf_fini(&b);
	notify_message_id(ids, 2, "x.example", id1);
	notify_message_id(ids, 2, "x.example", id2);
	notify_message_id(ids2, 2, "x.example", id3);
	ok(!strcmp(id1, id2) && strcmp(id1, id3) && strstr(id1, "@x.example>") && id1[0] == '<',
	   "mail: the Message-ID is stable for the same notices, different for others");
	ok(notify_interval_due(NOTIFY_HOURLY, 7201) == 10800 &&
		   notify_interval_due(NOTIFY_DAILY, 86400 + 5) == 2 * 86400 &&
		   notify_interval_due(NOTIFY_IMMEDIATE, 77) == 77,
	   "intervals: due at the end of the hour or the day");
}

static int count_cb(void *arg, const struct store_notice *n)
{
	(void)n;
	(*(int *)arg)++;
	return 0;
}

static int ledger_cb(void *arg, const struct store_ledger *l)
{
	(void)l;
	(*(int *)arg)++;
	return 0;
}

static void test_queue(void)
{
	char path[] = "/tmp/vigia-test-notify-XXXXXX";
	int fd = mkstemp(path);
	struct store *st = NULL;
	struct verr e = { 0 };
	struct store_incident inc = { .rule = "r", .key = "k", .title = "t" };
	int64_t id1 = 0, id2 = 0, ids[2];
	size_t added = 0;
	int cnt;

	close(fd);
	unlink(path);
	ok(store_open(tap_store_path(path), &st, &e) == V_OK, "queue: a store (%s)", e.reason);
	store_incident_create(st, &inc, &id1, &e);
	store_incident_create(st, &inc, &id2, &e);
	struct store_notice n[3] = {
		{ .incident = id1, .version = 1, .recipient = "a@x.example", .akey = "h/1",
		  .due = 100, .template_name = "summary" },
		{ .incident = id2, .version = 1, .recipient = "a@x.example", .akey = "h/1",
		  .due = 100, .template_name = "summary" },
		{ .incident = id1, .version = 1, .recipient = "b@x.example", .akey = "h/1",
		  .due = 5000, .template_name = "summary" },
	};
	ok(store_notices_add(st, n, 3, &added, &e) == V_OK && added == 3, "queue: three added");
	ok(store_notices_add(st, n, 3, &added, &e) == V_OK && added == 0,
	   "queue: the same again adds nothing");
	struct store_notice_filter f = { .state = NOTICE_QUEUED, .due_before = 200, .limit = -1 };
	cnt = 0;
	store_notices_query(st, &f, count_cb, &cnt, &e);
	ok(cnt == 2, "queue: two due at 200");
	n[0].version = 2;
	ok(store_notices_add(st, n, 1, &added, &e) == V_OK && added == 0,
	   "queue: a newer version replaces the queued older one");
	f = (struct store_notice_filter){ .state = -1, .incident = id1, .recipient = "a@x.example",
					  .limit = -1 };
	cnt = 0;
	store_notices_query(st, &f, count_cb, &cnt, &e);
	ok(cnt == 1, "queue: still one notice for that recipient and incident");
	ids[0] = 1;
	ids[1] = 2;
	ok(store_notices_claim(st, ids, 2, "<m@x>", &e) == V_OK, "queue: claim");
	ok(store_notices_claim(st, ids, 2, "<m@x>", &e) == V_OK, "queue: claiming again (a resend) is fine");
	ok(store_notices_done(st, "<m@x>", NOTICE_SENT, 0, "250 ok", &e) == V_OK, "queue: sent");
	ok(store_notices_claim(st, ids, 1, "<m2@x>", &e) == V_ERR_INVALID,
	   "queue: a sent notice cannot be claimed again");
	cnt = 0;
	store_ledger_query(st, NULL, 0, ledger_cb, &cnt, &e);
	ok(cnt == 2, "ledger: a row per notice sent");
	int64_t msgs = 0;
	store_ledger_count(st, "a@x.example", 0, &msgs, &e);
	ok(msgs == 1, "ledger: one message to a@x.example");
	n[0].version = 2;
	ok(store_notices_add(st, n, 2, &added, &e) == V_OK && added == 0,
	   "queue: what the ledger holds is not queued again");
	n[0].template_name = "country";
	ok(store_notices_add(st, n, 1, &added, &e) == V_OK && added == 1,
	   "queue: another kind of message (country report) may repeat an incident");
	ids[0] = 3;
	store_notices_claim(st, ids, 1, "<m3@x>", &e);
	store_notices_done(st, "<m3@x>", NOTICE_QUEUED, 777, "451 later", &e);
	f = (struct store_notice_filter){ .state = NOTICE_QUEUED, .recipient = "b@x.example",
					  .limit = -1 };
	struct store_notice_filter f2 = { .state = NOTICE_QUEUED, .due_before = 6000,
					  .recipient = "b@x.example", .limit = -1 };
	cnt = 0;
	store_notices_query(st, &f2, count_cb, &cnt, &e);
	ok(cnt == 1, "queue: a temporary failure goes back to the queue");
	store_notices_claim(st, ids, 1, "<m4@x>", &e);
	store_notices_done(st, "<m4@x>", NOTICE_FAILED, 0, "550 no", &e);
	f.state = NOTICE_FAILED;
	cnt = 0;
	store_notices_query(st, &f, count_cb, &cnt, &e);
	ok(cnt == 1, "queue: a permanent failure is failed");
	store_close(st);
	unlink(path);
	char wal[80];
	snprintf(wal, sizeof(wal), "%s-wal", path);
	unlink(wal);
	snprintf(wal, sizeof(wal), "%s-shm", path);
	unlink(wal);
}

int main(void)
{
	conf_init();
	test_rules();
	test_policy();
	test_plan();
	test_templates();
	test_writers();
	test_mail();
	test_queue();
	conf_fini();
	return done_testing();
}
