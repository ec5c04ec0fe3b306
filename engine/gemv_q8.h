/* gemv_q8: decoding products with int8 weights and int8 activations.
 *
 *   int8_t *q = malloc(gemv_q8_bytes(IC, OC));
 *   float *sc = malloc(gemv_q8_scales(IC, OC) * sizeof *sc);
 *   gemv_pack_q8(q, sc, w, IC, OC);               // w [IC, OC], as a GPT-2 Conv1D holds it
 *   gemv_q8(y, x, q, sc, bias, R, IC, OC, 0);     // y [R, OC] = x [R, IC] w + bias
 *   gemv_pack_q8_rows(qe, sce, wte, V, C);        // rows as they are: the tied head
 *   gemv_q8(logits, x, qe, sce, NULL, R, C, V, 0);
 *
 * Symmetric int8 in groups of GEMV_Q8_GROUP inputs: each output channel's
 * weights are stored as a row of its inputs (zero-padded to whole groups)
 * with one F32 scale per group, and each row of x is quantized the same way
 * on every call. A group's dot product is then exact integer arithmetic
 * (AVX2 multiplies and adds bytes pairwise, AVX-512 VNNI in fours), scaled once: per byte of
 * weight this does about a third of the work of converting the weight to
 * float and multiplying, and reads a quarter of F32's bytes (plus an
 * eighth for the scales). The order of the float sums is fixed (8 lanes,
 * even groups and odd groups apart, each group by group, then the two lane
 * by lane, then the lanes pairwise: a 512-bit vector holds a pair of
 * groups), the same in the plain C path, so a row's result depends neither
 * on the other rows nor on the thread count.
 */
#ifndef RIC_ENGINE_GEMV_Q8_H
#define RIC_ENGINE_GEMV_Q8_H

#include <stddef.h>
#include <stdint.h>

#define GEMV_Q8_GROUP 32

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
