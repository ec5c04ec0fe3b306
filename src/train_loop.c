#include "config.h"

#include "src/train_loop.h"
#include "src/stage_state.h"
#include "src/dist.h"
#include "src/stage_lora.h"

#include <math.h>

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

/* The language model's loss: cross-entropy over the targets, their mean
 * over the whole step's batch; this rank's rows of it. */
static enum status_code train_loop_lm(struct train *t, const struct train_batch *b,
                                      const struct hooks *h, double sums[2], struct status *st)
{
	size_t n = train_count_targets(b), lo, hi;
	dist_span(b->B, &lo, &hi);
	struct train_batch mine = { .B = hi - lo, .T = b->T, .tokens = b->tokens + lo * b->T,
	                            .targets = b->targets + lo * b->T };
	enum status_code rc = STATUS_OK;
	train_set_row0(t, lo * b->T);
	if (mine.B > 0)
		rc = train_accumulate(t, &mine, 1.0f / (float)(n ? n : 1), h, st);
	sums[0] = n ? t->loss_sum / (double)n : 0;
	return rc;
}

/* Under mpirun a rank may not stop inside a step while the others go on
 * to the allreduce: the engine is given hooks that log and keep the
 * heartbeat but never abort, and the ranks agree on a stop between steps. */
struct train_loop_quiet {
	struct hooks h;
	const struct hooks *outer;
};

static void train_loop_quiet_log(void *ctx, enum log_level level, const char *msg)
{
	const struct train_loop_quiet *q = ctx;
	if (q->outer && q->outer->log)
		q->outer->log(q->outer->ctx, level, msg);
}

static int train_loop_quiet_abort(void *ctx)
{
	const struct train_loop_quiet *q = ctx;
	(void)hooks_aborted(q->outer);
	return 0;
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

enum status_code train_loop_step(struct train *t, struct dist_sum *sum, float clip,
                                 const struct hooks *h, struct status *st)
{
	if (!dist_sum_sharded(sum)) {
		if (train_step_hooks(t, clip, h) == STATUS_CANCELLED)
			/* the stop reached the loop mid-update: the rest of it first,
			 * so what is saved on the way out is one whole step */
			train_step_finish(t);
		return STATUS_OK;
	}
	size_t n;
	const size_t *spans = dist_sum_owned(sum, &n);
	double sq = dist_add_up(optim_sumsq_spans(&t->opt, t->g, spans, n));
	train_step_spans(t, clip, (float)sqrt(sq), spans, n);
	return dist_sum_share(sum, t->w, st);
}

enum status_code train_loop_share(struct train *t, struct dist_sum *sum, struct status *st)
{
	float *w, *g;
	if (!sum || t->lora || t->params->frozen || !dist_sum_map(sum, &w, &g))
		return STATUS_OK;
	train_place(t, w, g, dist_rank() == 0);
	return dist_sum_mapped(sum, st);
}

void train_loop_unshare(struct train *t, struct dist_sum *sum)
{
	if (dist_sum_shared(sum))
		train_place(t, NULL, NULL, 0);
}

/* A sharded step leaves each rank the optimizer's moments of its own
 * chunks: before a checkpoint every rank gets all of them (rank 0 writes). */
struct train_loop_whole {
	struct dist_sum *sum;
	struct optim *opt;
};

static enum status_code train_loop_whole_optim(void *ctx, struct status *st)
{
	struct train_loop_whole *w = ctx;
	enum status_code rc = dist_sum_share(w->sum, w->opt->m, st);
	return rc == STATUS_OK ? dist_sum_share(w->sum, w->opt->v, st) : rc;
}

enum status_code train_loop_run(struct train_loop *L, struct status *st)
{
	enum status_code rc = STATUS_OK;
	/* LoRA over a base stored in BF16: the base stays BF16 in training,
	 * half its F32 memory, and backward recomputes each layer's activations
	 * instead of keeping them all: what lets a 0.5B model's adapter train in
	 * a few GB */
	int bf16 = L->lora && stage_lora_bf16_base(L->lora->base_path, L->p);
	if (bf16 && (rc = model_params_freeze_bf16(L->p, st)) != STATUS_OK)
		return rc;
	if (L->lora)
		stage_param(L->sg, "lora_base_dtype", "%s", bf16 ? "bf16" : "f32");
	rc = L->lora ? train_init_lora(&L->t, L->p, L->lora, &L->oc, L->seed, st)
	             : train_init(&L->t, L->p, &L->oc, st);
	if (rc != STATUS_OK)
		return rc;
	L->t.pass->recompute = bf16;
	L->have_train = 1;
	if (L->resume && (rc = stage_state_load_optim(L->resume, &L->t.opt, st)) != STATUS_OK)
		return rc;
	if (L->sv)
		L->sv->opt = &L->t.opt;
	stage_progress_start(L->sg, L->step);
	struct train_loop_quiet q = { .h = { .log = train_loop_quiet_log,
	                                     .abort = train_loop_quiet_abort, .ctx = &q },
	                              .outer = L->h };
	const struct hooks *h = dist_size() > 1 ? &q.h : L->h;
	/* under mpirun: each bucket of gradients is summed over the ranks as
	 * soon as the backward pass has completed it */
	struct dist_sum *sum = NULL;
	if (dist_size() > 1 && !(sum = dist_sum_new(L->t.count)))
		rc = status_set(st, STATUS_NOMEM, "out of memory");
	if (rc == STATUS_OK)
		rc = train_loop_share(&L->t, sum, st);
	struct train_loop_whole whole = { sum, &L->t.opt };
	if (L->sv && dist_sum_sharded(sum)) {
		L->sv->whole = train_loop_whole_optim;
		L->sv->whole_ctx = &whole;
	}
	while (rc == STATUS_OK && L->step < L->total) {
		if (dist_any(stage_stopping())) {
			stage_request_stop();
			rc = STATUS_CANCELLED;
			break;
		}
		struct train_batch b = { 0 };
		double sums[2] = { 0, 0 };
		rc = L->fill(L->ctx, L->step, &b, st);
		if (sum) {
			dist_sum_begin(sum, L->t.g);
			/* the backward pass tells which parts of the base's layout are
			 * done; a LoRA adapter's gradients (its own layout) are all
			 * summed by dist_sum_end */
			if (!L->lora)
				L->t.pass->grads = (struct model_grads_hook){ .ready = dist_sum_ready, .ctx = sum };
		}
		if (rc == STATUS_OK)
			rc = L->loss ? L->loss(L->ctx, &L->t, &b, L->step, h, sums, st)
			             : train_loop_lm(&L->t, &b, h, sums, st);
		L->t.pass->grads = (struct model_grads_hook){ 0 };
		if (rc == STATUS_OK && sum)
			rc = dist_sum_end(sum, st);
		if (rc == STATUS_OK)
			rc = dist_sum_doubles(sums, 2, st);
		if (rc != STATUS_OK)
			break;
		if (L->aux_metric)
			stage_metric(L->sg, L->aux_metric, L->step + 1, sums[1]);
		if ((rc = train_loop_step(&L->t, sum, L->clip, h, st)) != STATUS_OK)
			break;
		L->step++;
		rc = train_loop_done(L, sums[0], (double)(b.B * b.T), st);
	}
	if (rc == STATUS_CANCELLED && L->sv)
		stage_save_reached(L->sg, L->sv, L->step);
	if (L->sv) {
		L->sv->whole = NULL;
		L->sv->whole_ctx = NULL;
	}
	train_loop_unshare(&L->t, sum);
	dist_sum_free(sum);
	return rc;
}

void train_loop_free(struct train_loop *L)
{
	if (L->have_train)
		train_free(&L->t);
	L->have_train = 0;
}
