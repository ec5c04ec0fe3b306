/* ric info: where this ric reads its data and keeps its store. */
#include "config.h"

#include "src/cli.h"
#include "src/dist.h"
#include "src/paths.h"
#include "engine/checkpoint.h"
#include "engine/tokenizer.h"
#include "engine/cpu.h"

#include <jansson.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

static int info_run(struct cli *cli, int argc, char **argv);

void cli_cpu_print(FILE *out, const char *indent)
{
	const struct cpu_info *c = cpu_info();
	fprintf(out, "%sfeatures  %s family %d:%s%s%s%s%s%s%s%s\n", indent, c->vendor_name, c->family,
	        c->avx2 ? " avx2" : "", c->fma ? " fma" : "", c->avx512f ? " avx512f" : "",
	        c->avx512dq ? " avx512dq" : "", c->avx512bw ? " avx512bw" : "",
	        c->avx512vl ? " avx512vl" : "", c->vnni ? " avx512_vnni" : "",
	        c->bf16 ? " avx512_bf16" : "");
	fprintf(out, "%skernels   %s (%s)\n", indent, c->level_name, c->level_why);
	fprintf(out, "%sblis      %s (%s)\n", indent, c->blis_name, c->blis_why);
}

json_t *cli_cpu_json(void)
{
	const struct cpu_info *c = cpu_info();
	return json_pack("{s:s, s:i, s:{s:b, s:b, s:b, s:b, s:b, s:b, s:b, s:b}, s:s, s:s, s:s, s:s, "
	                 "s:s, s:b}",
	                 "vendor", c->vendor_name, "family", c->family, "features", "avx2", c->avx2, "fma", c->fma,
	                 "avx512f", c->avx512f, "avx512dq", c->avx512dq, "avx512bw", c->avx512bw,
	                 "avx512vl", c->avx512vl, "avx512_vnni", c->vnni, "avx512_bf16", c->bf16,
	                 "kernels", c->level_name, "kernels_why", c->level_why, "blis",
	                 c->blis_name, "blis_why", c->blis_why, "blis_own", c->blis_own,
	                 "blis_static", c->blis_static);
}

/* ric info DIR: what the folder holds, from its config.json and the
 * safetensors headers (no weights are read). */
static int info_model(const char *dir, int json)
{
	struct status st = STATUS_INIT;
	struct checkpoint_info ci;
	if (checkpoint_info(dir, &ci, &st) != STATUS_OK) {
		cli_error("%s", st.msg);
		return CLI_FAIL;
	}
	const struct model_config *c = &ci.cfg;
	struct model_dims d;
	model_dims(c, &d);
	json_t *cj = checkpoint_config_json(c, NULL);
	const char *arch = json_string_value(json_array_get(json_object_get(cj, "architectures"), 0));
	const char *type = json_string_value(json_object_get(cj, "model_type"));
	const char *family = model_family_of(c)->name;
	const char *head = model_is_image(c) ? (c->num_labels > 0 ? "score" : "noise")
	                 : c->num_labels > 0 ? "score"
	                 : model_tied_head(c) ? "tied" : "lm_head";
	/* the tokenizer's kind and size (its files are read; the weights are not) */
	char tok_kind[160] = "";
	struct tokenizer *tok = NULL;
	if (ci.tokenizer[0]) {
		struct status tst = STATUS_INIT;
		if (tokenizer_load(dir, &tok, &tst) == STATUS_OK)
			snprintf(tok_kind, sizeof tok_kind, "%s, %zu tokens", tokenizer_kind(tok),
			         tokenizer_vocab_size(tok));
		else
			snprintf(tok_kind, sizeof tok_kind, "%s (does not load: %s)", ci.tokenizer, tst.msg);
		tokenizer_free(tok);
	}
	int rc = CLI_OK;
	if (json) {
		json_t *o = json_pack("{s:s, s:s, s:s?, s:s?, s:i, s:i, s:i, s:I, s:I, s:i, s:i, s:i, "
		                      "s:i, s:s, s:I, s:s, s:I, s:s}",
		                      "model", dir, "family", family, "model_type", type,
		                      "architecture", arch, "layers", c->n_layer, "hidden", c->n_embd,
		                      "heads", c->n_head, "kv_heads", (json_int_t)d.NKV,
		                      "head_dim", (json_int_t)d.D, "mlp", c->n_inner,
		                      "vocab", c->vocab_size, "positions", c->n_positions,
		                      "labels", c->num_labels, "head", head,
		                      "parameters", (json_int_t)ci.params, "dtype", ci.dtype,
		                      "files", (json_int_t)ci.files, "tokenizer", ci.tokenizer);
		/* Mistral's (or Qwen2's) window: contexts past it are refused */
		if (o && tok_kind[0])
			json_object_set_new(o, "tokenizer_kind", json_string(tok_kind));
		if (o && c->sliding_window > 0)
			json_object_set_new(o, "sliding_window", json_integer(c->sliding_window));
		if (o && model_is_image(c)) {
			json_object_set_new(o, "image_size", json_integer(c->image_size));
			json_object_set_new(o, "patch_size", json_integer(c->patch_size));
			json_object_set_new(o, "cond_dim", json_integer(c->cond_dim));
			json_object_set_new(o, "beta_schedule", json_incref(json_object_get(cj, "beta_schedule")));
		}
		char *text = o ? json_dumps(o, JSON_COMPACT) : NULL;
		if (text)
			puts(text);
		else
			rc = CLI_FAIL;
		free(text);
		json_decref(o);
	} else {
		printf("model     %s\n", dir);
		printf("family    %s (model_type %s, %s)\n", family, type ? type : "?", arch ? arch : "?");
		if (model_is_image(c)) {
			printf("shape     %d blocks, hidden %d, %d heads of %zu, MLP %d\n", c->n_layer,
			       c->n_embd, c->n_head, d.D, c->n_inner);
			if (c->num_labels > 0)
				printf("head      score: %d label%s of the patches' mean (an image reward "
				       "model)\n", c->num_labels, c->num_labels > 1 ? "s" : "");
			printf("image     %dx%d RGB in %d patches of %dx%d, noise schedule %s over %d "
			       "steps\n", c->image_size, c->image_size, c->n_positions, c->patch_size,
			       c->patch_size, c->schedule == MODEL_SCHEDULE_LINEAR ? "linear" : "cosine",
			       c->num_train_timesteps);
			if (c->cond_dim > 0)
				printf("condition %d normalised rewards (and a learned null condition)\n",
				       c->cond_dim);
			else
				printf("condition none (unconditional)\n");
		} else {
			printf("shape     %d layers, hidden %d, %d heads (%zu key-value) of %zu, MLP %d, "
			       "vocab %d, %d positions\n", c->n_layer, c->n_embd, c->n_head, d.NKV, d.D,
			       c->n_inner, c->vocab_size, c->n_positions);
			if (c->sliding_window > 0)
				printf("window    sliding window of %d tokens (longer contexts are refused)\n",
				       c->sliding_window);
			if (c->num_labels > 0)
				printf("head      reward model, %d labels\n", c->num_labels);
			else
				printf("head      %s\n", strcmp(head, "tied") == 0 ? "tied to the token embeddings"
				                                                    : "separate lm_head");
		}
		printf("params    %zu (%.1fM)\n", ci.params, (double)ci.params / 1e6);
		printf("dtype     %s in %zu file%s\n", ci.dtype, ci.files, ci.files == 1 ? "" : "s");
		if (tok_kind[0])
			printf("tokenizer %s\n", tok_kind);
		else
			printf("tokenizer (none)\n");
	}
	json_decref(cj);
	return rc;
}

const struct cli_command cmd_info = {
	.name = "info",
	.summary = "show the version, the data folder and the store in use",
	.usage = "ric info [DIR] [--cpu] [--json]",
	.help = "With DIR (a Hugging Face model folder): its family, model_type and\n"
	        "architecture, shapes, parameter count, stored dtype and tokenizer (its\n"
	        "kind and size).\n"
	        "\n"
	        "Options:\n"
	        "  --cpu         the CPU's features and the kernels chosen for it (our\n"
	        "                kernels' level and BLIS's context), with the reasons;\n"
	        "                RIC_CPU and RIC_BLIS force a choice\n"
	        "  --json        print one JSON object\n",
	.run = info_run,
};

static int info_run(struct cli *cli, int argc, char **argv)
{
	static const struct option opts[] = {
		{ "json", no_argument, NULL, 'j' },
		{ "cpu", no_argument, NULL, 'c' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 }
	};
	int json = 0, cpu = 0, c, exit_rc;
	while ((c = cli_next_option(&cmd_info, argc, argv, "h", opts, &exit_rc)) != -1) {
		switch (c) {
		case 'j': json = 1; break;
		case 'c': cpu = 1; break;
		case CLI_OPT_EXIT: return exit_rc;
		}
	}
	if (optind + 1 < argc)
		return cli_bad_usage(&cmd_info, "unexpected argument '%s'", argv[optind + 1]);
	if (optind < argc) {
		if (cpu)
			return cli_bad_usage(&cmd_info, "--cpu and a model folder do not go together");
		return info_model(argv[optind], json);
	}

	if (cpu) {
		if (json) {
			json_t *o = cli_cpu_json();
			char *text = o ? json_dumps(o, JSON_COMPACT) : NULL;
			if (text)
				puts(text);
			free(text);
			json_decref(o);
		} else
			cli_cpu_print(stdout, "");
		return CLI_OK;
	}
	const char *datadir = paths_datadir();
	char *store = paths_store(cli->store_opt);
	const char *threads = getenv("BLIS_NUM_THREADS");
	struct stat sb;
	int have_data = stat(datadir, &sb) == 0 && S_ISDIR(sb.st_mode);

	if (json) {
		json_t *o = json_pack("{s:s, s:s, s:b, s:s?, s:s?, s:b, s:i}",
		                      "version", PACKAGE_VERSION, "datadir", datadir,
		                      "datadir_exists", have_data, "store", store,
		                      "blis_num_threads", threads, "mpi", dist_built(),
		                      "ranks", dist_size());
		char *text = o ? json_dumps(o, JSON_COMPACT) : NULL;
		if (text)
			puts(text);
		free(text);
		json_decref(o);
	} else {
		printf("version   %s\n", PACKAGE_VERSION);
		printf("data      %s%s\n", datadir, have_data ? "" : "  (missing)");
		printf("store     %s\n", store ? store : "(no HOME: pass --store)");
		printf("threads   BLIS_NUM_THREADS=%s\n", threads ? threads : "(unset: BLIS default)");
		if (dist_built())
			printf("mpi       yes (rank %d of %d; mpirun -np N ric STAGE ...)\n", dist_rank(),
			       dist_size());
		else
			printf("mpi       no (configure --with-mpi)\n");
	}
	free(store);
	return have_data ? CLI_OK : CLI_FAIL;
}
