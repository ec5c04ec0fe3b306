#include "config.h"

#include "engine/optim.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

enum status_code optim_config_check(const struct optim_config *c, struct status *st)
{
	if (!(c->lr >= 0.0f) || !isfinite(c->lr))
		return status_set(st, STATUS_INVALID, "learning rate %g is not a non-negative number",
		                  (double)c->lr);
	if (!(c->beta1 >= 0.0f && c->beta1 < 1.0f) || !(c->beta2 >= 0.0f && c->beta2 < 1.0f))
		return status_set(st, STATUS_INVALID, "betas (%g, %g) must lie in [0, 1)",
		                  (double)c->beta1, (double)c->beta2);
	if (!(c->eps > 0.0f) || !(c->weight_decay >= 0.0f))
		return status_set(st, STATUS_INVALID, "eps %g must be positive and weight decay %g "
		                  "non-negative", (double)c->eps, (double)c->weight_decay);
	if (c->warmup_steps < 0 || c->total_steps < 0)
		return status_set(st, STATUS_INVALID, "warmup %ld and total %ld steps must not be negative",
		                  c->warmup_steps, c->total_steps);
	if (c->schedule == OPTIM_LINEAR && c->total_steps <= 0)
		return status_set(st, STATUS_INVALID, "a linear schedule needs the total number of steps");
	return STATUS_OK;
}

enum status_code optim_init(struct optim *o, const struct model_params *p,
                            const struct optim_config *c, struct status *st)
{
	memset(o, 0, sizeof *o);
	enum status_code rc = optim_config_check(c, st);
	if (rc != STATUS_OK)
		return rc;
	size_t n = model_params_describe(p, NULL);
	struct model_tensor *t = calloc(n, sizeof *t);
	o->ranges = calloc(n, sizeof *o->ranges);
	o->m = calloc(2 * p->count, sizeof *o->m);
	if (!t || !o->ranges || !o->m) {
		free(t);
		optim_free(o);
		return status_set(st, STATUS_NOMEM, "cannot allocate optimizer state for %zu parameters",
		                  p->count);
	}
	model_params_describe(p, t);
	for (size_t i = 0; i < n; i++) {
		size_t numel = (size_t)t[i].shape[0] * (t[i].ndim == 2 ? (size_t)t[i].shape[1] : 1);
		o->ranges[i].begin = (size_t)(t[i].data - p->mem);
		o->ranges[i].end = o->ranges[i].begin + numel;
		o->ranges[i].decay = t[i].decay;
	}
	free(t);
	o->nranges = n;
	o->v = o->m + p->count;
	o->count = p->count;
	o->cfg = *c;
	return STATUS_OK;
}

void optim_free(struct optim *o)
{
	free(o->m);
	free(o->ranges);
	memset(o, 0, sizeof *o);
}

float optim_lr(const struct optim_config *c, long step)
{
	double f = 1.0;
	if (step < c->warmup_steps)
		f = (double)step / (double)(c->warmup_steps > 1 ? c->warmup_steps : 1);
	else if (c->schedule == OPTIM_LINEAR) {
		long rest = c->total_steps - c->warmup_steps;
		f = (double)(c->total_steps - step) / (double)(rest > 1 ? rest : 1);
		if (f < 0.0)
			f = 0.0;
	}
	return (float)(c->lr * f);
}

float optim_clip(const struct optim *o, float *g, float max_norm)
{
	double sum = 0.0;
	for (size_t i = 0; i < o->count; i++)
		sum += (double)g[i] * g[i];
	double norm = sqrt(sum);
	if (max_norm > 0.0f && norm > max_norm) {
		float coef = (float)(max_norm / (norm + 1e-6));
		for (size_t i = 0; i < o->count; i++)
			g[i] *= coef;
	}
	return (float)norm;
}

void optim_step(struct optim *o, float *w, const float *g)
{
	const struct optim_config *c = &o->cfg;
	float lr = optim_lr(c, o->step);
	o->step++;
	double bc1 = 1.0 - pow(c->beta1, (double)o->step);
	double bc2 = 1.0 - pow(c->beta2, (double)o->step);
	float step_size = (float)(lr / bc1);
	float bc2_sqrt = (float)sqrt(bc2);
	for (size_t r = 0; r < o->nranges; r++) {
		float decay = o->ranges[r].decay ? 1.0f - lr * c->weight_decay : 1.0f;
		for (size_t i = o->ranges[r].begin; i < o->ranges[r].end; i++) {
			w[i] *= decay;
			o->m[i] = c->beta1 * o->m[i] + (1.0f - c->beta1) * g[i];
			o->v[i] = c->beta2 * o->v[i] + (1.0f - c->beta2) * g[i] * g[i];
			float denom = sqrtf(o->v[i]) / bc2_sqrt + c->eps;
			w[i] -= step_size * o->m[i] / denom;
		}
	}
}
