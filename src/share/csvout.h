/*
 * csvout.h — events as CSV (RFC 4180) for people and spreadsheets: the attachment of a
 * notification and `vigia export --format csv`.
 *
 * A table is a header line and one line per event; the columns are event fields (IntelMQ
 * names) after a first column "incident".  Values are quoted when they hold a comma, a quote
 * or a line break; a text value that a spreadsheet would take for a formula (starting with
 * =, +, -, @, tab or CR, and not a number) gets a leading apostrophe (OWASP "CSV injection").
 * Lines end with CRLF.
 */
#ifndef VIGIA_SHARE_CSVOUT_H
#define VIGIA_SHARE_CSVOUT_H

#include <stddef.h>
#include <stdint.h>

#include "base/buf.h"
#include "event/event.h"

/* The default columns (after "incident"): time, classification, source and destination. */
extern const char *const csvout_default_fields[];
extern const size_t csvout_ndefault;

/* The header: "incident," and the field names, CRLF.  Appended to out.  V_OK, V_ERR_NOMEM,
 * V_ERR_LIMIT (the buffer's cap). */
int csvout_header(struct buf *out, const char *const *fields, size_t n);
/* One event (borrowed) of an incident (0: the column stays empty). */
int csvout_event(struct buf *out, int64_t incident, const struct event *ev,
		 const char *const *fields, size_t n);

#endif
