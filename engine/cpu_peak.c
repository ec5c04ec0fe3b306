#include "config.h"

#include "engine/cpu_peak.h"
#include "engine/cpu.h"
#include "engine/monotonic.h"
#include "engine/pool.h"

#include <string.h>

#if defined(__x86_64__) && defined(__GNUC__)
#include <immintrin.h>
#define PK_X86 1
#else
#define PK_X86 0
#endif

/* Iterations of a loop of PK_ACC independent instructions: about 1 ms. */
#define PK_ITERS 20000
#define PK_ACC 12
#define PK_ACC2 8 /* AVX2: 16 registers for accumulators, operands and products */

enum pk_kind { PK_FMA512, PK_FMA256, PK_DPBF16, PK_VNNI, PK_MADDUBS };

struct pk_job {
	enum pk_kind kind;
	float sink[64]; /* the accumulators' sums, so no loop is dropped */
};

#if PK_X86
/* An empty asm that claims to change v: the operands stay opaque, so no
 * product is folded or hoisted out of the loop. */
#define PK_OPAQUE(v) __asm__ volatile("" : "+v"(v))

__attribute__((target("avx2,fma,avx512f"))) static float pk_fma512(void)
{
	__m512 acc[PK_ACC], a = _mm512_set1_ps(1e-7f), b = _mm512_set1_ps(0.999f);
	PK_OPAQUE(a);
	PK_OPAQUE(b);
	_Pragma("GCC unroll 16")
	for (int k = 0; k < PK_ACC; k++)
		acc[k] = _mm512_set1_ps((float)k);
	for (int it = 0; it < PK_ITERS; it++) {
		PK_OPAQUE(a);
		_Pragma("GCC unroll 16")
	for (int k = 0; k < PK_ACC; k++)
			acc[k] = _mm512_fmadd_ps(a, b, acc[k]);
	}
	_Pragma("GCC unroll 16")
	for (int k = 1; k < PK_ACC; k++)
		acc[0] = _mm512_add_ps(acc[0], acc[k]);
	return _mm512_reduce_add_ps(acc[0]);
}

__attribute__((target("avx2,fma"))) static float pk_fma256(void)
{
	__m256 acc[PK_ACC], a = _mm256_set1_ps(1e-7f), b = _mm256_set1_ps(0.999f);
	PK_OPAQUE(a);
	PK_OPAQUE(b);
	_Pragma("GCC unroll 16")
	for (int k = 0; k < PK_ACC; k++)
		acc[k] = _mm256_set1_ps((float)k);
	for (int it = 0; it < PK_ITERS; it++) {
		PK_OPAQUE(a);
		_Pragma("GCC unroll 16")
	for (int k = 0; k < PK_ACC; k++)
			acc[k] = _mm256_fmadd_ps(a, b, acc[k]);
	}
	_Pragma("GCC unroll 16")
	for (int k = 1; k < PK_ACC; k++)
		acc[0] = _mm256_add_ps(acc[0], acc[k]);
	float t[8];
	_mm256_storeu_ps(t, acc[0]);
	return t[0] + t[7];
}

__attribute__((target("avx2,fma,avx512f,avx512bf16"))) static float pk_dpbf16(void)
{
	__m512 acc[PK_ACC];
	__m512i ai = _mm512_set1_epi16(0x3f80), bi = _mm512_set1_epi16(0x3a00); /* 1, ~5e-4 */
	PK_OPAQUE(ai);
	PK_OPAQUE(bi);
	__m512bh b = (__m512bh)bi;
	_Pragma("GCC unroll 16")
	for (int k = 0; k < PK_ACC; k++)
		acc[k] = _mm512_set1_ps((float)k);
	for (int it = 0; it < PK_ITERS; it++) {
		PK_OPAQUE(ai);
		__m512bh a = (__m512bh)ai;
		_Pragma("GCC unroll 16")
	for (int k = 0; k < PK_ACC; k++)
			acc[k] = _mm512_dpbf16_ps(acc[k], a, b);
	}
	_Pragma("GCC unroll 16")
	for (int k = 1; k < PK_ACC; k++)
		acc[0] = _mm512_add_ps(acc[0], acc[k]);
	return _mm512_reduce_add_ps(acc[0]);
}

__attribute__((target("avx2,fma,avx512f,avx512bw,avx512vnni"))) static float pk_vnni(void)
{
	__m512i acc[PK_ACC], a = _mm512_set1_epi8(3), b = _mm512_set1_epi8(-2);
	PK_OPAQUE(a);
	PK_OPAQUE(b);
	_Pragma("GCC unroll 16")
	for (int k = 0; k < PK_ACC; k++)
		acc[k] = _mm512_set1_epi32(k);
	for (int it = 0; it < PK_ITERS; it++) {
		PK_OPAQUE(a);
		_Pragma("GCC unroll 16")
	for (int k = 0; k < PK_ACC; k++)
			acc[k] = _mm512_dpbusd_epi32(acc[k], a, b);
	}
	_Pragma("GCC unroll 16")
	for (int k = 1; k < PK_ACC; k++)
		acc[0] = _mm512_add_epi32(acc[0], acc[k]);
	return (float)_mm512_reduce_add_epi32(acc[0]);
}

/* AVX2's int8 product of a group: bytes multiplied and summed in pairs to
 * 16 bits, pairs of those to 32 bits, added: 32 multiply-adds, 3 instructions. */
__attribute__((target("avx2,fma"))) static float pk_maddubs(void)
{
	__m256i acc[PK_ACC2], a = _mm256_set1_epi8(3), b = _mm256_set1_epi8(-2),
	                     ones = _mm256_set1_epi16(1);
	PK_OPAQUE(a);
	PK_OPAQUE(b);
	_Pragma("GCC unroll 16")
	for (int k = 0; k < PK_ACC2; k++)
		acc[k] = _mm256_set1_epi32(k);
	for (int it = 0; it < PK_ITERS; it++) {
		PK_OPAQUE(a);
		_Pragma("GCC unroll 16")
		for (int k = 0; k < PK_ACC2; k++) {
			PK_OPAQUE(a); /* a product per accumulator, as a kernel's are */
			acc[k] = _mm256_add_epi32(acc[k],
			                          _mm256_madd_epi16(_mm256_maddubs_epi16(a, b), ones));
		}
	}
	_Pragma("GCC unroll 16")
	for (int k = 1; k < PK_ACC2; k++)
		acc[0] = _mm256_add_epi32(acc[0], acc[k]);
	int t[8];
	_mm256_storeu_si256((__m256i *)(void *)t, acc[0]);
	return (float)(t[0] + t[7]);
}
#endif

/* Operations one loop iteration's instruction does (2 per multiply-add). */
static double pk_ops(enum pk_kind k)
{
	switch (k) {
	case PK_FMA512: return 32.0;
	case PK_FMA256: return 16.0;
	case PK_DPBF16: return 64.0;   /* 16 lanes x 2 products */
	case PK_VNNI: return 128.0;    /* 16 lanes x 4 byte products */
	case PK_MADDUBS: return 64.0 * PK_ACC2 / PK_ACC; /* 32 byte products per maddubs/madd/add */
	}
	return 0.0;
}

static void pk_part(void *ctx, size_t lo, size_t hi)
{
	struct pk_job *j = ctx;
	for (size_t p = lo; p < hi; p++) {
		float s = 0.0f;
#if PK_X86
		switch (j->kind) {
		case PK_FMA512: s = pk_fma512(); break;
		case PK_FMA256: s = pk_fma256(); break;
		case PK_DPBF16: s = pk_dpbf16(); break;
		case PK_VNNI: s = pk_vnni(); break;
		case PK_MADDUBS: s = pk_maddubs(); break;
		}
#endif
		j->sink[p % 64] += s;
	}
}

/* Every pool thread runs the loop once per round; the best of the rounds,
 * at least 16 and 150 ms, so a machine busy with other work is given a
 * chance to leave all the threads alone for one (at 40 ms, under load, two
 * threads measured about one core's rate). */
static double pk_rate(enum pk_kind kind, int threads)
{
	struct pk_job j;
	memset(&j, 0, sizeof j);
	j.kind = kind;
	double best = 0.0, start = monotonic_s();
	for (int round = 0; round < 16 || monotonic_s() - start < 0.15; round++) {
		double t0 = monotonic_s();
		pool_for((size_t)threads, 1, pk_part, &j);
		double t = monotonic_s() - t0;
		double r = t > 0 ? pk_ops(kind) * PK_ITERS * PK_ACC * threads / t / 1e9 : 0.0;
		if (r > best)
			best = r;
		if (round > 400)
			break;
	}
	return best;
}

void cpu_peak_measure(struct cpu_peak *pk)
{
	memset(pk, 0, sizeof *pk);
	pk->threads = pool_threads();
	pk->f32_how = pk->bf16_how = pk->int8_how = "plain C (no vector peak)";
	enum cpu_level lv = cpu_level();
	if (lv >= CPU_AVX512) {
		pk->f32 = pk_rate(PK_FMA512, pk->threads);
		pk->f32_how = "vfmadd 512-bit";
	} else if (lv >= CPU_AVX2) {
		pk->f32 = pk_rate(PK_FMA256, pk->threads);
		pk->f32_how = "vfmadd 256-bit";
	}
	pk->bf16 = pk->f32;
	pk->bf16_how = pk->f32_how;
	if (lv >= CPU_AVX512 && cpu_has_bf16()) {
		pk->bf16 = pk_rate(PK_DPBF16, pk->threads);
		pk->bf16_how = "vdpbf16ps 512-bit";
	}
	if (lv >= CPU_AVX512 && cpu_has_vnni()) {
		pk->int8 = pk_rate(PK_VNNI, pk->threads);
		pk->int8_how = "vpdpbusd 512-bit";
	} else if (lv >= CPU_AVX2) {
		pk->int8 = pk_rate(PK_MADDUBS, pk->threads);
		pk->int8_how = "vpmaddubsw + vpmaddwd 256-bit";
	}
}
