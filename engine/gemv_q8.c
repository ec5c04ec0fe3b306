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
#define Q8_P GEMV_Q8_PANEL
/* A panel's group: GEMV_Q8_GROUP / 4 quads of 64 bytes (Q8_P channels by
 * 4 inputs), then the next group. */
#define Q8_QUADS (Q8_G / 4)
#define Q8_BLOCK (Q8_P * Q8_G)
/* Output channels a thread's part is a multiple of: whole panels, and small
 * enough that the widths of small models split evenly (SmolLM2's 576 and
 * 192 are 36 and 12 panels, where grains of 64 gave two threads 4 and 5, 1
 * and 2). */
#define Q8_GRAIN Q8_P

_Static_assert(Q8_G == 32 && Q8_P == 16, "a quad of a panel is one 512-bit vector");

static size_t q8_groups(size_t n)
{
	return (n + Q8_G - 1) / Q8_G;
}

static size_t q8_panels(size_t OC)
{
	return (OC + Q8_P - 1) / Q8_P;
}

size_t gemv_q8_bytes(size_t IC, size_t OC)
{
	return q8_panels(OC) * q8_groups(IC) * Q8_BLOCK;
}

size_t gemv_q8_scales(size_t IC, size_t OC)
{
	return q8_panels(OC) * q8_groups(IC) * Q8_P;
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


/* Up to Q8_CHUNK groups of a panel: t [16 channels][n groups][8 elements
 * of 4 bytes] dealt out into their blocks, quad k of a block holding each
 * channel's element k, channel by channel. */
#define Q8_CHUNK 64
static void q8_deal_plain(int8_t *b, const int32_t *t, size_t n)
{
	for (size_t g = 0; g < n; g++)
		for (size_t k = 0; k < Q8_QUADS; k++)
			for (size_t cc = 0; cc < Q8_P; cc++)
				memcpy(b + ((g * Q8_QUADS + k) * Q8_P + cc) * 4,
				       t + (cc * Q8_CHUNK + g) * Q8_QUADS + k, 4);
}

#if Q8_X86
/* The same by gathers, a quad's 16 elements in one. */
__attribute__((target("avx2,fma,avx512f"))) static void q8_deal_avx512(int8_t *b, const int32_t *t,
                                                                       size_t n)
{
	const __m512i col = _mm512_mullo_epi32(_mm512_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11,
	                                                         12, 13, 14, 15),
	                                       _mm512_set1_epi32(Q8_CHUNK * Q8_QUADS));
	for (size_t g = 0; g < n; g++)
		for (int k = 0; k < Q8_QUADS; k++)
			_mm512_storeu_si512((void *)(b + (g * Q8_QUADS + (size_t)k) * 4 * Q8_P),
			                    _mm512_i32gather_epi32(
						    _mm512_add_epi32(col, _mm512_set1_epi32((int)g * Q8_QUADS + k)),
						    (const void *)t, 4));
}
#endif

/* Output channel c's inputs are at w + c * cstride, istride apart. A panel
 * is packed Q8_CHUNK groups at a time: each of its channels' groups
 * quantized into t (reading each channel's inputs in runs of up to 8 KB
 * where they lie in rows: 16 rows read 128 bytes at a time took about 2x as
 * long), then dealt out into the blocks, written front to back.
 * Channels past OC, to the panel's end, are zeros with scale 0. */
static void q8_pack(int8_t *q, float *scale, const float *w, size_t IC, size_t OC, size_t cstride,
                    size_t istride)
{
	size_t ng = q8_groups(IC), np = q8_panels(OC);
	int level = 0;
#if Q8_X86
	level = cpu_level() >= CPU_AVX512 ? 2 : cpu_level() >= CPU_AVX2 ? 1 : 0;
#endif
	int32_t t[Q8_P * Q8_CHUNK * Q8_QUADS];
	for (size_t p = 0; p < np; p++)
		for (size_t g0 = 0; g0 < ng; g0 += Q8_CHUNK) {
			size_t n = ng - g0 < Q8_CHUNK ? ng - g0 : Q8_CHUNK;
			for (size_t cc = 0; cc < Q8_P; cc++)
				for (size_t g = g0; g < g0 + n; g++) {
					size_t c = p * Q8_P + cc, i0 = g * Q8_G;
					size_t m = IC - i0 < Q8_G ? IC - i0 : Q8_G;
					int8_t *tq = (int8_t *)(void *)(t + (cc * Q8_CHUNK + g - g0) * Q8_QUADS);
					const float *v = w + c * cstride + i0 * istride;
					float s = 0.0f;
					if (c >= OC)
						memset(tq, 0, Q8_G);
#if Q8_X86
					else if (level && istride == 1 && m == Q8_G)
						s = q8_group_avx2(tq, v);
#endif
					else
						s = q8_group(tq, v, istride, m);
					scale[(p * ng + g) * Q8_P + cc] = s;
				}
			int8_t *b = q + (p * ng + g0) * Q8_BLOCK;
#if Q8_X86
			if (level == 2) {
				q8_deal_avx512(b, t, n);
				continue;
			}
#endif
			q8_deal_plain(b, t, n);
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

/* VNNI reads the rows of x in blocks of at most Q8_NR rows (the kernel's),
 * each group's n rows (n in the block) together in Q8_XB(n) bytes: their
 * quantized values (32 bytes a row), their scales, their -128 times the
 * group's sum; so a block of the kernel reads all of them from one pointer
 * at fixed offsets (from the rows apart, their pointers spilled). A block
 * beginning at row b begins at b * ng * Q8_XB(1). The blocks are of equal
 * size to a row (q8_row_block): 32 rows as 6, 6, 5, 5, 5, 5, not 5 x 6 and
 * a block of 2, whose 4 sums a quad load the weights for 4 vpdpbusd. */
#define Q8_XB(n) ((n) * (Q8_G + sizeof(float) + sizeof(int32_t)))
#define Q8_XB_DX(n) ((n) * Q8_G)                    /* the scales' offset */
#define Q8_XB_XC(n) ((n) * (Q8_G + sizeof(float)))  /* the sums' */

struct q8_job {
	float *y;
	const int8_t *xq;    /* [R, ng * G] the rows of x quantized, */
	const int8_t *xa;    /* (AVX2) their magnitudes, */
	const float *dx;     /* [R, ng] their scales, */
	const char *xb;      /* (VNNI) all of these in blocks (Q8_XB) */
	const int8_t *q;
	const float *sc, *bias;
	size_t R, ng, OC;
	int accumulate;
};

static void q8_store(const struct q8_job *j, size_t r, size_t c, float sum)
{
	float b = j->bias ? j->bias[c] : 0.0f, *y = j->y + r * j->OC + c;
	*y = (j->accumulate ? *y + b : b) + sum;
}

/* The reference of the bits every kernel gives: per group, the exact
 * integer sum of its products, to float (exact: at most 32 * 127 * 127 <
 * 2^24), times dx * sc by one fma into the sum of the groups before. */
static void q8_plain(void *ctx, size_t lo, size_t hi)
{
	const struct q8_job *j = ctx;
	size_t ng = j->ng, row = ng * Q8_G;
	for (size_t c = lo; c < hi && c < j->OC; c++)
		for (size_t r = 0; r < j->R; r++) {
			float a = 0.0f;
			for (size_t g = 0; g < ng; g++) {
				size_t at = (c / Q8_P) * ng + g;
				const int8_t *w = j->q + at * Q8_BLOCK + (c % Q8_P) * 4;
				const int8_t *x = j->xq + r * row + g * Q8_G;
				int32_t d = 0;
				for (size_t k = 0; k < Q8_QUADS; k++)
					for (size_t t = 0; t < 4; t++)
						d += (int32_t)x[4 * k + t] * w[k * 4 * Q8_P + t];
				a = fmaf((float)d, j->dx[r * ng + g] * j->sc[at * Q8_P + c % Q8_P], a);
			}
			q8_store(j, r, c, a);
		}
}

#if Q8_X86
static inline int32_t q8_quad(const int8_t *x)
{
	int32_t v;
	memcpy(&v, x, 4);
	return v;
}

/* The kernels' blocks: NP panels by NR rows, NA integer sums per panel and
 * row (alternate quads: two chains where one would wait on the last
 * instruction's latency). The weights of a quad are loaded once for the
 * block's rows. The block's NP panels are NP streams a panel apart, which
 * the hardware does not follow far enough ahead: the next block's lines
 * are prefetched (into L2) as these are read, in groups g with g % fn ==
 * fr, so that the fn blocks of rows over the same panels share the
 * prefetching out. Blocks of Q8_NR rows by Q8_NP panels at batch > 1
 * (2 x 6, 3 x 4 and 4 x 3 measured the same: about 74% of vpdpbusd's
 * peak, where the conversion, multiply and fma of each group's sums take
 * the rest), Q8_NP1 panels at batch 1. */
#define Q8_NR 6

/* Row r of R's block of the kernel: its first row *b and its rows *n. */
static void q8_row_block(size_t R, size_t r, size_t *b, size_t *n)
{
	size_t T = (R + Q8_NR - 1) / Q8_NR, q = R / T, e = R % T;
	/* blocks 0..e-1 of q + 1 rows, then blocks of q */
	size_t k = r < e * (q + 1) ? r / (q + 1) : e + (r - e * (q + 1)) / q;
	*b = k * q + (k < e ? k : e);
	*n = q + (k < e);
}
#define Q8_NP 2
#define Q8_NP1 4

#define Q8_AVX2 __attribute__((target("avx2,fma")))

/* AVX2 (no VNNI): a panel as two halves of 8 channels; vpmaddubsw
 * multiplies |x| (unsigned) by w with x's sign and adds pairs (at most 2 *
 * 127 * 127, no saturation), vpmaddwd adds those pairs into the quad's sum. */
Q8_AVX2 static inline __attribute__((always_inline)) void
q8_block_avx2(const struct q8_job *j, size_t p0, size_t NP, size_t r0, size_t NR, size_t fr,
              size_t fn)
{
	size_t ng = j->ng, row = ng * Q8_G, pstride = ng * Q8_BLOCK;
	const __m256i ones = _mm256_set1_epi16(1);
	__m256 a[2][2][2];
	_Pragma("GCC unroll 2") for (size_t r = 0; r < NR; r++)
		_Pragma("GCC unroll 2") for (size_t k = 0; k < NP; k++)
			a[r][k][0] = a[r][k][1] = _mm256_setzero_ps();
	for (size_t g = 0; g < ng; g++) {
		const int8_t *b = j->q + (p0 * ng + g) * Q8_BLOCK;
		int fetch = g % fn == fr;
		__m256i s[2][2][2];
		_Pragma("GCC unroll 2") for (size_t r = 0; r < NR; r++)
			_Pragma("GCC unroll 2") for (size_t k = 0; k < NP; k++)
				s[r][k][0] = s[r][k][1] = _mm256_setzero_si256();
		_Pragma("GCC unroll 8") for (size_t t = 0; t < Q8_QUADS; t++) {
			__m256i w[2][2];
			_Pragma("GCC unroll 2") for (size_t k = 0; k < NP; k++) {
				const int8_t *wq = b + k * pstride + t * 4 * Q8_P;
				if (fetch)
					cpu_prefetch_stream(wq + NP * pstride);
				w[k][0] = _mm256_loadu_si256((const __m256i *)(const void *)wq);
				w[k][1] = _mm256_loadu_si256((const __m256i *)(const void *)(wq + 32));
			}
			_Pragma("GCC unroll 2") for (size_t r = 0; r < NR; r++) {
				size_t at = (r0 + r) * row + g * Q8_G + 4 * t;
				__m256i xs = _mm256_set1_epi32(q8_quad(j->xq + at));
				__m256i xa = _mm256_set1_epi32(q8_quad(j->xa + at));
				_Pragma("GCC unroll 2") for (size_t k = 0; k < NP; k++)
					_Pragma("GCC unroll 2") for (size_t h = 0; h < 2; h++) {
						__m256i p = _mm256_maddubs_epi16(xa, _mm256_sign_epi8(w[k][h], xs));
						s[r][k][h] = _mm256_add_epi32(s[r][k][h], _mm256_madd_epi16(p, ones));
					}
			}
		}
		_Pragma("GCC unroll 2") for (size_t k = 0; k < NP; k++) {
			const float *sc = j->sc + ((p0 + k) * ng + g) * Q8_P;
			_Pragma("GCC unroll 2") for (size_t r = 0; r < NR; r++) {
				__m256 dx = _mm256_set1_ps(j->dx[(r0 + r) * ng + g]);
				_Pragma("GCC unroll 2") for (size_t h = 0; h < 2; h++)
					a[r][k][h] = _mm256_fmadd_ps(_mm256_cvtepi32_ps(s[r][k][h]),
					                             _mm256_mul_ps(dx, _mm256_loadu_ps(sc + 8 * h)),
					                             a[r][k][h]);
			}
		}
	}
	_Pragma("GCC unroll 2") for (size_t r = 0; r < NR; r++)
		_Pragma("GCC unroll 2") for (size_t k = 0; k < NP; k++) {
			float v[Q8_P];
			_mm256_storeu_ps(v, a[r][k][0]);
			_mm256_storeu_ps(v + 8, a[r][k][1]);
			size_t c0 = (p0 + k) * Q8_P;
			for (size_t c = 0; c < Q8_P && c0 + c < j->OC; c++)
				q8_store(j, r0 + r, c0 + c, v[c]);
		}
}

/* AVX-512 VNNI: vpdpbusd adds the four byte products of each of a quad's
 * 16 channels in one instruction. Its first operand is unsigned: the
 * weights go in as w + 128 (top bit flipped, one xor a load, shared by the
 * block's rows) and x as it is, broadcast from memory; the sum then holds
 * 128 times the group's x too, which each sum starts below by (j->xc). */
#define Q8_VNNI __attribute__((target("avx2,fma,avx512f,avx512bw,avx512vl,avx512vnni")))

Q8_VNNI static inline __attribute__((always_inline)) void
q8_block_vnni(const struct q8_job *j, size_t p0, size_t NP, size_t r0, size_t NR, size_t NA,
              size_t fr, size_t fn)
{
	size_t ng = j->ng, pstride = ng * Q8_BLOCK;
	const __m512i flip = _mm512_set1_epi8((char)0x80);
	const char *xg = j->xb + r0 * ng * Q8_XB(1); /* the block's first group */
	__m512 a[Q8_NR][Q8_NP1];
	_Pragma("GCC unroll 6") for (size_t r = 0; r < NR; r++)
		_Pragma("GCC unroll 4") for (size_t k = 0; k < NP; k++)
			a[r][k] = _mm512_setzero_ps();
	for (size_t g = 0; g < ng; g++, xg += Q8_XB(NR)) {
		const int8_t *b = j->q + (p0 * ng + g) * Q8_BLOCK;
		int fetch = g % fn == fr;
		__m512i s[Q8_NR][Q8_NP1][2];
		_Pragma("GCC unroll 6") for (size_t r = 0; r < NR; r++)
			_Pragma("GCC unroll 4") for (size_t k = 0; k < NP; k++) {
				s[r][k][0] = _mm512_set1_epi32(q8_quad((const int8_t *)xg + Q8_XB_XC(NR) + 4 * r));
				s[r][k][1] = _mm512_setzero_si512();
			}
		_Pragma("GCC unroll 8") for (size_t t = 0; t < Q8_QUADS; t++) {
			__m512i w[Q8_NP1];
			_Pragma("GCC unroll 4") for (size_t k = 0; k < NP; k++) {
				const int8_t *wq = b + k * pstride + t * 4 * Q8_P;
				if (fetch)
					cpu_prefetch_stream(wq + NP * pstride);
				w[k] = _mm512_xor_si512(_mm512_loadu_si512((const void *)wq), flip);
			}
			_Pragma("GCC unroll 6") for (size_t r = 0; r < NR; r++) {
				__m512i xs = _mm512_set1_epi32(q8_quad((const int8_t *)xg + r * Q8_G + 4 * t));
				_Pragma("GCC unroll 4") for (size_t k = 0; k < NP; k++)
					s[r][k][t % NA] = _mm512_dpbusd_epi32(s[r][k][t % NA], w[k], xs);
			}
		}
		_Pragma("GCC unroll 4") for (size_t k = 0; k < NP; k++) {
			__m512 sc = _mm512_loadu_ps(j->sc + ((p0 + k) * ng + g) * Q8_P);
			_Pragma("GCC unroll 6") for (size_t r = 0; r < NR; r++) {
				__m512i d = NA > 1 ? _mm512_add_epi32(s[r][k][0], s[r][k][1]) : s[r][k][0];
				float dx;
				memcpy(&dx, xg + Q8_XB_DX(NR) + 4 * r, sizeof dx);
				__m512 m = _mm512_mul_ps(_mm512_set1_ps(dx), sc);
				a[r][k] = _mm512_fmadd_ps(_mm512_cvtepi32_ps(d), m, a[r][k]);
			}
		}
	}
	/* q8_store's sums, 16 channels at a time (masked at the end of y) */
	_Pragma("GCC unroll 4") for (size_t k = 0; k < NP; k++) {
		size_t c0 = (p0 + k) * Q8_P;
		if (c0 >= j->OC)
			break;
		__mmask16 m = j->OC - c0 >= Q8_P ? (__mmask16)0xffff
		                                 : (__mmask16)((1u << (j->OC - c0)) - 1);
		__m512 bias = j->bias ? _mm512_maskz_loadu_ps(m, j->bias + c0) : _mm512_setzero_ps();
		_Pragma("GCC unroll 6") for (size_t r = 0; r < NR; r++) {
			float *y = j->y + (r0 + r) * j->OC + c0;
			__m512 b = j->accumulate ? _mm512_add_ps(_mm512_maskz_loadu_ps(m, y), bias) : bias;
			_mm512_mask_storeu_ps(y, m, _mm512_add_ps(b, a[r][k]));
		}
	}
}

/* The pool's work on channels [lo, hi) (whole panels): at batch 1, blocks
 * of Q8_NP1 panels with two sums each; else blocks of Q8_NP panels by Q8_NR
 * rows; then what is left. One driver per kernel level, each compiled for
 * its level (a call across target attributes would not inline the block). */
#define Q8_ROWS(BLOCK, j, p, NP, r, n, ...)                                  \
	switch (n) {                                                          \
	case 1: BLOCK(j, p, NP, r, 1, __VA_ARGS__); break;                    \
	case 2: BLOCK(j, p, NP, r, 2, __VA_ARGS__); break;                    \
	case 3: BLOCK(j, p, NP, r, 3, __VA_ARGS__); break;                    \
	case 4: BLOCK(j, p, NP, r, 4, __VA_ARGS__); break;                    \
	case 5: BLOCK(j, p, NP, r, 5, __VA_ARGS__); break;                    \
	default: BLOCK(j, p, NP, r, 6, __VA_ARGS__); break;                   \
	}

Q8_AVX2 static void q8_avx2(void *ctx, size_t lo, size_t hi)
{
	const struct q8_job *j = ctx;
	size_t p = lo / Q8_P, pe = q8_panels(hi);
	if (j->R == 1) {
		for (; p < pe; p++)
			q8_block_avx2(j, p, 1, 0, 1, 0, 1);
		return;
	}
	size_t fn = (j->R + 1) / 2;
	for (; p < pe; p++) {
		size_t r = 0;
		for (; r + 2 <= j->R; r += 2)
			q8_block_avx2(j, p, 1, r, 2, r / 2, fn);
		if (r < j->R)
			q8_block_avx2(j, p, 1, r, 1, r / 2, fn);
	}
}

Q8_VNNI static void q8_vnni(void *ctx, size_t lo, size_t hi)
{
	const struct q8_job *j = ctx;
	size_t p = lo / Q8_P, pe = q8_panels(hi);
	if (j->R == 1) {
		for (; p + Q8_NP1 <= pe; p += Q8_NP1)
			q8_block_vnni(j, p, Q8_NP1, 0, 1, 2, 0, 1);
		for (; p < pe; p++)
			q8_block_vnni(j, p, 1, 0, 1, 2, 0, 1);
		return;
	}
	size_t fn = (j->R + Q8_NR - 1) / Q8_NR;
	for (; p < pe; p += p + Q8_NP <= pe ? Q8_NP : 1)
		for (size_t r = 0, k = 0, b, n; r < j->R; r += n, k++) {
			q8_row_block(j->R, r, &b, &n); /* b == r: blocks follow each other */
			if (p + Q8_NP <= pe)
				Q8_ROWS(q8_block_vnni, j, p, Q8_NP, r, n, 1, k, fn)
			else
				Q8_ROWS(q8_block_vnni, j, p, 1, r, n, 1, k, fn)
		}
}
#endif

struct q8_prep {
	const float *x;
	size_t R, IC, ng;
	int8_t *xq, *xa; /* writable views of the job's arrays */
	float *dx;
	char *xb;
	int level;       /* 0 plain, 1 AVX2, 2 VNNI */
};

/* Rows [lo, hi) of x quantized, with what the chosen kernel reads beside,
 * where it reads them. */
static void q8_prep_rows(void *ctx, size_t lo, size_t hi)
{
	const struct q8_prep *pp = ctx;
	size_t ng = pp->ng, row = ng * Q8_G, IC = pp->IC;
	for (size_t r = lo; r < hi; r++) {
		/* group g's values at qg + g * qs, its scale at dg + g * ds */
		int8_t *qg;
		float *dg;
		size_t qs = Q8_G, ds = 1;
		int32_t *cg = NULL;
		if (pp->level != 2) {
			qg = pp->xq + r * row;
			dg = pp->dx + r * ng;
		} else {
			size_t b, n;
			q8_row_block(pp->R, r, &b, &n);
			char *first = pp->xb + b * ng * Q8_XB(1);
			qg = (int8_t *)(first + (r - b) * Q8_G);
			dg = (float *)(void *)(first + Q8_XB_DX(n) + (r - b) * sizeof(float));
			cg = (int32_t *)(void *)(first + Q8_XB_XC(n) + (r - b) * sizeof(int32_t));
			qs = Q8_XB(n);
			ds = qs / sizeof(float);
		}
		for (size_t g = 0; g < ng; g++) {
			size_t i0 = g * Q8_G, n = IC - i0 < Q8_G ? IC - i0 : Q8_G;
			int8_t *q = qg + g * qs;
			const float *v = pp->x + r * IC + i0;
#if Q8_X86
			if (n == Q8_G && pp->level == 2)
				dg[g * ds] = q8_group_avx512(q, v);
			else
#endif
				dg[g * ds] = q8_group(q, v, 1, n);
			if (cg) {
				int32_t sum = 0;
				for (size_t k = 0; k < Q8_G; k++)
					sum += q[k];
				cg[g * ds] = -128 * sum;
			}
		}
		if (pp->level == 1)
			for (size_t k = 0; k < row; k++)
				pp->xa[r * row + k] = (int8_t)(qg[k] < 0 ? -qg[k] : qg[k]);
	}
}

/* Channels [lo, hi) of the outputs' panels laid end to end: each output's
 * share on its own job, so a part may hold the end of one and the start of
 * the next, always in whole panels. */
struct q8_multi {
	struct q8_job *j;
	size_t n;
	pool_fn fn;
};

static void q8_multi_part(void *ctx, size_t lo, size_t hi)
{
	const struct q8_multi *m = ctx;
	size_t at = 0;
	for (size_t k = 0; k < m->n && at < hi; k++) {
		size_t w = q8_panels(m->j[k].OC) * Q8_P;
		size_t a = lo > at ? lo - at : 0, b = hi - at < w ? hi - at : w;
		if (a < b)
			m->fn(&m->j[k], a, b);
		at += w;
	}
}

int gemv_q8_each(const struct gemv_q8_out *out, size_t n, const float *x, size_t R, size_t IC,
                 int accumulate)
{
	size_t ng = q8_groups(IC), row = ng * Q8_G, cols = 0;
	if (n == 0 || n > GEMV_Q8_OUTS)
		return -1;
	int level = 0;
#if Q8_X86
	level = cpu_level() >= CPU_AVX512 && cpu_has_vnni() ? 2 : cpu_level() >= CPU_AVX2 ? 1 : 0;
#endif
	/* one allocation: VNNI's blocks (R * ng * Q8_XB(1) bytes), or dx, then
	 * (on a line) xq and xa (AVX2) */
	size_t head = (R * ng * sizeof(float) + 63) / 64 * 64;
	size_t size = level == 2 ? R * ng * Q8_XB(1) : head + 2 * R * row;
	size = (size + 64) / 64 * 64; /* never 0 (no rows) */
	char *mem = aligned_alloc(64, size);
	if (!mem)
		return -1;
	float *dx = level == 2 ? NULL : (float *)(void *)mem;
	int8_t *xq = level == 2 ? NULL : (int8_t *)(mem + head), *xa = xq ? xq + R * row : NULL;
	struct q8_job j[GEMV_Q8_OUTS];
	for (size_t k = 0; k < n; k++) {
		j[k] = (struct q8_job){ .y = out[k].y, .xq = xq, .xa = xa, .dx = dx, .xb = mem,
		                        .q = out[k].q, .sc = out[k].scale, .bias = out[k].bias, .R = R,
		                        .ng = ng, .OC = out[k].OC, .accumulate = accumulate };
		cols += q8_panels(out[k].OC) * Q8_P;
	}
	struct q8_prep pp = { .x = x, .R = R, .IC = IC, .ng = ng, .xq = xq, .xa = xa, .dx = dx,
	                      .xb = mem, .level = level };
	pool_for(R, 1, q8_prep_rows, &pp);
	struct q8_multi m = { .j = j, .n = n, .fn = q8_plain };
#if Q8_X86
	if (level == 2)
		m.fn = q8_vnni;
	else if (level == 1)
		m.fn = q8_avx2;
#endif
	if (n == 1)
		pool_for(cols, Q8_GRAIN, m.fn, &j[0]);
	else
		pool_for(cols, Q8_GRAIN, q8_multi_part, &m);
	free(mem);
	return 0;
}

int gemv_q8(float *y, const float *x, const int8_t *q, const float *scale, const float *bias,
            size_t R, size_t IC, size_t OC, int accumulate)
{
	struct gemv_q8_out o = { .y = y, .q = q, .scale = scale, .bias = bias, .OC = OC };
	return gemv_q8_each(&o, 1, x, R, IC, accumulate);
}
