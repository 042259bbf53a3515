/*
 * policy.h — the one sharing policy: what a recipient may see, and in what form.
 *
 * Every exporter (STIX, MISP, IODEF, X-ARF, CSV, signed bundles, later the HTTP API) asks
 * policy_decide() about each object it would send, e-mail (src/notify) policy_decide_mail();
 * none decides on its own.
 * Markings are TLP 2.0 (CLEAR, GREEN, AMBER, AMBER+STRICT, RED; TLP 1.0's WHITE reads as
 * CLEAR) and PAP (CLEAR, GREEN, AMBER, RED: what the recipient may do with it, carried along).
 *
 * A recipient has a kind, which caps the TLP it may ever receive, and rights of its own:
 *   public     anyone (a web page, a mailing list without vetting)   at most TLP:CLEAR
 *   community  a member of a vetted community (a sector ISAC)         at most TLP:GREEN
 *   partner    a named partner team under a sharing agreement         at most TLP:AMBER+STRICT
 *   internal   the team itself (its own tools, backups)               at most TLP:RED
 * TLP:RED is for named people only: no export ever takes it to another team.  Within its
 * cap a partner gets up to its own tlp_max, only the RSIT classes of its collections, only the
 * data of the organisations it may see, and with victim addresses pseudonymised (a keyed
 * hash under a per-partner key: it can tell repeats apart, not learn the address) when its
 * rights say so.  An object without a TLP counts as share.default_tlp (AMBER unless set).
 *
 * Ownership: strings passed in are borrowed; struct policy_recipient owns what
 * policy_recipient_init() put in it until policy_recipient_fini().
 */
#ifndef VIGIA_SHARE_POLICY_H
#define VIGIA_SHARE_POLICY_H

#include <stddef.h>
#include <jansson.h>

#include "base/err.h"

struct store_partner;

enum tlp { TLP_CLEAR, TLP_GREEN, TLP_AMBER, TLP_AMBER_STRICT, TLP_RED, TLP__COUNT };
enum pap { PAP_CLEAR, PAP_GREEN, PAP_AMBER, PAP_RED, PAP__COUNT };
enum recipient_kind { RK_PUBLIC, RK_COMMUNITY, RK_PARTNER, RK_INTERNAL, RK__COUNT };

/* "AMBER", "tlp:amber", "TLP:AMBER+STRICT", "white" (= CLEAR), any case.  V_OK or
 * V_ERR_INVALID with the reason. */
int policy_tlp_parse(const char *s, enum tlp *out, struct verr *err);
const char *policy_tlp_name(enum tlp t);       /* "AMBER+STRICT"; static */
int policy_pap_parse(const char *s, enum pap *out, struct verr *err);
const char *policy_pap_name(enum pap p);       /* "AMBER"; static */
int policy_kind_parse(const char *s, enum recipient_kind *out, struct verr *err);
const char *policy_kind_name(enum recipient_kind k); /* "partner"; static */
/* The highest TLP a kind of recipient may receive. */
enum tlp policy_kind_ceiling(enum recipient_kind k);

/* The fixed STIX 2.1 marking-definition ids of TLP 2.0 (OASIS), static. */
const char *policy_tlp_stix_id(enum tlp t);
/* The TLP of a STIX marking-definition id: the TLP 2.0 ids and the TLP 1.0 ones of the STIX
 * 2.1 specification (white = CLEAR).  V_OK or V_ERR_NOTFOUND. */
int policy_tlp_from_stix_id(const char *id, enum tlp *out);

#define POLICY_KEY_BYTES 32
#define POLICY_PSEUDONYM_LEN 39 /* "pseudo:" + 32 hex digits */

struct policy_recipient {
	char *name;                 /* owned; NULL for an unnamed recipient */
	enum recipient_kind kind;
	enum tlp tlp_max;           /* already capped by the kind */
	char **collections;         /* owned; NULL = every class */
	size_t ncollections;
	char **orgs;                /* owned; NULL = every organisation */
	size_t norgs;
	int pseudonymise;
	unsigned char key[POLICY_KEY_BYTES];
	char *identity;             /* owned; the partner's STIX identity id or NULL */
	char *sign_key;             /* owned; hex Ed25519 public key or NULL */
};

/* A recipient from a stored partner (validated: kind, tlp_max within the kind's cap, the
 * lists, the keys).  V_OK or V_ERR_INVALID naming the partner and what is wrong. */
int policy_recipient_init(struct policy_recipient *r, const struct store_partner *p,
			  struct verr *err);
/* An unnamed recipient of a kind: every class and organisation, no pseudonyms. */
void policy_recipient_kind(struct policy_recipient *r, enum recipient_kind k);
void policy_recipient_fini(struct policy_recipient *r);

/* Check a partner's fields before storing it (the CLI's add): V_OK or V_ERR_INVALID. */
int policy_partner_check(const struct store_partner *p, struct verr *err);
/* A comma-separated list: trims spaces, refuses empty items; "*" alone means every one
 * (*out NULL).  OUT: *out (NULL-terminated array of owned strings, policy_list_free). */
int policy_list_parse(const char *s, const char *what, char ***out, size_t *n, struct verr *err);
void policy_list_free(char **list);

/* What is being sent: its marking and where it comes from.  Strings borrowed, may be NULL. */
struct policy_object {
	int has_tlp;
	enum tlp tlp;
	const char *taxonomy;       /* RSIT class (classification.taxonomy) */
	const char *organisation;   /* the constituency organisation it concerns */
};

enum policy_form { PF_WITHHOLD, PF_AS_IS, PF_PSEUDONYMISED };

struct policy_verdict {
	enum policy_form form;
	enum tlp tlp;               /* the marking it goes out with */
	char reason[200];           /* PF_WITHHOLD: why, for people (translated) */
};

/* May o go to r, and how?  dflt: the TLP of an unmarked object.  Never fails. */
void policy_decide(const struct policy_recipient *r, const struct policy_object *o, enum tlp dflt,
		   struct policy_verdict *v);

/*
 * E-mail (src/notify asks this for each incident and recipient): the channel's own rule, then
 * policy_decide() with r's cap and rights.
 *   TLP:RED never goes by e-mail, to anyone;
 *   TLP:AMBER and AMBER+STRICT go only to the affected organisation (affected != 0: the
 *   organisation of the constituency the data is about), never to an abuse contact or a
 *   partner CERT, whatever rights it has;
 *   the rest is policy_decide(): the kind's cap, tlp_max, collections, organisations and the
 *   form (PF_PSEUDONYMISED for a partner whose rights say so).
 * The notifier describes the affected organisation as policy_recipient_kind(RK_PARTNER)
 * (TLP:AMBER+STRICT is for the recipient's own organisation: that is it), an abuse contact
 * and an unregistered partner CERT as share.unnamed_recipient, a registered partner CERT as
 * its partner record.  dflt: the TLP of an unmarked object.  Never fails.
 */
void policy_decide_mail(const struct policy_recipient *r, int affected,
			const struct policy_object *o, enum tlp dflt, struct policy_verdict *v);

/* The keyed pseudonym of a value for r: "pseudo:" + hex of a 16-byte BLAKE2b keyed hash
 * (libsodium crypto_generichash) under r's key.  out: POLICY_PSEUDONYM_LEN + 1 bytes. */
void policy_pseudonym(const struct policy_recipient *r, const char *value, size_t len,
		      char out[POLICY_PSEUDONYM_LEN + 1]);

/*
 * Which side of an event is the victim: 's' when the source is the affected system (infected,
 * vulnerable or compromised hosts, open services: the reports a team sends its constituency),
 * else 'd' (the destination: the target of an attack, a scan, a phishing mail).
 */
int policy_victim_side(const char *classification_type, const char *taxonomy);

/*
 * Put an event (IntelMQ JSON object, dotted keys; modified in place) into the form the verdict
 * says: for PF_PSEUDONYMISED the victim side's identifying fields (ip, network, fqdn,
 * reverse_dns, url, urlpath, account, local_hostname, local_ip) are removed and
 * extra.<side>_pseudonym holds the pseudonym of its ip (else fqdn, else url); raw, which
 * repeats the record as received, is removed for every recipient outside the team.
 * OUT: *removed (may be NULL) = how many fields went.  V_OK or V_ERR_NOMEM.
 */
int policy_apply_event(const struct policy_recipient *r, const struct policy_verdict *v,
		       json_t *event, size_t *removed);

/*
 * Whether the member `field` of an event stays when policy_apply_event() puts the event into
 * the form v says (1) or goes (0): for a reader that takes a few members of a stored event
 * from its text instead of changing a tree (share/view.c).  classification_type and taxonomy
 * are the event's (may be NULL).  The members policy_apply_event() adds (the pseudonym) are
 * not asked about.  Never fails.
 */
int policy_event_keeps(const struct policy_recipient *r, const struct policy_verdict *v,
		       const char *classification_type, const char *taxonomy, const char *field);

#endif
