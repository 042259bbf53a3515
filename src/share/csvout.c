/*
 * csvout.c — events as CSV lines (csvout.h).
 */
#include <ctype.h>
#include <stdlib.h>
#include <string.h>

#include "share/csvout.h"

const char *const csvout_default_fields[] = {
	"time.source", "classification.taxonomy", "classification.type",
	"classification.identifier", "source.ip", "source.port", "source.asn",
	"source.geolocation.cc", "source.fqdn", "source.url", "protocol.transport",
	"protocol.application", "destination.ip", "destination.port", "malware.name",
	"feed.name",
};
const size_t csvout_ndefault = sizeof(csvout_default_fields) / sizeof(csvout_default_fields[0]);

/* A number ("-12", "3.5") is no formula. */
static int is_number(const char *s, size_t n)
{
	char tmp[64], *end;

	if (n == 0 || n >= sizeof(tmp))
		return 0;
	memcpy(tmp, s, n);
	tmp[n] = 0;
	strtod(tmp, &end);
	return *end == 0 && !isspace((unsigned char)tmp[0]);
}

static int cell(struct buf *out, const char *s, size_t n)
{
	int quote = 0, guard, rc = V_OK;

	guard = n > 0 && strchr("=+-@\t\r", s[0]) && !is_number(s, n);
	for (size_t i = 0; i < n && !quote; i++)
		quote = s[i] == ',' || s[i] == '"' || s[i] == '\n' || s[i] == '\r';
	if (!quote && !guard)
		return buf_append(out, s, n); /* the usual case */
	if (quote)
		rc = buf_putc(out, '"');
	if (rc == V_OK && guard)
		rc = buf_putc(out, '\'');
	for (size_t i = 0; rc == V_OK && i < n; i++) {
		if (s[i] == '"')
			rc = buf_putc(out, '"');
		if (rc == V_OK)
			rc = buf_putc(out, s[i]);
	}
	if (rc == V_OK && quote)
		rc = buf_putc(out, '"');
	return rc;
}

int csvout_header(struct buf *out, const char *const *fields, size_t n)
{
	int rc = buf_puts(out, "incident");

	for (size_t i = 0; rc == V_OK && i < n; i++) {
		rc = buf_putc(out, ',');
		if (rc == V_OK)
			rc = cell(out, fields[i], strlen(fields[i]));
	}
	return rc == V_OK ? buf_puts(out, "\r\n") : rc;
}

int csvout_event(struct buf *out, int64_t incident, const struct event *ev,
		 const char *const *fields, size_t n)
{
	int rc = incident > 0 ? buf_printf(out, "%lld", (long long)incident) : V_OK;

	for (size_t i = 0; rc == V_OK && i < n; i++) {
		size_t len = 0;
		enum vkind kind;
		const char *v = event_get(ev, fields[i], &len, &kind);

		rc = buf_putc(out, ',');
		if (rc == V_OK && v)
			rc = cell(out, v, len);
	}
	return rc == V_OK ? buf_puts(out, "\r\n") : rc;
}
