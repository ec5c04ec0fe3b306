/* gemv: products of a few rows with a weight matrix, for decoding.
 *
 *   gemv_xw(y, x, w, bias, R, IC, OC, 0);         // y [R,OC] = x [R,IC] w [IC,OC] + bias
 *   gemv_pack_bf16(wp, w, IC, OC);                // BF16, in panels (same element count)
 *   gemv_pack_bf16_rows(hp, wte, V, C);           // the panels of wte^T, from its rows
 *   gemv_xw_bf16(y, x, wp, NULL, R, IC, OC, 1);   // y += x w with the packed copy
 *   gemv_xet(logits, x, wte, R, C, V);            // logits [R,V] = x [R,C] wte^T (F32)
 *   gemv_bf16_from_f32(eb, wte, V * C);           // round to nearest even (same layout)
 *
 * Decoding a few rows is bound by memory bandwidth, not arithmetic: every
 * weight is read once per step. BLIS packs its operands (one more pass over
 * them) and cannot read BF16, so these stream the weights once, converting
 * BF16 on the fly (half the bytes), on the pool's threads (engine/pool.h).
 * Many rows (a batch's decoding step, a prefill) are bound by arithmetic:
 * tiles of rows keep their sums in registers while a block of weights sits
 * in L2. Columns (rows of E for gemv_xet) are split between threads in
 * blocks, and each output is a sum over the inner dimension in index order,
 * so a row's result depends neither on the other rows nor on the thread
 * count. AVX2/FMA and AVX-512 versions are picked at run time (engine/cpu):
 * gemv_xw and the BF16 panels give the plain C order's bits at every level
 * (one fma per input), gemv_xet sums in 8 lanes where there are vectors.
 * Int8 weights: engine/gemv_q8.h.
 */
#ifndef RIC_ENGINE_GEMV_H
#define RIC_ENGINE_GEMV_H

#include <stddef.h>
#include <stdint.h>

/* bias may be NULL; with accumulate set y is added to, else overwritten. */
void gemv_xw(float *y, const float *x, const float *w, const float *bias, size_t R, size_t IC,
             size_t OC, int accumulate);

/* Panels of GEMV_PANEL columns, each [IC, width] row-major, one after the
 * other (the last may be narrower): a thread streams its panels front to
 * back, where reading rows of [IC, OC] would jump by OC every row. */
#define GEMV_PANEL 32
void gemv_pack_bf16(uint16_t *dst, const float *w, size_t IC, size_t OC);
/* The same panels of W = E^T from E's rows [OC, IC] (nn.Linear's weights, a
 * language model's head), so a head is a product like the others. */
void gemv_pack_bf16_rows(uint16_t *dst, const float *e, size_t OC, size_t IC);
/* Column c of such panels in F32 (row c of E: a tied embedding's row). */
void gemv_bf16_panel_column(float *out, const uint16_t *wp, size_t IC, size_t OC, size_t c);
void gemv_xw_bf16(float *y, const float *x, const uint16_t *wp, const float *bias, size_t R,
                  size_t IC, size_t OC, int accumulate);
/* Up to GEMV_BF16_OUTS products of the same x in one call (a layer's q, k
 * and v; gate and up): x is rounded to BF16 once and the outputs' panels,
 * laid end to end, are split between the threads together, so they cost one
 * hand-off to the pool, not one each, and two threads get equal shares of
 * the whole where a small product alone splits unevenly. Each y gets the
 * bits gemv_xw_bf16 gives it alone. n outside 1..GEMV_BF16_OUTS does nothing. */
#define GEMV_BF16_OUTS 4
struct gemv_bf16_out {
	float *y;
	const uint16_t *wp;
	const float *bias; /* may be NULL */
	size_t OC;
};
void gemv_xw_bf16_each(const struct gemv_bf16_out *out, size_t n, const float *x, size_t R,
                       size_t IC, int accumulate);
/* y [R, V] = x [R, C] E^T for F32 E [V, C] (BF16 packs E as W = E^T:
 * gemv_pack_bf16_rows, gemv_xw_bf16). */
void gemv_xet(float *y, const float *x, const float *e, size_t R, size_t C, size_t V);

/* 1 when the BF16 products use vdpbf16ps (engine/cpu: AVX512_BF16 in use):
 * the activations are then rounded to BF16 too, and each output equals the
 * double-precision sum of the rounded activations times the BF16 weights
 * within F32 summation; else each output is the F32 chain of fmas on the
 * unrounded activations, the same bits at every level. */
int gemv_bf16_dot(void);

void gemv_bf16_from_f32(uint16_t *dst, const float *src, size_t n);
float gemv_bf16_to_f32(uint16_t b);

#endif
