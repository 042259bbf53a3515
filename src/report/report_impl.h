/*
 * report_impl.h — what the HTML and PDF renderers of src/report share (not for other modules):
 * the charts of a period report, built once from its figures.
 *
 * Ownership: struct report_charts owns the arrays its charts point into (report_charts_fini);
 * the labels of top lists and the class names are borrowed from the report_period, which must
 * outlive it.
 */
#ifndef VIGIA_REPORT_REPORT_IMPL_H
#define VIGIA_REPORT_REPORT_IMPL_H

#include <jansson.h>

#include "report/chart.h"
#include "report/report.h"

enum { RC_PER_CLASS, RC_EVENTS, RC_MESSAGES, RC_ORGS, RC_ASNS, RC_COUNTRIES, RC_NETWORKS,
       RC_STATES, RC_RESOLVE, RC__COUNT };

struct report_charts {
	struct chart c[RC__COUNT];
	size_t n;
	struct chart_series series[RC__COUNT][CHART_MAX_SERIES];
	char **days;               /* "2026-11-01", one per day of the period */
	char *dayspace;
	const char *states[6], *buckets[6];
	void *owned[RC__COUNT * (CHART_MAX_SERIES + 1)];
	size_t nowned;
};

/* OUT: *rc (report_charts_fini, also after a failure).  V_OK or V_ERR_NOMEM. */
int report_charts_build(const struct report_period *p, struct report_charts *rc);
void report_charts_fini(struct report_charts *rc);
/* A mean duration for people: "3 h 20 min", "2 d 4 h". */
void report_duration(int64_t s, char out[48]);

/* The columns of a case report's events table, and one event's value for one (the victim's
 * pseudonym where the policy removed its address; numbers as text in tmp).  NULL: none. */
#define REPORT_CASE_NFIELDS 8
extern const char *const report_case_fields[REPORT_CASE_NFIELDS];
const char *report_event_value(json_t *ev, const char *field, char tmp[64]);

/* The state's name for people (translated); static. */
const char *report_state_label(int s);

#endif
