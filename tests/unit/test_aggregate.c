/*
 * test_aggregate.c — aggregation rules as data: the built-in rules choose the right rule and
 * key for each kind of event; a rules file is checked (unknown fields, windows, priorities);
 * events join the open incident of their key within the window, a new one opens after it,
 * with priority, deadline, TLP, classification and title from the rule and the event; its
 * attribution (country, AS, network) comes from the victim side of its first event that has
 * one, is kept when later events say otherwise, and the queue's filters find it by them.
 */
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "pipeline/pipeline.h"
#include "tap.h"

static struct event *mk(const char *const *kv)
{
	struct event *ev = event_new();
	struct verr e = { 0 };

	for (; kv[0]; kv += 2)
		if (event_set_str(ev, kv[0], kv[1], 0, &e) != V_OK)
			printf("# cannot set %s: %s\n", kv[0], e.reason);
	event_derive_taxonomy(ev);
	return ev;
}

static const char *rule_of(struct aggregate *ag, const char *const *kv, struct buf *key)
{
	struct event *ev = mk(kv);
	int r = aggregate_rule_for(ag, ev, key);
	event_free(ev);
	return r < 0 ? "(none)" : aggregate_rule_name(ag, (size_t)r);
}

static int64_t put(struct store *st, struct aggregate *ag, struct event *ev, int64_t batch,
		   int *created)
{
	struct pipe_event pe;
	struct verr e = { 0 };

	pipe_event_init(&pe, ev, batch, 0);
	if (store_event_insert(st, batch, ev, 0, &pe.event_id, &e) != V_OK ||
	    aggregate_event(ag, st, &pe, &e) != V_OK) {
		printf("# %s\n", e.reason);
		return -1;
	}
	*created = pe.incident_created;
	return pe.incident;
}

struct audit_seen {
	int n;
	char actor[32], action[32], after[512];
};

static int audit_collect(void *arg, const struct store_audit *a)
{
	struct audit_seen *as = arg;

	if (as->n++ == 0) {
		snprintf(as->actor, sizeof(as->actor), "%s", a->actor ? a->actor : "");
		snprintf(as->action, sizeof(as->action), "%s", a->action ? a->action : "");
		snprintf(as->after, sizeof(as->after), "%s", a->after ? a->after : "");
	}
	return 0;
}

struct idpair {
	int64_t n, last;
};

/* Counts the incidents of a query; last: the last one's id. */
static int count_inc(void *arg, const struct store_incident *inc)
{
	struct idpair *p = arg;

	p->n++;
	p->last = inc->id;
	return 0;
}

int main(void)
{
	struct aggregate_options o = { 0 };
	struct aggregate *ag = NULL;
	struct verr e = { 0 };
	struct buf key;
	char path[] = "/tmp/vigia-test-agg-XXXXXX";
	struct store *st = NULL;

	buf_init(&key, 0);
	o.deadline[0] = 4 * 3600;
	o.deadline[1] = 86400;
	o.deadline[2] = 3 * 86400;
	o.deadline[3] = 7 * 86400;
	o.now = 1795000000;

	/* ---- the built-in rules -------------------------------------------------------------- */
	is_int(aggregate_new(&o, &ag, &e), V_OK, "built-in rules load");
	ok(aggregate_rule_count(ag) >= 5, "several rules");
	is_str(rule_of(ag, (const char *const[]){ "classification.type", "phishing", "source.url",
						  "http://bank.example/login", NULL }, &key),
	       "phishing", "phishing by URL");
	is_str(buf_cstr(&key), "source.url=http://bank.example/login", "key: the URL");
	is_str(rule_of(ag, (const char *const[]){ "classification.type", "infected-system",
						  "malware.name", "mirai", "source.ip",
						  "192.0.2.7", "source.network", "192.0.2.0/24",
						  NULL }, &key),
	       "infection", "infection");
	is_str(buf_cstr(&key), "malware.name=mirai source.network=192.0.2.0/24",
	       "key: malware and network");
	rule_of(ag, (const char *const[]){ "classification.type", "infected-system",
					   "malware.name", "mirai", "source.ip", "192.0.2.7",
					   NULL }, &key);
	is_str(buf_cstr(&key), "malware.name=mirai source.ip=192.0.2.7",
	       "no network: the address instead");
	is_str(rule_of(ag, (const char *const[]){ "classification.type", "c2-server",
						  "source.fqdn", "c2.example.net", "source.ip",
						  "192.0.2.9", NULL }, &key),
	       "malicious-domain", "malicious domain");
	is_str(rule_of(ag, (const char *const[]){ "classification.type", "vulnerable-system",
						  "classification.identifier", "openssl",
						  "source.ip", "192.0.2.10", NULL }, &key),
	       "vulnerable-system", "vulnerable system");
	is_str(buf_cstr(&key), "source.ip=192.0.2.10 classification.identifier=openssl",
	       "key: address and identifier");
	is_str(rule_of(ag, (const char *const[]){ "classification.type", "scanner", "source.ip",
						  "192.0.2.11", NULL }, &key),
	       "by-source", "anything else by source address and type");
	is_str(rule_of(ag, (const char *const[]){ "classification.type", "c2-server", "source.ip",
						  "192.0.2.12", NULL }, &key),
	       "by-source", "a rule whose key is missing is skipped");
	is_str(rule_of(ag, (const char *const[]){ "classification.type", "spam", "source.fqdn",
						  "mail.example.com", NULL }, &key),
	       "by-domain", "no address: by domain");
	is_str(rule_of(ag, (const char *const[]){ "comment", "nothing to key on", NULL }, &key),
	       "(none)", "no rule applies");
	aggregate_free(ag);

	/* ---- a rules file of our own --------------------------------------------------------- */
	const char *mine =
		"{\"rules\": [{\"name\": \"ssh\", \"match\": {\"feed.name\": \"SSH\","
		" \"classification.type\": [\"brute-force\", \"scanner\"]},"
		" \"key\": [\"source.ip\", \"extra.user name\"], \"window\": \"2h\","
		" \"priority\": \"P1\", \"title\": \"SSH {classification.type} from"
		" {source.ip} as {extra.user name|comment} ({key})\"}]}";
	is_int(aggregate_new_json(&o, mine, strlen(mine), "mine.json", &ag, &e), V_OK,
	       "own rules file");
	is_str(rule_of(ag, (const char *const[]){ "feed.name", "SSH", "classification.type",
						  "scanner", "source.ip", "192.0.2.1",
						  "extra.user name", "100% root", NULL }, &key),
	       "ssh", "match on feed and type, extra key");
	is_str(buf_cstr(&key), "source.ip=192.0.2.1 extra.user name=100%25%20root",
	       "spaces and %% in values are escaped");
	is_str(rule_of(ag, (const char *const[]){ "feed.name", "Other", "classification.type",
						  "scanner", "source.ip", "192.0.2.1",
						  "extra.user name", "root", NULL }, &key),
	       "(none)", "another feed does not match");
	aggregate_free(ag);

	static const struct {
		const char *json, *what;
	} bad[] = {
		{ "{\"rules\": []}", "no rules" },
		{ "{\"rules\": [{\"key\": [\"source.ip\"]}]}", "a rule without a name" },
		{ "{\"rules\": [{\"name\": \"x\", \"key\": [\"source.nope\"]}]}",
		  "unknown key field" },
		{ "{\"rules\": [{\"name\": \"x\", \"key\": [\"source.ip\"], \"match\": "
		  "{\"no.such\": [\"a\"]}}]}", "unknown match field" },
		{ "{\"rules\": [{\"name\": \"x\", \"key\": [\"source.ip\"],"
		  " \"window\": \"soon\"}]}", "bad window" },
		{ "{\"rules\": [{\"name\": \"x\", \"key\": [\"source.ip\"], \"priority\": 5}]}",
		  "priority out of range" },
		{ "{\"rules\": [{\"name\": \"x\", \"key\": [\"source.ip\"], \"keys\": []}]}",
		  "a misspelt member" },
		{ "{\"rules\": [{\"name\": \"x\", \"key\": []}]}", "empty key" },
		{ "{\"rules\": [", "not JSON" },
	};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		ag = NULL;
		memset(&e, 0, sizeof(e));
		ok(aggregate_new_json(&o, bad[i].json, strlen(bad[i].json), "bad.json", &ag, &e) ==
				   V_ERR_USAGE &&
			   !ag && e.reason[0] && e.file && !strcmp(e.file, "bad.json"),
		   "refused: %s (%s)", bad[i].what, e.reason);
	}

	/* ---- incidents in the store ---------------------------------------------------------- */
	int fd = mkstemp(path);
	close(fd);
	unlink(path);
	if (store_open(tap_store_path(path), &st, &e) != V_OK) {
		printf("# store: %s\n", e.reason);
		ok(0, "store opened");
		return done_testing();
	}
	int64_t batch, i1, i2, i3, i4, i5;
	int created = 0;
	struct store_incident inc;
	aggregate_new(&o, &ag, &e);
	store_begin(st, &e);
	store_batch_start(st, "t", "t", &batch, &e);
	struct event *a = mk((const char *const[]){ "classification.type", "scanner", "source.ip",
						    "192.0.2.50", "time.source",
						    "2026-11-20T10:00:00+00:00", NULL });
	struct event *b = mk((const char *const[]){ "classification.type", "scanner", "source.ip",
						    "192.0.2.50", "time.source",
						    "2026-11-23T10:00:00+00:00", "tlp", "RED",
						    NULL });
	struct event *c = mk((const char *const[]){ "classification.type", "scanner", "source.ip",
						    "192.0.2.50", "time.source",
						    "2026-12-05T10:00:00+00:00", NULL });
	struct event *d = mk((const char *const[]){ "classification.type", "brute-force",
						    "source.ip", "192.0.2.50", "time.source",
						    "2026-11-20T11:00:00+00:00", "tlp", "WHITE",
						    NULL });
	i1 = put(st, ag, a, batch, &created);
	ok(i1 > 0 && created, "the first event opens an incident");
	i2 = put(st, ag, b, batch, &created);
	ok(i2 == i1 && !created, "three days later: the same incident");
	is_int(store_commit(st, &e), V_OK, "commit");
	aggregate_sync(ag, 1);
	store_begin(st, &e);
	i3 = put(st, ag, c, batch, &created);
	ok(i3 > 0 && i3 != i1 && created, "twelve days after the last: a new incident (7d window)");
	i4 = put(st, ag, d, batch, &created);
	ok(i4 != i1 && i4 != i3 && created, "another type from the same address: another one");
	store_commit(st, &e);
	aggregate_sync(ag, 1);
	store_begin(st, &e);
	struct event *f = mk((const char *const[]){ "classification.type", "brute-force",
						    "source.ip", "192.0.2.50", "time.source",
						    "2026-11-24T11:00:00+00:00", NULL });
	i5 = put(st, ag, f, batch, &created);
	ok(i5 == i4 && !created, "after a commit the incident is found in the store");
	event_free(f);
	store_commit(st, &e);

	{
		/* opening an incident is the first entry of its audit trail */
		struct audit_seen as = { 0 };
		char object[32];
		snprintf(object, sizeof(object), "incident:%lld", (long long)i1);
		is_int(store_audit_list(st, object, audit_collect, &as, &e), V_OK, "audit list");
		is_int(as.n, 2, "two audit entries: opened, then raised to RED by the second event");
		is_str(as.action, "create", "the first one's action is create");
		is_str(as.actor, "vigia", "by vigia");
		ok(strstr(as.after, "\"rule\":\"by-source\"") &&
			   strstr(as.after, "\"state\":\"new\"") &&
			   strstr(as.after, "\"priority\":3"),
		   "it records rule, state and priority: %s", as.after);
		int64_t checked = 0, bad_id = 0;
		is_int(store_audit_verify(st, &checked, &bad_id, &e), V_OK, "the trail verifies");
		ok(checked >= 3, "one entry per incident opened (%lld)", (long long)checked);
	}
	is_int(store_incident_get(st, i1, &inc, &e), V_OK, "read the incident");
	is_str(inc.rule, "by-source", "rule");
	is_str(inc.key, "source.ip=192.0.2.50 classification.type=scanner", "key");
	is_int(inc.state, IS_NEW, "state new");
	is_int(inc.priority, 3, "the rule's priority");
	is_int(inc.deadline - inc.created, 3 * 86400, "deadline from the priority (P3: 3d)");
	is_int(inc.created, o.now, "created now");
	is_str(inc.classification_type, "scanner", "classification");
	is_str(inc.taxonomy, "information-gathering", "taxonomy");
	is_str(inc.title, "scanner from 192.0.2.50", "title from the template");
	is_int(inc.event_count, 2, "two events");
	is_int(inc.first_seen, pipe_parse_time("2026-11-20T10:00:00+00:00", 25), "first seen");
	is_int(inc.last_seen, pipe_parse_time("2026-11-23T10:00:00+00:00", 25), "last seen");
	is_str(inc.tlp, "RED", "a RED event made the incident RED");
	ok(inc.organisation == NULL || !*inc.organisation, "no organisation yet");
	store_incident_free(&inc);
	store_incident_get(st, i4, &inc, &e);
	is_str(inc.tlp, "CLEAR", "TLP:WHITE is TLP 2.0's CLEAR");
	store_incident_free(&inc);
	store_incident_get(st, i3, &inc, &e);
	is_str(inc.tlp, "AMBER", "AMBER when the event has none");
	store_incident_free(&inc);

	/* ---- attribution ---------------------------------------------------------------------- */
	{
		int64_t j1, j2, j3, j4;
		int set = -1;
		struct store_incident_filter fl;
		aggregate_sync(ag, 1);
		store_begin(st, &e);
		/* a scan (victim: the destination) reported without one: the source's */
		struct event *s1 = mk((const char *const[]){
			"classification.type", "scanner", "source.ip", "198.51.100.7",
			"source.geolocation.cc", "nl", "source.asn", "64496", "source.network",
			"198.51.100.0/24", "time.source", "2026-11-20T10:00:00+00:00", NULL });
		/* its first event has none; the second gives it one, the third another (kept) */
		struct event *s2 = mk((const char *const[]){
			"classification.type", "scanner", "source.ip", "198.51.100.8",
			"time.source", "2026-11-20T10:00:00+00:00", NULL });
		struct event *s3 = mk((const char *const[]){
			"classification.type", "scanner", "source.ip", "198.51.100.8",
			"source.geolocation.cc", "ES", "source.asn", "64497",
			"time.source", "2026-11-20T11:00:00+00:00", NULL });
		struct event *s4 = mk((const char *const[]){
			"classification.type", "scanner", "source.ip", "198.51.100.8",
			"source.geolocation.cc", "FR", "source.asn", "64498", "source.network",
			"198.51.100.0/25", "time.source", "2026-11-20T12:00:00+00:00", NULL });
		/* an infected system: the source is the victim, its destination (the C2) is not */
		struct event *s5 = mk((const char *const[]){
			"classification.type", "infected-system", "malware.name", "mirai",
			"source.ip", "203.0.113.5", "source.geolocation.cc", "DE", "source.asn",
			"64499", "destination.ip", "192.0.2.200", "destination.geolocation.cc", "US",
			"destination.asn", "64500", "time.source", "2026-11-20T10:00:00+00:00",
			NULL });
		/* a brute-force attack: the destination is the victim */
		struct event *s6 = mk((const char *const[]){
			"classification.type", "brute-force", "source.ip", "203.0.113.6",
			"source.geolocation.cc", "CN", "source.asn", "64501", "destination.ip",
			"192.0.2.201", "destination.geolocation.cc", "DE", "destination.asn",
			"AS64499", "destination.network", "192.0.2.0/24",
			"time.source", "2026-11-20T10:00:00+00:00", NULL });
		j1 = put(st, ag, s1, batch, &created);
		j2 = put(st, ag, s2, batch, &created);
		is_int(put(st, ag, s3, batch, &created), j2, "same incident");
		is_int(store_commit(st, &e), V_OK, "commit");
		aggregate_sync(ag, 1);
		store_begin(st, &e); /* past a commit: the store, not the cache, keeps the first */
		is_int(put(st, ag, s4, batch, &created), j2, "same incident after the commit");
		j3 = put(st, ag, s5, batch, &created);
		j4 = put(st, ag, s6, batch, &created);
		is_int(store_commit(st, &e), V_OK, "commit");
		store_incident_get(st, j1, &inc, &e);
		is_str(inc.country, "NL", "no destination: the source's country, in capitals");
		is_int(inc.asn, 64496, "and AS");
		is_str(inc.network, "198.51.100.0/24", "and network");
		store_incident_free(&inc);
		store_incident_get(st, j2, &inc, &e);
		is_str(inc.country, "ES", "the first event with one gives it (second event)");
		is_int(inc.asn, 64497, "its AS");
		ok(inc.network == NULL, "and no network: the three come from one event");
		store_incident_free(&inc);
		store_incident_get(st, j3, &inc, &e);
		is_str(inc.country, "DE", "infected system: the source (the victim)");
		is_int(inc.asn, 64499, "the source's AS");
		store_incident_free(&inc);
		store_incident_get(st, j4, &inc, &e);
		is_str(inc.country, "DE", "brute force: the destination (the victim)");
		is_int(inc.asn, 64499, "the destination's AS (\"AS64499\")");
		is_str(inc.network, "192.0.2.0/24", "the destination's network");
		store_incident_free(&inc);
		/* store_incident_attribute never replaces */
		is_int(store_incident_attribute(st, j4, "IT", 1, "10.0.0.0/8", &set, &e), V_OK,
		       "attribute an attributed incident");
		is_int(set, 0, "refused quietly: it has one");
		store_incident_get(st, j4, &inc, &e);
		is_str(inc.country, "DE", "kept");
		store_incident_free(&inc);
		/* the filters */
		memset(&fl, 0, sizeof(fl));
		fl.state = -1;
		fl.limit = -1;
		fl.country = "de";
		struct idpair cnt = { 0, 0 };
		is_int(store_incidents_query(st, &fl, count_inc, &cnt, &e), V_OK,
		       "filter by country");
		is_int(cnt.n, 2, "two incidents in DE (case ignored)");
		is_int(cnt.last, j3, "newest first");
		fl.country = NULL;
		fl.asn = 64499;
		fl.network = "192.0.2.0/24";
		cnt.n = 0;
		store_incidents_query(st, &fl, count_inc, &cnt, &e);
		ok(cnt.n == 1 && cnt.last == j4, "by AS and network: the brute-force one");
		fl.network = NULL;
		fl.asn = 64496;
		fl.country = "DE";
		cnt.n = 0;
		store_incidents_query(st, &fl, count_inc, &cnt, &e);
		is_int(cnt.n, 0, "filters combine");
		event_free(s1);
		event_free(s2);
		event_free(s3);
		event_free(s4);
		event_free(s5);
		event_free(s6);
	}

	event_free(a);
	event_free(b);
	event_free(c);
	event_free(d);
	aggregate_free(ag);
	store_close(st);
	unlink(path);
	{
		char p2[64];
		snprintf(p2, sizeof(p2), "%s-wal", path);
		unlink(p2);
		snprintf(p2, sizeof(p2), "%s-shm", path);
		unlink(p2);
	}
	buf_fini(&key);
	return done_testing();
}
