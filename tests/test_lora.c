/* engine/lora on GPT-2 (Conv1D, PEFT's fan_in_fan_out): the adapter's
 * gradient against central finite differences of the loss, and the errors of
 * a bad adapter_config.json. */
#include "config.h"

#include "tests/harness.h"
#include "tests/gpt2_util.h"
#include "engine/lora.h"
#include "engine/safetensors.h"

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

Suite *harness_suite(void)
{
	Suite *s = suite_create("lora");
	harness_add(s, "gpt2", gpt2_adapter_gradient_matches_finite_differences, bad_configs_are_named,
	            modules_to_save_replace_the_reward_head,
	            NULL);
	return s;
}
