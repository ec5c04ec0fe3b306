#include "config.h"

#include "engine/rng.h"

#include <math.h>

/* splitmix64 expands a 64-bit seed into a well-mixed state, as the xoshiro
 * authors recommend; a zero state would otherwise stay zero. */
static uint64_t rng_splitmix(uint64_t *x)
{
	uint64_t z = (*x += 0x9e3779b97f4a7c15ULL);
	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
	return z ^ (z >> 31);
}

void rng_seed(struct rng *r, uint64_t seed)
{
	uint64_t x = seed;
	for (int i = 0; i < 4; i++)
		r->s[i] = rng_splitmix(&x);
	r->has_spare = 0;
	r->spare = 0.0f;
}

static uint64_t rng_rotl(uint64_t x, int k)
{
	return (x << k) | (x >> (64 - k));
}

uint64_t rng_next(struct rng *r)
{
	uint64_t *s = r->s;
	uint64_t result = rng_rotl(s[1] * 5, 7) * 9;
	uint64_t t = s[1] << 17;
	s[2] ^= s[0];
	s[3] ^= s[1];
	s[1] ^= s[2];
	s[0] ^= s[3];
	s[2] ^= t;
	s[3] = rng_rotl(s[3], 45);
	return result;
}

struct rng rng_split(struct rng *r)
{
	struct rng child;
	rng_seed(&child, rng_next(r));
	return child;
}

float rng_uniform(struct rng *r)
{
	return (float)(rng_next(r) >> 40) * (1.0f / 16777216.0f); /* 24 bits: exact in float */
}

double rng_uniform_double(struct rng *r)
{
	return (double)(rng_next(r) >> 11) * (1.0 / 9007199254740992.0);
}

float rng_normal(struct rng *r)
{
	if (r->has_spare) {
		r->has_spare = 0;
		return r->spare;
	}
	/* Box-Muller; 1 - u keeps the logarithm's argument in (0, 1]. */
	double u1 = 1.0 - rng_uniform_double(r);
	double u2 = rng_uniform_double(r);
	double rad = sqrt(-2.0 * log(u1));
	double th = 2.0 * M_PI * u2;
	r->spare = (float)(rad * sin(th));
	r->has_spare = 1;
	return (float)(rad * cos(th));
}

uint64_t rng_below(struct rng *r, uint64_t n)
{
	if (n <= 1)
		return 0;
	/* Lemire's method would need 128-bit products; rejection on the top range
	 * is simple and unbiased. */
	uint64_t limit = UINT64_MAX - UINT64_MAX % n;
	uint64_t x;
	do
		x = rng_next(r);
	while (x >= limit);
	return x % n;
}

double rng_gamma(struct rng *r, double shape)
{
	if (shape < 1.0) {
		/* Boost to shape + 1 and scale back (Marsaglia-Tsang, section 6). */
		double u = 1.0 - rng_uniform_double(r);
		return rng_gamma(r, shape + 1.0) * pow(u, 1.0 / shape);
	}
	double d = shape - 1.0 / 3.0, c = 1.0 / sqrt(9.0 * d);
	for (;;) {
		double x, v;
		do {
			x = rng_normal(r);
			v = 1.0 + c * x;
		} while (v <= 0.0);
		v = v * v * v;
		double u = 1.0 - rng_uniform_double(r);
		if (u < 1.0 - 0.0331 * x * x * x * x)
			return d * v;
		if (log(u) < 0.5 * x * x + d * (1.0 - v + log(v)))
			return d * v;
	}
}

void rng_dirichlet(struct rng *r, double alpha, size_t n, double *out)
{
	double sum = 0.0;
	for (size_t i = 0; i < n; i++) {
		out[i] = rng_gamma(r, alpha);
		sum += out[i];
	}
	for (size_t i = 0; i < n; i++)
		out[i] = sum > 0.0 ? out[i] / sum : 1.0 / (double)n;
}

size_t rng_epoch_order(size_t *perm, long *epoch, size_t n, uint64_t seed, size_t g)
{
	long e = (long)(g / n);
	if (e != *epoch) {
		for (size_t i = 0; i < n; i++)
			perm[i] = i;
		struct rng r;
		rng_seed(&r, seed * 1000003ULL + (uint64_t)e);
		rng_shuffle(&r, perm, n);
		*epoch = e;
	}
	return perm[g % n];
}

void rng_shuffle(struct rng *r, size_t *idx, size_t n)
{
	for (size_t i = n; i > 1; i--) {
		size_t j = (size_t)rng_below(r, i);
		size_t t = idx[i - 1];
		idx[i - 1] = idx[j];
		idx[j] = t;
	}
}
