/* gpt2_family: GPT-2 behind the model interface (engine/model.h): its
 * parameter table, config.json and passes; engine/gpt2.c computes them and
 * engine/gpt2_decode.c decodes with a KV cache. */
#include "config.h"

#include "engine/cfgjson.h"
#include "engine/gpt2.h"
#include "engine/init.h"
#include "engine/model.h"

#include <ctype.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static enum status_code gpt2_check(const struct model_config *c, struct status *st)
{
	if ((c->n_kv_head && c->n_kv_head != c->n_head) || (c->head_dim && c->head_dim * c->n_head != c->n_embd))
		return status_set(st, STATUS_UNSUPPORTED, "GPT-2 has no grouped-query attention "
		                  "(num_key_value_heads %d of %d heads) nor a head_dim of its own",
		                  c->n_kv_head, c->n_head);
	if (c->n_embd % c->n_head != 0)
		return status_set(st, STATUS_FORMAT, "n_embd %d is not divisible by n_head %d",
		                  c->n_embd, c->n_head);
	return STATUS_OK;
}

/* Floats of one layer, in the order model_params_alloc lays them out. */
static size_t gpt2_layer_count(const struct model_config *c)
{
	size_t C = (size_t)c->n_embd, I = (size_t)c->n_inner;
	return 2 * C + C * 3 * C + 3 * C + C * C + C + 2 * C + C * I + I + I * C + C;
}

static size_t gpt2_count(const struct model_config *c)
{
	size_t C = (size_t)c->n_embd;
	return (size_t)c->vocab_size * C + (size_t)c->n_positions * C +
	       (size_t)c->n_layer * gpt2_layer_count(c) + 2 * C + (size_t)c->num_labels * C;
}

static void gpt2_bind(struct model_params *p)
{
	const struct model_config *c = &p->cfg;
	size_t C = (size_t)c->n_embd, I = (size_t)c->n_inner;
	float *q = p->mem;
#define TAKE(field, len) do { (field) = q; q += (len); } while (0)
	TAKE(p->wte, (size_t)c->vocab_size * C);
	TAKE(p->wpe, (size_t)c->n_positions * C);
	for (int l = 0; l < c->n_layer; l++) {
		struct model_layer *L = &p->h[l];
		TAKE(L->ln_1_w, C);
		TAKE(L->ln_1_b, C);
		TAKE(L->attn_w, C * 3 * C);
		TAKE(L->attn_b, 3 * C);
		TAKE(L->attn_proj_w, C * C);
		TAKE(L->attn_proj_b, C);
		TAKE(L->ln_2_w, C);
		TAKE(L->ln_2_b, C);
		TAKE(L->fc_w, C * I);
		TAKE(L->fc_b, I);
		TAKE(L->fc_proj_w, I * C);
		TAKE(L->fc_proj_b, C);
	}
	TAKE(p->ln_f_w, C);
	TAKE(p->ln_f_b, C);
	if (c->num_labels > 0)
		TAKE(p->score, (size_t)c->num_labels * C);
#undef TAKE
}

static size_t gpt2_describe(const struct model_params *p, struct model_tensor *out)
{
	const struct model_config *c = &p->cfg;
	int64_t C = c->n_embd, I = c->n_inner;
	size_t n = 0;
	char name[MODEL_NAME_MAX];

	model_tensor_set(out, &n, "wte.weight", p->wte, 2, c->vocab_size, C, 1);
	model_tensor_set(out, &n, "wpe.weight", p->wpe, 2, c->n_positions, C, 1);
	for (int l = 0; l < c->n_layer; l++) {
		const struct model_layer *L = &p->h[l];
		const struct {
			const char *suffix;
			float *data;
			int ndim;
			int64_t d0, d1;
			int decay;
		} fields[] = {
			{ "ln_1.weight", L->ln_1_w, 1, C, 0, 0 },
			{ "ln_1.bias", L->ln_1_b, 1, C, 0, 0 },
			{ "attn.c_attn.weight", L->attn_w, 2, C, 3 * C, 1 },
			{ "attn.c_attn.bias", L->attn_b, 1, 3 * C, 0, 0 },
			{ "attn.c_proj.weight", L->attn_proj_w, 2, C, C, 1 },
			{ "attn.c_proj.bias", L->attn_proj_b, 1, C, 0, 0 },
			{ "ln_2.weight", L->ln_2_w, 1, C, 0, 0 },
			{ "ln_2.bias", L->ln_2_b, 1, C, 0, 0 },
			{ "mlp.c_fc.weight", L->fc_w, 2, C, I, 1 },
			{ "mlp.c_fc.bias", L->fc_b, 1, I, 0, 0 },
			{ "mlp.c_proj.weight", L->fc_proj_w, 2, I, C, 1 },
			{ "mlp.c_proj.bias", L->fc_proj_b, 1, C, 0, 0 },
		};
		for (size_t f = 0; f < sizeof fields / sizeof fields[0]; f++) {
			snprintf(name, sizeof name, "h.%d.%s", l, fields[f].suffix);
			model_tensor_set(out, &n, name, fields[f].data, fields[f].ndim, fields[f].d0,
			                   fields[f].d1, fields[f].decay);
		}
	}
	model_tensor_set(out, &n, "ln_f.weight", p->ln_f_w, 1, C, 0, 0);
	model_tensor_set(out, &n, "ln_f.bias", p->ln_f_b, 1, C, 0, 0);
	if (p->score)
		model_tensor_set(out, &n, "score.weight", p->score, 2, c->num_labels, C, 1);
	return n;
}

/* h.N.attn.bias and h.N.attn.masked_bias: causal masks older transformers saved. */
static int gpt2_file_skip(const char *s)
{
	if (strncmp(s, "h.", 2) != 0 || !isdigit((unsigned char)s[2]))
		return 0;
	s += 2;
	while (isdigit((unsigned char)*s))
		s++;
	return strcmp(s, ".attn.bias") == 0 || strcmp(s, ".attn.masked_bias") == 0;
}

/* score.weight sits outside the transformer: never prefixed. */
static int gpt2_save_prefixed(const char *name)
{
	return strcmp(name, "score.weight") != 0;
}

static enum status_code gpt2_config_parse(json_t *root, const char *name, struct model_config *cfg,
                                          struct status *st)
{
	enum status_code rc = STATUS_OK;
	static const char *const gelu[] = { "gelu_new", "gelu_pytorch_tanh", NULL };
	int classify = 0, inner = 0, n_pos = 0;
	/* GPT2Config's defaults for absent keys, as transformers would load them. */
	static const char *const lm[] = { "LMHeadModel", "Model", NULL };
	rc = cfgjson_architectures(root, name, "GPT2", lm, "", &classify, st);
	if (rc == STATUS_OK)
		rc = cfgjson_string(root, name, "activation_function", gelu, st);
	if (rc == STATUS_OK)
		rc = cfgjson_flag(root, name, "scale_attn_weights", 1, st);
	if (rc == STATUS_OK)
		rc = cfgjson_flag(root, name, "scale_attn_by_inverse_layer_idx", 0, st);
	if (rc == STATUS_OK)
		rc = cfgjson_flag(root, name, "add_cross_attention", 0, st);
	if (rc == STATUS_OK && !classify)
		rc = cfgjson_flag(root, name, "tie_word_embeddings", 1, st);
	if (rc == STATUS_OK)
		rc = cfgjson_int(root, name, "n_layer", 12, INT_MIN, &cfg->n_layer, st);
	if (rc == STATUS_OK)
		rc = cfgjson_int(root, name, "n_head", 12, INT_MIN, &cfg->n_head, st);
	if (rc == STATUS_OK)
		rc = cfgjson_int(root, name, "n_embd", 768, INT_MIN, &cfg->n_embd, st);
	if (rc == STATUS_OK)
		rc = cfgjson_int(root, name, "n_inner", INT_MIN + 1, INT_MIN + 1, &inner, st);
	if (rc == STATUS_OK)
		rc = cfgjson_int(root, name, "n_ctx", 1024, INT_MIN, &n_pos, st);
	if (rc == STATUS_OK)
		rc = cfgjson_int(root, name, "n_positions", n_pos, INT_MIN, &cfg->n_positions, st);
	if (rc == STATUS_OK)
		rc = cfgjson_int(root, name, "vocab_size", 50257, INT_MIN, &cfg->vocab_size, st);
	if (rc == STATUS_OK)
		rc = cfgjson_int(root, name, "bos_token_id", 50256, -1, &cfg->bos_token_id, st);
	if (rc == STATUS_OK)
		rc = cfgjson_int(root, name, "eos_token_id", 50256, -1, &cfg->eos_token_id, st);
	if (rc == STATUS_OK)
		rc = cfgjson_int(root, name, "pad_token_id", -1, -1, &cfg->pad_token_id, st);
	if (rc == STATUS_OK && classify)
		rc = cfgjson_labels(root, name, &cfg->num_labels, st);
	if (rc == STATUS_OK) {
		json_t *eps = json_object_get(root, "layer_norm_epsilon");
		if (!eps)
			cfg->layer_norm_epsilon = 1e-5f;
		else if (json_is_number(eps))
			cfg->layer_norm_epsilon = (float)json_number_value(eps);
		else
			rc = status_set(st, STATUS_FORMAT, "%s: key 'layer_norm_epsilon' must be a number", name);
	}
	if (rc != STATUS_OK)
		return rc;
	/* n_inner null means 4 x n_embd; computed wide so a huge n_embd is caught, not wrapped. */
	long long in = inner != INT_MIN + 1 ? inner : 4LL * cfg->n_embd;
	cfg->n_inner = in > INT_MAX ? -1 : (int)in;
	return STATUS_OK;
}

static json_t *gpt2_config_json(const struct model_config *c, const char *torch_dtype)
{
#define ID(x) ((x) >= 0 ? json_integer(x) : json_null())
	json_t *o = json_pack("{s:s, s:[s], s:s, s:i, s:i, s:i, s:i, s:o, s:i, s:i, s:f, s:o, s:o, s:b}",
	                      "model_type", "gpt2",
	                      "architectures",
	                      c->num_labels > 0 ? "GPT2ForSequenceClassification" : "GPT2LMHeadModel",
	                      "activation_function", "gelu_new",
	                      "n_layer", c->n_layer, "n_head", c->n_head, "n_embd", c->n_embd,
	                      "n_positions", c->n_positions,
	                      "n_inner", (long long)c->n_inner == 4LL * c->n_embd ? json_null() : json_integer(c->n_inner),
	                      "n_ctx", c->n_positions, "vocab_size", c->vocab_size,
	                      "layer_norm_epsilon", cfgjson_float_value(c->layer_norm_epsilon),
	                      "bos_token_id", ID(c->bos_token_id), "eos_token_id", ID(c->eos_token_id),
	                      "tie_word_embeddings", 1);
	if (!o)
		return NULL;
#undef ID
	if (cfgjson_set_common(o, torch_dtype, c->pad_token_id, c->num_labels)) {
		json_decref(o);
		return NULL;
	}
	return o;
}

/* ---- passes ------------------------------------------------------------ */

struct gpt2_pass {
	struct model_pass base;
	struct gpt2_layout lay;
	struct gpt2_acts acts;
};

static void gpt2_pass_free(struct model_pass *m)
{
	struct gpt2_pass *g = (struct gpt2_pass *)m;
	gpt2_acts_free(&g->acts);
	gpt2_layout_free(&g->lay);
	free(g);
}

static enum status_code gpt2_pass_new(struct model_pass **out, const struct model_params *p,
                                      int train, struct status *st)
{
	struct gpt2_pass *g = calloc(1, sizeof *g);
	if (!g)
		return status_set(st, STATUS_NOMEM, "out of memory");
	g->base.family = &gpt2_family;
	gpt2_acts_init(&g->acts, train);
	enum status_code rc = gpt2_layout_init(&g->lay, p, st);
	if (rc != STATUS_OK) {
		free(g);
		return rc;
	}
	g->base.V = g->lay.V;
	g->base.labels = g->lay.labels;
	g->base.P = g->lay.P;
	*out = &g->base;
	return STATUS_OK;
}

static void gpt2_pass_sync(struct gpt2_pass *g)
{
	g->base.B = g->acts.B;
	g->base.T = g->acts.T;
	g->base.logits = g->acts.logits;
	g->base.scores = g->acts.scores;
	g->base.loss_sum = g->acts.loss_sum;
	g->base.count = g->acts.count;
}

static enum status_code gpt2_pass_forward(struct model_pass *m, const float *w, const int *tokens,
                                          size_t B, size_t T, const int *targets,
                                          const struct hooks *h, struct status *st)
{
	struct gpt2_pass *g = (struct gpt2_pass *)m;
	g->acts.lora = m->lora;
	enum status_code rc = gpt2_forward(&g->lay, w, &g->acts, tokens, B, T, targets, h, st);
	gpt2_pass_sync(g);
	return rc;
}

static enum status_code gpt2_pass_backward(struct model_pass *m, const float *w, float *grad,
                                           const int *tokens, const int *targets, float scale,
                                           const float *dscores, const struct hooks *h,
                                           struct status *st)
{
	struct gpt2_pass *g = (struct gpt2_pass *)m;
	g->acts.lora = m->lora;
	g->acts.ready = &m->grads;
	return gpt2_backward(&g->lay, w, grad, &g->acts, tokens, targets, scale, dscores, h, st);
}

static const char *const gpt2_model_types[] = { "gpt2", NULL };

const struct model_family gpt2_family = {
	.name = "gpt2",
	.title = "GPT-2",
	.reward_arch = "GPT2ForSequenceClassification",
	.model_types = gpt2_model_types,
	.always_tied = 1,
	.conv1d = 1,
	.check = gpt2_check,
	.count = gpt2_count,
	.bind = gpt2_bind,
	.describe = gpt2_describe,
	.file_prefix = "transformer.",
	.save_prefixed = gpt2_save_prefixed,
	.file_skip = gpt2_file_skip,
	.init = init_gpt2,
	.config_parse = gpt2_config_parse,
	.config_json = gpt2_config_json,
	.pass_new = gpt2_pass_new,
	.pass_free = gpt2_pass_free,
	.forward = gpt2_pass_forward,
	.backward = gpt2_pass_backward,
	.decode = gpt2_decode,
	.decode_init = gpt2_decode_init,
	.decode_free = gpt2_decode_free,
	.decode_weights = gpt2_decode_weights,
};
