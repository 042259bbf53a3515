/*
 * test_policy.c — the sharing policy (src/share/policy.c): every (marking × recipient kind)
 * pair against a table written from the TLP 2.0 definitions, a partner's own TLP ceiling,
 * collections and organisations, pseudonyms (keyed: stable per partner, different between
 * partners, never the address), the victim side of an event and what leaves of it, the
 * STIX ids of the markings, and the partner checks.  Also the view (src/share/view.c) over a
 * real store: withheld incidents never reach it, pseudonymised victims never become indicators.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sodium.h>

#include "tap.h"
#include "share/policy.h"
#include "share/stix.h"
#include "share/view.h"
#include "store/store.h"
#include "pipeline/pipeline.h"

/* 'W' withhold, 'A' as is.  Rows: the object's marking (CLEAR .. RED, then unmarked, which
 * counts as the default, AMBER); columns: public, community, partner (tlp_max AMBER+STRICT),
 * internal.  TLP:RED never goes to another team, whatever it may otherwise receive. */
static const char expect[TLP__COUNT + 1][RK__COUNT + 1] = {
	/* public community partner internal */
	"AAAA", /* CLEAR */
	"WAAA", /* GREEN */
	"WWAA", /* AMBER */
	"WWAA", /* AMBER+STRICT */
	"WWWA", /* RED */
	"WWAA", /* unmarked: share.default_tlp = AMBER */
};

static void marking_by_kind(void)
{
	for (int t = 0; t <= TLP__COUNT; t++)
		for (int k = 0; k < RK__COUNT; k++) {
			struct policy_recipient r;
			struct policy_object o = { 0 };
			struct policy_verdict v;
			policy_recipient_kind(&r, (enum recipient_kind)k);
			o.has_tlp = t < TLP__COUNT;
			o.tlp = t < TLP__COUNT ? (enum tlp)t : TLP_CLEAR;
			policy_decide(&r, &o, TLP_AMBER, &v);
			ok((v.form == PF_WITHHOLD) == (expect[t][k] == 'W'),
			   "%s to %s: %s%s%s", t < TLP__COUNT ? policy_tlp_name((enum tlp)t) : "unmarked",
			   policy_kind_name((enum recipient_kind)k),
			   expect[t][k] == 'W' ? "withheld" : "goes", v.reason[0] ? ": " : "", v.reason);
			if (v.form == PF_WITHHOLD)
				ok(strstr(v.reason, "TLP:") != NULL, "... the reason names the marking");
			policy_recipient_fini(&r);
		}
}

static struct store_partner partner(const char *kind, const char *tlp)
{
	static const char key[] =
		"000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f";
	struct store_partner p = { 0 };

	p.name = "CERT-T";
	p.kind = kind;
	p.tlp_max = tlp;
	p.collections = "*";
	p.orgs = "*";
	p.pseudo_key = key;
	return p;
}

static void partner_rights(void)
{
	struct store_partner p = partner("partner", "GREEN");
	struct policy_recipient r;
	struct policy_object o = { 1, TLP_AMBER, "fraud", "Banco Ejemplo" };
	struct policy_verdict v;
	struct verr e = { 0 };

	ok(policy_recipient_init(&r, &p, &e) == V_OK, "a partner capped at GREEN");
	policy_decide(&r, &o, TLP_AMBER, &v);
	ok(v.form == PF_WITHHOLD && strstr(v.reason, "CERT-T"), "AMBER withheld: %s", v.reason);
	o.tlp = TLP_GREEN;
	policy_decide(&r, &o, TLP_AMBER, &v);
	ok(v.form == PF_AS_IS, "GREEN goes as is");
	policy_recipient_fini(&r);

	p = partner("partner", "AMBER");
	p.collections = "fraud, malicious-code";
	p.orgs = "Banco Ejemplo";
	ok(policy_recipient_init(&r, &p, &e) == V_OK, "collections and organisations");
	policy_decide(&r, &o, TLP_AMBER, &v);
	ok(v.form == PF_AS_IS, "fraud about Banco Ejemplo goes");
	o.taxonomy = "vulnerable";
	policy_decide(&r, &o, TLP_AMBER, &v);
	ok(v.form == PF_WITHHOLD && strstr(v.reason, "vulnerable"), "another class: %s", v.reason);
	o.taxonomy = "fraud";
	o.organisation = "Otra Empresa";
	policy_decide(&r, &o, TLP_AMBER, &v);
	ok(v.form == PF_WITHHOLD && strstr(v.reason, "Otra Empresa"), "another organisation: %s",
	   v.reason);
	o.organisation = NULL;
	policy_decide(&r, &o, TLP_AMBER, &v);
	ok(v.form == PF_AS_IS, "no organisation: goes");
	o.taxonomy = NULL;
	policy_decide(&r, &o, TLP_AMBER, &v);
	ok(v.form == PF_WITHHOLD, "no class while the partner has collections: withheld");
	policy_recipient_fini(&r);

	p = partner("community", "AMBER");
	ok(policy_recipient_init(&r, &p, &e) == V_ERR_INVALID && strstr(e.reason, "at most TLP:GREEN"),
	   "a community recipient cannot get AMBER: %s", e.reason);
	p = partner("partner", "RED");
	ok(policy_partner_check(&p, &e) == V_ERR_INVALID, "nor a partner RED: %s", e.reason);
	p = partner("partner", "BLUE");
	ok(policy_partner_check(&p, &e) == V_ERR_INVALID, "an unknown TLP: %s", e.reason);
	p = partner("partner", "AMBER");
	p.pseudo_key = "abcd";
	ok(policy_partner_check(&p, &e) == V_ERR_INVALID, "a short key: %s", e.reason);
	p = partner("partner", "AMBER");
	p.sign_key = "zz";
	ok(policy_partner_check(&p, &e) == V_ERR_INVALID, "a bad signing key: %s", e.reason);
	p = partner("partner", "AMBER");
	p.identity = "indicator--1";
	ok(policy_partner_check(&p, &e) == V_ERR_INVALID, "a bad identity: %s", e.reason);
}

static void pseudonyms(void)
{
	struct store_partner p = partner("partner", "AMBER");
	struct store_partner q = partner("partner", "AMBER");
	struct policy_recipient r, s;
	struct policy_verdict v = { PF_PSEUDONYMISED, TLP_AMBER, "" };
	char a[POLICY_PSEUDONYM_LEN + 1], b[POLICY_PSEUDONYM_LEN + 1], c[POLICY_PSEUDONYM_LEN + 1];
	json_t *ev;
	size_t removed = 0;

	q.pseudo_key = "ff0102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f";
	p.pseudonymise = 1;
	policy_recipient_init(&r, &p, NULL);
	policy_recipient_init(&s, &q, NULL);
	policy_pseudonym(&r, "192.0.2.7", 9, a);
	policy_pseudonym(&r, "192.0.2.7", 9, b);
	policy_pseudonym(&s, "192.0.2.7", 9, c);
	ok(!strcmp(a, b), "the same address, the same pseudonym for one partner");
	ok(strcmp(a, c), "another partner's key, another pseudonym");
	ok(!strncmp(a, "pseudo:", 7) && strlen(a) == POLICY_PSEUDONYM_LEN && !strstr(a, "192"),
	   "shape: %s", a);

	ok(policy_victim_side("infected-system", "malicious-code") == 's', "infected: the source");
	ok(policy_victim_side("open-service", "vulnerable") == 's', "vulnerable: the source");
	ok(policy_victim_side("brute-force", "intrusion-attempts") == 'd', "brute force: the target");

	ev = json_pack("{s:s, s:s, s:s, s:s, s:s}", "classification.type", "infected-system",
		       "source.ip", "192.0.2.7", "source.reverse_dns", "host.victim.example",
		       "destination.ip", "198.51.100.1", "raw", "cmF3");
	ok(policy_apply_event(&r, &v, ev, &removed) == V_OK, "apply");
	ok(!json_object_get(ev, "source.ip") && !json_object_get(ev, "source.reverse_dns") &&
	   !json_object_get(ev, "raw"), "the victim's fields and raw are gone (%zu)", removed);
	is_str(json_string_value(json_object_get(ev, "extra.source_pseudonym")), a,
	       "its pseudonym is there");
	is_str(json_string_value(json_object_get(ev, "destination.ip")), "198.51.100.1",
	       "the other side stays");
	json_decref(ev);
	policy_recipient_fini(&r);
	policy_recipient_fini(&s);
}

static void markings(void)
{
	enum tlp t;
	enum pap p;

	for (int i = 0; i < TLP__COUNT; i++) {
		ok(policy_tlp_from_stix_id(policy_tlp_stix_id((enum tlp)i), &t) == V_OK && (int)t == i,
		   "TLP:%s <-> %s", policy_tlp_name((enum tlp)i), policy_tlp_stix_id((enum tlp)i));
		ok(policy_tlp_parse(policy_tlp_name((enum tlp)i), &t, NULL) == V_OK && (int)t == i,
		   "parse %s", policy_tlp_name((enum tlp)i));
	}
	ok(policy_tlp_from_stix_id("marking-definition--613f2e26-407d-48c7-9eca-b8e91df99dc9", &t) ==
		   V_OK && t == TLP_CLEAR, "TLP 1.0 white reads as CLEAR");
	ok(policy_tlp_from_stix_id("marking-definition--5e57c739-391a-4eb3-b6be-7d15ca92d5ed", &t) ==
		   V_OK && t == TLP_RED, "TLP 1.0 red");
	ok(policy_tlp_from_stix_id("marking-definition--00000000-0000-4000-8000-000000000000", &t) ==
		   V_ERR_NOTFOUND, "another marking is not a TLP");
	ok(policy_tlp_parse("tlp:amber+strict", &t, NULL) == V_OK && t == TLP_AMBER_STRICT,
	   "TLP:amber+strict, any case");
	ok(policy_tlp_parse("WHITE", &t, NULL) == V_OK && t == TLP_CLEAR, "WHITE is CLEAR");
	ok(policy_pap_parse("PAP:RED", &p, NULL) == V_OK && p == PAP_RED, "PAP:RED");
	ok(policy_pap_parse("AMBER+STRICT", &p, NULL) == V_ERR_INVALID, "no PAP:AMBER+STRICT");
}

/* ---- the view over a store ---------------------------------------------------------------- */

static void view(void)
{
	char path[] = "/tmp/vigia-test-policy-XXXXXX";
	int fd = mkstemp(path);
	struct store *st = NULL;
	struct pipeline *pl = NULL;
	struct event *ev = event_new();
	struct verr e = { 0 };
	struct share_view *v = NULL;
	struct share_view_options o = { 0 };
	struct store_partner p = partner("partner", "AMBER");
	struct policy_recipient r;
	struct buf out;
	int64_t batch = 0;
	size_t objects = 0;
	static const char *const rows[][4] = {
		/* classification, source.ip, destination.ip, tlp */
		{ "infected-system", "81.2.69.142", NULL, "AMBER" },
		{ "brute-force", "45.155.205.10", "81.2.69.160", "GREEN" },
		{ "scanner", "80.82.77.33", NULL, "RED" },
	};

	close(fd);
	unlink(path);
	ok(store_open(tap_store_path(path), &st, &e) == V_OK, "a store");
	ok(pipeline_new(st, &pl, &e) == V_OK, "a pipeline");
	store_begin(st, &e);
	store_batch_start(st, "test", "rows", &batch, &e);
	for (size_t i = 0; i < sizeof(rows) / sizeof(rows[0]); i++) {
		event_clear(ev);
		event_set_str(ev, "classification.type", rows[i][0], 0, NULL);
		event_set_str(ev, "source.ip", rows[i][1], 0, NULL);
		if (rows[i][2])
			event_set_str(ev, "destination.ip", rows[i][2], 0, NULL);
		event_set_str(ev, "tlp", rows[i][3], 0, NULL);
		event_set_str(ev, "time.source", "2026-11-20T10:00:00+00:00", 0, NULL);
		event_derive_taxonomy(ev);
		ok(pipeline_event(pl, batch, ev, &e) == V_OK, "event %zu in: %s", i, e.reason);
	}
	ok(store_commit(st, &e) == V_OK, "committed");
	pipeline_sync(pl, 1);

	p.pseudonymise = 1;
	policy_recipient_init(&r, &p, NULL);
	o.recipient = &r;
	o.default_tlp = TLP_AMBER;
	o.team = "CERT-TEST";
	o.now = 1790000000;
	ok(share_view_build(st, &o, &v, &e) == V_OK, "the view for a pseudonymising partner");
	is_int(v->nincidents, 2, "the RED incident stays home");
	is_int(v->withheld_incidents, 1, "... and is counted");
	for (size_t i = 0; i < v->nindicators; i++) {
		ok(strcmp(v->indicators[i].value, "81.2.69.142") &&
		   strcmp(v->indicators[i].value, "81.2.69.160"),
		   "indicator %s is no victim", v->indicators[i].value);
		ok(strcmp(v->indicators[i].value, "80.82.77.33"), "... and not the RED one");
	}
	buf_init(&out, 0);
	ok(stix_write(v, &out, &objects, &e) == V_OK && objects > 5, "a bundle of %zu objects",
	   objects);
	ok(!strstr(buf_cstr(&out), "81.2.69.142") && !strstr(buf_cstr(&out), "81.2.69.160"),
	   "no victim address anywhere in the bundle, titles included");
	ok(strstr(buf_cstr(&out), "pseudo:") != NULL, "the pseudonym is in the title instead");
	buf_fini(&out);
	share_view_free(v);
	policy_recipient_fini(&r);

	pipeline_free(pl);
	store_close(st);
	event_free(ev);
	unlink(path);
	for (const char *suffix = "-wal"; suffix; suffix = !strcmp(suffix, "-wal") ? "-shm" : NULL) {
		char extra[64];
		snprintf(extra, sizeof(extra), "%s%s", path, suffix);
		unlink(extra);
	}
}

/* Deterministic SCO ids (STIX 2.1 §2.9): the file of the OASIS example
 * ../shared/corpus/stix/examples/cti-documentation/sighting-of-observed-data.json, whose id
 * file--364fe3e5-b1f4-5ba3-b951-ee5983b3538d is the UUIDv5 of its hashes (one, MD5) and name. */
static void sco_ids(void)
{
	static const char name[] = "{\"hashes\":{\"MD5\":\"1717b7fff97d37a1e1a0029d83492de1\"},"
				   "\"name\":\"resume.pdf\"}";
	char u[37];

	ok(stix_sco_uuid(name, strlen(name), u) == V_OK &&
		   !strcmp(u, "364fe3e5-b1f4-5ba3-b951-ee5983b3538d"),
	   "SCO id: the OASIS example's file id (%s)", u);
	ok(stix_sco_uuid("{\"value\":\"198.51.100.3\"}", 24, u) == V_OK && u[14] == '5' &&
		   strchr("89ab", u[19]),
	   "SCO id: version 5, RFC 4122 variant (%s)", u);
}

int main(void)
{
	if (sodium_init() < 0)
		return 1;
	marking_by_kind();
	partner_rights();
	pseudonyms();
	markings();
	view();
	sco_ids();
	return done_testing();
}
