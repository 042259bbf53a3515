/*
 * parse_otx.c — AlienVault OTX subscribed pulses in JSON, compatible with IntelMQ's
 * intelmq.bots.parsers.alienvault.parser_otx.
 *
 * The input is one JSON array of pulses (name, description, author_name, tags, modified,
 * industries, adversary, targeted_countries, TLP, id, indicators[]).  Every indicator of a
 * known type is one "blacklist" event:
 *
 *   FileHash-MD5/SHA1/SHA256  malware.hash.md5/sha1/sha256
 *   hostname, domain          source.fqdn, or source.url when it carries a path
 *   IPv4, IPv6                source.ip
 *   email                     source.account
 *   URL, URI                  source.url ("http://" added without a scheme); a URI that is
 *                             no URL is kept as source.urlpath
 *   CIDR                      source.network
 *   CVE                       extra.cve
 *
 * Other indicator types are skipped.  The pulse gives comment, tlp and extra.author, pulse,
 * pulse_key, tags, time_updated, industries, adversary and targeted_countries (kept even
 * when empty, as IntelMQ keeps the values of an "extra" dictionary).  time.source is the
 * indicator's "created" in UTC without its milliseconds; raw is the indicator alone,
 * json.dumps(indicator, sort_keys=True).
 *
 * Differences from IntelMQ: IntelMQ loses a whole pulse when one indicator is invalid; vigia
 * rejects that indicator only.  IntelMQ takes time.source as "created" minus its last four
 * characters (meant for ".mmm"), so a time without milliseconds loses its minutes and
 * seconds ("20:15:44" becomes 20:01:00); vigia keeps the real time.
 */
#include <ctype.h>
#include <string.h>

#include "base/i18n.h"
#include "ingest/ingest.h"
#include "ingest/jsonrec.h"

/* Bytes in s[0..n) once its last k characters (UTF-8 code points) are cut, as s[:-k]. */
static size_t cut_chars(const char *s, size_t n, size_t k)
{
	while (k && n) {
		n--;
		if (((unsigned char)s[n] & 0xc0) != 0x80)
			k--;
	}
	return n;
}

/*
 * Whether Python's urlparse(u).path is non-empty: after an optional scheme ("x:"), a
 * "//netloc" part ends at the first '/', '?' or '#'; the path runs to '?' or '#'.
 */
static int url_has_path(const char *u, size_t n)
{
	size_t i = 0, colon;

	for (colon = 0; colon < n && u[colon] != ':'; colon++)
		;
	if (colon < n && colon > 0 && isalpha((unsigned char)u[0])) {
		size_t k;
		for (k = 0; k < colon; k++)
			if (!isalnum((unsigned char)u[k]) && !strchr("+-.", u[k]))
				break;
		if (k == colon)
			i = colon + 1;
	}
	if (n - i >= 2 && u[i] == '/' && u[i + 1] == '/') {
		i += 2;
		while (i < n && u[i] != '/' && u[i] != '?' && u[i] != '#')
			i++;
	}
	return i < n && u[i] != '?' && u[i] != '#';
}

/* The source field(s) for one indicator; 0, or -1 for a type that gives no event. */
static int add_indicator(struct ingest_ctx *ctx, const char *type, const json_t *ind)
{
	const char *v = json_string_value(ind);
	size_t n = json_string_length(ind);

	if (!strcmp(type, "FileHash-SHA256"))
		ingest_add_json(ctx, "malware.hash.sha256", ind, 0);
	else if (!strcmp(type, "FileHash-SHA1"))
		ingest_add_json(ctx, "malware.hash.sha1", ind, 0);
	else if (!strcmp(type, "FileHash-MD5"))
		ingest_add_json(ctx, "malware.hash.md5", ind, 0);
	else if (!strcmp(type, "hostname") || !strcmp(type, "domain") || !strcmp(type, "URL") ||
		 !strcmp(type, "URI")) {
		if (!v) {
			ingest_fail(ctx, "indicator", _("indicator is not a string"));
			return 0;
		}
		/* "http://" in front when there is no scheme */
		buf_reset(&ctx->scratch);
		if (!memmem(v, n, "://", 3))
			buf_puts(&ctx->scratch, "http://");
		buf_append(&ctx->scratch, v, n);
		if (type[0] == 'h' || type[0] == 'd') {
			if (url_has_path(ctx->scratch.data, ctx->scratch.len))
				ingest_add(ctx, "source.url", ctx->scratch.data, ctx->scratch.len,
					   0);
			else
				ingest_add(ctx, "source.fqdn", v, n, 0);
		} else {
			int rc = ingest_add(ctx, "source.url", ctx->scratch.data, ctx->scratch.len,
					    ING_IGNORE_INVALID);
			if (rc != V_OK && rc != V_SKIP) {
				if (!strcmp(type, "URI"))
					ingest_add(ctx, "source.urlpath", v, n, 0);
				else
					ingest_fail(ctx, "source.url", _("invalid URL '%.*s'"),
						    (int)(n > 64 ? 64 : n), v);
			}
		}
	} else if (!strcmp(type, "IPv4") || !strcmp(type, "IPv6"))
		ingest_add_json(ctx, "source.ip", ind, 0);
	else if (!strcmp(type, "email"))
		ingest_add_json(ctx, "source.account", ind, 0);
	else if (!strcmp(type, "CIDR"))
		ingest_add_json(ctx, "source.network", ind, 0);
	else if (!strcmp(type, "CVE"))
		ingest_add_extra_json(ctx, "cve", ind);
	else
		return -1;
	return 0;
}

/* One indicator of the pulse (the current record, whose text is its raw). */
static int indicator_event(struct ingest_ctx *ctx, const json_t *it, void *arg)
{
	const json_t *pulse = arg;
	const json_t *type = json_object_get(it, "type"), *ind = json_object_get(it, "indicator");
	const json_t *v, *created = json_object_get(it, "created");

	if (!json_is_object(it))
		return ingest_reject(ctx, NULL, _("indicator is not a JSON object"));
	if (!json_is_string(type) || !ind)
		return ingest_reject(ctx, "indicator", _("indicator without type or value"));
	ingest_new_event(ctx);
	if (add_indicator(ctx, json_string_value(type), ind) != 0)
		return V_OK; /* a type IntelMQ does not map (FilePath, Mutex, ...) */

	ingest_add_extra_json(ctx, "author", json_object_get(pulse, "author_name"));
	ingest_add_extra_json(ctx, "pulse", json_object_get(pulse, "name"));
	v = json_object_get(it, "pulse_key");
	ingest_add_extra_json(ctx, "pulse_key", v ? v : json_object_get(pulse, "id"));
	ingest_add_extra_json(ctx, "tags", json_object_get(pulse, "tags"));
	v = json_object_get(pulse, "modified");
	if (json_is_string(v)) {
		const char *m = json_string_value(v);
		size_t mn = json_string_length(v);
		buf_reset(&ctx->scratch);
		if (memchr(m, '.', mn)) {
			buf_append(&ctx->scratch, m, cut_chars(m, mn, 4));
			buf_puts(&ctx->scratch, "+00:00");
		} else {
			buf_append(&ctx->scratch, m, mn);
			buf_puts(&ctx->scratch, ".00+00:00");
		}
		ingest_add(ctx, "extra.time_updated", ctx->scratch.data, ctx->scratch.len,
			   ING_OVERWRITE);
	}
	ingest_add_extra_json(ctx, "industries", json_object_get(pulse, "industries"));
	ingest_add_extra_json(ctx, "adversary", json_object_get(pulse, "adversary"));
	v = json_object_get(pulse, "targeted_countries");
	if (v && !json_is_null(v) && !(json_is_array(v) && json_array_size(v) == 0) &&
	    !(json_is_string(v) && json_string_length(v) == 0) &&
	    !(json_is_object(v) && json_object_size(v) == 0))
		ingest_add_extra_json(ctx, "targeted_countries", v);
	v = json_object_get(pulse, "TLP");
	if (v)
		ingest_add_json(ctx, "tlp", v, 0);

	v = json_object_get(pulse, "description");
	if (v)
		ingest_add_json(ctx, "comment", v, 0);
	ingest_add_str(ctx, "classification.type", "blacklist", 0);
	if (json_is_string(created)) {
		/* the time without its fraction, in UTC: IntelMQ cuts the last four characters
		 * (meant for ".mmm"), which on a time without milliseconds cuts into the minutes
		 * ("20:15:44" becomes 20:01:00); vigia keeps the real time */
		const char *c = json_string_value(created);
		size_t cn = json_string_length(created), i;
		buf_reset(&ctx->scratch);
		for (i = 0; i < cn; i++) {
			if (c[i] == '.' && i > 10 && i + 1 < cn &&
			    isdigit((unsigned char)c[i + 1])) {
				while (i + 1 < cn && isdigit((unsigned char)c[i + 1]))
					i++;
				continue;
			}
			buf_putc(&ctx->scratch, c[i]);
		}
		ingest_add(ctx, "time.source", buf_cstr(&ctx->scratch), ctx->scratch.len, 0);
	} else {
		ingest_fail(ctx, "created", _("indicator without a creation time"));
	}
	return ingest_emit(ctx, NULL, 0);
}

static void pulse_events(struct ingest_ctx *ctx, const json_t *pulse)
{
	const json_t *inds = json_object_get(pulse, "indicators"), *it;
	size_t i;

	if (!json_is_object(pulse) || !json_is_array(inds)) {
		ingest_reject(ctx, NULL, _("pulse is not a JSON object with an indicators list"));
		return;
	}
	json_array_foreach(inds, i, it)
		jsonrec_element(ctx, it, PYJSON_SORT_KEYS, indicator_event, (void *)pulse);
}

static int otx_record(struct ingest_ctx *ctx, const char *rec, size_t len)
{
	json_t *doc, *pulse;
	size_t i;
	int rc = jsonrec_load_document(ctx, rec, len, &doc);

	if (rc != V_OK)
		return rc;
	if (json_is_array(doc)) {
		json_array_foreach(doc, i, pulse)
			pulse_events(ctx, pulse);
	} else if (json_is_object(doc)) {
		pulse_events(ctx, doc);
	} else {
		ingest_reject(ctx, NULL, _("expected a JSON array of pulses"));
	}
	json_decref(doc);
	return V_OK;
}

const struct parser parser_alienvault_otx = {
	.name = "alienvault_otx",
	.aliases = (const char *const[]){ "intelmq.bots.parsers.alienvault.parser_otx", NULL },
	.description = N_("AlienVault OTX pulses (JSON)"),
	.mode = PARSE_DOCUMENT,
	.record = otx_record,
};
