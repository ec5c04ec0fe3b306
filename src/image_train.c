/* image_train: an image model's training rows and its noise-prediction
 * loss as train_loop callbacks (src/image_train.h). */
#include "config.h"

#include "src/image_train.h"
#include "src/dist.h"
#include "engine/image.h"
#include "engine/rng.h"

#include <stdlib.h>
#include <string.h>

void image_train_init(struct image_train *it, size_t K)
{
	memset(it, 0, sizeof *it);
	it->D = 3 * IMAGE_SIDE * IMAGE_SIDE;
	it->K = K;
	it->perm_epoch = -1;
}

/* Room for one more row; its x to fill. */
static float *image_train_grow(struct image_train *it, struct status *st)
{
	if (it->n == it->cap) {
		size_t cap = it->cap ? 2 * it->cap : 256;
		float *x = realloc(it->x, cap * it->D * sizeof *x);
		if (x)
			it->x = x;
		float *zz = realloc(it->z, cap * (it->K ? it->K : 1) * sizeof *zz);
		if (zz)
			it->z = zz;
		if (!x || !zz) {
			status_set(st, STATUS_NOMEM, "out of memory");
			return NULL;
		}
		it->cap = cap;
	}
	return it->x + it->n * it->D;
}

static void image_train_set_z(struct image_train *it, const double *z)
{
	for (size_t k = 0; k < it->K; k++)
		it->z[it->n * it->K + k] = z ? (float)z[k] : 0.0f;
	it->n++;
}

enum status_code image_train_add(struct image_train *it, const float *x, const double *z,
                                 struct status *st)
{
	float *to = image_train_grow(it, st);
	if (!to)
		return st->code;
	memcpy(to, x, it->D * sizeof *to);
	image_train_set_z(it, z);
	return STATUS_OK;
}

enum status_code image_train_add_png(struct image_train *it, const void *png, size_t len,
                                     const char *what, const double *z, struct status *st)
{
	static const uint8_t white[3] = { 255, 255, 255 };
	float *to = image_train_grow(it, st);
	if (!to)
		return st->code;
	struct image im, fit;
	if (image_decode_png(png, len, what, white, &im, st) != STATUS_OK)
		return st->code;
	enum status_code rc = image_fit(&im, IMAGE_SIDE, white, &fit, st);
	image_free(&im);
	if (rc != STATUS_OK)
		return rc;
	image_to_chw(&fit, to);
	image_free(&fit);
	image_train_set_z(it, z);
	return STATUS_OK;
}

enum status_code image_train_ready(struct image_train *it, const struct diffusion *d, size_t B,
                                   size_t T, double drop, uint64_t seed, struct status *st)
{
	it->d = d;
	it->B = B;
	it->T = T;
	it->drop = drop;
	it->seed = seed;
	it->perm_epoch = -1;
	free(it->perm);
	free(it->bx);
	free(it->bz);
	free(it->bdrop);
	it->perm = malloc((it->n ? it->n : 1) * sizeof *it->perm);
	it->bx = malloc(B * it->D * sizeof *it->bx);
	it->bz = malloc(B * (it->K ? it->K : 1) * sizeof *it->bz);
	it->bdrop = calloc(B, 1);
	if (!it->perm || !it->bx || !it->bz || !it->bdrop)
		return status_set(st, STATUS_NOMEM, "out of memory");
	return STATUS_OK;
}

static size_t image_train_index(struct image_train *it, size_t g)
{
	return rng_epoch_order(it->perm, &it->perm_epoch, it->n, it->seed, g);
}

enum status_code image_train_fill(void *ctx, long step, struct train_batch *b, struct status *st)
{
	struct image_train *it = ctx;
	(void)st;
	struct rng r;
	rng_seed(&r, (it->seed + 7) * 0x9e3779b97f4a7c15ULL + (uint64_t)step);
	for (size_t k = 0; k < it->B; k++) {
		size_t i = image_train_index(it, (size_t)step * it->B + k);
		memcpy(it->bx + k * it->D, it->x + i * it->D, it->D * sizeof *it->bx);
		memcpy(it->bz + k * it->K, it->z + i * it->K, it->K * sizeof *it->bz);
		it->bdrop[k] = rng_uniform_double(&r) < it->drop;
	}
	*b = (struct train_batch){ .B = it->B, .T = it->T };
	return STATUS_OK;
}

enum status_code image_train_loss(void *ctx, struct train *t, const struct train_batch *b,
                                  long step, const struct hooks *h, double sums[2],
                                  struct status *st)
{
	struct image_train *it = ctx;
	size_t lo, hi;
	dist_span(b->B, &lo, &hi);
	double sse = 0.0, scale = 1.0 / ((double)b->B * (double)it->D);
	enum status_code rc = diffusion_accumulate(t, it->d, it->bx + lo * it->D,
	                                           it->K ? it->bz + lo * it->K : NULL,
	                                           it->bdrop + lo, hi - lo,
	                                           it->seed * 1000003ULL + (uint64_t)step, lo,
	                                           (float)scale, &sse, h, st);
	sums[0] = sse * scale;
	return rc;
}

void image_train_free(struct image_train *it)
{
	free(it->x);
	free(it->z);
	free(it->perm);
	free(it->bx);
	free(it->bz);
	free(it->bdrop);
	memset(it, 0, sizeof *it);
}
