/*
 * test_transport.c — what a worker message carries between processes: the stage data of a
 * pipe_event survives pipe_meta_encode / pipe_meta_decode unchanged, malformed stage data and
 * malformed events are refused with a reason, and stream URLs are checked before connecting.
 */
#include <stdio.h>
#include <string.h>

#include "pipeline/transport.h"
#include "tap.h"

int main(void)
{
	struct pipe_event pe = { 0 }, back;
	struct event *ev = event_new();
	struct rstream *rs = NULL;
	struct verr e = { 0 };
	struct buf b;
	static const char *const bad[] = {
		"", "v1", "v2 1 0 0 0 0 0 0 0", "v1 1 0 0 0 0 0 0", "v1 1 0 0 0 0 0 0 0 0",
		"v1 x 0 0 0 0 0 0 0", "v1 1 0 0 -1 0 0 0 0", "v1 1 0 0 0 -1 0 0 0",
		"v1 1  0 0 0 0 0 0 0", "v1 1 0 0 0 0 0 0 0 ",
		"v1 99999999999999999999 0 0 0 0 0 0 0",
	};
	static const char ev_json[] = "{\"source.ip\": \"192.0.2.9\", "
				      "\"classification.type\": \"scanner\", "
				      "\"time.source\": \"2026-11-28T10:00:00+00:00\"}";

	buf_init(&b, 4096);
	pe.fingerprint = 0xfedcba9876543210ull;
	pe.maybe_repeat = 1;
	pe.window_start = -86400;
	pe.enriched = 7;
	pe.event_id = 123456789012;
	pe.repeat = 0;
	pe.incident = 42;
	pe.incident_created = 1;
	is_int(pipe_meta_encode(&pe, &b), V_OK, "encode");
	memset(&back, 0, sizeof(back));
	is_int(pipe_meta_decode(&back, b.data, b.len), V_OK, "decode %s", b.data);
	ok(back.fingerprint == pe.fingerprint && back.maybe_repeat == 1 &&
	   back.window_start == -86400 && back.enriched == 7 && back.event_id == 123456789012 &&
	   back.incident == 42 && back.incident_created == 1, "every number comes back");
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		is_int(pipe_meta_decode(&back, bad[i], strlen(bad[i])), V_ERR_INVALID,
		       "refused: \"%s\"", bad[i]);

	/* a whole message */
	is_int(pipe_message_decode(ev, &back, ev_json, sizeof(ev_json) - 1, b.data, b.len, 5,
				   1800000000, &e), V_OK, "message decodes");
	ok(back.ev == ev && back.batch == 5 && back.fingerprint == pe.fingerprint &&
	   back.time == 1795860000, "event, batch, times and stage data");
	is_int(pipe_message_decode(ev, &back, ev_json, sizeof(ev_json) - 1, NULL, 0, 5, 99, &e),
	       V_OK, "no stage data: fine");
	ok(back.fingerprint == 0 && back.seen == 1795860000, "then nothing from earlier stages");
	is_int(pipe_message_decode(ev, &back, "[1]", 3, NULL, 0, 5, 99, &e), V_ERR_PARSE,
	       "not an object");
	is_int(pipe_message_decode(ev, &back, "{\"a\":", 5, NULL, 0, 5, 99, &e), V_ERR_PARSE,
	       "truncated JSON");
	ok(*e.reason != 0, "with a reason: %s", e.reason);
	is_int(pipe_message_decode(ev, &back, NULL, 0, NULL, 0, 5, 99, &e), V_ERR_PARSE,
	       "no event field");
	is_int(pipe_message_decode(ev, &back, ev_json, sizeof(ev_json) - 1, "v1 junk", 7, 5, 99,
				   &e), V_ERR_INVALID, "bad stage data");
	ok(strstr(e.reason, "v1 junk") != NULL, "named in the reason: %s", e.reason);

	/* URLs */
	static const char *const urls[] = { "http://h/s", "redis://h", "redis://h/",
					    "redis:///s", "redis://h:0/s", "redis://h:70000/s",
					    "redis://h:1x/s" };
	for (size_t i = 0; i < sizeof(urls) / sizeof(urls[0]); i++)
		is_int(rstream_open(urls[i], &rs, &e), V_ERR_USAGE, "URL refused: %s", urls[i]);
	ok(rs == NULL, "nothing opened");

	buf_fini(&b);
	event_free(ev);
	return done_testing();
}
