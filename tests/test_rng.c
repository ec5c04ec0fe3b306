/* engine/rng and engine/sampler: determinism, distributions, filters. */
#include "config.h"

#include "tests/harness.h"
#include "engine/pool.h"
#include "engine/rng.h"
#include "engine/sampler.h"

#include <float.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

START_TEST(same_seed_same_stream)
{
	struct rng a, b, c;
	rng_seed(&a, 7);
	rng_seed(&b, 7);
	rng_seed(&c, 8);
	int differ = 0;
	for (int i = 0; i < 1000; i++) {
		uint64_t x = rng_next(&a), y = rng_next(&b), z = rng_next(&c);
		ck_assert_uint_eq(x, y);
		differ += x != z;
	}
	ck_assert_int_gt(differ, 990);
	struct rng p1, p2;
	rng_seed(&p1, 1);
	rng_seed(&p2, 1);
	struct rng k1 = rng_split(&p1), k2 = rng_split(&p2);
	ck_assert_uint_eq(rng_next(&k1), rng_next(&k2));
	ck_assert_uint_ne(rng_next(&k1), rng_next(&p1));
}
END_TEST

START_TEST(uniform_and_normal_moments)
{
	struct rng r;
	rng_seed(&r, 123);
	const int n = 200000;
	double su = 0, su2 = 0, sn = 0, sn2 = 0;
	for (int i = 0; i < n; i++) {
		double u = rng_uniform(&r);
		ck_assert(u >= 0.0 && u < 1.0);
		su += u;
		su2 += u * u;
		double z = rng_normal(&r);
		sn += z;
		sn2 += z * z;
	}
	ck_assert_double_eq_tol(su / n, 0.5, 0.005);
	ck_assert_double_eq_tol(su2 / n - (su / n) * (su / n), 1.0 / 12.0, 0.002);
	ck_assert_double_eq_tol(sn / n, 0.0, 0.01);
	ck_assert_double_eq_tol(sn2 / n, 1.0, 0.01);
}
END_TEST

START_TEST(below_is_uniform)
{
	struct rng r;
	rng_seed(&r, 5);
	int counts[7] = { 0 };
	const int n = 70000;
	for (int i = 0; i < n; i++)
		counts[rng_below(&r, 7)]++;
	double chi = 0;
	for (int i = 0; i < 7; i++)
		chi += (counts[i] - n / 7.0) * (counts[i] - n / 7.0) / (n / 7.0);
	ck_assert_double_lt(chi, 22.46); /* chi-square, 6 dof, p = 0.001 */
	ck_assert_uint_eq(rng_below(&r, 1), 0);
}
END_TEST

START_TEST(gamma_and_dirichlet_means)
{
	struct rng r;
	rng_seed(&r, 9);
	const double shapes[] = { 0.5, 1.0, 3.0 };
	for (int s = 0; s < 3; s++) {
		double sum = 0, sum2 = 0;
		const int n = 50000;
		for (int i = 0; i < n; i++) {
			double g = rng_gamma(&r, shapes[s]);
			ck_assert(g >= 0.0);
			sum += g;
			sum2 += g * g;
		}
		double mean = sum / n, var = sum2 / n - mean * mean;
		ck_assert_double_eq_tol(mean, shapes[s], 0.03 * shapes[s] + 0.01);
		ck_assert_double_eq_tol(var, shapes[s], 0.06 * shapes[s] + 0.02); /* Gamma(k,1): var = k */
	}
	double w[3], mean[3] = { 0 };
	for (int i = 0; i < 30000; i++) {
		rng_dirichlet(&r, 1.0, 3, w);
		ck_assert_double_eq_tol(w[0] + w[1] + w[2], 1.0, 1e-12);
		for (int j = 0; j < 3; j++)
			mean[j] += w[j] / 30000;
	}
	for (int j = 0; j < 3; j++)
		ck_assert_double_eq_tol(mean[j], 1.0 / 3.0, 0.01);
}
END_TEST

START_TEST(shuffle_is_a_permutation)
{
	struct rng r;
	rng_seed(&r, 3);
	size_t idx[50];
	for (size_t i = 0; i < 50; i++)
		idx[i] = i;
	rng_shuffle(&r, idx, 50);
	int seen[50] = { 0 }, moved = 0;
	for (size_t i = 0; i < 50; i++) {
		seen[idx[i]]++;
		moved += idx[i] != i;
	}
	for (int i = 0; i < 50; i++)
		ck_assert_int_eq(seen[i], 1);
	ck_assert_int_gt(moved, 40);
}
END_TEST

/* Each epoch is a permutation drawn from (seed, epoch) alone: a cache that
 * jumps straight to an epoch agrees with one that walked there. */
START_TEST(epoch_order_depends_on_seed_and_epoch_alone)
{
	enum { N = 20 };
	size_t walk[N], jump[N], first[N];
	long we = -1, je = -1;
	int seen[3][N] = { { 0 } };
	for (size_t g = 0; g < 3 * N; g++) {
		size_t k = rng_epoch_order(walk, &we, N, 9, g);
		ck_assert_uint_lt(k, N);
		seen[g / N][k]++;
		if (g < N)
			first[g] = k;
	}
	for (int e = 0; e < 3; e++)
		for (int i = 0; i < N; i++)
			ck_assert_int_eq(seen[e][i], 1);
	int same = 0;
	for (size_t i = 0; i < N; i++) {
		ck_assert_uint_eq(rng_epoch_order(jump, &je, N, 9, 2 * N + i),
		                  rng_epoch_order(walk, &we, N, 9, 2 * N + i));
		same += rng_epoch_order(jump, &je, N, 9, N + i) == first[i];
	}
	ck_assert_int_lt(same, N / 2);
	ck_assert_int_eq(je, 1);
}
END_TEST

static const float logits[6] = { 1.0f, 3.0f, 2.0f, 3.0f, -1.0f, 0.5f };

START_TEST(greedy_picks_lowest_argmax)
{
	struct sampler s;
	struct status st = STATUS_INIT;
	struct rng r;
	rng_seed(&r, 1);
	ck_assert_int_eq(sampler_init(&s, 6, &st), STATUS_OK);
	struct sampler_params p = { 0.0f, 0, 1.0f };
	ck_assert_int_eq(sampler_pick(&s, logits, &p, &r), 1);
	p.temperature = 1.0f;
	p.top_k = 1;
	ck_assert_int_eq(sampler_pick(&s, logits, &p, &r), 1);
	/* A tiny temperature acts as the greedy limit instead of dividing into NaN. */
	p.top_k = 0;
	const float tiny[] = { 1e-40f, 1e-30f, FLT_MIN, 9e-6f };
	float probs[6];
	for (int i = 0; i < 4; i++) {
		p.temperature = tiny[i];
		ck_assert_int_eq(sampler_pick(&s, logits, &p, &r), 1);
		sampler_distribution(&s, logits, &p, probs);
		for (int k = 0; k < 6; k++)
			ck_assert_msg(probs[k] == (k == 1 ? 1.0f : 0.0f), "t %g: p[%d] = %g", tiny[i], k, probs[k]);
	}
	/* Just above the line it still samples: the two best are tied. */
	p.temperature = SAMPLER_GREEDY_BELOW;
	sampler_distribution(&s, logits, &p, probs);
	ck_assert_double_eq_tol(probs[1], 0.5, 1e-6);
	ck_assert_double_eq_tol(probs[3], 0.5, 1e-6);
	sampler_free(&s);
}
END_TEST

START_TEST(distribution_is_tempered_softmax)
{
	struct sampler s;
	struct status st = STATUS_INIT;
	sampler_init(&s, 6, &st);
	struct sampler_params p = { 0.5f, 0, 1.0f };
	float probs[6];
	sampler_distribution(&s, logits, &p, probs);
	double z = 0;
	for (int i = 0; i < 6; i++)
		z += exp(logits[i] / 0.5);
	for (int i = 0; i < 6; i++)
		ck_assert_double_eq_tol(probs[i], exp(logits[i] / 0.5) / z, 1e-6);
	sampler_free(&s);
}
END_TEST

START_TEST(top_k_and_top_p_filter)
{
	struct sampler s;
	struct status st = STATUS_INIT;
	sampler_init(&s, 6, &st);
	float probs[6];
	struct sampler_params p = { 1.0f, 3, 1.0f };
	sampler_distribution(&s, logits, &p, probs);
	/* The three best are ids 1, 3 (tied at 3.0) and 2. */
	double z = 2 * exp(3.0) + exp(2.0);
	ck_assert_double_eq_tol(probs[1], exp(3.0) / z, 1e-6);
	ck_assert_double_eq_tol(probs[3], exp(3.0) / z, 1e-6);
	ck_assert_double_eq_tol(probs[2], exp(2.0) / z, 1e-6);
	ck_assert(probs[0] == 0 && probs[4] == 0 && probs[5] == 0);

	/* top-p 0.5: id 1 alone has about 0.39 of the mass, ids 1 and 3 about 0.78. */
	p.top_k = 0;
	p.top_p = 0.5f;
	sampler_distribution(&s, logits, &p, probs);
	ck_assert_double_eq_tol(probs[1], 0.5, 1e-6);
	ck_assert_double_eq_tol(probs[3], 0.5, 1e-6);
	for (int i = 0; i < 6; i++)
		if (i != 1 && i != 3)
			ck_assert(probs[i] == 0.0f);
	/* A tiny top-p still keeps the most likely token. */
	p.top_p = 1e-6f;
	sampler_distribution(&s, logits, &p, probs);
	ck_assert_double_eq_tol(probs[1], 1.0, 1e-6);
	sampler_free(&s);
}
END_TEST

START_TEST(picks_follow_the_distribution)
{
	struct sampler s;
	struct status st = STATUS_INIT;
	struct rng r;
	rng_seed(&r, 77);
	sampler_init(&s, 6, &st);
	struct sampler_params p = { 1.0f, 0, 0.95f };
	float probs[6];
	sampler_distribution(&s, logits, &p, probs);
	int counts[6] = { 0 };
	const int n = 60000;
	for (int i = 0; i < n; i++)
		counts[sampler_pick(&s, logits, &p, &r)]++;
	double chi = 0;
	int dof = -1;
	for (int i = 0; i < 6; i++) {
		if (probs[i] == 0.0f) {
			ck_assert_int_eq(counts[i], 0);
			continue;
		}
		double e = probs[i] * n;
		chi += (counts[i] - e) * (counts[i] - e) / e;
		dof++;
	}
	ck_assert_int_ge(dof, 2);
	ck_assert_double_lt(chi, 20.5); /* chi-square p = 0.001 for up to 5 dof */
	sampler_free(&s);
}
END_TEST

/* A vocabulary of several SAMPLER_CHUNKs is scanned on the pool: the same
 * picks on 1 and 2 threads, the serial argmax's pick (the first of tied
 * maxima, a NaN passed over, even at a chunk's start), and the softmax. */
START_TEST(chunked_vocabulary_is_thread_independent)
{
	const int n = 3 * SAMPLER_CHUNK + 77;
	float *l = malloc((size_t)n * sizeof *l), *probs = malloc((size_t)n * sizeof *probs);
	ck_assert(l && probs);
	struct rng r;
	rng_seed(&r, 5);
	for (int i = 0; i < n; i++)
		l[i] = 2.0f * rng_normal(&r);
	l[SAMPLER_CHUNK] = NAN;                 /* a chunk that starts with a NaN */
	l[SAMPLER_CHUNK + 9] = 20.0f;           /* holds the maximum, */
	l[3 * SAMPLER_CHUNK + 5] = 20.0f;       /* tied later on */
	struct sampler s;
	struct status st = STATUS_INIT;
	ck_assert_int_eq(sampler_init(&s, n, &st), STATUS_OK);
	struct sampler_params greedy = { 0.0f, 0, 1.0f }, warm = { 8.0f, 0, 1.0f };
	int picks[2][200];
	for (int t = 1; t <= 2; t++) {
		pool_set_threads(t);
		ck_assert_int_eq(sampler_pick(&s, l, &greedy, &r), SAMPLER_CHUNK + 9);
		ck_assert_int_eq(sampler_argmax(l, n), SAMPLER_CHUNK + 9);
		struct rng q;
		rng_seed(&q, 11);
		for (int i = 0; i < 200; i++)
			picks[t - 1][i] = sampler_pick(&s, l, &warm, &q);
	}
	ck_assert_mem_eq(picks[0], picks[1], sizeof picks[0]);
	l[SAMPLER_CHUNK] = 0.0f;
	sampler_distribution(&s, l, &warm, probs);
	double z = 0.0, total = 0.0;
	for (int i = 0; i < n; i++)
		z += exp((l[i] - 20.0) / 8.0);
	for (int i = 0; i < n; i++) {
		ck_assert_double_eq_tol(probs[i], exp((l[i] - 20.0) / 8.0) / z, 1e-6);
		total += probs[i];
	}
	ck_assert_double_eq_tol(total, 1.0, 1e-5);
	pool_set_threads(1);
	sampler_free(&s);
	free(l);
	free(probs);
}
END_TEST

/* top-p keeps the best tokens by a partial heap selection: it must give
 * exactly what sorting every token and cutting gives (the sort redone here
 * on the unfiltered distribution, the same bits expected), on a vocabulary
 * of several chunks with ties. */
static int by_prob(const void *a, const void *b)
{
	const struct sampler_pair *x = a, *y = b;
	if (x->p != y->p)
		return x->p < y->p ? 1 : -1;
	return x->id - y->id;
}

START_TEST(top_p_selection_equals_the_full_sort)
{
	const int n = 2 * SAMPLER_CHUNK + 301;
	float *l = malloc((size_t)n * sizeof *l), *all = malloc((size_t)n * sizeof *all),
	      *got = malloc((size_t)n * sizeof *got);
	struct sampler_pair *ref = malloc((size_t)n * sizeof *ref);
	ck_assert(l && all && got && ref);
	struct rng r;
	rng_seed(&r, 19);
	for (int i = 0; i < n; i++)
		l[i] = i % 97 == 0 ? 1.5f : 0.5f * rng_normal(&r); /* ties at 1.5 */
	struct sampler s;
	struct status st = STATUS_INIT;
	ck_assert_int_eq(sampler_init(&s, n, &st), STATUS_OK);
	const float tops[] = { 0.3f, 0.9f, 0.999f };
	for (int t = 0; t < 3; t++) {
		struct sampler_params full = { 0.8f, 0, 1.0f }, p = { 0.8f, 0, tops[t] };
		sampler_distribution(&s, l, &full, all);
		sampler_distribution(&s, l, &p, got);
		for (int i = 0; i < n; i++)
			ref[i] = (struct sampler_pair){ all[i], i };
		qsort(ref, (size_t)n, sizeof *ref, by_prob);
		double cum = 0.0;
		int keep = n;
		for (int i = 0; i < n; i++) {
			cum += ref[i].p;
			if (cum >= tops[t]) {
				keep = i + 1;
				break;
			}
		}
		ck_assert_int_gt(keep, 1);
		ck_assert_int_lt(keep, n);
		int kept = 0;
		for (int i = 0; i < n; i++)
			kept += got[i] != 0.0f;
		ck_assert_int_eq(kept, keep);
		for (int i = 0; i < keep; i++)
			ck_assert_msg(got[ref[i].id] == (float)(ref[i].p / cum), "top-p %g, rank %d: %a vs %a",
			              (double)tops[t], i, (double)got[ref[i].id], (double)(float)(ref[i].p / cum));
		/* and a pick scans them best first, as the sorted list does */
		for (uint64_t seed = 0; seed < 64; seed++) {
			struct rng q;
			rng_seed(&q, seed);
			float u = rng_uniform(&q), c = 0.0f;
			int want = ref[keep - 1].id;
			for (int i = 0; i < keep; i++) {
				c += (float)(ref[i].p / cum);
				if (u < c) {
					want = ref[i].id;
					break;
				}
			}
			rng_seed(&q, seed);
			ck_assert_int_eq(sampler_pick(&s, l, &p, &q), want);
		}
	}
	sampler_free(&s);
	free(l);
	free(all);
	free(got);
	free(ref);
}
END_TEST

/* With no filter a pick scans unnormalised exponentials: it still follows
 * the distribution, and a -inf logit (a token held back) is never drawn. */
START_TEST(unfiltered_picks_follow_the_distribution)
{
	const float lg[6] = { -INFINITY, 1.0f, 0.2f, 2.0f, -INFINITY, 0.5f };
	struct sampler s;
	struct status st = STATUS_INIT;
	struct rng r;
	rng_seed(&r, 23);
	ck_assert_int_eq(sampler_init(&s, 6, &st), STATUS_OK);
	struct sampler_params p = { 1.3f, 0, 1.0f };
	float probs[6];
	sampler_distribution(&s, lg, &p, probs);
	ck_assert(probs[0] == 0.0f && probs[4] == 0.0f);
	int counts[6] = { 0 };
	const int n = 60000;
	for (int i = 0; i < n; i++)
		counts[sampler_pick(&s, lg, &p, &r)]++;
	ck_assert_int_eq(counts[0], 0);
	ck_assert_int_eq(counts[4], 0);
	double chi = 0;
	for (int i = 0; i < 6; i++)
		if (probs[i] > 0.0f)
			chi += (counts[i] - probs[i] * n) * (counts[i] - probs[i] * n) / (probs[i] * n);
	ck_assert_double_lt(chi, 16.3); /* chi-square p = 0.001 for 3 dof */
	sampler_free(&s);
}
END_TEST

Suite *harness_suite(void)
{
	Suite *s = suite_create("rng");
	harness_add(s, "rng",
	            same_seed_same_stream,
	            uniform_and_normal_moments,
	            below_is_uniform,
	            gamma_and_dirichlet_means,
	            shuffle_is_a_permutation,
	            epoch_order_depends_on_seed_and_epoch_alone,
	            NULL);
	harness_add(s, "sampler",
	            greedy_picks_lowest_argmax,
	            distribution_is_tempered_softmax,
	            top_k_and_top_p_filter,
	            picks_follow_the_distribution,
	            chunked_vocabulary_is_thread_independent,
	            top_p_selection_equals_the_full_sort,
	            unfiltered_picks_follow_the_distribution,
	            NULL);
	return s;
}
