/* gemv_calls: what one call of a batch-1 int8 product costs beyond its
 * bytes, on the pool's threads (issue 21: decoding int8 at 2 threads trailed
 * its bandwidth ceiling where 1 thread did not).
 *
 *   bench/gemv_calls [THREADS]          (bench/decode_table.sh runs it)
 *
 * In one run: the read rate of a plain pass over 256 MiB on the same
 * threads (as `ric bench memory`), the cost of an empty pool_for, and each
 * int8 product a token of GPT-2 small and of the SmolLM2-135M shape makes
 * (weights cycled through 256 MiB, so none is in cache): its median time,
 * the time its bytes take at the read rate, the difference (the call's
 * fixed cost: hand-off, quantizing x, the threads finishing apart, the
 * streams starting), and for SmolLM2 q, k, v and gate, up as separate calls
 * beside one call (gemv_q8_each). Weights are arbitrary bytes: the time of
 * integer products does not depend on their values. */
#include "config.h"

#include "engine/gemv_q8.h"
#include "engine/monotonic.h"
#include "engine/pool.h"
#include "engine/vmath.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define CALLS_BUF ((size_t)256 << 20)
#define CALLS_N 301

static int8_t *calls_w;
static float *calls_sc;
static size_t calls_at;
static float calls_x[4096], calls_y[GEMV_Q8_OUTS][65536];
static double calls_t[CALLS_N];

/* The next n bytes of weights, on from the last ones, wrapping round. */
static const int8_t *calls_take(size_t n)
{
	if (calls_at + n > CALLS_BUF)
		calls_at = 0;
	const int8_t *p = calls_w + calls_at;
	calls_at += (n + 4095) / 4096 * 4096;
	return p;
}

static int calls_cmp(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;
	return x < y ? -1 : x > y;
}

static double calls_median(void)
{
	qsort(calls_t, CALLS_N, sizeof calls_t[0], calls_cmp);
	return calls_t[CALLS_N / 2];
}

/* The read pass of `ric bench memory`: vmath_stream_sum over each part. */
struct calls_read {
	const float *buf;
	unsigned nonzero; /* read back by no one: keeps the loads */
};

static void calls_read_part(void *ctx, size_t lo, size_t hi)
{
	struct calls_read *r = ctx;
	float s = vmath_stream_sum(r->buf + lo * 4096, (hi - lo) * 4096);
	__atomic_fetch_add(&r->nonzero, (unsigned)(s != 0.0f), __ATOMIC_RELAXED);
}

static void calls_noop(void *ctx, size_t lo, size_t hi)
{
	(void)ctx;
	(void)lo;
	(void)hi;
}

/* n products of IC inputs (one call of gemv_q8_each when fused): median
 * seconds; prints the row. */
static double calls_row(const char *name, size_t IC, const size_t *OC, size_t n, int fused,
                        double gbs)
{
	size_t bytes = 0;
	for (size_t k = 0; k < n; k++)
		bytes += gemv_q8_bytes(IC, OC[k]) + gemv_q8_scales(IC, OC[k]) * sizeof(float);
	for (int i = 0; i < CALLS_N; i++) {
		struct gemv_q8_out o[GEMV_Q8_OUTS];
		for (size_t k = 0; k < n; k++)
			o[k] = (struct gemv_q8_out){ calls_y[k], calls_take(gemv_q8_bytes(IC, OC[k])),
			                             calls_sc, NULL, OC[k] };
		double t0 = monotonic_s();
		if (fused)
			gemv_q8_each(o, n, calls_x, 1, IC, 0);
		else
			for (size_t k = 0; k < n; k++)
				gemv_q8_each(o + k, 1, calls_x, 1, IC, 0);
		calls_t[i] = monotonic_s() - t0;
	}
	double med = calls_median(), ideal = (double)bytes / (gbs * 1e9);
	printf("%-34s %8zu %8.1f %8.1f %8.1f %5.0f%%\n", name, bytes / 1024, med * 1e6, ideal * 1e6,
	       (med - ideal) * 1e6 / (fused ? 1.0 : (double)n), 100.0 * ideal / med);
	return med;
}

int main(int argc, char **argv)
{
	int th = argc > 1 ? atoi(argv[1]) : 2;
	calls_w = aligned_alloc(64, CALLS_BUF);
	calls_sc = malloc(65536 * 48 * sizeof *calls_sc);
	float *buf = malloc(CALLS_BUF);
	struct calls_read *rd = calloc(1, sizeof *rd);
	if (!calls_w || !calls_sc || !buf || !rd) {
		fprintf(stderr, "gemv_calls: cannot allocate %zu MiB\n", 2 * (CALLS_BUF >> 20));
		return 1;
	}
	memset(calls_w, 3, CALLS_BUF);
	for (size_t i = 0; i < 65536 * 48; i++)
		calls_sc[i] = 0.01f;
	for (size_t i = 0; i < CALLS_BUF / sizeof *buf; i++)
		buf[i] = 1.0f;
	for (int i = 0; i < 4096; i++)
		calls_x[i] = (float)(i % 13) - 6.0f;
	pool_set_threads(th);
	rd->buf = buf;
	for (int i = 0; i < 7; i++) {
		double t0 = monotonic_s();
		pool_for(CALLS_BUF / sizeof *buf / 4096, 1, calls_read_part, rd);
		calls_t[i] = monotonic_s() - t0;
	}
	qsort(calls_t, 7, sizeof calls_t[0], calls_cmp);
	double gbs = (double)CALLS_BUF / calls_t[3] / 1e9;
	free(buf);
	for (int i = 0; i < CALLS_N; i++) {
		double t0 = monotonic_s();
		pool_for(2, 1, calls_noop, NULL);
		calls_t[i] = monotonic_s() - t0;
	}
	printf("int8 products, batch 1, %d threads: read %.1f GB/s, empty pool_for %.2f us\n", th, gbs,
	       calls_median() * 1e6);
	printf("%-34s %8s %8s %8s %8s %6s\n", "product (median of 301 calls)", "KiB", "us", "at read",
	       "fixed/call", "share");
	static const size_t g_qkv[] = { 2304 }, g_c[] = { 768 }, g_fc[] = { 3072 }, g_head[] = { 50257 };
	double layer = calls_row("GPT-2 small qkv 768 -> 2304", 768, g_qkv, 1, 1, gbs);
	layer += calls_row("GPT-2 small proj 768 -> 768", 768, g_c, 1, 1, gbs);
	layer += calls_row("GPT-2 small fc 768 -> 3072", 768, g_fc, 1, 1, gbs);
	layer += calls_row("GPT-2 small fcproj 3072 -> 768", 3072, g_c, 1, 1, gbs);
	calls_row("GPT-2 small head 768 -> 50257", 768, g_head, 1, 1, gbs);
	static const size_t s_qkv[] = { 576, 192, 192 }, s_gu[] = { 1536, 1536 }, s_c[] = { 576 };
	static const size_t s_head[] = { 49152 };
	double apart = calls_row("SmolLM2 q, k, v: 3 calls", 576, s_qkv, 3, 0, gbs);
	double one = calls_row("SmolLM2 q, k, v: 1 call", 576, s_qkv, 3, 1, gbs);
	calls_row("SmolLM2 o 576 -> 576", 576, s_c, 1, 1, gbs);
	apart += calls_row("SmolLM2 gate, up: 2 calls", 576, s_gu, 2, 0, gbs);
	one += calls_row("SmolLM2 gate, up: 1 call", 576, s_gu, 2, 1, gbs);
	calls_row("SmolLM2 down 1536 -> 576", 1536, s_c, 1, 1, gbs);
	calls_row("SmolLM2 head 576 -> 49152", 576, s_head, 1, 1, gbs);
	printf("GPT-2 small layer's products %.1f us; SmolLM2 q, k, v, gate, up: apart %.1f us, "
	       "fused %.1f us (x30 layers: %.2f ms a token)\n", layer * 1e6, apart * 1e6, one * 1e6,
	       30.0 * (apart - one) * 1e3);
	free(rd);
	free(calls_w);
	free(calls_sc);
	return 0;
}
