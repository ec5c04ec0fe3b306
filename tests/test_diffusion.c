/* engine/diffusion: the schedules against diffusers' construction in PyTorch
 * (tests/fixtures/dit/schedule.safetensors) and the cosine's closed form,
 * DDIM timesteps, a DDIM step against its closed form, guidance, the DDPM
 * loss going down on a tiny DiT, and seeded sampling. */
#include "config.h"

#include "tests/harness.h"
#include "engine/diffusion.h"
#include "engine/init.h"
#include "engine/safetensors.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

enum { STEPS = 800 }; /* optimizer steps of the tiny DiT */

static struct model_config dit_cfg(enum model_schedule s, int cond)
{
	struct status st = STATUS_INIT;
	struct model_config c = { .n_layer = 1, .n_head = 2, .n_embd = 16, .n_inner = 32,
	                          .cond_dim = cond, .schedule = s, .image_size = 8, .patch_size = 2,
	                          .freq_dim = 16 };
	ck_assert_int_eq(model_config_set_type(&c, "dit", &st), STATUS_OK);
	return c;
}

static void check_schedule(enum model_schedule s, const char *name)
{
	char path[4096];
	snprintf(path, sizeof path, "%s/tests/fixtures/dit/schedule.safetensors", harness_srcdir());
	struct safetensors *f;
	struct status st = STATUS_INIT;
	ck_assert_int_eq(safetensors_open(path, &f, &st), STATUS_OK);
	const struct safetensors_tensor *t = safetensors_find(f, name);
	ck_assert_ptr_nonnull(t);
	ck_assert_int_eq(t->dtype, ST_F64);
	ck_assert_int_eq(safetensors_numel(t), 1000);
	const double *want = (const double *)t->data;
	struct model_config c = dit_cfg(s, 0);
	struct diffusion d;
	ck_assert_int_eq(diffusion_init(&d, &c, &st), STATUS_OK);
	ck_assert_uint_eq(d.T, 1000);
	for (size_t i = 0; i < 1000; i++) {
		double w;
		memcpy(&w, want + i, sizeof w);
		ck_assert_msg(fabs(d.abar[i] - w) <= 1e-12 * fmax(w, 1e-30) + 1e-300,
		              "%s abar[%zu] %.17g, torch %.17g", name, i, d.abar[i], w);
	}
	ck_assert(diffusion_abar(&d, -1) == 1.0);
	diffusion_free(&d);
	safetensors_close(f);
}

START_TEST(schedule_linear) { check_schedule(MODEL_SCHEDULE_LINEAR, "linear"); } END_TEST
START_TEST(schedule_cosine) { check_schedule(MODEL_SCHEDULE_COSINE, "cosine"); } END_TEST

/* Nichol & Dhariwal's closed form: abar_t = f((t + 1) / T) / f(0) while no
 * beta is capped; the linear one: prod (1 - beta_i) with beta_i linear. */
START_TEST(schedule_closed_form)
{
	struct status st = STATUS_INIT;
	struct model_config c = dit_cfg(MODEL_SCHEDULE_COSINE, 0);
	struct diffusion d;
	ck_assert_int_eq(diffusion_init(&d, &c, &st), STATUS_OK);
	double f0 = pow(cos(0.008 / 1.008 * M_PI / 2), 2);
	for (int t = 0; t < 990; t += 7) {
		double want = pow(cos(((t + 1) / 1000.0 + 0.008) / 1.008 * M_PI / 2), 2) / f0;
		ck_assert_msg(fabs(d.abar[t] - want) <= 1e-10 * want, "t %d: %.17g vs %.17g", t,
		              d.abar[t], want);
	}
	ck_assert(d.abar[999] > 0.0 && d.abar[999] < 1e-6);
	diffusion_free(&d);
	c = dit_cfg(MODEL_SCHEDULE_LINEAR, 0);
	ck_assert_int_eq(diffusion_init(&d, &c, &st), STATUS_OK);
	/* log abar_t = sum log(1 - beta_i), beta_i linear between the float ends */
	double s = 0.0;
	for (int i = 0; i < 1000; i++)
		s += log1p(-((double)(float)1e-4 + ((double)(float)0.02 - (double)(float)1e-4) * i / 999.0));
	ck_assert(fabs(log(d.abar[999]) - s) < 1e-9);
	diffusion_free(&d);
}
END_TEST

START_TEST(ddim_timesteps)
{
	int ts[20];
	diffusion_ddim_timesteps(1000, 20, ts);
	for (int k = 0; k < 20; k++)
		ck_assert_int_eq(ts[k], 950 - 50 * k);
	int one[1];
	diffusion_ddim_timesteps(1000, 1, one);
	ck_assert_int_eq(one[0], 0);
}
END_TEST

/* Given the true noise, a DDIM step from x_t lands on x_prev of the same
 * noise exactly (its closed form), clipped or not while x0 is in [-1, 1];
 * the last step gives x0 itself. */
START_TEST(ddim_step_closed_form)
{
	struct status st = STATUS_INIT;
	struct model_config c = dit_cfg(MODEL_SCHEDULE_COSINE, 0);
	struct diffusion d;
	ck_assert_int_eq(diffusion_init(&d, &c, &st), STATUS_OK);
	enum { N = 64 };
	float x0[N], noise[N], x[N], want[N], p0[N];
	struct rng r;
	rng_seed(&r, 9);
	for (int i = 0; i < N; i++) {
		x0[i] = 2.0f * rng_uniform(&r) - 1.0f;
		noise[i] = rng_normal(&r);
	}
	const int steps[][2] = { { 950, 900 }, { 500, 250 }, { 20, 0 }, { 0, -1 }, { 900, -1 } };
	for (int clip = 0; clip < 2; clip++)
		for (size_t k = 0; k < sizeof steps / sizeof steps[0]; k++) {
			int t = steps[k][0], prev = steps[k][1];
			diffusion_q_sample(&d, x, x0, noise, N, t);
			diffusion_q_sample(&d, want, x0, noise, N, prev);
			diffusion_ddim_step(&d, x, noise, p0, N, t, prev, clip);
			for (int i = 0; i < N; i++) {
				ck_assert_msg(fabs(x[i] - want[i]) < 2e-4, "%d -> %d: %g vs %g", t, prev, x[i],
				              want[i]);
				ck_assert(fabs(p0[i] - x0[i]) < 1e-3);
			}
		}
	/* clipping: a predicted x0 beyond 1 is clamped and the noise recomputed */
	float big = 3.0f, z = 0.0f, out0;
	float xb = (float)(sqrt(d.abar[500]) * big);
	diffusion_ddim_step(&d, &xb, &z, &out0, 1, 500, -1, 1);
	ck_assert(out0 == 1.0f && xb == 1.0f);
	diffusion_free(&d);
}
END_TEST

START_TEST(guidance)
{
	float c[3] = { 1, 2, 3 }, u[3] = { 0, 1, 5 };
	diffusion_guide(c, u, 3, 1.0);
	ck_assert(c[0] == 1 && c[1] == 2 && c[2] == 3);
	diffusion_guide(c, u, 3, 3.0); /* u + 3 (c - u) */
	ck_assert(c[0] == 3 && c[1] == 4 && c[2] == -1);
	diffusion_guide(c, u, 3, 0.0);
	ck_assert(c[0] == 0 && c[1] == 1 && c[2] == 5);
}
END_TEST

/* A tiny conditioned DiT learns two flat images apart: the DDPM loss on
 * the same draws falls, and guided sampling follows the condition. */
START_TEST(train_and_sample)
{
	struct status st = STATUS_INIT;
	struct model_config c = dit_cfg(MODEL_SCHEDULE_COSINE, 1);
	struct model_params p;
	ck_assert_int_eq(model_params_alloc(&p, &c, &st), STATUS_OK);
	struct rng r;
	rng_seed(&r, 1);
	init_model(&p, &r, 0.02f);
	struct optim_config oc = OPTIM_DEFAULTS;
	oc.lr = 3e-3f;
	oc.weight_decay = 0.0f;
	struct train t;
	ck_assert_int_eq(train_init(&t, &p, &oc, &st), STATUS_OK);
	struct diffusion d;
	ck_assert_int_eq(diffusion_init(&d, &c, &st), STATUS_OK);
	enum { B = 16, D = 3 * 8 * 8 };
	static float x0[B * D];
	float cond[B];
	unsigned char drop[B];
	for (int b = 0; b < B; b++) {
		cond[b] = b % 2 ? 1.0f : -1.0f; /* +1: bright, -1: dark */
		drop[b] = b % 5 == 4; /* both conditions get dropped rows */
		for (int i = 0; i < D; i++)
			x0[b * D + i] = cond[b] * 0.8f;
	}
	double first = 0, last = 0;
	for (int step = 0; step < STEPS; step++) {
		double sse;
		ck_assert_int_eq(diffusion_accumulate(&t, &d, x0, cond, drop, B, 0, (size_t)step * B,
		                                      1.0f / (B * D), &sse, NULL, &st), STATUS_OK);
		if (step < 20)
			first += sse;
		if (step >= STEPS - 20)
			last += sse;
		train_step(&t, 1.0f);
	}
	ck_assert_msg(last < 0.5 * first, "loss %g -> %g", first / 20 / (B * D), last / 20 / (B * D));
	/* 4 seeds under each condition, guided: every seed's image follows it */
	struct model_pass *m;
	ck_assert_int_eq(model_pass_new(&m, &p, 0, &st), STATUS_OK);
	float up[4] = { 1, 1, 1, 1 }, down[4] = { -1, -1, -1, -1 };
	static float img[4 * D], dark[4 * D], again[4 * D];
	struct diffusion_sample_opts so = { .n = 4, .steps = 10, .guidance = 3.0, .cond = up,
	                                    .cond_dim = 1, .seed = 5, .clip = 1 };
	ck_assert_int_eq(diffusion_sample(m, p.mem, &d, &so, img, NULL, &st), STATUS_OK);
	so.cond = down;
	ck_assert_int_eq(diffusion_sample(m, p.mem, &d, &so, dark, NULL, &st), STATUS_OK);
	for (int k = 0; k < 4; k++) {
		double hi = 0, lo = 0;
		for (int i = 0; i < D; i++) {
			hi += img[k * D + i] / D;
			lo += dark[k * D + i] / D;
		}
		ck_assert_msg(hi > lo + 0.5, "seed %d: mean %g under +1, %g under -1", 5 + k, hi, lo);
	}
	so.cond = up;
	/* seeded: the same again, and image i does not depend on how many are drawn */
	ck_assert_int_eq(diffusion_sample(m, p.mem, &d, &so, again, NULL, &st), STATUS_OK);
	ck_assert_mem_eq(img, again, sizeof img);
	so.n = 1;
	ck_assert_int_eq(diffusion_sample(m, p.mem, &d, &so, again, NULL, &st), STATUS_OK);
	ck_assert_mem_eq(img, again, D * sizeof *img);
	so.steps = 0;
	ck_assert_int_eq(diffusion_sample(m, p.mem, &d, &so, again, NULL, &st), STATUS_INVALID);
	model_pass_free(m);
	diffusion_free(&d);
	train_free(&t);
	model_params_free(&p);
}
END_TEST

Suite *harness_suite(void)
{
	Suite *s = suite_create("diffusion");
	harness_add(s, "schedule", schedule_linear, schedule_cosine, schedule_closed_form,
	            ddim_timesteps, NULL);
	harness_add(s, "ddim", ddim_step_closed_form, guidance, NULL);
	TCase *tc = harness_add(s, "train", train_and_sample, NULL);
	tcase_set_timeout(tc, 300);
	return s;
}
