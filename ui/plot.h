/* plot: a scatter-plot rasterizer for terminals: braille dots (2x4 per cell,
 * U+2800..U+28FF) on UTF-8 terminals, one glyph per cell otherwise.
 *
 *   struct plot p;
 *   plot_init(&p, 10, 40, 1);                  // rows, cols (cells), utf8
 *   struct plot_range xr = PLOT_RANGE_EMPTY, yr = PLOT_RANGE_EMPTY;
 *   for (i...) { plot_range_add(&xr, xs[i]); plot_range_add(&yr, ys[i]); }
 *   plot_set_range(&p, plot_range_padded(xr), plot_range_padded(yr));
 *   plot_points(&p, xs, ys, n, 0);             // series 0
 *   plot_front(&p, fx, fy, nf, 0);             // its front, joined by lines
 *   plot_cursor(&p, xs[3], ys[3]);
 *   plot_draw(w, y0, x0, &p);                  // or plot_row_text() for tests
 *   int i = plot_nearest(&p, xs, ys, n, row, col);  // mouse click -> point
 *   plot_free(&p);
 *
 * y grows upwards. Points with a NaN or infinite coordinate are skipped.
 * A braille point fills the 2x2 dots around it (one dot is hard to see);
 * set point_dots = 1 for single dots.
 * In ASCII mode a point cell shows its series glyph (o * + x # @), a line
 * cell '.', the cursor cell 'X'. Each cell remembers the series drawn last
 * in it (points over lines) for its color.
 */
#ifndef RIC_UI_PLOT_H
#define RIC_UI_PLOT_H

#include <curses.h>
#include <math.h>
#include <stddef.h>

struct plot_range {
	double lo, hi;
};

#define PLOT_RANGE_EMPTY { INFINITY, -INFINITY }

struct plot {
	int rows, cols;         /* cells */
	int utf8;
	int sx, sy;             /* dots per cell: 2x4 braille, 1x1 ASCII */
	struct plot_range x, y; /* data range mapped onto the dot grid */
	unsigned char *bits;    /* per cell: braille dot bits */
	char *glyph;            /* per cell: ASCII glyph, 0 = empty */
	signed char *series;    /* per cell: series drawn last, -1 none */
	unsigned char *kind;    /* per cell: 0 empty, 1 line, 2 point */
	int cursor_row, cursor_col; /* -1 = none */
	int point_dots;         /* a point is 1x1 or 2x2 dots (braille default 2: visible) */
	int point_glyphs;       /* UTF-8: a point cell shows its series' glyph (plot_glyph),
	                         * for telling series apart without colors */
};

/* The UTF-8 point glyph of a series ("●", "▲", "■", ...), as point_glyphs draws it. */
const char *plot_glyph(int series);

int plot_init(struct plot *p, int rows, int cols, int utf8);   /* 0 or -1 (OOM) */
void plot_free(struct plot *p);
void plot_clear(struct plot *p);

void plot_range_add(struct plot_range *r, double v);   /* NaN/inf ignored */
/* The range widened by 5% each side; a single value gets +-0.5 (or 10% of
 * it); an empty range becomes 0..1. */
struct plot_range plot_range_padded(struct plot_range r);
void plot_set_range(struct plot *p, struct plot_range x, struct plot_range y);

/* The dot (column dx, row dy from the top) of a data point; -1 when it is
 * not finite or falls outside the range. */
int plot_dot(const struct plot *p, double x, double y, int *dx, int *dy);
/* Set one dot (ASCII: the cell) for `series`; is_point = 1 for a point. */
void plot_set_dot(struct plot *p, int dx, int dy, int series, int is_point);

void plot_points(struct plot *p, const double *xs, const double *ys, size_t n, int series);
/* A line on the dot grid (Bresenham) between two data points. */
void plot_line(struct plot *p, double x0, double y0, double x1, double y1, int series);
/* The points sorted by x, joined by lines, drawn over them. */
void plot_front(struct plot *p, const double *xs, const double *ys, size_t n, int series);
void plot_cursor(struct plot *p, double x, double y);

/* "Nice" tick values (1, 2 or 5 times a power of ten) inside [lo, hi], at
 * most max; returns how many. */
int plot_ticks(double lo, double hi, int max, double *ticks);
/* The cell column (or row) of a value, for placing tick labels. */
int plot_col_of(const struct plot *p, double x);
int plot_row_of(const struct plot *p, double y);

/* One cell as UTF-8 (" " when empty); one row as UTF-8 text. */
const char *plot_cell_text(const struct plot *p, int row, int col, char buf[8]);
const char *plot_row_text(const struct plot *p, int row, char *buf, size_t len);
int plot_cell_series(const struct plot *p, int row, int col);

/* Draw into w at (y, x): each cell in its series' color, the cursor reversed. */
void plot_draw(WINDOW *w, int y, int x, const struct plot *p);

/* Index of the point nearest to the cell (row, col) (distance in cells, a
 * row counted as two columns since cells are about twice as tall as wide);
 * -1 when no point is drawable. */
int plot_nearest(const struct plot *p, const double *xs, const double *ys, size_t n, int row, int col);
/* The same over points given as (x, y) pairs with a stride in bytes (for
 * arrays of structs such as struct view_point). */
int plot_nearest_stride(const struct plot *p, const double *x0, const double *y0, size_t stride,
                        size_t n, int row, int col, double *dist);

#endif
