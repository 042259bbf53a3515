/*
 * fuzz_value.c — libFuzzer target for the event layer: every type's sanitiser, the free-form
 * time parser, and IntelMQ JSON events read back (event_from_json).  The first byte picks
 * what to exercise.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "base/timeparse.h"
#include "event/event.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct buf b;
	struct verr e = { 0 };
	enum vkind k;

	if (size < 1)
		return 0;
	buf_init(&b, 1 << 20);
	unsigned sel = data[0];
	const char *s = (const char *)data + 1;
	size_t n = size - 1;
	if (sel < 200) {
		value_sanitize((enum ftype)(sel % (FT_BASE64 + 1)), s, n, &b, &k, &e);
	} else if (sel < 230) {
		struct vtime t;
		char out[48];
		if (time_parse(s, n, &t) == 0)
			time_format(&t, out);
	} else {
		json_error_t je;
		json_t *j = json_loadb(s, n, 0, &je);
		struct event *ev = event_new();
		if (j && ev && event_from_json(ev, j, 0, &e) == V_OK)
			event_to_json(ev, &b);
		event_free(ev);
		json_decref(j);
	}
	buf_fini(&b);
	return 0;
}
