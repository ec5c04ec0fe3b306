#include "config.h"

#include "ui/view.h"

#include "ui/chart.h"
#include "ui/draw.h"
#include "ui/halfblock.h"
#include "ui/plot.h"
#include "ui/textview.h"
#include "ui/theme.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define FRONT_YLABEL_W CHART_YLABEL_W   /* tick labels, then the axis rule */

static const char *front_kind_name(enum view_series_kind k)
{
	switch (k) {
	case VIEW_SERIES_SAMPLES: return "samples";
	case VIEW_SERIES_EVAL: return "eval";
	case VIEW_SERIES_OFFLINE: return "offline";
	case VIEW_SERIES_ONLINE: return "online";
	case VIEW_SERIES_BASELINE: return "baseline";
	case VIEW_SERIES_CURVE: return "curve";
	default: return "";
	}
}

int view_series_colour(const struct view_series *s, int position)
{
	return s->colour > 0 ? s->colour - 1 : position;
}

/* The kind, unless the name says it already ("steer samples"). */
static const char *front_kind_shown(const struct view_series *se)
{
	const char *k = front_kind_name(se->kind);
	return se->name && strstr(se->name, k) ? "" : k;
}

static const char *front_axis_name(const struct view_front *f, int i)
{
	if (i < 0 || (size_t)i >= f->n_objectives || !f->objectives)
		return "?";
	return f->objectives[i];
}

/* The canvas (inside the plot pane: title row above, tick row below, tick
 * labels on the left) and the rasterized series. Draw and hit share it. */
static int front_canvas(const struct layout *L, const struct view_front *f, struct plot *p,
                        struct layout_rect *canvas)
{
	const struct layout_rect *r = &L->plot;
	*canvas = (struct layout_rect){ r->y + 1, r->x + FRONT_YLABEL_W + 1, r->h - 2,
		                        r->w - FRONT_YLABEL_W - 1 };
	if (canvas->h < 1 || canvas->w < 2)
		return -1;
	if (plot_init(p, canvas->h, canvas->w, draw_utf8()) != 0)
		return -1;
	/* Without colors, series differ by their point glyph. */
	p->point_glyphs = draw_utf8() && !theme_colored();
	struct plot_range xr = PLOT_RANGE_EMPTY, yr = PLOT_RANGE_EMPTY;
	for (size_t s = 0; s < f->n_series; s++) {
		const struct view_series *se = &f->series[s];
		if (se->hidden || !se->points)
			continue;
		for (size_t i = 0; i < se->n_points; i++) {
			plot_range_add(&xr, se->points[i].x);
			plot_range_add(&yr, se->points[i].y);
			if (se->err && isfinite(se->err[i])) {
				plot_range_add(&yr, se->points[i].y - se->err[i]);
				plot_range_add(&yr, se->points[i].y + se->err[i]);
			}
		}
	}
	plot_set_range(p, plot_range_padded(xr), plot_range_padded(yr));
	for (size_t s = 0; s < f->n_series; s++) {
		const struct view_series *se = &f->series[s];
		if (se->hidden || !se->points)
			continue;
		double *xs = malloc((se->n_points ? se->n_points : 1) * 2 * sizeof *xs);
		if (!xs)
			continue;
		double *ys = xs + se->n_points;
		size_t nf = 0;
		int colour = view_series_colour(se, (int)s);
		/* A curve: error bars, then its levels joined in order, under the points. */
		for (size_t i = 0; se->err && i < se->n_points; i++)
			if (isfinite(se->err[i]) && se->err[i] > 0)
				plot_line(p, se->points[i].x, se->points[i].y - se->err[i], se->points[i].x,
				          se->points[i].y + se->err[i], colour);
		for (size_t i = 1; se->joined && i < se->n_points; i++)
			plot_line(p, se->points[i - 1].x, se->points[i - 1].y, se->points[i].x,
			          se->points[i].y, colour);
		for (size_t i = 0; i < se->n_points; i++) {
			plot_points(p, &se->points[i].x, &se->points[i].y, 1, view_series_colour(se, (int)s));
			if (se->points[i].on_front) {
				xs[nf] = se->points[i].x;
				ys[nf] = se->points[i].y;
				nf++;
			}
		}
		plot_front(p, xs, ys, nf, view_series_colour(se, (int)s));
		free(xs);
	}
	if (f->cursor_series >= 0 && (size_t)f->cursor_series < f->n_series) {
		const struct view_series *se = &f->series[f->cursor_series];
		if (!se->hidden && se->points && f->cursor_point >= 0 && (size_t)f->cursor_point < se->n_points)
			plot_cursor(p, se->points[f->cursor_point].x, se->points[f->cursor_point].y);
	}
	return 0;
}

/* A series' swatch in the legend: its ASCII glyph or a braille block. */
static const char *front_swatch(int s)
{
	static const char *const ascii[] = { "o", "*", "+", "x", "#", "@" };
	if (!draw_utf8())
		return ascii[s % 6];
	return theme_colored() ? "\xe2\xa3\xbf" : plot_glyph(s);
}

/* " kind HV 0.432 all 12.5": what follows a series' name in the legend;
 * shorter at each level, for narrow columns: 1 without "all", 2 the
 * hypervolume alone (" HV 0.432"), so its number is never cut. */
static const char *front_legend_tail(const struct view_series *se, int level, char *tail,
                                     size_t cap)
{
	const char *kind = level >= 2 ? "" : front_kind_shown(se);
	int n = snprintf(tail, cap, "%s%s", *kind ? " " : "", kind);
	if (!isnan(se->hypervolume) && n >= 0 && (size_t)n < cap)
		n += snprintf(tail + n, cap - (size_t)n, " HV %.3g", se->hypervolume);
	if (level == 0 && !isnan(se->hypervolume) && se->hypervolume_all > 0 && n >= 0 &&
	    (size_t)n < cap)
		n += snprintf(tail + n, cap - (size_t)n, " all %.4g", se->hypervolume_all);
	if (level < 2 && se->note && n >= 0 && (size_t)n < cap)
		snprintf(tail + n, cap - (size_t)n, " %s", se->note);
	return tail;
}

/* The legend: one series per row when they fit (columns otherwise, as
 * many as needed), each "glyph name kind HV ...", the name shortened in the
 * middle to what its column leaves; a heading says which hypervolume. */
static void front_legend(WINDOW *w, const struct layout_rect *r, const struct view_front *f)
{
	if (r->h <= 0 || r->w <= 4)
		return;
	int rows = r->h, y0 = r->y;
	int any_hv = 0;
	for (size_t s = 0; s < f->n_series; s++)
		any_hv |= !isnan(f->series[s].hypervolume);
	if (any_hv && rows > (int)f->n_series) {
		/* One line when wide, two when there is room, else the short form. */
		static const char *const head[] = { "HV: these 2 axes (z)", "all: every objective" };
		wattrset(w, theme_attr(THEME_DIM));
		if (r->w >= 43) {
			char both[96];
			snprintf(both, sizeof both, "%s; %s", head[0], head[1]);
			draw_text(w, y0++, r->x, r->w, both);
			rows--;
		} else if (rows > (int)f->n_series + 1) {
			draw_text(w, y0++, r->x, r->w, head[0]);
			draw_text(w, y0++, r->x, r->w, head[1]);
			rows -= 2;
		} else {
			draw_text(w, y0++, r->x, r->w, "HV: 2 axes; all: all obj");
			rows--;
		}
	}
	int per_row = f->n_series > (size_t)rows ? (int)((f->n_series + (size_t)rows - 1) / (size_t)rows) : 1;
	int colw = r->w / per_row;
	/* Room for two rows a series (name, then kind and HV): long names whole. */
	int two = 0;
	for (size_t s = 0; per_row == 1 && rows >= 2 * (int)f->n_series && s < f->n_series; s++) {
		const struct view_series *se = &f->series[s];
		char t[128];
		two |= draw_width(se->name ? se->name : "?") + draw_width(front_legend_tail(se, 0, t, sizeof t)) + 3 >
		       colw;
	}
	for (size_t s = 0; s < f->n_series; s++) {
		int row = two ? 2 * (int)s : (int)s / per_row, col = two ? 0 : (int)s % per_row;
		if (row >= rows)
			break;
		const struct view_series *se = &f->series[s];
		int x = r->x + col * colw, y = y0 + row;
		int colour = view_series_colour(se, (int)s);
		wattrset(w, theme_attr(theme_series(colour)));
		int used = draw_text(w, y, x, colw, se->hidden ? " " : front_swatch(colour));
		wattrset(w, se->hidden ? theme_attr(THEME_DIM) : (int)A_NORMAL);
		char tail[128], name[256], text[512];
		/* the fullest tail that leaves the name 6 columns */
		int room = 0;
		for (int level = 0; level < 3; level++) {
			front_legend_tail(se, level, tail, sizeof tail);
			room = colw - used - 2 - (two ? 0 : draw_width(tail));
			if (two || room >= 6)
				break;
		}
		draw_shorten(se->name ? se->name : "?", room > 6 ? room : 6, name, sizeof name);
		snprintf(text, sizeof text, " %s%s", name, two ? "" : tail);
		draw_text(w, y, x + used, colw - used - 1, text);
		if (two)
			draw_text(w, y + 1, x + used + 1, colw - used - 1, tail + (*tail == ' '));
	}
	wattrset(w, A_NORMAL);
}

/* An image model's point: its picture in half blocks at the largest scale
 * (1: a pixel a column and half a row, 2: every second pixel, ...) whose
 * cells fit rows x cols; 0 when not even every 4th pixel does. */
static int front_picture_scale(const struct view_front *f, int rows, int cols, int *pw, int *ph)
{
	for (int scale = 1; scale <= 4; scale++) {
		halfblock_cells(f->point_side, f->point_side, scale, pw, ph);
		if (*ph <= rows && *pw <= cols)
			return scale;
	}
	return 0;
}

static void front_picture(WINDOW *w, int y, int x, int scale, const struct view_front *f)
{
	const char *cterm = getenv("COLORTERM"), *nocol = getenv("NO_COLOR");
	enum halfblock_mode mode = halfblock_mode_pick(cterm, nocol, has_colors() ? COLORS : 0,
	                                               draw_utf8());
	halfblock_draw(w, y, x, f->point_rgb, f->point_side, f->point_side, scale, mode);
	wattrset(w, A_NORMAL);
}

/* The picture drawn into the point pane r (when the legend column has no
 * room for it), its text beside it. 0 when it does not fit there either. */
static int front_point_picture(WINDOW *w, const struct layout_rect *r, const struct view_front *f)
{
	int pw, ph, scale = front_picture_scale(f, r->h, r->w, &pw, &ph);
	if (!scale)
		return 0;
	front_picture(w, r->y, r->x, scale, f);
	struct layout_rect tr = { r->y, r->x + pw + 2, r->h, r->w - pw - 2 };
	if (tr.w >= 8 && f->point_text)
		textview_draw(w, &tr, f->point_text, 0);
	return 1;
}

static void front_point(WINDOW *w, const struct layout_rect *r, const struct view_front *f,
                        int pictured)
{
	if (r->h <= 0)
		return;
	if (f->cursor_series < 0 || f->cursor_point < 0) {
		wattrset(w, theme_attr(THEME_DIM));
		draw_text(w, r->y, r->x, r->w, "No point selected: Tab or a click selects one.");
		wattrset(w, A_NORMAL);
		return;
	}
	char line[512];
	int n = snprintf(line, sizeof line, "%s", f->point_info ? f->point_info : "");
	if (f->point_pref && n >= 0 && (size_t)n < sizeof line) {
		n += snprintf(line + n, sizeof line - (size_t)n, "%spref", n ? "  " : "");
		for (size_t i = 0; i < f->n_objectives && (size_t)n < sizeof line; i++)
			n += snprintf(line + n, sizeof line - (size_t)n, "%s%.2f", i ? "/" : " ", f->point_pref[i]);
	}
	/* The point's scores and preference wrap (every objective shows), then
	 * its text takes the rows left. */
	int info_rows = (int)textview_wrap(line, r->w, NULL, 0);
	if (info_rows > r->h - 1)
		info_rows = r->h > 1 ? r->h - 1 : 1;
	wattrset(w, theme_attr(THEME_TITLE));
	struct layout_rect ir = { r->y, r->x, info_rows, r->w };
	textview_draw(w, &ir, line, 0);
	wattrset(w, A_NORMAL);
	struct layout_rect tr = { r->y + info_rows, r->x, r->h - info_rows, r->w };
	if (tr.h > 0 && !pictured && f->point_rgb && f->point_side > 0 &&
	    front_point_picture(w, &tr, f))
		return;
	if (tr.h > 0)
		textview_draw(w, &tr, f->point_text ? f->point_text : "", 0);
}

void view_front_draw(WINDOW *w, const struct layout *L, const struct view_front *f)
{
	const struct layout_rect *r = &L->plot;
	char title[256];
	/* The online iteration first: a long title is cut at its end. */
	char iter[96] = "";
	if (f->iteration)
		snprintf(iter, sizeof iter, "[%s]  ", f->iteration);
	if (f->response)
		snprintf(title, sizeof title, "%sResponse: %s obtained (%s) %s  vs  its %s %s%s", iter,
		         front_axis_name(f, f->x_axis), f->raw ? "raw" : "z",
		         draw_utf8() ? "\xe2\x86\x91" : "^",
		         f->response_desired ? (f->raw ? "desired score (raw)" : "desired score (z)") : "weight",
		         draw_utf8() ? "\xe2\x86\x92" : ">", f->live ? "  (live)" : "");
	else
		snprintf(title, sizeof title, "%s%s %s  vs  %s %s  (%s)%s", iter,
		         front_axis_name(f, f->y_axis), draw_utf8() ? "\xe2\x86\x91" : "^",
		         front_axis_name(f, f->x_axis), draw_utf8() ? "\xe2\x86\x92" : ">",
		         f->raw ? "raw" : "z", f->live ? "  (live)" : "");
	draw_title(w, r->y, r->x, r->w, title, theme_attr(THEME_TITLE));
	struct plot p;
	struct layout_rect c;
	size_t points = 0;
	for (size_t s = 0; s < f->n_series; s++)
		points += f->series[s].hidden ? 0 : f->series[s].n_points;
	if (front_canvas(L, f, &p, &c) == 0) {
		if (points) {
			plot_draw(w, c.y, c.x, &p);
			chart_axes(w, r->x, &c, &p);
		} else {
			wattrset(w, theme_attr(THEME_DIM));
			draw_text(w, c.y + c.h / 2, c.x + 2, c.w - 2,
			          "No points yet: run an eval job or generate samples.");
			wattrset(w, A_NORMAL);
		}
		plot_free(&p);
	}
	if (L->legend.x > 0)
		draw_vrule(w, L->legend.y, L->legend.x - 1, L->legend.h);
	/* An image model's point: its picture at the foot of the legend column
	 * beside the plot (the legend keeps 4 rows at least). */
	struct layout_rect lg = L->legend;
	int pictured = 0, pw, ph, scale;
	if (f->point_rgb && f->point_side > 0 && f->cursor_series >= 0 && f->cursor_point >= 0 &&
	    lg.x > 0 && (scale = front_picture_scale(f, lg.h - 5, lg.w, &pw, &ph)) > 0) {
		front_picture(w, lg.y + lg.h - ph, lg.x + (lg.w - pw) / 2, scale, f);
		lg.h -= ph + 1;
		pictured = 1;
	}
	front_legend(w, &lg, f);
	front_point(w, &L->point, f, pictured);
}

int view_front_hit(const struct layout *L, const struct view_front *f, int y, int x, struct view_hit *h)
{
	memset(h, 0, sizeof *h);
	h->kind = VIEW_HIT_NONE;
	struct plot p;
	struct layout_rect c;
	if (!layout_contains(&L->plot, y, x) || front_canvas(L, f, &p, &c) != 0)
		return 0;
	double best = INFINITY;
	for (size_t s = 0; s < f->n_series; s++) {
		const struct view_series *se = &f->series[s];
		if (se->hidden || !se->points || !se->n_points)
			continue;
		double d;
		int i = plot_nearest_stride(&p, &se->points[0].x, &se->points[0].y, sizeof se->points[0],
		                            se->n_points, y - c.y, x - c.x, &d);
		if (i >= 0 && d < best) {
			best = d;
			h->kind = VIEW_HIT_POINT;
			h->series = (int)s;
			h->index = i;
		}
	}
	plot_free(&p);
	return h->kind == VIEW_HIT_POINT;
}
