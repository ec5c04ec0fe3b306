/* The output head every family's passes share, for one element type:
 * included by engine/gpt2_impl.h and engine/llama_impl.h with R (the
 * element type), S (the name suffix) and KS (the kernels of that type)
 * defined.
 *
 * A language model's head [V, C] (its own, or the tied token embedding)
 * gives the logits of the final hidden states and the cross-entropy of
 * the targets; a reward model's score [labels, C] reads the final hidden
 * state at each sequence's rightmost token that is not padding (the last
 * when there is no pad id), as Hugging Face's ...ForSequenceClassification
 * does. Products over the vocabulary go in slices of about 1 GFLOP so the
 * abort hook is polled between them. */

static enum status_code S(pass_cancelled)(const struct hooks *h, struct status *st)
{
	return hooks_aborted(h) ? status_set(st, STATUS_CANCELLED, "cancelled") : STATUS_OK;
}

/* What the head reads and writes. */
struct S(head) {
	size_t B, T, C, V, labels;
	int pad_id;
	size_t cols;       /* vocabulary columns per slice; 0: about 1 GFLOP each */
	const R *w;        /* [V, C] the language model's head (read as [C, V] by strides) */
	const uint16_t *wb; /* the same frozen in BF16 (w unused), widened a slice at a time
	                     * into panel (KERNELS_BF16_PANEL elements); NULL: w */
	R *panel;
	const R *score;    /* [labels, C] the reward model's */
	R *gw, *gscore;    /* their gradients (backward; NULL: not accumulated, a frozen head) */
	const R *lnf;      /* [B T, C] the final norm's output */
	R *logits;         /* [B T, V]; dlogits after backward */
	R *scores;         /* [B, labels] */
	int *last;         /* [B] the token each sequence is scored at */
	R *dc;             /* [B T, C] backward: the gradient into lnf */
};

static size_t S(head_slice)(const struct S(head) *hd)
{
	size_t step = hd->cols;
	if (step == 0) {
		step = (size_t)5e8 / (hd->B * hd->T * hd->C + 1);
		step = (step + 255) & ~(size_t)255;
	}
	if (hd->wb && step > KERNELS_BF16_PANEL / hd->C)
		step = KERNELS_BF16_PANEL / hd->C;
	return step < hd->V ? step : hd->V;
}

/* Rows v0 .. v0 + nv of the head, widened into the panel when it is BF16. */
static const R *S(head_rows)(const struct S(head) *hd, size_t v0, size_t nv)
{
	if (!hd->wb)
		return hd->w + v0 * hd->C;
	KS(bf16_widen)(hd->panel, hd->wb + v0 * hd->C, nv * hd->C);
	return hd->panel;
}

/* Logits (and the loss of targets, when given) or scores of the pass. */
static enum status_code S(head_forward)(const struct S(head) *hd, const int *tokens,
                                        const int *targets, double *loss_sum, size_t *count,
                                        const struct hooks *h, struct status *st)
{
	size_t N = hd->B * hd->T, C = hd->C, V = hd->V, T = hd->T;
	enum status_code rc;
	*loss_sum = 0.0;
	*count = 0;
	if (hd->labels == 0) {
		size_t step = S(head_slice)(hd);
		for (size_t v0 = 0; v0 < V; v0 += step) {
			size_t nv = V - v0 < step ? V - v0 : step;
			if ((rc = S(pass_cancelled)(h, st)) != STATUS_OK)
				return rc;
			KS(gemm)(N, nv, C, 1, hd->lnf, C, 1, S(head_rows)(hd, v0, nv), 1, C, 0,
			         hd->logits + v0, V, 1);
		}
		if (targets)
			*loss_sum = KS(crossentropy_forward)(hd->logits, targets, N, V, count);
		return STATUS_OK;
	}
	for (size_t b = 0; b < hd->B; b++) {
		size_t last = 0;
		if (hd->pad_id < 0)
			last = T - 1;
		else
			for (size_t t = 0; t < T; t++)
				if (tokens[b * T + t] != hd->pad_id)
					last = t;
		hd->last[b] = (int)last;
		/* score [labels, C] read as [C, labels] */
		KS(gemm)(1, hd->labels, C, 1, hd->lnf + (b * T + last) * C, C, 1, hd->score, 1, C, 0,
		         hd->scores + b * hd->labels, hd->labels, 1);
	}
	return STATUS_OK;
}

/* dc = the gradient into lnf of the loss (scaled) or of dscores [B, labels];
 * the head's or the score's gradient accumulated into gw or gscore (when
 * not NULL). */
static enum status_code S(head_backward)(const struct S(head) *hd, const int *targets, R scale,
                                         const R *dscores, const struct hooks *h,
                                         struct status *st)
{
	size_t N = hd->B * hd->T, C = hd->C, V = hd->V;
	enum status_code rc;
	if (hd->labels == 0) {
		KS(crossentropy_backward)(hd->logits, targets, N, V, scale);
		const R *dlogits = hd->logits;
		/* dlnf = dlogits head; dhead += dlogits^T lnf; by vocabulary slices */
		size_t step = S(head_slice)(hd);
		for (size_t v0 = 0; v0 < V; v0 += step) {
			size_t nv = V - v0 < step ? V - v0 : step;
			if ((rc = S(pass_cancelled)(h, st)) != STATUS_OK)
				return rc;
			KS(gemm)(N, C, nv, 1, dlogits + v0, V, 1, S(head_rows)(hd, v0, nv), C, 1, v0 ? 1 : 0,
			         hd->dc, C, 1);
			if (hd->gw)
				KS(gemm)(nv, C, N, 1, dlogits + v0, 1, V, hd->lnf, C, 1, 1, hd->gw + v0 * C, C, 1);
		}
		return STATUS_OK;
	}
	size_t K = hd->labels;
	memset(hd->dc, 0, N * C * sizeof *hd->dc);
	for (size_t b = 0; b < hd->B; b++) {
		size_t row = b * hd->T + (size_t)hd->last[b];
		/* dlnf[row] = dscores[b] score; dscore += dscores[b]^T lnf[row] */
		KS(gemm)(1, C, K, 1, dscores + b * K, K, 1, hd->score, C, 1, 0, hd->dc + row * C, C, 1);
		if (hd->gscore)
			KS(gemm)(K, C, 1, 1, dscores + b * K, 1, 1, hd->lnf + row * C, C, 1, 1, hd->gscore, C,
			         1);
	}
	return STATUS_OK;
}
