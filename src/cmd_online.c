/* ric online: RiC's online stage: goal-conditioned sampling, scoring,
 * multi-objective rejection sampling, hindsight relabelling and continued
 * fine-tuning, iteration by iteration -- one loop for text and image
 * models, each kind sampling and training its own way (src/online.h). */
#include "config.h"

#include "src/dist.h"
#include "src/online.h"
#include "src/online_eval.h"
#include "src/paths.h"
#include "src/stage_lora.h"
#include "engine/checkpoint.h"
#include "engine/goals.h"
#include "engine/mors.h"
#include "engine/optim.h"
#include "engine/stats.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

static int online_run(struct cli *cli, int argc, char **argv);

const struct cli_command cmd_online = {
	.name = "online",
	.summary = "RiC online iterations: sample with goals, reject, relabel, fine-tune",
	.usage = "ric online --policy DIR --dataset NAME --iterations K --out DIR [--prompts M]\n"
	         "       [--sampler reference|dirichlet] [--quantile Q] [--mix N] [--steps N]\n"
	         "       [--lr LR] [--max-tokens T] [--weights f32|bf16|int8] [--stop TEXT]... [--no-stop]\n"
	         "       [--eval-each [--eval-prompts N] [--eval-step S]] [--allow-cmd]\n"
	         "       [--ddim-steps S] [--guidance G] [--cond-drop P] [...]",
	.help = "Per iteration: M prompts drawn with replacement from the dataset's training\n"
	        "prompts, desired scores from the goal sampler, generation (temperature 0.7,\n"
	        "top-p 0.9, no EOS as the first token), rewards of the policy's objectives,\n"
	        "normalised with its offline stats; the samples above the --quantile in some\n"
	        "objective are kept (unless cut at --max-tokens before their EOS) and\n"
	        "relabelled with the scores they obtained. The kept\n"
	        "samples of all iterations so far, plus N offline training rows drawn without\n"
	        "replacement from those passing the same rule (its quantiles taken once over\n"
	        "the whole offline set, as the reference does), fine-tune the current policy (fresh AdamW, constant lr).\n"
	        "Every sample is stored with its desired and obtained scores, iteration and\n"
	        "kept flag (see `ric show RUN`).\n\n"
	        "Options:\n"
	        "  --policy DIR      a RiC checkpoint (with ric.json), e.g. from ric sft\n"
	        "  --dataset NAME    the relabelled dataset: training prompts and offline rows\n"
	        "  --iterations K    (default 1)\n"
	        "  --out DIR         checkpoint-K/ after iteration K, and the final model\n"
	        "  --prompts M       samples per iteration (default 64)\n"
	        "  --sampler S       goal sampler: reference (default) or dirichlet\n"
	        "  --quantile Q      rejection quantile per objective (default 0.7)\n"
	        "  --mix N           offline rows per iteration, drawn without replacement from\n"
	        "                    those above the --quantile rule over the whole set\n"
	        "                    (default: M)\n"
	        "  --epochs E        passes over each iteration's training set (default 1)\n"
	        "  --steps N         optimizer steps per iteration instead of epochs\n"
	        "  --batch B         rows per step (default 8)\n"
	        "  --lr LR           constant learning rate (default 1e-5)\n"
	        "  --clip C          gradient norm clip (default 1)\n"
	        "  --max-tokens T    new tokens per sample (default 64)\n"
	        "  --temperature T   (default 0.7)   --top-p P (default 0.9)\n"
	        "  --weights W       sample with f32 (default), bf16 or int8 weights, as ric\n"
	        "                    generate does (made from the policy each iteration;\n"
	        "                    training stays in F32)\n"
	        "  --stop TEXT       a sample ends before TEXT, which is cut before it is\n"
	        "                    scored or trained on (repeatable; default \"\\n\\nHuman:\"\n"
	        "                    and the policy's marker when it starts a line)\n"
	        "  --no-stop         no stop strings: samples end at EOS or --max-tokens\n"
	        "  --eval-each       after every iteration, ric eval of its checkpoint on the\n"
	        "                    dataset's eval prompts (a run NAME-eval-K whose parent is\n"
	        "                    this run; metrics eval_hypervolume and eval_run at step K)\n"
	        "  --eval-prompts N  its prompts (default 16)   --eval-step S  its grid (0.1)\n"
	        "  --seed S          prompts, goals and sampling (default 0)\n"
	        "  --name NAME       run name\n"
	        "  --resume DIR      continue after the iteration checkpoint DIR (same options)\n"
	        "  --allow-cmd       run the policy's cmd: rewards (they start a program) and\n"
	        "                    read rm: models outside its folder; without it such a\n"
	        "                    reward stops the stage before it starts\n"
	        "  --lora-rank R     train a LoRA adapter of rank R over the frozen policy\n"
	        "                    (no gradient or optimizer state for it) and save a PEFT\n"
	        "                    adapter folder (adapter_config.json, adapter_model.safetensors);\n"
	        "                    an adapter --policy goes on training its own adapter\n"
	        "  --lora-alpha A    its scale alpha / r (default 2R)\n"
	        "  --lora-targets T  all-linear (default) or modules: c_attn,c_proj,c_fc\n"
	        "                    (GPT-2), q_proj,...,down_proj (Llama family)\n"
	        "  --lora-dropout P  dropout on the adapter's input (default 0)\n"
	        "  --job ID          run as job ID (set by `ric job start`)\n"
	        "An image RiC model (ric sft on a relabelled image dataset) goes through the\n"
	        "same iterations: each sample is a picture drawn by DDIM under its desired\n"
	        "scores (image i of an iteration from noise seeded by the iteration's seed + i),\n"
	        "saved as a PNG in STORE.files/run-ID beside the store (its path is the\n"
	        "sample's response; ric rm deletes them with the run) and scored by the image\n"
	        "rewards as saved; kept pictures are trained on under the scores they got,\n"
	        "with the offline images, by ric sft's noise-prediction loss. Its options:\n"
	        "  --ddim-steps S    DDIM steps per picture (default 20)\n"
	        "  --guidance G      classifier-free guidance scale (default 3)\n"
	        "  --cond-drop P     share of training rows on the null condition (default 0.1)\n"
	        "The text sampling options (--max-tokens, --temperature, --top-p, --stop,\n"
	        "--no-stop), --weights bf16|int8 and --lora-rank are refused for an image\n"
	        "model, and the image options for a text one.\n",
	.run = online_run,
};

/* The options of one kind of model, which the other refuses. */
static const struct online_kind_opt {
	int c, image;
	const char *name;
} online_kind_opts[] = {
	{ 'T', 0, "--max-tokens" }, { 't', 0, "--temperature" }, { 'p', 0, "--top-p" },
	{ 'X', 0, "--stop" }, { 'Z', 0, "--no-stop" },
	{ 'I', 1, "--ddim-steps" }, { 'u', 1, "--guidance" }, { 'C', 1, "--cond-drop" },
};

static int online_parse(int argc, char **argv, struct online_opts *o)
{
	static const struct option opts[] = {
		{ "policy", required_argument, NULL, 'P' }, { "dataset", required_argument, NULL, 'D' },
		{ "iterations", required_argument, NULL, 'k' }, { "out", required_argument, NULL, 'o' },
		{ "prompts", required_argument, NULL, 'M' }, { "sampler", required_argument, NULL, 'g' },
		{ "quantile", required_argument, NULL, 'q' }, { "mix", required_argument, NULL, 'x' },
		{ "epochs", required_argument, NULL, 'e' }, { "max-tokens", required_argument, NULL, 'T' },
		{ "temperature", required_argument, NULL, 't' }, { "top-p", required_argument, NULL, 'p' },
		{ "allow-cmd", no_argument, NULL, 'A' }, { "weights", required_argument, NULL, 'W' },
		{ "stop", required_argument, NULL, 'X' }, { "no-stop", no_argument, NULL, 'Z' },
		{ "eval-each", no_argument, NULL, 'E' }, { "eval-prompts", required_argument, NULL, 'R' },
		{ "eval-step", required_argument, NULL, 'G' },
		{ "ddim-steps", required_argument, NULL, 'I' }, { "guidance", required_argument, NULL, 'u' },
		{ "cond-drop", required_argument, NULL, 'C' },
		STAGE_TRAIN_OPTIONS, { NULL, 0, NULL, 0 }
	};
	const struct cli_command *cmd = &cmd_online;
	int c, rc, exit_rc;
	while ((c = cli_next_option(cmd, argc, argv, "h", opts, &exit_rc)) != -1) {
		rc = CLI_OK;
		/* options of one kind of model: the other kind refuses them */
		for (size_t i = 0; i < sizeof online_kind_opts / sizeof *online_kind_opts; i++) {
			const struct online_kind_opt *k = &online_kind_opts[i];
			if (c == k->c && k->image && !o->image_given++)
				o->image_opt = k->name;
			else if (c == k->c && !k->image && !o->text_given++)
				o->text_opt = k->name;
		}
		switch (c) {
		case 'P': o->policy = optarg; break;
		case 'I': rc = cli_number(cmd, "--ddim-steps", optarg, 1, 1e6, &o->ddim_steps); break;
		case 'u': rc = cli_number(cmd, "--guidance", optarg, 0, 100, &o->guidance); break;
		case 'C': rc = cli_number(cmd, "--cond-drop", optarg, 0, 1, &o->cond_drop); break;
		case 'D': o->dataset = optarg; break;
		case 'o': o->out = optarg; break;
		case 'g': o->sampler = optarg; break;
		case 'A': o->allow_cmd = 1; break;
		case 'X':
			if (ricgen_stops_add(&o->stops, optarg) != 0)
				return cli_bad_usage(cmd, "at most %d --stop strings", RICGEN_MAX_STOP);
			break;
		case 'Z': o->stops.none = 1; break;
		case 'E': o->eval_each = 1; break;
		case 'R':
			rc = cli_number(cmd, "--eval-prompts", optarg, 1, 1e6, &o->eval_prompts);
			o->eval_each = 1;
			break;
		case 'G':
			rc = cli_number(cmd, "--eval-step", optarg, 1e-6, 1, &o->eval_step);
			o->eval_each = 1;
			break;
		case 'k': rc = cli_number(cmd, "--iterations", optarg, 1, 1e6, &o->iterations); break;
		case 'M': rc = cli_number(cmd, "--prompts", optarg, 1, 65536, &o->prompts); break;
		case 'q': rc = cli_number(cmd, "--quantile", optarg, 0, 1, &o->quantile); break;
		case 'x': rc = cli_number(cmd, "--mix", optarg, 0, 1e9, &o->mix); break;
		case 'e': rc = cli_number(cmd, "--epochs", optarg, 0.001, 1e6, &o->epochs); break;
		case 'T': rc = cli_number(cmd, "--max-tokens", optarg, 1, 1e6, &o->max_tokens); break;
		case 't': rc = cli_number(cmd, "--temperature", optarg, 0, 100, &o->temperature); break;
		case 'p': rc = cli_number(cmd, "--top-p", optarg, 0, 1, &o->top_p); break;
		case 'W':
			if ((o->weights = decoder_dtype_parse(optarg)) < 0)
				return cli_bad_usage(cmd, "--weights is f32, bf16 or int8, not '%s'", optarg);
			break;
		case CLI_OPT_EXIT: return exit_rc == CLI_OK ? -1 : exit_rc;
		default: rc = stage_train_option(cmd, c, optarg, 4096, &o->t); break;
		}
		if (rc != CLI_OK)
			return rc;
	}
	if (optind < argc)
		return cli_bad_usage(cmd, "unexpected argument '%s'", argv[optind]);
	if (!o->policy || !o->dataset || !o->out)
		return cli_bad_usage(cmd, "--policy, --dataset and --out are required");
	if (o->stops.none && o->stops.n)
		return cli_bad_usage(cmd, "give --stop or --no-stop, not both");
	if (o->mix < 0)
		o->mix = o->prompts;
	return stage_train_check(cmd, &o->t);
}

/* ---- the dataset ------------------------------------------------------- */

struct online_objs {
	struct online *on;
	int found;
};

static int online_objective(void *ctx, const struct store_objective *ob)
{
	struct online_objs *c = ctx;
	int i = ricmeta_find(&c->on->m, ob->name);
	if (i >= 0) {
		c->on->obj_pos[i] = ob->pos;
		c->found++;
	}
	return 0;
}

struct online_rows {
	struct online *on;
	enum status_code rc;
};

/* A training row with a score for every objective: its scores, and its
 * payload to the kind. */
static int online_row_cb(void *ctx, const struct store_row *r)
{
	struct online_rows *w = ctx;
	struct online *on = w->on;
	size_t n = on->m.n_obj;
	for (size_t i = 0; i < n; i++) {
		int k = on->obj_pos[i];
		if (k >= r->n || !r->has_reward[k])
			return 0;
	}
	if (on->nrows == on->caprows) {
		size_t cap = on->caprows * 2 + 64;
		double *g = realloc(on->raw, cap * n * sizeof *g);
		if (!g) {
			w->rc = status_set(&on->st, STATUS_NOMEM, "out of memory");
			return 1;
		}
		on->raw = g;
		on->caprows = cap;
	}
	/* the kind keeps the row's payload at on->nrows */
	if ((w->rc = on->kind->row(on, r)) != STATUS_OK)
		return 1;
	for (size_t i = 0; i < n; i++)
		on->raw[on->nrows * n + i] = r->reward[on->obj_pos[i]];
	on->nrows++;
	return 0;
}

static enum status_code online_dataset(struct online *on)
{
	struct store_err err;
	store_id ds;
	struct status *st = &on->st;
	int64_t n_image = 0, n_rows = 0;
	int image = on->kind == &online_image;
	if (store_dataset_find(on->sg.store, on->o.dataset, &ds, &err) != STORE_OK)
		return status_set(st, STATUS_INVALID, "%s", err.msg);
	if (store_dataset_images(on->sg.store, ds, &n_image, &n_rows, &err) != STORE_OK)
		return status_set(st, STATUS_IO, "%s", err.msg);
	if (image && (n_image == 0 || n_image < n_rows))
		return status_set(st, STATUS_INVALID, "dataset %s holds text rows: %s is an image model, "
		                  "which samples and trains on an image dataset", on->o.dataset,
		                  on->o.policy);
	if (!image && n_image > 0)
		return status_set(st, STATUS_INVALID, "dataset %s holds images: %s is a text model",
		                  on->o.dataset, on->o.policy);
	struct online_objs oc = { .on = on };
	if (store_objectives_each(on->sg.store, ds, online_objective, &oc, &err) != STORE_OK)
		return status_set(st, STATUS_IO, "%s", err.msg);
	if ((size_t)oc.found != on->m.n_obj)
		return status_set(st, STATUS_INVALID, "dataset %s lacks objectives of %s/ric.json",
		                  on->o.dataset, on->o.policy);
	struct store_row_query q = { .split = "train" };
	struct online_rows w = { .on = on };
	if (store_rows_query(on->sg.store, ds, &q, online_row_cb, &w, &err) != STORE_OK)
		return w.rc != STATUS_OK ? w.rc : status_set(st, STATUS_IO, "%s", err.msg);
	if (w.rc != STATUS_OK)
		return w.rc;
	if (on->nrows == 0)
		return status_set(st, STATUS_INVALID, "dataset %s has no scored training rows",
		                  on->o.dataset);
	return on->kind->rows_done(on);
}

struct optim_config online_optim(const struct online *on)
{
	struct optim_config oc = OPTIM_DEFAULTS;
	oc.lr = (float)on->o.t.lr;
	oc.schedule = OPTIM_CONSTANT;
	return oc;
}

/* ---- one iteration ----------------------------------------------------- */

/* Samples under drawn goals, scores, filters and stores; kept samples join
 * the pool with the scores they obtained (hindsight relabelling). */
static enum status_code online_sample(struct online *on, int iter)
{
	size_t M = (size_t)on->o.prompts, n = on->m.n_obj;
	struct status *st = &on->st;
	double lo[ONLINE_MAX_OBJ], hi[ONLINE_MAX_OBJ];
	ricmeta_ranges(&on->m, lo, hi);
	double *want = calloc(M * n + 1, sizeof *want), *pref = calloc(M * n + 1, sizeof *pref);
	double *z = calloc(M * n + 1, sizeof *z);
	unsigned char *keep = calloc(M, 1);
	struct store_sample *smp = calloc(M, sizeof *smp);
	struct online_batch b = { .M = M, .want = want, .prompt = calloc(M, sizeof *b.prompt),
	                          .response = calloc(M, sizeof *b.response),
	                          .raw = calloc(M * n + 1, sizeof *b.raw), .whole = calloc(M, 1) };
	enum status_code rc = STATUS_OK;
	if (!want || !pref || !z || !keep || !smp || !b.prompt || !b.response || !b.raw || !b.whole)
		rc = status_set(st, STATUS_NOMEM, "out of memory");
	for (size_t i = 0; rc == STATUS_OK && i < M; i++) {
		b.prompt[i] = on->kind->prompt ? on->kind->prompt(on) : "";
		rc = goals_sample(on->goals, on->m.mapping, n, lo, hi, &on->rng, pref + i * n,
		                  want + i * n, st);
	}
	if (rc == STATUS_OK)
		rc = on->kind->sample(on, iter, &b);
	for (size_t i = 0; rc == STATUS_OK && i < M; i++)
		ricmeta_normalise(&on->m, b.raw + i * n, z + i * n);
	size_t kept = 0;
	if (rc == STATUS_OK)
		rc = mors_filter(z, M, n, on->o.quantile, keep, NULL, &kept, st);
	/* a sample the kind says is not whole (a text cut at --max-tokens) is never kept */
	for (size_t i = 0; rc == STATUS_OK && i < M; i++)
		if (keep[i] && !b.whole[i]) {
			keep[i] = 0;
			kept--;
		}
	for (size_t i = 0; rc == STATUS_OK && i < M; i++) {
		smp[i] = (struct store_sample){ .run = on->sg.run, .iteration = iter,
			                        .prompt = b.prompt[i], .response = b.response[i],
			                        .n = (int)n, .kept = keep[i] };
		for (size_t j = 0; j < n; j++) {
			/* The reference sampler draws no preference: stored as 0. */
			smp[i].preference[j] = on->goals == GOALS_DIRICHLET ? pref[i * n + j] : 0.0;
			smp[i].desired[j] = want[i * n + j];
			smp[i].raw[j] = b.raw[i * n + j];
			smp[i].norm[j] = z[i * n + j];
		}
	}
	if (rc == STATUS_OK && stage_writes(&on->sg)) {
		struct store_err err;
		if (store_samples_add(on->sg.store, smp, M, NULL, &err) != STORE_OK)
			rc = status_set(st, STATUS_IO, "%s", err.msg);
	}
	for (size_t i = 0; rc == STATUS_OK && i < M; i++)
		if (keep[i])
			rc = on->kind->keep(on, &b, i, z + i * n);
	if (rc == STATUS_OK) {
		for (size_t j = 0; j < n; j++) {
			double sum = 0;
			for (size_t i = 0; i < M; i++)
				sum += b.raw[i * n + j];
			char key[96];
			snprintf(key, sizeof key, "reward/%s", on->m.obj[j].name);
			stage_metric(&on->sg, key, iter, sum / (double)M);
		}
		stage_metric(&on->sg, "kept", iter, (double)kept);
		stage_say(&on->sg, "iteration %d: %zu samples, %zu kept; %zu online rows in the pool", iter,
		          M, kept, on->npool);
	}
	on->kind->batch_free(on, &b);
	free(b.prompt);
	free(b.response);
	free(b.raw);
	free(b.whole);
	free(smp);
	free(want);
	free(pref);
	free(z);
	free(keep);
	return rc;
}

/* The offline rows that pass the rejection rule, as the reference has them:
 * thresholds once over the WHOLE offline set, not over each draw (a draw's
 * own quantiles would keep about the same share of any draw, good or bad). */
static enum status_code online_survivors(struct online *on)
{
	size_t R = on->nrows, n = on->m.n_obj;
	struct status *st = &on->st;
	double *z = malloc(R * n * sizeof *z);
	unsigned char *keep = malloc(R);
	on->surv = malloc(R * sizeof *on->surv);
	enum status_code rc = STATUS_OK;
	if (!z || !keep || !on->surv)
		rc = status_set(st, STATUS_NOMEM, "out of memory");
	for (size_t i = 0; rc == STATUS_OK && i < R; i++)
		ricmeta_normalise(&on->m, on->raw + i * n, z + i * n);
	if (rc == STATUS_OK)
		rc = mors_filter(z, R, n, on->o.quantile, keep, NULL, NULL, st);
	for (size_t i = 0; rc == STATUS_OK && i < R; i++)
		if (keep[i])
			on->surv[on->nsurv++] = i;
	free(z);
	free(keep);
	if (rc == STATUS_OK && on->o.mix > (double)on->nsurv)
		stage_say(&on->sg, "note: only %zu of %zu offline rows pass the %g-quantile rule; "
		          "--mix %g mixes all of them", on->nsurv, R, on->o.quantile, on->o.mix);
	return rc;
}

/* Offline rows for this iteration: N survivors drawn without replacement
 * (fewer only when fewer survive or fit the context). */
static enum status_code online_offline(struct online *on, size_t *noff)
{
	size_t N = (size_t)on->o.mix, S = on->nsurv;
	*noff = 0;
	if (N == 0 || S == 0)
		return on->kind->mix(on, NULL, 0, 0, noff);
	if (N > S)
		N = S;
	size_t *order = malloc(S * sizeof *order);
	if (!order)
		return status_set(&on->st, STATUS_NOMEM, "out of memory");
	memcpy(order, on->surv, S * sizeof *order);
	rng_shuffle(&on->rng, order, S);
	enum status_code rc = on->kind->mix(on, order, S, N, noff);
	free(order);
	return rc;
}

/* ---- the stage --------------------------------------------------------- */

static void online_free(struct online *on)
{
	for (size_t i = 0; i < on->m.n_obj && i < ONLINE_MAX_OBJ; i++)
		if (on->rw[i])
			reward_close(on->rw[i]);
	if (on->kind)
		on->kind->free(on);
	free(on->raw);
	free(on->surv);
	ricmeta_free(&on->m);
	lora_free(&on->lora);
	model_params_free(&on->p);
}

static void online_params(struct online *on)
{
	const struct online_opts *o = &on->o;
	struct stage *sg = &on->sg;
	stage_param(sg, "policy", "%s", o->policy);
	stage_param(sg, "dataset", "%s", o->dataset);
	stage_param(sg, "out", "%s", o->out);
	stage_param(sg, "kind", "%s", on->kind->name);
	if (o->eval_each) {
		stage_param(sg, "eval_each", "yes");
		stage_param(sg, "eval_prompts", "%g", o->eval_prompts);
		stage_param(sg, "eval_step", "%g", o->eval_step);
	}
	stage_param(sg, "iterations", "%g", o->iterations);
	stage_param(sg, "prompts", "%g", o->prompts);
	stage_param(sg, "sampler", "%s", goals_name(on->goals));
	stage_param(sg, "mapping", "%s", mapping_name(on->m.mapping));
	stage_param(sg, "quantile", "%g", o->quantile);
	stage_param(sg, "mix", "%g", o->mix);
	stage_param(sg, "epochs", "%g", o->epochs);
	stage_param(sg, "steps", "%g", o->t.steps);
	stage_param(sg, "batch", "%g", o->t.batch);
	stage_param(sg, "lr", "%g", o->t.lr);
	stage_param(sg, "schedule", "constant");
	stage_param(sg, "clip", "%g", o->t.clip);
	on->kind->params(on);
	stage_param(sg, "seed", "%g", o->t.seed);
	for (size_t i = 0; i < on->m.n_obj; i++) {
		char key[64];
		snprintf(key, sizeof key, "objective%zu", i + 1);
		stage_param(sg, key, "%s=%s mu=%.17g sigma=%.17g lo=%.17g hi=%.17g", on->m.obj[i].name,
		            on->m.obj[i].reward, on->m.obj[i].mu, on->m.obj[i].sigma, on->m.obj[i].lo,
		            on->m.obj[i].hi);
	}
	stage_param(sg, "resume", "%s", o->t.resume ? o->t.resume : "");
	stage_resumes(sg, o->t.resume);
}

/* The checkpoint of iteration it: the policy and where the sampling stood. */
static enum status_code online_save_iteration(struct online *on, int it, const char *meta,
                                              const struct checkpoint_save_opts *so,
                                              struct stage_state *ss)
{
	struct status *st = &on->st;
	struct optim_config oc = OPTIM_DEFAULTS;
	struct optim opt;
	enum status_code rc = on->lora_on ? stage_lora_optim(&on->lora, &opt, st)
	                                  : optim_init(&opt, &on->p, &oc, st);
	if (rc != STATUS_OK)
		return rc;
	ss->rng = on->rng;
	json_decref(ss->extra);
	ss->extra = on->kind->pool_json(on);
	rc = ss->extra ? stage_save(&on->sg, on->o.out, it, "policy", meta, &on->p, so, &opt, ss, st)
	               : status_set(st, STATUS_NOMEM, "out of memory");
	optim_free(&opt);
	return rc;
}

static int online_run(struct cli *cli, int argc, char **argv)
{
	struct online on;
	memset(&on, 0, sizeof on);
	struct online_opts *o = &on.o;
	*o = (struct online_opts){ .iterations = 1, .prompts = 64, .quantile = MORS_QUANTILE, .mix = -1,
	                           .epochs = 1, .max_tokens = 64, .temperature = 0.7, .top_p = 0.9,
	                           .eval_prompts = 16, .eval_step = 0.1, .ddim_steps = 20,
	                           .guidance = 3, .cond_drop = 0.1,
	                           .t = { .batch = 8, .lr = 1e-5, .clip = 1 } };
	int prc = online_parse(argc, argv, o);
	if (prc != CLI_OK)
		return prc < 0 ? CLI_OK : prc;
	struct status *st = &on.st;
	status_clear(st);
	ricmeta_init(&on.m);
	struct stage_state ss = { 0 };
	const char *from = o->t.resume ? o->t.resume : o->policy;
	struct model_config fc;
	struct status probe = STATUS_INIT; /* a bad config.json: the kind's load says so */
	on.kind = checkpoint_config_read(from, &fc, &probe) == STATUS_OK && model_is_image(&fc)
	                  ? &online_image
	                  : &online_text;
	enum status_code rc = ricmeta_load(from, &on.m, st);
	if (rc == STATUS_OK)
		rc = on.kind->open(&on, from, &ss);
	on.goals = GOALS_DEFAULT;
	if (rc == STATUS_OK && o->sampler)
		rc = goals_parse(o->sampler, &on.goals, st);
	/* The policy's ric.json is a file: what it would run needs --allow-cmd. */
	struct reward_env env = { .datadir = paths_datadir(), .timeout_s = 60, .batch = 16,
	                          .from_file = 1, .home = from, .consent = o->allow_cmd,
	                          .weights = o->weights };
	for (size_t i = 0; rc == STATUS_OK && i < on.m.n_obj; i++)
		if ((rc = reward_open(on.m.obj[i].reward, &env, &on.rw[i], st)) != STATUS_OK)
			status_prefix(st, "objective '%s'", on.m.obj[i].name);
	if (rc != STATUS_OK) {
		cli_allow_cmd_hint(st);
		cli_error("%s", st->msg);
		online_free(&on);
		json_decref(ss.extra);
		return CLI_FAIL;
	}
	if (stage_open(&on.sg, cli, "online", o->t.name, (store_id)on.m.run, (store_id)o->t.job) !=
	    CLI_OK) {
		online_free(&on);
		json_decref(ss.extra);
		return CLI_FAIL;
	}
	on.h = stage_hooks(&on.sg);
	env.hooks = &on.h;
	online_params(&on);
	if (on.lora_on)
		stage_lora_params(&on.sg, &on.lora);
	rc = online_dataset(&on);
	int first = 1;
	if (o->t.resume) {
		on.rng = ss.rng;
		first = (int)ss.step + 1;
		if (rc == STATUS_OK)
			rc = on.kind->pool_restore(&on, ss.extra, o->t.resume);
		stage_say(&on.sg, "resuming after iteration %ld of %s", ss.step, o->t.resume);
	} else {
		rng_seed(&on.rng, (uint64_t)o->t.seed);
	}
	json_t *ric = NULL;
	char *meta = NULL;
	if (rc == STATUS_OK) {
		on.m.run = on.sg.run;
		ric = ricmeta_to_json(&on.m);
		meta = ric ? json_dumps(ric, JSON_COMPACT | JSON_SORT_KEYS) : NULL;
		if (!meta)
			rc = status_set(st, STATUS_NOMEM, "out of memory");
	}
	if (rc == STATUS_OK)
		rc = online_survivors(&on);
	struct checkpoint_save_opts so = { .tokenizer_dir = on.tokenizer_dir, .ric = ric,
	                                   .lora = on.lora_on ? &on.lora : NULL };
	long gstep = 0;
	int K = (int)o->iterations;
	for (int it = first; rc == STATUS_OK && it <= K; it++) {
		rc = online_sample(&on, it);
		size_t noff = 0;
		if (rc == STATUS_OK)
			rc = online_offline(&on, &noff);
		if (rc == STATUS_OK)
			stage_metric(&on.sg, "offline_rows", it, (double)noff);
		if (rc == STATUS_OK)
			rc = on.kind->train(&on, it, &gstep);
		if (rc == STATUS_OK)
			rc = online_save_iteration(&on, it, meta, &so, &ss);
		/* rank 0 alone: the eval is a child run in the store */
		if (rc == STATUS_OK && o->eval_each && stage_writes(&on.sg)) {
			char dir[4200];
			snprintf(dir, sizeof dir, "%s/checkpoint-%d", o->out, it);
			struct online_eval e = { .dir = dir, .dataset = o->dataset, .iteration = it,
				                 .prompts = o->eval_prompts, .step = o->eval_step,
				                 .max_tokens = o->max_tokens, .temperature = o->temperature,
				                 .top_p = o->top_p, .seed = o->t.seed,
				                 .weights = decoder_dtype_name((enum decoder_dtype)o->weights),
				                 .stops = &o->stops, .allow_cmd = o->allow_cmd,
				                 .image = on.kind == &online_image,
				                 .ddim_steps = o->ddim_steps, .guidance = o->guidance };
			rc = online_eval_run(&on.sg, &e, st);
		}
		/* the other ranks wait for it asleep, not polling a core, and
		 * learn how it went */
		if (o->eval_each)
			rc = dist_await_rank0(rc, st);
	}
	if (rc == STATUS_OK) {
		if (stage_writes(&on.sg))
			rc = checkpoint_save(o->out, &on.p, &so, st);
		if (rc == STATUS_OK) {
			stage_checkpoint(&on.sg, o->out, K, "policy", meta);
			printf("%s saved to %s (%d iterations)\n", on.lora_on ? "adapter" : "model", o->out, K);
		}
	}
	int ret = stage_finish(&on.sg, rc, st->msg);
	free(meta);
	json_decref(ric);
	json_decref(ss.extra);
	online_free(&on);
	return ret;
}
