/*
 * url_bench.c — the URL analyzer's speed on one core (bench/url.sh runs it):
 *
 *   1. a block list of N entries (default 1,000,000: 70% hosts, 20% URL prefixes, 10% exact
 *      URLs) built from text: seconds, and the memory the list holds;
 *   2. Safe Browsing canonicalization + list lookup of M URLs (default 1,000,000): HIT% of them
 *      (default 1) on a listed host, as many again with another path on a listed host, the
 *      rest not listed: URLs per second;
 *   2b. the same URLs parsed and normalized by libcurl's URL API (curl_url_set + curl_url_get
 *      of the whole URL), the URL parser most C programs would reach for: a reference for
 *      what parsing alone costs (it does not canonicalize the Safe Browsing way or look up);
 *   3. the same URLs through the whole check (heuristics, libpsl, and the model when a model
 *      file is given): URLs per second, reported separately because it is the costly part.
 *
 * The inputs are generated (deterministic LCG) in memory before timing, so only the analyzer
 * is measured; times are the thread's CPU time (the benchmark machine is shared).
 * usage: url_bench [ENTRIES [URLS [HIT% [MODEL]]]]
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <curl/curl.h>

#include "analyze/url/url.h"

static uint64_t seed = 42;
static uint32_t rnd(void)
{
	seed = seed * 6364136223846793005ULL + 1442695040888963407ULL;
	return (uint32_t)(seed >> 33);
}

static double now(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static long rss_kib(void)
{
	FILE *f = fopen("/proc/self/status", "r");
	char line[256];
	long v = -1;
	while (f && fgets(line, sizeof line, f))
		if (!strncmp(line, "VmRSS:", 6))
			v = strtol(line + 6, NULL, 10);
	if (f)
		fclose(f);
	return v;
}

static const char *const tld[] = {"com",  "net",   "org", "xyz", "top",
                                  "info", "co.uk", "de",  "ru",  "com.br"};
static const char *const word[] = {"login",  "secure", "account", "update", "mail",   "cdn",
                                   "static", "shop",   "news",    "app",    "portal", "bank"};

static void host(char *out, size_t n, uint32_t id)
{
	snprintf(out, n, "%s%u-%s.%s", word[id % 12], id, word[(id / 12) % 12], tld[id % 10]);
}

int main(int argc, char **argv)
{
	size_t entries = argc > 1 ? strtoul(argv[1], NULL, 10) : 1000000;
	size_t urls = argc > 2 ? strtoul(argv[2], NULL, 10) : 1000000;
	unsigned hit = argc > 3 ? (unsigned)strtoul(argv[3], NULL, 10) : 1;
	const char *model = argc > 4 && *argv[4] ? argv[4] : NULL;
	char h[128], line[512];
	struct verr e;

	/* 1. the list */
	long rss0 = rss_kib();
	double t0 = now();
	struct url_list *l = url_list_new();
	for (size_t i = 0; i < entries; i++) {
		host(h, sizeof h, (uint32_t)i);
		uint32_t k = (uint32_t)(i % 10);
		if (k < 7)
			snprintf(line, sizeof line, "%s", h);
		else if (k < 9)
			snprintf(line, sizeof line, "http://%s/wp-content/%u/", h, rnd() % 1000);
		else
			snprintf(line, sizeof line, "http://%s/%u/index.php", h, rnd() % 1000);
		if (url_list_add(l, line, strlen(line), "bench", (long)i, &e) != V_OK) {
			fprintf(stderr, "add: %s\n", e.reason);
			return 1;
		}
	}
	url_list_seal(l);
	double t1 = now();
	long rss1 = rss_kib();
	printf("list: %zu entries built in %.2f s; url_list_bytes %.1f MiB; RSS grew %.1f MiB\n",
	       url_list_count(l), t1 - t0, (double)url_list_bytes(l) / 1048576.0,
	       (double)(rss1 - rss0) / 1024.0);

	/* the URLs, generated before timing */
	char **u = malloc(urls * sizeof *u);
	size_t *ul = malloc(urls * sizeof *ul);
	for (size_t i = 0; i < urls; i++) {
		uint32_t p = rnd() % 100, id = rnd() % (uint32_t)(entries ? entries : 1);
		uint32_t r = rnd() % 10;
		int listed = p < 2 * hit;
		if (listed)
			host(h, sizeof h,
			     id); /* a listed host (a host entry, or a prefix's host) */
		else
			host(h, sizeof h, (uint32_t)entries + rnd()); /* not listed */
		if (listed && p < hit && id % 10 >= 7)
			snprintf(line, sizeof line, "http://%s/wp-content/%u/x.php?id=%u", h,
			         rnd() % 1000, rnd());
		else if (r & 1)
			snprintf(line, sizeof line, "https://www.%s/%s/%s.html?u=%u", h, word[r],
			         word[(r + 3) % 12], rnd());
		else
			snprintf(line, sizeof line, "http://%s/", h);
		u[i] = strdup(line);
		ul[i] = strlen(line);
	}

	/* 2. canonicalization + lookup */
	static struct url_canon c;
	struct url_match m[4];
	size_t matched = 0, total_bytes = 0;
	t0 = now();
	for (size_t i = 0; i < urls; i++) {
		if (url_canon(u[i], ul[i], &c) == V_OK)
			matched += url_list_match(l, &c, m, 4) > 0;
		total_bytes += ul[i];
	}
	t1 = now();
	printf("canonicalize + lookup: %zu URLs (%.0f bytes each, %u%%+%u%% on listed hosts) in "
	       "%.3f s = %.0f URLs/s; %zu matched\n",
	       urls, (double)total_bytes / (double)urls, hit, hit, t1 - t0,
	       (double)urls / (t1 - t0), matched);
	t0 = now();
	for (size_t i = 0; i < urls; i++)
		url_canon(u[i], ul[i], &c);
	t1 = now();
	printf("  of which canonicalization alone: %.3f s = %.0f URLs/s\n", t1 - t0,
	       (double)urls / (t1 - t0));

	/* 2b. libcurl's URL parser on the same URLs */
	CURLU *cu = curl_url();
	size_t cok = 0;
	t0 = now();
	for (size_t i = 0; i < urls; i++) {
		char *out = NULL;
		if (curl_url_set(cu, CURLUPART_URL, u[i], CURLU_NON_SUPPORT_SCHEME) == CURLUE_OK &&
		    curl_url_get(cu, CURLUPART_URL, &out, 0) == CURLUE_OK)
			cok++;
		curl_free(out);
	}
	t1 = now();
	curl_url_cleanup(cu);
	printf("  libcurl %s curl_url_set + curl_url_get (parse + normalize only): %.3f s = "
	       "%.0f URLs/s (%zu parsed)\n",
	       curl_version_info(CURLVERSION_NOW)->version, t1 - t0, (double)urls / (t1 - t0), cok);

	/* 3. the whole check */
	struct url_holder *hd = url_holder_new();
	url_holder_set(hd, url_lists_new(l, NULL));
	struct url_checker_options o = {0};
	struct url_checker *k = NULL;
	o.lists = hd;
	o.model_path = model;
	if (url_checker_new(&o, &k, &e) != V_OK) {
		fprintf(stderr, "checker: %s\n", e.reason);
		return 1;
	}
	struct url_result *r = malloc(sizeof *r);
	url_result_init(r);
	size_t n3 = urls > 200000 ? 200000 : urls;
	t0 = now();
	for (size_t i = 0; i < n3; i++)
		url_check(k, u[i], ul[i], r);
	t1 = now();
	printf("whole check (lists, heuristics, libpsl%s): %zu URLs in %.3f s = %.0f URLs/s\n",
	       model ? ", model" : "", n3, t1 - t0, (double)n3 / (t1 - t0));
	url_result_fini(r);
	free(r);
	url_checker_free(k);
	url_holder_free(hd);
	for (size_t i = 0; i < urls; i++)
		free(u[i]);
	free(u);
	free(ul);
	return 0;
}
