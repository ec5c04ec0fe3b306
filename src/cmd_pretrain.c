/* ric pretrain: causal language-model training on text files, or an image
 * model's on an image dataset (src/pretrain_images.c). */
#include "config.h"

#include "src/pretrain_images.h"
#include "src/stage.h"
#include "src/stage_state.h"
#include "src/train_loop.h"
#include "src/stage_lora.h"
#include "engine/checkpoint.h"
#include "engine/init.h"
#include "engine/readfile.h"
#include "engine/tokenizer.h"
#include "engine/train.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

static int pretrain_run(struct cli *cli, int argc, char **argv);

const struct cli_command cmd_pretrain = {
	.name = "pretrain",
	.summary = "train a GPT-2 or Llama-family language model on text files, or a DiT on images",
	.usage = "ric pretrain --tokenizer DIR --out DIR [--init DIR] [--arch TYPE] [--layers N]\n"
	         "       [--heads N] [--kv-heads N] [--embd N] [--ffn N] [--ctx N] [--steps N] [--batch B]\n"
	         "       [--lr LR] [...] FILES...\n"
	         "       ric pretrain --arch dit --dataset NAME --out DIR [--patch P] [--schedule S] [...]",
	.help = "Each FILE is one document (text in it may also hold <|endoftext|>); documents\n"
	        "are joined with EOS and cut into chunks of --ctx tokens. A random --val share\n"
	        "of the chunks is held out for the validation loss.\n\n"
	        "Options:\n"
	        "  --tokenizer DIR   tokenizer folder (default: the --init model's)\n"
	        "  --out DIR         where checkpoint-STEP/ folders and the final model go\n"
	        "  --init DIR        continue from this model instead of fresh weights\n"
	        "  --arch TYPE       model_type of a fresh model: gpt2 (default), llama,\n"
	        "                    mistral or qwen2 (tied embeddings, SwiGLU MLP),\n"
	        "                    or dit: a diffusion transformer on --dataset's images\n"
	        "  --dataset NAME    (dit) an image dataset of the store (ric dataset\n"
	        "                    import-images): noise prediction on its train rows, the\n"
	        "                    validation loss on its eval rows; unconditional\n"
	        "  --patch P         (dit) patch side (default 4: 64 patches of 32x32)\n"
	        "  --schedule S      (dit) noise schedule: cosine (default) or linear\n"
	        "  --kv-heads N      key-value heads of a Llama-family model (default: --heads)\n"
	        "  --layers N        (default 2)   --heads N (default 2)   --embd N (default 64)\n"
	        "  --ffn N           MLP width: n_inner of GPT-2, intermediate_size of the\n"
	        "                    Llama family (default 4 x --embd)\n"
	        "                    (a fresh model's shape is checked before anything is\n"
	        "                    read; with --init these come from that model)\n"
	        "  --ctx N           tokens per chunk and n_positions (default 64)\n"
	        "  --steps N         optimizer steps (default 200)\n"
	        "  --batch B         chunks per step (default 8)\n"
	        "  --lr LR           peak learning rate (default 1e-3)\n"
	        "  --warmup N        warmup steps before the linear decay (default steps/20)\n"
	        "  --weight-decay W  AdamW decay (default 0.01)\n"
	        "  --clip C          gradient norm clip (default 1; 0: off)\n"
	        "  --val F           held-out share of chunks (default 0.1)\n"
	        "  --save-every K    checkpoint every K steps (default 100; 0: only at the end)\n"
	        "  --seed S          initialisation and data order (default 0)\n"
	        "  --name NAME       run name\n"
	        "  --resume DIR      continue from a checkpoint-STEP folder (same options)\n"
	        "  --stop-at STEP    checkpoint and stop after STEP steps (as a cancel would)\n"
	        "  --lora-rank R     train a LoRA adapter of rank R over the frozen --init model\n"
	        "                    (no gradient or optimizer state for it) and save a PEFT\n"
	        "                    adapter folder (adapter_config.json, adapter_model.safetensors)\n"
	        "  --lora-alpha A    its scale alpha / r (default 2R)\n"
	        "  --lora-targets T  all-linear (default) or modules: c_attn,c_proj,c_fc\n"
	        "                    (GPT-2), q_proj,...,down_proj (Llama family)\n"
	        "  --lora-dropout P  dropout on the adapter's input (default 0)\n"
	        "  --job ID          run as job ID (set by `ric job start`)\n",
	.run = pretrain_run,
};

struct pretrain_opts {
	const char *tokenizer, *out, *init, *arch, *dataset, *schedule;
	double layers, heads, embd, ctx, val, kv_heads, ffn, patch; /* ffn 0: 4 x embd */
	struct stage_train_opts t;
};

struct pretrain_data {
	int *tokens;      /* all documents, EOS after each */
	size_t n;
	size_t *train, *val; /* chunk starts */
	size_t ntrain, nval;
	size_t *perm;     /* order of train chunks in perm_epoch */
	long perm_epoch;
};

static enum status_code pretrain_load(const struct pretrain_opts *o, struct tokenizer *tok, int eos,
                                      char **files, int nfiles, struct pretrain_data *d,
                                      struct status *st)
{
	struct tokenizer_ids ids = { 0 };
	enum status_code rc = STATUS_OK;
	for (int i = 0; rc == STATUS_OK && i < nfiles; i++) {
		char *text = NULL;
		size_t len = 0;
		rc = readfile(files[i], (size_t)1 << 31, &text, &len, st);
		if (rc == STATUS_OK)
			rc = tokenizer_encode(tok, text, len, 0, &ids, st);
		free(text);
		if (rc == STATUS_OK && ids.n == ids.cap) {
			size_t cap = ids.cap * 2 + 16;
			int32_t *grown = realloc(ids.ids, cap * sizeof *grown);
			if (!grown) {
				rc = status_set(st, STATUS_NOMEM, "out of memory");
			} else {
				ids.ids = grown;
				ids.cap = cap;
			}
		}
		if (rc == STATUS_OK)
			ids.ids[ids.n++] = eos;
	}
	size_t T = (size_t)o->ctx;
	size_t nchunks = ids.n > 1 ? (ids.n - 1) / T : 0;
	if (rc == STATUS_OK && nchunks < 2)
		rc = status_set(st, STATUS_INVALID, "%d file(s) give %zu tokens: fewer than two chunks of "
		                "%zu + 1 tokens", nfiles, ids.n, T);
	if (rc != STATUS_OK) {
		tokenizer_ids_free(&ids);
		return rc;
	}
	d->n = ids.n;
	d->tokens = malloc(ids.n * sizeof *d->tokens);
	size_t *all = malloc(nchunks * sizeof *all);
	d->perm = malloc(nchunks * sizeof *d->perm);
	if (!d->tokens || !all || !d->perm) {
		free(all);
		tokenizer_ids_free(&ids);
		return status_set(st, STATUS_NOMEM, "out of memory");
	}
	for (size_t i = 0; i < ids.n; i++)
		d->tokens[i] = ids.ids[i];
	tokenizer_ids_free(&ids);
	for (size_t i = 0; i < nchunks; i++)
		all[i] = i * T;
	struct rng r;
	rng_seed(&r, (uint64_t)o->t.seed ^ 0x5eedda7aULL);
	rng_shuffle(&r, all, nchunks);
	d->nval = (size_t)floor(o->val * (double)nchunks);
	if (o->val > 0 && d->nval == 0)
		d->nval = 1;
	if (d->nval >= nchunks)
		d->nval = nchunks - 1;
	d->val = all;
	d->train = all + d->nval;
	d->ntrain = nchunks - d->nval;
	d->perm_epoch = -1;
	return STATUS_OK;
}

/* The chunk at global position g of the training stream: epoch e = g / ntrain
 * walks the training chunks in an order drawn from (seed, e) alone, so the
 * step number is the whole data position and a resume lands on the same data. */
static size_t pretrain_chunk(struct pretrain_data *d, uint64_t seed, size_t g)
{
	return d->train[rng_epoch_order(d->perm, &d->perm_epoch, d->ntrain, seed, g)];
}

static void pretrain_fill(const struct pretrain_data *d, size_t start, size_t T, int *tok, int *tgt)
{
	for (size_t t = 0; t < T; t++) {
		tok[t] = d->tokens[start + t];
		tgt[t] = d->tokens[start + t + 1];
	}
}

struct pretrain_batch {
	struct pretrain_data *d;
	uint64_t seed;
	size_t B, T;
	int *tok, *tgt;   /* [B*T] */
};

static enum status_code pretrain_batch_fill(void *ctx, long step, struct train_batch *b,
                                            struct status *st)
{
	struct pretrain_batch *pb = ctx;
	(void)st;
	for (size_t k = 0; k < pb->B; k++)
		pretrain_fill(pb->d, pretrain_chunk(pb->d, pb->seed, (size_t)step * pb->B + k), pb->T,
		              pb->tok + k * pb->T, pb->tgt + k * pb->T);
	*b = (struct train_batch){ .B = pb->B, .T = pb->T, .tokens = pb->tok, .targets = pb->tgt };
	return STATUS_OK;
}

static enum status_code pretrain_val(struct train *t, const struct pretrain_data *d, size_t B,
                                     size_t T, int *tok, int *tgt, const struct hooks *h,
                                     double *loss, struct status *st)
{
	double sum = 0;
	size_t count = 0;
	for (size_t i = 0; i < d->nval; i += B) {
		size_t b = d->nval - i < B ? d->nval - i : B;
		for (size_t k = 0; k < b; k++)
			pretrain_fill(d, d->val[i + k], T, tok + k * T, tgt + k * T);
		enum status_code rc = model_forward(t->pass, t->params->mem, tok, b, T, tgt, h, st);
		if (rc != STATUS_OK)
			return rc;
		sum += t->pass->loss_sum;
		count += t->pass->count;
	}
	*loss = count ? sum / (double)count : NAN;
	return STATUS_OK;
}

/* The config of a fresh model from the options, checked. */
static enum status_code pretrain_config(const struct pretrain_opts *o, int vocab, int eos,
                                        struct model_config *cfg, struct status *st)
{
	*cfg = (struct model_config){
		.n_layer = (int)o->layers, .n_head = (int)o->heads, .n_embd = (int)o->embd,
		.n_inner = o->ffn > 0 ? (int)o->ffn : 4 * (int)o->embd, .n_positions = (int)o->ctx,
		.vocab_size = vocab, .layer_norm_epsilon = 1e-5f,
		.bos_token_id = eos, .eos_token_id = eos, .pad_token_id = -1,
		.n_kv_head = (int)o->kv_heads,
	};
	enum status_code rc = model_config_set_type(cfg, o->arch, st);
	return rc == STATUS_OK ? model_config_check(cfg, st) : rc;
}

static int pretrain_parse(int argc, char **argv, struct pretrain_opts *o)
{
	static const struct option opts[] = {
		{ "tokenizer", required_argument, NULL, 'k' }, { "out", required_argument, NULL, 'o' },
		{ "init", required_argument, NULL, 'i' }, { "layers", required_argument, NULL, 'L' },
		{ "heads", required_argument, NULL, 'H' }, { "embd", required_argument, NULL, 'E' },
		{ "ctx", required_argument, NULL, 'C' }, { "val", required_argument, NULL, 'v' },
		{ "arch", required_argument, NULL, 'A' }, { "kv-heads", required_argument, NULL, 'G' },
		{ "dataset", required_argument, NULL, 'D' }, { "patch", required_argument, NULL, 'p' },
		{ "schedule", required_argument, NULL, 'e' },
		{ "ffn", required_argument, NULL, 'F' },
		STAGE_TRAIN_OPTIONS, STAGE_SCHEDULE_OPTIONS, { NULL, 0, NULL, 0 }
	};
	const struct cli_command *cmd = &cmd_pretrain;
	int c, rc, exit_rc;
	while ((c = cli_next_option(cmd, argc, argv, "h", opts, &exit_rc)) != -1) {
		rc = CLI_OK;
		switch (c) {
		case 'k': o->tokenizer = optarg; break;
		case 'o': o->out = optarg; break;
		case 'i': o->init = optarg; break;
		case 'L': rc = cli_number(cmd, "--layers", optarg, 1, 96, &o->layers); break;
		case 'H': rc = cli_number(cmd, "--heads", optarg, 1, 96, &o->heads); break;
		case 'E': rc = cli_number(cmd, "--embd", optarg, 1, 16384, &o->embd); break;
		case 'C': rc = cli_number(cmd, "--ctx", optarg, 2, 65536, &o->ctx); break;
		case 'v': rc = cli_number(cmd, "--val", optarg, 0, 0.9, &o->val); break;
		case 'A': o->arch = optarg; break;
		case 'G': rc = cli_number(cmd, "--kv-heads", optarg, 1, 96, &o->kv_heads); break;
		case 'D': o->dataset = optarg; break;
		case 'p': rc = cli_number(cmd, "--patch", optarg, 1, 32, &o->patch); break;
		case 'e':
			if (strcmp(optarg, "cosine") != 0 && strcmp(optarg, "linear") != 0)
				return cli_bad_usage(cmd, "--schedule is cosine or linear, not '%s'", optarg);
			o->schedule = optarg;
			break;
		case 'F': rc = cli_number(cmd, "--ffn", optarg, 1, 262144, &o->ffn); break;
		case CLI_OPT_EXIT: return exit_rc == CLI_OK ? -1 : exit_rc;
		default: rc = stage_train_option(cmd, c, optarg, 65536, &o->t); break;
		}
		if (rc != CLI_OK)
			return rc;
	}
	if (!o->out)
		return cli_bad_usage(cmd, "--out is required");
	if (o->t.warmup < 0)
		o->t.warmup = floor(o->t.steps / 20);
	int dit = o->arch && strcmp(o->arch, "dit") == 0;
	if (dit) {
		if (!o->dataset)
			return cli_bad_usage(cmd, "--arch dit trains on images: give --dataset NAME (an "
			                     "image dataset of the store)");
		if (optind < argc)
			return cli_bad_usage(cmd, "--arch dit trains on --dataset's images, not on files "
			                     "('%s')", argv[optind]);
		if (o->tokenizer)
			return cli_bad_usage(cmd, "--arch dit has no tokenizer");
		if (o->t.lora_rank > 0)
			return cli_bad_usage(cmd, "--lora-rank: --arch dit trains in full (LoRA is for the "
			                     "text families)");
		return CLI_OK;
	}
	if (o->dataset || o->patch > 0 || o->schedule)
		return cli_bad_usage(cmd, "--dataset, --patch and --schedule train an image model: "
		                     "give --arch dit");
	if (!o->tokenizer)
		o->tokenizer = o->t.resume ? o->t.resume : o->init;
	if (!o->tokenizer)
		return cli_bad_usage(cmd, "--tokenizer (or --init) is required");
	if (optind >= argc)
		return cli_bad_usage(cmd, "wants text FILES to train on");
	/* A fresh model's shape is the user's choice of options: one that no
	 * model can have is bad usage, said before any file is read. */
	const struct { const char *name; double v; } sizes[] = {
		{ "--layers", o->layers }, { "--heads", o->heads }, { "--embd", o->embd },
		{ "--ctx", o->ctx }, { "--kv-heads", o->kv_heads }, { "--ffn", o->ffn },
	};
	for (size_t i = 0; i < sizeof sizes / sizeof sizes[0]; i++)
		if (sizes[i].v != floor(sizes[i].v))
			return cli_bad_usage(cmd, "%s wants a whole number, not %g", sizes[i].name, sizes[i].v);
	struct model_config cfg;
	struct status st = STATUS_INIT;
	if (!o->init && pretrain_config(o, 1, -1, &cfg, &st) != STATUS_OK)
		return cli_bad_usage(cmd, "%s", st.msg);
	if (o->t.lora_rank > 0 && !o->init && !o->t.resume)
		return cli_bad_usage(cmd, "--lora-rank adapts a trained model: give it with --init DIR");
	return stage_train_check(cmd, &o->t);
}

static void pretrain_params(struct stage *sg, const struct pretrain_opts *o,
                            const struct model_config *cfg, int argc, char **argv, int first)
{
	stage_param(sg, "tokenizer", "%s", o->tokenizer);
	stage_param(sg, "out", "%s", o->out);
	stage_param(sg, "init", "%s", o->init ? o->init : "");
	stage_param(sg, "arch", "%s", o->arch ? o->arch : "gpt2");
	stage_param(sg, "n_layer", "%d", cfg->n_layer);
	stage_param(sg, "n_head", "%d", cfg->n_head);
	stage_param(sg, "n_embd", "%d", cfg->n_embd);
	stage_param(sg, "n_inner", "%d", cfg->n_inner);
	if (cfg->n_kv_head)
		stage_param(sg, "n_kv_head", "%d", cfg->n_kv_head);
	stage_param(sg, "n_positions", "%d", cfg->n_positions);
	stage_param(sg, "vocab_size", "%d", cfg->vocab_size);
	stage_param(sg, "ctx", "%g", o->ctx);
	stage_param(sg, "steps", "%g", o->t.steps);
	stage_train_params(sg, &o->t);
	stage_param(sg, "val", "%g", o->val);
	stage_param(sg, "save_every", "%g", o->t.save_every);
	stage_param(sg, "seed", "%g", o->t.seed);
	stage_param(sg, "resume", "%s", o->t.resume ? o->t.resume : "");
	stage_resumes(sg, o->t.resume);
	char files[4096] = "";
	size_t used = 0;
	for (int i = first; i < argc && used < sizeof files; i++)
		used += (size_t)snprintf(files + used, sizeof files - used, "%s%s", i > first ? " " : "",
		                         argv[i]);
	stage_param(sg, "files", "%s", files);
}

static enum status_code pretrain_model(const struct pretrain_opts *o, struct tokenizer *tok,
                                       struct model_params *p, struct stage_state *ss,
                                       struct lora *l, struct status *st)
{
	/* LoRA (continued pretraining of --init): an adapter over it */
	if (l && o->t.resume)
		return stage_lora_resume(&o->t, o->init, p, ss, 0, l, st);
	if (o->t.resume)
		return stage_state_load_model(o->t.resume, p, ss, st);
	rng_seed(&ss->rng, (uint64_t)o->t.seed);
	if (o->init) {
		enum status_code rc = checkpoint_load(o->init, p, NULL, st);
		if (rc == STATUS_OK && l)
			rc = stage_lora_create(&o->t, o->init, p, 0, l, st);
		return rc;
	}
	int eos = tokenizer_token_id(tok, "<|endoftext|>");
	struct model_config cfg;
	enum status_code rc = pretrain_config(o, (int)tokenizer_vocab_size(tok), eos, &cfg, st);
	if (rc == STATUS_OK)
		rc = model_params_alloc(p, &cfg, st);
	if (rc == STATUS_OK)
		init_model(p, &ss->rng, 0.02f);
	return rc;
}

static int pretrain_run(struct cli *cli, int argc, char **argv)
{
	struct pretrain_opts o = { .layers = 2, .heads = 2, .embd = 64, .ctx = 64, .val = 0.1,
	                           .t = { .steps = 200, .batch = 8, .lr = 1e-3, .warmup = -1,
	                                  .wd = 0.01, .clip = 1, .save_every = 100, .seed = 0 } };
	int prc = pretrain_parse(argc, argv, &o);
	if (prc != CLI_OK)
		return prc < 0 ? CLI_OK : prc;
	int first_file = optind;
	if (o.arch && strcmp(o.arch, "dit") == 0) {
		struct pretrain_images_opts io = {
			.dataset = o.dataset, .out = o.out, .init = o.init, .layers = o.layers,
			.heads = o.heads, .embd = o.embd, .ffn = o.ffn,
			.patch = o.patch > 0 ? o.patch : 4,
			.schedule = o.schedule && strcmp(o.schedule, "linear") == 0 ? MODEL_SCHEDULE_LINEAR
			                                                          : MODEL_SCHEDULE_COSINE,
			.t = &o.t };
		return pretrain_images_run(cli, &io);
	}
	const char *from = o.t.resume ? o.t.resume : o.init;
	struct model_config fc;
	struct status fst = STATUS_INIT;
	if (from && checkpoint_config_read(from, &fc, &fst) == STATUS_OK && model_is_image(&fc)) {
		cli_error("%s: an image model (%s) trains on images: give --arch dit --dataset NAME",
		          from, model_family_of(&fc)->title);
		return CLI_FAIL;
	}

	struct status st = STATUS_INIT;
	struct tokenizer *tok = NULL;
	struct model_params p = { 0 };
	struct stage_state ss = { 0 };
	struct pretrain_data d = { 0 };
	int *tok_buf = NULL, *tgt_buf = NULL;
	struct lora l = { 0 };
	int lora = stage_lora_on(&o.t);

	if (tokenizer_load(o.tokenizer, &tok, &st) != STATUS_OK ||
	    pretrain_model(&o, tok, &p, &ss, lora ? &l : NULL, &st) != STATUS_OK) {
		cli_error("%s", st.msg);
		if (tok)
			tokenizer_free(tok);
		lora_free(&l);
		model_params_free(&p);
		return CLI_FAIL;
	}
	if (p.cfg.num_labels > 0 || p.cfg.eos_token_id < 0 ||
	    (size_t)p.cfg.vocab_size < tokenizer_vocab_size(tok)) {
		cli_error("%s: not a language model with an EOS token covering %s's %zu tokens",
		          o.t.resume ? o.t.resume : o.init, o.tokenizer, tokenizer_vocab_size(tok));
		tokenizer_free(tok);
		lora_free(&l);
		model_params_free(&p);
		return CLI_FAIL;
	}
	if ((double)p.cfg.n_positions < o.ctx)
		o.ctx = p.cfg.n_positions;

	struct stage sg;
	if (stage_open(&sg, cli, "pretrain", o.t.name, 0, (store_id)o.t.job) != CLI_OK) {
		tokenizer_free(tok);
		lora_free(&l);
		model_params_free(&p);
		return CLI_FAIL;
	}
	pretrain_params(&sg, &o, &p.cfg, argc, argv, first_file);
	if (lora)
		stage_lora_params(&sg, &l);
	struct hooks h = stage_hooks(&sg);
	enum status_code rc = pretrain_load(&o, tok, p.cfg.eos_token_id, argv + first_file,
	                                    argc - first_file, &d, &st);
	size_t B = (size_t)o.t.batch, T = (size_t)o.ctx;
	long total = (long)o.t.steps;
	if (rc == STATUS_OK) {
		stage_say(&sg, "%zu tokens: %zu training and %zu validation chunks of %zu; %zu parameters",
		          d.n, d.ntrain, d.nval, T, p.count);
		tok_buf = malloc(B * T * sizeof *tok_buf);
		tgt_buf = malloc(B * T * sizeof *tgt_buf);
		if (!tok_buf || !tgt_buf)
			rc = status_set(&st, STATUS_NOMEM, "out of memory");
	}
	struct checkpoint_save_opts so = { .tokenizer_dir = o.tokenizer, .lora = lora ? &l : NULL };
	struct stage_saving sv = { .out = o.out, .kind = "policy", .p = &p, .so = &so, .ss = &ss,
	                           .save_every = o.t.save_every, .stop_at = o.t.stop_at,
	                           .saved = ss.step };
	struct pretrain_batch pb = { .d = &d, .seed = (uint64_t)o.t.seed, .B = B, .T = T,
	                             .tok = tok_buf, .tgt = tgt_buf };
	struct train_loop L = { .sg = &sg, .h = &h, .p = &p, .oc = train_loop_linear(&o.t, total),
	                        .resume = o.t.resume, .step = ss.step, .total = total,
	                        .clip = (float)o.t.clip, .sv = &sv, .fill = pretrain_batch_fill,
	                        .ctx = &pb, .lora = lora ? &l : NULL, .seed = (uint64_t)o.t.seed };
	if (rc == STATUS_OK && o.t.resume)
		stage_say(&sg, "resuming %s at step %ld", o.t.resume, ss.step);
	if (rc == STATUS_OK)
		rc = train_loop_run(&L, &st);
	long step = L.step;
	if (rc == STATUS_CANCELLED && step > 0)
		stage_say(&sg, "checkpoint at step %ld in %s/checkpoint-%ld", step, o.out, step);
	if (rc == STATUS_OK) {
		double vloss = NAN;
		train_set_eval(&L.t, 1);
		rc = pretrain_val(&L.t, &d, B, T, tok_buf, tgt_buf, &h, &vloss, &st);
		if (rc == STATUS_OK) {
			stage_metric(&sg, "val_loss", step, vloss);
			printf("validation loss %.6f over %zu chunks\n", vloss, d.nval);
			/* The final model sits beside the checkpoint-STEP folders, as
			 * Hugging Face's Trainer leaves its output_dir. */
			if (stage_writes(&sg))
				rc = checkpoint_save(o.out, &p, &so, &st);
		}
		if (rc == STATUS_OK) {
			stage_checkpoint(&sg, o.out, step, "policy", NULL);
			printf("%s saved to %s (%ld steps, %.0f tokens/s)\n", lora ? "adapter" : "model", o.out,
			       step, sg.tokens_per_s);
		}
	}
	int ret = stage_finish(&sg, rc, st.msg);
	train_loop_free(&L);
	free(tok_buf);
	free(tgt_buf);
	free(d.tokens);
	free(d.val);
	free(d.perm);
	json_decref(ss.extra);
	lora_free(&l);
	model_params_free(&p);
	tokenizer_free(tok);
	return ret;
}
