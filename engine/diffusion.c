/* diffusion: schedules, noising, the DDIM step and the DDPM loss. */
#include "config.h"

#include "engine/diffusion.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

static double diffusion_cos_f(double u)
{
	double c = cos((u + 0.008) / 1.008 * M_PI / 2.0);
	return c * c;
}

enum status_code diffusion_init(struct diffusion *d, const struct model_config *c,
                                struct status *st)
{
	memset(d, 0, sizeof *d);
	if (!model_is_image(c))
		return status_set(st, STATUS_UNSUPPORTED, "a %s model has no noise schedule: this "
		                  "needs an image model", model_family_of(c)->title);
	size_t T = (size_t)c->num_train_timesteps;
	d->abar = malloc(T * sizeof *d->abar);
	if (!d->abar)
		return status_set(st, STATUS_NOMEM, "out of memory");
	d->T = T;
	double prod = 1.0;
	for (size_t i = 0; i < T; i++) {
		double beta;
		if (c->schedule == MODEL_SCHEDULE_LINEAR)
			beta = T > 1 ? c->beta_start + (c->beta_end - c->beta_start) * (double)i / (double)(T - 1)
			             : c->beta_start;
		else {
			beta = 1.0 - diffusion_cos_f((double)(i + 1) / (double)T) /
			             diffusion_cos_f((double)i / (double)T);
			if (beta > 0.999)
				beta = 0.999;
		}
		prod *= 1.0 - beta;
		d->abar[i] = prod;
	}
	return STATUS_OK;
}

void diffusion_free(struct diffusion *d)
{
	free(d->abar);
	memset(d, 0, sizeof *d);
}

double diffusion_abar(const struct diffusion *d, int t)
{
	if (t < 0)
		return 1.0;
	return d->abar[(size_t)t < d->T ? (size_t)t : d->T - 1];
}

void diffusion_q_sample(const struct diffusion *d, float *xt, const float *x0, const float *noise,
                        size_t n, int t)
{
	double a = diffusion_abar(d, t), sa = sqrt(a), sb = sqrt(1.0 - a);
	for (size_t i = 0; i < n; i++)
		xt[i] = (float)(sa * x0[i] + sb * noise[i]);
}

void diffusion_ddim_timesteps(size_t T, size_t S, int *ts)
{
	if (S > T)
		S = T;
	for (size_t k = 0; k < S; k++)
		ts[k] = (int)((S - 1 - k) * (T / S));
}

void diffusion_ddim_step(const struct diffusion *d, float *x, const float *eps, float *x0,
                         size_t n, int t, int prev, int clip)
{
	double a = diffusion_abar(d, t), ap = diffusion_abar(d, prev);
	double sa = sqrt(a), sb = sqrt(1.0 - a), sap = sqrt(ap), sbp = sqrt(1.0 - ap);
	for (size_t i = 0; i < n; i++) {
		double e = eps[i], p0 = ((double)x[i] - sb * e) / sa;
		if (clip && (p0 > 1.0 || p0 < -1.0)) {
			p0 = p0 > 1.0 ? 1.0 : -1.0;
			e = ((double)x[i] - sa * p0) / sb; /* the noise that clamped x0 implies */
		}
		if (x0)
			x0[i] = (float)p0;
		x[i] = (float)(sap * p0 + sbp * e);
	}
}

void diffusion_guide(float *eps_c, const float *eps_u, size_t n, double g)
{
	for (size_t i = 0; i < n; i++)
		eps_c[i] = (float)((double)eps_u[i] + g * ((double)eps_c[i] - eps_u[i]));
}

void diffusion_row_rng(struct rng *r, uint64_t seed, size_t row)
{
	rng_seed(r, seed * 0x9e3779b97f4a7c15ULL + (uint64_t)row * 0xbf58476d1ce4e5b9ULL + 1);
}

/* The loss of diffusion_accumulate on pass m; with g, its gradient too. */
static enum status_code diffusion_loss(struct model_pass *m, const float *w, float *g,
                                       const struct diffusion *d, const float *x0,
                                       const float *cond, const unsigned char *drop, size_t B,
                                       uint64_t seed, size_t row0, float scale, double *sse,
                                       const struct hooks *h, struct status *st)
{
	size_t D = m->image_dim;
	*sse = 0.0;
	if (B == 0)
		return STATUS_OK;
	float *buf = malloc((2 * B * D + B) * sizeof *buf);
	if (!buf)
		return status_set(st, STATUS_NOMEM, "out of memory");
	float *noise = buf, *xt = buf + B * D, *ts = buf + 2 * B * D;
	for (size_t b = 0; b < B; b++) {
		struct rng r;
		diffusion_row_rng(&r, seed, row0 + b);
		int tb = (int)rng_below(&r, d->T);
		ts[b] = (float)tb;
		for (size_t i = 0; i < D; i++)
			noise[b * D + i] = rng_normal(&r);
		diffusion_q_sample(d, xt + b * D, x0 + b * D, noise + b * D, D, tb);
	}
	struct model_image_batch ib = { .B = B, .x = xt, .t = ts, .cond = cond, .drop = drop };
	enum status_code rc = model_image_forward(m, w, &ib, h, st);
	if (rc == STATUS_OK) {
		/* d/d eps of scale * sum (eps - noise)^2, into the noise's room */
		double s = 0.0;
		for (size_t i = 0; i < B * D; i++) {
			double e = (double)m->eps[i] - noise[i];
			s += e * e;
			noise[i] = (float)(2.0 * scale * e);
		}
		*sse = s;
		if (g)
			rc = model_image_backward(m, w, g, noise, h, st);
	}
	free(buf);
	return rc;
}

enum status_code diffusion_accumulate(struct train *t, const struct diffusion *d, const float *x0,
                                      const float *cond, const unsigned char *drop, size_t B,
                                      uint64_t seed, size_t row0, float scale, double *sse,
                                      const struct hooks *h, struct status *st)
{
	optim_finish(&t->opt); /* an update cut short reads the gradients: before they change */
	return diffusion_loss(t->pass, t->params->mem, t->grads.mem, d, x0, cond, drop, B, seed, row0,
	                      scale, sse, h, st);
}

enum status_code diffusion_eval(struct model_pass *m, const float *w, const struct diffusion *d,
                                const float *x0, const float *cond, size_t B, uint64_t seed,
                                size_t row0, double *sse, const struct hooks *h, struct status *st)
{
	return diffusion_loss(m, w, NULL, d, x0, cond, NULL, B, seed, row0, 1.0f, sse, h, st);
}
