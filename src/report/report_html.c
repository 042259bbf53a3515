/*
 * report_html.c — the period report and the case report as self-contained HTML (report.h).
 *
 * One file each: inline CSS (with a print style: A4, charts and table rows never cut), inline
 * SVG charts, no script and no external reference, so it opens offline and passes a strict
 * Content-Security-Policy.  Every value from the store is escaped (chart_escape()).
 */
#include <stdio.h>
#include <inttypes.h>
#include <string.h>

#include "base/i18n.h"
#include "report/chart.h"
#include "report/report.h"
#include "report/report_impl.h"

static const char css[] =
	"body{font-family:sans-serif;color:#222;max-width:60em;margin:2em auto;padding:0 1em;"
	"line-height:1.4}"
	"h1{font-size:1.6em;margin-bottom:.2em}h2{font-size:1.2em;margin-top:1.6em;"
	"border-bottom:1px solid #999}"
	".meta{color:#444}.kpis{display:flex;flex-wrap:wrap;gap:.8em;margin:1em 0}"
	".kpi{border:1px solid #999;padding:.5em .8em;min-width:8em}"
	".kpi b{display:block;font-size:1.5em}"
	"figure{margin:1em 0;break-inside:avoid}svg{max-width:100%;height:auto}"
	"table{border-collapse:collapse;width:100%;font-size:.9em}"
	"th,td{border:1px solid #bbb;padding:.25em .4em;text-align:left;vertical-align:top}"
	"td.n{text-align:right}tr{break-inside:avoid}"
	".tlp{font-weight:bold}.empty{color:#555;font-style:italic}"
	".grid{display:grid;grid-template-columns:repeat(auto-fit,minmax(26em,1fr));gap:1em}"
	"@media print{body{margin:0;max-width:none}@page{size:A4;margin:15mm}}";

static int esc(struct buf *out, const char *s)
{
	return chart_escape(out, s ? s : "-");
}

static int head(struct buf *out, const char *lang, const char *title)
{
	int rc = buf_puts(out, "<!DOCTYPE html>\n<html lang=\"");

	if (rc == V_OK)
		rc = esc(out, lang);
	if (rc == V_OK)
		rc = buf_puts(out, "\">\n<head>\n<meta charset=\"utf-8\">\n"
				   "<meta name=\"viewport\" content=\"width=device-width\">\n"
				   "<title>");
	if (rc == V_OK)
		rc = esc(out, title);
	if (rc == V_OK)
		rc = buf_printf(out, "</title>\n<style>%s</style>\n</head>\n<body>\n", css);
	return rc;
}

static int kpi(struct buf *out, const char *label, const char *value)
{
	int rc = buf_puts(out, "<div class=\"kpi\"><b>");

	if (rc == V_OK)
		rc = esc(out, value);
	if (rc == V_OK)
		rc = buf_puts(out, "</b>");
	if (rc == V_OK)
		rc = esc(out, label);
	return rc == V_OK ? buf_puts(out, "</div>\n") : rc;
}

static int kpi_num(struct buf *out, const char *label, int64_t n)
{
	char num[32];

	chart_number(n, num);
	return kpi(out, label, num);
}

/* A chart in a figure, or a line saying there is nothing to draw. */
static int figure(struct buf *out, const struct chart *c, double w, double h)
{
	int rc;

	if (c->nlabels == 0) {
		rc = buf_puts(out, "<figure><figcaption><b>");
		if (rc == V_OK)
			rc = esc(out, c->title);
		if (rc == V_OK)
			rc = buf_puts(out, "</b></figcaption><p class=\"empty\">");
		if (rc == V_OK)
			rc = esc(out, _("nothing in this period"));
		return rc == V_OK ? buf_puts(out, "</p></figure>\n") : rc;
	}
	rc = buf_puts(out, "<figure>\n");
	if (rc == V_OK)
		rc = chart_svg(c, w, h, out);
	return rc == V_OK ? buf_puts(out, "</figure>\n") : rc;
}

/* "3 h 20 min", "2 d 4 h" for a mean duration. */
void report_duration(int64_t s, char out[48])
{
	if (s < 3600)
		snprintf(out, 48, "%" PRId64 " min", s / 60);
	else if (s < 86400)
		snprintf(out, 48, "%" PRId64 " h %" PRId64 " min", s / 3600, s % 3600 / 60);
	else
		snprintf(out, 48, "%" PRId64 " d %" PRId64 " h", s / 86400, s % 86400 / 3600);
}

static int cell(struct buf *out, const char *s, int num)
{
	int rc = buf_puts(out, num ? "<td class=\"n\">" : "<td>");

	if (rc == V_OK)
		rc = esc(out, s && *s ? s : "-");
	return rc == V_OK ? buf_puts(out, "</td>") : rc;
}

static int notable_table(struct buf *out, const struct report_period *p)
{
	const char *cols[] = { _("Id"), _("Title"), _("Classification"), _("Organisation"),
			       _("Priority"), _("State"), _("Events"), _("First seen"), "TLP" };
	int rc;

	if (!p->nnotable) {
		rc = buf_puts(out, "<p class=\"empty\">");
		if (rc == V_OK)
			rc = esc(out, _("nothing in this period"));
		return rc == V_OK ? buf_puts(out, "</p>\n") : rc;
	}
	rc = buf_puts(out, "<table>\n<thead><tr>");
	for (size_t i = 0; i < sizeof(cols) / sizeof(cols[0]) && rc == V_OK; i++) {
		rc = buf_puts(out, "<th>");
		if (rc == V_OK)
			rc = esc(out, cols[i]);
		if (rc == V_OK)
			rc = buf_puts(out, "</th>");
	}
	if (rc == V_OK)
		rc = buf_puts(out, "</tr></thead>\n<tbody>\n");
	for (size_t i = 0; i < p->nnotable && rc == V_OK; i++) {
		const struct store_incident *in = &p->notable[i];
		char id[24], pr[8], n[32], day[16];
		snprintf(id, sizeof(id), "%" PRId64, in->id);
		snprintf(pr, sizeof(pr), "%d", in->priority);
		chart_number(in->event_count, n);
		report_day(in->first_seen, day);
		rc = buf_puts(out, "<tr>");
		if (rc == V_OK)
			rc = cell(out, id, 1);
		if (rc == V_OK)
			rc = cell(out, in->title, 0);
		if (rc == V_OK)
			rc = cell(out, in->classification_type, 0);
		if (rc == V_OK)
			rc = cell(out, in->organisation, 0);
		if (rc == V_OK)
			rc = cell(out, in->priority ? pr : NULL, 1);
		if (rc == V_OK)
			rc = cell(out, report_state_label((int)in->state), 0);
		if (rc == V_OK)
			rc = cell(out, n, 1);
		if (rc == V_OK)
			rc = cell(out, day, 0);
		if (rc == V_OK)
			rc = cell(out, in->tlp, 0);
		if (rc == V_OK)
			rc = buf_puts(out, "</tr>\n");
	}
	return rc == V_OK ? buf_puts(out, "</tbody></table>\n") : rc;
}

static int section(struct buf *out, const char *title)
{
	int rc = buf_puts(out, "<h2>");

	if (rc == V_OK)
		rc = esc(out, title);
	return rc == V_OK ? buf_puts(out, "</h2>\n") : rc;
}

int report_period_html(const struct report_period *p, const char *lang, const char *team,
		       struct buf *out)
{
	struct report_charts ch;
	char from[16], to[16], gen[16], dur[48];
	int64_t open = p->by_state[0] + p->by_state[1] + p->by_state[2] + p->by_state[3];
	int rc;

	report_day(p->since, from);
	report_day(p->until - 1, to);
	report_day(p->generated, gen);
	if ((rc = report_charts_build(p, &ch)) != V_OK)
		goto out;
	rc = head(out, lang, _("Period report"));
	if (rc == V_OK)
		rc = buf_puts(out, "<header>\n<h1>");
	if (rc == V_OK)
		rc = esc(out, _("Period report"));
	if (rc == V_OK)
		rc = buf_puts(out, "</h1>\n<p class=\"meta\">");
	if (rc == V_OK && team && *team) {
		rc = esc(out, team);
		if (rc == V_OK)
			rc = buf_puts(out, " &#183; ");
	}
	if (rc == V_OK)
		rc = buf_printf(out, _("from %s to %s (UTC), generated %s"), from, to, gen);
	if (rc == V_OK)
		rc = buf_puts(out, "</p>\n</header>\n<section class=\"kpis\">\n");
	if (rc == V_OK)
		rc = kpi_num(out, _("events"), p->events);
	if (rc == V_OK)
		rc = kpi_num(out, _("incidents"), p->incidents);
	if (rc == V_OK)
		rc = kpi_num(out, _("still open"), open);
	if (rc == V_OK)
		rc = kpi_num(out, _("resolved or closed"), p->by_state[4] + p->by_state[5]);
	if (rc == V_OK)
		rc = kpi_num(out, _("notifications sent"), p->messages);
	if (rc == V_OK) {
		if (p->resolved)
			report_duration(p->resolve_seconds / p->resolved, dur);
		else
			snprintf(dur, sizeof(dur), "-");
		rc = kpi(out, _("mean time to resolve"), dur);
	}
	if (rc == V_OK)
		rc = buf_puts(out, "</section>\n");
	if (rc == V_OK)
		rc = section(out, _("Trends"));
	if (rc == V_OK)
		rc = figure(out, &ch.c[RC_PER_CLASS], 880, 300);
	if (rc == V_OK)
		rc = buf_puts(out, "<div class=\"grid\">\n");
	if (rc == V_OK)
		rc = figure(out, &ch.c[RC_EVENTS], 430, 220);
	if (rc == V_OK)
		rc = figure(out, &ch.c[RC_MESSAGES], 430, 220);
	if (rc == V_OK)
		rc = buf_puts(out, "</div>\n");
	if (rc == V_OK)
		rc = section(out, _("Most affected"));
	if (rc == V_OK)
		rc = buf_puts(out, "<div class=\"grid\">\n");
	for (int k = RC_ORGS; k <= RC_NETWORKS && rc == V_OK; k++)
		rc = figure(out, &ch.c[k], 430, 40 + 20 * (double)(ch.c[k].nlabels + 1));
	if (rc == V_OK)
		rc = buf_puts(out, "</div>\n");
	if (rc == V_OK)
		rc = section(out, _("Handling"));
	if (rc == V_OK)
		rc = buf_puts(out, "<div class=\"grid\">\n");
	if (rc == V_OK)
		rc = figure(out, &ch.c[RC_STATES], 430, 170);
	if (rc == V_OK)
		rc = figure(out, &ch.c[RC_RESOLVE], 430, 170);
	if (rc == V_OK)
		rc = buf_puts(out, "</div>\n");
	if (rc == V_OK)
		rc = section(out, _("Notable incidents"));
	if (rc == V_OK)
		rc = notable_table(out, p);
	if (rc == V_OK)
		rc = buf_puts(out, "</body>\n</html>\n");
out:
	report_charts_fini(&ch);
	return rc;
}

/* ---- the case report ----------------------------------------------------------------------- */

static int row2(struct buf *out, const char *k, const char *v)
{
	int rc = buf_puts(out, "<tr><th>");

	if (rc == V_OK)
		rc = esc(out, k);
	if (rc == V_OK)
		rc = buf_puts(out, "</th>");
	if (rc == V_OK)
		rc = cell(out, v, 0);
	return rc == V_OK ? buf_puts(out, "</tr>\n") : rc;
}

/* The columns of the events table (IntelMQ names); the victim's pseudonym stands in for the
 * address that the policy removed. */
const char *const report_case_fields[REPORT_CASE_NFIELDS] = {
	"time.source", "classification.type", "source.ip", "source.port", "source.fqdn",
	"destination.ip", "destination.port", "feed.name",
};

const char *report_event_value(json_t *ev, const char *field, char tmp[64])
{
	json_t *v = json_object_get(ev, field);

	if (!v && strcmp(field, "source.ip") == 0)
		v = json_object_get(ev, "extra.source_pseudonym");
	if (!v && strcmp(field, "destination.ip") == 0)
		v = json_object_get(ev, "extra.destination_pseudonym");
	if (!v)
		return NULL;
	if (json_is_string(v))
		return json_string_value(v);
	if (json_is_integer(v)) {
		snprintf(tmp, 64, "%" JSON_INTEGER_FORMAT, json_integer_value(v));
		return tmp;
	}
	if (json_is_real(v)) {
		snprintf(tmp, 64, "%g", json_real_value(v));
		return tmp;
	}
	return NULL;
}

int report_case_html(const struct report_case *c, const char *lang, struct buf *out)
{
	const struct share_incident *in = c->inc;
	const struct share_view *v = c->view;
	char title[160], tmp[64], a[16], b[16];
	int rc;

	snprintf(title, sizeof(title), _("Incident %" PRId64), c->id);
	rc = head(out, lang, title);
	if (rc == V_OK)
		rc = buf_printf(out, "<header>\n<p class=\"tlp\">TLP:%s</p>\n<h1>",
				policy_tlp_name(in->tlp));
	if (rc == V_OK)
		rc = esc(out, title);
	if (rc == V_OK)
		rc = buf_puts(out, "</h1>\n<p class=\"meta\">");
	if (rc == V_OK)
		rc = esc(out, v->team);
	if (rc == V_OK)
		rc = buf_puts(out, " &#8594; ");
	if (rc == V_OK)
		rc = esc(out, v->recipient ? v->recipient : _("internal use"));
	if (rc == V_OK)
		rc = buf_puts(out, "</p>\n</header>\n");
	if (rc == V_OK)
		rc = section(out, _("Summary"));
	if (rc == V_OK)
		rc = buf_puts(out, "<table>\n");
	if (rc == V_OK)
		rc = row2(out, _("Title"), in->title);
	if (rc == V_OK)
		rc = row2(out, _("Classification"), in->classification_type);
	if (rc == V_OK)
		rc = row2(out, _("Taxonomy"), in->taxonomy);
	if (rc == V_OK)
		rc = row2(out, _("Organisation"), in->organisation);
	if (rc == V_OK)
		rc = row2(out, _("State"), in->state);
	if (rc == V_OK) {
		snprintf(tmp, sizeof(tmp), "%d", in->priority);
		rc = row2(out, _("Priority"), in->priority ? tmp : NULL);
	}
	if (rc == V_OK)
		rc = row2(out, "TLP", policy_tlp_name(in->tlp));
	if (rc == V_OK && in->has_pap)
		rc = row2(out, "PAP", policy_pap_name(in->pap));
	if (rc == V_OK) {
		report_day(in->first_seen, a);
		report_day(in->last_seen, b);
		snprintf(tmp, sizeof(tmp), "%s / %s", a, b);
		rc = row2(out, _("First / last seen"), tmp);
	}
	if (rc == V_OK) {
		snprintf(tmp, sizeof(tmp), "%zu", in->nevents);
		rc = row2(out, _("Events"), tmp);
	}
	if (rc == V_OK && c->internal) {
		snprintf(tmp, sizeof(tmp), "%" PRId64, c->messages);
		rc = row2(out, _("Notifications sent"), tmp);
	}
	if (rc == V_OK)
		rc = buf_puts(out, "</table>\n");
	if (rc == V_OK && (v->withheld_events || v->pseudonymised_events)) {
		rc = buf_puts(out, "<p class=\"meta\">");
		if (rc == V_OK)
			rc = buf_printf(out, _("Under the sharing policy, %zu events are withheld "
					       "from this report and %zu show the victim as a "
					       "pseudonym."),
					v->withheld_events, v->pseudonymised_events);
		if (rc == V_OK)
			rc = buf_puts(out, "</p>\n");
	}
	if (rc == V_OK)
		rc = section(out, _("Events"));
	if (rc == V_OK)
		rc = buf_puts(out, "<table>\n<thead><tr>");
	for (size_t i = 0; i < REPORT_CASE_NFIELDS && rc == V_OK; i++) {
		rc = buf_puts(out, "<th>");
		if (rc == V_OK)
			rc = esc(out, report_case_fields[i]);
		if (rc == V_OK)
			rc = buf_puts(out, "</th>");
	}
	if (rc == V_OK)
		rc = buf_puts(out, "</tr></thead>\n<tbody>\n");
	for (size_t i = 0; in->events && i < json_array_size(in->events) && rc == V_OK; i++) {
		json_t *ev = json_array_get(in->events, i);
		rc = buf_puts(out, "<tr>");
		for (size_t f = 0; f < REPORT_CASE_NFIELDS && rc == V_OK; f++)
			rc = cell(out, report_event_value(ev, report_case_fields[f], tmp), 0);
		if (rc == V_OK)
			rc = buf_puts(out, "</tr>\n");
	}
	if (rc == V_OK)
		rc = buf_puts(out, "</tbody></table>\n");
	if (rc == V_OK)
		rc = section(out, _("Indicators"));
	if (rc == V_OK && !v->nindicators) {
		rc = buf_puts(out, "<p class=\"empty\">");
		if (rc == V_OK)
			rc = esc(out, _("none"));
		if (rc == V_OK)
			rc = buf_puts(out, "</p>\n");
	} else if (rc == V_OK) {
		rc = buf_puts(out, "<table>\n");
		for (size_t i = 0; i < v->nindicators && rc == V_OK; i++) {
			rc = row2(out, share_ind_kind_name(v->indicators[i].kind),
				  v->indicators[i].value);
		}
		if (rc == V_OK)
			rc = buf_puts(out, "</table>\n");
	}
	if (rc == V_OK && c->internal && c->notes.len) {
		rc = section(out, _("Notes"));
		if (rc == V_OK)
			rc = buf_puts(out, "<pre>");
		if (rc == V_OK)
			rc = chart_escape(out, c->notes.data);
		if (rc == V_OK)
			rc = buf_puts(out, "</pre>\n");
	}
	if (rc == V_OK)
		rc = buf_puts(out, "</body>\n</html>\n");
	return rc;
}
