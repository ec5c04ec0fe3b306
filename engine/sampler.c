#include "config.h"

#include "engine/sampler.h"
#include "engine/pool.h"
#include "engine/vmath.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

enum status_code sampler_init(struct sampler *s, int n, struct status *st)
{
	s->n = n;
	size_t chunks = n > 0 ? ((size_t)n + SAMPLER_CHUNK - 1) / SAMPLER_CHUNK : 0;
	s->pairs = n > 0 ? malloc((size_t)n * sizeof *s->pairs) : NULL;
	s->sums = n > 0 ? malloc(chunks * sizeof *s->sums) : NULL;
	s->best = n > 0 ? malloc(chunks * sizeof *s->best) : NULL;
	s->e = n > 0 ? malloc((size_t)n * sizeof *s->e) : NULL;
	if (!s->pairs || !s->sums || !s->best || !s->e) {
		sampler_free(s);
		return status_set(st, STATUS_NOMEM, "cannot allocate a sampler for %d tokens", n);
	}
	return STATUS_OK;
}

void sampler_free(struct sampler *s)
{
	free(s->pairs);
	free(s->sums);
	free(s->best);
	free(s->e);
	s->e = NULL;
	s->pairs = NULL;
	s->sums = NULL;
	s->best = NULL;
	s->n = 0;
}

int sampler_argmax(const float *logits, int n)
{
	int best = 0;
	for (int i = 1; i < n; i++)
		if (logits[i] > logits[best])
			best = i;
	return best;
}

/* Descending probability, then ascending id, so equal logits pick reproducibly. */
static int sampler_cmp(const void *a, const void *b)
{
	const struct sampler_pair *x = a, *y = b;
	if (x->p != y->p)
		return x->p < y->p ? 1 : -1;
	return x->id - y->id;
}

/* Heap sift on pairs: order 1 keeps the worst by sampler_cmp at the root
 * (top-k keeps its k best), -1 the best (top-p pops them in order). */
static void sampler_sift(struct sampler_pair *h, int k, int i, int order)
{
	for (;;) {
		int l = 2 * i + 1, r = l + 1, m = i;
		if (l < k && order * sampler_cmp(&h[l], &h[m]) > 0)
			m = l;
		if (r < k && order * sampler_cmp(&h[r], &h[m]) > 0)
			m = r;
		if (m == i)
			return;
		struct sampler_pair t = h[i];
		h[i] = h[m];
		h[m] = t;
		i = m;
	}
}

struct sampler_job {
	struct sampler *s;
	const float *logits;
	float max, inv_t;
	double sum;
};

static void sampler_chunk(const struct sampler *s, size_t k, int *lo, int *hi)
{
	*lo = (int)k * SAMPLER_CHUNK;
	*hi = s->n - *lo < SAMPLER_CHUNK ? s->n : *lo + SAMPLER_CHUNK;
}

/* Chunk k's first largest logit, NaNs passed over (-1: all NaN). */
static void sampler_argmax_part(void *ctx, size_t lo, size_t hi)
{
	const struct sampler_job *j = ctx;
	for (size_t k = lo; k < hi; k++) {
		int a, z;
		sampler_chunk(j->s, k, &a, &z);
		long b = vmath_argmax(j->logits + a, (size_t)(z - a));
		j->s->best[k] = b < 0 ? -1 : a + (int)b;
	}
}

/* sampler_argmax's pick (the first of the largest; the first logit when it
 * is a NaN), the chunks on the pool. */
static int sampler_argmax_pool(struct sampler *s, const float *logits)
{
	size_t chunks = ((size_t)s->n + SAMPLER_CHUNK - 1) / SAMPLER_CHUNK;
	if (chunks < 2 || logits[0] != logits[0])
		return sampler_argmax(logits, s->n);
	struct sampler_job j = { .s = s, .logits = logits };
	pool_for(chunks, 1, sampler_argmax_part, &j);
	int b = 0;
	for (size_t k = 0; k < chunks; k++)
		if (s->best[k] >= 0 && logits[s->best[k]] > logits[b])
			b = s->best[k];
	return b;
}

/* e = exp((logit - max) / temperature) and each chunk's sum, vectorised
 * (engine/vmath): a chunk's bits do not depend on the thread that ran it. */
static void sampler_exp_part(void *ctx, size_t lo, size_t hi)
{
	const struct sampler_job *j = ctx;
	for (size_t k = lo; k < hi; k++) {
		int a, z;
		sampler_chunk(j->s, k, &a, &z);
		j->s->sums[k] = vmath_exp_store(j->s->e + a, j->logits + a, (size_t)(z - a), j->max,
		                                j->inv_t);
	}
}

/* pairs = (e / sum, id): every token, in place of the unnormalised e. */
static void sampler_norm_part(void *ctx, size_t lo, size_t hi)
{
	const struct sampler_job *j = ctx;
	struct sampler_pair *c = j->s->pairs;
	const float *e = j->s->e;
	for (size_t k = lo; k < hi; k++) {
		int a, z;
		sampler_chunk(j->s, k, &a, &z);
		for (int i = a; i < z; i++) {
			c[i].p = (float)(e[i] / j->sum);
			c[i].id = i;
		}
	}
}

/* The exponentials of every token on the pool; returns their sum. */
static double sampler_exp(struct sampler *s, const float *logits, const struct sampler_params *p)
{
	size_t chunks = ((size_t)s->n + SAMPLER_CHUNK - 1) / SAMPLER_CHUNK;
	struct sampler_job j = { .s = s, .logits = logits, .inv_t = 1.0f / p->temperature };
	j.max = logits[sampler_argmax_pool(s, logits)];
	pool_for(chunks, 1, sampler_exp_part, &j);
	double sum = 0.0;
	for (size_t k = 0; k < chunks; k++)
		sum += s->sums[k];
	return sum;
}

/* top-p over the m candidates c (unsorted, unnormalised, total `sum`): the
 * most likely ones in sampler_cmp's order until their normalised mass
 * reaches top_p, renormalised, at the front of c; returns how many. The
 * same tokens and bits as sorting all m and cutting, but a heap built in
 * O(m) and popped only as often as tokens are kept. */
static int sampler_top_p(struct sampler_pair *c, int m, double sum, float top_p)
{
	for (int i = m / 2 - 1; i >= 0; i--)
		sampler_sift(c, m, i, -1);
	double cum = 0.0;
	int h = m;
	while (h > 0) {
		struct sampler_pair t = c[0]; /* the best left goes to the heap's end */
		c[0] = c[--h];
		c[h] = t;
		sampler_sift(c, h, 0, -1);
		c[h].p = (float)(c[h].p / sum);
		cum += c[h].p;
		if (cum >= top_p)
			break;
	}
	int keep = m - h; /* c[h .. m) from the worst kept to the best: reversed to the front */
	for (int a = h, b = m - 1; a < b; a++, b--) {
		struct sampler_pair t = c[a];
		c[a] = c[b];
		c[b] = t;
	}
	memmove(c, c + h, (size_t)keep * sizeof *c);
	for (int i = 0; i < keep; i++)
		c[i].p = (float)(c[i].p / cum);
	return keep;
}

/* Fills s->pairs with the surviving candidates, sorted (every token: in id
 * order), probabilities summing to 1; returns how many survive. */
static int sampler_candidates(struct sampler *s, const float *logits, const struct sampler_params *p)
{
	int n = s->n;
	struct sampler_pair *c = s->pairs;
	double sum = sampler_exp(s, logits, p);
	int topk = p->top_k > 0 && p->top_k < n;
	if (!topk && p->top_p >= 1.0f) { /* every token: normalised on the pool */
		struct sampler_job j = { .s = s, .sum = sum };
		pool_for(((size_t)n + SAMPLER_CHUNK - 1) / SAMPLER_CHUNK, 1, sampler_norm_part, &j);
		return n;
	}
	int m = 0;
	if (topk) {
		/* Keep the k best in a heap whose root is the worst of them: O(n log k). */
		int k = p->top_k;
		for (int i = 0; i < n; i++) {
			struct sampler_pair t = { s->e[i], i };
			if (m < k) {
				c[m++] = t;
				if (m == k)
					for (int q = k / 2 - 1; q >= 0; q--)
						sampler_sift(c, k, q, 1);
			} else if (sampler_cmp(&t, &c[0]) < 0) {
				c[0] = t;
				sampler_sift(c, k, 0, 1);
			}
		}
		sum = 0.0;
		for (int i = 0; i < m; i++)
			sum += c[i].p;
	} else {
		/* Tokens below (1 - top_p) / (n - 1) of the mass can never be needed to
		 * reach top_p, so drop them first (as llama2.c does). */
		float cutoff = (float)((1.0 - p->top_p) / (n > 1 ? n - 1 : 1) * sum);
		for (int i = 0; i < n; i++)
			if (s->e[i] >= cutoff)
				c[m++] = (struct sampler_pair){ s->e[i], i };
		return sampler_top_p(c, m, sum, p->top_p);
	}
	qsort(c, (size_t)m, sizeof *c, sampler_cmp);
	for (int i = 0; i < m; i++)
		c[i].p = (float)(c[i].p / sum);
	if (p->top_p < 1.0f) {
		double cum = 0.0;
		int keep = m;
		for (int i = 0; i < m; i++) {
			cum += c[i].p;
			if (cum >= p->top_p) {
				keep = i + 1;
				break;
			}
		}
		m = keep;
		for (int i = 0; i < m; i++)
			c[i].p = (float)(c[i].p / cum);
	}
	return m;
}

/* Every token a candidate: the first token whose running sum of e passes
 * u sum, found from the chunk sums and then within one chunk, so neither
 * a normalising pass nor pairs are needed. */
static int sampler_pick_all(struct sampler *s, const float *logits,
                            const struct sampler_params *p, struct rng *r)
{
	double sum = sampler_exp(s, logits, p);
	double target = (double)rng_uniform(r) * sum, cum = 0.0;
	size_t chunks = ((size_t)s->n + SAMPLER_CHUNK - 1) / SAMPLER_CHUNK, k = 0;
	for (; k + 1 < chunks && !(target < cum + s->sums[k]); k++)
		cum += s->sums[k];
	for (int i = (int)k * SAMPLER_CHUNK; i < s->n; i++) {
		cum += s->e[i];
		if (target < cum)
			return i;
	}
	for (int i = s->n - 1; i > 0; i--) /* rounding left u sum above the last sum */
		if (s->e[i] > 0.0f)
			return i;
	return 0;
}

static int sampler_greedy(const struct sampler_params *p)
{
	return !(p->temperature >= SAMPLER_GREEDY_BELOW) || p->top_k == 1;
}

int sampler_pick(struct sampler *s, const float *logits, const struct sampler_params *p,
                 struct rng *r)
{
	if (sampler_greedy(p))
		return sampler_argmax_pool(s, logits);
	if (!(p->top_k > 0 && p->top_k < s->n) && p->top_p >= 1.0f)
		return sampler_pick_all(s, logits, p, r);
	int m = sampler_candidates(s, logits, p);
	if (m == 0) /* no finite probability (NaN logits) */
		return sampler_argmax_pool(s, logits);
	float u = rng_uniform(r);
	float cum = 0.0f;
	for (int i = 0; i < m; i++) {
		cum += s->pairs[i].p;
		if (u < cum)
			return s->pairs[i].id;
	}
	return s->pairs[m - 1].id; /* rounding left u above the last sum */
}

void sampler_distribution(struct sampler *s, const float *logits, const struct sampler_params *p,
                          float *probs)
{
	memset(probs, 0, (size_t)s->n * sizeof *probs);
	if (sampler_greedy(p)) {
		probs[sampler_argmax(logits, s->n)] = 1.0f;
		return;
	}
	int m = sampler_candidates(s, logits, p);
	for (int i = 0; i < m; i++)
		probs[s->pairs[i].id] = s->pairs[i].p;
}
