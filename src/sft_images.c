/* ric sft on an image model: RiC's offline stage for a DiT. Each training
 * row's normalised scores z = (r - mu) / sigma (the dataset's relabel stats)
 * are its condition vector; a share of rows is trained on the null
 * condition so sampling can guide (classifier-free guidance). */
#include "config.h"

#include "src/sft_images.h"
#include "src/dist.h"
#include "src/stage_state.h"
#include "src/train_loop.h"
#include "engine/checkpoint.h"
#include "engine/diffusion.h"
#include "engine/image.h"
#include "engine/init.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct si_data {
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
	struct status *st;
};

static enum status_code si_row(void *ctx, const struct store_row *r, const double *z)
{
	struct si_data *sd = ctx;
	static const uint8_t white[3] = { 255, 255, 255 };
	char what[64];
	snprintf(what, sizeof what, "row %lld", (long long)r->id);
	if (!r->image)
		return status_set(sd->st, STATUS_FORMAT, "%s: a text row; an image model trains on "
		                  "image rows", what);
	if (sd->n == sd->cap) {
		size_t cap = sd->cap ? 2 * sd->cap : 256;
		float *x = realloc(sd->x, cap * sd->D * sizeof *x);
		if (x)
			sd->x = x;
		float *zz = realloc(sd->z, cap * (sd->K ? sd->K : 1) * sizeof *zz);
		if (zz)
			sd->z = zz;
		if (!x || !zz)
			return status_set(sd->st, STATUS_NOMEM, "out of memory");
		sd->cap = cap;
	}
	struct image im, fit;
	if (image_decode_png(r->image, r->image_len, what, white, &im, sd->st) != STATUS_OK)
		return sd->st->code;
	enum status_code rc = image_fit(&im, IMAGE_SIDE, white, &fit, sd->st);
	image_free(&im);
	if (rc != STATUS_OK)
		return rc;
	image_to_chw(&fit, sd->x + sd->n * sd->D);
	image_free(&fit);
	for (size_t k = 0; k < sd->K; k++)
		sd->z[sd->n * sd->K + k] = z ? (float)z[k] : 0.0f;
	sd->n++;
	return STATUS_OK;
}

static size_t si_index(struct si_data *sd, size_t g)
{
	long e = (long)(g / sd->n);
	if (e != sd->perm_epoch) {
		for (size_t i = 0; i < sd->n; i++)
			sd->perm[i] = i;
		struct rng r;
		rng_seed(&r, sd->seed * 1000003ULL + (uint64_t)e);
		rng_shuffle(&r, sd->perm, sd->n);
		sd->perm_epoch = e;
	}
	return sd->perm[g % sd->n];
}

static enum status_code si_fill(void *ctx, long step, struct train_batch *b, struct status *st)
{
	struct si_data *sd = ctx;
	(void)st;
	struct rng r;
	rng_seed(&r, (sd->seed + 7) * 0x9e3779b97f4a7c15ULL + (uint64_t)step);
	for (size_t k = 0; k < sd->B; k++) {
		size_t i = si_index(sd, (size_t)step * sd->B + k);
		memcpy(sd->bx + k * sd->D, sd->x + i * sd->D, sd->D * sizeof *sd->bx);
		memcpy(sd->bz + k * sd->K, sd->z + i * sd->K, sd->K * sizeof *sd->bz);
		sd->bdrop[k] = rng_uniform_double(&r) < sd->drop;
	}
	*b = (struct train_batch){ .B = sd->B, .T = sd->T };
	return STATUS_OK;
}

static enum status_code si_loss(void *ctx, struct train *t, const struct train_batch *b,
                                long step, const struct hooks *h, double sums[2],
                                struct status *st)
{
	struct si_data *sd = ctx;
	size_t lo, hi;
	dist_span(b->B, &lo, &hi);
	double sse = 0.0, scale = 1.0 / ((double)b->B * (double)sd->D);
	enum status_code rc = diffusion_accumulate(t, sd->d, sd->bx + lo * sd->D,
	                                           sd->K ? sd->bz + lo * sd->K : NULL,
	                                           sd->bdrop + lo, hi - lo,
	                                           sd->seed * 1000003ULL + (uint64_t)step, lo,
	                                           (float)scale, &sse, h, st);
	sums[0] = sse * scale;
	return rc;
}

/* The base's DiT with a condition of K rewards: every tensor of the same
 * name and shape copied, the condition's MLP fresh. */
static enum status_code si_model(const struct sft_images_opts *o, size_t K,
                                 struct model_params *p, struct stage_state *ss,
                                 struct status *st)
{
	if (o->t->resume)
		return stage_state_load_model(o->t->resume, p, ss, st);
	struct model_params base;
	enum status_code rc = checkpoint_load(o->base, &base, NULL, st);
	if (rc != STATUS_OK)
		return rc;
	if (model_want_denoiser(&base.cfg, o->base, st) != STATUS_OK) {
		model_params_free(&base);
		return st->code;
	}
	struct model_config c = base.cfg;
	c.cond_dim = (int)K;
	rng_seed(&ss->rng, (uint64_t)o->t->seed);
	rc = model_params_alloc(p, &c, st);
	if (rc == STATUS_OK) {
		init_model(p, &ss->rng, 0.02f);
		if (model_params_copy_matching(p, &base) < 0)
			rc = status_set(st, STATUS_NOMEM, "out of memory");
	}
	model_params_free(&base);
	return rc;
}

int sft_images_run(struct cli *cli, const struct sft_images_opts *o)
{
	struct status st = STATUS_INIT;
	struct model_params p = { 0 };
	struct stage_state ss = { 0 };
	struct diffusion d = { 0 };
	struct si_data sd = { .D = 3 * IMAGE_SIDE * IMAGE_SIDE, .perm_epoch = -1,
	                      .seed = (uint64_t)o->t->seed, .B = (size_t)o->t->batch,
	                      .drop = o->cond_drop, .d = &d, .st = &st };
	struct stage sg;
	if (stage_open(&sg, cli, "sft", o->t->name, o->parent, (store_id)o->t->job) != CLI_OK)
		return CLI_FAIL;
	struct ricdata rd;
	int have_rd = 0;
	enum status_code rc = ricdata_open(&rd, sg.store, o->dataset, o->r, o->base, &st);
	have_rd = rc == STATUS_OK;
	int conditioned = !o->r->unconditioned;
	if (rc == STATUS_OK) {
		sd.K = conditioned ? rd.m.n_obj : 0;
		rc = ricdata_each(&rd, sg.store, si_row, &sd, &st);
	}
	if (rc == STATUS_OK && sd.n == 0)
		rc = status_set(&st, STATUS_INVALID, "dataset %s: no scored image rows to train on "
		                "(%zu without scores)", o->dataset, rd.skipped_unscored);
	if (rc == STATUS_OK)
		rc = si_model(o, sd.K, &p, &ss, &st);
	if (rc == STATUS_OK && p.cfg.cond_dim != (int)sd.K)
		rc = status_set(&st, STATUS_INVALID, "%s: a condition of %d rewards; the dataset's "
		                "objectives are %zu", o->t->resume, p.cfg.cond_dim, sd.K);
	if (rc == STATUS_OK)
		rc = diffusion_init(&d, &p.cfg, &st);
	long total = 1;
	json_t *ric = NULL;
	char *meta = NULL;
	if (rc == STATUS_OK) {
		sd.T = (size_t)p.cfg.n_positions;
		sd.perm = malloc(sd.n * sizeof *sd.perm);
		sd.bx = malloc(sd.B * sd.D * sizeof *sd.bx);
		sd.bz = malloc(sd.B * (sd.K ? sd.K : 1) * sizeof *sd.bz);
		sd.bdrop = calloc(sd.B, 1);
		total = o->t->steps > 0 ? (long)o->t->steps
		                        : (long)ceil(o->epochs * (double)sd.n / (double)sd.B);
		if (total < 1)
			total = 1;
		rd.m.run = sg.run;
		ric = ricdata_meta_json(&rd.m, !conditioned);
		meta = ric ? json_dumps(ric, JSON_COMPACT | JSON_SORT_KEYS) : NULL;
		if (!sd.perm || !sd.bx || !sd.bz || !sd.bdrop || !meta)
			rc = status_set(&st, STATUS_NOMEM, "out of memory");
	}
	if (rc == STATUS_OK) {
		stage_param(&sg, "base", "%s", o->base);
		stage_param(&sg, "dataset", "%s", o->dataset);
		stage_param(&sg, "out", "%s", o->out);
		stage_param(&sg, "conditioned", "%s", conditioned ? "yes" : "no");
		for (size_t i = 0; i < rd.m.n_obj; i++) {
			char key[96];
			snprintf(key, sizeof key, "objective%zu", i + 1);
			stage_param(&sg, key, "%s=%s mu=%.17g sigma=%.17g lo=%.17g hi=%.17g",
			            rd.m.obj[i].name, rd.m.obj[i].reward, rd.m.obj[i].mu, rd.m.obj[i].sigma,
			            rd.m.obj[i].lo, rd.m.obj[i].hi);
		}
		stage_param(&sg, "mapping", "%s", mapping_name(rd.m.mapping));
		stage_param(&sg, "cond_drop", "%g", o->cond_drop);
		stage_param(&sg, "epochs", "%g", o->epochs);
		stage_param(&sg, "steps", "%ld", total);
		stage_train_params(&sg, o->t);
		stage_param(&sg, "rows", "%zu", sd.n);
		stage_param(&sg, "rows_skipped_unscored", "%zu", rd.skipped_unscored);
		stage_param(&sg, "save_every", "%g", o->t->save_every);
		stage_param(&sg, "seed", "%g", o->t->seed);
		stage_param(&sg, "loss", "noise mse");
		stage_param(&sg, "resume", "%s", o->t->resume ? o->t->resume : "");
		stage_resumes(&sg, o->t->resume);
		stage_say(&sg, "%zu training images (%zu unscored), a condition of %zu reward(s), "
		          "%g of rows on the null condition; %ld steps", sd.n, rd.skipped_unscored, sd.K,
		          o->cond_drop, total);
	}
	struct hooks h = stage_hooks(&sg);
	struct checkpoint_save_opts so = { .ric = ric };
	struct stage_saving sv = { .out = o->out, .kind = "policy", .meta = meta, .p = &p, .so = &so,
	                           .ss = &ss, .save_every = o->t->save_every,
	                           .stop_at = o->t->stop_at, .saved = ss.step };
	struct train_loop L = { .sg = &sg, .h = &h, .p = &p, .oc = train_loop_linear(o->t, total),
	                        .resume = o->t->resume, .step = ss.step, .total = total,
	                        .clip = (float)o->t->clip, .sv = &sv, .fill = si_fill,
	                        .loss = si_loss, .ctx = &sd };
	if (rc == STATUS_OK)
		rc = train_loop_run(&L, &st);
	long step = L.step;
	if (rc == STATUS_OK) {
		if (stage_writes(&sg))
			rc = checkpoint_save(o->out, &p, &so, &st);
		if (rc == STATUS_OK) {
			stage_checkpoint(&sg, o->out, step, "policy", meta);
			printf("model saved to %s (%ld steps, %.0f patches/s)\n", o->out, step,
			       sg.tokens_per_s);
		}
	}
	int ret = stage_finish(&sg, rc, st.msg);
	train_loop_free(&L);
	free(sd.x);
	free(sd.z);
	free(sd.perm);
	free(sd.bx);
	free(sd.bz);
	free(sd.bdrop);
	free(meta);
	json_decref(ric);
	json_decref(ss.extra);
	if (have_rd)
		ricdata_close(&rd);
	diffusion_free(&d);
	model_params_free(&p);
	return ret;
}
