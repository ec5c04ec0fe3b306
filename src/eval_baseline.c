/* eval_baseline: what `ric eval` measures RiC against, on the same prompts,
 * seeds and grid, each as an eval run of its own under the RiC run:
 *   sft:DIR              DIR unconditioned (prompt + marker): one point
 *   best-of-n:K          the RiC policy at the centre preference, K samples
 *                        per prompt, reranked per grid point by w . z
 *   sft-best-of-n:K:DIR  the same over the unconditioned model in DIR
 *   soups                Rewarded Soups: --experts (one fine-tune per
 *                        objective) mixed in weight space per grid point
 */
#include "config.h"

#include "src/eval.h"

#include "src/dist.h"
#include "src/paths.h"
#include "src/termtext.h"
#include "engine/soup.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

enum eval_kind { EVAL_SFT, EVAL_BEST_OF_N, EVAL_SFT_BEST_OF_N, EVAL_SOUPS };

struct eval_spec {
	enum eval_kind kind;
	size_t K;          /* best-of-n */
	const char *dir;   /* sft:, sft-best-of-n: */
};

/* 0, or -1 with why set. */
static int eval_spec_parse(const char *spec, struct eval_spec *o, char *why, size_t cap)
{
	memset(o, 0, sizeof *o);
	const char *k = NULL;
	if (strncmp(spec, "sft:", 4) == 0) {
		o->kind = EVAL_SFT;
		o->dir = spec + 4;
	} else if (strncmp(spec, "best-of-n:", 10) == 0) {
		o->kind = EVAL_BEST_OF_N;
		k = spec + 10;
	} else if (strncmp(spec, "sft-best-of-n:", 14) == 0) {
		o->kind = EVAL_SFT_BEST_OF_N;
		k = spec + 14;
	} else if (strcmp(spec, "soups") == 0) {
		o->kind = EVAL_SOUPS;
	} else {
		snprintf(why, cap, "--baseline wants sft:DIR, best-of-n:K, sft-best-of-n:K:DIR or "
		         "soups, not '%s'", spec);
		return -1;
	}
	if (o->kind == EVAL_SFT && !o->dir[0]) {
		snprintf(why, cap, "--baseline sft: wants a model folder");
		return -1;
	}
	if (k) {
		char *end;
		long v = strtol(k, &end, 10);
		if (end == k || v < 1 || v > 1024 || (o->kind == EVAL_BEST_OF_N ? *end != '\0' : *end != ':')) {
			snprintf(why, cap, "%s wants K in 1..1024%s, not '%s'",
			         o->kind == EVAL_BEST_OF_N ? "best-of-n" : "sft-best-of-n",
			         o->kind == EVAL_BEST_OF_N ? "" : " then :DIR", k);
			return -1;
		}
		o->K = (size_t)v;
		if (o->kind == EVAL_SFT_BEST_OF_N) {
			o->dir = end + 1;
			if (!o->dir[0]) {
				snprintf(why, cap, "sft-best-of-n:%ld: wants the SFT model's folder", v);
				return -1;
			}
		}
	}
	return 0;
}

int eval_baseline_check(const struct eval_cfg *cfg, const char *spec)
{
	struct eval_spec o;
	char why[512];
	if (eval_spec_parse(spec, &o, why, sizeof why) != 0)
		return cli_bad_usage(cli_find("eval"), "%s", why);
	if (o.kind == EVAL_SOUPS && !cfg->experts)
		return cli_bad_usage(cli_find("eval"), "--baseline soups wants --experts DIR,DIR,... "
		                     "(one fine-tune per objective: ric sft --expert NAME)");
	return CLI_OK;
}

size_t eval_baseline_cost(const char *spec, size_t n_pts)
{
	struct eval_spec o;
	char why[512];
	if (eval_spec_parse(spec, &o, why, sizeof why) != 0)
		return 0;
	return o.kind == EVAL_SFT ? 1 : o.kind == EVAL_SOUPS ? n_pts : o.K;
}

/* A model other than the RiC one, scored with the RiC model's objectives;
 * loaded for decoding only unless its parameters are to be mixed (soups).
 * An image model's other model is an image model, its pictures saved in
 * run's folder. */
static enum status_code eval_open_other(struct eval_ctx *x, const char *dir, int mixed,
                                        store_id run, struct ricgen *g, struct status *st)
{
	enum decoder_dtype dt = (enum decoder_dtype)x->cfg.weights;
	enum status_code c = x->g.image ? ricgen_open_any(g, dir, 0, DECODER_F32, st)
	                     : mixed    ? ricgen_open(g, dir, 0, st)
	                                : ricgen_open_decoding(g, dir, 0, dt, st);
	int opened = c == STATUS_OK;
	if (c == STATUS_OK && !g->image != !x->g.image)
		c = status_set(st, STATUS_INVALID, "%s is a text model, %s an image model: a baseline "
		               "is a model of the RiC model's kind", g->image ? x->cfg.model : dir,
		               g->image ? dir : x->cfg.model);
	if (c == STATUS_OK)
		c = ricgen_open_rewards(g, &x->g.meta, paths_datadir(), &x->trust, st);
	if (c == STATUS_OK && mixed && !g->image)
		c = ricgen_set_weights(g, dt, st);
	if (c == STATUS_OK)
		c = eval_image_dir(x, run, g, st);
	/* a rank that cannot open it: every rank stops here with its error */
	c = dist_first_error(c, st);
	if (c != STATUS_OK && opened)
		ricgen_close(g);
	return c;
}

/* sft:DIR: one point. */
static enum status_code eval_sft(struct eval_ctx *x, const char *dir, store_id run,
                                 struct eval_result *r, struct status *st)
{
	struct ricgen sg;
	enum status_code c = eval_open_other(x, dir, 0, run, &sg, st);
	if (c != STATUS_OK)
		return c;
	if (!eval_result_alloc(r, 1, x->N, x->P))
		c = status_set(st, STATUS_NOMEM, "out of memory");
	if (c == STATUS_OK)
		c = eval_generate(&sg, &x->g.meta, x->P, (const char *const *)x->pr.v, NULL, x->seeds,
		                  &x->cfg, &x->tr, r, 0, st);
	ricgen_close(&sg);
	return c;
}

/* K samples per prompt from g (conditioned on the centre preference's
 * targets, or unconditioned), then per grid point the sample with the
 * largest w . z. */
static enum status_code eval_best_of_n(struct eval_ctx *x, struct ricgen *g, int conditioned,
                                       size_t K, struct eval_result *r, struct status *st)
{
	const struct eval_cfg *cfg = &x->cfg;
	char **prompts = x->pr.v;
	const double *grid = x->grid;
	size_t N = x->N, P = x->P, n_pts = x->n_pts, S = P * K;
	struct eval_result pool;
	double centre[STORE_MAX_OBJ], t[STORE_MAX_OBJ] = { 0 };
	for (size_t j = 0; j < N; j++)
		centre[j] = 1.0 / (double)N;
	enum status_code c = conditioned ? mapping_spec_targets(&x->map, centre, N, x->lo, x->hi,
	                                                        MAPPING_NORMALISE, t, st)
	                                 : STATUS_OK;
	if (c != STATUS_OK)
		return c;
	if (!eval_result_alloc(&pool, 1, N, S) || !eval_result_alloc(r, n_pts, N, P)) {
		eval_result_free(&pool);
		return status_set(st, STATUS_NOMEM, "out of memory");
	}
	const char **pp = calloc(S, sizeof *pp);
	double *z = calloc(S * N, sizeof *z);
	uint64_t *seeds = calloc(S, sizeof *seeds);
	if (!pp || !z || !seeds)
		c = status_set(st, STATUS_NOMEM, "out of memory");
	for (size_t i = 0; c == STATUS_OK && i < S; i++) {
		pp[i] = prompts[i / K];
		memcpy(z + i * N, t, N * sizeof *t);
		seeds[i] = (uint64_t)cfg->seed + 1000003u * (i % K) + i / K;
	}
	if (c == STATUS_OK)
		c = eval_generate(g, &x->g.meta, S, pp, conditioned ? z : NULL, seeds, cfg, &x->tr,
		                  &pool, 0, st);
	r->tokens = pool.tokens;
	for (size_t p = 0; c == STATUS_OK && p < n_pts; p++) {
		const double *w = grid + p * N;
		memcpy(r->pref + p * N, w, N * sizeof *w);
		memcpy(r->desired + p * N, t, N * sizeof *t);
		for (size_t i = 0; i < P; i++) {
			size_t best = 0;
			double best_v = -INFINITY;
			for (size_t k = 0; k < K; k++) {
				double v = 0;
				for (size_t j = 0; j < N; j++)
					v += w[j] * pool.norm[(i * K + k) * N + j];
				if (v > best_v) {
					best_v = v;
					best = i * K + k;
				}
			}
			size_t at = p * P + i;
			r->responses[at] = strdup(pool.responses[best]);
			if (!r->responses[at]) {
				c = status_set(st, STATUS_NOMEM, "out of memory");
				break;
			}
			memcpy(r->raw + at * N, pool.raw + best * N, N * sizeof(double));
			memcpy(r->norm + at * N, pool.norm + best * N, N * sizeof(double));
		}
	}
	free(pp);
	free(z);
	free(seeds);
	eval_result_free(&pool);
	return c;
}

/* ---- Rewarded Soups ------------------------------------------------------------ */

struct eval_experts {
	size_t n;
	char *list;            /* --experts, cut at the commas */
	const char *dir[STORE_MAX_OBJ];
	struct ricgen g[STORE_MAX_OBJ];
	size_t opened;
	size_t of[STORE_MAX_OBJ]; /* of[j]: the expert for objective j */
};

static void eval_experts_free(struct eval_experts *e)
{
	for (size_t i = 0; i < e->opened; i++)
		ricgen_close(&e->g[i]);
	free(e->list);
}

/* The objective an expert's ric.json names (ric sft --expert), or NULL. */
static const char *eval_expert_of(const struct ricgen *g)
{
	json_t *v = g->has_meta && g->meta.extra ? json_object_get(g->meta.extra, "expert") : NULL;
	return json_is_string(v) ? json_string_value(v) : NULL;
}

/* Opens --experts and pairs them with the RiC model's objectives: by the
 * objective each names, or, when none names one, in the order given. */
static enum status_code eval_experts_open(struct eval_ctx *x, struct eval_experts *e,
                                          struct status *st)
{
	size_t N = x->N;
	if (!(e->list = strdup(x->cfg.experts)))
		return status_set(st, STATUS_NOMEM, "out of memory");
	for (char *p = e->list, *q; p; p = q) {
		if ((q = strchr(p, ',')))
			*q++ = '\0';
		if (e->n == STORE_MAX_OBJ || !*p)
			return status_set(st, STATUS_INVALID, "--experts '%s': %s", x->cfg.experts,
			                  *p ? "too many folders" : "an empty folder name");
		e->dir[e->n++] = p;
	}
	if (e->n != N)
		return status_set(st, STATUS_INVALID, "--experts names %zu model%s; the RiC model has %zu "
		                  "objectives: one expert per objective (ric sft --expert NAME)", e->n,
		                  e->n == 1 ? "" : "s", N);
	for (; e->opened < e->n; e->opened++) {
		struct ricgen *g = &e->g[e->opened];
		if ((x->g.image ? ricgen_open_any(g, e->dir[e->opened], 0, DECODER_F32, st)
		                : ricgen_open(g, e->dir[e->opened], 0, st)) != STATUS_OK)
			return st->code;
		if (!g->image != !x->g.image) {
			e->opened++;
			return status_set(st, STATUS_INVALID, "expert %s is %s model; %s is %s one",
			                  e->dir[e->opened - 1], g->image ? "an image" : "a text",
			                  x->cfg.model, x->g.image ? "an image" : "a text");
		}
		if (e->opened && soup_check(&e->g[0].p, &e->g[e->opened].p, st) != STATUS_OK) {
			status_prefix(st, "experts %s and %s", e->dir[0], e->dir[e->opened]);
			return st->code;
		}
	}
	size_t named = 0;
	for (size_t i = 0; i < e->n; i++)
		named += eval_expert_of(&e->g[i]) != NULL;
	if (named == 0) {
		for (size_t j = 0; j < N; j++)
			e->of[j] = j;
		if (dist_rank() == 0)
			termtext_printf(stderr, "ric eval: the experts name no objective (not trained with ric "
		                "sft --expert): taken in objective order\n");
		return STATUS_OK;
	}
	if (named != e->n)
		return status_set(st, STATUS_INVALID, "--experts: some name their objective in ric.json "
		                  "and some do not; give experts of ric sft --expert");
	for (size_t j = 0; j < N; j++)
		e->of[j] = SIZE_MAX;
	for (size_t i = 0; i < e->n; i++) {
		const char *name = eval_expert_of(&e->g[i]);
		size_t j = 0;
		while (j < N && strcmp(x->g.meta.obj[j].name, name) != 0)
			j++;
		if (j == N)
			return status_set(st, STATUS_INVALID, "%s is an expert for '%s', which %s does not "
			                  "have", e->dir[i], name, x->cfg.model);
		if (e->of[j] != SIZE_MAX)
			return status_set(st, STATUS_INVALID, "%s and %s are both experts for '%s'",
			                  e->dir[e->of[j]], e->dir[i], name);
		e->of[j] = i;
	}
	return STATUS_OK;
}

/* soups: per grid point w, the experts mixed as sum_j w_j theta_j, then the
 * prompts unconditioned (prompt + marker), as the experts were trained. */
static enum status_code eval_soups(struct eval_ctx *x, store_id run, struct eval_result *r,
                                   struct status *st)
{
	size_t N = x->N, P = x->P;
	struct eval_experts e = { 0 };
	struct ricgen mix;
	int mix_open = 0;
	enum status_code c = dist_first_error(eval_experts_open(x, &e, st), st);
	/* The soup decodes in a model of its own, so every expert stays intact. */
	if (c == STATUS_OK && (c = eval_open_other(x, e.dir[0], 1, run, &mix, st)) == STATUS_OK)
		mix_open = 1;
	const struct model_params *in[STORE_MAX_OBJ];
	for (size_t j = 0; c == STATUS_OK && j < N; j++) {
		in[j] = &e.g[e.of[j]].p;
		char key[32];
		snprintf(key, sizeof key, "expert%zu", j + 1);
		eval_param(x->sg.store, run, key, "%s=%s", x->g.meta.obj[j].name, e.dir[e.of[j]]);
	}
	if (c == STATUS_OK && !eval_result_alloc(r, x->n_pts, N, P))
		c = status_set(st, STATUS_NOMEM, "out of memory");
	for (size_t p = 0; c == STATUS_OK && p < x->n_pts; p++) {
		memcpy(r->pref + p * N, x->grid + p * N, N * sizeof *x->grid);
		c = soup_mix(&mix.p, in, x->grid + p * N, N, st);
		if (c == STATUS_OK && !mix.image) /* an image model samples from mix.p itself */
			c = ricgen_set_weights(&mix, (enum decoder_dtype)x->cfg.weights, st);
		if (c == STATUS_OK)
			c = eval_generate(&mix, &x->g.meta, P, (const char *const *)x->pr.v, NULL, x->seeds,
			                  &x->cfg, &x->tr, r, p * P, st);
		if (c == STATUS_OK) {
			eval_means(r);
			eval_progress("soup", p + 1, x->n_pts, r, p);
		}
	}
	if (mix_open)
		ricgen_close(&mix);
	eval_experts_free(&e);
	return c;
}

/* ---- one baseline run ----------------------------------------------------------- */

enum status_code eval_baseline(struct eval_ctx *x, size_t b, struct status *st)
{
	const char *spec = x->cfg.baselines[b];
	struct store *s = x->sg.store;
	struct eval_result br = { 0 };
	struct eval_spec o;
	char why[512];
	if (eval_spec_parse(spec, &o, why, sizeof why) != 0)
		return status_set(st, STATUS_INVALID, "%s", why);
	/* Named after their run, so fronts and legends say what they are. */
	char bname[512], how[sizeof x->how];
	size_t bl = (size_t)(x->cfg.name ? snprintf(bname, sizeof bname, "%s-", x->cfg.name)
	                                 : snprintf(bname, sizeof bname, "eval-%lld-",
	                                            (long long)x->run));
	bl = bl < sizeof bname ? bl : sizeof bname - 1;
	switch (o.kind) {
	case EVAL_SFT: snprintf(bname + bl, sizeof bname - bl, "sft"); break;
	case EVAL_BEST_OF_N: snprintf(bname + bl, sizeof bname - bl, "best-of-%zu", o.K); break;
	case EVAL_SFT_BEST_OF_N: snprintf(bname + bl, sizeof bname - bl, "sft-best-of-%zu", o.K); break;
	case EVAL_SOUPS: snprintf(bname + bl, sizeof bname - bl, "soups"); break;
	}
	store_id brun = eval_new_run(s, bname, x->run, st);
	if (!brun)
		return st->code;
	eval_param(s, brun, "baseline", "%s", spec);
	eval_common_params(s, brun, &x->cfg, &x->g.meta, x->ref, x->N, x->P);
	snprintf(how, sizeof how, "unconditioned, %s units", x->cfg.units);
	const char *uncond = x->g.image ? "no (the null condition)" : "no (prompt + marker)";
	enum status_code c = STATUS_OK;
	if (x->g.image && (o.kind == EVAL_BEST_OF_N || o.kind == EVAL_SFT_BEST_OF_N))
		eval_param(s, brun, "seeds", "sample k of image i from noise seeded %.0f + 1000003 k + i",
		           x->cfg.seed);
	switch (o.kind) {
	case EVAL_SFT:
		eval_param(s, brun, "model", "%s", o.dir);
		eval_param(s, brun, "conditioned", "%s", uncond);
		eval_param(s, brun, "mapping", "none");
		eval_param(s, brun, "range", "none");
		c = eval_sft(x, o.dir, brun, &br, st);
		break;
	case EVAL_BEST_OF_N:
		eval_param(s, brun, "model", "%s", x->cfg.model);
		eval_param(s, brun, "policy", "ric (reranks the RiC model's samples)");
		eval_range_params(x, brun);
		eval_param(s, brun, "step", "%g", x->cfg.step);
		eval_param(s, brun, "sampled_at", "centre preference");
		eval_param(s, brun, "generation_cost", "%zu", o.K);
		snprintf(how, sizeof how, "%s", x->how);
		c = eval_image_dir(x, brun, &x->g, st);
		if (c == STATUS_OK)
			c = eval_best_of_n(x, &x->g, 1, o.K, &br, st);
		break;
	case EVAL_SFT_BEST_OF_N: {
		struct ricgen sg;
		eval_param(s, brun, "model", "%s", o.dir);
		eval_param(s, brun, "policy", "sft (reranks the unconditioned model's samples)");
		eval_param(s, brun, "conditioned", "%s", uncond);
		eval_param(s, brun, "mapping", "none");
		eval_param(s, brun, "range", "none");
		eval_param(s, brun, "step", "%g", x->cfg.step);
		eval_param(s, brun, "generation_cost", "%zu", o.K);
		c = eval_open_other(x, o.dir, 0, brun, &sg, st);
		if (c == STATUS_OK) {
			c = eval_best_of_n(x, &sg, 0, o.K, &br, st);
			ricgen_close(&sg);
		}
		break;
	}
	case EVAL_SOUPS:
		eval_param(s, brun, "model", "rewarded soups of --experts");
		eval_param(s, brun, "experts", "%s", x->cfg.experts);
		eval_param(s, brun, "conditioned", "%s", uncond);
		eval_param(s, brun, "mapping", "none");
		eval_param(s, brun, "mix", "weight space: sum_i w_i theta_i per preference w");
		eval_param(s, brun, "range", "none");
		eval_param(s, brun, "step", "%g", x->cfg.step);
		eval_param(s, brun, "generation_cost", "%zu", x->n_pts);
		snprintf(how, sizeof how, "weight-space mix, %s units", x->cfg.units);
		c = eval_soups(x, brun, &br, st);
		break;
	}
	br.raw_units = x->raw_units;
	if (c == STATUS_OK) {
		eval_means(&br);
		eval_progress(spec, b + 1, x->cfg.n_baselines, &br, 0);
		c = eval_front(&br, x->ref, (uint64_t)x->cfg.seed, st);
	}
	if (c == STATUS_OK) /* rank 0 stores it; every rank learns whether it could */
		c = dist_first_error(eval_record(s, brun, &br, (const char *const *)x->pr.v, x->ref,
		                                 spec, st), st);
	if (c == STATUS_OK) {
		eval_param(s, brun, "tokens", "%zu", br.tokens);
		eval_print(spec, brun, &br, &x->g.meta, x->ref, how, o.kind != EVAL_SFT);
		if (br.n_pts > 1)
			c = eval_trend(x, brun, &br, st);
	}
	eval_run_finish(s, brun, c, st->msg);
	eval_result_free(&br);
	return c;
}
