/* diffusion: DDPM noise schedules, the forward noising, DDIM steps and the
 * noise-prediction loss of an image model (engine/dit.h).
 *
 *   struct diffusion d;
 *   diffusion_init(&d, &params.cfg, &st);            // schedule of config.json
 *   diffusion_q_sample(&d, xt, x0, noise, n, t);     // x_t of x_0 at step t
 *   int ts[20];
 *   diffusion_ddim_timesteps(d.T, 20, ts);          // 950, 900, ..., 0
 *   diffusion_ddim_step(&d, x, eps, n, ts[0], ts[1], 1);  // x_950 -> x_900
 *   diffusion_free(&d);
 *
 * Schedules as diffusers' DDPMScheduler builds them: "linear" betas from
 * beta_start to beta_end, and the cosine schedule of Nichol & Dhariwal
 * ("squaredcos_cap_v2": beta_i = min(1 - f((i+1)/T) / f(i/T), 0.999),
 * f(u) = cos((u + 0.008) / 1.008 pi/2)^2); abar_t = prod_{i<=t} (1 - beta_i),
 * in double. DDIM is eta 0 (deterministic); the last step goes to abar 1.
 */
#ifndef RIC_ENGINE_DIFFUSION_H
#define RIC_ENGINE_DIFFUSION_H

#include <stddef.h>

#include "engine/model.h"
#include "engine/rng.h"
#include "engine/status.h"
#include "engine/train.h"

struct diffusion {
	size_t T;      /* training timesteps */
	double *abar;  /* [T] alphas_cumprod */
};

enum status_code diffusion_init(struct diffusion *d, const struct model_config *c,
                                struct status *st);
void diffusion_free(struct diffusion *d);

/* abar at t; t < 0 is the clean image (1). */
double diffusion_abar(const struct diffusion *d, int t);

/* xt = sqrt(abar_t) x0 + sqrt(1 - abar_t) noise over n values. */
void diffusion_q_sample(const struct diffusion *d, float *xt, const float *x0, const float *noise,
                        size_t n, int t);

/* S timesteps from high to low, evenly spaced: ts[k] = (S - 1 - k) * T / S
 * (diffusers' "leading" spacing); S <= T. */
void diffusion_ddim_timesteps(size_t T, size_t S, int *ts);

/* One DDIM step in place: x0 = (x - sqrt(1 - abar_t) eps) / sqrt(abar_t)
 * (clamped to [-1, 1] when clip), x = sqrt(abar_prev) x0 + sqrt(1 - abar_prev) eps
 * with the same eps recomputed from the clamped x0 when clip. prev < 0: the
 * clean image. x0 (may be NULL) gets the predicted clean image. */
void diffusion_ddim_step(const struct diffusion *d, float *x, const float *eps, float *x0,
                         size_t n, int t, int prev, int clip);

/* Classifier-free guidance: eps = eps_u + g (eps_c - eps_u), into eps_c. */
void diffusion_guide(float *eps_c, const float *eps_u, size_t n, double g);

/* The generator of row `row` of a step seeded `seed`: a row's draws do
 * not depend on which rows share its call (so ranks splitting a batch draw
 * what one process draws). */
void diffusion_row_rng(struct rng *r, uint64_t seed, size_t row);

/* The DDPM loss of B clean images x0 [B, D] (D = m->image_dim) under cond
 * [B, K] (NULL: unconditional) with rows drop[b] on the null condition:
 * draws t uniform in 0..T-1 and noise N(0, 1) for row b from
 * diffusion_row_rng(seed, row0 + b), predicts the noise, and adds to t->grads
 * the gradient of scale * sum of squared errors; *sse gets that sum. */
enum status_code diffusion_accumulate(struct train *t, const struct diffusion *d, const float *x0,
                                      const float *cond, const unsigned char *drop, size_t B,
                                      uint64_t seed, size_t row0, float scale, double *sse,
                                      const struct hooks *h, struct status *st);

/* The same sum of squared errors with no gradient (validation), on any pass. */
enum status_code diffusion_eval(struct model_pass *m, const float *w, const struct diffusion *d,
                                const float *x0, const float *cond, size_t B, uint64_t seed,
                                size_t row0, double *sse, const struct hooks *h, struct status *st);

/* Sampling (engine/diffusion_sample.c). */
struct diffusion_sample_opts {
	size_t n;             /* images */
	size_t steps;         /* DDIM steps */
	double guidance;      /* classifier-free guidance scale (1: the conditional model alone) */
	const float *cond;    /* [n, cond_dim] conditions, NULL: unconditional (the null condition) */
	int cond_dim;
	uint64_t seed;        /* image i starts from noise seeded seed + i */
	int clip;             /* clamp predicted clean images to [-1, 1] */
	/* after each step (may be NULL): x [n, D] is the current predicted clean
	 * image; nonzero stops (STATUS_CANCELLED) */
	int (*on_step)(void *ctx, size_t step, size_t steps, const float *x0);
	void *ctx;
};

/* Images into x [n, D] in [-1, 1]; m a pass of the model whose weights are w. */
enum status_code diffusion_sample(struct model_pass *m, const float *w, const struct diffusion *d,
                                  const struct diffusion_sample_opts *o, float *x,
                                  const struct hooks *h, struct status *st);

#endif
