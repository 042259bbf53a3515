/*
 * xarf.h — X-ARF v4 abuse reports (JSON; https://xarf.org, schemas in
 * ../shared/corpus/abuse-reports/xarf-v4/): the machine-readable attachment of a
 * notification and a format of `vigia export` (src/cli/cmd_share.c).
 *
 * One report describes one source: an incident becomes one report about the source of its
 * first event that has one (source.ip, else source.fqdn, else the host of source.url).  The
 * RSIT classification picks the X-ARF category and type (xarf.c has the table); when the
 * events lack what a type requires (a scan without its protocol or source port, spam without
 * the envelope sender), the report falls back to reputation/threat_intelligence, which needs
 * only the threat type, so that every report validates against the X-ARF v4 master schema.
 * The CSV attachment carries every event.
 */
#ifndef VIGIA_SHARE_XARF_H
#define VIGIA_SHARE_XARF_H

#include <stddef.h>
#include <stdint.h>

#include "base/buf.h"
#include "base/err.h"
#include "event/event.h"
#include "store/store.h"

#define XARF_VERSION "4.2.0"

/* Who reports (X-ARF "reporter" and "sender"): every field required. */
struct xarf_reporter {
	const char *org;           /* "CSIRT Example" */
	const char *contact;       /* "csirt@example.org" */
	const char *domain;        /* "example.org" */
};

/*
 * Append the X-ARF v4 report of incident inc (events evs[0..n), borrowed, in any order) to out
 * as one JSON object (no newline).  report_id is a UUID derived from the reporter's domain, the
 * incident id and version: the same report twice has the same id.  V_OK; V_ERR_INVALID when no
 * event has a source to report (err says which incident); V_ERR_NOMEM.
 */
int xarf_report(const struct xarf_reporter *rep, const struct store_incident *inc,
		int64_t version, const struct event *const *evs, size_t n, struct buf *out,
		struct verr *err);

/* The X-ARF category and type an RSIT classification.type maps to (before any fallback). */
void xarf_type_of(const char *classification_type, const char **category, const char **type);

#endif
