#include "config.h"

#include "ui/plot.h"

#include "ui/draw.h"
#include "ui/theme.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Braille dot bits by (column, row) inside a cell. */
static const unsigned char plot_braille[2][4] = { { 0x01, 0x02, 0x04, 0x40 },
	                                          { 0x08, 0x10, 0x20, 0x80 } };
static const char plot_glyphs[] = "o*+x#@";

int plot_init(struct plot *p, int rows, int cols, int utf8)
{
	memset(p, 0, sizeof *p);
	if (rows < 1)
		rows = 1;
	if (cols < 1)
		cols = 1;
	size_t n = (size_t)rows * (size_t)cols;
	p->rows = rows;
	p->cols = cols;
	p->utf8 = utf8;
	p->sx = utf8 ? 2 : 1;
	p->sy = utf8 ? 4 : 1;
	p->point_dots = utf8 ? 2 : 1;
	p->bits = calloc(n, 1);
	p->glyph = calloc(n, 1);
	p->series = malloc(n);
	p->kind = calloc(n, 1);
	if (!p->bits || !p->glyph || !p->series || !p->kind) {
		plot_free(p);
		return -1;
	}
	p->x.lo = p->y.lo = 0;
	p->x.hi = p->y.hi = 1;
	plot_clear(p);
	return 0;
}

void plot_free(struct plot *p)
{
	free(p->bits);
	free(p->glyph);
	free(p->series);
	free(p->kind);
	p->bits = NULL;
	p->glyph = NULL;
	p->series = NULL;
	p->kind = NULL;
}

void plot_clear(struct plot *p)
{
	size_t n = (size_t)p->rows * (size_t)p->cols;
	memset(p->bits, 0, n);
	memset(p->glyph, 0, n);
	memset(p->series, -1, n);
	memset(p->kind, 0, n);
	p->cursor_row = p->cursor_col = -1;
}

void plot_range_add(struct plot_range *r, double v)
{
	if (!isfinite(v))
		return;
	if (v < r->lo)
		r->lo = v;
	if (v > r->hi)
		r->hi = v;
}

struct plot_range plot_range_padded(struct plot_range r)
{
	if (!(r.lo <= r.hi)) {
		struct plot_range unit = { 0, 1 };
		return unit;
	}
	double span = r.hi - r.lo;
	double mag = fmax(fabs(r.lo), fabs(r.hi));
	if (span <= 1e-12 * fmax(1, mag)) {
		double half = mag > 0 ? mag * 0.05 : 0.5;
		if (half < 1e-9)
			half = 0.5;
		r.lo -= half;
		r.hi += half;
		return r;
	}
	r.lo -= span * 0.05;
	r.hi += span * 0.05;
	return r;
}

void plot_set_range(struct plot *p, struct plot_range x, struct plot_range y)
{
	p->x = x;
	p->y = y;
}

int plot_dot(const struct plot *p, double x, double y, int *dx, int *dy)
{
	if (!isfinite(x) || !isfinite(y))
		return -1;
	int w = p->cols * p->sx, h = p->rows * p->sy;
	double fx = p->x.hi > p->x.lo ? (x - p->x.lo) / (p->x.hi - p->x.lo) : 0.5;
	double fy = p->y.hi > p->y.lo ? (p->y.hi - y) / (p->y.hi - p->y.lo) : 0.5;
	double cx = floor(fx * (w - 1) + 0.5), cy = floor(fy * (h - 1) + 0.5);
	if (cx < 0 || cy < 0 || cx > w - 1 || cy > h - 1)
		return -1;
	*dx = (int)cx;
	*dy = (int)cy;
	return 0;
}

void plot_set_dot(struct plot *p, int dx, int dy, int series, int is_point)
{
	if (dx < 0 || dy < 0 || dx >= p->cols * p->sx || dy >= p->rows * p->sy)
		return;
	int col = dx / p->sx, row = dy / p->sy;
	size_t c = (size_t)row * (size_t)p->cols + (size_t)col;
	unsigned char kind = is_point ? 2 : 1;
	if (p->utf8)
		p->bits[c] |= plot_braille[dx % 2][dy % 4];
	/* Points over lines; among equals, the later series wins. */
	if (kind >= p->kind[c]) {
		p->kind[c] = kind;
		p->series[c] = (signed char)(series < 0 ? 0 : series % 100);
		p->glyph[c] = is_point ? plot_glyphs[(series < 0 ? 0 : series) % (int)(sizeof plot_glyphs - 1)] : '.';
	}
}

void plot_points(struct plot *p, const double *xs, const double *ys, size_t n, int series)
{
	for (size_t i = 0; i < n; i++) {
		int dx, dy;
		if (plot_dot(p, xs[i], ys[i], &dx, &dy) != 0)
			continue;
		plot_set_dot(p, dx, dy, series, 1);
		if (p->point_dots == 2 && p->utf8) {
			/* The 2x2 block of the cell's quadrant holding the dot. */
			int bx = dx & ~1, by = dy & ~1;
			for (int k = 0; k < 4; k++)
				plot_set_dot(p, bx + (k & 1), by + (k >> 1), series, 1);
		}
	}
}

void plot_line(struct plot *p, double x0, double y0, double x1, double y1, int series)
{
	int ax, ay, bx, by;
	if (plot_dot(p, x0, y0, &ax, &ay) != 0 || plot_dot(p, x1, y1, &bx, &by) != 0)
		return;
	int dx = abs(bx - ax), dy = -abs(by - ay);
	int stx = ax < bx ? 1 : -1, sty = ay < by ? 1 : -1;
	int err = dx + dy;
	for (;;) {
		plot_set_dot(p, ax, ay, series, 0);
		if (ax == bx && ay == by)
			break;
		int e2 = 2 * err;
		if (e2 >= dy) {
			err += dy;
			ax += stx;
		}
		if (e2 <= dx) {
			err += dx;
			ay += sty;
		}
	}
}

struct plot_xy {
	double x, y;
};

static int plot_cmp_x(const void *a, const void *b)
{
	const struct plot_xy *u = a, *v = b;
	return u->x < v->x ? -1 : u->x > v->x ? 1 : u->y < v->y ? -1 : u->y > v->y;
}

void plot_front(struct plot *p, const double *xs, const double *ys, size_t n, int series)
{
	struct plot_xy *pts = malloc((n ? n : 1) * sizeof *pts);
	size_t m = 0;
	if (!pts)
		return;
	for (size_t i = 0; i < n; i++)
		if (isfinite(xs[i]) && isfinite(ys[i]))
			pts[m++] = (struct plot_xy){ xs[i], ys[i] };
	qsort(pts, m, sizeof *pts, plot_cmp_x);
	for (size_t i = 1; i < m; i++)
		plot_line(p, pts[i - 1].x, pts[i - 1].y, pts[i].x, pts[i].y, series);
	for (size_t i = 0; i < m; i++)
		plot_points(p, &pts[i].x, &pts[i].y, 1, series);
	free(pts);
}

void plot_cursor(struct plot *p, double x, double y)
{
	int dx, dy;
	if (plot_dot(p, x, y, &dx, &dy) != 0) {
		p->cursor_row = p->cursor_col = -1;
		return;
	}
	p->cursor_row = dy / p->sy;
	p->cursor_col = dx / p->sx;
}

int plot_ticks(double lo, double hi, int max, double *ticks)
{
	if (max < 1 || !isfinite(lo) || !isfinite(hi) || hi <= lo)
		return 0;
	double raw = (hi - lo) / max;
	double mag = pow(10, floor(log10(raw)));
	double step = mag;
	static const double mult[] = { 1, 2, 5, 10 };
	for (size_t i = 0; i < 4; i++) {
		step = mult[i] * mag;
		if (floor(hi / step + 1e-9) - ceil(lo / step - 1e-9) + 1 <= max)
			break;
	}
	int n = 0;
	for (double t = ceil(lo / step - 1e-9) * step; t <= hi + step * 1e-9 && n < max; t += step) {
		/* -0.0 prints as "-0" */
		ticks[n++] = fabs(t) < step * 1e-9 ? 0.0 : t;
	}
	return n;
}

int plot_col_of(const struct plot *p, double x)
{
	int dx, dy;
	if (plot_dot(p, x, p->y.lo, &dx, &dy) != 0)
		return -1;
	return dx / p->sx;
}

int plot_row_of(const struct plot *p, double y)
{
	int dx, dy;
	if (plot_dot(p, p->x.lo, y, &dx, &dy) != 0)
		return -1;
	return dy / p->sy;
}

const char *plot_glyph(int series)
{
	static const char *const g[] = { "\xe2\x97\x8f", "\xe2\x96\xb2", "\xe2\x96\xa0",
		                         "\xe2\x97\x86", "\xe2\x98\x85", "\xe2\x9c\x9a" };
	return g[(series < 0 ? 0 : series) % 6];
}

const char *plot_cell_text(const struct plot *p, int row, int col, char buf[8])
{
	size_t c = (size_t)row * (size_t)p->cols + (size_t)col;
	if (row < 0 || col < 0 || row >= p->rows || col >= p->cols) {
		buf[0] = '\0';
		return buf;
	}
	if (!p->utf8) {
		char g = p->glyph[c] ? p->glyph[c] : ' ';
		if (row == p->cursor_row && col == p->cursor_col)
			g = 'X';
		buf[0] = g;
		buf[1] = '\0';
		return buf;
	}
	if (p->point_glyphs && p->kind[c] == 2) {
		snprintf(buf, 8, "%s", plot_glyph(p->series[c]));
		return buf;
	}
	if (!p->bits[c]) {
		buf[0] = ' ';
		buf[1] = '\0';
		return buf;
	}
	unsigned cp = 0x2800u + p->bits[c];
	buf[0] = (char)(0xe0 | (cp >> 12));
	buf[1] = (char)(0x80 | ((cp >> 6) & 0x3f));
	buf[2] = (char)(0x80 | (cp & 0x3f));
	buf[3] = '\0';
	return buf;
}

const char *plot_row_text(const struct plot *p, int row, char *buf, size_t len)
{
	size_t used = 0;
	if (!len)
		return buf;
	buf[0] = '\0';
	for (int col = 0; col < p->cols; col++) {
		char cell[8];
		plot_cell_text(p, row, col, cell);
		size_t n = strlen(cell);
		if (used + n >= len)
			break;
		memcpy(buf + used, cell, n + 1);
		used += n;
	}
	return buf;
}

int plot_cell_series(const struct plot *p, int row, int col)
{
	if (row < 0 || col < 0 || row >= p->rows || col >= p->cols)
		return -1;
	return p->series[(size_t)row * (size_t)p->cols + (size_t)col];
}

void plot_draw(WINDOW *w, int y, int x, const struct plot *p)
{
	for (int row = 0; row < p->rows; row++) {
		for (int col = 0; col < p->cols; col++) {
			char cell[8];
			plot_cell_text(p, row, col, cell);
			int s = plot_cell_series(p, row, col);
			int attr = s >= 0 ? theme_attr(theme_series(s)) : (int)A_NORMAL;
			if (row == p->cursor_row && col == p->cursor_col)
				attr = theme_attr(THEME_CURSOR);
			wattrset(w, attr);
			draw_text(w, y + row, x + col, 1, cell);
		}
	}
	wattrset(w, A_NORMAL);
}

int plot_nearest_stride(const struct plot *p, const double *x0, const double *y0, size_t stride,
                        size_t n, int row, int col, double *dist)
{
	int best = -1;
	double bd = INFINITY;
	for (size_t i = 0; i < n; i++) {
		const double *px = (const double *)(const void *)((const char *)x0 + i * stride);
		const double *py = (const double *)(const void *)((const char *)y0 + i * stride);
		int dx, dy;
		if (plot_dot(p, *px, *py, &dx, &dy) != 0)
			continue;
		double cx = (dx + 0.5) / p->sx - 0.5, cy = (dy + 0.5) / p->sy - 0.5;
		double ddx = cx - col, ddy = (cy - row) * 2;
		double d = ddx * ddx + ddy * ddy;
		if (d < bd) {
			bd = d;
			best = (int)i;
		}
	}
	if (dist)
		*dist = best >= 0 ? sqrt(bd) : INFINITY;
	return best;
}

int plot_nearest(const struct plot *p, const double *xs, const double *ys, size_t n, int row, int col)
{
	return plot_nearest_stride(p, xs, ys, sizeof(double), n, row, col, NULL);
}
