/* engine/lora on GPT-2 (Conv1D, PEFT's fan_in_fan_out): the adapter's
 * gradient against central finite differences of the loss, and the errors of
 * a bad adapter_config.json. */
#include "config.h"

#include "tests/harness.h"
#include "tests/gpt2_util.h"
#include "engine/checkpoint.h"
#include "engine/decoder.h"
#include "engine/gpt2.h"
#include "engine/lora.h"
#include "engine/safetensors.h"
#include "engine/train.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Writes a rank-2 adapter over every linear layer of the tiny GPT-2 into a
 * fresh folder, with the "transformer." prefix PEFT writes for GPT2LMHeadModel;
 * with head, a reward head in PEFT's modules_to_save form (0.25 everywhere). */
static const char *write_adapter_head(const struct model_params *p, const char *config, int head)
{

	static char dir[4096];
	snprintf(dir, sizeof dir, "%s/ad", harness_tmpdir());
	char path[4200];
	snprintf(path, sizeof path, "mkdir -p '%s'", dir);
	ck_assert_int_eq(system(path), 0);
	snprintf(path, sizeof path, "%s/%s", dir, LORA_CONFIG);
	FILE *f = fopen(path, "w");
	ck_assert_ptr_nonnull(f);
	fputs(config, f);
	fclose(f);
	struct safetensors_writer *w = safetensors_writer_new();
	struct status st = STATUS_INIT;
	const size_t C = (size_t)p->cfg.n_embd, I = (size_t)p->cfg.n_inner, r = 2;
	static const char *const mods[] = { "attn.c_attn", "attn.c_proj", "mlp.c_fc", "mlp.c_proj" };
	const size_t in[] = { C, C, C, I }, out[] = { 3 * C, C, I, C };
	unsigned seed = 7;
	for (int l = 0; l < p->cfg.n_layer; l++)
		for (int k = 0; k < 4; k++) {
			char name[128];
			float *a = gpt2_util_uniform(r * in[k], seed++), *b = gpt2_util_uniform(out[k] * r, seed++);
			int64_t sa[2] = { (int64_t)r, (int64_t)in[k] }, sb[2] = { (int64_t)out[k], (int64_t)r };
			snprintf(name, sizeof name, "base_model.model.transformer.h.%d.%s.lora_A.weight", l, mods[k]);
			ck_assert_int_eq(safetensors_writer_add(w, name, ST_F32, 2, sa, a, &st), STATUS_OK);
			snprintf(name, sizeof name, "base_model.model.transformer.h.%d.%s.lora_B.weight", l, mods[k]);
			ck_assert_int_eq(safetensors_writer_add(w, name, ST_F32, 2, sb, b, &st), STATUS_OK);
			free(a);
			free(b);
		}
	if (head) {
		size_t n = (size_t)p->cfg.num_labels * C;
		float *v = malloc(n * sizeof *v);
		for (size_t i = 0; i < n; i++)
			v[i] = 0.25f;
		int64_t sh[2] = { p->cfg.num_labels, (int64_t)C };
		ck_assert_int_eq(safetensors_writer_add(w, "base_model.model.score.modules_to_save.weight",
		                                        ST_F32, 2, sh, v, &st), STATUS_OK);
		ck_assert_int_eq(safetensors_writer_add(w, "base_model.model.score.original_module.weight",
		                                        ST_F32, 2, sh, p->score, &st), STATUS_OK);
		free(v);
	}
	snprintf(path, sizeof path, "%s/%s", dir, LORA_WEIGHTS);
	ck_assert_int_eq(safetensors_writer_save(w, path, &st), STATUS_OK);
	safetensors_writer_free(w);
	return dir;
}

static const char *write_adapter(const struct model_params *p, const char *config)
{
	return write_adapter_head(p, config, 0);
}

static const char config_ok[] =
	"{\"peft_type\": \"LORA\", \"r\": 2, \"lora_alpha\": 3, \"fan_in_fan_out\": true,"
	" \"target_modules\": \"all-linear\", \"bias\": \"none\", \"task_type\": \"CAUSAL_LM\"}";

static const int tokens[] = { 1, 5, 9, 3, 0, 2, 7, 10, 4, 4, 6, 8 };
static const int targets[] = { 5, 9, 3, 0, 2, 7, 10, -100, 4, 6, 8, 1 };

/* Mean cross-entropy of base with the adapter merged in; with g, its gradient too. */
static double merged_loss(const struct model_params *base, const struct lora *l,
                          struct model_params *g)
{
	struct status st = STATUS_INIT;
	struct model_params m;
	struct model_pass *a = NULL;
	ck_assert_int_eq(model_params_alloc(&m, &base->cfg, &st), STATUS_OK);
	memcpy(m.mem, base->mem, base->count * sizeof *m.mem);
	lora_merge(l, &m);
	ck_assert_int_eq(model_pass_new(&a, &m, g != NULL, &st), STATUS_OK);
	ck_assert_int_eq(model_forward(a, m.mem, tokens, 2, 6, targets, NULL, &st), STATUS_OK);
	double loss = a->loss_sum / (double)a->count;
	if (g)
		ck_assert_int_eq(model_backward(a, m.mem, g->mem, tokens, targets,
		                                1.0f / (float)a->count, NULL, NULL, &st), STATUS_OK);
	model_pass_free(a);
	model_params_free(&m);
	return loss;
}

START_TEST(gpt2_adapter_gradient_matches_finite_differences)
{
	struct status st = STATUS_INIT;
	struct model_config c = gpt2_util_tiny(0);
	struct model_params p, g;
	ck_assert_int_eq(model_params_alloc(&p, &c, &st), STATUS_OK);
	ck_assert_int_eq(model_params_alloc(&g, &c, &st), STATUS_OK);
	gpt2_util_randomize(&p, 3);
	struct lora l;
	ck_assert_msg(lora_load(write_adapter(&p, config_ok), &p, &l, &st) == STATUS_OK, "%s", st.msg);
	ck_assert_uint_eq(l.n, 4u * (size_t)c.n_layer);
	ck_assert(fabsf(l.scale - 1.5f) < 1e-7f);
	merged_loss(&p, &l, &g);
	float *ga = calloc(l.count, sizeof *ga);
	lora_grads_from_full(&l, &g, ga);
	double gmax = 0;
	for (size_t i = 0; i < l.count; i++)
		gmax = fmax(gmax, fabs(ga[i]));
	ck_assert(gmax > 1e-3);
	/* every 5th adapter entry, A and B of every layer */
	const float eps = 1e-2f;
	size_t checked = 0;
	for (size_t i = 0; i < l.count; i += 5) {
		float keep = l.mem[i];
		l.mem[i] = keep + eps;
		double up = merged_loss(&p, &l, NULL);
		l.mem[i] = keep - eps;
		double down = merged_loss(&p, &l, NULL);
		l.mem[i] = keep;
		double fd = (up - down) / (2.0 * eps);
		ck_assert_msg(fabs(fd - ga[i]) <= 2e-3 * gmax + 2e-2 * fabs(fd),
		              "entry %zu: finite difference %g, gradient %g", i, fd, (double)ga[i]);
		checked++;
	}
	ck_assert_uint_gt(checked, 50);
	free(ga);
	lora_free(&l);
	model_params_free(&g);
	model_params_free(&p);
}
END_TEST

/* The training path in double (engine/lora_run.h: base frozen and unmerged,
 * s (x A^T) B^T beside each layer): the loss and the adapter's gradient. */
struct lora_f64 {
	struct gpt2_layout lay;
	struct gpt2_acts_f64 a;
	struct lora_run_f64 run;
	struct lora_view v;
	double *w, *aw, *ag;
	size_t na;
};

static double lora_f64_loss(struct lora_f64 *f, int grad)
{
	struct status st = STATUS_INIT;
	f->a.lora = &f->run;
	f->run.v = &f->v;
	f->run.w = f->aw;
	f->run.g = grad ? f->ag : NULL;
	ck_assert_int_eq(gpt2_forward_f64(&f->lay, f->w, &f->a, tokens, 2, 6, targets, NULL, &st),
	                 STATUS_OK);
	double loss = f->a.loss_sum / (double)f->a.count;
	if (grad) {
		memset(f->ag, 0, f->na * sizeof *f->ag);
		ck_assert_int_eq(gpt2_backward_f64(&f->lay, f->w, NULL, &f->a, tokens, targets,
		                                   1.0 / (double)f->a.count, NULL, NULL, &st), STATUS_OK);
	}
	return loss;
}

START_TEST(gpt2_training_path_gradient_matches_finite_differences_in_double)
{
	struct status st = STATUS_INIT;
	struct model_config c = gpt2_util_tiny(0);
	struct model_params p;
	ck_assert_int_eq(model_params_alloc(&p, &c, &st), STATUS_OK);
	gpt2_util_randomize(&p, 3);
	struct lora l;
	/* dropout off: finite differences need one function */
	ck_assert_msg(lora_load(write_adapter(&p, config_ok), &p, &l, &st) == STATUS_OK, "%s", st.msg);
	struct lora_f64 f = { 0 };
	ck_assert_int_eq(gpt2_layout_init(&f.lay, &p, &st), STATUS_OK);
	gpt2_acts_init_f64(&f.a, 1);
	ck_assert_int_eq(lora_view_init(&f.v, &l, &p, &st), STATUS_OK);
	f.na = l.count;
	f.w = malloc(p.count * sizeof *f.w);
	f.aw = malloc(f.na * sizeof *f.aw);
	f.ag = malloc(f.na * sizeof *f.ag);
	for (size_t i = 0; i < p.count; i++)
		f.w[i] = p.mem[i];
	for (size_t i = 0; i < f.na; i++)
		f.aw[i] = l.mem[i];
	lora_f64_loss(&f, 1);
	double gmax = 0;
	for (size_t i = 0; i < f.na; i++)
		gmax = fmax(gmax, fabs(f.ag[i]));
	ck_assert(gmax > 1e-3);
	const double eps = 1e-5;
	size_t checked = 0;
	for (size_t i = 0; i < f.na; i += 3) {
		double keep = f.aw[i];
		f.aw[i] = keep + eps;
		double up = lora_f64_loss(&f, 0);
		f.aw[i] = keep - eps;
		double down = lora_f64_loss(&f, 0);
		f.aw[i] = keep;
		double fd = (up - down) / (2 * eps);
		ck_assert_msg(fabs(fd - f.ag[i]) <= 1e-7 * gmax + 1e-6 * fabs(fd),
		              "entry %zu: finite difference %.12g, gradient %.12g", i, fd, f.ag[i]);
		checked++;
	}
	ck_assert_uint_gt(checked, 100);
	/* the base got no gradient buffer at all, and its weights are as they were */
	for (size_t i = 0; i < p.count; i++)
		ck_assert(f.w[i] == (double)p.mem[i]);
	lora_run_free_f64(&f.run);
	gpt2_acts_free_f64(&f.a);
	gpt2_layout_free(&f.lay);
	lora_view_free(&f.v);
	free(f.w);
	free(f.aw);
	free(f.ag);
	lora_free(&l);
	model_params_free(&p);
}
END_TEST

/* The float training path (model_pass_set_lora, model_backward with no base
 * gradient) against the gradient of the merged weights folded onto A and B,
 * and its forward against the merged model's. */
START_TEST(gpt2_training_path_matches_the_merged_model)
{
	struct status st = STATUS_INIT;
	struct model_config c = gpt2_util_tiny(0);
	struct model_params p, g;
	ck_assert_int_eq(model_params_alloc(&p, &c, &st), STATUS_OK);
	ck_assert_int_eq(model_params_alloc(&g, &c, &st), STATUS_OK);
	gpt2_util_randomize(&p, 4);
	struct lora l;
	ck_assert_msg(lora_load(write_adapter(&p, config_ok), &p, &l, &st) == STATUS_OK, "%s", st.msg);
	double want = merged_loss(&p, &l, &g);
	float *ref = calloc(l.count, sizeof *ref), *ga = calloc(l.count, sizeof *ga);
	lora_grads_from_full(&l, &g, ref);
	struct lora_view v;
	struct model_pass *a = NULL;
	ck_assert_int_eq(lora_view_init(&v, &l, &p, &st), STATUS_OK);
	ck_assert_int_eq(model_pass_new(&a, &p, 1, &st), STATUS_OK);
	ck_assert_int_eq(model_pass_set_lora(a, &v, l.mem, ga, &st), STATUS_OK);
	ck_assert_int_eq(model_forward(a, p.mem, tokens, 2, 6, targets, NULL, &st), STATUS_OK);
	double got = a->loss_sum / (double)a->count;
	ck_assert_msg(fabs(got - want) < 1e-5 * fabs(want), "loss %g, merged %g", got, want);
	ck_assert_int_eq(model_backward(a, p.mem, NULL, tokens, targets, 1.0f / (float)a->count, NULL,
	                                NULL, &st), STATUS_OK);
	double gmax = 0;
	for (size_t i = 0; i < l.count; i++)
		gmax = fmax(gmax, fabs(ref[i]));
	for (size_t i = 0; i < l.count; i++)
		ck_assert_msg(fabs(ga[i] - ref[i]) <= 1e-4 * gmax, "entry %zu: %g, merged %g", i,
		              (double)ga[i], (double)ref[i]);
	/* a backward with neither base gradients nor an adapter is refused */
	ck_assert_int_eq(model_pass_set_lora(a, NULL, NULL, NULL, &st), STATUS_OK);
	ck_assert_int_eq(model_backward(a, p.mem, NULL, tokens, targets, 1.0f, NULL, NULL, &st),
	                 STATUS_INTERNAL);
	model_pass_free(a);
	lora_view_free(&v);
	free(ref);
	free(ga);
	lora_free(&l);
	model_params_free(&g);
	model_params_free(&p);
}
END_TEST

/* lora_create + lora_save write what lora_load reads back, bit for bit;
 * the new adapter starts at the base (B zero); bad options name the option. */
START_TEST(created_adapters_save_and_load_back)
{
	struct status st = STATUS_INIT;
	struct model_config c = gpt2_util_tiny(1);
	struct model_params p;
	ck_assert_int_eq(model_params_alloc(&p, &c, &st), STATUS_OK);
	gpt2_util_randomize(&p, 6);
	struct lora l, back;
	struct lora_spec spec = { .r = 3, .alpha = 6, .targets = "c_attn,c_fc", .train_score = 1,
	                          .base_path = "/nowhere/base", .seed = 1 };
	ck_assert_msg(lora_create(&l, &p, &spec, &st) == STATUS_OK, "%s", st.msg);
	ck_assert_uint_eq(l.n, 2u * (size_t)c.n_layer);
	ck_assert_uint_eq(l.n_saved, 1);
	for (size_t i = 0; i < l.n; i++)
		for (size_t k = 0; k < l.m[i].out * 3; k++)
			ck_assert(l.m[i].B[k] == 0.0f);
	for (size_t i = 0; i < l.count; i++) /* training moved it */
		l.mem[i] += 0.01f * (float)(i % 7);
	char dir[4200];
	snprintf(dir, sizeof dir, "%s/made", harness_tmpdir());
	char cmd[4300];
	snprintf(cmd, sizeof cmd, "mkdir -p '%s'", dir);
	ck_assert_int_eq(system(cmd), 0);
	ck_assert_msg(lora_save(&l, &p, dir, &st) == STATUS_OK, "%s", st.msg);
	ck_assert_msg(lora_load(dir, &p, &back, &st) == STATUS_OK, "%s", st.msg);
	ck_assert_int_eq(back.r, 3);
	ck_assert(back.alpha == 6.0);
	ck_assert_str_eq(back.base_path, "/nowhere/base");
	ck_assert_str_eq(back.task_type, "SEQ_CLS");
	ck_assert_int_eq(back.fan_in_fan_out, 1);
	ck_assert_int_eq(lora_make_trainable(&back, &p, 1, &st), STATUS_OK);
	ck_assert_uint_eq(back.count, l.count);
	ck_assert_int_eq(memcmp(back.mem, l.mem, l.count * sizeof *l.mem), 0);
	lora_free(&back);
	lora_free(&l);
	spec.r = 0;
	ck_assert_int_eq(lora_create(&l, &p, &spec, &st), STATUS_INVALID);
	ck_assert_ptr_nonnull(strstr(st.msg, "--lora-rank 0"));
	spec.r = 2;
	spec.alpha = 0;
	ck_assert_int_eq(lora_create(&l, &p, &spec, &st), STATUS_INVALID);
	ck_assert_ptr_nonnull(strstr(st.msg, "--lora-alpha 0"));
	spec.alpha = 4;
	spec.targets = "c_attn,q_proj";
	ck_assert_int_eq(lora_create(&l, &p, &spec, &st), STATUS_FORMAT);
	ck_assert_msg(strstr(st.msg, "--lora-targets: 'q_proj' is not a linear layer of this GPT-2 "
	                             "model (c_attn, c_proj, c_fc)") != NULL, "%s", st.msg);
	model_params_free(&p);
}
END_TEST

START_TEST(modules_to_save_replace_the_reward_head)
{
	struct status st = STATUS_INIT;
	struct model_config c = gpt2_util_tiny(2);
	struct model_params p;
	ck_assert_int_eq(model_params_alloc(&p, &c, &st), STATUS_OK);
	gpt2_util_randomize(&p, 5);
	struct lora l;
	ck_assert_msg(lora_load(write_adapter_head(&p, config_ok, 1), &p, &l, &st) == STATUS_OK, "%s",
	              st.msg);
	ck_assert_uint_eq(l.n_saved, 1);
	ck_assert(p.score[3] != 0.25f);
	lora_merge(&l, &p);
	for (size_t i = 0; i < 2 * (size_t)c.n_embd; i++)
		ck_assert(p.score[i] == 0.25f);
	lora_free(&l);
	model_params_free(&p);
}
END_TEST

START_TEST(bad_configs_are_named)
{
	struct status st = STATUS_INIT;
	struct model_config c = gpt2_util_tiny(0);
	struct model_params p;
	ck_assert_int_eq(model_params_alloc(&p, &c, &st), STATUS_OK);
	struct lora l;
	const char *dir = write_adapter(&p, "{\"peft_type\": \"LORA\", \"r\": 2, \"target_modules\": [\"q_proj\"]}");
	ck_assert_int_eq(lora_load(dir, &p, &l, &st), STATUS_FORMAT);
	ck_assert_ptr_nonnull(strstr(st.msg, "adapter_config.json: key 'target_modules': 'q_proj' is not "
	                                     "a linear layer of this GPT-2 model (c_attn, c_proj, c_fc)"));
	dir = write_adapter(&p, "{\"peft_type\": \"PREFIX_TUNING\", \"r\": 2}");
	ck_assert_int_eq(lora_load(dir, &p, &l, &st), STATUS_FORMAT);
	ck_assert_ptr_nonnull(strstr(st.msg, "key 'peft_type' = \"PREFIX_TUNING\""));
	dir = write_adapter(&p, "{\"peft_type\": \"LORA\", \"r\": 0, \"target_modules\": \"all-linear\"}");
	ck_assert_int_eq(lora_load(dir, &p, &l, &st), STATUS_FORMAT);
	ck_assert_ptr_nonnull(strstr(st.msg, "key 'r': the rank must be"));
	/* c_proj alone: the c_attn and c_fc tensors of the file are not targeted */
	dir = write_adapter(&p, "{\"peft_type\": \"LORA\", \"r\": 2, \"target_modules\": [\"c_proj\"]}");
	ck_assert_int_eq(lora_load(dir, &p, &l, &st), STATUS_FORMAT);
	ck_assert_ptr_nonnull(strstr(st.msg, "is not the lora_A or lora_B of a layer in target_modules"));
	dir = write_adapter(&p, "{\"peft_type\": \"LORA\", \"r\": 2, \"use_dora\": true, \"target_modules\": \"all-linear\"}");
	ck_assert_int_eq(lora_load(dir, &p, &l, &st), STATUS_UNSUPPORTED);
	ck_assert_ptr_nonnull(strstr(st.msg, "adapter_config.json: key 'use_dora' = true is not supported"));
	dir = write_adapter(&p, "{\"peft_type\": \"LORA\", \"r\": 2, \"rank_pattern\": {\"c_fc\": 4}, \"target_modules\": \"all-linear\"}");
	ck_assert_int_eq(lora_load(dir, &p, &l, &st), STATUS_UNSUPPORTED);
	ck_assert_ptr_nonnull(strstr(st.msg, "key 'rank_pattern'"));
	model_params_free(&p);
}
END_TEST

/* One training pass of adapter l over p: the loss (or the first score)
 * and the adapter's gradient into ga (zeroed first). */
static double bf16_pass(const struct model_params *p, struct lora *l, int recompute, float *ga)
{
	struct status st = STATUS_INIT;
	struct lora_view v;
	struct model_pass *a = NULL;
	memset(ga, 0, l->count * sizeof *ga);
	ck_assert_int_eq(lora_view_init(&v, l, p, &st), STATUS_OK);
	ck_assert_int_eq(model_pass_new(&a, p, 1, &st), STATUS_OK);
	ck_assert(a->frozen == p->frozen);
	a->recompute = recompute;
	ck_assert_int_eq(model_pass_set_lora(a, &v, l->mem, ga, &st), STATUS_OK);
	int lm = p->cfg.num_labels == 0;
	ck_assert_msg(model_forward(a, p->mem, tokens, 2, 6, lm ? targets : NULL, NULL, &st) == STATUS_OK,
	              "%s", st.msg);
	double out = lm ? a->loss_sum / (double)a->count : (double)a->scores[0];
	const float dscores[2] = { 1.0f, -0.5f };
	ck_assert_msg(model_backward(a, p->mem, NULL, tokens, lm ? targets : NULL,
	                             lm ? 1.0f / (float)a->count : 1.0f, lm ? NULL : dscores, NULL,
	                             &st) == STATUS_OK, "%s", st.msg);
	if (p->frozen) { /* a frozen base takes no gradient */
		float *g = calloc(p->count, sizeof *g);
		ck_assert_int_eq(model_backward(a, p->mem, g, tokens, lm ? targets : NULL, 1.0f,
		                                lm ? NULL : dscores, NULL, &st), STATUS_INVALID);
		ck_assert_ptr_nonnull(strstr(st.msg, "frozen in BF16"));
		free(g);
	}
	model_pass_free(a);
	lora_view_free(&v);
	return out;
}

/* A Llama-family base frozen in BF16 (model_params_freeze_bf16: products
 * widen panels of BF16 rows, no F32 copy of a weight) gives the adapter the
 * gradient the F32 path gives over the same values, for a language model
 * and for a reward model (its score head trained in the adapter); so does
 * recomputing each layer's activations in backward. The F32 matrices are
 * poisoned after freezing: the passes must not read them. */
START_TEST(llama_bf16_base_and_recompute_match_the_f32_path)
{
	for (int labels = 0; labels <= 1; labels++) {
		struct status st = STATUS_INIT;
		struct model_config c = { .n_layer = 2, .n_head = 4, .n_kv_head = 2, .n_embd = 16,
		                          .n_inner = 24, .n_positions = 16, .vocab_size = 11,
		                          .layer_norm_epsilon = 1e-5f, .bos_token_id = 1,
		                          .eos_token_id = 2, .pad_token_id = labels ? 0 : -1,
		                          .num_labels = labels };
		ck_assert_int_eq(model_config_set_type(&c, "qwen2", &st), STATUS_OK); /* q, k, v biases */
		struct model_params p;
		ck_assert_int_eq(model_params_alloc(&p, &c, &st), STATUS_OK);
		gpt2_util_randomize(&p, 21);
		size_t nt = model_params_describe(&p, NULL);
		struct model_tensor *t = calloc(nt, sizeof *t);
		model_params_describe(&p, t);
		for (size_t i = 0; i < nt; i++)
			if (t[i].ndim == 1 && strstr(t[i].name, "norm"))
				for (int64_t k = 0; k < t[i].shape[0]; k++)
					t[i].data[k] = 1.0f + 0.5f * t[i].data[k];
		for (size_t i = 0; i < p.count; i++) /* values a BF16 checkpoint holds */
			p.mem[i] = safetensors_bf16_to_f32(safetensors_f32_to_bf16(p.mem[i]));
		struct lora l;
		struct lora_spec spec = { .r = 3, .alpha = 5, .targets = "all-linear",
		                          .train_score = labels, .seed = 2 };
		ck_assert_msg(lora_create(&l, &p, &spec, &st) == STATUS_OK, "%s", st.msg);
		for (size_t i = 0; i < l.count; i++) /* B not zero */
			l.mem[i] = 0.3f * sinf(0.7f * (float)i + 0.1f);
		float *ref = calloc(l.count, sizeof *ref), *ga = calloc(l.count, sizeof *ga);
		double want = bf16_pass(&p, &l, 0, ref), gmax = 0;
		for (size_t i = 0; i < l.count; i++)
			gmax = fmax(gmax, fabs(ref[i]));
		ck_assert(gmax > 1e-3);
		for (int frozen = 0; frozen <= 1; frozen++) {
			if (frozen) {
				ck_assert_int_eq(model_params_freeze_bf16(&p, &st), STATUS_OK);
				ck_assert_ptr_nonnull(p.frozen);
				for (size_t i = 0; i < nt; i++)
					if (t[i].ndim == 2 && strcmp(t[i].name, "score.weight") != 0)
						for (int64_t k = 0; k < t[i].shape[0] * t[i].shape[1]; k++)
							t[i].data[k] = NAN;
			}
			for (int rc = frozen ? 0 : 1; rc <= 1; rc++) {
				double got = bf16_pass(&p, &l, rc, ga);
				ck_assert_msg(fabs(got - want) <= 1e-5 * fmax(1.0, fabs(want)),
				              "labels %d frozen %d recompute %d: %.9g, F32 %.9g", labels, frozen,
				              rc, got, want);
				for (size_t i = 0; i < l.count; i++)
					ck_assert_msg(fabs(ga[i] - ref[i]) <= 1e-5 * gmax,
					              "labels %d frozen %d recompute %d: entry %zu %g, F32 %g", labels,
					              frozen, rc, i, (double)ga[i], (double)ref[i]);
			}
		}
		free(ref);
		free(ga);
		free(t);
		lora_free(&l);
		model_params_free(&p);
	}
}
END_TEST

/* Sampling from an adapter over a base frozen in BF16 (online): the decoding
 * weights lora_decode_weights builds slice by slice from the BF16 base and
 * the adapter are those of the merged F32 copy (BF16 and int8: the same
 * bytes, the same logits), with the F32 matrices poisoned after freezing:
 * they are never read. (Here each matrix is one slice of about a million
 * values; a slice's rows of B are the only part that depends on where it
 * starts.) */
START_TEST(llama_decoding_weights_over_a_bf16_base_match_the_merged_copy)
{
	struct status st = STATUS_INIT;
	struct model_config c = { .n_layer = 2, .n_head = 4, .n_kv_head = 2, .n_embd = 64,
	                          .n_inner = 96, .n_positions = 16, .vocab_size = 300,
	                          .layer_norm_epsilon = 1e-5f, .bos_token_id = 1,
	                          .eos_token_id = 2, .pad_token_id = -1 };
	ck_assert_int_eq(model_config_set_type(&c, "qwen2", &st), STATUS_OK); /* q, k, v biases */
	struct model_params p, merged;
	ck_assert_int_eq(model_params_alloc(&p, &c, &st), STATUS_OK);
	gpt2_util_randomize(&p, 33);
	for (size_t i = 0; i < p.count; i++) /* values a BF16 checkpoint holds */
		p.mem[i] = safetensors_bf16_to_f32(safetensors_f32_to_bf16(p.mem[i]));
	struct lora l;
	struct lora_spec spec = { .r = 4, .alpha = 8, .targets = "all-linear", .seed = 3 };
	ck_assert_msg(lora_create(&l, &p, &spec, &st) == STATUS_OK, "%s", st.msg);
	for (size_t i = 0; i < l.count; i++) /* B not zero */
		l.mem[i] = 0.05f * sinf(0.37f * (float)i + 0.2f);
	ck_assert_int_eq(model_params_alloc(&merged, &c, &st), STATUS_OK);
	memcpy(merged.mem, p.mem, p.count * sizeof *p.mem);
	lora_merge(&l, &merged);
	ck_assert_int_eq(model_params_freeze_bf16(&p, &st), STATUS_OK);
	size_t nt = model_params_describe(&p, NULL);
	struct model_tensor *t = calloc(nt, sizeof *t);
	model_params_describe(&p, t);
	for (size_t i = 0; i < nt; i++)
		if (t[i].ndim == 2)
			for (int64_t k = 0; k < t[i].shape[0] * t[i].shape[1]; k++)
				t[i].data[k] = NAN;
	const enum decoder_dtype dts[2] = { DECODER_BF16, DECODER_INT8 };
	for (int k = 0; k < 2; k++) {
		struct decoder_weights want, got;
		ck_assert_msg(decoder_weights_init(&want, &merged, dts[k], &st) == STATUS_OK, "%s", st.msg);
		ck_assert_msg(lora_decode_weights(&got, &l, &p, dts[k], &st) == STATUS_OK, "%s", st.msg);
		for (size_t i = 0; dts[k] == DECODER_BF16 && i < nt; i++) {
			size_t off = (size_t)(t[i].data - p.mem), n = (size_t)t[i].shape[0] *
			                                              (size_t)(t[i].ndim == 2 ? t[i].shape[1] : 1);
			ck_assert_msg(memcmp(want.bf16 + off, got.bf16 + off, n * sizeof *got.bf16) == 0,
			              "bf16 %s differs", t[i].name);
		}
		float lw[3 * 300], lg[3 * 300];
		int seq[3] = { 0, 0, 0 }, tok[3] = { 5, 77, 299 };
		struct decoder dw, dg;
		ck_assert_int_eq(decoder_init(&dw, &merged, 1, 8, &st), STATUS_OK);
		ck_assert_int_eq(decoder_init(&dg, &p, 1, 8, &st), STATUS_OK);
		decoder_set_weights(&dw, &want);
		decoder_set_weights(&dg, &got);
		ck_assert_msg(decoder_step(&dw, seq, tok, 3, NULL, lw, NULL, &st) == STATUS_OK, "%s", st.msg);
		ck_assert_msg(decoder_step(&dg, seq, tok, 3, NULL, lg, NULL, &st) == STATUS_OK, "%s", st.msg);
		for (size_t i = 0; i < 3 * 300; i++) {
			ck_assert(isfinite(lg[i]));
			ck_assert_msg(lg[i] == lw[i], "%s logit %zu: %g, merged copy %g",
			              decoder_dtype_name(dts[k]), i, (double)lg[i], (double)lw[i]);
		}
		decoder_free(&dw);
		decoder_free(&dg);
		decoder_weights_free(&want);
		decoder_weights_free(&got);
	}
	struct decoder_weights none;
	ck_assert_int_eq(lora_decode_weights(&none, &l, &p, DECODER_F32, &st), STATUS_UNSUPPORTED);
	free(t);
	lora_free(&l);
	model_params_free(&merged);
	model_params_free(&p);
}
END_TEST

/* Only families with BF16 passes freeze a base so; an image model takes no
 * adapter, in words that say so. */
START_TEST(bf16_base_and_image_models_are_refused_by_name)
{
	struct status st = STATUS_INIT;
	struct model_config c = gpt2_util_tiny(0);
	struct model_params p;
	ck_assert_int_eq(model_params_alloc(&p, &c, &st), STATUS_OK);
	ck_assert_int_eq(model_params_freeze_bf16(&p, &st), STATUS_UNSUPPORTED);
	ck_assert_ptr_nonnull(strstr(st.msg, "Llama family; GPT-2 trains over F32"));
	ck_assert_ptr_null(p.frozen);
	model_params_free(&p);
	char dir[4200];
	snprintf(dir, sizeof dir, "%s/tests/fixtures/dit/dit-32", harness_srcdir());
	ck_assert_msg(checkpoint_config_read(dir, &c, &st) == STATUS_OK, "%s", st.msg);
	ck_assert_int_eq(model_params_alloc(&p, &c, &st), STATUS_OK);
	struct lora l;
	struct lora_spec spec = { .r = 2, .alpha = 4, .targets = "all-linear", .seed = 1 };
	ck_assert_int_eq(lora_create(&l, &p, &spec, &st), STATUS_UNSUPPORTED);
	ck_assert_msg(strstr(st.msg, "--lora-rank: LoRA training is for the text families") &&
	              strstr(st.msg, "this is an image model"), "%s", st.msg);
	ck_assert_int_eq(model_params_freeze_bf16(&p, &st), STATUS_UNSUPPORTED);
	model_params_free(&p);
}
END_TEST

Suite *harness_suite(void)
{
	Suite *s = suite_create("lora");
	harness_add(s, "gpt2", gpt2_adapter_gradient_matches_finite_differences, bad_configs_are_named,
	            modules_to_save_replace_the_reward_head,
	            gpt2_training_path_gradient_matches_finite_differences_in_double,
	            gpt2_training_path_matches_the_merged_model, created_adapters_save_and_load_back,
	            NULL);
	harness_add(s, "llama", llama_bf16_base_and_recompute_match_the_f32_path,
	            bf16_base_and_image_models_are_refused_by_name,
	            llama_decoding_weights_over_a_bf16_base_match_the_merged_copy, NULL);
	return s;
}
