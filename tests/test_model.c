/* engine/model: configuration checks and the one-allocation parameter layout. */
#include "config.h"

#include "tests/harness.h"
#include "engine/model.h"

#include <stdint.h>
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

/* What the backward's grads hook saw: a snapshot of every span when told. */
struct told {
	const float *g;
	float *snap;
	unsigned char *times;
	size_t count, calls, last_lo;
	int descending;
};

static void told_ready(void *ctx, size_t lo, size_t hi)
{
	struct told *t = ctx;
	ck_assert_uint_lt(lo, hi);
	ck_assert_uint_le(hi, t->count);
	/* each part right below the one told before it */
	if (t->calls++ && hi != t->last_lo)
		t->descending = 0;
	t->last_lo = lo;
	for (size_t i = lo; i < hi; i++) {
		t->snap[i] = t->g[i];
		t->times[i]++;
	}
}

/* Backward tells every float of the layout once, in contiguous parts from
 * the last to the first, and a part told holds its final gradient. */
static void check_told(struct model_config c)
{
	struct status st = STATUS_INIT;
	struct model_params p, g;
	ck_assert_int_eq(model_config_check(&c, &st), STATUS_OK);
	ck_assert_int_eq(model_params_alloc(&p, &c, &st), STATUS_OK);
	ck_assert_int_eq(model_params_alloc(&g, &c, &st), STATUS_OK);
	uint32_t x = 12345;
	for (size_t i = 0; i < p.count; i++) {
		x = x * 1103515245u + 12345u;
		p.mem[i] = ((float)(x >> 16 & 0x7fff) / 32768.0f - 0.5f) * 0.2f;
	}
	struct model_pass *m;
	ck_assert_int_eq(model_pass_new(&m, &p, 1, &st), STATUS_OK);
	size_t B = 2, T = 5;
	int tok[10], tgt[10];
	float dscores[2] = { 0.5f, -0.25f };
	for (size_t i = 0; i < B * T; i++) {
		tok[i] = (int)(i * 7 % (size_t)c.vocab_size);
		tgt[i] = i % 4 == 3 ? -100 : (int)(i * 3 % (size_t)c.vocab_size);
	}
	int rm = c.num_labels > 0;
	ck_assert_int_eq(model_forward(m, p.mem, tok, B, T, rm ? NULL : tgt, NULL, &st), STATUS_OK);
	struct told t = { .g = g.mem, .snap = calloc(g.count, sizeof(float)),
	                  .times = calloc(g.count, 1), .count = g.count, .descending = 1 };
	m->grads = (struct model_grads_hook){ .ready = told_ready, .ctx = &t };
	ck_assert_int_eq(model_backward(m, p.mem, g.mem, tok, rm ? NULL : tgt, 0.1f,
	                                rm ? dscores : NULL, NULL, &st), STATUS_OK);
	ck_assert_uint_ge(t.calls, (size_t)c.n_layer + 2);
	ck_assert_int_eq(t.descending, 1);
	ck_assert_uint_eq(t.last_lo, 0);
	size_t nonzero = 0;
	for (size_t i = 0; i < g.count; i++) {
		ck_assert_uint_eq(t.times[i], 1);
		ck_assert(t.snap[i] == g.mem[i]);
		nonzero += g.mem[i] != 0.0f;
	}
	ck_assert_uint_gt(nonzero, g.count / 4);
	free(t.snap);
	free(t.times);
	model_pass_free(m);
	model_params_free(&g);
	model_params_free(&p);
}

START_TEST(backward_tells_each_part_when_complete)
{
	struct status st = STATUS_INIT;
	struct model_config c = tiny();
	check_told(c);                 /* GPT-2, tied head */
	c.num_labels = 1;
	check_told(c);                 /* GPT-2 reward model */
	c = tiny();
	c.n_kv_head = 1;
	ck_assert_int_eq(model_config_set_type(&c, "qwen2", &st), STATUS_OK);
	c.tie_word_embeddings = 0;
	check_told(c);                 /* Qwen2: q, k, v biases, a head of its own */
	c = tiny();
	ck_assert_int_eq(model_config_set_type(&c, "llama", &st), STATUS_OK);
	check_told(c);                 /* Llama, tied */
	c.num_labels = 1;
	check_told(c);                 /* Llama reward model */
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
	harness_add(s, "backward", backward_tells_each_part_when_complete, NULL);
	return s;
}
