/* engine/model: configuration checks and the one-allocation parameter layout. */
#include "config.h"

#include "tests/harness.h"
#include "engine/model.h"

#include <stdlib.h>
#include <string.h>

static struct model_config tiny(void)
{
	struct model_config c = { .n_layer = 2, .n_head = 2, .n_embd = 8, .n_inner = 32,
	                          .n_positions = 16, .vocab_size = 20, .num_labels = 0,
	                          .layer_norm_epsilon = 1e-5f, .bos_token_id = 19,
	                          .eos_token_id = 19, .pad_token_id = -1 };
	return c;
}

START_TEST(gpt2_small_has_124m_parameters)
{
	struct model_config c = { .n_layer = 12, .n_head = 12, .n_embd = 768, .n_inner = 3072,
	                          .n_positions = 1024, .vocab_size = 50257,
	                          .layer_norm_epsilon = 1e-5f, .bos_token_id = 50256,
	                          .eos_token_id = 50256, .pad_token_id = -1 };
	/* The figure Hugging Face reports for "gpt2" (lm_head tied). */
	ck_assert_uint_eq(model_params_count(&c), 124439808u);
}
END_TEST

START_TEST(describe_covers_the_allocation_exactly)
{
	struct model_config c = tiny();
	c.num_labels = 3;
	struct model_params p;
	struct status st = STATUS_INIT;
	ck_assert_int_eq(model_params_alloc(&p, &c, &st), STATUS_OK);
	struct model_tensor *t = calloc(MODEL_MAX_TENSORS(c.n_layer), sizeof *t);
	size_t n = model_params_describe(&p, t);
	ck_assert_uint_eq(n, 2 + 12 * 2 + 2 + 1);
	ck_assert_uint_eq(model_params_describe(&p, NULL), n);
	float *next = p.mem;
	size_t total = 0;
	for (size_t i = 0; i < n; i++) {
		size_t numel = (size_t)t[i].shape[0] * (t[i].ndim == 2 ? (size_t)t[i].shape[1] : 1);
		ck_assert_ptr_eq(t[i].data, next); /* contiguous, in checkpoint order */
		next += numel;
		total += numel;
	}
	ck_assert_uint_eq(total, p.count);
	ck_assert_str_eq(t[0].name, "wte.weight");
	ck_assert_str_eq(t[4].name, "h.0.attn.c_attn.weight");
	ck_assert_int_eq(t[4].shape[0], 8);
	ck_assert_int_eq(t[4].shape[1], 24);
	ck_assert_int_eq(t[4].decay, 1);
	ck_assert_int_eq(t[5].decay, 0); /* biases are not decayed */
	ck_assert_int_eq(t[2].decay, 0); /* nor LayerNorm weights */
	ck_assert_str_eq(t[n - 1].name, "score.weight");
	ck_assert_int_eq(t[n - 1].shape[0], 3);
	ck_assert_uint_eq((uintptr_t)p.mem % 64, 0);
	free(t);
	model_params_free(&p);
}
END_TEST

START_TEST(bad_configs_are_named)
{
	struct status st = STATUS_INIT;
	struct model_config c = tiny();
	c.n_head = 3;
	ck_assert_int_eq(model_config_check(&c, &st), STATUS_FORMAT);
	ck_assert_str_eq(st.msg, "n_embd 8 is not divisible by n_head 3");
	c = tiny();
	c.eos_token_id = 20;
	ck_assert_int_eq(model_config_check(&c, &st), STATUS_FORMAT);
	ck_assert_str_eq(st.msg, "eos_token_id 20 is outside the vocabulary of 20");
	c = tiny();
	c.n_layer = 0;
	ck_assert_int_eq(model_config_check(&c, &st), STATUS_FORMAT);
	c = tiny();
	c.n_embd = 1 << 20;
	c.n_head = 1;
	ck_assert_int_eq(model_config_check(&c, &st), STATUS_UNSUPPORTED);
	struct model_params p;
	ck_assert_int_eq(model_params_alloc(&p, &c, &st), STATUS_UNSUPPORTED);
	ck_assert_ptr_null(p.mem);
}
END_TEST

Suite *harness_suite(void)
{
	Suite *s = suite_create("model");
	harness_add(s, "layout",
	            gpt2_small_has_124m_parameters,
	            describe_covers_the_allocation_exactly,
	            bad_configs_are_named,
	            NULL);
	return s;
}
