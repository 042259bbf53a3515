/*
 * test_correlate.c — correlation: incidents sharing an indicator are linked (a star around the
 * first incident, postings once per pair); values on a warning list are marked common with
 * the list's name, visible, and link nothing.  The warning lists: vigia's own built-in lists,
 * MISP's format from a directory (../shared/corpus/taxonomies/misp-warninglists when present)
 * and each list type.
 */
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "pipeline/pipeline.h"
#include "tap.h"

#define MISP_LISTS "../shared/corpus/taxonomies/misp-warninglists/lists"

static const char *m(const struct wlists *w, const char *kind, const char *v)
{
	const char *r = wlists_match(w, kind, v, strlen(v));
	return r ? r : "-";
}

struct links {
	int n;
	int64_t other[8];
	char why[8][128];
};

static int link_cb(void *arg, int64_t other, const char *kind, const char *why)
{
	struct links *l = arg;
	if (l->n < 8 && !strcmp(kind, "correlated")) {
		l->other[l->n] = other;
		snprintf(l->why[l->n], sizeof(l->why[0]), "%s", why ? why : "");
		l->n++;
	}
	return 0;
}

struct commons {
	int n, found;
	const char *want;
	char why[256];
};

static int common_cb(void *arg, const struct store_indicator *ind)
{
	struct commons *c = arg;
	c->n++;
	if (ind->common && !strcmp(ind->value, c->want)) {
		c->found = 1;
		snprintf(c->why, sizeof(c->why), "%s", ind->why ? ind->why : "");
	}
	return 0;
}

static int count_cb(void *arg, int64_t id)
{
	(void)id;
	(*(int *)arg)++;
	return 0;
}

/* An event with the fields given, stored, put into a new incident and correlated. */
static int64_t incident_with(struct store *st, struct correlate *c, int64_t batch,
			     const char *const *kv, struct pipe_event *out)
{
	struct event *ev = event_new();
	struct store_incident inc = { 0 };
	struct verr e = { 0 };
	int64_t id = 0;

	for (; kv[0]; kv += 2)
		event_set_str(ev, kv[0], kv[1], 0, &e);
	pipe_event_init(out, ev, batch, 1795000000);
	inc.rule = "test";
	inc.key = kv[-1];
	inc.priority = 3;
	inc.created = 1795000000;
	if (store_event_insert(st, batch, ev, 0, &out->event_id, &e) != V_OK ||
	    store_incident_create(st, &inc, &id, &e) != V_OK ||
	    store_incident_add_event(st, id, out->event_id, out->time, &e) != V_OK) {
		printf("# %s\n", e.reason);
		event_free(ev);
		return -1;
	}
	out->incident = id;
	if (correlate_event(c, st, out, &e) != V_OK) {
		printf("# correlate: %s\n", e.reason);
		id = -1;
	}
	out->ev = NULL;
	event_free(ev);
	return id;
}

int main(void)
{
	struct wlists *w = wlists_new(), *none = wlists_new(), *misp = wlists_new();
	struct verr e = { 0 };
	char path[] = "/tmp/vigia-test-cor-XXXXXX";
	struct store *st = NULL;

	/* ---- the built-in lists -------------------------------------------------------------- */
	is_int(wlists_load(w, "builtin", &e), V_OK, "built-in warning lists load");
	ok(wlists_count(w) >= 5, "five lists or more");
	is_str(m(w, "ip", "10.1.2.3"), "Private IPv4 address space (RFC 1918)", "RFC 1918");
	is_str(m(w, "ip", "172.31.255.255"), "Private IPv4 address space (RFC 1918)",
	       "172.16/12 upper end");
	is_str(m(w, "ip", "172.32.0.1"), "-", "just outside 172.16/12");
	ok(!strcmp(m(w, "ip", "192.0.2.5"), "Special-purpose IPv4 addresses (RFC 6890, RFC 5735)"),
	   "documentation range TEST-NET-1");
	ok(strcmp(m(w, "ip", "100.64.1.1"), "-"), "shared address space (RFC 6598)");
	ok(strcmp(m(w, "ip", "127.0.0.1"), "-"), "loopback");
	is_str(m(w, "ip", "8.8.8.8"), "-", "a public address is not common");
	ok(strcmp(m(w, "ip", "2001:db8::1"), "-"), "IPv6 documentation");
	ok(strcmp(m(w, "ip", "fd12:3456::1"), "-"), "IPv6 unique local");
	ok(strcmp(m(w, "ip", "fe80::1"), "-"), "IPv6 link-local");
	is_str(m(w, "ip", "2a00:1450::1"), "-", "a public IPv6 address is not common");
	ok(strcmp(m(w, "network", "10.20.0.0/16"), "-"), "a network inside RFC 1918");
	is_str(m(w, "network", "8.0.0.0/8"), "-", "a public network");
	is_str(m(w, "network", "0.0.0.0/0"), "-", "a network larger than any list range");
	is_str(m(w, "domain", "www.example.com"), "Special-use domain names (RFC 6761)",
	       "a name under example.com");
	ok(strcmp(m(w, "domain", "example.org"), "-"), "example.org itself");
	ok(strcmp(m(w, "domain", "printer.localhost"), "-"), "localhost");
	is_str(m(w, "domain", "notexample.com"), "-", "a name that only ends like one");
	ok(strcmp(m(w, "url", "https://shop.example.net:8443/a?b"), "-"), "a URL by its host");
	ok(strcmp(m(w, "url", "http://user@[2001:db8::5]:80/x"), "-"), "a URL with an IPv6 host");
	ok(strcmp(m(w, "url", "http://192.168.1.1/admin"), "-"), "a URL with a private host");
	is_str(m(w, "url", "http://phish.test.invalid.org/"), "-", "a public name containing test");
	is_str(m(w, "md5", "D41D8CD98F00B204E9800998ECF8427E"), "Hashes of the empty file",
	       "the empty MD5, any case");
	ok(strcmp(m(w, "sha256",
		    "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"), "-"),
	   "the empty SHA-256");
	is_str(m(w, "ip", "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"), "-",
	       "hash lists do not apply to addresses");

	/* ---- each list type, in MISP's format ------------------------------------------------ */
	const char *sub = "{\"name\": \"subs\", \"version\": 1, \"description\": \"d\","
			  " \"type\": \"substring\", \"list\": [\"AMAZONAWS\"]}";
	const char *re = "{\"name\": \"re\", \"version\": 1, \"description\": \"d\","
			 " \"type\": \"regex\", \"matching_attributes\": [\"email-src\"],"
			 " \"list\": [\"/^noreply@/i\", \"/(unclosed/\"]}";
	const char *str = "{\"name\": \"str\", \"version\": 1, \"description\": \"d\","
			  " \"type\": \"string\", \"matching_attributes\": [\"url\"],"
			  " \"list\": [\"http://exact.example.com/\"]}";
	is_int(wlists_load_json(none, sub, strlen(sub), "sub", &e), V_OK, "substring list");
	is_int(wlists_load_json(none, re, strlen(re), "re", &e), V_OK,
	       "regex list (a pattern that does not compile is left out)");
	is_int(wlists_load_json(none, str, strlen(str), "str", &e), V_OK, "string list");
	is_str(m(none, "domain", "ec2-1-2-3-4.compute.amazonaws.com"), "subs", "substring");
	is_str(m(none, "email", "NoReply@bank.example"), "re", "regex, case-insensitive");
	is_str(m(none, "url", "NoReply@bank.example"), "-", "regex list only for e-mail");
	is_str(m(none, "url", "http://exact.example.com/"), "str", "string: exact");
	is_str(m(none, "url", "http://exact.example.com/x"), "-", "string: nothing else");
	ok(wlists_load_json(none, "{\"name\": 1}", 11, "bad", &e) == V_ERR_PARSE && e.reason[0],
	   "not a warning list: refused (%s)", e.reason);
	ok(wlists_load_json(none, "[", 1, "bad", &e) == V_ERR_PARSE, "not JSON: refused");
	ok(wlists_load(none, "/nonexistent/lists", &e) == V_ERR_IO &&
		   strstr(e.reason, "/nonexistent/lists"),
	   "a missing directory is an error that names it");
	wlists_free(none);
	none = wlists_new();

	/* ---- MISP's own lists, from a directory ---------------------------------------------- */
	if (access(MISP_LISTS, R_OK) == 0) {
		is_int(wlists_load(misp, MISP_LISTS, &e), V_OK, "MISP warning lists load (%s)",
		       e.reason);
		is_int(wlists_count(misp), 4, "four lists in the corpus");
		is_str(m(misp, "ip", "192.168.10.10"), "List of RFC 1918 CIDR blocks",
		       "MISP's RFC 1918 list");
		is_str(m(misp, "domain", "example.com"),
		       "List of RFC 6761 Special-Use Domain Names",
		       "MISP's RFC 6761 list (type string: exact)");
		is_str(m(misp, "domain", "www.example.com"), "-", "type string: not a subdomain");
		is_str(m(misp, "md5", "d41d8cd98f00b204e9800998ecf8427e"),
		       "List of known hashes for empty files", "MISP's empty hashes");
		struct wlists *both = wlists_new();
		is_int(wlists_load(both, "builtin, " MISP_LISTS, &e), V_OK,
		       "builtin and a directory");
		is_int(wlists_count(both), wlists_count(w) + 4, "all of them");
		wlists_free(both);
	} else {
		printf("# %s not found: MISP lists not tested\n", MISP_LISTS);
	}

	/* ---- correlation in the store -------------------------------------------------------- */
	int fd = mkstemp(path);
	close(fd);
	unlink(path);
	if (store_open(tap_store_path(path), &st, &e) != V_OK) {
		printf("# store: %s\n", e.reason);
		ok(0, "store opened");
		return done_testing();
	}
	struct correlate *c = correlate_new(none), *cw = correlate_new(w);
	struct pipe_event pe;
	struct links l = { 0 };
	int64_t batch, i1, i2, i3, i4, i5, i6;
	store_begin(st, &e);
	store_batch_start(st, "t", "t", &batch, &e);
	i1 = incident_with(st, c, batch,
			   (const char *const[]){ "source.ip", "192.0.2.1", "malware.hash.md5",
						  "0123456789ABCDEF0123456789ABCDEF", NULL }, &pe);
	is_int(pe.links, 0, "the first incident with a value links nothing");
	i2 = incident_with(st, c, batch,
			   (const char *const[]){ "destination.ip", "192.0.2.1", "source.fqdn",
						  "bad.example.net", NULL }, &pe);
	is_int(pe.links, 1, "a second incident with the address is linked");
	store_links_list(st, i2, link_cb, &l, &e);
	ok(l.n == 1 && l.other[0] == i1 && !strcmp(l.why[0], "ip 192.0.2.1"),
	   "linked to the first, saying why (%s)", l.why[0]);
	is_int(store_commit(st, &e), V_OK, "commit");
	correlate_sync(c, 1);
	store_begin(st, &e);
	i3 = incident_with(st, c, batch,
			   (const char *const[]){ "source.ip", "192.0.2.1", "malware.hash.md5",
						  "0123456789abcdef0123456789abcdef", "source.fqdn",
						  "bad.example.net", NULL }, &pe);
	is_int(pe.links, 3, "a third: linked through the address, the hash and the name");
	memset(&l, 0, sizeof(l));
	store_links_list(st, i3, link_cb, &l, &e);
	int to1 = 0, to2 = 0;
	for (int k = 0; k < l.n; k++) {
		to1 += l.other[k] == i1;
		to2 += l.other[k] == i2;
	}
	ok(to1 >= 1 && to2 == 1, "each to the first incident that had the value (a star)");
	/* the same incident again: postings are stored once */
	pe.ev = NULL;
	int64_t ind;
	int common = -1, nposts = 0;
	store_indicator_get(st, "ip", "192.0.2.1", &ind, &common, &e);
	store_postings_of(st, ind, count_cb, &nposts, &e);
	is_int(nposts, 3, "one posting per incident");
	is_int(common, 0, "not common without warning lists");
	i4 = incident_with(st, c, batch,
			   (const char *const[]){ "source.account", "Victim@Mail.example", NULL },
			   &pe);
	i5 = incident_with(st, c, batch,
			   (const char *const[]){ "destination.account", "victim@mail.example",
						  "source.account", "not-an-address", NULL },
			   &pe);
	is_int(pe.links, 1, "e-mail addresses correlate (case-insensitive)");
	(void)i4;
	(void)i5;

	/* warning-listed values: marked, visible, never linked */
	i6 = incident_with(st, cw, batch,
			   (const char *const[]){ "source.ip", "10.0.0.1", NULL }, &pe);
	is_int(pe.common, 1, "a private address is left out");
	incident_with(st, cw, batch, (const char *const[]){ "source.ip", "10.0.0.1", NULL }, &pe);
	ok(pe.common == 1 && pe.links == 0, "and links nothing");
	memset(&l, 0, sizeof(l));
	store_links_list(st, i6, link_cb, &l, &e);
	is_int(l.n, 0, "no correlation link through it");
	struct commons cm = { 0, 0, "10.0.0.1", "" };
	store_indicators_list(st, 0, common_cb, &cm, &e);
	ok(cm.found && !strcmp(cm.why, "Private IPv4 address space (RFC 1918)"),
	   "the exclusion is visible, with the list's name (%s)", cm.why);
	cm = (struct commons){ 0, 0, "10.0.0.1", "" };
	store_indicators_list(st, i6, common_cb, &cm, &e);
	ok(cm.found, "and on the incident");
	store_indicator_get(st, "ip", "10.0.0.1", &ind, &common, &e);
	is_int(common, 1, "the store says common");
	store_commit(st, &e);

	correlate_free(c);
	correlate_free(cw);
	store_close(st);
	unlink(path);
	{
		char p2[64];
		snprintf(p2, sizeof(p2), "%s-wal", path);
		unlink(p2);
		snprintf(p2, sizeof(p2), "%s-shm", path);
		unlink(p2);
	}
	wlists_free(w);
	wlists_free(none);
	wlists_free(misp);
	return done_testing();
}
