/* engine/goals: the reference and Dirichlet samplers, checked as distributions. */
#include "config.h"

#include "tests/harness.h"
#include "engine/goals.h"
#include "engine/stats.h"

#include <math.h>
#include <string.h>

START_TEST(reference_sampler_distribution)
{
	/* All ranges [0, 10]: the 0.1 rounding is 1% of the range. */
	enum { N = 3, DRAWS = 30000 };
	const double lo[N] = { 0, 0, 0 }, hi[N] = { 10, 10, 10 };
	struct rng r;
	rng_seed(&r, 11);
	int low_count[N] = { 0 }, none = 0, below_1 = 0, below_3 = 0;
	double pos_sum = 0;
	struct status st = STATUS_INIT;
	for (int d = 0; d < DRAWS; d++) {
		double t[N];
		ck_assert_int_eq(goals_sample(GOALS_REFERENCE, MAPPING_LINF, N, lo, hi, &r, NULL, t, &st),
		                 STATUS_OK);
		int low = -1;
		for (int i = 0; i < N; i++) {
			ck_assert_double_eq(t[i], stats_round1(t[i])); /* as written in prompts */
			if (t[i] != hi[i]) {
				ck_assert_int_eq(low, -1); /* at most one objective is not at hi */
				low = i;
			}
		}
		if (low < 0) {
			none++; /* the low draw rounded up to hi */
			continue;
		}
		low_count[low]++;
		double x = (t[low] - lo[low]) / (hi[low] - lo[low]);
		pos_sum += x;
		below_1 += t[low] <= 1.0;
		below_3 += t[low] <= 3.0;
	}
	ck_assert_int_lt(none, 5);
	/* each objective is the low one 1/N of the time: chi-square, 2 dof, p = 0.001 */
	double chi = 0;
	for (int i = 0; i < N; i++)
		chi += pow(low_count[i] - DRAWS / 3.0, 2) / (DRAWS / 3.0);
	ck_assert_double_lt(chi, 13.82);
	/* the low value is the minimum of N uniforms: mean 1/(N+1), CDF 1 - (1 - x)^N;
	 * t <= 1.0 means the unrounded value was below 1.05 */
	double n = DRAWS - none;
	ck_assert_double_eq_tol(pos_sum / n, 0.25, 0.006);
	ck_assert_double_eq_tol(below_1 / n, 1 - pow(1 - 0.105, 3), 0.01);
	ck_assert_double_eq_tol(below_3 / n, 1 - pow(1 - 0.305, 3), 0.01);
}
END_TEST

START_TEST(reference_sampler_is_fair_across_ranges)
{
	/* unequal ranges: the choice compares positions within the ranges */
	const double lo[2] = { -3.0, 0.0 }, hi[2] = { 3.0, 0.5 };
	struct rng r;
	rng_seed(&r, 12);
	int low0 = 0, low1 = 0;
	struct status st = STATUS_INIT;
	for (int d = 0; d < 20000; d++) {
		double t[2];
		ck_assert_int_eq(goals_sample(GOALS_REFERENCE, MAPPING_LINF, 2, lo, hi, &r, NULL, t, &st),
		                 STATUS_OK);
		ck_assert(t[0] >= lo[0] && t[0] <= hi[0]);
		ck_assert(t[1] >= lo[1] && t[1] <= hi[1]);
		low0 += t[0] < hi[0];
		low1 += t[1] < hi[1];
	}
	ck_assert_double_eq_tol(low0 / 20000.0, 0.5, 0.015);
	/* objective 2's range is 0.5 wide: its low draw rounds up to hi when u >= 0.9,
	 * P(u_2 >= 0.9 and u_1 > u_2) = 0.005 */
	ck_assert_double_eq_tol(low1 / 20000.0, 0.495, 0.015);
}
END_TEST

START_TEST(dirichlet_sampler_distribution)
{
	enum { N = 3, DRAWS = 30000 };
	const double lo[N] = { -1, -2, 0 }, hi[N] = { 1, 2, 3 };
	struct rng r;
	rng_seed(&r, 13);
	double mean[N] = { 0 }, sq[N] = { 0 };
	int w0_below_half = 0;
	struct status st = STATUS_INIT;
	for (int d = 0; d < DRAWS; d++) {
		double w[N], t[N], want[N];
		ck_assert_int_eq(goals_sample(GOALS_DIRICHLET, MAPPING_LINEAR, N, lo, hi, &r, w, t, &st),
		                 STATUS_OK);
		double sum = 0;
		for (int i = 0; i < N; i++) {
			ck_assert_double_ge(w[i], 0.0);
			sum += w[i];
			mean[i] += w[i];
			sq[i] += w[i] * w[i];
		}
		ck_assert_double_eq_tol(sum, 1.0, 1e-12);
		w0_below_half += w[0] <= 0.5;
		/* the targets are the mapping of the returned preference */
		ck_assert_int_eq(mapping_targets(MAPPING_LINEAR, w, N, lo, hi, MAPPING_NORMALISE, want, &st),
		                 STATUS_OK);
		ck_assert_mem_eq(t, want, sizeof t);
	}
	/* Dirichlet(1,1,1) marginals are Beta(1, 2): mean 1/3, variance 1/18, P(w <= 1/2) = 3/4 */
	for (int i = 0; i < N; i++) {
		double m = mean[i] / DRAWS;
		ck_assert_double_eq_tol(m, 1.0 / 3.0, 0.006);
		ck_assert_double_eq_tol(sq[i] / DRAWS - m * m, 1.0 / 18.0, 0.003);
	}
	ck_assert_double_eq_tol(w0_below_half / (double)DRAWS, 0.75, 0.01);
}
END_TEST

START_TEST(dirichlet_uses_the_mapping)
{
	const double lo[2] = { 0, 0 }, hi[2] = { 1, 1 };
	struct rng a, b;
	rng_seed(&a, 5);
	rng_seed(&b, 5);
	struct status st = STATUS_INIT;
	int at_hi = 0;
	for (int d = 0; d < 1000; d++) {
		double w[2], t[2], u[2], v[2];
		ck_assert_int_eq(goals_sample(GOALS_DIRICHLET, MAPPING_LINF, 2, lo, hi, &a, w, t, &st),
		                 STATUS_OK);
		/* without w the same stream gives the same targets */
		ck_assert_int_eq(goals_sample(GOALS_DIRICHLET, MAPPING_LINF, 2, lo, hi, &b, NULL, u, &st),
		                 STATUS_OK);
		ck_assert_mem_eq(t, u, sizeof t);
		ck_assert_int_eq(mapping_targets(MAPPING_LINF, w, 2, lo, hi, MAPPING_NORMALISE, v, &st),
		                 STATUS_OK);
		ck_assert_mem_eq(t, v, sizeof t);
		/* linf puts the larger weight's objective at hi */
		ck_assert_double_eq(t[w[0] >= 0.5 ? 0 : 1], 1.0);
		at_hi += t[0] == 1.0 && t[1] == 1.0;
	}
	/* both at hi only for w_1 in [0.475, 0.525]: 5% of draws */
	ck_assert_int_gt(at_hi, 25);
	ck_assert_int_lt(at_hi, 80);
}
END_TEST

START_TEST(same_seed_same_goals)
{
	const double lo[2] = { -1, -1 }, hi[2] = { 1, 1 };
	struct rng a, b;
	rng_seed(&a, 99);
	rng_seed(&b, 99);
	struct status st = STATUS_INIT;
	for (int d = 0; d < 100; d++) {
		double t[2], u[2];
		goals_sample(GOALS_REFERENCE, MAPPING_LINF, 2, lo, hi, &a, NULL, t, &st);
		goals_sample(GOALS_REFERENCE, MAPPING_LINF, 2, lo, hi, &b, NULL, u, &st);
		ck_assert_mem_eq(t, u, sizeof t);
	}
}
END_TEST

START_TEST(names_and_errors)
{
	struct status st = STATUS_INIT;
	enum goals_sampler g;
	ck_assert_int_eq(goals_parse("reference", &g, &st), STATUS_OK);
	ck_assert_int_eq(g, GOALS_REFERENCE);
	ck_assert_int_eq(goals_parse("dirichlet", &g, &st), STATUS_OK);
	ck_assert_int_eq(g, GOALS_DIRICHLET);
	ck_assert_str_eq(goals_name(GOALS_DEFAULT), "reference");
	ck_assert_int_eq(goals_parse("uniform", &g, &st), STATUS_INVALID);
	ck_assert_ptr_nonnull(strstr(st.msg, "reference, dirichlet"));
	struct rng r;
	rng_seed(&r, 1);
	double t[2];
	const double lo[2] = { 0, 1 }, hi[2] = { 1, 0 };
	ck_assert_int_eq(goals_sample(GOALS_REFERENCE, MAPPING_LINF, 2, lo, hi, &r, NULL, t, &st),
	                 STATUS_INVALID);
	ck_assert_ptr_nonnull(strstr(st.msg, "objective 2"));
	ck_assert_int_eq(goals_sample(GOALS_REFERENCE, MAPPING_LINF, 0, lo, hi, &r, NULL, t, &st),
	                 STATUS_INVALID);
	ck_assert_int_eq(goals_sample((enum goals_sampler)5, MAPPING_LINF, 1, lo, lo, &r, NULL, t, &st),
	                 STATUS_INVALID);
}
END_TEST

Suite *harness_suite(void)
{
	Suite *s = suite_create("goals");
	harness_add(s, "reference", reference_sampler_distribution,
	            reference_sampler_is_fair_across_ranges, same_seed_same_goals, NULL);
	harness_add(s, "dirichlet", dirichlet_sampler_distribution, dirichlet_uses_the_mapping, NULL);
	harness_add(s, "input", names_and_errors, NULL);
	return s;
}
