/*
 * test_share_view.c — the export view read two ways gives the same view.
 *
 * share_view_build() reads each stored event's markings, class and indicator fields from its
 * text (view.c, lite_scan) when the view keeps no events, and parses the event with jansson
 * when it does (or when the text has what the light reading leaves to jansson: an escape, a
 * number it is unsure of).  Both ways must give the same incidents, indicators, markings and
 * counts for every kind of recipient, pseudonymising ones included, and the STIX, MISP and
 * IODEF writers the same bytes.  Also: share_uuid() is SHA-256 over the length-prefixed parts
 * whichever implementation computes it (OpenSSL for short parts, libsodium for long ones).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sodium.h>

#include "tap.h"
#include "base/buf.h"
#include "event/event.h"
#include "pipeline/pipeline.h"
#include "share/iodef.h"
#include "share/misp.h"
#include "share/policy.h"
#include "share/stix.h"
#include "share/view.h"
#include "store/store.h"

/* Events of several classes, victims on either side, markings and PAP or none, members the
 * light reading takes (strings), steps over (numbers, booleans) or leaves to jansson
 * (escaped text). */
static const char *const rows[][12] = {
	/* key, value, key, value, ... NULL */
	{ "classification.type", "infected-system", "source.ip", "81.2.69.142", "source.port",
	  "443", "tlp", "AMBER", NULL },
	{ "classification.type", "brute-force", "source.ip", "45.155.205.10", "destination.ip",
	  "81.2.69.160", "tlp", "GREEN", "extra.pap", "AMBER", NULL },
	{ "classification.type", "phishing", "source.url", "http://phish.example/login?a=1&b=2",
	  "source.fqdn", "phish.example", "destination.fqdn", "bank.example", NULL },
	{ "classification.type", "malware-distribution", "malware.hash.sha256",
	  "E3B0C44298FC1C149AFBF4C8996FB92427AE41E4649B934CA495991B7852B855", "source.ip",
	  "2001:db8::1", "tlp", "CLEAR", NULL },
	{ "classification.type", "c2-server", "source.fqdn", "c2.example", "extra.note",
	  "a \"quoted\" note\\ with a tab\t", "tlp", "AMBER", NULL },
	{ "classification.type", "scanner", "source.ip", "80.82.77.33", "tlp", "RED", NULL },
	{ "classification.type", "scanner", "source.ip", "80.82.77.34", "tlp", "GREEN", NULL },
	{ "classification.type", "spam", "source.account", "spammer@example.org",
	  "destination.account", "victim@example.net", "malware.hash.md5",
	  "d41d8cd98f00b204e9800998ecf8427e", NULL },
	{ "classification.type", "vulnerable-system", "source.ip", "81.2.69.200",
	  "source.reverse_dns", "host.example", "source.url", "http://81.2.69.200/admin",
	  "extra.pap", "GREEN", NULL },
};

static void add_events(struct pipeline *pl, struct store *st)
{
	struct event *ev = event_new();
	struct verr e = { 0 };
	int64_t batch = 0;

	store_begin(st, &e);
	store_batch_start(st, "test", "rows", &batch, &e);
	for (int copy = 0; copy < 2; copy++) /* each twice: the same indicators, other times */
		for (size_t i = 0; i < sizeof(rows) / sizeof(rows[0]); i++) {
			char when[64];
			event_clear(ev);
			for (int k = 0; rows[i][k]; k += 2)
				ok(event_set_str(ev, rows[i][k], rows[i][k + 1], 0, &e) == V_OK,
				   "row %zu %s: %s", i, rows[i][k], e.reason);
			snprintf(when, sizeof(when), "2026-11-%02dT1%zu:00:00+00:00", 10 + copy, i);
			event_set_str(ev, "time.source", when, 0, NULL);
			event_derive_taxonomy(ev);
			ok(pipeline_event(pl, batch, ev, &e) == V_OK, "event %zu in: %s", i,
			   e.reason);
		}
	ok(store_commit(st, &e) == V_OK, "committed");
	pipeline_sync(pl, 1);
	event_free(ev);
}

static struct store_partner partner(const char *kind, const char *tlp, int pseudonymise)
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
	p.pseudonymise = pseudonymise;
	return p;
}

static int same_str(const char *a, const char *b)
{
	return (!a && !b) || (a && b && !strcmp(a, b));
}

/* The two views are the same, field by field; returns the number of differences. */
static int compare(const struct share_view *a, const struct share_view *b)
{
	int diff = 0;

	diff += a->nincidents != b->nincidents || a->nindicators != b->nindicators;
	diff += a->withheld_incidents != b->withheld_incidents ||
		a->withheld_events != b->withheld_events ||
		a->pseudonymised_events != b->pseudonymised_events;
	diff += strcmp(a->first_reason, b->first_reason) != 0;
	for (size_t i = 0; !diff && i < a->nincidents; i++) {
		const struct share_incident *x = &a->incidents[i], *y = &b->incidents[i];
		diff += x->id != y->id || strcmp(x->uuid, y->uuid) || x->tlp != y->tlp ||
			x->has_pap != y->has_pap || (x->has_pap && x->pap != y->pap) ||
			!same_str(x->title, y->title) || x->nevents != y->nevents ||
			x->nindicators != y->nindicators;
	}
	for (size_t i = 0; !diff && i < a->nindicators; i++) {
		const struct share_indicator *x = &a->indicators[i], *y = &b->indicators[i];
		diff += x->kind != y->kind || strcmp(x->value, y->value) || x->tlp != y->tlp ||
			x->incident != y->incident || x->first_seen != y->first_seen ||
			x->last_seen != y->last_seen || x->side != y->side;
	}
	return diff;
}

/* The three writers' output of a view. */
static void write_all(const struct share_view *v, struct buf *out)
{
	struct verr e = { 0 };

	buf_reset(out);
	stix_write(v, out, NULL, &e);
	misp_write(v, out, NULL, &e);
	iodef_write(v, out, NULL, &e);
}

static void both_ways(struct store *st, const char *what, const struct policy_recipient *r)
{
	struct share_view_options o = { 0 };
	struct share_view *lite = NULL, *tree = NULL;
	struct verr e = { 0 };
	struct buf a, b;

	o.recipient = r;
	o.default_tlp = TLP_AMBER;
	o.team = "CERT-TEST";
	o.now = 1790000000;
	ok(share_view_build(st, &o, &lite, &e) == V_OK, "%s: the view read from the text", what);
	o.keep_events = 1;
	ok(share_view_build(st, &o, &tree, &e) == V_OK, "%s: the view through jansson", what);
	if (!lite || !tree) {
		share_view_free(lite);
		share_view_free(tree);
		return;
	}
	ok(compare(lite, tree) == 0, "%s: the same view (%zu incidents, %zu indicators, %zu "
	   "events withheld, %zu pseudonymised)", what, lite->nincidents, lite->nindicators,
	   lite->withheld_events, lite->pseudonymised_events);
	buf_init(&a, 0);
	buf_init(&b, 0);
	write_all(lite, &a);
	write_all(tree, &b);
	ok(a.len > 0 && a.len == b.len && !memcmp(a.data, b.data, a.len),
	   "%s: STIX, MISP and IODEF byte for byte the same (%zu bytes)", what, a.len);
	buf_fini(&a);
	buf_fini(&b);
	share_view_free(lite);
	share_view_free(tree);
}

static void views(void)
{
	char path[] = "/tmp/vigia-test-share-view-XXXXXX";
	int fd = mkstemp(path);
	struct store *st = NULL;
	struct pipeline *pl = NULL;
	struct verr e = { 0 };
	static const struct {
		const char *kind, *tlp;
		int pseudo;
	} who[] = { { "partner", "AMBER", 0 }, { "partner", "AMBER+STRICT", 1 },
		    { "partner", "GREEN", 1 }, { "community", "GREEN", 0 },
		    { "public", "CLEAR", 0 }, { "internal", "RED", 0 } };

	close(fd);
	unlink(path);
	ok(store_open(tap_store_path(path), &st, &e) == V_OK, "a store");
	ok(pipeline_new(st, &pl, &e) == V_OK, "a pipeline");
	add_events(pl, st);
	for (size_t i = 0; i < sizeof(who) / sizeof(who[0]); i++) {
		struct store_partner p = partner(who[i].kind, who[i].tlp, who[i].pseudo);
		struct policy_recipient r;
		char what[96];
		snprintf(what, sizeof(what), "%s up to %s%s", who[i].kind, who[i].tlp,
			 who[i].pseudo ? ", pseudonymised" : "");
		ok(policy_recipient_init(&r, &p, &e) == V_OK, "%s: a recipient (%s)", what,
		   e.reason);
		both_ways(st, what, &r);
		policy_recipient_fini(&r);
	}
	pipeline_free(pl);
	store_close(st);
	unlink(path);
	for (const char *suffix = "-wal"; suffix; suffix = !strcmp(suffix, "-wal") ? "-shm" : NULL) {
		char extra[64];
		snprintf(extra, sizeof(extra), "%s%s", path, suffix);
		unlink(extra);
	}
}

/* share_uuid() by its definition, with libsodium alone. */
static void reference_uuid(char out[37], const char *a, const char *b, const char *c)
{
	static const char hex[] = "0123456789abcdef";
	const char *parts[3] = { a, b, c };
	crypto_hash_sha256_state s;
	unsigned char h[crypto_hash_sha256_BYTES];
	int o = 0;

	crypto_hash_sha256_init(&s);
	for (int i = 0; i < 3; i++) {
		const char *p = parts[i] ? parts[i] : "";
		size_t n = strlen(p);
		unsigned char len[8];
		for (int k = 0; k < 8; k++)
			len[k] = (unsigned char)((unsigned long long)n >> (8 * k));
		crypto_hash_sha256_update(&s, len, 8);
		crypto_hash_sha256_update(&s, (const unsigned char *)p, n);
	}
	crypto_hash_sha256_final(&s, h);
	h[6] = (unsigned char)((h[6] & 0x0f) | 0x40);
	h[8] = (unsigned char)((h[8] & 0x3f) | 0x80);
	for (int i = 0; i < 16; i++) {
		if (i == 4 || i == 6 || i == 8 || i == 10)
			out[o++] = '-';
		out[o++] = hex[h[i] >> 4];
		out[o++] = hex[h[i] & 15];
	}
	out[o] = 0;
}

static void uuids(void)
{
	char longpart[3000], u[37], r[37];

	memset(longpart, 'x', sizeof(longpart) - 1);
	longpart[sizeof(longpart) - 1] = 0;
	share_uuid(u, "CERT-TEST", "incident", "1");
	reference_uuid(r, "CERT-TEST", "incident", "1");
	ok(!strcmp(u, r), "share_uuid: SHA-256 of the length-prefixed parts (%s)", u);
	share_uuid(u, "ab", "c", NULL);
	reference_uuid(r, "a", "bc", NULL);
	ok(strcmp(u, r) != 0, "share_uuid: (ab, c) and (a, bc) differ");
	share_uuid(u, "a", longpart, "b");
	reference_uuid(r, "a", longpart, "b");
	ok(!strcmp(u, r), "share_uuid: a part longer than the one-shot buffer, the same hash");
	longpart[1000] = 0;
	share_uuid(u, longpart, NULL, NULL);
	reference_uuid(r, longpart, NULL, NULL);
	ok(!strcmp(u, r), "share_uuid: 1,000 bytes, the same hash");
}

int main(void)
{
	if (sodium_init() < 0)
		return 1;
	views();
	uuids();
	return done_testing();
}
