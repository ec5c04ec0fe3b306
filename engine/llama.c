/* llama: the Llama family's parameter table, layout and passes, and its row
 * in the model interface (llama_family). */
#include "config.h"

#include "engine/llama.h"
#include "engine/init.h"
#include "engine/kernels.h"

#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Biases of a layer's projections: q, k, v (Qwen2 and attention_bias) and o
 * (attention_bias alone). */
static int llama_has_qkv_bias(const struct model_config *c)
{
	return c->qkv_bias || c->attention_bias;
}

static int llama_has_head(const struct model_config *c)
{
	return c->num_labels == 0 && !c->tie_word_embeddings;
}

/* Walks the tensors in checkpoint order: fills out (when not NULL) with
 * pointers into mem (when not NULL), off (when not NULL) with each tensor's
 * offset; returns the tensor count and the floats in *total. */
static size_t llama_walk(const struct model_config *c, float *mem, struct model_tensor *out,
                         size_t *off, size_t *total)
{
	struct model_dims d;
	model_dims(c, &d);
	int64_t C = (int64_t)d.C, HD = (int64_t)(d.NH * d.D), KD = (int64_t)(d.NKV * d.D);
	int64_t I = (int64_t)d.I, V = (int64_t)d.V;
	size_t n = 0, at = 0;
	char name[MODEL_NAME_MAX];
	if (off)
		for (size_t i = 0; i < LLAMA_GLOBALS + d.L * LLAMA_LAYER_TENSORS; i++)
			off[i] = LLAMA_ABSENT;
#define ONE(slot, nm, ndim, d0, d1, decay) do { \
		if (off) \
			off[slot] = at; \
		model_tensor_set(out, &n, (nm), mem ? mem + at : NULL, (ndim), (d0), (d1), (decay)); \
		at += (size_t)(d0) * ((ndim) > 1 ? (size_t)(d1) : 1); \
	} while (0)
	ONE(LLAMA_EMBED, "model.embed_tokens.weight", 2, V, C, 1);
	int bias = llama_has_qkv_bias(c);
	for (size_t l = 0; l < d.L; l++) {
		const struct {
			enum llama_layer_tensor t;
			const char *suffix;
			int ndim, present;
			int64_t d0, d1;
		} f[] = {
			{ LLAMA_LN1, "input_layernorm.weight", 1, 1, C, 0 },
			{ LLAMA_QW, "self_attn.q_proj.weight", 2, 1, HD, C },
			{ LLAMA_QB, "self_attn.q_proj.bias", 1, bias, HD, 0 },
			{ LLAMA_KW, "self_attn.k_proj.weight", 2, 1, KD, C },
			{ LLAMA_KB, "self_attn.k_proj.bias", 1, bias, KD, 0 },
			{ LLAMA_VW, "self_attn.v_proj.weight", 2, 1, KD, C },
			{ LLAMA_VB, "self_attn.v_proj.bias", 1, bias, KD, 0 },
			{ LLAMA_OW, "self_attn.o_proj.weight", 2, 1, C, HD },
			{ LLAMA_OB, "self_attn.o_proj.bias", 1, c->attention_bias, C, 0 },
			{ LLAMA_LN2, "post_attention_layernorm.weight", 1, 1, C, 0 },
			{ LLAMA_GATE, "mlp.gate_proj.weight", 2, 1, I, C },
			{ LLAMA_UP, "mlp.up_proj.weight", 2, 1, I, C },
			{ LLAMA_DOWN, "mlp.down_proj.weight", 2, 1, C, I },
		};
		for (size_t k = 0; k < sizeof f / sizeof f[0]; k++) {
			if (!f[k].present)
				continue;
			snprintf(name, sizeof name, "model.layers.%zu.%s", l, f[k].suffix);
			/* matrices decay; norms and biases do not */
			ONE(LLAMA_GLOBALS + l * LLAMA_LAYER_TENSORS + f[k].t, name, f[k].ndim, f[k].d0,
			    f[k].d1, f[k].ndim > 1);
		}
	}
	ONE(LLAMA_NORM, "model.norm.weight", 1, C, 0, 0);
	if (llama_has_head(c))
		ONE(LLAMA_HEAD, "lm_head.weight", 2, V, C, 1);
	else if (off)
		off[LLAMA_HEAD] = off[LLAMA_EMBED];
	if (c->num_labels > 0)
		ONE(LLAMA_SCORE, "score.weight", 2, (int64_t)c->num_labels, C, 1);
#undef ONE
	if (total)
		*total = at;
	return n;
}

static size_t llama_count(const struct model_config *c)
{
	size_t total;
	llama_walk(c, NULL, NULL, NULL, &total);
	return total;
}

static size_t llama_describe(const struct model_params *p, struct model_tensor *out)
{
	return llama_walk(&p->cfg, p->mem, out, NULL, NULL);
}

static void llama_bind(struct model_params *p)
{
	p->wte = p->mem; /* the embedding comes first */
}

static enum status_code llama_check(const struct model_config *c, struct status *st)
{
	if (c->head_dim < 0 || c->n_kv_head < 0)
		return status_set(st, STATUS_FORMAT, "head_dim %d and num_key_value_heads %d must not "
		                  "be negative", c->head_dim, c->n_kv_head);
	if (c->head_dim == 0 && c->n_embd % c->n_head != 0)
		return status_set(st, STATUS_FORMAT, "hidden_size %d is not divisible by "
		                  "num_attention_heads %d (and head_dim is not given)", c->n_embd,
		                  c->n_head);
	struct model_dims d;
	model_dims(c, &d);
	if (d.NH % d.NKV != 0)
		return status_set(st, STATUS_FORMAT, "num_key_value_heads %zu does not divide "
		                  "num_attention_heads %zu", d.NKV, d.NH);
	if (d.D % 2 != 0)
		return status_set(st, STATUS_FORMAT, "head_dim %zu is odd: rotary embeddings need "
		                  "pairs", d.D);
	if (!(c->rope_theta > 0.0))
		return status_set(st, STATUS_FORMAT, "rope_theta %g must be positive", c->rope_theta);
	if (c->rope_type == MODEL_ROPE_LINEAR && !(c->rope_factor > 0.0))
		return status_set(st, STATUS_FORMAT, "rope_scaling factor %g must be positive",
		                  c->rope_factor);
	if (c->rope_type == MODEL_ROPE_LLAMA3 &&
	    (!(c->rope_factor > 0.0) || !(c->rope_low_freq > 0.0) ||
	     !(c->rope_high_freq > c->rope_low_freq) || c->rope_original_max <= 0))
		return status_set(st, STATUS_FORMAT, "rope_scaling of type llama3 needs factor > 0, "
		                  "0 < low_freq_factor < high_freq_factor and "
		                  "original_max_position_embeddings > 0");
	if (c->sliding_window < 0)
		return status_set(st, STATUS_FORMAT, "sliding_window %d is negative", c->sliding_window);
	return STATUS_OK;
}

enum status_code llama_layout_init(struct llama_layout *lay, const struct model_config *c,
                                   struct status *st)
{
	memset(lay, 0, sizeof *lay);
	struct model_dims d;
	model_dims(c, &d);
	lay->L = d.L;
	lay->C = d.C;
	lay->NH = d.NH;
	lay->NKV = d.NKV;
	lay->D = d.D;
	lay->I = d.I;
	lay->V = d.V;
	lay->P = (size_t)c->n_positions;
	lay->labels = d.labels;
	lay->window = c->sliding_window > 0 ? (size_t)c->sliding_window : 0;
	lay->eps = c->layer_norm_epsilon;
	lay->pad_id = c->pad_token_id;
	lay->off = malloc((LLAMA_GLOBALS + d.L * LLAMA_LAYER_TENSORS) * sizeof *lay->off);
	lay->inv_freq = malloc((d.D / 2 + 1) * sizeof *lay->inv_freq);
	if (!lay->off || !lay->inv_freq) {
		llama_layout_free(lay);
		return status_set(st, STATUS_NOMEM, "cannot allocate the tensor table");
	}
	llama_walk(c, NULL, NULL, lay->off, &lay->count);
	/* inv_freq as transformers computes it (float64 here, rounded to float as there) */
	size_t half = d.D / 2;
	for (size_t i = 0; i < half; i++) {
		double inv = 1.0 / pow(c->rope_theta, (double)(2 * i) / (double)d.D);
		if (c->rope_type == MODEL_ROPE_LINEAR)
			inv /= c->rope_factor;
		else if (c->rope_type == MODEL_ROPE_LLAMA3) {
			double old = c->rope_original_max, lo = c->rope_low_freq, hi = c->rope_high_freq;
			double wl = 2.0 * M_PI / inv, lo_wl = old / lo, hi_wl = old / hi;
			if (wl > lo_wl)
				inv /= c->rope_factor;
			else if (!(wl < hi_wl)) {
				double smooth = (old / wl - lo) / (hi - lo);
				inv = (1.0 - smooth) * inv / c->rope_factor + smooth * inv;
			}
		}
		lay->inv_freq[i] = (double)(float)inv;
	}
	return STATUS_OK;
}

void llama_layout_free(struct llama_layout *lay)
{
	free(lay->off);
	free(lay->inv_freq);
	memset(lay, 0, sizeof *lay);
}

size_t llama_off(const struct llama_layout *lay, enum llama_global_tensor t)
{
	return lay->off[t];
}

size_t llama_off_layer(const struct llama_layout *lay, size_t l, enum llama_layer_tensor t)
{
	return lay->off[LLAMA_GLOBALS + l * LLAMA_LAYER_TENSORS + (size_t)t];
}

void llama_rope_at(const struct llama_layout *lay, double *cs, size_t pos)
{
	size_t half = lay->D / 2;
	for (size_t i = 0; i < half; i++) {
		/* the angle in float, as transformers forms it */
		float ang = (float)pos * (float)lay->inv_freq[i];
		cs[i] = cos((double)ang);
		cs[half + i] = sin((double)ang);
	}
}

void llama_rope_table(const struct llama_layout *lay, double *cs, size_t n)
{
	for (size_t t = 0; t < n; t++)
		llama_rope_at(lay, cs + t * lay->D, t);
}

#define LLAMA_REAL float
#define LLAMA_SUF(x) x
#define KS(x) x
#include "engine/llama_impl.h"
#undef LLAMA_REAL
#undef LLAMA_SUF
#undef KS

#define LLAMA_REAL double
#define LLAMA_SUF(x) x##_f64
#define KS(x) x##_f64
#include "engine/llama_impl.h"
#undef LLAMA_REAL
#undef LLAMA_SUF
#undef KS

/* ---- the model interface ----------------------------------------------- */

struct llama_pass {
	struct model_pass base;
	struct llama_layout lay;
	struct llama_acts acts;
};

static void llama_pass_free(struct model_pass *m)
{
	struct llama_pass *g = (struct llama_pass *)m;
	llama_acts_free(&g->acts);
	llama_layout_free(&g->lay);
	free(g);
}

static enum status_code llama_pass_new(struct model_pass **out, const struct model_params *p,
                                       int train, struct status *st)
{
	struct llama_pass *g = calloc(1, sizeof *g);
	if (!g)
		return status_set(st, STATUS_NOMEM, "out of memory");
	g->base.family = &llama_family;
	llama_acts_init(&g->acts, train);
	enum status_code rc = llama_layout_init(&g->lay, &p->cfg, st);
	if (rc != STATUS_OK) {
		free(g);
		return rc;
	}
	g->base.V = g->lay.V;
	g->base.labels = g->lay.labels;
	g->base.P = g->lay.window && g->lay.window < g->lay.P ? g->lay.window : g->lay.P;
	*out = &g->base;
	return STATUS_OK;
}

static enum status_code llama_pass_forward(struct model_pass *m, const float *w, const int *tokens,
                                           size_t B, size_t T, const int *targets,
                                           const struct hooks *h, struct status *st)
{
	struct llama_pass *g = (struct llama_pass *)m;
	g->acts.lora = m->lora;
	g->acts.frozen = m->frozen;
	g->acts.recompute = m->recompute && g->acts.train;
	enum status_code rc = llama_forward(&g->lay, w, &g->acts, tokens, B, T, targets, h, st);
	m->B = g->acts.B;
	m->T = g->acts.T;
	m->logits = g->acts.logits;
	m->scores = g->acts.scores;
	m->loss_sum = g->acts.loss_sum;
	m->count = g->acts.count;
	return rc;
}

static enum status_code llama_pass_backward(struct model_pass *m, const float *w, float *grad,
                                            const int *tokens, const int *targets, float scale,
                                            const float *dscores, const struct hooks *h,
                                            struct status *st)
{
	struct llama_pass *g = (struct llama_pass *)m;
	g->acts.lora = m->lora;
	g->acts.frozen = m->frozen;
	g->acts.ready = &m->grads;
	return llama_backward(&g->lay, w, grad, &g->acts, tokens, targets, scale, dscores, h, st);
}

/* A small Llama as SmolLM makes them: tied, plain rope, RMSNorm eps 1e-5,
 * one KV head per attention head unless set. */
static void llama_config_defaults(struct model_config *c, const char *model_type)
{
	snprintf(c->model_type, sizeof c->model_type, "%s", model_type);
	c->qkv_bias = strcmp(model_type, "qwen2") == 0;
	if (c->rope_theta <= 0.0)
		c->rope_theta = 10000.0;
	if (c->layer_norm_epsilon <= 0.0f)
		c->layer_norm_epsilon = 1e-5f;
	c->tie_word_embeddings = 1;
}

/* rotary_emb.inv_freq: a buffer older transformers saved with the weights */
static int llama_file_skip(const char *name)
{
	size_t n = strlen(name), k = strlen(".rotary_emb.inv_freq");
	return n > k && strcmp(name + n - k, ".rotary_emb.inv_freq") == 0;
}

static const char *const llama_model_types[] = { "llama", "mistral", "qwen2", NULL };

const struct model_family llama_family = {
	.name = "llama",
	.title = "Llama",
	.reward_arch = "LlamaForSequenceClassification",
	.model_types = llama_model_types,
	.frozen_bf16 = 1,
	.check = llama_check,
	.count = llama_count,
	.bind = llama_bind,
	.describe = llama_describe,
	.file_prefix = NULL,
	.save_prefixed = NULL,
	.file_skip = llama_file_skip,
	.init = init_llama,
	.config_defaults = llama_config_defaults,
	.config_parse = llama_config_parse,
	.config_json = llama_config_json,
	.pass_new = llama_pass_new,
	.pass_free = llama_pass_free,
	.forward = llama_pass_forward,
	.backward = llama_pass_backward,
	.decode = llama_decode,
	.decode_init = llama_decode_init,
	.decode_free = llama_decode_free,
	.decode_weights = llama_decode_weights,
	.decode_begin = llama_decode_begin,
	.decode_rows = llama_decode_rows,
};
