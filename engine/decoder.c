#include "config.h"

#include "engine/decoder.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

enum status_code decoder_init(struct decoder *d, const struct model_params *p, size_t B,
                              size_t cap, struct status *st)
{
	memset(d, 0, sizeof *d);
	if (B == 0 || cap == 0)
		return status_set(st, STATUS_INVALID, "decoder needs at least one sequence and position");
	d->p = p;
	d->family = model_family_of(&p->cfg);
	model_dims(&p->cfg, &d->dims);
	enum status_code rc = d->family->decode_init(d, st);
	if (rc != STATUS_OK) {
		decoder_free(d);
		return rc;
	}
	if (cap > d->dims.P)
		cap = d->dims.P;
	d->B = B;
	d->cap = cap;
	d->kvw = d->dims.NKV * d->dims.D;
	size_t per = d->dims.L * B * cap * d->kvw;
	d->k = malloc(2 * per * sizeof *d->k);
	d->len = calloc(B, sizeof *d->len);
	if (!d->k || !d->len) {
		decoder_free(d);
		return status_set(st, STATUS_NOMEM, "cannot allocate a KV cache of %zu x %zu positions",
		                  B, cap);
	}
	d->v = d->k + per;
	return STATUS_OK;
}

void decoder_free(struct decoder *d)
{
	free(d->k);
	free(d->len);
	free(d->mem);
	free(d->pos);
	free(d->rope);
	if (d->family)
		d->family->decode_free(d);
	memset(d, 0, sizeof *d);
}

int decoder_dtype_parse(const char *name)
{
	static const char *const names[] = { "f32", "bf16", "int8" };
	for (size_t i = 0; i < sizeof names / sizeof names[0]; i++)
		if (strcmp(name, names[i]) == 0)
			return (int)i;
	return -1;
}

const char *decoder_dtype_name(enum decoder_dtype t)
{
	return t == DECODER_BF16 ? "bf16" : t == DECODER_INT8 ? "int8" : "f32";
}

enum status_code decoder_weights_init(struct decoder_weights *wb, const struct model_params *p,
                                      enum decoder_dtype dtype, struct status *st)
{
	memset(wb, 0, sizeof *wb);
	wb->dtype = dtype;
	if (dtype == DECODER_F32)
		return STATUS_OK;
	const struct model_family *f = model_family_of(&p->cfg);
	if (!f->decode_weights)
		return status_set(st, STATUS_UNSUPPORTED, "%s weights for decoding are not implemented "
		                  "for %s models (use f32)", decoder_dtype_name(dtype), f->title);
	enum status_code rc = f->decode_weights(wb, p, st);
	if (rc != STATUS_OK)
		decoder_weights_free(wb);
	return rc;
}

void decoder_weights_free(struct decoder_weights *wb)
{
	free(wb->bf16);
	free(wb->embed_mem);
	free(wb->q8);
	free(wb->scale);
	free(wb->q_at);
	free(wb->scale_at);
	memset(wb, 0, sizeof *wb);
}

void decoder_set_weights(struct decoder *d, const struct decoder_weights *wb)
{
	d->wb = wb;
}

void decoder_reset(struct decoder *d)
{
	memset(d->len, 0, d->B * sizeof *d->len);
}

void decoder_copy(struct decoder *d, size_t from, size_t to)
{
	if (from == to || from >= d->B || to >= d->B)
		return;
	size_t W = d->kvw, n = d->len[from] * W;
	for (size_t l = 0; l < d->dims.L; l++) {
		size_t layer = l * d->B * d->cap * W;
		memcpy(d->k + layer + to * d->cap * W, d->k + layer + from * d->cap * W, n * sizeof *d->k);
		memcpy(d->v + layer + to * d->cap * W, d->v + layer + from * d->cap * W, n * sizeof *d->v);
	}
	d->len[to] = d->len[from];
}

static enum status_code decoder_reserve(struct decoder *d, size_t R, struct status *st)
{
	if (R <= d->rows)
		return STATUS_OK;
	const struct model_dims *m = &d->dims;
	size_t HD = m->NH * m->D, lnw = HD > m->C ? HD : m->C;
	size_t per_row = m->C + lnw + (m->NH + 2 * m->NKV) * m->D + HD + 2 * m->I;
	free(d->mem);
	free(d->pos);
	free(d->rope);
	d->rows = 0;
	d->mem = malloc((R * per_row + d->cap) * sizeof *d->mem);
	d->pos = malloc(R * sizeof *d->pos);
	d->rope = malloc(R * m->D * sizeof *d->rope);
	if (!d->mem || !d->pos || !d->rope)
		return status_set(st, STATUS_NOMEM, "cannot allocate decoder scratch for %zu rows", R);
	d->x = d->mem;
	d->ln = d->x + R * m->C;
	d->qkv = d->ln + R * lnw;
	d->atty = d->qkv + R * (m->NH + 2 * m->NKV) * m->D;
	d->fch = d->atty + R * HD;
	d->att = d->fch + R * 2 * m->I;
	d->rows = R;
	return STATUS_OK;
}

void decoder_attend(const struct decoder *d, const float *q, const float *kc, const float *vc,
                    size_t n, float *out)
{
	size_t NH = d->dims.NH, hs = d->dims.D, G = NH / d->dims.NKV, W = d->kvw;
	float scale = (float)(1.0 / sqrt((double)hs));
	float *a = d->att;
	for (size_t h = 0; h < NH; h++) {
		const float *qh = q + h * hs;
		size_t kvo = (h / G) * hs;
		float mx = -INFINITY;
		for (size_t j = 0; j < n; j++) {
			const float *kj = kc + j * W + kvo;
			float s = 0.0f;
			for (size_t i = 0; i < hs; i++)
				s += qh[i] * kj[i];
			a[j] = s * scale;
			if (a[j] > mx)
				mx = a[j];
		}
		double sum = 0.0;
		for (size_t j = 0; j < n; j++) {
			a[j] = (float)exp((double)(a[j] - mx));
			sum += a[j];
		}
		float inv = (float)(1.0 / sum);
		float *o = out + h * hs;
		memset(o, 0, hs * sizeof *o);
		for (size_t j = 0; j < n; j++) {
			const float *vj = vc + j * W + kvo;
			float pj = a[j] * inv;
			for (size_t i = 0; i < hs; i++)
				o[i] += pj * vj[i];
		}
	}
}

enum status_code decoder_step(struct decoder *d, const int *seq, const int *tokens, size_t R,
                              const unsigned char *keep, float *logits, const struct hooks *h,
                              struct status *st)
{
	enum status_code rc = decoder_reserve(d, R, st);
	if (rc != STATUS_OK)
		return rc;
	/* Positions: each row follows the earlier rows of its sequence. */
	for (size_t r = 0; r < R; r++) {
		if (seq[r] < 0 || (size_t)seq[r] >= d->B)
			return status_set(st, STATUS_INVALID, "row %zu names sequence %d of %zu", r, seq[r],
			                  d->B);
		if (tokens[r] < 0 || (size_t)tokens[r] >= d->dims.V)
			return status_set(st, STATUS_INVALID, "token %d is outside the vocabulary of %zu",
			                  tokens[r], d->dims.V);
		d->pos[r] = (int)d->len[seq[r]]++;
		if ((size_t)d->pos[r] >= d->cap) {
			for (size_t u = 0; u <= r; u++)
				d->len[seq[u]]--;
			return status_set(st, STATUS_INVALID, "sequence %d is longer than %zu tokens",
			                  seq[r], d->cap);
		}
	}
	return d->family->decode(d, seq, tokens, R, keep, logits, h, st);
}
