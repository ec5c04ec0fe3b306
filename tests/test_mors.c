/* engine/mors: the any-dimension quantile filter with known answers. */
#include "config.h"

#include "tests/harness.h"
#include "engine/mors.h"
#include "engine/rng.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

START_TEST(opposed_columns)
{
	/* column 0 = 0..9, column 1 = 9..0: tau = (6.3, 6.3) */
	double s[20];
	for (int i = 0; i < 10; i++) {
		s[2 * i] = i;
		s[2 * i + 1] = 9 - i;
	}
	unsigned char keep[10];
	double tau[2];
	size_t kept;
	struct status st = STATUS_INIT;
	ck_assert_int_eq(mors_filter(s, 10, 2, MORS_QUANTILE, keep, tau, &kept, &st), STATUS_OK);
	ck_assert_double_eq_tol(tau[0], 6.3, 1e-12);
	ck_assert_double_eq_tol(tau[1], 6.3, 1e-12);
	ck_assert_uint_eq(kept, 6);
	const unsigned char want[10] = { 1, 1, 1, 0, 0, 0, 0, 1, 1, 1 };
	ck_assert_mem_eq(keep, want, 10);
}
END_TEST

START_TEST(drops_what_is_low_everywhere)
{
	/* (0,0)..(4,4): tau = (2.8, 2.8), only the last two rows reach it */
	double s[10];
	for (int i = 0; i < 5; i++)
		s[2 * i] = s[2 * i + 1] = i;
	unsigned char keep[5];
	size_t kept;
	struct status st = STATUS_INIT;
	ck_assert_int_eq(mors_filter(s, 5, 2, 0.7, keep, NULL, &kept, &st), STATUS_OK);
	ck_assert_uint_eq(kept, 2);
	const unsigned char want[5] = { 0, 0, 0, 1, 1 };
	ck_assert_mem_eq(keep, want, 5);
	/* a row high in one objective only is kept */
	const double t[6] = { 0, 10, 10, 0, 1, 1 };
	unsigned char k3[3];
	ck_assert_int_eq(mors_filter(t, 3, 2, 0.7, k3, NULL, &kept, &st), STATUS_OK);
	const unsigned char want3[3] = { 1, 1, 0 };
	ck_assert_mem_eq(k3, want3, 3);
}
END_TEST

START_TEST(ties_and_extreme_quantiles)
{
	const double s[8] = { 1, 5, 1, 6, 1, 7, 1, 8 }; /* column 0 constant */
	unsigned char keep[4];
	size_t kept;
	struct status st = STATUS_INIT;
	ck_assert_int_eq(mors_filter(s, 4, 2, 0.7, keep, NULL, &kept, &st), STATUS_OK);
	ck_assert_uint_eq(kept, 4); /* s_0 = tau_0 counts as reaching it */
	const double u[6] = { 0, 2, 1, 1, 2, 0 };
	unsigned char k3[3];
	ck_assert_int_eq(mors_filter(u, 3, 2, 0.0, k3, NULL, &kept, &st), STATUS_OK);
	ck_assert_uint_eq(kept, 3);
	ck_assert_int_eq(mors_filter(u, 3, 2, 1.0, k3, NULL, &kept, &st), STATUS_OK);
	const unsigned char want[3] = { 1, 0, 1 }; /* a maximum in some column */
	ck_assert_mem_eq(k3, want, 3);
}
END_TEST

START_TEST(apply_given_thresholds)
{
	const double tau[3] = { 0.5, 1.0, 2.0 };
	const double s[9] = { 0.5, 0, 0, 0, 0.9, 1.9, 0, 0, 2.0 };
	unsigned char keep[3];
	ck_assert_uint_eq(mors_apply(s, 3, 3, tau, keep), 2);
	const unsigned char want[3] = { 1, 0, 1 };
	ck_assert_mem_eq(keep, want, 3);
	ck_assert_int_eq(mors_keep(s + 3, tau, 3), 0);
	struct status st = STATUS_INIT;
	double t[3];
	ck_assert_int_eq(mors_thresholds(s, 3, 3, 0.5, t, &st), STATUS_OK);
	ck_assert_double_eq(t[0], 0.0);
	ck_assert_double_eq(t[1], 0.0);
	ck_assert_double_eq(t[2], 1.9);
}
END_TEST

START_TEST(share_kept_for_independent_scores)
{
	/* independent continuous columns: P(keep) = 1 - q^N */
	struct rng r;
	rng_seed(&r, 17);
	const size_t n = 20000;
	for (size_t dim = 1; dim <= 4; dim++) {
		double *s = malloc(n * dim * sizeof *s);
		unsigned char *keep = malloc(n);
		for (size_t i = 0; i < n * dim; i++)
			s[i] = rng_normal(&r) * (1.0 + (double)(i % dim));
		size_t kept;
		struct status st = STATUS_INIT;
		ck_assert_int_eq(mors_filter(s, n, dim, 0.7, keep, NULL, &kept, &st), STATUS_OK);
		ck_assert_double_eq_tol((double)kept / n, 1.0 - pow(0.7, (double)dim), 0.012);
		free(s);
		free(keep);
	}
}
END_TEST

START_TEST(refuses_bad_input)
{
	const double s[4] = { 1, NAN, 3, 4 };
	unsigned char keep[2];
	struct status st = STATUS_INIT;
	ck_assert_int_eq(mors_filter(s, 2, 2, 0.7, keep, NULL, NULL, &st), STATUS_INVALID);
	ck_assert_ptr_nonnull(strstr(st.msg, "objective 2"));
	ck_assert_ptr_nonnull(strstr(st.msg, "value 1"));
	ck_assert_int_eq(mors_filter(s + 2, 0, 2, 0.7, keep, NULL, NULL, &st), STATUS_INVALID);
	ck_assert_int_eq(mors_filter(s + 2, 1, 2, 1.2, keep, NULL, NULL, &st), STATUS_INVALID);
	ck_assert_int_eq(mors_filter(s + 2, 1, 0, 0.7, keep, NULL, NULL, &st), STATUS_INVALID);
}
END_TEST

Suite *harness_suite(void)
{
	Suite *s = suite_create("mors");
	harness_add(s, "known", opposed_columns, drops_what_is_low_everywhere,
	            ties_and_extreme_quantiles, apply_given_thresholds, NULL);
	harness_add(s, "distribution", share_kept_for_independent_scores, NULL);
	harness_add(s, "errors", refuses_bad_input, NULL);
	return s;
}
