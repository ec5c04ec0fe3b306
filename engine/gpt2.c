#include "config.h"

#include "engine/gpt2.h"
#include "engine/kernels.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

enum status_code gpt2_layout_init(struct gpt2_layout *lay, const struct model_params *p,
                                  struct status *st)
{
	memset(lay, 0, sizeof *lay);
	const struct model_config *c = &p->cfg;
	size_t n = model_params_describe(p, NULL);
	struct model_tensor *t = calloc(n, sizeof *t);
	lay->off = calloc(n, sizeof *lay->off);
	if (!t || !lay->off) {
		free(t);
		free(lay->off);
		lay->off = NULL;
		return status_set(st, STATUS_NOMEM, "cannot allocate the tensor table");
	}
	model_params_describe(p, t);
	for (size_t i = 0; i < n; i++)
		lay->off[i] = (size_t)(t[i].data - p->mem);
	free(t);
	lay->L = (size_t)c->n_layer;
	lay->NH = (size_t)c->n_head;
	lay->C = (size_t)c->n_embd;
	lay->I = (size_t)c->n_inner;
	lay->V = (size_t)c->vocab_size;
	lay->P = (size_t)c->n_positions;
	lay->labels = (size_t)c->num_labels;
	lay->eps = c->layer_norm_epsilon;
	lay->pad_id = c->pad_token_id;
	lay->count = p->count;
	return STATUS_OK;
}

void gpt2_layout_free(struct gpt2_layout *lay)
{
	free(lay->off);
	memset(lay, 0, sizeof *lay);
}

/* describe order: wte, wpe, the layers, ln_f.weight, ln_f.bias, score.weight */
size_t gpt2_off_wte(const struct gpt2_layout *lay) { return lay->off[0]; }
size_t gpt2_off_wpe(const struct gpt2_layout *lay) { return lay->off[1]; }
size_t gpt2_off_layer(const struct gpt2_layout *lay, size_t l, enum gpt2_layer_tensor t)
{
	return lay->off[2 + l * GPT2_LAYER_TENSORS + (size_t)t];
}
size_t gpt2_off_lnf_w(const struct gpt2_layout *lay) { return lay->off[2 + lay->L * GPT2_LAYER_TENSORS]; }
size_t gpt2_off_lnf_b(const struct gpt2_layout *lay) { return lay->off[3 + lay->L * GPT2_LAYER_TENSORS]; }
size_t gpt2_off_score(const struct gpt2_layout *lay) { return lay->off[4 + lay->L * GPT2_LAYER_TENSORS]; }

/* 0: vocabulary slices of about 1 GFLOP in the head (gpt2_impl.h) */
static size_t gpt2_head_cols;

void gpt2_set_head_slice(size_t cols)
{
	gpt2_head_cols = cols;
}

#define GPT2_REAL float
#define GPT2_SUF(x) x
#define KS(x) x
#include "engine/gpt2_impl.h"
#undef GPT2_REAL
#undef GPT2_SUF
#undef KS

#define GPT2_REAL double
#define GPT2_SUF(x) x##_f64
#define KS(x) x##_f64
#include "engine/gpt2_impl.h"
#undef GPT2_REAL
#undef GPT2_SUF
#undef KS
