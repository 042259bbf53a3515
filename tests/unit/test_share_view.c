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
 * And the MISP writer, which writes its JSON by hand, writes what jansson's json_dumps writes
 * for the same document, hostile text included (control characters, quotes, backslashes,
 * U+2028, random bytes), and refuses text that is not UTF-8 instead of writing it; the IODEF
 * writer, also by hand, escapes text and attribute values as libxml2's own functions do
 * (xmlEncodeSpecialChars, xmlAttrSerializeTxtContent), writes XML libxml2 parses back to the
 * same strings, and refuses what XML cannot hold.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <jansson.h>
#include <sodium.h>
#include <libxml/entities.h>
#include <libxml/parser.h>
#include <libxml/tree.h>

#include "tap.h"
#include "base/buf.h"
#include "base/utf8.h"
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

/* ---- the MISP writer against jansson ----------------------------------------------------- */

/* A view by hand: one incident titled title, four indicators with the values given. */
struct hand_view {
	struct share_view v;
	struct share_incident inc;
	struct share_indicator ind[4];
};

/* Random text of up to 19 pieces drawn from the first np of piece[] (each at most 4 bytes:
 * out holds 96).  The length. */
static size_t random_text(char *out, const char *const *piece, size_t np, unsigned *seed)
{
	int n = (int)(rand_r(seed) % 20);
	size_t len = 0;

	for (int j = 0; j < n; j++) {
		const char *pc = piece[(size_t)rand_r(seed) % np];
		memcpy(out + len, pc, strlen(pc));
		len += strlen(pc);
	}
	out[len] = 0;
	return len;
}

static void hand_view(struct hand_view *h, const char *team, const char *title,
		      char *const values[4])
{
	static const enum share_ind_kind kinds[4] = { SK_IPV4, SK_DOMAIN, SK_URL, SK_EMAIL };

	memset(h, 0, sizeof(*h));
	h->v.team = (char *)team;
	h->v.created = 1790000000;
	h->v.incidents = &h->inc;
	h->v.nincidents = 1;
	h->v.indicators = h->ind;
	h->v.nindicators = 4;
	h->inc.id = 7;
	memcpy(h->inc.uuid, "8a028d35-b8b2-4002-b3f0-b195a59dfc88", 37);
	h->inc.tlp = TLP_GREEN;
	h->inc.title = (char *)title;
	h->inc.classification_type = "infected-system";
	h->inc.taxonomy = "malicious-code";
	h->inc.state = "open";
	h->inc.priority = 2;
	h->inc.has_pap = 1;
	h->inc.pap = PAP_AMBER;
	for (int k = 0; k < 4; k++) {
		h->ind[k].kind = kinds[k];
		h->ind[k].value = values[k];
		h->ind[k].tlp = k == 2 ? TLP_AMBER : TLP_GREEN;
		h->ind[k].last_seen = k == 3 ? 0 : 1790000000 + k;
		h->ind[k].side = k == 0 ? 's' : 'd';
	}
}

/* misp_write's text equals jansson's dump of what it parses to, and the strings come back. */
static int misp_like_jansson(const struct hand_view *h, const char *text, size_t len)
{
	json_error_t je;
	json_t *doc = json_loadb(text, len, JSON_REJECT_DUPLICATES, &je), *e, *attrs;
	char *again;
	int same;

	if (!doc)
		return 0;
	again = json_dumps(doc, JSON_INDENT(1) | JSON_PRESERVE_ORDER);
	same = again && strlen(again) + 1 == len && !memcmp(again, text, len - 1) &&
	       text[len - 1] == '\n';
	e = json_object_get(json_object_get(doc, "Event"), "info");
	same = same && e && !strcmp(json_string_value(e), h->inc.title);
	e = json_object_get(json_object_get(json_object_get(doc, "Event"), "Orgc"), "name");
	same = same && e && !strcmp(json_string_value(e), h->v.team);
	attrs = json_object_get(json_object_get(doc, "Event"), "Attribute");
	same = same && json_array_size(attrs) == 4;
	for (size_t k = 0; same && k < 4; k++) {
		const char *val = json_string_value(json_object_get(json_array_get(attrs, k),
								    "value"));
		same = val && !strcmp(val, h->ind[k].value);
	}
	free(again);
	json_decref(doc);
	return same;
}

static void misp_hostile(void)
{
	static const char *const hostile[] = {
		"\x01\x02\x03\x04\x05\x06\x07\x08\x09\x0a\x0b\x0c\x0d\x0e\x0f\x10\x11\x12\x13\x14"
		"\x15\x16\x17\x18\x19\x1a\x1b\x1c\x1d\x1e\x1f",
		"\"quoted\" \\back\\slash\\\" /slash/ \x7f",
		"line\xe2\x80\xa8separator\xe2\x80\xa9paragraph", /* U+2028, U+2029 */
		"</script><b>caf\xc3\xa9 \xf0\x9f\x98\x80 \xef\xbf\xbf", /* é, U+1F600, U+FFFF */
		"",
	};
	static const char *const invalid[] = {
		"\xff", "caf\xc3", "\xc0\xaf" /* overlong '/' */, "\xed\xa0\x80" /* surrogate */,
		"\xf4\x90\x80\x80" /* > U+10FFFF */, "ok\x80",
	};
	struct hand_view h;
	struct verr e = { 0 };
	struct buf out;
	unsigned seed = 20261129;
	int agree = 1, refused = 1, nvalid = 0, ninvalid = 0;
	size_t nh = sizeof(hostile) / sizeof(hostile[0]);

	buf_init(&out, 0);
	for (size_t i = 0; i < nh; i++) {
		char *vals[4] = { (char *)hostile[i], (char *)hostile[(i + 1) % nh],
				  (char *)hostile[(i + 2) % nh], (char *)hostile[(i + 3) % nh] };
		hand_view(&h, hostile[(i + 4) % nh], hostile[i], vals);
		buf_reset(&out);
		ok(misp_write(&h.v, &out, NULL, &e) == V_OK, "MISP, hostile text %zu: written", i);
		ok(misp_like_jansson(&h, out.data, out.len),
		   "MISP, hostile text %zu: the bytes jansson writes, the strings as they were", i);
	}
	for (size_t i = 0; i < sizeof(invalid) / sizeof(invalid[0]); i++) {
		char *vals[4] = { "192.0.2.1", "a.example", (char *)invalid[i], "x@a.example" };
		hand_view(&h, "CERT-T", "title", vals);
		buf_reset(&out);
		buf_puts(&out, "before");
		memset(&e, 0, sizeof(e));
		ok(misp_write(&h.v, &out, NULL, &e) == V_ERR_INVALID &&
		   strstr(e.reason, "incident 7") && strstr(e.reason, "UTF-8") &&
		   !strcmp(buf_cstr(&out), "before"),
		   "MISP, invalid UTF-8 %zu: refused (%s), the buffer as it was", i, e.reason);
	}
	/* random text from pieces, hostile ones often; every other round with stray bytes too
	 * (a lone continuation byte, a cut sequence, 0xff): either jansson's bytes or refused */
	for (int round = 0; round < 3000; round++) {
		static const char *const piece[] = {
			"\"", "\\", "\n", "\x01", "\x1f", "\x7f", "\t", "\xc3\xa9", "\xe2\x80\xa8",
			"\xf0\x9f\x98\x80", "/", "a", "\x80", "\xc3", "\xff", "\xed\xa0\x80"
		};
		char s[4][96];
		char *vals[4] = { s[0], s[1], s[2], s[3] };
		int valid = 1, rc;
		for (int k = 0; k < 4; k++) {
			size_t len = random_text(s[k], piece, round % 2 ? 16 : 12, &seed);
			valid = valid && utf8_valid(s[k], len, NULL);
		}
		hand_view(&h, "CERT-T", s[0], vals);
		buf_reset(&out);
		rc = misp_write(&h.v, &out, NULL, &e);
		if (valid) {
			nvalid++;
			agree = agree && rc == V_OK && misp_like_jansson(&h, out.data, out.len);
		} else {
			ninvalid++;
			refused = refused && rc == V_ERR_INVALID && out.len == 0;
		}
	}
	ok(agree && nvalid > 100, "MISP, %d random valid texts: jansson's bytes each time", nvalid);
	ok(refused && ninvalid > 100, "MISP, %d random texts not UTF-8: each refused", ninvalid);
	buf_fini(&out);
}

/* The feed: each event file is misp_write's event, manifest.json what jansson would write. */
static void misp_feed_hostile(void)
{
	char dir[] = "/tmp/vigia-test-misp-feed-XXXXXX", path[256];
	char *vals[4] = { "192.0.2.1", "\"a\".example", "http://x/\x01\\", "x@a.example" };
	struct hand_view h;
	struct verr e = { 0 };
	struct buf one;
	json_t *m;
	char *again = NULL, *text = NULL;
	size_t attrs = 0;
	FILE *f;
	long n;

	ok(mkdtemp(dir) != NULL, "a directory for the feed");
	hand_view(&h, "CERT \"T\"", "a \"title\"\twith\x1b escapes \xe2\x80\xa8", vals);
	buf_init(&one, 0);
	misp_write(&h.v, &one, NULL, &e);
	ok(misp_write_feed(&h.v, dir, &attrs, &e) == V_OK && attrs == 4, "feed written (%s)",
	   e.reason);
	snprintf(path, sizeof(path), "%s/%s.json", dir, h.inc.uuid);
	if ((f = fopen(path, "r"))) {
		text = calloc(1, one.len + 1);
		n = (long)fread(text, 1, one.len + 1, f);
		fclose(f);
		ok(n == (long)one.len - 1 && !memcmp(text, one.data, one.len - 1),
		   "the event file is misp_write's event (without its newline)");
		free(text);
		unlink(path);
	} else {
		ok(0, "the event file is there");
	}
	snprintf(path, sizeof(path), "%s/manifest.json", dir);
	m = json_load_file(path, JSON_REJECT_DUPLICATES, NULL);
	if (m && (f = fopen(path, "r"))) {
		char got[4096];
		n = (long)fread(got, 1, sizeof(got) - 1, f);
		fclose(f);
		got[n] = 0;
		again = json_dumps(m, JSON_INDENT(1) | JSON_PRESERVE_ORDER);
		ok(again && !strcmp(again, got) &&
		   !strcmp(json_string_value(json_object_get(json_object_get(m, h.inc.uuid),
							       "info")), h.inc.title),
		   "manifest.json: the bytes jansson writes, the title as it was");
	} else {
		ok(0, "manifest.json parses");
	}
	free(again);
	json_decref(m);
	unlink(path);
	snprintf(path, sizeof(path), "%s/hashes.csv", dir);
	unlink(path);
	rmdir(dir);
	buf_fini(&one);
}

/* ---- the IODEF writer against libxml2 ------------------------------------------------------ */

/* The text of the first element called name under n (depth first), or NULL; caller frees. */
static xmlChar *first_text(xmlNodePtr n, const char *name)
{
	for (; n; n = n->next) {
		xmlChar *t;
		if (n->type == XML_ELEMENT_NODE && !strcmp((const char *)n->name, name))
			return xmlNodeGetContent(n);
		if ((t = first_text(n->children, name)))
			return t;
	}
	return NULL;
}

/* iodef_write of h: the escapes libxml2 makes, and libxml2 reads back the same strings. */
static int iodef_like_libxml2(const struct hand_view *h, const char *text, size_t len)
{
	xmlChar *t = xmlEncodeSpecialChars(NULL, BAD_CAST h->inc.title);
	xmlBufferPtr a = xmlBufferCreate();
	struct buf want;
	xmlDocPtr doc;
	xmlNodePtr inc, id;
	xmlChar *got = NULL, *name = NULL, *val = NULL;
	int same;

	buf_init(&want, 0);
	xmlAttrSerializeTxtContent(a, NULL, NULL, BAD_CAST h->v.team);
	buf_printf(&want, "<IncidentID name=\"%s\">", (const char *)xmlBufferContent(a));
	same = t && memmem(text, len, want.data, want.len) != NULL;
	buf_reset(&want);
	buf_printf(&want, "<Description>%s</Description>", (const char *)t);
	same = same && memmem(text, len, want.data, want.len) != NULL;
	doc = xmlReadMemory(text, (int)len, "iodef.xml", NULL, XML_PARSE_NONET);
	inc = doc ? xmlDocGetRootElement(doc)->children : NULL;
	while (inc && inc->type != XML_ELEMENT_NODE)
		inc = inc->next;
	id = inc ? inc->children : NULL;
	while (id && id->type != XML_ELEMENT_NODE)
		id = id->next;
	same = same && id && (got = first_text(inc, "Description")) &&
	       !strcmp((const char *)got, h->inc.title) &&
	       (name = xmlGetProp(id, BAD_CAST "name")) && !strcmp((const char *)name, h->v.team) &&
	       (val = first_text(inc, "Name")) && !strcmp((const char *)val, h->ind[1].value);
	xmlFree(got);
	xmlFree(name);
	xmlFree(val);
	xmlFreeDoc(doc);
	xmlFree(t);
	xmlBufferFree(a);
	buf_fini(&want);
	return same;
}

static void iodef_hostile(void)
{
	static const char *const hostile[] = {
		"a <b> & \"c\" 'd' \t tab \n line \r return",
		/* Ñ, é, U+2028, U+1F600, U+FFFD */
		"CERT-\xc3\x91 caf\xc3\xa9 \xe2\x80\xa8 \xf0\x9f\x98\x80 \xef\xbf\xbd",
		"]]> &amp; &#13; <!-- x --> <?pi?>",
		"",
	};
	static const char *const invalid[] = {
		"\xff", "caf\xc3", "bell \x07", "nul-ish \x01", "\xef\xbf\xbe", "\xef\xbf\xbf",
	};
	struct hand_view h;
	struct verr e = { 0 };
	struct buf out;
	unsigned seed = 7;
	int agree = 1, refused = 1, nvalid = 0, ninvalid = 0;
	size_t nh = sizeof(hostile) / sizeof(hostile[0]);

	buf_init(&out, 0);
	for (size_t i = 0; i < nh; i++) {
		char *vals[4] = { "192.0.2.1", (char *)hostile[(i + 1) % nh], "http://a.example/",
				  "x@a.example" };
		hand_view(&h, hostile[(i + 2) % nh], hostile[i], vals);
		buf_reset(&out);
		ok(iodef_write(&h.v, &out, NULL, &e) == V_OK &&
		   iodef_like_libxml2(&h, out.data, out.len),
		   "IODEF, hostile text %zu: libxml2's escapes, read back the same", i);
	}
	for (size_t i = 0; i < sizeof(invalid) / sizeof(invalid[0]); i++) {
		char *vals[4] = { "192.0.2.1", "a.example", (char *)invalid[i], "x@a.example" };
		hand_view(&h, "CERT-T", "title", vals);
		buf_reset(&out);
		buf_puts(&out, "before");
		memset(&e, 0, sizeof(e));
		ok(iodef_write(&h.v, &out, NULL, &e) == V_ERR_INVALID &&
		   strstr(e.reason, "incident 7") && !strcmp(buf_cstr(&out), "before"),
		   "IODEF, text XML cannot hold %zu: refused (%s), the buffer as it was", i,
		   e.reason);
	}
	for (int round = 0; round < 2000; round++) {
		static const char *const piece[] = {
			"<", ">", "&", "\"", "'", "\t", "\n", "\r", "\xc3\xa9", "\xe2\x80\xa8",
			"\xf0\x9f\x98\x80", "a", "\x01", "\x80", "\xef\xbf\xbf", "\xc3"
		};
		char s[3][96];
		char *vals[4] = { "192.0.2.1", s[2], "http://a.example/", "x@a.example" };
		int valid = 1, rc;
		for (int k = 0; k < 3; k++) {
			size_t len = random_text(s[k], piece, round % 2 ? 16 : 12, &seed);
			valid = valid && utf8_valid(s[k], len, NULL) && !strchr(s[k], '\x01') &&
				!strstr(s[k], "\xef\xbf\xbf");
		}
		hand_view(&h, s[0], s[1], vals);
		buf_reset(&out);
		rc = iodef_write(&h.v, &out, NULL, &e);
		if (valid) {
			nvalid++;
			agree = agree && rc == V_OK && iodef_like_libxml2(&h, out.data, out.len);
		} else {
			ninvalid++;
			refused = refused && rc == V_ERR_INVALID && out.len == 0;
		}
	}
	ok(agree && nvalid > 100, "IODEF, %d random valid texts: libxml2's escapes each time",
	   nvalid);
	ok(refused && ninvalid > 100, "IODEF, %d random texts XML cannot hold: each refused",
	   ninvalid);
	buf_fini(&out);
}

int main(void)
{
	if (sodium_init() < 0)
		return 1;
	views();
	uuids();
	misp_hostile();
	misp_feed_hostile();
	iodef_hostile();
	return done_testing();
}
