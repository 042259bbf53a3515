/*
 * test_aggregate.c — aggregation rules as data: the built-in rules choose the right rule and
 * key for each kind of event; a rules file is checked (unknown fields, windows, priorities);
 * events join the open incident of their key within the window, a new one opens after it,
 * with priority, deadline, TLP, classification and title from the rule and the event.
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
