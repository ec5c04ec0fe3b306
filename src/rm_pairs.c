#include "config.h"

#include "src/rm_pairs.h"
#include "engine/checkpoint.h"
#include "engine/init.h"

#include <math.h>
#include <stdio.h>

static double rm_pairs_softplus(double x)
{
	return x > 30 ? x : log1p(exp(x));
}

void rm_pairs_bt(const float *s, size_t n, size_t B, float *ds, double *loss, double *right)
{
	for (size_t k = 0; k < n; k++) {
		double diff = (double)s[k] - (double)s[n + k];
		*loss += rm_pairs_softplus(-diff);
		*right += diff > 0;
		if (ds) {
			double g = 1.0 / (1.0 + exp(diff)); /* sigmoid(-diff) */
			ds[k] = (float)(-g / (double)B);
			ds[n + k] = (float)(g / (double)B);
		}
	}
}

enum status_code rm_pairs_head(struct model_params *base, const char *dir, double std,
                               struct rng *rng, struct model_params *p, struct status *st)
{
	if (base->cfg.num_labels == 1) {
		*p = *base;
		*base = (struct model_params){ 0 };
		return STATUS_OK;
	}
	enum status_code rc;
	if (base->cfg.num_labels > 1) {
		rc = status_set(st, STATUS_UNSUPPORTED, "%s: %d labels; a reward model has one", dir,
		                base->cfg.num_labels);
		model_params_free(base);
		return rc;
	}
	struct model_config cfg = base->cfg;
	cfg.num_labels = 1;
	rc = model_params_alloc(p, &cfg, st);
	size_t ns = 0;
	float *score = rc == STATUS_OK ? model_params_find(p, "score.weight", &ns) : NULL;
	if (rc == STATUS_OK && (!score || model_params_copy_matching(p, base) < 0))
		rc = status_set(st, STATUS_NOMEM, "out of memory");
	if (rc == STATUS_OK)
		init_normal(score, ns, (float)std, rng);
	model_params_free(base);
	return rc;
}

enum status_code rm_pairs_finish(struct train_loop *L, const struct pair_order *po, size_t B,
                                 rm_pairs_score_fn score, struct status *st)
{
	double right = 0, sum = 0;
	train_set_eval(&L->t, 1);
	for (size_t i = 0; i < po->neval; i += B) {
		size_t n = po->neval - i < B ? po->neval - i : B;
		enum status_code rc = score(L->ctx, &L->t, po->order + i, n, L->h, st);
		if (rc != STATUS_OK)
			return rc;
		rm_pairs_bt(L->t.pass->scores, n, B, NULL, &sum, &right);
	}
	double acc = po->neval ? right / (double)po->neval : NAN;
	double loss = po->neval ? sum / (double)po->neval : NAN;
	stage_metric(L->sg, "eval_accuracy", L->step, acc);
	stage_metric(L->sg, "eval_loss", L->step, loss);
	printf("held-out pairwise accuracy %.4f (%zu pairs), loss %.4f\n", acc, po->neval, loss);
	if (stage_writes(L->sg)) {
		enum status_code rc = checkpoint_save(L->sv->out, L->sv->p, L->sv->so, st);
		if (rc != STATUS_OK)
			return rc;
	}
	stage_checkpoint(L->sg, L->sv->out, L->step, "reward", NULL);
	return STATUS_OK;
}
