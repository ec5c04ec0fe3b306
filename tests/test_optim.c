/* engine/optim: AdamW against hand-computed steps, clipping, schedules. */
#include "config.h"

#include "tests/harness.h"
#include "tests/gpt2_util.h"
#include "engine/optim.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

START_TEST(linear_schedule_with_warmup)
{
	struct optim_config c = OPTIM_DEFAULTS;
	c.lr = 2.0f;
	c.schedule = OPTIM_LINEAR;
	c.warmup_steps = 10;
	c.total_steps = 110;
	ck_assert_float_eq(optim_lr(&c, 0), 0.0f);   /* transformers starts warmup at 0 */
	ck_assert_float_eq_tol(optim_lr(&c, 5), 1.0f, 1e-6f);
	ck_assert_float_eq_tol(optim_lr(&c, 10), 2.0f, 1e-6f);
	ck_assert_float_eq_tol(optim_lr(&c, 60), 1.0f, 1e-6f);
	ck_assert_float_eq_tol(optim_lr(&c, 109), 0.02f, 1e-6f);
	ck_assert_float_eq(optim_lr(&c, 110), 0.0f);
	ck_assert_float_eq(optim_lr(&c, 500), 0.0f);
}
END_TEST

START_TEST(constant_schedule_with_and_without_warmup)
{
	struct optim_config c = OPTIM_DEFAULTS;
	c.lr = 0.5f;
	ck_assert_float_eq(optim_lr(&c, 0), 0.5f);
	ck_assert_float_eq(optim_lr(&c, 1000), 0.5f);
	c.warmup_steps = 4;
	ck_assert_float_eq_tol(optim_lr(&c, 1), 0.125f, 1e-7f);
	ck_assert_float_eq(optim_lr(&c, 4), 0.5f);
	ck_assert_float_eq(optim_lr(&c, 400), 0.5f);
}
END_TEST

START_TEST(bad_configs_are_named)
{
	struct status st = STATUS_INIT;
	struct optim_config c = OPTIM_DEFAULTS;
	c.beta2 = 1.0f;
	ck_assert_int_eq(optim_config_check(&c, &st), STATUS_INVALID);
	ck_assert_str_eq(st.msg, "betas (0.9, 1) must lie in [0, 1)");
	c = (struct optim_config)OPTIM_DEFAULTS;
	c.schedule = OPTIM_LINEAR;
	ck_assert_int_eq(optim_config_check(&c, &st), STATUS_INVALID);
	ck_assert_str_eq(st.msg, "a linear schedule needs the total number of steps");
}
END_TEST

/* Two AdamW steps, every element against the textbook formula in double. */
START_TEST(adamw_matches_hand_computed_steps)
{
	struct status st = STATUS_INIT;
	struct model_config mc = gpt2_util_tiny(0);
	struct model_params p;
	ck_assert_int_eq(model_params_alloc(&p, &mc, &st), STATUS_OK);
	gpt2_util_randomize(&p, 3);
	struct optim_config c = OPTIM_DEFAULTS;
	c.lr = 0.01f;
	c.weight_decay = 0.1f;
	struct optim o;
	ck_assert_int_eq(optim_init(&o, &p, &c, &st), STATUS_OK);
	size_t n = p.count;
	double *w = malloc(n * sizeof *w), *m = calloc(n, sizeof *m), *v = calloc(n, sizeof *v);
	float *g = malloc(n * sizeof *g);
	for (size_t i = 0; i < n; i++)
		w[i] = p.mem[i];
	/* which elements decay: from the tensor table */
	struct model_tensor *t = calloc(model_params_describe(&p, NULL), sizeof *t);
	size_t nt = model_params_describe(&p, t);
	char *decay = calloc(n, 1);
	for (size_t k = 0; k < nt; k++) {
		size_t numel = (size_t)t[k].shape[0] * (t[k].ndim == 2 ? (size_t)t[k].shape[1] : 1);
		memset(decay + (t[k].data - p.mem), t[k].decay, numel);
	}
	for (int step = 1; step <= 2; step++) {
		for (size_t i = 0; i < n; i++)
			g[i] = (float)(0.01 * ((double)((i * 7 + (size_t)step * 3) % 11) - 5.0));
		optim_step(&o, p.mem, g);
		for (size_t i = 0; i < n; i++) {
			if (decay[i])
				w[i] *= 1.0 - 0.01 * 0.1;
			m[i] = 0.9 * m[i] + 0.1 * g[i];
			v[i] = 0.999 * v[i] + 0.001 * (double)g[i] * g[i];
			double mh = m[i] / (1.0 - pow(0.9, step)), vh = v[i] / (1.0 - pow(0.999, step));
			w[i] -= 0.01 * mh / (sqrt(vh) + 1e-8);
		}
	}
	double worst = 0.0;
	for (size_t i = 0; i < n; i++)
		worst = fmax(worst, fabs(w[i] - p.mem[i]));
	ck_assert_msg(worst < 1e-6, "AdamW differs by %g", worst);
	ck_assert_int_eq(o.step, 2);
	/* the no-decay tensors really were left undecayed: ln_1.weight with zero gradient */
	float before = p.mem[t[2].data - p.mem];
	memset(g, 0, n * sizeof *g);
	memset(o.m, 0, 2 * n * sizeof *o.m);
	optim_step(&o, p.mem, g);
	ck_assert_float_eq(p.mem[t[2].data - p.mem], before);
	ck_assert_float_eq_tol(p.mem[0], (float)w[0] * (1.0f - 0.001f), 1e-7f);
	free(decay);
	free(t);
	free(g);
	free(w);
	free(m);
	free(v);
	optim_free(&o);
	model_params_free(&p);
}
END_TEST

START_TEST(clipping_uses_the_global_norm)
{
	struct status st = STATUS_INIT;
	struct model_config mc = gpt2_util_tiny(0);
	struct model_params p;
	ck_assert_int_eq(model_params_alloc(&p, &mc, &st), STATUS_OK);
	struct optim_config c = OPTIM_DEFAULTS;
	struct optim o;
	ck_assert_int_eq(optim_init(&o, &p, &c, &st), STATUS_OK);
	float *g = calloc(p.count, sizeof *g);
	g[0] = 3.0f;
	g[p.count - 1] = 4.0f; /* in different tensors */
	ck_assert_float_eq_tol(optim_clip(&o, g, 10.0f), 5.0f, 1e-6f);
	ck_assert_float_eq(g[0], 3.0f);
	ck_assert_float_eq_tol(optim_clip(&o, g, 1.0f), 5.0f, 1e-6f);
	ck_assert_float_eq_tol(g[0], 0.6f, 1e-6f);
	ck_assert_float_eq_tol(g[p.count - 1], 0.8f, 1e-6f);
	ck_assert_float_eq_tol(optim_clip(&o, g, 0.0f), 1.0f, 1e-6f);
	free(g);
	optim_free(&o);
	model_params_free(&p);
}
END_TEST

/* Abort after the hook has been asked `after` times. */
struct optim_t_abort {
	int asked, after;
};

static int optim_t_abort_cb(void *ctx)
{
	struct optim_t_abort *a = ctx;
	return ++a->asked > a->after;
}

/* The update in slices (of any size, cut short by the abort hook and then
 * completed) gives the same bits as in one piece: three steps with clipping
 * and zeroing each way. */
START_TEST(sliced_and_cancelled_updates_equal_one_piece)
{
	struct status st = STATUS_INIT;
	struct model_config mc = gpt2_util_tiny(0);
	struct model_params p[3];
	struct optim o[3];
	struct optim_config c = OPTIM_DEFAULTS;
	c.lr = 0.01f;
	c.weight_decay = 0.1f;
	for (int k = 0; k < 3; k++) {
		ck_assert_int_eq(model_params_alloc(&p[k], &mc, &st), STATUS_OK);
		gpt2_util_randomize(&p[k], 3);
		ck_assert_int_eq(optim_init(&o[k], &p[k], &c, &st), STATUS_OK);
	}
	size_t n = p[0].count;
	ck_assert_uint_gt(n, 4 * 100);
	float *g = malloc(n * sizeof *g);
	for (int step = 1; step <= 3; step++) {
		for (int k = 0; k < 3; k++) {
			for (size_t i = 0; i < n; i++)
				g[i] = (float)(0.01 * ((double)((i * 7 + (size_t)step * 3) % 11) - 5.0));
			if (k == 0) { /* one piece */
				optim_set_slice(n);
				ck_assert_int_eq(optim_step_zero(&o[k], p[k].mem, g, 0.5f, NULL), STATUS_OK);
			} else if (k == 1) { /* slices of 100 elements, never cut */
				optim_set_slice(100);
				ck_assert_int_eq(optim_step_zero(&o[k], p[k].mem, g, 0.5f, NULL), STATUS_OK);
			} else { /* cut after `step` slices, then completed */
				optim_set_slice(100);
				struct optim_t_abort a = { 0, step };
				struct hooks h = { .abort = optim_t_abort_cb, .ctx = &a };
				ck_assert_int_eq(optim_step_zero(&o[k], p[k].mem, g, 0.5f, &h),
				                 STATUS_CANCELLED);
				ck_assert_int_eq(a.asked, step + 1); /* asked before every slice */
				ck_assert_ptr_nonnull(o[k].pending.w);
				ck_assert_float_ne(g[n - 1], 0.0f); /* the last slice not yet done */
				optim_finish(&o[k]);
				ck_assert_ptr_null(o[k].pending.w);
			}
			for (size_t i = 0; i < n; i++)
				ck_assert_msg(g[i] == 0.0f, "gradient %zu not zeroed", i);
		}
	}
	for (int k = 0; k < 3; k++)
		ck_assert_int_eq(o[k].step, 3);
	for (int k = 1; k < 3; k++) {
		ck_assert_mem_eq(p[k].mem, p[0].mem, n * sizeof *p[0].mem);
		ck_assert_mem_eq(o[k].m, o[0].m, 2 * n * sizeof *o[0].m);
	}
	optim_set_slice(0);
	free(g);
	for (int k = 0; k < 3; k++) {
		optim_free(&o[k]);
		model_params_free(&p[k]);
	}
}
END_TEST

/* The gradient norm asks the abort hook between slices of whole 64K-element
 * chunks (it reads all of g, 0.5 GB on GPT-2 small) and gives the same bits
 * however it is sliced; a stop returns at once. */
START_TEST(norm_asks_the_hook_between_slices)
{
	enum { NG = 5 * 65536 + 123 };
	struct optim o;
	memset(&o, 0, sizeof o);
	o.count = NG;
	float *g = malloc(NG * sizeof *g), whole, sliced = -1.0f;
	for (size_t i = 0; i < NG; i++)
		g[i] = (float)(0.001 * ((double)((i * 7919) % 1001) - 500.0));
	whole = optim_norm(&o, g);
	optim_set_slice(65536 + 1); /* rounded up to two chunks: three slices */
	struct optim_t_abort never = { 0, 1000 };
	struct hooks h = { .abort = optim_t_abort_cb, .ctx = &never };
	ck_assert_int_eq(optim_norm_hooks(&o, g, &h, &sliced), STATUS_OK);
	ck_assert_int_eq(never.asked, 3);
	ck_assert_mem_eq(&sliced, &whole, sizeof whole);
	struct optim_t_abort stop = { 0, 1 };
	h.ctx = &stop;
	sliced = -1.0f;
	ck_assert_int_eq(optim_norm_hooks(&o, g, &h, &sliced), STATUS_CANCELLED);
	ck_assert_int_eq(stop.asked, 2); /* after the first slice */
	ck_assert_float_eq(sliced, -1.0f);
	optim_set_slice(0);
	free(g);
}
END_TEST

Suite *harness_suite(void)
{
	Suite *s = suite_create("optim");
	harness_add(s, "schedule",
	            linear_schedule_with_warmup,
	            constant_schedule_with_and_without_warmup,
	            bad_configs_are_named,
	            NULL);
	harness_add(s, "adamw",
	            adamw_matches_hand_computed_steps,
	            clipping_uses_the_global_norm,
	            sliced_and_cancelled_updates_equal_one_piece,
	            norm_asks_the_hook_between_slices,
	            NULL);
	return s;
}
