/* image_train: the rows an image model's RiC stages train on -- pictures
 * as [3, 32, 32] tensors in [-1, 1], each with its condition vector of
 * normalised scores -- and the train_loop callbacks (src/train_loop.h) of
 * the DDPM noise-prediction loss over them, a share of rows on the null
 * condition (classifier-free guidance). ric sft (src/sft_images.c) and ric
 * online's image kind (src/online_image.c) train through it.
 *
 *   struct image_train it;
 *   image_train_init(&it, K);                        // K rewards in the condition (0: none)
 *   image_train_add_png(&it, png, len, "row 3", z, &st);   // or image_train_add(&it, x, z, &st)
 *   image_train_ready(&it, &diff, B, n_positions, 0.1, seed, &st);
 *   struct train_loop L = { ..., .fill = image_train_fill, .loss = image_train_loss, .ctx = &it };
 *   image_train_free(&it);
 *
 * Step s's batch is rows s B .. s B + B - 1 of a permutation drawn afresh
 * for each pass from (seed, pass); its noise, timesteps and dropped rows
 * from (seed, step): a resumed run draws what an uninterrupted one does.
 */
#ifndef RIC_SRC_IMAGE_TRAIN_H
#define RIC_SRC_IMAGE_TRAIN_H

#include "engine/diffusion.h"
#include "engine/status.h"
#include "engine/train.h"

#include <stddef.h>
#include <stdint.h>

struct image_train {
	size_t n, cap, D, K;
	float *x;        /* [n, D] */
	float *z;        /* [n, K] */
	size_t *perm;
	long perm_epoch;
	uint64_t seed;
	size_t B, T;
	double drop;     /* share of rows on the null condition */
	float *bx, *bz;  /* a step's rows */
	unsigned char *bdrop;
	const struct diffusion *d;
};

void image_train_init(struct image_train *it, size_t K);
/* A row: x [D] and z [K] (z NULL: zeros). */
enum status_code image_train_add(struct image_train *it, const float *x, const double *z,
                                 struct status *st);
/* A row from PNG bytes, fitted to 32x32 on white; `what` names it in errors. */
enum status_code image_train_add_png(struct image_train *it, const void *png, size_t len,
                                     const char *what, const double *z, struct status *st);
/* Batches of B rows for a model of T patches (n > 0). */
enum status_code image_train_ready(struct image_train *it, const struct diffusion *d, size_t B,
                                   size_t T, double drop, uint64_t seed, struct status *st);
enum status_code image_train_fill(void *ctx, long step, struct train_batch *b, struct status *st);
enum status_code image_train_loss(void *ctx, struct train *t, const struct train_batch *b,
                                  long step, const struct hooks *h, double sums[2],
                                  struct status *st);
void image_train_free(struct image_train *it);

#endif
