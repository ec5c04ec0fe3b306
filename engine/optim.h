/* optim: AdamW as PyTorch and Hugging Face run it, with global-norm gradient
 * clipping and learning-rate schedules.
 *
 *   struct optim_config oc = OPTIM_DEFAULTS;      // lr 5e-5, betas 0.9/0.999, eps 1e-8
 *   oc.lr = 1e-4f; oc.schedule = OPTIM_LINEAR; oc.warmup_steps = 10; oc.total_steps = 1000;
 *   struct optim o;
 *   if (optim_init(&o, &params, &oc, &st) != STATUS_OK) return st.code;
 *   float norm = optim_clip(&o, grads.mem, 1.0f);  // norm before clipping
 *   optim_step(&o, params.mem, grads.mem);         // uses optim_lr(&oc, o.step), then step++
 *   optim_free(&o);
 *
 * Weight decay applies only to tensors whose model_tensor.decay is set (not
 * biases, not LayerNorm weights), as Hugging Face's Trainer groups them. The
 * schedules follow transformers' get_linear_schedule_with_warmup and
 * get_constant_schedule_with_warmup: the factor at step s (optimizer steps done
 * so far) is s / warmup during warmup, then (total - s) / (total - warmup)
 * (linear, floored at 0) or 1 (constant). Everything is plain sequential
 * arithmetic, so a run is reproducible bit for bit.
 */
#ifndef RIC_ENGINE_OPTIM_H
#define RIC_ENGINE_OPTIM_H

#include <stddef.h>

#include "engine/model.h"
#include "engine/status.h"

enum optim_schedule { OPTIM_CONSTANT, OPTIM_LINEAR };

struct optim_config {
	float lr;
	float beta1, beta2, eps;
	float weight_decay;
	enum optim_schedule schedule;
	long warmup_steps;
	long total_steps;  /* for OPTIM_LINEAR */
};

#define OPTIM_DEFAULTS { .lr = 5e-5f, .beta1 = 0.9f, .beta2 = 0.999f, .eps = 1e-8f, \
                         .weight_decay = 0.0f, .schedule = OPTIM_CONSTANT, \
                         .warmup_steps = 0, .total_steps = 0 }

struct optim_range {
	size_t begin, end; /* element range of one tensor in the parameter set */
	int decay;
};

/* An update cut short by the abort hook: elements before `at` are done. */
struct optim_pending {
	float *w, *g;            /* NULL: no update pending */
	float gscale, lr, step_size, bc2_sqrt;
	int zero;
	size_t at;
};

struct optim {
	struct optim_config cfg;
	size_t count;            /* elements of the parameter set */
	float *m, *v;            /* first and second moments (one allocation) */
	long step;               /* optimizer steps done */
	struct optim_range *ranges;
	size_t nranges;
	struct optim_pending pending;
};

enum status_code optim_config_check(const struct optim_config *c, struct status *st);
enum status_code optim_init(struct optim *o, const struct model_params *p,
                            const struct optim_config *c, struct status *st);
/* The same over any vector of count floats whose tensors are r[0..n) (a
 * LoRA adapter's values: engine/lora.h's lora_optim_ranges). */
enum status_code optim_init_ranges(struct optim *o, size_t count, const struct optim_range *r,
                                   size_t n, const struct optim_config *c, struct status *st);
void optim_free(struct optim *o);

/* The learning rate of the step taken after `step` steps. */
float optim_lr(const struct optim_config *c, long step);

/* Global L2 norm of g; when max_norm > 0 and the norm exceeds it, scales g by
 * max_norm / (norm + 1e-6) as torch.nn.utils.clip_grad_norm_ does. */
float optim_clip(const struct optim *o, float *g, float max_norm);

/* One AdamW update of w from g at optim_lr(cfg, step); step advances. */
void optim_step(struct optim *o, float *w, const float *g);

/* Global L2 norm of g, without changing it. */
float optim_norm(const struct optim *o, const float *g);
/* The same, asking the abort hook (h may be NULL) between slices as
 * optim_step_zero does (the norm reads all of g: 0.5 GB on GPT-2 small):
 * STATUS_CANCELLED leaves *norm unset; the slicing changes no bit. */
enum status_code optim_norm_hooks(const struct optim *o, const float *g, const struct hooks *h,
                                  float *norm);
/* optim_step on g * gscale (the clipping factor, 1 for none), then g = 0:
 * what optim_clip, optim_step and zeroing do, in one pass over memory. The
 * abort hook (h may be NULL) is asked between slices of the parameters
 * (every element of a slice done whole, 4M elements: about 10 ms); when it
 * says stop, this returns STATUS_CANCELLED with the rest of the update
 * pending (w and g must not change meanwhile), and optim_finish completes
 * it: w, m and v then hold what one uninterrupted step leaves. The next
 * step, and train_accumulate before it writes gradients, finish it first. */
enum status_code optim_step_zero(struct optim *o, float *w, float *g, float gscale,
                                 const struct hooks *h);
/* Data-parallel training with the step sharded (src/dist.h): each process
 * holds the summed gradient only over its spans, n pairs lo, hi of
 * elements (ascending, disjoint), and updates only those.
 * optim_sumsq_spans is the sum of squares of g over them (the chunks of
 * optim_norm that lie in them, added in order); optim_step_zero_spans is
 * optim_step_zero of those elements alone (the same arithmetic, element by
 * element; the step advances once) and zeroes all of g. */
double optim_sumsq_spans(const struct optim *o, const float *g, const size_t *spans, size_t n);
void optim_step_zero_spans(struct optim *o, float *w, float *g, float gscale,
                           const size_t *spans, size_t n);
/* Complete an update cut short; nothing when none is pending. */
void optim_finish(struct optim *o);
/* Elements per slice (0: the default), for tests. */
void optim_set_slice(size_t elements);

#endif
