/* gemv_rows: GFLOP/s of the products of many rows (a batch-32 decoding
 * step, a prefill) on one thread, per shape of GPT-2 small and SmolLM2-135M:
 * gemv_xw (W [IC, OC]) and gemv_xet (E [OC, IC]) in F32, gemv_xw_bf16 in BF16
 * (decoding packs every matrix and head as W), or gemv_q8 (int8: both forms
 * are the same panels), the weights cycled through 256 MiB so each call
 * reads them from memory, as a decoding step does (in huge pages, as the
 * decoder holds them). A shape's name says its form; each line names the
 * kernel that ran.
 *
 *   RIC_CPU=avx2 bench/gemv_rows [ROWS] [REPS] [hot|cold] [SHAPE] [f32|bf16|int8]
 *
 * hot: the same weights every call (in L3 where they fit), the kernels'
 * own rate. SHAPE: only the shapes whose name contains it ("" for all).
 * Each line: the median over REPS repetitions, and the best.
 *
 * Compare with `ric bench blas --threads 1` (sgemm at the same level) and
 * the one-thread peaks `ric bench peak` prints (vdpbf16ps, vpdpbusd). */
#include "config.h"

#include "engine/decoder.h"
#include "engine/gemv.h"
#include "engine/gemv_q8.h"
#include "engine/monotonic.h"
#include "engine/pool.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define ROWS_BUF ((size_t)256 << 20)

static int rows_cmp(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;
	return x < y ? -1 : x > y;
}

int main(int argc, char **argv)
{
	size_t R = argc > 1 ? strtoul(argv[1], NULL, 10) : 32;
	int reps = argc > 2 ? atoi(argv[2]) : 15, hot = argc > 3 && strcmp(argv[3], "hot") == 0;
	const char *type = argc > 5 ? argv[5] : "f32";
	int bf16 = strcmp(type, "bf16") == 0, int8 = strcmp(type, "int8") == 0;
	if (!bf16 && !int8 && strcmp(type, "f32") != 0) {
		fprintf(stderr, "gemv_rows: type %s: not f32, bf16 or int8\n", type);
		return 2;
	}
	static const struct {
		const char *name;
		int xet;
		size_t IC, OC;
	} shapes[] = {
		{ "gpt2 qkv xw", 0, 768, 2304 }, { "gpt2 fc xw", 0, 768, 3072 },
		{ "gpt2 proj xw", 0, 3072, 768 }, { "gpt2 head xet", 1, 768, 50257 },
		{ "smol up xet", 1, 576, 1536 }, { "smol down xet", 1, 1536, 576 },
		{ "smol q xet", 1, 576, 576 }, { "smol head xet", 1, 576, 49152 },
		{ "l2 tile xet", 1, 256, 512 }, { "l2 tile xw", 0, 256, 512 },
	};
	pool_set_threads(1);
	float *buf = decoder_weights_alloc(ROWS_BUF), *x = malloc(R * 4096 * sizeof *x);
	float *y = malloc(R * 65536 * sizeof *y);
	double *t = malloc((size_t)reps * sizeof *t);
	if (!buf || !x || !y || !t)
		return 1;
	/* the same small values for every type: F32 (and int8's scales, the
	 * buffer's last eighth), BF16 rounded from them a piece at a time into
	 * the buffer's first half; int8 reads the floats' bytes as weights */
	uint16_t *bbuf = (uint16_t *)(void *)buf;
	int8_t *qbuf = (int8_t *)(void *)buf;
	size_t count = ROWS_BUF / sizeof *buf;
	for (size_t i0 = 0; i0 < count; i0 += 4096) {
		float piece[4096];
		for (size_t i = 0; i < 4096; i++)
			piece[i] = (float)(((i0 + i) * 2654435761u) % 1000) / 1000.0f - 0.5f;
		if (bf16)
			gemv_bf16_from_f32(bbuf + i0, piece, 4096);
		else
			memcpy(buf + i0, piece, sizeof piece);
	}
	const float *sbuf = buf + count / 8 * 7;
	size_t room = int8 ? ROWS_BUF / 8 * 7 : count;
	for (size_t i = 0; i < R * 4096; i++)
		x[i] = (float)((i * 40503u) % 997) / 997.0f - 0.5f;
	for (size_t s = 0; s < sizeof shapes / sizeof shapes[0]; s++) {
		if (argc > 4 && !strstr(shapes[s].name, argv[4]))
			continue;
		size_t IC = shapes[s].IC, OC = shapes[s].OC, n = IC * OC, at = 0;
		/* elements a call takes from its buffer, on whole KiB */
		size_t take = int8 ? gemv_q8_bytes(IC, OC) : n;
		take = (take + 1023) / 1024 * 1024;
		int calls = (int)(500000000 / (R * n) + 1); /* about 1 GFLOP */
		for (int k = 0; k < reps; k++) {
			double t0 = monotonic_cpu_s();
			for (int c = 0; c < calls; c++) {
				if (hot || at + take > room)
					at = 0;
				if (int8)
					gemv_q8(y, x, qbuf + at, sbuf + at / 32, NULL, R, IC, OC, 0);
				else if (shapes[s].xet && !bf16)
					gemv_xet(y, x, buf + at, R, IC, OC);
				else if (bf16)
					gemv_xw_bf16(y, x, bbuf + at, NULL, R, IC, OC, 0);
				else
					gemv_xw(y, x, buf + at, NULL, R, IC, OC, 0);
				at += take;
			}
			t[k] = (monotonic_cpu_s() - t0) / calls;
		}
		qsort(t, (size_t)reps, sizeof *t, rows_cmp);
		/* the median, and the fastest repetition: on a shared host the
		 * median moved by 1.5x between runs where the best held */
		double flop = 2.0 * (double)R * (double)n;
		const char *kernel = int8 ? "gemv_q8" : bf16 ? "gemv_xw_bf16"
		                                     : shapes[s].xet ? "gemv_xet" : "gemv_xw";
		printf("%-14s %-12s R %zu  %7.1f GFLOP/s (best %.1f)\n", shapes[s].name, kernel, R,
		       flop / t[reps / 2] / 1e9, flop / t[0] / 1e9);
	}
	return 0;
}
