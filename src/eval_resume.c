/* eval_resume: a resumed `ric eval` job (ric job resume) continues where the
 * interrupted run stopped instead of generating its points again. The job's
 * new run links to the run it continues (resumed_from, set when the job
 * starts); the points that run finished with the same settings are taken
 * with their samples, copied into the new run (which stands on its own:
 * its front and curves are over every point) and counted as done, so the
 * progress goes on from there. Generation is seeded per prompt, so a taken
 * point is the point this run would have generated. */
#include "config.h"

#include "src/eval.h"

#include "src/dist.h"
#include "src/termtext.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct resume_run {
	store_id from;
	int is_eval;
};

static int resume_run_seen(void *ctx, const struct store_run *r)
{
	struct resume_run *rr = ctx;
	rr->from = r->resumed_from;
	return 0;
}

static int resume_stage_seen(void *ctx, const struct store_run *r)
{
	struct resume_run *rr = ctx;
	rr->is_eval = r->stage && strcmp(r->stage, "eval") == 0;
	return 0;
}

/* The old run's parameters; each parameter of the new run must be among
 * them with the same value. */
struct resume_params {
	char **kv; /* key, value, key, value, ... */
	size_t n, cap;
	int oom, differ;
	char key[128];
};

static int resume_param_seen(void *ctx, const char *key, const char *value)
{
	struct resume_params *p = ctx;
	if (p->n + 2 > p->cap) {
		size_t cap = p->cap ? 2 * p->cap : 64;
		char **kv = realloc(p->kv, cap * sizeof *kv);
		if (!kv) {
			p->oom = 1;
			return 1;
		}
		p->kv = kv;
		p->cap = cap;
	}
	p->kv[p->n] = strdup(key);
	p->kv[p->n + 1] = strdup(value);
	p->n += 2;
	if (!p->kv[p->n - 2] || !p->kv[p->n - 1]) {
		p->oom = 1;
		return 1;
	}
	return 0;
}

static int resume_param_check(void *ctx, const char *key, const char *value)
{
	struct resume_params *p = ctx;
	if (strcmp(key, "tokens") == 0) /* written when a run ends, counts this run's own */
		return 0;
	for (size_t i = 0; i < p->n; i += 2)
		if (strcmp(p->kv[i], key) == 0 && strcmp(p->kv[i + 1], value) == 0)
			return 0;
	p->differ = 1;
	snprintf(p->key, sizeof p->key, "%s", key);
	return 1;
}

static void resume_params_free(struct resume_params *p)
{
	for (size_t i = 0; i < p->n; i++)
		free(p->kv[i]);
	free(p->kv);
}

/* The old run's points, in order, and its samples by point. */
struct resume_points {
	struct store_point *v;
	size_t n, cap;
	int oom;
};

static int resume_point_seen(void *ctx, const struct store_point *pt)
{
	struct resume_points *rp = ctx;
	if (rp->n == rp->cap) {
		size_t cap = rp->cap ? 2 * rp->cap : 16;
		struct store_point *v = realloc(rp->v, cap * sizeof *v);
		if (!v) {
			rp->oom = 1;
			return 1;
		}
		rp->v = v;
		rp->cap = cap;
	}
	rp->v[rp->n++] = *pt;
	return 0;
}

struct resume_samples {
	const struct resume_points *pts;
	size_t n_take;                /* points that may be taken (the first ones) */
	size_t *got;                  /* samples seen per point */
	int *bad;                     /* point whose samples do not fit */
	struct eval_result *res;
	const char *const *prompts;
	int oom;
};

static int resume_sample_seen(void *ctx, const struct store_sample *smp)
{
	struct resume_samples *rs = ctx;
	size_t p = 0;
	while (p < rs->n_take && rs->pts->v[p].id != smp->point)
		p++;
	if (p == rs->n_take || rs->bad[p])
		return 0;
	size_t N = rs->res->N, P = rs->res->n_prompts, i = rs->got[p]++;
	if (i >= P || smp->n != (int)N || !smp->prompt || !smp->response ||
	    strcmp(smp->prompt, rs->prompts[i]) != 0) {
		rs->bad[p] = 1;
		return 0;
	}
	size_t k = p * P + i;
	free(rs->res->responses[k]);
	if (!(rs->res->responses[k] = strdup(smp->response))) {
		rs->oom = 1;
		return 1;
	}
	memcpy(rs->res->raw + k * N, smp->raw, N * sizeof(double));
	memcpy(rs->res->norm + k * N, smp->norm, N * sizeof(double));
	return 0;
}

static int resume_same_pref(const double *a, const double *b, size_t N)
{
	for (size_t j = 0; j < N; j++)
		if (fabs(a[j] - b[j]) > 1e-9)
			return 0;
	return 1;
}

size_t eval_resume_points(struct eval_ctx *x, struct eval_result *res)
{
	struct store *s = x->sg.store;
	/* under mpirun every rank would have to read the same: it starts over */
	if (!s || x->g.image || dist_size() > 1 || !stage_writes(&x->sg))
		return 0;
	struct resume_run rr = { 0 };
	if (store_run_get(s, x->run, resume_run_seen, &rr, NULL) != STORE_OK || rr.from <= 0 ||
	    store_run_get(s, rr.from, resume_stage_seen, &rr, NULL) != STORE_OK || !rr.is_eval)
		return 0;
	struct resume_params pa = { 0 };
	if (store_params_each(s, rr.from, resume_param_seen, &pa, NULL) != STORE_OK || pa.oom ||
	    store_params_each(s, x->run, resume_param_check, &pa, NULL) != STORE_OK || pa.differ) {
		if (pa.differ)
			stage_say(&x->sg, "run %lld was made with another %s: every point is generated "
			          "again", (long long)rr.from, pa.key);
		resume_params_free(&pa);
		return 0;
	}
	resume_params_free(&pa);
	struct resume_points rp = { 0 };
	size_t N = x->N, P = x->P, n_take = 0;
	if (store_points_each(s, rr.from, resume_point_seen, &rp, NULL) != STORE_OK || rp.oom) {
		free(rp.v);
		return 0;
	}
	/* The first points, in grid order, each with all its prompts. */
	while (n_take < rp.n && n_take < x->n_pts && rp.v[n_take].n == (int)N &&
	       rp.v[n_take].n_samples == (int64_t)P &&
	       resume_same_pref(rp.v[n_take].preference, x->grid + n_take * N, N))
		n_take++;
	size_t *got = calloc(n_take ? n_take : 1, sizeof *got);
	int *bad = calloc(n_take ? n_take : 1, sizeof *bad);
	struct resume_samples rs = { .pts = &rp, .n_take = n_take, .got = got, .bad = bad,
		                     .res = res, .prompts = (const char *const *)x->pr.v };
	if (!got || !bad || (n_take &&
	    (store_samples_each(s, rr.from, resume_sample_seen, &rs, NULL) != STORE_OK || rs.oom)))
		n_take = 0;
	size_t n = 0;
	while (n < n_take && !bad[n] && got[n] == P)
		n++;
	/* what is not taken is generated again: no half-taken point stays behind */
	for (size_t k = n * P; k < n_take * P; k++) {
		free(res->responses[k]);
		res->responses[k] = NULL;
	}
	free(got);
	free(bad);
	free(rp.v);
	if (n > 0)
		stage_say(&x->sg, "continuing run %lld: %zu of %zu points taken from it",
		          (long long)rr.from, n, x->n_pts);
	return n;
}
