#include "config.h"

#include "engine/init.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

void init_normal(float *w, size_t n, float std, struct rng *r)
{
	for (size_t i = 0; i < n; i++)
		w[i] = std * rng_normal(r);
}

static int init_ends_with(const char *s, const char *suffix)
{
	size_t a = strlen(s), b = strlen(suffix);
	return a >= b && strcmp(s + a - b, suffix) == 0;
}

void init_gpt2(struct model_params *p, struct rng *r, float std)
{
	size_t cap = MODEL_MAX_TENSORS((size_t)p->cfg.n_layer);
	struct model_tensor *t = malloc(cap * sizeof *t);
	if (!t)
		return;
	size_t n = model_params_describe(p, t);
	/* GPT-2 scales the residual projections by 1/sqrt(2 L) so the residual
	 * stream's variance does not grow with depth. */
	float proj_std = std / sqrtf(2.0f * (float)p->cfg.n_layer);
	for (size_t i = 0; i < n; i++) {
		size_t numel = (size_t)t[i].shape[0] * (t[i].ndim == 2 ? (size_t)t[i].shape[1] : 1);
		const char *name = t[i].name;
		if (strstr(name, "ln_") && init_ends_with(name, ".weight")) {
			for (size_t k = 0; k < numel; k++)
				t[i].data[k] = 1.0f;
		} else if (init_ends_with(name, ".bias")) {
			memset(t[i].data, 0, numel * sizeof *t[i].data);
		} else if (init_ends_with(name, "c_proj.weight")) {
			init_normal(t[i].data, numel, proj_std, r);
		} else {
			init_normal(t[i].data, numel, std, r);
		}
	}
	free(t);
}

void init_llama(struct model_params *p, struct rng *r, float std)
{
	size_t n = model_params_describe(p, NULL);
	struct model_tensor *t = malloc(n * sizeof *t);
	if (!t)
		return;
	model_params_describe(p, t);
	for (size_t i = 0; i < n; i++) {
		size_t numel = (size_t)t[i].shape[0] * (t[i].ndim == 2 ? (size_t)t[i].shape[1] : 1);
		if (init_ends_with(t[i].name, "norm.weight"))
			for (size_t k = 0; k < numel; k++)
				t[i].data[k] = 1.0f;
		else if (init_ends_with(t[i].name, ".bias"))
			memset(t[i].data, 0, numel * sizeof *t[i].data);
		else
			init_normal(t[i].data, numel, std, r);
	}
	free(t);
}

void init_model(struct model_params *p, struct rng *r, float std)
{
	model_family_of(&p->cfg)->init(p, r, std);
}
