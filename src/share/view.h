/*
 * view.h — what an export contains, whatever its format: the producing team, the incidents
 * with their events, the indicators drawn from those events, and the markings — already
 * filtered and reshaped by the sharing policy (policy.h) for one recipient.
 *
 * share_view_build() reads the store and asks policy_decide() about every incident and every
 * event; what is withheld never enters the view (only counts of it and the reasons, for the
 * person exporting).  The indicators come from the events that went out, after pseudonymising,
 * so a victim address that left as a pseudonym can never leave as an indicator; values the
 * correlation marked common (warning lists) are left out.  Writers (stix.c, misp.c, iodef.c,
 * and xarf.c/csvout.c through `vigia export`) only format a view.
 *
 * Ownership: share_view_build() returns a view the caller frees with share_view_free();
 * everything in it is owned by the view.
 */
#ifndef VIGIA_SHARE_VIEW_H
#define VIGIA_SHARE_VIEW_H

#include <stddef.h>
#include <stdint.h>
#include <jansson.h>

#include "base/err.h"
#include "share/policy.h"

struct store;

/* The kinds of indicator a view carries, in the correlation's names (pipeline/correlate.c). */
enum share_ind_kind { SK_IPV4, SK_IPV6, SK_DOMAIN, SK_URL, SK_MD5, SK_SHA1, SK_SHA256,
		      SK_EMAIL, SK__COUNT };
const char *share_ind_kind_name(enum share_ind_kind k); /* "ipv4", ...; static */

struct share_indicator {
	enum share_ind_kind kind;
	char *value;                /* owned; canonical (hashes lower-case) */
	enum tlp tlp;               /* the strictest marking of the events it came from */
	size_t incident;            /* index into view->incidents */
	int64_t first_seen, last_seen;
	char side;                  /* 's' from a source.* field, 'd' destination.*, 0 other */
};

struct share_incident {
	int64_t id;                 /* the store's */
	char uuid[37];              /* stable across exports: derived from team and id */
	enum tlp tlp;
	int has_pap;
	enum pap pap;
	char *title, *classification_type, *taxonomy, *organisation, *state; /* owned; may be NULL */
	int64_t first_seen, last_seen, created, updated;
	int priority;               /* 1..4, 0 unknown */
	size_t nevents;             /* events that went out */
	json_t *events;             /* owned: those events (IntelMQ JSON, policy applied), or NULL
				     * unless share_view_options.keep_events asked for them */
	size_t nindicators;
};

struct share_view {
	char *team;                 /* owned: the producing team's name (share.team_name) */
	char team_identity[47];     /* "identity--<uuid>", stable for the name */
	char *recipient;            /* owned: the partner's name, or NULL */
	char *recipient_identity;   /* owned: the partner's STIX identity id, or NULL */
	int64_t created;            /* unix seconds */
	struct share_incident *incidents;
	size_t nincidents;
	struct share_indicator *indicators;
	size_t nindicators;
	/* what the policy kept back, for the person exporting */
	size_t withheld_incidents, withheld_events, pseudonymised_events;
	char first_reason[200];     /* the reason of the first thing withheld, or "" */
};

struct share_view_options {
	const struct policy_recipient *recipient; /* borrowed; required */
	const int64_t *incidents;   /* these incidents (borrowed), or NULL: every incident */
	size_t nincidents;
	int open_only;              /* with incidents NULL: only those not resolved or closed */
	const char *team;           /* producing team's name; NULL: the share.team_name setting */
	enum tlp default_tlp;       /* the marking of an unmarked object (share.default_tlp) */
	int64_t max_events;         /* per incident; 0 = no limit */
	int keep_events;            /* keep the events in the view (event-based writers); the
				     * STIX, MISP and IODEF writers need only the indicators */
	int64_t now;                /* 0: the clock */
};

/* Build the view.  OUT: *out.  V_OK; V_ERR_NOTFOUND naming an incident that does not exist;
 * store errors as the store gave them. */
int share_view_build(struct store *st, const struct share_view_options *o,
		     struct share_view **out, struct verr *err);
void share_view_free(struct share_view *v);

/*
 * A name-based id: a UUID (RFC 4122 layout, version 4 bits) whose bits are the first 16 bytes
 * of SHA-256 over the parts, so the same object gets the same id in every export and a
 * partner importing twice sees the same objects.  out: 37 bytes.
 */
void share_uuid(char out[37], const char *a, const char *b, const char *c);

/* The indicator kind of a value for a field (source.ip, source.url, ...), or -1. */
int share_kind_of_field(const char *field, const char *value);

#endif
