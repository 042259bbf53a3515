/*
 * notify.h — telling the ones who can fix it: routing incidents to network owners, abuse
 * contacts and partner national CERTs, queueing, batching, rendering and sending by e-mail,
 * never twice and never lost (docs/internals/notify.md).
 *
 *   rules.c     routing rules as data (data/notify/routing.json or notify.rules): the first
 *               rule whose match holds decides (suppress, or notify with an interval, a
 *               template and a format)
 *   plan.c      who gets an incident and why: the constituency (network, AS, domain), else the
 *               event's abuse contact, else the partner CERT of the address's country; what
 *               may leave by e-mail is the sharing policy's answer (src/share/policy,
 *               policy_decide_mail), asked through notify_policy_decide()
 *   template.c  message templates ({{field}}, {{#incidents}}...{{/incidents}}), Spanish and
 *               English shipped under data/notify/templates/, an override directory
 *   mail.c      the MIME message: a text part, CSV and X-ARF attachments, optionally signed
 *               (PGP/MIME through GPGME)
 *   smtp.c      sending through libcurl (STARTTLS, authentication, relay)
 *   send.c      the batcher: due notices grouped per recipient and interval, claimed, sent,
 *               recorded in the ledger; retries with backoff; per-recipient rate limits
 *
 * Ownership: strings handed in are borrowed for the call; everything returned through a
 * callback is borrowed for the callback.
 */
#ifndef VIGIA_NOTIFY_NOTIFY_H
#define VIGIA_NOTIFY_NOTIFY_H

#include <stddef.h>
#include <stdint.h>

#include "base/buf.h"
#include "base/err.h"
#include "enrich/constituency.h"
#include "enrich/ipdb.h"
#include "event/event.h"
#include "share/policy.h"
#include "store/store.h"

enum notify_kind { NOTIFY_ORG, NOTIFY_ABUSE, NOTIFY_CERT };
enum notify_interval { NOTIFY_IMMEDIATE, NOTIFY_HOURLY, NOTIFY_DAILY };
enum notify_side { NOTIFY_SOURCE = 1, NOTIFY_DESTINATION = 2 };

const char *notify_kind_name(enum notify_kind k);          /* "org", "abuse", "cert" */
const char *notify_interval_name(enum notify_interval i);  /* "immediate", ... */
int notify_interval_parse(const char *s, enum notify_interval *out); /* V_OK, V_ERR_INVALID */
/* The end of the interval that holds t (immediate: t itself; hourly: the next full hour;
 * daily: the next midnight UTC): when a batch of that interval is due. */
int64_t notify_interval_due(enum notify_interval i, int64_t t);

/* ---- routing rules (rules.c) ----------------------------------------------------------------- */

struct notify_rules;

/*
 * Read routing rules: path, or the built-in data/notify/routing.json when path is NULL or "".
 * The format is in docs/formats.md "Notification routing rules".  V_OK with *out
 * (notify_rules_free); V_ERR_IO (cannot read), V_ERR_INVALID with err->file = path (borrowed)
 * and err->field the JSON path of the bad value ("rules[2].interval").
 */
int notify_rules_load(const char *path, struct notify_rules **out, struct verr *err);
/* The same from text (label names it in errors). */
int notify_rules_parse(const char *text, size_t len, const char *label, struct notify_rules **out,
		       struct verr *err);
void notify_rules_free(struct notify_rules *r); /* NULL is fine */

/* What a rule is asked about. */
struct notify_facts {
	const char *classification, *taxonomy, *tlp; /* the incident's; NULL when unknown */
	const char *organisation;   /* the recipient's organisation or CERT name */
	const char *country;        /* the address's country (ISO 3166-1), "" when unknown */
	enum notify_kind kind;
	enum notify_side side;
};

/* What the matching rule says. */
struct notify_decision {
	const char *rule;           /* its name (borrowed from the rules); NULL: none matched */
	int suppress;
	enum notify_interval interval;
	const char *template_name;  /* "summary" unless the rule says */
	const char *format;         /* NULL: the contact's format, else "both" */
	const char *lang;           /* NULL: the contact's language, else notify.lang */
};
/* The first rule whose match holds.  Returns 1 when one did (d filled), 0 when none. */
int notify_rules_decide(const struct notify_rules *r, const struct notify_facts *f,
			struct notify_decision *d);

/* ---- what may leave (plan.c, through share/policy.h) ---------------------------------------- */

struct notify_planner;

/*
 * What the one sharing policy (policy_decide_mail() in src/share/policy) says about sending
 * incident inc by e-mail to a recipient of this kind named name: the affected organisation
 * (NOTIFY_ORG) counts as a recipient of kind partner, an abuse contact as one of kind
 * share.unnamed_recipient, a partner CERT as the partner of src/share with that name when one
 * is registered (notify_planner_policy), else like an abuse contact.  An incident without a
 * TLP counts as share.default_tlp; an unknown label as TLP:RED.  Fills v (v->reason when
 * withheld, translated); returns 1 when it may go, 0 when not.
 */
int notify_policy_decide(const struct notify_planner *p, enum notify_kind kind, const char *name,
			 const struct store_incident *inc, struct policy_verdict *v);
/* The recipient notify_policy_decide() uses (borrowed from the planner). */
const struct policy_recipient *notify_policy_recipient(const struct notify_planner *p,
						       enum notify_kind kind, const char *name);

/* ---- the subject of a notification (plan.c) -------------------------------------------------- */

#define NOTIFY_MAX_ADDRS 16   /* distinct addresses per incident taken into account */

struct notify_addr {
	enum notify_side side;
	char ip[IPDB_ADDRSTRLEN];           /* "" when the side has only a name */
	int64_t asn;                        /* 0 when not known */
	char cc[3];                         /* "" when not known */
	char fqdn[CONSTITUENCY_DOMAINLEN];  /* "" when none */
	char abuse[CONSTITUENCY_DOMAINLEN]; /* <side>.abuse_contact, "" when none */
};

/* An incident as routing sees it: the row and the distinct addresses of its events. */
struct notify_subject {
	const struct store_incident *inc;   /* borrowed */
	int64_t version;                    /* inc->event_count: a new event is a new version */
	size_t naddrs;
	struct notify_addr addrs[NOTIFY_MAX_ADDRS];
	size_t dropped;                     /* addresses past NOTIFY_MAX_ADDRS */
};

void notify_subject_init(struct notify_subject *s, const struct store_incident *inc);
/* Take the source and destination of an event (distinct ones only). */
void notify_subject_add_event(struct notify_subject *s, const struct event *ev);
/* The incident's events from the store (at most max_events of them).  V_OK or store errors. */
int notify_subject_load(struct store *st, struct notify_subject *s, int64_t max_events,
			struct verr *err);

/* ---- planning (plan.c) ----------------------------------------------------------------------- */

/* c and rules are required; db may be NULL (then only the events' own asn and country
 * count).  All borrowed for the planner's life.  V_OK or V_ERR_NOMEM. */
int notify_planner_new(const struct constituency *c, const struct ipdb *db,
		       const struct notify_rules *rules, struct notify_planner **out);
void notify_planner_free(struct notify_planner *p);
/* Read share.default_tlp and share.unnamed_recipient, and the partners registered in st (may
 * be NULL: none) for notify_policy_decide().  Without it: AMBER and community, no partners.
 * V_OK, V_ERR_INVALID naming the setting or the partner, or store errors. */
int notify_planner_policy(struct notify_planner *p, struct store *st, struct verr *err);

/* One recipient of an incident, or (recipient NULL) an address nobody will be told about. */
struct notify_target {
	const char *recipient;      /* e-mail; NULL for a skip */
	const char *name;           /* organisation, CERT, or the address for an abuse contact */
	enum notify_kind kind;
	enum notify_side side;
	const char *address;        /* what was routed: the ip or name */
	const char *lang, *format, *template_name;
	enum notify_interval interval;
	const char *rule;           /* the routing rule; NULL when none matched */
	const char *why;            /* for people: the match and the rule, or why not */
};
typedef int (*notify_plan_cb)(void *arg, const struct notify_subject *s,
			      const struct notify_target *t);
/* Route one incident: cb once per (recipient) and once per skipped address.  A callback's
 * non-zero return stops and is returned.  Each recipient comes once per incident. */
int notify_plan(struct notify_planner *p, const struct notify_subject *s, notify_plan_cb cb,
		void *arg);

/* ---- templates (template.c) ------------------------------------------------------------------ */

struct notify_template;

/*
 * The template `name` in language lang ("es", "en"): dir/<lang>/<name>.txt when dir is set
 * (the notify.templates setting), else the built-in one.  The first line is "Subject: ...",
 * then an empty line, then the body.  Every {{field}} is checked when loading: an unknown
 * one is V_ERR_INVALID with err->file = the template's name ("es/summary.txt"), err->line
 * and err->field = the field.  OUT: *out (notify_template_free).
 */
int notify_template_load(const char *dir, const char *name, const char *lang,
			 struct notify_template **out, struct verr *err);
int notify_template_parse(const char *text, size_t len, const char *label,
			  struct notify_template **out, struct verr *err);
void notify_template_free(struct notify_template *t);
const char *notify_template_label(const struct notify_template *t); /* "es/summary.txt" */

/* One incident of a message, as templates and attachments see it. */
struct notify_msg_incident {
	const struct store_incident *inc;
	int64_t version;
	const char *address;        /* the address routed to this recipient */
	const char *why;
	size_t nevents;
	const struct event *const *events; /* for the attachments; may be 0 */
};

struct notify_msg {
	const char *team, *team_email, *team_domain;
	const char *recipient, *recipient_name, *lang, *interval;
	int64_t date;
	size_t nincidents;
	const struct notify_msg_incident *incidents;
};

/* Render subject and body (appended).  V_OK, V_ERR_NOMEM/V_ERR_LIMIT. */
int notify_render(const struct notify_template *t, const struct notify_msg *m, struct buf *subject,
		  struct buf *body, struct verr *err);

/* ---- the message (mail.c) -------------------------------------------------------------------- */

struct notify_part {
	const char *filename, *content_type; /* "incidents.csv", "text/csv" */
	const char *data;
	size_t len;
};

/*
 * A whole RFC 5322 message (CRLF line ends) into out: From, To, Subject (RFC 2047 when not
 * ASCII), Date, Message-ID, X-XARF when an X-ARF part is present; a multipart/mixed of the
 * text (UTF-8) and the parts, both base64.  sign_key: an OpenPGP fingerprint to
 * sign with (PGP/MIME, RFC 3156) or NULL.  V_OK, V_ERR_NOMEM, V_ERR_INVALID (signing failed:
 * err says why).
 */
int notify_mail_build(struct buf *out, const char *from, const char *to, const char *subject,
		      const char *message_id, int64_t date, const char *body,
		      const struct notify_part *parts, size_t nparts, const char *sign_key,
		      struct verr *err);

/* ---- sending (smtp.c) ------------------------------------------------------------------------ */

struct notify_smtp_result {
	int code;                   /* the server's last reply code, 0 when none */
	int temporary;              /* 1: try again later (4xx, no connection); 0: permanent */
	char reply[512];            /* the server's reply, or what went wrong */
};

/* Send one message (msg: the whole RFC 5322 text) through the relay of the notify.smtp_*
 * settings.  V_OK when the server accepted it (r->code 250); V_ERR_IO otherwise, with r. */
int notify_smtp_send(const char *from, const char *to, const char *msg, size_t len,
		     struct notify_smtp_result *r);

/* ---- the batcher (send.c) -------------------------------------------------------------------- */

struct notify_stats {
	size_t messages, sent, retried, failed, deferred, notices, bad;
};

/*
 * Send what is due at `now` (flush: everything queued, due or not): first the messages a
 * crash left SENDING (again, with their Message-ID), then the due notices, one message per
 * (recipient, aggregation key).  A message is claimed (committed) before it goes to the
 * server and recorded in the ledger when the server accepts it.  Temporary failures go back
 * to the queue with backoff (notify.retry_base, doubled each time, notify.max_attempts);
 * permanent ones (5xx) mark the notices failed with the server's reply; a recipient over
 * notify.rate_limit messages an hour waits.  A message that cannot be built (a bad template,
 * an incident gone) is reported and counted, and the rest proceed.  V_OK, or a store error.
 */
int notify_send(struct store *st, int64_t now, int flush, struct notify_stats *stats,
		struct verr *err);

/* The Message-ID of a message made of these notices: "<hex@domain>", stable for the same set. */
void notify_message_id(const int64_t *ids, size_t n, const char *domain, char out[128]);

/* Build the complete message of a batch of notices (exposed for tests and the benchmark):
 * rendered text and attachments by format.  V_OK or the error (template, store). */
struct notify_templates;
int notify_templates_new(const char *dir, struct notify_templates **out);
void notify_templates_free(struct notify_templates *ts);
/* A template of the cache, loaded on first use.  Borrowed. */
int notify_templates_get(struct notify_templates *ts, const char *name, const char *lang,
			 const struct notify_template **out, struct verr *err);
int notify_message_build(struct notify_templates *ts, const struct notify_msg *m,
			 const char *template_name, const char *format, const char *message_id,
			 struct buf *out, struct verr *err);

#endif
