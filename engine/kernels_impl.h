/* Definitions of the kernels for one element type: included by kernels.c with
 * KERNELS_REAL, KERNELS_SUF and KERNELS_GEMM_EX (bli_sgemm_ex or bli_dgemm_ex) defined. */
#define R KERNELS_REAL
#define S KERNELS_SUF

void S(gemm)(size_t m, size_t n, size_t k, R alpha, const R *a, size_t rsa, size_t csa,
             const R *b, size_t rsb, size_t csb, R beta, R *c, size_t rsc, size_t csc)
{
	if (m == 0 || n == 0)
		return;
	/* BLIS takes non-const pointers but only reads A and B; the context is
	 * the one engine/cpu chose (NULL: BLIS's own), the threads BLIS's global. */
	KERNELS_GEMM_EX(BLIS_NO_TRANSPOSE, BLIS_NO_TRANSPOSE, (dim_t)m, (dim_t)n, (dim_t)k, &alpha,
	                (R *)(uintptr_t)a, (inc_t)rsa, (inc_t)csa, (R *)(uintptr_t)b, (inc_t)rsb,
	                (inc_t)csb, &beta, c, (inc_t)rsc, (inc_t)csc, cpu_blis_cntx(), NULL);
}

/* One thread's BLIS product: the heads of attention run in parallel on the
 * pool, each too small to gain from BLIS's own threads (which would cost a
 * thread handoff per call). */
static void S(gemm1)(size_t m, size_t n, size_t k, R alpha, const R *a, size_t rsa, size_t csa,
                     const R *b, size_t rsb, size_t csb, R beta, R *c, size_t rsc, size_t csc)
{
	if (m == 0 || n == 0)
		return;
	rntm_t rntm = BLIS_RNTM_INITIALIZER;
	bli_rntm_set_num_threads(1, &rntm);
	KERNELS_GEMM_EX(BLIS_NO_TRANSPOSE, BLIS_NO_TRANSPOSE, (dim_t)m, (dim_t)n, (dim_t)k, &alpha,
	                (R *)(uintptr_t)a, (inc_t)rsa, (inc_t)csa, (R *)(uintptr_t)b, (inc_t)rsb,
	                (inc_t)csb, &beta, c, (inc_t)rsc, (inc_t)csc, cpu_blis_cntx(), &rntm);
}

void S(gemm_1t)(size_t m, size_t n, size_t k, R alpha, const R *a, size_t rsa, size_t csa,
                const R *b, size_t rsb, size_t csb, R beta, R *c, size_t rsc, size_t csc)
{
	S(gemm1)(m, n, k, alpha, a, rsa, csa, b, rsb, csb, beta, c, rsc, csc);
}

/* Independent products split by columns between the pool's threads, each
 * part on one BLIS thread: the two products of a backward matmul run side by
 * side with no synchronisation inside either (4-19% faster than BLIS's two
 * threads inside each, measured at GPT-2 small's MLP shapes). With one pool
 * thread they run one after the other on BLIS's own threads. */
struct S(gemm_task) {
	size_t m, n, k;
	const R *a, *b;
	size_t rsa, csa, rsb, csb;
	R beta;
	R *c;
	size_t rsc, csc;
};

struct S(gemm_tasks_job) {
	const struct S(gemm_task) *t;
	size_t parts;
};

static void S(gemm_tasks_part)(void *ctx, size_t lo, size_t hi)
{
	const struct S(gemm_tasks_job) *j = ctx;
	for (size_t u = lo; u < hi; u++) {
		const struct S(gemm_task) *t = &j->t[u / j->parts];
		size_t p = u % j->parts, blocks = (t->n + 15) / 16;
		size_t c0 = blocks * p / j->parts * 16, c1 = blocks * (p + 1) / j->parts * 16;
		if (c1 > t->n)
			c1 = t->n;
		if (c0 < c1)
			S(gemm1)(t->m, c1 - c0, t->k, 1, t->a, t->rsa, t->csa, t->b + c0 * t->csb, t->rsb,
			         t->csb, t->beta, t->c + c0 * t->csc, t->rsc, t->csc);
	}
}

static void S(gemm_tasks)(const struct S(gemm_task) *t, size_t nt)
{
	size_t P = (size_t)pool_threads();
	if (P <= 1) {
		for (size_t i = 0; i < nt; i++)
			S(gemm)(t[i].m, t[i].n, t[i].k, 1, t[i].a, t[i].rsa, t[i].csa, t[i].b, t[i].rsb,
			        t[i].csb, t[i].beta, t[i].c, t[i].rsc, t[i].csc);
		return;
	}
	struct S(gemm_tasks_job) j = { t, P };
	pool_for(nt * P, 1, S(gemm_tasks_part), &j);
}

void S(encoder_forward)(R *out, const int *tokens, const int *pos, const R *wte, const R *wpe,
                        size_t N, size_t C)
{
	for (size_t n = 0; n < N; n++) {
		const R *te = wte + (size_t)tokens[n] * C, *pe = wpe + (size_t)pos[n] * C;
		R *o = out + n * C;
		for (size_t i = 0; i < C; i++)
			o[i] = te[i] + pe[i];
	}
}

void S(encoder_backward)(R *dwte, R *dwpe, const R *dout, const int *tokens, const int *pos,
                         size_t N, size_t C)
{
	for (size_t n = 0; n < N; n++) {
		R *te = dwte + (size_t)tokens[n] * C, *pe = dwpe + (size_t)pos[n] * C;
		const R *d = dout + n * C;
		for (size_t i = 0; i < C; i++) {
			te[i] += d[i];
			pe[i] += d[i];
		}
	}
}

/* Each row's mean and variance are one chain of double additions in index
 * order; rows go in fours with their chains interleaved, so the additions'
 * latency overlaps (decoding's norms of 32 rows were 3% of a batch-32 step,
 * waiting on one chain at a time) and every row keeps the bits it has alone. */
static inline __attribute__((always_inline)) void
S(layernorm_stats)(const R *x, size_t rows, size_t C, double eps, double *m, double *s)
{
	double a[4] = { 0.0, 0.0, 0.0, 0.0 };
	for (size_t i = 0; i < C; i++)
		for (size_t k = 0; k < rows; k++)
			a[k] += x[k * C + i];
	for (size_t k = 0; k < rows; k++) {
		m[k] = a[k] / (double)C;
		a[k] = 0.0;
	}
	for (size_t i = 0; i < C; i++)
		for (size_t k = 0; k < rows; k++)
			a[k] += ((double)x[k * C + i] - m[k]) * ((double)x[k * C + i] - m[k]);
	for (size_t k = 0; k < rows; k++)
		s[k] = 1.0 / sqrt(a[k] / (double)C + eps);
}

/* A normalised row out of its statistics, in pieces of 8 that the
 * compiler turns into vector operations (the same operations per element,
 * so the same bits); out never overlaps the inputs. */
static inline void S(layernorm_out)(R *restrict o, const R *restrict x, const R *restrict w,
                                    const R *restrict b, size_t C, double m, double s)
{
	size_t i = 0;
	for (; i + 8 <= C; i += 8)
		for (size_t k = i; k < i + 8; k++)
			o[k] = (R)(((double)x[k] - m) * s) * w[k] + b[k];
	for (; i < C; i++)
		o[i] = (R)(((double)x[i] - m) * s) * w[i] + b[i];
}

static inline void S(rmsnorm_out)(R *restrict o, const R *restrict x, const R *restrict w, size_t C,
                                  R s)
{
	size_t i = 0;
	for (; i + 8 <= C; i += 8)
		for (size_t k = i; k < i + 8; k++)
			o[k] = w[k] * (x[k] * s);
	for (; i < C; i++)
		o[i] = w[i] * (x[i] * s);
}

void S(layernorm_forward)(R *out, R *mean, R *rstd, const R *inp, const R *w, const R *b,
                          size_t N, size_t C, double eps)
{
	for (size_t n0 = 0; n0 < N; n0 += 4) {
		double m[4], s[4];
		size_t rows = N - n0 < 4 ? N - n0 : 4;
		if (rows == 4)
			S(layernorm_stats)(inp + n0 * C, 4, C, eps, m, s);
		else
			for (size_t k = 0; k < rows; k++)
				S(layernorm_stats)(inp + (n0 + k) * C, 1, C, eps, m + k, s + k);
		for (size_t k = 0; k < rows; k++) {
			size_t n = n0 + k;
			S(layernorm_out)(out + n * C, inp + n * C, w, b, C, m[k], s[k]);
			if (mean)
				mean[n] = (R)m[k];
			if (rstd)
				rstd[n] = (R)s[k];
		}
	}
}

void S(layernorm_backward)(R *dinp, R *dw, R *db, const R *dout, const R *inp, const R *w,
                           const R *mean, const R *rstd, size_t N, size_t C)
{
	for (size_t n = 0; n < N; n++) {
		const R *x = inp + n * C, *d = dout + n * C;
		R *dx = dinp + n * C;
		double m = mean[n], s = rstd[n];
		/* Two means over the row: of dnorm and of dnorm * norm. */
		double dmean = 0.0, dnormmean = 0.0;
		for (size_t i = 0; i < C; i++) {
			double norm = ((double)x[i] - m) * s;
			double dnorm = (double)w[i] * d[i];
			dmean += dnorm;
			dnormmean += dnorm * norm;
		}
		dmean /= (double)C;
		dnormmean /= (double)C;
		for (size_t i = 0; i < C; i++) {
			double norm = ((double)x[i] - m) * s;
			double dnorm = (double)w[i] * d[i];
			if (dw) { /* NULL: frozen (LoRA training) */
				db[i] += d[i];
				dw[i] += (R)(norm * d[i]);
			}
			dx[i] += (R)((dnorm - dmean - norm * dnormmean) * s);
		}
	}
}

void S(matmul_forward)(R *out, const R *inp, const R *w, const R *bias, size_t N, size_t IC,
                       size_t OC)
{
	R beta = 0;
	if (bias) {
		for (size_t n = 0; n < N; n++)
			memcpy(out + n * OC, bias, OC * sizeof *out);
		beta = 1;
	}
	S(gemm)(N, OC, IC, 1, inp, IC, 1, w, OC, 1, beta, out, OC, 1);
}

void S(matmul_backward)(R *dinp, R *dw, R *dbias, const R *dout, const R *inp, const R *w,
                        size_t N, size_t IC, size_t OC)
{
	/* inp^T [IC, N] dout [N, OC]; dout [N, OC] W^T: W read as [OC, IC] through
	 * swapped strides */
	struct S(gemm_task) t[2] = {
		{ IC, OC, N, inp, dout, 1, IC, OC, 1, 1, dw, OC, 1 },
		{ N, IC, OC, dout, w, OC, 1, 1, OC, 0, dinp, IC, 1 },
	};
	/* dw NULL: a frozen weight (LoRA training), only dinp */
	if (dw)
		S(gemm_tasks)(t, dinp ? 2 : 1);
	else if (dinp)
		S(gemm_tasks)(t + 1, 1);
	if (dbias)
		for (size_t n = 0; n < N; n++) {
			const R *d = dout + n * OC;
			for (size_t o = 0; o < OC; o++)
				dbias[o] += d[o];
		}
}

#define GELU_SCALE 0.7978845608028654 /* sqrt(2 / pi) */

#if !KERNELS_VMATH /* float: engine/vmath.h versions in kernels.c */
void S(gelu_forward)(R *out, const R *inp, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		double x = inp[i];
		out[i] = (R)(0.5 * x * (1.0 + tanh(GELU_SCALE * (x + 0.044715 * x * x * x))));
	}
}

void S(gelu_backward)(R *dinp, const R *inp, const R *dout, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		double x = inp[i];
		double u = GELU_SCALE * (x + 0.044715 * x * x * x);
		double t = tanh(u);
		double sech2 = 1.0 - t * t;
		double g = 0.5 * (1.0 + t) + 0.5 * x * sech2 * GELU_SCALE * (1.0 + 3.0 * 0.044715 * x * x);
		dinp[i] = (R)(g * dout[i]);
	}
}

#endif

void S(residual_forward)(R *a, const R *b, size_t n)
{
	for (size_t i = 0; i < n; i++)
		a[i] += b[i];
}

struct S(attention_job) {
	R *out, *att, *dqkv, *datt;
	const R *qkv, *dout, *catt;
	size_t T, NH, NKV, D;
	int full; /* every position attends to every other (the DiT); else causal */
};

/* Rows of qkv are q [NH*D] | k [NKV*D] | v [NKV*D]; query head h reads key
 * and value head h / (NH / NKV) (grouped-query attention; GPT-2 has NKV = NH). */
static void S(attention_forward_part)(void *ctx, size_t lo, size_t hi)
{
	const struct S(attention_job) *j = ctx;
	size_t T = j->T, NH = j->NH, D = j->D, G = NH / j->NKV, W = (NH + 2 * j->NKV) * D;
	size_t HD = NH * D, KD = j->NKV * D;
	R scale = (R)(1.0 / sqrt((double)D));
	for (size_t bh = lo; bh < hi; bh++) {
		size_t b = bh / NH, h = bh % NH;
		const R *q = j->qkv + b * T * W + h * D, *k = j->qkv + b * T * W + HD + (h / G) * D;
		const R *v = k + KD;
		R *a = j->att + bh * T * T;
		/* scores = scale q k^T: k read as [D, T] through its strides */
		S(gemm1)(T, T, D, scale, q, W, 1, k, 1, W, 0, a, T, 1);
		for (size_t i = 0; i < T; i++) {
			R *row = a + i * T;
			size_t last = j->full ? T - 1 : i;
			R mx = row[0];
			for (size_t jj = 1; jj <= last; jj++)
				if (row[jj] > mx)
					mx = row[jj];
			double sum = 0.0;
			for (size_t jj = 0; jj <= last; jj++) {
				row[jj] = (R)exp((double)(row[jj] - mx));
				sum += row[jj];
			}
			R inv = (R)(1.0 / sum);
			for (size_t jj = 0; jj <= last; jj++)
				row[jj] *= inv;
			for (size_t jj = last + 1; jj < T; jj++)
				row[jj] = 0;
		}
		S(gemm1)(T, D, T, 1, a, T, 1, v, W, 1, 0, j->out + b * T * HD + h * D, HD, 1);
	}
}

void S(attention_gqa_forward)(R *out, R *att, const R *qkv, size_t B, size_t T, size_t NH,
                              size_t NKV, size_t D)
{
	struct S(attention_job) j = { .out = out, .att = att, .qkv = qkv, .T = T, .NH = NH,
	                              .NKV = NKV, .D = D };
	pool_for(B * NH, 1, S(attention_forward_part), &j);
}

void S(attention_forward)(R *out, R *att, const R *qkv, size_t B, size_t T, size_t C, size_t NH)
{
	S(attention_gqa_forward)(out, att, qkv, B, T, NH, NH, C / NH);
}

/* One task per (sequence, key-value head): the query heads of a group add
 * into the same dk and dv, one after the other. */
static void S(attention_backward_part)(void *ctx, size_t lo, size_t hi)
{
	const struct S(attention_job) *j = ctx;
	size_t T = j->T, NH = j->NH, NKV = j->NKV, D = j->D, G = NH / NKV, W = (NH + 2 * NKV) * D;
	size_t HD = NH * D, KD = NKV * D;
	R scale = (R)(1.0 / sqrt((double)D));
	for (size_t bk = lo; bk < hi; bk++) {
		size_t b = bk / NKV, kh = bk % NKV;
		const R *k = j->qkv + b * T * W + HD + kh * D, *v = k + KD;
		R *dk = j->dqkv + b * T * W + HD + kh * D, *dv = dk + KD;
		for (size_t g = 0; g < G; g++) {
			size_t h = kh * G + g, bh = b * NH + h;
			const R *q = j->qkv + b * T * W + h * D;
			R *dq = j->dqkv + b * T * W + h * D;
			const R *a = j->catt + bh * T * T;
			const R *dy = j->dout + b * T * HD + h * D;
			R *datt = j->datt + bh * T * T;
			R acc = g ? 1 : 0;
			/* datt = dy v^T; dv = att^T dy */
			S(gemm1)(T, T, D, 1, dy, HD, 1, v, 1, W, 0, datt, T, 1);
			S(gemm1)(T, D, T, 1, a, 1, T, dy, HD, 1, acc, dv, W, 1);
			/* softmax backward, then the scale */
			for (size_t i = 0; i < T; i++) {
				const R *p = a + i * T;
				R *d = datt + i * T;
				size_t last = j->full ? T - 1 : i;
				double dot = 0.0;
				for (size_t jj = 0; jj <= last; jj++)
					dot += (double)p[jj] * d[jj];
				for (size_t jj = 0; jj <= last; jj++)
					d[jj] = (R)((double)p[jj] * ((double)d[jj] - dot)) * scale;
				for (size_t jj = last + 1; jj < T; jj++)
					d[jj] = 0;
			}
			/* dq = dS k; dk = dS^T q */
			S(gemm1)(T, D, T, 1, datt, T, 1, k, W, 1, 0, dq, W, 1);
			S(gemm1)(T, D, T, 1, datt, 1, T, q, W, 1, acc, dk, W, 1);
		}
	}
}

void S(attention_gqa_backward)(R *dqkv, R *datt, const R *dout, const R *qkv, const R *att,
                               size_t B, size_t T, size_t NH, size_t NKV, size_t D)
{
	struct S(attention_job) j = { .dqkv = dqkv, .datt = datt, .dout = dout, .qkv = qkv,
	                              .catt = att, .T = T, .NH = NH, .NKV = NKV, .D = D };
	pool_for(B * NKV, 1, S(attention_backward_part), &j);
}

void S(attention_backward)(R *dqkv, R *datt, const R *dout, const R *qkv, const R *att, size_t B,
                           size_t T, size_t C, size_t NH)
{
	S(attention_gqa_backward)(dqkv, datt, dout, qkv, att, B, T, NH, NH, C / NH);
}

void S(attention_full_forward)(R *out, R *att, const R *qkv, size_t B, size_t T, size_t C,
                               size_t NH)
{
	struct S(attention_job) j = { .out = out, .att = att, .qkv = qkv, .T = T, .NH = NH,
	                              .NKV = NH, .D = C / NH, .full = 1 };
	pool_for(B * NH, 1, S(attention_forward_part), &j);
}

void S(attention_full_backward)(R *dqkv, R *datt, const R *dout, const R *qkv, const R *att,
                                size_t B, size_t T, size_t C, size_t NH)
{
	struct S(attention_job) j = { .dqkv = dqkv, .datt = datt, .dout = dout, .qkv = qkv,
	                              .catt = att, .T = T, .NH = NH, .NKV = NH, .D = C / NH,
	                              .full = 1 };
	pool_for(B * NH, 1, S(attention_backward_part), &j);
}

/* ---- the DiT's blocks ---------------------------------------------------- */

void S(silu_forward)(R *out, const R *inp, size_t n)
{
	for (size_t i = 0; i < n; i++)
		out[i] = (R)((double)inp[i] / (1.0 + exp(-(double)inp[i])));
}

void S(silu_backward)(R *dinp, const R *inp, const R *dout, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		double x = inp[i], sg = 1.0 / (1.0 + exp(-x));
		dinp[i] = (R)((double)dout[i] * sg * (1.0 + x * (1.0 - sg)));
	}
}

void S(gated_residual_forward)(R *a, const R *y, const R *gate, size_t ldg, size_t B, size_t T,
                               size_t C)
{
	for (size_t b = 0; b < B; b++) {
		const R *g = gate + b * ldg;
		for (size_t t = 0; t < T; t++) {
			R *ar = a + (b * T + t) * C;
			const R *yr = y + (b * T + t) * C;
			for (size_t i = 0; i < C; i++)
				ar[i] += g[i] * yr[i];
		}
	}
}

void S(gated_residual_backward)(R *dy, R *dgate, const R *dout, const R *y, const R *gate,
                                size_t ldg, size_t B, size_t T, size_t C)
{
	for (size_t b = 0; b < B; b++) {
		const R *g = gate + b * ldg;
		R *dg = dgate + b * ldg;
		for (size_t t = 0; t < T; t++) {
			const R *d = dout + (b * T + t) * C, *yr = y + (b * T + t) * C;
			R *dyr = dy + (b * T + t) * C;
			for (size_t i = 0; i < C; i++) {
				dg[i] += d[i] * yr[i];
				dyr[i] = d[i] * g[i];
			}
		}
	}
}

/* ---- the Llama family's blocks ----------------------------------------- */

void S(embedding_forward)(R *out, const int *tokens, const R *wte, size_t N, size_t C)
{
	for (size_t n = 0; n < N; n++)
		memcpy(out + n * C, wte + (size_t)tokens[n] * C, C * sizeof *out);
}

void S(embedding_backward)(R *dwte, const R *dout, const int *tokens, size_t N, size_t C)
{
	for (size_t n = 0; n < N; n++) {
		R *te = dwte + (size_t)tokens[n] * C;
		const R *d = dout + n * C;
		for (size_t i = 0; i < C; i++)
			te[i] += d[i];
	}
}

/* Each row's sum of squares is one chain in index order, rows in fours
 * interleaved as in layernorm_stats. */
static inline __attribute__((always_inline)) void
S(rmsnorm_stats)(const R *x, size_t rows, size_t C, double eps, R *s)
{
	double a[4] = { 0.0, 0.0, 0.0, 0.0 };
	for (size_t i = 0; i < C; i++)
		for (size_t k = 0; k < rows; k++)
			a[k] += (double)x[k * C + i] * x[k * C + i];
	for (size_t k = 0; k < rows; k++)
		s[k] = (R)(1.0 / sqrt(a[k] / (double)C + eps));
}

/* As LlamaRMSNorm: the mean square in (at least) float, then w * (x * rstd). */
void S(rmsnorm_forward)(R *out, R *rstd, const R *inp, const R *w, size_t N, size_t C, double eps)
{
	for (size_t n0 = 0; n0 < N; n0 += 4) {
		R s[4];
		size_t rows = N - n0 < 4 ? N - n0 : 4;
		if (rows == 4)
			S(rmsnorm_stats)(inp + n0 * C, 4, C, eps, s);
		else
			for (size_t k = 0; k < rows; k++)
				S(rmsnorm_stats)(inp + (n0 + k) * C, 1, C, eps, s + k);
		for (size_t k = 0; k < rows; k++) {
			size_t n = n0 + k;
			S(rmsnorm_out)(out + n * C, inp + n * C, w, C, s[k]);
			if (rstd)
				rstd[n] = s[k];
		}
	}
}

void S(rmsnorm_backward)(R *dinp, R *dw, const R *dout, const R *inp, const R *w, const R *rstd,
                         size_t N, size_t C)
{
	for (size_t n = 0; n < N; n++) {
		const R *x = inp + n * C, *d = dout + n * C;
		R *dx = dinp + n * C;
		double s = rstd[n], dot = 0.0;
		for (size_t i = 0; i < C; i++)
			dot += (double)w[i] * d[i] * x[i];
		double c = dot * s * s * s / (double)C;
		for (size_t i = 0; i < C; i++) {
			if (dw) /* NULL: frozen (LoRA training) */
				dw[i] += (R)((double)d[i] * x[i] * s);
			dx[i] += (R)((double)w[i] * d[i] * s - (double)x[i] * c);
		}
	}
}

void S(linear_forward)(R *out, size_t ldo, const R *inp, const R *w, const R *bias, size_t N,
                       size_t IC, size_t OC)
{
	R beta = 0;
	if (bias) {
		for (size_t n = 0; n < N; n++)
			memcpy(out + n * ldo, bias, OC * sizeof *out);
		beta = 1;
	}
	S(gemm)(N, OC, IC, 1, inp, IC, 1, w, 1, IC, beta, out, ldo, 1);
}

struct S(linear_rows_job) {
	R *out;
	size_t ldo, IC, OC;
	const R *inp, *w, *bias;
};

static void S(linear_rows_part)(void *ctx, size_t lo, size_t hi)
{
	const struct S(linear_rows_job) *j = ctx;
	R beta = 0, *out = j->out + lo * j->ldo;
	if (j->bias) {
		for (size_t n = lo; n < hi; n++)
			memcpy(j->out + n * j->ldo, j->bias, j->OC * sizeof *out);
		beta = 1;
	}
	S(gemm1)(hi - lo, j->OC, j->IC, 1, j->inp + lo * j->IC, j->IC, 1, j->w, 1, j->IC, beta, out,
	         j->ldo, 1);
}

void S(linear_forward_rows)(R *out, size_t ldo, const R *inp, const R *w, const R *bias, size_t N,
                            size_t IC, size_t OC)
{
	struct S(linear_rows_job) j = { out, ldo, IC, OC, inp, w, bias };
	/* parts of 16 rows at least (BLIS's micro-tiles); one pool thread runs
	 * it all on one BLIS thread */
	pool_for(N, 16, S(linear_rows_part), &j);
}

void S(linear_backward)(R *dinp, int acc, R *dw, R *dbias, const R *dout, size_t ldd,
                        const R *inp, const R *w, size_t N, size_t IC, size_t OC)
{
	/* dW [OC, IC] += dout^T inp; dinp (+)= dout W */
	struct S(gemm_task) t[2] = {
		{ OC, IC, N, dout, inp, 1, ldd, IC, 1, 1, dw, IC, 1 },
		{ N, IC, OC, dout, w, ldd, 1, IC, 1, acc ? 1 : 0, dinp, IC, 1 },
	};
	if (dw)
		S(gemm_tasks)(t, dinp ? 2 : 1);
	else if (dinp)
		S(gemm_tasks)(t + 1, 1);
	if (dbias)
		for (size_t n = 0; n < N; n++) {
			const R *d = dout + n * ldd;
			for (size_t o = 0; o < OC; o++)
				dbias[o] += d[o];
		}
}

void S(bf16_widen)(R *dst, const uint16_t *src, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		uint32_t u = (uint32_t)src[i] << 16;
		float f;
		memcpy(&f, &u, sizeof f);
		dst[i] = (R)f;
	}
}

/* Rows of W [., IC] per panel. */
static size_t S(bf16_panel_rows)(size_t IC)
{
	size_t rows = KERNELS_BF16_PANEL / (IC ? IC : 1);
	return rows ? rows : 1;
}

void S(linear_forward_bf16)(R *out, size_t ldo, const R *inp, const uint16_t *w, const R *bias,
                            size_t N, size_t IC, size_t OC, R *panel)
{
	size_t rows = S(bf16_panel_rows)(IC);
	R beta = 0;
	if (bias) {
		for (size_t n = 0; n < N; n++)
			memcpy(out + n * ldo, bias, OC * sizeof *out);
		beta = 1;
	}
	/* out[:, o0 .. o0 + k] = inp W[o0 .. o0 + k, :]^T, the rows widened first */
	for (size_t o0 = 0; o0 < OC; o0 += rows) {
		size_t k = OC - o0 < rows ? OC - o0 : rows;
		S(bf16_widen)(panel, w + o0 * IC, k * IC);
		S(gemm)(N, k, IC, 1, inp, IC, 1, panel, 1, IC, beta, out + o0, ldo, 1);
	}
}

void S(linear_backward_bf16)(R *dinp, int acc, const R *dout, size_t ldd, const uint16_t *w,
                             size_t N, size_t IC, size_t OC, R *panel)
{
	size_t rows = S(bf16_panel_rows)(IC);
	/* dinp (+)= sum over panels of dout[:, o0 .. o0 + k] W[o0 .. o0 + k, :] */
	for (size_t o0 = 0; o0 < OC; o0 += rows) {
		size_t k = OC - o0 < rows ? OC - o0 : rows;
		S(bf16_widen)(panel, w + o0 * IC, k * IC);
		S(gemm)(N, IC, k, 1, dout + o0, ldd, 1, panel, IC, 1, (acc || o0) ? 1 : 0, dinp, IC, 1);
	}
}

void S(embedding_forward_bf16)(R *out, const int *tokens, const uint16_t *wte, size_t N, size_t C)
{
	for (size_t n = 0; n < N; n++)
		S(bf16_widen)(out + n * C, wte + (size_t)tokens[n] * C, C);
}

/* One head's halves rotated, in pieces of 8 the compiler vectorises (the
 * same operations per element; sign is 1 or -1, an exact negation). */
static inline void S(rope_halves)(R *restrict lo, R *restrict hi, const double *restrict c,
                                  const double *restrict s, size_t h2, R sign)
{
	size_t i = 0;
	for (; i + 8 <= h2; i += 8)
		for (size_t k = i; k < i + 8; k++) {
			R a = lo[k], b = hi[k], ck = (R)c[k], sk = sign * (R)s[k];
			lo[k] = a * ck - b * sk;
			hi[k] = b * ck + a * sk;
		}
	for (; i < h2; i++) {
		R a = lo[i], b = hi[i], ci = (R)c[i], si = sign * (R)s[i];
		lo[i] = a * ci - b * si;
		hi[i] = b * ci + a * si;
	}
}

void S(rope_rotate)(R *x, size_t ld, size_t N, const int *pos, size_t nh, size_t D,
                    const double *cs, int inverse)
{
	size_t h2 = D / 2;
	for (size_t n = 0; n < N; n++) {
		const double *c = cs + (size_t)pos[n] * D, *s = c + h2;
		for (size_t h = 0; h < nh; h++) {
			R *v = x + n * ld + h * D;
			S(rope_halves)(v, v + h2, c, s, h2, inverse ? (R)-1 : (R)1);
		}
	}
}

#if !KERNELS_VMATH /* float: vmath_silu_mul in kernels.c */
void S(swiglu_forward)(R *out, const R *gu, size_t N, size_t I)
{
	for (size_t n = 0; n < N; n++) {
		const R *g = gu + n * 2 * I, *u = g + I;
		R *o = out + n * I;
		for (size_t i = 0; i < I; i++) {
			R sg = (R)(1.0 / (1.0 + exp(-(double)g[i])));
			o[i] = g[i] * sg * u[i];
		}
	}
}
#endif

void S(swiglu_backward)(R *dgu, const R *gu, const R *dout, size_t N, size_t I)
{
	for (size_t n = 0; n < N; n++) {
		const R *g = gu + n * 2 * I, *u = g + I, *d = dout + n * I;
		R *dg = dgu + n * 2 * I, *du = dg + I;
		for (size_t i = 0; i < I; i++) {
			double sg = 1.0 / (1.0 + exp(-(double)g[i]));
			du[i] = (R)((double)d[i] * g[i] * sg);
			dg[i] = (R)((double)d[i] * u[i] * sg * (1.0 + g[i] * (1.0 - sg)));
		}
	}
}

#if !KERNELS_VMATH
double S(crossentropy_forward)(const R *logits, const int *targets, size_t N, size_t V,
                               size_t *count)
{
	double total = 0.0;
	size_t counted = 0;
	for (size_t n = 0; n < N; n++) {
		if (targets[n] == -100)
			continue;
		const R *l = logits + n * V;
		double mx = l[0], sum = 0.0;
		for (size_t v = 1; v < V; v++)
			if (l[v] > mx)
				mx = l[v];
		for (size_t v = 0; v < V; v++)
			sum += exp((double)l[v] - mx);
		total += log(sum) + mx - (double)l[targets[n]];
		counted++;
	}
	*count = counted;
	return total;
}

void S(crossentropy_backward)(R *logits, const int *targets, size_t N, size_t V, R scale)
{
	for (size_t n = 0; n < N; n++) {
		R *l = logits + n * V;
		if (targets[n] == -100) {
			memset(l, 0, V * sizeof *l);
			continue;
		}
		double mx = l[0], sum = 0.0;
		for (size_t v = 1; v < V; v++)
			if (l[v] > mx)
				mx = l[v];
		for (size_t v = 0; v < V; v++)
			sum += exp((double)l[v] - mx);
		double lse = log(sum) + mx;
		for (size_t v = 0; v < V; v++)
			l[v] = (R)exp((double)l[v] - lse) * scale;
		l[targets[n]] -= scale;
	}
}
#endif

#undef R
#undef S
