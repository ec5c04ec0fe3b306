#include "config.h"

#include "engine/train.h"
#include "engine/monotonic.h"

#include <stdlib.h>
#include <string.h>

enum status_code train_init(struct train *t, struct model_params *params,
                            const struct optim_config *oc, struct status *st)
{
	memset(t, 0, sizeof *t);
	t->params = params;
	enum status_code rc = model_params_alloc(&t->grads, &params->cfg, st);
	if (rc == STATUS_OK)
		rc = model_pass_new(&t->pass, params, 1, st);
	if (rc == STATUS_OK)
		rc = optim_init(&t->opt, params, oc, st);
	if (rc != STATUS_OK) {
		train_free(t);
		return rc;
	}
	t->w = params->mem;
	t->g = t->grads.mem;
	t->count = params->count;
	return STATUS_OK;
}

enum status_code train_init_lora(struct train *t, struct model_params *params, struct lora *l,
                                 const struct optim_config *oc, uint64_t seed, struct status *st)
{
	memset(t, 0, sizeof *t);
	t->params = params;
	t->lora = l;
	t->seed = seed;
	struct optim_range *r = NULL;
	size_t nr = 0;
	enum status_code rc = lora_view_init(&t->view, l, params, st);
	if (rc == STATUS_OK && !(t->g = calloc(l->count ? l->count : 1, sizeof *t->g)))
		rc = status_set(st, STATUS_NOMEM, "out of memory");
	if (rc == STATUS_OK)
		rc = lora_optim_ranges(l, &r, &nr, st);
	if (rc == STATUS_OK)
		rc = optim_init_ranges(&t->opt, l->count, r, nr, oc, st);
	free(r);
	if (rc == STATUS_OK)
		rc = model_pass_new(&t->pass, params, 1, st);
	if (rc == STATUS_OK)
		rc = model_pass_set_lora(t->pass, &t->view, l->mem, t->g, st);
	if (rc != STATUS_OK) {
		train_free(t);
		return rc;
	}
	t->w = l->mem;
	t->count = l->count;
	return STATUS_OK;
}

void train_place(struct train *t, float *w, float *g, int copy_w)
{
	model_params_place(t->params, w, copy_w);
	model_params_place(&t->grads, g, 1);
	t->w = t->params->mem;
	t->g = t->grads.mem;
}

void train_set_eval(struct train *t, int eval)
{
	if (t->lora)
		t->view.dropout = eval ? 0.0 : t->lora->dropout;
}

void train_set_row0(struct train *t, size_t row0)
{
	train_set_rows(t, row0, 0, 0);
}

void train_set_rows(struct train *t, size_t row0, size_t split, size_t gap)
{
	t->view.row0 = row0;
	t->view.split = split;
	t->view.gap = gap;
}

float *train_base_grads(struct train *t)
{
	return t->lora ? NULL : t->grads.mem;
}

void train_prepare(struct train *t)
{
	train_step_finish(t); /* a step cut short reads the gradients: before they change */
	t->view.seed = t->seed * 0x9e3779b97f4a7c15ULL + (uint64_t)t->opt.step * 1000003ULL + t->accum++;
}

void train_free(struct train *t)
{
	model_pass_free(t->pass);
	optim_free(&t->opt);
	if (t->lora)
		free(t->g);
	lora_view_free(&t->view);
	model_params_free(&t->grads);
	memset(t, 0, sizeof *t);
}

size_t train_count_targets(const struct train_batch *b)
{
	size_t n = 0;
	for (size_t i = 0; i < b->B * b->T; i++)
		n += b->targets[i] != -100;
	return n;
}

enum status_code train_accumulate(struct train *t, const struct train_batch *b, float scale,
                                  const struct hooks *h, struct status *st)
{
	if (t->pass->labels)
		return status_set(st, STATUS_INVALID, "train_accumulate is for language models");
	train_prepare(t);
	double t0 = monotonic_s(), c0 = monotonic_cpu_s();
	enum status_code rc = model_forward(t->pass, t->params->mem, b->tokens, b->B, b->T,
	                                    b->targets, h, st);
	double t1 = monotonic_s(), c1 = monotonic_cpu_s();
	t->forward_s += t1 - t0;
	t->forward_cpu_s += c1 - c0;
	if (rc != STATUS_OK)
		return rc;
	t->loss_sum += t->pass->loss_sum;
	t->loss_count += t->pass->count;
	rc = model_backward(t->pass, t->params->mem, train_base_grads(t), b->tokens, b->targets, scale,
	                    NULL, h, st);
	t->backward_s += monotonic_s() - t1;
	t->backward_cpu_s += monotonic_cpu_s() - c1;
	return rc;
}

/* The step's bookkeeping once the gradients' norm is known: the last norm
 * and rate for progress, the loss sums and accumulation restarted; returns
 * the clipping factor for max_norm (1 where max_norm is 0 or not reached). */
static float train_step_begin(struct train *t, float max_norm, float norm)
{
	t->last_norm = norm;
	t->last_lr = optim_lr(&t->opt.cfg, t->opt.step);
	t->loss_sum = 0.0;
	t->loss_count = 0;
	t->accum = 0;
	if (max_norm > 0.0f && norm > max_norm)
		return (float)(max_norm / ((double)norm + 1e-6));
	return 1.0f;
}

enum status_code train_step_hooks(struct train *t, float max_norm, const struct hooks *h)
{
	/* clipping, AdamW and zeroing in one pass over the gradients, after the
	 * norm's pass; a stop during the norm leaves the whole step pending */
	float norm;
	t->step_pending = 1;
	t->pending_clip = max_norm;
	if (optim_norm_hooks(&t->opt, t->g, h, &norm) == STATUS_CANCELLED)
		return STATUS_CANCELLED;
	t->step_pending = 0;
	float coef = train_step_begin(t, max_norm, norm);
	return optim_step_zero(&t->opt, t->w, t->g, coef, h);
}

void train_step_finish(struct train *t)
{
	if (t->step_pending)
		train_step_hooks(t, t->pending_clip, NULL);
	optim_finish(&t->opt);
}

void train_step_spans(struct train *t, float max_norm, float norm, const size_t *spans, size_t n)
{
	train_step_finish(t);
	float coef = train_step_begin(t, max_norm, norm);
	optim_step_zero_spans(&t->opt, t->w, t->g, coef, spans, n);
}

void train_step(struct train *t, float max_norm)
{
	train_step_hooks(t, max_norm, NULL);
}
