/* llama: the Llama family (LlamaForCausalLM, MistralForCausalLM,
 * Qwen2ForCausalLM and their ...ForSequenceClassification reward models) as
 * Hugging Face computes it: RMSNorm, rotary embeddings (rotate-half; rope
 * scaling none, linear, llama3), grouped-query attention, SwiGLU MLP,
 * optional q/k/v(/o) biases, tied or separate lm_head; weights in nn.Linear
 * [out, in] layout under their Hugging Face names.
 *
 *   struct llama_layout lay;
 *   llama_layout_init(&lay, &params.cfg, &st);
 *   struct llama_acts a;
 *   llama_acts_init(&a, 1);
 *   llama_forward(&lay, params.mem, &a, tokens, B, T, targets, &hooks, &st);
 *   llama_backward(&lay, params.mem, grads.mem, &a, tokens, targets, 1.0f / a.count, NULL,
 *                  &hooks, &st);
 *   llama_acts_free(&a);
 *   llama_layout_free(&lay);
 *
 * Everything else reaches it through engine/model.h (llama_family); the
 * `_f64` twins run the same code in double for the gradient check.
 */
#ifndef RIC_ENGINE_LLAMA_H
#define RIC_ENGINE_LLAMA_H

#include <stddef.h>

#include "engine/lora_run.h"
#include "engine/model.h"
#include "engine/status.h"

/* A layer's tensors; a bias the config does not have is absent (LLAMA_ABSENT). */
enum llama_layer_tensor {
	LLAMA_LN1, LLAMA_QW, LLAMA_QB, LLAMA_KW, LLAMA_KB, LLAMA_VW, LLAMA_VB, LLAMA_OW, LLAMA_OB,
	LLAMA_LN2, LLAMA_GATE, LLAMA_UP, LLAMA_DOWN, LLAMA_LAYER_TENSORS
};
/* The tensors outside the layers. */
enum llama_global_tensor { LLAMA_EMBED, LLAMA_NORM, LLAMA_HEAD, LLAMA_SCORE, LLAMA_GLOBALS };

#define LLAMA_ABSENT ((size_t)-1)

struct llama_layout {
	size_t L, C, NH, NKV, D, I, V, P, labels;
	size_t window;     /* Mistral's sliding_window (0: none): longer sequences are refused */
	double eps;
	int pad_id;
	size_t count;      /* floats of one parameter set */
	size_t *off;       /* [LLAMA_GLOBALS + L * LLAMA_LAYER_TENSORS]; the head is the
	                    * embedding's offset when tied */
	double *inv_freq;  /* [D/2] rotary frequencies after rope scaling */
};

enum status_code llama_layout_init(struct llama_layout *lay, const struct model_config *c,
                                   struct status *st);
void llama_layout_free(struct llama_layout *lay);
size_t llama_off(const struct llama_layout *lay, enum llama_global_tensor t);
size_t llama_off_layer(const struct llama_layout *lay, size_t l, enum llama_layer_tensor t);
/* cos | sin ([D] per position) of positions 0..n-1 into cs [n, D]. */
void llama_rope_table(const struct llama_layout *lay, double *cs, size_t n);
/* The same for one position. */
void llama_rope_at(const struct llama_layout *lay, double *cs, size_t pos);

/* config.json (engine/llama_config.c) */
enum status_code llama_config_parse(struct json_t *root, const char *file, struct model_config *c,
                                    struct status *st);
struct json_t *llama_config_json(const struct model_config *c, const char *torch_dtype);

/* KV-cache decoding (engine/llama_decode.c) */
enum status_code llama_decode_init(struct decoder *d, struct status *st);
void llama_decode_free(struct decoder *d);
enum status_code llama_decode(struct decoder *d, const int *seq, const int *tokens, size_t R,
                              const unsigned char *keep, float *logits, const struct hooks *h,
                              struct status *st);
enum status_code llama_decode_begin(struct decoder_weights *wb, const struct model_params *p,
                                    struct status *st);
enum status_code llama_decode_rows(struct decoder_weights *wb, const struct model_params *p,
                                   size_t off, size_t row, size_t nrows, size_t width,
                                   const float *src, struct status *st);
enum status_code llama_decode_weights(struct decoder_weights *wb, const struct model_params *p,
                                      struct status *st);

#define LLAMA_REAL float
#define LLAMA_SUF(x) x
#include "engine/llama_decl.h"
#undef LLAMA_REAL
#undef LLAMA_SUF

#define LLAMA_REAL double
#define LLAMA_SUF(x) x##_f64
#include "engine/llama_decl.h"
#undef LLAMA_REAL
#undef LLAMA_SUF

#endif
