#include "config.h"

#include "engine/gemv.h"
#include "engine/pool.h"

#include <math.h>
#include <string.h>

#if defined(__x86_64__) && defined(__GNUC__)
#include <immintrin.h>
#define GEMV_X86 1
#else
#define GEMV_X86 0
#endif

#define GEMV_TILE 2048 /* columns of a row read in one sweep (prefetch-friendly) */
#define GEMV_GRAIN 64 /* columns (or rows of E) a thread's part is a multiple of */

float gemv_bf16_to_f32(uint16_t b)
{
	uint32_t u = (uint32_t)b << 16;
	float f;
	memcpy(&f, &u, sizeof f);
	return f;
}

void gemv_bf16_from_f32(uint16_t *dst, const float *src, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		uint32_t u;
		memcpy(&u, &src[i], sizeof u);
		if ((u & 0x7f800000u) == 0x7f800000u && (u & 0x7fffffu)) /* NaN stays NaN */
			dst[i] = (uint16_t)((u >> 16) | 0x40);
		else
			dst[i] = (uint16_t)((u + 0x7fffu + ((u >> 16) & 1u)) >> 16);
	}
}

struct gemv_job {
	float *y;
	const float *x, *w, *bias;
	const uint16_t *wb;
	size_t R, IC, OC;
	int accumulate;
};

static inline float gemv_w(const struct gemv_job *j, size_t at)
{
	return j->w ? j->w[at] : gemv_bf16_to_f32(j->wb[at]);
}

static void gemv_start(const struct gemv_job *j, size_t j0, size_t j1)
{
	for (size_t r = 0; r < j->R; r++) {
		float *yr = j->y + r * j->OC;
		if (!j->accumulate)
			memset(yr + j0, 0, (j1 - j0) * sizeof *yr);
		if (j->bias)
			for (size_t c = j0; c < j1; c++)
				yr[c] += j->bias[c];
	}
}

static void gemv_xw_plain(void *ctx, size_t lo, size_t hi)
{
	const struct gemv_job *j = ctx;
	for (size_t j0 = lo; j0 < hi; j0 += GEMV_TILE) {
		size_t j1 = j0 + GEMV_TILE < hi ? j0 + GEMV_TILE : hi;
		gemv_start(j, j0, j1);
		for (size_t i = 0; i < j->IC; i++)
			for (size_t r = 0; r < j->R; r++) {
				float xv = j->x[r * j->IC + i], *yr = j->y + r * j->OC;
				for (size_t c = j0; c < j1; c++)
					yr[c] += xv * gemv_w(j, i * j->OC + c);
			}
	}
}

static void gemv_xet_plain(void *ctx, size_t lo, size_t hi)
{
	const struct gemv_job *j = ctx; /* IC = C, OC = V */
	for (size_t v = lo; v < hi; v++)
		for (size_t r = 0; r < j->R; r++) {
			const float *xr = j->x + r * j->IC;
			float s = 0.0f;
			for (size_t i = 0; i < j->IC; i++)
				s += xr[i] * gemv_w(j, v * j->IC + i);
			j->y[r * j->OC + v] = s;
		}
}

void gemv_pack_bf16(uint16_t *dst, const float *w, size_t IC, size_t OC)
{
	for (size_t c0 = 0; c0 < OC; c0 += GEMV_PANEL) {
		size_t pw = OC - c0 < GEMV_PANEL ? OC - c0 : GEMV_PANEL;
		uint16_t *panel = dst + c0 * IC;
		for (size_t i = 0; i < IC; i++)
			gemv_bf16_from_f32(panel + i * pw, w + i * OC + c0, pw);
	}
}

/* Writes one panel's sums into y: (y or 0) + bias + sum. */
static void gemv_finish(const struct gemv_job *j, size_t r, size_t c0, size_t pw, const float *sum)
{
	float *yr = j->y + r * j->OC + c0;
	for (size_t c = 0; c < pw; c++) {
		float b = j->bias ? j->bias[c0 + c] : 0.0f;
		yr[c] = (j->accumulate ? yr[c] + b : b) + sum[c];
	}
}

/* One panel, any width, one row: the reference order of the sums. */
static void gemv_panel_plain(const struct gemv_job *j, size_t c0, size_t r)
{
	size_t pw = j->OC - c0 < GEMV_PANEL ? j->OC - c0 : GEMV_PANEL;
	const uint16_t *panel = j->wb + c0 * j->IC;
	const float *xr = j->x + r * j->IC;
	float sum[GEMV_PANEL] = { 0 };
	for (size_t i = 0; i < j->IC; i++)
		for (size_t c = 0; c < pw; c++)
			sum[c] = fmaf(xr[i], gemv_bf16_to_f32(panel[i * pw + c]), sum[c]);
	gemv_finish(j, r, c0, pw, sum);
}

static void gemv_xw_bf16_plain(void *ctx, size_t lo, size_t hi)
{
	const struct gemv_job *j = ctx;
	for (size_t c0 = lo; c0 < hi; c0 += GEMV_PANEL)
		for (size_t r = 0; r < j->R; r++)
			gemv_panel_plain(j, c0, r);
}

#if GEMV_X86
#define GEMV_AVX2 __attribute__((target("avx2,fma")))

GEMV_AVX2 static inline __m256 gemv_load8(const struct gemv_job *j, size_t at)
{
	if (j->w)
		return _mm256_loadu_ps(j->w + at);
	__m128i h = _mm_loadu_si128((const __m128i *)(const void *)(j->wb + at));
	return _mm256_castsi256_ps(_mm256_slli_epi32(_mm256_cvtepu16_epi32(h), 16));
}

GEMV_AVX2 static void gemv_xw_avx2(void *ctx, size_t lo, size_t hi)
{
	const struct gemv_job *j = ctx;
	size_t OC = j->OC;
	for (size_t j0 = lo; j0 < hi; j0 += GEMV_TILE) {
		size_t j1 = j0 + GEMV_TILE < hi ? j0 + GEMV_TILE : hi;
		size_t vend = j0 + ((j1 - j0) & ~(size_t)7);
		gemv_start(j, j0, j1);
		size_t i = 0;
		/* four rows of W per pass over y: the same chain of fmas per
		 * output as one row at a time, with a quarter of the y traffic */
		for (; i + 4 <= j->IC; i += 4) {
			const float *w0 = j->w + i * OC, *w1 = w0 + OC, *w2 = w1 + OC, *w3 = w2 + OC;
			for (size_t r = 0; r < j->R; r++) {
				const float *xr = j->x + r * j->IC + i;
				float *yr = j->y + r * OC;
				__m256 b0 = _mm256_set1_ps(xr[0]), b1 = _mm256_set1_ps(xr[1]);
				__m256 b2 = _mm256_set1_ps(xr[2]), b3 = _mm256_set1_ps(xr[3]);
				for (size_t c = j0; c < vend; c += 8) {
					__m256 y = _mm256_loadu_ps(yr + c);
					y = _mm256_fmadd_ps(b0, _mm256_loadu_ps(w0 + c), y);
					y = _mm256_fmadd_ps(b1, _mm256_loadu_ps(w1 + c), y);
					y = _mm256_fmadd_ps(b2, _mm256_loadu_ps(w2 + c), y);
					y = _mm256_fmadd_ps(b3, _mm256_loadu_ps(w3 + c), y);
					_mm256_storeu_ps(yr + c, y);
				}
				for (size_t c = vend; c < j1; c++) {
					float y = yr[c];
					y = fmaf(xr[0], w0[c], y);
					y = fmaf(xr[1], w1[c], y);
					y = fmaf(xr[2], w2[c], y);
					yr[c] = fmaf(xr[3], w3[c], y);
				}
			}
		}
		for (; i < j->IC; i++) {
			size_t row = i * OC;
			for (size_t r = 0; r < j->R; r++) {
				float xv = j->x[r * j->IC + i], *yr = j->y + r * OC;
				__m256 xb = _mm256_set1_ps(xv);
				for (size_t c = j0; c < vend; c += 8)
					_mm256_storeu_ps(yr + c, _mm256_fmadd_ps(xb, _mm256_loadu_ps(j->w + row + c),
					                                         _mm256_loadu_ps(yr + c)));
				for (size_t c = vend; c < j1; c++)
					yr[c] = fmaf(xv, j->w[row + c], yr[c]);
			}
		}
	}
}

GEMV_AVX2 static inline float gemv_hsum(__m256 v)
{
	__m128 s = _mm_add_ps(_mm256_castps256_ps128(v), _mm256_extractf128_ps(v, 1));
	s = _mm_add_ps(s, _mm_movehl_ps(s, s));
	s = _mm_add_ss(s, _mm_shuffle_ps(s, s, 1));
	return _mm_cvtss_f32(s);
}

GEMV_AVX2 static void gemv_xet_avx2(void *ctx, size_t lo, size_t hi)
{
	const struct gemv_job *j = ctx;
	size_t C = j->IC, vend = C & ~(size_t)7;
	size_t v = lo;
	/* four rows of E at once for independent chains; each output is the
	 * same 8-lane sum whatever the grouping */
	for (; v + 4 <= hi; v += 4)
		for (size_t r = 0; r < j->R; r++) {
			const float *xr = j->x + r * C;
			__m256 a0 = _mm256_setzero_ps(), a1 = a0, a2 = a0, a3 = a0;
			for (size_t i = 0; i < vend; i += 8) {
				__m256 xv = _mm256_loadu_ps(xr + i);
				a0 = _mm256_fmadd_ps(xv, gemv_load8(j, v * C + i), a0);
				a1 = _mm256_fmadd_ps(xv, gemv_load8(j, (v + 1) * C + i), a1);
				a2 = _mm256_fmadd_ps(xv, gemv_load8(j, (v + 2) * C + i), a2);
				a3 = _mm256_fmadd_ps(xv, gemv_load8(j, (v + 3) * C + i), a3);
			}
			float s[4] = { gemv_hsum(a0), gemv_hsum(a1), gemv_hsum(a2), gemv_hsum(a3) };
			for (size_t k = 0; k < 4; k++) {
				for (size_t i = vend; i < C; i++)
					s[k] = fmaf(xr[i], gemv_w(j, (v + k) * C + i), s[k]);
				j->y[r * j->OC + v + k] = s[k];
			}
		}
	for (; v < hi; v++)
		for (size_t r = 0; r < j->R; r++) {
			const float *xr = j->x + r * C;
			__m256 a0 = _mm256_setzero_ps();
			for (size_t i = 0; i < vend; i += 8)
				a0 = _mm256_fmadd_ps(_mm256_loadu_ps(xr + i), gemv_load8(j, v * C + i), a0);
			float s0 = gemv_hsum(a0);
			for (size_t i = vend; i < C; i++)
				s0 = fmaf(xr[i], gemv_w(j, v * C + i), s0);
			j->y[r * j->OC + v] = s0;
		}
}

GEMV_AVX2 static inline __m256 gemv_cvt8(const uint16_t *p)
{
	__m128i h = _mm_loadu_si128((const __m128i *)(const void *)p);
	return _mm256_castsi256_ps(_mm256_slli_epi32(_mm256_cvtepu16_epi32(h), 16));
}

/* Full panels: rows in groups of up to three share each converted weight
 * vector; per row the sums run over i in order, as gemv_panel_plain does. */
GEMV_AVX2 static void gemv_xw_bf16_avx2(void *ctx, size_t lo, size_t hi)
{
	const struct gemv_job *j = ctx;
	size_t IC = j->IC;
	for (size_t c0 = lo; c0 < hi; c0 += GEMV_PANEL) {
		if (j->OC - c0 < GEMV_PANEL) {
			for (size_t r = 0; r < j->R; r++)
				gemv_panel_plain(j, c0, r);
			continue;
		}
		const uint16_t *panel = j->wb + c0 * IC;
		for (size_t r0 = 0; r0 < j->R; r0 += 3) {
			size_t nr = j->R - r0 < 3 ? j->R - r0 : 3;
			const float *x0 = j->x + r0 * IC;
			const float *x1 = nr > 1 ? x0 + IC : x0, *x2 = nr > 2 ? x0 + 2 * IC : x0;
			__m256 a[3][4];
			for (size_t k = 0; k < 3; k++)
				for (size_t q = 0; q < 4; q++)
					a[k][q] = _mm256_setzero_ps();
			for (size_t i = 0; i < IC; i++) {
				const uint16_t *p = panel + i * GEMV_PANEL;
				_mm_prefetch((const char *)(p + 8 * GEMV_PANEL), _MM_HINT_T0);
				__m256 w0 = gemv_cvt8(p), w1 = gemv_cvt8(p + 8), w2 = gemv_cvt8(p + 16),
				       w3 = gemv_cvt8(p + 24);
				__m256 b0 = _mm256_broadcast_ss(x0 + i);
				a[0][0] = _mm256_fmadd_ps(b0, w0, a[0][0]);
				a[0][1] = _mm256_fmadd_ps(b0, w1, a[0][1]);
				a[0][2] = _mm256_fmadd_ps(b0, w2, a[0][2]);
				a[0][3] = _mm256_fmadd_ps(b0, w3, a[0][3]);
				if (nr > 1) {
					__m256 b1 = _mm256_broadcast_ss(x1 + i);
					a[1][0] = _mm256_fmadd_ps(b1, w0, a[1][0]);
					a[1][1] = _mm256_fmadd_ps(b1, w1, a[1][1]);
					a[1][2] = _mm256_fmadd_ps(b1, w2, a[1][2]);
					a[1][3] = _mm256_fmadd_ps(b1, w3, a[1][3]);
				}
				if (nr > 2) {
					__m256 b2 = _mm256_broadcast_ss(x2 + i);
					a[2][0] = _mm256_fmadd_ps(b2, w0, a[2][0]);
					a[2][1] = _mm256_fmadd_ps(b2, w1, a[2][1]);
					a[2][2] = _mm256_fmadd_ps(b2, w2, a[2][2]);
					a[2][3] = _mm256_fmadd_ps(b2, w3, a[2][3]);
				}
			}
			for (size_t k = 0; k < nr; k++) {
				float sum[GEMV_PANEL];
				for (size_t q = 0; q < 4; q++)
					_mm256_storeu_ps(sum + 8 * q, a[k][q]);
				gemv_finish(j, r0 + k, c0, GEMV_PANEL, sum);
			}
		}
	}
}

static int gemv_have_avx2(void)
{
	static int have = -1;
	if (have < 0) {
		__builtin_cpu_init();
		have = __builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma");
	}
	return have;
}
#endif

void gemv_xw(float *y, const float *x, const float *w, const float *bias, size_t R, size_t IC,
             size_t OC, int accumulate)
{
	struct gemv_job j = { y, x, w, bias, NULL, R, IC, OC, accumulate };
	pool_fn fn = gemv_xw_plain;
#if GEMV_X86
	if (gemv_have_avx2())
		fn = gemv_xw_avx2;
#endif
	pool_for(OC, GEMV_GRAIN, fn, &j);
}

void gemv_xw_bf16(float *y, const float *x, const uint16_t *wp, const float *bias, size_t R,
                  size_t IC, size_t OC, int accumulate)
{
	struct gemv_job j = { y, x, NULL, bias, wp, R, IC, OC, accumulate };
	pool_fn fn = gemv_xw_bf16_plain;
#if GEMV_X86
	if (gemv_have_avx2())
		fn = gemv_xw_bf16_avx2;
#endif
	pool_for(OC, GEMV_PANEL, fn, &j);
}

void gemv_xet(float *y, const float *x, const float *e, const uint16_t *eb, size_t R, size_t C,
              size_t V)
{
	struct gemv_job j = { y, x, e, NULL, eb, R, C, V, 0 };
	pool_fn fn = gemv_xet_plain;
#if GEMV_X86
	if (gemv_have_avx2())
		fn = gemv_xet_avx2;
#endif
	pool_for(V, GEMV_GRAIN, fn, &j);
}
