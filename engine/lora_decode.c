/* lora_decode: BF16 or int8 decoding weights of base + adapter built matrix
 * by matrix, slice by slice, so sampling from an adapter over a base frozen
 * in BF16 (model_params_freeze_bf16) never needs an F32 copy of the model:
 * each slice of rows is widened from the BF16 base (or read from F32),
 * gets s B A of its rows added, and goes through the family's decode_rows,
 * as a decoding-only checkpoint load does. */
#include "config.h"

#include "engine/decoder.h"
#include "engine/gemv.h"
#include "engine/kernels.h"
#include "engine/lora.h"

#include <stdlib.h>
#include <string.h>

/* Rows per slice of a matrix of `width` columns: about a million values. */
static size_t lora_decode_slice(size_t width)
{
	size_t rows = ((size_t)1 << 20) / (width ? width : 1) / MODEL_DECODE_ROWS * MODEL_DECODE_ROWS;
	return rows ? rows : MODEL_DECODE_ROWS;
}

static const struct lora_module *lora_decode_module(const struct lora *l, const char *name)
{
	for (size_t i = 0; l && i < l->n; i++)
		if (strcmp(l->m[i].base, name) == 0)
			return &l->m[i];
	return NULL;
}

static const float *lora_decode_saved(const struct lora *l, const char *name)
{
	for (size_t i = 0; l && i < l->n_saved; i++)
		if (strcmp(l->saved[i].base, name) == 0)
			return l->saved[i].data;
	return NULL;
}

/* Tensor t's rows [r, r + k) of width values, merged, into buf. */
static void lora_decode_fill(const struct lora *l, const struct model_params *p,
                             const struct model_tensor *t, size_t r, size_t k, size_t width,
                             float *buf)
{
	size_t off = (size_t)(t->data - p->mem), n = k * width;
	const float *saved = lora_decode_saved(l, t->name);
	if (saved)
		memcpy(buf, saved + r * width, n * sizeof *buf);
	else if (p->frozen && t->ndim == 2 && strcmp(t->name, "score.weight") != 0) {
		const uint16_t *b = p->frozen + off + r * width; /* as model_params_freeze_bf16 keeps it */
		for (size_t i = 0; i < n; i++)
			buf[i] = gemv_bf16_to_f32(b[i]);
	} else
		memcpy(buf, t->data + r * width, n * sizeof *buf);
	const struct lora_module *m = lora_decode_module(l, t->name);
	if (m) /* rows [r, r + k) of W [out, in] += s B[r..r+k) A */
		gemm(k, m->in, (size_t)l->r, l->scale, m->B + r * (size_t)l->r, (size_t)l->r, 1, m->A,
		     m->in, 1, 1, buf, m->in, 1);
}

enum status_code lora_decode_weights(struct decoder_weights *wb, const struct lora *l,
                                     const struct model_params *p, enum decoder_dtype dtype,
                                     struct status *st)
{
	memset(wb, 0, sizeof *wb);
	wb->dtype = dtype;
	const struct model_family *f = model_family_of(&p->cfg);
	if (dtype == DECODER_F32 || !f->decode_begin || !f->decode_rows || f->conv1d)
		return status_set(st, STATUS_UNSUPPORTED, "%s decoding weights of an adapter over its "
		                  "base are for the Llama family in bf16 or int8", f->title);
	struct model_tensor *t = malloc(MODEL_MAX_TENSORS(p->cfg.n_layer) * sizeof *t);
	float *buf = NULL;
	enum status_code rc = STATUS_OK;
	if (!t)
		rc = status_set(st, STATUS_NOMEM, "out of memory");
	size_t nt = t ? f->describe(p, t) : 0, most = 0;
	for (size_t i = 0; i < nt; i++) {
		size_t rows = t[i].ndim == 2 ? (size_t)t[i].shape[0] : 1;
		size_t width = t[i].ndim == 2 ? (size_t)t[i].shape[1] : (size_t)t[i].shape[0];
		size_t step = lora_decode_slice(width);
		size_t n = (step < rows ? step : rows) * width;
		most = n > most ? n : most;
	}
	if (rc == STATUS_OK && !(buf = malloc(most * sizeof *buf + 1)))
		rc = status_set(st, STATUS_NOMEM, "cannot allocate %zu values", most);
	if (rc == STATUS_OK)
		rc = f->decode_begin(wb, p, st);
	for (size_t i = 0; rc == STATUS_OK && i < nt; i++) {
		size_t rows = t[i].ndim == 2 ? (size_t)t[i].shape[0] : 1;
		size_t width = t[i].ndim == 2 ? (size_t)t[i].shape[1] : (size_t)t[i].shape[0];
		size_t step = lora_decode_slice(width), off = (size_t)(t[i].data - p->mem);
		for (size_t r = 0; rc == STATUS_OK && r < rows; r += step) {
			size_t k = rows - r < step ? rows - r : step;
			lora_decode_fill(l, p, &t[i], r, k, width, buf);
			rc = f->decode_rows(wb, p, off, r, k, width, buf, st);
		}
		if (rc != STATUS_OK)
			status_prefix(st, "tensor '%s'", t[i].name);
	}
	free(buf);
	free(t);
	if (rc != STATUS_OK)
		decoder_weights_free(wb);
	return rc;
}
