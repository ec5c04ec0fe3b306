#include "config.h"

#include "engine/model.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

enum status_code model_config_check(const struct model_config *c, struct status *st)
{
	if (c->n_layer <= 0 || c->n_head <= 0 || c->n_embd <= 0 || c->n_inner <= 0 ||
	    c->n_positions <= 0 || c->vocab_size <= 0)
		return status_set(st, STATUS_FORMAT,
		                  "sizes must be positive (n_layer %d, n_head %d, n_embd %d, n_inner %d, "
		                  "n_positions %d, vocab_size %d)", c->n_layer, c->n_head, c->n_embd,
		                  c->n_inner, c->n_positions, c->vocab_size);
	if (c->n_embd % c->n_head != 0)
		return status_set(st, STATUS_FORMAT, "n_embd %d is not divisible by n_head %d",
		                  c->n_embd, c->n_head);
	if (c->num_labels < 0)
		return status_set(st, STATUS_FORMAT, "num_labels %d is negative", c->num_labels);
	if (!(c->layer_norm_epsilon > 0.0f && c->layer_norm_epsilon < 1.0f))
		return status_set(st, STATUS_FORMAT, "layer_norm_epsilon %g is out of range",
		                  (double)c->layer_norm_epsilon);
	const int ids[] = { c->bos_token_id, c->eos_token_id, c->pad_token_id };
	const char *names[] = { "bos_token_id", "eos_token_id", "pad_token_id" };
	for (int i = 0; i < 3; i++)
		if (ids[i] < -1 || ids[i] >= c->vocab_size)
			return status_set(st, STATUS_FORMAT, "%s %d is outside the vocabulary of %d",
			                  names[i], ids[i], c->vocab_size);
	/* Keep every size product inside what a size_t index and BLIS's dim_t hold. */
	double total = (double)c->vocab_size * c->n_embd + (double)c->n_positions * c->n_embd +
	               (double)c->n_layer * (4.0 * c->n_embd * c->n_embd + 2.0 * c->n_embd * c->n_inner);
	if (total > 4e9)
		return status_set(st, STATUS_UNSUPPORTED, "model of %.0f parameters is too large", total);
	return STATUS_OK;
}

/* Floats of one layer, in the order model_params_alloc lays them out. */
static size_t model_layer_count(const struct model_config *c)
{
	size_t C = (size_t)c->n_embd, I = (size_t)c->n_inner;
	return 2 * C + C * 3 * C + 3 * C + C * C + C + 2 * C + C * I + I + I * C + C;
}

size_t model_params_count(const struct model_config *c)
{
	size_t C = (size_t)c->n_embd;
	return (size_t)c->vocab_size * C + (size_t)c->n_positions * C +
	       (size_t)c->n_layer * model_layer_count(c) + 2 * C + (size_t)c->num_labels * C;
}

enum status_code model_params_alloc(struct model_params *p, const struct model_config *c,
                                    struct status *st)
{
	memset(p, 0, sizeof *p);
	enum status_code rc = model_config_check(c, st);
	if (rc != STATUS_OK)
		return rc;
	size_t n = model_params_count(c);
	size_t bytes = (n * sizeof(float) + 63) & ~(size_t)63;
	p->mem = aligned_alloc(64, bytes);
	p->h = calloc((size_t)c->n_layer, sizeof *p->h);
	if (!p->mem || !p->h) {
		free(p->mem);
		free(p->h);
		memset(p, 0, sizeof *p);
		return status_set(st, STATUS_NOMEM, "cannot allocate %zu parameters", n);
	}
	memset(p->mem, 0, bytes);
	p->cfg = *c;
	p->count = n;

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
	return (size_t)(q - p->mem) == n ? STATUS_OK
	       : status_set(st, STATUS_INTERNAL, "parameter layout covers %zu of %zu floats",
	                    (size_t)(q - p->mem), n);
}

void model_params_free(struct model_params *p)
{
	if (!p)
		return;
	free(p->mem);
	free(p->h);
	memset(p, 0, sizeof *p);
}

static void model_describe_one(struct model_tensor *out, size_t *n, const char *name, float *data,
                               int ndim, int64_t d0, int64_t d1, int decay)
{
	if (out) {
		struct model_tensor *t = &out[*n];
		snprintf(t->name, sizeof t->name, "%s", name);
		t->data = data;
		t->ndim = ndim;
		t->shape[0] = d0;
		t->shape[1] = ndim > 1 ? d1 : 0;
		t->decay = decay;
	}
	(*n)++;
}

size_t model_params_describe(const struct model_params *p, struct model_tensor *out)
{
	const struct model_config *c = &p->cfg;
	int64_t C = c->n_embd, I = c->n_inner;
	size_t n = 0;
	char name[MODEL_NAME_MAX];

	model_describe_one(out, &n, "wte.weight", p->wte, 2, c->vocab_size, C, 1);
	model_describe_one(out, &n, "wpe.weight", p->wpe, 2, c->n_positions, C, 1);
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
			model_describe_one(out, &n, name, fields[f].data, fields[f].ndim, fields[f].d0,
			                   fields[f].d1, fields[f].decay);
		}
	}
	model_describe_one(out, &n, "ln_f.weight", p->ln_f_w, 1, C, 0, 0);
	model_describe_one(out, &n, "ln_f.bias", p->ln_f_b, 1, C, 0, 0);
	if (p->score)
		model_describe_one(out, &n, "score.weight", p->score, 2, c->num_labels, C, 1);
	return n;
}
