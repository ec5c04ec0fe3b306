/* ric pretrain --arch dit: DDPM training of an unconditional DiT on an
 * image dataset, through the shared training loop. */
#include "config.h"

#include "src/pretrain_images.h"
#include "src/dist.h"
#include "src/image_rows.h"
#include "src/stage_state.h"
#include "src/train_loop.h"
#include "engine/checkpoint.h"
#include "engine/diffusion.h"
#include "engine/init.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct pi_data {
	const struct image_rows *rows;
	const struct diffusion *d;
	uint64_t seed;
	size_t B, T;
	float *x;          /* [B, D] the step's images */
	size_t *perm;
	long perm_epoch;
};

/* The row at global position g: epochs walk the rows in an order drawn from
 * (seed, epoch) alone, so a resume by steps lands on the same images. */
static size_t pi_row(struct pi_data *pd, size_t g)
{
	return rng_epoch_order(pd->perm, &pd->perm_epoch, pd->rows->n, pd->seed, g);
}

static enum status_code pi_fill(void *ctx, long step, struct train_batch *b, struct status *st)
{
	struct pi_data *pd = ctx;
	size_t D = pd->rows->D;
	(void)st;
	for (size_t k = 0; k < pd->B; k++)
		memcpy(pd->x + k * D, pd->rows->x + pi_row(pd, (size_t)step * pd->B + k) * D,
		       D * sizeof *pd->x);
	/* T: patches per image, so the loop's tokens/s are patches/s */
	*b = (struct train_batch){ .B = pd->B, .T = pd->T };
	return STATUS_OK;
}

/* Noise and timesteps of a step's row come from (seed, step, row): the
 * ranks of mpirun draw what one process draws. */
static enum status_code pi_loss(void *ctx, struct train *t, const struct train_batch *b,
                                long step, const struct hooks *h, double sums[2],
                                struct status *st)
{
	struct pi_data *pd = ctx;
	size_t lo, hi, D = pd->rows->D;
	dist_span(b->B, &lo, &hi);
	double sse = 0.0, scale = 1.0 / ((double)b->B * (double)D);
	enum status_code rc = diffusion_accumulate(t, pd->d, pd->x + lo * D, NULL, NULL, hi - lo,
	                                           pd->seed * 1000003ULL + (uint64_t)step, lo,
	                                           (float)scale, &sse, h, st);
	sums[0] = sse * scale;
	return rc;
}

/* Mean squared error of the noise prediction over the eval rows, with fixed draws. */
static enum status_code pi_val(struct train *t, const struct diffusion *d,
                               const struct image_rows *ev, size_t B, const struct hooks *h,
                               double *loss, struct status *st)
{
	double sum = 0.0;
	for (size_t i = 0; i < ev->n; i += B) {
		size_t n = ev->n - i < B ? ev->n - i : B;
		double sse;
		enum status_code rc = diffusion_eval(t->pass, t->params->mem, d, ev->x + i * ev->D, NULL,
		                                     n, 0x7a11, i, &sse, h, st);
		if (rc != STATUS_OK)
			return rc;
		sum += sse;
	}
	*loss = ev->n ? sum / ((double)ev->n * (double)ev->D) : NAN;
	return STATUS_OK;
}

static enum status_code pi_model(const struct pretrain_images_opts *o, struct model_params *p,
                                 struct stage_state *ss, struct status *st)
{
	enum status_code rc;
	const char *from = o->t->resume ? o->t->resume : o->init;
	if (o->t->resume)
		rc = stage_state_load_model(o->t->resume, p, ss, st);
	else {
		rng_seed(&ss->rng, (uint64_t)o->t->seed);
		if (o->init)
			rc = checkpoint_load(o->init, p, NULL, st);
		else {
			struct model_config c = { .n_layer = (int)o->layers, .n_head = (int)o->heads,
			                          .n_embd = (int)o->embd, .n_inner = (int)o->ffn,
			                          .patch_size = (int)o->patch,
			                          .schedule = o->schedule };
			rc = model_config_set_type(&c, "dit", st);
			if (rc == STATUS_OK)
				rc = model_params_alloc(p, &c, st);
			if (rc == STATUS_OK)
				init_model(p, &ss->rng, 0.02f);
			return rc;
		}
	}
	if (rc == STATUS_OK && !model_is_image(&p->cfg))
		rc = status_set(st, STATUS_INVALID, "%s: a %s model is a text model; --arch dit trains "
		                "an image model (give text FILES and --tokenizer without --arch dit)",
		                from, model_family_of(&p->cfg)->title);
	if (rc == STATUS_OK)
		rc = model_want_denoiser(&p->cfg, from, st);
	return rc;
}

static void pi_params(struct stage *sg, const struct pretrain_images_opts *o,
                      const struct model_config *c)
{
	stage_param(sg, "arch", "dit");
	stage_param(sg, "dataset", "%s", o->dataset);
	stage_param(sg, "out", "%s", o->out);
	stage_param(sg, "init", "%s", o->init ? o->init : "");
	stage_param(sg, "n_layer", "%d", c->n_layer);
	stage_param(sg, "n_head", "%d", c->n_head);
	stage_param(sg, "n_embd", "%d", c->n_embd);
	stage_param(sg, "patch_size", "%d", c->patch_size);
	stage_param(sg, "n_positions", "%d", c->n_positions);
	stage_param(sg, "schedule", "%s", c->schedule == MODEL_SCHEDULE_LINEAR ? "linear" : "cosine");
	stage_param(sg, "steps", "%g", o->t->steps);
	stage_train_params(sg, o->t);
	stage_param(sg, "save_every", "%g", o->t->save_every);
	stage_param(sg, "seed", "%g", o->t->seed);
	stage_param(sg, "resume", "%s", o->t->resume ? o->t->resume : "");
	stage_resumes(sg, o->t->resume);
}

int pretrain_images_run(struct cli *cli, const struct pretrain_images_opts *o)
{
	struct status st = STATUS_INIT;
	struct model_params p = { 0 };
	struct stage_state ss = { 0 };
	struct image_rows tr = { 0 }, ev = { 0 };
	struct diffusion d = { 0 };
	if (pi_model(o, &p, &ss, &st) != STATUS_OK || diffusion_init(&d, &p.cfg, &st) != STATUS_OK) {
		cli_error("%s", st.msg);
		model_params_free(&p);
		return CLI_FAIL;
	}
	struct stage sg;
	if (stage_open(&sg, cli, "pretrain", o->t->name, 0, (store_id)o->t->job) != CLI_OK) {
		diffusion_free(&d);
		model_params_free(&p);
		return CLI_FAIL;
	}
	pi_params(&sg, o, &p.cfg);
	struct hooks h = stage_hooks(&sg);
	enum status_code rc = image_rows_load(sg.store, o->dataset, "train", &tr, &st);
	if (rc == STATUS_OK)
		rc = image_rows_load(sg.store, o->dataset, "eval", &ev, &st);
	if (rc == STATUS_OK && tr.n == 0)
		rc = status_set(&st, STATUS_INVALID, "dataset %s has no training rows", o->dataset);
	size_t B = (size_t)o->t->batch;
	long total = (long)o->t->steps;
	struct pi_data pd = { .rows = &tr, .d = &d, .seed = (uint64_t)o->t->seed, .B = B,
	                      .T = (size_t)p.cfg.n_positions, .perm_epoch = -1 };
	if (rc == STATUS_OK) {
		stage_say(&sg, "%zu training and %zu validation images of %dx%d in %d patches; "
		          "%zu parameters", tr.n, ev.n, p.cfg.image_size, p.cfg.image_size,
		          p.cfg.n_positions, p.count);
		pd.x = malloc(B * tr.D * sizeof *pd.x);
		pd.perm = malloc(tr.n * sizeof *pd.perm);
		if (!pd.x || !pd.perm)
			rc = status_set(&st, STATUS_NOMEM, "out of memory");
	}
	struct checkpoint_save_opts so = { 0 };
	struct stage_saving sv = { .out = o->out, .kind = "policy", .p = &p, .so = &so, .ss = &ss,
	                           .save_every = o->t->save_every, .stop_at = o->t->stop_at,
	                           .saved = ss.step };
	struct train_loop L = { .sg = &sg, .h = &h, .p = &p, .oc = train_loop_linear(o->t, total),
	                        .resume = o->t->resume, .step = ss.step, .total = total,
	                        .clip = (float)o->t->clip, .sv = &sv, .fill = pi_fill,
	                        .loss = pi_loss, .ctx = &pd };
	if (rc == STATUS_OK && o->t->resume)
		stage_say(&sg, "resuming %s at step %ld", o->t->resume, ss.step);
	if (rc == STATUS_OK)
		rc = train_loop_run(&L, &st);
	long step = L.step;
	if (rc == STATUS_CANCELLED && step > 0)
		stage_say(&sg, "checkpoint at step %ld in %s/checkpoint-%ld", step, o->out, step);
	if (rc == STATUS_OK) {
		double vloss = NAN;
		if (ev.n)
			rc = pi_val(&L.t, &d, &ev, B, &h, &vloss, &st);
		if (rc == STATUS_OK && ev.n) {
			stage_metric(&sg, "val_loss", step, vloss);
			printf("validation loss %.6f over %zu images\n", vloss, ev.n);
		}
		if (rc == STATUS_OK && stage_writes(&sg))
			rc = checkpoint_save(o->out, &p, &so, &st);
		if (rc == STATUS_OK) {
			stage_checkpoint(&sg, o->out, step, "policy", NULL);
			printf("model saved to %s (%ld steps, %.0f patches/s)\n", o->out, step,
			       sg.tokens_per_s);
		}
	}
	int ret = stage_finish(&sg, rc, st.msg);
	train_loop_free(&L);
	free(pd.x);
	free(pd.perm);
	image_rows_free(&tr);
	image_rows_free(&ev);
	diffusion_free(&d);
	json_decref(ss.extra);
	model_params_free(&p);
	return ret;
}
