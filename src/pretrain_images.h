/* pretrain_images: `ric pretrain --arch dit --dataset NAME`: an image model
 * (engine/dit.h) trained from noise prediction on an image dataset; the
 * options are cmd_pretrain's.
 *
 *   struct pretrain_images_opts o = { .dataset = "icons", .out = "models/dit",
 *                                     .layers = 4, .heads = 4, .embd = 128, .patch = 4,
 *                                     .schedule = MODEL_SCHEDULE_COSINE, .t = &train_opts };
 *   return pretrain_images_run(cli, &o);
 */
#ifndef RIC_SRC_PRETRAIN_IMAGES_H
#define RIC_SRC_PRETRAIN_IMAGES_H

#include "src/stage.h"
#include "engine/model.h"

struct pretrain_images_opts {
	const char *dataset, *out, *init;
	double layers, heads, embd, ffn, patch;  /* ffn 0: 4 x embd */
	enum model_schedule schedule;
	const struct stage_train_opts *t;
};

int pretrain_images_run(struct cli *cli, const struct pretrain_images_opts *o);

#endif
