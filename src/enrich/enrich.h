/*
 * enrich.h — what vigia adds to an event about its addresses: network, autonomous system, AS
 * name and country from the IP attribution index (ipdb.h), and the abuse contact from the
 * constituency (constituency.h), for the source.* and the destination.* side.
 *
 * Filled, per side, when the event has <side>.ip (the constituency also from <side>.fqdn or
 * the host of <side>.url):
 *   <side>.asn              ipdb, the ASN layer
 *   <side>.as_name          ipdb, only when the event's ASN (the feed's or the one just
 *                           filled) is the one the index names: never a name of another AS
 *   <side>.network          ipdb, the largest CIDR block around the address inside the range
 *                           that answered
 *   <side>.geolocation.cc   ipdb, the country layer
 *   <side>.abuse_contact    the constituency: the contacts (e-mail addresses, joined by ","
 *                           as IntelMQ's experts do) of the organisation that matched by
 *                           network, ASN or domain, unless that organisation or network is
 *                           flagged "do not notify".  A partner national CERT is not an abuse
 *                           contact of the address (it coordinates, it does not run the
 *                           network): the CERT rule fills nothing here.
 * A value the event already has is kept, unless its field is in the overwrite set.
 *
 * Provenance: every field filled gets an extra key "extra.enrichment.<field>" saying where
 * the value came from: "ipdb:<the first 16 hex digits of the index checksum>" or
 * "constituency:<rule> <match> (<organisation>)", e.g.
 *   "extra.enrichment.source.asn": "ipdb:9f2c61d0a4b7e315"
 *   "extra.enrichment.source.abuse_contact": "constituency:network 192.0.2.0/24 (Uni)"
 * Flat keys with string values, so they survive JSON lines, the store and IntelMQ's JSON as
 * they are (docs/internals/enrich.md).
 *
 * Ownership: enrich_new takes the index and the constituency over; strings are borrowed.
 * Thread safety: one struct enrich per thread (the lookups themselves are read-only).
 */
#ifndef VIGIA_ENRICH_ENRICH_H
#define VIGIA_ENRICH_ENRICH_H

#include <stddef.h>
#include <stdint.h>

#include "base/err.h"
#include "enrich/constituency.h"
#include "enrich/ipdb.h"
#include "event/event.h"

/* The fields enrichment fills on each side. */
enum enrich_field {
	ENRICH_ASN, ENRICH_AS_NAME, ENRICH_NETWORK, ENRICH_CC, ENRICH_ABUSE_CONTACT,
	ENRICH__FIELDS
};

#define ENRICH_PROVENANCE_PREFIX "extra.enrichment."

/* The set of fields whose feed-supplied values enrichment replaces: a bit per (side, field),
 * side 0 source, 1 destination. */
struct enrich_overwrite {
	unsigned char on[2][ENRICH__FIELDS];
};

/*
 * Parse an overwrite list: field names separated by commas ("source.asn,
 * destination.geolocation.cc"), "source.*" / "destination.*" for a side, "*" for all; spaces
 * around names are allowed; NULL or "" is the empty set.  Adds to *ow (so lists combine).
 * V_OK, or V_ERR_USAGE with err naming the field that enrichment does not fill.
 */
int enrich_overwrite_parse(const char *list, struct enrich_overwrite *ow, struct verr *err);

struct enrich_stats {
	uint64_t events;                        /* events looked at */
	uint64_t enriched;                      /* events that gained at least one field */
	uint64_t filled[2][ENRICH__FIELDS];     /* fields filled, per side */
	uint64_t kept[2][ENRICH__FIELDS];       /* feed values kept where enrichment had one */
};

struct enrich;

/*
 * A new enricher.  db and c (either or both may be NULL: that source takes no part) are taken
 * over: enrich_free closes them (also on failure).  V_OK, or V_ERR_NOMEM.  OUT: *out.
 */
int enrich_new(struct ipdb *db, struct constituency *c, const struct enrich_overwrite *ow,
	       struct enrich **out, struct verr *err);
void enrich_free(struct enrich *e); /* NULL is fine */
/* Replace the overwrite set (ow NULL: empty). */
void enrich_set_overwrite(struct enrich *e, const struct enrich_overwrite *ow);
/* Swap in another index (ipdb update replaced the file); the old one is closed.  db taken. */
void enrich_set_ipdb(struct enrich *e, struct ipdb *db);
const struct ipdb *enrich_ipdb(const struct enrich *e);          /* borrowed; may be NULL */
const struct constituency *enrich_constituency(const struct enrich *e); /* likewise */

/*
 * Enrich one event.  When nothing is to be filled, *out = in and in is untouched; else in is
 * copied into scratch (the caller's, reused from event to event), the fields and their
 * provenance are set there and *out = scratch.  *filled (may be NULL) counts the fields set.
 * V_OK, or V_ERR_LIMIT / V_ERR_NOMEM when scratch cannot hold the event (nothing is lost:
 * the caller may go on with in).
 */
int enrich_event(struct enrich *e, const struct event *in, struct event *scratch,
		 const struct event **out, unsigned *filled, struct verr *err);

const struct enrich_stats *enrich_stats(const struct enrich *e);

/* The event field name of (side, field): "source.asn", ... Static. */
const char *enrich_field_name(int side, enum enrich_field f);

#endif
