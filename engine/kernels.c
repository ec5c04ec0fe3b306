#include "config.h"

#include "engine/cpu.h"
#include "engine/kernels.h"
#include "engine/pool.h"
#include "engine/vmath.h"

#include <blis.h>
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

/* The same source, once per element type. */
#define KERNELS_REAL float
#define KERNELS_SUF(x) x
#define KERNELS_GEMM_EX bli_sgemm_ex
#define KERNELS_VMATH 1
#include "engine/kernels_impl.h"
#undef KERNELS_VMATH
#undef KERNELS_REAL
#undef KERNELS_SUF
#undef KERNELS_GEMM_EX

#define KERNELS_REAL double
#define KERNELS_SUF(x) x##_f64
#define KERNELS_GEMM_EX bli_dgemm_ex
#define KERNELS_VMATH 0
#include "engine/kernels_impl.h"
#undef KERNELS_VMATH
#undef KERNELS_REAL
#undef KERNELS_SUF
#undef KERNELS_GEMM_EX

/* The float elementwise passes: vectorised (engine/vmath.h) and split
 * between the pool's threads; each element or row is computed alone, so the
 * thread count changes no result. */
struct kernels_ew {
	float *out;
	const float *in, *dout;
	const int *targets;
	size_t V;
	float scale;
	double *loss;
};

static void kernels_gelu_part(void *ctx, size_t lo, size_t hi)
{
	const struct kernels_ew *e = ctx;
	vmath_gelu(e->out + lo, e->in + lo, hi - lo);
}

void gelu_forward(float *out, const float *inp, size_t n)
{
	struct kernels_ew e = { .out = out, .in = inp };
	pool_for(n, 8192, kernels_gelu_part, &e);
}

struct kernels_swiglu {
	float *out;
	const float *gu;
	size_t I;
};

static void kernels_swiglu_part(void *ctx, size_t lo, size_t hi)
{
	const struct kernels_swiglu *e = ctx;
	for (size_t n = lo; n < hi; n++)
		vmath_silu_mul(e->out + n * e->I, e->gu + n * 2 * e->I, e->gu + n * 2 * e->I + e->I, e->I);
}

/* Rows of gate then up ([N, 2I]) to silu(gate) up ([N, I]); the decoders'
 * SwiGLU (engine/llama_decode.c) computes each element the same way. */
void swiglu_forward(float *out, const float *gu, size_t N, size_t I)
{
	struct kernels_swiglu e = { out, gu, I };
	pool_for(N, 1, kernels_swiglu_part, &e);
}

static void kernels_gelu_backward_part(void *ctx, size_t lo, size_t hi)
{
	const struct kernels_ew *e = ctx;
	vmath_gelu_backward(e->out + lo, e->in + lo, e->dout + lo, hi - lo);
}

void gelu_backward(float *dinp, const float *inp, const float *dout, size_t n)
{
	struct kernels_ew e = { .out = dinp, .in = inp, .dout = dout };
	pool_for(n, 8192, kernels_gelu_backward_part, &e);
}

static void kernels_ce_forward_part(void *ctx, size_t lo, size_t hi)
{
	const struct kernels_ew *e = ctx;
	for (size_t n = lo; n < hi; n++) {
		e->loss[n] = 0.0;
		if (e->targets[n] == -100)
			continue;
		const float *l = e->in + n * e->V;
		float mx = vmath_max(l, e->V);
		e->loss[n] = log(vmath_exp_sum(l, e->V, mx)) + mx - (double)l[e->targets[n]];
	}
}

double crossentropy_forward(const float *logits, const int *targets, size_t N, size_t V,
                            size_t *count)
{
	double *loss = malloc(N * sizeof *loss), total = 0.0;
	size_t counted = 0;
	struct kernels_ew e = { .in = logits, .targets = targets, .V = V, .loss = loss };
	if (loss)
		pool_for(N, 1, kernels_ce_forward_part, &e);
	for (size_t n = 0; n < N; n++) {
		if (targets[n] == -100)
			continue;
		if (!loss) { /* no room for the per-row sums: one row at a time */
			double one;
			e.loss = &one;
			kernels_ce_forward_part(&e, n, n + 1);
			total += one;
		} else
			total += loss[n];
		counted++;
	}
	free(loss);
	*count = counted;
	return total;
}

static void kernels_ce_backward_part(void *ctx, size_t lo, size_t hi)
{
	const struct kernels_ew *e = ctx;
	for (size_t n = lo; n < hi; n++) {
		float *l = e->out + n * e->V;
		if (e->targets[n] == -100) {
			memset(l, 0, e->V * sizeof *l);
			continue;
		}
		float mx = vmath_max(l, e->V);
		double lse = log(vmath_exp_sum(l, e->V, mx)) + mx;
		vmath_exp_scale(l, e->V, (float)lse, e->scale);
		l[e->targets[n]] -= e->scale;
	}
}

void crossentropy_backward(float *logits, const int *targets, size_t N, size_t V, float scale)
{
	struct kernels_ew e = { .out = logits, .targets = targets, .V = V, .scale = scale };
	pool_for(N, 1, kernels_ce_backward_part, &e);
}

void kernels_sgemm_on(void *blis_cntx, size_t m, size_t n, size_t k, const float *a,
                      const float *b, float *c)
{
	float one = 1.0f, zero = 0.0f;
	bli_sgemm_ex(BLIS_NO_TRANSPOSE, BLIS_NO_TRANSPOSE, (dim_t)m, (dim_t)n, (dim_t)k, &one,
	             (float *)(uintptr_t)a, (inc_t)k, 1, (float *)(uintptr_t)b, (inc_t)n, 1, &zero,
	             c, (inc_t)n, 1, blis_cntx, NULL);
}

void kernels_set_threads(int n)
{
	if (n > 0) {
		bli_thread_set_num_threads(n);
		pool_set_threads(n);
	}
}
