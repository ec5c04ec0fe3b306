/* dit: a small diffusion transformer (DiT, Peebles & Xie 2023) that predicts
 * the noise of 32x32 RGB images: patchify, full-attention blocks with
 * adaLN-zero conditioning on the timestep and on an embedding of the
 * normalised reward vector (a learned null condition stands in for dropped
 * or absent conditions: classifier-free guidance), unpatchify.
 *
 *   struct model_config c = { 0 };
 *   c.n_layer = 2; c.n_head = 2; c.n_embd = 64;            // sizes first
 *   model_config_set_type(&c, "dit", &st);                 // DiT defaults for the rest
 *   model_params_alloc(&p, &c, &st); init_model(&p, &r, 0.02f);
 *   model_pass_new(&m, &p, 1, &st);
 *   struct model_image_batch b = { .B = 4, .x = x, .t = t, .cond = z, .drop = NULL };
 *   model_image_forward(m, p.mem, &b, &hooks, &st);        // m->eps [4, 3*32*32]
 *   model_image_backward(m, p.mem, g.mem, deps, &hooks, &st);
 *
 * Tensors (nn.Linear [out, in], names of facebookresearch/DiT):
 * x_embedder.proj.{weight [C, ch*p*p] (the Conv2d's, flattened), bias},
 * pos_embed [T, C] (learned here), t_embedder.mlp.{0,2}.*, y_embedder.mlp.{0,2}.*
 * (when cond_dim > 0), y_embedder.null [C], blocks.N.{attn.qkv, attn.proj,
 * mlp.fc1, mlp.fc2, adaLN_modulation.1}.*, final_layer.{adaLN_modulation.1,
 * linear}.*. A patch reads (channel, row, column); the output's features are
 * (row, column, channel) as DiT's unpatchify reads them. LayerNorms have no
 * weights of their own (eps 1e-6): the modulation is their weight 1 + scale
 * and bias shift, which the engine's layernorm kernels compute.
 * engine/dit_config.c reads and writes config.json and draws fresh weights.
 *
 * An image reward model (num_labels > 0, architectures "RicDiTRewardModel")
 * is the same trunk under a score head instead of the final linear: the
 * final modulated LayerNorm's output, averaged over the patches, times
 * score.weight [labels, C] (no bias: a Bradley-Terry loss cannot see one),
 * as GPT2ForSequenceClassification scores a text. It reads clean images at
 * timestep 0 on the null condition (cond_dim 0), so its modulations are
 * learned constants; model_image_score fills m->scores [B, labels] and
 * model_image_backward then takes dscores [B, labels] for deps.
 */
#ifndef RIC_ENGINE_DIT_H
#define RIC_ENGINE_DIT_H

#include "engine/model.h"

/* A block's tensors, in checkpoint order. */
enum dit_layer_tensor {
	DIT_QKV_W, DIT_QKV_B, DIT_PROJ_W, DIT_PROJ_B, DIT_FC1_W, DIT_FC1_B, DIT_FC2_W, DIT_FC2_B,
	DIT_ADA_W, DIT_ADA_B, DIT_LAYER_TENSORS
};
/* The tensors outside the blocks; the y embedder's MLP is absent without a condition. */
enum dit_global_tensor {
	DIT_X_W, DIT_X_B, DIT_POS, DIT_T0_W, DIT_T0_B, DIT_T2_W, DIT_T2_B, DIT_Y0_W, DIT_Y0_B,
	DIT_Y2_W, DIT_Y2_B, DIT_NULL, DIT_FADA_W, DIT_FADA_B, DIT_FLIN_W, DIT_FLIN_B, DIT_SCORE,
	DIT_GLOBALS
};

#define DIT_ABSENT ((size_t)-1)
#define DIT_LN_EPS 1e-6

struct dit_layout {
	size_t L, C, NH, I, T;     /* blocks, width, heads, MLP width, patches */
	size_t side, p, ch, grid;  /* image side, patch side, channels, patches per row */
	size_t PD;                 /* ch * p * p: a patch's values */
	size_t K, F;               /* condition width, timestep sinusoid width */
	size_t labels;             /* reward model: scores per image (0: noise prediction) */
	size_t count;
	size_t off[DIT_GLOBALS];
	size_t *loff;              /* [L * DIT_LAYER_TENSORS] */
};

enum status_code dit_layout_init(struct dit_layout *lay, const struct model_config *c,
                                 struct status *st);
void dit_layout_free(struct dit_layout *lay);

/* DiT's timestep sinusoid: [cos(t f_i) | sin(t f_i)], f_i = 10000^(-i / (F/2)). */
void dit_timestep_embedding(float *out, const float *t, size_t B, size_t F);

/* For model_family (engine/dit_config.c). */
enum status_code dit_config_parse(struct json_t *root, const char *file, struct model_config *c,
                                  struct status *st);
struct json_t *dit_config_json(const struct model_config *c, const char *torch_dtype);
void dit_config_defaults(struct model_config *c, const char *model_type);
enum status_code dit_check(const struct model_config *c, struct status *st);
/* adaLN-zero as DiT draws it: Xavier-uniform linears (the condition's MLP
 * too: at N(0, std) its first layer's gradients fall below AdamW's eps and
 * the condition is never learned), zero biases, N(0, std) timestep MLP and
 * null condition, 2-D sin-cos positions, zero modulations and final linear
 * (each block starts as the identity). */
void dit_init(struct model_params *p, struct rng *r, float std);
/* Tensor table (engine/dit.c). */
size_t dit_walk(const struct model_config *c, float *mem, struct model_tensor *out, size_t *goff,
                size_t *loff, size_t *total);

#endif
