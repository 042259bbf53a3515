/*
 * tap.h — a tiny test harness: TAP output ("ok N - name"), a plan at the end, and an exit
 * status that says whether anything failed.  Header-only; one test program per module.
 */
#ifndef VIGIA_TESTS_TAP_H
#define VIGIA_TESTS_TAP_H

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int tap_n, tap_failed;

#define ok(cond, ...) tap_ok(!!(cond), __FILE__, __LINE__, __VA_ARGS__)

__attribute__((format(printf, 4, 5))) static int tap_ok(int pass, const char *file, int line,
							 const char *fmt, ...)
{
	va_list ap;

	tap_n++;
	printf("%s %d - ", pass ? "ok" : "not ok", tap_n);
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	printf("\n");
	if (!pass) {
		tap_failed++;
		printf("#   failed at %s:%d\n", file, line);
	}
	return pass;
}

/* Compare strings (NULL-safe); on failure print both. */
#define is_str(got, want, ...)                                                                   \
	do {                                                                                     \
		const char *g_ = (got), *w_ = (want);                                            \
		int p_ = (g_ == NULL && w_ == NULL) || (g_ && w_ && !strcmp(g_, w_));            \
		if (!tap_ok(p_, __FILE__, __LINE__, __VA_ARGS__))                                \
			printf("#   got:  '%s'\n#   want: '%s'\n", g_ ? g_ : "(null)",          \
			       w_ ? w_ : "(null)");                                              \
	} while (0)

#define is_int(got, want, ...)                                                                   \
	do {                                                                                     \
		long long g_ = (long long)(got), w_ = (long long)(want);                         \
		if (!tap_ok(g_ == w_, __FILE__, __LINE__, __VA_ARGS__))                          \
			printf("#   got:  %lld\n#   want: %lld\n", g_, w_);                      \
	} while (0)

/* The store a test opens: $VIGIA_TEST_STORE when set (an empty store of another backend,
 * e.g. the PostgreSQL database tests/run.sh makes), else the test's own SQLite file dflt. */
static inline const char *tap_store_path(const char *dflt)
{
	const char *named = getenv("VIGIA_TEST_STORE");
	return named && *named ? named : dflt;
}

static int done_testing(void)
{
	printf("1..%d\n", tap_n);
	if (tap_failed)
		printf("# %d of %d tests failed\n", tap_failed, tap_n);
	return tap_failed ? 1 : 0;
}

#endif
