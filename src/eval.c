/* eval: one evaluated model's points, samples and front, generated, stored
 * and printed the same way for the RiC grid and every baseline. */
#include "config.h"

#include "src/eval.h"

#include "src/cli_store.h"
#include "src/dist.h"
#include "src/eval_curve.h"
#include "src/termtext.h"
#include "engine/pareto.h"
#include "engine/rng.h"

#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

int eval_result_alloc(struct eval_result *r, size_t n_pts, size_t N, size_t n_prompts)
{
	memset(r, 0, sizeof *r);
	r->n_pts = n_pts;
	r->N = N;
	r->n_prompts = n_prompts;
	size_t S = n_pts * n_prompts;
	r->pref = calloc(n_pts * N, sizeof *r->pref);
	r->desired = calloc(n_pts * N, sizeof *r->desired);
	r->responses = calloc(S, sizeof *r->responses);
	r->raw = calloc(S * N, sizeof *r->raw);
	r->norm = calloc(S * N, sizeof *r->norm);
	r->raw_mean = calloc(n_pts * N, sizeof *r->raw_mean);
	r->norm_mean = calloc(n_pts * N, sizeof *r->norm_mean);
	r->on_front = calloc(n_pts, 1);
	return r->pref && r->desired && r->responses && r->raw && r->norm && r->raw_mean &&
	       r->norm_mean && r->on_front;
}

void eval_result_free(struct eval_result *r)
{
	for (size_t i = 0; r->responses && i < r->n_pts * r->n_prompts; i++)
		free(r->responses[i]);
	free(r->responses);
	free(r->pref);
	free(r->desired);
	free(r->raw);
	free(r->norm);
	free(r->raw_mean);
	free(r->norm_mean);
	free(r->on_front);
	memset(r, 0, sizeof *r);
}

/* Generates rows [0, n) of prompts (prompt i with targets z + i N, or
 * unconditioned) in batches, writing responses/raw/norm at sample index
 * base + i. Under mpirun each rank generates and scores its share of the
 * rows (dist_span) and every rank ends with all of them: a row's tokens
 * depend on its seed alone (engine/generate.h), so the samples are those of
 * one process. */
enum status_code eval_generate(struct ricgen *g, const struct ricmeta *m, size_t n,
                               const char *const *prompts, const double *z,
                               const uint64_t *seeds, const struct eval_cfg *cfg,
                               struct eval_track *tr, struct eval_result *r, size_t base,
                               struct status *st)
{
	struct generate_params gp = GENERATE_DEFAULTS;
	gp.max_new = (size_t)cfg->max_tokens;
	gp.sampling.temperature = (float)cfg->temperature;
	gp.sampling.top_p = (float)cfg->top_p;
	ricgen_stops_apply(&cfg->stops, &gp);
	struct hooks h = stage_hooks(tr->sg);
	size_t B = (size_t)cfg->batch, N = m->n_obj, lo, hi;
	int64_t done = tr->done;
	double tokens = 0;
	enum status_code c = STATUS_OK;
	dist_span(n, &lo, &hi);
	for (size_t at = lo; c == STATUS_OK && at < hi; at += B) {
		size_t k = hi - at < B ? hi - at : B;
		struct ricgen_batch b = { .n = k, .prompts = prompts + at, .z = z ? z + at * N : NULL,
			                  .seeds = seeds + at };
		/* an image model's PNGs are named by the sample's index in the run:
		 * the same files whichever rank draws them */
		g->image_seq = base + at;
		c = ricgen_run(g, m, &b, &gp, &h, st);
		if (c != STATUS_OK) {
			ricgen_batch_free(&b);
			break;
		}
		for (size_t i = 0; i < k; i++) {
			r->responses[base + at + i] = b.responses[i];
			b.responses[i] = NULL;
		}
		memcpy(r->raw + (base + at) * N, b.raw, k * N * sizeof *b.raw);
		memcpy(r->norm + (base + at) * N, b.norm, k * N * sizeof *b.norm);
		tokens += (double)b.tokens;
		/* the ranks go at about the same pace: rank 0 shows the whole job's */
		tr->done += (int64_t)k * dist_size();
		if (tr->done > done + (int64_t)n)
			tr->done = done + (int64_t)n;
		stage_progress(tr->sg, tr->done, tr->total, NAN, (double)b.tokens * dist_size());
		ricgen_batch_free(&b);
	}
	if (dist_size() > 1) {
		/* a rank that failed or was stopped: every rank learns it here */
		c = dist_first_error(c, st);
		if (c == STATUS_OK)
			c = dist_share_texts(r->responses + base, n, st);
		if (c == STATUS_OK)
			c = dist_share_spans(r->raw + base * N, n, N * sizeof *r->raw, st);
		if (c == STATUS_OK)
			c = dist_share_spans(r->norm + base * N, n, N * sizeof *r->norm, st);
		if (c == STATUS_OK)
			c = dist_sum_doubles(&tokens, 1, st);
		c = dist_first_error(c, st);
		tr->done = done + (int64_t)n;
	}
	r->tokens += (size_t)tokens;
	return c;
}

void eval_means(struct eval_result *r)
{
	size_t N = r->N, P = r->n_prompts;
	for (size_t p = 0; p < r->n_pts; p++)
		for (size_t j = 0; j < N; j++) {
			double sr = 0, sz = 0;
			for (size_t i = 0; i < P; i++) {
				sr += r->raw[(p * P + i) * N + j];
				sz += r->norm[(p * P + i) * N + j];
			}
			r->raw_mean[p * N + j] = sr / (double)P;
			r->norm_mean[p * N + j] = sz / (double)P;
		}
}

/* Front and hypervolume of the point means, raw or normalised (eval.h). */
enum status_code eval_front(struct eval_result *r, const double *ref, uint64_t seed,
                            struct status *st)
{
	const double *m = r->raw_units ? r->raw_mean : r->norm_mean;
	enum status_code c = pareto_front(m, r->n_pts, r->N, r->on_front, NULL, st);
	if (c != STATUS_OK)
		return c;
	r->hv_mc = r->N > PARETO_HV_EXACT_MAX;
	if (!r->hv_mc)
		return pareto_hypervolume(m, r->n_pts, r->N, ref, &r->hv, st);
	struct rng g;
	rng_seed(&g, seed);
	return pareto_hypervolume_mc(m, r->n_pts, r->N, ref, 200000, &g, &r->hv, st);
}

static int eval_store_err(struct status *st, const struct store_err *e)
{
	status_set(st, STATUS_IO, "%s", e->msg);
	return 1;
}

/* Point p of a result and its samples under run, in one transaction of
 * their own: the main run stores each point as it is measured, so ric-tui's
 * Front screen fills in while the evaluation runs. */
enum status_code eval_record_point(struct store *s, store_id run, const struct eval_result *r,
                                   const char *const *prompts, size_t p, store_id *id,
                                   struct status *st)
{
	struct store_err e;
	size_t N = r->N, P = r->n_prompts;
	if (dist_rank() > 0) /* rank 0 alone writes the store */
		return STATUS_OK;
	struct store_sample *smp = calloc(P ? P : 1, sizeof *smp);
	if (!smp)
		return status_set(st, STATUS_NOMEM, "out of memory");
	enum status_code c = STATUS_OK;
	if (store_begin(s, &e) != STORE_OK) {
		free(smp);
		return eval_store_err(st, &e) ? STATUS_IO : STATUS_OK;
	}
	struct store_point pt = { .run = run, .n = (int)N, .n_samples = (int64_t)P };
	memcpy(pt.preference, r->pref + p * N, N * sizeof(double));
	memcpy(pt.raw_mean, r->raw_mean + p * N, N * sizeof(double));
	memcpy(pt.norm_mean, r->norm_mean + p * N, N * sizeof(double));
	if (id && store_point_add(s, &pt, id, &e) != STORE_OK)
		c = eval_store_err(st, &e) ? STATUS_IO : STATUS_OK;
	for (size_t i = 0; c == STATUS_OK && i < P; i++) {
		struct store_sample *x = &smp[i];
		x->run = run;
		x->iteration = 0;
		x->point = id ? *id : 0;
		x->prompt = prompts[i];
		x->response = r->responses[p * P + i];
		x->n = (int)N;
		x->kept = -1;
		memcpy(x->preference, r->pref + p * N, N * sizeof(double));
		memcpy(x->desired, r->desired + p * N, N * sizeof(double));
		memcpy(x->raw, r->raw + (p * P + i) * N, N * sizeof(double));
		memcpy(x->norm, r->norm + (p * P + i) * N, N * sizeof(double));
	}
	if (c == STATUS_OK && store_samples_add(s, smp, P, NULL, &e) != STORE_OK)
		c = eval_store_err(st, &e) ? STATUS_IO : STATUS_OK;
	if (c == STATUS_OK && store_commit(s, &e) != STORE_OK)
		c = eval_store_err(st, &e) ? STATUS_IO : STATUS_OK;
	if (c != STATUS_OK)
		store_rollback(s);
	free(smp);
	return c;
}

/* The front of a result whose points are stored under ids. */
enum status_code eval_record_front(struct store *s, store_id run, const struct eval_result *r,
                                   const store_id *ids, const double *ref,
                                   const char *front_name, struct status *st)
{
	struct store_err e;
	if (dist_rank() > 0)
		return STATUS_OK;
	store_id *front = calloc(r->n_pts ? r->n_pts : 1, sizeof *front);
	if (!front)
		return status_set(st, STATUS_NOMEM, "out of memory");
	size_t n_front = 0;
	for (size_t p = 0; p < r->n_pts; p++)
		if (r->on_front[p])
			front[n_front++] = ids[p];
	struct store_front f = { .run = run, .name = front_name, .hypervolume = r->hv,
		                 .n = (int)r->N };
	memcpy(f.reference, ref, r->N * sizeof(double));
	enum status_code c = STATUS_OK;
	if (store_front_add(s, &f, front, n_front, NULL, &e) != STORE_OK)
		c = eval_store_err(st, &e) ? STATUS_IO : STATUS_OK;
	free(front);
	return c;
}

/* Points, samples and the front of one result under run, in one transaction. */
enum status_code eval_record(struct store *s, store_id run, const struct eval_result *r,
                             const char *const *prompts, const double *ref,
                             const char *front_name, struct status *st)
{
	struct store_err e;
	if (dist_rank() > 0)
		return STATUS_OK;
	store_id *ids = calloc(r->n_pts ? r->n_pts : 1, sizeof *ids);
	if (!ids)
		return status_set(st, STATUS_NOMEM, "out of memory");
	enum status_code c = STATUS_OK;
	if (store_begin(s, &e) != STORE_OK)
		c = eval_store_err(st, &e) ? STATUS_IO : STATUS_OK;
	int begun = c == STATUS_OK;
	for (size_t p = 0; c == STATUS_OK && p < r->n_pts; p++)
		c = eval_record_point(s, run, r, prompts, p, &ids[p], st);
	if (c == STATUS_OK)
		c = eval_record_front(s, run, r, ids, ref, front_name, st);
	if (begun) {
		if (c == STATUS_OK && store_commit(s, &e) != STORE_OK)
			c = eval_store_err(st, &e) ? STATUS_IO : STATUS_OK;
		if (c != STATUS_OK)
			store_rollback(s);
	}
	free(ids);
	return c;
}

void eval_param(struct store *s, store_id run, const char *key, const char *fmt, ...)
{
	char v[1024];
	va_list ap;
	if (dist_rank() > 0)
		return;
	va_start(ap, fmt);
	vsnprintf(v, sizeof v, fmt, ap);
	va_end(ap);
	store_param_set(s, run, key, v, NULL);
}

void eval_vec(char *buf, size_t cap, const double *v, size_t n)
{
	cli_store_vec_text(buf, cap, v, (int)n);
}

void eval_common_params(struct store *s, store_id run, const struct eval_cfg *cfg,
                        const struct ricmeta *m, const double *ref, size_t N,
                        size_t n_prompts)
{
	char vec[512];
	/* The objectives and the stats the normalised means are in: ric front
	 * compares hypervolumes only where these agree. */
	for (size_t i = 0; i < m->n_obj; i++) {
		char key[64];
		snprintf(key, sizeof key, "objective%zu", i + 1);
		eval_param(s, run, key, "%s=%s mu=%.17g sigma=%.17g lo=%.17g hi=%.17g", m->obj[i].name,
		           m->obj[i].reward, m->obj[i].mu, m->obj[i].sigma, m->obj[i].lo,
		           m->obj[i].hi);
	}
	eval_param(s, run, "dataset", "%s", cfg->dataset);
	eval_param(s, run, "split", "%s", cfg->split);
	eval_param(s, run, "prompts", "%zu", n_prompts);
	eval_param(s, run, "seed", "%.0f", cfg->seed);
	if (cfg->image) { /* pictures by DDIM: no tokens, temperature or stops */
		eval_param(s, run, "ddim_steps", "%g", cfg->ddim_steps);
		eval_param(s, run, "guidance", "%g", cfg->guidance);
		eval_param(s, run, "seeds", "image i of a point from noise seeded %.0f + i", cfg->seed);
	} else {
		eval_param(s, run, "max_tokens", "%.0f", cfg->max_tokens);
		eval_param(s, run, "temperature", "%g", cfg->temperature);
		eval_param(s, run, "top_p", "%g", cfg->top_p);
		eval_param(s, run, "weights", "%s",
		           decoder_dtype_name((enum decoder_dtype)cfg->weights));
		char *stops = ricgen_stops_text(&cfg->stops);
		eval_param(s, run, "stop", "%s", stops ? stops : "?");
		free(stops);
	}
	eval_vec(vec, sizeof vec, ref, N);
	eval_param(s, run, "reference", "%s", vec);
	eval_param(s, run, "units", "%s", cfg->units);
}

enum status_code eval_image_dir(struct eval_ctx *x, store_id run, struct ricgen *g,
                                struct status *st)
{
	if (!g->image)
		return STATUS_OK;
	char *d = x->image_dir;
	struct store_err e;
	if (store_run_files_dir(x->sg.store, run, d, sizeof x->image_dir) != 0)
		return status_set(st, STATUS_UNSUPPORTED, "an image model's eval saves its images beside "
		                  "the store: give a store file, not an in-memory one");
	if (store_run_files_make(x->sg.store, run, d, sizeof x->image_dir, &e) != STORE_OK)
		return status_set(st, STATUS_IO, "%s", e.msg);
	g->image_dir = d;
	g->image_seq = 0;
	g->image_steps = (size_t)x->cfg.ddim_steps;
	g->guidance = x->cfg.guidance;
	eval_param(x->sg.store, run, "images", "%s", d);
	return STATUS_OK;
}

store_id eval_new_run(struct store *s, const char *name, store_id parent,
                      struct status *st)
{
	store_id run = 0;
	struct store_err e;
	enum status_code c = STATUS_OK;
	/* rank 0 makes it; the other ranks learn its id, or why there is none */
	if (dist_rank() == 0 && store_run_create(s, "eval", name, parent, &run, &e) != STORE_OK)
		c = status_set(st, STATUS_IO, "%s", e.msg);
	c = dist_first_error(c, st);
	if (c == STATUS_OK && dist_bcast(&run, sizeof run, st) != STATUS_OK)
		return 0;
	return c == STATUS_OK ? run : 0;
}

void eval_run_finish(struct store *s, store_id run, enum status_code c, const char *error)
{
	if (dist_rank() > 0)
		return;
	store_run_finish(s, run, c == STATUS_OK ? "done" : stage_stopping() ? "cancelled" : "failed",
	                 c == STATUS_OK ? NULL : error, NULL);
}

void eval_print(const char *title, store_id run, const struct eval_result *r,
                const struct ricmeta *m, const double *ref, const char *how, int show_pref)
{
	char vec[512];
	eval_vec(vec, sizeof vec, ref, r->N);
	termtext_printf(stdout, "%s: run %lld, %zu point%s x %zu prompts, hypervolume %.4f%s "
	                "(reference %s); %s\n", title, (long long)run, r->n_pts,
	                r->n_pts == 1 ? "" : "s", r->n_prompts, r->hv,
	                r->hv_mc ? " (Monte Carlo)" : "", vec, how);
	termtext_printf(stdout, "  %-16s", show_pref ? "preference" : "");
	for (size_t j = 0; j < r->N; j++)
		termtext_printf(stdout, " %12.12s", m->obj[j].name);
	for (size_t j = 0; j < r->N; j++)
		termtext_printf(stdout, " %10.10s", "z");
	termtext_printf(stdout, "  front\n");
	for (size_t p = 0; p < r->n_pts; p++) {
		eval_vec(vec, sizeof vec, r->pref + p * r->N, r->N);
		termtext_printf(stdout, "  %-16s", show_pref ? vec : "-");
		for (size_t j = 0; j < r->N; j++)
			termtext_printf(stdout, " %12.4g", r->raw_mean[p * r->N + j]);
		for (size_t j = 0; j < r->N; j++)
			termtext_printf(stdout, " %10.3f", r->norm_mean[p * r->N + j]);
		termtext_printf(stdout, "  %s\n", r->on_front[p] ? "*" : "");
	}
}

void eval_progress(const char *what, size_t i, size_t n, const struct eval_result *r,
                   size_t p)
{
	if (dist_rank() > 0) /* rank 0 speaks for the job */
		return;
	termtext_printf(stderr, "ric eval: %s %zu/%zu: mean z", what, i, n);
	for (size_t j = 0; j < r->N; j++)
		termtext_printf(stderr, " %.3f", r->norm_mean[p * r->N + j]);
	fputc('\n', stderr);
}

void eval_range_params(struct eval_ctx *x, store_id run)
{
	char vec[512];
	struct store *s = x->sg.store;
	eval_param(s, run, "preset", "%s", x->cfg.preset);
	eval_param(s, run, "mapping", "%s", x->map_name);
	eval_param(s, run, "range", "%s", x->cfg.range);
	eval_vec(vec, sizeof vec, x->lo, x->N);
	eval_param(s, run, "range_lo", "%s", vec);
	eval_vec(vec, sizeof vec, x->hi, x->N);
	eval_param(s, run, "range_hi", "%s", vec);
}

enum status_code eval_trend(struct eval_ctx *x, store_id run, const struct eval_result *r,
                            struct status *st)
{
	struct eval_curve cv[STORE_MAX_OBJ];
	const char *names[STORE_MAX_OBJ];
	for (size_t j = 0; j < x->N; j++)
		names[j] = x->g.meta.obj[j].name;
	enum status_code c = eval_weight_curves(r, x->cfg.step, cv, st);
	if (c != STATUS_OK)
		return c;
	char title[256];
	snprintf(title, sizeof title, "run %lld: obtained %s against each objective's weight (mean "
	         "+-SE of the samples at that weight; follows: rises > 2 SE from the lowest "
	         "weight to the highest, monotone within 2 SE):", (long long)run,
	         r->raw_units ? "raw reward" : "z");
	eval_curves_print(title, names, cv, x->N);
	if (dist_rank() == 0) /* rank 0 alone writes the store */
		c = eval_curves_record(x->sg.store, run, "weight", names, cv, x->N, st);
	for (size_t j = 0; j < x->N; j++)
		eval_curve_free(&cv[j]);
	return dist_first_error(c, st); /* rank 0 wrote them */
}
