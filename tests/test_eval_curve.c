/* src/eval_curve: response curves with known means and standard errors, the
 * verdicts (rises > 2 SE, monotone within 2 SE), and the curves ric eval
 * draws from a grid. */
#include "config.h"

#include "tests/harness.h"
#include "src/eval.h"
#include "src/eval_curve.h"

#include <math.h>
#include <string.h>

/* A curve of n levels, level k holding the m values v[k * m .. k * m + m). */
static void curve_of(struct eval_curve *c, size_t n, size_t m, const double *v)
{
	ck_assert(eval_curve_init(c, n));
	for (size_t k = 0; k < n; k++) {
		c->level[k] = (double)k;
		for (size_t i = 0; i < m; i++)
			eval_curve_add(c, k, v[k * m + i]);
	}
	eval_curve_finish(c);
}

START_TEST(known_means_and_errors)
{
	struct eval_curve c;
	const double v[] = { 1, 2, 3, 3, 4, 5, 5, 6, 7 };
	curve_of(&c, 3, 3, v);
	for (size_t k = 0; k < 3; k++) {
		ck_assert_double_eq_tol(c.mean[k], 2.0 + 2.0 * (double)k, 1e-12);
		/* sd 1 over sqrt(3) */
		ck_assert_double_eq_tol(c.se[k], 1.0 / sqrt(3.0), 1e-12);
		ck_assert_uint_eq(c.count[k], 3);
	}
	ck_assert_double_eq_tol(c.rise, 4.0, 1e-12);
	ck_assert_double_eq_tol(c.rise_se, sqrt(2.0 / 3.0), 1e-12);
	ck_assert(c.rises && c.monotone && c.follows);
	eval_curve_free(&c);
}
END_TEST

START_TEST(verdicts)
{
	struct eval_curve c;
	/* means 0, 2, 1 with SE 0.1: rises, but the drop of 1 is 7 SE */
	const double dip[] = { -0.1732, 0.0, 0.1732, 1.8268, 2.0, 2.1732, 0.8268, 1.0, 1.1732 };
	curve_of(&c, 3, 3, dip);
	ck_assert_double_eq_tol(c.se[1], 0.1, 1e-4);
	ck_assert(c.rises);
	ck_assert(!c.monotone);
	ck_assert(!c.follows);
	eval_curve_free(&c);
	/* means 0, 2, 1.8 with SE 1/sqrt(3): the drop of 0.2 is within 2 SE */
	const double noisy[] = { -1, 0, 1, 1, 2, 3, 0.8, 1.8, 2.8 };
	curve_of(&c, 3, 3, noisy);
	ck_assert(c.monotone);
	ck_assert(c.rises); /* 1.8 > 2 sqrt(2/3) = 1.63 */
	ck_assert(c.follows);
	eval_curve_free(&c);
	/* a level below an earlier, non-neighbouring one breaks it too: means 0,
	 * 3, 2.8, 2.6 (SE 0.1): each step down, 0.2, is within 2 SE of the
	 * difference (0.28); 3 -> 2.6 is not */
	const double slide[] = { -0.1732, 0, 0.1732, 2.8268, 3, 3.1732, 2.6268, 2.8, 2.9732,
		                 2.4268, 2.6, 2.7732 };
	curve_of(&c, 4, 3, slide);
	ck_assert(!c.monotone);
	eval_curve_free(&c);
	/* flat within noise: does not rise */
	const double flat[] = { -1, 0, 1, -0.9, 0.1, 1.1 };
	curve_of(&c, 2, 3, flat);
	ck_assert(!c.rises);
	ck_assert(c.monotone);
	ck_assert(!c.follows);
	eval_curve_free(&c);
	/* falling: neither */
	const double down[] = { 3, 3.1, 2.9, 0, 0.1, -0.1 };
	curve_of(&c, 2, 3, down);
	ck_assert(!c.rises && !c.monotone && !c.follows);
	ck_assert_double_lt(c.rise, 0.0);
	eval_curve_free(&c);
}
END_TEST

START_TEST(empty_levels)
{
	struct eval_curve c;
	ck_assert(eval_curve_init(&c, 4));
	/* samples at levels 1 and 2 only: the ends are those, one sample each */
	eval_curve_add(&c, 1, 1.0);
	eval_curve_add(&c, 2, 3.0);
	eval_curve_add(&c, 2, NAN);   /* a refused reward is no sample */
	eval_curve_add(&c, 9, 100.0); /* outside the curve: ignored */
	eval_curve_finish(&c);
	ck_assert(isnan(c.mean[0]) && isnan(c.mean[3]));
	ck_assert_uint_eq(c.count[2], 1);
	ck_assert_double_eq(c.se[1], 0.0);
	ck_assert_double_eq(c.rise, 2.0);
	ck_assert(c.follows);
	eval_curve_free(&c);
	ck_assert(eval_curve_init(&c, 3));
	eval_curve_add(&c, 1, 1.0);
	eval_curve_finish(&c);
	ck_assert(isnan(c.rise));
	ck_assert(!c.follows);
	eval_curve_free(&c);
}
END_TEST

/* Three objectives on the step-0.5 lattice: w_1 = 0 holds three points. */
START_TEST(weight_curves_of_a_grid)
{
	struct status st = STATUS_INIT;
	enum { N = 3, P = 2 };
	static double pref[6 * N], raw[6 * P * N], norm[6 * P * N];
	/* src/eval.c's allocation would pull in generation: the fields suffice */
	struct eval_result r = { .n_pts = 6, .N = N, .n_prompts = P, .pref = pref, .raw = raw,
		                 .norm = norm };
	const double grid[][3] = { { 0, 0, 1 }, { 0, 0.5, 0.5 }, { 0, 1, 0 },
		                   { 0.5, 0, 0.5 }, { 0.5, 0.5, 0 }, { 1, 0, 0 } };
	for (size_t p = 0; p < 6; p++) {
		memcpy(r.pref + p * N, grid[p], sizeof grid[p]);
		for (size_t i = 0; i < P; i++)
			for (size_t j = 0; j < N; j++) {
				/* normalised: the weight plus +-0.1; raw: ten times that */
				double z = grid[p][j] + (i ? 0.1 : -0.1);
				r.norm[(p * P + i) * N + j] = z;
				r.raw[(p * P + i) * N + j] = 10 * z;
			}
	}
	struct eval_curve c[3];
	ck_assert_int_eq(eval_weight_curves(&r, 0.5, c, &st), STATUS_OK);
	for (size_t j = 0; j < N; j++) {
		ck_assert_uint_eq(c[j].n, 3);
		ck_assert_uint_eq(c[j].count[0], 6); /* three points x two prompts */
		ck_assert_uint_eq(c[j].count[1], 4);
		ck_assert_uint_eq(c[j].count[2], 2);
		for (size_t k = 0; k < 3; k++) {
			ck_assert_double_eq_tol(c[j].level[k], 0.5 * (double)k, 1e-15);
			ck_assert_double_eq_tol(c[j].mean[k], 0.5 * (double)k, 1e-12);
		}
		ck_assert(c[j].follows);
		eval_curve_free(&c[j]);
	}
	r.raw_units = 1;
	ck_assert_int_eq(eval_weight_curves(&r, 0.5, c, &st), STATUS_OK);
	ck_assert_double_eq_tol(c[0].mean[2], 10.0, 1e-12);
	ck_assert_double_eq_tol(c[0].rise, 10.0, 1e-12);
	for (size_t j = 0; j < N; j++)
		eval_curve_free(&c[j]);
}
END_TEST

Suite *harness_suite(void)
{
	Suite *s = suite_create("eval_curve");
	harness_add(s, "curve", known_means_and_errors, verdicts, empty_levels, NULL);
	harness_add(s, "grid", weight_curves_of_a_grid, NULL);
	return s;
}
