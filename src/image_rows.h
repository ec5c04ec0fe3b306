/* image_rows: an image dataset's rows as the image models read them: each
 * row's PNG decoded to a [3, 32, 32] tensor in [-1, 1].
 *
 *   struct image_rows ir;
 *   if (image_rows_load(store, "icons", "train", &ir, &st) != STATUS_OK) ...
 *   ... ir.n rows of ir.D floats in ir.x, ir.id[i] the row's id ...
 *   image_rows_free(&ir);
 */
#ifndef RIC_SRC_IMAGE_ROWS_H
#define RIC_SRC_IMAGE_ROWS_H

#include "engine/status.h"
#include "store/store.h"

#include <stddef.h>

struct image_rows {
	size_t n, D;
	float *x;       /* [n, D] */
	store_id *id;   /* [n] */
	size_t cap;
};

/* Rows of `split` ("train", "eval"; NULL: all). A dataset of text rows is
 * one error saying so. */
enum status_code image_rows_load(struct store *s, const char *dataset, const char *split,
                                 struct image_rows *ir, struct status *st);
void image_rows_free(struct image_rows *ir);

#endif
