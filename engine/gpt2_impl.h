/* The GPT-2 passes for one element type: included by gpt2.c with GPT2_REAL
 * and GPT2_SUF defined; the kernels of the same type are KS(name). */
#define R GPT2_REAL
#define S GPT2_SUF

void S(gpt2_acts_init)(struct S(gpt2_acts) *a, int train)
{
	memset(a, 0, sizeof *a);
	a->train = train;
}

void S(gpt2_acts_free)(struct S(gpt2_acts) *a)
{
	free(a->mem);
	free(a->ints);
	free(a->layer);
	int train = a->train;
	S(gpt2_acts_init)(a, train);
}

/* Lays the activations of a (B, T) pass out in a->mem, or with mem NULL just
 * counts the elements. */
static size_t S(gpt2_acts_layout)(const struct gpt2_layout *lay, struct S(gpt2_acts) *a, R *mem,
                                  size_t B, size_t T)
{
	size_t N = B * T, C = lay->C, I = lay->I, NH = lay->NH, V = lay->V;
	size_t used = 0;
#define TAKE(ptr, len) do { size_t n_ = (len); if (mem) (ptr) = mem + used; used += (n_ + 15) & ~(size_t)15; } while (0)
	R *encoded = NULL;
	TAKE(encoded, N * C);
	for (size_t l = 0; l < lay->L; l++) {
		struct S(gpt2_layer_acts) tmp, *la = a && mem ? &a->layer[l] : &tmp;
		TAKE(la->ln1, N * C);
		TAKE(la->ln1_mean, N);
		TAKE(la->ln1_rstd, N);
		TAKE(la->qkv, N * 3 * C);
		TAKE(la->att, B * NH * T * T);
		TAKE(la->atty, N * C);
		TAKE(la->res2, N * C);
		TAKE(la->ln2, N * C);
		TAKE(la->ln2_mean, N);
		TAKE(la->ln2_rstd, N);
		TAKE(la->fch, N * I);
		TAKE(la->fchg, N * I);
		TAKE(la->res3, N * C);
	}
	R *lnf = NULL, *lnf_mean = NULL, *lnf_rstd = NULL, *logits = NULL, *scores = NULL;
	TAKE(lnf, N * C);
	TAKE(lnf_mean, N);
	TAKE(lnf_rstd, N);
	if (lay->labels == 0)
		TAKE(logits, N * V);
	else
		TAKE(scores, B * lay->labels);
	R *dres = NULL, *dc = NULL, *di = NULL, *dqkv = NULL, *datt = NULL;
	if (a && a->train) {
		TAKE(dres, N * C);
		TAKE(dc, N * C);
		TAKE(di, N * I);
		TAKE(dqkv, N * 3 * C);
		TAKE(datt, B * NH * T * T); /* one T x T per head: they run in parallel */
	}
#undef TAKE
	if (mem) {
		a->encoded = encoded;
		a->lnf = lnf;
		a->lnf_mean = lnf_mean;
		a->lnf_rstd = lnf_rstd;
		a->logits = logits;
		a->scores = scores;
		a->dres = dres;
		a->dc = dc;
		a->di = di;
		a->dqkv = dqkv;
		a->datt = datt;
	}
	return used;
}

static enum status_code S(gpt2_acts_reserve)(const struct gpt2_layout *lay, struct S(gpt2_acts) *a,
                                             size_t B, size_t T, struct status *st)
{
	size_t need = S(gpt2_acts_layout)(lay, a, NULL, B, T);
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
	S(gpt2_acts_layout)(lay, a, a->mem, B, T);
	a->pos = a->ints;
	a->last = a->ints + B * T;
	a->B = B;
	a->T = T;
	return STATUS_OK;
}

#include "engine/head_impl.h"

/* g[lo, hi) is complete for this backward: the caller may use it (engine/model.h). */
static void S(gpt2_ready)(const struct S(gpt2_acts) *a, size_t lo, size_t hi)
{
	if (a->ready && a->ready->ready && hi > lo)
		a->ready->ready(a->ready->ctx, lo, hi);
}

/* The tied head [V, C] (wte) or the reward model's score, over a's pass. */
static struct S(head) S(gpt2_head)(const struct gpt2_layout *lay, const R *w, R *g,
                                   struct S(gpt2_acts) *a)
{
	return (struct S(head)){ .B = a->B, .T = a->T, .C = lay->C, .V = lay->V,
	                         .labels = lay->labels, .pad_id = lay->pad_id,
	                         .cols = gpt2_head_cols, .w = w + gpt2_off_wte(lay),
	                         /* a LoRA adapter's trained reward head replaces the base's */
	                         .score = lay->labels ? KS(lora_run_score)(a->lora, w + gpt2_off_score(lay)) : NULL,
	                         .gw = g ? g + gpt2_off_wte(lay) : NULL,
	                         .gscore = lay->labels ? KS(lora_run_score_grad)(a->lora,
	                                   g ? g + gpt2_off_score(lay) : NULL) : NULL,
	                         .lnf = a->lnf, .logits = a->logits, .scores = a->scores,
	                         .last = a->last, .dc = a->dc };
}

enum status_code S(gpt2_forward)(const struct gpt2_layout *lay, const R *w, struct S(gpt2_acts) *a,
                                 const int *tokens, size_t B, size_t T, const int *targets,
                                 const struct hooks *h, struct status *st)
{
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
	enum status_code rc = S(gpt2_acts_reserve)(lay, a, B, T, st);
	if (rc != STATUS_OK)
		return rc;
	size_t N = B * T, C = lay->C, I = lay->I, NH = lay->NH;
	if ((rc = KS(lora_run_reserve)(a->lora, N, st)) != STATUS_OK)
		return rc;
	for (size_t n = 0; n < N; n++)
		a->pos[n] = (int)(n % T);
	KS(encoder_forward)(a->encoded, tokens, a->pos, w + gpt2_off_wte(lay), w + gpt2_off_wpe(lay),
	                    N, C);
	const R *x = a->encoded;
	for (size_t l = 0; l < lay->L; l++) {
		struct S(gpt2_layer_acts) *la = &a->layer[l];
#define W(t) (w + gpt2_off_layer(lay, l, (t)))
/* the adapter's s (x A^T) B^T after each adapted product (engine/lora_run.h) */
#define LF(t, out, ld, x) KS(lora_run_forward)(a->lora, gpt2_off_layer(lay, l, (t)), out, ld, x, N)
		KS(layernorm_forward)(la->ln1, la->ln1_mean, la->ln1_rstd, x, W(GPT2_LN1_W),
		                      W(GPT2_LN1_B), N, C, lay->eps);
		KS(matmul_forward)(la->qkv, la->ln1, W(GPT2_ATTN_W), W(GPT2_ATTN_B), N, C, 3 * C);
		LF(GPT2_ATTN_W, la->qkv, 3 * C, la->ln1);
		KS(attention_forward)(la->atty, la->att, la->qkv, B, T, C, NH);
		KS(matmul_forward)(la->res2, la->atty, W(GPT2_PROJ_W), W(GPT2_PROJ_B), N, C, C);
		LF(GPT2_PROJ_W, la->res2, C, la->atty);
		KS(residual_forward)(la->res2, x, N * C);
		if ((rc = S(pass_cancelled)(h, st)) != STATUS_OK)
			return rc;
		KS(layernorm_forward)(la->ln2, la->ln2_mean, la->ln2_rstd, la->res2, W(GPT2_LN2_W),
		                      W(GPT2_LN2_B), N, C, lay->eps);
		KS(matmul_forward)(la->fch, la->ln2, W(GPT2_FC_W), W(GPT2_FC_B), N, C, I);
		LF(GPT2_FC_W, la->fch, I, la->ln2);
		KS(gelu_forward)(la->fchg, la->fch, N * I);
		if ((rc = S(pass_cancelled)(h, st)) != STATUS_OK)
			return rc;
		KS(matmul_forward)(la->res3, la->fchg, W(GPT2_FCPROJ_W), W(GPT2_FCPROJ_B), N, I, C);
		LF(GPT2_FCPROJ_W, la->res3, C, la->fchg);
		KS(residual_forward)(la->res3, la->res2, N * C);
#undef W
#undef LF
		x = la->res3;
		if ((rc = S(pass_cancelled)(h, st)) != STATUS_OK)
			return rc;
	}
	KS(layernorm_forward)(a->lnf, a->lnf_mean, a->lnf_rstd, x, w + gpt2_off_lnf_w(lay),
	                      w + gpt2_off_lnf_b(lay), N, C, lay->eps);
	struct S(head) hd = S(gpt2_head)(lay, w, NULL, a);
	return S(head_forward)(&hd, tokens, targets, &a->loss_sum, &a->count, h, st);
}

enum status_code S(gpt2_backward)(const struct gpt2_layout *lay, const R *w, R *g,
                                  struct S(gpt2_acts) *a, const int *tokens, const int *targets,
                                  R scale, const R *dscores, const struct hooks *h,
                                  struct status *st)
{
	if (!a->train || !a->dres)
		return status_set(st, STATUS_INTERNAL, "backward without a training forward pass");
	if (lay->labels == 0 && !targets)
		return status_set(st, STATUS_INVALID, "backward of a language model needs targets");
	if (lay->labels > 0 && !dscores)
		return status_set(st, STATUS_INVALID, "backward of a reward model needs score gradients");
	size_t B = a->B, T = a->T, N = B * T, C = lay->C, I = lay->I, NH = lay->NH;
	enum status_code rc;
	struct S(head) hd = S(gpt2_head)(lay, w, g, a);
	if ((rc = S(head_backward)(&hd, targets, scale, dscores, h, st)) != STATUS_OK)
		return rc;
	const R *xlast = lay->L ? a->layer[lay->L - 1].res3 : a->encoded;
	memset(a->dres, 0, N * C * sizeof *a->dres);
	KS(layernorm_backward)(a->dres, g ? g + gpt2_off_lnf_w(lay) : NULL,
	                       g ? g + gpt2_off_lnf_b(lay) : NULL, a->dc, xlast,
	                       w + gpt2_off_lnf_w(lay), a->lnf_mean, a->lnf_rstd, N, C);
	/* the layers lie between the embeddings and ln_f, one after the other */
	size_t body = lay->L ? gpt2_off_layer(lay, 0, GPT2_LN1_W) : gpt2_off_lnf_w(lay);
	S(gpt2_ready)(a, gpt2_off_lnf_w(lay), lay->count);
	for (size_t l = lay->L; l-- > 0;) {
		if ((rc = S(pass_cancelled)(h, st)) != STATUS_OK)
			return rc;
		struct S(gpt2_layer_acts) *la = &a->layer[l];
		const R *x = l ? a->layer[l - 1].res3 : a->encoded;
#define W(t) (w + gpt2_off_layer(lay, l, (t)))
#define G(t) (g ? g + gpt2_off_layer(lay, l, (t)) : NULL)
#define LB(t, dx, dout, ld, x) \
	KS(lora_run_backward)(a->lora, gpt2_off_layer(lay, l, (t)), dx, dout, ld, x, N)
		KS(matmul_backward)(a->di, G(GPT2_FCPROJ_W), G(GPT2_FCPROJ_B), a->dres, la->fchg,
		                    W(GPT2_FCPROJ_W), N, I, C);
		LB(GPT2_FCPROJ_W, a->di, a->dres, C, la->fchg);
		KS(gelu_backward)(a->di, la->fch, a->di, N * I);
		if ((rc = S(pass_cancelled)(h, st)) != STATUS_OK)
			return rc;
		KS(matmul_backward)(a->dc, G(GPT2_FC_W), G(GPT2_FC_B), a->di, la->ln2, W(GPT2_FC_W), N,
		                    C, I);
		LB(GPT2_FC_W, a->dc, a->di, I, la->ln2);
		KS(layernorm_backward)(a->dres, G(GPT2_LN2_W), G(GPT2_LN2_B), a->dc, la->res2,
		                       W(GPT2_LN2_W), la->ln2_mean, la->ln2_rstd, N, C);
		if ((rc = S(pass_cancelled)(h, st)) != STATUS_OK)
			return rc;
		KS(matmul_backward)(a->dc, G(GPT2_PROJ_W), G(GPT2_PROJ_B), a->dres, la->atty,
		                    W(GPT2_PROJ_W), N, C, C);
		LB(GPT2_PROJ_W, a->dc, a->dres, C, la->atty);
		KS(attention_backward)(a->dqkv, a->datt, a->dc, la->qkv, la->att, B, T, C, NH);
		if ((rc = S(pass_cancelled)(h, st)) != STATUS_OK)
			return rc;
		KS(matmul_backward)(a->dc, G(GPT2_ATTN_W), G(GPT2_ATTN_B), a->dqkv, la->ln1,
		                    W(GPT2_ATTN_W), N, C, 3 * C);
		LB(GPT2_ATTN_W, a->dc, a->dqkv, 3 * C, la->ln1);
		KS(layernorm_backward)(a->dres, G(GPT2_LN1_W), G(GPT2_LN1_B), a->dc, x, W(GPT2_LN1_W),
		                       la->ln1_mean, la->ln1_rstd, N, C);
		S(gpt2_ready)(a, gpt2_off_layer(lay, l, GPT2_LN1_W),
		              l + 1 < lay->L ? gpt2_off_layer(lay, l + 1, GPT2_LN1_W) : gpt2_off_lnf_w(lay));
#undef W
#undef G
#undef LB
	}
	if (g) /* NULL: the base is frozen (LoRA) */
		KS(encoder_backward)(g + gpt2_off_wte(lay), g + gpt2_off_wpe(lay), a->dres, tokens, a->pos,
		                     N, C);
	S(gpt2_ready)(a, 0, body);
	return STATUS_OK;
}

#undef R
#undef S
