/* engine/gemv and engine/pool: decoding products against a double-precision
 * reference, BF16 against F32, threads and row grouping changing nothing. */
#include "config.h"

#include "tests/harness.h"
#include "tests/gpt2_util.h"
#include "engine/decoder.h"
#include "engine/gemv.h"
#include "engine/kernels.h"
#include "engine/pool.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

/* Sizes off every vector width and panel: 3 full panels and a part. */
enum { IC = 37, OC = 101, RMAX = 5 };

static float *gv_random(size_t n, unsigned seed)
{
	float *v = malloc(n * sizeof *v);
	uint64_t s = seed * 2654435761ull + 7;
	for (size_t i = 0; i < n; i++) {
		s = s * 6364136223846793005ull + 1442695040888963407ull;
		v[i] = (float)((double)(s >> 40) / (double)(1 << 24) - 0.5);
	}
	return v;
}

/* max |got - want| / max |want| */
static double gv_relerr(const float *got, const double *want, size_t n)
{
	double d = 0.0, big = 0.0;
	for (size_t i = 0; i < n; i++) {
		d = fmax(d, fabs(got[i] - want[i]));
		big = fmax(big, fabs(want[i]));
	}
	return d / big;
}

static void gv_reference_xw(double *y, const float *y0, const float *x, const float *w,
                            const float *bias, size_t R, int accumulate)
{
	for (size_t r = 0; r < R; r++)
		for (size_t c = 0; c < OC; c++) {
			double s = (accumulate ? y0[r * OC + c] : 0.0) + (bias ? bias[c] : 0.0);
			for (size_t i = 0; i < IC; i++)
				s += (double)x[r * IC + i] * w[i * OC + c];
			y[r * OC + c] = s;
		}
}

START_TEST(products_match_double_precision)
{
	float *x = gv_random(RMAX * IC, 1), *w = gv_random(IC * OC, 2), *bias = gv_random(OC, 3);
	float *y0 = gv_random(RMAX * OC, 4), *y = malloc(RMAX * OC * sizeof *y);
	float *wr = malloc(IC * OC * sizeof *wr);
	uint16_t *wb = malloc(IC * OC * sizeof *wb), *wp = malloc(IC * OC * sizeof *wp);
	double *want = malloc(RMAX * OC * sizeof *want);
	/* the BF16 weights as floats: the packed product must equal their F32 product */
	gemv_bf16_from_f32(wb, w, IC * OC);
	for (size_t i = 0; i < IC * OC; i++)
		wr[i] = gemv_bf16_to_f32(wb[i]);
	gemv_pack_bf16(wp, w, IC, OC);
	for (size_t R = 1; R <= RMAX; R++)
		for (int acc = 0; acc < 2; acc++) {
			const float *b = acc ? NULL : bias;
			memcpy(y, y0, R * OC * sizeof *y);
			gemv_xw(y, x, w, b, R, IC, OC, acc);
			gv_reference_xw(want, y0, x, w, b, R, acc);
			ck_assert_msg(gv_relerr(y, want, R * OC) < 1e-6, "F32 R=%zu acc=%d", R, acc);
			memcpy(y, y0, R * OC * sizeof *y);
			gemv_xw_bf16(y, x, wp, b, R, IC, OC, acc);
			gv_reference_xw(want, y0, x, wr, b, R, acc);
			ck_assert_msg(gv_relerr(y, want, R * OC) < 1e-6, "BF16 R=%zu acc=%d", R, acc);
			/* and BF16 against the unrounded weights: within BF16 rounding */
			gv_reference_xw(want, y0, x, w, b, R, acc);
			double e = gv_relerr(y, want, R * OC);
			ck_assert_msg(e < 1e-2 && e > 1e-6, "BF16 vs F32 R=%zu: %g", R, e);
		}
	/* x E^T with E [OC, IC] */
	for (size_t R = 1; R <= RMAX; R++) {
		for (size_t r = 0; r < R; r++)
			for (size_t v = 0; v < OC; v++) {
				double s = 0.0;
				for (size_t i = 0; i < IC; i++)
					s += (double)x[r * IC + i] * wr[v * IC + i];
				want[r * OC + v] = s;
			}
		gemv_xet(y, x, wr, NULL, R, IC, OC);
		ck_assert_msg(gv_relerr(y, want, R * OC) < 1e-6, "xet F32 R=%zu", R);
		gemv_xet(y, x, NULL, wb, R, IC, OC);
		ck_assert_msg(gv_relerr(y, want, R * OC) < 1e-6, "xet BF16 R=%zu", R);
	}
	free(x); free(w); free(bias); free(y0); free(y); free(wr); free(wb); free(wp); free(want);
}
END_TEST

START_TEST(bf16_rounds_to_nearest_even)
{
	float in[5] = { 1.0f, 1.00390625f /* tie: stays 1 */, 1.01171875f /* tie: up */, -2.5f,
	                NAN };
	uint16_t out[5];
	gemv_bf16_from_f32(out, in, 5);
	ck_assert_uint_eq(out[0], 0x3f80);
	ck_assert_uint_eq(out[1], 0x3f80);
	ck_assert_uint_eq(out[2], 0x3f82);
	ck_assert_float_eq(gemv_bf16_to_f32(out[3]), -2.5f);
	ck_assert(isnan(gemv_bf16_to_f32(out[4])));
}
END_TEST

/* Row r's result is the same bits alone, in a group, on 1 or 3 threads. */
START_TEST(threads_and_row_groups_change_no_bit)
{
	enum { BIGI = 300, BIGO = 1000 }; /* several parts per thread */
	float *x = gv_random(RMAX * BIGI, 5), *w = gv_random(BIGI * BIGO, 6);
	uint16_t *wp = malloc(BIGI * BIGO * sizeof *wp);
	gemv_pack_bf16(wp, w, BIGI, BIGO);
	float *ref = malloc(3 * RMAX * BIGO * sizeof *ref), *got = malloc(RMAX * BIGO * sizeof *got);
	pool_set_threads(1);
	gemv_xw(ref, x, w, NULL, RMAX, BIGI, BIGO, 0);
	gemv_xw_bf16(ref + RMAX * BIGO, x, wp, NULL, RMAX, BIGI, BIGO, 0);
	gemv_xet(ref + 2 * RMAX * BIGO, x, w, NULL, RMAX, BIGI, BIGO);
	for (int th = 1; th <= 3; th += 2) {
		pool_set_threads(th);
		ck_assert_int_eq(pool_threads(), th);
		for (size_t r = 0; r < RMAX; r++) {
			/* one row alone, then all rows */
			gemv_xw(got, x + r * BIGI, w, NULL, 1, BIGI, BIGO, 0);
			ck_assert_mem_eq(got, ref + r * BIGO, BIGO * sizeof *got);
			gemv_xw_bf16(got, x + r * BIGI, wp, NULL, 1, BIGI, BIGO, 0);
			ck_assert_mem_eq(got, ref + (RMAX + r) * BIGO, BIGO * sizeof *got);
			gemv_xet(got, x + r * BIGI, w, NULL, 1, BIGI, BIGO);
			ck_assert_mem_eq(got, ref + (2 * RMAX + r) * BIGO, BIGO * sizeof *got);
		}
		gemv_xw_bf16(got, x, wp, NULL, RMAX, BIGI, BIGO, 0);
		ck_assert_mem_eq(got, ref + RMAX * BIGO, RMAX * BIGO * sizeof *got);
	}
	pool_set_threads(1);
	free(x); free(w); free(wp); free(ref); free(got);
}
END_TEST

static void pool_add(void *ctx, size_t lo, size_t hi)
{
	double *v = ctx;
	for (size_t i = lo; i < hi; i++)
		v[i] += (double)i;
}

START_TEST(pool_covers_every_index_once)
{
	double v[1000] = { 0 };
	pool_set_threads(2);
	for (int k = 0; k < 200; k++) /* many handoffs: no part lost or run twice */
		pool_for(1000, 7, pool_add, v);
	for (size_t i = 0; i < 1000; i++)
		ck_assert_double_eq(v[i], 200.0 * (double)i);
	pool_set_threads(1);
}
END_TEST

/* After fork() the child has no workers: pool_for must not wait for them. */
START_TEST(pool_works_in_a_forked_child)
{
	pool_set_threads(2);
	double v[100] = { 0 };
	pool_for(100, 1, pool_add, v); /* the workers exist now */
	pid_t pid = fork();
	ck_assert_int_ge(pid, 0);
	if (pid == 0) {
		double w[100] = { 0 };
		pool_for(100, 1, pool_add, w);
		pool_set_threads(2); /* and new workers can be made */
		pool_for(100, 1, pool_add, w);
		_exit(w[99] == 198.0 && pool_threads() == 2 ? 0 : 1);
	}
	int status = 0;
	ck_assert_int_eq(waitpid(pid, &status, 0), pid);
	ck_assert(WIFEXITED(status) && WEXITSTATUS(status) == 0);
	pool_set_threads(1);
}
END_TEST

/* BF16 decoding: logits within 2% (of the largest) of F32 on a random model of
 * GPT-2's proportions; F32 small calls equal the BLIS path to 1e-5. */
START_TEST(bf16_decoding_stays_near_f32)
{
	struct status st = STATUS_INIT;
	struct model_config c = gpt2_util_tiny(0);
	c.n_embd = 64; c.n_head = 4; c.n_inner = 256; c.vocab_size = 500; c.n_positions = 16;
	struct model_params p;
	ck_assert_int_eq(model_params_alloc(&p, &c, &st), STATUS_OK);
	gpt2_util_randomize(&p, 3);
	struct decoder_weights wb;
	ck_assert_int_eq(decoder_weights_bf16(&wb, &p, &st), STATUS_OK);
	struct decoder d[2];
	int seq[12] = { 0 }, tok[12] = { 3, 17, 400, 2, 99, 250, 7, 7, 1, 480, 64, 5 };
	float *lg[2];
	for (int k = 0; k < 2; k++) {
		ck_assert_int_eq(decoder_init(&d[k], &p, 1, 16, &st), STATUS_OK);
		lg[k] = malloc(12 * 500 * sizeof(float));
	}
	decoder_set_weights(&d[1], &wb);
	/* one row per call: the GEMV paths (F32 in d[0], BF16 in d[1]) */
	for (int t = 0; t < 12; t++)
		for (int k = 0; k < 2; k++)
			ck_assert_int_eq(decoder_step(&d[k], seq, tok + t, 1, NULL, lg[k] + t * 500, NULL,
			                              &st), STATUS_OK);
	double diff = 0.0, big = 0.0;
	for (size_t i = 0; i < 12 * 500; i++) {
		diff = fmax(diff, fabs(lg[1][i] - lg[0][i]));
		big = fmax(big, fabs(lg[0][i]));
	}
	ck_assert_msg(diff <= 0.02 * big && diff > 0.0, "BF16 logits differ by %g of %g", diff, big);
	/* all 12 rows in one call go through BLIS on F32 */
	float *all = malloc(12 * 500 * sizeof *all);
	decoder_reset(&d[0]);
	ck_assert_int_eq(decoder_step(&d[0], seq, tok, 12, NULL, all, NULL, &st), STATUS_OK);
	diff = 0.0;
	for (size_t i = 0; i < 12 * 500; i++)
		diff = fmax(diff, fabs(all[i] - lg[0][i]));
	ck_assert_msg(diff <= 1e-5 * big, "GEMV vs BLIS: %g of %g", diff, big);
	for (int k = 0; k < 2; k++) {
		decoder_free(&d[k]);
		free(lg[k]);
	}
	free(all);
	decoder_weights_free(&wb);
	model_params_free(&p);
}
END_TEST

Suite *harness_suite(void)
{
	Suite *s = suite_create("gemv");
	harness_add(s, "gemv",
	            products_match_double_precision,
	            bf16_rounds_to_nearest_even,
	            threads_and_row_groups_change_no_bit,
	            pool_covers_every_index_once,
	            pool_works_in_a_forked_child,
	            bf16_decoding_stays_near_f32,
	            NULL);
	return s;
}
