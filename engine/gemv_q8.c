#include "config.h"

#include "engine/cpu.h"
#include "engine/gemv_q8.h"
#include "engine/pool.h"
#include "engine/vmath.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#if defined(__x86_64__) && defined(__GNUC__)
#include <immintrin.h>
#define Q8_X86 1
#else
#define Q8_X86 0
#endif

#define Q8_G GEMV_Q8_GROUP
/* Output channels a thread's part is a multiple of: small enough that the
 * widths of small models split evenly (SmolLM2's 576 and 192 are 36 and 12
 * grains, where grains of 64 gave two threads 4 and 5, 1 and 2), a multiple
 * of the kernels' 4-channel blocks. */
#define Q8_GRAIN 16

static size_t q8_groups(size_t n)
{
	return (n + Q8_G - 1) / Q8_G;
}

size_t gemv_q8_bytes(size_t IC, size_t OC)
{
	return OC * q8_groups(IC) * Q8_G;
}

size_t gemv_q8_scales(size_t IC, size_t OC)
{
	return OC * q8_groups(IC);
}

/* n values (stride apart) into a whole group of q, zero-padded; the largest
 * magnitude maps to 127, and the group's scale is returned (0 for zeros). */
static inline long q8_round(float v)
{
#if Q8_X86
	return _mm_cvtss_si32(_mm_set_ss(v)); /* lrintf's nearest-even, without the call */
#else
	return lrintf(v);
#endif
}

static float q8_group(int8_t *q, const float *v, size_t stride, size_t n)
{
	float amax = 0.0f;
	for (size_t k = 0; k < n; k++) {
		float a = fabsf(v[k * stride]);
		amax = a > amax ? a : amax; /* as fmaxf: a NaN is passed over */
	}
	float inv = amax > 0.0f ? 127.0f / amax : 0.0f;
	for (size_t k = 0; k < Q8_G; k++) {
		long r = k < n ? q8_round(v[k * stride] * inv) : 0;
		q[k] = (int8_t)(r > 127 ? 127 : r < -127 ? -127 : r);
	}
	return amax / 127.0f;
}

#if Q8_X86
/* q8_group of a whole group of consecutive values, 8 lanes at a time, to
 * the same bits: the magnitude's maximum is exact in any order (a NaN
 * passed over as fmaxf does), the product and the nearest-even conversion
 * are those of the scalar code, lane by lane. Every int8 load of a matrix
 * passes here (half of its time in the scalar loop). */
__attribute__((target("avx2"))) static float q8_group_avx2(int8_t *q, const float *v)
{
	_Static_assert(Q8_G == 32, "four vectors of eight a group");
	const __m256 sign = _mm256_set1_ps(-0.0f);
	__m256 x[4], m = _mm256_setzero_ps();
	for (int k = 0; k < 4; k++) {
		x[k] = _mm256_loadu_ps(v + 8 * k);
		m = _mm256_max_ps(_mm256_andnot_ps(sign, x[k]), m); /* m when |x| is NaN */
	}
	float lanes[8];
	_mm256_storeu_ps(lanes, m);
	float amax = 0.0f;
	for (int k = 0; k < 8; k++)
		amax = lanes[k] > amax ? lanes[k] : amax;
	float inv = amax > 0.0f ? 127.0f / amax : 0.0f;
	const __m256 vi = _mm256_set1_ps(inv);
	const __m256i hi = _mm256_set1_epi32(127), lo = _mm256_set1_epi32(-127);
	__m256i r[4];
	for (int k = 0; k < 4; k++)
		r[k] = _mm256_max_epi32(_mm256_min_epi32(_mm256_cvtps_epi32(_mm256_mul_ps(x[k], vi)), hi), lo);
	/* the packs interleave 128-bit lanes: put the 32 bytes back in order */
	__m256i b = _mm256_packs_epi16(_mm256_packs_epi32(r[0], r[1]), _mm256_packs_epi32(r[2], r[3]));
	b = _mm256_permutevar8x32_epi32(b, _mm256_setr_epi32(0, 4, 1, 5, 2, 6, 3, 7));
	_mm256_storeu_si256((__m256i *)(void *)q, b);
	return amax / 127.0f;
}
#endif

/* Output channel c's inputs are at w + c * cstride, istride apart. */
static void q8_pack(int8_t *q, float *scale, const float *w, size_t IC, size_t OC, size_t cstride,
                    size_t istride)
{
	size_t ng = q8_groups(IC);
#if Q8_X86
	int avx2 = istride == 1 && cpu_level() >= CPU_AVX2;
#endif
	for (size_t c = 0; c < OC; c++)
		for (size_t g = 0; g < ng; g++) {
			size_t i0 = g * Q8_G, n = IC - i0 < Q8_G ? IC - i0 : Q8_G;
			int8_t *qg = q + (c * ng + g) * Q8_G;
			const float *v = w + c * cstride + i0 * istride;
#if Q8_X86
			if (avx2 && n == Q8_G) {
				scale[c * ng + g] = q8_group_avx2(qg, v);
				continue;
			}
#endif
			scale[c * ng + g] = q8_group(qg, v, istride, n);
		}
}

void gemv_pack_q8(int8_t *q, float *scale, const float *w, size_t IC, size_t OC)
{
	q8_pack(q, scale, w, IC, OC, 1, OC);
}

void gemv_pack_q8_rows(int8_t *q, float *scale, const float *e, size_t OC, size_t IC)
{
	q8_pack(q, scale, e, IC, OC, IC, 1);
}

struct q8_job {
	float *y;
	const int8_t *xq;   /* [R, ng * G] the rows of x quantized, */
	const int8_t *xa;   /* their magnitudes, */
	const float *dx;    /* [R, ng] and their scales, */
	const float *dxe;   /* (VNNI) [R, ng / 2, 16]: a pair's scales, 8 lanes each */
	const int8_t *q;
	const float *sc, *bias;
	size_t R, ng, OC;
	int accumulate;
};

/* The fixed order of the final sum: even groups summed into 8 lanes a, odd
 * groups into 8 lanes b (a 512-bit vector holds a pair of groups), then a +
 * b lane by lane, then the lanes pairwise. */
static float q8_lanes(const float a[8], const float b[8])
{
	float c[8];
	for (int m = 0; m < 8; m++)
		c[m] = a[m] + b[m];
	return ((c[0] + c[4]) + (c[2] + c[6])) + ((c[1] + c[5]) + (c[3] + c[7]));
}

static void q8_store(const struct q8_job *j, size_t r, size_t c, float sum)
{
	float b = j->bias ? j->bias[c] : 0.0f, *y = j->y + r * j->OC + c;
	*y = (j->accumulate ? *y + b : b) + sum;
}

static void q8_plain(void *ctx, size_t lo, size_t hi)
{
	const struct q8_job *j = ctx;
	size_t row = j->ng * Q8_G;
	for (size_t c = lo; c < hi; c++)
		for (size_t r = 0; r < j->R; r++) {
			float a[2][8] = { { 0 } };
			for (size_t g = 0; g < j->ng; g++) {
				const int8_t *w = j->q + c * row + g * Q8_G, *x = j->xq + r * row + g * Q8_G;
				float d = j->dx[r * j->ng + g] * j->sc[c * j->ng + g];
				for (size_t m = 0; m < 8; m++) {
					int32_t s = 0;
					for (size_t t = 0; t < 4; t++)
						s += (int32_t)x[4 * m + t] * w[4 * m + t];
					a[g & 1][m] = fmaf((float)s, d, a[g & 1][m]);
				}
			}
			q8_store(j, r, c, q8_lanes(a[0], a[1]));
		}
}

#if Q8_X86
#define Q8_AVX2 __attribute__((target("avx2,fma")))

/* q8_lanes in registers: c = a + b; (c0+c4, c1+c5, c2+c6, c3+c7); then
 * (c0+c4)+(c2+c6) and (c1+c5)+(c3+c7); then their sum. */
Q8_AVX2 static inline float q8_hsum(__m256 even, __m256 odd)
{
	__m256 c = _mm256_add_ps(even, odd);
	__m128 h = _mm_add_ps(_mm256_castps256_ps128(c), _mm256_extractf128_ps(c, 1));
	__m128 t = _mm_add_ps(h, _mm_movehl_ps(h, h));
	return _mm_cvtss_f32(_mm_add_ss(t, _mm_shuffle_ps(t, t, 1)));
}

/* NC output channels by NR rows; per group, per pair: the bytes' products
 * summed in pairs (maddubs: |x| unsigned times w with x's sign), then in
 * fours (madd), to float, times the two scales, into that pair's lanes. */
Q8_AVX2 static inline __attribute__((always_inline)) void
q8_block(const struct q8_job *j, size_t c, size_t r0, size_t NC, size_t NR)
{
	size_t row = j->ng * Q8_G;
	const __m256i ones = _mm256_set1_epi16(1);
	__m256 a[2][4], b[2][4]; /* even and odd groups */
	_Pragma("GCC unroll 4")
	for (size_t r = 0; r < NR; r++)
		_Pragma("GCC unroll 4")
		for (size_t k = 0; k < NC; k++)
			a[r][k] = b[r][k] = _mm256_setzero_ps();
	for (size_t g = 0; g < j->ng; g++) {
		__m256i w[4];
		/* four rows of weights are four streams 1 row apart, too many for
		 * the hardware to follow: fetch the next block's lines ahead */
		if ((g & 1) == 0 && r0 == 0)
			_Pragma("GCC unroll 4")
			for (size_t k = 0; k < NC; k++)
				cpu_prefetch_stream(j->q + (c + k + 4 * NC) * row + g * Q8_G);
		_Pragma("GCC unroll 4")
		for (size_t k = 0; k < NC; k++)
			w[k] = _mm256_loadu_si256((const __m256i *)(const void *)(j->q + (c + k) * row +
			                                                           g * Q8_G));
		_Pragma("GCC unroll 4")
		for (size_t r = 0; r < NR; r++) {
			size_t at = (r0 + r) * row + g * Q8_G;
			__m256i xq = _mm256_loadu_si256((const __m256i *)(const void *)(j->xq + at));
			__m256i xa = _mm256_loadu_si256((const __m256i *)(const void *)(j->xa + at));
			float dx = j->dx[(r0 + r) * j->ng + g];
			_Pragma("GCC unroll 4")
			for (size_t k = 0; k < NC; k++) {
				__m256i p = _mm256_maddubs_epi16(xa, _mm256_sign_epi8(w[k], xq));
				__m256 s = _mm256_cvtepi32_ps(_mm256_madd_epi16(p, ones));
				__m256 d = _mm256_set1_ps(dx * j->sc[(c + k) * j->ng + g]);
				if (g & 1)
					b[r][k] = _mm256_fmadd_ps(s, d, b[r][k]);
				else
					a[r][k] = _mm256_fmadd_ps(s, d, a[r][k]);
			}
		}
	}
	_Pragma("GCC unroll 4")
	for (size_t r = 0; r < NR; r++)
		_Pragma("GCC unroll 4")
		for (size_t k = 0; k < NC; k++)
			q8_store(j, r0 + r, c + k, q8_hsum(a[r][k], b[r][k]));
}

/* The pool's work on columns [lo, hi): blocks of 4 columns x 2 rows, then
 * what is left; one driver per kernel level, each compiled for its level
 * (a call across target attributes would not inline the block). */
#define Q8_DRIVER(ATTR, NAME, BLOCK)                                       \
	ATTR static void NAME(void *ctx, size_t lo, size_t hi)             \
	{                                                                  \
		const struct q8_job *j = ctx;                              \
		size_t c = lo;                                             \
		for (; c + 4 <= hi; c += 4) {                              \
			size_t r = 0;                                      \
			for (; r + 2 <= j->R; r += 2)                      \
				BLOCK(j, c, r, 4, 2);                      \
			if (r < j->R)                                      \
				BLOCK(j, c, r, 4, 1);                      \
		}                                                          \
		for (; c < hi; c++)                                        \
			for (size_t r = 0; r < j->R; r++)                  \
				BLOCK(j, c, r, 1, 1);                      \
	}

Q8_DRIVER(Q8_AVX2, q8_avx2, q8_block)

/* AVX-512 with VNNI: vpdpbusd sums the four byte products of a lane in one
 * instruction, two groups a 512-bit vector. Its first operand is unsigned,
 * so the weights go in as w + 128 (w with its top bit flipped, one xor per
 * weight vector) and x as stored: the sum then holds 128 times the lane's
 * x too, which the accumulator starts below by (computed once per row of
 * the block: 128 x by the same instruction), so each lane is the exact
 * integer sum of x w. The
 * pair's scales (dx * sc, 8 lanes each) multiply it and one fma adds it
 * into the pair's accumulator: even groups in the low half, odd in the
 * high, as q8_lanes sums them, so the results are the same bits as
 * q8_avx2's and q8_plain's. Blocks of 4 channels by 4 rows. */
#define Q8_VNNI __attribute__((target("avx2,fma,avx512f,avx512bw,avx512vl,avx512vnni")))

Q8_VNNI static inline __attribute__((always_inline)) void
q8_block_vnni(const struct q8_job *j, size_t c, size_t r0, size_t NC, size_t NR)
{
	size_t row = j->ng * Q8_G, ng = j->ng, np = ng / 2;
	const __m512i idx = _mm512_set_epi32(1, 1, 1, 1, 1, 1, 1, 1, 0, 0, 0, 0, 0, 0, 0, 0);
	const __m512i flip = _mm512_set1_epi8((char)0x80);
	__m512 a[4][4];
	_Pragma("GCC unroll 4")
	for (size_t r = 0; r < NR; r++)
		_Pragma("GCC unroll 4")
		for (size_t k = 0; k < NC; k++)
			a[r][k] = _mm512_setzero_ps();
	for (size_t p = 0; p < np; p++) {
		size_t g = 2 * p;
		__m512i wu[4];
		__m512 sc[4];
		if (r0 == 0)
			_Pragma("GCC unroll 4")
			for (size_t k = 0; k < NC; k++)
				cpu_prefetch_stream(j->q + (c + k + 4 * NC) * row + g * Q8_G);
		_Pragma("GCC unroll 4")
		for (size_t k = 0; k < NC; k++) {
			wu[k] = _mm512_xor_si512(
				_mm512_loadu_si512((const void *)(j->q + (c + k) * row + g * Q8_G)), flip);
			/* the pair's two scales: 8 bytes, not aligned for a double */
			__m128 s2 = _mm_castsi128_ps(
				_mm_loadl_epi64((const __m128i *)(const void *)(j->sc + (c + k) * ng + g)));
			sc[k] = _mm512_permutexvar_ps(idx, _mm512_castps128_ps512(s2));
		}
		_Pragma("GCC unroll 4")
		for (size_t r = 0; r < NR; r++) {
			__m512i xs = _mm512_loadu_si512((const void *)(j->xq + (r0 + r) * row + g * Q8_G));
			__m512i xc = _mm512_sub_epi32(_mm512_setzero_si512(),
			                              _mm512_dpbusd_epi32(_mm512_setzero_si512(), flip, xs));
			__m512 dx = _mm512_loadu_ps(j->dxe + ((r0 + r) * np + p) * 16);
			_Pragma("GCC unroll 4")
			for (size_t k = 0; k < NC; k++) {
				__m512 f = _mm512_cvtepi32_ps(_mm512_dpbusd_epi32(xc, wu[k], xs));
				a[r][k] = _mm512_fmadd_ps(f, _mm512_mul_ps(dx, sc[k]), a[r][k]);
			}
		}
	}
	__m256 lo[4][4], hi[4][4];
	_Pragma("GCC unroll 4")
	for (size_t r = 0; r < NR; r++)
		_Pragma("GCC unroll 4")
		for (size_t k = 0; k < NC; k++) {
			lo[r][k] = _mm512_castps512_ps256(a[r][k]);
			hi[r][k] = _mm256_castpd_ps(_mm512_extractf64x4_pd(_mm512_castps_pd(a[r][k]), 1));
		}
	if (ng & 1) { /* an odd last group (even index): 256 bits, into the low half */
		size_t g = ng - 1;
		_Pragma("GCC unroll 4")
		for (size_t r = 0; r < NR; r++) {
			size_t at = (r0 + r) * row + g * Q8_G;
			__m256i xs = _mm256_loadu_si256((const __m256i *)(const void *)(j->xq + at));
			__m256i xc = _mm256_sub_epi32(_mm256_setzero_si256(),
			                              _mm256_dpbusd_epi32(_mm256_setzero_si256(),
			                                                  _mm256_set1_epi8((char)0x80), xs));
			float dx = j->dx[(r0 + r) * ng + g];
			_Pragma("GCC unroll 4")
			for (size_t k = 0; k < NC; k++) {
				__m256i w = _mm256_xor_si256(
					_mm256_loadu_si256((const __m256i *)(const void *)(j->q + (c + k) * row +
					                                                   g * Q8_G)),
					_mm256_set1_epi8((char)0x80));
				__m256 f = _mm256_cvtepi32_ps(_mm256_dpbusd_epi32(xc, w, xs));
				lo[r][k] = _mm256_fmadd_ps(f, _mm256_set1_ps(dx * j->sc[(c + k) * ng + g]), lo[r][k]);
			}
		}
	}
	_Pragma("GCC unroll 4")
	for (size_t r = 0; r < NR; r++)
		_Pragma("GCC unroll 4")
		for (size_t k = 0; k < NC; k++)
			q8_store(j, r0 + r, c + k, q8_hsum(lo[r][k], hi[r][k]));
}

/* Blocks of 4 channels by 4 rows, then what is left. */
Q8_VNNI static void q8_vnni(void *ctx, size_t lo, size_t hi)
{
	const struct q8_job *j = ctx;
	size_t c = lo;
	for (; c + 4 <= hi; c += 4) {
		size_t r = 0;
		for (; r + 4 <= j->R; r += 4)
			q8_block_vnni(j, c, r, 4, 4);
		switch (j->R - r) {
		case 3: q8_block_vnni(j, c, r, 4, 3); break;
		case 2: q8_block_vnni(j, c, r, 4, 2); break;
		case 1: q8_block_vnni(j, c, r, 4, 1); break;
		default: break;
		}
	}
	for (; c < hi; c++)
		for (size_t r = 0; r < j->R; r++)
			q8_block_vnni(j, c, r, 1, 1);
}


#endif

/* A whole group of 32 as q8_group quantizes it, in two vectors: the same
 * magnitudes' maximum (a NaN passed over, as there), the same products
 * rounded to nearest even, so the same bytes and scale. */
#if Q8_X86
__attribute__((target("avx2,fma,avx512f"))) static float q8_group_avx512(int8_t *q,
                                                                         const float *v)
{
	__m512 a = _mm512_loadu_ps(v), b = _mm512_loadu_ps(v + 16);
	/* max_ps gives its second operand when the first is a NaN */
	__m512 m = _mm512_max_ps(_mm512_abs_ps(b), _mm512_max_ps(_mm512_abs_ps(a), _mm512_setzero_ps()));
	float amax = _mm512_reduce_max_ps(m);
	float inv = amax > 0.0f ? 127.0f / amax : 0.0f;
	__m512 s = _mm512_set1_ps(inv);
	const __m512i hi = _mm512_set1_epi32(127), lo = _mm512_set1_epi32(-127);
	__m512i qa = _mm512_max_epi32(_mm512_min_epi32(_mm512_cvtps_epi32(_mm512_mul_ps(a, s)), hi), lo);
	__m512i qb = _mm512_max_epi32(_mm512_min_epi32(_mm512_cvtps_epi32(_mm512_mul_ps(b, s)), hi), lo);
	_mm_storeu_si128((__m128i *)(void *)q, _mm512_cvtepi32_epi8(qa));
	_mm_storeu_si128((__m128i *)(void *)(q + 16), _mm512_cvtepi32_epi8(qb));
	return amax / 127.0f;
}
#endif

struct q8_prep {
	const float *x;
	size_t IC, ng;
	struct q8_job *j;
	int8_t *xq, *xa; /* writable views of j's arrays */
	float *dx, *dxe;
	int level;    /* 0 plain, 1 AVX2, 2 VNNI */
};

/* Rows [lo, hi) of x quantized, with what the chosen kernel reads beside. */
static void q8_prep_rows(void *ctx, size_t lo, size_t hi)
{
	const struct q8_prep *pp = ctx;
	size_t ng = pp->ng, row = ng * Q8_G, np = ng / 2, IC = pp->IC;
	int8_t *xq = pp->xq;
	for (size_t r = lo; r < hi; r++) {
		for (size_t g = 0; g < ng; g++) {
			size_t i0 = g * Q8_G, n = IC - i0 < Q8_G ? IC - i0 : Q8_G;
			int8_t *qg = xq + r * row + i0;
			const float *v = pp->x + r * IC + i0;
#if Q8_X86
			if (n == Q8_G && pp->level == 2) {
				pp->dx[r * ng + g] = q8_group_avx512(qg, v);
				continue;
			}
#endif
			pp->dx[r * ng + g] = q8_group(qg, v, 1, n);
		}
		const int8_t *xr = xq + r * row;
		if (pp->level == 1)
			for (size_t k = 0; k < row; k++)
				pp->xa[r * row + k] = (int8_t)(xr[k] < 0 ? -xr[k] : xr[k]);
		if (pp->level == 2)
			for (size_t p = 0; p < np; p++)
				for (size_t m = 0; m < 16; m++)
					pp->dxe[(r * np + p) * 16 + m] = pp->dx[r * ng + 2 * p + m / 8];
	}
}

/* Columns [lo, hi) of the outputs' columns laid end to end: each output's
 * share on its own job, so a part may hold the end of one and the start of
 * the next. */
struct q8_multi {
	struct q8_job *j;
	size_t n;
	pool_fn fn;
};

static void q8_multi_part(void *ctx, size_t lo, size_t hi)
{
	const struct q8_multi *m = ctx;
	size_t at = 0;
	for (size_t k = 0; k < m->n && at < hi; at += m->j[k].OC, k++) {
		size_t a = lo > at ? lo - at : 0, b = hi - at < m->j[k].OC ? hi - at : m->j[k].OC;
		if (a < b)
			m->fn(&m->j[k], a, b);
	}
}

int gemv_q8_each(const struct gemv_q8_out *out, size_t n, const float *x, size_t R, size_t IC,
                 int accumulate)
{
	size_t ng = q8_groups(IC), row = ng * Q8_G, np = ng / 2, cols = 0;
	if (n == 0 || n > GEMV_Q8_OUTS)
		return -1;
	int vnni = 0;
#if Q8_X86
	vnni = cpu_level() >= CPU_AVX512 && cpu_has_vnni();
#endif
	/* one allocation: dx, dxe (VNNI), xq, xa (AVX2) */
	size_t nf = R * ng + (vnni ? R * np * 16 : 0);
	float *dx = malloc(nf * sizeof *dx + 2 * R * row + 1);
	if (!dx)
		return -1;
	float *dxe = dx + R * ng;
	int8_t *xq = (int8_t *)(void *)(dx + nf), *xa = xq + R * row;
	struct q8_job j[GEMV_Q8_OUTS];
	for (size_t k = 0; k < n; k++) {
		j[k] = (struct q8_job){ .y = out[k].y, .xq = xq, .xa = xa, .dx = dx, .dxe = dxe,
		                        .q = out[k].q, .sc = out[k].scale, .bias = out[k].bias, .R = R,
		                        .ng = ng, .OC = out[k].OC, .accumulate = accumulate };
		cols += out[k].OC;
	}
	struct q8_prep pp = { .x = x, .IC = IC, .ng = ng, .j = &j[0], .xq = xq, .xa = xa, .dx = dx,
	                      .dxe = dxe, .level = vnni ? 2 : 0 };
#if Q8_X86
	if (!vnni && cpu_level() >= CPU_AVX2)
		pp.level = 1;
#endif
	pool_for(R, 1, q8_prep_rows, &pp);
	struct q8_multi m = { .j = j, .n = n, .fn = q8_plain };
#if Q8_X86
	if (vnni)
		m.fn = q8_vnni;
	else if (cpu_level() >= CPU_AVX2)
		m.fn = q8_avx2;
#endif
	if (n == 1)
		pool_for(cols, Q8_GRAIN, m.fn, &j[0]);
	else
		pool_for(cols, Q8_GRAIN, q8_multi_part, &m);
	free(dx);
	return 0;
}

int gemv_q8(float *y, const float *x, const int8_t *q, const float *scale, const float *bias,
            size_t R, size_t IC, size_t OC, int accumulate)
{
	struct gemv_q8_out o = { .y = y, .q = q, .scale = scale, .bias = bias, .OC = OC };
	return gemv_q8_each(&o, 1, x, R, IC, accumulate);
}
