/*
 * fuzz_url.c — libFuzzer target for the URL analyzer: any byte string is a possible URL.
 * Runs the Safe Browsing canonicalizer and its expressions, the WHATWG host parser, a list
 * entry made of the input (and a lookup of the input in that list), and the whole check
 * (heuristics, libpsl, ICU's spoof checker) with the built-in data.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "analyze/url/url.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static struct url_checker *checker;
static struct url_result *result;

static void done(void)
{
	url_result_fini(result);
	free(result);
	url_checker_free(checker);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct url_canon c;
	struct url_expr e[URL_MAX_EXPR];
	struct url_match m[4];
	struct verr err;
	struct buf b;
	const char *reason;
	const char *s = (const char *)data;

	if (!checker) {
		struct url_checker_options o = { 0 };
		if (url_checker_new(&o, &checker, &err) != V_OK || !(result = malloc(sizeof *result)))
			abort();
		url_result_init(result);
		atexit(done);
	}
	buf_init(&b, 1 << 20);
	if (url_canon(s, size, &c) == V_OK) {
		size_t n = url_expressions(&c, size & 1 ? URL_SB_GOCLIENT : URL_SB_SPEC, e);
		for (size_t i = 0; i < n; i++)
			url_expr_text(&c, &e[i], &b);
	}
	url_whatwg_host(s, size, 0, &b, &reason);
	url_whatwg_host(s, size, 1, &b, &reason);
	struct url_list *l = url_list_new();
	if (l) {
		url_list_add(l, s, size, "fuzz", 1, &err);
		url_list_seal(l);
		if (url_canon(s, size, &c) == V_OK)
			url_list_match(l, &c, m, 4);
		url_list_free(l);
	}
	url_check(checker, s, size, result);
	buf_fini(&b);
	return 0;
}
