/* llama_config: config.json of LlamaForCausalLM, MistralForCausalLM,
 * Qwen2ForCausalLM and their ...ForSequenceClassification, read with the
 * defaults transformers gives absent keys and written back as save_pretrained
 * does. Anything the engine does not compute is refused with its key. */
#include "config.h"

#include "engine/cfgjson.h"
#include "engine/llama.h"

#include <limits.h>
#include <stdio.h>
#include <string.h>

/* Per model_type: the class prefix and transformers' defaults. */
struct llama_variant {
	const char *type, *arch;
	int vocab, positions, bos, eos, window;
	double eps;
};

static const struct llama_variant llama_variants[] = {
	{ "llama", "Llama", 32000, 2048, 1, 2, 0, 1e-6 },
	{ "mistral", "Mistral", 32000, 4096 * 32, 1, 2, 4096, 1e-6 },
	{ "qwen2", "Qwen2", 151936, 32768, -1, -1, 4096, 1e-6 },
};

static const struct llama_variant *llama_variant(const char *type)
{
	for (size_t i = 0; i < sizeof llama_variants / sizeof llama_variants[0]; i++)
		if (strcmp(llama_variants[i].type, type) == 0)
			return &llama_variants[i];
	return &llama_variants[0];
}

/* An id that may be a list (Llama 3's eos_token_id): its first entry. */
static enum status_code llama_config_id(json_t *root, const char *name, const char *key, int def,
                                        int *out, struct status *st)
{
	json_t *v = json_object_get(root, key);
	if (json_is_array(v)) {
		json_t *first = json_array_get(v, 0);
		if (!json_is_integer(first) || json_integer_value(first) < 0 ||
		    json_integer_value(first) > INT_MAX)
			return status_set(st, STATUS_FORMAT, "%s: key '%s' must be an id or a list of ids",
			                  name, key);
		*out = (int)json_integer_value(first);
		return STATUS_OK;
	}
	return cfgjson_int(root, name, key, def, -1, out, st);
}

static enum status_code llama_config_rope(json_t *root, const char *name, struct model_config *c,
                                          struct status *st)
{
	json_t *r = json_object_get(root, "rope_scaling");
	c->rope_type = MODEL_ROPE_NONE;
	if (!r || json_is_null(r))
		return STATUS_OK;
	if (!json_is_object(r))
		return status_set(st, STATUS_FORMAT, "%s: key 'rope_scaling' must be an object or null",
		                  name);
	json_t *t = json_object_get(r, "rope_type");
	if (!t)
		t = json_object_get(r, "type");
	if (!json_is_string(t))
		return status_set(st, STATUS_FORMAT, "%s: key 'rope_scaling.rope_type' must be a string",
		                  name);
	const char *type = json_string_value(t);
	enum status_code rc = STATUS_OK;
	if (strcmp(type, "default") == 0)
		return STATUS_OK;
	if (strcmp(type, "linear") == 0)
		c->rope_type = MODEL_ROPE_LINEAR;
	else if (strcmp(type, "llama3") == 0)
		c->rope_type = MODEL_ROPE_LLAMA3;
	else
		return status_set(st, STATUS_UNSUPPORTED, "%s: key 'rope_scaling.rope_type' = \"%s\" is "
		                  "not supported (only default, linear and llama3)", name, type);
	char key[64];
	const struct { const char *k; double *dst; } nums[] = {
		{ "factor", &c->rope_factor },
		{ "low_freq_factor", &c->rope_low_freq },
		{ "high_freq_factor", &c->rope_high_freq },
	};
	size_t need = c->rope_type == MODEL_ROPE_LLAMA3 ? 3 : 1;
	for (size_t i = 0; i < need && rc == STATUS_OK; i++) {
		json_t *v = json_object_get(r, nums[i].k);
		snprintf(key, sizeof key, "rope_scaling.%s", nums[i].k);
		if (!json_is_number(v))
			return status_set(st, STATUS_FORMAT, "%s: key '%s' must be a number", name, key);
		*nums[i].dst = json_number_value(v);
	}
	if (c->rope_type == MODEL_ROPE_LLAMA3) {
		json_t *v = json_object_get(r, "original_max_position_embeddings");
		if (!json_is_integer(v) || json_integer_value(v) <= 0 || json_integer_value(v) > INT_MAX)
			return status_set(st, STATUS_FORMAT, "%s: key "
			                  "'rope_scaling.original_max_position_embeddings' must be a positive "
			                  "integer", name);
		c->rope_original_max = (int)json_integer_value(v);
	}
	return rc;
}

enum status_code llama_config_parse(json_t *root, const char *name, struct model_config *c,
                                    struct status *st)
{
	json_t *mt = json_object_get(root, "model_type");
	const struct llama_variant *v = llama_variant(json_string_value(mt));
	snprintf(c->model_type, sizeof c->model_type, "%s", v->type);
	static const char *const silu[] = { "silu", NULL };
	int classify = 0, qwen = strcmp(v->type, "qwen2") == 0, flag = 0;
	double eps = v->eps;
	static const char *const lm[] = { "ForCausalLM", "Model", NULL };
	char scope[48];
	snprintf(scope, sizeof scope, " for model_type \"%s\"", v->type);
	enum status_code rc = cfgjson_architectures(root, name, v->arch, lm, scope, &classify, st);
	if (rc == STATUS_OK)
		rc = cfgjson_string(root, name, "hidden_act", silu, st);
	if (rc == STATUS_OK)
		rc = cfgjson_flag(root, name, "mlp_bias", 0, st);
	/* Hugging Face would take Llama-2-7B's sizes for these; every
	 * config.json save_pretrained writes has them, so one that lacks one is
	 * broken, and a guess only moves the error to a tensor's shape */
	static const char *const shape[] = { "hidden_size", "intermediate_size", "num_hidden_layers",
	                                      "num_attention_heads", "vocab_size" };
	for (size_t k = 0; rc == STATUS_OK && k < sizeof shape / sizeof shape[0]; k++)
		if (!json_object_get(root, shape[k]))
			rc = status_set(st, STATUS_FORMAT, "%s: key '%s' is missing (a %s model's size)", name,
			                shape[k], v->type);
#define INT(key, def, nullv, dst) if (rc == STATUS_OK) rc = cfgjson_int(root, name, key, def, nullv, dst, st)
	INT("hidden_size", 4096, INT_MIN, &c->n_embd);
	INT("intermediate_size", 11008, INT_MIN, &c->n_inner);
	INT("num_hidden_layers", 32, INT_MIN, &c->n_layer);
	INT("num_attention_heads", 32, INT_MIN, &c->n_head);
	INT("num_key_value_heads", 0, 0, &c->n_kv_head);
	INT("head_dim", 0, 0, &c->head_dim);
	INT("max_position_embeddings", v->positions, INT_MIN, &c->n_positions);
	INT("vocab_size", v->vocab, INT_MIN, &c->vocab_size);
#undef INT
	if (rc == STATUS_OK)
		rc = llama_config_id(root, name, "bos_token_id", v->bos, &c->bos_token_id, st);
	if (rc == STATUS_OK)
		rc = llama_config_id(root, name, "eos_token_id", v->eos, &c->eos_token_id, st);
	if (rc == STATUS_OK)
		rc = llama_config_id(root, name, "pad_token_id", -1, &c->pad_token_id, st);
	if (rc == STATUS_OK)
		rc = cfgjson_number(root, name, "rms_norm_eps", v->eps, &eps, st);
	if (rc == STATUS_OK)
		rc = cfgjson_number(root, name, "rope_theta", 10000.0, &c->rope_theta, st);
	if (rc == STATUS_OK)
		rc = llama_config_rope(root, name, c, st);
	if (rc == STATUS_OK)
		rc = cfgjson_bool(root, name, "tie_word_embeddings", 0, &c->tie_word_embeddings, st);
	if (rc == STATUS_OK && !qwen)
		rc = cfgjson_bool(root, name, "attention_bias", 0, &c->attention_bias, st);
	c->qkv_bias = qwen;
	if (rc == STATUS_OK && strcmp(v->type, "mistral") == 0)
		rc = cfgjson_int(root, name, "sliding_window", v->window, 0, &c->sliding_window, st);
	if (rc == STATUS_OK && qwen) {
		rc = cfgjson_bool(root, name, "use_sliding_window", 0, &flag, st);
		if (rc == STATUS_OK && flag)
			rc = cfgjson_int(root, name, "sliding_window", v->window, 0, &c->sliding_window, st);
	}
	if (rc == STATUS_OK && classify)
		rc = cfgjson_labels(root, name, &c->num_labels, st);
	if (rc != STATUS_OK)
		return rc;
	if (c->sliding_window < 0)
		return status_set(st, STATUS_FORMAT, "%s: key 'sliding_window' = %d is negative", name,
		                  c->sliding_window);
	if (c->sliding_window >= c->n_positions)
		c->sliding_window = 0; /* the window covers every position: plain causal attention */
	c->layer_norm_epsilon = (float)eps;
	/* the defaults made explicit, as they are written back */
	if (c->n_kv_head == 0)
		c->n_kv_head = c->n_head;
	if (c->head_dim == 0 && c->n_head > 0 && c->n_embd % c->n_head == 0)
		c->head_dim = c->n_embd / c->n_head;
	/* config.json's reals as floats, so what is written reads back the same */
	c->rope_theta = (float)c->rope_theta;
	c->rope_factor = (float)c->rope_factor;
	c->rope_low_freq = (float)c->rope_low_freq;
	c->rope_high_freq = (float)c->rope_high_freq;
	return STATUS_OK;
}

json_t *llama_config_json(const struct model_config *c, const char *torch_dtype)
{
	const struct llama_variant *v = llama_variant(c->model_type[0] ? c->model_type : "llama");
	char arch[64];
	snprintf(arch, sizeof arch, "%s%s", v->arch,
	         c->num_labels > 0 ? "ForSequenceClassification" : "ForCausalLM");
	struct model_dims d;
	model_dims(c, &d);
#define ID(x) ((x) >= 0 ? json_integer(x) : json_null())
	json_t *o = json_pack("{s:s, s:[s], s:s, s:i, s:i, s:i, s:i, s:i, s:I, s:i, s:i, s:f, s:f, "
	                      "s:b, s:o, s:o}",
	                      "model_type", v->type, "architectures", arch, "hidden_act", "silu",
	                      "vocab_size", c->vocab_size, "hidden_size", c->n_embd,
	                      "intermediate_size", c->n_inner, "num_hidden_layers", c->n_layer,
	                      "num_attention_heads", c->n_head,
	                      "num_key_value_heads", (json_int_t)d.NKV, "head_dim", (int)d.D,
	                      "max_position_embeddings", c->n_positions,
	                      "rms_norm_eps", cfgjson_float_value(c->layer_norm_epsilon),
	                      "rope_theta", cfgjson_float_value((float)c->rope_theta),
	                      "tie_word_embeddings", c->tie_word_embeddings,
	                      "bos_token_id", ID(c->bos_token_id), "eos_token_id", ID(c->eos_token_id));
	if (!o)
		return NULL;
#undef ID
	int bad = cfgjson_set_common(o, torch_dtype, c->pad_token_id, c->num_labels);
	if (strcmp(v->type, "qwen2") != 0) {
		bad |= json_object_set_new(o, "attention_bias", json_boolean(c->attention_bias));
		bad |= json_object_set_new(o, "mlp_bias", json_false());
	}
	if (strcmp(v->type, "mistral") == 0)
		bad |= json_object_set_new(o, "sliding_window",
		                           c->sliding_window ? json_integer(c->sliding_window) : json_null());
	if (strcmp(v->type, "qwen2") == 0) {
		bad |= json_object_set_new(o, "use_sliding_window", json_boolean(c->sliding_window > 0));
		if (c->sliding_window)
			bad |= json_object_set_new(o, "sliding_window", json_integer(c->sliding_window));
	}
	if (c->rope_type == MODEL_ROPE_NONE)
		bad |= json_object_set_new(o, "rope_scaling", json_null());
	else if (c->rope_type == MODEL_ROPE_LINEAR)
		bad |= json_object_set_new(o, "rope_scaling", json_pack("{s:s, s:s, s:f}", "type", "linear",
		                                                        "rope_type", "linear", "factor",
		                                                        cfgjson_float_value((float)c->rope_factor)));
	else
		bad |= json_object_set_new(o, "rope_scaling",
		                           json_pack("{s:s, s:f, s:f, s:f, s:i}", "rope_type", "llama3",
		                                     "factor", cfgjson_float_value((float)c->rope_factor),
		                                     "low_freq_factor",
		                                     cfgjson_float_value((float)c->rope_low_freq),
		                                     "high_freq_factor",
		                                     cfgjson_float_value((float)c->rope_high_freq),
		                                     "original_max_position_embeddings",
		                                     c->rope_original_max));
	if (bad) {
		json_decref(o);
		return NULL;
	}
	return o;
}
