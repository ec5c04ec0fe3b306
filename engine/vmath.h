/* vmath: the elementwise float loops around the products, vectorised.
 *
 *   float mx = vmath_max(row, V);
 *   double sum = vmath_exp_sum(row, V, mx);         // sum of exp(row - mx)
 *   vmath_exp_scale(row, V, lse, scale);            // row = scale * exp(row - lse)
 *   vmath_gelu(out, in, n);  vmath_gelu_backward(dinp, in, dout, n);
 *   vmath_silu_mul(gate, gate, up, n);              // SwiGLU: silu(gate) up
 *
 * AVX2/FMA versions are picked at run time (engine/cpu); elsewhere plain C computes the
 * same formulas with libm. exp is a polynomial accurate to a few float ulps
 * (relative error below 2e-7 over the range that matters), tanh comes from
 * it. Results do not depend on how a caller splits an array between threads:
 * every element is computed alone, and sums are per call.
 */
#ifndef RIC_ENGINE_VMATH_H
#define RIC_ENGINE_VMATH_H

#include <stddef.h>
#include <stdint.h>

float vmath_max(const float *x, size_t n);
double vmath_exp_sum(const float *x, size_t n, float sub);
void vmath_exp_scale(float *x, size_t n, float sub, float scale);
/* The first index of the largest value, NaNs passed over; -1 when there is none. */
long vmath_argmax(const float *x, size_t n);
/* out[i] = exp((x[i] - sub) * mul); returns their sum in double (lanes in a
 * fixed order, so the same bits for the same n on every call). */
double vmath_exp_store(float *out, const float *x, size_t n, float sub, float mul);
void vmath_gelu(float *out, const float *in, size_t n);
/* dinp may equal dout */
void vmath_gelu_backward(float *dinp, const float *in, const float *dout, size_t n);
/* out[i] = silu(g[i]) u[i] = g[i] u[i] / (1 + exp(-g[i])) (SwiGLU); out may
 * be g. Every element alone, the same bits wherever a piece of the array
 * starts or ends; within 4e-7 of the exact value, or 1e-30 where it
 * underflows (g below -87: exp's clamp). */
void vmath_silu_mul(float *out, const float *g, const float *u, size_t n);
/* AdamW on one range: w = w * decay - step_size * m / (sqrt(v) / bc2_sqrt + eps) after the
 * moment updates; also sets g to zero when zero_g is set. */
void vmath_adamw(float *w, float *g, float *m, float *v, size_t n, float beta1, float beta2,
                 float decay, float step_size, float bc2_sqrt, float eps, int zero_g);
/* Attention's two products, the same bits at every level:
 * s[t] = scale * sum_i q[i] k[t ks + i] over i < n, for t < T: the sum in 8
 * lanes (i mod 8), fmas in index order, the lanes added in a fixed order;
 * o[i] = sum_t p[t] v[t vs + i]: one fma chain over t in order. */
void vmath_dots(float *s, const float *q, const float *k, size_t ks, size_t T, size_t n,
                float scale);
void vmath_wsum(float *o, const float *p, const float *v, size_t vs, size_t T, size_t n);
/* The same with BF16 keys and values (each widened exactly to F32 first):
 * a BF16 KV cache reads half the bytes. */
void vmath_dots_bf16(float *s, const float *q, const uint16_t *k, size_t ks, size_t T, size_t n,
                     float scale);
void vmath_wsum_bf16(float *o, const float *p, const uint16_t *v, size_t vs, size_t T, size_t n);
/* sum of squares in double */
double vmath_sumsq(const float *x, size_t n);
/* The sum of n floats, read as fast as one thread can stream memory (wide
 * loads, lines asked for 2 KiB ahead, as the decoding kernels read their
 * weights): `ric bench memory`'s measure of the bandwidth ceiling. */
float vmath_stream_sum(const float *x, size_t n);

#endif
