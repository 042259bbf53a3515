/*
 * stix_ids.h — the STIX 2.1 marking-definition ids of TLP, shared by the STIX reader
 * (parse_stix.c, which defines them) and the sharing policy above it (src/share/policy.c).
 *
 * Levels are numbered as the policy's enum tlp: 0 CLEAR, 1 GREEN, 2 AMBER, 3 AMBER+STRICT,
 * 4 RED.  Strings are static.
 */
#ifndef VIGIA_INGEST_STIX_IDS_H
#define VIGIA_INGEST_STIX_IDS_H

#define STIX_TLP_LEVELS 5

/* OASIS's fixed TLP 2.0 marking-definition id of a level (0..4), or NULL. */
const char *stix_tlp2_id(int level);
/* The level of a marking-definition id: the five TLP 2.0 ids and the four TLP 1.0 ids of the
 * STIX 2.1 specification (white = CLEAR).  -1 when it is neither. */
int stix_tlp_level(const char *id);

#endif
