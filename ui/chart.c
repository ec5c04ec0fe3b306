#include "config.h"

#include "ui/chart.h"

#include "ui/draw.h"
#include "ui/theme.h"

#include <math.h>
#include <stdio.h>
#include <string.h>

static void chart_label(double v, char *buf, size_t len)
{
	snprintf(buf, len, "%.3g", v);
}

int chart_xticks(const struct plot *p, int x0, int w, struct chart_tick *t, int max)
{
	double v[16];
	int n = plot_ticks(p->x.lo, p->x.hi, w / 10 > 1 ? (w / 10 < 16 ? w / 10 : 16) : 2, v);
	int next_free = x0, k = 0;
	for (int i = 0; i < n && k < max; i++) {
		int col = plot_col_of(p, v[i]);
		if (col < 0)
			continue;
		char lab[24];
		chart_label(v[i], lab, sizeof lab);
		int lw = (int)strlen(lab);
		int x = x0 + col - lw / 2;
		if (x + lw > x0 + w)
			x = x0 + w - lw;
		if (x < next_free)
			continue;
		t[k].pos = x;
		snprintf(t[k].label, sizeof t[k].label, "%s", lab);
		k++;
		next_free = x + lw + 1;
	}
	return k;
}

int chart_yticks(const struct plot *p, int y0, int h, struct chart_tick *t, int max)
{
	double v[16];
	int n = plot_ticks(p->y.lo, p->y.hi, h >= 8 ? 5 : 3, v), k = 0, last = -1;
	for (int i = 0; i < n && k < max; i++) {
		int row = plot_row_of(p, v[i]);
		if (row < 0 || row == last)
			continue;
		last = row;
		t[k].pos = y0 + row;
		chart_label(v[i], t[k].label, sizeof t[k].label);
		k++;
	}
	return k;
}

void chart_axes(WINDOW *w, int label_x, const struct layout_rect *c, const struct plot *p)
{
	struct chart_tick t[16];
	wattrset(w, theme_attr(THEME_AXIS));
	draw_vrule(w, c->y, c->x - 1, c->h);
	int n = chart_yticks(p, c->y, c->h, t, 16);
	for (int i = 0; i < n; i++)
		draw_text_right(w, t[i].pos, label_x, CHART_YLABEL_W - 1, t[i].label);
	n = chart_xticks(p, c->x, c->w, t, 16);
	for (int i = 0; i < n; i++)
		draw_text(w, c->y + c->h, t[i].pos, (int)strlen(t[i].label), t[i].label);
	wattrset(w, A_NORMAL);
}

/* A series' legend glyph: its colour swatch, or its point glyph. */
static const char *chart_swatch(int colour)
{
	static const char *const ascii[] = { "o", "*", "+", "x", "#", "@" };
	if (!draw_utf8())
		return ascii[colour % 6];
	return theme_colored() ? "\xe2\x94\x81" : plot_glyph(colour);
}

/* "name 2.913": a legend entry (the last value). */
static void chart_entry(const struct chart_series *s, char *buf, size_t cap)
{
	double last = NAN;
	for (size_t i = s->n; i-- > 0;)
		if (isfinite(s->y[i])) {
			last = s->y[i];
			break;
		}
	if (isfinite(last))
		snprintf(buf, cap, "%s %.4g", s->name ? s->name : "?", last);
	else
		snprintf(buf, cap, "%s -", s->name ? s->name : "?");
}

/* Entries flow across the rows; one that is wider than a row is cut. w
 * NULL: only counts the rows. */
static int chart_legend(WINDOW *w, const struct chart *c, int y, int x, int width, int max_rows)
{
	int row = 0, col = 0;
	for (size_t s = 0; s < c->n_series; s++) {
		char e[256];
		chart_entry(&c->series[s], e, sizeof e);
		int ew = 2 + draw_width(e);
		if (col > 0 && col + ew > width) {
			row++;
			col = 0;
		}
		if (row >= max_rows)
			return row;
		if (w) {
			wattrset(w, theme_attr(theme_series(c->series[s].colour)));
			draw_text(w, y + row, x + col, width - col, chart_swatch(c->series[s].colour));
			wattrset(w, A_NORMAL);
			draw_text(w, y + row, x + col + 2, width - col - 2, e);
		}
		col += ew + 2;
	}
	return c->n_series ? row + 1 : 0;
}

int chart_legend_rows(const struct chart *c, int w)
{
	return chart_legend(NULL, c, 0, 0, w, 1 << 20);
}

void chart_draw(WINDOW *w, const struct layout_rect *r, const struct chart *c)
{
	if (r->h <= 0 || r->w <= 0)
		return;
	draw_title(w, r->y, r->x, r->w, c->title ? c->title : "", theme_attr(THEME_TITLE));
	int lrows = chart_legend_rows(c, r->w);
	if (lrows > (r->h - 3) / 3)
		lrows = (r->h - 3) / 3 > 1 ? (r->h - 3) / 3 : 1;
	struct layout_rect cv = { r->y + 1, r->x + CHART_YLABEL_W + 1, r->h - 2 - lrows,
		                  r->w - CHART_YLABEL_W - 1 };
	size_t points = 0;
	for (size_t s = 0; s < c->n_series; s++)
		points += c->series[s].n;
	struct plot p;
	if (cv.h < 2 || cv.w < 4 || !points || plot_init(&p, cv.h, cv.w, draw_utf8()) != 0) {
		wattrset(w, theme_attr(THEME_DIM));
		draw_text(w, r->y + 1, r->x + 2, r->w - 2,
		          points ? "Too small for the chart." : "No values of this metric.");
		wattrset(w, A_NORMAL);
		return;
	}
	/* Without colours, each run's points carry its glyph. */
	p.point_glyphs = draw_utf8() && !theme_colored();
	p.point_dots = 1;
	struct plot_range xr = PLOT_RANGE_EMPTY, yr = PLOT_RANGE_EMPTY;
	for (size_t s = 0; s < c->n_series; s++)
		for (size_t i = 0; i < c->series[s].n; i++) {
			plot_range_add(&xr, c->series[s].x[i]);
			plot_range_add(&yr, c->series[s].y[i]);
		}
	plot_set_range(&p, plot_range_padded(xr), plot_range_padded(yr));
	for (size_t s = 0; s < c->n_series; s++) {
		const struct chart_series *se = &c->series[s];
		for (size_t i = 1; i < se->n; i++)
			plot_line(&p, se->x[i - 1], se->y[i - 1], se->x[i], se->y[i], se->colour);
		plot_points(&p, se->x, se->y, se->n, se->colour);
	}
	plot_draw(w, cv.y, cv.x, &p);
	chart_axes(w, r->x, &cv, &p);
	plot_free(&p);
	chart_legend(w, c, cv.y + cv.h + 1, r->x, r->w, lrows);
}
