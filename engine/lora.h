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
#include <stdint.h>

#include "engine/decoder.h"
#include "engine/lora_run.h"
#include "engine/model.h"
#include "engine/status.h"

#define LORA_MAX_TARGETS 32

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
	int in_mem;                     /* data lies in lora.mem (trained), not its own allocation */
};

/* target_modules: "all-linear" or module names (leaves such as "q_proj", or paths). */
struct lora_targets {
	int all_linear;
	size_t n;
	char name[LORA_MAX_TARGETS][MODEL_NAME_MAX];
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
	struct lora_targets tg;     /* as asked for */
	struct lora_targets keep;   /* modules_to_save */
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
/* Only the modules_to_save part of lora_merge: the tensors it replaces. */
void lora_apply_saved(const struct lora *l, struct model_params *base);

/* The adapter's gradient from the gradient of the merged weights (same
 * layout as base): dB = scale dW A^T, dA = scale B^T dW, written into
 * out (l->count floats, l->mem's layout). Exact for the merged forward. */
void lora_grads_from_full(const struct lora *l, const struct model_params *gfull, float *out);

void lora_free(struct lora *l);

/* BF16 or int8 decoding weights (engine/decoder.h) of base + l, built a slice
 * of rows of one matrix at a time (engine/lora_decode.c): each slice read
 * from p's BF16 frozen base (model_params_freeze_bf16) or its F32 values, s B A
 * of its rows added, then packed, so no F32 copy of the model or of a whole
 * matrix is formed. Decoding with wb reads only p's vectors. Llama family
 * (its decode_rows); anything else is one error. Free with
 * decoder_weights_free. */
enum status_code lora_decode_weights(struct decoder_weights *wb, const struct lora *l,
                                     const struct model_params *p, enum decoder_dtype dtype,
                                     struct status *st);

/* ---- training (engine/lora_run.h computes the passes) ---- */

/* A fresh adapter as PEFT's get_peft_model makes one: A uniform in
 * +-1/sqrt(in) (kaiming_uniform with a = sqrt(5)), B zero, so training
 * starts at the base. targets: "all-linear" or a comma-separated list of
 * module names. With train_score a reward model's score head is copied from
 * the base into the adapter's values and trained with it (modules_to_save).
 * Refuses r < 1, alpha <= 0, dropout outside [0, 1) and targets that are no
 * linear layer of base, naming the option (--lora-rank, ...). */
struct lora_spec {
	int r;
	double alpha, dropout;
	const char *targets;
	int train_score;
	const char *base_path;          /* base_model_name_or_path to record */
	uint64_t seed;
};
enum status_code lora_create(struct lora *l, const struct model_params *base,
                             const struct lora_spec *spec, struct status *st);

/* Makes l trainable in place when it was loaded: a reward head it saved
 * (or, with train_score, the base's) moves into the values the optimizer
 * updates. Call after lora_load on the base. */
enum status_code lora_make_trainable(struct lora *l, const struct model_params *base,
                                     int train_score, struct status *st);

/* Writes DIR/adapter_config.json and DIR/adapter_model.safetensors (F32) as
 * PEFT's save_pretrained does; DIR must exist. */
enum status_code lora_save(const struct lora *l, const struct model_params *base, const char *dir,
                           struct status *st);

/* The passes' view of l over base (engine/lora_run.h); free with lora_view_free. */
enum status_code lora_view_init(struct lora_view *v, const struct lora *l,
                                const struct model_params *base, struct status *st);
void lora_view_free(struct lora_view *v);

/* AdamW's tensor ranges over l->mem: every A and B decays (as the Trainer
 * groups them: weights, not biases), a trained reward head too. *out is
 * malloc'd, *n its length. */
struct optim_range;
enum status_code lora_optim_ranges(const struct lora *l, struct optim_range **out, size_t *n,
                                   struct status *st);

#endif
