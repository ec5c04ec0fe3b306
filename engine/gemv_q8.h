/* gemv_q8: decoding products with int8 weights and int8 activations.
 *
 *   int8_t *q = malloc(gemv_q8_bytes(IC, OC));
 *   float *sc = malloc(gemv_q8_scales(IC, OC) * sizeof *sc);
 *   gemv_pack_q8(q, sc, w, IC, OC);               // w [IC, OC], as a GPT-2 Conv1D holds it
 *   gemv_q8(y, x, q, sc, bias, R, IC, OC, 0);     // y [R, OC] = x [R, IC] w + bias
 *   gemv_pack_q8_rows(qe, sce, wte, V, C);        // rows as they are: the tied head
 *   gemv_q8(logits, x, qe, sce, NULL, R, C, V, 0);
 *
 * Symmetric int8 in groups of GEMV_Q8_GROUP inputs: one F32 scale per
 * output channel per group, and each row of x quantized the same way on
 * every call. The weights lie in panels of GEMV_Q8_PANEL output channels
 * (the last zero-padded; gemv_q8_bytes and gemv_q8_scales count whole
 * panels, so a matrix packed in slices of whole panels lands at
 * gemv_q8_bytes(IC, first row)): per panel, per group, per 4 inputs, 64
 * bytes (channel c's 4 weights at 4 c); the scales alike, per panel, per
 * group, the 16 channels' F32 scales. The matrix is one stream, a 512-bit
 * vector per 4 inputs of 16 channels: AVX-512 VNNI sums each group's
 * products exactly with one vpdpbusd per 64 bytes (AVX2: vpmaddubsw and
 * vpmaddwd, two halves) and scales them once per group and 16 channels.
 * Pack matrices in slices of multiples of GEMV_Q8_PANEL rows (but the
 * last). Scratch for x is allocated per call. The float order is fixed,
 * the same in the plain C path (the reference of the bits): for channel c
 * and row r, a = 0, then per group g in order a = fmaf((float)d, dx[r][g] *
 * sc[c][g], a) where d is the group's exact integer sum; y = (accumulate ?
 * y + bias : bias) + a. So a row's result depends neither on the kernel
 * level, nor on the other rows, nor on the thread count.
 */
#ifndef RIC_ENGINE_GEMV_Q8_H
#define RIC_ENGINE_GEMV_Q8_H

#include <stddef.h>
#include <stdint.h>

#define GEMV_Q8_GROUP 32
#define GEMV_Q8_PANEL 16

size_t gemv_q8_bytes(size_t IC, size_t OC);
size_t gemv_q8_scales(size_t IC, size_t OC);
void gemv_pack_q8(int8_t *q, float *scale, const float *w, size_t IC, size_t OC);
void gemv_pack_q8_rows(int8_t *q, float *scale, const float *e, size_t OC, size_t IC);
/* bias may be NULL; with accumulate set y is added to, else overwritten.
 * Returns 0, or -1 when the scratch for the quantized rows cannot be had. */
int gemv_q8(float *y, const float *x, const int8_t *q, const float *scale, const float *bias,
            size_t R, size_t IC, size_t OC, int accumulate);

/* Up to GEMV_Q8_OUTS products of the same x in one call (a layer's q, k and
 * v; gate and up): x is quantized once and the outputs' columns, laid end to
 * end, are split between the threads together, so they cost one hand-off to
 * the pool, not one each, and two threads get equal shares of the whole
 * where each small product alone would split unevenly. Each y gets the
 * bits gemv_q8 gives it alone. Returns 0, or -1 (no scratch, or n outside
 * 1..GEMV_Q8_OUTS). */
#define GEMV_Q8_OUTS 4
struct gemv_q8_out {
	float *y;
	const int8_t *q;
	const float *scale, *bias; /* bias may be NULL */
	size_t OC;
};
int gemv_q8_each(const struct gemv_q8_out *out, size_t n, const float *x, size_t R, size_t IC,
                 int accumulate);

#endif
