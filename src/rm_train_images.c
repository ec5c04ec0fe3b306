/* ric rm-train on image pairs: a DiT trunk under a score head, the
 * Bradley-Terry loss, through the shared training loop. */
#include "config.h"

#include "src/rm_train_images.h"
#include "src/pair_order.h"
#include "src/rm_pairs.h"
#include "src/dist.h"
#include "src/stage_state.h"
#include "src/train_loop.h"
#include "engine/checkpoint.h"
#include "engine/image.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct rti_data {
	size_t D, npairs, cap;
	float *chosen, *rejected;  /* [npairs, D] each */
	unsigned char *is_eval;
	struct pair_order po;      /* held-out pairs first, then the training order */
	store_id pending;          /* the pair whose first row was seen */
	int pending_chosen;
	const char *name;
	struct status *st;
};

static void rti_data_free(struct rti_data *d)
{
	free(d->chosen);
	free(d->rejected);
	free(d->is_eval);
	pair_order_free(&d->po);
}

/* One row of a pair: its picture into the pair's chosen or rejected slot.
 * Rows come by id, and a pair's two rows are stored together. */
static int rti_row(void *ctx, const struct store_row *r)
{
	static const uint8_t white[3] = { 255, 255, 255 };
	struct rti_data *d = ctx;
	char what[256];
	snprintf(what, sizeof what, "dataset %s, row %lld", d->name, (long long)r->id);
	if (!r->image || r->pair <= 0 || !r->role) {
		status_set(d->st, STATUS_FORMAT, "%s: %s; image pairs come from ric dataset "
		           "pair-images or import-image-pairs", what, !r->image ? "a text row" : "not in a pair");
		return 1;
	}
	int chosen = strcmp(r->role, "chosen") == 0;
	if (r->pair != d->pending) {
		if (d->npairs == d->cap) {
			size_t cap = d->cap ? 2 * d->cap : 256;
			float *c = realloc(d->chosen, cap * d->D * sizeof *c);
			if (c)
				d->chosen = c;
			float *j = realloc(d->rejected, cap * d->D * sizeof *j);
			if (j)
				d->rejected = j;
			unsigned char *e = realloc(d->is_eval, cap);
			if (e)
				d->is_eval = e;
			if (!c || !j || !e) {
				status_set(d->st, STATUS_NOMEM, "out of memory");
				return 1;
			}
			d->cap = cap;
		}
		d->pending = r->pair;
		d->pending_chosen = chosen;
		d->is_eval[d->npairs] = r->split && strcmp(r->split, "eval") == 0;
		d->npairs++;
	} else if (chosen == d->pending_chosen) {
		status_set(d->st, STATUS_FORMAT, "%s: pair %lld has two %s rows", what,
		           (long long)r->pair, r->role);
		return 1;
	}
	struct image im, fit;
	if (image_decode_png(r->image, r->image_len, what, white, &im, d->st) != STATUS_OK)
		return 1;
	enum status_code rc = image_fit(&im, IMAGE_SIDE, white, &fit, d->st);
	image_free(&im);
	if (rc != STATUS_OK)
		return 1;
	image_to_chw(&fit, (chosen ? d->chosen : d->rejected) + (d->npairs - 1) * d->D);
	image_free(&fit);
	return 0;
}

static enum status_code rti_load(struct store *s, const struct rm_train_images_opts *o,
                                 struct rti_data *d, struct status *st)
{
	struct store_err err;
	store_id ds;
	int64_t n_image = 0, n_rows = 0;
	d->D = 3 * IMAGE_SIDE * IMAGE_SIDE;
	d->name = o->pairs;
	d->st = st;
	d->pending = -1;
	if (store_dataset_find(s, o->pairs, &ds, &err) != STORE_OK ||
	    store_dataset_images(s, ds, &n_image, &n_rows, &err) != STORE_OK)
		return status_set(st, STATUS_INVALID, "%s: %s (image pairs are a dataset of the store: "
		                  "ric dataset pair-images or import-image-pairs)", o->pairs, err.msg);
	if (n_image == 0)
		return status_set(st, STATUS_INVALID, "dataset %s holds text rows; an image reward model "
		                  "trains on image pairs (ric dataset pair-images or import-image-pairs)",
		                  o->pairs);
	st->code = STATUS_OK;
	enum store_code sc = store_rows_query(s, ds, &(struct store_row_query){ 0 }, rti_row, d, &err);
	if (st->code != STATUS_OK)
		return st->code;
	if (sc != STORE_OK)
		return status_set(st, STATUS_IO, "%s", err.msg);
	if (d->npairs < 2)
		return status_set(st, STATUS_INVALID, "%s: %zu pairs; at least 2 are needed", o->pairs,
		                  d->npairs);
	return pair_order_split(&d->po, d->is_eval, d->npairs, o->eval, (uint64_t)o->t->seed,
	                        o->pairs, st);
}

struct rti_step {
	struct rti_data *d;
	uint64_t seed;
	size_t B, T;       /* pairs per step; patches per image (tokens/s are patches/s) */
	size_t *pairs;     /* [B] */
	float *x;          /* [2B, D]: this rank's chosen pictures, then its rejected ones */
	float *t;          /* [2B] zeros: clean pictures */
	float *dscores;    /* [2B] */
};

/* Pictures of pairs[0..n): chosen ones, then rejected ones, into x. */
static void rti_pictures(const struct rti_data *d, const size_t *pairs, size_t n, float *x)
{
	for (size_t k = 0; k < n; k++) {
		memcpy(x + k * d->D, d->chosen + pairs[k] * d->D, d->D * sizeof *x);
		memcpy(x + (n + k) * d->D, d->rejected + pairs[k] * d->D, d->D * sizeof *x);
	}
}

static enum status_code rti_fill(void *ctx, long step, struct train_batch *b, struct status *st)
{
	struct rti_step *rs = ctx;
	(void)st;
	for (size_t k = 0; k < rs->B; k++)
		rs->pairs[k] = pair_order_train(&rs->d->po, rs->seed, (size_t)step * rs->B + k);
	*b = (struct train_batch){ .B = 2 * rs->B, .T = rs->T };
	return STATUS_OK;
}

/* Bradley-Terry, -log sigmoid(s_chosen - s_rejected), the mean over the
 * step's pairs; train_accuracy the share ranked right. Under mpirun a rank
 * scores its pairs (dist_span), its share taken over all B. */
static enum status_code rti_loss(void *ctx, struct train *t, const struct train_batch *b,
                                 long step, const struct hooks *h, double sums[2],
                                 struct status *st)
{
	struct rti_step *rs = ctx;
	size_t B = rs->B, lo, hi;
	(void)b;
	(void)step;
	dist_span(B, &lo, &hi);
	size_t n = hi - lo;
	sums[0] = sums[1] = 0;
	if (n == 0)
		return STATUS_OK;
	rti_pictures(rs->d, rs->pairs + lo, n, rs->x);
	train_prepare(t);
	struct model_image_batch ib = { .B = 2 * n, .x = rs->x, .t = rs->t };
	enum status_code rc = model_image_score(t->pass, t->params->mem, &ib, h, st);
	if (rc != STATUS_OK)
		return rc;
	double sum = 0, right = 0;
	rm_pairs_bt(t->pass->scores, n, B, rs->dscores, &sum, &right);
	sums[0] = sum / (double)B;
	sums[1] = right / (double)B;
	return model_image_backward(t->pass, t->params->mem, train_base_grads(t), rs->dscores, h, st);
}

/* The held-out pairs' scores (rm_pairs_finish). */
static enum status_code rti_score(void *ctx, struct train *t, const size_t *pairs, size_t n,
                                  const struct hooks *h, struct status *st)
{
	struct rti_step *rs = ctx;
	rti_pictures(rs->d, pairs, n, rs->x);
	struct model_image_batch ib = { .B = 2 * n, .x = rs->x, .t = rs->t };
	return model_image_score(t->pass, t->params->mem, &ib, h, st);
}

/* The base's trunk under a fresh one-label score head (an image reward model
 * as base goes on training as it is). */
static enum status_code rti_model(const struct rm_train_images_opts *o, struct model_params *p,
                                  struct stage_state *ss, struct status *st)
{
	if (o->t->resume)
		return stage_state_load_model(o->t->resume, p, ss, st);
	rng_seed(&ss->rng, (uint64_t)o->t->seed);
	struct model_params base = { 0 };
	enum status_code rc = checkpoint_load(o->base, &base, NULL, st);
	if (rc != STATUS_OK)
		return rc;
	return rm_pairs_head(&base, o->base, o->score_std, &ss->rng, p, st);
}

static void rti_params(struct stage *sg, const struct rm_train_images_opts *o, long total)
{
	stage_param(sg, "base", "%s", o->base);
	stage_param(sg, "pairs", "%s", o->pairs);
	stage_param(sg, "out", "%s", o->out);
	stage_param(sg, "epochs", "%g", o->epochs);
	stage_param(sg, "steps", "%ld", total);
	stage_train_params(sg, o->t);
	stage_param(sg, "eval", "%g", o->eval);
	stage_param(sg, "score_std", "%g", o->score_std);
	stage_param(sg, "save_every", "%g", o->t->save_every);
	stage_param(sg, "seed", "%g", o->t->seed);
	stage_param(sg, "loss", "bradley-terry");
	stage_param(sg, "modality", "images");
	stage_param(sg, "resume", "%s", o->t->resume ? o->t->resume : "");
	stage_resumes(sg, o->t->resume);
}

int rm_train_images_run(struct cli *cli, const struct rm_train_images_opts *o)
{
	struct status st = STATUS_INIT;
	struct model_params p = { 0 };
	struct stage_state ss = { 0 };
	struct rti_data d = { 0 };
	if (o->t->lora_rank > 0) {
		cli_error("--lora-rank: LoRA does not train the DiT image model; train it whole");
		return CLI_USAGE;
	}
	if (rti_model(o, &p, &ss, &st) != STATUS_OK) {
		cli_error("%s", st.msg);
		model_params_free(&p);
		return CLI_FAIL;
	}
	struct stage sg;
	if (stage_open(&sg, cli, "rm-train", o->t->name, 0, (store_id)o->t->job) != CLI_OK) {
		model_params_free(&p);
		return CLI_FAIL;
	}
	struct hooks h = stage_hooks(&sg);
	enum status_code rc = rti_load(sg.store, o, &d, &st);
	size_t B = (size_t)o->t->batch;
	long total = 1;
	if (rc == STATUS_OK) {
		total = o->t->steps > 0 ? (long)o->t->steps
		                        : (long)ceil(o->epochs * (double)d.po.ntrain / (double)B);
		if (total < 1)
			total = 1;
	}
	rti_params(&sg, o, total);
	struct rti_step rs = { .d = &d, .seed = (uint64_t)o->t->seed, .B = B,
	                       .T = (size_t)p.cfg.n_positions };
	if (rc == STATUS_OK) {
		stage_say(&sg, "%zu image pairs: %zu training, %zu held out; %ld steps", d.npairs,
		          d.po.ntrain, d.po.neval, total);
		rs.pairs = malloc(B * sizeof *rs.pairs);
		rs.x = malloc(2 * B * d.D * sizeof *rs.x);
		rs.t = calloc(2 * B, sizeof *rs.t);
		rs.dscores = malloc(2 * B * sizeof *rs.dscores);
		if (!rs.pairs || !rs.x || !rs.t || !rs.dscores)
			rc = status_set(&st, STATUS_NOMEM, "out of memory");
	}
	struct checkpoint_save_opts so = { 0 };
	struct stage_saving sv = { .out = o->out, .kind = "reward", .p = &p, .so = &so, .ss = &ss,
	                           .save_every = o->t->save_every, .stop_at = o->t->stop_at,
	                           .saved = ss.step };
	struct train_loop L = { .sg = &sg, .h = &h, .p = &p, .oc = train_loop_linear(o->t, total),
	                        .resume = o->t->resume, .step = ss.step, .total = total,
	                        .clip = (float)o->t->clip, .sv = &sv, .fill = rti_fill,
	                        .loss = rti_loss, .aux_metric = "train_accuracy", .ctx = &rs,
	                        .seed = (uint64_t)o->t->seed };
	if (rc == STATUS_OK)
		rc = train_loop_run(&L, &st);
	long step = L.step;
	if (rc == STATUS_OK)
		rc = rm_pairs_finish(&L, &d.po, B, rti_score, &st);
	if (rc == STATUS_OK)
		printf("image reward model saved to %s (%ld steps)\n", o->out, step);
	int ret = stage_finish(&sg, rc, st.msg);
	train_loop_free(&L);
	free(rs.pairs);
	free(rs.x);
	free(rs.t);
	free(rs.dscores);
	json_decref(ss.extra);
	rti_data_free(&d);
	model_params_free(&p);
	return ret;
}
