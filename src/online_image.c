/* online_image: the online stage's image kind (src/online.h): a DiT's
 * pictures drawn by DDIM under the desired scores (classifier-free
 * guidance), saved as PNG files in the run's folder beside the store
 * (STORE.files/run-ID, as ric eval does; the sample's response is the path),
 * scored as the rewards see them (the 8-bit picture saved), and kept ones
 * trained on under the scores they got with the noise-prediction loss of
 * ric sft (src/image_train.h). trainer_state.json keeps the pool as PNG
 * bytes (hex) with their scores, so a resume needs no store files. */
#include "config.h"

#include "src/dist.h"
#include "src/image_train.h"
#include "src/online.h"
#include "src/stage_lora.h"
#include "src/train_loop.h"
#include "engine/checkpoint.h"
#include "engine/diffusion.h"
#include "engine/image.h"

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

struct oi {
	struct diffusion d;
	struct image_train rows;          /* offline training images (their scores: on->raw) */
	size_t K, D;
	float *pool_x;                    /* [npool, D]: kept pictures */
	double *pool_z;                   /* [npool, K]: the scores they got */
	uint8_t **pool_png;               /* [npool]: as saved (trainer_state.json) */
	size_t *pool_len, cappool;
	size_t *off;                      /* this iteration's offline rows */
	size_t noff;
	char dir[4096];                   /* the run's files folder */
	size_t seq;                       /* the next PNG's number */
};

struct oi_batch {
	float *x;                         /* [M, D] as drawn */
	char **path;                      /* [M] */
};

static struct oi *oi_of(struct online *on)
{
	return on->kd;
}

static enum status_code oi_open(struct online *on, const char *from, struct stage_state *ss)
{
	struct online_opts *o = &on->o;
	struct status *st = &on->st;
	struct oi *k = calloc(1, sizeof *k);
	if (!k)
		return status_set(st, STATUS_NOMEM, "out of memory");
	on->kd = k;
	on->tokenizer_dir = NULL;
	if (o->text_given)
		return status_set(st, STATUS_INVALID, "%s is an image model: %s samples a text model",
		                  from, o->text_opt);
	if (stage_lora_on(&o->t))
		return status_set(st, STATUS_UNSUPPORTED, "--lora-rank: %s is an image model, which "
		                  "trains every weight (LoRA is for text models)", from);
	if (o->weights != DECODER_F32)
		return status_set(st, STATUS_UNSUPPORTED, "--weights %s: %s is an image model, which "
		                  "samples in F32 (BF16 and int8 weights are for text models)",
		                  decoder_dtype_name((enum decoder_dtype)o->weights), from);
	enum status_code rc = o->t.resume ? stage_state_load_model(o->t.resume, &on->p, ss, st)
	                                  : checkpoint_load(o->policy, &on->p, NULL, st);
	json_t *cond = on->m.extra ? json_object_get(on->m.extra, "conditioned") : NULL;
	if (rc == STATUS_OK && (json_is_false(cond) || on->p.cfg.num_labels > 0))
		rc = status_set(st, STATUS_INVALID, "%s: %s; the online stage goes on from a RiC model "
		                "(ric sft on a relabelled image dataset)", from,
		                on->p.cfg.num_labels > 0 ? "an image reward model"
		                                         : "an unconditioned model (ric sft "
		                                           "--unconditioned or --expert)");
	if (rc == STATUS_OK && (size_t)on->p.cfg.cond_dim != on->m.n_obj)
		rc = status_set(st, STATUS_INVALID, "%s: a condition of %d rewards; ric.json names %zu "
		                "objectives (the policy of ric sft on a relabelled image dataset)", from,
		                on->p.cfg.cond_dim, on->m.n_obj);
	if (rc == STATUS_OK)
		rc = diffusion_init(&k->d, &on->p.cfg, st);
	if (rc == STATUS_OK && (size_t)o->ddim_steps > k->d.T)
		rc = status_set(st, STATUS_INVALID, "--ddim-steps %g: the model has %zu timesteps",
		                o->ddim_steps, k->d.T);
	k->K = on->m.n_obj;
	image_train_init(&k->rows, 0);
	k->D = k->rows.D;
	return rc;
}

/* The run's files folder: STORE.files, then STORE.files/run-ID. */
static enum status_code oi_dir(struct online *on, struct oi *k)
{
	struct status *st = &on->st;
	char *d = k->dir;
	struct store_err e;
	if (store_run_files_dir(on->sg.store, on->sg.run, d, sizeof k->dir) != 0)
		return status_set(st, STATUS_UNSUPPORTED, "an image model's online stage saves its "
		                  "samples beside the store: give a store file, not an in-memory one");
	if (store_run_files_make(on->sg.store, on->sg.run, d, sizeof k->dir, &e) != STORE_OK)
		return status_set(st, STATUS_IO, "%s", e.msg);
	return STATUS_OK;
}

static void oi_params(struct online *on)
{
	struct oi *k = oi_of(on);
	const struct online_opts *o = &on->o;
	stage_param(&on->sg, "ddim_steps", "%g", o->ddim_steps);
	stage_param(&on->sg, "guidance", "%g", o->guidance);
	stage_param(&on->sg, "cond_drop", "%g", o->cond_drop);
	stage_param(&on->sg, "loss", "noise mse");
	if (oi_dir(on, k) == STATUS_OK)
		stage_param(&on->sg, "images", "%s", k->dir);
	else
		k->dir[0] = '\0'; /* the error comes back from the first sample */
}

static enum status_code oi_row(struct online *on, const struct store_row *r)
{
	char what[256];
	snprintf(what, sizeof what, "dataset %s, row %lld", on->o.dataset, (long long)r->id);
	if (!r->image)
		return status_set(&on->st, STATUS_INVALID, "%s: a text row; %s is an image model", what,
		                  on->o.policy);
	return image_train_add_png(&oi_of(on)->rows, r->image, r->image_len, what, NULL, &on->st);
}

static enum status_code oi_rows_done(struct online *on)
{
	for (size_t j = 0; j < on->m.n_obj; j++)
		if (reward_modality(on->rw[j]) == 0)
			return status_set(&on->st, STATUS_INVALID, "objective '%s': reward %s scores text; "
			                  "an image model's samples are scored by image rewards",
			                  on->m.obj[j].name, reward_spec(on->rw[j]));
	stage_say(&on->sg, "%zu offline images, %zu objective(s); %g DDIM steps, guidance %g",
	          on->nrows, on->m.n_obj, on->o.ddim_steps, on->o.guidance);
	return STATUS_OK;
}

static void oi_batch_free(struct online *on, struct online_batch *b)
{
	struct oi_batch *ob = b->own;
	(void)on;
	if (!ob)
		return;
	for (size_t i = 0; ob->path && i < b->M; i++)
		free(ob->path[i]);
	free(ob->path);
	free(ob->x);
	free(ob);
	b->own = NULL;
}

/* This rank's share drawn, saved and scored; then every rank gets all M. */
static enum status_code oi_sample(struct online *on, int iter, struct online_batch *b)
{
	struct oi *k = oi_of(on);
	struct status *st = &on->st;
	size_t M = b->M, n = on->m.n_obj, D = k->D, K = k->K;
	struct oi_batch *ob = calloc(1, sizeof *ob);
	b->own = ob;
	float *cond = malloc(M * (K ? K : 1) * sizeof *cond);
	struct image *ims = calloc(M, sizeof *ims);
	double *col = calloc(M, sizeof *col);
	struct model_pass *pass = NULL;
	size_t a, e;
	dist_span(M, &a, &e);
	enum status_code rc = STATUS_OK;
	(void)iter;
	if (!ob || !cond || !ims || !col || !(ob->x = calloc(M * D, sizeof *ob->x)) ||
	    !(ob->path = calloc(M, sizeof *ob->path)))
		rc = status_set(st, STATUS_NOMEM, "out of memory");
	if (rc == STATUS_OK && !k->dir[0])
		rc = oi_dir(on, k);
	for (size_t i = 0; rc == STATUS_OK && i < M * K; i++)
		cond[i] = (float)b->want[i];
	/* Image i is drawn from noise seeded seed + i whichever rank draws it. */
	uint64_t seed = rng_next(&on->rng);
	if (rc == STATUS_OK)
		rc = model_pass_new(&pass, &on->p, 0, st); /* the policy as it stands now */
	if (rc == STATUS_OK && e > a) {
		struct diffusion_sample_opts so = { .n = e - a, .steps = (size_t)on->o.ddim_steps,
			                            .guidance = on->o.guidance, .cond = cond + a * K,
			                            .cond_dim = (int)K, .seed = seed + a, .clip = 1 };
		rc = diffusion_sample(pass, on->p.mem, &k->d, &so, ob->x + a * D, &on->h, st);
	}
	model_pass_free(pass);
	size_t made = a;
	for (; rc == STATUS_OK && made < e; made++)
		rc = image_from_chw(ob->x + made * D, on->p.cfg.image_size, &ims[made], st);
	/* every rank names every file alike; each saves its own */
	for (size_t i = 0; rc == STATUS_OK && i < M; i++) {
		size_t cap = strlen(k->dir) + 32;
		if (!(ob->path[i] = malloc(cap)))
			rc = status_set(st, STATUS_NOMEM, "out of memory");
		else
			snprintf(ob->path[i], cap, "%s/%06zu.png", k->dir, k->seq + i);
		b->response[i] = ob->path[i];
	}
	for (size_t i = a; rc == STATUS_OK && i < e; i++)
		rc = image_save_png(&ims[i], ob->path[i], st);
	k->seq += M;
	for (size_t j = 0; rc == STATUS_OK && e > a && j < n; j++) {
		rc = reward_score_images(on->rw[j], e - a, ims + a, col + a, st);
		if (rc != STATUS_OK)
			status_prefix(st, "objective '%s'", on->m.obj[j].name);
		for (size_t i = a; rc == STATUS_OK && i < e; i++)
			b->raw[i * n + j] = col[i];
	}
	if (dist_size() > 1) {
		rc = dist_first_error(rc, st);
		if (rc == STATUS_OK)
			rc = dist_share_spans(ob->x, M, D * sizeof *ob->x, st);
		if (rc == STATUS_OK)
			rc = dist_share_spans(b->raw, M, n * sizeof *b->raw, st);
		rc = dist_first_error(rc, st);
	}
	for (size_t i = 0; i < M; i++)
		b->whole[i] = 1;
	for (size_t i = a; i < made; i++)
		image_free(&ims[i]);
	free(ims);
	free(cond);
	free(col);
	return rc;
}

/* Sample i as saved (8-bit) joins the pool under z. */
static enum status_code oi_pool_add(struct online *on, const struct image *im, const double *z)
{
	struct oi *k = oi_of(on);
	struct status *st = &on->st;
	if (on->npool == k->cappool) {
		size_t cap = k->cappool * 2 + 64;
		float *x = realloc(k->pool_x, cap * k->D * sizeof *x);
		if (x)
			k->pool_x = x;
		double *zz = realloc(k->pool_z, cap * (k->K ? k->K : 1) * sizeof *zz);
		if (zz)
			k->pool_z = zz;
		uint8_t **png = realloc(k->pool_png, cap * sizeof *png);
		if (png)
			k->pool_png = png;
		size_t *len = realloc(k->pool_len, cap * sizeof *len);
		if (len)
			k->pool_len = len;
		if (!x || !zz || !png || !len)
			return status_set(st, STATUS_NOMEM, "out of memory");
		k->cappool = cap;
	}
	size_t i = on->npool;
	enum status_code rc = image_encode_png(im, &k->pool_png[i], &k->pool_len[i], st);
	if (rc != STATUS_OK)
		return rc;
	image_to_chw(im, k->pool_x + i * k->D);
	memcpy(k->pool_z + i * k->K, z, k->K * sizeof *z);
	on->npool++;
	return STATUS_OK;
}

static enum status_code oi_keep(struct online *on, struct online_batch *b, size_t i,
                                const double *z)
{
	struct oi_batch *ob = b->own;
	struct image im;
	enum status_code rc = image_from_chw(ob->x + i * oi_of(on)->D, on->p.cfg.image_size, &im,
	                                     &on->st);
	if (rc != STATUS_OK)
		return rc;
	rc = oi_pool_add(on, &im, z);
	image_free(&im);
	return rc;
}

static enum status_code oi_mix(struct online *on, const size_t *order, size_t S, size_t N,
                               size_t *n)
{
	struct oi *k = oi_of(on);
	free(k->off);
	k->noff = 0;
	*n = 0;
	if (N > S)
		N = S;
	if (!(k->off = malloc((N ? N : 1) * sizeof *k->off)))
		return status_set(&on->st, STATUS_NOMEM, "out of memory");
	if (N)
		memcpy(k->off, order, N * sizeof *order);
	*n = k->noff = N;
	return STATUS_OK;
}

/* The pool then the offline rows, in a training set of their own. */
static enum status_code oi_train(struct online *on, int iter, long *global_step)
{
	struct oi *k = oi_of(on);
	struct status *st = &on->st;
	size_t total_rows = on->npool + k->noff, B = (size_t)on->o.t.batch;
	if (total_rows == 0)
		return STATUS_OK;
	long steps = on->o.t.steps > 0 ? (long)on->o.t.steps
	                               : (long)ceil(on->o.epochs * (double)total_rows / (double)B);
	struct image_train set;
	image_train_init(&set, k->K);
	enum status_code rc = STATUS_OK;
	for (size_t i = 0; rc == STATUS_OK && i < on->npool; i++)
		rc = image_train_add(&set, k->pool_x + i * k->D, k->pool_z + i * k->K, st);
	for (size_t i = 0; rc == STATUS_OK && i < k->noff; i++) {
		double z[ONLINE_MAX_OBJ];
		ricmeta_normalise(&on->m, on->raw + k->off[i] * on->m.n_obj, z);
		rc = image_train_add(&set, k->rows.x + k->off[i] * k->D, z, st);
	}
	if (rc == STATUS_OK)
		rc = image_train_ready(&set, &k->d, B, (size_t)on->p.cfg.n_positions, on->o.cond_drop,
		                       (uint64_t)on->o.t.seed * 1000003ULL + (uint64_t)iter, st);
	struct train_loop L = { .sg = &on->sg, .h = &on->h, .p = &on->p, .oc = online_optim(on),
	                        .total = steps, .clip = (float)on->o.t.clip,
	                        .metric_step = *global_step, .fill = image_train_fill,
	                        .loss = image_train_loss, .ctx = &set };
	if (rc == STATUS_OK)
		rc = train_loop_run(&L, st);
	*global_step += L.step;
	if (L.have_train)
		stage_metric(&on->sg, "train_rows", iter, (double)total_rows);
	train_loop_free(&L);
	image_train_free(&set);
	free(k->off);
	k->off = NULL;
	k->noff = 0;
	return rc;
}

static json_t *oi_pool_json(struct online *on)
{
	static const char hexd[] = "0123456789abcdef";
	struct oi *k = oi_of(on);
	json_t *pool = json_array();
	for (size_t i = 0; pool && i < on->npool; i++) {
		size_t len = k->pool_len[i];
		char *hex = malloc(2 * len + 1);
		json_t *z = json_array();
		if (!hex || !z) {
			free(hex);
			json_decref(z);
			json_decref(pool);
			return NULL;
		}
		for (size_t b = 0; b < len; b++) {
			hex[2 * b] = hexd[k->pool_png[i][b] >> 4];
			hex[2 * b + 1] = hexd[k->pool_png[i][b] & 15];
		}
		hex[2 * len] = '\0';
		for (size_t j = 0; j < k->K; j++)
			json_array_append_new(z, json_real(k->pool_z[i * k->K + j]));
		json_array_append_new(pool, json_pack("{s:s, s:o}", "png", hex, "z", z));
		free(hex);
	}
	return pool ? json_pack("{s:o}", "pool", pool) : NULL;
}

static int oi_hex(int c)
{
	return c >= '0' && c <= '9' ? c - '0' : c >= 'a' && c <= 'f' ? c - 'a' + 10 : -1;
}

static enum status_code oi_pool_restore(struct online *on, json_t *extra, const char *dir)
{
	static const uint8_t white[3] = { 255, 255, 255 };
	struct oi *k = oi_of(on);
	struct status *st = &on->st;
	json_t *pool = json_object_get(extra, "pool");
	if (!json_is_array(pool))
		return status_set(st, STATUS_FORMAT, "%s/trainer_state.json: no online pool", dir);
	size_t i;
	json_t *e;
	json_array_foreach(pool, i, e) {
		const char *hex = json_string_value(json_object_get(e, "png"));
		json_t *zj = json_object_get(e, "z");
		size_t len = hex ? strlen(hex) / 2 : 0;
		if (!hex || strlen(hex) % 2 || json_array_size(zj) != k->K)
			return status_set(st, STATUS_FORMAT, "%s/trainer_state.json: pool entry %zu is not "
			                  "a picture with %zu scores", dir, i, k->K);
		uint8_t *png = malloc(len ? len : 1);
		if (!png)
			return status_set(st, STATUS_NOMEM, "out of memory");
		int bad = 0;
		for (size_t b = 0; b < len; b++) {
			int hi = oi_hex(hex[2 * b]), lo = oi_hex(hex[2 * b + 1]);
			bad |= hi < 0 || lo < 0;
			png[b] = (uint8_t)(hi << 4 | (lo & 15));
		}
		char what[4200];
		snprintf(what, sizeof what, "%s/trainer_state.json: pool entry %zu", dir, i);
		struct image im;
		enum status_code rc = bad ? status_set(st, STATUS_FORMAT, "%s: not hex", what)
		                          : image_decode_png(png, len, what, white, &im, st);
		free(png);
		if (rc != STATUS_OK)
			return rc;
		double z[ONLINE_MAX_OBJ];
		for (size_t j = 0; j < k->K; j++)
			z[j] = json_number_value(json_array_get(zj, j));
		rc = im.w == IMAGE_SIDE && im.h == IMAGE_SIDE
		             ? oi_pool_add(on, &im, z)
		             : status_set(st, STATUS_FORMAT, "%s: not %dx%d", what, IMAGE_SIDE, IMAGE_SIDE);
		image_free(&im);
		if (rc != STATUS_OK)
			return rc;
	}
	return STATUS_OK;
}

static void oi_free(struct online *on)
{
	struct oi *k = oi_of(on);
	if (!k)
		return;
	image_train_free(&k->rows);
	diffusion_free(&k->d);
	for (size_t i = 0; i < on->npool; i++)
		free(k->pool_png[i]);
	free(k->pool_png);
	free(k->pool_len);
	free(k->pool_x);
	free(k->pool_z);
	free(k->off);
	free(k);
	on->kd = NULL;
}

const struct online_kind online_image = {
	.name = "image",
	.open = oi_open,
	.params = oi_params,
	.row = oi_row,
	.rows_done = oi_rows_done,
	.sample = oi_sample,
	.keep = oi_keep,
	.batch_free = oi_batch_free,
	.mix = oi_mix,
	.train = oi_train,
	.pool_json = oi_pool_json,
	.pool_restore = oi_pool_restore,
	.free = oi_free,
};
