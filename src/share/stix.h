/*
 * stix.h — STIX 2.1 out: a view (view.h) as one bundle.  The reader is the ingest parser
 * "stix" (src/ingest/parse_stix.c), so imports travel the same path as every other input.
 *
 * The bundle holds: the producing team's identity; the TLP 2.0 marking-definition objects
 * used (OASIS's fixed ids and content) and a statement marking per PAP level used; one
 * `incident` per incident (name, RSIT class as a label "rsit:<class>=\"<type>\"", markings);
 * per incident an `observed-data` with the observables (ipv4-addr, ipv6-addr, domain-name,
 * url, file, email-addr SCOs); per indicator value an `indicator` with a STIX pattern, a
 * `relationship` "indicates" to its incident and a `sighting` (first/last seen, where: the
 * team).  Ids are name-based (share_uuid), so exporting the same data twice gives the same
 * ids; the SCOs' ids are the deterministic UUIDv5 of STIX 2.1 §2.9 (stix_sco_uuid), so
 * another producer of the same observable gives the same id.  docs/internals/share.md
 * describes the mapping.
 */
#ifndef VIGIA_SHARE_STIX_H
#define VIGIA_SHARE_STIX_H

#include "base/buf.h"
#include "base/err.h"
#include "share/view.h"

/* Append the bundle (JSON, one line, ends with a newline) to out.  OUT: *objects (may be NULL)
 * = STIX objects written.  V_OK, V_ERR_LIMIT (out's cap) or V_ERR_NOMEM. */
int stix_write(const struct share_view *v, struct buf *out, size_t *objects, struct verr *err);

/* The ids the writer gives: "bundle--<uuid>" named by team, recipient and time. out: 47+ bytes */
void stix_bundle_id(const struct share_view *v, char out[48]);

/*
 * The UUIDv5 (SHA-1, namespace 00abedb4-aa42-466c-9c01-fed23315a9b7) of a SCO's id
 * contributing properties, name[0..len) being their RFC 8785 (JCS) serialisation, e.g.
 * {"value":"198.51.100.3"} or {"hashes":{"MD5":"..."},"name":"resume.pdf"}.  out: the uuid
 * (36 characters and NUL); the id is "<type>--" + it.  V_OK or V_ERR_NOMEM (libcrypto).
 */
int stix_sco_uuid(const char *name, size_t len, char out[37]);

#endif
