/* rng: a small, fast, seedable random number generator (xoshiro256**).
 *
 *   struct rng r;
 *   rng_seed(&r, 42);                 // same seed, same stream, on every machine
 *   float u = rng_uniform(&r);        // [0, 1)
 *   float z = rng_normal(&r);         // N(0, 1)
 *   uint64_t i = rng_below(&r, 10);   // 0..9, unbiased
 *   struct rng child = rng_split(&r); // an independent stream (per sequence, per worker)
 *
 * Deterministic across platforms: results depend only on the seed and the
 * sequence of calls, never on time or threads.
 */
#ifndef RIC_ENGINE_RNG_H
#define RIC_ENGINE_RNG_H

#include <stddef.h>
#include <stdint.h>

struct rng {
	uint64_t s[4];
	int has_spare;    /* rng_normal makes two values at a time */
	float spare;
};

void rng_seed(struct rng *r, uint64_t seed);
uint64_t rng_next(struct rng *r);
/* A new generator seeded from this one; the parent advances. */
struct rng rng_split(struct rng *r);
float rng_uniform(struct rng *r);
double rng_uniform_double(struct rng *r);
float rng_normal(struct rng *r);
uint64_t rng_below(struct rng *r, uint64_t n);
/* Gamma(shape, 1) by Marsaglia-Tsang; shape > 0. */
double rng_gamma(struct rng *r, double shape);
/* A draw from Dirichlet(alpha, ..., alpha) of dimension n into out. */
void rng_dirichlet(struct rng *r, double alpha, size_t n, double *out);
/* Fisher-Yates shuffle of n indices. */
void rng_shuffle(struct rng *r, size_t *idx, size_t n);
/* The order a training stage walks its n items in: position g (step *
 * batch + row) lies in epoch g / n, each epoch a permutation of 0..n-1 drawn
 * from (seed, epoch) alone, so a run resumed by steps sees the items an
 * uninterrupted one would. perm [n] and *epoch (-1 at first) cache the
 * current epoch's permutation. Returns the item at g. */
size_t rng_epoch_order(size_t *perm, long *epoch, size_t n, uint64_t seed, size_t g);

#endif
