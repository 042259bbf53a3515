/*
 * test_url_list.c — block/allow lists in the Safe Browsing model: what each kind of entry
 * matches (host and its subdomains, URL prefix, exact URL with any query, exact URL with its
 * query, SHA-256 hashes and prefixes), bad entries, and a reload under load: a reader thread
 * looks up without pause while the main thread builds and swaps new lists; every answer must
 * come from one whole list (never a mix, never freed memory).
 */
#include <pthread.h>
#include <sodium.h>
#include <stdatomic.h>

#include "analyze/url/url.h"
#include "tap.h"

static struct url_canon C;

static size_t hits(const struct url_list *l, const char *url, const char **kind)
{
	struct url_match m[8];
	if (url_canon(url, strlen(url), &C) != V_OK)
		return 0;
	size_t n = url_list_match(l, &C, m, 8);
	if (kind)
		*kind = n ? m[0].kind : "";
	return n;
}

static void semantics(void)
{
	struct url_list *l = url_list_new();
	struct verr e;
	const char *k;
	unsigned char h[32];
	char hex[65], line[80];

	ok(url_list_add(l, "Evil.Example", 12, "t", 1, &e) == V_OK, "host entry");
	ok(url_list_add(l, "http://phish.example.net/login/", 31, "t", 2, &e) == V_OK, "prefix");
	ok(url_list_add(l, "http://a.example.org/x.html", 27, "t", 3, &e) == V_OK, "exact");
	ok(url_list_add(l, "http://q.example.org/x?id=1", 27, "t", 4, &e) == V_OK, "with query");
	ok(url_list_add(l, "# comment", 9, "t", 5, &e) == V_SKIP, "comment skipped");
	ok(url_list_add(l, "mailto:x@y", 10, "t", 6, &e) == V_ERR_PARSE && e.reason[0],
	   "opaque URL refused: %s", e.reason);
	ok(url_list_add(l, "sha256:12", 9, "t", 7, &e) == V_ERR_INVALID, "short hash refused");
	crypto_hash_sha256(h, (const unsigned char *)"hashed.example/", 15);
	sodium_bin2hex(hex, sizeof hex, h, 4);
	snprintf(line, sizeof line, "sha256:%s", hex);
	ok(url_list_add(l, line, strlen(line), "t", 8, &e) == V_OK, "hash prefix entry");
	crypto_hash_sha256(h, (const unsigned char *)"full.example/a/", 15);
	sodium_bin2hex(hex, sizeof hex, h, 32);
	snprintf(line, sizeof line, "sha256:%s", hex);
	ok(url_list_add(l, line, strlen(line), "t", 9, &e) == V_OK, "full hash entry");
	ok(url_list_add(l, "evil.example", 12, "u", 10, &e) == V_OK, "a duplicate is accepted");
	ok(url_list_add(l, "http://empty.example/?", 22, "t", 11, &e) == V_OK, "empty query");
	ok(url_list_seal(l) == V_OK, "seal");
	is_int(url_list_count(l), 8, "eight entries (the duplicate counted, looked up once)");
	ok(hits(l, "http://a.empty.example/x", &k) == 1 && !strcmp(k, "host"),
	   "an empty query makes a host entry");
	ok(hits(l, "http://evil.example/", &k) == 1 && !strcmp(k, "host"), "host itself");
	ok(hits(l, "https://a.b.evil.example/any/path?x", NULL) == 1, "a subdomain, any path");
	ok(hits(l, "http://notevil.example/", NULL) == 0, "a different host does not match");
	ok(hits(l, "http://phish.example.net/login/x/y.php", &k) == 1 && !strcmp(k, "prefix"),
	   "under the prefix");
	ok(hits(l, "http://phish.example.net/logout/", NULL) == 0, "outside the prefix");
	ok(hits(l, "http://a.example.org/x.html?any=1", &k) == 1 && !strcmp(k, "url"),
	   "exact path, any query");
	ok(hits(l, "http://a.example.org/x.htm", NULL) == 0, "another path");
	ok(hits(l, "http://q.example.org/x?id=1", NULL) == 1, "exact path and query");
	ok(hits(l, "http://q.example.org/x?id=2", NULL) == 0, "another query");
	ok(hits(l, "http://www.hashed.example/p", &k) == 1 && !strcmp(k, "hash"), "hash prefix");
	ok(hits(l, "http://full.example/a/b", &k) == 1 && !strcmp(k, "hash"), "full hash");
	ok(hits(l, "http://EVIL.example.:80/%2e/", NULL) == 1, "found through canonicalization");
	ok(url_list_bytes(l) > 0, "memory reported: %zu bytes", url_list_bytes(l));
	url_list_free(l);
}

/* ---- reload under load ---------------------------------------------------------------------- */

static struct url_holder *H;
static atomic_int stop;
static atomic_long answers, wrong;

static struct url_lists *make(int gen)
{
	struct url_list *b = url_list_new();
	struct verr e;
	char s[64];
	/* generation g blocks gen<g>.example and 200 other hosts */
	snprintf(s, sizeof s, "gen%d.example", gen);
	url_list_add(b, s, strlen(s), "t", 1, &e);
	for (int i = 0; i < 200; i++) {
		snprintf(s, sizeof s, "h%d-%d.example", gen, i);
		url_list_add(b, s, strlen(s), "t", 2 + i, &e);
	}
	url_list_seal(b);
	return url_lists_new(b, NULL);
}

static void *reader(void *arg)
{
	static struct url_canon c;
	struct url_match m[4];
	char u[64];
	(void)arg;
	while (!atomic_load(&stop)) {
		struct url_lists *ls = url_holder_get(H);
		if (!ls)
			continue;
		/* the pair holds gen<g>: that host matches, the previous one does not */
		int g = 0;
		for (int t = 1; t < 1000 && !g; t++) {
			snprintf(u, sizeof u, "http://gen%d.example/", t);
			url_canon(u, strlen(u), &c);
			if (url_list_match(ls->block, &c, m, 4))
				g = t;
		}
		snprintf(u, sizeof u, "http://x.h%d-199.example/", g);
		url_canon(u, strlen(u), &c);
		if (!g || url_list_match(ls->block, &c, m, 4) != 1 || strcmp(m[0].source, "t"))
			atomic_fetch_add(&wrong, 1);
		atomic_fetch_add(&answers, 1);
		url_lists_release(ls);
	}
	return NULL;
}

static void reload(void)
{
	pthread_t t;
	H = url_holder_new();
	url_holder_set(H, make(1));
	ok(pthread_create(&t, NULL, reader, NULL) == 0, "reader started");
	for (int g = 2; g <= 40; g++)
		url_holder_set(H, make(g)); /* built aside, then swapped in */
	long before = atomic_load(&answers);
	while (atomic_load(&answers) < before + 5)
		;
	atomic_store(&stop, 1);
	pthread_join(t, NULL);
	ok(atomic_load(&answers) > 0, "reader answered %ld times during 39 reloads",
	   atomic_load(&answers));
	is_int(atomic_load(&wrong), 0, "every answer came from one whole list");
	struct url_lists *ls = url_holder_get(H);
	ok(ls && ls->generation == 40, "the last list is current (generation %llu)",
	   ls ? (unsigned long long)ls->generation : 0ULL);
	url_lists_release(ls);
	url_holder_free(H);
}

int main(void)
{
	if (sodium_init() < 0)
		return 1;
	semantics();
	reload();
	return done_testing();
}
