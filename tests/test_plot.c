/* ui/plot: dots land where they should, lines connect, ASCII fallback,
 * degenerate ranges, NaN points, ticks and click -> nearest point; ui/chart's
 * tick labels (placed without overlapping, inside the canvas). */
#include "config.h"

#include "tests/harness.h"
#include "ui/chart.h"
#include "ui/plot.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

static int dot_on(const struct plot *p, int dx, int dy)
{
	static const unsigned char bit[2][4] = { { 0x01, 0x02, 0x04, 0x40 }, { 0x08, 0x10, 0x20, 0x80 } };
	return (p->bits[(size_t)(dy / 4) * (size_t)p->cols + (size_t)(dx / 2)] & bit[dx % 2][dy % 4]) != 0;
}

static void exact_range(struct plot *p, double xlo, double xhi, double ylo, double yhi)
{
	struct plot_range x = { xlo, xhi }, y = { ylo, yhi };
	plot_set_range(p, x, y);
}

START_TEST(known_points_land_in_known_dots)
{
	struct plot p;
	ck_assert_int_eq(plot_init(&p, 2, 2, 1), 0);
	p.point_dots = 1;
	exact_range(&p, 0, 3, 0, 7); /* one unit per dot: 4 x 8 dots */
	double xs[] = { 0, 3, 1 }, ys[] = { 7, 0, 4 };
	plot_points(&p, xs, ys, 3, 0);
	char cell[8];
	/* (0,7) is the top-left dot (bit 0x01); (1,4) is dot column 1, row 3 (0x80). */
	ck_assert_str_eq(plot_cell_text(&p, 0, 0, cell), "\xe2\xa2\x81"); /* U+2881 */
	ck_assert_str_eq(plot_cell_text(&p, 1, 1, cell), "\xe2\xa2\x80"); /* U+2880 */
	ck_assert_str_eq(plot_cell_text(&p, 0, 1, cell), " ");
	ck_assert_str_eq(plot_cell_text(&p, 1, 0, cell), " ");
	int dx, dy;
	ck_assert_int_eq(plot_dot(&p, 2, 5, &dx, &dy), 0);
	ck_assert_int_eq(dx, 2);
	ck_assert_int_eq(dy, 2);
	ck_assert_int_eq(plot_dot(&p, 3.6, 5, &dx, &dy), -1);   /* outside */
	ck_assert_int_eq(plot_cell_series(&p, 0, 0), 0);
	ck_assert_int_eq(plot_cell_series(&p, 0, 1), -1);
	plot_free(&p);
}
END_TEST

/* By default a braille point is a 2x2 block of the quadrant holding its dot. */
START_TEST(braille_points_are_2x2_blocks)
{
	struct plot p;
	ck_assert_int_eq(plot_init(&p, 2, 2, 1), 0);
	ck_assert_int_eq(p.point_dots, 2);
	exact_range(&p, 0, 3, 0, 7);
	double xs[] = { 0, 3 }, ys[] = { 7, 0 };
	plot_points(&p, xs, ys, 2, 0);
	char cell[8];
	ck_assert_str_eq(plot_cell_text(&p, 0, 0, cell), "\xe2\xa0\x9b"); /* U+281B: dots 1 2 4 5 */
	ck_assert_str_eq(plot_cell_text(&p, 1, 1, cell), "\xe2\xa3\xa4"); /* U+28E4: dots 3 6 7 8 */
	ck_assert_str_eq(plot_cell_text(&p, 0, 1, cell), " ");
	plot_free(&p);
	/* ASCII has no sub-cell dots: one glyph as before. */
	ck_assert_int_eq(plot_init(&p, 2, 2, 0), 0);
	ck_assert_int_eq(p.point_dots, 1);
	plot_free(&p);
}
END_TEST

/* Every dot row between the ends of a steep line has one dot, and columns
 * move by at most one: the line has no gaps. */
START_TEST(lines_are_connected)
{
	struct plot p;
	ck_assert_int_eq(plot_init(&p, 10, 20, 1), 0);
	exact_range(&p, 0, 39, 0, 39);
	plot_line(&p, 3, 0, 30, 39, 1);    /* 28 dots wide, 40 dots tall */
	int prev = -1;
	for (int dy = 0; dy < 40; dy++) {
		int n = 0, at = -1;
		for (int dx = 0; dx < 40; dx++)
			if (dot_on(&p, dx, dy)) {
				n++;
				at = dx;
			}
		ck_assert_msg(n >= 1, "gap at dot row %d", dy);
		if (prev >= 0)
			ck_assert_int_le(abs(at - prev), 1);
		prev = at;
	}
	/* Its ends are the two points: dot (30, 0) top, (3, 39) bottom. */
	ck_assert(dot_on(&p, 30, 0));
	ck_assert(dot_on(&p, 3, 39));
	plot_free(&p);
}
END_TEST

START_TEST(front_joins_points_in_x_order_ascii)
{
	struct plot p;
	ck_assert_int_eq(plot_init(&p, 3, 10, 0), 0);
	exact_range(&p, 0, 9, 0, 2);
	/* Given out of order; the line goes 0 -> 4 -> 9. */
	double xs[] = { 9, 0, 4 }, ys[] = { 0, 2, 2 };
	plot_front(&p, xs, ys, 3, 0);
	char row[64];
	ck_assert_str_eq(plot_row_text(&p, 0, row, sizeof row), "o...o.    ");
	ck_assert_str_eq(plot_row_text(&p, 1, row, sizeof row), "      ..  ");
	ck_assert_str_eq(plot_row_text(&p, 2, row, sizeof row), "        .o");
	plot_free(&p);
}
END_TEST

START_TEST(ascii_series_glyphs_and_cursor)
{
	struct plot p;
	ck_assert_int_eq(plot_init(&p, 2, 6, 0), 0);
	exact_range(&p, 0, 5, 0, 1);
	double ax[] = { 0, 2 }, ay[] = { 1, 1 }, bx[] = { 2, 5 }, by[] = { 0, 0 };
	plot_points(&p, ax, ay, 2, 0);
	plot_points(&p, bx, by, 2, 1);
	char row[64];
	ck_assert_str_eq(plot_row_text(&p, 0, row, sizeof row), "o o   ");
	ck_assert_str_eq(plot_row_text(&p, 1, row, sizeof row), "  *  *");
	/* A line never covers a point. */
	plot_line(&p, 0, 1, 5, 1, 2);
	ck_assert_str_eq(plot_row_text(&p, 0, row, sizeof row), "o.o...");
	ck_assert_int_eq(plot_cell_series(&p, 0, 1), 2);
	ck_assert_int_eq(plot_cell_series(&p, 0, 2), 0);
	plot_cursor(&p, 5, 0);
	ck_assert_str_eq(plot_row_text(&p, 1, row, sizeof row), "  *  X");
	ck_assert_int_eq(p.cursor_row, 1);
	ck_assert_int_eq(p.cursor_col, 5);
	plot_cursor(&p, NAN, 0);
	ck_assert_int_eq(p.cursor_row, -1);
	plot_clear(&p);
	ck_assert_str_eq(plot_row_text(&p, 0, row, sizeof row), "      ");
	plot_free(&p);
}
END_TEST

START_TEST(degenerate_ranges)
{
	struct plot_range r = PLOT_RANGE_EMPTY;
	struct plot_range q = plot_range_padded(r);
	ck_assert(q.lo == 0 && q.hi == 1);
	plot_range_add(&r, 2);
	plot_range_add(&r, NAN);
	plot_range_add(&r, INFINITY);
	ck_assert(r.lo == 2 && r.hi == 2);
	q = plot_range_padded(r);
	ck_assert_double_eq_tol(q.lo, 1.9, 1e-12);
	ck_assert_double_eq_tol(q.hi, 2.1, 1e-12);
	struct plot_range z = { 0, 0 };
	q = plot_range_padded(z);
	ck_assert(q.lo == -0.5 && q.hi == 0.5);
	struct plot_range s = { 1, 3 };
	q = plot_range_padded(s);
	ck_assert_double_eq_tol(q.lo, 0.9, 1e-12);
	ck_assert_double_eq_tol(q.hi, 3.1, 1e-12);
	/* All x equal: the points stack in the middle column. */
	struct plot p;
	ck_assert_int_eq(plot_init(&p, 3, 11, 0), 0);
	struct plot_range xr = PLOT_RANGE_EMPTY, yr = PLOT_RANGE_EMPTY;
	double xs[] = { 2, 2, 2 }, ys[] = { 0, 1, 2 };
	for (int i = 0; i < 3; i++) {
		plot_range_add(&xr, xs[i]);
		plot_range_add(&yr, ys[i]);
	}
	plot_set_range(&p, plot_range_padded(xr), plot_range_padded(yr));
	plot_points(&p, xs, ys, 3, 0);
	char row[64];
	for (int i = 0; i < 3; i++)
		ck_assert_str_eq(plot_row_text(&p, i, row, sizeof row), "     o     ");
	/* An empty range maps everything to the middle rather than dividing by 0. */
	struct plot_range flat = { 5, 5 };
	plot_set_range(&p, flat, flat);
	int dx, dy;
	ck_assert_int_eq(plot_dot(&p, 5, 5, &dx, &dy), 0);
	ck_assert_int_eq(dx, 5);
	ck_assert_int_eq(dy, 1);
	plot_free(&p);
}
END_TEST

START_TEST(nan_points_are_skipped)
{
	struct plot p;
	ck_assert_int_eq(plot_init(&p, 1, 10, 0), 0);
	exact_range(&p, 0, 9, 0, 1);
	double xs[] = { 0, NAN, 9, 4 }, ys[] = { 0, 0, 0, INFINITY };
	plot_points(&p, xs, ys, 4, 0);
	char row[64];
	ck_assert_str_eq(plot_row_text(&p, 0, row, sizeof row), "o        o");
	plot_clear(&p);
	plot_front(&p, xs, ys, 4, 0);
	ck_assert_str_eq(plot_row_text(&p, 0, row, sizeof row), "o........o");
	ck_assert_int_eq(plot_nearest(&p, xs, ys, 4, 0, 4), 0);
	ck_assert_int_eq(plot_nearest(&p, xs, ys, 4, 0, 6), 2);
	double nx[] = { NAN }, ny[] = { 1 };
	ck_assert_int_eq(plot_nearest(&p, nx, ny, 1, 0, 0), -1);
	plot_free(&p);
}
END_TEST

START_TEST(nearest_point_to_a_cell)
{
	struct plot p;
	ck_assert_int_eq(plot_init(&p, 10, 20, 1), 0);
	exact_range(&p, 0, 1, 0, 1);
	double xs[] = { 0.1, 0.5, 0.9 }, ys[] = { 0.9, 0.5, 0.1 };
	ck_assert_int_eq(plot_nearest(&p, xs, ys, 3, 0, 0), 0);
	ck_assert_int_eq(plot_nearest(&p, xs, ys, 3, 5, 10), 1);
	ck_assert_int_eq(plot_nearest(&p, xs, ys, 3, 9, 19), 2);
	/* The stride form reads arrays of structs. */
	struct { double x, y; int tag; } pts[3] = { { 0.1, 0.9, 0 }, { 0.5, 0.5, 0 }, { 0.9, 0.1, 0 } };
	double d;
	ck_assert_int_eq(plot_nearest_stride(&p, &pts[0].x, &pts[0].y, sizeof pts[0], 3, 9, 18, &d), 2);
	ck_assert(d < 1.5);
	/* Cells of a value, for the ticks. */
	ck_assert_int_eq(plot_col_of(&p, 0), 0);
	ck_assert_int_eq(plot_col_of(&p, 1), 19);
	ck_assert_int_eq(plot_row_of(&p, 1), 0);
	ck_assert_int_eq(plot_row_of(&p, 0), 9);
	ck_assert_int_eq(plot_col_of(&p, 2), -1);
	plot_free(&p);
}
END_TEST

START_TEST(nice_ticks)
{
	double t[16];
	int n = plot_ticks(0, 1, 5, t);
	ck_assert_int_eq(n, 3);
	ck_assert(t[0] == 0 && t[1] == 0.5 && t[2] == 1);
	n = plot_ticks(-0.13, 0.92, 6, t);
	ck_assert_int_eq(n, 5);
	ck_assert_double_eq_tol(t[0], 0.0, 1e-12);
	ck_assert(!signbit(t[0]));
	ck_assert_double_eq_tol(t[4], 0.8, 1e-12);
	n = plot_ticks(120, 980, 4, t);
	ck_assert_int_eq(n, 4);
	ck_assert_double_eq_tol(t[0], 200, 1e-9);
	ck_assert_double_eq_tol(t[3], 800, 1e-9);
	ck_assert_int_eq(plot_ticks(1, 1, 5, t), 0);
	ck_assert_int_eq(plot_ticks(0, NAN, 5, t), 0);
	ck_assert_int_eq(plot_ticks(0, 1, 0, t), 0);
}
END_TEST

START_TEST(chart_tick_labels_fit_and_never_overlap)
{
	struct plot p;
	ck_assert_int_eq(plot_init(&p, 10, 60, 0), 0);
	exact_range(&p, 1, 50, 2.5, 4.1);
	struct chart_tick t[16];
	int n = chart_xticks(&p, 8, 60, t, 16);
	ck_assert_int_ge(n, 3);
	for (int i = 0; i < n; i++) {
		int w = (int)strlen(t[i].label);
		ck_assert_int_ge(t[i].pos, 8);
		ck_assert_int_le(t[i].pos + w, 8 + 60);
		if (i)
			ck_assert_int_gt(t[i].pos, t[i - 1].pos + (int)strlen(t[i - 1].label));
		/* centred under the value's column */
		double v = strtod(t[i].label, NULL);
		int col = 8 + plot_col_of(&p, v);
		ck_assert_int_le(abs(t[i].pos + w / 2 - col), w);
	}
	ck_assert_str_eq(t[0].label, "10");
	/* Narrow: at most two labels, still apart. */
	plot_free(&p);
	ck_assert_int_eq(plot_init(&p, 10, 12, 0), 0);
	exact_range(&p, 0, 123456, 0, 1);
	n = chart_xticks(&p, 0, 12, t, 16);
	ck_assert_int_ge(n, 1);
	ck_assert_int_le(n, 2);
	for (int i = 1; i < n; i++)
		ck_assert_int_gt(t[i].pos, t[i - 1].pos + (int)strlen(t[i - 1].label));
	/* y: one label a row, top row first for the highest value */
	n = chart_yticks(&p, 3, 10, t, 16);
	ck_assert_int_ge(n, 2);
	for (int i = 0; i < n; i++) {
		ck_assert_int_ge(t[i].pos, 3);
		ck_assert_int_lt(t[i].pos, 13);
		if (i)
			ck_assert_int_lt(t[i].pos, t[i - 1].pos);
	}
	ck_assert_str_eq(t[0].label, "0");
	plot_free(&p);
}
END_TEST

Suite *harness_suite(void)
{
	Suite *s = suite_create("plot");
	harness_add(s, "raster", known_points_land_in_known_dots, braille_points_are_2x2_blocks,
	            lines_are_connected,
	            front_joins_points_in_x_order_ascii, ascii_series_glyphs_and_cursor, NULL);
	harness_add(s, "edges", degenerate_ranges, nan_points_are_skipped, nearest_point_to_a_cell,
	            nice_ticks, NULL);
	harness_add(s, "chart", chart_tick_labels_fit_and_never_overlap, NULL);
	return s;
}
