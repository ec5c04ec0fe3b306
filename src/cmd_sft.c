/* ric sft: multi-reward conditional supervised fine-tuning (RiC offline stage). */
#include "config.h"

#include "src/cli_store.h"
#include "src/stage.h"
#include "src/stage_state.h"
#include "engine/checkpoint.h"
#include "engine/ricmeta.h"
#include "engine/stats.h"
#include "engine/tokenizer.h"
#include "engine/train.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

static int sft_run(struct cli *cli, int argc, char **argv);

const struct cli_command cmd_sft = {
	.name = "sft",
	.summary = "multi-reward conditional fine-tuning on a relabelled dataset",
	.usage = "ric sft --base DIR --dataset NAME --out DIR [--epochs E | --steps N] [--lr LR]\n"
	         "       [--batch B] [--max-len N] [--template T] [--marker M] [--unconditioned]\n"
	         "       [--pair-responses chosen|both] [--expert NAME [--expert-quantile Q]] [...]",
	.help = "Every training row of the dataset becomes context + response + EOS, the\n"
	        "context holding the row's normalised scores z = (r - mu) / sigma with one\n"
	        "decimal (the dataset's relabel stats); the loss covers the response and EOS\n"
	        "only. AdamW, warmup then linear decay, gradient clipping. Checkpoints carry\n"
	        "ric.json: objectives with their stats, template, marker, mapping, run id.\n\n"
	        "Options:\n"
	        "  --base DIR        the model to fine-tune (with its tokenizer files)\n"
	        "  --dataset NAME    a dataset relabelled with `ric relabel`\n"
	        "  --out DIR         where checkpoint-STEP/ folders and the final model go\n"
	        "  --objective NAME  condition on this objective (repeatable; default: all)\n"
	        "  --template T      context template (default: \"{prompt} <rm1_score> {z1} ...{marker}\")\n"
	        "  --marker M        text ending the context (default \"\\n\\nAssistant:\")\n"
	        "  --mapping M       preference mapping recorded for generation: linf, l2, linear\n"
	        "  --unconditioned   the SFT baseline: prompt + marker, no scores\n"
	        "  --pair-responses R  rows of preference pairs (pairs, HH-RLHF) trained on:\n"
	        "                    chosen (the default with --unconditioned, as the\n"
	        "                    reference's baseline) or both (the default otherwise:\n"
	        "                    RiC wants the low-reward rows too)\n"
	        "  --expert NAME     a Rewarded Soups expert for objective NAME: unconditioned\n"
	        "                    SFT on the training rows whose NAME score reaches its\n"
	        "                    --expert-quantile (rejection sampling; both rows of\n"
	        "                    pairs by default); ric.json names the expert, so\n"
	        "                    `ric eval --baseline soups` pairs it with NAME\n"
	        "  --expert-quantile Q  the top quantile kept (default 0.7: the best 30%)\n"
	        "  --epochs E        passes over the training rows (default 1)\n"
	        "  --steps N         optimizer steps instead of epochs\n"
	        "  --batch B         rows per step (default 8)\n"
	        "  --lr LR           peak learning rate (default 1e-4)\n"
	        "  --warmup N        warmup steps (default 0)\n"
	        "  --weight-decay W  AdamW decay (default 0)\n"
	        "  --clip C          gradient norm clip (default 1; 0: off)\n"
	        "  --max-len N       longest row in tokens; longer rows are skipped (default: n_positions)\n"
	        "  --save-every K    checkpoint every K steps (default 0: only at the end)\n"
	        "  --seed S          data order (default 0)\n"
	        "  --name NAME       run name\n"
	        "  --resume DIR      continue from a checkpoint-STEP folder (same options)\n"
	        "  --stop-at STEP    checkpoint and stop after STEP steps (as a cancel would)\n"
	        "  --job ID          run as job ID (set by `ric job start`)\n",
	.run = sft_run,
};

#define SFT_MAX_OBJ STORE_MAX_OBJ

struct sft_opts {
	const char *base, *dataset, *out, *template, *marker, *mapping;
	const char *objectives[SFT_MAX_OBJ];
	int n_objectives;
	int unconditioned;
	const char *pair_responses; /* "chosen", "both"; NULL: by --unconditioned */
	const char *expert;         /* --expert NAME: rows at NAME's top quantile only */
	double expert_quantile;
	double epochs, max_len;
	struct stage_train_opts t;
};

struct sft_data {
	struct ricmeta_seq *seq;
	size_t n, cap;
	size_t skipped_long, skipped_unscored, skipped_rejected, skipped_expert;
	double expert_threshold;  /* --expert: the quantile of NAME's training scores */
	size_t *perm;
	long perm_epoch;
};

struct sft_load {
	struct sft_data *d;
	const struct ricmeta *m;
	struct tokenizer *tok;
	int eos;
	int unconditioned;
	int chosen_only;          /* rejected rows of pairs are left out */
	int expert_pos;           /* --expert: NAME's dataset position, else -1 */
	int obj_pos[SFT_MAX_OBJ]; /* dataset position of each conditioned objective */
	size_t max_len;
	struct status *st;
	enum status_code rc;
};

static int sft_row(void *ctx, const struct store_row *r)
{
	struct sft_load *L = ctx;
	double raw[SFT_MAX_OBJ], z[SFT_MAX_OBJ];
	if (L->chosen_only && r->role && strcmp(r->role, "rejected") == 0) {
		L->d->skipped_rejected++;
		return 0;
	}
	if (L->expert_pos >= 0 && (L->expert_pos >= r->n || !r->has_reward[L->expert_pos] ||
	                           r->reward[L->expert_pos] < L->d->expert_threshold)) {
		L->d->skipped_expert++;
		return 0;
	}
	for (size_t i = 0; i < L->m->n_obj; i++) {
		int k = L->obj_pos[i];
		if (k >= r->n || !r->has_reward[k]) {
			L->d->skipped_unscored++;
			return 0;
		}
		raw[i] = r->reward[k];
	}
	ricmeta_normalise(L->m, raw, z);
	struct ricmeta_seq s;
	L->rc = ricmeta_encode(L->m, L->tok, r->prompt, L->unconditioned ? NULL : z, r->response,
	                       L->eos, &s, L->st);
	if (L->rc != STATUS_OK) {
		status_prefix(L->st, "row %lld", (long long)r->id);
		return 1;
	}
	if (s.n > L->max_len || s.n < 2) {
		L->d->skipped_long++;
		ricmeta_seq_free(&s);
		return 0;
	}
	if (L->d->n == L->d->cap) {
		size_t cap = L->d->cap * 2 + 64;
		struct ricmeta_seq *g = realloc(L->d->seq, cap * sizeof *g);
		if (!g) {
			ricmeta_seq_free(&s);
			L->rc = status_set(L->st, STATUS_NOMEM, "out of memory");
			return 1;
		}
		L->d->seq = g;
		L->d->cap = cap;
	}
	L->d->seq[L->d->n++] = s;
	return 0;
}

static void sft_data_free(struct sft_data *d)
{
	for (size_t i = 0; i < d->n; i++)
		ricmeta_seq_free(&d->seq[i]);
	free(d->seq);
	free(d->perm);
	memset(d, 0, sizeof *d);
}

struct sft_objs {
	struct ricmeta *m;
	const struct sft_opts *o;
	int *pos;
	struct status *st;
	enum status_code rc;
	const char *dataset;
	int expert_pos;       /* position of --expert's objective, -1: not seen */
	store_id expert_id;
};

static int sft_objective(void *ctx, const struct store_objective *ob)
{
	struct sft_objs *c = ctx;
	if (c->o->expert && strcmp(c->o->expert, ob->name) == 0) {
		c->expert_pos = ob->pos;
		c->expert_id = ob->id;
	}
	int want = c->o->n_objectives == 0;
	for (int i = 0; i < c->o->n_objectives; i++)
		want |= strcmp(c->o->objectives[i], ob->name) == 0;
	if (!want)
		return 0;
	if (!ob->has_stats) {
		c->rc = status_set(c->st, STATUS_INVALID, "dataset %s: objective %s has no stats yet "
		                   "(run `ric relabel --dataset %s`)", c->dataset, ob->name, c->dataset);
		return 1;
	}
	if (c->m->n_obj == SFT_MAX_OBJ) {
		c->rc = status_set(c->st, STATUS_UNSUPPORTED, "more than %d objectives", SFT_MAX_OBJ);
		return 1;
	}
	c->pos[c->m->n_obj] = ob->pos;
	c->rc = ricmeta_add_objective(c->m, ob->name, ob->spec, ob->mu, ob->sigma, ob->lo, ob->hi,
	                              c->st);
	return c->rc != STATUS_OK;
}

static size_t sft_index(struct sft_data *d, uint64_t seed, size_t g)
{
	long e = (long)(g / d->n);
	if (e != d->perm_epoch) {
		for (size_t i = 0; i < d->n; i++)
			d->perm[i] = i;
		struct rng r;
		rng_seed(&r, seed * 1000003ULL + (uint64_t)e);
		rng_shuffle(&r, d->perm, d->n);
		d->perm_epoch = e;
	}
	return d->perm[g % d->n];
}

static int sft_parse(int argc, char **argv, struct sft_opts *o)
{
	static const struct option opts[] = {
		{ "base", required_argument, NULL, 'B' }, { "dataset", required_argument, NULL, 'D' },
		{ "out", required_argument, NULL, 'o' }, { "objective", required_argument, NULL, 'O' },
		{ "template", required_argument, NULL, 't' }, { "marker", required_argument, NULL, 'M' },
		{ "mapping", required_argument, NULL, 'P' }, { "unconditioned", no_argument, NULL, 'U' },
		{ "epochs", required_argument, NULL, 'e' }, { "max-len", required_argument, NULL, 'm' },
		{ "pair-responses", required_argument, NULL, 'R' }, { "expert", required_argument, NULL, 'x' },
		{ "expert-quantile", required_argument, NULL, 'q' },
		STAGE_TRAIN_OPTIONS, STAGE_SCHEDULE_OPTIONS, { NULL, 0, NULL, 0 }
	};
	const struct cli_command *cmd = &cmd_sft;
	int c, rc, exit_rc;
	while ((c = cli_next_option(cmd, argc, argv, "h", opts, &exit_rc)) != -1) {
		rc = CLI_OK;
		switch (c) {
		case 'B': o->base = optarg; break;
		case 'D': o->dataset = optarg; break;
		case 'o': o->out = optarg; break;
		case 'O':
			if (o->n_objectives == SFT_MAX_OBJ)
				return cli_bad_usage(cmd, "at most %d --objective", SFT_MAX_OBJ);
			o->objectives[o->n_objectives++] = optarg;
			break;
		case 't': o->template = optarg; break;
		case 'M': o->marker = optarg; break;
		case 'P': o->mapping = optarg; break;
		case 'U': o->unconditioned = 1; break;
		case 'R':
			if (strcmp(optarg, "chosen") != 0 && strcmp(optarg, "both") != 0)
				return cli_bad_usage(cmd, "--pair-responses is chosen or both, not '%s'", optarg);
			o->pair_responses = optarg;
			break;
		case 'x': o->expert = optarg; break;
		case 'q':
			rc = cli_number(cmd, "--expert-quantile", optarg, 0, 1, &o->expert_quantile);
			if (rc == CLI_OK && !o->expert)
				o->expert = "";   /* checked below: --expert must come too */
			break;
		case 'e': rc = cli_number(cmd, "--epochs", optarg, 0.001, 1e6, &o->epochs); break;
		case 'm': rc = cli_number(cmd, "--max-len", optarg, 2, 1e6, &o->max_len); break;
		case CLI_OPT_EXIT: return exit_rc == CLI_OK ? -1 : exit_rc;
		default: rc = stage_train_option(cmd, c, optarg, 4096, &o->t); break;
		}
		if (rc != CLI_OK)
			return rc;
	}
	if (optind < argc)
		return cli_bad_usage(cmd, "unexpected argument '%s'", argv[optind]);
	if (!o->base || !o->dataset || !o->out)
		return cli_bad_usage(cmd, "--base, --dataset and --out are required");
	if (o->expert && !o->expert[0])
		return cli_bad_usage(cmd, "--expert-quantile goes with --expert NAME");
	if (o->expert) {
		/* An expert is a plain model of one objective: the soup mixes its
		 * weights, and no score is written into its prompts. */
		o->unconditioned = 1;
		if (!o->pair_responses)
			o->pair_responses = "both";
	}
	if (!o->pair_responses)
		o->pair_responses = o->unconditioned ? "chosen" : "both";
	return CLI_OK;
}

static void sft_params(struct stage *sg, const struct sft_opts *o, const struct ricmeta *m,
                       long total, const struct sft_data *d)
{
	stage_param(sg, "base", "%s", o->base);
	stage_param(sg, "dataset", "%s", o->dataset);
	stage_param(sg, "out", "%s", o->out);
	stage_param(sg, "conditioned", "%s", o->unconditioned ? "no" : "yes");
	stage_param(sg, "pair_responses", "%s", o->pair_responses);
	for (size_t i = 0; i < m->n_obj; i++) {
		char key[96];
		snprintf(key, sizeof key, "objective%zu", i + 1);
		stage_param(sg, key, "%s=%s mu=%.17g sigma=%.17g lo=%.17g hi=%.17g", m->obj[i].name,
		            m->obj[i].reward, m->obj[i].mu, m->obj[i].sigma, m->obj[i].lo, m->obj[i].hi);
	}
	stage_param(sg, "template", "%s", m->template);
	stage_param(sg, "marker", "%s", m->marker);
	stage_param(sg, "mapping", "%s", mapping_name(m->mapping));
	stage_param(sg, "epochs", "%g", o->epochs);
	stage_param(sg, "steps", "%ld", total);
	stage_train_params(sg, &o->t);
	stage_param(sg, "max_len", "%g", o->max_len);
	stage_param(sg, "rows", "%zu", d->n);
	stage_param(sg, "rows_skipped_long", "%zu", d->skipped_long);
	stage_param(sg, "rows_skipped_unscored", "%zu", d->skipped_unscored);
	stage_param(sg, "rows_skipped_rejected", "%zu", d->skipped_rejected);
	if (o->expert) {
		stage_param(sg, "expert", "%s", o->expert);
		stage_param(sg, "expert_quantile", "%g", o->expert_quantile);
		stage_param(sg, "expert_threshold", "%.17g", d->expert_threshold);
		stage_param(sg, "rows_skipped_expert", "%zu", d->skipped_expert);
	}
	stage_param(sg, "save_every", "%g", o->t.save_every);
	stage_param(sg, "seed", "%g", o->t.seed);
	stage_param(sg, "loss", "response+eos");
	stage_param(sg, "resume", "%s", o->t.resume ? o->t.resume : "");
	stage_resumes(sg, o->t.resume);
}

struct sft_scores {
	double *v;
	size_t n, cap;
};

static int sft_score(void *ctx, store_id row, double value)
{
	struct sft_scores *c = ctx;
	(void)row;
	if (c->n == c->cap) {
		size_t cap = c->cap * 2 + 256;
		double *v = realloc(c->v, cap * sizeof *v);
		if (!v)
			return 1;
		c->v = v;
		c->cap = cap;
	}
	c->v[c->n++] = value;
	return 0;
}

/* --expert: the --expert-quantile of the objective's scores over the
 * training rows (rejection sampling keeps the rows at or above it). */
static enum status_code sft_expert_threshold(struct store *s, store_id objective,
                                             const struct sft_opts *o, struct sft_data *d,
                                             struct status *st)
{
	struct sft_scores c = { 0 };
	struct store_err err;
	enum status_code rc = STATUS_OK;
	if (store_rewards_each(s, objective, "train", sft_score, &c, &err) != STORE_OK)
		rc = status_set(st, STATUS_IO, "%s", err.msg);
	else if (c.n == 0)
		rc = status_set(st, STATUS_INVALID, "dataset %s: no training row has a %s score (run "
		                "`ric relabel --dataset %s`)", o->dataset, o->expert, o->dataset);
	else
		rc = stats_quantile(c.v, c.n, 1, o->expert_quantile, &d->expert_threshold, st);
	free(c.v);
	return rc;
}

/* Reads the dataset's objectives and training rows as token sequences. */
static enum status_code sft_prepare(struct store *s, const struct sft_opts *o, struct tokenizer *tok,
                                    int eos, struct ricmeta *m, struct sft_data *d,
                                    struct status *st)
{
	struct store_err err;
	store_id ds;
	if (store_dataset_find(s, o->dataset, &ds, &err) != STORE_OK)
		return status_set(st, STATUS_INVALID, "%s", err.msg);
	int pos[SFT_MAX_OBJ];
	struct sft_objs oc = { .m = m, .o = o, .pos = pos, .st = st, .dataset = o->dataset,
		               .expert_pos = -1 };
	if (store_objectives_each(s, ds, sft_objective, &oc, &err) != STORE_OK)
		return status_set(st, STATUS_IO, "%s", err.msg);
	if (oc.rc != STATUS_OK)
		return oc.rc;
	if (o->expert) {
		if (oc.expert_pos < 0)
			return status_set(st, STATUS_INVALID, "dataset %s has no objective '%s' for --expert "
			                  "(see `ric dataset show %s`)", o->dataset, o->expert, o->dataset);
		enum status_code rc = sft_expert_threshold(s, oc.expert_id, o, d, st);
		if (rc != STATUS_OK)
			return rc;
	}
	if (m->n_obj == 0)
		return status_set(st, STATUS_INVALID, "dataset %s has no %s (see `ric dataset show %s`)",
		                  o->dataset, o->n_objectives ? "such objectives" : "objectives", o->dataset);
	if ((int)m->n_obj < o->n_objectives)
		return status_set(st, STATUS_INVALID, "dataset %s lacks some of the --objective names",
		                  o->dataset);
	enum mapping_kind mk = MAPPING_LINF;
	if (o->mapping && mapping_parse(o->mapping, &mk, st) != STATUS_OK)
		return st->code;
	enum status_code rc = ricmeta_configure(m, o->template, o->marker, mk, 0, o->base, st);
	if (rc != STATUS_OK)
		return rc;
	struct sft_load L = { .d = d, .m = m, .tok = tok, .eos = eos, .unconditioned = o->unconditioned,
	                      .chosen_only = strcmp(o->pair_responses, "chosen") == 0,
	                      .expert_pos = o->expert ? oc.expert_pos : -1,
	                      .max_len = (size_t)o->max_len, .st = st };
	memcpy(L.obj_pos, pos, sizeof pos);
	struct store_row_query q = { .split = "train" };
	if (store_rows_query(s, ds, &q, sft_row, &L, &err) != STORE_OK)
		return status_set(st, STATUS_IO, "%s", err.msg);
	if (L.rc != STATUS_OK)
		return L.rc;
	if (d->n == 0)
		return status_set(st, STATUS_INVALID, "dataset %s: no training row fits (%zu longer than "
		                  "%g tokens, %zu without scores)", o->dataset, d->skipped_long, o->max_len,
		                  d->skipped_unscored);
	d->perm = malloc(d->n * sizeof *d->perm);
	if (!d->perm)
		return status_set(st, STATUS_NOMEM, "out of memory");
	d->perm_epoch = -1;
	return STATUS_OK;
}

struct sft_find {
	const char *name;
	store_id run;
};

static int sft_find_dataset(void *ctx, const struct store_dataset *d)
{
	struct sft_find *f = ctx;
	if (strcmp(d->name, f->name) == 0)
		f->run = d->run;
	return 0;
}

/* The run that imported the dataset: the new run's parent in the lineage. */
static store_id sft_parent(struct cli *cli, const char *dataset)
{
	struct store *s;
	struct sft_find f = { .name = dataset };
	if (cli_store_open(cli, &s) != CLI_OK)
		return 0;
	store_datasets_each(s, sft_find_dataset, &f, NULL);
	store_close(s);
	return f.run;
}

static int sft_run(struct cli *cli, int argc, char **argv)
{
	struct sft_opts o = { .epochs = 1, .expert_quantile = 0.7,
		              .t = { .batch = 8, .lr = 1e-4, .clip = 1 } };
	int prc = sft_parse(argc, argv, &o);
	if (prc != CLI_OK)
		return prc < 0 ? CLI_OK : prc;

	struct status st = STATUS_INIT;
	struct tokenizer *tok = NULL;
	struct model_params p = { 0 };
	struct stage_state ss = { 0 };
	if (tokenizer_load(o.base, &tok, &st) != STATUS_OK ||
	    (o.t.resume ? stage_state_load_model(o.t.resume, &p, &ss, &st)
	              : checkpoint_load(o.base, &p, NULL, &st)) != STATUS_OK) {
		cli_error("%s", st.msg);
		if (tok)
			tokenizer_free(tok);
		return CLI_FAIL;
	}
	if (p.cfg.num_labels > 0 || p.cfg.eos_token_id < 0) {
		cli_error("%s: not a language model with an EOS token", o.base);
		tokenizer_free(tok);
		model_params_free(&p);
		return CLI_FAIL;
	}
	if (o.max_len <= 0 || o.max_len > p.cfg.n_positions)
		o.max_len = p.cfg.n_positions;

	struct stage sg;
	if (stage_open(&sg, cli, "sft", o.t.name, sft_parent(cli, o.dataset), (store_id)o.t.job) !=
	    CLI_OK) {
		tokenizer_free(tok);
		model_params_free(&p);
		return CLI_FAIL;
	}
	struct ricmeta m;
	ricmeta_init(&m);
	struct sft_data d = { 0 };
	enum status_code rc = sft_prepare(sg.store, &o, tok, p.cfg.eos_token_id, &m, &d, &st);
	size_t B = (size_t)o.t.batch;
	long total = 1;
	json_t *ric = NULL;
	char *meta = NULL;
	if (rc == STATUS_OK) {
		total = o.t.steps > 0 ? (long)o.t.steps : (long)ceil(o.epochs * (double)d.n / (double)B);
		if (total < 1)
			total = 1;
		m.run = sg.run;
		ric = ricmeta_to_json(&m);
		if (ric && o.unconditioned)
			json_object_set_new(ric, "conditioned", json_false());
		if (ric && o.expert) {
			json_object_set_new(ric, "expert", json_string(o.expert));
			json_object_set_new(ric, "expert_quantile", json_real(o.expert_quantile));
		}
		meta = ric ? json_dumps(ric, JSON_COMPACT | JSON_SORT_KEYS) : NULL;
		if (!meta)
			rc = status_set(&st, STATUS_NOMEM, "out of memory");
		sft_params(&sg, &o, &m, total, &d);
		stage_say(&sg, "%zu training rows (%zu too long, %zu unscored), %zu objective(s); %ld steps",
		          d.n, d.skipped_long, d.skipped_unscored, m.n_obj, total);
		if (o.expert)
			stage_say(&sg, "expert for %s: rows scoring at least %.6g (its %g quantile); %zu "
			          "below it left out", o.expert, d.expert_threshold, o.expert_quantile,
			          d.skipped_expert);
		size_t pair[2];
		struct status ust = STATUS_INIT;
		if (!o.unconditioned && ricmeta_unlabelled(&m, pair, &ust) == STATUS_OK && pair[0])
			stage_say(&sg, "warning: no label between {z%zu} and {z%zu} in the template; a small "
			          "model may not tell bare numbers apart (name each score, as the default "
			          "template does)", pair[0], pair[1]);
	}
	struct hooks h = stage_hooks(&sg);
	struct optim_config oc = OPTIM_DEFAULTS;
	oc.lr = (float)o.t.lr;
	oc.weight_decay = (float)o.t.wd;
	oc.schedule = OPTIM_LINEAR;
	oc.warmup_steps = (long)o.t.warmup;
	oc.total_steps = total;
	struct train t;
	int have_train = 0;
	size_t T = (size_t)o.max_len;
	int *tok_buf = malloc(B * T * sizeof *tok_buf);
	int *tgt_buf = malloc(B * T * sizeof *tgt_buf);
	int *one = malloc(T * sizeof *one);
	if (rc == STATUS_OK && (!tok_buf || !tgt_buf || !one))
		rc = status_set(&st, STATUS_NOMEM, "out of memory");
	if (rc == STATUS_OK && (rc = train_init(&t, &p, &oc, &st)) == STATUS_OK)
		have_train = 1;
	if (rc == STATUS_OK && o.t.resume)
		rc = stage_state_load_optim(o.t.resume, &t.opt, &st);
	struct checkpoint_save_opts so = { .tokenizer_dir = o.base, .ric = ric };
	long step = ss.step;
	struct stage_saving sv = { .out = o.out, .kind = "policy", .meta = meta, .p = &p, .so = &so,
	                           .opt = &t.opt, .ss = &ss, .save_every = o.t.save_every,
	                           .stop_at = o.t.stop_at, .saved = step };
	stage_progress_start(&sg, step);
	while (rc == STATUS_OK && step < total) {
		if (stage_stopping()) {
			rc = STATUS_CANCELLED;
			break;
		}
		size_t Tb = 2;
		size_t idx[4096];
		size_t nb = B < 4096 ? B : 4096;
		for (size_t b = 0; b < nb; b++) {
			idx[b] = sft_index(&d, (uint64_t)o.t.seed, (size_t)step * B + b);
			Tb = d.seq[idx[b]].n > Tb ? d.seq[idx[b]].n : Tb;
		}
		for (size_t b = 0; b < nb; b++) {
			const struct ricmeta_seq *s = &d.seq[idx[b]];
			ricmeta_seq_targets(s, one);
			for (size_t k = 0; k < Tb; k++) {
				tok_buf[b * Tb + k] = k < s->n ? s->ids[k] : p.cfg.eos_token_id;
				tgt_buf[b * Tb + k] = k < s->n ? one[k] : -100;
			}
		}
		struct train_batch tb = { .B = nb, .T = Tb, .tokens = tok_buf, .targets = tgt_buf };
		size_t ntgt = train_count_targets(&tb);
		rc = train_accumulate(&t, &tb, 1.0f / (float)(ntgt ? ntgt : 1), &h, &st);
		if (rc != STATUS_OK)
			break;
		double loss = t.loss_count ? t.loss_sum / (double)t.loss_count : 0;
		if (train_step_hooks(&t, (float)o.t.clip, &h) == STATUS_CANCELLED)
			/* the stop reached the loop mid-update: the rest of it first,
			 * so what is saved on the way out is one whole step */
			train_step_finish(&t);
		step++;
		rc = stage_step_done(&sg, &sv, &t, step, total, loss, (double)(nb * Tb), &st);
	}
	if (rc == STATUS_CANCELLED)
		stage_save_reached(&sg, &sv, step);
	if (rc == STATUS_OK) {
		rc = checkpoint_save(o.out, &p, &so, &st);
		if (rc == STATUS_OK) {
			stage_checkpoint(&sg, o.out, step, "policy", meta);
			printf("model saved to %s (%ld steps, %.0f tokens/s)\n", o.out, step, sg.tokens_per_s);
		}
	}
	int ret = stage_finish(&sg, rc, st.msg);
	if (have_train)
		train_free(&t);
	free(tok_buf);
	free(tgt_buf);
	free(one);
	free(meta);
	json_decref(ric);
	json_decref(ss.extra);
	sft_data_free(&d);
	ricmeta_free(&m);
	model_params_free(&p);
	tokenizer_free(tok);
	return ret;
}
