/* engine/decoder and engine/generate: the KV cache against the full forward
 * pass, batched against alone, EOS, stop strings, streaming, cancellation. */
#include "config.h"

#include "tests/harness.h"
#include "tests/gpt2_util.h"
#include "engine/decoder.h"
#include "engine/generate.h"
#include "engine/gpt2.h"
#include "engine/pool.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

static struct model_params model;

static void setup(void)
{
	struct status st = STATUS_INIT;
	struct model_config c = gpt2_util_tiny(0);
	c.n_positions = 16;
	c.n_embd = 16;
	c.n_head = 4;
	c.n_inner = 24;
	ck_assert_int_eq(model_params_alloc(&model, &c, &st), STATUS_OK);
	gpt2_util_randomize(&model, 21);
}

static void teardown(void) { model_params_free(&model); }

static const int seq_a[8] = { 1, 5, 2, 9, 9, 0, 3, 7 };   /* prompt 3, then 5 fed */
static const int seq_b[8] = { 4, 4, 8, 6, 1, 2, 10, 3 };  /* prompt 6, then 2 fed */

START_TEST(kv_cache_decoding_equals_the_full_forward_pass)
{
	struct status st = STATUS_INIT;
	size_t V = 11;
	struct gpt2_layout lay;
	ck_assert_int_eq(gpt2_layout_init(&lay, &model, &st), STATUS_OK);
	struct gpt2_acts a;
	gpt2_acts_init(&a, 0);
	float full[2][8 * 11];
	ck_assert_int_eq(gpt2_forward(&lay, model.mem, &a, seq_a, 1, 8, NULL, NULL, &st), STATUS_OK);
	memcpy(full[0], a.logits, sizeof full[0]);
	ck_assert_int_eq(gpt2_forward(&lay, model.mem, &a, seq_b, 1, 8, NULL, NULL, &st), STATUS_OK);
	memcpy(full[1], a.logits, sizeof full[1]);

	float got[2][8 * 11];
	struct decoder d;
	ck_assert_int_eq(decoder_init(&d, &model, 2, 8, &st), STATUS_OK);
	/* prefill 3 + 6 rows in one call, logits for all of them */
	int seq[9], tok[9];
	float lg[9 * 11];
	for (int i = 0; i < 9; i++) {
		seq[i] = i < 3 ? 0 : 1;
		tok[i] = i < 3 ? seq_a[i] : seq_b[i - 3];
	}
	ck_assert_int_eq(decoder_step(&d, seq, tok, 9, NULL, lg, NULL, &st), STATUS_OK);
	memcpy(got[0], lg, 3 * V * sizeof *lg);
	memcpy(got[1], lg + 3 * V, 6 * V * sizeof *lg);
	/* then one token per live sequence per step */
	for (int t = 0; t < 5; t++) {
		size_t R = 0;
		seq[R] = 0; tok[R++] = seq_a[3 + t];
		if (6 + t < 8) { seq[R] = 1; tok[R++] = seq_b[6 + t]; }
		ck_assert_int_eq(decoder_step(&d, seq, tok, R, NULL, lg, NULL, &st), STATUS_OK);
		memcpy(got[0] + (3 + t) * V, lg, V * sizeof *lg);
		if (R == 2)
			memcpy(got[1] + (6 + t) * V, lg + V, V * sizeof *lg);
	}
	for (int s = 0; s < 2; s++) {
		double diff = 0.0, big = 0.0;
		for (size_t i = 0; i < 8 * V; i++) {
			diff = fmax(diff, fabs(got[s][i] - full[s][i]));
			big = fmax(big, fabs(full[s][i]));
		}
		/* max |cache - full| / max |full| over every position's logits */
		ck_assert_msg(diff <= 1e-5 * big, "sequence %d: %g of %g", s, diff, big);
	}
	/* the cache is full now */
	seq[0] = 0;
	tok[0] = 1;
	ck_assert_int_eq(decoder_step(&d, seq, tok, 1, NULL, lg, NULL, &st), STATUS_INVALID);
	decoder_free(&d);
	gpt2_acts_free(&a);
	gpt2_layout_free(&lay);
}
END_TEST

static const int *const prompts[3] = { seq_a, seq_b, seq_a + 4 };
static const size_t lens[3] = { 3, 6, 1 };

/* For F32, BF16 and int8 weights (the last two with a BF16 KV cache where
 * decoder_kv_bf16 says), the batch on 2 threads, each sequence alone on 1. */
START_TEST(batched_decoding_equals_each_sequence_alone)
{
	struct status st = STATUS_INIT;
	for (int k = 0; k < 3; k++) {
		struct decoder_weights wb;
		ck_assert_int_eq(decoder_weights_init(&wb, &model, (enum decoder_dtype)k, &st), STATUS_OK);
		struct generate_params gp = GENERATE_DEFAULTS;
		gp.max_new = 7;
		gp.sampling = (struct sampler_params){ .temperature = 1.2f, .top_k = 6, .top_p = 0.95f };
		gp.weights = k ? &wb : NULL;
		uint64_t seeds[3] = { 5, 9, 13 };
		gp.seeds = seeds;
		struct generate_output all[3], one;
		pool_set_threads(2);
		ck_assert_int_eq(generate(&model, prompts, lens, 3, &gp, NULL, all, &st), STATUS_OK);
		pool_set_threads(1);
		int differ = 0;
		for (int i = 0; i < 3; i++) {
			gp.seeds = &seeds[i];
			ck_assert_int_eq(generate(&model, &prompts[i], &lens[i], 1, &gp, NULL, &one, &st),
			                 STATUS_OK);
			ck_assert_uint_eq(all[i].n, 7);
			ck_assert_uint_eq(one.n, 7);
			ck_assert_int_eq(all[i].finish, GENERATE_LENGTH);
			ck_assert_msg(memcmp(all[i].tokens, one.tokens, 7 * sizeof(int)) == 0,
			              "weights %s, sequence %d", decoder_dtype_name((enum decoder_dtype)k), i);
			differ |= memcmp(all[i].tokens, all[0].tokens, 7 * sizeof(int)) != 0;
			generate_output_free(&one, 1);
		}
		ck_assert(differ); /* the sequences really are sampled, not all alike */
		generate_output_free(all, 3);
		decoder_weights_free(&wb);
	}
}
END_TEST

/* Samples of one prompt prefill it once and copy its cache (decoder_copy):
 * each must still get exactly the tokens it gets alone, whatever its place. */
START_TEST(repeated_prompts_equal_each_sequence_alone)
{
	struct status st = STATUS_INIT;
	for (int k = 0; k < 3; k += 2) { /* F32, then int8 (a BF16 cache copied) */
		struct decoder_weights wb;
		ck_assert_int_eq(decoder_weights_init(&wb, &model, (enum decoder_dtype)k, &st), STATUS_OK);
		struct generate_params gp = GENERATE_DEFAULTS;
		gp.max_new = 6;
		gp.sampling = (struct sampler_params){ .temperature = 1.2f, .top_k = 0, .top_p = 1.0f };
		gp.weights = k ? &wb : NULL;
		const int *p[5] = { seq_b, seq_a, seq_b, seq_b, seq_a };
		size_t l[5] = { 6, 3, 6, 6, 3 };
		uint64_t seeds[5] = { 1, 2, 3, 4, 5 };
		gp.seeds = seeds;
		struct generate_output all[5], one;
		/* the batch on 3 threads (its rows sampled in parallel, each part with
		 * its own sampler), each sequence alone on 1 */
		pool_set_threads(3);
		ck_assert_int_eq(generate(&model, p, l, 5, &gp, NULL, all, &st), STATUS_OK);
		pool_set_threads(1);
		for (int i = 0; i < 5; i++) {
			gp.seeds = &seeds[i];
			ck_assert_int_eq(generate(&model, &p[i], &l[i], 1, &gp, NULL, &one, &st), STATUS_OK);
			ck_assert_uint_eq(all[i].n, one.n);
			ck_assert_mem_eq(all[i].tokens, one.tokens, one.n * sizeof(int));
			generate_output_free(&one, 1);
		}
		/* a cache copied from a shorter or longer prompt must not leak into the other */
		int differ = memcmp(all[0].tokens, all[2].tokens, 6 * sizeof(int)) != 0 ||
		             memcmp(all[2].tokens, all[3].tokens, 6 * sizeof(int)) != 0;
		ck_assert(differ);
		generate_output_free(all, 5);
		decoder_weights_free(&wb);
	}
}
END_TEST

/* Logits, not only sampled tokens: with F32, int8 and BF16 weights (a BF16
 * KV cache where decoder_kv_bf16 says) each row's logits have the same bits
 * in a batch of two as alone, after a prefill of 9 rows against one of 6
 * (F32 products of many rows once went through BLIS, whose sums depend on
 * the row count), and a copied cache (decoder_copy) gives the copy the same
 * bits as its source; an empty copy would not. */
START_TEST(every_weight_form_logits_equal_alone_and_copied)
{
	struct status st = STATUS_INIT;
	size_t V = 11;
	for (int k = 0; k < 3; k++) {
		struct decoder_weights wb;
		ck_assert_int_eq(decoder_weights_init(&wb, &model, (enum decoder_dtype)k, &st), STATUS_OK);
		float both[2 * 11], alone[11], lg[9 * 11]; /* 9 prefill rows */
		struct decoder d;
		ck_assert_int_eq(decoder_init(&d, &model, 3, 8, &st), STATUS_OK);
		decoder_set_weights(&d, &wb);
		/* sequences 0 (seq_a) and 1 (seq_b) prefilled together, 2 copied from 1 */
		int seq[9], tok[9];
		for (int i = 0; i < 9; i++) {
			seq[i] = i < 3 ? 0 : 1;
			tok[i] = i < 3 ? seq_a[i] : seq_b[i - 3];
		}
		ck_assert_int_eq(decoder_step(&d, seq, tok, 9, NULL, lg, NULL, &st), STATUS_OK);
		decoder_copy(&d, 1, 2);
		seq[0] = 0, tok[0] = seq_a[3];
		seq[1] = 1, tok[1] = seq_b[6];
		ck_assert_int_eq(decoder_step(&d, seq, tok, 2, NULL, both, NULL, &st), STATUS_OK);
		seq[0] = 2, tok[0] = seq_b[6];
		ck_assert_int_eq(decoder_step(&d, seq, tok, 1, NULL, alone, NULL, &st), STATUS_OK);
		ck_assert_msg(memcmp(alone, both + V, V * sizeof *alone) == 0, "%s: copy differs",
		              decoder_dtype_name((enum decoder_dtype)k));
		decoder_free(&d);
		/* sequence 1 alone from the start */
		ck_assert_int_eq(decoder_init(&d, &model, 1, 8, &st), STATUS_OK);
		decoder_set_weights(&d, &wb);
		for (int i = 0; i < 7; i++)
			seq[i] = 0, tok[i] = seq_b[i];
		ck_assert_int_eq(decoder_step(&d, seq, tok, 6, NULL, lg, NULL, &st), STATUS_OK);
		ck_assert_int_eq(decoder_step(&d, seq + 6, tok + 6, 1, NULL, alone, NULL, &st), STATUS_OK);
		ck_assert_msg(memcmp(alone, both + V, V * sizeof *alone) == 0, "%s: batch differs",
		              decoder_dtype_name((enum decoder_dtype)k));
		decoder_free(&d);
		decoder_weights_free(&wb);
	}
}
END_TEST

static size_t letter(void *ctx, int token, char *buf, size_t cap)
{
	(void)ctx;
	if (cap < 1)
		return 0;
	buf[0] = (char)('a' + token);
	return 1;
}

static int streamed;
static int count_tokens(void *ctx, size_t s, int token)
{
	(void)ctx; (void)s; (void)token;
	streamed++;
	return 0;
}

START_TEST(eos_stop_strings_and_streaming)
{
	struct status st = STATUS_INIT;
	struct generate_params gp = GENERATE_DEFAULTS;
	gp.max_new = 8;
	gp.sampling = (struct sampler_params){ .temperature = 0.9f, .top_k = 0, .top_p = 1.0f };
	gp.seed = 3;
	gp.decode = letter;
	gp.on_token = count_tokens;
	struct generate_output free_run, o;
	streamed = 0;
	ck_assert_int_eq(generate(&model, prompts, lens, 1, &gp, NULL, &free_run, &st), STATUS_OK);
	ck_assert_int_eq(streamed, 8);
	ck_assert_uint_eq(free_run.text_len, 8);
	const int *t = free_run.tokens;
	/* EOS: the first occurrence of the fourth token ends the sequence */
	size_t first = 0;
	while (t[first] != t[3])
		first++;
	gp.eos_id = t[3];
	ck_assert_int_eq(generate(&model, prompts, lens, 1, &gp, NULL, &o, &st), STATUS_OK);
	ck_assert_int_eq(o.finish, GENERATE_EOS);
	ck_assert_uint_eq(o.n, first + 1);
	generate_output_free(&o, 1);
	/* a stop string made of tokens 4 and 5 stops right after token 5 (unless it
	 * occurs earlier in the text) */
	gp.eos_id = -1;
	char stop[3] = { free_run.text[4], free_run.text[5], 0 };
	const char *stops[1] = { stop };
	gp.stop = stops;
	gp.n_stop = 1;
	size_t end = (size_t)(strstr(free_run.text, stop) - free_run.text) + 2;
	ck_assert_int_eq(generate(&model, prompts, lens, 1, &gp, NULL, &o, &st), STATUS_OK);
	ck_assert_int_eq(o.finish, GENERATE_STOP);
	ck_assert_uint_eq(o.n, end);
	ck_assert_mem_eq(o.text, free_run.text, end);
	generate_output_free(&o, 1);
	/* cut_stop: the stop string is no part of the response, text nor tokens */
	gp.cut_stop = 1;
	ck_assert_int_eq(generate(&model, prompts, lens, 1, &gp, NULL, &o, &st), STATUS_OK);
	ck_assert_int_eq(o.finish, GENERATE_STOP);
	ck_assert_uint_eq(o.n, end - 2);
	ck_assert_uint_eq(o.text_len, end - 2);
	ck_assert_mem_eq(o.text, free_run.text, end - 2);
	ck_assert_int_eq(o.text[end - 2], '\0');
	generate_output_free(&o, 1);
	generate_output_free(&free_run, 1);
}
END_TEST

/* min_new: EOS cannot come before that many tokens, wherever greedy would put it. */
START_TEST(min_new_holds_eos_back)
{
	struct status st = STATUS_INIT;
	struct generate_params gp = GENERATE_DEFAULTS;
	gp.max_new = 6;
	struct generate_output free_run, o;
	ck_assert_int_eq(generate(&model, prompts, lens, 1, &gp, NULL, &free_run, &st), STATUS_OK);
	gp.eos_id = free_run.tokens[0];
	ck_assert_int_eq(generate(&model, prompts, lens, 1, &gp, NULL, &o, &st), STATUS_OK);
	ck_assert_int_eq(o.finish, GENERATE_EOS);
	ck_assert_uint_eq(o.n, 1);
	generate_output_free(&o, 1);
	gp.min_new = 3;
	ck_assert_int_eq(generate(&model, prompts, lens, 1, &gp, NULL, &o, &st), STATUS_OK);
	ck_assert_uint_ge(o.n, 3);
	for (size_t i = 0; i < 3; i++)
		ck_assert_int_ne(o.tokens[i], gp.eos_id);
	/* the first token is the runner-up of the free run's first step */
	ck_assert_int_ne(o.tokens[0], free_run.tokens[0]);
	generate_output_free(&o, 1);
	generate_output_free(&free_run, 1);
}
END_TEST

static int abort_now(void *ctx) { (void)ctx; return 1; }

START_TEST(cancellation_and_bad_prompts)
{
	struct status st = STATUS_INIT;
	struct generate_params gp = GENERATE_DEFAULTS;
	struct generate_output o[3];
	struct hooks h = { .abort = abort_now };
	ck_assert_int_eq(generate(&model, prompts, lens, 3, &gp, &h, o, &st), STATUS_CANCELLED);
	generate_output_free(o, 3);
	size_t bad[1] = { 0 };
	ck_assert_int_eq(generate(&model, prompts, bad, 1, &gp, NULL, o, &st), STATUS_INVALID);
	ck_assert_str_eq(st.msg, "prompt 0 is empty");
}
END_TEST

Suite *harness_suite(void)
{
	Suite *s = suite_create("generate");
	TCase *tc = harness_add(s, "generate",
	                        kv_cache_decoding_equals_the_full_forward_pass,
	                        batched_decoding_equals_each_sequence_alone,
	                        repeated_prompts_equal_each_sequence_alone,
	                        every_weight_form_logits_equal_alone_and_copied,
	                        eos_stop_strings_and_streaming,
	                        cancellation_and_bad_prompts,
	                        min_new_holds_eos_back,
	                        NULL);
	tcase_add_checked_fixture(tc, setup, teardown);
	return s;
}
