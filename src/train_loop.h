/* train_loop: the one optimizer loop of every training stage (pretrain, sft,
 * rm-train, and each iteration of online): optimizer set-up, its state from
 * a resumed checkpoint, the steps with cancellation between them, metrics and
 * progress, checkpoints every K steps and at a stop. A stage gives only what
 * differs: how a step's batch is filled and, for losses other than the
 * language model's cross-entropy, how the gradients are made.
 *
 *   struct train_loop L = { .sg = &sg, .h = &h, .p = &p, .oc = oc, .resume = dir,
 *                           .step = ss.step, .total = total, .clip = 1,
 *                           .sv = &sv, .fill = my_fill, .ctx = &data };
 *   rc = train_loop_run(&L, &st);     // STATUS_CANCELLED: stopped and checkpointed
 *   if (rc == STATUS_OK) ... validation on L.t, checkpoint_save ...
 *   train_loop_free(&L);
 *
 * With sv NULL (online) nothing is checkpointed and a step records only loss
 * and lr, at metric_step + step; with sv every step records loss, lr,
 * grad_norm and tokens_per_s (stage_step_done). L.t lives until
 * train_loop_free, so a stage can validate with it.
 *
 * Under mpirun every rank fills the same global batch, takes its rows
 * (dist_span), and the gradients are summed over the ranks in buckets, each
 * started while the backward pass goes on, as soon as the model's grads
 * hook (engine/model.h) says it is complete (src/dist.h, dist_sum_*); every
 * rank waits for them and applies the same AdamW step. A loss makes one
 * backward pass per step. Ranks stop only together, at a step boundary;
 * rank 0 alone writes (src/stage.c).
 */
#ifndef RIC_SRC_TRAIN_LOOP_H
#define RIC_SRC_TRAIN_LOOP_H

#include "src/stage.h"
#include "engine/train.h"

/* Fills *b (B, T, tokens, targets: buffers the stage owns) with the batch
 * of optimizer step `step` (0-based). The step number is the whole data
 * position where a stage resumes by steps. */
typedef enum status_code (*train_loop_fill_fn)(void *ctx, long step, struct train_batch *b,
                                               struct status *st);

/* Accumulates this rank's share of the gradients of batch b into t->grads
 * and sets sums[0] to its share of the step's mean loss, sums[1] to its
 * share of the step's aux_metric (if any): shares that add up over the
 * ranks, so the whole batch's values are their sum (dist_span gives a rank
 * its part of b; one process has all of it). Gradients are scaled for the
 * whole batch: the loop sums them over the ranks. Called for step `step`
 * (0-based). */
typedef enum status_code (*train_loop_loss_fn)(void *ctx, struct train *t,
                                               const struct train_batch *b, long step,
                                               const struct hooks *h, double sums[2],
                                               struct status *st);

struct train_loop {
	struct stage *sg;
	const struct hooks *h;
	struct model_params *p;
	struct optim_config oc;
	const char *resume;       /* restore the optimizer from this checkpoint folder; NULL: fresh */
	long step;                /* steps done: where the loop starts, then where it stopped */
	long total;
	float clip;               /* gradient norm clip; <= 0: none */
	struct stage_saving *sv;  /* checkpoints (its opt is set here); NULL: none, brief metrics */
	long metric_step;         /* with sv NULL: metrics go to metric_step + step */
	train_loop_fill_fn fill;
	train_loop_loss_fn loss;  /* NULL: cross-entropy, mean over the batch's targets */
	const char *aux_metric;   /* with loss: the metric sums[1] is, recorded at step + 1 */
	void *ctx;                /* for fill and loss */
	struct lora *lora;        /* train this adapter over the frozen p (src/stage_lora.h); NULL: p */
	uint64_t seed;            /* with lora: its dropout masks */
	struct train t;           /* the trainer, valid from train_loop_run to train_loop_free */
	int have_train;
};

enum status_code train_loop_run(struct train_loop *L, struct status *st);
/* The optimizer step after the gradients' sum (dist_sum_end): sharded when
 * sum is (src/dist.h: each rank updates its chunks, the weights then go
 * round), else train_step_hooks on the whole sum (sum NULL: one rank).
 * src/cmd_bench.c times the same step. */
struct dist_sum;
enum status_code train_loop_step(struct train *t, struct dist_sum *sum, float clip,
                                 const struct hooks *h, struct status *st);
/* Ranks on one host: t's weights and gradients move into the memory they
 * share (src/dist.h's dist_sum_map; nothing happens otherwise, nor for an
 * adapter or a frozen base), and back with train_loop_unshare before
 * dist_sum_free. Every rank calls both. */
enum status_code train_loop_share(struct train *t, struct dist_sum *sum, struct status *st);
void train_loop_unshare(struct train *t, struct dist_sum *sum);
void train_loop_free(struct train_loop *L);

/* The optimizer of the stages that decay: AdamW at lr with weight decay wd,
 * warmup steps then linear decay to 0 at total. */
struct optim_config train_loop_linear(const struct stage_train_opts *t, long total);

#endif
