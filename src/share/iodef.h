/*
 * iodef.h — IODEF v2 (RFC 7970) out: a view (view.h) as one IODEF-Document, one Incident per
 * incident.  The reader is the ingest parser "iodef" (src/ingest/parse_iodef.c).
 *
 * An Incident: purpose "reporting", status from the incident's state, the TLP as restriction
 * (below), IncidentID (name = the team, text = the view's stable uuid), DetectTime (first
 * seen), GenerationTime, Description (the title), Contact (the team, role creator); addresses
 * in EventData/Flow/System (category "source" for attackers and servers, "target" for the
 * victim side of a report); URLs, domains, e-mail addresses and file hashes as IndicatorData
 * (Observable Address category "site-uri", DomainData/Name, EmailData/EmailFrom,
 * FileData/File/HashData/Hash with ds:DigestMethod and the base64 ds:DigestValue); the RSIT
 * class and the PAP as AdditionalData (meaning "rsit", "pap").
 *
 * TLP 2.0 -> restriction: CLEAR "white", GREEN "green", AMBER "amber", RED "red" (IODEF's own
 * TLP 1.0 values); AMBER+STRICT has none: "ext-value" with ext-restriction "amber+strict".
 * restriction -> TLP when reading: white and public CLEAR, green and partner GREEN, amber
 * AMBER, need-to-know AMBER+STRICT (the organisation only), red and private RED, ext-value
 * with ext-restriction "amber+strict"/"clear" those, default (or none: the schema's default is
 * private) RED.  docs/internals/share.md has the table.
 */
#ifndef VIGIA_SHARE_IODEF_H
#define VIGIA_SHARE_IODEF_H

#include "base/buf.h"
#include "base/err.h"
#include "share/view.h"

/* Append the document (UTF-8 XML).  OUT: *indicators (may be NULL). */
int iodef_write(const struct share_view *v, struct buf *out, size_t *indicators,
		struct verr *err);

#endif
