/* ric eval: a RiC checkpoint over a preference grid on held-out prompts,
 * with its Pareto front, hypervolume and baselines, all kept in the store. */
#include "config.h"

#include "src/cli_store.h"
#include "src/dist.h"
#include "src/eval.h"
#include "src/eval_curve.h"
#include "src/paths.h"
#include "src/ricgen.h"
#include "src/stage.h"
#include "src/termtext.h"
#include "engine/mapping.h"
#include "engine/pareto.h"
#include "engine/stats.h"

#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

static int eval_run(struct cli *cli, int argc, char **argv);

const struct cli_command cmd_eval = {
	.name = "eval",
	.summary = "evaluate a RiC checkpoint over a preference grid: front and hypervolume",
	.usage = "ric eval --model DIR --dataset NAME [--prompts N] [--step S] [--mapping M]\n"
	         "       [--baseline sft:DIR] [--baseline best-of-n:K] [--baseline sft-best-of-n:K:DIR]\n"
	         "       [--baseline soups --experts DIR,DIR,...] [--reference lo|V1,V2,...]\n"
	         "       [--split SPLIT] [--seed S] [--max-tokens M] [--temperature T] [--top-p P]\n"
	         "       [--batch B] [--weights f32|bf16|int8] [--stop TEXT]... [--no-stop] [--name NAME]\n"
	         "       [--preset paper|default] [--range data|normal] [--units normalised|raw]\n"
	         "       [--desired-grid] [--desired-levels K] [--ddim-steps S] [--guidance G]\n"
	         "       [--allow-cmd] [--job ID]",
	.help = "Options:\n"
	        "  --model DIR         RiC checkpoint (with ric.json)\n"
	        "  --dataset NAME      dataset in the store whose prompts are used\n"
	        "  --split SPLIT       rows to take prompts from (default eval)\n"
	        "  --prompts N         distinct prompts, the first N by row id (default 16)\n"
	        "  --step S            preference grid step; the simplex lattice (default 0.1:\n"
	        "                      11 points for 2 objectives, 66 for 3)\n"
	        "  --mapping M         linf, l2, linear or lp:P, P >= 1 or inf (default: the\n"
	        "                      checkpoint's); lp:2 is l2, lp:inf is linf\n"
	        "  --baseline sft:DIR  also evaluate DIR unconditioned (prompt + marker)\n"
	        "  --baseline best-of-n:K  sample K responses per prompt from the RiC model at\n"
	        "                      the centre preference and keep, per grid point, the\n"
	        "                      one with the largest w . z (K times one point's cost)\n"
	        "  --baseline sft-best-of-n:K:DIR  the same over the unconditioned model DIR\n"
	        "  --baseline soups    Rewarded Soups: per grid preference w, the --experts\n"
	        "                      mixed in weight space (sum w_i theta_i), unconditioned\n"
	        "  --experts DIR,...   one fine-tune per objective (ric sft --expert NAME),\n"
	        "                      paired with the objectives by the name each records\n"
	        "  --reference R       hypervolume reference point: lo (default: each\n"
	        "                      objective's lo, in --units) or values V1,V2,...\n"
	        "  --range R           desired scores' range the mapping spans: data (default:\n"
	        "                      ric.json's lo..hi) or normal (+-4.19, the reference's\n"
	        "                      range of 50,000 standard-normal draws)\n"
	        "  --units U           fronts and hypervolumes over normalised (default) or\n"
	        "                      raw mean rewards (the reference point then defaults\n"
	        "                      to each objective's lo in raw units, mu + sigma lo)\n"
	        "  --preset P          default, or paper: the reference's evaluation (l2,\n"
	        "                      --range normal, --units raw, --max-tokens 128);\n"
	        "                      options given as well override it\n"
	        "  --desired-grid      also sweep each objective's desired score from lo to hi\n"
	        "                      (the others at the middle of their range) and record\n"
	        "                      obtained against desired: a child run NAME-desired-grid\n"
	        "  --desired-levels K  levels of that sweep (default 11; implies --desired-grid)\n"
	        "  --seed S            sampling seed (default 0); prompt i uses S + i\n"
	        "  --max-tokens M      new tokens per response (default 48; paper: 128)\n"
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
	        "  --ddim-steps S      an image model's DDIM steps per image (default 20)\n"
	        "  --guidance G        an image model's classifier-free guidance scale\n"
	        "                      (default 3; 1: the conditioned model alone)\n"
	        "  --job ID            run as job ID (set by `ric job start`)\n"
	        "Every sample (prompt, response, preference, desired and obtained scores),\n"
	        "every grid point (mean raw and normalised rewards) and the front (points,\n"
	        "hypervolume, reference) are stored under a run of stage eval, whose\n"
	        "params record mapping, range and units (each front prints them); each\n"
	        "grid's response to the weights (per objective the mean +- SE at each weight,\n"
	        "whether it rises by more than 2 SE and is monotone within 2 SE) is printed\n"
	        "and stored as weight_* metrics (desired_* for --desired-grid); each\n"
	        "baseline gets an eval run of its own whose parent is that run. Progress\n"
	        "goes to stderr, the summary to stdout. Hypervolumes are exact up to 4\n"
	        "objectives, Monte Carlo estimates (200,000 draws) above. SIGTERM or Ctrl-C\n"
	        "stops it between batches; the run is then cancelled.\n"
	        "An image model (ric sft on an image dataset) is evaluated the same way:\n"
	        "--dataset names an image dataset, --prompts N is the images drawn per\n"
	        "point (image i from noise seeded S + i), each scored by the image rewards\n"
	        "of ric.json and saved as a PNG in STORE.files/run-ID beside the store,\n"
	        "its path stored as the sample's response (ric rm deletes them with the\n"
	        "run). The baselines run on image models too (sft:DIR an image model of ric\n"
	        "sft --unconditioned, soups the experts of ric sft --expert on the image\n"
	        "dataset), each saving its images in its own run's folder. Image runs record\n"
	        "ddim_steps, guidance and seeds instead of the text sampling's parameters;\n"
	        "--weights bf16|int8 is refused (an image model samples in F32).\n",
	.run = eval_run,
};

/* ---- prompts ----------------------------------------------------------------- */

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

/* An image model draws from noise alone: want empty prompts. */
static void eval_image_prompts(struct eval_prompts *p)
{
	for (p->n = 0; p->n < p->want; p->n++)
		if (!(p->v[p->n] = strdup(""))) {
			p->oom = 1;
			return;
		}
}

/* ---- options ----------------------------------------------------------------- */

/* What the options left unset take: the preset's choice, else today's
 * default. "paper" is the reference's evaluation script: l2 over the range
 * of standard-normal draws, raw (unnormalised) scores, 128 new tokens. */
static void eval_presets(struct eval_cfg *cfg)
{
	int paper = cfg->preset && strcmp(cfg->preset, "paper") == 0;
	if (!cfg->preset)
		cfg->preset = "default";
	if (!cfg->mapping && paper)
		cfg->mapping = "l2";
	if (!cfg->range)
		cfg->range = paper ? "normal" : "data";
	if (!cfg->units)
		cfg->units = paper ? "raw" : "normalised";
	if (!cfg->max_tokens)
		cfg->max_tokens = paper ? 128 : 48;
	if (!cfg->desired_levels)
		cfg->desired_levels = 11;
}

/* The options into cfg and *job. -1: go on; else the exit status to return
 * (0 after --help). */
static int eval_options(int argc, char **argv, struct eval_cfg *cfg, double *job)
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
		{ "preset", required_argument, NULL, 'p' },
		{ "range", required_argument, NULL, 'R' },
		{ "units", required_argument, NULL, 'U' },
		{ "desired-grid", no_argument, NULL, 'D' },
		{ "experts", required_argument, NULL, 'E' },
		{ "desired-levels", required_argument, NULL, 'L' },
		{ "ddim-steps", required_argument, NULL, 'I' },
		{ "guidance", required_argument, NULL, 'G' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 }
	};
	int c, rc, exit_rc;
	while ((c = cli_next_option(&cmd_eval, argc, argv, "h", opts, &exit_rc)) != -1) {
		rc = CLI_OK;
		switch (c) {
		case 'm': cfg->model = optarg; break;
		case 'd': cfg->dataset = optarg; break;
		case 'S': cfg->split = optarg; break;
		case 'n': rc = cli_number(&cmd_eval, "--prompts", optarg, 1, 1e6, &cfg->n_prompts); break;
		case 'g': rc = cli_number(&cmd_eval, "--step", optarg, 1e-6, 1, &cfg->step); break;
		case 'a': cfg->mapping = optarg; break;
		case 'b':
			if (cfg->n_baselines == EVAL_MAX_BASELINES)
				return cli_bad_usage(&cmd_eval, "at most %d --baseline options",
				                     EVAL_MAX_BASELINES);
			cfg->baselines[cfg->n_baselines++] = optarg;
			break;
		case 'r': cfg->reference = optarg; break;
		case 's': rc = cli_number(&cmd_eval, "--seed", optarg, 0, 9e15, &cfg->seed); break;
		case 'M': rc = cli_number(&cmd_eval, "--max-tokens", optarg, 1, 1e6, &cfg->max_tokens); break;
		case 'T': rc = cli_number(&cmd_eval, "--temperature", optarg, 0, 100, &cfg->temperature); break;
		case 'P': rc = cli_number(&cmd_eval, "--top-p", optarg, 0, 1, &cfg->top_p); break;
		case 'B': rc = cli_number(&cmd_eval, "--batch", optarg, 1, 65536, &cfg->batch); break;
		case 'W':
			if ((cfg->weights = decoder_dtype_parse(optarg)) < 0)
				return cli_bad_usage(&cmd_eval, "--weights is f32, bf16 or int8, not '%s'",
				                     optarg);
			break;
		case 'N': cfg->name = optarg; break;
		case 'A': cfg->allow_cmd = 1; break;
		case 'X':
			if (ricgen_stops_add(&cfg->stops, optarg) != 0)
				return cli_bad_usage(&cmd_eval, "at most %d --stop strings", RICGEN_MAX_STOP);
			break;
		case 'Z': cfg->stops.none = 1; break;
		case 'p':
			if (strcmp(optarg, "paper") != 0 && strcmp(optarg, "default") != 0)
				return cli_bad_usage(&cmd_eval, "--preset is paper or default, not '%s'", optarg);
			cfg->preset = optarg;
			break;
		case 'R':
			if (strcmp(optarg, "data") != 0 && strcmp(optarg, "normal") != 0)
				return cli_bad_usage(&cmd_eval, "--range is data or normal, not '%s'", optarg);
			cfg->range = optarg;
			break;
		case 'U':
			if (strcmp(optarg, "normalised") != 0 && strcmp(optarg, "raw") != 0)
				return cli_bad_usage(&cmd_eval, "--units is normalised or raw, not '%s'", optarg);
			cfg->units = optarg;
			break;
		case 'D': cfg->desired_grid = 1; break;
		case 'E': cfg->experts = optarg; break;
		case 'L':
			rc = cli_number(&cmd_eval, "--desired-levels", optarg, 2, 101, &cfg->desired_levels);
			cfg->desired_grid = 1;
			break;
		case 'I': rc = cli_number(&cmd_eval, "--ddim-steps", optarg, 1, 1e6, &cfg->ddim_steps); break;
		case 'G':
			rc = cli_number(&cmd_eval, "--guidance", optarg, 0, 100, &cfg->guidance);
			cfg->guidance_given = 1;
			break;
		case 'j': rc = cli_number(&cmd_eval, "--job", optarg, 1, 9e15, job); break;
		case CLI_OPT_EXIT: return exit_rc;
		}
		if (rc != CLI_OK)
			return rc;
	}
	if (optind < argc)
		return cli_bad_usage(&cmd_eval, "unexpected argument '%s'", argv[optind]);
	if (!cfg->model || !cfg->dataset)
		return cli_bad_usage(&cmd_eval, "--model and --dataset are required");
	if (cfg->stops.none && cfg->stops.n)
		return cli_bad_usage(&cmd_eval, "give --stop or --no-stop, not both");
	int soups = 0;
	for (size_t b = 0; b < cfg->n_baselines; b++) {
		if (eval_baseline_check(cfg, cfg->baselines[b]) != CLI_OK)
			return CLI_USAGE;
		soups |= strcmp(cfg->baselines[b], "soups") == 0;
	}
	if (cfg->experts && !soups)
		return cli_bad_usage(&cmd_eval, "--experts goes with --baseline soups");
	eval_presets(cfg);
	return -1;
}

/* ---- one eval ---------------------------------------------------------------- */

/* --range normal: the reference's evaluation maps preferences over the range
 * of 50,000 fresh standard-normal draws; the median of their largest is
 * Phi^-1(0.5^(1/50000)) = 4.19 (and -4.19 their smallest). */
#define EVAL_NORMAL_Z 4.191384806019128

static int eval_run_seen(void *ctx, const struct store_run *r)
{
	(void)ctx;
	(void)r;
	return 0;
}

/* The checkpoint with its rewards, the mapping, reference point and grid. */
static enum status_code eval_open_model(struct eval_ctx *x, struct status *st)
{
	/* decoding only: --weights bf16 or int8 holds no F32 copy of the model */
	if (ricgen_open_any(&x->g, x->cfg.model, 1, (enum decoder_dtype)x->cfg.weights, st) !=
	    STATUS_OK)
		return st->code;
	x->g_open = 1;
	x->cfg.image = x->g.image;
	/* the DiT samples in F32: a lighter copy would be a promise not kept */
	if (x->g.image && x->cfg.weights != DECODER_F32)
		return status_set(st, STATUS_UNSUPPORTED, "--weights %s: %s is an image model, which "
		                  "samples in F32 (BF16 and int8 weights are for text models)",
		                  decoder_dtype_name((enum decoder_dtype)x->cfg.weights), x->cfg.model);
	if (!x->g.image && (x->cfg.ddim_steps || x->cfg.guidance_given))
		return status_set(st, STATUS_INVALID, "%s is a text model: --ddim-steps and --guidance "
		                  "sample an image model", x->cfg.model);
	if (x->cfg.ddim_steps)
		x->g.image_steps = (size_t)x->cfg.ddim_steps;
	if (x->cfg.guidance_given)
		x->g.guidance = x->cfg.guidance;
	if (x->g.image && x->g.image_steps > x->g.diff.T)
		return status_set(st, STATUS_INVALID, "--ddim-steps %zu: the model has %zu timesteps",
		                  x->g.image_steps, x->g.diff.T);
	/* what every run of this eval records (eval_common_params) */
	x->cfg.ddim_steps = (double)x->g.image_steps;
	x->cfg.guidance = x->g.guidance;
	ricgen_stops_resolve(&x->cfg.stops, &x->g.meta);
	size_t N = x->N = x->g.meta.n_obj;
	if (N > STORE_MAX_OBJ)
		return status_set(st, STATUS_UNSUPPORTED, "%zu objectives; the store keeps %d", N,
		                  STORE_MAX_OBJ);
	x->map = (struct mapping){ .kind = x->g.meta.mapping };
	if (x->cfg.mapping && mapping_spec_parse(x->cfg.mapping, &x->map, st) != STATUS_OK)
		return st->code;
	mapping_spec_name(&x->map, x->map_name, sizeof x->map_name);
	x->raw_units = strcmp(x->cfg.units, "raw") == 0;
	snprintf(x->how, sizeof x->how, "mapping %s, range %s, %s units", x->map_name,
	         x->cfg.range, x->cfg.units);
	/* The reference point is the data's lo in either range: fronts of one
	 * model compare across --range and --mapping. */
	double data_lo[STORE_MAX_OBJ];
	ricmeta_ranges(&x->g.meta, data_lo, NULL);
	for (size_t i = 0; i < N; i++)
		x->ref[i] = x->raw_units ? x->g.meta.obj[i].mu + x->g.meta.obj[i].sigma * data_lo[i]
		                         : data_lo[i];
	if (x->cfg.reference && strcmp(x->cfg.reference, "lo") != 0 &&
	    mapping_parse_vector(x->cfg.reference, N, "--reference", x->ref, st) != STATUS_OK)
		return st->code;
	if (strcmp(x->cfg.range, "normal") == 0)
		for (size_t i = 0; i < N; i++) {
			x->lo[i] = -EVAL_NORMAL_Z;
			x->hi[i] = EVAL_NORMAL_Z;
		}
	else
		ricmeta_ranges(&x->g.meta, x->lo, x->hi);
	if (pareto_lattice(N, x->cfg.step, &x->grid, &x->n_pts, st) != STATUS_OK)
		return st->code;
	/* Every objective must score for a front; ric.json is a file, so what it
	 * would run needs --allow-cmd. */
	x->trust = (struct ricgen_trust){ .home = x->cfg.model, .consent = x->cfg.allow_cmd,
	                                  .weights = x->cfg.weights };
	if (ricgen_open_rewards(&x->g, &x->g.meta, paths_datadir(), &x->trust, st) != STATUS_OK) {
		cli_allow_cmd_hint(st);
		return st->code;
	}
	return STATUS_OK;
}

/* The prompts of the dataset's split, and the run that made the checkpoint. */
static enum status_code eval_load_prompts(struct eval_ctx *x, struct status *st)
{
	struct store *s;
	if (cli_store_open(x->cli, &s) != CLI_OK) {
		x->quiet = 1;
		return STATUS_IO;
	}
	struct store_err e;
	store_id ds;
	struct eval_prompts *pr = &x->pr;
	struct store_row_query q = { .split = x->cfg.split };
	pr->want = (size_t)x->cfg.n_prompts;
	int64_t n_image = 0, n_rows = 0;
	if (store_dataset_find(s, x->cfg.dataset, &ds, &e) != STORE_OK)
		status_set(st, STATUS_INVALID, "%s", e.msg);
	else if (store_dataset_images(s, ds, &n_image, &n_rows, &e) != STORE_OK)
		status_set(st, STATUS_IO, "%s", e.msg);
	else if (x->g.image && (n_image == 0 || n_image < n_rows))
		status_set(st, STATUS_INVALID, "dataset %s holds text rows: an image model is evaluated "
		           "on an image dataset", x->cfg.dataset);
	else if (!x->g.image && n_image > 0)
		status_set(st, STATUS_INVALID, "dataset %s holds images: %s is a text model",
		           x->cfg.dataset, x->cfg.model);
	else if (!(pr->v = calloc(pr->want, sizeof *pr->v)))
		status_set(st, STATUS_NOMEM, "out of memory");
	else if (x->g.image) /* no prompts: --prompts images per point, image i seeded S + i */
		eval_image_prompts(pr);
	else if (store_rows_query(s, ds, &q, eval_take_prompt, pr, &e) != STORE_OK)
		status_set(st, STATUS_IO, "%s", e.msg);
	else if (pr->oom)
		status_set(st, STATUS_NOMEM, "out of memory");
	else if (pr->n == 0)
		status_set(st, STATUS_INVALID, "dataset '%s' has no rows in split '%s'",
		           x->cfg.dataset, x->cfg.split);
	if (st->code == STATUS_OK && x->g.meta.run > 0 &&
	    store_run_get(s, x->g.meta.run, eval_run_seen, NULL, NULL) == STORE_OK)
		x->parent = x->g.meta.run;
	store_close(s);
	if (st->code != STATUS_OK)
		return st->code;
	x->P = pr->n;
	if (x->P < pr->want && dist_rank() == 0)
		termtext_printf(stderr, "ric eval: dataset '%s' has %zu distinct prompts in split '%s'\n",
		                x->cfg.dataset, x->P, x->cfg.split);
	if (!(x->seeds = calloc(x->P, sizeof *x->seeds)))
		return status_set(st, STATUS_NOMEM, "out of memory");
	for (size_t i = 0; i < x->P; i++)
		x->seeds[i] = (uint64_t)x->cfg.seed + i;
	return STATUS_OK;
}

/* The eval run with its parameters; from here on a failure marks it failed. */
static enum status_code eval_start_run(struct eval_ctx *x, double job)
{
	if (stage_open(&x->sg, x->cli, "eval", x->cfg.name, x->parent, (store_id)job) != CLI_OK) {
		x->quiet = 1;
		return STATUS_IO;
	}
	x->run = x->sg.run;
	x->tr.sg = &x->sg;
	stage_param(&x->sg, "model", "%s", x->cfg.model);
	stage_param(&x->sg, "step", "%g", x->cfg.step);
	eval_range_params(x, x->run);
	stage_param(&x->sg, "points", "%zu", x->n_pts);
	eval_common_params(x->sg.store, x->run, &x->cfg, &x->g.meta, x->ref, x->N, x->P);
	x->tr.total = (int64_t)(x->n_pts * x->P);
	for (size_t b = 0; b < x->cfg.n_baselines; b++)
		x->tr.total += (int64_t)x->P * (int64_t)eval_baseline_cost(x->cfg.baselines[b], x->n_pts);
	if (x->cfg.desired_grid)
		x->tr.total += (int64_t)(x->P * x->N * (size_t)x->cfg.desired_levels);
	return STATUS_OK;
}

/* The eval run started, and an image model's folder for it. */
static enum status_code eval_start(struct eval_ctx *x, double job, struct status *st)
{
	enum status_code c = eval_start_run(x, job);
	return c == STATUS_OK ? eval_image_dir(x, x->run, &x->g, st) : c;
}

/* The RiC model over the grid: each point generated, stored as it is
 * measured (ric-tui's Front screen fills in while it runs), then the front. */
static enum status_code eval_grid(struct eval_ctx *x, struct status *st)
{
	size_t N = x->N, P = x->P;
	struct eval_result res;
	struct store *s = x->sg.store;
	double *z = calloc(P * N, sizeof *z);
	store_id *ids = calloc(x->n_pts, sizeof *ids);
	enum status_code c = STATUS_OK;
	if (!eval_result_alloc(&res, x->n_pts, N, P) || !z || !ids)
		c = status_set(st, STATUS_NOMEM, "out of memory");
	res.raw_units = x->raw_units;
	/* a resumed job: the points its interrupted run finished are taken */
	size_t n_taken = c == STATUS_OK ? eval_resume_points(x, &res) : 0;
	if (n_taken > 0) {
		x->tr.done = (int64_t)(n_taken * P);
		stage_progress_start(&x->sg, x->tr.done); /* the ETA from this run's own pace */
		stage_progress(&x->sg, x->tr.done, x->tr.total, NAN, 0);
	}
	for (size_t p = 0; c == STATUS_OK && p < x->n_pts; p++) {
		double *t = res.desired + p * N;
		memcpy(res.pref + p * N, x->grid + p * N, N * sizeof *x->grid);
		c = mapping_spec_targets(&x->map, x->grid + p * N, N, x->lo, x->hi, MAPPING_NORMALISE, t,
		                         st);
		for (size_t i = 0; c == STATUS_OK && i < P; i++)
			memcpy(z + i * N, t, N * sizeof *t);
		if (c == STATUS_OK && p >= n_taken)
			c = eval_generate(&x->g, &x->g.meta, P, (const char *const *)x->pr.v, z, x->seeds,
			                  &x->cfg, &x->tr, &res, p * P, st);
		if (c != STATUS_OK)
			break;
		eval_means(&res);
		eval_progress("point", p + 1, x->n_pts, &res, p);
		c = eval_record_point(s, x->run, &res, (const char *const *)x->pr.v, p, &ids[p], st);
		c = dist_first_error(c, st); /* rank 0 alone writes: the others learn how it went */
	}
	if (c == STATUS_OK)
		c = eval_front(&res, x->ref, (uint64_t)x->cfg.seed, st);
	if (c == STATUS_OK)
		c = dist_first_error(eval_record_front(s, x->run, &res, ids, x->ref, "ric", st), st);
	if (c == STATUS_OK) {
		stage_param(&x->sg, "tokens", "%zu", res.tokens);
		eval_print("ric", x->run, &res, &x->g.meta, x->ref, x->how, 1);
		c = eval_trend(x, x->run, &res, st);
	}
	eval_result_free(&res);
	free(z);
	free(ids);
	return c;
}

/* --desired-grid: for each objective j and each of K levels t from lo_j to
 * hi_j, the prompts asked for t on j and the middle of their range on the
 * others; obtained against desired (normalised) per objective, as the
 * response curves of a child run "NAME-desired-grid" (its samples and
 * desired_* metrics, src/eval_curve.h). */
static enum status_code eval_desired(struct eval_ctx *x, struct status *st)
{
	size_t N = x->N, P = x->P, K = (size_t)x->cfg.desired_levels, n_pts = N * K;
	struct store *s = x->sg.store;
	char name[512], vec[512];
	if (x->cfg.name)
		snprintf(name, sizeof name, "%s-desired-grid", x->cfg.name);
	else
		snprintf(name, sizeof name, "eval-%lld-desired-grid", (long long)x->run);
	store_id run = eval_new_run(s, name, x->run, st);
	if (!run)
		return st->code;
	double mid[STORE_MAX_OBJ];
	for (size_t j = 0; j < N; j++)
		mid[j] = stats_round1(0.5 * (x->lo[j] + x->hi[j]));
	eval_param(s, run, "kind", "desired-grid");
	eval_param(s, run, "model", "%s", x->cfg.model);
	eval_param(s, run, "range", "%s", x->cfg.range);
	eval_param(s, run, "mapping", "none (desired scores given)");
	eval_param(s, run, "levels", "%zu", K);
	eval_vec(vec, sizeof vec, mid, N);
	eval_param(s, run, "desired_fixed", "%s", vec);
	eval_common_params(s, run, &x->cfg, &x->g.meta, x->ref, N, P);
	if (eval_image_dir(x, run, &x->g, st) != STATUS_OK) {
		eval_run_finish(s, run, st->code, st->msg);
		return st->code;
	}
	struct eval_result r;
	struct eval_curve cv[STORE_MAX_OBJ];
	size_t n_cv = 0;
	double *z = calloc(P * N, sizeof *z);
	enum status_code c = STATUS_OK;
	if (!eval_result_alloc(&r, n_pts, N, P) || !z)
		c = status_set(st, STATUS_NOMEM, "out of memory");
	for (; c == STATUS_OK && n_cv < N; n_cv++)
		if (!eval_curve_init(&cv[n_cv], K))
			c = status_set(st, STATUS_NOMEM, "out of memory");
	for (size_t p = 0; c == STATUS_OK && p < n_pts; p++) {
		size_t j = p / K, k = p % K;
		double *t = r.desired + p * N;
		memcpy(t, mid, N * sizeof *mid);
		t[j] = stats_round1(x->lo[j] + (x->hi[j] - x->lo[j]) * (double)k / (double)(K - 1));
		cv[j].level[k] = t[j];
		for (size_t i = 0; i < P; i++)
			memcpy(z + i * N, t, N * sizeof *t);
		c = eval_generate(&x->g, &x->g.meta, P, (const char *const *)x->pr.v, z, x->seeds,
		                  &x->cfg, &x->tr, &r, p * P, st);
		for (size_t i = 0; c == STATUS_OK && i < P; i++)
			eval_curve_add(&cv[j], k, r.norm[(p * P + i) * N + j]);
		if (c == STATUS_OK)
			c = dist_first_error(eval_record_point(s, run, &r, (const char *const *)x->pr.v,
			                                       p, NULL, st), st);
	}
	if (c == STATUS_OK) {
		const char *names[STORE_MAX_OBJ];
		for (size_t j = 0; j < N; j++) {
			names[j] = x->g.meta.obj[j].name;
			eval_curve_finish(&cv[j]);
		}
		char title[768];
		snprintf(title, sizeof title, "desired grid: run %lld, %zu levels x %zu prompts per "
		         "objective, the others asked for %s; obtained z against desired z:",
		         (long long)run, K, P, vec);
		eval_curves_print(title, names, cv, N);
		if (dist_rank() == 0) /* rank 0 alone writes the store */
			c = eval_curves_record(s, run, "desired", names, cv, N, st);
		c = dist_first_error(c, st);
		eval_param(s, run, "tokens", "%zu", r.tokens);
	}
	eval_run_finish(s, run, c, st->msg);
	for (size_t j = 0; j < n_cv; j++)
		eval_curve_free(&cv[j]);
	eval_result_free(&r);
	free(z);
	return c;
}

static void eval_ctx_free(struct eval_ctx *x)
{
	for (size_t i = 0; i < x->pr.n; i++)
		free(x->pr.v[i]);
	free(x->pr.v);
	free(x->grid);
	free(x->seeds);
	if (x->g_open)
		ricgen_close(&x->g);
}

static int eval_run(struct cli *cli, int argc, char **argv)
{
	double job = 0;
	struct eval_ctx x = { .cli = cli,
		              .cfg = { .split = "eval", .n_prompts = 16, .step = 0.1,
		                       .temperature = 0.7, .top_p = 0.9, .batch = 64 } };
	int rc = eval_options(argc, argv, &x.cfg, &job);
	if (rc >= 0)
		return rc;
	struct status st = STATUS_INIT;
	enum status_code c = eval_open_model(&x, &st);
	if (c == STATUS_OK)
		c = eval_load_prompts(&x, &st);
	if (c == STATUS_OK)
		c = eval_start(&x, job, &st);
	if (c == STATUS_OK)
		c = eval_grid(&x, &st);
	for (size_t b = 0; c == STATUS_OK && b < x.cfg.n_baselines; b++)
		c = eval_baseline(&x, b, &st);
	if (c == STATUS_OK && x.cfg.desired_grid)
		c = eval_desired(&x, &st);
	if (x.run) /* stage_finish prints the error and closes the store */
		rc = stage_finish(&x.sg, c == STATUS_OK ? STATUS_OK
		                         : stage_stopping() ? STATUS_CANCELLED : c,
		                  st.code != STATUS_OK ? st.msg : "failed");
	else {
		if (!x.quiet)
			cli_error("%s", st.msg);
		rc = CLI_FAIL;
	}
	eval_ctx_free(&x);
	return rc;
}
