/* engine/llama: the backward pass against finite differences in double, float
 * against double, the KV-cache decoder against the full forward pass, batched
 * against alone, and config.json errors naming their key. The numbers against
 * PyTorch are in tests/llama_reference.sh. */
#include "config.h"

#include "tests/harness.h"
#include "engine/checkpoint.h"
#include "engine/decoder.h"
#include "engine/gemv.h"
#include "engine/gemv_q8.h"
#include "engine/generate.h"
#include "engine/llama.h"
#include "engine/pool.h"
#include "engine/safetensors.h"

#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

enum { TINY_V = 11 };

/* 2 layers, 4 heads over 2 KV heads of 4, width 16, MLP 12, 16 positions. */
static struct model_config tiny(int variant)
{
	struct model_config c = { .family = &llama_family, .n_layer = 2, .n_head = 4,
	                          .n_kv_head = 2, .n_embd = 16, .n_inner = 12, .n_positions = 16,
	                          .vocab_size = TINY_V, .layer_norm_epsilon = 1e-5f,
	                          .bos_token_id = 1, .eos_token_id = 2, .pad_token_id = -1,
	                          .rope_theta = 10000.0 };
	snprintf(c.model_type, sizeof c.model_type, "llama");
	switch (variant) {
	case 0: /* attention_bias, separate lm_head, llama3 rope scaling */
		c.attention_bias = 1;
		c.rope_type = MODEL_ROPE_LLAMA3;
		c.rope_factor = 8.0;
		c.rope_low_freq = 1.0;
		c.rope_high_freq = 4.0;
		c.rope_original_max = 4;
		break;
	case 1: /* Qwen2: q/k/v biases, tied, linear rope, one KV head, head_dim given */
		snprintf(c.model_type, sizeof c.model_type, "qwen2");
		c.qkv_bias = 1;
		c.tie_word_embeddings = 1;
		c.rope_type = MODEL_ROPE_LINEAR;
		c.rope_factor = 2.0;
		c.n_kv_head = 1;
		c.head_dim = 6;
		break;
	default: /* reward model, 2 labels, padded with 10 */
		c.num_labels = 2;
		c.pad_token_id = 10;
		break;
	}
	return c;
}

static double normal(uint64_t *s)
{
	double u[2];
	for (int i = 0; i < 2; i++) {
		*s = *s * 6364136223846793005ull + 1442695040888963407ull;
		u[i] = ((double)(*s >> 11) + 0.5) / 9007199254740992.0;
	}
	return sqrt(-2.0 * log(u[0])) * cos(6.283185307179586 * u[1]);
}

/* As the reference script: norms near 1, biases N(0, 0.2), the rest N(0, 0.08)
 * (here 0.3 so the attention is far from uniform). */
static void randomize(struct model_params *p, unsigned seed)
{
	uint64_t s = seed * 2654435761ull + 1;
	size_t n = model_params_describe(p, NULL);
	struct model_tensor *t = calloc(n, sizeof *t);
	model_params_describe(p, t);
	for (size_t i = 0; i < n; i++) {
		size_t numel = (size_t)t[i].shape[0] * (t[i].ndim == 2 ? (size_t)t[i].shape[1] : 1);
		int is_norm = strstr(t[i].name, "norm.weight") != NULL;
		int is_bias = strstr(t[i].name, "bias") != NULL;
		for (size_t k = 0; k < numel; k++) {
			double z = normal(&s);
			t[i].data[k] = (float)(is_norm ? 1.0 + 0.1 * z : (is_bias ? 0.2 : 0.3) * z);
		}
	}
	free(t);
}

struct fd_case {
	struct model_params p;
	struct llama_layout lay;
	double *w, *g;
	struct llama_acts_f64 a;
};

static void fd_setup(struct fd_case *fc, int variant)
{
	struct status st = STATUS_INIT;
	struct model_config c = tiny(variant);
	ck_assert_int_eq(model_params_alloc(&fc->p, &c, &st), STATUS_OK);
	randomize(&fc->p, 7 + (unsigned)variant);
	ck_assert_int_eq(llama_layout_init(&fc->lay, &fc->p.cfg, &st), STATUS_OK);
	fc->w = malloc(fc->p.count * sizeof *fc->w);
	fc->g = calloc(fc->p.count, sizeof *fc->g);
	for (size_t i = 0; i < fc->p.count; i++)
		fc->w[i] = fc->p.mem[i];
	llama_acts_init_f64(&fc->a, 1);
}

static void fd_teardown(struct fd_case *fc)
{
	llama_acts_free_f64(&fc->a);
	free(fc->w);
	free(fc->g);
	llama_layout_free(&fc->lay);
	model_params_free(&fc->p);
}

enum { FD_B = 2, FD_T = 6 };
static const int fd_tokens[FD_B * FD_T] = { 1, 4, 9, 2, 2, 7, 0, 3, 10, 5, 10, 10 };
static const int fd_targets[FD_B * FD_T] = { 4, 9, 2, 2, -100, 0, 3, -100, 5, 6, 1, 8 };
static const double fd_dscores[FD_B * 2] = { 0.7, -1.3, 2.0, 0.4 };

static double fd_objective(struct fd_case *fc)
{
	struct status st = STATUS_INIT;
	int lm = fc->lay.labels == 0;
	ck_assert_int_eq(llama_forward_f64(&fc->lay, fc->w, &fc->a, fd_tokens, FD_B, FD_T,
	                                   lm ? fd_targets : NULL, NULL, &st), STATUS_OK);
	if (lm)
		return fc->a.loss_sum / (double)fc->a.count;
	double s = 0.0;
	for (size_t i = 0; i < FD_B * fc->lay.labels; i++)
		s += fd_dscores[i] * fc->a.scores[i];
	return s;
}

static void fd_check(int variant)
{
	struct fd_case fc;
	struct status st = STATUS_INIT;
	fd_setup(&fc, variant);
	fd_objective(&fc);
	double scale = fc.lay.labels ? 1.0 : 1.0 / (double)fc.a.count;
	ck_assert_int_eq(llama_backward_f64(&fc.lay, fc.w, fc.g, &fc.a, fd_tokens, fd_targets, scale,
	                                    fd_dscores, NULL, &st), STATUS_OK);
	double worst = 0.0, gmax = 0.0;
	size_t worst_at = 0;
	for (size_t i = 0; i < fc.p.count; i++) {
		double keep = fc.w[i], h = 1e-6;
		fc.w[i] = keep + h;
		double up = fd_objective(&fc);
		fc.w[i] = keep - h;
		double down = fd_objective(&fc);
		fc.w[i] = keep;
		double fd = (up - down) / (2 * h);
		double err = fabs(fd - fc.g[i]) / fmax(fabs(fd), 1e-3);
		if (err > worst) {
			worst = err;
			worst_at = i;
		}
		if (fabs(fc.g[i]) > gmax)
			gmax = fabs(fc.g[i]);
	}
	ck_assert(gmax > 1e-3);
	ck_assert_msg(worst < 1e-5, "worst relative gradient error %g at parameter %zu", worst,
	              worst_at);
	fd_teardown(&fc);
}

START_TEST(gqa_bias_llama3_gradient_matches_finite_differences) { fd_check(0); }
END_TEST

START_TEST(qwen2_tied_linear_rope_gradient_matches_finite_differences) { fd_check(1); }
END_TEST

START_TEST(reward_gradient_matches_finite_differences) { fd_check(2); }
END_TEST

/* The parameter table: Hugging Face names in [out, in] layout, biases where the config says. */
START_TEST(parameter_table_has_hugging_face_names)
{
	struct status st = STATUS_INIT;
	struct model_params p;
	struct model_config c = tiny(1);
	ck_assert_int_eq(model_params_alloc(&p, &c, &st), STATUS_OK);
	size_t n = model_params_describe(&p, NULL);
	struct model_tensor *t = calloc(n, sizeof *t);
	model_params_describe(&p, t);
	/* embed; per layer ln1, q w b, k w b, v w b, o, ln2, gate, up, down; norm (tied: no head) */
	ck_assert_uint_eq(n, 1 + 2 * 12 + 1);
	ck_assert_str_eq(t[0].name, "model.embed_tokens.weight");
	ck_assert_str_eq(t[2].name, "model.layers.0.self_attn.q_proj.weight");
	ck_assert_int_eq(t[2].shape[0], 4 * 6);
	ck_assert_int_eq(t[2].shape[1], 16);
	ck_assert_str_eq(t[5].name, "model.layers.0.self_attn.k_proj.bias");
	ck_assert_int_eq(t[5].shape[0], 6);
	ck_assert_str_eq(t[8].name, "model.layers.0.self_attn.o_proj.weight");
	ck_assert_int_eq(t[8].shape[1], 24);
	ck_assert_str_eq(t[n - 1].name, "model.norm.weight");
	ck_assert_int_eq(t[3].decay, 0); /* biases and norms do not decay */
	ck_assert_int_eq(t[1].decay, 0);
	ck_assert_int_eq(t[2].decay, 1);
	free(t);
	model_params_free(&p);
	c = tiny(0);
	ck_assert_int_eq(model_params_alloc(&p, &c, &st), STATUS_OK);
	n = model_params_describe(&p, NULL);
	t = calloc(n, sizeof *t);
	model_params_describe(&p, t);
	ck_assert_str_eq(t[n - 1].name, "lm_head.weight");
	ck_assert_str_eq(t[9].name, "model.layers.0.self_attn.o_proj.bias");
	free(t);
	model_params_free(&p);
}
END_TEST

/* The float path runs the same code: it agrees with double to float precision. */
START_TEST(float_forward_agrees_with_double)
{
	for (int v = 0; v < 3; v++) {
		struct fd_case fc;
		struct status st = STATUS_INIT;
		fd_setup(&fc, v);
		double obj = fd_objective(&fc);
		struct model_pass *m;
		ck_assert_int_eq(model_pass_new(&m, &fc.p, 0, &st), STATUS_OK);
		ck_assert_int_eq(model_forward(m, fc.p.mem, fd_tokens, FD_B, FD_T,
		                               m->labels ? NULL : fd_targets, NULL, &st), STATUS_OK);
		double worst = 0.0;
		size_t n = m->labels ? FD_B * m->labels : FD_B * FD_T * TINY_V;
		const float *got = m->labels ? m->scores : m->logits;
		const double *want = m->labels ? fc.a.scores : fc.a.logits;
		for (size_t i = 0; i < n; i++)
			worst = fmax(worst, fabs((double)got[i] - want[i]));
		ck_assert_msg(worst < 1e-5, "variant %d: float logits differ by %g", v, worst);
		if (!m->labels)
			ck_assert_double_eq_tol(m->loss_sum / (double)m->count, obj, 1e-6);
		model_pass_free(m);
		fd_teardown(&fc);
	}
}
END_TEST

/* Rows of a batch do not see each other. */
START_TEST(batched_equals_alone)
{
	for (int v = 0; v < 3; v++) {
		struct fd_case fc;
		struct status st = STATUS_INIT;
		fd_setup(&fc, v);
		struct model_pass *m;
		ck_assert_int_eq(model_pass_new(&m, &fc.p, 0, &st), STATUS_OK);
		ck_assert_int_eq(model_forward(m, fc.p.mem, fd_tokens, FD_B, FD_T, NULL, NULL, &st),
		                 STATUS_OK);
		size_t per = m->labels ? m->labels : FD_T * TINY_V;
		float *both = malloc(FD_B * per * sizeof *both);
		memcpy(both, m->labels ? m->scores : m->logits, FD_B * per * sizeof *both);
		for (size_t b = 0; b < FD_B; b++) {
			/* a reward model's row alone, its padding cut: the same score */
			size_t T = FD_T;
			while (m->labels && fd_tokens[b * FD_T + T - 1] == 10)
				T--;
			ck_assert_int_eq(model_forward(m, fc.p.mem, fd_tokens + b * FD_T, 1, T, NULL, NULL,
			                               &st), STATUS_OK);
			size_t n = m->labels ? m->labels : T * TINY_V;
			const float *one = m->labels ? m->scores : m->logits;
			for (size_t i = 0; i < n; i++)
				ck_assert_float_eq_tol(one[i], both[b * per + i], 1e-5f);
		}
		free(both);
		model_pass_free(m);
		fd_teardown(&fc);
	}
}
END_TEST

static const int seq_a[10] = { 1, 5, 2, 9, 9, 0, 3, 7, 4, 4 };  /* prompt 3, then fed */
static const int seq_b[10] = { 4, 4, 8, 6, 1, 2, 10, 3, 3, 1 }; /* prompt 6, then fed */

/* The KV cache (prefill of two prompts of different lengths in one call, then
 * steps of both sequences) gives the logits of the full forward pass. */
static void kv_check(int variant, enum decoder_dtype dtype, float tol)
{
	struct status st = STATUS_INIT;
	struct model_params p;
	struct model_config c = tiny(variant);
	ck_assert_int_eq(model_params_alloc(&p, &c, &st), STATUS_OK);
	randomize(&p, 21);
	struct model_pass *m;
	ck_assert_int_eq(model_pass_new(&m, &p, 0, &st), STATUS_OK);
	float full[2][10 * TINY_V];
	ck_assert_int_eq(model_forward(m, p.mem, seq_a, 1, 10, NULL, NULL, &st), STATUS_OK);
	memcpy(full[0], m->logits, sizeof full[0]);
	ck_assert_int_eq(model_forward(m, p.mem, seq_b, 1, 10, NULL, NULL, &st), STATUS_OK);
	memcpy(full[1], m->logits, sizeof full[1]);
	model_pass_free(m);

	struct decoder_weights wb;
	ck_assert_int_eq(decoder_weights_init(&wb, &p, dtype, &st), STATUS_OK);
	struct decoder d;
	ck_assert_int_eq(decoder_init(&d, &p, 2, 16, &st), STATUS_OK);
	decoder_set_weights(&d, &wb);
	int seq[9], tok[9];
	float lg[9 * TINY_V];
	for (int i = 0; i < 9; i++) {
		seq[i] = i < 3 ? 0 : 1;
		tok[i] = i < 3 ? seq_a[i] : seq_b[i - 3];
	}
	double worst = 0.0, big = 0.0;
	ck_assert_int_eq(decoder_step(&d, seq, tok, 9, NULL, lg, NULL, &st), STATUS_OK);
	for (int i = 0; i < 9; i++)
		for (int v = 0; v < TINY_V; v++) {
			float want = i < 3 ? full[0][i * TINY_V + v] : full[1][(i - 3) * TINY_V + v];
			worst = fmax(worst, fabs(lg[i * TINY_V + v] - want));
			big = fmax(big, fabs(want));
		}
	/* then one token of each per step (a then b), as generation feeds them */
	size_t na = 3, nb = 6;
	while (na < 10 || nb < 10) {
		int s2[2], t2[2], r = 0;
		size_t at[2];
		if (na < 10) {
			s2[r] = 0;
			t2[r] = seq_a[na];
			at[r++] = na++;
		}
		if (nb < 10) {
			s2[r] = 1;
			t2[r] = seq_b[nb];
			at[r++] = nb++;
		}
		ck_assert_int_eq(decoder_step(&d, s2, t2, (size_t)r, NULL, lg, NULL, &st), STATUS_OK);
		for (int k = 0; k < r; k++)
			for (int v = 0; v < TINY_V; v++) {
				float want = full[s2[k]][at[k] * TINY_V + v];
				worst = fmax(worst, fabs(lg[k * TINY_V + v] - want));
			}
	}
	ck_assert_msg(worst <= tol * big, "variant %d %s: KV decoding differs by %g (largest logit %g)",
	              variant, decoder_dtype_name(dtype), worst, big);
	decoder_free(&d);
	decoder_weights_free(&wb);
	model_params_free(&p);
}

START_TEST(kv_cache_decoding_equals_the_full_forward_pass)
{
	kv_check(0, DECODER_F32, 1e-5f);
	kv_check(1, DECODER_F32, 1e-5f);
}
END_TEST

/* BF16 and int8 copies of the GQA/SwiGLU matrices stay close to F32. */
START_TEST(bf16_and_int8_decoding_stay_close)
{
	kv_check(0, DECODER_BF16, 2e-2f);
	kv_check(1, DECODER_BF16, 2e-2f);
	kv_check(0, DECODER_INT8, 5e-2f);
	kv_check(1, DECODER_INT8, 5e-2f);
}
END_TEST

/* Int8 decoding runs q, k, v (and gate, up) as one product of the pool
 * (gemv_q8_each), whose columns the threads split across the outputs, and
 * SwiGLU on the pool too: the logits are the same bits on 1, 2 and 3
 * threads, one sequence alone or beside another in each call. */
START_TEST(int8_decoding_bits_do_not_depend_on_threads_or_batch)
{
	for (int variant = 0; variant < 2; variant++) {
		struct status st = STATUS_INIT;
		struct model_params p;
		struct model_config c = tiny(variant);
		c.n_inner = 160; /* SwiGLU's 160 or 320 values split between threads too */
		ck_assert_int_eq(model_params_alloc(&p, &c, &st), STATUS_OK);
		randomize(&p, 23);
		struct decoder_weights wb;
		ck_assert_int_eq(decoder_weights_init(&wb, &p, DECODER_INT8, &st), STATUS_OK);
		float alone[10 * TINY_V], got[2 * TINY_V];
		for (int th = 1; th <= 3; th++)
			for (int both = 0; both < 2; both++) {
				if (th == 1 && both)
					continue;
				pool_set_threads(th);
				struct decoder d;
				ck_assert_int_eq(decoder_init(&d, &p, 2, 16, &st), STATUS_OK);
				decoder_set_weights(&d, &wb);
				for (int t = 0; t < 10; t++) {
					int s2[2] = { 0, 1 }, t2[2] = { seq_a[t], seq_b[t] };
					float *lg = th == 1 ? alone + t * TINY_V : got;
					ck_assert_int_eq(decoder_step(&d, s2, t2, both ? 2 : 1, NULL, lg, NULL, &st),
					                 STATUS_OK);
					ck_assert_msg(memcmp(lg, alone + t * TINY_V, TINY_V * sizeof *lg) == 0,
					              "variant %d, token %d, %d threads, %s", variant, t, th,
					              both ? "beside another sequence" : "alone");
				}
				decoder_free(&d);
			}
		pool_set_threads(1);
		decoder_weights_free(&wb);
		model_params_free(&p);
	}
}
END_TEST

static void expect_config(const char *json, enum status_code code, const char *needle)
{
	struct status st = STATUS_INIT;
	struct model_config c;
	ck_assert_int_eq(checkpoint_config_parse(json, strlen(json), "cfg.json", &c, &st), code);
	ck_assert_msg(strstr(st.msg, needle) != NULL, "'%s' lacks '%s'", st.msg, needle);
	ck_assert_msg(strncmp(st.msg, "cfg.json", 8) == 0, "'%s' does not name the file", st.msg);
}

#define BASE "\"model_type\": \"llama\", \"hidden_size\": 16, \"intermediate_size\": 8, " \
             "\"num_hidden_layers\": 1, \"num_attention_heads\": 4, \"vocab_size\": 10, " \
             "\"max_position_embeddings\": 8"

START_TEST(config_errors_name_the_key)
{
	struct status st = STATUS_INIT;
	struct model_config c;
	const char *ok = "{" BASE ", \"num_key_value_heads\": 2, \"eos_token_id\": [2, 3]}";
	ck_assert_int_eq(checkpoint_config_parse(ok, strlen(ok), "cfg.json", &c, &st), STATUS_OK);
	ck_assert_ptr_eq(model_family_of(&c), &llama_family);
	ck_assert_int_eq(c.n_kv_head, 2);
	ck_assert_int_eq(c.eos_token_id, 2);
	ck_assert_float_eq(c.layer_norm_epsilon, 1e-6f);
	expect_config("{" BASE ", \"num_key_value_heads\": 3}", STATUS_FORMAT,
	              "num_key_value_heads 3 does not divide num_attention_heads 4");
	expect_config("{\"model_type\": \"llama\", \"hidden_size\": 18, \"num_attention_heads\": 4, "
	              "\"intermediate_size\": 8, \"num_hidden_layers\": 1, \"vocab_size\": 10}",
	              STATUS_FORMAT, "hidden_size 18 is not divisible by num_attention_heads 4");
	/* a missing size is named, not guessed (Hugging Face's defaults are Llama-2-7B's) */
	static const char *const sizes[] = { "hidden_size", "intermediate_size", "num_hidden_layers",
	                                     "num_attention_heads", "vocab_size" };
	for (size_t k = 0; k < 5; k++) {
		char js[512] = "{\"model_type\": \"qwen2\"", need[96];
		const char *val[] = { "16", "8", "1", "4", "10" };
		for (size_t m = 0; m < 5; m++)
			if (m != k)
				snprintf(js + strlen(js), sizeof js - strlen(js), ", \"%s\": %s", sizes[m], val[m]);
		strcat(js, "}");
		snprintf(need, sizeof need, "key '%s' is missing (a qwen2 model's size)", sizes[k]);
		expect_config(js, STATUS_FORMAT, need);
	}
	expect_config("{" BASE ", \"rope_scaling\": {\"rope_type\": \"yarn\", \"factor\": 2}}",
	              STATUS_UNSUPPORTED, "key 'rope_scaling.rope_type' = \"yarn\" is not supported");
	expect_config("{" BASE ", \"rope_scaling\": {\"type\": \"linear\"}}", STATUS_FORMAT,
	              "key 'rope_scaling.factor' must be a number");
	expect_config("{" BASE ", \"rope_scaling\": {\"rope_type\": \"llama3\", \"factor\": 8, "
	              "\"low_freq_factor\": 1, \"high_freq_factor\": 4}}", STATUS_FORMAT,
	              "original_max_position_embeddings");
	expect_config("{" BASE ", \"hidden_act\": \"gelu\"}", STATUS_UNSUPPORTED,
	              "key 'hidden_act' = \"gelu\" is not supported");
	expect_config("{" BASE ", \"mlp_bias\": true}", STATUS_UNSUPPORTED, "key 'mlp_bias'");
	expect_config("{" BASE ", \"architectures\": [\"Qwen2ForCausalLM\"]}", STATUS_UNSUPPORTED,
	              "\"Qwen2ForCausalLM\" is not supported for model_type \"llama\"");
	expect_config("{" BASE ", \"head_dim\": 5}", STATUS_FORMAT, "head_dim 5 is odd");
	expect_config("{" BASE ", \"num_key_value_heads\": \"2\"}", STATUS_FORMAT,
	              "key 'num_key_value_heads' must be an integer");
}
END_TEST

/* Mistral's sliding window: contexts longer than it are refused with the key. */
START_TEST(sliding_window_is_refused_beyond_it)
{
	struct status st = STATUS_INIT;
	struct model_config c;
	const char *js = "{\"model_type\": \"mistral\", \"hidden_size\": 16, \"intermediate_size\": 8,"
	                 " \"num_hidden_layers\": 1, \"num_attention_heads\": 4, \"vocab_size\": 10,"
	                 " \"max_position_embeddings\": 32, \"sliding_window\": 4}";
	ck_assert_int_eq(checkpoint_config_parse(js, strlen(js), "cfg.json", &c, &st), STATUS_OK);
	ck_assert_int_eq(c.sliding_window, 4);
	ck_assert_uint_eq(model_context(&c), 4);
	struct model_params p;
	ck_assert_int_eq(model_params_alloc(&p, &c, &st), STATUS_OK);
	struct model_pass *m;
	ck_assert_int_eq(model_pass_new(&m, &p, 0, &st), STATUS_OK);
	ck_assert_uint_eq(m->P, 4);
	int tok[5] = { 1, 2, 3, 4, 5 };
	ck_assert_int_eq(model_forward(m, p.mem, tok, 1, 4, NULL, NULL, &st), STATUS_OK);
	ck_assert_int_eq(model_forward(m, p.mem, tok, 1, 5, NULL, NULL, &st), STATUS_UNSUPPORTED);
	ck_assert_msg(strstr(st.msg, "sliding_window of 4") != NULL, "%s", st.msg);
	model_pass_free(m);
	struct decoder d;
	ck_assert_int_eq(decoder_init(&d, &p, 1, 100, &st), STATUS_OK);
	ck_assert_uint_eq(d.cap, 4);
	decoder_free(&d);
	model_params_free(&p);
}
END_TEST

/* A sharded checkpoint (model.safetensors.index.json and two files, BF16 in
 * one and F32 in the other) loads to the same parameters as a single file. */
START_TEST(sharded_checkpoint_loads_like_one_file)
{
	struct status st = STATUS_INIT;
	struct model_params p, q, r;
	struct model_config c = tiny(0);
	ck_assert_int_eq(model_params_alloc(&p, &c, &st), STATUS_OK);
	randomize(&p, 3);
	char one[4096], two[4096], path[4200];
	snprintf(one, sizeof one, "%s/one", harness_tmpdir());
	snprintf(two, sizeof two, "%s/two", harness_tmpdir());
	ck_assert_msg(checkpoint_save(one, &p, NULL, &st) == STATUS_OK, "%s", st.msg);
	ck_assert_msg(checkpoint_save(two, &p, &(struct checkpoint_save_opts){ .bf16 = 1 }, &st) ==
	              STATUS_OK, "%s", st.msg);
	snprintf(path, sizeof path, "%s/model.safetensors", two);
	ck_assert_int_eq(unlink(path), 0);
	/* the layers in shard 1 (BF16), the rest in shard 2 (F32) */
	size_t n = model_params_describe(&p, NULL);
	struct model_tensor *t = calloc(n, sizeof *t);
	model_params_describe(&p, t);
	struct safetensors_writer *w[2] = { safetensors_writer_new(), safetensors_writer_new() };
	json_t *map = json_object();
	for (size_t i = 0; i < n; i++) {
		int k = strncmp(t[i].name, "model.layers.", 13) == 0 ? 0 : 1;
		ck_assert_int_eq(safetensors_writer_add_ref(w[k], t[i].name, k ? ST_F32 : ST_BF16,
		                                            t[i].ndim, t[i].shape, t[i].data, &st),
		                 STATUS_OK);
		json_object_set_new(map, t[i].name, json_string(k ? "model-00002-of-00002.safetensors"
		                                                   : "model-00001-of-00002.safetensors"));
	}
	for (int k = 0; k < 2; k++) {
		snprintf(path, sizeof path, "%s/model-0000%d-of-00002.safetensors", two, k + 1);
		ck_assert_int_eq(safetensors_writer_save(w[k], path, &st), STATUS_OK);
		safetensors_writer_free(w[k]);
	}
	json_t *idx = json_pack("{s:{}, s:o}", "metadata", "weight_map", map);
	snprintf(path, sizeof path, "%s/model.safetensors.index.json", two);
	ck_assert_int_eq(json_dump_file(idx, path, 0), 0);
	json_decref(idx);
	ck_assert_msg(checkpoint_load(one, &q, NULL, &st) == STATUS_OK, "%s", st.msg);
	ck_assert_msg(checkpoint_load(two, &r, NULL, &st) == STATUS_OK, "%s", st.msg);
	ck_assert_ptr_eq(model_family_of(&r.cfg), &llama_family);
	ck_assert_uint_eq(q.count, p.count);
	ck_assert_int_eq(memcmp(q.mem, p.mem, p.count * sizeof *p.mem), 0);
	/* the layers went through BF16, the rest not */
	double worst = 0.0;
	for (size_t i = 0; i < n; i++) {
		size_t at = (size_t)(t[i].data - p.mem);
		size_t k = (size_t)t[i].shape[0] * (t[i].ndim > 1 ? (size_t)t[i].shape[1] : 1);
		for (size_t j = 0; j < k; j++) {
			double d = fabs((double)r.mem[at + j] - p.mem[at + j]);
			if (strncmp(t[i].name, "model.layers.", 13) != 0)
				ck_assert_msg(d == 0.0, "%s differs", t[i].name);
			worst = fmax(worst, d / fmax(fabs((double)p.mem[at + j]), 1e-30));
		}
	}
	ck_assert_msg(worst > 0.0 && worst <= 1.0 / 256, "BF16 rounding %g", worst);
	free(t);
	model_params_free(&p);
	model_params_free(&q);
	model_params_free(&r);
}
END_TEST

/* Decodes a fixed prefill and three steps of two sequences into lg [12, V]. */
static void decode_fixture(const struct model_params *p, const struct decoder_weights *wb, float *lg)
{
	struct status st = STATUS_INIT;
	size_t V = (size_t)p->cfg.vocab_size;
	struct decoder d;
	ck_assert_msg(decoder_init(&d, p, 2, 16, &st) == STATUS_OK, "%s", st.msg);
	decoder_set_weights(&d, wb);
	int seq[6] = { 0, 0, 0, 1, 1, 1 }, tok[6] = { 1, 5, 9, 1, 30, 7 };
	ck_assert_int_eq(decoder_step(&d, seq, tok, 6, NULL, lg, NULL, &st), STATUS_OK);
	for (int k = 0; k < 3; k++) {
		int s2[2] = { 0, 1 }, t2[2] = { 3 + k, 20 - k };
		ck_assert_int_eq(decoder_step(&d, s2, t2, 2, NULL, lg + (6 + 2 * k) * V, NULL, &st),
		                 STATUS_OK);
	}
	decoder_free(&d);
}

/* A BF16 checkpoint loaded for decoding goes straight into BF16 weights (no
 * F32 matrices: they are poisoned here) and decodes bit for bit as the F32
 * load followed by decoder_weights_init did. */
START_TEST(bf16_checkpoint_decodes_without_f32_matrices)
{
	char dir[4096];
	snprintf(dir, sizeof dir, "%s/tests/fixtures/llama/llama-mqa-bf16", harness_srcdir());
	struct status st = STATUS_INIT;
	struct model_params p, q;
	struct decoder_weights wp, wq;
	ck_assert_msg(checkpoint_load(dir, &p, NULL, &st) == STATUS_OK, "%s", st.msg);
	ck_assert_msg(decoder_weights_init(&wp, &p, DECODER_BF16, &st) == STATUS_OK, "%s", st.msg);
	ck_assert_msg(checkpoint_load_decoding(dir, &q, &wq, DECODER_BF16, NULL, &st) == STATUS_OK,
	              "%s", st.msg);
	ck_assert_ptr_nonnull(wq.embed);
	ck_assert_uint_eq(q.count, p.count);
	size_t n = model_params_describe(&q, NULL), V = (size_t)p.cfg.vocab_size;
	struct model_tensor *t = calloc(n, sizeof *t);
	ck_assert_ptr_nonnull(t);
	model_params_describe(&q, t);
	for (size_t i = 0; i < n; i++)
		for (int64_t j = 0; t[i].ndim > 1 && j < t[i].shape[0] * t[i].shape[1]; j++)
			t[i].data[j] = NAN;
	free(t);
	float *a = malloc(12 * V * sizeof *a), *b = malloc(12 * V * sizeof *b);
	ck_assert(a && b);
	decode_fixture(&p, &wp, a);
	decode_fixture(&q, &wq, b);
	ck_assert_int_eq(memcmp(a, b, 12 * V * sizeof *a), 0);
	free(a);
	free(b);
	decoder_weights_free(&wp);
	decoder_weights_free(&wq);
	model_params_free(&p);
	model_params_free(&q);
	/* an F16 checkpoint goes the same way; an F32 request loads F32 */
	snprintf(dir, sizeof dir, "%s/tests/fixtures/llama/mistral-f16", harness_srcdir());
	ck_assert_msg(checkpoint_load_decoding(dir, &q, &wq, DECODER_BF16, NULL, &st) == STATUS_OK,
	              "%s", st.msg);
	ck_assert_ptr_nonnull(wq.embed);
	decoder_weights_free(&wq);
	model_params_free(&q);
	ck_assert_msg(checkpoint_load_decoding(dir, &q, &wq, DECODER_F32, NULL, &st) == STATUS_OK,
	              "%s", st.msg);
	ck_assert_ptr_null(wq.embed);
	ck_assert_ptr_null(wq.bf16);
	decoder_weights_free(&wq);
	model_params_free(&q);
}
END_TEST

/* NANs into every matrix of q (what a decoding-only load must never read). */
static void poison_matrices(struct model_params *q)
{
	size_t n = model_params_describe(q, NULL);
	struct model_tensor *t = calloc(n, sizeof *t);
	ck_assert_ptr_nonnull(t);
	model_params_describe(q, t);
	for (size_t i = 0; i < n; i++)
		for (int64_t j = 0; t[i].ndim > 1 && j < t[i].shape[0] * t[i].shape[1]; j++)
			t[i].data[j] = NAN;
	free(t);
}

/* int8 decoding loads any checkpoint straight (no F32 matrices) with the
 * same quantized matrices as the F32 load + decoder_weights_init; only the
 * embedding's rows are read in BF16 instead of F32: its logits stay within
 * 3% of the largest of the other path's (int8 itself is bounded at 5% of
 * F32 in bf16_and_int8_decoding_stay_close). */
START_TEST(int8_checkpoint_decodes_without_f32_matrices)
{
	static const char *const fixtures[] = { "llama-gqa", "qwen2-tie", "llama-mqa-bf16" };
	for (size_t f = 0; f < 3; f++) {
		char dir[4096];
		snprintf(dir, sizeof dir, "%s/tests/fixtures/llama/%s", harness_srcdir(), fixtures[f]);
		struct status st = STATUS_INIT;
		struct model_params p, q;
		struct decoder_weights wp, wq;
		ck_assert_msg(checkpoint_load(dir, &p, NULL, &st) == STATUS_OK, "%s", st.msg);
		ck_assert_msg(decoder_weights_init(&wp, &p, DECODER_INT8, &st) == STATUS_OK, "%s", st.msg);
		ck_assert_msg(checkpoint_load_decoding(dir, &q, &wq, DECODER_INT8, NULL, &st) == STATUS_OK,
		              "%s", st.msg);
		ck_assert_ptr_nonnull(wq.embed);
		ck_assert_ptr_nonnull(wq.embed_mem);
		ck_assert_ptr_null(wq.bf16);
		poison_matrices(&q);
		size_t V = (size_t)p.cfg.vocab_size;
		float *a = malloc(12 * V * sizeof *a), *b = malloc(12 * V * sizeof *b);
		ck_assert(a && b);
		decode_fixture(&p, &wp, a);
		decode_fixture(&q, &wq, b);
		double worst = 0.0, big = 0.0;
		for (size_t i = 0; i < 12 * V; i++) {
			ck_assert(isfinite(b[i]));
			worst = fmax(worst, fabs((double)a[i] - b[i]));
			big = fmax(big, fabs((double)a[i]));
		}
		ck_assert_msg(worst <= 3e-2 * big, "%s: int8 straight differs by %g (largest %g)",
		              fixtures[f], worst, big);
		free(a);
		free(b);
		decoder_weights_free(&wp);
		decoder_weights_free(&wq);
		model_params_free(&p);
		model_params_free(&q);
	}
	/* a matrix that is not finite (it would have no int8 scale) is refused as
	 * the F32 load refuses it: one error naming the file and the tensor */
	struct status st = STATUS_INIT;
	struct model_params p, q;
	struct decoder_weights wq;
	struct model_config c = tiny(0);
	ck_assert_int_eq(model_params_alloc(&p, &c, &st), STATUS_OK);
	randomize(&p, 5);
	struct model_tensor t[MODEL_MAX_TENSORS(4)];
	size_t n = model_params_describe(&p, t);
	size_t k = 0;
	while (k < n && strcmp(t[k].name, "model.layers.0.mlp.up_proj.weight") != 0)
		k++;
	ck_assert_uint_lt(k, n);
	t[k].data[3] = NAN;
	char dir[4096];
	snprintf(dir, sizeof dir, "%s/nan-int8", harness_tmpdir());
	ck_assert_msg(checkpoint_save(dir, &p, NULL, &st) == STATUS_OK, "%s", st.msg);
	model_params_free(&p);
	ck_assert_int_eq(checkpoint_load_decoding(dir, &q, &wq, DECODER_INT8, NULL, &st), STATUS_FORMAT);
	ck_assert_msg(strstr(st.msg, "model.safetensors") &&
	              strstr(st.msg, "'model.layers.0.mlp.up_proj.weight'") && strstr(st.msg, "NaN"),
	              "%s", st.msg);
	ck_assert_ptr_null(wq.q8);
}
END_TEST

/* A model whose embedding, head and MLP matrices are wider than one slice of
 * a decoding-only load (about a million values: the Qwen2.5-0.5B shape's
 * embedding is 136 of them), so they are read from the file in several
 * slices of rows: the decoding weights equal those of the F32 load +
 * decoder_weights_init byte for byte (BF16 panels, int8 panels and scales),
 * and the int8 load's BF16 embedding rows are the F32 embedding rounded. */
static void sliced_case(int variant, const char *tag)
{
	struct status st = STATUS_INIT;
	struct model_config c = tiny(variant);
	c.n_layer = 1;
	c.n_embd = 256;
	c.n_inner = 4160; /* gate/up [4160, 256]: 2 slices; down [256, 4160]: 192 + 64 rows */
	c.vocab_size = 4200; /* [4200, 256]: 4096 + 104 rows */
	struct model_params p;
	ck_assert_int_eq(model_params_alloc(&p, &c, &st), STATUS_OK);
	randomize(&p, 11 + (unsigned)variant);
	char f32[4096], bf[4096];
	snprintf(f32, sizeof f32, "%s/sliced-%s-f32", harness_tmpdir(), tag);
	snprintf(bf, sizeof bf, "%s/sliced-%s-bf16", harness_tmpdir(), tag);
	ck_assert_msg(checkpoint_save(f32, &p, NULL, &st) == STATUS_OK, "%s", st.msg);
	ck_assert_msg(checkpoint_save(bf, &p, &(struct checkpoint_save_opts){ .bf16 = 1 }, &st) ==
	              STATUS_OK, "%s", st.msg);
	model_params_free(&p);
	const char *dirs[3] = { bf, f32, bf };
	const enum decoder_dtype types[3] = { DECODER_BF16, DECODER_INT8, DECODER_INT8 };
	for (int k = 0; k < 3; k++) {
		struct model_params q;
		struct decoder_weights wp, wq;
		ck_assert_msg(checkpoint_load(dirs[k], &p, NULL, &st) == STATUS_OK, "%s", st.msg);
		ck_assert_msg(decoder_weights_init(&wp, &p, types[k], &st) == STATUS_OK, "%s", st.msg);
		ck_assert_msg(checkpoint_load_decoding(dirs[k], &q, &wq, types[k], NULL, &st) == STATUS_OK,
		              "%s", st.msg);
		if (types[k] == DECODER_BF16) {
			ck_assert_ptr_nonnull(wq.bf16);
			ck_assert_int_eq(memcmp(wp.bf16, wq.bf16, p.count * sizeof *wp.bf16), 0);
		} else {
			struct llama_layout lay;
			ck_assert_int_eq(llama_layout_init(&lay, &p.cfg, &st), STATUS_OK);
			size_t head = 7 * lay.L, V = lay.V, C = lay.C;
			size_t bytes = wp.q_at[head] + gemv_q8_bytes(C, V);
			size_t scales = wp.scale_at[head] + gemv_q8_scales(C, V);
			ck_assert_int_eq(memcmp(wp.q8, wq.q8, bytes), 0);
			ck_assert_int_eq(memcmp(wp.scale, wq.scale, scales * sizeof *wp.scale), 0);
			uint16_t *e = malloc(V * C * sizeof *e);
			ck_assert_ptr_nonnull(e);
			gemv_bf16_from_f32(e, p.mem + llama_off(&lay, LLAMA_EMBED), V * C);
			ck_assert_int_eq(memcmp(e, wq.embed_mem, V * C * sizeof *e), 0);
			free(e);
			llama_layout_free(&lay);
		}
		decoder_weights_free(&wp);
		decoder_weights_free(&wq);
		model_params_free(&p);
		model_params_free(&q);
	}
}

START_TEST(sliced_decoding_loads_equal_the_f32_path)
{
	sliced_case(0, "untied");
	sliced_case(1, "tied");
}
END_TEST

/* A tied model's file may carry an lm_head.weight that copies the embedding,
 * here in F32 beside a BF16 embedding: compared slice by slice as F32, it is
 * accepted when equal and refused, naming both tensors, when one value in
 * its last slice differs. */
START_TEST(tied_head_copy_is_compared_slice_by_slice)
{
	struct status st = STATUS_INIT;
	struct model_config c = tiny(1);
	c.n_layer = 1;
	c.n_embd = 256;
	c.vocab_size = 4200;
	struct model_params p;
	ck_assert_int_eq(model_params_alloc(&p, &c, &st), STATUS_OK);
	randomize(&p, 21);
	char dir[4096], file[4200];
	snprintf(dir, sizeof dir, "%s/tied-head", harness_tmpdir());
	snprintf(file, sizeof file, "%s/model.safetensors", dir);
	ck_assert_msg(checkpoint_save(dir, &p, &(struct checkpoint_save_opts){ .bf16 = 1 }, &st) ==
	              STATUS_OK, "%s", st.msg);
	size_t n = model_params_describe(&p, NULL), V = 4200, C = 256;
	struct model_tensor *t = calloc(n, sizeof *t);
	ck_assert_ptr_nonnull(t);
	model_params_describe(&p, t);
	float *head = malloc(V * C * sizeof *head);
	ck_assert_ptr_nonnull(head);
	for (size_t i = 0; i < V * C; i++) /* the embedding as the BF16 file holds it */
		head[i] = safetensors_bf16_to_f32(safetensors_f32_to_bf16(t[0].data[i]));
	for (int bad = 0; bad < 2; bad++) {
		if (bad)
			head[(V - 3) * C + 7] += 1.0f;
		struct safetensors_writer *w = safetensors_writer_new();
		for (size_t i = 0; i < n; i++)
			ck_assert_int_eq(safetensors_writer_add(w, t[i].name, ST_BF16, t[i].ndim, t[i].shape,
			                                        t[i].data, &st), STATUS_OK);
		ck_assert_int_eq(safetensors_writer_add(w, "lm_head.weight", ST_F32, 2,
		                                        (int64_t[]){ (int64_t)V, (int64_t)C }, head, &st),
		                 STATUS_OK);
		ck_assert_msg(safetensors_writer_save(w, file, &st) == STATUS_OK, "%s", st.msg);
		safetensors_writer_free(w);
		struct model_params q;
		struct decoder_weights wq;
		enum status_code rc = checkpoint_load_decoding(dir, &q, &wq, DECODER_INT8, NULL, &st);
		if (!bad) {
			ck_assert_msg(rc == STATUS_OK, "%s", st.msg);
			decoder_weights_free(&wq);
			model_params_free(&q);
		} else {
			ck_assert_int_eq(rc, STATUS_UNSUPPORTED);
			ck_assert_msg(strstr(st.msg, "model.safetensors: tensor 'lm_head.weight': differs "
			                     "from model.embed_tokens.weight"), "%s", st.msg);
			ck_assert_ptr_null(wq.q8);
		}
	}
	free(head);
	free(t);
	model_params_free(&p);
}
END_TEST

/* A reward model decodes too: a kept row's "logits" are its scores, those of
 * the forward pass at that token. Saved in BF16, it loads straight for BF16
 * decoding and scores bit for bit as the F32 load + decoder_weights_init. */
START_TEST(reward_model_scores_through_the_decoder)
{
	struct status st = STATUS_INIT;
	char dir[4096], bf[4096];
	snprintf(dir, sizeof dir, "%s/tests/fixtures/llama/rm-llama", harness_srcdir());
	snprintf(bf, sizeof bf, "%s/rm-bf16", harness_tmpdir());
	struct model_params p, q, r;
	ck_assert_msg(checkpoint_load(dir, &p, NULL, &st) == STATUS_OK, "%s", st.msg);
	size_t K = (size_t)p.cfg.num_labels;
	const int row[5] = { 9, 8, 7, 6, 2 };
	struct model_pass *m;
	ck_assert_int_eq(model_pass_new(&m, &p, 0, &st), STATUS_OK);
	ck_assert_int_eq(model_forward(m, p.mem, row, 1, 5, NULL, NULL, &st), STATUS_OK);
	float want[2], got[2], bits[2];
	memcpy(want, m->scores, K * sizeof *want);
	model_pass_free(m);
	struct decoder d;
	int seq[5] = { 0 };
	unsigned char keep[5] = { 0, 0, 0, 0, 1 };
	ck_assert_msg(decoder_init(&d, &p, 1, 5, &st) == STATUS_OK, "%s", st.msg);
	ck_assert_int_eq(decoder_step(&d, seq, row, 5, keep, got, NULL, &st), STATUS_OK);
	decoder_free(&d);
	for (size_t k = 0; k < K; k++)
		ck_assert_msg(fabs(got[k] - want[k]) <= 1e-5 * fmax(fabs(want[k]), 1.0), "label %zu: %g, %g",
		              k, got[k], want[k]);
	/* a reward model does not generate */
	const int *ctx = row;
	size_t len = 5;
	struct generate_params gp = GENERATE_DEFAULTS;
	struct generate_output out;
	ck_assert_int_eq(generate(&p, &ctx, &len, 1, &gp, NULL, &out, &st), STATUS_INVALID);
	ck_assert_msg(checkpoint_save(bf, &p, &(struct checkpoint_save_opts){ .bf16 = 1 }, &st) ==
	              STATUS_OK, "%s", st.msg);
	model_params_free(&p);
	struct decoder_weights wq, wr;
	ck_assert_msg(checkpoint_load(bf, &q, NULL, &st) == STATUS_OK, "%s", st.msg);
	ck_assert_msg(decoder_weights_init(&wq, &q, DECODER_BF16, &st) == STATUS_OK, "%s", st.msg);
	ck_assert_msg(checkpoint_load_decoding(bf, &r, &wr, DECODER_BF16, NULL, &st) == STATUS_OK,
	              "%s", st.msg);
	ck_assert_ptr_nonnull(wr.embed);
	poison_matrices(&r);
	const struct model_params *ps[2] = { &q, &r };
	const struct decoder_weights *ws[2] = { &wq, &wr };
	for (int i = 0; i < 2; i++) {
		ck_assert_msg(decoder_init(&d, ps[i], 1, 5, &st) == STATUS_OK, "%s", st.msg);
		decoder_set_weights(&d, ws[i]);
		ck_assert_int_eq(decoder_step(&d, seq, row, 5, keep, i ? got : bits, NULL, &st), STATUS_OK);
		decoder_free(&d);
	}
	ck_assert_int_eq(memcmp(got, bits, K * sizeof *got), 0);
	for (size_t k = 0; k < K; k++)
		ck_assert_msg(fabs(got[k] - want[k]) <= 2e-2 * fmax(fabs(want[k]), 1.0), "BF16 label %zu: "
		              "%g, %g", k, got[k], want[k]);
	decoder_weights_free(&wq);
	decoder_weights_free(&wr);
	model_params_free(&q);
	model_params_free(&r);
}
END_TEST

Suite *harness_suite(void)
{
	Suite *s = suite_create("llama");
	TCase *tc = harness_add(s, "gradcheck", gqa_bias_llama3_gradient_matches_finite_differences,
	                        qwen2_tied_linear_rope_gradient_matches_finite_differences,
	                        reward_gradient_matches_finite_differences, NULL);
	tcase_set_timeout(tc, 120);
	harness_add(s, "model", parameter_table_has_hugging_face_names,
	            float_forward_agrees_with_double, batched_equals_alone,
	            kv_cache_decoding_equals_the_full_forward_pass, bf16_and_int8_decoding_stay_close,
	            int8_decoding_bits_do_not_depend_on_threads_or_batch,
	            config_errors_name_the_key, sliding_window_is_refused_beyond_it,
	            sharded_checkpoint_loads_like_one_file,
	            bf16_checkpoint_decodes_without_f32_matrices,
	            int8_checkpoint_decodes_without_f32_matrices,
	            reward_model_scores_through_the_decoder, sliced_decoding_loads_equal_the_f32_path,
	            tied_head_copy_is_compared_slice_by_slice, NULL);
	return s;
}
