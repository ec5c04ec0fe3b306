/* gemv_levels: the int8 products (matrices and head), the F32 products
 * x W (gemv_xw) and the BF16 panel products on fixed random data for 1 to
 * 14 rows, written to stdout as raw floats. tests/plain_paths.sh runs it at
 * every RIC_CPU level the CPU has and compares the bytes: every level must
 * give the plain C path's bits (int8 sums are exact integers; each F32 and
 * BF16 output of x W is one chain of fmas in input order, whether one row
 * streams W or tiles of rows keep their sums in registers). The F32 x E^T
 * and the BF16 head sum in lanes where the CPU has vectors, so they stay
 * within test_gemv's bounds, not bits, and so do the BF16 products with
 * vdpbf16ps (AVX512_BF16 rounds the activations to BF16): `gemv_levels
 * int8` leaves the BF16 products out, for those levels. */
#include "config.h"

#include "engine/gemv.h"
#include "engine/gemv_q8.h"
#include "engine/vmath.h"
#include "tests/gpt2_util.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static void lv_write(const float *y, size_t n)
{
	fwrite(y, sizeof *y, n, stdout);
}

int main(int argc, char **argv)
{
	int int8_only = argc > 1 && strcmp(argv[1], "int8") == 0;
	enum { RMAX = 14 };
	/* 224 inputs: 7 groups of 32 (an odd count); 768: 24; 100 columns: 3
	 * BF16 panels and a narrow one; int8 panels of 16: 100 and 75 end in a
	 * part of one, 96 is 6 (blocks of 2 and of 4 at batch 1, remainders),
	 * 17 is one and a channel, 33 inputs a group and one input */
	static const size_t shapes[][2] = { { 224, 100 }, { 768, 96 }, { 70, 75 }, { 33, 17 } };
	for (size_t s = 0; s < sizeof shapes / sizeof shapes[0]; s++) {
		size_t IC = shapes[s][0], OC = shapes[s][1];
		float *x = gpt2_util_uniform(RMAX * IC, 1 + (unsigned)s), *w = gpt2_util_uniform(IC * OC, 2);
		float *bias = gpt2_util_uniform(OC, 3), *y = malloc(RMAX * OC * sizeof *y);
		int8_t *q = malloc(gemv_q8_bytes(IC, OC));
		float *sc = malloc(gemv_q8_scales(IC, OC) * sizeof *sc);
		uint16_t *wb = malloc(IC * OC * sizeof *wb);
		if (!x || !w || !bias || !y || !q || !sc || !wb)
			return 1;
		gemv_pack_q8(q, sc, w, IC, OC);
		gemv_pack_bf16(wb, w, IC, OC);
		for (size_t R = 1; R <= RMAX; R++) {
			if (gemv_q8(y, x, q, sc, bias, R, IC, OC, 0) != 0)
				return 1;
			lv_write(y, R * OC);
			gemv_xw(y, x, w, bias, R, IC, OC, 0);
			lv_write(y, R * OC);
			if (int8_only)
				continue;
			gemv_xw_bf16(y, x, wb, bias, R, IC, OC, 0);
			lv_write(y, R * OC);
		}
		/* the head: E [OC, IC] */
		gemv_pack_q8_rows(q, sc, w, OC, IC);
		for (size_t R = 1; R <= RMAX; R++) {
			if (gemv_q8(y, x, q, sc, NULL, R, IC, OC, 0) != 0)
				return 1;
			lv_write(y, R * OC);
		}
		free(x), free(w), free(bias), free(y), free(q), free(sc), free(wb);
	}
	/* decoding attention's products (engine/vmath), every level the same bits */
	static const size_t att[][2] = { { 21, 64 }, { 8, 128 }, { 5, 37 } };
	for (size_t s = 0; s < sizeof att / sizeof att[0]; s++) {
		size_t T = att[s][0], n = att[s][1], ks = n + 3;
		float *q = gpt2_util_uniform(n, 4), *kv = gpt2_util_uniform(T * ks, 5);
		float *p = gpt2_util_uniform(T, 6), sc[32], o[128];
		if (!q || !kv || !p)
			return 1;
		vmath_dots(sc, q, kv, ks, T, n, 0.125f);
		lv_write(sc, T);
		vmath_wsum(o, p, kv, ks, T, n);
		lv_write(o, n);
		free(q), free(kv), free(p);
	}
	return fflush(stdout) != 0;
}
