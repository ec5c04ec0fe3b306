/* ric rm-train: a Bradley-Terry reward model from preference pairs. */
#include "config.h"

#include "src/cli_store.h"
#include "src/pair_order.h"
#include "src/rm_pairs.h"
#include "src/stage.h"
#include "src/stage_state.h"
#include "src/train_loop.h"
#include "src/stage_lora.h"
#include "src/dist.h"
#include "src/rm_train_images.h"
#include "engine/checkpoint.h"
#include "engine/tokenizer.h"
#include "engine/train.h"

#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static int rmtrain_run(struct cli *cli, int argc, char **argv);

const struct cli_command cmd_rm_train = {
	.name = "rm-train",
	.summary = "train a reward model on preference pairs of texts or images (Bradley-Terry)",
	.usage = "ric rm-train --base DIR --pairs FILE.jsonl|DATASET --out DIR [--epochs E] [--batch B]\n"
	         "       [--lr LR] [--max-len N] [--eval F] [...]",
	.help = "FILE holds one {\"prompt\", \"chosen\", \"rejected\"} object per line; a name\n"
	        "that is not a file is a dataset of pairs in the store (ric dataset import),\n"
	        "whose eval split is then the held-out set. The model\n"
	        "(...ForSequenceClassification, one label) scores prompt + response at its\n"
	        "last token; the loss is -log sigmoid(s_chosen - s_rejected). A random --eval\n"
	        "share of the pairs is held out: their pairwise accuracy (s_chosen >\n"
	        "s_rejected) is printed and recorded as the metric eval_accuracy.\n\n"
	        "With an image model as --base (a DiT of ric pretrain --arch dit, or an image\n"
	        "reward model) --pairs is a dataset of image pairs (ric dataset pair-images,\n"
	        "or human preferences from ric dataset import-image-pairs): the DiT's trunk\n"
	        "under a one-label score head (the final norm averaged over the\n"
	        "patches) learns the same loss on the pictures, and rm:OUT then scores images\n"
	        "in relabel, eval, online and ric-tui. --max-len does not apply.\n\n"
	        "Options:\n"
	        "  --base DIR        language model (or reward model) to start from\n"
	        "  --pairs FILE|NAME preference pairs: a JSONL file or a store dataset\n"
	        "  --out DIR         where checkpoint-STEP/ folders and the final model go\n"
	        "  --epochs E        passes over the training pairs (default 1)\n"
	        "  --steps N         optimizer steps instead of epochs\n"
	        "  --batch B         pairs per step (default 8)\n"
	        "  --lr LR           peak learning rate (default 1e-4)\n"
	        "  --warmup N        warmup steps before the linear decay (default 0)\n"
	        "  --weight-decay W  AdamW decay (default 0)\n"
	        "  --clip C          gradient norm clip (default 1; 0: off)\n"
	        "  --max-len N       tokens per sequence, keeping the end (default 256)\n"
	        "  --eval F          held-out share of pairs (default 0.1)\n"
	        "  --score-std S     std of the fresh score head (default 0.02)\n"
	        "  --save-every K    checkpoint every K steps (default 0: only at the end)\n"
	        "  --seed S          head initialisation and data order (default 0)\n"
	        "  --name NAME       run name\n"
	        "  --resume DIR      continue from a checkpoint-STEP folder (same options)\n"
	        "  --stop-at STEP    checkpoint and stop after STEP steps (as a cancel would)\n"
	        "  --lora-rank R     train a LoRA adapter of rank R over the frozen body\n"
	        "                    (no gradient or optimizer state for it) and save a PEFT\n"
	        "                    adapter folder (adapter_config.json, adapter_model.safetensors);\n"
	        "                    the score head trains with it (PEFT's modules_to_save)\n"
	        "  --lora-alpha A    its scale alpha / r (default 2R)\n"
	        "  --lora-targets T  all-linear (default) or modules: c_attn,c_proj,c_fc\n"
	        "                    (GPT-2), q_proj,...,down_proj (Llama family)\n"
	        "  --lora-dropout P  dropout on the adapter's input (default 0)\n"
	        "  --job ID          run as job ID (set by `ric job start`)\n",
	.run = rmtrain_run,
};

struct rmtrain_opts {
	const char *base, *pairs, *out;
	double epochs, max_len, eval, score_std;
	struct stage_train_opts t;
};

struct rmtrain_seq {
	int *ids;
	size_t n;
};

struct rmtrain_data {
	struct rmtrain_seq *chosen, *rejected;
	unsigned char *is_eval;  /* the dataset's own eval split (store datasets) */
	size_t npairs, cap;
	struct pair_order po;      /* held-out pairs first, then the training order */
};

static void rmtrain_data_free(struct rmtrain_data *d)
{
	for (size_t i = 0; i < d->npairs; i++) {
		free(d->chosen[i].ids);
		free(d->rejected[i].ids);
	}
	free(d->chosen);
	free(d->rejected);
	free(d->is_eval);
	pair_order_free(&d->po);
	memset(d, 0, sizeof *d);
}

static enum status_code rmtrain_encode(struct tokenizer *tok, const char *prompt,
                                       const char *resp, size_t max_len, struct rmtrain_seq *out,
                                       struct status *st)
{
	struct tokenizer_ids ids = { 0 };
	enum status_code rc = tokenizer_encode(tok, prompt, strlen(prompt), 0, &ids, st);
	if (rc == STATUS_OK)
		rc = tokenizer_encode(tok, resp, strlen(resp), 0, &ids, st);
	if (rc == STATUS_OK && ids.n == 0)
		rc = status_set(st, STATUS_INVALID, "empty prompt and response");
	if (rc == STATUS_OK) {
		/* Keep the end: the score is read at the last token. */
		size_t skip = ids.n > max_len ? ids.n - max_len : 0;
		out->n = ids.n - skip;
		out->ids = malloc(out->n * sizeof *out->ids);
		if (!out->ids)
			rc = status_set(st, STATUS_NOMEM, "out of memory");
		for (size_t i = 0; rc == STATUS_OK && i < out->n; i++)
			out->ids[i] = ids.ids[skip + i];
	}
	tokenizer_ids_free(&ids);
	return rc;
}

static enum status_code rmtrain_add(const struct rmtrain_opts *o, struct tokenizer *tok,
                                    struct rmtrain_data *d, const char *prompt, const char *chosen,
                                    const char *rejected, int is_eval, struct status *st)
{
	if (d->npairs == d->cap) {
		size_t cap = d->cap * 2 + 64;
		struct rmtrain_seq *c = realloc(d->chosen, cap * sizeof *c);
		if (c)
			d->chosen = c;
		struct rmtrain_seq *r = realloc(d->rejected, cap * sizeof *r);
		if (r)
			d->rejected = r;
		unsigned char *e = realloc(d->is_eval, cap);
		if (e)
			d->is_eval = e;
		if (!c || !r || !e)
			return status_set(st, STATUS_NOMEM, "out of memory");
		d->cap = cap;
	}
	struct rmtrain_seq *c = &d->chosen[d->npairs], *r = &d->rejected[d->npairs];
	memset(c, 0, sizeof *c);
	memset(r, 0, sizeof *r);
	d->is_eval[d->npairs] = (unsigned char)is_eval;
	d->npairs++;
	enum status_code rc = rmtrain_encode(tok, prompt, chosen, (size_t)o->max_len, c, st);
	if (rc == STATUS_OK)
		rc = rmtrain_encode(tok, prompt, rejected, (size_t)o->max_len, r, st);
	return rc;
}

static enum status_code rmtrain_load_file(const struct rmtrain_opts *o, struct tokenizer *tok,
                                          struct rmtrain_data *d, struct status *st)
{
	FILE *f = fopen(o->pairs, "r");
	if (!f)
		return status_errno(st, STATUS_IO, errno, "open %s", o->pairs);
	char *line = NULL;
	size_t lcap = 0;
	ssize_t len;
	long lineno = 0;
	enum status_code rc = STATUS_OK;
	while (rc == STATUS_OK && (len = getline(&line, &lcap, f)) >= 0) {
		lineno++;
		if (strspn(line, " \t\r\n") == (size_t)len)
			continue;
		json_error_t je;
		json_t *j = json_loadb(line, (size_t)len, 0, &je);
		const char *prompt = "", *chosen, *rejected;
		if (!j || json_unpack_ex(j, &je, 0, "{s?s, s:s, s:s}", "prompt", &prompt, "chosen",
		                         &chosen, "rejected", &rejected) != 0) {
			rc = status_set(st, STATUS_FORMAT, "%s:%ld: %s (want {\"prompt\", \"chosen\", "
			                "\"rejected\"})", o->pairs, lineno, je.text);
			json_decref(j);
			break;
		}
		rc = rmtrain_add(o, tok, d, prompt, chosen, rejected, 0, st);
		if (rc != STATUS_OK)
			status_prefix(st, "%s:%ld", o->pairs, lineno);
		json_decref(j);
	}
	free(line);
	fclose(f);
	return rc;
}

struct rmtrain_pairs_ctx {
	const struct rmtrain_opts *o;
	struct tokenizer *tok;
	struct rmtrain_data *d;
	struct status *st;
	enum status_code rc;
};

static int rmtrain_pair_cb(void *ctx, const struct store_pair *p)
{
	struct rmtrain_pairs_ctx *c = ctx;
	c->rc = rmtrain_add(c->o, c->tok, c->d, p->prompt, p->chosen, p->rejected,
	                    p->split && strcmp(p->split, "eval") == 0, c->st);
	if (c->rc != STATUS_OK)
		status_prefix(c->st, "dataset %s, pair %lld", c->o->pairs, (long long)p->pair);
	return c->rc != STATUS_OK;
}

/* The pairs of a dataset in the store; its eval split is the held-out set. */
static enum status_code rmtrain_load_store(struct cli *cli, const struct rmtrain_opts *o,
                                           struct tokenizer *tok, struct rmtrain_data *d,
                                           struct status *st)
{
	struct store *s;
	if (cli_store_open(cli, &s) != CLI_OK)
		return status_set(st, STATUS_IO, "%s: neither a file nor a dataset (no store)", o->pairs);
	struct store_err err;
	store_id ds;
	enum status_code rc = STATUS_OK;
	int64_t n_image = 0, n_rows = 0;
	if (store_dataset_find(s, o->pairs, &ds, &err) != STORE_OK) {
		rc = status_set(st, STATUS_INVALID, "%s: neither a file nor a dataset (%s)", o->pairs,
		                err.msg);
	} else if (store_dataset_images(s, ds, &n_image, &n_rows, &err) != STORE_OK) {
		rc = status_set(st, STATUS_IO, "%s", err.msg);
	} else if (n_image > 0) { /* a text model reads no pictures */
		rc = status_set(st, STATUS_INVALID, "dataset %s holds images: %s is a text model (an "
		                "image reward model starts from a DiT)", o->pairs, o->base);
	} else {
		struct rmtrain_pairs_ctx c = { .o = o, .tok = tok, .d = d, .st = st };
		if (store_pairs_each(s, ds, NULL, rmtrain_pair_cb, &c, &err) != STORE_OK)
			rc = status_set(st, STATUS_IO, "%s", err.msg);
		else
			rc = c.rc;
	}
	store_close(s);
	return rc;
}

static enum status_code rmtrain_load(struct cli *cli, const struct rmtrain_opts *o,
                                     struct tokenizer *tok, struct rmtrain_data *d,
                                     struct status *st)
{
	enum status_code rc = access(o->pairs, F_OK) == 0 ? rmtrain_load_file(o, tok, d, st)
	                                                   : rmtrain_load_store(cli, o, tok, d, st);
	if (rc == STATUS_OK && d->npairs < 2)
		rc = status_set(st, STATUS_INVALID, "%s: %zu pairs; at least 2 are needed", o->pairs,
		                d->npairs);
	if (rc != STATUS_OK)
		return rc;
	return pair_order_split(&d->po, d->is_eval, d->npairs, o->eval, (uint64_t)o->t.seed,
	                        o->pairs, st);
}

/* Rows chosen[0..n) then rejected[0..n), right-padded with pad. */
static size_t rmtrain_batch(const struct rmtrain_data *d, const size_t *pairs, size_t n, int pad,
                            int *tok)
{
	size_t T = 1;
	for (size_t i = 0; i < n; i++) {
		T = d->chosen[pairs[i]].n > T ? d->chosen[pairs[i]].n : T;
		T = d->rejected[pairs[i]].n > T ? d->rejected[pairs[i]].n : T;
	}
	for (size_t r = 0; r < 2 * n; r++) {
		const struct rmtrain_seq *s = r < n ? &d->chosen[pairs[r]] : &d->rejected[pairs[r - n]];
		for (size_t t = 0; t < T; t++)
			tok[r * T + t] = t < s->n ? s->ids[t] : pad;
	}
	return T;
}

struct rmtrain_step {
	struct stage *sg;
	struct rmtrain_data *d;
	uint64_t seed;
	size_t B;          /* pairs per step */
	int pad;
	size_t *pairs;     /* [B] */
	int *tok;          /* [2B * max_len]: the chosen rows, then the rejected */
	int *mine;         /* [2B * max_len]: this rank's part of tok, laid out the same way */
	float *dscores;    /* [2B] */
};

/* The held-out pairs' scores (rm_pairs_finish). */
static enum status_code rmtrain_score(void *ctx, struct train *t, const size_t *pairs, size_t n,
                                      const struct hooks *h, struct status *st)
{
	struct rmtrain_step *rb = ctx;
	size_t T = rmtrain_batch(rb->d, pairs, n, rb->pad, rb->tok);
	return model_forward(t->pass, t->params->mem, rb->tok, 2 * n, T, NULL, h, st);
}

static enum status_code rmtrain_fill(void *ctx, long step, struct train_batch *b, struct status *st)
{
	struct rmtrain_step *rb = ctx;
	(void)st;
	for (size_t k = 0; k < rb->B; k++)
		rb->pairs[k] = pair_order_train(&rb->d->po, rb->seed, (size_t)step * rb->B + k);
	size_t T = rmtrain_batch(rb->d, rb->pairs, rb->B, rb->pad, rb->tok);
	*b = (struct train_batch){ .B = 2 * rb->B, .T = T, .tokens = rb->tok };
	return STATUS_OK;
}

/* Bradley-Terry: -log sigmoid(s_chosen - s_rejected), the mean over the pairs;
 * the pairwise accuracy is the metric train_accuracy. Under mpirun a rank
 * scores its pairs (dist_span) and its share is taken over all B. */
static enum status_code rmtrain_loss(void *ctx, struct train *t, const struct train_batch *b,
                                     long step, const struct hooks *h, double sums[2],
                                     struct status *st)
{
	struct rmtrain_step *rb = ctx;
	size_t B = rb->B, lo, hi;
	(void)step;
	dist_span(B, &lo, &hi);
	size_t n = hi - lo, T = b->T;
	sums[0] = sums[1] = 0;
	if (n == 0)
		return STATUS_OK;
	const int *tok = b->tokens;
	if (n < B) {
		/* this rank's chosen rows, then its rejected ones */
		memcpy(rb->mine, b->tokens + lo * T, n * T * sizeof *rb->mine);
		memcpy(rb->mine + n * T, b->tokens + (B + lo) * T, n * T * sizeof *rb->mine);
		tok = rb->mine;
	}
	/* the adapter's dropout masks follow each row's place in the whole
	 * batch (chosen rows 0 .. B-1, rejected B .. 2B-1), so ranks draw
	 * what one process draws */
	train_set_rows(t, lo * T, n * T, (B - n) * T);
	train_prepare(t);
	enum status_code rc = model_forward(t->pass, t->params->mem, tok, 2 * n, T, NULL, h, st);
	if (rc != STATUS_OK)
		return rc;
	double sum = 0, right = 0;
	rm_pairs_bt(t->pass->scores, n, B, rb->dscores, &sum, &right);
	sums[0] = sum / (double)B;
	sums[1] = right / (double)B;
	return model_backward(t->pass, t->params->mem, train_base_grads(t), tok, NULL, 1.0f, rb->dscores, h,
	                      st);
}

/* The base's body under a one-label score head (kept when the base is a reward model). */
static enum status_code rmtrain_model(const struct rmtrain_opts *o, struct model_params *p,
                                      struct stage_state *ss, struct lora *l, struct status *st)
{
	/* LoRA: the adapter also trains the score head (modules_to_save) */
	if (l && o->t.resume)
		return stage_lora_resume(&o->t, o->base, p, ss, 1, l, st);
	if (o->t.resume)
		return stage_state_load_model(o->t.resume, p, ss, st);
	rng_seed(&ss->rng, (uint64_t)o->t.seed);
	struct model_params base = { 0 };
	enum status_code rc = checkpoint_load(o->base, &base, NULL, st);
	if (rc == STATUS_OK && model_want_text(&base.cfg, o->base, st) != STATUS_OK) {
		model_params_free(&base);
		return st->code;
	}
	if (rc != STATUS_OK)
		return rc;
	/* a fresh head pads with EOS where the base names no pad token */
	if (base.cfg.num_labels != 1 && base.cfg.pad_token_id < 0)
		base.cfg.pad_token_id = base.cfg.eos_token_id;
	rc = rm_pairs_head(&base, o->base, o->score_std, &ss->rng, p, st);
	if (rc == STATUS_OK && l)
		rc = stage_lora_create(&o->t, o->base, p, 1, l, st);
	return rc;
}

static int rmtrain_parse(int argc, char **argv, struct rmtrain_opts *o)
{
	static const struct option opts[] = {
		{ "base", required_argument, NULL, 'B' }, { "pairs", required_argument, NULL, 'p' },
		{ "out", required_argument, NULL, 'o' }, { "epochs", required_argument, NULL, 'e' },
		{ "max-len", required_argument, NULL, 'm' }, { "eval", required_argument, NULL, 'v' },
		{ "score-std", required_argument, NULL, 'd' },
		STAGE_TRAIN_OPTIONS, STAGE_SCHEDULE_OPTIONS, { NULL, 0, NULL, 0 }
	};
	const struct cli_command *cmd = &cmd_rm_train;
	int c, rc, exit_rc;
	while ((c = cli_next_option(cmd, argc, argv, "h", opts, &exit_rc)) != -1) {
		rc = CLI_OK;
		switch (c) {
		case 'B': o->base = optarg; break;
		case 'p': o->pairs = optarg; break;
		case 'o': o->out = optarg; break;
		case 'e': rc = cli_number(cmd, "--epochs", optarg, 0.001, 1e6, &o->epochs); break;
		case 'm': rc = cli_number(cmd, "--max-len", optarg, 1, 1e6, &o->max_len); break;
		case 'v': rc = cli_number(cmd, "--eval", optarg, 0, 0.9, &o->eval); break;
		case 'd': rc = cli_number(cmd, "--score-std", optarg, 0, 10, &o->score_std); break;
		case CLI_OPT_EXIT: return exit_rc == CLI_OK ? -1 : exit_rc;
		default: rc = stage_train_option(cmd, c, optarg, 65536, &o->t); break;
		}
		if (rc != CLI_OK)
			return rc;
	}
	if (optind < argc)
		return cli_bad_usage(cmd, "unexpected argument '%s'", argv[optind]);
	if (!o->base || !o->pairs || !o->out)
		return cli_bad_usage(cmd, "--base, --pairs and --out are required");
	return stage_train_check(cmd, &o->t);
}

static void rmtrain_params(struct stage *sg, const struct rmtrain_opts *o, long total)
{
	stage_param(sg, "base", "%s", o->base);
	stage_param(sg, "pairs", "%s", o->pairs);
	stage_param(sg, "out", "%s", o->out);
	stage_param(sg, "epochs", "%g", o->epochs);
	stage_param(sg, "steps", "%ld", total);
	stage_train_params(sg, &o->t);
	stage_param(sg, "max_len", "%g", o->max_len);
	stage_param(sg, "eval", "%g", o->eval);
	stage_param(sg, "score_std", "%g", o->score_std);
	stage_param(sg, "save_every", "%g", o->t.save_every);
	stage_param(sg, "seed", "%g", o->t.seed);
	stage_param(sg, "loss", "bradley-terry");
	stage_param(sg, "resume", "%s", o->t.resume ? o->t.resume : "");
	stage_resumes(sg, o->t.resume);
}

static int rmtrain_run(struct cli *cli, int argc, char **argv)
{
	struct rmtrain_opts o = { .epochs = 1, .max_len = 256, .eval = 0.1, .score_std = 0.02,
	                          .t = { .batch = 8, .lr = 1e-4, .clip = 1 } };
	int prc = rmtrain_parse(argc, argv, &o);
	if (prc != CLI_OK)
		return prc < 0 ? CLI_OK : prc;

	struct status st = STATUS_INIT;
	struct model_config bc;
	if (checkpoint_config_read(o.t.resume ? o.t.resume : o.base, &bc, &st) == STATUS_OK &&
	    model_is_image(&bc)) {
		struct rm_train_images_opts io = { .base = o.base, .pairs = o.pairs, .out = o.out,
		                                   .epochs = o.epochs, .eval = o.eval,
		                                   .score_std = o.score_std, .t = &o.t };
		return rm_train_images_run(cli, &io);
	}
	st.code = STATUS_OK;
	st.msg[0] = '\0';
	struct tokenizer *tok = NULL;
	struct model_params p = { 0 };
	struct stage_state ss = { 0 };
	struct rmtrain_data d = { 0 };
	struct lora l = { 0 };
	int lora = stage_lora_on(&o.t);
	if (tokenizer_load(o.base, &tok, &st) != STATUS_OK ||
	    rmtrain_model(&o, &p, &ss, lora ? &l : NULL, &st) != STATUS_OK ||
	    rmtrain_load(cli, &o, tok, &d, &st) != STATUS_OK) {
		cli_error("%s", st.msg);
		rmtrain_data_free(&d);
		lora_free(&l);
		model_params_free(&p);
		if (tok)
			tokenizer_free(tok);
		return CLI_FAIL;
	}
	if ((double)p.cfg.n_positions < o.max_len) {
		cli_error("--max-len %g is longer than %s's %d positions", o.max_len, o.base,
		          p.cfg.n_positions);
		rmtrain_data_free(&d);
		lora_free(&l);
		model_params_free(&p);
		tokenizer_free(tok);
		return CLI_USAGE;
	}
	size_t B = (size_t)o.t.batch;
	long total = o.t.steps > 0 ? (long)o.t.steps : (long)ceil(o.epochs * (double)d.po.ntrain / (double)B);
	if (total < 1)
		total = 1;

	struct stage sg;
	if (stage_open(&sg, cli, "rm-train", o.t.name, 0, (store_id)o.t.job) != CLI_OK) {
		rmtrain_data_free(&d);
		lora_free(&l);
		model_params_free(&p);
		tokenizer_free(tok);
		return CLI_FAIL;
	}
	rmtrain_params(&sg, &o, total);
	if (lora)
		stage_lora_params(&sg, &l);
	stage_say(&sg, "%zu pairs: %zu training, %zu held out; %ld steps", d.npairs, d.po.ntrain, d.po.neval,
	          total);
	struct hooks h = stage_hooks(&sg);
	struct rmtrain_step rb = { .sg = &sg, .d = &d, .seed = (uint64_t)o.t.seed, .B = B,
	                           .pad = p.cfg.pad_token_id, .pairs = malloc(B * sizeof *rb.pairs),
	                           .tok = malloc(2 * B * (size_t)o.max_len * sizeof *rb.tok),
	                           .mine = malloc(2 * B * (size_t)o.max_len * sizeof *rb.mine),
	                           .dscores = malloc(2 * B * sizeof *rb.dscores) };
	enum status_code rc = STATUS_OK;
	if (!rb.pairs || !rb.tok || !rb.mine || !rb.dscores)
		rc = status_set(&st, STATUS_NOMEM, "out of memory");
	struct checkpoint_save_opts so = { .tokenizer_dir = o.base, .lora = lora ? &l : NULL };
	struct stage_saving sv = { .out = o.out, .kind = "reward", .p = &p, .so = &so, .ss = &ss,
	                           .save_every = o.t.save_every, .stop_at = o.t.stop_at,
	                           .saved = ss.step };
	struct train_loop L = { .sg = &sg, .h = &h, .p = &p, .oc = train_loop_linear(&o.t, total),
	                        .resume = o.t.resume, .step = ss.step, .total = total,
	                        .clip = (float)o.t.clip, .sv = &sv, .fill = rmtrain_fill,
	                        .loss = rmtrain_loss, .aux_metric = "train_accuracy", .ctx = &rb,
	                        .lora = lora ? &l : NULL, .seed = (uint64_t)o.t.seed };
	if (rc == STATUS_OK)
		rc = train_loop_run(&L, &st);
	long step = L.step;
	if (rc == STATUS_OK)
		rc = rm_pairs_finish(&L, &d.po, B, rmtrain_score, &st);
	if (rc == STATUS_OK)
		printf("reward model %ssaved to %s (%ld steps)\n", lora ? "adapter " : "", o.out, step);
	int ret = stage_finish(&sg, rc, st.msg);
	train_loop_free(&L);
	free(rb.pairs);
	free(rb.tok);
	free(rb.mine);
	free(rb.dscores);
	json_decref(ss.extra);
	rmtrain_data_free(&d);
	lora_free(&l);
	model_params_free(&p);
	tokenizer_free(tok);
	return ret;
}
