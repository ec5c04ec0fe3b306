#include "config.h"

#include "engine/optim.h"
#include "engine/pool.h"
#include "engine/vmath.h"

#include <math.h>
#include <stdint.h>
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

enum status_code optim_init_ranges(struct optim *o, size_t count, const struct optim_range *r,
                                   size_t n, const struct optim_config *c, struct status *st)
{
	memset(o, 0, sizeof *o);
	enum status_code rc = optim_config_check(c, st);
	if (rc != STATUS_OK)
		return rc;
	o->ranges = calloc(n ? n : 1, sizeof *o->ranges);
	o->m = calloc(2 * count + 1, sizeof *o->m);
	if (!o->ranges || !o->m) {
		optim_free(o);
		return status_set(st, STATUS_NOMEM, "cannot allocate optimizer state for %zu parameters",
		                  count);
	}
	memcpy(o->ranges, r, n * sizeof *r);
	o->nranges = n;
	o->v = o->m + count;
	o->count = count;
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

/* Sums of squares over fixed chunks, added in order: the norm does not depend
 * on the thread count. */
#define OPTIM_CHUNK ((size_t)1 << 16)

struct optim_job {
	struct optim *o;
	float *w, *g;
	const float *gc;
	double *sums;
	float gscale, lr, step_size, bc2_sqrt;
	int zero;
	size_t base; /* the slice's first element (pool_for counts from 0) */
};

static void optim_sumsq_part(void *ctx, size_t lo, size_t hi)
{
	const struct optim_job *j = ctx;
	for (size_t c = lo; c < hi; c += OPTIM_CHUNK) {
		size_t e = c + OPTIM_CHUNK < hi ? c + OPTIM_CHUNK : hi;
		j->sums[c / OPTIM_CHUNK] = vmath_sumsq(j->gc + c, e - c);
	}
}

/* Elements per slice of the norm and the update (see optim_run). */
static size_t optim_slice = (size_t)1 << 22;

enum status_code optim_norm_hooks(const struct optim *o, const float *g, const struct hooks *h,
                                  float *norm)
{
	size_t chunks = (o->count + OPTIM_CHUNK - 1) / OPTIM_CHUNK;
	double *sums = malloc((chunks ? chunks : 1) * sizeof *sums), sum = 0.0;
	if (!sums) {
		if (hooks_aborted(h))
			return STATUS_CANCELLED;
		for (size_t i = 0; i < o->count; i++)
			sum += (double)g[i] * g[i];
		*norm = (float)sqrt(sum);
		return STATUS_OK;
	}
	/* slices of whole chunks: each chunk's sum is the same however the
	 * range is cut, and the chunks are added in order at the end */
	size_t slice = (optim_slice + OPTIM_CHUNK - 1) / OPTIM_CHUNK * OPTIM_CHUNK;
	for (size_t at = 0; at < o->count; at += slice) {
		if (hooks_aborted(h)) {
			free(sums);
			return STATUS_CANCELLED;
		}
		size_t n = o->count - at < slice ? o->count - at : slice;
		struct optim_job j = { .gc = g + at, .sums = sums + at / OPTIM_CHUNK };
		pool_for(n, OPTIM_CHUNK, optim_sumsq_part, &j);
	}
	for (size_t c = 0; c < chunks; c++)
		sum += sums[c];
	free(sums);
	*norm = (float)sqrt(sum);
	return STATUS_OK;
}

float optim_norm(const struct optim *o, const float *g)
{
	float norm = 0.0f;
	optim_norm_hooks(o, g, NULL, &norm);
	return norm;
}

float optim_clip(const struct optim *o, float *g, float max_norm)
{
	double norm = optim_norm(o, g);
	if (max_norm > 0.0f && norm > max_norm) {
		float coef = (float)(max_norm / (norm + 1e-6));
		for (size_t i = 0; i < o->count; i++)
			g[i] *= coef;
	}
	return (float)norm;
}

static void optim_adamw_part(void *ctx, size_t lo, size_t hi)
{
	const struct optim_job *j = ctx;
	lo += j->base;
	hi += j->base;
	const struct optim_config *c = &j->o->cfg;
	struct optim *o = j->o;
	for (size_t r = 0; r < o->nranges; r++) {
		size_t b = o->ranges[r].begin > lo ? o->ranges[r].begin : lo;
		size_t e = o->ranges[r].end < hi ? o->ranges[r].end : hi;
		if (b >= e)
			continue;
		float decay = o->ranges[r].decay ? 1.0f - j->lr * c->weight_decay : 1.0f;
		if (j->gscale != 1.0f)
			for (size_t i = b; i < e; i++)
				j->g[i] *= j->gscale;
		vmath_adamw(j->w + b, j->g + b, o->m + b, o->v + b, e - b, c->beta1, c->beta2, decay,
		            j->step_size, j->bc2_sqrt, c->eps, j->zero);
	}
}

/* The update runs in slices of optim_slice elements (whole elements: w, m,
 * v and g of one element change together), the abort hook asked between
 * them: AdamW over GPT-2 small's 124M parameters reads and writes 3.5 GB,
 * 0.3 s at this machine's bandwidth, too long to ignore a stop request.
 * Every element's arithmetic is the same whatever the slicing. */

void optim_set_slice(size_t elements)
{
	optim_slice = elements ? elements : (size_t)1 << 22;
}

static enum status_code optim_run(struct optim *o, const struct hooks *h)
{
	struct optim_pending *pd = &o->pending;
	struct optim_job j = { .o = o, .w = pd->w, .g = pd->g, .gscale = pd->gscale, .lr = pd->lr,
	                       .step_size = pd->step_size, .bc2_sqrt = pd->bc2_sqrt,
	                       .zero = pd->zero };
	while (pd->at < o->count) {
		if (hooks_aborted(h))
			return STATUS_CANCELLED;
		size_t n = o->count - pd->at < optim_slice ? o->count - pd->at : optim_slice;
		j.base = pd->at;
		pool_for(n, 4096, optim_adamw_part, &j);
		pd->at += n;
	}
	pd->w = NULL;
	return STATUS_OK;
}

static enum status_code optim_update(struct optim *o, float *w, float *g, float gscale, int zero,
                                     const struct hooks *h)
{
	optim_finish(o); /* a step cut short before: complete it first */
	const struct optim_config *c = &o->cfg;
	float lr = optim_lr(c, o->step);
	o->step++;
	double bc1 = 1.0 - pow(c->beta1, (double)o->step);
	double bc2 = 1.0 - pow(c->beta2, (double)o->step);
	o->pending = (struct optim_pending){ .w = w, .g = g, .gscale = gscale, .lr = lr,
	                                     .step_size = (float)(lr / bc1),
	                                     .bc2_sqrt = (float)sqrt(bc2), .zero = zero, .at = 0 };
	return optim_run(o, h);
}

void optim_finish(struct optim *o)
{
	if (o->pending.w)
		optim_run(o, NULL);
}

void optim_step(struct optim *o, float *w, const float *g)
{
	/* g is only read when neither scaling nor zeroing is asked for */
	optim_update(o, w, (float *)(uintptr_t)g, 1.0f, 0, NULL);
}

enum status_code optim_step_zero(struct optim *o, float *w, float *g, float gscale,
                                 const struct hooks *h)
{
	return optim_update(o, w, g, gscale, 1, h);
}

double optim_sumsq_spans(const struct optim *o, const float *g, const size_t *spans, size_t n)
{
	double sum = 0.0;
	size_t most = 0;
	for (size_t k = 0; k < n; k++)
		if (spans[2 * k + 1] - spans[2 * k] > most)
			most = spans[2 * k + 1] - spans[2 * k];
	size_t chunks = (most + OPTIM_CHUNK - 1) / OPTIM_CHUNK;
	double *sums = malloc((chunks ? chunks : 1) * sizeof *sums);
	for (size_t k = 0; k < n; k++) {
		size_t lo = spans[2 * k], len = spans[2 * k + 1] - lo;
		if (!sums) {
			for (size_t i = 0; i < len; i++)
				sum += (double)g[lo + i] * g[lo + i];
			continue;
		}
		struct optim_job j = { .gc = g + lo, .sums = sums };
		pool_for(len, OPTIM_CHUNK, optim_sumsq_part, &j);
		for (size_t c = 0; c * OPTIM_CHUNK < len; c++)
			sum += sums[c];
	}
	(void)o;
	free(sums);
	return sum;
}

void optim_step_zero_spans(struct optim *o, float *w, float *g, float gscale,
                           const size_t *spans, size_t n)
{
	optim_finish(o);
	const struct optim_config *c = &o->cfg;
	float lr = optim_lr(c, o->step);
	o->step++;
	double bc1 = 1.0 - pow(c->beta1, (double)o->step);
	double bc2 = 1.0 - pow(c->beta2, (double)o->step);
	struct optim_job j = { .o = o, .w = w, .g = g, .gscale = gscale, .lr = lr,
	                       .step_size = (float)(lr / bc1), .bc2_sqrt = (float)sqrt(bc2),
	                       .zero = 1 };
	size_t at = 0; /* g outside the spans: zeroed as the update zeroes its own */
	for (size_t k = 0; k < n; k++) {
		memset(g + at, 0, (spans[2 * k] - at) * sizeof *g);
		j.base = spans[2 * k];
		pool_for(spans[2 * k + 1] - spans[2 * k], 4096, optim_adamw_part, &j);
		at = spans[2 * k + 1];
	}
	memset(g + at, 0, (o->count - at) * sizeof *g);
}
