/* gpt2_decode: GPT-2's layers for the KV-cache decoder (engine/decoder.h),
 * and its BF16 and int8 weight copies. */
#include "config.h"

#include "engine/decoder.h"
#include "engine/gemv.h"
#include "engine/gemv_q8.h"
#include "engine/gpt2.h"
#include "engine/kernels.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

enum status_code gpt2_decode_init(struct decoder *d, struct status *st)
{
	struct gpt2_layout *lay = calloc(1, sizeof *lay);
	if (!lay)
		return status_set(st, STATUS_NOMEM, "out of memory");
	d->impl = lay;
	return gpt2_layout_init(lay, d->p, st);
}

void gpt2_decode_free(struct decoder *d)
{
	if (d->impl)
		gpt2_layout_free(d->impl);
	free(d->impl);
	d->impl = NULL;
}

/* The four matrices of a layer: tensor, inputs and outputs in units of C
 * (0 = the MLP width). */
static const struct { enum gpt2_layer_tensor t; int in, out; } decoder_mats[4] = {
	{ GPT2_ATTN_W, 1, 3 }, { GPT2_PROJ_W, 1, 1 }, { GPT2_FC_W, 1, 0 }, { GPT2_FCPROJ_W, 0, 1 }
};

static void decoder_mat_shape(const struct gpt2_layout *lay, size_t k, size_t *IC, size_t *OC)
{
	*IC = decoder_mats[k].in ? lay->C : lay->I;
	*OC = decoder_mats[k].out ? (size_t)decoder_mats[k].out * lay->C : lay->I;
}

/* The head: the tied embedding [V, C], or a reward model's score [labels, C]. */
static size_t gpt2_head(const struct model_params *p, const struct gpt2_layout *lay, size_t *rows)
{
	if (p->score) {
		*rows = (size_t)p->cfg.num_labels;
		return (size_t)(p->score - p->mem);
	}
	*rows = lay->V;
	return gpt2_off_wte(lay);
}

struct q8_shapes {
	const struct gpt2_layout *lay;
	size_t head_rows;
};

/* Matrix m of the int8 weights: [4 layer + k], then the head (rows of C). */
static void q8_shape(const void *ctx, size_t m, size_t *IC, size_t *OC)
{
	const struct q8_shapes *sh = ctx;
	*IC = sh->lay->C;
	*OC = sh->head_rows;
	if (m < 4 * sh->lay->L)
		decoder_mat_shape(sh->lay, m % 4, IC, OC);
}

static enum status_code decoder_weights_int8(struct decoder_weights *wb,
                                             const struct model_params *p,
                                             const struct gpt2_layout *lay, struct status *st)
{
	for (size_t i = 0; i < p->count; i++)
		if (!isfinite(p->mem[i]))
			return status_set(st, STATUS_INVALID, "parameter %zu is %g: no int8 scale for it", i,
			                  (double)p->mem[i]);
	size_t head_rows, head = gpt2_head(p, lay, &head_rows);
	struct q8_shapes sh = { lay, head_rows };
	enum status_code rc = decoder_q8_alloc(wb, 4 * lay->L + 1, q8_shape, &sh, st);
	if (rc != STATUS_OK)
		return rc;
	for (size_t l = 0; l < lay->L; l++)
		for (size_t k = 0; k < 4; k++) {
			size_t IC, OC, off = gpt2_off_layer(lay, l, decoder_mats[k].t);
			decoder_mat_shape(lay, k, &IC, &OC);
			gemv_pack_q8(wb->q8 + wb->q_at[4 * l + k], wb->scale + wb->scale_at[4 * l + k],
			             p->mem + off, IC, OC);
		}
	gemv_pack_q8_rows(wb->q8 + wb->q_at[4 * lay->L], wb->scale + wb->scale_at[4 * lay->L],
	                  p->mem + head, head_rows, lay->C);
	return STATUS_OK;
}

static enum status_code decoder_weights_bf16(struct decoder_weights *wb,
                                             const struct model_params *p,
                                             const struct gpt2_layout *lay, struct status *st)
{
	wb->bf16 = decoder_weights_alloc(p->count * sizeof *wb->bf16);
	if (!wb->bf16)
		return status_set(st, STATUS_NOMEM, "cannot allocate BF16 weights (%zu values)",
		                  p->count);
	/* The matrices and the head (or score) in panels for gemv_xw_bf16, the
	 * vectors as they are. The head's panels are of wte^T, made from its rows:
	 * then x wte^T runs the tiles of x W, where reading wte by rows took a
	 * reduction of 16 lanes per output (decoding ran 6% faster at batch 32
	 * and 17% at batch 1, GPT-2 small, one thread of a Zen 4 with
	 * AVX512_BF16). Decoding reads the token
	 * embedding from the F32 parameters. */
	gemv_bf16_from_f32(wb->bf16, p->mem, p->count);
	for (size_t l = 0; l < lay->L; l++)
		for (size_t k = 0; k < 4; k++) {
			size_t IC, OC, off = gpt2_off_layer(lay, l, decoder_mats[k].t);
			decoder_mat_shape(lay, k, &IC, &OC);
			gemv_pack_bf16(wb->bf16 + off, p->mem + off, IC, OC);
		}
	size_t V, head = gpt2_head(p, lay, &V);
	gemv_pack_bf16_rows(wb->bf16 + head, p->mem + head, V, lay->C);
	return STATUS_OK;
}

enum status_code gpt2_decode_weights(struct decoder_weights *wb, const struct model_params *p,
                                     struct status *st)
{
	struct gpt2_layout lay;
	enum status_code rc = gpt2_layout_init(&lay, p, st);
	if (rc != STATUS_OK)
		return rc;
	rc = wb->dtype == DECODER_BF16 ? decoder_weights_bf16(wb, p, &lay, st)
	                               : decoder_weights_int8(wb, p, &lay, st);
	gpt2_layout_free(&lay);
	return rc;
}

enum status_code gpt2_decode(struct decoder *d, const int *seq, const int *tokens, size_t R,
                             const unsigned char *keep, float *logits, const struct hooks *h,
                             struct status *st)
{
	const struct gpt2_layout *lay = d->impl;
	size_t C = lay->C, I = lay->I, V = lay->V;
	const float *w = d->p->mem;
	/* Every call, prefill included, goes through our own products
	 * (engine/gemv.h) in the weights' form: a row then gets the same bits
	 * whatever else is in the call, so a sample does not depend on its
	 * batch (and there is no packing pass of BLIS per step). */
	const struct decoder_weights *dw = d->wb && d->wb->dtype != DECODER_F32 ? d->wb : NULL;
	encoder_forward(d->x, tokens, d->pos, w + gpt2_off_wte(lay), w + gpt2_off_wpe(lay), R, C);
	for (size_t l = 0; l < lay->L; l++) {
#define W(t) (w + gpt2_off_layer(lay, l, (t)))
#define PRODUCT(y, x, k, bias, IC, OC, acc) do { \
		size_t off_ = gpt2_off_layer(lay, l, decoder_mats[k].t); \
		if (dw && dw->dtype == DECODER_BF16) \
			gemv_xw_bf16((y), (x), dw->bf16 + off_, (bias), R, (IC), (OC), (acc)); \
		else if (dw) { \
			if (gemv_q8((y), (x), dw->q8 + dw->q_at[4 * l + (k)], \
			            dw->scale + dw->scale_at[4 * l + (k)], (bias), R, (IC), (OC), (acc))) \
				return status_set(st, STATUS_NOMEM, "cannot allocate int8 activations"); \
		} \
		else \
			gemv_xw((y), (x), w + off_, (bias), R, (IC), (OC), (acc)); \
	} while (0)
		decoder_norm_rows(d->ln, d->x, W(GPT2_LN1_W), W(GPT2_LN1_B), R, C, lay->eps);
		PRODUCT(d->qkv, d->ln, 0, W(GPT2_ATTN_B), C, 3 * C, 0);
		decoder_cache_put(d, l, seq, R, d->qkv + C, d->qkv + 2 * C, 3 * C, NULL, NULL);
		decoder_attend_rows(d, l, d->qkv, 3 * C, seq, R, d->atty, C);
		/* x += atty proj + b: the product adds into the residual directly */
		PRODUCT(d->x, d->atty, 1, W(GPT2_PROJ_B), C, C, 1);
		decoder_norm_rows(d->ln, d->x, W(GPT2_LN2_W), W(GPT2_LN2_B), R, C, lay->eps);
		PRODUCT(d->fch, d->ln, 2, W(GPT2_FC_B), C, I, 0);
		gelu_forward(d->fch, d->fch, R * I);
		PRODUCT(d->x, d->fch, 3, W(GPT2_FCPROJ_B), I, C, 1);
#undef PRODUCT
#undef W
		if (hooks_aborted(h))
			return status_set(st, STATUS_CANCELLED, "cancelled");
	}
	/* Final LayerNorm of the kept rows only, gathered, then the tied head
	 * (or the reward model's score). */
	size_t n = decoder_norm_kept(d, w + gpt2_off_lnf_w(lay), w + gpt2_off_lnf_b(lay), R, keep,
	                             lay->eps);
	size_t head = gpt2_head(d->p, lay, &V); /* a reward model: its scores */
	if (dw && dw->dtype == DECODER_BF16)
		gemv_xw_bf16(logits, d->ln, dw->bf16 + head, NULL, n, C, V, 0);
	else if (dw) {
		if (gemv_q8(logits, d->ln, dw->q8 + dw->q_at[4 * lay->L],
		            dw->scale + dw->scale_at[4 * lay->L], NULL, n, C, V, 0))
			return status_set(st, STATUS_NOMEM, "cannot allocate int8 activations");
	} else
		gemv_xet(logits, d->ln, w + head, n, C, V);
	return STATUS_OK;
}
