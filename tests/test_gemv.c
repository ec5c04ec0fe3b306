/* engine/gemv and engine/pool: decoding products against a double-precision
 * reference, BF16 and int8 against F32, threads and row grouping changing
 * nothing. */
#include "config.h"

#include "tests/harness.h"
#include "tests/gpt2_util.h"
#include "engine/checkpoint.h"
#include "engine/decoder.h"
#include "engine/gemv.h"
#include "engine/gemv_q8.h"
#include "engine/kernels.h"
#include "engine/pool.h"
#include "engine/tokenizer.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

/* Sizes off every vector width and panel: 3 full panels and a part. */
enum { IC = 37, OC = 101, RMAX = 14 }; /* rows: tiles of 6 and every remainder */

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
                            const float *bias, size_t R, size_t ic, size_t oc, int accumulate)
{
	for (size_t r = 0; r < R; r++)
		for (size_t c = 0; c < oc; c++) {
			double s = (accumulate ? y0[r * oc + c] : 0.0) + (bias ? bias[c] : 0.0);
			for (size_t i = 0; i < ic; i++)
				s += (double)x[r * ic + i] * w[i * oc + c];
			y[r * oc + c] = s;
		}
}

START_TEST(products_match_double_precision)
{
	float *x = gpt2_util_uniform(RMAX * IC, 1), *w = gpt2_util_uniform(IC * OC, 2);
	float *bias = gpt2_util_uniform(OC, 3);
	float *y0 = gpt2_util_uniform(RMAX * OC, 4), *y = malloc(RMAX * OC * sizeof *y);
	float *wr = malloc(IC * OC * sizeof *wr);
	uint16_t *wb = malloc(IC * OC * sizeof *wb), *wp = malloc(IC * OC * sizeof *wp);
	double *want = malloc(RMAX * OC * sizeof *want);
	/* the BF16 weights as floats: the packed product must equal their F32 product */
	gemv_bf16_from_f32(wb, w, IC * OC);
	for (size_t i = 0; i < IC * OC; i++)
		wr[i] = gemv_bf16_to_f32(wb[i]);
	gemv_pack_bf16(wp, w, IC, OC);
	uint16_t *hp = malloc(IC * OC * sizeof *hp); /* w as a head E [OC, IC] */
	gemv_pack_bf16_rows(hp, w, OC, IC);
	/* with vdpbf16ps the activations are rounded to BF16 as well: xb is what
	 * the BF16 products multiply (x itself at the other levels) */
	float *xb = malloc(RMAX * IC * sizeof *xb);
	uint16_t *xh = malloc(RMAX * IC * sizeof *xh);
	gemv_bf16_from_f32(xh, x, RMAX * IC);
	for (size_t i = 0; i < RMAX * IC; i++)
		xb[i] = gemv_bf16_dot() ? gemv_bf16_to_f32(xh[i]) : x[i];
	for (size_t R = 1; R <= RMAX; R++)
		for (int acc = 0; acc < 2; acc++) {
			const float *b = acc ? NULL : bias;
			memcpy(y, y0, R * OC * sizeof *y);
			gemv_xw(y, x, w, b, R, IC, OC, acc);
			gv_reference_xw(want, y0, x, w, b, R, IC, OC, acc);
			ck_assert_msg(gv_relerr(y, want, R * OC) < 1e-6, "F32 R=%zu acc=%d", R, acc);
			memcpy(y, y0, R * OC * sizeof *y);
			gemv_xw_bf16(y, x, wp, b, R, IC, OC, acc);
			gv_reference_xw(want, y0, xb, wr, b, R, IC, OC, acc);
			ck_assert_msg(gv_relerr(y, want, R * OC) < 1e-6, "BF16 R=%zu acc=%d", R, acc);
			/* and BF16 against the unrounded weights: within BF16 rounding */
			gv_reference_xw(want, y0, x, w, b, R, IC, OC, acc);
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
		gemv_xet(y, x, wr, R, IC, OC);
		ck_assert_msg(gv_relerr(y, want, R * OC) < 1e-6, "xet F32 R=%zu", R);
		/* BF16: E packed as W = E^T from its rows, as a head is */
		gemv_xw_bf16(y, x, hp, NULL, R, IC, OC, 0);
		double e = gv_relerr(y, want, R * OC);
		ck_assert_msg(e < 1e-2, "head BF16 vs F32 activations R=%zu: %g", R, e);
		for (size_t r = 0; r < R; r++)
			for (size_t v = 0; v < OC; v++) {
				double s = 0.0;
				for (size_t i = 0; i < IC; i++)
					s += (double)xb[r * IC + i] * wr[v * IC + i];
				want[r * OC + v] = s;
			}
		ck_assert_msg(gv_relerr(y, want, R * OC) < 1e-6, "head BF16 R=%zu", R);
	}
	free(x); free(w); free(bias); free(y0); free(y); free(wr); free(wb); free(wp); free(want);
	free(xb); free(xh); free(hp);
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
	/* the vector path (16 at a time) gives the bits of the rule itself on
	 * every kind of value: random bit patterns, ties, NaNs of both signs and
	 * payloads, infinities, the largest finite values, and an odd tail */
	enum { N = 4099 };
	uint32_t *bits = malloc(N * sizeof *bits);
	uint16_t *got = malloc(N * sizeof *got);
	ck_assert(bits && got);
	uint64_t z = 88172645463325252ull;
	for (size_t i = 0; i < N; i++) {
		z ^= z << 13, z ^= z >> 7, z ^= z << 17;
		bits[i] = (uint32_t)z;
	}
	const uint32_t special[] = { 0x7f800000u, 0xff800000u, 0x7fc00000u, 0xffc00001u, 0x7f800001u,
	                             0x7f7fffffu, 0xff7fffffu, 0x3f808000u, 0x3f818000u, 0x00008000u,
	                             0x80000000u, 0x7fffffffu };
	for (size_t i = 0; i < sizeof special / sizeof special[0]; i++)
		bits[3 * i + 1] = special[i];
	gemv_bf16_from_f32(got, (const float *)(const void *)bits, N);
	for (size_t i = 0; i < N; i++) {
		uint32_t u = bits[i];
		uint16_t want = (u & 0x7fffffffu) > 0x7f800000u ? (uint16_t)((u >> 16) | 0x40)
		                                                : (uint16_t)((u + 0x7fffu + ((u >> 16) & 1u)) >> 16);
		ck_assert_msg(got[i] == want, "value %zu (0x%08x): 0x%04x, want 0x%04x", i, u, got[i], want);
	}
	free(bits);
	free(got);
}
END_TEST

/* A head packed from its rows [OC, IC] (gemv_pack_bf16_rows) is the same
 * panels as W = E^T packed from [IC, OC], odd inputs and a narrow last
 * panel included, and each of its columns reads back as E's row rounded. */
START_TEST(bf16_panels_from_rows_are_the_panels_of_the_transpose)
{
	const size_t shapes[3][2] = { { IC, OC }, { 64, 2 * GEMV_PANEL }, { 1, 5 } };
	for (size_t k = 0; k < 3; k++) {
		size_t ic = shapes[k][0], oc = shapes[k][1];
		float *e = gpt2_util_uniform(oc * ic, 17 + (unsigned)k), *w = malloc(ic * oc * sizeof *w);
		float *col = malloc(ic * sizeof *col);
		uint16_t *a = malloc(ic * oc * sizeof *a), *b = malloc(ic * oc * sizeof *b);
		uint16_t *rows = malloc(oc * ic * sizeof *rows);
		ck_assert(e && w && col && a && b && rows);
		for (size_t c = 0; c < oc; c++)
			for (size_t i = 0; i < ic; i++)
				w[i * oc + c] = e[c * ic + i];
		gemv_pack_bf16(a, w, ic, oc);
		gemv_pack_bf16_rows(b, e, oc, ic);
		ck_assert_msg(memcmp(a, b, ic * oc * sizeof *a) == 0, "shape %zu x %zu", ic, oc);
		gemv_bf16_from_f32(rows, e, oc * ic);
		for (size_t c = 0; c < oc; c++) {
			gemv_bf16_panel_column(col, b, ic, oc, c);
			for (size_t i = 0; i < ic; i++)
				ck_assert_msg(col[i] == gemv_bf16_to_f32(rows[c * ic + i]),
				              "shape %zu x %zu: column %zu input %zu", ic, oc, c, i);
		}
		free(e);
		free(w);
		free(col);
		free(a);
		free(b);
		free(rows);
	}
}
END_TEST

/* Row r's result is the same bits alone, in a group, on 1 or 3 threads. */
START_TEST(threads_and_row_groups_change_no_bit)
{
	enum { BIGI = 300, BIGO = 1000, K = 5 }; /* several parts per thread; K products */
	float *x = gpt2_util_uniform(RMAX * BIGI, 5), *w = gpt2_util_uniform(BIGI * BIGO, 6);
	uint16_t *wp = malloc(BIGI * BIGO * sizeof *wp);
	int8_t *q = malloc(gemv_q8_bytes(BIGI, BIGO)), *qe = malloc(gemv_q8_bytes(BIGI, BIGO));
	float *sc = malloc(gemv_q8_scales(BIGI, BIGO) * sizeof *sc);
	float *sce = malloc(gemv_q8_scales(BIGI, BIGO) * sizeof *sce);
	gemv_pack_bf16(wp, w, BIGI, BIGO);
	gemv_pack_q8(q, sc, w, BIGI, BIGO);
	gemv_pack_q8_rows(qe, sce, w, BIGO, BIGI);
	float *ref = malloc(K * RMAX * BIGO * sizeof *ref), *got = malloc(RMAX * BIGO * sizeof *got);
	pool_set_threads(1);
	for (int k = 0; k < K; k++) {
		float *y = ref + k * RMAX * BIGO;
		const float *xx = x;
		size_t R = RMAX;
		switch (k) {
		case 0: gemv_xw(y, xx, w, NULL, R, BIGI, BIGO, 0); break;
		case 1: gemv_xw_bf16(y, xx, wp, NULL, R, BIGI, BIGO, 0); break;
		case 2: gemv_xet(y, xx, w, R, BIGI, BIGO); break;
		case 3: gemv_q8(y, xx, q, sc, NULL, R, BIGI, BIGO, 0); break;
		default: gemv_q8(y, xx, qe, sce, NULL, R, BIGI, BIGO, 0); break;
		}
	}
	for (int th = 1; th <= 3; th += 2) {
		pool_set_threads(th);
		ck_assert_int_eq(pool_threads(), th);
		for (int k = 0; k < K; k++)
			for (size_t r = 0; r <= RMAX; r++) {
				/* one row alone, then (r == RMAX) all rows */
				const float *xx = r < RMAX ? x + r * BIGI : x;
				size_t R = r < RMAX ? 1 : RMAX;
				switch (k) {
				case 0: gemv_xw(got, xx, w, NULL, R, BIGI, BIGO, 0); break;
				case 1: gemv_xw_bf16(got, xx, wp, NULL, R, BIGI, BIGO, 0); break;
				case 2: gemv_xet(got, xx, w, R, BIGI, BIGO); break;
				case 3: gemv_q8(got, xx, q, sc, NULL, R, BIGI, BIGO, 0); break;
				default: gemv_q8(got, xx, qe, sce, NULL, R, BIGI, BIGO, 0); break;
				}
				const float *want = ref + (k * RMAX + (r < RMAX ? r : 0)) * BIGO;
				ck_assert_msg(memcmp(got, want, R * BIGO * sizeof *got) == 0,
				              "product %d, row %zu, %d threads", k, r, th);
			}
	}
	pool_set_threads(1);
	free(x); free(w); free(wp); free(q); free(qe); free(sc); free(sce); free(ref); free(got);
}
END_TEST

/* More rows than one block of sums (60) and inputs in several chunks (256),
 * an odd input at the end and a narrow last panel (BF16: 100 = 3 x 32 + 4;
 * the rows' activations lie in blocks of a tile's rows, which the narrow
 * panel's plain path reads too): every row still gets the bits it gets
 * alone. */
START_TEST(many_rows_match_one_row)
{
	enum { MI = 601, MO = 100, MR = 67 };
	float *x = gpt2_util_uniform(MR * MI, 21), *w = gpt2_util_uniform(MI * MO, 22);
	uint16_t *wp = malloc(MI * MO * sizeof *wp);
	int8_t *q = malloc(gemv_q8_bytes(MI, MO));
	float *sc = malloc(gemv_q8_scales(MI, MO) * sizeof *sc);
	float *all = malloc(MR * MO * sizeof *all), one[MO];
	gemv_pack_bf16(wp, w, MI, MO);
	gemv_pack_q8(q, sc, w, MI, MO);
	for (int k = 0; k < 2; k++) {
		if (k == 0)
			gemv_xw_bf16(all, x, wp, NULL, MR, MI, MO, 0);
		else
			gemv_q8(all, x, q, sc, NULL, MR, MI, MO, 0);
		for (size_t r = 0; r < MR; r++) {
			if (k == 0)
				gemv_xw_bf16(one, x + r * MI, wp, NULL, 1, MI, MO, 0);
			else
				gemv_q8(one, x + r * MI, q, sc, NULL, 1, MI, MO, 0);
			ck_assert_msg(memcmp(one, all + r * MO, sizeof one) == 0, "%s row %zu",
			              k ? "int8" : "bf16", r);
		}
	}
	free(x); free(w); free(wp); free(q); free(sc); free(all);
}
END_TEST

/* F32 products of many rows (decoding steps of a batch, prefill): gemv_xw
 * runs them in tiles of rows (AVX-512 12 rows by 32 columns, AVX2 6 by 16,
 * blocks of rows beyond what stays in L2) where one row streams W; each
 * output must still be its one chain, (y or 0) + bias and then one fma per
 * input in order, so every row has the bits it has alone (and, for gemv_xw,
 * the chain's bits written out here, at every level), on 1 and 2 threads.
 * gemv_xet keeps its own order per output (lanes where there are vectors):
 * the same bits alone as among 37 rows. Shapes off every width: IC odd and
 * long enough for two blocks of rows (AVX-512: 36 and 1), OC not a multiple
 * of 16 (threads split it at 64), R not a multiple of a tile. */
START_TEST(f32_many_rows_have_the_bits_of_one_row)
{
	enum { FI = 3001, FO = 77, FR = 37 };
	float *x = gpt2_util_uniform(FR * FI, 51), *w = gpt2_util_uniform(FI * FO, 52);
	float *b = gpt2_util_uniform(FO, 53), *y0 = gpt2_util_uniform(FR * FO, 54);
	float *all = malloc(FR * FO * sizeof *all), *chain = malloc(FR * FO * sizeof *chain);
	float one[FO];
	ck_assert(x && w && b && y0 && all && chain);
	for (int mode = 0; mode < 3; mode++) { /* overwrite, accumulate, both with and without bias */
		int acc = mode > 0;
		const float *bias = mode == 2 ? NULL : b;
		for (size_t r = 0; r < FR; r++)
			for (size_t c = 0; c < FO; c++) {
				float s = acc ? y0[r * FO + c] : 0.0f;
				if (bias)
					s += bias[c];
				for (size_t i = 0; i < FI; i++)
					s = fmaf(x[r * FI + i], w[i * FO + c], s);
				chain[r * FO + c] = s;
			}
		for (int th = 1; th <= 2; th++) {
			pool_set_threads(th);
			memcpy(all, y0, FR * FO * sizeof *all);
			gemv_xw(all, x, w, bias, FR, FI, FO, acc);
			for (size_t r = 0; r < FR; r++) {
				memcpy(one, y0 + r * FO, sizeof one);
				gemv_xw(one, x + r * FI, w, bias, 1, FI, FO, acc);
				ck_assert_msg(memcmp(one, all + r * FO, sizeof one) == 0,
				              "gemv_xw row %zu, %d threads, accumulate %d", r, th, acc);
				ck_assert_msg(memcmp(one, chain + r * FO, sizeof one) == 0,
				              "gemv_xw row %zu is not the chain of fmas, accumulate %d", r,
				              acc);
			}
		}
	}
	/* x E^T with E [FO, FI]: W's values read as 77 rows of 3001 */
	for (int th = 1; th <= 2; th++) {
		pool_set_threads(th);
		gemv_xet(all, x, w, FR, FI, FO);
		for (size_t r = 0; r < FR; r++) {
			gemv_xet(one, x + r * FI, w, 1, FI, FO);
			ck_assert_msg(memcmp(one, all + r * FO, sizeof one) == 0, "gemv_xet row %zu, %d threads",
			              r, th);
		}
	}
	pool_set_threads(1);
	free(x); free(w); free(b); free(y0); free(all); free(chain);
}
END_TEST

/* gemv_q8_each: outputs whose widths are not multiples of the split's
 * grains or of the kernels' 4-channel blocks (so a thread's part ends inside
 * an output and inside a block), an odd last group, with and without bias,
 * overwriting and accumulating: each output the bits of gemv_q8 alone, on
 * 1, 2 and 3 threads; and no call for 0 or too many outputs. */
START_TEST(int8_products_of_one_x_in_one_call_match_each_alone)
{
	enum { EI = 70, N = 3, R = 5 };
	static const size_t oc[N] = { 21, 7, 50 };
	float *x = gpt2_util_uniform(R * EI, 31), *b = gpt2_util_uniform(64, 32);
	float *y0 = gpt2_util_uniform(R * 64, 33);
	int8_t *q[N];
	float *sc[N], want[N][R * 64], got[N][R * 64];
	for (int k = 0; k < N; k++) {
		float *w = gpt2_util_uniform(EI * oc[k], 34 + (unsigned)k);
		q[k] = malloc(gemv_q8_bytes(EI, oc[k]));
		sc[k] = malloc(gemv_q8_scales(EI, oc[k]) * sizeof *sc[k]);
		gemv_pack_q8(q[k], sc[k], w, EI, oc[k]);
		free(w);
	}
	for (int acc = 0; acc < 2; acc++)
		for (size_t rows = 1; rows <= R; rows += 2) {
			struct gemv_q8_out o[N];
			pool_set_threads(1);
			for (int k = 0; k < N; k++) {
				const float *bias = k == 1 ? NULL : b;
				memcpy(want[k], y0, sizeof want[k]);
				ck_assert_int_eq(gemv_q8(want[k], x, q[k], sc[k], bias, rows, EI, oc[k], acc), 0);
				o[k] = (struct gemv_q8_out){ got[k], q[k], sc[k], bias, oc[k] };
			}
			for (int th = 1; th <= 3; th++) {
				pool_set_threads(th);
				for (int k = 0; k < N; k++)
					memcpy(got[k], y0, sizeof got[k]);
				ck_assert_int_eq(gemv_q8_each(o, N, x, rows, EI, acc), 0);
				for (int k = 0; k < N; k++)
					ck_assert_msg(memcmp(got[k], want[k], rows * oc[k] * sizeof(float)) == 0,
					              "output %d, %zu rows, %d threads, accumulate %d", k, rows, th,
					              acc);
			}
		}
	struct gemv_q8_out many[GEMV_Q8_OUTS + 1];
	for (int k = 0; k <= GEMV_Q8_OUTS; k++)
		many[k] = (struct gemv_q8_out){ got[0], q[0], sc[0], NULL, oc[0] };
	ck_assert_int_eq(gemv_q8_each(many, 0, x, 1, EI, 0), -1);
	ck_assert_int_eq(gemv_q8_each(many, GEMV_Q8_OUTS + 1, x, 1, EI, 0), -1);
	pool_set_threads(1);
	for (int k = 0; k < N; k++) {
		free(q[k]);
		free(sc[k]);
	}
	free(x); free(b); free(y0);
}
END_TEST

/* gemv_xw_bf16_each: full and narrow panels (a thread's part ends inside
 * an output), an odd input count, one and three tiles of rows, with and
 * without bias, overwriting and accumulating: each output the bits of
 * gemv_xw_bf16 alone, on 1, 2 and 3 threads. */
START_TEST(bf16_products_of_one_x_in_one_call_match_each_alone)
{
	enum { EI = 71, N = 3, RM = 26, OM = 96 };
	static const size_t oc[N] = { 40, 7, OM }, rows[] = { 1, 5, 13, RM };
	float *x = gpt2_util_uniform(RM * EI, 41), *b = gpt2_util_uniform(OM, 42);
	float *y0 = gpt2_util_uniform(RM * OM, 43), *want[N], *got[N];
	uint16_t *wp[N];
	struct gemv_bf16_out o[N];
	for (int k = 0; k < N; k++) {
		float *w = gpt2_util_uniform(EI * oc[k], 44 + (unsigned)k);
		wp[k] = malloc(EI * oc[k] * sizeof *wp[k]);
		want[k] = malloc(RM * OM * sizeof *want[k]);
		got[k] = malloc(RM * OM * sizeof *got[k]);
		ck_assert(wp[k] && want[k] && got[k]);
		gemv_pack_bf16(wp[k], w, EI, oc[k]);
		o[k] = (struct gemv_bf16_out){ got[k], wp[k], k == 1 ? NULL : b, oc[k] };
		free(w);
	}
	for (int acc = 0; acc < 2; acc++)
		for (size_t ri = 0; ri < sizeof rows / sizeof rows[0]; ri++) {
			size_t R = rows[ri];
			pool_set_threads(1);
			for (int k = 0; k < N; k++) {
				memcpy(want[k], y0, RM * OM * sizeof *y0);
				gemv_xw_bf16(want[k], x, wp[k], o[k].bias, R, EI, oc[k], acc);
			}
			for (int th = 1; th <= 3; th++) {
				pool_set_threads(th);
				for (int k = 0; k < N; k++)
					memcpy(got[k], y0, RM * OM * sizeof *y0);
				gemv_xw_bf16_each(o, N, x, R, EI, acc);
				for (int k = 0; k < N; k++)
					ck_assert_msg(memcmp(got[k], want[k], R * oc[k] * sizeof(float)) == 0,
					              "output %d, %zu rows, %d threads, accumulate %d", k, R, th,
					              acc);
			}
		}
	pool_set_threads(1);
	for (int k = 0; k < N; k++) {
		free(wp[k]);
		free(want[k]);
		free(got[k]);
	}
	free(x); free(b); free(y0);
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

/* Reduced-precision decoding on a random model of GPT-2's proportions:
 * logits within 2% (BF16) and 3% (int8) of the largest F32 logit, and not
 * equal to F32; the 12 rows in one call give the bits of one row at a time
 * (for F32 that call goes through BLIS: within 1e-5). */
START_TEST(reduced_precision_decoding_stays_near_f32)
{
	struct status st = STATUS_INIT;
	struct model_config c = gpt2_util_tiny(0);
	c.n_embd = 64; c.n_head = 4; c.n_inner = 256; c.vocab_size = 500; c.n_positions = 16;
	struct model_params p;
	ck_assert_int_eq(model_params_alloc(&p, &c, &st), STATUS_OK);
	gpt2_util_randomize(&p, 3);
	static const double tol[3] = { 0.0, 0.02, 0.03 };
	struct decoder_weights wb[3];
	struct decoder d[3];
	int seq[12] = { 0 }, tok[12] = { 3, 17, 400, 2, 99, 250, 7, 7, 1, 480, 64, 5 };
	float *lg[3], *all = malloc(12 * 500 * sizeof *all);
	for (int k = 0; k < 3; k++) {
		ck_assert_int_eq(decoder_weights_init(&wb[k], &p, (enum decoder_dtype)k, &st), STATUS_OK);
		ck_assert_int_eq(decoder_init(&d[k], &p, 1, 16, &st), STATUS_OK);
		decoder_set_weights(&d[k], &wb[k]);
		lg[k] = malloc(12 * 500 * sizeof(float));
		/* one row per call */
		for (int t = 0; t < 12; t++)
			ck_assert_int_eq(decoder_step(&d[k], seq, tok + t, 1, NULL, lg[k] + t * 500, NULL,
			                              &st), STATUS_OK);
	}
	double big = 0.0;
	for (size_t i = 0; i < 12 * 500; i++)
		big = fmax(big, fabs(lg[0][i]));
	for (int k = 1; k < 3; k++) {
		double diff = 0.0;
		for (size_t i = 0; i < 12 * 500; i++)
			diff = fmax(diff, fabs(lg[k][i] - lg[0][i]));
		ck_assert_msg(diff <= tol[k] * big && diff > 0.0, "%s logits differ by %g of %g",
		              decoder_dtype_name((enum decoder_dtype)k), diff, big);
	}
	for (int k = 0; k < 3; k++) {
		decoder_reset(&d[k]);
		ck_assert_int_eq(decoder_step(&d[k], seq, tok, 12, NULL, all, NULL, &st), STATUS_OK);
		double diff = 0.0;
		for (size_t i = 0; i < 12 * 500; i++)
			diff = fmax(diff, fabs(all[i] - lg[k][i]));
		if (k == 0)
			ck_assert_msg(diff <= 1e-5 * big, "GEMV vs BLIS: %g of %g", diff, big);
		else
			ck_assert_msg(diff == 0.0, "%s: 12 rows at once differ by %g",
			              decoder_dtype_name((enum decoder_dtype)k), diff);
	}
	for (int k = 0; k < 3; k++) {
		decoder_free(&d[k]);
		decoder_weights_free(&wb[k]);
		free(lg[k]);
	}
	free(all);
	/* non-finite weights have no int8 scale: one clear error */
	p.mem[p.count - 1] = NAN;
	ck_assert_int_eq(decoder_weights_init(&wb[0], &p, DECODER_INT8, &st), STATUS_INVALID);
	ck_assert_msg(strstr(st.msg, "no int8 scale"), "message: %s", st.msg);
	ck_assert_int_eq(decoder_dtype_parse("int8"), DECODER_INT8);
	ck_assert_int_eq(decoder_dtype_parse("fp8"), -1);
	model_params_free(&p);
}
END_TEST

/* int8 references: x and w quantized in groups of 32 as gemv_q8 does;
 * want: their integer products summed exactly, scaled per group, in double;
 * bits (may be NULL): the order gemv_q8 fixes at every level (per group the
 * exact sum, to float, times dx * sc in float by one fmaf, groups in order,
 * then y + bias before the sum), so gemv_q8 must give these bits exactly. */
static void gv_q8_reference(double *want, float *bits, const float *y0, const float *x,
                            const float *w, const float *bias, size_t R, size_t ic, size_t oc,
                            int rows, int accumulate)
{
	size_t ng = (ic + GEMV_Q8_GROUP - 1) / GEMV_Q8_GROUP;
	for (size_t r = 0; r < R; r++)
		for (size_t c = 0; c < oc; c++) {
			float b = bias ? bias[c] : 0.0f, a = 0.0f;
			double s = (accumulate ? y0[r * oc + c] : 0.0) + b;
			for (size_t g = 0; g < ng; g++) {
				size_t i0 = g * GEMV_Q8_GROUP, n = ic - i0 < GEMV_Q8_GROUP ? ic - i0 : GEMV_Q8_GROUP;
				float xm = 0.0f, wm = 0.0f;
				for (size_t i = i0; i < i0 + n; i++) {
					xm = fmaxf(xm, fabsf(x[r * ic + i]));
					wm = fmaxf(wm, fabsf(rows ? w[c * ic + i] : w[i * oc + c]));
				}
				long is = 0;
				for (size_t i = i0; i < i0 + n; i++) {
					float wv = rows ? w[c * ic + i] : w[i * oc + c];
					long xq = xm > 0 ? lrintf(x[r * ic + i] * (127.0f / xm)) : 0;
					long wq = wm > 0 ? lrintf(wv * (127.0f / wm)) : 0;
					is += xq * wq;
				}
				s += (double)is * ((double)xm / 127.0) * ((double)wm / 127.0);
				a = fmaf((float)is, (xm / 127.0f) * (wm / 127.0f), a);
			}
			want[r * oc + c] = s;
			if (bits)
				bits[r * oc + c] = (accumulate ? y0[r * oc + c] + b : b) + a;
		}
}

/* Where gemv_pack_q8 puts input i of output channel c, and its scale:
 * panels of 16 channels, per group, quads of 4 inputs by 16 channels. */
static size_t gv_q8_byte(size_t ic, size_t c, size_t i)
{
	size_t ng = (ic + GEMV_Q8_GROUP - 1) / GEMV_Q8_GROUP, g = i / GEMV_Q8_GROUP;
	return ((c / 16 * ng + g) * GEMV_Q8_GROUP + i % GEMV_Q8_GROUP / 4 * 4) * 16 + c % 16 * 4 + i % 4;
}

static size_t gv_q8_scale(size_t ic, size_t c, size_t g)
{
	size_t ng = (ic + GEMV_Q8_GROUP - 1) / GEMV_Q8_GROUP;
	return (c / 16 * ng + g) * 16 + c % 16;
}

/* int8: the products equal the double-precision product of the quantized
 * values (matrices from [IC, OC], the head from rows), and stay within a
 * few steps of the unquantized product; zeros and an outlier are kept in
 * their own group. */
START_TEST(int8_products_match_their_quantized_values)
{
	enum { BI = 70, BO = 75 }; /* groups of 32, 32 and 6 (padded) */
	float *x = gpt2_util_uniform(RMAX * BI, 11), *w = gpt2_util_uniform(BI * BO, 12);
	float *bias = gpt2_util_uniform(BO, 13);
	w[5 * BO + 7] = 3.0f;
	for (size_t i = 64; i < BI; i++)
		w[i * BO + 3] = 0.0f;
	ck_assert_uint_eq(gemv_q8_scales(BI, BO), 3 * 80); /* 5 panels of 16 */
	ck_assert_uint_eq(gemv_q8_bytes(BI, BO), 96 * 80);
	int8_t *q = malloc(gemv_q8_bytes(BI, BO));
	float *sc = malloc(gemv_q8_scales(BI, BO) * sizeof *sc);
	float *y = malloc(RMAX * BO * sizeof *y), *y0 = gpt2_util_uniform(RMAX * BO, 14);
	double *want = malloc(RMAX * BO * sizeof *want), *exact = malloc(RMAX * BO * sizeof *exact);
	float *bits = malloc(RMAX * BO * sizeof *bits);
	gemv_pack_q8(q, sc, w, BI, BO);
	ck_assert_int_eq(q[gv_q8_byte(BI, 7, 5)], 127); /* the outlier is its group's largest */
	ck_assert_float_eq_tol(sc[gv_q8_scale(BI, 7, 0)], 3.0f / 127.0f, 1e-9f);
	ck_assert_float_eq(sc[gv_q8_scale(BI, 3, 2)], 0.0f); /* a group of zeros */
	ck_assert_float_eq(sc[gv_q8_scale(BI, 76, 0)], 0.0f); /* the padding of the last panel */
	ck_assert_int_eq(q[gv_q8_byte(BI, 76, 0)], 0);
	for (size_t R = 1; R <= RMAX; R++)
		for (int acc = 0; acc < 2; acc++) {
			const float *b = acc ? NULL : bias;
			memcpy(y, y0, R * BO * sizeof *y);
			ck_assert_int_eq(gemv_q8(y, x, q, sc, b, R, BI, BO, acc), 0);
			gv_q8_reference(want, bits, y0, x, w, b, R, BI, BO, 0, acc);
			ck_assert_msg(gv_relerr(y, want, R * BO) < 1e-6, "int8 R=%zu acc=%d: %g", R, acc,
			              gv_relerr(y, want, R * BO));
			ck_assert_msg(memcmp(y, bits, R * BO * sizeof *y) == 0, "int8 R=%zu acc=%d: bits", R,
			              acc);
			gv_reference_xw(exact, y0, x, w, b, R, BI, BO, acc);
			double e = gv_relerr(y, exact, R * BO);
			ck_assert_msg(e < 2e-2 && e > 1e-6, "int8 vs F32 R=%zu: %g", R, e);
		}
	/* the head: E [BO, BI] row by row */
	gemv_pack_q8_rows(q, sc, w, BO, BI);
	for (size_t R = 1; R <= RMAX; R++) {
		ck_assert_int_eq(gemv_q8(y, x, q, sc, NULL, R, BI, BO, 0), 0);
		gv_q8_reference(want, bits, y0, x, w, NULL, R, BI, BO, 1, 0);
		ck_assert_msg(gv_relerr(y, want, R * BO) < 1e-6, "int8 rows R=%zu", R);
		ck_assert_msg(memcmp(y, bits, R * BO * sizeof *y) == 0, "int8 rows R=%zu: bits", R);
	}
	/* packing rows (whole groups 8 lanes at a time where the CPU has AVX2)
	 * gives the bits of packing the same values strided (one at a time):
	 * W^T's rows are W's columns */
	float *wt = malloc(BI * BO * sizeof *wt);
	int8_t *q2 = malloc(gemv_q8_bytes(BI, BO));
	float *sc2 = malloc(gemv_q8_scales(BI, BO) * sizeof *sc2);
	for (size_t i = 0; i < BI; i++)
		for (size_t o = 0; o < BO; o++)
			wt[o * BI + i] = w[i * BO + o] * (o == 9 ? 1e-30f : 1.0f); /* a row of tiny ones */
	for (size_t i = 0; i < BI; i++) /* halves: the largest is 127, so the scale is 1 */
		wt[11 * BI + i] = i == 0 ? 127.0f : (i == 1 ? 63.5f : -0.5f);
	for (size_t i = 0; i < BI; i++)
		for (size_t o = 0; o < BO; o++)
			w[i * BO + o] = wt[o * BI + i];
	gemv_pack_q8(q, sc, w, BI, BO);
	gemv_pack_q8_rows(q2, sc2, wt, BO, BI);
	ck_assert_int_eq(memcmp(q, q2, gemv_q8_bytes(BI, BO)), 0);
	ck_assert_int_eq(memcmp(sc, sc2, gemv_q8_scales(BI, BO) * sizeof *sc), 0);
	ck_assert_int_eq(q2[gv_q8_byte(BI, 11, 1)], 64); /* 63.5 to the even 64 */
	ck_assert_int_eq(q2[gv_q8_byte(BI, 11, 2)], 0);  /* -0.5 to the even 0 */
	free(wt); free(q2); free(sc2);
	free(x); free(w); free(bias); free(q); free(sc); free(y); free(y0); free(want); free(exact);
	free(bits);
}
END_TEST

/* Widths that leave a panel part empty (1, 15, 17, 40 channels) and inputs
 * that leave a group part empty (1, 31, 33, 100), with and without bias,
 * overwriting and accumulating, on 1 to 3 threads: the reference's bits;
 * and a matrix packed in slices of 16 rows at their offsets (as Llama
 * checkpoints load) is the bytes of the matrix packed whole. */
START_TEST(int8_odd_shapes_give_the_reference_bits)
{
	static const size_t ics[] = { 1, 31, 33, 100 }, ocs[] = { 1, 15, 17, 40 };
	enum { SR = 8 };
	for (size_t a = 0; a < 4; a++)
		for (size_t o = 0; o < 4; o++) {
			size_t ic = ics[a], oc = ocs[o];
			float *x = gpt2_util_uniform(SR * ic, 41), *w = gpt2_util_uniform(oc * ic, 42);
			float *bias = gpt2_util_uniform(oc, 43), *y0 = gpt2_util_uniform(SR * oc, 44);
			float *y = malloc(SR * oc * sizeof *y), *bits = malloc(SR * oc * sizeof *bits);
			double *want = malloc(SR * oc * sizeof *want);
			int8_t *q = malloc(gemv_q8_bytes(ic, oc)), *qs = malloc(gemv_q8_bytes(ic, oc));
			float *sc = malloc(gemv_q8_scales(ic, oc) * sizeof *sc);
			float *scs = malloc(gemv_q8_scales(ic, oc) * sizeof *scs);
			gemv_pack_q8_rows(q, sc, w, oc, ic);
			memset(qs, 0x55, gemv_q8_bytes(ic, oc));
			memset(scs, 0x55, gemv_q8_scales(ic, oc) * sizeof *scs);
			for (size_t row = 0; row < oc; row += 16)
				gemv_pack_q8_rows(qs + gemv_q8_bytes(ic, row), scs + gemv_q8_scales(ic, row),
				                  w + row * ic, oc - row < 16 ? oc - row : 16, ic);
			ck_assert_int_eq(memcmp(q, qs, gemv_q8_bytes(ic, oc)), 0);
			ck_assert_int_eq(memcmp(sc, scs, gemv_q8_scales(ic, oc) * sizeof *sc), 0);
			for (int th = 1; th <= 3; th++) {
				pool_set_threads(th);
				for (size_t R = 1; R <= SR; R += 3)
					for (int acc = 0; acc < 2; acc++) {
						const float *b = acc ? bias : NULL;
						memcpy(y, y0, R * oc * sizeof *y);
						ck_assert_int_eq(gemv_q8(y, x, q, sc, b, R, ic, oc, acc), 0);
						gv_q8_reference(want, bits, y0, x, w, b, R, ic, oc, 1, acc);
						ck_assert_msg(memcmp(y, bits, R * oc * sizeof *y) == 0,
						              "IC %zu OC %zu R %zu acc %d, %d threads", ic, oc, R, acc, th);
						ck_assert_msg(gv_relerr(y, want, R * oc) < 1e-6, "IC %zu OC %zu", ic, oc);
					}
			}
			pool_set_threads(1);
			free(x); free(w); free(bias); free(y0); free(y); free(bits); free(want);
			free(q); free(qs); free(sc); free(scs);
		}
}
END_TEST

/* The trained demo policy (stored in BF16) over a real sentence: BF16
 * decoding reads exactly its weights (logits within 1e-4 of the largest:
 * only the order of the sums differs), int8 (weights and activations)
 * stays within 1% of the largest logit and picks the same most likely token
 * at 9 positions in 10 or more (measured: 0.72%, 52 of 54). */
START_TEST(reduced_precision_on_trained_weights)
{
	struct status st = STATUS_INIT;
	char dir[4096];
	snprintf(dir, sizeof dir, "%s/share/demo/policy", harness_srcdir());
	struct model_params p;
	json_t *ric = NULL;
	ck_assert_msg(checkpoint_load(dir, &p, &ric, &st) == STATUS_OK, "%s", st.msg);
	json_decref(ric);
	struct tokenizer *tk;
	ck_assert_msg(tokenizer_load(dir, &tk, &st) == STATUS_OK, "%s", st.msg);
	static const char text[] = "Quote by Mark Twain: The secret of getting ahead is getting "
	                           "started. Define river (noun): a large natural stream of water "
	                           "flowing in a channel to the sea, a lake or another river.";
	struct tokenizer_ids ids = { 0 };
	ck_assert_int_eq(tokenizer_encode(tk, text, strlen(text), 0, &ids, &st), STATUS_OK);
	size_t T = ids.n, V = (size_t)p.cfg.vocab_size;
	ck_assert_uint_gt(T, 30);
	float *lg[3];
	for (int k = 0; k < 3; k++) {
		struct decoder_weights wb;
		struct decoder d;
		ck_assert_int_eq(decoder_weights_init(&wb, &p, (enum decoder_dtype)k, &st), STATUS_OK);
		ck_assert_int_eq(decoder_init(&d, &p, 1, T, &st), STATUS_OK);
		decoder_set_weights(&d, &wb);
		lg[k] = malloc(T * V * sizeof(float));
		int seq = 0;
		for (size_t t = 0; t < T; t++)
			ck_assert_int_eq(decoder_step(&d, &seq, ids.ids + t, 1, NULL, lg[k] + t * V, NULL,
			                              &st), STATUS_OK);
		decoder_free(&d);
		decoder_weights_free(&wb);
	}
	double big = 0.0, diff[3] = { 0 };
	size_t same = 0, same_bf16 = 0;
	for (size_t i = 0; i < T * V; i++)
		big = fmax(big, fabs(lg[0][i]));
	for (int k = 1; k < 3; k++)
		for (size_t i = 0; i < T * V; i++)
			diff[k] = fmax(diff[k], fabs(lg[k][i] - lg[0][i]));
	for (size_t t = 0; t < T; t++) {
		size_t a = 0, b = 0, h = 0;
		for (size_t v = 1; v < V; v++) {
			a = lg[0][t * V + v] > lg[0][t * V + a] ? v : a;
			b = lg[2][t * V + v] > lg[2][t * V + b] ? v : b;
			h = lg[1][t * V + v] > lg[1][t * V + h] ? v : h;
		}
		same += a == b;
		same_bf16 += a == h;
	}
	/* exact up to F32 sums, unless vdpbf16ps rounds the activations to BF16
	 * too (2^-9 of each): then within 0.5% of the largest logit */
	double tol_bf16 = gemv_bf16_dot() ? 5e-3 : 1e-4;
	ck_assert_msg(diff[1] <= tol_bf16 * big, "BF16 on BF16 weights: %g of %g", diff[1], big);
	ck_assert_msg(20 * same_bf16 >= 19 * T, "BF16 picks the F32 top token at %zu of %zu",
	              same_bf16, T);
	ck_assert_msg(diff[2] <= 0.01 * big && diff[2] > 0.0, "int8: %g of %g", diff[2], big);
	ck_assert_msg(10 * same >= 9 * T, "int8 picks the F32 top token at %zu of %zu", same, T);
	for (int k = 0; k < 3; k++)
		free(lg[k]);
	tokenizer_ids_free(&ids);
	tokenizer_free(tk);
	model_params_free(&p);
}
END_TEST

/* A test that a loaded machine slows past Check's 4 s default (this one, at
 * RIC_CPU=plain, once did) runs to its end: the harness allows 60 s. */
START_TEST(a_slow_test_is_not_timed_out)
{
	ck_assert_int_eq(sleep(5), 0);
}
END_TEST

Suite *harness_suite(void)
{
	Suite *s = suite_create("gemv");
	harness_add(s, "gemv",
	            products_match_double_precision,
	            bf16_rounds_to_nearest_even,
	            bf16_panels_from_rows_are_the_panels_of_the_transpose,
	            int8_products_match_their_quantized_values,
	            int8_odd_shapes_give_the_reference_bits,
	            threads_and_row_groups_change_no_bit,
	            many_rows_match_one_row, f32_many_rows_have_the_bits_of_one_row,
	            int8_products_of_one_x_in_one_call_match_each_alone,
	            bf16_products_of_one_x_in_one_call_match_each_alone,
	            pool_covers_every_index_once,
	            pool_works_in_a_forked_child,
	            reduced_precision_decoding_stays_near_f32,
	            reduced_precision_on_trained_weights,
	            a_slow_test_is_not_timed_out,
	            NULL);
	return s;
}
