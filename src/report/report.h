/*
 * report.h — printable reports: the period report for management and the case report of one
 * incident for a partner or law enforcement, as self-contained HTML (inline CSS and SVG
 * charts, nothing fetched) or as PDF (cairo and pango).
 *
 * The period report reads only aggregates through the store interface (store_stats(),
 * store_incidents_notable()); the case report is built from a share view (share/view.h), so
 * the sharing policy has already decided what the recipient sees: TLP:RED never reaches a
 * partner, victims are pseudonymised when the partner's rights say so, raw records stay home.
 * Text for people goes through gettext: the caller chooses the language by setting the
 * locale's messages category before rendering (report_lang()).
 *
 * Ownership: the structs below own everything they point to (report_period_fini(),
 * report_case_fini()); rendering appends to a caller's buffer or writes the caller's file.
 */
#ifndef VIGIA_REPORT_REPORT_H
#define VIGIA_REPORT_REPORT_H

#include <stddef.h>
#include <stdint.h>

#include "base/buf.h"
#include "base/err.h"
#include "share/view.h"
#include "store/store.h"

#define REPORT_MAX_DAYS 1000   /* a period report covers at most this many days */
#define REPORT_CLASSES 5       /* classifications drawn apart per day; the rest is "other" */

struct report_count {
	char *key;                 /* owned */
	int64_t count;
};

struct report_top {
	struct report_count *v;
	size_t n;
};

struct report_period {
	int64_t since, until;      /* [since, until), unix seconds */
	int64_t generated;
	size_t ndays;              /* days from since's day to until's, each a slot below */
	int64_t first_day;         /* 00:00 UTC of the first */
	int64_t events, incidents, messages;
	int64_t by_state[6];       /* incidents created in the period, by enum incident_state */
	int64_t *events_per_day, *messages_per_day; /* ndays each */
	/* incidents per day: the REPORT_CLASSES largest classifications and "other" */
	char *classes[REPORT_CLASSES + 1];         /* owned; NULL when unused */
	size_t nclasses;
	int64_t *class_per_day[REPORT_CLASSES + 1]; /* ndays each */
	struct report_top orgs, asns, countries, networks, by_class;
	int64_t resolve_buckets[6]; /* store.h STORE_STAT_RESOLVE_BUCKETS */
	int64_t resolved, resolve_seconds;
	struct store_incident *notable; /* owned (store_incident_free each) */
	size_t nnotable;
};

/* Read the period's figures: top lists of at most top entries, notable incidents at most
 * notable.  OUT: *p (report_period_fini, also after a failure).  V_ERR_INVALID for an empty
 * period or one over REPORT_MAX_DAYS days; store errors as the store gave them. */
int report_period_load(struct store *st, int64_t since, int64_t until, int top, int notable,
		       struct report_period *p, struct verr *err);
void report_period_fini(struct report_period *p);

/* The period report as one HTML document, appended to out.  lang: the document's language
 * ("es", "en"), borrowed.  team: the producing team's name (may be NULL). */
int report_period_html(const struct report_period *p, const char *lang, const char *team,
		       struct buf *out);
/* The same as a PDF file at path (created or replaced).  V_OK or V_ERR_IO naming the path. */
int report_period_pdf(const struct report_period *p, const char *team, const char *path,
		      struct verr *err);

/* Free what the PDF renderer's libraries keep for the whole process (pango's font map,
 * cairo's and fontconfig's caches), so that leak checkers see a clean exit: call once, when no
 * more PDF will be drawn (the CLI does at the end of `vigia report`). */
void report_pdf_shutdown(void);

/* The case report: one incident as a recipient may see it. */
struct report_case {
	struct share_view *view;   /* owned: the incident, its events and indicators */
	const struct share_incident *inc; /* into view; NULL when the policy withheld it */
	int64_t id;
	int internal;              /* the team's own copy: notes and audit trail included */
	struct buf notes;          /* internal only: "time\tauthor\ttext\n" lines */
	int64_t messages;          /* notifications sent about it (ledger rows) */
};

/* Build the case report of incident id for recipient r (borrowed; RK_INTERNAL for the team's
 * own copy).  dflt: the TLP of an unmarked object (share.default_tlp).  OUT: *c
 * (report_case_fini).  V_ERR_NOTFOUND for no such incident; V_ERR_INVALID when the policy
 * withholds the whole incident from r (err names the reason). */
int report_case_load(struct store *st, int64_t id, const struct policy_recipient *r,
		     enum tlp dflt, struct report_case *c, struct verr *err);
void report_case_fini(struct report_case *c);
int report_case_html(const struct report_case *c, const char *lang, struct buf *out);
int report_case_pdf(const struct report_case *c, const char *path, struct verr *err);

/* Render in language lang ("es" or "en"; NULL or "": the locale's): sets the messages
 * category of the locale.  V_OK or V_ERR_INVALID for a language vigia has no catalogue for.
 * OUT: *chosen = "es" or "en" (static). */
int report_lang(const char *lang, const char **chosen, struct verr *err);

/* "2026-11-28" (UTC) of t into out. */
void report_day(int64_t t, char out[16]);

#endif
