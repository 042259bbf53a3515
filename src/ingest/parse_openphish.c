/*
 * parse_openphish.c — the OpenPhish community feed, compatible with IntelMQ's
 * intelmq.bots.parsers.openphish.parser: plain text, one phishing URL a line.
 *
 * Each non-blank line, stripped of surrounding white space, becomes one event with
 * classification.type "phishing", source.url and raw = the stripped line.  A line that is not
 * a URL is rejected (IntelMQ would drop the rest of the report with it).
 */
#include <string.h>

#include "base/i18n.h"
#include "base/pystr.h"
#include "ingest/ingest.h"

static int openphish_record(struct ingest_ctx *ctx, const char *rec, size_t len)
{
	pystr_strip(&rec, &len);
	if (len == 0)
		return V_OK; /* a blank line */
	ingest_new_event(ctx);
	ingest_add_str(ctx, "classification.type", "phishing", 0);
	ingest_add(ctx, "source.url", rec, len, 0);
	return ingest_emit(ctx, rec, len);
}

const struct parser parser_openphish = {
	.name = "openphish",
	.aliases = (const char *const[]){ "intelmq.bots.parsers.openphish.parser", NULL },
	.description = N_("OpenPhish community feed (one phishing URL a line)"),
	.mode = PARSE_LINES,
	.record = openphish_record,
};
