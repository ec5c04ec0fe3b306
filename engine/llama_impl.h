/* The Llama passes for one element type: included by llama.c with LLAMA_REAL
 * and LLAMA_SUF defined; the kernels of the same type are KS(name). */
#define R LLAMA_REAL
#define S LLAMA_SUF

void S(llama_acts_init)(struct S(llama_acts) *a, int train)
{
	memset(a, 0, sizeof *a);
	a->train = train;
}

void S(llama_acts_free)(struct S(llama_acts) *a)
{
	free(a->mem);
	free(a->ints);
	free(a->cs);
	free(a->layer);
	free(a->panel);
	int train = a->train;
	S(llama_acts_init)(a, train);
}

/* Lays the activations of a (B, T) pass out in a->mem, or with mem NULL just
 * counts the elements. */
static size_t S(llama_acts_layout)(const struct llama_layout *lay, struct S(llama_acts) *a, R *mem,
                                   size_t B, size_t T)
{
	size_t N = B * T, C = lay->C, I = lay->I, NH = lay->NH, V = lay->V;
	size_t HD = NH * lay->D, QKV = (NH + 2 * lay->NKV) * lay->D;
	size_t used = 0;
#define TAKE(ptr, len) do { size_t n_ = (len); if (mem) (ptr) = mem + used; used += (n_ + 15) & ~(size_t)15; } while (0)
	R *encoded = NULL;
	TAKE(encoded, N * C);
#define LAYER_TAKE(la) do { \
		TAKE((la)->ln1, N * C); \
		TAKE((la)->rstd1, N); \
		TAKE((la)->qkv, N * QKV); \
		TAKE((la)->att, B * NH * T * T); \
		TAKE((la)->atty, N * HD); \
		TAKE((la)->res2, N * C); \
		TAKE((la)->ln2, N * C); \
		TAKE((la)->rstd2, N); \
		TAKE((la)->gu, N * 2 * I); \
		TAKE((la)->act, N * I); \
	} while (0)
	/* recomputing: one set of a layer's activations all layers share; each
	 * keeps only its output (the next one's input) */
	int shared = a && a->recompute;
	struct S(llama_layer_acts) one;
	memset(&one, 0, sizeof one);
	if (shared)
		LAYER_TAKE(&one);
	for (size_t l = 0; l < lay->L; l++) {
		struct S(llama_layer_acts) tmp, *la = a && mem ? &a->layer[l] : &tmp;
		if (shared)
			*la = one;
		else
			LAYER_TAKE(la);
		TAKE(la->res3, N * C);
	}
#undef LAYER_TAKE
	R *lnf = NULL, *rstdf = NULL, *logits = NULL, *scores = NULL;
	TAKE(lnf, N * C);
	TAKE(rstdf, N);
	if (lay->labels == 0)
		TAKE(logits, N * V);
	else
		TAKE(scores, B * lay->labels);
	R *dres = NULL, *dc = NULL, *dact = NULL, *dgu = NULL, *dqkv = NULL, *datt = NULL;
	if (a && a->train) {
		TAKE(dres, N * C);
		TAKE(dc, N * (HD > C ? HD : C));
		TAKE(dact, N * I);
		TAKE(dgu, N * 2 * I);
		TAKE(dqkv, N * QKV);
		TAKE(datt, B * NH * T * T);
	}
#undef TAKE
	if (mem) {
		a->encoded = encoded;
		a->lnf = lnf;
		a->rstdf = rstdf;
		a->logits = logits;
		a->scores = scores;
		a->dres = dres;
		a->dc = dc;
		a->dact = dact;
		a->dgu = dgu;
		a->dqkv = dqkv;
		a->datt = datt;
	}
	return used;
}

static enum status_code S(llama_acts_reserve)(const struct llama_layout *lay,
                                              struct S(llama_acts) *a, size_t B, size_t T,
                                              struct status *st)
{
	size_t need = S(llama_acts_layout)(lay, a, NULL, B, T);
	if (need > a->cap || a->nlayer != lay->L) {
		free(a->mem);
		free(a->layer);
		a->cap = 0;
		a->nlayer = 0;
		a->mem = aligned_alloc(64, ((need * sizeof(R)) + 63) & ~(size_t)63);
		a->layer = calloc(lay->L, sizeof *a->layer);
		if (!a->mem || !a->layer)
			return status_set(st, STATUS_NOMEM, "cannot allocate activations for batch %zu x %zu",
			                  B, T);
		a->cap = need;
		a->nlayer = lay->L;
	}
	size_t ineed = B * T + B;
	if (ineed > a->icap) {
		free(a->ints);
		a->icap = 0;
		a->ints = malloc(ineed * sizeof *a->ints);
		if (!a->ints)
			return status_set(st, STATUS_NOMEM, "cannot allocate positions for batch %zu x %zu",
			                  B, T);
		a->icap = ineed;
	}
	if (T * lay->D > a->cscap) {
		free(a->cs);
		a->cscap = 0;
		a->cs = malloc(T * lay->D * sizeof *a->cs);
		if (!a->cs)
			return status_set(st, STATUS_NOMEM, "cannot allocate rotary tables for %zu positions", T);
		a->cscap = T * lay->D;
	}
	if (a->frozen && !a->panel && !(a->panel = malloc(KERNELS_BF16_PANEL * sizeof *a->panel)))
		return status_set(st, STATUS_NOMEM, "cannot allocate the BF16 weights' panel");
	S(llama_acts_layout)(lay, a, a->mem, B, T);
	a->pos = a->ints;
	a->last = a->ints + B * T;
	a->B = B;
	a->T = T;
	return STATUS_OK;
}

#include "engine/head_impl.h"

/* g[lo, hi) is complete for this backward: the caller may use it (engine/model.h). */
static void S(llama_ready)(const struct S(llama_acts) *a, size_t lo, size_t hi)
{
	if (a->ready && a->ready->ready && hi > lo)
		a->ready->ready(a->ready->ctx, lo, hi);
}

/* The head [V, C] (the embedding when tied) or the reward model's score,
 * over a's pass. */
static struct S(head) S(llama_head)(const struct llama_layout *lay, const R *w, R *g,
                                    struct S(llama_acts) *a)
{
	return (struct S(head)){ .B = a->B, .T = a->T, .C = lay->C, .V = lay->V,
	                         .labels = lay->labels, .pad_id = lay->pad_id,
	                         .w = w + llama_off(lay, LLAMA_HEAD),
	                         .wb = a->frozen ? a->frozen + llama_off(lay, LLAMA_HEAD) : NULL,
	                         .panel = a->panel,
	                         /* a LoRA adapter's trained reward head replaces the base's */
	                         .score = lay->labels ? KS(lora_run_score)(a->lora, w + llama_off(lay, LLAMA_SCORE)) : NULL,
	                         .gw = g ? g + llama_off(lay, LLAMA_HEAD) : NULL,
	                         .gscore = lay->labels ? KS(lora_run_score_grad)(a->lora,
	                                   g ? g + llama_off(lay, LLAMA_SCORE) : NULL) : NULL,
	                         .lnf = a->lnf, .logits = a->logits, .scores = a->scores,
	                         .last = a->last, .dc = a->dc };
}

/* out = inp W^T + bias for the weight at offset off: w's, or the frozen
 * BF16 base's. */
static void S(llama_linear)(const R *w, const struct S(llama_acts) *a, size_t off, R *out,
                            size_t ldo, const R *inp, const R *bias, size_t N, size_t IC,
                            size_t OC)
{
	if (a->frozen)
		KS(linear_forward_bf16)(out, ldo, inp, a->frozen + off, bias, N, IC, OC, a->panel);
	else
		KS(linear_forward)(out, ldo, inp, w + off, bias, N, IC, OC);
}

/* Its backward; a frozen base has no weight or bias gradient (backward
 * refuses g), only dinp. */
static void S(llama_linear_back)(const R *w, const struct S(llama_acts) *a, size_t off, R *dinp,
                                 int acc, R *dw, R *dbias, const R *dout, size_t ldd,
                                 const R *inp, size_t N, size_t IC, size_t OC)
{
	if (a->frozen)
		KS(linear_backward_bf16)(dinp, acc, dout, ldd, a->frozen + off, N, IC, OC, a->panel);
	else
		KS(linear_backward)(dinp, acc, dw, dbias, dout, ldd, inp, w + off, N, IC, OC);
}

/* Layer l of the pass over its input x, into a->layer[l]: the forward
 * pass's, and backward's again when it recomputes (`again`): then the down
 * projection, a third of the MLP's products, is left out, as its output
 * (the next layer's input, kept) is not needed for this layer's backward
 * and the adapter's product of its input is still there from the forward
 * pass (lora_run keeps each module's). */
static enum status_code S(llama_layer_forward)(const struct llama_layout *lay, const R *w,
                                               struct S(llama_acts) *a, size_t l, const R *x,
                                               int again, const struct hooks *h,
                                               struct status *st)
{
	size_t B = a->B, T = a->T, N = B * T, C = lay->C, I = lay->I, NH = lay->NH;
	size_t NKV = lay->NKV, D = lay->D, HD = NH * D, KD = NKV * D, QKV = HD + 2 * KD;
	struct S(llama_layer_acts) *la = &a->layer[l];
	enum status_code rc;
#define W(t) (w + llama_off_layer(lay, l, (t)))
#define WB(t) (llama_off_layer(lay, l, (t)) == LLAMA_ABSENT ? NULL : W(t))
#define LIN(t, out, ld, inp, bias, IC, OC) \
	S(llama_linear)(w, a, llama_off_layer(lay, l, (t)), out, ld, inp, bias, N, IC, OC)
/* the adapter's s (x A^T) B^T after each adapted product (engine/lora_run.h) */
#define LF(t, out, ld, x) KS(lora_run_forward)(a->lora, llama_off_layer(lay, l, (t)), out, ld, x, N)
	KS(rmsnorm_forward)(la->ln1, la->rstd1, x, W(LLAMA_LN1), N, C, lay->eps);
	LIN(LLAMA_QW, la->qkv, QKV, la->ln1, WB(LLAMA_QB), C, HD);
	LIN(LLAMA_KW, la->qkv + HD, QKV, la->ln1, WB(LLAMA_KB), C, KD);
	LIN(LLAMA_VW, la->qkv + HD + KD, QKV, la->ln1, WB(LLAMA_VB), C, KD);
	LF(LLAMA_QW, la->qkv, QKV, la->ln1);
	LF(LLAMA_KW, la->qkv + HD, QKV, la->ln1);
	LF(LLAMA_VW, la->qkv + HD + KD, QKV, la->ln1);
	KS(rope_rotate)(la->qkv, QKV, N, a->pos, NH, D, a->cs, 0);
	KS(rope_rotate)(la->qkv + HD, QKV, N, a->pos, NKV, D, a->cs, 0);
	KS(attention_gqa_forward)(la->atty, la->att, la->qkv, B, T, NH, NKV, D);
	LIN(LLAMA_OW, la->res2, C, la->atty, WB(LLAMA_OB), HD, C);
	LF(LLAMA_OW, la->res2, C, la->atty);
	KS(residual_forward)(la->res2, x, N * C);
	if ((rc = S(pass_cancelled)(h, st)) != STATUS_OK)
		return rc;
	KS(rmsnorm_forward)(la->ln2, la->rstd2, la->res2, W(LLAMA_LN2), N, C, lay->eps);
	LIN(LLAMA_GATE, la->gu, 2 * I, la->ln2, NULL, C, I);
	LIN(LLAMA_UP, la->gu + I, 2 * I, la->ln2, NULL, C, I);
	LF(LLAMA_GATE, la->gu, 2 * I, la->ln2);
	LF(LLAMA_UP, la->gu + I, 2 * I, la->ln2);
	KS(swiglu_forward)(la->act, la->gu, N, I);
	if (!again) {
		LIN(LLAMA_DOWN, la->res3, C, la->act, NULL, I, C);
		LF(LLAMA_DOWN, la->res3, C, la->act);
		KS(residual_forward)(la->res3, la->res2, N * C);
	}
#undef W
#undef WB
#undef LIN
#undef LF
	return S(pass_cancelled)(h, st);
}

enum status_code S(llama_forward)(const struct llama_layout *lay, const R *w,
                                  struct S(llama_acts) *a, const int *tokens, size_t B, size_t T,
                                  const int *targets, const struct hooks *h, struct status *st)
{
	if (lay->window && T > lay->window)
		return status_set(st, STATUS_UNSUPPORTED, "sequence of %zu tokens is longer than the "
		                  "model's sliding_window of %zu (attention over a sliding window is not "
		                  "implemented)", T, lay->window);
	if (B == 0 || T == 0 || T > lay->P)
		return status_set(st, STATUS_INVALID, "sequence length %zu is outside 1..%zu", T, lay->P);
	for (size_t n = 0; n < B * T; n++) {
		if (tokens[n] < 0 || (size_t)tokens[n] >= lay->V)
			return status_set(st, STATUS_INVALID, "token %d (row %zu, position %zu) is outside "
			                  "the vocabulary of %zu", tokens[n], n / T, n % T, lay->V);
		if (targets && targets[n] != -100 && (targets[n] < 0 || (size_t)targets[n] >= lay->V))
			return status_set(st, STATUS_INVALID, "target %d (row %zu, position %zu) is outside "
			                  "the vocabulary of %zu", targets[n], n / T, n % T, lay->V);
	}
	enum status_code rc = S(llama_acts_reserve)(lay, a, B, T, st);
	if (rc != STATUS_OK)
		return rc;
	size_t N = B * T, C = lay->C;
	if ((rc = KS(lora_run_reserve)(a->lora, N, st)) != STATUS_OK)
		return rc;
	for (size_t n = 0; n < N; n++)
		a->pos[n] = (int)(n % T);
	llama_rope_table(lay, a->cs, T);
	if (a->frozen)
		KS(embedding_forward_bf16)(a->encoded, tokens, a->frozen + llama_off(lay, LLAMA_EMBED), N, C);
	else
		KS(embedding_forward)(a->encoded, tokens, w + llama_off(lay, LLAMA_EMBED), N, C);
	const R *x = a->encoded;
	for (size_t l = 0; l < lay->L; l++) {
		if ((rc = S(llama_layer_forward)(lay, w, a, l, x, 0, h, st)) != STATUS_OK)
			return rc;
		x = a->layer[l].res3;
	}
	KS(rmsnorm_forward)(a->lnf, a->rstdf, x, w + llama_off(lay, LLAMA_NORM), N, C, lay->eps);
	struct S(head) hd = S(llama_head)(lay, w, NULL, a);
	return S(head_forward)(&hd, tokens, targets, &a->loss_sum, &a->count, h, st);
}

enum status_code S(llama_backward)(const struct llama_layout *lay, const R *w, R *g,
                                   struct S(llama_acts) *a, const int *tokens, const int *targets,
                                   R scale, const R *dscores, const struct hooks *h,
                                   struct status *st)
{
	if (!a->train || !a->dres)
		return status_set(st, STATUS_INTERNAL, "backward without a training forward pass");
	if (lay->labels == 0 && !targets)
		return status_set(st, STATUS_INVALID, "backward of a language model needs targets");
	if (lay->labels > 0 && !dscores)
		return status_set(st, STATUS_INVALID, "backward of a reward model needs score gradients");
	size_t B = a->B, T = a->T, N = B * T, C = lay->C, I = lay->I;
	size_t NH = lay->NH, NKV = lay->NKV, D = lay->D, HD = NH * D, KD = NKV * D;
	size_t QKV = HD + 2 * KD;
	enum status_code rc;
	if (a->frozen && g)
		return status_set(st, STATUS_INVALID, "the base is frozen in BF16: it takes no "
		                  "gradient (train an adapter over it)");
	struct S(head) hd = S(llama_head)(lay, w, g, a);
	if ((rc = S(head_backward)(&hd, targets, scale, dscores, h, st)) != STATUS_OK)
		return rc;
	const R *xlast = lay->L ? a->layer[lay->L - 1].res3 : a->encoded;
	memset(a->dres, 0, N * C * sizeof *a->dres);
	KS(rmsnorm_backward)(a->dres, g ? g + llama_off(lay, LLAMA_NORM) : NULL, a->dc, xlast,
	                     w + llama_off(lay, LLAMA_NORM), a->rstdf, N, C);
	/* embedding, the layers one after the other, then norm, head and score */
	size_t body = lay->L ? llama_off_layer(lay, 0, LLAMA_LN1) : llama_off(lay, LLAMA_NORM);
	S(llama_ready)(a, llama_off(lay, LLAMA_NORM), lay->count);
	for (size_t l = lay->L; l-- > 0;) {
		if ((rc = S(pass_cancelled)(h, st)) != STATUS_OK)
			return rc;
		struct S(llama_layer_acts) *la = &a->layer[l];
		const R *x = l ? a->layer[l - 1].res3 : a->encoded;
		/* the last layer's activations are still those of the forward pass */
		if (a->recompute && l + 1 < lay->L &&
		    (rc = S(llama_layer_forward)(lay, w, a, l, x, 1, h, st)) != STATUS_OK)
			return rc;
#define W(t) (w + llama_off_layer(lay, l, (t)))
#define G(t) (g ? g + llama_off_layer(lay, l, (t)) : NULL)
#define GB(t) (llama_off_layer(lay, l, (t)) == LLAMA_ABSENT ? NULL : G(t))
#define LBK(t, dinp, acc, dw, db, dout, ld, inp, IC, OC) \
	S(llama_linear_back)(w, a, llama_off_layer(lay, l, (t)), dinp, acc, dw, db, dout, ld, inp, N, \
	                     IC, OC)
#define LB(t, dx, dout, ld, x) \
	KS(lora_run_backward)(a->lora, llama_off_layer(lay, l, (t)), dx, dout, ld, x, N)
		LBK(LLAMA_DOWN, a->dact, 0, G(LLAMA_DOWN), NULL, a->dres, C, la->act, I, C);
		LB(LLAMA_DOWN, a->dact, a->dres, C, la->act);
		KS(swiglu_backward)(a->dgu, la->gu, a->dact, N, I);
		LBK(LLAMA_GATE, a->dc, 0, G(LLAMA_GATE), NULL, a->dgu, 2 * I, la->ln2, C, I);
		LBK(LLAMA_UP, a->dc, 1, G(LLAMA_UP), NULL, a->dgu + I, 2 * I, la->ln2, C, I);
		LB(LLAMA_GATE, a->dc, a->dgu, 2 * I, la->ln2);
		LB(LLAMA_UP, a->dc, a->dgu + I, 2 * I, la->ln2);
		KS(rmsnorm_backward)(a->dres, G(LLAMA_LN2), a->dc, la->res2, W(LLAMA_LN2), la->rstd2, N, C);
		if ((rc = S(pass_cancelled)(h, st)) != STATUS_OK)
			return rc;
		LBK(LLAMA_OW, a->dc, 0, G(LLAMA_OW), GB(LLAMA_OB), a->dres, C, la->atty, HD, C);
		LB(LLAMA_OW, a->dc, a->dres, C, la->atty);
		KS(attention_gqa_backward)(a->dqkv, a->datt, a->dc, la->qkv, la->att, B, T, NH, NKV, D);
		KS(rope_rotate)(a->dqkv, QKV, N, a->pos, NH, D, a->cs, 1);
		KS(rope_rotate)(a->dqkv + HD, QKV, N, a->pos, NKV, D, a->cs, 1);
		LBK(LLAMA_QW, a->dc, 0, G(LLAMA_QW), GB(LLAMA_QB), a->dqkv, QKV, la->ln1, C, HD);
		LBK(LLAMA_KW, a->dc, 1, G(LLAMA_KW), GB(LLAMA_KB), a->dqkv + HD, QKV, la->ln1, C, KD);
		LBK(LLAMA_VW, a->dc, 1, G(LLAMA_VW), GB(LLAMA_VB), a->dqkv + HD + KD, QKV, la->ln1, C,
		    KD);
		LB(LLAMA_QW, a->dc, a->dqkv, QKV, la->ln1);
		LB(LLAMA_KW, a->dc, a->dqkv + HD, QKV, la->ln1);
		LB(LLAMA_VW, a->dc, a->dqkv + HD + KD, QKV, la->ln1);
		KS(rmsnorm_backward)(a->dres, G(LLAMA_LN1), a->dc, x, W(LLAMA_LN1), la->rstd1, N, C);
		S(llama_ready)(a, llama_off_layer(lay, l, LLAMA_LN1),
		               l + 1 < lay->L ? llama_off_layer(lay, l + 1, LLAMA_LN1)
		                              : llama_off(lay, LLAMA_NORM));
#undef W
#undef G
#undef GB
#undef LB
#undef LBK
	}
	if (g) /* NULL: the base is frozen (LoRA) */
		KS(embedding_backward)(g + llama_off(lay, LLAMA_EMBED), a->dres, tokens, N, C);
	S(llama_ready)(a, 0, body);
	return STATUS_OK;
}

#undef R
#undef S
