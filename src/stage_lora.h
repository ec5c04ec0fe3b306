/* stage_lora: what a training stage does for --lora-rank R: the adapter it
 * trains over a frozen base, created fresh or taken from --resume DIR (an
 * adapter folder a LoRA run checkpointed), and the run's record of it.
 *
 *   struct lora l;
 *   int lora = stage_lora_on(&o.t);               // --lora-rank given, or resuming an adapter
 *   if (lora && o.t.resume)
 *       rc = stage_lora_resume(&o.t, o.base, &p, &ss, 0, &l, &st);   // base + adapter, unmerged
 *   else if (lora)
 *       rc = stage_lora_create(&o.t, o.base, &p, 0, &l, &st);        // p: the base, loaded
 *   stage_lora_params(&sg, &o.t, &l);
 *   struct checkpoint_save_opts so = { ..., .lora = lora ? &l : NULL };  // saves the adapter
 *   struct train_loop L = { ..., .lora = lora ? &l : NULL };
 *
 * train_score: a reward model's score head is trained too (PEFT's
 * modules_to_save), kept in the adapter.
 */
#ifndef RIC_SRC_STAGE_LORA_H
#define RIC_SRC_STAGE_LORA_H

#include "src/stage.h"
#include "src/stage_state.h"
#include "engine/lora.h"

/* Whether the stage trains an adapter. */
int stage_lora_on(const struct stage_train_opts *t);

/* A fresh adapter over p (the base, loaded from base_dir) as the options say. */
enum status_code stage_lora_create(const struct stage_train_opts *t, const char *base_dir,
                                   const struct model_params *p, int train_score, struct lora *l,
                                   struct status *st);

/* --resume DIR of a LoRA run: the training state into ss, the base (base_dir,
 * or the adapter's base_model_name_or_path when NULL) into p and the adapter
 * into l, unmerged. The options' rank must be the adapter's. train_score: a
 * reward model's (a language model base gets a score head, which the
 * adapter's replaces). */
enum status_code stage_lora_resume(const struct stage_train_opts *t, const char *base_dir,
                                   struct model_params *p, struct stage_state *ss,
                                   int train_score, struct lora *l, struct status *st);

/* Adapter DIR over its base (base_dir, or its base_model_name_or_path when
 * NULL) into p and l, unmerged and trainable (the rank checked against t's). */
enum status_code stage_lora_load(const struct stage_train_opts *t, const char *dir,
                                 const char *base_dir, struct model_params *p, int train_score,
                                 struct lora *l, struct status *st);

/* Whether the base p, loaded from base_dir, stays BF16 while an adapter
 * trains over it (model_params_freeze_bf16): its checkpoint stores every
 * tensor in BF16 and p's family has BF16 passes. */
int stage_lora_bf16_base(const char *base_dir, const struct model_params *p);

/* out: a copy of p with l merged in, for sampling over an F32 base (free with
 * model_params_free); p must not be frozen (over a BF16 base online samples
 * from lora_decode_weights instead). */
enum status_code stage_lora_merged(const struct lora *l, const struct model_params *p,
                                   struct model_params *out, struct status *st);

/* An optimizer of l's shape (for a checkpoint that keeps none: online's). */
struct optim;
enum status_code stage_lora_optim(const struct lora *l, struct optim *opt, struct status *st);

/* Records lora_r, lora_alpha, lora_dropout, lora_targets, lora_modules,
 * lora_params and adapter_base in the run. */
void stage_lora_params(struct stage *sg, const struct lora *l);

#endif
