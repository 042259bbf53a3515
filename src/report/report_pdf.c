/*
 * report_pdf.c — the period report and the case report as PDF (report.h), drawn with cairo's
 * PDF surface; text is laid out by pango (fonts through fontconfig, so accents, any script and
 * line breaking come right) and stays text in the PDF, searchable and copyable.
 *
 * Pages are A4 in points.  A flow cursor moves down the page; a chart or a table row that
 * does not fit starts a new page.  The charts are chart_layout()'s marks, the same as the
 * HTML's SVG.
 */
#include <inttypes.h>
#include <string.h>

#include <cairo-pdf.h>
#include <cairo.h>
#include <fontconfig/fontconfig.h>
#include <pango/pangocairo.h>

#include "base/i18n.h"
#include "report/chart.h"
#include "report/report.h"
#include "report/report_impl.h"

#define PAGE_W 595.0
#define PAGE_H 842.0
#define MARGIN 42.0
#define TEXT_W (PAGE_W - 2 * MARGIN)

struct pdf {
	cairo_surface_t *surface;
	cairo_t *cr;
	double y;
};

static void ink(cairo_t *cr, int color)
{
	uint32_t c = color >= 0 ? chart_palette[color % CHART_MAX_SERIES] : 0x222222;

	if (color == 7)
		c = 0xBBBBBB;
	cairo_set_source_rgb(cr, ((c >> 16) & 0xFF) / 255.0, ((c >> 8) & 0xFF) / 255.0,
			     (c & 0xFF) / 255.0);
}

/* Text at (x, baseline y), anchored; wrapped at width when width > 0.  Returns its height. */
static double text(cairo_t *cr, double x, double y, double size, int bold, enum chart_anchor a,
		   double width, const char *s)
{
	PangoLayout *l = pango_cairo_create_layout(cr);
	PangoFontDescription *fd = pango_font_description_new();
	int w, h;
	double base;

	pango_font_description_set_family(fd, "Sans");
	pango_font_description_set_absolute_size(fd, size * PANGO_SCALE);
	pango_font_description_set_weight(fd, bold ? PANGO_WEIGHT_BOLD : PANGO_WEIGHT_NORMAL);
	pango_layout_set_font_description(l, fd);
	if (width > 0) {
		pango_layout_set_width(l, (int)(width * PANGO_SCALE));
		pango_layout_set_wrap(l, PANGO_WRAP_WORD_CHAR);
	}
	pango_layout_set_text(l, s ? s : "", -1);
	pango_layout_get_size(l, &w, &h);
	base = (double)pango_layout_get_baseline(l) / PANGO_SCALE;
	x -= a == CA_MIDDLE ? (double)w / PANGO_SCALE / 2 : a == CA_END ? (double)w / PANGO_SCALE
									 : 0;
	cairo_move_to(cr, x, y - base);
	pango_cairo_show_layout(cr, l);
	pango_font_description_free(fd);
	g_object_unref(l);
	return (double)h / PANGO_SCALE;
}

static void new_page(struct pdf *d)
{
	cairo_show_page(d->cr);
	d->y = MARGIN;
}

static void need(struct pdf *d, double h)
{
	if (d->y + h > PAGE_H - MARGIN && d->y > MARGIN)
		new_page(d);
}

static void para(struct pdf *d, double size, int bold, const char *s)
{
	ink(d->cr, -1);
	need(d, size * 1.6);
	d->y += text(d->cr, MARGIN, d->y + size, size, bold, CA_START, TEXT_W, s) + size * 0.5;
}

static int draw_chart(struct pdf *d, const struct chart *c, double w, double h)
{
	struct chart_marks m;
	int rc;

	if (c->nlabels == 0) {
		para(d, 10.5, 1, c->title);
		para(d, 9, 0, _("nothing in this period"));
		return V_OK;
	}
	if ((rc = chart_layout(c, w, h, &m)) != V_OK)
		return rc;
	need(d, h + 10);
	cairo_save(d->cr);
	cairo_translate(d->cr, MARGIN, d->y);
	for (size_t i = 0; i < m.n; i++) {
		const struct chart_mark *k = &m.v[i];
		ink(d->cr, k->color);
		switch (k->kind) {
		case CM_RECT:
			cairo_rectangle(d->cr, k->x, k->y, k->w, k->h);
			cairo_fill(d->cr);
			break;
		case CM_LINE:
			cairo_set_line_width(d->cr, k->pattern / 10.0);
			cairo_move_to(d->cr, k->x, k->y);
			cairo_line_to(d->cr, k->w, k->h);
			cairo_stroke(d->cr);
			break;
		case CM_TEXT:
			ink(d->cr, -1);
			text(d->cr, k->x, k->y, k->h, k->bold, k->anchor, 0, k->text);
			break;
		}
	}
	cairo_restore(d->cr);
	d->y += h + 14;
	chart_marks_fini(&m);
	return V_OK;
}

/* A table row: cells at the given column offsets, each wrapped to its column. */
static void row(struct pdf *d, const double *x, size_t n, const char *const *cells, int bold)
{
	double h = 0;

	need(d, 22);
	ink(d->cr, -1);
	for (size_t i = 0; i < n; i++) {
		double w = (i + 1 < n ? x[i + 1] : TEXT_W) - x[i] - 4;
		double th = text(d->cr, MARGIN + x[i], d->y + 8, 7.5, bold, CA_START, w,
				 cells[i] && *cells[i] ? cells[i] : "-");
		h = th > h ? th : h;
	}
	d->y += h + 3;
	ink(d->cr, 7);
	cairo_set_line_width(d->cr, 0.4);
	cairo_move_to(d->cr, MARGIN, d->y);
	cairo_line_to(d->cr, MARGIN + TEXT_W, d->y);
	cairo_stroke(d->cr);
	d->y += 2;
}

static int open_pdf(struct pdf *d, const char *path, const char *title, struct verr *err)
{
	memset(d, 0, sizeof(*d));
	d->surface = cairo_pdf_surface_create(path, PAGE_W, PAGE_H);
	if (cairo_surface_status(d->surface) != CAIRO_STATUS_SUCCESS) {
		cairo_surface_destroy(d->surface);
		d->surface = NULL;
		return verr_set(err, V_ERR_IO, "", _("%s: cannot write: %s"), path,
				cairo_status_to_string(CAIRO_STATUS_WRITE_ERROR));
	}
	cairo_pdf_surface_set_metadata(d->surface, CAIRO_PDF_METADATA_TITLE, title);
	cairo_pdf_surface_set_metadata(d->surface, CAIRO_PDF_METADATA_CREATOR, "vigia");
	d->cr = cairo_create(d->surface);
	d->y = MARGIN;
	return V_OK;
}

static int close_pdf(struct pdf *d, const char *path, int rc, struct verr *err)
{
	cairo_status_t s;

	cairo_show_page(d->cr);
	cairo_destroy(d->cr);
	cairo_surface_finish(d->surface);
	s = cairo_surface_status(d->surface);
	cairo_surface_destroy(d->surface);
	if (rc == V_OK && s != CAIRO_STATUS_SUCCESS)
		return verr_set(err, V_ERR_IO, "", _("%s: cannot write: %s"), path,
				cairo_status_to_string(s));
	if (rc != V_OK && !err->reason[0])
		verr_set(err, rc, "", _("%s: the report could not be drawn: %s"), path,
			 vres_str(rc));
	return rc;
}

int report_period_pdf(const struct report_period *p, const char *team, const char *path,
		      struct verr *err)
{
	struct report_charts ch;
	struct pdf d;
	char from[16], to[16], gen[16], line[300], a[32], b[32], c[32], dur[48];
	int rc;

	if ((rc = open_pdf(&d, path, _("Period report"), err)) != V_OK)
		return rc;
	rc = report_charts_build(p, &ch);
	report_day(p->since, from);
	report_day(p->until - 1, to);
	report_day(p->generated, gen);
	para(&d, 18, 1, _("Period report"));
	snprintf(line, sizeof(line), _("from %s to %s (UTC), generated %s"), from, to, gen);
	if (team && *team) {
		char t[400];
		snprintf(t, sizeof(t), "%s \xC2\xB7 %s", team, line);
		para(&d, 9.5, 0, t);
	} else {
		para(&d, 9.5, 0, line);
	}
	chart_number(p->events, a);
	chart_number(p->incidents, b);
	chart_number(p->messages, c);
	snprintf(line, sizeof(line), _("%s events, %s incidents, %s notifications sent."), a, b,
		 c);
	para(&d, 11, 1, line);
	chart_number(p->by_state[0] + p->by_state[1] + p->by_state[2] + p->by_state[3], a);
	chart_number(p->by_state[4] + p->by_state[5], b);
	if (p->resolved)
		report_duration(p->resolve_seconds / p->resolved, dur);
	else
		snprintf(dur, sizeof(dur), "-");
	snprintf(line, sizeof(line), _("Still open: %s; resolved or closed: %s; mean time to "
				       "resolve: %s."), a, b, dur);
	para(&d, 10, 0, line);
	if (rc == V_OK) {
		para(&d, 13, 1, _("Trends"));
		rc = draw_chart(&d, &ch.c[RC_PER_CLASS], TEXT_W, 230);
	}
	if (rc == V_OK)
		rc = draw_chart(&d, &ch.c[RC_EVENTS], TEXT_W, 160);
	if (rc == V_OK)
		rc = draw_chart(&d, &ch.c[RC_MESSAGES], TEXT_W, 160);
	if (rc == V_OK)
		para(&d, 13, 1, _("Most affected"));
	for (int k = RC_ORGS; k <= RC_NETWORKS && rc == V_OK; k++)
		rc = draw_chart(&d, &ch.c[k], TEXT_W, 36 + 16 * (double)(ch.c[k].nlabels + 1));
	if (rc == V_OK) {
		para(&d, 13, 1, _("Handling"));
		rc = draw_chart(&d, &ch.c[RC_STATES], TEXT_W, 140);
	}
	if (rc == V_OK)
		rc = draw_chart(&d, &ch.c[RC_RESOLVE], TEXT_W, 140);
	if (rc == V_OK) {
		static const double x[] = { 0, 40, 200, 290, 380, 420, 470 };
		const char *headc[] = { _("Id"), _("Title"), _("Classification"), _("Organisation"),
					_("Priority"), _("State"), "TLP" };
		para(&d, 13, 1, _("Notable incidents"));
		if (!p->nnotable)
			para(&d, 9, 0, _("nothing in this period"));
		else
			row(&d, x, 7, headc, 1);
		for (size_t i = 0; i < p->nnotable; i++) {
			const struct store_incident *in = &p->notable[i];
			char id[24], pr[8];
			const char *cells[7];
			snprintf(id, sizeof(id), "%" PRId64, in->id);
			snprintf(pr, sizeof(pr), "%d", in->priority);
			cells[0] = id, cells[1] = in->title, cells[2] = in->classification_type;
			cells[3] = in->organisation, cells[4] = in->priority ? pr : NULL;
			cells[5] = report_state_label((int)in->state), cells[6] = in->tlp;
			row(&d, x, 7, cells, 0);
		}
	}
	report_charts_fini(&ch);
	return close_pdf(&d, path, rc, err);
}

int report_case_pdf(const struct report_case *c, const char *path, struct verr *err)
{
	const struct share_incident *in = c->inc;
	const struct share_view *v = c->view;
	static const double x[] = { 0, 78, 150, 215, 245, 320, 385, 415 };
	char title[160], line[400], a[16], b[16];
	struct pdf d;
	int rc;

	snprintf(title, sizeof(title), _("Incident %" PRId64), c->id);
	if ((rc = open_pdf(&d, path, title, err)) != V_OK)
		return rc;
	snprintf(line, sizeof(line), "TLP:%s", policy_tlp_name(in->tlp));
	para(&d, 12, 1, line);
	para(&d, 18, 1, title);
	snprintf(line, sizeof(line), "%s \xE2\x86\x92 %s", v->team,
		 v->recipient ? v->recipient : _("internal use"));
	para(&d, 9.5, 0, line);
	para(&d, 13, 1, _("Summary"));
	{
		char pr[8], nev[24], seen[40];
		const char *cells[2];
		static const double kx[] = { 0, 130 };
		snprintf(pr, sizeof(pr), "%d", in->priority);
		snprintf(nev, sizeof(nev), "%zu", in->nevents);
		report_day(in->first_seen, a);
		report_day(in->last_seen, b);
		snprintf(seen, sizeof(seen), "%s / %s", a, b);
		const char *rows[][2] = {
			{ _("Title"), in->title }, { _("Classification"), in->classification_type },
			{ _("Taxonomy"), in->taxonomy }, { _("Organisation"), in->organisation },
			{ _("State"), in->state }, { _("Priority"), in->priority ? pr : NULL },
			{ "TLP", policy_tlp_name(in->tlp) }, { _("First / last seen"), seen },
			{ _("Events"), nev },
		};
		for (size_t i = 0; i < sizeof(rows) / sizeof(rows[0]); i++) {
			cells[0] = rows[i][0], cells[1] = rows[i][1];
			row(&d, kx, 2, cells, 0);
		}
	}
	if (v->withheld_events || v->pseudonymised_events) {
		snprintf(line, sizeof(line), _("Under the sharing policy, %zu events are withheld "
					       "from this report and %zu show the victim as a "
					       "pseudonym."),
			 v->withheld_events, v->pseudonymised_events);
		para(&d, 9, 0, line);
	}
	para(&d, 13, 1, _("Events"));
	row(&d, x, REPORT_CASE_NFIELDS, report_case_fields, 1);
	for (size_t i = 0; in->events && i < json_array_size(in->events); i++) {
		json_t *ev = json_array_get(in->events, i);
		char tmp[REPORT_CASE_NFIELDS][64];
		const char *cells[REPORT_CASE_NFIELDS];
		for (size_t f = 0; f < REPORT_CASE_NFIELDS; f++)
			cells[f] = report_event_value(ev, report_case_fields[f], tmp[f]);
		row(&d, x, REPORT_CASE_NFIELDS, cells, 0);
	}
	para(&d, 13, 1, _("Indicators"));
	if (!v->nindicators)
		para(&d, 9, 0, _("none"));
	for (size_t i = 0; i < v->nindicators; i++) {
		static const double kx[] = { 0, 60 };
		const char *cells[2] = { share_ind_kind_name(v->indicators[i].kind),
					 v->indicators[i].value };
		row(&d, kx, 2, cells, 0);
	}
	if (c->internal && c->notes.len) {
		para(&d, 13, 1, _("Notes"));
		para(&d, 9, 0, c->notes.data);
	}
	return close_pdf(&d, path, V_OK, err);
}

void report_pdf_shutdown(void)
{
	pango_cairo_font_map_set_default(NULL);
	cairo_debug_reset_static_data();
	FcFini();
}
