/*
 * test_fingerprint.c — the dedup fingerprint: canonical (insertion order does not matter),
 * the default field set (all but time.observation and raw), dedup.fields / dedup.exclude with
 * prefixes and extra keys, and unknown names refused.
 */
#include <stdio.h>
#include <string.h>

#include "pipeline/pipeline.h"
#include "tap.h"

static void set(struct event *ev, const char *k, const char *v)
{
	struct verr e = { 0 };
	if (event_set_str(ev, k, v, EV_OVERWRITE, &e) != V_OK)
		printf("# cannot set %s=%s: %s\n", k, v, e.reason);
}

int main(void)
{
	struct fingerprint fp, fp2;
	struct event *a = event_new(), *b = event_new();
	struct verr e = { 0 };
	uint64_t ha, hb;

	is_int(fingerprint_init(&fp, "", "time.observation,raw", &e), V_OK, "default settings");

	/* same fields, other order */
	set(a, "source.ip", "192.0.2.1");
	set(a, "classification.type", "scanner");
	set(a, "extra.zeta", "1");
	set(a, "extra.alpha", "2");
	set(a, "feed.name", "test");
	set(b, "extra.alpha", "2");
	set(b, "feed.name", "test");
	set(b, "classification.type", "scanner");
	set(b, "extra.zeta", "1");
	set(b, "source.ip", "192.0.2.1");
	ha = fingerprint_event(&fp, a);
	hb = fingerprint_event(&fp, b);
	ok(ha != 0, "never 0");
	ok(ha == hb, "independent of insertion order (fields and extras)");
	is_int(fingerprint_event(&fp, a), ha, "stable across calls");

	/* excluded by default: time.observation and raw */
	set(b, "time.observation", "2026-11-28T10:00:00+00:00");
	event_set_raw(b, "a,b,c", 5);
	is_int(fingerprint_event(&fp, b), ha, "time.observation and raw do not count");
	set(b, "time.source", "2026-11-28T09:00:00+00:00");
	ok(fingerprint_event(&fp, b) != ha, "time.source counts");
	event_del(b, "time.source");
	is_int(fingerprint_event(&fp, b), ha, "deleting a field gives the fingerprint back");

	/* values and names are not confused */
	set(b, "extra.alpha", "3");
	ok(fingerprint_event(&fp, b) != ha, "another extra value changes it");
	set(b, "extra.alpha", "2");
	set(b, "source.port", "80");
	ok(fingerprint_event(&fp, b) != ha, "another field changes it");
	event_del(b, "source.port");
	set(b, "comment", "source.ip");
	ok(fingerprint_event(&fp, b) != ha, "a value that spells a field name changes it");
	event_del(b, "comment");
	is_int(fingerprint_event(&fp, b), ha, "back to equal");
	fingerprint_fini(&fp);

	/* a chosen field set */
	is_int(fingerprint_init(&fp, "source.*, classification.type", "", &e), V_OK,
	       "fields with a prefix");
	ha = fingerprint_event(&fp, a);
	set(b, "feed.name", "other feed");
	set(b, "extra.zeta", "99");
	is_int(fingerprint_event(&fp, b), ha, "fields outside the set do not count");
	set(b, "source.port", "22");
	ok(fingerprint_event(&fp, b) != ha, "a source.* field counts");
	event_del(b, "source.port");
	fingerprint_fini(&fp);

	/* excluding extras, all or by name */
	is_int(fingerprint_init(&fp, "", "time.observation,raw,extra.*", &e), V_OK, "no extras");
	is_int(fingerprint_init(&fp2, "", "time.observation,raw,extra.zeta", &e), V_OK,
	       "one extra excluded");
	set(a, "feed.name", "other feed");
	ha = fingerprint_event(&fp, a);
	hb = fingerprint_event(&fp2, a);
	set(a, "extra.zeta", "changed");
	is_int(fingerprint_event(&fp, a), ha, "extras ignored");
	is_int(fingerprint_event(&fp2, a), hb, "extra.zeta ignored");
	set(a, "extra.alpha", "changed");
	is_int(fingerprint_event(&fp, a), ha, "extras ignored (2)");
	ok(fingerprint_event(&fp2, a) != hb, "extra.alpha still counts");
	fingerprint_fini(&fp);
	fingerprint_fini(&fp2);

	/* only some extras */
	is_int(fingerprint_init(&fp, "source.ip,extra.alpha", "", &e), V_OK, "one extra included");
	ha = fingerprint_event(&fp, a);
	set(a, "extra.zeta", "again");
	is_int(fingerprint_event(&fp, a), ha, "other extras ignored");
	set(a, "extra.alpha", "again");
	ok(fingerprint_event(&fp, a) != ha, "the chosen extra counts");
	fingerprint_fini(&fp);

	/* errors */
	ok(fingerprint_init(&fp, "source.ip,source.nope", "", &e) == V_ERR_USAGE &&
		   !strcmp(e.field, "source.nope"),
	   "an unknown field is refused and named");
	fingerprint_fini(&fp);
	ok(fingerprint_init(&fp, "", "no.such.thing", &e) == V_ERR_USAGE, "in exclude too");
	fingerprint_fini(&fp);

	event_free(a);
	event_free(b);
	return done_testing();
}
