#include "config.h"

#include "engine/sampler.h"
#include "engine/pool.h"

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
	if (!s->pairs || !s->sums || !s->best) {
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

/* Min-heap sift on pairs ordered by sampler_cmp's reverse, for top-k selection. */
static void sampler_sift(struct sampler_pair *h, int k, int i)
{
	for (;;) {
		int l = 2 * i + 1, r = l + 1, m = i;
		if (l < k && sampler_cmp(&h[l], &h[m]) > 0)
			m = l;
		if (r < k && sampler_cmp(&h[r], &h[m]) > 0)
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
	const float *l = j->logits;
	for (size_t k = lo; k < hi; k++) {
		int a, z, b = -1;
		sampler_chunk(j->s, k, &a, &z);
		for (int i = a; i < z; i++)
			if (l[i] == l[i] && (b < 0 || l[i] > l[b]))
				b = i;
		j->s->best[k] = b;
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

static void sampler_exp_part(void *ctx, size_t lo, size_t hi)
{
	const struct sampler_job *j = ctx;
	struct sampler_pair *c = j->s->pairs;
	for (size_t k = lo; k < hi; k++) {
		int a, z;
		double sum = 0.0;
		sampler_chunk(j->s, k, &a, &z);
		for (int i = a; i < z; i++) {
			float e = expf((j->logits[i] - j->max) * j->inv_t);
			c[i].p = e;
			c[i].id = i;
			sum += e;
		}
		j->s->sums[k] = sum;
	}
}

static void sampler_norm_part(void *ctx, size_t lo, size_t hi)
{
	const struct sampler_job *j = ctx;
	struct sampler_pair *c = j->s->pairs;
	for (size_t k = lo; k < hi; k++) {
		int a, z;
		sampler_chunk(j->s, k, &a, &z);
		for (int i = a; i < z; i++)
			c[i].p = (float)(c[i].p / j->sum);
	}
}

/* Fills s->pairs with the surviving candidates, sorted, probabilities summing
 * to 1; returns how many survive. */
static int sampler_candidates(struct sampler *s, const float *logits, const struct sampler_params *p)
{
	int n = s->n;
	struct sampler_pair *c = s->pairs;
	size_t chunks = ((size_t)n + SAMPLER_CHUNK - 1) / SAMPLER_CHUNK;
	struct sampler_job j = { .s = s, .logits = logits, .inv_t = 1.0f / p->temperature };
	j.max = logits[sampler_argmax_pool(s, logits)];
	pool_for(chunks, 1, sampler_exp_part, &j);
	double sum = 0.0;
	for (size_t k = 0; k < chunks; k++)
		sum += s->sums[k];
	int m = n;
	if (p->top_k > 0 && p->top_k < n) {
		/* Keep the k best in a heap whose root is the worst of them: O(n log k). */
		int k = p->top_k;
		for (int i = k / 2 - 1; i >= 0; i--)
			sampler_sift(c, k, i);
		for (int i = k; i < n; i++) {
			if (sampler_cmp(&c[i], &c[0]) < 0) {
				c[0] = c[i];
				sampler_sift(c, k, 0);
			}
		}
		m = k;
		sum = 0.0;
		for (int i = 0; i < m; i++)
			sum += c[i].p;
	} else if (p->top_p < 1.0f) {
		/* Tokens below (1 - top_p) / (n - 1) of the mass can never be needed to
		 * reach top_p, so drop them before sorting (as llama2.c does). */
		float cutoff = (float)((1.0 - p->top_p) / (n > 1 ? n - 1 : 1) * sum);
		m = 0;
		for (int i = 0; i < n; i++)
			if (c[i].p >= cutoff)
				c[m++] = c[i];
	}
	if (m < n || p->top_p < 1.0f)
		qsort(c, (size_t)m, sizeof *c, sampler_cmp);
	if (m == n) { /* every token: in place, the chunks on the pool */
		j.sum = sum;
		pool_for(chunks, 1, sampler_norm_part, &j);
	} else
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

static int sampler_greedy(const struct sampler_params *p)
{
	return !(p->temperature >= SAMPLER_GREEDY_BELOW) || p->top_k == 1;
}

int sampler_pick(struct sampler *s, const float *logits, const struct sampler_params *p,
                 struct rng *r)
{
	if (sampler_greedy(p))
		return sampler_argmax_pool(s, logits);
	int m = sampler_candidates(s, logits, p);
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
