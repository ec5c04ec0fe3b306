/* sft_images: `ric sft --base DIT --dataset IMAGES`: RiC's offline stage on
 * an image model: each row's normalised scores are its condition vector
 * (engine/dit.h), a --cond-drop share of rows on the null condition.
 *
 *   struct sft_images_opts io = { .base = "models/dit", .dataset = "icons",
 *                                 .out = "models/ric", .r = &ricdata_opts, .epochs = 1,
 *                                 .cond_drop = 0.1, .t = &train_opts };
 *   return sft_images_run(cli, &io);
 */
#ifndef RIC_SRC_SFT_IMAGES_H
#define RIC_SRC_SFT_IMAGES_H

#include "src/ricdata.h"
#include "src/stage.h"

struct sft_images_opts {
	const char *base, *dataset, *out;
	const struct ricdata_opts *r;
	double epochs, cond_drop;
	const struct stage_train_opts *t;
	store_id parent;  /* the run that imported the dataset */
};

int sft_images_run(struct cli *cli, const struct sft_images_opts *o);

#endif
