/*
 * misp.h — MISP out: a view (view.h) as MISP events (the MISP core format,
 * ../shared/corpus/misp/spec/misp-core-format.md), one per incident, and as a MISP feed
 * directory a MISP instance can subscribe to.  The reader is the ingest parser "misp_share"
 * (src/ingest/parse_misp_share.c).
 *
 * An incident becomes an Event: uuid (the view's stable id), info (its title), date,
 * timestamp, threat_level_id (P1 high .. P4 undefined), analysis (0 new/open, 1 in progress or
 * waiting, 2 resolved/closed), distribution from its TLP (CLEAR 3 all communities, GREEN 2
 * connected communities, AMBER and AMBER+STRICT 1 this community, RED 0 organisation only),
 * Orgc (the team), Tag (tlp:<level>, the RSIT tag rsit:<class>="<type>", PAP:<level>).  Each
 * indicator becomes an Attribute with its type and category (ip-src/ip-dst in Network
 * activity: ip-dst for servers victims connect to, ip-src for attackers and compromised hosts;
 * domain, url, email-src in Network activity / Payload delivery; md5, sha1, sha256 in Payload
 * delivery), to_ids true unless it is the compromised side of a report, and its own tlp tag
 * when stricter than the event's.
 *
 * The feed directory: <uuid>.json per event ({"Event": ...}), manifest.json (uuid -> info,
 * Orgc, analysis, timestamp, date, threat_level_id, Tag, integrity:sha256 of the event file)
 * and hashes.csv (md5 of each attribute value, event uuid), as MISP's own feeds.
 */
#ifndef VIGIA_SHARE_MISP_H
#define VIGIA_SHARE_MISP_H

#include "base/buf.h"
#include "base/err.h"
#include "share/view.h"

/* Append the events: {"Event": {...}} for one incident, {"response": [{"Event": ...}, ...]}
 * for several (MISP's REST search shape).  OUT: *attributes (may be NULL). */
int misp_write(const struct share_view *v, struct buf *out, size_t *attributes,
	       struct verr *err);

/* Write the feed into directory dir (created if missing; files replaced atomically). */
int misp_write_feed(const struct share_view *v, const char *dir, size_t *attributes,
		    struct verr *err);

#endif
