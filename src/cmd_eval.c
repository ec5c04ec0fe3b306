/* ric eval: a RiC checkpoint over a preference grid on held-out prompts,
 * with its Pareto front, hypervolume and baselines, all kept in the store. */
#include "config.h"

#include "src/cli_store.h"
#include "src/paths.h"
#include "src/ricgen.h"
#include "src/stage.h"
#include "src/termtext.h"
#include "engine/mapping.h"
#include "engine/pareto.h"
#include "engine/stats.h"

#include <math.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

static int eval_run(struct cli *cli, int argc, char **argv);

const struct cli_command cmd_eval = {
	.name = "eval",
	.summary = "evaluate a RiC checkpoint over a preference grid: front and hypervolume",
	.usage = "ric eval --model DIR --dataset NAME [--prompts N] [--step S] [--mapping M]\n"
	         "       [--baseline sft:DIR] [--baseline best-of-n:K] [--reference lo|V1,V2,...]\n"
	         "       [--split SPLIT] [--seed S] [--max-tokens M] [--temperature T] [--top-p P]\n"
	         "       [--batch B] [--weights f32|bf16|int8] [--stop TEXT]... [--no-stop] [--name NAME]\n"
	         "       [--allow-cmd] [--job ID]",
	.help = "Options:\n"
	        "  --model DIR         RiC checkpoint (with ric.json)\n"
	        "  --dataset NAME      dataset in the store whose prompts are used\n"
	        "  --split SPLIT       rows to take prompts from (default eval)\n"
	        "  --prompts N         distinct prompts, the first N by row id (default 16)\n"
	        "  --step S            preference grid step; the simplex lattice (default 0.1:\n"
	        "                      11 points for 2 objectives, 66 for 3)\n"
	        "  --mapping M         linf, l2 or linear (default: the checkpoint's)\n"
	        "  --baseline sft:DIR  also evaluate DIR unconditioned (prompt + marker)\n"
	        "  --baseline best-of-n:K  sample K responses per prompt from the RiC model at\n"
	        "                      the centre preference and keep, per grid point, the\n"
	        "                      one with the largest w . z (K times one point's cost)\n"
	        "  --reference R       hypervolume reference point: lo (default: each\n"
	        "                      objective's lo, normalised) or values V1,V2,...\n"
	        "  --seed S            sampling seed (default 0); prompt i uses S + i\n"
	        "  --max-tokens M      new tokens per response (default 48)\n"
	        "  --temperature T     (default 0.7)   --top-p P  (default 0.9)\n"
	        "  --batch B           sequences generated together (default 64)\n"
	        "  --weights W         decode with f32 (default), bf16 or int8 weights, as\n"
	        "                      ric generate does (the RiC model and sft: baselines)\n"
	        "  --stop TEXT         a response ends before TEXT, which is cut before it is\n"
	        "                      scored (repeatable; default \"\\n\\nHuman:\" and the\n"
	        "                      model's marker when it starts a line)\n"
	        "  --no-stop           no stop strings: responses end at EOS or --max-tokens\n"
	        "  --name NAME         name of the eval run\n"
	        "  --allow-cmd         run the checkpoint's cmd: rewards (they start a program)\n"
	        "                      and read rm: models outside its folder; without it such\n"
	        "                      a reward stops the eval before it starts\n"
	        "  --job ID            run as job ID (set by `ric job start`)\n"
	        "Every sample (prompt, response, preference, desired and obtained scores),\n"
	        "every grid point (mean raw and normalised rewards) and the front (points,\n"
	        "hypervolume, reference) are stored under a run of stage eval; each\n"
	        "baseline gets an eval run of its own whose parent is that run. Progress\n"
	        "goes to stderr, the summary to stdout. Hypervolumes are exact up to 4\n"
	        "objectives, Monte Carlo estimates (200,000 draws) above. SIGTERM or Ctrl-C\n"
	        "stops it between batches; the run is then cancelled.\n",
	.run = eval_run,
};

#define EVAL_MAX_BASELINES 4

struct eval_cfg {
	const char *model, *dataset, *split, *mapping, *reference, *name;
	const char *baselines[EVAL_MAX_BASELINES];
	size_t n_baselines;
	double n_prompts, step, max_tokens, temperature, top_p, seed, batch;
	int allow_cmd;
	int weights; /* enum decoder_dtype */
	struct ricgen_stops stops;
};

/* Progress over every sample the run and its baselines generate. */
struct eval_track {
	struct stage *sg;
	int64_t done, total;
};

/* ---- prompts ----------------------------------------------------------------- */

struct eval_prompts {
	char **v;
	size_t n, want;
	int oom;
};

static int eval_take_prompt(void *ctx, const struct store_row *r)
{
	struct eval_prompts *p = ctx;
	for (size_t i = 0; i < p->n; i++) /* both rows of a pair share a prompt */
		if (strcmp(p->v[i], r->prompt) == 0)
			return 0;
	if (!(p->v[p->n] = strdup(r->prompt))) {
		p->oom = 1;
		return 1;
	}
	return ++p->n == p->want;
}

/* ---- one evaluated model ------------------------------------------------------ */

/* Everything one eval run produces: n_pts points of n_prompts samples. */
struct eval_result {
	size_t n_pts, N, n_prompts;
	double *pref, *desired;   /* n_pts x N */
	char **responses;         /* n_pts x n_prompts */
	double *raw, *norm;       /* (n_pts x n_prompts) x N */
	double *raw_mean, *norm_mean; /* n_pts x N */
	unsigned char *on_front;
	double hv;
	int hv_mc;
	size_t tokens;
};

static int eval_result_alloc(struct eval_result *r, size_t n_pts, size_t N, size_t n_prompts)
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

static void eval_result_free(struct eval_result *r)
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
 * unconditioned) in batches, writing responses/raw/norm at sample index base + i. */
static enum status_code eval_generate(struct ricgen *g, const struct ricmeta *m, size_t n,
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
	size_t B = (size_t)cfg->batch, N = m->n_obj;
	for (size_t at = 0; at < n; at += B) {
		size_t k = n - at < B ? n - at : B;
		struct ricgen_batch b = { .n = k, .prompts = prompts + at, .z = z ? z + at * N : NULL,
			                  .seeds = seeds + at };
		enum status_code c = ricgen_run(g, m, &b, &gp, &h, st);
		if (c != STATUS_OK) {
			ricgen_batch_free(&b);
			return c;
		}
		for (size_t i = 0; i < k; i++) {
			r->responses[base + at + i] = b.responses[i];
			b.responses[i] = NULL;
		}
		memcpy(r->raw + (base + at) * N, b.raw, k * N * sizeof *b.raw);
		memcpy(r->norm + (base + at) * N, b.norm, k * N * sizeof *b.norm);
		r->tokens += b.tokens;
		tr->done += (int64_t)k;
		stage_progress(tr->sg, tr->done, tr->total, NAN, (double)b.tokens);
		ricgen_batch_free(&b);
	}
	return STATUS_OK;
}

static void eval_means(struct eval_result *r)
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

/* Front and hypervolume of the point means, in normalised units. */
static enum status_code eval_front(struct eval_result *r, const double *ref, uint64_t seed,
                                   struct status *st)
{
	enum status_code c = pareto_front(r->norm_mean, r->n_pts, r->N, r->on_front, NULL, st);
	if (c != STATUS_OK)
		return c;
	r->hv_mc = r->N > PARETO_HV_EXACT_MAX;
	if (!r->hv_mc)
		return pareto_hypervolume(r->norm_mean, r->n_pts, r->N, ref, &r->hv, st);
	struct rng g;
	rng_seed(&g, seed);
	return pareto_hypervolume_mc(r->norm_mean, r->n_pts, r->N, ref, 200000, &g, &r->hv, st);
}

static int eval_store_err(struct status *st, const struct store_err *e)
{
	status_set(st, STATUS_IO, "%s", e->msg);
	return 1;
}

/* Point p of a result and its samples under run, in one transaction of
 * their own: the main run stores each point as it is measured, so ric-tui's
 * Front screen fills in while the evaluation runs. */
static enum status_code eval_record_point(struct store *s, store_id run, const struct eval_result *r,
                                          const char *const *prompts, size_t p, store_id *id,
                                          struct status *st)
{
	struct store_err e;
	size_t N = r->N, P = r->n_prompts;
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
	if (store_point_add(s, &pt, id, &e) != STORE_OK)
		c = eval_store_err(st, &e) ? STATUS_IO : STATUS_OK;
	for (size_t i = 0; c == STATUS_OK && i < P; i++) {
		struct store_sample *x = &smp[i];
		x->run = run;
		x->iteration = 0;
		x->point = *id;
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
static enum status_code eval_record_front(struct store *s, store_id run, const struct eval_result *r,
                                          const store_id *ids, const double *ref,
                                          const char *front_name, struct status *st)
{
	struct store_err e;
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
static enum status_code eval_record(struct store *s, store_id run, const struct eval_result *r,
                                    const char *const *prompts, const double *ref,
                                    const char *front_name, struct status *st)
{
	struct store_err e;
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

/* ---- the command ------------------------------------------------------------- */

static void eval_param(struct store *s, store_id run, const char *key, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));
static void eval_param(struct store *s, store_id run, const char *key, const char *fmt, ...)
{
	char v[1024];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(v, sizeof v, fmt, ap);
	va_end(ap);
	store_param_set(s, run, key, v, NULL);
}

static void eval_vec(char *buf, size_t cap, const double *v, size_t n)
{
	cli_store_vec_text(buf, cap, v, (int)n);
}

static void eval_common_params(struct store *s, store_id run, const struct eval_cfg *cfg,
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
	eval_param(s, run, "max_tokens", "%.0f", cfg->max_tokens);
	eval_param(s, run, "temperature", "%g", cfg->temperature);
	eval_param(s, run, "top_p", "%g", cfg->top_p);
	eval_param(s, run, "weights", "%s", decoder_dtype_name((enum decoder_dtype)cfg->weights));
	eval_vec(vec, sizeof vec, ref, N);
	eval_param(s, run, "reference", "%s", vec);
	char *stops = ricgen_stops_text(&cfg->stops);
	eval_param(s, run, "stop", "%s", stops ? stops : "?");
	free(stops);
}

static store_id eval_new_run(struct store *s, const char *name, store_id parent,
                             struct status *st)
{
	store_id run = 0;
	struct store_err e;
	if (store_run_create(s, "eval", name, parent, &run, &e) != STORE_OK) {
		status_set(st, STATUS_IO, "%s", e.msg);
		return 0;
	}
	return run;
}

static void eval_print(const char *title, store_id run, const struct eval_result *r,
                       const struct ricmeta *m, const double *ref, int show_pref)
{
	char vec[512];
	eval_vec(vec, sizeof vec, ref, r->N);
	termtext_printf(stdout, "%s: run %lld, %zu point%s x %zu prompts, hypervolume %.4f%s (reference %s)\n", title,
	       (long long)run, r->n_pts, r->n_pts == 1 ? "" : "s", r->n_prompts, r->hv,
	       r->hv_mc ? " (Monte Carlo)" : "", vec);
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

static void eval_progress(const char *what, size_t i, size_t n, const struct eval_result *r,
                          size_t p)
{
	termtext_printf(stderr, "ric eval: %s %zu/%zu: mean z", what, i, n);
	for (size_t j = 0; j < r->N; j++)
		termtext_printf(stderr, " %.3f", r->norm_mean[p * r->N + j]);
	fputc('\n', stderr);
}

/* best-of-n:K: K samples per prompt at the centre preference, then per grid
 * point the sample with the largest w . z. */
static enum status_code eval_best_of_n(struct ricgen *g, enum mapping_kind map, size_t K,
                                       const double *grid, size_t n_pts, char **prompts,
                                       size_t P, const struct eval_cfg *cfg, struct eval_track *tr,
                                       struct eval_result *r, struct status *st)
{
	size_t N = g->meta.n_obj, S = P * K;
	struct eval_result pool;
	double centre[STORE_MAX_OBJ], t[STORE_MAX_OBJ], lo[STORE_MAX_OBJ], hi[STORE_MAX_OBJ];
	for (size_t j = 0; j < N; j++)
		centre[j] = 1.0 / (double)N;
	ricmeta_ranges(&g->meta, lo, hi);
	enum status_code c = mapping_targets(map, centre, N, lo, hi, MAPPING_NORMALISE, t, st);
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
		c = eval_generate(g, &g->meta, S, pp, z, seeds, cfg, tr, &pool, 0, st);
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

static int eval_run_seen(void *ctx, const struct store_run *r)
{
	(void)ctx;
	(void)r;
	return 0;
}

static int eval_run(struct cli *cli, int argc, char **argv)
{
	static const struct option opts[] = {
		{ "model", required_argument, NULL, 'm' },
		{ "dataset", required_argument, NULL, 'd' },
		{ "split", required_argument, NULL, 'S' },
		{ "prompts", required_argument, NULL, 'n' },
		{ "step", required_argument, NULL, 'g' },
		{ "mapping", required_argument, NULL, 'a' },
		{ "baseline", required_argument, NULL, 'b' },
		{ "reference", required_argument, NULL, 'r' },
		{ "seed", required_argument, NULL, 's' },
		{ "max-tokens", required_argument, NULL, 'M' },
		{ "temperature", required_argument, NULL, 'T' },
		{ "top-p", required_argument, NULL, 'P' },
		{ "batch", required_argument, NULL, 'B' },
		{ "weights", required_argument, NULL, 'W' },
		{ "name", required_argument, NULL, 'N' },
		{ "job", required_argument, NULL, 'j' },
		{ "allow-cmd", no_argument, NULL, 'A' },
		{ "stop", required_argument, NULL, 'X' },
		{ "no-stop", no_argument, NULL, 'Z' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 }
	};
	double job = 0;
	struct eval_cfg cfg = { .split = "eval", .n_prompts = 16, .step = 0.1, .max_tokens = 48,
		                .temperature = 0.7, .top_p = 0.9, .seed = 0, .batch = 64 };
	int c, rc, exit_rc;
	while ((c = cli_next_option(&cmd_eval, argc, argv, "h", opts, &exit_rc)) != -1) {
		rc = CLI_OK;
		switch (c) {
		case 'm': cfg.model = optarg; break;
		case 'd': cfg.dataset = optarg; break;
		case 'S': cfg.split = optarg; break;
		case 'n': rc = cli_number(&cmd_eval, "--prompts", optarg, 1, 1e6, &cfg.n_prompts); break;
		case 'g': rc = cli_number(&cmd_eval, "--step", optarg, 1e-6, 1, &cfg.step); break;
		case 'a': cfg.mapping = optarg; break;
		case 'b':
			if (cfg.n_baselines == EVAL_MAX_BASELINES)
				return cli_bad_usage(&cmd_eval, "at most %d --baseline options",
				                     EVAL_MAX_BASELINES);
			if (strncmp(optarg, "sft:", 4) != 0 && strncmp(optarg, "best-of-n:", 10) != 0)
				return cli_bad_usage(&cmd_eval,
				                     "--baseline wants sft:DIR or best-of-n:K, not '%s'", optarg);
			cfg.baselines[cfg.n_baselines++] = optarg;
			break;
		case 'r': cfg.reference = optarg; break;
		case 's': rc = cli_number(&cmd_eval, "--seed", optarg, 0, 9e15, &cfg.seed); break;
		case 'M': rc = cli_number(&cmd_eval, "--max-tokens", optarg, 1, 1e6, &cfg.max_tokens); break;
		case 'T': rc = cli_number(&cmd_eval, "--temperature", optarg, 0, 100, &cfg.temperature); break;
		case 'P': rc = cli_number(&cmd_eval, "--top-p", optarg, 0, 1, &cfg.top_p); break;
		case 'B': rc = cli_number(&cmd_eval, "--batch", optarg, 1, 65536, &cfg.batch); break;
		case 'W':
			if ((cfg.weights = decoder_dtype_parse(optarg)) < 0)
				return cli_bad_usage(&cmd_eval, "--weights is f32, bf16 or int8, not '%s'",
				                     optarg);
			break;
		case 'N': cfg.name = optarg; break;
		case 'A': cfg.allow_cmd = 1; break;
		case 'X':
			if (ricgen_stops_add(&cfg.stops, optarg) != 0)
				return cli_bad_usage(&cmd_eval, "at most %d --stop strings", RICGEN_MAX_STOP);
			break;
		case 'Z': cfg.stops.none = 1; break;
		case 'j': rc = cli_number(&cmd_eval, "--job", optarg, 1, 9e15, &job); break;
		case CLI_OPT_EXIT: return exit_rc;
		}
		if (rc != CLI_OK)
			return rc;
	}
	if (optind < argc)
		return cli_bad_usage(&cmd_eval, "unexpected argument '%s'", argv[optind]);
	if (!cfg.model || !cfg.dataset)
		return cli_bad_usage(&cmd_eval, "--model and --dataset are required");
	if (cfg.stops.none && cfg.stops.n)
		return cli_bad_usage(&cmd_eval, "give --stop or --no-stop, not both");
	for (size_t b = 0; b < cfg.n_baselines; b++)
		if (strncmp(cfg.baselines[b], "best-of-n:", 10) == 0) {
			char *end;
			long k = strtol(cfg.baselines[b] + 10, &end, 10);
			if (*end || k < 1 || k > 1024)
				return cli_bad_usage(&cmd_eval, "best-of-n wants K in 1..1024, not '%s'",
				                     cfg.baselines[b] + 10);
		}

	struct status st = STATUS_INIT;
	struct ricgen g;
	struct store *s = NULL;
	struct eval_prompts pr = { 0 };
	struct eval_result res = { 0 };
	double *grid = NULL, *z = NULL;
	uint64_t *seeds = NULL;
	store_id *point_ids = NULL;
	const char **pp = NULL;
	store_id run = 0;
	size_t n_pts = 0;
	struct stage sgs;
	struct eval_track tr = { .sg = &sgs };
	rc = CLI_FAIL;
	if (ricgen_open(&g, cfg.model, 1, &st) != STATUS_OK) {
		cli_error("%s", st.msg);
		return CLI_FAIL;
	}
	ricgen_stops_resolve(&cfg.stops, &g.meta);
	size_t N = g.meta.n_obj;
	double ref[STORE_MAX_OBJ], lo[STORE_MAX_OBJ], hi[STORE_MAX_OBJ];
	enum mapping_kind map = g.meta.mapping;
	if (N > STORE_MAX_OBJ) {
		status_set(&st, STATUS_UNSUPPORTED, "%zu objectives; the store keeps %d", N, STORE_MAX_OBJ);
		goto fail;
	}
	ricmeta_ranges(&g.meta, lo, hi);
	if (cfg.mapping && mapping_parse(cfg.mapping, &map, &st) != STATUS_OK)
		goto fail;
	if (!cfg.reference || strcmp(cfg.reference, "lo") == 0)
		memcpy(ref, lo, N * sizeof *lo);
	else if (mapping_parse_vector(cfg.reference, N, "--reference", ref, &st) != STATUS_OK)
		goto fail;
	/* Every objective must score for a front; ric.json is a file, so what it
	 * would run needs --allow-cmd. */
	struct ricgen_trust trust = { .home = cfg.model, .consent = cfg.allow_cmd };
	if (pareto_lattice(N, cfg.step, &grid, &n_pts, &st) != STATUS_OK)
		goto fail;
	if (ricgen_open_rewards(&g, &g.meta, paths_datadir(), &trust, &st) != STATUS_OK) {
		cli_allow_cmd_hint(&st);
		goto fail;
	}
	if (ricgen_set_weights(&g, (enum decoder_dtype)cfg.weights, &st) != STATUS_OK)
		goto fail;
	if (cli_store_open(cli, &s) != CLI_OK)
		goto quiet_fail;
	struct store_err e;
	store_id ds;
	if (store_dataset_find(s, cfg.dataset, &ds, &e) != STORE_OK) {
		status_set(&st, STATUS_INVALID, "%s", e.msg);
		goto fail;
	}
	pr.want = (size_t)cfg.n_prompts;
	pr.v = calloc(pr.want, sizeof *pr.v);
	if (!pr.v) {
		status_set(&st, STATUS_NOMEM, "out of memory");
		goto fail;
	}
	struct store_row_query q = { .split = cfg.split };
	if (store_rows_query(s, ds, &q, eval_take_prompt, &pr, &e) != STORE_OK) {
		status_set(&st, STATUS_IO, "%s", e.msg);
		goto fail;
	}
	if (pr.oom) {
		status_set(&st, STATUS_NOMEM, "out of memory");
		goto fail;
	}
	if (pr.n == 0) {
		status_set(&st, STATUS_INVALID, "dataset '%s' has no rows in split '%s'", cfg.dataset,
		           cfg.split);
		goto fail;
	}
	size_t P = pr.n;
	if (P < pr.want)
		termtext_printf(stderr, "ric eval: dataset '%s' has %zu distinct prompts in split '%s'\n",
		        cfg.dataset, P, cfg.split);

	/* The run exists from here on: a failure marks it failed. */
	store_id parent = 0;
	if (g.meta.run > 0 && store_run_get(s, g.meta.run, eval_run_seen, NULL, NULL) == STORE_OK)
		parent = g.meta.run;
	store_close(s);
	s = NULL;
	if (stage_open(&sgs, cli, "eval", cfg.name, parent, (store_id)job) != CLI_OK)
		goto quiet_fail;
	s = sgs.store;
	run = sgs.run;
	stage_param(&sgs, "model", "%s", cfg.model);
	stage_param(&sgs, "step", "%g", cfg.step);
	stage_param(&sgs, "mapping", "%s", mapping_name(map));
	stage_param(&sgs, "points", "%zu", n_pts);
	eval_common_params(s, run, &cfg, &g.meta, ref, N, P);
	tr.total = (int64_t)(n_pts * P);
	for (size_t b = 0; b < cfg.n_baselines; b++)
		tr.total += (int64_t)P * (strncmp(cfg.baselines[b], "sft:", 4) == 0
		                          ? 1 : strtol(cfg.baselines[b] + 10, NULL, 10));

	if (!eval_result_alloc(&res, n_pts, N, P)) {
		status_set(&st, STATUS_NOMEM, "out of memory");
		goto fail;
	}
	z = calloc(P * N, sizeof *z);
	seeds = calloc(P, sizeof *seeds);
	point_ids = calloc(n_pts, sizeof *point_ids);
	if (!z || !seeds || !point_ids) {
		status_set(&st, STATUS_NOMEM, "out of memory");
		goto fail;
	}
	for (size_t i = 0; i < P; i++)
		seeds[i] = (uint64_t)cfg.seed + i;
	for (size_t p = 0; p < n_pts; p++) {
		double *t = res.desired + p * N;
		memcpy(res.pref + p * N, grid + p * N, N * sizeof *grid);
		if (mapping_targets(map, grid + p * N, N, lo, hi, MAPPING_NORMALISE, t, &st) != STATUS_OK)
			goto fail;
		for (size_t i = 0; i < P; i++)
			memcpy(z + i * N, t, N * sizeof *t);
		if (eval_generate(&g, &g.meta, P, (const char *const *)pr.v, z, seeds, &cfg, &tr, &res,
		                  p * P, &st) != STATUS_OK)
			goto fail;
		eval_means(&res);
		eval_progress("point", p + 1, n_pts, &res, p);
		if (eval_record_point(s, run, &res, (const char *const *)pr.v, p, &point_ids[p], &st) !=
		    STATUS_OK)
			goto fail;
	}
	if (eval_front(&res, ref, (uint64_t)cfg.seed, &st) != STATUS_OK ||
	    eval_record_front(s, run, &res, point_ids, ref, "ric", &st) != STATUS_OK)
		goto fail;
	stage_param(&sgs, "tokens", "%zu", res.tokens);
	eval_print("ric", run, &res, &g.meta, ref, 1);

	for (size_t b = 0; b < cfg.n_baselines; b++) {
		const char *spec = cfg.baselines[b];
		struct eval_result br = { 0 };
		/* Named after their run, so fronts and legends say what they are. */
		char bname[512];
		if (cfg.name)
			snprintf(bname, sizeof bname, "%s-", cfg.name);
		else
			snprintf(bname, sizeof bname, "eval-%lld-", (long long)run);
		size_t bl = strlen(bname);
		if (strncmp(spec, "sft:", 4) == 0)
			snprintf(bname + bl, sizeof bname - bl, "sft");
		else
			snprintf(bname + bl, sizeof bname - bl, "best-of-%s", spec + 10);
		store_id brun = eval_new_run(s, bname, run, &st);
		if (!brun)
			goto fail;
		eval_param(s, brun, "baseline", "%s", spec);
		eval_common_params(s, brun, &cfg, &g.meta, ref, N, P);
		enum status_code sc;
		if (strncmp(spec, "sft:", 4) == 0) {
			struct ricgen sg;
			eval_param(s, brun, "model", "%s", spec + 4);
			eval_param(s, brun, "conditioned", "no (prompt + marker)");
			sc = ricgen_open(&sg, spec + 4, 0, &st);
			if (sc == STATUS_OK) {
				sc = ricgen_open_rewards(&sg, &g.meta, paths_datadir(), &trust, &st);
				if (sc == STATUS_OK)
					sc = ricgen_set_weights(&sg, (enum decoder_dtype)cfg.weights, &st);
				if (sc == STATUS_OK && !eval_result_alloc(&br, 1, N, P))
					sc = status_set(&st, STATUS_NOMEM, "out of memory");
				if (sc == STATUS_OK)
					sc = eval_generate(&sg, &g.meta, P, (const char *const *)pr.v, NULL, seeds,
					                   &cfg, &tr, &br, 0, &st);
				ricgen_close(&sg);
			}
		} else {
			size_t K = (size_t)strtol(spec + 10, NULL, 10);
			eval_param(s, brun, "model", "%s", cfg.model);
			eval_param(s, brun, "mapping", "%s", mapping_name(map));
			eval_param(s, brun, "step", "%g", cfg.step);
			eval_param(s, brun, "sampled_at", "centre preference");
			eval_param(s, brun, "generation_cost", "%zu", K);
			sc = eval_best_of_n(&g, map, K, grid, n_pts, pr.v, P, &cfg, &tr, &br, &st);
		}
		if (sc == STATUS_OK) {
			eval_means(&br);
			eval_progress(spec, b + 1, cfg.n_baselines, &br, 0);
			sc = eval_front(&br, ref, (uint64_t)cfg.seed, &st);
		}
		if (sc == STATUS_OK)
			sc = eval_record(s, brun, &br, (const char *const *)pr.v, ref, spec, &st);
		if (sc == STATUS_OK) {
			eval_param(s, brun, "tokens", "%zu", br.tokens);
			eval_print(spec, brun, &br, &g.meta, ref, strncmp(spec, "sft:", 4) != 0);
			store_run_finish(s, brun, "done", NULL, NULL);
		} else {
			store_run_finish(s, brun, stage_stopping() ? "cancelled" : "failed", st.msg, NULL);
		}
		eval_result_free(&br);
		if (sc != STATUS_OK)
			goto fail;
	}
	rc = stage_finish(&sgs, STATUS_OK, NULL);
	s = NULL;
	goto done;
fail:
	if (st.code != STATUS_OK && !run)
		cli_error("%s", st.msg);
quiet_fail:
	/* stage_finish prints the error and closes the store. */
	if (run) {
		rc = stage_finish(&sgs, stage_stopping() ? STATUS_CANCELLED
		                        : st.code != STATUS_OK ? st.code : STATUS_IO,
		                  st.code != STATUS_OK ? st.msg : "failed");
		s = NULL;
	}
done:
	eval_result_free(&res);
	for (size_t i = 0; i < pr.n; i++)
		free(pr.v[i]);
	free(pr.v);
	free(grid);
	free(z);
	free(seeds);
	free(point_ids);
	free(pp);
	if (s)
		store_close(s);
	ricgen_close(&g);
	return rc;
}
