/* train: gradient accumulation and optimizer steps for a language model, the
 * loop sft, pretrain and rm-train drive.
 *
 *   struct train t;
 *   if (train_init(&t, &params, &optim_cfg, &st) != STATUS_OK) return st.code;
 *   size_t n = train_count_targets(&b1) + train_count_targets(&b2);
 *   train_accumulate(&t, &b1, 1.0f / n, &hooks, &st);  // mean over the whole step
 *   train_accumulate(&t, &b2, 1.0f / n, &hooks, &st);
 *   double loss = t.loss_sum / t.loss_count;
 *   train_step(&t, 1.0f);                               // clip to 1, AdamW, zero grads
 *   train_free(&t);
 *
 * A batch is B rows of T tokens; rows shorter than T are padded on the right
 * (any token) with target -100, which causal attention makes harmless. Reward
 * models run model_forward / model_backward on t.pass and t.grads themselves
 * with their score gradients, then call train_step. Any model family.
 */
#ifndef RIC_ENGINE_TRAIN_H
#define RIC_ENGINE_TRAIN_H

#include "engine/lora.h"
#include "engine/model.h"
#include "engine/optim.h"
#include "engine/status.h"

struct train_batch {
	size_t B, T;
	const int *tokens;   /* [B*T] */
	const int *targets;  /* [B*T], -100: no loss */
};

struct train {
	struct model_params *params; /* not owned */
	struct model_params grads;   /* none with an adapter */
	struct lora *lora;           /* LoRA (train_init_lora): the adapter trained, not owned */
	struct lora_view view;
	float *w, *g;                /* what the optimizer updates and its gradient: params->mem
	                              * and grads.mem, or lora->mem and its own buffer */
	size_t count;                /* floats in w and g */
	uint64_t seed;               /* the adapter's dropout masks */
	unsigned accum;              /* train_accumulate calls since the last step */
	struct model_pass *pass;     /* activations of the model's passes */
	struct optim opt;
	double loss_sum;   /* since the last train_step */
	size_t loss_count;
	float last_norm;   /* gradient norm before clipping at the last step */
	float last_lr;
	int step_pending;  /* a step stopped while taking the norm: not begun */
	float pending_clip;
	/* seconds in train_accumulate's passes since train_init, wall and CPU
	 * (monotonic_cpu_s): benchmarks' phase breakdown */
	double forward_s, backward_s, forward_cpu_s, backward_cpu_s;
};

enum status_code train_init(struct train *t, struct model_params *params,
                            const struct optim_config *oc, struct status *st);
/* LoRA: params stay frozen (no gradient, no optimizer state); only l's
 * values (and a reward head it trains) are updated. The passes add the
 * adapter without the merged weight (engine/lora_run.h). */
enum status_code train_init_lora(struct train *t, struct model_params *params, struct lora *l,
                                 const struct optim_config *oc, uint64_t seed, struct status *st);
void train_free(struct train *t);
/* The weights and gradients in the caller's memory (t->count floats each,
 * memory that ranks on one host share: src/dist.h's dist_sum_map), the
 * weights copied there when copy_w is set, the gradients always; NULL, NULL
 * puts both back. Not with an adapter or a frozen base. */
void train_place(struct train *t, float *w, float *g, int copy_w);
/* The gradient model_backward adds the base's into: NULL under LoRA. */
float *train_base_grads(struct train *t);
/* Before each forward of a training step: the adapter's dropout masks of
 * this step and call (the same on a resumed run). */
void train_prepare(struct train *t);
/* eval: passes without the adapter's dropout (evaluation between steps);
 * 0 turns it back on. */
void train_set_eval(struct train *t, int eval);
/* The next batches' first row is row `row0` of the step's whole batch
 * (a rank's share under MPI): the adapter's dropout masks follow it. */
void train_set_row0(struct train *t, size_t row0);
/* The same where the pass's rows are two runs of the whole batch: rows
 * 0 .. split-1 are rows row0 .. of it, the rest `gap` rows further on
 * (rm-train's chosen rows, then its rejected ones). */
void train_set_rows(struct train *t, size_t row0, size_t split, size_t gap);

size_t train_count_targets(const struct train_batch *b);

/* grads += scale * d(sum of cross-entropy over the batch's targets). */
enum status_code train_accumulate(struct train *t, const struct train_batch *b, float scale,
                                  const struct hooks *h, struct status *st);

/* Clips (max_norm <= 0: no clipping), applies AdamW, zeroes the gradients and
 * the loss sums. */
void train_step(struct train *t, float max_norm);
/* The same, asking h's abort between slices of the gradient norm and of the
 * update: STATUS_CANCELLED leaves the rest of the step pending
 * (engine/optim.h), which train_step_finish (or train_accumulate, before it
 * touches the gradients) completes; the loop learns of the stop within a
 * slice (about 10 ms on GPT-2 small) and must finish the step before it
 * saves the parameters or the optimizer. */
enum status_code train_step_hooks(struct train *t, float max_norm, const struct hooks *h);
void train_step_finish(struct train *t);
/* Data parallelism with the step sharded (src/dist.h): the process's
 * gradient is summed only over spans (n pairs lo, hi of t->w's elements)
 * and norm is the whole gradient's (from optim_sumsq_spans of every
 * process). Clips by it, updates those elements alone, zeroes the
 * gradients and the loss sums; the other elements come from the other
 * processes. */
void train_step_spans(struct train *t, float max_norm, float norm, const size_t *spans, size_t n);

#endif
