/* ric online: RiC's online stage: goal-conditioned sampling, scoring,
 * multi-objective rejection sampling, hindsight relabelling and continued
 * fine-tuning, iteration by iteration. */
#include "config.h"

#include "src/dist.h"
#include "src/online_eval.h"
#include "src/paths.h"
#include "src/ricgen.h"
#include "src/stage.h"
#include "src/stage_state.h"
#include "src/train_loop.h"
#include "src/stage_lora.h"
#include "engine/checkpoint.h"
#include "engine/generate.h"
#include "engine/goals.h"
#include "engine/mors.h"
#include "engine/reward.h"
#include "engine/ricmeta.h"
#include "engine/stats.h"
#include "engine/tokenizer.h"
#include "engine/train.h"

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
	         "       [--eval-each [--eval-prompts N] [--eval-step S]] [--allow-cmd] [...]",
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
	        "  --job ID          run as job ID (set by `ric job start`)\n",
	.run = online_run,
};

#define ONLINE_MAX_OBJ STORE_MAX_OBJ

struct online_opts {
	const char *policy, *dataset, *out, *sampler;
	double iterations, prompts, quantile, mix, epochs, max_tokens, temperature, top_p;
	int allow_cmd;
	int weights; /* enum decoder_dtype of the sampling */
	struct ricgen_stops stops;
	int eval_each;               /* --eval-each: ric eval after every iteration */
	double eval_prompts, eval_step;
	struct stage_train_opts t;
};

struct online_row {
	char *prompt, *response;
	double raw[ONLINE_MAX_OBJ];
};

/* Everything the iterations share. */
struct online {
	struct online_opts o;
	struct stage sg;
	struct ricmeta m;
	struct tokenizer *tok;
	struct model_params p;            /* the policy, or with LoRA its frozen base */
	struct lora lora;                 /* LoRA (--lora-rank): the adapter trained */
	int lora_on;
	struct reward *rw[ONLINE_MAX_OBJ];
	int obj_pos[ONLINE_MAX_OBJ];      /* each ric.json objective's position in the dataset */
	struct online_row *rows;          /* offline training rows with every reward */
	size_t nrows, caprows;
	char **prompts;                   /* distinct training prompts (into rows) */
	size_t nprompts;
	size_t *surv;                     /* rows passing MORS over all rows (into rows) */
	size_t nsurv;
	struct ricmeta_seq *pool;         /* kept online samples, relabelled, all iterations */
	size_t npool, cappool;
	enum goals_sampler goals;
	struct rng rng;
	struct hooks h;
	struct status st;
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
		STAGE_TRAIN_OPTIONS, { NULL, 0, NULL, 0 }
	};
	const struct cli_command *cmd = &cmd_online;
	int c, rc, exit_rc;
	while ((c = cli_next_option(cmd, argc, argv, "h", opts, &exit_rc)) != -1) {
		rc = CLI_OK;
		switch (c) {
		case 'P': o->policy = optarg; break;
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

static int online_row_cb(void *ctx, const struct store_row *r)
{
	struct online *on = ctx;
	struct online_row row = { 0 };
	for (size_t i = 0; i < on->m.n_obj; i++) {
		int k = on->obj_pos[i];
		if (k >= r->n || !r->has_reward[k])
			return 0;
		row.raw[i] = r->reward[k];
	}
	if (on->nrows == on->caprows) {
		size_t cap = on->caprows * 2 + 64;
		struct online_row *g = realloc(on->rows, cap * sizeof *g);
		if (!g)
			return 1;
		on->rows = g;
		on->caprows = cap;
	}
	row.prompt = strdup(r->prompt);
	row.response = strdup(r->response);
	if (!row.prompt || !row.response) {
		free(row.prompt);
		free(row.response);
		return 1;
	}
	on->rows[on->nrows++] = row;
	return 0;
}

static int online_strcmp(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

static enum status_code online_dataset(struct online *on)
{
	struct store_err err;
	store_id ds;
	struct status *st = &on->st;
	if (store_dataset_find(on->sg.store, on->o.dataset, &ds, &err) != STORE_OK)
		return status_set(st, STATUS_INVALID, "%s", err.msg);
	struct online_objs oc = { .on = on };
	if (store_objectives_each(on->sg.store, ds, online_objective, &oc, &err) != STORE_OK)
		return status_set(st, STATUS_IO, "%s", err.msg);
	if ((size_t)oc.found != on->m.n_obj)
		return status_set(st, STATUS_INVALID, "dataset %s lacks objectives of %s/ric.json",
		                  on->o.dataset, on->o.policy);
	struct store_row_query q = { .split = "train" };
	if (store_rows_query(on->sg.store, ds, &q, online_row_cb, on, &err) != STORE_OK)
		return status_set(st, STATUS_IO, "%s", err.msg);
	if (on->nrows == 0)
		return status_set(st, STATUS_INVALID, "dataset %s has no scored training rows",
		                  on->o.dataset);
	on->prompts = malloc(on->nrows * sizeof *on->prompts);
	if (!on->prompts)
		return status_set(st, STATUS_NOMEM, "out of memory");
	for (size_t i = 0; i < on->nrows; i++)
		on->prompts[i] = on->rows[i].prompt;
	qsort(on->prompts, on->nrows, sizeof *on->prompts, online_strcmp);
	size_t n = 0;
	for (size_t i = 0; i < on->nrows; i++)
		if (n == 0 || strcmp(on->prompts[n - 1], on->prompts[i]) != 0)
			on->prompts[n++] = on->prompts[i];
	on->nprompts = n;
	return STATUS_OK;
}

static enum status_code online_pool_add(struct online *on, struct ricmeta_seq *s)
{
	if (on->npool == on->cappool) {
		size_t cap = on->cappool * 2 + 64;
		struct ricmeta_seq *g = realloc(on->pool, cap * sizeof *g);
		if (!g) {
			ricmeta_seq_free(s);
			return status_set(&on->st, STATUS_NOMEM, "out of memory");
		}
		on->pool = g;
		on->cappool = cap;
	}
	on->pool[on->npool++] = *s;
	return STATUS_OK;
}

/* ---- one iteration ----------------------------------------------------- */

/* Every rank's samples [lo, hi) of out and raw (n scores each) to every rank. */
static enum status_code online_share(struct generate_output *out, double *raw, size_t M,
                                     size_t n, struct status *st)
{
	struct online_shape {
		int64_t n, text_len, finish;
	} *shape = calloc(M, sizeof *shape);
	void **tok = calloc(M, sizeof *tok), **text = calloc(M, sizeof *text);
	size_t *tok_len = calloc(M, sizeof *tok_len), *text_len = calloc(M, sizeof *text_len);
	size_t lo, hi;
	dist_span(M, &lo, &hi);
	enum status_code rc = STATUS_OK;
	if (!shape || !tok || !text || !tok_len || !text_len)
		rc = status_set(st, STATUS_NOMEM, "out of memory");
	for (size_t i = lo; rc == STATUS_OK && i < hi; i++) {
		shape[i] = (struct online_shape){ .n = (int64_t)out[i].n,
			                          .text_len = (int64_t)out[i].text_len,
			                          .finish = out[i].finish };
		tok[i] = out[i].tokens;
		tok_len[i] = out[i].n * sizeof *out[i].tokens;
		text[i] = out[i].text;
		text_len[i] = out[i].text ? out[i].text_len + 1 : 0;
	}
	/* the same collectives on every rank, whatever failed */
	rc = dist_first_error(rc, st);
	if (rc == STATUS_OK)
		rc = dist_share_spans(shape, M, sizeof *shape, st);
	if (rc == STATUS_OK)
		rc = dist_share_spans(raw, M, n * sizeof *raw, st);
	if (rc == STATUS_OK)
		rc = dist_share_blobs(tok, tok_len, M, st);
	if (rc == STATUS_OK)
		rc = dist_share_blobs(text, text_len, M, st);
	for (size_t i = 0; rc == STATUS_OK && i < M; i++) {
		if (i >= lo && i < hi)
			continue;
		out[i] = (struct generate_output){ .tokens = tok[i], .n = (size_t)shape[i].n,
			                           .text = text[i], .text_len = (size_t)shape[i].text_len,
			                           .finish = (enum generate_finish)shape[i].finish };
		tok[i] = text[i] = NULL;
	}
	for (size_t i = 0; tok && text && i < M; i++)
		if (i < lo || i >= hi) { /* copies a failure left behind */
			free(tok[i]);
			free(text[i]);
		}
	free(shape);
	free(tok);
	free(text);
	free(tok_len);
	free(text_len);
	return rc;
}

/* Samples, scores, filters and stores; kept samples join the pool. */
static enum status_code online_sample(struct online *on, int iter)
{
	size_t M = (size_t)on->o.prompts, n = on->m.n_obj;
	struct status *st = &on->st;
	double lo[ONLINE_MAX_OBJ], hi[ONLINE_MAX_OBJ];
	ricmeta_ranges(&on->m, lo, hi);
	const char **prompt = calloc(M, sizeof *prompt);
	const char **resp = calloc(M, sizeof *resp);
	struct ricmeta_seq *ctx = calloc(M, sizeof *ctx);
	const int **ids = calloc(M, sizeof *ids);
	size_t *lens = calloc(M, sizeof *lens);
	double *want = calloc(M * n, sizeof *want), *pref = calloc(M * n, sizeof *pref);
	double *raw = calloc(M * n, sizeof *raw), *z = calloc(M * n, sizeof *z);
	double *col = calloc(M, sizeof *col);
	unsigned char *keep = calloc(M, 1);
	struct generate_output *out = calloc(M, sizeof *out);
	struct store_sample *smp = calloc(M, sizeof *smp);
	uint64_t *seeds = NULL;
	size_t a, b; /* this rank's samples */
	dist_span(M, &a, &b);
	enum status_code rc = STATUS_OK;
	if (!prompt || !resp || !ctx || !ids || !lens || !want || !pref || !raw || !z || !col ||
	    !keep || !out || !smp)
		rc = status_set(st, STATUS_NOMEM, "out of memory");
	size_t P = model_context(&on->p.cfg), max_ctx = 0;
	for (size_t i = 0; rc == STATUS_OK && i < M; i++) {
		prompt[i] = on->prompts[rng_below(&on->rng, on->nprompts)];
		rc = goals_sample(on->goals, on->m.mapping, n, lo, hi, &on->rng, pref + i * n,
		                  want + i * n, st);
		if (rc == STATUS_OK)
			rc = ricmeta_encode(&on->m, on->tok, prompt[i], want + i * n, NULL, -1, &ctx[i], st);
		if (rc == STATUS_OK && ctx[i].n + 2 > P)
			rc = status_set(st, STATUS_INVALID, "a context of %zu tokens leaves no room in %zu "
			                "positions", ctx[i].n, P);
		if (rc == STATUS_OK) {
			ids[i] = ctx[i].ids;
			lens[i] = ctx[i].n;
			max_ctx = ctx[i].n > max_ctx ? ctx[i].n : max_ctx;
		}
	}
	if (rc == STATUS_OK) {
		struct generate_params gp = GENERATE_DEFAULTS;
		gp.max_new = (size_t)on->o.max_tokens;
		if (gp.max_new > P - max_ctx)
			gp.max_new = P - max_ctx;
		gp.sampling.temperature = (float)on->o.temperature;
		gp.sampling.top_p = (float)on->o.top_p;
		gp.eos_id = on->p.cfg.eos_token_id;
		gp.seed = rng_next(&on->rng);
		gp.decode = ricgen_decode;
		gp.ctx = on->tok;
		gp.min_new = 1;
		/* the policy changed since the last iteration: its reduced copy anew */
		struct decoder_weights dw = { 0 };
		/* LoRA: sampling runs the merged model, a copy; the base stays as loaded */
		struct model_params merged = { 0 }, *pol = &on->p;
		ricgen_stops_apply(&on->o.stops, &gp);
		if (on->lora_on && (rc = stage_lora_merged(&on->lora, &on->p, &merged, st)) == STATUS_OK)
			pol = &merged;
		if (rc == STATUS_OK)
			rc = decoder_weights_init(&dw, pol, (enum decoder_dtype)on->o.weights, st);
		gp.weights = &dw;
		/* Under mpirun each rank samples and scores its share of the M
		 * prompts, sample i still drawn with seed + i (engine/generate.h:
		 * its tokens depend on that alone), and every rank ends with all M. */
		if (rc == STATUS_OK && !(seeds = malloc(M * sizeof *seeds)))
			rc = status_set(st, STATUS_NOMEM, "out of memory");
		for (size_t i = 0; rc == STATUS_OK && i < M; i++)
			seeds[i] = gp.seed + i;
		gp.seeds = seeds ? seeds + a : NULL;
		if (rc == STATUS_OK && b > a)
			rc = generate(pol, ids + a, lens + a, b - a, &gp, &on->h, out + a, st);
		decoder_weights_free(&dw);
		model_params_free(&merged);
	}
	for (size_t i = a; rc == STATUS_OK && i < b; i++) {
		const char *text = out[i].text ? out[i].text : "";
		resp[i] = text + ricmeta_response_offset(text, out[i].text ? out[i].text_len : 0);
	}
	for (size_t j = 0; rc == STATUS_OK && b > a && j < n; j++) {
		rc = reward_score(on->rw[j], b - a, prompt + a, resp + a, col + a, st);
		for (size_t i = a; rc == STATUS_OK && i < b; i++)
			raw[i * n + j] = col[i];
	}
	if (dist_size() > 1) {
		rc = dist_first_error(rc, st); /* a rank failed or was stopped: all know */
		if (rc == STATUS_OK)
			rc = online_share(out, raw, M, n, st);
		rc = dist_first_error(rc, st);
		for (size_t i = 0; rc == STATUS_OK && i < M; i++) {
			const char *text = out[i].text ? out[i].text : "";
			resp[i] = text + ricmeta_response_offset(text, out[i].text ? out[i].text_len : 0);
		}
	}
	for (size_t i = 0; rc == STATUS_OK && i < M; i++)
		ricmeta_normalise(&on->m, raw + i * n, z + i * n);
	size_t kept = 0;
	if (rc == STATUS_OK)
		rc = mors_filter(z, M, n, on->o.quantile, keep, NULL, &kept, st);
	/* A sample cut at --max-tokens is not a whole response: trained on with
	 * an EOS appended it would teach the policy to stop mid-sentence, and a
	 * weak policy's cut samples are mostly its repetitive ones. One that
	 * reached a stop string ended its turn: whole, with an EOS where the
	 * next turn began. */
	for (size_t i = 0; rc == STATUS_OK && i < M; i++)
		if (keep[i] && out[i].finish != GENERATE_STOP &&
		    (out[i].n == 0 || out[i].tokens[out[i].n - 1] != on->p.cfg.eos_token_id)) {
			keep[i] = 0;
			kept--;
		}
	for (size_t i = 0; rc == STATUS_OK && i < M; i++) {
		smp[i] = (struct store_sample){ .run = on->sg.run, .iteration = iter, .prompt = prompt[i],
		                                .response = resp[i], .n = (int)n, .kept = keep[i] };
		for (size_t j = 0; j < n; j++) {
			/* The reference sampler draws no preference: stored as 0. */
			smp[i].preference[j] = on->goals == GOALS_DIRICHLET ? pref[i * n + j] : 0.0;
			smp[i].desired[j] = want[i * n + j];
			smp[i].raw[j] = raw[i * n + j];
			smp[i].norm[j] = z[i * n + j];
		}
	}
	if (rc == STATUS_OK && stage_writes(&on->sg)) {
		struct store_err err;
		if (store_samples_add(on->sg.store, smp, M, NULL, &err) != STORE_OK)
			rc = status_set(st, STATUS_IO, "%s", err.msg);
	}
	/* Hindsight relabelling: a kept sample is trained on with the scores it got. */
	for (size_t i = 0; rc == STATUS_OK && i < M; i++) {
		if (!keep[i])
			continue;
		struct ricmeta_seq s;
		rc = ricmeta_encode_generated(&on->m, on->tok, prompt[i], z + i * n, out[i].tokens,
		                              out[i].n, on->p.cfg.eos_token_id, &s, st);
		if (rc == STATUS_OK && s.n > P) {
			ricmeta_seq_free(&s);
			continue;
		}
		if (rc == STATUS_OK)
			rc = online_pool_add(on, &s);
	}
	if (rc == STATUS_OK) {
		for (size_t j = 0; j < n; j++) {
			double sum = 0;
			for (size_t i = 0; i < M; i++)
				sum += raw[i * n + j];
			char key[96];
			snprintf(key, sizeof key, "reward/%s", on->m.obj[j].name);
			stage_metric(&on->sg, key, iter, sum / (double)M);
		}
		stage_metric(&on->sg, "kept", iter, (double)kept);
		stage_say(&on->sg, "iteration %d: %zu samples, %zu kept; %zu online rows in the pool", iter,
		          M, kept, on->npool);
	}
	for (size_t i = 0; ctx && i < M; i++)
		ricmeta_seq_free(&ctx[i]);
	if (out)
		generate_output_free(out, M);
	free(out);
	free(smp);
	free(prompt);
	free(resp);
	free(ctx);
	free(ids);
	free(lens);
	free(want);
	free(pref);
	free(raw);
	free(z);
	free(col);
	free(keep);
	free(seeds);
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
		ricmeta_normalise(&on->m, on->rows[i].raw, z + i * n);
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
static enum status_code online_offline(struct online *on, struct ricmeta_seq **out, size_t *nout)
{
	size_t N = (size_t)on->o.mix, S = on->nsurv;
	*out = NULL;
	*nout = 0;
	if (N == 0 || S == 0)
		return STATUS_OK;
	if (N > S)
		N = S;
	struct status *st = &on->st;
	size_t *order = malloc(S * sizeof *order);
	struct ricmeta_seq *seq = calloc(N, sizeof *seq);
	enum status_code rc = STATUS_OK;
	if (!order || !seq)
		rc = status_set(st, STATUS_NOMEM, "out of memory");
	else
		memcpy(order, on->surv, S * sizeof *order);
	if (rc == STATUS_OK)
		rng_shuffle(&on->rng, order, S);
	size_t k = 0, P = model_context(&on->p.cfg);
	/* A row too long for the context is passed over for the next one. */
	for (size_t i = 0; rc == STATUS_OK && i < S && k < N; i++) {
		const struct online_row *r = &on->rows[order[i]];
		double z[ONLINE_MAX_OBJ];
		ricmeta_normalise(&on->m, r->raw, z);
		rc = ricmeta_encode(&on->m, on->tok, r->prompt, z, r->response,
		                    on->p.cfg.eos_token_id, &seq[k], st);
		if (rc == STATUS_OK && seq[k].n > P)
			ricmeta_seq_free(&seq[k]);
		else if (rc == STATUS_OK)
			k++;
	}
	free(order);
	if (rc != STATUS_OK) {
		for (size_t i = 0; i < k; i++)
			ricmeta_seq_free(&seq[i]);
		free(seq);
		return rc;
	}
	*out = seq;
	*nout = k;
	return STATUS_OK;
}

struct online_batch {
	struct online *on;
	const struct ricmeta_seq *off;  /* offline rows after the pool's */
	size_t *order, n, pos;          /* row order of the current pass, reshuffled after each */
	int *tok, *tgt;                 /* [B * n_positions] */
	int *one;                       /* [n_positions] */
};

/* The next B rows of the shuffled pool + offline rows, right-padded. */
static enum status_code online_fill(void *ctx, long step, struct train_batch *tb, struct status *st)
{
	struct online_batch *ob = ctx;
	struct online *on = ob->on;
	size_t B = (size_t)on->o.t.batch, T = 2;
	const struct ricmeta_seq *batch[4096];
	(void)step;
	(void)st;
	for (size_t b = 0; b < B; b++) {
		if (ob->pos == ob->n) {
			rng_shuffle(&on->rng, ob->order, ob->n);
			ob->pos = 0;
		}
		size_t i = ob->order[ob->pos++];
		batch[b] = i < on->npool ? &on->pool[i] : &ob->off[i - on->npool];
		T = batch[b]->n > T ? batch[b]->n : T;
	}
	for (size_t b = 0; b < B; b++) {
		ricmeta_seq_targets(batch[b], ob->one);
		for (size_t k = 0; k < T; k++) {
			ob->tok[b * T + k] = k < batch[b]->n ? batch[b]->ids[k] : on->p.cfg.eos_token_id;
			ob->tgt[b * T + k] = k < batch[b]->n ? ob->one[k] : -100;
		}
	}
	*tb = (struct train_batch){ .B = B, .T = T, .tokens = ob->tok, .targets = ob->tgt };
	return STATUS_OK;
}

/* Fine-tunes the policy on pool + offline with a fresh optimizer. */
static enum status_code online_train(struct online *on, int iter, long *global_step,
                                     const struct ricmeta_seq *off, size_t noff)
{
	struct status *st = &on->st;
	size_t total_rows = on->npool + noff, B = (size_t)on->o.t.batch;
	if (total_rows == 0)
		return STATUS_OK;
	long steps = on->o.t.steps > 0 ? (long)on->o.t.steps
	                               : (long)ceil(on->o.epochs * (double)total_rows / (double)B);
	size_t P = model_context(&on->p.cfg);
	struct online_batch ob = { .on = on, .off = off, .n = total_rows, .pos = total_rows,
	                           .order = malloc(total_rows * sizeof *ob.order),
	                           .tok = malloc(B * P * sizeof *ob.tok),
	                           .tgt = malloc(B * P * sizeof *ob.tgt), .one = malloc(P * sizeof *ob.one) };
	enum status_code rc = STATUS_OK;
	if (!ob.order || !ob.tok || !ob.tgt || !ob.one)
		rc = status_set(st, STATUS_NOMEM, "out of memory");
	for (size_t i = 0; rc == STATUS_OK && i < total_rows; i++)
		ob.order[i] = i;
	struct optim_config oc = OPTIM_DEFAULTS;
	oc.lr = (float)on->o.t.lr;
	oc.schedule = OPTIM_CONSTANT;
	struct train_loop L = { .sg = &on->sg, .h = &on->h, .p = &on->p, .oc = oc, .total = steps,
	                        .clip = (float)on->o.t.clip, .metric_step = *global_step,
	                        .fill = online_fill, .ctx = &ob,
	                        .lora = on->lora_on ? &on->lora : NULL,
	                        .seed = (uint64_t)on->o.t.seed + (uint64_t)iter };
	if (rc == STATUS_OK)
		rc = train_loop_run(&L, st);
	*global_step += L.step;
	if (L.have_train)
		stage_metric(&on->sg, "train_rows", iter, (double)total_rows);
	free(ob.order);
	free(ob.tok);
	free(ob.tgt);
	free(ob.one);
	train_loop_free(&L);
	return rc;
}

/* ---- resume: the pool travels in trainer_state.json ------------------- */

static json_t *online_pool_json(const struct online *on)
{
	json_t *pool = json_array();
	for (size_t i = 0; pool && i < on->npool; i++) {
		json_t *ids = json_array();
		for (size_t k = 0; ids && k < on->pool[i].n; k++)
			json_array_append_new(ids, json_integer(on->pool[i].ids[k]));
		json_array_append_new(pool, json_pack("{s:o, s:I}", "ids", ids, "context",
		                                      (json_int_t)on->pool[i].n_context));
	}
	return json_pack("{s:o}", "pool", pool);
}

/* Kept samples are relabelled generations: the loss covers what follows the context. */
static enum status_code online_pool_restore(struct online *on, json_t *extra, const char *dir)
{
	json_t *pool = json_object_get(extra, "pool");
	if (!json_is_array(pool))
		return status_set(&on->st, STATUS_FORMAT, "%s/trainer_state.json: no online pool", dir);
	size_t i;
	json_t *e;
	json_array_foreach(pool, i, e) {
		json_t *ids = json_object_get(e, "ids");
		json_int_t nctx = json_integer_value(json_object_get(e, "context"));
		size_t n = json_array_size(ids);
		struct ricmeta_seq s = { .n = n, .n_context = (size_t)nctx };
		s.ids = malloc((n ? n : 1) * sizeof *s.ids);
		s.mask = malloc(n ? n : 1);
		if (!s.ids || !s.mask) {
			ricmeta_seq_free(&s);
			return status_set(&on->st, STATUS_NOMEM, "out of memory");
		}
		for (size_t k = 0; k < n; k++) {
			s.ids[k] = (int)json_integer_value(json_array_get(ids, k));
			s.mask[k] = k >= (size_t)nctx;
		}
		enum status_code rc = online_pool_add(on, &s);
		if (rc != STATUS_OK)
			return rc;
	}
	return STATUS_OK;
}

/* ---- the stage --------------------------------------------------------- */

static void online_free(struct online *on)
{
	for (size_t i = 0; i < on->m.n_obj && i < ONLINE_MAX_OBJ; i++)
		if (on->rw[i])
			reward_close(on->rw[i]);
	for (size_t i = 0; i < on->nrows; i++) {
		free(on->rows[i].prompt);
		free(on->rows[i].response);
	}
	free(on->rows);
	free(on->prompts);
	free(on->surv);
	for (size_t i = 0; i < on->npool; i++)
		ricmeta_seq_free(&on->pool[i]);
	free(on->pool);
	ricmeta_free(&on->m);
	lora_free(&on->lora);
	model_params_free(&on->p);
	if (on->tok)
		tokenizer_free(on->tok);
}

static void online_params(struct online *on, int argc, char **argv)
{
	const struct online_opts *o = &on->o;
	struct stage *sg = &on->sg;
	stage_param(sg, "policy", "%s", o->policy);
	stage_param(sg, "dataset", "%s", o->dataset);
	stage_param(sg, "out", "%s", o->out);
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
	stage_param(sg, "max_tokens", "%g", o->max_tokens);
	stage_param(sg, "temperature", "%g", o->temperature);
	stage_param(sg, "top_p", "%g", o->top_p);
	stage_param(sg, "weights", "%s", decoder_dtype_name((enum decoder_dtype)o->weights));
	stage_param(sg, "min_new_tokens", "1");
	char *stops = ricgen_stops_text(&o->stops);
	stage_param(sg, "stop", "%s", stops ? stops : "?");
	free(stops);
	stage_param(sg, "seed", "%g", o->t.seed);
	stage_param(sg, "template", "%s", on->m.template);
	for (size_t i = 0; i < on->m.n_obj; i++) {
		char key[64];
		snprintf(key, sizeof key, "objective%zu", i + 1);
		stage_param(sg, key, "%s=%s mu=%.17g sigma=%.17g lo=%.17g hi=%.17g", on->m.obj[i].name,
		            on->m.obj[i].reward, on->m.obj[i].mu, on->m.obj[i].sigma, on->m.obj[i].lo,
		            on->m.obj[i].hi);
	}
	stage_param(sg, "resume", "%s", o->t.resume ? o->t.resume : "");
	stage_resumes(sg, o->t.resume);
	(void)argc;
	(void)argv;
}

static int online_run(struct cli *cli, int argc, char **argv)
{
	struct online on;
	memset(&on, 0, sizeof on);
	struct online_opts *o = &on.o;
	*o = (struct online_opts){ .iterations = 1, .prompts = 64, .quantile = MORS_QUANTILE, .mix = -1,
	                           .epochs = 1, .max_tokens = 64, .temperature = 0.7, .top_p = 0.9,
	                           .eval_prompts = 16, .eval_step = 0.1,
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
	enum status_code rc = STATUS_OK;
	if (checkpoint_config_read(from, &fc, st) == STATUS_OK && model_is_image(&fc))
		rc = status_set(st, STATUS_UNSUPPORTED, "%s: an image model (%s); the online stage "
		                "trains text models (image models: pretrain --arch dit, sft)", from,
		                model_family_of(&fc)->title);
	if (rc == STATUS_OK)
		rc = ricmeta_load(from, &on.m, st);
	if (rc == STATUS_OK)
		rc = tokenizer_load(from, &on.tok, st);
	/* LoRA: an adapter policy goes on training its adapter over its base;
	 * a full one gets a fresh adapter */
	on.lora_on = stage_lora_on(&o->t);
	if (rc == STATUS_OK && on.lora_on && o->t.resume)
		rc = stage_lora_resume(&o->t, NULL, &on.p, &ss, 0, &on.lora, st);
	else if (rc == STATUS_OK && on.lora_on && lora_is_adapter(o->policy))
		rc = stage_lora_load(&o->t, o->policy, NULL, &on.p, 0, &on.lora, st);
	else if (rc == STATUS_OK && on.lora_on) {
		rc = checkpoint_load(o->policy, &on.p, NULL, st);
		if (rc == STATUS_OK)
			rc = stage_lora_create(&o->t, o->policy, &on.p, 0, &on.lora, st);
	} else if (rc == STATUS_OK)
		rc = o->t.resume ? stage_state_load_model(o->t.resume, &on.p, &ss, st)
		               : checkpoint_load(o->policy, &on.p, NULL, st);
	if (rc == STATUS_OK && (on.p.cfg.num_labels > 0 || on.p.cfg.eos_token_id < 0))
		rc = status_set(st, STATUS_INVALID, "%s: not a language model with an EOS token", from);
	if (rc == STATUS_OK)
		ricgen_stops_resolve(&o->stops, &on.m);
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
	online_params(&on, argc, argv);
	if (on.lora_on)
		stage_lora_params(&on.sg, &on.lora);
	rc = online_dataset(&on);
	int first = 1;
	if (o->t.resume) {
		on.rng = ss.rng;
		first = (int)ss.step + 1;
		if (rc == STATUS_OK)
			rc = online_pool_restore(&on, ss.extra, o->t.resume);
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
		stage_say(&on.sg, "%zu offline rows, %zu distinct prompts, %zu objective(s)", on.nrows,
		          on.nprompts, on.m.n_obj);
	}
	if (rc == STATUS_OK)
		rc = online_survivors(&on);
	struct checkpoint_save_opts so = { .tokenizer_dir = from, .ric = ric,
	                                   .lora = on.lora_on ? &on.lora : NULL };
	long gstep = 0;
	int K = (int)o->iterations;
	for (int it = first; rc == STATUS_OK && it <= K; it++) {
		rc = online_sample(&on, it);
		struct ricmeta_seq *off = NULL;
		size_t noff = 0;
		if (rc == STATUS_OK)
			rc = online_offline(&on, &off, &noff);
		if (rc == STATUS_OK)
			stage_metric(&on.sg, "offline_rows", it, (double)noff);
		if (rc == STATUS_OK)
			rc = online_train(&on, it, &gstep, off, noff);
		for (size_t i = 0; i < noff; i++)
			ricmeta_seq_free(&off[i]);
		free(off);
		if (rc == STATUS_OK) {
			/* Iteration checkpoints: the policy and where the sampling stood. */
			struct optim_config oc = OPTIM_DEFAULTS;
			struct optim opt;
			rc = on.lora_on ? stage_lora_optim(&on.lora, &opt, st) : optim_init(&opt, &on.p, &oc, st);
			if (rc == STATUS_OK) {
				ss.rng = on.rng;
				json_decref(ss.extra);
				ss.extra = online_pool_json(&on);
				rc = stage_save(&on.sg, o->out, it, "policy", meta, &on.p, &so, &opt, &ss, st);
				optim_free(&opt);
			}
		}
		/* rank 0 alone: the eval is a child run in the store */
		if (rc == STATUS_OK && o->eval_each && stage_writes(&on.sg)) {
			char dir[4200];
			snprintf(dir, sizeof dir, "%s/checkpoint-%d", o->out, it);
			struct online_eval e = { .dir = dir, .dataset = o->dataset, .iteration = it,
				                 .prompts = o->eval_prompts, .step = o->eval_step,
				                 .max_tokens = o->max_tokens, .temperature = o->temperature,
				                 .top_p = o->top_p, .seed = o->t.seed,
				                 .weights = decoder_dtype_name((enum decoder_dtype)o->weights),
				                 .stops = &o->stops, .allow_cmd = o->allow_cmd };
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
