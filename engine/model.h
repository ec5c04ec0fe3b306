/* model: a GPT-2 configuration and its parameters in one allocation.
 *
 *   struct model_config cfg = { .n_layer = 2, .n_head = 2, .n_embd = 32, .n_inner = 128,
 *                               .n_positions = 32, .vocab_size = 64,
 *                               .layer_norm_epsilon = 1e-5f, .eos_token_id = 63,
 *                               .bos_token_id = 63, .pad_token_id = -1 };
 *   struct model_params p;
 *   if (model_params_alloc(&p, &cfg, &st) != STATUS_OK) return st.code;
 *   struct model_tensor t[MODEL_MAX_TENSORS];
 *   size_t n = model_params_describe(&p, t);   // HF names, shapes, pointers
 *   model_params_free(&p);
 *
 * Names are those of Hugging Face GPT2LMHeadModel without the "transformer."
 * prefix ("h.0.attn.c_attn.weight"); "score.weight" for reward models. Matrix
 * weights keep GPT-2's Conv1D layout [in, out] (y = x W + b), so checkpoints
 * load without transposes and BLIS reads them through strides. The same struct
 * holds gradients (a second allocation of the same shape).
 */
#ifndef RIC_ENGINE_MODEL_H
#define RIC_ENGINE_MODEL_H

#include <stddef.h>
#include <stdint.h>

#include "engine/status.h"

struct model_config {
	int n_layer;
	int n_head;
	int n_embd;        /* C */
	int n_inner;       /* I: MLP width, 4C when config.json says null */
	int n_positions;   /* P: longest sequence */
	int vocab_size;    /* V */
	int num_labels;    /* 0: language model; > 0: sequence-classification reward model */
	float layer_norm_epsilon;
	int bos_token_id;  /* -1 when absent */
	int eos_token_id;  /* -1 when absent */
	int pad_token_id;  /* -1 when absent */
};

struct model_layer {
	float *ln_1_w;       /* [C] */
	float *ln_1_b;       /* [C] */
	float *attn_w;       /* [C, 3C] c_attn: q | k | v */
	float *attn_b;       /* [3C] */
	float *attn_proj_w;  /* [C, C] c_proj */
	float *attn_proj_b;  /* [C] */
	float *ln_2_w;       /* [C] */
	float *ln_2_b;       /* [C] */
	float *fc_w;         /* [C, I] mlp.c_fc */
	float *fc_b;         /* [I] */
	float *fc_proj_w;    /* [I, C] mlp.c_proj */
	float *fc_proj_b;    /* [C] */
};

struct model_params {
	struct model_config cfg;
	float *wte;               /* [V, C] token embeddings, also the tied LM head */
	float *wpe;               /* [P, C] learned positions */
	struct model_layer *h;    /* [n_layer] */
	float *ln_f_w;            /* [C] */
	float *ln_f_b;            /* [C] */
	float *score;             /* [labels, C] reward head, NULL for language models */
	float *mem;               /* the one allocation all of the above point into */
	size_t count;             /* floats in mem */
};

#define MODEL_NAME_MAX 64
#define MODEL_MAX_TENSORS(n_layer) (16 * (size_t)(n_layer) + 8)

struct model_tensor {
	char name[MODEL_NAME_MAX]; /* HF name without the "transformer." prefix */
	float *data;
	int ndim;                  /* 1 or 2 */
	int64_t shape[2];
	int decay;                 /* AdamW weight decay applies (not biases, not LayerNorm) */
};

/* Checks the config: positive sizes, n_embd divisible by n_head, ids in range. */
enum status_code model_config_check(const struct model_config *cfg, struct status *st);

/* Number of floats all parameters take. */
size_t model_params_count(const struct model_config *cfg);

/* One zeroed, 64-byte aligned allocation; the pointers are laid out in it. */
enum status_code model_params_alloc(struct model_params *p, const struct model_config *cfg,
                                    struct status *st);
void model_params_free(struct model_params *p);

/* Fills `out` (room for MODEL_MAX_TENSORS(n_layer), may be NULL) in checkpoint
 * order; returns the number of tensors. */
size_t model_params_describe(const struct model_params *p, struct model_tensor *out);

#endif
