/* ric sft: multi-reward conditional supervised fine-tuning (RiC offline stage). */
#include "config.h"

#include "src/cli_store.h"
#include "src/ricdata.h"
#include "src/sft_images.h"
#include "src/stage.h"
#include "src/stage_lora.h"
#include "src/stage_state.h"
#include "src/train_loop.h"
#include "engine/checkpoint.h"
#include "engine/ricmeta.h"
#include "engine/tokenizer.h"
#include "engine/train.h"

#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static int sft_run(struct cli *cli, int argc, char **argv);

const struct cli_command cmd_sft = {
	.name = "sft",
	.summary = "multi-reward conditional fine-tuning on a relabelled dataset",
	.usage = "ric sft --base DIR --dataset NAME|--data DIR --out DIR [--epochs E | --steps N] [--lr LR]\n"
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
	        "  --data DIR        instead: a TRL export (`ric export --format trl`), its\n"
	        "                    train.jsonl rows as they are, its ric.json; trains as on\n"
	        "                    the dataset it came from\n"
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
	        "  --lora-rank R     train a LoRA adapter of rank R over the frozen base\n"
	        "                    (no gradient or optimizer state for it) and save a PEFT\n"
	        "                    adapter folder (adapter_config.json, adapter_model.safetensors)\n"
	        "  --lora-alpha A    its scale alpha / r (default 2R)\n"
	        "  --lora-targets T  all-linear (default) or modules: c_attn,c_proj,c_fc\n"
	        "                    (GPT-2), q_proj,...,down_proj (Llama family)\n"
	        "  --lora-dropout P  dropout on the adapter's input (default 0)\n"
	        "  --job ID          run as job ID (set by `ric job start`)\n"
	        "An image model as --base (model_type dit) trains on an image --dataset: each\n"
	        "row's normalised scores are its condition vector (no template), and\n"
	        "  --cond-drop P     share of rows trained on the null condition, for\n"
	        "                    classifier-free guidance (default 0.1)\n",
	.run = sft_run,
};

struct sft_opts {
	const char *base, *dataset, *data, *out;
	struct ricdata_opts r;
	double epochs, max_len, cond_drop;
	struct stage_train_opts t;
};

struct sft_data {
	struct ricmeta_seq *seq;
	size_t n, cap;
	size_t skipped_long, skipped_unscored, skipped_rejected, skipped_expert;
	double expert_threshold;  /* --expert: the quantile of its objective's training scores */
	size_t *perm;
	long perm_epoch;
};

static void sft_data_free(struct sft_data *d)
{
	for (size_t i = 0; i < d->n; i++)
		ricmeta_seq_free(&d->seq[i]);
	free(d->seq);
	free(d->perm);
	memset(d, 0, sizeof *d);
}

/* Takes s (a training row's ids) unless it is longer than max_len or too
 * short to train on. */
static enum status_code sft_add(struct sft_data *d, struct ricmeta_seq *s, size_t max_len,
                                struct status *st)
{
	if (s->n > max_len || s->n < 2) {
		d->skipped_long++;
		ricmeta_seq_free(s);
		return STATUS_OK;
	}
	if (d->n == d->cap) {
		size_t cap = d->cap * 2 + 64;
		struct ricmeta_seq *g = realloc(d->seq, cap * sizeof *g);
		if (!g) {
			ricmeta_seq_free(s);
			return status_set(st, STATUS_NOMEM, "out of memory");
		}
		d->seq = g;
		d->cap = cap;
	}
	d->seq[d->n++] = *s;
	return STATUS_OK;
}

struct sft_load {
	struct sft_data *d;
	const struct ricmeta *m;
	struct tokenizer *tok;
	int eos;
	size_t max_len;
	struct status *st;
};

static enum status_code sft_row(void *ctx, const struct store_row *r, const double *z)
{
	struct sft_load *L = ctx;
	struct ricmeta_seq s;
	enum status_code rc = ricmeta_encode(L->m, L->tok, r->prompt, z, r->response, L->eos, &s,
	                                     L->st);
	if (rc != STATUS_OK) {
		status_prefix(L->st, "row %lld", (long long)r->id);
		return rc;
	}
	return sft_add(L->d, &s, L->max_len, L->st);
}

static size_t sft_index(struct sft_data *d, uint64_t seed, size_t g)
{
	return rng_epoch_order(d->perm, &d->perm_epoch, d->n, seed, g);
}

struct sft_batch {
	struct sft_data *d;
	uint64_t seed;
	size_t B;
	int pad;
	int *tok, *tgt;   /* [B*T] */
	int *one;         /* [T] */
};

/* Step `step`'s rows, right-padded to the longest of them. */
static enum status_code sft_fill(void *ctx, long step, struct train_batch *b, struct status *st)
{
	struct sft_batch *sb = ctx;
	size_t Tb = 2;
	size_t idx[4096];
	size_t nb = sb->B < 4096 ? sb->B : 4096;
	(void)st;
	for (size_t k = 0; k < nb; k++) {
		idx[k] = sft_index(sb->d, sb->seed, (size_t)step * sb->B + k);
		Tb = sb->d->seq[idx[k]].n > Tb ? sb->d->seq[idx[k]].n : Tb;
	}
	for (size_t k = 0; k < nb; k++) {
		const struct ricmeta_seq *s = &sb->d->seq[idx[k]];
		ricmeta_seq_targets(s, sb->one);
		for (size_t i = 0; i < Tb; i++) {
			sb->tok[k * Tb + i] = i < s->n ? s->ids[i] : sb->pad;
			sb->tgt[k * Tb + i] = i < s->n ? sb->one[i] : -100;
		}
	}
	*b = (struct train_batch){ .B = nb, .T = Tb, .tokens = sb->tok, .targets = sb->tgt };
	return STATUS_OK;
}

static int sft_parse(int argc, char **argv, struct sft_opts *o)
{
	static const struct option opts[] = {
		{ "base", required_argument, NULL, 'B' }, { "dataset", required_argument, NULL, 'D' },
		{ "data", required_argument, NULL, 'd' }, { "out", required_argument, NULL, 'o' },
		{ "epochs", required_argument, NULL, 'e' }, { "max-len", required_argument, NULL, 'm' },
		{ "expert", required_argument, NULL, 'x' }, { "expert-quantile", required_argument, NULL, 'q' },
		{ "cond-drop", required_argument, NULL, 'p' },
		RICDATA_OPTIONS, STAGE_TRAIN_OPTIONS, STAGE_SCHEDULE_OPTIONS, { NULL, 0, NULL, 0 }
	};
	const struct cli_command *cmd = &cmd_sft;
	int c, rc, exit_rc, quantile_given = 0;
	while ((c = cli_next_option(cmd, argc, argv, "h", opts, &exit_rc)) != -1) {
		rc = CLI_OK;
		switch (c) {
		case 'B': o->base = optarg; break;
		case 'D': o->dataset = optarg; break;
		case 'd': o->data = optarg; break;
		case 'o': o->out = optarg; break;
		case 'O': case 't': case 'M': case 'P': case 'U': case 'R':
			rc = ricdata_option(cmd, c, optarg, &o->r);
			break;
		case 'x': o->r.expert = optarg; break;
		case 'q':
			rc = cli_number(cmd, "--expert-quantile", optarg, 0, 1, &o->r.expert_quantile);
			quantile_given = 1;
			break;
		case 'e': rc = cli_number(cmd, "--epochs", optarg, 0.001, 1e6, &o->epochs); break;
		case 'p': rc = cli_number(cmd, "--cond-drop", optarg, 0, 1, &o->cond_drop); break;
		case 'm': rc = cli_number(cmd, "--max-len", optarg, 2, 1e6, &o->max_len); break;
		case CLI_OPT_EXIT: return exit_rc == CLI_OK ? -1 : exit_rc;
		default: rc = stage_train_option(cmd, c, optarg, 4096, &o->t); break;
		}
		if (rc != CLI_OK)
			return rc;
	}
	if (optind < argc)
		return cli_bad_usage(cmd, "unexpected argument '%s'", argv[optind]);
	if (o->data && o->dataset)
		return cli_bad_usage(cmd, "give --dataset or --data, not both");
	if (o->data && ricdata_opts_given(&o->r))
		return cli_bad_usage(cmd, "--data takes its objectives, template and marker from the "
		                     "export's ric.json");
	if (!o->base || !(o->dataset || o->data) || !o->out)
		return cli_bad_usage(cmd, "--base, --dataset (or --data) and --out are required");
	if (quantile_given && !o->r.expert)
		return cli_bad_usage(cmd, "--expert-quantile goes with --expert NAME");
	if (o->r.expert && o->data)
		return cli_bad_usage(cmd, "--expert selects rows of a --dataset, not of --data");
	if ((rc = stage_train_check(cmd, &o->t)) != CLI_OK)
		return rc;
	if (o->r.expert) {
		/* An expert is a plain model of one objective: the soup mixes its
		 * weights, and no score is written into its prompts. */
		o->r.unconditioned = 1;
		if (!o->r.pair_responses)
			o->r.pair_responses = "both";
	}
	ricdata_opts_done(&o->r);
	return CLI_OK;
}

static void sft_params(struct stage *sg, const struct sft_opts *o, const struct ricmeta *m,
                       int conditioned, long total, const struct sft_data *d)
{
	stage_param(sg, "base", "%s", o->base);
	if (o->data)
		stage_param(sg, "data", "%s", o->data);
	else
		stage_param(sg, "dataset", "%s", o->dataset);
	stage_param(sg, "out", "%s", o->out);
	stage_param(sg, "conditioned", "%s", conditioned ? "yes" : "no");
	if (!o->data)
		stage_param(sg, "pair_responses", "%s", o->r.pair_responses);
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
	if (!o->data) {
		stage_param(sg, "rows_skipped_unscored", "%zu", d->skipped_unscored);
		stage_param(sg, "rows_skipped_rejected", "%zu", d->skipped_rejected);
	}
	if (o->r.expert) {
		stage_param(sg, "expert", "%s", o->r.expert);
		stage_param(sg, "expert_quantile", "%g", o->r.expert_quantile);
		stage_param(sg, "expert_threshold", "%.17g", d->expert_threshold);
		stage_param(sg, "rows_skipped_expert", "%zu", d->skipped_expert);
	}
	stage_param(sg, "save_every", "%g", o->t.save_every);
	stage_param(sg, "seed", "%g", o->t.seed);
	stage_param(sg, "loss", "response+eos");
	stage_param(sg, "resume", "%s", o->t.resume ? o->t.resume : "");
	stage_resumes(sg, o->t.resume);
}

/* The dataset's objectives (into m) and training rows as token
 * sequences, conditioned as src/ricdata.c has them. */
static enum status_code sft_prepare(struct store *s, const struct sft_opts *o, struct tokenizer *tok,
                                    int eos, struct ricmeta *m, struct sft_data *d,
                                    struct status *st)
{
	struct ricdata rd;
	enum status_code rc = ricdata_open(&rd, s, o->dataset, &o->r, o->base, st);
	struct sft_load L = { .d = d, .m = &rd.m, .tok = tok, .eos = eos,
	                      .max_len = (size_t)o->max_len, .st = st };
	if (rc == STATUS_OK)
		rc = ricdata_each(&rd, s, sft_row, &L, st);
	d->skipped_unscored = rd.skipped_unscored;
	d->skipped_rejected = rd.skipped_rejected;
	d->skipped_expert = rd.skipped_expert;
	d->expert_threshold = rd.expert_threshold;
	*m = rd.m; /* m owns it now */
	if (rc == STATUS_OK && d->n == 0)
		rc = status_set(st, STATUS_INVALID, "dataset %s: no training row fits (%zu longer than "
		                "%g tokens, %zu without scores)", o->dataset, d->skipped_long, o->max_len,
		                d->skipped_unscored);
	return rc;
}

/* The completion without the EOS text at its end (TRL appends the EOS
 * token only where the text does not end with it; so does this). */
static size_t sft_completion_len(const char *completion, const char *eos_text)
{
	size_t n = strlen(completion), e = strlen(eos_text);
	return e && n >= e && memcmp(completion + n - e, eos_text, e) == 0 ? n - e : n;
}

/* A TRL export (`ric export --format trl`): DIR/train.jsonl of {"prompt",
 * "completion"} objects, the context and the response as sft would
 * condition them, and DIR/ric.json. The rows encode to the same ids. */
static enum status_code sft_prepare_trl(const struct sft_opts *o, struct tokenizer *tok, int eos,
                                        struct ricmeta *m, struct sft_data *d, struct status *st)
{
	char file[4096];
	snprintf(file, sizeof file, "%s/ric.json", o->data);
	if (access(file, F_OK) != 0)
		return status_errno(st, STATUS_INVALID, errno, "%s: not an export of `ric export "
		                    "--format trl` (%s)", o->data, file);
	enum status_code rc = ricmeta_load(o->data, m, st);
	if (rc != STATUS_OK)
		return rc;
	free(m->base_model);
	m->base_model = strdup(o->base);
	char *eos_text = NULL;
	size_t eos_len = 0;
	int32_t e = eos;
	if (!m->base_model)
		return status_set(st, STATUS_NOMEM, "out of memory");
	if ((rc = tokenizer_decode(tok, &e, 1, &eos_text, &eos_len, st)) != STATUS_OK)
		return rc;
	snprintf(file, sizeof file, "%s/train.jsonl", o->data);
	FILE *f = fopen(file, "r");
	if (!f) {
		free(eos_text);
		return status_errno(st, STATUS_IO, errno, "open %s", file);
	}
	char *line = NULL;
	size_t lcap = 0;
	ssize_t len;
	long lineno = 0;
	while (rc == STATUS_OK && (len = getline(&line, &lcap, f)) >= 0) {
		lineno++;
		if (strspn(line, " \t\r\n") == (size_t)len)
			continue;
		json_error_t je;
		json_t *j = json_loadb(line, (size_t)len, 0, &je);
		const char *prompt, *completion;
		if (!j || json_unpack_ex(j, &je, 0, "{s:s, s:s}", "prompt", &prompt, "completion",
		                         &completion) != 0) {
			rc = status_set(st, STATUS_FORMAT, "%s:%ld: %s (want {\"prompt\", \"completion\"})",
			                file, lineno, je.text);
			json_decref(j);
			break;
		}
		char *comp = strndup(completion, sft_completion_len(completion, eos_text));
		struct ricmeta_seq s;
		rc = comp ? ricmeta_encode_text(tok, prompt, comp, eos, &s, st)
		          : status_set(st, STATUS_NOMEM, "out of memory");
		if (rc == STATUS_OK)
			rc = sft_add(d, &s, (size_t)o->max_len, st);
		else
			status_prefix(st, "%s:%ld", file, lineno);
		free(comp);
		json_decref(j);
	}
	if (rc == STATUS_OK && ferror(f))
		rc = status_errno(st, STATUS_IO, errno, "read %s", file);
	free(line);
	fclose(f);
	free(eos_text);
	if (rc == STATUS_OK && d->n == 0)
		rc = status_set(st, STATUS_INVALID, "%s: no training row fits (%zu longer than %g tokens)",
		                file, d->skipped_long, o->max_len);
	return rc;
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
	if (!dataset || cli_store_open(cli, &s) != CLI_OK)
		return 0;
	store_datasets_each(s, sft_find_dataset, &f, NULL);
	store_close(s);
	return f.run;
}

static int sft_run(struct cli *cli, int argc, char **argv)
{
	struct sft_opts o = { .epochs = 1, .r = { .expert_quantile = 0.7 }, .cond_drop = -1,
		              .t = { .batch = 8, .lr = 1e-4, .clip = 1 } };
	int prc = sft_parse(argc, argv, &o);
	if (prc != CLI_OK)
		return prc < 0 ? CLI_OK : prc;

	struct status st = STATUS_INIT;
	struct model_config bc;
	int image = checkpoint_config_read(o.base, &bc, &st) == STATUS_OK && model_is_image(&bc);
	st = (struct status)STATUS_INIT;
	if (image && o.data)
		return cli_bad_usage(&cmd_sft, "%s is an image model: it trains on an image --dataset, "
		                     "not on a TRL export (--data)", o.base);
	if (!image && o.cond_drop >= 0)
		return cli_bad_usage(&cmd_sft, "--cond-drop applies to an image model's --base");
	if (image && stage_lora_on(&o.t))
		return cli_bad_usage(&cmd_sft, "--lora-rank: %s is an image model, which trains in "
		                     "full (LoRA is for the text families)", o.base);
	if (image) {
		struct sft_images_opts io = { .base = o.base, .dataset = o.dataset, .out = o.out,
		                              .r = &o.r, .epochs = o.epochs,
		                              .cond_drop = o.cond_drop >= 0 ? o.cond_drop : 0.1,
		                              .t = &o.t, .parent = sft_parent(cli, o.dataset) };
		o.r.images = 1;
		return sft_images_run(cli, &io);
	}
	struct tokenizer *tok = NULL;
	struct model_params p = { 0 };
	struct stage_state ss = { 0 };
	struct lora l = { 0 };
	int lora = stage_lora_on(&o.t);
	if (tokenizer_load(o.base, &tok, &st) != STATUS_OK ||
	    (lora && o.t.resume ? stage_lora_resume(&o.t, o.base, &p, &ss, 0, &l, &st)
	     : o.t.resume       ? stage_state_load_model(o.t.resume, &p, &ss, &st)
	                        : checkpoint_load(o.base, &p, NULL, &st)) != STATUS_OK ||
	    (lora && !o.t.resume && stage_lora_create(&o.t, o.base, &p, 0, &l, &st) != STATUS_OK)) {
		cli_error("%s", st.msg);
		if (tok)
			tokenizer_free(tok);
		model_params_free(&p);
		return CLI_FAIL;
	}
	if (p.cfg.num_labels > 0 || p.cfg.eos_token_id < 0) {
		cli_error("%s: not a language model with an EOS token", o.base);
		tokenizer_free(tok);
		lora_free(&l);
		model_params_free(&p);
		return CLI_FAIL;
	}
	if (o.max_len <= 0 || o.max_len > p.cfg.n_positions)
		o.max_len = p.cfg.n_positions;

	struct stage sg;
	if (stage_open(&sg, cli, "sft", o.t.name, sft_parent(cli, o.dataset), (store_id)o.t.job) !=
	    CLI_OK) {
		tokenizer_free(tok);
		lora_free(&l);
		model_params_free(&p);
		return CLI_FAIL;
	}
	struct ricmeta m;
	ricmeta_init(&m);
	struct sft_data d = { 0 };
	enum status_code rc = o.data ? sft_prepare_trl(&o, tok, p.cfg.eos_token_id, &m, &d, &st)
	                             : sft_prepare(sg.store, &o, tok, p.cfg.eos_token_id, &m, &d, &st);
	d.perm_epoch = -1;
	if (rc == STATUS_OK && !(d.perm = malloc(d.n * sizeof *d.perm)))
		rc = status_set(&st, STATUS_NOMEM, "out of memory");
	/* An export of the unconditioned baseline says so in its ric.json. */
	int conditioned = o.data ? !json_is_false(json_object_get(m.extra, "conditioned"))
	                         : !o.r.unconditioned;
	size_t B = (size_t)o.t.batch;
	long total = 1;
	json_t *ric = NULL;
	char *meta = NULL;
	if (rc == STATUS_OK) {
		total = o.t.steps > 0 ? (long)o.t.steps : (long)ceil(o.epochs * (double)d.n / (double)B);
		if (total < 1)
			total = 1;
		m.run = sg.run;
		ric = ricdata_meta_json(&m, !conditioned);
		if (ric && o.r.expert) {
			json_object_set_new(ric, "expert", json_string(o.r.expert));
			json_object_set_new(ric, "expert_quantile", json_real(o.r.expert_quantile));
		}
		meta = ric ? json_dumps(ric, JSON_COMPACT | JSON_SORT_KEYS) : NULL;
		if (!meta)
			rc = status_set(&st, STATUS_NOMEM, "out of memory");
		sft_params(&sg, &o, &m, conditioned, total, &d);
		if (lora)
			stage_lora_params(&sg, &l);
		stage_say(&sg, "%zu training rows (%zu too long, %zu unscored), %zu objective(s); %ld steps",
		          d.n, d.skipped_long, d.skipped_unscored, m.n_obj, total);
		if (o.r.expert)
			stage_say(&sg, "expert for %s: rows scoring at least %.6g (its %g quantile); %zu "
			          "below it left out", o.r.expert, d.expert_threshold, o.r.expert_quantile,
			          d.skipped_expert);
		size_t pair[2];
		struct status ust = STATUS_INIT;
		if (conditioned && ricmeta_unlabelled(&m, pair, &ust) == STATUS_OK && pair[0])
			stage_say(&sg, "warning: no label between {z%zu} and {z%zu} in the template; a small "
			          "model may not tell bare numbers apart (name each score, as the default "
			          "template does)", pair[0], pair[1]);
	}
	struct hooks h = stage_hooks(&sg);
	size_t T = (size_t)o.max_len;
	struct sft_batch sb = { .d = &d, .seed = (uint64_t)o.t.seed, .B = B,
	                        .pad = p.cfg.eos_token_id, .tok = malloc(B * T * sizeof *sb.tok),
	                        .tgt = malloc(B * T * sizeof *sb.tgt), .one = malloc(T * sizeof *sb.one) };
	if (rc == STATUS_OK && (!sb.tok || !sb.tgt || !sb.one))
		rc = status_set(&st, STATUS_NOMEM, "out of memory");
	struct checkpoint_save_opts so = { .tokenizer_dir = o.base, .ric = ric,
	                                   .lora = lora ? &l : NULL };
	struct stage_saving sv = { .out = o.out, .kind = "policy", .meta = meta, .p = &p, .so = &so,
	                           .ss = &ss, .save_every = o.t.save_every, .stop_at = o.t.stop_at,
	                           .saved = ss.step };
	struct train_loop L = { .sg = &sg, .h = &h, .p = &p, .oc = train_loop_linear(&o.t, total),
	                        .resume = o.t.resume, .step = ss.step, .total = total,
	                        .clip = (float)o.t.clip, .sv = &sv, .fill = sft_fill, .ctx = &sb,
	                        .lora = lora ? &l : NULL, .seed = (uint64_t)o.t.seed };
	if (rc == STATUS_OK)
		rc = train_loop_run(&L, &st);
	long step = L.step;
	if (rc == STATUS_OK) {
		if (stage_writes(&sg))
			rc = checkpoint_save(o.out, &p, &so, &st);
		if (rc == STATUS_OK) {
			stage_checkpoint(&sg, o.out, step, "policy", meta);
			printf("%s saved to %s (%ld steps, %.0f tokens/s)\n", lora ? "adapter" : "model",
			       o.out, step, sg.tokens_per_s);
		}
	}
	int ret = stage_finish(&sg, rc, st.msg);
	train_loop_free(&L);
	free(sb.tok);
	free(sb.tgt);
	free(sb.one);
	free(meta);
	json_decref(ric);
	json_decref(ss.extra);
	sft_data_free(&d);
	ricmeta_free(&m);
	lora_free(&l);
	model_params_free(&p);
	tokenizer_free(tok);
	return ret;
}
