#include "config.h"

#include "src/train_loop.h"
#include "src/stage_state.h"

struct optim_config train_loop_linear(const struct stage_train_opts *t, long total)
{
	struct optim_config oc = OPTIM_DEFAULTS;
	oc.lr = (float)t->lr;
	oc.weight_decay = (float)t->wd;
	oc.schedule = OPTIM_LINEAR;
	oc.warmup_steps = (long)t->warmup;
	oc.total_steps = total;
	return oc;
}

/* The language model's loss: cross-entropy over the targets, their mean over the step. */
static enum status_code train_loop_lm(struct train *t, const struct train_batch *b,
                                      const struct hooks *h, double *loss, struct status *st)
{
	size_t n = train_count_targets(b);
	enum status_code rc = train_accumulate(t, b, 1.0f / (float)(n ? n : 1), h, st);
	*loss = t->loss_count ? t->loss_sum / (double)t->loss_count : 0;
	return rc;
}

static enum status_code train_loop_done(struct train_loop *L, double loss, double tokens,
                                        struct status *st)
{
	if (L->sv)
		return stage_step_done(L->sg, L->sv, &L->t, L->step, L->total, loss, tokens, st);
	stage_metric(L->sg, "loss", L->metric_step + L->step, loss);
	stage_metric(L->sg, "lr", L->metric_step + L->step, L->t.last_lr);
	stage_progress(L->sg, L->step, L->total, loss, tokens);
	return STATUS_OK;
}

enum status_code train_loop_run(struct train_loop *L, struct status *st)
{
	enum status_code rc = train_init(&L->t, L->p, &L->oc, st);
	if (rc != STATUS_OK)
		return rc;
	L->have_train = 1;
	if (L->resume && (rc = stage_state_load_optim(L->resume, &L->t.opt, st)) != STATUS_OK)
		return rc;
	if (L->sv)
		L->sv->opt = &L->t.opt;
	stage_progress_start(L->sg, L->step);
	while (rc == STATUS_OK && L->step < L->total) {
		if (stage_stopping()) {
			rc = STATUS_CANCELLED;
			break;
		}
		struct train_batch b = { 0 };
		double loss = 0;
		rc = L->fill(L->ctx, L->step, &b, st);
		if (rc == STATUS_OK)
			rc = L->loss ? L->loss(L->ctx, &L->t, &b, L->step, L->h, &loss, st)
			             : train_loop_lm(&L->t, &b, L->h, &loss, st);
		if (rc != STATUS_OK)
			break;
		if (train_step_hooks(&L->t, L->clip, L->h) == STATUS_CANCELLED)
			/* the stop reached the loop mid-update: the rest of it first,
			 * so what is saved on the way out is one whole step */
			train_step_finish(&L->t);
		L->step++;
		rc = train_loop_done(L, loss, (double)(b.B * b.T), st);
	}
	if (rc == STATUS_CANCELLED && L->sv)
		stage_save_reached(L->sg, L->sv, L->step);
	return rc;
}

void train_loop_free(struct train_loop *L)
{
	if (L->have_train)
		train_free(&L->t);
	L->have_train = 0;
}
