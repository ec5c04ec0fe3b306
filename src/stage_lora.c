#include "config.h"

#include "src/stage_lora.h"
#include "engine/checkpoint.h"
#include "engine/optim.h"

#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int stage_lora_on(const struct stage_train_opts *t)
{
	return t->lora_rank > 0 || (t->resume && lora_is_adapter(t->resume));
}

/* The base as the adapter records it: an absolute path where there is one,
 * so the adapter loads from any working folder. */
static void stage_lora_base_path(const char *base_dir, char *out, size_t n)
{
	char *real = realpath(base_dir, NULL);
	snprintf(out, n, "%s", real ? real : base_dir);
	free(real);
}

enum status_code stage_lora_create(const struct stage_train_opts *t, const char *base_dir,
                                   const struct model_params *p, int train_score, struct lora *l,
                                   struct status *st)
{
	char path[4096];
	stage_lora_base_path(base_dir, path, sizeof path);
	struct lora_spec spec = { .r = (int)t->lora_rank, .alpha = t->lora_alpha,
	                          .dropout = t->lora_dropout, .targets = t->lora_targets,
	                          .train_score = train_score, .base_path = path,
	                          .seed = (uint64_t)t->seed };
	return lora_create(l, p, &spec, st);
}

enum status_code stage_lora_resume(const struct stage_train_opts *t, const char *base_dir,
                                   struct model_params *p, struct stage_state *ss,
                                   int train_score, struct lora *l, struct status *st)
{
	memset(l, 0, sizeof *l);
	memset(p, 0, sizeof *p);
	if (!lora_is_adapter(t->resume))
		return status_set(st, STATUS_INVALID, "--resume %s: not a LoRA adapter folder (no %s), "
		                  "but --lora-rank asks for one", t->resume, LORA_CONFIG);
	enum status_code rc = stage_state_read(t->resume, ss, st);
	if (rc == STATUS_OK)
		rc = stage_lora_load(t, t->resume, base_dir, p, train_score, l, st);
	if (rc != STATUS_OK) {
		json_decref(ss->extra);
		ss->extra = NULL;
	}
	return rc;
}

enum status_code stage_lora_load(const struct stage_train_opts *t, const char *dir,
                                 const char *base_dir, struct model_params *p, int train_score,
                                 struct lora *l, struct status *st)
{
	char bdir[4096];
	memset(l, 0, sizeof *l);
	memset(p, 0, sizeof *p);
	enum status_code rc = lora_base_dir(dir, base_dir, bdir, sizeof bdir, st);
	if (rc == STATUS_OK)
		rc = checkpoint_load(bdir, p, NULL, st);
	if (rc == STATUS_OK && train_score)
		rc = model_params_as_reward(p, st);
	if (rc == STATUS_OK)
		rc = lora_load(dir, p, l, st);
	if (rc == STATUS_OK && t->lora_rank > 0 && (int)t->lora_rank != l->r)
		rc = status_set(st, STATUS_INVALID, "--lora-rank %g, but the adapter in %s has r = %d",
		                t->lora_rank, dir, l->r);
	if (rc == STATUS_OK)
		rc = lora_make_trainable(l, p, train_score, st);
	if (rc == STATUS_OK && !l->base_path[0])
		stage_lora_base_path(bdir, l->base_path, sizeof l->base_path);
	if (rc != STATUS_OK) {
		lora_free(l);
		model_params_free(p);
	}
	return rc;
}

int stage_lora_bf16_base(const char *base_dir, const struct model_params *p)
{
	struct checkpoint_info ci;
	struct status st = STATUS_INIT;
	return base_dir && base_dir[0] && model_family_of(&p->cfg)->frozen_bf16 &&
	       checkpoint_info(base_dir, &ci, &st) == STATUS_OK && strcmp(ci.dtype, "BF16") == 0;
}

enum status_code stage_lora_merged(const struct lora *l, const struct model_params *p,
                                   struct model_params *out, struct status *st)
{
	if (p->frozen) /* its matrices' F32 pages were given back */
		return status_set(st, STATUS_INVALID, "the base is frozen in BF16: no merged F32 copy");
	enum status_code rc = model_params_alloc(out, &p->cfg, st);
	if (rc != STATUS_OK)
		return rc;
	memcpy(out->mem, p->mem, p->count * sizeof *p->mem);
	lora_merge(l, out);
	return STATUS_OK;
}

enum status_code stage_lora_optim(const struct lora *l, struct optim *opt, struct status *st)
{
	struct optim_config oc = OPTIM_DEFAULTS;
	struct optim_range *r = NULL;
	size_t n = 0;
	enum status_code rc = lora_optim_ranges(l, &r, &n, st);
	if (rc == STATUS_OK)
		rc = optim_init_ranges(opt, l->count, r, n, &oc, st);
	free(r);
	return rc;
}

void stage_lora_params(struct stage *sg, const struct lora *l)
{
	stage_param(sg, "lora_r", "%d", l->r);
	stage_param(sg, "lora_alpha", "%g", l->alpha);
	stage_param(sg, "lora_dropout", "%g", l->dropout);
	char targets[LORA_MAX_TARGETS * (MODEL_NAME_MAX + 1)] = "";
	if (l->tg.all_linear)
		snprintf(targets, sizeof targets, "all-linear");
	for (size_t i = 0; i < l->tg.n; i++)
		snprintf(targets + strlen(targets), sizeof targets - strlen(targets), "%s%s",
		         i ? "," : "", l->tg.name[i]);
	stage_param(sg, "lora_targets", "%s", targets);
	stage_param(sg, "lora_modules", "%zu", l->n);
	stage_param(sg, "lora_params", "%zu", l->count);
	stage_param(sg, "adapter_base", "%s", l->base_path);
}
