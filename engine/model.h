/* model: a model's configuration, its parameters in one allocation, and the
 * interface every model family (engine/gpt2_family.c, engine/llama.c)
 * implements: parameter table, config.json, forward, backward, KV-cache step;
 * image families (engine/dit.h) implement the image passes instead.
 * Trainers, the decoder, reward models, checkpoints and the programs call only
 * what is declared here; a new family is new files and one row in model.c.
 *
 * The example below is GPT-2 (cfg.family NULL means GPT-2):
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
 * GPT-2 names are those of Hugging Face GPT2LMHeadModel without the "transformer."
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

struct model_family;
struct model_pass;
struct decoder;
struct decoder_weights;
struct json_t;
struct rng;
struct lora_run;
struct lora_view;

/* A diffusion model's noise schedule (engine/diffusion.h). */
enum model_schedule { MODEL_SCHEDULE_LINEAR, MODEL_SCHEDULE_COSINE };

/* Rotary embedding scaling (rope_scaling.type / rope_type). */
enum model_rope { MODEL_ROPE_NONE, MODEL_ROPE_LINEAR, MODEL_ROPE_LLAMA3 };

struct model_config {
	const struct model_family *family; /* NULL: GPT-2 */
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
	/* Llama family (zero for GPT-2); layer_norm_epsilon holds rms_norm_eps */
	char model_type[16];   /* "llama", "mistral" or "qwen2", written back as read */
	int n_kv_head;         /* num_key_value_heads (0: n_head) */
	int head_dim;          /* 0: n_embd / n_head */
	double rope_theta;
	enum model_rope rope_type;
	double rope_factor, rope_low_freq, rope_high_freq;
	int rope_original_max; /* original_max_position_embeddings of llama3 scaling */
	int attention_bias;    /* q, k, v, o biases (Llama's attention_bias) */
	int qkv_bias;          /* q, k, v biases alone (Qwen2) */
	int tie_word_embeddings;
	int sliding_window;    /* Mistral: longest context computed (0: none) */
	/* DiT family (engine/dit.h; zero for the text families): n_embd is the
	 * width, n_inner the MLP's, n_positions the patches (side / patch)^2;
	 * vocab_size and the ids are unused */
	int image_size;        /* side of the square images (32) */
	int patch_size;        /* side of a patch */
	int in_channels;       /* 3: RGB */
	int cond_dim;          /* width of the reward condition (0: unconditional) */
	int freq_dim;          /* sinusoid width of the timestep embedding */
	int num_train_timesteps;
	enum model_schedule schedule;
	double beta_start, beta_end; /* the linear schedule's ends */
};

/* Sizes every family has. */
struct model_dims {
	size_t L, C, NH, NKV, D, I, V, P, labels; /* D: head size; P: longest sequence */
};
void model_dims(const struct model_config *cfg, struct model_dims *d);

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
	uint16_t *frozen;         /* a base frozen in BF16 (model_params_freeze_bf16): the
	                           * matrices and embedding at mem's offsets, their F32
	                           * values in mem given back; NULL: none */
	float *home;              /* mem's own allocation while the values live in the
	                           * caller's memory (model_params_place); NULL: in mem */
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

/* The family of a config (GPT-2 when cfg->family is NULL). */
const struct model_family *model_family_of(const struct model_config *cfg);
/* The family that reads config.json's model_type (NULL: GPT-2's default); NULL if none. */
const struct model_family *model_family_find(const char *model_type);
/* "gpt2, llama, mistral, qwen2": for messages. */
const char *model_family_types(void);
/* Sets c's family to f; the default family (GPT-2) is kept as NULL, as a
 * zeroed config has it, so configs built and configs read compare equal. */
void model_config_set_family(struct model_config *c, const struct model_family *f);

/* Makes c a config of model_type ("gpt2", "llama", "qwen2", ...; NULL: GPT-2)
 * with its family's defaults; the sizes (n_layer, n_head, n_embd, n_inner,
 * n_positions, vocab_size, ids, n_kv_head) stay as set. */
enum status_code model_config_set_type(struct model_config *c, const char *model_type,
                                       struct status *st);

/* The longest sequence the model computes: n_positions, or a shorter
 * sliding_window (longer contexts are refused, not windowed). */
size_t model_context(const struct model_config *cfg);

/* Whether a language model's output head is its token embedding (0 for reward models). */
int model_tied_head(const struct model_config *cfg);

/* Checks the config: positive sizes, n_embd divisible by n_head, ids in range. */
enum status_code model_config_check(const struct model_config *cfg, struct status *st);

/* Number of floats all parameters take. */
size_t model_params_count(const struct model_config *cfg);

/* One zeroed, 64-byte aligned allocation; the pointers are laid out in it. */
enum status_code model_params_alloc(struct model_params *p, const struct model_config *cfg,
                                    struct status *st);
void model_params_free(struct model_params *p);
/* The values move into mem (count floats the caller owns and keeps until
 * they move back: memory that processes share) and every tensor points
 * there, copied when copy is set (another process may have filled mem);
 * mem NULL moves them back into their own allocation, kept meanwhile so
 * that pointers taken before the move stay valid afterwards. */
void model_params_place(struct model_params *p, float *mem, int copy);
/* Gives the memory of n values at data (inside p) back to the system where
 * p is large enough to be mapped; those values may read as zero afterwards. */
void model_params_drop(struct model_params *p, float *data, size_t n);

/* Freezes p's base in BF16 for training an adapter over it (engine/lora_run.h):
 * every matrix and the embedding (not a reward head) rounded to BF16 into
 * p->frozen, tensor by tensor, each one's F32 memory given back as it goes
 * (model_params_drop), so the base then takes half its F32 size. Passes made
 * from p afterwards read those BF16 values (no F32 copy of a weight is
 * formed: a panel of rows at a time is widened for each product) and take no
 * gradient for them; anything reading p->mem's matrices (merging, decoding,
 * saving p) must not be given p. A family without BF16 passes
 * (model_family.frozen_bf16: GPT-2, the DiT) is one error. */
enum status_code model_params_freeze_bf16(struct model_params *p, struct status *st);

/* Fills `out` (room for MODEL_MAX_TENSORS(n_layer), may be NULL) in checkpoint
 * order; returns the number of tensors. */
size_t model_params_describe(const struct model_params *p, struct model_tensor *out);

/* The tensor called `name` (as describe names it), or NULL. */
float *model_params_find(const struct model_params *p, const char *name, size_t *numel);
/* Copies every tensor of src into the tensor of dst with the same name and
 * shape (a language model's body under a fresh reward head, say); returns how
 * many were copied, or -1 when out of memory. */
long model_params_copy_matching(struct model_params *dst, const struct model_params *src);

/* A language model p turned in place into a one-label reward model: its
 * body under a zero score head (pad_token_id: the EOS when absent), as
 * AutoModelForSequenceClassification builds one from a causal LM. */
enum status_code model_params_as_reward(struct model_params *p, struct status *st);

/* For families' describe: fills out[*n] when out is not NULL, counts in *n. */
void model_tensor_set(struct model_tensor *out, size_t *n, const char *name, float *data, int ndim,
                      int64_t d0, int64_t d1, int decay);

/* What model_backward tells as the gradient fills in: ready(ctx, lo, hi)
 * once floats [lo, hi) of the parameter layout hold their final values for
 * this backward -- the head and final norm first, then each layer from the
 * last to the first, the embeddings last; every float is told once per
 * backward. A trainer that sends gradients elsewhere (src/train_loop.c sums
 * them over MPI ranks) starts on a finished part while the rest is computed;
 * the engine knows nothing of what it does. */
struct model_grads_hook {
	void (*ready)(void *ctx, size_t lo, size_t hi);
	void *ctx;
};

/* Activations of forward and backward passes over one parameter layout,
 * grown when a larger (batch, seq) arrives and reused otherwise. */
struct model_pass {
	const struct model_family *family;
	size_t V, labels, P;   /* vocabulary, reward labels (0: language model), longest sequence */
	size_t B, T;           /* shape of the last forward */
	float *logits;         /* [B*T, V] (language model); backward turns it into dlogits */
	float *scores;         /* [B, labels] (reward model) */
	double loss_sum;       /* sum of cross-entropy over counted targets */
	size_t count;          /* targets != -100 */
	struct lora_run *lora; /* model_pass_set_lora's adapter, or NULL */
	const uint16_t *frozen; /* the params' frozen BF16 base (model_pass_new), or NULL */
	int recompute;         /* set by the caller: backward recomputes each layer's
	                        * activations from its input instead of keeping them all
	                        * (less memory, one more forward; the Llama family) */
	float *eps;            /* image models: [B, in_channels * side * side] predicted noise */
	size_t image_dim;      /* image models: in_channels * side * side */
	struct model_grads_hook grads; /* set by the caller (zero: none) */
};

/* train: keep what backward needs. */
enum status_code model_pass_new(struct model_pass **out, const struct model_params *p, int train,
                                struct status *st);
void model_pass_free(struct model_pass *m);
/* tokens [B*T]; targets [B*T] (-100: no loss) or NULL. Fills logits (or
 * scores), and loss_sum/count when targets are given. w: parameters of p's layout. */
enum status_code model_forward(struct model_pass *m, const float *w, const int *tokens, size_t B,
                               size_t T, const int *targets, const struct hooks *h,
                               struct status *st);
/* Trains a LoRA adapter over frozen weights (engine/lora_run.h): every
 * forward adds s (x A^T) B^T after each adapted linear layer, reading the
 * adapter's values aw (v's offsets); every backward adds their gradient into
 * ag (may be NULL). Give model_backward g NULL: the base gets no gradient.
 * v NULL removes the adapter. v, aw and ag must outlive the pass's use. */
enum status_code model_pass_set_lora(struct model_pass *m, const struct lora_view *v,
                                     const float *aw, float *ag, struct status *st);
/* Adds the gradient into g (same layout; NULL: none, with an adapter set) after a forward of a training pass:
 * of scale * (sum of cross-entropy) for a language model, or of
 * sum(dscores [B, labels] * scores) for a reward model. */
enum status_code model_backward(struct model_pass *m, const float *w, float *g, const int *tokens,
                                const int *targets, float scale, const float *dscores,
                                const struct hooks *h, struct status *st);

/* Image models (the DiT family): B noisy images at their timesteps under
 * their conditions. */
struct model_image_batch {
	size_t B;
	const float *x;             /* [B, in_channels, side, side] (channels first, as torch) */
	const float *t;             /* [B] timesteps, 0 .. num_train_timesteps - 1 */
	const float *cond;          /* [B, cond_dim] normalised rewards; NULL: all null */
	const unsigned char *drop;  /* [B] 1: the learned null condition; NULL: none dropped */
};

/* Whether cfg is an image model (model_family.image). */
int model_is_image(const struct model_config *cfg);
/* STATUS_OK for a text model; for an image model the one error a text
 * command gives, naming `dir` (the folder it came from). */
enum status_code model_want_text(const struct model_config *cfg, const char *dir,
                                 struct status *st);
/* The predicted noise into m->eps [B, image_dim]. A text model here, or an
 * image model in model_forward, is one error saying which it is. */
enum status_code model_image_forward(struct model_pass *m, const float *w,
                                     const struct model_image_batch *b, const struct hooks *h,
                                     struct status *st);
/* An image reward model (num_labels > 0): scores into m->scores [B, labels]
 * (model_image_forward refuses it, and this refuses a noise model). */
enum status_code model_image_score(struct model_pass *m, const float *w,
                                   const struct model_image_batch *b, const struct hooks *h,
                                   struct status *st);
/* STATUS_OK for an image model that predicts noise; a text model or an
 * image reward model is one error naming `dir`. */
enum status_code model_want_denoiser(const struct model_config *cfg, const char *dir,
                                     struct status *st);
/* Adds into g the gradient of sum(deps [B, image_dim] * eps) after a training
 * forward, or of sum(deps [B, labels] * scores) after model_image_score. */
enum status_code model_image_backward(struct model_pass *m, const float *w, float *g,
                                      const float *deps, const struct hooks *h, struct status *st);

/* What a family implements. */
struct model_family {
	const char *name;                 /* "gpt2", "llama": ric info, messages */
	const char *title;                /* "GPT-2", "Llama": messages */
	const char *const *model_types;   /* config.json model_type values it reads */
	const char *reward_arch;          /* "GPT2ForSequenceClassification": messages */
	int always_tied;                  /* the head is the embedding whatever the config says */
	int conv1d;                       /* matrices stored [in, out] (GPT-2 Conv1D, PEFT's
	                                   * fan_in_fan_out), else nn.Linear's [out, in] */
	int image;                        /* predicts noise of images (image_forward), no tokens */
	int frozen_bf16;                  /* its passes read a base frozen in BF16
	                                   * (model_params_freeze_bf16) */
	enum status_code (*check)(const struct model_config *c, struct status *st);
	size_t (*count)(const struct model_config *c);
	/* lays named pointers over p->mem (may be NULL) */
	void (*bind)(struct model_params *p);
	size_t (*describe)(const struct model_params *p, struct model_tensor *out);
	/* checkpoint files: a prefix body tensors may carry ("transformer.", or
	 * NULL), written on every tensor save_prefixed says; buffers to ignore */
	const char *file_prefix;
	int (*save_prefixed)(const char *name);
	int (*file_skip)(const char *name);
	/* fresh weights (engine/init.h) */
	void (*init)(struct model_params *p, struct rng *r, float std);
	/* the family's defaults for model_type in a config whose sizes are set (pretraining) */
	void (*config_defaults)(struct model_config *c, const char *model_type);
	enum status_code (*config_parse)(struct json_t *root, const char *file,
	                                 struct model_config *c, struct status *st);
	struct json_t *(*config_json)(const struct model_config *c, const char *torch_dtype);
	/* passes */
	enum status_code (*pass_new)(struct model_pass **out, const struct model_params *p,
	                             int train, struct status *st);
	void (*pass_free)(struct model_pass *m);
	enum status_code (*forward)(struct model_pass *m, const float *w, const int *tokens,
	                            size_t B, size_t T, const int *targets, const struct hooks *h,
	                            struct status *st);
	enum status_code (*backward)(struct model_pass *m, const float *w, float *g,
	                             const int *tokens, const int *targets, float scale,
	                             const float *dscores, const struct hooks *h, struct status *st);
	/* image models: NULL for the text families */
	enum status_code (*image_forward)(struct model_pass *m, const float *w,
	                                  const struct model_image_batch *b, const struct hooks *h,
	                                  struct status *st);
	enum status_code (*image_backward)(struct model_pass *m, const float *w, float *g,
	                                   const float *deps, const struct hooks *h,
	                                   struct status *st);
	/* KV-cache decoding (engine/decoder.h): the rows' layers and head, after
	 * decoder_step has placed them (d->pos) */
	enum status_code (*decode)(struct decoder *d, const int *seq, const int *tokens, size_t R,
	                           const unsigned char *keep, float *logits, const struct hooks *h,
	                           struct status *st);
	/* the decoder's d->impl; decode_free may be called after a failed init */
	enum status_code (*decode_init)(struct decoder *d, struct status *st);
	void (*decode_free)(struct decoder *d);
	/* BF16 or int8 copies for decoding; NULL: F32 only */
	enum status_code (*decode_weights)(struct decoder_weights *wb, const struct model_params *p,
	                                   struct status *st);
	/* BF16 or int8 decoding weights straight from a file
	 * (checkpoint_load_decoding): decode_begin allocates wb for wb->dtype
	 * without reading p's values; decode_rows then takes rows [row, row +
	 * nrows) of the tensor at offset off of p's layout, each of width
	 * values, as F32 at src (a vector: one row of all its values), and
	 * writes what decode_weights would of them, and the token embedding's
	 * rows into wb->embed as BF16. A matrix comes in slices, in order, each
	 * starting at a multiple of MODEL_DECODE_ROWS rows, so no F32 copy of a
	 * whole matrix is ever needed. NULL: loads go through F32. */
	enum status_code (*decode_begin)(struct decoder_weights *wb, const struct model_params *p,
	                                 struct status *st);
	enum status_code (*decode_rows)(struct decoder_weights *wb, const struct model_params *p,
	                                size_t off, size_t row, size_t nrows, size_t width,
	                                const float *src, struct status *st);
};

/* Slices of decode_rows start at multiples of this many rows (a multiple of
 * the BF16 panel width of engine/gemv.h). */
#define MODEL_DECODE_ROWS 64

extern const struct model_family gpt2_family;
extern const struct model_family llama_family;
extern const struct model_family dit_family;

#endif
