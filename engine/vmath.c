#include "config.h"

#include "engine/cpu.h"
#include "engine/vmath.h"

#include <math.h>
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
	for (; i + 8 <= n; i += 8)
		m = _mm256_max_ps(m, _mm256_loadu_ps(x + i));
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

/* The lanes of vmath_dot summed pairwise: (0+4, 1+5, 2+6, 3+7), then (0+2,
 * 1+3), then 0+1, as the AVX2 reduction does. */
static float vmath_lanes(const float *l)
{
	float a0 = l[0] + l[4], a1 = l[1] + l[5], a2 = l[2] + l[6], a3 = l[3] + l[7];
	float b0 = a0 + a2, b1 = a1 + a3;
	return b0 + b1;
}

#if VMATH_X86
VMATH_AVX2 static float vmath_dot_avx2(const float *a, const float *b, size_t n)
{
	__m256 s = _mm256_setzero_ps();
	size_t i = 0;
	for (; i + 8 <= n; i += 8)
		s = _mm256_fmadd_ps(_mm256_loadu_ps(a + i), _mm256_loadu_ps(b + i), s);
	float l[8];
	_mm256_storeu_ps(l, s);
	for (size_t k = 0; i < n; i++, k++)
		l[k] = fmaf(a[i], b[i], l[k]);
	return vmath_lanes(l);
}

VMATH_AVX2 static void vmath_axpy_avx2(float *y, float s, const float *x, size_t n)
{
	__m256 sv = _mm256_set1_ps(s);
	size_t i = 0;
	for (; i + 8 <= n; i += 8)
		_mm256_storeu_ps(y + i, _mm256_fmadd_ps(sv, _mm256_loadu_ps(x + i), _mm256_loadu_ps(y + i)));
	for (; i < n; i++)
		y[i] = fmaf(s, x[i], y[i]);
}
#endif

float vmath_dot(const float *a, const float *b, size_t n)
{
#if VMATH_X86
	if (cpu_level() >= CPU_AVX2)
		return vmath_dot_avx2(a, b, n);
#endif
	float l[8] = { 0 };
	size_t i = 0;
	for (; i + 8 <= n; i += 8)
		for (size_t k = 0; k < 8; k++)
			l[k] = fmaf(a[i + k], b[i + k], l[k]);
	for (size_t k = 0; i < n; i++, k++)
		l[k] = fmaf(a[i], b[i], l[k]);
	return vmath_lanes(l);
}

void vmath_axpy(float *y, float s, const float *x, size_t n)
{
#if VMATH_X86
	if (cpu_level() >= CPU_AVX2) {
		vmath_axpy_avx2(y, s, x, n);
		return;
	}
#endif
	for (size_t i = 0; i < n; i++)
		y[i] = fmaf(s, x[i], y[i]);
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
