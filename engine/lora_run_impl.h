/* Definitions of the adapter run for one element type: included by
 * lora_run.c with LORA_RUN_REAL, LORA_RUN_SUF and KS defined. */
#define R LORA_RUN_REAL
#define S LORA_RUN_SUF

void S(lora_run_free)(struct S(lora_run) *run)
{
	if (!run)
		return;
	free(run->u);
	free(run->du);
	free(run->tmp);
	run->u = run->du = run->tmp = NULL;
	run->cap_u = run->cap_t = run->N = 0;
}

enum status_code S(lora_run_reserve)(struct S(lora_run) *run, size_t N, struct status *st)
{
	if (!run || !run->v)
		return STATUS_OK;
	const struct lora_view *v = run->v;
	size_t widest = 0;
	for (size_t k = 0; k < v->n; k++)
		widest = v->m[k].in > widest ? v->m[k].in : widest;
	size_t need_u = v->n * N * v->r, need_t = v->dropout > 0 ? N * widest : 0;
	if (need_u > run->cap_u) {
		free(run->u);
		free(run->du);
		run->cap_u = 0;
		run->u = malloc(need_u * sizeof *run->u);
		run->du = malloc(N * v->r * sizeof *run->du);
		if (!run->u || !run->du)
			return status_set(st, STATUS_NOMEM, "cannot allocate the adapter's activations");
		run->cap_u = need_u;
	}
	if (need_t > run->cap_t) {
		free(run->tmp);
		run->cap_t = 0;
		if (!(run->tmp = malloc(need_t * sizeof *run->tmp)))
			return status_set(st, STATUS_NOMEM, "cannot allocate the adapter's dropout scratch");
		run->cap_t = need_t;
	}
	run->N = N;
	return STATUS_OK;
}

static long S(lora_run_find)(const struct S(lora_run) *run, size_t woff)
{
	if (!run || !run->v)
		return -1;
	for (size_t k = 0; k < run->v->n; k++)
		if (run->v->m[k].woff == woff)
			return (long)k;
	return -1;
}

/* x with the dropout mask of module k applied (scaled by 1 / (1 - p)), or x itself. */
static const R *S(lora_run_dropped)(struct S(lora_run) *run, size_t k, const R *x, size_t N)
{
	const struct lora_view *v = run->v;
	if (!(v->dropout > 0))
		return x;
	size_t in = v->m[k].in;
	R keep = (R)(1.0 / (1.0 - v->dropout));
	for (size_t n = 0; n < N; n++) {
		/* the element's place in the whole batch: the same mask on any rank */
		size_t at = lora_run_row(v, n) * in;
		for (size_t c = 0; c < in; c++)
			run->tmp[n * in + c] = lora_run_keep(v->seed, k, at + c, v->dropout)
			                       ? x[n * in + c] * keep : 0;
	}
	return run->tmp;
}

void S(lora_run_forward)(struct S(lora_run) *run, size_t woff, R *out, size_t ldo, const R *x,
                         size_t N)
{
	long k = S(lora_run_find)(run, woff);
	if (k < 0)
		return;
	const struct lora_view *v = run->v;
	const struct lora_view_module *m = &v->m[k];
	size_t r = v->r;
	const R *A = run->w + m->a, *B = run->w + m->b;
	R *u = run->u + (size_t)k * N * r;
	const R *xs = S(lora_run_dropped)(run, (size_t)k, x, N);
	/* u [N, r] = xs [N, in] A^T (A [r, in] read as [in, r]) */
	KS(gemm_1t)(N, r, m->in, 1, xs, m->in, 1, A, 1, m->in, 0, u, r, 1);
	/* out += s u B^T (B [out, r] read as [r, out]) */
	KS(gemm_1t)(N, m->out, r, (R)v->scale, u, r, 1, B, 1, r, 1, out, ldo, 1);
}

void S(lora_run_backward)(struct S(lora_run) *run, size_t woff, R *dx, const R *dout, size_t ldd,
                          const R *x, size_t N)
{
	long k = S(lora_run_find)(run, woff);
	if (k < 0)
		return;
	const struct lora_view *v = run->v;
	const struct lora_view_module *m = &v->m[k];
	size_t r = v->r, in = m->in;
	const R *A = run->w + m->a, *B = run->w + m->b;
	const R *u = run->u + (size_t)k * N * r;
	R *du = run->du;
	/* du [N, r] = s dout B */
	KS(gemm_1t)(N, r, m->out, (R)v->scale, dout, ldd, 1, B, r, 1, 0, du, r, 1);
	if (run->g) {
		/* dB [out, r] += s dout^T u; dA [r, in] += du^T drop(x) */
		KS(gemm_1t)(m->out, r, N, (R)v->scale, dout, 1, ldd, u, r, 1, 1, run->g + m->b, r, 1);
		const R *xs = S(lora_run_dropped)(run, (size_t)k, x, N);
		KS(gemm_1t)(r, in, N, 1, du, 1, r, xs, in, 1, 1, run->g + m->a, in, 1);
	}
	if (!dx)
		return;
	if (!(v->dropout > 0)) {
		/* dx += du A */
		KS(gemm_1t)(N, in, r, 1, du, r, 1, A, in, 1, 1, dx, in, 1);
		return;
	}
	KS(gemm_1t)(N, in, r, 1, du, r, 1, A, in, 1, 0, run->tmp, in, 1);
	R keep = (R)(1.0 / (1.0 - v->dropout));
	for (size_t n = 0; n < N; n++) {
		size_t at = lora_run_row(v, n) * in;
		for (size_t c = 0; c < in; c++)
			if (lora_run_keep(v->seed, (size_t)k, at + c, v->dropout))
				dx[n * in + c] += run->tmp[n * in + c] * keep;
	}
}

const R *S(lora_run_score)(const struct S(lora_run) *run, const R *base)
{
	return run && run->v && run->v->score != LORA_RUN_NONE ? run->w + run->v->score : base;
}

R *S(lora_run_score_grad)(const struct S(lora_run) *run, R *base_g)
{
	if (run && run->v && run->v->score != LORA_RUN_NONE)
		return run->g ? run->g + run->v->score : NULL;
	return base_g;
}

#undef R
#undef S
