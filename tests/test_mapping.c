/* engine/mapping: the three preference-to-target mappings with known answers. */
#include "config.h"

#include "tests/harness.h"
#include "engine/mapping.h"

#include <math.h>
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

START_TEST(targets_grow_with_their_weight)
{
	const enum mapping_kind kinds[] = { MAPPING_LINF, MAPPING_L2, MAPPING_LINEAR };
	for (int k = 0; k < 3; k++) {
		double prev[2] = { -INFINITY, INFINITY };
		for (int i = 0; i <= 100; i++) {
			double t[2];
			targets(kinds[k], i / 100.0, 1.0 - i / 100.0, MAPPING_NO_ROUND, t);
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
	            targets_grow_with_their_weight, NULL);
	harness_add(s, "input", preference_rules, names_round_trip, parse_vector, NULL);
	return s;
}
