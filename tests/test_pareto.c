/* engine/pareto: front, exact hypervolume (hand cases, inclusion-exclusion,
 * Monte Carlo) and the preference lattice. */
#include "config.h"

#include "tests/harness.h"
#include "engine/pareto.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

START_TEST(dominance)
{
	const double a[2] = { 1, 1 }, b[2] = { 1, 0.5 }, c[2] = { 0.5, 2 };
	ck_assert_int_eq(pareto_dominates(a, b, 2), 1);
	ck_assert_int_eq(pareto_dominates(b, a, 2), 0);
	ck_assert_int_eq(pareto_dominates(a, a, 2), 0); /* equal points do not dominate */
	ck_assert_int_eq(pareto_dominates(a, c, 2), 0);
	ck_assert_int_eq(pareto_dominates(c, a, 2), 0);
}
END_TEST

START_TEST(front_with_ties_and_duplicates)
{
	const double p[] = { 1, 0,   0, 1,   0.5, 0.5,   0.4, 0.4,   1, 0,   0.5, 0.2,   0.2, 1 };
	unsigned char on[7];
	size_t k;
	struct status st = STATUS_INIT;
	ck_assert_int_eq(pareto_front(p, 7, 2, on, &k, &st), STATUS_OK);
	/* (0.4,0.4) and (0.5,0.2) are dominated by (0.5,0.5); (0,1) by (0.2,1);
	 * both copies of (1,0) stay */
	const unsigned char want[7] = { 1, 0, 1, 0, 1, 0, 1 };
	ck_assert_mem_eq(on, want, 7);
	ck_assert_uint_eq(k, 4);
	/* 3 objectives */
	const double q[] = { 1, 2, 3,   3, 2, 1,   1, 2, 2,   2, 2, 2,   0, 0, 4 };
	unsigned char on3[5];
	ck_assert_int_eq(pareto_front(q, 5, 3, on3, &k, &st), STATUS_OK);
	const unsigned char want3[5] = { 1, 1, 0, 1, 1 };
	ck_assert_mem_eq(on3, want3, 5);
	ck_assert_uint_eq(k, 4);
	/* one point is its own front; none is an empty one */
	ck_assert_int_eq(pareto_front(q, 1, 3, on3, &k, &st), STATUS_OK);
	ck_assert_uint_eq(k, 1);
	ck_assert_int_eq(pareto_front(q, 0, 3, on3, &k, &st), STATUS_OK);
	ck_assert_uint_eq(k, 0);
	const double bad[] = { 1, NAN };
	ck_assert_int_eq(pareto_front(bad, 1, 2, on, &k, &st), STATUS_INVALID);
	ck_assert_ptr_nonnull(strstr(st.msg, "point 1, objective 2"));
}
END_TEST

static double hv(const double *p, size_t n, size_t dim, const double *ref)
{
	double v = -1;
	struct status st = STATUS_INIT;
	ck_assert_msg(pareto_hypervolume(p, n, dim, ref, &v, &st) == STATUS_OK, "%s", st.msg);
	return v;
}

START_TEST(hypervolume_by_hand)
{
	const double z2[2] = { 0, 0 };
	const double stair[] = { 1, 3,   2, 2,   3, 1 };
	ck_assert_double_eq_tol(hv(stair, 3, 2, z2), 6.0, 1e-12);
	/* a dominated point, a duplicate, a point below ref and one on its plane add nothing */
	const double more[] = { 1, 3,   2, 2,   3, 1,   1, 1,   2, 2,   -1, 5,   0, 4 };
	ck_assert_double_eq_tol(hv(more, 7, 2, z2), 6.0, 1e-12);
	const double r2[2] = { 0.5, 0.5 };
	ck_assert_double_eq_tol(hv(stair, 3, 2, r2), 3.25, 1e-12);
	/* negative coordinates (normalised scores) with a negative reference */
	const double neg[] = { -1, 0.5,   0.2, -0.5 };
	const double rn[2] = { -2, -1 };
	ck_assert_double_eq_tol(hv(neg, 2, 2, rn), 1 * 1.5 + 2.2 * 0.5 - 1 * 0.5, 1e-12);
	/* 1 objective: the best distance above ref */
	const double one[] = { 0.5, 2.5, 1.0 };
	const double r1[1] = { 1.0 };
	ck_assert_double_eq_tol(hv(one, 3, 1, r1), 1.5, 1e-12);
	/* 3 objectives */
	const double z3[3] = { 0, 0, 0 };
	const double box[] = { 1, 2, 3 };
	ck_assert_double_eq_tol(hv(box, 1, 3, z3), 6.0, 1e-12);
	const double two[] = { 2, 1, 1,   1, 2, 1 };
	ck_assert_double_eq_tol(hv(two, 2, 3, z3), 3.0, 1e-12);
	const double three[] = { 3, 1, 1,   1, 3, 1,   1, 1, 3 };
	ck_assert_double_eq_tol(hv(three, 3, 3, z3), 7.0, 1e-12); /* 9 - 3 + 1 */
	const double steps[] = { 1, 1, 2,   2, 2, 1 };
	ck_assert_double_eq_tol(hv(steps, 2, 3, z3), 5.0, 1e-12);
	/* 4 objectives */
	const double z4[4] = { 0, 0, 0, 0 };
	const double four[] = { 2, 1, 1, 1,   1, 2, 1, 1 };
	ck_assert_double_eq_tol(hv(four, 2, 4, z4), 3.0, 1e-12);
	const double corners[] = { 2, 1, 1, 1,   1, 2, 1, 1,   1, 1, 2, 1,   1, 1, 1, 2 };
	ck_assert_double_eq_tol(hv(corners, 4, 4, z4), 5.0, 1e-12); /* 1 + 4 unit cubes */
	/* nothing above ref */
	ck_assert_double_eq(hv(stair, 0, 2, z2), 0.0);
	const double far[2] = { 5, 5 };
	ck_assert_double_eq(hv(stair, 3, 2, far), 0.0);
}
END_TEST

/* Independent exact value: inclusion-exclusion over every subset. */
static double hv_inclusion_exclusion(const double *p, size_t n, size_t dim, const double *ref)
{
	double total = 0;
	for (unsigned long mask = 1; mask < (1ul << n); mask++) {
		double vol = 1;
		for (size_t j = 0; j < dim; j++) {
			double m = INFINITY;
			for (size_t i = 0; i < n; i++)
				if (mask & (1ul << i))
					m = fmin(m, p[i * dim + j]);
			vol *= fmax(0.0, m - ref[j]);
		}
		total += __builtin_popcountl(mask) % 2 ? vol : -vol;
	}
	return total;
}

START_TEST(hypervolume_matches_inclusion_exclusion)
{
	struct rng r;
	rng_seed(&r, 3);
	for (size_t dim = 2; dim <= 4; dim++)
		for (int trial = 0; trial < 30; trial++) {
			size_t n = 1 + rng_below(&r, 10);
			double p[10 * 4], ref[4];
			for (size_t j = 0; j < dim; j++)
				ref[j] = -0.5;
			for (size_t i = 0; i < n * dim; i++)
				/* a coarse grid so ties and duplicates occur */
				p[i] = (double)rng_below(&r, 6) / 2.0 - 1.0;
			double want = hv_inclusion_exclusion(p, n, dim, ref);
			ck_assert_double_eq_tol(hv(p, n, dim, ref), want, 1e-9);
		}
}
END_TEST

START_TEST(hypervolume_matches_monte_carlo)
{
	struct rng r;
	rng_seed(&r, 4);
	for (size_t dim = 2; dim <= 4; dim++) {
		/* points near the unit sphere's positive part: a real trade-off front */
		enum { N = 40 };
		double p[N * 4], ref[4] = { 0, 0, 0, 0 };
		for (size_t i = 0; i < N; i++) {
			double norm = 0;
			for (size_t j = 0; j < dim; j++) {
				p[i * dim + j] = fabs(rng_normal(&r));
				norm += p[i * dim + j] * p[i * dim + j];
			}
			for (size_t j = 0; j < dim; j++)
				p[i * dim + j] /= sqrt(norm);
		}
		double exact = hv(p, N, dim, ref), mc;
		struct status st = STATUS_INIT;
		const size_t S = 200000;
		ck_assert_int_eq(pareto_hypervolume_mc(p, N, dim, ref, S, &r, &mc, &st), STATUS_OK);
		/* binomial standard error of the hit fraction, 4 sigma */
		double box = 1;
		for (size_t j = 0; j < dim; j++) {
			double top = 0;
			for (size_t i = 0; i < N; i++)
				top = fmax(top, p[i * dim + j]);
			box *= top;
		}
		double f = exact / box;
		ck_assert_double_eq_tol(mc, exact, 4 * box * sqrt(f * (1 - f) / S));
		ck_assert_double_gt(exact, 0.0);
	}
}
END_TEST

START_TEST(hypervolume_limits)
{
	const double p[5] = { 1, 1, 1, 1, 1 }, ref[5] = { 0, 0, 0, 0, 0 };
	double v;
	struct status st = STATUS_INIT;
	ck_assert_int_eq(pareto_hypervolume(p, 1, 5, ref, &v, &st), STATUS_UNSUPPORTED);
	ck_assert_ptr_nonnull(strstr(st.msg, "4 objectives"));
	struct rng r;
	rng_seed(&r, 1);
	ck_assert_int_eq(pareto_hypervolume_mc(p, 1, 5, ref, 1000, &r, &v, &st), STATUS_OK);
	ck_assert_double_eq_tol(v, 1.0, 1e-12); /* the box is the point's own */
	const double bad_ref[2] = { NAN, 0 };
	ck_assert_int_eq(pareto_hypervolume(p, 1, 2, bad_ref, &v, &st), STATUS_INVALID);
	const double inf[2] = { INFINITY, 1 };
	ck_assert_int_eq(pareto_hypervolume(inf, 1, 2, ref, &v, &st), STATUS_INVALID);
}
END_TEST

START_TEST(hypervolume_of_a_large_4d_front_is_quick)
{
	/* the 4-objective grid at step 0.1 has 286 points, all on the front */
	double *w;
	size_t n;
	struct status st = STATUS_INIT;
	ck_assert_int_eq(pareto_lattice(4, 0.1, &w, &n, &st), STATUS_OK);
	ck_assert_uint_eq(n, 286);
	const double ref[4] = { -1, -1, -1, -1 };
	double v = hv(w, n, 4, ref);
	ck_assert_double_gt(v, 1.0);  /* more than the box below the simplex's corner region */
	ck_assert_double_lt(v, 16.0); /* less than the box to (1,1,1,1) */
	free(w);
}
END_TEST

START_TEST(lattice_counts_and_order)
{
	double *w;
	size_t n;
	struct status st = STATUS_INIT;
	ck_assert_int_eq(pareto_lattice(2, 0.1, &w, &n, &st), STATUS_OK);
	ck_assert_uint_eq(n, 11);
	for (size_t i = 0; i < n; i++) {
		ck_assert_double_eq(w[2 * i], (double)i / 10.0);
		ck_assert_double_eq_tol(w[2 * i] + w[2 * i + 1], 1.0, 1e-15);
	}
	ck_assert_double_eq(w[1], 1.0);
	ck_assert_double_eq(w[2], 0.1);
	free(w);
	ck_assert_int_eq(pareto_lattice(3, 0.1, &w, &n, &st), STATUS_OK);
	ck_assert_uint_eq(n, 66);
	for (size_t i = 0; i < n; i++) {
		ck_assert_double_eq_tol(w[3 * i] + w[3 * i + 1] + w[3 * i + 2], 1.0, 1e-12);
		for (size_t j = 0; j < 3; j++)
			ck_assert_double_eq_tol(w[3 * i + j] * 10, round(w[3 * i + j] * 10), 1e-9);
		for (size_t k = 0; k < i; k++) /* distinct */
			ck_assert(memcmp(w + 3 * i, w + 3 * k, 3 * sizeof *w) != 0);
	}
	free(w);
	ck_assert_int_eq(pareto_lattice(3, 0.5, &w, &n, &st), STATUS_OK);
	ck_assert_uint_eq(n, 6);
	const double want[18] = { 0, 0, 1,   0, 0.5, 0.5,   0, 1, 0,
	                          0.5, 0, 0.5,   0.5, 0.5, 0,   1, 0, 0 };
	ck_assert_mem_eq(w, want, sizeof want);
	free(w);
	ck_assert_int_eq(pareto_lattice(1, 0.25, &w, &n, &st), STATUS_OK);
	ck_assert_uint_eq(n, 1);
	ck_assert_double_eq(w[0], 1.0);
	free(w);
	ck_assert_int_eq(pareto_lattice(3, 1.0, &w, &n, &st), STATUS_OK);
	ck_assert_uint_eq(n, 3);
	free(w);
	ck_assert_int_eq(pareto_lattice(4, 0.2, &w, &n, &st), STATUS_OK);
	ck_assert_uint_eq(n, 56); /* C(8, 3) */
	free(w);
	ck_assert_uint_eq(pareto_lattice_count(4, 10), 286);
	ck_assert_uint_eq(pareto_lattice_count(5, 10), 1001);
}
END_TEST

START_TEST(lattice_refuses)
{
	double *w;
	size_t n;
	struct status st = STATUS_INIT;
	ck_assert_int_eq(pareto_lattice(2, 0.3, &w, &n, &st), STATUS_INVALID);
	ck_assert_ptr_nonnull(strstr(st.msg, "does not divide 1"));
	ck_assert_ptr_null(w);
	ck_assert_int_eq(pareto_lattice(2, 0.0, &w, &n, &st), STATUS_INVALID);
	ck_assert_int_eq(pareto_lattice(2, 1.5, &w, &n, &st), STATUS_INVALID);
	ck_assert_int_eq(pareto_lattice(2, NAN, &w, &n, &st), STATUS_INVALID);
	ck_assert_int_eq(pareto_lattice(0, 0.1, &w, &n, &st), STATUS_INVALID);
	ck_assert_int_eq(pareto_lattice(16, 0.001, &w, &n, &st), STATUS_INVALID);
	ck_assert_ptr_nonnull(strstr(st.msg, "more than"));
}
END_TEST

Suite *harness_suite(void)
{
	Suite *s = suite_create("pareto");
	harness_add(s, "front", dominance, front_with_ties_and_duplicates, NULL);
	harness_add(s, "hypervolume", hypervolume_by_hand, hypervolume_matches_inclusion_exclusion,
	            hypervolume_matches_monte_carlo, hypervolume_limits,
	            hypervolume_of_a_large_4d_front_is_quick, NULL);
	harness_add(s, "lattice", lattice_counts_and_order, lattice_refuses, NULL);
	return s;
}
