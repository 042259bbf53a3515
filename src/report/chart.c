/*
 * chart.c — charts as marks (rectangles, lines, text) in a box, and the marks as SVG
 * (chart.h).  The PDF renderer (report_pdf.c) draws the same marks with cairo and pango.
 *
 * Layout, in points: the title on top, a legend under it when there are several series, then
 * the plot.  Bars (top-N lists) put their labels left of the bars and their values right of
 * them; columns and lines get a value axis with four grid lines at round numbers and at most
 * eight labels along the bottom, so that a year of days stays legible.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/err.h"
#include "report/chart.h"

/* Okabe & Ito's colour-blind-safe palette, darkest first so that one series prints dark. */
const uint32_t chart_palette[CHART_MAX_SERIES] = {
	0x0072B2, 0xE69F00, 0x009E73, 0xD55E00, 0xCC79A7, 0x56B4E9, 0xF0E442, 0x999999,
};

#define FONT 8.0
#define TITLE_FONT 10.5
#define LABEL_MAX 36 /* characters of a bar's label shown */

void chart_marks_fini(struct chart_marks *m)
{
	for (size_t i = 0; i < m->n; i++)
		free(m->v[i].text);
	free(m->v);
	m->v = NULL;
	m->n = m->size = 0;
}

static struct chart_mark *add(struct chart_marks *m, enum chart_mark_kind k)
{
	struct chart_mark *x;

	if (m->n == m->size) {
		size_t size = m->size ? m->size * 2 : 64;
		struct chart_mark *v = realloc(m->v, size * sizeof(*v));
		if (!v)
			return NULL;
		m->v = v;
		m->size = size;
	}
	x = &m->v[m->n++];
	memset(x, 0, sizeof(*x));
	x->kind = k;
	x->color = -1;
	return x;
}

static int rect(struct chart_marks *m, double x, double y, double w, double h, int color)
{
	struct chart_mark *r = add(m, CM_RECT);

	if (!r)
		return V_ERR_NOMEM;
	r->x = x, r->y = y, r->w = w, r->h = h, r->color = color;
	return V_OK;
}

static int line(struct chart_marks *m, double x1, double y1, double x2, double y2, int color,
		int width10)
{
	struct chart_mark *l = add(m, CM_LINE);

	if (!l)
		return V_ERR_NOMEM;
	l->x = x1, l->y = y1, l->w = x2, l->h = y2, l->color = color, l->pattern = width10;
	return V_OK;
}

/* The first max characters of s (UTF-8), with an ellipsis when cut. */
static char *clip(const char *s, size_t max)
{
	size_t n = 0, i = 0;
	char *out;

	for (; s[i]; i++) {
		if (((unsigned char)s[i] & 0xC0) != 0x80 && n++ == max)
			break;
	}
	if (!s[i])
		return strdup(s);
	if (!(out = malloc(i + 4)))
		return NULL;
	memcpy(out, s, i);
	memcpy(out + i, "\xE2\x80\xA6", 4); /* … */
	return out;
}

static int text(struct chart_marks *m, double x, double y, double size, enum chart_anchor a,
		int bold, const char *s, size_t max)
{
	struct chart_mark *t = add(m, CM_TEXT);

	if (!t || !(t->text = clip(s ? s : "", max))) {
		if (t)
			m->n--;
		return V_ERR_NOMEM;
	}
	t->x = x, t->y = y, t->h = size, t->anchor = a, t->bold = bold;
	return V_OK;
}

void chart_number(int64_t n, char out[32])
{
	char digits[24];
	size_t len, o = 0;
	int neg = n < 0;
	uint64_t u = neg ? (uint64_t)0 - (uint64_t)n : (uint64_t)n;

	len = (size_t)snprintf(digits, sizeof(digits), "%llu", (unsigned long long)u);
	if (neg)
		out[o++] = '-';
	for (size_t i = 0; i < len; i++) {
		if (i && (len - i) % 3 == 0) { /* U+202F narrow no-break space */
			memcpy(out + o, "\xE2\x80\xAF", 3);
			o += 3;
		}
		out[o++] = digits[i];
	}
	out[o] = 0;
}

/* A round axis maximum (1, 2, 2.5 or 5 times a power of ten) at or above v, in 4 steps. */
static double nice_max(double v)
{
	static const double steps[] = { 1, 2, 2.5, 5, 10 };
	double p, step;

	if (v <= 0)
		return 4;
	step = v / 4;
	p = pow(10, floor(log10(step)));
	for (size_t i = 0; i < sizeof(steps) / sizeof(steps[0]); i++)
		if (steps[i] * p >= step) {
			step = steps[i] * p;
			break;
		}
	if (step < 1)
		step = 1;
	return ceil(step) * 4;
}

static double val(const struct chart_series *s, size_t i)
{
	double v = s->values[i];
	return v > 0 && isfinite(v) ? v : 0;
}

static int legend(const struct chart *c, struct chart_marks *m, double *y)
{
	double x = 0;
	int rc = V_OK;

	if (c->nseries < 2)
		return V_OK;
	*y += FONT;
	for (size_t s = 0; s < c->nseries && rc == V_OK; s++) {
		const char *name = c->series[s].name ? c->series[s].name : "";
		double w = 14 + 4.6 * (double)(strlen(name) < 28 ? strlen(name) : 28);
		if (x > 0 && x + w > m->width) {
			x = 0;
			*y += FONT + 4;
		}
		if ((rc = rect(m, x, *y - FONT + 1, FONT, FONT, (int)s)) == V_OK)
			rc = text(m, x + FONT + 3, *y, FONT, CA_START, 0, name, 28);
		x += w + 8;
	}
	*y += FONT + 6;
	return rc;
}

static int bars(const struct chart *c, struct chart_marks *m, double top)
{
	const struct chart_series *s = &c->series[0];
	double max = 0, lw, bw, row, x0;
	size_t longest = 1;
	int rc = V_OK;
	char num[32];

	for (size_t i = 0; i < c->nlabels; i++) {
		size_t n = strlen(c->labels[i] ? c->labels[i] : "");
		max = fmax(max, val(s, i));
		longest = n > longest ? n : longest;
	}
	lw = fmin(m->width * 0.4, 6 + 4.4 * (double)(longest < LABEL_MAX ? longest : LABEL_MAX));
	x0 = lw + 4;
	bw = m->width - x0 - 46;
	row = c->nlabels ? (m->height - top) / (double)c->nlabels : 0;
	if (row > 22)
		row = 22;
	if (bw < 20 || (c->nlabels && row < FONT))
		return V_ERR_INVALID;
	for (size_t i = 0; i < c->nlabels && rc == V_OK; i++) {
		double v = val(s, i), w = max > 0 ? v / max * bw : 0;
		double y = top + row * (double)i, base = y + row / 2 + FONT / 2 - 1;
		rc = text(m, lw, base, FONT, CA_END, 0, c->labels[i], LABEL_MAX);
		if (rc == V_OK)
			rc = rect(m, x0, y + row * 0.15, w > 0.5 || v <= 0 ? w : 0.5, row * 0.7, 0);
		chart_number((int64_t)llround(v), num);
		if (rc == V_OK)
			rc = text(m, x0 + w + 3, base, FONT, CA_START, 0, num, 32);
	}
	if (rc == V_OK)
		rc = line(m, x0, top, x0, top + row * (double)c->nlabels, -1, 10);
	return rc;
}

/* Columns and lines: a value axis on the left, labels along the bottom. */
static int axes(const struct chart *c, struct chart_marks *m, double top)
{
	double max = 0, x0 = 44, x1 = m->width - 4, y1 = m->height - FONT - 6, pw, ph, step;
	size_t every;
	int rc = V_OK;
	char num[32];

	if (x1 - x0 < 40 || y1 - top < 30)
		return V_ERR_INVALID;
	for (size_t i = 0; i < c->nlabels; i++) {
		double sum = 0;
		for (size_t s = 0; s < c->nseries; s++)
			sum = c->kind == CHART_COLUMNS ? sum + val(&c->series[s], i)
						       : fmax(sum, val(&c->series[s], i));
		max = fmax(max, sum);
	}
	max = nice_max(max);
	pw = x1 - x0;
	ph = y1 - top;
	/* the grid: 0 and four round values */
	for (int k = 0; k <= 4 && rc == V_OK; k++) {
		double y = y1 - ph * k / 4.0;
		chart_number((int64_t)llround(max * k / 4.0), num);
		rc = line(m, x0, y, x1, y, k ? 7 : -1, k ? 4 : 10);
		if (rc == V_OK)
			rc = text(m, x0 - 3, y + FONT / 2 - 1, FONT, CA_END, 0, num, 32);
	}
	step = c->nlabels ? pw / (double)c->nlabels : pw;
	every = c->nlabels / 8 + 1;
	for (size_t i = 0; i < c->nlabels && rc == V_OK; i += every)
		rc = text(m, x0 + step * ((double)i + 0.5), m->height - 2, FONT - 0.5, CA_MIDDLE, 0,
			  c->labels[i], 12);
	for (size_t i = 0; i < c->nlabels && rc == V_OK; i++) {
		double base = y1;
		for (size_t s = 0; s < c->nseries && rc == V_OK; s++) {
			double v = val(&c->series[s], i), h = v / max * ph;
			double x = x0 + step * (double)i;
			if (c->kind == CHART_COLUMNS) {
				if (h > 0)
					rc = rect(m, x + step * 0.1, base - h, step * 0.8, h,
						  (int)s);
				base -= h;
			} else if (i + 1 < c->nlabels) {
				double h2 = val(&c->series[s], i + 1) / max * ph;
				rc = line(m, x + step / 2, y1 - h, x + step * 1.5, y1 - h2,
					  (int)s, 18);
			} else if (c->nlabels == 1) {
				rc = rect(m, x + step / 2 - 2, y1 - h - 2, 4, 4, (int)s);
			}
		}
	}
	return rc;
}

int chart_layout(const struct chart *c, double width, double height, struct chart_marks *m)
{
	double y = 0;
	int rc = V_OK;

	memset(m, 0, sizeof(*m));
	m->width = width;
	m->height = height;
	if (!c->nseries || c->nseries > CHART_MAX_SERIES || c->nlabels > CHART_MAX_LABELS ||
	    width < 120 || height < 60)
		return V_ERR_INVALID;
	for (size_t s = 0; s < c->nseries; s++)
		if (!c->series[s].values && c->nlabels)
			return V_ERR_INVALID;
	if (c->title) {
		y = TITLE_FONT + 2;
		rc = text(m, 0, y, TITLE_FONT, CA_START, 1, c->title, 90);
		y += 6;
	}
	if (rc == V_OK)
		rc = legend(c, m, &y);
	if (rc == V_OK)
		rc = c->kind == CHART_BARS ? bars(c, m, y + 2) : axes(c, m, y + FONT);
	if (rc != V_OK)
		chart_marks_fini(m);
	return rc;
}

int chart_escape(struct buf *out, const char *s)
{
	int rc = V_OK;

	while (*s && rc == V_OK) {
		unsigned char c = (unsigned char)*s;
		size_t n = c < 0x80 ? 1 : (c & 0xE0) == 0xC0 ? 2 : (c & 0xF0) == 0xE0 ? 3
			 : (c & 0xF8) == 0xF0 ? 4 : 0;
		int ok = n > 0 && c != 0xC0 && c != 0xC1 && c < 0xF5;

		for (size_t i = 1; ok && i < n; i++)
			ok = ((unsigned char)s[i] & 0xC0) == 0x80;
		if (ok && n == 3 && c == 0xE0 && (unsigned char)s[1] < 0xA0)
			ok = 0; /* overlong */
		if (ok && n == 3 && c == 0xED && (unsigned char)s[1] >= 0xA0)
			ok = 0; /* surrogate */
		if (ok && n == 4 && ((c == 0xF0 && (unsigned char)s[1] < 0x90) ||
				     (c == 0xF4 && (unsigned char)s[1] >= 0x90)))
			ok = 0;
		if (!ok || (c < 0x20 && c != '\t' && c != '\n') || c == 0x7F) {
			rc = buf_puts(out, "\xEF\xBF\xBD");
			s += ok ? n : 1;
			continue;
		}
		switch (c) {
		case '&': rc = buf_puts(out, "&amp;"); break;
		case '<': rc = buf_puts(out, "&lt;"); break;
		case '>': rc = buf_puts(out, "&gt;"); break;
		case '"': rc = buf_puts(out, "&quot;"); break;
		case '\'': rc = buf_puts(out, "&#39;"); break;
		default: rc = buf_append(out, s, n); break;
		}
		s += n;
	}
	return rc;
}

static const char *const anchors[] = { "start", "middle", "end" };

static int svg_mark(const struct chart_mark *k, struct buf *out)
{
	uint32_t col = k->color >= 0 ? chart_palette[k->color % CHART_MAX_SERIES] : 0x222222;
	int rc;

	switch (k->kind) {
	case CM_RECT:
		return buf_printf(out, "<rect x=\"%.1f\" y=\"%.1f\" width=\"%.1f\" height=\"%.1f\" "
				       "fill=\"#%06X\"/>\n", k->x, k->y, k->w, k->h, col);
	case CM_LINE:
		return buf_printf(out, "<line x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" y2=\"%.1f\" "
				       "stroke=\"#%06X\" stroke-width=\"%.1f\"/>\n", k->x, k->y,
				  k->w, k->h, k->color == 7 ? 0xBBBBBBu : col, k->pattern / 10.0);
	case CM_TEXT:
		rc = buf_printf(out, "<text x=\"%.1f\" y=\"%.1f\" font-size=\"%.1f\" "
				     "text-anchor=\"%s\"%s>", k->x, k->y, k->h, anchors[k->anchor],
				k->bold ? " font-weight=\"bold\"" : "");
		if (rc == V_OK)
			rc = chart_escape(out, k->text);
		return rc == V_OK ? buf_puts(out, "</text>\n") : rc;
	}
	return V_ERR_INVALID;
}

int chart_svg(const struct chart *c, double width, double height, struct buf *out)
{
	struct chart_marks m;
	int rc = chart_layout(c, width, height, &m);

	if (rc != V_OK)
		return rc;
	rc = buf_printf(out, "<svg xmlns=\"http://www.w3.org/2000/svg\" role=\"img\" "
			     "viewBox=\"0 0 %.0f %.0f\" width=\"%.0f\" height=\"%.0f\" "
			     "font-family=\"sans-serif\" fill=\"#222222\">\n<title>",
			width, height, width, height);
	if (rc == V_OK)
		rc = chart_escape(out, c->title ? c->title : "");
	if (rc == V_OK)
		rc = buf_puts(out, "</title>\n");
	for (size_t i = 0; i < m.n && rc == V_OK; i++)
		rc = svg_mark(&m.v[i], out);
	if (rc == V_OK)
		rc = buf_puts(out, "</svg>\n");
	chart_marks_fini(&m);
	return rc;
}
