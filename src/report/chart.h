/*
 * chart.h — bar, column and line charts, drawn once and rendered twice: as inline SVG for HTML
 * (the period report, the web UI's dashboard) and onto a cairo surface for PDF (report_pdf.c).
 *
 * chart_layout() turns the data into marks — rectangles, lines and pieces of text in a box of
 * the caller's size, in points — so that both renderers draw exactly the same picture.  Every
 * chart is readable printed in black and white: the axis and the values are labelled with
 * numbers, the series' colours (Okabe–Ito palette, safe for colour-blind readers) differ in
 * lightness as well and come with a legend, and no chart needs a script.  Labels are text given by the caller
 * (organisation names, AS names...): the SVG writer escapes them, they are never markup.
 *
 * Ownership: struct chart and everything it points to are the caller's (borrowed while a
 * function runs); struct chart_marks owns its marks and their text until chart_marks_fini().
 */
#ifndef VIGIA_REPORT_CHART_H
#define VIGIA_REPORT_CHART_H

#include <stddef.h>
#include <stdint.h>

#include "base/buf.h"

enum chart_kind {
	CHART_BARS,     /* horizontal bars, one per label (top-N lists); series[0] only */
	CHART_COLUMNS,  /* vertical columns per label (days), the series stacked */
	CHART_LINES,    /* one line per series over the labels (days) */
};

struct chart_series {
	const char *name;           /* for the legend; may be NULL with one series */
	const double *values;       /* nlabels values, >= 0 (negative ones count as 0) */
};

struct chart {
	enum chart_kind kind;
	const char *title;          /* shown above the chart; may be NULL */
	const char *const *labels;  /* nlabels category names (days as "2026-11-01"...) */
	size_t nlabels;
	const struct chart_series *series;
	size_t nseries;             /* at most CHART_MAX_SERIES */
};

#define CHART_MAX_SERIES 8
#define CHART_MAX_LABELS 4000

enum chart_mark_kind { CM_RECT, CM_LINE, CM_TEXT };
enum chart_anchor { CA_START, CA_MIDDLE, CA_END };

struct chart_mark {
	enum chart_mark_kind kind;
	double x, y, w, h;          /* CM_RECT: box; CM_LINE: from (x, y) to (w, h); CM_TEXT: the
				     * baseline's anchor point, h = font size */
	int color;                  /* index into chart_palette; -1 the ink (axes, text); 7 on a
				     * CM_LINE: a light grid line */
	int pattern;                /* CM_LINE: its width in tenths of a point */
	enum chart_anchor anchor;   /* CM_TEXT */
	int bold;                   /* CM_TEXT */
	char *text;                 /* CM_TEXT: owned, UTF-8 */
};

struct chart_marks {
	struct chart_mark *v;
	size_t n, size;
	double width, height;       /* the box the marks fill, in points */
};

/* The colours, as 0xRRGGBB; index i of a series is chart_palette[i % CHART_MAX_SERIES]. */
extern const uint32_t chart_palette[CHART_MAX_SERIES];

/* Lay c out in a width x height box (points).  OUT: *m (chart_marks_fini).  V_OK, V_ERR_NOMEM,
 * V_ERR_INVALID (no series, too many series or labels, a box too small). */
int chart_layout(const struct chart *c, double width, double height, struct chart_marks *m);
void chart_marks_fini(struct chart_marks *m);

/* The chart as one <svg> element (with role="img", a <title> and the marks), appended to out.
 * No script, no external reference.  V_OK, V_ERR_NOMEM, V_ERR_LIMIT (out's cap), or what
 * chart_layout() returns. */
int chart_svg(const struct chart *c, double width, double height, struct buf *out);

/* s escaped for XML/HTML text and attribute values (& < > " '), appended to out.  Invalid
 * UTF-8 and control characters become U+FFFD, so the result is always well-formed. */
int chart_escape(struct buf *out, const char *s);

/* "12 345" style thousands for labels: n into out (32 bytes) with a thin space as separator. */
void chart_number(int64_t n, char out[32]);

#endif
