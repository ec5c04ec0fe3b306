/* gemv_rows: GFLOP/s of the F32 products of many rows (a batch-32 decoding
 * step, a prefill) on one thread, per shape of GPT-2 small and SmolLM2-135M:
 * gemv_xw (W [IC, OC]) and gemv_xet (E [OC, IC]), the weights cycled through
 * 256 MiB so each call reads them from memory, as a decoding step does.
 *
 *   RIC_CPU=avx2 bench/gemv_rows [ROWS] [REPS] [hot] [SHAPE]
 *
 * hot: the same weights every call (in L3 where they fit), the kernels'
 * own rate. SHAPE: only the shapes whose name contains it.
 *
 * Compare with `ric bench blas --threads 1` (sgemm at the same level). */
#include "config.h"

#include "engine/gemv.h"
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
	float *buf = malloc(ROWS_BUF), *x = malloc(R * 4096 * sizeof *x);
	float *y = malloc(R * 65536 * sizeof *y);
	double *t = malloc((size_t)reps * sizeof *t);
	if (!buf || !x || !y || !t)
		return 1;
	for (size_t i = 0; i < ROWS_BUF / sizeof *buf; i++)
		buf[i] = (float)((i * 2654435761u) % 1000) / 1000.0f - 0.5f;
	for (size_t i = 0; i < R * 4096; i++)
		x[i] = (float)((i * 40503u) % 997) / 997.0f - 0.5f;
	for (size_t s = 0; s < sizeof shapes / sizeof shapes[0]; s++) {
		if (argc > 4 && !strstr(shapes[s].name, argv[4]))
			continue;
		size_t n = shapes[s].IC * shapes[s].OC, at = 0;
		int calls = (int)(500000000 / (R * n) + 1); /* about 1 GFLOP */
		for (int k = 0; k < reps; k++) {
			double t0 = monotonic_cpu_s();
			for (int c = 0; c < calls; c++) {
				if (hot || (at + n) * sizeof *buf > ROWS_BUF)
					at = 0;
				if (shapes[s].xet)
					gemv_xet(y, x, buf + at, NULL, R, shapes[s].IC, shapes[s].OC);
				else
					gemv_xw(y, x, buf + at, NULL, R, shapes[s].IC, shapes[s].OC, 0);
				at += (n + 1023) / 1024 * 1024;
			}
			t[k] = (monotonic_cpu_s() - t0) / calls;
		}
		qsort(t, (size_t)reps, sizeof *t, rows_cmp);
		printf("%-14s R %zu  %7.1f GFLOP/s\n", shapes[s].name, R,
		       2.0 * (double)R * (double)n / t[reps / 2] / 1e9);
	}
	return 0;
}
