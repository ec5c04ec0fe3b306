#include "config.h"

#include "engine/cpu.h"
#include "engine/vmath.h"

#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#if defined(__x86_64__) && defined(__GNUC__)
#include <immintrin.h>
#define VMATH_X86 1
#define VMATH_AVX2 __attribute__((target("avx2,fma")))
#else
#define VMATH_X86 0
#endif

#define GELU_SCALE 0.7978845608028654f /* sqrt(2 / pi) */
#define GELU_C 0.044715f

/* exp of one argument as vmath_exp_store's lanes treat it: 0 below the
 * clamp of vmath_exp8, and for a NaN */
static float vmath_exp_or_0(float a)
{
	return a >= -87.3f ? expf(a) : 0.0f;
}

#if VMATH_X86
/* exp(x): 2^n e^r with |r| <= ln2/2, a degree-6 polynomial (Cephes expf). */
VMATH_AVX2 static inline __m256 vmath_exp8(__m256 x)
{
	x = _mm256_min_ps(_mm256_max_ps(x, _mm256_set1_ps(-87.3f)), _mm256_set1_ps(88.3f));
	__m256 n = _mm256_round_ps(_mm256_mul_ps(x, _mm256_set1_ps(1.44269504088896341f)),
	                           _MM_FROUND_TO_NEAREST_INT | _MM_FROUND_NO_EXC);
	__m256 r = _mm256_fnmadd_ps(n, _mm256_set1_ps(0.693359375f), x);
	r = _mm256_fnmadd_ps(n, _mm256_set1_ps(-2.12194440e-4f), r);
	__m256 p = _mm256_set1_ps(1.9875691500e-4f);
	p = _mm256_fmadd_ps(p, r, _mm256_set1_ps(1.3981999507e-3f));
	p = _mm256_fmadd_ps(p, r, _mm256_set1_ps(8.3334519073e-3f));
	p = _mm256_fmadd_ps(p, r, _mm256_set1_ps(4.1665795894e-2f));
	p = _mm256_fmadd_ps(p, r, _mm256_set1_ps(1.6666665459e-1f));
	p = _mm256_fmadd_ps(p, r, _mm256_set1_ps(5.0000001201e-1f));
	p = _mm256_fmadd_ps(p, _mm256_mul_ps(r, r), _mm256_add_ps(r, _mm256_set1_ps(1.0f)));
	__m256i e = _mm256_slli_epi32(_mm256_add_epi32(_mm256_cvtps_epi32(n), _mm256_set1_epi32(127)), 23);
	return _mm256_mul_ps(p, _mm256_castsi256_ps(e));
}

/* tanh(u) = 1 - 2 / (exp(2u) + 1), u clamped where tanh is 1 in float */
VMATH_AVX2 static inline __m256 vmath_tanh8(__m256 u)
{
	u = _mm256_min_ps(_mm256_max_ps(u, _mm256_set1_ps(-9.0f)), _mm256_set1_ps(9.0f));
	__m256 e = vmath_exp8(_mm256_add_ps(u, u));
	return _mm256_sub_ps(_mm256_set1_ps(1.0f),
	                     _mm256_div_ps(_mm256_set1_ps(2.0f), _mm256_add_ps(e, _mm256_set1_ps(1.0f))));
}

VMATH_AVX2 static inline __m256 vmath_gelu_u(__m256 x)
{
	__m256 x3 = _mm256_mul_ps(_mm256_mul_ps(x, x), x);
	return _mm256_mul_ps(_mm256_set1_ps(GELU_SCALE), _mm256_fmadd_ps(_mm256_set1_ps(GELU_C), x3, x));
}

VMATH_AVX2 static float vmath_max_avx2(const float *x, size_t n)
{
	__m256 m = _mm256_set1_ps(-INFINITY);
	size_t i = 0;
	for (; i + 8 <= n; i += 8) /* a NaN passed over, as plain C does */
		m = _mm256_max_ps(_mm256_loadu_ps(x + i), m);
	float t[8], mx = -INFINITY;
	_mm256_storeu_ps(t, m);
	for (int k = 0; k < 8; k++)
		mx = t[k] > mx ? t[k] : mx;
	for (; i < n; i++)
		mx = x[i] > mx ? x[i] : mx;
	return mx;
}

VMATH_AVX2 static double vmath_exp_sum_avx2(const float *x, size_t n, float sub)
{
	__m256 s = _mm256_setzero_ps(), b = _mm256_set1_ps(sub);
	__m256d acc = _mm256_setzero_pd();
	size_t i = 0, k = 0;
	for (; i + 8 <= n; i += 8) {
		s = _mm256_add_ps(s, vmath_exp8(_mm256_sub_ps(_mm256_loadu_ps(x + i), b)));
		if (++k == 64) { /* fold into double now and then: float sums stay short */
			acc = _mm256_add_pd(acc, _mm256_cvtps_pd(_mm256_castps256_ps128(s)));
			acc = _mm256_add_pd(acc, _mm256_cvtps_pd(_mm256_extractf128_ps(s, 1)));
			s = _mm256_setzero_ps();
			k = 0;
		}
	}
	acc = _mm256_add_pd(acc, _mm256_cvtps_pd(_mm256_castps256_ps128(s)));
	acc = _mm256_add_pd(acc, _mm256_cvtps_pd(_mm256_extractf128_ps(s, 1)));
	double t[4];
	_mm256_storeu_pd(t, acc);
	double sum = (t[0] + t[1]) + (t[2] + t[3]);
	for (; i < n; i++)
		sum += (double)expf(x[i] - sub);
	return sum;
}

/* Largest value, NaNs passed over (vmaxps returns its second operand when
 * one is a NaN), then the first index holding it. */
VMATH_AVX2 static long vmath_argmax_avx2(const float *x, size_t n)
{
	float mx = vmath_max_avx2(x, n);
	size_t i;
	__m256 b = _mm256_set1_ps(mx);
	for (i = 0; i + 8 <= n; i += 8) {
		int hit = _mm256_movemask_ps(_mm256_cmp_ps(_mm256_loadu_ps(x + i), b, _CMP_EQ_OQ));
		if (hit)
			return (long)i + __builtin_ctz((unsigned)hit);
	}
	for (; i < n; i++)
		if (x[i] == mx)
			return (long)i;
	return -1;
}

VMATH_AVX2 static double vmath_exp_store_avx2(float *out, const float *x, size_t n, float sub,
                                              float mul)
{
	__m256 b = _mm256_set1_ps(sub), m = _mm256_set1_ps(mul), lo = _mm256_set1_ps(-87.3f);
	__m256d a0 = _mm256_setzero_pd(), a1 = _mm256_setzero_pd();
	size_t i = 0;
	for (; i + 8 <= n; i += 8) {
		__m256 a = _mm256_mul_ps(_mm256_sub_ps(_mm256_loadu_ps(x + i), b), m);
		/* below exp8's clamp (a -inf logit, a NaN) is 0, as expf would
		 * nearly give: a token forbidden by -inf can never be drawn */
		__m256 e = _mm256_and_ps(vmath_exp8(a), _mm256_cmp_ps(a, lo, _CMP_GE_OQ));
		_mm256_storeu_ps(out + i, e);
		a0 = _mm256_add_pd(a0, _mm256_cvtps_pd(_mm256_castps256_ps128(e)));
		a1 = _mm256_add_pd(a1, _mm256_cvtps_pd(_mm256_extractf128_ps(e, 1)));
	}
	double t[4];
	_mm256_storeu_pd(t, _mm256_add_pd(a0, a1));
	double sum = (t[0] + t[1]) + (t[2] + t[3]);
	for (; i < n; i++) {
		out[i] = vmath_exp_or_0((x[i] - sub) * mul);
		sum += (double)out[i];
	}
	return sum;
}

VMATH_AVX2 static void vmath_exp_scale_avx2(float *x, size_t n, float sub, float scale)
{
	__m256 b = _mm256_set1_ps(sub), sc = _mm256_set1_ps(scale);
	size_t i = 0;
	for (; i + 8 <= n; i += 8)
		_mm256_storeu_ps(x + i, _mm256_mul_ps(vmath_exp8(_mm256_sub_ps(_mm256_loadu_ps(x + i), b)), sc));
	for (; i < n; i++)
		x[i] = expf(x[i] - sub) * scale;
}

VMATH_AVX2 static void vmath_gelu_avx2(float *out, const float *in, size_t n)
{
	size_t i = 0;
	__m256 half = _mm256_set1_ps(0.5f), one = _mm256_set1_ps(1.0f);
	for (; i + 8 <= n; i += 8) {
		__m256 x = _mm256_loadu_ps(in + i);
		__m256 t = vmath_tanh8(vmath_gelu_u(x));
		_mm256_storeu_ps(out + i, _mm256_mul_ps(_mm256_mul_ps(half, x), _mm256_add_ps(one, t)));
	}
	for (; i < n; i++) {
		float x = in[i];
		out[i] = 0.5f * x * (1.0f + tanhf(GELU_SCALE * (x + GELU_C * x * x * x)));
	}
}

/* Eight lanes of silu(g) u = g u / (1 + exp(-g)). */
VMATH_AVX2 static inline __m256 vmath_silu_mul8(__m256 g, __m256 u)
{
	__m256 one = _mm256_set1_ps(1.0f);
	__m256 e = vmath_exp8(_mm256_sub_ps(_mm256_setzero_ps(), g));
	return _mm256_mul_ps(_mm256_mul_ps(g, _mm256_div_ps(one, _mm256_add_ps(one, e))), u);
}

/* The last n % 8 elements through the same lanes (padded), so an element's
 * bits do not depend on where a caller's piece of the array ends. */
VMATH_AVX2 static void vmath_silu_mul_avx2(float *out, const float *g, const float *u, size_t n)
{
	size_t i = 0;
	for (; i + 8 <= n; i += 8)
		_mm256_storeu_ps(out + i, vmath_silu_mul8(_mm256_loadu_ps(g + i), _mm256_loadu_ps(u + i)));
	if (i < n) {
		float gt[8] = { 0 }, ut[8] = { 0 }, ot[8];
		memcpy(gt, g + i, (n - i) * sizeof *gt);
		memcpy(ut, u + i, (n - i) * sizeof *ut);
		_mm256_storeu_ps(ot, vmath_silu_mul8(_mm256_loadu_ps(gt), _mm256_loadu_ps(ut)));
		memcpy(out + i, ot, (n - i) * sizeof *ot);
	}
}

VMATH_AVX2 static void vmath_gelu_backward_avx2(float *dinp, const float *in, const float *dout,
                                                size_t n)
{
	size_t i = 0;
	__m256 half = _mm256_set1_ps(0.5f), one = _mm256_set1_ps(1.0f);
	for (; i + 8 <= n; i += 8) {
		__m256 x = _mm256_loadu_ps(in + i);
		__m256 t = vmath_tanh8(vmath_gelu_u(x));
		__m256 sech2 = _mm256_fnmadd_ps(t, t, one);
		__m256 du = _mm256_mul_ps(_mm256_set1_ps(GELU_SCALE),
		                          _mm256_fmadd_ps(_mm256_set1_ps(3.0f * GELU_C), _mm256_mul_ps(x, x), one));
		/* 0.5 (1 + t) + 0.5 x sech2 du */
		__m256 g = _mm256_fmadd_ps(_mm256_mul_ps(_mm256_mul_ps(half, x), sech2), du,
		                           _mm256_mul_ps(half, _mm256_add_ps(one, t)));
		_mm256_storeu_ps(dinp + i, _mm256_mul_ps(g, _mm256_loadu_ps(dout + i)));
	}
	for (; i < n; i++) {
		float x = in[i], t = tanhf(GELU_SCALE * (x + GELU_C * x * x * x));
		float g = 0.5f * (1.0f + t) + 0.5f * x * (1.0f - t * t) * GELU_SCALE * (1.0f + 3.0f * GELU_C * x * x);
		dinp[i] = g * dout[i];
	}
}

/* Eight elements of AdamW. The last few of a range go through it too (from
 * a padded copy), so an element's bits do not depend on where a range, a
 * thread's part or an optimizer slice happens to end. */
VMATH_AVX2 static inline __attribute__((always_inline)) void
vmath_adamw8(float *w, float *g, float *m, float *v, __m256 b1, __m256 b2, __m256 c1, __m256 c2,
             __m256 dc, __m256 ss, __m256 bc, __m256 ep, int zero_g)
{
	__m256 gi = _mm256_loadu_ps(g);
	__m256 mi = _mm256_add_ps(_mm256_mul_ps(b1, _mm256_loadu_ps(m)), _mm256_mul_ps(c1, gi));
	__m256 vi = _mm256_add_ps(_mm256_mul_ps(b2, _mm256_loadu_ps(v)),
	                          _mm256_mul_ps(_mm256_mul_ps(c2, gi), gi));
	__m256 denom = _mm256_add_ps(_mm256_div_ps(_mm256_sqrt_ps(vi), bc), ep);
	__m256 wi = _mm256_mul_ps(_mm256_loadu_ps(w), dc);
	wi = _mm256_sub_ps(wi, _mm256_div_ps(_mm256_mul_ps(ss, mi), denom));
	_mm256_storeu_ps(m, mi);
	_mm256_storeu_ps(v, vi);
	_mm256_storeu_ps(w, wi);
	if (zero_g)
		_mm256_storeu_ps(g, _mm256_setzero_ps());
}

VMATH_AVX2 static void vmath_adamw_avx2(float *w, float *g, float *m, float *v, size_t n,
                                        float beta1, float beta2, float decay, float step_size,
                                        float bc2_sqrt, float eps, int zero_g)
{
	__m256 b1 = _mm256_set1_ps(beta1), b2 = _mm256_set1_ps(beta2);
	__m256 c1 = _mm256_set1_ps(1.0f - beta1), c2 = _mm256_set1_ps(1.0f - beta2);
	__m256 dc = _mm256_set1_ps(decay), ss = _mm256_set1_ps(step_size);
	__m256 bc = _mm256_set1_ps(bc2_sqrt), ep = _mm256_set1_ps(eps);
	size_t i = 0;
	for (; i + 8 <= n; i += 8)
		vmath_adamw8(w + i, g + i, m + i, v + i, b1, b2, c1, c2, dc, ss, bc, ep, zero_g);
	if (i < n) {
		float t[4][8] = { { 0 } };
		size_t k = n - i;
		memcpy(t[0], w + i, k * sizeof *w);
		memcpy(t[1], g + i, k * sizeof *g);
		memcpy(t[2], m + i, k * sizeof *m);
		memcpy(t[3], v + i, k * sizeof *v);
		vmath_adamw8(t[0], t[1], t[2], t[3], b1, b2, c1, c2, dc, ss, bc, ep, zero_g);
		memcpy(w + i, t[0], k * sizeof *w);
		memcpy(g + i, t[1], k * sizeof *g);
		memcpy(m + i, t[2], k * sizeof *m);
		memcpy(v + i, t[3], k * sizeof *v);
	}
}

VMATH_AVX2 static double vmath_sumsq_avx2(const float *x, size_t n)
{
	__m256d a0 = _mm256_setzero_pd(), a1 = _mm256_setzero_pd();
	size_t i = 0;
	for (; i + 8 <= n; i += 8) {
		__m256 xv = _mm256_loadu_ps(x + i);
		__m256d lo = _mm256_cvtps_pd(_mm256_castps256_ps128(xv));
		__m256d hi = _mm256_cvtps_pd(_mm256_extractf128_ps(xv, 1));
		a0 = _mm256_fmadd_pd(lo, lo, a0);
		a1 = _mm256_fmadd_pd(hi, hi, a1);
	}
	double t[4];
	_mm256_storeu_pd(t, _mm256_add_pd(a0, a1));
	double s = (t[0] + t[1]) + (t[2] + t[3]);
	for (; i < n; i++)
		s += (double)x[i] * x[i];
	return s;
}
#endif

float vmath_max(const float *x, size_t n)
{
#if VMATH_X86
	if (cpu_level() >= CPU_AVX2)
		return vmath_max_avx2(x, n);
#endif
	float mx = -INFINITY;
	for (size_t i = 0; i < n; i++)
		mx = x[i] > mx ? x[i] : mx;
	return mx;
}

double vmath_exp_sum(const float *x, size_t n, float sub)
{
#if VMATH_X86
	if (cpu_level() >= CPU_AVX2)
		return vmath_exp_sum_avx2(x, n, sub);
#endif
	double s = 0.0;
	for (size_t i = 0; i < n; i++)
		s += (double)expf(x[i] - sub);
	return s;
}

long vmath_argmax(const float *x, size_t n)
{
#if VMATH_X86
	if (cpu_level() >= CPU_AVX2)
		return vmath_argmax_avx2(x, n);
#endif
	long b = -1;
	for (size_t i = 0; i < n; i++)
		if (x[i] == x[i] && (b < 0 || x[i] > x[b]))
			b = (long)i;
	return b;
}

double vmath_exp_store(float *out, const float *x, size_t n, float sub, float mul)
{
#if VMATH_X86
	if (cpu_level() >= CPU_AVX2)
		return vmath_exp_store_avx2(out, x, n, sub, mul);
#endif
	double s = 0.0;
	for (size_t i = 0; i < n; i++) {
		out[i] = vmath_exp_or_0((x[i] - sub) * mul);
		s += (double)out[i];
	}
	return s;
}

void vmath_exp_scale(float *x, size_t n, float sub, float scale)
{
#if VMATH_X86
	if (cpu_level() >= CPU_AVX2) {
		vmath_exp_scale_avx2(x, n, sub, scale);
		return;
	}
#endif
	for (size_t i = 0; i < n; i++)
		x[i] = expf(x[i] - sub) * scale;
}

void vmath_gelu(float *out, const float *in, size_t n)
{
#if VMATH_X86
	if (cpu_level() >= CPU_AVX2) {
		vmath_gelu_avx2(out, in, n);
		return;
	}
#endif
	for (size_t i = 0; i < n; i++) {
		float x = in[i];
		out[i] = 0.5f * x * (1.0f + tanhf(GELU_SCALE * (x + GELU_C * x * x * x)));
	}
}

void vmath_gelu_backward(float *dinp, const float *in, const float *dout, size_t n)
{
#if VMATH_X86
	if (cpu_level() >= CPU_AVX2) {
		vmath_gelu_backward_avx2(dinp, in, dout, n);
		return;
	}
#endif
	for (size_t i = 0; i < n; i++) {
		float x = in[i], t = tanhf(GELU_SCALE * (x + GELU_C * x * x * x));
		float g = 0.5f * (1.0f + t) + 0.5f * x * (1.0f - t * t) * GELU_SCALE * (1.0f + 3.0f * GELU_C * x * x);
		dinp[i] = g * dout[i];
	}
}

void vmath_silu_mul(float *out, const float *g, const float *u, size_t n)
{
#if VMATH_X86
	if (cpu_level() >= CPU_AVX2) {
		vmath_silu_mul_avx2(out, g, u, n);
		return;
	}
#endif
	for (size_t i = 0; i < n; i++)
		out[i] = g[i] * (1.0f / (1.0f + expf(-g[i]))) * u[i];
}

void vmath_adamw(float *w, float *g, float *m, float *v, size_t n, float beta1, float beta2,
                 float decay, float step_size, float bc2_sqrt, float eps, int zero_g)
{
#if VMATH_X86
	if (cpu_level() >= CPU_AVX2) {
		vmath_adamw_avx2(w, g, m, v, n, beta1, beta2, decay, step_size, bc2_sqrt, eps, zero_g);
		return;
	}
#endif
	for (size_t i = 0; i < n; i++) {
		float gi = g[i];
		m[i] = beta1 * m[i] + (1.0f - beta1) * gi;
		v[i] = beta2 * v[i] + (1.0f - beta2) * gi * gi;
		float denom = sqrtf(v[i]) / bc2_sqrt + eps;
		w[i] = w[i] * decay - step_size * m[i] / denom;
		if (zero_g)
			g[i] = 0.0f;
	}
}

/* The 8 lanes of a dot product added as _mm256_hadd_ps does for 8 rows at
 * once: ((0+1) + (2+3)) + ((4+5) + (6+7)). */
static float vmath_lanes(const float *l)
{
	return ((l[0] + l[1]) + (l[2] + l[3])) + ((l[4] + l[5]) + (l[6] + l[7]));
}

/* The cached keys and values are F32 or BF16 (bf16 set: the upper half of
 * an F32, exact to widen). One source serves both: the bf16 argument is a
 * constant at every call, so each inlined copy loads one way. */
#define VMATH_INLINE static inline __attribute__((always_inline))

VMATH_INLINE float vmath_at(const void *x, size_t i, int bf16)
{
	if (!bf16)
		return ((const float *)x)[i];
	uint32_t u = (uint32_t)((const uint16_t *)x)[i] << 16;
	float f;
	memcpy(&f, &u, sizeof f);
	return f;
}

/* One dot product in vmath_dots' order, in plain C. */
VMATH_INLINE float vmath_dot1(const float *a, const void *b, size_t n, int bf16)
{
	float l[8] = { 0 };
	size_t i = 0;
	for (; i + 8 <= n; i += 8)
		for (size_t k = 0; k < 8; k++)
			l[k] = fmaf(a[i + k], vmath_at(b, i + k, bf16), l[k]);
	for (size_t k = 0; i < n; i++, k++)
		l[k] = fmaf(a[i], vmath_at(b, i, bf16), l[k]);
	return vmath_lanes(l);
}

#if VMATH_X86
VMATH_AVX2 VMATH_INLINE __m256 vmath_load8(const void *x, size_t i, int bf16)
{
	if (!bf16)
		return _mm256_loadu_ps((const float *)x + i);
	__m128i h = _mm_loadu_si128((const __m128i *)(const void *)((const uint16_t *)x + i));
	return _mm256_castsi256_ps(_mm256_slli_epi32(_mm256_cvtepu16_epi32(h), 16));
}

/* Eight rows at once: eight independent chains, reduced together. The
 * last rows (T not a multiple of 8) go through the same eight chains, the
 * missing ones reading the last row again and their results dropped,
 * rather than one at a time, each a lone chain of n / 8 fmas waiting on
 * the last (dots 6.7% -> 6.2% of a batch-32 SmolLM2-shape int8 step on a
 * Zen 4, one thread: mostly the cache's first reads remain). */
VMATH_AVX2 VMATH_INLINE void vmath_dots_avx2_any(float *s, const float *q, const void *k, size_t ks,
                                             size_t T, size_t n, float scale, int bf16)
{
	size_t t = 0, nv = n & ~(size_t)7;
	for (; t < T && nv == n; t += 8) {
		__m256 a[8];
		size_t at[8];
		_Pragma("GCC unroll 8")
		for (int r = 0; r < 8; r++) {
			a[r] = _mm256_setzero_ps();
			at[r] = (t + (size_t)r < T ? t + (size_t)r : T - 1) * ks;
		}
		for (size_t i = 0; i < n; i += 8) {
			__m256 qv = _mm256_loadu_ps(q + i);
			_Pragma("GCC unroll 8")
			for (int r = 0; r < 8; r++)
				a[r] = _mm256_fmadd_ps(qv, vmath_load8(k, at[r] + i, bf16), a[r]);
		}
		__m256 t0 = _mm256_hadd_ps(a[0], a[1]), t1 = _mm256_hadd_ps(a[2], a[3]);
		__m256 t2 = _mm256_hadd_ps(a[4], a[5]), t3 = _mm256_hadd_ps(a[6], a[7]);
		__m256 u0 = _mm256_hadd_ps(t0, t1), u1 = _mm256_hadd_ps(t2, t3);
		/* u0: rows 0-3 lanes (0+1)+(2+3) low, (4+5)+(6+7) high; u1: rows 4-7 */
		__m256 lo = _mm256_permute2f128_ps(u0, u1, 0x20), hi = _mm256_permute2f128_ps(u0, u1, 0x31);
		__m256 out = _mm256_mul_ps(_mm256_add_ps(lo, hi), _mm256_set1_ps(scale));
		if (t + 8 <= T)
			_mm256_storeu_ps(s + t, out);
		else {
			float part[8];
			_mm256_storeu_ps(part, out);
			memcpy(s + t, part, (T - t) * sizeof *s);
		}
	}
	for (; t < T; t++) {
		__m256 a = _mm256_setzero_ps();
		size_t i = 0;
		for (; i < nv; i += 8)
			a = _mm256_fmadd_ps(_mm256_loadu_ps(q + i), vmath_load8(k, t * ks + i, bf16), a);
		float l[8];
		_mm256_storeu_ps(l, a);
		for (size_t r = 0; i < n; i++, r++)
			l[r] = fmaf(q[i], vmath_at(k, t * ks + i, bf16), l[r]);
		s[t] = vmath_lanes(l) * scale;
	}
}

/* Outputs i to n, eight at a time and then alone: the end of a row that
 * the wider pieces leave. */
VMATH_AVX2 VMATH_INLINE void vmath_wsum_tail(float *o, const float *p, const void *v, size_t vs,
                                         size_t T, size_t i, size_t n, int bf16)
{
	for (; i + 8 <= n; i += 8) {
		__m256 a = _mm256_setzero_ps();
		for (size_t t = 0; t < T; t++)
			a = _mm256_fmadd_ps(_mm256_set1_ps(p[t]), vmath_load8(v, t * vs + i, bf16), a);
		_mm256_storeu_ps(o + i, a);
	}
	for (; i < n; i++) {
		float a = 0.0f;
		for (size_t t = 0; t < T; t++)
			a = fmaf(p[t], vmath_at(v, t * vs + i, bf16), a);
		o[i] = a;
	}
}

/* 64 outputs at a time in registers, the rows streamed once per chunk. */
VMATH_AVX2 VMATH_INLINE void vmath_wsum_avx2_any(float *o, const float *p, const void *v, size_t vs,
                                             size_t T, size_t n, int bf16)
{
	size_t i = 0;
	for (; i + 64 <= n; i += 64) {
		__m256 a[8];
		_Pragma("GCC unroll 8")
		for (int c = 0; c < 8; c++)
			a[c] = _mm256_setzero_ps();
		for (size_t t = 0; t < T; t++) {
			__m256 pv = _mm256_set1_ps(p[t]);
			_Pragma("GCC unroll 8")
			for (int c = 0; c < 8; c++)
				a[c] = _mm256_fmadd_ps(pv, vmath_load8(v, t * vs + i + 8 * c, bf16), a[c]);
		}
		_Pragma("GCC unroll 8")
		for (int c = 0; c < 8; c++)
			_mm256_storeu_ps(o + i + 8 * c, a[c]);
	}
	vmath_wsum_tail(o, p, v, vs, T, i, n, bf16);
}

/* one copy of each for either cache type */
VMATH_AVX2 static void vmath_dots_avx2(float *s, const float *q, const void *k, size_t ks,
                                       size_t T, size_t n, float scale, int bf16)
{
	if (bf16)
		vmath_dots_avx2_any(s, q, k, ks, T, n, scale, 1);
	else
		vmath_dots_avx2_any(s, q, k, ks, T, n, scale, 0);
}

VMATH_AVX2 static void vmath_wsum_avx2(float *o, const float *p, const void *v, size_t vs,
                                       size_t T, size_t n, int bf16)
{
	if (bf16)
		vmath_wsum_avx2_any(o, p, v, vs, T, n, 1);
	else
		vmath_wsum_avx2_any(o, p, v, vs, T, n, 0);
}

/* With AVX-512 the weighted sum of BF16 values widens them without a
 * shuffle (vpmovzxwd and a shift both need the shuffle ports): a 32-bit
 * word holds two, and << 16 gives the even one as an F32, & 0xffff0000 the
 * odd one. Every output keeps its one chain over the rows in order; the
 * outputs are only kept as evens and odds and put back in order at the end.
 * The code is AVX2; it is the AVX-512 level's because it was measured
 * there. The same idea for the dots (rows paired in one register by an
 * insert or blend, or four in a zmm) measured slower than the AVX2 dots on
 * a Zen 4, so the dots stay AVX2. */
#define VMATH_512 __attribute__((target("avx2,fma,avx512f,avx512bw,avx512vl")))

/* Outputs i to i + 16 P, one chain each over the rows in order: a row's
 * sixteen values a load, evens and odds each an accumulator. */
VMATH_512 VMATH_INLINE void vmath_wsum_512_pass(float *o, const float *p, const uint16_t *v, size_t vs,
                                                size_t T, size_t i, int P)
{
	__m256 e[5], d[5];
	const __m256i hi = _mm256_set1_epi32((int)0xffff0000u);
	_Pragma("GCC unroll 5")
	for (int c = 0; c < P; c++)
		e[c] = d[c] = _mm256_setzero_ps();
	for (size_t t = 0; t < T; t++) {
		__m256 pv = _mm256_set1_ps(p[t]);
		_Pragma("GCC unroll 5")
		for (int c = 0; c < P; c++) {
			__m256i x = _mm256_loadu_si256((const void *)(v + t * vs + i + 16 * (size_t)c));
			e[c] = _mm256_fmadd_ps(pv, _mm256_castsi256_ps(_mm256_slli_epi32(x, 16)), e[c]);
			d[c] = _mm256_fmadd_ps(pv, _mm256_castsi256_ps(_mm256_and_si256(x, hi)), d[c]);
		}
	}
	_Pragma("GCC unroll 5")
	for (int c = 0; c < P; c++) {
		__m256 a = _mm256_unpacklo_ps(e[c], d[c]), b = _mm256_unpackhi_ps(e[c], d[c]);
		_mm256_storeu_ps(o + i + 16 * (size_t)c, _mm256_permute2f128_ps(a, b, 0x20));
		_mm256_storeu_ps(o + i + 16 * (size_t)c + 8, _mm256_permute2f128_ps(a, b, 0x31));
	}
}

/* BF16 values. */
VMATH_512 static void vmath_wsum_512(float *o, const float *p, const uint16_t *v, size_t vs, size_t T,
                                     size_t n)
{
	size_t i = 0;
	while (n - i >= 16) {
		size_t m = (n - i) / 16; /* pieces of 16: five at once, or four leaving more */
		switch (m > 5 ? 4 : m) {
		case 5: vmath_wsum_512_pass(o, p, v, vs, T, i, 5); break;
		case 4: vmath_wsum_512_pass(o, p, v, vs, T, i, 4); break;
		case 3: vmath_wsum_512_pass(o, p, v, vs, T, i, 3); break;
		case 2: vmath_wsum_512_pass(o, p, v, vs, T, i, 2); break;
		default: vmath_wsum_512_pass(o, p, v, vs, T, i, 1); break;
		}
		i += 16 * (m > 5 ? 4 : m);
	}
	vmath_wsum_tail(o, p, v, vs, T, i, n, 1);
}
#endif

VMATH_INLINE void vmath_dots_any(float *s, const float *q, const void *k, size_t ks, size_t T,
                                 size_t n, float scale, int bf16)
{
#if VMATH_X86
	if (cpu_level() >= CPU_AVX2) {
		vmath_dots_avx2(s, q, k, ks, T, n, scale, bf16);
		return;
	}
#endif
	for (size_t t = 0; t < T; t++)
		s[t] = vmath_dot1(q, bf16 ? (const void *)((const uint16_t *)k + t * ks)
		                          : (const void *)((const float *)k + t * ks), n, bf16) * scale;
}

VMATH_INLINE void vmath_wsum_any(float *o, const float *p, const void *v, size_t vs, size_t T,
                                 size_t n, int bf16)
{
#if VMATH_X86
	if (bf16 && cpu_level() >= CPU_AVX512) {
		vmath_wsum_512(o, p, v, vs, T, n);
		return;
	}
	if (cpu_level() >= CPU_AVX2) {
		vmath_wsum_avx2(o, p, v, vs, T, n, bf16);
		return;
	}
#endif
	for (size_t i = 0; i < n; i++) {
		float a = 0.0f;
		for (size_t t = 0; t < T; t++)
			a = fmaf(p[t], vmath_at(v, t * vs + i, bf16), a);
		o[i] = a;
	}
}

void vmath_dots(float *s, const float *q, const float *k, size_t ks, size_t T, size_t n,
                float scale)
{
	vmath_dots_any(s, q, k, ks, T, n, scale, 0);
}

void vmath_wsum(float *o, const float *p, const float *v, size_t vs, size_t T, size_t n)
{
	vmath_wsum_any(o, p, v, vs, T, n, 0);
}

void vmath_dots_bf16(float *s, const float *q, const uint16_t *k, size_t ks, size_t T, size_t n,
                     float scale)
{
	vmath_dots_any(s, q, k, ks, T, n, scale, 1);
}

void vmath_wsum_bf16(float *o, const float *p, const uint16_t *v, size_t vs, size_t T, size_t n)
{
	vmath_wsum_any(o, p, v, vs, T, n, 1);
}

#if VMATH_X86
VMATH_AVX2 static float vmath_stream_sum_avx2(const float *x, size_t n)
{
	__m256 a[4] = { _mm256_setzero_ps(), _mm256_setzero_ps(), _mm256_setzero_ps(),
	                _mm256_setzero_ps() };
	size_t i = 0;
	for (; i + 32 <= n; i += 32) {
		_mm_prefetch((const char *)(x + i + 512), _MM_HINT_T0);
		_mm_prefetch((const char *)(x + i + 528), _MM_HINT_T0);
		for (int k = 0; k < 4; k++)
			a[k] = _mm256_add_ps(a[k], _mm256_loadu_ps(x + i + 8 * k));
	}
	float t[8];
	_mm256_storeu_ps(t, _mm256_add_ps(_mm256_add_ps(a[0], a[1]), _mm256_add_ps(a[2], a[3])));
	float s = ((t[0] + t[1]) + (t[2] + t[3])) + ((t[4] + t[5]) + (t[6] + t[7]));
	for (; i < n; i++)
		s += x[i];
	return s;
}
#endif

float vmath_stream_sum(const float *x, size_t n)
{
#if VMATH_X86
	if (cpu_level() >= CPU_AVX2)
		return vmath_stream_sum_avx2(x, n);
#endif
	float s[8] = { 0 };
	size_t i = 0;
	for (; i + 8 <= n; i += 8)
		for (size_t k = 0; k < 8; k++)
			s[k] += x[i + k];
	for (; i < n; i++)
		s[0] += x[i];
	return ((s[0] + s[1]) + (s[2] + s[3])) + ((s[4] + s[5]) + (s[6] + s[7]));
}

double vmath_sumsq(const float *x, size_t n)
{
#if VMATH_X86
	if (cpu_level() >= CPU_AVX2)
		return vmath_sumsq_avx2(x, n);
#endif
	double s = 0.0;
	for (size_t i = 0; i < n; i++)
		s += (double)x[i] * x[i];
	return s;
}
