/* llama_decode: the Llama family's layers for the KV-cache decoder
 * (engine/decoder.h), with F32, BF16 or int8 weights. nn.Linear keeps
 * weights [out, in], rows of inputs: BF16 packs them into gemv_xw_bf16's
 * panels of W^T (gemv_pack_bf16_rows), int8 into its panels (gemv_pack_q8_rows);
 * F32 reads them as they are (gemv_xet). */
#include "config.h"

#include "engine/decoder.h"
#include "engine/gemv.h"
#include "engine/gemv_q8.h"
#include "engine/kernels.h"
#include "engine/llama.h"
#include "engine/pool.h"
#include "engine/vmath.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

/* The seven matrices of a layer, in the order of the int8 offsets. */
static const enum llama_layer_tensor llama_mats[7] = {
	LLAMA_QW, LLAMA_KW, LLAMA_VW, LLAMA_OW, LLAMA_GATE, LLAMA_UP, LLAMA_DOWN
};

static void llama_mat_shape(const struct llama_layout *lay, size_t k, size_t *IC, size_t *OC)
{
	size_t HD = lay->NH * lay->D, KD = lay->NKV * lay->D;
	const size_t in[7] = { lay->C, lay->C, lay->C, HD, lay->C, lay->C, lay->I };
	const size_t out[7] = { HD, KD, KD, lay->C, lay->I, lay->I, lay->C };
	*IC = in[k];
	*OC = out[k];
}

enum status_code llama_decode_init(struct decoder *d, struct status *st)
{
	struct llama_layout *lay = calloc(1, sizeof *lay);
	if (!lay)
		return status_set(st, STATUS_NOMEM, "out of memory");
	d->impl = lay;
	return llama_layout_init(lay, &d->p->cfg, st);
}

void llama_decode_free(struct decoder *d)
{
	if (d->impl)
		llama_layout_free(d->impl);
	free(d->impl);
	d->impl = NULL;
}

/* Matrix m: 7 l + k for the layers, 7 L the head (a reward model's score):
 * its offset, inputs and outputs. */
static size_t llama_mat(const struct llama_layout *lay, size_t m, size_t *IC, size_t *OC)
{
	if (m == 7 * lay->L) {
		*IC = lay->C;
		*OC = lay->labels ? lay->labels : lay->V;
		return llama_off(lay, lay->labels ? LLAMA_SCORE : LLAMA_HEAD);
	}
	llama_mat_shape(lay, m % 7, IC, OC);
	return llama_off_layer(lay, m / 7, llama_mats[m % 7]);
}

static enum status_code llama_q8_finite(const float *w, size_t n, struct status *st)
{
	if (isfinite(vmath_sumsq(w, n))) /* finite exactly when every value is */
		return STATUS_OK;
	for (size_t i = 0; i < n; i++)
		if (!isfinite(w[i]))
			return status_set(st, STATUS_INVALID, "a weight is %g: no int8 scale for it",
			                  (double)w[i]);
	return STATUS_OK;
}

static void q8_shape(const void *ctx, size_t m, size_t *IC, size_t *OC)
{
	llama_mat(ctx, m, IC, OC);
}

/* wb's arrays for its dtype: BF16 every parameter at its offset; int8 the
 * 7 L + 1 matrices one after the other (q_at, scale_at). */
static enum status_code llama_weights_alloc(struct decoder_weights *wb,
                                            const struct llama_layout *lay, size_t count,
                                            struct status *st)
{
	if (wb->dtype == DECODER_BF16) {
		wb->bf16 = decoder_weights_alloc(count * sizeof *wb->bf16);
		return wb->bf16 ? STATUS_OK
		                : status_set(st, STATUS_NOMEM, "cannot allocate BF16 weights (%zu values)",
		                             count);
	}
	return decoder_q8_alloc(wb, 7 * lay->L + 1, q8_shape, lay, st);
}

enum status_code llama_decode_begin(struct decoder_weights *wb, const struct model_params *p,
                                    struct status *st)
{
	struct llama_layout lay;
	enum status_code rc = llama_layout_init(&lay, &p->cfg, st);
	if (rc == STATUS_OK)
		rc = llama_weights_alloc(wb, &lay, p->count, st);
	if (rc == STATUS_OK && wb->dtype == DECODER_BF16) {
		size_t IC, OC, head = llama_mat(&lay, 7 * lay.L, &IC, &OC);
		wb->embed = wb->bf16 + llama_off(&lay, LLAMA_EMBED);
		/* a tied head is packed (llama_decode_rows) and read as the embedding */
		wb->embed_panels = head == llama_off(&lay, LLAMA_EMBED);
	} else if (rc == STATUS_OK) {
		wb->embed_mem = malloc(lay.V * lay.C * sizeof *wb->embed_mem);
		wb->embed = wb->embed_mem;
		if (!wb->embed_mem)
			rc = status_set(st, STATUS_NOMEM, "cannot allocate BF16 embeddings");
	}
	llama_layout_free(&lay);
	return rc;
}

/* The packing of BF16 panels and int8 panels of a slice matches that of
 * the whole matrix when slices start on a panel's first column (and, but
 * the last, are whole int8 panels: MODEL_DECODE_ROWS is a multiple). */
_Static_assert(MODEL_DECODE_ROWS % GEMV_PANEL == 0, "slices must start on a BF16 panel");
_Static_assert(MODEL_DECODE_ROWS % GEMV_Q8_PANEL == 0, "slices must be whole int8 panels");

enum status_code llama_decode_rows(struct decoder_weights *wb, const struct model_params *p,
                                   size_t off, size_t row, size_t nrows, size_t width,
                                   const float *src, struct status *st)
{
	struct llama_layout lay;
	enum status_code rc = llama_layout_init(&lay, &p->cfg, st);
	if (rc != STATUS_OK)
		return rc;
	size_t m = 0, IC = 0, OC = 0, mats = 7 * lay.L + 1, n = nrows * width;
	while (m < mats && (llama_mat(&lay, m, &IC, &OC) != off || IC != width || row + nrows > OC))
		m++;
	int embed = off == llama_off(&lay, LLAMA_EMBED);
	llama_layout_free(&lay);
	if (m < mats && row % MODEL_DECODE_ROWS)
		return status_set(st, STATUS_INVALID, "a slice starts at row %zu, not a multiple of %d",
		                  row, MODEL_DECODE_ROWS);
	if (wb->dtype == DECODER_BF16 && m < mats) {
		/* output rows [row, row + nrows) are the panels from column row on */
		gemv_pack_bf16_rows(wb->bf16 + off + row * IC, src, nrows, IC);
	} else if (wb->dtype == DECODER_BF16) { /* the vectors (and an untied embedding's rows) */
		gemv_bf16_from_f32(wb->bf16 + off + row * width, src, n);
	} else {
		if (m < mats && (rc = llama_q8_finite(src, n, st)) == STATUS_OK)
			gemv_pack_q8_rows(wb->q8 + wb->q_at[m] + gemv_q8_bytes(IC, row),
			                  wb->scale + wb->scale_at[m] + gemv_q8_scales(IC, row), src, nrows, IC);
		if (embed)
			gemv_bf16_from_f32(wb->embed_mem + row * width, src, n);
	}
	return rc;
}

enum status_code llama_decode_weights(struct decoder_weights *wb, const struct model_params *p,
                                      struct status *st)
{
	struct llama_layout lay;
	enum status_code rc = llama_layout_init(&lay, &p->cfg, st);
	if (rc != STATUS_OK)
		return rc;
	if (wb->dtype == DECODER_INT8)
		rc = llama_q8_finite(p->mem, p->count, st);
	if (rc == STATUS_OK)
		rc = llama_weights_alloc(wb, &lay, p->count, st);
	if (rc == STATUS_OK && wb->dtype == DECODER_BF16) {
		/* every parameter at its own offset: the matrices and the head in
		 * gemv_xw_bf16's panels (of W^T: [in, out]), the rest as it is */
		gemv_bf16_from_f32(wb->bf16, p->mem, p->count);
		for (size_t m = 0; m <= 7 * lay.L; m++) {
			size_t IC, OC, off = llama_mat(&lay, m, &IC, &OC);
			gemv_pack_bf16_rows(wb->bf16 + off, p->mem + off, OC, IC);
		}
	} else if (rc == STATUS_OK) {
		for (size_t m = 0; m <= 7 * lay.L; m++) {
			size_t IC, OC, off = llama_mat(&lay, m, &IC, &OC);
			gemv_pack_q8_rows(wb->q8 + wb->q_at[m], wb->scale + wb->scale_at[m], p->mem + off,
			                  OC, IC);
		}
	}
	llama_layout_free(&lay);
	return rc;
}

/* y [R, OC] (+)= x [R, IC] W^T + bias for matrix m (7 l + k, or 7 L: the head)
 * at offset off, through our own products in the weights' form at every row
 * count (a row's result then does not depend on the other rows). tmp
 * [R, OC] is scratch for accumulating products. */
static enum status_code llama_product(const struct decoder *d, size_t m, size_t off, float *y,
                                      const float *x, const float *bias, size_t R, size_t IC,
                                      size_t OC, int acc, float *tmp, struct status *st)
{
	const struct decoder_weights *dw = d->wb && d->wb->dtype != DECODER_F32 ? d->wb : NULL;
	const float *w = d->p->mem + off;
	if (dw && dw->dtype == DECODER_BF16) {
		gemv_xw_bf16(y, x, dw->bf16 + off, bias, R, IC, OC, acc);
		return STATUS_OK;
	}
	if (dw && dw->dtype == DECODER_INT8) {
		if (gemv_q8(y, x, dw->q8 + dw->q_at[m], dw->scale + dw->scale_at[m], bias, R, IC, OC, acc))
			return status_set(st, STATUS_NOMEM, "cannot allocate int8 activations");
		return STATUS_OK;
	}
	float *out = acc ? tmp : y;
	gemv_xet(out, x, w, R, IC, OC);
	for (size_t r = 0; r < R; r++) {
		if (bias)
			residual_forward(out + r * OC, bias, OC);
		if (acc)
			residual_forward(y + r * OC, out + r * OC, OC);
	}
	return STATUS_OK;
}

/* Products of matrices m0 .. m0 + n - 1, which read the same x and do not
 * accumulate (q, k, v; gate, up). With int8 or BF16 weights they are one
 * call of the pool (gemv_q8_each, gemv_xw_bf16_each), each output's bits as
 * alone; else one product each. */
static enum status_code llama_products(const struct decoder *d, size_t m0, size_t n,
                                       float *const y[], const float *x,
                                       const float *const bias[], size_t R, struct status *st)
{
	const struct decoder_weights *dw = d->wb;
	int q8 = dw && dw->dtype == DECODER_INT8 && n <= GEMV_Q8_OUTS;
	int bf16 = dw && dw->dtype == DECODER_BF16 && n <= GEMV_BF16_OUTS;
	struct gemv_q8_out o[GEMV_Q8_OUTS];
	struct gemv_bf16_out ob[GEMV_BF16_OUTS];
	size_t IC = 0, OC = 0;
	for (size_t k = 0; k < n; k++) {
		size_t off = llama_mat(d->impl, m0 + k, &IC, &OC);
		if (q8)
			o[k] = (struct gemv_q8_out){ .y = y[k], .q = dw->q8 + dw->q_at[m0 + k],
			                             .scale = dw->scale + dw->scale_at[m0 + k],
			                             .bias = bias[k], .OC = OC };
		else if (bf16)
			ob[k] = (struct gemv_bf16_out){ .y = y[k], .wp = dw->bf16 + off, .bias = bias[k],
			                                .OC = OC };
		else {
			enum status_code rc = llama_product(d, m0 + k, off, y[k], x, bias[k], R, IC, OC, 0,
			                                    NULL, st);
			if (rc != STATUS_OK)
				return rc;
		}
	}
	if (q8 && gemv_q8_each(o, n, x, R, IC, 0))
		return status_set(st, STATUS_NOMEM, "cannot allocate int8 activations");
	if (bf16)
		gemv_xw_bf16_each(ob, n, x, R, IC, 0);
	return STATUS_OK;
}

/* silu(gate) * up into the gate's place, as swiglu_forward computes it, for
 * gate [R, I] then up [R, I] at fch (element e of one pairs with e of the
 * other): on the pool's threads, vectorised (engine/vmath). Each element
 * alone, so the split changes no bit. */
#define LLAMA_SWIGLU_GRAIN 256
struct llama_swiglu {
	float *g;
	const float *u;
};

static void llama_swiglu_part(void *ctx, size_t lo, size_t hi)
{
	const struct llama_swiglu *sw = ctx;
	vmath_silu_mul(sw->g + lo, sw->g + lo, sw->u + lo, hi - lo);
}

/* RoPE on one row's queries and keys (decoder_cache_put's before), each row
 * alone as rope_rotate computes it. */
struct llama_rope_rows {
	const struct decoder *d;
	float *q, *k;
};

static void llama_rope_row(void *ctx, size_t r)
{
	const struct llama_rope_rows *rr = ctx;
	const struct model_dims *m = &rr->d->dims;
	size_t HD = m->NH * m->D, KD = m->NKV * m->D;
	int zero = 0;
	rope_rotate(rr->q + r * HD, HD, 1, &zero, m->NH, m->D, rr->d->rope + r * m->D, 0);
	rope_rotate(rr->k + r * KD, KD, 1, &zero, m->NKV, m->D, rr->d->rope + r * m->D, 0);
}

enum status_code llama_decode(struct decoder *d, const int *seq, const int *tokens, size_t R,
                              const unsigned char *keep, float *logits, const struct hooks *h,
                              struct status *st)
{
	const struct llama_layout *lay = d->impl;
	size_t C = lay->C, I = lay->I, NH = lay->NH, NKV = lay->NKV, D = lay->D;
	size_t HD = NH * D, KD = NKV * D;
	const float *w = d->p->mem;
	enum status_code rc = STATUS_OK;
	float *q = d->qkv, *k = q + R * HD, *v = k + R * KD;
	for (size_t r = 0; r < R; r++)
		llama_rope_at(lay, d->rope + r * D, (size_t)d->pos[r]);
	if (d->wb && d->wb->embed) {
		const uint16_t *e = d->wb->embed;
		for (size_t r = 0; r < R; r++)
			if (d->wb->embed_panels)
				gemv_bf16_panel_column(d->x + r * C, e, C, lay->V, (size_t)tokens[r]);
			else
				for (size_t c = 0; c < C; c++)
					d->x[r * C + c] = gemv_bf16_to_f32(e[(size_t)tokens[r] * C + c]);
	} else
		embedding_forward(d->x, tokens, w + llama_off(lay, LLAMA_EMBED), R, C);
	for (size_t l = 0; l < lay->L; l++) {
#define OFF(t) llama_off_layer(lay, l, (t))
#define BIAS(t) (OFF(t) == LLAMA_ABSENT ? NULL : w + OFF(t))
#define PRODUCT(kk, y, x, b, IC, OC, acc) \
		if ((rc = llama_product(d, 7 * l + (kk), OFF(llama_mats[kk]), (y), (x), (b), R, (IC), \
		                        (OC), (acc), d->ln, st)) != STATUS_OK) \
			return rc
		decoder_norm_rows(d->ln, d->x, w + OFF(LLAMA_LN1), NULL, R, C, lay->eps);
		float *const qkv[3] = { q, k, v }, *const gu[2] = { d->fch, d->fch + R * I };
		const float *const qkv_b[3] = { BIAS(LLAMA_QB), BIAS(LLAMA_KB), BIAS(LLAMA_VB) };
		const float *const gu_b[2] = { NULL, NULL };
		if ((rc = llama_products(d, 7 * l, 3, qkv, d->ln, qkv_b, R, st)) != STATUS_OK)
			return rc;
		struct llama_rope_rows rr = { d, q, k };
		decoder_cache_put(d, l, seq, R, k, v, KD, llama_rope_row, &rr);
		decoder_attend_rows(d, l, q, HD, seq, R, d->atty, HD);
		PRODUCT(3, d->x, d->atty, BIAS(LLAMA_OB), HD, C, 1);
		decoder_norm_rows(d->ln, d->x, w + OFF(LLAMA_LN2), NULL, R, C, lay->eps);
		/* gate [R, I] then up [R, I] in fch; silu(gate) * up into the gate's place */
		if ((rc = llama_products(d, 7 * l + 4, 2, gu, d->ln, gu_b, R, st)) != STATUS_OK)
			return rc;
		struct llama_swiglu sw = { d->fch, d->fch + R * I };
		pool_for(R * I, LLAMA_SWIGLU_GRAIN, llama_swiglu_part, &sw);
		PRODUCT(6, d->x, d->fch, NULL, I, C, 1);
#undef PRODUCT
#undef BIAS
#undef OFF
		if (hooks_aborted(h))
			return status_set(st, STATUS_CANCELLED, "cancelled");
	}
	size_t n = decoder_norm_kept(d, w + llama_off(lay, LLAMA_NORM), NULL, R, keep, lay->eps);
	size_t IC, OC, off = llama_mat(lay, 7 * lay->L, &IC, &OC);
	return llama_product(d, 7 * lay->L, off, logits, d->ln, NULL, n, IC, OC, 0, NULL, st);
}
