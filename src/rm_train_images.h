/* rm_train_images: `ric rm-train --base DIT --pairs IMAGE-PAIRS`: a small
 * image reward model (engine/dit.h, num_labels 1) trained with the
 * Bradley-Terry loss on a dataset of image pairs (ric dataset pair-images)
 * through the one training loop; the options are cmd_rm_train's.
 *
 *   struct rm_train_images_opts io = { .base = "models/dit", .pairs = "bright-pairs",
 *                                      .out = "models/rm", .epochs = 1, .eval = 0.1,
 *                                      .score_std = 0.02, .t = &train_opts };
 *   return rm_train_images_run(cli, &io);
 */
#ifndef RIC_SRC_RM_TRAIN_IMAGES_H
#define RIC_SRC_RM_TRAIN_IMAGES_H

#include "src/stage.h"

struct rm_train_images_opts {
	const char *base, *pairs, *out;
	double epochs, eval, score_std;
	const struct stage_train_opts *t;
};

int rm_train_images_run(struct cli *cli, const struct rm_train_images_opts *o);

#endif
