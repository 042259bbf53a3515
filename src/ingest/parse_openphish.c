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
#include "ingest/ingest.h"

static int is_space(unsigned char c)
{
	return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\v' || c == '\f' ||
	       (c >= 0x1c && c <= 0x1f);
}

static int openphish_record(struct ingest_ctx *ctx, const char *rec, size_t len)
{
	const char *s = rec;
	size_t n = len;

	while (n && is_space((unsigned char)*s)) {
		s++;
		n--;
	}
	while (n && is_space((unsigned char)s[n - 1]))
		n--;
	if (n == 0)
		return V_OK;
	ingest_new_event(ctx);
	ingest_add_str(ctx, "classification.type", "phishing", 0);
	ingest_add(ctx, "source.url", s, n, 0);
	return ingest_emit(ctx, s, n);
}

const struct parser parser_openphish = {
	.name = "openphish",
	.aliases = (const char *const[]){ "intelmq.bots.parsers.openphish.parser", NULL },
	.description = N_("OpenPhish community feed (one phishing URL a line)"),
	.mode = PARSE_LINES,
	.record = openphish_record,
};
