/* engine/dit: forward and every gradient of random DiTs against PyTorch
 * (tests/fixtures/dit, made by tests/dit_ref.py in float64) to 1e-4
 * relative, an image reward model's scores among them; the null condition;
 * config.json written and read back; the errors of a text pass on an image
 * model, of a reward DiT's and a noise DiT's passes swapped, and of
 * config.json keys. */
#include "config.h"

#include "tests/harness.h"
#include "engine/checkpoint.h"
#include "engine/decoder.h"
#include "engine/dit.h"
#include "engine/init.h"
#include "engine/safetensors.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define TOL 1e-4

static char *fx(const char *name, const char *file)
{
	static char path[4][4096];
	static int k;
	k = (k + 1) % 4;
	snprintf(path[k], sizeof path[k], "%s/tests/fixtures/dit/%s%s%s", harness_srcdir(), name,
	         file ? "/" : "", file ? file : "");
	return path[k];
}

static float *st_get(const struct safetensors *f, const char *name, size_t *n)
{
	const struct safetensors_tensor *t = safetensors_find(f, name);
	if (!t)
		return NULL;
	size_t k = (size_t)safetensors_numel(t);
	float *v = malloc((k ? k : 1) * sizeof *v);
	ck_assert_ptr_nonnull(v);
	safetensors_to_f32(t, v);
	if (n)
		*n = k;
	return v;
}

/* max|got - want| / max|want| */
static double rel_err(const float *got, const float *want, size_t n)
{
	double diff = 0.0, big = 0.0;
	for (size_t i = 0; i < n; i++) {
		double d = fabs((double)got[i] - want[i]);
		diff = isnan(d) ? INFINITY : fmax(diff, d);
		big = fmax(big, fabs(want[i]));
	}
	return diff / fmax(big, 1e-8);
}

struct fixture {
	struct model_params p;
	struct safetensors *in, *ref;
	float *x, *t, *cond, *drop, *deps;
	unsigned char *dropb;
	size_t B, D;
};

static void fixture_open(struct fixture *f, const char *name)
{
	struct status st = STATUS_INIT;
	memset(f, 0, sizeof *f);
	ck_assert_msg(checkpoint_load(fx(name, NULL), &f->p, NULL, &st) == STATUS_OK, "%s", st.msg);
	ck_assert(model_is_image(&f->p.cfg));
	ck_assert_int_eq(safetensors_open(fx(name, "inputs.safetensors"), &f->in, &st), STATUS_OK);
	ck_assert_int_eq(safetensors_open(fx(name, "ref.safetensors"), &f->ref, &st), STATUS_OK);
	f->x = st_get(f->in, "x", NULL);
	f->t = st_get(f->in, "t", &f->B);
	f->cond = st_get(f->in, "cond", NULL);
	f->drop = st_get(f->in, "drop", NULL);
	f->deps = st_get(f->in, "deps", NULL);
	f->D = (size_t)(f->p.cfg.in_channels * f->p.cfg.image_size * f->p.cfg.image_size);
	f->dropb = calloc(f->B, 1);
	for (size_t b = 0; b < f->B; b++)
		f->dropb[b] = f->drop[b] > 0.5f;
}

static void fixture_close(struct fixture *f)
{
	free(f->x);
	free(f->t);
	free(f->cond);
	free(f->drop);
	free(f->deps);
	free(f->dropb);
	safetensors_close(f->in);
	safetensors_close(f->ref);
	model_params_free(&f->p);
}

static void check_fixture(const char *name)
{
	struct fixture f;
	struct status st = STATUS_INIT;
	fixture_open(&f, name);
	struct model_params g;
	ck_assert_int_eq(model_params_alloc(&g, &f.p.cfg, &st), STATUS_OK);
	struct model_pass *m;
	ck_assert_int_eq(model_pass_new(&m, &f.p, 1, &st), STATUS_OK);
	ck_assert_uint_eq(m->image_dim, f.D);
	struct model_image_batch b = { .B = f.B, .x = f.x, .t = f.t, .cond = f.cond, .drop = f.dropb };
	size_t n, labels = (size_t)f.p.cfg.num_labels;
	float *eps;
	double e;
	if (labels) {
		/* an image reward model: scores [B, labels] */
		ck_assert_msg(model_image_score(m, f.p.mem, &b, NULL, &st) == STATUS_OK, "%s", st.msg);
		eps = st_get(f.ref, "scores", &n);
		ck_assert_uint_eq(n, f.B * labels);
		ck_assert_ptr_null(m->eps);
		e = rel_err(m->scores, eps, n);
	} else {
		ck_assert_msg(model_image_forward(m, f.p.mem, &b, NULL, &st) == STATUS_OK, "%s", st.msg);
		eps = st_get(f.ref, "eps", &n);
		ck_assert_uint_eq(n, f.B * f.D);
		e = rel_err(m->eps, eps, n);
	}
	ck_assert_msg(e <= TOL, "%s: eps relative error %g", name, e);
	ck_assert_msg(model_image_backward(m, f.p.mem, g.mem, f.deps, NULL, &st) == STATUS_OK, "%s",
	              st.msg);
	size_t nt = model_params_describe(&g, NULL);
	struct model_tensor *t = calloc(nt, sizeof *t);
	model_params_describe(&g, t);
	double worst = 0.0;
	for (size_t i = 0; i < nt; i++) {
		char key[MODEL_NAME_MAX + 8];
		snprintf(key, sizeof key, "grad.%s", t[i].name);
		size_t k;
		float *want = st_get(f.ref, key, &k);
		ck_assert_msg(want != NULL, "%s: no %s in the reference", name, key);
		ck_assert_uint_eq(k, (size_t)t[i].shape[0] * (t[i].ndim > 1 ? (size_t)t[i].shape[1] : 1));
		double r = rel_err(t[i].data, want, k);
		ck_assert_msg(r <= TOL, "%s: %s relative error %g", name, key, r);
		worst = fmax(worst, r);
		free(want);
	}
	/* every tensor of the reference was compared: names and count agree */
	ck_assert_uint_eq(safetensors_count(f.ref), nt + 1);
	printf("# %s: output %.2g, worst gradient %.2g\n", name, e, worst);
	free(t);
	free(eps);
	model_pass_free(m);
	model_params_free(&g);
	fixture_close(&f);
}

START_TEST(torch_conditioned) { check_fixture("dit-cond"); } END_TEST
START_TEST(torch_32) { check_fixture("dit-32"); } END_TEST
START_TEST(torch_reward) { check_fixture("dit-rm"); } END_TEST

/* A reward DiT and a noise DiT each refuse the other's pass, and
 * config.json says which it is, read back the same. */
START_TEST(reward_kinds)
{
	struct status st = STATUS_INIT;
	struct model_params p;
	ck_assert_int_eq(checkpoint_load(fx("dit-rm", NULL), &p, NULL, &st), STATUS_OK);
	ck_assert_int_eq(p.cfg.num_labels, 1);
	struct model_pass *m;
	ck_assert_int_eq(model_pass_new(&m, &p, 0, &st), STATUS_OK);
	float x[3 * 16 * 16] = { 0 }, t = 0;
	struct model_image_batch b = { .B = 1, .x = x, .t = &t };
	ck_assert_int_eq(model_image_forward(m, p.mem, &b, NULL, &st), STATUS_UNSUPPORTED);
	ck_assert_msg(strstr(st.msg, "an image reward model (DiT) scores images"), "%s", st.msg);
	ck_assert_int_eq(model_want_denoiser(&p.cfg, "rm", &st), STATUS_UNSUPPORTED);
	ck_assert_msg(strstr(st.msg, "rm: an image reward model (DiT) scores images; it draws none"),
	              "%s", st.msg);
	ck_assert_int_eq(model_image_score(m, p.mem, &b, NULL, &st), STATUS_OK);
	ck_assert(isfinite(m->scores[0]));
	model_pass_free(m);
	/* written and read back */
	char dir[4096];
	snprintf(dir, sizeof dir, "%s/rm-copy", harness_tmpdir());
	struct checkpoint_save_opts so = { 0 };
	ck_assert_msg(checkpoint_save(dir, &p, &so, &st) == STATUS_OK, "%s", st.msg);
	struct model_params q;
	ck_assert_msg(checkpoint_load(dir, &q, NULL, &st) == STATUS_OK, "%s", st.msg);
	ck_assert_int_eq(q.cfg.num_labels, 1);
	ck_assert_uint_eq(q.count, p.count);
	ck_assert_int_eq(memcmp(q.mem, p.mem, p.count * sizeof *p.mem), 0);
	model_params_free(&q);
	/* a noise model refuses to score */
	ck_assert_int_eq(checkpoint_load(fx("dit-32", NULL), &q, NULL, &st), STATUS_OK);
	ck_assert_int_eq(model_want_denoiser(&q.cfg, "dit", &st), STATUS_OK);
	ck_assert_int_eq(model_pass_new(&m, &q, 0, &st), STATUS_OK);
	float x32[3 * 32 * 32] = { 0 };
	b.x = x32;
	ck_assert_int_eq(model_image_score(m, q.mem, &b, NULL, &st), STATUS_UNSUPPORTED);
	ck_assert_msg(strstr(st.msg, "not an image reward model"), "%s", st.msg);
	model_pass_free(m);
	model_params_free(&q);
	model_params_free(&p);
}
END_TEST

/* A dropped row equals the same row with no condition at all, and the
 * condition changes what a kept row predicts. */
START_TEST(null_condition)
{
	struct fixture f;
	struct status st = STATUS_INIT;
	fixture_open(&f, "dit-cond");
	struct model_pass *m;
	ck_assert_int_eq(model_pass_new(&m, &f.p, 0, &st), STATUS_OK);
	unsigned char all[3] = { 1, 1, 1 }, none[3] = { 0, 0, 0 };
	ck_assert_uint_eq(f.B, 3);
	struct model_image_batch b = { .B = 3, .x = f.x, .t = f.t, .cond = f.cond, .drop = all };
	ck_assert_int_eq(model_image_forward(m, f.p.mem, &b, NULL, &st), STATUS_OK);
	float *dropped = malloc(3 * f.D * sizeof *dropped);
	memcpy(dropped, m->eps, 3 * f.D * sizeof *dropped);
	b.cond = NULL;
	b.drop = NULL;
	ck_assert_int_eq(model_image_forward(m, f.p.mem, &b, NULL, &st), STATUS_OK);
	ck_assert_mem_eq(dropped, m->eps, 3 * f.D * sizeof *dropped);
	b.cond = f.cond;
	b.drop = none;
	ck_assert_int_eq(model_image_forward(m, f.p.mem, &b, NULL, &st), STATUS_OK);
	ck_assert(rel_err(m->eps, dropped, f.D) > 1e-3);
	free(dropped);
	model_pass_free(m);
	fixture_close(&f);
}
END_TEST

/* A fresh DiT (adaLN-zero) saves and loads back bit for bit, config and all;
 * its blocks start as the identity, so it predicts zero noise. */
START_TEST(save_load)
{
	struct status st = STATUS_INIT;
	struct model_config c = { .n_layer = 2, .n_head = 2, .n_embd = 32, .cond_dim = 3,
	                          .schedule = MODEL_SCHEDULE_COSINE };
	ck_assert_int_eq(model_config_set_type(&c, "dit", &st), STATUS_OK);
	ck_assert_int_eq(c.n_positions, 64);
	ck_assert_int_eq(c.n_inner, 128);
	struct model_params p, q;
	ck_assert_int_eq(model_params_alloc(&p, &c, &st), STATUS_OK);
	struct rng r;
	rng_seed(&r, 3);
	init_model(&p, &r, 0.02f);
	char dir[4096];
	snprintf(dir, sizeof dir, "%s/fresh", harness_tmpdir());
	ck_assert_msg(checkpoint_save(dir, &p, NULL, &st) == STATUS_OK, "%s", st.msg);
	ck_assert_msg(checkpoint_load(dir, &q, NULL, &st) == STATUS_OK, "%s", st.msg);
	ck_assert_uint_eq(q.count, p.count);
	ck_assert_mem_eq(q.mem, p.mem, p.count * sizeof *p.mem);
	ck_assert_int_eq(q.cfg.cond_dim, 3);
	ck_assert_int_eq(q.cfg.schedule, MODEL_SCHEDULE_COSINE);
	ck_assert_int_eq(q.cfg.image_size, 32);
	ck_assert_int_eq(q.cfg.patch_size, 4);
	struct model_pass *m;
	ck_assert_int_eq(model_pass_new(&m, &q, 0, &st), STATUS_OK);
	float x[3 * 32 * 32], t = 500, z[3] = { 1, -1, 0.5f };
	for (size_t i = 0; i < sizeof x / sizeof x[0]; i++)
		x[i] = (float)sin((double)i);
	struct model_image_batch b = { .B = 1, .x = x, .t = &t, .cond = z };
	ck_assert_int_eq(model_image_forward(m, q.mem, &b, NULL, &st), STATUS_OK);
	for (size_t i = 0; i < sizeof x / sizeof x[0]; i++)
		ck_assert(m->eps[i] == 0.0f);
	model_pass_free(m);
	model_params_free(&p);
	model_params_free(&q);
}
END_TEST

/* Text passes on an image model, and image passes on a text model: one
 * error each, saying which the model is. */
START_TEST(wrong_kind)
{
	struct fixture f;
	struct status st = STATUS_INIT;
	fixture_open(&f, "dit-cond");
	struct model_pass *m;
	ck_assert_int_eq(model_pass_new(&m, &f.p, 1, &st), STATUS_OK);
	int tok[2] = { 1, 2 };
	ck_assert_int_eq(model_forward(m, f.p.mem, tok, 1, 2, NULL, NULL, &st), STATUS_UNSUPPORTED);
	ck_assert_msg(strstr(st.msg, "an image model (DiT)") != NULL, "%s", st.msg);
	struct decoder d;
	ck_assert_int_eq(decoder_init(&d, &f.p, 1, 8, &st), STATUS_UNSUPPORTED);
	ck_assert_msg(strstr(st.msg, "does not generate text") != NULL, "%s", st.msg);
	model_pass_free(m);
	fixture_close(&f);

	struct model_config c = { .n_layer = 1, .n_head = 2, .n_embd = 8, .n_inner = 16,
	                          .n_positions = 8, .vocab_size = 10, .layer_norm_epsilon = 1e-5f,
	                          .bos_token_id = -1, .eos_token_id = -1, .pad_token_id = -1 };
	struct model_params p;
	ck_assert_int_eq(model_params_alloc(&p, &c, &st), STATUS_OK);
	ck_assert_int_eq(model_pass_new(&m, &p, 0, &st), STATUS_OK);
	float x[3] = { 0 }, t = 0;
	struct model_image_batch b = { .B = 1, .x = x, .t = &t };
	ck_assert_int_eq(model_image_forward(m, p.mem, &b, NULL, &st), STATUS_UNSUPPORTED);
	ck_assert_msg(strstr(st.msg, "a GPT-2 model is a text model") != NULL, "%s", st.msg);
	model_pass_free(m);
	model_params_free(&p);
}
END_TEST

static void config_error(const char *json, const char *want)
{
	struct model_config c;
	struct status st = STATUS_INIT;
	ck_assert_int_ne(checkpoint_config_parse(json, strlen(json), "config.json", &c, &st), STATUS_OK);
	ck_assert_msg(strstr(st.msg, want) != NULL, "'%s' lacks '%s'", st.msg, want);
}

START_TEST(config_errors)
{
	config_error("{\"model_type\": \"dit\", \"depth\": 1, \"num_heads\": 2, \"intermediate_size\": 8}",
	             "config.json: key 'hidden_size' is missing");
	config_error("{\"model_type\": \"dit\", \"hidden_size\": 9, \"depth\": 1, \"num_heads\": 2, "
	             "\"intermediate_size\": 8}", "hidden_size 9 is not divisible by num_heads 2");
	config_error("{\"model_type\": \"dit\", \"hidden_size\": 8, \"depth\": 1, \"num_heads\": 2, "
	             "\"intermediate_size\": 8, \"patch_size\": 5}",
	             "sample_size 32 is not divisible by patch_size 5");
	config_error("{\"model_type\": \"dit\", \"hidden_size\": 8, \"depth\": 1, \"num_heads\": 2, "
	             "\"intermediate_size\": 8, \"beta_schedule\": \"sigmoid\"}", "beta_schedule");
	config_error("{\"model_type\": \"dit\", \"hidden_size\": 8, \"depth\": 1, \"num_heads\": 2, "
	             "\"intermediate_size\": 8, \"prediction_type\": \"v_prediction\"}",
	             "prediction_type");
	config_error("{\"model_type\": \"dit\", \"hidden_size\": 8, \"depth\": 1, \"num_heads\": 2, "
	             "\"intermediate_size\": 8, \"beta_start\": 1e300}",
	             "beta_start 1e+300 and beta_end 0.02 must satisfy 0 < beta_start < beta_end < 1");
	config_error("{\"model_type\": \"dit\", \"hidden_size\": 8, \"depth\": 1, \"num_heads\": 2, "
	             "\"intermediate_size\": 8, \"architectures\": [\"RicDiT\"], \"num_labels\": 1}",
	             "num_labels 1 does not fit architectures \"RicDiT\"");
}
END_TEST

Suite *harness_suite(void)
{
	Suite *s = suite_create("dit");
	harness_add(s, "torch", torch_conditioned, torch_32, torch_reward, NULL);
	harness_add(s, "model", null_condition, save_load, wrong_kind, config_errors, reward_kinds,
	            NULL);
	return s;
}
