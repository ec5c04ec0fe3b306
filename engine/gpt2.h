/* gpt2: the GPT-2 forward and backward pass, as Hugging Face GPT2LMHeadModel
 * (and GPT2ForSequenceClassification for reward models) computes it.
 *
 *   struct gpt2_layout lay;                      // sizes and tensor offsets
 *   gpt2_layout_init(&lay, &params, &st);
 *   struct gpt2_acts a;
 *   gpt2_acts_init(&a, 1);                       // 1: keep what backward needs
 *   gpt2_forward(&lay, params.mem, &a, tokens, B, T, targets, &hooks, &st);
 *   double loss = a.loss_sum / a.count;          // a.logits [B*T, V], a.scores [B, labels]
 *   gpt2_backward(&lay, params.mem, grads.mem, &a, tokens, targets, 1.0f / a.count, NULL,
 *                 &hooks, &st);                  // grads += d loss (logits are overwritten)
 *   gpt2_acts_free(&a);
 *   gpt2_layout_free(&lay);
 *
 * Weights and gradients are model_params allocations (the same layout), read
 * through the offsets in the layout. Activations grow only when a larger
 * (batch, seq) arrives and are reused otherwise: no allocation per step.
 * The abort hook is polled between blocks of every layer. The `_f64` twins run
 * the same code in double precision for the gradient check.
 */
#ifndef RIC_ENGINE_GPT2_H
#define RIC_ENGINE_GPT2_H

#include <stddef.h>

#include "engine/lora_run.h"
#include "engine/model.h"
#include "engine/status.h"

/* Index of a layer's tensors in model_params_describe order. */
enum gpt2_layer_tensor {
	GPT2_LN1_W, GPT2_LN1_B, GPT2_ATTN_W, GPT2_ATTN_B, GPT2_PROJ_W, GPT2_PROJ_B,
	GPT2_LN2_W, GPT2_LN2_B, GPT2_FC_W, GPT2_FC_B, GPT2_FCPROJ_W, GPT2_FCPROJ_B,
	GPT2_LAYER_TENSORS
};

struct gpt2_layout {
	size_t L, NH, C, I, V, P, labels;
	double eps;
	int pad_id;
	size_t count; /* elements of one parameter set */
	size_t *off;  /* offset of every tensor, model_params_describe order */
};

enum status_code gpt2_layout_init(struct gpt2_layout *lay, const struct model_params *p,
                                  struct status *st);
void gpt2_layout_free(struct gpt2_layout *lay);

/* Where a layer's tensor (or wte, wpe, ln_f, score) starts in a parameter set. */
size_t gpt2_off_layer(const struct gpt2_layout *lay, size_t l, enum gpt2_layer_tensor t);
size_t gpt2_off_wte(const struct gpt2_layout *lay);
size_t gpt2_off_wpe(const struct gpt2_layout *lay);
size_t gpt2_off_lnf_w(const struct gpt2_layout *lay);
size_t gpt2_off_lnf_b(const struct gpt2_layout *lay);
size_t gpt2_off_score(const struct gpt2_layout *lay);

/* The head's products run over slices of the vocabulary with the abort hook
 * polled between them; cols fixes the slice width (0: about 1 GFLOP each,
 * the default). For tests: any width gives the same results up to rounding. */
void gpt2_set_head_slice(size_t cols);

/* The family's decoding (engine/gpt2_decode.c): model_family.decode and friends. */
enum status_code gpt2_decode_init(struct decoder *d, struct status *st);
void gpt2_decode_free(struct decoder *d);
enum status_code gpt2_decode(struct decoder *d, const int *seq, const int *tokens, size_t R,
                             const unsigned char *keep, float *logits, const struct hooks *h,
                             struct status *st);
enum status_code gpt2_decode_weights(struct decoder_weights *wb, const struct model_params *p,
                                     struct status *st);

#define GPT2_REAL float
#define GPT2_SUF(x) x
#include "engine/gpt2_decl.h"
#undef GPT2_REAL
#undef GPT2_SUF

#define GPT2_REAL double
#define GPT2_SUF(x) x##_f64
#include "engine/gpt2_decl.h"
#undef GPT2_REAL
#undef GPT2_SUF

#endif
