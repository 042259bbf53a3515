/*
 * extra.c — extra.* values kept as IntelMQ keeps the values of an "extra" dictionary.
 *
 * IntelMQ drops an empty value given to event.add(), but a parser that builds extra as a
 * dictionary (or adds a whole dict) keeps "" and "  " as they are.  ingest_add() drops them
 * too (V_SKIP), so parsers that must keep them store the JSON text directly.
 */
#include <string.h>

#include "base/i18n.h"
#include "ingest/ingest.h"
#include "ingest/pyjson.h"

int ingest_add_extra_json(struct ingest_ctx *ctx, const char *name, const json_t *v)
{
	char key[64];
	int rc;

	if (!v)
		return V_SKIP;
	if (json_is_string(v) && strspn(json_string_value(v), " \t\r\n") == json_string_length(v)) {
		/* blank: the JSON string literal itself */
		buf_reset(&ctx->scratch);
		if ((rc = pyjson_dump(&ctx->scratch, v, 0)) != V_OK)
			return rc;
		return event_set_extra_raw(ctx->ev, name, strlen(name), ctx->scratch.data,
					   ctx->scratch.len, EV_OVERWRITE);
	}
	snprintf(key, sizeof(key), "extra.%s", name);
	return ingest_add_json(ctx, key, v, ING_OVERWRITE);
}

int ingest_add_extra_text(struct ingest_ctx *ctx, const char *name, const char *s, size_t n)
{
	struct buf *b = &ctx->scratch;
	int rc;

	buf_reset(b);
	if ((rc = buf_json_str(b, s, n)) != V_OK ||
	    (rc = event_set_extra_raw(ctx->ev, name, strlen(name), b->data, b->len, 0)) != V_OK) {
		ingest_fail(ctx, name, "%s", _("value too large"));
		return rc;
	}
	return V_OK;
}
