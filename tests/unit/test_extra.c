/*
 * test_extra.c — extra.* values kept as IntelMQ keeps an "extra" dictionary (extra.c): blank
 * and empty strings stay, other values go through the usual sanitising, a value given as text
 * is stored as it is and does not replace one already set.
 */
#include <string.h>

#include "ingest/ingest.h"
#include "tap.h"

static int null_sink(void *arg, const struct event *ev)
{
	(void)arg;
	(void)ev;
	return V_OK;
}

/* The current event as JSON text (static). */
static const char *event_text(struct ingest_ctx *ctx)
{
	static struct buf b;

	buf_fini(&b);
	buf_init(&b, 0);
	event_to_json(ctx->ev, &b);
	return buf_cstr(&b);
}

int main(void)
{
	struct feed_def *fd;
	struct ingest_ctx ctx;
	struct ingest_options opt = { 0 };
	struct verr e = { 0 };
	json_error_t je;
	json_t *j = json_loads("{\"parser\":\"alienvault_otx\"}", 0, &je), *v;

	feed_def_from_json(j, "test", "test", &fd, &e);
	json_decref(j);
	opt.observation_time = "2020-01-01T00:00:00+00:00";
	is_int(ingest_ctx_init(&ctx, fd, &opt, (struct ingest_sink){ null_sink, NULL }, &e), V_OK,
	       "context");

	/* JSON values */
	ingest_new_event(&ctx);
	is_int(ingest_add_extra_json(&ctx, "absent", NULL), V_SKIP, "NULL adds nothing");
	v = json_string(" \t");
	is_int(ingest_add_extra_json(&ctx, "blank", v), V_OK, "a blank string");
	json_decref(v);
	v = json_string("");
	is_int(ingest_add_extra_json(&ctx, "empty", v), V_OK, "an empty string");
	json_decref(v);
	v = json_loads("{\"k\": [1, \"x\"]}", 0, &je);
	is_int(ingest_add_extra_json(&ctx, "obj", v), V_OK, "an object");
	json_decref(v);
	v = json_string("first");
	ingest_add_extra_json(&ctx, "s", v);
	json_decref(v);
	v = json_string("second");
	is_int(ingest_add_extra_json(&ctx, "s", v), V_OK, "a value replaces the one before");
	json_decref(v);
	const char *t = event_text(&ctx);
	ok(strstr(t, "\"extra.blank\":\" \\t\"") != NULL, "blank kept: %s", t);
	ok(strstr(t, "\"extra.empty\":\"\"") != NULL, "empty kept");
	ok(strstr(t, "\"extra.obj\":{\"k\":[1,\"x\"]}") != NULL, "object as JSON");
	ok(strstr(t, "\"extra.s\":\"second\"") && !strstr(t, "first"), "replaced");
	ok(!strstr(t, "absent"), "nothing for NULL");

	/* text */
	ingest_new_event(&ctx);
	is_int(ingest_add_extra_text(&ctx, "name", " a\"b ", 5), V_OK, "text as given");
	is_int(ingest_add_extra_text(&ctx, "none", "", 0), V_OK, "empty text");
	ok(ingest_add_extra_text(&ctx, "name", "again", 5) != V_OK, "not replaced");
	ok(ctx.failed, "the event is failed then");
	t = event_text(&ctx);
	ok(strstr(t, "\"extra.name\":\" a\\\"b \"") != NULL, "kept untrimmed: %s", t);
	ok(strstr(t, "\"extra.none\":\"\"") != NULL, "empty kept");

	event_text(&ctx); /* frees the previous text */
	ingest_ctx_fini(&ctx);
	feed_def_free(fd);
	return done_testing();
}
