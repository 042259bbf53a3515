/*
 * fuzz_transport.c — libFuzzer target for what a worker reads from a Redis stream: the input
 * is a message's two fields, the event's JSON and the stage data ("m"), split at the first
 * NUL byte (none: no stage data).  A message that decodes is encoded again and must decode to
 * the same stage data (pipe_meta_encode / pipe_meta_decode agree).
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "pipeline/transport.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char *s = (const char *)data, *nul = memchr(s, 0, size);
	size_t elen = nul ? (size_t)(nul - s) : size;
	struct event *ev = event_new();
	struct pipe_event pe, again;
	struct verr e = { 0 };
	struct buf b;

	if (!ev)
		return 0;
	buf_init(&b, 1u << 20);
	if (pipe_message_decode(ev, &pe, s, elen, nul ? nul + 1 : NULL,
				nul ? size - elen - 1 : 0, 1, 1800000000, &e) == V_OK &&
	    pipe_meta_encode(&pe, &b) == V_OK) {
		memset(&again, 0, sizeof(again));
		if (pipe_meta_decode(&again, b.data, b.len) != V_OK ||
		    again.fingerprint != pe.fingerprint || again.event_id != pe.event_id ||
		    again.incident != pe.incident || again.window_start != pe.window_start ||
		    again.maybe_repeat != pe.maybe_repeat || again.enriched != pe.enriched)
			abort();
		buf_reset(&b);
		if (event_to_json(ev, &b) != V_OK)
			abort();
	}
	buf_fini(&b);
	event_free(ev);
	return 0;
}
