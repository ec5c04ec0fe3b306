/* lora: LoRA adapters in Hugging Face PEFT's format over a base model's
 * linear layers (GPT-2's c_attn, c_proj, c_fc; the Llama family's q_proj,
 * k_proj, v_proj, o_proj, gate_proj, up_proj, down_proj).
 *
 *   struct lora l;
 *   if (lora_load("adapter", &base, &l, &st) != STATUS_OK) ...  // checked against base
 *   lora_merge(&l, &base);          // W += (alpha / r) B A, for inference
 *   lora_free(&l);
 *
 * A folder holds adapter_config.json (peft_type LORA, r, lora_alpha,
 * target_modules, ...) and adapter_model.safetensors with tensors
 * "base_model.model.<module>.lora_A.weight" [r, in] and "...lora_B.weight"
 * [out, r], <module> as the base's Hugging Face module path
 * ("transformer.h.0.attn.c_attn", "model.layers.0.self_attn.q_proj").
 * A and B are nn.Linear weights whatever the base layout; for a Conv1D base
 * (fan_in_fan_out) the product B A is transposed before it is added.
 */
#ifndef RIC_ENGINE_LORA_H
#define RIC_ENGINE_LORA_H

#include <stddef.h>

#include "engine/model.h"
#include "engine/status.h"

#define LORA_CONFIG "adapter_config.json"
#define LORA_WEIGHTS "adapter_model.safetensors"
#define LORA_PREFIX "base_model.model."

struct lora_module {
	char name[MODEL_NAME_MAX + 16]; /* PEFT module path ("transformer.h.0.attn.c_attn") */
	char base[MODEL_NAME_MAX];      /* its weight as model_params_describe names it */
	size_t in, out;
	float *A;                       /* [r, in] */
	float *B;                       /* [out, r] */
};

/* A whole tensor the adapter replaces (PEFT's modules_to_save: a reward
 * model's score head), saved as "base_model.model.<module>.modules_to_save.weight". */
struct lora_saved {
	char base[MODEL_NAME_MAX];      /* the base tensor it replaces */
	size_t numel;
	float *data;
};

struct lora {
	int r;
	double alpha;
	double dropout;
	int rslora;                 /* use_rslora: scale alpha / sqrt(r) */
	float scale;                /* alpha / r */
	int fan_in_fan_out;         /* the base stores [in, out] */
	char base_path[4096];       /* base_model_name_or_path ("" when absent) */
	char task_type[32];
	size_t n;
	struct lora_module *m;      /* [n] in the base's tensor order */
	size_t n_saved;
	struct lora_saved *saved;   /* [n_saved] */
	float *mem;                 /* every A and B */
	size_t count;               /* floats in mem */
};

/* Whether DIR holds an adapter_config.json. */
int lora_is_adapter(const char *dir);

/* Reads DIR/adapter_config.json alone (no tensors, no modules). */
enum status_code lora_read_config(const char *dir, struct lora *l, struct status *st);

/* The base folder of adapter DIR: `override` when given, else its
 * base_model_name_or_path (relative ones also tried beside DIR). */
enum status_code lora_base_dir(const char *dir, const char *override, char *out, size_t n,
                               struct status *st);

/* Reads adapter DIR for `base`: every tensor must name a targeted linear
 * layer of base with the shapes base needs. */
enum status_code lora_load(const char *dir, const struct model_params *base, struct lora *l,
                           struct status *st);

/* base += scale B A on every adapted weight (in the base's layout); the
 * modules_to_save tensors replace the base's. */
void lora_merge(const struct lora *l, struct model_params *base);

/* The adapter's gradient from the gradient of the merged weights (same
 * layout as base): dB = scale dW A^T, dA = scale B^T dW, written into
 * out (l->count floats, l->mem's layout). Exact for the merged forward. */
void lora_grads_from_full(const struct lora *l, const struct model_params *gfull, float *out);

void lora_free(struct lora *l);

#endif
