#include "config.h"

#include "src/image_rows.h"
#include "engine/image.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct image_rows_walk {
	struct image_rows *ir;
	const char *dataset;
	struct status *st;
};

static int image_rows_one(void *ctx, const struct store_row *r)
{
	struct image_rows_walk *w = ctx;
	struct image_rows *ir = w->ir;
	static const uint8_t white[3] = { 255, 255, 255 };
	char what[256];
	snprintf(what, sizeof what, "dataset %s, row %lld", w->dataset, (long long)r->id);
	if (!r->image) {
		status_set(w->st, STATUS_FORMAT, "%s: a text row; an image model trains on image rows",
		           what);
		return 1;
	}
	if (ir->n == ir->cap) {
		size_t cap = ir->cap ? 2 * ir->cap : 256;
		float *x = realloc(ir->x, cap * ir->D * sizeof *x);
		if (x)
			ir->x = x;
		store_id *id = realloc(ir->id, cap * sizeof *id);
		if (id)
			ir->id = id;
		if (!x || !id) {
			status_set(w->st, STATUS_NOMEM, "out of memory");
			return 1;
		}
		ir->cap = cap;
	}
	struct image im, fit;
	if (image_decode_png(r->image, r->image_len, what, white, &im, w->st) != STATUS_OK)
		return 1;
	enum status_code rc = image_fit(&im, IMAGE_SIDE, white, &fit, w->st);
	image_free(&im);
	if (rc != STATUS_OK)
		return 1;
	image_to_chw(&fit, ir->x + ir->n * ir->D);
	image_free(&fit);
	ir->id[ir->n++] = r->id;
	return 0;
}

enum status_code image_rows_load(struct store *s, const char *dataset, const char *split,
                                 struct image_rows *ir, struct status *st)
{
	memset(ir, 0, sizeof *ir);
	ir->D = 3 * IMAGE_SIDE * IMAGE_SIDE;
	struct store_err err;
	store_id ds;
	int64_t n_image = 0, n_rows = 0;
	if (store_dataset_find(s, dataset, &ds, &err) != STORE_OK ||
	    store_dataset_images(s, ds, &n_image, &n_rows, &err) != STORE_OK)
		return status_set(st, STATUS_INVALID, "%s", err.msg);
	if (n_image == 0)
		return status_set(st, STATUS_INVALID, "dataset %s holds text rows: an image model "
		                  "trains on an image dataset (ric dataset import-images)", dataset);
	struct image_rows_walk w = { .ir = ir, .dataset = dataset, .st = st };
	struct store_row_query q = { .split = split };
	st->code = STATUS_OK;
	enum store_code sc = store_rows_query(s, ds, &q, image_rows_one, &w, &err);
	if (st->code != STATUS_OK) {
		image_rows_free(ir);
		return st->code;
	}
	if (sc != STORE_OK) {
		image_rows_free(ir);
		return status_set(st, STATUS_IO, "%s", err.msg);
	}
	return STATUS_OK;
}

void image_rows_free(struct image_rows *ir)
{
	free(ir->x);
	free(ir->id);
	memset(ir, 0, sizeof *ir);
}
