/* config.json of a Hugging Face GPT-2 model: what ric reads and writes. */
#include "config.h"

#include "engine/checkpoint.h"

#include "engine/jsonerr.h"
#include "engine/readfile.h"

#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* A reward head scores a handful of objectives; this bounds what config.json may ask for. */
#define CHECKPOINT_MAX_LABELS 4096

/* An integer key: `def` when absent; when null, `null_value` (or an error if
 * null_value is INT_MIN, for sizes that cannot be unset). */
static enum status_code checkpoint_config_int(json_t *root, const char *name, const char *key,
                                              int def, int null_value, int *out, struct status *st)
{
	json_t *v = json_object_get(root, key);
	if (!v) {
		*out = def;
		return STATUS_OK;
	}
	if (json_is_null(v) && null_value != INT_MIN) {
		*out = null_value;
		return STATUS_OK;
	}
	if (!json_is_integer(v))
		return status_set(st, STATUS_FORMAT, "%s: key '%s' must be an integer", name, key);
	json_int_t x = json_integer_value(v);
	if (x < INT_MIN || x > INT_MAX)
		return status_set(st, STATUS_FORMAT, "%s: key '%s' = %lld is out of range", name, key,
		                  (long long)x);
	*out = (int)x;
	return STATUS_OK;
}

/* A boolean key that must have `want` (or be absent) for the engine to compute it. */
static enum status_code checkpoint_config_flag(json_t *root, const char *name, const char *key,
                                               int want, struct status *st)
{
	json_t *v = json_object_get(root, key);
	if (!v)
		return STATUS_OK;
	if (!json_is_boolean(v))
		return status_set(st, STATUS_FORMAT, "%s: key '%s' must be true or false", name, key);
	if (json_is_true(v) != want)
		return status_set(st, STATUS_UNSUPPORTED, "%s: key '%s' = %s is not supported (only %s)",
		                  name, key, want ? "false" : "true", want ? "true" : "false");
	return STATUS_OK;
}

static enum status_code checkpoint_config_string(json_t *root, const char *name, const char *key,
                                                 const char *const *allowed, struct status *st)
{
	json_t *v = json_object_get(root, key);
	if (!v)
		return STATUS_OK;
	if (!json_is_string(v))
		return status_set(st, STATUS_FORMAT, "%s: key '%s' must be a string", name, key);
	for (const char *const *a = allowed; *a; a++)
		if (strcmp(json_string_value(v), *a) == 0)
			return STATUS_OK;
	return status_set(st, STATUS_UNSUPPORTED, "%s: key '%s' = \"%s\" is not supported (only \"%s\")",
	                  name, key, json_string_value(v), allowed[0]);
}

/* Which head: 0 = language model, 1 = sequence classification. */
static enum status_code checkpoint_config_arch(json_t *root, const char *name, int *classify,
                                               struct status *st)
{
	json_t *a = json_object_get(root, "architectures");
	*classify = 0;
	if (!a || json_is_null(a))
		return STATUS_OK;
	if (!json_is_array(a))
		return status_set(st, STATUS_FORMAT, "%s: key 'architectures' must be a list of strings", name);
	size_t i;
	json_t *v;
	json_array_foreach(a, i, v) {
		if (!json_is_string(v))
			return status_set(st, STATUS_FORMAT, "%s: key 'architectures' must be a list of strings",
			                  name);
		const char *s = json_string_value(v);
		if (strcmp(s, "GPT2ForSequenceClassification") == 0)
			*classify = 1;
		else if (strcmp(s, "GPT2LMHeadModel") != 0 && strcmp(s, "GPT2Model") != 0)
			return status_set(st, STATUS_UNSUPPORTED,
			                  "%s: architecture \"%s\" is not supported (only GPT2LMHeadModel, "
			                  "GPT2Model and GPT2ForSequenceClassification)", name, s);
	}
	return STATUS_OK;
}

/* transformers reads the label count from id2label first, then num_labels, default 2. */
static enum status_code checkpoint_config_labels(json_t *root, const char *name, int *labels,
                                                 struct status *st)
{
	json_t *ids = json_object_get(root, "id2label");
	if (ids && !json_is_null(ids)) {
		if (!json_is_object(ids) || json_object_size(ids) == 0)
			return status_set(st, STATUS_FORMAT, "%s: key 'id2label' must be a non-empty object",
			                  name);
		if (json_object_size(ids) > CHECKPOINT_MAX_LABELS)
			return status_set(st, STATUS_UNSUPPORTED, "%s: %zu labels are too many (at most %d)",
			                  name, json_object_size(ids), CHECKPOINT_MAX_LABELS);
		*labels = (int)json_object_size(ids);
		return STATUS_OK;
	}
	enum status_code rc = checkpoint_config_int(root, name, "num_labels", 2, INT_MIN, labels, st);
	if (rc == STATUS_OK && *labels <= 0)
		return status_set(st, STATUS_FORMAT, "%s: key 'num_labels' = %d must be positive", name,
		                  *labels);
	if (rc == STATUS_OK && *labels > CHECKPOINT_MAX_LABELS)
		return status_set(st, STATUS_UNSUPPORTED, "%s: %d labels are too many (at most %d)", name,
		                  *labels, CHECKPOINT_MAX_LABELS);
	return rc;
}

enum status_code checkpoint_config_parse(const char *text, size_t len, const char *name,
                                         struct model_config *cfg, struct status *st)
{
	memset(cfg, 0, sizeof *cfg);
	json_error_t jerr;
	json_t *root = json_loadb(text, len, JSON_REJECT_DUPLICATES, &jerr);
	if (!root)
		return jsonerr_set(st, name, "key", &jerr);
	enum status_code rc = STATUS_OK;
	static const char *const gelu[] = { "gelu_new", "gelu_pytorch_tanh", NULL };
	static const char *const gpt2[] = { "gpt2", NULL };
	int classify = 0, inner = 0, n_pos = 0;
	if (!json_is_object(root))
		rc = status_set(st, STATUS_FORMAT, "%s: not a JSON object", name);
	/* GPT2Config's defaults for absent keys, as transformers would load them. */
	if (rc == STATUS_OK)
		rc = checkpoint_config_string(root, name, "model_type", gpt2, st);
	if (rc == STATUS_OK)
		rc = checkpoint_config_arch(root, name, &classify, st);
	if (rc == STATUS_OK)
		rc = checkpoint_config_string(root, name, "activation_function", gelu, st);
	if (rc == STATUS_OK)
		rc = checkpoint_config_flag(root, name, "scale_attn_weights", 1, st);
	if (rc == STATUS_OK)
		rc = checkpoint_config_flag(root, name, "scale_attn_by_inverse_layer_idx", 0, st);
	if (rc == STATUS_OK)
		rc = checkpoint_config_flag(root, name, "add_cross_attention", 0, st);
	if (rc == STATUS_OK && !classify)
		rc = checkpoint_config_flag(root, name, "tie_word_embeddings", 1, st);
	if (rc == STATUS_OK)
		rc = checkpoint_config_int(root, name, "n_layer", 12, INT_MIN, &cfg->n_layer, st);
	if (rc == STATUS_OK)
		rc = checkpoint_config_int(root, name, "n_head", 12, INT_MIN, &cfg->n_head, st);
	if (rc == STATUS_OK)
		rc = checkpoint_config_int(root, name, "n_embd", 768, INT_MIN, &cfg->n_embd, st);
	if (rc == STATUS_OK)
		rc = checkpoint_config_int(root, name, "n_inner", INT_MIN + 1, INT_MIN + 1, &inner, st);
	if (rc == STATUS_OK)
		rc = checkpoint_config_int(root, name, "n_ctx", 1024, INT_MIN, &n_pos, st);
	if (rc == STATUS_OK)
		rc = checkpoint_config_int(root, name, "n_positions", n_pos, INT_MIN, &cfg->n_positions, st);
	if (rc == STATUS_OK)
		rc = checkpoint_config_int(root, name, "vocab_size", 50257, INT_MIN, &cfg->vocab_size, st);
	if (rc == STATUS_OK)
		rc = checkpoint_config_int(root, name, "bos_token_id", 50256, -1, &cfg->bos_token_id, st);
	if (rc == STATUS_OK)
		rc = checkpoint_config_int(root, name, "eos_token_id", 50256, -1, &cfg->eos_token_id, st);
	if (rc == STATUS_OK)
		rc = checkpoint_config_int(root, name, "pad_token_id", -1, -1, &cfg->pad_token_id, st);
	if (rc == STATUS_OK && classify)
		rc = checkpoint_config_labels(root, name, &cfg->num_labels, st);
	if (rc == STATUS_OK) {
		json_t *eps = json_object_get(root, "layer_norm_epsilon");
		if (!eps)
			cfg->layer_norm_epsilon = 1e-5f;
		else if (json_is_number(eps))
			cfg->layer_norm_epsilon = (float)json_number_value(eps);
		else
			rc = status_set(st, STATUS_FORMAT, "%s: key 'layer_norm_epsilon' must be a number", name);
	}
	json_decref(root);
	if (rc != STATUS_OK) {
		jsonerr_oneline(st);
		return rc;
	}
	/* n_inner null means 4 x n_embd; computed wide so a huge n_embd is caught, not wrapped. */
	long long in = inner != INT_MIN + 1 ? inner : 4LL * cfg->n_embd;
	cfg->n_inner = in > INT_MAX ? -1 : (int)in;
	rc = model_config_check(cfg, st);
	if (rc != STATUS_OK)
		status_prefix(st, "%s", name);
	return rc;
}

enum status_code checkpoint_config_read(const char *dir, struct model_config *cfg, struct status *st)
{
	char path[4096];
	snprintf(path, sizeof path, "%s/config.json", dir);
	if (readfile_regular(path, st) != STATUS_OK)
		return st->code;
	FILE *fp = fopen(path, "rb");
	if (!fp)
		return status_errno(st, STATUS_IO, errno, "%s", path);
	size_t cap = 1 << 16, len = 0;
	char *buf = malloc(cap);
	while (buf) {
		len += fread(buf + len, 1, cap - len, fp);
		if (len < cap)
			break;
		char *more = cap < (64u << 20) ? realloc(buf, cap * 2) : NULL;
		if (!more) {
			free(buf);
			buf = NULL;
			break;
		}
		buf = more;
		cap *= 2;
	}
	int err = ferror(fp);
	fclose(fp);
	if (!buf)
		return status_set(st, STATUS_NOMEM, "%s: too large or out of memory", path);
	if (err) {
		free(buf);
		return status_set(st, STATUS_IO, "%s: read error", path);
	}
	enum status_code rc = checkpoint_config_parse(buf, len, path, cfg, st);
	free(buf);
	return rc;
}

json_t *checkpoint_config_json(const struct model_config *c, const char *torch_dtype)
{
	/* The shortest decimal that reads back as the same float, so 1e-5f is written 1e-05. */
	char eps[32];
	for (int prec = 1; prec <= 9; prec++) {
		snprintf(eps, sizeof eps, "%.*g", prec, (double)c->layer_norm_epsilon);
		if (strtof(eps, NULL) == c->layer_norm_epsilon)
			break;
	}
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
	                      "layer_norm_epsilon", strtod(eps, NULL),
	                      "bos_token_id", ID(c->bos_token_id), "eos_token_id", ID(c->eos_token_id),
	                      "tie_word_embeddings", 1);
	if (!o)
		return NULL;
	int bad = 0;
	if (torch_dtype)
		bad |= json_object_set_new(o, "torch_dtype", json_string(torch_dtype));
	if (c->pad_token_id >= 0 || c->num_labels > 0)
		bad |= json_object_set_new(o, "pad_token_id", ID(c->pad_token_id));
#undef ID
	if (c->num_labels > 0) {
		json_t *id2label = json_object(), *label2id = json_object();
		for (int i = 0; id2label && label2id && i < c->num_labels; i++) {
			char id[16], label[32];
			snprintf(id, sizeof id, "%d", i);
			snprintf(label, sizeof label, "LABEL_%d", i);
			bad |= json_object_set_new(id2label, id, json_string(label));
			bad |= json_object_set_new(label2id, label, json_integer(i));
		}
		bad |= json_object_set_new(o, "num_labels", json_integer(c->num_labels));
		bad |= json_object_set_new(o, "id2label", id2label);
		bad |= json_object_set_new(o, "label2id", label2id);
	}
	if (bad) {
		json_decref(o);
		return NULL;
	}
	return o;
}
