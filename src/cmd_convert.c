/* ric convert: rewrite a checkpoint in another dtype (BF16 halves its size),
 * keeping its tokenizer files and ric.json, so a trained model can be shipped
 * small and still load in transformers. */
#include "config.h"

#include "engine/checkpoint.h"
#include "engine/lora.h"
#include "src/cli.h"

#include <stdio.h>
#include <sys/stat.h>

#include <string.h>

static int convert_run(struct cli *cli, int argc, char **argv);
static int merge_run(struct cli *cli, int argc, char **argv);

const struct cli_command cmd_merge = {
	.name = "merge",
	.summary = "write a LoRA adapter merged into its base as a full checkpoint",
	.usage = "ric merge ADAPTER OUT [--base DIR] [--dtype f32|bf16]",
	.help = "Reads the PEFT LoRA adapter folder ADAPTER (adapter_config.json +\n"
	        "adapter_model.safetensors) over its base (base_model_name_or_path, or\n"
	        "--base DIR) and writes OUT: the base with W + (lora_alpha / r) B A in every\n"
	        "adapted layer, the tokenizer files (the adapter's, else the base's) and the\n"
	        "adapter's ric.json.\n\n"
	        "Options:\n"
	        "  --base DIR    the base model folder\n"
	        "  --dtype D     f32 or bf16 (default f32)\n",
	.run = merge_run,
};

const struct cli_command cmd_convert = {
	.name = "convert",
	.summary = "rewrite a checkpoint in F32 or BF16, with its tokenizer and ric.json",
	.usage = "ric convert IN OUT [--dtype f32|bf16]",
	.help = "Reads the Hugging Face folder IN (F32, F16 or BF16 tensors) and writes OUT\n"
	        "with config.json, model.safetensors in the --dtype asked for, the tokenizer\n"
	        "files and ric.json of IN. OUT must differ from IN.\n\n"
	        "Options:\n"
	        "  --dtype D     f32 or bf16 (default bf16)\n",
	.run = convert_run,
};

static int convert_has_tokenizer(const char *dir)
{
	char path[4352];
	struct stat sb;
	for (size_t i = 0; checkpoint_tokenizer_files[i]; i++) {
		snprintf(path, sizeof path, "%s/%s", dir, checkpoint_tokenizer_files[i]);
		if (stat(path, &sb) == 0)
			return 1;
	}
	return 0;
}

/* Both commands: IN (a checkpoint, or an adapter over base) written to OUT. */
static int convert_write(const struct cli_command *cmd, int argc, char **argv, int merge)
{
	static const struct option opts[] = {
		{ "dtype", required_argument, NULL, 'd' },
		{ "base", required_argument, NULL, 'b' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 }
	};
	const char *dtype = merge ? "f32" : "bf16", *base = NULL;
	int c, exit_rc;
	while ((c = cli_next_option(cmd, argc, argv, "h", opts, &exit_rc)) != -1) {
		switch (c) {
		case 'd': dtype = optarg; break;
		case 'b':
			if (!merge)
				return cli_bad_usage(cmd, "--base is an option of ric merge");
			base = optarg;
			break;
		case CLI_OPT_EXIT: return exit_rc;
		}
	}
	if (strcmp(dtype, "f32") != 0 && strcmp(dtype, "bf16") != 0)
		return cli_bad_usage(cmd, "--dtype is f32 or bf16, not '%s'", dtype);
	if (argc - optind != 2)
		return cli_bad_usage(cmd, merge ? "want ADAPTER and OUT folders" : "want IN and OUT folders");
	const char *in = argv[optind], *out = argv[optind + 1];
	if (strcmp(in, out) == 0)
		return cli_bad_usage(cmd, "OUT must differ from %s", merge ? "ADAPTER" : "IN");
	struct model_params p;
	json_t *ric = NULL;
	struct status st = STATUS_INIT;
	char bdir[4096];
	const char *tok = in;
	if (merge && !lora_is_adapter(in)) {
		cli_error("%s: no %s here: not a PEFT adapter folder", in, LORA_CONFIG);
		return CLI_FAIL;
	}
	if (merge && lora_base_dir(in, base, bdir, sizeof bdir, &st) != STATUS_OK) {
		cli_error("%s", st.msg);
		return CLI_FAIL;
	}
	if (merge && !convert_has_tokenizer(in))
		tok = convert_has_tokenizer(bdir) ? bdir : NULL;
	if (checkpoint_load_base(in, merge ? bdir : NULL, &p, &ric, &st) != STATUS_OK) {
		cli_error("%s", st.msg);
		return CLI_FAIL;
	}
	struct checkpoint_save_opts o = { .bf16 = strcmp(dtype, "bf16") == 0,
	                                  .tokenizer_dir = model_is_image(&p.cfg) ? NULL : tok,
	                                  .ric = ric };
	enum status_code rc = checkpoint_save(out, &p, &o, &st);
	json_decref(ric);
	model_params_free(&p);
	if (rc != STATUS_OK) {
		cli_error("%s", st.msg);
		return CLI_FAIL;
	}
	return CLI_OK;
}

static int convert_run(struct cli *cli, int argc, char **argv)
{
	(void)cli;
	return convert_write(&cmd_convert, argc, argv, 0);
}

static int merge_run(struct cli *cli, int argc, char **argv)
{
	(void)cli;
	return convert_write(&cmd_merge, argc, argv, 1);
}
