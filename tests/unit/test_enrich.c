/*
 * test_enrich.c — the enrichment (src/enrich/enrich.c) and its pipeline stage: an index built from
 * the range files of tests/data/enrich/ and a constituency made here; the values filled on each
 * side, their provenance, values the event already has (kept, or replaced when in the overwrite
 * set), the AS name only for the event's own AS, do-not-notify, the partner CERT (no abuse
 * contact), URL and FQDN events, IPv4-mapped addresses, no copy when nothing is to be filled,
 * overwrite lists, and the stage: off, no index (a no-op), a named index missing (an error), and
 * an index replaced while it runs (taken at the next commit).
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "base/conf.h"
#include "base/log.h"
#include "enrich/enrich.h"
#include "pipeline/pipeline.h"
#include "tap.h"

#define DATA "tests/data/enrich/"

static char dir[] = "/tmp/vigia-enrich-XXXXXX";
static char idx[4200];

static int build_index(const char *path, const char *asn, const char *country)
{
	struct ipdb_builder *b = NULL;
	struct verr e = { 0 };
	int rc;

	if ((rc = ipdb_builder_new(IPDB_BUILD_STRICT, NULL, NULL, &b)) == V_OK &&
	    (rc = ipdb_builder_add(b, asn, NULL, &e)) == V_OK &&
	    (!country || (rc = ipdb_builder_add(b, country, NULL, &e)) == V_OK))
		rc = ipdb_builder_write(b, path, NULL, &e);
	if (rc != V_OK)
		printf("# %s\n", e.reason);
	ipdb_builder_free(b);
	return rc;
}

/* The constituency of the tests: Uni by network, Prov by AS and domain (one network of it
 * flagged), Hosp flagged as a whole, CERT-Bund for DE. */
static struct constituency *make_constituency(void)
{
	static const struct store_network uni_nets[] = { { "192.0.2.0/24", 0 } };
	static const struct store_contact uni_c[] = { { "abuse@uni.example", NULL, NULL, NULL,
							NULL },
						      { "cert@uni.example", NULL, NULL, NULL,
							NULL } };
	static const struct store_network prov_nets[] = { { "198.51.100.128/25", 1 },
							  { "2001:db8::/32", 0 } };
	static const int64_t prov_asn[] = { 64501 };
	static const char *const prov_dom[] = { "proveedor.example" };
	static const struct store_contact prov_c[] = { { "noc@proveedor.example", NULL, NULL,
							 NULL, NULL } };
	static const struct store_network hosp_nets[] = { { "203.0.113.0/24", 0 } };
	static const struct store_contact hosp_c[] = { { "sec@hosp.example", NULL, NULL, NULL,
							 NULL } };
	static const struct store_contact de_c[] = { { "certbund@bsi.example", NULL, NULL, NULL,
						       NULL } };
	struct store_org uni = { .name = "Uni", .nnetworks = 1, .networks = uni_nets,
				 .ncontacts = 2, .contacts = uni_c };
	struct store_org prov = { .name = "Prov", .nnetworks = 2, .networks = prov_nets,
				  .nasns = 1, .asns = prov_asn, .ndomains = 1,
				  .domains = prov_dom, .ncontacts = 1, .contacts = prov_c };
	struct store_org hosp = { .name = "Hosp", .do_not_notify = 1, .nnetworks = 1,
				  .networks = hosp_nets, .ncontacts = 1, .contacts = hosp_c };
	struct store_cert de = { .cc = "DE", .name = "CERT-Bund", .ncontacts = 1,
				 .contacts = de_c };
	struct constituency *c = constituency_new();
	struct verr e = { 0 };

	if (!c || constituency_add_org(c, &uni, &e) != V_OK ||
	    constituency_add_org(c, &prov, &e) != V_OK ||
	    constituency_add_org(c, &hosp, &e) != V_OK ||
	    constituency_add_cert(c, &de, &e) != V_OK || constituency_index(c, &e) != V_OK) {
		printf("# constituency: %s\n", e.reason);
		constituency_free(c);
		return NULL;
	}
	return c;
}

static const char *get(const struct event *ev, const char *key)
{
	static char out[8][512];
	static int k;
	size_t len;
	enum vkind kind;
	const char *v = event_get(ev, key, &len, &kind);

	if (!v)
		return NULL;
	k = (k + 1) % 8;
	snprintf(out[k], sizeof(out[k]), "%.*s", (int)len, v);
	return out[k];
}

/* A fresh event from "key=value" pairs (NULL-terminated). */
static void fill(struct event *ev, ...)
{
	va_list ap;
	const char *kv;
	struct verr e = { 0 };

	event_clear(ev);
	va_start(ap, ev);
	while ((kv = va_arg(ap, const char *))) {
		const char *eq = strchr(kv, '=');
		char key[128];
		snprintf(key, sizeof(key), "%.*s", (int)(eq - kv), kv);
		if (event_set(ev, key, eq + 1, strlen(eq + 1), 0, &e) != V_OK)
			printf("# set %s: %s\n", kv, e.reason);
	}
	va_end(ap);
}

static void test_overwrite_parse(void)
{
	struct enrich_overwrite ow = { 0 };
	struct verr e = { 0 };

	is_int(enrich_overwrite_parse("", &ow, &e), V_OK, "empty overwrite list");
	is_int(enrich_overwrite_parse(NULL, &ow, &e), V_OK, "no overwrite list");
	is_int(ow.on[0][ENRICH_ASN] + ow.on[1][ENRICH_CC], 0, "... sets nothing");
	is_int(enrich_overwrite_parse(" source.asn , destination.geolocation.cc", &ow, &e), V_OK,
	       "two fields with spaces");
	ok(ow.on[0][ENRICH_ASN] && ow.on[1][ENRICH_CC] && !ow.on[0][ENRICH_CC] &&
		   !ow.on[1][ENRICH_ASN],
	   "... exactly those two");
	memset(&ow, 0, sizeof(ow));
	is_int(enrich_overwrite_parse("destination.*", &ow, &e), V_OK, "a side");
	ok(ow.on[1][ENRICH_ASN] && ow.on[1][ENRICH_ABUSE_CONTACT] && !ow.on[0][ENRICH_ASN],
	   "... all of that side only");
	memset(&ow, 0, sizeof(ow));
	is_int(enrich_overwrite_parse("*", &ow, &e), V_OK, "everything");
	ok(ow.on[0][ENRICH_AS_NAME] && ow.on[1][ENRICH_NETWORK], "... both sides");
	is_int(enrich_overwrite_parse("source.asn,source.ip", &ow, &e), V_ERR_USAGE,
	       "a field enrichment does not fill");
	is_str(e.field, "source.ip", "... named");
	is_int(enrich_overwrite_parse("source.", &ow, &e), V_ERR_USAGE, "a side without a field");
	is_int(enrich_overwrite_parse(",,", &ow, &e), V_OK, "empty items are nothing");
}

static void test_enrich(void)
{
	struct ipdb *db = NULL;
	struct enrich *en = NULL;
	struct event *ev = event_new(), *scratch = event_new();
	const struct event *out;
	struct verr e = { 0 };
	struct ipdb_info info;
	struct enrich_overwrite ow = { 0 };
	char prov[40];
	unsigned n;

	ok(ipdb_open(idx, 0, &db, &e) == V_OK, "index opened %s", e.reason);
	if (!db || !ev || !scratch)
		goto out;
	ipdb_info(db, &info);
	snprintf(prov, sizeof(prov), "ipdb:%.16s", info.checksum);
	is_int(enrich_new(db, make_constituency(), NULL, &en, &e), V_OK, "enricher");

	fill(ev, "source.ip=192.0.2.10", "destination.ip=5.1.2.3", NULL);
	is_int(enrich_event(en, ev, scratch, &out, &n, &e), V_OK, "an event with two addresses");
	ok(out == scratch, "... enriched into the scratch event");
	is_str(get(ev, "source.asn"), NULL, "... the input is untouched");
	is_str(get(out, "source.asn"), "64500", "source.asn");
	is_str(get(out, "source.as_name"), "Red Universitaria", "source.as_name");
	is_str(get(out, "source.network"), "192.0.2.0/24", "source.network");
	is_str(get(out, "source.geolocation.cc"), "UY", "source.geolocation.cc");
	is_str(get(out, "source.abuse_contact"), "abuse@uni.example,cert@uni.example",
	       "source.abuse_contact: every contact of the organisation, comma-separated");
	is_str(get(out, "destination.asn"), "3320", "destination.asn");
	is_str(get(out, "destination.network"), "5.0.0.0/8", "destination.network");
	is_str(get(out, "destination.geolocation.cc"), "DE", "destination.geolocation.cc");
	is_str(get(out, "destination.abuse_contact"), NULL,
	       "the partner CERT is no abuse contact of the address");
	is_int(n, 9, "nine fields filled");
	is_str(get(out, "extra.enrichment.source.asn"), prov, "provenance: the index");
	is_str(get(out, "extra.enrichment.destination.geolocation.cc"), prov,
	       "provenance: the index (destination)");
	is_str(get(out, "extra.enrichment.source.abuse_contact"),
	       "constituency:network 192.0.2.0/24 (Uni)", "provenance: rule, match, organisation");
	is_str(get(out, "extra.enrichment.destination.abuse_contact"), NULL,
	       "no provenance for what was not filled");

	fill(ev, "source.ip=100.64.5.5", NULL);
	enrich_event(en, ev, scratch, &out, &n, &e);
	is_str(get(out, "source.abuse_contact"), "noc@proveedor.example",
	       "abuse contact by the AS the index gave");
	is_str(get(out, "extra.enrichment.source.abuse_contact"),
	       "constituency:asn AS64501 (Prov)", "... provenance says asn");

	fill(ev, "source.ip=::ffff:192.0.2.10", NULL);
	enrich_event(en, ev, scratch, &out, &n, &e);
	is_str(get(out, "source.network"), "192.0.2.0/24", "IPv4-mapped: the IPv4 network");
	is_str(get(out, "source.abuse_contact"), "abuse@uni.example,cert@uni.example",
	       "IPv4-mapped: the IPv4 organisation");

	fill(ev, "source.ip=2001:db8:5::1", NULL);
	enrich_event(en, ev, scratch, &out, &n, &e);
	is_str(get(out, "source.network"), "2001:db8::/32", "IPv6 network");
	is_str(get(out, "source.abuse_contact"), "noc@proveedor.example", "IPv6 organisation");

	fill(ev, "source.ip=198.51.100.200", NULL);
	enrich_event(en, ev, scratch, &out, &n, &e);
	is_str(get(out, "source.asn"), "64501", "do-not-notify network: attributed");
	is_str(get(out, "source.abuse_contact"), NULL, "... but no abuse contact");
	fill(ev, "source.ip=203.0.113.9", NULL);
	enrich_event(en, ev, scratch, &out, &n, &e);
	is_str(get(out, "source.abuse_contact"), NULL, "do-not-notify organisation: none");
	is_str(get(out, "source.as_name"), "Hospital Net, Inc.", "... attributed all the same");

	fill(ev, "destination.url=http://www.proveedor.example/x", NULL);
	enrich_event(en, ev, scratch, &out, &n, &e);
	is_str(get(out, "destination.abuse_contact"), "noc@proveedor.example",
	       "a URL event: abuse contact by the host's domain");
	is_str(get(out, "extra.enrichment.destination.abuse_contact"),
	       "constituency:domain proveedor.example (Prov)", "... provenance says domain");
	is_str(get(out, "destination.asn"), NULL, "... and no attribution without an address");
	fill(ev, "source.fqdn=mail.proveedor.example", NULL);
	enrich_event(en, ev, scratch, &out, &n, &e);
	is_str(get(out, "source.abuse_contact"), "noc@proveedor.example", "an FQDN event");

	/* values the event has */
	fill(ev, "source.ip=192.0.2.11", "source.asn=65000", "source.geolocation.cc=BR",
	     "source.abuse_contact=soc@feed.example", NULL);
	enrich_event(en, ev, scratch, &out, &n, &e);
	is_str(get(out, "source.asn"), "65000", "the feed's ASN stays");
	is_str(get(out, "source.geolocation.cc"), "BR", "the feed's country stays");
	is_str(get(out, "source.abuse_contact"), "soc@feed.example", "the feed's contact stays");
	is_str(get(out, "source.as_name"), NULL, "no AS name of another AS than the event's");
	is_str(get(out, "source.network"), "192.0.2.0/24", "the network is filled");
	is_str(get(out, "extra.enrichment.source.asn"), NULL, "no provenance for the feed's ASN");
	is_int(n, 1, "one field filled");
	fill(ev, "source.ip=192.0.2.11", "source.asn=64500", NULL);
	enrich_event(en, ev, scratch, &out, &n, &e);
	is_str(get(out, "source.as_name"), "Red Universitaria",
	       "the feed's ASN is the index's: its name is filled");

	/* nothing to fill: no copy */
	fill(ev, "source.ip=8.8.8.8", NULL);
	is_int(enrich_event(en, ev, scratch, &out, &n, &e), V_OK, "an address nobody knows");
	ok(out == ev && n == 0, "... passed on as it came, not copied");
	fill(ev, "classification.type=scanner", NULL);
	enrich_event(en, ev, scratch, &out, &n, &e);
	ok(out == ev && n == 0, "no address, no name: passed on as it came");
	{
		const struct enrich_stats *st = enrich_stats(en);
		ok(st->events == 12 && st->enriched == 10, "stats: %llu events, %llu enriched",
		   (unsigned long long)st->events, (unsigned long long)st->enriched);
		ok(st->kept[0][ENRICH_ASN] == 2 && st->kept[0][ENRICH_CC] == 1,
		   "stats: feed values kept are counted");
		ok(st->filled[0][ENRICH_ABUSE_CONTACT] == 6 && st->filled[1][ENRICH_ASN] == 1,
		   "stats: fields filled per side");
	}
	enrich_free(en);
	en = NULL;

	/* overwrite */
	db = NULL;
	ipdb_open(idx, 0, &db, &e);
	enrich_overwrite_parse("source.asn,source.geolocation.cc,source.abuse_contact", &ow, &e);
	is_int(enrich_new(db, make_constituency(), &ow, &en, &e), V_OK, "enricher overwriting");
	fill(ev, "source.ip=192.0.2.11", "source.asn=65000", "source.geolocation.cc=BR",
	     "source.abuse_contact=soc@feed.example", "source.network=192.0.0.0/16", NULL);
	enrich_event(en, ev, scratch, &out, &n, &e);
	is_str(get(out, "source.asn"), "64500", "overwrite: ASN replaced");
	is_str(get(out, "source.geolocation.cc"), "UY", "overwrite: country replaced");
	is_str(get(out, "source.as_name"), "Red Universitaria", "... so the AS name fits now");
	is_str(get(out, "source.abuse_contact"), "abuse@uni.example,cert@uni.example",
	       "overwrite: abuse contact replaced");
	is_str(get(out, "source.network"), "192.0.0.0/16", "not in the set: the network stays");
	is_str(get(out, "extra.enrichment.source.asn"), prov, "... with provenance");

	/* an event that already has provenance (re-read JSON): re-enriching replaces it */
	fill(ev, "source.ip=192.0.2.10", "extra.enrichment.source.asn=ipdb:0000", NULL);
	enrich_event(en, ev, scratch, &out, &n, &e);
	is_str(get(out, "extra.enrichment.source.asn"), prov, "provenance is that of the value");
	enrich_free(en);
	en = NULL;

	/* no index, constituency only */
	is_int(enrich_new(NULL, make_constituency(), NULL, &en, &e), V_OK, "no index");
	fill(ev, "source.ip=192.0.2.10", NULL);
	enrich_event(en, ev, scratch, &out, &n, &e);
	ok(!get(out, "source.asn") && get(out, "source.abuse_contact"),
	   "... the constituency still answers by network");
out:
	enrich_free(en);
	event_free(ev);
	event_free(scratch);
}

static void test_stage(void)
{
	void *state = NULL;
	struct verr e = { 0 };
	struct event *ev = event_new();
	struct pipe_event pe;
	char other[4200];

	conf_init();
	/* off */
	conf_set("enrich.enabled", "no", NULL);
	conf_set("enrich.ipdb", idx, NULL);
	is_int(stage_enrich.init(&state, NULL, &e), V_OK, "stage off");
	fill(ev, "source.ip=192.0.2.10", NULL);
	memset(&pe, 0, sizeof(pe));
	pe.ev = ev;
	stage_enrich.process(state, &pe, &e);
	ok(pe.ev == ev && !pe.enriched, "... passes events on untouched");
	stage_enrich.fini(state);

	/* a named index */
	conf_set("enrich.enabled", "yes", NULL);
	is_int(stage_enrich.init(&state, NULL, &e), V_OK, "stage with enrich.ipdb");
	stage_enrich.process(state, &pe, &e);
	ok(pe.ev != ev && pe.enriched == 4, "... fills network, AS, AS name, country");
	is_str(get(pe.ev, "source.asn"), "64500", "... from the index");

	/* ipdb update replaced the file: the stage takes the new one at the next commit */
	snprintf(other, sizeof(other), "%s/other.ipdb", dir);
	ok(build_index(other, DATA "asn.csv", NULL) == V_OK, "an index without countries");
	ok(rename(other, idx) == 0, "... replaces the one in use");
	pe.ev = ev;
	stage_enrich.process(state, &pe, &e);
	is_str(get(pe.ev, "source.geolocation.cc"), "UY", "until the commit: the old index");
	stage_enrich.sync(state, 1);
	pe.ev = ev;
	stage_enrich.process(state, &pe, &e);
	is_str(get(pe.ev, "source.geolocation.cc"), NULL, "after it: the new one");
	is_str(get(pe.ev, "source.asn"), "64500", "... which still has the AS");
	stage_enrich.fini(state);
	ok(build_index(idx, DATA "asn.csv", DATA "country.csv") == V_OK, "index restored");

	/* a named index that is not there */
	conf_set("enrich.ipdb", "/nonexistent/vigia.ipdb", NULL);
	state = NULL;
	ok(stage_enrich.init(&state, NULL, &e) != V_OK, "a named index missing: an error");
	ok(strstr(e.reason, "/nonexistent/vigia.ipdb") != NULL, "... naming it: %s", e.reason);
	stage_enrich.fini(state);

	/* nothing configured, nothing beside the store: a no-op */
	conf_set("enrich.ipdb", "", NULL);
	conf_set("store.path", "/nonexistent/vigia.db", NULL);
	state = NULL;
	is_int(stage_enrich.init(&state, NULL, &e), V_OK, "no index anywhere: not an error");
	pe.ev = ev;
	pe.enriched = 7;
	stage_enrich.process(state, &pe, &e);
	ok(pe.ev == ev && !pe.enriched, "... and a no-op");
	stage_enrich.fini(state);

	/* a bad overwrite setting */
	conf_set("enrich.ipdb", idx, NULL);
	conf_set("enrich.overwrite", "source.asn,source.port", NULL);
	state = NULL;
	is_int(stage_enrich.init(&state, NULL, &e), V_ERR_USAGE, "enrich.overwrite checked");
	is_str(e.field, "enrich.overwrite: source.port", "... naming the setting and the field");
	stage_enrich.fini(state);
	conf_init();
	event_free(ev);
}

int main(void)
{
	char cmd[4300];

	conf_init();
	log_setup(LOG_ERROR, LOG_TEXT);
	if (!mkdtemp(dir)) {
		ok(0, "temporary directory");
		return done_testing();
	}
	snprintf(idx, sizeof(idx), "%s/vigia.ipdb", dir);
	ok(build_index(idx, DATA "asn.csv", DATA "country.csv") == V_OK, "fixture index built");
	test_overwrite_parse();
	test_enrich();
	test_stage();
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
	if (system(cmd) != 0)
		printf("# could not remove %s\n", dir);
	conf_fini();
	return done_testing();
}
