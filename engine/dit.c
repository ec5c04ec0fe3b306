/* dit: the DiT's parameter table, its forward and backward passes on the
 * engine's kernels, and its row in the model interface (dit_family). */
#include "config.h"

#include "engine/dit.h"
#include "engine/kernels.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

size_t dit_walk(const struct model_config *c, float *mem, struct model_tensor *out, size_t *goff,
                size_t *loff, size_t *total)
{
	int64_t C = c->n_embd, I = c->n_inner, p = c->patch_size, ch = c->in_channels;
	int64_t T = c->n_positions, K = c->cond_dim, F = c->freq_dim, PD = ch * p * p;
	size_t n = 0, at = 0;
	char name[MODEL_NAME_MAX];
	if (goff)
		for (size_t i = 0; i < DIT_GLOBALS; i++)
			goff[i] = DIT_ABSENT;
#define ONE(offs, slot, nm, ndim, d0, d1, decay) do { \
		if (offs) \
			(offs)[slot] = at; \
		model_tensor_set(out, &n, (nm), mem ? mem + at : NULL, (ndim), (d0), (d1), (decay)); \
		at += (size_t)(d0) * ((ndim) > 1 ? (size_t)(d1) : 1); \
	} while (0)
	ONE(goff, DIT_X_W, "x_embedder.proj.weight", 2, C, PD, 1);
	ONE(goff, DIT_X_B, "x_embedder.proj.bias", 1, C, 0, 0);
	ONE(goff, DIT_POS, "pos_embed", 2, T, C, 0);
	ONE(goff, DIT_T0_W, "t_embedder.mlp.0.weight", 2, C, F, 1);
	ONE(goff, DIT_T0_B, "t_embedder.mlp.0.bias", 1, C, 0, 0);
	ONE(goff, DIT_T2_W, "t_embedder.mlp.2.weight", 2, C, C, 1);
	ONE(goff, DIT_T2_B, "t_embedder.mlp.2.bias", 1, C, 0, 0);
	if (K > 0) {
		ONE(goff, DIT_Y0_W, "y_embedder.mlp.0.weight", 2, C, K, 1);
		ONE(goff, DIT_Y0_B, "y_embedder.mlp.0.bias", 1, C, 0, 0);
		ONE(goff, DIT_Y2_W, "y_embedder.mlp.2.weight", 2, C, C, 1);
		ONE(goff, DIT_Y2_B, "y_embedder.mlp.2.bias", 1, C, 0, 0);
	}
	ONE(goff, DIT_NULL, "y_embedder.null", 1, C, 0, 0);
	for (int l = 0; l < c->n_layer; l++) {
		const struct {
			enum dit_layer_tensor t;
			const char *suffix;
			int ndim;
			int64_t d0, d1;
		} f[] = {
			{ DIT_QKV_W, "attn.qkv.weight", 2, 3 * C, C },
			{ DIT_QKV_B, "attn.qkv.bias", 1, 3 * C, 0 },
			{ DIT_PROJ_W, "attn.proj.weight", 2, C, C },
			{ DIT_PROJ_B, "attn.proj.bias", 1, C, 0 },
			{ DIT_FC1_W, "mlp.fc1.weight", 2, I, C },
			{ DIT_FC1_B, "mlp.fc1.bias", 1, I, 0 },
			{ DIT_FC2_W, "mlp.fc2.weight", 2, C, I },
			{ DIT_FC2_B, "mlp.fc2.bias", 1, C, 0 },
			{ DIT_ADA_W, "adaLN_modulation.1.weight", 2, 6 * C, C },
			{ DIT_ADA_B, "adaLN_modulation.1.bias", 1, 6 * C, 0 },
		};
		for (size_t k = 0; k < sizeof f / sizeof f[0]; k++) {
			snprintf(name, sizeof name, "blocks.%d.%s", l, f[k].suffix);
			ONE(loff, (size_t)l * DIT_LAYER_TENSORS + f[k].t, name, f[k].ndim, f[k].d0, f[k].d1,
			    f[k].ndim > 1);
		}
	}
	ONE(goff, DIT_FADA_W, "final_layer.adaLN_modulation.1.weight", 2, 2 * C, C, 1);
	ONE(goff, DIT_FADA_B, "final_layer.adaLN_modulation.1.bias", 1, 2 * C, 0, 0);
	if (c->num_labels > 0) {
		ONE(goff, DIT_SCORE, "score.weight", 2, c->num_labels, C, 1);
	} else {
		ONE(goff, DIT_FLIN_W, "final_layer.linear.weight", 2, PD, C, 1);
		ONE(goff, DIT_FLIN_B, "final_layer.linear.bias", 1, PD, 0, 0);
	}
#undef ONE
	if (total)
		*total = at;
	return n;
}

static size_t dit_count(const struct model_config *c)
{
	size_t total;
	dit_walk(c, NULL, NULL, NULL, NULL, &total);
	return total;
}

static size_t dit_describe(const struct model_params *p, struct model_tensor *out)
{
	return dit_walk(&p->cfg, p->mem, out, NULL, NULL, NULL);
}

enum status_code dit_layout_init(struct dit_layout *lay, const struct model_config *c,
                                 struct status *st)
{
	memset(lay, 0, sizeof *lay);
	lay->L = (size_t)c->n_layer;
	lay->C = (size_t)c->n_embd;
	lay->NH = (size_t)c->n_head;
	lay->I = (size_t)c->n_inner;
	lay->T = (size_t)c->n_positions;
	lay->side = (size_t)c->image_size;
	lay->p = (size_t)c->patch_size;
	lay->ch = (size_t)c->in_channels;
	lay->grid = lay->side / lay->p;
	lay->PD = lay->ch * lay->p * lay->p;
	lay->K = (size_t)c->cond_dim;
	lay->F = (size_t)c->freq_dim;
	lay->labels = c->num_labels > 0 ? (size_t)c->num_labels : 0;
	lay->loff = malloc((lay->L ? lay->L : 1) * DIT_LAYER_TENSORS * sizeof *lay->loff);
	if (!lay->loff)
		return status_set(st, STATUS_NOMEM, "cannot allocate the tensor table");
	dit_walk(c, NULL, NULL, lay->off, lay->loff, &lay->count);
	return STATUS_OK;
}

void dit_layout_free(struct dit_layout *lay)
{
	free(lay->loff);
	memset(lay, 0, sizeof *lay);
}

void dit_timestep_embedding(float *out, const float *t, size_t B, size_t F)
{
	size_t half = F / 2;
	for (size_t b = 0; b < B; b++) {
		float *o = out + b * F;
		for (size_t i = 0; i < half; i++) {
			/* in float, as torch forms it */
			float f = (float)exp(-log(10000.0) * (double)i / (double)half);
			float a = t[b] * f;
			o[i] = (float)cos((double)a);
			o[half + i] = (float)sin((double)a);
		}
		if (F % 2)
			o[F - 1] = 0.0f;
	}
}

/* ---- activations -------------------------------------------------------- */

struct dit_layer_acts {
	float *x;          /* [N, C] the block's input (the previous block's output) */
	float *mod;        /* [B, 6C] shift_msa | scale_msa | gate_msa | shift_mlp | scale_mlp | gate_mlp */
	float *w1, *w2;    /* [B, C] 1 + scale_msa, 1 + scale_mlp: the LayerNorms' weights */
	float *ln1, *m1, *r1;
	float *qkv, *att, *atty, *ao;
	float *res1;       /* [N, C] after the attention's gated residual */
	float *ln2, *m2, *r2;
	float *fch, *fchg, *mo;
};

struct dit_acts {
	int train;
	size_t B, cap;
	float *mem;
	struct dit_layer_acts *layer;
	size_t nlayer;
	float *xp;         /* [N, PD] patches */
	float *h0;         /* [N, C] embedded patches + positions */
	float *tf;         /* [B, F] timestep sinusoids */
	float *te1, *te1s; /* [B, C] */
	float *ye1, *ye1s; /* [B, C] */
	float *c, *sc;     /* [B, C] condition, SiLU of it */
	float *out;        /* [N, C] last block's output */
	float *fmod, *fw;  /* [B, 2C] shift | scale; [B, C] 1 + scale */
	float *lnf, *mf, *rf;
	float *o;          /* [N, PD] */
	float *eps;        /* [B, D] */
	float *pool;       /* reward model: [B, C] the final norm's mean over the patches */
	float *scores;     /* reward model: [B, labels] */
	unsigned char *null; /* [B] rows on the null condition */
	float *cond;       /* [B, K] the y MLP's input, kept for backward */
	size_t cond_cap;
	/* backward */
	float *dres, *dc1, *dc2, *dI1, *dI2, *dqkv, *datt, *dmod, *dfmod, *dsc, *dB1, *dB2, *dpo;
};

static size_t dit_acts_layout(const struct dit_layout *lay, struct dit_acts *a, float *mem,
                              size_t B)
{
	size_t N = B * lay->T, C = lay->C, I = lay->I, PD = lay->PD, T = lay->T;
	size_t used = 0;
#define TAKE(ptr, len) do { size_t n_ = (len); if (mem) (ptr) = mem + used; used += (n_ + 15) & ~(size_t)15; } while (0)
	float *dummy;
	for (size_t l = 0; l < lay->L; l++) {
		struct dit_layer_acts tmp, *la = mem ? &a->layer[l] : &tmp;
		TAKE(la->x, N * C);
		TAKE(la->mod, B * 6 * C);
		TAKE(la->w1, B * C);
		TAKE(la->w2, B * C);
		TAKE(la->ln1, N * C);
		TAKE(la->m1, N);
		TAKE(la->r1, N);
		TAKE(la->qkv, N * 3 * C);
		TAKE(la->att, B * lay->NH * T * T);
		TAKE(la->atty, N * C);
		TAKE(la->ao, N * C);
		TAKE(la->res1, N * C);
		TAKE(la->ln2, N * C);
		TAKE(la->m2, N);
		TAKE(la->r2, N);
		TAKE(la->fch, N * I);
		TAKE(la->fchg, N * I);
		TAKE(la->mo, N * C);
	}
	struct dit_acts tmpa, *A = mem ? a : &tmpa;
	TAKE(A->xp, N * PD);
	TAKE(A->h0, N * C);
	TAKE(A->tf, B * lay->F);
	TAKE(A->te1, B * C);
	TAKE(A->te1s, B * C);
	TAKE(A->ye1, B * C);
	TAKE(A->ye1s, B * C);
	TAKE(A->c, B * C);
	TAKE(A->sc, B * C);
	TAKE(A->out, N * C);
	TAKE(A->fmod, B * 2 * C);
	TAKE(A->fw, B * C);
	TAKE(A->lnf, N * C);
	TAKE(A->mf, N);
	TAKE(A->rf, N);
	TAKE(A->o, N * PD);
	TAKE(A->eps, N * PD);
	TAKE(A->pool, B * C);
	TAKE(A->scores, B * (lay->labels ? lay->labels : 1));
	TAKE(dummy, (B + 3) / 4); /* null flags, as floats' room */
	if (mem)
		A->null = (unsigned char *)dummy;
	if (a && a->train) {
		TAKE(A->dres, N * C);
		TAKE(A->dc1, N * C);
		TAKE(A->dc2, N * C);
		TAKE(A->dI1, N * I);
		TAKE(A->dI2, N * I);
		TAKE(A->dqkv, N * 3 * C);
		TAKE(A->datt, B * lay->NH * T * T);
		TAKE(A->dmod, B * 6 * C);
		TAKE(A->dfmod, B * 2 * C);
		TAKE(A->dsc, B * C);
		TAKE(A->dB1, B * C);
		TAKE(A->dB2, B * C);
		TAKE(A->dpo, N * PD);
	}
#undef TAKE
	return used;
}

static enum status_code dit_acts_reserve(const struct dit_layout *lay, struct dit_acts *a,
                                         size_t B, struct status *st)
{
	size_t need = dit_acts_layout(lay, a, NULL, B);
	if (need > a->cap || a->nlayer != lay->L) {
		free(a->mem);
		free(a->layer);
		a->cap = 0;
		a->nlayer = 0;
		a->mem = aligned_alloc(64, (need * sizeof(float) + 63) & ~(size_t)63);
		a->layer = calloc(lay->L ? lay->L : 1, sizeof *a->layer);
		if (!a->mem || !a->layer)
			return status_set(st, STATUS_NOMEM, "cannot allocate activations for %zu images", B);
		a->cap = need;
		a->nlayer = lay->L;
	}
	dit_acts_layout(lay, a, a->mem, B);
	a->B = B;
	return STATUS_OK;
}

/* ---- passes ------------------------------------------------------------- */

static enum status_code dit_cancelled(const struct hooks *h, struct status *st)
{
	return hooks_aborted(h) ? status_set(st, STATUS_CANCELLED, "cancelled") : STATUS_OK;
}

/* Image [ch, side, side] of b -> its patches' rows (channel, row, column). */
static void dit_patchify(const struct dit_layout *lay, const float *x, float *xp, size_t B)
{
	size_t p = lay->p, G = lay->grid, S = lay->side, ch = lay->ch;
	for (size_t b = 0; b < B; b++)
		for (size_t gy = 0; gy < G; gy++)
			for (size_t gx = 0; gx < G; gx++) {
				float *row = xp + ((b * lay->T) + gy * G + gx) * lay->PD;
				for (size_t c = 0; c < ch; c++)
					for (size_t i = 0; i < p; i++)
						for (size_t j = 0; j < p; j++)
							row[(c * p + i) * p + j] =
								x[((b * ch + c) * S + gy * p + i) * S + gx * p + j];
			}
}

/* Output rows (row, column, channel) <-> images; dir 0: rows to images. */
static void dit_unpatchify(const struct dit_layout *lay, float *o, float *img, size_t B, int to_rows)
{
	size_t p = lay->p, G = lay->grid, S = lay->side, ch = lay->ch;
	for (size_t b = 0; b < B; b++)
		for (size_t gy = 0; gy < G; gy++)
			for (size_t gx = 0; gx < G; gx++) {
				float *row = o + ((b * lay->T) + gy * G + gx) * lay->PD;
				for (size_t i = 0; i < p; i++)
					for (size_t j = 0; j < p; j++)
						for (size_t c = 0; c < ch; c++) {
							float *v = &img[((b * ch + c) * S + gy * p + i) * S + gx * p + j];
							float *r = &row[(i * p + j) * ch + c];
							if (to_rows)
								*r = *v;
							else
								*v = *r;
						}
			}
}

/* out[b] = LayerNorm(x[b]) * w[b] + bias[b]: the modulated norm, one
 * sequence at a time through the shared kernel. */
static void dit_modnorm(float *out, float *mean, float *rstd, const float *x, const float *w,
                        const float *bias, size_t ldb, size_t B, size_t T, size_t C)
{
	for (size_t b = 0; b < B; b++)
		layernorm_forward(out + b * T * C, mean + b * T, rstd + b * T, x + b * T * C, w + b * C,
		                  bias + b * ldb, T, C, DIT_LN_EPS);
}

static void dit_modnorm_backward(float *dx, float *dw, float *db, size_t ldb, const float *dout,
                                 const float *x, const float *w, const float *mean,
                                 const float *rstd, size_t B, size_t T, size_t C)
{
	for (size_t b = 0; b < B; b++)
		layernorm_backward(dx + b * T * C, dw + b * ldb, db + b * ldb, dout + b * T * C,
		                   x + b * T * C, w + b * C, mean + b * T, rstd + b * T, T, C);
}

/* w = 1 + scale, per row of B */
static void dit_onep(float *w, const float *scale, size_t ld, size_t B, size_t C)
{
	for (size_t b = 0; b < B; b++)
		for (size_t i = 0; i < C; i++)
			w[b * C + i] = 1.0f + scale[b * ld + i];
}

/* pool[b] = the mean of rows x[b, 0..T) */
static void dit_pool(float *pool, const float *x, size_t B, size_t T, size_t C)
{
	for (size_t b = 0; b < B; b++) {
		float *o = pool + b * C;
		memset(o, 0, C * sizeof *o);
		for (size_t t = 0; t < T; t++)
			residual_forward(o, x + (b * T + t) * C, C);
		for (size_t i = 0; i < C; i++)
			o[i] /= (float)T;
	}
}

static enum status_code dit_forward(const struct dit_layout *lay, const float *w,
                                    struct dit_acts *a, const struct model_image_batch *ib,
                                    const struct hooks *h, struct status *st)
{
	size_t B = ib->B;
	if (B == 0)
		return status_set(st, STATUS_INVALID, "no images");
	enum status_code rc = dit_acts_reserve(lay, a, B, st);
	if (rc != STATUS_OK)
		return rc;
	size_t T = lay->T, N = B * T, C = lay->C, I = lay->I, PD = lay->PD, K = lay->K;
#define G(t) (w + lay->off[t])
	dit_patchify(lay, ib->x, a->xp, B);
	linear_forward_rows(a->h0, C, a->xp, G(DIT_X_W), G(DIT_X_B), N, PD, C);
	for (size_t b = 0; b < B; b++)
		residual_forward(a->h0 + b * T * C, G(DIT_POS), T * C);
	/* c = t_embedder(t) + (y_embedder(cond) or the null condition) */
	dit_timestep_embedding(a->tf, ib->t, B, lay->F);
	linear_forward_rows(a->te1, C, a->tf, G(DIT_T0_W), G(DIT_T0_B), B, lay->F, C);
	silu_forward(a->te1s, a->te1, B * C);
	linear_forward_rows(a->c, C, a->te1s, G(DIT_T2_W), G(DIT_T2_B), B, C, C);
	for (size_t b = 0; b < B; b++)
		a->null[b] = !ib->cond || K == 0 || (ib->drop && ib->drop[b]);
	if (K > 0 && ib->cond) {
		linear_forward_rows(a->ye1, C, ib->cond, G(DIT_Y0_W), G(DIT_Y0_B), B, K, C);
		silu_forward(a->ye1s, a->ye1, B * C);
		/* the condition's embedding into dc1's room, added where not null */
		linear_forward_rows(a->out, C, a->ye1s, G(DIT_Y2_W), G(DIT_Y2_B), B, C, C);
	}
	for (size_t b = 0; b < B; b++)
		residual_forward(a->c + b * C, a->null[b] ? G(DIT_NULL) : a->out + b * C, C);
	silu_forward(a->sc, a->c, B * C);
	const float *x = a->h0;
	for (size_t l = 0; l < lay->L; l++) {
		struct dit_layer_acts *la = &a->layer[l];
		const float *lw = w;
#define LW(t) (lw + lay->loff[l * DIT_LAYER_TENSORS + (t)])
		memcpy(la->x, x, N * C * sizeof *x);
		linear_forward_rows(la->mod, 6 * C, a->sc, LW(DIT_ADA_W), LW(DIT_ADA_B), B, C, 6 * C);
		dit_onep(la->w1, la->mod + C, 6 * C, B, C);
		dit_onep(la->w2, la->mod + 4 * C, 6 * C, B, C);
		dit_modnorm(la->ln1, la->m1, la->r1, la->x, la->w1, la->mod, 6 * C, B, T, C);
		linear_forward_rows(la->qkv, 3 * C, la->ln1, LW(DIT_QKV_W), LW(DIT_QKV_B), N, C, 3 * C);
		attention_full_forward(la->atty, la->att, la->qkv, B, T, C, lay->NH);
		linear_forward_rows(la->ao, C, la->atty, LW(DIT_PROJ_W), LW(DIT_PROJ_B), N, C, C);
		memcpy(la->res1, la->x, N * C * sizeof *x);
		gated_residual_forward(la->res1, la->ao, la->mod + 2 * C, 6 * C, B, T, C);
		if ((rc = dit_cancelled(h, st)) != STATUS_OK)
			return rc;
		dit_modnorm(la->ln2, la->m2, la->r2, la->res1, la->w2, la->mod + 3 * C, 6 * C, B, T, C);
		linear_forward_rows(la->fch, I, la->ln2, LW(DIT_FC1_W), LW(DIT_FC1_B), N, C, I);
		gelu_forward(la->fchg, la->fch, N * I);
		linear_forward_rows(la->mo, C, la->fchg, LW(DIT_FC2_W), LW(DIT_FC2_B), N, I, C);
		float *next = l + 1 < lay->L ? a->layer[l + 1].x : a->out;
		memcpy(next, la->res1, N * C * sizeof *x);
		gated_residual_forward(next, la->mo, la->mod + 5 * C, 6 * C, B, T, C);
		x = next;
#undef LW
		if ((rc = dit_cancelled(h, st)) != STATUS_OK)
			return rc;
	}
	if (lay->L == 0)
		memcpy(a->out, a->h0, N * C * sizeof *a->out);
	linear_forward_rows(a->fmod, 2 * C, a->sc, G(DIT_FADA_W), G(DIT_FADA_B), B, C, 2 * C);
	dit_onep(a->fw, a->fmod + C, 2 * C, B, C);
	dit_modnorm(a->lnf, a->mf, a->rf, a->out, a->fw, a->fmod, 2 * C, B, T, C);
	if (lay->labels) {
		/* the reward head: the patches' mean, then the score */
		dit_pool(a->pool, a->lnf, B, T, C);
		linear_forward_rows(a->scores, lay->labels, a->pool, G(DIT_SCORE), NULL, B, C, lay->labels);
		return STATUS_OK;
	}
	linear_forward_rows(a->o, PD, a->lnf, G(DIT_FLIN_W), G(DIT_FLIN_B), N, C, PD);
	dit_unpatchify(lay, a->o, a->eps, B, 0);
#undef G
	return STATUS_OK;
}

/* Tells the trainer floats [lo, hi) of the gradient are final (model.h's grads hook). */
static void dit_ready(const struct model_grads_hook *gh, size_t lo, size_t hi)
{
	if (gh && gh->ready && hi > lo)
		gh->ready(gh->ctx, lo, hi);
}

/* The final layer's tensors end the layout, each block's follow the
 * globals in order: they are told as they finish, last first, and the
 * globals (embedders, positions, the null condition) at the end. */
static enum status_code dit_backward(const struct dit_layout *lay, const float *w, float *g,
                                     struct dit_acts *a, const float *deps,
                                     const struct model_grads_hook *gh, const struct hooks *h,
                                     struct status *st)
{
	if (!a->train || !a->dres)
		return status_set(st, STATUS_INTERNAL, "backward without a training forward pass");
	size_t B = a->B, T = lay->T, N = B * T, C = lay->C, I = lay->I, PD = lay->PD, K = lay->K;
	enum status_code rc;
#define W(t) (w + lay->off[t])
#define D(t) (g + lay->off[t])
	if (lay->labels) {
		/* deps is dscores [B, labels]: into the pool (dB1's room), spread over the patches */
		linear_backward(a->dB1, 0, D(DIT_SCORE), NULL, deps, lay->labels, a->pool, W(DIT_SCORE),
		                B, C, lay->labels);
		for (size_t b = 0; b < B; b++)
			for (size_t t = 0; t < T; t++)
				for (size_t i = 0; i < C; i++)
					a->dc1[(b * T + t) * C + i] = a->dB1[b * C + i] / (float)T;
	} else {
		dit_unpatchify(lay, a->dpo, (float *)(uintptr_t)deps, B, 1);
		linear_backward(a->dc1, 0, D(DIT_FLIN_W), D(DIT_FLIN_B), a->dpo, PD, a->lnf,
		                W(DIT_FLIN_W), N, C, PD);
	}
	memset(a->dres, 0, N * C * sizeof *a->dres);
	memset(a->dfmod, 0, B * 2 * C * sizeof *a->dfmod);
	dit_modnorm_backward(a->dres, a->dfmod + C, a->dfmod, 2 * C, a->dc1, a->out, a->fw, a->mf,
	                     a->rf, B, T, C);
	memset(a->dsc, 0, B * C * sizeof *a->dsc);
	linear_backward(a->dsc, 1, D(DIT_FADA_W), D(DIT_FADA_B), a->dfmod, 2 * C, a->sc, W(DIT_FADA_W),
	                B, C, 2 * C);
	dit_ready(gh, lay->off[DIT_FADA_W], lay->count);
	for (size_t l = lay->L; l-- > 0;) {
		if ((rc = dit_cancelled(h, st)) != STATUS_OK)
			return rc;
		struct dit_layer_acts *la = &a->layer[l];
#define LW(t) (w + lay->loff[l * DIT_LAYER_TENSORS + (t)])
#define LD(t) (g + lay->loff[l * DIT_LAYER_TENSORS + (t)])
		memset(a->dmod, 0, B * 6 * C * sizeof *a->dmod);
		/* MLP branch: dres is the gradient of the block's output */
		gated_residual_backward(a->dc1, a->dmod + 5 * C, a->dres, la->mo, la->mod + 5 * C, 6 * C,
		                        B, T, C);
		linear_backward(a->dI1, 0, LD(DIT_FC2_W), LD(DIT_FC2_B), a->dc1, C, la->fchg,
		                LW(DIT_FC2_W), N, I, C);
		gelu_backward(a->dI1, la->fch, a->dI1, N * I);
		linear_backward(a->dc2, 0, LD(DIT_FC1_W), LD(DIT_FC1_B), a->dI1, I, la->ln2,
		                LW(DIT_FC1_W), N, C, I);
		dit_modnorm_backward(a->dres, a->dmod + 4 * C, a->dmod + 3 * C, 6 * C, a->dc2, la->res1,
		                     la->w2, la->m2, la->r2, B, T, C);
		/* attention branch: dres is now the gradient of res1 */
		gated_residual_backward(a->dc1, a->dmod + 2 * C, a->dres, la->ao, la->mod + 2 * C, 6 * C,
		                        B, T, C);
		linear_backward(a->dc2, 0, LD(DIT_PROJ_W), LD(DIT_PROJ_B), a->dc1, C, la->atty,
		                LW(DIT_PROJ_W), N, C, C);
		attention_full_backward(a->dqkv, a->datt, a->dc2, la->qkv, la->att, B, T, C, lay->NH);
		linear_backward(a->dc1, 0, LD(DIT_QKV_W), LD(DIT_QKV_B), a->dqkv, 3 * C, la->ln1,
		                LW(DIT_QKV_W), N, C, 3 * C);
		dit_modnorm_backward(a->dres, a->dmod + C, a->dmod, 6 * C, a->dc1, la->x, la->w1, la->m1,
		                     la->r1, B, T, C);
		linear_backward(a->dsc, 1, LD(DIT_ADA_W), LD(DIT_ADA_B), a->dmod, 6 * C, a->sc,
		                LW(DIT_ADA_W), B, C, 6 * C);
		dit_ready(gh, lay->loff[l * DIT_LAYER_TENSORS],
		          lay->loff[l * DIT_LAYER_TENSORS + DIT_ADA_B] + 6 * C);
#undef LW
#undef LD
	}
	/* patches and positions */
	for (size_t b = 0; b < B; b++)
		residual_forward(D(DIT_POS), a->dres + b * T * C, T * C);
	linear_backward(NULL, 0, D(DIT_X_W), D(DIT_X_B), a->dres, C, a->xp, W(DIT_X_W), N, lay->PD, C);
	/* the condition: dc = SiLU'(c) dsc, into the timestep MLP, the null and the y MLP */
	silu_backward(a->dB1, a->c, a->dsc, B * C);
	linear_backward(a->dB2, 0, D(DIT_T2_W), D(DIT_T2_B), a->dB1, C, a->te1s, W(DIT_T2_W), B, C, C);
	silu_backward(a->dB2, a->te1, a->dB2, B * C);
	linear_backward(NULL, 0, D(DIT_T0_W), D(DIT_T0_B), a->dB2, C, a->tf, W(DIT_T0_W), B, lay->F,
	                C);
	size_t conditioned = 0;
	for (size_t b = 0; b < B; b++) {
		if (a->null[b]) {
			residual_forward(D(DIT_NULL), a->dB1 + b * C, C);
			memset(a->dB1 + b * C, 0, C * sizeof *a->dB1);
		} else
			conditioned++;
	}
	if (K > 0 && conditioned) {
		linear_backward(a->dB2, 0, D(DIT_Y2_W), D(DIT_Y2_B), a->dB1, C, a->ye1s, W(DIT_Y2_W), B, C,
		                C);
		silu_backward(a->dB2, a->ye1, a->dB2, B * C);
		linear_backward(NULL, 0, D(DIT_Y0_W), D(DIT_Y0_B), a->dB2, C, a->cond, W(DIT_Y0_W), B, K,
		                C);
	}
	dit_ready(gh, 0, lay->L ? lay->loff[0] : lay->off[DIT_FADA_W]);
#undef W
#undef D
	return STATUS_OK;
}

/* ---- the model interface ------------------------------------------------ */

struct dit_pass {
	struct model_pass base;
	struct dit_layout lay;
	struct dit_acts acts;
};

static void dit_pass_free(struct model_pass *m)
{
	struct dit_pass *d = (struct dit_pass *)m;
	free(d->acts.mem);
	free(d->acts.layer);
	free(d->acts.cond);
	dit_layout_free(&d->lay);
	free(d);
}

static enum status_code dit_pass_new(struct model_pass **out, const struct model_params *p,
                                     int train, struct status *st)
{
	struct dit_pass *d = calloc(1, sizeof *d);
	if (!d)
		return status_set(st, STATUS_NOMEM, "out of memory");
	d->base.family = &dit_family;
	d->acts.train = train;
	enum status_code rc = dit_layout_init(&d->lay, &p->cfg, st);
	if (rc != STATUS_OK) {
		free(d);
		return rc;
	}
	d->base.P = d->lay.T;
	d->base.labels = d->lay.labels;
	d->base.image_dim = d->lay.ch * d->lay.side * d->lay.side;
	*out = &d->base;
	return STATUS_OK;
}

static enum status_code dit_pass_forward(struct model_pass *m, const float *w,
                                         const struct model_image_batch *b, const struct hooks *h,
                                         struct status *st)
{
	struct dit_pass *d = (struct dit_pass *)m;
	enum status_code rc = dit_forward(&d->lay, w, &d->acts, b, h, st);
	/* the y MLP's input, for backward */
	if (rc == STATUS_OK && d->acts.train && d->lay.K > 0 && b->cond) {
		size_t n = b->B * d->lay.K;
		if (n > d->acts.cond_cap) {
			free(d->acts.cond);
			d->acts.cond = malloc(n * sizeof *d->acts.cond);
			d->acts.cond_cap = d->acts.cond ? n : 0;
			if (!d->acts.cond)
				return status_set(st, STATUS_NOMEM, "out of memory");
		}
		memcpy(d->acts.cond, b->cond, n * sizeof *d->acts.cond);
	}
	m->B = b->B;
	m->T = d->lay.T;
	m->eps = rc == STATUS_OK && !d->lay.labels ? d->acts.eps : NULL;
	m->scores = rc == STATUS_OK && d->lay.labels ? d->acts.scores : NULL;
	return rc;
}

static enum status_code dit_pass_backward(struct model_pass *m, const float *w, float *g,
                                          const float *deps, const struct hooks *h,
                                          struct status *st)
{
	struct dit_pass *d = (struct dit_pass *)m;
	return dit_backward(&d->lay, w, g, &d->acts, deps, &m->grads, h, st);
}

static void dit_bind(struct model_params *p)
{
	(void)p; /* the DiT reads its tensors through dit_walk's offsets */
}

static const char *const dit_model_types[] = { "dit", NULL };

const struct model_family dit_family = {
	.name = "dit",
	.title = "DiT",
	.reward_arch = "none",
	.model_types = dit_model_types,
	.image = 1,
	.check = dit_check,
	.count = dit_count,
	.bind = dit_bind,
	.describe = dit_describe,
	.init = dit_init,
	.config_defaults = dit_config_defaults,
	.config_parse = dit_config_parse,
	.config_json = dit_config_json,
	.pass_new = dit_pass_new,
	.pass_free = dit_pass_free,
	.image_forward = dit_pass_forward,
	.image_backward = dit_pass_backward,
};
