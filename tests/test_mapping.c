/* engine/mapping: the preference-to-target mappings with known answers. */
#include "config.h"

#include "tests/harness.h"
#include "engine/mapping.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

static const double lo2[2] = { -1.0, -2.0 }, hi2[2] = { 1.0, 2.0 };

static void targets(enum mapping_kind k, double w1, double w2, unsigned flags, double *t)
{
	const double w[2] = { w1, w2 };
	struct status st = STATUS_INIT;
	ck_assert_msg(mapping_targets(k, w, 2, lo2, hi2, flags, t, &st) == STATUS_OK, "%s", st.msg);
}

START_TEST(linf_known_answers)
{
	double t[2];
	/* t_i = lo_i + min(1, 2 w_i)(hi_i - lo_i) */
	targets(MAPPING_LINF, 0.2, 0.8, 0, t);
	ck_assert_double_eq(t[0], -0.2);
	ck_assert_double_eq(t[1], 2.0);
	targets(MAPPING_LINF, 0.5, 0.5, 0, t);
	ck_assert_double_eq(t[0], 1.0);
	ck_assert_double_eq(t[1], 2.0);
	targets(MAPPING_LINF, 1.0, 0.0, 0, t);
	ck_assert_double_eq(t[0], 1.0);
	ck_assert_double_eq(t[1], -2.0);
	targets(MAPPING_LINF, 0.05, 0.95, MAPPING_NO_ROUND, t);
	ck_assert_double_eq_tol(t[0], -0.8, 1e-12);
	ck_assert_double_eq_tol(t[1], 2.0, 1e-12);
	/* three objectives */
	const double w[3] = { 0.2, 0.3, 0.5 }, lo[3] = { 0, 0, 0 }, hi[3] = { 1, 1, 1 };
	double t3[3];
	struct status st = STATUS_INIT;
	ck_assert_int_eq(mapping_targets(MAPPING_LINF, w, 3, lo, hi, 0, t3, &st), STATUS_OK);
	ck_assert_double_eq(t3[0], 0.6);
	ck_assert_double_eq(t3[1], 0.9);
	ck_assert_double_eq(t3[2], 1.0);
}
END_TEST

START_TEST(l2_known_answers)
{
	double t[2];
	/* ||(0.2, 0.8)|| = sqrt(0.68) */
	targets(MAPPING_L2, 0.2, 0.8, MAPPING_NO_ROUND, t);
	ck_assert_double_eq_tol(t[0], -1.0 + 2.0 * 0.2 / sqrt(0.68), 1e-12);
	ck_assert_double_eq_tol(t[1], -2.0 + 4.0 * 0.8 / sqrt(0.68), 1e-12);
	targets(MAPPING_L2, 0.2, 0.8, 0, t);
	ck_assert_double_eq(t[0], -0.5); /* -0.51493 */
	ck_assert_double_eq(t[1], 1.9);  /* 1.88057 */
	targets(MAPPING_L2, 0.5, 0.5, 0, t);
	ck_assert_double_eq(t[0], 0.4);  /* -1 + sqrt(2) */
	ck_assert_double_eq(t[1], 0.8);  /* -2 + 2 sqrt(2) */
	targets(MAPPING_L2, 0.0, 1.0, 0, t);
	ck_assert_double_eq(t[0], -1.0);
	ck_assert_double_eq(t[1], 2.0);
}
END_TEST

START_TEST(linear_known_answers)
{
	double t[2];
	targets(MAPPING_LINEAR, 0.2, 0.8, 0, t);
	ck_assert_double_eq(t[0], -0.6);
	ck_assert_double_eq(t[1], 1.2);
	targets(MAPPING_LINEAR, 0.5, 0.5, 0, t);
	ck_assert_double_eq(t[0], 0.0);
	ck_assert_int_eq(signbit(t[0]), 0);
	ck_assert_double_eq(t[1], 0.0);
	targets(MAPPING_LINEAR, 0.37, 0.63, MAPPING_NO_ROUND, t);
	ck_assert_double_eq_tol(t[0], -1.0 + 0.74, 1e-12);
	ck_assert_double_eq_tol(t[1], -2.0 + 2.52, 1e-12);
}
END_TEST

static void spec_targets(const char *name, const double *w, size_t n, const double *lo,
                         const double *hi, double *t)
{
	struct status st = STATUS_INIT;
	struct mapping m;
	ck_assert_msg(mapping_spec_parse(name, &m, &st) == STATUS_OK, "%s", st.msg);
	ck_assert_msg(mapping_spec_targets(&m, w, n, lo, hi, MAPPING_NO_ROUND, t, &st) == STATUS_OK,
	              "%s", st.msg);
}

/* x_i = (t_i - lo_i) / (hi_i - lo_i) of lp:P at w, two objectives. */
static void lp_x(const char *name, double w1, double w2, double *x)
{
	const double w[2] = { w1, w2 };
	spec_targets(name, w, 2, lo2, hi2, x);
	for (int i = 0; i < 2; i++)
		x[i] = (x[i] - lo2[i]) / (hi2[i] - lo2[i]);
}

START_TEST(lp_known_answers)
{
	double x[2], y[2];
	/* P = 2 is l2 and P = inf is linf, over the whole simplex */
	for (int i = 0; i <= 100; i++) {
		double w1 = i / 100.0;
		lp_x("lp:2", w1, 1.0 - w1, x);
		targets(MAPPING_L2, w1, 1.0 - w1, MAPPING_NO_ROUND, y);
		for (int j = 0; j < 2; j++)
			ck_assert_double_eq_tol(x[j], (y[j] - lo2[j]) / (hi2[j] - lo2[j]), 1e-12);
		lp_x("lp:inf", w1, 1.0 - w1, x);
		targets(MAPPING_LINF, w1, 1.0 - w1, MAPPING_NO_ROUND, y);
		for (int j = 0; j < 2; j++)
			ck_assert_double_eq_tol(x[j], (y[j] - lo2[j]) / (hi2[j] - lo2[j]), 1e-15);
	}
	/* P = 1: the largest weight takes the whole budget, ties share it */
	lp_x("lp:1", 0.2, 0.8, x);
	ck_assert_double_eq(x[0], 0.0);
	ck_assert_double_eq(x[1], 1.0);
	lp_x("lp:1", 0.5, 0.5, x);
	ck_assert_double_eq(x[0], 0.5);
	ck_assert_double_eq(x[1], 0.5);
	/* P = 4 (Hoelder: x_i ~ w_i^(1/3) on the unit l_4 sphere), bound inactive:
	 * 0.4^(1/3) / (0.4^(4/3) + 0.6^(4/3))^(1/4) = 0.77889, 0.89160 */
	lp_x("lp:4", 0.4, 0.6, x);
	ck_assert_double_eq_tol(x[0], 0.7788875081903701, 1e-12);
	ck_assert_double_eq_tol(x[1], 0.8916036239723916, 1e-12);
	/* ... and active: Hoelder's x_1 = 0.607 passes N w_1 = 0.4, so x_1 = 0.4
	 * and x_2 = (1 - 0.4^4)^(1/4) */
	lp_x("lp:4", 0.2, 0.8, x);
	ck_assert_double_eq_tol(x[0], 0.4, 1e-12);
	ck_assert_double_eq_tol(x[1], 0.9935376260314681, 1e-12);
	/* large P approaches linf */
	lp_x("lp:1000", 0.3, 0.7, x);
	ck_assert_double_eq_tol(x[0], 0.6, 1e-12);
	ck_assert_double_eq_tol(x[1], 1.0, 2e-3);
}
END_TEST

/* lp:P solves its problem: no feasible point of {||y||_P <= 1, 0 <= y_i <=
 * N w_i} has a larger w . y, and x itself is feasible, on three objectives. */
START_TEST(lp_is_the_maximiser)
{
	const double lo[3] = { 0, 0, 0 }, hi[3] = { 1, 1, 1 };
	const char *ps[] = { "lp:1.5", "lp:2", "lp:3", "lp:4", "lp:8" };
	const double ws[][3] = { { 0.1, 0.3, 0.6 }, { 0.2, 0.2, 0.6 }, { 0.05, 0.45, 0.5 },
		                 { 0.0, 0.3, 0.7 } };
	unsigned seed = 12345;
	for (size_t k = 0; k < sizeof ps / sizeof ps[0]; k++) {
		double P = atof(ps[k] + 3);
		for (size_t a = 0; a < sizeof ws / sizeof ws[0]; a++) {
			const double *w = ws[a];
			double x[3], best = 0, nx = 0;
			spec_targets(ps[k], w, 3, lo, hi, x);
			for (int i = 0; i < 3; i++) {
				ck_assert_double_le(x[i], 3 * w[i] + 1e-12);
				ck_assert_double_ge(x[i], 0.0);
				best += w[i] * x[i];
				nx += pow(x[i], P);
			}
			ck_assert_double_eq_tol(nx, 1.0, 1e-9);
			/* the best of many feasible points, asserted once: Check's
			 * assertions are slow in a loop */
			double top = -INFINITY;
			for (int r = 0; r < 20000; r++) {
				double y[3], ny = 0, v = 0;
				for (int i = 0; i < 3; i++) {
					seed = seed * 1103515245u + 12345u;
					y[i] = fmin(1.0, 3 * w[i]) * ((seed >> 8) & 0xffff) / 65535.0;
					ny += pow(y[i], P);
				}
				double sc = ny > 1 ? pow(ny, -1.0 / P) : 1.0;
				for (int i = 0; i < 3; i++)
					v += w[i] * y[i] * sc;
				top = fmax(top, v);
			}
			ck_assert_msg(top <= best + 1e-12, "%s at (%g,%g,%g): %g beats %g", ps[k], w[0],
			              w[1], w[2], top, best);
			/* and the search comes close: x is not just feasible but tight */
			ck_assert_msg(top > best - 0.02, "%s at (%g,%g,%g): %g far below %g", ps[k], w[0],
			              w[1], w[2], top, best);
		}
	}
}
END_TEST

START_TEST(lp_names)
{
	struct status st = STATUS_INIT;
	struct mapping m;
	char buf[MAPPING_NAME_MAX];
	const char *good[] = { "lp:1", "lp:2.5", "lp:4", "lp:inf", "linf", "l2", "linear" };
	for (size_t i = 0; i < sizeof good / sizeof good[0]; i++) {
		ck_assert_msg(mapping_spec_parse(good[i], &m, &st) == STATUS_OK, "%s", st.msg);
		mapping_spec_name(&m, buf, sizeof buf);
		ck_assert_str_eq(buf, good[i]);
	}
	ck_assert_int_eq(mapping_spec_parse("lp:4", &m, &st), STATUS_OK);
	ck_assert_int_eq(m.kind, MAPPING_LP);
	ck_assert_double_eq(m.p, 4.0);
	const char *bad[] = { "lp:", "lp:0.5", "lp:x", "lp:nan", "lp:4x", "lp:-inf", "lp", "LP:2" };
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
		ck_assert_msg(mapping_spec_parse(bad[i], &m, &st) == STATUS_INVALID, "%s", bad[i]);
	ck_assert_int_eq(mapping_spec_parse("lp:0.5", &m, &st), STATUS_INVALID);
	ck_assert_ptr_nonnull(strstr(st.msg, ">= 1"));
	/* lp needs its P: the parameterless entry point refuses it */
	const double w[2] = { 0.5, 0.5 };
	double t[2];
	ck_assert_int_eq(mapping_targets(MAPPING_LP, w, 2, lo2, hi2, 0, t, &st), STATUS_INVALID);
	ck_assert_str_eq(mapping_name(MAPPING_LP), "lp");
}
END_TEST

START_TEST(targets_grow_with_their_weight)
{
	const char *kinds[] = { "linf", "l2", "linear", "lp:1.5", "lp:4", "lp:inf" };
	for (int k = 0; k < 6; k++) {
		double prev[2] = { -INFINITY, INFINITY };
		for (int i = 0; i <= 100; i++) {
			double t[2];
			const double w[2] = { i / 100.0, 1.0 - i / 100.0 };
			spec_targets(kinds[k], w, 2, lo2, hi2, t);
			ck_assert_double_ge(t[0], prev[0]);
			ck_assert_double_le(t[1], prev[1]);
			for (int j = 0; j < 2; j++) {
				ck_assert_double_ge(t[j], lo2[j] - 1e-12);
				ck_assert_double_le(t[j], hi2[j] + 1e-12);
			}
			prev[0] = t[0];
			prev[1] = t[1];
		}
		/* every mapping sends a one-hot preference to (hi, lo) */
		ck_assert_double_eq_tol(prev[0], hi2[0], 1e-12);
		ck_assert_double_eq_tol(prev[1], lo2[1], 1e-12);
	}
}
END_TEST

START_TEST(preference_rules)
{
	struct status st = STATUS_INIT;
	double out[3], t[2];
	const double neg[2] = { -0.1, 1.1 };
	ck_assert_int_eq(mapping_check_pref(neg, 2, MAPPING_NORMALISE, out, &st), STATUS_INVALID);
	ck_assert_ptr_nonnull(strstr(st.msg, "weight 1"));
	const double nan[2] = { NAN, 1.0 };
	ck_assert_int_eq(mapping_check_pref(nan, 2, 0, out, &st), STATUS_INVALID);
	const double zero[2] = { 0.0, 0.0 };
	ck_assert_int_eq(mapping_check_pref(zero, 2, MAPPING_NORMALISE, out, &st), STATUS_INVALID);
	ck_assert_ptr_nonnull(strstr(st.msg, "all zero"));
	const double short_sum[2] = { 0.2, 0.7 };
	ck_assert_int_eq(mapping_check_pref(short_sum, 2, 0, out, &st), STATUS_INVALID);
	ck_assert_ptr_nonnull(strstr(st.msg, "sum to 0.9"));
	/* within tolerance: accepted, rescaled to sum exactly 1 */
	const double typed[3] = { 0.333, 0.333, 0.3335 };
	ck_assert_int_eq(mapping_check_pref(typed, 3, 0, out, &st), STATUS_OK);
	ck_assert_double_eq_tol(out[0] + out[1] + out[2], 1.0, 1e-15);
	ck_assert_double_eq_tol(out[0], 0.333 / 0.9995, 1e-15);
	/* MAPPING_NORMALISE: 2,8 means 0.2,0.8 */
	const double raw[2] = { 2.0, 8.0 };
	ck_assert_int_eq(mapping_check_pref(raw, 2, MAPPING_NORMALISE, out, &st), STATUS_OK);
	ck_assert_double_eq_tol(out[0], 0.2, 1e-15);
	ck_assert_int_eq(mapping_targets(MAPPING_LINF, raw, 2, lo2, hi2, MAPPING_NORMALISE, t, &st),
	                 STATUS_OK);
	ck_assert_double_eq(t[0], -0.2);
	ck_assert_double_eq(t[1], 2.0);
	ck_assert_int_eq(mapping_targets(MAPPING_LINF, raw, 2, lo2, hi2, 0, t, &st), STATUS_INVALID);
	/* ranges */
	const double w[2] = { 0.5, 0.5 }, bad_lo[2] = { 1.0, 0.0 }, bad_hi[2] = { 0.0, 1.0 };
	ck_assert_int_eq(mapping_targets(MAPPING_LINF, w, 2, bad_lo, bad_hi, 0, t, &st), STATUS_INVALID);
	ck_assert_ptr_nonnull(strstr(st.msg, "objective 1"));
	ck_assert_int_eq(mapping_targets((enum mapping_kind)7, w, 2, lo2, hi2, 0, t, &st),
	                 STATUS_INVALID);
	ck_assert_int_eq(mapping_check_pref(w, 0, 0, out, &st), STATUS_INVALID);
}
END_TEST

START_TEST(names_round_trip)
{
	struct status st = STATUS_INIT;
	enum mapping_kind k;
	const enum mapping_kind kinds[] = { MAPPING_LINF, MAPPING_L2, MAPPING_LINEAR };
	for (int i = 0; i < 3; i++) {
		ck_assert_int_eq(mapping_parse(mapping_name(kinds[i]), &k, &st), STATUS_OK);
		ck_assert_int_eq(k, kinds[i]);
	}
	ck_assert_str_eq(mapping_name(MAPPING_DEFAULT), "linf");
	ck_assert_str_eq(mapping_name((enum mapping_kind)9), "?");
	ck_assert_int_eq(mapping_parse("L2", &k, &st), STATUS_INVALID);
	ck_assert_ptr_nonnull(strstr(st.msg, "'L2'"));
	ck_assert_ptr_nonnull(strstr(st.msg, "linf, l2, linear"));
	ck_assert_int_eq(mapping_parse(NULL, &k, &st), STATUS_INVALID);
}
END_TEST

START_TEST(parse_vector)
{
	struct status st = STATUS_INIT;
	double w[3];
	ck_assert_int_eq(mapping_parse_vector("0.2,0.8", 2, "--pref", w, &st), STATUS_OK);
	ck_assert_double_eq(w[0], 0.2);
	ck_assert_double_eq(w[1], 0.8);
	ck_assert_int_eq(mapping_parse_vector(" 1.5 , -0.3 ,2", 3, "--scores", w, &st), STATUS_OK);
	ck_assert_double_eq(w[1], -0.3);
	ck_assert_double_eq(w[2], 2.0);
	ck_assert_int_eq(mapping_parse_vector("0.2", 2, "--pref", w, &st), STATUS_INVALID);
	ck_assert_ptr_nonnull(strstr(st.msg, "--pref '0.2' has 1 values, the model has 2"));
	ck_assert_int_eq(mapping_parse_vector("0.2,0.3,0.5", 2, "--pref", w, &st), STATUS_INVALID);
	ck_assert_int_eq(mapping_parse_vector("0.2,,0.8", 2, "--pref", w, &st), STATUS_INVALID);
	ck_assert_ptr_nonnull(strstr(st.msg, "value 2 is not a number"));
	ck_assert_int_eq(mapping_parse_vector("a,b", 2, "--pref", w, &st), STATUS_INVALID);
	ck_assert_int_eq(mapping_parse_vector("0.2,0.8,", 2, "--pref", w, &st), STATUS_INVALID);
	ck_assert_int_eq(mapping_parse_vector("0.2;0.8", 2, "--pref", w, &st), STATUS_INVALID);
	ck_assert_int_eq(mapping_parse_vector("nan,1", 2, "--pref", w, &st), STATUS_INVALID);
	ck_assert_int_eq(mapping_parse_vector("", 2, "--pref", w, &st), STATUS_INVALID);
}
END_TEST

Suite *harness_suite(void)
{
	Suite *s = suite_create("mapping");
	harness_add(s, "known", linf_known_answers, l2_known_answers, linear_known_answers,
	            targets_grow_with_their_weight, lp_known_answers, lp_is_the_maximiser, NULL);
	harness_add(s, "lp", lp_names, NULL);
	harness_add(s, "input", preference_rules, names_round_trip, parse_vector, NULL);
	return s;
}
