#include "config.h"

#include "engine/train.h"

#include <string.h>

enum status_code train_init(struct train *t, struct model_params *params,
                            const struct optim_config *oc, struct status *st)
{
	memset(t, 0, sizeof *t);
	t->params = params;
	gpt2_acts_init(&t->acts, 1);
	enum status_code rc = model_params_alloc(&t->grads, &params->cfg, st);
	if (rc == STATUS_OK)
		rc = gpt2_layout_init(&t->lay, params, st);
	if (rc == STATUS_OK)
		rc = optim_init(&t->opt, params, oc, st);
	if (rc != STATUS_OK)
		train_free(t);
	return rc;
}

void train_free(struct train *t)
{
	gpt2_acts_free(&t->acts);
	optim_free(&t->opt);
	gpt2_layout_free(&t->lay);
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
	if (t->lay.labels)
		return status_set(st, STATUS_INVALID, "train_accumulate is for language models");
	optim_finish(&t->opt); /* an update cut short reads the gradients: before they change */
	enum status_code rc = gpt2_forward(&t->lay, t->params->mem, &t->acts, b->tokens, b->B, b->T,
	                                   b->targets, h, st);
	if (rc != STATUS_OK)
		return rc;
	t->loss_sum += t->acts.loss_sum;
	t->loss_count += t->acts.count;
	return gpt2_backward(&t->lay, t->params->mem, t->grads.mem, &t->acts, b->tokens, b->targets,
	                     scale, NULL, h, st);
}

enum status_code train_step_hooks(struct train *t, float max_norm, const struct hooks *h)
{
	/* clipping, AdamW and zeroing in one pass over the gradients */
	float norm = optim_norm(&t->opt, t->grads.mem), coef = 1.0f;
	if (max_norm > 0.0f && norm > max_norm)
		coef = (float)(max_norm / ((double)norm + 1e-6));
	t->last_norm = norm;
	t->last_lr = optim_lr(&t->opt.cfg, t->opt.step);
	t->loss_sum = 0.0;
	t->loss_count = 0;
	return optim_step_zero(&t->opt, t->params->mem, t->grads.mem, coef, h);
}

void train_step(struct train *t, float max_norm)
{
	train_step_hooks(t, max_norm, NULL);
}
