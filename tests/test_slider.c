/* ui/slider: re-balancing on the simplex with locks, and the slider line. */
#include "config.h"

#include "tests/harness.h"
#include "ui/draw.h"
#include "ui/slider.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#define EPS 1e-12

static double sum(const double *w, size_t n)
{
	double s = 0;
	for (size_t i = 0; i < n; i++)
		s += w[i];
	return s;
}

START_TEST(locked_weight_never_moves)
{
	double w[3] = { 0.5, 0.3, 0.2 };
	int locked[3] = { 0, 0, 1 };
	ck_assert_int_eq(slider_set(w, locked, 3, 0, 0.7), 0);
	ck_assert_double_eq_tol(w[0], 0.7, EPS);
	ck_assert_double_eq_tol(w[1], 0.1, EPS);
	ck_assert(w[2] == 0.2);
}
END_TEST

START_TEST(others_give_in_proportion)
{
	double w[3] = { 0.4, 0.4, 0.2 };
	ck_assert_int_eq(slider_set(w, NULL, 3, 0, 0.6), 0);
	ck_assert_double_eq_tol(w[0], 0.6, EPS);
	ck_assert_double_eq_tol(w[1], 0.4 * 2.0 / 3.0, EPS);
	ck_assert_double_eq_tol(w[2], 0.4 / 3.0, EPS);
	/* And take in proportion when it goes down. */
	ck_assert_int_eq(slider_set(w, NULL, 3, 0, 0.0), 0);
	ck_assert_double_eq_tol(w[1], 2.0 / 3.0, EPS);
	ck_assert_double_eq_tol(w[2], 1.0 / 3.0, EPS);
	ck_assert(w[0] == 0.0);
}
END_TEST

START_TEST(all_zero_others_split_equally)
{
	double w[4] = { 1, 0, 0, 0 };
	ck_assert_int_eq(slider_set(w, NULL, 4, 0, 0.4), 0);
	ck_assert_double_eq_tol(w[0], 0.4, EPS);
	for (int i = 1; i < 4; i++)
		ck_assert_double_eq_tol(w[i], 0.2, EPS);
}
END_TEST

START_TEST(capped_by_the_locked_sum)
{
	double w[3] = { 0.2, 0.3, 0.5 };
	int locked[3] = { 0, 0, 1 };
	ck_assert_double_eq_tol(slider_max(w, locked, 3, 0), 0.5, EPS);
	ck_assert_double_eq_tol(slider_max(w, locked, 3, 2), 1.0, EPS);
	ck_assert_int_eq(slider_set(w, locked, 3, 0, 0.9), 0);
	ck_assert_double_eq_tol(w[0], 0.5, EPS);
	ck_assert_double_eq_tol(w[1], 0.0, EPS);
	ck_assert(w[2] == 0.5);
	ck_assert_int_eq(slider_set(w, locked, 3, 0, -0.3), 0);
	ck_assert(w[0] == 0.0);
	ck_assert_double_eq_tol(w[1], 0.5, EPS);
	ck_assert_int_eq(slider_set(w, locked, 3, 1, NAN), 0);
	ck_assert(w[1] == 0.0);
	ck_assert_double_eq_tol(w[0], 0.5, EPS);
}
END_TEST

START_TEST(all_locked_changes_nothing)
{
	double w[3] = { 0.2, 0.3, 0.5 };
	int locked[3] = { 1, 1, 1 };
	ck_assert_int_eq(slider_set(w, locked, 3, 1, 0.9), -1);
	ck_assert(w[0] == 0.2 && w[1] == 0.3 && w[2] == 0.5);
	ck_assert_int_eq(slider_step(w, locked, 3, 0, SLIDER_STEP), -1);
	ck_assert(w[0] == 0.2 && w[1] == 0.3 && w[2] == 0.5);
}
END_TEST

START_TEST(single_unlocked_holds_the_remainder)
{
	double w[3] = { 0.2, 0.3, 0.5 };
	int locked[3] = { 1, 0, 1 };
	ck_assert_int_eq(slider_set(w, locked, 3, 1, 0.9), -1);
	ck_assert_double_eq_tol(w[1], 0.3, EPS);
	ck_assert(w[0] == 0.2 && w[2] == 0.5);
	/* A locked slider itself cannot move either. */
	ck_assert_int_eq(slider_set(w, locked, 3, 0, 0.0), -1);
	ck_assert(w[0] == 0.2);
	/* One objective alone always weighs 1. */
	double one[1] = { 0.3 };
	ck_assert_int_eq(slider_set(one, NULL, 1, 0, 0.5), -1);
	ck_assert(one[0] == 1.0);
	ck_assert_int_eq(slider_set(one, NULL, 1, 1, 0.5), -1);
}
END_TEST

START_TEST(steps_move_by_the_step)
{
	double w[2] = { 0.5, 0.5 };
	ck_assert_int_eq(slider_step(w, NULL, 2, 0, SLIDER_STEP), 0);
	ck_assert_double_eq_tol(w[0], 0.55, EPS);
	ck_assert_double_eq_tol(w[1], 0.45, EPS);
	ck_assert_int_eq(slider_step(w, NULL, 2, 1, SLIDER_STEP_LARGE), 0);
	ck_assert_double_eq_tol(w[1], 0.65, EPS);
	ck_assert_double_eq_tol(w[0], 0.35, EPS);
	for (int i = 0; i < 30; i++)
		slider_step(w, NULL, 2, 1, SLIDER_STEP);
	ck_assert(w[1] == 1.0);
	ck_assert(w[0] == 0.0);
}
END_TEST

/* Random sets, steps and locks: the invariants hold after every move. */
START_TEST(invariants_hold_under_random_moves)
{
	srand(12345);
	for (int trial = 0; trial < 2000; trial++) {
		size_t n = 1 + (size_t)(rand() % 6);
		double w[6];
		int locked[6];
		for (size_t i = 0; i < n; i++) {
			w[i] = (rand() % 4 == 0) ? 0 : rand() / (double)RAND_MAX;
			locked[i] = rand() % 3 == 0;
		}
		slider_normalize(w, n);
		double before[6];
		memcpy(before, w, sizeof w);
		size_t i = (size_t)(rand() % (int)n);
		double max = slider_max(w, locked, n, i);
		double v = rand() / (double)RAND_MAX * 1.4 - 0.2;
		int rc = trial % 2 ? slider_set(w, locked, n, i, v) : slider_step(w, locked, n, i, v - 0.5);
		ck_assert(fabs(sum(w, n) - 1.0) < 1e-9);
		for (size_t j = 0; j < n; j++) {
			ck_assert(w[j] >= 0);
			ck_assert(w[j] <= slider_max(w, locked, n, j) + 1e-12);
			if (locked[j])
				ck_assert(w[j] == before[j]);
		}
		if (rc == 0)
			ck_assert(w[i] <= max + 1e-12);
	}
}
END_TEST

START_TEST(normalize_makes_a_preference)
{
	double a[3] = { 2, 2, 0 };
	slider_normalize(a, 3);
	ck_assert(a[0] == 0.5 && a[1] == 0.5 && a[2] == 0.0);
	double b[2] = { 0, 0 };
	slider_normalize(b, 2);
	ck_assert(b[0] == 0.5 && b[1] == 0.5);
	double c[3] = { -1, NAN, 3 };
	slider_normalize(c, 3);
	ck_assert(c[0] == 0 && c[1] == 0 && c[2] == 1);
}
END_TEST

START_TEST(ascii_line_is_exact)
{
	struct slider_look s = { .name = "humor", .weight = 0.5 };
	char buf[256];
	slider_render(&s, 40, 0, buf, sizeof buf);
	/* 1 marker + 12 name + 1 + 19 bar + 5 value + 2 lock = 40; 9.5 cells full. */
	ck_assert_str_eq(buf, " humor        #########+--------- 0.50  ");
	s.focused = 1;
	s.locked = 1;
	s.weight = 1.0;
	slider_render(&s, 40, 0, buf, sizeof buf);
	ck_assert_str_eq(buf, ">humor        ################### 1.00 L");
}
END_TEST

START_TEST(utf8_line_with_target)
{
	struct slider_look s = { .name = "harmlessness-long-name", .weight = 0.25, .target = 0.8,
		                 .has_target = 1 };
	char buf[512];
	draw_set_utf8(1);
	slider_render(&s, 60, 1, buf, sizeof buf);
	ck_assert_int_eq(draw_width(buf), 60);
	ck_assert_ptr_nonnull(strstr(buf, " harmlessness "));
	ck_assert_ptr_nonnull(strstr(buf, " 0.25 \xe2\x86\x92  0.80  "));
	ck_assert_ptr_nonnull(strstr(buf, "\xe2\x96\x88\xe2\x96\x88"));
	s.target = -12.345;
	slider_render(&s, 60, 1, buf, sizeof buf);
	ck_assert_ptr_nonnull(strstr(buf, "\xe2\x86\x92   -12 "));
	ck_assert_int_eq(draw_width(buf), 60);
	/* Narrow: the name shrinks, the bar goes, the target stays; the line still fits. */
	for (int wdt = 20; wdt < 80; wdt++) {
		slider_render(&s, wdt, 1, buf, sizeof buf);
		ck_assert_int_eq(draw_width(buf), wdt);
	}
}
END_TEST

START_TEST(bar_span_and_value_at)
{
	struct slider_look s = { .name = "x", .weight = 0.5 };
	int bx, bw;
	slider_bar_span(&s, 40, &bx, &bw);
	ck_assert_int_eq(bx, 14);
	ck_assert_int_eq(bw, 19);
	ck_assert(slider_value_at(bw, 0) == 0.0);
	ck_assert(slider_value_at(bw, 18) == 1.0);
	ck_assert(slider_value_at(bw, 9) == 0.5);
	ck_assert(slider_value_at(bw, -4) == 0.0);
	ck_assert(slider_value_at(bw, 99) == 1.0);
}
END_TEST

Suite *harness_suite(void)
{
	Suite *s = suite_create("slider");
	harness_add(s, "simplex", locked_weight_never_moves, others_give_in_proportion,
	            all_zero_others_split_equally, capped_by_the_locked_sum, all_locked_changes_nothing,
	            single_unlocked_holds_the_remainder, steps_move_by_the_step,
	            invariants_hold_under_random_moves, normalize_makes_a_preference, NULL);
	harness_add(s, "render", ascii_line_is_exact, utf8_line_with_target, bar_span_and_value_at, NULL);
	return s;
}
