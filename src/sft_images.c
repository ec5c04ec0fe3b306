/* ric sft on an image model: RiC's offline stage for a DiT. Each training
 * row's normalised scores z = (r - mu) / sigma (the dataset's relabel stats)
 * are its condition vector; a share of rows is trained on the null
 * condition so sampling can guide (classifier-free guidance). */
#include "config.h"

#include "src/sft_images.h"
#include "src/image_train.h"
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

struct si_ctx {
	struct image_train it;
	struct status *st;
};

static enum status_code si_row(void *ctx, const struct store_row *r, const double *z)
{
	struct si_ctx *c = ctx;
	char what[64];
	snprintf(what, sizeof what, "row %lld", (long long)r->id);
	if (!r->image)
		return status_set(c->st, STATUS_FORMAT, "%s: a text row; an image model trains on "
		                  "image rows", what);
	return image_train_add_png(&c->it, r->image, r->image_len, what, z, c->st);
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
	struct si_ctx sd = { .st = &st };
	image_train_init(&sd.it, 0);
	struct stage sg;
	if (stage_open(&sg, cli, "sft", o->t->name, o->parent, (store_id)o->t->job) != CLI_OK)
		return CLI_FAIL;
	struct ricdata rd;
	int have_rd = 0;
	enum status_code rc = ricdata_open(&rd, sg.store, o->dataset, o->r, o->base, &st);
	have_rd = rc == STATUS_OK;
	int conditioned = !o->r->unconditioned;
	if (rc == STATUS_OK) {
		image_train_init(&sd.it, conditioned ? rd.m.n_obj : 0);
		rc = ricdata_each(&rd, sg.store, si_row, &sd, &st);
	}
	size_t K = sd.it.K;
	if (rc == STATUS_OK && sd.it.n == 0)
		rc = status_set(&st, STATUS_INVALID, "dataset %s: no scored image rows to train on "
		                "(%zu without scores)", o->dataset, rd.skipped_unscored);
	if (rc == STATUS_OK)
		rc = si_model(o, K, &p, &ss, &st);
	if (rc == STATUS_OK && p.cfg.cond_dim != (int)K)
		rc = status_set(&st, STATUS_INVALID, "%s: a condition of %d rewards; the dataset's "
		                "objectives are %zu", o->t->resume, p.cfg.cond_dim, K);
	if (rc == STATUS_OK)
		rc = diffusion_init(&d, &p.cfg, &st);
	long total = 1;
	json_t *ric = NULL;
	char *meta = NULL;
	if (rc == STATUS_OK) {
		rc = image_train_ready(&sd.it, &d, (size_t)o->t->batch, (size_t)p.cfg.n_positions,
		                       o->cond_drop, (uint64_t)o->t->seed, &st);
		total = o->t->steps > 0 ? (long)o->t->steps
		                        : (long)ceil(o->epochs * (double)sd.it.n / o->t->batch);
		if (total < 1)
			total = 1;
		rd.m.run = sg.run;
		ric = ricdata_meta_json(&rd.m, !conditioned);
		/* a Rewarded Soups expert names its objective, as a text one does */
		if (ric && o->r->expert)
			json_object_set_new(ric, "expert", json_string(o->r->expert));
		meta = ric ? json_dumps(ric, JSON_COMPACT | JSON_SORT_KEYS) : NULL;
		if (rc == STATUS_OK && !meta)
			rc = status_set(&st, STATUS_NOMEM, "out of memory");
	}
	if (rc == STATUS_OK) {
		stage_param(&sg, "base", "%s", o->base);
		stage_param(&sg, "dataset", "%s", o->dataset);
		stage_param(&sg, "out", "%s", o->out);
		stage_param(&sg, "conditioned", "%s", conditioned ? "yes" : "no");
		if (o->r->expert) {
			stage_param(&sg, "expert", "%s", o->r->expert);
			stage_param(&sg, "expert_quantile", "%g", o->r->expert_quantile);
			stage_param(&sg, "expert_threshold", "%.17g", rd.expert_threshold);
			stage_param(&sg, "rows_skipped_expert", "%zu", rd.skipped_expert);
		}
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
		stage_param(&sg, "rows", "%zu", sd.it.n);
		stage_param(&sg, "rows_skipped_unscored", "%zu", rd.skipped_unscored);
		stage_param(&sg, "save_every", "%g", o->t->save_every);
		stage_param(&sg, "seed", "%g", o->t->seed);
		stage_param(&sg, "loss", "noise mse");
		stage_param(&sg, "resume", "%s", o->t->resume ? o->t->resume : "");
		stage_resumes(&sg, o->t->resume);
		stage_say(&sg, "%zu training images (%zu unscored), a condition of %zu reward(s), "
		          "%g of rows on the null condition; %ld steps", sd.it.n, rd.skipped_unscored, K,
		          o->cond_drop, total);
	}
	struct hooks h = stage_hooks(&sg);
	struct checkpoint_save_opts so = { .ric = ric };
	struct stage_saving sv = { .out = o->out, .kind = "policy", .meta = meta, .p = &p, .so = &so,
	                           .ss = &ss, .save_every = o->t->save_every,
	                           .stop_at = o->t->stop_at, .saved = ss.step };
	struct train_loop L = { .sg = &sg, .h = &h, .p = &p, .oc = train_loop_linear(o->t, total),
	                        .resume = o->t->resume, .step = ss.step, .total = total,
	                        .clip = (float)o->t->clip, .sv = &sv, .fill = image_train_fill,
	                        .loss = image_train_loss, .ctx = &sd.it };
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
	image_train_free(&sd.it);
	free(meta);
	json_decref(ric);
	json_decref(ss.extra);
	if (have_rd)
		ricdata_close(&rd);
	diffusion_free(&d);
	model_params_free(&p);
	return ret;
}
