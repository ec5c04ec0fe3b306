/* ric generate: sample continuations of a prompt, streamed to the terminal. */
#include "config.h"

#include "src/cli.h"
#include "src/termtext.h"
#include "engine/checkpoint.h"
#include "engine/decoder.h"
#include "engine/generate.h"
#include "engine/mapping.h"
#include "engine/stats.h"
#include "engine/tokenizer.h"
#include "src/generate_images.h"
#include "src/paths.h"
#include "src/ricgen.h"

#include <math.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>

static int generate_run(struct cli *cli, int argc, char **argv);

const struct cli_command cmd_generate = {
	.name = "generate",
	.summary = "sample continuations of a prompt from a model",
	.usage = "ric generate --model DIR --prompt TEXT [--n N] [--max-tokens M]\n"
	         "       [--temperature T] [--top-p P] [--top-k K] [--seed S] [--stop TEXT]...\n"
	         "       [--no-stop]\n"
	         "       [--weights f32|bf16|int8]\n"
	         "       ric generate --model DIR --prompt TEXT (--pref W1,W2,... [--mapping M] |\n"
	         "                    --scores Z1,Z2,...) [--allow-cmd] [options above]\n"
	         "       ric generate --model IMAGE-DIR -o FILE.png [--n N] [--steps S] [--guidance G]\n"
	         "                    [--cols C] [--seed S] [--pref W1,... [--mapping M] | --scores Z1,...]",
	.help = "Options:\n"
	        "  --model DIR        Hugging Face GPT-2 folder with its tokenizer files\n"
	        "  --prompt TEXT      the text to continue\n"
	        "  --n N              continuations, decoded together (default 1)\n"
	        "  --max-tokens M     new tokens per continuation (default 64)\n"
	        "  --temperature T    0 picks the most likely token (default 1)\n"
	        "  --top-p P          nucleus sampling mass (default 1: off)\n"
	        "  --top-k K          keep the K most likely tokens (default 0: off)\n"
	        "  --seed S           random seed; continuation i uses S + i (default 0)\n"
	        "  --stop TEXT        stop a continuation once its text contains TEXT (repeatable);\n"
	        "                     with --pref or --scores the response ends before it\n"
	        "                     (default there: \"\\n\\nHuman:\" and the checkpoint's marker\n"
	        "                     when it starts a line)\n"
	        "  --no-stop          no stop strings\n"
	        "  --weights W        decode with f32 (default), bf16 or int8 weights: fewer bytes\n"
	        "                     per token, faster; bf16 is exact on a BF16 checkpoint\n"
	        "  --pref W1,W2,...   RiC checkpoint (with ric.json): a preference over its\n"
	        "                     objectives, mapped to desired scores\n"
	        "  --mapping M        linf (default: the checkpoint's), l2, linear or lp:P\n"
	        "                     (P >= 1 or inf; see ric(1))\n"
	        "  --scores Z1,...    RiC checkpoint: the desired normalised scores directly\n"
	        "  --allow-cmd        score with the checkpoint's cmd: rewards (they start a\n"
	        "                     program) and rm: models outside its folder; without\n"
	        "                     it they are skipped with a warning (not scored)\n"
	        "Image models (model_type dit, ric pretrain --arch dit):\n"
	        "  -o, --out FILE.png N images (--n, default 16) in one PNG grid of --cols\n"
	        "                     columns (default: square); image i starts from noise\n"
	        "                     seeded --seed + i\n"
	        "  --steps S          DDIM steps (default 20)\n"
	        "  --guidance G       classifier-free guidance scale of --pref / --scores\n"
	        "                     (default 3; 1: the conditional model alone)\n"
	        "One continuation streams as it is made; several are printed one after\n"
	        "another, each under a '--- i' line. Ctrl-C stops decoding.\n"
	        "With --pref or --scores the prompt is wrapped in the checkpoint's template\n"
	        "with the targets (printed first, rounded to 0.1 as the model reads them),\n"
	        "only the response is printed, and each response is scored with the\n"
	        "objectives' rewards: raw and normalised ((r - mu) / sigma) values.\n",
	.run = generate_run,
};

#define GENERATE_MAX_OBJ 16 /* objectives a RiC checkpoint may have here */

static volatile sig_atomic_t generate_interrupted;
static void generate_on_sigint(int sig) { (void)sig; generate_interrupted = 1; }
static int generate_abort(void *ctx) { (void)ctx; return generate_interrupted; }

struct generate_cli {
	struct tokenizer *tok;
	struct tokenizer_stream stream;
	int streaming;
	int eos;
};

static size_t generate_decode(void *ctx, int token, char *buf, size_t cap)
{
	struct generate_cli *g = ctx;
	return ricgen_decode(g->tok, token, buf, cap);
}

static int generate_on_token(void *ctx, size_t seq, int token)
{
	struct generate_cli *g = ctx;
	(void)seq;
	if (!g->streaming || token == g->eos)
		return 0;
	struct status st = STATUS_INIT;
	const char *text;
	size_t len;
	if (tokenizer_stream_push(g->tok, &g->stream, token, &text, &len, &st) == STATUS_OK) {
		termtext_write(stdout, text, len);
		fflush(stdout);
	}
	return 0;
}

/* --pref / --scores on a RiC checkpoint. */
static int generate_ric(const char *model, const char *prompt, const char *pref, const char *scores,
                        const char *mapping, size_t B, enum decoder_dtype dtype, int allow_cmd,
                        struct ricgen_stops *stops, struct generate_params *gp)
{
	struct status st = STATUS_INIT;
	struct ricgen g;
	struct ricgen_batch b = { 0 };
	struct generate_cli gc = { 0 };
	const char **prompts = NULL;
	double *z = NULL;
	int rc = CLI_FAIL;
	if (ricgen_open_decoding(&g, model, 1, dtype, &st) != STATUS_OK) {
		cli_error("%s", st.msg);
		return CLI_FAIL;
	}
	gp->weights = &g.dw;
	ricgen_stops_resolve(stops, &g.meta);
	ricgen_stops_apply(stops, gp);
	size_t N = g.meta.n_obj;
	double w[GENERATE_MAX_OBJ], t[GENERATE_MAX_OBJ], lo[GENERATE_MAX_OBJ], hi[GENERATE_MAX_OBJ];
	struct mapping k = { .kind = g.meta.mapping };
	char kname[MAPPING_NAME_MAX];
	if (N > GENERATE_MAX_OBJ) {
		status_set(&st, STATUS_UNSUPPORTED, "%zu objectives; ric generate handles %d", N,
		           GENERATE_MAX_OBJ);
		goto fail;
	}
	ricmeta_ranges(&g.meta, lo, hi);
	if (pref) {
		if (mapping && mapping_spec_parse(mapping, &k, &st) != STATUS_OK)
			goto fail;
		if (mapping_parse_vector(pref, N, "--pref", w, &st) != STATUS_OK ||
		    mapping_spec_targets(&k, w, N, lo, hi, 0, t, &st) != STATUS_OK)
			goto fail;
	} else {
		if (mapping_parse_vector(scores, N, "--scores", t, &st) != STATUS_OK)
			goto fail;
		for (size_t i = 0; i < N; i++) {
			if (!(fabs(t[i]) <= RICMETA_Z_MAX)) {
				status_set(&st, STATUS_INVALID, "--scores '%s': value %zu is %g, beyond +-%g "
				           "(scores are normalised: %s's offline range is %.1f..%.1f)", scores,
				           i + 1, t[i], RICMETA_Z_MAX, g.meta.obj[i].name, lo[i], hi[i]);
				goto fail;
			}
			t[i] = stats_round1(t[i]);
		}
	}
	/* ric.json is a file: what it would run waits for --allow-cmd. */
	struct ricgen_trust trust = { .home = model, .consent = allow_cmd, .skip = 1 };
	if (ricgen_open_rewards(&g, &g.meta, paths_datadir(), &trust, &st) != STATUS_OK)
		goto fail;
	for (size_t i = 0; i < N; i++)
		if (g.denied[i])
			cli_error("warning: %s; not scored (%s)", g.denied[i], CLI_ALLOW_CMD_HINT);
	char num[STATS_FMT_MAX];
	mapping_spec_name(&k, kname, sizeof kname);
	if (pref)
		termtext_printf(stdout, "preference %s, mapping %s\n", pref, kname);
	fputs("targets:", stdout);
	for (size_t i = 0; i < N; i++) {
		stats_format1(t[i], num, sizeof num);
		termtext_printf(stdout, " %s %s", g.meta.obj[i].name, num);
	}
	putchar('\n');
	prompts = calloc(B, sizeof *prompts);
	z = calloc(B * N, sizeof *z);
	if (!prompts || !z) {
		status_set(&st, STATUS_NOMEM, "out of memory");
		goto fail;
	}
	for (size_t i = 0; i < B; i++) {
		prompts[i] = prompt;
		memcpy(z + i * N, t, N * sizeof *t);
	}
	b.n = B;
	b.prompts = prompts;
	b.z = z;
	gc.tok = g.tok;
	gc.stream.cont = 1; /* a continuation: keep its leading space (SentencePiece) */
	gc.eos = g.p.cfg.eos_token_id;
	/* A response cut at a turn marker is printed once it is cut: streamed,
	 * the marker would show. */
	gc.streaming = B == 1 && gp->n_stop == 0;
	gp->decode = generate_decode;
	gp->on_token = generate_on_token;
	gp->ctx = &gc;
	struct hooks h = { .abort = generate_abort };
	signal(SIGINT, generate_on_sigint);
	enum status_code sc = ricgen_run(&g, &g.meta, &b, gp, &h, &st);
	signal(SIGINT, SIG_DFL);
	if (sc == STATUS_CANCELLED)
		cli_error("interrupted");
	if (sc != STATUS_OK)
		goto fail;
	size_t held;
	const char *rest = tokenizer_stream_flush(&gc.stream, &held);
	if (gc.streaming) {
		termtext_write(stdout, rest, held);
		putchar('\n');
	}
	for (size_t i = 0; i < B; i++) {
		if (B == 1 && !gc.streaming)
			termtext_printf(stdout, "%s\n", b.responses[i]);
		else if (!gc.streaming)
			termtext_printf(stdout, "--- %zu\n%s\n", i + 1, b.responses[i]);
		fputs("rewards:", stdout);
		for (size_t j = 0; j < N; j++)
			if (g.rewards[j])
				termtext_printf(stdout, " %s %.4g (z %.2f)", g.meta.obj[j].name, b.raw[i * N + j],
				       b.norm[i * N + j]);
			else
				termtext_printf(stdout, " %s not-scored", g.meta.obj[j].name);
		putchar('\n');
	}
	rc = CLI_OK;
	goto done;
fail:
	if (st.code != STATUS_OK)
		cli_error("%s", st.msg);
done:
	tokenizer_stream_free(&gc.stream);
	ricgen_batch_free(&b);
	free(prompts);
	free(z);
	ricgen_close(&g);
	return rc;
}

static int generate_run(struct cli *cli, int argc, char **argv)
{
	(void)cli;
	static const struct option opts[] = {
		{ "model", required_argument, NULL, 'm' },
		{ "prompt", required_argument, NULL, 'p' },
		{ "n", required_argument, NULL, 'n' },
		{ "max-tokens", required_argument, NULL, 'M' },
		{ "temperature", required_argument, NULL, 'T' },
		{ "top-p", required_argument, NULL, 'P' },
		{ "top-k", required_argument, NULL, 'K' },
		{ "seed", required_argument, NULL, 's' },
		{ "stop", required_argument, NULL, 'S' },
		{ "no-stop", no_argument, NULL, 'Z' },
		{ "pref", required_argument, NULL, 'w' },
		{ "scores", required_argument, NULL, 'z' },
		{ "mapping", required_argument, NULL, 'a' },
		{ "weights", required_argument, NULL, 'W' },
		{ "allow-cmd", no_argument, NULL, 'A' },
		{ "out", required_argument, NULL, 'o' },
		{ "steps", required_argument, NULL, 'e' },
		{ "guidance", required_argument, NULL, 'g' },
		{ "cols", required_argument, NULL, 'c' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 }
	};
	const char *model = NULL, *prompt = NULL, *pref = NULL, *scores = NULL, *mapping = NULL;
	struct ricgen_stops stops = { 0 };
	int dtype = DECODER_F32, allow_cmd = 0;
	double n = -1, max_tokens = 64, temperature = 1, top_p = 1, top_k = 0, seed = 0;
	double steps = 20, guidance = 3, cols = 0;
	const char *out_png = NULL;
	int c, rc, exit_rc;
	while ((c = cli_next_option(&cmd_generate, argc, argv, "ho:", opts, &exit_rc)) != -1) {
		rc = CLI_OK;
		switch (c) {
		case 'm': model = optarg; break;
		case 'p': prompt = optarg; break;
		case 'n': rc = cli_number(&cmd_generate, "--n", optarg, 1, 256, &n); break;
		case 'M': rc = cli_number(&cmd_generate, "--max-tokens", optarg, 0, 1e6, &max_tokens); break;
		case 'T': rc = cli_number(&cmd_generate, "--temperature", optarg, 0, 100, &temperature); break;
		case 'P': rc = cli_number(&cmd_generate, "--top-p", optarg, 0, 1, &top_p); break;
		case 'K': rc = cli_number(&cmd_generate, "--top-k", optarg, 0, 1e7, &top_k); break;
		case 's': rc = cli_number(&cmd_generate, "--seed", optarg, 0, 9e15, &seed); break;
		case 'S':
			if (ricgen_stops_add(&stops, optarg) != 0)
				return cli_bad_usage(&cmd_generate, "at most %d --stop strings",
				                     RICGEN_MAX_STOP);
			break;
		case 'Z': stops.none = 1; break;
		case 'w': pref = optarg; break;
		case 'z': scores = optarg; break;
		case 'a': mapping = optarg; break;
		case 'A': allow_cmd = 1; break;
		case 'o': out_png = optarg; break;
		case 'e': rc = cli_number(&cmd_generate, "--steps", optarg, 1, 1000, &steps); break;
		case 'g': rc = cli_number(&cmd_generate, "--guidance", optarg, 0, 100, &guidance); break;
		case 'c': rc = cli_number(&cmd_generate, "--cols", optarg, 1, 256, &cols); break;
		case 'W':
			if ((dtype = decoder_dtype_parse(optarg)) < 0)
				return cli_bad_usage(&cmd_generate, "--weights is f32, bf16 or int8, not '%s'",
				                     optarg);
			break;
		case CLI_OPT_EXIT: return exit_rc;
		}
		if (rc != CLI_OK)
			return rc;
	}
	if (optind < argc)
		return cli_bad_usage(&cmd_generate, "unexpected argument '%s'", argv[optind]);
	if (pref && scores)
		return cli_bad_usage(&cmd_generate, "give --pref or --scores, not both");
	/* an image model draws pictures; a text model writes text */
	struct model_config mc;
	struct status cst = STATUS_INIT;
	int image = model && checkpoint_config_read(model, &mc, &cst) == STATUS_OK &&
	            model_is_image(&mc);
	if (image && prompt)
		return cli_bad_usage(&cmd_generate, "%s is an image model (%s): it takes no --prompt; "
		                     "give -o FILE.png", model, model_family_of(&mc)->title);
	if (image && !out_png)
		return cli_bad_usage(&cmd_generate, "%s is an image model (%s): give -o FILE.png for "
		                     "its images", model, model_family_of(&mc)->title);
	if (out_png && model && cst.code != STATUS_OK) {
		cli_error("%s", cst.msg);
		return CLI_FAIL;
	}
	if (out_png && !image && model)
		return cli_bad_usage(&cmd_generate, "%s is a text model (%s): -o FILE.png draws images "
		                     "of an image model; text is printed (give --prompt)", model,
		                     model_family_of(&mc)->title);
	/* the DiT samples in F32: a lighter copy would be a promise not kept */
	if (image && dtype != DECODER_F32)
		return cli_bad_usage(&cmd_generate, "--weights %s: %s is an image model, which samples "
		                     "in F32 (BF16 and int8 weights are for text models)",
		                     decoder_dtype_name((enum decoder_dtype)dtype), model);
	if (image) {
		struct generate_images_opts io = { .model = model, .out = out_png, .pref = pref,
		                                   .scores = scores, .mapping = mapping,
		                                   .n = n > 0 ? (size_t)n : 16, .steps = (size_t)steps,
		                                   .cols = (size_t)cols, .guidance = guidance,
		                                   .seed = (uint64_t)seed };
		if (mapping && !pref)
			return cli_bad_usage(&cmd_generate, "--mapping applies to --pref");
		return generate_images_run(&io);
	}
	if (n < 0)
		n = 1;
	if (!model || !prompt)
		return cli_bad_usage(&cmd_generate, "--model and --prompt are required");
	if (pref && scores)
		return cli_bad_usage(&cmd_generate, "give --pref or --scores, not both");
	if (mapping && !pref)
		return cli_bad_usage(&cmd_generate, "--mapping applies to --pref");
	if (stops.none && stops.n)
		return cli_bad_usage(&cmd_generate, "give --stop or --no-stop, not both");
	if (pref || scores) {
		struct generate_params gp = GENERATE_DEFAULTS;
		gp.max_new = (size_t)max_tokens;
		gp.sampling.temperature = (float)temperature;
		gp.sampling.top_p = (float)top_p;
		gp.sampling.top_k = (int)top_k;
		gp.seed = (uint64_t)seed;
		return generate_ric(model, prompt, pref, scores, mapping, (size_t)n,
		                    (enum decoder_dtype)dtype, allow_cmd, &stops, &gp);
	}

	struct status st = STATUS_INIT;
	struct model_params p = { 0 };
	struct generate_cli g = { 0 };
	struct tokenizer_ids ids = { 0 };
	struct decoder_weights dw = { 0 };
	size_t B = (size_t)n;
	struct generate_output *out = calloc(B, sizeof *out);
	const int **prompts = calloc(B, sizeof *prompts);
	size_t *lens = calloc(B, sizeof *lens);
	rc = CLI_FAIL;
	if (!out || !prompts || !lens) {
		status_set(&st, STATUS_NOMEM, "out of memory");
		goto fail;
	}
	if (checkpoint_load_decoding(model, &p, &dw, dtype, NULL, &st) != STATUS_OK ||
	    tokenizer_load(model, &g.tok, &st) != STATUS_OK ||
	    tokenizer_encode(g.tok, prompt, strlen(prompt), 0, &ids, &st) != STATUS_OK)
		goto fail;
	if (ids.n == 0) {
		status_set(&st, STATUS_INVALID, "the prompt is empty");
		goto fail;
	}
	for (size_t i = 0; i < B; i++) {
		prompts[i] = ids.ids;
		lens[i] = ids.n;
	}
	struct generate_params gp = GENERATE_DEFAULTS;
	gp.max_new = (size_t)max_tokens;
	gp.sampling.temperature = (float)temperature;
	gp.sampling.top_p = (float)top_p;
	gp.sampling.top_k = (int)top_k;
	gp.seed = (uint64_t)seed;
	gp.eos_id = p.cfg.eos_token_id;
	gp.stop = stops.s;
	gp.n_stop = stops.n;
	gp.decode = generate_decode;
	gp.on_token = generate_on_token;
	gp.ctx = &g;
	gp.weights = &dw;
	g.streaming = B == 1;
	g.stream.cont = 1; /* a continuation: keep its leading space (SentencePiece) */
	g.eos = p.cfg.eos_token_id;
	struct hooks h = { .abort = generate_abort };
	signal(SIGINT, generate_on_sigint);
	if (g.streaming) {
		termtext_write(stdout, prompt, strlen(prompt));
		fflush(stdout);
	}
	enum status_code sc = generate(&p, prompts, lens, B, &gp, &h, out, &st);
	signal(SIGINT, SIG_DFL);
	if (sc != STATUS_OK && sc != STATUS_CANCELLED)
		goto fail;
	size_t held;
	const char *rest = tokenizer_stream_flush(&g.stream, &held);
	if (g.streaming) {
		termtext_write(stdout, rest, held);
		putchar('\n');
	} else {
		for (size_t i = 0; i < B; i++) {
			termtext_printf(stdout, "--- %zu\n%s", i + 1, prompt);
			if (out[i].text)
				termtext_write(stdout, out[i].text, out[i].text_len);
			putchar('\n');
		}
	}
	rc = sc == STATUS_OK ? CLI_OK : CLI_FAIL;
	if (sc == STATUS_CANCELLED)
		cli_error("interrupted");
	goto done;
fail:
	cli_error("%s", st.msg);
done:
	generate_output_free(out, out ? B : 0);
	free(out);
	free(prompts);
	free(lens);
	tokenizer_ids_free(&ids);
	tokenizer_stream_free(&g.stream);
	if (g.tok)
		tokenizer_free(g.tok);
	decoder_weights_free(&dw);
	model_params_free(&p);
	return rc;
}
