/* dit_config: the DiT's config.json (read with a message naming the key,
 * written back the same way), its defaults for a fresh model, its checks and
 * its fresh weights. */
#include "config.h"

#include "engine/cfgjson.h"
#include "engine/dit.h"
#include "engine/rng.h"

#include <float.h>
#include <limits.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Patches of 4 on a 32-pixel side: 64 tokens, a CPU's scale. */
void dit_config_defaults(struct model_config *c, const char *model_type)
{
	(void)model_type;
	snprintf(c->model_type, sizeof c->model_type, "dit");
	if (c->image_size <= 0)
		c->image_size = 32;
	if (c->patch_size <= 0)
		c->patch_size = 4;
	if (c->in_channels <= 0)
		c->in_channels = 3;
	if (c->freq_dim <= 0)
		c->freq_dim = 64;
	if (c->num_train_timesteps <= 0)
		c->num_train_timesteps = 1000;
	if (c->beta_start <= 0.0)
		c->beta_start = (float)1e-4; /* float, as config.json carries them */
	if (c->beta_end <= 0.0)
		c->beta_end = (float)0.02;
	if (c->n_inner <= 0)
		c->n_inner = 4 * c->n_embd;
	c->layer_norm_epsilon = (float)DIT_LN_EPS;
	if (c->patch_size > 0)
		c->n_positions = (c->image_size / c->patch_size) * (c->image_size / c->patch_size);
	c->vocab_size = 0;
	c->bos_token_id = c->eos_token_id = c->pad_token_id = -1;
}

enum status_code dit_check(const struct model_config *c, struct status *st)
{
	if (c->n_layer <= 0 || c->n_head <= 0 || c->n_embd <= 0 || c->n_inner <= 0 ||
	    c->image_size <= 0 || c->patch_size <= 0 || c->in_channels <= 0 || c->freq_dim <= 1 ||
	    c->cond_dim < 0 || c->num_train_timesteps <= 1 || c->num_labels < 0)
		return status_set(st, STATUS_FORMAT,
		                  "sizes must be positive (depth %d, num_heads %d, hidden_size %d, "
		                  "intermediate_size %d, sample_size %d, patch_size %d, in_channels %d, "
		                  "frequency_embedding_size %d, cond_dim %d, num_train_timesteps %d)",
		                  c->n_layer, c->n_head, c->n_embd, c->n_inner, c->image_size,
		                  c->patch_size, c->in_channels, c->freq_dim, c->cond_dim,
		                  c->num_train_timesteps);
	if (c->n_layer > 1024 || c->n_embd > 65536 || c->n_inner > 1 << 20 || c->image_size > 1024 ||
	    c->in_channels > 64 || c->freq_dim > 65536 || c->cond_dim > 4096 ||
	    c->num_train_timesteps > 100000 || c->num_labels > CFGJSON_MAX_LABELS)
		return status_set(st, STATUS_UNSUPPORTED, "sizes beyond what ric trains (depth %d, "
		                  "hidden_size %d, sample_size %d)", c->n_layer, c->n_embd, c->image_size);
	if (c->n_embd % c->n_head != 0)
		return status_set(st, STATUS_FORMAT, "hidden_size %d is not divisible by num_heads %d",
		                  c->n_embd, c->n_head);
	if (c->image_size % c->patch_size != 0)
		return status_set(st, STATUS_FORMAT, "sample_size %d is not divisible by patch_size %d",
		                  c->image_size, c->patch_size);
	int grid = c->image_size / c->patch_size;
	if (c->n_positions != grid * grid)
		return status_set(st, STATUS_INTERNAL, "%d positions for %d patches", c->n_positions,
		                  grid * grid);
	/* checked whatever the schedule: config.json records them either way */
	if (!(c->beta_start > 0.0 && c->beta_start < c->beta_end && c->beta_end < 1.0))
		return status_set(st, STATUS_FORMAT, "beta_start %g and beta_end %g must satisfy "
		                  "0 < beta_start < beta_end < 1", c->beta_start, c->beta_end);
	return STATUS_OK;
}

static const char *const dit_schedules[] = { "linear", "squaredcos_cap_v2", NULL };

enum status_code dit_config_parse(json_t *root, const char *name, struct model_config *c,
                                  struct status *st)
{
	static const char *const pred[] = { "epsilon", NULL };
	json_t *a = json_object_get(root, "architectures");
	enum status_code rc = STATUS_OK;
	int scorer = -1; /* what architectures says: 1 RicDiTRewardModel, 0 RicDiT */
	if (a && !json_is_null(a)) {
		size_t i;
		json_t *v;
		if (!json_is_array(a))
			return status_set(st, STATUS_FORMAT, "%s: key 'architectures' must be a list of "
			                  "strings", name);
		json_array_foreach(a, i, v) {
			const char *s = json_is_string(v) ? json_string_value(v) : "";
			int k = strcmp(s, "RicDiT") == 0 ? 0 : strcmp(s, "RicDiTRewardModel") == 0 ? 1 : -1;
			if (k < 0 || (scorer >= 0 && k != scorer))
				return status_set(st, STATUS_UNSUPPORTED, "%s: key 'architectures': only "
				                  "\"RicDiT\" or \"RicDiTRewardModel\" for model_type \"dit\"",
				                  name);
			scorer = k;
		}
	}
	rc = cfgjson_int(root, name, "num_labels", scorer == 1 ? 1 : 0, 0, &c->num_labels, st);
	if (rc != STATUS_OK)
		return rc;
	if (scorer >= 0 && (c->num_labels > 0) != scorer)
		return status_set(st, STATUS_FORMAT, "%s: num_labels %d does not fit architectures "
		                  "\"%s\" (a reward model has num_labels >= 1, a noise model 0)", name,
		                  c->num_labels, scorer ? "RicDiTRewardModel" : "RicDiT");
	rc = cfgjson_string(root, name, "prediction_type", pred, st);
	if (rc == STATUS_OK)
		rc = cfgjson_string(root, name, "beta_schedule", dit_schedules, st);
	if (rc != STATUS_OK)
		return rc;
	json_t *sch = json_object_get(root, "beta_schedule");
	c->schedule = sch && json_is_string(sch) && strcmp(json_string_value(sch), "linear") == 0
	                  ? MODEL_SCHEDULE_LINEAR : MODEL_SCHEDULE_COSINE;
	struct {
		const char *key;
		int def, *out;
	} ints[] = {
		{ "sample_size", 32, &c->image_size }, { "patch_size", 4, &c->patch_size },
		{ "in_channels", 3, &c->in_channels }, { "hidden_size", INT_MIN, &c->n_embd },
		{ "depth", INT_MIN, &c->n_layer }, { "num_heads", INT_MIN, &c->n_head },
		{ "intermediate_size", INT_MIN, &c->n_inner },
		{ "frequency_embedding_size", 256, &c->freq_dim }, { "cond_dim", 0, &c->cond_dim },
		{ "num_train_timesteps", 1000, &c->num_train_timesteps },
	};
	for (size_t i = 0; rc == STATUS_OK && i < sizeof ints / sizeof ints[0]; i++) {
		if (ints[i].def == INT_MIN && !json_object_get(root, ints[i].key))
			return status_set(st, STATUS_FORMAT, "%s: key '%s' is missing", name, ints[i].key);
		rc = cfgjson_int(root, name, ints[i].key, ints[i].def, INT_MIN, ints[i].out, st);
	}
	if (rc == STATUS_OK)
		rc = cfgjson_number(root, name, "beta_start", 1e-4, &c->beta_start, st);
	if (rc == STATUS_OK)
		rc = cfgjson_number(root, name, "beta_end", 0.02, &c->beta_end, st);
	double eps = DIT_LN_EPS;
	if (rc == STATUS_OK)
		rc = cfgjson_number(root, name, "layer_norm_eps", DIT_LN_EPS, &eps, st);
	if (rc == STATUS_OK && fabs(eps - DIT_LN_EPS) > 1e-12)
		rc = status_set(st, STATUS_UNSUPPORTED, "%s: key 'layer_norm_eps' must be 1e-6", name);
	if (rc != STATUS_OK)
		return rc;
	/* float, as diffusers builds its betas, so what is written reads back the
	 * same (values beyond a float's range are left for dit_check to refuse) */
	if (fabs(c->beta_start) <= FLT_MAX)
		c->beta_start = (float)c->beta_start;
	if (fabs(c->beta_end) <= FLT_MAX)
		c->beta_end = (float)c->beta_end;
	if (c->patch_size > 0 && c->image_size % c->patch_size == 0)
		c->n_positions = (c->image_size / c->patch_size) * (c->image_size / c->patch_size);
	snprintf(c->model_type, sizeof c->model_type, "dit");
	c->layer_norm_epsilon = (float)DIT_LN_EPS;
	c->bos_token_id = c->eos_token_id = c->pad_token_id = -1;
	return STATUS_OK;
}

json_t *dit_config_json(const struct model_config *c, const char *torch_dtype)
{
	json_t *o = json_pack("{s:s, s:[s], s:i, s:i, s:i, s:i, s:i, s:i, s:i, s:i, s:i, s:i, s:s, "
	                      "s:f, s:f, s:s, s:f}",
	                      "model_type", "dit", "architectures",
	                      c->num_labels > 0 ? "RicDiTRewardModel" : "RicDiT",
	                      "sample_size", c->image_size, "patch_size", c->patch_size,
	                      "in_channels", c->in_channels, "hidden_size", c->n_embd,
	                      "depth", c->n_layer, "num_heads", c->n_head,
	                      "intermediate_size", c->n_inner,
	                      "frequency_embedding_size", c->freq_dim, "cond_dim", c->cond_dim,
	                      "num_train_timesteps", c->num_train_timesteps,
	                      "beta_schedule", dit_schedules[c->schedule == MODEL_SCHEDULE_LINEAR ? 0 : 1],
	                      "beta_start", cfgjson_float_value((float)c->beta_start),
	                      "beta_end", cfgjson_float_value((float)c->beta_end),
	                      "prediction_type", "epsilon", "layer_norm_eps", DIT_LN_EPS);
	if (o && c->num_labels > 0 &&
	    json_object_set_new(o, "num_labels", json_integer(c->num_labels))) {
		json_decref(o);
		return NULL;
	}
	if (o && torch_dtype && json_object_set_new(o, "torch_dtype", json_string(torch_dtype))) {
		json_decref(o);
		return NULL;
	}
	return o;
}

static void dit_xavier(float *w, size_t out, size_t in, struct rng *r)
{
	double a = sqrt(6.0 / (double)(in + out));
	for (size_t i = 0; i < out * in; i++)
		w[i] = (float)((2.0 * rng_uniform_double(r) - 1.0) * a);
}

/* DiT's get_2d_sincos_pos_embed: half the width for the row, half for the column. */
static void dit_sincos(float *pos, size_t grid, size_t C)
{
	size_t q = C / 4;
	for (size_t gy = 0; gy < grid; gy++)
		for (size_t gx = 0; gx < grid; gx++) {
			float *row = pos + (gy * grid + gx) * C;
			memset(row, 0, C * sizeof *row);
			for (size_t i = 0; i < q; i++) {
				double om = 1.0 / pow(10000.0, (double)i / (double)q);
				row[i] = (float)sin((double)gx * om);
				row[q + i] = (float)cos((double)gx * om);
				row[2 * q + i] = (float)sin((double)gy * om);
				row[3 * q + i] = (float)cos((double)gy * om);
			}
		}
}

void dit_init(struct model_params *p, struct rng *r, float std)
{
	const struct model_config *c = &p->cfg;
	size_t n = model_params_describe(p, NULL);
	struct model_tensor *t = malloc(n * sizeof *t);
	if (!t)
		return;
	model_params_describe(p, t);
	for (size_t i = 0; i < n; i++) {
		size_t d0 = (size_t)t[i].shape[0], d1 = t[i].ndim > 1 ? (size_t)t[i].shape[1] : 1;
		const char *nm = t[i].name;
		memset(t[i].data, 0, d0 * d1 * sizeof *t[i].data);
		if (strstr(nm, "adaLN_modulation") || strncmp(nm, "final_layer.linear", 18) == 0 ||
		    strstr(nm, ".bias"))
			continue; /* adaLN-zero: every block starts as the identity */
		if (strcmp(nm, "pos_embed") == 0)
			dit_sincos(t[i].data, (size_t)(c->image_size / c->patch_size), (size_t)c->n_embd);
		else if (strncmp(nm, "t_embedder.", 11) == 0 || strcmp(nm, "y_embedder.null") == 0)
			for (size_t k = 0; k < d0 * d1; k++)
				t[i].data[k] = std * rng_normal(r);
		else if (t[i].ndim == 2)
			dit_xavier(t[i].data, d0, d1, r);
	}
	free(t);
}
