/* checkpoint: Hugging Face model directories in and out, for every model family
 * (engine/model.h names the tensors and reads config.json).
 *
 *   struct model_params p;
 *   json_t *ric = NULL;                       // ric.json, when the folder has one
 *   struct status st = STATUS_INIT;
 *   if (checkpoint_load("models/gpt2", &p, &ric, &st) != STATUS_OK) return st.code;
 *   ...
 *   struct checkpoint_save_opts o = { .bf16 = 1, .tokenizer_dir = "models/gpt2", .ric = ric };
 *   if (checkpoint_save("runs/7/step-100", &p, &o, &st) != STATUS_OK) return st.code;
 *   json_decref(ric);
 *   model_params_free(&p);
 *
 * Reading takes config.json (GPT2LMHeadModel, GPT2Model or
 * GPT2ForSequenceClassification; Llama, Mistral and Qwen2 ...ForCausalLM,
 * ...Model and ...ForSequenceClassification; anything the engine cannot
 * compute is refused with the key that says so) and model.safetensors or the sharded
 * model.safetensors.index.json; tensors in F32, F16, BF16 (or F64), named with
 * or without "transformer.". Causal-mask buffers (h.N.attn.bias,
 * h.N.attn.masked_bias) are skipped; lm_head.weight must equal wte.weight (the
 * head is tied); any other tensor the model does not have is an error.
 *
 * Writing produces what save_pretrained does: config.json, model.safetensors
 * (body prefixed "transformer.", score.weight not, __metadata__ format "pt"),
 * the tokenizer files found in tokenizer_dir and ric.json; every file goes
 * through a temporary file renamed into place. A stale
 * model.safetensors.index.json in the folder is removed so the single file wins.
 * Each file is replaced atomically, the folder as a whole is not: save each
 * training checkpoint into a fresh folder and record it once the call returns.
 */
#ifndef RIC_ENGINE_CHECKPOINT_H
#define RIC_ENGINE_CHECKPOINT_H

#include <jansson.h>
#include <stddef.h>

#include "engine/model.h"
#include "engine/status.h"

struct safetensors_tensor;
/* Converts `t` (any float dtype) into dst, refusing a NaN or infinite element
 * with a message naming path, tensor and element: one such number poisons a
 * whole model (or optimizer state) far from the file that held it. */
enum status_code checkpoint_tensor_f32(const struct safetensors_tensor *t, float *dst,
                                      const char *path, struct status *st);

/* Parses config.json text; `name` stands for the file in messages. */
enum status_code checkpoint_config_parse(const char *text, size_t len, const char *name,
                                         struct model_config *cfg, struct status *st);
/* Reads DIR/config.json. */
enum status_code checkpoint_config_read(const char *dir, struct model_config *cfg, struct status *st);
/* The config.json object transformers loads for `cfg`; `torch_dtype` as in
 * "float32" or "bfloat16" (may be NULL). NULL when out of memory. */
json_t *checkpoint_config_json(const struct model_config *cfg, const char *torch_dtype);

/* Reads DIR into `p` (allocated here; free with model_params_free). When `ric`
 * is not NULL it receives DIR/ric.json as an object, or NULL if there is none. */
enum status_code checkpoint_load(const char *dir, struct model_params *p, json_t **ric,
                                 struct status *st);
/* The same where DIR may be a PEFT LoRA adapter folder (engine/lora.h): its
 * base (`base`, or NULL: the adapter's base_model_name_or_path) is loaded and
 * the adapter merged into it; ric.json comes from DIR. checkpoint_load is
 * this with base NULL. */
enum status_code checkpoint_load_base(const char *dir, const char *base, struct model_params *p,
                                      json_t **ric, struct status *st);
/* Reads DIR for decoding only, into `p` and decoding weights `wb` of `dtype`
 * (enum decoder_dtype; free wb with decoder_weights_free, then p). When the
 * family can (the Llama family) and the weights are BF16 with every matrix
 * of the files BF16 or F16, or int8 from any file, the matrices and the
 * embedding go straight into wb one tensor at a time (wb->embed set): p
 * then holds only the vectors (norms, biases) and its matrices read as zero,
 * so p serves only a decoder set to wb; a 16-bit file never has an F32 copy
 * in memory. BF16 logits are those of checkpoint_load + decoder_weights_init
 * bit for bit (F16 embeddings are rounded to BF16 like the matrices); int8
 * quantizes the same, but reads the embedding's rows in BF16 (F32 there).
 * Anything else is checkpoint_load + decoder_weights_init. */
struct decoder_weights;
enum status_code checkpoint_load_decoding(const char *dir, struct model_params *p,
                                          struct decoder_weights *wb, int dtype, json_t **ric,
                                          struct status *st);
/* DIR/ric.json as an object in *ric, or NULL when the file does not exist. */
enum status_code checkpoint_read_ric(const char *dir, json_t **ric, struct status *st);

/* What a folder holds, without loading the weights (ric info DIR). */
struct checkpoint_info {
	struct model_config cfg;
	char dtype[48];     /* the tensors' stored types: "BF16", or "F32 + BF16" when mixed */
	size_t files;       /* safetensors files (shards) */
	size_t tensors;     /* tensors in them (ignored buffers included) */
	size_t params;      /* floats the model takes */
	char tokenizer[64]; /* "vocab.json + merges.txt", "tokenizer.json" or "" (none) */
};
enum status_code checkpoint_info(const char *dir, struct checkpoint_info *ci, struct status *st);

struct lora;
struct checkpoint_save_opts {
	int bf16;                  /* store BF16 (round to nearest even) instead of F32 */
	const char *tokenizer_dir; /* copy the tokenizer files found here, or NULL */
	const json_t *ric;         /* written as ric.json when not NULL */
	const struct lora *lora;   /* write this adapter over p (PEFT's adapter_config.json and
	                            * adapter_model.safetensors) instead of p's weights */
};

/* Tokenizer file names copied by checkpoint_save, NULL-terminated. */
extern const char *const checkpoint_tokenizer_files[];

/* Writes DIR (created with its parents if needed). `o` may be NULL (F32, no extras). */
enum status_code checkpoint_save(const char *dir, const struct model_params *p,
                                 const struct checkpoint_save_opts *o, struct status *st);

#endif
