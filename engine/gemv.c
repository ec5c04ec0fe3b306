#include "config.h"

#include "engine/cpu.h"
#include "engine/gemv.h"
#include "engine/pool.h"
#include "engine/vmath.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#if defined(__x86_64__) && defined(__GNUC__)
#include <immintrin.h>
#define GEMV_X86 1
#else
#define GEMV_X86 0
#endif

#define GEMV_TILE 2048 /* columns of a row read in one sweep (prefetch-friendly) */
#define GEMV_GRAIN 64 /* columns (or rows of E) a thread's part is a multiple of */
#define GEMV_DIRECT_ROWS 6 /* more rows than this convert each weight once per call */

float gemv_bf16_to_f32(uint16_t b)
{
	uint32_t u = (uint32_t)b << 16;
	float f;
	memcpy(&f, &u, sizeof f);
	return f;
}

static inline uint16_t gemv_bf16_round(uint32_t u)
{
	if ((u & 0x7f800000u) == 0x7f800000u && (u & 0x7fffffu)) /* NaN stays NaN */
		return (uint16_t)((u >> 16) | 0x40);
	return (uint16_t)((u + 0x7fffu + ((u >> 16) & 1u)) >> 16);
}

#if GEMV_X86
/* The same rounding, 16 values a step: every weight of a BF16 load passes
 * here (a third of its time in the scalar loop). */
__attribute__((target("avx2"))) static void gemv_bf16_from_f32_avx2(uint16_t *dst,
                                                                    const float *src, size_t n)
{
	const __m256i one = _mm256_set1_epi32(1), half = _mm256_set1_epi32(0x7fff),
	              abs = _mm256_set1_epi32(0x7fffffff), inf = _mm256_set1_epi32(0x7f800000),
	              quiet = _mm256_set1_epi32(0x40);
	size_t i = 0;
	for (; i + 16 <= n; i += 16) {
		__m256i h[2];
		for (int k = 0; k < 2; k++) {
			__m256i u = _mm256_loadu_si256((const __m256i *)(const void *)(src + i + 8 * k));
			__m256i hi = _mm256_srli_epi32(u, 16);
			__m256i r = _mm256_srli_epi32(
				_mm256_add_epi32(u, _mm256_add_epi32(half, _mm256_and_si256(hi, one))), 16);
			__m256i nan = _mm256_cmpgt_epi32(_mm256_and_si256(u, abs), inf);
			h[k] = _mm256_blendv_epi8(r, _mm256_or_si256(hi, quiet), nan);
		}
		/* packus interleaves 128-bit lanes: put them back in order */
		__m256i packed = _mm256_permute4x64_epi64(_mm256_packus_epi32(h[0], h[1]), 0xd8);
		_mm256_storeu_si256((__m256i *)(void *)(dst + i), packed);
	}
	for (; i < n; i++) {
		uint32_t u;
		memcpy(&u, &src[i], sizeof u);
		dst[i] = gemv_bf16_round(u);
	}
}
#endif

void gemv_bf16_from_f32(uint16_t *dst, const float *src, size_t n)
{
#if GEMV_X86
	if (cpu_level() >= CPU_AVX2) {
		gemv_bf16_from_f32_avx2(dst, src, n);
		return;
	}
#endif
	for (size_t i = 0; i < n; i++) {
		uint32_t u;
		memcpy(&u, &src[i], sizeof u);
		dst[i] = gemv_bf16_round(u);
	}
}

/* Bytes of x a block of rows may take: the rows stay in L2 while every
 * block of E (or column block of W) passes over them. */
#define GEMV_X_BYTES (512 * 1024)

/* Rows of a block of R rows: as many tiles of NT rows as GEMV_X_BYTES holds
 * (IC inputs a row), at least one, in blocks of equal size to a tile (512
 * rows of 768 inputs in tiles of 12: 4 x 128, not 3 x 168 and a block of 8
 * that passes over all of W for 2 tiles of 4 rows). */
static size_t gemv_row_block(size_t R, size_t IC, size_t NT)
{
	size_t rb = GEMV_X_BYTES / (IC * sizeof(float)) / NT * NT;
	rb = rb < NT ? NT : rb;
	size_t nb = (R + rb - 1) / rb;
	return nb ? ((R + nb - 1) / nb + NT - 1) / NT * NT : NT;
}

struct gemv_job {
	float *y;
	const float *x, *w, *bias;
	const uint16_t *wb;
	const uint32_t *xp; /* BF16 activations in pairs, rows of GEMV_XPAIRS(IC) (vdpbf16ps) */
	size_t R, IC, OC;
	int accumulate;
};

/* Pairs a row of BF16 activations takes: 32 inputs a multiple, zeros after IC. */
#define GEMV_XPAIRS(IC) (((IC) + 31) / 32 * 16)

/* Where gemv_xw_bf16_dp finds pair p of row r of R (rows of xs pairs, a
 * multiple of 16): the rows in blocks of GEMV_XI_ROWS (a tile's rows), in a
 * block the pairs in pieces of 16, the block's rows' pieces side by side
 * (piece c of the block's row k at (c * n + k) * 16, n rows in the block).
 * A tile then broadcasts its rows' pairs from one pointer at fixed offsets
 * (read from twelve rows, the row pointers spilled, to the stack and to
 * vector registers, inside the loop of vdpbf16ps), and a row's conversion
 * stores each piece whole. */
#define GEMV_XI_ROWS 12
static size_t gemv_xi_at(size_t R, size_t xs, size_t r, size_t p)
{
	size_t b = r / GEMV_XI_ROWS * GEMV_XI_ROWS;
	size_t n = R - b < GEMV_XI_ROWS ? R - b : GEMV_XI_ROWS;
	return b * xs + (p / 16 * n + (r - b)) * 16 + p % 16;
}

/* W [IC, OC] at (i, c), plain row-major F32 (gemv_xw). */
static inline float gemv_w(const struct gemv_job *j, size_t at)
{
	return j->w[at];
}

/* E [V, C] at (v, i) (gemv_xet). */
static inline float gemv_e(const struct gemv_job *j, size_t v, size_t i)
{
	return j->w[v * j->IC + i];
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
				for (size_t c = j0; c < j1; c++) /* fused: the vector paths' bits */
					yr[c] = fmaf(xv, gemv_w(j, i * j->OC + c), yr[c]);
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
				s += xr[i] * gemv_e(j, v, i);
			j->y[r * j->OC + v] = s;
		}
}

/* A panel holds its inputs in pairs: for inputs 2p and 2p+1, each column's
 * two weights side by side ([IC/2][width][2]), then, for an odd IC, the last
 * input's row alone ([width]). A pair of a column is one 32-bit lane: the
 * layout vdpbf16ps multiplies (engine/cpu: AVX512_BF16), and the other levels
 * take the even input by a shift and the odd one by a mask. */
static inline size_t gemv_panel_at(size_t IC, size_t pw, size_t i, size_t c)
{
	if (i + 1 == IC && (IC & 1))
		return i * pw + c;
	return (i & ~(size_t)1) * pw + c * 2 + (i & 1);
}

/* Panels of w whose input i, column c is at w[i * is + c * cs]: a column's
 * values of one input are gathered (rows of E: cs = IC) before rounding. */
static void gemv_pack_bf16_strided(uint16_t *dst, const float *w, size_t IC, size_t OC,
                                   size_t is, size_t cs)
{
	for (size_t c0 = 0; c0 < OC; c0 += GEMV_PANEL) {
		size_t pw = OC - c0 < GEMV_PANEL ? OC - c0 : GEMV_PANEL;
		uint16_t *panel = dst + c0 * IC;
		for (size_t i = 0; i < IC; i += 2) {
			size_t n = i + 1 < IC ? 2 : 1; /* an odd last input: its row alone */
			uint16_t b[2][GEMV_PANEL], *d = panel + gemv_panel_at(IC, pw, i, 0);
			for (size_t k = 0; k < n; k++) {
				float v[GEMV_PANEL];
				const float *src = w + (i + k) * is + c0 * cs;
				if (cs != 1) {
					for (size_t c = 0; c < pw; c++)
						v[c] = src[c * cs];
					src = v;
				}
				gemv_bf16_from_f32(n == 2 ? b[k] : d, src, pw);
			}
			for (size_t c = 0; n == 2 && c < pw; c++) {
				d[2 * c] = b[0][c];
				d[2 * c + 1] = b[1][c];
			}
		}
	}
}

void gemv_pack_bf16(uint16_t *dst, const float *w, size_t IC, size_t OC)
{
	gemv_pack_bf16_strided(dst, w, IC, OC, OC, 1);
}

void gemv_pack_bf16_rows(uint16_t *dst, const float *e, size_t OC, size_t IC)
{
	gemv_pack_bf16_strided(dst, e, IC, OC, 1, IC);
}

void gemv_bf16_panel_column(float *out, const uint16_t *wp, size_t IC, size_t OC, size_t c)
{
	size_t c0 = c / GEMV_PANEL * GEMV_PANEL, pw = OC - c0 < GEMV_PANEL ? OC - c0 : GEMV_PANEL;
	const uint16_t *panel = wp + c0 * IC;
	for (size_t i = 0; i < IC; i++)
		out[i] = gemv_bf16_to_f32(panel[gemv_panel_at(IC, pw, i, c - c0)]);
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
	const float *xr = j->x + r * j->IC;
	float sum[GEMV_PANEL] = { 0 };
	const uint16_t *panel = j->wb + c0 * j->IC;
	for (size_t i = 0; i < j->IC; i++) {
		/* input i's weights: every other value of its pair's block, or a
		 * row of their own for an odd last input */
		const uint16_t *wi = panel + gemv_panel_at(j->IC, pw, i, 0);
		size_t step = i + 1 == j->IC && (j->IC & 1) ? 1 : 2;
		for (size_t c = 0; c < pw; c++)
			sum[c] = fmaf(xr[i], gemv_bf16_to_f32(wi[c * step]), sum[c]);
	}
	gemv_finish(j, r, c0, pw, sum);
}

static void gemv_xw_panels_plain(void *ctx, size_t lo, size_t hi)
{
	const struct gemv_job *j = ctx;
	for (size_t c0 = lo; c0 < hi; c0 += GEMV_PANEL)
		for (size_t r = 0; r < j->R; r++)
			gemv_panel_plain(j, c0, r);
}

/* One narrow panel, one row, as vdpbf16ps computes: per pair of inputs both
 * products (exact in F32) added to the sum, on the BF16 activations. */
static void gemv_panel_dp_plain(const struct gemv_job *j, size_t c0, size_t r)
{
	size_t IC = j->IC, pw = j->OC - c0 < GEMV_PANEL ? j->OC - c0 : GEMV_PANEL;
	const uint16_t *panel = j->wb + c0 * IC;
	float sum[GEMV_PANEL] = { 0 };
	for (size_t i = 0; i < IC; i += 2) {
		uint32_t pair = j->xp[gemv_xi_at(j->R, GEMV_XPAIRS(IC), r, i / 2)];
		uint16_t xb[2] = { (uint16_t)pair, (uint16_t)(pair >> 16) }; /* little-endian halves */
		for (size_t c = 0; c < pw; c++) {
			float s = sum[c] + gemv_bf16_to_f32(panel[gemv_panel_at(IC, pw, i, c)]) *
			                   gemv_bf16_to_f32(xb[0]);
			if (i + 1 < IC)
				s += gemv_bf16_to_f32(panel[gemv_panel_at(IC, pw, i + 1, c)]) *
				     gemv_bf16_to_f32(xb[1]);
			sum[c] = s;
		}
	}
	gemv_finish(j, r, c0, pw, sum);
}

#if GEMV_X86
#define GEMV_AVX2 __attribute__((target("avx2,fma")))

/* Eight weights of E [V, C] from (v, i), i a multiple of 8, as floats. */
GEMV_AVX2 static inline __m256 gemv_load8(const struct gemv_job *j, size_t v, size_t i)
{
	return _mm256_loadu_ps(j->w + v * j->IC + i);
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

/* Many rows by F32 W [IC, OC] (gemv_xw): the columns in blocks of a tile's
 * width, and for each block the rows in tiles that keep all their sums in
 * registers over every input, each weight vector loaded once for the tile's
 * rows, straight from W (stride OC). A block's first tile reads it from
 * memory, prefetching GEMV_XW_AHEAD inputs ahead; the block then sits in L2
 * for the other tiles, which bring the next block into L2 in equal shares
 * as they run, so memory is read all along. On AVX2 the first tile
 * instead packs the block, a chunk of inputs at a time, for the others to
 * read from L1 (gemv_xw_blocks says why). Rows go in blocks of
 * gemv_row_block, which stay in L2 while the column blocks pass (prefill).
 * Per output the sum is gemv_xw_plain's chain: (y or 0) + bias, then one
 * fma per input in order (a chunk's sums wait in y for the next), so the
 * tiling changes no bit. */
#define GEMV_XW_AHEAD 24
/* Rows from which the tiles beat streaming rows of W through y in memory
 * (gemv_xw_avx2), measured on a Zen 4: one tile reads a block of W with
 * stride OC, which memory serves more slowly than whole rows, until the
 * arithmetic of enough rows hides it (IC 768, OC 2304, one thread: AVX-512
 * 36 against 28 GFLOP/s at 8 rows, 23 against 25 at 6; AVX2 29 against 20
 * at 4, even at 2). */
#define GEMV_XW_TILES_512 8
#define GEMV_XW_TILES_AVX2 3

struct gemv_xw_tile {
	size_t r0, NR, c0, nc;  /* rows r0.., NR of them, columns c0.., nc of them */
	size_t i0, n;           /* inputs i0.., n of them: a chunk of IC */
	const float *xt;        /* the rows' x transposed: input i0 + i's NR values at xt + i NT */
	const float *w;         /* the chunk's weights: input i0 + i's at w + i ws */
	size_t ws;
	float *pack;            /* NULL or where the chunk goes contiguous (input i at i cols) */
	int own;                /* reads W itself: prefetch it ahead */
	int packed;             /* reads the packed chunk (w, stride ws = cols) */
	const float *next;      /* else NULL or where this tile's share of the next block starts */
	size_t nrows, every;    /* its rows of W, one every that many inputs */
};
typedef void (*gemv_xw_tile_fn)(const struct gemv_job *j, const struct gemv_xw_tile *t);

/* Prefetches of a tile's input i0 + i: W AHEAD inputs on (a tile that reads
 * W), and (one input in every) a row of its share of the next block. pn and
 * left: the next block's row and the rows still to bring; cnt counts the
 * inputs. */
static inline __attribute__((always_inline)) void
gemv_xw_prefetch(const struct gemv_job *j, const struct gemv_xw_tile *t, size_t i,
                 const float **pn, size_t *left, size_t *cnt)
{
	if (t->own && t->i0 + i + GEMV_XW_AHEAD < j->IC) {
		const float *p = j->w + t->c0 + (t->i0 + i + GEMV_XW_AHEAD) * j->OC;
		cpu_prefetch_stream(p);
		cpu_prefetch_stream(p + t->nc - 1);
	}
	if (*left && ++*cnt == t->every) {
		*cnt = 0;
		(*left)--;
		cpu_prefetch_stream(*pn);
		cpu_prefetch_stream(*pn + t->nc - 1);
		*pn += j->OC;
	}
}

/* Returns 0, or -1 without the memory for the transposed rows (the caller
 * then runs another path: the same bits). The inputs go in chunks of kc
 * (every input with kc 0); with pack set and more than one tile of rows,
 * a chunk's first tile copies the chunk of the block, read from W with
 * stride OC, to a contiguous panel (cols floats an input) that the other
 * tiles read from L1: W's stride puts all of a block's rows in a few sets
 * of L1 and L2 (OC 3072: 12 KiB, every row in one set of L1 and in 32 of
 * L2's 2048), so read from W every tile would miss. Between chunks the
 * sums wait in y: the chain of fmas per output is unchanged. */
static int gemv_xw_blocks(const struct gemv_job *j, size_t lo, size_t hi, size_t cols, size_t NT,
                          gemv_xw_tile_fn tile, size_t kc, int pack)
{
	size_t IC = j->IC;
	kc = kc && kc < IC ? kc : IC;
	/* the rows' inputs of one chunk stay in L2 while the column blocks pass */
	size_t rb = gemv_row_block(j->R, kc, NT);
	pack = pack && j->R > NT; /* one tile: nothing reads the copy */
	/* x's rows, a tile's inputs side by side (one pointer, fixed offsets
	 * for the broadcasts, where twelve row pointers spill); every column
	 * block reuses them */
	float *xt = malloc(rb * IC * sizeof *xt);
	float *pk = pack ? aligned_alloc(64, (kc * cols * sizeof *pk + 63) / 64 * 64) : NULL;
	if (!xt || (pack && !pk)) {
		free(xt);
		free(pk);
		return -1;
	}
	for (size_t r0 = 0; r0 < j->R; r0 += rb) {
		size_t r1 = j->R - r0 < rb ? j->R : r0 + rb, T = (r1 - r0 + NT - 1) / NT;
		/* the rows in T tiles of equal size (to one row): a last tile of
		 * one or two rows would run too few chains to hide the fmas'
		 * latency (32 rows on AVX2: 6, 6, 5, 5, 5, 5, not 6 x 5 and 2) */
		size_t q = (r1 - r0) / T, e = (r1 - r0) % T;
		for (size_t k = 0; k < T; k++)
			for (size_t rr = 0; rr < q + (k < e); rr++) {
				float *d = xt + k * NT * IC + rr;
				const float *xr = j->x + (r0 + k * q + (k < e ? k : e) + rr) * IC;
				for (size_t i = 0; i < IC; i++)
					d[i * NT] = xr[i];
			}
		for (size_t c0 = lo; c0 < hi; c0 += cols) {
			struct gemv_xw_tile t = { .c0 = c0, .nc = hi - c0 < cols ? hi - c0 : cols };
			int more = c0 + cols < hi;
			for (size_t i0 = 0; i0 < IC; i0 += kc) {
				t.i0 = i0;
				t.n = IC - i0 < kc ? IC - i0 : kc;
				size_t share = (t.n + T - 1) / T;
				for (size_t k = 0; k < T; k++) {
					t.r0 = r0 + k * q + (k < e ? k : e);
					t.NR = q + (k < e);
					t.xt = xt + k * NT * IC + i0 * NT;
					t.packed = pack && k > 0;
					t.pack = pack && k == 0 ? pk : NULL;
					t.own = k == 0 && (c0 == lo || pack);
					t.w = t.packed ? pk : j->w + i0 * j->OC + c0;
					t.ws = t.packed ? cols : j->OC;
					t.next = NULL;
					t.nrows = 0;
					if (t.pack && more && i0 + kc >= IC)
						t.next = j->w + c0 + cols; /* the stream of prefetches goes on there */
					if (more && !pack && k * share < t.n) {
						size_t first = i0 + k * share;
						t.next = j->w + first * j->OC + c0 + cols;
						t.nrows = t.n - k * share < share ? t.n - k * share : share;
						t.every = T;
					}
					tile(j, &t);
				}
			}
		}
	}
	free(xt);
	free(pk);
	return 0;
}

/* AVX2: tiles of up to 6 rows by two vectors of 8 columns, 12 sums in the
 * 16 registers; a narrower last block through masked loads and stores. */
#define GEMV_XW_ROWS_AVX2 6
#define GEMV_XW_KC_AVX2 256 /* inputs a chunk: 16 KiB of packed W in L1 */
/* Inputs the packing tile prefetches W ahead: a row of W is a line of
 * its own, so the stream needs many in flight (IC 768, OC 2304 and 3072,
 * 32 rows, one thread: 24 ahead 55, 96 ahead 69-77, 128 ahead 67-73,
 * 256 ahead 57-71 GFLOP/s) */
#define GEMV_XW_PACK_AHEAD 128

/* Modes of a tile: it reads W (prefetching as gemv_xw_prefetch says), or
 * reads W and packs the chunk (prefetching W ahead), or reads the packed
 * chunk from L1 (nothing to prefetch). */
enum { GEMV_XW_READ, GEMV_XW_PACK, GEMV_XW_PACKED };

GEMV_AVX2 static inline __attribute__((always_inline)) void
gemv_xw_tile_avx2_n(const struct gemv_job *j, const struct gemv_xw_tile *t, size_t NR, int full,
                    int mode)
{
	size_t OC = j->OC, ws = mode == GEMV_XW_PACKED ? 16 : OC, n = t->n;
	const __m256i lane = _mm256_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7);
	__m256i m0 = _mm256_cmpgt_epi32(_mm256_set1_epi32((int)t->nc), lane);
	__m256i m1 = _mm256_cmpgt_epi32(_mm256_set1_epi32((int)t->nc - 8), lane);
	const float *w = t->w, *x = t->xt;
	float *pk = t->pack;
	__m256 a[GEMV_XW_ROWS_AVX2][2];
	_Pragma("GCC unroll 6")
	for (size_t k = 0; k < NR; k++) {
		float *y = j->y + (t->r0 + k) * OC + t->c0;
		if (t->i0 > 0 || j->accumulate) { /* a later chunk's sums wait in y */
			a[k][0] = _mm256_maskload_ps(y, m0);
			a[k][1] = _mm256_maskload_ps(y + 8, m1);
		} else {
			a[k][0] = a[k][1] = _mm256_setzero_ps();
		}
		if (j->bias && t->i0 == 0) {
			a[k][0] = _mm256_add_ps(a[k][0], _mm256_maskload_ps(j->bias + t->c0, m0));
			a[k][1] = _mm256_add_ps(a[k][1], _mm256_maskload_ps(j->bias + t->c0 + 8, m1));
		}
	}
	const float *pn = t->next;
	size_t left = t->nrows, cnt = 0;
	/* packing: W prefetched AHEAD inputs on, as far as W goes */
	size_t ahead = GEMV_XW_PACK_AHEAD;
	const float *pf = w + ahead * OC;
	size_t npf = t->i0 + n + ahead <= j->IC ? n
	             : j->IC > t->i0 + ahead ? j->IC - t->i0 - ahead : 0;
	size_t last = t->nc - 1;
	for (size_t i = 0; i < n; i++) {
		if (mode == GEMV_XW_READ)
			gemv_xw_prefetch(j, t, i, &pn, &left, &cnt);
		if (mode == GEMV_XW_PACK) {
			if (i == npf) /* past W's last input: the next block's first */
				pf = t->next;
			if (pf) {
				cpu_prefetch_stream(pf);
				cpu_prefetch_stream(pf + last);
				pf += OC;
			}
		}
		/* vmaskmovps only for a narrow last block: a plain load is cheaper */
		__m256 w0, w1;
		if (full || mode == GEMV_XW_PACKED) {
			w0 = _mm256_loadu_ps(w);
			w1 = _mm256_loadu_ps(w + 8);
		} else {
			w0 = _mm256_maskload_ps(w, m0);
			w1 = _mm256_maskload_ps(w + 8, m1);
		}
		w += ws;
		if (mode == GEMV_XW_PACK) {
			_mm256_store_ps(pk, w0);
			_mm256_store_ps(pk + 8, w1);
			pk += 16;
		}
		_Pragma("GCC unroll 6")
		for (size_t k = 0; k < NR; k++) {
			__m256 b = _mm256_broadcast_ss(x + k);
			a[k][0] = _mm256_fmadd_ps(b, w0, a[k][0]);
			a[k][1] = _mm256_fmadd_ps(b, w1, a[k][1]);
		}
		x += GEMV_XW_ROWS_AVX2;
	}
	_Pragma("GCC unroll 6")
	for (size_t k = 0; k < NR; k++) {
		float *y = j->y + (t->r0 + k) * OC + t->c0;
		_mm256_maskstore_ps(y, m0, a[k][0]);
		_mm256_maskstore_ps(y + 8, m1, a[k][1]);
	}
}

#define GEMV_XW_AVX2_MODES(N, FULL)                                                                \
	if (t->pack)                                                                               \
		gemv_xw_tile_avx2_n(j, t, N, FULL, GEMV_XW_PACK);                                  \
	else if (t->packed)                                                                        \
		gemv_xw_tile_avx2_n(j, t, N, FULL, GEMV_XW_PACKED);                                \
	else                                                                                       \
		gemv_xw_tile_avx2_n(j, t, N, FULL, GEMV_XW_READ);
#define GEMV_XW_AVX2_CASE(N)                                                                       \
	case N:                                                                                    \
		if (t->nc == 16) {                                                                 \
			GEMV_XW_AVX2_MODES(N, 1)                                                   \
		} else {                                                                           \
			GEMV_XW_AVX2_MODES(N, 0)                                                   \
		}                                                                                  \
		break;

GEMV_AVX2 static void gemv_xw_tile_avx2(const struct gemv_job *j, const struct gemv_xw_tile *t)
{
	switch (t->NR) {
	GEMV_XW_AVX2_CASE(1) GEMV_XW_AVX2_CASE(2) GEMV_XW_AVX2_CASE(3)
	GEMV_XW_AVX2_CASE(4) GEMV_XW_AVX2_CASE(5) GEMV_XW_AVX2_CASE(6)
	default: break;
	}
}

static void gemv_xw_tiles_avx2(void *ctx, size_t lo, size_t hi)
{
	if (gemv_xw_blocks(ctx, lo, hi, 16, GEMV_XW_ROWS_AVX2, gemv_xw_tile_avx2,
	                   GEMV_XW_KC_AVX2, 1) != 0)
		gemv_xw_avx2(ctx, lo, hi);
}

GEMV_AVX2 static inline float gemv_hsum(__m256 v)
{
	__m128 s = _mm_add_ps(_mm256_castps256_ps128(v), _mm256_extractf128_ps(v, 1));
	s = _mm_add_ps(s, _mm_movehl_ps(s, s));
	s = _mm_add_ss(s, _mm_shuffle_ps(s, s, 1));
	return _mm_cvtss_f32(s);
}

/* Rows of x a tile of gemv_xet takes at most: 4 with AVX2's 16 registers
 * (12 sums, 3 rows of E and x), 6 with AVX-512's 32 (24 sums, 4 rows of
 * E: 3, 5 or 6 rows of E by 6, 5 or 4 of x measured no faster there). */
#define GEMV_XET_ROWS 6
#define GEMV_XET_EROWS 4 /* rows of E a tile takes at most */

/* NQ rows of E against NR rows of x: each E vector loaded once for NR
 * rows, NQ NR independent chains. Each output is the same 8-lane sum over i
 * in order as one row alone, so the grouping of rows (and the level:
 * AVX-512 runs this on its 32 ymm registers) changes nothing in the
 * results. */
GEMV_AVX2 static inline __attribute__((always_inline)) void
gemv_xet_block(const struct gemv_job *j, size_t v, size_t r0, size_t NR, size_t NQ)
{
	size_t C = j->IC, vend = C & ~(size_t)7;
	const float *x0 = j->x + r0 * C;
	__m256 a[GEMV_XET_ROWS][GEMV_XET_EROWS];
	_Pragma("GCC unroll 6")
	for (size_t k = 0; k < NR; k++)
		_Pragma("GCC unroll 6")
		for (size_t q = 0; q < NQ; q++)
			a[k][q] = _mm256_setzero_ps();
	for (size_t i = 0; i < vend; i += 8) {
		__m256 e[GEMV_XET_EROWS];
		if (i % 16 == 0) /* the next block's rows at the same place, a line */
			for (size_t q = 0; q < NQ; q++) /* at a time (they follow these) */
				cpu_prefetch_stream(j->w + (v + NQ + q) * C + i);
		_Pragma("GCC unroll 6")
		for (size_t q = 0; q < NQ; q++)
			e[q] = gemv_load8(j, v + q, i);
		_Pragma("GCC unroll 6")
		for (size_t k = 0; k < NR; k++) {
			__m256 xv = _mm256_loadu_ps(x0 + k * C + i);
			_Pragma("GCC unroll 6")
			for (size_t q = 0; q < NQ; q++)
				a[k][q] = _mm256_fmadd_ps(xv, e[q], a[k][q]);
		}
	}
	_Pragma("GCC unroll 6")
	for (size_t k = 0; k < NR; k++) {
		const float *xr = x0 + k * C;
		_Pragma("GCC unroll 6")
		for (size_t q = 0; q < NQ; q++) {
			float s = gemv_hsum(a[k][q]);
			for (size_t i = vend; i < C; i++)
				s = fmaf(xr[i], gemv_e(j, v + q, i), s);
			j->y[(r0 + k) * j->OC + v + q] = s;
		}
	}
}

/* NQ rows of E from v against all rows of j in tiles of up to NT rows. */
GEMV_AVX2 static inline __attribute__((always_inline)) void
gemv_xet_tiles(const struct gemv_job *j, size_t v, size_t NT, size_t NQ)
{
	size_t r = 0, left;
	for (; r + NT <= j->R; r += NT)
		gemv_xet_block(j, v, r, NT, NQ);
	left = j->R - r;
	/* NT is a constant here: the tiles a level cannot hold are dead code */
	if (NT > 5 && left == 5)
		gemv_xet_block(j, v, r, 5, NQ);
	else if (NT > 4 && left == 4)
		gemv_xet_block(j, v, r, 4, NQ);
	else if (NT > 3 && left == 3)
		gemv_xet_block(j, v, r, 3, NQ);
	else if (left == 2)
		gemv_xet_block(j, v, r, 2, NQ);
	else if (left == 1)
		gemv_xet_block(j, v, r, 1, NQ);
}

/* Rows of E [lo, hi) against all rows of x, in blocks of rows that stay in
 * L2 while the rows of E pass over them. */
GEMV_AVX2 static inline __attribute__((always_inline)) void
gemv_xet_rows(const struct gemv_job *all, size_t lo, size_t hi, size_t NT, size_t NQ)
{
	size_t C = all->IC, vend = C & ~(size_t)7, rb = gemv_row_block(all->R, C, NT);
	for (size_t rb0 = 0; rb0 < all->R; rb0 += rb) {
		struct gemv_job part = *all, *j = &part;
		part.R = all->R - rb0 < rb ? all->R - rb0 : rb;
		part.x = all->x + rb0 * C;
		part.y = all->y + rb0 * all->OC;
		size_t v = lo;
		for (; v + NQ <= hi; v += NQ)
			gemv_xet_tiles(j, v, NT, NQ);
		for (; v < hi; v++)
			for (size_t r = 0; r < j->R; r++) {
				const float *xr = j->x + r * C;
				__m256 a0 = _mm256_setzero_ps();
				for (size_t i = 0; i < vend; i += 8)
					a0 = _mm256_fmadd_ps(_mm256_loadu_ps(xr + i), gemv_load8(j, v, i), a0);
				float s0 = gemv_hsum(a0);
				for (size_t i = vend; i < C; i++)
					s0 = fmaf(xr[i], gemv_e(j, v, i), s0);
				j->y[r * j->OC + v] = s0;
			}
	}
}

GEMV_AVX2 static void gemv_xet_avx2(void *ctx, size_t lo, size_t hi)
{
	const struct gemv_job *j = ctx;
	/* three rows of E by four of x: 12 sums, 3 rows of E and an x vector
	 * in the 16 registers, where four by three needed a fifth E load per
	 * step (an operand from memory) and ran at 41-43 GFLOP/s against 70-77
	 * (32 rows, one thread, F32, C 576 and 768); with one or two rows
	 * (bound by memory) four rows of E keep more chains going */
	if (j->R <= 2)
		gemv_xet_rows(ctx, lo, hi, 3, 4);
	else
		gemv_xet_rows(ctx, lo, hi, 4, 3);
}

GEMV_AVX2 static inline __m256 gemv_cvt8(const uint16_t *p)
{
	__m128i h = _mm_loadu_si128((const __m128i *)(const void *)p);
	return _mm256_castsi256_ps(_mm256_slli_epi32(_mm256_cvtepu16_epi32(h), 16));
}

/* Eight columns (q * 8 on) of input i of a full panel, as floats: the even
 * input of a pair by a shift, the odd one by a mask, a last odd input widened. */
GEMV_AVX2 static inline __m256 gemv_w8(const uint16_t *panel, size_t IC, size_t i, size_t q)
{
	if (i + 1 == IC && (IC & 1))
		return gemv_cvt8(panel + i * GEMV_PANEL + q * 8);
	__m256i raw = _mm256_loadu_si256((const __m256i *)(const void *)(panel + (i & ~(size_t)1) *
	                                                                   GEMV_PANEL + q * 16));
	return _mm256_castsi256_ps(i & 1 ? _mm256_and_si256(raw, _mm256_set1_epi32((int)0xffff0000u))
	                                 : _mm256_slli_epi32(raw, 16));
}

/* A tile of NR rows by NQ vectors of 8 columns of one panel, starting at
 * column q0 * 8, over n inputs: each weight vector serves NR rows, and
 * NR * NQ accumulators plus NQ weights and a broadcast fit the 16 registers
 * (a spill to the stack costs more than the sharing saves). The weights come
 * from the BF16 panel wb (converted here) or, already converted, from wf;
 * the sums start at zero (first) or from acc, and go back to acc. Per output
 * the chain of fmas runs over i in order, as gemv_panel_plain's does, so
 * the tiling of rows, columns and inputs changes nothing in the results. */
GEMV_AVX2 static inline __attribute__((always_inline)) void
gemv_tile(const float *x, size_t IC, const uint16_t *wb, const float *wf, size_t n, float *acc,
          int first, size_t NR, size_t q0, size_t NQ)
{
	__m256 a[6][4];
	_Pragma("GCC unroll 6")
	for (size_t k = 0; k < NR; k++)
		_Pragma("GCC unroll 6")
		for (size_t q = 0; q < NQ; q++)
			a[k][q] = first ? _mm256_setzero_ps()
			                : _mm256_loadu_ps(acc + k * GEMV_PANEL + (q0 + q) * 8);
	for (size_t i = 0; i < n; i++) {
		__m256 w[4];
		if (wb)
			cpu_prefetch_stream(wb + (i + 32) * GEMV_PANEL + q0 * 16);
		_Pragma("GCC unroll 6")
		for (size_t q = 0; q < NQ; q++)
			w[q] = wb ? gemv_w8(wb, IC, i, q0 + q)
			          : _mm256_load_ps(wf + i * GEMV_PANEL + (q0 + q) * 8);
		_Pragma("GCC unroll 6")
		for (size_t k = 0; k < NR; k++) {
			__m256 b = _mm256_broadcast_ss(x + k * IC + i);
			_Pragma("GCC unroll 6")
			for (size_t q = 0; q < NQ; q++)
				a[k][q] = _mm256_fmadd_ps(b, w[q], a[k][q]);
		}
	}
	_Pragma("GCC unroll 6")
	for (size_t k = 0; k < NR; k++)
		_Pragma("GCC unroll 6")
		for (size_t q = 0; q < NQ; q++)
			_mm256_storeu_ps(acc + k * GEMV_PANEL + (q0 + q) * 8, a[k][q]);
}

/* NR rows of a full panel: one or two rows take all four vectors at once
 * (memory-bound decoding of one sequence needs the independent chains),
 * more rows go in two halves of two vectors. */
GEMV_AVX2 static inline __attribute__((always_inline)) void
gemv_rows(const float *x, size_t IC, const uint16_t *wb, const float *wf, size_t n, float *acc,
          int first, size_t NR)
{
	if (NR <= 2) {
		gemv_tile(x, IC, wb, wf, n, acc, first, NR, 0, 4);
	} else {
		gemv_tile(x, IC, wb, wf, n, acc, first, NR, 0, 2);
		gemv_tile(x, IC, wb, wf, n, acc, first, NR, 2, 2);
	}
}

/* R rows in tiles of 6 and one of what remains; row r's sums at acc + r
 * panel widths. */
GEMV_AVX2 static inline __attribute__((always_inline)) void
gemv_row_tiles(const float *x, size_t IC, const uint16_t *wb, const float *wf, size_t n,
               float *acc, int first, size_t R)
{
	size_t r = 0;
	for (; r + 6 <= R; r += 6)
		gemv_rows(x + r * IC, IC, wb, wf, n, acc + r * GEMV_PANEL, first, 6);
	x += r * IC;
	acc += r * GEMV_PANEL;
	switch (R - r) {
	case 5: gemv_rows(x, IC, wb, wf, n, acc, first, 5); break;
	case 4: gemv_rows(x, IC, wb, wf, n, acc, first, 4); break;
	case 3: gemv_rows(x, IC, wb, wf, n, acc, first, 3); break;
	case 2: gemv_rows(x, IC, wb, wf, n, acc, first, 2); break;
	case 1: gemv_rows(x, IC, wb, wf, n, acc, first, 1); break;
	default: break;
	}
}

/* Many rows: each weight converted once per call, not once per tile of
 * rows. A chunk of GEMV_CHUNK inputs of the panel goes to floats in L1,
 * then every tile of rows runs over it, keeping its sums in acc between
 * chunks (the stored floats are the values a tile converts itself, so the
 * results are the same bits as with one row). */
#define GEMV_CHUNK 256
#define GEMV_ROW_BLOCK 60 /* rows whose sums stay in acc at once (tiles of 6) */

GEMV_AVX2 static void gemv_panel_chunked(const struct gemv_job *j, size_t c0)
{
	size_t IC = j->IC;
	float wf[GEMV_CHUNK * GEMV_PANEL] __attribute__((aligned(32)));
	float acc[GEMV_ROW_BLOCK * GEMV_PANEL];
	for (size_t rb = 0; rb < j->R; rb += GEMV_ROW_BLOCK) {
		size_t nrb = j->R - rb < GEMV_ROW_BLOCK ? j->R - rb : GEMV_ROW_BLOCK;
		for (size_t i0 = 0; i0 < IC; i0 += GEMV_CHUNK) {
			size_t n = IC - i0 < GEMV_CHUNK ? IC - i0 : GEMV_CHUNK;
			for (size_t i = 0; i < n; i++)
				for (size_t q = 0; q < 4; q++)
					_mm256_store_ps(wf + i * GEMV_PANEL + q * 8,
					                gemv_w8(j->wb + c0 * IC, IC, i0 + i, q));
			gemv_row_tiles(j->x + rb * IC + i0, IC, NULL, wf, n, acc, i0 == 0, nrb);
		}
		for (size_t k = 0; k < nrb; k++)
			gemv_finish(j, rb + k, c0, GEMV_PANEL, acc + k * GEMV_PANEL);
	}
}

GEMV_AVX2 static inline __attribute__((always_inline)) void
gemv_panels_avx2(const struct gemv_job *j, size_t lo, size_t hi)
{
	for (size_t c0 = lo; c0 < hi; c0 += GEMV_PANEL) {
		if (j->OC - c0 < GEMV_PANEL) {
			for (size_t r = 0; r < j->R; r++)
				gemv_panel_plain(j, c0, r);
			continue;
		}
		if (j->R > GEMV_DIRECT_ROWS) {
			gemv_panel_chunked(j, c0);
			continue;
		}
		float sum[GEMV_DIRECT_ROWS * GEMV_PANEL];
		gemv_row_tiles(j->x, j->IC, j->wb + c0 * j->IC, NULL, j->IC, sum, 1, j->R);
		for (size_t k = 0; k < j->R; k++)
			gemv_finish(j, k, c0, GEMV_PANEL, sum + k * GEMV_PANEL);
	}
}

GEMV_AVX2 static void gemv_xw_bf16_avx2(void *ctx, size_t lo, size_t hi)
{
	gemv_panels_avx2(ctx, lo, hi);
}

/* AVX-512: a panel's 32 columns are two vectors of 16, taken from a pair of
 * inputs by a shift (even input) or a mask (odd), so a row of a panel costs
 * two loads and two fmas (eight each with AVX2); up to 12 rows a tile in the
 * 32 registers. Per output the chain of fmas over i is gemv_panel_plain's,
 * so the results are the same bits as at the other levels. */
#define GEMV_512 __attribute__((target("avx2,fma,avx512f,avx512bw,avx512vl")))
#define GEMV_512_ROWS 12
_Static_assert(GEMV_512_ROWS == GEMV_XI_ROWS, "a block of x's pairs is a tile's rows");
#define GEMV_512_CASES(CASE)                                                                       \
	CASE(1) CASE(2) CASE(3) CASE(4) CASE(5) CASE(6) CASE(7) CASE(8) CASE(9) CASE(10) CASE(11)  \
	CASE(12)

GEMV_512 static inline __m512 gemv_cvt16(const uint16_t *p)
{
	__m256i h = _mm256_loadu_si256((const __m256i *)(const void *)p);
	return _mm512_castsi512_ps(_mm512_slli_epi32(_mm512_cvtepu16_epi32(h), 16));
}

/* Sixteen columns (h * 16 on) of input i of a full panel, as floats. */
GEMV_512 static inline __m512 gemv_w16(const uint16_t *panel, size_t IC, size_t i, size_t h)
{
	if (i + 1 == IC && (IC & 1))
		return gemv_cvt16(panel + i * GEMV_PANEL + h * 16);
	__m512i raw = _mm512_loadu_si512(panel + (i & ~(size_t)1) * GEMV_PANEL + h * 32);
	return _mm512_castsi512_ps(i & 1 ? _mm512_and_si512(raw, _mm512_set1_epi32((int)0xffff0000u))
	                                 : _mm512_slli_epi32(raw, 16));
}

/* gemv_finish for sixteen columns of a full panel: the same operations. */
GEMV_512 static inline __attribute__((always_inline)) void
gemv_finish16(const struct gemv_job *j, size_t r, size_t c, __m512 sum)
{
	float *y = j->y + r * j->OC + c;
	__m512 b = j->bias ? _mm512_loadu_ps(j->bias + c) : _mm512_setzero_ps();
	if (j->accumulate)
		b = _mm512_add_ps(_mm512_loadu_ps(y), b);
	_mm512_storeu_ps(y, _mm512_add_ps(b, sum));
}

GEMV_512 static inline __attribute__((always_inline)) void
gemv_tile512(const struct gemv_job *j, const float *x, const uint16_t *wb, size_t r0, size_t c0,
             size_t NR)
{
	size_t IC = j->IC;
	__m512 a[GEMV_512_ROWS][2];
	_Pragma("GCC unroll 12")
	for (size_t k = 0; k < NR; k++)
		a[k][0] = a[k][1] = _mm512_setzero_ps();
	for (size_t i = 0; i < IC; i++) {
		cpu_prefetch_stream(wb + (i + 16) * GEMV_PANEL);
		__m512 w0 = gemv_w16(wb, IC, i, 0), w1 = gemv_w16(wb, IC, i, 1);
		_Pragma("GCC unroll 12")
		for (size_t k = 0; k < NR; k++) {
			__m512 b = _mm512_set1_ps(x[k * IC + i]);
			a[k][0] = _mm512_fmadd_ps(b, w0, a[k][0]);
			a[k][1] = _mm512_fmadd_ps(b, w1, a[k][1]);
		}
	}
	_Pragma("GCC unroll 12")
	for (size_t k = 0; k < NR; k++) {
		gemv_finish16(j, r0 + k, c0, a[k][0]);
		gemv_finish16(j, r0 + k, c0 + 16, a[k][1]);
	}
}

/* F32 W for many rows (gemv_xw_blocks): tiles of up to 12 rows by two
 * vectors of 16 columns, 24 sums in the 32 registers, a narrower last block
 * through masks. */
GEMV_512 static inline __attribute__((always_inline)) void
gemv_xw_tile512_n(const struct gemv_job *j, const struct gemv_xw_tile *t, size_t NR, int pack)
{
	size_t OC = j->OC, ws = t->ws;
	__mmask16 m0 = (__mmask16)(t->nc >= 16 ? 0xffffu : (1u << t->nc) - 1);
	__mmask16 m1 = (__mmask16)(t->nc >= 32 ? 0xffffu : t->nc <= 16 ? 0u : (1u << (t->nc - 16)) - 1);
	const float *w = t->w, *x = t->xt;
	float *pk = t->pack;
	__m512 a[GEMV_512_ROWS][2];
	_Pragma("GCC unroll 12")
	for (size_t k = 0; k < NR; k++) {
		float *y = j->y + (t->r0 + k) * OC + t->c0;
		if (t->i0 > 0 || j->accumulate) { /* a later chunk's sums wait in y */
			a[k][0] = _mm512_maskz_loadu_ps(m0, y);
			a[k][1] = _mm512_maskz_loadu_ps(m1, y + 16);
		} else {
			a[k][0] = a[k][1] = _mm512_setzero_ps();
		}
		if (j->bias && t->i0 == 0) {
			a[k][0] = _mm512_add_ps(a[k][0], _mm512_maskz_loadu_ps(m0, j->bias + t->c0));
			a[k][1] = _mm512_add_ps(a[k][1], _mm512_maskz_loadu_ps(m1, j->bias + t->c0 + 16));
		}
	}
	const float *pn = t->next;
	size_t left = t->nrows, cnt = 0;
	for (size_t i = 0; i < t->n; i++) {
		gemv_xw_prefetch(j, t, i, &pn, &left, &cnt);
		__m512 w0 = _mm512_maskz_loadu_ps(m0, w + i * ws);
		__m512 w1 = _mm512_maskz_loadu_ps(m1, w + i * ws + 16);
		if (pack) {
			_mm512_store_ps(pk + i * 32, w0);
			_mm512_store_ps(pk + i * 32 + 16, w1);
		}
		_Pragma("GCC unroll 12")
		for (size_t k = 0; k < NR; k++) {
			__m512 b = _mm512_set1_ps(x[i * GEMV_512_ROWS + k]);
			a[k][0] = _mm512_fmadd_ps(b, w0, a[k][0]);
			a[k][1] = _mm512_fmadd_ps(b, w1, a[k][1]);
		}
	}
	_Pragma("GCC unroll 12")
	for (size_t k = 0; k < NR; k++) {
		float *y = j->y + (t->r0 + k) * OC + t->c0;
		_mm512_mask_storeu_ps(y, m0, a[k][0]);
		_mm512_mask_storeu_ps(y + 16, m1, a[k][1]);
	}
}

#define GEMV_XW_512_CASE(N) \
	case N:                                                                    \
		if (t->pack)                                                       \
			gemv_xw_tile512_n(j, t, N, 1);                             \
		else                                                               \
			gemv_xw_tile512_n(j, t, N, 0);                             \
		break;

GEMV_512 static void gemv_xw_tile512(const struct gemv_job *j, const struct gemv_xw_tile *t)
{
	switch (t->NR) {
	GEMV_512_CASES(GEMV_XW_512_CASE)
	default: break;
	}
}

static void gemv_xw_tiles512(void *ctx, size_t lo, size_t hi)
{
	if (gemv_xw_blocks(ctx, lo, hi, 32, GEMV_512_ROWS, gemv_xw_tile512,
	                   0, 0) != 0)
		gemv_xw_avx2(ctx, lo, hi);
}

/* gemv_xet on AVX-512: the AVX2 order (8 lanes an output) on its 32 ymm
 * registers, 6 rows of x a tile. */
GEMV_512 static void gemv_xet_avx512(void *ctx, size_t lo, size_t hi)
{
	gemv_xet_rows(ctx, lo, hi, GEMV_XET_ROWS, 4);
}

/* AVX512_BF16: vdpbf16ps multiplies a pair of BF16 weights by a pair of BF16
 * activations and adds both products to an F32 lane, 32 multiplies an
 * instruction where an F32 fma does 16, with no conversion of the weights.
 * The activations are rounded to BF16 first (gemv_bf16_x: once per call), so
 * the results differ from the other levels by that rounding (the bound is
 * test_gemv's); each output is still one fixed chain over the pairs, so a
 * row's result depends neither on the other rows nor on the threads. */
#define GEMV_BF16 __attribute__((target("avx2,fma,avx512f,avx512bw,avx512vl,avx512bf16")))

/* The pair of inputs (2p, 2p+1) of 16 columns (h * 16 on) of a full panel;
 * a last odd input widened to the pair (w, 0). */
GEMV_BF16 static inline __m512bh gemv_pair16(const uint16_t *panel, size_t IC, size_t p, size_t h)
{
	if (2 * p + 1 == IC)
		return (__m512bh)_mm512_cvtepu16_epi32(_mm256_loadu_si256(
			(const __m256i *)(const void *)(panel + 2 * p * GEMV_PANEL + h * 16)));
	return (__m512bh)_mm512_loadu_si512(panel + 2 * p * GEMV_PANEL + h * 32);
}

/* NR rows of x as BF16 pairs (xp: row k at k * xs pairs) by one full panel,
 * the sums finished straight into rows r0.. of y at columns c0... The first
 * tile of a panel prefetches it 32 pairs ahead; with more tiles than one
 * (more rows than GEMV_512_ROWS), each also brings its share of the next
 * panel into L2 (pf on, pstep bytes a pair), so memory is read all through
 * the panel's tiles, not in a burst during the first while the others run
 * from L2. */
GEMV_BF16 static inline __attribute__((always_inline)) void
gemv_tile_dp(const struct gemv_job *j, const uint32_t *xi, const uint16_t *wb, size_t r0,
             size_t c0, size_t NR, const char *pf, size_t pstep)
{
	size_t IC = j->IC;
	__m512 a[GEMV_512_ROWS][2];
	_Pragma("GCC unroll 12")
	for (size_t k = 0; k < NR; k++)
		a[k][0] = a[k][1] = _mm512_setzero_ps();
	size_t np = (IC + 1) / 2;
	for (size_t p0 = 0; p0 < np; p0 += 16) { /* a piece of 16 pairs (gemv_xi_at) */
		const uint32_t *xq = xi + p0 * NR;
		size_t pe = np - p0 < 16 ? np : p0 + 16;
		for (size_t p = p0; p < pe; p++, xq++) {
			if (r0 == 0) {
				cpu_prefetch_stream(wb + (2 * p + 32) * GEMV_PANEL);
				cpu_prefetch_stream(wb + (2 * p + 32) * GEMV_PANEL + 32);
			}
			if (pf)
				cpu_prefetch_stream(pf + p * pstep);
			__m512bh w0 = gemv_pair16(wb, IC, p, 0), w1 = gemv_pair16(wb, IC, p, 1);
			_Pragma("GCC unroll 12")
			for (size_t k = 0; k < NR; k++) {
				__m512bh b = (__m512bh)_mm512_set1_epi32((int)xq[k * 16]);
				a[k][0] = _mm512_dpbf16_ps(a[k][0], w0, b);
				a[k][1] = _mm512_dpbf16_ps(a[k][1], w1, b);
			}
		}
	}
	_Pragma("GCC unroll 12")
	for (size_t k = 0; k < NR; k++) {
		gemv_finish16(j, r0 + k, c0, a[k][0]);
		gemv_finish16(j, r0 + k, c0 + 16, a[k][1]);
	}
}

/* The panels of [lo, hi) for all rows, tiles of up to 12 rows: F32 fmas on
 * converted weights (DP 0) or vdpbf16ps on the BF16 activations (DP 1). */
#define GEMV_PANELS_512(NAME, ATTR, DP, CASE)                                                            \
	ATTR static void NAME(void *ctx, size_t lo, size_t hi)                                     \
	{                                                                                          \
		const struct gemv_job *j = ctx;                                                    \
		size_t xs = GEMV_XPAIRS(j->IC);                                                    \
		for (size_t c0 = lo; c0 < hi; c0 += GEMV_PANEL) {                                  \
			if (j->OC - c0 < GEMV_PANEL) {                                             \
				for (size_t r = 0; r < j->R; r++)                                  \
					(DP ? gemv_panel_dp_plain : gemv_panel_plain)(j, c0, r); \
				continue;                                                          \
			}                                                                          \
			const uint16_t *wb = j->wb + c0 * j->IC;                                   \
			size_t T = (j->R + GEMV_512_ROWS - 1) / GEMV_512_ROWS;                     \
			size_t pstep = (2 * GEMV_PANEL * sizeof *wb + T - 1) / T;                  \
			const char *next = T > 1 && c0 + 2 * GEMV_PANEL <= hi                      \
			                           ? (const char *)(wb + GEMV_PANEL * j->IC)       \
			                           : NULL;                                         \
			(void)pstep, (void)next;                                                   \
			for (size_t r = 0; r < j->R; r += GEMV_512_ROWS) {                         \
				size_t n = j->R - r < GEMV_512_ROWS ? j->R - r : GEMV_512_ROWS;    \
				const char *pf = next ? next + r / GEMV_512_ROWS * pstep *         \
				                                   ((j->IC + 1) / 2) : NULL;       \
				(void)pf;                                                          \
				const float *x = j->x + r * j->IC;                                 \
				const uint32_t *xp = DP ? j->xp + r * xs : NULL;                   \
				(void)x, (void)xp;                                                 \
				switch (n) {                                                       \
				GEMV_512_CASES(CASE)                                               \
				default: break;                                                    \
				}                                                                  \
			}                                                                          \
		}                                                                                  \
	}
#define GEMV_512_F32(N)                                                                            \
	case N: gemv_tile512(j, x, wb, r, c0, N); break;
#define GEMV_512_DP(N)                                                                             \
	case N: gemv_tile_dp(j, xp, wb, r, c0, N, pf, pstep); break;

GEMV_PANELS_512(gemv_xw_bf16_avx512, GEMV_512, 0, GEMV_512_F32)
GEMV_PANELS_512(gemv_xw_bf16_dp, GEMV_BF16, 1, GEMV_512_DP)

#endif

void gemv_xw(float *y, const float *x, const float *w, const float *bias, size_t R, size_t IC,
             size_t OC, int accumulate)
{
	struct gemv_job j = { .y = y, .x = x, .w = w, .bias = bias, .R = R, .IC = IC, .OC = OC,
	                      .accumulate = accumulate };
	pool_fn fn = gemv_xw_plain;
#if GEMV_X86
	/* every path gives the same bits: the choice is speed only */
	if (cpu_level() >= CPU_AVX512 && R >= GEMV_XW_TILES_512)
		fn = gemv_xw_tiles512;
	else if (cpu_level() >= CPU_AVX2 && R >= GEMV_XW_TILES_AVX2)
		fn = gemv_xw_tiles_avx2;
	else if (cpu_level() >= CPU_AVX2)
		fn = gemv_xw_avx2;
#endif
	pool_for(OC, GEMV_GRAIN, fn, &j);
}

int gemv_bf16_dot(void)
{
#if GEMV_X86
	return cpu_has_bf16();
#else
	return 0;
#endif
}

#if GEMV_X86
/* Rows [r0, r1) of x [R, IC] to BF16, rounded to nearest even, in
 * GEMV_XPAIRS(IC) pairs a row (zeros after IC) where gemv_xi_at puts them. */
GEMV_BF16 static void gemv_bf16_x(uint32_t *xp, const float *x, size_t R, size_t r0, size_t r1,
                                  size_t IC)
{
	size_t xs = GEMV_XPAIRS(IC);
	for (size_t r = r0; r < r1; r++) {
		const float *xr = x + r * IC;
		/* its piece c of 16 pairs at to + c * step: gemv_xi_at's place */
		uint32_t *to = xp + gemv_xi_at(R, xs, r, 0);
		size_t step = gemv_xi_at(R, xs, r, 16) - gemv_xi_at(R, xs, r, 0);
		for (size_t i = 0; i < 2 * xs; i += 32, to += step) {
			size_t n = IC > i ? IC - i : 0;
			if (n >= 32) {
				_mm256_storeu_si256((__m256i *)(void *)to, (__m256i)_mm512_cvtneps_pbh(
					_mm512_loadu_ps(xr + i)));
				_mm256_storeu_si256((__m256i *)(void *)(to + 8), (__m256i)_mm512_cvtneps_pbh(
					_mm512_loadu_ps(xr + i + 16)));
				continue;
			}
			for (size_t k = 0; k < 16; k++) { /* input 2k in pair k's low half */
				uint32_t h[2];
				for (size_t t = 0; t < 2; t++)
					h[t] = 2 * k + t < n ? (uint16_t)_mm_cvtsi128_si32((__m128i)
					       _mm_cvtneps_pbh(_mm_set_ss(xr[i + 2 * k + t]))) : 0;
				to[k] = h[0] | h[1] << 16;
			}
		}
	}
}

struct gemv_bf16_x_job {
	uint32_t *xp;
	const float *x;
	size_t R, IC;
};

static void gemv_bf16_x_part(void *ctx, size_t lo, size_t hi)
{
	const struct gemv_bf16_x_job *c = ctx;
	gemv_bf16_x(c->xp, c->x, c->R, lo, hi, c->IC);
}

/* gemv_bf16_x on the pool's threads, a block of a tile's rows each (the same
 * bits): serial, it took 2% of a batch-32 BF16 step while the other threads
 * waited. */
static void gemv_bf16_x_rows(uint32_t *xp, const float *x, size_t R, size_t IC)
{
	struct gemv_bf16_x_job c = { xp, x, R, IC };
	pool_for(R, GEMV_XI_ROWS, gemv_bf16_x_part, &c);
}

/* gemv_xw_bf16_dp over the panels with the activations in BF16 pairs: all
 * rows at once, or (no memory for that) rows in groups through a buffer on
 * the stack, which gives every row the same bits. */
static void gemv_dp_run(struct gemv_job *j)
{
	size_t xs = GEMV_XPAIRS(j->IC), R = j->R, n = j->OC, grain = GEMV_PANEL;
	pool_fn fn = gemv_xw_bf16_dp;
	uint32_t *xp = malloc(R * xs * sizeof *xp);
	if (xp) {
		gemv_bf16_x_rows(xp, j->x, R, j->IC);
		j->xp = xp;
		pool_for(n, grain, fn, j);
		free(xp);
		return;
	}
	enum { STACK_PAIRS = 8192 };
	uint32_t buf[STACK_PAIRS] __attribute__((aligned(64)));
	size_t g = STACK_PAIRS / xs;
	if (g == 0) { /* a row longer than the buffer: the F32 level instead */
		pool_for(n, grain, gemv_xw_bf16_avx512, j);
		return;
	}
	struct gemv_job part = *j;
	for (size_t r = 0; r < R; r += g) {
		part.R = R - r < g ? R - r : g;
		part.x = j->x + r * j->IC;
		part.y = j->y + r * j->OC;
		gemv_bf16_x(buf, part.x, part.R, 0, part.R, j->IC);
		part.xp = buf;
		pool_for(n, grain, fn, &part);
	}
}
#endif

/* The panel products' function for this CPU. */
static pool_fn gemv_panels_fn(void)
{
#if GEMV_X86
	if (cpu_has_bf16())
		return gemv_xw_bf16_dp;
	if (cpu_level() >= CPU_AVX512)
		return gemv_xw_bf16_avx512;
	if (cpu_level() >= CPU_AVX2)
		return gemv_xw_bf16_avx2;
#endif
	return gemv_xw_panels_plain;
}

void gemv_xw_bf16(float *y, const float *x, const uint16_t *wp, const float *bias, size_t R,
                  size_t IC, size_t OC, int accumulate)
{
	struct gemv_job j = { .y = y, .x = x, .bias = bias, .wb = wp, .R = R, .IC = IC, .OC = OC,
	                      .accumulate = accumulate };
	pool_fn fn = gemv_panels_fn();
#if GEMV_X86
	if (fn == gemv_xw_bf16_dp) {
		gemv_dp_run(&j);
		return;
	}
#endif
	pool_for(OC, GEMV_PANEL, fn, &j);
}

struct gemv_each {
	struct gemv_job j[GEMV_BF16_OUTS];
	size_t n, panels[GEMV_BF16_OUTS];
	pool_fn fn;
};

/* Panels [lo, hi) of the outputs end to end: each output's share of them
 * as the columns its own call would give a part. */
static void gemv_each_part(void *ctx, size_t lo, size_t hi)
{
	struct gemv_each *e = ctx;
	for (size_t k = 0, base = 0; k < e->n; base += e->panels[k++]) {
		size_t a = lo > base ? lo : base, b = hi < base + e->panels[k] ? hi : base + e->panels[k];
		if (a >= b)
			continue;
		size_t c1 = (b - base) * GEMV_PANEL;
		e->fn(&e->j[k], (a - base) * GEMV_PANEL, c1 < e->j[k].OC ? c1 : e->j[k].OC);
	}
}

void gemv_xw_bf16_each(const struct gemv_bf16_out *out, size_t n, const float *x, size_t R,
                       size_t IC, int accumulate)
{
	if (n == 0 || n > GEMV_BF16_OUTS)
		return;
	struct gemv_each e = { .n = n, .fn = gemv_panels_fn() };
	uint32_t *xp = NULL;
#if GEMV_X86
	if (e.fn == gemv_xw_bf16_dp && n > 1) {
		xp = malloc(R * GEMV_XPAIRS(IC) * sizeof *xp);
		if (xp)
			gemv_bf16_x_rows(xp, x, R, IC);
	}
	if (e.fn == gemv_xw_bf16_dp && !xp)
		n = 0; /* one at a time (gemv_dp_run finds its own memory) */
#endif
	if (n <= 1) {
		for (size_t k = 0; k < e.n; k++)
			gemv_xw_bf16(out[k].y, x, out[k].wp, out[k].bias, R, IC, out[k].OC, accumulate);
		return;
	}
	size_t total = 0;
	for (size_t k = 0; k < n; k++) {
		e.j[k] = (struct gemv_job){ .y = out[k].y, .x = x, .bias = out[k].bias, .wb = out[k].wp,
		                            .xp = xp, .R = R, .IC = IC, .OC = out[k].OC,
		                            .accumulate = accumulate };
		e.panels[k] = (out[k].OC + GEMV_PANEL - 1) / GEMV_PANEL;
		total += e.panels[k];
	}
	pool_for(total, 1, gemv_each_part, &e);
	free(xp);
}

void gemv_xet(float *y, const float *x, const float *e, size_t R, size_t C, size_t V)
{
	struct gemv_job j = { .y = y, .x = x, .w = e, .R = R, .IC = C, .OC = V };
	pool_fn fn = gemv_xet_plain;
#if GEMV_X86
	if (cpu_level() >= CPU_AVX512)
		fn = gemv_xet_avx512;
	else if (cpu_level() >= CPU_AVX2)
		fn = gemv_xet_avx2;
#endif
	pool_for(V, GEMV_GRAIN, fn, &j);
}
