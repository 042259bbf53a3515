/*
 * fuzz_notify.c — libFuzzer target for what src/notify reads: routing rules (JSON) and message
 * templates (compiled, then rendered with a small message).  The first byte picks which.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "notify/notify.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct verr e = { 0 };

	if (size < 1)
		return 0;
	if (data[0] & 1) {
		struct notify_rules *r = NULL;
		if (notify_rules_parse((const char *)data + 1, size - 1, "fuzz", &r, &e) == V_OK) {
			struct notify_facts f = { .classification = "scanner", .tlp = "AMBER",
						  .organisation = "Org", .country = "ES",
						  .kind = NOTIFY_ORG, .side = NOTIFY_SOURCE };
			struct notify_decision d;
			notify_rules_decide(r, &f, &d);
		}
		notify_rules_free(r);
	} else {
		struct notify_template *t = NULL;
		if (notify_template_parse((const char *)data + 1, size - 1, "fuzz", &t, &e) == V_OK) {
			struct store_incident inc = { .id = 7, .title = "t", .tlp = "GREEN",
						      .classification_type = "scanner" };
			struct notify_msg_incident mi = { .inc = &inc, .version = 1,
							  .address = "192.0.2.1", .why = "w" };
			struct notify_msg m = { .team = "T", .recipient = "a@b.example",
						.lang = "en", .nincidents = 1, .incidents = &mi };
			struct buf s, b;
			buf_init(&s, 1 << 20);
			buf_init(&b, 1 << 22);
			notify_render(t, &m, &s, &b, &e);
			buf_fini(&s);
			buf_fini(&b);
		}
		notify_template_free(t);
	}
	return 0;
}
