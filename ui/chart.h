/* chart: line charts with axes for metric series (loss against step), one
 * or several runs overlaid, each in its own colour and, without colours or
 * UTF-8, its own point glyph, with a legend under the plot. Also the axes
 * (tick labels) the Front scatter shares.
 *
 *   double x[] = { 1, 2, 3 }, y[] = { 4.1, 3.2, 2.9 };
 *   struct chart_series s = { .name = "12 sft", .n = 3, .x = x, .y = y, .colour = 0 };
 *   struct chart c = { .title = "loss vs step", .n_series = 1, .series = &s };
 *   chart_draw(w, &rect, &c);
 *
 *   struct chart_tick t[16];
 *   int n = chart_xticks(&plot, 10, 60, t, 16);   // labels that do not overlap
 *
 * Points with a NaN or infinite coordinate are skipped.
 */
#ifndef RIC_UI_CHART_H
#define RIC_UI_CHART_H

#include <curses.h>
#include <stddef.h>

#include "ui/layout.h"
#include "ui/plot.h"

#define CHART_YLABEL_W 7   /* "-12.5 " tick labels left of the axis rule */

struct chart_series {
	const char *name;
	size_t n;
	const double *x, *y;       /* in order of x (steps) */
	int colour;                /* palette index (theme_series, plot_glyph) */
};

struct chart {
	const char *title;
	size_t n_series;
	const struct chart_series *series;
};

/* A tick label and where it starts: a screen column (x ticks) or row (y). */
struct chart_tick {
	int pos;
	char label[24];
};

/* The x tick labels of p for a canvas starting at column x0, w wide: at
 * most max, centred under their value, none overlapping or past the right
 * edge. Pure. */
int chart_xticks(const struct plot *p, int x0, int w, struct chart_tick *t, int max);
/* The y tick labels of p for a canvas starting at row y0, h high. Pure. */
int chart_yticks(const struct plot *p, int y0, int h, struct chart_tick *t, int max);

/* The axis rule left of canvas c, and tick labels: y ones right-aligned in
 * the CHART_YLABEL_W - 1 columns from label_x, x ones on the row under c. */
void chart_axes(WINDOW *w, int label_x, const struct layout_rect *c, const struct plot *p);

/* Rows the legend of c takes in a pane w columns wide. */
int chart_legend_rows(const struct chart *c, int w);

/* The whole chart in r: a title row, the plot with its axes, the legend. */
void chart_draw(WINDOW *w, const struct layout_rect *r, const struct chart *c);

#endif
