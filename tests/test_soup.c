/* engine/soup: Rewarded Soups' weight-space mix with known answers. */
#include "config.h"

#include "tests/harness.h"
#include "engine/soup.h"

#include <math.h>
#include <string.h>

static const struct model_config tiny = { .n_layer = 1, .n_head = 2, .n_embd = 4, .n_inner = 8,
	                                  .n_positions = 4, .vocab_size = 6,
	                                  .layer_norm_epsilon = 1e-5f, .bos_token_id = 5,
	                                  .eos_token_id = 5, .pad_token_id = -1 };

/* p with parameter k = a + b k (exact in float for these sizes). */
static void fill(struct model_params *p, const struct model_config *cfg, float a, float b)
{
	struct status st = STATUS_INIT;
	ck_assert_int_eq(model_params_alloc(p, cfg, &st), STATUS_OK);
	for (size_t k = 0; k < p->count; k++)
		p->mem[k] = a + b * (float)k;
}

START_TEST(mix_known_answers)
{
	struct status st = STATUS_INIT;
	struct model_params e1, e2, out;
	fill(&e1, &tiny, 1.0f, 0.0f);  /* every parameter 1 */
	fill(&e2, &tiny, 0.0f, 1.0f);  /* parameter k is k */
	fill(&out, &tiny, 0.0f, 0.0f);
	const struct model_params *in[2] = { &e1, &e2 };
	const double w[2] = { 0.25, 0.75 };
	ck_assert_int_eq(soup_mix(&out, in, w, 2, &st), STATUS_OK);
	for (size_t k = 0; k < out.count; k++)
		ck_assert_float_eq_tol(out.mem[k], 0.25f + 0.75f * (float)k, 1e-4f);
	/* the named tensors point into the same memory: the mix is every tensor's */
	ck_assert_float_eq_tol(out.wte[0], 0.25f, 1e-6f);
	/* one-hot: that expert, bit for bit */
	const double only2[2] = { 0.0, 1.0 };
	ck_assert_int_eq(soup_mix(&out, in, only2, 2, &st), STATUS_OK);
	ck_assert_int_eq(memcmp(out.mem, e2.mem, out.count * sizeof *out.mem), 0);
	/* mixing into an expert is allowed only when it is the whole soup */
	const struct model_params *self[2] = { &out, &e1 };
	ck_assert_int_eq(soup_mix(&out, self, only2, 2, &st), STATUS_INVALID);
	const double only1[2] = { 1.0, 0.0 };
	ck_assert_int_eq(soup_mix(&out, self, only1, 2, &st), STATUS_OK);
	ck_assert_int_eq(memcmp(out.mem, e2.mem, out.count * sizeof *out.mem), 0);
	model_params_free(&e1);
	model_params_free(&e2);
	model_params_free(&out);
}
END_TEST

START_TEST(mix_refuses)
{
	struct status st = STATUS_INIT;
	struct model_params e1, e2, out;
	struct model_config wide = tiny;
	wide.n_embd = 8;
	wide.n_inner = 16;
	fill(&e1, &tiny, 1.0f, 0.0f);
	fill(&e2, &wide, 1.0f, 0.0f);
	fill(&out, &tiny, 0.0f, 0.0f);
	const struct model_params *in[2] = { &e1, &e2 };
	const double w[2] = { 0.5, 0.5 };
	ck_assert_int_eq(soup_mix(&out, in, w, 2, &st), STATUS_INVALID);
	ck_assert_ptr_nonnull(strstr(st.msg, "expert 2"));
	ck_assert_ptr_nonnull(strstr(st.msg, "n_embd"));
	in[1] = &e1;
	const double bad[2] = { 0.5, 0.2 };
	ck_assert_int_eq(soup_mix(&out, in, bad, 2, &st), STATUS_INVALID);
	const double neg[2] = { 1.5, -0.5 };
	ck_assert_int_eq(soup_mix(&out, in, neg, 2, &st), STATUS_INVALID);
	ck_assert_int_eq(soup_mix(&out, in, w, 0, &st), STATUS_INVALID);
	ck_assert_int_eq(soup_check(&e1, &e2, &st), STATUS_INVALID);
	ck_assert_int_eq(soup_check(&e1, &out, &st), STATUS_OK);
	model_params_free(&e1);
	model_params_free(&e2);
	model_params_free(&out);
}
END_TEST

Suite *harness_suite(void)
{
	Suite *s = suite_create("soup");
	harness_add(s, "mix", mix_known_answers, mix_refuses, NULL);
	return s;
}
